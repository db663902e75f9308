"""The alias model: which variables of a Wengert form may share memory.

Python names refer to objects, and NumPy arrays share memory with their views, so an
in-place write through one name can change what another name holds::

    b = np.copy(a)        # a fresh array
    _t0 = b[1:]           # a view of b:        {b, _t0} may share memory
    r = b                 # the same object:    {b, _t0, r}
    _t1 = r * 2.0         # a new array:        {_t1} alone
    b[1:] = _t1           # changes b, r and _t0

Derivative code must respect this: a value the reverse sweep reads has to be the value it
had when the forward sweep read it, so a write into ``b`` that the reverse sweep undoes
must be undone whenever any of ``b``'s aliases is read again (vjp's to-be-recorded
analysis), and an optimisation may not treat ``b`` as unchanged when ``r`` is written.

The model is flow-insensitive and errs on the side of sharing: two variables are in one
group when any statement may make one refer to (part of) the other's object.  Results of
arithmetic, ufuncs and NumPy functions that return new arrays are fresh; views (basic
slices, ``.T``, ``reshape``, ``ravel``, ...), plain copies of a name, container displays
and unpacking, attributes, items of lists and everything whose result is unknown (user
functions, methods, unregistered calls) share with their inputs.  Scalars (rank 0, when
ranks are known) share nothing: numbers are immutable.
"""

from __future__ import annotations

import builtins
import math
import operator
from typing import Any, Dict, FrozenSet, Iterator, List, Optional, Set, Tuple

import numpy as np

from .. import runtime
from .. import syntax as S
from ..frontend.sequences import (
    _assignments,
    _hashable,
    _locals_in,
    sequence_vars,
)
from ..rules import purity
from ..syntax import gast
from ..syntax.annotations import Key, get_anno
from .alias_keys import RENAME, EntryKey, disjoint_from_all, display_keys, index_key

# NumPy functions whose result may be (a view of) their first argument, or the argument itself
VIEW_FUNCTIONS = frozenset(f for f in (
    getattr(module, name, None) for module, names in ((np, (
        "transpose", "reshape", "ravel", "asarray", "asanyarray", "ascontiguousarray", "asfortranarray",
        "require", "squeeze", "expand_dims", "swapaxes", "moveaxis", "rollaxis", "broadcast_to",
        "broadcast_arrays", "atleast_1d", "atleast_2d", "atleast_3d", "diagonal", "diag", "real", "imag",
        "flip", "fliplr", "flipud", "rot90", "split", "array_split", "hsplit", "vsplit", "dsplit", "unstack",
        "matrix_transpose", "permute_dims", "einsum", "asarray_chkfinite", "trim_zeros", "nan_to_num",
        "real_if_close", "asmatrix", "frombuffer", "from_dlpack", "diff", "meshgrid")),
        (np.linalg, ("matrix_transpose", "diagonal", "matrix_power")),
        (np.lib.stride_tricks, ("sliding_window_view", "as_strided")))
    for name in names) if f is not None) | frozenset((
        # what array-API helpers are read as (runtime/array_api_extra.py): the argument itself when
        # nothing needs changing (atleast_nd of an array with enough axes, xp_promote of the right dtype)
        runtime.atleast_nd, runtime.expand_dims, runtime.promoted, runtime.promoted_among,
        runtime.float_to_complex, runtime.astype, runtime.asarray_view))

# builtins whose result is a new number (or a new object that holds no user object)
_FRESH_BUILTINS = frozenset({len, float, int, bool, abs, round, sum, pow, divmod, complex, str, repr, isinstance,
                             range, hash, id, builtins.any, builtins.all})
# builtins making a new container of their argument's items (a shallow copy): the result holds
# what the argument holds, never the argument's own object
_CONTAINER_COPIES = frozenset({list, tuple, runtime.copy_value})  # (x.copy(): an array's is a new array)
_FRESH_OPERATORS = frozenset({
    operator.add, operator.sub, operator.mul, operator.truediv, operator.floordiv, operator.mod,
    operator.pow, operator.matmul, operator.neg, operator.pos, operator.invert, operator.not_,
    operator.and_, operator.or_, operator.xor, operator.lshift, operator.rshift,
})
_NONDIFF_ATTRS = frozenset({"shape", "ndim", "size", "dtype", "itemsize", "nbytes"})
_NOT_MATH = object()  # getattr default: no object of math is this


