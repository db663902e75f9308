"""Derivatives at singular points: a zero seed times an infinite or NaN partial derivative is 0.

The convention (docs/custom-rules.md, "Conventions at non-smooth points"): a zero cotangent
(reverse mode) or a zero tangent (forward mode) times a local partial derivative that is
infinite or NaN at a finite input contributes exactly 0 (not covered: a product whose other
factor's *value* is infinite, ``x * np.log(x)`` at 0; pinned as an expected failure).  The
branch ``np.where`` selects away gets an exactly-zero cotangent, so
``np.where(x > 0, np.sqrt(x), 0.0)`` has the gradient 0 at ``x <= 0`` (JAX and PyTorch give NaN
there).  ``x ** y`` with respect to ``x`` is 0 for ``y == 0`` at every ``x`` and finite at
``x == 0`` for ``y >= 1``; with respect to ``y`` it is 0 at ``x == 0`` (the limit for ``y > 0``);
Python floats get IEEE infinities where Python's arithmetic would raise ZeroDivisionError.

* the reproducers of the bug report, end to end: value, ``tl.grad``, the ``tl.vjp`` pullback,
  ``tl.jvp``, ``tl.hvp`` / ``tl.hessian``, against hand-derived values;
* every changed rule, called directly: at its singular point with a zero seed the result is
  exactly 0 (Python floats, NumPy scalars and arrays), with a nonzero seed no exception; at a
  regular point the JVP rule against central differences and the VJP rule against the JVP
  rule (``<J v, w> == <v, J^T w>``);
* the same end to end, through ``np.where`` masks;
* the strong-zero helpers of ``tangent_lite/runtime/singular.py`` (``strong_mul``,
  ``strong_div``, ``power``, ``pow_base_bar``) and their own rules, which make the generated
  code differentiable again (``CASES`` below is written in the format of
  ``tests/rule_cases.py``);
* the Numba backend's versions of the helpers.
"""

from __future__ import annotations

import builtins
import math
import operator
import warnings
import zlib
from typing import Any, Callable, Dict, List, Tuple

import numpy as np
import pytest

import tangent_lite as tl
from tangent_lite import runtime as _tl
from tangent_lite.errors import BackendFallbackWarning
from tangent_lite.rules import REGISTRY

EPS = 1e-6
FD_RTOL = 1e-5
FD_ATOL = 1e-6
ADJOINT_RTOL = 1e-9

# NumPy warns about the divisions by zero it performs at the singular points: expected here
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def _exactly_zero(v: Any) -> bool:
    a = np.asarray(v, dtype=float)
    return not np.isnan(a).any() and bool(np.all(a == 0.0))


# ------------------------------------------------------------------ the reproducers, end to end


def power_zero_sum(x):
    return np.sum(np.power(x, 0.0))


def pow_zero(x):
    return x ** 0.0


def where_sqrt(x):
    return np.sum(np.where(x > 0, np.sqrt(x), 0.0))


def sqrt_plus(x, y):
    return np.sqrt(x) + y


def builtin_pow(x, y):
    return pow(x, y)


def test_np_power_zero_exponent():
    x = np.array([0.0, 1.0])
    assert power_zero_sum(x) == 2.0
    g = tl.grad(power_zero_sum)(x)
    assert _exactly_zero(g) and g.shape == (2,)
    out, pullback = tl.vjp(power_zero_sum, x)
    assert out == 2.0 and _exactly_zero(pullback(3.0))
    out, t = tl.jvp(power_zero_sum, (x,), (np.array([1.0, -2.0]),))
    assert out == 2.0 and _exactly_zero(t)
    assert _exactly_zero(tl.hvp(power_zero_sum, x, np.array([1.0, 1.0])))
    assert _exactly_zero(tl.hessian(power_zero_sum)(x))
    # the lambda of the bug report
    assert _exactly_zero(tl.grad(lambda x: np.sum(np.power(x, 0.0)))(np.array([0.0, 1.0])))


def test_python_float_pow_zero_exponent_raises_nothing():
    assert pow_zero(0.0) == 1.0
    g = tl.grad(pow_zero)(0.0)  # was ZeroDivisionError: 0.0 ** -1.0
    assert g == 0.0 and type(g) is float
    out, pullback = tl.vjp(pow_zero, 0.0)
    assert out == 1.0 and pullback(1.0) == 0.0
    out, t = tl.jvp(pow_zero, (0.0,), (1.0,))
    assert out == 1.0 and t == 0.0
    assert tl.hvp(pow_zero, 0.0, 1.0) == 0.0
    assert tl.hessian(pow_zero)(0.0) == 0.0
    assert tl.grad(pow_zero)(2.5) == 0.0


def test_where_selects_away_the_singular_branch():
    x = np.array([-1.0, 0.0, 4.0])
    assert where_sqrt(x) == 2.0
    np.testing.assert_array_equal(tl.grad(where_sqrt)(x), [0.0, 0.0, 0.25])  # was [nan, nan, 0.25]
    out, pullback = tl.vjp(where_sqrt, x)
    assert out == 2.0
    np.testing.assert_array_equal(pullback(2.0), [0.0, 0.0, 0.5])
    out, t = tl.jvp(where_sqrt, (x,), (np.array([1.0, 1.0, 1.0]),))
    assert out == 2.0 and t == 0.25
    # d2/dx2 sqrt(x) = -x^(-3/2) / 4: -1/32 at 4; the masked entries have none
    np.testing.assert_array_equal(tl.hvp(where_sqrt, x, np.array([1.0, 1.0, 2.0])), [0.0, 0.0, -2.0 / 32])
    h = tl.hessian(where_sqrt)(x)
    np.testing.assert_array_equal(h, np.diag([0.0, 0.0, -1.0 / 32]))
    # the lambda of the bug report
    got = tl.grad(lambda x: np.sum(np.where(x > 0, np.sqrt(x), 0.0)))(x)
    np.testing.assert_array_equal(got, [0.0, 0.0, 0.25])


