"""Lowering one function to Wengert / SSA form (``anf.lower`` is the entry point), by parts
with one job each, sharing a :class:`~.state.LoweringState`:

    names        Names        name resolution (guards) and SSA naming
    expressions  Expressions  expressions to primitives over atoms
    statements   Statements   statement dispatch, blocks, if / while / return
    assignments  Assignments  assignment targets, container writes
    loops        Loops        for loops as range loops
    inlining     Inliner      nested defs, lambdas, functions passed as arguments
    defaults     (functions)  omitted defaults that are not literals, passed explicitly
    functional   FunctionValues  map / sorted(key=) / functools.reduce of functions, lists of lambdas
    numpy_forms  NumpyForms   ufunc.reduce/accumulate/outer, einsum sublists, np.gradient as calls with rules
    namespaces   Namespaces   array-API code: xp = array_namespace(x), xp.<name>(...)
    unpacking    Unpacking    *xs / **kw spread item by item when their length or keys are known
"""

from __future__ import annotations

from typing import Any, Callable

from ... import syntax as S
from ...syntax import FunctionSource, gast
from ...syntax.naming import Namer
from .assignments import Assignments
from .expressions import Expressions
from .functional import FunctionValues
from .inlining import Inliner
from .loops import Loops
from .names import Names
from .namespaces import Namespaces
from .numpy_forms import NumpyForms
from .state import LoweringState
from .statements import Statements
from .unpacking import Unpacking


class Lowering:
    """Makes the parts of one lowering, connects them, and lowers the function's body."""

    def __init__(self, fn: Callable, src: FunctionSource, fdef: Any, namer: Namer):
        self.cx = cx = LoweringState.start(fn, src, fdef, namer)
        self.names = Names(cx, self)
        self.exprs = Expressions(cx, self)
        self.stmts = Statements(cx, self)
        self.assign = Assignments(cx, self)
        self.loops = Loops(cx, self)
        self.inline = Inliner(cx, self)
        self.functional = FunctionValues(cx, self)
        self.namespaces = Namespaces(cx, self)
        self.numpy_forms = NumpyForms(cx, self)
        self.unpack = Unpacking(cx, self)
        cx.aliases = self.names.choose_aliases()

    def run(self) -> None:
        self.cx.depth = -1  # the function body itself is depth 0
        body = self.namespaces.entry_checks() + self.stmts.block(self.cx.fdef.body)
        if not body or not isinstance(body[-1], gast.Return):
            body.append(self.cx.at(gast.Return(value=S.const(None))))
        self.cx.fdef.body = body


def lower_body(fn: Callable, src: FunctionSource, fdef: Any, namer: Namer) -> LoweringState:
    """Lower the body of ``fdef`` (a copy of ``fn``'s definition, jumps lowered) in place;
    returns the state: the names it bound and resolved, and the problems it found."""
    lowering = Lowering(fn, src, fdef, namer)
    lowering.run()
    return lowering.cx


__all__ = ["Lowering", "LoweringState", "lower_body"]
