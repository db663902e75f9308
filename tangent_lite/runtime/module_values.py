"""What a standalone file ``adgen`` wrote reads from the user's modules and checks before it runs:
:class:`ModuleValues` (the values the derivative code was made for, described the same way in every
process and Python version) and :func:`closure_value` (a closure's variable, read through its function).
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import sys
import types
from typing import Any

import numpy as np

from .markers import user_error


def described(v: Any, how: str) -> str:
    """What a file ``adgen`` wrote expects of a value it reads from one of the user's modules, in
    words that are the same in every process and Python version (:class:`ModuleValues`).  ``how``:
    "type" (data, read at every call: its type) or "is" (what the derivative code was made for: a
    function, by its name, the digest of its source and its defaults; a function of NumPy, SciPy or
    ``math``, a ufunc (with its library) a class or a module, by name; a bound method, by its function
    and its object's type; a ``functools.partial``, by the number of arguments it binds; any other
    object, by its type)."""
    t = type(v)
    if how == "type" or not callable(v) and not isinstance(v, types.ModuleType):
        return f"a value of type {t.__qualname__ if t.__module__ == 'builtins' else f'{t.__module__}.{t.__qualname__}'}"
    if isinstance(v, np.ufunc):  # (by name and library: scipy.special's ufuncs have no __module__)
        home = next((m for m in ("numpy", "scipy.special") if getattr(sys.modules.get(m), v.__name__, None) is v),
                    getattr(v, "__module__", None) or "(no library)")
        return f"the ufunc {home}.{v.__name__}"
    if isinstance(v, types.MethodType):  # (st.norm.logpdf: a function shared by all distributions, and its object)
        owner = v.__self__
        return f"{described(v.__func__, 'is')} bound to {described(owner, 'is' if isinstance(owner, type) else 'type')}"
    home = getattr(v, "__module__", None)
    if isinstance(home, str) and home.partition(".")[0] in ("numpy", "scipy", "math") and not isinstance(v, type) \
            and isinstance(getattr(v, "__qualname__", None), str):  # (by name: the same in every library version)
        return f"the library function {home}.{v.__qualname__}"
    if isinstance(v, types.FunctionType):
        try:
            digest = hashlib.sha256(inspect.getsource(v).encode()).hexdigest()[:12]
        except (OSError, TypeError):
            digest = "unreadable"
        shown = ", ".join(_default_shown(d) for d in (v.__defaults__, v.__kwdefaults__) if d) or "none"
        return f"the function {v.__module__}.{v.__qualname__} (source {digest}, defaults {shown})"
    if isinstance(v, types.ModuleType):
        return f"the module {v.__name__}"
    if isinstance(v, functools.partial):
        return f"a functools.partial binding {len(v.args)} positional argument{'' if len(v.args) == 1 else 's'}"
    name = getattr(v, "__qualname__", None) or getattr(v, "__name__", None)
    module = getattr(v, "__module__", None)
    if isinstance(name, str) and isinstance(module, str):
        return f"the {'class' if isinstance(v, type) else t.__qualname__} {module}.{name}"
    return described(v, "type")


def _default_shown(d: Any) -> str:
    """A function's defaults as :func:`described` shows them: numbers and strings by value, the
    functions among them by name (the derivative code calls them), other data by type (read
    when the code runs)."""
    if _plain(d):
        return repr(d)
    if isinstance(d, tuple):
        return "(" + ", ".join(_default_shown(i) for i in d) + ("," if len(d) == 1 else "") + ")"
    if isinstance(d, dict):
        return "{" + ", ".join(f"{k!r}: {_default_shown(i)}" for k, i in d.items()) + "}"
    if callable(d) and not isinstance(d, type):
        return f"<{described(d, 'is')}>"
    return f"<{type(d).__name__}>"


def _plain(v: Any) -> bool:
    """Numbers, strings, None and tuples or dicts of them (a repr that is the same in every process)."""
    if v is None or isinstance(v, (bool, int, float, complex, str)):
        return True
    if isinstance(v, tuple):
        return all(_plain(i) for i in v)
    return isinstance(v, dict) and all(_plain(k) and _plain(i) for k, i in v.items())


_NOTHING = object()


class ModuleValues:
    """The values a file ``adgen`` wrote reads from the user's modules, checked at every call of its
    functions (``check()``, their first statement), as ``tl.grad`` checks them before every call:
    ``rows`` are (module, name, path, how, expected): ``module.name`` and the attributes of
    ``path`` (``"<global>n"``: the global ``n`` of the function reached) must be :func:`described`
    by ``expected``.  The functions read the values themselves (``model.W``) when they run, so a
    rebinding is followed; a value of another kind than the file was written for (a float bound to
    an object with operators of its own, a helper function bound to another one) is refused, with
    the ``adgen`` command that writes the file again.  A value accepted once is remembered (the
    object, or a data value's type): the next calls compare identities only."""

    def __init__(self, name: str, command: Any = None, rows: Any = ()) -> None:
        self.name = name
        self.command = command
        self.rows = tuple(rows)
        self.seen: list = [None] * len(self.rows)

    def check(self) -> None:
        seen = self.seen
        i = 0
        for module, name, path, how, _ in self.rows:
            v = getattr(module, name, _NOTHING)
            for part in path:
                v = _step(v, part)
            last = seen[i]
            if how == "type":
                if type(v) is not last:
                    self._accept(i, v)
            elif last is None or last[0] is not v or last[1] is not getattr(v, "__code__", None) \
                    or last[2] is not getattr(v, "__defaults__", None) \
                    or last[3] is not getattr(v, "__kwdefaults__", None) \
                    or last[4] is not None and (len(last[3]) != len(last[4]) or any(
                        last[3].get(k, _NOTHING) is not d for k, d in last[4])):  # (__kwdefaults__ edited in place)
                self._accept(i, v)
            i += 1

    def _accept(self, i: int, v: Any) -> None:
        """Remember ``v`` (a data value: its type) as what row ``i`` holds, or refuse it."""
        module, name, path, how, expected = self.rows[i]
        shown = _shown(module, name, path)
        now = "missing" if v is _NOTHING else described(v, how)
        if now != expected and module.__name__.partition(".")[0] in ("numpy", "math"):  # (a library the file calls)
            raise user_error("TangentLiteError", f"{shown} is {now} now, not the library's own function (rebound: a "
                             f"monkeypatch?); {self.name} calls it by name, and its derivative code holds only for "
                             f"{expected}", f"restore the original ({shown[1:-1]} = the function saved before "
                             f"patching) while the functions of {self.name} run")
        if now != expected:
            raise user_error("TangentLiteError", f"{shown} is {now} now, but {self.name} was written by adgen when "
                             f"it was {expected}: its derivative code holds only for that",
                             f"write the file again ({self.command or 'adgen'}), or bind {shown.strip(chr(39))} "
                             "to what it was")
        kw = getattr(v, "__kwdefaults__", None)
        self.seen[i] = type(v) if how == "type" else (v, getattr(v, "__code__", None), getattr(v, "__defaults__", None),
                                                      kw, tuple(kw.items()) if isinstance(kw, dict) else None)


def _step(v: Any, part: str) -> Any:
    """The attribute ``part`` of ``v``, or the global (``"<global>n"``) or closure variable
    (``"<cell>n"``) ``n`` of the function ``v``."""
    if part.startswith("<global>"):
        return getattr(v, "__globals__", {}).get(part[8:], _NOTHING)
    if part.startswith("<cell>"):
        return closure_value(v, part[6:], _NOTHING)
    return getattr(v, part, _NOTHING)


def closure_value(fn: Any, name: str, missing: Any = None) -> Any:
    """The value of the closure variable ``name`` of the function ``fn`` now (``missing`` if it has
    none): how a file ``adgen`` wrote reads the variables of a closure (``g = make(2.0)``) when it runs."""
    code = getattr(fn, "__code__", None)
    if code is None or name not in code.co_freevars or not fn.__closure__:
        return missing
    try:
        return fn.__closure__[code.co_freevars.index(name)].cell_contents
    except ValueError:  # (an empty cell)
        return missing


def _shown(module: Any, name: str, path: Any) -> str:
    """How a message names the value a row of :class:`ModuleValues` reads: ``'model.W'``, or the
    closure variable ``c`` of ``model.g``."""
    shown = ".".join([module.__name__, name])
    for part in path:
        if part.startswith("<cell>"):
            shown = f"the closure variable '{part[6:]}' of {shown}"
        else:
            shown = f"{shown}.{part.replace('<global>', '')}"
    return shown if shown.startswith("the closure") else f"'{shown}'"
