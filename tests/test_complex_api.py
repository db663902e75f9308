"""The transformations with complex numbers (docs/complex-numbers.md, "The transformations").

tl.check_grads, tl.jacobian, tl.hessian, tl.hvp, tl.value_and_grad, tl.vjp with a complex
cotangent and tl.jvp with a complex tangent: every answer is checked against references
independent of tangent_lite (central finite differences that move the real and the imaginary
part of the input separately, hand-derived derivatives, the dot-product identity in its complex
form ``Re<J v, w> == Re<v, J^H w>``), or is a clear refusal.  hypothesis draws the points.
"""

from __future__ import annotations

import pathlib
from typing import Any, Callable

import complex_api_fixtures as fx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_complex import directional, fd_grad

import tangent_lite as tl

# The transformations verified with complex numbers: docs/complex-numbers.md names each one
# (test_the_docs_list_the_verified_transformations).
VERIFIED_APIS = ("tl.grad", "tl.value_and_grad", "tl.jvp", "tl.vjp", "tl.jacobian", "tl.hessian", "tl.hvp",
                 "tl.check_grads")

MODES = ("forward", "reverse")


def cplx(parts: Any) -> np.ndarray:
    """Complex points from hypothesis's (modulus, phase) pairs: modulus in [0.4, 1.5], phase away
    from the branch cut of np.angle."""
    return np.array([r * np.exp(1j * p) for r, p in parts])


points = st.lists(st.tuples(st.floats(0.4, 1.5), st.floats(-2.8, 2.8)), min_size=1, max_size=3).map(cplx)
reals = st.lists(st.floats(-1.5, 1.5), min_size=1, max_size=3).map(np.array)


def fd_parts(f: Callable, z: Any) -> tuple:
    """``(dF/dx, dF/dy)`` of ``F = f(x + iy)`` by central differences, shaped ``out.shape + z.shape``
    (``dF/dy`` None for a real ``z``)."""
    z = np.asarray(z)
    unit = np.eye(z.size, dtype=z.dtype).reshape((z.size,) + z.shape)
    out_shape = np.shape(f(z))
    jx = np.stack([np.ravel(directional(f, z, e)) for e in unit], axis=-1).reshape(out_shape + z.shape)
    if not np.iscomplexobj(z):
        return jx, None
    jy = np.stack([np.ravel(directional(f, z, 1j * e)) for e in unit], axis=-1).reshape(out_shape + z.shape)
    return jx, jy


def pairing(a: Any, b: Any) -> float:
    """``Re<a, b> = Re(sum(conj(a) * b))``, the real inner product of complex vectors."""
    return float(np.real(np.vdot(np.ravel(a), np.ravel(b))))


# ---------------------------------------------------------------- tl.check_grads


@settings(max_examples=10, deadline=None)
@given(z=points)
def test_check_grads_passes_right_complex_derivatives_at_both_orders(z):
    for f in (fx.cube_sum, fx.holo, fx.loss, fx.mixed, fx.c2r, fx.uses_good):
        tl.check_grads(f, (z,), order=2)


@settings(max_examples=10, deadline=None)
@given(x=reals)
def test_check_grads_passes_real_to_complex_at_both_orders(x):
    for f in (fx.phase, fx.phase_sum, fx.spectrum, fx.rotate):
        tl.check_grads(f, (x,), order=2)


def test_check_grads_takes_complex_arguments_by_default_next_to_real_ones():
    z, c = np.array([0.5 + 1j, -0.3 + 0.2j]), np.array([0.1, 0.4])
    tl.check_grads(fx.shift_square, (z, c), order=2)  # both: no "no floating-point argument"
    tl.check_grads(fx.shift_square, (z, c), wrt=(0,))
    tl.check_grads(fx.square, (0.3 - 1.2j,), order=2)  # a Python complex


def test_check_grads_catches_a_conjugated_reverse_rule():
    z = np.array([0.5 + 1j, -0.3 + 0.2j])
    tl.check_grads(fx.uses_badvjp, (z.real.copy(),))  # right for real input: only complex input shows it
    with pytest.raises(AssertionError, match=r"reverse mode: .* Re\(sum\(a \* b\)\) \(complex values\)"):
        tl.check_grads(fx.uses_badvjp, (z,))


