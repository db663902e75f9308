"""One namespace for the derivatives ``adgen`` pastes into one file.

Each derivative is generated in the namespace of its own function's module: the derivative of
``g`` (module ``m``) may call the user's ``sq_vjp`` while the derivative of ``ha.sq``, written
into the same file, defines a function called ``sq_vjp``; ``_tl`` may be the runtime helpers in
one and a user's global in another.  :func:`unified` gives every entity the file refers to (a
module, a user global, a builtin, the runtime helpers, a generated function) one name: the
name the main derivative uses where it can, its own spelling when free, else a numbered one.
The derivatives it returns are copies whose functions read those names, with environments
keyed by them, so :func:`codegen.module_text` prints a file in which nothing shadows anything.
"""

from __future__ import annotations

import builtins
import dataclasses
import types
from typing import Any, Dict, List, Set, Tuple

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
        return ("user", module_of(w.fn), name)
    for template, module in (("np", "numpy"), ("math", "math")):
        if name == w.aliases.get(template):
            return ("module", module)
    return ("builtin", name)


_ABSENT = object()


def unified(derivs: List[Any], calls: List[Dict[str, Tuple[int, str]]], module_of: Any
            ) -> Tuple[List[Any], Dict[Entity, str]]:
    """Copies of ``derivs`` (the main one first) reading one name per entity (see the module),
    and the name each entity got.  ``calls[i]``: the names derivative ``i`` calls other
    derivatives' functions by, as (index of that derivative, its function's name);
    ``module_of(fn)``: the module whose globals ``fn``'s free names are."""
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
    return [_renamed(d, {n: named[e] for n, e in u.items()}, u, module_of, named.get(("runtime",)))
            for d, u in zip(derivs, uses)], named


def _renamed(d: Any, rename: Dict[str, str], uses: Dict[str, Entity], module_of: Any, runtime: Any) -> Any:
    """A copy of ``d`` whose functions read ``rename[name]`` for each global ``name``."""
    functions = [deepcopy(f) for f in d.functions]
    for f in functions:
        f.name = rename.get(f.name, f.name)
        for n in walk(f):
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load) and n.id in rename:
                n.id = rename[n.id]
    w = d.w
    env: Dict[str, Any] = {}
    foreign: Dict[str, Tuple[str, str]] = {}
    for old, entity in uses.items():
        new = rename[old]
        if entity[0] in ("module", "builtin") and old in w.env:
            env[new] = w.env[old]
        elif entity[0] == "user":
            env[new] = w.env[old]
            if entity[1:] != (module_of(w.fn), new):  # imported under another name
                foreign[new] = (entity[1], entity[2])
    aliases = dict(w.aliases)
    for template in ("np", "math"):
        aliases[template] = rename.get(aliases[template], aliases[template])
    aliases["_tl"] = runtime or aliases["_tl"]  # one name for the runtime helpers in all derivatives
    new_w = dataclasses.replace(w, env=env, aliases=aliases, foreign=foreign)
    return dataclasses.replace(d, functions=functions, w=new_w)
