"""Settings: the working folder, sim-pipeline.toml and the clock.

Built once at the edge (`Settings.from_env()` in the CLI and flows); library functions take a
`Settings` argument and never read the environment themselves.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from schemas.vocabulary import EVENT_STATUS_CHANGED, EVENT_TYPES
from sim_pipeline.errors import ClockError, SettingsError

SETTINGS_FILE = "sim-pipeline.toml"
HOME_ENV = "SIM_PIPELINE_HOME"
NOW_ENV = "SIM_PIPELINE_NOW"
DEFAULT_HOME = Path("data")


def _yes_no(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("yes", "no", "true", "false"):
        return value.strip().lower() in ("yes", "true")
    raise SettingsError(f"{name}: expected Yes or No (or true/false), got {value!r}")


def _positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise SettingsError(f"{name}: expected a whole number >= 0, got {value!r}")
    return value


def _positive_number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise SettingsError(f"{name}: expected a number >= 0, got {value!r}")
    return float(value)


def _choice(*allowed: str) -> Callable[[str, Any], str]:
    def check(name: str, value: Any) -> str:
        if value not in allowed:
            raise SettingsError(f"{name}: expected one of {', '.join(allowed)}, got {value!r}")
        return value
    return check


def _timezone(name: str, value: Any) -> str:
    try:
        ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(f"{name}: unknown time zone {value!r} (use an IANA name such as Europe/Berlin)") from None
    return str(value)


def _string(name: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise SettingsError(f"{name}: expected a non-empty text, got {value!r}")
    return value


def _string_list(name: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SettingsError(f"{name}: expected a list of texts, got {value!r}")
    return list(value)


def _event_types(name: str, value: Any) -> list[str]:
    types = _string_list(name, value)
    unknown = [t for t in types if t not in EVENT_TYPES]
    if unknown:
        raise SettingsError(f"{name}: unknown event type {unknown[0]!r} (known: {', '.join(EVENT_TYPES)})")
    return types


def _optional_string_list(name: str, value: Any) -> list[str] | None:
    return None if value is None else _string_list(name, value)


# Every option: (table, option) -> (attribute, default, parser). An option not listed is an error.
OPTIONS: dict[tuple[str, str], tuple[str, Any, Callable[[str, Any], Any]]] = {
    ("SIM_cards", "KeepDisposedSIMDays"): ("keep_disposed_days", 365, _positive_int),
    ("SIM_cards", "UseDetailedSIMStatuses"): ("use_detailed_statuses", False, _yes_no),
    ("validation", "iccid_check"): ("iccid_check", "warn", _choice("off", "warn", "strict")),
    ("lock", "timeout_seconds"): ("lock_timeout", 30.0, _positive_number),
    ("report", "timezone"): ("report_timezone", "UTC", _timezone),
    ("report", "channel_fields"): ("report_channel_fields", None, _optional_string_list),
    ("report", "top_channels"): ("report_top_channels", 15, _positive_int),
    ("report", "low_stock_months"): ("report_low_stock_months", 1.0, _positive_number),
    ("events", "subscriptions"): ("event_subscriptions", [EVENT_STATUS_CHANGED], _event_types),
    ("schedules", "scan_inbox_seconds"): ("scan_inbox_seconds", 60, _positive_int),
    ("schedules", "retention_cron"): ("retention_cron", "0 2 * * *", _string),
    ("schedules", "monthly_report_cron"): ("monthly_report_cron", "0 6 1 * *", _string),
    ("schedules", "settle_seconds"): ("settle_seconds", 10.0, _positive_number),
    ("secrets", "key_file"): ("key_file", "sim-pipeline.key", _string),
}

DEFAULT_TOML = """\
# sim-pipeline settings. Option names of the [SIM_cards] table are the operator-facing ones.

[SIM_cards]
KeepDisposedSIMDays = 365          # Disposed cards are deleted this many days after disposal
UseDetailedSIMStatuses = "No"      # "Yes": an unassigned card never activated returns to Reserved

