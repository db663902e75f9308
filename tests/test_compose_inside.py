"""Transformations called inside a function being differentiated (issue 14): ``tl.grad(f)(x)``,
``tl.value_and_grad(f)(x)``, ``f.grad(x)`` of a ``@tl.differentiate`` function, in gradient
penalties and meta-learning inner steps, in both modes and at second order.  References are
hand-derived formulas and central finite differences, never tangent_lite itself."""
import dataclasses
import math
from typing import NamedTuple

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tangent_lite as tl

finite = st.floats(-2.0, 2.0, allow_nan=False)


def cubic_sin(x):
    return x ** 3 * math.sin(x)


def d1(x):  # hand-derived derivatives of cubic_sin
    return 3 * x ** 2 * math.sin(x) + x ** 3 * math.cos(x)


def d2(x):
    return 6 * x * math.sin(x) + 6 * x ** 2 * math.cos(x) - x ** 3 * math.sin(x)


def d3(x):
    return 6 * math.sin(x) + 18 * x * math.cos(x) - 9 * x ** 2 * math.sin(x) - x ** 3 * math.cos(x)


def times_x(x):
    return tl.grad(cubic_sin)(x) * x  # g = f' x: g' = f'' x + f', g'' = f''' x + 2 f''


def _fd(f, x, eps=1e-6):
    x = np.asarray(x, dtype=float)
    cols = []
    for i in range(x.size):
        e = np.zeros_like(x)
        e.flat[i] = eps
        cols.append((np.asarray(f(x + e)) - np.asarray(f(x - e))) / (2 * eps))
    return np.stack(cols, axis=-1)


@settings(max_examples=20, deadline=None)
@given(finite)
def test_grad_called_inside_in_both_modes_and_second_order(x):
    assert tl.grad(times_x)(x) == pytest.approx(d2(x) * x + d1(x), rel=1e-9, abs=1e-12)
    assert tl.grad(lambda t: tl.grad(cubic_sin)(t) * t)(x) == pytest.approx(d2(x) * x + d1(x), rel=1e-9, abs=1e-12)
    assert tl.jvp(times_x, (x,), (1.0,))[1] == pytest.approx(d2(x) * x + d1(x), rel=1e-9, abs=1e-12)
    assert tl.grad(tl.grad(times_x))(x) == pytest.approx(d3(x) * x + 2 * d2(x), rel=1e-8, abs=1e-10)
    assert tl.hessian(times_x)(x) == pytest.approx(d3(x) * x + 2 * d2(x), rel=1e-8, abs=1e-10)


RNG = np.random.default_rng(11)
W = RNG.normal(size=3)
XS = RNG.normal(size=(5, 3))
V = RNG.normal(size=3)


def inner_loss(w, x):
    return np.sum((x @ w - 1.0) ** 2)


def outer_loss(w):
    return np.sum(np.tanh(w) ** 2)


def meta_step(w, x):
    w1 = w - 0.1 * tl.grad(inner_loss)(w, x)  # one inner step, differentiated through
    return outer_loss(w1)


def penalised(w, x):
    return inner_loss(w, x) + 0.5 * np.sum(tl.grad(inner_loss)(w, x) ** 2)


def penalised_by_hand(w, x):  # grad of inner_loss is 2 x^T (x w - 1)
    return inner_loss(w, x) + 0.5 * np.sum((2 * x.T @ (x @ w - 1.0)) ** 2)


