"""``tl.grad`` and ``tl.value_and_grad``: gradient functions of scalar functions, with
``has_aux`` (``f`` returns ``(value, aux)``), and transformable again: what they return
carries its recipe, and ``api._unwrap`` turns it into a plain function that tangent_lite
differentiates like user code (compose.py): ``tl.grad(tl.grad(f))``,
``tl.jacobian(tl.grad(f))``, ``tl.hvp(tl.grad(...))`` ...
"""

from __future__ import annotations

import functools
from typing import Any, Callable

import numpy as np

from . import arguments, callables, compose, runtime
from .api import Wrt, _gradient_function, _target, vjp
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
    if has_aux:
        return _with_aux(f, wrt, with_value=True)
    return _transformable(_gradient_function(f, wrt, backend, with_value=True), "value_and_grad", f, wrt)


def _with_aux(f: Callable, wrt: Wrt, with_value: bool) -> Callable:
    """``tl.grad(f, has_aux=True)``: ``f`` returns ``(value, aux)``; one forward and one reverse
    sweep (the pullback of the pair with a zero cotangent for ``aux``)."""
    fn = _target(f)[0]

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        out, pullback = vjp(f, *args, wrt=wrt, **kwargs)
        if not isinstance(out, tuple) or len(out) != 2:
            got = f"a {type(out).__name__} of length {len(out)}" if isinstance(out, (tuple, list)) else \
                f"a {type(out).__name__}"
            raise ArgumentError(f"has_aux=True needs '{fn.__qualname__}' to return a pair (value, aux), got {got}",
                                hint="return value, aux (a 2-tuple), or leave has_aux out")
        value, aux = out
        arguments.check_scalar_output(fn, value)
        grads = pullback((np.ones_like(value) if isinstance(value, np.ndarray) else 1.0, runtime.zeros_like(aux)))
        return ((value, aux), grads) if with_value else (grads, aux)

    run.__tl_has_aux__ = True  # (not transformable again yet: callables.check_function says so)
    return run


def _transformable(run: Callable, kind: str, f: Callable, wrt: Wrt) -> Callable:
    """``run`` (what ``tl.grad(f)`` returns) with its recipe, so that it can be transformed again
    (``api._equivalent`` reads the recipe at every use)."""
    run.__tl_recipe__ = compose.Recipe(kind, f, wrt)
    return run
