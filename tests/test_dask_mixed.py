"""Derivatives that mix NumPy and Dask arrays in loops and in-place writes.

The docs' headline case is small NumPy parameters and large Dask data: the parameters' adjoint
is a NumPy buffer that receives Dask terms (in loops: accumulated), and in-place writes
(``a[i] = v``) into arrays derived from either kind make the derivative code write Dask values
into NumPy arrays and the other way round.  Each program here is differentiated on Dask inputs
(with computing forbidden while the derivative is built: the result must be a lazy graph) and
compared with the same call on NumPy inputs, which is checked against central differences.
Breaker round 18, findings 6 and 7 (``F1``, ``F2`` and their variants) are among them.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tangent_lite as tl

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")


def _no_compute(dsk, keys, **kwargs):
    raise AssertionError("a Dask graph was computed while the derivative was built")


def lazily(call, *args, **kwargs):
    with dask.config.set(scheduler=_no_compute):
        return call(*args, **kwargs)


# ---------------------------------------------------------------- programs: loops accumulating the adjoint


def loop_sum(w, X):  # breaker 18, F1
    s = 0.0
    for _ in range(2):
        s = s + np.sum(X @ w)
    return s


def while_counted(w, X):
    s = 0.0
    k = 0
    while k < 3:
        s = s * 1.5 + np.sum(np.tanh(X @ w))
        k += 1
    return s


def while_value_test(w, X):  # the test reads a Dask value: computed there, as when the function runs
    s = 1.0
    k = 0
    while s < 50.0 and k < 5:
        s = s * 1.5 + np.sum(X @ (w * w)) + 2.0
        k += 1
    return s


def loop_mean_rows(w, X):  # t = t + np.mean(X, axis=0) * np.sum(w) in a loop
    t = np.zeros(3)
    for _ in range(3):
        t = t + np.mean(X, axis=0) * np.sum(w * w)
    return np.sum(t * w)


def loop_tuple_accumulate(w, X):
    s = 0.0
    for row in range(X.shape[0]):
        s = s + np.tanh(X[row] @ w) * (row + 1.0)
    return s


# ---------------------------------------------------------------- programs: in-place writes


def item_write(w, X):  # breaker 18, F2
    a = w * 1.0
    a[0] = 0.5
    return np.sum(X @ a)


def row_of_data_write(w, X):  # Y = X * 1.0; Y[0] = w
    Y = X * 1.0
    Y[0] = w
    return np.sum(np.tanh(Y @ w))


def copy_in_loop(w, X):  # a = w.copy(); u = a[0] * 2; a[0] = 0.5; a = a * u
    a = w.copy()
    for _ in range(3):
        u = a[0] * 2.0
        a[0] = 0.5
        a = a * u
    return np.sum(X @ a)


def slice_write(w, X):
    a = w * 2.0
    a[1:] = w[:2] * w[1:]
    return np.sum(np.tanh(X @ a))


def whole_write(w, X):  # Dask's a[:] is a itself: the saved value must be a copy
    a = w * 1.0
    a[:] = a * a
    a[...] = a + w
    return np.sum(X @ (a * a))


def numpy_mask_write(w, X):
    a = w * 1.0
    a[np.array([True, False, True])] = a[1] * 2.0
    return np.sum(X @ (a * w))


def repeated_index_write(w, X):  # NumPy keeps the last of repeated writes: so does Dask
    a = w * 1.0
    a[[0, 2, 0]] = w * np.array([3.0, 1.0, -2.0])
    return np.sum(X @ (a * a))


def item_writes_in_loop(w, X):
    a = w * 1.0
    for i in range(3):
        a[i] = a[i] * a[(i + 1) % 3]
    return np.sum(X @ a)


def reversed_item_writes(w, X):
    a = w * 1.0
    for i in reversed(range(3)):
        t = a[i] * 1.0
        a[i] = t * t
    return np.sum(X @ a)


def row_writes_in_loop(w, X):
    Y = X * 1.0
    for i in range(2):
        Y[i] = Y[i] * w
    return np.sum(np.tanh(Y @ w))


def column_write(w, X):
    Y = X * 1.0
    Y[:, 1] = Y[:, 0] * w[1]
    return np.sum(np.tanh(Y @ w))


def item_writes_in_while(w, X):
    a = w * 1.0
    k = 0
    while k < 2:
        a[k] = np.sum(X[k] * a)
        k += 1
    return np.sum(a * a)


def repeated_index_read(w, X):  # adjoint of w[[0, 0, 2]]: repeats add up (no add.at in Dask)
    return np.sum(w[[0, 0, 2, -1]] ** 2 * np.arange(1.0, 5.0)) + np.sum(np.tanh(X @ w))


PROGRAMS = [loop_sum, while_counted, while_value_test, loop_mean_rows, loop_tuple_accumulate, item_write,
            row_of_data_write, copy_in_loop, slice_write, whole_write, numpy_mask_write, repeated_index_write,
            item_writes_in_loop, reversed_item_writes, row_writes_in_loop, column_write, item_writes_in_while,
            repeated_index_read]

# what the program itself computes eagerly on Dask inputs (docs/arrays-beyond-numpy.md, "Limits": it stays
# eager in the derivative): while_value_test's loop test reads a Dask sum; item_writes_in_while writes a
# Dask sum into a NumPy array when w is NumPy; copy_in_loop's w.copy() runs as np.copy, which Dask does
# not implement (it computes) when w is Dask
EAGER = {("item_writes_in_while", "numpy"), ("copy_in_loop", "dask"), ("while_value_test", "numpy"),
         ("while_value_test", "dask")}


@pytest.fixture(scope="module")
def point():
    rng = np.random.default_rng(18)
    return np.array([0.3, -0.2, 0.4]), rng.normal(size=(4, 3)) * 0.5


def _dask(w, X, kind):
    Xd = da.from_array(X, chunks=(2, 3))
    return (w if kind == "numpy" else da.from_array(w, chunks=2)), Xd


def _call(f, kind, call, *args):
    return call(*args) if (f.__name__, kind) in EAGER else lazily(call, *args)


def _equal(f, kind, got, want):
    """Lazy and equal; where the program computes eagerly, equal (a value may then be NumPy)."""
    if (f.__name__, kind) in EAGER:
        np.testing.assert_allclose(np.asarray(got), want, rtol=1e-10, atol=1e-12)
    else:
        _lazy_equal(got, want)


def _central(f, args, i, eps=1e-6):
    x = np.array(args[i], dtype=float)
    g = np.zeros_like(x)
    for j in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[j] += eps
        down[j] -= eps
        g[j] = (f(*[up if k == i else a for k, a in enumerate(args)])
                - f(*[down if k == i else a for k, a in enumerate(args)])) / (2 * eps)
    return g


def _lazy_equal(got, want):
    assert isinstance(got, da.Array), type(got)
    np.testing.assert_allclose(got.compute(), want, rtol=1e-10, atol=1e-12)


def test_breaker_programs_give_the_documented_values():
    X = da.from_array(np.ones((4, 3)), chunks=(2, 3))
    w = np.array([0.3, -0.2, 0.4])
    g = lazily(tl.grad(loop_sum), w, X)
    _lazy_equal(g, [8.0, 8.0, 8.0])
    g = lazily(tl.grad(item_write), da.from_array(w, chunks=2), X)
    _lazy_equal(g, [0.0, 4.0, 4.0])


@pytest.mark.parametrize("f", PROGRAMS, ids=lambda f: f.__name__)
def test_numpy_gradients_match_central_differences(f, point):
    w, X = point
    gw, gX = tl.grad(f, wrt=(0, 1))(w, X)
    np.testing.assert_allclose(gw, _central(f, (w, X), 0), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(gX, _central(f, (w, X), 1), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("kind", ["numpy", "dask"])
@pytest.mark.parametrize("f", PROGRAMS, ids=lambda f: f.__name__)
def test_grad_on_dask_equals_numpy(f, kind, point):
    """Gradients with respect to the parameters, the data and both: lazy Dask arrays (a NumPy
    parameter's gradient too: Dask terms reached it), equal to NumPy's."""
    w, X = point
    wd, Xd = _dask(w, X, kind)
    for wrt in (0, 1, (0, 1)):
        got = _call(f, kind, tl.grad(f, wrt=wrt), wd, Xd)
        want = tl.grad(f, wrt=wrt)(w, X)
        for g, v in zip(got if isinstance(wrt, tuple) else (got,), want if isinstance(wrt, tuple) else (want,)):
            _equal(f, kind, g, v)


@pytest.mark.parametrize("kind", ["numpy", "dask"])
@pytest.mark.parametrize("f", PROGRAMS, ids=lambda f: f.__name__)
def test_jvp_vjp_and_hvp_on_dask_equal_numpy(f, kind, point):
    w, X = point
    rng = np.random.default_rng(7)
    dw, dX = rng.normal(size=w.shape), rng.normal(size=X.shape)
    wd, Xd = _dask(w, X, kind)
    dwd = dw if kind == "numpy" else da.from_array(dw, chunks=2)
    dXd = da.from_array(dX, chunks=(2, 3))
    value, tangent = _call(f, kind, tl.jvp, f, (wd, Xd), (dwd, dXd))
    want_value, want_tangent = tl.jvp(f, (w, X), (dw, dX))
    _equal(f, kind, value, want_value)
    _equal(f, kind, tangent, want_tangent)
    # the dot-product identity between the two modes, on Dask inputs
    value, pullback = _call(f, kind, lambda *a: tl.vjp(f, *a, wrt=(0, 1)), wd, Xd)
    gw, gX = _call(f, kind, pullback, 1.0)
    _equal(f, kind, np.sum(gw * dw) + np.sum(gX * dX), want_tangent)
    # second order: forward over reverse
    _equal(f, kind, _call(f, kind, tl.hvp, f, wd, dw, Xd), tl.hvp(f, w, dw, X))


# ---------------------------------------------------------------- refusals: what Dask cannot do


def lazy_mask_write(w, X):
    a = w * 1.0
    a[w > 0] = 0.0
    return np.sum(X @ (a * w))


def lazy_mask_read(w, X):
    return np.sum(w[w > 0] ** 2) + np.sum(X @ w)


def test_lazy_masks_on_dask_are_refused_clearly_where_dask_cannot_write_back(point):
    """``x[mask]`` with a Dask mask has a size known only once computed: the reverse sweep would
    write such a selection back, which Dask cannot do.  Refused with the way out; the same
    programs work on NumPy, with a NumPy parameter (the mask is then NumPy) and in forward mode."""
    w, X = point
    wd, Xd = _dask(w, X, "dask")
    for f in (lazy_mask_write, lazy_mask_read):
        with pytest.raises(tl.UnsupportedConstructError, match="np.where"):
            lazily(tl.grad(f), wd, Xd)
        np.testing.assert_allclose(tl.grad(f)(w, X), _central(f, (w, X), 0), rtol=1e-6, atol=1e-7)
        _lazy_equal(lazily(tl.grad(f, wrt=(0, 1)), w, Xd)[0], tl.grad(f)(w, X))
        dw = np.array([1.0, -0.5, 2.0])
        _lazy_equal(lazily(tl.jvp, f, (wd, Xd), (da.from_array(dw, chunks=2), da.zeros((4, 3), chunks=(2, 3))))[1],
                    tl.jvp(f, (w, X), (dw, np.zeros((4, 3))))[1])


# ---------------------------------------------------------------- the runtime helpers, operand by operand


def test_mixed_library_helpers_stay_lazy_and_exact():
    """Each helper that accumulates or writes a derivative, given one NumPy and one Dask operand
    (in both orders), returns a lazy Dask array equal to the all-NumPy result; none computes."""
    from tangent_lite import runtime as rt

    a = np.array([1.0, 2.0, 3.0])
    b = np.array([0.5, -1.0, 4.0])
    bd = da.from_array(b, chunks=2)
    ad = da.from_array(a, chunks=2)
    for x, y in ((a, bd), (ad, b), (ad, bd)):
        _lazy_equal(lazily(rt.add, x, y), a + b)
        _lazy_equal(lazily(rt.add_into, x, y), a + b)
        want = a.copy()
        want[1] = b[1]
        _lazy_equal(lazily(rt.setitem, x, 1, y[1]), want)
        want = a.copy()
        want[1] += b[1]
        _lazy_equal(lazily(rt.add_item, x.copy(), 1, y[1]), want)  # (it writes into its first argument)
    _lazy_equal(lazily(rt.zero_index, ad, slice(1, None)), [1.0, 0.0, 0.0])
    _lazy_equal(lazily(rt.zero_index, a, da.from_array(np.array([True, False, True]), chunks=2)), [0.0, 2.0, 0.0])
    _lazy_equal(lazily(rt.setitem_bar, ad, [2, 0, 2], b), [0.0, 1.0, 3.0])  # the last write into a[2] kept
    _lazy_equal(lazily(rt.getitem_bar, bd, a, [0, 2, 0]), [0.5 + 4.0, 0.0, -1.0])
    _lazy_equal(lazily(rt.unbroadcast, da.ones((4, 3), chunks=2), a), [4.0, 4.0, 4.0])
    # the gradient of a NumPy parameter that met Dask data stays lazy; a NumPy gradient of a
    # Dask argument becomes a Dask array chunked like it (never a NumPy array, never computed)
    _lazy_equal(lazily(rt.as_grad, bd, a), b)
    g = lazily(rt.as_grad, b, ad)
    _lazy_equal(g, b)
    assert g.chunks == ad.chunks
    # a saved value is a copy: Dask's x[:] is x itself, which x[:] = v changes
    kept = rt.saved(ad[:])
    ad[:] = ad * 10.0
    _lazy_equal(kept, a)


# ---------------------------------------------------------------- positions and chunkings that vary


def write_at(w, X, i, j):
    a = w * 1.0
    a[i] = a[j] * 2.0
    Y = X * 1.0
    for k in range(2):
        Y[(i + k) % 4] = Y[(i + k) % 4] * a
    return np.sum(np.tanh(Y @ a)) + np.sum(a[j:] * w[j:])


@settings(max_examples=12, deadline=None)
@given(i=st.integers(-3, 2), j=st.integers(-3, 2), w_chunk=st.integers(1, 3), row_chunk=st.integers(1, 4),
       numpy_w=st.booleans())
def test_item_writes_at_any_position_and_chunking(i, j, w_chunk, row_chunk, numpy_w):
    rng = np.random.default_rng((i + 3) * 7 + j + 3)
    w, X = rng.normal(size=3), rng.normal(size=(4, 3)) * 0.5
    wd = w if numpy_w else da.from_array(w, chunks=w_chunk)
    Xd = da.from_array(X, chunks=(row_chunk, 3))
    got = lazily(tl.grad(write_at, wrt=(0, 1)), wd, Xd, i, j)
    want = tl.grad(write_at, wrt=(0, 1))(w, X, i, j)
    for g, v in zip(got, want):
        _lazy_equal(g, v)
    np.testing.assert_allclose(want[0], _central(write_at, (w, X, i, j), 0), rtol=1e-6, atol=1e-7)
    dw = rng.normal(size=3)
    _lazy_equal(lazily(tl.jvp, lambda a, b: write_at(a, b, i, j), (wd, Xd), (dw, np.zeros((4, 3))))[1],
                np.sum(want[0] * dw))
