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

from sim_pipeline.drops.filing import destination, keep, move, to_processed, to_rejected
from sim_pipeline.drops.listing import InboxFile, Listing, Refused, list_inbox, locate
from sim_pipeline.drops.taking import FIRST_PROBLEMS, Outcome, handler_for, refuse, reject, scan, take
from sim_pipeline.store.home import INBOX, KINDS, PROCESSED, REJECTED, actor_folder, ensure_actor_folders, inbox_dir

__all__ = ["FIRST_PROBLEMS", "INBOX", "KINDS", "PROCESSED", "REJECTED", "InboxFile", "Listing", "Outcome", "Refused",
           "actor_folder", "destination", "ensure_actor_folders", "handler_for", "inbox_dir", "keep", "list_inbox",
           "locate", "move", "refuse", "reject", "scan", "take", "to_processed", "to_rejected"]
