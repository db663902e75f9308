"""Derivatives of ``scipy.linalg`` for the rules of ``rules/scipy_linalg.py`` (``_tl.sla`` is
``scipy.linalg``, or None without SciPy: those rules are then not registered).

Real matrices.  Each helper computes what SciPy computes, including which entries it reads:
``solve_triangular`` reads one triangle (without its diagonal when ``unit_diagonal``);
``cholesky``/``cho_factor``/``eigh``/``solve(assume_a='pos')`` read one triangle of a symmetric
matrix.  Factor objects are values with tangents: ``cho_factor``'s ``c`` (the factor in one
triangle, ``a``'s own entries in the other) and ``lu_factor``'s ``lu`` (unit ``L`` below the
diagonal, ``U`` on and above it); the flag ``lower`` and the pivots ``piv`` carry none.
Matrix functions use the block-triangular Frechet derivative
``f([[A, E], [0, A]]) = [[f(A), L_f(A, E)], [0, f(A)]]`` (``expm``, ``logm``) or, for ``sqrtm``,
the Sylvester equation ``X dX + dX X = dA``; their adjoints are ``L_f(A^T, G)``.  Every helper is
written with functions that have rules, so derivative code using them differentiates again.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .blocks import entry_or_zero, matrix_t
from .library import as_array
from .linalg import (
    as_columns,
    cholesky_bar,
    cholesky_tangent,
    eigh_bar,
    eigh_tangent,
    eigvalsh_bar,
    eigvalsh_tangent,
    tri_sym,
    tri_sym_adjoint,
)
from .markers import user_error
from .scipy_funcs import scipy_module

# a plain assignment, so that adgen's standalone files (runtime/sources.py) carry it too
sla = scipy_module("linalg")


def sla_refusal(what: str, instead: str) -> Exception:
    return user_error("UnsupportedConstructError", f"derivatives of {what} are not supported", instead)


def is_transposed(trans: Any) -> bool:
    """Whether a ``trans=`` argument of solve_triangular / lu_solve asks for ``a^T x = b``."""
    if trans in (0, "N"):
        return False
    if trans in (1, "T", 2, "C"):
        return True
    raise sla_refusal(f"scipy.linalg with trans={trans!r}", "pass trans=0, 1, 2, 'N', 'T' or 'C'")


def flipped(trans: Any) -> int:
    """The ``trans=`` of the transposed system (the adjoint of a solve is a solve with it)."""
    return 0 if is_transposed(trans) else 1


def outer_cols(u: Any, v: Any, b: Any) -> Any:
    """u v^T for solutions/cotangents ``u``, ``v`` of a system with right-hand side ``b``."""
    uu, _ = as_columns(b, u)
    vv, _ = as_columns(b, v)
    return np.matmul(uu, matrix_t(vv))


# ---------------------------------------------------------------- solve_triangular


def tri_read(t: Any, lower: Any, unit_diagonal: Any = False) -> Any:
    """The part of ``t`` solve_triangular reads: one triangle, without the diagonal when it is
    taken as ones.  (A projection: it is its own adjoint.)"""
    if lower:
        return np.tril(t, -1 if unit_diagonal else 0)
    return np.triu(t, 1 if unit_diagonal else 0)


def solve_triangular_tangent_a(t: Any, ans: Any, a: Any, b: Any, trans: Any = 0, lower: Any = False,
                               unit_diagonal: Any = False) -> Any:
    """d x = -op(T)^-1 op(dT) x for x = op(T)^-1 b, T the triangle read."""
    dt = tri_read(t, lower, unit_diagonal)
    op = matrix_t(dt) if is_transposed(trans) else dt
    return -sla.solve_triangular(a, np.matmul(op, ans), trans=trans, lower=lower, unit_diagonal=unit_diagonal)


def solve_triangular_bar_b(g: Any, a: Any, trans: Any = 0, lower: Any = False, unit_diagonal: Any = False) -> Any:
    return sla.solve_triangular(a, g, trans=flipped(trans), lower=lower, unit_diagonal=unit_diagonal)


def solve_triangular_bar_a(g: Any, ans: Any, a: Any, b: Any, trans: Any = 0, lower: Any = False,
                           unit_diagonal: Any = False) -> Any:
    """T_bar = -b_bar x^T (or -x b_bar^T for the transposed system), on the triangle read."""
    bbar = solve_triangular_bar_b(g, a, trans, lower, unit_diagonal)
    full = -outer_cols(ans, bbar, b) if is_transposed(trans) else -outer_cols(bbar, ans, b)
    return tri_read(full, lower, unit_diagonal)


# ---------------------------------------------------------------- solve and inv (assume_a=)

_GENERAL = (None, "gen", "general")
_SYMMETRIC = ("sym", "symmetric", "pos", "pos def", "positive definite", "her", "hermitian")
_TRIANGULAR = {"upper triangular": False, "lower triangular": True}


def read_matrix(t: Any, assume_a: Any = None, lower: Any = False) -> Any:
    """The matrix solve/inv sees in ``t`` for the structure ``assume_a`` names."""
    if assume_a in _GENERAL:
        return t
    if assume_a in _SYMMETRIC:
        return tri_sym(t, not lower)
    if assume_a in _TRIANGULAR:
        return tri_read(t, _TRIANGULAR[assume_a])
    if assume_a == "diagonal":
        return t * np.eye(np.shape(t)[-1])
    raise sla_refusal(f"scipy.linalg.solve/inv with assume_a={assume_a!r}",
                  "use assume_a='gen', 'sym', 'pos', 'diagonal' or a triangular structure")


def read_matrix_adjoint(s: Any, assume_a: Any = None, lower: Any = False) -> Any:
    """Adjoint of :func:`read_matrix`: the cotangent lands on the entries that were read."""
    if assume_a in _SYMMETRIC:
        return tri_sym_adjoint(s, not lower)
    return read_matrix(s, assume_a, lower)  # the other reads are projections


def sla_solve_again(a: Any, rhs: Any, lower: Any = False, assume_a: Any = None, transposed: Any = False) -> Any:
    """scipy.linalg.solve with the options of the call differentiated (SciPy < 1.16 spells the
    default structure 'gen')."""
    return sla.solve(a, rhs, lower=lower, assume_a="gen" if assume_a is None else assume_a, transposed=transposed)


def sla_solve_tangent_a(t: Any, ans: Any, a: Any, b: Any, lower: Any = False, assume_a: Any = None,
                    transposed: Any = False) -> Any:
    da = read_matrix(t, assume_a, lower)
    op = matrix_t(da) if transposed else da
    return -sla_solve_again(a, np.matmul(op, ans), lower, assume_a, transposed)


def sla_solve_bar_b(g: Any, a: Any, lower: Any = False, assume_a: Any = None, transposed: Any = False) -> Any:
    return sla_solve_again(a, g, lower, assume_a, not transposed)


def sla_solve_bar_a(g: Any, ans: Any, a: Any, b: Any, lower: Any = False, assume_a: Any = None,
                transposed: Any = False) -> Any:
    bbar = sla_solve_bar_b(g, a, lower, assume_a, transposed)
    full = -outer_cols(ans, bbar, b) if transposed else -outer_cols(bbar, ans, b)
    return read_matrix_adjoint(full, assume_a, lower)


def sla_inv_tangent(t: Any, ans: Any, assume_a: Any = None, lower: Any = False) -> Any:
    if assume_a == "diagonal":
        return inv_diagonal_linear(t, ans)
    return -np.matmul(np.matmul(ans, read_matrix(t, assume_a, lower)), ans)


def sla_inv_bar(g: Any, ans: Any, assume_a: Any = None, lower: Any = False) -> Any:
    if assume_a == "diagonal":
        return inv_diagonal_linear(g, ans)
    full = -np.matmul(np.matmul(matrix_t(ans), g), matrix_t(ans))
    return read_matrix_adjoint(full, assume_a, lower)


def inv_diagonal_linear(t: Any, ans: Any) -> Any:
    """The derivative of ``inv(a, assume_a='diagonal')`` applied to ``t`` (it is its own adjoint):
    ``-t_ii / a_ii**2`` on the diagonal and, where this SciPy copies ``a``'s off-diagonal entries
    into its result (:data:`_INV_DIAGONAL_KEEPS_A`), ``t``'s off-diagonal entries unchanged."""
    eye = np.eye(np.shape(ans)[-1], dtype=bool)
    rest = t if _INV_DIAGONAL_KEEPS_A else np.zeros_like(t)
    return np.where(eye, -t * ans * ans, rest)


