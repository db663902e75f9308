"""Name resolution and SSA naming: what a free name of the function (or of a function
inlined into it) refers to, recorded as a guard; the current SSA name of a local variable;
fresh names for new versions and temporaries."""

from __future__ import annotations

import builtins
import difflib
import math
import types
from typing import Any, Dict, Optional, Set, Tuple

import numpy as np

from ... import runtime
from ... import syntax as S
from ...errors import TangentLiteError, UnsupportedConstructError
from ...syntax import gast
from ...syntax.annotations import Key, set_anno
from .common import _MISSING, COMPILER_BUILTINS, _opaque
from .state import Part


class Names(Part):
    """Name resolution and SSA naming: what a free name of the function (or of a function
    inlined into it) refers to, recorded as a guard; the current SSA name of a local variable;
    fresh names for new versions and temporaries."""

    def choose_aliases(self) -> Dict[str, str]:
        aliases = {}
        for mod_name, module in (("np", np), ("math", math)):
            bound = [n for n in self._free_roots() if self.resolve_free(n) is module]
            if mod_name == "np" and self.namespaces.rules_module() is not np:  # array-API code: rules via xnp
                aliases[mod_name] = alias = self.cx.namer.fresh("xnp")
                self.cx.env[alias] = self.namespaces.rules_module()
            elif bound:
                aliases[mod_name] = sorted(bound, key=lambda n: (n != mod_name, n))[0]
            elif mod_name in self.cx.locals or mod_name in self._free_roots():
                aliases[mod_name] = self.cx.namer.fresh("_" + mod_name)
            else:
                aliases[mod_name] = mod_name
        taken = "_tl" in self.cx.locals or ("_tl" in self._free_roots() and self.resolve_free("_tl") is not runtime)
        aliases["_tl"] = self.cx.namer.fresh("_tl") if taken else "_tl"
        for name in COMPILER_BUILTINS:  # builtins generated code calls: under another name where the user's shadow them
            obj = getattr(builtins, name)
            if name in self.cx.locals or (name in self._free_roots() and self.resolve_free(name) is not obj):
                alias = aliases[name] = self.cx.namer.fresh("_" + name)
                self.cx.foreign[alias] = self.cx.env[alias] = obj
                self.cx.foreign_sources[alias] = ("builtins", name)
            else:
                aliases[name] = name
        return aliases

    def _free_roots(self) -> Set[str]:
        if self.cx.roots is None:
            self.cx.roots = {
                n.id for n in S.walk(self.cx.fdef)
                if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load) and n.id not in self.cx.locals
            }
        return self.cx.roots

    def resolve_free(self, name: str, guard: bool = True) -> Any:
        """What the free name ``name`` is now (``guard``: and record that the code assumes it)."""
        guarded = self.guarded if guard else lambda path, obj: obj
        if name in self.cx.foreign:
            return self.cx.foreign[name]
        if name in self.cx.closure:
            return guarded(("cell", name, ()), self.cx.closure[name])
        g = self.cx.fn.__globals__
        if name in g:
            return guarded(("global", name, ()), g[name])
        if hasattr(builtins, name):
            return guarded(("global", name, ()), getattr(builtins, name))
        if name == self.cx.aliases.get("_tl", "_tl"):
            return runtime
        return _MISSING

    def guarded(self, path: Tuple[str, str, Tuple[str, ...]], obj: Any) -> Any:
        """Record that the generated code assumes ``path`` names ``obj`` (see guards.py); for a
        Python function also its default values, which calls of it bind."""
        self.cx.guards.setdefault(path, obj)
        if isinstance(obj, types.FunctionType):
            self.cx.guards.setdefault((path[0], path[1], path[2] + ("__code__",)), obj.__code__)
            for attr in ("__defaults__", "__kwdefaults__"):
                if getattr(obj, attr, None) is not None:
                    self.cx.guards.setdefault((path[0], path[1], path[2] + (attr,)), getattr(obj, attr))
        return obj

    def path_of(self, dotted: str) -> Optional[Tuple[str, str, Tuple[str, ...]]]:
        """The guard path of a dotted name as this function reads it (None: not one)."""
        root, *rest = dotted.split(".")
        if root in self.cx.foreign_paths:
            where, name, path = self.cx.foreign_paths[root]
            return where, name, path + tuple(rest)
        if root in self.cx.foreign or root in self.cx.locals:
            return None
        return ("cell" if root in self.cx.closure else "global"), root, tuple(rest)

    def read(self, node: Any) -> Any:
        """A Name load: the current SSA name of a local, or a resolved free name."""
        if node.id in self.cx.locals:
            return S.name(self.cx.current.get(node.id, node.id))
        if node.id in self.cx.opaque:
            return _opaque()
        obj = self.resolve_free(node.id)
        if obj is _MISSING:
            self.cx.error(TangentLiteError, f"name '{node.id}' is not defined", node, self.undefined_hint(node.id))
            return _opaque()
        if self.cx.unknown_context is not None and node.id not in self.cx.closure \
                and not (callable(obj) or isinstance(obj, types.ModuleType)):
            line, context = self.cx.unknown_context
            shown = self.cx.display_names.get(node.id, node.id)
            self.cx.error(UnsupportedConstructError,
                          f"reading the module-level value '{shown}' inside or after the 'with {context}(...)' "
                          f"block (line {line}): the context may change it while the function runs, and the "
                          "generated code reads module-level values when it is called", node,
                          f"pass '{shown}' to the function as an argument, or differentiate inside the context "
                          f"(with {context}(...): tl.grad(f)(x))")
        self.cx.env[node.id] = obj
        out = S.name(node.id)
        set_anno(out, Key.CALLEE, obj)
        return out

    def undefined_hint(self, name: str) -> str:
        known = ({n for n in self.cx.locals if not n.startswith("_")} | set(self.cx.fn.__globals__)
                 | set(self.cx.closure) | set(dir(builtins))) - {self.cx.fn.__name__}
        close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.75)
        if close:
            return f"did you mean '{close[0]}'? (or define '{name}' before the function uses it)"
        return f"define '{name}' before the function uses it: as an argument, a local variable, " \
            "or a module-level name"

    def target(self, var: str) -> str:
        """The name a new assignment to user variable ``var`` writes."""
        if var in self.cx.nonssa:
            self.cx.current[var] = var
            return var
        if var not in self.cx.current and var not in self.cx.params:
            self.cx.namer.reserve(var)
            name = var
        else:
            name = self.cx.namer.version(var)
        self.cx.current[var] = name
        self.cx.locals.add(name)
        self.cx.current.setdefault(name, name)
        return name

    def temp(self) -> str:
        t = self.cx.namer.temp()
        self.cx.locals.add(t)
        self.cx.current[t] = t
        return t
