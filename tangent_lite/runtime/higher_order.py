"""Helpers that the rules of other runtime helpers emit: derivatives of derivative code.

A first-order rule of ``np.einsum`` or ``np.linalg.norm`` calls ``einsum_bar`` / ``norm_bar``;
differentiating the generated code again (a Hessian) needs those helpers' own derivatives, and
these helpers compute them (``rules/runtime_rules_more.py`` registers the rules).

* einsum: ``einsum_tangent`` and ``einsum_bar`` are linear in their seed and in every operand
  but the ``k``-th; their derivatives are einsums with two operands replaced
  (``einsum_tangent2``) or the cotangent of one operand of an einsum with another replaced
  (``einsum_bar2``).
* multi_dot: ``multi_dot_tangent`` and ``multi_dot_bar`` are linear in their seed and in each
  array; their derivatives replace two arrays (``multi_dot_pairs``, ``multi_dot_pairs_bar``).
* norms: the direction ``d = d||x|| / dx`` of ``norm_bar``/``norm_tangent`` depends on ``x``
  and on the norm ``n``; ``norm_dir_partials`` gives ``dd = a_x * x_dot + a_n * n_dot``
  (elementwise in ``x``), from which the other helpers build the tangents and cotangents.
  For complex ``x`` the direction is ``D(|x|) * g(x)`` with ``g = abs_grad(x) = conj(x) / |x|``
  (``reductions.norm_dir``): each helper applies the real one at ``|x|`` (``d|x| = Re(g * x_dot)``)
  and adds the term of ``g``'s own derivative (``abs_grad_tangent`` / ``abs_grad_cotangent``).
"""

from __future__ import annotations

from typing import Any, Sequence, Tuple

import numpy as np

from .blocks import expand_reduced, safe_div
from .elementwise import abs_grad
from .library import inexact, zeros_of
from .products import einsum_bar, einsum_ops, multi_dot_bar
from .reductions import norm_axes, norm_bar, norm_tangent
from .singular import strong_div

# ---------------------------------------------------------------- einsum


def einsum_tangent2(t: Any, k: int, v: Any, j: int, subscripts: str, op0: Any, op1: Any = None, op2: Any = None,
                    op3: Any = None, op4: Any = None, op5: Any = None, optimize: Any = False) -> Any:
    """``np.einsum(subscripts, *ops)`` with operand ``k`` replaced by ``t`` and operand ``j`` by
    ``v`` (zero when ``j == k``: the operand was already replaced)."""
    ops = einsum_ops(op0, op1, op2, op3, op4, op5)
    ops[k] = t
    if j == k:
        return np.zeros(np.shape(np.einsum(subscripts, *ops, optimize=optimize)))
    ops[j] = v
    return np.einsum(subscripts, *ops, optimize=optimize)


def einsum_bar2(g: Any, k: int, v: Any, j: int, subscripts: str, op0: Any, op1: Any = None, op2: Any = None,
                op3: Any = None, op4: Any = None, op5: Any = None, optimize: Any = False) -> Any:
    """The cotangent of operand ``j`` of an einsum whose operand ``k`` is replaced by ``v``
    (zero when ``j == k``)."""
    ops = einsum_ops(op0, op1, op2, op3, op4, op5)
    if j == k:
        return np.zeros(np.shape(ops[j]))
    ops[k] = v
    ops = ops + [None] * (6 - len(ops))
    return einsum_bar(g, j, subscripts, *ops, optimize=optimize)


# ---------------------------------------------------------------- multi_dot


def multi_dot_pairs(ts: Sequence[Any], vs: Sequence[Any], arrays: Sequence[Any]) -> Any:
    """The sum over ``i != j`` of ``multi_dot(arrays)`` with array ``i`` replaced by ``ts[i]`` and
    array ``j`` by ``vs[j]``."""
    total: Any = 0.0
    for i in range(len(arrays)):
        if np.ndim(ts[i]) == 0 and np.ndim(arrays[i]) != 0:  # a symbolic-zero tangent: contributes nothing
            continue
        for j in range(len(arrays)):
            if i != j:
                parts = list(arrays)
                parts[i], parts[j] = ts[i], vs[j]
                total = total + np.linalg.multi_dot(parts)
    return total


