"""Printing through astor (gast -> ast -> astor): the reference the direct printer matches, and
the printer of the forms it leaves (comprehensions, f-strings, classes, ...), with the corrections
that make astor's text parse back to its tree."""

from __future__ import annotations

import ast
import re
import sys
import warnings
from typing import Any, Callable, Iterable, List, Optional, Tuple

import gast

with warnings.catch_warnings():  # astor touches ast.Num & co, deprecated since 3.12
    warnings.simplefilter("ignore", DeprecationWarning)
    import astor
    from astor.code_gen import SourceGenerator as _AstorSourceGenerator
    from astor.code_gen import set_precedence as _astor_set_precedence

from .build import COMMENT_PREFIX
from .precedence import _COMMA, _FIELD, _STAR_STAR, _SUBSCRIPT, _TEST, _comment_text, _number_text, _starred_tuple


def astor_source(node: Any) -> str:
    """:func:`to_source` through gast -> ast -> astor (the reference the direct printer matches), with
    the corrections of :class:`_AstorGenerator`."""
    tree = gast.gast_to_ast(node)
    ast.fix_missing_locations(tree) if isinstance(tree, ast.mod) else None
    text = astor.to_source(tree, pretty_source=_pretty, source_generator_class=_AstorGenerator)
    return _restore_comments(text.rstrip("\n"))


def _pretty(source: Iterable[str]) -> str:
    # astor's default pretty-printer wraps long lines; we keep one line per statement.
    return "".join(source)


def _is_ast_comment(stmt: Any) -> bool:
    """:func:`is_comment` for the ast nodes astor prints."""
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) \
        and isinstance(stmt.value.value, str) and stmt.value.value.startswith(COMMENT_PREFIX)


def _plain_string(s: Any, embedded: Any, current_line: Any, uni_lit: bool = False) -> str:
    """astor's ``pretty_string`` without its triple-quoted forms (inside an f-string field)."""
    return repr(s)


class _AstorGenerator(_AstorSourceGenerator):
    """astor's source generator with the corrections the direct printer makes too (see the precedence
    levels in :mod:`.precedence`): negative numbers bind as a unary minus, slice bounds and ``if``/``while``
    tests keep a tuple's parentheses, and so does a subscript tuple with a starred item; a dict's ``**`` value is a
    bitwise-or expression; a block without statements gets ``pass``; f-strings are written by
    :func:`_fstring` (astor writes ``f'{lambda: 1}'`` and ``f'{{1: 2}}'``, escapes quotes inside fields)."""

    def visit_Constant(self, node: Any) -> None:
        value = node.value
        if isinstance(value, (int, float, complex)):
            text, own = _number_text(value)
            with self.delimit(node) as delimiters:
                delimiters.discard = own >= delimiters.pp
                self.write(text)
        else:
            super().visit_Constant(node)

    def body(self, statements: List[Any]) -> None:
        if all(_is_ast_comment(st) for st in statements):
            statements = [*statements, ast.Pass()]
        super().body(statements)

    def visit_If(self, node: Any) -> None:
        _astor_set_precedence(_TEST, node.test)
        self.statement(node, "if ", node.test, ":")
        self.body(node.body)
        while len(node.orelse) == 1 and isinstance(node.orelse[0], ast.If):
            node = node.orelse[0]
            _astor_set_precedence(_TEST, node.test)
            self.write(self.newline, "elif ", node.test, ":")
            self.body(node.body)
        self.else_body(node.orelse)

    def visit_While(self, node: Any) -> None:
        _astor_set_precedence(_TEST, node.test)
        self.statement(node, "while ", node.test, ":")
        self.body_or_else(node)

    def visit_Subscript(self, node: Any) -> None:
        _astor_set_precedence(_COMMA if _starred_tuple(node.slice) else _SUBSCRIPT, node.slice)
        self.write(node.value, "[", node.slice, "]")

    def visit_Slice(self, node: Any) -> None:
        _astor_set_precedence(_COMMA, node.lower, node.upper, node.step)
        self.conditional_write(node.lower)
        self.write(":")
        self.conditional_write(node.upper)
        if node.step is not None:
            self.write(":")
            if not (isinstance(node.step, ast.Name) and node.step.id == "None"):
                self.visit(node.step)

    def visit_Dict(self, node: Any) -> None:
        with self.delimit("{}"):
            for i, (key, value) in enumerate(zip(node.keys, node.values)):
                _astor_set_precedence(_STAR_STAR if key is None else _COMMA, value)
                self.write(", " if i else "", key if key is not None else "", ": " if key is not None else "**",
                           value)

    def visit_JoinedStr(self, node: Any) -> None:
        self.write(_fstring(node, self._field))

    def _field(self, value: Any) -> str:
        """The text of an expression in an f-string field (strings in it quoted by repr)."""
        generator = type(self)(self.indent_with, pretty_string=_plain_string)
        _astor_set_precedence(_FIELD, value)
        generator.visit(value)
        return "".join(generator.result)


