"""Adjoints: their names, their accumulation, the zeros materialised where control flow
merges, and which adjoint arrays the pass owns (may update in place)."""

from __future__ import annotations

import itertools
from typing import Any, Dict, List, Set, Tuple

from ... import syntax as S
from ...analysis.shapes import scalar
from ...frontend.sequences import container_vars as surely_containers
from ...syntax import gast
from .names import _loaded, _simplifies_to_a_reference
from .state import PassState


class Adjoints:
    """Adjoint naming and accumulation: the first contribution assigns ``x_bar = c``, later ones
    ``x_bar = x_bar + c`` (or ``+=`` into an array the pass owns); zeros where needed."""

    def __init__(self, ps: PassState, ownership: Ownership):
        self.ps, self.ownership = ps, ownership

    def bar(self, var: str) -> str:
        return self.ps.namer.adjoint(var)

    def add(self, left: Any, right: Any, var: str) -> Any:
        """``left + right`` for adjoints of numbers and arrays; ``_tl.add`` (entrywise) where the
        variable may hold a list, tuple or record (``+`` would concatenate)."""
        if var in self.ps.containers or not isinstance((self.ps.ranks or {}).get(var), int):
            return self.ps.call("add", [left, right])
        return gast.BinOp(left=left, op=gast.Add(), right=right)

    def accumulate(self, var: str, contrib: Any, state: Set[str], out: List[Any]) -> None:
        bar = self.bar(var)
        if var in state and var in self.ps.owned and var not in self.ps.containers and self.ps.ranks is not None \
                and (self.ps.ranks.get(var) or 0) >= 1:
            # an array allocated here that nothing else references: add in place (no new array)
            out.append(gast.AugAssign(target=S.name(bar, store=True), op=gast.Add(), value=contrib))
        elif var in state:
            out.append(S.assign(bar, self.add(S.name(bar), contrib, var)))
        else:
            out.append(S.assign(bar, contrib))
            state.add(var)

    def zero(self, var: str) -> Any:
        if scalar(self.ps.ranks, S.name(var)):
            return S.assign(self.bar(var), S.const(0.0))
        return S.assign(self.bar(var), self.ps.call("zeros_like", [S.name(var)]))

    def materialize(self, want: Set[str], have: Set[str]) -> List[Any]:
        out = [self.zero(v) for v in sorted(want - have)]
        self.ownership.track(out)
        return out


class Ownership:
    """Which adjoint arrays were allocated by the pass and are referenced by nothing else
    (``PassState.owned``), from the adjoint statements as they are generated."""

    def __init__(self, ps: PassState):
        self.ps = ps
        self._inverse: Tuple[Any, int, Dict[str, str]] = (None, 0, {})  # _adjoint_of's (namer, size, mapping)
        self._sure: Tuple[Any, Set[str]] = (None, set())  # (the Wengert function, its sure containers)

    _FRESH = ("zeros_like", "getitem_bar", "setitem", "zero_index", "zero_item", "strong_mul",
              "strong_div", "pow_base_bar", "add_item", "slice_write_bar", "slice_write_zero", "copied")

    def _adjoint_of(self) -> Dict[str, str]:
        """adjoint name -> its variable, of the names handed out so far (the namer only ever
        adds adjoints: the mapping grows by the ones added since)."""
        namer = self.ps.namer
        known, size, inverse = self._inverse
        if known is not namer:
            size, inverse = 0, {}
        if size != len(namer._adjoints):  # the newest are the last added: only those are looked at
            for var, bar in itertools.islice(reversed(namer._adjoints.items()), len(namer._adjoints) - size):
                inverse[bar] = var
            self._inverse = (namer, len(namer._adjoints), inverse)
        return inverse

    def _surely_container(self, var: str) -> bool:
        """``var`` holds a list, tuple or dict (never an array) in this specialisation: reading an
        entry of its adjoint does not share the adjoint itself (entries are replaced, never
        changed in place)."""
        if self._sure[0] is not self.ps.w:
            self._sure = (self.ps.w, surely_containers(self.ps.w.fdef.body, self.ps.w.params))
        return var in self._sure[1]

    def track(self, stmts: List[Any]) -> None:
        """Which adjoint arrays were allocated here and are referenced by nothing else (so
        ``x_bar[i] += g`` may update them in place): fresh results of arithmetic and of the
        allocating helpers are; an adjoint read into another one is not any more."""
        adjoint_of = self._adjoint_of()
        for st in stmts:
            target = st.targets[0].id if isinstance(st, gast.Assign) and isinstance(st.targets[0], gast.Name) \
                else None
            value = st.value if isinstance(st, (gast.Assign, gast.Expr)) else None
            if isinstance(st, gast.AugAssign):
                continue  # x_bar[i] += g: reads g by value, x_bar stays ours
            if self.ps.owned:  # (else there is nothing to give up)
                func = value.func if isinstance(value, gast.Call) else None
                popped = func.value.id if isinstance(func, gast.Attribute) and func.attr == "pop" \
                    and isinstance(func.value, gast.Name) else None
                items_only = _read_by_item(value) if value is not None else set()
                for name in _loaded([value] if value is not None else [st]):
                    if name in adjoint_of and name != target and name != popped:  # (L_bar.pop(): an item out)
                        if name in items_only and self._surely_container(adjoint_of[name]):
                            continue  # g = L_bar[i]: an entry out, the list itself stays ours
                        self.ps.owned.discard(adjoint_of[name])
            if target in adjoint_of:
                var = adjoint_of[target]
                fresh = isinstance(value, (gast.BinOp, gast.UnaryOp)) or (
                    isinstance(value, gast.Call) and isinstance(value.func, gast.Attribute)
                    and isinstance(value.func.value, gast.Name) and value.func.value.id == self.ps.tl
                    and value.func.attr in self._FRESH)
                if fresh and _simplifies_to_a_reference(value):
                    fresh = False  # g * 1.0 or -(-g) becomes g itself: it may be the caller's seed
                if fresh:
                    self.ps.owned.add(var)
                else:
                    self.ps.owned.discard(var)


def _read_by_item(value: Any) -> Set[str]:
    """The names ``value`` reads only through an index (``L_bar[i]``, never ``L_bar`` itself)."""
    whole: Set[str] = set()
    by_item: Set[str] = set()
    item_names = set()
    for n in S.walk(value):
        if isinstance(n, gast.Subscript) and isinstance(n.value, gast.Name) and isinstance(n.ctx, gast.Load):
            item_names.add(id(n.value))
            by_item.add(n.value.id)
    for n in S.walk(value):
        if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load) and id(n) not in item_names:
            whole.add(n.id)
    return by_item - whole
