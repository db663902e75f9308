"""``with`` blocks in generated code.  The lowering keeps a ``with`` as two marker statements
around the statements of its body (so that every pass sees straight-line code)::

    with np.errstate(divide="ignore"):        _t0 = np.errstate(divide="ignore")
        y = np.log(x)                 ==>     _t0.__enter__()
                                              y = np.log(x)
                                              _t0.__exit__(None, None, None)

The forward sweep and forward mode keep the markers where the primal statements are; the reverse
sweep runs the adjoints of the body under a fresh context made by the same expression when the
context is one of :data:`REENTERED` (:func:`reverse_markers`: the exit marker, met first going
backwards, enters it), and outside any context otherwise.
:func:`rewrap` turns each marker pair of the finished code back into a ``with`` statement, so that
the context is left as Python leaves it, also when an exception is raised inside.
"""

from __future__ import annotations

import warnings
from typing import Any, Dict, List, Optional

import numpy as np

from .. import runtime
from .. import syntax as S
from ..analysis.contexts import ENTER, EXIT, context_of, marker  # noqa: F401 (used by the modes)
from ..errors import UnsupportedConstructError
from ..frontend.lowering.common import binds_plainly
from ..syntax import gast
from ..syntax.annotations import Key, get_anno, set_anno
from ..syntax.naming import Namer

# The contexts the reverse sweep makes again (by the same expression) and enters around the
# adjoints of the with block's body: they only change how floating-point errors and warnings are
# handled, and making and entering one again has no other effect.  Any other context (a file,
# a lock, a timer, the user's own) is entered once, by the forward sweep: the reverse sweep runs
# the adjoints of its body outside it.
REENTERED = (np.errstate, warnings.catch_warnings)


def enter(cm: str, target: Optional[str] = None) -> Any:
    call = gast.Call(func=S.attribute(S.name(cm), ENTER), args=[], keywords=[])
    set_anno(call, Key.CALLEE, ("method", ENTER))
    return S.assign(target, call) if target else gast.Expr(value=call)


def exit_(cm: str) -> Any:
    call = gast.Call(func=S.attribute(S.name(cm), EXIT), args=[S.const(None)] * 3, keywords=[])
    set_anno(call, Key.CALLEE, ("method", EXIT))
    return gast.Expr(value=call)


def reverse_markers(stmt: Any, made: Dict[str, Any], fresh: Any) -> List[Any]:
    """The reverse sweep's statements for a marker ``stmt``: an exit marker (met first) makes
    a new context from the expression that made the primal one (``made``: name -> the statement)
    and enters it; the enter marker leaves it.  ``fresh``: a name maker."""
    cm = context_of(stmt)
    renamed = made.setdefault(("reverse", cm), fresh(cm + "_rev"))
    creation = made.get(cm)
    if creation is None or not reenterable(creation.value):  # see REENTERED
        return []
    if marker(stmt) == EXIT:
        return [S.assign(renamed, S.deepcopy(creation.value)), enter(renamed)]
    return [exit_(renamed)]


def reenterable(value: Any) -> bool:
    """Is ``value`` (the expression that made a context) a call of one of :data:`REENTERED`?"""
    callee = get_anno(value, Key.CALLEE) if isinstance(value, gast.Call) else None
    return any(callee is known for known in REENTERED)


def rewrap(body: List[Any], src: Any = None, reverse: bool = False, again: bool = False,
           tl: str = "_tl", namer: Optional[Namer] = None) -> List[Any]:
    """Turn marker pairs back into ``with`` and ``try`` statements, in ``body`` and the bodies in it.
    ``reverse``: the code has a reverse sweep, which cannot undo a tape push or a list change that
    a try block made before an exception stopped it: each push is moved after the computation of
    the value it saves room for (:func:`_push_late`), and one that a later statement of the try
    block may still follow with an exception is refused (``src``: for the error's location;
    ``again``: the code is a derivative differentiated again).  ``tl``: the name of the runtime
    module in the generated code; ``namer``: fresh names (made from the function's names)."""
    out: List[Any] = []
    i = 0
    while i < len(body):
        stmt = body[i]
        if isinstance(stmt, gast.FunctionDef):
            names = Namer(n.id for n in S.walk(stmt) if isinstance(n, gast.Name))
            stmt.body = rewrap(stmt.body, src, reverse, again, tl, names)
        else:
            for field in ("body", "orelse"):
                if isinstance(getattr(stmt, field, None), list):
                    setattr(stmt, field, rewrap(getattr(stmt, field), src, reverse, again, tl, namer))
        if _try_marker(stmt, TRY) and _matching(body, i, TRY_END) is not None:
            j = _matching(body, i, TRY_END)
            if reverse and len(stmt.value.args) > 3:  # (without except clauses an exception leaves the function)
                if not again:
                    body[i + 1:j] = _push_late(body[i + 1:j], namer or Namer(
                        n.id for n in S.walk(gast.Module(body=body, type_ignores=[])) if isinstance(n, gast.Name)))
                    j = _matching(body, i, TRY_END)
                _no_pushes(body[i + 1:j], stmt, src, again)
            out.extend(_try(stmt, rewrap(body[i + 1:j], src, reverse, again, tl, namer), tl, reverse))
            i = j + 1
            continue
        j = _matching_exit(body, i) if marker(stmt) == ENTER else None
        if j is None:
            out.append(stmt)
            i += 1
            continue
        cm = S.name(context_of(stmt))
        target = S.name(stmt.targets[0].id, store=True) if isinstance(stmt, gast.Assign) else None
        inner = rewrap(body[i + 1:j], src, reverse, again, tl)
        node = gast.With(items=[gast.withitem(context_expr=cm, optional_vars=target)],
                         body=inner or [gast.Pass()], type_comment=None)
        node.lineno = getattr(stmt, "lineno", None)
        set_anno(node, Key.ORIGIN, get_anno(stmt, Key.ORIGIN))
        out.append(node)
        i = j + 1
    return out