_QUOTES = ("'", '"', "'''", '"""')
_CONVERSIONS = {-1: "", ord("s"): "!s", ord("r"): "!r", ord("a"): "!a"}


def _fstring(node: Any, field: Callable[[Any], str]) -> str:
    """An f-string (``JoinedStr``, ast or gast) as source: ``field`` prints the expression of a
    replacement field.  The quotes are the first of :data:`_QUOTES` that no field's text contains
    (before Python 3.12 a field may contain neither the f-string's quote nor a backslash).
    Raises ValueError for what no f-string on this Python writes: a field that needs a backslash
    (before 3.12), a brace in the literal text of a format specification."""
    literals: List[Tuple[str, bool]] = []  # (text, in a format specification), placed where pieces has None
    pieces: List[Optional[str]] = []
    fields: List[str] = []

    def values(joined: Any, in_spec: bool) -> None:
        for part in joined.values:
            if isinstance(part, (ast.Constant, gast.Constant)) and isinstance(part.value, str):
                literals.append((part.value, in_spec))
                pieces.append(None)
                continue
            if not isinstance(part, (ast.FormattedValue, gast.FormattedValue)):
                raise ValueError(f"an f-string holds {type(part).__name__}")
            text = field(part.value)
            if text.startswith("{"):  # '{{' would be a brace in the text
                text = " " + text
            fields.append(text)
            pieces.append("{" + text + _CONVERSIONS[part.conversion])
            spec = part.format_spec
            if spec is not None and spec.values:
                pieces.append(":")
                values(spec, True)
            pieces.append("}")

    values(node, False)
    old_python = sys.version_info < (3, 12)
    if old_python and any("\\" in text for text in fields):
        raise ValueError("an f-string field with a backslash (Python < 3.12)")
    quote = next((q for q in _QUOTES if not any(q in text for text in fields)), "'")
    if old_python and any(quote in text for text in fields):
        raise ValueError("an f-string whose fields hold all kinds of quotes (Python < 3.12)")
    out, literal = [], iter(literals)
    for piece in pieces:
        if piece is not None:
            out.append(piece)
            continue
        text, in_spec = next(literal)
        if in_spec and ("{" in text or "}" in text):
            raise ValueError("a brace in an f-string's format specification")
        out.append(_string_body(text, quote[0]).replace("{", "{{").replace("}", "}}"))
    return "f" + quote + "".join(out) + quote


def _string_body(text: str, quote: str) -> str:
    """``text`` between ``quote`` characters in a string literal: backslashes, the quote, line breaks
    and unprintable characters escaped (as repr escapes them)."""
    out = []
    for c in text:
        if c == "\\" or c == quote:
            out.append("\\" + c)
        elif c.isprintable():
            out.append(c)
        else:
            out.append(repr(c)[1:-1])
    return "".join(out)


_STRING_LINE = re.compile(r"^(\s*)([rbuRBU]*(?:'.*'|\".*\"))\s*$")


def _restore_comments(text: str) -> str:
    out = []
    for line in text.split("\n"):
        m = _STRING_LINE.match(line)
        if m and "\\x00tl#" in line:
            try:
                value = ast.literal_eval(m.group(2))
            except (ValueError, SyntaxError):
                value = None
            if isinstance(value, str) and value.startswith(COMMENT_PREFIX):
                out.append(m.group(1) + "# " + _comment_text(value[len(COMMENT_PREFIX):]))
                continue
        out.append(line)
    return "\n".join(out)
