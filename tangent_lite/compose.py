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
import threading
from typing import Any, Callable, Dict, NamedTuple, Optional, Tuple

from . import arguments, callables, outputs
from .backends import cache, codegen, scratch
from .syntax.naming import Namer

_COUNTER = itertools.count()


class Recipe(NamedTuple):
    """How a transformed function was made (``run.__tl_recipe__``): looked at again at every
    use, so that what ``origin`` stands for now (an edit, a rebound ``__call__``, an inner
    transformation whose function changed) is what is transformed."""
    kind: str  # "grad", "value_and_grad", "grad_aux", "value_and_grad_aux", "jacobian"
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
        if default is inspect.Parameter.empty or kind in ("jvp", "hvp"):  # (the tangents come after)
            signature.append(p)
        else:  # (a default is a value of the module, as the user's function has it)
            default_name = namer.fresh(f"_default_{p}")
            bindings[default_name] = default
            signature.append(f"{p}={default_name}")
    wrt = ", ".join(repr(w) for w in names)
    np_name = namer.fresh("np")
    head = (f"# tangent_lite: tl.{kind}({fn.__qualname__}, wrt=({wrt},)) as a function tangent_lite can "
            "differentiate again\n"
            f"import numpy as {np_name}\n"
            f"import tangent_lite.runtime as {tl_name}\n\n\n")
    if kind == "jvp":  # tl.jvp(fn, primals, tangents): the primals, then a tangent per wrt name
        tangents = [namer.fresh(f"{n}_dot") for n in names]
        body = f"    return {call}({', '.join(passed + tangents)})\n"
        signature = signature + tangents
    elif kind == "hvp":  # tl.hvp(fn, x, v, *rest): the JVP of fn's generated gradient along v
        v, primal, tangent = namer.fresh("v"), namer.fresh("_primal"), namer.fresh("_tangent")
        signature = signature[:1] + [v] + signature[1:]
        body = (f"    {primal}, {tangent} = {call}({', '.join(passed)}, 1.0, {v})\n"
                f"    {tl_name}.scalar_only({primal}[0], \"tl.hvp({fn.__qualname__}) needs {fn.__qualname__} to return "
                "a scalar\")\n"
                f"    return {tangent}[1]\n")
    elif kind == "jacobian":  # column by column: the tangents of the basis directions of names[0]
        x, n, cols, i, tangent = names[0], *(namer.fresh(b) for b in ("_n", "_columns", "_i", "_tangent"))
        real = (f"tl.jacobian transformed again (e.g. tl.jacobian(tl.jacobian(f)), tl.grad of it) takes a real "
                f"'{x}'; '{x}' is complex: its derivative along the imaginary part is not followed")
        body = (f"    {tl_name}.array_only({x}, {x!r}, \"tl.jacobian\")\n"
                f"    {tl_name}.real_only({x}, {real!r})\n"
                f"    {n} = {np_name}.size({x})\n"
                f"    {cols} = []\n"
                f"    for {i} in range({n}):\n"
                f"        {value}, {tangent} = {call}({', '.join(passed)}, "
                f"{np_name}.reshape({np_name}.eye({n}, dtype={np_name}.result_type({np_name}.asarray({x}), 1.0))[{i}], "
                f"{np_name}.shape({x})))\n"
                f"        {cols}.append({np_name}.ravel({tangent}))\n"
                f"    return {np_name}.reshape({np_name}.stack({cols}, axis=-1), {np_name}.shape({value}) + "
                f"{np_name}.shape({x}))\n")
    else:  # grad, value_and_grad, and with has_aux (the user's function gives the aux, and its zero seed)
        aux = kind.endswith("_aux")
        n = len(names)
        picked = grad if (n > 1 or single) else f"({grad},)"
        seeds = ""
        body = ""
        if aux:
            pair, aux_name, own = namer.fresh("_pair"), namer.fresh("_aux"), namer.fresh("_function")
            bindings[own] = fn
            body += f"    {aux_name} = {own}({', '.join(passed)})[1]\n"
            seeds = f", 1.0, {tl_name}.zeros_like({aux_name})"
            body += f"    {pair}, {grad} = {call}({', '.join(passed)}{seeds})\n    {value} = {pair}[0]\n"
        else:
            body += f"    {value}, {grad} = {call}({', '.join(passed)})\n"
        where = arguments.def_location(fn)
        needs = (f"grad needs a scalar output: tl.{kind.replace('_aux', '')}({fn.__qualname__}) transformed again (or "
                 f"called inside a function being differentiated) needs '{fn.__qualname__}'"
                 + (f" ({where})" if where else "") + " to return a scalar")
        body += f"    {tl_name}.scalar_only({value}, {needs!r})\n"
        result = {"grad": picked, "value_and_grad": f"{value}, {picked}", "grad_aux": f"{picked}, {aux_name}",
                  "value_and_grad_aux": f"({value}, {aux_name}), {picked}"}[kind] if aux else \
            (picked if kind == "grad" else f"{value}, {picked}")
        body += f"    return {result}\n"
    text = head + f"def {name}({', '.join(signature)}):\n" + body
    serial = next(_COUNTER)
    plain = cache.file_part(fn.__qualname__)
    module_name = f"tangent_lite_generated.compose.{plain}_{kind}_{serial}"
    filename = scratch.write_scratch(f"compose.{plain}.{kind}.{serial}.py", text) \
        or f"<tangent_lite compose {serial}>"
    module = codegen.load_text(text, filename, bindings, module_name)
    wrapper = getattr(module, name)
    wrapper.__qualname__ = f"{fn.__qualname__}_{kind}"
    wrapper.__tl_module__ = module  # (generated modules are held weakly: codegen.LOADED)
    wrapper.__tl_origin__ = fn  # (whose arguments it takes first: arguments.protected checks them on fn)
    return wrapper


