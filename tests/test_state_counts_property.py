"""Month-end counts kept and counted on from equal a count of the whole history (hypothesis).

Random histories of a few cards are written in two parts, as a clock passing `now1` would: a report at
`now1` keeps the month ends it has passed; the rest of the history follows; a report at the end must give
for every month end what a plain Python reading of the whole history gives (the card's last row before
the instant, deleted cards left out), whichever kept month end it counted on from.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta

import duckdb
import polars as pl
from hypothesis import HealthCheck, given, settings, strategies as st

from report_fixtures import _SCHEMA
from sim_pipeline.store.migrations import migrate
from sim_pipeline.report.state_counts import kept_instants, month_end_state_counts

MONTH_ENDS = [datetime(2025, m, 1) for m in (1, 2, 3, 4, 5)]
# Instants a row may have: month ends themselves (a change at midnight counts from that month end on),
# just before and after them, and mid-month.
INSTANTS = sorted({m + timedelta(days=d) for m in [datetime(2024, 12, 1)] + MONTH_ENDS for d in (-1, 0, 1, 14)})
FIELDS = ["Marketplace"]

row_strategy = st.fixed_dictionaries({
    "card": st.integers(0, 3),
    "step": st.integers(0, 3),           # instants on from the row before's: some rows share one
    "status": st.sampled_from(["available", "reserved", "in_use", "disposed"]),
    "managed_by": st.sampled_from(["admin", "Bob"]),
    "distributor": st.sampled_from([None, "", "Dist A", "Dist B"]),
    "representative": st.sampled_from([None, "Rep R"]),
    "custom": st.sampled_from([None, {}, {"Marketplace": ""}, {"Marketplace": "Amazon"}, {"Other": "x"}]),
    "is_deleted": st.booleans(),
})


def _rows(drawn: list[dict]) -> list[dict]:
    index, rows = 0, []
    for seq, d in enumerate(drawn, start=1):
        index = min(index + d["step"], len(INSTANTS) - 1)
        at = INSTANTS[index]
        rows.append({
            **dict.fromkeys(_SCHEMA), "seq": seq, "changed_at": at, "iccid": f"89{d['card']}", "action": "update",
            "new_status": None if d["is_deleted"] else d["status"], "sim_type": "SIM",
            "managed_by": d["managed_by"], "distributor": d["distributor"], "representative": d["representative"],
            "custom": None if d["custom"] is None else json.dumps(d["custom"]), "is_deleted": d["is_deleted"],
            "actor": "admin",
        })
    return rows


def _insert(con: duckdb.DuckDBPyConnection, rows: list[dict]) -> None:
    if rows:
        frame = pl.DataFrame(rows, schema=_SCHEMA)  # noqa: F841  read by DuckDB by name below
        con.execute("insert into card_history by name select * from frame").fetchall()


def _expected(rows: list[dict], month_ends: list[datetime], managed_by: str | None) -> Counter:
    counts: Counter = Counter()
    for end in month_ends:
        last: dict[str, dict] = {}
        for row in rows:
            if row["changed_at"] < end:
                last[row["iccid"]] = row
        for row in last.values():
            if row["is_deleted"] or (managed_by is not None and row["managed_by"] != managed_by):
                continue
            custom = None if row["custom"] is None else json.loads(row["custom"])
            values = None if custom is None else tuple(custom.get(f) or None for f in FIELDS)
            counts[(end, row["new_status"], row["managed_by"], row["distributor"] or None,
                    row["representative"] or None, values)] += 1
    return counts


def _counted(con, month_ends, managed_by, now) -> Counter:
    counts: Counter = Counter()
    for r in month_end_state_counts(con, month_ends, FIELDS, managed_by, now):
        values = None if r["channel_values"] is None else tuple(r["channel_values"])
        counts[(r["month_end"], r["status"], r["managed_by"], r["distributor"], r["representative"], values)] \
            += r["count_cards"]
    return counts


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(drawn=st.lists(row_strategy, max_size=14), now1=st.sampled_from(INSTANTS),
       first_ends=st.sets(st.sampled_from(MONTH_ENDS)), managed_by=st.sampled_from([None, "Bob"]))
def test_counting_on_from_kept_month_ends_equals_counting_the_whole_history(drawn, now1, first_ends, managed_by):
    rows = _rows(drawn)
    con = duckdb.connect()
    migrate(con)
    _insert(con, [r for r in rows if r["changed_at"] <= now1])  # the history written by `now1`
    first = sorted(first_ends)
    assert _counted(con, first, managed_by, now1) == _expected(
        [r for r in rows if r["changed_at"] <= now1], first, managed_by)
    assert kept_instants(con, FIELDS) == {m for m in first if m <= now1}

    _insert(con, [r for r in rows if r["changed_at"] > now1])  # the clock moves on
    now2 = max([now1] + [r["changed_at"] for r in rows]) + timedelta(days=1)
    assert _counted(con, MONTH_ENDS, managed_by, now2) == _expected(rows, MONTH_ENDS, managed_by)
    con.close()
