"""What both printers (the direct one and astor's) share: the precedence levels that decide where a
child needs parentheses, the operator tables, and the text of numbers and comments."""

from __future__ import annotations

import ast
import math
from typing import Any, Tuple

import gast

# Precedence levels as astor 0.8 numbers them: a child is parenthesized when its own level is
# below the level its parent asks for (``_TOP`` when the parent asks for none).  The numbers are
# astor's so that the direct printer parenthesizes exactly as astor does; where astor's level for a
# position lets through a form Python reads otherwise, both printers ask for a higher one
# (:class:`_AstorGenerator` makes the same corrections in astor):
#   - a number printed with a minus sign (``-2.0``, ``-1e1000``, ``-2j``: the compiler folds negations
#     into constants) has the level of a unary minus, not of an atom: ``(-2.0) ** 2``, ``x ** -2``;
#   - the bounds of a slice and the test of ``if``/``while``: ``_COMMA`` (a tuple keeps its parentheses);
#   - a subscript that is a tuple with a starred item: ``_COMMA`` (``x[(*a, b)]``, Python < 3.11);
#   - the value after ``**`` in a dict display: ``_STAR_STAR`` (Python wants a bitwise-or expression);
#   - the expression of an f-string field: ``_FIELD`` (a lambda's colon would start the format).
_ASSIGN, _AUGASSIGN, _EXPR, _YIELD, _IF, _RETURN, _SUBSCRIPT, _TUPLE, _COMMA = 3, 5, 5, 7, 9, 11, 13, 19, 21
_ASSERT, _NAMED, _ONE_ARG, _IFEXP, _COMPARE, _POW_RHS, _UNARY = 23, 23, 25, 27, 37, 51, 53
_POW_LHS, _AWAIT, _CONSTANT, _TOP = 56, 57, 61, 63
_TEST, _STAR_STAR, _FIELD = _COMMA, _COMPARE + 1, _IFEXP + 1
_BINOPS = {gast.BitOr: (" | ", 39), gast.BitXor: (" ^ ", 41), gast.BitAnd: (" & ", 43), gast.LShift: (" << ", 45),
           gast.RShift: (" >> ", 45), gast.Add: (" + ", 47), gast.Sub: (" - ", 47), gast.Mult: (" * ", 49),
           gast.Div: (" / ", 49), gast.Mod: (" % ", 49), gast.FloorDiv: (" // ", 49), gast.MatMult: (" @ ", 49),
           gast.Pow: (" ** ", 55)}
_UNARYOPS = {gast.Invert: ("~", _UNARY), gast.UAdd: ("+", _UNARY), gast.USub: ("-", _UNARY), gast.Not: ("not ", 35)}
_BOOLOPS = {gast.Or: (" or ", 31), gast.And: (" and ", 33)}
_CMPOPS = {gast.Eq: " == ", gast.NotEq: " != ", gast.Lt: " < ", gast.LtE: " <= ", gast.Gt: " > ", gast.GtE: " >= ",
           gast.Is: " is ", gast.IsNot: " is not ", gast.In: " in ", gast.NotIn: " not in "}

# ints longer than this many bits are written in hex: Python 3.11+ refuses to convert ints of more than
# 4300 decimal digits to or from text (sys.int_max_str_digits), in hex they have no limit
_DECIMAL_BITS = 13000
# the sign of the NaN that ``1e1000 - 1e1000`` gives on this machine (negative on x86): a NaN of the
# other sign is printed negated
_NAN_SIGN = math.copysign(1.0, float("inf") - float("inf"))


def _number(x: Any) -> str:
    """A number as astor writes it: infinities as 1e1000 (no name needed), NaN as
    ``(1e1000-1e1000)`` (negated when the NaN's sign is the other one), complex numbers in
    parentheses, ints too long for decimal text in hex.  The text evaluates to ``x`` in any
    module (the signs of the zero and NaN parts of complex numbers aside)."""
    def part(v: Any, suffix: str) -> str:
        if isinstance(v, int):
            if not isinstance(v, bool) and v.bit_length() > _DECIMAL_BITS:
                return hex(v) + suffix
            return repr(v) + suffix
        if math.isinf(v):
            return ("-1e1000" if v < 0 else "1e1000") + suffix
        if math.isnan(v):
            text = f"(1e1000{suffix}-1e1000{suffix})"
            return text if suffix or math.copysign(1.0, v) == _NAN_SIGN else "-" + text
        return repr(v) + suffix

    if not isinstance(x, complex):
        return part(x, "")
    real, imag = part(x.real, ""), part(x.imag, "j")
    if x.real == 0:
        return imag
    if x.imag == 0:
        return f"({real}+0j)"
    return f"({real}{'' if imag.startswith('-') else '+'}{imag})"


def _number_text(x: Any) -> Tuple[str, int]:
    """:func:`_number` and its precedence level: a leading minus binds as a unary minus (the
    compiler folds ``-2.0`` into one constant; ``(-2.0) ** 2`` needs its parentheses)."""
    text = _number(x)
    return text, (_UNARY if text.startswith("-") else _CONSTANT)


def _comment_text(text: str) -> str:
    """A comment's text with the characters that would end its line (or that Python refuses in a
    source file) escaped as in a string literal."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c == "\t" else repr(c)[1:-1] for c in text)


def _starred_tuple(node: Any) -> bool:
    """A tuple with a starred item (``x[*a, b]`` needs Python 3.11: such a subscript keeps its parentheses)."""
    return isinstance(node, (gast.Tuple, ast.Tuple)) \
        and any(isinstance(e, (gast.Starred, ast.Starred)) for e in node.elts)
