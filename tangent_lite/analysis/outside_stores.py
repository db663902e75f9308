"""Stores of values without derivatives into memory that is not local to the call (a
counter, ``tl.stop_gradient(v)`` in a module-level array), in the function's Wengert form.

They are the user's side effects: the reverse sweep must not undo them (:func:`outside_memory`
names the variables whose item writes it leaves alone).  It reads such memory as it is at
its end, so a store after a statement whose derivative reads that memory is refused
(:func:`store_after_read_errors`)::

    y = np.sum(G * x)   # the reverse sweep reads G for the derivative of this line
    G[2] = 5.0          # refused: it would read the new G (and undoing the store would lose it)

Stores of values with derivatives are refused by :mod:`.outside_writes`."""

from __future__ import annotations

import types
from typing import Any, Dict, List, Set, Tuple

from .. import syntax as S
from ..errors import TangentLiteError, UnsupportedConstructError
from ..frontend.anf import Wengert
from ..syntax import gast
from ..syntax.annotations import Key, get_anno
from .scopes import VIEW_METHODS
from .statements import is_local

_NO = object()


def _non_local(atom: Any) -> bool:
    """A module-level name or attribute chain of one, resolved by the lowering."""
    return isinstance(atom, (gast.Name, gast.Attribute)) and get_anno(atom, Key.CALLEE, _NO) is not _NO


def _item_write(stmt: Any) -> Any:
    """The variable ``x`` of ``x[i] = v``, or None."""
    if isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Subscript) \
            and isinstance(stmt.targets[0].value, gast.Name):
        return stmt.targets[0].value
    return None


def _held(body: List[Any]) -> Dict[str, str]:
    """Variable -> the non-local memory it holds, as spelled (``G``, ``B.arr``): a module-level
    name written into by item, a local bound to one or to an attribute of a module-level
    object (``_t = B.arr``, ``a = G``), and what is made from those by an alias, an index or
    a view method (``v = a[0:2]``, ``r = a.reshape(3)``)."""
    held: Dict[str, str] = {}
    statements = _statements(body)
    for stmt in statements:
        base = _item_write(stmt)
        if base is not None and not is_local(base):
            held[base.id] = base.id
    while True:
        before = len(held)
        for stmt in statements:
            if not (isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name)):
                continue
            value = stmt.value
            if isinstance(value, gast.Subscript) or isinstance(value, gast.Call) and \
                    isinstance(value.func, gast.Attribute) and value.func.attr in VIEW_METHODS:
                if isinstance(value, gast.Subscript):
                    value = value.value
                elif isinstance(get_anno(value.func.value, Key.CALLEE), types.ModuleType):  # np.reshape(v, s)
                    value = value.args[0] if value.args else value
                else:
                    value = value.func.value
            if _non_local(value):
                held.setdefault(stmt.targets[0].id, S.to_source(value))
            elif isinstance(value, gast.Name) and value.id in held:
                held.setdefault(stmt.targets[0].id, held[value.id])
        if len(held) == before:
            return held


def outside_memory(body: List[Any]) -> Set[str]:
    """The variables whose item writes change memory not local to the call (see :func:`_held`):
    the reverse sweep leaves those writes alone."""
    return set(_held(body))


def _statements(body: List[Any]) -> List[Any]:
    out: List[Any] = []
    for stmt in body:
        out.append(stmt)
        for field in ("body", "orelse"):
            if isinstance(stmt, (gast.If, gast.For, gast.While)):
                out += _statements(getattr(stmt, field))
    return out


def store_after_read_errors(w: Wengert, active: Set[str], varied: Set[str]) -> List[Tuple[Any, TangentLiteError]]:
    """Item writes of values without derivatives (``varied``: the variables with) into memory
    not local to the call after (or, in a loop, anywhere around) a statement with derivatives
    that reads it: (statement, error) pairs.  (Values with derivatives: outside_writes.py.)"""
    held = _held(w.fdef.body)
    written = {held[b.id] for b in map(_item_write, _statements(w.fdef.body)) if b is not None and b.id in held}
    if not written:
        return []
    out: List[Tuple[Any, TangentLiteError]] = []

    def reads(stmts: List[Any]) -> Set[str]:
        """The non-local memory the statements with derivatives among ``stmts`` read."""
        found: Set[str] = set()
        for st in _statements(stmts):
            if isinstance(st, gast.Assign) and {t.id for t in st.targets if isinstance(t, gast.Name)} & active:
                for node in S.walk(st.value):
                    if isinstance(node, gast.Name) and node.id in held:
                        found.add(held[node.id])
                    elif _non_local(node):
                        found.add(S.to_source(node))
        return found

    def walk(stmts: List[Any], read: Set[str]) -> Set[str]:
        for st in stmts:
            if isinstance(st, (gast.For, gast.While)):
                read = walk(st.body + st.orelse, read | reads([st]))
            elif isinstance(st, gast.If):
                read = walk(st.body, set(read)) | walk(st.orelse, set(read))
            else:
                base = _item_write(st)
                if base is not None and base.id in held and held[base.id] in read \
                        and not S.loaded_names(st.value) & varied:
                    location = w.src.location(st)
                    out.append((st, UnsupportedConstructError(
                        f"'{location.text.strip()}' changes '{held[base.id]}', memory that is not local to the "
                        "function, after a computation above read it: the reverse sweep reads it again for that "
                        "computation's derivative, and would see the change", location,
                        f"compute with a local copy (a = np.array({held[base.id]})), and store into "
                        f"'{held[base.id]}' only after its last use in the function")))
                read |= reads([st])
        return read

    walk(w.fdef.body, set())
    return out