def multi_dot_pairs_bar(g: Any, ts: Sequence[Any], arrays: Sequence[Any]) -> list:
    """For each ``j``: the sum over ``i != j`` of the cotangent of array ``j`` of
    ``multi_dot(arrays)`` with array ``i`` replaced by ``ts[i]``, seeded with ``g``."""
    out = [np.zeros(np.shape(a)) for a in arrays]
    for i in range(len(arrays)):
        if np.ndim(ts[i]) == 0 and np.ndim(arrays[i]) != 0:  # a symbolic-zero tangent: contributes nothing
            continue
        parts = list(arrays)
        parts[i] = ts[i]
        bars = multi_dot_bar(g, parts)
        out = [o if j == i else o + b for j, (o, b) in enumerate(zip(out, bars))]
    return out


# ---------------------------------------------------------------- norms


def norm_dir_partials(ans: Any, x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False,
                      kind: str = "norm") -> Tuple[Any, Any, tuple]:
    """``(a_x, a_n, axes)``: the tangent of the direction ``d`` of ``norm_bar`` is
    ``a_x * x_dot + a_n * n_dot`` (``n_dot`` expanded to ``x``'s shape). Piecewise constant
    directions (ord 0, 1, inf, matrix 1 and inf norms) have zero derivatives."""
    x = inexact(x)  # (in its own library: a Dask array stays lazy)
    which, axes = norm_axes(x, ord, axis, kind)
    n = inexact(expand_reduced(ans, x.shape, axes, keepdims))
    zero = zeros_of(x.shape, x)
    if which == "matrix":
        if ord in ("nuc", 2, -2):
            raise NotImplementedError(
                f"tangent_lite: second derivatives of the matrix norm ord={ord!r} are not supported "
                "(use ord='fro', or first-order derivatives)")
        if ord not in (None, "fro"):
            return zero, zero, axes
        p = 2.0
    else:
        if ord in (0, 1, np.inf, -np.inf):
            return zero, zero, axes
        p = 2.0 if ord is None else float(ord)
    ax = np.abs(x)
    pos = ax > 0
    safe = np.where(pos, ax, 1.0)
    a_x = (p - 1.0) * np.where(pos, safe ** (p - 2.0), 1.0 if p == 2.0 else 0.0) * safe_div(1.0, n ** (p - 1.0))
    a_n = (1.0 - p) * np.sign(x) * np.where(pos, safe ** (p - 1.0), 0.0) * safe_div(1.0, n ** p)
    return a_x, a_n, axes


def abs_grad_tangent(t: Any, ag: Any, x: Any) -> Any:
    """The derivative of ``ag = abs_grad(x) = conj(x) / |x|`` along ``t`` (complex ``x``)."""
    return strong_div((np.conjugate(t) - ag * np.real(ag * t)) * np.abs(ag), np.abs(x))


def abs_grad_cotangent(h: Any, ag: Any, x: Any) -> Any:
    """The cotangent of complex ``x`` through ``ag = abs_grad(x)``, for the cotangent ``h`` of ``ag``."""
    return strong_div((np.conjugate(h) - np.real(h * ag) * ag) * np.abs(ag), np.abs(x))


def norm_dir_dot(w: Any, x_dot: Any, n_dot: Any, ans: Any, x: Any, ord: Any = None, axis: Any = None,
                 keepdims: bool = False, kind: str = "norm") -> Any:
    """``expand(w) * dd``: the tangent of ``norm_bar(w, ans, x, ...)`` along ``x_dot`` and
    ``n_dot`` (the tangent of ``ans``)."""
    if np.iscomplexobj(x):
        ag, r = abs_grad(x), np.abs(x)
        along_r = real_norm_dir_dot(w, np.real(ag * x_dot), n_dot, ans, r, ord, axis, keepdims, kind)
        return along_r * ag + norm_bar(w, ans, r, ord, axis, keepdims, kind) * abs_grad_tangent(x_dot, ag, x)
    return real_norm_dir_dot(w, x_dot, n_dot, ans, x, ord, axis, keepdims, kind)


