"""Reject what tangent_lite does not differentiate, all problems at once.

    def f(x):
        global counter        # -> UnsupportedConstructError at f's file:line,
        yield x               #    listing both lines and what to do instead

Every message names the construct, the user's file and line with its text, and a fix.
"""

from __future__ import annotations

from typing import Any, Callable, List, Optional

from ..errors import Location, MultipleErrors, TangentLiteError, UnsupportedConstructError, raise_all
from ..syntax import FunctionSource, gast, load_function, walk
from ..syntax.annotations import Key, set_anno
from .desugar import MATCH, assigned_globals, unsupported_case

# construct -> (what it is, what to do instead)
_UNSUPPORTED = {
    gast.Yield: ("a generator ('yield')", "return a list or array instead of yielding"),
    gast.YieldFrom: ("a generator ('yield from')", "return a list or array instead"),
    gast.Await: ("'await'", "differentiate the synchronous computation"),
    gast.AsyncFunctionDef: ("an async function", "differentiate a synchronous function"),
    gast.AsyncFor: ("'async for'", "use a plain for loop"),
    gast.AsyncWith: ("'async with'", "move the computation out of the with block"),
    gast.Nonlocal: ("a 'nonlocal' declaration", "pass the value as an argument and return the new value"),
    gast.ClassDef: ("a class definition inside the function", "define the class at module level"),
    gast.Import: ("an import inside the function", "import at module level"),
    gast.ImportFrom: ("an import inside the function", "import at module level"),
    gast.SetComp: ("a set comprehension", "use a list"),
    gast.Set: ("a set literal", "use a list or tuple"),
    gast.DictComp: ("a dict comprehension", "use a list comprehension ([x[i] for i in range(n)]), "
                    "or a dict literal with explicit keys ({'a': ..., 'b': ...})"),
}


_PATTERN_KINDS = {"MatchClass": "a class pattern", "MatchSequence": "a sequence pattern",
                  "MatchMapping": "a mapping pattern", "MatchStar": "a star pattern",
                  "MatchOr": "an '|' pattern with names or a guard after a pattern that binds names",
                  "MatchAs": "a guard after a pattern that binds names"}


def check(src: FunctionSource, inlined: bool = False, own: bool = False) -> None:
    """Raise an :class:`UnsupportedConstructError` (or several) for ``src``; ``inlined``: it is
    inlined where it is called, so ``*args`` and ``**kwargs`` parameters are fine; ``own``: it is
    tangent_lite's own code (a runtime helper reached at second order), which is not read as the
    user's: its ``*`` unpacking is refused too (then reported as the helper without rules)."""
    raise_all(problems(src, inlined, own))


def problems(src: FunctionSource, inlined: bool = False, own: bool = False) -> List[TangentLiteError]:
    """Every unsupported construct of ``src``, once each.  The offending nodes are marked
    (``Key.FENCED``) so that the lowering can skip them and go on looking for other problems:
    everything wrong with a function is reported at once."""
    fdef = src.node
    errors: List[TangentLiteError] = []
    if isinstance(fdef, gast.AsyncFunctionDef):
        errors.append(UnsupportedConstructError(
            f"'{fdef.name}' is an async function ('async def'): it returns a coroutine, not a value",
            src.location(fdef), "differentiate a synchronous function (a plain 'def') that computes the value"))
    if not inlined:
        errors += _signature_errors(fdef, src.location(fdef))
    for node in _walk_body(fdef):
        for cls, (what, fix) in _UNSUPPORTED.items():
            if isinstance(node, cls):
                errors.append(UnsupportedConstructError(f"{what} is not supported", src.location(node), fix))
                set_anno(node, Key.FENCED, True)
        if own and isinstance(node, gast.Starred):
            errors.append(UnsupportedConstructError("'*' unpacking in tangent_lite's own code", src.location(node)))
        if isinstance(node, gast.Starred) and isinstance(node.ctx, gast.Store):  # a, *rest = x
            errors.append(UnsupportedConstructError(
                "starred assignment ('*name = ...') is not supported", src.location(node),
                "unpack with indices and slices instead: 'a, rest = x[0], x[1:]'"))
            set_anno(node, Key.FENCED, True)
        errors += _statement_errors(node, src)
        if isinstance(node, gast.Call) and isinstance(node.func, gast.Name) and node.func.id in ("exec", "eval"):
            errors.append(
                UnsupportedConstructError(
                    f"'{node.func.id}' of a string cannot be differentiated",
                    src.location(node),
                    "write the code out in the function",
                )
            )
            set_anno(node, Key.FENCED, True)
    for node in assigned_globals(fdef):
        errors.append(UnsupportedConstructError(
            f"a 'global' declaration of a name the function assigns ({', '.join(node.names)}) is not supported",
            src.location(node), "pass the value as an argument and return the new value (reading a global works)"))
        set_anno(node, Key.FENCED, True)
    return _dedupe(errors)


