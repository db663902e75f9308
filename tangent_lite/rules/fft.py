"""Rules for ``np.fft``: every transform is linear, so its JVP is the same transform of the tangent
and its VJP the transpose (helpers in runtime/fft.py; convention of docs/complex-numbers.md).

The runtime helpers are linear in their first argument and have rules too (their transposes are
each other), so generated code that calls them can be differentiated again.
"""

# ruff: noqa: F821
import numpy as np

from .. import runtime as _tl  # noqa: F401
from ..runtime import fft as runtime_fft
from .registry import constant_params, defjvp, defvjp

# ---------------------------------------------------------------- complex transforms, 1-D


@defjvp(np.fft.fft)
def fft_jvp(x_dot, ans, a, n=None, axis=-1, norm=None):
    return np.fft.fft(x_dot, n, axis, norm)


@defvjp(np.fft.fft)
def fft_vjp(g, ans, a, n=None, axis=-1, norm=None):
    return _tl.fft_linear(g, a, n, axis, norm, False, False)


@defjvp(np.fft.ifft)
def ifft_jvp(x_dot, ans, a, n=None, axis=-1, norm=None):
    return np.fft.ifft(x_dot, n, axis, norm)


@defvjp(np.fft.ifft)
def ifft_vjp(g, ans, a, n=None, axis=-1, norm=None):
    return _tl.fft_linear(g, a, n, axis, norm, True, False)


# ---------------------------------------------------------------- complex transforms, n-D


@defjvp(np.fft.fft2)
def fft2_jvp(x_dot, ans, a, s=None, axes=(-2, -1), norm=None):
    return np.fft.fft2(x_dot, s, axes, norm)


@defvjp(np.fft.fft2)
def fft2_vjp(g, ans, a, s=None, axes=(-2, -1), norm=None):
    return _tl.fft_linear(g, a, s, axes, norm, False, False)


@defjvp(np.fft.ifft2)
def ifft2_jvp(x_dot, ans, a, s=None, axes=(-2, -1), norm=None):
    return np.fft.ifft2(x_dot, s, axes, norm)


@defvjp(np.fft.ifft2)
def ifft2_vjp(g, ans, a, s=None, axes=(-2, -1), norm=None):
    return _tl.fft_linear(g, a, s, axes, norm, True, False)


@defjvp(np.fft.fftn)
def fftn_jvp(x_dot, ans, a, s=None, axes=None, norm=None):
    return np.fft.fftn(x_dot, s, axes, norm)


@defvjp(np.fft.fftn)
def fftn_vjp(g, ans, a, s=None, axes=None, norm=None):
    return _tl.fft_linear(g, a, s, axes, norm, False, False)


@defjvp(np.fft.ifftn)
def ifftn_jvp(x_dot, ans, a, s=None, axes=None, norm=None):
    return np.fft.ifftn(x_dot, s, axes, norm)


@defvjp(np.fft.ifftn)
def ifftn_vjp(g, ans, a, s=None, axes=None, norm=None):
    return _tl.fft_linear(g, a, s, axes, norm, True, False)


# ---------------------------------------------------------------- one-sided (real) transforms


@defjvp(np.fft.rfft)
def rfft_jvp(x_dot, ans, a, n=None, axis=-1, norm=None):
    return np.fft.rfft(x_dot, n, axis, norm)


@defvjp(np.fft.rfft)
def rfft_vjp(g, ans, a, n=None, axis=-1, norm=None):
    return _tl.rfft_bar(g, a, n, axis, norm)


@defjvp(np.fft.irfft)
def irfft_jvp(x_dot, ans, a, n=None, axis=-1, norm=None):
    return np.fft.irfft(x_dot, n, axis, norm)


@defvjp(np.fft.irfft)
def irfft_vjp(g, ans, a, n=None, axis=-1, norm=None):
    return _tl.irfft_bar(g, a, n, axis, norm)


@defjvp(np.fft.rfft2)
def rfft2_jvp(x_dot, ans, a, s=None, axes=(-2, -1), norm=None):
    return np.fft.rfft2(x_dot, s, axes, norm)


@defvjp(np.fft.rfft2)
def rfft2_vjp(g, ans, a, s=None, axes=(-2, -1), norm=None):
    return _tl.rfft_bar(g, a, s, axes, norm)


@defjvp(np.fft.irfft2)
def irfft2_jvp(x_dot, ans, a, s=None, axes=(-2, -1), norm=None):
    return np.fft.irfft2(x_dot, s, axes, norm)


@defvjp(np.fft.irfft2)
def irfft2_vjp(g, ans, a, s=None, axes=(-2, -1), norm=None):
    return _tl.irfft_bar(g, a, s, axes, norm)


@defjvp(np.fft.rfftn)
def rfftn_jvp(x_dot, ans, a, s=None, axes=None, norm=None):
    return np.fft.rfftn(x_dot, s, axes, norm)


@defvjp(np.fft.rfftn)
def rfftn_vjp(g, ans, a, s=None, axes=None, norm=None):
    return _tl.rfft_bar(g, a, s, axes, norm)


@defjvp(np.fft.irfftn)
def irfftn_jvp(x_dot, ans, a, s=None, axes=None, norm=None):
    return np.fft.irfftn(x_dot, s, axes, norm)


@defvjp(np.fft.irfftn)
def irfftn_vjp(g, ans, a, s=None, axes=None, norm=None):
    return _tl.irfft_bar(g, a, s, axes, norm)


