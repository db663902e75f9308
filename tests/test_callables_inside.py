"""Callables that forward to a Python function, called INSIDE a function being differentiated
(issue 14, "Every kind of callable"; breaker 24 #7, #9, #10, #11): bound methods and classmethods
of module-level and closure objects, functools.lru_cache / functools.cache (functions and methods),
functools.partial of user and NumPy functions.  Checked against central finite differences in both
modes and at second order, with a stale test for every guard (rebinding, editing)."""

import functools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tangent_lite as tl


def fd(f, x, h=1e-6):
    return (f(x + h) - f(x - h)) / (2 * h)


def check_all(f, x, fd2=True):
    """grad, jvp, hessian and grad∘grad of scalar ``f`` at ``x`` against finite differences."""
    d = fd(f, x)
    assert np.allclose(tl.grad(f)(x), d, rtol=1e-6, atol=1e-8)
    assert np.allclose(tl.jvp(f, (x,), (1.0,))[1], d, rtol=1e-6, atol=1e-8)
    if fd2:
        d2 = fd(lambda t: fd(f, t, 1e-5), x, 1e-4)
        assert np.allclose(tl.hessian(f)(x), d2, rtol=1e-4, atol=1e-6)
        assert np.allclose(tl.grad(tl.grad(f))(x), d2, rtol=1e-4, atol=1e-6)


class Model:
    k = 2.0

    def __init__(self, w):
        self.w = w

    def loss(self, x):
        return self.w * np.sin(x) * x

    @classmethod
    def build(cls, x):
        return cls.k * x ** 3

    @functools.lru_cache(maxsize=64)  # noqa: B019 (a cached method is what is tested)
    def cached(self, x):
        return self.w * x ** 4 + np.cos(x)


class Other:
    def __init__(self, w):
        self.w = w

    def loss(self, x):
        return self.w * x ** 5


model = Model(2.0)


def uses_method(x):
    return model.loss(x) * x


def uses_classmethod(x):
    return Model.build(x) + x


def uses_cached_method(x):
    return model.cached(x) * x


# ------------------------------------------------------------------ bound methods and classmethods

@pytest.mark.parametrize("f", [uses_method, uses_classmethod, uses_cached_method])
def test_methods_inside_match_finite_differences(f):
    check_all(f, 0.7)


def test_method_inside_vjp_matches_jvp():
    x, v, w = 0.4, 0.3, 1.7
    _, pull = tl.vjp(uses_method, x)
    assert np.isclose(tl.jvp(uses_method, (x,), (v,))[1] * w, v * pull(w))


def test_method_of_a_closure_object():
    def make(w):
        obj = Model(w)

        def inner(x):
            return obj.loss(x) + x * x
        return inner

    for w in (2.0, 5.0):
        check_all(make(w), 0.6)


def test_method_held_in_a_global_bound_method():
    global LOSS
    LOSS = Model(3.0).loss

    def f(x):
        return LOSS(x)
    check_all(f, 0.9)


def test_the_object_is_a_constant_unless_differentiated():
    def f(x):
        return model.loss(x)
    w_before = model.w
    tl.grad(f)(0.5)
    assert model.w is w_before  # (the object is held, not differentiated or written)


def test_rebinding_the_object_is_followed():
    global model
    saved = model
    try:
        g = tl.grad(uses_method)
        model = Model(2.0)
        assert np.isclose(g(0.7), fd(uses_method, 0.7))
        model = Model(3.0)  # the same class: the new object's field is read
        assert np.isclose(g(0.7), fd(uses_method, 0.7))
        model = Other(4.0)  # another class: another method
        assert np.isclose(g(0.7), fd(uses_method, 0.7))
        assert np.isclose(tl.jvp(uses_method, (0.7,), (1.0,))[1], fd(uses_method, 0.7))
    finally:
        model = saved


def test_editing_the_method_is_followed():
    class Edited:
        w = 2.0

        def loss(self, x):
            return self.w * x ** 2

    obj = Edited()

    def f(x):
        return obj.loss(x)
    g = tl.grad(f)
    assert np.isclose(g(0.7), 2.8)
    Edited.loss = lambda self, x: self.w * x ** 3
    assert np.isclose(g(0.7), fd(f, 0.7))
    assert np.isclose(g(0.7), 6 * 0.49)

    def body(self, x):
        return self.w * np.sin(x)
    Edited.loss = body
    assert np.isclose(g(0.7), 2 * np.cos(0.7))
    body.__code__ = (lambda self, x: self.w * np.exp(x)).__code__
    assert np.isclose(g(0.7), 2 * np.exp(0.7))


