"""keygen, rekey and backup: secrets stay sealed and recoverable."""

from __future__ import annotations

import duckdb

from sim_pipeline.sealing.key import SecretKey

ROW = ["8947000000000012140", "242017100011213", "1234", "AC63D37F5AF4EA77E3539B2A37F51211"]


def test_keygen_prints_one_line_holding_a_key(cli):
    result = cli("keygen")
    lines = result.stdout.splitlines()
    assert result.exit_code == 0 and len(lines) == 1
    assert len(SecretKey.parse(lines[0], "stdout").raw) == 32
    assert cli("keygen").stdout != result.stdout


def test_rekey_reseals_every_card_and_replaces_the_key_file(cli, home, csv_file, tmp_path):
    cli("ingest", csv_file("u.csv", ["ICCID", "IMSI", "PIN", "KI"], [ROW]))
    old_key = (home / "sim-pipeline.key").read_text()
    new_key = cli("keygen").stdout
    (tmp_path / "new.key").write_text(new_key)
    result = cli("rekey", "--new-key-from", tmp_path / "new.key", "--json")
    assert result.exit_code == 0, result.stderr
    assert result.json_lines[0]["chunks"] == 1
    assert (home / "sim-pipeline.key").read_text().strip() == new_key.strip() != old_key.strip()
    assert cli("show", ROW[0], "--reveal", "--json").json_lines[0]["secrets"] == {"pin1": "1234", "ki": ROW[3]}


def test_rekey_with_a_wrong_current_key_changes_nothing(cli, home, csv_file, monkeypatch):
    cli("ingest", csv_file("u.csv", ["ICCID", "IMSI", "PIN", "KI"], [ROW]))
    monkeypatch.setenv("SIM_PIPELINE_KEY", cli("keygen").stdout.strip())
    result = cli("rekey", "--new-key-from", "-", stdin=cli("keygen").stdout)
    assert result.exit_code == 1 and "does not open" in result.stderr
    monkeypatch.delenv("SIM_PIPELINE_KEY")
    assert cli("show", ROW[0], "--reveal", "--json").json_lines[0]["secrets"]["pin1"] == "1234"


def test_backup_is_a_consistent_copy_without_the_key_and_restores(cli, home, csv_file, tmp_path, monkeypatch):
    cli("ingest", csv_file("u.csv", ["ICCID", "IMSI", "PIN", "KI"], [ROW]))
    result = cli("backup", tmp_path / "backups", "--json")
    assert result.exit_code == 0, result.stderr
    info = result.json_lines[0]
    assert info["cards"] == 1 and sorted(info["files"]) == ["inventory.duckdb", "sim-pipeline.toml"]
    folder = tmp_path / "backups" / info["folder"].split("/")[-1]
    assert not (folder / "sim-pipeline.key").exists()
    with duckdb.connect(str(folder / "inventory.duckdb"), read_only=True) as con:
        assert con.execute("select iccid from cards").fetchall() == [(ROW[0],)]
    restored = tmp_path / "restored"
    restored.mkdir()
    for name in ("inventory.duckdb", "sim-pipeline.toml"):
        (restored / name).write_bytes((folder / name).read_bytes())
    monkeypatch.setenv("SIM_PIPELINE_HOME", str(restored))
    monkeypatch.setenv("SIM_PIPELINE_KEY", (home / "sim-pipeline.key").read_text().strip())
    assert cli("show", ROW[0], "--reveal", "--json").json_lines[0]["secrets"]["pin1"] == "1234"
