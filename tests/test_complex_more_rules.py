"""Complex input to the functions that were real-only until issue 14 (docs/complex-numbers.md):
``np.linalg.norm`` (every ord), ``np.linalg.svd`` / ``svdvals``, ``np.linalg.eigh`` / ``eigvalsh``,
``np.var`` / ``np.std``, ``np.max`` / ``np.min`` / ``np.amax`` / ``np.amin``, ``scipy.special.erf`` /
``erfc``, ``np.diagonal`` / ``np.trace``.

References independent of tangent_lite: central finite differences moving the real and the
imaginary part of each entry (``fd_grad``), directional differences along complex tangents, the
dot-product identity ``Re<w, J t> == Re<pullback(w), t>`` between the two modes, and for second
order the difference of ``tl.grad`` along a complex direction (``tl.hvp``'s definition).  The
eigenvectors and singular vectors have a free phase: only functions that do not depend on it
(``abs(v)``, ``u @ diag(s) @ vh``) have a derivative, and those are what is tested.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_complex import directional, fd_grad, pairing

import tangent_lite as tl

try:
    import scipy.special as sc
except ImportError:  # pragma: no cover  (SciPy is optional: its cases are left out)
    sc = None

RNG = np.random.default_rng(14)
W4 = RNG.normal(size=(4, 4))
W5 = RNG.normal(size=(5, 5))


def crand(rng: np.random.Generator, *shape: int) -> np.ndarray:
    return rng.normal(size=shape) + 1j * rng.normal(size=shape)


# ---------------------------------------------------------------- real-valued functions of complex z


def norm2(z):
    return np.linalg.norm(z)


def norm_ord3_axis(z):
    return np.sum(np.linalg.norm(z, ord=3, axis=1) * np.array([1.0, -2.0, 0.5]))


def norm_inf(z):
    return np.linalg.norm(z, ord=np.inf)


def norm_one(z):
    return np.linalg.norm(z, 1)


def fro(z):
    return np.linalg.norm(z, "fro")


def nuc(z):
    return np.linalg.norm(z, "nuc")


def spectral(z):
    return np.linalg.norm(z, 2)


def matrix_inf(z):
    return np.linalg.norm(z, np.inf)


def fro_axes(z):
    return np.sum(np.linalg.norm(z, axis=(0, 2)) ** 2)


def var_axis(z):
    return np.sum(np.var(z, axis=0, ddof=1) * np.array([1.0, 2.0, -1.0, 0.5]))


def std_all(z):
    return np.std(z)


def max_mixed(z):
    return np.real(np.sum(np.max(z, axis=1) * np.array([1.0 + 2.0j, -0.5j, 3.0])))


def amin_imag(z):
    return np.imag(np.amin(z)) + np.real(np.amax(z, axis=0)[1])


def erf_sum(z):
    return np.real(np.sum(sc.erf(z) * (0.3 - 1.0j))) + np.imag(np.sum(sc.erfc(z)))


def eigh_lower(a):
    w, v = np.linalg.eigh(a)
    return np.sum(w * W4[0]) + np.sum(np.abs(v) * W4)


def eigh_upper(a):
    w, v = np.linalg.eigh(a, "U")
    return np.sum(w ** 2) + np.sum(np.abs(v) ** 2 * W4)


def eigvalsh_sum(a):
    return np.sum(np.linalg.eigvalsh(a) * W4[1])


def svd_vectors(a):
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    m, n = a.shape
    return (np.sum(np.abs(u) * W5[:m, :u.shape[1]]) + np.sum(s * W5[0, :s.shape[0]])
            + np.sum(np.abs(vh) * W5[:vh.shape[0], :n]))


def svd_rebuilt(a):
    u, s, vh = np.linalg.svd(a)
    return np.real(np.sum((u * s) @ vh * (1.0 + 2.0j)))


def svd_values(a):
    return np.sum(np.linalg.svd(a, compute_uv=False) ** 2 * np.array([1.0, -0.5, 2.0]))


def svdvals_sum(a):
    return np.sum(np.linalg.svdvals(a) * np.array([1.0, 0.3, -0.7]))


def trace_diag(a):
    return np.real(np.trace(a) * (1.0 - 2.0j)) + np.imag(np.sum(np.diagonal(a, 1)))


def hermitian(rng, n=4):
    q, _ = np.linalg.qr(crand(rng, n, n))
    return (q * (np.arange(n) * 1.5 - 2.0)) @ q.conj().T + 0.1 * crand(rng, n, n)


def separated(rng, m, n):
    k = min(m, n)
    u, _ = np.linalg.qr(crand(rng, m, k))
    v, _ = np.linalg.qr(crand(rng, n, k))
    return (u * (1.0 + 1.5 * np.arange(k)[::-1])) @ v.conj().T


CASES = [
    (norm2, lambda rng: crand(rng, 5)),
    (norm_ord3_axis, lambda rng: crand(rng, 3, 4)),
    (norm_inf, lambda rng: crand(rng, 5)),
    (norm_one, lambda rng: crand(rng, 6)),
    (fro, lambda rng: crand(rng, 3, 4)),
    (nuc, lambda rng: separated(rng, 4, 3)),
    (spectral, lambda rng: separated(rng, 3, 4)),
    (matrix_inf, lambda rng: crand(rng, 3, 4)),
    (fro_axes, lambda rng: crand(rng, 2, 3, 4)),
    (var_axis, lambda rng: crand(rng, 3, 4)),
    (std_all, lambda rng: crand(rng, 2, 3)),
    (max_mixed, lambda rng: crand(rng, 3, 4)),
    (amin_imag, lambda rng: crand(rng, 3, 4)),
    (erf_sum, lambda rng: 0.8 * crand(rng, 3)),
    (eigh_lower, hermitian),
    (eigh_upper, lambda rng: crand(rng, 4, 4)),  # (not Hermitian: eigh reads one triangle)
    (eigvalsh_sum, hermitian),
    (svd_vectors, lambda rng: separated(rng, 3, 5)),
    (svd_vectors, lambda rng: separated(rng, 5, 3)),
    (svd_vectors, lambda rng: separated(rng, 4, 4)),
    (svd_rebuilt, lambda rng: crand(rng, 3, 3)),
    (svd_values, lambda rng: separated(rng, 5, 3)),
    (svdvals_sum, lambda rng: separated(rng, 3, 4)),
    (trace_diag, lambda rng: crand(rng, 3, 3)),
]
CASES = [c for c in CASES if sc is not None or c[0] is not erf_sum]
IDS = [f"{f.__name__}-{i}" for i, (f, _) in enumerate(CASES)]
# the real functions' own second order is missing here (tangent_lite refuses it for real input too)
NO_SECOND_ORDER = {nuc, spectral}


@pytest.mark.parametrize("f,make", CASES, ids=IDS)
def test_grad_is_dRe_minus_1j_dIm_by_finite_differences(f, make):
    z = make(np.random.default_rng(1))
    np.testing.assert_allclose(tl.grad(f)(z), fd_grad(f, z), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("f,make", CASES, ids=IDS)
def test_jvp_along_complex_tangents_and_the_dot_product_identity(f, make):
    rng = np.random.default_rng(2)
    z = make(rng)
    t = crand(rng, *z.shape)
    value, jt = tl.jvp(f, (z,), (t,))
    assert np.isclose(value, f(z))
    np.testing.assert_allclose(jt, directional(f, z, t), rtol=1e-5, atol=1e-6)
    out, pullback = tl.vjp(f, z)
    w = 0.7
    ct = pullback(w)
    assert np.iscomplexobj(ct) and np.shape(ct) == np.shape(z)
    assert abs(pairing(w, jt) - pairing(ct, t)) <= 1e-9 * max(1.0, abs(pairing(ct, t)))


@pytest.mark.parametrize("f,make", [c for c in CASES if c[0] not in NO_SECOND_ORDER],
                         ids=[i for i, c in zip(IDS, CASES) if c[0] not in NO_SECOND_ORDER])
def test_second_order_hvp_is_the_derivative_of_grad(f, make):
    rng = np.random.default_rng(3)
    z = make(rng)
    v = crand(rng, *z.shape)
    eps = 1e-5
    reference = (tl.grad(f)(z + eps * v) - tl.grad(f)(z - eps * v)) / (2 * eps)
    np.testing.assert_allclose(tl.hvp(f, z, v), reference, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("f", sorted(NO_SECOND_ORDER, key=lambda f: f.__name__))
def test_second_order_of_nuclear_and_spectral_norms_is_refused_as_for_real_input(f):
    z = separated(np.random.default_rng(4), 3, 3)
    with pytest.raises(NotImplementedError, match="second derivatives of the matrix norm"):
        tl.hvp(f, z, np.ones((3, 3), dtype=complex))


# ---------------------------------------------------------------- array-valued results: the pullback


def norms_along(z):
    return np.linalg.norm(z, ord=2.5, axis=0)


def std_rows(z):
    return np.std(z, axis=1, keepdims=True)


def max_rows(z):
    return np.max(z, axis=1)


def svd_s(a):
    return np.linalg.svd(a, compute_uv=False)


@pytest.mark.parametrize("f,shape", [(norms_along, (4, 3)), (std_rows, (3, 5)), (max_rows, (3, 4)),
                                     (svd_s, (4, 3))])
def test_pullback_is_the_transpose_of_the_jvp(f, shape):
    rng = np.random.default_rng(5)
    z = crand(rng, *shape) + (3.0 * np.eye(*shape) if f is svd_s else 0.0)
    t = crand(rng, *shape)
    out, jt = tl.jvp(f, (z,), (t,))
    np.testing.assert_allclose(jt, directional(f, z, t), rtol=1e-5, atol=1e-6)
    w = crand(rng, *np.shape(out)) if np.iscomplexobj(out) else rng.normal(size=np.shape(out))
    ct = tl.vjp(f, z)[1](w)
    assert abs(pairing(w, jt) - pairing(ct, t)) <= 1e-9 * max(1.0, abs(pairing(ct, t)))


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2 ** 32 - 1), st.sampled_from([None, 1, 3, np.inf, -np.inf]))
def test_vector_norms_of_random_complex_points(seed, ord):
    rng = np.random.default_rng(seed)
    z = crand(rng, 5)

    def reference(z):  # the norm of |z|: a real function of the real and imaginary parts
        return np.linalg.norm(np.hypot(np.real(z), np.imag(z)), ord)

    np.testing.assert_allclose(tl.grad(vector_norm_of)(z, ord), fd_grad(lambda x: reference(x), z),
                               rtol=1e-4, atol=1e-6)


def erf_only(z):
    return sc.erf(z)


def vector_norm_of(z, ord):
    return np.linalg.norm(z, ord)


def test_hand_derived_values():
    """d||z||/dz = conj(z) / ||z||; d var = 2 conj(z - mean) / n; |erf'(z)| = 2 exp(-z^2) / sqrt(pi);
    d nuc = conj(U Vh)."""
    z = np.array([3.0 + 4.0j, 1.0 - 1.0j])
    np.testing.assert_allclose(tl.grad(norm2)(z), np.conj(z) / np.linalg.norm(z))
    np.testing.assert_allclose(tl.grad(std_all)(z.reshape(1, 2)) * 2 * np.std(z), np.conj(z - z.mean()).reshape(1, 2))
    a = separated(np.random.default_rng(6), 4, 3)
    u, _, vh = np.linalg.svd(a, full_matrices=False)
    np.testing.assert_allclose(tl.grad(nuc)(a), np.conj(u @ vh), atol=1e-12)
    if sc is None:
        return
    z0 = 0.4 - 0.3j
    np.testing.assert_allclose(tl.grad(erf_only)(z0), 2.0 / np.sqrt(np.pi) * np.exp(-z0 * z0))
