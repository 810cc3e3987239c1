"""sim-pipeline: a SIM card inventory as a batch pipeline. Plain functions over polars and DuckDB."""
