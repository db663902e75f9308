"""Rules for ``scipy.linalg`` (registered only when SciPy is importable; SciPy is never a hard
dependency).  Real matrices; the derivations and what each function reads are in
``runtime/scipy_linalg.py``.  The factor objects of ``cho_factor`` and ``lu_factor`` are values
with tangents that flow to ``cho_solve``/``lu_solve`` (and to user code reading ``c`` or ``lu``);
their flag ``lower`` and pivots ``piv`` carry no derivative.  ``inv``, ``det``, ``cholesky`` and ``norm``
share NumPy's formulas; ``eigh`` has NumPy's (distinct eigenvalues; eigenvectors up to their
sign).  Options without a rule (``eigh(a, b)``, ``subset_by_*``, banded ``assume_a``) are refused
when differentiated.
"""

# ruff: noqa: F821
import numpy as np  # noqa: F401

from .. import runtime
from .. import runtime as _tl  # noqa: F401
from .registry import defjvp, defvjp, nondifferentiable

sla = runtime.sla


def _name(fn: str) -> str:
    return f"scipy.linalg.{fn}"


# ---------------------------------------------------------------- triangular and general solves


@defjvp(sla.solve_triangular, argnum=0, name=_name("solve_triangular"))
def solve_triangular_jvp_a(a_dot, ans, a, b, trans=0, lower=False, unit_diagonal=False, overwrite_b=False,
                           check_finite=True):
    return _tl.solve_triangular_tangent_a(a_dot, ans, a, b, trans, lower, unit_diagonal)


@defjvp(sla.solve_triangular, argnum=1, name=_name("solve_triangular"))
def solve_triangular_jvp_b(b_dot, ans, a, b, trans=0, lower=False, unit_diagonal=False, overwrite_b=False,
                           check_finite=True):
    return _tl.sla.solve_triangular(a, b_dot, trans=trans, lower=lower, unit_diagonal=unit_diagonal)


@defvjp(sla.solve_triangular, argnum=0, name=_name("solve_triangular"))
def solve_triangular_vjp_a(g, ans, a, b, trans=0, lower=False, unit_diagonal=False, overwrite_b=False,
                           check_finite=True):
    return _tl.solve_triangular_bar_a(g, ans, a, b, trans, lower, unit_diagonal)


@defvjp(sla.solve_triangular, argnum=1, name=_name("solve_triangular"))
def solve_triangular_vjp_b(g, ans, a, b, trans=0, lower=False, unit_diagonal=False, overwrite_b=False,
                           check_finite=True):
    return _tl.solve_triangular_bar_b(g, a, trans, lower, unit_diagonal)


@defjvp(sla.solve, argnum=0, name=_name("solve"))
def solve_jvp_a(a_dot, ans, a, b, lower=False, overwrite_a=False, overwrite_b=False, check_finite=True,
                assume_a=None, transposed=False):
    return _tl.sla_solve_tangent_a(a_dot, ans, a, b, lower, assume_a, transposed)


@defjvp(sla.solve, argnum=1, name=_name("solve"))
def solve_jvp_b(b_dot, ans, a, b, lower=False, overwrite_a=False, overwrite_b=False, check_finite=True,
                assume_a=None, transposed=False):
    return _tl.sla_solve_again(a, b_dot, lower, assume_a, transposed)


@defvjp(sla.solve, argnum=0, name=_name("solve"))
def solve_vjp_a(g, ans, a, b, lower=False, overwrite_a=False, overwrite_b=False, check_finite=True,
                assume_a=None, transposed=False):
    return _tl.sla_solve_bar_a(g, ans, a, b, lower, assume_a, transposed)


@defvjp(sla.solve, argnum=1, name=_name("solve"))
def solve_vjp_b(g, ans, a, b, lower=False, overwrite_a=False, overwrite_b=False, check_finite=True,
                assume_a=None, transposed=False):
    return _tl.sla_solve_bar_b(g, a, lower, assume_a, transposed)


@defjvp(sla.inv, name=_name("inv"))
def inv_jvp(a_dot, ans, a, overwrite_a=False, check_finite=True, assume_a=None, lower=False):
    return _tl.sla_inv_tangent(a_dot, ans, assume_a, lower)


