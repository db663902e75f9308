"""Checks the generated code runs where the analysis cannot know before the code does.

The alias model (:mod:`aliases`) and the mutation checks decide most refusals when the code is
generated; a few depend on the values the code runs with: ``v op= e`` where ``v`` may be a number
or an array (``_tl.number_only``), ``L[i] op= v`` where another entry of ``L`` may hold the same
array (``_tl.held_once``), a slice of a value that may be a list or an array
(``_tl.container_only``).  Each is a call put before the statement it guards::

    _tl.number_only(a, '...')          # raises the refusal's message when a holds an array
    a_1 = a + x
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from .. import syntax as S
from ..frontend.sequences import _assignments
from ..syntax import gast
from ..syntax.annotations import Key, get_anno, set_anno
from .aliases import _enclosing_lists, _local


def made_in_place(w: Any, name: str, ranks: Optional[Dict[str, Any]] = None) -> List[Tuple[Any, str]]:
    """The ``v op= e`` statements (lowered to ``v_1 = v op e``) whose result ``name`` may be,
    through plain renames, where the rank of ``v`` is not known, as (statement, ``v``): Python
    keeps an array ``v`` (a 0-d one too) the same object there, the lowered code makes a new one."""
    names, out, changed = {name}, [], True
    stmts = [st for st in _assignments(w.fdef.body) if isinstance(st, gast.Assign)
             and isinstance(st.targets[0], gast.Name)]
    while changed:
        changed = False
        for st in stmts:
            if st.targets[0].id not in names:
                continue
            base = (get_anno(st, Key.IN_PLACE) or (None,))[0]
            source = base if base is not None else st.value.id if _local(st.value) else None
            if source is None or source in names:
                continue
            names.add(source)
            changed = True
            if base is not None and not isinstance((ranks or {}).get(base), int):
                out.append((st, base))
    return out


def insert_number_check(w: Any, stmt: Any, base: str, error: Any, helper: str = "number_only") -> None:
    """Put ``_tl.number_only(base, message)`` before ``stmt`` in ``w``: ``v op= e`` where the
    rank of ``v`` is unknown runs when ``v`` holds a number, and raises ``error``'s message
    when it holds an array or a list (which Python would change in place).  (``helper``: another
    check of that form, ``container_only``.)"""
    insert_run_time_check(w, stmt, helper, [base], error)


def insert_run_time_check(w: Any, stmt: Any, helper: str, names: List[str], error: Any) -> None:
    """Put ``_tl.<helper>(*names, message)`` before ``stmt`` in ``w``: a check of what the
    analysis cannot know before the code runs, which raises ``error``'s message when it fails."""
    from .. import runtime

    func = S.attribute(S.name(w.aliases["_tl"]), helper)
    call = S.call(func, [S.name(n) for n in names] + [S.const(str(error))])
    set_anno(call, Key.CALLEE, getattr(runtime, helper))
    check = gast.Expr(value=call)
    check.lineno = getattr(stmt, "lineno", None)
    set_anno(check, Key.ORIGIN, get_anno(stmt, Key.ORIGIN))
    body = _enclosing_lists(w.fdef.body)[id(stmt)][-1]
    body.insert(next(i for i, st in enumerate(body) if st is stmt), check)
