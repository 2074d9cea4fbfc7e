"""analysis.sem.partable: defaults as rows, marker / std.lv, labels, group_equal / group_partial."""

from __future__ import annotations

import pytest

from analysis.sem.partable import build_partable, parse_param
from analysis.sem.syntax import parse_model
from vcd_core.errors import EstimationError, ModelSyntaxError

HS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"


def test_single_group_defaults_match_lavaan():
    pt = build_partable(parse_model(HS))
    assert len(pt) == 24 and pt["free"].max() == 21  # lavaan npar 21
    markers = pt[(pt.op == "=~") & (pt.free == 0)]
    assert list(markers.rhs) == ["x1", "x4", "x7"] and (markers.ustart == 1).all()
    assert (pt[pt.user == 0].op == "~~").all()
    covs = pt[(pt.op == "~~") & (pt.lhs != pt.rhs)]
    assert list(zip(covs.lhs, covs.rhs, strict=True)) == [("visual", "textual"), ("visual", "speed"),
                                                           ("textual", "speed")]


def test_std_lv_and_meanstructure():
    pt = build_partable(parse_model(HS), std_lv=True, meanstructure=True)
    assert (pt[pt.op == "=~"].free > 0).all()
    lvv = pt[(pt.op == "~~") & (pt.lhs == pt.rhs) & pt.lhs.isin(["visual", "textual", "speed"])]
    assert (lvv.free == 0).all() and (lvv.ustart == 1).all()
    ints = pt[pt.op == "~1"]
    assert len(ints) == 12 and (ints[ints.lhs.str.startswith("x")].free > 0).all()
    assert (ints[~ints.lhs.str.startswith("x")].ustart == 0).all()


def test_group_equal_shares_free_numbers_and_frees_latent_means():
    pt = build_partable(parse_model(HS), ngroups=2, meanstructure=True, group_equal=["loadings", "intercepts"],
                        group_partial=["x3 ~1"])
    g1, g2 = pt[pt.group == 1].reset_index(), pt[pt.group == 2].reset_index()
    load = g1.op == "=~"
    assert (g1[load].free.to_numpy() == g2[load].free.to_numpy()).all()
    assert (g1[load & (g1.free > 0)].unco.to_numpy() != g2[load & (g2.free > 0)].unco.to_numpy()).all()
    x3 = (g1.lhs == "x3") & (g1.op == "~1")
    assert g1[x3].free.item() != g2[x3].free.item()  # released by group_partial
    x1 = (g1.lhs == "x1") & (g1.op == "~1")
    assert g1[x1].free.item() == g2[x1].free.item()
    lvm = g2.lhs.isin(["visual", "textual", "speed"]) & (g2.op == "~1")
    assert (g2[lvm].free > 0).all() and (g1[lvm].free == 0).all()
    assert pt.free.max() == 49  # lavaan: npar 48 for the scalar model, +1 for the released intercept


def test_labels_and_constraints():
    pt = build_partable(parse_model("f =~ x1 + a*x2 + b*x3 + c(d, e)*x4\na == b\ne == 0.5"), ngroups=2)
    l2 = pt[(pt.rhs == "x2") & (pt.op == "=~")]
    l3 = pt[(pt.rhs == "x3") & (pt.op == "=~")]
    assert l2.free.nunique() == 1 and set(l2.free) == set(l3.free)  # same label in both groups, a == b
    x4 = pt[(pt.rhs == "x4") & (pt.op == "=~")]
    assert x4.free.iloc[0] > 0 and x4.free.iloc[1] == 0 and x4.ustart.iloc[1] == 0.5


def test_errors():
    with pytest.raises(EstimationError, match="unknown group_equal"):
        build_partable(parse_model(HS), ngroups=2, group_equal=["slopes"])
    with pytest.raises(ModelSyntaxError, match="unknown label"):
        build_partable(parse_model("f =~ x1 + a*x2 + x3\na == zz"))
    with pytest.raises(ModelSyntaxError, match="specified twice"):
        build_partable(parse_model("f =~ x1 + x2 + x1"))
    with pytest.raises(ModelSyntaxError, match="2 labels but there are 3"):
        build_partable(parse_model("f =~ x1 + c(a, b)*x2 + x3"), ngroups=3)
    assert parse_param("f =~ x1") == ("f", "=~", "x1")


def test_std_lv_frees_later_group_variances_with_equal_loadings():
    pt = build_partable(parse_model(HS), ngroups=2, std_lv=True, meanstructure=True, group_equal=["loadings"])
    lvv = pt[(pt.op == "~~") & (pt.lhs == pt.rhs) & pt.lhs.isin(["visual", "textual", "speed"])]
    assert (lvv[lvv.group == 1].ustart == 1).all() and (lvv[lvv.group == 2].free > 0).all()
