"""Everything that knows gast and astor: reading, parsing, printing, building nodes.

Other passes use the node classes re-exported here (``source.gast``) and the small
builders below; if gast or astor change under us, this is the one file to fix.

    >>> to_source(parse_expr("a + b"))
    'a + b'
"""

from __future__ import annotations
import __future__

import ast
import contextlib
import copy
import dis
import inspect
import keyword
import linecache
import math
import os
import re
import sys
import textwrap
import types
import warnings
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

import gast
import gast.ast3

with warnings.catch_warnings():  # astor touches ast.Num & co, deprecated since 3.12
    warnings.simplefilter("ignore", DeprecationWarning)
    import astor
    from astor.code_gen import SourceGenerator as _AstorSourceGenerator
    from astor.code_gen import set_precedence as _astor_set_precedence

from ..errors import Location, SourceUnavailableError
from .annotations import _ATTR as _ANNO_ATTR

__all__ = ["gast", "FunctionSource", "load_function", "to_source", "parse_expr", "parse_stmts"]

_new_node = ast.AST.__new__  # an empty node of a class, its fields to be filled in


@dataclass
class FunctionSource:
    """A parsed user function: its gast ``FunctionDef`` with file line numbers."""

    node: Any  # gast.FunctionDef or gast.Lambda wrapped as FunctionDef
    filename: str
    lines: List[str]  # the whole file's lines (1-based access via line())
    text: str  # the function's own dedented source
    first_lineno: int
    depth: int = 0  # nesting depth of the syntax tree (see recursion_room)

    def location(self, node: Any) -> Location:
        lineno = getattr(node, "lineno", None) or self.first_lineno
        return Location(self.filename, lineno, self.line(lineno))

    def line(self, lineno: int) -> str:
        if 1 <= lineno <= len(self.lines):
            return self.lines[lineno - 1].rstrip("\n")
        return ""


def load_function(fn: Callable) -> FunctionSource:
    """Read and parse ``fn``'s source; line numbers are those of its file."""
    name = getattr(fn, "__qualname__", repr(fn))
    code = getattr(fn, "__code__", None)
    if code is None:
        raise SourceUnavailableError(
            f"'{name}' has no Python source (it is a builtin or C extension function)",
            hint="register a derivative rule for it with tl.defvjp / tl.defjvp",
        )
    filename = code.co_filename
    try:
        lines, first = source_lines(fn)
    except (OSError, TypeError) as exc:
        raise SourceUnavailableError(
            f"cannot read the source of '{name}' (defined in {filename}): {exc}",
            hint="define the function in a .py file (not a REPL or exec string), "
            "or register a derivative rule for it",
        ) from None
    text = textwrap.dedent("".join(lines))
    all_lines = linecache.getlines(filename) or lines
    if code.co_name == "<lambda>":
        node = _lambda_node(text, code, first)
        if node is None:
            raise SourceUnavailableError(
                f"cannot isolate the lambda '{name}' in its source line",
                location=Location(filename, first, all_lines[first - 1] if first <= len(all_lines) else ""),
                hint="give the lambda its own line or turn it into a def",
            )
    else:
        try:
            tree = ast.parse(text)
        except SyntaxError as exc:
            raise SourceUnavailableError(
                f"cannot parse the source of '{name}': {exc.msg}",
                location=Location(filename, first + (exc.lineno or 1) - 1, ""),
            ) from None
        first_node = tree.body[0] if tree.body else None
        if not isinstance(first_node, (ast.FunctionDef, ast.AsyncFunctionDef)) or first_node.name != code.co_name \
                or not _matches_running_code(fn, text, first):
            raise _edited_error(fn, filename)
        depth = tree_depth(tree)
        with recursion_room(depth):
            module = ast_to_gast(tree)
        node = module.body[0]
        shift_lines(node, first - 1)
        node.decorator_list = []
        return FunctionSource(node, filename, all_lines, text, first, depth)
    return FunctionSource(node, filename, all_lines, text, first, tree_depth(node))


# (file, first line, name) -> (the file's lines in linecache, the def's lines, its first line)
_SOURCE_MEMO: Dict[Tuple[str, int, str], Tuple[List[str], List[str], int]] = {}


def source_lines(fn: Callable) -> Tuple[List[str], int]:
    """:func:`inspect.getsourcelines` of a function, remembered while :mod:`linecache` holds the
    same lines for its file (a transformation reads a function's source several times: the
    cache key, the parse, the callee hashes; finding the def's end tokenizes it each time).
    ``linecache.checkcache`` re-reads an edited file (as inspect does): its lines are then a
    new list, and the def is found again."""
    code = getattr(fn, "__code__", None)
    if code is None:
        return inspect.getsourcelines(fn)
    filename = code.co_filename
    key = (filename, code.co_firstlineno, code.co_name)
    hit = _SOURCE_MEMO.get(key)
    if hit is not None:
        linecache.checkcache(filename)  # as inspect does: an edited file is read again
    entry = linecache.cache.get(filename)
    if hit is not None and entry is not None and len(entry) == 4 and entry[2] is hit[0]:
        return list(hit[1]), hit[2]
    # the function's own code (inspect would follow a functools.wraps wrapper's __wrapped__ to
    # another function, whose source is not the code that runs)
    lines, first = inspect.getsourcelines(code)
    entry = linecache.cache.get(filename)
    if entry is not None and len(entry) == 4 and filename.endswith(".py"):
        if len(_SOURCE_MEMO) >= 1024:
            _SOURCE_MEMO.clear()
        _SOURCE_MEMO[key] = (entry[2], list(lines), first)
    return lines, first


