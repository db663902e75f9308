"""Zeros, sums and returned gradients of any value, structures included.

A derivative has its primal's structure: a number, an array, or a container (lists, tuples,
named tuples, dicts, dataclasses and plain objects) of them, handled leafwise.  ``None`` is a
zero adjoint.  ``as_grad`` gives a gradient the structure, shape and float dtype of its input.
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import numpy as np

from .broadcast import _same_length
from .library import is_foreign, namespace, numpy_reached, spread, zeros_of
from .markers import user_error


def zeros_like(x: Any) -> Any:
    """A zero with ``x``'s structure: float 0.0, zero array, or a container of zeros
    (lists, tuples, named tuples, dicts, dataclasses and plain objects)."""
    if type(x) is np.ndarray and x.ndim and x.dtype.kind in "fc":  # the common case first
        return np.zeros(x.shape, dtype=x.dtype)
    if isinstance(x, (tuple, list, dict)) or _is_record(x):
        return _map_struct(zeros_like, x)
    if isinstance(x, range):  # (a loop's range put on a tape: its zero tangent is indexed like it)
        return np.zeros(len(x))
    if is_foreign(x):  # another library's array (Dask, CuPy, array API): zeros of its own
        return zeros_of(x.shape, x)
    if hasattr(x, "shape") and x.shape != ():
        return np.zeros(x.shape, dtype=_float_dtype(x))
    if hasattr(x, "dtype"):
        return _float_dtype(x).type(0.0)
    return 0.0


def _is_record(x: Any) -> bool:
    """A dataclass instance or a plain object whose attributes hold values."""
    if isinstance(x, (np.ndarray, np.generic, float, int, complex, str, bytes, type)) or x is None or is_foreign(x):
        return False
    return dataclasses.is_dataclass(x) or hasattr(x, "__dict__")


def _fields(x: Any) -> list:
    if dataclasses.is_dataclass(x):
        return [f.name for f in dataclasses.fields(x)]
    return list(vars(x))


def _map_struct(fn: Any, x: Any, *others: Any) -> Any:
    """Apply ``fn`` leafwise over ``x`` (and ``others`` of the same structure)."""
    if isinstance(x, tuple) and hasattr(x, "_fields"):  # NamedTuple (the others may be plain tuples: by position)
        return type(x)(*(fn(v, *(o[i] for o in others)) for i, v in enumerate(x)))
    if isinstance(x, (tuple, list)):
        return type(x)(fn(v, *(o[i] for o in others)) for i, v in enumerate(x))
    if isinstance(x, dict):
        return {k: fn(v, *(o[k] for o in others)) for k, v in x.items()}
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        out = copy.copy(x)
        for f in _fields(x):
            object.__setattr__(out, f, fn(getattr(x, f), *(getattr(o, f) for o in others)))
        return out
    out = copy.copy(x)
    for f in _fields(x):
        setattr(out, f, fn(getattr(x, f), *(getattr(o, f) for o in others)))
    return out


def _float_dtype(x: Any) -> Any:
    if isinstance(getattr(x, "dtype", None), np.dtype):
        dt = x.dtype
    elif isinstance(x, (list, tuple)):  # (NumPy 2.0's result_type reads a list as a structured dtype's fields)
        dt = np.result_type(*(_float_dtype(v) for v in x)) if x else np.dtype(np.float64)
    else:
        dt = np.result_type(x)
    return dt if np.issubdtype(dt, np.inexact) else np.dtype(np.float64)


def add(a: Any, b: Any) -> Any:
    """Add two adjoints or tangents; structures add leafwise, None is zero."""
    if type(a) is float or type(a) is np.ndarray:
        return a if b is None else a + b  # (None: the zero of a None argument, _tl.add(0.0, None))
    if a is None:
        return b
    if b is None:
        return a
    if isinstance(a, (tuple, list)):
        _same_length(b, a)
    if isinstance(a, dict) and isinstance(b, dict) and a.keys() != b.keys():
        # a dict's adjoint may lack keys the other has (a key added by the function, removed
        # again by the reverse sweep): a missing key is zero
        return {k: add(a[k], b[k]) if k in a and k in b else a[k] if k in a else b[k] for k in {**a, **b}}
    if isinstance(a, (tuple, list, dict)) or _is_record(a):
        return _map_struct(add, a, b)
    return a + b


def add_into(a: np.ndarray, b: Any) -> np.ndarray:
    """``a + b`` into ``a``, an adjoint array allocated by the derivative code that nothing else
    holds (``x_bar = _tl.add_into(x_bar, g)``); a new array where that would change ``a``'s kind:
    ``b`` complex and ``a`` real (the adjoint of a complex value may start real and turn complex),
    or ``b`` an array of another library (Dask, ...: NumPy cannot add it in place)."""
    if type(a) is np.ndarray:
        tb = type(b)
        if tb is np.ndarray:  # the common case first: a real contribution, or both complex
            if b.dtype.kind != "c" or a.dtype.kind == "c":
                a += b
                return a
            return a + b
        if isinstance(b, np.generic):
            kind = b.dtype.kind
        elif tb is float or tb is int or tb is bool:
            kind = "f"
        else:
            kind = "c" if tb is complex else None
        if kind is not None and (kind != "c" or a.dtype.kind == "c"):
            a += b
            return a
    return a + b


def as_grad(g: Any, x: Any) -> Any:
    """The gradient returned for argument ``x``: same structure, shape and float dtype as ``x``."""
    tx = type(x)
    if tx is float and type(g) is float:  # the common cases first: no checks to make
        return g
    if tx is np.ndarray and type(g) is np.ndarray and g.shape == x.shape and g.dtype == x.dtype \
            and x.dtype.kind == "f" and g.flags.writeable and (g.base is None or g.strides[0:1] != (0,)):
        return g
    if isinstance(x, (tuple, list, dict)) or _is_record(x):
        if g is None:
            g = zeros_like(x)
        return _map_struct(lambda xv, gv: as_grad(gv, xv), x, g)
    if held(x):  # (an int, a bool, a string, None inside a container: held constant)
        return held_zero(x)
    if is_foreign(g) or is_foreign(x):
        return _foreign_grad(zeros_like(x) if g is None else g, x)
    if g is None:
        return zeros_like(x) if np.ndim(x) else _scalar_grad(0.0, x)
    if hasattr(x, "shape") and x.shape != ():
        g = np.asarray(g)
        dt = _float_dtype(x)
        if g.dtype.kind == "c" and dt.kind != "c":
            g = np.real(g)
        if g.shape != x.shape:
            g = np.broadcast_to(g, x.shape)
        if g.dtype != dt or not g.flags.writeable or g.base is not None and g.strides[0:1] == (0,):
            g = np.array(g, dtype=dt)
        return g
    return _scalar_grad(g, x)


def _scalar_grad(g: Any, x: Any) -> Any:
    """The gradient of a scalar ``x``, of ``x``'s kind: a Python float for a float (NumPy's float64
    included), a Python complex for a complex, a 0-d array for a 0-d array, a NumPy scalar of ``x``'s
    inexact dtype for another NumPy scalar, a float for an int.  A real input's cotangent is the real
    part of ``g``; a complex input's is complex even when ``g`` is real (docs/complex-numbers.md)."""
    if np.iscomplexobj(g) and not np.iscomplexobj(x):
        g = np.real(g)
    if isinstance(x, np.ndarray):  # 0-d array in, 0-d array out
        return np.array(g, dtype=_float_dtype(x))
    if isinstance(x, float):
        return g if type(g) is float else float(g)
    if type(x) is complex:
        return g if type(g) is complex else complex(g)
    if hasattr(x, "dtype"):  # float32, complex64, complex128, integer NumPy scalars
        return _float_dtype(x).type(g)
    if isinstance(x, int) and not isinstance(x, bool):
        return float(g)
    return g


