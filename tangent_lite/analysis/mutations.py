"""In-place changes derivatives cannot follow: calls that change an argument in place
where a varied value takes part (:func:`mutation_errors`), and the parameters a user
function changes in place (:func:`_writes_to_parameters`)."""

from __future__ import annotations

import builtins
import functools
import inspect
import re
import weakref
from typing import Any, Dict, List, NamedTuple, Optional, Set, Tuple

import numpy as np

from .. import syntax as S
from ..errors import TangentLiteError, UnsupportedConstructError
from ..frontend.anf import Wengert
from ..rules import purity
from ..rules.registry import REGISTRY, Registry
from ..syntax import gast
from ..syntax.annotations import Key, get_anno
from . import aliases, shared_writes
from .callees import bind_user, is_user_function, user_function
from .statements import is_local, is_pop, is_push


class HiddenChange(NamedTuple):
    """An in-place change a statement makes that its Wengert form does not show: a method of a
    class of the user's code, run by a call of the class or by a with statement (:mod:`.contexts`)."""

    atom: Any  # the caller's variable whose object is changed
    param: str  # the parameter it is passed for
    how: str  # "in place"; "augmented" ('p op= v': a number is replaced); "unknown" (cannot tell)
    who: str  # what changes it: "'Doubling.__exit__'"
    at: str  # " at file:line (the line)" in the method, or ""
    role: str  # "context" (run by a with statement), "call" (of the class) or "method" (of its object)
    maker: str  # the class or function that made the object, as written ('Doubling')
    via: str = ""  # how the statement reached the object, when not by the name it was made into
    line: str = ""  # the text of the line that made the object, when not the statement's


