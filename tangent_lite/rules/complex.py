"""Rules for the functions that only make sense with complex numbers (docs/complex-numbers.md).

The convention (JAX's and autograd's): a cotangent ``w`` pairs with a tangent ``t`` as
``Re(sum(w * t))``, so the VJP of a holomorphic ``f`` is ``g * f'(z)`` -- the same formula as for
real input, which is why the elementwise tables need no complex variant.  A function that is not
holomorphic (``conj``, ``real``, ``imag``, ``abs``, ``angle``) has its own rule; a function with a
real result reads only the real part of its cotangent.
"""

# ruff: noqa: F821
import builtins

import numpy as np

from .. import runtime
from .. import runtime as _tl  # noqa: F401
from .registry import constant_params, defjvp, defvjp


@defjvp(np.imag)
def imag_jvp(x_dot, ans, val):
    return np.imag(x_dot)


@defvjp(np.imag)
def imag_vjp(g, ans, val):
    return _tl.unbroadcast(np.real(g) * -1j, val)  # Re(-1j * g * t) == g * Im(t); 0 for real val


@defjvp(np.angle)
def angle_jvp(x_dot, ans, z, deg=False):
    return np.imag(_tl.strong_div(x_dot, z)) * (np.rad2deg(1.0) if deg else 1.0)


@defvjp(np.angle)
def angle_vjp(g, ans, z, deg=False):
    return _tl.unbroadcast(_tl.strong_div(np.real(g) * -1j, z) * (np.rad2deg(1.0) if deg else 1.0), z)


constant_params(np.angle, "deg")

# ``abs_grad(x)`` is ``sign(x)`` for real ``x`` (constant where it is differentiable) and
# ``d = conj(x) / |x|`` for complex ``x``, whose derivative is ``(conj(t) - d * Re(d * t)) / |x|``:
# both zero for real ``x`` (``d * d == 1``), with 0 at ``x == 0`` (the factor ``|d|``).


@defjvp(runtime.abs_grad)
def abs_grad_jvp(x_dot, ans, x):
    return _tl.strong_div((np.conjugate(x_dot) - ans * np.real(ans * x_dot)) * np.abs(ans), np.abs(x))


@defvjp(runtime.abs_grad)
def abs_grad_vjp(g, ans, x):
    return _tl.strong_div((np.conjugate(g) - np.real(g * ans) * ans) * np.abs(ans), np.abs(x))


# ``complex(real, imag)``: each part enters linearly (the cotangent of a part is a real number)


@defjvp(builtins.complex, argnum=0)
def complex_jvp_real(x_dot, ans, real=0.0, imag=0.0):
    return x_dot + 0j


@defjvp(builtins.complex, argnum=1)
def complex_jvp_imag(y_dot, ans, real=0.0, imag=0.0):
    return y_dot * 1j


@defvjp(builtins.complex, argnum=0)
def complex_vjp_real(g, ans, real=0.0, imag=0.0):
    return _tl.unbroadcast(g, real)


@defvjp(builtins.complex, argnum=1)
def complex_vjp_imag(g, ans, real=0.0, imag=0.0):
    return _tl.unbroadcast(g * 1j, imag)