def test_forward_mode_zero_tangent_through_an_infinite_partial():
    out, t = tl.jvp(sqrt_plus, (0.0, 1.0), (0.0, 1.0))  # d sqrt(x) at 0 is inf, but x_dot = 0
    assert out == 1.0 and t == 1.0
    out, t = tl.jvp(sqrt_plus, (np.array([0.0, 4.0]), 1.0), (np.array([0.0, 1.0]), 1.0))
    np.testing.assert_array_equal(out, [1.0, 3.0])
    np.testing.assert_array_equal(t, [1.0, 1.25])
    out, pullback = tl.vjp(sqrt_plus, 4.0, 1.0, wrt=(0, 1))
    assert out == 3.0 and pullback(1.0) == (0.25, 1.0)
    assert tl.hvp(sqrt_plus, 4.0, 1.0, 1.0) == -1.0 / 32


def test_builtin_pow_has_rules():
    assert builtin_pow(2.0, 3.0) == 8.0
    np.testing.assert_allclose(tl.grad(builtin_pow, wrt=(0, 1))(2.0, 3.0), (12.0, 8.0 * math.log(2.0)), rtol=1e-14)
    assert tl.grad(builtin_pow, wrt=(0, 1))(0.0, 2.0) == (0.0, 0.0)
    assert tl.grad(builtin_pow, wrt=(0, 1))(0.0, 1.0) == (1.0, 0.0)
    assert tl.grad(builtin_pow, wrt=(0, 1))(0.0, 0.0) == (0.0, 0.0)
    assert tl.grad(builtin_pow)(0.0, 0.5) == math.inf  # the limit, not ZeroDivisionError
    out, t = tl.jvp(builtin_pow, (2.0, 3.0), (1.0, 0.0))
    assert (out, t) == (8.0, 12.0)
    assert tl.hessian(builtin_pow)(2.0, 3.0) == 12.0


def pow_family(x, y):
    return x ** y + np.power(x, y) + np.float_power(x, y) + pow(x, y)


def math_pow(x, y):
    return math.pow(x, y)


@pytest.mark.parametrize("x,y,dx,dy", [
    (0.0, 0.0, 0.0, 0.0),  # x ** 0 is constant: 0 for every x
    (0.0, 1.0, 1.0, 0.0),  # finite at x == 0 for y >= 1
    (0.0, 2.0, 0.0, 0.0),
    (0.0, 3, 0.0, 0.0),  # an integer exponent
    (0.0, 2.5, 0.0, 0.0),  # d/dy: log(x) x^y -> 0 at x == 0 (y > 0)
    (2.0, 0.0, 0.0, math.log(2.0)),
    (-2.0, 2, -4.0, math.nan),  # integer exponent of a negative base: d/dy is NaN (complex log)
    (-2.0, -1, -0.25, math.nan),
    (1.5, -2.0, -2.0 * 1.5 ** -3.0, math.log(1.5) * 1.5 ** -2.0),
])
def test_power_like_rules_at_and_near_the_singular_points(x, y, dx, dy):
    """``**``, ``np.power``, ``np.float_power``, builtin ``pow`` and ``math.pow``, Python floats
    and arrays, both modes: d/dx = y x^(y-1) (0 for y == 0), d/dy = log(x) x^y (0 at x == 0)."""

    def check(got: Any, expected: float, k: float = 1.0) -> None:
        got = np.asarray(got, dtype=float)
        if math.isnan(expected):
            assert np.isnan(got).all()
        else:
            np.testing.assert_allclose(got, k * expected, rtol=1e-13, atol=0.0)

    for fn, k in ((pow_family, 4.0), (math_pow, 1.0)):
        if fn is math_pow and x < 0 and y != int(y):
            continue
        gx, gy = tl.grad(fn, wrt=(0, 1))(x, y if isinstance(y, float) else float(y))
        check(gx, dx, k)
        check(gy, dy, k)
        _, tx = tl.jvp(fn, (x, float(y)), (1.0, 0.0))
        _, ty = tl.jvp(fn, (x, float(y)), (0.0, 1.0))
        check(tx, dx, k)
        check(ty, dy, k)
    xs = np.array([x, 3.0])
    gx = tl.grad(lambda v: np.sum(v ** y + np.power(v, y)))(xs)
    check(gx[0], dx, 2.0)
    np.testing.assert_allclose(gx[1], 2.0 * y * 3.0 ** (y - 1), rtol=1e-13)


def test_integer_exponents_of_python_ints_and_integer_arrays():
    """Python's ``0 ** -1`` raises, NumPy refuses integers to negative integer powers: the
    rules raise neither."""
    assert _tl.pow_base_bar(1.0, 0, 0) == 0.0
    assert _tl.pow_base_bar(1.0, 0, -1) == -math.inf
    assert _tl.pow_base_bar(1.0, 2, -1) == -0.25
    np.testing.assert_array_equal(_tl.pow_base_bar(1.0, np.array([0, 2]), 0), [0.0, 0.0])
    np.testing.assert_array_equal(_tl.pow_base_bar(np.ones(2), np.array([1, 2]), -1), [-1.0, -0.25])


# ------------------------------------------------------------------ every changed rule, directly

# numpy counterparts for computing ``ans`` where the Python primal raises at the point itself
_NUMPY_TWIN = {operator.truediv: np.divide, operator.pow: np.power, builtins.pow: np.power, math.pow: np.power,
               math.log: np.log, math.log1p: np.log1p, math.sqrt: np.sqrt, math.asin: np.arcsin,
               math.acos: np.arccos, operator.mod: np.remainder}