def clear_source_memo() -> None:
    _SOURCE_MEMO.clear()


_MISSING = object()
_GAST_CLASSES: Dict[type, Any] = {}  # ast class -> the gast class of the same name (None: none)


class _AstToGast(gast.ast3.Ast3ToGAst):
    """gast's own ast -> gast converter (its version-specific cases untouched) with a cheaper
    dispatch and generic step: the same gast tree, node for node, in about two thirds of the time
    (tests/test_source_fast_paths.py compares the trees)."""

    _methods: Dict[type, Any] = {}  # ast class -> this converter's visit_<Class>, or None

    def visit(self, node: Any) -> Any:
        cls = node.__class__
        try:
            method = self._methods[cls]
        except KeyError:
            method = self._methods[cls] = getattr(type(self), "visit_" + cls.__name__, None)
        if method is None:
            return self.generic_visit(node)
        return method(self, node)

    def generic_visit(self, node: Any) -> Any:
        cls = node.__class__
        try:
            target = _GAST_CLASSES[cls]
        except KeyError:
            target = _GAST_CLASSES[cls] = getattr(gast, cls.__name__, None)
        if target is None:  # not part of gast's tree: dropped, as gast drops it
            return None
        new = _new_node(target)
        fields = new.__dict__
        convert = self._visit
        for field in node._fields:
            value = getattr(node, field, _MISSING)
            if value is not _MISSING:
                fields[field] = convert(value)
        for attr in node._attributes:
            value = getattr(node, attr, _MISSING)
            if value is not _MISSING:
                fields[attr] = value
        return new


def ast_to_gast(tree: Any) -> Any:
    """:func:`gast.ast_to_gast`, faster (see :class:`_AstToGast`)."""
    return _AstToGast().visit(tree)


def shift_lines(tree: Any, n: int) -> None:
    """:func:`ast.increment_lineno` that skips nodes without a line (gast gives Python 3.9's
    ``alias`` nodes ``lineno=None``)."""
    for node in walk(tree):
        for attr in ("lineno", "end_lineno"):
            value = getattr(node, attr, None)
            if isinstance(value, int):
                setattr(node, attr, value + n)


def _edited_error(fn: Callable, filename: str) -> SourceUnavailableError:
    name = fn.__qualname__
    return SourceUnavailableError(
        f"the source file of '{name}' ({filename}) was edited after '{name}' was imported: "
        "the code in the file is not the code that runs, so its derivative would be wrong",
        hint=f"reload the module (importlib.reload) or restart Python so that '{name}' is the code in the file, "
        "then differentiate it again",
    )


# future-import flags a function's code object carries (they change how its source compiles)
_FUTURE_FLAGS = 0
for _feature in __future__.all_feature_names:
    _FUTURE_FLAGS |= getattr(__future__, _feature).compiler_flag


