"""Rules for the runtime helpers that the NumPy rule tables emit, so that derivative code
using them can be differentiated again (Hessians of functions using ``einsum``, ``norm``,
``concatenate``, ``repeat``, ``sort``, ``diff``, ``pad``, ``take``, ``median``, ``cumsum``...).

Most of these helpers are the transposes of linear maps (``repeat_bar`` is the transpose of
``np.repeat``): linear in their seed, with the other arguments read for shapes, indices or a
piecewise-constant order only (``constant_params``). The rule of such a helper applies it to
the seed's tangent (forward) or applies the linear map it transposes (reverse). ``einsum`` and
``norm`` helpers also depend smoothly on other arguments: their rules call the helpers of
``runtime/higher_order.py``. ``tests/test_second_order_rules.py`` checks every rule of the
registry at second order, both modes.
"""

# ruff: noqa: F821
import numpy as np  # noqa: F401

from .. import runtime
from .. import runtime as _tl  # noqa: F401
from .registry import constant_params, defjvp, defvjp, nondifferentiable, same_rules

nondifferentiable(runtime.median_weights)  # piecewise constant: the sorted order

# ---------------------------------------------------------------- transposes of linear maps


@defjvp(runtime.repeat_bar)
def repeat_bar_jvp(g_dot, ans, g, a, repeats, axis=None):
    return _tl.repeat_bar(g_dot, a, repeats, axis)


@defvjp(runtime.repeat_bar)
def repeat_bar_vjp(h, ans, g, a, repeats, axis=None):
    return np.repeat(h, repeats, axis=axis)


@defjvp(runtime.take_bar)
def take_bar_jvp(g_dot, ans, g, a, indices, axis=None, mode="raise"):
    return _tl.take_bar(g_dot, a, indices, axis, mode)


@defvjp(runtime.take_bar)
def take_bar_vjp(h, ans, g, a, indices, axis=None, mode="raise"):
    return _tl.taken(h, indices, axis, mode)


@defjvp(runtime.taken)
def taken_jvp(x_dot, ans, x, indices, axis=None, mode="raise"):
    return _tl.taken(x_dot, indices, axis, mode)


@defvjp(runtime.taken)
def taken_vjp(g, ans, x, indices, axis=None, mode="raise"):
    return _tl.take_bar(g, x, indices, axis, mode)


@defjvp(runtime.take_along_axis_bar)
def take_along_axis_bar_jvp(g_dot, ans, g, arr, indices, axis=-1):
    return _tl.take_along_axis_bar(g_dot, arr, indices, axis)


@defvjp(runtime.take_along_axis_bar)
def take_along_axis_bar_vjp(h, ans, g, arr, indices, axis=-1):
    return _tl.unbroadcast(np.take_along_axis(h, indices, axis=axis), g)


@defjvp(runtime.pad_bar)
def pad_bar_jvp(g_dot, ans, g, array, pad_width, mode="constant"):
    return _tl.pad_bar(g_dot, array, pad_width, mode)


@defvjp(runtime.pad_bar)
def pad_bar_vjp(h, ans, g, array, pad_width, mode="constant"):
    return _tl.pad_tangent(h, pad_width, mode)


@defjvp(runtime.pad_tangent)
def pad_tangent_jvp(t_dot, ans, t, pad_width, mode="constant"):
    return _tl.pad_tangent(t_dot, pad_width, mode)


@defvjp(runtime.pad_tangent)
def pad_tangent_vjp(h, ans, t, pad_width, mode="constant"):
    return _tl.pad_bar(h, t, pad_width, mode)


@defjvp(runtime.sort_tangent)
def sort_tangent_jvp(t_dot, ans, t, a, axis=-1):
    return _tl.sort_tangent(t_dot, a, axis)


@defvjp(runtime.sort_tangent)
def sort_tangent_vjp(h, ans, t, a, axis=-1):
    return np.reshape(_tl.sort_bar(h, a, axis), np.shape(t))


@defjvp(runtime.sort_bar)
def sort_bar_jvp(g_dot, ans, g, a, axis=-1):
    return _tl.sort_bar(g_dot, a, axis)


@defvjp(runtime.sort_bar)
def sort_bar_vjp(h, ans, g, a, axis=-1):
    return np.reshape(_tl.sort_tangent(h, a, axis), np.shape(g))


