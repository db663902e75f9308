"""Derivatives that build or take apart lists and tuples: ``np.array(obj)``, ``list(it)``,
``a + b`` and ``a * n`` of sequences, comprehensions' appends, the builtin ``sum``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .broadcast import real_cotangent, unbroadcast
from .values import _float_dtype, add, zeros_like


def array_tangent(t: Any, ans: Any) -> Any:
    """Tangent of ``np.array(obj)``: the tangents of obj's entries stacked the same way."""
    return np.array(t, dtype=_float_dtype(ans))


def array_bar(g: Any, obj: Any) -> Any:
    """Cotangent of ``obj`` in ``np.array(obj)``: split ``g`` back into obj's structure."""
    if isinstance(obj, (list, tuple)):
        return type(obj)(array_bar(g[i], v) for i, v in enumerate(obj))
    return real_cotangent(g, obj)


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


def builtin_sum_bar(g: Any, x: Any) -> Any:
    """Cotangent of ``x`` in the builtin ``sum(x)`` (a sequence, or an array summed over rows)."""
    if isinstance(x, (list, tuple)):
        return type(x)(unbroadcast(g, v) for v in x)
    return np.broadcast_to(g, np.shape(x))
