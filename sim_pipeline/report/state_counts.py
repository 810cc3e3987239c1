"""Card counts per state at month ends, for the report: kept once the clock has passed a month end.

A count at a past instant never changes: history is only appended, at the clock's time. So the counts of
each month end a report computes are kept (month_end_state_counts, schemas/ddl/003) once the clock has
passed it, and the next report counts on from the latest one it finds, reading only the history after it
and the earlier rows of the cards changed since. The first report of an inventory reads all of history
(2.7-2.9 s for 17.7M rows, bench case 5-first); the monthly one a month of it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import duckdb

from sim_pipeline.store import queries


def kept_instants(con: duckdb.DuckDBPyConnection, fields: list[str]) -> set[datetime]:
    rows = queries.execute(con, "select instant from month_end_snapshots where fields = $fields::varchar[]",
                           {"fields": fields})
    return {instant for (instant,) in rows}


def count_month_ends(con: duckdb.DuckDBPyConnection, month_ends: list[datetime], fields: list[str],
                     now: datetime) -> None:
    """Count the instants of `month_ends` not kept yet; keep those at or before `now`.

    Those after `now` (the current month, counted up to now) go to the temporary counted_state_counts only.
    """
    kept = kept_instants(con, fields)
    missing = sorted(m for m in month_ends if m not in kept)
    if not missing:
        queries.execute(con, "create or replace temp table counted_state_counts as "
                             "select * from month_end_state_counts limit 0")
        return
    base = max((k for k in kept if k < missing[0]), default=None)
    queries.execute(con, "create or replace temp table counted_state_counts as "
                    + queries.sql("report_state_counts_since"),
                    {"month_ends": missing, "base_instant": base, "fields": fields})
    closed = [m for m in missing if m <= now]
    if not closed:
        return
    con.begin()
    try:
        _delete_counts(con, "list_contains($closed, instant) and fields = $fields::varchar[]",
                       {"closed": closed, "fields": fields})
        queries.execute(con, "insert into month_end_state_counts select * from counted_state_counts "
                             "where list_contains($closed, instant)", {"closed": closed})
        queries.execute(con, "insert into month_end_snapshots select unnest($closed), $fields::varchar[], $now",
                        {"closed": closed, "fields": fields, "now": now})
        con.commit()
    except BaseException:
        con.rollback()
        raise


def month_end_state_counts(con: duckdb.DuckDBPyConnection, month_ends: list[datetime], fields: list[str],
                           managed_by: str | None, now: datetime) -> list[dict[str, Any]]:
    """Rows of sql/report_card_counts_by_month_end_state.sql: cards per state at each of `month_ends`."""
    count_month_ends(con, month_ends, fields, now)
    return queries.rows(con, "report_card_counts_by_month_end_state", month_ends=month_ends, fields=fields,
                        managed_by=managed_by, now=now)


def _delete_counts(con: duckdb.DuckDBPyConnection, where: str, params: dict[str, Any]) -> None:
    queries.execute(con, f"delete from month_end_state_counts where {where}", params)
    queries.execute(con, f"delete from month_end_snapshots where {where}", params)
