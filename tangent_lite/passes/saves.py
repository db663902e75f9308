"""The pass ``drop_unread_saves``: a tape push and its pop go when the other passes removed
every reverse-sweep read of the value::

    _tape.append(_t8) ... _t8 = _tape.pop()   (_t8 no longer read)   ->   neither
"""

from __future__ import annotations

from typing import Any, Dict, List, Set

from ..syntax import gast
from ..syntax.annotations import is_tape
from .index import _names, _remove_stmts, _statements
from .seeds import _restores


def _push_of(stmt: Any, fdef: Any) -> Any:
    """``v`` of ``_tape.append(v)`` (a tape push of a plain name), else None."""
    if isinstance(stmt, gast.Expr) and isinstance(stmt.value, gast.Call) \
            and isinstance(stmt.value.func, gast.Attribute) and stmt.value.func.attr == "append" \
            and isinstance(stmt.value.func.value, gast.Name) and is_tape(stmt.value.func.value.id, fdef) \
            and len(stmt.value.args) == 1 and isinstance(stmt.value.args[0], gast.Name):
        return stmt.value.args[0].id
    return None


def _pop_into(stmt: Any, fdef: Any) -> Any:
    """``v`` of ``v = _tape.pop()``, else None."""
    if isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name) and _restores(stmt.value, fdef) \
            and isinstance(stmt.value, gast.Call):
        return stmt.targets[0].id
    return None


def drop_unread_saves(fdef: Any) -> bool:
    """Remove a tape push and its pop when the other passes removed every reverse-sweep read
    of the value (``fuse_sum_seeds`` no longer reads ``_t8`` for its shape)::

        for t in _t2:                         for t in _t2:
            _tape.append(_t8)                     _t8 = h * h
            _t8 = h * h              ->           ...
        ...                                   for t in reversed(_t2):
        for t in reversed(_t2):                   h_bar = h_bar + h * (2.0 * loss_bar)
            h_bar = h_bar + h * (2.0 * loss_bar)
            _t8 = _tape.pop()

    Only a name pushed once and popped once in this function, where nothing from the loop
    holding the pop on reads it (the tape's other entries keep their order)."""
    pushes: Dict[str, List[Any]] = {}
    pops: Dict[str, List[Any]] = {}
    for n in _statements(fdef.body):  # pushes and pops are statements: expressions need no look
        if _push_of(n, fdef) is not None:
            pushes.setdefault(_push_of(n, fdef), []).append(n)
        if _pop_into(n, fdef) is not None:
            pops.setdefault(_pop_into(n, fdef), []).append(n)
    candidates = [v for v in sorted(set(pushes) & set(pops)) if len(pushes[v]) == 1 and len(pops[v]) == 1]
    if not candidates:
        return False
    # Which top-level statements read each name, and how often: one walk of the function,
    # brought up to date as pushes and pops go (a removal changes no other statement, and the
    # top-level statements keep their order, so their first positions still compare).
    top: Dict[int, int] = {}  # id(statement) -> position of the top-level statement holding it
    readers: Dict[str, Dict[int, int]] = {}  # name -> {position of a top-level statement: reads}
    for i, st in enumerate(fdef.body):
        for n in _statements([st]):
            top[id(n)] = i
        for name in _names(st)[0]:
            at_i = readers.setdefault(name, {})
            at_i[i] = at_i.get(i, 0) + 1
    gone: Set[int] = set()
    for v in candidates:
        push, pop = pushes[v][0], pops[v][0]
        at, before = top.get(id(pop)), top.get(id(push))
        if at is None or before is None or before >= at or not isinstance(fdef.body[at], (gast.For, gast.While)):
            continue
        if any(i >= at for i in readers.get(v, ())):
            continue
        for stmt, i in ((push, before), (pop, at)):
            for name in _names(stmt)[0]:
                left = readers[name][i] - 1
                if left:
                    readers[name][i] = left
                else:
                    del readers[name][i]
        gone.update((id(push), id(pop)))
    if gone:
        _remove_stmts(fdef.body, gone)
    return bool(gone)
