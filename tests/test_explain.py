"""tl.explain: structurally zero derivatives and where the dependency is cut, found without running."""

import inspect
import os

import numpy as np
import pytest
import trace_fixtures as F

import tangent_lite as tl
from tangent_lite.inspect.explain import explain


def where(fn, offset):
    """'trace_fixtures.py:N' for the line ``offset`` lines below ``def fn``."""
    return f"{os.path.basename(inspect.getsourcefile(fn))}:{inspect.getsourcelines(fn)[1] + offset}"


def test_classic_depends_on_both_inputs():
    report = explain(F.classic)
    assert [f.status for f in report.findings] == ["nonzero", "nonzero"]
    assert report.finding("x2").path == ["x2 (argument)", f"{where(F.classic, 1)}: _t3 = math.sin(x2)",
                                         f"{where(F.classic, 1)}: _t4 = _t2 - _t3"]


@pytest.mark.parametrize("fn,wrt,offset,statement,reason", [
    (F.cut_floor, "x", 1, "k = np.floor(x)", "piecewise constant"),
    (F.cut_stop, "x", 1, "s = tl.stop_gradient(x)", "stop_gradient"),
    (F.cut_compare, "x", 1, "_t0 = x > 0", "comparison"),
    (F.cut_int, "x", 1, "n = int(x)", "piecewise constant"),
    (F.cut_shape, "x", 1, "_t0 = x.shape", "shape"),
    (F.cut_in_callee, "x", 1, "_t0 = floors(x, y)", "passes no derivative from x"),
])
def test_cut_dependencies_are_named_with_file_and_line(fn, wrt, offset, statement, reason):
    f = explain(fn, wrt=wrt).finding(wrt)
    assert f.zero and f.status == "cut"
    assert [(c.location, c.statement) for c in f.cuts] == [(where(fn, offset), statement)]
    assert reason in f.cuts[0].reason


def test_branch_conditions_are_explained_as_control_dependence():
    cut = explain(F.cut_compare, wrt="x").finding("x").cuts[0]
    assert "only through which branch" in cut.reason


def test_no_path_partial_cuts_and_other_inputs():
    assert explain(F.no_path).finding("x").status == "no path"
    assert explain(F.no_path).finding("y").status == "nonzero"
    part = explain(F.partly_cut).finding("x")
    assert part.status == "nonzero" and [c.statement for c in part.cuts] == ["_t0 = np.sign(x)"]
    assert explain(F.cut_floor).finding("y").status == "nonzero"
    assert explain(F.cut_in_callee).finding("y").status == "nonzero"


def test_outputs_are_explained_one_by_one():
    report = explain(F.two_outputs, output=1)
    assert list(report.outputs) == [1]
    assert report.finding("x").status == "nonzero" and report.finding("y").status == "no path"
    both = explain(F.two_outputs)
    assert both.finding("y", output=0).status == "nonzero" and both.finding("y", output=1).status == "no path"


def test_report_text():
    text = str(explain(F.cut_floor))
    assert text.splitlines()[0] == f"explain cut_floor ({where(F.cut_floor, 0)})"
    assert "d/dx: structurally zero: the dependency is cut" in text
    assert f"{where(F.cut_floor, 1)}: k = np.floor(x)" in text
    assert "d/dy: may be nonzero" in text


@pytest.mark.parametrize("fn,args", [(F.cut_floor, (2.5, 3.0)), (F.cut_stop, (2.5, 3.0)), (F.cut_compare, (2.5, 3.0)),
                                     (F.cut_int, (2.5, 3.0)), (F.no_path, (2.5, 3.0)), (F.cut_in_callee, (2.5, 3.0)),
                                     (F.classic, (2.0, 5.0)), (F.partly_cut, (1.5,)), (F.branch, (1.0, 2.0))])
def test_structurally_zero_means_the_gradient_is_zero(fn, args):
    report = explain(fn)
    grads = tl.grad(fn, wrt=tuple(range(len(args))))(*args)
    for f, g in zip(report.findings, grads if len(args) > 1 else (grads,)):
        if f.zero:
            assert np.all(g == 0), (f.wrt, g)
        else:
            assert np.any(g != 0), (f.wrt, g)
