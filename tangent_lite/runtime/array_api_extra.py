"""What the compiler reads the helpers of array-API code as (``array_api_extra``, SciPy's
``scipy._lib._array_api``): functions of the same parameters whose derivative rules are in
``rules/array_api_extra.py``.  Generated code keeps calling the library's own function where the
stand-in has the same result (``atleast_nd``, ``expand_dims``, ``xp_float_to_complex``); it calls
the stand-in itself where the front end changed the call (:func:`promoted_among`, for one of the
arrays of ``xp_promote(a, b, ...)``).  Each computes in its arguments' library.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .indexing import setitem
from .library import is_foreign, namespace


def _shape_of(x: Any) -> tuple:
    return tuple(x.shape) if hasattr(x, "shape") else np.shape(x)


def _reshape(x: Any, shape: tuple) -> Any:
    xp = namespace(x) if is_foreign(x) else np
    return np.reshape(x, shape) if xp is np else xp.reshape(x, shape)


def atleast_nd(x: Any, ndim: int = 1, xp: Any = None) -> Any:
    """``array_api_extra.atleast_nd(x, ndim=ndim)``: ``x`` with ones put in front of its shape
    until it has ``ndim`` axes."""
    shape = _shape_of(x)
    return x if len(shape) >= ndim else _reshape(x, (1,) * (ndim - len(shape)) + shape)


def expand_dims(a: Any, axis: Any = 0, xp: Any = None) -> Any:
    """``array_api_extra.expand_dims(a, axis=axis)``: axes of length one inserted (a tuple of them too)."""
    axes = axis if isinstance(axis, tuple) else (axis,)
    n = len(_shape_of(a)) + len(axes)
    where = {ax % n for ax in axes}
    rest = iter(_shape_of(a))
    return _reshape(a, tuple(1 if i in where else next(rest) for i in range(n)))


def reshaped_as(g: Any, x: Any) -> Any:
    """``g`` (as many values as ``x``) in ``x``'s shape."""
    return _reshape(g, _shape_of(x))


def float_to_complex(arr: Any, xp: Any = None) -> Any:
    """SciPy's ``xp_float_to_complex``: a real floating array as complex of its precision."""
    lib = namespace(arr) if is_foreign(arr) else np
    if lib is np:
        arr = np.asarray(arr)
        return arr.astype(np.complex64 if arr.dtype == np.float32 else np.complex128) if arr.dtype.kind == "f" else arr
    if lib.isdtype(arr.dtype, "real floating"):
        return lib.astype(arr, lib.complex64 if arr.dtype == lib.float32 else lib.complex128)
    return arr


def real_of(g: Any, x: Any) -> Any:
    """The cotangent of a real ``x`` from the complex cotangent ``g`` of its complex form."""
    lib = namespace(g) if is_foreign(g) else np
    if lib is np:
        return np.real(g) if np.asarray(x).dtype.kind != "c" else g
    return lib.real(g) if lib.isdtype(g.dtype, "complex floating") and not lib.isdtype(x.dtype, "complex floating") \
        else g


def _result_dtype(arrays: list, force_floating: bool, lib: Any) -> Any:
    if lib is np:
        dt = np.result_type(*arrays)
        return np.result_type(dt, 1.0) if force_floating and dt.kind not in "fc" else dt
    dt = lib.result_type(*arrays)
    if force_floating and not lib.isdtype(dt, ("real floating", "complex floating")):
        dt = lib.result_type(dt, lib.float64)
    return dt


def promoted_among(x: Any, among: tuple, force_floating: bool = False, xp: Any = None,
                   broadcast: bool = False, ensure_writeable: bool = False) -> Any:
    """One array of SciPy's ``xp_promote(*among, force_floating=..., broadcast=...)``: ``x`` in the
    dtype all of ``among`` (None left out) promote to (a floating one when ``force_floating``),
    broadcast to their common shape when ``broadcast`` (a copy, when broadcast, if
    ``ensure_writeable``: SciPy 1.15's ``xp_broadcast_promote``).  None stays None."""
    if x is None:
        return None
    arrays = [a for a in among if a is not None]
    foreign = next((a for a in arrays if is_foreign(a)), None)
    lib = namespace(foreign) if foreign is not None else np
    arrays = [np.asarray(a) if lib is np and isinstance(a, (list, tuple)) else a for a in arrays]
    dt = _result_dtype(arrays, force_floating, lib)
    out = np.asarray(x, dtype=dt) if lib is np else lib.asarray(x, dtype=dt)
    if broadcast:
        shape = np.broadcast_shapes(*[_shape_of(a) for a in arrays])
        if _shape_of(out) != shape:
            out = np.broadcast_to(out, shape) if lib is np else lib.broadcast_to(out, shape)
            if ensure_writeable:
                out = np.array(out, copy=True) if lib is np else lib.asarray(out, copy=True)
    return out


