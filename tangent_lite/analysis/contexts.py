"""``with`` statements in the Wengert form, and what their contexts do that the form does not show.

The lowering keeps a with statement as two marker statements around its body (``modes.blocks``)::

    with Doubling(y):            _t0 = Doubling(y)                                  (the context's making)
        s = np.sum(y * x)  ==>   _t1 = _tl.no_swallow(_t0, "file:line", "Doubling")  (a run-time check)
                                 _t1.__enter__()                                    (enter marker)
                                 s = np.sum(y * x)
                                 _t1.__exit__(None, None, None)                     (exit marker)

The context's methods run there: a class of the user's code may change the arrays it was made
from in place (``self.arr *= 2.0`` in ``__exit__``), which derivatives cannot follow.
:func:`hidden_changes` gives, for each marker and each call of a user class, the caller's
variables its methods change (:mod:`.object_writes`), for :func:`.mutations.mutation_errors` to
refuse like a helper that changes its argument.  :func:`entered_value_errors` refuses the value
a context made from values with derivatives binds (``with Ctx(x * y) as v``), once, without the
other problems of the same statements (no rule for the context's class, its ``__enter__``)."""

from __future__ import annotations

import inspect
from typing import Any, Dict, List, Optional, Set, Tuple

from .. import runtime
from .. import syntax as S
from ..errors import TangentLiteError, UnsupportedConstructError
from ..frontend.anf import Wengert, is_tangent_lite_own
from ..frontend.lowering.statements import KNOWN_CONTEXTS
from ..frontend.sequences import _assignments
from ..syntax import gast
from ..syntax.annotations import Key, get_anno
from .callees import is_user_class, is_user_function, user_function
from .held_objects import HeldObjects, picks
from .mutations import HiddenChange, _writes_to_parameters
from .object_writes import _bind_args, class_writes, function_writes
from .scopes import static_attr
from .statements import assignments, is_local, local_names

ENTER, EXIT = "__enter__", "__exit__"


def marker(stmt: Any) -> Optional[str]:
    """``ENTER`` / ``EXIT`` for the marker statements of a with block, else None."""
    value = getattr(stmt, "value", None)
    if not isinstance(stmt, (gast.Expr, gast.Assign)) or not isinstance(value, gast.Call):
        return None
    func = value.func
    if not (isinstance(func, gast.Attribute) and isinstance(func.value, gast.Name)):
        return None
    if func.attr == ENTER and not value.args and isinstance(stmt, gast.Expr) or (
            func.attr == ENTER and not value.args and isinstance(stmt.targets[0], gast.Name)):
        return ENTER
    if func.attr == EXIT and isinstance(stmt, gast.Expr) and len(value.args) == 3:
        return EXIT
    return None


def context_of(stmt: Any) -> str:
    """The name of the context manager a marker enters or leaves."""
    return stmt.value.func.value.id


class Contexts:
    """The with statements of one Wengert form: for each marker, the statements that made its
    context (its making first, then the run-time check around it and renames)."""

    def __init__(self, w: Wengert):
        self.w = w
        self.made = {st.targets[0].id: st for st in assignments(w.fdef.body)
                     if isinstance(st, gast.Assign) and isinstance(st.targets[0], gast.Name)}
        self.markers = [st for st in _assignments(w.fdef.body) if marker(st) is not None]
        self.chains = {id(st): self.chain_of(context_of(st)) for st in self.markers}

    def chain_of(self, name: str) -> List[Any]:
        """The statements that made the object ``name`` holds (its making first; through the
        run-time check around a context and renames)."""
        chain: List[Any] = []
        while name in self.made and all(st is not self.made[name] for st in chain):
            st = self.made[name]
            chain.insert(0, st)
            value = st.value
            if isinstance(value, gast.Call) and get_anno(value, Key.CALLEE) is runtime.no_swallow \
                    and value.args and isinstance(value.args[0], gast.Name):
                name = value.args[0].id
            elif is_local(value):
                name = value.id
            else:
                break
        return chain

    def creation(self, stmt: Any) -> Optional[Any]:
        """The call that made the context of the marker ``stmt`` (None: not made here by a call)."""
        chain = self.chains[id(stmt)]
        value = chain[0].value if chain else None
        return value if isinstance(value, gast.Call) and get_anno(value, Key.CALLEE) is not runtime.no_swallow \
            else None

    def making(self) -> Set[int]:
        """The statements that make contexts of with statements (their reads serve no derivative)."""
        return {id(st) for chain in self.chains.values() for st in chain}


