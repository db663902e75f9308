"""Derivatives of NumPy code run on Dask arrays: lazy results, equal to NumPy's.

User code is written with ``np.*``; Dask arrays take part through NumPy's dispatch protocols
(``__array_function__``, ``__array_ufunc__``).  Every derivative call runs under a scheduler
that raises: nothing may be computed while the derivative is built (the graph is returned),
and ``dask.compute`` evaluates it afterwards.  The common case is mixed: small NumPy
parameters, large Dask data.
"""

from __future__ import annotations

import numpy as np
import pytest

import tangent_lite as tl

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")


def _no_compute(dsk, keys, **kwargs):
    raise AssertionError("a Dask graph was computed while the derivative was built")


def lazily(call, *args):
    """``call(*args)`` with computing forbidden."""
    with dask.config.set(scheduler=_no_compute):
        return call(*args)


def _leaves(x):
    return [v for item in x for v in _leaves(item)] if isinstance(x, (tuple, list)) else [x]


def assert_lazy_equal(got, want):
    for g, w in zip(_leaves(got), _leaves(want)):
        assert isinstance(g, da.Array), type(g)
        value = g.compute()
        assert value.dtype == np.asarray(w).dtype
        np.testing.assert_allclose(value, w, rtol=1e-10, atol=1e-12)


def least_squares(w, X, y):
    r = X @ w - y
    return 0.5 * np.sum(r * r)


def logistic(w, X, y):
    z = X @ w
    p = 1.0 / (1.0 + np.exp(-z))
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def mlp_layer(W, b, X):
    h = np.tanh(X @ W + b)
    return np.sum(np.mean(h * h, axis=0))


def reductions(w, X):
    Z = X * w  # broadcasting a NumPy row against Dask data
    return np.sum(np.max(Z, axis=1)) + np.sum(np.var(Z, axis=0)) + np.sum(np.std(Z, axis=1, keepdims=True)) \
        + np.sum(np.mean(Z ** 2, axis=(0, 1)))


def column_variances(w, X):
    return np.sum(np.var(X * w, axis=0))


def softplus_sum(X, c):
    return np.sum(np.log1p(np.exp(X * c)) / np.sqrt(1.0 + X * X))


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4))
    y = (rng.random(60) > 0.5).astype(float)
    return X, y, rng


@pytest.mark.parametrize("f", [least_squares, logistic])
def test_grad_of_numpy_parameters_over_dask_data(f, data):
    X, y, rng = data
    w = rng.normal(size=4)
    Xd, yd = da.from_array(X, chunks=(15, 4)), da.from_array(y, chunks=15)
    got = lazily(tl.grad(f), w, Xd, yd)
    assert_lazy_equal(got, tl.grad(f)(w, X, y))
    got = lazily(tl.grad(f, wrt=(0, 1)), w, Xd, yd)
    assert_lazy_equal(got, tl.grad(f, wrt=(0, 1))(w, X, y))


def test_value_and_grad_is_one_lazy_computation(data):
    X, y, rng = data
    w = rng.normal(size=4)
    Xd, yd = da.from_array(X, chunks=(15, 4)), da.from_array(y, chunks=15)
    v, g = lazily(tl.value_and_grad(logistic), w, Xd, yd)
    assert isinstance(v, da.Array) and isinstance(g, da.Array)
    v1, g1 = dask.compute(v, g)
    v0, g0 = tl.value_and_grad(logistic)(w, X, y)
    np.testing.assert_allclose(v1, v0, rtol=1e-12)
    np.testing.assert_allclose(g1, g0, rtol=1e-10)


def test_mlp_layer_both_modes(data):
    X, y, rng = data
    W, b = rng.normal(size=(4, 3)), rng.normal(size=3)
    Xd = da.from_array(X, chunks=(20, 4))
    got = lazily(tl.grad(mlp_layer, wrt=(0, 1)), W, b, Xd)
    assert_lazy_equal(got, tl.grad(mlp_layer, wrt=(0, 1))(W, b, X))
    dW, db = rng.normal(size=(4, 3)), rng.normal(size=3)
    got = lazily(tl.jvp, mlp_layer, (W, b, Xd), (dW, db))
    want = tl.jvp(mlp_layer, (W, b, X), (dW, db))
    assert_lazy_equal(got, want)


def test_reductions_with_axis_and_broadcasting(data):
    X, _, rng = data
    w = rng.normal(size=4)
    Xd = da.from_array(X, chunks=(15, 2))
    for wrt in (0, 1, (0, 1)):
        got = lazily(tl.grad(reductions, wrt=wrt), w, Xd)
        assert_lazy_equal(got, tl.grad(reductions, wrt=wrt)(w, X))
    dw, dX = rng.normal(size=4), rng.normal(size=X.shape)
    got = lazily(tl.jvp, reductions, (w, Xd), (dw, da.from_array(dX, chunks=(15, 2))))
    assert_lazy_equal(got, tl.jvp(reductions, (w, X), (dw, dX)))


