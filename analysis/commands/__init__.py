"""Click commands of the ``vcd`` CLI, one module per command (registered lazily in :mod:`analysis.cli`)."""