class SCase:
    """A changed rule: the primitive, the argument, singular points and a regular point."""

    def __init__(self, fn: Callable, argnum: int, singular: List[tuple], regular: tuple, py: bool = True) -> None:
        self.fn, self.argnum, self.singular, self.regular, self.py = fn, argnum, singular, regular, py
        self.prim = REGISTRY.get(fn)

    @property
    def id(self) -> str:
        return f"{self.prim.name}-{self.prim.params[self.argnum]}"

    def rule(self, kind: str) -> Callable:
        table = self.prim.jvps if kind == "jvp" else self.prim.vjps
        return table[self.argnum].template.fn

    def ans(self, args: tuple) -> Any:
        with np.errstate(all="ignore"):
            try:
                out = self.fn(*args)
            except (ZeroDivisionError, ValueError, OverflowError):
                out = _NUMPY_TWIN[self.fn](*args)
        if isinstance(out, complex):
            return math.nan
        return out


def _un(fn: Callable, singular: List[float], regular: float, py: bool = True) -> SCase:
    return SCase(fn, 0, [(s,) for s in singular], (regular,), py)


RULE_CASES: List[SCase] = [
    # numpy.py
    _un(np.sqrt, [0.0, -1.0], 1.7),
    _un(np.log, [0.0], 1.7),
    _un(np.log1p, [-1.0], 0.7),
    _un(np.arcsin, [1.0, -1.0, 2.0], 0.3),
    _un(np.arccos, [1.0, -1.0, 2.0], 0.3),
    _un(np.reciprocal, [0.0], 1.7),
    _un(np.exp, [1000.0], 0.7),  # overflow: the partial exp(x) is inf at a finite x
    _un(np.expm1, [1000.0], 0.7),
    _un(np.sinh, [1000.0, -1000.0], 0.7),
    _un(np.cosh, [1000.0, -1000.0], 0.7),
    SCase(np.divide, 0, [(1.0, 0.0), (0.0, 0.0)], (1.3, 0.7)),
    SCase(np.divide, 1, [(1.0, 0.0), (0.0, 0.0)], (1.3, 0.7)),
    SCase(np.power, 0, [(0.0, 0.0), (0.0, 0.5), (0.0, -1.0), (-1.0, 0.5), (0.0, -2.0)], (1.3, 0.7)),
    SCase(np.power, 1, [(0.0, -1.0), (-1.0, 0.5), (2.0, 2000.0)], (1.3, 0.7)),
    SCase(np.arctan2, 0, [(0.0, 0.0)], (1.3, 0.7)),
    SCase(np.arctan2, 1, [(0.0, 0.0)], (1.3, 0.7)),
    # numpy_more.py
    _un(np.log2, [0.0], 1.7),
    _un(np.log10, [0.0], 1.7),
    _un(np.exp2, [2000.0], 0.7),
    _un(np.cbrt, [0.0], 1.7),
    _un(np.arctanh, [1.0, -1.0, 2.0], 0.3),
    _un(np.arccosh, [1.0, 0.5], 1.7),
    SCase(np.float_power, 0, [(0.0, 0.0), (0.0, 0.5), (0.0, -1.0), (-1.0, 0.5)], (1.3, 0.7)),
    SCase(np.float_power, 1, [(0.0, -1.0), (-1.0, 0.5), (2.0, 2000.0)], (1.3, 0.7)),
    SCase(np.fmod, 1, [(1.0, 0.0), (0.0, 0.0)], (1.3, 0.7)),
    SCase(np.remainder, 1, [(1.0, 0.0), (0.0, 0.0)], (1.3, 0.7)),
    # operators.py (a Python-float primal raises at y == 0: its arrays and NumPy scalars do not)
    SCase(operator.truediv, 0, [(1.0, 0.0), (0.0, 0.0)], (1.3, 0.7)),
    SCase(operator.truediv, 1, [(1.0, 0.0), (0.0, 0.0)], (1.3, 0.7)),
    SCase(operator.pow, 0, [(0.0, 0.0), (0.0, 0.5), (0.0, -1.0), (-1.0, 0.5), (0.0, -2.0)], (1.3, 0.7)),
    SCase(operator.pow, 1, [(0.0, -1.0), (-1.0, 0.5)], (1.3, 0.7)),
    SCase(operator.mod, 1, [(1.0, 0.0), (0.0, 0.0)], (1.3, 0.7)),
    # pymath.py and builtins (numbers only)
    _un(math.log, [0.0], 1.7),
    _un(math.log1p, [-1.0], 0.7),
    _un(math.sqrt, [0.0], 1.7),
    _un(math.asin, [1.0, -1.0], 0.3),
    _un(math.acos, [1.0, -1.0], 0.3),
    SCase(math.pow, 0, [(0.0, 0.0), (0.0, 0.5), (0.0, -1.0), (-1.0, 0.5)], (1.3, 0.7)),
    SCase(math.pow, 1, [(0.0, -1.0), (-1.0, 0.5)], (1.3, 0.7)),
    SCase(builtins.pow, 0, [(0.0, 0.0), (0.0, 0.5), (0.0, -1.0), (-1.0, 0.5)], (1.3, 0.7)),
    SCase(builtins.pow, 1, [(0.0, -1.0), (-1.0, 0.5)], (1.3, 0.7)),
]
_SCALAR_ONLY = {math.log, math.log1p, math.sqrt, math.asin, math.acos, math.pow}


def _kinds(c: SCase) -> List[str]:
    """How the case's arguments are passed: Python floats, NumPy float64 scalars, arrays."""
    if c.fn in _SCALAR_ONLY:
        return ["float"]
    return ["float", "float64", "array"]


