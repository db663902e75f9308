"""Runtime helpers for gradients compiled by Numba (the ``backend="numba"`` option).

The generated code calls the helpers of :mod:`tangent_lite.runtime` as ``_tl.<name>``;
:mod:`tangent_lite.backends.numba_rewrite` rewrites those calls to ``_tl_<name>`` and binds them to
the functions below.  Each helper is a plain Python stub plus a ``numba.extending.overload``
that picks an implementation from the Numba types of the arguments (scalar or array, ``None``),
so one helper serves the scalar code that rank specialisation produces and the array code
around it.  A combination a helper does not cover has no implementation: Numba's typing
fails, and the backend falls back to the Python code with a warning.

Like :mod:`tangent_lite.runtime`, every helper is a top-level function using only ``np``,
``math``, ``numba`` and other helpers of this module, so ``adgen --backend numba`` can paste
the ones a module needs into a standalone file (:func:`helper_sources`).

Compile time is the cost of this backend (10 to 200 ms for each implementation of a helper
and each kernel it calls, in every process).  So the implementations and the kernels
(:func:`_kernel`: NumPy allocation and broadcasting, kept out of the implementations) are
compiled with Numba's disk cache (:func:`_jit_options`): next to this file when that
directory is writable, else in Numba's per-user cache directory (``NUMBA_CACHE_DIR``
relocates it; where Numba finds no writable place they are compiled in each process, quietly,
and ``TANGENT_LITE_CACHE=0`` turns the cache off).  A later process loads each in a few
milliseconds.
"""

from __future__ import annotations

import inspect
import math
import os
import re
from typing import Any, Dict, List, Sequence

import numba
import numpy as np
from numba import types as nbtypes
from numba.extending import overload


def _stub(name):
    raise NotImplementedError(f"{name} runs only inside Numba-compiled gradients (see tangent_lite.numba_runtime)")


def _is_array(t):
    return isinstance(t, nbtypes.Array)


def _is_scalar(t):
    return isinstance(t, (nbtypes.Number, nbtypes.Boolean))


def _is_none(t):
    return t is None or isinstance(t, (nbtypes.NoneType, nbtypes.Omitted))


def _jit_options():
    """``{"cache": True}`` where Numba has a writable cache location for this file (and
    ``TANGENT_LITE_CACHE`` does not turn caching off), else ``{}``: compiled in each process."""
    if os.environ.get("TANGENT_LITE_CACHE", "1") in ("0", "false", "no", "off"):
        return {}
    try:
        numba.njit(cache=True)(_jit_options)  # looks for a cache location; compiles nothing
    except Exception:  # noqa: BLE001 - no writable cache location
        return {}
    return {"cache": True}


def _kernel(fn):
    """``fn`` compiled by Numba, its machine code kept in Numba's disk cache where possible."""
    return numba.njit(**_jit_options())(fn)


@_kernel
def _zeros(shape):
    """Float64 zeros of ``shape``."""
    return np.zeros(shape)


@_kernel
def _broadcast_copy(g, shape):
    """A new array: ``g`` broadcast to ``shape``."""
    return np.broadcast_to(g, shape).copy()


@_kernel
def _empty_f8(n):
    return np.empty(n, dtype=np.float64)


@_kernel
def _empty_i8(n):
    return np.empty(n, dtype=np.int64)


@_kernel
def _empty_b1(n):
    return np.empty(n, dtype=np.bool_)


@_kernel
def _sum_to(g, like):
    """``g`` summed over the axes along which ``like``'s shape was broadcast to ``g``'s."""
    gs = g.shape
    xs = like.shape
    lead = g.ndim - like.ndim
    out = np.zeros(xs, dtype=g.dtype)
    flat_out = out.reshape(out.size)
    flat_g = np.ascontiguousarray(g).reshape(g.size)
    strides = np.zeros(like.ndim, dtype=np.int64)
    step = 1
    for ax in range(like.ndim - 1, -1, -1):
        strides[ax] = step
        step *= xs[ax]
    for k in range(flat_g.size):
        rest = k
        pos = 0
        for ax in range(g.ndim - 1, -1, -1):
            i = rest % gs[ax]
            rest //= gs[ax]
            xa = ax - lead
            if xa >= 0 and xs[xa] != 1:
                pos += i * strides[xa]
        flat_out[pos] += flat_g[k]
    return out


def unbroadcast(g, x):
    """Sum ``g`` over the axes NumPy broadcast ``x`` along, so it has ``x``'s shape."""
    _stub("unbroadcast")


