"""What a manager reads first, on a scenario with known answers (tests/report_fixtures.py forty_distributors):
the headline, the ranking (ties, the top-N cut, `(none)` last), the months of stock and the running-low box,
and the resellers section; each from the JSON the CLI prints."""

from __future__ import annotations

from pathlib import Path

import pytest

from report_fixtures import forty_distributors
from sim_pipeline.store.db import open_inventory
from sim_pipeline.report.view import natural_key, percent_text
from sim_pipeline.settings import SETTINGS_FILE, load

NOW = "2025-12-05T08:00:00Z"
# D1 9, D6 5, D10 5 (tie: natural order), D12 4, then the 1s in natural order (D2 before D11), D40 0.
TOP_15 = ["D1", "D6", "D10", "D12", "D2", "D3", "D4", "D5", "D7", "D8", "D9", "D11", "D13", "D14", "D15"]


@pytest.fixture
def forty_home(home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SIM_PIPELINE_NOW", NOW)
    with open_inventory(load(home, now_text=NOW)) as con:
        forty_distributors(con)
    return home


def november(cli, *extra: str) -> dict:
    result = cli("report", "--month", "2025-11", "--json", *extra)
    assert result.exit_code == 0, result.stderr
    [payload] = result.json_lines
    return payload


def test_the_headline_holds_the_month_and_the_previous_one(cli, forty_home):
    headline = november(cli)["headline"]
    assert headline == {
        "active": {"value": 168, "previous": 115, "change_percent": "+46%"},
        "active_change": {"value": 53, "previous": 7},
        "assigned_in_month": {"value": 53, "previous": 7},
        "in_stock": {"value": 873, "previous": 926},
        "disposed_in_month": {"value": 0, "previous": 0},
    }


def test_channels_are_ranked_with_ties_in_natural_order_and_the_rest_in_one_others_row(cli, forty_home):
    payload = november(cli)
    shown = payload["ranking"]["distributor"]["shown"]
    assert [r["channel"] for r in shown] == TOP_15 + ["(others)", "(none)"]
    assert [r["rank"] for r in shown[:15]] == list(range(1, 16)) and shown[-1]["rank"] is None
    others, none = shown[-2], shown[-1]
    assert (others["label"], others["active"], others["assigned_in_month"], others["in_stock"]) == (
        "Others (25 distributors)", 24, 24, 226)
    assert (none["label"], none["active"], none["in_stock"]) == ("no distributor", 110, 540)
    every = payload["ranking"]["distributor"]["all"]
    assert every[:15] == TOP_15 and every[-2:] == ["D40", "(none)"] and len(every) == 41
    # the CSV's numbers, unranked: the shown rows add up to the dimension's total
    assert sum(r["active"] for r in shown) == payload["totals"]["distributor"]["active"] == 168
    assert [r["channel"] for r in payload["ranking"]["Marketplace"]["shown"]] == ["Amazon", "eBay", "Shop", "(none)"]
    assert shown[0]["series"] == [0, 0, 0, 3, 6, 9] and shown[1]["series"] == [0, 0, 0, 0, 0, 5]
    assert shown[1]["change_percent"] == "new" and shown[0]["change_percent"] == "+50%"


def test_top_channels_setting_moves_the_cut(cli, forty_home):
    (forty_home / SETTINGS_FILE).write_text("[report]\ntop_channels = 3\n", encoding="utf-8")
    shown = november(cli)["ranking"]["distributor"]["shown"]
    assert [r["channel"] for r in shown] == ["D1", "D6", "D10", "(others)", "(none)"]
    assert shown[3]["label"] == "Others (37 distributors)" and shown[3]["active"] == 168 - 110 - 19


def test_months_of_stock_and_the_running_low_box(cli, forty_home):
    payload = november(cli)
    outlook = {(o["dimension"], o["channel"]): o for o in payload["stock_outlook"]}
    assert ("distributor", "(none)") not in outlook and ("direct", "direct") in outlook
    assert outlook["distributor", "D1"] == {
        "dimension": "distributor", "channel": "D1", "in_stock": 1, "sales": 9, "months_counted": 3,
        "average_sales": 3.0, "months_left": 0.33, "running_low": True}
    assert (outlook["distributor", "D2"]["in_stock"], outlook["distributor", "D2"]["months_left"]) == (0, 0.0)
    assert outlook["distributor", "D40"]["months_left"] is None and not outlook["distributor", "D40"]["running_low"]
    assert outlook["direct", "direct"]["sales"] == 110 and outlook["direct", "direct"]["months_left"] == 14.73
    assert [(o["channel"], o["months_left"]) for o in payload["stock_outlook"]][:5] == [
        ("D2", 0.0), ("D1", 0.33), ("D6", 3.0), ("D10", 3.0), ("Amazon", 3.0)]
    assert payload["running_low"] == [{"dimension": "distributor", "channel": "D2", "months_left": 0.0},
                                      {"dimension": "distributor", "channel": "D1", "months_left": 0.33}]


def test_running_low_follows_the_setting_and_says_nothing_when_no_channel_is(cli, forty_home):
    (forty_home / SETTINGS_FILE).write_text("[report]\nlow_stock_months = 3.5\n", encoding="utf-8")
    assert [o["channel"] for o in november(cli)["running_low"]] == ["D2", "D1", "D6", "D10", "Amazon"]
    (forty_home / SETTINGS_FILE).write_text("[report]\nlow_stock_months = 0\n", encoding="utf-8")
    payload = november(cli)
    assert payload["running_low"] == []
    assert 'id="running-low"' not in Path(payload["files"]["html"]).read_text(encoding="utf-8")


def test_months_before_the_first_history_row_are_left_out_of_the_average(cli, forty_home):
    # September is the inventory's first month: its report averages over September alone.
    result = cli("report", "--month", "2025-09", "--json")
    outlook = {o["channel"]: o for o in result.json_lines[0]["stock_outlook"]}
    assert (outlook["D1"]["months_counted"], outlook["D1"]["sales"], outlook["D1"]["months_left"]) == (1, 3, 2.33)
    assert outlook["D6"]["months_left"] is None  # no sales yet: never running low


def test_resellers_section_in_the_administrators_report_only(cli, forty_home):
    assert november(cli)["resellers"] == [
        {"managed_by": "admin", "rank": 1, "active": 158, "assigned_in_month": 43, "in_stock": 833},
        {"managed_by": "Zed", "rank": 2, "active": 10, "assigned_in_month": 10, "in_stock": 40}]
    zed = november(cli, "--as", "reseller:Zed")
    assert zed["resellers"] == [] and zed["headline"]["active"] == {"value": 10, "previous": 0,
                                                                    "change_percent": "new"}
    assert [r["channel"] for r in zed["ranking"]["distributor"]["shown"]] == ["(none)"]
    html = Path(zed["files"]["html"]).read_text(encoding="utf-8")
    assert 'id="resellers"' not in html and ">D1<" not in html and ">D1 " not in html


def test_natural_order_and_percentages():
    assert sorted(["D10", "d6", "D1", "a", "D2b", "D2a"], key=natural_key) == ["a", "D1", "D2a", "D2b", "d6", "D10"]
    assert [percent_text(5, 0), percent_text(0, 0), percent_text(3, 2), percent_text(10, 10), percent_text(21, 20)] == [
        "new", "\u2013", "+50%", "0%", "+5.0%"]