@pytest.mark.parametrize("fn", [meta_step, penalised])
def test_meta_learning_and_gradient_penalties_against_finite_differences(fn):
    grad = tl.grad(fn)(W, XS)
    np.testing.assert_allclose(grad, _fd(lambda w, fn=fn: fn(w, XS), W), rtol=1e-6,
                                   atol=1e-8)
    np.testing.assert_allclose(tl.jvp(fn, (W, XS), (V,))[1], grad @ V, rtol=1e-10)
    H = tl.hessian(fn)(W, XS)
    np.testing.assert_allclose(H, _fd(lambda w: tl.grad(fn)(w, XS), W), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(tl.hvp(fn, W, V, XS), H @ V, rtol=1e-9, atol=1e-12)


def test_the_penalty_by_hand_and_through_the_inner_gradient_agree():
    np.testing.assert_allclose(tl.grad(penalised)(W, XS), tl.grad(penalised_by_hand)(W, XS), rtol=1e-10)
    np.testing.assert_allclose(tl.hessian(penalised)(W, XS), tl.hessian(penalised_by_hand)(W, XS), rtol=1e-10)


def value_times_gradient(w, x):
    value, g = tl.value_and_grad(inner_loss)(w, x)
    return value * np.sum(g)


def gradient_wrt_data(x, w):
    return np.sum(tl.grad(inner_loss, wrt=1)(w, x) ** 2)


@tl.differentiate
def decorated(w, x):
    return np.sum(np.sin(x @ w))


def through_method(w, x):
    return np.sum(decorated.grad(w, x) ** 2) + decorated.value_and_grad(w, x)[0]


def test_value_and_grad_wrt_and_differentiate_methods_inside():
    for fn in (value_times_gradient, through_method):
        np.testing.assert_allclose(tl.grad(fn)(W, XS), _fd(lambda w, fn=fn: fn(w, XS), W), rtol=1e-6,
                                   atol=1e-8)
        np.testing.assert_allclose(tl.jvp(fn, (W, XS), (V,))[1], tl.grad(fn)(W, XS) @ V, rtol=1e-10)
    np.testing.assert_allclose(tl.grad(gradient_wrt_data, wrt=1)(XS, W), _fd(lambda w: gradient_wrt_data(XS, w), W),
                               rtol=1e-6, atol=1e-8)


SCALE = 2.0


def scaled_cube(x):
    return SCALE * x ** 3


def uses_scaled(x):
    return tl.grad(scaled_cube)(x) ** 2  # (3 SCALE x^2)^2: derivative 36 SCALE^2 x^3


def test_a_derivative_calling_a_transformation_follows_rebound_globals_and_edits():
    global SCALE, scaled_cube
    assert tl.grad(uses_scaled)(1.5) == pytest.approx(36 * 4.0 * 1.5 ** 3)
    original = scaled_cube
    SCALE = -1.0
    try:
        assert tl.grad(uses_scaled)(1.5) == pytest.approx(36 * 1.0 * 1.5 ** 3)

        def scaled_cube(x):  # rebound: a new function
            return x ** 4

        assert tl.grad(uses_scaled)(1.5) == pytest.approx(96 * 1.5 ** 5)  # g = (4 x^3)^2
    finally:
        SCALE, scaled_cube = 2.0, original


def helper(x):
    return x ** 2


def through_helper(x):
    return helper(x) * x


def calls_through_helper(x):
    return tl.grad(through_helper)(x) * x


def test_a_rebound_helper_of_the_inner_function_is_followed():
    global helper
    assert tl.grad(calls_through_helper)(1.5) == pytest.approx(9 * 1.5 ** 2)  # (3 x^2) x
    assert tl.grad(tl.grad(calls_through_helper))(1.5) == pytest.approx(18 * 1.5)
    original = helper

    def helper(x):
        return x ** 3

    try:  # (4 x^3) x
        assert tl.grad(calls_through_helper)(1.5) == pytest.approx(16 * 1.5 ** 3)
        assert tl.grad(tl.grad(calls_through_helper))(1.5) == pytest.approx(48 * 1.5 ** 2)
    finally:
        helper = original


def test_what_cannot_be_made_before_it_runs_is_refused_with_what_works_and_has_aux_inside():
    def local_function(x):
        return tl.grad(lambda t: t ** 3)(x) * x

    with pytest.raises(tl.UnsupportedConstructError, match="not known before it runs") as info:
        tl.grad(local_function)(1.0)
    assert "module-level" in str(info.value)

    def with_aux(x):
        g, aux = tl.grad(lambda_free_aux, has_aux=True)(x)  # (2 x, x)
        return g * aux

    assert tl.grad(with_aux)(1.5) == pytest.approx(4 * 1.5)
    assert tl.hessian(with_aux)(1.5) == pytest.approx(4.0)


def lambda_free_aux(x):
    return x ** 2, x


def sin_y2(x, y):
    return np.sin(x) * y ** 2


def plus_directional(x, y):
    out, t = tl.jvp(sin_y2, (x, y), (1.0,))  # t = cos(x) y^2
    return out + t * x


def directional_wrt_y(x, y):
    return tl.jvp(sin_y2, (x, y), (x,), wrt=1)[1]  # 2 sin(x) y x


@settings(max_examples=15, deadline=None)
@given(finite, finite)
def test_jvp_called_inside_in_both_modes_and_second_order(x, y):
    s, c = math.sin(x), math.cos(x)
    gx = c * y ** 2 + (c * y ** 2 - s * y ** 2 * x)  # hand-derived from sin(x) y^2 + cos(x) y^2 x
    gy = 2 * s * y + 2 * c * y * x
    assert tl.grad(plus_directional, wrt=(0, 1))(x, y) == pytest.approx((gx, gy), rel=1e-9, abs=1e-12)
    assert tl.jvp(plus_directional, (x, y), (1.0, 0.0))[1] == pytest.approx(gx, rel=1e-9, abs=1e-12)
    hxx = -3 * s * y ** 2 - c * y ** 2 * x
    assert tl.hessian(plus_directional)(x, y) == pytest.approx(hxx, rel=1e-8, abs=1e-10)
    assert tl.grad(directional_wrt_y, wrt=(0, 1))(x, y) == pytest.approx(
        (2 * c * y * x + 2 * s * y, 2 * s * x), rel=1e-9, abs=1e-12)


def pulled_back(x):
    _, pullback = tl.vjp(cubic_sin, x)
    return pullback(1.0)


def test_the_transformations_that_do_not_work_inside_yet_name_those_that_do():
    with pytest.raises(tl.TangentLiteError, match="not supported yet") as info:
        tl.grad(pulled_back)(1.0)
    assert "tl.grad(f)(x)" in str(info.value) and "tl.jvp(f, (x,), (v,))" in str(info.value)


# ---------------------------------------------------------------- breaker findings: every transformation takes
# the same callables, and says what works when the function returns several outputs


class Model:
    @tl.differentiate
    def loss(self, x):
        return np.sum(x ** 3)


def value_and_aux(x):
    return np.sum(x ** 3), x


def test_a_differentiate_method_given_to_hessian_and_hvp():
    x = np.array([1.0, 2.0])
    np.testing.assert_allclose(tl.hessian(Model().loss)(x), np.diag(6 * x), rtol=1e-12)
    np.testing.assert_allclose(tl.hvp(Model().loss, x, x), 6 * x * x, rtol=1e-12)


@pytest.mark.parametrize("call", [lambda x: tl.hessian(value_and_aux)(x), lambda x: tl.hvp(value_and_aux, x, x)])
def test_second_derivatives_of_a_function_returning_value_and_aux_name_has_aux(call):
    with pytest.raises(tl.ArgumentError, match="returns a tuple of 2") as info:
        call(np.array([1.0, 2.0]))
    assert "has_aux" in str(info.value) and "(lambda x: value_and_aux(x)[0])" in str(info.value)


def test_jacobian_of_value_and_grad_says_what_to_transform():
    with pytest.raises(tl.ArgumentError, match="returns a tuple of 2") as info:
        tl.jacobian(tl.value_and_grad(cubic_sin))(0.5)
    assert "tl.jacobian(tl.grad(f)) is the Hessian" in str(info.value)


def test_an_integer_array_given_to_hessian_gets_the_float_hint():
    with pytest.raises(tl.ArgumentError, match="int64 array|int32 array") as info:
        tl.hessian(lambda x: np.sum(x ** 3))(np.array([1, 2]))
    assert "x.astype(float)" in str(info.value)


# ---------------------------------------------------------------- has_aux on tl.vjp and tl.jacobian


def residual_and_stats(x, A):
    r = np.tanh(A @ x)
    return r, {"norm": float(np.linalg.norm(x)), "x": x}


def test_vjp_and_jacobian_with_has_aux_return_aux_untouched_and_differentiate_the_rest():
    A = RNG.normal(size=(4, 3))
    x = RNG.normal(size=3)
    J = (1 - np.tanh(A @ x) ** 2)[:, None] * A  # hand-derived
    out, pullback, aux = tl.vjp(residual_and_stats, x, A, has_aux=True)
    np.testing.assert_allclose(out, np.tanh(A @ x), rtol=1e-14)
    assert aux["norm"] == pytest.approx(np.linalg.norm(x)) and aux["x"] is not None
    ct = RNG.normal(size=4)
    np.testing.assert_allclose(pullback(ct), J.T @ ct, rtol=1e-12)
    for mode in ("forward", "reverse", "auto"):
        jac, aux = tl.jacobian(residual_and_stats, mode=mode, has_aux=True)(x, A)
        np.testing.assert_allclose(jac, J, rtol=1e-12)
        np.testing.assert_allclose(aux["x"], x)
    np.testing.assert_allclose(jac, _fd(lambda t: residual_and_stats(t, A)[0], x), rtol=1e-6, atol=1e-9)
    with pytest.raises(tl.ArgumentError, match=r"has_aux=True needs 'cubic_sin' to return a pair"):
        tl.vjp(cubic_sin, 0.5, has_aux=True)
    with pytest.raises(tl.ArgumentError, match=r"has_aux=True needs 'cubic_sin' to return a pair"):
        tl.jacobian(cubic_sin, has_aux=True)(0.5)


# ---------------------------------------------------------------- reverse over reverse of list-building helpers


def builds_by_append(x):
    out = []
    for i in range(3):
        out.append(x * (i + 1.0))
    return out


def sums_the_built_list(x):
    parts = builds_by_append(x)
    s = 0.0
    for i in range(3):
        s = s + np.sum(parts[i] ** 2)
    return s  # 14 sum(x^2): Hessian 28 I


def pair_of(x):
    return [x, np.sin(x)]


def indexes_the_pair(x):
    p = pair_of(x)
    return np.sum(p[0] * p[1])  # sum(x sin x): Hessian diag(2 cos x - x sin x)


@pytest.mark.parametrize("fn, hessian", [
    (sums_the_built_list, lambda x: 28 * np.eye(x.size)),
    (indexes_the_pair, lambda x: np.diag(2 * np.cos(x) - x * np.sin(x))),
])
def test_reverse_over_reverse_of_a_helper_building_a_list_of_arrays(fn, hessian):
    """A copy of the pullback's residuals made two lists of the one list a helper returned and
    its residuals keep (the reverse sweep popped one and the other was read): IndexError."""
    x = np.array([0.5, -1.0, 0.3])
    v = RNG.normal(size=3)
    H = hessian(x)
    _, pullback = tl.vjp(tl.grad(fn), x)
    np.testing.assert_allclose(pullback(v), H @ v, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(pullback(v), H @ v, rtol=1e-12, atol=1e-14)  # (called again)
    np.testing.assert_allclose(tl.jacobian(tl.grad(fn), mode="reverse")(x), H, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(tl.hessian(fn)(x), H, rtol=1e-12, atol=1e-14)


def test_copies_keep_what_a_value_holds_twice_as_one_object():
    from tangent_lite import arguments

    shared = [np.zeros(2)]
    value = (shared, {"again": shared}, shared)
    for copy in (arguments.structure_copy(value), arguments.detached(value, shared[0])):
        assert copy[0] is copy[2] is copy[1]["again"] and copy[0] is not shared
        assert copy[0][0] is not shared[0]


# ---------------------------------------------------------------- constant exponents at second order: no warnings


def powers_in_a_loop(x):
    s = 0.0
    for i in range(3):
        s = s + np.sum(x ** (i + 1))
    return s  # sum(x + x^2 + x^3): Hessian diag(2 + 6 x)


def powers_of_a_float_counter(x):
    s = 0.0
    k = 1.0
    for _ in range(3):
        s = s + np.sum(x ** k)  # k shares the reverse sweep's tape with x ** k: popped, it looks active
        k = k + 1.0
    return s


@pytest.mark.parametrize("fn", [powers_in_a_loop, powers_of_a_float_counter])
@pytest.mark.parametrize("x", [np.array([-0.5, 0.0, 2.0]), -0.5, 0.0])
def test_second_order_of_constant_exponents_at_zero_and_negative_bases_is_quiet_and_right(fn, x):
    import warnings

    H = np.diag(2 + 6 * np.atleast_1d(x))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (log of a negative base, 0 ** -1: computed and thrown away before)
        hess = tl.hessian(fn)(x)
        v = np.ones_like(x)
        by_jvp = tl.jvp(tl.grad(fn), (x,), (v,))[1]
        by_vjp = tl.vjp(tl.grad(fn), x)[1](v)
    np.testing.assert_allclose(np.atleast_2d(hess), H, rtol=1e-12)
    np.testing.assert_allclose(np.atleast_1d(by_jvp), H @ np.ones(H.shape[0]), rtol=1e-12)
    np.testing.assert_allclose(np.atleast_1d(by_vjp), H @ np.ones(H.shape[0]), rtol=1e-12)


# ---------------------------------------------------------------- helpers taking functions, nested


def apply_to(f, x):
    return f(x)


def composed(f, g, x):
    return apply_to(lambda y: f(g(y)), x)  # the lambda inlined calls the lambda passed as g


def through_composed(x):
    return composed(np.sin, lambda t: t * 3.0, x)  # sin(3 x)


def around(f, x):
    return apply_to(lambda z: apply_to(f, z), x)  # apply_to inlined inside itself


def through_around(x):
    return around(lambda t: t ** 3, x)


@settings(max_examples=10, deadline=None)
@given(finite)
def test_lambdas_and_helpers_inlined_inside_themselves_are_not_recursion(x):
    """'_lambda' is recursive was said of two different lambdas; a helper reached again
    through a lambda passed to it is nesting, not recursion."""
    assert tl.grad(through_composed)(x) == pytest.approx(3 * math.cos(3 * x), rel=1e-12, abs=1e-14)
    assert tl.jvp(through_composed, (x,), (1.0,))[1] == pytest.approx(3 * math.cos(3 * x), rel=1e-12, abs=1e-14)
    assert tl.grad(tl.grad(through_composed))(x) == pytest.approx(-9 * math.sin(3 * x), rel=1e-10, abs=1e-12)
    assert tl.grad(through_around)(x) == pytest.approx(3 * x ** 2, rel=1e-12, abs=1e-14)
    assert tl.hessian(through_around)(x) == pytest.approx(6 * x, rel=1e-10, abs=1e-12)


# ---------------------------------------------------------------- methods reading self, differentiated when in wrt


@dataclasses.dataclass
class Layer:
    W: np.ndarray
    b: np.ndarray

    def loss(self, x):
        return np.sum((x @ self.W + self.b) ** 2)


class Affine(NamedTuple):
    W: np.ndarray
    b: float

    def loss(self, x):
        return np.sum((x @ self.W + self.b) ** 2)


class Scaled:
    def __init__(self, W, scale):
        self.W, self.scale = W, scale

    def loss(self, x):
        return self.scale * np.sum((x @ self.W) ** 2)


XIN = RNG.normal(size=(4, 3))
WIN = RNG.normal(size=(3, 2))


def test_a_method_differentiated_with_respect_to_self_gives_a_gradient_of_the_same_type():
    r = XIN @ WIN + 0.5  # hand-derived: d/dW sum(r^2) = 2 x^T r, d/db = 2 sum(r)
    for model, b_grad in ((Layer(WIN, np.full(2, 0.5)), 2 * r.sum(axis=0)), (Affine(WIN, 0.5), 2 * r.sum())):
        for g in (tl.grad(model.loss, wrt="self")(XIN), tl.grad(type(model).loss, wrt=0)(model, XIN),
                  tl.vjp(model.loss, XIN, wrt="self")[1](1.0)):
            assert type(g) is type(model)
            np.testing.assert_allclose(g.W, 2 * XIN.T @ r, rtol=1e-12)
            np.testing.assert_allclose(g.b, b_grad, rtol=1e-12)
        value, (g_self, g_x) = tl.value_and_grad(model.loss, wrt=("self", "x"))(XIN)
        assert value == pytest.approx(np.sum(r ** 2)) and type(g_self) is type(model)
        np.testing.assert_allclose(g_x, 2 * r @ WIN.T, rtol=1e-12)
    model = Scaled(WIN, 2.0)
    g = tl.grad(model.loss, wrt="self")(XIN)
    assert type(g) is Scaled
    np.testing.assert_allclose(g.W, 2.0 * 2 * XIN.T @ (XIN @ WIN), rtol=1e-12)
    assert g.scale == pytest.approx(np.sum((XIN @ WIN) ** 2))
    np.testing.assert_allclose(tl.grad(model.loss)(XIN), 2.0 * 2 * (XIN @ WIN) @ WIN.T, rtol=1e-12)  # self constant


# ---------------------------------------------------------------- jacobian / hessian / hvp results, transformed again


def sin_x2(x):
    return np.sin(x) * x ** 2


def d2_sin_x2(x):  # hand-derived second derivative of sin(x) x^2
    return -np.sin(x) * x ** 2 + 4 * x * np.cos(x) + 2 * np.sin(x)


def sum_sin_x3(x):
    return np.sum(np.sin(x) * x ** 3)


def d3_sin_x3(x):  # hand-derived third derivative of sin(x) x^3
    return -x ** 3 * np.cos(x) - 9 * x ** 2 * np.sin(x) + 18 * x * np.cos(x) + 6 * np.sin(x)


def curvature_along(x):
    return tl.hvp(sum_sin_x3, x, V2) @ V2


def hessian_quadratic_form(x):
    return tl.hessian(sum_sin_x3)(x) @ V2 @ V2


def jacobian_trace(x):
    return np.trace(tl.jacobian(sin_x2)(x))


V2 = np.array([1.0, 2.0])
X2 = np.array([0.3, -0.7])


def test_jacobian_of_jacobian_and_of_hessian():
    J2 = tl.jacobian(tl.jacobian(sin_x2))(X2)
    expected = np.zeros((2, 2, 2))
    expected[0, 0, 0], expected[1, 1, 1] = d2_sin_x2(X2)
    np.testing.assert_allclose(J2, expected, rtol=1e-12, atol=1e-14)
    T = tl.jacobian(tl.hessian(sum_sin_x3))(X2)
    expected = np.zeros((2, 2, 2))
    expected[0, 0, 0], expected[1, 1, 1] = d3_sin_x3(X2)
    np.testing.assert_allclose(T, expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(tl.jvp(tl.hessian(sum_sin_x3), (X2,), (V2,))[1], np.einsum("ijk,k->ij", T, V2),
                               rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("fn", [curvature_along, hessian_quadratic_form])
def test_hvp_and_hessian_called_inside(fn):
    expected = d3_sin_x3(X2) * V2 ** 2  # d/dx of sum h''(x_i) v_i^2
    np.testing.assert_allclose(tl.grad(fn)(X2), expected, rtol=1e-10)
    np.testing.assert_allclose(tl.jvp(fn, (X2,), (np.array([1.0, 0.0]),))[1], expected[0], rtol=1e-10)
    np.testing.assert_allclose(tl.grad(fn)(X2), _fd(lambda x: fn(x), X2), rtol=1e-6)


def test_jacobian_called_inside():
    d1 = lambda x: np.cos(x) * x ** 2 + 2 * x * np.sin(x)  # noqa: E731
    np.testing.assert_allclose(tl.grad(jacobian_trace)(X2), d2_sin_x2(X2), rtol=1e-12)
    assert jacobian_trace(X2) == pytest.approx(np.sum(d1(X2)))


def test_check_grads_takes_a_differentiate_method():  # (the object passed first, held constant: issue 14)
    tl.check_grads(Model().loss, (np.ones(2),), order=2)


OPTION_WRT = 1  # an option of transformations called inside, read from a module global (rebound below)


class OptionCfg:
    wrt = 1


def cube_sq(a, b):
    return np.sum(a ** 3 * b ** 2)


def vec_cube_sq(a, b):
    return a ** 3 * b ** 2


def option_grad(a, b):
    return np.sum(tl.grad(cube_sq, wrt=OPTION_WRT)(a, b) * a)


def option_value_and_grad(a, b):
    value, g = tl.value_and_grad(cube_sq, wrt=OPTION_WRT)(a, b)
    return value * np.sum(g * a)


def option_hessian(a, b):
    return np.sum(tl.hessian(cube_sq, wrt=OPTION_WRT)(a, b))


def option_jacobian(a, b):
    return np.sum(tl.jacobian(vec_cube_sq, wrt=OPTION_WRT)(a, b))


def option_jvp(a, b):
    return np.sum(tl.jvp(vec_cube_sq, (a, b), (a,), wrt=OPTION_WRT)[1])


def option_class_attribute(a, b):
    return np.sum(tl.grad(cube_sq, wrt=OptionCfg.wrt)(a, b) * a)


@pytest.mark.parametrize("fn", [option_grad, option_value_and_grad, option_hessian, option_jacobian, option_jvp,
                                option_class_attribute])
def test_an_option_read_from_a_global_is_followed_when_rebound(fn, monkeypatch):
    a, b = np.array([0.7, -1.2]), np.array([1.3, 0.4])
    g = tl.grad(fn)
    for wrt in (1, 0, 1):
        monkeypatch.setattr(OptionCfg, "wrt", wrt)
        monkeypatch.setitem(globals(), "OPTION_WRT", wrt)
        expected = _fd(lambda t: fn(t, b), a)  # the plain function reads the option now
        np.testing.assert_allclose(g(a, b), expected, rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(tl.grad(fn)(a, b), expected, rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(tl.jvp(fn, (a, b), (b,))[1], expected @ b, rtol=1e-6, atol=1e-8)


def nth_derivative_of_sin(x, n):
    if n == 0:
        return np.sin(x)
    return tl.grad(nth_derivative_of_sin)(x, n - 1)  # recursion through a transformation


def ping(x, n):
    if n <= 0:
        return np.sin(x)
    return tl.grad(pong)(x, n - 1)


def pong(x, n):
    if n <= 0:
        return np.cos(x)
    return tl.grad(ping)(x, n - 1)


@pytest.mark.parametrize("call, culprit", [
    (lambda: nth_derivative_of_sin(0.7, 1), "'nth_derivative_of_sin' calls tl.grad of itself"),
    (lambda: tl.grad(nth_derivative_of_sin)(0.7, 2), "'nth_derivative_of_sin' calls tl.grad of itself"),
    (lambda: ping(0.7, 1), "calls tl.grad of 'ping', whose derivative is already being made"),
    (lambda: tl.jvp(pong, (0.7, 2), (1.0,))[1], "recursion through a transformation")])
def test_recursion_through_a_transformation_is_refused_naming_the_line(call, culprit):
    with pytest.raises(tl.TangentLiteError, match="recursion through a transformation") as info:
        call()
    assert culprit in str(info.value)
    assert "test_compose_inside.py:" in str(info.value)


def tanh_of_dict(p, x):
    return np.tanh(p["w"] * x + p["b"])


def sum_tanh_of_dict(p, x):
    return np.sum(tanh_of_dict(p, x) ** 2)


def jacobian_of_dict_inside(p, x):
    return np.sum(tl.jacobian(tanh_of_dict)(p, x))


@pytest.mark.parametrize("make", [
    lambda: tl.jacobian(tanh_of_dict),
    lambda: tl.jacobian(tanh_of_dict, mode="forward"),
    lambda: tl.jacobian(tanh_of_dict, mode="reverse"),
    lambda: tl.jacobian(tl.grad(sum_tanh_of_dict, wrt=1)),
    lambda: tl.jacobian(tl.grad(Layer.loss, wrt="x"), wrt="self"),
    lambda: tl.grad(jacobian_of_dict_inside, wrt=1)])
def test_a_jacobian_with_respect_to_a_dict_or_an_object_is_refused_clearly(make):
    p, x = {"w": np.array([0.5, -1.0]), "b": 0.3}, np.array([0.3, -0.5])
    args = (Layer(np.eye(2), p["w"]), x) if "Layer" in make.__code__.co_names else (p, x)
    with pytest.raises(tl.ArgumentError, match=r"tl.jacobian differentiates with respect to a number or an array"
                       r".*'(p|self)' is a (dict|Layer)") as info:
        make()(*args)
    assert "one flat array" in str(info.value)


def loss_and_aux(w):
    return np.sum(w ** 2), w * 1.0  # (value, aux): has_aux=True is forgotten below


def forgets_has_aux(w):
    return np.sum(tl.grad(loss_and_aux)(w))


def vector_valued(x):
    return x ** 3 * np.sin(x)


def grad_of_vector_valued_inside(x):
    return np.sum(tl.grad(vector_valued)(x) * 2.0)


def test_a_forgotten_has_aux_inside_is_refused_as_at_top_level():
    w = np.array([0.3, -0.5])
    with pytest.raises(tl.NonScalarOutputError, match="has_aux=True"):
        tl.grad(loss_and_aux)(w)
    with pytest.raises(tl.NonScalarOutputError, match=r"test_compose_inside.py:\d+: 'tl.grad\(...\)' inside .*"
                       r"'loss_and_aux' returns a tuple of 2") as info:
        tl.grad(forgets_has_aux)(w)
    assert "tl.grad(loss_and_aux)(w)" in str(info.value) and "has_aux=True" in str(info.value)
    with pytest.raises(tl.NonScalarOutputError, match="'loss_and_aux' returns a tuple of 2"):
        tl.grad(tl.grad(loss_and_aux))(w)


@pytest.mark.parametrize("call", [lambda x: tl.grad(grad_of_vector_valued_inside)(x),
                                  lambda x: tl.grad(tl.grad(vector_valued))(x),
                                  lambda x: tl.hessian(grad_of_vector_valued_inside)(x)])
def test_a_vector_valued_function_under_an_inner_grad_is_a_non_scalar_output_error(call):
    with pytest.raises(tl.NonScalarOutputError, match=r"'vector_valued' \(.*test_compose_inside.py:\d+\) to return a "
                       r"scalar; it returned a ndarray of shape \(3,\)") as info:
        call(np.array([0.3, -0.5, 0.9]))
    assert "tl.jacobian" in str(info.value)
    assert tl.grad(tl.grad(vector_valued))(0.4) == pytest.approx(d2(0.4), rel=1e-9)  # (a scalar x: fine)


def sin_x2_sum(x):
    return np.sum(np.sin(x) * x ** 2)


def grad_stored_in_a_variable(x):
    gf = tl.grad(sin_x2_sum)
    return np.sum(gf(x) ** 2)


def twice(fn, x):
    return fn(x) * 2.0


def grad_passed_to_a_helper(x):
    return np.sum(twice(tl.grad(sin_x2_sum), x) ** 2)


def grad_in_a_lambda_passed_to_a_helper(x):
    return np.sum(twice(lambda z: tl.grad(sin_x2_sum)(z), x) ** 2)


@pytest.mark.parametrize("fn, line", [(grad_stored_in_a_variable, "gf = tl.grad(sin_x2_sum)"),
                                      (grad_passed_to_a_helper, "twice(tl.grad(sin_x2_sum), x)")])
def test_a_transformation_used_as_a_value_inside_is_refused_saying_what_to_write(fn, line):
    x = np.array([0.3, -0.5, 0.9])
    with pytest.raises(tl.UnsupportedConstructError, match=r"'tl.grad\(...\)' used as a value") as info:
        tl.grad(fn)(x)
    assert line in str(info.value) and "tl.grad(f)(x)" in str(info.value)
    assert "missing a required argument" not in str(info.value) and "local value" not in str(info.value)
    # the spelling the message suggests works
    np.testing.assert_allclose(tl.grad(grad_in_a_lambda_passed_to_a_helper)(x),
                               _fd(grad_in_a_lambda_passed_to_a_helper, x), rtol=1e-5, atol=1e-7)


def vec_and_aux(x):
    return np.sin(x) * x[0], x ** 2


def jacobian_with_aux_inside(x):
    jac, aux = tl.jacobian(vec_and_aux, has_aux=True)(x)
    return np.sum(jac * aux[:, None])


@tl.differentiate
def sin_x2_total(x):
    return np.sum(np.sin(x) * x ** 2)


def test_jacobian_with_aux_inside_names_the_users_function_as_the_users():
    with pytest.raises(tl.ArgumentError, match="has_aux=True is not supported there") as info:
        tl.grad(jacobian_with_aux_inside)(np.array([0.3, -0.5, 0.9]))
    assert "tangent_lite made" not in str(info.value) and "vec_and_aux(x)[0]" in str(info.value)


def test_the_grad_method_of_a_differentiate_function_is_transformed_again():
    x = np.array([0.3, -0.5, 0.9])
    hand = np.diag(2 * np.sin(x) + 4 * x * np.cos(x) - x ** 2 * np.sin(x))  # d2/dx2 of sin(x) x^2
    np.testing.assert_allclose(tl.jacobian(sin_x2_total.grad)(x), hand, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(tl.jacobian(sin_x2_total.grad, mode="reverse")(x), hand, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(tl.jvp(sin_x2_total.grad, (x,), (np.ones(3),))[1], hand @ np.ones(3), rtol=1e-10)


@pytest.mark.parametrize("make", [tl.grad, tl.jacobian, tl.hessian, tl.value_and_grad])
@pytest.mark.parametrize("builtin", [np.sin, math.sin])
def test_a_builtin_given_directly_is_refused_saying_to_wrap_it(make, builtin):
    with pytest.raises(tl.SourceUnavailableError, match="'sin' has no Python source") as info:
        make(builtin)(np.array([0.5]) if make is tl.jacobian else 0.5)
    assert "lambda x: " in str(info.value) and "too many" not in str(info.value)


@pytest.mark.parametrize("mode", ["vjp", "jvp"])
def test_adgen_writes_a_standalone_module_for_a_function_calling_grad_inside(mode):
    from tangent_lite.cli import standalone_text

    text = standalone_text(times_x, mode, ["x"])
    assert "import tangent_lite" not in text and "tangent_lite_generated" not in text  # (standalone)
    namespace: dict = {}
    exec(compile(text, "<adgen times_x>", "exec"), namespace)  # noqa: S102 - the module adgen wrote
    x = 0.7
    expected = d2(x) * x + d1(x)
    if mode == "vjp":
        value, grad = namespace["times_x_vjp"](x)
        assert value == pytest.approx(d1(x) * x, rel=1e-12) and grad == pytest.approx(expected, rel=1e-9)
    else:
        value, tangent = namespace["times_x_jvp"](x, 1.0)
        assert tangent == pytest.approx(expected, rel=1e-9)


def tanh_times_first(x):
    return np.tanh(x) * x[0]


@pytest.mark.parametrize("mode", ["forward", "reverse", "auto"])
def test_jacobians_of_float32_inputs_stay_float32(mode):
    x = np.array([0.3, -0.5, 0.9], dtype=np.float32)
    once = tl.jacobian(tanh_times_first, mode=mode)
    twice = tl.jacobian(once, mode=mode)
    assert once(x).dtype == np.float32 and twice(x).dtype == np.float32
    assert tl.jacobian(tl.jacobian(tanh_times_first))(x).dtype == np.float32
    np.testing.assert_allclose(twice(x), tl.jacobian(tl.jacobian(tanh_times_first))(x.astype(np.float64)), rtol=1e-5)
    np.testing.assert_allclose(once(x.astype(np.float64)), _fd(tanh_times_first, x.astype(np.float64)), rtol=1e-6)


def product_of_list(xs):
    return np.array([xs[0] * xs[1], xs[1]])


@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_a_jacobian_with_respect_to_a_list_of_numbers_is_still_taken(mode):
    np.testing.assert_allclose(tl.jacobian(product_of_list, mode=mode)([0.5, 2.0]), [[2.0, 0.5], [0.0, 1.0]])
    np.testing.assert_allclose(tl.jacobian(product_of_list, mode=mode)((0.5, 2.0)), [[2.0, 0.5], [0.0, 1.0]])
