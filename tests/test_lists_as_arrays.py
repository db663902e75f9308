"""Python lists and tuples that NumPy reads as arrays (breaker 30 #1, #3, #4, #5): an operand of an
array operator, an argument of a NumPy or SciPy function with rules, a tangent given as a list.
Each case against central finite differences, in tl.grad and tl.jvp (a few in tl.hessian)."""

from __future__ import annotations

import importlib.util
import os
import tempfile

import numpy as np
import pytest
import scipy.special as sp

import tangent_lite as tl

X = np.array([0.3, -0.5, 0.8])
W = np.array([1.0, 2.0, 3.0])
A = np.array([[2.0, 0.5, 0.1], [0.3, 3.0, 0.2], [0.1, 0.4, 1.5]])


# the list, built as each form the function can build it from x
BUILDS = {
    "literal": "L = [x[0], x[1], x[2]]",
    "tuple": "L = (x[0], x[1], x[2])",
    "list_call": "L = list(x * 1.5)",
    "comprehension": "L = [v * 1.0 for v in x]",
    "concatenated": "L = [x[0], x[1]] + [x[2]]",
}

# what meets NumPy: (name, the returned expression of L and x)
USES = {
    "op_mul": "np.sum(x * L)",
    "op_rmul": "np.sum(L * np.sin(x))",
    "op_add": "np.sum((L + x) ** 2)",
    "op_sub": "np.sum((x - L) ** 2 + np.cos(L - 2.0 * x))",
    "op_div": "np.sum(L / (x + 2.0))",
    "op_pow": "np.sum((x + 2.0) ** L)",
    "op_matmul": "(x @ L) * 1.5",
    "np_add": "np.sum(np.add(L, x) ** 2)",
    "np_multiply": "np.sum(np.multiply(L, x))",
    "np_subtract": "np.sum(np.subtract(L, W) ** 2)",
    "np_divide": "np.sum(np.divide(W, np.add(L, 2.0)))",
    "np_power": "np.sum(np.power(np.add(L, 2.0), 1.5))",
    "np_maximum": "np.sum(np.maximum(L, 0.0) * W)",
    "np_minimum": "np.sum(np.minimum(L, 0.0) * W)",
    "np_clip": "np.sum(np.clip(L, -0.4, 0.5) * W)",
    "np_where": "np.sum(np.where(W > 1.5, L, 0.0) * W)",
    "np_dot": "np.dot(L, W) + np.dot(L, x)",
    "np_matmul": "np.matmul(L, x)",
    "np_einsum": "np.einsum('i,i->', L, x)",
    "np_square": "np.sum(np.square(L))",
    "np_solve": "np.sum(np.linalg.solve(A, L) ** 2)",
    "np_hypot": "np.sum(np.hypot(L, W))",
    "sp_logsumexp": "sp.logsumexp(L)",
    "sp_softmax": "np.sum(sp.softmax(L) * W)",
    "st_norm_logpdf": "np.sum(st.norm.logpdf(L))",
}

_HEAD = """import numpy as np
import scipy.special as sp
import scipy.stats as st
W = np.array([1.0, 2.0, 3.0])
A = np.array([[2.0, 0.5, 0.1], [0.3, 3.0, 0.2], [0.1, 0.4, 1.5]])
"""
_DIR = tempfile.mkdtemp(prefix="tl_lists_as_arrays_")
with open(os.path.join(_DIR, "lists_grid_model.py"), "w") as _fh:
    _fh.write(_HEAD + "".join(f"\n\ndef {b}__{u}(x):\n    {BUILDS[b]}\n    return {USES[u]}\n"
                              for b in BUILDS for u in USES))
_spec = importlib.util.spec_from_file_location("lists_grid_model", os.path.join(_DIR, "lists_grid_model.py"))
GRID = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(GRID)


def _fd(f, x, eps=1e-6):
    out = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = eps
        out[i] = (f(x + e) - f(x - e)) / (2 * eps)
    return out


