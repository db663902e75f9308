"""Second order accepts what ``tl.grad`` accepts: ``tl.hessian`` and ``tl.hvp`` differentiate
the gradient generated for the ranks of the arguments (as ``tl.grad`` does), not an unspecialised
one whose alias model cannot tell a number from an array (breaker14 findings 5 and 7: ``p =
sq(a[0])`` and a loop copying with ``b = a.copy()`` were refused as aliases at second order).
Checked against finite differences of the (checked) gradient and the dot-product identity."""

from __future__ import annotations

import numpy as np
import pytest
from test_maybe_unbound import check_all

import tangent_lite as tl


def sq(z):
    return z * z


def two_calls(x):
    a = x * 1.0
    p = sq(a[0])
    a[0] = a[1] * 3.0
    q = sq(a[0])
    return p * q + sq(p)


def copy_in_loop(x):
    a = x * 1.0
    for i in range(3):
        b = a.copy()
        b[i] = b[i] * a[i + 1]
        a = a * 0.5 + b * 0.5
        a[0] = b[1]
    return np.sum(a * a)


@pytest.mark.parametrize("f", [two_calls, copy_in_loop], ids=lambda f: f.__name__)
def test_second_order_accepts_what_grad_accepts(f):
    check_all(f, np.array([0.31, 0.72, 0.43, 0.54]))


@pytest.mark.parametrize("f", [two_calls, copy_in_loop], ids=lambda f: f.__name__)
def test_hessian_is_symmetric_and_agrees_with_hvp(f):
    x = np.array([0.31, 0.72, 0.43, 0.54])
    H = tl.hessian(f)(x)
    np.testing.assert_allclose(H, H.T, atol=1e-10)
    v = np.array([0.3, -1.2, 0.7, 2.0])
    np.testing.assert_allclose(tl.hvp(f, x, v), H @ v, rtol=1e-10, atol=1e-10)


def test_rank_changes_between_calls_give_the_gradient_of_each_rank():
    """The specialised gradient is chosen per call: a float and an array argument both work."""
    def f(x):
        return np.sum(sq(x) * x)
    assert abs(tl.hessian(f)(0.5) - 3.0) < 1e-12
    np.testing.assert_allclose(tl.hessian(f)(np.array([0.5, 1.0])), np.diag([3.0, 6.0]), atol=1e-12)
    np.testing.assert_allclose(tl.hvp(f, np.array([0.5, 1.0]), np.array([1.0, 1.0])), [3.0, 6.0], atol=1e-12)
