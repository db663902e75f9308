"""Methods whose meaning depends on the receiver's type, specialised to the arguments' ranks.

The lowering cannot see types: ``v.copy()`` becomes ``_tl.copy_value(v)`` (a list's, a dict's
or an array's copy, decided when it runs) and ``v.dot(w)`` becomes ``np.dot(v, w)`` after a check
``_tl.array_method(v, message)`` that refuses a ``v`` that is no array (a user object with a
``dot`` method).  Where the ranks of the arguments show ``v`` is an array (or a number), the
generated code needs neither::

    _tl.array_method(v, '...')     ->    (dropped)
    _t0 = np.dot(v, w)                   _t0 = np.dot(v, w)
    a = _tl.copy_value(x)          ->    a = np.copy(x)          (x of rank >= 1)
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Set

import numpy as np

from .. import runtime
from .. import syntax as S
from ..frontend.anf import Wengert
from ..frontend.sequences import sequence_vars
from ..syntax import gast
from ..syntax.annotations import Key, get_anno, set_anno
from .statements import assignments, is_local


def specialise(w: Wengert, ranks: Dict[str, Optional[int]]) -> None:
    """Drop the receiver checks and turn ``_tl.copy_value`` into ``np.copy`` where ``ranks`` (of the
    variables of ``w``, see :mod:`shapes`) show the receiver is an array or a number; drop the
    checks of ``v.copy()`` where ``v`` holds a list or dict the function builds."""
    _specialise_body(w, w.fdef.body, ranks, _built_containers(w.fdef.body))


def _known(atom: Any, ranks: Dict[str, Optional[int]]) -> bool:
    return is_local(atom) and isinstance(ranks.get(atom.id), int)


def _built_containers(body: List[Any]) -> Set[str]:
    """Variables holding a list or a dict the function builds: displays, comprehensions, list
    concatenations (``sequence_vars``), dict merges ``d | e``, and copies of those."""
    out = set(sequence_vars(body))
    changed = True
    while changed:
        changed = False
        for stmt in assignments(body):
            if not isinstance(stmt, gast.Assign) or not isinstance(stmt.targets[0], gast.Name) \
                    or stmt.targets[0].id in out:
                continue
            value = stmt.value
            if isinstance(value, gast.Call) and get_anno(value, Key.CALLEE) is runtime.copy_value and value.args:
                value = value.args[0]
            if isinstance(value, gast.Dict) or get_anno(value, Key.SEQUENCE_OP) is runtime.merge_or \
                    or (is_local(value) and value.id in out):
                out.add(stmt.targets[0].id)
                changed = True
    return out


def _specialise_body(w: Wengert, body: List[Any], ranks: Dict[str, Optional[int]], built: Set[str]) -> None:
    keep = []
    for stmt in body:
        value = getattr(stmt, "value", None)
        callee = get_anno(value, Key.CALLEE) if isinstance(value, gast.Call) else None
        if isinstance(stmt, gast.Expr) and callee is runtime.array_method and (_known(value.args[0], ranks) or (
                len(value.args) == 3 and is_local(value.args[0]) and value.args[0].id in built)):
            continue
        if isinstance(stmt, gast.Assign) and callee is runtime.copy_value and _known(value.args[0], ranks) \
                and ranks[value.args[0].id] >= 1:
            func = S.attribute(S.name(w.aliases["np"]), "copy")
            set_anno(func, Key.CALLEE, np.copy)
            stmt.value = gast.Call(func=func, args=value.args, keywords=[])
            set_anno(stmt.value, Key.CALLEE, np.copy)
            w.env.setdefault(w.aliases["np"], np)
        for field in ("body", "orelse", "finalbody"):
            inner = getattr(stmt, field, None)
            if isinstance(inner, list) and not isinstance(stmt, gast.FunctionDef):
                _specialise_body(w, inner, ranks, built)
        keep.append(stmt)
    body[:] = keep