def test_gradient_of_dask_argument_and_float32(data):
    X, _, _ = data
    for dtype in (np.float64, np.float32):
        Xc = X.astype(dtype)
        Xd = da.from_array(Xc, chunks=(15, 2))
        got = lazily(tl.grad(softplus_sum), Xd, 0.5)
        assert got.dtype == dtype and got.chunks == Xd.chunks
        want = tl.grad(softplus_sum)(Xc, 0.5)
        np.testing.assert_allclose(got.compute(), want, rtol=1e-5 if dtype == np.float32 else 1e-12)
        c_bar = lazily(tl.grad(softplus_sum, wrt=1), Xd, 0.5)
        assert isinstance(c_bar, da.Array) and c_bar.shape == ()
        np.testing.assert_allclose(c_bar.compute(), tl.grad(softplus_sum, wrt=1)(Xc, 0.5), rtol=1e-5)


def test_unknown_chunk_sizes(data):
    X, y, rng = data
    w = rng.normal(size=4)
    Xd, yd = da.from_array(X, chunks=(15, 4)), da.from_array(y, chunks=15)
    keep = yd > 0.5
    Xm, ym = Xd[keep], yd[keep]  # rows of unknown count: nan chunk sizes
    assert np.isnan(Xm.shape[0])
    mask = y > 0.5
    for f in (least_squares, logistic):  # sums and means over rows of unknown count: broadcast and counted lazily
        got = lazily(tl.grad(f, wrt=(0, 1)), w, Xm, ym)
        assert_lazy_equal(got, tl.grad(f, wrt=(0, 1))(w, X[mask], y[mask]))
    # what needs the count as a number is refused, saying what to do
    with pytest.raises(ValueError, match="compute_chunk_sizes"):
        lazily(tl.grad(column_variances), w, Xm)
    Xm.compute_chunk_sizes()
    assert_lazy_equal(lazily(tl.grad(column_variances), w, Xm), tl.grad(column_variances)(w, X[mask]))


def test_gradient_descent_on_chunked_random_data():
    """Out of core in miniature: full-batch gradient descent of a logistic regression over a
    lazily generated, chunked dataset; each step one lazy gradient, computed by Dask."""
    n, d = 20_000, 5
    rs = da.random.RandomState(0)
    X = rs.normal(size=(n, d), chunks=(2_000, d))
    w_true = np.linspace(-1.0, 1.0, d)
    y = (X @ w_true + 0.1 * rs.normal(size=n, chunks=2_000) > 0).astype(float)
    step = tl.value_and_grad(logistic)
    w = np.zeros(d)
    losses = []
    for _ in range(4):
        v, g = lazily(step, w, X, y)
        v, g = dask.compute(v, g)
        losses.append(float(v))
        w = w - 2.0 * g
    assert all(a > b for a, b in zip(losses, losses[1:]))
    Xn, yn = dask.compute(X, y)
    np.testing.assert_allclose(g, tl.grad(logistic)(w + 2.0 * g, Xn, yn), rtol=1e-9)


def _mean_logistic(w, X, y):
    return np.mean(np.logaddexp(0.0, -y * (X @ w)))


def _sum_logistic(w, X, y):
    return np.sum(np.logaddexp(0.0, -y * (X @ w)))


