"""One module per file format. Each `read_*` function takes a path and returns `Parsed`
(canonical text columns + `line`, a header dict, notes); `sim_pipeline.readers.dispatch.read_drop`
picks the reader and wraps the result in a `Drop`."""