@pytest.mark.parametrize("use", sorted(USES), ids=str)
@pytest.mark.parametrize("build", sorted(BUILDS), ids=str)
def test_grid_grad_and_jvp(build, use):
    f = getattr(GRID, f"{build}__{use}")
    want = _fd(f, X)
    np.testing.assert_allclose(tl.grad(f)(X), want, rtol=1e-5, atol=1e-7)
    for i in range(3):
        e = np.eye(3)[i]
        _, t = tl.jvp(f, (X,), (e,))
        np.testing.assert_allclose(t, want[i], rtol=1e-5, atol=1e-7)


def lit_times(x):
    return np.sum([x[0], x[1], x[2]] * x)


def list_plus_array(x):
    return np.sum((list(x) + x) ** 2)


def const_matmul(x):
    return x @ [1.0, 2.0, 3.0]


def const_pow(x):
    return np.sum((x + 2.0) ** [1.0, 2.0, 3.0])


def const_maximum(x):
    return np.sum(np.maximum(x, [0.0, 0.0, 0.0]) * W)


def losses_dot(x):
    losses = [np.sum(x ** 2), np.sum(np.sin(x))]
    return np.dot(losses, [0.3, 0.7])


def arrays_add(x):
    return np.sum(np.add([x, x * 2.0], 1.0) ** 2)


def inline_logsumexp(x):
    return sp.logsumexp([v * 2.0 for v in x])


def repeat_stays(x):
    L = [x[0], x[1]]
    n = len(L)
    M = L * n + L * 2 + [x[2]]
    return np.sum(np.array(M) ** 2)


def concat_stays(x):
    return np.sum(np.array(list(x) + list(x * 2.0)) ** 2)


WRITTEN = [lit_times, list_plus_array, const_matmul, const_pow, const_maximum, losses_dot, arrays_add,
           inline_logsumexp, repeat_stays, concat_stays]


