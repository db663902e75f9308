"""``np.fft`` in both modes and at second order (rules/fft.py, runtime/fft.py).

Every transform, every ``norm`` ("backward", "ortho", "forward" and the default), odd and even
lengths, ``n``/``s`` that pad and that truncate, checked from the outside: tl.grad against
central finite differences (real and imaginary parts perturbed separately for complex input),
tl.jvp against directional differences, tl.vjp against tl.jvp through the dot-product identity
``Re(sum(w * J t)) == Re(sum(J^T w * t))`` (the pairing of docs/complex-numbers.md), and the
derivative of the gradient (forward over reverse) against differences of the gradient.
"""

from __future__ import annotations

import itertools
from typing import Any, Callable, List

import numpy as np
import pytest
from test_complex import directional, fd_grad, pairing

import tangent_lite as tl

NORMS = (None, "backward", "ortho", "forward")


def score(y):
    """A smooth nonlinear real score of a spectrum (or signal): second derivatives are not zero."""
    return np.sum(np.abs(y - 0.3j) ** 3) + np.sum(np.real(y * (0.5 - 1j)))


# the transforms, each with its parameters (n or s, norm) as plain arguments


def t_fft(x, n, norm):
    return np.fft.fft(x, n, -1, norm)


def t_ifft(x, n, norm):
    return np.fft.ifft(x, n, 0, norm)


def t_rfft(x, n, norm):
    return np.fft.rfft(x, n, -1, norm)


def t_irfft(x, n, norm):
    return np.fft.irfft(x, n, -1, norm)


def t_hfft(x, n, norm):
    return np.fft.hfft(x, n, -1, norm)


def t_ihfft(x, n, norm):
    return np.fft.ihfft(x, n, -1, norm)


def t_fft2(x, s, norm):
    return np.fft.fft2(x, s, norm=norm)


def t_ifft2(x, s, norm):
    return np.fft.ifft2(x, s, axes=(0, 1), norm=norm)


def t_fftn(x, s, norm):
    return np.fft.fftn(x, s, (0, 2), norm)


def t_ifftn(x, s, norm):
    return np.fft.ifftn(x, s, None, norm)


def t_rfft2(x, s, norm):
    return np.fft.rfft2(x, s, norm=norm)


def t_irfft2(x, s, norm):
    return np.fft.irfft2(x, s, norm=norm)


def t_rfftn(x, s, norm):
    return np.fft.rfftn(x, s, (2, 0), norm)


def t_irfftn(x, s, norm):
    return np.fft.irfftn(x, s, (0, 1), norm)


def t_shifts(x, n, norm):
    return np.fft.fftshift(x) * 2.0 + np.fft.ifftshift(x, axes=0)


def loss_fft(x, n, norm):
    return score(t_fft(x, n, norm))


def loss_ifft(x, n, norm):
    return score(t_ifft(x, n, norm))


def loss_rfft(x, n, norm):
    return score(t_rfft(x, n, norm))


def loss_irfft(x, n, norm):
    return score(t_irfft(x, n, norm))


def loss_hfft(x, n, norm):
    return score(t_hfft(x, n, norm))


def loss_ihfft(x, n, norm):
    return score(t_ihfft(x, n, norm))


def loss_fft2(x, s, norm):
    return score(t_fft2(x, s, norm))


def loss_ifft2(x, s, norm):
    return score(t_ifft2(x, s, norm))


def loss_fftn(x, s, norm):
    return score(t_fftn(x, s, norm))


def loss_ifftn(x, s, norm):
    return score(t_ifftn(x, s, norm))


def loss_rfft2(x, s, norm):
    return score(t_rfft2(x, s, norm))


def loss_irfft2(x, s, norm):
    return score(t_irfft2(x, s, norm))


def loss_rfftn(x, s, norm):
    return score(t_rfftn(x, s, norm))


def loss_irfftn(x, s, norm):
    return score(t_irfftn(x, s, norm))


def loss_shifts(x, n, norm):
    return score(t_shifts(x, n, norm))


def spectrum_of_real(x):
    return np.sum(np.abs(np.fft.fft(x)))


def power_spectrum(x):
    p = np.abs(np.fft.rfft(x, norm="ortho")) ** 2
    return np.sum(p * np.arange(p.shape[0])) + np.sum(np.fft.irfft(np.fft.rfft(x) * 0.5j + 1.0, 9) ** 2)


class Setup:
    def __init__(self, transform: Callable, loss: Callable, shape: tuple, real: bool, param: Any, norm: Any):
        self.transform, self.loss, self.shape, self.real, self.param, self.norm = \
            transform, loss, shape, real, param, norm

    def point(self, seed: int) -> Any:
        rng = np.random.default_rng(seed)
        x = rng.normal(size=self.shape)
        return x if self.real else x + 1j * rng.normal(size=self.shape)

    def __repr__(self) -> str:
        return f"{self.transform.__name__}-{'real' if self.real else 'complex'}{self.shape}-{self.param}-{self.norm}"


