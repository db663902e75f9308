"""The direct printer: gast statements and expressions printed as astor prints their ast conversion,
parenthesized by the precedence levels of :mod:`.precedence`.  Three collaborators do the work:
:class:`_Output` places the pieces of text, :class:`_ExpressionPrinter` prints expressions,
:class:`_StatementPrinter` prints statements; :class:`_Printer` puts them together."""

from __future__ import annotations

from typing import Any, Callable, Dict, List

import gast

from .build import COMMENT_PREFIX, is_comment
from .precedence import (
    _ASSERT,
    _ASSIGN,
    _AUGASSIGN,
    _AWAIT,
    _BINOPS,
    _BOOLOPS,
    _CMPOPS,
    _COMMA,
    _COMPARE,
    _EXPR,
    _IF,
    _IFEXP,
    _NAMED,
    _ONE_ARG,
    _POW_LHS,
    _POW_RHS,
    _RETURN,
    _STAR_STAR,
    _SUBSCRIPT,
    _TEST,
    _TOP,
    _TUPLE,
    _UNARYOPS,
    _YIELD,
    _comment_text,
    _number_text,
    _starred_tuple,
)


class _Unprintable(Exception):
    """A node :class:`_Printer` leaves to astor."""


class _Printer:
    """Prints gast statements and expressions directly, as astor (:class:`_AstorGenerator`) prints
    their ast conversion.  Where a child needs parentheses is decided in one place per form: the
    level its parent asks for (the precedence table in :mod:`.precedence`) against the child's own level (for a
    number: :func:`_number_text`, a leading minus binding as a unary minus).

    Text goes out in pieces: a parenthesis is written when an expression starts and blanked when
    its parent's precedence makes it unnecessary (astor's order, which decides whether a string
    starts its line).  Line breaks are owed (``breaks``) and written with the indentation before
    the next piece.  Raises :class:`_Unprintable` for forms it does not know (astor prints them):
    comprehensions, f-strings, classes, multi-line strings, strings that start a line."""

    def __init__(self) -> None:
        self.output = _Output()
        self.expressions = _ExpressionPrinter(self.output)
        self.statements = _StatementPrinter(self.output, self.expressions)

    def text(self, node: Any) -> str:
        if isinstance(node, (gast.stmt, gast.Module)):
            self.statements.stmt(node)
        else:
            self.expressions.expr(node, _TOP)
        return self.output.text()


class _Output:
    """The text being printed, in pieces: a parenthesis is written when an expression starts and
    blanked (:meth:`close`) when its parent's precedence makes it unnecessary.  Line breaks are owed
    (``breaks``) and written with the indentation (``level``) before the next piece."""

    def __init__(self) -> None:
        self.out: List[str] = []
        self.level = 0  # indentation
        self.breaks = 0  # line breaks owed before the next piece
        self.line = 0  # index in ``out`` where the current line starts

    def text(self) -> str:
        """The pieces as one text (without the line breaks at its ends)."""
        out = self.out
        out.append("\n")
        if set(out[0]) == {"\n"}:
            out[0] = ""
        return "".join(out).rstrip("\n")

    def write(self, piece: str) -> None:
        if self.breaks:
            self.out.append("\n" * self.breaks)
            self.line = len(self.out)
            self.out.append("    " * self.level)
            self.breaks = 0
        if piece:
            self.out.append(piece)

    def newline(self, extra: int = 0) -> None:
        self.breaks = max(self.breaks, 1 + extra)

    def open(self) -> int:
        self.write("(")
        return len(self.out) - 1

    def close(self, at: int, keep: bool) -> None:
        if keep:
            self.out.append(")")
        else:
            self.out[at] = ""


