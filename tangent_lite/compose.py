"""Transformations compose: what ``tl.grad`` and ``tl.value_and_grad`` return can be
transformed again (``tl.grad(tl.grad(f))``, ``tl.jacobian(tl.grad(f))``, ``tl.hvp`` of it, ...).

A function these return carries its recipe (``__tl_recipe__``: which transformation, of
which function, with respect to what).  Transforming it again transforms its *equivalent*: a plain
Python function with ``f``'s parameters whose body calls ``f``'s generated derivative, e.g.
for ``tl.grad(loss, wrt="W")``::

    def loss_grad(W, x):
        value, grad = _derivative(W, x)          # loss_vjp of the generated module
        _tl.scalar_only(value, "...")            # (grad needs a scalar: refused otherwise)
        return grad

The generated derivative is ordinary Python in a real file, so tangent_lite differentiates
the equivalent like any user function that calls a helper: to any order, in either mode.
The equivalent is made again whenever ``f``'s derivative module changes (an edit, a rebound
global: its guards), so a transformation of a transformation never runs stale code.
"""

from __future__ import annotations

import inspect
import itertools
from typing import Any, Callable, Dict, NamedTuple, Optional, Tuple

from . import callables
from .backends import cache, codegen, scratch
from .syntax.naming import Namer

_COUNTER = itertools.count()


class Recipe(NamedTuple):
    """How a transformed function was made (``run.__tl_recipe__``): looked at again at every
    use, so that what ``origin`` stands for now (an edit, a rebound ``__call__``, an inner
    transformation whose function changed) is what is transformed."""
    kind: str  # "grad" or "value_and_grad"
    origin: Any  # what the transformation was given (a function, method, partial, callable, transformation)
    wrt: Any  # as it was given


def wrapper(kind: str, fn: Callable, names: Tuple[str, ...], single: bool, held: Tuple[Tuple[str, Any], ...],
            derivative: Callable) -> Callable:
    """The equivalent of ``tl.<kind>(fn, wrt=names)`` as a plain function calling ``derivative``
    (the generated ``f_vjp(*params, seed=1.0) -> (value, gradients)`` of ``fn``; for ``kind``
    "jvp", ``f_jvp(*params, *tangents) -> (value, tangent)``, and the function takes the
    parameters then the tangents); ``held``: the parameters a partial or bound method holds,
    and their values."""
    params = callables.params(fn)
    name = f"{fn.__name__}_{kind}" if fn.__name__.isidentifier() else kind
    namer = Namer(params)
    value, grad, call, tl_name = (namer.fresh(base) for base in ("value", "grad", "_derivative", "_tl"))
    # the values a partial or bound method holds: attributes of one plain data object of the
    # equivalent's module (read at every call, never taken for functions to inline, even when
    # the object held is callable itself)
    held_values = dict(held)
    holder = namer.fresh("_held")
    bindings: Dict[str, Any] = {call: derivative, holder: Held(held_values)}
    passed = [f"{holder}.{p}" if p in held_values else p for p in params]
    signature = []
    for p in params:
        if p in held_values:
            continue
        default = callables.signature(fn).parameters[p].default
        if default is inspect.Parameter.empty or kind == "jvp":  # (jvp: the tangents come after)
            signature.append(p)
        else:  # (a default is a value of the module, as the user's function has it)
            default_name = namer.fresh(f"_default_{p}")
            bindings[default_name] = default
            signature.append(f"{p}={default_name}")
    wrt = ", ".join(repr(w) for w in names)
    head = (f"# tangent_lite: tl.{kind}({fn.__qualname__}, wrt=({wrt},)) as a function tangent_lite can "
            "differentiate again\n"
            f"import tangent_lite.runtime as {tl_name}\n\n\n")
    if kind == "jvp":  # tl.jvp(fn, primals, tangents): the primals, then a tangent per wrt name
        tangents = [namer.fresh(f"{n}_dot") for n in names]
        text = (head + f"def {name}({', '.join(signature + tangents)}):\n"
                f"    return {call}({', '.join(passed + tangents)})\n")
    else:
        n = len(names)
        picked = grad if (n > 1 or single) else f"({grad},)"
        check = (f"    {tl_name}.scalar_only({value}, \"tl.{kind}({fn.__qualname__}) transformed again needs "
                 f"{fn.__qualname__} to return a scalar\")\n")
        result = picked if kind == "grad" else f"{value}, {picked}"
        text = (head + f"def {name}({', '.join(signature)}):\n"
                f"    {value}, {grad} = {call}({', '.join(passed)})\n"
                f"{check}"
                f"    return {result}\n")
    serial = next(_COUNTER)
    plain = cache.file_part(fn.__qualname__)
    module_name = f"tangent_lite_generated.compose.{plain}_{kind}_{serial}"
    filename = scratch.write_scratch(f"compose.{plain}.{kind}.{serial}.py", text) \
        or f"<tangent_lite compose {serial}>"
    module = codegen.load_text(text, filename, bindings, module_name)
    wrapper = getattr(module, name)
    wrapper.__qualname__ = f"{fn.__qualname__}_{kind}"
    wrapper.__tl_module__ = module  # (generated modules are held weakly: codegen.LOADED)
    return wrapper


class Held:
    """The values a ``functools.partial`` or bound method holds, by parameter name."""

    def __init__(self, values: Dict[str, Any]):
        self.__dict__.update(values)


def made_from(fn: Callable) -> Optional[Callable[[], bool]]:
    """For generated code (a derivative, or a function compose.py made that calls one), the
    runner of the generated module behind it: a derivative of it serves while that one does (an
    edit of a helper of the user's function makes that module anew), and that runner copies in
    the user's current values, which the derivative of it reads from there."""
    current = getattr(fn, "__tl_current__", None)
    if current is None and str(getattr(fn, "__module__", "")).startswith("tangent_lite_generated."):
        current = getattr(codegen.LOADED.get(fn.__module__), "__tl_runner__", None)
    return current
