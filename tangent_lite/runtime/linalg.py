"""Derivatives of ``np.linalg``: solve, det, slogdet, cholesky, eigh, eigvalsh, svd, svdvals,
qr and pinv (real matrices, stacks of matrices on the last two axes).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .blocks import entry_or_zero, matrix_t, sym_part
from .broadcast import unbroadcast
from .library import as_array, inexact, zeros_of


def as_columns(b: Any, x: Any) -> tuple:
    """(b, x) with a trailing column axis when ``b`` is a vector (np.linalg.solve's convention)."""
    if np.ndim(b) == 1:
        return as_array(x)[..., None], True
    return as_array(x), False


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


def exclusive_prod(x: Any) -> Any:
    """out[..., i] = the product of x[..., j] for j != i, without division (zeros allowed)."""
    ones = np.ones_like(x[..., :1])
    before = np.cumprod(np.concatenate([ones, x[..., :-1]], axis=-1), axis=-1)
    after = np.flip(np.cumprod(np.concatenate([ones, np.flip(x, -1)[..., :-1]], axis=-1), axis=-1), -1)
    return before * after


def cofactor(a: Any) -> Any:
    """The cofactor matrix of ``a`` (a stack of them), the derivative of det: det(a) inv(a)^T where
    ``a`` is invertible, and the same polynomial where it is singular.  From a = U S Vh, as
    cofactor(X Y) = cofactor(X) cofactor(Y): det(U) det(Vh) conj(U) diag(prod_{j != i} s_j) conj(Vh)."""
    u, s, vh = np.linalg.svd(a)
    phase = as_array(np.linalg.det(u) * np.linalg.det(vh))[..., None, None]
    return phase * np.matmul(np.conjugate(u) * exclusive_prod(s)[..., None, :], np.conjugate(vh))


def cofactor_tangent(t: Any, a: Any) -> Any:
    """The derivative of :func:`cofactor` along ``t`` (the second derivative of det), at singular
    matrices too.  With a = U S Vh and M = U^H t Vh^H: cofactor(a + e t) = det(U) det(Vh) conj(U)
    cofactor(S + e M) conj(Vh), and d cofactor(S)[M] = diag(P diag(M)) - P * M^T, where
    P[i, k] = prod_{l != i, k} s_l off the diagonal and 0 on it."""
    u, s, vh = np.linalg.svd(a)
    n = np.shape(s)[-1]
    eye = np.eye(n, dtype=bool)
    pair = np.where(eye, 0.0, exclusive_prod(np.where(eye, 1.0, s[..., None, :])))
    m = np.matmul(np.matmul(matrix_t(np.conjugate(u)), t), matrix_t(np.conjugate(vh)))
    d = np.where(eye, np.matmul(pair, np.diagonal(m, axis1=-2, axis2=-1)[..., None]), 0) - pair * matrix_t(m)
    phase = as_array(np.linalg.det(u) * np.linalg.det(vh))[..., None, None]
    return phase * np.matmul(np.matmul(np.conjugate(u), d), np.conjugate(vh))


def det_tangent(t: Any, a: Any) -> Any:
    """d det(a) = sum(cofactor(a) * t) (also at singular matrices)."""
    return np.sum(cofactor(a) * t, axis=(-2, -1))


def det_bar(g: Any, ans: Any, a: Any) -> Any:
    """g cofactor(a) (= g det(a) inv(a)^T where ``a`` is invertible; also at singular matrices)."""
    return as_array(g)[..., None, None] * cofactor(a)


def named_like(t: tuple, ans: Any) -> Any:
    """The tangent ``t`` of a NumPy result with named fields (``slogdet(a).logabsdet``, ``eigh``,
    ``svd``, ``qr``) as a result of the same type, so that ``t.logabsdet`` reads its field."""
    fields = getattr(type(ans), "_fields", None)
    return type(ans)(*t) if fields is not None and len(fields) == len(t) else t


def inv_or_nan(a: Any) -> Any:
    """``np.linalg.inv(a)``, with NaN for each singular matrix of the stack instead of LinAlgError:
    where slogdet's derivative is not defined (log|det| is -inf there), as its value is not finite.
    (It has np.linalg.inv's rules.)"""
    try:
        return np.linalg.inv(a)
    except np.linalg.LinAlgError:
        pass
    out = []
    for m in np.reshape(a, (-1,) + np.shape(a)[-2:]):
        try:
            out.append(np.linalg.inv(m))
        except np.linalg.LinAlgError:
            out.append(np.full(np.shape(m), np.nan, dtype=np.result_type(m, 0.0)))
    return np.reshape(np.stack(out), np.shape(a))


def slogdet_tangent(t: Any, ans: Any, a: Any) -> tuple:
    """(0, trace(inv(a) t)): the sign is locally constant (NaN at a singular matrix)."""
    return named_like((zeros_of(np.shape(ans[0]), a), np.trace(np.matmul(inv_or_nan(a), t), axis1=-2, axis2=-1)),
                      ans)


def slogdet_bar(g: Any, ans: Any, a: Any) -> Any:
    """The cotangent (g_sign, g_logabsdet) of slogdet's output: g_logabsdet inv(a)^T (NaN at a
    singular matrix)."""
    glog = entry_or_zero(g, 1, ans[1])
    return glog[..., None, None] * matrix_t(inv_or_nan(a))


def tri_sym(t: Any, upper: Any) -> Any:
    """The symmetric matrix a LAPACK routine sees when it reads one triangle of ``t``."""
    if upper:
        return np.triu(t) + matrix_t(np.triu(t, 1))
    return np.tril(t) + matrix_t(np.tril(t, -1))


def tri_herm(t: Any, upper: Any) -> Any:
    """The Hermitian matrix LAPACK sees when it reads one triangle of complex ``t`` (the real part
    of its diagonal)."""
    strict = np.triu(t, 1) if upper else np.tril(t, -1)
    return strict + np.conjugate(matrix_t(strict)) + np.real(t) * np.eye(np.shape(t)[-1])


def tri_herm_adjoint(s: Any, upper: Any) -> Any:
    """Adjoint of :func:`tri_herm` (docs/complex-numbers.md): ``s + conj(s^T)`` on the strict
    triangle read, the real part of ``s``'s diagonal on the diagonal."""
    both = s + np.conjugate(matrix_t(s))
    strict = np.triu(both, 1) if upper else np.tril(both, -1)
    return strict + np.real(s) * np.eye(np.shape(s)[-1])


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


def _where_seeded(f: Any, m: Any) -> Any:
    """``f * m``, zero where ``m`` is: a repeated eigenvalue (or singular value) makes ``f``
    infinite, which only matters where the eigenvectors' cotangent reaches it (``w, v = eigh(a)``
    with only ``w`` used has a derivative; NaN would come from inf * 0)."""
    with np.errstate(invalid="ignore"):
        return np.where(m == 0, 0.0, f * m)


def eigh_f(w: Any) -> Any:
    """F[i, j] = 1 / (w[j] - w[i]) off the diagonal, 0 on it (eigenvalues must be distinct)."""
    diff = w[..., None, :] - w[..., :, None]
    eye = np.eye(np.shape(w)[-1], dtype=bool)
    with np.errstate(divide="ignore"):  # (equal eigenvalues: inf, see _where_seeded)
        return np.where(eye, 0.0, 1.0 / np.where(eye, 1.0, diff))


def eigh_tangent(t: Any, ans: Any, a: Any, UPLO: Any = "L") -> tuple:
    """dw = diag(V^T dA V), dV = V (F o (V^T dA V)); dA read from the triangle UPLO names."""
    w, v = ans
    if np.iscomplexobj(v):  # Hermitian a: p = V^H dA V, dw = Re(diag(p)), the same dV
        p = np.matmul(np.matmul(np.conjugate(matrix_t(v)), tri_herm(t, UPLO == "U")), v)
        with np.errstate(invalid="ignore"):
            dv = np.matmul(v, eigh_f(w) * p)
        return named_like((np.real(np.diagonal(p, axis1=-2, axis2=-1)).copy(), dv), ans)
    p = np.matmul(np.matmul(matrix_t(v), tri_sym(t, UPLO == "U")), v)
    with np.errstate(invalid="ignore"):  # (repeated eigenvalues: the eigenvectors' tangent is NaN, undefined)
        return named_like((np.diagonal(p, axis1=-2, axis2=-1).copy(), np.matmul(v, eigh_f(w) * p)), ans)


def eigh_bar(g: Any, ans: Any, a: Any, UPLO: Any = "L") -> Any:
    """A_bar = V (diag(w_bar) + F o (V^T V_bar)) V^T, symmetrised, on the triangle read."""
    w, v = ans
    gw = entry_or_zero(g, 0, w)
    gv = entry_or_zero(g, 1, v)
    if np.iscomplexobj(v):  # the transpose of eigh_tangent's map: conj(V) inner V^T, on the triangle read
        inner = np.real(gw)[..., None] * np.eye(np.shape(w)[-1]) + _where_seeded(eigh_f(w), np.matmul(matrix_t(v), gv))
        return tri_herm_adjoint(np.matmul(np.matmul(np.conjugate(v), inner), matrix_t(v)), UPLO == "U")
    inner = gw[..., None] * np.eye(np.shape(w)[-1]) + _where_seeded(eigh_f(w), np.matmul(matrix_t(v), gv))
    s = np.matmul(np.matmul(v, inner), matrix_t(v))
    return tri_sym_adjoint(sym_part(s), UPLO == "U")


def eigvalsh_tangent(t: Any, a: Any, UPLO: Any = "L") -> Any:
    v = np.linalg.eigh(a, UPLO)[1]
    if np.iscomplexobj(v):
        p = np.matmul(np.matmul(np.conjugate(matrix_t(v)), tri_herm(t, UPLO == "U")), v)
        return np.real(np.diagonal(p, axis1=-2, axis2=-1)).copy()
    p = np.matmul(np.matmul(matrix_t(v), tri_sym(t, UPLO == "U")), v)
    return np.diagonal(p, axis1=-2, axis2=-1).copy()


def eigvalsh_bar(g: Any, a: Any, UPLO: Any = "L") -> Any:
    v = np.linalg.eigh(a, UPLO)[1]
    if np.iscomplexobj(v):
        return tri_herm_adjoint(np.matmul(np.conjugate(v) * np.real(as_array(g))[..., None, :], matrix_t(v)),
                                UPLO == "U")
    s = np.matmul(v * as_array(g)[..., None, :], matrix_t(v))
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
    if np.iscomplexobj(a):
        return svd_tangent_complex(t, ans, a, full_matrices)
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


def svd_seeds(g: Any, ans: Any, a: Any, full_matrices: Any) -> Any:
    """The parts :func:`svd_bar` and :func:`svd_bar_complex` start from: (u, s, vh, gu, gs, gvh)
    cut to the k = min(m, n) singular triplets; None when ``full_matrices`` gave the complement
    basis a nonzero cotangent (it has no defined derivative)."""
    u_full, s, vh_full = ans
    m, n = np.shape(a)[-2:]
    k = min(m, n)
    gu = entry_or_zero(g, 0, u_full)
    gs = entry_or_zero(g, 1, s)
    gvh = entry_or_zero(g, 2, vh_full)
    if full_matrices and m != n:
        extra = np.concatenate([np.ravel(gu[..., :, k:]), np.ravel(gvh[..., k:, :])])
        if np.any(extra != 0):
            return None
    return u_full[..., :, :k], s, vh_full[..., :k, :], gu[..., :, :k], gs, gvh[..., :k, :]


def svd_bar(g: Any, ans: Any, a: Any, full_matrices: Any = True, compute_uv: Any = True,
            hermitian: Any = False) -> Any:
    """Cotangent of a from those of (U, s, Vh) (Townsend 2016, real case)."""
    svd_check(hermitian)
    if not compute_uv:
        return svdvals_bar(g, a)
    if np.iscomplexobj(a):
        return svd_bar_complex(g, ans, a, full_matrices)
    parts = svd_seeds(g, ans, a, full_matrices)
    if parts is None:  # the complement basis has no defined derivative
        return np.full(np.shape(a), np.nan)
    u, s, vh, gu, gs, gvh = parts
    m, n = np.shape(a)[-2:]
    k = min(m, n)
    v, gv = matrix_t(vh), matrix_t(gvh)
    f = svd_f(s)
    row, col = s[..., None, :], s[..., :, None]
    j = _where_seeded(f, np.matmul(matrix_t(u), gu) - np.matmul(matrix_t(gu), u))
    kk = _where_seeded(f, np.matmul(matrix_t(v), gv) - np.matmul(matrix_t(gv), v))
    inner = j * row + gs[..., None] * np.eye(k) + col * kk
    out = np.matmul(np.matmul(u, inner), vh)
    if m > k:
        out = out + np.matmul((gu - np.matmul(u, np.matmul(matrix_t(u), gu))) / row, vh)
    if n > k:
        out = out + np.matmul(u / row, matrix_t(gv) - np.matmul(np.matmul(matrix_t(gv), v), vh))
    return out


def herm_t(x: Any) -> Any:
    """The conjugate transpose of (a stack of) matrices."""
    return np.conjugate(matrix_t(x))


def svd_tangent_complex(t: Any, ans: Any, a: Any, full_matrices: Any = True) -> Any:
    """:func:`svd_tangent` for complex ``a``: transposes become conjugate transposes, ``ds`` is
    ``Re(diag(U^H t V))``, and the phase of each pair (u_i, v_i), free in an SVD, moves with u_i:
    ``U^H dU`` has ``1j * Im(diag(U^H t V)) / s`` on its diagonal, ``V^H dV`` has 0 (only functions
    that do not depend on those phases, such as ``abs(u)`` or ``u @ diag(s) @ vh``, have a derivative)."""
    u_full, s, vh_full = ans
    m, n = np.shape(a)[-2:]
    k = min(m, n)
    u, vh = u_full[..., :, :k], vh_full[..., :k, :]
    v = herm_t(vh)
    dp = np.matmul(np.matmul(herm_t(u), t), v)
    dp_diag = np.diagonal(dp, axis1=-2, axis2=-1)
    f = svd_f(s)
    row, col = s[..., None, :], s[..., :, None]
    phase = 1j * np.imag(dp_diag)[..., None, :] / row * np.eye(k)
    du = np.matmul(u, f * (dp * row + col * herm_t(dp)) + phase)
    dv = np.matmul(v, f * (col * dp + herm_t(dp) * row))
    if m > k:
        du = du + np.matmul(t - np.matmul(u, np.matmul(herm_t(u), t)), v) / row
    if n > k:
        dv = dv + np.matmul(herm_t(t) - np.matmul(v, np.matmul(vh, herm_t(t))), u) / row
    if full_matrices and m != n:
        du = np.concatenate([du, np.full(np.shape(u_full)[:-1] + (m - k,), np.nan)], axis=-1)
        dv = np.concatenate([dv, np.full(np.shape(vh_full)[:-1] + (n - k,), np.nan)], axis=-1)
    return named_like((du, np.real(dp_diag).copy(), herm_t(dv)), ans)


def svd_bar_complex(g: Any, ans: Any, a: Any, full_matrices: Any = True) -> Any:
    """:func:`svd_bar` for complex ``a``: the transpose of :func:`svd_tangent_complex` (pairing
    ``Re(sum(g * t))``, docs/complex-numbers.md); the same formula as autograd's."""
    parts = svd_seeds(g, ans, a, full_matrices)
    if parts is None:  # the complement basis has no defined derivative
        return np.full(np.shape(a), np.nan + 0j)
    u, s, vh, gu, gs, gvh = parts
    m, n = np.shape(a)[-2:]
    k = min(m, n)
    v, gv = herm_t(vh), herm_t(gvh)
    f = svd_f(s)
    row, col = s[..., None, :], s[..., :, None]
    ju = np.matmul(matrix_t(u), gu)
    kv = np.matmul(matrix_t(v), gv)
    phase = 1j * np.imag(np.diagonal(ju, axis1=-2, axis2=-1))[..., None, :] / row * np.eye(k)
    inner = (_where_seeded(f, ju - herm_t(ju)) * row + np.real(gs)[..., None] * np.eye(k)
             + col * _where_seeded(f, kv - herm_t(kv)) + phase)
    out = np.matmul(np.matmul(np.conjugate(u), inner), np.conjugate(vh))
    if m > k:
        out = out + np.matmul((gu - np.matmul(np.conjugate(u), ju)) / row, np.conjugate(vh))
    if n > k:
        out = out + np.conjugate(np.matmul(u / row, matrix_t(gv) - np.matmul(np.matmul(matrix_t(gv), v), vh)))
    return out


def svdvals_tangent(t: Any, a: Any) -> Any:
    """ds_i = Re(u_i^H t v_i) (u_i^T t v_i for real a)."""
    u, _, vh = np.linalg.svd(a, full_matrices=False)
    if np.iscomplexobj(u):
        p = np.matmul(np.matmul(np.conjugate(matrix_t(u)), t), np.conjugate(matrix_t(vh)))
        return np.real(np.diagonal(p, axis1=-2, axis2=-1)).copy()
    return np.diagonal(np.matmul(np.matmul(matrix_t(u), t), matrix_t(vh)), axis1=-2, axis2=-1).copy()


def svdvals_bar(g: Any, a: Any) -> Any:
    u, _, vh = np.linalg.svd(a, full_matrices=False)
    if np.iscomplexobj(u):  # the transpose of svdvals_tangent: conj(U diag(g) Vh)
        return np.conjugate(np.matmul(u * np.real(as_array(g))[..., None, :], vh))
    return np.matmul(u * as_array(g)[..., None, :], vh)


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
        gq, gr = zeros_of(np.shape(q), q), inexact(g)
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
