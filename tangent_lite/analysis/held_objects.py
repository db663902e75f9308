"""The calls that may have made the object a variable of a Wengert form holds, however the
function reached it: through a list, tuple or dict entry, an attribute of another object, a loop
variable, unpacking, a helper's result::

    ctxs = [Doubling(y)]         _t0 = Doubling(y)          (a making: found)
    with ctxs[0]:           ==>  ctxs = [_t0]
        ...                      _t1 = ctxs[0]              (the context: '_t1' may hold what 'ctxs' holds)

Read flow-insensitively and over-approximated: a variable may hold whatever was assigned to it, stored
into it (``L[0] = v``, ``h.c = v``, ``L.append(v)``, a helper given it and ``v``), or into a variable
that may be (a part of) the same object (``M = L``; ``M.append(v)``), and whatever the values it was
computed from hold.  :func:`.contexts.hidden_changes` reads the methods of every class of the user's
code (and every helper, every ``@contextmanager`` generator) that may have made a context or an
object whose method is called, when the making is not the plain one it sees by name."""

from __future__ import annotations

import inspect
from typing import Any, Dict, List, Set

from .. import runtime
from .. import syntax as S
from ..frontend.anf import is_tangent_lite_own
from ..frontend.lowering.statements import KNOWN_CONTEXTS
from ..syntax import gast
from ..syntax.annotations import Key, get_anno
from .callees import is_user_class, is_user_function
from .statements import is_local, local_names

_PARTS = (gast.Name, gast.Subscript, gast.Attribute, gast.Starred)  # a value that is (a part of) another


def root(node: Any) -> Any:
    """The variable an item, attribute or starred expression is taken from (``L`` of ``L[0].a``)."""
    while isinstance(node, (gast.Subscript, gast.Attribute, gast.Starred)):
        node = node.value
    return node


def is_making(callee: Any) -> bool:
    """A call that may make an object whose methods change what it is given: a class of the
    user's code, a helper of the user's code, a ``@contextmanager`` generator of the user's code,
    a class of another library that is not a known harmless context."""
    if is_user_class(callee) or is_user_function(callee):
        return True
    if is_user_function(getattr(callee, "__wrapped__", None)):
        return True
    return inspect.isclass(callee) and not any(callee is k for k in KNOWN_CONTEXTS) \
        and not is_tangent_lite_own(callee) \
        and str(getattr(callee, "__module__", "")).split(".")[0] not in ("builtins", "numpy", "tangent_lite")


def picks(callee: Any) -> bool:
    """A method or a builtin function (``L.pop()``, ``d.get(k)``, ``next(it)``, ``getattr(o, name)``):
    what it returns is an object its arguments hold (found through them), made nowhere else."""
    return isinstance(callee, tuple) or getattr(callee, "__module__", None) == "builtins"


class HeldObjects:
    """For each variable of a Wengert form, the expressions whose objects it may hold."""

    def __init__(self, body: List[Any]):
        self.feeds: Dict[str, List[Any]] = {}  # name -> the expressions whose objects it may hold
        self.sharers: Dict[str, Set[str]] = {}  # name -> the names that may be (a part of) its object
        self.statement: Dict[int, Any] = {}  # id of a call -> the statement it is the value of
        self._known: Dict[str, List[Any]] = {}  # name -> its makings (asked again for each use)
        self._read(body)

    def _feed(self, name: str, value: Any) -> None:
        self.feeds.setdefault(name, []).append(value)

    def _read(self, body: List[Any]) -> None:
        for st in body:
            if isinstance(st, gast.For):
                for target in S.walk(st.target):
                    if isinstance(target, gast.Name):
                        self._feed(target.id, st.iter)
            if isinstance(st, (gast.For, gast.While, gast.If)):
                self._read(st.body + st.orelse)
                continue
            value = getattr(st, "value", None)
            self.statement[id(value)] = st
            if isinstance(st, gast.Assign):
                for target in st.targets:
                    for part in S.walk(target):  # (a, b = ..., L[i] = ..., h.c = ...)
                        base = root(part) if isinstance(part, _PARTS) else None
                        if is_local(base) and isinstance(getattr(part, "ctx", None), gast.Store):
                            self._feed(base.id, value)
                    base = root(value) if isinstance(value, _PARTS) else None
                    if isinstance(target, gast.Name) and is_local(base):  # a view, an item, a rename
                        self.sharers.setdefault(base.id, set()).add(target.id)
            if isinstance(st, (gast.Assign, gast.Expr)) and isinstance(value, gast.Call):
                callee = get_anno(value, Key.CALLEE)
                if isinstance(callee, tuple) or is_user_function(callee) or isinstance(st, gast.Expr):
                    # a method, a helper, a call for what it does: may store its arguments into one another
                    given = ([value.func] if isinstance(callee, tuple) else []) + list(value.args) \
                        + [k.value for k in value.keywords]
                    for atom in given:
                        base = root(atom)
                        if is_local(base):
                            self._feed(base.id, value)

    def makings(self, name: str) -> List[Any]:
        """The calls (of :func:`is_making`) that may have made an object ``name`` holds or reaches."""
        if name not in self._known:
            self._known[name] = self._makings(name)
        return self._known[name]

    def _makings(self, name: str) -> List[Any]:
        out: List[Any] = []
        seen: Set[str] = set()
        todo = [name]
        while todo:
            n = todo.pop()
            if n in seen:
                continue
            seen.add(n)
            todo.extend(self.sharers.get(n, ()))  # (what is stored through a view of it is stored in it)
            for value in self.feeds.get(n, []):
                for node in _flowing(value):
                    if isinstance(node, gast.Call):
                        if all(node is not m for m in out):
                            out.append(node)
                    else:
                        todo.append(node)
        return out


def _flowing(value: Any) -> List[Any]:
    """The makings (calls) and the variables (names) whose objects the value of ``value`` may hold."""
    out: List[Any] = []
    todo = [value]
    while todo:
        node = todo.pop()
        if isinstance(node, gast.Call):
            callee = get_anno(node, Key.CALLEE)
            if callee is runtime.no_swallow:
                todo.extend(node.args[:1])
                continue
            if any(callee is k for k in KNOWN_CONTEXTS) or is_tangent_lite_own(callee):
                continue
            if is_making(callee):
                out.append(node)
            todo.extend([node.func] if isinstance(callee, tuple) else [])
            todo.extend(node.args)
            todo.extend(k.value for k in node.keywords)
        else:
            out.extend(local_names(node))
    return out
