"""``tl.grad`` and ``tl.value_and_grad``: gradient functions of scalar functions, with
``has_aux`` (``f`` returns ``(value, aux)``), and transformable again: what they return
carries its recipe, and ``api._unwrap`` turns it into a plain function that tangent_lite
differentiates like user code (compose.py): ``tl.grad(tl.grad(f))``,
``tl.jacobian(tl.grad(f))``, ``tl.hvp(tl.grad(...))`` ...
"""

from __future__ import annotations

import functools
from typing import Any, Callable, Dict, Tuple

import numpy as np

from . import arguments, callables, compose, outputs, varargs
from .api import Wrt, _gradient_function, _target, _unwrap, compiled, jvp, running_spec, vjp
from .errors import ArgumentError


def grad(f: Callable, wrt: Wrt = None, backend: str = "python", *, has_aux: bool = False, **options: Any) -> Callable:
    """The gradient of a scalar function, as a function: ``tl.grad(f, wrt)(*args)``.

    Reverse mode, by generated Python code (``tl.source(f)`` shows it), made at the first
    call and cached.  The result can be transformed again: ``tl.grad(tl.grad(f))``,
    ``tl.jacobian(tl.grad(f))``.

    Args:
        f: The function; it must return a scalar.  A ``functools.partial`` or a bound
            method: its bound arguments are held constant.
        wrt: Which arguments to differentiate with respect to: an index, a parameter name,
            or a sequence of them (default: the first argument).
        backend: ``"python"``, or ``"numba"`` to compile the generated gradient with Numba
            (docs/numba.md).
        has_aux: ``f`` returns ``(value, aux)``; the result is then ``(gradient, aux)``.
        **options: None are taken: ``argnums=`` / ``argnum=`` (spelled ``wrt=`` here) and
            anything else raise ``TypeError``.

    Returns:
        A function of ``f``'s arguments giving the gradient: shaped like the argument for a
            single ``wrt`` (an index or a name), a tuple of gradients for a sequence.

    Example:
        ``tl.grad(loss, wrt="x")(W, x)`` is d loss / d x; ``tl.grad(loss, wrt=(0, 1))(W, x)``
        is the pair (d loss / d W, d loss / d x).
    """
    callables.no_other_options("tl.grad", options)
    made = varargs.lazy(grad, f, wrt, backend, has_aux=has_aux)  # def f(*xs): per call, as called
    if made is not None:
        return made
    method = callables.self_in_wrt(f, wrt)
    if method is not None:  # tl.grad(model.loss, wrt="self"): the object is an argument too
        return functools.partial(grad(method[0], wrt, backend, has_aux=has_aux), method[1])
    if has_aux:
        return _with_aux(f, wrt, with_value=False)
    return _transformable(_gradient_function(f, wrt, backend, with_value=False), "grad", f, wrt)


def value_and_grad(f: Callable, wrt: Wrt = None, backend: str = "python", *, has_aux: bool = False,
                   **options: Any) -> Callable:
    """The value and the gradient of a scalar function in one call:
    ``tl.value_and_grad(f)(*args)`` gives ``(f(*args), gradient)``.

    One forward and one reverse sweep (the value comes from the forward sweep).  The result
    can be transformed again (``tl.jacobian(tl.value_and_grad(f))``).

    Args:
        f: The function; it must return a scalar.  A ``functools.partial`` or a bound
            method: its bound arguments are held constant.
        wrt: Which arguments to differentiate with respect to: an index, a parameter name,
            or a sequence of them (default: the first argument).
        backend: ``"python"``, or ``"numba"`` to compile the generated gradient with Numba
            (docs/numba.md).
        has_aux: ``f`` returns ``(value, aux)``; the result is then ``((value, aux), gradient)``.
        **options: None are taken (``TypeError``, as for ``tl.grad``).

    Returns:
        A function of ``f``'s arguments giving ``(value, gradient)``; the gradient as in
            ``tl.grad``.
    """
    callables.no_other_options("tl.value_and_grad", options)
    made = varargs.lazy(value_and_grad, f, wrt, backend, has_aux=has_aux)  # def f(*xs): per call, as called
    if made is not None:
        return made
    method = callables.self_in_wrt(f, wrt)
    if method is not None:
        return functools.partial(value_and_grad(method[0], wrt, backend, has_aux=has_aux), method[1])
    if has_aux:
        return _with_aux(f, wrt, with_value=True)
    return _transformable(_gradient_function(f, wrt, backend, with_value=True), "value_and_grad", f, wrt)


# the transformations a function being differentiated calls (tl.grad(f)(x) inside it): made once
# per function and options, and kept (the plain function a derivative calls must outlive its making)
_INSIDE: Dict[Tuple[str, int, str], Tuple[Any, Callable]] = {}


