"""The pass ``forward_tuples``: the elements of a tuple built just before are read directly::

    _t20_bar = a_bar, b_bar                ->    f(a_bar)
    f(_t20_bar[0])
"""

from __future__ import annotations

from typing import Any, List, Optional, Set

from .. import syntax as S
from ..syntax import gast
from .index import Counts, _stores, name_counts


def forward_tuples(fdef: Any, protected: Set[str], counts: Optional[Counts] = None) -> bool:
    """Read the elements of a tuple built just before directly (``t`` a derivative
    temporary assigned once, read only as ``t[k]`` before its elements change)::

        _t20_bar = k4u_bar, k4v_bar          ->    g = f_bwd(res, k4u_bar, k4v_bar)
        g = f_bwd(res, _t20_bar[0], _t20_bar[1])

    (``remove_dead`` then drops the unused tuple.)  ``counts``: :func:`name_counts` of
    ``fdef`` if known."""
    stores, loads = counts or name_counts(fdef)
    loads = dict(loads)  # updated below as tuples go
    changed = False

    def items(node: Any, t: str) -> List[Any]:
        return [n for n in S.walk(node) if isinstance(n, gast.Subscript) and isinstance(n.value, gast.Name)
                and n.value.id == t and isinstance(n.slice, gast.Constant) and type(n.slice.value) is int]

    def visit(body: List[Any]) -> None:
        nonlocal changed
        for i, stmt in enumerate(body):
            for field in ("body", "orelse"):
                if isinstance(getattr(stmt, field, None), list) and not isinstance(stmt, gast.FunctionDef):
                    visit(getattr(stmt, field))
            if not (isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name)
                    and isinstance(stmt.value, gast.Tuple) and stmt.targets[0].id not in protected
                    and stores.get(stmt.targets[0].id) == 1
                    and all(isinstance(e, (gast.Name, gast.Constant)) for e in stmt.value.elts)):
                continue
            t, elts = stmt.targets[0].id, stmt.value.elts
            names = {e.id for e in elts if isinstance(e, gast.Name)} | {t}
            window: List[Any] = []
            for later in body[i + 1:]:
                if isinstance(later, (gast.If, gast.For, gast.While)):
                    break
                window.append(later)
                if names & set(_stores(later)):
                    break
            found = [n for later in window for n in items(later, t)]
            if not found or len(found) != loads.get(t, 0) or any(n.slice.value >= len(elts) for n in found):
                continue
            for later in window:
                _replace_items(later, t, elts)
            changed = True
            loads[t] = 0

    visit(fdef.body)
    return changed


def _replace_items(node: Any, t: str, elts: List[Any]) -> None:
    class Replace(gast.NodeTransformer):
        def visit_Subscript(self, n: Any) -> Any:
            self.generic_visit(n)
            if isinstance(n.value, gast.Name) and n.value.id == t and isinstance(n.slice, gast.Constant):
                return S.deepcopy(elts[n.slice.value])
            return n

    Replace().visit(node)
