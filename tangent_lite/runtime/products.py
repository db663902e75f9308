"""Adjoints and tangents of products: matmul, dot, vecdot, inner, tensordot, einsum, kron,
cross, multi_dot and matrix powers; also convolution, polynomial evaluation and interpolation.

Matrix helpers work on stacks of matrices (the last two axes).
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .blocks import matrix_t, seq_like
from .broadcast import real_cotangent, unbroadcast
from .library import as_array, inexact, is_foreign, zeros_of

# ---------------------------------------------------------------- matmul and dot


def matmul_bar_a(g: Any, a: Any, b: Any) -> Any:
    """Adjoint of ``a @ b`` with respect to ``a`` (1-D and batched operands)."""
    if type(a) is np.ndarray and type(b) is np.ndarray and a.ndim == 2 and b.ndim == 2:
        return real_cotangent(g @ b.T, a)  # matrices: nothing broadcast, the common case first
    a_nd, b_nd = np.ndim(a), np.ndim(b)
    if b_nd == 1:
        if a_nd == 1:
            return real_cotangent(g * b, a)
        return unbroadcast(g[..., None] * b, a)
    if a_nd == 1:
        return unbroadcast((g[..., None, :] @ matrix_t(b))[..., 0, :], a)
    return unbroadcast(g @ matrix_t(b), a)


def matmul_bar_b(g: Any, a: Any, b: Any) -> Any:
    """Adjoint of ``a @ b`` with respect to ``b``."""
    if type(a) is np.ndarray and type(b) is np.ndarray and a.ndim == 2 and b.ndim == 2:
        return real_cotangent(a.T @ g, b)
    a_nd, b_nd = np.ndim(a), np.ndim(b)
    if a_nd == 1:
        if b_nd == 1:
            return real_cotangent(g * a, b)
        return unbroadcast(a[:, None] * g[..., None, :], b)
    if b_nd == 1:
        if a_nd == 2:  # (rows of unknown count, as Dask has them after a boolean mask, are summed over)
            return matrix_t(a) @ g
        return unbroadcast((matrix_t(a) @ g[..., None])[..., 0], b)
    return unbroadcast(matrix_t(a) @ g, b)


def dot_bar_a(g: Any, a: Any, b: Any) -> Any:
    """Adjoint of ``np.dot(a, b)`` with respect to ``a`` (scalars, 1-D, N-D)."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return unbroadcast(g * b, a) if np.ndim(b) == 0 else real_cotangent(np.sum(g * b), a)
    if np.ndim(b) <= 2:  # then dot is matmul
        return matmul_bar_a(g, a, b)
    # general N-D: dot sums over a's last axis and b's second-to-last
    b_axes = [i for i in range(np.ndim(b)) if i != np.ndim(b) - 2]
    g_axes = list(range(np.ndim(a) - 1, np.ndim(g)))
    return real_cotangent(np.tensordot(g, b, axes=(g_axes, b_axes)), a)


def dot_bar_b(g: Any, a: Any, b: Any) -> Any:
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return unbroadcast(g * a, b) if np.ndim(a) == 0 else real_cotangent(np.sum(g * a), b)
    if np.ndim(b) <= 2:
        return matmul_bar_b(g, a, b)
    a_axes = list(range(np.ndim(a) - 1))
    g_axes = list(range(np.ndim(a) - 1))
    out = np.tensordot(a, g, axes=(a_axes, g_axes))  # (k, b_rest...) with b's -2 axis first
    return real_cotangent(np.moveaxis(out, 0, np.ndim(b) - 2), b)


# ---------------------------------------------------------------- other products, convolution, polynomials


def vecdot_bar(g: Any, x1: Any, x2: Any, axis: Any = -1) -> Any:
    """Cotangent of ``x1`` in vecdot(x1, x2, axis) = sum(x1 * x2, axis) (broadcasting)."""
    x1m = np.moveaxis(inexact(x1), axis, -1)
    x2m = np.moveaxis(inexact(x2), axis, -1)
    return np.moveaxis(unbroadcast(np.expand_dims(g, -1) * x2m, x1m), -1, axis)


