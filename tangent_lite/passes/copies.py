"""The pass ``propagate_copies``: a derivative temporary that only copies another name is
replaced by it, and the copy goes::

    _t6_bar = s_bar                        ->    s_bar = _tl.unbroadcast(s_bar, s)
    s_bar = _tl.unbroadcast(_t6_bar, s)
"""

from __future__ import annotations

import bisect
from typing import Any, Dict, List, Optional, Set

from .. import syntax as S
from ..syntax import gast
from .index import Counts, StmtNames, _NameMemo, _statements, name_counts


class _BlockNames:
    """Where the names of one block are read and written, by position in the block (a
    statement's own nested statements count at its position), and where its ``if``, ``for``
    and ``while`` statements stand: what a copy's look ahead needs, without walking the rest
    of the block for every copy.  Kept up to date as loads are renamed."""

    def __init__(self, body: List[Any], memo: _NameMemo) -> None:
        self.loads: Dict[str, Dict[int, int]] = {}  # name -> {position: how often it is read there}
        self.stores: Dict[str, List[int]] = {}  # name -> positions that assign it, ascending
        self.compound: List[int] = []  # positions of if / for / while statements, ascending
        for p, st in enumerate(body):
            if isinstance(st, (gast.If, gast.For, gast.While)):
                self.compound.append(p)
            for name in memo.loads(st):
                at = self.loads.setdefault(name, {})
                at[p] = at.get(p, 0) + 1
            for name in memo.stores(st):
                at_p = self.stores.setdefault(name, [])
                if not at_p or at_p[-1] != p:
                    at_p.append(p)

    def first_store(self, name: str, after: int) -> int:
        positions = self.stores.get(name, ())
        k = bisect.bisect_right(positions, after)
        return positions[k] if k < len(positions) else _NEVER

    def first_compound(self, after: int) -> int:
        k = bisect.bisect_right(self.compound, after)
        return self.compound[k] if k < len(self.compound) else _NEVER

    def read_at(self, name: str, low: int, high: int) -> List[int]:
        """The positions in (low, high] that read ``name``, ascending."""
        return sorted(p for p in self.loads.get(name, ()) if low < p <= high)

    def rename(self, old: str, new: str, position: int) -> None:
        count = self.loads[old].pop(position)
        at = self.loads.setdefault(new, {})
        at[position] = at.get(position, 0) + count


_NEVER = 1 << 62


def propagate_copies(fdef: Any, protected: Set[str], counts: Optional[Counts] = None,
                     names: Optional[StmtNames] = None, dirty: Optional[Set[int]] = None) -> bool:
    """Replace ``a`` by ``b`` after ``a = b`` (a: a derivative temporary assigned once,
    read only later in the same block, before ``b`` changes), and drop the copy.
    ``counts``: :func:`name_counts` of ``fdef`` if known; ``names``: its :class:`StmtNames`;
    ``dirty``: collects the ids of the statements changed in place."""
    stores, loads = counts or name_counts(fdef)
    changed = False
    memo = _NameMemo(names)

    def visit(body: List[Any]) -> List[Any]:
        nonlocal changed
        out: List[Any] = []
        index: Optional[_BlockNames] = None  # made when the block's first copy is looked at
        for i, stmt in enumerate(body):
            for field in ("body", "orelse"):
                if isinstance(getattr(stmt, field, None), list) and not isinstance(stmt, gast.FunctionDef):
                    before = changed
                    setattr(stmt, field, visit(getattr(stmt, field)) or ([gast.Pass()] if field == "body" else []))
                    if changed is not before:  # something in it went or was renamed
                        memo.forget(stmt)
            if (isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name)
                    and isinstance(stmt.value, gast.Name) and stmt.targets[0].id not in protected
                    and stores.get(stmt.targets[0].id) == 1 and loads.get(stmt.targets[0].id)):
                a, b = stmt.targets[0].id, stmt.value.id
                if index is None:
                    index = _BlockNames(body, memo)
                # a's reads from here on: up to the next if / for / while, or up to the next
                # statement that assigns a or b; none may follow
                compound = index.first_compound(i)
                written = min(index.first_store(a, i), index.first_store(b, i))
                if compound <= written:  # it stops before an if / for / while, or at the block's end
                    counted_to, last = compound - 1, compound
                else:  # it stops at (and counts) the statement that assigns a or b
                    counted_to = last = written
                uses = sum(index.loads[a][p] for p in index.read_at(a, i, counted_to))
                if uses and uses == loads.get(a, 0) and not index.read_at(a, last, _NEVER):
                    for p in index.read_at(a, i, last):
                        _rename_loads(body[p], a, b)
                        index.rename(a, b, p)
                        memo.forget(body[p])
                        if dirty is not None:
                            dirty.update(id(st) for st in _statements([body[p]]))
                    changed = True
                    continue
            out.append(stmt)
        return out

    fdef.body = visit(fdef.body)
    return changed


def _rename_loads(node: Any, old: str, new: str) -> None:
    for n in S.walk(node):
        if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load) and n.id == old:
            n.id = new
