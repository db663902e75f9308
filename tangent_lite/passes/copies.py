"""The pass ``propagate_copies``: a derivative temporary that only copies another name is
replaced by it, and the copy goes::

    _t6_bar = s_bar                        ->    s_bar = _tl.unbroadcast(s_bar, s)
    s_bar = _tl.unbroadcast(_t6_bar, s)
"""

from __future__ import annotations

from typing import Any, List, Optional, Set

from .. import syntax as S
from ..syntax import gast
from .index import Counts, StmtNames, _NameMemo, _statements, name_counts


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
        i = 0
        while i < len(body):
            stmt = body[i]
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
                rest = body[i + 1:]
                uses, j = 0, 0
                for j, later in enumerate(rest):  # noqa: B007 (j is used after the loop)
                    if isinstance(later, (gast.If, gast.For, gast.While)):
                        break
                    uses += memo.loads(later).count(a)
                    if b in memo.stores(later) or a in memo.stores(later):
                        break
                else:
                    j = len(rest)
                if uses and uses == loads.get(a, 0) and (
                        j == len(rest) or not any(a in memo.loads(s) for s in rest[j + 1:])):
                    for later in rest[: j + 1]:
                        if a in memo.loads(later):
                            _rename_loads(later, a, b)
                            memo.forget(later)
                            if dirty is not None:
                                dirty.update(id(st) for st in _statements([later]))
                    changed = True
                    i += 1
                    continue
            out.append(stmt)
            i += 1
        return out

    fdef.body = visit(fdef.body)
    return changed


def _rename_loads(node: Any, old: str, new: str) -> None:
    for n in S.walk(node):
        if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load) and n.id == old:
            n.id = new
