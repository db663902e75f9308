"""Rules for the runtime helpers that generated code calls, so that generated code can
itself be differentiated (forward-over-reverse Hessian-vector products, reverse-over-
reverse, third derivatives...).

Most helpers are linear in their first argument (the seed ``g``); their other arguments
are read for shapes only and are declared with ``constant_params``.  The transpose of a
linear helper is written with its partner helper (``sum_bar`` <-> ``np.sum``, ``matmul_bar_a``
<-> ``np.matmul``, ``getitem_bar`` <-> indexing, ...).
"""

# ruff: noqa: F821
import builtins

import numpy as np  # noqa: F401

from .. import runtime
from .. import runtime as _tl  # noqa: F401
from .registry import constant_params, defjvp, defvjp, linear, nondifferentiable, same_rules

nondifferentiable(runtime.zeros_like, runtime.balanced_eq)  # (abs_grad: rules/complex.py)

# ---------------------------------------------------------------- broadcasting


@defjvp(runtime.unbroadcast)
def unbroadcast_jvp(g_dot, ans, g, x):
    return _tl.unbroadcast(g_dot, x)


@defvjp(runtime.unbroadcast)
def unbroadcast_vjp(h, ans, g, x):
    return _tl.bcast(h, g)


@defjvp(runtime.bcast)
def bcast_jvp(t_dot, ans, t, like):
    return _tl.bcast(t_dot, like)


@defvjp(runtime.bcast)
def bcast_vjp(h, ans, t, like):
    return _tl.unbroadcast(h, t)


@defjvp(runtime.as_grad)
def as_grad_jvp(g_dot, ans, g, x):
    return _tl.as_grad(g_dot, x)


@defvjp(runtime.as_grad)
def as_grad_vjp(h, ans, g, x):
    return _tl.unbroadcast(_tl.as_grad(h, x), g)  # (no cotangent for x's ints, bools, strings: held)


@defjvp(runtime.unbroadcast_product, argnum=0)
def unbroadcast_product_jvp_a(a_dot, ans, a, b, x):
    return _tl.unbroadcast_product(a_dot, b, x)


@defjvp(runtime.unbroadcast_product, argnum=1)
def unbroadcast_product_jvp_b(b_dot, ans, a, b, x):
    return _tl.unbroadcast_product(a, b_dot, x)


@defvjp(runtime.unbroadcast_product, argnum=0)
def unbroadcast_product_vjp_a(h, ans, a, b, x):
    return _tl.unbroadcast_product(np.broadcast_to(h, np.broadcast_shapes(np.shape(a), np.shape(b))), b, a)


@defvjp(runtime.unbroadcast_product, argnum=1)
def unbroadcast_product_vjp_b(h, ans, a, b, x):
    return _tl.unbroadcast_product(np.broadcast_to(h, np.broadcast_shapes(np.shape(a), np.shape(b))), a, b)


constant_params(runtime.unbroadcast, "x")
constant_params(runtime.unbroadcast_product, "x")
constant_params(runtime.bcast, "like")
constant_params(runtime.as_grad, "x")

# ---------------------------------------------------------------- reductions


@defjvp(runtime.sum_bar)
def sum_bar_jvp(g_dot, ans, g, x, axis=None, keepdims=False):
    return _tl.sum_bar(g_dot, x, axis, keepdims)


@defvjp(runtime.sum_bar)
def sum_bar_vjp(h, ans, g, x, axis=None, keepdims=False):
    return np.reshape(np.sum(h, axis=axis, keepdims=keepdims), np.shape(g))


@defjvp(runtime.mean_bar)
def mean_bar_jvp(g_dot, ans, g, x, axis=None, keepdims=False):
    return _tl.mean_bar(g_dot, x, axis, keepdims)


@defvjp(runtime.mean_bar)
def mean_bar_vjp(h, ans, g, x, axis=None, keepdims=False):
    return np.reshape(np.mean(h, axis=axis, keepdims=keepdims), np.shape(g))


@defjvp(runtime.extremum_bar)
def extremum_bar_jvp(g_dot, ans, g, ans_, x, axis=None, keepdims=False):
    return _tl.extremum_bar(g_dot, ans_, x, axis, keepdims)


@defvjp(runtime.extremum_bar)
def extremum_bar_vjp(h, ans, g, ans_, x, axis=None, keepdims=False):
    return np.reshape(np.sum(h * _tl.extremum_bar(1.0, ans_, x, axis, keepdims), axis=axis, keepdims=keepdims),
                      np.shape(g))


