"""Helpers of the rules in ``rules/numpy_extra.py`` (linspace, partition, real_if_close, eigvals)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .broadcast import unbroadcast


def linspace_bar(g: Any, which: int, start: Any, stop: Any, num: Any = 50, endpoint: Any = True,
                 retstep: Any = False, axis: Any = 0) -> Any:
    """Cotangent of ``start`` (which=0) or ``stop`` (which=1) of ``np.linspace``: sample ``i``
    is ``(1 - t_i) start + t_i stop``; with ``retstep`` the step is ``(stop - start) / div``."""
    step_bar = None
    if retstep:
        g, step_bar = g
    weights = np.linspace(1.0, 0.0, num, endpoint=endpoint) if which == 0 else np.linspace(0.0, 1.0, num,
                                                                                            endpoint=endpoint)
    g = np.asarray(g, dtype=float)
    out = np.tensordot(weights, np.moveaxis(g, axis, 0), axes=(0, 0)) if g.ndim else np.asarray(0.0)
    if step_bar is not None:
        div = (num - 1 if endpoint else num) or 1
        out = out + (np.asarray(step_bar) if which == 1 else -np.asarray(step_bar)) / div
    return unbroadcast(out, start if which == 0 else stop)


def partition_order(ans: Any, a: Any, axis: Any = -1) -> Any:
    """Where each entry of ``np.partition(a, ...)`` (= ``ans``) comes from in ``a``, along ``axis``
    (the flattened ``a`` for ``axis=None``): matched by rank, so it agrees with ``ans`` whatever
    order the partition left the other entries in."""
    if axis is None:
        a, axis = np.ravel(a), 0
    from_a = np.argsort(a, axis=axis, kind="stable")
    rank_in_ans = np.argsort(np.argsort(ans, axis=axis, kind="stable"), axis=axis, kind="stable")
    return np.take_along_axis(from_a, rank_in_ans, axis=axis)


def real_part_if(t: Any, ans: Any) -> Any:
    """The tangent (or cotangent) ``t`` of ``np.real_if_close``: its real part when the result is real."""
    return t if np.iscomplexobj(ans) else np.real(t)


def real_eig(a: Any) -> tuple:
    """Eigenvalues and right eigenvectors of real matrices with real, distinct eigenvalues
    (complex eigenvalues are refused: their derivatives are complex)."""
    w, v = np.linalg.eig(a)
    if np.iscomplexobj(w) and np.any(np.imag(w) != 0):
        raise ValueError("tangent_lite: derivatives of np.linalg.eig/eigvals are supported for real eigenvalues "
                         "only; this matrix has complex eigenvalues")
    return np.real(w), np.real(v)


def eigvals_tangent(t: Any, a: Any) -> Any:
    """dw_i = (V^-1 dA V)_ii."""
    _, v = real_eig(a)
    return np.einsum("...ii->...i", np.linalg.solve(v, np.matmul(t, v)))


def eigvals_bar(g: Any, a: Any) -> Any:
    """A_bar = V^-T diag(g) V^T."""
    _, v = real_eig(a)
    vt = np.swapaxes(v, -1, -2)
    return np.linalg.solve(vt, np.asarray(g)[..., :, None] * vt)
