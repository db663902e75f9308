"""Breaker round 28: derivatives that run the user's function more than once.

F3b: a function drawing random numbers, run once per direction (``tl.jvp(batched=True)`` of a
function using an operation without a batched rule, ``tl.hessian``'s rows, ``tl.jacobian`` in auto
mode after its reverse pass, a pullback that re-runs the forward sweep) saw new draws at each run:
the rows or columns belonged to different functions, a silently wrong Jacobian.  Every run now sees
the draws of the first; a source that cannot be reset is refused.  References: central differences
with the generators reset before each evaluation (the draws fixed).
F9: forward-mode ``tl.jacobian`` asked for VJP rules (it ran a reverse pass to measure the output);
auto mode did not fall back to the mode whose rules exist.
F11: batched tangents of a dict, list or tuple argument crashed; compared with one direction at a time.
"""

import functools
import random
from collections import namedtuple

import numpy as np
import numpy.random as npr
import pytest
from numpy.random import standard_normal

import tangent_lite as tl

X = np.array([0.3, -0.7, 1.1])

# ------------------------------------------------------------------ F3b: random draws

RNG = np.random.default_rng(7)
GENERATORS = {"noise": np.random.default_rng(8)}


def global_numpy(x):
    return np.cumsum(np.sin(x) * np.random.randn(3))   # (cumsum: no batched rule, one direction at a time)


def global_generator(x):
    return np.cumsum(x * x * RNG.normal(size=3))


def generator_in_dict(x):
    return np.cumsum(np.tanh(x) * GENERATORS["noise"].uniform(size=3))


def python_random(x):
    return np.cumsum(x ** 3 * random.random())


def make_closure():
    rng = np.random.default_rng(9)

    def in_closure(x):
        return np.cumsum(np.exp(x) * rng.standard_normal(3))
    return in_closure


def default_argument(x, rng=np.random.default_rng(10)):  # noqa: B008 (the generator it draws from)
    return np.cumsum(x * np.cos(x) * rng.standard_normal(3))


def helper_draws(n):
    return RNG.normal(size=n)


def through_helper(x):
    return np.cumsum(np.sin(x) * helper_draws(3))


def module_alias(x):
    return np.cumsum(np.sin(x) * npr.randn(3))


def imported_function(x):
    return np.cumsum(x * standard_normal(3))


class Model:
    def __init__(self):
        self.rng = np.random.default_rng(11)

    def __call__(self, x):
        return np.cumsum(x * x * self.rng.normal(size=3))


def partial_target(x, rng):
    return np.cumsum(np.sin(x) * x * rng.normal(size=3))


RANDOM_FUNCTIONS = {
    "np.random.randn": global_numpy, "global Generator": global_generator, "Generator in a dict": generator_in_dict,
    "random.random": python_random, "closure": make_closure(), "default argument": default_argument,
    "helper": through_helper, "bound method": Model().__call__, "import numpy.random as npr": module_alias,
    "from numpy.random import": imported_function,
    "partial": functools.partial(partial_target, rng=np.random.default_rng(12)),
}


def _sources(f):
    """The generators ``f`` draws from (to reset them in the reference)."""
    objs = [np.random.mtrand._rand, random._inst, RNG, GENERATORS["noise"]]
    fn = getattr(f, "func", getattr(f, "__func__", f))
    objs += [c.cell_contents for c in getattr(fn, "__closure__", None) or ()]
    objs += list(getattr(fn, "__defaults__", None) or ()) + list(getattr(f, "keywords", {}).values())
    if hasattr(f, "__self__"):
        objs.append(f.__self__.rng)
    return [o for o in objs if isinstance(o, (np.random.Generator, np.random.RandomState, random.Random))]


def _state(objs):
    return [o.bit_generator.state if isinstance(o, np.random.Generator) else
            o.get_state() if isinstance(o, np.random.RandomState) else o.getstate() for o in objs]


def _set(objs, states):
    for o, s in zip(objs, states):
        if isinstance(o, np.random.Generator):
            o.bit_generator.state = s
        elif isinstance(o, np.random.RandomState):
            o.set_state(s)
        else:
            o.setstate(s)