def _matching_exit(body: List[Any], i: int) -> Optional[int]:
    cm = context_of(body[i])
    for j in range(i + 1, len(body)):
        if marker(body[j]) == EXIT and context_of(body[j]) == cm:
            return j
    return None


TRY, TRY_END = "__try__", "__try_end__"


def _try_marker(stmt: Any, kind: str) -> bool:
    value = getattr(stmt, "value", None)
    return isinstance(stmt, gast.Expr) and isinstance(value, gast.Call) and isinstance(value.func, gast.Attribute) \
        and value.func.attr == kind and isinstance(value.func.value, gast.Name)


def _matching(body: List[Any], i: int, kind: str) -> Optional[int]:
    flag = body[i].value.func.value.id
    for j in range(i + 1, len(body)):
        if _try_marker(body[j], kind) and body[j].value.func.value.id == flag:
            return j
    return None


def _try(stmt: Any, inner: List[Any], tl: str, reverse: bool = False) -> List[Any]:
    """``try: <inner> except T as _caught: _tl.reraise_refusal(); _exc = _caught; _ok = False;
    _path = k`` for the marker ``stmt`` (``_ok.__try__(_path, _exc, _caught, T1, T2, ...)``; a type
    None is a bare ``except:``; ``reraise_refusal``: a refusal the derivative code raised while it
    ran, such as a with block's context that swallowed an exception, is not the user's to catch);
    ``inner`` itself for a try without except clauses (``try``/``finally``: an exception leaves
    the function, the finally block after it is not run by the derivative).  ``reverse``: each
    handler binds the names ``inner`` assigns that the exception left unbound (to None), which
    the forward sweep saves when an except clause assigns them again::

        if "t" not in locals():
            t = None
    """
    flag = stmt.value.func.value.id
    path, exc, caught, *types = stmt.value.args
    if not types:
        return inner
    handlers = []
    unbound = [_bind_if_unbound(name) for name in _assigned(inner)] if reverse else []
    for k, typ in enumerate(types, 1):  # (Python unbinds the name of an except clause at its end)
        bare = isinstance(typ, gast.Constant) and typ.value is None
        keep = [] if bare else [S.assign(exc.id, S.name(caught.id))]
        handlers.append(gast.ExceptHandler(
            type=None if bare else S.deepcopy(typ), name=None if bare else S.name(caught.id, store=True),
            body=[_reraise(tl)] + keep + [S.assign(flag, S.const(False)), S.assign(path.id, S.const(k))]
            + S.deepcopy(unbound)))
    node = gast.Try(body=inner or [gast.Pass()], handlers=handlers, orelse=[], finalbody=[])
    node.lineno = getattr(stmt, "lineno", None)
    set_anno(node, Key.ORIGIN, get_anno(stmt, Key.ORIGIN))
    return [node]


def _reraise(tl: str) -> Any:
    call = gast.Call(func=S.attribute(S.name(tl), "reraise_refusal"), args=[], keywords=[])
    set_anno(call, Key.CALLEE, runtime.reraise_refusal)
    return gast.Expr(value=call)


def _assigned(stmts: List[Any]) -> List[str]:
    """The names ``stmts`` assign (``name = ...``), in order, once each."""
    names = [t.id for n in S.walk(gast.Module(body=stmts, type_ignores=[])) if isinstance(n, gast.Assign)
             for t in n.targets if isinstance(t, gast.Name)]
    return list(dict.fromkeys(names))


def _bind_if_unbound(name: str) -> Any:
    locals_ = gast.Call(func=S.name("locals"), args=[], keywords=[])
    test = gast.Compare(left=S.const(name), ops=[gast.NotIn()], comparators=[locals_])
    return gast.If(test=test, body=[S.assign(name, S.const(None))], orelse=[])


