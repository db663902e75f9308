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
    container_vars,
    dict_vars,
    sequence_vars,
    surely_dicts,
)
from ..rules import purity
from ..syntax import gast
from ..syntax.annotations import Key, get_anno
from .alias_keys import RENAME, EntryKey, disjoint_from_all, display_keys, index_key, list_locals, untrusted
from .alias_messages import _held_twice, _shared_write_fix, _spelled

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


# ------------------------------------------------------------------ writes through shared memory


def sharing_problems(w: Any, active: Set[str], varied: Set[str], ranks: Optional[Dict[str, Any]] = None,
                     assumed: FrozenSet[str] = frozenset(), unread: FrozenSet[int] = frozenset()
                     ) -> Tuple[List[Any], List[Tuple[Any, str, List[str], Any]]]:
    """In-place changes (``x[i] = v``, ``v += e`` on an array, ``L.append(x)``) of an object
    that another variable shares (an alias ``r = b``, a view ``b[1:]``, ``m[0]``, ``.T``, an
    item of a list...) and that is read afterwards, where derivatives are involved: the
    primal code shares the change, the derivative code would not follow it, so it is refused.

    Positions are those of the statements in program order; in a loop the next iteration
    comes after the write too.  A variable made again (re-bound) on every path between the
    write and a read no longer shares the written object there.  ``assumed``: variables taken to
    hold lists, tuples or dicts (see ``guessed_containers``), as those the function surely builds.
    ``unread``: statements whose reading is not a read (the exit marker of a with statement whose
    context leaves what it holds alone: :func:`.contexts.quiet_exits`)."""
    from ..errors import UnsupportedConstructError

    stmts = list(_assignments(w.fdef.body))
    writes = [wr for wr in (_write_of(st, ranks) for st in stmts) if wr is not None]
    if not writes:
        return [], []  # (most functions: no need to know where each variable is read)
    order = {id(st): i for i, st in enumerate(stmts)}
    lists = _enclosing_lists(w.fdef.body)
    sequences = sequence_vars(w.fdef.body)
    containers = frozenset(container_vars(w.fdef.body, w.params)) | assumed
    dicts = frozenset(surely_dicts(w.fdef.body, w.params))
    indices = list_locals(w.fdef, w.params)
    edges = [(order[id(st)], alias, source, kind, key) for st in stmts
             for alias, source, kind, key in _shares(st, ranks, sequences, containers, dicts, indices)
             if alias != source and (ranks is None or (ranks.get(alias) != 0 and ranks.get(source) != 0))]
    # (keys of the variables of a group where a list may be reordered, or an opaque function is called: unused)
    suspect = untrusted(w.fdef, groups(w.fdef.body, ranks))
    edges = [(pos, alias, source, kind, None if key is not None and {alias, source} & suspect else key)
             for pos, alias, source, kind, key in edges]
    loop_bodies = [{order[id(st)] for st in _assignments(loop.body)} for loop in S.walk(w.fdef)
                   if isinstance(loop, (gast.For, gast.While))]
    read_at: Dict[str, List[Tuple[int, Any]]] = {}  # variable -> (position, statement) of its reads
    store_at: Dict[str, List[Tuple[int, Any]]] = {}  # variable -> (position, statement) re-binding it
    for st in stmts:
        for n in () if id(st) in unread else S.walk(st):
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load):
                read_at.setdefault(n.id, []).append((order[id(st)], st))
        if isinstance(st, gast.Assign):
            for t in st.targets:
                for n in S.walk(t):
                    if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store):
                        store_at.setdefault(n.id, []).append((order[id(st)], st))
    ret = w.fdef.body[-1]
    for n in S.walk(ret):
        if isinstance(n, gast.Name):
            read_at.setdefault(n.id, []).append((len(order), ret))
    lists[id(ret)] = [w.fdef.body]

    spans: Dict[int, Tuple[int, int]] = {}  # id(statement) -> first and last position inside it

    def span(st: Any) -> Optional[Tuple[int, int]]:
        if id(st) not in spans:
            inside = [order[id(a)] for a in _assignments([st])]
            spans[id(st)] = (min(inside), max(inside)) if inside else (-1, -1)
        return None if spans[id(st)][0] < 0 else spans[id(st)]

    def surely_between(var: str, start: int, stop: int, reader: Any, writer: Any) -> bool:
        """Is ``var`` re-bound, on every path, by statements at positions in (start, stop) that
        run whenever ``reader`` (or, after it, ``writer``) does: statements of a list enclosing
        either of them; an ``if`` counts when both of its arms re-bind it?"""
        if not any(start < p < stop for p, _ in store_at.get(var, [])):
            return False
        chains = lists.get(id(reader), []) + lists.get(id(writer), [])
        for body in {id(b): b for b in chains}.values():
            for st in body:
                where = span(st)
                if where is not None and start < where[0] and where[1] < stop and _surely_stores(st, var):
                    return True
        return False

    errors: List[Any] = []
    checks: List[Tuple[Any, str, List[str], Any]] = []  # (statement, runtime helper, its arguments, error)
    for stmt, base, itself in writes:
        at = order[id(stmt)]
        again = set().union(*[body for body in loop_bodies if at in body]) if loop_bodies else set()
        live = [(alias, source, kind, key) for pos, alias, source, kind, key in edges if pos < at or pos in again]
        # what sees the write: the objects base is (part of), up from views and items (and,
        # past base itself, from a container to what it holds: an item taken from a list may
        # be one of the objects put in it; the write into base re-fills base, not its items) ...
        # (``items``: the objects an item of which the write may change, which their copies share)
        roots, items, entries = _written_objects(base, live)
        # ... then their views and holders (and items, unless the write only re-fills a list or
        # dict), and the copies of those whose items it changes
        down = (SAME, HOLDS) if _refills(stmt, containers) else (SAME, HOLDS, ITEM)
        group, changed = set(roots), True
        while changed:
            changed = False
            for alias, source, kind, key in live:
                if source in group and alias not in group and (kind in down or kind == COPY and source in items) \
                        and not (kind == ITEM and source in entries and disjoint_from_all(key, entries[source])):
                    group.add(alias)
                    if kind in (HOLDS, COPY) or kind == SAME and source in items:
                        items.add(alias)
                    changed = True
        end = max(again) + 1 if again else at
        start = min(again) if again else at
        others = []
        # (L[i] op= v puts the array it changed back into L[i]: reading L afterwards is reading that;
        # another name, list or copy holding the array is what would not see the change)
        put_back = set((get_anno(stmt, Key.IN_PLACE) or ())[2:])
        if put_back and (ranks or {}).get(base) != 0:
            # ... as long as no other entry of that container holds the array too (L = [a, a]): checked as it
            # runs (with or without derivatives: the lowered code makes a new array, Python changes the shared one)
            checks.extend((stmt, "held_once", [c, base], _held_twice(w, stmt, c)) for c in sorted(put_back))
        # (with L[i] op= v, the old entry's own name is another holder when it is read afterwards:
        # a = L[i] merged with the load of the entry, Python changes what a holds)
        for v in sorted(group - ({base} if not put_back else set()) - itself - put_back):
            for r, reader in read_at.get(v, []):
                if reader is stmt:
                    continue
                if r > at and not surely_between(v, at, r, reader, stmt):
                    others.append(v)
                    break
                if r <= at and r in again and not surely_between(v, at, end, stmt, stmt) \
                        and not surely_between(v, start - 1, r, reader, reader):
                    others.append(v)  # read again in the next iteration
                    break
        if not others:
            continue
        # a write into an array is as in the user's code, only its derivatives could go wrong; v op= e
        # is lowered to v = v op e, so an alias read later would see a different value
        if not itself and not _carries(stmt, group | itself, active, varied):
            continue
        line = w.src.location(stmt).text or ""
        named = [_spelled(v, line, w) for v in others]
        named = [v for v in named if v is not None]
        shared = f"'{named[0]}'" if named else "another expression (a slice, a view, an item or a conditional)"
        shown = _spelled(base, line, w)
        op = (get_anno(stmt, Key.IN_PLACE) or (None, "op"))[1]
        plain = True
        if itself and put_back:  # L[i] op= v: the entry's array changes, whoever holds it
            entry = line.split(f"{op}=")[0].strip() if f"{op}=" in line else f"{sorted(put_back)[0]}[...]"
            how = f"'{entry} {op}= ...' changes the array '{entry}' holds in place"
            shown, plain = entry, False
            if named:
                shared = f"'{named[0]}'"
        elif itself:
            how = f"'{shown} {op}= ...' changes '{shown}' in place" if shown else \
                f"this '{op}=' changes an array or list in place (the item it updates)"
        else:
            how = f"writing into '{shown}'" if shown else "this write (into an item or part of another variable)"
        plain = plain and shown is not None and "'" not in shown  # (not a name inside an inlined function)
        collections = (containers - assumed) | sequences | dict_vars(w.fdef.body)
        items_of_base = {source for alias, source, kind, _key in live if alias == base and kind == ITEM}
        holder = next((_spelled(v, line, w) for v in others if v in items_of_base and v in collections), None) \
            if not itself else None  # L[0][...] = v, then L read: what L holds changed
        if holder is not None:
            what = (f"{how}, an entry of '{holder}' that is read afterwards through '{holder}': derivatives would "
                    "not follow a change made inside an entry of a list or dict (another entry may hold the same "
                    "array or list, as in L = [a, a])")
            fix = f"put a new value into '{holder}' instead" + (f", e.g. '{shown} = <new value>'" if plain else "")
        else:
            what = (f"{how}, which shares its array or list with {shared} (an alias or a view) that is read "
                    "afterwards: derivatives would not follow the shared change")
            fix = _shared_write_fix(shown if plain else None, base, ranks, w, collections, op, itself, named)
        if itself and put_back:
            taken = f"'{named[0]} = {shown}.copy()'" if named else f"'{shown}.copy()'"
            fix = (f"copy the entry where you take it ({taken}), or write '{shown} = {shown} {op} ...' to make a "
                   "new array for the entry")
        error = UnsupportedConstructError(what, w.src.location(stmt), fix)
        if itself and not isinstance((ranks or {}).get(base), int):
            checks.append((stmt, "number_only", [base], error))  # a number, or an array? known when it runs
            # an earlier 'a op= e' that made a member of the group: lowered to a new value, it keeps a
            # 0-d array (or any array) the same object in Python: checked there too, as it runs
            checks.extend((st, "number_only", [b], error) for st, b, made in writes if st is not stmt and made & group
                          and get_anno(st, Key.IN_PLACE) and not isinstance((ranks or {}).get(b), int))
        else:
            errors.append(error)
    return errors, checks



