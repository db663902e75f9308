"""Breaker round 27: defaults edited in place (F11), monkeypatched library functions (F1), and
helpers rebound by another thread while derivatives are made (F2).  Checked against central
finite differences."""

from __future__ import annotations

import importlib
import sys
import textwrap

import numpy as np
import pytest

import tangent_lite as tl


def _fd(f, x, eps=1e-6):
    x = np.asarray(x, dtype=float)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = eps
        g[i] = (f(x + e) - f(x - e)) / (2 * eps)
    return g


@pytest.fixture
def module(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    made = []

    def make(name, text):
        (tmp_path / f"{name}.py").write_text(textwrap.dedent(text))
        made.append(name)
        return importlib.import_module(name)

    yield make
    for name in made:
        sys.modules.pop(name, None)


def _check_all_modes(f, x):
    expected = _fd(f, x)
    np.testing.assert_allclose(tl.grad(f)(x), expected, rtol=1e-6, atol=1e-8)
    v = np.linspace(0.5, 1.5, x.size).reshape(x.shape)
    np.testing.assert_allclose(tl.jvp(f, (x,), (v,))[1], np.sum(expected * v), rtol=1e-6, atol=1e-8)
    hess_fd = _fd(lambda z: tl.grad(f)(z) @ v, x)
    np.testing.assert_allclose(tl.hvp(f, x, v), hess_fd, rtol=1e-5, atol=1e-6)


def test_kwdefault_of_differentiated_function_edited_in_place(module):
    m = module("g27_kwd", """
        import numpy as np

        def f(x, *, p=3.0):
            return p * np.sum(x ** 3)
    """)
    x = np.array([1.0, 2.0])
    _check_all_modes(m.f, x)
    m.f.__kwdefaults__["p"] = 5.0
    assert m.f(x) == 45.0
    _check_all_modes(m.f, x)
    m.f.__kwdefaults__ = {"p": 7.0}  # replacing the dict
    _check_all_modes(m.f, x)
    np.testing.assert_allclose(tl.grad(m.f)(x), 21.0 * x ** 2)


def test_kwdefault_of_helper_edited_in_place(module):
    m = module("g27_helper", """
        import numpy as np

        def helper(x, s=2.0, *, p=3.0):
            return s * p * x ** 3

        def f(x):
            return np.sum(helper(x))
    """)
    x = np.array([1.0, -0.5])
    _check_all_modes(m.f, x)
    m.helper.__kwdefaults__["p"] = 1.0
    _check_all_modes(m.f, x)
    np.testing.assert_allclose(tl.grad(m.f)(x), 6.0 * x ** 2)
    m.helper.__defaults__ = (5.0,)
    _check_all_modes(m.f, x)
    np.testing.assert_allclose(tl.grad(m.f)(x), 15.0 * x ** 2)
    m.helper.__kwdefaults__["p"] = 3.0  # back to the first value
    np.testing.assert_allclose(tl.grad(m.f)(x), 45.0 * x ** 2)


def test_mutable_defaults_of_differentiated_function_edited_in_place(module):
    m = module("g27_mut", """
        import numpy as np

        def f(x, w=[1.0, 2.0], *, d={"s": 3.0}):
            return w[1] * d["s"] * np.sum(x ** 3)
    """)
    x = np.array([1.0, 2.0])
    _check_all_modes(m.f, x)
    m.f.__defaults__[0][1] = 5.0
    m.f.__kwdefaults__["d"]["s"] = 2.0
    _check_all_modes(m.f, x)
    np.testing.assert_allclose(tl.grad(m.f)(x), 30.0 * x ** 2)