def test_check_grads_catches_a_wrong_imaginary_part_of_a_complex_result():
    """The forward rule of exp(1j x) drops the imaginary part: before, check_grads compared real
    parts only (and cast the rest away)."""
    with pytest.raises(AssertionError, match="forward mode"):
        tl.check_grads(fx.uses_badjvp, (np.array([0.3, 0.7]),), modes=("forward",))
    # reverse alone (against finite differences): its reverse rule is right
    tl.check_grads(fx.uses_badjvp, (np.array([0.3, 0.7]),), modes=("reverse",))


def test_check_grads_catches_a_complex_rule_right_at_first_order_only():
    z = np.array([0.5 + 1j, -0.3 + 0.2j])
    tl.check_grads(fx.uses_flat, (z,))
    with pytest.raises(AssertionError, match="second|over"):
        tl.check_grads(fx.uses_flat, (z,), order=2)


# ---------------------------------------------------------------- tl.jacobian


@pytest.mark.parametrize("mode", MODES)
@settings(max_examples=10, deadline=None)
@given(x=reals)
def test_jacobian_of_real_to_complex_is_the_complex_dF_dx(mode, x):
    for f in (fx.phase, fx.rotate):
        jx, _ = fd_parts(f, x)
        jac = tl.jacobian(f, mode=mode)(x)
        assert np.iscomplexobj(jac)
        np.testing.assert_allclose(jac, jx, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(tl.jacobian(fx.phase, mode=mode)(x),  # by hand
                               np.diag(np.exp(1j * x) * (1j * (1 + x ** 2) + 2 * x)), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mode", MODES)
@settings(max_examples=10, deadline=None)
@given(z=points)
def test_jacobian_of_a_holomorphic_function_is_the_complex_derivative(mode, z):
    jac = tl.jacobian(fx.holo, mode=mode)(z)
    jx, jy = fd_parts(fx.holo, z)
    np.testing.assert_allclose(jac, jx, rtol=1e-6, atol=1e-7)  # moving x
    np.testing.assert_allclose(1j * jac, jy, rtol=1e-6, atol=1e-7)  # moving y
    np.testing.assert_allclose(tl.jacobian(fx.square, mode=mode)(z), np.diag(2 * z), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mode", MODES)
@settings(max_examples=10, deadline=None)
@given(z=points)
def test_jacobian_of_complex_to_real_has_the_gradient_of_each_entry_as_rows(mode, z):
    """Each row is tl.grad of that entry: dF/dx - 1j dF/dy."""
    jac = tl.jacobian(fx.c2r, mode=mode)(z)
    jx, jy = fd_parts(fx.c2r, z)
    np.testing.assert_allclose(jac, jx - 1j * jy, rtol=1e-6, atol=1e-7)
    for j in range(z.size):
        np.testing.assert_allclose(jac[j], fd_grad(lambda w, j=j: fx.c2r(w)[j], z), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(tl.jacobian(fx.loss, mode=mode)(z), tl.grad(fx.loss)(z), rtol=1e-12)


@pytest.mark.parametrize("mode", MODES)
def test_jacobian_of_a_non_holomorphic_complex_function_is_refused(mode):
    z = np.array([0.5 + 1j, -0.3 + 0.2j])
    with pytest.raises(tl.ArgumentError, match="'mixed' returns complex values but is not holomorphic") as info:
        tl.jacobian(fx.mixed, mode=mode)(z)
    assert "np.real" in str(info.value)
    # the real part is fine: rows d/dx - 1j d/dy of Re(conj(z) z + z) = |z|^2 + Re z
    np.testing.assert_allclose(tl.jacobian(lambda w: np.real(fx.mixed(w)), mode=mode)(z),
                               np.diag(2 * np.conj(z) + 1), rtol=1e-12)


def test_jacobian_of_a_jacobian_follows_a_real_input_and_refuses_a_complex_one():
    x = np.array([0.3, -0.7])
    jac2 = tl.jacobian(tl.jacobian(fx.phase))(x)
    expected, _ = fd_parts(tl.jacobian(fx.phase), x)
    np.testing.assert_allclose(jac2, expected, rtol=1e-6, atol=1e-7)
    with pytest.raises(tl.UnsupportedConstructError, match="transformed again .* 'z' is complex"):
        tl.jacobian(tl.jacobian(fx.square))(np.array([0.5 + 1j]))


def test_jacobian_with_aux_of_a_complex_function():
    z = np.array([0.5 + 1j, -0.3 + 0.2j])
    jac, aux = tl.jacobian(lambda w: (fx.square(w), "aux"), has_aux=True)(z)
    np.testing.assert_allclose(jac, np.diag(2 * z), rtol=1e-12)
    assert aux == "aux"


# ---------------------------------------------------------------- tl.hessian and tl.hvp


@settings(max_examples=10, deadline=None)
@given(z=points)
def test_hessian_of_a_holomorphic_function_is_its_second_complex_derivative(z):
    np.testing.assert_allclose(tl.hessian(fx.cube_sum)(z), np.diag(6 * z), rtol=1e-12, atol=1e-12)
    hess = tl.hessian(fx.holo_sum)(z)
    jx, jy = fd_parts(tl.grad(fx.holo_sum), z)  # finite differences of the gradient
    np.testing.assert_allclose(hess, jx, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(1j * hess, jy, rtol=1e-6, atol=1e-7)
    assert tl.hessian(fx.square)(complex(z[0])) == pytest.approx(2.0)
    assert isinstance(tl.hessian(fx.square)(complex(z[0])), complex)


def test_hessian_of_a_real_function_of_a_complex_input_is_refused_with_the_way_out():
    z = np.array([0.5 + 1j, -0.3 + 0.2j])
    with pytest.raises(tl.ArgumentError, match="the gradient of 'loss' .* is not holomorphic") as info:
        tl.hessian(fx.loss)(z)
    assert "tl.hvp" in str(info.value)


@settings(max_examples=10, deadline=None)
@given(x=reals)
def test_hessian_of_a_complex_result_of_a_real_input_is_that_of_its_real_part(x):
    # Re(sum(exp(1j x) x)) = sum(x cos x): second derivative -2 sin x - x cos x
    np.testing.assert_allclose(tl.hessian(fx.phase_sum)(x), np.diag(-2 * np.sin(x) - x * np.cos(x)),
                               rtol=1e-10, atol=1e-12)


@settings(max_examples=10, deadline=None)
@given(z=points, seed=st.integers(0, 99))
def test_hvp_is_the_derivative_of_the_gradient_along_v(z, seed):
    rng = np.random.default_rng(seed)
    v = rng.normal(size=z.shape) + 1j * rng.normal(size=z.shape)
    for f in (fx.loss, fx.cube_sum, lambda w: np.sum(fx.c2r(w))):
        expected = directional(tl.grad(f), z, v)
        np.testing.assert_allclose(tl.hvp(f, z, v), expected, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(tl.hvp(fx.cube_sum, z, v), 6 * z * v, rtol=1e-12)  # f''(z) v


def test_conj_of_hvp_is_the_real_hessian_over_real_and_imaginary_parts():
    """For a real-valued f, np.conj(tl.hvp(f, z, v)) packs H @ [Re v, Im v] with H the Hessian of
    f(a + 1j b) over (a, b), taken with real inputs only."""
    z = np.array([0.5 + 1j, -0.3 + 0.2j])
    v = np.array([0.7 - 0.4j, -1.1 + 0.9j])
    n = z.size
    hess = tl.hessian(lambda p: fx.loss(p[:n] + 1j * p[n:]))(np.concatenate([z.real, z.imag]))
    hv = hess @ np.concatenate([v.real, v.imag])
    np.testing.assert_allclose(np.conj(tl.hvp(fx.loss, z, v)), hv[:n] + 1j * hv[n:], rtol=1e-10)


# ---------------------------------------------------------------- value_and_grad, vjp, jvp


@settings(max_examples=10, deadline=None)
@given(z=points)
def test_value_and_grad_of_complex_input(z):
    for f in (fx.loss, fx.cube_sum, fx.holo_sum):  # real, holomorphic, holomorphic with a complex value
        value, grad = tl.value_and_grad(f)(z)
        np.testing.assert_allclose(value, f(z), rtol=1e-12)
        np.testing.assert_allclose(grad, fd_grad(f, z), rtol=1e-6, atol=1e-7)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 999))
def test_vjp_with_a_complex_cotangent_is_the_adjoint_of_jvp(seed):
    """Re<J v, w> == Re<v, J^H w> with J v from finite differences and J^H w = conj(pullback(conj(w)))
    (the pullback is the transpose without conjugation: docs/complex-numbers.md)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.5, 1.5, size=3)
    z = rng.uniform(0.4, 1.5, size=3) * np.exp(1j * rng.uniform(-2.8, 2.8, size=3))
    for f, p in ((fx.phase, x), (fx.rotate, x), (fx.holo, z), (fx.mixed, z), (fx.c2r, z)):
        v = rng.normal(size=3) + (1j * rng.normal(size=3) if np.iscomplexobj(p) else 0)
        out, pullback = tl.vjp(f, p)
        w = rng.normal(size=3) + (1j * rng.normal(size=3) if np.iscomplexobj(out) else 0)
        jv = directional(f, p, v)
        jhw = np.conj(pullback(np.conj(w)))
        assert pairing(jv, w) == pytest.approx(pairing(v, jhw), rel=1e-6, abs=1e-7)
        _, jv_ad = tl.jvp(f, (p,), (v,))
        np.testing.assert_allclose(jv_ad, jv, rtol=1e-6, atol=1e-7)
        if not np.iscomplexobj(p):
            assert not np.iscomplexobj(pullback(w))  # a real input gets a real cotangent


def test_jvp_along_a_complex_tangent_of_a_real_input_is_refused():
    with pytest.raises(tl.ArgumentError, match="tangent of 'x' is complex, but the value it pairs with is real"):
        tl.jvp(fx.phase, (np.array([0.3, 0.7]),), (np.array([1j, 1.0]),))


def test_jvp_along_a_real_tangent_of_a_complex_input_moves_the_real_part():
    z = np.array([0.5 + 1j, -0.3 + 0.2j])
    t = np.array([0.4, -1.3])
    np.testing.assert_allclose(tl.jvp(fx.mixed, (z,), (t,))[1], directional(fx.mixed, z, t), rtol=1e-6, atol=1e-7)


# ---------------------------------------------------------------- the docs


def test_the_docs_list_the_verified_transformations():
    text = (pathlib.Path(__file__).parent.parent / "docs" / "complex-numbers.md").read_text()
    section = text[text.index("## The transformations"):text.index("## What has a complex rule")]
    missing = [name for name in VERIFIED_APIS if f"`{name}" not in section]
    assert not missing, f"not named in the transformations section of docs/complex-numbers.md: {missing}"


@pytest.mark.parametrize("mode", MODES)
def test_jacobian_of_complex_scalars(mode):
    z = 0.5 + 1.0j
    assert tl.jacobian(fx.square, mode=mode)(z) == pytest.approx(2 * z)
    assert tl.jacobian(lambda x: np.exp(1j * x), mode=mode)(0.3) == pytest.approx(1j * np.exp(0.3j))
    assert tl.jacobian(lambda w: np.abs(w) ** 2, mode=mode)(z) == pytest.approx(2 * np.conj(z))


def test_vjp_refuses_a_complex_cotangent_for_a_real_result():
    _, pullback = tl.vjp(fx.c2r, np.array([0.5 + 1j, -0.3 + 0.2j]))
    with pytest.raises(tl.ArgumentError, match="is complex, but the value it pairs with is real"):
        pullback(np.array([1j, 1.0]))