def _foreign_grad(g: Any, x: Any) -> Any:
    """``as_grad`` where ``g`` or ``x`` is another library's array: kept in ``g``'s library (a
    Dask gradient of a NumPy parameter stays lazy), broadcast to ``x``'s shape, in ``x``'s
    inexact dtype; a number ``g`` becomes an array of ``x``'s library."""
    if not is_foreign(g):  # a number or a NumPy array for another library's x
        if np.ndim(g) != 0 and namespace(x) is np:
            # a NumPy array for a Dask (CuPy) argument (a part of the gradient that did not touch
            # the argument's values, a constant): made an array of x's library, chunked like x
            g = spread(g, tuple(x.shape), x)
        elif np.ndim(g) != 0:
            raise numpy_reached(x)
        else:
            return zeros_like(x) + (g.item() if isinstance(g, np.ndarray) else g)
    xp = namespace(g)
    shape = tuple(x.shape) if hasattr(x, "shape") else ()
    if len(g.shape) != len(shape) or any(a != b and a == a for a, b in zip(g.shape, shape)):  # (nan: unknown)
        g = spread(g, shape, x if is_foreign(x) else g)
    dt = getattr(x, "dtype", None)
    if isinstance(dt, np.dtype) and dt.kind not in "fc":
        dt = np.dtype(np.float64)
    if dt is not None and g.dtype != dt and (xp is np) == isinstance(dt, np.dtype):  # (dtypes of one library)
        g = g.astype(dt) if xp is np else xp.astype(g, dt)
    return g


