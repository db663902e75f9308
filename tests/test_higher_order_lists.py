"""Higher-order and forward-mode derivatives of functions that build or take Python lists,
checked against central finite differences of lower-order results (breaker 25 #4, #5, #9)."""

import re

import numpy as np
import pytest

import tangent_lite as tl

EPS = 1e-5


def central(f, x, eps=EPS):
    """Central finite difference of f at the number x."""
    return (np.asarray(f(x + eps)) - np.asarray(f(x - eps))) / (2 * eps)


# ---------------------------------------------------------------- #9: forward tl.jacobian w.r.t. a list


def stacked(L):
    return np.stack([L[0] * L[1], L[2] ** 2, np.sin(L[0])])


def stacked_nested(L):
    return np.stack([L[0][0] * L[1][1], L[0][1], L[1][0] ** 2, L[0][0] * 3.0])


def fd_jacobian_of_list(f, L):
    x = np.array(L, dtype=float)
    cols = []
    for i in range(x.size):
        d = np.zeros(x.size)
        d[i] = EPS
        plus = (x.ravel() + d).reshape(x.shape).tolist()
        minus = (x.ravel() - d).reshape(x.shape).tolist()
        cols.append((np.ravel(f(plus)) - np.ravel(f(minus))) / (2 * EPS))
    out = np.asarray(f(L))
    return np.stack(cols, -1).reshape(out.shape + x.shape)


@pytest.mark.parametrize("mode", ["forward", "reverse", "auto"])
@pytest.mark.parametrize("f, L", [(stacked, [0.3, 1.2, 0.5]), (stacked, (0.3, 1.2, 0.5)),
                                  (stacked_nested, [[0.3, 1.2], [0.5, 0.7]])])
def test_jacobian_with_respect_to_a_list_in_every_mode(f, L, mode):
    # np.stack has no batched rule: forward mode takes one direction at a time, each shaped like L
    np.testing.assert_allclose(tl.jacobian(f, mode=mode)(L), fd_jacobian_of_list(f, L), rtol=1e-6, atol=1e-8)


# ---------------------------------------------------------------- list-building functions


def appended(x):
    L = [x, x * x]
    L.append(L[1] * L[0])
    return L[-1] + L[0]  # x**3 + x


def loop_built(x):
    L = [x, x * x]
    for k in range(4):
        L.append(L[-1] * np.sin(L[-2]) + L[k])
        L[k] = L[k] * 0.5
    return L[-1] + L[0] * L[3]


def concatenated(x):
    L = [x]
    for _ in range(3):
        L = L + [np.sin(L[-1]) * x]
    return L[-1] * L[1] + L[0]


def comprehended(x):
    L = [x * (k + 1.0) for k in range(3)]
    M = [np.cos(v) * x for v in L]
    return M[0] * M[2] + L[1] ** 2


def dict_built(x):
    d = {'a': x * 1.0, 'b': x * 0.5}
    for _ in range(2):
        d['a'] = d['a'] * np.cos(d['b'])
        d['b'] = d['b'] + d['a'] * x
    return d['a'] * d['b']


LIST_FUNCTIONS = [appended, loop_built, concatenated, comprehended, dict_built]
X0 = 0.7


# ---------------------------------------------------------------- #5: tl.hvp of a list-building f, differentiated


def hvp_inside(f):
    def h(x):
        return tl.hvp(f, x, 1.0)
    return h


