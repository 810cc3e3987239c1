"""Fuzzing: hypothesis-generated files through every reader and the ingest path, for a bounded budget.

Only the documented outcomes are allowed: the file is read (or ingested), or it is rejected with
problems naming why (FileRejected / status "rejected" with a report). Anything else is a bug.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st

from sim_pipeline.readers.dispatch import read_drop
from sim_pipeline.errors import FileRejected

FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                        HealthCheck.too_slow])

HEADERS = ["ICCID", "IMSI", "PIN", "PUK1", "KI", "Description", "Action", "Marketplace custom", "iccid ", "Colour", ""]
CELLS = st.one_of(
    st.text(max_size=25),
    st.from_regex(r"[0-9]{0,22}F?", fullmatch=True),
    st.sampled_from(["8.94E+18", "+", "-", "add", "=1+1", '"', '""', "\x00", "\r", "\n", ";", "\t", "LPA:1$a$b"]),
)


@st.composite
def csv_like(draw) -> bytes:
    sep = draw(st.sampled_from([",", ";", "\t", " "]))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    header = draw(st.lists(st.sampled_from(HEADERS), min_size=0, max_size=6))
    rows = draw(st.lists(st.lists(CELLS, min_size=0, max_size=7), max_size=6))
    text = newline.join(sep.join(r) for r in [header, *rows])
    data = text.encode("utf-8", "surrogatepass") if draw(st.booleans()) else text.encode("utf-8", "replace")
    if draw(st.booleans()):
        data = b"\xef\xbb\xbf" + data
    return data


@st.composite
def out_like(draw) -> bytes:
    lines = draw(st.lists(st.one_of(
        st.sampled_from(["*HEADER DESCRIPTION", "***************", "*INPUT VARIABLES", "*OUTPUT VARIABLES",
                         "OUTPUT VARIABLES", "var_out: ICCID/IMSI/KI", "var_Out:ICCID/IMSI/PIN1/PUK1",
                         "Quantity : 1", "Quantity: 2", "Quanitity: 0", "Var_In_List:", "*", ""]),
        st.from_regex(r"89[0-9]{17}F? [0-9]{15}( [0-9A-F]{32})?", fullmatch=True),
        st.text(max_size=40),
    ), max_size=20))
    return "\n".join(lines).encode("utf-8", "replace")


def _read_or_reject(path: Path) -> None:
    try:
        drop = read_drop(path)
    except FileRejected as exc:
        assert exc.problems and all(p.reason for p in exc.problems)
        return
    assert "line" in drop.frame.columns and drop.frame.height > 0


@FUZZ
@given(data=st.one_of(csv_like(), st.binary(max_size=300)), ext=st.sampled_from([".csv", ".txt", ".xlsx", ".xls"]))
def test_fuzzed_csv_and_binary_files_are_read_or_rejected(tmp_path_factory, data, ext):
    path = tmp_path_factory.mktemp("fuzz") / f"drop{ext}"
    path.write_bytes(data)
    _read_or_reject(path)


@FUZZ
@given(data=out_like())
def test_fuzzed_vendor_out_files_are_read_or_rejected(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "vendor.out"
    path.write_bytes(data)
    _read_or_reject(path)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=csv_like())
def test_fuzzed_files_through_ingest_are_accepted_or_rejected_with_a_report(settings, tmp_path_factory, data):
    from sim_pipeline.store.db import open_inventory
    from sim_pipeline.ingest.upload import ingest_file

    path = tmp_path_factory.mktemp("fuzz") / "drop.csv"
    path.write_bytes(data)
    with open_inventory(settings) as con:
        result = ingest_file(con, settings, path)
        assert result.status in ("accepted", "rejected", "duplicate")
        if result.status == "rejected":
            assert result.errors and Path(result.report).is_file()
        cards = con.execute("select count(*) from cards").fetchall()[0][0]
        history = con.execute("select count(*) from card_history where action = 'ingest'").fetchall()[0][0]
        assert cards <= history


BATCH_HEADERS = ["action", "iccid", "imsi", "iccid_from", "iccid_to", "account_id", "customer", "distributor",
                 "representative", "activated_at", "reason", "description", "pin", "managed_by",
                 "Marketplace custom", "Colour", ""]
BATCH_CELLS = st.one_of(
    CELLS,
    st.sampled_from(["allocate", "deallocate", "assign", "unassign", "deactivate", "terminate_account",
                     "activate", "delete", "update", "*", "2026-11-01", "2026-13-45T99:00", "1949177921756150001",
                     "1949177921756150100", "8947000000000012140"]),
)


@st.composite
def batch_like(draw) -> bytes:
    header = draw(st.lists(st.sampled_from(BATCH_HEADERS), min_size=0, max_size=6))
    rows = draw(st.lists(st.lists(BATCH_CELLS, min_size=0, max_size=7), max_size=6))
    sep = draw(st.sampled_from([",", ";"]))
    return "\n".join(sep.join(r) for r in [header, *rows]).encode("utf-8", "replace")


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.one_of(batch_like(), st.binary(max_size=200)))
def test_fuzzed_batch_files_are_applied_or_rejected_with_a_report(settings, tmp_path_factory, data):
    from sim_pipeline.lifecycle.batch import apply_file
    from sim_pipeline.store.db import open_inventory

    path = tmp_path_factory.mktemp("fuzz") / "batch.csv"
    path.write_bytes(data)
    with open_inventory(settings) as con:
        result = apply_file(con, settings, path)
        assert result.status in ("accepted", "rejected", "duplicate")
        if result.status == "rejected":
            assert result.errors
