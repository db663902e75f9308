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
import linecache
import re
import sys
import textwrap
import warnings
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

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
            tree = ast.parse(text)
        except SyntaxError as exc:
            raise SourceUnavailableError(
                f"cannot parse the source of '{name}': {exc.msg}",
                location=Location(filename, first + (exc.lineno or 1) - 1, ""),
            ) from None
        first_node = tree.body[0] if tree.body else None
        if not isinstance(first_node, (ast.FunctionDef, ast.AsyncFunctionDef)) or first_node.name != fn.__name__ \
                or not _matches_running_code(fn, text, first):
            raise _edited_error(fn, filename)
        depth = tree_depth(tree)
        with recursion_room(depth):
            module = gast.ast_to_gast(tree)
        node = module.body[0]
        shift_lines(node, first - 1)
        node.decorator_list = []
        return FunctionSource(node, filename, all_lines, text, first, depth)
    return FunctionSource(node, filename, all_lines, text, first, tree_depth(node))


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
    return "\n" * max(0, first - 1 - wrapper_lines) + body


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

    if shape(a) != shape(b) or _instructions(a) != _instructions(b):
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
    """The nesting depth of a syntax tree (computed without recursion)."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, d = stack.pop()
        deepest = max(deepest, d)
        stack.extend((child, d + 1) for child in ast.iter_child_nodes(node))
    return deepest


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


# fields that never hold a node (names, strings, constants), left out of walk's look at children
_LEAF_FIELDS = {"id", "attr", "arg", "kind", "type_comment"}
_CHILD_FIELDS: Dict[type, Tuple[str, ...]] = {}  # node class -> the fields walk looks into


def _child_fields(cls: type) -> Tuple[str, ...]:
    fields = _CHILD_FIELDS[cls] = tuple(
        f for f in cls._fields if f not in _LEAF_FIELDS and not (f == "value" and cls.__name__ == "Constant"))
    return fields


def walk(node: Any) -> Iterable[Any]:
    """Every node under ``node`` (itself included), breadth first: :func:`ast.walk`'s order,
    at about three times its speed (the passes walk statements many thousands of times)."""
    todo = [node]
    push, node_type, child_fields = todo.append, ast.AST, _CHILD_FIELDS
    for current in todo:  # todo grows while it is read: breadth first
        yield current
        fields = child_fields.get(current.__class__)
        if fields is None:
            fields = _child_fields(current.__class__)
        for name in fields:
            value = getattr(current, name, None)
            if value.__class__ is list:
                for item in value:
                    if isinstance(item, node_type):
                        push(item)
            elif isinstance(value, node_type):
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