_LOCK = threading.Lock()
_SEEDED = ("grad", "value_and_grad", "grad_aux", "value_and_grad_aux")
MODES = {"jacobian": "jvp"}  # the generated derivative each kind's equivalent calls (others: "vjp")


def equivalent(run: Callable, recipe: Recipe, target_of: Callable[[Any], Tuple[Callable, Any]],
               compiled: Callable[..., Any]) -> Callable:
    """The plain function that computes what ``run`` (what a transformation returned) computes, so
    that it can be transformed again.  Everything is looked up now: the function behind the
    recipe's origin (``target_of``: api._target; a transformation inside is brought up to date
    the same way, to any depth), its generated derivative (``compiled``: api.compiled; its
    runner refreshes the values it reads), the values a partial or bound method holds; the
    equivalent is made again when any of them changed."""
    fn, target = target_of(recipe.origin)
    names, single = arguments.resolve_wrt(target, recipe.wrt)
    held: Tuple[Tuple[str, Any], ...] = ()
    if target is not fn:
        held = tuple(callables.signature(fn).bind_partial(*target.args, **target.keywords).arguments.items())
    # (code that runs: specialised to no ranks, not tl.source's general code, receivers.py)
    module = compiled(fn, MODES.get(recipe.kind, "vjp"), names, arguments.running_spec(fn))
    if recipe.kind in _SEEDED:  # (a tuple returned: a seed per item, which the equivalent does not pass)
        outputs.check_output_count(fn, module.__tl_meta__.get("outputs", 1), recipe.kind.endswith("_aux"))
    derivative = getattr(module, module.__tl_meta__["functions"][0])
    with _LOCK:
        made = getattr(run, "__tl_equivalent__", None)
        if made is None or made[0] is not derivative or len(made[1]) != len(held) or any(
                a is not b for (_, a), (_, b) in zip(made[1], held)):
            made = run.__tl_equivalent__ = (derivative, held,
                                             wrapper(recipe.kind, fn, tuple(names), single, held, derivative))
            made[2].__tl_current__ = module.__tl_runner__
        return made[2]


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
