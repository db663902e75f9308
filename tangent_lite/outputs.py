"""What a differentiated function returns: one float scalar for ``grad`` (and ``hessian``,
``hvp``), a pair ``(value, aux)`` with ``has_aux=True``, and floats for every transformation that
seeds the output's cotangent (``vjp``, ``jacobian``): a bool or an integer output is refused, its
derivative is not a number to compute (docs/limitations.md#outputs-that-are-not-floats)."""

from __future__ import annotations

from typing import Any, Callable, Optional, Tuple

import numpy as np

from .arguments import _def_location, check_has_return
from .errors import ArgumentError, NonScalarOutputError
from .runtime import zeros_like


def check_scalar_output(fn: Callable, out: Any) -> None:
    """``grad`` differentiates a scalar: refuse None, containers and arrays with elements."""
    if out is None:
        check_has_return(fn)
        raise NonScalarOutputError(
            f"grad needs a scalar output, but '{fn.__qualname__}' returned None",
            location=_def_location(fn),
            hint="return the scalar to differentiate on every path through the function")
    if isinstance(out, (tuple, list, dict)) or np.ndim(out) != 0:
        got = f"a {type(out).__name__}" if isinstance(out, (tuple, list, dict)) else \
            f"an array of shape {np.shape(out)}"
        raise NonScalarOutputError(f"grad needs a scalar output, but '{fn.__qualname__}' returned {got}",
                                   hint=_NON_SCALAR_HINT + (_AUX_HINT if isinstance(out, tuple) else ""))
    check_float_output(fn, out)


_NON_SCALAR_HINT = "reduce it to a scalar (np.sum, a loss), or use tl.vjp / tl.jacobian for non-scalar outputs"
_AUX_HINT = "; if it returns (value, aux), pass has_aux=True: tl.grad(f, has_aux=True)"


def check_output_count(fn: Callable, outputs: int, aux: bool) -> None:
    """What ``fn``'s generated derivative found it returns (``outputs`` values: a tuple of that
    many, or one) is what a gradient of it needs: one scalar, or a pair (value, aux) with ``aux``."""
    if aux and outputs != 2:
        got = f"a tuple of {outputs}" if outputs > 1 else "one value"
        raise ArgumentError(f"has_aux=True needs '{fn.__qualname__}' to return a pair (value, aux), it returns {got}",
                            location=_def_location(fn), hint="return value, aux (a 2-tuple), or leave has_aux out")
    if not aux and outputs != 1:
        raise NonScalarOutputError(f"grad needs a scalar output, but '{fn.__qualname__}' returns a tuple of "
                                   f"{outputs}", location=_def_location(fn), hint=_NON_SCALAR_HINT + _AUX_HINT)


def check_float_output(fn: Callable, out: Any) -> None:
    """Refuse an output that is a bool or an integer (or a container of nothing else): its derivative
    would be zero wherever it is defined, a silent constant (np.allclose, a comparison, np.argmax, len)."""
    if type(out) is float or type(out) is np.ndarray and out.dtype.kind in "fc":
        return
    kind = _not_float(out)
    if kind is not None:
        raise ArgumentError(
            f"cannot differentiate '{fn.__qualname__}': it returned {kind}, not a float; a bool or an integer "
            f"has no derivative (it is piecewise constant, so its derivative would be zero wherever it exists)",
            location=_def_location(fn),
            hint="differentiate a float quantity instead (for np.allclose(a, b) or a comparison, the float it "
                 "tests: np.sum((a - b) ** 2)); keep the bool out of the differentiated function, or return it "
                 "as aux (tl.grad(f, has_aux=True)); for a constant 0 returned on some path, return 0.0")


def _not_float(out: Any) -> Optional[str]:
    """A description of ``out`` if it is a bool or an integer (a Python or NumPy scalar, an array),
    or a non-empty tuple, list or dict holding only such values; None otherwise."""
    if isinstance(out, (tuple, list, dict)):
        leaves = list(out.values() if isinstance(out, dict) else out)
        kinds = [_not_float(v) for v in leaves]
        if leaves and all(kinds):
            return f"a {type(out).__name__} of {', '.join(dict.fromkeys(kinds))}"
        return None
    if isinstance(out, (bool, np.bool_)):
        return f"a bool ({type(out).__module__}.{type(out).__name__} {out!r})".replace("builtins.", "")
    if isinstance(out, (int, np.integer)):
        return f"an integer ({type(out).__module__}.{type(out).__name__} {out!r})".replace("builtins.", "")
    dtype = getattr(out, "dtype", None)
    if isinstance(out, np.ndarray) and isinstance(dtype, np.dtype) and dtype.kind in "biu":
        return f"an array of {dtype} of shape {out.shape}"
    return None


def split_aux(fn: Callable, out: Any) -> Tuple[Any, Any]:
    """``(value, aux)`` of what ``fn`` returned for a transformation with ``has_aux=True``, or a clear error."""
    if not isinstance(out, tuple) or len(out) != 2:
        got = f"a {type(out).__name__} of length {len(out)}" if isinstance(out, (tuple, list)) else \
            f"a {type(out).__name__}"
        raise ArgumentError(f"has_aux=True needs '{fn.__qualname__}' to return a pair (value, aux), got {got}",
                            hint="return value, aux (a 2-tuple), or leave has_aux out")
    return out


def with_aux(fn: Callable, pair: Any, pullback: Callable) -> Tuple[Any, Callable, Any]:
    """``(out, pullback of out, aux)`` from the vjp of ``fn`` returning ``(out, aux)``: the cotangent
    of ``aux`` is zero (it is not differentiated)."""
    out, aux = split_aux(fn, pair)
    check_float_output(fn, out)
    zero = zeros_like(aux)
    return out, lambda cotangent: pullback((cotangent, zero)), aux


def tangent_like(tangent: Any, out: Any) -> Any:
    """The output tangent of ``tl.jvp`` in the float dtype of the output it belongs to (entrywise
    through tuples, lists and dicts): float32 in, float32 out, as NumPy computes the value, however
    a rule computed it (a float64 mask or constant): reverse mode casts likewise, to the arguments'
    dtypes (runtime.as_grad).  NumPy values only; a batched tangent (a leading axis) too."""
    if isinstance(out, (tuple, list)) and isinstance(tangent, (tuple, list)) and len(out) == len(tangent):
        fixed = [tangent_like(t, o) for t, o in zip(tangent, out)]
        return fixed if type(tangent) is list else (type(tangent)(*fixed) if hasattr(tangent, "_fields")
                                                    else tuple(fixed))
    if isinstance(out, dict) and isinstance(tangent, dict):
        return {k: tangent_like(t, out[k]) if k in out else t for k, t in tangent.items()}
    if not isinstance(out, (np.ndarray, np.generic)) or out.dtype.kind not in "fc" \
            or not isinstance(tangent, (float, complex, np.ndarray, np.generic)):
        return tangent
    kind = np.result_type(tangent).kind
    want = out.dtype if kind == out.dtype.kind else np.finfo(out.dtype).dtype if kind == "f" else None
    if want is None or np.result_type(tangent) == want:
        return tangent
    return np.asarray(tangent).astype(want) if isinstance(tangent, np.ndarray) else want.type(tangent)
