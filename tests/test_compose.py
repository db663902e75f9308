"""Transformations compose (issue 14): what tl.grad / tl.value_and_grad return is a function
tangent_lite differentiates again, in any mode, to any order; has_aux; argnums spelled wrt;
every kind of callable (bound methods, callable objects, classmethods, lru_cache, forwarding
functools.wraps wrappers).  References are hand-derived formulas, central finite differences
and the dot-product identity, never tangent_lite itself."""
import functools
import itertools
import math
import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tangent_lite as tl

finite = st.floats(-2.0, 2.0, allow_nan=False)
_IDS = itertools.count()


def cubic_sin(x):
    return x ** 3 * math.sin(x)


def d2_cubic_sin(x):  # hand-derived
    return 6 * x * math.sin(x) + 6 * x ** 2 * math.cos(x) - x ** 3 * math.sin(x)


def d3_cubic_sin(x):
    return 6 * math.sin(x) + 18 * x * math.cos(x) - 9 * x ** 2 * math.sin(x) - x ** 3 * math.cos(x)


def energy(x, A):
    h = np.tanh(A @ x)
    return np.sum(h * h) + 0.5 * np.sum(x ** 4)


def energy_hessian(x, A):  # hand-derived: d/dx of 2 A^T (h (1 - h^2)) + 2 x^3
    h = np.tanh(A @ x)
    s = 1 - h ** 2
    return A.T @ np.diag(2 * s * s - 4 * h * h * s) @ A + np.diag(6 * x ** 2)


def _fd(f, x, eps=1e-6):
    x = np.asarray(x, dtype=float)
    cols = []
    for i in range(x.size):
        e = np.zeros_like(x)
        e.flat[i] = eps
        cols.append((np.asarray(f(x + e)) - np.asarray(f(x - e))) / (2 * eps))
    return np.stack(cols, axis=-1)


@settings(max_examples=25, deadline=None)
@given(finite)
def test_second_and_third_derivatives_of_a_scalar_function(x):
    assert tl.grad(tl.grad(cubic_sin))(x) == pytest.approx(d2_cubic_sin(x), rel=1e-9, abs=1e-12)
    assert tl.grad(tl.grad(tl.grad(cubic_sin)))(x) == pytest.approx(d3_cubic_sin(x), rel=1e-9, abs=1e-12)


RNG = np.random.default_rng(5)
A = RNG.normal(size=(4, 3))
X = RNG.normal(size=3)


