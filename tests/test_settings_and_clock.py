"""sim-pipeline.toml options, the working folder, and the controllable clock."""

from __future__ import annotations

import pytest

from sim_pipeline.errors import ClockError, SettingsError
from sim_pipeline.settings import Settings, load


def test_init_creates_the_working_folder_and_is_idempotent(cli, home):
    first = cli("init", "--json")
    assert first.exit_code == 0
    created = first.json_lines[0]["created"]
    for part in ("rejections", "inbox/admin/uploads", "inbox/admin/batches", "outbox", "reports",
                 "sim-pipeline.toml", "sim-pipeline.key"):
        assert part in created
    assert (home / "inventory.duckdb").is_file()
    assert oct((home / "sim-pipeline.key").stat().st_mode & 0o777) == "0o600"
    second = cli("init", "--json")
    assert second.json_lines[0]["created"] == []
    assert second.json_lines[0]["inventory_id"] == first.json_lines[0]["inventory_id"]


def test_every_command_creates_the_working_folder_when_missing(cli, home):
    assert not home.exists()
    assert cli("list", "--count").stdout.strip() == "0"
    assert (home / "sim-pipeline.toml").is_file()


def test_seed_option_names_and_yes_no_values_are_accepted(tmp_path):
    (tmp_path / "sim-pipeline.toml").write_text(
        '[SIM_cards]\nKeepDisposedSIMDays = 30\nUseDetailedSIMStatuses = "Yes"\n'
        '[validation]\niccid_check = "strict"\n[report]\ntimezone = "Europe/Berlin"\n'
    )
    s = load(tmp_path)
    assert (s.keep_disposed_days, s.use_detailed_statuses, s.iccid_check, s.report_timezone) == (
        30, True, "strict", "Europe/Berlin")


@pytest.mark.parametrize("toml, message", [
    ("[SIM_cards]\nKeepDisposedSIMDay = 30\n", "unknown option SIM_cards.KeepDisposedSIMDay"),
    ("[SIM_cards]\nKeepDisposedSIMDays = -1\n", "SIM_cards.KeepDisposedSIMDays: expected a whole number >= 0"),
    ("[SIM_cards]\nUseDetailedSIMStatuses = \"Maybe\"\n", "SIM_cards.UseDetailedSIMStatuses: expected Yes or No"),
    ("[validation]\niccid_check = \"loose\"\n", "validation.iccid_check: expected one of off, warn, strict"),
    ("[report]\ntimezone = \"Mars/Olympus\"\n", "report.timezone: unknown time zone"),
    ("[events]\nsubscriptions = [\"SIMCard/Exploded\"]\n", "events.subscriptions: unknown event type"),
    ("[SIM_cards\n", "not valid TOML"),
])
def test_a_bad_option_is_an_error_naming_it(tmp_path, toml, message):
    (tmp_path / "sim-pipeline.toml").write_text(toml)
    with pytest.raises(SettingsError, match=message.replace("[", r"\[")):
        load(tmp_path)


def test_a_bad_option_exits_1_through_the_cli(cli, home):
    home.mkdir()
    (home / "sim-pipeline.toml").write_text("[lock]\ntimeout = 5\n")
    result = cli("list")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and "unknown option lock.timeout" in result.stderr
    assert "Traceback" not in result.stderr


def test_fixed_clock_stamps_history_and_may_not_go_back(cli, home, csv_file, monkeypatch):
    monkeypatch.setenv("SIM_PIPELINE_NOW", "2026-10-31T12:00:00Z")
    cli("ingest", csv_file("a.csv", ["ICCID", "IMSI"], [["8947000000000012140", "242017100011213"]]))
    shown = cli("show", "8947000000000012140", "--json").json_lines[0]
    assert shown["history"][0]["at"] == "2026-10-31T12:00:00"
    monkeypatch.setenv("SIM_PIPELINE_NOW", "2026-10-01")
    back = cli("list", "--count")
    assert back.exit_code == 1
    assert "earlier than the newest history row" in back.stderr


def test_malformed_clock_is_an_error():
    with pytest.raises(ClockError, match="expected an ISO timestamp"):
        Settings.from_env({"SIM_PIPELINE_HOME": "/tmp/x", "SIM_PIPELINE_NOW": "yesterday"})


def test_clock_with_an_offset_is_converted_to_utc():
    s = Settings.from_env({"SIM_PIPELINE_HOME": "/tmp/x", "SIM_PIPELINE_NOW": "2026-11-01T01:00:00+02:00"})
    assert s.now().isoformat() == "2026-10-31T23:00:00"
