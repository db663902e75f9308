"""Calls of your own functions that leave out a parameter whose default is not a literal
(breaker 29 #20: ``helper(x)`` of ``def helper(x, w=(1.0, 2.0), act=np.tanh)`` was refused with
"the default value of 'w' in 'helper' is not a literal"): the default is passed as Python binds
it (frontend/lowering/defaults.py) -- data read from ``__defaults__`` when the code runs,
functions by a name bound to them -- in both modes, at second order and in adgen files, and
editing ``__defaults__`` / ``__kwdefaults__`` is followed.  Checked against central finite
differences."""

from __future__ import annotations

import importlib.util
import sys
from typing import Any

import numpy as np
import pytest
from temp_modules import temp_module

import tangent_lite as tl
from tangent_lite import cli
from tangent_lite.errors import UnsupportedConstructError

SOURCE = '''
import functools
import math

import numpy as np


def scale2(t):
    return 2.0 * t


def helper(x, w=(1.0, 2.0), act=np.tanh):
    return w[0] * x + w[1] * act(x)


def dtyped(x, dtype=float):
    return np.sum(np.asarray([x, 2.0 * x], dtype=dtype) ** 2)


def mathy(x, f=math.sin, g=scale2):
    return f(x) * g(x)


def arr(x, w=np.array([2.0, 3.0])):
    return np.sum(w * x ** 2)


def kwonly(x, *, w=np.array([2.0]), act=np.cos):
    return w[0] * act(x)


def lam(x, f=lambda t: t * 3.0):
    return f(x)


class Model:
    def __init__(self):
        self.c = 1.5

    def step(self, x, w=(0.5, 4.0), act=np.sin):
        return self.c * w[1] * act(x) + w[0]


M = Model()
P = functools.partial(helper, w=(0.25, 1.0))


def f_helper(x):
    return helper(x)


def f_dtype(x):
    return dtyped(x)


def f_math(x):
    return mathy(x)


def f_arr(x):
    return arr(x) + arr(x, w=np.array([1.0, 1.0]))


def f_kwonly(x):
    return kwonly(x) + kwonly(x, act=np.sin)


def f_method(x):
    return M.step(x)


def f_nested(x):
    return helper(helper(x), w=(0.5, 0.5))


def f_partial(x):
    return P(x)


def f_lambda(x):
    return lam(x)
'''

NAMES = ["f_helper", "f_dtype", "f_math", "f_arr", "f_kwonly", "f_method", "f_nested", "f_partial"]
X = 0.7


@pytest.fixture()
def mod(tmp_path: Any) -> Any:  # (a fresh module per test: the tests edit its defaults)
    return temp_module(tmp_path, SOURCE, "defaults_mod")


def fd(f: Any, x: float, h: float = 1e-6) -> float:
    return (f(x + h) - f(x - h)) / (2 * h)


def fd2(f: Any, x: float) -> float:
    return fd(lambda t: fd(f, t, 1e-4), x, 1e-4)


@pytest.mark.parametrize("name", NAMES)
def test_both_modes_and_second_order(mod: Any, name: str) -> None:
    f = getattr(mod, name)
    assert tl.grad(f)(X) == pytest.approx(fd(f, X), abs=1e-6)
    value, tangent = tl.jvp(f, (X,), (1.0,))
    assert value == pytest.approx(f(X)) and tangent == pytest.approx(fd(f, X), abs=1e-6)
    assert float(tl.hessian(f)(X)) == pytest.approx(fd2(f, X), abs=1e-4)


