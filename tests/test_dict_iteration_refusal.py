"""Iterating a dict by ``d.items()`` / ``d.values()`` gets the documented refusal
(docs/limitations.md, "iterating a dict": iterate ``for k in list(d):`` and read ``d[k]``), in
both modes and at second order, for a dict argument, a dict a helper is passed and a dict
built in the function; it used to get the generic "use the NumPy function form (np.f(x, ...))"
(breaker 29 #18).  ``for k in list(d)`` and ``d.keys()`` work."""

from __future__ import annotations

from typing import Callable

import pytest

import tangent_lite as tl
from tangent_lite.errors import UnsupportedConstructError

D = {"a": 0.3, "b": 0.5}


def items_loop(d):
    t = 0.0
    for _k, v in d.items():
        t = t + v ** 2
    return t


def values_generator(d):
    return sum(v ** 2 for v in d.values())


def items_comprehension(d):
    return sum([v * 2.0 for _, v in d.items()])


def _helper(d):
    return sum(v for v in d.values())


def via_helper(d):
    return _helper(d) * 2.0


def built_here(d):
    e = {"a": d["a"] * 2.0, "b": d["b"]}
    t = 0.0
    for v in e.values():
        t = t + v
    return t


def by_keys(d):
    t = 0.0
    for k in list(d):
        t = t + d[k] ** 2
    for k in d.keys():
        t = t + d[k]
    return t


REFUSED = {items_loop: "items", values_generator: "values", items_comprehension: "items", via_helper: "values",
           built_here: "values"}
RUNS: dict = {
    "grad": lambda f: tl.grad(f)(D),
    "jvp": lambda f: tl.jvp(f, (D,), ({"a": 1.0, "b": 0.0},)),
    "hvp": lambda f: tl.hvp(f, (D,), ({"a": 1.0, "b": 0.0},)),
}


@pytest.mark.parametrize("run", sorted(RUNS))
@pytest.mark.parametrize("f", list(REFUSED), ids=lambda f: f.__name__)
def test_the_documented_refusal(f: Callable, run: str) -> None:
    with pytest.raises(UnsupportedConstructError) as info:
        RUNS[run](f)
    text = str(info.value)
    method = REFUSED[f]
    name = "e" if f is built_here else "d"
    assert f"iterating the dict '{name}' ('{name}.{method}()') is not supported yet" in text, text
    assert f"for k in list({name}):" in text and f"{name}[k]" in text, text
    assert "NumPy function form" not in text, text
    line = f"{name}.{method}()"
    assert line in text.split("\n")[1], text  # the line of the user's code is shown


def test_keys_work_in_both_modes() -> None:
    assert tl.grad(by_keys)(D) == pytest.approx({"a": 1.6, "b": 2.0})
    assert tl.jvp(by_keys, (D,), ({"a": 1.0, "b": 0.0},))[1] == pytest.approx(1.6)




# ``for k in d`` over a dict the function builds itself (not an argument): the loop iterated the
# dict by index, reading values (or a KeyError from deep inside) where Python reads keys, so
# {0: 2x, 1: 3x} gave the derivative of 2x*x + 3x*x (5.0 at 0.5) for that of 0*x + 1*x (1.0).


def int_keys_loop(x):
    d = {0: 2.0 * x, 1: 3.0 * x}
    s = 0.0
    for k in d:
        s = s + k * x
    return s


def dict_call_generator(x):
    d = dict(a=x, b=2.0 * x)
    return sum(d[k] for k in d)


def merged_loop(x):
    d = {"a": x} | {"b": 2.0 * x}
    s = 0.0
    for i, k in enumerate(d):
        s = s + i * d[k]
    return s


LOCAL_RUNS: dict = {
    "grad": lambda f: tl.grad(f)(0.5),
    "jvp": lambda f: tl.jvp(f, (0.5,), (1.0,)),
    "hessian": lambda f: tl.hessian(f)(0.5),
}


@pytest.mark.parametrize("run", sorted(LOCAL_RUNS))
@pytest.mark.parametrize("f", [int_keys_loop, dict_call_generator, merged_loop], ids=lambda f: f.__name__)
def test_iterating_a_local_dict_is_refused(f: Callable, run: str) -> None:
    with pytest.raises(ValueError, match=r"iterating the dict 'd' \('for k in d'\) is not supported yet") as info:
        LOCAL_RUNS[run](f)
    assert "for k in list(d):" in str(info.value)


def over_keys(x):
    d = {"a": 2.0 * x, "b": 3.0 * x}
    s = 0.0
    for k in list(d):
        s = s + d[k] ** 2
    return s


def test_the_keys_of_a_local_dict_still_work() -> None:
    assert tl.grad(over_keys)(0.5) == pytest.approx(13.0)  # d/dx of (2x)^2 + (3x)^2 = 26x
    assert tl.jvp(over_keys, (0.5,), (1.0,))[1] == pytest.approx(13.0)
