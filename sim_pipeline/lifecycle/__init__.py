"""Lifecycle and group operations on cards: one code path for batch files and CLI group commands.

`apply_operations(con, settings, ops, actor, source_file, dry_run=False)` applies a list of Operation
rows in order, set-based, in one transaction, and returns an ApplyResult.
"""

from sim_pipeline.lifecycle.apply import apply_operations
from sim_pipeline.lifecycle.model import ApplyResult, Operation

__all__ = ["ApplyResult", "Operation", "apply_operations"]
