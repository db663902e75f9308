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


