"""SciPy for the rules of ``rules/scipy_special.py`` (``_tl.special``: the functions of
``scipy.special`` as imported, or None without SciPy: those rules are then not registered), and the pieces of
``scipy.special.logsumexp``'s rule.

``logsumexp(a, axis, b, keepdims, return_sign)`` is ``log|s|`` with ``s = sum(b exp(a))`` along
``axis`` (``b`` broadcasts with ``a``; without ``b`` it is 1).  Its partial derivatives are
``d/da = b exp(a) / s = sign b exp(a - value)`` and ``d/db = sign exp(a - value)``, the value and
sign put back along the reduced axes.  With ``return_sign=True`` the result is ``(value, sign)``:
the sign is piecewise constant (its tangent is 0, its cotangent is dropped).  Without it, a
negative sum gives NaN, and so do its derivatives."""

from __future__ import annotations

import types
from typing import Any

import numpy as np

from .blocks import axes_of, entry_or_zero, expand_reduced
from .library import is_foreign, namespace, summed, zeros_of


def scipy_module(name: str) -> Any:
    """``scipy.<name>`` (``scipy_module("linalg")``) when SciPy is installed, else None: SciPy is never a
    hard dependency (the rules that need it are then not registered, rules/__init__.py)."""
    try:
        return __import__(f"scipy.{name}", fromlist=["_"])
    except ImportError:  # pragma: no cover - SciPy is optional
        return None


def _scipy_special() -> Any:
    """scipy.special's functions as they are when tangent_lite is imported: a rule's formula
    (``_tl.special.digamma`` in gammaln's) keeps meaning SciPy's function when a user rebinds the name
    in scipy.special (``sp.digamma = ...``)."""
    module = scipy_module("special")
    if module is None:  # pragma: no cover - SciPy is optional
        return None
    return types.SimpleNamespace(**{k: v for k, v in vars(module).items() if not k.startswith("_") and callable(v)})


special = _scipy_special()


def _summed_shape(a: Any, b: Any) -> tuple:
    """The shape SciPy sums over: ``a``'s and ``b``'s broadcast together."""
    return np.broadcast_shapes(np.shape(a), np.shape(b))


def logsumexp_scale(out: Any, a: Any, axis: Any = None, b: Any = None, keepdims: Any = False,
                    return_sign: Any = False) -> Any:
    """d logsumexp / d b = sign exp(a - value), shaped like ``a`` and ``b`` broadcast (``out``:
    logsumexp's result)."""
    shape = _summed_shape(a, b)
    axes = axes_of(axis, len(shape))
    xp = namespace(a)  # (an array-API array: its own exp)
    if return_sign:
        value = expand_reduced(out[0], shape, axes, keepdims)
        return expand_reduced(out[1], shape, axes, keepdims) * xp.exp(a - value)
    return xp.exp(a - expand_reduced(out, shape, axes, keepdims))


def logsumexp_weights(out: Any, a: Any, axis: Any = None, b: Any = None, keepdims: Any = False,
                      return_sign: Any = False) -> Any:
    """d logsumexp / d a = sign b exp(a - value) (exp(a - value) without ``b``)."""
    scale = logsumexp_scale(out, a, axis, b, keepdims, return_sign)
    if b is None:
        return scale
    return b * scale


def logsumexp_tangent(t: Any, out: Any, a: Any, axis: Any = None, b: Any = None, keepdims: Any = False,
                      return_sign: Any = False) -> Any:
    """The tangent of logsumexp's result from ``t`` = partial derivative times an input's tangent:
    ``t`` summed along the reduced axes (and a zero tangent of the sign with ``return_sign``)."""
    value_dot = summed(t, axis=axes_of(axis, len(_summed_shape(a, b))), keepdims=keepdims)
    if return_sign:
        return (value_dot, zeros_of(np.shape(out[1]), value_dot))
    return value_dot


def logsumexp_spread(g: Any, out: Any, a: Any, axis: Any = None, b: Any = None, keepdims: Any = False,
                     return_sign: Any = False) -> Any:
    """The cotangent of logsumexp's value put back along the reduced axes (with ``return_sign``,
    entry 0 of ``g``: the sign's cotangent carries no derivative)."""
    shape = _summed_shape(a, b)
    if return_sign:
        g = entry_or_zero(g, 0, out[0])
    xp = namespace(a)
    if xp is not np and not is_foreign(g):  # a number (the seed 1.0) with an array-API array: one of its library
        g = xp.asarray(g, dtype=a.dtype)
    return expand_reduced(g, shape, axes_of(axis, len(shape)), keepdims)
