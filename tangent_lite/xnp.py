"""NumPy's names on any array library: what derivative code of array-API functions calls.

Derivative rules are written with NumPy's names (``np.cos``, ``np.where``, ``np.arccos``,
``np.swapaxes``).  In a function written against the array API standard
(``xp = array_namespace(x)``) the generated code binds those rules' ``np`` to this module, so
that each call computes in the library of its array arguments: NumPy arrays and numbers go to
NumPy itself (one type test more), Dask and CuPy arrays to NumPy too (it dispatches to them),
and any other array to its own namespace under the standard's name (:data:`STANDARD_NAMES`,
read backwards).  Nothing is converted to NumPy behind the user's back: a name the standard
lacks is refused for such arrays, not computed by NumPy.

``STANDARD_NAMES`` is also how the compiler reads ``xp.<name>`` in user code: the standard's
name, then NumPy's function of that name, whose rules apply.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Dict

import numpy as np

from .runtime.library import is_foreign, namespace

# the standard's names that NumPy spells otherwise (NumPy 2 has most of them as aliases of the
# same function; they are listed for NumPy 2.0, where some are missing, and for the reverse
# direction: NumPy's name -> the standard's, which derivative rules need)
STANDARD_NAMES: Dict[str, str] = {
    "acos": "arccos", "acosh": "arccosh", "asin": "arcsin", "asinh": "arcsinh", "atan": "arctan",
    "atanh": "arctanh", "atan2": "arctan2", "pow": "power", "concat": "concatenate",
    "permute_dims": "transpose", "bitwise_invert": "invert", "bitwise_left_shift": "left_shift",
    "bitwise_right_shift": "right_shift",
}
_TO_STANDARD = {v: k for k, v in STANDARD_NAMES.items()}

# The standard's functions whose derivatives are verified on array-api-strict arrays (and PyTorch's
# through array_api_compat), both modes, against the same function on NumPy arrays
# (tests/test_array_api.py::test_verified_function).  ``xp.<name>`` for any other name is refused
# on such arrays, at the call (runtime.markers.verified_only); on NumPy and Dask arrays it runs
# NumPy's rules as always.
VERIFIED: Dict[str, str] = {  # name -> what the test calls
    # elementwise
    "add": "xp.add(x, 2.0 * x)", "subtract": "xp.subtract(x, x * x)", "multiply": "xp.multiply(x, x)",
    "divide": "xp.divide(x, 2.0 + x * x)", "negative": "xp.negative(x)", "exp": "xp.exp(x)",
    "log": "xp.log(x)", "log1p": "xp.log1p(x)",
    "sqrt": "xp.sqrt(x)", "tanh": "xp.tanh(x)", "sin": "xp.sin(x)", "cos": "xp.cos(x)",
    "acos": "xp.acos(x * 0.1)", "asin": "xp.asin(x * 0.1)", "atan": "xp.atan(x)", "asinh": "xp.asinh(x)",
    "atan2": "xp.atan2(x, 2.0 + x * x)", "logaddexp": "xp.logaddexp(x, 2.0 * x)", "sign": "xp.sign(x) * x",
    "pow": "xp.pow(x, 3.0)", "abs": "xp.abs(x - 1.0)", "maximum": "xp.maximum(x, 1.0)",
    "minimum": "xp.minimum(x, 1.0)", "where": "xp.where(x > 0.5, x, 0.1 * x)",
    # reductions
    "sum": "xp.sum(x, axis=0, keepdims=True)", "mean": "xp.mean(x, axis=1)",
    "max": "xp.max(x * x, axis=1)[0:1] + xp.max(x, axis=0, keepdims=True)", "min": "xp.min(x, axis=0) * xp.min(x)",
    "astype": "xp.astype(x * x, x.dtype) + xp.astype(x > 1.0, x.dtype) * x",
    # shapes
    "reshape": "xp.reshape(x, (3, 4))", "permute_dims": "xp.permute_dims(x, (1, 0))",
    "concat": "xp.concat([x, x * x], axis=0)", "broadcast_to": "xp.broadcast_to(x[0:1, :], (4, 3))",
    "expand_dims": "xp.expand_dims(x, axis=0)", "squeeze": "xp.squeeze(x[0:1, :], axis=0)",
    # linear algebra
    "matmul": "xp.matmul(x, xp.permute_dims(x, (1, 0)))", "inv": "xp.linalg.inv(x[0:2, 0:2] + 3.0)",
}
# reductions: the standard takes their options by keyword only (NumPy: (a, axis, dtype, out, keepdims))
_REDUCTIONS = {
    "sum": ("axis", "dtype", "out", "keepdims"), "prod": ("axis", "dtype", "out", "keepdims"),
    "mean": ("axis", "dtype", "out", "keepdims"), "max": ("axis", "out", "keepdims"),
    "min": ("axis", "out", "keepdims"), "std": ("axis", "dtype", "out", "ddof", "keepdims"),
    "var": ("axis", "dtype", "out", "ddof", "keepdims"), "cumulative_sum": ("axis", "dtype"),
    "any": ("axis", "out", "keepdims"), "all": ("axis", "out", "keepdims"),
}


def numpy_function(name: str, module: Any = np) -> Any:
    """NumPy's function for the standard's ``name`` (None: NumPy has none)."""
    return getattr(module, name, None) or getattr(module, STANDARD_NAMES.get(name, name), None)


def _foreign_arg(args: tuple, kwargs: dict) -> Any:
    for a in args + tuple(kwargs.values()):
        if is_foreign(a):
            return a
        if type(a) is list or type(a) is tuple:
            for b in a:
                if is_foreign(b):
                    return b
    return None


def _swapaxes(xp: Any, x: Any, a: int, b: int) -> Any:
    axes = list(range(x.ndim))
    axes[a], axes[b] = axes[b], axes[a]
    return xp.permute_dims(x, tuple(axes))


def _transpose(xp: Any, x: Any, axes: Any = None) -> Any:
    return xp.permute_dims(x, tuple(range(x.ndim))[::-1] if axes is None else tuple(axes))


def _moveaxis(xp: Any, x: Any, source: Any, destination: Any) -> Any:
    return xp.moveaxis(x, source, destination)


_ADAPTED: Dict[str, Callable] = {  # NumPy functions the standard has under another form
    "swapaxes": _swapaxes, "transpose": _transpose, "moveaxis": _moveaxis,
    "shape": lambda xp, x: tuple(x.shape), "ndim": lambda xp, x: x.ndim,
    "size": lambda xp, x: math.prod(x.shape),
    "zeros_like": lambda xp, x, dtype=None, shape=None: xp.zeros(x.shape if shape is None else shape,
                                                                  dtype=dtype or x.dtype, device=x.device),
    "copy": lambda xp, x: xp.asarray(x, copy=True),
}


def _in(xp: Any, name: str, args: tuple, kwargs: dict) -> Any:
    if name in _ADAPTED:
        return _ADAPTED[name](xp, *args, **kwargs)
    std = _TO_STANDARD.get(name, name)
    fn = getattr(xp, std, None)
    if fn is None:
        raise TypeError(f"tangent_lite: the derivative needs 'np.{name}', which the array namespace "
                        f"'{getattr(xp, '__name__', xp)}' does not have (it is not in the array API standard); "
                        "register a rule written with the standard's functions, or use NumPy arrays")
    if name in _REDUCTIONS and len(args) > 1:
        kwargs = {**dict(zip(_REDUCTIONS[name], args[1:])), **kwargs}
        args = args[:1]
    if kwargs.get("out", 0) is None:
        kwargs = {k: v for k, v in kwargs.items() if k != "out"}
    return fn(*args, **kwargs)


def _dispatcher(name: str, module: Any = np) -> Callable:
    np_fn = getattr(module, name)

    def call(*args: Any, **kwargs: Any) -> Any:
        arr = _foreign_arg(args, kwargs)
        if arr is None:
            return np_fn(*args, **kwargs)
        xp = namespace(arr)
        if xp is np:  # Dask, CuPy: NumPy dispatches to them
            return np_fn(*args, **kwargs)
        return _in(xp.linalg if module is np.linalg else xp, name, args, kwargs)

    call.__name__ = call.__qualname__ = name
    call.__tl_numpy__ = np_fn  # whose rules a call of it has (derivative code differentiated again)
    call.__doc__ = f"np.{name} computed in its array arguments' library."
    return call


class _Linalg:
    """``np.linalg``'s names, likewise."""

    def __getattr__(self, name: str) -> Any:
        value = getattr(np.linalg, name)
        if callable(value) and not isinstance(value, type):
            value = _dispatcher(name, np.linalg)
        setattr(self, name, value)
        return value


linalg = _Linalg()


def __getattr__(name: str) -> Any:
    """``xnp.<name>``: a dispatcher for NumPy's function ``name`` (made once, then kept), or
    NumPy's constant or type of that name (``np.inf``, ``np.float64``)."""
    value = getattr(np, name)
    if callable(value) and not isinstance(value, type):
        value = _dispatcher(name)
    globals()[name] = value
    return value
