"""Reading uploads in bounded batches (sim_pipeline.readers.blocks) gives exactly what drop_reader gives,
and the secrets of big uploads (sealed in slices) open, rekey and survive like any others."""

from __future__ import annotations

import random
from pathlib import Path

import duckdb
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from polars.testing import assert_frame_equal

from sim_pipeline.sealing import columns as secret_store

from sim_pipeline.readers import blocks as staging
from sim_pipeline.readers.dispatch import read_drop
from sim_pipeline.errors import FileRejected
from sim_pipeline.iccid import luhn_digit, luhn_ok
from sim_pipeline.sealing.key import load_key

HEADER = "ICCID,IMSI,PIN1,KI,Marketplace custom"
ROWS = [
    "8947000000000012140,242017100011213,1234,AC63D37F5AF4EA77E3539B2A37F51211,Amazon",
    "8947000000000012157,242017100011214,,,",
    "8947000000000012165 , 242017100011215 ,0000,ac63d37f5af4ea77e3539b2a37f51211,  eBay  ",
]


def _batched(path: Path) -> pl.DataFrame:
    return pl.concat(list(staging.open_upload(path).slices()))


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


PLAIN = {
    "comma.csv": ("\n".join([HEADER, *ROWS]) + "\n").encode(),
    "no-final-newline.csv": "\n".join([HEADER, *ROWS]).encode(),
    "bom-crlf-semicolon.csv": ("\ufeff" + "\r\n".join(r.replace(",", ";") for r in [HEADER, *ROWS]) + "\r\n").encode(),
    "tab.tsv": ("\n".join(r.replace(",", "\t") for r in [HEADER, *ROWS]) + "\n").encode(),
    "trailing-blank-lines.csv": ("\n".join([HEADER, *ROWS]) + "\n\n\n").encode(),
    "full-width-empty-row.csv": ("\n".join([HEADER, ROWS[0], ",,,,", ROWS[1]]) + "\n").encode(),
    # Quoted fields without line breaks in them: blocks too (an export quoting every field is common).
    "quoted.csv": ("\n".join([HEADER, ROWS[0], '"8947000000000012157",242017100011214,,,"a, b"']) + "\n").encode(),
    "all-quoted-crlf.csv": ("\r\n".join(",".join(f'"{f}"' for f in r.split(",")) for r in [HEADER, *ROWS])
                            + "\r\n").encode(),
    "doubled-quotes-semicolon.csv": ("\n".join([HEADER.replace(",", ";"), ROWS[0].replace(",", ";"),
                                                 '8947000000000012157;242017100011214;;;"5"" screen; ""new"""'])
                                     + "\n").encode(),
}
NOT_PLAIN = {
    "blank-line-inside.csv": ("\n".join([HEADER, ROWS[0], "", ROWS[1]]) + "\n").encode(),
    "line-break-in-quotes.csv": ("\n".join([HEADER, ROWS[0], '8947000000000012157,242017100011214,,,"a\nb"'])
                                 + "\n").encode(),
    "misplaced-quote.csv": ("\n".join([HEADER, ROWS[0], '8947000000000012157,242017100011214,,,5" screen']) + "\n").encode(),
    "unclosed-quote.csv": ("\n".join([HEADER, ROWS[0], '8947000000000012157,242017100011214,,,"open']) + "\n").encode(),
    "quoted-short-row.csv": ("\n".join([HEADER, ROWS[0], '"8947000000000012157","a, b"']) + "\n").encode(),
    "short-row.csv": ("\n".join([HEADER, ROWS[0], "8947000000000012157,242017100011214"]) + "\n").encode(),
    "long-row.csv": ("\n".join([HEADER, ROWS[0] + ",extra"]) + "\n").encode(),
    "header-further-down.csv": ("\n\n" + "\n".join([HEADER, *ROWS]) + "\n").encode(),
    "not-utf8.csv": ("\n".join([HEADER, ROWS[0]]) + "\n").encode() + b"8947000000000012157,24201\xff,,,\n",
}


@pytest.mark.parametrize("name", sorted(PLAIN))
def test_a_plain_csv_read_in_batches_equals_the_whole_read(tmp_path, name):
    path = _write(tmp_path, name, PLAIN[name])
    upload = staging.open_upload(path)
    assert upload.plain
    assert_frame_equal(_batched(path), read_drop(path).frame)


