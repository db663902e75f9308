"""Adjoints and tangents of reductions: sum, mean, max/min, prod, var/std, the NaN-aware
reductions, averages, ptp and norms.

``g`` is the cotangent of the reduced result; ``axis``/``keepdims`` are those of the call.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .blocks import axes_of, expand_reduced, safe_div
from .elementwise import abs_grad
from .library import as_array, inexact, is_foreign, namespace, reshaped, spread, zeros_of
from .singular import strong_mul

# ---------------------------------------------------------------- sum, mean, max/min and prod


def _norm_axis(axis: Any, ndim: int) -> tuple:
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, int):
        axis = (axis,)
    return tuple(a % ndim for a in axis)


def _expand(g: Any, x: Any, axis: Any, keepdims: bool) -> Any:
    """Reshape a reduced ``g`` so it broadcasts against ``x``."""
    nd = np.ndim(x)
    if keepdims or nd == 0 or np.ndim(g) == 0:
        return g
    shape = list(np.shape(x))
    for a in _norm_axis(axis, nd):
        shape[a] = 1
    return reshaped(g, shape)


def sum_bar(g: Any, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Adjoint of ``np.sum(x, axis, keepdims)``: spread ``g`` back over ``x``.

    A float ``g`` over a small array is written out with ``np.full`` (five times cheaper
    than ``np.broadcast_to``'s Python-level setup); large arrays get the stride-0 view."""
    if axis is None and type(g) is float and type(x) is np.ndarray and x.size <= 4096:
        return np.full(x.shape, g)
    return spread(_expand(g, x, axis, keepdims), np.shape(x), x)


