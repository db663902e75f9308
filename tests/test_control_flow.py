"""Derivatives of the control-flow corpus (tests/corpus_control.py).

For every function and every input point:
- ``tl.check_grads``: forward mode vs central differences, reverse vs forward;
- reverse mode vs central differences computed here: ``tl.grad`` for scalar outputs
  (and the value ``tl.value_and_grad`` returns), ``tl.vjp`` with a fixed cotangent
  for array and tuple outputs;
- the decorated function returns what the plain function returns.
"""

import numpy as np
import pytest
from corpus_control import CORPUS

import tangent_lite as tl

EPS = 1e-6
RTOL = 1e-5
ATOL = 1e-6


def _is_float(v):
    return isinstance(v, float) or (isinstance(v, np.ndarray) and np.issubdtype(v.dtype, np.floating))


def _wrt(args, wrt):
    return list(wrt) if wrt is not None else [i for i, a in enumerate(args) if _is_float(a)]


def _copy(args):
    return [a.copy() if isinstance(a, np.ndarray) else a for a in args]


def _is_scalar(out):
    return not isinstance(out, (tuple, list)) and np.ndim(out) == 0


def _cases(pred=None):
    out = []
    for fn, points, wrt in CORPUS:
        for k, args in enumerate(points):
            if pred is None or pred(fn, args):
                out.append(pytest.param(fn, tuple(args), wrt, id=f"{fn.__name__}-{k}"))
    return out


def _scalar_output(fn, args):
    return _is_scalar(fn(*_copy(args)))


ALL = _cases()
SCALAR = _cases(_scalar_output)
NONSCALAR = _cases(lambda fn, args: not _scalar_output(fn, args))


def _fd_grad(f, args, idx):
    """Central differences of the scalar f, one coordinate at a time."""
    grads = []
    for i in idx:
        x = args[i]
        if isinstance(x, float):
            a_p, a_m = list(args), list(args)
            a_p[i], a_m[i] = x + EPS, x - EPS
            grads.append((float(f(*a_p)) - float(f(*a_m))) / (2 * EPS))
            continue
        g = np.zeros_like(x)
        for j in np.ndindex(x.shape):
            xp, xm = x.copy(), x.copy()
            xp[j] += EPS
            xm[j] -= EPS
            a_p, a_m = list(args), list(args)
            a_p[i], a_m[i] = xp, xm
            g[j] = (float(f(*a_p)) - float(f(*a_m))) / (2 * EPS)
        grads.append(g)
    return grads


def _assert_close(what, got, expected):
    got = np.asarray(got, dtype=float)
    expected = np.asarray(expected, dtype=float)
    assert got.shape == expected.shape, f"{what}: shape {got.shape}, expected {expected.shape}"
    scale = max(1.0, float(np.max(np.abs(expected))) if expected.size else 1.0)
    assert np.allclose(got, expected, rtol=RTOL, atol=ATOL * scale), \
        f"{what}: got {got}, expected {expected} (max abs err {np.max(np.abs(got - expected)):.3g})"


def _cotangent_like(out, rng):
    if isinstance(out, tuple):
        return tuple(_cotangent_like(o, rng) for o in out)
    if np.ndim(out) == 0:
        return float(rng.normal())
    return rng.normal(size=np.shape(out))


def _dot(a, b):
    if isinstance(a, tuple):
        return sum(_dot(x, y) for x, y in zip(a, b))
    return float(np.sum(np.asarray(a, dtype=float) * np.asarray(b, dtype=float)))


@pytest.mark.parametrize("fn,args,wrt", ALL)
def test_check_grads(fn, args, wrt):
    tl.check_grads(fn, _copy(args), wrt=wrt)


@pytest.mark.parametrize("fn,args,wrt", SCALAR)
def test_grad_matches_finite_differences(fn, args, wrt):
    idx = _wrt(args, wrt)
    grads = tl.grad(fn, wrt=tuple(idx))(*_copy(args))
    expected = _fd_grad(fn, _copy(args), idx)
    assert isinstance(grads, tuple) and len(grads) == len(idx)
    for i, g, e in zip(idx, grads, expected):
        _assert_close(f"gradient wrt argument {i}", g, e)


@pytest.mark.parametrize("fn,args,wrt", SCALAR)
def test_value_and_grad_value(fn, args, wrt):
    idx = _wrt(args, wrt)
    value, _ = tl.value_and_grad(fn, wrt=tuple(idx))(*_copy(args))
    _assert_close("value returned by value_and_grad", value, fn(*_copy(args)))


@pytest.mark.parametrize("fn,args,wrt", NONSCALAR)
def test_vjp_matches_finite_differences(fn, args, wrt):
    idx = _wrt(args, wrt)
    rng = np.random.default_rng(1)
    w = _cotangent_like(fn(*_copy(args)), rng)
    out, pullback = tl.vjp(fn, *_copy(args), wrt=tuple(idx))
    cot = pullback(w)
    expected = _fd_grad(lambda *a: _dot(fn(*a), w), _copy(args), idx)
    assert isinstance(cot, tuple) and len(cot) == len(idx)
    for i, c, e in zip(idx, cot, expected):
        _assert_close(f"vjp wrt argument {i}", c, e)


def _same(a, b):
    if isinstance(a, tuple):
        return isinstance(b, tuple) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return np.shape(a) == np.shape(b) and np.array_equal(np.asarray(a), np.asarray(b))


@pytest.mark.parametrize("fn,args,wrt", ALL)
def test_decorated_call_matches_plain(fn, args, wrt):
    decorated = tl.differentiate(fn)
    assert _same(decorated(*_copy(args)), fn(*_copy(args)))


def test_corpus_size():
    assert len(CORPUS) >= 90
    assert all(len(points) == 3 for _, points, _ in CORPUS)
    assert len({fn.__name__ for fn, _, _ in CORPUS}) == len(CORPUS)
