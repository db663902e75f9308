"""``sorted`` is written out as a loop (frontend/lowering/functional.py) with or without a key
(breaker 29 #21: ``sorted(L)`` was refused while ``sorted(L, key=lambda t: t)`` worked), in an
order ``_tl.sorted_positions`` finds with Python's own comparisons: tuple keys (an internal
TypeError from ``np.argsort`` before), a dict's keys (``sorted(d)``), generators; and in a
module that does not import NumPy (breaker 29 #14: "name 'np' is not defined" pointing at the
def line).  Checked against central finite differences in both modes, second order and in an
adgen file."""

from __future__ import annotations

import importlib.util
import sys
from typing import Any

import numpy as np
import pytest
from temp_modules import temp_module

import tangent_lite as tl
from tangent_lite import cli

SOURCE = '''
import tangent_lite as tl


def no_key(a, b, c):
    return sorted([a, b, c])[1] * 3.0


def key_none(a, b, c):
    return sorted((a * b + 0.25, b, c), key=None)[0] * sorted([c, a])[1]


def reverse_no_key(a, b, c):
    return sorted([a, b * b, c], reverse=True)[0] * 3.0 + sorted([a, b, c], reverse=False)[0]


def with_key(a, b, c):
    return sorted([a, b, c], key=lambda t: -t)[1] * 3.0 + sorted([a, c], key=lambda t: t * t, reverse=True)[0]


def tuple_key(a, b, c):
    pairs = [(1.0, a), (0.0, b), (1.0, c * 0.1)]
    return sorted(pairs, key=lambda t: (t[0], t[1]))[1][1] * 3.0 + sorted(pairs)[2][1]


def dict_keys(a, b, c):
    d = {"z": a, "y": b * 2.0, "x": c}
    s = 0.0
    for i, k in enumerate(sorted(d)):
        s = s + d[k] * (i + 1.0)
    return s


def generator(a, b, c):
    L = sorted(v * v for v in (a, b, c))
    return L[0] + L[2] * L[1]


def ties_are_stable(a, b, c):
    L = sorted([(1, a), (0, b), (1, c)], key=lambda t: t[0])
    return L[1][1] * 2.0 + L[2][1] * 5.0
'''

NAMES = ["no_key", "key_none", "reverse_no_key", "with_key", "tuple_key", "dict_keys", "generator",
         "ties_are_stable"]
POINTS = [(1.0, 2.0, 3.0), (2.5, -1.0, 0.5), (0.3, 0.7, -2.0)]


@pytest.fixture(scope="module")
def mod(tmp_path_factory: Any) -> Any:
    m = temp_module(tmp_path_factory.mktemp("sorted"), SOURCE, "sorted_no_numpy")
    assert "np" not in vars(m) and "numpy" not in vars(m)
    return m


def fd(f: Any, p: tuple, i: int, h: float = 1e-6) -> float:
    up = [v + h * (k == i) for k, v in enumerate(p)]
    down = [v - h * (k == i) for k, v in enumerate(p)]
    return (f(*up) - f(*down)) / (2 * h)


def fd2(f: Any, p: tuple, i: int, j: int, h: float = 1e-4) -> float:
    def g(*q: float) -> float:
        return fd(f, q, j, h)
    return fd(g, p, i, h)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("p", POINTS)
def test_both_modes_agree_with_finite_differences(mod: Any, name: str, p: tuple) -> None:
    f = getattr(mod, name)
    expected = [fd(f, p, i) for i in range(3)]
    np.testing.assert_allclose(tl.grad(f, wrt=(0, 1, 2))(*p), expected, atol=1e-6)
    for i in range(3):
        seed = tuple(float(k == i) for k in range(3))
        value, tangent = tl.jvp(f, p, seed)
        assert value == f(*p)
        assert tangent == pytest.approx(expected[i], abs=1e-6)


@pytest.mark.parametrize("name", NAMES)
def test_second_order(mod: Any, name: str) -> None:
    f, p = getattr(mod, name), POINTS[1]
    for i in range(3):
        h = tl.hessian(f, wrt=i)(*p)
        assert float(h) == pytest.approx(fd2(f, p, i, i), abs=1e-4)


def test_adgen_file_without_numpy_in_the_model(mod: Any, tmp_path: Any) -> None:
    out = tmp_path / "sorted_grad.py"
    for name in ("no_key", "tuple_key", "with_key"):
        assert cli.main([f"{mod.__file__}:{name}", "--mode", "vjp", "--wrt", "a,b,c", "-o", str(out)]) == 0
        spec = importlib.util.spec_from_file_location(f"sorted_grad_{name}", str(out))
        gen = importlib.util.module_from_spec(spec)
        sys.path.insert(0, str(tmp_path.parent))
        try:
            spec.loader.exec_module(gen)
        finally:
            sys.path.remove(str(tmp_path.parent))
        f = getattr(mod, name)
        value, grads = getattr(gen, f"{name}_vjp")(*POINTS[0])
        assert value == f(*POINTS[0])
        np.testing.assert_allclose(grads, [fd(f, POINTS[0], i) for i in range(3)], atol=1e-6)
