"""The inbox without Prefect: which files a scan takes, where each one ends, and who acts."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from sim_pipeline.cli.demo_data import iccid, write_mega_upload
from tests.conftest import write_csv

BIN = Path(sys.executable).parent / "sim-pipeline"


def configure(home: Path, settle_seconds: float = 0, extra: str = "") -> None:
    """Settings before `init` (which never overwrites them)."""
    home.mkdir(parents=True, exist_ok=True)
    text = f"[schedules]\nsettle_seconds = {settle_seconds}\n{extra}"
    (home / "sim-pipeline.toml").write_text(text, encoding="utf-8")


@pytest.fixture
def ready(home, cli):
    """A working folder whose scans take files at once (settle_seconds = 0), with Marketplace defined."""
    configure(home)
    assert cli("fields", "add", "Marketplace").exit_code == 0
    return home


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file() or p.is_symlink())


def count(home: Path, sql: str) -> int:
    with duckdb.connect(str(home / "inventory.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()[0][0]


def uploads(home: Path, reseller: str | None = None) -> Path:
    return home / "inbox" / ("admin" if reseller is None else f"resellers/{reseller}") / "uploads"


def test_half_written_hidden_and_unsettled_files_are_not_taken(home, cli):
    from sim_pipeline import drops
    from sim_pipeline.settings import Settings

    configure(home, settle_seconds=10)
    cli("init")
    drop = uploads(home)
    write_mega_upload(drop / "big.csv.part", cards=5)
    write_mega_upload(drop / "big.tmp", cards=5)
    write_mega_upload(drop / ".big.csv", cards=5)
    write_mega_upload(drop / "fresh.csv", cards=5)
    settings = Settings.from_env()

    now = drops.list_inbox(settings, [])
    assert now.ready == [] and sorted(p.name for p in now.waiting) == ["big.csv.part", "big.tmp", "fresh.csv"]
    result = cli("scan", "--once")
    assert result.exit_code == 0 and "no complete file waiting" in result.stderr
    assert files_under(home / "processed") == [] and len(files_under(drop)) == 4

    later = drops.list_inbox(settings, [], now=time.time() + 11)
    assert [f.path.name for f in later.ready] == ["fresh.csv"]  # settled; still not the partial or hidden ones


def test_a_file_that_sat_for_settle_seconds_is_taken_in_one_scan(home, cli):
    configure(home, settle_seconds=1)
    cli("fields", "add", "Marketplace")
    write_mega_upload(uploads(home) / "mega.csv", cards=20)
    time.sleep(1.1)
    result = cli("scan", "--once", "--json")
    assert result.exit_code == 0, result.stderr
    [outcome] = result.json_lines
    assert outcome["status"] == "accepted" and outcome["counts"]["added"] == 20
    assert outcome["moved_to"].startswith("processed/admin/uploads/") and outcome["moved_to"].endswith("Z-mega.csv.sealed")
    assert files_under(uploads(home)) == []
    assert count(home, "select count(*) from cards") == 20


def test_rejected_file_lands_in_rejected_with_its_report_beside_it(ready, cli):
    write_csv(uploads(ready) / "bad.csv", ["ICCID", "IMSI"], [["89470000000000121", "242017100011213"]])
    result = cli("scan", "--once", "--json")
    assert result.exit_code == 1
    [outcome] = result.json_lines
    assert outcome["status"] == "rejected" and outcome["problem_count"] == 1
    assert outcome["problems"][0].startswith("bad.csv:2: ICCID: expected 18-20 digits")
    rejected = files_under(ready / "rejected")
    assert rejected == [outcome["report"].removeprefix("rejected/"), outcome["moved_to"].removeprefix("rejected/")]
    assert outcome["report"] == outcome["moved_to"].removesuffix(".sealed") + ".rejections.csv"
    report = (ready / outcome["report"]).read_text()
    assert 'error,bad.csv,2,ICCID,89470000000000121,"expected 18-20 digits' in report
    assert files_under(ready / "processed") == [] and files_under(uploads(ready)) == []
    assert count(ready, "select count(*) from cards") == 0


def test_a_file_dropped_twice_is_recognised_and_goes_to_processed_as_a_duplicate(ready, cli):
    write_mega_upload(uploads(ready) / "mega.csv", cards=30)
    assert cli("scan", "--once").exit_code == 0
    write_mega_upload(uploads(ready) / "mega-again.csv", cards=30)  # same content, another name
    result = cli("scan", "--once", "--json")
    assert result.exit_code == 0
    [outcome] = result.json_lines
    assert outcome["status"] == "duplicate" and outcome["moved_to"].endswith("-mega-again.csv.sealed")
    assert "duplicate of a file taken at" in cli("scan", "--once").stdout + _summary(outcome)
    assert len(files_under(ready / "processed")) == 2
    assert count(ready, "select count(*) from cards") == 30
    assert count(ready, "select count(*) from card_history") == 30
    assert count(ready, "select count(*) from ingested_files") == 1


def _summary(outcome: dict) -> str:
    from sim_pipeline.drops import Outcome

    return Outcome(**outcome).summary()


def test_a_resellers_drop_touching_another_resellers_cards_is_rejected(ready, cli):
    assert cli("resellers", "add", "Alpha").exit_code == 0
    assert cli("resellers", "add", "Beta").exit_code == 0
    write_mega_upload(uploads(ready, "Alpha") / "alpha.csv", cards=10)
    assert cli("scan", "--once").exit_code == 0
    assert count(ready, "select count(*) from cards where managed_by = 'Alpha'") == 10

    beta = ready / "inbox/resellers/Beta"
    write_csv(beta / "uploads/remove.csv", ["Action", "ICCID", "IMSI"], [["-", iccid(1), "250990000000001"]])
    write_csv(beta / "uploads/claim.csv", ["ICCID", "IMSI", "Managed by"],
              [["1949177921756159001", "250990000009001", "Alpha"]])
    write_csv(beta / "batches/rename.csv", ["action", "iccid", "description"], [["update", iccid(2), "mine now"]])
    result = cli("scan", "--once", "--json")
    assert result.exit_code == 1
    by_file = {o["file"]: o for o in result.json_lines}
    assert {f: o["status"] for f, o in by_file.items()} == {
        "remove.csv": "rejected", "claim.csv": "rejected", "rename.csv": "rejected"}
    assert "not found or not managed by you" in by_file["remove.csv"]["problems"][0]
    assert "must be empty or 'Beta'" in by_file["claim.csv"]["problems"][0]
    assert by_file["rename.csv"]["moved_to"].startswith("rejected/resellers/Beta/batches/")
    assert count(ready, "select count(*) from cards where managed_by = 'Alpha' and description is null") == 10
    assert count(ready, "select count(*) from cards") == 10


def test_a_resellers_drop_cannot_act_as_admin(ready, cli):
    cli("resellers", "add", "Alpha")
    write_csv(uploads(ready, "Alpha") / "as-admin.csv", ["ICCID", "IMSI", "Managed by"],
              [["1949177921756150001", "250990000000001", "admin"]])
    result = cli("scan", "--once", "--json")
    assert result.exit_code == 1 and result.json_lines[0]["status"] == "rejected"
    assert count(ready, "select count(*) from cards") == 0


def test_symlinks_and_names_with_dotdot_are_refused_and_never_followed(ready, cli, tmp_path):
    outside = write_mega_upload(tmp_path / "outside.csv", cards=5)
    os.symlink(outside, uploads(ready) / "link.csv")
    write_mega_upload(uploads(ready) / "a..b.csv", cards=5)
    (ready / "inbox/resellers").mkdir(exist_ok=True)
    os.symlink(tmp_path, ready / "inbox/resellers/Sneaky")
    result = cli("scan", "--once", "--json")
    assert result.exit_code == 1
    by_file = {o["file"]: o for o in result.json_lines}
    assert by_file["link.csv"]["status"] == "refused" and by_file["link.csv"]["message"] == "a symlink; not followed"
    assert by_file["a..b.csv"]["status"] == "refused" and "'..'" in by_file["a..b.csv"]["message"]
    assert by_file["Sneaky"]["status"] == "left"
    moved = ready / by_file["link.csv"]["moved_to"]
    assert moved.is_symlink() and outside.exists()  # the link itself moved; its target untouched
    assert (ready / by_file["link.csv"]["report"]).read_text() == "a symlink; not followed\n"
    assert count(ready, "select count(*) from cards") == 0


def test_unregistered_reseller_folders_and_stray_files_are_left_and_reported(ready, cli):
    (ready / "inbox/resellers/Ghost/uploads").mkdir(parents=True)
    write_mega_upload(ready / "inbox/resellers/Ghost/uploads/g.csv", cards=5)
    write_mega_upload(ready / "inbox/admin/loose.csv", cards=5)
    result = cli("scan", "--once")
    assert result.exit_code == 0
    assert "reseller 'Ghost' is not registered: sim-pipeline resellers add 'Ghost'" in result.stderr
    assert "loose.csv: left in the inbox (not in an uploads/ or batches/ folder" in result.stderr
    assert (ready / "inbox/resellers/Ghost/uploads/g.csv").exists() and (ready / "inbox/admin/loose.csv").exists()


def test_power_cut_between_commit_and_move_is_finished_by_the_next_scan(ready, cli):
    """The process dies (os._exit, no clean-up) right after the commit, before the file moves."""
    write_mega_upload(uploads(ready) / "mega.csv", cards=40)
    crash = ("import os, sys; from sim_pipeline.drops import taking; "
             "taking.to_processed = lambda *a, **k: os._exit(9); "
             "sys.argv = ['sim-pipeline', 'scan', '--once']; from sim_pipeline.cli import main; main()")
    died = subprocess.run([sys.executable, "-c", crash], env={**os.environ, "SIM_PIPELINE_HOME": str(ready)},
                          capture_output=True, text=True)
    assert died.returncode == 9, died.stderr
    assert files_under(uploads(ready)) == ["mega.csv"]  # not moved ...
    assert count(ready, "select count(*) from cards") == 40  # ... but committed

    result = cli("scan", "--once", "--json")
    assert result.exit_code == 0
    [outcome] = result.json_lines
    assert outcome["status"] == "duplicate" and outcome["moved_to"].startswith("processed/admin/uploads/")
    assert files_under(uploads(ready)) == [] and files_under(ready / "rejected") == []
    assert count(ready, "select count(*) from card_history") == 40  # never applied twice


def test_files_of_the_same_name_and_second_keep_both(ready, cli, monkeypatch):
    monkeypatch.setenv("SIM_PIPELINE_NOW", "2026-12-01T06:00:00Z")
    write_mega_upload(uploads(ready) / "mega.csv", cards=5)
    cli("scan", "--once")
    write_mega_upload(uploads(ready) / "mega.csv", cards=5)  # the same again: a duplicate
    cli("scan", "--once")
    assert files_under(ready / "processed") == ["admin/uploads/20261201T060000Z-2-mega.csv.sealed",
                                                "admin/uploads/20261201T060000Z-mega.csv.sealed"]


def test_scan_without_once_is_a_usage_error(ready, cli):
    result = cli("scan")
    assert result.exit_code == 2 and "--once" in result.stderr


def test_resellers_add_creates_the_drop_folders_and_list_shows_them(home, cli):
    result = cli("resellers", "add", "Nordic Mobile", "--json")
    assert result.exit_code == 0
    [row] = result.json_lines
    assert row["added"] is True and row["inbox"] == str(home / "inbox/resellers/Nordic Mobile")
    assert (home / "inbox/resellers/Nordic Mobile/uploads").is_dir()
    assert (home / "inbox/resellers/Nordic Mobile/batches").is_dir()
    assert "exists already" in cli("resellers", "add", "Nordic Mobile").stdout
    cli("resellers", "add", "Alpha")
    assert [r["name"] for r in cli("resellers", "list", "--json").json_lines] == ["Alpha", "Nordic Mobile"]


@pytest.mark.parametrize("name, message", [
    ("../etc", "reseller name '../etc': expected letters"),
    ("a/b", "expected letters, digits"),
    ("admin", "reserved for the administrator"),
    ("ALPHA", "reseller 'Alpha' exists already"),
])
def test_reseller_names_that_cannot_be_a_folder_are_refused(home, cli, name, message):
    cli("resellers", "add", "Alpha")
    result = cli("resellers", "add", name)
    assert result.exit_code == 1 and message in result.stderr
    assert sorted(p.name for p in (home / "inbox/resellers").iterdir()) == ["Alpha"]


def test_a_file_that_breaks_its_handler_is_left_and_the_files_after_it_are_still_taken(ready, cli, monkeypatch):
    from sim_pipeline.drops import taking

    real = taking.handler_for

    def handler_for(kind):
        def handle(con, settings, path, actor):
            if path.name == "boom.csv":
                raise RuntimeError("disk on fire")
            return real(kind)(con, settings, path, actor)
        return handle

    monkeypatch.setattr(taking, "handler_for", handler_for)
    write_mega_upload(uploads(ready) / "boom.csv", cards=3)
    time.sleep(0.01)
    write_mega_upload(uploads(ready) / "fine.csv", cards=4)
    result = cli("scan", "--once", "--json")
    assert result.exit_code == 1
    assert [(o["file"], o["status"]) for o in result.json_lines] == [("boom.csv", "failed"), ("fine.csv", "accepted")]
    assert result.json_lines[0]["message"] == "unexpected RuntimeError: disk on fire"
    assert files_under(uploads(ready)) == ["boom.csv"]  # left for the next scan


def test_kept_originals_are_sealed_and_unseal_gives_back_the_exact_file(ready, cli, tmp_path):
    original = write_mega_upload(tmp_path / "mega.csv", cards=20).read_bytes()
    (uploads(ready) / "mega.csv").write_bytes(original)
    (uploads(ready) / "bad.csv").write_bytes(original.replace(b"1949177921756150005", b"19491779217561500"))
    cli("scan", "--once")
    kept = sorted(p for p in (ready / "processed").rglob("*.sealed")) + sorted((ready / "rejected").rglob("*.sealed"))
    assert len(kept) == 2
    ki = original.splitlines()[1].split(b",")[5]
    for path in kept:
        assert ki not in path.read_bytes() and b"PUK1" not in path.read_bytes()
    result = cli("unseal", str(kept[0]), "--out", str(tmp_path / "back.csv"))
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "back.csv").read_bytes() == original
