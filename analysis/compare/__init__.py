"""Stage 5, comparisons of groups: scale scores, ``group_tests`` (Welch, Kruskal–Wallis, post hoc, p adjustment),
``factorial`` (two-way and mixed models), ``timing`` (the timing matrix) and ``hypotheses`` (the seed paper's
claims); ``comparisons`` runs them all and writes the results files."""
