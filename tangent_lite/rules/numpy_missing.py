"""Rules for NumPy forms that were refused before: ``x.item(...)`` (lowered to ``_tl.item``),
``ufunc.outer`` (lowered to the ufunc of ``np.reshape(a, _tl.outer_shape(a, b))`` and ``b``),
``ufunc.reduce``/``accumulate`` (lowered to ``np.sum``/``prod``/``max``/``min``/``cumsum``/``cumprod``),
``np.einsum``'s sublist form (lowered to its subscripts string), ``np.gradient`` (lowered to
``_tl.gradient``: linear in ``f``, its transpose reads the operator's bands), ``np.linalg.lstsq``
(full column rank, real) and ``np.linalg.eig`` (distinct eigenvalues; unit-norm eigenvectors
whose phase NumPy does not fix: only phase-invariant functions of them have a derivative).
See ``frontend/lowering/numpy_forms.py`` for the lowerings."""

# ruff: noqa: F821
import numpy as np  # noqa: F401

from .. import runtime
from .. import runtime as _tl  # noqa: F401
from .registry import constant_params, defjvp, defvjp, nondifferentiable

nondifferentiable(runtime.outer_shape, runtime.einsum_subscripts, runtime.lstsq_check)

# ---------------------------------------------------------------- x.item(index): one entry, as a number


@defjvp(runtime.item)
def item_jvp(a_dot, ans, a, index=None):
    return _tl.item(a_dot, index)


@defvjp(runtime.item)
def item_vjp(g, ans, a, index=None):
    return _tl.item_bar(g, a, index)


@defjvp(runtime.item_bar)
def item_bar_jvp(g_dot, ans, g, a, index=None):
    return _tl.item_bar(g_dot, a, index)


@defvjp(runtime.item_bar)
def item_bar_vjp(h, ans, g, a, index=None):
    return _tl.item(h, index)


constant_params(runtime.item, "index")

# ---------------------------------------------------------------- x.conj(): x itself for real arrays


@defjvp(runtime.conj_method)
def conj_method_jvp(x_dot, ans, x):
    return np.conjugate(x_dot)


@defvjp(runtime.conj_method)
def conj_method_vjp(g, ans, x):
    return np.conjugate(g)

constant_params(runtime.item_bar, "a", "index")

# ---------------------------------------------------------------- np.gradient (as _tl.gradient): linear in f


@defjvp(runtime.gradient)
def gradient_jvp(f_dot, ans, f, spacing=(), axis=None, edge_order=1):
    return _tl.gradient(f_dot, spacing, axis, edge_order)


@defvjp(runtime.gradient)
def gradient_vjp(g, ans, f, spacing=(), axis=None, edge_order=1):
    return _tl.gradient_bar(g, f, spacing, axis, edge_order)


@defjvp(runtime.gradient_bar)
def gradient_bar_jvp(g_dot, ans, g, f, spacing=(), axis=None, edge_order=1):
    return _tl.gradient_bar(g_dot, f, spacing, axis, edge_order)


@defvjp(runtime.gradient_bar)
def gradient_bar_vjp(h, ans, g, f, spacing=(), axis=None, edge_order=1):
    return _tl.gradient(h, spacing, axis, edge_order)


constant_params(runtime.gradient, "axis", "edge_order")
constant_params(runtime.gradient_bar, "f", "axis", "edge_order")

# ---------------------------------------------------------------- lstsq: (x, residuals, rank, s), full column rank


@defjvp(np.linalg.lstsq, argnum=0)
def lstsq_jvp_a(a_dot, ans, a, b, rcond=None):
    return _tl.lstsq_tangent(a_dot, 0, ans, a, b)


@defjvp(np.linalg.lstsq, argnum=1)
def lstsq_jvp_b(b_dot, ans, a, b, rcond=None):
    return _tl.lstsq_tangent(b_dot, 1, ans, a, b)


@defvjp(np.linalg.lstsq, argnum=0)
def lstsq_vjp_a(g, ans, a, b, rcond=None):
    return _tl.lstsq_bar(g, ans, a, b, 0)


@defvjp(np.linalg.lstsq, argnum=1)
def lstsq_vjp_b(g, ans, a, b, rcond=None):
    return _tl.lstsq_bar(g, ans, a, b, 1)


# ---------------------------------------------------------------- eig: (w, V), distinct eigenvalues


@defjvp(np.linalg.eig)
def eig_jvp(a_dot, ans, a):
    return _tl.eig_tangent(a_dot, ans, a)


@defvjp(np.linalg.eig)
def eig_vjp(g, ans, a):
    return _tl.eig_bar(g, ans, a)