def _local(atom: Any) -> bool:
    return isinstance(atom, gast.Name) and get_anno(atom, Key.CALLEE, _NO) is _NO


_NO = object()


def fresh_callee(callee: Any) -> bool:
    """Does a call of ``callee`` return a new object that shares nothing with its arguments?"""
    if isinstance(callee, tuple):  # comparisons give booleans; methods and the rest: unknown
        return callee[0] == "compare"
    try:
        if callee in VIEW_FUNCTIONS:
            return False
        if callee in _FRESH_BUILTINS or callee in _FRESH_OPERATORS or purity.RESULT_SHARES.get(callee) == ():
            return True
    except TypeError:  # unhashable callee
        return False
    if isinstance(callee, np.ufunc):
        return True
    module = getattr(callee, "__module__", None) or ""
    if module == "math" or getattr(math, getattr(callee, "__name__", ""), _NOT_MATH) is callee:
        return True
    # the rest of NumPy makes new arrays (views are listed above)
    return module == "numpy" or module.startswith("numpy.")


def copying_index(index: Any, known: Any = None, indices: FrozenSet[str] = frozenset()) -> bool:
    """Does NumPy copy for this index (``x[[0, 2]]``, ``x[IDX]``, IDX an int or bool array; ``known``: IDX;
    ``indices``: the local variables that hold a list display, as ``_t0 = [0, 2]; x[_t0]``)?"""
    if isinstance(index, gast.Name) and index.id in indices:
        return True
    obj = known if known is not None else get_anno(index, Key.CALLEE, None) if isinstance(index, gast.Name) else None
    return isinstance(index, gast.List) or isinstance(obj, list) or isinstance(obj, np.ndarray) and obj.ndim >= 1 \
        and obj.dtype.kind in "biu"


def _scalar_index(value: Any, ranks: Optional[Dict[str, Any]]) -> bool:
    """Is ``s[idx]`` provably a number (every axis of an array of known rank indexed by an int)?"""
    if ranks is None or not _local(value.value):
        return False
    rank = ranks.get(value.value.id)
    if not isinstance(rank, int) or rank < 1:
        return False
    parts = value.slice.elts if isinstance(value.slice, gast.Tuple) else [value.slice]
    if len(parts) != rank:
        return False
    for p in parts:
        if isinstance(p, gast.Constant):
            if type(p.value) is not int:
                return False
        elif not (_local(p) and ranks.get(p.id) == 0):
            return False
    return True


SAME, ITEM, HOLDS, COPY = "same", "item", "holds", "copy"  # kinds of sharing (see _shares)