@overload(unbroadcast, jit_options=_jit_options())
def _unbroadcast_impl(g, x):
    if not _is_array(x):
        if _is_array(g):
            return lambda g, x: g.sum()
        return lambda g, x: g
    if not _is_array(g):
        return lambda g, x: np.full(x.shape, g)
    if g.ndim < x.ndim:
        return lambda g, x: _broadcast_copy(g, x.shape)
    if g.ndim == x.ndim:
        def same_rank(g, x):
            if g.shape == x.shape:
                return g
            return _sum_to(g, x)
        return same_rank
    return lambda g, x: _sum_to(g, x)


def zeros_like(x):
    """A float zero shaped like ``x`` (0.0 for a number)."""
    _stub("zeros_like")


@overload(zeros_like, jit_options=_jit_options())
def _zeros_like_impl(x):
    if _is_array(x):
        if isinstance(x.dtype, nbtypes.Float) and x.dtype != nbtypes.float64:
            return lambda x: np.zeros(x.shape, dtype=x.dtype)
        return lambda x: _zeros(x.shape)
    if _is_scalar(x):
        return lambda x: 0.0
    return None


def as_grad(g, x):
    """The gradient returned for argument ``x``: ``x``'s shape, a float."""
    _stub("as_grad")


@overload(as_grad, jit_options=_jit_options())
def _as_grad_impl(g, x):
    if _is_array(x):
        if _is_none(g):
            return lambda g, x: _zeros(x.shape)
        if _is_array(g):
            target = x.dtype if isinstance(x.dtype, nbtypes.Float) else nbtypes.float64
            if g.dtype == target:
                def same_dtype(g, x):
                    if g.shape == x.shape:
                        return g
                    return _broadcast_copy(g, x.shape)
                return same_dtype
            return lambda g, x: np.broadcast_to(g, x.shape).astype(target)
        if _is_scalar(g):
            return lambda g, x: np.full(x.shape, float(g))
        return None
    if _is_scalar(x):
        if _is_none(g):
            return lambda g, x: 0.0
        if _is_scalar(g):
            return lambda g, x: float(g)
    return None


def copied(v):
    """A copy of a list or array a pullback changes in place (so it can be called again)."""
    _stub("copied")


@overload(copied, jit_options=_jit_options())
def _copied_impl(v):
    if isinstance(v, (nbtypes.List, nbtypes.Array)):
        return lambda v: v.copy()
    return lambda v: v


def saved(v):
    """A value to put on the tape before it is overwritten in place (arrays are copied)."""
    _stub("saved")


@overload(saved, jit_options=_jit_options())
def _saved_impl(v):
    if _is_array(v):
        return lambda v: v.copy()
    return lambda v: v


def add(a, b):
    """Add two adjoints; ``None`` is zero."""
    _stub("add")


@overload(add, jit_options=_jit_options())
def _add_impl(a, b):
    if _is_none(a):
        return lambda a, b: b
    if _is_none(b):
        return lambda a, b: a
    if (_is_array(a) or _is_scalar(a)) and (_is_array(b) or _is_scalar(b)):
        return lambda a, b: a + b
    return None


def balanced_eq(x, ans, other):
    """1 where ``x`` is the result of max/min(x, other), 1/2 on ties, else 0."""
    _stub("balanced_eq")


@overload(balanced_eq, jit_options=_jit_options())
def _balanced_eq_impl(x, ans, other):
    if _is_scalar(x) and _is_scalar(ans) and _is_scalar(other):
        def scalar(x, ans, other):
            hit = 1.0 if x == ans else 0.0
            tie = 1.0 if x == other else 0.0
            return hit / (1.0 + tie)
        return scalar
    if _is_array(x) or _is_array(ans) or _is_array(other):
        return lambda x, ans, other: np.where(np.equal(x, ans), 1.0, 0.0) / (1.0 + np.where(np.equal(x, other),
                                                                                               1.0, 0.0))
    return None


def builtin_extremum_bar(g, ans, x, other):
    """Cotangent of ``x`` in the builtin ``max(x, other)`` / ``min(x, other)`` (two values)."""
    _stub("builtin_extremum_bar")


@overload(builtin_extremum_bar, jit_options=_jit_options())
def _builtin_extremum_bar_impl(g, ans, x, other):
    if _is_none(other):  # max of one sequence: the Python backend handles it
        return None
    return lambda g, ans, x, other: g * balanced_eq(x, ans, other)


def pow_exponent_bar(g, ans, x):
    """``g * ans * log(x)``, taken as 0 where ``x == 0`` (the limit for y > 0)."""
    _stub("pow_exponent_bar")