def _push_late(stmts: List[Any], namer: Namer) -> List[Any]:
    """``_tape.append(y); y = <expr>`` becomes ``y_new = <expr>; _tape.append(y); y = y_new`` in
    ``stmts`` and the branches in them: the push comes after what may raise, so that an exception
    in the try block stops it before the push or after the overwrite (a ``return`` inside ``try``:
    ``_retval`` overwritten as its last statement)."""
    out: List[Any] = []
    for stmt in stmts:
        if isinstance(stmt, gast.If):
            stmt.body, stmt.orelse = _push_late(stmt.body, namer), _push_late(stmt.orelse, namer)
        prev = out[-1] if out else None
        if _is_push(prev) and isinstance(stmt, gast.Assign) and len(stmt.targets) == 1 \
                and isinstance(stmt.targets[0], gast.Name) and not _plain_value(stmt.value) \
                and any(isinstance(a, gast.Name) and a.id == stmt.targets[0].id for a in prev.value.args):
            new = namer.fresh(stmt.targets[0].id + "_new")
            computed = S.assign(new, stmt.value)
            computed.lineno = getattr(stmt, "lineno", None)
            set_anno(computed, Key.ORIGIN, get_anno(stmt, Key.ORIGIN))
            stmt.value = S.name(new)
            out[-1:] = [computed, prev]
        out.append(stmt)
    return out


def _is_push(node: Any) -> bool:
    """A tape push or pop, or a change of a list (``xs.append(v)``)."""
    return isinstance(node, gast.Expr) and isinstance(node.value, gast.Call) \
        and isinstance(node.value.func, gast.Attribute) and node.value.func.attr in ("append", "pop")


def _plain_value(node: Any) -> bool:
    return isinstance(node, (gast.Name, gast.Constant))


def _may_raise(stmt: Any) -> bool:
    """May ``stmt`` raise?  Only a name bound to a name or constant, a push and ``pass`` cannot
    (anything else is taken to: an operator, a call, a subscript, a loop, a marker)."""
    if isinstance(stmt, gast.Pass) or _is_push(stmt):
        return False
    if isinstance(stmt, gast.Assign):
        return not binds_plainly(stmt)
    if isinstance(stmt, gast.If):
        return not _plain_value(stmt.test) or any(_may_raise(s) for s in stmt.body + stmt.orelse)
    return True


def _pushed_before_raise(stmts: List[Any], raises_after: bool = False) -> Optional[Any]:
    """The first push in ``stmts`` (and the branches in them) that a statement that may raise can
    follow in the try block (``raises_after``: one after ``stmts`` may), else None."""
    found = None
    for stmt in reversed(stmts):
        if isinstance(stmt, gast.If):
            found = _pushed_before_raise(stmt.body, raises_after) or _pushed_before_raise(
                stmt.orelse, raises_after) or found
        elif isinstance(stmt, (gast.For, gast.While)):  # (another iteration may follow)
            found = _pushed_before_raise(stmt.body, True) or found
        elif _is_push(stmt) and raises_after:
            found = stmt
        raises_after = raises_after or _may_raise(stmt)
    return found


def _no_pushes(inner: List[Any], marker_stmt: Any, src: Any, again: bool = False) -> None:
    """Refuse a try block whose forward sweep saves a value on the tape or changes a list where a
    later statement of the block may still raise: the exception would leave the tape out of step
    with the reverse sweep, which undoes the block only when it completed.  ``again``: the code is
    a derivative (reverse mode over reverse mode, which the message says): any push is refused."""
    node = next((n for n in S.walk(gast.Module(body=inner, type_ignores=[])) if _is_push(n)), None) if again \
        else _pushed_before_raise(inner)
    if node is None:
        return
    line = get_anno(node, Key.ORIGIN) or getattr(node, "lineno", None)
    where = src.location(marker_stmt) if src is not None else None
    if again:  # (the tape of the first reverse sweep, in the try block of the forward sweep)
        raise UnsupportedConstructError(
            "reverse mode over reverse mode through this try block is not supported: the derivative code "
            "saves values in it that an exception half-way would leave out of step", where,
            "compute second derivatives forward over reverse (tl.hessian, tl.hvp) or forward over forward")
    raise UnsupportedConstructError(
        f"reverse mode through this try block is not supported: it overwrites a value the reverse sweep "
        f"needs, or changes a list (line {line}), and a later statement of the block may raise, which would "
        "leave the record of them out of step", where,
        "assign new names in the try block (y1 = ... instead of y = ... in a loop, a list built before the "
        "try), or use forward mode: tl.jvp, or tl.jvp of tl.jvp for second derivatives (tl.hessian and "
        "tl.hvp use reverse mode too)")
