"""Runtime helpers for the NumPy rule tables (shape ops, linear algebra, ...).

Part of the ``_tl`` namespace: :mod:`tangent_lite.runtime` re-exports everything here,
and ``adgen`` inlines these helpers like the others.  Use only ``np`` and helpers
defined in this module or in ``runtime``.  Every function defined here is listed in
``__all__`` (also the small building blocks other helpers call), so that ``adgen``
finds the whole call graph in the ``_tl`` namespace.

Conventions (see :mod:`tangent_lite.rules.numpy_more`): ``g`` is an output
cotangent, ``t`` an input tangent, ``ans`` the primal output.  Cotangents of
tuple/list outputs arrive as tuples/lists whose entries may be ``None`` (zero).
Matrix helpers work on stacks of matrices (the last two axes).
"""

from __future__ import annotations

from typing import Any, List, Sequence

import numpy as np

from . import balanced_eq, extremum_bar, prod_bar, unbroadcast

__all__: list = [
    # building blocks
    "reduced_count", "nan_centred", "average_check", "average_dw", "cum_layout", "exclusive_products",
    "drop_initial", "diff_parts", "trapezoid_spacing", "pair_sum_adjoint", "einsum_ops", "matrix_powers",
    "diag_positions", "as_columns", "qr_factors", "pinv_check", "pad_check",
    "axes_of", "expand_reduced", "safe_div", "seq_like", "entry_or_zero", "matrix_t", "sym_part",
    # elementwise
    "sinc_grad", "clip_weight",
    # reductions and cumulative ops
    "nan_zero", "finite_zero", "var_tangent", "var_bar", "std_tangent", "std_bar", "nan_mask", "nanvar_tangent",
    "nanvar_bar",
    "nanstd_tangent", "nanstd_bar", "nanmean_bar", "nanprod_bar", "average_weights", "average_bar_a",
    "average_bar_w", "average_tangent_w", "ptp_bar", "tie_average", "sort_order", "sort_tangent", "sort_bar",
    "median_weights", "median_bar", "cumsum_bar", "cumprod_tangent", "cumprod_bar", "nancumprod_tangent",
    "nancumprod_bar", "cumulative_sum_bar", "cumulative_prod_tangent", "cumulative_prod_bar", "diff_adjoint",
    "diff_tangent", "diff_bar", "trapezoid_weights", "trapezoid_bar_y", "trapezoid_x_terms",
    "trapezoid_tangent_x", "trapezoid_bar_x",
    # norms
    "norm_axes", "vector_norm_dir", "matrix_norm_dir", "norm_dir", "norm_tangent", "norm_bar",
    # products
    "vecdot_bar", "inner_bar_a", "inner_bar_b", "tensordot_axes", "tensordot_bar_a", "tensordot_bar_b",
    "einsum_parse", "einsum_tangent", "einsum_bar", "kron_bar", "cross_bar", "multi_dot_tangent",
    "multi_dot_bar", "matrix_power_tangent", "matrix_power_bar", "conv_start", "conv_bar", "polyval_dx",
    "polyval_bar_p", "interp_dx", "interp_bar_fp", "interp_periodic", "named_like",
    # shapes and selection
    "rollaxis_bar", "concatenate_bar", "stack_bar", "promoted_shape", "joined_axis", "joined_bar",
    "split_bar", "unstack_bar", "tile_bar", "repeat_bar", "pad_tangent", "pad_bar", "trace_bar", "diagonal_bar",
    "diag_bar", "tri_bar", "np_append_bar", "delete_bar", "take_bar", "take_along_axis_bar",
    "compress_bar", "extract_bar", "select_masks", "select_tangent", "select_bar", "roll_bar",
    # linear algebra
    "solve_tangent_a", "solve_bar_a", "solve_bar_b", "det_bar", "slogdet_tangent", "slogdet_bar",
    "tri_sym", "tri_sym_adjoint", "cholesky_phi", "cholesky_tangent", "cholesky_bar", "eigh_f",
    "eigh_tangent", "eigh_bar", "eigvalsh_tangent", "eigvalsh_bar", "svd_check", "svd_f", "svd_tangent",
    "svd_bar", "svdvals_tangent", "svdvals_bar", "qr_check", "qr_tangent", "qr_bar", "pinv_tangent",
    "pinv_bar",
    # strong zeros at singular points (the section at the end of this file)
    "nan_free", "nonzero_number", "zeros_where", "ieee_divide", "strong_mul", "strong_div", "strong_zero", "power",
    "uniform_value",
    "pow_base_bar",
]


# ---------------------------------------------------------------- building blocks


def axes_of(axis: Any, ndim: int) -> tuple:
    """``axis`` (None, an int or a tuple) as a sorted tuple of non-negative axes."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (int, np.integer)):
        axis = (axis,)
    return tuple(sorted(int(a) % ndim for a in axis))


def expand_reduced(g: Any, shape: tuple, axes: tuple, keepdims: bool) -> Any:
    """Reshape a reduction's output (or its cotangent) so it broadcasts against ``shape``."""
    g = np.asarray(g)
    if keepdims:
        return g
    if g.ndim == 0:
        return np.reshape(g, (1,) * len(shape))
    return np.reshape(g, [1 if i in axes else n for i, n in enumerate(shape)])


def safe_div(a: Any, b: Any) -> Any:
    """``a / b``, taken as 0 where ``b == 0`` (the convention at kinks such as ``|x|`` at 0)."""
    b = np.asarray(b)
    zero = b == 0
    return np.where(zero, 0.0, np.divide(a, np.where(zero, 1.0, b)))


def seq_like(pieces: List[Any], like: Any) -> Any:
    """``pieces`` in the container type of ``like`` (list, tuple, or an array of rows)."""
    if isinstance(like, tuple):
        return tuple(pieces)
    if isinstance(like, np.ndarray):
        return np.reshape(np.asarray(pieces, dtype=float), like.shape)
    return list(pieces)


def entry_or_zero(g: Any, i: int, like: Any) -> Any:
    """Entry ``i`` of a tuple/list cotangent, with None (or a missing container) read as zeros."""
    if g is None or g[i] is None:
        return np.zeros(np.shape(like))
    return np.asarray(g[i], dtype=float)


def matrix_t(x: Any) -> Any:
    """Transpose of (a stack of) matrices."""
    return np.swapaxes(x, -1, -2)


def sym_part(x: Any) -> Any:
    return 0.5 * (x + matrix_t(x))


# ---------------------------------------------------------------- elementwise


def sinc_grad(x: Any) -> Any:
    """d sinc(x) / dx = (cos(pi x) - sinc(x)) / x, and 0 at x == 0."""
    u = np.pi * np.asarray(x, dtype=float)
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


# ---------------------------------------------------------------- reductions


def reduced_count(shape: tuple, axes: tuple) -> int:
    n = 1
    for a in axes:
        n *= shape[a]
    return n


def var_tangent(t: Any, a: Any, axis: Any = None, ddof: Any = 0, keepdims: bool = False) -> Any:
    a = np.asarray(a, dtype=float)
    axes = axes_of(axis, a.ndim)
    centred = a - np.mean(a, axis=axes, keepdims=True)
    scale = 2.0 / (reduced_count(a.shape, axes) - ddof)
    return scale * np.sum(centred * t, axis=axes, keepdims=keepdims)


def var_bar(g: Any, a: Any, axis: Any = None, ddof: Any = 0, keepdims: bool = False) -> Any:
    a = np.asarray(a, dtype=float)
    axes = axes_of(axis, a.ndim)
    centred = a - np.mean(a, axis=axes, keepdims=True)
    scale = 2.0 / (reduced_count(a.shape, axes) - ddof)
    return scale * expand_reduced(g, a.shape, axes, keepdims) * centred