def _as(kind: str, args: tuple) -> tuple:
    if kind == "float":
        return tuple(float(a) for a in args)
    if kind == "float64":
        return tuple(np.float64(a) for a in args)
    return tuple(np.array([a, 1.25]) for a in args)  # a singular entry and a regular one


def _seed_zero(kind: str, like: Any) -> Any:
    return np.zeros(np.shape(like)) if kind == "array" else 0.0


RULE_IDS = [c.id for c in RULE_CASES]


@pytest.mark.parametrize("c", RULE_CASES, ids=RULE_IDS)
@pytest.mark.parametrize("kind", ["float", "float64", "array"])
@pytest.mark.parametrize("mode", ["jvp", "vjp"])
def test_zero_seed_at_the_singular_point_gives_exactly_zero(c, kind, mode):
    if kind not in _kinds(c):
        pytest.skip("a math function: numbers only")
    rule = c.rule(mode)
    for point in c.singular:
        args = _as(kind, point)
        ans = c.ans(args)
        seed = _seed_zero(kind, ans if mode == "vjp" else args[c.argnum])
        got = rule(seed, ans, *args)
        assert _exactly_zero(got), f"{c.id} at {point} ({kind}, {mode}): {got!r}"
        assert np.shape(got) == (np.shape(args[c.argnum]) if mode == "vjp" else np.shape(ans))
        # a nonzero seed: the true (infinite or undefined) value, never a Python exception
        one = np.ones(np.shape(seed)) if kind == "array" else 1.0
        rule(one, ans, *args)


@pytest.mark.parametrize("c", RULE_CASES, ids=RULE_IDS)
def test_mixed_array_zero_seed_where_singular_exact_value_elsewhere(c):
    """An array with singular entries whose seed is 0 and regular entries whose seed is not:
    0 at the former, the ordinary derivative at the latter."""
    if c.fn in _SCALAR_ONLY:
        pytest.skip("a math function: numbers only")
    n = len(c.singular)
    args = tuple(np.array([p[i] for p in c.singular] + [c.regular[i]]) for i in range(len(c.regular)))
    ans = c.ans(args)
    seed = np.array([0.0] * n + [1.0])
    reg_args = tuple(float(a) for a in c.regular)
    reg_ans = c.ans(reg_args)
    for mode in ("jvp", "vjp"):
        got = c.rule(mode)(seed, ans, *args)
        assert _exactly_zero(got[:n]), f"{c.id} {mode}: {got!r}"
        expected = c.rule(mode)(1.0, reg_ans, *reg_args)
        np.testing.assert_allclose(got[n], expected, rtol=1e-14)


def _fd(c: SCase, args: tuple, v: float) -> float:
    def at(t: float) -> float:
        a = list(args)
        a[c.argnum] = a[c.argnum] + t * v
        return float(c.fn(*a))

    return (at(EPS) - at(-EPS)) / (2 * EPS)


@pytest.mark.parametrize("c", RULE_CASES, ids=RULE_IDS)
@pytest.mark.parametrize("kind", ["float", "array"])
def test_rule_at_a_regular_point_matches_finite_differences(c, kind):
    if kind not in _kinds(c):
        pytest.skip("a math function: numbers only")
    rng = np.random.default_rng(zlib.crc32(f"{c.id}-{kind}".encode()))
    if kind == "float":
        args = tuple(float(a) for a in c.regular)
        v, w = float(rng.normal()), float(rng.normal())
        fd = _fd(c, args, v)
    else:
        args = tuple(np.array([a, a * 1.1, a * 0.9]) for a in c.regular)
        v, w = rng.normal(size=3), rng.normal(size=3)
        fd = np.array([_fd(c, tuple(a[i] for a in args), v[i]) for i in range(3)])
    ans = c.fn(*args)
    t = c.rule("jvp")(v, ans, *args)
    np.testing.assert_allclose(t, fd, rtol=FD_RTOL, atol=FD_ATOL)
    ct = c.rule("vjp")(w, ans, *args)
    assert np.shape(ct) == np.shape(args[c.argnum])
    lhs, rhs = float(np.sum(t * w)), float(np.sum(v * ct))
    assert abs(lhs - rhs) <= ADJOINT_RTOL * max(1.0, abs(lhs), abs(rhs))


def test_every_changed_rule_is_listed():
    """The rules at singular points: each listed primitive has a case for each rule changed."""
    listed = {(c.prim.name, c.argnum) for c in RULE_CASES}
    for fn, argnums in ((np.sqrt, [0]), (np.log, [0]), (np.divide, [0, 1]), (np.power, [0, 1]),
                        (operator.truediv, [0, 1]), (operator.pow, [0, 1]), (math.pow, [0, 1]),
                        (builtins.pow, [0, 1]), (np.float_power, [0, 1]), (np.cbrt, [0]), (np.reciprocal, [0])):
        for a in argnums:
            assert (REGISTRY.get(fn).name, a) in listed


# ------------------------------------------------------------------ end to end, through np.where


def masked_sqrt(x):
    return np.sum(np.where(x > 0, np.sqrt(x), 0.0))


def masked_log(x):
    return np.sum(np.where(x > 0, np.log(x), 0.0))


def masked_log2_log10(x):
    return np.sum(np.where(x > 0, np.log2(x) + np.log10(x), 0.0))


def masked_log1p(x):
    return np.sum(np.where(x > -1, np.log1p(x), 0.0))


def masked_arcsin_arccos(x):
    return np.sum(np.where(np.abs(x) < 1, np.arcsin(x) + np.arccos(x) * 2.0, 0.0))


def masked_arctanh(x):
    return np.sum(np.where(np.abs(x) < 1, np.arctanh(x), 0.0))


def masked_arccosh(x):
    return np.sum(np.where(x > 1, np.arccosh(x), 0.0))


def masked_cbrt(x):
    return np.sum(np.where(x != 0, np.cbrt(x), 0.0))


