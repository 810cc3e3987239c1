"""Listing the inbox: which entries are ready to take, still settling, or refused (never taken).

A file is complete when it is not hidden (`.name`), not named `*.part` or `*.tmp`, and has been neither
written nor renamed for `settle_seconds` (its mtime and ctime are that old; ctime cannot be set back
by a copy tool, so a slow `cp -p` still waits). Symlinks and names holding `..` are never followed.
"""

from __future__ import annotations

import errno
import os
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Collection, Iterator

from sim_pipeline.actor import ADMINISTRATOR, Actor
from sim_pipeline.errors import SimPipelineError
from sim_pipeline.settings import Settings
from sim_pipeline.store.home import KINDS, actor_folder, inbox_dir

PARTIAL_SUFFIXES = (".part", ".tmp")


@dataclass(frozen=True)
class InboxFile:
    """A complete file waiting in an actor's folder."""

    path: Path
    actor: Actor
    kind: str  # upload | batch

    @property
    def folder(self) -> str:
        """Its place below inbox/, processed/ and rejected/: `admin/uploads`, `resellers/NAME/batches`."""
        return actor_folder(self.actor) + "/" + self.path.parent.name


@dataclass(frozen=True)
class Refused:
    """Something in the inbox that is never taken. `move`: the entry goes to rejected/ with the reason;
    otherwise it is left where it is and reported on every scan."""

    path: Path
    reason: str
    folder: str = ""  # like InboxFile.folder, when known
    move: bool = False


@dataclass
class Listing:
    ready: list[InboxFile] = field(default_factory=list)
    waiting: list[Path] = field(default_factory=list)  # partial (*.part, *.tmp) or not yet settled
    refused: list[Refused] = field(default_factory=list)


def list_inbox(settings: Settings, registered: Collection[str], now: float | None = None) -> Listing:
    """Every entry of every actor folder, sorted into ready / waiting / refused.

    `registered`: reseller names from the resellers table; a folder of another name is left and reported.
    `now`: the wall clock (epoch seconds) against which files settle; default: the real clock.
    Ready files come uploads first (a batch may act on cards an upload of the same scan brings), then
    oldest first.
    """
    now = time.time() if now is None else now
    listing = Listing()
    ready: list[tuple[int, float, str, InboxFile]] = []
    root = inbox_dir(settings)
    for actor, base in _actor_folders(root, registered, listing):
        _stray_files(base, actor_folder(actor), "put it in uploads/ or batches/", listing)
        for order, (sub, kind) in enumerate(KINDS.items()):
            folder = base / sub
            if _refused_folder(folder, f"{actor_folder(actor)}/{sub}", listing):
                continue
            for entry in _entries(folder):
                item = InboxFile(Path(entry.path), actor, kind)
                changed = _sort_entry(entry, item, settings.settle_seconds, now, listing)
                if changed is not None:
                    ready.append((order, changed, entry.name, item))
    listing.ready = [item for *_, item in sorted(ready, key=lambda r: r[:3])]
    return listing


def _actor_folders(root: Path, registered: Collection[str], listing: Listing) -> Iterator[tuple[Actor, Path]]:
    if not _refused_folder(root / "admin", "admin", listing):
        yield ADMINISTRATOR, root / "admin"
    resellers_root = root / "resellers"
    _stray_files(root, "", "put it in admin/uploads/ or resellers/NAME/uploads/", listing)
    if _refused_folder(resellers_root, "resellers", listing):
        return
    _stray_files(resellers_root, "resellers", "put it in resellers/NAME/uploads/", listing)
    known = set(registered)
    for entry in _entries(resellers_root):
        name, path = entry.name, Path(entry.path)
        if entry.is_symlink():
            listing.refused.append(Refused(path, "a symlink; not followed", f"resellers/{name}"))
        elif not entry.is_dir(follow_symlinks=False) or name.startswith("."):
            continue  # files here are reported by _stray_files above
        elif name not in known:
            listing.refused.append(Refused(path, f"reseller {name!r} is not registered: "
                                           f"sim-pipeline resellers add {name!r}", f"resellers/{name}"))
        else:
            yield Actor(name), path