def hidden_changes(w: Wengert) -> Tuple[Dict[int, List[HiddenChange]], Set[int], Set[int]]:
    """(id of a statement -> the in-place changes of the caller's variables it makes through a user
    object's methods: every with marker, every call of a user class, every method call on an
    object a user class made in the function; the statements that make the with statements'
    contexts; the method calls among them, which are also checked like any call).  An object the
    function reaches other than by the name it was made into (an item, an attribute, a loop
    variable, a helper's result) may be any object :class:`.held_objects.HeldObjects` finds it may
    hold: the methods of each are read."""
    contexts = Contexts(w)
    held = HeldObjects(w.fdef.body)
    out: Dict[int, List[HiddenChange]] = {}
    for st in contexts.markers:
        call = contexts.creation(st)
        if call is not None and _makes_itself(get_anno(call, Key.CALLEE)):
            out[id(st)] = _context_changes(call, marker(st), w)
        else:  # reached through an entry, an attribute, a loop variable, a helper...: what may have made it
            makings = [m for m in held.makings(context_of(st)) if m is not call]
            makings += [call] if call is not None and not picks(get_anno(call, Key.CALLEE)) else []
            changes = [c if made is call else _reached(c, w, contexts, held, context_of(st), made)
                       for made in makings for c in _context_changes(made, marker(st), w)]
            out[id(st)] = sorted(changes, key=lambda c: c.how == "unknown")  # (what is known first)
            for made in held.makings(context_of(st)):
                _guard_methods(w, get_anno(made, Key.CALLEE))
        if not any(_is_check(s.value) for s in contexts.chains[id(st)]):  # o.__exit__(...) called, no with
            out[id(st)] = [c._replace(role="method") if c.role == "context" else c for c in out[id(st)]]
    for st in _assignments(w.fdef.body):
        call = getattr(st, "value", None)
        if isinstance(st, (gast.Assign, gast.Expr)) and isinstance(call, gast.Call) and id(st) not in out \
                and is_user_class(get_anno(call, Key.CALLEE)):
            out[id(st)] = _class_changes(get_anno(call, Key.CALLEE), call, "__init__", "call")
            _guard_methods(w, get_anno(call, Key.CALLEE))
    for st in contexts.markers:
        call = contexts.creation(st)
        if call is not None:
            _guard_methods(w, get_anno(call, Key.CALLEE))
    methods: Set[int] = set()
    for st in _assignments(w.fdef.body):  # o.m(...) on an object a class of the user's made here
        call = getattr(st, "value", None)
        callee = get_anno(call, Key.CALLEE) if isinstance(call, gast.Call) else None
        if id(st) in out or not (isinstance(callee, tuple) and callee[0] == "method") \
                or not isinstance(call.func.value, gast.Name):
            continue
        receiver = call.func.value.id
        chain = contexts.chain_of(receiver)
        made = chain[0].value if chain else None
        if isinstance(made, gast.Call) and is_user_class(get_anno(made, Key.CALLEE)):
            out[id(st)] = _class_changes(get_anno(made, Key.CALLEE), made, callee[1], "method")
            methods.add(id(st))
        elif not isinstance(made, (gast.List, gast.Tuple, gast.Dict, gast.Set)):  # (a container's own method)
            # reached through an entry, an attribute, a helper...: what may have made it
            changes = [_reached(c, w, contexts, held, receiver, m) for m in held.makings(receiver)
                       if is_user_class(get_anno(m, Key.CALLEE))
                       for c in _class_changes(get_anno(m, Key.CALLEE), m, callee[1], "method")]
            if changes:
                out[id(st)] = changes
                methods.add(id(st))
    return out, contexts.making(), methods


