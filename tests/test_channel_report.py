"""The channel report's numbers: the seed's Mega Telecom example played over three months, checked cell by cell.

The scenario (tests/report_fixtures.py mega_telecom): 1000 cards uploaded in September 2025; 1-100 allocated to
distributor Adam Smith, 101-200 Marketplace=Amazon, 901-1000 reseller Bob's eSIMs; assignments, a disposal,
reassignments and deletions across the month boundaries (one change at exactly midnight, 1 November).
"""

from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path

import pytest

from report_fixtures import mega_telecom, parse_table
from sim_pipeline.actor import Actor
from sim_pipeline.report.channels import CSV_COLUMNS, build_report
from sim_pipeline.store.db import open_inventory
from sim_pipeline.errors import SettingsError
from sim_pipeline.report.render import html_context
from sim_pipeline.settings import SETTINGS_FILE, load

SEPTEMBER = parse_table("""
    dimension      | channel    | active | assigned_in_month | in_stock | disposed_in_month | active_change
    distributor    | Adam Smith |     10 |                10 |       90 |                 0 |            10
    distributor    | (none)     |     20 |                20 |      880 |                 0 |            20
    representative | (none)     |     30 |                30 |      970 |                 0 |            30
    direct         | direct     |     20 |                20 |      880 |                 0 |            20
    Marketplace    | Amazon     |     20 |                20 |       80 |                 0 |            20
    Marketplace    | (none)     |     10 |                10 |      890 |                 0 |            10
""")

OCTOBER = parse_table("""
    dimension      | channel    | active | assigned_in_month | in_stock | disposed_in_month | active_change
    distributor    | Adam Smith |     14 |                 6 |       74 |                 2 |             4
    distributor    | Bob Dist   |      2 |                 2 |        3 |                 0 |             2
    distributor    | Eve Jones  |      0 |                 0 |       10 |                 0 |             0
    distributor    | (none)     |     23 |                 3 |      871 |                 0 |             3
    representative | Rita Rep   |      3 |                 3 |        7 |                 0 |             3
    representative | (none)     |     36 |                 8 |      951 |                 2 |             6
    direct         | direct     |     20 |                 0 |      864 |                 0 |             0
    Marketplace    | Amazon     |     20 |                 0 |       80 |                 0 |             0
    Marketplace    | (none)     |     19 |                11 |      878 |                 2 |             9
""")

# Cards 3-5 move from Adam Smith to Eve Jones while In use, card 1 is deleted, 101-105 move to eBay.
NOVEMBER = parse_table("""
    dimension      | channel    | active | assigned_in_month | in_stock | disposed_in_month | active_change
    distributor    | Adam Smith |     12 |                 1 |       73 |                 0 |            -2
    distributor    | Bob Dist   |      2 |                 0 |        3 |                 0 |             0
    distributor    | Eve Jones  |      3 |                 0 |       10 |                 0 |             3
    distributor    | (none)     |     22 |                 0 |      871 |                 1 |            -1
    representative | Rita Rep   |      3 |                 0 |        7 |                 0 |             0
    representative | (none)     |     36 |                 1 |      950 |                 1 |             0
    direct         | direct     |     19 |                 0 |      864 |                 1 |            -1
    Marketplace    | Amazon     |     15 |                 0 |       80 |                 0 |            -5
    Marketplace    | eBay       |      4 |                 0 |        0 |                 1 |             4
    Marketplace    | (none)     |     20 |                 1 |      877 |                 0 |             1
""")

# Reseller Bob's view of October: his 100 eSIMs (one removed), no one else's channels.
OCTOBER_BOB = parse_table("""
    dimension      | channel  | active | assigned_in_month | in_stock | disposed_in_month | active_change
    distributor    | Bob Dist |      2 |                 2 |        3 |                 0 |             2
    distributor    | (none)   |      0 |                 0 |       94 |                 0 |             0
    representative | (none)   |      2 |                 2 |       97 |                 0 |             2
    direct         | direct   |      0 |                 0 |       94 |                 0 |             0
    Marketplace    | (none)   |      2 |                 2 |       97 |                 0 |             2
""")


def mega_inventory(home: Path, now: str, until: datetime | None = None, toml: str = ""):
    """The Mega Telecom history in the inventory at `home` (steps before `until`), with the clock at `now`."""
    home.mkdir(parents=True, exist_ok=True)
    if toml:
        (home / SETTINGS_FILE).write_text(toml, encoding="utf-8")
    settings = load(home, now_text=now)
    with open_inventory(settings) as con:
        mega_telecom(con, until)
    return settings


