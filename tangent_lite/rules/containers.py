"""Rules for lists built by comprehensions and for the builtin ``sum``.

Cotangents of lists are lists (added entrywise with ``_tl.add``).
"""

# ruff: noqa: F821
import builtins  # noqa: F401  (the registered primitive)

from .. import runtime
from .. import runtime as _tl  # noqa: F401
from .registry import constant_params, defjvp, defvjp, linear, nondifferentiable


@defjvp(runtime.append, argnum=0)
def append_jvp_lst(lst_dot, ans, lst, item):
    return _tl.append(lst_dot, _tl.zeros_like(item))


@defjvp(runtime.append, argnum=1)
def append_jvp_item(item_dot, ans, lst, item):
    return _tl.append(_tl.zeros_like(lst), item_dot)


linear(runtime.append)


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


nondifferentiable(runtime.stop_gradient, runtime.sorted_positions)


@defjvp(runtime.grad_hook)
def grad_hook_jvp(x_dot, ans, x, hook):
    return x_dot


@defvjp(runtime.grad_hook)
def grad_hook_vjp(g, ans, x, hook):
    return hook(g)


constant_params(runtime.grad_hook, "hook")


# ---------------------------------------------------------------- v[()] of a derivative that may be a number


@defjvp(runtime.index_of)
def index_of_jvp(v_dot, ans, v, index):
    return _tl.index_of(v_dot, index)


@defvjp(runtime.index_of)
def index_of_vjp(g, ans, v, index):
    return _tl.getitem_bar(g, v, index)


constant_params(runtime.index_of, "index")


# ---------------------------------------------------------------- x.copy() of a value of unknown type


@defjvp(runtime.copy_value)
def copy_value_jvp(x_dot, ans, x):
    return _tl.copy_value(x_dot)


@defvjp(runtime.copy_value)
def copy_value_vjp(g, ans, x):
    return g


# ---------------------------------------------------------------- d | e: dicts merge, the later key wins


@defjvp(runtime.merge_or, argnum=0)
def merge_or_jvp_a(a_dot, ans, a, b):
    return _tl.merge_tangent(a_dot, a, b, 0)


@defjvp(runtime.merge_or, argnum=1)
def merge_or_jvp_b(b_dot, ans, a, b):
    return _tl.merge_tangent(b_dot, a, b, 1)


@defvjp(runtime.merge_or, argnum=0)
def merge_or_vjp_a(g, ans, a, b):
    return _tl.merge_bar(g, a, b, 0)


@defvjp(runtime.merge_or, argnum=1)
def merge_or_vjp_b(g, ans, a, b):
    return _tl.merge_bar(g, a, b, 1)


@defjvp(runtime.merge_tangent)
def merge_tangent_jvp(t_dot, ans, t, a, b, which):
    return _tl.merge_tangent(t_dot, a, b, which)


@defvjp(runtime.merge_tangent)
def merge_tangent_vjp(h, ans, t, a, b, which):
    return _tl.merge_bar(h, a, b, which)


@defjvp(runtime.merge_bar)
def merge_bar_jvp(g_dot, ans, g, a, b, which):
    return _tl.merge_bar(g_dot, a, b, which)


@defvjp(runtime.merge_bar)
def merge_bar_vjp(h, ans, g, a, b, which):
    return _tl.merge_tangent(h, a, b, which)


constant_params(runtime.merge_tangent, "a", "b", "which")
constant_params(runtime.merge_bar, "a", "b", "which")