@defjvp(runtime.median_bar)
def median_bar_jvp(g_dot, ans, g, a, axis=None, keepdims=False):
    return _tl.median_bar(g_dot, a, axis, keepdims)


@defvjp(runtime.median_bar)
def median_bar_vjp(h, ans, g, a, axis=None, keepdims=False):
    return np.reshape(np.sum(h * _tl.median_weights(a, axis), axis=_tl.axes_of(axis, np.ndim(a)), keepdims=keepdims),
                      np.shape(g))


@defjvp(runtime.cumsum_bar)
def cumsum_bar_jvp(g_dot, ans, g, a, axis=None):
    return _tl.cumsum_bar(g_dot, a, axis)


@defvjp(runtime.cumsum_bar)
def cumsum_bar_vjp(h, ans, g, a, axis=None):
    return np.reshape(np.cumsum(h, axis=axis), np.shape(g))


if hasattr(np, "cumulative_sum"):  # NumPy >= 2.1 (the helper is reached only from np.cumulative_sum)
    @defjvp(runtime.cumulative_sum_bar)
    def cumulative_sum_bar_jvp(g_dot, ans, g, x, axis=None, include_initial=False):
        return _tl.cumulative_sum_bar(g_dot, x, axis, include_initial)

    @defvjp(runtime.cumulative_sum_bar)
    def cumulative_sum_bar_vjp(h, ans, g, x, axis=None, include_initial=False):
        return np.cumulative_sum(h, axis=axis, include_initial=include_initial)


@defjvp(runtime.diff_tangent)
def diff_tangent_jvp(t_dot, ans, t, which, a, n=1, axis=-1, prepend=None, append=None):
    return _tl.diff_tangent(t_dot, which, a, n, axis, prepend, append)


@defvjp(runtime.diff_tangent)
def diff_tangent_vjp(h, ans, t, which, a, n=1, axis=-1, prepend=None, append=None):
    return _tl.unbroadcast(_tl.diff_bar(h, which, a, n, axis, prepend, append), t)


@defjvp(runtime.diff_bar)
def diff_bar_jvp(g_dot, ans, g, which, a, n=1, axis=-1, prepend=None, append=None):
    return _tl.diff_bar(g_dot, which, a, n, axis, prepend, append)


@defvjp(runtime.diff_bar)
def diff_bar_vjp(h, ans, g, which, a, n=1, axis=-1, prepend=None, append=None):
    return _tl.diff_tangent(h, which, a, n, axis, prepend, append)


@defjvp(runtime.concatenate_bar)
def concatenate_bar_jvp(g_dot, ans, g, arrays, axis=0):
    return _tl.concatenate_bar(g_dot, arrays, axis)


@defvjp(runtime.concatenate_bar)
def concatenate_bar_vjp(h, ans, g, arrays, axis=0):
    return np.reshape(np.concatenate([np.ravel(p) if axis is None else p for p in h], axis=axis), np.shape(g))


constant_params(runtime.repeat_bar, "a", "repeats")
constant_params(runtime.take_bar, "a", "indices")
constant_params(runtime.taken, "indices")
constant_params(runtime.take_along_axis_bar, "arr", "indices")
constant_params(runtime.pad_bar, "array")
constant_params(runtime.sort_tangent, "a")  # piecewise constant: the order
constant_params(runtime.sort_bar, "a")
constant_params(runtime.median_bar, "a")
constant_params(runtime.cumsum_bar, "a")
if hasattr(np, "cumulative_sum"):  # NumPy >= 2.1
    constant_params(runtime.cumulative_sum_bar, "x", "include_initial")
constant_params(runtime.diff_tangent, "which", "a", "n", "prepend", "append")
constant_params(runtime.diff_bar, "which", "a", "n", "prepend", "append")
constant_params(runtime.concatenate_bar, "arrays")

# ---------------------------------------------------------------- einsum: multilinear in the operands
# einsum_tangent(t, k, ...) is the einsum with operand k replaced by t; einsum_bar(g, k, ...) the
# cotangent of operand k. Both are linear in their seed and in each other operand j.


