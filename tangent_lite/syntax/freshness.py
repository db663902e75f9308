"""Is the text read from a function's file the code that runs?  The def is compiled again in the
context it had in its module and the code objects are compared (bytecode, names, constants)."""

from __future__ import annotations
import __future__

import dis
import keyword
import textwrap
import types
from typing import Any, Callable, Iterator, List

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
    (code objects hold some: the ``__firstlineno__`` of a class body, Python 3.13+).

    The functions and classes its qualified name passes through are recreated around it: a
    class mangles its private names, an enclosing function holds the cells it reads, and up to
    Python 3.10 a nested lambda or def carries its whole qualified name as a constant."""
    code = fn.__code__
    scopes = _enclosing_scopes(fn.__qualname__)
    cells = [v for v in code.co_freevars if v != "__class__" or not any(k == "class" for k, _ in scopes)]
    if cells and not any(kind == "def" for kind, _ in scopes):
        scopes.insert(0, ("def", "__tl_context__"))
    innermost_def = max((i for i, (kind, _) in enumerate(scopes) if kind == "def"), default=-1)
    body = text
    for i in reversed(range(len(scopes))):
        kind, name = scopes[i]
        head = "".join(f"    {v} = None\n" for v in cells) if i == innermost_def else ""
        inner = textwrap.indent(body, "    ")
        body = f"class {name}:\n{inner}" if kind == "class" else f"def {name}():\n{head}{inner}"
    wrapper_lines = body.count("\n") - text.count("\n")
    room = first - 1 - wrapper_lines
    # the module names the def reads, imported as in its module: the compiler then picks the same
    # call form for ``np.f(x)`` (3.11+), and the bytecode can be compared as bytes (see _same_code)
    modules = sorted(n for n in set(code.co_names) if isinstance(fn.__globals__.get(n), types.ModuleType)
                     and n.isidentifier() and not keyword.iskeyword(n) and n not in code.co_varnames)
    if modules and room >= 1:
        return f"import {', '.join(modules)}\n" + "\n" * (room - 1) + body
    return "\n" * max(0, room) + body


def _enclosing_scopes(qualname: str) -> List[tuple]:
    """``("def" | "class", name)`` for each scope of ``qualname`` around the function, outermost
    first (``f.<locals>.C.m`` -> def f, class C).  A scope without a name to write (a lambda,
    a comprehension) ends the chain: the scopes inside it are kept, as near as can be written."""
    parts = qualname.split(".")[:-1]
    scopes: List[tuple] = []
    i = 0
    while i < len(parts):
        is_def = i + 1 < len(parts) and parts[i + 1] == "<locals>"
        name = parts[i]
        if not name.isidentifier() or keyword.iskeyword(name):
            scopes = []  # written from here inward only
        else:
            scopes.append(("def" if is_def else "class", name))
        i += 2 if is_def else 1
    return scopes


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
    previous = None
    for x, y in zip(a.co_consts, b.co_consts):
        if isinstance(x, type(a)) or isinstance(y, type(a)):
            if not (isinstance(x, type(a)) and isinstance(y, type(a)) and _same_code(x, y)):
                return False
        elif (type(x), repr(x)) != (type(y), repr(y)) and not _both_qualnames_of(previous, x, y):
            return False
        previous = x
    return True


def _both_qualnames_of(code: Any, x: Any, y: Any) -> bool:
    """Up to Python 3.10 a nested def or lambda's qualified name is a constant after its code:
    the scopes around it may be written differently (a lambda, a comprehension) and not matter."""
    return isinstance(code, types.CodeType) and isinstance(x, str) and isinstance(y, str) \
        and x.rsplit(".", 1)[-1] == y.rsplit(".", 1)[-1] == code.co_name


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
    out, after_code = [], False
    for i in ins:
        arg = i.argval
        if i.opcode in dis.hasjrel or i.opcode in dis.hasjabs:
            arg = index.get(arg, arg)
        elif isinstance(arg, type(code)):
            arg = "<code>"  # compared through co_consts
        elif after_code and isinstance(arg, str) and i.opname == "LOAD_CONST":
            arg = "<qualname>"  # up to 3.10; compared through co_consts
        after_code = arg == "<code>"
        out.append((_SAME_OP.get(i.opname, i.opname), type(arg).__name__, repr(arg)))
    return out
