"""Rules for NumPy functions the first tables left out: ``linspace`` with active ends,
``full`` and ``full_like`` with an active fill value, ``partition``, ``row_stack``, ``real_if_close``,
``linalg.eigvals`` (distinct eigenvalues), ``cov`` and ``corrcoef``
(without weights)."""

# ruff: noqa: F821
import numpy as np  # noqa: F401

from .. import runtime
from .. import runtime as _tl  # noqa: F401
from .numpy_more import _np
from .registry import constant_params, defjvp, defvjp, nondifferentiable

nondifferentiable(runtime.partition_order)  # integer positions

# ---------------------------------------------------------------- linspace: linear in (start, stop)


@defjvp(np.linspace, argnum=0)
def linspace_jvp_start(start_dot, ans, start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    return np.linspace(start_dot, 0.0 * np.asarray(stop, dtype=float), num, endpoint, retstep, None, axis)


@defjvp(np.linspace, argnum=1)
def linspace_jvp_stop(stop_dot, ans, start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    return np.linspace(0.0 * np.asarray(start, dtype=float), stop_dot, num, endpoint, retstep, None, axis)


@defvjp(np.linspace, argnum=0)
def linspace_vjp_start(g, ans, start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    return _tl.linspace_bar(g, 0, start, stop, num, endpoint, retstep, axis)


@defvjp(np.linspace, argnum=1)
def linspace_vjp_stop(g, ans, start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    return _tl.linspace_bar(g, 1, start, stop, num, endpoint, retstep, axis)


# ---------------------------------------------------------------- full, full_like: the fill value, broadcast
# The result depends on ``a`` (full_like) and on ``shape`` only through their shapes and dtypes,
# like zeros_like and ones_like (nondifferentiable in numpy.py): no derivative flows through them.


@defjvp(np.full, argnum=1, broadcast=True)
def full_jvp(v_dot, ans, shape, fill_value, dtype=None, order="C", device=None, like=None):
    return np.broadcast_to(v_dot, np.shape(ans)) * 1.0


@defvjp(np.full, argnum=1)
def full_vjp(g, ans, shape, fill_value, dtype=None, order="C", device=None, like=None):
    return _tl.unbroadcast(g, fill_value)


constant_params(np.full, "shape", "dtype", "order", "device", "like")
constant_params(np.full_like, "a", "dtype", "order", "subok", "shape")


@defjvp(np.full_like, argnum=1, broadcast=True)
def full_like_jvp(v_dot, ans, a, fill_value, dtype=None, order="K", subok=True, shape=None):
    return np.broadcast_to(v_dot, np.shape(ans)) * 1.0


@defvjp(np.full_like, argnum=1)
def full_like_vjp(g, ans, a, fill_value, dtype=None, order="K", subok=True, shape=None):
    return _tl.unbroadcast(g, fill_value)


# ---------------------------------------------------------------- partition: a permutation of a


@defjvp(np.partition)
def partition_jvp(a_dot, ans, a, kth, axis=-1, kind="introselect", order=None):
    return np.take_along_axis(np.ravel(a_dot) if axis is None else a_dot, _tl.partition_order(ans, a, axis),
                              axis=0 if axis is None else axis)


@defvjp(np.partition)
def partition_vjp(g, ans, a, kth, axis=-1, kind="introselect", order=None):
    return np.reshape(_tl.take_along_axis_bar(g, np.ravel(a) if axis is None else a, _tl.partition_order(ans, a, axis),
                                              0 if axis is None else axis), np.shape(a))


# ---------------------------------------------------------------- row_stack: vstack's old name (gone in new NumPy)


@defjvp(_np("row_stack"))
def row_stack_jvp(t, ans, tup):
    return np.vstack(t)


@defvjp(_np("row_stack"))
def row_stack_vjp(g, ans, tup):
    return _tl.joined_bar(g, tup, "vstack")


# ---------------------------------------------------------------- real_if_close
# Complex ``a`` whose imaginary parts are all within ``tol``: the result is ``Re(a)``, so the
# tangent is ``Re(t)`` and the cotangent ``Re(g)``; otherwise the result is ``a`` itself (identity).


@defjvp(np.real_if_close)
def real_if_close_jvp(a_dot, ans, a, tol=100):
    return _tl.real_part_if(a_dot, ans)


@defvjp(np.real_if_close)
def real_if_close_vjp(g, ans, a, tol=100):
    return _tl.real_part_if(g, ans)


# ---------------------------------------------------------------- eigvals (distinct eigenvalues, real or complex)


@defjvp(np.linalg.eigvals)
def eigvals_jvp(a_dot, ans, a):
    return _tl.eigvals_tangent(a_dot, a)


@defvjp(np.linalg.eigvals)
def eigvals_vjp(g, ans, a):
    return _tl.eigvals_bar(g, a)


# ---------------------------------------------------------------- cov and corrcoef (no weights)


@defjvp(np.cov, argnum=0)
def cov_jvp_m(t, ans, m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None, dtype=None):
    return _tl.cov_tangent(t, 0, m, y, rowvar, bias, ddof, fweights, aweights)


@defjvp(np.cov, argnum=1)
def cov_jvp_y(t, ans, m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None, dtype=None):
    return _tl.cov_tangent(t, 1, m, y, rowvar, bias, ddof, fweights, aweights)


@defvjp(np.cov, argnum=0)
def cov_vjp_m(g, ans, m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None, dtype=None):
    return _tl.cov_bar(g, 0, m, y, rowvar, bias, ddof, fweights, aweights)


@defvjp(np.cov, argnum=1)
def cov_vjp_y(g, ans, m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None, dtype=None):
    return _tl.cov_bar(g, 1, m, y, rowvar, bias, ddof, fweights, aweights)


@defjvp(np.corrcoef, argnum=0)
def corrcoef_jvp_x(t, ans, x, y=None, rowvar=True, dtype=None):
    return _tl.corrcoef_tangent(t, 0, ans, x, y, rowvar)


@defjvp(np.corrcoef, argnum=1)
def corrcoef_jvp_y(t, ans, x, y=None, rowvar=True, dtype=None):
    return _tl.corrcoef_tangent(t, 1, ans, x, y, rowvar)


@defvjp(np.corrcoef, argnum=0)
def corrcoef_vjp_x(g, ans, x, y=None, rowvar=True, dtype=None):
    return _tl.corrcoef_bar(g, 0, ans, x, y, rowvar)


@defvjp(np.corrcoef, argnum=1)
def corrcoef_vjp_y(g, ans, x, y=None, rowvar=True, dtype=None):
    return _tl.corrcoef_bar(g, 1, ans, x, y, rowvar)