def mutation_errors(w: Wengert, varied: Set[str], registry: Registry = REGISTRY,
                    ranks: Optional[Dict[str, Any]] = None,
                    checks: Optional[List[Tuple[Any, str, TangentLiteError]]] = None,
                    reverse: bool = True,
                    hidden: Optional[Tuple[Dict[int, List[HiddenChange]], Set[int], Set[int]]] = None,
                    ) -> List[Tuple[Any, TangentLiteError]]:
    """Calls that change an argument in place, where a value that depends on ``wrt`` takes
    part: (statement, error) pairs.  Activity analysis follows assignments only, so the
    derivatives of such code would be silently wrong (see :mod:`rules.purity`)::

        x.sort()             # refused: x = np.sort(x)
        np.sin(x, out=z)     # refused: z = np.sin(x)
        print(x)             # fine: print leaves x alone

    ``checks``: where given, a helper's ``p op= v`` on an argument whose rank is not known
    (a number is replaced, an array changed in place) is not refused but added there as
    (statement, variable, error), for a check when the code runs (``_tl.number_only``).
    ``reverse``: the code gets a reverse sweep, which reads values again after the forward
    sweep: a value without derivatives changed in place after it was read is refused too.
    ``hidden``: the changes statements make through the methods of user objects (with markers,
    calls of a class, method calls: :func:`.contexts.hidden_changes`), the statements that make
    the with statements' contexts (not reads: no derivative needs what they read), and the
    method calls among them (checked as calls too)."""
    out: List[Tuple[Any, TangentLiteError]] = []
    changes, making, methods = hidden if hidden is not None else ({}, set(), set())
    todo = list(w.fdef.body)
    read: Set[str] = set()  # the names read before (in a loop: anywhere in it, for the next round)
    shared = aliases.groups(w.fdef.body, ranks) if varied or changes else {}
    shown = getattr(w, "display_names", {})  # how messages say temporaries of the lowering ('L[0]')
    while todo:
        stmt = todo.pop(0)
        if isinstance(stmt, (gast.If, gast.For, gast.While)):
            if isinstance(stmt, (gast.For, gast.While)):  # (what makes, enters, leaves a context reads nothing)
                read |= _reads(stmt, making | {k for k in changes if k not in methods})
            else:
                read |= S.loaded_names(stmt.test)
            todo[:0] = stmt.body + stmt.orelse
            continue
        call = getattr(stmt, "value", None)
        if id(stmt) in changes:  # a with marker, a call of a class: what its methods change
            before = read  # (no derivative reads what a context's marker or a class call reads)
            problem = _hidden_problem(changes[id(stmt)], varied, before if reverse else set(), shared, ranks,
                                      w.src.location(stmt).text, shown)
            if problem is not None:
                what, fix, *when_it_runs = problem
                error = UnsupportedConstructError(what, w.src.location(stmt), fix)
                if when_it_runs and checks is not None:
                    checks.append((stmt, when_it_runs[0], error))
                else:
                    out.append((stmt, error))
                continue
            if id(stmt) not in methods:  # (a method call is also checked as a call below)
                continue
        if not isinstance(stmt, (gast.Assign, gast.Expr)) or not isinstance(call, gast.Call) \
                or is_push(stmt) or is_pop(call):
            read |= S.loaded_names(stmt)
            continue
        callee = get_anno(call, Key.CALLEE)
        method = isinstance(callee, tuple) and callee[0] == "method"
        atoms = ([call.func.value] if method else []) + list(call.args) + [k.value for k in call.keywords]
        before, read = read, read if id(stmt) in making else read | S.loaded_names(stmt)
        if not any(is_local(a) and a.id in varied for a in atoms):
            # a value without derivatives, changed in place after something read it: the reverse
            # sweep, which reads it again for the derivatives of those statements, would see the change
            earlier = {a.id for a in atoms if is_local(a) and shared.get(a.id, frozenset((a.id,))) & before}
            if not varied or not is_user_function(callee) and not (earlier and reverse):
                continue
            location = w.src.location(stmt)
            problem = _mutation(call, callee, method, False, registry, location.text, earlier, shown) \
                or _helper_mutation(call, callee, location.text, ranks, earlier, shown) if earlier and reverse else None
            if problem is not None:
                problem = (problem[0] + ", after it was read above (which the reverse sweep reads again)",
                           *problem[1:])
            else:  # p op= v in a helper: a 0-d array made by 'v op= e' here is changed, not replaced
                problem = _helper_mutation(call, callee, location.text, ranks, shown=shown)
                problem = problem if problem is not None and len(problem) == 3 else None
        else:
            location = w.src.location(stmt)
            problem = _mutation(call, callee, method, isinstance(stmt, gast.Expr), registry, location.text,
                                shown=shown) or _helper_mutation(call, callee, location.text, ranks, shown=shown)
        if problem is not None:
            what, fix, *when_it_runs = problem
            error = UnsupportedConstructError(what, location, fix)
            if when_it_runs and checks is not None:
                checks.append((stmt, when_it_runs[0], error))
            else:
                out.append((stmt, error))
    return out


def _reads(stmt: Any, skip: Set[int]) -> Set[str]:
    """The names ``stmt`` (a loop, with what it holds) reads, except in the statements ``skip``."""
    if id(stmt) in skip:
        return set()
    if not isinstance(stmt, (gast.If, gast.For, gast.While)):
        return S.loaded_names(stmt)
    out = S.loaded_names(stmt.iter if isinstance(stmt, gast.For) else stmt.test)
    for inner in stmt.body + stmt.orelse:
        out |= _reads(inner, skip)
    return out