# ---------------------------------------------------------------- leaves held constant

def held(x: Any) -> bool:
    """A value no derivative flows from: an int, a bool, a string, None, an integer, boolean or
    string array.  A top-level argument of these kinds cannot be differentiated (ArgumentError);
    inside a list, tuple, dict or object that is, it is held constant (docs/limitations.md,
    "Values that are not floats"), as JAX holds integer leaves of a pytree."""
    if x is None or isinstance(x, (bool, int, str, bytes, np.bool_, np.integer)):
        return True
    return isinstance(x, np.ndarray) and x.dtype.kind in "biuUS"


def held_zero(x: Any) -> Any:
    """The gradient entry of a :func:`held` leaf: a zero of its own kind (``0``, ``False``,
    ``np.int64(0)``, an integer array of zeros), and None for a string or None."""
    if isinstance(x, np.ndarray):
        return np.zeros_like(x) if x.dtype.kind in "biu" else None
    if isinstance(x, np.generic):
        return x.dtype.type(0)
    if isinstance(x, bool):
        return False
    return 0 if isinstance(x, int) else None


def held_tangent(path: str, t: Any, like: Any) -> Any:
    """The tangent ``t`` of ``like`` (the argument ``path``, its structure checked already) with a
    float zero where ``like`` holds a :func:`held` leaf, whose only tangent is a zero (or None): a
    non-zero one is refused (no derivative flows from it), never added in."""
    if isinstance(like, dict) and isinstance(t, dict):
        return {k: held_tangent(f"{path}[{k!r}]", t[k], v) for k, v in like.items()}
    if isinstance(like, (tuple, list)) and isinstance(t, (tuple, list)):
        items = [held_tangent(f"{path}[{i}]", tv, lv) for i, (lv, tv) in enumerate(zip(like, t))]
        return type(t)(*items) if hasattr(t, "_fields") else type(t)(items)
    if _is_record(like) and _is_record(t):
        out = copy.copy(t)
        for f in _fields(like):
            object.__setattr__(out, f, held_tangent(f"{path}.{f}", getattr(t, f), getattr(like, f)))
        return out
    if isinstance(like, (np.ndarray, np.generic)) and isinstance(t, (list, tuple)):
        t = np.asarray(t)  # (a list standing for an array: what NumPy makes of it, its shape checked already)
    if not held(like):
        return t
    try:
        zero = t is None or not np.any(np.asarray(t) != 0)
    except (TypeError, ValueError):
        zero = False
    if not zero:
        from .markers import user_error

        raise user_error("ArgumentError",
                         f"the tangent of {path} is {t!r}, but {path} is {type(like).__name__} {like!r}: ints, bools, "
                         "strings and None inside an argument are held constant (no derivative flows from them)",
                         f"pass 0 (or None) as the tangent of {path}, or make it a float to differentiate with "
                         "respect to it")
    return zeros_like(like)


def hessian_argument(x: Any, name: str, what: str, hvp: str, more: str = "") -> None:
    """Refuse, before ``what`` (``tl.hessian``, or a file's ``f_hessian``) builds a Hessian with respect
    to ``x`` (the argument ``name``), anything but a float or a float array of NumPy (a dict, a list, an
    integer array, another library's array), naming what to use instead: ``hvp``, the Hessian-vector
    products, which take structured values (``more``: other ways)."""
    if namespace(x) is not np:  # (Dask and CuPy arrays: NumPy dispatches to them)
        raise user_error("ArgumentError", f"{what} builds the Hessian with NumPy; '{name}' is a "
                         f"{type(x).__module__}.{type(x).__name__}",
                         f"pass NumPy arrays (np.asarray({name})), or use {hvp} (Hessian-vector products), which keeps "
                         "the array's library")
    dtype = getattr(x, "dtype", None)
    if isinstance(x, (float, int, complex, np.inexact)) or isinstance(dtype, np.dtype) and dtype.kind in "fc":
        return
    if isinstance(dtype, np.dtype) and dtype.kind in "iub":
        raise user_error("ArgumentError", f"{what} differentiates with respect to a float or a float array; '{name}' "
                         f"is a {dtype} array", f"pass floats: {name}.astype(float) (or np.array([...], dtype=float))")
    raise user_error("ArgumentError", f"{what} differentiates with respect to a float or a float array; '{name}' is a "
                     f"{type(x).__name__}", f"pass the parameters of '{name}' as one flat array (np.concatenate), or "
                     f"use {hvp}{more} for structured parameters")
