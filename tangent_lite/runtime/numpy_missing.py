"""Helpers of the rules in ``rules/numpy_missing.py``: ``x.item(...)``, ``ufunc.outer``,
``np.einsum``'s sublist form, ``np.gradient``, ``np.linalg.lstsq`` and ``np.linalg.eig``.

The helpers of ``lstsq`` and ``eig`` are written with differentiable NumPy calls only (no
writes into arrays), so that derivative code calling them can be differentiated again.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .blocks import entry_or_zero, matrix_t
from .broadcast import real_cotangent
from .linalg import named_like

# ---------------------------------------------------------------- x.item(...)


def item(a: Any, index: Any = None) -> Any:
    """``a.item()`` / ``a.item(i)`` (flat index) / ``a.item((i, j))`` (one index per axis)."""
    arr = np.asarray(a)
    return arr.item() if index is None else arr.item(index)


def conj_method(x: Any) -> Any:
    """``x.conj()`` / ``x.conjugate()``: for an array of real numbers NumPy returns ``x`` itself
    (``np.conj(x)`` would be a new array: an in-place change of ``x`` shows in the method's result)."""
    return x.conj() if hasattr(x, "conj") else np.conj(x)


def item_bar(g: Any, a: Any, index: Any = None) -> Any:
    """Cotangent of ``a`` in ``a.item(index)``: zeros shaped like ``a`` with ``g`` at that entry."""
    arr = np.asarray(a)
    dtype = np.result_type(arr.dtype, np.asarray(g).dtype, np.float64)
    out = np.zeros(arr.shape, dtype=dtype)
    if index is None:
        if out.size != 1:
            raise ValueError("can only convert an array of size 1 to a Python scalar")
        out.reshape(-1)[0] = g
    elif isinstance(index, tuple):
        out[index] = g
    else:
        out.reshape(-1)[index] = g
    return out


# ---------------------------------------------------------------- ufunc.outer, einsum sublists


def outer_shape(a: Any, b: Any) -> tuple:
    """The shape that makes ``a`` broadcast against ``b`` as in ``ufunc.outer(a, b)``:
    ``a``'s axes, then one axis of length 1 per axis of ``b``."""
    return tuple(np.shape(a)) + (1,) * np.ndim(b)


def sublist_label(k: Any) -> str:
    if k is Ellipsis:
        return "..."
    k = int(k)
    if not 0 <= k < 52:
        raise ValueError(f"einsum: subscript {k} of a sublist is not in 0..51")
    return chr(ord("A") + k) if k < 26 else chr(ord("a") + k - 26)


def einsum_subscripts(sublists: Sequence[Any], output: Any = None) -> str:
    """The subscripts string of ``np.einsum(op0, sub0, op1, sub1, ..., [output])``: labels 0..25
    are 'A'..'Z' and 26..51 are 'a'..'z' (as NumPy spells them, so that an implicit output keeps
    the labels in increasing order), Ellipsis is '...'."""
    text = ",".join("".join(sublist_label(k) for k in sub) for sub in sublists)
    return text if output is None else text + "->" + "".join(sublist_label(k) for k in output)


# ---------------------------------------------------------------- np.gradient


def gradient(f: Any, spacing: Sequence[Any] = (), axis: Any = None, edge_order: Any = 1) -> Any:
    """``np.gradient(f, *spacing, axis=axis, edge_order=edge_order)``."""
    return np.gradient(f, *spacing, axis=axis, edge_order=edge_order)


def gradient_axes(ndim: int, axis: Any) -> tuple:
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    return tuple(int(k) % ndim for k in axes)


def gradient_spacings(spacing: Sequence[Any], count: int) -> list:
    """The spacing of each differentiated axis (NumPy's rules: none, one for all, or one each)."""
    if len(spacing) == 0:
        return [1.0] * count
    if len(spacing) == 1 and count > 1:
        return [spacing[0]] * count
    if len(spacing) != count:
        raise TypeError("invalid number of arguments")
    return list(spacing)


def gradient_bands(n: int, h: Any, edge_order: Any) -> tuple:
    """The matrix ``D`` of ``np.gradient`` along one axis of length ``n`` (spacing ``h``), as bands.

    Row ``i`` of ``D`` (output ``i``) reads only the window of ``w = min(3, n)`` consecutive
    inputs starting at ``start[i] = clip(i - 1, 0, n - w)``: centred differences in the interior,
    one- or two-sided differences of order ``edge_order`` at both ends.  The three inputs of a
    window have distinct residues mod 3, so applying ``np.gradient`` to the three combs
    ``c_r = [k % 3 == r]`` reads off every coefficient exactly: ``D[i, start[i] + j] =
    (D c_r)[i]`` with ``r = (start[i] + j) % 3``.  Returns ``(start, coef)``, ``coef[j, i] =
    D[i, start[i] + j]``."""
    w = min(3, n)
    k = np.arange(n)
    combs = [np.gradient((k % 3 == r).astype(float), h, edge_order=edge_order) for r in range(3)]
    start = np.clip(k - 1, 0, n - w)
    coef = np.stack([np.choose((start + j) % 3, combs) for j in range(w)])
    return start, coef


def gradient_apply_t(g: Any, axis: int, h: Any, edge_order: Any) -> Any:
    """``D^T g`` along ``axis``: the transpose of ``np.gradient`` along one axis."""
    moved = np.moveaxis(np.asarray(g), axis, -1)
    n = moved.shape[-1]
    start, coef = gradient_bands(n, h, edge_order)
    flat = moved.reshape(-1, n)
    out = np.zeros(flat.shape, dtype=np.result_type(flat.dtype, np.float64))
    for j in range(coef.shape[0]):
        np.add.at(out, (slice(None), start + j), flat * coef[j])
    return np.moveaxis(out.reshape(moved.shape), -1, axis)


def gradient_bar(g: Any, f: Any, spacing: Sequence[Any] = (), axis: Any = None, edge_order: Any = 1) -> Any:
    """Cotangent of ``f`` in ``np.gradient(f, *spacing, axis=..., edge_order=...)``: the sum over
    the differentiated axes of the transposed one-axis operators applied to their cotangents."""
    shape = np.shape(f)
    axes = gradient_axes(len(shape), axis)
    hs = gradient_spacings(spacing, len(axes))
    single = len(axes) == 1
    out = np.zeros(shape, dtype=np.result_type(np.asarray(f).dtype, np.float64))
    for k, (ax, h) in enumerate(zip(axes, hs)):
        gk = g if single else (None if g is None else g[k])
        if gk is not None:
            out = out + gradient_apply_t(np.broadcast_to(gk, shape), ax, h, edge_order)
    return real_cotangent(out, f)


# ---------------------------------------------------------------- np.linalg.lstsq (full column rank)


def lstsq_check(ans: Any, a: Any, b: Any) -> None:
    """Refuses what the derivatives of ``lstsq`` do not cover: complex values, rank deficiency."""
    if np.iscomplexobj(a) or np.iscomplexobj(b):
        raise ValueError("tangent_lite: derivatives of np.linalg.lstsq are supported for real a and b only")
    rank, n = int(ans[2]), np.shape(a)[-1]
    if rank < n:
        raise ValueError(f"tangent_lite: derivatives of np.linalg.lstsq need a matrix of full column rank; this "
                         f"one has rank {rank} < {n} columns (its solution is not differentiable there). Use "
                         "np.linalg.pinv(a) @ b with a constant rank, or remove the dependent columns")


def lstsq_columns(b: Any) -> Any:
    return np.asarray(b)[:, None] if np.ndim(b) == 1 else np.asarray(b)


def lstsq_tangent(t: Any, which: int, ans: Any, a: Any, b: Any) -> tuple:
    """Tangents of (x, residuals, rank, s) along ``a`` (which=0) or ``b`` (which=1), for ``a`` of full
    column rank: from the normal equations, ``A^T A dx = dA^T r - A^T dA x + A^T db`` with
    ``r = b - A x``; ``d|r_j|^2 = 2 r_j . (db_j - dA x_j)`` (as ``A^T r = 0``); ``ds = diag(U^T dA V)``."""
    lstsq_check(ans, a, b)
    x, res = lstsq_columns(ans[0]), ans[1]
    r = lstsq_columns(b) - a @ x
    if which == 1:
        moved = lstsq_columns(t)
        dx = np.linalg.solve(a.T @ a, a.T @ moved)
        ds = np.zeros(np.shape(ans[3]))
    else:
        moved = -(t @ x)
        dx = np.linalg.solve(a.T @ a, t.T @ r + a.T @ moved)
        u, _, vh = np.linalg.svd(a, full_matrices=False)
        ds = np.diagonal(u.T @ t @ vh.T).copy()
    dres = 2.0 * np.sum(r * moved, axis=0) if np.size(res) else np.zeros(np.shape(res))
    return (np.reshape(dx, np.shape(ans[0])), dres, np.zeros(np.shape(ans[2])), ds)


def lstsq_bar(g: Any, ans: Any, a: Any, b: Any, which: int) -> Any:
    """Cotangent of ``a`` (which=0) or ``b`` (which=1): with ``z = (A^T A)^-1 x_bar``,
    ``A_bar = r z^T - A z x^T - 2 (r res_bar) x^T + U diag(s_bar) V^T`` and
    ``b_bar = A z + 2 r res_bar``."""
    lstsq_check(ans, a, b)
    x = lstsq_columns(ans[0])
    r = lstsq_columns(b) - a @ x
    gx = lstsq_columns(entry_or_zero(g, 0, ans[0]))
    gres = entry_or_zero(g, 1, ans[1])
    z = np.linalg.solve(a.T @ a, gx)
    rg = r * gres if np.size(gres) else np.zeros(np.shape(r))
    if which == 1:
        return np.reshape(a @ z + 2.0 * rg, np.shape(b))
    u, _, vh = np.linalg.svd(a, full_matrices=False)
    gs = entry_or_zero(g, 3, ans[3])
    return r @ z.T - (a @ z) @ x.T - 2.0 * rg @ x.T + (u * gs) @ vh


# ---------------------------------------------------------------- np.linalg.eig (distinct eigenvalues)


def eig_gaps(w: Any) -> Any:
    """``F[i, j] = 1 / (w[j] - w[i])`` off the diagonal, 0 on it; repeated eigenvalues refused."""
    n = np.shape(w)[-1]
    eye = np.eye(n, dtype=bool)
    diff = w[..., None, :] - w[..., :, None]
    if np.size(w) == 0:  # a stack of no matrices: no eigenvalues to compare
        return np.zeros(np.shape(diff))
    scale = np.maximum(np.max(np.abs(w)), 1.0)
    if np.any(np.abs(np.where(eye, 1.0, diff)) <= 1e-12 * scale):
        raise ValueError("tangent_lite: derivatives of the eigenvectors of np.linalg.eig need distinct eigenvalues; "
                         "this matrix has a repeated eigenvalue (its eigenvectors are not differentiable there)")
    return np.where(eye, 0.0, 1.0 / np.where(eye, 1.0, diff))


def eig_tangent(t: Any, ans: Any, a: Any) -> Any:
    """``P = V^-1 dA V``; ``dw = diag(P)``; ``dV = V (F o P)``, then the part along each column that
    would change its norm is removed, ``dV -= V Re(diag(V^H dV))``: NumPy's columns have unit norm
    (their phase is not fixed, so only phase-invariant functions of them have a derivative)."""
    w, v = ans
    p = np.linalg.solve(v, t @ v)
    dv = v @ (eig_gaps(w) * p)
    dv = dv - v * np.real(np.sum(np.conj(v) * dv, axis=-2))[..., None, :]
    return named_like((np.einsum("...ii->...i", p), dv), ans)


def eig_bar(g: Any, ans: Any, a: Any) -> Any:
    """The transpose of :func:`eig_tangent` (cotangents pair as ``Re(sum(g * t))``):
    ``V0_bar = V_bar - conj(V) Re(diag(V^T V_bar))``, ``P_bar = diag(w_bar) + F o (V^T V0_bar)``,
    ``A_bar = V^-T P_bar V^T`` (its real part for a real ``a``)."""
    w, v = ans
    gw = entry_or_zero(g, 0, w)
    gv = entry_or_zero(g, 1, v)
    vt = matrix_t(v)
    c = np.real(np.sum(v * gv, axis=-2))
    gv0 = gv - np.conj(v) * c[..., None, :]
    gp = gw[..., None] * np.eye(np.shape(w)[-1]) + eig_gaps(w) * (vt @ gv0)
    bar = np.linalg.solve(vt, gp @ vt)
    return bar if np.iscomplexobj(a) else np.real(bar)
