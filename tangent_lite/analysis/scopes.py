"""The scopes of a function's source (itself, its nested defs and lambdas): which names each
binds, which it declares ``global`` or ``nonlocal``, and where a name read in one of them
lives (:func:`function_scopes`, :meth:`Scope.owner`); and what names and attributes stand for
without running the function (:func:`namespace_value`, :func:`static_attr`).  Used by :mod:`.outside_writes`,
which must tell a local list from a module-level one::

    def f(x):               # scope f: binds x, g, buf
        buf = [0.0]
        def g(v):           # scope g (parent f): binds v; 'buf' lives in f, 'LOG' outside
            buf[0] = v
            LOG.append(1)
"""

from __future__ import annotations

import builtins
import inspect
import types
from typing import Any, Callable, Dict, List, Optional, Set

import numpy as np

from ..syntax import gast

NESTED = (gast.FunctionDef, gast.AsyncFunctionDef, gast.Lambda, gast.ClassDef)
MISSING = object()  # what static_attr and namespace_value give for what they cannot know
# methods whose result shares memory with the receiver (what is written through it changes the receiver)
VIEW_METHODS = frozenset({"reshape", "ravel", "view", "transpose", "squeeze", "swapaxes", "get", "setdefault"})


class Scope:
    """One function (or lambda) of the source: its parameters, the names it binds, its
    ``global``/``nonlocal`` declarations, the nodes that belong to it (not to its nested
    scopes) and the scopes nested in it."""

    def __init__(self, node: Any, parent: Optional[Scope]):
        self.node = node
        self.parent = parent
        self.params: List[str] = _params(node.args)
        self.nodes: List[Any] = []
        self.children: List[Scope] = []
        self.declared_global: Set[str] = set()
        self.declared_nonlocal: Set[str] = set()
        body = [node.body] if isinstance(node, gast.Lambda) else node.body
        todo = list(body)
        bound: Set[str] = set(self.params)
        while todo:
            current = todo.pop()
            self.nodes.append(current)
            if isinstance(current, gast.Global):
                self.declared_global.update(current.names)
            elif isinstance(current, gast.Nonlocal):
                self.declared_nonlocal.update(current.names)
            elif isinstance(current, gast.Name) and not isinstance(current.ctx, gast.Load):
                bound.add(current.id)
            elif isinstance(current, gast.alias):
                bound.add((current.asname or current.name).split(".")[0])
            if isinstance(current, NESTED) and current is not node:
                if not isinstance(current, gast.Lambda):
                    bound.add(current.name)
                todo.extend(_defaults(current.args) if hasattr(current, "args") else [])
                todo.extend(getattr(current, "decorator_list", []))
                if not isinstance(current, gast.ClassDef):  # (a class body: not followed)
                    self.children.append(Scope(current, self))
                continue
            for field in current._fields:
                value = getattr(current, field, None)
                if isinstance(value, list):
                    todo.extend(v for v in value if isinstance(v, gast.AST))
                elif isinstance(value, gast.AST):
                    todo.append(value)
        self.bound = bound - self.declared_global - self.declared_nonlocal

    def owner(self, name: str) -> Optional[Scope]:
        """The scope of the source where ``name`` (read here) lives, or None: outside the
        function (a module-level name, a closure cell of the function, a builtin)."""
        if name in self.declared_global:
            return None
        scope: Optional[Scope] = self if name not in self.declared_nonlocal else self.parent
        while scope is not None:
            if name in scope.bound:
                return scope
            if name in scope.declared_global:
                return None
            scope = scope.parent
        return None

    def all(self) -> List[Scope]:
        out = [self]
        for child in self.children:
            out += child.all()
        return out


def _params(args: Any) -> List[str]:
    names = [a.id for a in list(getattr(args, "posonlyargs", []) or []) + list(args.args) + list(args.kwonlyargs)]
    for extra in (args.vararg, args.kwarg):
        if extra is not None:
            names.append(extra.id if isinstance(extra, gast.Name) else extra.arg)
    return names


def _defaults(args: Any) -> List[Any]:
    return [d for d in list(args.defaults) + list(args.kw_defaults) if d is not None]


def function_scopes(fdef: Any) -> Dict[int, Scope]:
    """Every scope of ``fdef`` (a gast FunctionDef), by ``id`` of its node."""
    return {id(s.node): s for s in Scope(fdef, None).all()}


def own_nodes(st: Any) -> List[Any]:
    """The nodes of a statement (or an expression) that are not in its blocks or in a nested
    function, a lambda or a class."""
    out, todo = [], [st]
    while todo:
        node = todo.pop()
        out.append(node)
        if isinstance(node, NESTED):
            continue
        for field in node._fields:
            if node is st and field in ("body", "orelse", "finalbody", "handlers"):
                continue
            value = getattr(node, field, None)
            if isinstance(value, list):
                todo.extend(v for v in value if isinstance(v, gast.AST))
            elif isinstance(value, gast.AST):
                todo.append(value)
    return out


def chain_root(e: Any, namespace: Optional[Callable[[Any], bool]] = None) -> Optional[Any]:
    """The name at the root of an attribute, index or view chain (``B.arr[0]``, ``G.reshape(3)``).
    ``namespace(receiver)``: is the receiver of ``receiver.reshape(...)`` a module (``np.reshape(G, 3)``,
    whose memory is its first argument's, not the module's)."""
    while True:
        if isinstance(e, (gast.Subscript, gast.Attribute)):
            e = e.value
        elif isinstance(e, gast.Call) and isinstance(e.func, gast.Attribute) and e.func.attr in VIEW_METHODS:
            if namespace is not None and namespace(e.func.value):
                if not e.args or isinstance(e.args[0], gast.Starred):
                    return None
                e = e.args[0]
            else:
                e = e.func.value
        else:
            return e if isinstance(e, gast.Name) else None


def static_attr(obj: Any, name: str) -> Any:
    """``getattr(obj, name)`` without running user code (properties, ``__getattr__``)."""
    if isinstance(obj, (types.ModuleType, np.ufunc, np.ndarray, list, dict, set)):
        return getattr(obj, name, MISSING)
    try:
        found = inspect.getattr_static(obj, name)
    except AttributeError:
        return MISSING
    if isinstance(found, staticmethod):
        return found.__func__
    if isinstance(found, classmethod):
        return types.MethodType(found.__func__, obj if isinstance(obj, type) else type(obj))
    if isinstance(found, types.FunctionType) and not isinstance(obj, type):
        return types.MethodType(found, obj)
    if isinstance(found, property):
        return MISSING
    return found


def namespace_value(fn: Any, where: str, name: str) -> Any:
    """The value of a free name of ``fn``: its closure cell ("cell"), else its global or a builtin."""
    if where == "cell":
        code = fn.__code__
        try:
            return fn.__closure__[code.co_freevars.index(name)].cell_contents
        except (ValueError, TypeError, IndexError):
            return MISSING
    value = getattr(fn, "__globals__", {}).get(name, MISSING)
    return getattr(builtins, name, MISSING) if value is MISSING else value
