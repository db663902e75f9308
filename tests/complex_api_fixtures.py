"""Functions for tests/test_complex_api.py, and custom primitives whose rules get complex numbers
deliberately wrong (tl.check_grads must catch them)."""

import numpy as np

import tangent_lite as tl


def square(z):
    return z ** 2


def cube_sum(z):
    return np.sum(z ** 3)


def holo(z):
    return np.exp(z) * np.sin(z) + z ** 2 / (1.0 + 0.1 * z)


def holo_sum(z):
    return np.sum(holo(z))


def loss(z):
    return np.sum(np.abs(z) ** 2 * np.real(z))


def phase(x):
    return np.exp(1j * x) * (1.0 + x ** 2)


def phase_sum(x):
    return np.sum(np.exp(1j * x) * x)


def mixed(z):
    return np.conj(z) * z + z


def spectrum(x):  # (np.abs away from 0: tests draw |x| <= 1.5, at most 3 entries)
    f = np.fft.fft(x)
    return np.real(f * np.conj(f)) + np.abs(f + 5.0)


def rotate(x):
    return (np.cos(x) + 1j * np.sin(x)) * x[::-1]


def c2r(z):
    return np.abs(z * np.sin(z)) + np.angle(z) * np.real(z)


def shift_square(z, c):
    return (z - c) ** 2


def good_csq(z):
    return z ** 2


def badvjp_csq(z):  # reverse rule conjugates: wrong for complex z, right for real z
    return z ** 2


def badjvp_cis(x):  # forward rule drops the imaginary part of the tangent of exp(1j x)
    return np.exp(1j * x)


@tl.defjvp(good_csq)
def good_csq_jvp(z_dot, ans, z):
    return 2 * z * z_dot


@tl.defvjp(good_csq)
def good_csq_vjp(g, ans, z):
    return 2 * z * g


@tl.defjvp(badvjp_csq)
def badvjp_csq_jvp(z_dot, ans, z):
    return 2 * z * z_dot


@tl.defvjp(badvjp_csq)
def badvjp_csq_vjp(g, ans, z):
    return 2 * np.conj(z) * g


@tl.defjvp(badjvp_cis)
def badjvp_cis_jvp(x_dot, ans, x):
    return -np.sin(x) * x_dot


@tl.defvjp(badjvp_cis)
def badjvp_cis_vjp(g, ans, x):
    return np.real(g * 1j * np.exp(1j * x))


def uses_good(z):
    return np.sum(good_csq(z) * z)


def uses_badvjp(z):
    return np.sum(badvjp_csq(z) * z)


def uses_badjvp(x):
    return badjvp_cis(x) * x


def flat_csq(z):  # first derivative right, second wrong (its rules stop the gradient of 2 z)
    return z ** 2


@tl.defjvp(flat_csq)
def flat_csq_jvp(z_dot, ans, z):
    return 2 * _tl.stop_gradient(z) * z_dot  # noqa: F821  (_tl is the generated module's runtime)


@tl.defvjp(flat_csq)
def flat_csq_vjp(g, ans, z):
    return 2 * _tl.stop_gradient(z) * g  # noqa: F821


def uses_flat(z):
    return np.sum(flat_csq(z) * z)