def _matches_running_code(fn: Callable, text: str, first: int) -> bool:
    """Does ``text`` (the def read from ``fn``'s file now) compile to ``fn.__code__``?

    The file may have been edited since the module was imported (same lines, another
    body; or lines moved, so that another block is read): differentiating the text would
    give the derivative of code that does not run.  The def is compiled in a wrapper that
    recreates its context (the class that mangles its private names, the closure cells
    it reads) and the code objects are compared: bytecode, names, constants, nested code."""
    code = fn.__code__
    try:
        module_code = compile(_compile_context(fn, text, first), code.co_filename, "exec",
                              flags=code.co_flags & _FUTURE_FLAGS, dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    candidates = [c for c in _code_objects(module_code) if c.co_name == code.co_name]
    if any(_same_code(c, code) for c in candidates):
        return True
    if "@py_builtins" in fn.__globals__:  # a module pytest rewrote: its asserts compile differently
        return any(_covers(code, c) for c in candidates)
    return False


def _covers(running: Any, compiled: Any) -> bool:
    """A weaker check, for code transformed on import (pytest's assertion rewriting): every
    name and constant of the code compiled from the file is in the running code."""
    def contents(code: Any) -> tuple:
        names, consts = set(), set()
        for c in _code_objects(code):
            names |= set(c.co_names) | set(c.co_varnames) | set(c.co_freevars) | set(c.co_cellvars)
            consts |= {(type(k), repr(k)) for k in c.co_consts if not isinstance(k, type(code))}
        return names, consts

    (names, consts), (need_names, need_consts) = contents(running), contents(compiled)
    return need_names <= names and need_consts <= consts and running.co_varnames[:running.co_argcount] == \
        compiled.co_varnames[:compiled.co_argcount]


def _compile_context(fn: Callable, text: str, first: int = 1) -> str:
    """``text`` inside what makes it compile as it did in its module, at the same line numbers
    (code objects hold some: the ``__firstlineno__`` of a class body, Python 3.13+)."""
    code = fn.__code__
    body = text
    parents = fn.__qualname__.split(".")[:-1]
    in_class = bool(parents) and parents[-1] != "<locals>" and parents[-1].isidentifier()
    if in_class:
        body = f"class {parents[-1]}:\n" + textwrap.indent(body, "    ")
    cells = [v for v in code.co_freevars if not (in_class and v == "__class__")]
    if cells:
        head = "".join(f"    {v} = None\n" for v in cells)
        body = "def __tl_context__():\n" + head + textwrap.indent(body, "    ")
    wrapper_lines = body.count("\n") - text.count("\n")
    room = first - 1 - wrapper_lines
    # the module names the def reads, imported as in its module: the compiler then picks the same
    # call form for ``np.f(x)`` (3.11+), and the bytecode can be compared as bytes (see _same_code)
    modules = sorted(n for n in set(code.co_names) if isinstance(fn.__globals__.get(n), types.ModuleType)
                     and n.isidentifier() and not keyword.iskeyword(n) and n not in code.co_varnames)
    if modules and room >= 1:
        return f"import {', '.join(modules)}\n" + "\n" * (room - 1) + body
    return "\n" * max(0, room) + body


def _code_objects(code: Any) -> Iterator[Any]:
    stack = [code]
    while stack:
        c = stack.pop()
        yield c
        stack.extend(k for k in c.co_consts if isinstance(k, type(code)))


def _same_code(a: Any, b: Any) -> bool:
    def shape(c: Any) -> tuple:
        return (c.co_names, c.co_varnames, c.co_freevars, c.co_cellvars, c.co_argcount,
                c.co_kwonlyargcount, len(c.co_consts))

    # equal bytecode, names and constants give equal instruction lists: skip disassembling
    if shape(a) != shape(b) or (a.co_code != b.co_code and _instructions(a) != _instructions(b)):
        return False
    for x, y in zip(a.co_consts, b.co_consts):
        if isinstance(x, type(a)) or isinstance(y, type(a)):
            if not (isinstance(x, type(a)) and isinstance(y, type(a)) and _same_code(x, y)):
                return False
        elif (type(x), repr(x)) != (type(y), repr(y)):
            return False
    return True


# the compiler picks the method-call form of ``m.f(x)`` from the module around the def
# (whether ``m`` is an imported name): the same call either way
_SAME_OP = {"LOAD_METHOD": "LOAD_ATTR", "CALL_METHOD": "CALL_FUNCTION"}
# left out: EXTENDED_ARG depends on the sizes of other instructions, PUSH_NULL on the call form
_LAYOUT_OPS = {"EXTENDED_ARG", "PUSH_NULL"}


def _instructions(code: Any) -> List[tuple]:
    """The bytecode of ``code`` as (operation, argument) pairs, jumps by instruction index."""
    ins, index, waiting = [], {}, []
    for i in dis.get_instructions(code):
        waiting.append(i.offset)
        if i.opname not in _LAYOUT_OPS:
            index.update((offset, len(ins)) for offset in waiting)
            ins.append(i)
            waiting = []
    out = []
    for i in ins:
        arg = i.argval
        if i.opcode in dis.hasjrel or i.opcode in dis.hasjabs:
            arg = index.get(arg, arg)
        elif isinstance(arg, type(code)):
            arg = "<code>"  # compared through co_consts
        out.append((_SAME_OP.get(i.opname, i.opname), type(arg).__name__, repr(arg)))
    return out


def tree_depth(tree: Any) -> int:
    """The nesting depth of a syntax tree, counting every child :func:`ast.iter_child_nodes`
    gives (computed level by level, without recursion)."""
    depth, level, node_type = 0, [tree], ast.AST
    while level:
        depth += 1
        below: List[Any] = []
        push = below.append
        for node in level:
            for field in node._fields:
                value = getattr(node, field, None)
                if value.__class__ is list:
                    for item in value:
                        if isinstance(item, node_type):
                            push(item)
                elif isinstance(value, node_type):
                    push(value)
        level = below
    return depth


@contextlib.contextmanager
def recursion_room(depth: int) -> Iterator[None]:
    """Raise Python's recursion limit while a recursive pass walks a tree ``depth`` deep.

    gast's converters, :func:`deepcopy` and the lowering visit expressions recursively,
    a few frames per level: a valid 400-term sum would otherwise exceed the default limit."""
    old = sys.getrecursionlimit()
    frames, f = 0, sys._getframe()
    while f is not None:
        frames, f = frames + 1, f.f_back
    need = frames + 12 * depth + 300
    if need > old:
        sys.setrecursionlimit(need)
    try:
        yield
    finally:
        if need > old:
            sys.setrecursionlimit(old)


def _lambda_node(text: str, code: Any, first: int) -> Optional[Any]:
    """Find the lambda whose argument names match ``code`` and make it a def."""
    try:
        module = gast.parse(text.strip().rstrip(",").rstrip("\\"))
    except SyntaxError:
        try:
            module = gast.parse("(" + text.strip().rstrip(",") + ")")
        except SyntaxError:
            return None
    names = list(code.co_varnames[: code.co_argcount + code.co_kwonlyargcount])
    found = [
        n
        for n in gast.walk(module)
        if isinstance(n, gast.Lambda)
        and [a.id for a in n.args.args + n.args.kwonlyargs] == names
    ]
    if len(found) != 1:
        return None
    lam = found[0]
    shift_lines(lam, first - 1)
    ret = gast.Return(value=lam.body)
    ast.copy_location(ret, lam.body)
    fdef = gast.FunctionDef(
        name="_lambda", args=lam.args, body=[ret], decorator_list=[], returns=None,
        type_comment=None, **_extra_fdef_fields(),
    )
    ast.copy_location(fdef, lam)
    return fdef


def _extra_fdef_fields() -> dict:
    fields = getattr(gast.FunctionDef, "_fields", ())
    return {"type_params": []} if "type_params" in fields else {}


# --------------------------------------------------------------------------- printing


def _check_print_default() -> bool:
    return os.environ.get("TANGENT_LITE_CHECK_PRINT", "").strip().lower() not in ("", "0", "false", "no", "off")


# TANGENT_LITE_CHECK_PRINT=1 (read at import; tests may set the flag): every text to_source returns is
# parsed back and compared with the tree it was printed from (roundtrip_problem); a difference raises
CHECK_PRINT = _check_print_default()


def to_source(node: Any) -> str:
    """Print a gast node (module, statement, expression or list of statements).

    The forms the compiler generates are printed directly from gast (:class:`_Printer`); anything
    else goes through astor (:func:`astor_source`).  Both give the same text, byte for byte
    (tests/test_printer.py), and both parenthesize by the same precedence rules, so that the text
    parses back to the tree it was printed from (tests/test_printer_roundtrip.py).  With
    :data:`CHECK_PRINT` set (``TANGENT_LITE_CHECK_PRINT=1``) every text is parsed back and compared
    with the tree (:func:`roundtrip_problem`): a difference raises AssertionError."""
    text = _print(node)
    if CHECK_PRINT:
        problem = _text_problem(node, text)
        if problem is not None:
            raise AssertionError(f"to_source printed text that does not parse back to its tree: {problem}")
    return text


def _print(node: Any) -> str:
    """:func:`to_source` without the check."""
    if isinstance(node, list):
        return "".join(_print(n) + ("\n" if not isinstance(n, gast.expr) else "") for n in node)
    try:
        return _Printer().text(node)
    except _Unprintable:
        return astor_source(node)


def astor_source(node: Any) -> str:
    """:func:`to_source` through gast -> ast -> astor (the reference the direct printer matches), with
    the corrections of :class:`_AstorGenerator`."""
    tree = gast.gast_to_ast(node)
    ast.fix_missing_locations(tree) if isinstance(tree, ast.mod) else None
    text = astor.to_source(tree, pretty_source=_pretty, source_generator_class=_AstorGenerator)
    return _restore_comments(text.rstrip("\n"))


class _Unprintable(Exception):
    """A node :class:`_Printer` leaves to astor."""


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


class _Printer:
    """Prints gast statements and expressions directly, as astor (:class:`_AstorGenerator`) prints
    their ast conversion.  Where a child needs parentheses is decided in one place per form: the
    level its parent asks for (the precedence table above) against the child's own level (for a
    number: :func:`_number_text`, a leading minus binding as a unary minus).

    Text goes out in pieces: a parenthesis is written when an expression starts and blanked when
    its parent's precedence makes it unnecessary (astor's order, which decides whether a string
    starts its line).  Line breaks are owed (``breaks``) and written with the indentation before
    the next piece.  Raises :class:`_Unprintable` for forms it does not know (astor prints them):
    comprehensions, f-strings, classes, multi-line strings, strings that start a line."""

    def __init__(self) -> None:
        self.out: List[str] = []
        self.level = 0  # indentation
        self.breaks = 0  # line breaks owed before the next piece
        self.line = 0  # index in ``out`` where the current line starts

    def text(self, node: Any) -> str:
        if isinstance(node, (gast.stmt, gast.Module)):
            self.stmt(node)
        else:
            self.expr(node, _TOP)
        out = self.out
        out.append("\n")
        if set(out[0]) == {"\n"}:
            out[0] = ""
        return "".join(out).rstrip("\n")

    # ---------------------------------------------------------------- pieces

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

    def commas(self, nodes: List[Any], level: int) -> None:
        for i, node in enumerate(nodes):
            if i:
                self.write(", ")
            self.expr(node, level)

    # ---------------------------------------------------------------- expressions

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
            if "\n" in value or not "".join(self.out[self.line:]).strip():
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

    # ---------------------------------------------------------------- statements

    def stmt(self, node: Any) -> None:
        method = _STATEMENTS.get(node.__class__)
        if method is None:
            raise _Unprintable(node.__class__.__name__)
        method(self, node)

    def body(self, statements: List[Any]) -> None:
        self.level += 1
        for node in statements:
            self.stmt(node)
        if all(is_comment(node) for node in statements):  # a block needs a statement
            self.newline()
            self.write("pass")
        self.level -= 1

    def orelse(self, statements: List[Any]) -> None:
        if statements:
            self.newline()
            self.write("else:")
            self.body(statements)

    def module(self, node: Any) -> None:
        for stmt in node.body:
            self.stmt(stmt)

    def function_def(self, node: Any) -> None:
        self.newline(extra=1 if self.level else 2)
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
        if not self.level:
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
    gast.Name: _Printer.name, gast.Constant: _Printer.constant, gast.Attribute: _Printer.attribute,
    gast.Call: _Printer.call, gast.Starred: _Printer.starred, gast.Subscript: _Printer.subscript,
    gast.Slice: _Printer.slice, gast.Tuple: _Printer.tuple, gast.List: _Printer.list, gast.Set: _Printer.set,
    gast.Dict: _Printer.dict, gast.BinOp: _Printer.binop, gast.BoolOp: _Printer.boolop,
    gast.Compare: _Printer.compare, gast.UnaryOp: _Printer.unaryop, gast.IfExp: _Printer.ifexp,
    gast.Lambda: _Printer.lambda_, gast.NamedExpr: _Printer.namedexpr, gast.Yield: _Printer.yield_,
    gast.YieldFrom: _Printer.yield_from, gast.Await: _Printer.await_,
}
_KEYWORD_STATEMENTS = {gast.Pass: "pass", gast.Break: "break", gast.Continue: "continue"}
_STATEMENTS: Dict[type, Callable[..., None]] = {
    gast.Module: _Printer.module, gast.FunctionDef: _Printer.function_def,
    gast.AsyncFunctionDef: _Printer.function_def, gast.Assign: _Printer.assign, gast.AugAssign: _Printer.aug_assign,
    gast.Expr: _Printer.expr_stmt, gast.Return: _Printer.return_, gast.Pass: _Printer.keyword_stmt,
    gast.Break: _Printer.keyword_stmt, gast.Continue: _Printer.keyword_stmt, gast.If: _Printer.if_,
    gast.For: _Printer.for_, gast.While: _Printer.while_, gast.Raise: _Printer.raise_, gast.Assert: _Printer.assert_,
    gast.Delete: _Printer.delete, gast.Global: _Printer.global_, gast.Nonlocal: _Printer.global_,
    gast.Try: _Printer.try_, gast.With: _Printer.with_,
}


