"""Strong zeros at singular points: products, ratios and powers whose zero seeds stay zero.

(rules of numpy.py, numpy_more.py, operators.py and pymath.py; their own rules are in
rules/singular.py, so generated code that calls them can be differentiated again)

The convention (docs/custom-rules.md, "Conventions at non-smooth points"): a zero seed (a
cotangent or a tangent) times an infinite or NaN local partial derivative contributes
exactly 0.  The branch ``np.where`` selects away gets a zero cotangent, and IEEE's
0 * inf = NaN would otherwise poison it (``np.where(x > 0, np.sqrt(x), 0.0)`` at x <= 0).
Arrays: the plain product or ratio, one read-only reduction that finds a NaN if there is
one, and only then a pass that puts the zeros back; no reduction at all when one operand
is a nonzero finite number (a seed kept as a number: nothing can need a zero then).  Python
numbers: a conditional, and IEEE infinities where Python raises ZeroDivisionError.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .library import inexact, is_foreign, is_zero, namespace, numpy_reached, zeros_of


def nan_free(r: Any) -> bool:
    """Has ``r`` (a number or an array just computed) no NaN?  For a float array, one read-only
    pass: ``r . r`` is NaN exactly when an entry is (squares are never -inf); for large arrays
    the sum, which is NaN when an entry is (or when both +inf and -inf are: the caller then
    takes its exact path for nothing), because BLAS would use threads for the dot product."""
    if type(r) is np.ndarray:
        kind = r.dtype.kind
        if kind == "f":
            v = r.ravel(order="K")  # a view for any array a ufunc returns
            s = v.dot(v) if v.size <= 8192 else np.add.reduce(v)
            return bool(s == s)
        if kind == "c":
            return not np.isnan(r).any()
        return True
    if isinstance(r, np.ndarray):  # a subclass (np.matrix, ...)
        return nan_free(np.asarray(r))
    if is_foreign(r):  # another library's array: never computed (it may be lazy) to take a short cut
        return False
    return bool(r == r)


def nonzero_number(v: Any) -> bool:
    """Is ``v`` a number (not an array) other than 0, +-inf and NaN?  A product or ratio with
    such a factor is NaN only where the other operand is NaN, and no zero excuses that: the
    strong-zero helpers then skip their check (the common case of a seed kept as a number)."""
    t = type(v)
    if t is float or t is int or t is np.float64:
        return v != 0 and v - v == 0
    return isinstance(v, np.generic) and bool(v != 0 and v - v == 0)


def zeros_where(r: Any, zero: Any) -> Any:
    """``r`` with exact zeros where the boolean ``zero`` holds (a number stays a number)."""
    if isinstance(r, np.ndarray):
        return np.where(zero, r.dtype.type(0), r)
    if is_foreign(r):
        xp = namespace(r)
        return xp.where(zero, xp.zeros_like(r), r)
    return type(r)(0) if zero else r


def ieee_divide(a: Any, b: Any) -> float:
    """``a / b`` for Python numbers as IEEE arithmetic has it (+-inf or NaN for ``b == 0``),
    where Python raises ZeroDivisionError."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.divide(float(a), float(b)))


def strong_mul(a: Any, b: Any) -> Any:
    """``a * b`` with strong zeros: exactly 0 wherever ``a == 0`` or ``b == 0``, whatever the
    other factor is there (inf, NaN).  ``a`` is a seed (cotangent or tangent), ``b`` a local
    partial derivative that may be infinite or NaN at a finite input."""
    if (type(a) is float or type(a) is int) and (type(b) is float or type(b) is int):
        return 0.0 if a == 0 or b == 0 else a * b
    a = uniform_value(a, b)
    try:
        r = a * b
    except TypeError:
        if type(b) is np.ndarray and namespace(a) is not np:  # (an array-API tangent, NumPy partials)
            raise numpy_reached(a) from None
        raise
    if nonzero_number(a) or nonzero_number(b) or nan_free(r):
        return r
    if is_foreign(r):
        return zeros_where(r, is_zero(a) | is_zero(b))
    return zeros_where(r, np.logical_or(np.equal(a, 0), np.equal(b, 0)))


