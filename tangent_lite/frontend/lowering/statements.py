"""Statement lowering and dispatch: each statement to the part that lowers its
kind (blocks, ``if``, ``while``, ``return``, expression statements here; assignments, ``for`` loops
and nested defs in their own parts), and what :mod:`fence` refused skipped past."""

from __future__ import annotations

import contextlib
import io
import warnings
from typing import Any, Callable, List, Optional, Set

import numpy as np

from ... import runtime
from ... import syntax as S
from ...errors import UnsupportedConstructError
from ...syntax import gast
from ...syntax.annotations import Key, get_anno, set_anno
from .common import _stored_names, ast_copy_lines, binds_plainly, is_atom
from .state import Part

# contexts known never to swallow an exception raised in the with block (``__exit__`` returns a
# false value): any other context is checked at run time by the derivative code (``_tl.no_swallow``)
NEVER_SWALLOW = (np.errstate, np.printoptions, warnings.catch_warnings, contextlib.nullcontext,
                 contextlib.redirect_stdout, contextlib.redirect_stderr, io.open, open)

# contexts known not to change module-level values the function reads (a global read inside or
# after any other ``with`` may see a value the context set: refused, Names.read)
KNOWN_CONTEXTS = NEVER_SWALLOW + (contextlib.suppress,)


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

    def stmt_Raise(self, node: Any) -> None:
        """``raise E(...)`` stays a statement: the derivative raises where the function would (a bare
        ``raise`` in an except clause raises what it caught)."""
        exc = self.exprs.atom(node.exc) if node.exc is not None else None
        if exc is None and self.cx.caught:
            exc = S.name(self.cx.caught[-1])
        cause = self.exprs.atom(node.cause) if node.cause is not None else None
        self.cx.emit(gast.Raise(exc=exc, cause=cause))

    def stmt_With(self, node: Any) -> None:
        """``with cm as v: body`` -> ``_t = cm``, ``v = _t.__enter__()``, the body, ``_t.__exit__(None,
        None, None)``: marker statements that the derivative passes keep around the statements of
        the body and that become a ``with`` again in the generated code (:mod:`modes.blocks`)."""
        contexts = []
        for item in node.items:
            generated = str(getattr(self.cx.fn, "__module__", "")).startswith("tangent_lite")  # (reads bound copies)
            label = S.dotted_name(getattr(item.context_expr, "func", item.context_expr)) or "the context"
            if self.cx.unknown_context is None and not generated \
                    and not self._known_context(item.context_expr, KNOWN_CONTEXTS):
                self.cx.unknown_context = (getattr(node, "lineno", None) or self.cx.lineno, label)
            cm = self.exprs.atom(item.context_expr)
            if not generated and not self._known_context(item.context_expr, NEVER_SWALLOW):
                cm = self._no_swallow(cm, label, getattr(node, "lineno", None) or self.cx.lineno)
            if not isinstance(cm, gast.Name) or get_anno(cm, Key.CALLEE, None) is not None \
                    or cm.id in self.cx.params:  # a fresh local name for the context: its markers name it
                t = self.names.temp()
                self.cx.emit(S.assign(t, cm))
                cm = S.name(t)
            call = gast.Call(func=S.attribute(S.name(cm.id), "__enter__"), args=[], keywords=[])
            set_anno(call, Key.CALLEE, ("method", "__enter__"))
            if item.optional_vars is None:
                self.cx.emit(gast.Expr(value=call))
            else:
                value = self.names.temp()
                self.cx.emit(S.assign(value, call))
                self.assign.assign_to(item.optional_vars, S.name(value), node)
            contexts.append(cm.id)
        line = self.cx.lineno
        start = len(self.cx.out)
        for stmt in node.body:
            self.cx.lineno = getattr(stmt, "lineno", None) or self.cx.lineno
            self.stmt(stmt)
        keep_for_effect(self.cx.out[start:])
        self.cx.lineno = line
        for cm_name in reversed(contexts):
            call = gast.Call(func=S.attribute(S.name(cm_name), "__exit__"), args=[S.const(None)] * 3, keywords=[])
            set_anno(call, Key.CALLEE, ("method", "__exit__"))
            self.cx.emit(gast.Expr(value=call))

    def _no_swallow(self, cm: Any, label: str, line: Optional[int]) -> Any:
        """``_t = _tl.no_swallow(cm, "file:line", label)``: the context ``cm`` of the with statement at ``line``,
        which may swallow an exception raised in its body, checked at run time (the derivative of a
        block that stopped half-way would count the statements that did not run).  Returns ``_t``."""
        where = f"{self.cx.src.filename}:{line}" if line else self.cx.src.filename
        func = S.attribute(S.name(self.cx.aliases["_tl"]), "no_swallow")
        call = gast.Call(func=func, args=[cm, S.const(where), S.const(label)], keywords=[])
        set_anno(call, Key.CALLEE, runtime.no_swallow)
        self.cx.env.setdefault(self.cx.aliases["_tl"], runtime)
        t = self.names.temp()
        self.cx.emit(S.assign(t, call))
        return S.name(t)

    def _known_context(self, expr: Any, known: tuple) -> bool:
        """Is ``expr`` (a ``with`` item) a context of ``known``, or one of tangent_lite's?"""
        func = expr.func if isinstance(expr, gast.Call) else expr
        dotted = S.dotted_name(func)
        if not dotted or dotted.split(".")[0] in self.cx.locals:
            return False
        obj = self.names.resolve_free(dotted.split(".")[0])
        for part in dotted.split(".")[1:]:
            obj = getattr(obj, part, None)
        return any(obj is k for k in known) \
            or str(getattr(obj, "__module__", "")).startswith("tangent_lite")

    def stmt_Try(self, node: Any) -> None:
        """``try``: the body under a flag that the ``except`` clauses clear, then the path that ran::

            try:                         _ok = True; _path = 0; _exc = None
                y = f(x)                 _ok.__try__(_path, _exc, ValueError)     (marker)
            except ValueError:   ==>     if _ok:
                y = g(x)                     y = f(x)
            finally:                     _ok.__try_end__()                        (marker)
                z = 1.0                  if _path == 1:
                                             y = g(x)
                                         z = 1.0

        The markers become ``try: ... except ValueError as _caught: _exc = _caught; _ok = False;
        _path = 1`` in the
        generated code (:mod:`modes.blocks`): the reverse sweep undoes the body only when it
        completed, and the handler's statements only when it ran."""
        if not str(getattr(self.cx.fn, "__module__", "")).startswith("tangent_lite_generated"):
            self._partial_effects(node)
        ok, path, exc, caught = (self.cx.namer.fresh(n) for n in ("_ok", "_path", "_exc", "_caught"))
        self.cx.nonssa |= {ok, path, exc}
        self.cx.locals |= {ok, path, exc}
        for name, value in ((ok, True), (path, 0), (exc, None)):
            self.cx.emit(S.assign(self.names.target(name), S.const(value)))
        types = [self.exprs.atom(h.type) if h.type is not None else S.const(None) for h in node.handlers]
        self.cx.lineno = getattr(node, "lineno", None) or self.cx.lineno
        self.cx.emit(blocks_marker(ok, "__try__", [S.name(path), S.name(exc), S.name(caught)] + types))
        self.cx.in_branch += 1
        body = keep_for_effect(self.block(node.body))
        self.cx.in_branch -= 1
        self.cx.lineno = getattr(node, "lineno", None) or self.cx.lineno
        self.cx.emit(gast.If(test=S.name(ok), body=body or [gast.Pass()], orelse=[]))
        self.cx.emit(blocks_marker(ok, "__try_end__", []))
        chain = list(node.orelse)
        for k, handler in reversed(list(enumerate(node.handlers, 1))):
            bind = [gast.Assign(targets=[handler.name], value=S.name(exc), type_comment=None)] if handler.name else []
            test = gast.Compare(left=S.name(path), ops=[gast.Eq()], comparators=[S.const(k)])
            chain = [gast.If(test=test, body=bind + handler.body or [gast.Pass()], orelse=chain)]
        self.cx.caught.append(exc)
        for stmt in chain:
            ast_copy_lines(stmt, getattr(node, "lineno", None))
            self.stmt(stmt)
        self.cx.caught.pop()
        for stmt in node.finalbody:
            self.stmt(stmt)

    def _partial_effects(self, node: Any) -> None:
        """Refuse a try block that may stop half-way with a variable assigned that is read later
        but that the ``except`` clauses do not assign again: its derivative would be lost.

        Only names a statement assigns *before one that may raise* count, and not the flags of
        :mod:`frontend.jumps` (a flag set in the block skips the rest of it).  When every except
        clause returns, what follows the try does not run after an exception: only its
        ``finally`` block and the clauses themselves read what the block left."""
        if not node.handlers:
            return
        flags = self.cx.namer.flags
        early = _assigned_before_a_raise(node.body) - set(flags)
        inside = {id(n) for n in S.walk(gast.Module(body=node.body, type_ignores=[]))}
        returns = [f for f, kind in flags.items() if kind == "return"]
        if returns and all(any(_sets_flag(h.body, f) for f in returns) for h in node.handlers):
            after: Any = gast.Module(body=node.finalbody, type_ignores=[])
        else:
            after = self.cx.fdef
        read = {n.id for n in S.walk(after) if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)
                and id(n) not in inside}
        in_handlers = {n.id for h in node.handlers for n in S.walk(gast.Module(body=h.body, type_ignores=[]))
                       if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)}
        again = set.intersection(*[_stored_names(h.body) for h in node.handlers])
        lost = sorted((early & (read | in_handlers)) - (again - in_handlers))
        if lost:
            names = ", ".join(f"'{n}'" for n in lost)
            self.cx.error(UnsupportedConstructError,
                          f"{names} may be assigned in the try block before an exception stops it, and is read "
                          "after it or in an except clause, which does not assign it first: its derivative would be "
                          "lost", node,
                          f"assign {names} in every except clause too, or move that assignment out of the try block")

    def stmt_Return(self, node: Any) -> None:
        if node.value is None:
            self.cx.emit(gast.Return(value=S.const(None)))
        elif isinstance(node.value, gast.Tuple) and len(node.value.elts) != 1:  # (one output per entry; a
            self.cx.emit(gast.Return(value=gast.Tuple(elts=[self.exprs.atom(e) for e in node.value.elts],
                                                      ctx=gast.Load())))
        else:  # 1-tuple, return (y,), is one output, a tuple, as return t is: its cotangent is a 1-tuple)
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