def _makes_itself(callee: Any) -> bool:
    """A call that makes the object it returns, whose methods are read (a class of the user's code, a
    ``@contextmanager`` generator of the user's code), or a known context: not a helper, a method, a
    builtin that may return an object made elsewhere (``L.pop()``, ``next(it)``)."""
    return is_user_class(callee) or is_user_function(getattr(callee, "__wrapped__", None)) \
        or any(callee is k for k in KNOWN_CONTEXTS) or is_tangent_lite_own(callee)


def _is_check(value: Any) -> bool:
    """The run-time check a with statement puts around its context (``_tl.no_swallow(...)``)."""
    return isinstance(value, gast.Call) and get_anno(value, Key.CALLEE) is runtime.no_swallow


def _reached(change: HiddenChange, w: Wengert, contexts: Contexts, held: HeldObjects, name: str,
             made: Any) -> HiddenChange:
    """``change``, made by the object ``name`` holds if it is the one the call ``made`` made: its
    message says so, and names the changed variable as written where the object was made."""
    shown = getattr(w, "display_names", {})
    label = shown.get(name)
    for st in contexts.chain_of(name)[::-1]:  # the run-time check around a context names it as written
        value = st.value
        if label is None and isinstance(value, gast.Call) and get_anno(value, Key.CALLEE) is runtime.no_swallow \
                and len(value.args) == 3 and isinstance(value.args[2], gast.Constant) \
                and value.args[2].value != "the context":
            label = value.args[2].value
        if label is None and isinstance(st.targets[0], gast.Name):
            label = shown.get(st.targets[0].id)
    where = w.src.location(held.statement.get(id(made), made))
    spelled = S.dotted_name(made.func) or "a call"
    what = f"'{label}'" if label else "this object"
    return change._replace(via=f"{what} may be the object '{spelled}(...)' made at line {where.lineno}",
                           line=where.text)


def _guard_methods(w: Wengert, obj: Any) -> None:
    """Guard the code of the methods of the user's class ``obj`` and of the functions of their
    module they call (or of the generator a ``@contextmanager`` wraps), which were read: a
    derivative kept on disk is made again after an edit of them (the class itself is guarded
    by name only)."""
    if w.guards is None:
        return
    path = next((k for k, v in w.guards.items() if v is obj), None)
    if path is None:
        return
    where, name, attrs = path
    if not is_user_class(obj):
        generator = getattr(obj, "__wrapped__", None)
        if is_user_function(generator) and not is_user_function(obj):
            w.guards.setdefault((where, name, attrs + ("__wrapped__", "__code__")), generator.__code__)
        return
    for attr in sorted({a for c in obj.__mro__[:-1] for a in vars(c)}):
        fn = getattr(static_attr(obj, attr), "__func__", static_attr(obj, attr))
        if not (inspect.isfunction(fn) and is_user_function(fn)):
            continue
        w.guards.setdefault((where, name, attrs + (attr, "__code__")), fn.__code__)
        for helper in fn.__code__.co_names:  # the functions of its module it calls
            called = fn.__globals__.get(helper)
            if inspect.isfunction(called) and is_user_function(called):
                w.guards.setdefault((where, name, attrs + (attr, f"<global>{helper}", "__code__")), called.__code__)


def quiet_exits(w: Wengert, changes: Dict[int, List[HiddenChange]]) -> Set[int]:
    """The exit markers whose context is known not to change anything it was given there: their
    reading of the context does not count as a read of what it holds (a constant context's value
    changed in place in the block is not seen by derivatives through it)."""
    contexts = Contexts(w)
    return {id(st) for st in contexts.markers if marker(st) == EXIT and contexts.creation(st) is not None
            and not changes.get(id(st))}