def inv_diagonal_probe() -> bool:
    """Does this SciPy's ``inv(a, assume_a='diagonal')`` keep ``a``'s off-diagonal entries in its
    result (SciPy 1.17 and 1.18 do)?  Asked once, at import: :data:`_INV_DIAGONAL_KEEPS_A`."""
    try:
        return bool(sla.inv(np.array([[2.0, 1.0], [0.0, 2.0]]), assume_a="diagonal")[0, 1] != 0)
    except TypeError:  # SciPy before 1.17: no assume_a
        return False


# a plain assignment, so that adgen's standalone files carry it too
_INV_DIAGONAL_KEEPS_A = sla is not None and inv_diagonal_probe()


# ---------------------------------------------------------------- eigh (standard problem)


def eigh_check(b: Any, subset_by_index: Any, subset_by_value: Any) -> None:
    if b is not None:
        raise sla_refusal("scipy.linalg.eigh(a, b) (the generalized problem)",
                      "reduce it to a standard one with a Cholesky factor of b (L^-1 a L^-T)")
    if subset_by_index is not None or subset_by_value is not None:
        raise sla_refusal("scipy.linalg.eigh with subset_by_index= or subset_by_value=",
                      "compute all eigenpairs and index the result")


def sla_eigh_tangent(t: Any, ans: Any, a: Any, b: Any = None, lower: Any = True, eigvals_only: Any = False,
                     subset_by_index: Any = None, subset_by_value: Any = None) -> Any:
    """NumPy's eigh formulas, on the triangle ``lower`` names (a tuple (w, v), or w alone)."""
    eigh_check(b, subset_by_index, subset_by_value)
    uplo = "L" if lower else "U"
    if eigvals_only:
        return eigvalsh_tangent(t, a, uplo)
    return eigh_tangent(t, ans, a, uplo)


