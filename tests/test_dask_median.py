"""np.median's derivatives on Dask arrays are lazy and equal NumPy's (issue 15).

Its weights (1 on the middle sorted entry, 1/2 + 1/2 on the two middle ones, shared over ties)
were found with np.argsort / take_along_axis / put_along_axis, which Dask does not implement:
Dask computed the whole array eagerly (twice) while the derivative was built.  They are now
found by comparing the entries with the median, which Dask computes chunk-wise.  Checked here
against a reference written with sorting, on values drawn from a few integers (ties everywhere),
and under a scheduler that refuses to compute.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tangent_lite as tl
from tangent_lite import runtime

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")


def _no_compute(dsk, keys, **kwargs):
    raise AssertionError("a Dask graph was computed while the derivative was built")


def lazily(call, *args):
    with dask.config.set(scheduler=_no_compute):
        return call(*args)


def reference_weights(a, axes):
    """d median / d a by sorting each lane: middle position(s) weighted, then averaged over ties."""
    rest = [i for i in range(a.ndim) if i not in axes]
    out = np.zeros(a.shape)
    for idx in itertools.product(*(range(a.shape[i]) for i in rest)):
        sel = [slice(None)] * a.ndim
        for i, k in zip(rest, idx):
            sel[i] = k
        lane = a[tuple(sel)]
        values = np.sort(lane.ravel())
        n = values.size
        middle = [values[n // 2]] if n % 2 else [values[n // 2 - 1], values[n // 2]]
        w = np.zeros(lane.shape)
        for v in middle:
            at = lane == v
            w = w + at / at.sum() / len(middle)
        out[tuple(sel)] = w
    return out


@st.composite
def lanes(draw):
    shape = tuple(draw(st.lists(st.integers(1, 5), min_size=1, max_size=3)))
    a = np.array(draw(st.lists(st.integers(-2, 2), min_size=int(np.prod(shape)),
                               max_size=int(np.prod(shape)))), dtype=float).reshape(shape)
    axes = draw(st.sets(st.integers(0, len(shape) - 1), min_size=1))
    return a, tuple(sorted(axes))


@settings(max_examples=150, deadline=None)
@given(lanes())
def test_median_weights_equal_the_sorting_reference_with_ties(case):
    a, axes = case
    want = reference_weights(a, axes)
    axis = axes[0] if len(axes) == 1 else axes
    np.testing.assert_allclose(runtime.median_weights(a, axis), want, rtol=1e-15, atol=0)
    ad = da.from_array(a, chunks=tuple(max(1, n // 2) for n in a.shape))
    got = lazily(runtime.median_weights, ad, axis)
    assert isinstance(got, da.Array)
    np.testing.assert_allclose(got.compute(), want, rtol=1e-15, atol=0)


def test_median_weights_neighbouring_floats_and_infinities():
    """The median of two adjacent floats rounds to one of them; infinite middle entries."""
    lo = 1.0
    hi = np.nextafter(lo, 2.0)
    for a in ([lo, hi], [hi, lo, 0.0, 5.0], [np.inf, np.inf, 1.0, 2.0], [-np.inf, 0.0, 3.0]):
        a = np.array(a)
        np.testing.assert_array_equal(runtime.median_weights(a), reference_weights(a, (0,)))


def robust_centre(w, X):
    r = X @ w
    m = np.median(X * w, axis=0)
    return np.sum(m * m) + np.mean(np.median(r[:, None] * X, axis=1))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_median_gradients_on_dask_are_lazy_and_equal_numpy(dtype):
    rng = np.random.default_rng(3)
    X = rng.standard_normal((9, 4)).astype(dtype)
    w = rng.standard_normal(4).astype(dtype)
    Xd = da.from_array(X, chunks=(4, 2))
    tol = dict(rtol=1e-10, atol=1e-12) if dtype == np.float64 else dict(rtol=1e-5, atol=1e-6)
    for wrt in (0, 1, (0, 1)):
        g = lazily(tl.grad(robust_centre, wrt=wrt), w, Xd)
        want = tl.grad(robust_centre, wrt=wrt)(w, X)
        for got, ref in zip(g if isinstance(g, tuple) else (g,), want if isinstance(want, tuple) else (want,)):
            assert isinstance(got, da.Array), type(got)
            value = got.compute()
            assert value.dtype == dtype
            np.testing.assert_allclose(value, ref, **tol)
    dw, dX = rng.standard_normal(4).astype(dtype), rng.standard_normal(X.shape).astype(dtype)
    v, t = lazily(tl.jvp, robust_centre, (w, Xd), (dw, da.from_array(dX, chunks=Xd.chunks)))
    assert isinstance(t, da.Array)
    v0, t0 = tl.jvp(robust_centre, (w, X), (dw, dX))
    np.testing.assert_allclose(t.compute(), t0, **tol)
    if dtype == np.float64:  # NumPy's against central differences (distinct values: smooth there)
        eps = 1e-6
        fd = (robust_centre(w + eps * dw, X + eps * dX) - robust_centre(w - eps * dw, X - eps * dX)) / (2 * eps)
        np.testing.assert_allclose(t0, fd, rtol=1e-6)