@overload(pow_exponent_bar, jit_options=_jit_options())
def _pow_exponent_bar_impl(g, ans, x):
    if _is_scalar(x):
        return lambda g, ans, x: g * ans * np.log(1.0 if x == 0 else x)
    if _is_array(x):
        return lambda g, ans, x: g * ans * np.log(np.where(x == 0, 1.0, x))
    return None


def safe_ratio(num, x):
    """``num / x``, with 0 where ``x == 0``."""
    _stub("safe_ratio")


@overload(safe_ratio, jit_options=_jit_options())
def _safe_ratio_impl(num, x):
    if _is_scalar(x) and _is_scalar(num):
        return lambda num, x: 0.0 if x == 0 else num / x
    if _is_array(x) or _is_array(num):
        return lambda num, x: np.where(np.equal(x, 0), 0.0, num / np.where(np.equal(x, 0), 1.0, x))
    return None


# ---------------------------------------------------------------- strong zeros at singular points
# (tangent_lite/runtime/singular.py): a zero seed times an infinite or NaN partial
# derivative is exactly 0; +-inf rather than ZeroDivisionError for numbers.


def strong_mul(a, b):
    """``a * b``, exactly 0 wherever ``a == 0`` or ``b == 0`` (whatever the other factor is)."""
    _stub("strong_mul")


@overload(strong_mul, jit_options=_jit_options())
def _strong_mul_impl(a, b):
    if _is_scalar(a) and _is_scalar(b):
        return lambda a, b: 0.0 if a == 0 or b == 0 else a * b
    if _is_array(a) or _is_array(b):
        return lambda a, b: np.where(np.logical_or(np.equal(a, 0), np.equal(b, 0)), 0.0, a * b)
    return None


def strong_div(a, b):
    """``a / b``, exactly 0 wherever ``a == 0``; +-inf where only ``b == 0``."""
    _stub("strong_div")


@overload(strong_div, jit_options=_jit_options())
def _strong_div_impl(a, b):
    if _is_scalar(a) and _is_scalar(b):
        def scalar(a, b):
            if a == 0:
                return 0.0
            if b == 0:
                return a * math.copysign(math.inf, b)
            return a / b
        return scalar
    if _is_array(a) or _is_array(b):
        return lambda a, b: np.where(np.equal(a, 0), 0.0, a / b)
    return None


@_kernel
def _ieee_pow(x, p):
    """``x ** p`` for numbers as IEEE arithmetic has it (inf for ``0.0 ** -1``, NaN for
    ``(-8.0) ** (1 / 3)``)."""
    if x > 0:
        return math.pow(float(x), float(p))
    return np.power(float(x), float(p))


def power(x, p):
    """``x ** p`` as IEEE arithmetic has it (inf for ``0.0 ** -1``, NaN for ``(-8.0) ** (1 / 3)``)."""
    _stub("power")


@overload(power, jit_options=_jit_options())
def _power_impl(x, p):
    if _is_scalar(x) and _is_scalar(p):
        return lambda x, p: _ieee_pow(x, p)
    if _is_array(x) or _is_array(p):
        return lambda x, p: np.power(x, p * 1.0)  # a float exponent: integer bases too
    return None


def pow_base_bar(g, x, y):
    """``g * y * x ** (y - 1)``, exactly 0 where ``g == 0`` or ``y == 0``."""
    _stub("pow_base_bar")


@overload(pow_base_bar, jit_options=_jit_options())
def _pow_base_bar_impl(g, x, y):
    if _is_scalar(g) and _is_scalar(x) and _is_scalar(y):
        return lambda g, x, y: 0.0 if g == 0 or y == 0 else g * y * _ieee_pow(x, y - 1)
    if _is_scalar(g) and _is_scalar(y) and _is_array(x):
        def scalar_seed(g, x, y):
            r = g * y * np.power(x, y - 1.0)
            if g == 0 or y == 0:
                return np.zeros_like(r)
            return r
        return scalar_seed
    if _is_array(g) or _is_array(y):
        def arrays(g, x, y):
            gy = g * y
            return np.where(np.equal(gy, 0), 0.0, gy * np.power(x, y - 1.0))
        return arrays
    return None


def abs_grad(x):
    """d|x|/dx = sign(x), with the convention 0 at x == 0."""
    _stub("abs_grad")


@overload(abs_grad, jit_options=_jit_options())
def _abs_grad_impl(x):
    if _is_scalar(x):
        return lambda x: (1.0 if x > 0 else (-1.0 if x < 0 else 0.0))
    if _is_array(x):
        return lambda x: np.sign(x)
    return None


def nan_zero(t, a):
    """The tangent ``t`` with 0 where ``a`` is NaN."""
    _stub("nan_zero")