def _pretty(source: Iterable[str]) -> str:
    # astor's default pretty-printer wraps long lines; we keep one line per statement.
    return "".join(source)


def _starred_tuple(node: Any) -> bool:
    """A tuple with a starred item (``x[*a, b]`` needs Python 3.11: such a subscript keeps its parentheses)."""
    return isinstance(node, (gast.Tuple, ast.Tuple)) \
        and any(isinstance(e, (gast.Starred, ast.Starred)) for e in node.elts)


def _is_ast_comment(stmt: Any) -> bool:
    """:func:`is_comment` for the ast nodes astor prints."""
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) \
        and isinstance(stmt.value.value, str) and stmt.value.value.startswith(COMMENT_PREFIX)


def _plain_string(s: Any, embedded: Any, current_line: Any, uni_lit: bool = False) -> str:
    """astor's ``pretty_string`` without its triple-quoted forms (inside an f-string field)."""
    return repr(s)


class _AstorGenerator(_AstorSourceGenerator):
    """astor's source generator with the corrections the direct printer makes too (see the precedence
    levels above): negative numbers bind as a unary minus, slice bounds and ``if``/``while`` tests keep a
    tuple's parentheses, and so does a subscript tuple with a starred item; a dict's ``**`` value is a
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



# --------------------------------------------------------------------------- print check


def roundtrip_problem(node: Any, printer: Optional[Callable[[Any], str]] = None) -> Optional[str]:
    """Print ``node`` and parse the text back: None if the text stands for the same tree, else a
    description of the first difference (where in the tree, what each side has there, the text).

    ``node`` is a gast module, statement, expression or list of statements (other nodes, such as
    ``arguments``, ``keyword`` or a parameter on their own, are not checked: None).  ``printer`` prints it
    (default: :func:`to_source` without its own check; the tests pass :func:`astor_source` and the
    direct printer).  The trees are compared field by field, ignoring expression contexts,
    positions, ``kind`` and type comments, the compiler's annotations and its comment lines, and
    ``pass`` statements; representations that stand for the same value are made alike first:
    ``Constant(-2.0)`` and ``UnaryOp(USub, Constant(2.0))``, the forms :func:`_number` prints
    (``1e1000``, ``(1e1000-1e1000)``, ``(1.0-2j)``), ``{1}.__class__()`` for an empty set, a
    constant tuple and a tuple of constants, adjacent pieces of an f-string's text.  Floats compare
    with the sign of zero and of NaN, the parts of complex numbers without."""
    if not _checkable(node):
        return None
    try:
        text = (printer or _print)(node)
    except _Unprintable:
        raise
    except Exception as exc:  # noqa: BLE001 - the description is the result
        return f"printing {_brief(node)} failed: {type(exc).__name__}: {exc}"
    return _text_problem(node, text)


def _checkable(node: Any) -> bool:
    """Is ``node`` something whose text parses on its own (see :func:`_parse_back`)?"""
    if isinstance(node, list):
        return all(isinstance(n, gast.stmt) for n in node)
    if isinstance(node, (gast.Module, gast.stmt)):
        return True
    return isinstance(node, gast.expr) and not isinstance(node, gast.FormattedValue) \
        and not isinstance(getattr(node, "ctx", None), gast.Param)  # a parameter is checked with its function


_UNCHECKED = object()


def _text_problem(node: Any, text: str) -> Optional[str]:
    """:func:`roundtrip_problem` for a text already printed from ``node``."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            found = _parse_back(node, text)
    except SyntaxError as exc:
        return f"the text printed for {_brief(node)} does not parse ({exc.msg}, line {exc.lineno}): {_clip(text)}"
    except (ValueError, RecursionError, MemoryError) as exc:
        return f"the text printed for {_brief(node)} does not parse ({type(exc).__name__}: {exc}): {_clip(text)}"
    if found is _UNCHECKED:
        return None
    original, parsed, depth = found
    with recursion_room(depth + 2):  # the trees agree down to where they differ
        found = _difference(original, parsed, "statements" if isinstance(node, list) else type(node).__name__)
    if found is None:
        return None
    return f"{found}; printed: {_clip(text)}"