def masked_reciprocal(x):
    return np.sum(np.where(x != 0, np.reciprocal(x) + 1.0 / x, 0.0))


def masked_half_power(x):
    return np.sum(np.where(x > 0, x ** 0.5 + np.power(x, 0.5) + np.float_power(x, 0.5), 0.0))


def masked_negative_power(x):
    return np.sum(np.where(x != 0, x ** -2 + np.power(x, -1.0), 0.0))


def softplus(x):
    """log(1 + e^x), written the way that overflows in the branch it does not take."""
    return np.sum(np.where(x > 30.0, x, np.log1p(np.exp(x))))


def masked_sinh_cosh_exp2(x):
    return np.sum(np.where(x < 50.0, np.sinh(x) + np.cosh(x) + np.exp2(x) + np.expm1(x), 0.0))


def masked_divide(x, y):
    return np.sum(np.where(y != 0, x / y + np.divide(x, y), 0.0))


def masked_mod(x, y):
    return np.sum(np.where(y != 0, x % y + np.fmod(x, y) + np.remainder(x, y), 0.0))


def masked_power_base(x, y):
    return np.sum(np.where(x > 0, x ** y, 0.0))


def masked_arctan2(y, x):
    return np.sum(np.where(x * x + y * y > 0, np.arctan2(y, x), 0.0))


def _fd_grad(fn: Callable, args: tuple, i: int, j: int) -> float:
    def at(t: float) -> float:
        a = [np.array(v, dtype=float) for v in args]
        a[i][j] += t
        return float(fn(*a))

    return (at(EPS) - at(-EPS)) / (2 * EPS)


MASKED = [
    (masked_sqrt, (np.array([-1.0, 0.0, 2.0]),), [0, 1]),
    (masked_log, (np.array([-1.0, 0.0, 2.0]),), [0, 1]),
    (masked_log2_log10, (np.array([-1.0, 0.0, 2.0]),), [0, 1]),
    (masked_log1p, (np.array([-2.0, -1.0, 2.0]),), [0, 1]),
    (masked_arcsin_arccos, (np.array([-1.0, 1.0, 2.0, 0.3]),), [0, 1, 2]),
    (masked_arctanh, (np.array([-1.0, 1.0, 2.0, 0.3]),), [0, 1, 2]),
    (masked_arccosh, (np.array([0.5, 1.0, 2.0]),), [0, 1]),
    (masked_cbrt, (np.array([0.0, -2.0, 2.0]),), [0]),
    (masked_reciprocal, (np.array([0.0, -2.0, 2.0]),), [0]),
    (masked_half_power, (np.array([-1.0, 0.0, 2.0]),), [0, 1]),
    (masked_negative_power, (np.array([0.0, -2.0, 2.0]),), [0]),
    (softplus, (np.array([1000.0, 40.0, 0.5, -3.0]),), []),
    (masked_sinh_cosh_exp2, (np.array([2000.0, 800.0, 0.5]),), [0, 1]),
    (masked_divide, (np.array([1.0, 0.0, 2.0]), np.array([0.0, 0.0, 0.5])), [0, 1]),
    (masked_mod, (np.array([1.0, 0.0, 2.3]), np.array([0.0, 0.0, 0.7])), [0, 1]),
    (masked_power_base, (np.array([0.0, -1.0, 2.0]), np.array([0.5, 0.5, 1.5])), [0, 1]),
    (masked_arctan2, (np.array([0.0, 1.0]), np.array([0.0, 2.0])), [0]),
]


@pytest.mark.parametrize("fn,args,masked", MASKED, ids=[m[0].__name__ for m in MASKED])
def test_branch_selected_away_gets_zero_gradient(fn, args, masked):
    wrt = tuple(range(len(args)))
    grads = tl.grad(fn, wrt=wrt)(*args)
    grads = grads if isinstance(grads, tuple) else (grads,)
    for i, (g, x) in enumerate(zip(grads, args)):
        assert not np.isnan(g).any(), f"{fn.__name__}: d/d arg{i} = {g!r}"
        for j in range(np.size(x)):
            if j in masked:
                assert g[j] == 0.0, f"{fn.__name__}: d/d arg{i}[{j}] = {g[j]!r}"
            else:
                np.testing.assert_allclose(g[j], _fd_grad(fn, args, i, j), rtol=FD_RTOL, atol=FD_ATOL)
    # forward mode: the tangent of the whole input, one argument at a time
    for i in range(len(args)):
        tangents = tuple(np.ones(np.shape(a)) if k == i else np.zeros(np.shape(a)) for k, a in enumerate(args))
        _, t = tl.jvp(fn, args, tangents)
        assert np.isfinite(t), f"{fn.__name__}: JVP along arg{i} = {t!r}"
        np.testing.assert_allclose(t, np.sum(grads[i]), rtol=1e-12, atol=1e-12)


def test_hessian_of_the_where_example_and_of_half_powers():
    x = np.array([-1.0, 0.0, 2.0])
    np.testing.assert_allclose(tl.hessian(masked_half_power)(x), np.diag([0.0, 0.0, -0.75 * 2.0 ** -1.5]),
                               rtol=1e-13)
    np.testing.assert_allclose(tl.hvp(masked_log, x, np.ones(3)), [0.0, 0.0, -0.25], rtol=1e-14)
    h = tl.hessian(softplus)(np.array([1000.0, 0.5]))
    s = 1.0 / (1.0 + np.exp(-0.5))
    np.testing.assert_allclose(h, np.diag([0.0, s * (1.0 - s)]), rtol=1e-12)


def entropy_terms(x):
    return np.sum(np.where(x > 0.0, x * np.log(x), 0.0))


