"""The scopes of a function's source (itself, its nested defs and lambdas): which names each
binds, which it declares ``global`` or ``nonlocal``, and where a name read in one of them
lives (:func:`function_scopes`, :meth:`Scope.owner`).  Used by :mod:`.outside_writes`,
which must tell a local list from a module-level one::

    def f(x):               # scope f: binds x, g, buf
        buf = [0.0]
        def g(v):           # scope g (parent f): binds v; 'buf' lives in f, 'LOG' outside
            buf[0] = v
            LOG.append(1)
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Set

from ..syntax import gast

_NESTED = (gast.FunctionDef, gast.AsyncFunctionDef, gast.Lambda, gast.ClassDef)


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
            if isinstance(current, _NESTED) and current is not node:
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