def _parse_back(node: Any, text: str) -> Any:
    """(what of ``node`` to compare, the gast tree ``text`` parses to, its depth), or _UNCHECKED."""
    if not _checkable(node):
        return _UNCHECKED
    if isinstance(node, list):
        tree, depth = _parse(text)
        return list(node), tree.body, depth
    if isinstance(node, gast.Module):
        return (node, *_parse(text))
    if isinstance(node, gast.stmt):
        tree, depth = _parse(text)
        return [node], tree.body, depth
    if isinstance(node, gast.Starred):
        tree, depth = _parse(f"({text},)", "eval")
        return node, tree.body.elts[0], depth
    if isinstance(node, gast.Slice) or (isinstance(node, gast.Tuple)
                                        and any(isinstance(e, gast.Slice) for e in node.elts)):
        try:
            tree, depth = _parse(f"_[{text}]", "eval")
        except SyntaxError:  # a tuple of slices printed on its own has parentheses
            if not (text.startswith("(") and text.endswith(")")):
                raise
            tree, depth = _parse(f"_[{text[1:-1]}]", "eval")
        return node, tree.body.slice, depth
    tree, depth = _parse(text, "eval")
    return node, tree.body, depth


def _parse(text: str, mode: str = "exec") -> Tuple[Any, int]:
    tree = ast.parse(text, mode=mode)
    depth = tree_depth(tree)
    with recursion_room(depth):
        return ast_to_gast(tree), depth


