"""The working folder (./data or SIM_PIPELINE_HOME): its folder layout and what `init` puts in it.

The drop folders, one per actor (the actor is the folder, never the file's content):

    inbox/admin/uploads|batches/            the administrator's
    inbox/resellers/NAME/uploads|batches/   reseller NAME's (made by `sim-pipeline resellers add NAME`)

and their mirrors processed/<actor>/<kind>/ and rejected/<actor>/<kind>/ (sim_pipeline.drops files them).
"""

from __future__ import annotations

from pathlib import Path

from sim_pipeline.actor import Actor
from sim_pipeline.sealing.key import create_key_file
from sim_pipeline.settings import DEFAULT_TOML, SETTINGS_FILE, Settings

INBOX = "inbox"
PROCESSED = "processed"
REJECTED = "rejected"
KINDS = {"uploads": "upload", "batches": "batch"}  # folder -> kind, in the order a scan takes them

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


def inbox_dir(settings: Settings) -> Path:
    return settings.home / INBOX


def actor_folder(actor: Actor) -> str:
    return "admin" if actor.is_admin else f"resellers/{actor.reseller}"


def ensure_actor_folders(settings: Settings, actor: Actor) -> Path:
    """Create inbox/<actor>/uploads and batches (idempotent); returns inbox/<actor>."""
    base = inbox_dir(settings) / actor_folder(actor)
    for sub in KINDS:
        (base / sub).mkdir(parents=True, exist_ok=True)
    return base
