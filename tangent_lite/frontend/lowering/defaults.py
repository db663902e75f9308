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
from typing import Any, Set

from ... import syntax as S
from ...errors import TangentLiteError, UnsupportedConstructError
from ...rules.registry import REGISTRY
from ...syntax import gast


def _literal(value: Any) -> bool:
    return value is None or isinstance(value, (bool, int, float, str))


def filled(ex: Any, obj: Any, node: Any) -> Any:
    """The call ``node`` of the user function ``obj`` with the omitted parameters whose defaults
    are not literals passed as keywords (``node`` itself when there are none)."""
    fn = getattr(obj, "__tl_function__", obj)
    if not inspect.isfunction(fn) or REGISTRY.get(obj) is not None \
            or any(isinstance(a, gast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
        return node
    code = fn.__code__
    positional = code.co_varnames[:code.co_argcount]
    kwonly = code.co_varnames[code.co_argcount:code.co_argcount + code.co_kwonlyargcount]
    defaults = fn.__defaults__ or ()
    first = len(positional) - len(defaults)
    given = set(positional[:len(node.args)]) | {k.arg for k in node.keywords}
    owner = S.deepcopy(node.func) if obj is fn else _attr(node.func, "__tl_function__")
    added = []
    for k, name in enumerate(positional[first:]):
        if name not in given and not _literal(defaults[k]) and first + k >= code.co_posonlyargcount:
            read = gast.Subscript(value=_attr(owner, "__defaults__"), slice=S.const(k), ctx=gast.Load())
            added.append((name, defaults[k], read))
    for name in kwonly:
        value = (fn.__kwdefaults__ or {}).get(name, _literal)
        if name not in given and value is not _literal and not _literal(value):
            read = gast.Subscript(value=_attr(owner, "__kwdefaults__"), slice=S.const(name), ctx=gast.Load())
            added.append((name, value, read))
    if added:
        written = _written_in_place(fn)
        added = [(n, v, r) for n, v, r in added
                 if n not in written and "*" not in written and not isinstance(v, (list, dict, set))]
    if not added:
        return node
    keywords = list(node.keywords)
    for name, value, read in added:
        if callable(value) and not isinstance(value, (type, types.ModuleType)):
            read = _function_default(ex, fn, node, name, value)
        keywords.append(gast.keyword(arg=name, value=read))
    return gast.copy_location(gast.Call(func=node.func, args=list(node.args), keywords=keywords), node)


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
    path = ex.names.path_of(S.dotted_name(node.func) or "")
    if path is None:  # (no guard can follow the function's defaults: the code is made for this call only)
        ex.cx.unguarded = True
    else:
        for attr_name in ("__defaults__", "__kwdefaults__"):
            if getattr(fn, attr_name, None) is not None:
                ex.names.guarded((path[0], path[1], path[2] + (attr_name,)), getattr(fn, attr_name))
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
