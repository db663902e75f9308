"""What tangent_lite does with the arguments it is handed (tangent_lite/arguments.py):
functools.partial targets (bound arguments are constants), and the messages of the
checks on the function, wrt, argument values, tangents, cotangents and outputs."""

import functools
import inspect

import numpy as np
import pytest

import tangent_lite as tl

X = np.array([0.3, 1.2, -0.4])
Y = np.array([0.7, -0.5, 2.0])


def weighted(x, y, scale=1.5):
    return np.sum(scale * x * y + np.sin(x * y))


def two_out(x, y):
    return np.sum(x * y), np.sum(np.cos(x))


def vector(x):
    return np.sin(x) * 3.0


def nothing_returned(x):
    y = np.sum(x * x)

    def inner(z):
        return z  # a return of a nested def does not count

    inner(y)


@tl.differentiate
def decorated_nothing(x):
    np.sum(x)


def sometimes_none(x):
    if np.sum(x) > 100.0:
        return np.sum(x)


def as_dict(x):
    return {"loss": np.sum(x * x)}


def as_list(x):
    return [np.sum(x), np.sum(x * x)]


def kw_scaled(x, *, scale):
    return np.sum(x) * scale


class Scaler:
    def __call__(self, x):
        return np.sum(x) * 2.0


def central(f, x, eps=1e-6):
    """Central differences of scalar ``f`` at array ``x``."""
    g = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e.flat[i] = eps
        g.flat[i] = (f(x + e) - f(x - e)) / (2 * eps)
    return g


def message(excinfo):
    text = str(excinfo.value)
    assert "To fix" in text or "did you mean" in text, text
    return text


# ---------------------------------------------------------------- functools.partial


def test_partial_keyword_bound_gradient_matches_finite_differences():
    p = functools.partial(weighted, y=Y, scale=0.25)
    expected = central(lambda x: weighted(x, Y, 0.25), X)
    np.testing.assert_allclose(tl.grad(p)(X), expected, rtol=1e-6, atol=1e-8)
    value, g = tl.value_and_grad(p)(X)
    assert value == pytest.approx(weighted(X, Y, 0.25))
    np.testing.assert_allclose(g, expected, rtol=1e-6, atol=1e-8)


