"""A range of 100,000 cards is one batch row and one set-based step, not 100,000 Python calls."""

from __future__ import annotations

import pytest

import time

from sim_pipeline.lifecycle.batch import apply_file
from sim_pipeline.store.db import open_inventory
from sim_pipeline.ingest.upload import ingest_file
from sim_pipeline.lifecycle import plan as steps

FIRST = 8947000000100000000  # 19 digits; the range runs to FIRST + 99,999
CARDS = 100_000


def test_a_100k_card_range_is_one_step_and_counts_every_card(settings, tmp_path, monkeypatch):
    upload = tmp_path / "mno-100k.csv"
    with upload.open("w") as fh:
        fh.write("ICCID,IMSI\n")
        fh.writelines(f"{FIRST + k},{250010000000000 + k}\n" for k in range(CARDS))
    batch = tmp_path / "allocate-100k.csv"
    batch.write_text("action,iccid_from,iccid_to,customer,reason\n"
                     f"allocate,{FIRST},{FIRST + CARDS - 1},Acme,bulk order\n"
                     f"deallocate,{FIRST + 50_000},{FIRST + CARDS - 1},,returned\n")
    planned = []
    real_plan = steps.plan
    monkeypatch.setattr("sim_pipeline.lifecycle.apply.plan", lambda ops: planned.extend(real_plan(ops)) or planned)
    with open_inventory(settings) as con:
        assert ingest_file(con, settings, upload).added == CARDS
        started = time.perf_counter()
        result = apply_file(con, settings, batch)
        elapsed = time.perf_counter() - started
        assert result.status == "accepted", result.errors[:3]
        assert [len(s.indices) for s in planned] == [1, 1]
        assert result.transition_list() == [
            {"old_status": "available", "new_status": "reserved", "count": 100_000},
            {"old_status": "reserved", "new_status": "available", "count": 50_000},
        ]
        assert result.changed == 150_000 and result.events == 150_000
        assert con.execute("select status, count(*) from cards group by all order by all").fetchall() == [
            ("available", 50_000), ("reserved", 50_000)]
        assert con.execute("select action, count(*) from card_history where action <> 'ingest' "
                           "group by all order by all").fetchall() == [("allocate", 100_000), ("deallocate", 50_000)]
        assert con.execute("select count(*) from outbox").fetchone() == (150_000,)  # SIMCard/StatusChanged
    print(f"\n100k-card range batch applied in {elapsed:.2f} s")
    assert elapsed < 30


pytestmark = pytest.mark.slow  # a 100,000-card range: `make test` runs it, `make check` does not
