"""Rules for the functions that only make sense with complex numbers (docs/complex-numbers.md).

The convention (JAX's and autograd's): a cotangent ``w`` pairs with a tangent ``t`` as
``Re(sum(w * t))``, so the VJP of a holomorphic ``f`` is ``g * f'(z)`` -- the same formula as for
real input, which is why the elementwise tables need no complex variant.  A function that is not
holomorphic (``conj``, ``real``, ``imag``, ``abs``, ``angle``) has its own rule; a function with a
real result reads only the real part of its cotangent.
"""

# ruff: noqa: F821
import builtins
from typing import Any

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


# The primitives whose rules are verified for complex input (tests/test_complex.py checks each
# against finite differences in the real and imaginary directions).  Every other differentiable
# primitive refuses a complex argument at run time in derivative code (``_tl.real_only``,
# inserted by analysis/differentiable.py): refused, never silently wrong.
_HOLOMORPHIC = """
    builtins.pow operator.add operator.sub operator.mul operator.truediv operator.neg operator.pos
    operator.pow operator.matmul
    numpy.add numpy.subtract numpy.multiply numpy.divide numpy.negative numpy.positive numpy.power
    numpy.reciprocal numpy.square numpy.sqrt numpy.exp numpy.exp2 numpy.expm1 numpy.log numpy.log2
    numpy.log10 numpy.log1p numpy.sin numpy.cos numpy.tan numpy.sinh numpy.cosh numpy.tanh
    numpy.arcsin numpy.arccos numpy.arctan numpy.arcsinh numpy.arccosh numpy.arctanh numpy.sinc
"""
_LINEAR = """
    builtins.sum builtins.list builtins.tuple builtins.dict
    numpy.sum numpy.mean numpy.prod numpy.nansum numpy.average numpy.cumsum numpy.cumulative_sum
    numpy.diff numpy.where numpy.reshape numpy.ravel numpy.transpose numpy.swapaxes numpy.moveaxis
    numpy.rollaxis numpy.squeeze numpy.expand_dims numpy.broadcast_to numpy.matrix_transpose
    numpy.linalg.matrix_transpose numpy.roll numpy.flip numpy.fliplr numpy.flipud numpy.rot90 numpy.tile
    numpy.tril numpy.triu numpy.concatenate numpy.stack numpy.hstack numpy.vstack numpy.dstack
    numpy.column_stack numpy.row_stack numpy.split numpy.array_split numpy.hsplit numpy.vsplit
    numpy.dsplit numpy.unstack numpy.array numpy.asarray numpy.asanyarray numpy.ascontiguousarray
    numpy.asfortranarray numpy.atleast_1d numpy.atleast_2d numpy.atleast_3d numpy.copy
    numpy.fft.fft numpy.fft.ifft numpy.fft.fft2 numpy.fft.ifft2 numpy.fft.fftn numpy.fft.ifftn
    numpy.fft.rfft numpy.fft.irfft numpy.fft.rfft2 numpy.fft.irfft2 numpy.fft.rfftn numpy.fft.irfftn
    numpy.fft.hfft numpy.fft.ihfft numpy.fft.fftshift numpy.fft.ifftshift
"""
_PRODUCTS_LINALG = """
    numpy.matmul numpy.linalg.matmul numpy.dot numpy.einsum numpy.outer numpy.linalg.outer
    numpy.tensordot numpy.linalg.tensordot numpy.kron numpy.cross numpy.linalg.cross
    numpy.linalg.inv numpy.linalg.det numpy.linalg.solve numpy.linalg.matrix_power
    numpy.linalg.multi_dot numpy.linalg.eig numpy.linalg.eigvals
"""
_COMPLEX_SPECIFIC = """
    numpy.real numpy.imag numpy.conjugate numpy.angle numpy.absolute builtins.abs numpy.vdot
    numpy.inner builtins.complex numpy.real_if_close
"""
# Real-valued functions of complex input (their cotangent is ``dF/dRe - 1j dF/dIm``), NumPy's
# lexicographic max/min (locally the selection of one entry: linear where the maximum's real part
# is not tied), and holomorphic functions of SciPy (``erf'(z) = 2 exp(-z^2) / sqrt(pi)``).
_OTHERS = """
    numpy.linalg.norm numpy.linalg.vector_norm numpy.linalg.matrix_norm numpy.linalg.svdvals
    numpy.linalg.eigh numpy.linalg.eigvalsh numpy.linalg.svd
    numpy.diagonal numpy.linalg.diagonal numpy.trace numpy.linalg.trace
    numpy.var numpy.std numpy.max numpy.min numpy.amax numpy.amin
    scipy.special.erf scipy.special.erfc
"""
COMPLEX_VERIFIED = frozenset(" ".join((_HOLOMORPHIC, _LINEAR, _PRODUCTS_LINALG, _COMPLEX_SPECIFIC, _OTHERS)).split())

# Declared non-differentiable (piecewise constant) for real input, but not constant for complex
# input: NumPy 2's ``sign(z) = z / |z|``.  A complex argument that carries derivatives is refused
# at run time like the above (tests/test_rule_edges.py scans the non-differentiable table).
CONSTANT_FOR_REAL_ONLY = frozenset({"numpy.sign"})


def complex_verified(prim: Any) -> bool:
    """Whether the primitive ``prim`` may be given complex arguments in derivative code without
    a check: it is in the table; or it is one of tangent_lite's runtime helpers (which appear only
    in generated code); or ``math``'s (Python refuses complex input itself); or its rules are the
    user's own (``tl.defvjp``: the user decides what they mean for complex input)."""
    name = prim.name
    if name in COMPLEX_VERIFIED or name.startswith(("tangent_lite.", "math.")):
        return True
    rules = list(prim.jvps.values()) + list(prim.vjps.values())
    return bool(rules) and not any(rule.builtin for rule in rules)