def test_partial_positional_bound_wrt_counts_the_remaining_arguments():
    p = functools.partial(weighted, X)  # x is bound: index 0 is y now
    expected_y = central(lambda y: weighted(X, y), Y)
    np.testing.assert_allclose(tl.grad(p)(Y), expected_y, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(tl.grad(p, wrt="y")(Y), expected_y, rtol=1e-6, atol=1e-8)
    gy, gs = tl.grad(p, wrt=(0, 1))(Y, 2.0)
    np.testing.assert_allclose(gy, central(lambda y: weighted(X, y, 2.0), Y), rtol=1e-6, atol=1e-8)
    assert gs == pytest.approx(np.sum(X * Y), rel=1e-10)


def test_partial_call_arguments_override_bound_keywords_like_calling_it():
    p = functools.partial(weighted, scale=0.25)
    g = tl.grad(p)(X, Y, scale=3.0)  # as p(X, Y, scale=3.0) would run
    np.testing.assert_allclose(g, central(lambda x: weighted(x, Y, 3.0), X), rtol=1e-6, atol=1e-8)


def test_partial_vjp_and_jvp_agree_with_finite_differences():
    p = functools.partial(vector)
    out, pullback = tl.vjp(functools.partial(weighted, y=Y), X)
    assert out == pytest.approx(weighted(X, Y))
    np.testing.assert_allclose(pullback(1.0), central(lambda x: weighted(x, Y), X), rtol=1e-6, atol=1e-8)
    out, t = tl.jvp(functools.partial(weighted, y=Y), (X,), (np.ones(3),))
    assert t == pytest.approx(np.sum(central(lambda x: weighted(x, Y), X)), rel=1e-6)
    out, t = tl.jvp(p, (X,), (Y,))
    np.testing.assert_allclose(t, 3.0 * np.cos(X) * Y)


def test_partial_of_a_differentiable_and_its_source():
    d = tl.differentiate(weighted)
    p = functools.partial(d, y=Y)
    np.testing.assert_allclose(tl.grad(p)(X), tl.grad(weighted)(X, Y))
    assert "def weighted_vjp" in tl.source(p)


def test_partial_bound_argument_cannot_be_differentiated():
    with pytest.raises(tl.ArgumentError) as info:
        tl.grad(functools.partial(weighted, y=Y), wrt="y")
    text = message(info)
    assert "'y'" in text and "partial" in text and "constant" in text
    with pytest.raises(tl.ArgumentError) as info:
        tl.grad(functools.partial(weighted, X), wrt=2)  # y and scale remain: index 2 is out of range
    assert "y, scale" in message(info)


def test_check_grads_takes_a_partial():  # (its bound arguments passed first, held constant: issue 14)
    tl.check_grads(functools.partial(weighted, y=Y), (X,), order=2)
    tl.check_grads(functools.partial(weighted, X), (Y,), order=2)


def test_every_transformation_takes_a_partial():
    p = functools.partial(weighted, y=Y)
    H = np.diag(-np.sin(X * Y) * Y ** 2)  # hand-derived: the Hessian of sum(1.5 x y + sin(x y)) in x
    np.testing.assert_allclose(tl.hessian(p)(X), H, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(tl.jacobian(tl.grad(p))(X), H, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(tl.hvp(p, X, Y), H @ Y, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(tl.jacobian(p)(X), 1.5 * Y + np.cos(X * Y) * Y, rtol=1e-12)
    cube = functools.partial(lambda t, a: a * t ** 3, a=2.0)
    assert tl.derivatives(cube, 1.5, 3) == pytest.approx([6.75, 13.5, 18.0, 12.0])


# ---------------------------------------------------------------- the function


@pytest.mark.parametrize("thing, words", [
    (3, ["3 (int)"]),
    (Scaler, ["class", "Scaler"]),
])
def test_what_is_not_a_function_is_refused(thing, words):
    with pytest.raises(tl.ArgumentError) as info:
        tl.grad(thing)(X)
    text = message(info)
    for word in words:
        assert word in text


def test_callable_objects_are_differentiated_with_the_object_held_constant():
    np.testing.assert_allclose(tl.grad(Scaler())(X), np.full(3, 2.0))
    np.testing.assert_allclose(tl.grad(Scaler.__call__, wrt=1)(Scaler(), X), np.full(3, 2.0))


# ---------------------------------------------------------------- wrt


def test_wrt_typo_suggests_the_argument():
    with pytest.raises(tl.ArgumentError) as info:
        tl.grad(weighted, wrt="scael")
    text = message(info)
    assert "did you mean wrt='scale'" in text and "x, y, scale" in text


@pytest.mark.parametrize("wrt, words", [
    (3, ["wrt=3", "from 0 to 2"]),
    (-4, ["wrt=-4", "-3 to -1"]),
    ((0, 0), ["twice", "wrt='x'"]),
    ((1, "x", "y"), ["twice", "wrt=('y', 'x')"]),
    ({0}, ["set"]),
    ([0, 2.0], ["2.0 (float)"]),
])
def test_wrt_messages(wrt, words):
    with pytest.raises(tl.ArgumentError) as info:
        tl.grad(weighted, wrt=wrt)
    text = message(info)
    for word in words:
        assert word in text, text


# ---------------------------------------------------------------- argument values


@pytest.mark.parametrize("value, words", [
    ("abc", ["'x'", "str"]),
    (b"abc", ["'x'", "bytes"]),
    (None, ["'x'", "None"]),
    (np.array(["a", "b"]), ["'x'", "dtype <U1"]),
    (np.array([1, 2, 3]), ["'x'", "integer", "astype(float)"]),
])
def test_non_float_arguments_are_refused(value, words):
    for call in (lambda: tl.grad(vector)(value), lambda: tl.vjp(vector, value),
                 lambda: tl.jvp(vector, (value,), (np.ones(3),))):
        with pytest.raises(tl.ArgumentError) as info:
            call()
        text = message(info)
        for word in words:
            assert word in text, text
        assert "NoneType" not in text


def test_non_float_argument_outside_wrt_is_fine():
    out, pullback = tl.vjp(lambda x, label: x * 2.0, X, "label")
    np.testing.assert_allclose(pullback(np.ones(3)), np.full(3, 2.0))


def test_call_mistakes_show_the_signature():
    with pytest.raises(tl.ArgumentError) as info:
        tl.grad(kw_scaled)(X, 2.0)
    text = message(info)
    assert "kw_scaled(x, *, scale)" in text and "scale must be passed by name" in text
    assert tl.grad(kw_scaled)(X, scale=2.0) == pytest.approx(np.full(3, 2.0))
    with pytest.raises(tl.ArgumentError) as info:
        tl.grad(weighted)(X)
    assert "'y'" in message(info)


# ---------------------------------------------------------------- cotangents and tangents


def test_cotangent_messages():
    _, pullback = tl.vjp(two_out, X, Y)
    with pytest.raises(tl.ArgumentError) as info:
        pullback(1.0)
    assert "tuple of 2" in message(info)
    with pytest.raises(tl.ArgumentError) as info:
        pullback((1.0,))
    assert "1 entries" in message(info)
    with pytest.raises(tl.ArgumentError) as info:
        pullback((1.0, np.ones(3)))  # the second output is a scalar
    assert "(3,)" in message(info)
    _, pullback = tl.vjp(vector, X)
    with pytest.raises(tl.ArgumentError) as info:
        pullback(np.ones((3, 1)))
    assert "(3, 1)" in message(info) and "(3,)" in str(info.value)


def test_tangent_messages():
    with pytest.raises(tl.ArgumentError) as info:
        tl.jvp(weighted, (X, Y), (X, X, X, X))
    assert "between 1 and 3 tangents" in message(info)
    with pytest.raises(tl.ArgumentError) as info:
        tl.jvp(weighted, (X, Y), (X,), wrt=("x", "y"))
    assert "1 tangent for 2 wrt arguments (x, y)" in message(info)
    with pytest.raises(tl.ArgumentError) as info:
        tl.jvp(vector, (X,), (np.ones((2, 3)),), batched=False)
    assert "(2, 3)" in message(info)
    with pytest.raises(tl.ArgumentError) as info:
        tl.jvp(vector, (X,), (np.ones(3),), batched=True)
    assert "batched" in message(info)


# ---------------------------------------------------------------- outputs


def _def_line(fn):
    lines, first = inspect.getsourcelines(inspect.unwrap(fn))
    return first + next(i for i, line in enumerate(lines) if line.lstrip().startswith("def "))


@pytest.mark.parametrize("fn", [nothing_returned, decorated_nothing], ids=["plain", "decorated"])
def test_no_return_statement_is_refused_at_the_def_line(fn):
    target = fn.fn if isinstance(fn, tl.Differentiable) else fn
    line = _def_line(target)
    for call in (lambda: tl.grad(fn), lambda: tl.vjp(fn, X), lambda: tl.jvp(fn, (X,), (X,)),
                 lambda: fn.grad(X) if isinstance(fn, tl.Differentiable) else tl.value_and_grad(fn)):
        with pytest.raises(tl.ArgumentError) as info:
            call()
        text = message(info)
        assert "no return statement" in text and "None" in text
        assert info.value.location.lineno == line
        assert info.value.location.text.strip().startswith("def ")
        assert text.startswith(f"{info.value.location.filename}:{line}: ")


def test_none_returned_on_some_path_is_refused_at_run_time():
    g = tl.grad(sometimes_none)  # it has a return: accepted when transformed
    with pytest.raises(tl.NonScalarOutputError) as info:
        g(X)
    text = message(info)
    assert "returned None" in text and info.value.location.lineno == _def_line(sometimes_none)
    np.testing.assert_allclose(g(X + 100.0), np.ones(3))


@pytest.mark.parametrize("fn, word", [(as_dict, "dict"), (as_list, "list"), (vector, "(3,)")])
def test_non_scalar_outputs_to_grad(fn, word):
    for _ in range(2):  # again from the caches
        with pytest.raises(tl.NonScalarOutputError) as info:
            tl.value_and_grad(fn)(X)
        text = message(info)
        assert word in text and "scalar" in text
        assert info.value.__cause__ is None and info.value.__context__ is None
