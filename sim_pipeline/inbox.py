"""The inbox: files dropped per actor, taken once complete, and the folder where each one ends.

Layout under the working folder; the actor is the folder, never the file's content:

    inbox/admin/uploads/            upload files of the administrator
    inbox/admin/batches/            batch files of the administrator
    inbox/resellers/NAME/uploads/   the same for reseller NAME (made by `sim-pipeline resellers add NAME`)
    inbox/resellers/NAME/batches/

A file is complete when it is not hidden (`.name`), not named `*.part` or `*.tmp`, and has been neither
written nor renamed for `settle_seconds` (its mtime and ctime are that old; ctime cannot be set back
by a copy tool, so a slow `cp -p` still waits). One scan takes a file that has been sitting there.

Each taken file ends in exactly one place, keeping its name behind a UTC timestamp prefix:

    processed/<actor>/<kind>/20261201T060000Z-mega.csv                  accepted, or a duplicate
    rejected/<actor>/<kind>/20261201T060000Z-mega.csv                   rejected ...
    rejected/<actor>/<kind>/20261201T060000Z-mega.csv.rejections.csv    ... with its report beside it

where <actor> is `admin` or `resellers/NAME` and <kind> is `uploads` or `batches`.
The inventory commits before the file moves: after a crash between the two the file is still in the
inbox, the ledger (content hash) recognises it on the next scan and it moves to processed/ as a
duplicate, never applied twice and never lost. Symlinks and names holding `..` are never followed:
files are moved to rejected/ with a `.reason.txt` beside them, folders are left and reported.
No Prefect here: the CLI calls `scan` directly, flows/ wraps the same functions.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Collection, Iterator

import duckdb

from sim_pipeline import resellers
from sim_pipeline.sealed_files import SUFFIX, seal_file
from sim_pipeline.secret_box import load_key
from sim_pipeline.actor import ADMINISTRATOR, Actor
from sim_pipeline.errors import SimPipelineError
from sim_pipeline.settings import Settings

INBOX = "inbox"
PROCESSED = "processed"
REJECTED = "rejected"
KINDS = {"uploads": "upload", "batches": "batch"}  # folder -> kind, in the order a scan takes them
PARTIAL_SUFFIXES = (".part", ".tmp")
FIRST_PROBLEMS = 5  # problems quoted in an outcome (the whole list is in the report file)


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


@dataclass
class Outcome:
    """What became of one inbox entry; names and counts only, never card values beyond the problems'
    file:line: column: reason text (secrets are masked there)."""

    file: str
    folder: str
    status: str  # accepted | duplicate | rejected | refused | left | failed | gone
    moved_to: str | None = None  # relative to the working folder
    report: str | None = None  # relative to the working folder
    counts: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    problem_count: int = 0
    message: str = ""

    def summary(self) -> str:
        where = f"{self.folder}/{self.file}" if self.folder else self.file
        if self.status == "accepted":
            counts = ", ".join(f"{v} {k}" for k, v in self.counts.items() if v)
            return f"{where}: accepted ({counts or 'no changes'}); moved to {self.moved_to}"
        if self.status == "duplicate":
            return f"{where}: duplicate of a file taken {self.message}; nothing applied; moved to {self.moved_to}"
        if self.status == "rejected":
            head = f"{where}: rejected, {self.problem_count} problem{'s' if self.problem_count != 1 else ''}"
            first = f"; first: {self.problems[0]}" if self.problems else ""
            return f"{head}{first}; moved to {self.moved_to}, report {self.report}"
        if self.status == "refused":
            return f"{where}: refused ({self.message}); moved to {self.moved_to}"
        if self.status == "left":
            return f"{where}: left in the inbox ({self.message})"
        if self.status == "gone":
            return f"{where}: taken by another run meanwhile"
        return f"{where}: failed ({self.message}); left in the inbox for the next scan"

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "folder": self.folder, "status": self.status, "moved_to": self.moved_to,
                "report": self.report, "counts": self.counts, "problem_count": self.problem_count,
                "problems": self.problems, "message": self.message}


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


# ---------------------------------------------------------------------------------------------- listing

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


# ---------------------------------------------------------------------------------------------- moving

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


def to_processed(settings: Settings, item: InboxFile, at: datetime) -> Path:
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


# ---------------------------------------------------------------------------------------------- taking

Handler = Callable[[duckdb.DuckDBPyConnection, Settings, Path, Actor], Any]


def handler_for(kind: str) -> Handler:
    """The library function that takes a file of this kind: ingest for uploads, the batch engine for batches."""
    if kind == "upload":
        from sim_pipeline.ingest import ingest_file

        return ingest_file
    from sim_pipeline.batch import apply_file

    return apply_file


def take(con: duckdb.DuckDBPyConnection, settings: Settings, item: InboxFile,
         handler: Handler | None = None) -> Outcome:
    """Ingest or apply one inbox file (committed), then move it to processed/ or rejected/.

    The caller holds the inventory lock (db.open_inventory), so no other run takes the same file.
    """
    base = Outcome(item.path.name, item.folder, "gone")
    if not item.path.is_file() or item.path.is_symlink():
        return base
    at = settings.now()
    try:
        result = (handler or handler_for(item.kind))(con, settings, item.path, item.actor)
    except SimPipelineError as exc:
        base.status, base.message = "failed", str(exc)
        return base
    status = result.status
    if status == "rejected":
        errors = list(getattr(result, "errors", []) or [])
        report = getattr(result, "report", None)
        return reject(settings, item, Path(report) if report else None,
                      [str(p) for p in errors[:FIRST_PROBLEMS]], len(errors))
    moved = to_processed(settings, item, at)
    warnings = getattr(result, "report", None)
    outcome = Outcome(item.path.name, item.folder, status, _rel(settings, moved),
                      _rel(settings, Path(warnings)) if warnings else None, counts=_counts(result))
    if status == "duplicate":
        when = getattr(result, "ingested_at", None) or getattr(result, "applied_at", None)
        outcome.message = f"at {when:%Y-%m-%d %H:%M:%S} UTC" if when else "before"
    return outcome


def reject(settings: Settings, item: InboxFile, report: Path | None, problems: list[str],
           problem_count: int) -> Outcome:
    """Move a file found wrong (nothing of it committed) to rejected/, its report beside it."""
    moved, beside = to_rejected(settings, item.path, item.folder, settings.now(), report=report)
    return Outcome(item.path.name, item.folder, "rejected", _rel(settings, moved), _rel(settings, beside),
                   problems=problems[:FIRST_PROBLEMS], problem_count=problem_count)


def refuse(settings: Settings, refused: Refused) -> Outcome:
    """Move a refused entry (never following it) to rejected/ with its reason, or report it left."""
    if not refused.move:
        return Outcome(refused.path.name, refused.folder, "left", message=refused.reason)
    if not os.path.lexists(refused.path):
        return Outcome(refused.path.name, refused.folder, "gone")
    moved, beside = to_rejected(settings, refused.path, refused.folder, settings.now(), reason=refused.reason)
    return Outcome(refused.path.name, refused.folder, "refused", _rel(settings, moved), _rel(settings, beside),
                   problems=[refused.reason], problem_count=1, message=refused.reason)


def scan(con: duckdb.DuckDBPyConnection, settings: Settings, now: float | None = None,
         on_outcome: Callable[[Outcome], None] = lambda _: None) -> list[Outcome]:
    """One pass over the inbox: refuse what must be refused, take every complete file, in order.

    Files still being written (or not settled) are not touched and not reported.
    """
    listing = list_inbox(settings, resellers.names(con), now)
    outcomes = []
    for refused in listing.refused:
        outcomes.append(refuse(settings, refused))
        on_outcome(outcomes[-1])
    for item in listing.ready:
        try:
            outcomes.append(take(con, settings, item))
        except Exception as exc:  # noqa: BLE001 - one broken file must not hold up the files after it
            outcomes.append(Outcome(item.path.name, item.folder, "failed",
                                    message=f"unexpected {type(exc).__name__}: {exc}"))
        on_outcome(outcomes[-1])
    return outcomes


def _counts(result: Any) -> dict[str, int]:
    data = result.to_json() if hasattr(result, "to_json") else {}
    keys = ("rows", "added", "removed", "changed", "deleted", "events")
    return {k: int(data[k]) for k in keys if isinstance(data.get(k), int)}


def _rel(settings: Settings, path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        return str(Path(path).relative_to(settings.home))
    except ValueError:
        return str(path)
