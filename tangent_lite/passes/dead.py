"""The pass ``remove_dead``: derivative variables that nothing reads are not computed::

    _t20_bar = a_bar, b_bar                ->    (gone: nothing reads _t20_bar)
"""

from __future__ import annotations

from typing import Any, List, Optional, Set

from .. import syntax as S
from ..syntax import gast
from ..syntax.annotations import must_run
from .index import Counts, _statements, name_counts


def remove_dead(fdef: Any, protected: Set[str], counts: Optional[Counts] = None) -> bool:
    """Drop assignments to derivative names nobody reads (never a tape pop; ``v += c`` reads
    ``v``: ``v = zeros`` before it stays).  ``counts``: :func:`name_counts` of ``fdef`` if known."""
    loads = set((counts or name_counts(fdef))[1]) | {
        st.target.id for st in _statements(fdef.body) if isinstance(st, gast.AugAssign)
        and isinstance(st.target, gast.Name)}
    changed = False

    def dead(stmt: Any) -> bool:
        if not isinstance(stmt, gast.Assign) or not isinstance(stmt.targets[0], gast.Name):
            return False
        name = stmt.targets[0].id
        if name in protected or name in loads or must_run(stmt):
            return False
        return not any(isinstance(n, gast.Attribute) and n.attr == "pop" for n in S.walk(stmt.value))

    def visit(body: List[Any]) -> List[Any]:
        nonlocal changed
        out = []
        for stmt in body:
            for field in ("body", "orelse"):
                if isinstance(getattr(stmt, field, None), list) and not isinstance(stmt, gast.FunctionDef):
                    setattr(stmt, field, visit(getattr(stmt, field)))
            if dead(stmt):
                changed = True
                continue
            if isinstance(stmt, (gast.If, gast.For, gast.While)) and not stmt.body and not getattr(stmt, "orelse", []) \
                    and not must_run(stmt):
                changed = True
                continue
            if isinstance(stmt, (gast.If, gast.For, gast.While)) and not stmt.body:
                stmt.body = [gast.Pass()]
            out.append(stmt)
        return out

    fdef.body = visit(fdef.body)
    return changed
