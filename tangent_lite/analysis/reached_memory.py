"""Which memory that is not local to a call an expression reaches, when a function's source is
read (:class:`Reach`, for :mod:`.outside_writes`): a module-level name or an attribute of one
(``G``, ``B.arr``), a closure cell, a helper's default argument, and what aliases them::

    a = G                   # a local name for the module-level G
    arr = get_g()           # a user function returning G (return G)
    getattr(B, 'arr')[0]    # vars(B)['v'], globals()['X'], operator.getitem(G, 0)
    s = [G]; s[0][0]        # a local list holding G: its items are G, the list itself is local
    lambda v, acc=C: ...    # a nested def's or lambda's default value
"""

from __future__ import annotations

import copy
import operator
import types
from dataclasses import dataclass
from typing import Any, Dict, Optional, Set, Tuple

import numpy as np

from .. import syntax as S
from ..rules.registry import REGISTRY
from ..syntax import gast
from .aliases import copying_index, fresh_callee
from .callees import is_user_function, user_function
from .scopes import MISSING, VIEW_METHODS, Scope, chain_root, static_attr

_MISSING = MISSING
Path = Tuple[str, str, Tuple[str, ...]]  # a guard path (guards.Guard: where, name, path)
_COLLECTING = frozenset({"append", "appendleft", "insert", "add", "setdefault"})  # methods storing an item
_FILLING = frozenset({"extend", "extendleft", "update"})  # methods storing the items of their arguments
_CONTAINER_BUILDERS = frozenset({list, tuple, dict, set, frozenset, sorted, reversed})
MAX_FUNCTIONS = 200  # functions read per differentiated function (then: not followed further)


# array methods whose result is a new array (or a number), never the receiver or a view of it
_NEW_ARRAY_METHODS = frozenset({
    "sum", "mean", "prod", "max", "min", "std", "var", "cumsum", "cumprod", "dot", "clip", "round", "all", "any",
    "argmax", "argmin", "argsort", "nonzero", "trace", "repeat", "take", "flatten", "tolist", "item", "ptp",
    "compress", "searchsorted", "copy", "astype",
})


def makes_new_array(name: str, call: Any, receiver: Any) -> bool:
    """Does ``receiver.name(...)`` (the ``call``) return a new object that shares no memory with
    the receiver?  (``copy`` of a list or dict: a new container holding the same items.)"""
    if name == "copy":
        return not isinstance(receiver, (list, dict))
    if name == "astype":
        return not any(k.arg == "copy" and isinstance(k.value, gast.Constant) and k.value.value is False
                       for k in call.keywords)
    return name in _NEW_ARRAY_METHODS


@dataclass(frozen=True)
class Bound:
    """What a parameter of a function being read is bound to at the call followed."""

    varied: bool = False
    outside: Optional[Tuple[str, str]] = None  # non-local memory: (as the caller spells it, its kind)
    obj: Any = _MISSING  # the object, when known (a function passed, an object whose methods are called)
    path: Optional[Path] = None  # its guard path from the differentiated function, when known


