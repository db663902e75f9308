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
from typing import Any, Callable, Dict, NamedTuple, Tuple

from . import callables
from .backends import codegen, scratch

_COUNTER = itertools.count()


class Recipe(NamedTuple):
    """How a transformed function was made (``run.__tl_recipe__``)."""
    kind: str  # "grad" or "value_and_grad"
    fn: Callable  # the plain Python function transformed
    names: Tuple[str, ...]  # its wrt parameters
    single: bool  # one wrt given as a single index or name: the gradient alone, not a 1-tuple
    held: Tuple[Tuple[str, Any], ...] = ()  # parameters a functools.partial / bound method holds, and their values


def wrapper(recipe: Recipe, derivative: Callable) -> Callable:
    """The equivalent of ``recipe`` applied, as a plain function calling ``derivative`` (the
    generated ``f_vjp(*params, seed=1.0) -> (value, gradients)`` of ``recipe.fn``)."""
    fn = recipe.fn
    params = callables.params(fn)
    name = f"{fn.__name__}_{recipe.kind}" if fn.__name__.isidentifier() else recipe.kind
    taken = set(params)
    value, grad, call = _fresh("value", taken), _fresh("grad", taken), _fresh("_derivative", taken)
    tl_name = _fresh("_tl", taken)
    held = dict(recipe.held)  # (self of a bound method, arguments of a partial: module globals of the equivalent)
    bindings: Dict[str, Any] = {call: derivative}
    passed = []
    for p in params:
        if p in held:
            passed.append(_fresh(f"_held_{p}", taken))
            bindings[passed[-1]] = held[p]
        else:
            passed.append(p)
    signature = []
    for p in params:
        if p in held:
            continue
        default = callables.signature(fn).parameters[p].default
        if default is inspect.Parameter.empty:
            signature.append(p)
        else:  # (a default is a value of the module, as the user's function has it)
            signature.append(f"{p}={_fresh(f'_default_{p}', taken)}")
            bindings[signature[-1].split("=")[1]] = default
    n = len(recipe.names)
    picked = grad if (n > 1 or recipe.single) else f"({grad},)"
    check = (f"    {tl_name}.scalar_only({value}, \"tl.{recipe.kind}({fn.__qualname__}) transformed again needs "
             f"{fn.__qualname__} to return a scalar\")\n")
    result = picked if recipe.kind == "grad" else f"{value}, {picked}"
    wrt = ", ".join(repr(w) for w in recipe.names)
    text = (f"# tangent_lite: tl.{recipe.kind}({fn.__qualname__}, wrt=({wrt},)) as a function tangent_lite can "
            "differentiate again\n"
            f"import tangent_lite.runtime as {tl_name}\n\n\n"
            f"def {name}({', '.join(signature)}):\n"
            f"    {value}, {grad} = {call}({', '.join(passed)})\n"
            f"{check}"
            f"    return {result}\n")
    serial = next(_COUNTER)
    module_name = f"tangent_lite_generated.compose.{_plain(fn.__qualname__)}_{recipe.kind}_{serial}"
    filename = scratch.write_scratch(f"compose.{_plain(fn.__qualname__)}.{recipe.kind}.{serial}.py", text) \
        or f"<tangent_lite compose {serial}>"
    module = codegen.load_text(text, filename, bindings, module_name)
    wrapper = getattr(module, name)
    wrapper.__qualname__ = f"{fn.__qualname__}_{recipe.kind}"
    return wrapper


def _fresh(base: str, taken: set) -> str:
    name = base
    for i in itertools.count(1):
        if name not in taken:
            break
        name = f"{base}_{i}"
    taken.add(name)
    return name


def _plain(text: str) -> str:
    return "".join(c if c.isalnum() or c == "_" else "_" for c in text)[:64] or "f"