def inside(transformation: Callable, kind: str) -> Callable[..., Callable]:
    """``tl.<kind>.__tl_inside__``: for ``tl.<kind>(f, ...)(x)`` called inside a function being
    differentiated (frontend/lowering/inside.py), the plain function the call stands for
    (compose.py): what the transformation returns carries its recipe."""

    def plain(f: Callable, *options: Any, **named: Any) -> Callable:
        if named.get("has_aux") and kind in ("jacobian",):
            shown = getattr(f, "__qualname__", "f")
            raise ArgumentError(f"has_aux=True is not supported there (the Jacobian of '{shown}' would be "
                                "differentiated again)",
                                hint=f"take the Jacobian of a module-level function returning the first output, "
                                f"and the aux from {shown}(x)[1]:\n    def out(x):\n        return {shown}(x)[0]\n"
                                "and, where the call was, J = tl.jacobian(out)(x)")
        key = (kind, id(f), repr((options, sorted(named.items()))))
        made = _INSIDE.get(key)
        if made is None or made[0] is not f:
            made = _INSIDE[key] = (f, transformation(f, *options, **named))
        return _unwrap(made[1])

    plain.makes_function = True  # type: ignore[attr-defined]  (tl.grad(f) is a function, called then: tl.grad(f)(x))
    return plain


def _jvp_inside(f: Callable, wrt: Wrt = None, batched: bool = False, *, lengths: Tuple[int, ...]) -> Callable:
    """``tl.jvp.__tl_inside__``: for ``tl.jvp(f, (x, ...), (v, ...))`` called inside a function
    being differentiated, the plain function ``f_jvp(*params, *tangents)`` calling ``f``'s
    generated forward-mode derivative (compose.py)."""
    if batched:
        raise ArgumentError("tl.jvp(..., batched=True) cannot be called inside a function being differentiated",
                            hint="call tl.jvp once per direction there")
    if len(lengths) != 2:
        raise ArgumentError(f"tl.jvp takes (f, primals, tangents), got {len(lengths)} sequences after f")
    fn, target = _target(f)
    names = arguments.jvp_names(target, [None] * lengths[1], wrt)
    free, _ = callables.free_params(target)
    if lengths[0] != len(free):
        raise ArgumentError(f"tl.jvp inside a function being differentiated passes every argument of "
                            f"'{fn.__qualname__}' as a primal ({', '.join(free)}), got {lengths[0]}",
                            hint="write out all the arguments, default ones included")
    held: Tuple[Tuple[str, Any], ...] = ()
    if target is not fn:
        held = tuple(callables.signature(fn).bind_partial(*target.args, **target.keywords).arguments.items())
    module = compiled(fn, "jvp", names, running_spec(fn))  # (code that runs: its operands are checked)
    derivative = getattr(module, module.__tl_meta__["functions"][0])
    key = ("jvp", id(f), repr(names))
    made = _INSIDE.get(key)
    if made is None or made[0] is not f or made[1].__tl_derivative__ is not derivative:
        plain = compose.wrapper("jvp", fn, names, len(names) > 1, held, derivative)
        plain.__tl_derivative__, plain.__tl_current__ = derivative, module.__tl_runner__
        made = _INSIDE[key] = (f, plain)
    return made[1]


def _with_aux(f: Callable, wrt: Wrt, with_value: bool) -> Callable:
    """``tl.grad(f, has_aux=True)``: ``f`` returns ``(value, aux)``; one forward and one reverse
    sweep (the pullback of the pair with a zero cotangent for ``aux``)."""
    fn = _target(f)[0]

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        value, pullback, aux = vjp(f, *args, wrt=wrt, has_aux=True, **kwargs)
        outputs.check_scalar_output(fn, value)
        grads = pullback(np.ones_like(value) if isinstance(value, np.ndarray) else 1.0)
        return ((value, aux), grads) if with_value else (grads, aux)

    return _transformable(run, "value_and_grad_aux" if with_value else "grad_aux", f, wrt)


def _transformable(run: Callable, kind: str, f: Callable, wrt: Wrt) -> Callable:
    """``run`` (what ``tl.grad(f)`` returns) with its recipe, so that it can be transformed again
    (``compose.equivalent`` reads the recipe at every use)."""
    run.__tl_recipe__ = compose.Recipe(kind, f, wrt)
    return run


grad.__tl_inside__ = inside(grad, "grad")  # type: ignore[attr-defined]
value_and_grad.__tl_inside__ = inside(value_and_grad, "value_and_grad")  # type: ignore[attr-defined]
_jvp_inside.spread = True  # type: ignore[attr-defined]
jvp.__tl_inside__ = _jvp_inside  # type: ignore[attr-defined]  (api.jvp: tl.jvp inside, here with the others)
