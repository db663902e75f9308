"""Generating derivatives of big functions takes work that grows like the function
(benchmarks/generation.py times it): twice the terms, about twice the nodes walked.

Counted, not timed: every tree walk of the compiler (``syntax.walk``) is replaced by one that
counts the nodes it yields, and a function of 2n terms must not cost much more than twice
one of n terms.  A pass that looked at the rest of a block for every statement (quadratic)
costs four times as much."""

from __future__ import annotations

import sys

import pytest

import tangent_lite as tl
from tangent_lite.syntax import nodes

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1] / "benchmarks"))
from generation import program  # noqa: E402
from temp_modules import temp_module  # noqa: E402


@pytest.fixture
def walked(monkeypatch):
    """The number of nodes the compiler's tree walks yielded (a one-item list)."""
    count = [0]
    plain = nodes.walk

    def counting(node):
        for n in plain(node):
            count[0] += 1
            yield n

    for name, module in list(sys.modules.items()):
        if (name == "tangent_lite" or name.startswith("tangent_lite.")) and getattr(module, "walk", None) is plain:
            monkeypatch.setattr(module, "walk", counting)
    return count


def _work(walked, tmp_path, n: int, style: str, mode: str) -> int:
    f = temp_module(tmp_path, program(n, style), stem=f"scaling_{style}_{n}").f
    before = walked[0]
    if mode == "vjp":
        tl.grad(f, wrt=(0, 1))(1.0, 2.0)
    elif mode == "jvp":
        tl.jvp(f, (1.0, 2.0), (1.0, 0.0))
    else:
        tl.hessian(f, wrt=0)(1.0, 2.0)
    return walked[0] - before


@pytest.mark.parametrize("style", ["expression", "statements"])
@pytest.mark.parametrize("mode", ["vjp", "jvp", "hessian"])
def test_work_grows_like_the_function(walked, tmp_path, style, mode):
    small = _work(walked, tmp_path, 40, style, mode)
    large = _work(walked, tmp_path, 80, style, mode)
    assert small > 1000  # the counter sees the compiler's walks
    assert large / small < 2.4, f"{style}, {mode}: 40 terms walk {small} nodes, 80 terms {large}"


def test_the_generated_function_is_right(tmp_path):
    """(what is measured is a real derivative) the gradient against the formula."""
    import numpy as np

    f = temp_module(tmp_path, program(5, "statements"), stem="scaling_check").f
    x, a = 0.7, 1.3
    ks = np.arange(1.0, 6.0)
    dx = 2 * sum(a * k * np.cos(x * k) if k % 2 else np.cos(a * k) for k in ks)
    da = 2 * sum(np.sin(x * k) if k % 2 else -k * np.sin(a * k) * x for k in ks)
    gx, ga = tl.grad(f, wrt=(0, 1))(x, a)
    assert np.allclose([gx, ga], [dx, da])