def test_jacobian_of_grad_is_the_hessian():
    H = energy_hessian(X, A)
    np.testing.assert_allclose(tl.jacobian(tl.grad(energy))(X, A), H, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(tl.jacobian(tl.grad(energy), mode="reverse")(X, A), H, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(tl.hessian(energy)(X, A), H, rtol=1e-9, atol=1e-12)


def test_jvp_and_vjp_of_grad_agree_with_each_other_and_the_hessian():
    v, w = RNG.normal(size=3), RNG.normal(size=3)
    H = energy_hessian(X, A)
    _, Hv = tl.jvp(tl.grad(energy), (X, A), (v,))
    _, pullback = tl.vjp(tl.grad(energy), X, A)
    Hw = pullback(w)
    np.testing.assert_allclose(Hv, H @ v, rtol=1e-9)
    np.testing.assert_allclose(Hw, H.T @ w, rtol=1e-9)
    assert np.dot(Hv, w) == pytest.approx(np.dot(v, Hw), rel=1e-10)  # <J v, w> == <v, J^T w>


def test_grad_of_grad_against_finite_differences_of_grad():
    g = tl.grad(energy)
    np.testing.assert_allclose(tl.jacobian(g)(X, A), _fd(lambda x: g(x, A), X), rtol=1e-6, atol=1e-8)


def test_value_and_grad_transformed_again():
    v, w = RNG.normal(size=3), 0.7
    _, pullback = tl.vjp(tl.value_and_grad(energy), X, A)
    got = pullback((w, v))
    expected = w * tl.grad(energy)(X, A) + energy_hessian(X, A) @ v
    np.testing.assert_allclose(got, expected, rtol=1e-9)


def test_several_wrt_arguments_transformed_again():
    def f(x, y):
        return np.sum(np.sin(x) * y ** 2)

    x, y = RNG.normal(size=3), RNG.normal(size=3)
    gx_dot, gy_dot = tl.jvp(tl.grad(f, wrt=(0, 1)), (x, y), (np.ones(3), np.zeros(3)))[1]
    np.testing.assert_allclose(gx_dot, -np.sin(x) * y ** 2, rtol=1e-12)  # d/dx of cos(x) y^2
    np.testing.assert_allclose(gy_dot, 2 * np.cos(x) * y, rtol=1e-12)  # d/dx of 2 sin(x) y
    (gx,) = tl.grad(f, wrt=(0,))(x, y)  # a 1-tuple stays a 1-tuple when transformed again
    out, pullback = tl.vjp(tl.grad(f, wrt=(0,)), x, y)
    assert isinstance(out, tuple) and len(out) == 1
    np.testing.assert_allclose(out[0], gx)


SCALE = 2.0


def scaled(x):
    return SCALE * x ** 3


def test_a_transformation_of_a_transformation_follows_what_names_mean_now():
    global SCALE
    g2 = tl.grad(tl.grad(scaled))
    assert g2(1.5) == pytest.approx(2.0 * 6 * 1.5)
    SCALE = -1.0
    try:
        assert g2(1.5) == pytest.approx(-1.0 * 6 * 1.5)
    finally:
        SCALE = 2.0


def test_grad_of_a_non_scalar_function_is_refused_when_transformed_again():
    with pytest.raises(Exception, match="to return a scalar"):
        tl.grad(tl.grad(lambda x: x * x))(np.ones(3))


# ---------------------------------------------------------------- has_aux and argnums


def loss_with_aux(w, x):
    pred = np.tanh(x @ w)
    return np.sum(pred ** 2), {"pred": pred, "n": 3}


def test_has_aux_returns_the_gradient_and_the_aux_untouched():
    w, x = RNG.normal(size=3), RNG.normal(size=(5, 3))
    g, aux = tl.grad(loss_with_aux, has_aux=True)(w, x)
    pred = np.tanh(x @ w)
    np.testing.assert_allclose(g, x.T @ (2 * pred * (1 - pred ** 2)), rtol=1e-12)
    np.testing.assert_allclose(aux["pred"], pred)
    assert aux["n"] == 3
    (value, aux2), g2 = tl.value_and_grad(loss_with_aux, has_aux=True)(w, x)
    assert value == pytest.approx(np.sum(pred ** 2))
    np.testing.assert_allclose(g2, g)
    with pytest.raises(tl.ArgumentError, match=r"has_aux=True needs 'energy' to return a pair"):
        tl.grad(energy, has_aux=True)(X, A)


@pytest.mark.parametrize("transform", [tl.grad, tl.value_and_grad])
@pytest.mark.parametrize("habit", ["argnums", "argnum"])
def test_argnums_by_habit_names_wrt(transform, habit):
    with pytest.raises(TypeError, match=rf"unexpected keyword argument '{habit}': tangent_lite spells it wrt=.*wrt=1"):
        transform(energy, **{habit: 1})
    with pytest.raises(TypeError, match="unexpected keyword argument 'bogus'"):
        transform(energy, bogus=1)


# ---------------------------------------------------------------- every kind of callable


class Model:
    def __init__(self, w):
        self.w = w

    def loss(self, x):
        return np.sum(self.w * x ** 2)

    def __call__(self, x):
        return np.sum(self.w * np.sin(x))

    @classmethod
    def make_loss(cls, x):
        return np.sum(x ** 3)


def test_bound_methods_callable_objects_and_classmethods():
    m, x = Model(np.array([1.0, 2.0, 3.0])), RNG.normal(size=3)
    np.testing.assert_allclose(tl.grad(m.loss)(x), 2 * m.w * x, rtol=1e-12)
    np.testing.assert_allclose(tl.grad(m)(x), m.w * np.cos(x), rtol=1e-12)
    np.testing.assert_allclose(tl.grad(Model.make_loss)(x), 3 * x ** 2, rtol=1e-12)
    _, t = tl.jvp(m.loss, (x,), (np.ones(3),))
    assert t == pytest.approx(np.sum(2 * m.w * x))
    m.w = np.array([-1.0, 0.0, 1.0])  # self is read at every call, not baked in
    np.testing.assert_allclose(tl.grad(m.loss)(x), 2 * m.w * x, rtol=1e-12)
    np.testing.assert_allclose(tl.jacobian(tl.grad(Model.loss, wrt=1), wrt=1)(m, x), np.diag(2 * m.w))


@functools.lru_cache(maxsize=128)
def cached(x):
    return x ** 3 + 2.0 * x


def forwarding(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return fn(*args, **kwargs)
    return wrapper


def doubling(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return 2.0 * fn(*args, **kwargs)
    return wrapper


@forwarding
def forwarded(x):
    return np.sum(np.exp(x))


@doubling
def doubled(x):
    return np.sum(np.exp(x))


def test_lru_cache_and_forwarding_wrappers_are_seen_through_and_others_are_not():
    assert tl.grad(cached)(1.5) == pytest.approx(3 * 1.5 ** 2 + 2.0)
    assert tl.grad(tl.grad(cached))(1.5) == pytest.approx(6 * 1.5)
    x = RNG.normal(size=3)
    np.testing.assert_allclose(tl.grad(forwarded)(x), np.exp(x), rtol=1e-12)
    # a wrapper that does more than forward is differentiated itself: never the gradient of
    # the function inside (which would be off by the factor 2)
    try:
        g = tl.grad(doubled)(x)
    except tl.TangentLiteError:
        return
    np.testing.assert_allclose(g, 2.0 * np.exp(x), rtol=1e-12)


def test_a_differentiate_function_used_as_a_method():
    class Holder:
        @tl.differentiate
        def loss(self, x):
            return np.sum(self.k * x ** 2)

    h, x = Holder(), RNG.normal(size=3)
    h.k = 3.0
    np.testing.assert_allclose(tl.grad(h.loss)(x), 6.0 * x, rtol=1e-12)


def test_jacobians_and_hessians_are_transformed_again():
    H = energy_hessian(X, A)
    np.testing.assert_allclose(tl.jacobian(tl.jacobian(energy))(X, A), H, rtol=1e-9, atol=1e-12)
    third = tl.jacobian(tl.hessian(energy))(X, A)  # against central differences of the hand-derived Hessian
    np.testing.assert_allclose(third, _fd(lambda x: energy_hessian(x, A), X), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(tl.jacobian(tl.jacobian(energy), mode="reverse")(X, A), H, rtol=1e-9, atol=1e-12)
    v = RNG.normal(size=3)
    np.testing.assert_allclose(tl.jvp(tl.jacobian(energy), (X, A), (v,))[1], H @ v, rtol=1e-9)
    np.testing.assert_allclose(tl.grad(lambda x, a: tl.jacobian(energy)(x, a) @ v)(X, A), H @ v, rtol=1e-9)


def test_what_cannot_be_transformed_again_names_what_can():
    with pytest.raises(tl.ArgumentError, match="cannot be transformed again") as info:
        tl.grad(tl.jacobian(loss_with_aux, has_aux=True))(X, RNG.normal(size=(5, 3)))
    assert "tl.grad, tl.value_and_grad, tl.jacobian and tl.hessian return can" in str(info.value)


# ---------------------------------------------------------------- breaker round 8 findings


def vector_valued(x):
    return x ** 3


def quartic(x):
    return np.sum(x ** 4)


@pytest.mark.parametrize("call", [lambda: tl.hessian(vector_valued)(np.ones(3)),
                                  lambda: tl.hvp(vector_valued, np.ones(3), np.ones(3)),
                                  lambda: tl.hessian(tl.grad(quartic))(np.ones(3))])
def test_hessians_of_non_scalar_functions_are_refused_not_summed(call):
    with pytest.raises(tl.NonScalarOutputError):
        call()


def _inner_with_default(x, y=1.0):
    return y * x ** 3


@functools.wraps(_inner_with_default)
def own_default(x, y=2.0):  # a wrapper with its own default: its own parameters count
    return _inner_with_default(x, y)


def test_a_wraps_wrapper_keeps_its_own_signature():
    assert tl.value_and_grad(own_default)(0.7) == pytest.approx((2.0 * 0.7 ** 3, 6.0 * 0.7 ** 2))
    assert tl.hessian(own_default)(0.7) == pytest.approx(12.0 * 0.7)
    assert tl.grad(tl.grad(own_default))(0.7) == pytest.approx(12.0 * 0.7)


class Power:
    def __call__(self, x):
        return x ** 3


def test_a_callable_objects_rebound_call_is_seen_by_transformations_made_before():
    obj, g = Power(), None
    g = tl.grad(obj)
    assert g(0.7) == pytest.approx(3 * 0.7 ** 2)
    old = Power.__call__
    Power.__call__ = lambda self, x: x ** 5
    try:
        assert g(0.7) == pytest.approx(5 * 0.7 ** 4)
    finally:
        Power.__call__ = old


@pytest.mark.parametrize("who, make", [("tl.jacobian", lambda: tl.jacobian(energy, argnums=1)),
                                       ("tl.hessian", lambda: tl.hessian(energy, argnums=1)),
                                       ("tl.hvp", lambda: tl.hvp(energy, X, X, A, argnums=1))])
def test_argnums_by_habit_on_the_other_transformations(who, make):
    with pytest.raises(TypeError, match=rf"{who}\(\) got an unexpected keyword argument 'argnums': .*wrt=1"):
        make()


class Cubic:
    def __init__(self, w):
        self.w = w

    def __call__(self, x):
        return self.w * x ** 3

    def loss(self, x):
        return self.w * x ** 3

    @classmethod
    def fixed(cls, x):
        return 5.0 * x ** 3

    @tl.differentiate
    def decorated(self, x):
        return self.w * x ** 3


def _times_y_squared(x, y):
    return x * x * y


def test_what_tl_grad_makes_of_methods_objects_and_partials_is_transformed_again():
    c, x = Cubic(2.0), 0.7
    for f, w in ((c.loss, 2.0), (c, 2.0), (Cubic.fixed, 5.0), (c.decorated, 2.0)):
        assert tl.grad(tl.grad(f))(x) == pytest.approx(6 * w * x), f
    assert tl.grad(tl.grad(functools.partial(_times_y_squared, y=3.0)))(x) == pytest.approx(6.0)
    assert c.decorated.grad(x) == pytest.approx(3 * 2.0 * x ** 2)  # obj.method.grad: obj held constant
    c.w = -1.0  # the held object is read at every call
    assert tl.grad(tl.grad(c.loss))(x) == pytest.approx(-6 * x)


def test_has_aux_results_and_bound_methods_in_second_order_calls():
    xs = RNG.normal(size=(5, 3))
    plain = lambda w, x: loss_with_aux(w, x)[0]  # noqa: E731
    H = _fd(lambda w: tl.grad(plain)(w, xs), X)
    (hx, aux_dot) = tl.jvp(tl.grad(loss_with_aux, has_aux=True), (X, xs), (X,))[1]
    np.testing.assert_allclose(hx, H @ X, rtol=1e-6)
    jac, aux = tl.jacobian(tl.grad(loss_with_aux, has_aux=True), has_aux=True)(X, xs)
    np.testing.assert_allclose(jac, H, rtol=1e-6, atol=1e-8)
    assert aux["n"] == 3 and np.allclose(aux["pred"], np.tanh(xs @ X))
    inner = lambda w, x: tl.value_and_grad(loss_with_aux, has_aux=True)(w, x)[1]  # noqa: E731  (called inside)
    np.testing.assert_allclose(tl.jacobian(inner)(X, xs), H, rtol=1e-6, atol=1e-8)
    # (bound methods: accepted by every transformation since; the object is held constant)
    assert tl.hessian(Cubic(2.0).loss)(0.7) == pytest.approx(2.0 * 6 * 0.7)
    assert tl.hvp(Cubic(2.0).loss, 0.7, 1.0) == pytest.approx(2.0 * 6 * 0.7)


# ---------------------------------------------------------------- breaker round 9 findings


def _import_written(tmp_path, **texts):
    """Write modules (stem -> text; ``{stem}`` in a text is the unique name of that module, for
    imports between them) into ``tmp_path`` and import them; returns stem -> module."""
    import importlib
    import sys

    tag = f"{os.getpid()}_{next(_IDS)}"
    names = {stem: f"{stem}_{tag}" for stem in texts}
    for stem, text in texts.items():
        (tmp_path / f"{names[stem]}.py").write_text(text.format(**names))
    sys.path.insert(0, str(tmp_path))
    try:
        return {stem: importlib.import_module(name) for stem, name in names.items()}
    finally:
        sys.path.remove(str(tmp_path))


HELPER_MODULE = '''
def helper(x):
    if x > 0:
        return x ** 2
    return -x


def apply(g, x):
    return helper(g(x))
'''

THIRD_MODULE = '''
import numpy as np
from {cmp_helpers} import apply

A = 5.0


def f(x):
    return A * x ** 4 + apply(np.sin, x)
'''


def test_third_order_follows_rebound_globals_and_a_helper_inlined_from_another_module(tmp_path):
    """tl.grad(tl.grad(tl.grad(f))) kept what it saw at its first call (the inner equivalents
    were not brought up to date); a helper that takes a function argument is inlined, and the
    helpers of its own module it calls were looked up in the caller's module (a crash)."""
    mod = _import_written(tmp_path, cmp_helpers=HELPER_MODULE, cmp_third=THIRD_MODULE)["cmp_third"]
    x = 0.7
    s, c = math.sin(x), math.cos(x)
    d1 = 4 * mod.A * x ** 3 + 2 * s * c  # hand-derived: d/dx A x^4 + sin(x)^2
    assert tl.grad(mod.f)(x) == pytest.approx(d1, rel=1e-12)
    g3 = tl.grad(tl.grad(tl.grad(mod.f)))
    third = lambda a: 24 * a * x - 8 * s * c  # noqa: E731  (d^3/dx^3 of sin^2 = -4 sin(2x))
    assert g3(x) == pytest.approx(third(5.0), rel=1e-9)
    mod.A = 7.0
    assert g3(x) == pytest.approx(third(7.0), rel=1e-9)


def test_second_order_of_a_callable_object_follows_a_rebound_call():
    obj = Power()
    gg = tl.grad(tl.grad(obj))
    assert gg(0.7) == pytest.approx(6 * 0.7)
    old = Power.__call__
    Power.__call__ = lambda self, x: x ** 5
    try:
        assert gg(0.7) == pytest.approx(20 * 0.7 ** 3)
    finally:
        Power.__call__ = old


def _cube(x):
    return x ** 3


class CallableWithMethod:
    def __init__(self, w):
        self.w = w

    def loss(self, x):
        return self.w * _cube(x)

    def __call__(self, x):
        return self.w * x


def test_second_order_of_a_method_of_a_callable_object_that_calls_a_module_helper():
    """The held object is callable, so the generated derivative it is passed to is inlined; the
    helpers that derivative's module binds are found there (a crash: module not importable)."""
    o = CallableWithMethod(2.0)
    assert tl.grad(tl.grad(o.loss))(0.7) == pytest.approx(2.0 * 6 * 0.7)


# ---------------------------------------------------------------- breaker round 10 findings

FOREIGN_HELPERS = '''
import numpy as np

A = 5.0


def helper(y):
    return y ** 3


def apply(g, x):
    return helper(g(x)) * A
'''

FOREIGN_CALLER = '''
import numpy as np
from {fh_helpers} import A, apply, helper  # the same objects under the same names, imported


def f(x):
    return apply(np.sin, x)
'''


def test_globals_of_a_helper_inlined_from_another_module_are_its_own_and_current(tmp_path):
    """apply(g, x) takes a function, so it is inlined into f: its names A and helper are those
    of its own module (read at every call, guarded there), even when f's module imported the
    same objects under the same names; rebinding them in the helpers' module is seen, in first
    and second order, and rebinding f's own copies changes nothing (f's values do not change)."""
    modules = _import_written(tmp_path, fh_helpers=FOREIGN_HELPERS, fh_caller=FOREIGN_CALLER)
    caller, helpers = modules["fh_caller"], modules["fh_helpers"]
    x = 0.7
    s, c = math.sin(x), math.cos(x)
    g, gg = tl.grad(caller.f), tl.grad(tl.grad(caller.f))
    assert g(x) == pytest.approx(5.0 * 3 * s * s * c, rel=1e-12)
    helpers.A = 7.0
    assert g(x) == pytest.approx(7.0 * 3 * s * s * c, rel=1e-12)
    assert gg(x) == pytest.approx(7.0 * (6 * s * c * c - 3 * s ** 3), rel=1e-9)
    caller.A = 100.0  # f's own copy: f(x) does not read it
    assert g(x) == pytest.approx(7.0 * 3 * s * s * c, rel=1e-12)
    helpers.helper = lambda y: y ** 2
    assert g(x) == pytest.approx(7.0 * 2 * s * c, rel=1e-12)


HELPER_SWAP = '''
def helper(y):
    return y ** 3


def apply(g, x):
    return helper(g(x))
'''


def test_variants_of_a_derivative_that_share_a_cache_key_keep_their_own_text(tmp_path):
    """A helper of an inlined function rebound and back: two variants of f's derivative (same key,
    same cache file); differentiating either again reads its own text (it read the file, which
    held the other, and refused: 'the source file of f_vjp was edited')."""
    mod = _import_written(tmp_path, swap=HELPER_SWAP)["swap"]
    x = 0.7
    s, c = math.sin(x), math.cos(x)
    gg = tl.grad(tl.grad(_swap_caller(mod)))
    original = mod.helper
    mod.helper = lambda y: y ** 4
    assert gg(x) == pytest.approx(12 * s ** 2 * c ** 2 - 4 * s ** 4, rel=1e-9)
    mod.helper = original
    assert tl.grad(_swap_caller(mod))(x) == pytest.approx(3 * s ** 2 * c, rel=1e-12)
    assert gg(x) == pytest.approx(6 * s * c ** 2 - 3 * s ** 3, rel=1e-9)


def _swap_caller(mod):
    global SWAP_MODULE
    SWAP_MODULE = mod
    return swap_f


SWAP_MODULE = None


def swap_f(x):
    return SWAP_MODULE.apply(np.sin, x)


# ---------------------------------------------------------------- breaker round 11 finding


def apply_shifted(g, x):
    y = x + 1.0
    return g(x) * y


def apply_late(g, x):
    s = g(x)
    y = x * 2.0
    return s + y


def lambda_reads_caller_y(x, y):
    return apply_shifted(lambda t: t * y, x)


def lambda_reads_caller_y_late(x, y):
    return apply_late(lambda t: t * y, x)


def test_a_lambda_passed_to_a_helper_reads_the_callers_names_not_the_helpers():
    """apply_shifted has a local y; the lambda's y is the caller's (it differentiated x (x+1)^2,
    or crashed with an unbound apply_late_y when the helper assigned y after calling g)."""
    x, y = 1.5, 2.0
    gx, gy = tl.grad(lambda_reads_caller_y, wrt=(0, 1))(x, y)
    assert (gx, gy) == (pytest.approx(y * (2 * x + 1)), pytest.approx(x * (x + 1)))
    assert tl.grad(tl.grad(lambda_reads_caller_y))(x, y) == pytest.approx(2 * y)
    assert tl.jvp(lambda_reads_caller_y, (x, y), (1.0, 0.0)) == (pytest.approx(x * y * (x + 1)),
                                                                 pytest.approx(y * (2 * x + 1)))
    assert tl.grad(lambda_reads_caller_y_late, wrt=(0, 1))(x, y) == (pytest.approx(y + 2.0), pytest.approx(x))


class Power3:
    def __init__(self, p):
        self.p = p

    def __call__(self, t):
        return t ** self.p


POWER3 = Power3(3.0)


def calls_a_callable_object(x):
    return POWER3(x) * 2.0


def calls_its_method(x):
    return Power3.__call__(POWER3, x) * 2.0


def test_a_callable_object_called_inside_is_refused_with_the_call_that_works():
    with pytest.raises(tl.UnsupportedConstructError, match="calling the callable object 'POWER3'") as info:
        tl.grad(calls_a_callable_object)(0.6)
    assert "Power3.__call__(POWER3, ...)" in str(info.value)
    assert tl.grad(calls_its_method)(0.6) == pytest.approx(6 * 0.6 ** 2)  # the call the hint shows


def apply_g(g, x):
    return g(x) * 2.0


def passes_a_local_named_like_the_parameter(x, y):
    g = lambda t: t * y  # noqa: E731  (the helper's parameter is g too)
    return apply_g(g, x)


def test_a_function_argument_named_like_the_helpers_parameter():
    """Breaker round 12: renaming the helper's names that a lambda reads must spare the
    parameter that receives the function (it is substituted away)."""
    assert tl.grad(passes_a_local_named_like_the_parameter, wrt=(0, 1))(1.5, 2.0) == (
        pytest.approx(4.0), pytest.approx(3.0))


def apply_twice_inside(g, x):
    return g(x) * 2.0


def calls_the_helper_inside_its_argument(x):
    return apply_twice_inside(lambda t: apply_twice_inside(np.sin, t), x)


def recurses_with_its_function(g, x):
    return recurses_with_its_function(g, g(x))


def test_a_helper_reached_again_inside_its_own_function_argument_says_why():
    """Breaker round 12: this was called 'the nested function is recursive: make it a
    module-level function', about a module-level function.  Reached again without recursion
    (a lambda passed to it calls it), it is inlined inside itself (4 sin x); recursion is refused."""
    assert tl.grad(calls_the_helper_inside_its_argument)(0.7) == pytest.approx(4 * math.cos(0.7), rel=1e-12)
    with pytest.raises(tl.UnsupportedConstructError,
                       match="'recurses_with_its_function' takes a function argument") as info:
        tl.grad(lambda x: recurses_with_its_function(np.sin, x))(0.7)
    assert "module-level function (recursion" not in str(info.value)