def test_classmethod_follows_the_class_attribute():
    def f(x):
        return Model.build(x)
    g = tl.grad(f)
    assert np.isclose(g(0.5), 6 * 0.25)
    saved = Model.k
    try:
        Model.k = 3.0  # read when the derivative runs
        assert np.isclose(g(0.5), 9 * 0.25)
    finally:
        Model.k = saved


def test_method_of_an_argument_is_refused_with_a_hint_that_works():
    def f(m, x):
        return m.loss(x)
    with pytest.raises(tl.NoRuleError, match=r"YourClass\.loss\(obj, \.\.\.\)"):
        tl.grad(f, wrt=1)(Model(2.0), 0.7)

    def f2(m, x):  # the hint's spelling
        return Model.loss(m, x)
    assert np.isclose(tl.grad(f2, wrt=1)(Model(2.0), 0.7), fd(lambda x: f2(Model(2.0), x), 0.7))


# ------------------------------------------------------------------ functools.lru_cache / cache

@functools.lru_cache(maxsize=64)
def cached(x):
    return x * np.sin(x) + x ** 2


@functools.cache
def cached_too(x, k=2.0):
    return np.exp(k * x)


def uses_cached(x):
    return cached(x) * x + cached_too(x, k=0.5)


def test_lru_cache_inside_matches_finite_differences():
    check_all(uses_cached, 0.7)
    check_all(uses_cached, -1.3)


def test_lru_cache_top_level_method():
    m = Model(2.0)
    g = tl.grad(m.cached)
    assert np.isclose(g(0.7), fd(lambda t: Model.cached.__wrapped__(m, t), 0.7))


def test_lru_cache_does_not_serve_stale_values_or_derivatives():
    global cached
    saved = cached
    try:
        g = tl.grad(uses_cached)
        first = g(0.7)

        @functools.lru_cache(maxsize=64)
        def cached(x):  # rebinding the cached name
            return x ** 3
        assert not np.isclose(g(0.7), first)
        assert np.isclose(g(0.7), fd(uses_cached, 0.7))
    finally:
        cached = saved


def test_lru_cache_with_an_array_argument_raises_as_python_does():
    def f(x):
        return np.sum(cached(x))
    with pytest.raises(TypeError, match="unhashable"):
        f(np.ones(3))
    with pytest.raises(TypeError, match=r"'cached' is cached with functools\.lru_cache.*unhashable type"):
        tl.grad(f)(np.ones(3))
    with pytest.raises(TypeError, match="unhashable type"):
        tl.jvp(f, (np.ones(3),), (np.ones(3),))


def test_rules_registered_on_the_cache_wrapper_are_used():
    @functools.lru_cache(maxsize=64)
    def wrapped(x):
        return x ** 2

    @tl.defvjp(wrapped, argnum=0)
    def wrapped_vjp(g, ans, x):
        return g * 10.0 * x

    @tl.defjvp(wrapped, argnum=0)
    def wrapped_jvp(x_dot, ans, x):
        return x_dot * 10.0 * x

    def f(x):
        return wrapped(x)
    assert np.isclose(tl.grad(f)(0.5), 5.0)  # (the rule, not the source's 1.0)
    assert np.isclose(tl.jvp(f, (0.5,), (1.0,))[1], 5.0)


# ------------------------------------------------------------------ functools.partial

def helper(a, x, k=2.0):
    return a * x ** k + np.sin(a * x)


P = functools.partial(helper, 3.0, k=3.0)
SUM0 = functools.partial(np.sum, axis=0)
ATAN = functools.partial(np.arctan2, 1.0)
OF_METHOD = functools.partial(Model(1.5).loss)


def uses_partial(x):
    return P(x)


def uses_partials(x):
    return ATAN(x) + OF_METHOD(x) + P(x, k=2.0)  # (a keyword given at the call wins, as in Python)


@pytest.mark.parametrize("f", [uses_partial, uses_partials])
def test_partial_inside_matches_finite_differences(f):
    check_all(f, 0.7)


def test_partial_of_numpy_function_inside():
    def f(x):
        return np.sum(SUM0(x * x) ** 2)
    x = np.array([[0.3, -0.5, 1.2], [0.7, 0.1, -0.4]])
    expected = 4 * x * np.sum(x * x, axis=0)
    assert np.allclose(tl.grad(f)(x), expected)
    v = np.ones_like(x)
    assert np.isclose(tl.jvp(f, (x,), (v,))[1], np.sum(expected * v))


