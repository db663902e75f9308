"""Calls whose result may be their argument itself, or a view of it.

An in-place change of ``a`` after ``b = f(a)`` changes ``b`` too when ``f`` returns ``a`` or a view
of it (``a.conj()`` of a real array is ``a``; ``np.real_if_close(a)`` too;
``np.linalg.matrix_transpose(a)`` is a view).  Which NumPy functions and methods do that is found
here by calling them, not taken from tangent_lite's tables; each one that tangent_lite
differentiates must give the right derivative after ``a += x`` or be refused, never a derivative
that misses the shared change.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from temp_modules import temp_module

import tangent_lite as tl
from tangent_lite.errors import NoRuleError, TangentLiteError
from tangent_lite.rules.registry import REGISTRY

_SHAPES = ((3,), (1, 3), (3, 1), (1, 1, 3))


def _probe_array(shape):
    return np.arange(1.0, 1.0 + int(np.prod(shape))).reshape(shape)


def _shares_with_argument(fn):
    """Does ``fn(a)`` return ``a`` or a view of it (or a list of them) for some real array ``a``?"""
    for shape in _SHAPES:
        a = _probe_array(shape)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out = fn(a)
        except Exception:
            continue
        for item in out if isinstance(out, (list, tuple)) else (out,):
            if isinstance(item, np.ndarray) and np.shares_memory(item, a):
                return True
    return False


def _differentiated_sharing_functions():
    found = []
    for module, prefix in ((np, "np"), (np.linalg, "np.linalg"), (np.fft, "np.fft")):
        for name in sorted(dir(module)):
            if name.startswith("_"):
                continue
            fn = getattr(module, name)
            if not callable(fn) or isinstance(fn, type):
                continue
            try:
                registered = fn in REGISTRY
            except TypeError:
                continue
            if registered and _shares_with_argument(fn):
                found.append((f"{prefix}.{name}", name))
    return found


_SHARING = _differentiated_sharing_functions()
_METHODS = [m for m in ("conj", "conjugate", "copy", "ravel", "flatten", "squeeze", "transpose", "view",
                        "round", "clip", "sum", "max", "astype") if _shares_with_argument(
    lambda a, m=m: getattr(a, m)(*((float,) if m == "astype" else ())))]


def test_the_probe_finds_the_known_cases():
    names = {qual for qual, _ in _SHARING}
    assert {"np.transpose", "np.real_if_close", "np.squeeze"} <= names
    assert "conj" in _METHODS and "ravel" in _METHODS and "copy" not in _METHODS


def _check(tmp_path, make_b, rank):
    shape = {1: "(3,)", 2: "(1, 3)", 3: "(1, 1, 3)"}[rank]
    src = f"""
import numpy as np

def f(x):
    a = np.reshape(x * 1.0, {shape})
    b = {make_b}
    a += np.reshape(x, {shape})
    return np.sum(np.asarray(b) * 2.0) + np.sum(a)
"""
    f = temp_module(tmp_path, src, "returned_args").f
    x = np.array([1.5, -0.7, 2.0])
    eps = 1e-6
    fd = np.array([(f(x + eps * e) - f(x - eps * e)) / (2 * eps) for e in np.eye(3)])
    v = np.array([0.3, 1.1, -0.4])
    for mode in ("grad", "jvp"):
        try:
            if mode == "grad":
                got = tl.grad(f)(x.copy())
                np.testing.assert_allclose(got, fd, rtol=1e-6, atol=1e-8)
            else:
                got = tl.jvp(f, (x.copy(),), (v.copy(),))[1]
                np.testing.assert_allclose(got, fd @ v, rtol=1e-6, atol=1e-8)
        except NoRuleError:  # (not differentiated at all: fine, nothing is wrong)
            pass
        except TangentLiteError as e:  # refused: for the shared change, naming what shares it
            assert "in place" in str(e) and "'b'" in str(e), str(e)


@pytest.mark.parametrize("qual,name", _SHARING, ids=[q for q, _ in _SHARING])
@pytest.mark.parametrize("rank", [1, 2, 3])
def test_function_returning_its_argument_then_in_place_change(tmp_path, qual, name, rank):
    fn = eval(qual, {"np": np})
    a = _probe_array({1: (3,), 2: (1, 3), 3: (1, 1, 3)}[rank])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = fn(a)
    except Exception:
        pytest.skip(f"{qual} does not take a rank-{rank} array alone")
    pick = "[0]" if isinstance(out, (list, tuple)) else ""
    _check(tmp_path, f"{qual}(a){pick}", rank)


@pytest.mark.parametrize("method", _METHODS)
@pytest.mark.parametrize("rank", [1, 2])
def test_method_returning_its_receiver_then_in_place_change(tmp_path, method, rank):
    _check(tmp_path, f"a.{method}()", rank)


@pytest.mark.parametrize("make_b", ["np.conj(a)", "np.conjugate(a)", "a * 1.0", "np.copy(a)", "a.copy()"])
def test_new_arrays_are_not_refused(tmp_path, make_b):
    src = f"""