def _setups() -> List[Setup]:
    out = []
    one_d = [(t_fft, loss_fft, False), (t_fft, loss_fft, True), (t_ifft, loss_ifft, False), (t_rfft, loss_rfft, True),
             (t_irfft, loss_irfft, False), (t_hfft, loss_hfft, False), (t_ihfft, loss_ihfft, True)]
    for (t, loss, real), norm, (length, n) in itertools.product(
            one_d, NORMS, [(6, None), (5, None), (6, 7), (6, 8), (6, 4), (5, 3)]):
        shape = (length, 2) if t is t_ifft else (2, length)
        out.append(Setup(t, loss, shape, real, n, norm))
    n_d = [(t_fft2, loss_fft2, False, (3, 4)), (t_ifft2, loss_ifft2, False, (3, 4)),
           (t_fftn, loss_fftn, True, (3, 2, 4)), (t_ifftn, loss_ifftn, False, (2, 3, 3)),
           (t_rfft2, loss_rfft2, True, (3, 4)), (t_irfft2, loss_irfft2, False, (3, 4)),
           (t_rfftn, loss_rfftn, True, (3, 2, 5)), (t_irfftn, loss_irfftn, False, (3, 4, 2))]
    for (t, loss, real, shape), norm in itertools.product(n_d, NORMS):
        sizes = [None, tuple(d + (1 if i % 2 else -1) for i, d in enumerate(shape[:2]))]
        if t is t_fftn:
            sizes = [None, (2, 5)]
        for s in sizes:
            out.append(Setup(t, loss, shape, real, s, norm))
    for norm in (None,):
        out.append(Setup(t_shifts, loss_shifts, (5, 4), True, None, norm))
        out.append(Setup(t_shifts, loss_shifts, (4, 3), False, None, norm))
    return out


SETUPS = _setups()


@pytest.mark.parametrize("c", SETUPS, ids=repr)
def test_grad_matches_finite_differences(c):
    x = c.point(0)
    g = tl.grad(c.loss)(x, c.param, c.norm)
    assert g.shape == x.shape and np.iscomplexobj(g) == (not c.real)
    expected = fd_grad(lambda v: c.loss(v, c.param, c.norm), x)
    np.testing.assert_allclose(g, np.real(expected) if c.real else expected, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("c", SETUPS, ids=repr)
def test_jvp_matches_directional_differences(c):
    x, t = c.point(1), c.point(2)
    value, tangent = tl.jvp(c.transform, (x, c.param, c.norm), (t,))
    np.testing.assert_allclose(value, c.transform(x, c.param, c.norm))
    np.testing.assert_allclose(tangent, directional(lambda v: c.transform(v, c.param, c.norm), x, t),
                               rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("c", SETUPS, ids=repr)
def test_vjp_is_the_transpose_of_jvp(c):
    x, t = c.point(3), c.point(4)
    y, pullback = tl.vjp(c.transform, x, c.param, c.norm, wrt=0)
    rng = np.random.default_rng(5)
    w = rng.normal(size=np.shape(y)) + (1j * rng.normal(size=np.shape(y)) if np.iscomplexobj(y) else 0)
    _, jt = tl.jvp(c.transform, (x, c.param, c.norm), (t,))
    ct = pullback(w)
    assert ct.shape == x.shape
    lhs, rhs = pairing(w, jt), pairing(ct, t)
    assert abs(lhs - rhs) <= 1e-10 * (1 + abs(lhs)), (lhs, rhs)


@pytest.mark.parametrize("c", SETUPS, ids=repr)
def test_second_order_forward_over_reverse(c):
    x, t = c.point(6), c.point(7)
    grad_loss = tl.grad(c.loss)
    _, second = tl.jvp(grad_loss, (x, c.param, c.norm), (t,))
    expected = directional(lambda v: grad_loss(v, c.param, c.norm), x, t)
    np.testing.assert_allclose(second, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("c", [c for c in SETUPS if c.norm in (None, "ortho")][::3], ids=repr)
def test_second_order_reverse_over_reverse(c):
    """tl.grad of the pairing of the gradient with a fixed direction: the Hessian applied to it."""
    x, t = c.point(8), c.point(9)
    grad_loss = tl.grad(c.loss)

    def along(v):
        return pairing(grad_loss(v, c.param, c.norm), t)

    hv = tl.vjp(lambda v: grad_loss(v, c.param, c.norm), x)[1](t)
    expected = fd_grad(along, x)
    np.testing.assert_allclose(hv, np.real(expected) if c.real else expected, rtol=1e-5, atol=1e-5)


def test_real_signal_through_a_complex_spectrum():
    x = np.random.default_rng(10).normal(size=7)
    g = tl.grad(spectrum_of_real)(x)
    assert g.dtype == np.float64
    np.testing.assert_allclose(g, np.real(fd_grad(spectrum_of_real, x)), rtol=1e-6)
    h = tl.hessian(power_spectrum)(x)
    v = np.random.default_rng(11).normal(size=7)
    np.testing.assert_allclose(h @ v, directional(tl.grad(power_spectrum), x, v), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(h, h.T, atol=1e-9)
