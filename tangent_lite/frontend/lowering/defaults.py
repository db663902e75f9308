"""Calls of your own functions that leave out a parameter whose default is not a literal
(``def helper(x, w=(1.0, 2.0), act=np.tanh)`` called as ``helper(x)``): the default is passed
explicitly, the value Python binds, read where the function keeps it::

    helper(x)   ->  helper(x, w=helper.__defaults__[0], act=_helper_act)

- data (a tuple, an array, a dtype, a class): read from the function when the code runs, as a
  module-level value is (an array default changed in place is followed);
- a function (``np.tanh``, ``math.sin``, a module-level function of yours): passed by a name
  bound to it, so that the helper is inlined with it, as when the caller passes it by name
  (a function no module reaches by its name, such as a lambda, is refused: pass it explicitly).

Either way the generated code holds while the function's ``__defaults__`` / ``__kwdefaults__``
do (their guards, by identity): giving the function new defaults makes the code again.
Literal defaults (numbers, strings, None) are written into the call by the analyses, and the
nested defs and lambdas the function defines itself have their own (``Inliner.freeze_defaults``).
"""

from __future__ import annotations

import inspect
import sys
import types
from typing import Any, Dict, Optional, Set

from ... import syntax as S
from ...errors import TangentLiteError, UnsupportedConstructError
from ...rules.registry import REGISTRY
from ...syntax import gast


def _literal(value: Any) -> bool:
    """A default written into the generated code as it is: None and the exact Python types
    (an ``np.float64`` is a float too, but prints as ``np.float64(3.0)``: read from the function)."""
    return value is None or type(value) in (bool, int, float, str)


def _user_rules(prim: Any) -> bool:
    """Has the primitive rules of the user's (``tl.defvjp``/``tl.defjvp``)?  Its calls bind the
    function's defaults as Python does, for the rules, which name every parameter."""
    return any(not r.builtin for r in list(prim.jvps.values()) + list(prim.vjps.values()))


