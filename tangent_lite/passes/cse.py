"""Common subexpressions of the Wengert form computed once.

A user who writes ``x[i]`` twice in one loop body gets two temporaries holding the same
value, and the derivative code gets two of everything after them: two reads, two adjoint
accumulations into ``x_bar[i]``.  Before differentiating, a temporary the lowering made
that repeats an earlier one in the same block is dropped and its readers read the first::

    _t6 = x[i]                           _t6 = x[i]
    _t7 = _t6 ** 2                 ->    _t7 = _t6 ** 2
    _t12 = x[i]                          _t13 = 1.0 - _t6
    _t13 = 1.0 - _t12

Only temporaries of the lowering (never a name the user wrote), assigned once and read
only after their assignment in the same block; only cheap, pure expressions (indexing,
attributes, arithmetic, comparisons of names and numbers); and only while nothing in between
could have changed what the expression reads (any other kind of statement, or a call that is
not a pure primitive, or an update ``v op= e``, which changes an array in place, forgets
everything known).
"""

from __future__ import annotations

import collections
from typing import Any, Dict, List, Set

from .. import syntax as S
from ..frontend.anf import Wengert
from ..syntax import gast
from ..syntax.annotations import Key, get_anno, must_run, set_anno
from .unused_forward import _pure


def _atom(node: Any) -> bool:
    return isinstance(node, (gast.Name, gast.Constant))


def _cheap(value: Any) -> bool:
    if isinstance(value, gast.Subscript):
        parts = value.slice.elts if isinstance(value.slice, gast.Tuple) else [value.slice]
        return isinstance(value.value, gast.Name) and all(
            _atom(p) or (isinstance(p, gast.Slice) and all(q is None or _atom(q) for q in (p.lower, p.upper, p.step)))
            for p in parts)
    if isinstance(value, gast.Attribute):
        return isinstance(value.value, gast.Name)
    if isinstance(value, gast.BinOp):
        return _atom(value.left) and _atom(value.right)
    if isinstance(value, gast.UnaryOp):
        return _atom(value.operand)
    if isinstance(value, gast.Compare):
        return _atom(value.left) and all(_atom(c) for c in value.comparators)
    return False


_MISSING = object()


def _key(node: Any) -> Any:
    """What ``gast.dump(node)`` says, as a tuple (equal for equal expressions; much cheaper)."""
    if isinstance(node, gast.AST):
        return (node.__class__.__name__,) + tuple(_key(getattr(node, f, _MISSING)) for f in node._fields)
    if node.__class__ is list:
        return ("[",) + tuple(_key(item) for item in node)
    return "<missing>" if node is _MISSING else repr(node)


def _loads(node: Any) -> List[str]:
    return [n.id for n in S.walk(node) if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)]


def eliminate(w: Wengert) -> bool:
    """Drop repeated temporaries of ``w`` in place; did anything change?"""
    user = {n.id for n in S.walk(w.src.node) if isinstance(n, gast.Name)} | set(w.params)
    stores: Dict[str, int] = collections.Counter()
    total_loads: Dict[str, int] = collections.Counter()
    for n in S.walk(w.fdef):  # (one walk for both counts)
        if isinstance(n, gast.Name):
            if isinstance(n.ctx, gast.Store):
                stores[n.id] += 1
            elif isinstance(n.ctx, gast.Load):
                total_loads[n.id] += 1
    changed = False

    def rename(stmts: List[Any], old: str, new: str) -> None:
        for st in stmts:
            for n in S.walk(st):
                if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load) and n.id == old:
                    n.id = new

    def rename_in_place(stmts: List[Any], old: str, new: str) -> None:
        """v op= e names the array it changes (and L[i] op= e the list it puts it back into) in an
        annotation, also where the statement does not read the name: the same one, renamed."""
        for st in stmts:
            for n in S.walk(st):
                in_place = get_anno(n, Key.IN_PLACE) if isinstance(n, gast.stmt) else None
                if in_place and old in (in_place[0], *in_place[2:]):
                    set_anno(n, Key.IN_PLACE, tuple(new if i != 1 and v == old else v for i, v in enumerate(in_place)))

    def block(body: List[Any]) -> None:
        nonlocal changed
        known: Dict[Any, str] = {}  # _key of an expression -> the temporary holding it
        reads: Dict[Any, Set[str]] = {}  # that key -> the names it reads
        drop: Set[int] = set()
        at: Dict[str, Dict[int, int]] = {}  # name -> {position: its reads there}, made at the first repeat

        def index() -> Dict[str, Dict[int, int]]:
            if not at:
                for p, b in enumerate(body):
                    for name in _loads(b):
                        at.setdefault(name, {})[p] = at.get(name, {}).get(p, 0) + 1
            return at

        def reads_after(name: str, k: int) -> List[int]:
            return sorted(p for p in index().get(name, ()) if p > k)

        watchers: Dict[str, Set[Any]] = {}  # name -> the keys that read it or are held in it

        def forget(key: Any) -> None:
            for name in reads.pop(key) | {known.pop(key)}:
                watchers.get(name, set()).discard(key)

        for k, st in enumerate(body):
            for inner in S.inner_blocks(st):
                block(inner)
            if not (isinstance(st, gast.Assign) and len(st.targets) == 1 and isinstance(st.targets[0], gast.Name)) \
                    or not _pure(st.value) or must_run(st) or get_anno(st, Key.IN_PLACE):
                # (v op= e may change an array in place: what any other name reads, x[0] of a list
                # holding it, a view of it, may differ afterwards)
                known.clear()
                reads.clear()
                watchers.clear()
                continue
            t = st.targets[0].id
            key = _key(st.value) if _cheap(st.value) else None
            if key in known and t not in user and stores[t] == 1 \
                    and total_loads[t] == sum(index()[t][p] for p in reads_after(t, k)):
                first = known[key]
                for p in reads_after(t, k):
                    rename([body[p]], t, first)
                    count = at[t].pop(p)
                    at.setdefault(first, {})[p] = at.get(first, {}).get(p, 0) + count
                rename_in_place(body[k + 1:], t, first)
                drop.add(id(st))
                changed = True
                continue
            for old in watchers.pop(t, ()):  # what t held or was read into is known no more
                forget(old)
            if key is not None and stores[t] == 1 and t not in _loads(st.value):
                if key in known:
                    forget(key)
                known[key] = t
                reads[key] = set(_loads(st.value))
                for name in reads[key] | {t}:
                    watchers.setdefault(name, set()).add(key)
        if drop:
            body[:] = [st for st in body if id(st) not in drop]

    block(w.fdef.body)
    return changed
