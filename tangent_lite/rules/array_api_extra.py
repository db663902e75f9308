"""Rules for the helpers array-API code calls around ``xp.<name>`` (``array_api_extra``, SciPy's
``scipy._lib._array_api``), which the front end reads as the stand-ins of
:mod:`tangent_lite.runtime.array_api_extra` (table: frontend/lowering/namespaces.py):

==========================  =======================================  =============================
helper                      tangent                                  cotangent
==========================  =======================================  =============================
``atleast_nd(x, ndim)``     ``atleast_nd(x_dot, ndim)``              ``g`` in ``x``'s shape
``expand_dims(a, axis)``    ``expand_dims(a_dot, axis)``             ``g`` in ``a``'s shape
``xp_float_to_complex(x)``  ``xp_float_to_complex(x_dot)``           the real part of ``g``
``xp.asarray(obj, ...)``    ``np.asarray``'s (``copy=True``: fresh)  ``np.asarray``'s
``xp.std(x, correction=c)``  NumPy's ``std`` with ``ddof=c``       likewise (``var`` too)
``xp.astype(x, dtype)``     ``x_dot`` in that dtype (0: not inexact)  ``g`` in ``x``'s dtype
one array of ``xp_promote`` ``x_dot`` in the output's dtype, shape   ``g`` summed to ``x``'s shape
==========================  =======================================  =============================

``xpx.at(x, idx).set(v)`` and its siblings are written as ``_tl.at_set`` by the front end; it has
the rules of ``_tl.setitem`` (rules/runtime_rules.py). Sizes, devices and default dtypes carry no
derivative.
"""

# ruff: noqa: F821
import numpy as np

from .. import runtime
from .. import runtime as _tl  # noqa: F401
from .registry import constant_params, defjvp, defvjp, nondifferentiable

nondifferentiable(runtime.no_derivative, runtime.namespace_only)


@defjvp(runtime.atleast_nd)
def atleast_nd_jvp(x_dot, ans, x, ndim=1, xp=None):
    return _tl.atleast_nd(x_dot, ndim)


@defvjp(runtime.atleast_nd)
def atleast_nd_vjp(g, ans, x, ndim=1, xp=None):
    return _tl.reshaped_as(g, x)


@defjvp(runtime.expand_dims)
def expand_dims_jvp(a_dot, ans, a, axis=0, xp=None):
    return _tl.expand_dims(a_dot, axis)


@defvjp(runtime.expand_dims)
def expand_dims_vjp(g, ans, a, axis=0, xp=None):
    return _tl.reshaped_as(g, a)


@defjvp(runtime.reshaped_as)
def reshaped_as_jvp(g_dot, ans, g, x):
    return _tl.reshaped_as(g_dot, x)


@defvjp(runtime.reshaped_as)
def reshaped_as_vjp(h, ans, g, x):
    return _tl.reshaped_as(h, g)


@defjvp(runtime.float_to_complex)
def float_to_complex_jvp(arr_dot, ans, arr, xp=None):
    return _tl.float_to_complex(arr_dot)


@defvjp(runtime.float_to_complex)
def float_to_complex_vjp(g, ans, arr, xp=None):
    return _tl.real_of(g, arr)


@defjvp(runtime.real_of)
def real_of_jvp(g_dot, ans, g, x):
    return _tl.real_of(g_dot, x)


@defvjp(runtime.real_of)
def real_of_vjp(h, ans, g, x):
    return h


@defjvp(runtime.promoted_among)
def promoted_among_jvp(x_dot, ans, x, among, force_floating=False, xp=None, broadcast=False,
                       ensure_writeable=False):
    return _tl.promotion_tangent(x_dot, ans)


@defvjp(runtime.promoted_among)
def promoted_among_vjp(g, ans, x, among, force_floating=False, xp=None, broadcast=False,
                       ensure_writeable=False):
    return _tl.unbroadcast(g, x)


@defjvp(runtime.promotion_tangent)
def promotion_tangent_jvp(t_dot, ans, t, like):
    return _tl.promotion_tangent(t_dot, like)


@defvjp(runtime.promotion_tangent)
def promotion_tangent_vjp(g, ans, t, like):
    return _tl.unbroadcast(g, t)


@defjvp(runtime.astype)
def astype_jvp(x_dot, ans, x, dtype, copy=True, device=None):
    return _tl.cast_like(x_dot, ans)


@defvjp(runtime.astype)
def astype_vjp(g, ans, x, dtype, copy=True, device=None):
    return _tl.cast_like(g, x)


@defjvp(runtime.cast_like)
def cast_like_jvp(t_dot, ans, t, like):
    return _tl.cast_like(t_dot, like)


@defvjp(runtime.cast_like)
def cast_like_vjp(g, ans, t, like):
    return _tl.cast_like(g, t)


@defjvp(runtime.asarray_copy)
def asarray_copy_jvp(obj_dot, ans, obj, dtype=None, device=None, copy=True):
    return _tl.array_tangent(obj_dot, ans)


@defvjp(runtime.asarray_copy)
def asarray_copy_vjp(g, ans, obj, dtype=None, device=None, copy=True):
    return _tl.array_bar(g, obj)


@defjvp(runtime.asarray_view)
def asarray_view_jvp(obj_dot, ans, obj, dtype=None, device=None, copy=None):
    return _tl.array_tangent(obj_dot, ans)


@defvjp(runtime.asarray_view)
def asarray_view_vjp(g, ans, obj, dtype=None, device=None, copy=None):
    return _tl.array_bar(g, obj)


@defjvp(runtime.std_standard)
def std_standard_jvp(x_dot, ans, x, axis=None, correction=0.0, keepdims=False):
    return _tl.std_tangent(x_dot, ans, x, axis, correction, keepdims)


@defvjp(runtime.std_standard)
def std_standard_vjp(g, ans, x, axis=None, correction=0.0, keepdims=False):
    return _tl.std_bar(g, ans, x, axis, correction, keepdims)


@defjvp(runtime.var_standard)
def var_standard_jvp(x_dot, ans, x, axis=None, correction=0.0, keepdims=False):
    return _tl.var_tangent(x_dot, x, axis, correction, keepdims)


@defvjp(runtime.var_standard)
def var_standard_vjp(g, ans, x, axis=None, correction=0.0, keepdims=False):
    return _tl.var_bar(g, x, axis, correction, keepdims)


constant_params(runtime.std_standard, "correction")
constant_params(runtime.var_standard, "correction")
constant_params(runtime.asarray_copy, "device", "copy")
constant_params(runtime.asarray_view, "device", "copy")
constant_params(runtime.cast_like, "like")
constant_params(runtime.atleast_nd, "ndim")
constant_params(runtime.reshaped_as, "x")
constant_params(runtime.real_of, "x")
constant_params(runtime.promoted_among, "among", "force_floating", "broadcast", "ensure_writeable")
constant_params(runtime.promotion_tangent, "like")


# NumPy's float64 called as a cast (np.float64(x)): astype's rules, the tangent in
# the result's dtype, the cotangent in x's; the integer and boolean ones (np.int64(x)) carry no derivative
SCALAR_CASTS = (np.float64,)
nondifferentiable(np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64, np.bool_)


def scalar_cast_jvp(x_dot, ans, x):
    return _tl.cast_like(x_dot, ans)


def scalar_cast_vjp(g, ans, x):
    return _tl.cast_like(g, x)


for _cast in SCALAR_CASTS:
    defjvp(_cast)(scalar_cast_jvp)
    defvjp(_cast)(scalar_cast_vjp)
