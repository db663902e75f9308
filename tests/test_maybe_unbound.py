"""A variable assigned on some paths only, then assigned again: the reverse sweep saves its old
value before the new assignment (to restore it), and must not read it where it is unbound.

Before the fix the generated code raised ``UnboundLocalError`` at ``_tape.append(b)`` when the
branch defining ``b`` was not taken.  Every case is checked against central finite differences,
in both modes and at second order."""

from __future__ import annotations

import contextlib
import itertools
from typing import Any, Callable, List, Sequence

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from temp_modules import temp_module

import tangent_lite as tl

H = 1e-6


def fd(f: Callable[[Any], Any], x: Any) -> Any:
    """Central finite differences of a scalar function of a scalar or a 1-D array."""
    x = np.asarray(x, dtype=float)
    if x.ndim == 0:
        return (f(x + H) - f(x - H)) / (2 * H)
    return np.array([(f(x + H * e) - f(x - H * e)) / (2 * H) for e in np.eye(len(x))])


def check_all(f: Callable[[Any], Any], x: Any) -> None:
    """grad, vjp, value_and_grad, jvp, hessian and hvp of ``f`` at ``x`` against finite differences."""
    x = np.asarray(x, dtype=float) if np.ndim(x) else float(x)
    want = fd(f, x)
    np.testing.assert_allclose(tl.grad(f)(x), want, rtol=1e-5, atol=1e-6)
    value, pullback = tl.vjp(f, x)
    np.testing.assert_allclose(value, f(x), rtol=1e-12)
    np.testing.assert_allclose(pullback(1.0), want, rtol=1e-5, atol=1e-6)
    value, g = tl.value_and_grad(f)(x)
    np.testing.assert_allclose(g, want, rtol=1e-5, atol=1e-6)
    directions = [1.0] if np.ndim(x) == 0 else list(np.eye(len(x)))
    for v in directions:
        _, t = tl.jvp(f, (x,), (v,))
        np.testing.assert_allclose(t, np.sum(np.asarray(want) * v), rtol=1e-5, atol=1e-6)
    # second order: the derivative of the (checked) gradient, by finite differences
    want2 = fd(lambda y: np.asarray(tl.grad(f)(y), dtype=float), x)
    np.testing.assert_allclose(tl.hessian(f)(x), want2, rtol=1e-4, atol=1e-5)
    for v in directions:
        np.testing.assert_allclose(tl.hvp(f, x, v), np.asarray(want2) @ np.asarray(v) if np.ndim(x) else want2 * v,
                                   rtol=1e-4, atol=1e-5)


TRY_REFUSAL = "reverse mode through this try block is not supported"


def check_forward_or_documented_refusal(f: Callable[[Any], Any], x: float) -> None:
    """A try block that overwrites a value the reverse sweep may read (a documented limitation,
    docs/limitations.md): reverse mode either gives the right gradient or refuses with its
    message; forward mode, first and second order, is always right."""
    want = fd(f, x)
    try:
        np.testing.assert_allclose(tl.grad(f)(x), want, rtol=1e-5, atol=1e-6)
    except tl.UnsupportedConstructError as exc:
        assert TRY_REFUSAL in str(exc), exc
    else:
        check_all(f, x)
        return
    value, t = tl.jvp(f, (x,), (1.0,))
    np.testing.assert_allclose(value, f(x), rtol=1e-12)
    np.testing.assert_allclose(t, want, rtol=1e-5, atol=1e-6)
    want2 = fd(lambda y: tl.jvp(f, (y,), (1.0,))[1], x)
    np.testing.assert_allclose(tl.jvp(lambda y: tl.jvp(f, (y,), (1.0,))[1], (x,), (1.0,))[1], want2,
                               rtol=1e-4, atol=1e-5)


def ub4(x):
    if x > 0.35:
        b = x * 2.0
    b = x * 3.0
    return b * x


def aug(x):
    if x > 0.35:
        c = x * 2.0
    c = x * x
    c = c * x
    return c


def nested(x):
    if x > 0.1:
        if x > 0.35:
            b = x * 2.0
        else:
            b = x
    b = x * 3.0
    return b * x


def else_only(x):
    if x > 0.35:
        pass
    else:
        b = x * 2.0
    b = np.sin(x) * 3.0
    return b * x


def raised(x):
    try:
        if x > 0.35:
            raise ValueError("skip")
        b = x * 2.0
    except ValueError:
        pass
    b = x * 3.0
    return b * x


def in_loop(x):
    s = x * 0.0
    for i in range(3):
        if i == 1:
            b = x * 2.0
        b = x * 3.0 + s
        s = s + b * x
    return s


def after_while(x):
    k = 0
    while k < 2:
        if k == 5:
            b = x * 2.0
        k = k + 1
    b = x * 3.0
    return b * x


def loop_target_reused(x):
    for i in range(0):  # noqa: B007 (the loop target, unbound when the loop does not run)
        pass
    i = x * 2.0
    return i * x


