"""Derivatives of scipy.special / scipy.stats at the edges of their domains (breaker round 28):
checked against central finite differences and hand-derived values, in both modes."""

import numpy as np
import pytest

sp = pytest.importorskip("scipy.special")
st = pytest.importorskip("scipy.stats")

import tangent_lite as tl  # noqa: E402


def _fd(f, x, h=1e-6):
    x = np.asarray(x, dtype=float)
    out = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e.flat[i] = h
        out.flat[i] = (f(x + e) - f(x - e)) / (2 * h)
    return out


def _rgamma_sum(x):
    return np.sum(sp.rgamma(x))


def test_rgamma_slope_at_poles_of_gamma():
    x = np.array([0.0, -1.0, -2.0, -3.0, 0.5, -0.5, 2.5])
    want = _fd(_rgamma_sum, x)
    np.testing.assert_allclose(want[:4], [1.0, -1.0, 2.0, -6.0], atol=1e-6)
    np.testing.assert_allclose(tl.grad(_rgamma_sum)(x), want, rtol=1e-6, atol=1e-6)
    v = np.linspace(0.3, 1.0, x.size)
    np.testing.assert_allclose(tl.jvp(_rgamma_sum, (x,), (v,))[1], want @ v, rtol=1e-6)


def test_rgamma_second_order_at_poles():
    x = np.array([0.0, -1.0, 0.7, 3.0])
    grad = tl.grad(_rgamma_sum)
    want = np.diag([_fd(lambda t, i=i: grad(t)[i], x)[i] for i in range(x.size)])
    np.testing.assert_allclose(tl.hessian(_rgamma_sum)(x), want, rtol=1e-5, atol=1e-5)
    # 1/Gamma(x) = x + euler_gamma x^2 + ...: second derivative 2 * euler_gamma at 0
    np.testing.assert_allclose(tl.hessian(_rgamma_sum)(x)[0, 0], 2 * np.euler_gamma, rtol=1e-10)