class _ExpressionPrinter:
    """Prints expressions (and the parameters of a def or lambda) into an :class:`_Output`: the
    parentheses a child needs are decided in one place per form, the level its parent asks for
    against its own level.  Raises :class:`_Unprintable` for forms it does not know."""

    def __init__(self, output: _Output) -> None:
        self.output = output
        self.out = output.out
        self.write, self.open, self.close = output.write, output.open, output.close

    def commas(self, nodes: List[Any], level: int) -> None:
        for i, node in enumerate(nodes):
            if i:
                self.write(", ")
            self.expr(node, level)

    def expr(self, node: Any, level: int) -> None:
        method = _EXPRESSIONS.get(node.__class__)
        if method is None:
            raise _Unprintable(node.__class__.__name__)
        method(self, node, level)

    def name(self, node: Any, level: int) -> None:
        self.write(node.id)

    def constant(self, node: Any, level: int) -> None:
        value = node.value
        if isinstance(value, (int, float, complex)):
            text, own = _number_text(value)
            at = self.open()
            self.write(text)
            self.close(at, own < level)
        elif isinstance(value, str):
            self.write("")
            if "\n" in value or not "".join(self.out[self.output.line:]).strip():
                raise _Unprintable("string")  # astor may choose a triple-quoted form
            self.write((node.kind or "") + repr(value))
        elif value is Ellipsis:
            self.write("...")
        else:
            self.write(repr(value))

    def attribute(self, node: Any, level: int) -> None:
        self.expr(node.value, _TOP)
        self.write(".")
        self.write(node.attr)

    def call(self, node: Any, level: int) -> None:
        args, keywords = node.args, node.keywords
        arg_level = _COMMA if len(args) + len(keywords) > 1 else _ONE_ARG
        self.expr(node.func, _TOP)
        self.write("(")
        self.commas(args, arg_level)
        for i, kw in enumerate(keywords):
            if i or args:
                self.write(", ")
            self.write(f"{kw.arg}=" if kw.arg else "**")
            self.expr(kw.value, _COMMA)
        self.write(")")

    def starred(self, node: Any, level: int) -> None:
        self.write("*")
        self.expr(node.value, _TOP)

    def subscript(self, node: Any, level: int) -> None:
        self.expr(node.value, _TOP)
        self.write("[")
        self.expr(node.slice, _COMMA if _starred_tuple(node.slice) else _SUBSCRIPT)
        self.write("]")

    def slice(self, node: Any, level: int) -> None:
        if node.lower is not None:
            self.expr(node.lower, _COMMA)
        self.write(":")
        if node.upper is not None:
            self.expr(node.upper, _COMMA)
        if node.step is not None:
            self.write(":")
            if not (isinstance(node.step, gast.Name) and node.step.id == "None"):
                self.expr(node.step, _COMMA)

    def tuple(self, node: Any, level: int) -> None:
        at = self.open()
        self.commas(node.elts, _COMMA)
        if len(node.elts) == 1:
            self.write(",")
        self.close(at, not (node.elts and _TUPLE >= level))

    def list(self, node: Any, level: int) -> None:
        self.write("[")
        self.commas(node.elts, _COMMA)
        self.out.append("]")

    def set(self, node: Any, level: int) -> None:
        if not node.elts:
            self.write("{1}.__class__()")
            return
        self.write("{")
        self.commas(node.elts, _COMMA)
        self.out.append("}")

    def dict(self, node: Any, level: int) -> None:
        self.write("{")
        for i, (key, value) in enumerate(zip(node.keys, node.values)):
            if i:
                self.write(", ")
            if key is None:
                self.write("**")
                self.expr(value, _STAR_STAR)
            else:
                self.expr(key, _TOP)
                self.write(": ")
                self.expr(value, _COMMA)
        self.out.append("}")

    def binop(self, node: Any, level: int) -> None:
        symbol, own = _BINOPS[node.op.__class__]
        power = own == 55
        at = self.open()
        self.expr(node.left, _POW_LHS if power else own)
        self.write(symbol)
        self.expr(node.right, _POW_RHS if power else own + 1)
        self.close(at, own < level)

    def boolop(self, node: Any, level: int) -> None:
        symbol, own = _BOOLOPS[node.op.__class__]
        at = self.open()
        for i, value in enumerate(node.values):
            if i:
                self.write(symbol)
            self.expr(value, own + 1)
        self.close(at, own < level)

    def compare(self, node: Any, level: int) -> None:
        at = self.open()
        self.expr(node.left, _COMPARE + 1)
        for op, right in zip(node.ops, node.comparators):
            self.write(_CMPOPS[op.__class__])
            self.expr(right, _COMPARE + 1)
        self.close(at, _COMPARE < level)

    def unaryop(self, node: Any, level: int) -> None:
        symbol, own = _UNARYOPS[node.op.__class__]
        at = self.open()
        self.write(symbol)
        self.expr(node.operand, own)
        self.close(at, own < level)

    def ifexp(self, node: Any, level: int) -> None:
        at = self.open()
        self.expr(node.body, _IFEXP + 1)
        self.write(" if ")
        self.expr(node.test, _IFEXP + 1)
        self.write(" else ")
        self.expr(node.orelse, _IFEXP)
        self.close(at, _IFEXP < level)

    def lambda_(self, node: Any, level: int) -> None:
        at = self.open()
        self.write("lambda ")
        self.arguments(node.args)
        self.write(": ")
        self.expr(node.body, _IFEXP)
        self.close(at, _IFEXP < level)

    def namedexpr(self, node: Any, level: int) -> None:
        at = self.open()
        self.expr(node.target, _NAMED)
        self.write(" := ")
        self.expr(node.value, _NAMED + 1)
        self.close(at, True)

    def yield_(self, node: Any, level: int) -> None:
        at = self.open()
        self.write("yield")
        if node.value is not None:
            self.write(" ")
            self.expr(node.value, _YIELD + 1)
        self.close(at, _YIELD < level)

    def yield_from(self, node: Any, level: int) -> None:
        at = self.open()
        self.write("yield from ")
        self.expr(node.value, _TOP)
        self.close(at, _YIELD < level)

    def await_(self, node: Any, level: int) -> None:
        at = self.open()
        self.write("await ")
        self.expr(node.value, _TOP)
        self.close(at, _AWAIT < level)

    def arguments(self, args: Any) -> None:
        if args.posonlyargs:
            raise _Unprintable("positional-only parameters")
        first = [True]

        def comma() -> None:
            if first:
                first.pop()
            else:
                self.write(", ")

        def params(names: List[Any], defaults: List[Any]) -> None:
            for param, default in zip(names, [None] * (len(names) - len(defaults)) + defaults):
                comma()
                self.param(param)
                if default is not None:
                    self.write("=")
                    self.expr(default, _COMMA)

        params(args.args, args.defaults)
        if args.vararg is not None:
            comma()
            self.write("*")
            self.param(args.vararg)
        if args.kwonlyargs:
            if args.vararg is None:
                comma()
                self.write("*")
            params(args.kwonlyargs, args.kw_defaults)
        if args.kwarg is not None:
            comma()
            self.write("**")
            self.param(args.kwarg)

    def param(self, node: Any) -> None:
        if not isinstance(node, gast.Name):
            raise _Unprintable("parameter")
        self.write(node.id)
        if node.annotation is not None:
            self.write(": ")
            self.expr(node.annotation, _TOP)