@defjvp(runtime.prod_bar)
def prod_bar_jvp(g_dot, ans, g, ans_, x, axis=None, keepdims=False):
    return _tl.prod_bar(g_dot, ans_, x, axis, keepdims)


@defvjp(runtime.prod_bar)
def prod_bar_vjp(h, ans, g, ans_, x, axis=None, keepdims=False):
    return np.reshape(np.sum(h * _tl.prod_bar(1.0, ans_, x, axis, True), axis=axis, keepdims=keepdims),
                      np.shape(g))


@defjvp(runtime.prod_bar, argnum=2)
def prod_bar_jvp_x(x_dot, ans, g, ans_, x, axis=None, keepdims=False):
    return _tl.prod_pairs(g, x_dot, x, axis, keepdims)


@defvjp(runtime.prod_bar, argnum=2)
def prod_bar_vjp_x(h, ans, g, ans_, x, axis=None, keepdims=False):
    return _tl.prod_pairs(g, h, x, axis, keepdims)


constant_params(runtime.sum_bar, "x")
constant_params(runtime.mean_bar, "x")
constant_params(runtime.extremum_bar, "ans_", "x")  # piecewise constant in them
constant_params(runtime.prod_bar, "ans_")  # unused: prod_bar recomputes from x

# ---------------------------------------------------------------- products


@defjvp(runtime.matmul_bar_a, argnum=0)
def matmul_bar_a_jvp_g(g_dot, ans, g, a, b):
    return _tl.matmul_bar_a(g_dot, a, b)


@defjvp(runtime.matmul_bar_a, argnum=2)
def matmul_bar_a_jvp_b(b_dot, ans, g, a, b):
    return _tl.matmul_bar_a(g, a, b_dot)


@defvjp(runtime.matmul_bar_a, argnum=0)
def matmul_bar_a_vjp_g(h, ans, g, a, b):
    return _tl.unbroadcast(np.matmul(h, b), g)


@defvjp(runtime.matmul_bar_a, argnum=2)
def matmul_bar_a_vjp_b(h, ans, g, a, b):
    return _tl.matmul_bar_b(g, h, b)


@defjvp(runtime.matmul_bar_b, argnum=0)
def matmul_bar_b_jvp_g(g_dot, ans, g, a, b):
    return _tl.matmul_bar_b(g_dot, a, b)


@defjvp(runtime.matmul_bar_b, argnum=1)
def matmul_bar_b_jvp_a(a_dot, ans, g, a, b):
    return _tl.matmul_bar_b(g, a_dot, b)


@defvjp(runtime.matmul_bar_b, argnum=0)
def matmul_bar_b_vjp_g(h, ans, g, a, b):
    return _tl.unbroadcast(np.matmul(a, h), g)


@defvjp(runtime.matmul_bar_b, argnum=1)
def matmul_bar_b_vjp_a(h, ans, g, a, b):
    return _tl.matmul_bar_a(g, a, h)


@defjvp(runtime.dot_bar_a, argnum=0)
def dot_bar_a_jvp_g(g_dot, ans, g, a, b):
    return _tl.dot_bar_a(g_dot, a, b)


@defjvp(runtime.dot_bar_a, argnum=2)
def dot_bar_a_jvp_b(b_dot, ans, g, a, b):
    return _tl.dot_bar_a(g, a, b_dot)


@defvjp(runtime.dot_bar_a, argnum=0)
def dot_bar_a_vjp_g(h, ans, g, a, b):
    return _tl.unbroadcast(np.dot(h, b), g)


@defvjp(runtime.dot_bar_a, argnum=2)
def dot_bar_a_vjp_b(h, ans, g, a, b):
    return _tl.dot_bar_b(g, h, b)


@defjvp(runtime.dot_bar_b, argnum=0)
def dot_bar_b_jvp_g(g_dot, ans, g, a, b):
    return _tl.dot_bar_b(g_dot, a, b)


@defjvp(runtime.dot_bar_b, argnum=1)
def dot_bar_b_jvp_a(a_dot, ans, g, a, b):
    return _tl.dot_bar_b(g, a_dot, b)


@defvjp(runtime.dot_bar_b, argnum=0)
def dot_bar_b_vjp_g(h, ans, g, a, b):
    return _tl.unbroadcast(np.dot(a, h), g)


@defvjp(runtime.dot_bar_b, argnum=1)
def dot_bar_b_vjp_a(h, ans, g, a, b):
    return _tl.dot_bar_a(g, a, h)


