"""Filing a taken file: a free timestamped name under processed/ or rejected/, an atomic move, and the
kept original sealed (it may hold KI, OPC, PIN and PUK in clear)."""

from __future__ import annotations

import errno
import os
import shutil
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sim_pipeline.errors import SimPipelineError
from sim_pipeline.sealing.files import SUFFIX, seal_file
from sim_pipeline.sealing.key import load_key
from sim_pipeline.settings import Settings
from sim_pipeline.store.home import PROCESSED, REJECTED

if TYPE_CHECKING:
    from sim_pipeline.drops.listing import InboxFile


def destination(settings: Settings, area: str, folder: str, name: str, at: datetime, suffix: str = "") -> Path:
    """A free path `<area>/<folder>/<UTC timestamp>[-n]-<name><suffix>` (n counts up on a clash)."""
    base = settings.home / area / folder
    stamp = f"{at:%Y%m%dT%H%M%S}Z"
    for n in range(1, 10_000):
        prefix = stamp if n == 1 else f"{stamp}-{n}"
        candidate = base / f"{prefix}-{name}{suffix}"
        taken = (candidate, candidate.with_name(candidate.name + SUFFIX),
                 candidate.with_name(candidate.name + ".rejections.csv"))
        if not any(p.exists() or p.is_symlink() for p in taken):
            return candidate
    raise SimPipelineError(f"{base}: too many files named {name!r} at {stamp}")


def move(src: Path, dst: Path) -> Path:
    """Move `src` to `dst` atomically (a rename on one filesystem; across filesystems a copy to a hidden
    temporary name, fsync, rename, then the source is removed), and fsync both folders."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.rename(src, dst)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        tmp = dst.with_name(f".{dst.name}.tmp")
        shutil.copy2(src, tmp, follow_symlinks=False)
        if not tmp.is_symlink():
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
        os.rename(tmp, dst)
        _fsync_dir(dst.parent)
        os.unlink(src)
    _fsync_dir(dst.parent)
    _fsync_dir(src.parent)
    return dst


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some filesystems refuse fsync on a folder; the rename itself is still atomic
    finally:
        os.close(fd)


def keep(settings: Settings, src: Path, dst: Path) -> Path:
    """Keep an original under processed/ or rejected/: sealed (`<dst>.sealed`), since it may hold KI,
    OPC, PIN and PUK in clear. A symlink is moved as the link itself, never read through."""
    if src.is_symlink() or not src.is_file():
        return move(src, dst)
    sealed = seal_file(src, dst.with_name(dst.name + SUFFIX), load_key(settings.secret_key, settings.key_path))
    _fsync_dir(sealed.parent)
    os.unlink(src)  # after the sealed copy is durable: a crash in between leaves the file to be taken again
    _fsync_dir(src.parent)
    return sealed


def to_processed(settings: Settings, item: "InboxFile", at: datetime) -> Path:
    return keep(settings, item.path, destination(settings, PROCESSED, item.folder, item.path.name, at))


def to_rejected(settings: Settings, path: Path, folder: str, at: datetime, report: Path | None = None,
                reason: str | None = None) -> tuple[Path, Path | None]:
    """Move a file to rejected/<folder>/, its report (or a .reason.txt) first, so neither is lost
    if the process dies between the two moves: a file still in the inbox is simply taken again."""
    dst = destination(settings, REJECTED, folder, path.name, at)
    beside = None
    if report is not None and report.exists():
        beside = move(report, dst.with_name(dst.name + ".rejections.csv"))
    elif reason is not None:
        beside = dst.with_name(dst.name + ".reason.txt")
        tmp = beside.with_name(f".{beside.name}.tmp")
        beside.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(reason + "\n", encoding="utf-8")
        os.replace(tmp, beside)
    return keep(settings, path, dst), beside