def sla_eigh_bar(g: Any, ans: Any, a: Any, b: Any = None, lower: Any = True, eigvals_only: Any = False,
                 subset_by_index: Any = None, subset_by_value: Any = None) -> Any:
    eigh_check(b, subset_by_index, subset_by_value)
    uplo = "L" if lower else "U"
    if eigvals_only:
        return eigvalsh_bar(g, a, uplo)
    return eigh_bar(g, ans, a, uplo)


# ---------------------------------------------------------------- cho_factor / cho_solve


def cho_flag(lower: Any) -> bool:
    """cho_factor's flag ``lower`` (one per matrix, all equal, for a stack)."""
    return bool(np.all(lower))


def cho_tri(c: Any, lower: Any) -> Any:
    """The Cholesky factor held in ``c`` (lower: L with a = L L^T; else U with a = U^T U)."""
    return np.tril(c) if cho_flag(lower) else np.triu(c)


def cho_rest(t: Any, lower: Any) -> Any:
    """The strict triangle of ``t`` cho_factor leaves as it found it (SciPy before 1.18), or zero
    (SciPy 1.18 zeroes it): what that triangle of ``c`` carries of ``a``."""
    rest = np.triu(t, 1) if cho_flag(lower) else np.tril(t, -1)
    return rest if cho_keeps_a() else rest * 0.0


def cho_keeps_a() -> bool:
    """Does this SciPy's cho_factor leave ``a``'s entries in the triangle the factor does not use?
    (Asked of SciPy once, at import: :data:`_CHO_KEEPS_A`.)"""
    return _CHO_KEEPS_A


