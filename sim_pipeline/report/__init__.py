"""The monthly channel report: the period (period), month-end counts kept (state_counts), numbers per channel (channels), geometry (charts), HTML/CSV/PDF (render)."""