def entropy_terms_guarded(x):
    return np.sum(np.where(x > 0.0, x * np.log(np.where(x > 0.0, x, 1.0)), 0.0))


def test_double_where_for_a_product_with_an_infinite_factor():
    """``x * log(x)``: the factor ``log(0) = -inf`` is a value, not a partial derivative; the
    documented spelling guards the input too."""
    xs = np.array([0.0, -1.2, 1.3])
    np.testing.assert_allclose(tl.grad(entropy_terms_guarded)(xs), [0.0, 0.0, math.log(1.3) + 1.0], rtol=1e-14)
    _, t = tl.jvp(entropy_terms, (xs,), (np.ones(3),))  # forward mode selects tangents: fine unguarded
    np.testing.assert_allclose(t, math.log(1.3) + 1.0, rtol=1e-14)


def test_product_with_an_infinite_factor_selected_away_contributes_zero():
    x = np.array([0.0, -1.2, 1.3])
    with np.errstate(divide="ignore", invalid="ignore"):
        np.testing.assert_allclose(tl.grad(entropy_terms)(x), [0.0, 0.0, math.log(1.3) + 1.0], rtol=1e-14)
        np.testing.assert_allclose(tl.grad(entropy_terms_guarded)(x), [0.0, 0.0, math.log(1.3) + 1.0], rtol=1e-14)
        np.testing.assert_allclose(tl.hvp(entropy_terms, x, np.ones(3)), [0.0, 0.0, 1 / 1.3], rtol=1e-14)


def test_conventions_that_stay():
    """A nonzero seed still meets the infinite derivative: sqrt at 0 is inf, as before; arctan2
    at the origin is 0 (the average over all directions)."""
    with np.errstate(divide="ignore"):
        assert tl.grad(sqrt_at)(0.0) == math.inf
        np.testing.assert_array_equal(tl.grad(sqrt_sum)(np.array([0.0, 4.0])), [math.inf, 0.25])
    assert tl.grad(arctan2_yx, wrt=(0, 1))(0.0, 0.0) == (0.0, 0.0)
    assert tl.grad(arctan2_yx, wrt=(0, 1))(1.0, 0.0) == (0.0, -1.0)


def sqrt_at(x):
    return np.sqrt(x)


def sqrt_sum(x):
    return np.sum(np.sqrt(x))


def arctan2_yx(y, x):
    return np.arctan2(y, x)


# ------------------------------------------------------------------ the helpers and their rules


def test_strong_mul_and_strong_div_on_numbers_stay_numbers():
    assert _tl.strong_mul(0.0, math.inf) == 0.0 and _tl.strong_mul(math.nan, 0.0) == 0.0
    assert type(_tl.strong_mul(2.0, 3.0)) is float and _tl.strong_mul(2.0, 3.0) == 6.0
    assert _tl.strong_div(0.0, 0.0) == 0.0 and _tl.strong_div(0.0, math.nan) == 0.0
    assert _tl.strong_div(1.0, 0.0) == math.inf and _tl.strong_div(1.0, -0.0) == -math.inf
    assert _tl.strong_div(-2, 0) == -math.inf and math.isnan(_tl.strong_div(math.nan, 0.0))
    assert type(_tl.strong_div(1.0, 4.0)) is float and _tl.strong_div(1.0, 4.0) == 0.25
    assert _tl.power(0.0, -1.0) == math.inf and _tl.power(-0.0, -1) == -math.inf
    assert math.isnan(_tl.power(-8.0, 1.0 / 3.0)) and _tl.power(1e-200, -2.0) == math.inf
    assert _tl.power(2, -1) == 0.5 and _tl.power(-2.0, 2) == 4.0
    assert _tl.pow_base_bar(0.0, 0.0, 0.5) == 0.0 and _tl.pow_base_bar(1.0, 0.0, 0.5) == math.inf
    assert _tl.pow_base_bar(1.0, 0.0, 0.0) == 0.0 and _tl.pow_base_bar(3.0, 0.0, 1.0) == 3.0
    s = np.float64(0.0)
    assert _tl.strong_mul(s, np.float64(math.inf)) == 0.0 and isinstance(_tl.strong_mul(s, np.inf), np.float64)
    assert _tl.strong_div(s, s) == 0.0 and isinstance(_tl.strong_div(s, s), np.float64)


def test_strong_helpers_on_arrays():
    a = np.array([0.0, 1.0, 0.0, 2.0, np.nan])
    b = np.array([np.inf, np.inf, np.nan, 3.0, 0.0])
    np.testing.assert_array_equal(_tl.strong_mul(a, b), [0.0, np.inf, 0.0, 6.0, 0.0])
    np.testing.assert_array_equal(_tl.strong_div(a, np.array([0.0, 0.0, np.nan, 4.0, 1.0]))[:4],
                                  [0.0, np.inf, 0.0, 0.5])
    # +inf and -inf together make the check's sum NaN: the exact path runs and changes nothing
    np.testing.assert_array_equal(_tl.strong_mul(np.array([1.0, -1.0, 0.0]), np.array([np.inf, np.inf, 2.0])),
                                  [np.inf, -np.inf, 0.0])
    # broadcasting, float32, 2-d and transposed (non C-contiguous) results
    m = np.array([[0.0, 1.0], [2.0, 0.0]], dtype=np.float32)
    out = _tl.strong_div(m.T, np.zeros(2, dtype=np.float32))
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, [[0.0, np.inf], [np.inf, 0.0]])
    np.testing.assert_array_equal(_tl.strong_mul(0.0, np.array([np.inf, 1.0])), [0.0, 0.0])
    assert _tl.strong_mul(np.zeros(0), np.zeros(0)).shape == (0,)
    # a spread-out seed (what _tl.sum_bar gives a large array) is used as the number it is
    x = np.linspace(-2.0, 2.0, 5000)
    g = _tl.sum_bar(3.0, x)
    np.testing.assert_array_equal(_tl.pow_base_bar(g, x, 2), 6.0 * x)
    np.testing.assert_allclose(_tl.pow_base_bar(g, np.abs(x), 0.5)[1:], 1.5 * np.abs(x[1:]) ** -0.5, rtol=1e-15)