def _shares(stmt: Any, ranks: Optional[Dict[str, Any]], sequences: Set[str],
            containers: FrozenSet[str] = frozenset(), dicts: FrozenSet[str] = frozenset(),
            list_indices: FrozenSet[str] = frozenset()) -> Iterator[Tuple[str, str, str, EntryKey]]:
    """(name, other, kind, key) tuples: statement ``stmt`` may make ``name`` share memory with
    ``other`` (``sequences``: the variables that may hold lists or tuples, whose ``+`` and
    ``*`` share items).  Kinds: ``same`` (the same object or a view of it: a change through
    either shows through the other), ``item`` (``name`` may be an element of ``other``, or a
    view: a change of ``name`` shows in ``other``), ``holds`` (``name`` holds ``other`` as an
    element: a change of ``other`` shows in ``name``, re-filling ``name`` leaves ``other``),
    ``copy`` (``name`` is a new container with ``other``'s items, ``list(L)``, ``x.copy()``: a
    change of an item shows in both, re-filling either, or writing into an array, in neither).
    ``containers``: the variables that surely hold a list, tuple or dict (``container_vars``),
    whose slices are such copies (an array's are views).  ``key``: the entry (or part of an
    array) of ``other`` that ``name`` is, or under which ``name`` holds ``other``, where it is
    written as constants (:mod:`.alias_keys`); ``list_indices``: the variables that hold a list
    display, which copy as an index."""
    if isinstance(stmt, gast.Expr):  # L.append(x): L now holds x (a check of tangent_lite's holds nothing)
        call = stmt.value
        if isinstance(call, gast.Call) and isinstance(call.func, gast.Attribute) and _local(call.func.value) \
                and not str(getattr(get_anno(call, Key.CALLEE, None), "__module__", "")).startswith("tangent_lite"):
            for name in _locals_in(gast.Tuple(elts=list(call.args), ctx=gast.Load())):
                yield call.func.value.id, name, HOLDS, None
        return
    if not isinstance(stmt, gast.Assign):
        return
    tgt, value = stmt.targets[0], stmt.value
    if isinstance(tgt, gast.Subscript):  # x[i] = v: an array copies v in, a list holds v
        if _local(tgt.value) and _local(value) and not isinstance((ranks or {}).get(tgt.value.id), int):
            yield tgt.value.id, value.id, HOLDS, index_key(tgt.slice)
        return
    targets = [n.id for n in S.walk(tgt) if isinstance(n, gast.Name)]
    kind, key = SAME, None
    if isinstance(value, gast.Call) and isinstance(value.func, gast.Attribute) and value.func.attr == "pop" \
            and _local(value.func.value):
        sources, kind = [value.func.value.id], ITEM
    elif isinstance(value, gast.Attribute):
        sources, kind = ([] if value.attr in _NONDIFF_ATTRS else _locals_in(value.value)), ITEM
    elif isinstance(value, gast.Subscript) and isinstance(value.slice, gast.Slice) and _local(value.value) \
            and value.value.id in containers:  # L[1:] of a list or tuple: a new one
        sources, kind = [value.value.id], COPY
    elif isinstance(value, gast.Subscript):
        sources, kind = ([] if _scalar_index(value, ranks) or copying_index(value.slice, indices=list_indices) else
                         _locals_in(value.value)), ITEM
        key = index_key(value.slice)
    elif isinstance(tgt, gast.Tuple):  # a, b = t: items of t
        sources, kind = _locals_in(value), ITEM
    elif isinstance(value, (gast.Compare, gast.UnaryOp, gast.Constant, gast.JoinedStr)):
        sources = []
    elif isinstance(value, gast.BinOp):
        # arrays and numbers give new objects; lists and tuples (+, *) and merged dicts (|) are new ones holding
        # the operands' items (copies of them)
        merge = get_anno(value, Key.SEQUENCE_OP) is runtime.merge_or
        sources, kind = [n for n in _locals_in(value) if merge or n in sequences], COPY
    elif isinstance(value, (gast.List, gast.Tuple, gast.Dict)):  # each element under its index or key
        for t in targets:
            for element, key in display_keys(value):
                for src in _locals_in(element):
                    yield t, src, HOLDS, key
        return
    elif isinstance(value, gast.Call):
        callee = get_anno(value, Key.CALLEE, None)
        shared = purity.result_shares(callee, value)
        if shared is not None:  # a helper of derivative code: what its result shares (rules/purity.py)
            yield from ((t, src, kind, None) for t in targets for arg, kind in shared for src in _locals_in(arg))
            return
        if callee is np.einsum:  # the operands come after the subscripts: any of them
            sources = _locals_in(value)
        elif callee in VIEW_FUNCTIONS if _hashable(callee) else False:
            sources = _locals_in(value.args[0]) if value.args else _locals_in(value)
        elif fresh_callee(callee):
            sources = []
        elif callee is runtime.copy_value or callee is dict:  # x.copy(), dict(d): a new list, dict or array
            sources, kind = _locals_in(gast.Tuple(elts=list(value.args), ctx=gast.Load())), COPY
        elif (callee in _CONTAINER_COPIES if _hashable(callee) else False) and len(value.args) == 1 \
                and _local(value.args[0]) and value.args[0].id in containers:  # list(L) of a list: a copy
            sources, kind = ([] if value.args[0].id in dicts else [value.args[0].id]), COPY  # (of a dict: keys)
        elif callee in _CONTAINER_COPIES if _hashable(callee) else False:  # list(L): a new list (of an
            sources, kind = _locals_in(value), HOLDS  # array: of views of its rows, which a write changes)
        else:  # unknown: it may return an argument, a view or a container of them
            sources = _locals_in(value)
    else:  # names, boolean operators (which return an operand), anything else
        sources, key = _locals_in(value), RENAME if _local(value) and isinstance(tgt, gast.Name) else None
    for t in targets:
        for src in sources:
            yield t, src, kind, key