def filled(ex: Any, obj: Any, node: Any, every: bool = False) -> Any:
    """The call ``node`` of the user function ``obj`` with the omitted parameters whose defaults
    are not literals passed as keywords (``node`` itself when there are none).  ``every`` (a
    helper inlined where it is called, a function with rules of the user's): the literal defaults
    too, as constants (the code holds while ``__defaults__`` / ``__kwdefaults__`` do): the
    inlined body never evaluates the default's expression again, which Python evaluated once."""
    fn = getattr(obj, "__tl_function__", obj)
    prim = REGISTRY.get(obj)
    if not inspect.isfunction(fn) or (prim is not None and not _user_rules(prim)) \
            or any(isinstance(a, gast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
        return node
    every = every or prim is not None
    code = fn.__code__
    positional = code.co_varnames[:code.co_argcount]
    kwonly = code.co_varnames[code.co_argcount:code.co_argcount + code.co_kwonlyargcount]
    defaults = fn.__defaults__ or ()
    first = len(positional) - len(defaults)
    given = set(positional[:len(node.args)]) | {k.arg for k in node.keywords}
    owner = S.deepcopy(node.func) if obj is fn else _attr(node.func, "__tl_function__")
    added = []
    for k, name in enumerate(positional[first:]):
        if name not in given and (every or not _literal(defaults[k])) and first + k >= code.co_posonlyargcount:
            read = gast.Subscript(value=_attr(owner, "__defaults__"), slice=S.const(k), ctx=gast.Load())
            added.append((name, defaults[k], read))
    for name in kwonly:
        value = (fn.__kwdefaults__ or {}).get(name, _literal)
        if name not in given and value is not _literal and (every or not _literal(value)):
            read = gast.Subscript(value=_attr(owner, "__kwdefaults__"), slice=S.const(name), ctx=gast.Load())
            added.append((name, value, read))
    if added:
        written = _written_in_place(fn)
        added = [(n, v, r) for n, v, r in added if _literal(v) or (
            n not in written and "*" not in written and not isinstance(v, (list, dict, set)))]
    if not added:
        return node
    keywords = list(node.keywords)
    for name, value, read in added:
        if _literal(value):
            read = S.const(value)
            _guard_defaults(ex, fn, node)
        elif callable(value) and not isinstance(value, (type, types.ModuleType)):
            read = _function_default(ex, fn, node, name, value)
        keywords.append(gast.keyword(arg=name, value=read))
    return gast.copy_location(gast.Call(func=node.func, args=list(node.args), keywords=keywords), node)


def owner(obj: Any, node: Any) -> Any:
    """The expression, in the caller's terms, that reaches the ``__defaults__`` of the function the call
    ``node`` of ``obj`` runs."""
    fn = getattr(obj, "__tl_function__", obj)
    return S.deepcopy(node.func) if obj is fn else _attr(node.func, "__tl_function__")


def bound_values(ex: Any, fn: Any, reach: Any, node: Any) -> Dict[str, Any]:
    """For the inlined ``fn`` (reached by the expression ``reach``): the value each parameter with a
    default takes when a call leaves it out, as Python binds it -- a literal as a constant, data read
    from ``__defaults__[i]`` / ``__kwdefaults__[k]`` -- instead of the default's source expression,
    which Python evaluated once (what :func:`filled` could not pass: ``h(*xs)``, positional-only
    parameters).  Functions, and the defaults :func:`filled` leaves to the analyses, are not in it."""
    code = fn.__code__
    positional = code.co_varnames[:code.co_argcount]
    defaults = fn.__defaults__ or ()
    first = len(positional) - len(defaults)
    pairs = [(name, defaults[k], "__defaults__", k) for k, name in enumerate(positional[first:])]
    pairs += [(name, v, "__kwdefaults__", name) for name, v in (fn.__kwdefaults__ or {}).items()]
    written = _written_in_place(fn) if pairs else set()
    out: Dict[str, Any] = {}
    for name, value, attr, key in pairs:
        if _literal(value):
            out[name] = S.const(value)
        elif not ((callable(value) and not isinstance(value, (type, types.ModuleType)))
                  or isinstance(value, (list, dict, set)) or name in written or "*" in written):
            out[name] = gast.Subscript(value=_attr(reach, attr), slice=S.const(key), ctx=gast.Load())
    if out:
        _guard_defaults(ex, fn, node)
    return out


def optional_callables(fn: Any) -> Set[str]:
    """The parameters of ``fn`` whose default is None and that its body calls (``def h(x, fn=None)``
    with ``if fn is None: ... else: fn(x)``): a call leaving one out (or passing None) inlines the
    function with None, the branches on ``fn is None`` decided there (:func:`fold_known`)."""
    fn = getattr(fn, "__tl_function__", fn)
    if not inspect.isfunction(fn):
        return set()
    code = fn.__code__
    positional = code.co_varnames[:code.co_argcount]
    pairs = list(zip(positional[len(positional) - len(fn.__defaults__ or ()):], fn.__defaults__ or ()))
    none = {p for p, d in pairs + list((fn.__kwdefaults__ or {}).items()) if d is None}
    if not none:
        return set()
    try:
        tree = S.load_function(fn).node
    except TangentLiteError:
        return set()
    return {n.func.id for n in S.walk(tree) if isinstance(n, gast.Call) and isinstance(n.func, gast.Name)
            and n.func.id in none}


def omits_optional_callable(fn: Any, node: Any) -> bool:
    """Does the call ``node`` leave out (or pass None for) a parameter of :func:`optional_callables`?"""
    optional = optional_callables(fn)
    if not optional or any(isinstance(a, gast.Starred) for a in node.args):
        return False
    code = getattr(fn, "__tl_function__", fn).__code__
    values = dict(zip(code.co_varnames[:code.co_argcount], node.args))
    values.update({k.arg: k.value for k in node.keywords})
    return any(p not in values or is_none(values[p]) for p in optional)


def is_none(node: Any) -> bool:
    return isinstance(node, gast.Constant) and node.value is None


def fold_known(fdef: Any, known: Dict[str, bool]) -> None:
    """Decide in ``fdef`` the tests on parameters known to be None or a function (``known``: name
    -> is None): ``if fn is None:``, ``if fn is not None:``, ``if fn:``, ``if not fn:`` and their
    conditional expressions keep the branch that runs, the statements after a ``return`` it
    brings are dropped.  (A parameter the body assigns is left alone.)"""
    known = {p: v for p, v in known.items() if p not in _assigned(fdef.body)}
    if known:
        _Fold(known).visit(fdef)


def _assigned(body: Any) -> Set[str]:
    return {n.id for n in S.walk(gast.Module(body=body, type_ignores=[]))
            if isinstance(n, gast.Name) and not isinstance(n.ctx, gast.Load)}


def _decided(test: Any, known: Dict[str, bool]) -> Optional[bool]:
    if isinstance(test, gast.Name) and test.id in known:
        return not known[test.id]
    if isinstance(test, gast.UnaryOp) and isinstance(test.op, gast.Not):
        inner = _decided(test.operand, known)
        return None if inner is None else not inner
    if isinstance(test, gast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], (gast.Is, gast.IsNot)):
        left, right = test.left, test.comparators[0]
        if is_none(left):
            left, right = right, left
        if isinstance(left, gast.Name) and left.id in known and is_none(right):
            return known[left.id] == isinstance(test.ops[0], gast.Is)
    return None


class _Fold(gast.NodeTransformer):
    def __init__(self, known: Dict[str, bool]):
        self.known = known

    def visit_If(self, node: Any) -> Any:
        decided = _decided(node.test, self.known)
        if decided is None:
            return self.generic_visit(node)
        return [self.visit(s) for s in (node.body if decided else node.orelse)] or [gast.Pass()]

    def visit_IfExp(self, node: Any) -> Any:
        decided = _decided(node.test, self.known)
        if decided is None:
            return self.generic_visit(node)
        return self.visit(node.body if decided else node.orelse)

    def generic_visit(self, node: Any) -> Any:
        node = super().generic_visit(node)
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            if isinstance(block, list):
                block = [s for part in block for s in (part if isinstance(part, list) else [part])]
                end = next((i for i, s in enumerate(block) if isinstance(s, (gast.Return, gast.Raise))), None)
                setattr(node, field, block if end is None else block[:end + 1])
        return node


def _guard_defaults(ex: Any, fn: Any, node: Any) -> None:
    """The generated code holds while ``fn``'s ``__defaults__`` / ``__kwdefaults__`` are the same
    objects (the items of ``__kwdefaults__`` too, guards.py): without a path to ``fn``, it is made
    for this call only."""
    path = ex.names.path_of(S.dotted_name(node.func) or "")
    if path is None:
        ex.cx.unguarded = True
        return
    for attr_name in ("__defaults__", "__kwdefaults__"):
        if getattr(fn, attr_name, None) is not None:
            ex.names.guarded((path[0], path[1], path[2] + (attr_name,)), getattr(fn, attr_name))


def _function_default(ex: Any, fn: Any, node: Any, name: str, value: Any) -> Any:
    """A name bound to the function ``value`` (the default of ``name``), found again in its module
    when the code is loaded (adgen files too); the default's guard is that of ``__defaults__``."""
    attr = getattr(value, "__name__", None)
    homes = [getattr(value, "__module__", None), "numpy", "scipy.special"]  # (a ufunc may have no __module__)
    module = next((m for m in homes if isinstance(m, str) and isinstance(attr, str)
                   and vars(sys.modules.get(m, types)).get(attr) is value), None)
    if module is None:
        ex.cx.error(UnsupportedConstructError,
                    f"the default value of '{name}' in '{fn.__qualname__}' is a function that no module-level name "
                    "reaches", node, f"pass '{name}' explicitly at this call (a def or a module-level function)")
        return S.const(None)
    _guard_defaults(ex, fn, node)
    alias = ex.cx.namer.fresh(f"_{fn.__name__}_{name}")
    ex.cx.foreign[alias] = ex.cx.env[alias] = value
    ex.cx.foreign_sources[alias] = (module, attr)
    return S.name(alias)


_CHANGING = {"fill", "sort", "resize", "put", "itemset", "setflags", "partition", "append", "extend", "insert", "pop",
             "remove", "clear", "reverse", "update", "setdefault", "popitem", "add", "discard"}


def _written_in_place(fn: Any) -> Set[str]:
    """The names ``fn`` writes into directly (``p[i] = v``, ``p.a = v``, ``p += v``, ``p.fill(v)``,
    ``out=p``): a default it changes is left to the analyses, which refuse the call with what it
    does (a shared default value changed in place), as are list, dict and set defaults.  ``{"*"}``:
    its source cannot be read."""
    try:
        tree = S.load_function(fn).node
    except TangentLiteError:
        return {"*"}
    out: Set[str] = set()
    for n in S.walk(tree):
        if isinstance(n, (gast.Subscript, gast.Attribute)) and isinstance(n.ctx, gast.Store) \
                and isinstance(n.value, gast.Name):
            out.add(n.value.id)
        elif isinstance(n, gast.AugAssign) and isinstance(n.target, gast.Name):
            out.add(n.target.id)
        elif isinstance(n, gast.Call) and isinstance(n.func, gast.Attribute) and isinstance(n.func.value, gast.Name) \
                and n.func.attr in _CHANGING:
            out.add(n.func.value.id)
        elif isinstance(n, gast.keyword) and n.arg == "out":
            out.update(m.id for m in S.walk(n.value) if isinstance(m, gast.Name))
    return out


def _attr(func: Any, name: str) -> Any:
    return gast.Attribute(value=S.deepcopy(func), attr=name, ctx=gast.Load())
