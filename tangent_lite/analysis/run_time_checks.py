"""Checks the generated code runs where the analysis cannot know before the code does.

The alias model (:mod:`aliases`) and the mutation checks decide most refusals when the code is
generated; a few depend on the values the code runs with: ``v op= e`` where ``v`` may be a number
or an array (``_tl.number_only``), ``L[i] op= v`` where another entry of ``L`` may hold the same
array (``_tl.held_once``), a slice of a value that may be a list or an array
(``_tl.container_only``), an operand of an operator or a NumPy function that may be an object of
the user's class (``_tl.array_method``, :mod:`receivers`), a complex value given to a rule verified
for real input only (``_tl.real_only``).  Each is a call put before the statement it guards, by
:func:`insert_run_time_check`, in every mode's code (the derivative code carries its checks: ``tl.source``
and ``adgen`` show and write them)::

    _tl.number_only(a, '...')          # raises the refusal's message when a holds an array
    a_1 = a + x
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from .. import syntax as S
from ..frontend.sequences import _assignments
from ..syntax import gast
from ..syntax.annotations import Key, get_anno, set_anno
from .aliases import _local

# the runtime helpers :func:`insert_run_time_check` calls (and the lowering's ``v.dot(u)`` receiver check):
# statements that compute nothing (tl.trace shows none of them)
CHECKS = frozenset({"number_only", "container_only", "held_once", "array_method", "real_only"})
_OF_THE_TYPE = CHECKS - {"held_once"}  # (checks of what type a value has, which no in-place change changes)


def is_check(stmt: Any) -> bool:
    """A check :func:`insert_run_time_check` put in (a gast statement)."""
    from .. import runtime

    call = stmt.value if isinstance(stmt, gast.Expr) else None
    callee = get_anno(call, Key.CALLEE) if isinstance(call, gast.Call) else None
    return callee is not None and any(callee is getattr(runtime, name, None) for name in CHECKS)


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


def insert_run_time_check(w: Any, stmt: Any, helper: str, names: List[str], error: Any, *options: Any) -> None:
    """Put ``_tl.<helper>(*names, message, *options)`` before ``stmt`` in ``w``: a check of what the
    analysis cannot know before the code runs, which raises ``error``'s message when it fails.
    One routine for every such check (``number_only``, ``container_only``, ``held_once``,
    ``array_method``, ``real_only``), in any statement list (loops, branches, ``try`` bodies).
    A check of a value's type is left out when the same check of the same variables already runs
    before ``stmt`` on every path (earlier in a statement list that holds ``stmt``) and none of
    them can have changed since: variables the function assigns once, parameters it never assigns."""
    from .. import runtime

    assert helper in CHECKS, helper
    path = _path(w.fdef.body, stmt)
    if _checked_before(w, path, helper, names, options):
        return
    func = S.attribute(S.name(w.aliases["_tl"]), helper)
    set_anno(func, Key.CALLEE, getattr(runtime, helper))
    call = S.call(func, [S.name(n) for n in names] + [S.const(str(error))] + [S.const(o) for o in options])
    set_anno(call, Key.CALLEE, getattr(runtime, helper))
    check = gast.Expr(value=call)
    check.lineno = getattr(stmt, "lineno", None)
    set_anno(check, Key.ORIGIN, get_anno(stmt, Key.ORIGIN))
    w.env.setdefault(w.aliases["_tl"], runtime)
    body, at = path[-1]
    body.insert(at, check)


def _path(body: List[Any], stmt: Any) -> List[Tuple[List[Any], int]]:
    """The statement lists that hold ``stmt``, outermost first, each with the position of the
    statement there that is (or holds) ``stmt``."""
    for i, st in enumerate(body):
        if st is stmt:
            return [(body, i)]
        for field in ("body", "orelse", "finalbody"):
            inner = getattr(st, field, None)
            if isinstance(inner, list) and not isinstance(st, gast.FunctionDef):
                found = _path(inner, stmt)
                if found:
                    return [(body, i)] + found
    return []


def _checked_before(w: Any, path: List[Tuple[List[Any], int]], helper: str, names: List[str],
                    options: Tuple[Any, ...]) -> bool:
    from .. import runtime

    def same(st: Any) -> bool:
        call = st.value if isinstance(st, gast.Expr) else None
        return isinstance(call, gast.Call) and get_anno(call, Key.CALLEE) is getattr(runtime, helper) \
            and [getattr(a, "id", None) for a in call.args[:len(names)]] == list(names) \
            and [getattr(a, "value", None) for a in call.args[len(names) + 1:]] == list(options)

    if helper not in _OF_THE_TYPE or not all(_assigned_once(w, n) for n in names):
        return False
    return any(same(st) for body, at in path for st in body[:at])


def _assigned_once(w: Any, name: str) -> bool:
    """(a parameter's own name counts as its one assignment)"""
    return sum(1 for n in S.walk(w.fdef) if isinstance(n, gast.Name) and n.id == name
               and not isinstance(n.ctx, gast.Load)) == 1
