"""Contracts shared by every layer: vocabularies, the DuckDB DDL, pandera models, event JSON Schemas.

No I/O and no rules live here (rules live in `sim_pipeline/`, e.g. `sim_pipeline/status.py`).
"""
