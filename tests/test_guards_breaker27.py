"""Breaker round 27: defaults edited in place (F11), monkeypatched library functions (F1), and
helpers rebound by another thread while derivatives are made (F2).  Checked against central
finite differences."""

from __future__ import annotations

import importlib
import sys
import textwrap
import threading

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


_HM = """
    def sq(x):
        return x * x

    def cube(x):
        return x * x * x

    helper = sq

    def f(x):
        return helper(x)
"""


def test_helper_rebound_while_its_derivative_is_made(module, monkeypatch):
    """Deterministic form of the race: the text is made while 'helper' is sq, then (before it is
    bound) 'helper' becomes cube.  The derivative is made again for cube, never bound to a mix."""
    from tangent_lite import api

    m = module("g27_hm_once", _HM)
    real, fired = api.generate, []

    def generate_then_rebind(fn, *args, **kwargs):
        out = real(fn, *args, **kwargs)
        if fn is m.f and not fired:
            fired.append(True)
            m.helper = m.cube  # as another thread would, between generating and binding
        return out

    monkeypatch.setattr(api, "generate", generate_then_rebind)
    assert tl.grad(m.f)(1.5) == pytest.approx(3 * 1.5 ** 2)
    assert fired
    m.helper = m.sq
    assert tl.grad(m.f)(1.5) == pytest.approx(3.0)
    assert tl.jvp(m.f, (1.5,), (1.0,))[1] == pytest.approx(3.0)


def test_helper_rebound_by_another_thread(module):
    m = module("g27_hm_threads", _HM)
    stop = threading.Event()
    errors, bad = [], []

    def toggler():
        i = 0
        while not stop.is_set():
            m.helper = m.cube if i % 2 else m.sq
            i += 1

    def caller():
        for _ in range(60):
            try:
                r = tl.grad(m.f)(1.5)
                t = tl.jvp(m.f, (1.5,), (1.0,))[1]
            except Exception as e:  # noqa: BLE001 - any exception is the failure reported
                errors.append(f"{type(e).__name__}: {e}")
                return
            bad.extend(v for v in (r, t) if not (np.isclose(v, 3.0) or np.isclose(v, 6.75)))

    t = threading.Thread(target=toggler)
    t.start()
    callers = [threading.Thread(target=caller) for _ in range(3)]
    try:
        for c in callers:
            c.start()
        for c in callers:
            c.join()
    finally:
        stop.set()
        t.join()
    assert errors == []
    assert bad == []


_PATCHABLE = """
    import math

    import numpy as np
    import scipy.special as sp

    def h_np(x):
        return np.sin(x) * 2.0

    def h_math(x):
        return math.sin(x) * 2.0

    def h_sp(x):
        return sp.erf(x) * 2.0

    def h_uses_cos_in_rule(x):
        return np.sin(x) * 2.0
"""


def _patch_cases():
    import math

    pytest.importorskip("scipy")
    import scipy.special

    return [("h_np", np, "sin", np.cos), ("h_math", math, "sin", math.cos),
            ("h_sp", scipy.special, "erf", scipy.special.erfc),
            # the user's code is untouched; the derivative rule of np.sin calls np.cos
            ("h_uses_cos_in_rule", np, "cos", np.tan)]


@pytest.mark.parametrize("case", range(4))
def test_monkeypatched_library_function_refused_then_followed_back(module, case):
    name, lib, attr, replacement = _patch_cases()[case]
    m = module(f"g27_patch{case}", _PATCHABLE)
    f = getattr(m, name)
    x = 0.3
    expected = _fd(f, np.array(x))
    assert tl.grad(f)(x) == pytest.approx(float(expected), rel=1e-6)  # made (and cached) unpatched
    original = getattr(lib, attr)
    setattr(lib, attr, replacement)
    refused = []
    try:
        # the function now computes something else: its derivative, or a clear refusal when the
        # derivative code would call the rebound name (np.cos's rule calls np.sin: F1)
        patched_fd = float(_fd(f, np.array(x)))
        patched_fd2 = float(_fd(lambda z: float(_fd(f, np.array(z), 1e-4)), np.array(x), 1e-4))
        for call, want, rel in ((lambda: tl.grad(f)(x), patched_fd, 1e-6),
                                (lambda: tl.jvp(f, (x,), (1.0,))[1], patched_fd, 1e-6),
                                (lambda: tl.grad(tl.grad(f))(x), patched_fd2, 1e-3)):
            try:
                assert call() == pytest.approx(want, rel=rel, abs=1e-6)
            except tl.UnsupportedConstructError as e:
                assert f"{attr}' is not the library's own function" in str(e)
                refused.append(call)
    finally:
        setattr(lib, attr, original)
    if name in ("h_np", "h_math", "h_uses_cos_in_rule"):  # sin's/cos's rules call the rebound name
        assert refused
    assert tl.grad(f)(x) == pytest.approx(float(expected), rel=1e-6)  # patched back: right again
    assert tl.jvp(f, (x,), (1.0,))[1] == pytest.approx(float(expected), rel=1e-6)
    second = _fd(lambda z: tl.grad(f)(float(z)), np.array(x))
    assert tl.grad(tl.grad(f))(x) == pytest.approx(float(second), rel=1e-5)