@defjvp(runtime.einsum_tangent, argnum=0)
def einsum_tangent_jvp_t(t_dot, ans, t, k, subscripts, op0, op1=None, op2=None, op3=None, op4=None, op5=None,
        optimize=False):
    return _tl.einsum_tangent(t_dot, k, subscripts, op0, op1, op2, op3, op4, op5, optimize=optimize)


@defvjp(runtime.einsum_tangent, argnum=0)
def einsum_tangent_vjp_t(h, ans, t, k, subscripts, op0, op1=None, op2=None, op3=None, op4=None, op5=None,
        optimize=False):
    return _tl.einsum_bar(h, k, subscripts, op0, op1, op2, op3, op4, op5, optimize=optimize)


@defjvp(runtime.einsum_bar, argnum=0)
def einsum_bar_jvp_g(g_dot, ans, g, k, subscripts, op0, op1=None, op2=None, op3=None, op4=None, op5=None,
        optimize=False):
    return _tl.einsum_bar(g_dot, k, subscripts, op0, op1, op2, op3, op4, op5, optimize=optimize)


@defvjp(runtime.einsum_bar, argnum=0)
def einsum_bar_vjp_g(h, ans, g, k, subscripts, op0, op1=None, op2=None, op3=None, op4=None, op5=None,
        optimize=False):
    return _tl.einsum_tangent(h, k, subscripts, op0, op1, op2, op3, op4, op5, optimize=optimize)


@defjvp(runtime.einsum_tangent, argnum=3)
def einsum_tangent_jvp_0(v, ans, t, k, subscripts, op0, op1=None, op2=None, op3=None, op4=None, op5=None,
        optimize=False):
    return _tl.einsum_tangent2(t, k, v, 0, subscripts, op0, op1, op2, op3, op4, op5, optimize=optimize)


@defvjp(runtime.einsum_tangent, argnum=3)
def einsum_tangent_vjp_0(h, ans, t, k, subscripts, op0, op1=None, op2=None, op3=None, op4=None, op5=None,
        optimize=False):
    return _tl.einsum_bar2(h, k, t, 0, subscripts, op0, op1, op2, op3, op4, op5, optimize=optimize)


@defjvp(runtime.einsum_bar, argnum=3)
def einsum_bar_jvp_0(v, ans, g, k, subscripts, op0, op1=None, op2=None, op3=None, op4=None, op5=None,
        optimize=False):
    return _tl.einsum_bar2(g, 0, v, k, subscripts, op0, op1, op2, op3, op4, op5, optimize=optimize)


@defvjp(runtime.einsum_bar, argnum=3)
def einsum_bar_vjp_0(h, ans, g, k, subscripts, op0, op1=None, op2=None, op3=None, op4=None, op5=None,
        optimize=False):
    return _tl.einsum_bar2(g, k, h, 0, subscripts, op0, op1, op2, op3, op4, op5, optimize=optimize)


@defjvp(runtime.einsum_tangent, argnum=4)
def einsum_tangent_jvp_1(v, ans, t, k, subscripts, op0, op1=None, op2=None, op3=None, op4=None, op5=None,
        optimize=False):
    return _tl.einsum_tangent2(t, k, v, 1, subscripts, op0, op1, op2, op3, op4, op5, optimize=optimize)


@defvjp(runtime.einsum_tangent, argnum=4)
def einsum_tangent_vjp_1(h, ans, t, k, subscripts, op0, op1=None, op2=None, op3=None, op4=None, op5=None,
        optimize=False):
    return _tl.einsum_bar2(h, k, t, 1, subscripts, op0, op1, op2, op3, op4, op5, optimize=optimize)


@defjvp(runtime.einsum_bar, argnum=4)
def einsum_bar_jvp_1(v, ans, g, k, subscripts, op0, op1=None, op2=None, op3=None, op4=None, op5=None,
        optimize=False):
    return _tl.einsum_bar2(g, 1, v, k, subscripts, op0, op1, op2, op3, op4, op5, optimize=optimize)


@defvjp(runtime.einsum_bar, argnum=4)
def einsum_bar_vjp_1(h, ans, g, k, subscripts, op0, op1=None, op2=None, op3=None, op4=None, op5=None,
        optimize=False):
    return _tl.einsum_bar2(g, k, h, 1, subscripts, op0, op1, op2, op3, op4, op5, optimize=optimize)


