"""Which library a value belongs to, and arrays made by that library.

Generated code and the helpers allocate with the library of the arrays they are given, never
by converting to NumPy: a Dask array's derivative stays a lazy Dask array, a CuPy array's stays
on its device, an array of an array-API library (``array_api_strict``, PyTorch through
``array_api_compat``, JAX) stays in that library.

- NumPy arrays, NumPy scalars and Python numbers answer ``np`` first, by type alone: the fast
  path every helper keeps, at the cost of one ``type(x) is`` test;
- arrays that implement NumPy's dispatch protocol (``__array_function__``: Dask, CuPy, sparse)
  are handled by NumPy's own functions, which hand the work to their library: ``np`` too;
- anything else with ``__array_namespace__`` (the array API standard) answers that namespace,
  and PyTorch tensors the one ``array_api_compat`` wraps them in, when it is imported.

Which types NumPy's functions may meet is :func:`own_protocol`'s answer: a type that implements
NumPy's functions itself (``__array_function__``, ``__array_ufunc__``) is followed only when it is
the array of one of :data:`DISPATCH_LIBRARIES`; any other (a user's duck array) is refused.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np


def namespace(x: Any) -> Any:
    """The module whose functions compute on ``x``: ``np`` for NumPy values, numbers and arrays
    NumPy dispatches for (Dask, CuPy); the array-API namespace of any other array."""
    t = type(x)
    if t is np.ndarray or t is float or t is int or t is bool or t is complex or isinstance(x, np.generic) \
            or hasattr(t, "__array_function__"):
        return np
    get = getattr(x, "__array_namespace__", None)
    if get is not None:
        return get()
    compat = sys.modules.get("array_api_compat")
    if compat is not None and compat.is_array_api_obj(x):
        return compat.array_namespace(x)
    return np


# The array libraries whose arrays NumPy's functions and ufuncs hand to the library itself (NumPy's
# dispatch protocols: ``__array_function__``, NEP 18, and ``__array_ufunc__``, NEP 13), and whose
# implementations compute NumPy's functions, so that NumPy's rules are their derivatives: the
# libraries derivatives are run and tested with (docs/arrays-beyond-numpy.md), by top-level package.
# (The arrays of array-API libraries, array-api-strict's, PyTorch's, JAX's, implement neither protocol.)
DISPATCH_LIBRARIES = frozenset({"dask", "cupy"})

_PROTOCOLS = ("__array_function__", "__array_ufunc__")


def own_protocol(t: type) -> str:
    """The NumPy dispatch method (``'__array_function__'``, ``'__array_ufunc__'``) through which
    NumPy's functions on a value of type ``t`` run ``t``'s own code instead of NumPy's, '' if none:
    '' for NumPy's own types (and subclasses that keep ndarray's methods) and for the arrays of
    :data:`DISPATCH_LIBRARIES`.  ``__array_ufunc__ = None`` counts (NumPy then calls the type's operators)."""
    if t.__module__.partition(".")[0] in DISPATCH_LIBRARIES or t.__module__.startswith("numpy"):
        return ""
    return next((p for p in _PROTOCOLS if hasattr(t, p) and getattr(t, p) is not getattr(np.ndarray, p)), "")


def converted_by_numpy(t: type) -> bool:
    """Do NumPy's functions read a value of type ``t`` as ``np.asarray(value)``, through its ``__array__``
    (a PyTorch tensor, a JAX array, a user's class with ``__array__``), instead of handing it to its own
    code (:func:`own_protocol`) or to its library (:data:`DISPATCH_LIBRARIES`)?"""
    return hasattr(t, "__array__") and not issubclass(t, (np.ndarray, np.generic)) \
        and not t.__module__.startswith("numpy") and not hasattr(t, "__array_function__") and not own_protocol(t)


def converted_message(op: str, shown: str, t: type) -> Any:
    """(what, fix) of the refusal of ``shown``, of a type :func:`converted_by_numpy`, passed to ``op``."""
    name = t.__qualname__
    return (f"{op} reads its argument '{shown}', a {name}, as a NumPy array (np.asarray({shown}), through the "
            f"{name}'s __array__), but the derivative code would compute with the {name} itself",
            f"pass np.asarray({shown}) to {op}, the NumPy array it computes with (once, outside the "
            f"function, for a constant)")


def is_foreign(x: Any) -> bool:
    """Is ``x`` an array of another library than NumPy (Dask, CuPy, an array-API array)?"""
    t = type(x)
    if t is np.ndarray or t is float or t is int or t is bool or t is complex or t is list or t is tuple:
        return False
    return hasattr(x, "shape") and hasattr(x, "dtype") and not isinstance(x, (np.ndarray, np.generic))


def is_inexact(x: Any) -> bool:
    """Is ``x``'s dtype floating or complex (in its own library's terms)?"""
    dt = x.dtype
    if isinstance(dt, np.dtype):
        return dt.kind in "fc"
    return namespace(x).isdtype(dt, ("real floating", "complex floating"))


def is_bool(x: Any) -> bool:
    """Is ``x``'s dtype boolean (in its own library's terms)?"""
    dt = x.dtype
    if isinstance(dt, np.dtype):
        return dt == np.bool_
    return namespace(x).isdtype(dt, "bool")


def as_array(x: Any) -> Any:
    """``np.asarray(x)`` for NumPy values, numbers and lists; another library's array unchanged."""
    return x if is_foreign(x) else np.asarray(x)


def inexact(x: Any) -> Any:
    """``x`` as an array of a floating or complex dtype, in its own library: a float or complex
    array as it is (float32 stays float32, complex stays complex), integers and booleans as
    float64 (the dtype NumPy's arithmetic gives them).  Numbers and lists become NumPy arrays."""
    if type(x) is np.ndarray and x.dtype.kind in "fc":
        return x
    if not is_foreign(x):
        x = np.asarray(x)
        return x if x.dtype.kind in "fc" else x.astype(np.float64)
    if is_inexact(x):
        return x
    xp = namespace(x)
    return x.astype(np.float64) if xp is np else xp.astype(x, xp.float64)


def numpy_reached(x: Any) -> TypeError:
    """The error for a NumPy array met where ``x`` (an array-API library's array) was expected."""
    return TypeError(f"tangent_lite: a NumPy array reached the derivative of a {type(x).__name__}: the code "
                     "converted its arrays to NumPy (SciPy does unless the environment variable "
                     "SCIPY_ARRAY_API=1 is set before it is imported), or a helper of tangent_lite "
                     "computed with NumPy (then please report it)")


def zeros_of(shape: Any, like: Any) -> Any:
    """Zeros of the given shape in ``like``'s library and inexact dtype (float64 for an integer
    ``like``; NumPy float64 zeros when ``like`` is a number)."""
    if not is_foreign(like):
        dt = np.result_type(like)
        return np.zeros(shape, dtype=dt if dt.kind in "fc" else np.float64)
    xp = namespace(like)
    like = inexact(like)
    if xp is np:
        return np.zeros_like(like, shape=shape)
    return xp.zeros(shape, dtype=like.dtype, device=getattr(like, "device", None))


def spread(g: Any, shape: tuple, like: Any) -> Any:
    """``np.broadcast_to(g, shape)`` in ``like``'s library (a number ``g`` made an array of it)."""
    xp = namespace(like) if is_foreign(like) else namespace(g)
    if xp is np:
        if is_foreign(like) and not is_foreign(g):
            # Dask, CuPy: built in like's library (chunked like it: nothing of g's size is embedded
            # in a Dask graph, and sizes unknown until computed stay so)
            dt = np.result_type(g, like.dtype)
            if tuple(shape) == tuple(like.shape) or any(n != n for n in shape):
                return np.full_like(like, g, dtype=dt) if np.ndim(g) == 0 else g + np.zeros_like(like, dtype=dt)
            return g + np.zeros_like(like, shape=shape, dtype=dt)
        if any(n != n for n in shape):  # Dask sizes unknown until computed (after a boolean mask): broadcast lazily
            return g + np.zeros_like(like, dtype=np.result_type(g, like))
        return np.broadcast_to(g, shape)
    if not is_foreign(g):
        g = xp.asarray(g, dtype=like.dtype, device=like.device)
    return xp.broadcast_to(g, tuple(shape))


def summed(g: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """``g.sum(axis, keepdims)`` for an array of any library; a number as it is."""
    if hasattr(g, "sum"):
        return g.sum(axis=axis, keepdims=keepdims)
    if is_foreign(g):
        return namespace(g).sum(g, axis=axis, keepdims=keepdims)
    return g


def reshaped(x: Any, shape: Any) -> Any:
    """``np.reshape(x, shape)`` in ``x``'s library."""
    xp = namespace(x)
    return np.reshape(x, shape) if xp is np else xp.reshape(x, tuple(shape))


def is_zero(v: Any) -> Any:
    """``v == 0`` elementwise, in ``v``'s library (``np.equal`` for NumPy values)."""
    return v == 0 if is_foreign(v) else np.equal(v, 0)


def promoted(x: Any, force_floating: bool = False, xp: Any = None, broadcast: bool = False,
             ensure_writeable: bool = False) -> Any:
    """What the compiler reads a one-array promotion helper as (SciPy's ``xp_promote(x,
    force_floating=True, xp=xp)``): ``x`` itself, as an array of an inexact dtype when
    ``force_floating``.  Its derivative is the identity (rules/array_api.py)."""
    return inexact(x) if force_floating else x


def _is_complex(v: Any) -> bool:
    if type(v) is complex:
        return True
    dt = getattr(v, "dtype", None)
    if dt is None:
        return False
    if isinstance(dt, np.dtype):
        return dt.kind == "c"
    return bool(namespace(v).isdtype(dt, "complex floating"))
