"""Derivatives of operations along one axis: sort and median (ties averaged), cumulative
sums and products, differences and the trapezoid rule.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .blocks import axes_of, expand_reduced
from .broadcast import unbroadcast
from .library import as_array, inexact
from .reductions import nan_mask, nan_zero

# ---------------------------------------------------------------- sorting


def tie_average(v: Any, s: Any, axis: int) -> Any:
    """Average ``v`` over runs of equal values of the sorted ``s`` along ``axis``.

    This is the tie convention of ``sort``/``median``: at a tie the one-sided
    derivatives differ by a permutation of the tied entries, and their average
    gives every tied position the mean tangent of the group.
    """
    v = np.moveaxis(inexact(v), axis, -1)
    s = np.moveaxis(as_array(s), axis, -1)
    n = s.shape[-1]
    if n < 2:
        return np.moveaxis(v, -1, axis)
    rows = int(np.prod(s.shape[:-1], dtype=int))
    s2 = s.reshape(rows, n)
    new = np.concatenate([np.ones((rows, 1), dtype=bool), s2[:, 1:] != s2[:, :-1]], axis=1)
    labels = (np.cumsum(new, axis=1) - 1 + n * np.arange(rows)[:, None]).ravel()
    sums = np.bincount(labels, weights=v.reshape(-1), minlength=rows * n)
    counts = np.bincount(labels, minlength=rows * n)
    out = (sums / np.maximum(counts, 1))[labels].reshape(v.shape)
    return np.moveaxis(out, -1, axis)


def sort_order(a: Any, axis: Any) -> tuple:
    """(array, axis, permutation) for sorting ``a`` along ``axis`` (None: the flattened array)."""
    a = inexact(a)
    if axis is None:
        a, axis = a.ravel(), 0
    return a, axis, np.argsort(a, axis=axis, kind="stable")


def sort_tangent(t: Any, a: Any, axis: Any = -1) -> Any:
    x, ax, order = sort_order(a, axis)
    t = np.ravel(t) if axis is None else np.broadcast_to(t, x.shape)
    return tie_average(np.take_along_axis(t, order, axis=ax), np.take_along_axis(x, order, axis=ax), ax)


def sort_bar(g: Any, a: Any, axis: Any = -1) -> Any:
    x, ax, order = sort_order(a, axis)
    gs = tie_average(g, np.take_along_axis(x, order, axis=ax), ax)
    out = np.zeros(x.shape)
    np.put_along_axis(out, order, gs, axis=ax)
    return np.reshape(out, np.shape(a))


def median_weights(a: Any, axis: Any = None) -> Any:
    """d median(a, axis) / d a, shaped like ``a``: 1 (odd) or 1/2 + 1/2 (even) on the middle
    sorted entries, averaged over ties.

    Found by comparing ``a`` with its median, not by sorting: the middle entries are those equal
    to the median (odd count) or the nearest ones below and above it (even count; one of them is
    the median itself when more than half the entries are on its side), and a middle entry's
    weight is shared by every entry of its value.  So it is elementwise work and reductions along
    ``axis``, which Dask computes lazily (chunk-wise) where NumPy's argsort is not lazy."""
    a = inexact(a)
    axes = axes_of(axis, a.ndim)
    n = 1
    for i in axes:
        n = n * a.shape[i]
    m = np.median(a, axis=axes, keepdims=True)
    if n % 2:
        at = a == m
        return at / np.maximum(np.sum(at, axis=axes, keepdims=True), 1).astype(a.dtype)
    half = n // 2
    below = np.max(np.where(a < m, a, -np.inf), axis=axes, keepdims=True)
    above = np.min(np.where(a > m, a, np.inf), axis=axes, keepdims=True)
    lo = np.where(np.sum(a >= m, axis=axes, keepdims=True) > half, m, below)
    hi = np.where(np.sum(a <= m, axis=axes, keepdims=True) > half, m, above)
    at_lo, at_hi = a == lo, a == hi
    share_lo = 0.5 / np.maximum(np.sum(at_lo, axis=axes, keepdims=True), 1).astype(a.dtype)
    share_hi = 0.5 / np.maximum(np.sum(at_hi, axis=axes, keepdims=True), 1).astype(a.dtype)
    return at_lo * share_lo + at_hi * share_hi


def median_bar(g: Any, a: Any, axis: Any = None, keepdims: bool = False) -> Any:
    axes = axes_of(axis, np.ndim(a))
    return expand_reduced(g, np.shape(a), axes, keepdims) * median_weights(a, axis)


# ---------------------------------------------------------------- cumulative ops