def keep_for_effect(stmts: List[Any]) -> List[Any]:
    """Mark ``stmts`` (and the statements in them) ``Key.KEEP``: in a try body or a with block,
    whether a statement raises or warns decides the path, so no pass may drop one whose value
    nothing reads (:func:`..syntax.annotations.must_run`).  Returns ``stmts``."""
    for stmt in S.walk(gast.Module(body=stmts, type_ignores=[])):
        if isinstance(stmt, gast.stmt):
            set_anno(stmt, Key.KEEP, True)
    return stmts


def blocks_marker(flag: str, kind: str, args: List[Any]) -> Any:
    """A marker statement ``flag.kind(args)`` (see :mod:`modes.blocks`)."""
    call = gast.Call(func=S.attribute(S.name(flag), kind), args=args, keywords=[])
    set_anno(call, Key.CALLEE, ("method", kind))
    return gast.Expr(value=call)


def _assigned_before_a_raise(body: List[Any]) -> Set[str]:
    """The names ``body`` may have assigned when a later statement of it (or a later part of
    a compound statement) raises."""
    early: Set[str] = set()
    raises_later = False
    for stmt in reversed(body):
        if not isinstance(stmt, (gast.Assign, gast.AugAssign, gast.AnnAssign, gast.Expr)):
            early |= _stored_names([stmt])  # compound: may raise after assigning, inside
        elif raises_later:
            early |= _stored_names([stmt])
        raises_later = raises_later or not binds_plainly(stmt)
    return early


def _sets_flag(body: List[Any], flag: str) -> bool:
    """Does ``body`` set ``flag`` to True at its top level (an except clause that returns)?"""
    return any(isinstance(st, gast.Assign) and any(isinstance(t, gast.Name) and t.id == flag for t in st.targets)
               and isinstance(st.value, gast.Constant) and st.value.value is True for st in body)
