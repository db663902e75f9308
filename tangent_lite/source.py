"""Everything that knows gast and astor: reading, parsing, printing, building nodes.

Other passes use the node classes re-exported here (``source.gast``) and the small
builders below; if gast or astor change under us, this is the one file to fix.

    >>> to_source(parse_expr("a + b"))
    'a + b'
"""

from __future__ import annotations

import ast
import collections
import copy
import inspect
import linecache
import re
import textwrap
import warnings
from dataclasses import dataclass
from typing import Any, Callable, Iterable, List, Optional, Sequence

import gast

with warnings.catch_warnings():  # astor touches ast.Num & co, deprecated since 3.12
    warnings.simplefilter("ignore", DeprecationWarning)
    import astor

from .annotations import _ATTR as _ANNO_ATTR
from .errors import Location, SourceUnavailableError

__all__ = ["gast", "FunctionSource", "load_function", "to_source", "parse_expr", "parse_stmts"]


@dataclass
class FunctionSource:
    """A parsed user function: its gast ``FunctionDef`` with file line numbers."""

    node: Any  # gast.FunctionDef or gast.Lambda wrapped as FunctionDef
    filename: str
    lines: List[str]  # the whole file's lines (1-based access via line())
    text: str  # the function's own dedented source
    first_lineno: int

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
        lines, first = inspect.getsourcelines(fn)
    except (OSError, TypeError) as exc:
        raise SourceUnavailableError(
            f"cannot read the source of '{name}' (defined in {filename}): {exc}",
            hint="define the function in a .py file (not a REPL or exec string), "
            "or register a derivative rule for it",
        ) from None
    text = textwrap.dedent("".join(lines))
    all_lines = linecache.getlines(filename) or lines
    if fn.__name__ == "<lambda>":
        node = _lambda_node(text, code, first)
        if node is None:
            raise SourceUnavailableError(
                f"cannot isolate the lambda '{name}' in its source line",
                location=Location(filename, first, all_lines[first - 1] if first <= len(all_lines) else ""),
                hint="give the lambda its own line or turn it into a def",
            )
    else:
        try:
            module = gast.parse(text)
        except SyntaxError as exc:
            raise SourceUnavailableError(
                f"cannot parse the source of '{name}': {exc.msg}",
                location=Location(filename, first + (exc.lineno or 1) - 1, ""),
            ) from None
        node = module.body[0]
        ast.increment_lineno(node, first - 1)
        node.decorator_list = []
    return FunctionSource(node, filename, all_lines, text, first)


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
    ast.increment_lineno(lam, first - 1)
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


def to_source(node: Any) -> str:
    """Print a gast node (module, statement, expression or list of statements)."""
    if isinstance(node, list):
        return "".join(to_source(n) + ("\n" if not isinstance(n, gast.expr) else "") for n in node)
    tree = gast.gast_to_ast(node)
    ast.fix_missing_locations(tree) if isinstance(tree, ast.mod) else None
    text = astor.to_source(tree, pretty_source=_pretty)
    return _restore_comments(text.rstrip("\n"))


def _pretty(source: Iterable[str]) -> str:
    # astor's default pretty-printer wraps long lines; we keep one line per statement.
    return "".join(source)


# --------------------------------------------------------------------------- parsing


def parse_expr(text: str) -> Any:
    return gast.parse(text).body[0].value


def parse_stmts(text: str) -> List[Any]:
    return gast.parse(textwrap.dedent(text)).body


def parse_module(text: str) -> Any:
    return gast.parse(text)


# --------------------------------------------------------------------------- builders


def name(id_: str, store: bool = False) -> Any:
    return gast.Name(id=id_, ctx=gast.Store() if store else gast.Load(), annotation=None, type_comment=None)


def const(value: Any) -> Any:
    return gast.Constant(value=value, kind=None)


def assign(target: Any, value: Any, lineno: Optional[int] = None) -> Any:
    if isinstance(target, str):
        target = name(target, store=True)
    node = gast.Assign(targets=[target], value=value, type_comment=None)
    if lineno is not None:
        node.lineno = lineno
    return node


def call(func: Any, args: Sequence[Any] = (), keywords: Sequence[tuple] = ()) -> Any:
    if isinstance(func, str):
        func = parse_expr(func)
    return gast.Call(
        func=func, args=list(args), keywords=[gast.keyword(arg=k, value=v) for k, v in keywords]
    )


def tuple_(elts: Sequence[Any], store: bool = False) -> Any:
    return gast.Tuple(elts=list(elts), ctx=gast.Store() if store else gast.Load())


def attribute(value: Any, attr: str) -> Any:
    return gast.Attribute(value=value, attr=attr, ctx=gast.Load())


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


def walk(node: Any) -> Iterable[Any]:
    """Every node under ``node`` (itself included), breadth first: :func:`ast.walk`'s order,
    at about twice its speed (the passes walk statements many thousands of times)."""
    todo = collections.deque([node])
    pop, push = todo.popleft, todo.append
    while todo:
        current = pop()
        yield current
        for name in current._fields:
            value = getattr(current, name, None)
            if value.__class__ is list:
                for item in value:
                    if isinstance(item, ast.AST):
                        push(item)
            elif isinstance(value, ast.AST):
                push(value)


_LEAVES = (str, int, float, complex, bool, bytes, type(None), type(Ellipsis))


def deepcopy(node: Any) -> Any:
    """A deep copy of an AST (node or list of nodes), with its annotations.

    Made for the compiler's hot path (the passes copy templates and statements thousands of
    times): nodes and lists are copied, constants shared; annotation values that are nodes
    are copied, the other annotation values (callees, primitives, ints) shared. Anything
    else falls back to :func:`copy.deepcopy`."""
    if isinstance(node, ast.AST):
        cls = node.__class__
        new = cls.__new__(cls)
        fields = new.__dict__
        for key, value in node.__dict__.items():
            if key == _ANNO_ATTR:
                fields[key] = {k: deepcopy(v) if isinstance(v, (ast.AST, list)) else v for k, v in value.items()}
            elif isinstance(value, _LEAVES):
                fields[key] = value
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
                out.append(m.group(1) + "# " + value[len(COMMENT_PREFIX):])
                continue
        out.append(line)
    return "\n".join(out)
