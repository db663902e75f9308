"""The state one lowering shares between its parts (:class:`LoweringState`), and the base of
those parts (:class:`Part`), through which each reaches the others."""

from __future__ import annotations

import collections
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Set, Tuple

from ... import syntax as S
from ...errors import TangentLiteError
from ...syntax import FunctionSource, gast
from ...syntax.annotations import Key, set_anno
from ...syntax.naming import Namer
from .common import _assigned_in_compound, _closure_values, _stored_names, _touched_names


@dataclass
class LoweringState:
    """Everything the parts of one lowering read and change: the function and its names (locals,
    SSA versions, what free names resolved to), what was found wrong, and where statements are
    emitted (``out``, at line ``lineno``, ``depth`` compound statements deep)."""

    fn: Callable
    src: FunctionSource
    fdef: Any
    namer: Namer
    params: List[str]
    locals: Set[str]
    store_counts: collections.Counter
    nonssa: Set[str]
    current: Dict[str, str]
    lineno: Optional[int]
    closure: Dict[str, Any]
    errors: List[TangentLiteError] = field(default_factory=list)
    out: List[Any] = field(default_factory=list)
    env: Dict[str, Any] = field(default_factory=dict)
    foreign: Dict[str, Any] = field(default_factory=dict)  # free names of inlined functions from other namespaces
    foreign_sources: Dict[str, Tuple[str, str]] = field(default_factory=dict)  # alias -> (module, name) to bind it
    foreign_paths: Dict[str, Tuple[str, str, Tuple[str, ...]]] = field(default_factory=dict)  # alias -> guard path
    # guard path -> what it named (guards.py)
    guards: Dict[Tuple[str, str, Tuple[str, ...]], Any] = field(default_factory=dict)
    aliases: Dict[str, str] = field(default_factory=dict)  # (Names.choose_aliases)
    local_fns: Dict[str, Any] = field(default_factory=dict)
    def_variants: Dict[str, List[Any]] = field(default_factory=dict)
    in_branch: int = 0
    inlining: List[str] = field(default_factory=list)
    lambdas: Dict[str, Any] = field(default_factory=dict)  # nested function name -> the lambda it was assigned from
    # names bound by refused statements (imports, classes): not checked further
    opaque: Set[str] = field(default_factory=set)
    unguarded: bool = False  # some resolution has no guard path: the result must not be reused
    frozen_defaults: Dict[int, Dict[str, Any]] = field(default_factory=dict)  # id(nested def) -> default atoms
    display_names: Dict[str, str] = field(default_factory=dict)  # a name inlining made -> how messages name it
    depth: int = -1  # of the statements being lowered: the function body itself is depth 0
    roots: Optional[Set[str]] = None  # the free names the function loads (Names._free_roots)
    # SSA names known to hold a tuple/list of so many items, or a dict with these string keys:
    # what '*xs' and '**kw' in a call or a literal spread into (Expressions.spread)
    packed: Dict[str, Any] = field(default_factory=dict)
    # names whose list/dict may change after it is built (common._touched_names) -> line of that use
    touched: Dict[str, int] = field(default_factory=dict)
    mutable: Set[str] = field(default_factory=set)
    # (line, name) of the first 'with' whose context may change module-level values (Names.read)
    unknown_context: Optional[Tuple[Optional[int], str]] = None  # the names in packed that hold a list or dict
    tables: Dict[str, List[Any]] = field(default_factory=dict)  # a name -> the lambdas of its list literal
    caught: List[str] = field(default_factory=list)  # the exception of the except clause being lowered (raise)
    # d = st.norm(loc=m, scale=s) read only as d.logpdf(x): d -> (st.norm, its argument atoms, its keywords)
    frozen_locals: Dict[str, Any] = field(default_factory=dict)
    point_receivers: Optional[Set[str]] = None  # names read only as d.logpdf(x) (forwarders.freeze_local)

    @classmethod
    def start(cls, fn: Callable, src: FunctionSource, fdef: Any, namer: Namer) -> LoweringState:
        """The state before the body of ``fdef`` (the function ``fn``) is lowered."""
        params = [a.id for a in fdef.args.posonlyargs + fdef.args.args + fdef.args.kwonlyargs]
        store_counts = collections.Counter(
            n.id for n in S.walk(fdef) if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store))
        store_counts.update(params)
        return cls(fn, src, fdef, namer, params=params, locals=set(params) | _stored_names(fdef.body),
                   store_counts=store_counts, nonssa=set(_assigned_in_compound(fdef.body)),
                   current={p: p for p in params}, lineno=getattr(fdef, "lineno", None),
                   closure=_closure_values(fn), touched=_touched_names(fdef.body))

    def error(self, cls: type, message: str, node: Any, hint: str = "") -> None:
        self.errors.append(cls(message, self.src.location(node) if node is not None else None, hint))

    def at(self, node: Any) -> Any:
        node.lineno = self.lineno
        set_anno(node, Key.ORIGIN, self.lineno)
        return node

    def emit(self, node: Any) -> None:
        self.out.append(self.at(node))


class Part:
    """A part of the lowering: the shared state (``cx``) and the other parts, reached
    through the :class:`~.Lowering` that made them all."""

    def __init__(self, cx: LoweringState, lowering: Any):
        self.cx = cx
        self._lowering = lowering

    @property
    def names(self) -> Any:  # .names.Names
        return self._lowering.names

    @property
    def exprs(self) -> Any:  # .expressions.Expressions
        return self._lowering.exprs

    @property
    def stmts(self) -> Any:  # .statements.Statements
        return self._lowering.stmts

    @property
    def assign(self) -> Any:  # .assignments.Assignments
        return self._lowering.assign

    @property
    def loops(self) -> Any:  # .loops.Loops
        return self._lowering.loops

    @property
    def inline(self) -> Any:  # .inlining.Inliner
        return self._lowering.inline

    @property
    def functional(self) -> Any:  # .functional.FunctionValues
        return self._lowering.functional

    @property
    def numpy_forms(self) -> Any:  # .numpy_forms.NumpyForms
        return self._lowering.numpy_forms

    @property
    def namespaces(self) -> Any:  # .namespaces.Namespaces
        return self._lowering.namespaces

    @property
    def unpack(self) -> Any:  # .unpacking.Unpacking
        return self._lowering.unpack