@overload(nan_zero, jit_options=_jit_options())
def _nan_zero_impl(t, a):
    if _is_scalar(a) and _is_scalar(t):
        return lambda t, a: 0.0 if math.isnan(a) else t
    if _is_array(a) or _is_array(t):
        return lambda t, a: np.where(np.isnan(a), 0.0, t)
    return None


def sum_bar(g, x, axis=None, keepdims=False):
    """Cotangent of ``x`` in ``np.sum(x)`` (whole-array sums only)."""
    _stub("sum_bar")


@overload(sum_bar, jit_options=_jit_options())
def _sum_bar_impl(g, x, axis=None, keepdims=False):
    if not _is_none(axis) or not _is_scalar(g):
        return None
    if _is_array(x):
        return lambda g, x, axis=None, keepdims=False: np.full(x.shape, g)
    return lambda g, x, axis=None, keepdims=False: g


def mean_bar(g, x, axis=None, keepdims=False):
    """Cotangent of ``x`` in ``np.mean(x)`` (whole-array means only)."""
    _stub("mean_bar")


@overload(mean_bar, jit_options=_jit_options())
def _mean_bar_impl(g, x, axis=None, keepdims=False):
    if not _is_none(axis) or not _is_scalar(g):
        return None
    if _is_array(x):
        return lambda g, x, axis=None, keepdims=False: np.full(x.shape, g / x.size)
    return lambda g, x, axis=None, keepdims=False: g


def array_method(v, message, containers=False):
    """Nothing: what Numba compiles holds numbers, arrays and tuples and lists of them, never an
    object of the user's class (no Numba type: such a call runs the Python code, which checks it)."""
    _stub("array_method")


@overload(array_method, jit_options=_jit_options())
def _array_method_impl(v, message, containers=False):
    return lambda v, message, containers=False: None


def operand(v, where, op, shown, method=""):
    """Nothing, as :func:`array_method`."""
    _stub("operand")


@overload(operand, jit_options=_jit_options())
def _operand_impl(v, where, op, shown, method=""):
    return lambda v, where, op, shown, method="": None


def seq_item(seq, k):
    """``seq[k]`` for an array, list or ``range`` (Numba cannot index a range)."""
    _stub("seq_item")


@overload(seq_item, jit_options=_jit_options())
def _seq_item_impl(seq, k):
    if isinstance(seq, nbtypes.RangeType):
        return lambda seq, k: seq.start + k * seq.step
    return lambda seq, k: seq[k]


def tape_new(n, v):
    """A tape for ``n`` values like ``v`` (the first one pushed), indexed by iteration: an array
    for a float, int64 or bool, else a list."""
    _stub("tape_new")


@overload(tape_new, jit_options=_jit_options())
def _tape_new_impl(n, v):
    if isinstance(v, nbtypes.Float) and v.bitwidth == 64:
        return lambda n, v: _empty_f8(n)
    if isinstance(v, nbtypes.Integer) and v.bitwidth == 64 and v.signed:
        return lambda n, v: _empty_i8(n)
    if isinstance(v, nbtypes.Boolean):
        return lambda n, v: _empty_b1(n)
    return lambda n, v: [v] * n


#: the ``_tl.<name>`` helpers compiled code may call
HELPERS = ("unbroadcast", "zeros_like", "as_grad", "copied", "saved", "add", "balanced_eq",
           "builtin_extremum_bar", "pow_exponent_bar", "safe_ratio", "abs_grad", "nan_zero", "sum_bar",
           "mean_bar", "seq_item", "tape_new", "strong_mul", "strong_div", "power", "pow_base_bar", "array_method",
           "operand")


# ---------------------------------------------------------------- adgen support


def helper_sources(names: Sequence[str]) -> str:
    """Source text of the named helpers, their overloads and what those call, for standalone files."""
    ns: Dict[str, Any] = globals()
    own = [n for n, v in ns.items() if getattr(v, "__module__", None) == __name__
           and (inspect.isfunction(v) or hasattr(v, "py_func")) and n != "helper_sources"]
    texts = {n: inspect.getsource(getattr(ns[n], "py_func", ns[n])) for n in own}
    wanted: List[str] = []
    todo = [n for n in names if n in HELPERS]
    for n in list(todo):
        todo.append(f"_{n}_impl")
    while todo:
        n = todo.pop()
        if n in wanted or n not in texts:
            continue
        wanted.append(n)
        todo.extend(o for o in own if o not in wanted and re.search(rf"\b{re.escape(o)}\b", texts[n]))
    return "\n\n".join(texts[n].rstrip() + "\n" for n in own if n in wanted)