constant_params(runtime.matmul_bar_a, "a")
constant_params(runtime.matmul_bar_b, "b")
constant_params(runtime.dot_bar_a, "a")
constant_params(runtime.dot_bar_b, "b")

# ---------------------------------------------------------------- indexing, containers, mutation


@defjvp(runtime.getitem_bar)
def getitem_bar_jvp(g_dot, ans, g, x, index):
    return _tl.getitem_bar(g_dot, x, index)


@defvjp(runtime.getitem_bar)
def getitem_bar_vjp(h, ans, g, x, index):
    return _tl.unbroadcast(_tl.index_of(h, index), g)


@defjvp(runtime.getattr_bar)
def getattr_bar_jvp(g_dot, ans, g, x, name):
    return _tl.getattr_bar(g_dot, x, name)


@defvjp(runtime.getattr_bar)
def getattr_bar_vjp(h, ans, g, x, name):
    return getattr(h, name)


@defjvp(runtime.setitem, argnum=0)
def setitem_jvp_x(x_dot, ans, x, index, v):
    return _tl.setitem(x_dot, index, 0.0)


@defjvp(runtime.setitem, argnum=2)
def setitem_jvp_v(v_dot, ans, x, index, v):
    return _tl.setitem(_tl.zeros_like(x), index, v_dot)


@defvjp(runtime.setitem, argnum=0)
def setitem_vjp_x(h, ans, x, index, v):
    return _tl.zero_index(h, index)


@defvjp(runtime.setitem, argnum=2)
def setitem_vjp_v(h, ans, x, index, v):
    return _tl.setitem_bar(h, index, v)


@defjvp(runtime.setitem_bar)
def setitem_bar_jvp(g_dot, ans, g, index, v):
    return _tl.setitem_bar(g_dot, index, v)


@defvjp(runtime.setitem_bar)
def setitem_bar_vjp(h, ans, g, index, v):
    return _tl.setitem(_tl.zeros_like(g), index, h)


@defjvp(runtime.write_cast)
def write_cast_jvp(t_dot, ans, t, into):
    return _tl.write_cast(t_dot, into)


@defvjp(runtime.write_cast)
def write_cast_vjp(g, ans, t, into):
    return _tl.write_cast(g, into)


@defjvp(runtime.zero_index)
def zero_index_jvp(g_dot, ans, g, index):
    return _tl.zero_index(g_dot, index)


@defvjp(runtime.zero_index)
def zero_index_vjp(h, ans, g, index):
    return _tl.zero_index(h, index)


@defjvp(runtime.zero_item)
def zero_item_jvp(g_dot, ans, g, container, index):
    return _tl.zero_item(g_dot, container, index)


@defvjp(runtime.zero_item)
def zero_item_vjp(h, ans, g, container, index):
    return _tl.zero_item(h, g, index)  # (the entry's cotangent: zeros shaped like g's entry)


@defjvp(runtime.slice_write_bar)
def slice_write_bar_jvp(g_dot, ans, g, old, index, v):
    return _tl.slice_write_bar(g_dot, old, index, v)


@defvjp(runtime.slice_write_bar)
def slice_write_bar_vjp(h, ans, g, old, index, v):
    return _tl.setitem(_tl.zeros_like(old), index, h)


@defjvp(runtime.slice_write_zero)
def slice_write_zero_jvp(g_dot, ans, g, old, index, v):
    return _tl.slice_write_zero(g_dot, old, index, v)


@defvjp(runtime.slice_write_zero)
def slice_write_zero_vjp(h, ans, g, old, index, v):
    return _tl.setitem(h, index, _tl.zeros_like(v))


@defjvp(runtime.copied)
def copied_jvp(v_dot, ans, v):
    return _tl.copied(v_dot)


@defvjp(runtime.copied)
def copied_vjp(h, ans, v):
    return _tl.copied(h)  # (a copy again: the adjoint h may be changed in place afterwards)


@defjvp(runtime.saved)
def saved_jvp(v_dot, ans, v):
    return _tl.saved(v_dot)


@defvjp(runtime.saved)
def saved_vjp(h, ans, v):
    return h


@defjvp(runtime.add, argnum=0, broadcast=True)
def add_jvp_a(a_dot, ans, a, b):
    return a_dot


@defjvp(runtime.add, argnum=1, broadcast=True)
def add_jvp_b(b_dot, ans, a, b):
    return b_dot


@defvjp(runtime.add, argnum=0)
def add_vjp_a(h, ans, a, b):
    return _tl.unbroadcast(h, a)