@defjvp(runtime.einsum_tangent, argnum=5)
def einsum_tangent_jvp_2(v, ans, t, k, subscripts, op0, op1=None, op2=None, op3=None, op4=None, op5=None,
        optimize=False):
    return _tl.einsum_tangent2(t, k, v, 2, subscripts, op0, op1, op2, op3, op4, op5, optimize=optimize)


@defvjp(runtime.einsum_tangent, argnum=5)
def einsum_tangent_vjp_2(h, ans, t, k, subscripts, op0, op1=None, op2=None, op3=None, op4=None, op5=None,
        optimize=False):
    return _tl.einsum_bar2(h, k, t, 2, subscripts, op0, op1, op2, op3, op4, op5, optimize=optimize)


@defjvp(runtime.einsum_bar, argnum=5)
def einsum_bar_jvp_2(v, ans, g, k, subscripts, op0, op1=None, op2=None, op3=None, op4=None, op5=None,
        optimize=False):
    return _tl.einsum_bar2(g, 2, v, k, subscripts, op0, op1, op2, op3, op4, op5, optimize=optimize)


@defvjp(runtime.einsum_bar, argnum=5)
def einsum_bar_vjp_2(h, ans, g, k, subscripts, op0, op1=None, op2=None, op3=None, op4=None, op5=None,
        optimize=False):
    return _tl.einsum_bar2(g, k, h, 2, subscripts, op0, op1, op2, op3, op4, op5, optimize=optimize)


@defjvp(runtime.einsum_tangent, argnum=6)
def einsum_tangent_jvp_3(v, ans, t, k, subscripts, op0, op1=None, op2=None, op3=None, op4=None, op5=None,
        optimize=False):
    return _tl.einsum_tangent2(t, k, v, 3, subscripts, op0, op1, op2, op3, op4, op5, optimize=optimize)


@defvjp(runtime.einsum_tangent, argnum=6)
def einsum_tangent_vjp_3(h, ans, t, k, subscripts, op0, op1=None, op2=None, op3=None, op4=None, op5=None,
        optimize=False):
    return _tl.einsum_bar2(h, k, t, 3, subscripts, op0, op1, op2, op3, op4, op5, optimize=optimize)


@defjvp(runtime.einsum_bar, argnum=6)
def einsum_bar_jvp_3(v, ans, g, k, subscripts, op0, op1=None, op2=None, op3=None, op4=None, op5=None,
        optimize=False):
    return _tl.einsum_bar2(g, 3, v, k, subscripts, op0, op1, op2, op3, op4, op5, optimize=optimize)


@defvjp(runtime.einsum_bar, argnum=6)
def einsum_bar_vjp_3(h, ans, g, k, subscripts, op0, op1=None, op2=None, op3=None, op4=None, op5=None,
        optimize=False):
    return _tl.einsum_bar2(g, k, h, 3, subscripts, op0, op1, op2, op3, op4, op5, optimize=optimize)


@defjvp(runtime.einsum_tangent, argnum=7)
def einsum_tangent_jvp_4(v, ans, t, k, subscripts, op0, op1=None, op2=None, op3=None, op4=None, op5=None,
        optimize=False):
    return _tl.einsum_tangent2(t, k, v, 4, subscripts, op0, op1, op2, op3, op4, op5, optimize=optimize)


@defvjp(runtime.einsum_tangent, argnum=7)
def einsum_tangent_vjp_4(h, ans, t, k, subscripts, op0, op1=None, op2=None, op3=None, op4=None, op5=None,
        optimize=False):
    return _tl.einsum_bar2(h, k, t, 4, subscripts, op0, op1, op2, op3, op4, op5, optimize=optimize)


@defjvp(runtime.einsum_bar, argnum=7)
def einsum_bar_jvp_4(v, ans, g, k, subscripts, op0, op1=None, op2=None, op3=None, op4=None, op5=None,
        optimize=False):
    return _tl.einsum_bar2(g, 4, v, k, subscripts, op0, op1, op2, op3, op4, op5, optimize=optimize)


@defvjp(runtime.einsum_bar, argnum=7)
def einsum_bar_vjp_4(h, ans, g, k, subscripts, op0, op1=None, op2=None, op3=None, op4=None, op5=None,
        optimize=False):
    return _tl.einsum_bar2(g, k, h, 4, subscripts, op0, op1, op2, op3, op4, op5, optimize=optimize)


