"""The small API generated code calls as ``_tl``.

Everything here is plain NumPy so that ``adgen`` can paste the helpers a module
needs into a standalone file (see :func:`helper_sources`).  Each helper is a
top-level function that uses only ``np`` and other helpers of this module.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import inspect
import math
from typing import Any, Dict, List, Sequence, Tuple

import numpy as np

__all__ = [
    "unbroadcast", "bcast", "zeros_like", "add", "as_grad", "sum_bar",
    "mean_bar", "extremum_bar", "getitem_bar", "transpose_bar",
    "pow_exponent_bar", "matmul_bar_a", "matmul_bar_b", "dot_bar_a", "dot_bar_b",
    "prod_bar", "getattr_bar", "setitem", "setitem_bar", "zero_index", "number_only", "not_a_dict", "saved", "add_item",
    "saved_item",
    "restore_item", "stop_gradient",
    "abs_grad",
    "balanced_eq", "array_tangent", "array_bar", "safe_ratio", "append", "builtin_sum_bar",
    "builtin_extremum_dot", "builtin_extremum_bar",
    "sequence_bar", "prod_pairs", "seq_concat", "seq_repeat", "concat_part", "seq_repeat_bar", "copied", "grad_hook",
    "batch_size", "batch_lift", "batch_zeros", "batch_bcast", "batch_reduce", "batch_matmul", "batch_dot",
    "batch_outer",
    "batch_transpose", "batch_stack", "batch_builtin_sum", "batch_getitem", "batch_setitem",
    "checkpointed", "checkpoint_cost", "binomial_split", "CheckpointRecord", "checkpoint_forward",
    "checkpoint_reverse",
]


def _shape(x: Any) -> tuple:
    return x.shape if hasattr(x, "shape") else ()


def unbroadcast(g: Any, x: Any) -> Any:
    """Sum ``g`` over the axes NumPy broadcast ``x`` along, so it has ``x``'s shape."""
    xs = x.shape if hasattr(x, "shape") else ()
    gs = g.shape if hasattr(g, "shape") else ()
    if gs == xs:
        if isinstance(x, (list, tuple)):
            _same_length(g, x)
        return g
    if not xs:
        return g.sum() if hasattr(g, "sum") else g
    lead = len(gs) - len(xs)
    if lead > 0:
        g = g.sum(axis=tuple(range(lead)))
    if lead < 0:  # g is smaller (a symbolic-zero scalar or a broadcast tangent)
        return np.broadcast_to(g, xs)
    axes = tuple(i for i, (a, b) in enumerate(zip(xs, g.shape)) if a == 1 and b != 1)
    if len(axes) == 1 and type(g) is np.ndarray and g.dtype == np.float64 and g.ndim >= 2 and g.size >= 4096:
        # one inner axis: as a product with ones (BLAS), where NumPy's reduction loops over
        # the short trailing axes one small block at a time (5 to 30 times slower)
        k = axes[0]
        ones = np.ones(g.shape[k])
        out = g @ ones if k == g.ndim - 1 else ones @ np.moveaxis(g, k, -2)
        return np.expand_dims(out, k)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g


_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_CONTRACT_MIN_SIZE = 32768  # below this, np.einsum's planning costs more than the product saves


def unbroadcast_product(a: Any, b: Any, x: Any) -> Any:
    """``unbroadcast(a * b, x)``: the product summed to ``x``'s shape.  For large float arrays,
    one ``np.einsum`` contraction that never builds the full product (an N x N x 2 product summed
    over an axis reads its operands once and writes an N x 2 result); otherwise the product."""
    if type(a) is np.ndarray and type(b) is np.ndarray and a.size * b.size >= _CONTRACT_MIN_SIZE \
            and a.dtype == b.dtype and a.dtype.kind == "f":  # (a.size * b.size bounds the product's size)
        shape = np.broadcast_shapes(a.shape, b.shape)
        xs = _shape(x)
        nd = len(shape)
        if math.prod(shape) >= _CONTRACT_MIN_SIZE and nd <= len(_LETTERS) and len(xs) <= nd:
            lead = nd - len(xs)
            kept = [i for i in range(lead, nd) if not (xs[i - lead] == 1 and shape[i] != 1)]
            if len(kept) < nd:  # something is summed
                ops = []
                for o in (a, b):
                    off = nd - o.ndim
                    axes = [j for j in range(o.ndim) if o.shape[j] == shape[off + j]]
                    ops.append((o.reshape([o.shape[j] for j in axes]), "".join(_LETTERS[off + j] for j in axes)))
                spec = f"{ops[0][1]},{ops[1][1]}->{''.join(_LETTERS[i] for i in kept)}"
                out = np.einsum(spec, ops[0][0], ops[1][0], optimize=True)
                return out.reshape(xs) if xs else out[()]
    return unbroadcast(a * b, x)