@pytest.mark.parametrize("f", LIST_FUNCTIONS, ids=lambda f: f.__name__)
def test_differentiating_a_function_that_calls_hvp_of_a_list_function(f):
    # (it was refused: "'f_hvp' changes its argument 'x' in place", of a number x)
    h = hvp_inside(f)
    reference = central(lambda x: tl.hvp(f, x, 1.0), X0)  # f''' by differences of f''
    _, tangent = tl.jvp(h, (X0,), (1.0,))
    np.testing.assert_allclose(tangent, reference, rtol=1e-5, atol=1e-7)
    if f is dict_built:  # reverse over the reverse sweep that puts d['b'] back: refused at the user's line
        with pytest.raises(tl.errors.UnsupportedConstructError,
                           match=r"test_higher_order_lists.py:\d+: reverse mode over reverse mode.*\n.*d\['b'\] ="):
            tl.grad(h)(X0)
    else:
        np.testing.assert_allclose(tl.grad(h)(X0), reference, rtol=1e-5, atol=1e-7)


# ---------------------------------------------------------------- #4: third order, in every composition

THIRD_ORDER = {
    "grad_grad_grad": lambda f: tl.grad(tl.grad(tl.grad(f)))(X0),
    "jacobian_of_hessian": lambda f: tl.jacobian(tl.hessian(f))(X0),
    "hvp_of_grad": lambda f: tl.hvp(tl.grad(f), X0, 1.0),
    "jvp_of_grad_grad": lambda f: tl.jvp(tl.grad(tl.grad(f)), (X0,), (1.0,))[1],
    "derivatives": lambda f: tl.derivatives(f, X0, 3)[3],
}
REVERSE_OVER_REVERSE = [appended, loop_built, concatenated, comprehended]


@pytest.mark.parametrize("how", sorted(THIRD_ORDER))
@pytest.mark.parametrize("f", REVERSE_OVER_REVERSE, ids=lambda f: f.__name__)
def test_third_derivative_of_a_list_function(f, how):
    reference = central(tl.grad(tl.grad(f)), X0)  # differences of the second derivative
    np.testing.assert_allclose(THIRD_ORDER[how](f), reference, rtol=1e-5, atol=1e-7)