def _hidden_problem(changes: List[HiddenChange], varied: Set[str], before: Set[str],
                    shared: Dict[str, Any], ranks: Optional[Dict[str, Any]], line: str,
                    names: Optional[Dict[str, str]] = None) -> Optional[Tuple[str, ...]]:
    """(what, fix[, variable to check when the code runs]) for the first of ``changes`` (made by one
    statement) derivatives cannot follow: of a value with derivatives, or (``before``: what was
    read above, which the reverse sweep reads again) of a value read before the change
    (``names``: how messages say temporaries, see :func:`_shown`)."""
    for c in changes:
        name = c.atom.id
        earlier = name not in varied and bool(shared.get(name, frozenset((name,))) & before)
        rank = (ranks or {}).get(name)
        if not (name in varied or earlier and c.how != "unknown") or c.how == "augmented" and rank == 0:
            continue
        shown = _shown(c.atom, c.line or line, name, names)
        via = f" ({c.via})" if c.via else ""
        if c.how == "unknown":
            return (f"cannot tell whether the context {c.who}{via} changes '{shown}', which carries derivatives, "
                    "in place: only the methods of a context made by a class of your code (or by a "
                    "@contextlib.contextmanager generator) are read",
                    f"make the context with the class itself (with Ctx({shown}): ...), or give it a copy "
                    f"({shown}.copy())")
        if c.role == "context":
            what = (f"{c.who} (run by this with statement{via}) changes '{shown}' in place, which the context was "
                    f"made from (its argument '{c.param}'){c.at}: derivatives cannot follow a change a context "
                    "makes to the caller's array or list")
        elif c.role == "method":
            what = (f"{c.who}{via} changes '{shown}' in place, which its object was made from (its argument "
                    f"'{c.param}'){c.at}: derivatives cannot follow a change a method makes to the caller's array "
                    "or list")
        else:
            what = (f"{c.who} changes its argument '{c.param}' ({shown} here) in place{c.at}: derivatives cannot "
                    "follow a change a called class makes to the caller's array or list")
        if earlier:
            what += ", after it was read above (which the reverse sweep reads again)"
        fix = (f"give it a copy ({c.maker}({shown}.copy())), or make the change in the function itself "
               f"({shown} = {shown} * ...)")
        return (what, fix, name) if c.how == "augmented" and not isinstance(rank, int) else (what, fix)
    return None


def _shown(atom: Any, line: str, otherwise: str, names: Optional[Dict[str, str]] = None) -> str:
    """How the user wrote an atom of the Wengert form: its name, without an SSA suffix,
    when that name is on the user's line; the expression a temporary of the lowering holds
    (``names``: the Wengert form's ``display_names``)."""
    if isinstance(atom, gast.Name) and atom.id in (names or {}):
        return names[atom.id]
    text = S.to_source(atom)
    for candidate in (text, re.sub(r"_\d+$", "", text)):
        if re.search(rf"(?<![\w.]){re.escape(candidate)}(?!\w)", line):
            return candidate
    return otherwise


