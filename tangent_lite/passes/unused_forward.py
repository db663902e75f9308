"""The pass ``drop_unused_forward`` (``tl.grad``: the value is not returned): the forward
statements only the value needed go::

    for i in _t3:                          (gone: the reverse loop recomputes _t8
        _t8 = _t5 - _t7                     before reading it, nothing reads s)
        s = _t11 + _t14

:func:`_pure` (may a value be left uncomputed?) is :mod:`.cse`'s test too.
"""

from __future__ import annotations

from typing import Any, Dict, List, Set

from .. import syntax as S
from ..rules import purity
from ..rules.registry import REGISTRY
from ..syntax import gast
from ..syntax.annotations import Key, get_anno, must_run
from .index import _NameMemo, _remove_stmts, _statements, _stores

_PURE_BUILTINS = (range, len, float, int, abs, min, max, bool)
_PURE_METHODS = {"copy", "tolist", "item", "astype", "sum", "mean", "any", "all", "max", "min"}
_MISSING = object()


def _pure_callee(callee: Any) -> bool:
    if isinstance(callee, tuple):  # ("method", name)
        return len(callee) == 2 and callee[0] == "method" and callee[1] in _PURE_METHODS
    try:
        if callee in _PURE_BUILTINS:
            return True
    except TypeError:  # unhashable
        return False
    return REGISTRY.get(callee) is not None and purity.is_pure(callee, True)


def _pure(value: Any) -> bool:
    """Can ``value`` be left uncomputed when nothing reads it?  Arithmetic, comparisons,
    subscripts, attributes, displays and calls of primitives (functions with derivative rules
    do not change their arguments or draw random numbers) or of a few builtins and methods;
    never a call of anything else."""
    for n in S.walk(value):
        if isinstance(n, gast.Call):
            if not _pure_callee(get_anno(n, Key.CALLEE, _MISSING)):
                return False
        elif isinstance(n, (gast.Lambda, gast.NamedExpr, gast.Yield, gast.YieldFrom, gast.Await)):
            return False
    return True


def drop_unused_forward(fdef: Any) -> bool:
    """When the generated function does not return the value (``tl.grad``), drop the
    assignments, the user's included, whose value nothing reads before it is assigned again
    (backward liveness over the structured code; loops to a fixpoint), then the for loops left
    with nothing to do::

        for i in _t3:                          (gone: the reverse loop recomputes _t8
            _t8 = _t5 - _t7                     before reading it, nothing reads s)
            s = _t11 + _t14

    Only assignments of one name with a :func:`_pure` value are dropped; every other
    statement keeps what it reads alive."""
    dead: Set[int] = set()
    live_after: Dict[int, Set[str]] = {}  # id(loop) -> names live after it
    memo = _NameMemo()

    def kills(st: Any) -> Set[str]:
        if isinstance(st, gast.Assign) and all(isinstance(t, (gast.Name, gast.Tuple)) for t in st.targets):
            return set(memo.stores(st))
        return set()

    def removable(st: Any) -> bool:
        return isinstance(st, gast.Assign) and len(st.targets) == 1 and isinstance(st.targets[0], gast.Name) \
            and _pure(st.value) and not must_run(st)

    def block(body: List[Any], live: Set[str], record: bool) -> Set[str]:
        """Names live before ``body`` given ``live`` after it; ``record``: mark dead assignments."""
        for st in reversed(body):
            if isinstance(st, gast.If):
                live = block(st.body, set(live), record) | block(st.orelse, set(live), record) | set(
                    memo.loads(st.test))
            elif isinstance(st, (gast.For, gast.While)):
                head = set(live)  # live at the loop's head: after it, or another iteration
                while True:
                    inner = block(st.body, set(head), False)
                    if isinstance(st, gast.For):
                        inner = (inner - set(_stores(st.target))) | set(memo.loads(st.iter))
                    else:
                        inner |= set(memo.loads(st.test))
                    inner |= block(st.orelse, set(live), False)
                    if inner <= head:
                        break
                    head |= inner
                if record:
                    block(st.body, set(head), True)
                    block(st.orelse, set(live), True)
                    live_after[id(st)] = set(live)
                live = head
            elif removable(st) and st.targets[0].id not in live:
                if record:
                    dead.add(id(st))
            else:
                live -= kills(st)  # (live is this call's own set: every caller hands a copy)
                live.update(memo.loads(st))
        return live

    block(fdef.body, set(), True)
    # and loops left with nothing to do, whose variable nothing reads afterwards
    for st in _statements(fdef.body):
        if isinstance(st, gast.For) and not st.orelse and _pure(st.iter) and id(st) in live_after and not must_run(st) \
                and all(id(b) in dead or isinstance(b, gast.Pass) for b in st.body) \
                and not (set(_stores(st.target)) & live_after[id(st)]):
            dead.add(id(st))
    if not dead:
        return False
    _remove_stmts(fdef.body, dead)
    return True