def _context_changes(call: Optional[Any], which: Optional[str], w: Wengert) -> List[HiddenChange]:
    """What the method ``which`` (``__enter__``, ``__exit__``) of the context ``call`` made changes."""
    if call is None:
        return []  # (a context passed in, or an attribute: nothing of the caller's is known to it)
    callee = get_anno(call, Key.CALLEE)
    if is_user_class(callee):
        return _class_changes(callee, call, which, "context")
    known = any(callee is k for k in KNOWN_CONTEXTS) or is_tangent_lite_own(callee) \
        or str(getattr(callee, "__module__", "")).startswith("tangent_lite")
    atoms = [a for _, exprs in _all_args(call) for a in exprs if is_local(a)]
    if known or not atoms or which != EXIT:
        return []
    generator = getattr(callee, "__wrapped__", None)
    if inspect.isgeneratorfunction(generator) and is_user_function(generator) and not is_user_function(callee):
        fn = user_function(generator)  # a @contextlib.contextmanager generator: its writes, at either marker
        who = f"the generator '{fn.__qualname__.rsplit('<locals>.', 1)[-1]}'"
        bound = dict(_bind_args(fn, call, skip_self=False))
        writes = [(w.param, w.how, _at(w.where)) for w in function_writes(fn)]
        writes += [(param, how, "") for param, how in sorted(_writes_to_parameters(fn).items())]
        return [HiddenChange(a, param, how, who, at, "context", S.dotted_name(call.func) or fn.__name__)
                for param, how, at in writes
                for a in ([a for v in bound.values() for a in v] if param == "*" else bound.get(param, []))
                if is_local(a)]
    spelled = S.dotted_name(call.func) or getattr(callee, "__qualname__", None) or "the context"
    return [HiddenChange(a, "?", "unknown", f"'{spelled}(...)'", "", "context", spelled) for a in atoms]


def _class_changes(cls: type, call: Any, which: Optional[str], role: str) -> List[HiddenChange]:
    init = static_attr(cls, "__init__")
    bound = dict(_bind_args(getattr(init, "__func__", init), call, skip_self=True))
    out = []
    for write in class_writes(cls):
        if write.entry != which:
            continue
        exprs = [a for v in bound.values() for a in v] if write.param == "*" else bound.get(write.param, [])
        at = _at(write.where)
        for a in exprs:
            if is_local(a):
                out.append(HiddenChange(a, write.param, write.how, f"'{write.method}'", at, role,
                                        S.dotted_name(call.func) or cls.__name__))
    return out


def _at(where: Any) -> str:
    if where is None:
        return " (its source cannot be read: it may change any argument)"
    return f" at {where} ({where.text.strip()})"


def _all_args(call: Any) -> List[Tuple[Optional[str], List[Any]]]:
    return [(None, [a.value if isinstance(a, gast.Starred) else a]) for a in call.args] + \
        [(k.arg, [k.value]) for k in call.keywords]


def entered_value_errors(w: Wengert, varied: Set[str]) -> Tuple[List[TangentLiteError], Set[int]]:
    """``with Ctx(x * y) as v``: the value ``__enter__`` returns is read as a constant, so a
    context made from values with derivatives is refused where its value is bound; and the
    statements that make, enter and leave it, which say nothing more (no rule for ``Ctx``, for
    ``.__enter__(...)``; cannot tell what an unknown context does), are not refused again (their ids)."""
    contexts = Contexts(w)
    errors: List[TangentLiteError] = []
    skip: Set[int] = set()
    for st in contexts.markers:
        chain = contexts.chains[id(st)]
        if marker(st) != ENTER or not isinstance(st, gast.Assign) or not chain \
                or not local_names(chain[0].value) & varied:
            continue
        errors.append(UnsupportedConstructError(
            "the value this with statement binds ('as ...') comes from a context made from values that carry "
            "derivatives, and derivatives do not follow a value through a context's __enter__",
            w.src.location(st),
            "compute the value before the with statement and use it inside it (v = x * y; with ctx: ...)"))
        skip |= {id(s) for s in chain} | {id(st)}
        skip |= {id(e) for e in contexts.markers if marker(e) == EXIT and context_of(e) == context_of(st)}
    return errors, skip