def _carries(stmt: Any, involved: Set[str], active: Set[str], varied: Set[str]) -> bool:
    """Are derivatives involved in the write ``stmt`` into the objects of ``involved``?"""
    value = stmt.value if isinstance(stmt, gast.Assign) else None
    return bool(involved & active) or (value is not None and any(n in varied for n in _locals_in(value)))


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


def _refills(stmt: Any, containers: FrozenSet[str]) -> bool:
    """``L.append(x)``, ``L.pop()``, ``L.extend(xs)``, ``L[i] = v`` of a list (or dict) the
    function builds (``containers``), ``d['k'] = v``: the list or dict changes, not its items
    (an item taken from it before still holds what it held)."""
    call = stmt.value if isinstance(stmt, (gast.Expr, gast.Assign)) else None
    if isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Subscript):
        tgt = stmt.targets[0]
        key = tgt.slice
        return _local(tgt.value) and tgt.value.id in containers \
            or isinstance(key, gast.Constant) and isinstance(key.value, str)  # (no index of an array)
    return isinstance(call, gast.Call) and isinstance(call.func, gast.Attribute) \
        and call.func.attr in ("append", "pop", "extend")


def _surely_stores(stmt: Any, var: str) -> bool:
    """Does running ``stmt`` always re-bind ``var`` (loops may run no iteration)?"""
    if isinstance(stmt, gast.Assign):
        return any(isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store) and n.id == var
                   for t in stmt.targets for n in S.walk(t))
    if isinstance(stmt, gast.If):
        return any(_surely_stores(s, var) for s in stmt.body) and any(_surely_stores(s, var) for s in stmt.orelse)
    return False


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