def cumsum_bar(g: Any, a: Any, axis: Any = None) -> Any:
    """Cotangent of ``np.cumsum``: reversed cumulative sums of ``g``."""
    if axis is None:
        return np.reshape(np.cumsum(np.ravel(g)[::-1])[::-1], np.shape(a))
    return np.flip(np.cumsum(np.flip(g, axis), axis=axis), axis)


def cum_layout(t: Any, a: Any, axis: Any) -> tuple:
    a = inexact(a)
    if axis is None:
        return np.ravel(t), a.ravel(), 0
    return np.broadcast_to(t, a.shape), a, axis


def exclusive_products(x: Any) -> Any:
    """prod_{j<k} x[j] along axis 0, without division (exact when entries are zero)."""
    if x.shape[0] == 0:
        return np.ones_like(x)
    rows = [np.ones_like(x[0])]
    for k in range(1, x.shape[0]):
        rows.append(rows[-1] * x[k - 1])
    return np.stack(rows)


def cumprod_tangent(t: Any, a: Any, axis: Any = None) -> Any:
    """Tangent of ``np.cumprod`` by the recurrence T_k = a_k T_{k-1} + t_k prod_{j<k} a_j."""
    t, x, ax = cum_layout(t, a, axis)
    xs = np.moveaxis(x, ax, 0)
    ts = np.moveaxis(inexact(t), ax, 0)
    if xs.shape[0] == 0:
        return np.moveaxis(ts * 1.0, 0, ax)
    left = exclusive_products(xs)
    rows = [ts[0] * left[0]]  # (a list of rows, stacked: also for libraries without item writes)
    for k in range(1, xs.shape[0]):
        rows.append(ts[k] * left[k] + xs[k] * rows[-1])
    return np.moveaxis(np.stack(rows), 0, ax)


def cumprod_bar(g: Any, a: Any, axis: Any = None) -> Any:
    """Cotangent of ``np.cumprod``: S_i = g_i + a_{i+1} S_{i+1}, a_bar_i = S_i prod_{j<i} a_j."""
    g, x, ax = cum_layout(g, a, axis)
    xs = np.moveaxis(x, ax, 0)
    gs = np.moveaxis(inexact(g), ax, 0)
    n = xs.shape[0]
    if n == 0:
        return np.reshape(np.moveaxis(gs * 1.0, 0, ax), np.shape(a))
    left = exclusive_products(xs)
    rows = [gs[n - 1]]  # S_{n-1}, S_{n-2}, ..., S_0
    for k in range(n - 2, -1, -1):
        rows.append(gs[k] + xs[k + 1] * rows[-1])
    acc = np.stack(rows[::-1])
    return np.reshape(np.moveaxis(acc * left, 0, ax), np.shape(a))


def nancumprod_tangent(t: Any, a: Any, axis: Any = None) -> Any:
    mask = nan_mask(a)
    return cumprod_tangent(nan_zero(t, a), np.where(mask > 0, a, 1.0), axis)


def nancumprod_bar(g: Any, a: Any, axis: Any = None) -> Any:
    mask = nan_mask(a)
    return cumprod_bar(g, np.where(mask > 0, a, 1.0), axis) * mask


def drop_initial(g: Any, x: Any, axis: Any, include_initial: Any) -> tuple:
    ax = 0 if axis is None else axis
    if include_initial:
        g = np.delete(as_array(g), 0, axis=ax)
    return g, ax


def cumulative_sum_bar(g: Any, x: Any, axis: Any = None, include_initial: Any = False) -> Any:
    g, ax = drop_initial(g, x, axis, include_initial)
    return cumsum_bar(g, x, ax)


def cumulative_prod_tangent(t: Any, x: Any, axis: Any = None, include_initial: Any = False) -> Any:
    ax = 0 if axis is None else axis
    out = cumprod_tangent(t, x, ax)
    if include_initial:
        shape = list(np.shape(out))
        shape[ax] = 1
        out = np.concatenate([np.zeros(shape), out], axis=ax)
    return out


def cumulative_prod_bar(g: Any, x: Any, axis: Any = None, include_initial: Any = False) -> Any:
    g, ax = drop_initial(g, x, axis, include_initial)
    return cumprod_bar(g, x, ax)


def diff_adjoint(g: Any, n: int, axis: int) -> Any:
    """Adjoint of ``np.diff(., n, axis)`` (the result has ``n`` more entries along ``axis``)."""
    g = inexact(g)
    for _ in range(n):
        pad = [(0, 0)] * g.ndim
        pad[axis] = (1, 0)
        before = np.pad(g, pad)
        pad[axis] = (0, 1)
        g = before - np.pad(g, pad)
    return g