@pytest.mark.parametrize("name", sorted(NOT_PLAIN))
def test_what_only_drop_reader_reads_is_handed_to_it(tmp_path, name):
    path = _write(tmp_path, name, NOT_PLAIN[name])
    try:
        upload = staging.open_upload(path)
    except Exception:  # the reader's own rejection (a header it cannot map)
        return
    if upload.plain:
        with pytest.raises(staging.NotPlain):
            _batched(path)


def test_many_small_blocks_keep_every_line_number(tmp_path, monkeypatch):
    monkeypatch.setattr(staging, "BLOCK_BYTES", 100)
    monkeypatch.setattr(staging, "SLICE_ROWS", 7)
    rng = random.Random(3)
    rows = [f"89470000000000{n:05d},2420171000{n:05d},{rng.randrange(10**4):04d},,x{n}" for n in range(200)]
    path = _write(tmp_path, "many.csv", ("\n".join([HEADER, *rows]) + "\n").encode())
    batches = list(staging.open_upload(path).slices())
    assert len(batches) > 10 and max(b.height for b in batches) < 20
    assert_frame_equal(pl.concat(batches), read_drop(path).frame)


def test_quoted_blocks_are_cut_where_no_quoted_field_is_open(tmp_path, monkeypatch):
    monkeypatch.setattr(staging, "BLOCK_BYTES", 90)
    monkeypatch.setattr(staging, "SLICE_ROWS", 5)
    rows = [f'"89470000000000{n:05d}","2420171000{n:05d}",,,"x, ""{n}"" {"y" * (n % 40)}"' for n in range(120)]
    path = _write(tmp_path, "quoted-many.csv", ("\n".join([HEADER, *rows]) + "\n").encode())
    assert staging.open_upload(path).plain
    batches = list(staging.open_upload(path).slices())
    assert len(batches) > 10
    assert_frame_equal(pl.concat(batches), read_drop(path).frame)


@pytest.mark.parametrize("name", ["misplaced-quote.csv", "line-break-in-quotes.csv", "quoted-short-row.csv"])
def test_a_quoted_file_the_blocks_cannot_take_gets_the_readers_verdict(cli, home, tmp_path, name):
    assert cli("fields", "add", "Marketplace").exit_code == 0
    path = _write(tmp_path, name, NOT_PLAIN[name])
    result = cli("ingest", path, "--json")
    [payload] = result.json_lines
    expected = read_drop_outcome(path)
    if expected is None:  # a line break inside quotes: read whole, both records in
        assert (result.exit_code, payload["added"]) == (0, 2)
    else:
        assert result.exit_code == 1
        assert [(e["line"], e["reason"]) for e in payload["errors"]] == expected


def read_drop_outcome(path: Path):
    """None when the whole reader reads `path`, else its (line, reason) problems."""
    from sim_pipeline.errors import FileRejected

    try:
        read_drop(path)
    except FileRejected as exc:
        return [(p.line, p.reason) for p in exc.problems]
    return None


def test_a_short_row_is_rejected_with_the_readers_message(cli, home, tmp_path):
    path = _write(tmp_path, "short.csv", b"ICCID,IMSI\n8947000000000012140,242017100011213\n8947000000000012157\n")
    result = cli("ingest", path, "--json")
    assert result.exit_code == 1
    [error] = result.json_lines[0]["errors"]
    assert error["line"] == 3 and "1 field where the header has 2" in error["reason"]


def test_luhn_check_agrees_with_the_digit_by_digit_reference():
    rng = random.Random(11)
    bodies = ["".join(rng.choice("0123456789") for _ in range(rng.randrange(1, 20))) for _ in range(5000)]
    values = [b + (luhn_digit(b) if i % 2 else str(rng.randrange(10))) for i, b in enumerate(bodies)]
    expected = [luhn_digit(v[:-1]) == v[-1] for v in values]
    assert pl.DataFrame({"v": values}).select(luhn_ok(pl.col("v"))).to_series().to_list() == expected
    assert pl.DataFrame({"v": ["12a4", "", None, "1" * 21]}).select(luhn_ok(pl.col("v"))).to_series().to_list() == [
        None, None, None, None]


