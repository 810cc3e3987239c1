"""The report templates (jinja2), shipped as package data; loaded by sim_pipeline.report.render."""