def array_write(x):
    if x[0] > 0.35:
        b = x * 2.0
    b = np.array([x[0], x[1]])
    b[0] = b[1] * x[0]
    return np.sum(b * x[:2])


def list_write(x):
    if x[0] > 0.35:
        L = [x[0]]
    L = [x[0], x[1]]
    L[0] = L[1] * x[0]
    return L[0] * L[1]


def comprehension(x):
    if x[0] > 0.35:
        b = x * 2.0
    b = sum([v * v for v in x])
    return b * x[0]


def tuple_targets(x):
    if x > 0.35:
        a, b = x, x * 2.0
    a, b = x * 3.0, x * x
    return a * b


def walrus(x):
    if x > 0.35:
        b = x
    c = (b := x * 3.0) * x
    return c * b


def with_block(x):
    if x > 0.35:
        b = x
    with contextlib.suppress(ValueError):
        b = x * 3.0
    return b * x


def augmented(x):
    if x > 0.35:
        b = x
    b = x * 1.0
    b += x * x
    return b * x


SCALAR_CASES = [ub4, aug, nested, else_only, raised, in_loop, after_while, loop_target_reused, tuple_targets,
                walrus, with_block, augmented]
ARRAY_CASES = [array_write, list_write, comprehension]


@pytest.mark.parametrize("f", SCALAR_CASES, ids=lambda f: f.__name__)
@pytest.mark.parametrize("x", [0.05, 0.3, 0.6])
def test_scalar_variants(f, x):
    check_all(f, x)


@pytest.mark.parametrize("f", ARRAY_CASES, ids=lambda f: f.__name__)
@pytest.mark.parametrize("x0", [0.3, 0.6])
def test_array_variants(f, x0):
    check_all(f, np.array([x0, 0.7]))


# ---- generated programs: variables defined on some paths, redefined later ----

NAMES = ["a", "b", "c"]
THRESHOLDS = [0.2, 0.5]
POINTS = [0.1, 0.35, 0.65]  # away from the thresholds: finite differences stay on one path


def _expr(draw: Any, certain: Sequence[str]) -> str:
    u = draw(st.sampled_from(["x"] + sorted(certain)))
    form = draw(st.sampled_from(["{u} * {k}", "{u} * x + {k}", "np.sin({u}) * {k}", "{u} * {u} * 0.5 + x"]))
    return form.format(u=u, k=draw(st.sampled_from(["0.5", "1.5", "2.0"])))


@st.composite
def programs(draw: Any) -> str:
    lines: List[str] = ["def prog(x):"]
    certain: set = set()
    for _ in range(draw(st.integers(2, 6))):
        kind = draw(st.sampled_from(["define", "if", "nested", "else", "loop", "update", "try"]))
        v = draw(st.sampled_from(NAMES))
        e = _expr(draw, certain)
        t, t2 = draw(st.sampled_from(THRESHOLDS)), draw(st.sampled_from(THRESHOLDS))
        if kind == "define":
            lines.append(f"    {v} = {e}")
            certain.add(v)
        elif kind == "update" and v in certain:
            lines.append(f"    {v} = {v} * x + {e}")
        elif kind == "if":
            lines += [f"    if x > {t}:", f"        {v} = {e}"]
        elif kind == "nested":
            lines += [f"    if x > {t}:", f"        if x < {t2}:", f"            {v} = {e}"]
        elif kind == "else":
            lines += [f"    if x > {t}:", "        pass", "    else:", f"        {v} = {e}"]
        elif kind == "loop":
            n = draw(st.integers(0, 2))
            lines += [f"    for i in range({n}):", f"        {v} = {e} + i"]
        elif kind == "try":
            lines += ["    try:", f"        if x > {t}:", "            raise ValueError('skip')",
                      f"        {v} = {e}", "    except ValueError:", "        pass"]
            if any(line.lstrip().startswith(f"{v} = ") for line in lines[:-4]):
                lines[0] = "def prog(x):  # overwrites in try"  # reverse mode may refuse (see below)
    # redefine every name (its old value, where it has one, is saved), then use them all
    for v in NAMES:
        lines.append(f"    {v} = {_expr(draw, certain)}")
        certain.add(v)
        if draw(st.booleans()):
            lines.append(f"    {v} = {v} * {v} + x")
    lines.append("    return " + " + ".join(f"{v} * x" for v in NAMES))
    return "import numpy as np\n\n\n" + "\n".join(lines) + "\n"


_COUNTER = itertools.count()


@settings(max_examples=25, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(source=programs(), x=st.sampled_from(POINTS))
def test_generated_programs(tmp_path_factory, source, x):
    module = temp_module(tmp_path_factory.mktemp(f"ub{next(_COUNTER)}"), source, "maybe_unbound")
    try:
        if "# overwrites in try" in source:
            check_forward_or_documented_refusal(module.prog, x)
        else:
            check_all(module.prog, x)
    except Exception as e:  # show the program that failed
        raise AssertionError(f"{type(e).__name__}: {e}\n{source}") from e
