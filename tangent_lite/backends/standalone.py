"""One namespace for the derivatives ``adgen`` pastes into one file.

Each derivative is generated in the namespace of its own function's module: the derivative of
``g`` (module ``m``) may call the user's ``sq_vjp`` while the derivative of ``ha.sq``, written
into the same file, defines a function called ``sq_vjp``; ``_tl`` may be the runtime helpers in
one and a user's global in another.  :func:`unified` gives every entity the file refers to (a
module, a user global, a builtin, the runtime helpers, a generated function) one name: the
name the main derivative uses where it can, its own spelling when free, else a numbered one.
The derivatives it returns are copies whose functions read those names, with environments
keyed by them, so :func:`codegen.module_text` prints a file in which nothing shadows anything.

The values of the user's modules (``W``, ``K`` of ``model.py``) are read where the functions use
them, ``model.W``, so that rebinding them later is followed as ``tl.grad`` follows it; and what the
derivative code was made for (the guards: ``W`` an array, ``helper`` that function) is checked by
the file at every call (:func:`read_rows`, ``_tl.ModuleValues``).
"""

from __future__ import annotations

import builtins
import dataclasses
import json
import sys
import types
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple

from .. import runtime
from .. import syntax as S
from ..errors import Location, UnsupportedConstructError
from ..frontend.guards import PATH_SOURCE
from ..syntax import deepcopy, gast, walk

Entity = Tuple[Any, ...]


def _free_names(functions: List[Any]) -> Set[str]:
    """Names the functions read that they do not bind (parameters, targets): their globals."""
    free: Set[str] = set()
    for f in functions:
        reads: Set[str] = set()
        binds: Set[str] = set()
        for n in walk(f):
            if isinstance(n, gast.Name):
                (reads if isinstance(n.ctx, gast.Load) else binds).add(n.id)
        free |= reads - binds
    return free


def _entity(d: Any, name: str, calls: Dict[str, Tuple[int, str]], module_of: Any,
            paths: Optional[Dict[str, Reach]] = None) -> Entity:
    """What ``name``, read as a global by the functions of derivative ``d``, stands for
    (``paths``: the names read through a function's closure, see :func:`closure_paths`)."""
    w = d.w
    if name in calls:
        return ("def",) + calls[name]
    if name == w.aliases.get("_tl") or w.env.get(name, _ABSENT) is runtime:  # (second order: the first
        return ("runtime",)  # order's runtime name, _tl_1 when the user's function has a parameter _tl, and its own)
    if paths and name in paths:
        return ("path",) + paths[name]
    if name in w.env:
        obj = w.env[name]
        if isinstance(obj, types.ModuleType):
            return ("module", obj.__name__)
        if vars(builtins).get(name, _ABSENT) is obj:
            return ("builtin", name)
        if name in w.foreign:
            return ("user",) + tuple(w.foreign[name])
        generated = (getattr(w.fn, "__globals__", None) or {}).get("__tl_meta__") or {}
        if name in generated.get("foreign", {}):  # (the gradient an HVP differentiates: a name it bound)
            return ("user",) + tuple(generated["foreign"][name])
        return ("user", module_of(w.fn), name)
    for template, module in (("np", "numpy"), ("math", "math")):
        if name == w.aliases.get(template):
            return ("module", module)
    return ("builtin", name)


_ABSENT = object()


# the modules whose values the file does not check: the libraries whose functions have rules
_LIBRARIES = ("numpy", "math", "builtins", "tangent_lite")
# attributes of a function its own row covers (ModuleValues compares __code__ and __defaults__)
_COVERED = ("__code__", "__defaults__", "__kwdefaults__")

Row = Tuple[str, str, Tuple[str, ...], str, str]  # (module, name, path, how, expected): see ModuleValues


def _library(module: str) -> bool:
    return module.split(".")[0] in _LIBRARIES


Reach = Tuple[str, str, Tuple[str, ...]]  # (module, name, path): where the file finds a value when it runs


def _cells(d: Any, user: Any) -> Set[str]:
    """The names the code of derivative ``d`` reads from the closure of ``user``, the user's function
    it was made for (its own function, or the one generated code it differentiates came from)."""
    code = getattr(user, "__code__", None)
    return set(code.co_freevars) & set(d.w.env) if code is not None and user.__closure__ else set()