def inner_bar_a(g: Any, a: Any, b: Any) -> Any:
    if np.ndim(a) == 0:
        return np.sum(g * b)
    if np.ndim(b) == 0:
        return g * b
    na = np.ndim(a)
    return np.tensordot(g, b, axes=(list(range(na - 1, np.ndim(g))), list(range(np.ndim(b) - 1))))


def inner_bar_b(g: Any, a: Any, b: Any) -> Any:
    if np.ndim(b) == 0:
        return np.sum(g * a)
    if np.ndim(a) == 0:
        return g * a
    na = np.ndim(a)
    return np.tensordot(g, a, axes=(list(range(na - 1)), list(range(na - 1))))


def tensordot_axes(axes: Any, na: int, nb: int) -> tuple:
    """``axes`` of np.tensordot as two lists of non-negative axes of a and b."""
    if isinstance(axes, (int, np.integer)):
        return list(range(na - axes, na)), list(range(axes))
    ia, ib = axes
    ia = [ia] if isinstance(ia, (int, np.integer)) else list(ia)
    ib = [ib] if isinstance(ib, (int, np.integer)) else list(ib)
    return [i % na for i in ia], [i % nb for i in ib]


def tensordot_bar_a(g: Any, a: Any, b: Any, axes: Any = 2) -> Any:
    na, nb = np.ndim(a), np.ndim(b)
    ia, ib = tensordot_axes(axes, na, nb)
    free_a = [i for i in range(na) if i not in ia]
    free_b = [i for i in range(nb) if i not in ib]
    g_b = list(range(len(free_a), len(free_a) + len(free_b)))
    out = np.tensordot(g, b, axes=(g_b, free_b))  # axes: free_a..., then b's contracted axes in b's order
    order = free_a + [ia[ib.index(j)] for j in sorted(ib)]
    return np.transpose(out, np.argsort(order).tolist())


def tensordot_bar_b(g: Any, a: Any, b: Any, axes: Any = 2) -> Any:
    na, nb = np.ndim(a), np.ndim(b)
    ia, ib = tensordot_axes(axes, na, nb)
    free_a = [i for i in range(na) if i not in ia]
    free_b = [i for i in range(nb) if i not in ib]
    out = np.tensordot(a, g, axes=(free_a, list(range(len(free_a)))))  # a's contracted axes in a's order, free_b
    order = [ib[ia.index(j)] for j in sorted(ia)] + free_b
    return np.transpose(out, np.argsort(order).tolist())