def std_tangent(t: Any, ans: Any, a: Any, axis: Any = None, ddof: Any = 0, keepdims: bool = False) -> Any:
    """d std = d var / (2 std); 0 where std == 0 (the average of the one-sided derivatives)."""
    return safe_div(var_tangent(t, a, axis, ddof, keepdims), 2.0 * np.asarray(ans))


def std_bar(g: Any, ans: Any, a: Any, axis: Any = None, ddof: Any = 0, keepdims: bool = False) -> Any:
    return var_bar(safe_div(g, 2.0 * np.asarray(ans)), a, axis, ddof, keepdims)


def nan_zero(t: Any, a: Any) -> Any:
    """The tangent ``t`` with 0 where ``a`` is NaN (NaN tangents there must not leak)."""
    return np.where(np.isnan(a), 0.0, t)


def finite_zero(t: Any, a: Any) -> Any:
    """The tangent ``t`` with 0 where ``a`` is not finite."""
    return np.where(np.isfinite(a), t, 0.0)


def nan_mask(a: Any) -> Any:
    """1.0 where ``a`` is a number, 0.0 where it is NaN."""
    return 1.0 - np.isnan(a)


def nan_centred(a: Any, axes: tuple) -> tuple:
    a = np.asarray(a, dtype=float)
    mask = nan_mask(a)
    a0 = np.where(mask > 0, a, 0.0)
    n = np.sum(mask, axis=axes, keepdims=True)
    return (a0 - np.sum(a0, axis=axes, keepdims=True) / n) * mask, n


def nanvar_tangent(t: Any, a: Any, axis: Any = None, ddof: Any = 0, keepdims: bool = False) -> Any:
    axes = axes_of(axis, np.ndim(a))
    centred, n = nan_centred(a, axes)
    return np.sum(2.0 * centred / (n - ddof) * t, axis=axes, keepdims=keepdims)


def nanvar_bar(g: Any, a: Any, axis: Any = None, ddof: Any = 0, keepdims: bool = False) -> Any:
    axes = axes_of(axis, np.ndim(a))
    centred, n = nan_centred(a, axes)
    return 2.0 * centred / (n - ddof) * expand_reduced(g, np.shape(a), axes, keepdims)


def nanstd_tangent(t: Any, ans: Any, a: Any, axis: Any = None, ddof: Any = 0, keepdims: bool = False) -> Any:
    return safe_div(nanvar_tangent(t, a, axis, ddof, keepdims), 2.0 * np.asarray(ans))


def nanstd_bar(g: Any, ans: Any, a: Any, axis: Any = None, ddof: Any = 0, keepdims: bool = False) -> Any:
    return nanvar_bar(safe_div(g, 2.0 * np.asarray(ans)), a, axis, ddof, keepdims)


