"""Reading and writing parts of values: the adjoints of ``x[index]`` and ``x.name``, and the
functional forms and adjoints of in-place writes ``x[index] = v`` (slices of lists included,
which may change the list's length).
"""

from __future__ import annotations

import dataclasses
from typing import Any, List, Tuple

import numpy as np

from .broadcast import unbroadcast
from .library import is_foreign, zeros_of
from .values import _float_dtype, add, zeros_like

# ---------------------------------------------------------------- reading items and attributes


def getitem_bar(g: Any, x: Any, index: Any) -> Any:
    """Adjoint of ``x[index]``: zeros shaped like ``x`` with ``g`` added at ``index``."""
    if isinstance(x, range):  # (a loop's range, differentiated again: indexed like its zero tangent)
        x = zeros_like(x)
    if isinstance(x, dict):
        out_d = zeros_like(x)
        out_d[index] = g
        return out_d
    if isinstance(x, (list, tuple)):
        out: List[Any] = [zeros_like(v) for v in x]
        if isinstance(index, slice):
            for i, v in zip(range(*index.indices(len(x))), g):
                out[i] = v
        else:
            out[index] = g
        if isinstance(x, tuple) and hasattr(x, "_fields"):
            return type(x)(*out)
        return type(x)(out) if isinstance(x, tuple) else out
    if is_foreign(x) or is_foreign(g):
        return _foreign_getitem_bar(g, x, index)
    out_arr = np.zeros(np.shape(x), dtype=_float_dtype(x))
    if _basic_index(index):
        out_arr[index] += g  # no repeated entries: plain in-place add
    else:
        np.add.at(out_arr, index, g)
    return out_arr


def _foreign_getitem_bar(g: Any, x: Any, index: Any) -> Any:
    """``getitem_bar`` in the library of ``x`` or ``g`` (Dask, an array-API array): ``g`` written at
    ``index`` into zeros of that library (``.at[index].set`` where arrays are immutable, as in JAX)."""
    if not _basic_index(index):
        raise TypeError("tangent_lite: the adjoint of indexing with an array index (which may select an entry "
                        f"twice) is computed with NumPy only, and this is a {type(x).__name__}: index with slices "
                        "and integers, or use xp.take")
    out = zeros_of(np.shape(x), x if is_foreign(x) else g)
    if hasattr(out, "at"):
        return out.at[index].set(g)
    out[index] = g
    return out


def _basic_index(index: Any) -> bool:
    """An index of ints, slices, None and Ellipsis (it cannot select an entry twice)."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(p is None or p is Ellipsis or isinstance(p, (int, np.integer, slice)) for p in parts)


def add_item(bar: Any, index: Any, g: Any) -> Any:
    """``bar`` (an adjoint list, dict or array nothing else holds) with ``g`` added to its item
    ``index``, in place (a tuple: a new one).  The reverse sweep of ``v = L[i]`` in a loop."""
    if isinstance(bar, tuple):
        items = list(bar)
        items[index] = add(items[index], g)
        return type(bar)(*items) if hasattr(bar, "_fields") else tuple(items)
    if isinstance(bar, np.ndarray):
        bar[index] += g
        return bar
    bar[index] = add(bar[index], g)
    return bar


def getattr_bar(g: Any, x: Any, name: str) -> Any:
    """Adjoint of ``x.name``: a zero structure like ``x`` holding ``g`` at ``name``."""
    out = zeros_like(x)
    if isinstance(out, tuple):  # NamedTuple
        return out._replace(**{name: g})
    if dataclasses.is_dataclass(out):
        object.__setattr__(out, name, g)
    else:
        setattr(out, name, g)
    return out


# ---------------------------------------------------------------- mutation (x[idx] = v)


def setitem(x: Any, index: Any, v: Any) -> Any:
    """A copy of ``x`` with ``x[index] = v`` (tangents of in-place writes are functional)."""
    if isinstance(x, dict):
        out_d = dict(x)
        out_d[index] = v
        return out_d
    if isinstance(x, list):
        out = list(x)
    else:
        out = np.array(x, dtype=np.result_type(_float_dtype(x), np.asarray(v).dtype), copy=True)
    out[index] = v
    return out


def setitem_bar(g: Any, index: Any, v: Any) -> Any:
    """Cotangent of ``v`` in ``x[index] = v``: the part of ``g`` that ``v`` was written to.
    Where an index array names a position more than once, NumPy keeps one of the writes (the
    last): only that one receives the cotangent (``np.add.at`` is the form that accumulates)."""
    if isinstance(g, dict):  # (a key the cotangent does not hold: nothing reached it)
        return unbroadcast(g[index], v) if index in g else zeros_like(v)
    piece = g[index]
    if not isinstance(g, (list, tuple)) and not _basic_index(index):
        ids = np.full(np.shape(g), -1, dtype=np.intp)
        order = np.arange(np.size(piece), dtype=np.intp).reshape(np.shape(piece))
        ids[index] = order  # which write each written position kept, as NumPy does it
        kept = ids[index] == order
        if not kept.all():
            piece = np.where(kept, piece, 0.0)
    return unbroadcast(piece, v)


def zero_index(g: Any, index: Any) -> Any:
    """A copy of the adjoint ``g`` with the overwritten part ``g[index]`` set to zero."""
    if isinstance(g, dict):
        out_d = dict(g)
        if index in out_d:
            out_d[index] = zeros_like(out_d[index])
        return out_d
    if isinstance(g, list):
        out = list(g)
        out[index] = zeros_like(out[index])
        return out
    out = np.array(g, dtype=_float_dtype(g), copy=True)
    out[index] = 0.0
    return out


def _written_span(g: Any, old: list, index: slice) -> Tuple[int, int, int]:
    """(start, entries written, entries overwritten) of ``old[index] = V``, from the list before
    the write and the adjoint ``g`` of the list after it (as long as the list is now)."""
    start, stop, step = index.indices(len(old))
    if step != 1:  # an extended slice keeps the length
        return start, -1, -1
    count = max(stop - start, 0)
    return start, len(g) - len(old) + count, count


def slice_write_bar(g: Any, old: Any, index: Any, v: Any) -> Any:
    """Cotangent of ``v`` in ``x[index] = v``, where ``x`` was ``old`` (a list may change length)."""
    if isinstance(g, list) and isinstance(old, list) and isinstance(index, slice):
        start, written, _ = _written_span(g, old, index)
        if written >= 0:
            part = [unbroadcast(gi, vi) for gi, vi in zip(g[start:start + written], v)]
            return np.array(part) if isinstance(v, np.ndarray) else tuple(part) if isinstance(v, tuple) else part
    return setitem_bar(g, index, v)


def slice_write_zero(g: Any, old: Any, index: Any, v: Any) -> Any:
    """The adjoint of ``x`` before ``x[index] = v`` (``x`` was ``old``): ``g`` without the written
    part, as long as ``old`` again."""
    if isinstance(g, list) and isinstance(old, list) and isinstance(index, slice):
        start, written, count = _written_span(g, old, index)
        if written >= 0:
            return g[:start] + [zeros_like(e) for e in old[start:start + count]] + g[start + written:]
    return zero_index(g, index)
