"""Reverse loops must not recompute a temporary from an array written in place (breaker 14,
finding 1).

The reverse sweep recomputes cheap loop temporaries instead of taping them (passes/remat.py).
A recomputation reads its operands at the place it is put in the reverse loop; if the forward
loop body writes into one of them in place (``a[0] = 0.5``) and then rebinds it
(``a = a * u``), the restore of ``a`` hands back the array *after* the write, and the write
itself is undone only later: ``u`` came out computed from the written array and the gradient
was silently wrong.  Every program below is checked against central finite differences and
against forward mode (the dot-product identity <J v, w> == <v, J^T w>), through tl.grad,
tl.vjp and tl.value_and_grad; a hypothesis generator mixes item writes, slice writes, writes
in branches and inner loops, rebinding and reductions in small loops.
"""

# ruff: noqa: B007  (the programs under test are written the way users write loops)
from __future__ import annotations

import os
from typing import Any, Callable, List

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from temp_modules import temp_module

import tangent_lite as tl

H = 1e-6


def _fd(f: Callable, x: np.ndarray) -> np.ndarray:
    flat = x.reshape(-1)
    out = np.zeros(flat.shape)
    for k in range(flat.size):
        e = np.zeros(flat.shape)
        e[k] = H
        out[k] = (f((flat + e).reshape(x.shape)) - f((flat - e).reshape(x.shape))) / (2 * H)
    return out.reshape(x.shape)