class _StatementPrinter:
    """Prints statements into an :class:`_Output`, their expressions through an
    :class:`_ExpressionPrinter`.  Raises :class:`_Unprintable` for forms it does not know."""

    def __init__(self, output: _Output, expressions: _ExpressionPrinter) -> None:
        self.output = output
        self.write, self.newline = output.write, output.newline
        self.expr, self.commas, self.arguments = expressions.expr, expressions.commas, expressions.arguments

    def stmt(self, node: Any) -> None:
        method = _STATEMENTS.get(node.__class__)
        if method is None:
            raise _Unprintable(node.__class__.__name__)
        method(self, node)

    def body(self, statements: List[Any]) -> None:
        self.output.level += 1
        for node in statements:
            self.stmt(node)
        if all(is_comment(node) for node in statements):  # a block needs a statement
            self.newline()
            self.write("pass")
        self.output.level -= 1

    def orelse(self, statements: List[Any]) -> None:
        if statements:
            self.newline()
            self.write("else:")
            self.body(statements)

    def module(self, node: Any) -> None:
        for stmt in node.body:
            self.stmt(stmt)

    def function_def(self, node: Any) -> None:
        self.newline(extra=1 if self.output.level else 2)
        for decorator in node.decorator_list:
            self.newline()
            self.write("@")
            self.expr(decorator, _TOP)
        self.newline()
        self.write(("async def " if isinstance(node, gast.AsyncFunctionDef) else "def ") + node.name)
        self.write("(")
        self.arguments(node.args)
        self.write(")")
        if node.returns is not None:
            self.write(" ->")
            self.expr(node.returns, _TOP)
        self.write(":")
        self.body(node.body)
        if not self.output.level:
            self.newline(extra=2)

    def assign(self, node: Any) -> None:
        self.newline()
        for target in node.targets:
            self.expr(target, _ASSIGN)
            self.write(" = ")
        self.expr(node.value, _ASSIGN)

    def aug_assign(self, node: Any) -> None:
        self.newline()
        self.expr(node.target, _AUGASSIGN)
        self.write(_BINOPS[node.op.__class__][0][:-1] + "= ")
        self.expr(node.value, _AUGASSIGN)

    def expr_stmt(self, node: Any) -> None:
        self.newline()
        if is_comment(node):  # astor prints the string, _restore_comments makes it a comment
            self.write("# " + _comment_text(node.value.value[len(COMMENT_PREFIX):]))
        else:
            self.expr(node.value, _EXPR)

    def return_(self, node: Any) -> None:
        self.newline()
        self.write("return")
        if node.value is not None:
            self.write(" ")
            self.expr(node.value, _RETURN)

    def keyword_stmt(self, node: Any) -> None:
        self.newline()
        self.write(_KEYWORD_STATEMENTS[node.__class__])

    def if_(self, node: Any) -> None:
        self.newline()
        self.write("if ")
        self.expr(node.test, _TEST)
        self.write(":")
        self.body(node.body)
        while len(node.orelse) == 1 and isinstance(node.orelse[0], gast.If):
            node = node.orelse[0]
            self.newline()
            self.write("elif ")
            self.expr(node.test, _TEST)
            self.write(":")
            self.body(node.body)
        self.orelse(node.orelse)

    def for_(self, node: Any) -> None:
        self.newline()
        self.write("for ")
        self.expr(node.target, _IF)
        self.write(" in ")
        self.expr(node.iter, _TOP)
        self.write(":")
        self.body(node.body)
        self.orelse(node.orelse)

    def while_(self, node: Any) -> None:
        self.newline()
        self.write("while ")
        self.expr(node.test, _TEST)
        self.write(":")
        self.body(node.body)
        self.orelse(node.orelse)

    def raise_(self, node: Any) -> None:
        self.newline()
        self.write("raise")
        if node.exc is not None:
            self.write(" ")
            self.expr(node.exc, _TOP)
            if node.cause is not None:
                self.write(" from ")
                self.expr(node.cause, _TOP)

    def assert_(self, node: Any) -> None:
        self.newline()
        self.write("assert ")
        self.expr(node.test, _ASSERT)
        if node.msg is not None:
            self.write(", ")
            self.expr(node.msg, _ASSERT)

    def delete(self, node: Any) -> None:
        self.newline()
        self.write("del ")
        self.commas(node.targets, _COMMA)

    def global_(self, node: Any) -> None:
        self.newline()
        self.write(("global " if isinstance(node, gast.Global) else "nonlocal ") + ", ".join(node.names))

    def try_(self, node: Any) -> None:
        self.newline()
        self.write("try:")
        self.body(node.body)
        for handler in node.handlers:
            self.newline()
            self.write("except")
            if handler.type is not None:
                self.write(" ")
                self.expr(handler.type, _TOP)
                if handler.name is not None:
                    self.write(" as ")
                    self.write(handler.name.id if isinstance(handler.name, gast.Name) else handler.name)
            self.write(":")
            self.body(handler.body)
        self.orelse(node.orelse)
        if node.finalbody:
            self.newline()
            self.write("finally:")
            self.body(node.finalbody)

    def with_(self, node: Any) -> None:
        self.newline()
        self.write("with ")
        for i, item in enumerate(node.items):
            if i:
                self.write(", ")
            self.expr(item.context_expr, _TOP)
            if item.optional_vars is not None:
                self.write(" as ")
                self.expr(item.optional_vars, _TOP)
        self.write(":")
        self.body(node.body)