def test_secrets_sealed_in_slices_open_after_a_rekey_and_beside_an_old_whole_chunk(cli, home, csv_file, settings,
                                                                                  tmp_path):
    upload = csv_file("u.csv", ["ICCID", "IMSI", "PIN1", "KI"], [
        ["8947000000000012140", "242017100011213", "1234", "AC63D37F5AF4EA77E3539B2A37F51211"],
        ["8947000000000012157", "242017100011214", "", ""],
        ["8947000000000012165", "242017100011215", "5678", ""],
    ])
    assert cli("ingest", upload).exit_code == 0
    key = load_key(None, settings.key_path)
    with duckdb.connect(str(settings.inventory_path)) as con:
        assert con.execute("select sliced, octet_length(ciphertext) from secret_chunks").fetchall() == [(True, 16)]
        assert con.execute("select count(*) from secret_slices").fetchall() == [(2,)]
        # An inventory from before slices: one whole chunk, ciphertext and tag in its row.
        nonce, whole = key.seal(b'{"pin1":"4321"}', secret_store._aad(99))
        con.execute("insert into secret_chunks values (99, $k, $n, $c, false)", {"k": key.key_id, "n": nonce, "c": whole})
        con.execute("update cards set secret_chunk = 99, secret_offset = 0, secret_length = 15 "
                    "where iccid = '8947000000000012157'")
        secrets = secret_store.open_card(con, key, "8947000000000012140")
        assert {k: v for k, v in secrets.items() if v} == {"pin1": "1234", "ki": "AC63D37F5AF4EA77E3539B2A37F51211"}
        assert secret_store.open_card(con, key, "8947000000000012157") == {"pin1": "4321"}
    (tmp_path / "new.key").write_text(cli("keygen").stdout)
    assert cli("rekey", "--new-key-from", tmp_path / "new.key").exit_code == 0
    shown = {c["iccid"]: c["secrets"] for c in (cli("show", i, "--reveal", "--json").json_lines[0]
                                               for i in ("8947000000000012140", "8947000000000012157",
                                                         "8947000000000012165"))}
    assert shown["8947000000000012140"]["ki"] == "AC63D37F5AF4EA77E3539B2A37F51211"
    assert shown["8947000000000012157"] == {"pin1": "4321"}
    assert shown["8947000000000012165"]["pin1"] == "5678"


# Files that stress the quoted path: well-formed rows (quoted separators, doubled quotes, empty cells)
# with now and then one spoiled row the whole reader refuses or reads differently: a line break inside
# quotes, a stray quote, text after a closing quote, white space around quotes, an unclosed quote, a row
# narrower or wider than the header.
_GOOD = ["", " ", "Amazon", '"a{sep} b"', '"5"" screen"', '""', '""""', '"é{sep} 漢"', "x y"]
_SPOILED = ['"a\nb"', 'x"y', '5"', '"c" ', ' "c"', '"c"x', '"open', "a{sep}b",
            'x"y"', 'a""b', ' "c" ', '"a"b"c"']  # stray quotes in pairs: polars keeps them, the reader does not


@st.composite
def quoted_csv(draw) -> tuple[str, str]:
    sep = draw(st.sampled_from([",", ";", "\t"]))
    cell = st.one_of(st.from_regex(r"\A[0-9]{1,19}\Z"), st.sampled_from(_GOOD).map(lambda c: c.format(sep=sep)))
    rows = draw(st.lists(st.lists(cell, min_size=5, max_size=5), min_size=1, max_size=30))
    if draw(st.booleans()):
        at = draw(st.integers(0, len(rows) - 1))
        spoiled = list(rows[at])
        if draw(st.booleans()):
            spoiled[draw(st.integers(0, 4))] = draw(st.sampled_from(_SPOILED)).format(sep=sep)
        else:
            spoiled = spoiled[:draw(st.integers(1, 4))] if draw(st.booleans()) else spoiled + ["extra"]
        rows[at] = spoiled
    header = [f'"{h}"' if draw(st.booleans()) else h for h in HEADER.split(",")]
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    return sep, newline.join(sep.join(r) for r in [header, *rows]) + newline


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(drop=quoted_csv(), block=st.integers(20, 300))
def test_blocks_take_only_what_the_whole_reader_takes_and_read_it_alike(tmp_path_factory, monkeypatch, drop, block):
    _sep, text = drop
    path = tmp_path_factory.mktemp("blocks") / "drop.csv"
    path.write_bytes(text.encode("utf-8"))
    monkeypatch.setattr(staging, "BLOCK_BYTES", block)
    monkeypatch.setattr(staging, "SLICE_ROWS", 4)
    try:
        whole = read_drop(path).frame
    except FileRejected:
        whole = None
    try:
        upload = staging.open_upload(path)
        batches = list(upload.slices()) if upload.plain else []
    except (FileRejected, staging.NotPlain):
        batches = []  # the reader's rejection, or handed to the whole reader
    # No rows at all: ingest hands the file to the whole reader too, which says what is wrong.
    batched = pl.concat(batches) if batches else None
    if batched is not None:
        assert whole is not None, "read by blocks, rejected by the whole reader"
        assert_frame_equal(batched, whole)
