"""Breaker 30's minor findings: the tl.jacobian hint for a dict output, ``dtype=`` in np.mean / np.prod."""

from __future__ import annotations

import numpy as np
import pytest

import tangent_lite as tl

X = np.array([0.3, 0.4, 1.2])


def o2(x):
    return {"a": np.sin(x), "b": x * 2.0}


def test_jacobian_of_a_dict_output_suggests_an_entry_by_key():
    """The hint suggested ``o2(x)[0]``, a KeyError on a dict."""
    with pytest.raises(tl.errors.ArgumentError) as info:
        tl.jacobian(o2)(X)
    assert "tl.jacobian(lambda x: o2(x)['a'])" in str(info.value) and "[0]" not in str(info.value)
    np.testing.assert_allclose(tl.jacobian(lambda x: o2(x)["a"])(X), np.diag(np.cos(X)), rtol=1e-12)


def mean_f64(x):
    return np.mean(x * x, dtype=np.float64)


def prod_float(x):
    return np.prod(x, dtype=float) * 2.0


def mean_int(x):  # an integer dtype= casts: no derivative through it (docs/limitations.md)
    return np.mean(x, dtype=int) + np.sum(x)


@pytest.mark.parametrize("f", [mean_f64, prod_float, mean_int])
def test_mean_and_prod_take_dtype_as_sum_does(f):
    """'the rules for np.mean do not accept the keyword dtype', while np.sum(x, dtype=...) worked."""
    fd = np.array([(f(X + 1e-6 * e) - f(X - 1e-6 * e)) / 2e-6 for e in np.eye(3)])
    np.testing.assert_allclose(tl.grad(f)(X), fd, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(tl.jvp(f, (X,), (np.ones(3),))[1], fd.sum(), rtol=1e-6)
