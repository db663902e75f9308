"""Turn ``break``, ``continue`` and early ``return`` into boolean flags.

After this pass the only jump left is a trailing ``if <flag>: break`` at the end
of a loop body, so both derivative passes see structured code::

    for i in range(n):              _brk0 = False
        if x[i] < 0:                for i in range(n):
            break          ==>          _t = x[i] < 0
        s = s + x[i]                    if _t:
                                            _brk0 = True
                                        if not _brk0:
                                            s = s + x[i]
                                        if _brk0:
                                            break

(The comparison is atomized later by :mod:`anf`; here it stays an expression.)
An early ``return v`` becomes ``_retval = v; _ret = True``, guards what follows
and breaks every enclosing loop; the function then ends with ``return _retval``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, List, Optional

from .. import syntax as S
from ..syntax import gast
from ..syntax.naming import Namer


@dataclass
class _Loop:
    brk: Optional[str] = None
    cont: Optional[str] = None


@dataclass
class _Ctx:
    namer: Namer
    ret: Optional[str] = None  # flag set by an early return
    retval: Optional[str] = None
    loops: List[_Loop] = field(default_factory=list)


def lower_jumps(fdef: Any, namer: Namer) -> Any:
    """Rewrite ``fdef`` in place (and return it) without break/continue/early return."""
    if _structured(fdef.body):
        return fdef  # nothing to rewrite (most functions): spare the walks
    ctx = _Ctx(namer)
    if _has_early_return(fdef.body):
        ctx.ret, ctx.retval = namer.flag("_ret", "return"), namer.flag("_retval", "return value")
        body = _block(fdef.body, ctx)
        fdef.body = (
            [S.assign(ctx.ret, S.const(False)), S.assign(ctx.retval, S.const(None))]
            + body
            + [gast.Return(value=S.name(ctx.retval))]
        )
        _copy_line(fdef.body, fdef)
    else:
        fdef.body = _block(fdef.body, ctx)
    return fdef


_PLAIN = (gast.Assign, gast.AugAssign, gast.AnnAssign, gast.Expr, gast.Pass, gast.Assert, gast.Raise)


def _structured(body: List[Any]) -> bool:
    """Is ``body`` (a function's) free of break, continue, return before its end and loop
    ``else``, so that :func:`lower_jumps` would leave it as it is?  Looks at statements
    only; anything but plain statements, ifs and loops is left to the full pass."""
    todo = list(body[:-1] if body and isinstance(body[-1], gast.Return) else body)
    while todo:
        st = todo.pop()
        if isinstance(st, (gast.For, gast.While)):
            if st.orelse:
                return False
            todo.extend(st.body)
        elif isinstance(st, gast.If):
            todo.extend(st.body)
            todo.extend(st.orelse)
        elif not isinstance(st, _PLAIN):
            return False
    return True


def _has_early_return(body: List[Any]) -> bool:
    for i, stmt in enumerate(body):
        last = i == len(body) - 1
        for node in _walk_no_defs(stmt):
            if isinstance(node, gast.Return) and not (last and node is stmt):
                return True
    return False


def _walk_no_defs(node: Any):
    """gast.walk that does not descend into nested functions or lambdas."""
    todo = [node]
    while todo:
        n = todo.pop()
        yield n
        for child in gast.iter_child_nodes(n):
            if not isinstance(child, (gast.FunctionDef, gast.Lambda)):
                todo.append(child)


def _jumps(stmt: Any, ctx: _Ctx) -> List[str]:
    """The flags ``stmt`` may set: this loop's break/continue, or the return flag."""
    flags = []
    loop = ctx.loops[-1] if ctx.loops else None

    def visit(node: Any, depth: int) -> None:
        if isinstance(node, (gast.FunctionDef, gast.Lambda)):
            return
        if isinstance(node, gast.Break) and depth == 0 and loop and loop.brk:
            flags.append(loop.brk)
        elif isinstance(node, gast.Continue) and depth == 0 and loop and loop.cont:
            flags.append(loop.cont)
        elif isinstance(node, gast.Return) and ctx.ret:
            flags.append(ctx.ret)
        for child in gast.iter_child_nodes(node):
            inner = depth + 1 if isinstance(node, (gast.For, gast.While)) and child in node.body else depth
            visit(child, inner)

    visit(stmt, 0)
    return sorted(set(flags), key=flags.index)


def _guard(flags: List[str], body: List[Any], like: Any) -> Any:
    test = S.name(flags[0]) if len(flags) == 1 else gast.BoolOp(op=gast.Or(), values=[S.name(f) for f in flags])
    node = gast.If(test=gast.UnaryOp(op=gast.Not(), operand=test), body=body, orelse=[])
    _copy_line([node], like)
    return node


def _block(stmts: List[Any], ctx: _Ctx) -> List[Any]:
    out: List[Any] = []
    for i, stmt in enumerate(stmts):
        flags = _jumps(stmt, ctx)  # before _stmt rewrites the jumps away
        out.extend(_stmt(stmt, ctx))
        rest = stmts[i + 1:]
        if flags and rest:
            inner = _block(rest, ctx)
            if inner:
                out.append(_guard(flags, inner, rest[0]))
            break
    return out


def _stmt(stmt: Any, ctx: _Ctx) -> List[Any]:
    loop = ctx.loops[-1] if ctx.loops else None
    if isinstance(stmt, gast.Break) and loop is not None:
        return [_at(S.assign(loop.brk, S.const(True)), stmt)]
    if isinstance(stmt, gast.Continue) and loop is not None:
        return [_at(S.assign(loop.cont, S.const(True)), stmt)]
    if isinstance(stmt, gast.Return) and ctx.ret:
        value = stmt.value if stmt.value is not None else S.const(None)
        return [_at(S.assign(ctx.retval, value), stmt), _at(S.assign(ctx.ret, S.const(True)), stmt)]
    if isinstance(stmt, gast.If):
        stmt.body = _block(stmt.body, ctx) or [gast.Pass()]
        stmt.orelse = _block(stmt.orelse, ctx)
        return [stmt]
    if isinstance(stmt, (gast.For, gast.While)):
        return _loop(stmt, ctx)
    if isinstance(stmt, gast.With):
        stmt.body = _block(stmt.body, ctx) or [gast.Pass()]
    if isinstance(stmt, gast.Try):
        stmt.body = _block(stmt.body, ctx) or [gast.Pass()]
        for handler in stmt.handlers:
            handler.body = _block(handler.body, ctx) or [gast.Pass()]
        stmt.orelse = _block(stmt.orelse, ctx)
        stmt.finalbody = _block(stmt.finalbody, ctx)
    return [stmt]


def _loop(stmt: Any, ctx: _Ctx) -> List[Any]:
    has_break = _direct(stmt.body, gast.Break)
    has_cont = _direct(stmt.body, gast.Continue)
    ret_inside = ctx.ret is not None and any(isinstance(n, gast.Return) for s in stmt.body for n in _walk_no_defs(s))
    loop = _Loop(
        brk=ctx.namer.flag("_brk", "break") if has_break else None,
        cont=ctx.namer.flag("_cont", "continue") if has_cont else None,
    )
    ctx.loops.append(loop)
    body = _block(stmt.body, ctx)
    ctx.loops.pop()
    pre: List[Any] = []
    if loop.cont:
        body.insert(0, _at(S.assign(loop.cont, S.const(False)), stmt))
    exit_flags = ([loop.brk] if loop.brk else []) + ([ctx.ret] if ret_inside else [])
    if exit_flags:
        test = S.name(exit_flags[0]) if len(exit_flags) == 1 else gast.BoolOp(
            op=gast.Or(), values=[S.name(f) for f in exit_flags])
        brk = gast.If(test=test, body=[gast.Break()], orelse=[])
        body.append(_at(brk, stmt))
    if loop.brk:
        pre.append(_at(S.assign(loop.brk, S.const(False)), stmt))
    stmt.body = body or [gast.Pass()]
    post: List[Any] = []
    if stmt.orelse:
        orelse = _block(stmt.orelse, ctx)
        stmt.orelse = []
        if exit_flags:
            post.append(_guard(exit_flags, orelse, stmt))
        else:
            post.extend(orelse)
    return pre + [stmt] + post


def _direct(body: List[Any], cls: type) -> bool:
    """Does ``body`` contain ``cls`` (Break/Continue) for this loop, not a nested one?"""
    todo = list(body)
    while todo:
        n = todo.pop()
        if isinstance(n, cls):
            return True
        if isinstance(n, (gast.For, gast.While)):
            todo.extend(n.orelse)  # a nested loop's else belongs to us
            continue
        if isinstance(n, (gast.FunctionDef, gast.Lambda)):
            continue
        todo.extend(c for c in gast.iter_child_nodes(n) if isinstance(c, gast.stmt))
    return False


def _at(node: Any, like: Any) -> Any:
    node.lineno = getattr(like, "lineno", None)
    return node


def _copy_line(nodes: List[Any], like: Any) -> None:
    for n in nodes:
        if getattr(n, "lineno", None) is None:
            n.lineno = getattr(like, "lineno", None)