def _mutation(call: Any, callee: Any, method: bool, discarded: bool, registry: Registry,
              line: str, only: Optional[Set[str]] = None,
              shown: Optional[Dict[str, str]] = None) -> Optional[Tuple[str, str]]:
    """(what is wrong, what to write instead) for a call that may change its arguments
    (``only``: where given, only a change of one of these variables counts; ``shown``: how
    messages say temporaries, see :func:`_shown`)."""
    written = S.dotted_name(call.func) or "the call"
    if only is not None:
        changed = _changed_atom(call, callee, method)
        if not (is_local(changed) and changed.id in only):
            return None

    def first() -> str:  # (only for a message: the search of the line is not made for every call)
        return _shown(call.args[0], line, "its first argument", shown) if call.args else "its first argument"

    out_kw = [k for k in call.keywords if k.arg == "out" and not (isinstance(k.value, gast.Constant)
                                                                   and k.value.value is None)]
    if out_kw:
        target = _shown(out_kw[0].value, line, "out", shown)
        return (f"the 'out=' argument of '{written}' writes into '{target}' in place",
                f"use the returned value instead: {target} = {written}(...) without out=")
    overwrite = [k for k in call.keywords if k.arg and k.arg.startswith("overwrite_")
                 and not (isinstance(k.value, gast.Constant) and k.value.value in (False, None, 0))]
    if overwrite:  # scipy.linalg's overwrite_a=True: SciPy may write its work into the argument
        return (f"'{written}(..., {overwrite[0].arg}=...)' may write into its argument in place (SciPy's "
                "overwrite option), which the derivative code reads again",
                f"leave out {overwrite[0].arg} (or pass {overwrite[0].arg}=False)")
    position = _out_position(callee)
    if position is not None and len(call.args) > position and not (
            isinstance(call.args[position], gast.Constant) and call.args[position].value is None):
        target = _shown(call.args[position], line, "out", shown)
        return (f"'{written}' writes into '{target}' in place (its 'out' argument, given by position)",
                f"use the returned value instead: {target} = {written}(...) without the 'out' argument")
    if method:
        receiver = _shown(call.func.value, line, "x", shown)
        spelled = f"{receiver}.{callee[1]}(...)"
        if call.args and receiver in (f"type({first()})", f"{first()}.__class__"):  # type(y).sort(y): y changes
            spelled, receiver = f"{receiver}.{callee[1]}({first()}{', ...' if len(call.args) > 1 else ''})", first()
        fix = purity.method_fix(callee[1], receiver)
        if fix is not None:
            return (f"'{spelled}' changes '{receiver}' in place", f"build a new value: {fix}")
        if discarded and callee[1] not in purity.PURE_METHODS:
            return (f"the result of '{receiver}.{callee[1]}(...)' is discarded: the call can only matter through "
                    f"what it does to '{receiver}' in place, which derivatives cannot follow",
                    "assign the result and use it, or call a function that returns a new value")
        return None
    ufunc = purity.ufunc_at(callee)
    if ufunc is not None:
        what, fix = purity.describe_ufunc_at(ufunc, first())
        return what, f"build the result as a new value: {fix}"
    fix = purity.in_place_function_fix(callee, first() if call.args and first() != "its first argument" else "x")
    if fix is not None:
        return f"'{written}' changes '{first()}' in place", f"build a new value: {fix}"
    owner = getattr(callee, "__self__", None)
    if isinstance(owner, (list, dict, set, np.ndarray)) and "." in written:
        name = written.rsplit(".", 1)[0]
        return (f"'{written}(...)' changes the module-level '{name}': derivatives cannot follow changes to "
                "module-level state",
                f"build the values in a local list and return them, or pass tl.stop_gradient(...) of what you "
                f"store if '{name}' only records them")
    if discarded and not is_user_function(callee) and not purity.is_pure(callee, registry.get(callee) is not None):
        return (f"the result of '{written}(...)' is discarded: the call can only matter through what it does "
                "to its arguments in place, which derivatives cannot follow",
                "assign the result and use it (y = f(x)), or wrap the arguments in tl.stop_gradient(...) "
                "if the call needs no derivative")
    if discarded and is_user_function(callee) and _writes_to_parameters(user_function(callee)):
        return (f"'{written}' changes its arguments in place and its result is discarded: "
                "derivatives cannot follow the change",
                f"make '{written}' return the new value and assign it: x = {written}(x)")
    return None


def _changed_atom(call: Any, callee: Any, method: bool) -> Any:
    """The argument a call that changes one in place changes: the receiver of a method, the
    ``out`` argument, else the first argument (``np.copyto(a, b)``, ``np.add.at(a, ...)``)."""
    if method or isinstance(getattr(callee, "__self__", None), (list, dict, set, np.ndarray)) \
            and isinstance(call.func, gast.Attribute):  # (LOG.append(v) on a module-level list: LOG)
        return call.func.value
    out_kw = [k.value for k in call.keywords if k.arg == "out"]
    position = _out_position(callee)
    if out_kw:
        return out_kw[0]
    if position is not None and len(call.args) > position:
        return call.args[position]
    return call.args[0] if call.args else None


@functools.lru_cache(maxsize=1024)
def _out_position_of(callee: Any) -> Optional[int]:
    if isinstance(callee, np.ufunc):
        return callee.nin
    try:
        params = list(inspect.signature(callee).parameters.values())
    except (TypeError, ValueError):
        return None
    for i, p in enumerate(params):
        if p.name == "out":
            return i if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) else None
    return None


def _out_position(callee: Any) -> Optional[int]:
    """Where a NumPy function takes its ``out`` argument by position (ufuncs: after their
    inputs; ``np.clip(a, lo, hi, out)``, ``np.cumsum(a, axis, dtype, out)``), or None."""
    module = str(getattr(callee, "__module__", "") or "")
    if not (isinstance(callee, np.ufunc) or module.startswith("numpy")):
        return None
    try:
        return _out_position_of(callee)
    except TypeError:  # unhashable
        return None