def groups(body: List[Any], ranks: Optional[Dict[str, Any]] = None) -> Dict[str, FrozenSet[str]]:
    """Each variable that may share memory with another -> the variables of its group
    (itself included); variables sharing with nothing are absent."""
    parent: Dict[str, str] = {}

    def find(x: str) -> str:
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(x, x) != root:
            parent[x], x = root, parent[x]
        return root

    scalars = {v for v, r in (ranks or {}).items() if r == 0}
    sequences = sequence_vars(body)
    for stmt in _assignments(body):
        for a, b, _kind, _key in _shares(stmt, ranks, sequences):
            if a == b or a in scalars or b in scalars:
                continue
            ra, rb = find(a), find(b)
            parent.setdefault(rb, rb)
            if ra != rb:
                parent[ra] = rb
    members: Dict[str, Set[str]] = {}
    for v in list(parent):
        members.setdefault(find(v), set()).add(v)
    out: Dict[str, FrozenSet[str]] = {}
    for group in members.values():
        frozen = frozenset(group)
        for v in group:
            out[v] = frozen
    return out


def closure(names: Set[str], alias_groups: Dict[str, FrozenSet[str]]) -> Set[str]:
    """``names`` and every variable that may share memory with one of them."""
    out = set(names)
    for n in names:
        out |= alias_groups.get(n, frozenset())
    return out


def _written_objects(base: str, edges: List[Tuple[str, str, str, EntryKey]]
                     ) -> Tuple[Set[str], Set[str], Dict[str, Optional[FrozenSet[EntryKey]]]]:
    """The variables whose objects a write into ``base`` may change, up from ``base`` through
    ``edges`` (alias, source, kind, key): the objects it is a view, an alias or an item of (and, past
    ``base`` itself, from a container to what it holds: an item taken from a list may be one of
    the objects put in it; a write into ``base`` re-fills ``base``, not its items); and those of
    them an item of which it may change, whose copies share that item (a copy of ``base`` or of
    an alias of it does not see a write into ``base``); and, for each of them, the keys of the
    entries (or parts) the write may change, None for any (``_t1 = p['b']``: entry 'b' of p, so
    not what p holds under 'W': :mod:`.alias_keys`)."""
    roots, items, changed = {base}, set(), True
    entries: Dict[str, Optional[FrozenSet[EntryKey]]] = {base: None}
    while changed:
        changed = False
        for alias, source, kind, key in edges:
            if alias not in roots or source == base or kind == HOLDS and alias == base \
                    or kind == COPY and alias not in items \
                    or kind == HOLDS and disjoint_from_all(key, entries[alias]):
                continue
            reached = frozenset({key}) if kind == ITEM and key is not None else \
                entries[alias] if kind == SAME and key == RENAME else None
            before = entries.get(source, frozenset())
            now = None if before is None or reached is None else before | reached
            new_item = source not in roots and (kind in (ITEM, COPY) or kind == SAME and alias in items)
            if source in roots and now == before and not new_item:
                continue
            roots.add(source)
            entries[source] = now
            if new_item:
                items.add(source)
            changed = True
    return roots, items, entries


def _write_of(stmt: Any, ranks: Optional[Dict[str, Any]]) -> Optional[Tuple[Any, str, Set[str]]]:
    """(statement, the variable whose object it changes in place, names exempt) or None."""
    if isinstance(stmt, gast.Expr):  # L.append(x), L.pop(): the list changes
        call = stmt.value
        if isinstance(call, gast.Call) and isinstance(call.func, gast.Attribute) \
                and call.func.attr in ("append", "pop", "extend") and _local(call.func.value):
            return stmt, call.func.value.id, set()
        return None
    if not isinstance(stmt, gast.Assign):
        return None
    tgt = stmt.targets[0]
    if isinstance(tgt, gast.Subscript) and _local(tgt.value):
        return stmt, tgt.value.id, set()
    value = stmt.value
    if isinstance(tgt, gast.Name) and isinstance(value, gast.Call) and isinstance(value.func, gast.Attribute) \
            and value.func.attr == "pop" and _local(value.func.value):
        return stmt, value.func.value.id, {tgt.id}
    base, _, *item_of = get_anno(stmt, Key.IN_PLACE) or (None, None)
    if item_of and isinstance((ranks or {}).get(item_of[0]), int):
        return None  # x[i] += v on an array: x[i] is a view of x, and the write into x[i] is the change
    if base is not None and isinstance(tgt, gast.Name) and (ranks is None or ranks.get(base) != 0):
        # v += e: Python changes an array or a list in place (numbers: a new object)
        return stmt, base, {tgt.id}
    return None
