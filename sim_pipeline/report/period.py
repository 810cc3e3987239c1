"""The month a report covers, as instants of the change history (naive UTC), from `[report] timezone`.

A month runs from midnight of its 1st to midnight of the next 1st in the report's time zone. The report
shows the state at the month's end; for the current month, the state now (`settings.now()`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sim_pipeline.errors import OperationRefused
from sim_pipeline.settings import Settings

TREND_MONTHS = 12
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
# History rows written at exactly `now` belong to a report of the current month (bounds are exclusive).
_JUST_AFTER = timedelta(microseconds=1)


def parse_month(text: str) -> tuple[int, int]:
    """`YYYY-MM` -> (year, month); ValueError with a message meant for a person."""
    m = _MONTH.match(text.strip())
    if not m or not 1 <= int(m.group(2)) <= 12 or int(m.group(1)) < 1900:
        raise ValueError(f"expected a month as YYYY-MM, e.g. 2025-10, got {text!r}")
    return int(m.group(1)), int(m.group(2))


def _shift(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def _month_start(year: int, month: int, tz: ZoneInfo) -> datetime:
    """Midnight of the 1st in `tz`, as naive UTC."""
    return datetime(year, month, 1, tzinfo=tz).astimezone(timezone.utc).replace(tzinfo=None)


@dataclass(frozen=True)
class ReportPeriod:
    """One report month. Instants are naive UTC like history's `changed_at`; every end is exclusive."""

    month: str                        # "2025-10"
    timezone: str                     # IANA name the month is cut in
    start: datetime                   # midnight of the 1st
    end: datetime                     # midnight of the next 1st, or just after now for the current month
    as_of: datetime                   # the instant the numbers describe: the month end, or now
    is_current: bool
    trend: tuple[tuple[str, datetime], ...]  # (month, its end) for the last TREND_MONTHS months, oldest first

    @property
    def previous_month(self) -> str:
        return self.trend[-2][0]

    @property
    def month_ends(self) -> list[datetime]:
        """The instants of the trend; the last two are the previous month's end (= start) and this end."""
        return [end for _month, end in self.trend]

    def local(self, instant: datetime) -> datetime:
        """A naive UTC instant in the report's time zone."""
        return instant.replace(tzinfo=timezone.utc).astimezone(ZoneInfo(self.timezone))


def period_for(month_text: str, settings: Settings) -> ReportPeriod:
    """The period of `YYYY-MM` in `settings.report_timezone`, ending at `settings.now()` for the current month.

    Raises ValueError for a malformed month and OperationRefused for a month that has not started.
    """
    year, month = parse_month(month_text)
    tz = ZoneInfo(settings.report_timezone)
    now = settings.now()
    start = _month_start(year, month, tz)
    if start > now:
        local_now = now.replace(tzinfo=timezone.utc).astimezone(tz)
        raise OperationRefused(
            f"--month {year:04d}-{month:02d} has not started yet (now is {local_now:%Y-%m-%d %H:%M} "
            f"{settings.report_timezone}); choose this month or an earlier one"
        )
    trend: list[tuple[str, datetime]] = []
    for back in range(TREND_MONTHS - 1, -1, -1):
        y, m = _shift(year, month, -back)
        trend.append((f"{y:04d}-{m:02d}", _month_start(*_shift(y, m, 1), tz)))
    month_end = trend[-1][1]
    is_current = month_end > now
    end = now + _JUST_AFTER if is_current else month_end
    trend[-1] = (trend[-1][0], end)
    return ReportPeriod(
        month=f"{year:04d}-{month:02d}",
        timezone=settings.report_timezone,
        start=start,
        end=end,
        as_of=now if is_current else month_end,
        is_current=is_current,
        trend=tuple(trend),
    )


def previous_month(settings: Settings) -> str:
    """YYYY-MM of the month before the current one in [report] timezone."""
    local = settings.now().replace(tzinfo=timezone.utc).astimezone(ZoneInfo(settings.report_timezone))
    year, month = (local.year, local.month - 1) if local.month > 1 else (local.year - 1, 12)
    return f"{year:04d}-{month:02d}"