@defjvp(np.fft.hfft)
def hfft_jvp(x_dot, ans, a, n=None, axis=-1, norm=None):
    return np.fft.hfft(x_dot, n, axis, norm)


@defvjp(np.fft.hfft)
def hfft_vjp(g, ans, a, n=None, axis=-1, norm=None):
    return _tl.hfft_bar(g, a, n, axis, norm)


@defjvp(np.fft.ihfft)
def ihfft_jvp(x_dot, ans, a, n=None, axis=-1, norm=None):
    return np.fft.ihfft(x_dot, n, axis, norm)


@defvjp(np.fft.ihfft)
def ihfft_vjp(g, ans, a, n=None, axis=-1, norm=None):
    return _tl.ihfft_bar(g, a, n, axis, norm)


# ---------------------------------------------------------------- shifts (permutations)


@defjvp(np.fft.fftshift)
def fftshift_jvp(x_dot, ans, x, axes=None):
    return np.fft.fftshift(x_dot, axes)


@defvjp(np.fft.fftshift)
def fftshift_vjp(g, ans, x, axes=None):
    return np.fft.ifftshift(g, axes)


@defjvp(np.fft.ifftshift)
def ifftshift_jvp(x_dot, ans, x, axes=None):
    return np.fft.ifftshift(x_dot, axes)


@defvjp(np.fft.ifftshift)
def ifftshift_vjp(g, ans, x, axes=None):
    return np.fft.fftshift(g, axes)


for _fn in (np.fft.fft, np.fft.ifft, np.fft.rfft, np.fft.irfft, np.fft.hfft, np.fft.ihfft):
    constant_params(_fn, "n", "axis", "norm")
for _fn in (np.fft.fft2, np.fft.ifft2, np.fft.fftn, np.fft.ifftn, np.fft.rfft2, np.fft.irfft2, np.fft.rfftn,
            np.fft.irfftn):
    constant_params(_fn, "s", "axes", "norm")
constant_params(np.fft.fftshift, "axes")
constant_params(np.fft.ifftshift, "axes")

# ---------------------------------------------------------------- the helpers' own rules (second order)


@defjvp(runtime_fft.fft_linear)
def fft_linear_jvp(v_dot, ans, v, like, s, axes, norm, inverse, before):
    return _tl.fft_linear(v_dot, like, s, axes, norm, inverse, before)


@defvjp(runtime_fft.fft_linear)
def fft_linear_vjp(g, ans, v, like, s, axes, norm, inverse, before):
    return _tl.fft_linear(g, v, s, axes, norm, inverse, not before)


@defjvp(runtime_fft.rfft_bar)
def rfft_bar_jvp(g_dot, ans, g, x, s, axes, norm):
    return _tl.rfft_bar(g_dot, x, s, axes, norm)


@defvjp(runtime_fft.rfft_bar)
def rfft_bar_vjp(h, ans, g, x, s, axes, norm):
    return _tl.rfft_apply(h, s, axes, norm)


@defjvp(runtime_fft.rfft_apply)
def rfft_apply_jvp(v_dot, ans, v, s, axes, norm):
    return _tl.rfft_apply(v_dot, s, axes, norm)


@defvjp(runtime_fft.rfft_apply)
def rfft_apply_vjp(g, ans, v, s, axes, norm):
    return _tl.rfft_bar(g, v, s, axes, norm)


@defjvp(runtime_fft.irfft_bar)
def irfft_bar_jvp(g_dot, ans, g, a, s, axes, norm):
    return _tl.irfft_bar(g_dot, a, s, axes, norm)


@defvjp(runtime_fft.irfft_bar)
def irfft_bar_vjp(h, ans, g, a, s, axes, norm):
    return _tl.irfft_apply(h, s, axes, norm)


@defjvp(runtime_fft.irfft_apply)
def irfft_apply_jvp(v_dot, ans, v, s, axes, norm):
    return _tl.irfft_apply(v_dot, s, axes, norm)


@defvjp(runtime_fft.irfft_apply)
def irfft_apply_vjp(g, ans, v, s, axes, norm):
    return _tl.irfft_bar(g, v, s, axes, norm)


@defjvp(runtime_fft.hfft_bar)
def hfft_bar_jvp(g_dot, ans, g, a, n, axis, norm):
    return _tl.hfft_bar(g_dot, a, n, axis, norm)


@defvjp(runtime_fft.hfft_bar)
def hfft_bar_vjp(h, ans, g, a, n, axis, norm):
    return np.fft.hfft(h, n, axis, norm)


@defjvp(runtime_fft.ihfft_bar)
def ihfft_bar_jvp(g_dot, ans, g, x, n, axis, norm):
    return _tl.ihfft_bar(g_dot, x, n, axis, norm)


@defvjp(runtime_fft.ihfft_bar)
def ihfft_bar_vjp(h, ans, g, x, n, axis, norm):
    return np.fft.ihfft(h, n, axis, norm)


constant_params(runtime_fft.hfft_bar, "a", "n", "axis", "norm")
constant_params(runtime_fft.ihfft_bar, "x", "n", "axis", "norm")
constant_params(runtime_fft.fft_linear, "like", "s", "axes", "norm", "inverse", "before")
constant_params(runtime_fft.rfft_bar, "x", "s", "axes", "norm")
constant_params(runtime_fft.irfft_bar, "a", "s", "axes", "norm")
constant_params(runtime_fft.rfft_apply, "s", "axes", "norm")
constant_params(runtime_fft.irfft_apply, "s", "axes", "norm")