def promotion_tangent(t: Any, like: Any) -> Any:
    """The tangent of :func:`promoted_among`: ``t`` in the dtype and shape of its output ``like``."""
    lib = namespace(like) if is_foreign(like) else np
    if lib is np:
        return np.broadcast_to(np.asarray(t, dtype=np.result_type(like)), np.shape(like))
    return lib.broadcast_to(lib.asarray(t, dtype=like.dtype), tuple(like.shape))


def no_derivative(*args: Any, **kwargs: Any) -> Any:
    """What the compiler reads helpers whose results carry no derivative as (a device, a size,
    a default dtype, a test of the namespace): never called, the library's function is."""
    raise TypeError("tangent_lite: no_derivative is a marker, not a function to call")  # pragma: no cover


def at_set(x: Any, index: Any, v: Any) -> Any:
    """``array_api_extra.at(x, index).set(v)`` (and ``at(x)[index].set(v)``): a copy of ``x``, of its
    dtype, with ``v`` written at ``index``.  (The front end writes ``.add(v)``, ``.multiply(v)``,
    ... as ``at_set(x, index, x[index] + v)``.)"""
    if is_foreign(x) or is_foreign(v) or is_foreign(index):
        return setitem(x, index, v)  # arrays of another library: written in that library
    out = np.array(x, copy=True)
    out[index] = v
    return out


def astype(x: Any, dtype: Any, copy: bool = True, device: Any = None) -> Any:
    """The array API's ``xp.astype(x, dtype)`` (NumPy's ``np.astype`` from NumPy 2.1): what the
    compiler reads it as on every NumPy version."""
    lib = namespace(x) if is_foreign(x) else np
    return np.asarray(x).astype(dtype, copy=copy) if lib is np else lib.astype(x, dtype, copy=copy)


def cast_like(t: Any, like: Any) -> Any:
    """A tangent or cotangent ``t`` in the dtype of ``like`` (the real part for a real one; zero for
    an integer or boolean one, which carries no derivative)."""
    lib = namespace(like) if is_foreign(like) else np
    if lib is np:
        dt = np.result_type(like)
        if dt.kind not in "fc":
            return np.zeros(np.shape(like))
        t = np.asarray(t)
        return (np.real(t) if dt.kind == "f" and t.dtype.kind == "c" else t).astype(dt, copy=False)
    if not lib.isdtype(like.dtype, ("real floating", "complex floating")):
        return lib.zeros(tuple(like.shape), device=like.device)
    if not hasattr(t, "dtype"):  # a number (a seed): an array of the library, of like's dtype
        real = lib.isdtype(like.dtype, "real floating")
        return lib.asarray(t.real if real and isinstance(t, complex) else t, dtype=like.dtype, device=like.device)
    if lib.isdtype(like.dtype, "real floating") and lib.isdtype(t.dtype, "complex floating"):
        t = lib.real(t)
    return lib.astype(t, like.dtype)


def asarray_copy(obj: Any, dtype: Any = None, device: Any = None, copy: Any = True) -> Any:
    """The array API's ``xp.asarray(obj, copy=True)``: a new array (what the compiler reads it as)."""
    return np.array(obj, dtype=dtype, copy=True)


def asarray_view(obj: Any, dtype: Any = None, device: Any = None, copy: Any = None) -> Any:
    """The array API's ``xp.asarray(obj, ...)`` without ``copy=True``: maybe ``obj`` itself."""
    return np.asarray(obj, dtype=dtype)


def std_standard(x: Any, axis: Any = None, correction: float = 0.0, keepdims: bool = False) -> Any:
    """The array API's ``xp.std(x, correction=c)`` (NumPy's ``ddof``)."""
    return np.std(x, axis=axis, ddof=correction, keepdims=keepdims)


def var_standard(x: Any, axis: Any = None, correction: float = 0.0, keepdims: bool = False) -> Any:
    """The array API's ``xp.var(x, correction=c)`` (NumPy's ``ddof``)."""
    return np.var(x, axis=axis, ddof=correction, keepdims=keepdims)