def strong_zero(r: Any, g: Any) -> Any:
    """``r`` (a contribution computed from the seed ``g`` of an elementwise function) with exact
    zeros where ``g == 0``: the function's input may be infinite or NaN there (the branch an
    ``np.where`` selects away), and a zero seed times any partial derivative contributes 0."""
    if nonzero_number(g) or nan_free(r) or np.shape(r) != np.shape(g):
        return r
    return zeros_where(r, is_zero(g))


def strong_div(a: Any, b: Any) -> Any:
    """``a / b`` with a strong zero: exactly 0 wherever ``a == 0``, whatever ``b`` is there (0, inf,
    NaN); +-inf where only ``b`` is 0, for Python numbers too (which would raise
    ZeroDivisionError).  ``a`` is a seed (times finite factors), ``b`` the denominator of a local
    partial derivative (``g / x`` for ``log``, ``g * 0.5 / sqrt(x)`` for ``sqrt``)."""
    if (type(a) is float or type(a) is int) and (type(b) is float or type(b) is int):
        if a == 0:
            return 0.0
        return a / b if b != 0 else ieee_divide(a, b)
    a = uniform_value(a, b)
    r = a / b
    if nonzero_number(a) or nonzero_number(b) or nan_free(r):
        return r
    return zeros_where(r, is_zero(a))


def power(x: Any, p: Any) -> Any:
    """``x ** p`` with IEEE results for Python numbers too: inf for ``0.0 ** -1`` (Python raises
    ZeroDivisionError), inf on overflow (OverflowError), NaN for a negative base with a
    fractional exponent (Python gives a complex number).  Integer arrays are raised as floats
    (NumPy refuses integers to negative powers)."""
    if (type(x) is float or type(x) is int) and (type(p) is float or type(p) is int):
        try:
            r = x ** p
        except (ZeroDivisionError, OverflowError):
            r = None
        if r is not None and type(r) is not complex:
            return r
        with np.errstate(all="ignore"):
            return float(np.power(float(x), float(p)))
    if isinstance(x, (np.ndarray, np.integer)) and x.dtype.kind in "biu":
        x = np.asarray(x, dtype=float)
    elif is_foreign(x):
        x = inexact(x)
    return x ** p


def uniform_value(g: Any, like: Any) -> Any:
    """The one value of ``g`` when ``g`` is a stride-0 view of it spread over ``like``'s shape (the
    adjoint ``_tl.sum_bar`` gives a large summed array), else ``g`` itself."""
    if type(g) is np.ndarray and g.ndim and not any(g.strides) and g.size \
            and g.shape == (like.shape if type(like) is np.ndarray else np.shape(like)):
        return g[(0,) * g.ndim]
    return g


def pow_base_bar(g: Any, x: Any, y: Any) -> Any:
    """``g * y * x ** (y - 1)``: what the seed ``g`` of ``x ** y`` gives ``x`` (a cotangent or a
    tangent, before any unbroadcast).  Strong zeros: exactly 0 where ``g == 0`` or ``y == 0``
    (``x ** 0`` is constant), whatever ``x ** (y - 1)`` is there (inf at ``x == 0`` for ``y < 1``,
    NaN for a negative base with a fractional exponent); IEEE values for Python numbers (see
    :func:`power`).  ``x ** 2`` with a spread-out seed costs one pass, as ``x * (2 * g)``."""
    if (type(g) is float or type(g) is int) and (type(x) is float or type(x) is int) \
            and (type(y) is float or type(y) is int):
        return 0.0 if g == 0 or y == 0 else g * y * power(x, y - 1)
    gy = uniform_value(g, x) * y
    if (type(y) is int or type(y) is float) and y == 0:  # x ** 0 is constant: x ** -1 is not computed
        if not (np.ndim(gy) or np.ndim(x)):
            return 0.0
        return zeros_of(np.broadcast_shapes(np.shape(gy), np.shape(x)), gy if is_foreign(gy) else x)
    with np.errstate(divide="ignore", invalid="ignore"):  # (inf or NaN where the seed is 0: strong zeros below)
        r = gy * (x if (type(y) is int or type(y) is float) and y == 2 else power(x, y - 1))
    if nonzero_number(gy) or nan_free(r):
        return r
    return zeros_where(r, is_zero(gy))
