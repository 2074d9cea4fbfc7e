"""analysis.sem.blocks: Schur-complement solves and inverses of multi-group (arrow) information matrices equal
numpy's dense results; positive-definiteness is detected; a multi-group fit's SEs are unchanged."""

from __future__ import annotations

import numpy as np
import pytest
from sem_reference import hs39, load_json, rel

from analysis.sem import cfa
from analysis.sem.blocks import Blocks, blocks_of


def _arrow(rng, owner, ngroups):
    n = len(owner)
    X = rng.normal(size=(n, n))
    M = X @ X.T + n * np.eye(n)
    for g in range(ngroups):
        for h in range(ngroups):
            if g != h:
                M[np.ix_(owner == g, owner == h)] = 0.0
    return M


@pytest.mark.parametrize("shared", [0, 1, 4])
def test_solve_inverse_pd_match_dense(shared):
    rng = np.random.default_rng(shared)
    owner = np.array([-1] * shared + [0] * 5 + [1] * 7 + [2] * 6)
    M = _arrow(rng, owner, 3)
    B = Blocks(owner, 3)
    assert B.useful
    b = rng.normal(size=len(owner))
    assert np.allclose(B.solve(M, b), np.linalg.solve(M, b), atol=1e-10)
    assert np.allclose(B.inv(M), np.linalg.inv(M), atol=1e-10)
    assert B.is_pd(M)
    bad = M.copy()
    bad[shared, shared] = -50.0
    assert not B.is_pd(bad)


def test_blocks_of_a_ladder_and_unchanged_ses():
    model = load_json("hs39_invariance_school.json")["model_syntax"]
    conf = cfa(model, hs39(), group="school")
    B = blocks_of(conf.engine.rep)
    assert len(B.shared) == 0 and [len(i) for i in B.own] == [30, 30]
    scal = cfa(model, hs39(), group="school", group_equal=("loadings", "intercepts"))
    Bs = blocks_of(scal.engine.rep)
    assert len(Bs.shared) == 6 + 9 and sum(len(i) for i in Bs.own) == scal.engine.rep.nx - 15
    dense = np.sqrt(np.diag(np.linalg.inv(scal.engine.information)) / sum(scal.nobs))
    assert max(rel(a, b) for a, b in zip(np.sqrt(np.diag(scal.vcov)), dense, strict=True)) < 1e-10