@pytest.mark.parametrize("f", [least_squares, logistic, _mean_logistic, _sum_logistic])
def test_graph_size_does_not_grow_with_the_data(f):
    """The seed of a reduction's adjoint is spread in Dask (chunked like the data), not as a
    NumPy array of the data's length embedded in the graph (shipped to the scheduler every step)."""
    import pickle

    sizes = []
    for n in (40_000, 400_000):
        X = da.random.default_rng(0).standard_normal((n, 5), chunks=(n // 4, 5))
        y = (da.random.default_rng(1).standard_normal(n, chunks=n // 4) > 0).astype(float)
        g = lazily(tl.grad(f), np.full(5, 0.1), X, y)
        assert isinstance(g, da.Array)
        sizes.append(len(pickle.dumps(dict(g.__dask_graph__()))))
    assert sizes[1] < sizes[0] * 1.5 and sizes[1] < 200_000, sizes


@pytest.mark.parametrize("f", [logistic, _mean_logistic, _sum_logistic, least_squares])
def test_unknown_length_after_a_mask_in_means_and_sums(f):
    X = da.random.default_rng(0).standard_normal((2000, 5), chunks=(500, 5))
    y = (da.random.default_rng(1).standard_normal(2000, chunks=500) > 0).astype(float)
    keep = X[:, 0] > 0
    w = np.full(5, 0.1)
    g = lazily(tl.grad(f), w, X[keep], y[keep])
    Xn, yn = X.compute(), y.compute()
    k = Xn[:, 0] > 0
    assert_lazy_equal(g, tl.grad(f)(w, Xn[k], yn[k]))


def _looped_loss(w, X):
    s = 0.0
    for i in range(3):
        s = s + np.sum(np.tanh(X @ w) * (i + 1.0))
    return s


def test_gradient_of_numpy_parameters_accumulated_in_a_loop_over_dask_data():
    """The parameters' adjoint is a NumPy buffer; the loop adds Dask contributions to it (NumPy
    cannot add a Dask array in place: the sum is a new, lazy array)."""
    rng = np.random.default_rng(5)
    Xn, w = rng.normal(size=(40, 3)), rng.normal(size=3)
    got = lazily(tl.grad(_looped_loss), w, da.from_array(Xn, chunks=(10, 3)))
    assert_lazy_equal(got, tl.grad(_looped_loss)(w, Xn))


# ---------------------------------------------------------------- rules whose helpers gather or scatter
# (their NumPy forms, np.bincount, np.add.at, np.split, item writes into np.zeros, would compute
# the Dask array or fall back to NumPy; each is written so that it stays lazy)

def _m(x):
    return np.reshape(x, (2, 3))


LAZY_RULES = {
    "vstack": lambda x: np.sum(np.vstack([x, x * 2.0]) ** 2),
    "hstack": lambda x: np.sum(np.hstack([x, x * 2.0]) ** 2),
    "dstack": lambda x: np.sum(np.dstack([x, x * 2.0]) ** 2),
    "stack": lambda x: np.sum(np.stack([x, x * 2.0], axis=1) ** 2),
    "concatenate_axis_none": lambda x: np.sum(np.concatenate([_m(x), _m(x)], axis=None) ** 2),
    "concatenate_axis_1": lambda x: np.sum(np.concatenate([_m(x), _m(x) * 3.0], axis=1) ** 2),
    "repeat": lambda x: np.sum(np.repeat(x, 2) ** 2 * np.arange(12.0)),
    "repeat_axis": lambda x: np.sum(np.repeat(_m(x), 2, axis=1) ** 2 * np.arange(6.0)),
    "pad": lambda x: np.sum(np.pad(x, 1) ** 2 * np.arange(8.0)),
    "pad_reflect": lambda x: np.sum(np.pad(_m(x), 1, mode="reflect") ** 3),
    "take": lambda x: np.sum(np.take(x, [0, 2, 2, 5]) ** 2),
    "take_axis": lambda x: np.sum(np.take(_m(x), [2, 0, 2], axis=1) ** 3),
    "cumprod": lambda x: np.sum(np.cumprod(x) * np.arange(6.0)),
    "cumprod_axis": lambda x: np.sum(np.cumprod(_m(x), axis=0) ** 2),
    "einsum": lambda x: np.einsum("ij,ij->", _m(x), _m(x) * 2.0),
    "tensordot": lambda x: np.sum(np.tensordot(_m(x), _m(x), axes=([1], [1]))),
    "new_axis": lambda x: np.sum(np.squeeze(x[None, :]) ** 2),
    "new_axis_2d": lambda x: np.sum(_m(x)[:, None, 1:] ** 3),
    "outer_trace": lambda x: np.trace(np.outer(x, x)),
    "norm_axis": lambda x: np.sum(np.linalg.norm(_m(x), axis=1)),
}


@pytest.mark.parametrize("name", sorted(LAZY_RULES))
def test_gathering_and_scattering_rules_stay_lazy(name):
    f = LAZY_RULES[name]
    xn = np.array([1.5, -0.7, 2.0, 0.4, 0.9, -1.2])
    x = da.from_array(xn, chunks=3)
    v = np.array([0.3, 1.1, -0.4, 0.2, -0.5, 0.7])
    g = lazily(tl.grad(f), x)
    assert_lazy_equal(g, tl.grad(f)(xn))
    _, t = lazily(tl.jvp, f, (x,), (da.from_array(v, chunks=3),))
    want = tl.jvp(f, (xn,), (v,))[1]
    np.testing.assert_allclose(np.asarray(t.compute() if isinstance(t, da.Array) else t), want, rtol=1e-10)


def test_hessian_of_dask_arrays_is_lazy():
    def f(x):
        return np.sum(np.tanh(x) ** 2 * x[0])

    xn = np.array([0.3, -0.7, 1.1, 0.4])
    H = lazily(tl.hessian(f), da.from_array(xn, chunks=2))
    assert_lazy_equal(H, tl.hessian(f)(xn))