@defvjp(sla.inv, name=_name("inv"))
def inv_vjp(g, ans, a, overwrite_a=False, check_finite=True, assume_a=None, lower=False):
    return _tl.sla_inv_bar(g, ans, assume_a, lower)


@defjvp(sla.det, name=_name("det"))
def det_jvp(a_dot, ans, a, overwrite_a=False, check_finite=True):
    return _tl.det_tangent(a_dot, a)


@defvjp(sla.det, name=_name("det"))
def det_vjp(g, ans, a, overwrite_a=False, check_finite=True):
    return _tl.det_bar(g, ans, a)


# scipy.linalg.norm computes np.linalg.norm's values (a BLAS call for plain vectors): NumPy's formulas


@defjvp(sla.norm, name=_name("norm"))
def norm_jvp(a_dot, ans, a, ord=None, axis=None, keepdims=False, check_finite=True):
    return _tl.norm_tangent(a_dot, ans, a, ord, axis, keepdims)


@defvjp(sla.norm, name=_name("norm"))
def norm_vjp(g, ans, a, ord=None, axis=None, keepdims=False, check_finite=True):
    return _tl.norm_bar(g, ans, a, ord, axis, keepdims)


# ---------------------------------------------------------------- symmetric factorizations


@defjvp(sla.cholesky, name=_name("cholesky"))
def cholesky_jvp(a_dot, ans, a, lower=False, overwrite_a=False, check_finite=True):
    return _tl.cholesky_tangent(a_dot, ans, a, not lower)


@defvjp(sla.cholesky, name=_name("cholesky"))
def cholesky_vjp(g, ans, a, lower=False, overwrite_a=False, check_finite=True):
    return _tl.cholesky_bar(g, ans, a, not lower)


@defjvp(sla.eigh, name=_name("eigh"))
def eigh_jvp(a_dot, ans, a, b=None, lower=True, eigvals_only=False, overwrite_a=False, overwrite_b=False,
             type=1, check_finite=True, subset_by_index=None, subset_by_value=None, driver=None):
    return _tl.sla_eigh_tangent(a_dot, ans, a, b, lower, eigvals_only, subset_by_index, subset_by_value)


@defvjp(sla.eigh, name=_name("eigh"))
def eigh_vjp(g, ans, a, b=None, lower=True, eigvals_only=False, overwrite_a=False, overwrite_b=False,
             type=1, check_finite=True, subset_by_index=None, subset_by_value=None, driver=None):
    return _tl.sla_eigh_bar(g, ans, a, b, lower, eigvals_only, subset_by_index, subset_by_value)


@defjvp(sla.cho_factor, name=_name("cho_factor"))
def cho_factor_jvp(a_dot, ans, a, lower=False, overwrite_a=False, check_finite=True):
    return _tl.cho_factor_tangent(a_dot, ans, a, lower)


@defvjp(sla.cho_factor, name=_name("cho_factor"))
def cho_factor_vjp(g, ans, a, lower=False, overwrite_a=False, check_finite=True):
    return _tl.cho_factor_bar(g, ans, a, lower)


@defjvp(sla.cho_solve, argnum=0, name=_name("cho_solve"))
def cho_solve_jvp_c(c_dot, ans, c_and_lower, b, overwrite_b=False, check_finite=True):
    return _tl.cho_solve_tangent_c(c_dot, ans, c_and_lower, b)


@defjvp(sla.cho_solve, argnum=1, name=_name("cho_solve"))
def cho_solve_jvp_b(b_dot, ans, c_and_lower, b, overwrite_b=False, check_finite=True):
    return _tl.sla.cho_solve(c_and_lower, b_dot)


@defvjp(sla.cho_solve, argnum=0, name=_name("cho_solve"))
def cho_solve_vjp_c(g, ans, c_and_lower, b, overwrite_b=False, check_finite=True):
    return _tl.cho_solve_bar_c(g, ans, c_and_lower, b)


@defvjp(sla.cho_solve, argnum=1, name=_name("cho_solve"))
def cho_solve_vjp_b(g, ans, c_and_lower, b, overwrite_b=False, check_finite=True):
    return _tl.sla.cho_solve(c_and_lower, g)


# ---------------------------------------------------------------- LU


@defjvp(sla.lu_factor, name=_name("lu_factor"))
def lu_factor_jvp(a_dot, ans, a, overwrite_a=False, check_finite=True):
    return _tl.lu_factor_tangent(a_dot, ans, a)


