"""Stage 3, measurement quality of the scales: ``efa`` (+ ``retention``), ``polychoric``, ``reliability``,
``validity``. Reads prepared frames (``analysis.data.prepare``); the CFA-based parts call ``analysis.sem``."""