def _helper_mutation(call: Any, callee: Any, line: str, ranks: Optional[Dict[str, Any]],
                     only: Optional[Set[str]] = None,
                     shown: Optional[Dict[str, str]] = None) -> Optional[Tuple[str, ...]]:
    """A user function (transformed on its own) that changes an argument it is passed in
    place (``y[0] = v``, ``y += v`` on an array, ``lst.append(v)``): its derivative would not
    follow the change it makes to the caller's object. A function with rules is a primitive:
    its rules, not its body, say what it does.  (what, fix) or, for ``p op= v`` where the
    argument's rank is not known, (what, fix, the argument's variable): a number is fine."""
    if isinstance(callee, tuple) or not is_user_function(callee) or REGISTRY.get(callee) is not None:
        return None
    fn = user_function(callee)
    writes = _writes_to_parameters(fn)
    if not writes:
        return None
    try:
        bound = bind_user(fn, list(call.args), list(call.keywords))
    except TangentLiteError:
        return None
    written = S.dotted_name(call.func) or fn.__name__
    for param, how in sorted(writes.items()):
        atom = bound.get(param)
        if isinstance(atom, gast.Name) and not is_local(atom) and \
                isinstance(get_anno(atom, Key.CALLEE), (np.ndarray, list, dict)):
            return (f"'{written}' changes its argument '{param}' in place, and the module-level '{atom.id}' is "
                    "passed for it: derivatives cannot follow changes to module-level state",
                    f"pass a copy ({atom.id}.copy()) and use what '{written}' returns")
        if not is_local(atom) or only is not None and atom.id not in only:
            continue
        rank = (ranks or {}).get(atom.id)
        if how == "augmented" and rank == 0:
            continue  # p += v on a number makes a new number
        spelled = _shown(atom, line, param, shown)
        passed = "" if spelled == param else f" ({spelled} here)"
        problem = (f"'{written}' changes its argument '{param}'{passed} in place: derivatives cannot follow "
                   "a change a called function makes to the caller's array or list",
                   f"make '{written}' return the new value and assign it ({spelled} = {written}(...)), or copy "
                   f"inside it ({param} = {param}.copy())")
        return problem + (atom.id,) if how == "augmented" and not isinstance(rank, int) else problem
    return None


_PARAMETER_WRITES: weakref.WeakKeyDictionary[Any, Tuple[Any, Dict[str, str]]] = weakref.WeakKeyDictionary()


def _writes_to_parameters(fn: Any) -> Dict[str, str]:
    """The parameters the user function ``fn`` changes in place: assigns into, calls a method
    of, passes as ``out=`` or to a function that changes it ("in place"), through any alias,
    view or item of them (the alias model on its lowered form), or updates with ``p op= v``
    ("augmented": in place for arrays and lists); all of them when its source cannot be read.
    Remembered per function (while its code is the same)."""
    try:
        code, known = _PARAMETER_WRITES[fn]
        if code is fn.__code__:
            return known
    except (KeyError, TypeError, AttributeError):
        pass
    found = _scan_parameter_writes(fn)
    try:
        _PARAMETER_WRITES[fn] = (fn.__code__, found)
    except (TypeError, AttributeError):
        pass
    return found


def _scan_parameter_writes(fn: Any) -> Dict[str, str]:
    from ..frontend.anf import lower

    try:
        src = S.load_function(fn)
    except TangentLiteError:
        return {"*": "in place"}  # cannot tell: assume the worst
    try:
        through_aliases = shared_writes.written_parameters(lower(fn, src))
    except Exception:  # noqa: BLE001 - a function the lowering refuses: its direct writes below
        through_aliases = {}
    args = src.node.args
    params = {a.id for a in args.posonlyargs + args.args + args.kwonlyargs}
    out: Dict[str, str] = {}
    for node in S.walk(src.node):
        target, how = None, "in place"
        if isinstance(node, (gast.Assign, gast.AugAssign)):
            for t in getattr(node, "targets", None) or [node.target]:
                if isinstance(t, (gast.Subscript, gast.Attribute)):
                    target = t.value
                elif isinstance(node, gast.AugAssign) and isinstance(t, gast.Name):
                    target, how = t, "augmented"
        elif isinstance(node, gast.Expr) and isinstance(node.value, gast.Call) \
                and isinstance(node.value.func, gast.Attribute):
            target = node.value.func.value
        elif isinstance(node, gast.keyword) and node.arg == "out":
            target = node.value
        if isinstance(target, gast.Name) and target.id in params and out.get(target.id) != "in place":
            out[target.id] = how
        if isinstance(node, gast.Call):  # a parameter passed on to a function that changes it
            for param in _passed_to_a_writer(fn, node, params):
                out[param] = "in place"
    for param, how in through_aliases.items():
        if out.get(param) != "in place":
            out[param] = how
    return out


