"""Adjoints of the discrete Fourier transforms (the rules of rules/fft.py).

Every transform of ``np.fft`` is linear, so its JVP is the same transform of the tangent
and its VJP the transpose, in the convention of docs/complex-numbers.md (a cotangent ``w``
pairs with a tangent ``t`` as ``Re(sum(w * t))``: the transpose, not the conjugate
transpose).  The DFT matrix is symmetric, so the transpose of ``fft``/``ifft`` along an
axis is the same transform; the padding or truncation to ``n`` is transposed into a
truncation or padding back to the input's length.  The one-sided transforms (``rfft``,
``irfft``) also embed or drop the negative frequencies, which the adjoints account for
(the interior bins of ``irfft`` count twice).

Every helper here is linear in its first argument; its transpose is the partner helper
(``fft_linear`` with ``before`` flipped, ``rfft_bar`` <-> ``rfft_apply``, ``irfft_bar`` <->
``irfft_apply``), so generated code calling them can be differentiated again.
"""

from __future__ import annotations

from typing import Any, Sequence, Tuple

import numpy as np


def _seq(v: Any) -> Any:
    """``None``, or ``v`` as a tuple of ints (the 1-D transforms pass ``n`` and ``axis`` as ints)."""
    if v is None:
        return None
    if isinstance(v, (int, np.integer)):
        return (int(v),)
    return tuple(int(i) for i in v)


def fft_axes(ndim: int, s: Any, axes: Any) -> Tuple[int, ...]:
    """The axes a transform works along, as NumPy resolves them (non-negative)."""
    s, axes = _seq(s), _seq(axes)
    if axes is None:
        axes = tuple(range(ndim)) if s is None else tuple(range(ndim - len(s), ndim))
    return tuple(a % ndim for a in axes)


def fit(v: Any, length: int, axis: int) -> Any:
    """``v`` truncated or zero-padded to ``length`` along ``axis`` (the transpose of a
    truncation is a padding and the other way round)."""
    m = v.shape[axis]
    if m == length:
        return v
    if m > length:
        index = [slice(None)] * v.ndim
        index[axis] = slice(0, length)
        return v[tuple(index)]
    widths = [(0, 0)] * v.ndim
    widths[axis] = (0, length - m)
    return np.pad(v, widths)


def _fit_all(v: Any, shape: Sequence[int], axes: Sequence[int]) -> Any:
    for a in axes:
        v = fit(v, shape[a], a)
    return v


def _real_like(v: Any, like: Any) -> Any:
    """The real part of ``v`` when ``like`` (the primal input) is real: a real input's cotangent."""
    return v if np.iscomplexobj(like) else np.real(v)


def fft_linear(v: Any, like: Any, s: Any, axes: Any, norm: Any, inverse: bool, before: bool) -> Any:
    """The complex transforms and their transposes: ``(i)fftn`` along the axes of a transform
    of ``like`` with sizes ``s``, with ``v`` fitted to ``like``'s lengths along them first
    (``before``: a transform of ``v`` with the sizes of ``like``), or the result fitted to them
    after (the VJP of ``fftn(like, s, axes)`` at ``g = v``, real when ``like`` is real)."""
    v = np.asarray(v)
    like = np.asarray(like)
    ax = fft_axes(like.ndim, s, axes)
    transform = np.fft.ifftn if inverse else np.fft.fftn
    if before:
        return transform(_fit_all(v, like.shape, ax), axes=ax, norm=norm)
    return _real_like(_fit_all(transform(v, axes=ax, norm=norm), like.shape, ax), like)


def _scale(norm: Any, n: int, inverse: bool) -> float:
    """The factor a one-axis transform of length ``n`` applies with ``norm``."""
    if norm == "ortho":
        return 1.0 / np.sqrt(n)
    scaled = "backward" if inverse else "forward"
    return 1.0 / n if (norm or "backward") == scaled else 1.0


def rfft_apply(v: Any, s: Any, axes: Any, norm: Any) -> Any:
    """``np.fft.rfftn(v, s, axes, norm)`` (``s`` and ``axes`` may be ints: a 1-D ``rfft``)."""
    v = np.asarray(v)
    return np.fft.rfftn(v, _seq(s), fft_axes(v.ndim, s, axes), norm)


def irfft_apply(v: Any, s: Any, axes: Any, norm: Any) -> Any:
    """``np.fft.irfftn(v, s, axes, norm)`` (``s`` and ``axes`` may be ints: a 1-D ``irfft``)."""
    v = np.asarray(v)
    return np.fft.irfftn(v, _seq(s), fft_axes(v.ndim, s, axes), norm)


def rfft_bar(g: Any, x: Any, s: Any, axes: Any, norm: Any) -> Any:
    """The VJP of ``rfftn(x, s, axes, norm)``: the transpose of the complex transforms along the
    leading axes, then of the one-sided one along the last (its bins embedded in a full
    spectrum of length ``n``), fitted back to ``x``'s shape; real (``rfft`` reads ``x``'s real part)."""
    g = np.asarray(g)
    x = np.asarray(x)
    ax = fft_axes(x.ndim, s, axes)
    last = ax[-1]
    sizes = _seq(s)
    n = sizes[-1] if sizes is not None else x.shape[last]
    if len(ax) > 1:
        g = np.fft.fftn(g, axes=ax[:-1], norm=norm)
    full = np.fft.fft(fit(g, n, last), axis=last, norm=norm)
    return np.real(_fit_all(full, x.shape, ax))


def irfft_bar(g: Any, a: Any, s: Any, axes: Any, norm: Any) -> Any:
    """The VJP of ``irfftn(a, s, axes, norm)``: along the last axis, ``c * m * conj(rfft(g))``
    (``c`` the inverse transform's factor, ``m`` 2 on the interior bins, whose negative
    frequencies ``irfft`` adds, and 1 on the zero and, for even ``n``, the Nyquist bin),
    then the transpose of the inverse transforms along the leading axes, fitted back to ``a``'s
    shape (real when ``a`` is real)."""
    g = np.real(np.asarray(g))
    a = np.asarray(a)
    ax = fft_axes(a.ndim, s, axes)
    last = ax[-1]
    n = g.shape[last]
    bins = np.conj(np.fft.rfft(g, axis=last)) * _scale(norm, n, True)
    weights = np.full(n // 2 + 1, 2.0)
    weights[0] = 1.0
    if n % 2 == 0:
        weights[-1] = 1.0
    shape = [1] * g.ndim
    shape[last] = n // 2 + 1
    bins = bins * weights.reshape(shape)
    if len(ax) > 1:
        bins = np.fft.ifftn(bins, axes=ax[:-1], norm=norm)
    return _real_like(_fit_all(bins, a.shape, ax), a)


def _swapped(norm: Any) -> Any:
    """The ``norm`` of the opposite direction (``hfft`` is an ``irfft``, ``ihfft`` an ``rfft``)."""
    return {None: "forward", "backward": "forward", "forward": "backward"}.get(norm, norm)


def hfft_bar(g: Any, a: Any, n: Any, axis: Any, norm: Any) -> Any:
    """The VJP of ``hfft(a, n, axis, norm) == irfft(conj(a), n, axis, swapped norm)``."""
    return np.conj(irfft_bar(g, a, n, axis, _swapped(norm)))


def ihfft_bar(g: Any, x: Any, n: Any, axis: Any, norm: Any) -> Any:
    """The VJP of ``ihfft(x, n, axis, norm) == conj(rfft(x, n, axis, swapped norm))``."""
    return rfft_bar(np.conj(g), x, n, axis, _swapped(norm))