[validation]
iccid_check = "warn"               # off | warn | strict: the ICCID Luhn digit and the 89 prefix

[lock]
timeout_seconds = 30               # how long a command waits for another one to finish writing

[report]
timezone = "UTC"                   # months end at midnight in this time zone
# channel_fields = ["Marketplace"] # custom fields reported as sales channels (default: all)
top_channels = 15                  # HTML/PDF: the top channels of a dimension, the rest in one "others" row
low_stock_months = 1.0             # "Running low": channels whose stock lasts fewer months at their sales

[events]
subscriptions = ["SIMCard/StatusChanged"]

[schedules]
scan_inbox_seconds = 60
retention_cron = "0 2 * * *"
monthly_report_cron = "0 6 1 * *"
settle_seconds = 10

[secrets]
key_file = "sim-pipeline.key"      # relative to this folder; SIM_PIPELINE_KEY overrides it
"""


@dataclass(frozen=True)
class Settings:
    home: Path
    keep_disposed_days: int = 365
    use_detailed_statuses: bool = False
    iccid_check: str = "warn"
    lock_timeout: float = 30.0
    report_timezone: str = "UTC"
    report_channel_fields: list[str] | None = None
    report_top_channels: int = 15
    report_low_stock_months: float = 1.0
    event_subscriptions: list[str] = field(default_factory=lambda: [EVENT_STATUS_CHANGED])
    scan_inbox_seconds: int = 60
    retention_cron: str = "0 2 * * *"
    monthly_report_cron: str = "0 6 1 * *"
    settle_seconds: float = 10.0
    key_file: str = "sim-pipeline.key"
    fixed_now: datetime | None = None  # from SIM_PIPELINE_NOW; None = the real clock
    secret_key: str | None = field(default=None, repr=False)  # from SIM_PIPELINE_KEY

    @property
    def inventory_path(self) -> Path:
        return self.home / "inventory.duckdb"

    @property
    def key_path(self) -> Path:
        p = Path(self.key_file)
        return p if p.is_absolute() else self.home / p

    def now(self) -> datetime:
        """The clock every command uses: naive UTC (how timestamps are stored)."""
        if self.fixed_now is not None:
            return self.fixed_now
        return datetime.now(timezone.utc).replace(tzinfo=None)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        home = Path(env.get(HOME_ENV) or DEFAULT_HOME)
        return load(home, now_text=env.get(NOW_ENV), secret_key=env.get("SIM_PIPELINE_KEY") or None)


def parse_now(text: str) -> datetime:
    """SIM_PIPELINE_NOW: an ISO timestamp (date alone = midnight); with an offset, converted to UTC."""
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ClockError(f"{NOW_ENV}: expected an ISO timestamp such as 2026-11-30T23:00:00Z, got {text!r}") from None
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value


def load(home: Path, now_text: str | None = None, secret_key: str | None = None) -> Settings:
    """Read `home/sim-pipeline.toml` (absent = all defaults) and check every option."""
    values: dict[str, Any] = {}
    path = home / SETTINGS_FILE
    if path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise SettingsError(f"{path}: not valid TOML: {exc}") from None
        for table, options in data.items():
            if not isinstance(options, dict):
                raise SettingsError(f"{path}: unknown option {table!r} (options live in tables such as [SIM_cards])")
            for option, raw in options.items():
                spec = OPTIONS.get((table, option))
                if spec is None:
                    known = ", ".join(f"{t}.{o}" for t, o in OPTIONS if t == table) or "none"
                    raise SettingsError(f"{path}: unknown option {table}.{option} (known in [{table}]: {known})")
                attr, _default, parser = spec
                values[attr] = parser(f"{path}: {table}.{option}", raw)
    fixed_now = parse_now(now_text) if now_text else None
    return Settings(home=home, fixed_now=fixed_now, secret_key=secret_key, **values)