@defvjp(runtime.add, argnum=1)
def add_vjp_b(h, ans, a, b):
    return _tl.unbroadcast(h, b)


@defjvp(runtime.builtin_sum_bar)
def builtin_sum_bar_jvp(g_dot, ans, g, x):
    return _tl.builtin_sum_bar(g_dot, x)


@defvjp(runtime.builtin_sum_bar)
def builtin_sum_bar_vjp(h, ans, g, x):
    return _tl.unbroadcast(sum(h), g)


@defjvp(runtime.array_tangent)
def array_tangent_jvp(t_dot, ans, t, like):
    return _tl.array_tangent(t_dot, like)


@defvjp(runtime.array_tangent)
def array_tangent_vjp(h, ans, t, like):
    return _tl.array_bar(h, t)


@defjvp(runtime.array_bar)
def array_bar_jvp(g_dot, ans, g, obj):
    return _tl.array_bar(g_dot, obj)


@defvjp(runtime.array_bar)
def array_bar_vjp(h, ans, g, obj):
    return _tl.array_tangent(h, g)


@defjvp(runtime.listed_array)
def listed_array_jvp(x_dot, ans, x, like=None):
    return _tl.listed_array(x_dot, like)


@defvjp(runtime.listed_array)
def listed_array_vjp(g, ans, x, like=None):
    return _tl.array_bar(g, x)


constant_params(runtime.listed_array, "like")


@defjvp(builtins.list)
def list_jvp(x_dot, ans, iterable):
    return list(x_dot)


@defvjp(builtins.list)
def list_vjp(h, ans, iterable):
    return _tl.sequence_bar(h, iterable)


@defjvp(builtins.tuple)
def tuple_jvp(x_dot, ans, iterable):
    return tuple(x_dot)


@defvjp(builtins.tuple)
def tuple_vjp(h, ans, iterable):
    return _tl.sequence_bar(h, iterable)


@defjvp(builtins.dict)
def dict_jvp(x_dot, ans, iterable):
    return _tl.dict_like(x_dot, iterable)


@defvjp(builtins.dict)
def dict_vjp(h, ans, iterable):
    return _tl.dict_like(h, iterable)


@defjvp(runtime.dict_like)
def dict_like_jvp(t_dot, ans, t, d):
    return _tl.dict_like(t_dot, d)


@defvjp(runtime.dict_like)
def dict_like_vjp(h, ans, t, d):
    return _tl.dict_like(h, d)


constant_params(runtime.dict_like, "d")
constant_params(runtime.getitem_bar, "x", "index")
constant_params(runtime.add_item, "index")
constant_params(runtime.getattr_bar, "x", "name")
constant_params(runtime.setitem, "index")
# array_api_extra.at(x)[index].set(v) is the same write (keeping the dtype of x): the same derivatives
same_rules(runtime.at_set, like=runtime.setitem)
constant_params(runtime.zero_index, "index")
constant_params(runtime.write_cast, "into")
constant_params(runtime.zero_item, "container", "index")
constant_params(runtime.setitem_bar, "index", "v")
constant_params(runtime.slice_write_bar, "old", "index", "v")
constant_params(runtime.slice_write_zero, "old", "index", "v")
nondifferentiable(runtime.number_only, runtime.held_once, runtime.container_only, runtime.real_only,
                  runtime.array_method, runtime.operand, runtime.verified_only, runtime.scalar_only,
                  runtime.array_only, runtime.not_a_dict, runtime.hashable_only, runtime.same_keys,
                  runtime.no_swallow, runtime.reraise_refusal, runtime.saved_item,
                  runtime.restore_item)
# zero_item in place, for an adjoint the reverse sweep owns (its rules' calls make new adjoints)


# ---------------------------------------------------------------- L + M, L * n on lists and tuples


@defjvp(runtime.seq_concat, argnum=0)
def seq_concat_jvp_a(a_dot, ans, a, b):
    return _tl.seq_concat(a_dot, _tl.zeros_like(b))


@defjvp(runtime.seq_concat, argnum=1)
def seq_concat_jvp_b(b_dot, ans, a, b):
    return _tl.seq_concat(_tl.zeros_like(a), b_dot)


linear(runtime.seq_concat)  # L + [v] in a loop: seq_concat(L_dot, v_dot), not two zero-padded terms


@defvjp(runtime.seq_concat, argnum=0)
def seq_concat_vjp_a(g, ans, a, b):
    return _tl.concat_part(g, a, b, 0)


