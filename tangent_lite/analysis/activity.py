"""Activity analysis: the variables that depend on a ``wrt`` input (varied) and influence
the output (useful); both derivative passes generate code only for active variables.
Variables are tracked by name, flow-insensitively, so loops need no special handling:
iterate to a fixpoint."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Set, Tuple

from ..errors import TangentLiteError
from ..frontend.anf import Wengert
from ..rules.registry import REGISTRY, Registry
from ..syntax import gast
from .statements import Described, StmtInfo, assignments, describe_once, is_local, local_names, return_atoms


def activity(w: Wengert, wrt: Set[str], registry: Registry = REGISTRY) -> Set[str]:
    """Active variables: varied (depend on ``wrt``) and useful (reach the output)."""
    varied, useful = _varied_useful(w, wrt, registry)
    return varied & useful


def activity_and_varied(w: Wengert, wrt: Set[str], registry: Registry = REGISTRY,
                        memo: Optional[Described] = None) -> Tuple[Set[str], Set[str]]:
    """(:func:`activity`, :func:`varied_vars`) from one analysis (``memo``: see :func:`describe_once`)."""
    varied, useful = _varied_useful(w, wrt, registry, memo)
    return varied & useful, varied


def varied_vars(w: Wengert, wrt: Set[str], registry: Registry = REGISTRY) -> Set[str]:
    """Variables that depend on ``wrt`` (whether or not they reach the output)."""
    return _varied_useful(w, wrt, registry)[0]


def _describe_any(stmt: Any, registry: Registry, memo: Optional[Described] = None) -> StmtInfo:
    """:func:`describe`, or for a call its rules cannot bind (``np.sin(x, out=z)``) an opaque
    call from all its atoms: activity flows through it and :func:`check_differentiable`
    reports it at the user's line."""
    try:
        return describe_once(stmt, registry, memo)
    except TangentLiteError:
        value = stmt.value
        atoms = list(value.args) + [k.value for k in value.keywords] if isinstance(value, gast.Call) else []
        return StmtInfo("nocall", [t.id for t in stmt.targets if isinstance(t, gast.Name)], stmt, value,
                        inputs=[(None, a) for a in atoms if is_local(a)])


def _varied_useful(w: Wengert, wrt: Set[str], registry: Registry,
                   memo: Optional[Described] = None) -> Tuple[Set[str], Set[str]]:
    infos = [_describe_any(s, registry, memo) for s in assignments(w.fdef.body)]
    # (targets, the variables read through the inputs) of each statement derivatives flow through
    flowing = [(set(i.targets), set().union(*(local_names(a) for _, a in i.inputs if a is not None)))
               for i in infos if i.kind not in ("nondiff", "const")]
    varied = _closure(flowing, set(wrt))  # forward: what the inputs reach
    useful = _closure([(reads, targets) for targets, reads in flowing],  # backward: what reaches the output
                      {atom.id for atom in return_atoms(w) if is_local(atom)})
    return varied, useful


def _closure(edges: List[Tuple[Set[str], Set[str]]], start: Set[str]) -> Set[str]:
    """The names reachable from ``start`` along ``(to, from)`` edges: ``to`` joins once any of
    ``from`` is in."""
    waiting: Dict[str, List[int]] = {}  # name -> the edges it is a ``from`` of
    for k, (_, frm) in enumerate(edges):
        for name in frm:
            waiting.setdefault(name, []).append(k)
    reached = set(start)
    todo = list(reached)
    joined: Set[int] = set()
    for name in todo:  # grows while it is read
        for k in waiting.get(name, ()):
            if k not in joined:
                joined.add(k)
                fresh = edges[k][0] - reached
                reached |= fresh
                todo.extend(fresh)
    return reached
