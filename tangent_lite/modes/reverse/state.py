"""The context of one reverse-mode pass, shared explicitly by its collaborators.

:class:`PassState` holds what the pass was asked for (the Wengert form, the active
variables, the ranks, the options), the namer every collaborator draws names from, and the
facts the collaborators find for one another as the pass goes on (what each assignment may
overwrite, each loop's bookkeeping, the checkpointed loops, the adjoint arrays owned...).
It is built once, complete, by :func:`modes.vjp.vjp` and handed to each collaborator.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Set

from ... import runtime
from ... import syntax as S
from ...analysis.statements import Described, index_value, is_local
from ...frontend.anf import Wengert
from ...rules.registry import Registry
from ...syntax.annotations import Key, set_anno
from ...syntax.naming import Namer
from ..callees import Resolver, _no_callees


@dataclass
class Loop:
    """The bookkeeping of one forward loop (found by the scan, control.LoopScan)."""

    counter: Optional[str]  # trip counter name (while loops, loops with break)
    nested: bool  # inside another loop: bookkeeping goes through the tape


@dataclass
class Ctx:
    """Where a sweep is: the loops around the statement, how many branches deep."""

    loops: List[Loop] = field(default_factory=list)
    in_branch: int = 0


@dataclass
class PassState:
    """Everything the collaborators of one reverse-mode pass share (see the module docstring)."""

    w: Wengert
    active: Set[str]
    namer: Namer  # replaced by a copy while a loop's reverse is tried again (control.ReverseControl)
    registry: Registry
    tape: str  # the tape's name
    containers: Set[str]  # variables that may hold a list, tuple or record (analysis.container_vars)
    resolve: Resolver = _no_callees
    ranks: Optional[Dict[str, Any]] = None  # variable ranks, when specialised
    shape_classes: Dict[str, Any] = field(default_factory=dict)  # variables known to share a shape (shapes.py)
    save_all: bool = False
    fused_only: Callable[[], bool] = lambda: False
    grad_only: bool = False
    described: Described = field(default_factory=dict)  # analysis.describe_once's memo
    nonfinite: Set[str] = field(default_factory=set)  # variables that may be inf/NaN at finite inputs (maybe_nonfinite)
    lists: Set[str] = field(default_factory=set)  # of the containers, those surely a list or dict (never a tuple)
    # found as the pass goes on
    owned: Set[str] = field(default_factory=set)  # adjoints holding arrays allocated here and referenced once
    overwritten: Dict[int, List[str]] = field(default_factory=dict)  # id(assignment) -> the variables it may overwrite
    checkpointed: Dict[int, Dict[str, Any]] = field(default_factory=dict)  # id(loop) -> its step functions and state
    extra_functions: List[Any] = field(default_factory=list)  # step functions of checkpointed loops
    needs_init: Set[str] = field(default_factory=set)  # first assigned inside a loop
    mutated: List[str] = field(default_factory=list)  # variables changed in place (x[i] = v, L.append)
    item_writes: Dict[int, str] = field(default_factory=dict)  # id(x[i] = v) -> x
    loops: Dict[int, Loop] = field(default_factory=dict)
    rev_headers: Dict[int, Any] = field(default_factory=dict)  # id(forward loop) -> its reverse for loop (remat.py)
    contexts: Dict[Any, Any] = field(default_factory=dict)  # with blocks: context name -> what made it (blocks.py)

    @property
    def tl(self) -> str:
        return self.w.aliases["_tl"]

    def is_active(self, atom: Any) -> bool:
        return is_local(atom) and atom.id in self.active

    def index(self, index: Any) -> Any:
        """The runtime value of a subscript's index (:func:`analysis.index_value`)."""
        return index_value(index, self.w.aliases["slice"])

    def call(self, helper: str, args: List[Any]) -> Any:
        return S.call(S.attribute(S.name(self.tl), helper), args)

    def runtime_call(self, helper: str, args: List[Any]) -> Any:
        """``_tl.<helper>(args)`` resolved, as the lowering resolves calls (for code that is
        differentiated again: a checkpointed loop's step)."""
        call = self.call(helper, args)
        set_anno(call, Key.CALLEE, getattr(runtime, helper))
        set_anno(call.func, Key.CALLEE, getattr(runtime, helper))
        return call
