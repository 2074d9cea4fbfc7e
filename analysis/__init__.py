"""What is done with answers: ingest, clean, simulate, EFA, reliability, CFA (sem/), invariance, compare, study."""