def test_partial_rebinding_and_bound_values_are_followed():
    global P
    saved = P
    try:
        g = tl.grad(uses_partial)
        assert np.isclose(g(0.7), fd(uses_partial, 0.7))
        P = functools.partial(helper, 2.0, k=4.0)
        assert np.isclose(g(0.7), fd(uses_partial, 0.7))
        P = functools.partial(helper, 2.0)  # fewer bound keywords
        assert np.isclose(g(0.7), fd(uses_partial, 0.7))
        P = functools.partial(helper, 2.0, k=4.0)
        assert np.isclose(g(0.7), fd(uses_partial, 0.7))
        P.keywords["k"] = 5.0  # a bound keyword's value written in place: read when the derivative runs
        assert np.isclose(g(0.7), fd(uses_partial, 0.7))
        assert np.isclose(tl.jvp(uses_partial, (0.7,), (1.0,))[1], fd(uses_partial, 0.7))
        del P.keywords["k"]  # the keywords changed in place: refused, never a stale derivative
        with pytest.raises(tl.TangentLiteError, match=r"the functools\.partial 'P' bound the keywords \['k'\] "
                                                      r"when its derivative was made, and binds \[\] now"):
            g(0.7)
    finally:
        P = saved


def every_kind(x):
    return uses_method(x) + uses_classmethod(x) + uses_cached(x) + uses_partials(x) + model.cached(x)


@settings(max_examples=25, deadline=None)
@given(st.floats(-2.0, 2.0), st.floats(-1.0, 1.0), st.floats(-1.0, 1.0))
def test_every_kind_at_varying_points(x, v, w):
    d = fd(every_kind, x)
    assert np.isclose(tl.grad(every_kind)(x), d, rtol=1e-5, atol=1e-6)
    _, pull = tl.vjp(every_kind, x)
    assert np.isclose(tl.jvp(every_kind, (x,), (v,))[1] * w, v * pull(w), rtol=1e-9, atol=1e-12)


# ------------------------------------------------------------------ autograd's defvjp spelling

def test_autograd_spelling_of_defvjp_and_defjvp_is_refused():
    def sq(x):
        return x * x

    def sq_vjp(g, ans, x):
        return g * 2 * x

    with pytest.raises(TypeError, match=r"autograd's spelling.*\n    @tl\.defvjp\(sq, argnum=0\)\n"
                                        r"    def sq_vjp_0\(g, ans, x\)"):
        tl.defvjp(sq, sq_vjp)
    with pytest.raises(TypeError, match=r"@tl\.defjvp\(sq, argnum=0\)\n    def sq_jvp_0\(x_dot, ans, x\)"):
        tl.defjvp(sq, sq_vjp)
    with pytest.raises(TypeError, match="argnum is an argument's index"):
        tl.defvjp(sq, argnum=1.0)
    with pytest.raises(TypeError, match="argnum is an argument's index"):
        tl.defjvp(sq, argnum=None)


# ------------------------------------------------------------------ refusals that name the real function

def test_library_method_and_partial_without_rules_name_the_function():
    import math
    import statistics

    nd = statistics.NormalDist(0.0, 1.0)
    atan_of = functools.partial(math.atan2, 1.0)

    def f(x):
        return nd.pdf(x)

    def g(x):
        return atan_of(x)

    with pytest.raises(tl.NoRuleError) as info:
        tl.grad(f)(0.3)
    text = str(info.value)
    assert "cannot differentiate a call to 'nd.pdf': it has no derivative rule" in text
    # (argnum=1: x, the argument that carries derivatives)
    assert "@tl.defvjp(statistics.NormalDist.pdf, argnum=1)\n    def pdf_vjp(g, ans, self, x):" in text
    with pytest.raises(tl.NoRuleError) as info:
        tl.grad(g)(0.3)
    text = str(info.value)
    assert "@tl.defvjp(math.atan2, argnum=1)" in text and "functools.f" not in text


def test_rules_of_a_method_take_the_object_first():
    class Ruled:
        w = 2.0

        def loss(self, x):
            return self.w * x * x

    obj = Ruled()
    with pytest.raises(tl.errors.RuleError,
                       match=r"leaves out its first parameter 'self'.*def loss_vjp\(g, ans, self, x\)"):
        @tl.defvjp(Ruled.loss, argnum=0)
        def loss_vjp(g, ans, x):
            return g * 2 * x

    @tl.defvjp(Ruled.loss, argnum="x")
    def loss_vjp_x(g, ans, self, x):
        return g * 10.0 * x

    @tl.defjvp(Ruled.loss, argnum="x")
    def loss_jvp_x(x_dot, ans, self, x):
        return x_dot * 10.0 * x

    def f(x):
        return obj.loss(x)
    assert np.isclose(tl.grad(f)(0.5), 5.0)  # (the rules, not the source's 2.0)
    assert np.isclose(tl.jvp(f, (0.5,), (1.0,))[1], 5.0)
