"""Helpers of the rules in ``rules/numpy_extra.py`` (linspace, partition, real_if_close, eigvals, cov, corrcoef)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .broadcast import unbroadcast
from .library import inexact, zeros_of
from .numpy_missing import eig_gaps


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


def eigvals_tangent(t: Any, a: Any) -> Any:
    """dw_i = (V^-1 dA V)_ii (distinct eigenvalues; complex ones too: their tangents are complex)."""
    w, v = np.linalg.eig(a)
    eig_gaps(w)  # refuses repeated eigenvalues
    return np.einsum("...ii->...i", np.linalg.solve(v, np.matmul(t, v)))


def eigvals_bar(g: Any, a: Any) -> Any:
    """A_bar = V^-T diag(g) V^T (its real part for a real ``a``: cotangents pair as Re(sum(g t)))."""
    w, v = np.linalg.eig(a)
    eig_gaps(w)
    vt = np.swapaxes(v, -1, -2)
    bar = np.linalg.solve(vt, np.asarray(g)[..., :, None] * vt)
    return bar if np.iscomplexobj(a) else np.real(bar)


# ---------------------------------------------------------------- cov, corrcoef


def cov_rows(v: Any, rowvar: Any) -> Any:
    """``v`` as np.cov reads it: a 2-D array of variables (rows) by observations."""
    x = np.atleast_2d(inexact(v))
    return x.T if (not rowvar and x.shape[0] != 1) else x


def cov_check(ddof: Any, bias: Any, fweights: Any, aweights: Any, n: int) -> float:
    """The divisor of np.cov (weights are refused: no derivative rule for them yet)."""
    if fweights is not None or aweights is not None:
        raise ValueError("tangent_lite: derivatives of np.cov/np.corrcoef with fweights/aweights are not supported")
    return float(n - (ddof if ddof is not None else (0 if bias else 1)))


def cov_tangent(t: Any, which: int, m: Any, y: Any = None, rowvar: Any = True, bias: Any = False, ddof: Any = None,
                fweights: Any = None, aweights: Any = None) -> Any:
    """Tangent of ``np.cov(m, y, ...)`` along ``m`` (which=0) or ``y`` (which=1)."""
    xm = cov_rows(m, rowvar)  # (no list item writes: differentiated again, this helper is followed by source)
    tm = cov_rows(t, rowvar) if which == 0 else zeros_of(xm.shape, xm)
    if y is None:
        x, tx = xm, tm
    else:
        xy = cov_rows(y, rowvar)
        ty = cov_rows(t, rowvar) if which == 1 else zeros_of(xy.shape, xy)
        x, tx = np.concatenate([xm, xy], axis=0), np.concatenate([tm, ty], axis=0)
    xc = x - np.mean(x, axis=1, keepdims=True)
    tc = tx - np.mean(tx, axis=1, keepdims=True)
    d = cov_check(ddof, bias, fweights, aweights, x.shape[1])
    return np.squeeze((tc @ xc.T + xc @ tc.T) / d)


def cov_bar(g: Any, which: int, m: Any, y: Any = None, rowvar: Any = True, bias: Any = False, ddof: Any = None,
            fweights: Any = None, aweights: Any = None) -> Any:
    """Cotangent of ``m`` (which=0) or ``y`` (which=1) of ``np.cov``."""
    parts = [cov_rows(m, rowvar)] + ([] if y is None else [cov_rows(y, rowvar)])
    x = np.concatenate(parts, axis=0)
    k = x.shape[0]
    xc = x - np.mean(x, axis=1, keepdims=True)
    d = cov_check(ddof, bias, fweights, aweights, x.shape[1])
    gm = np.reshape(g, (k, k))
    bar = (gm + gm.T) @ xc / d
    bar = bar - np.mean(bar, axis=1, keepdims=True)
    start = 0 if which == 0 else parts[0].shape[0]
    piece = bar[start:start + parts[which].shape[0]]
    like = m if which == 0 else y
    x_like = np.atleast_2d(inexact(like))
    if not rowvar and x_like.shape[0] != 1:
        piece = piece.T
    return np.reshape(piece, np.shape(like))


def corrcoef_seed(g: Any, ans: Any, c: Any) -> Any:
    """The cotangent of the covariance ``c`` from that of ``R = c / (s s^T)``, ``s = sqrt(diag c)``."""
    r = np.atleast_2d(ans)
    gm = np.reshape(g, r.shape)
    d = np.diag(np.atleast_2d(c))
    s = np.sqrt(d)
    out = gm / np.outer(s, s)
    return out - np.diag(np.sum(gm * r + (gm * r).T, axis=1) / (2.0 * d))


def corrcoef_tangent(t: Any, which: int, ans: Any, x: Any, y: Any = None, rowvar: Any = True) -> Any:
    """Tangent of ``np.corrcoef``: dR = dC / (s s^T) - R (dd_i / d_i + dd_j / d_j) / 2."""
    c = np.atleast_2d(np.cov(x, y, rowvar))
    dc = np.atleast_2d(cov_tangent(t, which, x, y, rowvar))
    d = np.diag(c)
    dd = np.diag(dc) / d
    r = np.atleast_2d(ans)
    return np.reshape(dc / np.outer(np.sqrt(d), np.sqrt(d)) - r * (dd[:, None] + dd[None, :]) / 2.0, np.shape(ans))


def corrcoef_bar(g: Any, which: int, ans: Any, x: Any, y: Any = None, rowvar: Any = True) -> Any:
    return cov_bar(corrcoef_seed(g, ans, np.cov(x, y, rowvar)), which, x, y, rowvar)
