"""One trailing F pad, everywhere: the polars expression for files and its twin for one typed value agree,
and a lookup, filter or batch row never strips more than one F."""

from __future__ import annotations

import polars as pl

from sim_pipeline.iccid import strip_pad, strip_pad_text

VALUES = ["8947000000000000001", "8947000000000000001F", "8947000000000000001f", "894700000000000001FF", "F", ""]


def test_the_text_twin_strips_what_the_expression_strips():
    frame = pl.DataFrame({"iccid": VALUES}).select(strip_pad(pl.col("iccid")))
    assert [strip_pad_text(v) for v in VALUES] == frame.get_column("iccid").to_list()
    assert strip_pad_text(" 8947000000000000001F ") == "8947000000000000001"


def test_show_and_list_strip_one_trailing_f_and_never_two(cli, stock):
    [card] = stock(1)
    assert cli("show", card + "F").exit_code == 0
    assert cli("list", "--iccid-from", card + "f", "--iccid-to", card + "F", "--count").stdout.strip() == "1"
    padded_twice = cli("list", "--iccid-from", card + "FF", "--iccid-to", card + "FF", "--count")
    assert padded_twice.stdout.strip() in ("", "0")
    assert cli("show", card + "FF").exit_code == 1