# a plain assignment, so that adgen's standalone files carry it too (SciPy 1.18 zeroes that triangle)
_CHO_KEEPS_A = sla is not None and bool(sla.cho_factor(np.array([[2.0, 1.0], [1.0, 2.0]]), lower=False)[0][1, 0] != 0)


def cho_factor_tangent(t: Any, ans: Any, a: Any, lower: Any = False) -> tuple:
    fac = cho_tri(ans[0], lower)
    return cholesky_tangent(t, fac, a, not lower) + cho_rest(t, lower), np.zeros(np.shape(ans[1]))


def cho_factor_bar(g: Any, ans: Any, a: Any, lower: Any = False) -> Any:
    gc = entry_or_zero(g, 0, ans[0])
    fac = cho_tri(ans[0], lower)
    return cholesky_bar(cho_tri(gc, lower), fac, a, not lower) + cho_rest(gc, lower)


def cho_product_tangent(dc: Any, c: Any, lower: Any) -> Any:
    """d(L L^T) (or d(U^T U)) from the tangent of cho_factor's ``c``."""
    fac, dfac = cho_tri(c, lower), cho_tri(dc, lower)
    if cho_flag(lower):
        return np.matmul(dfac, matrix_t(fac)) + np.matmul(fac, matrix_t(dfac))
    return np.matmul(matrix_t(dfac), fac) + np.matmul(matrix_t(fac), dfac)


def cho_solve_tangent_c(t: Any, ans: Any, c_and_lower: Any, b: Any) -> Any:
    """dx = -a^-1 da x, da from the tangent of the factor (the flag ``lower`` has none)."""
    c, lower = c_and_lower
    da = cho_product_tangent(entry_or_zero(t, 0, c), c, lower)
    return -sla.cho_solve(c_and_lower, np.matmul(da, ans))


def cho_solve_bar_c(g: Any, ans: Any, c_and_lower: Any, b: Any) -> tuple:
    """a_bar = -b_bar x^T, then through a = L L^T: L_bar = (a_bar + a_bar^T) L (U: U (..))."""
    c, lower = c_and_lower
    bbar = sla.cho_solve(c_and_lower, g)
    abar = -outer_cols(bbar, ans, b)
    sym = abar + matrix_t(abar)
    fac = cho_tri(c, lower)
    return cho_tri(np.matmul(sym, fac) if cho_flag(lower) else np.matmul(fac, sym), lower), np.zeros(np.shape(lower))


# ---------------------------------------------------------------- lu_factor / lu_solve


def lu_perm(piv: Any) -> Any:
    """The row order of lu_factor: a[perm] = L U (LAPACK's pivots are successive swaps), for
    each matrix of a stack."""
    piv = np.asarray(piv)
    perm = np.broadcast_to(np.arange(np.shape(piv)[-1]), np.shape(piv)).copy()
    for index in np.ndindex(np.shape(piv)[:-1]):
        row = perm[index]
        for i, p in enumerate(piv[index]):
            row[i], row[p] = row[p], row[i]
    return perm


def rows_in(x: Any, perm: Any) -> Any:
    """The rows of (each matrix of) ``x`` in the order ``perm``."""
    return np.take_along_axis(x, perm[..., :, None], axis=-2)


def lu_parts(lu: Any) -> tuple:
    return np.tril(lu, -1) + np.eye(np.shape(lu)[-1]), np.triu(lu)


def lu_factor_tangent(t: Any, ans: Any, a: Any) -> tuple:
    """F = L^-1 (P^T dA) U^-1; dL = L tril(F, -1), dU = triu(F) U, held as lu is."""
    lu, piv = ans
    low, up = lu_parts(lu)
    x = sla.solve_triangular(low, rows_in(t, lu_perm(piv)), lower=True, unit_diagonal=True)
    f = matrix_t(sla.solve_triangular(up, matrix_t(x), trans=1))
    return np.matmul(low, np.tril(f, -1)) + np.matmul(np.triu(f), up), np.zeros(np.shape(piv))