def reaches(derivs: List[Any], guards: List[Sequence[Any]], module_of: Any, user_of: Any,
            root: Optional[Reach] = None) -> List[Optional[Reach]]:
    """For each derivative, where the file finds the user's function it was made for (``user_of``)
    when it runs, for the variables of its closure (``g = make(2.0)``: ``model.g``), or None (not
    found: its closure cannot be read).  A function is found as a global of its module, or through
    the guards of the derivatives before it (``model.gg`` and then the closure variable ``inner``
    of it: the callers come first), or at ``root`` (where the main function was named)."""
    found: List[Tuple[Reach, Any]] = [(root, _value(root))] if root and root[0] in sys.modules else []
    out: List[Optional[Reach]] = []
    for d, recorded in zip(derivs, guards):
        user = user_of(d.w.fn)
        module = sys.modules.get(module_of(d.w.fn))
        here = None
        for r, obj in found + [((module.__name__, n, ()), v) for n, v in vars(module).items()] if module else found:
            if user is not None and obj is user:
                here = r
            elif user is not None and _wrapped(obj) is user:  # (@tl.differentiate)
                here = (r[0], r[1], r[2] + ("__tl_function__",))
            if here is not None:
                break
        out.append(here)
        cells = _cells(d, user) if user is not d.w.fn else set()  # (generated code: its globals copied from cells)
        for where, name, path, _how, _ in recorded:
            cell = where == "cell" or name in cells
            base = (module_of(d.w.fn), name, ()) if not cell else None if here is None \
                else (here[0], here[1], here[2] + ("<cell>" + name,))
            if base is None or base[0] not in sys.modules:
                continue
            value = _value(base)
            for k in range(len(path) + 1):
                if k:
                    value = runtime._step(value, path[k - 1])
                if callable(value) and not isinstance(value, types.ModuleType):
                    found.append(((base[0], base[1], base[2] + tuple(path[:k])), value))
    return out


def _wrapped(obj: Any) -> Any:
    try:
        return getattr(obj, "__tl_function__", None) if callable(obj) else None
    except Exception:  # (an object whose attributes are computed)
        return None


def _value(reach: Reach) -> Any:
    """What ``reach`` finds now."""
    value = getattr(sys.modules[reach[0]], reach[1], runtime.module_values._NOTHING)
    for part in reach[2]:
        value = runtime._step(value, part)
    return value


def closure_paths(d: Any, here: Optional[Reach], module_of: Any, user_of: Any) -> Dict[str, Reach]:
    """The names the functions of derivative ``d`` read through a closure (a variable of the
    closure of the function it was made for, found at ``here``; a decorator's cell an inlined
    wrapper reads), and where the file finds each when it runs.  A closure the file cannot find
    again is refused (its derivative would read the wrong value)."""
    user = user_of(d.w.fn)
    out: Dict[str, Reach] = {}
    for name in sorted(_cells(d, user)):
        if name in d.w.foreign:
            continue
        if here is None:
            raise UnsupportedConstructError(
                f"'{name}' is a variable of the closure of '{user.__qualname__}', which a file adgen writes cannot "
                "find again when it runs (the function is not bound to a module-level name)", _where(user),
                f"bind the function to a module-level name ({user.__name__} = ...) and call it by that name")
        out[name] = (here[0], here[1], here[2] + ("<cell>" + name,))
    foreign = dict(d.w.foreign)
    if user is not d.w.fn:  # generated code: the names its module binds from the user's wrapper cells
        foreign.update(getattr(d.w.fn, "__globals__", {}).get("__tl_meta__", {}).get("foreign", {}))
    for alias, (source, spec) in foreign.items():  # a decorator's cell an inlined wrapper reads
        if source == PATH_SOURCE and alias in d.w.env:
            where, name, path = json.loads(spec)
            if where == "global":
                out[alias] = (module_of(d.w.fn), name, tuple(path))
            elif here is not None:
                out[alias] = (here[0], here[1], here[2] + ("<cell>" + name,) + tuple(path))
    return out


def _where(fn: Any) -> Any:
    code = getattr(fn, "__code__", None)
    return Location(code.co_filename, code.co_firstlineno) if code is not None else None