_EXPRESSIONS: Dict[type, Callable[..., None]] = {
    gast.Name: _ExpressionPrinter.name, gast.Constant: _ExpressionPrinter.constant,
    gast.Attribute: _ExpressionPrinter.attribute, gast.Call: _ExpressionPrinter.call,
    gast.Starred: _ExpressionPrinter.starred, gast.Subscript: _ExpressionPrinter.subscript,
    gast.Slice: _ExpressionPrinter.slice, gast.Tuple: _ExpressionPrinter.tuple, gast.List: _ExpressionPrinter.list,
    gast.Set: _ExpressionPrinter.set, gast.Dict: _ExpressionPrinter.dict, gast.BinOp: _ExpressionPrinter.binop,
    gast.BoolOp: _ExpressionPrinter.boolop, gast.Compare: _ExpressionPrinter.compare,
    gast.UnaryOp: _ExpressionPrinter.unaryop, gast.IfExp: _ExpressionPrinter.ifexp,
    gast.Lambda: _ExpressionPrinter.lambda_, gast.NamedExpr: _ExpressionPrinter.namedexpr,
    gast.Yield: _ExpressionPrinter.yield_, gast.YieldFrom: _ExpressionPrinter.yield_from,
    gast.Await: _ExpressionPrinter.await_,
}
_KEYWORD_STATEMENTS = {gast.Pass: "pass", gast.Break: "break", gast.Continue: "continue"}
_STATEMENTS: Dict[type, Callable[..., None]] = {
    gast.Module: _StatementPrinter.module, gast.FunctionDef: _StatementPrinter.function_def,
    gast.AsyncFunctionDef: _StatementPrinter.function_def, gast.Assign: _StatementPrinter.assign,
    gast.AugAssign: _StatementPrinter.aug_assign, gast.Expr: _StatementPrinter.expr_stmt,
    gast.Return: _StatementPrinter.return_, gast.Pass: _StatementPrinter.keyword_stmt,
    gast.Break: _StatementPrinter.keyword_stmt, gast.Continue: _StatementPrinter.keyword_stmt,
    gast.If: _StatementPrinter.if_, gast.For: _StatementPrinter.for_, gast.While: _StatementPrinter.while_,
    gast.Raise: _StatementPrinter.raise_, gast.Assert: _StatementPrinter.assert_,
    gast.Delete: _StatementPrinter.delete, gast.Global: _StatementPrinter.global_,
    gast.Nonlocal: _StatementPrinter.global_, gast.Try: _StatementPrinter.try_, gast.With: _StatementPrinter.with_,
}