def nanmean_bar(g: Any, a: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Cotangent of ``np.nanmean``: ``g`` shared among the non-NaN entries."""
    axes = axes_of(axis, np.ndim(a))
    mask = nan_mask(a)
    return expand_reduced(g, np.shape(a), axes, keepdims) * mask / np.sum(mask, axis=axes, keepdims=True)


def nanprod_bar(g: Any, a: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Cotangent of ``np.nanprod`` (NaNs count as 1 and get no derivative)."""
    mask = nan_mask(a)
    filled = np.where(mask > 0, a, 1.0)
    return prod_bar(g, None, filled, axis, keepdims) * mask


def average_weights(a: Any, axis: Any, weights: Any) -> Any:
    """The normalised weights of ``np.average``, broadcast to ``a``'s shape."""
    a = np.asarray(a, dtype=float)
    axes = axes_of(axis, a.ndim)
    if weights is None:
        return np.full(a.shape, 1.0 / reduced_count(a.shape, axes))
    w = np.asarray(weights, dtype=float)
    if w.shape != a.shape:  # 1-D weights along a single axis
        w = np.reshape(w, [n if i == axes[0] else 1 for i, n in enumerate(a.shape)])
    w = np.broadcast_to(w, a.shape)
    return w / np.sum(w, axis=axes, keepdims=True)


def average_check(returned: Any) -> None:
    if returned:
        raise NotImplementedError("tangent_lite: np.average(..., returned=True) has no derivative rule; "
                                  "compute the sum of the weights separately")


def average_bar_a(g: Any, a: Any, axis: Any = None, weights: Any = None, returned: Any = False,
                  keepdims: bool = False) -> Any:
    average_check(returned)
    axes = axes_of(axis, np.ndim(a))
    return expand_reduced(g, np.shape(a), axes, keepdims) * average_weights(a, axis, weights)


def average_dw(ans: Any, a: Any, axis: Any, weights: Any, keepdims: bool) -> Any:
    """d average / d w, broadcast to ``a``'s shape: (a - average) / sum(w)."""
    a = np.asarray(a, dtype=float)
    axes = axes_of(axis, a.ndim)
    w = np.asarray(weights, dtype=float)
    if w.shape != a.shape:
        w = np.reshape(w, [n if i == axes[0] else 1 for i, n in enumerate(a.shape)])
    total = np.sum(np.broadcast_to(w, a.shape), axis=axes, keepdims=True)
    return (a - expand_reduced(ans, a.shape, axes, keepdims)) / total


def average_tangent_w(t: Any, ans: Any, a: Any, axis: Any = None, weights: Any = None, returned: Any = False,
                      keepdims: bool = False) -> Any:
    average_check(returned)
    axes = axes_of(axis, np.ndim(a))
    dw = average_dw(ans, a, axis, weights, keepdims)
    if np.shape(t) != np.shape(a):
        t = np.reshape(t, [n if i == axes[0] else 1 for i, n in enumerate(np.shape(a))])
    return np.sum(dw * t, axis=axes, keepdims=keepdims)


def average_bar_w(g: Any, ans: Any, a: Any, axis: Any = None, weights: Any = None, returned: Any = False,
                  keepdims: bool = False) -> Any:
    average_check(returned)
    axes = axes_of(axis, np.ndim(a))
    full = expand_reduced(g, np.shape(a), axes, keepdims) * average_dw(ans, a, axis, weights, keepdims)
    if np.shape(weights) == np.shape(a):
        return full
    others = tuple(i for i in range(np.ndim(a)) if i != axes[0])
    return np.sum(full, axis=others)


def ptp_bar(g: Any, a: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Cotangent of ``np.ptp`` = max - min (ties share ``g`` equally, as for max/min)."""
    hi = np.max(a, axis=axis, keepdims=keepdims)
    lo = np.min(a, axis=axis, keepdims=keepdims)
    return extremum_bar(g, hi, a, axis, keepdims) - extremum_bar(g, lo, a, axis, keepdims)


# ---------------------------------------------------------------- sorting


def tie_average(v: Any, s: Any, axis: int) -> Any:
    """Average ``v`` over runs of equal values of the sorted ``s`` along ``axis``.

    This is the tie convention of ``sort``/``median``: at a tie the one-sided
    derivatives differ by a permutation of the tied entries, and their average
    gives every tied position the mean tangent of the group.
    """
    v = np.moveaxis(np.asarray(v, dtype=float), axis, -1)
    s = np.moveaxis(np.asarray(s), axis, -1)
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
    a = np.asarray(a, dtype=float)
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
    sorted entries, averaged over ties."""
    a = np.asarray(a, dtype=float)
    axes = axes_of(axis, a.ndim)
    rest = tuple(i for i in range(a.ndim) if i not in axes)
    moved = np.transpose(a, rest + axes)
    flat = moved.reshape(moved.shape[: len(rest)] + (-1,))
    n = flat.shape[-1]
    order = np.argsort(flat, axis=-1, kind="stable")
    pos = np.zeros(n)
    if n % 2:
        pos[n // 2] = 1.0
    else:
        pos[n // 2 - 1:n // 2 + 1] = 0.5
    pos = tie_average(np.broadcast_to(pos, flat.shape), np.take_along_axis(flat, order, axis=-1), -1)
    w = np.zeros(flat.shape)
    np.put_along_axis(w, order, pos, axis=-1)
    return np.transpose(w.reshape(moved.shape), np.argsort(rest + axes))


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
    a = np.asarray(a, dtype=float)
    if axis is None:
        return np.ravel(t), a.ravel(), 0
    return np.broadcast_to(t, a.shape), a, axis


def exclusive_products(x: Any) -> Any:
    """prod_{j<k} x[j] along axis 0, without division (exact when entries are zero)."""
    out = np.ones_like(x)
    for k in range(1, x.shape[0]):
        out[k] = out[k - 1] * x[k - 1]
    return out


def cumprod_tangent(t: Any, a: Any, axis: Any = None) -> Any:
    """Tangent of ``np.cumprod`` by the recurrence T_k = a_k T_{k-1} + t_k prod_{j<k} a_j."""
    t, x, ax = cum_layout(t, a, axis)
    xs = np.moveaxis(x, ax, 0)
    ts = np.moveaxis(np.asarray(t, dtype=float), ax, 0)
    left = exclusive_products(xs)
    out = np.zeros(xs.shape)
    for k in range(xs.shape[0]):
        out[k] = ts[k] * left[k] + (xs[k] * out[k - 1] if k else 0.0)
    return np.moveaxis(out, 0, ax)


def cumprod_bar(g: Any, a: Any, axis: Any = None) -> Any:
    """Cotangent of ``np.cumprod``: S_i = g_i + a_{i+1} S_{i+1}, a_bar_i = S_i prod_{j<i} a_j."""
    g, x, ax = cum_layout(g, a, axis)
    xs = np.moveaxis(x, ax, 0)
    gs = np.moveaxis(np.asarray(g, dtype=float), ax, 0)
    left = exclusive_products(xs)
    acc = np.zeros(xs.shape)
    n = xs.shape[0]
    for k in range(n - 1, -1, -1):
        acc[k] = gs[k] + (xs[k + 1] * acc[k + 1] if k < n - 1 else 0.0)
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
        g = np.delete(np.asarray(g), 0, axis=ax)
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
    g = np.asarray(g, dtype=float)
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
        return np.asarray(dx, dtype=float)
    d = np.diff(np.asarray(x, dtype=float), axis=-1 if np.ndim(x) == 1 else axis)
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
    y = np.asarray(y, dtype=float)
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


# ---------------------------------------------------------------- norms


def norm_axes(x: Any, ord: Any, axis: Any, kind: str) -> tuple:
    """("vector" or "matrix", reduced axes) for np.linalg.norm / vector_norm / matrix_norm."""
    nd = np.ndim(x)
    if kind == "matrix":
        return "matrix", ((nd - 2), (nd - 1))
    if kind == "vector":
        return "vector", axes_of(axis, nd)
    if axis is None:
        if ord is None or nd == 1:
            return "vector", tuple(range(nd))
        return "matrix", (0, 1)
    if isinstance(axis, (int, np.integer)) or len(axis) == 1:
        return "vector", axes_of(axis, nd)
    return "matrix", tuple(int(a) % nd for a in axis)


def vector_norm_dir(x: Any, n: Any, ord: Any, axes: tuple) -> Any:
    """d ||x||_ord / dx over ``axes``; ``n`` is the norm, broadcastable against ``x``."""
    if ord is None or ord == 2:
        return safe_div(x, n)
    if ord == 1:
        return np.sign(x)
    if ord == 0:
        return np.zeros(np.shape(x))
    ax = np.abs(x)
    if ord in (np.inf, -np.inf):
        mask = (ax == n) * 1.0
        return np.sign(x) * mask / np.sum(mask, axis=axes, keepdims=True)
    p = float(ord)
    powered = np.where(ax == 0, 0.0, np.abs(np.where(ax == 0, 1.0, x)) ** (p - 1.0))
    return np.sign(x) * safe_div(powered, np.asarray(n, dtype=float) ** (p - 1.0))


def matrix_norm_dir(x: Any, n: Any, ord: Any, axes: tuple) -> Any:
    """d ||x||_ord / dx for the matrices spanned by ``axes`` (rows, columns)."""
    xm = np.moveaxis(x, axes, (-2, -1))
    nm = np.moveaxis(n, axes, (-2, -1))
    if ord is None or ord == "fro":
        d = safe_div(xm, nm)
    elif ord == "nuc":
        u, _, vh = np.linalg.svd(xm, full_matrices=False)
        d = np.matmul(u, vh)
    elif ord in (2, -2):
        u, _, vh = np.linalg.svd(xm, full_matrices=False)
        k = 0 if ord == 2 else -1
        d = u[..., :, k:k + 1 if k == 0 else None] * vh[..., k:k + 1 if k == 0 else None, :]
    elif ord in (1, -1, np.inf, -np.inf):
        over = -2 if ord in (1, -1) else -1
        sums = np.sum(np.abs(xm), axis=over, keepdims=True)
        mask = (sums == nm) * 1.0
        d = np.sign(xm) * mask / np.sum(mask, axis=-1 if over == -2 else -2, keepdims=True)
    else:
        raise ValueError(f"tangent_lite: no derivative for the matrix norm ord={ord!r}")
    return np.moveaxis(d, (-2, -1), axes)


def norm_dir(ans: Any, x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False, kind: str = "norm") -> tuple:
    """(d norm / dx shaped like x, reduced axes). Kinks (the 2-norm at 0, ties of inf-norms)
    follow the module conventions: 0, and an even share among the tied entries."""
    x = np.asarray(x, dtype=float)
    which, axes = norm_axes(x, ord, axis, kind)
    n = expand_reduced(ans, x.shape, axes, keepdims)
    if which == "vector":
        return vector_norm_dir(x, n, ord, axes), axes
    return matrix_norm_dir(x, n, ord, axes), axes


def norm_tangent(t: Any, ans: Any, x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False,
                 kind: str = "norm") -> Any:
    d, axes = norm_dir(ans, x, ord, axis, keepdims, kind)
    return np.sum(d * t, axis=axes, keepdims=keepdims)


def norm_bar(g: Any, ans: Any, x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False,
             kind: str = "norm") -> Any:
    d, axes = norm_dir(ans, x, ord, axis, keepdims, kind)
    return expand_reduced(g, np.shape(x), axes, keepdims) * d


# ---------------------------------------------------------------- products


def vecdot_bar(g: Any, x1: Any, x2: Any, axis: Any = -1) -> Any:
    """Cotangent of ``x1`` in vecdot(x1, x2, axis) = sum(x1 * x2, axis) (broadcasting)."""
    x1m = np.moveaxis(np.asarray(x1, dtype=float), axis, -1)
    x2m = np.moveaxis(np.asarray(x2, dtype=float), axis, -1)
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
    return np.transpose(out, np.argsort(order))


def tensordot_bar_b(g: Any, a: Any, b: Any, axes: Any = 2) -> Any:
    na, nb = np.ndim(a), np.ndim(b)
    ia, ib = tensordot_axes(axes, na, nb)
    free_a = [i for i in range(na) if i not in ia]
    free_b = [i for i in range(nb) if i not in ib]
    out = np.tensordot(a, g, axes=(free_a, list(range(len(free_a)))))  # a's contracted axes in a's order, free_b
    order = [ib[ia.index(j)] for j in sorted(ia)] + free_b
    return np.transpose(out, np.argsort(order))


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
    ops = [np.asarray(o, dtype=float) for o in einsum_ops(op0, op1, op2, op3, op4, op5)]
    terms, out = einsum_parse(subscripts, [o.shape for o in ops])
    sizes: dict = {}
    for term, o in zip(terms, ops):
        for c, n in zip(term, o.shape):
            sizes[c] = max(sizes.get(c, 1), n)
    mine = terms[k]
    unique = "".join(dict.fromkeys(mine))
    others = [t for i, t in enumerate(terms) if i != k] + [out]
    other_ops = [o for i, o in enumerate(ops) if i != k] + [np.asarray(g, dtype=float)]
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
        return np.array(bar)
    result = np.zeros(ops[k].shape)
    grids = np.indices(bar.shape, sparse=True)
    result[tuple(grids[unique.index(c)] for c in mine)] = bar
    return result


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
    am = np.moveaxis(np.asarray(a, dtype=float), axisa, -1)
    bm = np.moveaxis(np.asarray(b, dtype=float), axisb, -1)

    def pad3(v: Any) -> Any:
        return v if v.shape[-1] == 3 else np.concatenate([v, np.zeros(v.shape[:-1] + (1,))], axis=-1)

    a3, b3 = pad3(am), pad3(bm)
    if am.shape[-1] == 2 and bm.shape[-1] == 2:  # scalar z-component output
        g3 = np.stack([np.zeros(np.shape(g)), np.zeros(np.shape(g)), np.asarray(g, dtype=float)], axis=-1)
    else:
        g3 = np.moveaxis(np.asarray(g, dtype=float), axisc, -1)
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
    mats = [np.asarray(x, dtype=float) for x in arrays]
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
    a = np.asarray(a, dtype=float)
    if n == 0:
        return np.zeros(a.shape)
    if n < 0:
        b = np.linalg.inv(a)
        return matrix_power_tangent(-np.matmul(np.matmul(b, t), b), b, -n)
    p = matrix_powers(a, n)
    return sum(np.matmul(np.matmul(p[k], t), p[n - 1 - k]) for k in range(n))


def matrix_power_bar(g: Any, a: Any, n: int) -> Any:
    a = np.asarray(a, dtype=float)
    if n == 0:
        return np.zeros(a.shape)
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
    a1 = np.asarray(a, dtype=float)
    v1 = np.asarray(v, dtype=float)
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
    p = np.asarray(p, dtype=float)
    n = p.shape[0]
    if n <= 1:
        return np.zeros(np.shape(x))
    return np.polyval(p[:-1] * np.arange(n - 1, 0, -1), x)


def polyval_bar_p(g: Any, p: Any, x: Any) -> Any:
    n = np.shape(p)[0]
    powers = np.asarray(x, dtype=float)[..., None] ** np.arange(n - 1, -1, -1)
    return np.reshape(np.sum(np.asarray(g)[..., None] * powers, axis=tuple(range(np.ndim(x)))), np.shape(p))


def interp_periodic(x: Any, xp: Any, period: Any) -> Any:
    """What ``np.interp(x, xp, fp, period=p)`` interpolates on: (x mod p, the knots mod p in
    order with one more at each end, and the position in ``fp`` of each of those knots)."""
    p = abs(float(period))
    xp = np.mod(np.asarray(xp, dtype=float), p)
    order = np.argsort(xp, kind="stable")
    positions = np.concatenate([order[-1:], order, order[:1]])
    knots = np.concatenate([xp[order][-1:] - p, xp[order], xp[order][:1] + p])
    return np.mod(np.asarray(x, dtype=float), p), knots, positions


def interp_dx(x: Any, xp: Any, fp: Any, left: Any = None, right: Any = None, period: Any = None) -> Any:
    """d interp / dx: the slope of the segment; at a knot, the average of the two adjacent slopes
    (0 outside [xp[0], xp[-1]]; with a period, of the periodic extension)."""
    fp = np.asarray(fp, dtype=float)
    if period is not None:
        x, xp, positions = interp_periodic(x, xp, period)
        fp = fp[positions]
    xp = np.asarray(xp, dtype=float)
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
    xp = np.asarray(xp, dtype=float)
    xs = np.ravel(np.asarray(x, dtype=float))
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


# ---------------------------------------------------------------- shapes and selection


def rollaxis_bar(g: Any, a: Any, axis: int, start: int = 0) -> Any:
    nd = np.ndim(a)
    ax = axis % nd
    st = start + nd if start < 0 else start
    dest = st - 1 if st > ax else st
    return np.moveaxis(g, dest, ax)


def concatenate_bar(g: Any, arrays: Sequence[Any], axis: Any = 0) -> Any:
    shapes = [np.shape(x) for x in arrays]
    if axis is None:
        sizes = [int(np.prod(s, dtype=int)) for s in shapes]
        parts = np.split(np.ravel(g), np.cumsum(sizes)[:-1])
    else:
        ax = axis % np.ndim(g)
        parts = np.split(g, np.cumsum([s[ax] for s in shapes])[:-1], axis=ax)
    return seq_like([np.reshape(p, s) for p, s in zip(parts, shapes)], arrays)


def stack_bar(g: Any, arrays: Sequence[Any], axis: Any = 0) -> Any:
    moved = np.moveaxis(g, axis, 0)
    return seq_like([np.reshape(moved[i], np.shape(x)) for i, x in enumerate(arrays)], arrays)


def promoted_shape(shape: tuple, kind: str) -> tuple:
    """The shape ``hstack``/``vstack``/``dstack``/``column_stack`` give one input before joining."""
    view = np.broadcast_to(0.0, shape)
    if kind == "hstack":
        return np.atleast_1d(view).shape
    if kind == "vstack":
        return np.atleast_2d(view).shape
    if kind == "dstack":
        return np.atleast_3d(view).shape
    return shape + (1,) if len(shape) == 1 else np.atleast_2d(view).shape if len(shape) == 0 else shape


def joined_axis(shapes: Sequence[tuple], kind: str) -> int:
    if kind == "hstack":
        return 0 if len(shapes[0]) == 1 else 1
    return {"vstack": 0, "dstack": 2, "column_stack": 1}[kind]


def joined_bar(g: Any, tup: Sequence[Any], kind: str) -> Any:
    """Cotangent of the sequence in ``np.hstack``/``vstack``/``dstack``/``column_stack``."""
    shapes = [promoted_shape(np.shape(x), kind) for x in tup]
    ax = joined_axis(shapes, kind)
    parts = np.split(g, np.cumsum([s[ax] for s in shapes])[:-1], axis=ax)
    return seq_like([np.reshape(p, np.shape(x)) for p, x in zip(parts, tup)], tup)


def split_bar(g: Any, ans: Sequence[Any], axis: int) -> Any:
    """Cotangent of the array split into ``ans``: join the pieces' cotangents (None is zero)."""
    return np.concatenate([entry_or_zero(g, i, piece) for i, piece in enumerate(ans)], axis=axis)


def unstack_bar(g: Any, ans: Sequence[Any], axis: int = 0) -> Any:
    """Cotangent of ``x`` in ``np.unstack(x, axis)``: stack the pieces' cotangents (None is zero)."""
    return np.stack([entry_or_zero(g, i, piece) for i, piece in enumerate(ans)], axis=axis)


def tile_bar(g: Any, A: Any, reps: Any) -> Any:
    reps = (reps,) if isinstance(reps, (int, np.integer)) else tuple(reps)
    nd = max(np.ndim(A), len(reps))
    shape = (1,) * (nd - np.ndim(A)) + np.shape(A)
    reps = (1,) * (nd - len(reps)) + reps
    folded = np.reshape(g, [n for pair in zip(reps, shape) for n in pair])
    return np.reshape(np.sum(folded, axis=tuple(range(0, 2 * nd, 2))), np.shape(A))


def repeat_bar(g: Any, a: Any, repeats: Any, axis: Any = None) -> Any:
    if axis is None:
        size = int(np.size(a))
        idx = np.repeat(np.arange(size), repeats)
        return np.reshape(np.bincount(idx, weights=np.ravel(g), minlength=size), np.shape(a))
    ax = axis % np.ndim(a)
    n = np.shape(a)[ax]
    moved = np.moveaxis(np.asarray(g, dtype=float), ax, 0)
    out = np.zeros((n,) + moved.shape[1:])
    np.add.at(out, np.repeat(np.arange(n), repeats), moved)
    return np.moveaxis(out, 0, ax)


def pad_check(mode: Any) -> None:
    modes = ("constant", "edge", "reflect", "symmetric", "wrap")
    if mode not in modes:
        raise NotImplementedError(f"tangent_lite: np.pad(mode={mode!r}) has no derivative rule "
                                  f"(supported modes: {', '.join(modes)})")


def pad_tangent(t: Any, pad_width: Any, mode: Any = "constant") -> Any:
    pad_check(mode)
    return np.pad(np.asarray(t, dtype=float), pad_width, mode=mode)


def pad_bar(g: Any, array: Any, pad_width: Any, mode: Any = "constant") -> Any:
    """Adjoint of a padding that copies entries: pad an index map, then scatter-add ``g``."""
    pad_check(mode)
    size = int(np.size(array))
    index = np.arange(size).reshape(np.shape(array))
    if mode == "constant":
        source = np.pad(index, pad_width, mode="constant", constant_values=-1).ravel()
    else:
        source = np.pad(index, pad_width, mode=mode).ravel()
    keep = source >= 0
    flat = np.bincount(source[keep], weights=np.ravel(g)[keep], minlength=size)
    return np.reshape(flat, np.shape(array))


def diag_positions(n: int, m: int, offset: int) -> tuple:
    length = max(0, min(n, m - offset) if offset >= 0 else min(n + offset, m))
    rows = np.arange(length) + max(-offset, 0)
    return rows, rows - max(-offset, 0) + max(offset, 0)


def diagonal_bar(g: Any, a: Any, offset: Any = 0, axis1: Any = 0, axis2: Any = 1) -> Any:
    """Cotangent of ``np.diagonal``: ``g`` placed back on the diagonal."""
    nd = np.ndim(a)
    a1, a2 = axis1 % nd, axis2 % nd
    shape = np.shape(a)
    rest = [shape[i] for i in range(nd) if i not in (a1, a2)]
    out = np.zeros(rest + [shape[a1], shape[a2]])
    rows, cols = diag_positions(shape[a1], shape[a2], offset)
    out[..., rows, cols] = g
    return np.moveaxis(out, (-2, -1), (a1, a2))


def trace_bar(g: Any, a: Any, offset: Any = 0, axis1: Any = 0, axis2: Any = 1) -> Any:
    n = np.shape(a)[axis1]
    m = np.shape(a)[axis2]
    rows, _ = diag_positions(n, m, offset)
    return diagonal_bar(np.repeat(np.expand_dims(g, -1), len(rows), axis=-1), a, offset, axis1, axis2)


def diag_bar(g: Any, v: Any, k: Any = 0) -> Any:
    if np.ndim(v) == 1:
        return np.diag(g, k)
    return diagonal_bar(g, v, k, 0, 1)


def tri_bar(g: Any, m: Any, k: Any, lower: bool) -> Any:
    """Cotangent of ``np.tril``/``np.triu`` (a 1-D ``m`` is repeated down the rows)."""
    masked = np.tril(g, k) if lower else np.triu(g, k)
    return np.sum(masked, axis=0) if np.ndim(m) == 1 else masked


def np_append_bar(g: Any, which: int, arr: Any, values: Any, axis: Any = None) -> Any:
    """Cotangent of ``arr`` (which=0) or ``values`` (which=1) in ``np.append``."""
    like = arr if which == 0 else values
    if axis is None:
        flat = np.ravel(g)
        n = int(np.size(arr))
        return np.reshape(flat[:n] if which == 0 else flat[n:], np.shape(like))
    ax = axis % np.ndim(g)
    n = np.shape(arr)[ax]
    piece = np.take(g, np.arange(n) if which == 0 else np.arange(n, np.shape(g)[ax]), axis=ax)
    return np.reshape(piece, np.shape(like))


def delete_bar(g: Any, arr: Any, obj: Any, axis: Any = None) -> Any:
    if axis is None:
        size = int(np.size(arr))
        out = np.zeros(size)
        out[np.delete(np.arange(size), obj)] = np.ravel(g)
        return np.reshape(out, np.shape(arr))
    ax = axis % np.ndim(arr)
    out = np.zeros(np.shape(arr))
    keep = np.delete(np.arange(np.shape(arr)[ax]), obj)
    out[(slice(None),) * ax + (keep,)] = g
    return out


def take_bar(g: Any, a: Any, indices: Any, axis: Any = None, mode: Any = "raise") -> Any:
    """Cotangent of ``np.take`` (repeated indices accumulate; 'wrap'/'clip' map indices first)."""
    if axis is None:
        size = int(np.size(a))
        idx = np.take(np.arange(size), indices, mode=mode)
        flat = np.bincount(np.ravel(idx), weights=np.ravel(g), minlength=size)
        return np.reshape(flat, np.shape(a))
    ax = axis % np.ndim(a)
    idx = np.take(np.arange(np.shape(a)[ax]), indices, mode=mode)
    out = np.zeros(np.shape(a))
    np.add.at(out, (slice(None),) * ax + (idx,), g)
    return out


def take_along_axis_bar(g: Any, arr: Any, indices: Any, axis: Any = -1) -> Any:
    if axis is None:
        size = int(np.size(arr))
        idx = np.ravel(indices) % size
        return np.reshape(np.bincount(idx, weights=np.ravel(g), minlength=size), np.shape(arr))
    shape = np.shape(arr)
    ax = axis % len(shape)
    g = np.asarray(g, dtype=float)
    grids = np.indices(g.shape, sparse=True)
    index = tuple(np.broadcast_to(indices, g.shape) % shape[ax] if d == ax else
                  (grids[d] if shape[d] != 1 else np.zeros_like(grids[d])) for d in range(len(shape)))
    out = np.zeros(shape)
    np.add.at(out, index, g)
    return out


def compress_bar(g: Any, condition: Any, a: Any, axis: Any = None) -> Any:
    keep = np.flatnonzero(np.asarray(condition, dtype=bool))
    if axis is None:
        out = np.zeros(int(np.size(a)))
        out[keep] = g
        return np.reshape(out, np.shape(a))
    ax = axis % np.ndim(a)
    out = np.zeros(np.shape(a))
    out[(slice(None),) * ax + (keep,)] = g
    return out


def extract_bar(g: Any, condition: Any, arr: Any) -> Any:
    out = np.zeros(int(np.size(arr)))
    out[np.flatnonzero(np.ravel(condition))] = g
    return np.reshape(out, np.shape(arr))


def select_masks(condlist: Sequence[Any], shape: tuple) -> tuple:
    """For ``np.select``: where each choice is taken (the first true condition wins), and where
    any condition holds."""
    taken = np.zeros(shape, dtype=bool)
    masks = []
    for c in condlist:
        c = np.broadcast_to(np.asarray(c, dtype=bool), shape)
        masks.append(c & ~taken)
        taken = taken | c
    return masks, taken


def select_tangent(t: Any, which: int, condlist: Sequence[Any], choicelist: Sequence[Any], default: Any,
                   ans: Any) -> Any:
    """Tangent of ``np.select`` along the choices (which=0, a sequence) or ``default`` (which=1)."""
    masks, taken = select_masks(condlist, np.shape(ans))
    if which == 0:
        out = np.zeros(np.shape(ans))
        for m, ti in zip(masks, t):
            out = np.where(m, ti, out)
        return out
    return np.where(taken, 0.0, np.broadcast_to(t, np.shape(ans)))


def select_bar(g: Any, which: int, condlist: Sequence[Any], choicelist: Sequence[Any], default: Any) -> Any:
    masks, taken = select_masks(condlist, np.shape(g))
    if which == 0:
        return seq_like([unbroadcast(np.where(m, g, 0.0), c) for m, c in zip(masks, choicelist)], choicelist)
    return unbroadcast(np.where(taken, 0.0, g), default)


def roll_bar(g: Any, shift: Any, axis: Any = None) -> Any:
    return np.roll(g, np.negative(shift), axis)


# ---------------------------------------------------------------- linear algebra


def as_columns(b: Any, x: Any) -> tuple:
    """(b, x) with a trailing column axis when ``b`` is a vector (np.linalg.solve's convention)."""
    if np.ndim(b) == 1:
        return np.asarray(x)[..., None], True
    return np.asarray(x), False


def solve_tangent_a(t: Any, ans: Any, a: Any, b: Any) -> Any:
    """d x = -solve(a, t x) for x = solve(a, b)."""
    x, vec = as_columns(b, ans)
    out = -np.linalg.solve(a, np.matmul(t, x))
    return out[..., 0] if vec else out


def solve_bar_b(g: Any, ans: Any, a: Any, b: Any) -> Any:
    """b_bar = solve(a^T, g)."""
    gg, vec = as_columns(b, g)
    bar = np.linalg.solve(matrix_t(a), gg)
    return unbroadcast(bar[..., 0] if vec else bar, b)


def solve_bar_a(g: Any, ans: Any, a: Any, b: Any) -> Any:
    """a_bar = -b_bar x^T."""
    gg, vec = as_columns(b, g)
    x, _ = as_columns(b, ans)
    bbar = np.linalg.solve(matrix_t(a), gg)
    return unbroadcast(-np.matmul(bbar, matrix_t(x)), a)


def det_bar(g: Any, ans: Any, a: Any) -> Any:
    """g det(a) inv(a)^T (a must be invertible)."""
    scale = np.asarray(g * ans)[..., None, None]
    return scale * matrix_t(np.linalg.inv(a))


def named_like(t: tuple, ans: Any) -> Any:
    """The tangent ``t`` of a NumPy result with named fields (``slogdet(a).logabsdet``, ``eigh``,
    ``svd``, ``qr``) as a result of the same type, so that ``t.logabsdet`` reads its field."""
    fields = getattr(type(ans), "_fields", None)
    return type(ans)(*t) if fields is not None and len(fields) == len(t) else t


def slogdet_tangent(t: Any, ans: Any, a: Any) -> tuple:
    """(0, trace(inv(a) t)): the sign is locally constant."""
    return named_like((np.zeros(np.shape(ans[0])), np.trace(np.linalg.solve(a, t), axis1=-2, axis2=-1)), ans)


def slogdet_bar(g: Any, ans: Any, a: Any) -> Any:
    """The cotangent (g_sign, g_logabsdet) of slogdet's output: g_logabsdet inv(a)^T."""
    glog = entry_or_zero(g, 1, ans[1])
    return glog[..., None, None] * matrix_t(np.linalg.inv(a))


def tri_sym(t: Any, upper: Any) -> Any:
    """The symmetric matrix a LAPACK routine sees when it reads one triangle of ``t``."""
    if upper:
        return np.triu(t) + matrix_t(np.triu(t, 1))
    return np.tril(t) + matrix_t(np.tril(t, -1))


def tri_sym_adjoint(s: Any, upper: Any) -> Any:
    """Adjoint of :func:`tri_sym`: the cotangent lands on the triangle that was read."""
    if upper:
        return np.triu(s) + np.triu(matrix_t(s), 1)
    return np.tril(s) + np.tril(matrix_t(s), -1)


def cholesky_phi(x: Any) -> Any:
    """The lower triangle of ``x`` with its diagonal halved."""
    return np.tril(x) - 0.5 * x * np.eye(np.shape(x)[-1])


def cholesky_tangent(t: Any, ans: Any, a: Any, upper: Any = False) -> Any:
    """dL = L phi(L^-1 dA L^-T), dA the symmetric matrix read from a's lower (upper) triangle."""
    low = matrix_t(ans) if upper else ans
    inv = np.linalg.inv(low)
    dlow = np.matmul(low, cholesky_phi(np.matmul(np.matmul(inv, tri_sym(t, upper)), matrix_t(inv))))
    return matrix_t(dlow) if upper else dlow


def cholesky_bar(g: Any, ans: Any, a: Any, upper: Any = False) -> Any:
    low = matrix_t(ans) if upper else ans
    glow = matrix_t(g) if upper else g
    inv = np.linalg.inv(low)
    s = np.matmul(np.matmul(matrix_t(inv), cholesky_phi(np.matmul(matrix_t(low), glow))), inv)
    return tri_sym_adjoint(sym_part(s), upper)


def eigh_f(w: Any) -> Any:
    """F[i, j] = 1 / (w[j] - w[i]) off the diagonal, 0 on it (eigenvalues must be distinct)."""
    diff = w[..., None, :] - w[..., :, None]
    eye = np.eye(np.shape(w)[-1], dtype=bool)
    return np.where(eye, 0.0, 1.0 / np.where(eye, 1.0, diff))


def eigh_tangent(t: Any, ans: Any, a: Any, UPLO: Any = "L") -> tuple:
    """dw = diag(V^T dA V), dV = V (F o (V^T dA V)); dA read from the triangle UPLO names."""
    w, v = ans
    p = np.matmul(np.matmul(matrix_t(v), tri_sym(t, UPLO == "U")), v)
    return named_like((np.diagonal(p, axis1=-2, axis2=-1).copy(), np.matmul(v, eigh_f(w) * p)), ans)


def eigh_bar(g: Any, ans: Any, a: Any, UPLO: Any = "L") -> Any:
    """A_bar = V (diag(w_bar) + F o (V^T V_bar)) V^T, symmetrised, on the triangle read."""
    w, v = ans
    gw = entry_or_zero(g, 0, w)
    gv = entry_or_zero(g, 1, v)
    inner = gw[..., None] * np.eye(np.shape(w)[-1]) + eigh_f(w) * np.matmul(matrix_t(v), gv)
    s = np.matmul(np.matmul(v, inner), matrix_t(v))
    return tri_sym_adjoint(sym_part(s), UPLO == "U")


def eigvalsh_tangent(t: Any, a: Any, UPLO: Any = "L") -> Any:
    v = np.linalg.eigh(a, UPLO)[1]
    p = np.matmul(np.matmul(matrix_t(v), tri_sym(t, UPLO == "U")), v)
    return np.diagonal(p, axis1=-2, axis2=-1).copy()


def eigvalsh_bar(g: Any, a: Any, UPLO: Any = "L") -> Any:
    v = np.linalg.eigh(a, UPLO)[1]
    s = np.matmul(v * np.asarray(g)[..., None, :], matrix_t(v))
    return tri_sym_adjoint(sym_part(s), UPLO == "U")


def svd_check(hermitian: Any) -> None:
    if hermitian:
        raise NotImplementedError("tangent_lite: np.linalg.svd(..., hermitian=True) has no derivative rule; "
                                  "use np.linalg.eigh")


def svd_f(s: Any) -> Any:
    """F[i, j] = 1 / (s[j]^2 - s[i]^2) off the diagonal (singular values must be distinct)."""
    return eigh_f(s * s)


def svd_tangent(t: Any, ans: Any, a: Any, full_matrices: Any = True, compute_uv: Any = True,
                hermitian: Any = False) -> Any:
    """Tangents of (U, s, Vh) (or of s alone); standard formulas for distinct nonzero singular values.

    With ``full_matrices`` and a non-square matrix the extra columns of U (rows of Vh)
    are an arbitrary basis of a complement: their tangent is undefined and set to NaN.
    """
    svd_check(hermitian)
    if not compute_uv:
        return svdvals_tangent(t, a)
    u_full, s, vh_full = ans
    m, n = np.shape(a)[-2:]
    k = min(m, n)
    u, vh = u_full[..., :, :k], vh_full[..., :k, :]
    v = matrix_t(vh)
    dp = np.matmul(np.matmul(matrix_t(u), t), v)
    ds = np.diagonal(dp, axis1=-2, axis2=-1).copy()
    f = svd_f(s)
    row, col = s[..., None, :], s[..., :, None]
    du = np.matmul(u, f * (dp * row + col * matrix_t(dp)))
    dv = np.matmul(v, f * (col * dp + matrix_t(dp) * row))
    if m > k:
        du = du + np.matmul(t - np.matmul(u, np.matmul(matrix_t(u), t)), v) / row
    if n > k:
        dv = dv + np.matmul(matrix_t(t) - np.matmul(v, np.matmul(vh, matrix_t(t))), u) / row
    if full_matrices and m != n:
        du = np.concatenate([du, np.full(np.shape(u_full)[:-1] + (m - k,), np.nan)], axis=-1)
        dv = np.concatenate([dv, np.full(np.shape(vh_full)[:-1] + (n - k,), np.nan)], axis=-1)
    return named_like((du, ds, matrix_t(dv)), ans)


def svd_bar(g: Any, ans: Any, a: Any, full_matrices: Any = True, compute_uv: Any = True,
            hermitian: Any = False) -> Any:
    """Cotangent of a from those of (U, s, Vh) (Townsend 2016, real case)."""
    svd_check(hermitian)
    if not compute_uv:
        return svdvals_bar(g, a)
    u_full, s, vh_full = ans
    m, n = np.shape(a)[-2:]
    k = min(m, n)
    gu = entry_or_zero(g, 0, u_full)
    gs = entry_or_zero(g, 1, s)
    gvh = entry_or_zero(g, 2, vh_full)
    if full_matrices and m != n:
        extra = np.concatenate([np.ravel(gu[..., :, k:]), np.ravel(gvh[..., k:, :])])
        if np.any(extra != 0):  # the complement basis has no defined derivative
            return np.full(np.shape(a), np.nan)
    u, vh = u_full[..., :, :k], vh_full[..., :k, :]
    gu, gvh = gu[..., :, :k], gvh[..., :k, :]
    v, gv = matrix_t(vh), matrix_t(gvh)
    f = svd_f(s)
    row, col = s[..., None, :], s[..., :, None]
    j = f * (np.matmul(matrix_t(u), gu) - np.matmul(matrix_t(gu), u))
    kk = f * (np.matmul(matrix_t(v), gv) - np.matmul(matrix_t(gv), v))
    inner = j * row + gs[..., None] * np.eye(k) + col * kk
    out = np.matmul(np.matmul(u, inner), vh)
    if m > k:
        out = out + np.matmul((gu - np.matmul(u, np.matmul(matrix_t(u), gu))) / row, vh)
    if n > k:
        out = out + np.matmul(u / row, matrix_t(gv) - np.matmul(np.matmul(matrix_t(gv), v), vh))
    return out


def svdvals_tangent(t: Any, a: Any) -> Any:
    u, _, vh = np.linalg.svd(a, full_matrices=False)
    return np.diagonal(np.matmul(np.matmul(matrix_t(u), t), matrix_t(vh)), axis1=-2, axis2=-1).copy()


def svdvals_bar(g: Any, a: Any) -> Any:
    u, _, vh = np.linalg.svd(a, full_matrices=False)
    return np.matmul(u * np.asarray(g)[..., None, :], vh)


def qr_check(a: Any, mode: Any) -> None:
    m, n = np.shape(a)[-2:]
    if mode not in ("reduced", "complete", "r") or m < n or (mode == "complete" and m != n):
        raise NotImplementedError(
            f"tangent_lite: np.linalg.qr(mode={mode!r}) of a {m}x{n} matrix has no derivative rule "
            "(supported: modes 'reduced' and 'r' with rows >= columns, 'complete' for square matrices)")


def qr_factors(ans: Any, a: Any, mode: Any) -> tuple:
    return np.linalg.qr(a) if mode == "r" else ans


def qr_tangent(t: Any, ans: Any, a: Any, mode: Any = "reduced") -> Any:
    """dR = (C - W) R, dQ = t R^-1 - Q (C - W), with C = Q^T t R^-1 and W = tril(C, -1) - tril(C, -1)^T."""
    qr_check(a, mode)
    q, r = qr_factors(ans, a, mode)
    rinv = np.linalg.inv(r)
    c = np.matmul(np.matmul(matrix_t(q), t), rinv)
    low = np.tril(c, -1)
    upper_part = c - (low - matrix_t(low))
    dr = np.matmul(upper_part, r)
    if mode == "r":
        return dr
    return named_like((np.matmul(t, rinv) - np.matmul(q, upper_part), dr), ans)


def qr_bar(g: Any, ans: Any, a: Any, mode: Any = "reduced") -> Any:
    """A_bar = (Q_bar + Q (X - tril(X - X^T, -1))) R^-T with X = R_bar R^T - Q^T Q_bar."""
    qr_check(a, mode)
    q, r = qr_factors(ans, a, mode)
    if mode == "r":
        gq, gr = np.zeros(np.shape(q)), np.asarray(g, dtype=float)
    else:
        gq, gr = entry_or_zero(g, 0, q), entry_or_zero(g, 1, r)
    x = np.matmul(gr, matrix_t(r)) - np.matmul(matrix_t(q), gq)
    y = x - np.tril(x - matrix_t(x), -1)
    return np.matmul(gq + np.matmul(q, y), matrix_t(np.linalg.inv(r)))


def pinv_check(hermitian: Any) -> None:
    if hermitian:
        raise NotImplementedError("tangent_lite: np.linalg.pinv(..., hermitian=True) has no derivative rule")


def pinv_tangent(t: Any, ans: Any, a: Any, rcond: Any = None, hermitian: Any = False) -> Any:
    """Golub & Pereyra: dP = -P dA P + P P^T dA^T (I - A P) + (I - P A) dA^T P^T P (constant rank)."""
    pinv_check(hermitian)
    p = ans
    m, n = np.shape(a)[-2:]
    k_left = np.eye(m) - np.matmul(a, p)
    k_right = np.eye(n) - np.matmul(p, a)
    tt = matrix_t(t)
    return (-np.matmul(np.matmul(p, t), p) + np.matmul(np.matmul(np.matmul(p, matrix_t(p)), tt), k_left)
            + np.matmul(np.matmul(k_right, tt), np.matmul(matrix_t(p), p)))


def pinv_bar(g: Any, ans: Any, a: Any, rcond: Any = None, hermitian: Any = False) -> Any:
    pinv_check(hermitian)
    p = ans
    m, n = np.shape(a)[-2:]
    k_left = np.eye(m) - np.matmul(a, p)
    k_right = np.eye(n) - np.matmul(p, a)
    gt = matrix_t(g)
    return (-np.matmul(np.matmul(matrix_t(p), g), matrix_t(p))
            + np.matmul(np.matmul(k_left, gt), np.matmul(p, matrix_t(p)))
            + np.matmul(np.matmul(np.matmul(matrix_t(p), p), gt), k_right))


# ================================================================ strong zeros at singular points
# (rules of numpy.py, numpy_more.py, operators.py and pymath.py; their own rules are in
# rules/singular.py, so generated code that calls them can be differentiated again)
#
# The convention (docs/custom-rules.md, "Conventions at non-smooth points"): a zero seed (a
# cotangent or a tangent) times an infinite or NaN local partial derivative contributes
# exactly 0.  The branch ``np.where`` selects away gets a zero cotangent, and IEEE's
# 0 * inf = NaN would otherwise poison it (``np.where(x > 0, np.sqrt(x), 0.0)`` at x <= 0).
# Arrays: the plain product or ratio, one read-only reduction that finds a NaN if there is
# one, and only then a pass that puts the zeros back; no reduction at all when one operand
# is a nonzero finite number (a seed kept as a number: nothing can need a zero then).  Python
# numbers: a conditional, and IEEE infinities where Python raises ZeroDivisionError.


def nan_free(r: Any) -> bool:
    """Has ``r`` (a number or an array just computed) no NaN?  For a float array, one read-only
    pass: ``r . r`` is NaN exactly when an entry is (squares are never -inf); for large arrays
    the sum, which is NaN when an entry is (or when both +inf and -inf are: the caller then
    takes its exact path for nothing), because BLAS would use threads for the dot product."""
    if type(r) is np.ndarray:
        kind = r.dtype.kind
        if kind == "f":
            v = r.ravel(order="K")  # a view for any array a ufunc returns
            s = v.dot(v) if v.size <= 8192 else np.add.reduce(v)
            return bool(s == s)
        if kind == "c":
            return not np.isnan(r).any()
        return True
    if isinstance(r, np.ndarray):  # a subclass (np.matrix, ...)
        return nan_free(np.asarray(r))
    return bool(r == r)


def nonzero_number(v: Any) -> bool:
    """Is ``v`` a number (not an array) other than 0, +-inf and NaN?  A product or ratio with
    such a factor is NaN only where the other operand is NaN, and no zero excuses that: the
    strong-zero helpers then skip their check (the common case of a seed kept as a number)."""
    t = type(v)
    if t is float or t is int or t is np.float64:
        return v != 0 and v - v == 0
    return isinstance(v, np.generic) and bool(v != 0 and v - v == 0)


def zeros_where(r: Any, zero: Any) -> Any:
    """``r`` with exact zeros where the boolean ``zero`` holds (a number stays a number)."""
    if isinstance(r, np.ndarray):
        return np.where(zero, r.dtype.type(0), r)
    return type(r)(0) if zero else r


def ieee_divide(a: Any, b: Any) -> float:
    """``a / b`` for Python numbers as IEEE arithmetic has it (+-inf or NaN for ``b == 0``),
    where Python raises ZeroDivisionError."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.divide(float(a), float(b)))


def strong_mul(a: Any, b: Any) -> Any:
    """``a * b`` with strong zeros: exactly 0 wherever ``a == 0`` or ``b == 0``, whatever the
    other factor is there (inf, NaN).  ``a`` is a seed (cotangent or tangent), ``b`` a local
    partial derivative that may be infinite or NaN at a finite input."""
    if (type(a) is float or type(a) is int) and (type(b) is float or type(b) is int):
        return 0.0 if a == 0 or b == 0 else a * b
    a = uniform_value(a, b)
    r = a * b
    if nonzero_number(a) or nonzero_number(b) or nan_free(r):
        return r
    return zeros_where(r, np.logical_or(np.equal(a, 0), np.equal(b, 0)))


def strong_zero(r: Any, g: Any) -> Any:
    """``r`` (a contribution computed from the seed ``g`` of an elementwise function) with exact
    zeros where ``g == 0``: the function's input may be infinite or NaN there (the branch an
    ``np.where`` selects away), and a zero seed times any partial derivative contributes 0."""
    if nonzero_number(g) or nan_free(r) or np.shape(r) != np.shape(g):
        return r
    return zeros_where(r, np.equal(g, 0))


def strong_div(a: Any, b: Any) -> Any:
    """``a / b`` with a strong zero: exactly 0 wherever ``a == 0``, whatever ``b`` is there (0, inf,
    NaN); +-inf where only ``b`` is 0, for Python numbers too (which would raise
    ZeroDivisionError).  ``a`` is a seed (times finite factors), ``b`` the denominator of a local
    partial derivative (``g / x`` for ``log``, ``g * 0.5 / sqrt(x)`` for ``sqrt``)."""
    if (type(a) is float or type(a) is int) and (type(b) is float or type(b) is int):
        if a == 0:
            return 0.0
        return a / b if b != 0 else ieee_divide(a, b)
    a = uniform_value(a, b)
    r = a / b
    if nonzero_number(a) or nonzero_number(b) or nan_free(r):
        return r
    return zeros_where(r, np.equal(a, 0))


def power(x: Any, p: Any) -> Any:
    """``x ** p`` with IEEE results for Python numbers too: inf for ``0.0 ** -1`` (Python raises
    ZeroDivisionError), inf on overflow (OverflowError), NaN for a negative base with a
    fractional exponent (Python gives a complex number).  Integer arrays are raised as floats
    (NumPy refuses integers to negative powers)."""
    if (type(x) is float or type(x) is int) and (type(p) is float or type(p) is int):
        try:
            r = x ** p
        except (ZeroDivisionError, OverflowError):
            r = None
        if r is not None and type(r) is not complex:
            return r
        with np.errstate(all="ignore"):
            return float(np.power(float(x), float(p)))
    if isinstance(x, (np.ndarray, np.integer)) and x.dtype.kind in "biu":
        x = np.asarray(x, dtype=float)
    return x ** p


def uniform_value(g: Any, like: Any) -> Any:
    """The one value of ``g`` when ``g`` is a stride-0 view of it spread over ``like``'s shape (the
    adjoint ``_tl.sum_bar`` gives a large summed array), else ``g`` itself."""
    if type(g) is np.ndarray and g.ndim and not any(g.strides) and g.size \
            and g.shape == (like.shape if type(like) is np.ndarray else np.shape(like)):
        return g[(0,) * g.ndim]
    return g


def pow_base_bar(g: Any, x: Any, y: Any) -> Any:
    """``g * y * x ** (y - 1)``: what the seed ``g`` of ``x ** y`` gives ``x`` (a cotangent or a
    tangent, before any unbroadcast).  Strong zeros: exactly 0 where ``g == 0`` or ``y == 0``
    (``x ** 0`` is constant), whatever ``x ** (y - 1)`` is there (inf at ``x == 0`` for ``y < 1``,
    NaN for a negative base with a fractional exponent); IEEE values for Python numbers (see
    :func:`power`).  ``x ** 2`` with a spread-out seed costs one pass, as ``x * (2 * g)``."""
    if (type(g) is float or type(g) is int) and (type(x) is float or type(x) is int) \
            and (type(y) is float or type(y) is int):
        return 0.0 if g == 0 or y == 0 else g * y * power(x, y - 1)
    gy = uniform_value(g, x) * y
    r = gy * (x if (type(y) is int or type(y) is float) and y == 2 else power(x, y - 1))
    if nonzero_number(gy) or nan_free(r):
        return r
    return zeros_where(r, np.equal(gy, 0))