# fields no printed text keeps: expression contexts, string prefixes, type comments
_UNCOMPARED = frozenset({"ctx", "kind", "type_comment"})
_NUMBERS = (int, float, complex)


def _statements(items: List[Any]) -> List[Any]:
    """A list of nodes without the comment lines and ``pass`` statements."""
    return [n for n in items if not (isinstance(n, gast.stmt) and (n.__class__ is gast.Pass or is_comment(n)))]


def _number_constant(node: Any) -> bool:
    return isinstance(node, gast.Constant) and type(node.value) in _NUMBERS


def _alike(node: Any) -> Any:
    """``node``, or the one representation of the forms that stand for the same value (a new node;
    the tree is not changed)."""
    cls = node.__class__
    if cls is gast.UnaryOp:
        if isinstance(node.op, gast.USub):
            operand = _alike(node.operand)
            if _number_constant(operand):
                return const(-operand.value)
    elif cls is gast.BinOp:
        if isinstance(node.op, (gast.Add, gast.Sub)):
            left, right = _alike(node.left), _alike(node.right)
            if _number_constant(left) and _number_constant(right):
                a, b = left.value, right.value
                both_inf = type(a) is float and type(b) is float and math.isinf(a) and math.isinf(b)
                if type(a) is complex or type(b) is complex or both_inf:  # 1.0-2j, 1e1000-1e1000: one number
                    try:
                        return const(a + b if isinstance(node.op, gast.Add) else a - b)
                    except OverflowError:  # an int no float holds: no number printed so
                        pass
    elif cls is gast.Call:
        func = node.func
        if isinstance(func, gast.Attribute) and func.attr == "__class__" and isinstance(func.value, gast.Set) \
                and not node.args and not node.keywords and len(func.value.elts) == 1 \
                and _number_constant(func.value.elts[0]) and func.value.elts[0].value == 1:
            empty = _new_node(gast.Set)
            empty.elts = []
            return empty  # {1}.__class__(): the empty set
    elif cls is gast.Constant:
        if type(node.value) is tuple:
            out = _new_node(gast.Tuple)
            out.elts = [const(v) for v in node.value]
            return out
    elif cls is gast.JoinedStr:
        values: List[Any] = []
        for v in node.values:
            if isinstance(v, gast.Constant) and isinstance(v.value, str):
                if not v.value:
                    continue
                if values and isinstance(values[-1], gast.Constant) and isinstance(values[-1].value, str):
                    values[-1] = const(values[-1].value + v.value)
                    continue
            values.append(v)
        out = _new_node(gast.JoinedStr)
        out.values = values
        return out
    elif cls is gast.FormattedValue:
        if isinstance(node.format_spec, gast.JoinedStr) and not _alike(node.format_spec).values:
            out = copy.copy(node)
            out.format_spec = None
            return out
    elif cls is gast.Slice:
        if isinstance(node.step, gast.Name) and node.step.id == "None":
            out = copy.copy(node)
            out.step = None
            return out
    return node


def _same_float(x: float, y: float, signed: bool) -> bool:
    if math.isnan(x) or math.isnan(y):
        same = math.isnan(x) and math.isnan(y)
    else:
        same = x == y
    return same and (not signed or math.copysign(1.0, x) == math.copysign(1.0, y))


def _same_constant(x: Any, y: Any) -> bool:
    if type(x) is not type(y):
        return False
    if type(x) is float:
        return _same_float(x, y, True)
    if type(x) is complex:
        return _same_float(x.real, y.real, False) and _same_float(x.imag, y.imag, False)
    try:
        return bool(x == y)
    except Exception:  # noqa: BLE001 - a constant no text stands for
        return False


