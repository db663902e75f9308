"""Reading and writing parts of values: the adjoints of ``x[index]`` and ``x.name``, and the
functional forms and adjoints of in-place writes ``x[index] = v`` (slices of lists included,
which may change the list's length).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, List, Tuple

import numpy as np

from .broadcast import _shape, real_cotangent, unbroadcast
from .library import is_foreign, namespace, zeros_of
from .markers import user_error
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
    g = real_cotangent(g, out_arr)
    if _basic_index(index):
        out_arr[index] += g  # no repeated entries: plain in-place add
    else:
        np.add.at(out_arr, index, g)
    return out_arr


def index_of(v: Any, index: Any) -> Any:
    """``v[index]`` in derivative code where ``v`` may be a number: the tangent or adjoint of a
    0-d array read or written with ``x[()]`` or ``x[...]``."""
    return v[index] if hasattr(v, "__getitem__") else np.asarray(v)[index]


def _foreign_getitem_bar(g: Any, x: Any, index: Any) -> Any:
    """``getitem_bar`` in the library of ``x`` or ``g`` (Dask, an array-API array): ``g`` written at
    ``index`` into zeros of that library (``.at[index].set`` where arrays are immutable, as in JAX)."""
    out = zeros_of(_shape(x), x if is_foreign(x) else g)
    if any(n != n for n in _shape(g)):  # (nan: a Dask selection by a lazy mask)
        library = type(g).__module__.partition(".")[0]
        raise user_error("UnsupportedConstructError",
                         f"the derivative of 'x[mask]' on a {library} array with a lazy mask writes back a "
                         "selection whose size is not known until computed, which Dask cannot do",
                         "select with np.where(mask, x, 0.0) (then reduce), or compute the mask first")
    parts = index if isinstance(index, tuple) else (index,)
    kept = tuple(p for p in parts if p is not None)
    if len(kept) < len(parts) and _basic_index(kept):  # x[None, :]: the new axes have size 1 in g
        index, g = kept, np.reshape(g, np.broadcast_to(0.0, _shape(x))[kept].shape)
    if not _may_repeat(index):
        return _written(out, index, g)
    if isinstance(index, tuple) or np.ndim(index) != 1 or is_foreign(index) or namespace(out) is not np:
        raise user_error("UnsupportedConstructError",
                         "the derivative of indexing with integer arrays (which may select an entry twice) on a "
                         f"{type(out).__module__.partition('.')[0]} array is computed for one 1-d index of "
                         "integers only (x[idx])",
                         "index with slices, integers, a boolean mask or one 1-d integer array, or use xp.take")
    return _scattered(out, np.asarray(index), g)


def _scattered(out: Any, idx: np.ndarray, g: Any) -> Any:
    """``out`` with ``g[k]`` added at ``idx[k]`` (``np.add.at(out, idx, g)``) by writes that never
    name an entry twice, for libraries without ``add.at`` (Dask): round ``r`` adds the ``r``-th
    occurrence of every repeated index."""
    idx = np.where(idx < 0, idx + _shape(out)[0], idx)
    order = np.argsort(idx, kind="stable")
    sorted_idx = idx[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_idx)) + 1]
    occurrence = np.empty(len(idx), dtype=np.intp)  # which occurrence of its index each position is
    occurrence[order] = np.arange(len(idx)) - np.repeat(starts, np.diff(np.r_[starts, len(idx)]))
    for r in range(int(occurrence.max()) + 1 if len(idx) else 0):
        pos = np.flatnonzero(occurrence == r)
        out = _written(out, idx[pos], out[idx[pos]] + g[pos])
    return out


def summed_rows(idx: Any, rows: Any, n: int) -> Any:
    """An ``(n, ...)`` array whose row ``i`` is the sum of the rows ``rows[k]`` with ``idx[k] == i``
    (``idx``: NumPy integers, from shapes and constant indices): the scatter-add of the adjoints
    of ``take``, ``repeat``, ``pad``.  NumPy: ``np.bincount`` / ``np.add.at``; another library's
    rows (Dask) stay in that library, lazily (:func:`_scattered`)."""
    idx = np.asarray(idx, dtype=np.intp).reshape(-1)
    if is_foreign(rows):
        return _scattered(zeros_of((n,) + tuple(_shape(rows)[1:]), rows), idx, rows)
    rows = np.asarray(rows)
    if rows.ndim == 1:
        return np.bincount(idx, weights=rows, minlength=n)
    out = np.zeros((n,) + rows.shape[1:])
    np.add.at(out, idx, rows)
    return out


def _may_repeat(index: Any) -> bool:
    """Can ``index`` name an entry twice (an integer array or list in it: ``x[[0, 0]]``)?"""
    parts = index if isinstance(index, tuple) else (index,)
    for p in parts:
        if p is None or p is Ellipsis or isinstance(p, (bool, int, np.integer, slice)):
            continue
        dt = getattr(p, "dtype", None)
        if dt is None:
            dt = np.asarray(p).dtype
        if not (dt == np.bool_ if isinstance(dt, np.dtype) else namespace(p).isdtype(dt, "bool")):
            return True
    return False


def _foreign_among(*values: Any) -> Any:
    """The first array of another library than NumPy among ``values`` (an index's parts included),
    or None: an in-place write that mixes libraries is made in that one (a Dask value written
    into a NumPy adjoint makes it a lazy Dask array; nothing is computed to bring it to NumPy)."""
    for v in values:
        for part in v if isinstance(v, tuple) else (v,):
            if is_foreign(part):
                return part
    return None


def _fresh(x: Any, like: Any, dtype: Any = None) -> Any:
    """A new array with ``x``'s values (``x`` of any library, or a number) in ``like``'s library,
    which nothing else holds (so it can be written in place), of ``dtype`` if given."""
    if is_foreign(x) and namespace(x) is namespace(like):
        if dtype is not None and x.dtype != dtype:
            return x.astype(dtype)
        return x.copy() if hasattr(x, "copy") else namespace(x).asarray(x, copy=True)
    xp = namespace(like)
    if xp is np:  # Dask, CuPy: made by like's library (a Dask array: x's values embedded in its graph)
        return np.zeros_like(like, shape=np.shape(x), dtype=dtype if dtype is not None else _float_dtype(x)) + x
    return xp.asarray(x, dtype=dtype, device=getattr(like, "device", None), copy=True)


def _np_dtype(v: Any) -> Any:
    """``v``'s dtype where it is a NumPy dtype (NumPy, Dask, CuPy values and numbers), else None."""
    dt = getattr(v, "dtype", None)
    if dt is None:
        return np.result_type(v) if isinstance(v, (bool, int, float, complex)) else None
    return dt if isinstance(dt, np.dtype) else None


def write_cast(t: Any, into: Any) -> Any:
    """The share of a tangent or cotangent ``t`` of ``v`` that ``into[index] = v`` keeps (the write
    casts ``v`` to ``into``'s dtype): none for an integer or boolean array (a truncated value
    carries no derivative), the real part for a real array given a complex ``t``, all of ``t``
    otherwise (lists, dicts, arrays of ``v``'s own kind)."""
    if type(into) is np.ndarray:  # the common cases first: a float array given a real t, a complex array
        kind = into.dtype.kind
        if kind == "c" or (kind == "f" and (type(t) is float or (type(t) is np.ndarray and t.dtype.kind != "c"))):
            return t
    if isinstance(into, (list, dict)) or not hasattr(into, "dtype"):
        return t
    dt = _np_dtype(into)
    if dt is None:  # an array-API library's own dtypes
        lib = namespace(into)
        if not lib.isdtype(into.dtype, ("real floating", "complex floating")):
            return zeros_like(t)
        return lib.real(t) if lib.isdtype(into.dtype, "real floating") and is_foreign(t) \
            and lib.isdtype(t.dtype, "complex floating") else t
    if dt.kind not in "fc":
        return zeros_like(t)
    return real_cotangent(t, into)


def _written(out: Any, index: Any, v: Any) -> Any:
    """``out[index] = v`` on an array nothing else holds; ``out.at[index].set(v)`` for immutable
    arrays (JAX)."""
    if type(out) is not np.ndarray and hasattr(out, "at"):
        return out.at[index].set(v)
    out[index] = v
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
    like = _foreign_among(bar, g, index) if not isinstance(bar, (list, dict)) else None
    if like is None and isinstance(bar, np.ndarray):
        bar[index] += real_cotangent(g, bar)
        return bar
    if like is not None:  # a NumPy adjoint receiving another library's term: made an array of that library
        if not is_foreign(bar):
            bar = _fresh(bar, like)
        return _written(bar, index, add(bar[index], real_cotangent(g, bar)))
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
        out[index] = v
        return out
    like = _foreign_among(x, v, index)
    if like is not None:  # in the library of the foreign array (Dask: lazily), never through NumPy
        dx, dv = _np_dtype(x), _np_dtype(v)
        dt = np.result_type(dx if dx.kind in "fc" else np.float64, dv) if dx is not None and dv is not None else None
        return _written(_fresh(x, like, dt), index, v)
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
    if not isinstance(g, (list, tuple)) and _may_repeat(index):
        ids = np.full(_shape(g), -1, dtype=np.intp)
        order = np.arange(math.prod(_shape(piece)), dtype=np.intp).reshape(_shape(piece))
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
    like = _foreign_among(g, index)
    if like is not None:  # in that library (Dask: lazily), never through NumPy
        dt = _np_dtype(g)
        return _written(_fresh(g, like, None if dt is None or dt.kind in "fc" else np.dtype(np.float64)), index, 0.0)
    out = np.array(g, dtype=_float_dtype(g), copy=True)
    out[index] = 0.0
    return out


def zero_item(g: Any, container: Any, index: Any) -> Any:
    """The adjoint ``g`` of a list or dict with the entry ``index`` set to zeros shaped like
    ``container[index]``, the entry before ``container[index] = v`` (which may have had another
    shape); an array's adjoint as :func:`zero_index` makes it."""
    if isinstance(g, (list, dict)) and isinstance(container, (list, dict)):
        out = type(g)(g) if isinstance(g, dict) else list(g)
        if not isinstance(g, dict) or index in container:
            out[index] = zeros_like(container[index])
        elif index in out:  # (a key the write added: no adjoint before it)
            del out[index]
        return out
    return zero_index(g, index)


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
        start, span, _ = _written_span(g, old, index)
        if span >= 0:
            part = [unbroadcast(gi, vi) for gi, vi in zip(g[start:start + span], v)]
            return np.array(part) if isinstance(v, np.ndarray) else tuple(part) if isinstance(v, tuple) else part
    return setitem_bar(write_cast(g, old), index, v)


def slice_write_zero(g: Any, old: Any, index: Any, v: Any) -> Any:
    """The adjoint of ``x`` before ``x[index] = v`` (``x`` was ``old``): ``g`` without the written
    part, as long as ``old`` again."""
    if isinstance(g, list) and isinstance(old, list) and isinstance(index, slice):
        start, span, count = _written_span(g, old, index)
        if span >= 0:
            return g[:start] + [zeros_like(e) for e in old[start:start + count]] + g[start + span:]
    return zero_index(g, index)
