"""Every inspection tool (tl.trace in both modes and adgen --emit trace, tl.explain, tl.graph,
tl.memory_report, tl.source, tl.wengert) on every construct the compiler accepts: try/except/
else/finally, with, while/else, for/else, break/continue, early return, match, comprehensions,
lambdas, nested defs.  The traces' derivatives are checked against central finite differences."""

from __future__ import annotations

import sys
from typing import Any

import pytest
from temp_modules import temp_module

import tangent_lite as tl
from tangent_lite.inspect.trace import trace_cli

SOURCE = '''
import math
import numpy as np


def f_try(x):
    try:
        v = math.log(x)
    except ValueError:
        v = x
    return v * 2.0


def f_try_finally(x):
    try:
        v = np.sin(x)
    except (ValueError, TypeError):
        v = x * 3.0
    else:
        v = v * 2.0
    finally:
        w = 1.5
    return v * w


def f_with(x):
    with np.errstate(divide="ignore"):
        y = np.sin(x) * x
    return y + 1.0


def f_while_else(x):
    i = 0
    while i < 3:
        x = x * 1.1
        i += 1
    else:
        x = x + 1.0
    return x


def f_for_else(x):
    for i in range(3):
        x = np.sin(x)
    else:
        x = x * 2.0
    return x


def f_comp(x):
    L = [x * i for i in range(3)]
    s = sum(v ** 2 for v in L)
    t = [v for v in L if v is not None]
    return s + t[1]


def f_nested(x):
    def g(t):
        return np.tanh(t) * x
    return g(x) + g(2.0 * x)


def f_break(x):
    for i in range(5):
        if i == 3:
            break
        if i == 1:
            continue
        x = x * np.cos(x)
    return x


def f_early(x):
    if x > 0.2:
        return np.exp(x)
    return x


def f_lambda(x):
    sq = lambda t: t * t  # noqa: E731
    L = list(map(sq, [x, 2.0 * x]))
    return sorted(L, key=lambda t: -t)[0] + max(L)


def f_with_in_loop(x):
    i = 0
    while i < 2:
        with np.errstate(all="ignore"):
            x = np.log(x + 1.0)
        i += 1
    return x
'''

MATCH_SOURCE = '''
import numpy as np


def f_match(x):
    k = 2
    match k:
        case 1:
            y = x * 2.0
        case 2:
            y = np.cos(x) * x
        case _:
            y = x
    return y
'''

NAMES = [name for name in SOURCE.split() if name.startswith("f_") and name.endswith("(x):")]
NAMES = [name[:-4] for name in NAMES]
X = 0.5


@pytest.fixture(scope="module")
def mod(tmp_path_factory: Any) -> Any:
    m = temp_module(tmp_path_factory.mktemp("constructs"), SOURCE, "inspect_constructs")
    if sys.version_info >= (3, 10):
        m.f_match = temp_module(tmp_path_factory.mktemp("constructs"), MATCH_SOURCE, "inspect_match").f_match
    return m


def all_names() -> list:
    return NAMES + (["f_match"] if sys.version_info >= (3, 10) else [])


def fd(f: Any, x: float, h: float = 1e-6) -> float:
    return (f(x + h) - f(x - h)) / (2 * h)


def test_the_constructs_are_all_here() -> None:
    assert len(NAMES) >= 10 and "f_try" in NAMES and "f_with" in NAMES and "f_nested" in NAMES


@pytest.mark.parametrize("name", all_names())
def test_trace_both_modes_agree_with_finite_differences(mod: Any, name: str) -> None:
    f = getattr(mod, name)
    expected = fd(f, X)
    forward = tl.trace(f, X, mode="jvp")
    assert abs(float(forward.result[1]) - expected) < 1e-6, str(forward)
    assert float(forward.result[0]) == f(X)
    reverse = tl.trace(f, X, mode="vjp")
    inputs = [r for r in reverse.rows if r.statement == "(input)"]
    assert abs(float(reverse.result[1]) - expected) < 1e-6, str(reverse)
    assert len(inputs) == 1 and float(inputs[0].derivative) == float(reverse.result[1]), str(reverse)


@pytest.mark.parametrize("name", all_names())
def test_adgen_emit_trace(mod: Any, name: str) -> None:
    f = getattr(mod, name)
    for mode in ("vjp", "jvp"):
        text = trace_cli(f, [repr(X)], mode=mode)
        assert "trace of " + name in text


@pytest.mark.parametrize("name", all_names())
def test_explain_graph_memory_source(mod: Any, name: str) -> None:
    f = getattr(mod, name)
    assert "x" in str(tl.explain(f))
    for mode in ("forward", "reverse"):
        assert tl.graph(f, mode=mode).dot().startswith("digraph")
    report = tl.memory_report(f, X)
    assert str(report)
    for mode in ("vjp", "jvp", "hvp"):
        assert "def " in tl.source(f, mode=mode)
    assert "return" in str(tl.wengert(f))


def test_trace_of_try_follows_the_path_taken(mod: Any) -> None:
    """The except branch: the row of the statement that raised has no value, the handler's has."""
    t = tl.trace(mod.f_try, -0.5, mode="vjp")
    assert [r.derivative for r in t.rows if r.statement == "(input)"] == [2.0]
    assert any(r.statement == "v = x" and r.value == -0.5 for r in t.rows)
    t = tl.trace(mod.f_try, 0.5, mode="jvp")
    assert not any(r.statement == "v = x" for r in t.rows)