def _difference(a: Any, b: Any, path: str) -> Optional[str]:
    """Where ``a`` (the tree printed) and ``b`` (the tree parsed back) first differ, or None
    (compared as :func:`roundtrip_problem` says)."""
    if isinstance(a, list) or isinstance(b, list):
        a, b = a or [], b or []  # a field left out of a hand-built node is no item
        if not (isinstance(a, list) and isinstance(b, list)):
            return f"at {path}: the tree has {_brief(a)}, the text has {_brief(b)}"
        a, b = _statements(a), _statements(b)
        for i, (x, y) in enumerate(zip(a, b)):
            found = _difference(x, y, f"{path}[{i}]")
            if found is not None:
                return found
        if len(a) != len(b):
            extra = a[len(b)] if len(a) > len(b) else b[len(a)]
            return (f"at {path}: the tree has {len(a)} items, the text {len(b)} "
                    f"(the first item only in the {'tree' if len(a) > len(b) else 'text'}: {_brief(extra)})")
        return None
    if isinstance(a, gast.AST) or isinstance(b, gast.AST):
        if isinstance(a, gast.AST):
            a = _alike(a)
        if isinstance(b, gast.AST):
            b = _alike(b)
        cls = a.__class__
        if cls is not b.__class__:
            return f"at {path}: the tree has {_brief(a)}, the text parses as {_brief(b)}"
        if cls is gast.Constant:
            if not _same_constant(a.value, b.value):
                return f"at {path}: the tree has {_brief(a)}, the text parses as {_brief(b)}"
            return None
        for field in cls._fields:
            if field not in _UNCOMPARED:
                found = _difference(getattr(a, field, None), getattr(b, field, None), f"{path}.{field}")
                if found is not None:
                    return found
        return None
    if a.__class__ is not b.__class__ or a != b:
        return f"at {path}: the tree has {a!r}, the text has {b!r}"
    return None


def _brief(node: Any) -> str:
    if isinstance(node, gast.Constant):
        value = node.value
        shown = _number(value) if type(value) is int else repr(value)  # repr refuses ints over 4300 digits
        return f"Constant({_clip(shown, 60)[1:-1]} of type {type(value).__name__})"
    if isinstance(node, gast.AST):
        try:
            return _clip(gast.dump(node), 160)
        except Exception:  # noqa: BLE001 - a node dump cannot show
            return node.__class__.__name__
    if isinstance(node, list):
        return f"a list of {len(node)}"
    return repr(node)


def _clip(text: str, size: int = 400) -> str:
    return repr(text) if len(text) <= size else repr(text[:size]) + f"... ({len(text)} characters)"


# --------------------------------------------------------------------------- parsing


_EXPR_MEMO: Dict[str, Any] = {}  # text -> its parsed expression (the passes parse the same few names often)


def parse_expr(text: str) -> Any:
    """The expression ``text`` as a fresh gast tree (parsed once per text, then copied)."""
    tree = _EXPR_MEMO.get(text)
    if tree is None:
        tree = gast.parse(text).body[0].value
        if len(_EXPR_MEMO) >= 4096:
            _EXPR_MEMO.clear()
        _EXPR_MEMO[text] = tree
    return deepcopy(tree)


def parse_stmts(text: str) -> List[Any]:
    return gast.parse(textwrap.dedent(text)).body


def parse_module(text: str) -> Any:
    return gast.parse(text)


# --------------------------------------------------------------------------- builders


# The builders below fill the node's fields directly: what gast's constructors do, without their
# generic argument handling (the passes build nodes by the thousand).  The Load/Store markers are
# shared, as :func:`deepcopy` shares them.
_LOAD, _STORE = gast.Load(), gast.Store()


def name(id_: str, store: bool = False) -> Any:
    node = _new_node(gast.Name)
    fields = node.__dict__
    fields["id"] = id_
    fields["ctx"] = _STORE if store else _LOAD
    fields["annotation"] = None
    fields["type_comment"] = None
    return node


def const(value: Any) -> Any:
    node = _new_node(gast.Constant)
    fields = node.__dict__
    fields["value"] = value
    fields["kind"] = None
    return node


def assign(target: Any, value: Any, lineno: Optional[int] = None) -> Any:
    if isinstance(target, str):
        target = name(target, store=True)
    node = _new_node(gast.Assign)
    fields = node.__dict__
    fields["targets"] = [target]
    fields["value"] = value
    fields["type_comment"] = None
    if lineno is not None:
        fields["lineno"] = lineno
    return node


def call(func: Any, args: Sequence[Any] = (), keywords: Sequence[tuple] = ()) -> Any:
    if isinstance(func, str):
        func = parse_expr(func)
    node = _new_node(gast.Call)
    fields = node.__dict__
    fields["func"] = func
    fields["args"] = list(args)
    fields["keywords"] = [gast.keyword(arg=k, value=v) for k, v in keywords]
    return node


def tuple_(elts: Sequence[Any], store: bool = False) -> Any:
    node = _new_node(gast.Tuple)
    fields = node.__dict__
    fields["elts"] = list(elts)
    fields["ctx"] = _STORE if store else _LOAD
    return node


def attribute(value: Any, attr: str) -> Any:
    node = _new_node(gast.Attribute)
    fields = node.__dict__
    fields["value"] = value
    fields["attr"] = attr
    fields["ctx"] = _LOAD
    return node


def function_def(fname: str, params: Sequence[str], body: List[Any], defaults: Sequence[Any] = ()) -> Any:
    args = gast.arguments(
        args=[gast.Name(id=p, ctx=gast.Param(), annotation=None, type_comment=None) for p in params],
        posonlyargs=[], vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None,
        defaults=list(defaults),
    )
    return gast.FunctionDef(
        name=fname, args=args, body=body or [gast.Pass()], decorator_list=[], returns=None,
        type_comment=None, **_extra_fdef_fields(),
    )