def test_new_defaults_are_followed(mod: Any) -> None:
    tl.grad(mod.f_helper)(X)
    mod.helper.__defaults__ = ((3.0, 1.0), np.sin)  # a new tuple: the code is made again
    assert tl.grad(mod.f_helper)(X) == pytest.approx(fd(mod.f_helper, X), abs=1e-6)
    assert tl.jvp(mod.f_helper, (X,), (1.0,))[1] == pytest.approx(fd(mod.f_helper, X), abs=1e-6)
    mod.arr.__defaults__[0][0] = 10.0  # an array default changed in place: read when the code runs
    assert tl.grad(mod.f_arr)(X) == pytest.approx(fd(mod.f_arr, X), abs=1e-6)
    tl.grad(mod.f_kwonly)(X)
    mod.kwonly.__kwdefaults__["act"] = np.tanh
    assert tl.grad(mod.f_kwonly)(X) == pytest.approx(fd(mod.f_kwonly, X), abs=1e-6)
    tl.grad(mod.f_method)(X)
    mod.Model.step.__defaults__ = ((0.5, 4.0), np.cos)
    assert tl.grad(mod.f_method)(X) == pytest.approx(fd(mod.f_method, X), abs=1e-6)


def test_a_lambda_default_is_refused_clearly(mod: Any) -> None:
    with pytest.raises(UnsupportedConstructError) as info:
        tl.grad(mod.f_lambda)(X)
    text = str(info.value)
    assert "the default value of 'f' in 'lam' is a function that no module-level name reaches" in text
    assert "return lam(x)" in text and "pass 'f' explicitly at this call" in text


def _load(path: Any, name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, str(path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", ["f_helper", "f_math", "f_arr", "f_kwonly", "f_method", "f_dtype"])
def test_adgen_files(mod: Any, name: str, tmp_path: Any) -> None:
    f = getattr(mod, name)
    for mode in ("vjp", "jvp", "hessian"):
        out = tmp_path / f"{name}_{mode}.py"
        assert cli.main([f"{mod.__file__}:{name}", "--mode", mode, "-o", str(out)]) == 0
        gen = _load(out, f"{mod.__name__}_{name}_{mode}")
        if mode == "vjp":
            assert getattr(gen, f"{name}_vjp")(X)[1] == pytest.approx(fd(f, X), abs=1e-6)
        elif mode == "jvp":
            assert getattr(gen, f"{name}_jvp")(X, 1.0)[1] == pytest.approx(fd(f, X), abs=1e-6)
        else:
            assert float(getattr(gen, f"{name}_hessian")(X)) == pytest.approx(fd2(f, X), abs=1e-4)


def test_adgen_file_follows_array_defaults_and_refuses_new_functions(mod: Any, tmp_path: Any) -> None:
    for name in ("f_arr", "f_helper"):
        assert cli.main([f"{mod.__file__}:{name}", "-o", str(tmp_path / f"{name}.py")]) == 0
    arr_file = _load(tmp_path / "f_arr.py", f"{mod.__name__}_arr_file")
    helper_file = _load(tmp_path / "f_helper.py", f"{mod.__name__}_helper_file")
    mod = sys.modules[mod.__name__]  # (the module the files import: adgen imported the model again)
    mod.arr.__defaults__[0][1] = -4.0
    assert arr_file.f_arr_vjp(X)[1] == pytest.approx(fd(mod.f_arr, X), abs=1e-6)
    assert arr_file.f_arr_vjp(X)[1] == pytest.approx(0.0, abs=1e-12)  # 2 x (2 - 4) + 2 x (1 + 1)
    mod.helper.__defaults__ = ((1.0, 2.0), np.sin)  # the file calls tanh: it says so
    with pytest.raises(ValueError) as info:
        helper_file.f_helper_vjp(X)
    assert "the ufunc numpy.tanh" in str(info.value) and "write the file again" in str(info.value)


def test_a_default_changed_in_place_is_still_refused_as_such(tmp_path: Any) -> None:
    """(a shared default the helper writes into: the analyses say what it does, as before)"""
    m = temp_module(tmp_path, '''
import numpy as np


def keep(v, buf=np.zeros(2)):
    buf[0] = v
    return 0.0


def f(x):
    t = keep(x * 2.0)
    return x * 3.0 + t
''', "defaults_written")
    for run in (lambda: tl.grad(m.f)(X), lambda: tl.jvp(m.f, (X,), (1.0,))):
        with pytest.raises(tl.TangentLiteError) as info:
            run()
        assert "__defaults__" not in str(info.value), str(info.value)