def _same_length(d: Any, x: Any) -> None:
    """A derivative of the list or tuple ``x`` must have one entry per item: ``L + M`` and
    ``L * n`` concatenate, so the rules of number and array arithmetic do not apply to them."""
    if not isinstance(d, (list, tuple, np.ndarray)) or (isinstance(d, np.ndarray) and d.ndim == 0) \
            or len(d) != len(x):
        raise ValueError(
            "tangent_lite: '+' or '*' of lists or tuples that carry derivatives (L + M, L * n) is not "
            "differentiated: build the list from its items ([a, b, c]), or use arrays (np.concatenate, np.tile)")


def bcast(t: Any, ans: Any) -> Any:
    """Broadcast a tangent ``t`` to the shape of ``ans`` (no copy when equal)."""
    shape = ans.shape if hasattr(ans, "shape") else ()
    if (t.shape if hasattr(t, "shape") else ()) == shape:
        if isinstance(ans, (list, tuple)):
            _same_length(t, ans)
        return t
    return np.broadcast_to(t, shape)


def zeros_like(x: Any) -> Any:
    """A zero with ``x``'s structure: float 0.0, zero array, or a container of zeros
    (lists, tuples, named tuples, dicts, dataclasses and plain objects)."""
    if isinstance(x, (tuple, list, dict)) or _is_record(x):
        return _map_struct(zeros_like, x)
    if isinstance(x, range):  # (a loop's range put on a tape: its zero tangent is indexed like it)
        return np.zeros(len(x))
    if hasattr(x, "shape") and x.shape != ():
        return np.zeros(x.shape, dtype=_float_dtype(x))
    if hasattr(x, "dtype"):
        return _float_dtype(x).type(0.0)
    return 0.0


def _is_record(x: Any) -> bool:
    """A dataclass instance or a plain object whose attributes hold values."""
    if isinstance(x, (np.ndarray, np.generic, float, int, complex, str, bytes, type)) or x is None:
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
    dt = np.result_type(x)
    return dt if np.issubdtype(dt, np.inexact) else np.dtype(np.float64)


def add(a: Any, b: Any) -> Any:
    """Add two adjoints or tangents; structures add leafwise, None is zero."""
    if type(a) is float or type(a) is np.ndarray:
        return a + b
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
    if g is None:
        return zeros_like(x)
    if hasattr(x, "shape") and x.shape != ():
        g = np.asarray(g)
        dt = _float_dtype(x)
        if g.shape != x.shape:
            g = np.broadcast_to(g, x.shape)
        if g.dtype != dt or not g.flags.writeable or g.base is not None and g.strides[0:1] == (0,):
            g = np.array(g, dtype=dt)
        return g
    if np.iscomplexobj(g) and not np.iscomplexobj(x):
        raise TypeError("a complex value reached the derivative of a real input: tangent_lite differentiates "
                        "real code only (see docs/limitations.md)")
    if isinstance(x, float) and type(g) is not float:
        return float(g)
    if isinstance(x, np.ndarray):  # 0-d array in, 0-d array out
        return np.array(g, dtype=_float_dtype(x))
    if hasattr(x, "dtype") and hasattr(g, "astype"):
        return g.astype(_float_dtype(x))
    if isinstance(x, (int, np.integer)) and not isinstance(x, bool):
        return float(g)
    return g



# ---------------------------------------------------------------- reductions


def _norm_axis(axis: Any, ndim: int) -> tuple:
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, int):
        axis = (axis,)
    return tuple(a % ndim for a in axis)