def check(f: Callable, x: np.ndarray) -> None:
    """tl.grad, tl.vjp and tl.value_and_grad of ``f`` at ``x`` against finite differences and
    against tl.jvp (a random tangent, through the dot-product identity).  The pullback is called
    twice (the second call re-runs the forward sweep: test_pullback_called_again)."""
    x = np.asarray(x, dtype=float)
    value = f(x.copy())
    fd = _fd(lambda z: f(z.copy()), x)
    scale = 1.0 + np.max(np.abs(fd))
    g = tl.grad(f)(x.copy())
    np.testing.assert_allclose(g, fd, rtol=1e-5, atol=1e-5 * scale, err_msg="tl.grad vs finite differences")
    out, pullback = tl.vjp(f, x.copy())
    np.testing.assert_allclose(out, value, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(pullback(1.0), g, rtol=1e-12, atol=1e-12 * scale, err_msg="tl.vjp vs tl.grad")
    np.testing.assert_allclose(pullback(2.0), 2.0 * g, rtol=1e-12, atol=2e-12 * scale,
                               err_msg="tl.vjp's pullback called again")
    v, g2 = tl.value_and_grad(f)(x.copy())
    np.testing.assert_allclose(v, value, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(g2, g, rtol=1e-12, atol=1e-12 * scale, err_msg="tl.value_and_grad vs tl.grad")
    rng = np.random.default_rng(0)
    tangent = rng.standard_normal(x.shape)
    _, jv = tl.jvp(f, (x.copy(),), (tangent,))
    np.testing.assert_allclose(jv, np.sum(g * tangent), rtol=1e-9, atol=1e-9 * scale * np.sum(np.abs(tangent)),
                               err_msg="<J v, 1> vs <v, J^T 1> (tl.jvp against tl.grad)")


# ------------------------------------------------------------------ the breaker's variants


def read_write_rebind(x):
    a = x * 1.0
    for i in range(2):
        u = a[0] * 3.0
        a[0] = 0.5
        a = a * u
    return np.sum(a)


def write_in_branch(x):
    a = x * 1.0
    for i in range(3):
        u = a[1] * 2.0
        if i == 1:
            a[1] = 0.3
        a = a * u
    return np.sum(a)


def write_in_inner_loop(x):
    a = x * 1.0
    for i in range(2):
        u = a[i] + a[i + 1]
        for j in range(2):
            a[j] = a[j] * 0.5
        a = a * u
    return np.sum(a)


def row_write_2d(X):
    A = X * 1.0
    for i in range(2):
        u = A[0, 1] + A[1, 0]
        A[0, :] = 0.5
        A = A * u
    return np.sum(A)


def write_into_argument(x):
    for i in range(2):
        u = x[0] * 3.0
        x[0] = 0.5
        x = x * u
    return np.sum(x)


def rebind_through_other_name(x):
    a = x * 1.0
    for i in range(2):
        u = a[0] * 3.0
        a[0] = 0.5
        b = a * u
        a = b
    return np.sum(a)


def sin_rebind(x):
    a = x * 1.0
    for i in range(2):
        u = np.sin(a[0])
        a[0] = 0.5
        a = np.sin(a) * u
    return np.sum(a)


def power_slice_write(x):
    a = x * 1.0
    for i in range(2):
        u = a[2] ** 2
        a[1:3] = a[0:2] * 0.5
        a = a * (u + 1.0)
    return np.sum(a * a)


def element_from_element(x):
    a = x * 1.0
    for i in range(2):
        u = a[2] * a[2]
        a[2] = a[1] * 0.5
        a = a * u
    return np.sum(a)


def fuzzer_slice_write(x, w):
    a = x * 1.0
    s = x[0]
    t = x[1] * w
    u = np.tanh(t) * 0.5
    for i in range(4):
        u = np.tanh(((a[2]) ** 2 - t) - np.tanh(np.sin(0.57)))
        a[1:3] = a[0:2] * np.tanh(x[2])
        a = a * np.tanh(((w + 0.80) * t) - np.tanh(u + t))
    return s * t + u + np.sum(a * a)


def fuzzer_two_writes(x):  # the breaker's fuzzer: rebinding by a constant factor
    a = x * 1.0
    s = 0.0
    for i in range(4):
        u = a[2] * 1.64
        v = a[2] + 0.50
        a[(i + 1) % 4] = v * 0.5 + 0.7 * 0.3
        a[2:4] = a[1:3] * u
        a = a * np.tanh(0.7)
        s = s + 0.7 * x[1]
    return s + np.sum(a * a)


def fuzzer_swap(x):  # the breaker's fuzzer: a tuple swap of temporaries
    a = x * 1.0
    k = 1
    for i in range(2):
        u = a[k] * 0.69
        v = a[0] + 0.57
        u, v = v, u * a[k]
        a[1:3] = a[1:3] * v
        v = x[1] * v + 0.1
        a[1] = x[1] * 0.5 + u * 0.3
        a = a * np.tanh(x[1])
    return np.sum(a * a)


def no_rebind(x):  # was right already: the write is undone before anything reads a
    a = x * 1.0
    s = 0.0
    for i in range(2):
        u = a[0] * 3.0
        a[0] = 0.5 * a[2]
        s = s + u * a[1]
        a[1] = a[1] * u
    return s + np.sum(a)


def write_after_rebind(x):  # the write goes into the new array: the old one is intact
    a = x * 1.0
    for i in range(2):
        u = a[0] * 3.0
        a = a * u
        a[0] = 0.5
    return np.sum(a)


X4 = np.array([0.3, 0.7, -0.4, 0.5])
CASES = [
    (read_write_rebind, X4), (write_in_branch, X4), (write_in_inner_loop, X4),
    (row_write_2d, np.array([[0.3, 0.7, -0.4], [0.5, 0.2, -0.6]])), (write_into_argument, X4),
    (rebind_through_other_name, X4), (sin_rebind, X4), (power_slice_write, X4),
    (element_from_element, X4), (lambda x: fuzzer_slice_write(x, 0.4), X4), (no_rebind, X4),
    (write_after_rebind, X4), (fuzzer_two_writes, X4), (fuzzer_swap, X4),
]


@pytest.mark.parametrize("f, x", CASES, ids=[getattr(c[0], "__name__", "?") for c in CASES])
def test_breaker_variants(f: Callable, x: np.ndarray) -> None:
    check(f, x)


def test_the_reported_numbers() -> None:
    np.testing.assert_allclose(tl.grad(read_write_rebind)(X4), [8.73, 1.215, 1.215, 1.215], rtol=1e-10)


def test_fuzzer_case_with_two_arguments() -> None:
    x, w = X4, 0.4
    g = tl.grad(fuzzer_slice_write, wrt=(0, 1))(x.copy(), w)
    fd_x = _fd(lambda z: fuzzer_slice_write(z.copy(), w), x)
    fd_w = (fuzzer_slice_write(x.copy(), w + H) - fuzzer_slice_write(x.copy(), w - H)) / (2 * H)
    np.testing.assert_allclose(g[0], fd_x, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(g[1], fd_w, rtol=1e-5, atol=1e-6)


def wa2(x):
    s = 0.0
    for i in range(2):
        u = x[0] * 3.0
        x[0] = 0.5
        s = s + u * x[1]
    return s


@pytest.mark.parametrize("f", [wa2, lambda x: fuzzer_slice_write(x, 0.4)], ids=["argument", "callee"])
def test_pullback_called_again(f: Callable) -> None:
    """A pullback called again re-runs the forward sweep from the arguments as they were before
    the forward sweep wrote into them (it used the written ones: ``wa2``), and also when only a
    called function's reverse sweep undoes writes into what its residuals hold (the lambda)."""
    _, pullback = tl.vjp(f, X4.copy())
    first = pullback(1.0)
    np.testing.assert_allclose(first, _fd(lambda z: f(z.copy()), X4), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(pullback(1.0), first, rtol=1e-12)
    np.testing.assert_allclose(pullback(-1.0), -first, rtol=1e-12)


# ------------------------------------------------------------------ generated loop programs


class _Body:
    """One loop body: every choice is a hypothesis draw, so failures shrink."""

    def __init__(self, draw: Callable[[Any], Any], n: int) -> None:
        self.draw, self.n, self.temps, self.lines, self.fresh = draw, n, [], [], 0

    def index(self) -> str:
        return self.draw(st.sampled_from([str(k) for k in range(self.n)] + ["i"]))

    def temp(self) -> str:
        self.fresh += 1
        name = f"u{self.fresh}"
        j, k = self.index(), self.index()
        value = self.draw(st.sampled_from([
            f"a[{j}] * 3.0", f"a[{j}] ** 2", f"a[{j}] + a[{k}]", f"np.sin(a[{j}])", f"a[{j}] * a[{k}]",
            f"np.tanh(a[{j}]) + 1.0", f"-a[{j}]", "np.sum(a) * 0.25",
        ]))
        self.temps.append(name)
        return f"{name} = {value}"

    def factor(self) -> str:
        return self.draw(st.sampled_from(self.temps)) if self.temps and self.draw(st.booleans()) else "0.9"

    def write(self) -> List[str]:
        j, k = self.index(), self.index()
        line = self.draw(st.sampled_from([
            f"a[{j}] = 0.5", f"a[{j}] = a[{k}] * 0.5", "a[1:3] = a[0:2] * 0.5", f"a[{j}] = {self.factor()} * 0.3",
        ]))
        where = self.draw(st.sampled_from(["plain", "branch", "inner"]))
        if where == "branch":
            return ["if i == 1:", "    " + line]
        if where == "inner":
            return ["for j in range(2):", "    a[j] = a[j + 1] * 0.5"]
        return [line]

    def rebind(self) -> List[str]:
        u = self.factor()
        return self.draw(st.sampled_from([
            [f"a = a * {u}"], [f"a = np.sin(a) * {u}"], [f"b = a * {u}", "a = b"], [f"a = a * 0.8 + {u} * 0.1"],
        ]))

    def reduce(self) -> List[str]:
        return self.draw(st.sampled_from([
            [f"s = s + {self.factor()} * 0.5"], ["s = s + np.sum(a) * 0.1"], [f"s = s * 0.5 + a[{self.index()}]"],
        ]))

    def statements(self) -> List[str]:
        # the pattern of the bug (read into a temporary, write, rebind), other statements between
        kinds = ["temp", "write", "rebind"]
        for _ in range(self.draw(st.integers(0, 4))):
            kinds.insert(self.draw(st.integers(0, len(kinds))),
                         self.draw(st.sampled_from(["temp", "write", "rebind", "reduce"])))
        for kind in kinds:
            if kind == "temp":
                self.lines.append(self.temp())
            else:
                self.lines.extend(getattr(self, kind)())
        return self.lines


@st.composite
def loop_programs(draw: Callable[[Any], Any]) -> str:
    """``def prog(x)`` over a vector of 4: a loop of 1 to 3 iterations whose body mixes cheap
    temporaries read from ``a``, in-place writes into ``a`` (plain, in a branch, in an inner
    loop, slices), rebinding of ``a`` (also through another name) and scalar reductions."""
    body = _Body(draw, 3).statements()
    first = draw(st.sampled_from(["a = x * 1.0", "a = x"]))  # "a = x": writes go into the argument
    lines = ["import numpy as np", "", "", "def prog(x):", f"    {first}", "    s = 0.0",
             f"    for i in range({draw(st.integers(1, 3))}):"]
    lines += ["        " + line for line in body]
    lines.append("    return s + np.sum(a * a)")
    return "\n".join(lines) + "\n"


EXAMPLES = int(os.environ.get("TL_FUZZ_EXAMPLES", "40"))


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(source=loop_programs(), x=st.lists(st.floats(-1.0, 1.0), min_size=4, max_size=4))
def test_generated_loop_programs(tmp_path: Any, source: str, x: List[float]) -> None:
    prog = temp_module(tmp_path, source, "remat_prog").prog
    xs = np.array(x)
    value = prog(xs.copy())
    if not np.isfinite(value) or abs(value) > 1e6:
        return  # finite differences would mean nothing
    try:
        check(prog, xs)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n--- program ---\n{source}") from None