def _sample(rng: np.random.Generator, shape: Any, lo: float = -2.0, hi: float = 2.0) -> Any:
    if shape == "float":
        return float(rng.uniform(lo, hi))
    return rng.uniform(lo, hi, size=shape)


Maker = Callable[[np.random.Generator], tuple]

# primitive name -> argument builders, in the format of tests/rule_cases.py (regular points)
CASES: Dict[str, List[Tuple[str, Maker]]] = {
    "tangent_lite.runtime.singular.strong_mul": [
        ("a (3, 4), b (3, 4)", lambda rng: (_sample(rng, (3, 4)), _sample(rng, (3, 4)))),
        ("a (3, 4), b (4,)", lambda rng: (_sample(rng, (3, 4)), _sample(rng, (4,)))),
        ("a float, b (2, 3)", lambda rng: (_sample(rng, "float"), _sample(rng, (2, 3)))),
        ("a float, b float", lambda rng: (_sample(rng, "float"), _sample(rng, "float"))),
    ],
    # r computed from a seed g (the same shape): r where g != 0, exact zeros where g == 0
    # (the adjoint of np.roll, linear in g: here so that every array helper with rules has cases)
    "tangent_lite.runtime.shapes.roll_bar": [
        ("g (3, 4) shift 2", lambda rng: (_sample(rng, (3, 4)), 2)),
        ("g (2, 3) shift -1 axis 1", lambda rng: (_sample(rng, (2, 3)), -1, 1)),
    ],
    "tangent_lite.runtime.shapes.transpose_bar": [  # (linear in g, with rules since it has an array-API branch)
        ("g (3, 4)", lambda rng: (_sample(rng, (3, 4)),)),
        ("g (2, 3, 4) axes (1, 2, 0)", lambda rng: (_sample(rng, (2, 3, 4)), (1, 2, 0))),
    ],
    "tangent_lite.runtime.singular.strong_zero": [
        ("r (3, 4), g (3, 4)", lambda rng: (_sample(rng, (3, 4)), _sample(rng, (3, 4)))),
        ("r float, g float", lambda rng: (_sample(rng, "float"), _sample(rng, "float"))),
    ],
    "tangent_lite.runtime.singular.strong_div": [
        ("a (3, 4), b (3, 4)", lambda rng: (_sample(rng, (3, 4)), _sample(rng, (3, 4), 0.5, 2.0))),
        ("a (3, 4), b (3, 1)", lambda rng: (_sample(rng, (3, 4)), _sample(rng, (3, 1), 0.5, 2.0))),
        ("a float, b (2, 3)", lambda rng: (_sample(rng, "float"), _sample(rng, (2, 3), 0.5, 2.0))),
        ("a float, b float", lambda rng: (_sample(rng, "float"), _sample(rng, "float", 0.5, 2.0))),
    ],
    "tangent_lite.runtime.singular.power": [
        ("x (3, 4), p (3, 4)", lambda rng: (_sample(rng, (3, 4), 0.5, 3.0), _sample(rng, (3, 4)))),
        ("x (3, 4), p float", lambda rng: (_sample(rng, (3, 4), 0.5, 3.0), _sample(rng, "float"))),
        ("x float, p float", lambda rng: (_sample(rng, "float", 0.5, 3.0), _sample(rng, "float"))),
    ],
    "tangent_lite.runtime.singular.pow_base_bar": [
        ("g (3, 4), x (3, 4), y (3, 4)",
         lambda rng: (_sample(rng, (3, 4)), _sample(rng, (3, 4), 0.5, 3.0), _sample(rng, (3, 4)))),
        ("g (3, 4), x (4,), y float",
         lambda rng: (_sample(rng, (3, 4)), _sample(rng, (4,), 0.5, 3.0), _sample(rng, "float"))),
        ("g float, x float, y float",
         lambda rng: (_sample(rng, "float"), _sample(rng, "float", 0.5, 3.0), _sample(rng, "float"))),
        ("g (5,), x (5,), y 2 (the fast path)", lambda rng: (_sample(rng, (5,)), _sample(rng, (5,)), 2)),
    ],
    "builtins.pow": [
        ("float, float", lambda rng: (_sample(rng, "float", 0.5, 3.0), _sample(rng, "float"))),
        ("(3,) array, float", lambda rng: (_sample(rng, (3,), 0.5, 3.0), _sample(rng, "float"))),
    ],
}
HELPER_PARAMS = [pytest.param(name, i, a, id=f"{name.rsplit('.', 1)[1]}-{label}-arg{a}")
                 for name, cases in CASES.items() for i, (label, _) in enumerate(cases)
                 for a in sorted(next(p for p in REGISTRY if p.name == name).jvps)]


def _prim(name: str) -> Any:
    return next(p for p in REGISTRY if p.name == name)


def _rand_like(v: Any, rng: np.random.Generator) -> Any:
    return float(rng.normal()) if isinstance(v, (float, int)) else rng.normal(size=np.shape(v))


def _axpy(x: Any, t: float, v: Any) -> Any:
    return x + t * v


def test_helper_cases_cover_every_helper_rule():
    for name in CASES:
        prim = _prim(name)
        assert set(prim.jvps) == set(prim.vjps) and prim.jvps, name
    # (the shapes helpers whose rules serve second order have their cases in tests/rule_cases.py, checked by
    # tests/test_rules.py the same way)
    import rule_cases

    assert {p.name for p in REGISTRY
            if p.name.startswith(("tangent_lite.runtime.singular.", "tangent_lite.runtime.shapes."))} \
        <= set(CASES) | set(rule_cases.HIGHER_RUNTIME_CASES)