def fd_jacobian(f, x, eps=1e-6):
    """Central differences, the generators reset before each evaluation: the draws fixed."""
    objs = _sources(f)
    start = _state(objs)
    cols = []
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = eps
        _set(objs, start)
        hi = f(x + e)
        _set(objs, start)
        lo = f(x - e)
        cols.append((hi - lo) / (2 * eps))
    _set(objs, start)
    return np.stack(cols, axis=-1)


def _after_one_run(f, x):
    """The next draws after one run of ``f`` (then the states put back)."""
    objs = _sources(f)
    start = _state(objs)
    f(x)
    after = _state(objs)
    _set(objs, start)
    return after


@pytest.mark.parametrize("how", ["forward", "reverse", "auto", "batched"])
@pytest.mark.parametrize("name", list(RANDOM_FUNCTIONS))
def test_every_direction_sees_the_same_draws(name, how):
    f = RANDOM_FUNCTIONS[name]
    reference = fd_jacobian(f, X)
    after = _after_one_run(f, X)
    if how == "batched":
        out, T = tl.jvp(f, (X,), (np.eye(3),), batched=True)
        jac = T.T
    else:
        jac = tl.jacobian(f, mode=how)(X)
    np.testing.assert_allclose(jac, reference, rtol=1e-6, atol=1e-8)
    # the generators go on as after one run of f (what a single batched pass leaves)
    for a, b in zip(_state(_sources(f)), after):
        assert str(a) == str(b)


def wide(x):   # n = 2 < m = 6: auto mode measures the output in reverse, then runs forward
    return np.cumsum(np.outer(np.sin(x), np.random.randn(3)))


def test_auto_forward_after_reverse_sees_the_reverse_pass_draws():
    x = np.array([0.4, -0.2])
    np.random.seed(3)
    reference = fd_jacobian(wide, x)
    np.random.seed(3)
    np.testing.assert_allclose(tl.jacobian(wide)(x), reference, rtol=1e-6, atol=1e-8)


def scalar_random(x):
    return np.sum(np.cumsum(x) ** 3 * np.random.randn(3))


def test_hessian_rows_see_the_same_draws():
    np.random.seed(5)
    noise = np.random.randn(3)
    lower = np.tril(np.ones((3, 3)))
    expected = lower.T @ np.diag(6 * np.cumsum(X) * noise) @ lower   # by hand
    np.random.seed(5)
    np.testing.assert_allclose(tl.hessian(scalar_random)(X), expected, rtol=1e-10)
    np.random.seed(5)
    np.random.randn(3)
    nxt = np.random.randn()
    np.random.seed(5)
    tl.hessian(scalar_random)(X)
    assert np.random.randn() == nxt   # one run's draws consumed


def scalar_generator(x):
    return np.sum(np.cumsum(x) ** 3 * RNG.normal(size=3))


@pytest.mark.parametrize("mode", ["forward", "reverse", "auto"])
def test_jacobian_of_the_gradient_sees_the_same_draws(mode):
    start = RNG.bit_generator.state
    noise = RNG.normal(size=3)
    after = RNG.bit_generator.state
    lower = np.tril(np.ones((3, 3)))
    expected = lower.T @ np.diag(6 * np.cumsum(X) * noise) @ lower   # by hand
    RNG.bit_generator.state = start
    np.testing.assert_allclose(tl.jacobian(tl.grad(scalar_generator), mode=mode)(X), expected, rtol=1e-10)
    assert str(RNG.bit_generator.state) == str(after)   # one run's draws consumed


def scalar_draws(t):
    return np.sin(t) * np.random.randn() + t ** 3 * random.random()


def test_derivatives_of_every_order_see_the_same_draws():
    np.random.seed(2)
    random.seed(2)
    a, b = np.random.randn(), random.random()
    np.random.seed(2)
    random.seed(2)
    got = tl.derivatives(scalar_draws, 0.4, 3)
    t = 0.4
    expected = [np.sin(t) * a + t ** 3 * b, np.cos(t) * a + 3 * t ** 2 * b, -np.sin(t) * a + 6 * t * b,
                -np.cos(t) * a + 6 * b]
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def rerun_in_place(x):   # its pullback re-runs the forward sweep when called again
    y = x * np.random.randn(3)
    y[0] = y[0] * y[1]
    return y


