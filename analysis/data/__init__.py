"""Stage 1, the data: ``ingest`` (platform files → ResponseSet), ``prepare`` (the one layer every analysis reads
through), ``clean`` + ``careless`` (screening with an exclusion log) and ``simulate`` (studies with planted truth)."""