@pytest.mark.parametrize("name,ci,argnum", HELPER_PARAMS)
def test_helper_rules_match_finite_differences_and_are_adjoint(name, ci, argnum):
    prim = _prim(name)
    rng = np.random.default_rng(zlib.crc32(f"{name}-{ci}-{argnum}".encode()))
    args = CASES[name][ci][1](rng)
    if isinstance(args[argnum], int):
        pytest.skip("an integer exponent: not differentiated")
    ans = prim.fn(*args)
    v = _rand_like(args[argnum], rng)

    def at(t: float) -> Any:
        a = list(args)
        a[argnum] = _axpy(a[argnum], t, v)
        return np.asarray(prim.fn(*a), dtype=float)

    fd = (at(EPS) - at(-EPS)) / (2 * EPS)
    t = prim.jvps[argnum].template.fn(v, ans, *args)
    assert np.shape(t) == np.shape(ans)
    np.testing.assert_allclose(t, fd, rtol=FD_RTOL, atol=FD_ATOL * max(1.0, float(np.max(np.abs(fd)))))
    w = _rand_like(ans, rng)
    ct = prim.vjps[argnum].template.fn(w, ans, *args)
    assert np.shape(ct) == np.shape(args[argnum])
    lhs, rhs = float(np.sum(np.asarray(t) * w)), float(np.sum(v * np.asarray(ct)))
    assert abs(lhs - rhs) <= ADJOINT_RTOL * max(1.0, abs(lhs), abs(rhs))


@pytest.mark.parametrize("name", ["tangent_lite.runtime.singular.strong_mul",
                                  "tangent_lite.runtime.singular.strong_div",
                                  "tangent_lite.runtime.singular.pow_base_bar",
                                  "tangent_lite.runtime.singular.strong_zero"])
def test_helper_rules_keep_strong_zeros(name):
    """A zero seed where the helper's own partial is infinite: the helper's rules give 0 too
    (what makes the Hessian of the where example exact)."""
    prim = _prim(name)
    with np.errstate(all="ignore"):
        if name.endswith("strong_mul"):
            args = (np.array([0.0, 1.0]), np.array([np.inf, 2.0]))
        elif name.endswith("strong_div"):
            args = (np.array([0.0, 1.0]), np.array([0.0, 2.0]))
        elif name.endswith("strong_zero"):
            args = (np.array([np.nan, 2.0]), np.array([0.0, 1.0]))
            assert prim.fn(*args)[0] == 0.0
        else:
            args = (np.array([0.0, 1.0]), np.array([0.0, 4.0]), np.array([0.5, 0.5]))
        ans = prim.fn(*args)
        for a in prim.jvps:
            seed = np.array([0.0, 1.0])
            assert not np.isnan(prim.jvps[a].template.fn(seed, ans, *args)[0]), (name, a)
            assert not np.isnan(prim.vjps[a].template.fn(seed, ans, *args)[0]), (name, a)


def third(x):
    return np.sum(np.where(x > 0, x ** 2.5, 0.0))


def test_third_derivative_through_the_helpers():
    """The generated code's generated code: d3/dx3 x^2.5 = 15/8 x^-0.5, 0 where masked."""
    x = np.array([-1.0, 0.0, 4.0])
    v = np.array([1.0, 1.0, 1.0])
    eps = 1e-5
    fd = (tl.hvp(third, x + eps * v, v) - tl.hvp(third, x - eps * v, v)) / (2 * eps)
    np.testing.assert_allclose(fd[2], 15.0 / 8.0 * 4.0 ** -0.5, rtol=1e-6)
    assert fd[0] == 0.0


def pow_2_5(x):
    return x ** 2.5


def cube_log(x):
    return x ** 3 + np.log(x + 1.0)


def test_nested_forward_mode_through_the_helpers():
    """``tl.derivatives``: forward mode over generated forward code, k times."""
    assert [float(d) for d in tl.derivatives(pow_zero, 0.0, 3)] == [1.0, 0.0, 0.0, 0.0]
    np.testing.assert_allclose([float(d) for d in tl.derivatives(pow_2_5, 4.0, 4)],
                               [32.0, 20.0, 7.5, 0.9375, -0.9375 / 8.0], rtol=1e-14)
    np.testing.assert_allclose([float(d) for d in tl.derivatives(cube_log, 0.0, 3)], [0.0, 1.0, -1.0, 8.0],
                               rtol=1e-14)


# ------------------------------------------------------------------ the Numba backend

try:
    from tangent_lite.backends import numba_backend

    _HAVE_NUMBA = numba_backend.available()[0]
except Exception:  # noqa: BLE001 - numba missing or broken: the tests below are skipped
    _HAVE_NUMBA = False


def scalar_powers(x):
    return x ** 0.0 + x ** 2 + x ** 0.5 + np.log(x + 1.0)


@pytest.mark.skipif(not _HAVE_NUMBA, reason="numba is not installed")
def test_numba_backend_has_the_helpers():
    with warnings.catch_warnings():
        warnings.simplefilter("error", BackendFallbackWarning)
        x = np.array([-1.0, 0.0, 4.0])
        np.testing.assert_array_equal(tl.grad(where_sqrt, backend="numba")(x), [0.0, 0.0, 0.25])
        assert tl.grad(scalar_powers, backend="numba")(0.0) == tl.grad(scalar_powers)(0.0) == math.inf
        assert tl.grad(scalar_powers, backend="numba")(2.0) == tl.grad(scalar_powers)(2.0)
        assert tl.grad(pow_zero, backend="numba")(0.0) == 0.0
