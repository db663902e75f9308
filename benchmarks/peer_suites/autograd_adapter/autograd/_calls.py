"""Calling tangent_lite on (function, args, kwargs) the way autograd's operators are called."""

import functools
import inspect

import tangent_lite as tl

from . import _values as vs
from ._source import for_call, has_source


def source(fun, args, kwargs):
    return for_call(fun, args, kwargs)


def with_kwargs(fun, kwargs):
    """tl.jvp takes positional primals: keyword arguments are bound (held constant)."""
    return functools.partial(fun, **kwargs) if kwargs else fun


def wrt_of(argnum):
    return tuple(argnum) if isinstance(argnum, (list, tuple)) else argnum


def selected(args, argnum):
    """The value autograd differentiates: one argument, or a tuple of several."""
    if isinstance(argnum, (list, tuple)):
        return tuple(args[i] for i in argnum)
    return args[argnum]


def vjp(fun, args, kwargs, argnum):
    """(output, pullback) of ``fun(*args, **kwargs)`` with respect to ``argnum``."""
    return tl.vjp(source(fun, args, kwargs), *args, wrt=wrt_of(argnum), **kwargs)


def jvp(fun, args, kwargs, argnum, tangent):
    """(output, tangent of the output) along ``tangent`` (a tuple for a tuple ``argnum``)."""
    tangents = tuple(tangent) if isinstance(argnum, (list, tuple)) else (tangent,)
    f = with_kwargs(source(fun, args, kwargs), kwargs)
    return tl.jvp(f, tuple(args), tangents, wrt=wrt_of(argnum))


def full_args(fun, args, kwargs):
    """(underlying function, every parameter's value in order): the generated derivative
    functions (tl.gradient_function / tl.tangent_function) take all of them positionally."""
    f = source(fun, args, kwargs)
    if isinstance(f, functools.partial):
        args = tuple(f.args) + tuple(args)
        kwargs = {**f.keywords, **kwargs}
        f = f.func
    bound = inspect.signature(f).bind(*args, **kwargs)
    bound.apply_defaults()
    return f, list(bound.arguments.values())


def hvp(fun, args, kwargs, argnum, v):
    """H v by forward mode over the generated gradient (what tl.hvp does), for any ``argnum``."""
    f, full = full_args(fun, args, kwargs)
    f_vjp, _ = tl.gradient_function(f, wrt=argnum)
    _, (_, hv) = tl.jvp(f_vjp, tuple(full) + (1.0,), (v,), wrt=(argnum,))
    return hv


def composable(fun, make):
    """``make(fun)`` (a tangent_lite transformation, itself differentiable again) when
    tangent_lite can read ``fun``; for a bare NumPy function, wrap it per call."""
    if has_source(fun):
        return make(fun)

    def call(*args, **kwargs):
        return make(source(fun, args, kwargs))(*args, **kwargs)

    return call


__all__ = ["vs"]