@defvjp(sla.lu_factor, name=_name("lu_factor"))
def lu_factor_vjp(g, ans, a, overwrite_a=False, check_finite=True):
    return _tl.lu_factor_bar(g, ans, a)


@defjvp(sla.lu_solve, argnum=0, name=_name("lu_solve"))
def lu_solve_jvp_lu(lu_dot, ans, lu_and_piv, b, trans=0, overwrite_b=False, check_finite=True):
    return _tl.lu_solve_tangent_lu(lu_dot, ans, lu_and_piv, b, trans)


@defjvp(sla.lu_solve, argnum=1, name=_name("lu_solve"))
def lu_solve_jvp_b(b_dot, ans, lu_and_piv, b, trans=0, overwrite_b=False, check_finite=True):
    return _tl.sla.lu_solve(lu_and_piv, b_dot, trans=trans)


@defvjp(sla.lu_solve, argnum=0, name=_name("lu_solve"))
def lu_solve_vjp_lu(g, ans, lu_and_piv, b, trans=0, overwrite_b=False, check_finite=True):
    return _tl.lu_solve_bar_lu(g, ans, lu_and_piv, b, trans)


@defvjp(sla.lu_solve, argnum=1, name=_name("lu_solve"))
def lu_solve_vjp_b(g, ans, lu_and_piv, b, trans=0, overwrite_b=False, check_finite=True):
    return _tl.sla.lu_solve(lu_and_piv, g, trans=_tl.flipped(trans))


# ---------------------------------------------------------------- matrix functions


@defjvp(sla.expm, name=_name("expm"))
def expm_jvp(a_dot, ans, A):
    return _tl.expm_tangent(a_dot, A)


@defvjp(sla.expm, name=_name("expm"))
def expm_vjp(g, ans, A):
    return _tl.expm_bar(g, A)


@defjvp(sla.logm, name=_name("logm"))
def logm_jvp(a_dot, ans, A, disp=True):
    return _tl.logm_tangent(a_dot, ans, A)


@defvjp(sla.logm, name=_name("logm"))
def logm_vjp(g, ans, A, disp=True):
    return _tl.logm_bar(g, ans, A)


@defjvp(sla.sqrtm, name=_name("sqrtm"))
def sqrtm_jvp(a_dot, ans, A, disp=True, blocksize=64):
    return _tl.sqrtm_tangent(a_dot, ans)


@defvjp(sla.sqrtm, name=_name("sqrtm"))
def sqrtm_vjp(g, ans, A, disp=True, blocksize=64):
    return _tl.sqrtm_bar(g, ans)


@defjvp(sla.solve_sylvester, argnum=0, name=_name("solve_sylvester"))
def solve_sylvester_jvp_a(a_dot, ans, a, b, q):
    return _tl.sla.solve_sylvester(a, b, -np.matmul(a_dot, ans))


@defjvp(sla.solve_sylvester, argnum=1, name=_name("solve_sylvester"))
def solve_sylvester_jvp_b(b_dot, ans, a, b, q):
    return _tl.sla.solve_sylvester(a, b, -np.matmul(ans, b_dot))


@defjvp(sla.solve_sylvester, argnum=2, name=_name("solve_sylvester"))
def solve_sylvester_jvp_q(q_dot, ans, a, b, q):
    return _tl.sla.solve_sylvester(a, b, q_dot)


@defvjp(sla.solve_sylvester, argnum=0, name=_name("solve_sylvester"))
def solve_sylvester_vjp_a(g, ans, a, b, q):
    return -np.matmul(_tl.sylvester_bar_q(g, a, b), _tl.matrix_t(ans))


@defvjp(sla.solve_sylvester, argnum=1, name=_name("solve_sylvester"))
def solve_sylvester_vjp_b(g, ans, a, b, q):
    return -np.matmul(_tl.matrix_t(ans), _tl.sylvester_bar_q(g, a, b))


@defvjp(sla.solve_sylvester, argnum=2, name=_name("solve_sylvester"))
def solve_sylvester_vjp_q(g, ans, a, b, q):
    return _tl.sylvester_bar_q(g, a, b)


# the pivots of lu_factor are row indices: they carry no derivative
nondifferentiable(runtime.lu_perm, runtime.cho_keeps_a)
