"""Transformations called inside a function being differentiated: ``tl.grad(f)(x)``,
``tl.value_and_grad(f, wrt=1)(w, x)``, ``tl.jvp(f, (x,), (v,))``, ``f.grad(x)`` of a
``@tl.differentiate`` function.

What such a call computes is a plain Python function tangent_lite made (compose.py: it calls
``f``'s generated derivative), so the call becomes a call of that function, which is then
differentiated like any helper the user wrote.  The transformation is made while lowering: its
function and options must be known then (module-level names, constants); the names they were
read from are guarded (options by value), so an edit of ``f`` or a rebound ``WRT`` in
``tl.grad(f, wrt=WRT)`` is followed.  A function that reaches a transformation of itself
(``tl.grad(f)`` inside ``f``, directly or through other functions) is refused: the
derivative of ``f`` would be needed to make it.  The transformations that can be called
like this carry ``__tl_inside__``: ``transformation.__tl_inside__(*options) -> plain function``
(with ``.spread`` for ``tl.jvp``: it is also given ``lengths=``, how many primals and tangents
the call writes out, which the plain function takes one after the other)."""

from __future__ import annotations

import inspect
import threading
import types
from typing import Any, List, Optional

from ... import syntax as S
from ...errors import TangentLiteError, UnsupportedConstructError
from ...syntax import gast
from ...syntax.annotations import Key, get_anno, set_anno
from ..guards import Pinned, checked_by_identity
from .common import _MISSING, _opaque

_NOT_STATIC = object()


class _Making(threading.local):
    """The functions whose transformation this thread is making (for ``tl.grad(f)`` inside: the
    derivative of ``f`` is generated then, and lowering ``f`` may reach ``tl.grad(f)`` again)."""

    def __init__(self) -> None:
        self.stack: List[Any] = []


_MAKING = _Making()


def _cycle(ex: Any, name: str, target: Any, node: Any) -> TangentLiteError:
    """The error for recursion through a transformation: ``f`` calls ``tl.grad(f)`` (or ``g``
    calls ``tl.grad(f)`` and ``f`` calls ``tl.grad(g)``)."""
    shown = getattr(target, "__qualname__", None) or type(target).__name__
    here = ex.cx.fn.__qualname__
    how = "of itself" if target is ex.cx.fn or getattr(target, "__tl_function__", None) is ex.cx.fn else \
        f"of '{shown}', whose derivative is already being made ('{shown}' reaches '{here}' through a transformation)"
    exc = UnsupportedConstructError(
        f"recursion through a transformation: '{here}' calls {name} {how}", ex.cx.src.location(node),
        "a function cannot call a transformation of itself, directly or through other functions: nest the "
        "transformations a fixed number of times instead (e.g. tl.grad(tl.grad(f))), or write the "
        "derivative out by hand")
    exc.through_transformation = True  # type: ignore[attr-defined]
    return exc