def read_rows(derivs: List[Any], guards: List[Sequence[Any]], module_of: Any,
              found: Optional[List[Optional[Reach]]] = None, user_of: Any = None) -> List[Row]:
    """What a standalone file checks at every call: one row for each guard of derivative ``i``
    (``guards[i]``, as the metadata writes them; with those of the generated code it differentiates,
    for ``--mode hvp``) on a global of the user's module, as the value is now
    (``runtime.described``).  Guards on NumPy, ``math`` and tangent_lite (whose functions are the
    primitives the rules inline), on builtins and on the file's own functions are left out."""
    rows: List[Row] = []
    for i, (d, recorded) in enumerate(zip(derivs, guards)):
        module = sys.modules.get(module_of(d.w.fn))
        if module is None or _library(module.__name__):  # (a derivative of a runtime helper: second order)
            continue
        namespace = vars(module)
        names = {n.id for f in d.functions for n in walk(f) if isinstance(n, gast.Name)}
        called = {"numpy": d.w.aliases.get("np"), "math": d.w.aliases.get("math")}
        user = user_of(d.w.fn) if user_of else d.w.fn
        cells = _cells(d, user) if user is not d.w.fn else set()  # (generated code: its globals copied from cells)
        here = found[i] if found else None
        for where, name, path, how, _ in recorded:
            module_name = module.__name__
            if path[-1:] and path[-1] in _COVERED:
                continue
            if where == "cell" or name in cells:  # a variable of the closure: through the function
                if here is None:
                    continue  # (refused by closure_paths where the code reads it)
                module_name, name, path = here[0], here[1], tuple(here[2]) + ("<cell>" + name,) + tuple(path)
                value = getattr(sys.modules[module_name], name)
            elif where != "global" or name not in namespace:
                continue
            else:
                value = namespace[name]
            if isinstance(value, types.ModuleType) and _library(value.__name__):
                if not path or called.get(value.__name__) not in names:
                    continue
                # NumPy's and math's functions the file calls by name, checked through its own import (np.sin = np.cos)
                module_name, name, path = value.__name__, path[0], path[1:]
                value = getattr(value, name, _ABSENT)
            for part in path:
                value = runtime._step(value, part)
            kind = "type" if how == "type" else "is"
            expected = runtime.described(value, kind)
            if expected.startswith("a value of type"):
                kind = "type"
            row = (module_name, name, tuple(path), kind, expected)
            if row not in rows:
                rows.append(row)
    return rows


def unified(derivs: List[Any], calls: List[Dict[str, Tuple[int, str]]], module_of: Any,
            rows: Optional[List[Row]] = None, paths: Optional[List[Dict[str, Reach]]] = None
            ) -> Tuple[List[Any], Dict[Entity, str]]:
    """Copies of ``derivs`` (the main one first) reading one name per entity (see the module),
    and the name each entity got.  ``calls[i]``: the names derivative ``i`` calls other
    derivatives' functions by, as (index of that derivative, its function's name);
    ``module_of(fn)``: the module whose globals ``fn``'s free names are.  ``rows`` (None: the
    values of the user's modules are imported once, ``from model import W``, for the Numba
    backend): the functions read them as ``model.W``, and each first calls ``_tl_reads.check()``
    (the entity ``("reads",)``), which checks ``rows`` (read_rows).  ``paths[i]``: the names
    derivative ``i`` reads through a closure (:func:`closure_paths`), each bound by a first
    statement, ``c = _tl.closure_value(model.g, 'c')``."""
    everything = {n.id for d in derivs for f in d.functions for n in walk(f) if isinstance(n, gast.Name)}
    uses: List[Dict[str, Entity]] = []
    for i, d in enumerate(derivs):
        own = {f.name: ("def", i, f.name) for f in d.functions}
        free = sorted(_free_names(d.functions) - set(own))
        uses.append({**{n: _entity(d, n, calls[i], module_of, paths[i] if paths else None) for n in free}, **own})
    named: Dict[Entity, str] = {}
    taken: Set[str] = set()
    for entity in sorted({e for u in uses for e in u.values() if e[0] == "builtin"}):
        named[entity] = entity[1]  # a builtin cannot be renamed: it keeps its name first
        taken.add(entity[1])
    for u in uses:
        for spelling, entity in u.items():
            if entity in named:
                continue
            name, k = spelling, 0
            while name in taken or (name != spelling and name in everything):
                k += 1
                name = f"{spelling}_{k}"
            named[entity] = name
            taken.add(name)
    through = [(n, e) for u in uses for n, e in u.items() if e[0] == "path"]
    if through and rows is None:
        name, (_, module, attr, _path) = through[0]
        raise UnsupportedConstructError(
            f"the derivative reads '{name}' through the closure of {module}.{attr}, which a file for the Numba "
            "backend cannot read when it runs", None, "write the file with --backend python")
    if rows is not None:  # the user's modules and the checks, under names nothing else in the file uses
        wanted = sorted({("module", e[1]) for u in uses for e in u.values() if e[0] in ("user", "path")
                         and e[1] in sys.modules and not _library(e[1])}
                        | {("module", r[0]) for r in rows}) + ([("reads",)] if rows else []) \
            + ([("runtime",)] if any("<cell>" in "".join(e[3]) for _, e in through) else [])
        for entity in wanted:
            if entity in named:
                continue
            name = spelling = entity[1].rpartition(".")[2] if entity[0] == "module" else \
                {"reads": "_tl_reads", "runtime": "_tl"}[entity[0]]
            k = 0
            while name in taken or name in everything:
                k += 1
                name = f"{spelling}_{k}"
            named[entity] = name
            taken.add(name)
    return [_renamed(d, {n: named[e] for n, e in u.items()}, u, module_of, named.get(("runtime",)),
                     named if rows is not None else None) for d, u in zip(derivs, uses)], named


