"""The finishing pass ``own_what_is_updated``: ``v += c`` goes back to ``v = v + c`` where
some assignment of ``v`` no longer makes a new array::

    x_bar = _t2_bar                 x_bar = _t2_bar
    x_bar += c           ->         x_bar = x_bar + c
"""

from __future__ import annotations

import collections
from typing import Any, Dict, List, Set

from .. import syntax as S
from ..syntax import gast
from ..syntax.annotations import Key, get_anno
from .index import _statements
from .marks import FACTS

# runtime helpers that return new arrays
_ALLOCATING = ("zeros_like", "getitem_bar", "setitem", "zero_index", "strong_mul", "strong_div", "pow_base_bar")


def own_what_is_updated(fdef: Any) -> bool:
    """``v += c`` changes ``v``'s array in place: the derivative passes write it only where
    every assignment to ``v`` makes a new array, but a pass may since have turned one into a
    plain reference (``v = g * 1.0`` folded to ``v = g``, where ``g`` is the caller's
    cotangent).  Where some assignment to ``v`` no longer allocates, ``v += c`` goes back to
    ``v = v + c``::

        x_bar = _t2_bar                 x_bar = _t2_bar
        x_bar += c           ->         x_bar = x_bar + c

    Where every assignment allocates, ``v += c`` becomes ``v = _tl.add_into(v, c)``: in place,
    except where a complex ``c`` meets a real ``v`` (the adjoint of a complex value whose first
    contribution was real), which NumPy cannot add in place."""
    updated = {st.target.id for st in _statements(fdef.body)
               if isinstance(st, gast.AugAssign) and isinstance(st.target, gast.Name)}
    if not updated:
        return False
    facts = getattr(fdef, FACTS, None)
    tl = facts.tl if facts is not None else (get_anno(fdef, Key.BUILTINS) or {}).get("_tl", "_tl")

    def allocates(value: Any) -> bool:
        if isinstance(value, (gast.BinOp, gast.UnaryOp)):
            return True
        return isinstance(value, gast.Call) and isinstance(value.func, gast.Attribute) \
            and isinstance(value.func.value, gast.Name) and value.func.value.id == tl \
            and value.func.attr in _ALLOCATING

    params = {a.arg if hasattr(a, "arg") else a.id for a in fdef.args.args}
    values: Dict[str, List[Any]] = {}
    for st in _statements(fdef.body):
        if isinstance(st, gast.Assign):
            for t in st.targets:
                if isinstance(t, gast.Name):
                    values.setdefault(t.id, []).append(st.value)
    loads = collections.Counter(n.id for n in S.walk(fdef) if isinstance(n, gast.Name)
                                and isinstance(n.ctx, gast.Load))

    def ours(name: str, seen: Set[str]) -> bool:
        """Does every assignment of ``name`` make a new array (or take over one nothing else reads)?"""
        if name in params or name in seen or name not in values:
            return False
        seen.add(name)
        return all(allocates(v) or (isinstance(v, gast.Name) and loads[v.id] == 1 and ours(v.id, seen))
                   for v in values[name])

    shared = {name for name in updated if not ours(name, set())}

    def visit(body: List[Any]) -> None:
        for i, st in enumerate(body):
            if isinstance(st, gast.AugAssign) and isinstance(st.target, gast.Name):
                if st.target.id in shared:
                    value = gast.BinOp(left=S.name(st.target.id), op=st.op, right=st.value)
                elif isinstance(st.op, gast.Add):
                    value = S.call(S.attribute(S.name(tl), "add_into"), [S.name(st.target.id), st.value])
                else:
                    continue
                new = S.assign(st.target.id, value)
                new.lineno = getattr(st, "lineno", None)
                body[i] = new
            for fname in ("body", "orelse"):
                inner = getattr(st, fname, None)
                if isinstance(inner, list) and not isinstance(st, gast.FunctionDef):
                    visit(inner)

    visit(fdef.body)
    return True
