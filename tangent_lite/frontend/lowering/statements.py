"""Statement lowering and dispatch: each statement to the part that lowers its
kind (blocks, ``if``, ``while``, ``return``, expression statements here; assignments, ``for`` loops
and nested defs in their own parts), and what :mod:`fence` refused skipped past."""

from __future__ import annotations

from typing import Any, Callable, List, Optional

from ... import syntax as S
from ...errors import UnsupportedConstructError
from ...syntax import gast
from ...syntax.annotations import Key, get_anno, set_anno
from .common import _stored_names, is_atom
from .state import Part


class Statements(Part):
    """Statement lowering and dispatch: each statement to the part that lowers its
    kind (blocks, ``if``, ``while``, ``return``, expression statements here; assignments, ``for`` loops
    and nested defs in their own parts), and what :mod:`fence` refused skipped past."""

    def block(self, stmts: List[Any]) -> List[Any]:
        """Lower ``stmts`` into a new list (compound statements call this for their bodies)."""
        self.cx.depth += 1
        try:
            return self.same_depth_block(stmts)
        finally:
            self.cx.depth -= 1

    def same_depth_block(self, stmts: List[Any]) -> List[Any]:
        """Lower ``stmts`` into a new list at the current depth (the body of an inlined function)."""
        saved, self.cx.out = self.cx.out, []
        for stmt in stmts:
            line = getattr(stmt, "lineno", None)
            if line is not None:
                self.cx.lineno = line
            self.stmt(stmt)
        result, self.cx.out = self.cx.out, saved
        return result

    def stmt(self, node: Any) -> None:
        if get_anno(node, Key.FENCED):
            self.fenced_stmt(node)
            return
        method = self.handler(type(node).__name__)
        if method is None:
            self.cx.error(UnsupportedConstructError, f"'{type(node).__name__}' statements are not supported",
                          node, "rewrite it with assignments, if, for and while")
            return
        method(node)

    def handler(self, kind: str) -> Optional[Callable[[Any], None]]:
        """The ``stmt_<kind>`` method of the part that lowers that kind of statement, if any."""
        for part in (self, self.assign, self.loops, self.inline):
            method = getattr(part, "stmt_" + kind, None)
            if method is not None:
                return method
        return None

    def fenced_stmt(self, node: Any) -> None:
        """A statement fence.py refused (and reported): lower what it contains that runs
        like straight-line code (the body of a try or with block), so that other problems
        are found too; the names it binds (imports, classes) are not checked further."""
        if isinstance(node, (gast.Import, gast.ImportFrom)):
            self.cx.opaque |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, (gast.ClassDef, gast.AsyncFunctionDef)):
            self.cx.opaque.add(node.name)
        elif isinstance(node, gast.Try):
            for stmt in node.body + node.finalbody:
                self.stmt(stmt)
        elif isinstance(node, gast.With):
            for stmt in node.body:
                self.stmt(stmt)

    def stmt_Expr(self, node: Any) -> None:
        if isinstance(node.value, gast.Constant):
            return  # docstring or bare constant
        value = self.exprs.expr(node.value)
        if isinstance(value, gast.Call) and isinstance(value.func, gast.Attribute) and value.func.attr == "pop" \
                and not value.args and not value.keywords:
            # keep what a bare L.pop() removes: reverse mode puts it back
            self.cx.emit(S.assign(self.names.temp(), value))
        elif not is_atom(value):
            self.cx.emit(gast.Expr(value=value))

    def stmt_Pass(self, node: Any) -> None:
        pass

    def stmt_Assert(self, node: Any) -> None:
        test = self.exprs.atom(node.test)
        msg = self.exprs.atom(node.msg) if node.msg is not None else None
        self.cx.emit(gast.Assert(test=test, msg=msg))

    def stmt_Return(self, node: Any) -> None:
        if node.value is None:
            self.cx.emit(gast.Return(value=S.const(None)))
        elif isinstance(node.value, gast.Tuple):
            self.cx.emit(gast.Return(value=gast.Tuple(elts=[self.exprs.atom(e) for e in node.value.elts],
                                                      ctx=gast.Load())))
        else:
            self.cx.emit(gast.Return(value=self.exprs.atom(node.value)))

    def stmt_If(self, node: Any) -> None:
        test = self.exprs.atom(node.test)
        if isinstance(test, gast.Name) and test.id in _stored_names(node.body + node.orelse):
            t = self.names.temp()
            self.cx.emit(S.assign(t, test))
            test = S.name(t)
        line = self.cx.lineno
        self.cx.in_branch += 1
        body = self.block(node.body)
        orelse = self.block(node.orelse)
        self.cx.in_branch -= 1
        self.cx.lineno = line
        if not body and not orelse:
            return
        self.cx.emit(gast.If(test=test, body=body or [gast.Pass()], orelse=orelse))

    def stmt_Break(self, node: Any) -> None:
        self.cx.emit(gast.Break())

    def stmt_Continue(self, node: Any) -> None:  # pragma: no cover - removed by jumps
        self.cx.error(UnsupportedConstructError, "'continue' outside a loop", node)

    def stmt_While(self, node: Any) -> None:
        if node.orelse:  # pragma: no cover - jumps moves orelse out of loops
            self.cx.error(UnsupportedConstructError, "while/else", node)
        flag = self.cx.namer.fresh("_cond")
        self.cx.nonssa.add(flag)
        line = self.cx.lineno
        self.cx.emit(S.assign(flag, self.exprs.expr(node.test)))
        body = self.block(node.body)
        self.cx.lineno = line
        saved, self.cx.out = self.cx.out, body
        self.cx.emit(S.assign(flag, self.exprs.expr(node.test)))
        self.cx.out = saved
        loop = gast.While(test=S.name(flag), body=body, orelse=[])
        set_anno(loop, Key.LOOP_KIND, "while")
        self.cx.emit(loop)