def _enclosing_lists(body: List[Any]) -> Dict[int, List[List[Any]]]:
    """id(statement) -> the statement lists that hold it, outermost first."""
    out: Dict[int, List[List[Any]]] = {}

    def visit(stmts: List[Any], chain: List[List[Any]]) -> None:
        here = chain + [stmts]
        for st in stmts:
            out[id(st)] = here
            for field in ("body", "orelse"):
                inner = getattr(st, field, None)
                if isinstance(inner, list) and not isinstance(st, gast.FunctionDef):
                    visit(inner, here)

    visit(body, [])
    return out


def _renames_of(name: str, renamed: Dict[str, Set[str]]) -> Set[str]:
    """``name`` and the variables it may be another name for, through plain ``a = b`` only."""
    out, todo = {name}, [name]
    for v in todo:
        for source in renamed.get(v, ()):
            if source not in out:
                out.add(source)
                todo.append(source)
    return out


def written_parameters(w: Any) -> Dict[str, str]:
    """The parameters of the lowered function ``w`` whose objects its in-place writes may change
    (through any alias, view or item of them): ``"in place"``, or ``"augmented"`` for ``p op= e``
    on the parameter itself or on another name for it (``a = p; a += e``): in place only for
    arrays and lists, a number is replaced."""
    params = set(w.params)
    sequences = sequence_vars(w.fdef.body)
    sources: Dict[str, List[Tuple[str, Any]]] = {}  # alias -> (what it may share, how), in order
    renamed: Dict[str, Set[str]] = {}  # a = b: a is the object b is (a number if b is a number)
    for st in _assignments(w.fdef.body):
        for alias, source, kind, _key in _shares(st, None, sequences):
            if alias != source:
                sources.setdefault(alias, []).append((source, kind))
        if isinstance(st, gast.Assign) and isinstance(st.targets[0], gast.Name) and _local(st.value):
            renamed.setdefault(st.targets[0].id, set()).add(st.value.id)
    reached: Dict[str, Set[str]] = {}  # base -> every variable a write into it may change
    out: Dict[str, str] = {}
    for stmt in _assignments(w.fdef.body):
        write = _write_of(stmt, None)
        if write is None:
            continue
        _, base, itself = write
        if base not in reached:  # (a list written a thousand times is followed once)
            edges = [(alias, source, kind, None) for alias, pairs in sources.items() for source, kind in pairs]
            reached[base] = _written_objects(base, edges)[0]
        roots = reached[base]
        names = _renames_of(base, renamed) if itself else set()
        for p in sorted(roots & params):
            how = "augmented" if p in names else "in place"
            if out.get(p) != "in place":
                out[p] = how
    return out