def report_rows(settings, month: str, scope: Actor = Actor()) -> list[dict]:
    with open_inventory(settings) as con:
        report = build_report(con, settings, month, scope)
    return [{k: v for k, v in row.items() if k != "month"} for row in report.rows()]


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def as_csv(month: str, table: list[dict]) -> list[list[str]]:
    return [CSV_COLUMNS] + [[month] + [str(row[c]) for c in CSV_COLUMNS[1:]] for row in table]


@pytest.fixture
def mega_home(home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SIM_PIPELINE_NOW", "2025-12-05T08:00:00Z")
    mega_inventory(home, "2025-12-05T08:00:00Z")
    return home


def test_october_numbers_cell_by_cell_in_the_csv_and_the_json(cli, mega_home):
    result = cli("report", "--month", "2025-10", "--json")
    assert result.exit_code == 0, result.stderr
    [payload] = result.json_lines
    assert payload["channels"] == OCTOBER
    assert read_csv(Path(payload["files"]["csv"])) == as_csv("2025-10", OCTOBER)
    assert payload["totals"]["distributor"] == {"active": 39, "assigned_in_month": 11, "in_stock": 958,
                                                "disposed_in_month": 2, "active_change": 9}
    assert payload["overview"]["by_status"] == {"available": 956, "reserved": 2, "in_use": 39, "disposed": 2}
    assert payload["overview"]["by_managed_by"] == {"admin": 900, "Bob": 99}
    assert payload["overview"]["by_sim_type"] == {"SIM": 900, "eSIM": 99}
    assert {k: v for k, v in payload["overview"]["events"].items() if v} == {
        "remove": 1, "allocate": 27, "assign": 11, "deactivate": 2}
    assert [t["active"] for t in payload["trend"]] == [0] * 10 + [30, 39]
    assert payload["trend"][0]["month"] == "2024-11" and payload["trend"][-1]["month"] == "2025-10"
    assert (payload["month"], payload["timezone"], payload["scope"]) == ("2025-10", "UTC", "admin")
    assert payload["as_of"] == "2025-11-01T00:00:00+00:00" and payload["is_current_month"] is False
    reports = mega_home / "reports"
    assert payload["files"] == {**{ext: str(reports / f"channel-report-2025-10.{ext}")
                                   for ext in ("html", "csv", "pdf", "xlsx", "json")},
                                "index": str(reports / "index.html")}
    assert all(Path(p).stat().st_size > 0 for p in payload["files"].values())


def test_september_lists_only_the_channels_that_existed_then(mega_home, settings):
    assert report_rows(settings, "2025-09") == SEPTEMBER


def test_november_counts_reassigned_and_deleted_cards_where_they_stand_at_its_end(mega_home, settings):
    assert report_rows(settings, "2025-11") == NOVEMBER


def test_negative_changes_are_plain_numbers_in_the_csv(cli, mega_home):
    result = cli("report", "--month", "2025-11", "--json")
    [payload] = result.json_lines
    rows = read_csv(Path(payload["files"]["csv"]))
    assert rows == as_csv("2025-11", NOVEMBER)
    assert rows[1][:3] == ["2025-11", "distributor", "Adam Smith"] and rows[1][-1] == "-2"


def test_october_rendered_in_december_equals_october_rendered_on_1_november(tmp_path):
    early = mega_inventory(tmp_path / "nov1", "2025-11-01T06:00:00Z", until=datetime(2025, 11, 1, 6))
    late = mega_inventory(tmp_path / "dec5", "2025-12-05T08:00:00Z")
    reports = {}
    for name, settings in (("early", early), ("late", late)):
        with open_inventory(settings) as con:
            reports[name] = build_report(con, settings, "2025-10").to_json()
    for payload in reports.values():
        del payload["generated_at"]
    assert reports["early"] == reports["late"]
    assert reports["late"]["channels"] == OCTOBER
    with open_inventory(late) as con:  # the later history really did change those cards
        assert con.execute("select count(*) from card_history where changed_at >= '2025-11-01'").fetchone() == (11,)


def test_reseller_sees_only_its_cards_and_no_other_channel(cli, mega_home):
    result = cli("report", "--month", "2025-10", "--as", "reseller:Bob", "--json")
    assert result.exit_code == 0, result.stderr
    [payload] = result.json_lines
    assert payload["scope"] == "reseller:Bob"
    assert payload["channels"] == OCTOBER_BOB
    assert payload["overview"]["by_managed_by"] == {"Bob": 99}
    assert payload["overview"]["by_status"] == {"available": 97, "reserved": 0, "in_use": 2, "disposed": 0}
    assert {k: v for k, v in payload["overview"]["events"].items() if v} == {"remove": 1, "allocate": 5, "assign": 2}
    files = payload["files"]
    assert files["csv"].endswith("channel-report-2025-10-reseller-Bob.csv")
    assert read_csv(Path(files["csv"])) == as_csv("2025-10", OCTOBER_BOB)
    texts = [Path(files[k]).read_text(encoding="utf-8") for k in ("html", "csv")] + [result.stdout]
    for other in ("Adam Smith", "Eve Jones", "Rita Rep", "Amazon", "Administrator"):
        assert not any(other in text for text in texts), other


def test_months_end_at_midnight_in_the_report_timezone(tmp_path):
    settings = mega_inventory(tmp_path / "berlin", "2025-12-05T08:00:00Z",
                              toml='[report]\ntimezone = "Europe/Berlin"\n')
    with open_inventory(settings) as con:
        report = build_report(con, settings, "2025-10")
    payload = report.to_json()
    # 31 Oct 23:30 UTC is already 1 November in Berlin: card 16's assignment leaves October.
    assert payload["channels"][0] == {"dimension": "distributor", "channel": "Adam Smith", "active": 13,
                                      "assigned_in_month": 5, "in_stock": 75, "disposed_in_month": 2,
                                      "active_change": 3}
    assert (payload["month_start"], payload["as_of"]) == ("2025-10-01T00:00:00+02:00", "2025-11-01T00:00:00+01:00")
    assert payload["timezone"] == "Europe/Berlin"


def test_current_month_is_counted_up_to_now_including_a_change_at_this_instant(tmp_path):
    settings = mega_inventory(tmp_path / "now", "2025-11-10T00:00:00Z")  # the last change is at this instant
    with open_inventory(settings) as con:
        report = build_report(con, settings, "2025-11")
    payload = report.to_json()
    assert payload["is_current_month"] is True and payload["as_of"] == "2025-11-10T00:00:00+00:00"
    assert payload["channels"] == NOVEMBER
    words = html_context(report)
    assert words["period_text"] == "Month to date: cards as of 2025-11-10 00:00 UTC; changes since 2025-11-01 00:00."
    assert words["active_heading"] == "In use now"


def test_a_month_that_has_not_started_is_refused(cli, mega_home):
    result = cli("report", "--month", "2026-01")
    assert result.exit_code == 1
    assert result.stderr.strip() == ("Error: --month 2026-01 has not started yet (now is 2025-12-05 08:00 UTC); "
                                     "choose this month or an earlier one")


@pytest.mark.parametrize("month", ["2025-13", "2025-1", "Oct 2025", "2025-10-01", "0999-10"])
def test_a_malformed_month_is_a_usage_error(cli, mega_home, month):
    result = cli("report", "--month", month)
    assert result.exit_code == 2
    assert f"expected a month as YYYY-MM, e.g. 2025-10, got {month!r}" in result.stderr


def test_an_unknown_reseller_is_not_found(cli, mega_home):
    result = cli("report", "--month", "2025-10", "--as", "reseller:Mallory")
    assert result.exit_code == 1
    assert "reseller 'Mallory' not found" in result.stderr


def test_out_folder_and_plain_output(cli, mega_home, tmp_path):
    result = cli("report", "--month", "2025-10", "--out", tmp_path / "monthly")
    assert result.exit_code == 0, result.stderr
    names = sorted(p.name for p in (tmp_path / "monthly").iterdir())
    assert names == [f"channel-report-2025-10.{ext}" for ext in ("csv", "html", "json", "pdf", "xlsx")] + ["index.html"]
    assert result.stdout.splitlines()[0] == "channel report 2025-10 for admin: 39 cards in use at month end"
    assert str(tmp_path / "monthly" / "channel-report-2025-10.pdf") in result.stdout


def test_channel_fields_setting_chooses_the_custom_dimensions(tmp_path):
    settings = mega_inventory(tmp_path / "fields", "2025-12-05T08:00:00Z", toml="[report]\nchannel_fields = []\n")
    assert {r["dimension"] for r in report_rows(settings, "2025-10")} == {"distributor", "representative", "direct"}
    (settings.home / SETTINGS_FILE).write_text('[report]\nchannel_fields = ["Marketplce"]\n', encoding="utf-8")
    typo = load(settings.home, now_text="2025-12-05T08:00:00Z")
    with open_inventory(typo) as con, pytest.raises(SettingsError, match="no custom field 'Marketplce'"):
        build_report(con, typo, "2025-10")


def test_the_json_is_one_object_on_one_line(cli, mega_home):
    result = cli("report", "--month", "2025-10", "--json")
    assert len(result.stdout.splitlines()) == 1
    assert isinstance(json.loads(result.stdout), dict)


def test_report_of_a_real_upload_and_batches_names_no_secret(cli, home, monkeypatch, mega_upload, tmp_path):
    from sim_pipeline.cli.demo_data import iccid, write_mega_allocation_batch

    steps = [("2025-10-05T10:00:00Z", ("fields", "add", "Marketplace")),
             ("2025-10-05T10:01:00Z", ("ingest", mega_upload)),
             ("2025-10-06T10:00:00Z", ("apply", write_mega_allocation_batch(tmp_path / "allocate.csv")))]
    assign = tmp_path / "assign.csv"
    assign.write_text(f"action,iccid,account_id,customer\nassign,{iccid(1)},ACC-1,Acme\n"
                      f"assign,{iccid(101)},ACC-2,Acme\n", encoding="utf-8")
    steps.append(("2025-10-08T10:00:00Z", ("apply", assign)))
    for now, args in steps:
        monkeypatch.setenv("SIM_PIPELINE_NOW", now)
        done = cli(*args)
        assert done.exit_code == 0, (args, done.stderr)
    monkeypatch.setenv("SIM_PIPELINE_NOW", "2025-11-01T06:00:00Z")
    result = cli("report", "--month", "2025-10", "--json")
    assert result.exit_code == 0, result.stderr
    [payload] = result.json_lines
    assert payload["channels"] == parse_table("""
        dimension      | channel    | active | assigned_in_month | in_stock | disposed_in_month | active_change
        distributor    | Adam Smith |      1 |                 1 |       99 |                 0 |             1
        distributor    | (none)     |      1 |                 1 |      899 |                 0 |             1
        representative | (none)     |      2 |                 2 |      998 |                 0 |             2
        direct         | direct     |      1 |                 1 |      899 |                 0 |             1
        Marketplace    | Amazon     |      1 |                 1 |       99 |                 0 |             1
        Marketplace    | (none)     |      1 |                 1 |      899 |                 0 |             1
    """)
    with mega_upload.open(encoding="utf-8", newline="") as f:
        secrets = {row[k] for row in csv.DictReader(f) for k in ("PUK1", "PUK2", "KI")}
    texts = [result.stdout] + [Path(payload["files"][k]).read_text(encoding="utf-8") for k in ("html", "csv")]
    assert not [s for s in secrets for text in texts if s in text]


def test_an_unwritable_out_folder_is_a_clear_error(cli, mega_home, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    result = cli("report", "--month", "2025-10", "--out", blocker)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: cannot write the report into {blocker}: ")
    assert result.stderr.rstrip().endswith("choose another --out")


def test_reports_keep_past_month_end_counts_and_count_on_from_them(cli, mega_home):
    def kept() -> list[str]:
        with open_inventory(load(mega_home, now_text="2025-12-05T08:00:00Z")) as con:
            rows = con.execute("select strftime(instant, '%Y-%m-%d') from month_end_snapshots order by 1").fetchall()
        return [r[0] for r in rows]

    def channels(month: str) -> list[dict]:
        result = cli("report", "--month", month, "--json")
        assert result.exit_code == 0, result.stderr
        return result.json_lines[0]["channels"]

    assert channels("2025-09") == SEPTEMBER  # the first report reads all history, keeps 12 month ends
    assert kept() == ["2024-11-01", "2024-12-01"] + [f"2025-{m:02d}-01" for m in range(1, 11)]
    assert channels("2025-11") == NOVEMBER  # counted on from 1 Oct
    assert kept()[-2:] == ["2025-11-01", "2025-12-01"]
    assert channels("2025-12")  # the current month: its end (now) is counted, not kept
    assert kept()[-1] == "2025-12-01"
    assert channels("2025-10") == OCTOBER  # every month end kept: no history read
