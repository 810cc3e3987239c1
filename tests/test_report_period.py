"""The month a report covers: previous_month, which the monthly-report flow reports by default."""

from __future__ import annotations

import pytest

from sim_pipeline.report.period import previous_month
from sim_pipeline.settings import SETTINGS_FILE, load


@pytest.mark.parametrize("now, zone, expected", [
    ("2026-11-28T10:00:00Z", "UTC", "2026-10"),
    ("2026-01-01T00:00:00Z", "UTC", "2025-12"),                  # January: December of the year before
    ("2026-01-01T02:00:00Z", "America/New_York", "2025-11"),     # still 31 December in New York
    ("2026-02-28T23:30:00Z", "Asia/Tokyo", "2026-02"),           # already 1 March in Tokyo
])
def test_previous_month_is_the_month_before_now_in_the_report_timezone(tmp_path, now, zone, expected):
    (tmp_path / SETTINGS_FILE).write_text(f'[report]\ntimezone = "{zone}"\n', encoding="utf-8")
    assert previous_month(load(tmp_path, now_text=now)) == expected
