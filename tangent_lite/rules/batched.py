"""Batched forward mode: tangents carry an extra leading axis of ``k`` directions.

Elementwise rules work unchanged (NumPy broadcasts the primal values against the batch
axis).  The rules below are for the primitives where the batch axis must be skipped:
reductions, products, shape operations.  Each is a template like the other rule tables;
``_tl.batch_*`` helpers move axes by one.  A primitive that is neither elementwise nor in
this table is refused in batched mode (``tl.jvp`` one direction at a time still works).
"""

# ruff: noqa: F821
import builtins
import math
import operator
from typing import Any, Callable, Dict

import numpy as np

from .. import runtime
from .. import runtime as _tl  # noqa: F401
from .registry import Rule

BATCHED: Dict[Any, Dict[int, Rule]] = {}

_ELEMENTWISE_OPS = {operator.add, operator.sub, operator.mul, operator.truediv, operator.pow, operator.neg,
                    operator.pos, operator.mod, builtins.abs, builtins.float, np.where, np.copy, runtime.grad_hook,
                    runtime.strong_mul}


def elementwise(fn: Any) -> bool:
    """Is ``fn`` applied entry by entry (so its rules broadcast over a batch axis)?"""
    if isinstance(fn, np.ufunc) or fn in _ELEMENTWISE_OPS:
        return True
    return getattr(fn, "__module__", None) == "math"


def batched(fn: Any, argnum: int = 0) -> Callable[[Callable], Callable]:
    def register(rule_fn: Callable) -> Callable:
        BATCHED.setdefault(fn, {})[argnum] = Rule(rule_fn, argnum)
        return rule_fn
    return register


@batched(np.sum)
def sum_jvp_b(x_dot, ans, a, axis=None, keepdims=False):
    return _tl.batch_reduce(np.sum, x_dot, a, axis, keepdims)


@batched(np.mean)
def mean_jvp_b(x_dot, ans, a, axis=None, keepdims=False):
    return _tl.batch_reduce(np.mean, x_dot, a, axis, keepdims)


@batched(np.prod)
def prod_jvp_b(x_dot, ans, a, axis=None, keepdims=False):
    return _tl.batch_reduce(np.sum, _tl.prod_bar(1.0, ans, a, axis, True) * x_dot, a, axis, keepdims)


@batched(np.max)
def max_jvp_b(x_dot, ans, a, axis=None, keepdims=False):
    return _tl.batch_reduce(np.sum, _tl.extremum_bar(1.0, ans, a, axis, keepdims) * x_dot, a, axis, keepdims)


@batched(np.min)
def min_jvp_b(x_dot, ans, a, axis=None, keepdims=False):
    return _tl.batch_reduce(np.sum, _tl.extremum_bar(1.0, ans, a, axis, keepdims) * x_dot, a, axis, keepdims)


@batched(operator.matmul, 0)
def matmul_jvp_a_b(a_dot, ans, a, b):
    return _tl.batch_matmul(a_dot, b, 0)


@batched(operator.matmul, 1)
def matmul_jvp_b_b(b_dot, ans, a, b):
    return _tl.batch_matmul(a, b_dot, 1)


@batched(np.matmul, 0)
def np_matmul_jvp_a_b(a_dot, ans, a, b):
    return _tl.batch_matmul(a_dot, b, 0)


@batched(np.matmul, 1)
def np_matmul_jvp_b_b(b_dot, ans, a, b):
    return _tl.batch_matmul(a, b_dot, 1)


@batched(np.dot, 0)
def dot_jvp_a_b(a_dot, ans, a, b):
    return _tl.batch_dot(a_dot, b, 0)


@batched(np.dot, 1)
def dot_jvp_b_b(b_dot, ans, a, b):
    return _tl.batch_dot(a, b_dot, 1)


@batched(np.outer, 0)
def outer_jvp_a_b(a_dot, ans, a, b):
    return _tl.batch_outer(a_dot, b, 0)


@batched(np.outer, 1)
def outer_jvp_b_b(b_dot, ans, a, b):
    return _tl.batch_outer(a, b_dot, 1)


@batched(np.reshape)
def reshape_jvp_b(x_dot, ans, a, shape):
    return np.reshape(x_dot, np.shape(x_dot)[:1] + np.shape(ans))


@batched(np.ravel)
def ravel_jvp_b(x_dot, ans, a):
    return np.reshape(x_dot, np.shape(x_dot)[:1] + np.shape(ans))


@batched(np.transpose)
def transpose_jvp_b(x_dot, ans, a, axes=None):
    return _tl.batch_transpose(x_dot, axes)


@batched(np.array)
def array_jvp_b(x_dot, ans, object, dtype=None):
    return _tl.batch_stack(x_dot, ans)


@batched(np.asarray)
def asarray_jvp_b(x_dot, ans, a, dtype=None):
    return _tl.batch_stack(x_dot, ans)


@batched(builtins.sum)
def builtin_sum_jvp_b(x_dot, ans, iterable):
    return _tl.batch_builtin_sum(x_dot, iterable)


def _structural(fn: Any) -> None:
    """Primitives on containers: their ordinary rules apply as they are (no rank lifting)."""
    from .registry import REGISTRY

    prim = REGISTRY.get(fn)
    if prim is not None:
        BATCHED[fn] = {argnum: Rule(rule.fn, argnum) for argnum, rule in prim.jvps.items()}


_structural(runtime.append)

__all__ = ["BATCHED", "elementwise", "batched", "math"]