def lu_factor_bar(g: Any, ans: Any, a: Any) -> Any:
    """P^T a_bar = L^-T (tril(L^T L_bar, -1) + triu(U_bar U^T)) U^-T."""
    lu, piv = ans
    glu = entry_or_zero(g, 0, lu)
    low, up = lu_parts(lu)
    m = np.tril(np.matmul(matrix_t(low), glu), -1) + np.triu(np.matmul(np.triu(glu), matrix_t(up)))
    z = sla.solve_triangular(low, m, trans=1, lower=True, unit_diagonal=True)
    y = matrix_t(sla.solve_triangular(up, matrix_t(z)))
    return rows_in(y, np.argsort(lu_perm(piv), axis=-1))


def lu_solve_tangent_lu(t: Any, ans: Any, lu_and_piv: Any, b: Any, trans: Any = 0) -> Any:
    lu, piv = lu_and_piv
    dlu = entry_or_zero(t, 0, lu)
    low, up = lu_parts(lu)
    da = rows_in(np.matmul(np.tril(dlu, -1), up) + np.matmul(low, np.triu(dlu)), np.argsort(lu_perm(piv), axis=-1))
    op = matrix_t(da) if is_transposed(trans) else da
    return -sla.lu_solve(lu_and_piv, np.matmul(op, ans), trans=trans)


def lu_solve_bar_lu(g: Any, ans: Any, lu_and_piv: Any, b: Any, trans: Any = 0) -> tuple:
    lu, piv = lu_and_piv
    bbar = sla.lu_solve(lu_and_piv, g, trans=flipped(trans))
    abar = -outer_cols(ans, bbar, b) if is_transposed(trans) else -outer_cols(bbar, ans, b)
    low, up = lu_parts(lu)
    rows = rows_in(abar, lu_perm(piv))
    return np.tril(np.matmul(rows, matrix_t(up)), -1) + np.triu(np.matmul(matrix_t(low), rows)), np.zeros(np.shape(piv))


# ---------------------------------------------------------------- matrix functions


def real_result(ans: Any, name: str) -> None:
    if np.iscomplexobj(ans):
        raise sla_refusal(f"scipy.linalg.{name} with a complex result (a matrix with eigenvalues on the "
                      "closed negative real axis)", "differentiate it at a matrix whose result is real")


def block_frechet(f: Any, a: Any, e: Any) -> Any:
    """L_f(a, e): the upper right block of f([[a, e], [0, a]])."""
    n = np.shape(a)[-1]
    zero = np.zeros(np.shape(a))
    big = np.concatenate([np.concatenate([a, e], axis=-1), np.concatenate([zero, a], axis=-1)], axis=-2)
    out = f(big)
    real_result(out, getattr(f, "__name__", "function"))
    return out[..., :n, n:]


def expm_tangent(t: Any, a: Any) -> Any:
    return block_frechet(sla.expm, a, as_array(t))


def expm_bar(g: Any, a: Any) -> Any:
    return block_frechet(sla.expm, matrix_t(a), as_array(g))


def logm_tangent(t: Any, ans: Any, a: Any) -> Any:
    real_result(ans, "logm")
    return block_frechet(sla.logm, a, as_array(t))


def logm_bar(g: Any, ans: Any, a: Any) -> Any:
    real_result(ans, "logm")
    return block_frechet(sla.logm, matrix_t(a), as_array(g))


def sqrtm_tangent(t: Any, ans: Any) -> Any:
    """X dX + dX X = dA for X = sqrtm(A)."""
    real_result(ans, "sqrtm")
    return sla.solve_sylvester(ans, ans, t)


def sqrtm_bar(g: Any, ans: Any) -> Any:
    """X^T A_bar + A_bar X^T = G."""
    real_result(ans, "sqrtm")
    return sla.solve_sylvester(matrix_t(ans), matrix_t(ans), g)


def sylvester_bar_q(g: Any, a: Any, b: Any) -> Any:
    """q_bar solves a^T q_bar + q_bar b^T = g for x = solve_sylvester(a, b, q)."""
    return sla.solve_sylvester(matrix_t(a), matrix_t(b), g)