@pytest.mark.parametrize("f", WRITTEN, ids=lambda f: f.__name__)
def test_written_forms(f):
    want = _fd(f, X)
    np.testing.assert_allclose(tl.grad(f)(X), want, rtol=1e-5, atol=1e-7)
    _, t = tl.jvp(f, (X,), (np.array([0.2, -1.0, 0.5]),))
    np.testing.assert_allclose(t, want @ np.array([0.2, -1.0, 0.5]), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("f", [lit_times, list_plus_array, const_pow, losses_dot], ids=lambda f: f.__name__)
def test_hessian(f):
    h = tl.hessian(f)(X)
    want = np.array([_fd(lambda z, i=i: _fd(f, z, 1e-4)[i], X, 1e-4) for i in range(3)])
    np.testing.assert_allclose(h, want, rtol=1e-4, atol=1e-5)


def int_var_times(x, n):
    L = [x[0], x[1]]
    return np.sum(np.array(L * n) * np.array([1.0, 2.0] * n))


def var_times_list(x, y):
    L = [x[0], x[1], x[2]]
    return np.sum(y * L + L * y)


def test_list_times_a_variable():
    """L * n repeats L for an integer n and multiplies entrywise for an array: decided when the code runs."""
    for n in (1, 3):
        f = lambda z, n=n: int_var_times(z, n)  # noqa: E731
        want = _fd(f, X)
        np.testing.assert_allclose(tl.grad(int_var_times)(X, n), want, rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(tl.jvp(int_var_times, (X, n), (W,))[1], want @ W, rtol=1e-5, atol=1e-7)
    y = np.array([0.7, 1.3, -0.4])
    for argnum, at in ((0, X), (1, y)):
        f = (lambda z: var_times_list(z, y)) if argnum == 0 else (lambda z: var_times_list(X, z))
        want = _fd(f, at)
        np.testing.assert_allclose(tl.grad(var_times_list, wrt=argnum)(X, y), want, rtol=1e-5, atol=1e-7)
    _, t = tl.jvp(var_times_list, (X, y), (W, W))
    np.testing.assert_allclose(t, _fd(lambda z: var_times_list(X + z[0] * W, y + z[0] * W), np.zeros(1))[0],
                               rtol=1e-5, atol=1e-7)


def sq(z):
    return np.sum(z ** 2)


def test_list_tangents():
    _, t = tl.jvp(sq, (X,), ([1.0, 0.0, 0.0],))
    assert np.isclose(t, 2 * X[0])
    np.testing.assert_allclose(tl.hvp(sq, X, [1.0, 0.0, 0.0]), [2.0, 0.0, 0.0])
    _, t = tl.jvp(sq, (X,), ([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]],), batched=True)
    np.testing.assert_allclose(t, [2 * X[0], 2 * X[1]])
    with pytest.raises(tl.errors.ArgumentError):
        tl.jvp(sq, (X,), ([1.0, 0.0],))


def make(x):
    return [x[0], x[1] * 2.0, x[2] * 2.0]


def helper_logsumexp(x):
    return sp.logsumexp(make(x))


def helper_multiply(x):
    return np.sum(np.multiply(make(x), x))


def sp_list_argument(L):
    return sp.logsumexp(L)


@pytest.mark.parametrize("f", [helper_logsumexp, helper_multiply, sp_list_argument], ids=lambda f: f.__name__)
def test_helper_result_and_scipy_argument(f):
    want = _fd(f, X)
    np.testing.assert_allclose(tl.grad(f)(X), want, rtol=1e-5, atol=1e-7)
    _, t = tl.jvp(f, (X,), (np.array([0.2, -1.0, 0.5]),))
    np.testing.assert_allclose(t, want @ np.array([0.2, -1.0, 0.5]), rtol=1e-5, atol=1e-7)
    if f is sp_list_argument:
        np.testing.assert_allclose(tl.grad(f)(list(X)), want, rtol=1e-5, atol=1e-7)


def np_list_argument(L):
    return np.sum(np.multiply(L, W))


def np_list_argument_square(L):
    return np.sum(np.square(L))


@pytest.mark.parametrize("f", [np_list_argument, np_list_argument_square], ids=lambda f: f.__name__)
def test_numpy_list_argument_refused(f):
    """A list from outside the function passed to np.multiply: refused when the code runs, naming
    the call and the fix (it crashed inside the generated code); an array argument is right."""
    for run in (lambda: tl.grad(f)([0.3, -0.5, 0.8]), lambda: tl.jvp(f, ([0.3, -0.5, 0.8],), ([1.0, 0.0, 0.0],))):
        with pytest.raises(tl.errors.UnsupportedConstructError, match="np.array\\(L\\)"):
            run()
    np.testing.assert_allclose(tl.grad(f)(X), _fd(f, X), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("f", [lit_times, list_plus_array, const_maximum, inline_logsumexp, losses_dot],
                         ids=lambda f: f.__name__)
def test_batched_jvp(f):
    V = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.2, 0.3, 0.4]])
    _, t = tl.jvp(f, (X,), (V,), batched=True)
    np.testing.assert_allclose(t, V @ _fd(f, X), rtol=1e-5, atol=1e-7)


def repeated_then_added(x, n):
    M = [x[0], x[1] * 2.0, x[2]] * n
    return np.sum(np.add(M, np.tile(x, n)) ** 2) + np.sum((M + np.tile(x, n)) * 0.5)


@pytest.mark.parametrize("n", [1, 2])
def test_repeated_list_meets_numpy(n):
    f = lambda z: repeated_then_added(z, n)  # noqa: E731
    want = _fd(f, X)
    np.testing.assert_allclose(tl.grad(repeated_then_added)(X, n), want, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(tl.jvp(repeated_then_added, (X, n), (W,))[1], want @ W, rtol=1e-5, atol=1e-7)