def test_pullback_rerun_sees_the_draws_of_the_forward_pass():
    np.random.seed(0)
    reference = fd_jacobian(rerun_in_place, X)
    np.random.seed(0)
    np.testing.assert_allclose(tl.jacobian(rerun_in_place, mode="reverse")(X), reference, rtol=1e-6, atol=1e-8)
    np.random.seed(0)
    out, pullback = tl.vjp(rerun_in_place, X)
    following = np.random.randn()   # the caller's own draws go on
    np.random.seed(0)
    np.random.randn(3)
    assert following == np.random.randn()
    np.testing.assert_allclose([pullback(e) for e in np.eye(3)], reference, rtol=1e-6, atol=1e-8)


def unseeded(x):
    return np.cumsum(x * np.random.default_rng().normal(size=x.shape))


def unseeded_scalar(x):
    return np.sum(np.cumsum(x) ** 2 * np.random.default_rng().normal(size=3))


@pytest.mark.parametrize("call", [
    lambda: tl.jvp(unseeded, (X,), (np.eye(3),), batched=True),
    lambda: tl.jacobian(unseeded, mode="forward")(X),
    lambda: tl.jacobian(lambda x: unseeded(np.concatenate([x, x]))[:5])(X[:2]),
    lambda: tl.hessian(unseeded_scalar)(X),
], ids=["batched", "forward", "auto", "hessian"])
def test_a_source_that_cannot_be_reset_is_refused(call):
    with pytest.raises(tl.ArgumentError, match="returned different values at the same point"):
        call()


def test_one_pass_needs_no_reset_and_runs_once():
    calls = []

    def logged(x):
        calls.append(1)
        return np.sin(x) * np.random.default_rng().normal(size=3)   # elementwise: one batched pass
    tl.jacobian(logged, mode="forward")(X)
    assert len(calls) == 1   # (it ran a reverse pass first, then the forward pass)
    tl.jacobian(logged, mode="reverse")(X)
    assert len(calls) == 2


# ------------------------------------------------------------------ F9: one kind of rule


def jvp_only(x):
    return np.sin(x) * 3.0


@tl.defjvp(jvp_only)
def jvp_only_jvp(x_dot, ans, x):
    return x_dot * np.cos(x) * 3.0


def vjp_only(x):
    return np.exp(x) * 2.0


@tl.defvjp(vjp_only)
def vjp_only_vjp(g, ans, x):
    return g * ans


def uses_jvp_only(x):
    return jvp_only(x * x)


def uses_jvp_only_wide(x):
    return jvp_only(np.outer(x, x))


def uses_vjp_only(x):
    return vjp_only(x * x)


def uses_vjp_only_wide(x):
    return vjp_only(np.outer(x, x))


@pytest.mark.parametrize("f, mode", [
    (uses_jvp_only, "forward"), (uses_jvp_only, "auto"), (uses_jvp_only_wide, "forward"),
    (uses_jvp_only_wide, "auto"), (uses_vjp_only, "reverse"), (uses_vjp_only, "auto"),
    (uses_vjp_only_wide, "reverse"), (uses_vjp_only_wide, "auto"),
])
def test_jacobian_needs_only_the_rules_of_its_mode(f, mode):
    np.testing.assert_allclose(tl.jacobian(f, mode=mode)(X), fd_jacobian(f, X), rtol=1e-6, atol=1e-8)