def diff_parts(a: Any, axis: int, prepend: Any, append: Any) -> list:
    """Lengths along ``axis`` of (prepend, a, append) in the array ``np.diff`` differences."""
    shape = np.shape(a)
    ax = axis % len(shape)

    def length(v: Any) -> int:
        return 0 if v is None else (1 if np.ndim(v) == 0 else np.shape(v)[ax])

    return [length(prepend), shape[ax], length(append)]


def diff_tangent(t: Any, which: int, a: Any, n: Any = 1, axis: Any = -1, prepend: Any = None,
                 append: Any = None) -> Any:
    """Tangent of ``np.diff`` along argument ``which`` (0: a, 1: prepend, 2: append)."""
    parts = [np.zeros(np.shape(a)), None if prepend is None else np.zeros(np.shape(prepend)),
             None if append is None else np.zeros(np.shape(append))]
    parts[which] = t
    kwargs = {}
    if prepend is not None:
        kwargs["prepend"] = parts[1]
    if append is not None:
        kwargs["append"] = parts[2]
    return np.diff(parts[0], n, axis, **kwargs)


def diff_bar(g: Any, which: int, a: Any, n: Any = 1, axis: Any = -1, prepend: Any = None,
             append: Any = None) -> Any:
    ax = axis % np.ndim(a)
    full = diff_adjoint(g, n, ax)
    lengths = diff_parts(a, ax, prepend, append)
    start = sum(lengths[:[1, 0, 2][which]])
    piece = np.take(full, np.arange(start, start + lengths[[1, 0, 2][which]]), axis=ax)
    like = [a, prepend, append][which]
    return piece if which == 0 else unbroadcast(piece, like)


def trapezoid_spacing(y: Any, x: Any, dx: Any, axis: int) -> Any:
    """The interval widths, broadcastable against the intervals of ``y`` along ``axis``."""
    ndim = np.ndim(y)
    if x is None:
        return inexact(dx)
    d = np.diff(inexact(x), axis=-1 if np.ndim(x) == 1 else axis)
    if np.ndim(x) == 1 and ndim > 1:
        d = np.reshape(d, [-1 if i == axis % ndim else 1 for i in range(ndim)])
    return d


def trapezoid_weights(y: Any, x: Any = None, dx: Any = 1.0, axis: Any = -1) -> Any:
    """d trapezoid(y) / d y, broadcast to ``y``'s shape."""
    ax = axis % np.ndim(y)
    d = np.broadcast_to(trapezoid_spacing(y, x, dx, ax), np.shape(np.diff(y, axis=ax)))
    return 0.5 * pair_sum_adjoint(d, ax)


def pair_sum_adjoint(d: Any, axis: int) -> Any:
    """Adjoint of v -> v[1:] + v[:-1] along ``axis``."""
    pad = [(0, 0)] * np.ndim(d)
    pad[axis] = (1, 0)
    before = np.pad(d, pad)
    pad[axis] = (0, 1)
    return before + np.pad(d, pad)


def trapezoid_bar_y(g: Any, y: Any, x: Any = None, dx: Any = 1.0, axis: Any = -1) -> Any:
    ax = axis % np.ndim(y)
    return np.expand_dims(g, ax) * trapezoid_weights(y, x, dx, axis)


def trapezoid_x_terms(y: Any, axis: int) -> Any:
    """(y[1:] + y[:-1]) / 2 along ``axis``: d trapezoid / d (x[i+1] - x[i])."""
    y = inexact(y)
    n = y.shape[axis]
    return 0.5 * (np.take(y, np.arange(1, n), axis=axis) + np.take(y, np.arange(n - 1), axis=axis))


def trapezoid_tangent_x(t: Any, y: Any, x: Any = None, dx: Any = 1.0, axis: Any = -1) -> Any:
    ax = axis % np.ndim(y)
    return np.sum(trapezoid_x_terms(y, ax) * trapezoid_spacing(y, t, dx, ax), axis=ax)


def trapezoid_bar_x(g: Any, y: Any, x: Any = None, dx: Any = 1.0, axis: Any = -1) -> Any:
    ax = axis % np.ndim(y)
    full = diff_adjoint(np.expand_dims(g, ax) * trapezoid_x_terms(y, ax), 1, ax)
    if np.ndim(x) == 1 and np.ndim(y) > 1:
        return np.sum(full, axis=tuple(i for i in range(np.ndim(y)) if i != ax))
    return unbroadcast(full, x)
