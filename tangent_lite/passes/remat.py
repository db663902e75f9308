"""Recompute cheap loop temporaries in the reverse sweep instead of taping them.

A temporary assigned in a loop body is overwritten every iteration, so the reverse sweep
gets the value each iteration had from the tape: a push per iteration forward, a pop per
iteration backward.  When the value is one cheap operation (scalar arithmetic, an index or
a slice) of values the reverse iteration has anyway, computing it again costs less than the
round trip through the tape, and the forward sweep may then have nothing left to do for the
gradient (``tl.grad`` drops it, see ``optimize.drop_unused_forward``)::

    for i in _t3:                               for i in _t3:
        _tape.append(_t8)                           ...
        _t8 = _t5 - _t7                             _t8 = _t5 - _t7
    for i in reversed(_t3):            ->       for i in reversed(_t3):
        _t9_bar = ... * _t8                         _t8 = _t5 - _t7      (_t5, _t7 recomputed too)
        _t8 = _tape.pop()                           _t9_bar = ... * _t8

What the recomputation may read, each as it was when the forward statement ran:

* names nothing reassigns (parameters, values set once outside loops, globals);
* the variable of this loop or of an enclosing one (the reverse loop walks the same values);
* temporaries recomputed earlier in the same iteration;
* a variable the reverse iteration restores from the tape, when the loop body reassigns it
  only after the statement: the recomputation goes after the restore (moved up, past
  statements that do not touch the variable, if a reader comes first).

Never a variable whose array or list anything writes into in place (``a[0] = v``,
``L.append(v)``), nor anything that may share memory with one (``mutated`` is closed over
aliases, views and renames such as ``a = b``): the reverse sweep undoes such a write at the
place of the write, so a recomputation placed after the variable's restore could read the
array as it was after the write, not as the forward statement read it.

Only temporaries assigned once, in no branch, read only inside their loop and after their
assignment; only loops without ``break``/``continue``.
"""

from __future__ import annotations

import collections
from typing import Any, Callable, Dict, List, Optional, Set, Tuple

from .. import syntax as S
from ..syntax import gast
from ..syntax.annotations import Key, get_anno

# (id of the forward assignment, variable) of a restore placeholder statement, else None
Placeholder = Callable[[Any], Optional[Tuple[int, str]]]


def _names(node: Any, ctx: type) -> Set[str]:
    return {n.id for n in S.walk(node) if isinstance(n, gast.Name) and isinstance(n.ctx, ctx)}


def _atom(node: Any) -> bool:
    return isinstance(node, (gast.Name, gast.Constant))


def _index_ok(node: Any) -> bool:
    if isinstance(node, gast.Tuple):
        return all(_index_ok(e) for e in node.elts)
    if isinstance(node, gast.Slice):
        return all(p is None or _atom(p) for p in (node.lower, node.upper, node.step))
    return _atom(node)


def cheap(value: Any, scalar_result: bool) -> bool:
    """One operation worth recomputing: an index or slice of a name, or (when the result is
    known to be a scalar) arithmetic or a comparison of names and numbers."""
    if isinstance(value, gast.Subscript):
        return isinstance(value.value, gast.Name) and _index_ok(value.slice)
    if not scalar_result:
        return False
    if isinstance(value, gast.BinOp):
        return not isinstance(value.op, gast.MatMult) and _atom(value.left) and _atom(value.right)
    if isinstance(value, gast.UnaryOp):
        return _atom(value.operand)
    if isinstance(value, gast.Compare):
        return _atom(value.left) and all(_atom(c) for c in value.comparators)
    return False


class _Plan:
    def __init__(self, fdef_body: List[Any], params: List[str], mutated: Set[str], needed: Set[str],
                 is_scalar: Callable[[str], bool], placeholder: Placeholder) -> None:
        self.needed, self.mutated, self.is_scalar, self.placeholder = needed, mutated, is_scalar, placeholder
        self.stores: Dict[str, int] = collections.Counter()
        for n in S.walk(gast.Module(body=fdef_body, type_ignores=[])):
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store):
                self.stores[n.id] += 1
        once_outside = {st.targets[0].id for st in fdef_body if isinstance(st, gast.Assign)
                        and isinstance(st.targets[0], gast.Name) and self.stores[st.targets[0].id] == 1}
        self.stable = ({p for p in params if self.stores[p] == 0} | once_outside) - mutated
        self.body = fdef_body

    def is_stable(self, name: str, node_is_local: bool) -> bool:
        return not node_is_local or name in self.stable

    def loops(self) -> List[Tuple[Any, Set[str]]]:
        """Every for loop with the names of its own and its enclosing loops' variables."""
        out: List[Tuple[Any, Set[str]]] = []

        def visit(body: List[Any], targets: Set[str]) -> None:
            for st in body:
                if isinstance(st, gast.For):
                    inner = targets | ({st.target.id} if isinstance(st.target, gast.Name)
                                       and self.stores[st.target.id] == 1 else set())
                    out.append((st, inner))
                    visit(st.body, inner)
                elif isinstance(st, (gast.If, gast.While)):
                    visit(st.body, targets)
                    visit(st.orelse, targets)

        visit(self.body, set())
        return out


