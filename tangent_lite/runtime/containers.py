"""Derivatives that build or take apart lists and tuples: ``np.array(obj)``, ``list(it)``,
``a + b`` and ``a * n`` of sequences, comprehensions' appends, the builtin ``sum``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .broadcast import real_cotangent, unbroadcast
from .markers import user_error
from .values import _float_dtype, add, zeros_like


def array_tangent(t: Any, ans: Any) -> Any:
    """Tangent of ``np.array(obj)``: the tangents of obj's entries stacked the same way.  ``ans`` a
    list or tuple: nothing was stacked (``_tl.listed_array`` left a list a list), nor is ``t``."""
    if isinstance(ans, (list, tuple)):
        return type(ans)(t)
    return np.array(t, dtype=_float_dtype(ans))


def array_bar(g: Any, obj: Any) -> Any:
    """Cotangent of ``obj`` in ``np.array(obj)``: split ``g`` back into obj's structure."""
    if isinstance(obj, (list, tuple)):
        return type(obj)(array_bar(g[i], v) for i, v in enumerate(obj))
    return real_cotangent(g, obj)


def listed_array(x: Any, like: Any = None) -> Any:
    """What NumPy reads a list or tuple ``x`` as: ``np.asarray(x)``; ``x`` itself otherwise (an array of
    any library, a number).  Generated code reads so a variable that may hold a list where NumPy takes
    an array: an argument of a NumPy or SciPy function with rules, an operand of an array operator.
    ``like``: the other operand of an operator (``L * like``), given when it is not known before the
    code runs whether NumPy computes it: a list stays a list unless ``like`` is an array (a list and
    a Python number: Python's own ``L * n`` repeats it, ``L + 1.0`` fails)."""
    if not isinstance(x, (list, tuple)):
        return x
    if like is None:
        return np.asarray(x)
    integer = np.ndim(like) == 0 and np.asarray(like).dtype.kind in "biu"  # (L * np.int64(2) repeats L)
    return np.asarray(x) if isinstance(like, (np.ndarray, np.generic)) and not integer else x


def sequence_bar(h: Any, iterable: Any) -> Any:
    """Cotangent of ``iterable`` in ``list(iterable)``: back to a tuple, list or array."""
    if isinstance(iterable, tuple):
        return tuple(h)
    if isinstance(iterable, list):
        return list(h)
    return array_tangent(h, iterable)


def seq_concat(a: Any, b: Any) -> Any:
    """``a + b``: lists and tuples concatenate (numbers and arrays add)."""
    return a + b


def seq_repeat(a: Any, n: int) -> Any:
    """``a * n``: a list or tuple repeated ``n`` times (numbers and arrays multiply)."""
    return a * n


def concat_part(g: Any, a: Any, b: Any, which: int) -> Any:
    """Cotangent of ``a`` (``which`` 0) or ``b`` (1) in ``a + b``: its entries of ``g`` when the
    two are lists or tuples (in their container type), else as for a sum."""
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        part = g[:len(a)] if which == 0 else g[len(a):]
        like = a if which == 0 else b
        return type(like)(part) if isinstance(like, tuple) and not hasattr(like, "_fields") else list(part) \
            if isinstance(like, list) else part
    return unbroadcast(g, a if which == 0 else b)


def seq_repeat_bar(g: Any, a: Any, n: int) -> Any:
    """Cotangent of ``a`` in ``a * n``: the ``n`` chunks of ``g`` added entrywise (lists and
    tuples), or ``g * n`` (numbers and arrays)."""
    if isinstance(a, (list, tuple)):
        k = len(a)
        out = [zeros_like(v) for v in a]
        for j in range(n):
            out = [add(o, e) for o, e in zip(out, g[j * k:(j + 1) * k])]
        return type(a)(out) if isinstance(a, tuple) else out
    return unbroadcast(g * n, a)


def append(lst: Any, item: Any) -> list:
    """``lst + [item]`` without touching ``lst``: how comprehensions build their lists."""
    return list(lst) + [item]