def einsum_parse(subscripts: str, shapes: Sequence[tuple]) -> tuple:
    """Explicit per-operand letters and output letters of an einsum ('...' expanded)."""
    spec = subscripts.replace(" ", "")
    explicit = "->" in spec
    lhs, out = spec.split("->") if explicit else (spec, None)
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise ValueError(f"einsum: {len(terms)} subscripts for {len(shapes)} operands")
    used = set(spec)
    free = [c for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" if c not in used]
    ell = 0
    for term, shape in zip(terms, shapes):
        if "..." in term:
            ell = max(ell, len(shape) - (len(term) - 3))
    ell_letters = "".join(free[:ell])
    expanded = []
    for term, shape in zip(terms, shapes):
        if "..." in term:
            k = len(shape) - (len(term) - 3)
            term = term.replace("...", ell_letters[ell - k:] if k else "")
        expanded.append(term)
    if out is None:
        letters = "".join(terms).replace(".", "")
        once = sorted(c for c in set(letters) if letters.count(c) == 1)
        out = ell_letters + "".join(once)
    else:
        out = out.replace("...", ell_letters)
    return expanded, out


def einsum_ops(op0: Any, op1: Any, op2: Any, op3: Any, op4: Any, op5: Any) -> list:
    """The einsum operands given (the rules pass six slots; trailing ``None`` are unused)."""
    ops = [op0, op1, op2, op3, op4, op5]
    while len(ops) > 1 and ops[-1] is None:
        ops.pop()
    return ops


def einsum_tangent(t: Any, k: int, subscripts: str, op0: Any, op1: Any = None, op2: Any = None, op3: Any = None,
                   op4: Any = None, op5: Any = None, optimize: Any = False) -> Any:
    """Tangent of ``np.einsum(subscripts, *ops)`` along operand ``k`` (linear in each operand)."""
    ops = einsum_ops(op0, op1, op2, op3, op4, op5)
    ops[k] = t
    return np.einsum(subscripts, *ops, optimize=optimize)


def einsum_bar(g: Any, k: int, subscripts: str, op0: Any, op1: Any = None, op2: Any = None, op3: Any = None,
               op4: Any = None, op5: Any = None, optimize: Any = False) -> Any:
    """Cotangent of operand ``k`` of an einsum: contract ``g`` with the other operands.

    Handles implicit output, '...', letters summed within operand k alone (the
    cotangent is broadcast along them), repeated letters (the cotangent lives on
    the diagonal) and broadcast size-1 dimensions (summed).
    """
    ops = [inexact(o) for o in einsum_ops(op0, op1, op2, op3, op4, op5)]
    terms, out = einsum_parse(subscripts, [o.shape for o in ops])
    sizes: dict = {}  # a letter's size: the one size other than 1 among its operands (0 included), else 1
    for term, o in zip(terms, ops):
        for c, n in zip(term, o.shape):
            sizes[c] = sizes.get(c, 1) if n == 1 else n
    mine = terms[k]
    unique = "".join(dict.fromkeys(mine))
    others = [t for i, t in enumerate(terms) if i != k] + [out]
    other_ops = [o for i, o in enumerate(ops) if i != k] + [inexact(g)]
    kept = "".join(c for c in unique if any(c in t for t in others))
    bar = np.einsum(",".join(others) + "->" + kept, *other_ops, optimize=optimize)
    # place the kept letters in `unique` order, broadcasting along the letters only operand k has
    own = dict(zip(mine, ops[k].shape))
    shape = [sizes[c] if c in kept else own[c] for c in unique]
    bar = np.reshape(bar, [sizes[c] if c in kept else 1 for c in unique])
    bar = np.broadcast_to(bar, shape)
    # broadcast dimensions (size 1 in operand k): sum them
    axes = tuple(i for i, c in enumerate(unique) if own[c] == 1 and shape[i] != 1)
    if axes:
        bar = np.sum(bar, axis=axes, keepdims=True)
    if len(unique) == len(mine):
        return real_cotangent(bar if is_foreign(bar) else np.array(bar), ops[k])  # (a copy: bar may be a view)
    result = np.zeros(ops[k].shape, dtype=bar.dtype)
    grids = np.indices(bar.shape, sparse=True)
    result[tuple(grids[unique.index(c)] for c in mine)] = bar
    return real_cotangent(result, ops[k])


def kron_bar(g: Any, a: Any, b: Any, which: int) -> Any:
    """Cotangent of ``a`` (which=0) or ``b`` (which=1) in ``np.kron(a, b)``."""
    nd = max(max(np.ndim(a), np.ndim(b)), 1)
    sa = (1,) * (nd - np.ndim(a)) + np.shape(a)
    sb = (1,) * (nd - np.ndim(b)) + np.shape(b)
    inter = [n for pair in zip(sa, sb) for n in pair]
    g4 = np.reshape(g, inter)
    if which == 0:
        other = np.reshape(b, [n for s in sb for n in (1, s)])
        red = np.sum(g4 * other, axis=tuple(range(1, 2 * nd, 2)))
        return np.reshape(red, np.shape(a))
    other = np.reshape(a, [n for s in sa for n in (s, 1)])
    red = np.sum(g4 * other, axis=tuple(range(0, 2 * nd, 2)))
    return np.reshape(red, np.shape(b))


def cross_bar(g: Any, which: int, a: Any, b: Any, axisa: Any = -1, axisb: Any = -1, axisc: Any = -1,
              axis: Any = None) -> Any:
    """Cotangent of ``a`` (which=0) or ``b`` (which=1) in ``np.cross``: g.(a x b) = a.(b x g) = b.(g x a).

    2-vectors are treated as 3-vectors with z = 0 (as NumPy does).
    """
    if axis is not None:
        axisa = axisb = axisc = axis
    am = np.moveaxis(inexact(a), axisa, -1)
    bm = np.moveaxis(inexact(b), axisb, -1)

    def pad3(v: Any) -> Any:
        return v if v.shape[-1] == 3 else np.concatenate([v, np.zeros(v.shape[:-1] + (1,))], axis=-1)

    a3, b3 = pad3(am), pad3(bm)
    if am.shape[-1] == 2 and bm.shape[-1] == 2:  # scalar z-component output
        g3 = np.stack([np.zeros(np.shape(g)), np.zeros(np.shape(g)), inexact(g)], axis=-1)
    else:
        g3 = np.moveaxis(inexact(g), axisc, -1)
    if which == 0:
        bar, mine, like = np.cross(b3, g3), am, a
        src = axisa
    else:
        bar, mine, like = np.cross(g3, a3), bm, b
        src = axisb
    bar = bar[..., : mine.shape[-1]]
    bar = unbroadcast(bar, mine)
    return np.moveaxis(bar, -1, src).reshape(np.shape(like))


def multi_dot_tangent(ts: Sequence[Any], arrays: Sequence[Any]) -> Any:
    total = None
    for i in range(len(arrays)):
        parts = list(arrays)
        parts[i] = ts[i]
        term = np.linalg.multi_dot(parts)
        total = term if total is None else total + term
    return total


def multi_dot_bar(g: Any, arrays: Sequence[Any]) -> Any:
    """Cotangents of every array of ``np.linalg.multi_dot(arrays)`` (a 1-D first array is a
    row vector, a 1-D last array a column vector)."""
    mats = [inexact(x) for x in arrays]
    if mats[0].ndim == 1:
        mats[0] = mats[0][None, :]
    if mats[-1].ndim == 1:
        mats[-1] = mats[-1][:, None]
    gm = np.reshape(g, (mats[0].shape[0], mats[-1].shape[1]))
    pieces = []
    for i in range(len(mats)):
        bar = gm
        if i > 0:
            left = mats[0] if i == 1 else np.linalg.multi_dot(mats[:i])
            bar = np.matmul(left.T, bar)
        if i < len(mats) - 1:
            right = mats[-1] if i == len(mats) - 2 else np.linalg.multi_dot(mats[i + 1:])
            bar = np.matmul(bar, right.T)
        pieces.append(np.reshape(bar, np.shape(arrays[i])))
    return seq_like(pieces, arrays)


def matrix_powers(a: Any, n: int) -> list:
    out = [np.broadcast_to(np.eye(np.shape(a)[-1]), np.shape(a))]
    for _ in range(1, n):
        out.append(np.matmul(out[-1], a))
    return out


def matrix_power_tangent(t: Any, a: Any, n: int) -> Any:
    """d a^n = sum_k a^k t a^(n-1-k); negative n through b = inv(a), db = -b t b."""
    a = inexact(a)
    if n == 0:
        return zeros_of(a.shape, a)
    if n < 0:
        b = np.linalg.inv(a)
        return matrix_power_tangent(-np.matmul(np.matmul(b, t), b), b, -n)
    p = matrix_powers(a, n)
    return sum(np.matmul(np.matmul(p[k], t), p[n - 1 - k]) for k in range(n))


def matrix_power_bar(g: Any, a: Any, n: int) -> Any:
    a = inexact(a)
    if n == 0:
        return zeros_of(a.shape, a)
    if n < 0:
        b = np.linalg.inv(a)
        gb = matrix_power_bar(g, b, -n)
        return -np.matmul(np.matmul(matrix_t(b), gb), matrix_t(b))
    p = matrix_powers(a, n)
    return sum(np.matmul(np.matmul(matrix_t(p[k]), g), matrix_t(p[n - 1 - k])) for k in range(n))


def conv_start(n: int, m: int, mode: str, correlate: bool) -> int:
    """Where ``mode``'s output starts inside the full convolution (correlation) of lengths n, m."""
    if mode == "full":
        return 0
    if mode == "valid":
        return min(n, m) - 1
    if correlate and n < m:
        return n // 2
    return (min(n, m) - 1) // 2


def conv_bar(g: Any, which: int, a: Any, v: Any, mode: Any, correlate: bool) -> Any:
    """Cotangent of ``a`` (which=0) or ``v`` (which=1) in ``np.convolve``/``np.correlate``."""
    a1 = inexact(a)
    v1 = inexact(v)
    w = v1[::-1] if correlate else v1  # correlate(a, v) is the convolution of a with v reversed
    n, m = a1.size, v1.size
    full = np.zeros(n + m - 1)
    start = conv_start(n, m, mode, correlate)
    full[start:start + np.size(g)] = g
    if which == 0:
        return np.correlate(full, w, "valid")
    bar = np.correlate(full, a1, "valid")
    return bar[::-1] if correlate else bar


def polyval_dx(p: Any, x: Any) -> Any:
    """d polyval(p, x) / dx."""
    p = inexact(p)
    n = p.shape[0]
    if n <= 1:
        return zeros_of(np.shape(x), x)
    return np.polyval(p[:-1] * np.arange(n - 1, 0, -1), x)


def polyval_bar_p(g: Any, p: Any, x: Any) -> Any:
    n = np.shape(p)[0]
    powers = inexact(x)[..., None] ** np.arange(n - 1, -1, -1)
    return np.reshape(np.sum(as_array(g)[..., None] * powers, axis=tuple(range(np.ndim(x)))), np.shape(p))


def interp_periodic(x: Any, xp: Any, period: Any) -> Any:
    """What ``np.interp(x, xp, fp, period=p)`` interpolates on: (x mod p, the knots mod p in
    order with one more at each end, and the position in ``fp`` of each of those knots)."""
    p = abs(float(period))
    xp = np.mod(inexact(xp), p)
    order = np.argsort(xp, kind="stable")
    positions = np.concatenate([order[-1:], order, order[:1]])
    knots = np.concatenate([xp[order][-1:] - p, xp[order], xp[order][:1] + p])
    return np.mod(inexact(x), p), knots, positions


def interp_dx(x: Any, xp: Any, fp: Any, left: Any = None, right: Any = None, period: Any = None) -> Any:
    """d interp / dx: the slope of the segment; at a knot, the average of the two adjacent slopes
    (0 outside [xp[0], xp[-1]]; with a period, of the periodic extension)."""
    fp = inexact(fp)
    if period is not None:
        x, xp, positions = interp_periodic(x, xp, period)
        fp = fp[positions]
    xp = inexact(xp)
    slopes = np.concatenate([[0.0], np.diff(fp) / np.diff(xp), [0.0]])
    hi = np.searchsorted(xp, x, side="right")
    lo = np.searchsorted(xp, x, side="left")
    return 0.5 * (slopes[hi] + slopes[lo])


def interp_bar_fp(g: Any, x: Any, xp: Any, fp: Any, left: Any = None, right: Any = None,
                  period: Any = None) -> Any:
    """Cotangent of ``fp``: each x sends (1 - s) g and s g to the ends of its segment."""
    if period is not None:  # on the periodic extension, then back to the knots they repeat
        xs, knots, positions = interp_periodic(x, xp, period)
        extended = interp_bar_fp(g, xs, knots, np.zeros(knots.shape))
        out_p = np.zeros(np.size(fp))
        np.add.at(out_p, positions, extended)
        return np.reshape(out_p, np.shape(fp))
    xp = inexact(xp)
    xs = np.ravel(inexact(x))
    gs = np.ravel(np.broadcast_to(g, np.shape(x)))
    n = xp.size
    j = np.clip(np.searchsorted(xp, xs, side="right") - 1, 0, max(n - 2, 0))
    if n == 1:
        s = np.zeros(xs.shape)
    else:
        s = np.clip((xs - xp[j]) / (xp[j + 1] - xp[j]), 0.0, 1.0)
    inside = np.ones(xs.shape)
    if left is not None:
        inside = inside * (xs >= xp[0])
    if right is not None:
        inside = inside * (xs <= xp[-1])
    out = np.bincount(j, weights=gs * (1.0 - s) * inside, minlength=n)
    if n > 1:
        out = out + np.bincount(j + 1, weights=gs * s * inside, minlength=n)
    return np.reshape(out, np.shape(fp))
