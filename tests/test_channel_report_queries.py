"""Given/expect tables for the report's SQL files (sim_pipeline/sql/report_*.sql)."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from report_fixtures import given_history
from schemas.vocabulary import SECRET_COLUMNS
from sim_pipeline.store import queries
from sim_pipeline.store.db import open_inventory
from sim_pipeline.report.state_counts import kept_instants, month_end_state_counts

REPORT_QUERIES = ("report_card_counts_by_month_end_state", "report_state_counts_since",
                  "report_month_event_counts_by_state", "report_custom_fields", "report_reseller_exists",
                  "report_sales_by_month", "report_first_history_instant")

# Card 1001 is assigned, moved from Dist A to Dist B and disposed; 1002 is Bob's until 21 Feb, gets a
# representative at exactly midnight 1 Feb and is assigned; 1003 lives and dies in February.
GIVEN = """
seq | changed_at       | iccid | action     | old_status | new_status | managed_by | distributor | representative | custom                   | is_deleted
1   | 2025-01-10 10:00 | 1001  | ingest     |            | available  | admin      |             |                | {"Marketplace":"Amazon"} | no
2   | 2025-01-10 10:00 | 1002  | ingest     |            | available  | Bob        |             |                |                          | no
3   | 2025-01-20 00:00 | 1001  | assign     | available  | in_use     | admin      | Dist A      |                | {"Marketplace":"Amazon"} | no
4   | 2025-02-01 00:00 | 1002  | allocate   | available  | available  | Bob        |             | Rep R          |                          | no
5   | 2025-02-10 00:00 | 1001  | allocate   | in_use     | in_use     | admin      | Dist B      |                | {"Marketplace":""}       | no
6   | 2025-02-15 00:00 | 1003  | ingest     |            | available  | admin      |             |                |                          | no
7   | 2025-02-20 00:00 | 1003  | delete     | available  |            | admin      |             |                |                          | yes
8   | 2025-02-21 00:00 | 1002  | update     | available  | available  | admin      |             | Rep R          |                          | no
9   | 2025-02-25 00:00 | 1001  | deactivate | in_use     | disposed   | admin      | Dist B      |                | {"Marketplace":""}       | no
10  | 2025-02-26 00:00 | 1002  | assign     | available  | in_use     | admin      |             | Rep R          |                          | no
"""

JAN, FEB, MAR = datetime(2025, 1, 1), datetime(2025, 2, 1), datetime(2025, 3, 1)
LATER = datetime(2025, 6, 1)  # the clock: every month end above has passed


@pytest.fixture
def con(settings):
    with open_inventory(settings) as connection:
        given_history(connection, GIVEN)
        yield connection


def _states(con, managed_by=None, now=LATER):
    rows = month_end_state_counts(con, [JAN, FEB, MAR], ["Marketplace"], managed_by, now)
    return [(r["month_end"], r["status"], r["managed_by"], r["distributor"], r["representative"],
             r["channel_values"], r["count_cards"]) for r in rows]


def test_report_card_counts_by_month_end_state(con):
    assert _states(con) == [
        # 1 Feb: the allocation at exactly midnight belongs to February, so 1002 has no representative yet.
        (FEB, "available", "Bob", None, None, None, 1),
        (FEB, "in_use", "admin", "Dist A", None, ["Amazon"], 1),
        # 1 Mar: 1001 moved to Dist B (empty Marketplace = none) and was disposed; 1003 is deleted.
        (MAR, "disposed", "admin", "Dist B", None, [None], 1),
        (MAR, "in_use", "admin", None, "Rep R", None, 1),
    ]


def test_report_card_counts_by_month_end_state_in_a_resellers_scope_follow_who_manages_the_card_then(con):
    assert _states(con, managed_by="Bob") == [(FEB, "available", "Bob", None, None, None, 1)]


def test_report_card_counts_by_month_end_state_without_custom_fields(con):
    rows = month_end_state_counts(con, [MAR], [], None, LATER)
    assert [(r["status"], r["channel_values"], r["count_cards"]) for r in rows] == [
        ("disposed", [], 1), ("in_use", None, 1)]


def test_month_end_counts_are_kept_once_the_clock_has_passed_and_counted_on_from(con):
    expected = _states(con, now=datetime(2025, 2, 15))  # 1 Mar is still to come: counted, not kept
    assert kept_instants(con, ["Marketplace"]) == {JAN, FEB}  # 1 Jan is kept too, with no cards
    assert kept_instants(con, []) == set()  # kept per list of fields
    assert _states(con) == expected  # 1 Mar counted on from 1 Feb
    assert kept_instants(con, ["Marketplace"]) == {JAN, FEB, MAR}
    con.execute("delete from card_history")  # kept counts are read, history no longer
    assert _states(con) == expected


def test_month_end_counts_kept_are_forgotten_when_a_fixed_clock_is_set_back(home, monkeypatch):
    from sim_pipeline.settings import Settings

    monkeypatch.setenv("SIM_PIPELINE_NOW", LATER.isoformat())
    with open_inventory(Settings.from_env()) as con:
        given_history(con, GIVEN)
        _states(con)
    monkeypatch.setenv("SIM_PIPELINE_NOW", "2025-02-27T00:00:00")  # after the newest history row, before 1 Mar
    with open_inventory(Settings.from_env()) as con:
        assert kept_instants(con, ["Marketplace"]) == {JAN, FEB}
        assert queries.execute(con, "select count(*) from month_end_state_counts where instant = $m", {"m": MAR}) \
            == [(0,)]


def _events(con, managed_by=None):
    rows = queries.rows(con, "report_month_event_counts_by_state", month_start=FEB, month_end=MAR,
                        fields=["Marketplace"], managed_by=managed_by)
    return [(r["action"], r["distributor"], r["representative"], r["channel_values"], r["count_changes"],
             r["count_assigned"], r["count_disposed"]) for r in rows]


def test_report_month_event_counts_by_state(con):
    assert _events(con) == [
        ("allocate", "Dist B", None, [None], 1, 0, 0),
        ("allocate", None, "Rep R", None, 1, 0, 0),
        ("assign", None, "Rep R", None, 1, 1, 0),
        ("deactivate", "Dist B", None, [None], 1, 0, 1),
        ("delete", None, None, None, 1, 0, 0),
        ("ingest", None, None, None, 1, 0, 0),
        ("update", None, "Rep R", None, 1, 0, 0),
    ]


def test_report_month_event_counts_by_state_scope_is_who_manages_the_card_at_month_end(con):
    assert _events(con, managed_by="Bob") == []  # 1002 was Bob's on 1 Feb, the administrator's by 1 Mar
    assert len(_events(con, managed_by="admin")) == 7


def test_report_reseller_exists(con):
    assert queries.rows(con, "report_reseller_exists", reseller="Bob") == [{"is_known": True}]
    assert queries.rows(con, "report_reseller_exists", reseller="bob") == [{"is_known": False}]


def test_report_custom_fields_oldest_first(con):
    con.execute("insert into custom_fields values ('Provider', '2025-01-02'), ('Marketplace', '2025-01-01')")
    assert queries.rows(con, "report_custom_fields") == [{"field_name": "Marketplace"}, {"field_name": "Provider"}]


@pytest.mark.parametrize("name", REPORT_QUERIES)
def test_report_queries_read_history_never_cards_or_secrets(name):
    text = queries.sql(name).lower()
    assert not re.search(r"\b(from|join)\s+cards\b", text)
    assert not re.search(r"\bsecret", text)
    for column in SECRET_COLUMNS:
        assert not re.search(rf"\b{column}\b", text), column


def _sales(con, managed_by=None):
    rows = queries.rows(con, "report_sales_by_month", month_starts=[JAN, FEB], month_ends=[FEB, MAR],
                        fields=["Marketplace"], managed_by=managed_by)
    return [(r["month_start"], r["managed_by"], r["distributor"], r["representative"], r["channel_values"],
             r["count_assigned"], r["count_disposed"]) for r in rows]


def test_report_sales_by_month(con):
    assert _sales(con) == [
        (JAN, "admin", "Dist A", None, ["Amazon"], 1, 0),
        (FEB, "admin", "Dist B", None, [None], 0, 1),
        (FEB, "admin", None, "Rep R", None, 1, 0),
    ]


def test_report_sales_by_month_scope_is_who_manages_the_card_at_each_months_end(con):
    assert _sales(con, managed_by="Bob") == []  # 1002 is the administrator's at the end of February
    assert _sales(con, managed_by="admin") == _sales(con)


def test_report_first_history_instant(con, settings):
    assert queries.rows(con, "report_first_history_instant") == [{"first_changed_at": datetime(2025, 1, 10, 10)}]
    con.execute("delete from card_history")
    assert queries.rows(con, "report_first_history_instant") == [{"first_changed_at": None}]