def sorted_positions(keys: Any) -> list:
    """The positions of ``keys`` in the order Python's ``sorted`` puts them (stable; tuples
    compared item by item): the written-out ``sorted(xs, key=f)``."""
    return sorted(range(len(keys)), key=keys.__getitem__)


def builtin_sum_bar(g: Any, x: Any) -> Any:
    """Cotangent of ``x`` in the builtin ``sum(x)`` (a sequence, or an array summed over rows)."""
    if isinstance(x, (list, tuple)):
        return type(x)(unbroadcast(g, v) for v in x)
    return np.broadcast_to(g, np.shape(x))


def copy_value(x: Any) -> Any:
    """``x.copy()`` of a value whose type the generated code was not specialised to: a list, dict
    or set gets its shallow copy (its items shared, as Python's method does), anything else
    NumPy's ``np.copy`` (an array, a number; another library's array its own ``.copy()``)."""
    if isinstance(x, (list, dict, set)):
        return type(x)(x) if type(x) in (list, dict, set) else x.copy()
    if isinstance(x, np.ndarray) or not hasattr(x, "copy"):
        return np.copy(x)
    return x.copy()


def dict_like(t: Any, d: Any) -> dict:
    """The derivative of ``dict(d)``, a new dict of ``d``'s entries, from that of ``d`` (``t``: a
    tangent or cotangent): a new dict of its entries.  ``dict(pairs)`` of pairs that carry
    derivatives is refused (their derivatives are not a dict)."""
    if not isinstance(d, dict):
        raise user_error("UnsupportedConstructError",
                         f"dict(...) of a {type(d).__name__} that carries derivatives is differentiated for a "
                         "dict only (dict(d): its copy)",
                         "build the dict with a literal {'k': v, ...} or dict(k=v, ...)")
    return dict(t)


def _merge_operands(a: Any, b: Any) -> bool:
    """Are ``a`` and ``b`` of ``a | b`` (or ``{**a, **b}``) dicts, whose entries carry derivatives?
    Integers, booleans and their arrays carry none; anything else ``|`` would be a user's
    operator, whose derivatives are not known: refused."""
    if isinstance(a, dict) and isinstance(b, dict):
        return True
    for v in (a, b):
        kind = getattr(getattr(v, "dtype", None), "kind", None)
        if not (isinstance(v, (bool, int, np.integer, np.bool_)) or kind in ("b", "i", "u") or v is None):
            raise user_error("UnsupportedConstructError",
                             f"'a | b' of a {type(a).__name__} and a {type(b).__name__} that carry derivatives is "
                             "differentiated for dicts only (d | {...} merges them)",
                             "merge dicts, or compute the value with arithmetic the derivatives can follow")
    return False


def merge_or(a: Any, b: Any) -> Any:
    """``a | b``: two dicts merge (``b``'s entries win), integers and booleans or bitwise."""
    return a | b


def merge_tangent(t: Any, a: Any, b: Any, which: int) -> Any:
    """Derivative of ``a | b`` (a dict merge) from that of ``a`` (``which`` 0) or ``b`` (1), ``t``:
    its entries where that operand's key wins, zeros elsewhere; None (no derivative) when the
    operands are no dicts (bitwise or of integers and booleans)."""
    if not _merge_operands(a, b):
        return None
    if t is None:
        t = zeros_like(a if which == 0 else b)
    out = {}
    for k in {**a, **b}:
        wins = (k not in b) if which == 0 else (k in b)
        out[k] = t[k] if wins and k in t else zeros_like(b[k] if k in b else a[k])
    return out


def merge_bar(g: Any, a: Any, b: Any, which: int) -> Any:
    """Cotangent of ``a`` (``which`` 0) or ``b`` (1) in the dict merge ``a | b`` from that of the
    result ``g``: the entries of ``g`` under the keys the operand won, zeros under the others
    (a key missing from ``g`` is zero)."""
    if not _merge_operands(a, b):
        return None
    like = a if which == 0 else b
    out = {}
    for k in like:
        wins = (k not in b) if which == 0 else True
        out[k] = g[k] if wins and g is not None and k in g and g[k] is not None else zeros_like(like[k])
    return out