class Reach:
    """The part of a function body's reading (:class:`.outside_writes._Body`) that finds the
    non-local memory an expression reaches; the body provides ``scanner``, ``bounds``,
    ``root``, ``freevars``, ``aliases``, ``holders``, ``resolve``, ``_key``, ``_bind_call``."""

    scanner: Any
    bounds: Dict[str, Bound]
    root: Scope
    freevars: Set[str]
    aliases: Dict[Tuple[int, str], Tuple[str, str]]
    holders: Set[Tuple[int, str]]

    def resolve(self, e: Any, scope: Scope) -> Tuple[Any, Optional[Path]]:
        raise NotImplementedError

    def _key(self, name: str, scope: Scope) -> Optional[Tuple[int, str]]:
        raise NotImplementedError

    def _bind_call(self, fn: Any, call: Any, scope: Scope, receiver: Optional[Bound]) -> Dict[str, Bound]:
        raise NotImplementedError

    def root_of(self, e: Any, scope: Scope) -> Optional[Any]:
        """:func:`chain_root` of ``e``, where ``np.reshape(G, 3)`` is rooted at ``G``, not at ``np``."""
        return chain_root(e, lambda receiver: isinstance(self.resolve(receiver, scope)[0], types.ModuleType))

    def aliased(self, value: Any, scope: Scope, items: bool) -> Tuple[Optional[Tuple[str, str]], bool]:
        """(the non-local memory a name bound to ``value`` reaches, whether the name is a local
        container holding it: ``s = [G]``, ``list(G)`` (G's rows), ``dict(k=G)``, ``s + [G]``, whose
        items, not itself, are that memory); ``items``: the name is bound to the items of ``value``
        (a for loop)."""
        held = self.held(value, scope)
        if held is not None:
            return held, not items
        if isinstance(value, (gast.List, gast.Tuple, gast.Set, gast.Dict, gast.BinOp)) or self._container_call(
                value, scope):
            return None, False
        key = self._key(value.id, scope) if isinstance(value, gast.Name) else None
        if key is not None and key in self.holders and key in self.aliases:
            return self.aliases[key], not items
        return self.outside(value, scope), False

    def held(self, value: Any, scope: Scope) -> Optional[Tuple[str, str]]:
        """The non-local memory among the items of a new container ``value``: a display
        (``[G]``, ``{'k': G, **d}``), a constructor of its items (``list(t)``, ``dict(k=G)``,
        ``tuple(G)``: G's rows), ``+``/``*`` of lists; None when it holds none (or is no container)."""
        if isinstance(value, (gast.List, gast.Tuple, gast.Set, gast.Dict)):
            parts = [v for v in (value.values if isinstance(value, gast.Dict) else value.elts) if v is not None]
        elif isinstance(value, gast.BinOp) and isinstance(value.op, (gast.Add, gast.Mult, gast.BitOr)):
            parts = [value.left, value.right]  # (LST + [], DEF | {}: a new list or dict of the same items)
            return next((w for w in (self._holder_of(p, scope) or self._container_items(p, scope) for p in parts)
                         if w is not None), None)
        elif isinstance(value, (gast.ListComp, gast.GeneratorExp)) and len(value.generators) == 1 \
                and isinstance(value.elt, gast.Name) and isinstance(value.generators[0].target, gast.Name) \
                and value.elt.id == value.generators[0].target.id:  # [e for e in LST]: LST's items
            it = value.generators[0].iter
            return self._holder_of(it, scope) or self._container_items(it, scope)
        elif isinstance(value, gast.Call) and len(value.args) == 1 and not value.keywords \
                and self.resolve(value.func, scope)[0] is copy.copy:  # copy.copy(DEF): DEF's items
            return self._holder_of(value.args[0], scope) or self._container_items(value.args[0], scope)
        elif isinstance(value, gast.Call) and isinstance(value.func, gast.Attribute) and value.func.attr == "copy" \
                and not value.args and isinstance(self.resolve(value.func.value, scope)[0], (list, dict)):
            return self.outside(value.func.value, scope) or self._holder_of(value.func.value, scope)  # D.copy()
        elif self._container_call(value, scope):
            return next((w for w in (self.outside(p, scope) or self._holder_of(p, scope)
                                     for p in list(value.args) + [k.value for k in value.keywords]) if w is not None),
                        None)
        else:
            return None
        for item in parts:
            item = item.value if isinstance(item, gast.Starred) else item
            where = self.outside(item, scope) or self._holder_of(item, scope)
            if where is not None:
                return where
        return None

    def _container_items(self, e: Any, scope: Scope) -> Optional[Tuple[str, str]]:
        """The non-local memory ``e`` is when it is a list, tuple or dict (whose items a shallow copy
        of it shares); None for an array or a number (``G + 1.0`` is a new array)."""
        obj = self.resolve(e, scope)[0] if isinstance(e, (gast.Name, gast.Attribute)) else None
        return self.outside(e, scope) if isinstance(obj, (list, tuple, dict)) else None

    def _holder_of(self, e: Any, scope: Scope) -> Optional[Tuple[str, str]]:
        """The non-local memory ``e`` holds as items when it is a local container holding some."""
        held = self.held(e, scope)
        if held is not None or not isinstance(e, gast.Name):
            return held
        key = self._key(e.id, scope)
        return self.aliases.get(key) if key is not None and key in self.holders else None

    def _container_call(self, value: Any, scope: Scope) -> bool:
        """``list(...)``, ``tuple(...)``, ``dict(...)``, ``set(...)``, ``sorted(...)``, ``reversed(...)``."""
        if not isinstance(value, gast.Call) or any(isinstance(a, gast.Starred) for a in value.args):
            return False
        callee, _ = self.resolve(value.func, scope)
        try:
            return callee in _CONTAINER_BUILDERS
        except TypeError:
            return False

    def collected(self, node: Any, scope: Scope) -> None:
        """A local container made to hold non-local memory after it is built: ``s[0] = G``,
        ``s.append(G)``, ``s.insert(0, G)``, ``s.extend([G])``, ``d.update(k=G)``, ``s += [G]``
        (its items are that memory from then on)."""
        if isinstance(node, gast.Assign):
            pairs = [(t.value, node.value, "item") for t in node.targets if isinstance(t, gast.Subscript)]
        elif isinstance(node, gast.AugAssign) and isinstance(node.target, gast.Name):
            pairs = [(node.target, node.value, "aug")]  # (s += [G]; not acc += G, which adds arrays)
        elif isinstance(node, gast.Call) and isinstance(node.func, gast.Attribute) and node.func.attr in _COLLECTING:
            pairs = [(node.func.value, a, "item") for a in node.args]
        elif isinstance(node, gast.Call) and isinstance(node.func, gast.Attribute) and node.func.attr in _FILLING:
            pairs = [(node.func.value, k.value, "item") for k in node.keywords]  # d.update(k=G)
            pairs += [(node.func.value, a, "items") for a in node.args]  # s.extend(t): t's items (G's rows)
        else:
            return
        for container, item, how in pairs:
            root = self.root_of(container, scope)
            key = None if root is None else self._key(root.id, scope)
            if key is None or key in self.aliases:
                continue
            where = self._holder_of(item, scope) or self._container_items(item, scope) if how == "aug" else \
                self.outside(item, scope) or self._holder_of(item, scope)
            if where is not None:
                self.aliases[key] = where
                self.holders.add(key)

    def changes_in_place(self, where: Tuple[str, str], items: bool, scope: Scope) -> bool:
        """Can ``v op= e`` change the memory ``where`` in place (``items``: ``v`` is an item of it)?
        Not when it is known to hold a number (``s = SCALE``, ``r = T[0]``, ``for r in RATES``)."""
        obj, root = reached_object(where[0], lambda e: self.resolve(e, scope)[0])
        return changeable(obj, items) if obj is not MISSING else held_changeable(root)

    def _a_number(self, e: Any, scope: Scope) -> bool:
        """Is ``e`` an entry ``W[k]`` of a module-level (or closure) list, tuple or dict all of whose
        entries are numbers?  (Its entries are looked at again at every call: an array put into
        ``W`` is refused then.  An entry of a 1-D array, a NumPy scalar, is not taken for one: the
        generated code is reused while the name holds an array, whatever its number of axes.)"""
        if not isinstance(e, gast.Subscript) or isinstance(e.slice, gast.Slice) \
                or not isinstance(e.value, (gast.Name, gast.Attribute)) or not S.dotted_name(e.value):
            return False
        root = self.root_of(e.value, scope)
        if root is None or scope.owner(root.id) is not None:
            return False
        container = self.resolve(e.value, scope)[0]
        return isinstance(container, (list, tuple, dict)) and not changeable(container, items=True)

    def entry(self, t: Any, scope: Scope) -> Tuple[Optional[Tuple[str, str]], bool]:
        """(the non-local memory ``p[k] op= e`` changes in place when ``p`` is a local copy of a container
        (``p = dict(DEF)``): the entry (``DEF['w']``) when it is known, else an item of what ``p`` copies;
        whether it is an item of that), or (None, False) when the entry is a number (replaced, as in Python)."""
        where, items = self.outside(t, scope), True
        if where is None or where[1] == "default":
            return where, items
        if isinstance(t.slice, gast.Constant):
            entry = (f"{where[0]}[{t.slice.value!r}]", where[1])
            if reached_object(entry[0], lambda e: self.resolve(e, scope)[0])[0] is not MISSING:
                where, items = entry, False
        return (where, items) if self.changes_in_place(where, items, scope) else (None, False)

    def default_aliases(self, child: Scope) -> None:
        args = child.node.args
        positional = list(getattr(args, "posonlyargs", []) or []) + list(args.args)
        pairs = list(zip(positional[len(positional) - len(args.defaults):], args.defaults))
        pairs += [(a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None]
        for param, default in pairs:
            where = self.outside(default, child.parent) if child.parent is not None else None
            if where is not None and isinstance(param, gast.Name):
                self.aliases[(id(child.node), param.id)] = where


    def outside(self, e: Any, scope: Scope) -> Optional[Tuple[str, str]]:
        """(how it is spelled, kind) when ``e`` is memory that is not local to the call."""
        part = e
        while isinstance(part, (gast.Subscript, gast.Attribute)):  # X[IDX]: a copy (an integer array index)
            if isinstance(part, gast.Subscript) and copying_index(part.slice, self._known(part.slice, scope)):
                return None
            part = part.value
        if self._a_number(e, scope):
            return None  # (s = W[k], an entry holding a number: no memory, as s = SCALE)
        root = self.root_of(e, scope)
        if root is None:
            return self._reached(e, scope)
        owner = scope.owner(root.id)
        if owner is None:
            if S.dotted_name(e) and not_memory(self.resolve(e, scope)[0]):
                return None  # (a number, or dict / float passed to a call: no memory)
            return S.to_source(e), ("closure" if root.id in self.freevars else "module")
        b = self.bounds.get(root.id) if owner is self.root else None
        key = (id(owner.node), root.id)
        if b is not None and b.outside is not None:
            where: Optional[Tuple[str, str]] = b.outside
        elif key in self.holders:  # s = [G]: s[0] is G, s itself is local
            return None if e is root else self.aliases.get(key)
        else:
            where = self.aliases.get(key)
        if where is None or where[1] == "default" or e is root:
            return where
        return where[0] + S.to_source(e)[len(root.id):], where[1]  # (self.arr with self = B: 'B.arr')

    def _reached(self, e: Any, scope: Scope) -> Optional[Tuple[str, str]]:
        """Non-local memory reached through what is at the root of an index or attribute chain: a
        call (``getattr(B, 'arr')[0]``, ``vars(B)['v']``, ``globals()['X']``, ``get_g()[0]``, and any
        call not known to make a new array: ``np.asarray(G)``, ``np.ravel(a=G)``, ``reshape(G, 4)``
        imported, ``G.conj()``, ``list(M)[0]``), a conditional (``G if c else H``), a walrus, an
        item of a display (``[G][0]``)."""
        base = e
        while True:
            if isinstance(base, (gast.Subscript, gast.Attribute)):
                base = base.value
            elif isinstance(base, gast.Call) and isinstance(base.func, gast.Attribute) \
                    and base.func.attr in VIEW_METHODS and not self._namespace(base.func.value, scope):
                base = base.func.value
            else:
                break
        if isinstance(base, gast.IfExp):
            where = self.outside(base.body, scope) or self.outside(base.orelse, scope)
        elif isinstance(base, gast.BoolOp):
            where = next((w for w in (self.outside(v, scope) for v in base.values) if w is not None), None)
        elif isinstance(base, gast.NamedExpr):
            where = self.outside(base.value, scope)
        elif isinstance(base, (gast.List, gast.Tuple, gast.Dict, gast.Set)):
            where = self.held(base, scope) if base is not e else None
        elif isinstance(base, gast.Call):
            where = self._called(base, scope)
        else:
            return None
        if where is None or base is e or where[1] == "default":
            return where
        return where[0] + S.to_source(e)[len(S.to_source(base)):], where[1]

    def _known(self, e: Any, scope: Scope) -> Any:
        obj = self.resolve(e, scope)[0] if isinstance(e, (gast.Name, gast.Attribute)) else None
        return None if obj is _MISSING else obj

    def _namespace(self, e: Any, scope: Scope) -> bool:
        return isinstance(self.resolve(e, scope)[0], types.ModuleType)

    def _called(self, call: Any, scope: Scope) -> Optional[Tuple[str, str]]:
        """The non-local memory the result of ``call`` may be (or be a view of)."""
        callee, _ = self.resolve(call.func, scope)
        args = [a for a in call.args if not isinstance(a, gast.Starred)]
        if callee is getattr and args or callee is vars and args or callee is operator.getitem and args:
            where = self.outside(args[0], scope)
            name = args[1] if callee is getattr and len(args) > 1 else None
            if where is not None and where[1] != "default" and isinstance(name, gast.Constant) \
                    and isinstance(name.value, str):
                where = (f"{where[0]}.{name.value}", where[1])
            return where
        if callee is globals:
            return ("globals()", "module")
        function = callee.__func__ if isinstance(callee, types.MethodType) else callee
        if function is not _MISSING and is_user_function(function) and not registered(function):
            return self.returned(call, scope)  # (its source is read)
        method = isinstance(call.func, gast.Attribute) and not self._namespace(call.func.value, scope)
        if method and makes_new_array(call.func.attr, call, self.resolve(call.func.value, scope)[0]):
            return None
        if not method and callee is not _MISSING and not isinstance(callee, type) and fresh_callee(callee):
            return None
        # a view, the argument itself, or unknown: what it is given (its receiver, arguments, keywords)
        parts = ([call.func.value] if method else []) + args + [k.value for k in call.keywords]
        return next((w for w in (self.outside(p, scope) or self._holder_of(p, scope) for p in parts)
                     if w is not None), None)

    def returned(self, call: Any, scope: Scope) -> Optional[Tuple[str, str]]:
        """The non-local memory a call of a user function (or method) returns (``return G``,
        ``return self.arr`` with ``self`` a module-level object), or None."""
        callee, _ = self.resolve(call.func, scope)
        receiver: Optional[Bound] = None
        if isinstance(callee, types.MethodType) and not isinstance(callee.__self__, type):
            spelled = self.outside(call.func.value, scope) if isinstance(call.func, gast.Attribute) else None
            receiver, callee = Bound(False, spelled, callee.__self__), callee.__func__
        if callee is _MISSING or not is_user_function(callee) or registered(callee):
            return None
        fn = user_function(callee)
        bounds = self._bind_call(fn, call, scope, receiver)
        key = (fn.__code__, tuple(sorted((n, b.outside, id(b.obj)) for n, b in bounds.items())))
        if key in self.scanner.returns:
            return self.scanner.returns[key]
        self.scanner.returns[key] = None  # (recursion)
        self.scanner.read += 1
        try:
            if self.scanner.read > MAX_FUNCTIONS:
                return None
            body = type(self)(self.scanner, fn, S.load_function(fn), bounds, None, top=False)
            body.run()  # (its aliases, as they are at its end)
            found = [body.outside(n.value, body.root) for n in body.root.nodes
                     if isinstance(n, gast.Return) and n.value is not None]
        except Exception:  # noqa: BLE001 - no source, or source this reading does not handle: not followed
            return None
        self.scanner.returns[key] = next((w for w in found if w is not None), None)
        return self.scanner.returns[key]


def registered(callee: Any) -> bool:
    try:
        return REGISTRY.get(callee) is not None
    except TypeError:
        return False


# objects no change in place can reach: ``v op= e`` on one makes a new object, as in Python
_IMMUTABLE = (type(None), bool, int, float, complex, str, bytes, range, np.generic, type, types.FunctionType,
              types.BuiltinFunctionType, types.ModuleType)


def not_memory(obj: Any) -> bool:
    """Is ``obj`` (what a module-level name holds) no memory a call could change: a number, a
    string, a builtin function, a builtin or NumPy class (``dict``, ``float`` passed to a call)?"""
    if isinstance(obj, type):
        return obj.__module__ == "builtins" or obj.__module__.split(".")[0] == "numpy"
    return isinstance(obj, (type(None), bool, int, float, complex, str, bytes, range, np.generic,
                            types.BuiltinFunctionType))


def changeable(obj: Any, items: bool = False) -> bool:
    """Can ``v op= e`` change ``obj`` in place (``items``: any item of ``obj``, as ``for v in obj``
    or ``v, w = obj`` bind one)?  A tuple is immutable itself, not its items; unknown: yes."""
    if obj is MISSING:
        return True
    if items:
        if isinstance(obj, np.ndarray):
            return obj.ndim > 1  # (its rows are views; its items numbers)
        parts = obj.values() if isinstance(obj, dict) else obj if isinstance(obj, (list, tuple, set, frozenset)) \
            else None
        return True if parts is None else any(changeable(p) for p in parts)
    return not isinstance(obj, _IMMUTABLE + (tuple, frozenset))


def held_changeable(obj: Any, depth: int = 0) -> bool:
    """Can anything ``obj`` is or holds (its items, theirs ...) be changed in place?"""
    if isinstance(obj, (tuple, frozenset)) and depth < 20:
        return any(held_changeable(p, depth + 1) for p in obj)
    return changeable(obj)


def reached_object(spelled: str, resolve: Any) -> Tuple[Any, Any]:
    """(the object the non-local memory ``spelled`` (as :meth:`Reach.outside` spells it: ``G``,
    ``T[0]``, ``D.get('g')``, ``globals()['G']``, ``G.view()``) is, when it can be known without
    running user code, else MISSING; the object at its root); ``resolve(node)``: an object
    for a name or attribute chain."""
    try:
        node = gast.parse(spelled).body[0].value
    except (SyntaxError, IndexError, AttributeError):
        return MISSING, MISSING
    root: Any = MISSING

    def value(e: Any) -> Any:
        nonlocal root
        if isinstance(e, (gast.Name, gast.Attribute)) and S.dotted_name(e):
            found = resolve(e)
            root = found if root is MISSING and not isinstance(found, (types.ModuleType, type)) else root
            return found
        if isinstance(e, gast.Attribute):
            return static_attr(value(e.value), e.attr)
        if isinstance(e, gast.Subscript):
            obj = value(e.value)
            if isinstance(e.slice, gast.Constant) and isinstance(obj, (list, tuple, dict)):
                try:
                    return obj[e.slice.value]
                except (LookupError, TypeError):
                    return MISSING
            return obj if isinstance(obj, np.ndarray) else MISSING  # (a view of an array: as changeable)
        if isinstance(e, gast.Call) and isinstance(e.func, gast.Name) and e.func.id == "globals" and not e.args:
            return MISSING  # (its items: resolved by name below)
        if isinstance(e, gast.Call) and isinstance(e.func, gast.Attribute):
            receiver = value(e.func.value)
            if isinstance(receiver, (types.ModuleType, type)):  # np.reshape(G, ...), np.ndarray.view(G): G's
                return value(e.args[0]) if e.args else MISSING
            if e.func.attr == "get" and isinstance(receiver, dict) and e.args \
                    and isinstance(e.args[0], gast.Constant):
                return receiver.get(e.args[0].value, MISSING)
            return receiver if isinstance(receiver, np.ndarray) else MISSING  # (G.view(): G's memory)
        return MISSING

    if isinstance(node, gast.Subscript) and isinstance(node.value, gast.Call) \
            and getattr(node.value.func, "id", None) == "globals" and isinstance(node.slice, gast.Constant) \
            and isinstance(node.slice.value, str):
        node = gast.Name(id=node.slice.value, ctx=gast.Load(), annotation=None, type_comment=None)
    obj = value(node)
    return obj, root


# builtins whose results carry no derivatives (besides the primitives registered nondifferentiable)
CONSTANT_BUILTINS = (isinstance, type, id, hash, callable, hasattr, print, repr, format)


def constant_result(callee: Any) -> bool:
    """Is the result of a call to ``callee`` free of derivatives (nondifferentiable,
    ``tl.stop_gradient``, ``len``, ``str``, ...)?"""
    try:
        prim = REGISTRY.get(callee)
    except TypeError:
        return False
    return (prim is not None and prim.nondiff) or any(callee is b for b in CONSTANT_BUILTINS)


def shared_default(value: Any) -> bool:
    """Is a default value an object a call may change (not a number, string, tuple, function...)?"""
    immutable = (type(None), bool, int, float, complex, str, bytes, tuple, frozenset, range, type,
                 types.FunctionType, types.BuiltinFunctionType, types.ModuleType, np.generic)
    return not isinstance(value, immutable)