def mean_bar(g: Any, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    nd = np.ndim(x)
    count = 1
    for a in _norm_axis(axis, nd):
        count *= np.shape(x)[a]
    if count != count:  # a Dask size unknown until computed (after a boolean mask): counted lazily
        count = np.sum(np.ones_like(x), axis=_norm_axis(axis, nd), keepdims=True)
    return sum_bar(g, x, axis, keepdims) / count


def extremum_bar(g: Any, ans: Any, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Adjoint of max/min: ``g`` shared equally among the tied extremal entries."""
    a = _expand(ans, x, axis, keepdims)
    mask = x == a
    xp = namespace(x)
    if xp is not np:  # an array-API array: its own sums and where, as its own float dtype
        counts = xp.sum(xp.astype(mask, x.dtype), axis=_norm_axis(axis, x.ndim), keepdims=True) if x.ndim else 1
        share = _expand(g, x, axis, keepdims) / counts
        return xp.where(mask, share, xp.zeros_like(share) if is_foreign(share) else 0.0)
    counts = np.sum(mask, axis=_norm_axis(axis, np.ndim(x)), keepdims=True, dtype=inexact(x).dtype) \
        if np.ndim(x) else 1  # (in x's float dtype: float32 stays float32)
    # exactly 0 off the extremal entries, whatever g is (an infinite g: docs, non-smooth points)
    return np.where(mask, _expand(g, x, axis, keepdims) / counts, 0.0)


def prod_bar(g: Any, ans: Any, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Adjoint of prod, correct when entries are zero (products of the others), exactly 0 where
    the seed is (an infinite entry the np.where around it selects away)."""
    x = inexact(x)
    if np.ndim(x) == 0:
        return g
    axes = _norm_axis(axis, x.ndim)
    moved = np.moveaxis(x, axes, tuple(range(-len(axes), 0)))
    flat = moved.reshape(moved.shape[: moved.ndim - len(axes)] + (-1,))
    left = np.cumprod(np.concatenate([np.ones_like(flat[..., :1]), flat[..., :-1]], axis=-1), axis=-1)
    right = np.cumprod(np.concatenate([np.ones_like(flat[..., :1]), flat[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    others = (left * right).reshape(moved.shape)
    others = np.moveaxis(others, tuple(range(-len(axes), 0)), axes)
    # strong zeros: an entry whose seed is 0 gets 0 even where the others' product is inf or NaN
    return strong_mul(_expand(g, x, axis, keepdims), others)


def prod_pairs(g: Any, v: Any, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """``g * sum_k P_ik v_k`` with ``P_ik`` the product of the entries other than ``i`` and
    ``k`` of the reduced group (0 for ``i == k``): the derivative of ``prod_bar`` in ``x``
    (symmetric, so the same formula is its transpose).  Exact with zeros among the entries."""
    x = inexact(x)
    v = np.broadcast_to(inexact(v), x.shape)
    if x.ndim == 0:
        return np.zeros_like(x)
    axes = _norm_axis(axis, x.ndim)
    gx = _expand(g, x, axis, keepdims) * np.ones_like(x)
    moved = np.moveaxis(x, axes, tuple(range(-len(axes), 0)))
    lead = moved.shape[: moved.ndim - len(axes)]
    xs = moved.reshape(lead + (-1,))
    vs = np.moveaxis(v * gx, axes, tuple(range(-len(axes), 0))).reshape(lead + (-1,))
    n = xs.shape[-1]
    if n == 0:
        return np.zeros_like(x)
    columns = []
    for i in range(n):  # products over the group with entry i left out, then their "others"
        left_out = np.arange(n) == i  # (no writes into arrays: Dask's stay lazy)
        others = prod_bar(1.0, None, np.where(left_out, 1.0, xs), -1, True)
        columns.append(np.sum(np.where(left_out, 0.0, others) * vs, axis=-1))
    out = np.stack(columns, axis=-1)
    return np.moveaxis(out.reshape(moved.shape), tuple(range(-len(axes), 0)), axes)


# ---------------------------------------------------------------- variance, NaN-aware reductions, averages


def reduced_count(shape: tuple, axes: tuple) -> int:
    n = 1
    for a in axes:
        n *= shape[a]
    if n != n:
        raise ValueError("tangent_lite: this derivative needs the number of entries reduced over, and the array's "
                         "size is unknown until it is computed (a Dask array after a boolean mask): call "
                         "x.compute_chunk_sizes() first")
    return n


def var_scale(n: Any, ddof: Any) -> Any:
    """2 / (n - ddof), the derivative's factor of np.var's sum of squares; inf where n - ddof <= 0,
    where NumPy divides by 0 (its value is then nan or inf, and so is the derivative)."""
    d = n - ddof
    if np.ndim(d) == 0:
        return 2.0 / d if d > 0 else float("inf")  # (a Python float: a float32 array stays float32)
    with np.errstate(divide="ignore"):
        return 2.0 / np.maximum(d, 0)


def var_tangent(t: Any, a: Any, axis: Any = None, ddof: Any = 0, keepdims: bool = False) -> Any:
    a = inexact(a)
    axes = axes_of(axis, a.ndim)
    centred = a - np.mean(a, axis=axes, keepdims=True)
    scale = var_scale(reduced_count(a.shape, axes), ddof)
    if np.iscomplexobj(a):  # var = mean(|a - mean|^2): d var = scale * Re(sum(conj(centred) * t))
        return scale * np.real(np.sum(np.conj(centred) * t, axis=axes, keepdims=keepdims))
    return scale * np.sum(centred * t, axis=axes, keepdims=keepdims)


def var_bar(g: Any, a: Any, axis: Any = None, ddof: Any = 0, keepdims: bool = False) -> Any:
    a = inexact(a)
    axes = axes_of(axis, a.ndim)
    centred = a - np.mean(a, axis=axes, keepdims=True)
    scale = var_scale(reduced_count(a.shape, axes), ddof)
    if np.iscomplexobj(a):  # a real function of complex a: dvar/dRe - 1j dvar/dIm (docs/complex-numbers.md)
        return scale * expand_reduced(np.real(g), a.shape, axes, keepdims) * np.conj(centred)
    return scale * expand_reduced(g, a.shape, axes, keepdims) * centred


def std_tangent(t: Any, ans: Any, a: Any, axis: Any = None, ddof: Any = 0, keepdims: bool = False) -> Any:
    """d std = d var / (2 std); 0 where std == 0 (the average of the one-sided derivatives)."""
    return safe_div(var_tangent(t, a, axis, ddof, keepdims), 2.0 * as_array(ans))


def std_bar(g: Any, ans: Any, a: Any, axis: Any = None, ddof: Any = 0, keepdims: bool = False) -> Any:
    return var_bar(safe_div(g, 2.0 * as_array(ans)), a, axis, ddof, keepdims)


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
    a = inexact(a)
    mask = nan_mask(a)
    a0 = np.where(mask > 0, a, 0.0)
    n = np.sum(mask, axis=axes, keepdims=True)
    return (a0 - np.sum(a0, axis=axes, keepdims=True) / n) * mask, n


def nanvar_tangent(t: Any, a: Any, axis: Any = None, ddof: Any = 0, keepdims: bool = False) -> Any:
    axes = axes_of(axis, np.ndim(a))
    centred, n = nan_centred(a, axes)
    return np.sum(var_scale(n, ddof) * centred * t, axis=axes, keepdims=keepdims)


def nanvar_bar(g: Any, a: Any, axis: Any = None, ddof: Any = 0, keepdims: bool = False) -> Any:
    axes = axes_of(axis, np.ndim(a))
    centred, n = nan_centred(a, axes)
    return var_scale(n, ddof) * centred * expand_reduced(g, np.shape(a), axes, keepdims)


def nanstd_tangent(t: Any, ans: Any, a: Any, axis: Any = None, ddof: Any = 0, keepdims: bool = False) -> Any:
    return safe_div(nanvar_tangent(t, a, axis, ddof, keepdims), 2.0 * as_array(ans))


def nanstd_bar(g: Any, ans: Any, a: Any, axis: Any = None, ddof: Any = 0, keepdims: bool = False) -> Any:
    return nanvar_bar(safe_div(g, 2.0 * as_array(ans)), a, axis, ddof, keepdims)


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
    a = inexact(a)
    axes = axes_of(axis, a.ndim)
    if weights is None:
        return np.full(a.shape, 1.0 / reduced_count(a.shape, axes))
    w = inexact(weights)
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
    a = inexact(a)
    axes = axes_of(axis, a.ndim)
    w = inexact(weights)
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
        return zeros_of(np.shape(x), x)
    ax = np.abs(x)
    if ord in (np.inf, -np.inf):
        mask = (ax == n) * 1.0
        return np.sign(x) * mask / np.sum(mask, axis=axes, keepdims=True)
    p = float(ord)
    powered = np.where(ax == 0, 0.0, np.abs(np.where(ax == 0, 1.0, x)) ** (p - 1.0))
    return np.sign(x) * safe_div(powered, inexact(n) ** (p - 1.0))


def matrix_norm_dir(x: Any, n: Any, ord: Any, axes: tuple) -> Any:
    """d ||x||_ord / dx for the matrices spanned by ``axes`` (rows, columns)."""
    xm = np.moveaxis(x, axes, (-2, -1))
    nm = np.moveaxis(n, axes, (-2, -1))
    if ord is None or ord == "fro":
        d = safe_div(xm, nm)
    elif ord == "nuc":  # d s_i = Re(u_i^H dx v_i): d = conj(U Vh) (U Vh for real x)
        u, _, vh = np.linalg.svd(xm, full_matrices=False)
        d = np.conjugate(np.matmul(u, vh)) if np.iscomplexobj(xm) else np.matmul(u, vh)
    elif ord in (2, -2):
        u, _, vh = np.linalg.svd(xm, full_matrices=False)
        k = 0 if ord == 2 else -1
        d = u[..., :, k:k + 1 if k == 0 else None] * vh[..., k:k + 1 if k == 0 else None, :]
        d = np.conjugate(d) if np.iscomplexobj(d) else d
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
    follow the module conventions: 0, and an even share among the tied entries.  For complex
    ``x``, ``d`` is ``dnorm/dRe - 1j dnorm/dIm`` (docs/complex-numbers.md) and the tangent is
    ``Re(sum(d * t))``: every norm but the matrix ord 'nuc', 2, -2 is the same norm of ``|x|``,
    so ``d`` is its direction at ``|x|`` times ``d|x|/dx = conj(x) / |x|``."""
    x = inexact(x)
    which, axes = norm_axes(x, ord, axis, kind)
    if np.iscomplexobj(x) and not (which == "matrix" and ord in ("nuc", 2, -2)):
        d, _ = real_norm_dir(ans, np.abs(x), ord, axis, keepdims, kind)
        return d * abs_grad(x), axes
    return real_norm_dir(ans, x, ord, axis, keepdims, kind)


def real_norm_dir(ans: Any, x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False,
                  kind: str = "norm") -> tuple:
    """:func:`norm_dir` of a real ``x`` (and the matrix ord 'nuc', 2, -2 of a complex one)."""
    x = inexact(x)
    which, axes = norm_axes(x, ord, axis, kind)
    n = expand_reduced(ans, x.shape, axes, keepdims)
    if which == "vector":
        return vector_norm_dir(x, n, ord, axes), axes
    return matrix_norm_dir(x, n, ord, axes), axes


def norm_tangent(t: Any, ans: Any, x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False,
                 kind: str = "norm") -> Any:
    d, axes = norm_dir(ans, x, ord, axis, keepdims, kind)
    out = np.sum(d * t, axis=axes, keepdims=keepdims)
    return np.real(out) if np.iscomplexobj(out) else out


def norm_bar(g: Any, ans: Any, x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False,
             kind: str = "norm") -> Any:
    d, axes = norm_dir(ans, x, ord, axis, keepdims, kind)
    g = np.real(g) if np.iscomplexobj(g) else g  # (a real result: the real part of its cotangent)
    return expand_reduced(g, np.shape(x), axes, keepdims) * d
