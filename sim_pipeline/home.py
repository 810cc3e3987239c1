"""The working folder (./data or SIM_PIPELINE_HOME) and what `init` puts in it."""

from __future__ import annotations

from pathlib import Path

from sim_pipeline.secret_box import create_key_file
from sim_pipeline.settings import DEFAULT_TOML, SETTINGS_FILE, Settings

SUBFOLDERS = (
    "rejections",
    "inbox/admin/uploads",
    "inbox/admin/batches",
    "inbox/resellers",
    "outbox",
    "outbox/.tmp",
    "reports",
    "processed",
    "rejected",
)


def ensure(settings: Settings) -> list[str]:
    """Create whatever is missing (idempotent); returns what was created, relative to home."""
    created: list[str] = []
    home = settings.home
    if not home.exists():
        home.mkdir(parents=True)
        created.append(".")
    for sub in SUBFOLDERS:
        path = home / sub
        if not path.exists():
            path.mkdir(parents=True)
            created.append(sub)
    toml = home / SETTINGS_FILE
    if not toml.exists():
        toml.write_text(DEFAULT_TOML, encoding="utf-8")
        created.append(SETTINGS_FILE)
    # The embedded default needs no set-up: a key file beside the inventory, mode 0600.
    # In production, move it off this machine and set SIM_PIPELINE_KEY (README, "Secrets").
    if settings.secret_key is None and create_key_file(settings.key_path):
        created.append(str(Path(settings.key_file)))
    return created
