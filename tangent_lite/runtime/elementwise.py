"""Local partial derivatives of elementwise functions with a convention at their kinks
(``|x|``, ``log`` and ``x ** y`` at 0, ``sinc``, ``clip``), and the ties of max/min
(``np.maximum``, ``np.minimum``, the builtin ``max``/``min``): shared evenly.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .containers import sequence_bar
from .library import inexact, namespace
from .values import zeros_like


def pow_exponent_bar(g: Any, ans: Any, x: Any) -> Any:
    """``g * ans * log(x)``, taken as 0 where ``x == 0`` (the limit for y > 0); NaN without a
    warning where ``x < 0`` (no derivative in the exponent there: callers multiply it by the
    exponent's seed with strong zeros, so a constant exponent, e.g. an integer a loop computes
    and the reverse sweep pops from its tape, contributes exactly 0, quietly)."""
    xp = namespace(x)
    if xp is not np:  # an array-API array: its own where and log (it has no floating-point error state)
        return g * ans * xp.log(xp.where(x == 0, xp.ones_like(x), x))
    safe = np.where(np.equal(x, 0), 1.0, x)
    with np.errstate(invalid="ignore"):
        log = np.log(safe)
    if np.ndim(log) == 0 and (namespace(g) is not np or namespace(ans) is not np):
        log = float(log)  # a number base (2.0 ** x): a Python number, which any array library takes
    return g * ans * log


def abs_grad(x: Any) -> Any:
    """d|x|/dx = sign(x), with the convention 0 at x == 0; for complex ``x``, ``conj(x) / |x|``
    (``d|x| = Re(abs_grad(x) * dx)``, docs/complex-numbers.md)."""
    if np.iscomplexobj(x):
        r = np.abs(x)
        return np.where(r == 0, 0.0, np.conj(x) / np.where(r == 0, 1.0, r))
    xp = namespace(x)  # (an array-API array: its own sign, never NumPy's)
    return xp.sign(x)


def balanced_eq(x: Any, ans: Any, other: Any) -> Any:
    """1 where ``x`` is the result of max/min(x, other), 1/2 on ties, else 0."""
    xp = namespace(x)
    if xp is not np:  # an array-API array: its own comparisons, as its own float dtype
        return xp.astype(x == ans, x.dtype) / (1.0 + xp.astype(x == other, x.dtype))
    w = np.equal(x, ans) / (1.0 + np.equal(x, other))
    dt = np.result_type(x, other, 0.0)  # (x's float dtype: float32 stays float32)
    return w.astype(dt) if dt.kind == "f" and dt != w.dtype else w


def safe_ratio(num: Any, x: Any) -> Any:
    """``num / x``, with 0 where ``x == 0`` (derivatives of ``log`` taken as 0 at 0)."""
    zero = np.equal(x, 0)
    return np.where(zero, 0.0, num / np.where(zero, 1.0, x))


def sinc_grad(x: Any) -> Any:
    """d sinc(x) / dx = (cos(pi x) - sinc(x)) / x, and 0 at x == 0."""
    u = np.pi * inexact(x)
    zero = u == 0
    safe = np.where(zero, 1.0, u)
    return np.where(zero, 0.0, np.pi * (np.cos(safe) - np.sin(safe) / safe) / safe)


def clip_weight(which: int, a: Any, a_min: Any, a_max: Any, min: Any = None, max: Any = None) -> Any:
    """d clip(a, lo, hi) / d(a, lo, hi)[which], with clip = minimum(maximum(a, lo), hi).

    Ties split the derivative evenly, as for ``np.maximum``/``np.minimum``.
    """
    lo = a_min if a_min is not None else min
    hi = a_max if a_max is not None else max
    m = a if lo is None else np.maximum(a, lo)
    out = m if hi is None else np.minimum(m, hi)
    d_m = 1.0 if hi is None else balanced_eq(m, out, hi)
    if which == 0:
        return d_m * (1.0 if lo is None else balanced_eq(a, m, lo))
    if which == 1:
        return d_m * balanced_eq(lo, m, a)
    return balanced_eq(hi, out, m)


# ---------------------------------------------------------------- the builtin max and min


def builtin_extremum_dot(t: Any, ans: Any, x: Any, other: Any, position: int) -> Any:
    """Tangent contribution of ``x`` to the builtin ``max(x, other)`` / ``min(x, other)``
    (ties: half each), or to ``max(x)`` of a sequence (ties: the average of the tied entries)."""
    if other is None and position == 0:
        entries = list(x)
        ts = list(t)
        tied = [ti for xi, ti in zip(entries, ts) if xi == ans]
        return sum(tied) / len(tied)
    return t * balanced_eq(x, ans, other)


def builtin_extremum_bar(g: Any, ans: Any, x: Any, other: Any) -> Any:
    """Cotangent of ``x`` in the builtin ``max``/``min`` (two values, or one sequence)."""
    if other is None:
        entries = list(x)
        n = sum(1 for xi in entries if xi == ans)
        out = [g / n if xi == ans else zeros_like(xi) for xi in entries]
        return sequence_bar(out, x)  # out as x's sequence type (differentiable: no computed callee)
    w = balanced_eq(x, ans, other)
    if np.ndim(w) == 0:
        return g * w if w != 0 else zeros_like(g)  # (exactly 0 for the other operand, whatever g is)
    return np.where(w == 0, 0.0, g * w)