def _expand(g: Any, x: Any, axis: Any, keepdims: bool) -> Any:
    """Reshape a reduced ``g`` so it broadcasts against ``x``."""
    nd = np.ndim(x)
    if keepdims or nd == 0 or np.ndim(g) == 0:
        return g
    shape = list(np.shape(x))
    for a in _norm_axis(axis, nd):
        shape[a] = 1
    return np.reshape(g, shape)


def sum_bar(g: Any, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Adjoint of ``np.sum(x, axis, keepdims)``: spread ``g`` back over ``x``.

    A float ``g`` over a small array is written out with ``np.full`` (five times cheaper
    than ``np.broadcast_to``'s Python-level setup); large arrays get the stride-0 view."""
    if axis is None and type(g) is float and type(x) is np.ndarray and x.size <= 4096:
        return np.full(x.shape, g)
    return np.broadcast_to(_expand(g, x, axis, keepdims), np.shape(x))


def mean_bar(g: Any, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    nd = np.ndim(x)
    count = 1
    for a in _norm_axis(axis, nd):
        count *= np.shape(x)[a]
    return sum_bar(g, x, axis, keepdims) / count


def extremum_bar(g: Any, ans: Any, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Adjoint of max/min: ``g`` shared equally among the tied extremal entries."""
    a = _expand(ans, x, axis, keepdims)
    mask = x == a
    counts = np.sum(mask, axis=_norm_axis(axis, np.ndim(x)), keepdims=True) if np.ndim(x) else 1
    # exactly 0 off the extremal entries, whatever g is (an infinite g: docs, non-smooth points)
    return np.where(mask, _expand(g, x, axis, keepdims) / counts, 0.0)


def prod_bar(g: Any, ans: Any, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Adjoint of prod, correct when entries are zero (products of the others), exactly 0 where
    the seed is (an infinite entry the np.where around it selects away)."""
    x = np.asarray(x, dtype=float)
    if np.ndim(x) == 0:
        return g
    axes = _norm_axis(axis, x.ndim)
    moved = np.moveaxis(x, axes, tuple(range(-len(axes), 0)))
    flat = moved.reshape(moved.shape[: moved.ndim - len(axes)] + (-1,))
    left = np.cumprod(np.concatenate([np.ones_like(flat[..., :1]), flat[..., :-1]], axis=-1), axis=-1)
    right = np.cumprod(np.concatenate([np.ones_like(flat[..., :1]), flat[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    others = (left * right).reshape(moved.shape)
    others = np.moveaxis(others, tuple(range(-len(axes), 0)), axes)
    # strong zeros: an entry whose seed is 0 gets 0 even where the others' product is inf or NaN
    return strong_mul(_expand(g, x, axis, keepdims), others)  # noqa: F405  (runtime.arrays, below)




def transpose_bar(g: Any, axes: Any = None) -> Any:
    if axes is None:
        return np.transpose(g)
    return np.transpose(g, np.argsort([a % np.ndim(g) for a in axes]))


# ---------------------------------------------------------------- products


def matmul_bar_a(g: Any, a: Any, b: Any) -> Any:
    """Adjoint of ``a @ b`` with respect to ``a`` (1-D and batched operands)."""
    if type(a) is np.ndarray and type(b) is np.ndarray and a.ndim == 2 and b.ndim == 2:
        return g @ b.T  # matrices: nothing broadcast, the common case first
    a_nd, b_nd = np.ndim(a), np.ndim(b)
    if b_nd == 1:
        if a_nd == 1:
            return g * b
        return unbroadcast(np.expand_dims(g, -1) * b, a)
    if a_nd == 1:
        return unbroadcast(np.matmul(np.expand_dims(g, -2), np.swapaxes(b, -1, -2))[..., 0, :], a)
    return unbroadcast(np.matmul(g, np.swapaxes(b, -1, -2)), a)


def matmul_bar_b(g: Any, a: Any, b: Any) -> Any:
    """Adjoint of ``a @ b`` with respect to ``b``."""
    if type(a) is np.ndarray and type(b) is np.ndarray and a.ndim == 2 and b.ndim == 2:
        return a.T @ g
    a_nd, b_nd = np.ndim(a), np.ndim(b)
    if a_nd == 1:
        if b_nd == 1:
            return g * a
        return unbroadcast(np.expand_dims(a, -1) * np.expand_dims(g, -2), b)
    if b_nd == 1:
        return unbroadcast(np.matmul(np.swapaxes(a, -1, -2), np.expand_dims(g, -1))[..., 0], b)
    return unbroadcast(np.matmul(np.swapaxes(a, -1, -2), g), b)


def dot_bar_a(g: Any, a: Any, b: Any) -> Any:
    """Adjoint of ``np.dot(a, b)`` with respect to ``a`` (scalars, 1-D, N-D)."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return unbroadcast(g * b, a) if np.ndim(b) == 0 else np.sum(g * b)
    if np.ndim(b) <= 2:  # then dot is matmul
        return matmul_bar_a(g, a, b)
    # general N-D: dot sums over a's last axis and b's second-to-last
    b_axes = [i for i in range(np.ndim(b)) if i != np.ndim(b) - 2]
    g_axes = list(range(np.ndim(a) - 1, np.ndim(g)))
    return np.tensordot(g, b, axes=(g_axes, b_axes))


def dot_bar_b(g: Any, a: Any, b: Any) -> Any:
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return unbroadcast(g * a, b) if np.ndim(a) == 0 else np.sum(g * a)
    if np.ndim(b) <= 2:
        return matmul_bar_b(g, a, b)
    a_axes = list(range(np.ndim(a) - 1))
    g_axes = list(range(np.ndim(a) - 1))
    out = np.tensordot(a, g, axes=(a_axes, g_axes))  # (k, b_rest...) with b's -2 axis first
    return np.moveaxis(out, 0, np.ndim(b) - 2)


# ---------------------------------------------------------------- elementwise helpers


def pow_exponent_bar(g: Any, ans: Any, x: Any) -> Any:
    """``g * ans * log(x)``, taken as 0 where ``x == 0`` (the limit for y > 0)."""
    safe = np.where(np.equal(x, 0), 1.0, x)
    return g * ans * np.log(safe)


def abs_grad(x: Any) -> Any:
    """d|x|/dx = sign(x), with the convention 0 at x == 0."""
    return np.sign(x)


# ---------------------------------------------------------------- containers & indexing


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
    out_arr = np.zeros(np.shape(x), dtype=_float_dtype(x))
    if _basic_index(index):
        out_arr[index] += g  # no repeated entries: plain in-place add
    else:
        np.add.at(out_arr, index, g)
    return out_arr


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


def _basic_index(index: Any) -> bool:
    """An index of ints, slices, None and Ellipsis (it cannot select an entry twice)."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(p is None or p is Ellipsis or isinstance(p, (int, np.integer, slice)) for p in parts)


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




# ---------------------------------------------------------------- adgen support


def helper_sources(names: Sequence[str]) -> str:
    """Source text of the named helpers and of everything they use (functions, decorated ones,
    classes, module-level constants of this package's modules), for standalone files."""
    import ast
    import sys

    found: Dict[str, Tuple[int, int, str, set]] = {}  # name -> (module order, line, text, names it reads)
    for order, home in enumerate((__name__, __name__ + ".arrays")):
        text = inspect.getsource(sys.modules[home])
        for node in ast.parse(text).body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                defined = [node.name]
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                defined = [t.id for t in targets if isinstance(t, ast.Name)]
            else:
                continue
            first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
            segment = "\n".join(text.splitlines()[first - 1:node.end_lineno])
            reads = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
            for name in defined:
                if name not in ("__all__", "helper_sources") and name not in found:
                    found[name] = (order, first, segment, reads)
    todo, seen = list(names), set()
    while todo:
        name = todo.pop()
        if name in seen or name not in found:
            continue
        seen.add(name)
        todo.extend(found[name][3])
    chosen = sorted({found[n][:3] for n in seen})
    return "\n\n\n".join(text.rstrip() for _, _, text in chosen) + "\n"


def balanced_eq(x: Any, ans: Any, other: Any) -> Any:
    """1 where ``x`` is the result of max/min(x, other), 1/2 on ties, else 0."""
    return np.equal(x, ans) / (1.0 + np.equal(x, other))


def array_tangent(t: Any, ans: Any) -> Any:
    """Tangent of ``np.array(obj)``: the tangents of obj's entries stacked the same way."""
    return np.array(t, dtype=_float_dtype(ans))


def array_bar(g: Any, obj: Any) -> Any:
    """Cotangent of ``obj`` in ``np.array(obj)``: split ``g`` back into obj's structure."""
    if isinstance(obj, (list, tuple)):
        return type(obj)(array_bar(g[i], v) for i, v in enumerate(obj))
    return g


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


class _NoItem:
    """What :func:`saved_item` keeps for a dict entry that did not exist yet."""

    def __repr__(self) -> str:
        return "<no item>"


NO_ITEM = _NoItem()


class _WholeList:
    """What :func:`saved_item` keeps of a list before a slice write, which may change its length."""

    __slots__ = ("items",)

    def __init__(self, items: list) -> None:
        self.items = list(items)


def saved_item(x: Any, index: Any) -> Any:
    """``x[index]`` before ``x[index] = v`` overwrites it (arrays copied), NO_ITEM when ``x``
    is a dict without that key yet (the write adds it), or the whole list before ``L[a:b] = V``."""
    if isinstance(x, dict) and index not in x:
        return NO_ITEM
    if isinstance(x, list) and isinstance(index, slice):
        return _WholeList(x)
    return saved(x[index])


def restore_item(x: Any, index: Any, old: Any) -> None:
    """Undo ``x[index] = v``: put back what :func:`saved_item` kept (or remove the key it added)."""
    if old is NO_ITEM:
        del x[index]
    elif type(old) is _WholeList:
        x[:] = old.items
    else:
        x[index] = old


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


def not_a_dict(v: Any, message: str) -> None:
    """Check that ``v``, which a loop iterates by index, is no dict (Python iterates its keys)."""
    if isinstance(v, dict):
        raise ValueError(f"tangent_lite: {message}")


def number_only(v: Any, message: str) -> None:
    """Check that ``v`` holds a number before ``v op= e`` (which then makes a new object):
    an array or a list would be changed in place, under an alias derivatives cannot follow."""
    if isinstance(v, (np.ndarray, list, dict)):
        raise ValueError(f"tangent_lite: {message}")


def saved(v: Any) -> Any:
    """A value to put on the tape before it is overwritten in place (arrays are copied)."""
    return np.copy(v) if isinstance(v, np.ndarray) else v




def stop_gradient(x: Any) -> Any:
    """The identity, for values that must be treated as constants when differentiating."""
    return x


def safe_ratio(num: Any, x: Any) -> Any:
    """``num / x``, with 0 where ``x == 0`` (derivatives of ``log`` taken as 0 at 0)."""
    zero = np.equal(x, 0)
    return np.where(zero, 0.0, num / np.where(zero, 1.0, x))


def builtin_extremum_dot(t: Any, ans: Any, x: Any, other: Any, position: int) -> Any:
    """Tangent contribution of ``x`` to the builtin ``max(x, other)`` / ``min(x, other)``
    (ties: half each), or to ``max(x)`` of a sequence (ties: the average of the tied entries)."""
    if other is None and position == 0:
        entries = list(x)
        ts = list(t)
        tied = [ti for xi, ti in zip(entries, ts) if xi == ans]
        return sum(tied) / len(tied)
    return t * balanced_eq(x, ans, other)


def builtin_extremum_bar(g: Any, ans: Any, x: Any, other: Any) -> Any:
    """Cotangent of ``x`` in the builtin ``max``/``min`` (two values, or one sequence)."""
    if other is None:
        entries = list(x)
        n = sum(1 for xi in entries if xi == ans)
        out = [g / n if xi == ans else zeros_like(xi) for xi in entries]
        return sequence_bar(out, x)  # out as x's sequence type (differentiable: no computed callee)
    w = balanced_eq(x, ans, other)
    if np.ndim(w) == 0:
        return g * w if w != 0 else zeros_like(g)  # (exactly 0 for the other operand, whatever g is)
    return np.where(w == 0, 0.0, g * w)



def sequence_bar(h: Any, iterable: Any) -> Any:
    """Cotangent of ``iterable`` in ``list(iterable)``: back to a tuple, list or array."""
    if isinstance(iterable, tuple):
        return tuple(h)
    if isinstance(iterable, list):
        return list(h)
    return array_tangent(h, iterable)


def prod_pairs(g: Any, v: Any, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """``g * sum_k P_ik v_k`` with ``P_ik`` the product of the entries other than ``i`` and
    ``k`` of the reduced group (0 for ``i == k``): the derivative of ``prod_bar`` in ``x``
    (symmetric, so the same formula is its transpose).  Exact with zeros among the entries."""
    x = np.asarray(x, dtype=float)
    v = np.broadcast_to(np.asarray(v, dtype=float), x.shape)
    if x.ndim == 0:
        return np.zeros_like(x)
    axes = _norm_axis(axis, x.ndim)
    gx = _expand(g, x, axis, keepdims) * np.ones_like(x)
    moved = np.moveaxis(x, axes, tuple(range(-len(axes), 0)))
    lead = moved.shape[: moved.ndim - len(axes)]
    xs = moved.reshape(lead + (-1,))
    vs = np.moveaxis(v * gx, axes, tuple(range(-len(axes), 0))).reshape(lead + (-1,))
    n = xs.shape[-1]
    out = np.zeros_like(xs)
    for i in range(n):  # products over the group with entry i left out, then their "others"
        y = xs.copy()
        y[..., i] = 1.0
        others = prod_bar(1.0, None, y, -1, True)
        others[..., i] = 0.0
        out[..., i] = np.sum(others * vs, axis=-1)
    return np.moveaxis(out.reshape(moved.shape), tuple(range(-len(axes), 0)), axes)



def copied(v: Any) -> Any:
    """A copy of a list or array a pullback changes in place (so it can be called again)."""
    if isinstance(v, list):
        return list(v)
    if isinstance(v, np.ndarray):
        return v.copy()
    return v



def grad_hook(x: Any, hook: Any) -> Any:
    """Identity on ``x``; in reverse mode, ``x``'s cotangent is replaced by ``hook(cotangent)``.

    The generated reverse sweep calls the hook where it computes the adjoint (like Tangent's
    ``insert_grad_of``): ``x = tl.grad_hook(x, lambda g: np.clip(g, -1.0, 1.0))`` clips it,
    ``tl.grad_hook(x, print)``-style hooks that return their argument inspect it."""
    return x



# ---------------------------------------------------------------- batched forward mode
# A batched tangent of a value of shape S has shape (k,) + S: k directions at once.


def batch_size(t: Any) -> int:
    """The number of directions ``k`` a batched tangent carries."""
    return len(t) if not isinstance(t, (dict,)) else len(next(iter(t.values())))


def batch_zeros(x: Any, k: int) -> Any:
    """A batched zero tangent for ``x``."""
    if isinstance(x, (tuple, list, dict)) or _is_record(x):
        return _map_struct(lambda v: batch_zeros(v, k), x)
    return np.zeros((k,) + np.shape(x), dtype=_float_dtype(x))


def batch_bcast(t: Any, ans: Any) -> Any:
    """Broadcast a batched tangent to ``(k,) + ans.shape``."""
    shape = np.shape(ans)
    t = np.asarray(t)
    if t.shape[1:] == shape:
        return t
    return np.broadcast_to(t.reshape(t.shape[:1] + (1,) * (len(shape) - t.ndim + 1) + t.shape[1:]),
                           t.shape[:1] + shape)


def batch_lift(t: Any, ans: Any) -> Any:
    """A batched tangent ``(k,) + S`` reshaped to ``(k,) + (1,) * (ndim(ans) - len(S)) + S`` so
    that elementwise rules broadcast it like its primal against the other operands."""
    if isinstance(t, (list, tuple, dict)):
        return t
    t = np.asarray(t)
    missing = np.ndim(ans) - (t.ndim - 1)
    if missing <= 0:
        return t
    return t.reshape(t.shape[:1] + (1,) * missing + t.shape[1:])


def _shift_axis(axis: Any, ndim: int) -> Any:
    if axis is None:
        return tuple(range(1, ndim + 1))
    if isinstance(axis, int):
        return axis % ndim + 1
    return tuple(a % ndim + 1 for a in axis)


def batch_reduce(reduce: Any, t: Any, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """``reduce(t, axis)`` over the batched tangent ``t`` of ``x``, skipping the batch axis."""
    return reduce(t, axis=_shift_axis(axis, np.ndim(x)), keepdims=keepdims)


def batch_matmul(a: Any, b: Any, which: int) -> Any:
    """``a @ b`` where operand ``which`` (0 or 1) carries the batch axis in front."""
    if which == 0:
        return np.matmul(a, b)  # the batch axis is a leading (broadcast) axis of a
    if np.ndim(b) == 2:  # b was a vector: (k, n)
        if np.ndim(a) == 1:
            return b @ a
        return np.einsum("...mn,kn->k...m", a, b)
    return np.matmul(a, b)


def batch_dot(a: Any, b: Any, which: int) -> Any:
    """``np.dot(a, b)`` with the batch axis (in front) on operand ``which``."""
    if which == 0:
        return np.multiply.outer(a, b) if np.ndim(b) == 0 else (
            a[(...,) + (None,) * np.ndim(b)] * b if np.ndim(a) == 1 else np.dot(a, b))
    if np.ndim(a) == 0:
        return a * b
    contracted = 1 if np.ndim(b) == 2 else np.ndim(b) - 2
    out = np.tensordot(a, b, axes=([-1], [contracted]))
    return np.moveaxis(out, np.ndim(a) - 1, 0)


def batch_outer(a: Any, b: Any, which: int) -> Any:
    if which == 0:
        return np.reshape(a, (len(a), -1))[:, :, None] * np.ravel(b)[None, None, :]
    return np.ravel(a)[None, :, None] * np.reshape(b, (len(b), -1))[:, None, :]


def batch_transpose(t: Any, axes: Any = None) -> Any:
    nd = np.ndim(t) - 1
    order = tuple(reversed(range(nd))) if axes is None else tuple(a % nd for a in axes)
    return np.transpose(t, (0,) + tuple(a + 1 for a in order))


def batch_stack(t: Any, ans: Any) -> Any:
    """Tangent of ``np.array(seq)``: the entries' batched tangents stacked after the batch axis."""
    if isinstance(t, (list, tuple)):
        parts = [batch_stack(v, None) for v in t]
        return np.stack(parts, axis=1)
    return np.asarray(t, dtype=float)


def batch_builtin_sum(t: Any, x: Any) -> Any:
    if isinstance(x, (list, tuple)):
        return sum(t)
    return np.sum(t, axis=1)


def batch_getitem(t: Any, index: Any) -> Any:
    """``t[index]`` on the entries of a batched tangent (containers are indexed directly)."""
    if isinstance(t, (list, tuple, dict)):
        return t[index]
    return t[(slice(None),) + (index if isinstance(index, tuple) else (index,))]


def batch_setitem(t: Any, index: Any, v: Any) -> Any:
    out = np.array(t, dtype=float, copy=True)
    out[(slice(None),) + (index if isinstance(index, tuple) else (index,))] = \
        v if np.ndim(v) == 0 else np.asarray(v)
    return out


# ---------------------------------------------------------------- binomial checkpointing


def checkpointed(iterable: Any, snapshots: int = 10) -> Any:
    """Mark a loop for binomial checkpointing: ``for i in tl.checkpointed(range(n), snapshots=k)``.

    Calling the function runs the loop as written; its reverse mode stores only ``k``
    snapshots of the loop state and recomputes the rest (Griewank & Walther's revolve)."""
    return iterable


def _binomial(n: int, k: int) -> int:
    return math.comb(n, k)


@functools.lru_cache(maxsize=65536)
def checkpoint_cost(steps: int, snapshots: int) -> int:
    """The least number of step evaluations (without tape) needed to reverse ``steps``
    steps from the initial state with ``snapshots`` extra snapshots: ``r*l - beta(c+1, r-1)``
    with ``c = snapshots + 1`` and ``r`` the least repetition number with ``beta(c, r) >= l``."""
    if steps <= 1:
        return 0
    if snapshots <= 0:
        return steps * (steps - 1) // 2
    c, r = snapshots + 1, 0
    while _binomial(c + r, c) < steps:
        r += 1
    return r * steps - _binomial(c + r, c + 1)


@functools.lru_cache(maxsize=65536)
def binomial_split(steps: int, snapshots: int) -> int:
    """Where to place the next snapshot (an offset in ``1..steps-1``): the minimiser of
    ``d + cost(steps - d, snapshots - 1) + cost(d, snapshots)`` (convex in ``d``)."""

    def total(d: int) -> int:
        return d + checkpoint_cost(steps - d, snapshots - 1) + checkpoint_cost(d, snapshots)

    lo, hi = 1, steps - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if total(mid + 1) >= total(mid):
            hi = mid
        else:
            lo = mid + 1
    return lo


class CheckpointRecord:
    """What the forward sweep keeps of a checkpointed loop: its range, the initial and
    final state, the loop-invariant values, and the snapshots on the schedule's first path."""

    def __init__(self, rng: Any, state: tuple, free: tuple, snapshots: int):
        self.rng, self.initial, self.free, self.snapshots = rng, state, free, snapshots
        self.known: Dict[int, tuple] = {0: state}
        self.final = state
        self.advances = 0  # step evaluations without tape, forward sweep included
        self.taped = 0  # step evaluations with tape (one per step)
        self.peak_snapshots = 0


def checkpoint_forward(step: Any, rng: Any, state: tuple, free: tuple, snapshots: int) -> CheckpointRecord:
    """Run a checkpointed loop: ``state = step(i, *state, *free)`` for ``i`` in ``rng``,
    keeping the snapshots the binomial schedule places on its first (rightmost) path."""
    rec = CheckpointRecord(rng, tuple(state), tuple(free), snapshots)
    n, a, s = len(rng), 0, snapshots
    state = tuple(state)
    while n - a > 1 and s > 0:
        d = binomial_split(n - a, s)
        for j in range(a, a + d):
            state = step(rng[j], *state, *free)
        rec.advances += d
        a, s = a + d, s - 1
        rec.known[a] = state
    for j in range(a, n):  # the rest of the way, for the loop's result
        state = step(rng[j], *state, *free)
    rec.final = state
    rec.peak_snapshots = len(rec.known) - 1
    return rec


def checkpoint_reverse(rec: CheckpointRecord, step: Any, fwd: Any, bwd: Any, state_bar: tuple,
                       carried_active: tuple, n_free: int) -> tuple:
    """Reverse a checkpointed loop; returns (adjoints of the initial state, summed adjoints
    of the loop-invariant values).  ``fwd(i, *state, *free) -> (state, residuals)`` and
    ``bwd(residuals, *state_bar)`` are the generated derivative of one step; ``bwd`` returns
    adjoints for the active state entries followed by the active loop-invariant values."""
    rng, free = rec.rng, rec.free
    n_wrt = sum(carried_active) + n_free
    free_bar: List[Any] = [None] * n_free

    def advance(state: tuple, a: int, b: int) -> tuple:
        for j in range(a, b):
            state = step(rng[j], *state, *free)
        rec.advances += b - a
        return state

    def taped(j: int, state: tuple, bar: tuple) -> tuple:
        _, res = fwd(rng[j], *state, *free)
        rec.taped += 1
        grads = bwd(res, *bar) if len(bar) > 1 else bwd(res, bar[0])
        grads = tuple(grads) if n_wrt > 1 else (grads,)
        out, k = [], 0
        for i, active in enumerate(carried_active):
            if active:
                out.append(grads[k])
                k += 1
            else:
                out.append(zeros_like(state[i]))
        for i in range(n_free):
            free_bar[i] = add(free_bar[i], grads[k + i])
        return tuple(out)

    def reverse(a: int, b: int, s: int, state_a: tuple, bar: tuple) -> tuple:
        if b - a == 1:
            return taped(a, state_a, bar)
        if s <= 0:
            for j in range(b - 1, a - 1, -1):
                bar = taped(j, advance(state_a, a, j), bar)
            return bar
        m = a + binomial_split(b - a, s)
        state_m = rec.known.pop(m) if m in rec.known else advance(state_a, a, m)
        bar = reverse(m, b, s - 1, state_m, bar)
        return reverse(a, m, s, state_a, bar)

    bar = tuple(state_bar)
    if len(rng):
        bar = reverse(0, len(rng), rec.snapshots, rec.initial, bar)
    return bar, tuple(zeros_like(v) if g is None else g for g, v in zip(free_bar, free))


from .arrays import *  # noqa: E402,F401,F403  (part of the _tl namespace)
from .arrays import __all__ as _numpy_all  # noqa: E402

__all__ = __all__ + list(_numpy_all)