@defvjp(runtime.seq_concat, argnum=1)
def seq_concat_vjp_b(g, ans, a, b):
    return _tl.concat_part(g, a, b, 1)


@defjvp(runtime.seq_repeat, argnum=0)
def seq_repeat_jvp(a_dot, ans, a, n):
    return _tl.seq_repeat(a_dot, n)


@defvjp(runtime.seq_repeat, argnum=0)
def seq_repeat_vjp(g, ans, a, n):
    return _tl.seq_repeat_bar(g, a, n)


# (n carries derivatives only as an array, x in x * L: L read as np.asarray(L) then, a * n entrywise)
@defjvp(runtime.seq_repeat, argnum=1)
def seq_repeat_jvp_n(n_dot, ans, a, n):
    return _tl.seq_repeat(a, n_dot)


@defvjp(runtime.seq_repeat, argnum=1)
def seq_repeat_vjp_n(g, ans, a, n):
    return _tl.unbroadcast(g * a, n)


@defjvp(runtime.concat_part)
def concat_part_jvp(g_dot, ans, g, a, b, which):
    return _tl.concat_part(g_dot, a, b, which)


@defvjp(runtime.concat_part)
def concat_part_vjp(h, ans, g, a, b, which):
    return _tl.seq_concat(h, _tl.zeros_like(b)) if which == 0 else _tl.seq_concat(_tl.zeros_like(a), h)


@defjvp(runtime.seq_repeat_bar)
def repeat_bar_jvp(g_dot, ans, g, a, n):
    return _tl.seq_repeat_bar(g_dot, a, n)


@defvjp(runtime.seq_repeat_bar)
def repeat_bar_vjp(h, ans, g, a, n):
    return _tl.seq_repeat(h, n)


@defjvp(runtime.seq_repeat_bar, argnum=2)
def repeat_bar_jvp_n(n_dot, ans, g, a, n):
    return _tl.seq_repeat_bar(g, a, n_dot)


@defvjp(runtime.seq_repeat_bar, argnum=2)
def repeat_bar_vjp_n(h, ans, g, a, n):
    return _tl.unbroadcast(h * g, n)


constant_params(runtime.concat_part, "a", "b", "which")
constant_params(runtime.seq_repeat_bar, "a")
constant_params(runtime.builtin_sum_bar, "x")
constant_params(runtime.array_tangent, "like")
constant_params(runtime.array_bar, "obj")

# ---------------------------------------------------------------- x ** y with respect to y


@defjvp(runtime.pow_exponent_bar, argnum=0)
def pow_exponent_bar_jvp_g(g_dot, ans, g, ans_, x):
    return _tl.pow_exponent_bar(g_dot, ans_, x)


@defjvp(runtime.pow_exponent_bar, argnum=1)
def pow_exponent_bar_jvp_ans(ans_dot, ans, g, ans_, x):
    return _tl.pow_exponent_bar(g, ans_dot, x)


@defjvp(runtime.pow_exponent_bar, argnum=2)
def pow_exponent_bar_jvp_x(x_dot, ans, g, ans_, x):
    return _tl.safe_ratio(g * ans_ * x_dot, x)


@defvjp(runtime.pow_exponent_bar, argnum=0)
def pow_exponent_bar_vjp_g(h, ans, g, ans_, x):
    return _tl.unbroadcast(_tl.pow_exponent_bar(h, ans_, x), g)


@defvjp(runtime.pow_exponent_bar, argnum=1)
def pow_exponent_bar_vjp_ans(h, ans, g, ans_, x):
    return _tl.unbroadcast(_tl.pow_exponent_bar(h, g, x), ans_)


@defvjp(runtime.pow_exponent_bar, argnum=2)
def pow_exponent_bar_vjp_x(h, ans, g, ans_, x):
    return _tl.unbroadcast(_tl.safe_ratio(h * g * ans_, x), x)


# ---------------------------------------------------------------- bar[index] += g, in place


@defjvp(runtime.add_item, argnum=0)
def add_item_jvp_bar(bar_dot, ans, bar, index, g):
    return bar_dot


@defjvp(runtime.add_item, argnum=2)
def add_item_jvp_g(g_dot, ans, bar, index, g):
    return _tl.getitem_bar(g_dot, bar, index)


@defvjp(runtime.add_item, argnum=0)
def add_item_vjp_bar(h, ans, bar, index, g):
    return h


@defvjp(runtime.add_item, argnum=2)
def add_item_vjp_g(h, ans, bar, index, g):
    return _tl.unbroadcast(h[index], g)