_WRITERS_SEEN: List[Any] = []


def _passed_to_a_writer(fn: Any, call: Any, params: Set[str]) -> List[str]:
    """The parameters of ``fn`` that ``call`` (in ``fn``'s body) passes to a user function
    changing that argument in place."""
    func = call.func
    target = getattr(fn, "__globals__", {}).get(func.id) if isinstance(func, gast.Name) else None
    if target is None or not is_user_function(target) or user_function(target) in _WRITERS_SEEN:
        return []
    callee = user_function(target)
    _WRITERS_SEEN.append(callee)
    try:
        writes = _writes_to_parameters(callee)
        names = [p for p in inspect.signature(callee).parameters]
    except (TypeError, ValueError):
        return []
    finally:
        _WRITERS_SEEN.pop()
    out = []
    for i, a in enumerate(call.args):
        if isinstance(a, gast.Name) and a.id in params and i < len(names) and writes.get(names[i]) == "in place":
            out.append(a.id)
    for k in call.keywords:
        if isinstance(k.value, gast.Name) and k.value.id in params and writes.get(k.arg) == "in place":
            out.append(k.value.id)
    return out


def entry_rebinds(fn: Any) -> Set[str]:
    """The parameters ``fn`` changes in place only by rebinding their own entries, ``p[k] = v``
    (the alias model finds no other write into them; the source updates no entry, ``p[k] op= v``,
    calls no method of ``p`` or of its entries and passes neither to a function that may change
    it): for a dict or list argument those change the container, never the arrays it holds."""
    from ..frontend.anf import lower

    try:
        src = S.load_function(fn)
        found: Set[str] = set()
        shared_writes.written_parameters(lower(fn, src), found)
    except Exception:  # noqa: BLE001 - cannot tell: none
        return set()
    for node in S.walk(src.node):
        if isinstance(node, gast.AugAssign):
            found.discard(_root_name(node.target))
        elif isinstance(node, gast.Call):
            found.discard(_root_name(node.func))  # p.update(...), p[k].fill(0.0)
            found.difference_update(_root_name(k.value) for k in node.keywords if k.arg == "out")
            passed = [_root_name(a) for a in list(node.args) + [k.value for k in node.keywords]]
            if any(p in found for p in passed) and not _changes_nothing(fn, node.func):
                found.difference_update(passed)
    return found


def _root_name(node: Any) -> Optional[str]:
    """``p`` for ``p``, ``p[k]``, ``p.a[k]``...; None for anything else."""
    while isinstance(node, (gast.Subscript, gast.Attribute, gast.Starred)):
        node = node.value
    return node.id if isinstance(node, gast.Name) else None


def _changes_nothing(fn: Any, func: Any) -> bool:
    """Is ``func`` (a call's function, in ``fn``'s body) a registered primitive or NumPy
    function (those change an argument only through ``out=``), or a user function changing
    none of its arguments?"""
    first, *rest = (S.dotted_name(func) or "?").split(".")
    target = getattr(fn, "__globals__", {}).get(first, getattr(builtins, first, None))
    for part in rest:
        target = getattr(target, part, None)
    if target is None:
        return False
    if is_user_function(target):
        return not _writes_to_parameters(user_function(target))
    return REGISTRY.get(target) is not None or str(getattr(target, "__module__", "")).startswith("numpy")


def entry_rebound_positions(fn: Any, positions: Any) -> Set[int]:
    """The positions among ``positions`` of the parameters ``fn`` changes only by ``p[k] = v``."""
    try:
        names = [p.name for p in inspect.signature(fn).parameters.values()
                 if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    except (TypeError, ValueError):
        return set()
    only = entry_rebinds(fn) if any(i < len(names) for i in positions) else set()
    return {i for i in positions if i < len(names) and names[i] in only}
