"""Rules for code written against the array API standard (``xp = array_namespace(x)``).

``xp.<name>(...)`` has the rules of NumPy's function of the standard's name (see
:data:`tangent_lite.xnp.STANDARD_NAMES`); what is left are the helpers such code calls
around them, which the front end reads as the runtime stand-ins below
(frontend/lowering/namespaces.py):

- a namespace lookup (``array_namespace(x, y)``, ``x.__array_namespace__()``) yields a module:
  it carries no derivative;
- a promotion helper of one array (SciPy's ``xp_promote(x, force_floating=True, xp=xp)``)
  returns that array in a floating dtype: its derivative is the identity.
"""

# ruff: noqa: F821
import numpy as np  # noqa: F401

from .. import runtime
from .. import runtime as _tl  # noqa: F401
from .registry import constant_params, defjvp, defvjp, nondifferentiable

nondifferentiable(runtime.namespace, runtime.is_foreign, runtime.is_inexact, runtime.is_zero, runtime.zeros_of)


@defjvp(runtime.promoted)
def promoted_jvp(x_dot, ans, x, force_floating=False, xp=None, broadcast=False, ensure_writeable=False):
    return x_dot


@defvjp(runtime.promoted)
def promoted_vjp(g, ans, x, force_floating=False, xp=None, broadcast=False, ensure_writeable=False):
    return g


# ---------------------------------------------------------------- the runtime's library-neutral helpers
# (rules/runtime_rules.py has the others: derivative code that calls these is differentiated again)


@defjvp(runtime.inexact)
def inexact_jvp(x_dot, ans, x):
    return _tl.inexact(x_dot)


@defvjp(runtime.inexact)
def inexact_vjp(g, ans, x):
    return g


@defjvp(runtime.as_array)
def as_array_jvp(x_dot, ans, x):
    return _tl.as_array(x_dot)


@defvjp(runtime.as_array)
def as_array_vjp(g, ans, x):
    return g


@defjvp(runtime.spread)
def spread_jvp(g_dot, ans, g, shape, like):
    return _tl.spread(g_dot, shape, like)


@defvjp(runtime.spread)
def spread_vjp(h, ans, g, shape, like):
    return _tl.unbroadcast(h, g)


constant_params(runtime.spread, "like")


@defjvp(runtime.summed)
def summed_jvp(g_dot, ans, g, axis=None, keepdims=False):
    return _tl.summed(g_dot, axis, keepdims)


@defvjp(runtime.summed)
def summed_vjp(h, ans, g, axis=None, keepdims=False):
    return _tl.sum_bar(h, g, axis, keepdims)


@defjvp(runtime.reshaped)
def reshaped_jvp(x_dot, ans, x, shape):
    return _tl.reshaped(x_dot, shape)


@defvjp(runtime.reshaped)
def reshaped_vjp(g, ans, x, shape):
    return _tl.reshaped(g, np.shape(x))


@defjvp(runtime.transpose_bar)
def transpose_bar_jvp(g_dot, ans, g, axes=None):
    return _tl.transpose_bar(g_dot, axes)


@defvjp(runtime.transpose_bar)
def transpose_bar_vjp(h, ans, g, axes=None):
    return np.transpose(h, axes)