@defjvp(runtime.einsum_tangent, argnum=8)
def einsum_tangent_jvp_5(v, ans, t, k, subscripts, op0, op1=None, op2=None, op3=None, op4=None, op5=None,
        optimize=False):
    return _tl.einsum_tangent2(t, k, v, 5, subscripts, op0, op1, op2, op3, op4, op5, optimize=optimize)


@defvjp(runtime.einsum_tangent, argnum=8)
def einsum_tangent_vjp_5(h, ans, t, k, subscripts, op0, op1=None, op2=None, op3=None, op4=None, op5=None,
        optimize=False):
    return _tl.einsum_bar2(h, k, t, 5, subscripts, op0, op1, op2, op3, op4, op5, optimize=optimize)


@defjvp(runtime.einsum_bar, argnum=8)
def einsum_bar_jvp_5(v, ans, g, k, subscripts, op0, op1=None, op2=None, op3=None, op4=None, op5=None,
        optimize=False):
    return _tl.einsum_bar2(g, 5, v, k, subscripts, op0, op1, op2, op3, op4, op5, optimize=optimize)


@defvjp(runtime.einsum_bar, argnum=8)
def einsum_bar_vjp_5(h, ans, g, k, subscripts, op0, op1=None, op2=None, op3=None, op4=None, op5=None,
        optimize=False):
    return _tl.einsum_bar2(g, k, h, 5, subscripts, op0, op1, op2, op3, op4, op5, optimize=optimize)


constant_params(runtime.einsum_tangent, "k", "subscripts", "optimize")
constant_params(runtime.einsum_bar, "k", "subscripts", "optimize")

# ---------------------------------------------------------------- multi_dot: linear in the seed and in each array


@defjvp(runtime.multi_dot_tangent, argnum=0)
def multi_dot_tangent_jvp_ts(ts_dot, ans, ts, arrays):
    return _tl.multi_dot_tangent(ts_dot, arrays)


@defjvp(runtime.multi_dot_tangent, argnum=1)
def multi_dot_tangent_jvp_arrays(arrays_dot, ans, ts, arrays):
    return _tl.multi_dot_pairs(ts, arrays_dot, arrays)


@defvjp(runtime.multi_dot_tangent, argnum=0)
def multi_dot_tangent_vjp_ts(h, ans, ts, arrays):
    return _tl.seq_like(_tl.multi_dot_bar(h, arrays), ts)


@defvjp(runtime.multi_dot_tangent, argnum=1)
def multi_dot_tangent_vjp_arrays(h, ans, ts, arrays):
    return _tl.seq_like(_tl.multi_dot_pairs_bar(h, ts, arrays), arrays)


@defjvp(runtime.multi_dot_bar, argnum=0)
def multi_dot_bar_jvp_g(g_dot, ans, g, arrays):
    return _tl.multi_dot_bar(g_dot, arrays)


@defjvp(runtime.multi_dot_bar, argnum=1)
def multi_dot_bar_jvp_arrays(arrays_dot, ans, g, arrays):
    return _tl.multi_dot_pairs_bar(g, arrays_dot, arrays)


@defvjp(runtime.multi_dot_bar, argnum=0)
def multi_dot_bar_vjp_g(h, ans, g, arrays):
    return np.reshape(_tl.multi_dot_tangent(h, arrays), np.shape(g))


@defvjp(runtime.multi_dot_bar, argnum=1)
def multi_dot_bar_vjp_arrays(h, ans, g, arrays):
    return _tl.seq_like(_tl.multi_dot_pairs_bar(g, h, arrays), arrays)


# ---------------------------------------------------------------- norms: norm_bar(g, ans, x) = expand(g) * d(ans, x)
# and norm_tangent(t, ans, x) = sum(d(ans, x) * t); the direction d depends on x and on the norm ans


@defjvp(runtime.norm_bar, argnum=0)
def norm_bar_jvp_g(g_dot, ans, g, ans_, x, ord=None, axis=None, keepdims=False, kind="norm"):
    return _tl.norm_bar(g_dot, ans_, x, ord, axis, keepdims, kind)


@defjvp(runtime.norm_bar, argnum=1)
def norm_bar_jvp_ans(n_dot, ans, g, ans_, x, ord=None, axis=None, keepdims=False, kind="norm"):
    return _tl.norm_dir_dot(g, 0.0, n_dot, ans_, x, ord, axis, keepdims, kind)


