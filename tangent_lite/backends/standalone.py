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
import sys
import types
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple

from .. import runtime
from .. import syntax as S
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


def _entity(d: Any, name: str, calls: Dict[str, Tuple[int, str]], module_of: Any) -> Entity:
    """What ``name``, read as a global by the functions of derivative ``d``, stands for."""
    w = d.w
    if name in calls:
        return ("def",) + calls[name]
    if name == w.aliases.get("_tl"):
        return ("runtime",)
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


def read_rows(derivs: List[Any], guards: List[Sequence[Any]], module_of: Any) -> List[Row]:
    """What a standalone file checks at every call: one row for each guard of derivative ``i``
    (``guards[i]``, as the metadata writes them; with those of the generated code it differentiates,
    for ``--mode hvp``) on a global of the user's module, as the value is now
    (``runtime.described``).  Guards on NumPy, ``math`` and tangent_lite (whose functions are the
    primitives the rules inline), on builtins and on the file's own functions are left out."""
    rows: List[Row] = []
    for d, found in zip(derivs, guards):
        module = sys.modules.get(module_of(d.w.fn))
        if module is None or _library(module.__name__):  # (a derivative of a runtime helper: second order)
            continue
        namespace = vars(module)
        names = {n.id for f in d.functions for n in walk(f) if isinstance(n, gast.Name)}
        called = {"numpy": d.w.aliases.get("np"), "math": d.w.aliases.get("math")}
        for where, name, path, how, _ in found:
            module_name = module.__name__
            if where != "global" or name not in namespace or path[-1:] and path[-1] in _COVERED:
                continue
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
            rows: Optional[List[Row]] = None) -> Tuple[List[Any], Dict[Entity, str]]:
    """Copies of ``derivs`` (the main one first) reading one name per entity (see the module),
    and the name each entity got.  ``calls[i]``: the names derivative ``i`` calls other
    derivatives' functions by, as (index of that derivative, its function's name);
    ``module_of(fn)``: the module whose globals ``fn``'s free names are.  ``rows`` (None: the
    values of the user's modules are imported once, ``from model import W``, for the Numba
    backend): the functions read them as ``model.W``, and each first calls ``_tl_reads.check()``
    (the entity ``("reads",)``), which checks ``rows`` (read_rows)."""
    everything = {n.id for d in derivs for f in d.functions for n in walk(f) if isinstance(n, gast.Name)}
    uses: List[Dict[str, Entity]] = []
    for i, d in enumerate(derivs):
        own = {f.name: ("def", i, f.name) for f in d.functions}
        free = sorted(_free_names(d.functions) - set(own))
        uses.append({**{n: _entity(d, n, calls[i], module_of) for n in free}, **own})
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
    if rows is not None:  # the user's modules and the checks, under names nothing else in the file uses
        wanted = sorted({("module", e[1]) for u in uses for e in u.values() if e[0] == "user" and e[1] in sys.modules
                         and not _library(e[1])}
                        | {("module", r[0]) for r in rows}) + ([("reads",)] if rows else [])
        for entity in wanted:
            if entity in named:
                continue
            name = spelling = entity[1].rpartition(".")[2] if entity[0] == "module" else "_tl_reads"
            k = 0
            while name in taken or name in everything:
                k += 1
                name = f"{spelling}_{k}"
            named[entity] = name
            taken.add(name)
    return [_renamed(d, {n: named[e] for n, e in u.items()}, u, module_of, named.get(("runtime",)),
                     named if rows is not None else None) for d, u in zip(derivs, uses)], named


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
    for f in functions:
        f.name = rename.get(f.name, f.name)
        for n in walk(f):
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load) and n.id in rename:
                n.id = rename[n.id]
        if qualified:
            _Qualified(qualified).visit(f)
        if named is not None and ("reads",) in named:
            f.body.insert(0, gast.Expr(value=S.call(S.attribute(S.name(named[("reads",)]), "check"))))
    w = d.w
    env: Dict[str, Any] = {}
    foreign: Dict[str, Tuple[str, str]] = {}
    for e in followed.values():  # the modules the functions read them from
        env[named[("module", e[1])]] = sys.modules[e[1]]
    for old, entity in uses.items():
        new = rename[old]
        if entity[0] in ("module", "builtin") and old in w.env:
            env[new] = w.env[old]
        elif entity[0] == "user" and new in qualified:
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