def test_batched_jvp_needs_only_jvp_rules():
    out, T = tl.jvp(uses_jvp_only_wide, (X,), (np.eye(3),), batched=True)
    np.testing.assert_allclose(np.moveaxis(T, 0, -1), fd_jacobian(uses_jvp_only_wide, X), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("call, rule", [
    (lambda: tl.jacobian(uses_jvp_only, mode="reverse")(X), r"@tl.defvjp\(.*jvp_only"),
    (lambda: tl.jacobian(uses_vjp_only, mode="forward")(X), r"@tl.defjvp\(.*vjp_only"),
    (lambda: tl.jvp(uses_vjp_only, (X,), (np.eye(3),), batched=True), r"@tl.defjvp\(.*vjp_only"),
    (lambda: tl.hvp(lambda x: np.sum(uses_jvp_only(x)), X, X), r"@tl.defvjp\(.*jvp_only"),   # forward over reverse
    (lambda: tl.hessian(lambda x: np.sum(uses_vjp_only(x)))(X), r"@tl.defjvp\(.*vjp_only"),
], ids=["jacobian reverse", "jacobian forward", "batched jvp", "hvp", "hessian"])
def test_the_missing_rule_is_named(call, rule):
    with pytest.raises(tl.NoRuleError, match=rule):
        call()


# ------------------------------------------------------------------ F11: batched container tangents

Pair = namedtuple("Pair", "a b")


def of_dict(d):
    return d["a"] * np.sum(d["b"] ** 2) + d["c"]


def of_list(L):
    return np.cumsum(L[0] * np.sum(np.sin(L[1])))   # (cumsum: one direction at a time)


def of_nested(t):
    return t[0]["w"] @ t[1][0] * t[1][1]


def of_namedtuple(p):
    return np.tanh(p.a) * p.b


def _rand(rng, *shape):
    return rng.normal(size=shape)


def _cases():
    rng = np.random.default_rng(1)
    k = 4
    return [
        (of_dict, {"a": _rand(rng, 2), "b": _rand(rng, 3), "c": 0.5},
         {"a": _rand(rng, k, 2), "b": _rand(rng, k, 3), "c": _rand(rng, k)}),
        (of_list, [_rand(rng, 2), _rand(rng, 3)], [_rand(rng, k, 2), _rand(rng, k, 3)]),
        (of_list, (_rand(rng, 2), _rand(rng, 3)), (_rand(rng, k, 2), _rand(rng, k, 3))),
        (of_nested, ({"w": _rand(rng, 2, 3)}, [_rand(rng, 3), 1.5]),
         ({"w": _rand(rng, k, 2, 3)}, [_rand(rng, k, 3), _rand(rng, k)])),
        (of_namedtuple, Pair(_rand(rng, 3), _rand(rng, 3)), Pair(_rand(rng, k, 3), _rand(rng, k, 3))),
    ]


def _direction(t, j):
    if isinstance(t, dict):
        return {key: _direction(v, j) for key, v in t.items()}
    if isinstance(t, (list, tuple)):
        items = [_direction(v, j) for v in t]
        return type(t)(*items) if hasattr(t, "_fields") else type(t)(items)
    return t[j]


@pytest.mark.parametrize("f, primal, tangent", _cases(), ids=["dict", "list", "tuple", "nested", "namedtuple"])
def test_batched_container_tangents_equal_one_direction_at_a_time(f, primal, tangent):
    out, T = tl.jvp(f, (primal,), (tangent,), batched=True)
    np.testing.assert_allclose(out, f(primal))
    for j in range(4):
        np.testing.assert_allclose(T[j], tl.jvp(f, (primal,), (_direction(tangent, j),))[1], rtol=1e-12)


@pytest.mark.parametrize("tangent, message", [
    ({"a": np.ones((4, 2)), "b": np.ones((4, 3))}, r"dict of 2, which does not match the dict of 3"),
    ({"a": np.ones((4, 2)), "b": np.ones((4, 3)), "d": np.ones(4)}, r"keys \['a', 'b', 'd'\]"),
    ({"a": np.ones((4, 2)), "b": np.ones((3, 3)), "c": np.ones(4)}, "the same number of directions"),
    ({"a": np.ones((4, 2)), "b": np.ones((4, 2)), "c": np.ones(4)}, r"tangent of 'd\['b'\]' has shape \(4, 2\)"),
])
def test_bad_batched_container_tangents_are_refused(tangent, message):
    d = {"a": np.ones(2), "b": np.ones(3), "c": 0.5}
    with pytest.raises(tl.ArgumentError, match=message):
        tl.jvp(of_dict, (d,), (tangent,), batched=True)