def transformation_call(ex: Any, node: Any, maker: Any = _MISSING) -> Optional[Any]:
    """The lowered call if ``node`` calls a transformation (``tl.grad(f)(x)``, ``f.grad(x)``,
    ``tl.jvp(f, (x,), (v,))``), else None.  ``ex``: the lowering's Expressions part; ``maker``:
    what the callee ``node.func`` (a name) resolved to, if it did."""
    func = node.func
    spread = False  # the call's arguments are tuples written out: (primals), (tangents)
    if isinstance(func, gast.Call):  # tl.grad(f, ...)(x)
        if not _static_expr(ex, func.func):
            return None
        maker = _value(ex, func.func)
        inside = inside_of(maker)
        if inside is None:
            return None
        options, keywords = func.args, func.keywords
        call_args, call_keywords = list(node.args), list(node.keywords)
    else:
        inside = inside_of(maker)
        if inside is None:
            return None
        if inspect.ismethod(maker):  # f.grad(x, wrt=...) of a @tl.differentiate function
            options, keywords = [], [k for k in node.keywords if k.arg == "wrt"]
            call_args, call_keywords = list(node.args), [k for k in node.keywords if k.arg != "wrt"]
        elif getattr(inside, "makes_function", False):  # gf = tl.grad(f), apply(tl.grad(f), x): a value
            shown = S.dotted_name(func) or "tl.grad"
            ex.cx.error(UnsupportedConstructError, f"'{shown}(...)' used as a value inside a function being "
                        "differentiated (stored in a variable, passed to a function or returned)", node,
                        f"call it where it is made: {shown}(f)(x), not gf = {shown}(f); gf(x); for a helper that "
                        f"takes a function, pass a lambda: apply(lambda z: {shown}(f)(z), x)")
            return _opaque()
        else:  # tl.jvp(f, primals, tangents, wrt=...), tl.hvp(f, x, v): the function and keywords are options
            options, keywords = node.args[:1], list(node.keywords)
            call_args, call_keywords = list(node.args[1:]), []
            spread = getattr(inside, "spread", False)  # (tl.jvp: primals and tangents written out as tuples)
    name = S.dotted_name(func.func if isinstance(func, gast.Call) else func) or "the transformation"
    values = ([maker.__self__] if inspect.ismethod(maker) else []) + [_static_value(ex, a) for a in options]
    named = {k.arg: _static_value(ex, k.value) for k in keywords}
    if any(v is _NOT_STATIC for v in values) or any(v is _NOT_STATIC for v in named.values()) or \
            any(k.arg is None for k in keywords) or any(isinstance(a, gast.Starred) for a in options):
        ex.cx.error(UnsupportedConstructError, f"'{name}(...)' called inside a function being differentiated, "
                    "with a function or options that are not known before it runs", node,
                    "give it a module-level function by name and constant options, e.g. tl.grad(inner, wrt=0)(w); "
                    "a lambda or a local function can be written as a module-level def")
        return _opaque()
    lengths = {}
    if spread:  # tl.jvp(f, (x, y), (vx, vy)): the primals, then the tangents, as the plain function takes them
        flat: List[Any] = []
        for seq in call_args:
            if not isinstance(seq, (gast.Tuple, gast.List)) or any(isinstance(e, gast.Starred) for e in seq.elts):
                ex.cx.error(UnsupportedConstructError, f"'{name}(...)' inside a function being differentiated, "
                            "with primals or tangents that are not written out as a tuple", node,
                            f"write them out: {name}(f, (x, y), (vx, vy))")
                return _opaque()
            flat.extend(seq.elts)
        lengths = {"lengths": tuple(len(seq.elts) for seq in call_args)}
        call_args = flat
    target = values[0] if values else None
    if any(t is target for t in _MAKING.stack):
        raise _cycle(ex, name, target, node)
    _MAKING.stack.append(target)
    try:
        plain = inside(*values, **named, **lengths)
    except TangentLiteError as exc:
        if getattr(exc, "through_transformation", False):
            raise
        ex.cx.error(type(exc), f"'{name}(...)' inside a function being differentiated: {exc.message}", node,
                    exc.hint)
        return _opaque()
    finally:
        _MAKING.stack.pop()
    alias = ex.cx.namer.fresh(plain.__name__)
    ex.cx.foreign[alias] = ex.cx.env[alias] = plain
    ex.cx.foreign_sources[alias] = (plain.__module__, plain.__name__)
    callee = S.name(alias)
    set_anno(callee, Key.CALLEE, plain)
    out = gast.Call(func=callee, args=[ex.atom(a) for a in call_args],
                    keywords=[gast.keyword(arg=k.arg, value=ex.atom(k.value)) for k in call_keywords])
    if any(get_anno(a, Key.FENCED) for a in out.args + [k.value for k in out.keywords]):
        return _opaque()
    set_anno(out, Key.CALLEE, plain)
    return out


def inside_of(obj: Any) -> Any:
    """``__tl_inside__`` of a transformation (a Python function, or a method whose function
    carries it), read from the function's own attributes only; else None."""
    fn = obj.__func__ if inspect.ismethod(obj) else obj
    return vars(fn).get("__tl_inside__") if isinstance(fn, types.FunctionType) else None


def _static_expr(ex: Any, node: Any) -> bool:
    """Is ``node`` a name (or dotted name) that is not a local variable?"""
    dotted = S.dotted_name(node)
    return dotted is not None and dotted.split(".")[0] not in ex.cx.locals and \
        dotted.split(".")[0] not in ex.cx.local_fns


def _value(ex: Any, node: Any) -> Any:
    """The object a static dotted name names now (its names guarded)."""
    return get_anno(ex.expr(S.deepcopy(node)), Key.CALLEE, _MISSING)


def _static_value(ex: Any, node: Any) -> Any:
    """The value of an option of a transformation: a constant, a tuple of them, or a static name."""
    if isinstance(node, gast.Constant):
        return node.value
    if isinstance(node, (gast.Tuple, gast.List)):
        items = [_static_value(ex, e) for e in node.elts]
        return _NOT_STATIC if any(i is _NOT_STATIC for i in items) else tuple(items)
    if isinstance(node, (gast.Name, gast.Attribute)) and _static_expr(ex, node):
        value = _value(ex, node)
        if value is _MISSING:
            return _NOT_STATIC
        if not checked_by_identity(value):  # data (wrt=WRT): baked in, so guarded by value
            path = ex.names.path_of(S.dotted_name(node))
            if path is None:
                return _NOT_STATIC
            ex.cx.guards[path] = Pinned(value)
        return value
    return _NOT_STATIC