import numpy as np

def f(x):
    a = x * 1.0
    b = {make_b}
    a += x
    return np.sum(b * 2.0) + np.sum(a)
"""
    f = temp_module(tmp_path, src, "returned_args_new").f
    x = np.array([1.5, -0.7, 2.0])
    np.testing.assert_allclose(tl.grad(f)(x), np.full(3, 4.0))
    np.testing.assert_allclose(tl.jvp(f, (x,), (np.ones(3),))[1], 12.0)


def test_conj_method_of_real_array_follows_the_change(tmp_path):
    src = """
import numpy as np

def f(x):
    a = x * 1.0
    b = a.conj()
    return np.sum(b * x)
"""
    f = temp_module(tmp_path, src, "returned_args_conj").f
    x = np.array([1.5, -0.7, 2.0])
    np.testing.assert_allclose(tl.grad(f)(x), 2 * x)
    np.testing.assert_allclose(tl.grad(lambda z: tl.grad(f)(z)[0])(x), [2.0, 0.0, 0.0])


@pytest.mark.parametrize("make_b", ["np.diff(a, n=0)", "np.linalg.matrix_power(np.reshape(a, (1, 1)), 1)",
                                    "operator.iadd(a, 0.0)", "operator.imul(a, 1.0)"])
def test_calls_returning_their_argument_itself(tmp_path, make_b):
    src = f"""
import operator
import numpy as np

def f(x):
    a = x * 1.0
    b = {make_b}
    b += x
    return np.sum(a * x)
"""
    f = temp_module(tmp_path, src, "returned_args_itself").f
    x = np.array([1.5])
    expected = (f(x + 1e-6) - f(x - 1e-6)) / 2e-6
    for run in (lambda: tl.grad(f)(x.copy()), lambda: tl.jvp(f, (x.copy(),), (np.ones(1),))[1]):
        try:
            np.testing.assert_allclose(np.ravel(run()), np.ravel(expected), rtol=1e-6)
        except TangentLiteError as e:
            assert "in place" in str(e), str(e)


RESHAPED_AFTER_WRITE = {
    "reshape_method": "v = v.reshape(1, 4)",
    "np_reshape": "v = np.reshape(v, (2, 2))",
    "np_ravel": "v = np.ravel(v)",
    "transpose": "v = np.transpose(v)",
    "squeeze": "v = np.squeeze(v)",
    "swapaxes": "v = np.swapaxes(v, 0, 1)",
}


@pytest.mark.parametrize("rebind", sorted(RESHAPED_AFTER_WRITE))
def test_array_written_in_place_then_rebound_to_a_view_of_itself(tmp_path, rebind):
    """np.reshape(v, ...) was read as a view of the module 'np' (not of v), so v counted as memory
    outside the function and its old value was not restored for the reverse sweep (breaker 22 W8)."""
    src = f"""
import numpy as np

W = np.arange(1.0, 5.0)

def f(x):
    v = np.zeros((4, 1))
    v[:, 0] = x
    {RESHAPED_AFTER_WRITE[rebind]}
    return np.sum(v ** 2 * np.reshape(W, np.shape(v)))
"""
    f = temp_module(tmp_path, src, "reshaped_after_write").f
    x = np.array([0.3, -0.7, 1.1, 0.4])
    expected = np.array([(f(x + 1e-6 * e) - f(x - 1e-6 * e)) / 2e-6 for e in np.eye(4)])
    np.testing.assert_allclose(tl.grad(f)(x.copy()), expected, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(tl.hessian(f)(x.copy()), np.diag(2 * np.arange(1.0, 5.0)), rtol=1e-6, atol=1e-8)
