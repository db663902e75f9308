"""Where the statements of a lowered function sit in program order, and what surely runs between
two of them: the flow-sensitive part of the alias model (:mod:`.shared_writes`).

Positions number the simple statements (:func:`sequences._assignments`) in the order they are
written; a loop's body runs again after its last statement.  A statement surely runs between two
positions when it lies between them in a statement list that encloses one of the two ends (an
``if`` counts when both of its arms re-bind the variable; a loop may run no iteration)::

    s = G                     # 0: s shares G ...
    for i in range(3):
        s = s.copy()          # 1: ... until here, on every path to the write
        s[i] = s[i] * x[i]    # 2: a write into the copy, never into G
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Set, Tuple

from .. import syntax as S
from ..frontend.sequences import _assignments
from ..syntax import gast
from ..syntax.annotations import Key, get_anno


class ProgramOrder:
    """The positions of the simple statements of ``body`` (a function's), the loops and the
    statement lists around each, and where each variable is re-bound."""

    def __init__(self, body: List[Any]) -> None:
        self.stmts = list(_assignments(body))
        self.order = {id(st): i for i, st in enumerate(self.stmts)}
        self.lists = _enclosing_lists(body)
        # (the loops of this function, not of a function defined in it, whose statements have no position)
        self.loop_bodies: List[Set[int]] = [{self.order[id(st)] for st in _assignments(st.body)}
                                            for st in _statements(body) if isinstance(st, (gast.For, gast.While))]
        self.store_at: Dict[str, List[Tuple[int, Any]]] = {}  # variable -> (position, statement) re-binding it
        for st in self.stmts:
            if isinstance(st, gast.Assign):
                for t in st.targets:
                    for n in S.walk(t):
                        if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store):
                            self.store_at.setdefault(n.id, []).append((self.order[id(st)], st))
        self._spans: Dict[int, Tuple[int, int]] = {}

    def again(self, at: int) -> Set[int]:
        """The positions that may run again after the statement at ``at`` (its loops' bodies)."""
        return set().union(*[body for body in self.loop_bodies if at in body])

    def span(self, st: Any) -> Optional[Tuple[int, int]]:
        """The first and last position inside ``st`` (None: no simple statement in it)."""
        if id(st) not in self._spans:
            inside = [self.order[id(a)] for a in _assignments([st])]
            self._spans[id(st)] = (min(inside), max(inside)) if inside else (-1, -1)
        return None if self._spans[id(st)][0] < 0 else self._spans[id(st)]

    def surely_between(self, var: str, start: int, stop: int, reader: Any, writer: Any, new: bool = False) -> bool:
        """Is ``var`` re-bound, on every path, by statements at positions in (start, stop) that
        run whenever ``reader`` (or, after it, ``writer``) does: statements of a list enclosing
        either of them; an ``if`` counts when both of its arms re-bind it?  ``new``: to another
        object in Python too (not by ``var op= e``, which keeps an array)."""
        if not any(start < p < stop for p, _ in self.store_at.get(var, [])):
            return False
        chains = self.lists.get(id(reader), []) + self.lists.get(id(writer), [])
        for body in {id(b): b for b in chains}.values():
            for st in body:
                where = self.span(st)
                if where is not None and start < where[0] and where[1] < stop and surely_stores(st, var, new):
                    return True
        return False

    def replaced(self, pos: int, var: str, at: int) -> bool:
        """Is the binding of ``var`` made at ``pos`` made again on every path from it to the
        statement at ``at``?  From after it (``pos > at``, in a loop holding both), the path goes
        round the innermost such loop."""
        st, writer = self.stmts[pos], self.stmts[at]
        if not surely_stores(st, var):  # (L.append(x), x[i] = v: var's object changes, not var)
            return False
        if pos < at:
            return self.surely_between(var, pos, at, writer, writer, new=True)
        loop = min((body for body in self.loop_bodies if pos in body and at in body), key=len)
        return self.surely_between(var, min(loop) - 1, at, writer, writer, new=True)

    def reaching(self, edges: List[Tuple[Any, ...]], at: int, base: str) -> List[Tuple[Any, ...]]:
        """The links ``(position, alias, ...)`` that may hold when the statement at ``at`` writes into
        ``base``: made before it, or after it in a loop that runs it again; not one that made
        ``base`` itself share when ``base`` is re-bound on every path from there to the write."""
        again = self.again(at)
        return [e for e in edges if (e[0] < at or e[0] in again)
                and not (e[1] == base and self.replaced(e[0], base, at))]


def surely_stores(stmt: Any, var: str, new: bool = False) -> bool:
    """Does running ``stmt`` always re-bind ``var`` (loops may run no iteration)?  ``new``: to another
    object in Python too (``v op= e``, lowered to ``v = v op e``, keeps an array the same object)."""
    if isinstance(stmt, gast.Assign):
        if new and get_anno(stmt, Key.IN_PLACE):
            return False
        return any(isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store) and n.id == var
                   for t in stmt.targets for n in S.walk(t))
    if isinstance(stmt, gast.If):
        return any(surely_stores(s, var, new) for s in stmt.body) \
            and any(surely_stores(s, var, new) for s in stmt.orelse)
    return False


def _statements(body: List[Any]) -> List[Any]:
    """The statements of ``body`` and of the statement lists inside them (not inside a function)."""
    out: List[Any] = []
    for st in body:
        out.append(st)
        for field in ("body", "orelse"):
            inner = getattr(st, field, None)
            if isinstance(inner, list) and not isinstance(st, gast.FunctionDef):
                out.extend(_statements(inner))
    return out


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
