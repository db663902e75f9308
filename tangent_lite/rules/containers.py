"""Rules for lists built by comprehensions and for the builtin ``sum``.

Cotangents of lists are lists (added entrywise with ``_tl.add``).
"""

# ruff: noqa: F821
import builtins  # noqa: F401  (the registered primitive)

from .. import runtime
from .. import runtime as _tl  # noqa: F401
from .registry import constant_params, defjvp, defvjp, nondifferentiable


@defjvp(runtime.append, argnum=0)
def append_jvp_lst(lst_dot, ans, lst, item):
    return _tl.append(lst_dot, _tl.zeros_like(item))


@defjvp(runtime.append, argnum=1)
def append_jvp_item(item_dot, ans, lst, item):
    return _tl.append(_tl.zeros_like(lst), item_dot)


@defvjp(runtime.append, argnum=0)
def append_vjp_lst(g, ans, lst, item):
    return g[:-1]


@defvjp(runtime.append, argnum=1)
def append_vjp_item(g, ans, lst, item):
    return g[-1]


@defjvp(builtins.sum)
def sum_jvp(x_dot, ans, iterable):
    return sum(x_dot)


@defvjp(builtins.sum)
def sum_vjp(g, ans, iterable):
    return _tl.builtin_sum_bar(g, iterable)


nondifferentiable(runtime.stop_gradient)


@defjvp(runtime.grad_hook)
def grad_hook_jvp(x_dot, ans, x, hook):
    return x_dot


@defvjp(runtime.grad_hook)
def grad_hook_vjp(g, ans, x, hook):
    return hook(g)


constant_params(runtime.grad_hook, "hook")