def _statement_errors(node: Any, src: FunctionSource) -> List[TangentLiteError]:
    """The parts of ``del`` and ``match`` statements that :mod:`desugar` cannot rewrite."""
    if isinstance(node, gast.Delete) and not all(isinstance(t, gast.Name) for t in node.targets):
        set_anno(node, Key.FENCED, True)
        return [UnsupportedConstructError("'del' of an item or an attribute is not supported", src.location(node),
                                          "build a new container without it (L = L[:i] + L[i + 1:]; "
                                          "for a dict, a dict literal of the keys you keep)")]
    if isinstance(node, gast.Try):
        jump = next((j for h in node.handlers for j in _loop_jumps(h.body)), None)
        if jump is not None:
            set_anno(node, Key.FENCED, True)
            word = "break" if isinstance(jump, gast.Break) else "continue"
            return [UnsupportedConstructError(
                f"'{word}' in an 'except' clause is not supported", src.location(jump),
                f"set a flag in the except clause (failed = True) and '{word}' after the try statement "
                f"(if failed: {word})")]
    if MATCH is not None and isinstance(node, MATCH):
        for case in node.cases:
            bad = unsupported_case(case)
            if bad is not None:
                set_anno(node, Key.FENCED, True)
                return [UnsupportedConstructError(
                    f"{_PATTERN_KINDS.get(type(bad).__name__, 'this pattern')} in 'match' is not supported (value "
                    "patterns, '|', '_', capture names and guards are)", src.location(bad),
                    "test the structure with if/elif and isinstance / len")]
    return []


def _loop_jumps(stmts: List[Any]):
    """The ``break`` and ``continue`` statements of ``stmts`` that leave a loop around them
    (not those of a loop or a function inside)."""
    for stmt in stmts:
        if isinstance(stmt, (gast.Break, gast.Continue)):
            yield stmt
        elif not isinstance(stmt, (gast.For, gast.While, gast.FunctionDef, gast.AsyncFunctionDef, gast.ClassDef)):
            for field in ("body", "orelse", "finalbody"):
                yield from _loop_jumps(getattr(stmt, field, None) or [])
            for handler in getattr(stmt, "handlers", None) or []:
                yield from _loop_jumps(handler.body)
            for case in getattr(stmt, "cases", None) or []:
                yield from _loop_jumps(case.body)


def _signature_errors(fdef: Any, location: Optional[Location]) -> List[TangentLiteError]:
    args, name, errors = fdef.args, fdef.name, []
    if args.vararg is not None:
        errors.append(UnsupportedConstructError(
            f"'{name}' takes a variable number of arguments ('*{args.vararg.id}', i.e. *args)", location,
            "give the function one explicit parameter per argument, or one list/array parameter "
            f"that it indexes, or differentiate a function with explicit parameters that calls it "
            f"(tl.grad(lambda a, b: {name}(a, b))): the functions it calls may take *args"))
    if args.kwarg is not None:
        errors.append(UnsupportedConstructError(
            f"'{name}' takes arbitrary keyword arguments ('**{args.kwarg.id}', i.e. **kwargs)", location,
            f"name the keyword parameters explicitly (def f(x, *, scale=1.0)), or differentiate a function that "
            f"calls it (tl.grad(lambda x: {name}(x, scale=2.0))): the functions it calls may take **kwargs"))
    return errors


def signature_error(fn: Callable) -> TangentLiteError:
    """The error for a function that takes ``*args`` or ``**kwargs``, at its ``def`` line
    when its source can be read (``api`` checks the signature before anything is lowered)."""
    try:
        src = load_function(fn)
    except TangentLiteError:
        src = None
    if src is not None:
        errors = _signature_errors(src.node, src.location(src.node))
        if errors:
            return errors[0] if len(errors) == 1 else MultipleErrors(errors)
    return UnsupportedConstructError(f"'{getattr(fn, '__qualname__', fn)}' takes *args or **kwargs",
                                     hint="give the function explicit parameters")


def _walk_body(fdef: Any):
    """All nodes of the body, including nested functions (their bodies get checked too)."""
    for stmt in fdef.body:
        yield from walk(stmt)


def _dedupe(errors: List[TangentLiteError]) -> List[TangentLiteError]:
    seen, out = set(), []
    for e in errors:
        key = (e.message, e.location)
        if key not in seen:
            seen.add(key)
            out.append(e)
    return out
