"""Functions that take ``*args`` / ``**kwargs``, differentiated as they are called.

The code tangent_lite generates has one parameter per argument, so a function ``def f(x, *xs,
**opts)`` is differentiated through a function of the arguments of the call at hand, made from
source (a file in this process's scratch directory, so that it reads like any function)::

    def f(x, xs_0, xs_1, *, scale):
        return f_varargs(x, xs_0, xs_1, scale=scale)

where ``f_varargs`` is the user's ``f``: the call is inlined like that of any function taking
``*args`` (its own code, guards and edits followed as usual).  ``wrt`` counts the positional
arguments of the call (``wrt=2`` is ``xs_1`` above) or names them as above.  One such function
is made per function and per (number of positional arguments, keyword names), and remembered.
"""

from __future__ import annotations

import builtins
import functools
import hashlib
import inspect
import keyword
import re
import weakref
from typing import Any, Callable, Dict, Optional, Sequence, Tuple

from .backends import scratch
from .callables import _made_by_tangent_lite, as_partial
from .errors import Location

_MADE: weakref.WeakKeyDictionary[Any, Dict[Tuple[Any, ...], Callable]] = weakref.WeakKeyDictionary()
_FILES: Dict[str, Any] = {}  # the file of each function made here -> the user's function it calls (weakly)
_VARARGS = inspect.CO_VARARGS | inspect.CO_VARKEYWORDS


def _varargs_function(f: Any) -> Any:
    """The plain Python function behind ``f`` if it takes ``*args`` or ``**kwargs``, else None
    (a ``functools.wraps`` wrapper that only forwards is its function: callables.as_partial)."""
    if hasattr(f, "__tl_varargs__"):  # what lazy() returned, transformed again
        return f
    g = as_partial(f)
    code = getattr(g, "__code__", None)
    if not inspect.isfunction(g) or code is None or not code.co_flags & _VARARGS or _made_by_tangent_lite(g):
        return None  # (what tl.grad returned takes *args: transformed again as it says, compose.py)
    return g


def as_called(f: Any, args: Sequence[Any], kwargs: Dict[str, Any]) -> Any:
    """``f``, or for a function taking ``*args`` / ``**kwargs`` the function of exactly these
    arguments that calls it (refused, at the ``def`` line, when that cannot be made)."""
    g = _varargs_function(f)
    if g is None:
        return f
    made = getattr(g, "__tl_varargs__", None)
    if made is not None:  # tl.grad(tl.grad(f)): the inner transformation of f as called
        transformation, inner, targs, tkw = made
        return transformation(as_called(inner, args, kwargs), *targs, **tkw)
    made = fixed_arity(g, len(args), tuple(kwargs))
    if made is None:  # (a keyword named like a parameter it would make, no scratch directory): refused
        from .frontend.fence import signature_error

        raise signature_error(g)
    return made


def lazy(transformation: Callable, f: Any, *targs: Any, **tkw: Any) -> Any:
    """What ``transformation(f, *targs, **tkw)`` (tl.grad, tl.jacobian, ...) returns for a
    function taking ``*args`` / ``**kwargs``: at each call, the transformation of the function
    of that call's arguments (made once per number of arguments and keyword names).  ``f``
    itself when it takes neither."""
    g = _varargs_function(f)
    if g is None:
        return None
    made: Dict[Tuple[Any, ...], Callable] = {}

    @functools.wraps(g)
    def run(*args: Any, **kwargs: Any) -> Any:
        key = (len(args), tuple(kwargs))
        t = made.get(key)
        if t is None:
            t = made[key] = transformation(as_called(g, args, kwargs), *targs, **tkw)
        return t(*args, **kwargs)

    run.__tl_varargs__ = (transformation, g, targs, tkw)
    return run


def fixed_arity(fn: Any, n: int, keywords: Tuple[str, ...]) -> Any:
    """The function of ``n`` positional arguments and the keyword arguments ``keywords`` that
    calls ``fn`` with them; None if its parameters cannot be named (a clash of names)."""
    key = (n, keywords, fn.__code__)
    try:
        known = _MADE.setdefault(fn, {})
    except TypeError:
        known = {}
    if key in known:
        return known[key]
    made = _make(fn, n, keywords)
    if made is not None:
        known[key] = made
    return made


def _make(fn: Any, n: int, keywords: Tuple[str, ...]) -> Any:
    params = list(inspect.signature(fn).parameters.values())
    named = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    star = next((p.name for p in params if p.kind == p.VAR_POSITIONAL), "args")
    name = fn.__name__ if fn.__name__.isidentifier() else "_lambda"
    target = f"{name}_varargs"
    names = [named[i] if i < len(named) else f"{star}_{i - len(named)}" for i in range(n)]
    every = names + list(keywords) + [target]
    if len(set(every)) != len(every) or not all(s.isidentifier() and not keyword.iskeyword(s) for s in every):
        return None
    signature = ", ".join(names + (["*"] + list(keywords) if keywords else []))
    call = ", ".join(names + [f"{k}={k}" for k in keywords])
    text = (f"# {fn.__qualname__} as called with {n} positional argument{'s' * (n != 1)}"
            f"{' and ' + ', '.join(keywords) if keywords else ''} (tangent_lite/varargs.py)\n"
            f"def {name}({signature}):\n    return {target}({call})\n")
    digest = hashlib.sha1(f"{fn.__module__}.{fn.__qualname__}\n{text}".encode()).hexdigest()[:12]
    path = scratch.write_scratch(f"varargs_{name}_{digest}.py", text)
    if path is None:
        return None
    space = {"__name__": f"tangent_lite_varargs_{digest}", "__builtins__": builtins, target: fn}
    exec(compile(text, path, "exec"), space)  # noqa: S102 - our own text, naming the user's function
    made = space[name]
    made.__qualname__ = name
    try:
        _FILES[path] = weakref.ref(fn)
    except TypeError:
        pass
    return made


def users_location(loc: Location, message: str) -> Optional[Location]:
    """Where in the user's function a refusal located in a file made here (``def f(a_0): return
    f_varargs(a_0)``: what is inlined from the user's function reports at that call) belongs: the
    line of the user's function calling what the message names (``the call to 's2'``), else its
    ``def`` line; None for a location elsewhere."""
    made = _FILES.get(loc.filename)
    fn = made() if made is not None else None
    if fn is None:
        return None
    try:
        lines, first = inspect.getsourcelines(fn)
    except (OSError, TypeError):
        return None
    at = 0
    for name in re.findall(r"'([A-Za-z_][\w.]*)'", message):
        hits = [i for i, line in enumerate(lines) if i and re.search(rf"(?<![\w.]){re.escape(name)}\s*\(", line)]
        if len(hits) == 1:
            at = hits[0]
            break
    return Location(fn.__code__.co_filename, first + at, lines[at].rstrip("\n"))