def test_second_derivative_of_a_list_function_is_right_in_both_modes():
    for f in LIST_FUNCTIONS:
        reference = central(tl.grad(f), X0)
        np.testing.assert_allclose(tl.hvp(f, X0, 1.0), reference, rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(tl.derivatives(f, X0, 2)[2], reference, rtol=1e-5, atol=1e-7)


def test_reverse_over_reverse_of_dict_item_writes_is_refused_with_the_line():
    # the reverse sweep of d['b'] = ... puts the old entry back (_tl.restore_item), which a
    # second reverse sweep cannot follow: refused, naming the user's line and what to use instead
    with pytest.raises(tl.errors.UnsupportedConstructError, match=r"test_higher_order_lists.py:\d+.*\n.*d\['b'\]"):
        tl.grad(tl.grad(dict_built))(X0)
    # forward over reverse is right
    np.testing.assert_allclose(tl.hvp(dict_built, X0, 1.0), central(tl.grad(dict_built), X0), rtol=1e-5)


# ---------------------------------------------------------------- s = W[k]; s *= 2 with W at module level

W_ARRAYS = [np.array([1.0, 2.0]), np.array([3.0, 4.0])]  # entries are arrays: s *= 2 changes them
W_ROWS = np.array([[1.0, 2.0], [3.0, 4.0]])               # W_ROWS[k] is a view: changed too
W_VECTOR = np.array([1.5, 2.5])
W_FLOATS = [1.5, 2.5]                                    # numbers: s *= 2 makes a new one


def scaled_entries_of_arrays(x):
    tot = 0.0
    for k in range(2):
        s = W_ARRAYS[k]
        s *= 2.0
        tot = tot + np.sum(s * x)
    return tot


def scaled_rows(x):
    tot = 0.0
    for k in range(2):
        s = W_ROWS[k]
        s *= 2.0
        tot = tot + np.sum(s * x)
    return tot


def scaled_float_entries(x):
    tot = 0.0
    for k in range(2):
        s = W_FLOATS[k]
        s *= 2.0
        tot = tot + np.sum(s * np.sin(x))
    return tot


def scaled_vector_slice(x):
    k = slice(0, 2)
    s = W_VECTOR[k]
    s *= 2.0
    return np.sum(s * x)


@pytest.mark.parametrize("f", [scaled_float_entries])
def test_a_number_taken_from_a_module_level_entry_is_replaced_as_in_python(f):
    x = np.array([0.3, 0.7])
    before = list(W_FLOATS)
    fd = np.array([(f(x + EPS * d) - f(x - EPS * d)) / (2 * EPS) for d in np.eye(2)])
    np.testing.assert_allclose(tl.grad(f)(x), fd, rtol=1e-6)
    np.testing.assert_allclose(tl.jvp(f, (x,), (np.ones(2),))[1], fd.sum(), rtol=1e-6)
    np.testing.assert_allclose(tl.hvp(f, x, np.ones(2)), central(lambda t: tl.grad(f)(x + t * np.ones(2)), 0.0),
                               rtol=1e-5, atol=1e-8)
    assert W_FLOATS == before


@pytest.mark.parametrize("f, spelled", [(scaled_entries_of_arrays, "W_ARRAYS[k]"), (scaled_rows, "W_ROWS[k]"),
                                        (scaled_vector_slice, "W_VECTOR[k]")])
def test_an_array_taken_from_a_module_level_entry_and_changed_in_place_is_refused(f, spelled):
    # Python's s *= 2 changes that array (an entry, a row view, a slice view) in place
    x = np.array([0.3, 0.7])
    for transform in (lambda: tl.grad(f)(x), lambda: tl.jvp(f, (x,), (np.ones(2),))):
        with pytest.raises(tl.errors.UnsupportedConstructError,
                           match=rf"'s \*= 2.0' changes the module-level '{re.escape(spelled)}' in place "
                                 r"\(through 's'\): Python changes that memory"):
            transform()



# ---------------------------------------------------------------- lists aliased after appends (L = acc)


def aliased_after_appends(x):
    acc = []
    for i in range(3):
        acc.append(x * x * (i + 1.0))
    L = acc
    return L[0] * L[1] * L[2]


def aliased_in_the_loop(x):
    acc = []
    s = 0.0
    for i in range(3):
        acc.append(np.sin(x) * (i + 1.0))
        L = acc
        s = s + L[-1] * L[0]
    return s


def aliased_into_a_tuple(x):
    acc = []
    for i in range(3):
        acc.append(x * (i + 1.0))
    L = acc
    t = (L, x)
    return t[0][0] * t[0][2] * np.cos(t[1])


def aliased_then_written(x):
    acc = []
    for i in range(3):
        acc.append(x * (i + 1.0))
    L = acc
    L[1] = L[1] * np.sin(x)
    return L[0] * L[1] * L[2]


ALIASED = [aliased_after_appends, aliased_in_the_loop, aliased_into_a_tuple, aliased_then_written]


@pytest.mark.parametrize("how", sorted(THIRD_ORDER))
@pytest.mark.parametrize("f", ALIASED, ids=lambda f: f.__name__)
def test_third_derivative_of_a_list_aliased_after_appends(f, how):
    # (grad of grad of grad crashed: the sweep pops acc and acc_bar in place, which L and L_bar saw
    # through the alias; the forward sweep binds L to a copy now, and acc_bar to a copy of L_bar)
    reference = central(lambda x: tl.derivatives(f, x, 2)[2], X0)  # differences of the second derivative
    np.testing.assert_allclose(THIRD_ORDER[how](f), reference, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("f", ALIASED, ids=lambda f: f.__name__)
def test_first_and_second_derivatives_of_a_list_aliased_after_appends(f):
    d1 = central(f, X0)
    np.testing.assert_allclose(tl.grad(f)(X0), d1, rtol=1e-6)
    np.testing.assert_allclose(tl.jvp(f, (X0,), (1.0,))[1], d1, rtol=1e-6)
    d2 = central(lambda x: tl.derivatives(f, x, 1)[1], X0)
    np.testing.assert_allclose(tl.grad(tl.grad(f))(X0), d2, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(tl.hvp(f, X0, 1.0), d2, rtol=1e-5, atol=1e-7)


def test_the_alias_of_a_list_changed_in_place_is_a_copy_in_reverse_mode():
    text = tl.source(aliased_after_appends)
    assert "L = _tl.copied(acc)" in text and "acc_bar = _tl.copied(L_bar)" in text, text


# ---------------------------------------------------------------- comprehensions (appending in place) and entry writes


def comprehension_product(x):
    L = [np.sin(x) * (k + 1.0) for k in range(4) if k != 2]
    return L[0] * L[1] * L[2] + L[1] ** 2


def nested_comprehension(x):
    M = [[x * (i + 1.0) + np.cos(x * j) for j in range(2)] for i in range(3)]
    return M[0][1] * M[2][0] + M[1][1] * x


def comprehension_over_a_comprehension(x):
    L = [x * (k + 0.5) for k in range(3)]
    M = [np.sin(v) * v for v in L]
    return M[0] * M[2] + sum(M)


def entry_writes_in_a_loop(x):
    L = [x * (k + 1.0) for k in range(4)]
    for k in range(4):
        L[k] = L[k] * np.sin(L[k - 1])
    return L[0] * L[3] + L[2]


def comprehension_in_a_loop(x):
    s = 0.0
    for i in range(2):
        L = [np.sin(x * (k + i)) for k in range(3)]
        s = s + L[0] * L[2]
    return s


ORDERS_1_TO_3 = [comprehension_product, nested_comprehension, comprehension_over_a_comprehension,
                 entry_writes_in_a_loop, comprehension_in_a_loop]
ORDER = {
    "1 reverse": (1, lambda f: tl.grad(f)(X0)),
    "1 forward": (1, lambda f: tl.jvp(f, (X0,), (1.0,))[1]),
    "2 reverse": (2, lambda f: tl.grad(tl.grad(f))(X0)),
    "2 forward over reverse": (2, lambda f: tl.hvp(f, X0, 1.0)),
    "2 forward": (2, lambda f: tl.derivatives(f, X0, 2)[2]),
    **{f"3 {how}": (3, third) for how, third in THIRD_ORDER.items()},
}


@pytest.mark.parametrize("order", sorted(ORDER))
@pytest.mark.parametrize("f", ORDERS_1_TO_3, ids=lambda f: f.__name__)
def test_comprehensions_and_entry_writes_at_orders_1_to_3(f, order):
    n, derivative = ORDER[order]
    lower = [f, lambda x: tl.derivatives(f, x, 1)[1], lambda x: tl.derivatives(f, x, 2)[2]][n - 1]
    np.testing.assert_allclose(derivative(f), central(lower, X0), rtol=1e-5, atol=1e-7)


def _built_and_aliased(x):
    acc = []
    for i in range(3):
        acc.append(x * (i + 1.0))
    L = acc
    return L


def aliased_and_returned(x):
    M = _built_and_aliased(x)
    return M[0] * M[1] * np.sin(M[2])


@pytest.mark.parametrize("how", [
    pytest.param(how, marks=pytest.mark.xfail(
        raises=tl.errors.UnsupportedConstructError, strict=True,
        reason="open: a list a callee returns is also its pullback's residual, which the pullback pops in place; "
               "reverse over reverse over reverse of the caller does not follow that")) if how == "grad_grad_grad"
    else how for how in sorted(THIRD_ORDER)])
def test_third_derivative_of_a_list_a_callee_returns(how):
    reference = central(lambda x: tl.derivatives(aliased_and_returned, x, 2)[2], X0)
    np.testing.assert_allclose(THIRD_ORDER[how](aliased_and_returned), reference, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(tl.grad(tl.grad(aliased_and_returned))(X0),
                               central(tl.grad(aliased_and_returned), X0), rtol=1e-5, atol=1e-7)
