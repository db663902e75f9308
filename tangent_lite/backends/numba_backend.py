"""The optional Numba backend: generated gradients compiled with ``numba.njit``.

``tl.grad(f, backend="numba")``, ``@tl.differentiate(backend="numba")`` and
``adgen --backend numba`` run the code the Python backend generates, rewritten so that
Numba's nopython mode accepts it, then compiled per argument types on the first call.

The rewrite of the generated module's text (one typed tape per saved name, tapes indexed by
the loop's iteration, ``reversed`` loops unrolled, ``_tl.<helper>`` calls bound to the
helpers of :mod:`~tangent_lite.backends.numba_runtime`) is
:mod:`~tangent_lite.backends.numba_rewrite`, with what it reads from each function in
:mod:`~tangent_lite.backends.numba_tapes`; this module loads, compiles and falls back.  The
generated functions of user callees (``g_fwd`` / ``g_bwd``) are compiled the same way and
bound in place of the Python ones.

The rewritten module is written next to the generated one (``<name>_numba.py``) and
compiled with ``cache=True`` when it reads no user globals, so a later process loads the
machine code instead of compiling it again.  What cannot be rewritten (an unsupported
runtime helper, a tape used another way) or compiled (a Numba typing error) falls back to
the Python backend with a :class:`~tangent_lite.errors.BackendFallbackWarning`, as does
a missing ``numba``.  Results equal the Python backend's to rounding.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib.util
import os
import re
import sys
import types
from typing import Any, Callable, Dict, List, Optional, Set, Tuple

from ..errors import BackendFallbackWarning, warn_at_user
from . import cache, numba_rewrite, numba_tapes
from .numba_rewrite import rewrite
from .numba_tapes import Unsupported, _name

STATE = "__tl_numba__"  # the per-module record, in the generated module's namespace
INSTALL_HINT = "To fix: pip install numba (or tangent_lite[numba]), or use the default backend='python'"


# ------------------------------------------------------------------ availability


def _import_numba() -> Any:
    import numba  # noqa: PLC0415 - optional dependency, imported on first use

    return numba


def available() -> Tuple[bool, str]:
    """(whether numba imports, why not)."""
    try:
        _import_numba()
    except Exception as exc:  # noqa: BLE001 - ImportError, or a numba/numpy mismatch at import
        return False, f"{type(exc).__name__}: {exc}"
    return True, ""


# ------------------------------------------------------------------ compiling loaded modules


def _generated_function(value: Any) -> bool:
    g = getattr(value, "__globals__", None)
    return isinstance(value, types.FunctionType) and isinstance(g, dict) and "__tl_meta__" in g


def _compile_module(g: Dict[str, Any]) -> Dict[str, Any]:
    """The Numba dispatchers of every function of the generated module whose namespace is ``g``."""
    state = g.get(STATE)
    if state is not None:
        if isinstance(state, Unsupported):
            raise state
        return state
    numba = _import_numba()
    from . import numba_runtime

    # while this module is being prepared, a callee that leads back to it cannot be compiled
    g[STATE] = Unsupported("a generated module reached again through the functions it calls")
    with open(g["__file__"], encoding="utf-8") as fh:
        generated = fh.read()
    path = g["__file__"][:-3] + "_numba.py"
    # the header names what the text was rewritten from and by: a file with the same header is reused
    header = (f"# rewritten for Numba {numba.__version__} by tangent_lite {_fingerprint()} from "
              f"{hashlib.sha256(generated.encode()).hexdigest()[:16]}\n")
    text = _read(path)
    if text is not None and text.startswith(header):
        names = re.findall(r"^def (\w+)\(", text, re.M)
        used = set(re.findall(r"\b_tl_(\w+)\(", text)) & set(numba_runtime.HELPERS)
    else:
        try:
            text, names, used = rewrite(generated, set(numba_runtime.HELPERS))
        except Unsupported as exc:
            g[STATE] = exc
            raise
        text = header + text
        path = cache.write(path, text)  # atomic; elsewhere if this directory is not writable
    # a flat, importable name: Numba's disk cache imports the module back by name
    mod_name = "_tl_numba_" + "".join(c if c.isalnum() else "_" for c in os.path.basename(path)[:-3])
    spec = importlib.util.spec_from_file_location(mod_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[mod_name] = module
    spec.loader.exec_module(module)
    cacheable = True
    for key, value in list(g.items()):
        if key.startswith("__") or key == "_tl" or key in module.__dict__:
            continue
        if _generated_function(value):  # a user callee's generated function: compiled too
            value = _compile_module(value.__globals__)[value.__name__]
        elif not isinstance(value, types.ModuleType):
            cacheable = False  # a user global: Numba freezes its value into the machine code
            if isinstance(value, types.FunctionType):  # a user function called on constants: compiled as is
                value = numba.njit(value)
        module.__dict__[key] = value
    for helper in used:
        module.__dict__[f"_tl_{helper}"] = getattr(numba_runtime, helper)
    state = {}
    for name in names:
        py = module.__dict__[name]
        try:
            disp = numba.njit(cache=cacheable)(py)
        except Exception:  # noqa: BLE001 - no writable cache location: compile every process
            disp = numba.njit(py)
        state[name] = module.__dict__[name] = disp
    g[STATE] = state
    return state


@functools.lru_cache(maxsize=1)
def _fingerprint() -> str:
    """Hash of the rewrite (this module, numba_tapes and numba_rewrite) and the helpers: part of
    the rewritten text, so a change to either changes the file and invalidates Numba's disk
    cache of it (Numba tracks no dependencies)."""
    from . import numba_runtime

    h = hashlib.sha256()
    for mod in (numba_runtime, numba_tapes, numba_rewrite, sys.modules[__name__]):
        with open(mod.__file__, "rb") as fh:
            h.update(fh.read())
    return h.hexdigest()[:16]


def _read(path: str) -> Optional[str]:
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    except OSError:
        return None


def _fallback(fn: Callable, why: str, hint: str) -> None:
    where = ""
    meta = getattr(fn, "__globals__", {}).get("__tl_meta__") or {}
    if meta.get("qualname"):
        where = f" of '{meta['qualname']}'"
    warn_at_user(BackendFallbackWarning(
        f"backend='numba': the gradient{where} ({fn.__name__}) runs on the Python backend: {why}\n{hint}"))


def _compiled_for(disp: Any, args: Tuple[Any, ...]) -> bool:
    """Has ``disp`` machine code for these argument types (so an error came from running it)?"""
    try:
        return tuple(disp.typeof_pyval(a) for a in args) in disp.overloads
    except Exception:  # noqa: BLE001 - an argument Numba cannot type: it did not compile
        return False


class Jitted:
    """A generated function run by Numba, or by Python after a warning if that fails."""

    def __init__(self, py: Callable):
        self.py = py
        self.run: Callable = self._first
        self.__name__ = py.__name__
        self.__wrapped__ = py

    def _first(self, *args: Any) -> Any:
        try:
            _import_numba()
        except Exception as exc:  # noqa: BLE001
            _fallback(self.py, f"numba cannot be imported ({type(exc).__name__}: {exc})", INSTALL_HINT)
            self.run = self.py
            return self.py(*args)
        frozen = _data_globals(self.py.__globals__)
        if frozen:  # Numba would bake their values in at compilation: later changes would be missed
            _fallback(self.py, f"it reads the module-level value{'s' if len(frozen) > 1 else ''} "
                      f"{', '.join(repr(n) for n in frozen)}, which Numba would freeze when it compiles",
                      "To fix: nothing is needed (the Python backend reads them at every call); to compile it, "
                      "pass them as arguments")
            self.run = self.py
            return self.py(*args)
        try:
            disp = _compile_module(self.py.__globals__)[self.py.__name__]
        except Unsupported as exc:
            _fallback(self.py, f"the generated code uses {exc}, which the Numba backend does not support",
                      "To fix: nothing is needed (results are the same); to compile it, avoid that construct "
                      "in the loop-heavy code, or report it")
            self.run = self.py
            return self.py(*args)
        except Exception as exc:  # noqa: BLE001 - a broken numba install, an unwritable directory, ...
            _fallback(self.py, f"preparing it for Numba failed ({type(exc).__name__}: {exc})", INSTALL_HINT)
            self.run = self.py
            return self.py(*args)
        self.run = self._compiled(disp)
        return self.run(*args)

    def _compiled(self, disp: Any) -> Callable:
        from numba.core.errors import NumbaError

        def run(*args: Any) -> Any:
            try:
                return disp(*args)
            except Exception as exc:  # noqa: BLE001 - typing fails before anything runs: Python is a safe fallback
                if not isinstance(exc, NumbaError) and _compiled_for(disp, args):
                    raise  # compiled, then failed while running: the user's error, as Python would raise it
                lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
                why = " ".join(ln for ln in lines if not ln.startswith("Failed in"))[:300] or type(exc).__name__
                _fallback(self.py, f"Numba cannot compile it ({why})",
                          "To fix: nothing is needed (results are the same); to compile it, keep the "
                          "differentiated code to numbers, NumPy arrays and loops (see docs/numba.md)")
                self.run = self.py
                return self.py(*args)

        return run

    def __call__(self, *args: Any) -> Any:
        return self.run(*args)


def _data_globals(namespace: Dict[str, Any]) -> List[str]:
    """The user's module-level values (not functions or modules) that a generated module, or the
    generated modules of the user functions it calls, read: Numba would freeze them."""
    found: List[str] = []
    seen: set = set()
    todo = [namespace]
    while todo:
        g = todo.pop()
        if id(g) in seen:
            continue
        seen.add(id(g))
        meta = g.get("__tl_meta__") or {}
        for n in meta.get("bindings", []):
            if n not in g or isinstance(g[n], types.ModuleType):
                continue
            value = g[n]
            if _generated_function(value):
                todo.append(value.__globals__)
            elif isinstance(value, types.FunctionType):  # a user function compiled as is
                own = value.__globals__
                found.extend(f"{value.__name__}: {m}" for m in value.__code__.co_names
                             if m in own and not callable(own[m])
                             and not isinstance(own[m], types.ModuleType)
                             and f"{value.__name__}: {m}" not in found)
            elif not callable(value) and n not in found:
                found.append(n)
        todo.extend(v.__globals__ for k, v in g.items() if not k.startswith("__") and _generated_function(v))
    return sorted(found)


def jit(py: Callable) -> Jitted:
    """The Numba-compiled form of a loaded generated function (one per function)."""
    cache: Dict[str, Jitted] = py.__globals__.setdefault("__tl_numba_jitted__", {})
    if py.__name__ not in cache:
        cache[py.__name__] = Jitted(py)
    return cache[py.__name__]


# ------------------------------------------------------------------ adgen


def standalone(text: str) -> str:
    """A standalone generated module (``adgen``) rewritten for Numba: every generated
    function decorated with ``numba.njit`` and the Numba helpers pasted in."""
    from .. import runtime
    from . import numba_runtime

    tree = ast.parse(text)
    helper_names: Set[str] = set()
    body = []
    for stmt in tree.body:
        # the inlined Python helpers and their `_tl` namespace give way to the Numba ones
        if isinstance(stmt, ast.FunctionDef) and hasattr(runtime, stmt.name):
            continue
        if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "_tl" for t in stmt.targets):
            continue
        body.append(stmt)
    tree.body = body
    new, names, used = rewrite(ast.unparse(tree), set(numba_runtime.HELPERS))
    helper_names |= used
    tree = ast.parse(new)
    for stmt in tree.body:
        if isinstance(stmt, ast.FunctionDef) and stmt.name in names:
            stmt.decorator_list = [ast.Attribute(value=_name("numba"), attr="njit", ctx=ast.Load())]
    head = [ln for ln in text.splitlines() if ln.startswith("#")][:4]
    aliases = "".join(f"_tl_{h} = {h}\n" for h in sorted(helper_names))
    helpers = numba_runtime.helper_sources(sorted(helper_names))
    prelude = ("# Numba backend (adgen --backend numba): needs numpy and numba\n"
               "import math\nimport os\nimport numba\nimport numpy as np\nfrom numba import types as nbtypes\n"
               "from numba.extending import overload\n\n\n")
    return "\n".join(head) + "\n" + prelude + helpers + "\n\n" + aliases + "\n\n" + ast.unparse(tree) + "\n"


# ------------------------------------------------------------------ the api's hook


BACKENDS = ("python", "numba")


def check_backend(backend: Any) -> None:
    if backend not in BACKENDS:
        from ..errors import ArgumentError

        raise ArgumentError(f"unknown backend {backend!r}",
                            hint=f"use one of {', '.join(repr(b) for b in BACKENDS)} (numba: docs/numba.md)")


def with_backend(generated: Callable, backend: str) -> Callable:
    """``generated`` as ``backend`` runs it: itself, or its :class:`Jitted` form."""
    return generated if backend == "python" else jit(generated)
