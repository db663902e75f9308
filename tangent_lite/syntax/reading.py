"""Reading a user function: its source lines (remembered per file), the parse to a gast ``FunctionDef``
with the file's line numbers (a lambda isolated from its line and made a def), and the refusal of
sources that are missing or no longer the code that runs."""

from __future__ import annotations

import ast
import dis
import inspect
import linecache
import textwrap
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Tuple

import gast

from ..errors import Location, SourceUnavailableError
from .build import _extra_fdef_fields, ast_to_gast
from .freshness import _matches_running_code
from .nodes import recursion_room, shift_lines, tree_depth


class ForeignLine(int):
    """The line number of a node of a helper inlined into the function being lowered: its value is
    the caller's line (where the generated code says the statement comes from), ``where`` the
    helper's own file and line, which errors name (:meth:`FunctionSource.location`).  Copied with
    the node and kept through the lowering as any line number."""

    where: Location

    def __new__(cls, caller_line: int, where: Location) -> ForeignLine:
        line = super().__new__(cls, caller_line)
        line.where = where
        return line

    def __reduce__(self) -> Any:
        return (ForeignLine, (int(self), self.where))

    def __deepcopy__(self, memo: Any) -> ForeignLine:
        return self


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
        if isinstance(lineno, ForeignLine):  # a line of an inlined helper: the helper's file and line
            return lineno.where
        return Location(self.filename, lineno, self.line(lineno))

    def inlined_at(self, node: Any, caller_line: Optional[int]) -> None:
        """Number the lines of ``node`` (a copy of this function's tree, inlined where it is called, on
        ``caller_line``) as the caller's line, each remembering its own place here (:class:`ForeignLine`)."""
        for n in gast.walk(node):
            line = getattr(n, "lineno", None)
            if line is not None:
                where = line.where if isinstance(line, ForeignLine) else Location(self.filename, line, self.line(line))
                n.lineno = ForeignLine(caller_line, where) if caller_line is not None else line

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
        node, problem = _lambda_node(all_lines, code)
        if node is None:
            raise SourceUnavailableError(
                f"cannot isolate the lambda '{name}' in its source line: {problem}",
                location=Location(filename, first, all_lines[first - 1] if first <= len(all_lines) else ""),
                hint="reload the module (importlib.reload) or restart Python, then differentiate it again"
                if "edited" in problem else "give the lambda its own line or turn it into a def",
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


def _edited_error(fn: Callable, filename: str) -> SourceUnavailableError:
    name = fn.__qualname__
    return SourceUnavailableError(
        f"the source file of '{name}' ({filename}) was edited after '{name}' was imported: "
        "the code in the file is not the code that runs, so its derivative would be wrong",
        hint=f"reload the module (importlib.reload) or restart Python so that '{name}' is the code in the file, "
        "then differentiate it again",
    )


def _lambda_node(lines: List[str], code: Any) -> Tuple[Optional[Any], str]:
    """Find the lambda of ``code`` in its file and make it a def (or None and why not).

    The lambdas that start on the code's first line are the candidates (several on one line, or
    one on its own line inside a multi-line literal); the one meant is the one whose code matches
    (argument names, constants, names).  On Python 3.11+ the code's positions (``co_positions``)
    tell apart even lambdas that are written the same."""
    try:
        tree = ast.parse("".join(lines))
    except SyntaxError:
        return None, "its file does not parse"
    first = code.co_firstlineno
    candidates = [n for n in ast.walk(tree) if isinstance(n, ast.Lambda) and n.lineno == first]
    found = [lam for lam in candidates if _same_code(lam, code)]
    spots = _positions(code)
    if len(found) > 1 and spots:
        placed = [lam for lam in found if all(_inside(lam, spot) for spot in spots)]
        found = sorted(placed, key=lambda lam: (lam.end_lineno - lam.lineno, lam.end_col_offset - lam.col_offset))[:1] \
            or found
    if not found:
        return None, ("no lambda there matches the code that runs (was the file edited after it was imported?)"
                      if candidates else "no lambda starts on that line")
    if len(found) > 1:
        shown = " and ".join(f"'{ast.unparse(lam)}'" if hasattr(ast, "unparse") else f"column {lam.col_offset}"
                             for lam in found)
        if all(ast.dump(lam) == ast.dump(found[0]) for lam in found):  # written the same: the same code
            found = found[:1]
        else:
            return None, f"{shown} cannot be told apart on this Python (3.11+ can)"
    lam = ast_to_gast(ast.Expression(body=found[0])).body
    ret = gast.Return(value=lam.body)
    ast.copy_location(ret, lam.body)
    fdef = gast.FunctionDef(
        name="_lambda", args=lam.args, body=[ret], decorator_list=[], returns=None,
        type_comment=None, **_extra_fdef_fields(),
    )
    ast.copy_location(fdef, lam)
    return fdef, ""


def _same_code(lam: Any, code: Any) -> bool:
    """Does the lambda ``lam`` (an ``ast.Lambda``) compile to ``code``: the same parameters,
    constants and names (closure variables count as names: compiled alone they are globals)?"""
    try:
        if code.co_freevars:  # inside a function holding its closure variables: compiled as it was
            cells = [ast.Assign(targets=[ast.Name(id=v, ctx=ast.Store())], value=ast.Constant(value=None))
                     for v in code.co_freevars]
            context = ast.FunctionDef(name="__tl_context__", args=ast.arguments(
                posonlyargs=[], args=[], vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[]),
                body=cells + [ast.Expr(value=lam)], decorator_list=[], returns=None, type_params=[])
            module = compile(ast.fix_missing_locations(ast.Module(body=[context], type_ignores=[])),
                             "<lambda>", "exec")
            outer = next(c for c in module.co_consts if hasattr(c, "co_code"))
        else:
            outer = compile(ast.fix_missing_locations(ast.Expression(body=lam)), "<lambda>", "eval")
    except (SyntaxError, ValueError, TypeError):
        return False
    mine = next((c for c in outer.co_consts if hasattr(c, "co_code")), None)
    if mine is None:
        return False

    def key(c: Any) -> Tuple[Any, ...]:
        n = c.co_argcount + c.co_kwonlyargcount
        consts = tuple(repr(k) for k in c.co_consts if not hasattr(k, "co_code"))
        return c.co_varnames[:n], consts, frozenset(c.co_names) | frozenset(c.co_freevars)

    # compiled with its closure variables as cells, the lambda compiles as it did: also the
    # operations (an edit that keeps names and constants, z * z -> z + z, is not the code that runs)
    return key(mine) == key(code) and _operations(mine) == _operations(code)


_OPERATIONS = ("BINARY", "UNARY", "COMPARE", "INPLACE", "IS_OP", "CONTAINS_OP", "LOAD_CONST", "LOAD_FAST",
               "LOAD_DEREF", "LOAD_GLOBAL", "LOAD_NAME", "LOAD_ATTR", "LOAD_METHOD")
# the same load compiled in another form (a method call's attribute, a name at module level)
_SAME_LOAD = {"LOAD_METHOD": "LOAD_ATTR", "LOAD_NAME": "LOAD_GLOBAL"}


def _operations(code: Any) -> List[Tuple[str, str]]:
    """The operators of ``code`` and the constants, variables, globals and attributes they act
    on, in order (``np.sin(z) * a + np.cos(z) * b`` edited to swap sin and cos has the same names
    and constants, not the same order)."""
    return [(_SAME_LOAD.get(i.opname, i.opname), "code" if hasattr(i.argval, "co_code") else repr(i.argval))
            for i in dis.get_instructions(code) if i.opname.startswith(_OPERATIONS)]


def _positions(code: Any) -> List[Tuple[int, int]]:
    """(line, column) of the code's instructions (Python 3.11+), else []."""
    positions = getattr(code, "co_positions", None)
    if positions is None:
        return []
    return [(line, col) for line, _, col, end in positions()  # (the frame set-up has no real span)
            if line is not None and col is not None and end is not None and end > col]


def _inside(lam: Any, spot: Tuple[int, int]) -> bool:
    return (lam.lineno, lam.col_offset) <= spot <= (lam.end_lineno, lam.end_col_offset)