# fields that never hold a node (names, strings, constants), left out of walk's look at children;
# ``ctx`` holds a Load/Store/Del marker, which no pass looks at (they read ``n.ctx``)
_LEAF_FIELDS = {"id", "attr", "arg", "kind", "type_comment", "ctx"}
_CHILD_FIELDS: Dict[type, Tuple[str, ...]] = {}  # node class -> the fields walk looks into


def _child_fields(cls: type) -> Tuple[str, ...]:
    fields = _CHILD_FIELDS[cls] = tuple(
        f for f in cls._fields if f not in _LEAF_FIELDS and not (f == "value" and cls.__name__ == "Constant"))
    return fields


def inner_blocks(stmt: Any) -> List[List[Any]]:
    """The statement lists nested in ``stmt``: its ``body``, ``orelse``, ``finalbody`` and the
    bodies of its ``except`` handlers (none for a nested ``def``: those are another function's)."""
    if stmt.__class__ is gast.FunctionDef:
        return []
    out = [getattr(stmt, f) for f in ("body", "orelse", "finalbody") if isinstance(getattr(stmt, f, None), list)]
    out.extend(h.body for h in getattr(stmt, "handlers", None) or ())
    return out


def blocks(body: List[Any]) -> List[List[Any]]:
    """``body`` and every statement list nested in it, outer first."""
    out = [body]
    for block in out:  # grows while it is read
        for st in block:
            out.extend(inner_blocks(st))
    return out


def statements(body: List[Any]) -> List[Any]:
    """The statements of ``body`` and of the blocks nested in them (not their expressions)."""
    return [st for block in blocks(body) for st in block]


def stored_names(node: Any) -> set:
    """The names assigned under ``node``."""
    return {n.id for n in walk(node) if n.__class__ is gast.Name and isinstance(n.ctx, gast.Store)}


def loaded_names(node: Any) -> set:
    """The names read under ``node``."""
    return {n.id for n in walk(node) if n.__class__ is gast.Name and isinstance(n.ctx, gast.Load)}


def walk(node: Any) -> Iterable[Any]:
    """Every node under ``node`` (itself included), breadth first: :func:`ast.walk`'s order
    without the expression-context markers (``Load``, ``Store``, ``Del``: a third of all nodes),
    at about three times its speed (the passes walk statements many thousands of times)."""
    todo = [node]
    push, node_type, child_fields, name_type = todo.append, ast.AST, _CHILD_FIELDS, gast.Name
    for current in todo:  # todo grows while it is read: breadth first
        yield current
        cls = current.__class__
        if cls is name_type:  # the commonest node: its one child field is a parameter's annotation
            annotation = current.__dict__.get("annotation")
            if annotation is not None:
                push(annotation)
            continue
        try:
            fields = child_fields[cls]
        except KeyError:
            fields = _child_fields(cls)
        get = current.__dict__.get
        for name in fields:
            value = get(name)
            if value.__class__ is list:
                for item in value:
                    if isinstance(item, node_type):
                        push(item)
            elif value is not None and isinstance(value, node_type):
                push(value)


_LEAVES = (str, int, float, complex, bool, bytes, type(None), type(Ellipsis))
_LEAF_TYPES = frozenset(_LEAVES)
# the expression-context markers: fieldless and never changed in place, so copies share them
_CONTEXT_TYPES = frozenset({gast.Load, gast.Store, gast.Del, gast.Param})


def deepcopy(node: Any) -> Any:
    """A deep copy of an AST (node or list of nodes), with its annotations.

    Made for the compiler's hot path (the passes copy templates and statements thousands of
    times): nodes and lists are copied, constants and the ``Load``/``Store`` markers shared;
    annotation values that are nodes are copied, the other annotation values (callees,
    primitives, ints) shared. Anything else falls back to :func:`copy.deepcopy`."""
    cls = node.__class__
    if cls is list:
        return [deepcopy(item) for item in node]
    if cls in _LEAF_TYPES or cls in _CONTEXT_TYPES:
        return node
    if isinstance(node, ast.AST):
        new = cls.__new__(cls)
        fields = new.__dict__
        for key, value in node.__dict__.items():
            vcls = value.__class__
            if vcls in _LEAF_TYPES or vcls in _CONTEXT_TYPES:
                fields[key] = value
            elif key == _ANNO_ATTR:
                fields[key] = {k: deepcopy(v) if isinstance(v, (ast.AST, list)) else v for k, v in value.items()}
            else:
                fields[key] = deepcopy(value)
        return new
    if isinstance(node, list):
        return [deepcopy(item) for item in node]
    if isinstance(node, _LEAVES):
        return node
    return copy.deepcopy(node)


def dotted_name(node: Any) -> Optional[str]:
    """``np.linalg.solve`` -> 'np.linalg.solve'; None if not a plain dotted name."""
    parts = []
    while isinstance(node, gast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, gast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


COMMENT_PREFIX = "\x00tl#"


def comment_line(text: str) -> Any:
    """A pseudo-statement that :func:`to_source` prints as ``# text``."""
    return gast.Expr(value=gast.Constant(value=COMMENT_PREFIX + text, kind=None))


def is_comment(stmt: Any) -> bool:
    return (
        isinstance(stmt, gast.Expr)
        and isinstance(stmt.value, gast.Constant)
        and isinstance(stmt.value.value, str)
        and stmt.value.value.startswith(COMMENT_PREFIX)
    )


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
