"""Reading a user function: its source lines (remembered per file), the parse to a gast ``FunctionDef``
with the file's line numbers (a lambda isolated from its line and made a def), and the refusal of
sources that are missing or no longer the code that runs."""

from __future__ import annotations

import ast
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


def _edited_error(fn: Callable, filename: str) -> SourceUnavailableError:
    name = fn.__qualname__
    return SourceUnavailableError(
        f"the source file of '{name}' ({filename}) was edited after '{name}' was imported: "
        "the code in the file is not the code that runs, so its derivative would be wrong",
        hint=f"reload the module (importlib.reload) or restart Python so that '{name}' is the code in the file, "
        "then differentiate it again",
    )


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
