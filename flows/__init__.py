"""Thin Prefect flows over the library in sim_pipeline/ (wiring only; no rules here)."""