def plan(fdef_body: List[Any], params: List[str], mutated: Set[str], needed: Set[str],
         is_scalar: Callable[[str], bool], headers: Dict[int, Any], placeholder: Placeholder,
         local: Callable[[Any], bool]) -> Set[str]:
    """Insert recomputations into the reverse loops ``headers`` (id of forward loop -> its
    reverse ``for``) and return the temporaries that need no push any more.  ``fdef_body``:
    the Wengert form's statements, return included; ``needed``: the variables whose restores
    the reverse sweep keeps (to-be-recorded); ``local(name_node)``: a function-local name?"""
    p = _Plan(fdef_body, params, mutated, needed, is_scalar, placeholder)
    done: Set[str] = set()
    for loop, targets in p.loops():
        header = headers.get(id(loop))
        if header is None or any(isinstance(n, (gast.Break, gast.Continue, gast.Return)) for n in S.walk(loop)):
            continue
        inside = {id(n) for n in S.walk(loop)}
        outside = {n.id for n in S.walk(gast.Module(body=fdef_body, type_ignores=[]))
                   if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load) and id(n) not in inside}
        done |= _plan_loop(p, loop, targets, header, outside, local)
    return done


def _plan_loop(p: _Plan, loop: Any, targets: Set[str], header: Any, outside: Set[str],
               local: Callable[[Any], bool]) -> Set[str]:
    body = loop.body
    defs_at: Dict[str, List[int]] = collections.defaultdict(list)  # top-level assignments in the body
    for i, st in enumerate(body):
        for name in _names(st, gast.Store) if isinstance(st, gast.Assign) else ():
            defs_at[name].append(i)
    nested = {n for st in body if not isinstance(st, gast.Assign) for n in _names(st, gast.Store)}
    first_read: Dict[str, int] = {}  # name -> the first statement of the body that reads it
    for i, st in enumerate(body):
        for name in _names(st, gast.Load):
            first_read.setdefault(name, i)
    chosen: Dict[str, Tuple[Any, List[str], List[str]]] = {}  # v -> (statement, recomputed deps, restored deps)
    for i, st in enumerate(body):
        if not (isinstance(st, gast.Assign) and len(st.targets) == 1 and isinstance(st.targets[0], gast.Name)):
            continue
        v = st.targets[0].id
        if p.stores[v] != 1 or v in p.mutated or v in outside or get_anno(st, Key.USER_CALL) is not None \
                or not cheap(st.value, p.is_scalar(v)) or first_read.get(v, len(body)) <= i:
            continue
        deps: List[str] = []
        restored: List[str] = []
        ok = True
        for n in S.walk(st.value):
            if not (isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)):
                continue
            name = n.id
            if name in chosen:
                deps.append(name)
            elif local(n) and name in p.mutated:
                ok = False  # written in place: the reverse sweep may see it before the write is undone
            elif p.is_stable(name, local(n)) or name in targets:
                continue
            elif name in p.needed and name not in nested and defs_at.get(name) \
                    and min(defs_at[name]) > i and len(defs_at[name]) == 1:
                restored.append(name)  # reassigned once, later in the body: restored from the tape
            else:
                ok = False
        if ok:
            chosen[v] = (st, deps, restored)
    # only what the reverse sweep reads, and what that is recomputed from
    keep = {v for v in chosen if v in p.needed}
    for v in reversed(list(chosen)):
        if v in keep:
            keep.update(chosen[v][1])
    rev = header.body
    placed: Dict[str, int] = {}
    out: Set[str] = set()
    for v, (st, deps, restored) in chosen.items():
        if v not in keep or any(d not in placed for d in deps):
            continue
        at = _position(p, rev, v, deps, restored, placed)
        if at is None:
            continue
        rev.insert(at, S.deepcopy(st))
        for name in placed:  # statements after the insertion moved down
            if placed[name] >= at:
                placed[name] += 1
        placed[v] = at
        out.add(v)
    return out


def _restore_index(p: _Plan, rev: List[Any], name: str) -> Optional[int]:
    hits = [k for k, st in enumerate(rev) if isinstance(st, gast.Expr) and (p.placeholder(st) or (0, ""))[1] == name]
    return hits[0] if len(hits) == 1 else None


def _barrier(p: _Plan, st: Any, name: str) -> bool:
    """May a restore of ``name`` not move up past ``st``?"""
    if not isinstance(st, gast.Assign) or any(isinstance(n, gast.Call) and isinstance(n.func, gast.Attribute)
                                              and n.func.attr == "pop" for n in S.walk(st.value)):
        return True
    return name in _names(st, gast.Load) or name in _names(st, gast.Store)


def _position(p: _Plan, rev: List[Any], v: str, deps: List[str], restored: List[str],
              placed: Dict[str, int]) -> Optional[int]:
    """Where the recomputation of ``v`` goes in the reverse body ``rev`` (moving restores up
    when needed), or None."""
    readers = [k for k, st in enumerate(rev) if v in _names(st, gast.Load) and p.placeholder(st) is None]
    first = readers[0] if readers else len(rev)
    ready = max([placed[d] + 1 for d in deps], default=0)
    after_others = max(placed.values(), default=-1) + 1  # in forward order where possible
    if not restored and after_others <= first:
        return max(ready, after_others)
    for name in restored:
        r = _restore_index(p, rev, name)
        if r is None:
            return None
        if r >= first:  # move the restore up to just before the first reader
            if r < ready or any(_barrier(p, rev[k], name) for k in range(first, r)):
                return None
            rev.insert(first, rev.pop(r))
            for d in placed:
                if first <= placed[d] < r:
                    placed[d] += 1
            r = first
            first += 1
        ready = max(ready, r + 1)
    return ready if ready <= first else None