@defjvp(runtime.norm_bar, argnum=2)
def norm_bar_jvp_x(x_dot, ans, g, ans_, x, ord=None, axis=None, keepdims=False, kind="norm"):
    return _tl.norm_dir_dot(g, x_dot, 0.0, ans_, x, ord, axis, keepdims, kind)


@defvjp(runtime.norm_bar, argnum=0)
def norm_bar_vjp_g(h, ans, g, ans_, x, ord=None, axis=None, keepdims=False, kind="norm"):
    return np.reshape(_tl.norm_tangent(h, ans_, x, ord, axis, keepdims, kind), np.shape(g))


@defvjp(runtime.norm_bar, argnum=1)
def norm_bar_vjp_ans(h, ans, g, ans_, x, ord=None, axis=None, keepdims=False, kind="norm"):
    return _tl.norm_dir_bar_n(g, h, ans_, x, ord, axis, keepdims, kind)


@defvjp(runtime.norm_bar, argnum=2)
def norm_bar_vjp_x(h, ans, g, ans_, x, ord=None, axis=None, keepdims=False, kind="norm"):
    return _tl.norm_dir_bar_x(g, h, ans_, x, ord, axis, keepdims, kind)


@defjvp(runtime.norm_tangent, argnum=0)
def norm_tangent_jvp_t(t_dot, ans, t, ans_, x, ord=None, axis=None, keepdims=False, kind="norm"):
    return _tl.norm_tangent(t_dot, ans_, x, ord, axis, keepdims, kind)


@defjvp(runtime.norm_tangent, argnum=1)
def norm_tangent_jvp_ans(n_dot, ans, t, ans_, x, ord=None, axis=None, keepdims=False, kind="norm"):
    return _tl.norm_dir_reduce(t, 0.0, n_dot, ans_, x, ord, axis, keepdims, kind)


@defjvp(runtime.norm_tangent, argnum=2)
def norm_tangent_jvp_x(x_dot, ans, t, ans_, x, ord=None, axis=None, keepdims=False, kind="norm"):
    return _tl.norm_dir_reduce(t, x_dot, 0.0, ans_, x, ord, axis, keepdims, kind)


@defvjp(runtime.norm_tangent, argnum=0)
def norm_tangent_vjp_t(h, ans, t, ans_, x, ord=None, axis=None, keepdims=False, kind="norm"):
    return _tl.unbroadcast(_tl.norm_bar(h, ans_, x, ord, axis, keepdims, kind), t)


@defvjp(runtime.norm_tangent, argnum=1)
def norm_tangent_vjp_ans(h, ans, t, ans_, x, ord=None, axis=None, keepdims=False, kind="norm"):
    return _tl.norm_dir_bar_n(h, t, ans_, x, ord, axis, keepdims, kind)


@defvjp(runtime.norm_tangent, argnum=2)
def norm_tangent_vjp_x(h, ans, t, ans_, x, ord=None, axis=None, keepdims=False, kind="norm"):
    return _tl.norm_dir_bar_x(h, t, ans_, x, ord, axis, keepdims, kind)


# ---------------------------------------------------------------- cofactor: the derivative of det
# (its derivative, the second derivative of det, is a symmetric bilinear form: the VJP is the JVP)


@defjvp(runtime.cofactor)
def cofactor_jvp(a_dot, ans, a):
    return _tl.cofactor_tangent(a_dot, a)


@defvjp(runtime.cofactor)
def cofactor_vjp(g, ans, a):
    return _tl.cofactor_tangent(g, a)


same_rules(runtime.inv_or_nan, np.linalg.inv)  # (slogdet's derivatives, differentiated again)


# ---------------------------------------------------------------- named_like: a tuple tangent as NumPy's named result
# (the tangents of eig/eigh/svd/qr/slogdet, differentiated again in forward over forward mode)


@defjvp(runtime.named_like)
def named_like_jvp(t_dot, ans, t, ans_):
    return _tl.named_like(t_dot, ans_)


@defvjp(runtime.named_like)
def named_like_vjp(h, ans, t, ans_):
    return tuple(h)


constant_params(runtime.named_like, "ans_")