def _reach_expr(module: str, name: str, path: Sequence[str], tl: str) -> Any:
    """``model.g``, then for each part of ``path`` an attribute, a closure variable
    (``_tl.closure_value(model.g, 'c')``) or a global of the function reached."""
    e = S.attribute(S.name(module), name)
    for part in path:
        if part.startswith("<cell>"):
            e = S.call(S.attribute(S.name(tl), "closure_value"), [e, S.const(part[6:])])
        elif part.startswith("<global>"):
            e = gast.Subscript(value=S.attribute(e, "__globals__"), slice=S.const(part[8:]), ctx=gast.Load())
        else:
            e = S.attribute(e, part)
    return e


class _Qualified(gast.NodeTransformer):
    """``W`` read as ``model.W``: ``attrs`` maps a name to (the module's name in the file, attribute)."""

    def __init__(self, attrs: Dict[str, Tuple[str, str]]) -> None:
        self.attrs = attrs

    def visit_Name(self, node: Any) -> Any:
        if isinstance(node.ctx, gast.Load) and node.id in self.attrs:
            module, attr = self.attrs[node.id]
            return gast.copy_location(S.attribute(S.name(module), attr), node)
        return node


def _renamed(d: Any, rename: Dict[str, str], uses: Dict[str, Entity], module_of: Any, runtime_name: Any,
             named: Optional[Dict[Entity, str]] = None) -> Any:
    """A copy of ``d`` whose functions read ``rename[name]`` for each global ``name`` (``named``:
    the user's values as attributes of their modules, checked first: see :func:`unified`)."""
    functions = [deepcopy(f) for f in d.functions]
    followed = {n: e for n, e in uses.items() if named is not None and e[0] == "user" and ("module", e[1]) in named
                and e[1] in sys.modules}
    qualified = {rename[n]: (named[("module", e[1])], e[2]) for n, e in followed.items()}
    through = {rename[n]: e for n, e in uses.items() if e[0] == "path"}
    for f in functions:
        f.name = rename.get(f.name, f.name)
        for n in walk(f):
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load) and n.id in rename:
                n.id = rename[n.id]
        if qualified:
            _Qualified(qualified).visit(f)
        read = {n.id for n in walk(f) if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)}
        for local in sorted(set(through) & read, reverse=True):  # (read once, when the function runs)
            e = through[local]
            f.body.insert(0, S.assign(S.name(local, store=True), _reach_expr(named[("module", e[1])], e[2], e[3],
                                                                          named.get(("runtime",), "_tl"))))
        if named is not None and ("reads",) in named:
            f.body.insert(0, gast.Expr(value=S.call(S.attribute(S.name(named[("reads",)]), "check"))))
    w = d.w
    env: Dict[str, Any] = {}
    foreign: Dict[str, Tuple[str, str]] = {}
    for e in list(followed.values()) + list(through.values()):  # the modules the functions read them from
        env[named[("module", e[1])]] = sys.modules[e[1]]
    for old, entity in uses.items():
        new = rename[old]
        if entity[0] in ("module", "builtin") and old in w.env:
            env[new] = w.env[old]
        elif entity[0] == "user" and new in qualified or entity[0] == "path":
            continue
        elif entity[0] == "user":
            env[new] = w.env[old]
            if entity[1:] != (module_of(w.fn), new):  # imported under another name
                foreign[new] = (entity[1], entity[2])
    aliases = dict(w.aliases)
    for template in ("np", "math"):
        aliases[template] = rename.get(aliases[template], aliases[template])
    aliases["_tl"] = runtime_name or aliases["_tl"]  # one name for the runtime helpers in all derivatives
    new_w = dataclasses.replace(w, env=env, aliases=aliases, foreign=foreign)
    return dataclasses.replace(d, functions=functions, w=new_w)