def real_norm_dir_dot(w: Any, x_dot: Any, n_dot: Any, ans: Any, x: Any, ord: Any = None, axis: Any = None,
                      keepdims: bool = False, kind: str = "norm") -> Any:
    a_x, a_n, axes = norm_dir_partials(ans, x, ord, axis, keepdims, kind)
    shape = np.shape(x)
    dd = a_x * x_dot + a_n * expand_reduced(n_dot, shape, axes, keepdims)
    return expand_reduced(w, shape, axes, keepdims) * dd


def norm_dir_reduce(t: Any, x_dot: Any, n_dot: Any, ans: Any, x: Any, ord: Any = None, axis: Any = None,
                    keepdims: bool = False, kind: str = "norm") -> Any:
    """The tangent of ``norm_tangent(t, ans, x, ...)`` along ``x_dot`` and ``n_dot``."""
    if np.iscomplexobj(x):
        ag, r = abs_grad(x), np.abs(x)
        along_r = real_norm_dir_reduce(np.real(ag * t), np.real(ag * x_dot), n_dot, ans, r, ord, axis, keepdims, kind)
        return along_r + norm_tangent(np.real(abs_grad_tangent(x_dot, ag, x) * t), ans, r, ord, axis, keepdims, kind)
    return real_norm_dir_reduce(t, x_dot, n_dot, ans, x, ord, axis, keepdims, kind)


def real_norm_dir_reduce(t: Any, x_dot: Any, n_dot: Any, ans: Any, x: Any, ord: Any = None, axis: Any = None,
                         keepdims: bool = False, kind: str = "norm") -> Any:
    a_x, a_n, axes = norm_dir_partials(ans, x, ord, axis, keepdims, kind)
    dd = a_x * x_dot + a_n * expand_reduced(n_dot, np.shape(x), axes, keepdims)
    return np.sum(dd * t, axis=axes, keepdims=keepdims)


def norm_dir_bar_x(w: Any, h: Any, ans: Any, x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False,
                   kind: str = "norm") -> Any:
    """``expand(w) * a_x * h``: the cotangent of ``x`` through the direction ``d``."""
    if np.iscomplexobj(x):
        ag, r = abs_grad(x), np.abs(x)
        through_r = real_norm_dir_bar_x(w, np.real(h * ag), ans, r, ord, axis, keepdims, kind)
        return through_r * ag + abs_grad_cotangent(h * norm_bar(w, ans, r, ord, axis, keepdims, kind), ag, x)
    return real_norm_dir_bar_x(w, h, ans, x, ord, axis, keepdims, kind)


def real_norm_dir_bar_x(w: Any, h: Any, ans: Any, x: Any, ord: Any = None, axis: Any = None,
                        keepdims: bool = False, kind: str = "norm") -> Any:
    a_x, _, axes = norm_dir_partials(ans, x, ord, axis, keepdims, kind)
    return expand_reduced(w, np.shape(x), axes, keepdims) * a_x * h


def norm_dir_bar_n(w: Any, h: Any, ans: Any, x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False,
                   kind: str = "norm") -> Any:
    """The cotangent of the norm ``ans`` through the direction ``d``."""
    if np.iscomplexobj(x):
        return real_norm_dir_bar_n(w, np.real(h * abs_grad(x)), ans, np.abs(x), ord, axis, keepdims, kind)
    return real_norm_dir_bar_n(w, h, ans, x, ord, axis, keepdims, kind)


def real_norm_dir_bar_n(w: Any, h: Any, ans: Any, x: Any, ord: Any = None, axis: Any = None,
                        keepdims: bool = False, kind: str = "norm") -> Any:
    _, a_n, axes = norm_dir_partials(ans, x, ord, axis, keepdims, kind)
    out = np.sum(expand_reduced(w, np.shape(x), axes, keepdims) * a_n * h, axis=axes, keepdims=keepdims)
    return np.reshape(out, np.shape(ans))