def _entries(folder: Path) -> list[os.DirEntry]:
    try:
        with os.scandir(folder) as it:
            return sorted(it, key=lambda e: e.name)
    except FileNotFoundError:
        return []


def _refused_folder(folder: Path, label: str, listing: Listing) -> bool:
    """A folder of the layout that is a symlink or not a folder is never entered."""
    try:
        st = folder.lstat()
    except FileNotFoundError:
        return True
    if stat.S_ISLNK(st.st_mode):
        listing.refused.append(Refused(folder, "a symlink; not followed", label))
        return True
    return not stat.S_ISDIR(st.st_mode)


def _stray_files(folder: Path, label: str, hint: str, listing: Listing) -> None:
    """Files dropped one level too high are easy to miss: report them, never take them."""
    for entry in _entries(folder):
        if not entry.name.startswith(".") and entry.is_file(follow_symlinks=False):
            listing.refused.append(Refused(Path(entry.path), f"not in an uploads/ or batches/ folder: {hint}", label))


def _sort_entry(entry: os.DirEntry, item: InboxFile, settle: float, now: float, listing: Listing) -> float | None:
    """File the entry under refused or waiting; for a ready file, return when it last changed."""
    name = entry.name
    if ".." in name:
        listing.refused.append(Refused(item.path, "the name holds '..'", item.folder, move=True))
        return None
    if name.startswith("."):
        return None  # hidden: an uploader's temporary file, or ours
    if entry.is_symlink():
        listing.refused.append(Refused(item.path, "a symlink; not followed", item.folder, move=True))
        return None
    if not entry.is_file(follow_symlinks=False):
        listing.refused.append(Refused(item.path, "not a regular file", item.folder))
        return None
    try:
        st = entry.stat(follow_symlinks=False)
    except FileNotFoundError:
        return None  # removed while we looked
    changed = max(st.st_mtime, st.st_ctime)
    if name.lower().endswith(PARTIAL_SUFFIXES) or now - changed < settle:
        listing.waiting.append(item.path)
        return None
    return changed


def locate(settings: Settings, path: Path, registered: Collection[str]) -> InboxFile:
    """The inbox file at `path` (as a scan lists it), or SimPipelineError saying why it cannot be taken."""
    path = Path(path)
    root = inbox_dir(settings).resolve()
    try:
        parts = path.parent.resolve().relative_to(root).parts
    except ValueError:
        raise SimPipelineError(f"{path}: not in {inbox_dir(settings)}/<actor>/uploads|batches/ "
                               "(the folder says who acts; see `sim-pipeline scan --help`)") from None
    if parts[:1] == ("admin",) and len(parts) == 2 and parts[1] in KINDS:
        actor = ADMINISTRATOR
    elif parts[:1] == ("resellers",) and len(parts) == 3 and parts[2] in KINDS:
        if parts[1] not in set(registered):
            raise SimPipelineError(f"reseller {parts[1]!r} is not registered: sim-pipeline resellers add {parts[1]!r}")
        actor = Actor(parts[1])
    else:
        raise SimPipelineError(f"{path}: not in an uploads/ or batches/ folder of an actor")
    item = InboxFile(inbox_dir(settings) / Path(*parts) / path.name, actor, KINDS[parts[-1]])
    if ".." in path.name or path.name.startswith("."):
        raise SimPipelineError(f"{path}: hidden files and names holding '..' are not taken")
    if item.path.is_symlink():
        raise SimPipelineError(f"{path}: a symlink; not followed")
    if not item.path.exists():
        raise FileNotFoundError(errno.ENOENT, "no such file", str(path))
    if not item.path.is_file():
        raise SimPipelineError(f"{path}: not a regular file")
    return item


