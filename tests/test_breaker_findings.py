"""What the breaker rounds found (a user attacking tangent_lite from the outside), as tests.

Every case gave a wrong or stale number, or crashed inside the library, before it was fixed;
each is compared with plain Python, hand-derived derivatives or finite differences.
"""

import builtins
import subprocess
import sys

import numpy as np
import pytest

import tangent_lite as tl
from tangent_lite.errors import TangentLiteError

# ------------------------------------------------------------------ loop variables of range loops


def range_variable_replaces_a_value(x):
    i = x * 2.0
    for i in range(3):  # noqa: B007 - i is read after the loop
        pass
    return x * i  # i == 2: f = 2x


def range_variable_rebound_in_body(x):
    s = 0.0
    for i in range(3):
        i = i + x  # noqa: PLW2901
        s = s + i * i
    return s  # sum_k (k + x)^2


def range_variable_after_break(x):
    k = x * 2.0
    for k in range(5):
        if k == 2:
            break
    return k * x


@pytest.mark.parametrize("f, expected", [
    (range_variable_replaces_a_value, 2.0),
    (range_variable_rebound_in_body, 2 * (3 * 0.7 + 3)),
    (range_variable_after_break, 2.0),
])
def test_range_loop_variable(f, expected):
    assert tl.value_and_grad(f)(0.7) == pytest.approx((f(0.7), expected))
    assert tl.jvp(f, (0.7,), (1.0,)) == pytest.approx((f(0.7), expected))


# ------------------------------------------------------------------ module-level helpers named like builtins

SHADOWING_MODULE = '''
import builtins


def reversed(seq):
    return list(builtins.reversed(list(seq)))[:1]


def len(x):
    return 1


def range(*args):
    return builtins.range(1, *args[1:]) if args else builtins.range(0)


def power(x, n):
    y = 1.0
    for i in builtins.range(n):
        y = y * x
    return y


def total(xs):
    s = 0.0
    for v in xs:
        s = s + v * v
    return s
'''


def test_module_level_helpers_named_like_builtins_do_not_leak(tmp_path, monkeypatch):
    (tmp_path / "tl_shadowing.py").write_text(SHADOWING_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    import tl_shadowing as m

    assert tl.grad(m.power)(1.5, 3) == pytest.approx(3 * 1.5 ** 2)
    value, g = tl.value_and_grad(m.total)([1.0, 2.0, 3.0])
    assert value == 14.0 and g == [2.0, 4.0, 6.0]
    x = np.array([1.0, 2.0, 3.0, 4.0])
    assert tl.value_and_grad(m.total)(x)[1] == pytest.approx(2 * x)
    assert builtins.len(x) == 4


# ------------------------------------------------------------------ helpers that change their arguments


def set_first(y, v):
    y[0] = v
    return 0.0


def bump(y, v):
    y += v
    return 0.0


def bump_number(s, v):
    s += v
    return s


def calls_set_first(x):
    y = x * 1.0
    t = set_first(y, 3.0 * x[1])
    return np.sum(y * y) + t


def calls_bump(x):
    y = x * 1.0
    t = bump(y, x * x)
    return np.sum(y) + t


def calls_bump_number(x):
    return bump_number(x[0] * 1.0, x[1]) * 2.0


@pytest.mark.parametrize("f", [calls_set_first, calls_bump])
def test_helpers_changing_the_callers_array_are_refused(f):
    with pytest.raises(TangentLiteError, match="changes its argument 'y'"):
        tl.grad(f)(np.array([0.3, -1.2, 0.8]))


def test_helpers_updating_a_number_are_fine():
    x = np.array([0.3, -1.2])
    np.testing.assert_allclose(tl.grad(calls_bump_number)(x), [2.0, 2.0])


HISTORY = []


def logs_to_a_module_list(x):
    HISTORY.append(x * x)
    return HISTORY[-1] * x


def test_changing_a_module_level_list_is_refused():
    with pytest.raises(TangentLiteError, match="module-level 'HISTORY'"):
        tl.grad(logs_to_a_module_list)(0.7)


# ------------------------------------------------------------------ lambdas and defaults

fourth = lambda x: x ** 4  # noqa: E731 - a module-level lambda


def calls_a_module_lambda(x):
    return fourth(x) + x


def captures_with_defaults(x):
    k = 3.0 * x
    g = lambda z, k=k: z * k  # noqa: E731 - the "capture now" idiom
    k = 5.0

    def h(z, m=k * 2.0):
        return z * m
    return g(x) + h(x)


def test_lambdas_and_captured_defaults():
    assert tl.grad(calls_a_module_lambda)(0.5) == pytest.approx(4 * 0.5 ** 3 + 1)
    assert tl.value_and_grad(captures_with_defaults)(0.7) == pytest.approx((3 * 0.49 + 7.0, 6 * 0.7 + 10.0))


def scaled_square(x, a=2.0):
    return a * x * x


def calls_scaled_square(x):
    return scaled_square(x) + x


def test_changed_default_values_are_followed():
    try:
        assert tl.grad(scaled_square)(1.0) == pytest.approx(4.0)
        assert tl.grad(calls_scaled_square)(1.0) == pytest.approx(5.0)
        scaled_square.__defaults__ = (5.0,)
        assert tl.value_and_grad(scaled_square)(1.0) == pytest.approx((5.0, 10.0))
        assert tl.grad(calls_scaled_square)(1.0) == pytest.approx(11.0)
    finally:
        scaled_square.__defaults__ = (2.0,)


DEFAULT_FROM_ENVIRONMENT = '''
import os
import sys
import tangent_lite as tl
A = float(os.environ["A"])
def callee(x, a=A):
    return a * x * x
def f(x):
    return callee(x) + x
print(repr(tl.grad(f)(1.0)))
'''


def test_defaults_of_callees_are_part_of_the_disk_key(tmp_path):
    script = tmp_path / "tl_default_env.py"
    script.write_text(DEFAULT_FROM_ENVIRONMENT)
    got = []
    for a in ("2.0", "5.0", "2.0"):
        env = {"A": a, "TANGENT_LITE_CACHE_DIR": str(tmp_path / "cache"), "PYTHONPATH": ":".join(sys.path)}
        out = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, check=True,
                             timeout=120)
        got.append(float(out.stdout))
    assert got == pytest.approx([5.0, 11.0, 5.0])


# ------------------------------------------------------------------ nothing returned aliases the caller's arrays


def shift(x):
    return x + 2.0


def exponential(x):
    return np.exp(x)


def test_results_never_alias_the_callers_arrays():
    x = np.array([0.3, -1.2, 0.8])
    _, pullback = tl.vjp(shift, x)
    ct = np.ones(3)
    g = pullback(ct)
    g *= 0.01
    np.testing.assert_array_equal(ct, np.ones(3))
    e = np.zeros(3)
    rows = []
    for i in range(3):
        e[:] = 0.0
        e[i] = 1.0
        rows.append(pullback(e))
    np.testing.assert_array_equal(rows, np.eye(3))
    t = np.ones(3)
    _, tangent = tl.jvp(shift, (x,), (t,))
    assert tangent is not t and not np.shares_memory(tangent, t)
    out, pullback = tl.vjp(exponential, np.array([0.0, 1.0]))
    out[:] = 0.0
    np.testing.assert_allclose(pullback(np.ones(2)), [1.0, np.e])



# ------------------------------------------------------------------ checkpointed loops


def checkpointed_in_place(x, n):
    y = x * 1.0
    for t in tl.checkpointed(range(n), snapshots=2):
        y[t % 3] = y[(t + 1) % 3] * y[t % 3] + 0.1
    return np.sum(y ** 2)


def checkpointed_variable_read_after(x, n):
    t = 0
    for t in tl.checkpointed(range(n), snapshots=2):  # noqa: B007 - read after the loop
        x = x * 1.1
    return x * t


def checkpointed_variable_only_from_the_loop(x, n):
    for t in tl.checkpointed(range(n), snapshots=2):  # noqa: B007 - read after the loop
        x = x * 1.1
    return x * t


@pytest.mark.parametrize("n", [1, 2, 6, 9])
def test_checkpointed_loop_changing_its_state_in_place(n):
    x = np.array([0.3, 0.5, 0.7])
    h = 1e-6
    numeric = [(checkpointed_in_place(x + h * e, n) - checkpointed_in_place(x - h * e, n)) / (2 * h)
               for e in np.eye(3)]
    np.testing.assert_allclose(tl.grad(checkpointed_in_place)(x.copy(), n), numeric, rtol=1e-6, atol=1e-9)
    np.testing.assert_array_equal(x, [0.3, 0.5, 0.7])


def test_checkpointed_loop_variable_read_after_the_loop():
    value, g = tl.value_and_grad(checkpointed_variable_read_after)(0.7, 4)
    assert (value, g) == pytest.approx((0.7 * 1.1 ** 4 * 3, 1.1 ** 4 * 3))
    with pytest.raises(TangentLiteError, match="checkpointed loop is read after the loop"):
        tl.grad(checkpointed_variable_only_from_the_loop)(0.7, 4)


# ------------------------------------------------------------------ messages and structured arguments


def logged(fn):
    import functools

    @functools.wraps(fn)
    def wrapper(x):
        return fn(x)
    return wrapper


@logged
def wrapped_square(x):
    return x * x


def test_a_functools_wraps_wrapper_is_differentiated_as_it_runs():
    assert tl.grad(wrapped_square)(0.5) == pytest.approx(1.0)


def dict_params(p):
    return p["a"] ** 2 * p["b"]


def test_structured_arguments_are_checked():
    p = {"a": 1.5, "b": 2.0}
    assert tl.grad(dict_params)(p) == pytest.approx({"a": 6.0, "b": 2.25})
    with pytest.raises(tl.ArgumentError, match="float or a float array"):
        tl.hessian(dict_params)(p)
    with pytest.raises(tl.ArgumentError, match="keys"):
        tl.jvp(dict_params, (p,), ({"a": 1.0, "B": 0.0},))


def accumulates_through_an_alias(x):
    a = x * 1.0
    acc = a
    for _ in range(2):
        acc += x
    return np.sum(a * acc)


def test_refusals_name_the_users_code():
    with pytest.raises(TangentLiteError, match=r"'acc \+= \.\.\.' changes 'acc' in place"):
        tl.grad(accumulates_through_an_alias)(np.ones(2))


# ------------------------------------------------------------------ round 2


def squared(z):
    return z * z


def checkpointed_calls_a_helper(x, n):
    for _ in tl.checkpointed(range(n), snapshots=2):
        x = squared(x)
    return x


def test_checkpointed_loop_calling_a_user_function():
    assert tl.grad(checkpointed_calls_a_helper)(1.5, 2) == pytest.approx(4 * 1.5 ** 3)
    assert tl.grad(checkpointed_calls_a_helper)(0.9, 5) == pytest.approx(32 * 0.9 ** 31)


def doubles_in_place(a):
    a[:] = a * 2.0
    return a


def passes_it_on(a):
    return doubles_in_place(a)


def changes_through_a_second_function(x):
    y = x * 1.0
    passes_it_on(y)
    return np.sum(y * x)


def positional_out_ufunc(x):
    y = x * 1.0
    np.multiply(y, 2.0, y)
    return np.sum(y * x)


def positional_out_unary(x):
    y = x * 1.0
    np.sin(y, y)
    return np.sum(y * x)


def positional_out_method(x):
    y = x * 1.0
    y.clip(-0.5, 0.5, y)
    return np.sum(y * x)


def writes_through_einsum_view(A):
    B = A * 1.0
    np.einsum("ii->i", B)[0] = 7.0 * A[0, 0]
    return np.sum(B * A)


@pytest.mark.parametrize("f, arg", [
    (changes_through_a_second_function, np.array([0.3, -1.2])),
    (positional_out_ufunc, np.array([0.3, -1.2, 0.8])),
    (positional_out_unary, np.array([0.3, -1.2, 0.8])),
    (positional_out_method, np.array([0.3, -1.2, 0.8])),
    (writes_through_einsum_view, np.array([[0.5, -0.4], [2.6, 1.4]])),
])
def test_in_place_changes_the_derivative_could_miss_are_refused(f, arg):
    with pytest.raises(TangentLiteError, match="in place|shares its array"):
        tl.grad(f)(arg)


def masked_logsumexp(x):
    s = np.where(x > -1.0, x, -np.inf)
    m = np.max(s)
    return m + np.log(np.sum(np.exp(s - m)))


def sqrt_of_positive_part(x):
    return np.sum(np.sqrt(np.maximum(x, 0.0)))


def test_infinite_values_selected_away_stay_out_of_derivatives():
    x = np.array([0.3, -1.2, 0.8])
    g = tl.grad(masked_logsumexp)(x)
    w = np.exp(x[[0, 2]]) / np.sum(np.exp(x[[0, 2]]))
    np.testing.assert_allclose(g, [w[0], 0.0, w[1]])
    with np.errstate(all="ignore"):
        assert tl.jvp(masked_logsumexp, (x,), (np.ones(3),))[1] == pytest.approx(1.0)
        with tl.config(check=True):
            tl.grad(masked_logsumexp)(x)
        np.testing.assert_allclose(tl.grad(sqrt_of_positive_part)(np.array([-1.2, 0.8])), [0.0, 0.5 / np.sqrt(0.8)])


def appends_outputs(x):
    ys = []
    for i in range(3):
        ys.append(x * i)
    return ys


def test_pullbacks_leave_the_returned_value_alone():
    out, pullback = tl.vjp(appends_outputs, 0.7)
    assert pullback([1.0, 1.0, 1.0]) == pytest.approx(3.0)
    assert out == pytest.approx([0.0, 0.7, 1.4])
    assert pullback([1.0, 1.0, 1.0]) == pytest.approx(3.0)


def helper_to_swap(z):
    return z * z


def cube_code(z):
    return z * z * z


def calls_helper_to_swap(x):
    return helper_to_swap(x)


def test_a_function_whose_code_is_replaced():
    original = helper_to_swap.__code__
    try:
        assert tl.grad(calls_helper_to_swap)(2.0) == pytest.approx(4.0)
        helper_to_swap.__code__ = cube_code.__code__
        assert tl.grad(calls_helper_to_swap)(2.0) == pytest.approx(12.0)
    finally:
        helper_to_swap.__code__ = original


def nested_range_loops(x, n):
    acc = 0.0
    for _i in range(n):
        for j in range(n):
            acc = acc + x * j
    return acc * acc


def where_in_a_loop(x):
    for _ in range(2):
        x = np.where(x > 0, x * x, np.sin(x))
    return np.sum(x)


def test_second_order_through_nested_loops_and_where():
    assert tl.hessian(nested_range_loops)(0.3, 3) == pytest.approx(2 * 9 ** 2)
    x = np.array([0.3, -1.2, 0.8])
    h = tl.hessian(where_in_a_loop)(x)
    assert h[0, 0] == pytest.approx(12 * 0.3 ** 2) and h[2, 2] == pytest.approx(12 * 0.8 ** 2)
    s = np.sin(-1.2)  # sin(sin(x)): d2 = -sin(s) cos(x)^2 - cos(s) sin(x)
    assert h[1, 1] == pytest.approx(-np.sin(s) * np.cos(-1.2) ** 2 - np.cos(s) * np.sin(-1.2))


class Pair(__import__("typing").NamedTuple):
    w: float
    b: float


def unpacks_a_named_tuple(p, x):
    w, b = p
    return w * x * b


def test_named_tuple_unpacked_in_the_function():
    g = tl.grad(unpacks_a_named_tuple)(Pair(2.0, 3.0), 0.5)
    assert isinstance(g, Pair) and g == pytest.approx(Pair(1.5, 1.0))


# ------------------------------------------------------------------ round 3


def set_through_alias(a, v):
    b = a
    b[0] = v * v
    return 0.0


def set_through_view(a, v):
    s = a[0:1]
    s[0] = v * v
    return 0.0


def set_through_transpose(a, v):
    a.T[0, 1] = v * v
    return 0.0


def set_item_of_item(d, v):
    d["a"][0] = v * v
    return 0.0


def hands_it_to_the_view_writer(a, v):
    return set_through_view(a, v)


def calls_alias_writer(x):
    y = np.array([1.0, 2.0]) * x
    z = set_through_alias(y, x)
    return np.sum(y) * x + z


def calls_view_writer(x):
    y = np.array([1.0, 2.0]) * x
    z = set_through_view(y, x)
    return np.sum(y) * x + z


def calls_transpose_writer(x):
    A = np.ones((2, 2)) * x
    z = set_through_transpose(A, x)
    return np.sum(A) * x + z


def calls_item_writer(x):
    d = {"a": [x, 1.0]}
    z = set_item_of_item(d, x)
    return d["a"][0] * x + z


def calls_two_levels(x):
    y = np.array([1.0, 2.0]) * x
    z = hands_it_to_the_view_writer(y, x)
    return np.sum(y) * x + z


WEIGHTS = np.array([1.0, 2.0])


def writes_module_array_through_helper(x):
    z = set_through_alias(WEIGHTS, x)
    return np.sum(WEIGHTS) * x + z


@pytest.mark.parametrize("f", [calls_alias_writer, calls_view_writer, calls_transpose_writer,
                               calls_item_writer, calls_two_levels, writes_module_array_through_helper])
def test_helpers_changing_an_argument_through_any_alias_are_refused(f):
    for derivative in (tl.grad(f), lambda x: tl.jvp(f, (x,), (1.0,))):
        with pytest.raises(TangentLiteError, match="changes its argument"):
            derivative(0.7)
    np.testing.assert_array_equal(WEIGHTS, [1.0, 2.0])


def cubed_scaled(x, b=2.0):
    return b * x ** 3


def weighted(x, y, scale=10.0):
    return np.sum(scale * x * x * y)


def test_second_order_entry_points_fill_defaults():
    # d2/dx2 of b x^3 = 6 b x with b = 2
    np.testing.assert_allclose(tl.hvp(cubed_scaled, 0.7, 1.0), 6 * 2.0 * 0.7)
    np.testing.assert_allclose(tl.hvp(cubed_scaled, 0.7, 3.0), 3 * 6 * 2.0 * 0.7)
    np.testing.assert_allclose(tl.derivatives(cubed_scaled, 0.7, 3),
                               [2 * 0.7 ** 3, 6 * 0.7 ** 2, 12 * 0.7, 12.0])
    x, y = np.array([0.3, 1.2]), np.array([1.0, 2.0])
    np.testing.assert_allclose(tl.hvp(weighted, x, np.array([1.0, 0.0]), y), [20.0, 0.0])
    tl.check_grads(cubed_scaled, (0.7,), order=2)


def test_derivatives_refuses_an_array_point():
    with pytest.raises(TangentLiteError, match="scalar x"):
        tl.derivatives(lambda x: np.sum(x * x), np.array([1.0, 2.0]), 2)


def test_a_pullback_differentiates_at_the_point_of_the_vjp():
    w = np.array([0.3, 1.2])
    _, pullback = tl.vjp(lambda w: np.sum(np.sin(w)), w)
    w -= 0.5 * np.cos(w)  # an optimiser step in place between the vjp and the pullback
    np.testing.assert_allclose(pullback(1.0), np.cos([0.3, 1.2]))

    X = np.array([[1.0, 2.0], [0.5, -1.0]])
    w = np.array([0.3, 1.2])
    _, pullback = tl.vjp(lambda w, X: np.sum((X @ w) ** 2), w, X)
    expected = 2 * X.T @ (X @ w)
    X *= 10
    np.testing.assert_allclose(pullback(1.0), expected)


def squares_after_writing_its_argument(x):
    x[0] = x[1] * x[0]
    return x * x


def test_functions_writing_their_argument_leave_the_callers_array_alone():
    x = np.array([0.3, 1.2, 0.5])
    expected = [[2 * 1.2 ** 2 * 0.3, 2 * 0.3 ** 2 * 1.2, 0.0], [0.0, 2.4, 0.0], [0.0, 0.0, 1.0]]
    for mode in ("forward", "reverse"):
        np.testing.assert_allclose(tl.jacobian(squares_after_writing_its_argument, mode=mode)(x), expected)
        np.testing.assert_array_equal(x, [0.3, 1.2, 0.5])
    e0 = np.array([1.0, 0.0, 0.0])
    for _ in range(2):
        _, t = tl.jvp(squares_after_writing_its_argument, (x,), (e0,))
        np.testing.assert_allclose(t, [0.864, 0.0, 0.0])
    _, pullback = tl.vjp(squares_after_writing_its_argument, x)
    np.testing.assert_allclose(pullback(e0), [0.864, 0.216, 0.0])
    np.testing.assert_array_equal(x, [0.3, 1.2, 0.5])


OPTION = None
NEW_AXIS = None
AXIS = None


def uses_module_level_none(x):
    if OPTION is None:
        base = np.sum(x * x)
    else:
        base = np.sum(x * OPTION)
    return base + np.sum(x[NEW_AXIS, :] * x[:, NEW_AXIS]) + np.sum(np.max(np.outer(x, x), axis=AXIS))


def test_module_level_none_values():
    global OPTION, AXIS
    x = np.array([0.3, 1.2])
    for derivative in (tl.grad(uses_module_level_none),
                       lambda x: np.array([tl.jvp(uses_module_level_none, (x,), (e,))[1] for e in np.eye(2)])):
        try:
            np.testing.assert_allclose(derivative(x), 2 * x + 2 * np.sum(x) + [0.0, 2 * 1.2])
            OPTION, AXIS = np.array([2.0, 3.0]), 0  # rebound: the derivative follows
            np.testing.assert_allclose(derivative(x), [2.0, 3.0] + 2 * np.sum(x) + [1.2, 0.3 + 2 * 1.2])
        finally:
            OPTION = AXIS = None


# ------------------------------------------------------------------ containers whose shape changes


def dict_gains_a_key_after_a_read_overwrite(x, y):
    d = {"s": x}
    d["s"] = d["s"] * y
    d["t"] = y * y
    return d["s"] + d["t"]


def dict_gains_keys_in_a_loop(x):
    d = {"s": 0.0}
    for i in range(3):
        d["s"] = d["s"] + x[i]
        d["t" + str(i)] = x[i] ** 2
    return d["s"] * d["t1"]


def list_slice_write_grows(x):
    L = [x[0] * 1.0, x[1] * 2.0]
    L[1:1] = [x[1] * 7.0, x[0] * x[1]]
    return L[0] * x[0] + L[1] * L[2] + L[3] ** 2


def list_slice_write_shrinks(x):
    L = [x[0], x[1] * 2.0, x[0] * x[1]]
    L[-2:] = [np.sin(x[1])]
    return L[0] * L[-1]


def list_slice_write_of_constants(x):
    L = [x[0], x[1] * 2.0, x[0] * x[1]]
    L[0:2] = [3.0]
    return L[0] * L[1]


def list_slice_write_in_a_loop(x):
    L = [x[0]]
    for i in range(3):
        L[0:1] = [L[0] * x[1], x[0] + i]
    s = 0.0
    for v in L:
        s = s + v * v
    return s


def _central(f, x, h=1e-6):
    return np.array([(f(x + h * e) - f(x - h * e)) / (2 * h) for e in np.eye(len(x))])


def test_dict_adjoints_with_different_keys_add_up():
    g = tl.grad(dict_gains_a_key_after_a_read_overwrite, wrt=(0, 1))(0.7, 1.3)
    np.testing.assert_allclose(g, (1.3, 0.7 + 2 * 1.3))
    x = np.array([0.3, 1.2, -0.4])
    np.testing.assert_allclose(tl.grad(dict_gains_keys_in_a_loop)(x),
                               _central(dict_gains_keys_in_a_loop, x), atol=1e-7)


@pytest.mark.parametrize("f", [list_slice_write_grows, list_slice_write_shrinks,
                               list_slice_write_of_constants, list_slice_write_in_a_loop])
def test_list_slice_writes_that_change_the_length(f):
    x = np.array([0.3, 1.2])
    g = tl.grad(f)(x)
    np.testing.assert_allclose(g, _central(f, x), atol=1e-7)
    np.testing.assert_allclose([tl.jvp(f, (x,), (e,))[1] for e in np.eye(2)], g, atol=1e-12)
    np.testing.assert_allclose(tl.vjp(f, x)[1](1.0), g, atol=1e-12)
    fd_hessian = np.array([(tl.grad(f)(x + 1e-5 * e) - tl.grad(f)(x - 1e-5 * e)) / 2e-5 for e in np.eye(2)])
    np.testing.assert_allclose(tl.hessian(f)(x), fd_hessian, atol=1e-5)


# ------------------------------------------------------------------ the caller's cotangent is read, never written


def item_and_identity_copy(x):
    return x[1] * 0.45, x * 1.0


def item_of_a_copied_output(x):
    y = x * 1.0
    z = y[0] * 2.0
    return z, y


@pytest.mark.parametrize("f", [item_and_identity_copy, item_of_a_copied_output])
def test_pullback_leaves_the_cotangent_alone(f):
    x = np.arange(3.0)
    _, pullback = tl.vjp(f, x)
    w = (1.0, np.ones(3))
    first = pullback(w)
    np.testing.assert_array_equal(w[1], np.ones(3))
    np.testing.assert_allclose(pullback(w), first)
    J = tl.jacobian(lambda x: f(x)[1] + f(x)[0], mode="reverse")(x)
    np.testing.assert_allclose(J, np.eye(3) + _item_column(f))


def _item_column(f):
    """d f(x)[0] / dx, in every row of the Jacobian of f(x)[1] + f(x)[0]."""
    col = np.zeros((3, 3))
    col[:, 1 if f is item_and_identity_copy else 0] = 0.45 if f is item_and_identity_copy else 2.0
    return col


# ------------------------------------------------------------------ round 4: strong zeros further down


def times(a, b):
    return a * b


def entropy_through_a_helper(x):
    return np.sum(np.where(x > 0, times(x, np.log(x)), 0.0))


def square_of_a_log(x):
    return np.sum(np.where(x > 0, np.log(x) ** 2, 0.0) + np.where(x > 0, np.power(np.log(x), 3), 0.0))


def sine_of_a_log(x):
    return np.sum(np.where(x > 0, np.sin(np.log(x)), 0.0))


def product_with_a_log(x):
    return np.sum(np.where(x > 0, np.prod(np.stack([x, np.log(x)]), axis=0), 0.0))


@pytest.mark.parametrize("f, where_positive", [
    (entropy_through_a_helper, lambda x: np.log(x) + 1.0),
    (square_of_a_log, lambda x: 2 * np.log(x) / x + 3 * np.log(x) ** 2 / x),
    (sine_of_a_log, lambda x: np.cos(np.log(x)) / x),
    (product_with_a_log, lambda x: np.log(x) + 1.0),
])
def test_a_branch_where_selects_away_contributes_zero_further_down(f, where_positive):
    x = np.array([0.0, 0.5, -0.3, 1.7])
    expected = np.where(x > 0, where_positive(np.where(x > 0, x, 1.0)), 0.0)
    with np.errstate(all="ignore"):
        np.testing.assert_allclose(tl.grad(f)(x), expected)
        np.testing.assert_allclose(tl.vjp(f, x)[1](1.0), expected)
        np.testing.assert_allclose([tl.jvp(f, (x,), (e,))[1] for e in np.eye(4)], expected)


def test_the_helper_keeps_its_plain_products_for_finite_arguments():
    def plain(x):
        return np.sum(times(x, x + 1.0))

    assert "strong" not in tl.source(plain, "vjp")
    np.testing.assert_allclose(tl.grad(plain)(np.array([0.5, 2.0])), [2.0, 5.0])


# ------------------------------------------------------------------ round 4: reverse over reverse


def slice_write_of_an_array(x):
    y = x * 1.0
    y[0:2] = y[0:2] * 2.0
    return np.sum(y ** 3)


def dict_gains_a_key(x):
    d = {"a": x}
    d["c"] = d["a"] * d["a"]
    return np.sum(d["c"] ** 2)


def test_reverse_over_reverse_of_an_array_slice_write():
    x = np.array([0.3, -1.2, 0.7])
    f_vjp, _ = tl.gradient_function(slice_write_of_an_array)
    _, pullback = tl.vjp(f_vjp, x, 1.0, wrt="x")
    hessian = np.array([pullback((0.0, e)) for e in np.eye(3)])
    np.testing.assert_allclose(hessian, np.diag([48 * x[0], 48 * x[1], 6 * x[2]]))
    tl.check_grads(slice_write_of_an_array, (x,), order=2)


def test_reverse_over_reverse_of_a_dict_write_is_refused_at_the_users_line():
    x = np.array([0.3, -1.2, 0.7])
    f_vjp, _ = tl.gradient_function(dict_gains_a_key)
    with pytest.raises(TangentLiteError, match="reverse mode over reverse mode") as info:
        tl.vjp(f_vjp, x, 1.0, wrt="x")
    assert info.value.location.filename == __file__
    assert 'd["c"] = d["a"] * d["a"]' in info.value.location.text
    np.testing.assert_allclose(tl.hessian(dict_gains_a_key)(x), np.diag(12 * x ** 2))
    with pytest.warns(UserWarning, match="reverse over reverse not checked"):
        tl.check_grads(dict_gains_a_key, (x,), order=2)


def norm_cubed(x):
    return np.linalg.norm(x) ** 3


def cumprod_cubed(x):
    return np.sum(np.cumprod(x) ** 3)


def test_second_order_refusals_name_the_users_line():
    with pytest.raises(TangentLiteError) as info:  # (cumprod's backward recurrence has no rule of its own)
        tl.hvp(cumprod_cubed, np.array([0.3, -1.2, 0.7]), np.ones(3))
    assert info.value.location.filename == __file__
    assert "np.sum(np.cumprod(x) ** 3)" in info.value.location.text


def test_second_order_of_a_norm():
    """Once refused (norm_bar had no rule): H of |x|^3 is 3 (|x| I + x x^T / |x|)."""
    x, v = np.array([0.3, -1.2, 0.7]), np.array([1.0, 0.5, -2.0])
    r = np.linalg.norm(x)
    np.testing.assert_allclose(tl.hvp(norm_cubed, x, v), 3.0 * (r * v + x * (x @ v) / r), rtol=1e-12)


# ------------------------------------------------------------------ round 4: attributes, interp, names


def matrix_transpose_attribute(x):
    return np.sum(x.mT * np.array([[1.0, 2.0], [3.0, 4.0]]))


def flat_attribute(x):
    return x.flat[2] * x.flat[0]


def periodic_interpolation(x, fp):
    return np.sum(np.interp(x, [0.5, 1.0, 1.7, 0.1], fp, period=2.0) ** 2)


def write_through_a_list_item(x):
    x = x.copy()
    L = [x]
    L[0][0] = 5.0
    return np.sum(x * x)


def test_array_attributes():
    X = np.array([[0.3, -1.2], [0.7, 2.0]])
    np.testing.assert_allclose(tl.grad(matrix_transpose_attribute)(X), [[1.0, 3.0], [2.0, 4.0]])
    with pytest.raises(TangentLiteError, match=r"the array attribute '\.flat' is not supported"):
        tl.grad(flat_attribute)(X)


def test_interp_with_a_period():
    x, fp = np.array([0.3, 1.5, -0.7, 3.9]), np.array([0.0, 3.0, 1.0, 2.0])
    gx, gfp = tl.grad(periodic_interpolation, wrt=(0, 1))(x, fp)
    np.testing.assert_allclose(gx, _central(lambda x: periodic_interpolation(x, fp), x), atol=1e-6)
    np.testing.assert_allclose(gfp, _central(lambda fp: periodic_interpolation(x, fp), fp), atol=1e-6)


def test_alias_messages_use_the_users_names():
    with pytest.raises(TangentLiteError, match="shares its array or list with 'x'"):
        tl.grad(write_through_a_list_item)(np.array([0.3, -1.2]))


# ------------------------------------------------------------------ round 3 leftovers: loops


def checkpointed_sine(x, n):
    for t in tl.checkpointed(range(n), snapshots=2):  # noqa: B007
        x = np.sin(x) + 1.0
    return x


def checkpointed_with_a_value_from_the_last_iteration(x, n):
    for t in tl.checkpointed(range(n), snapshots=2):
        if t > 0:
            x = x + 0.5 * prev  # noqa: F821 - set by the iteration before
        prev = np.sin(x)  # noqa: F841 - read by the next iteration
    return x


def over_an_ndindex(A):
    s = 0.0
    for idx in np.ndindex(A.shape):
        s = s + A[idx] ** 3
    return s


def enumerate_from(x):
    s = 0.0
    for i, a in enumerate(x, start=2):
        s = s + a ** i
    return s


def test_second_order_of_a_checkpointed_loop_is_refused_at_the_loop():
    with pytest.raises(TangentLiteError, match="checkpoint_forward") as info:
        tl.hessian(checkpointed_sine)(0.7, 4)
    assert info.value.location.filename == __file__
    assert "tl.checkpointed" in info.value.location.text
    np.testing.assert_allclose(tl.derivatives(checkpointed_sine, 0.7, 1, 4)[1],
                               tl.grad(checkpointed_sine)(0.7, 4))


@pytest.mark.parametrize("n", [1, 2, 5, 9])
def test_checkpointed_loop_state_first_set_inside_the_loop(n):
    f = checkpointed_with_a_value_from_the_last_iteration
    fd = (f(0.7 + 1e-6, n) - f(0.7 - 1e-6, n)) / 2e-6
    np.testing.assert_allclose(tl.grad(f)(0.7, n), fd, atol=1e-7)
    np.testing.assert_allclose(tl.vjp(f, 0.7, n)[1](1.0), fd, atol=1e-7)


def test_loops_over_ndindex_and_enumerate_with_a_start():
    A = np.array([[0.3, 1.2], [0.7, -0.5]])
    np.testing.assert_allclose(tl.grad(over_an_ndindex)(A), 3 * A ** 2)
    np.testing.assert_allclose(tl.jvp(over_an_ndindex, (A,), (np.ones((2, 2)),))[1], np.sum(3 * A ** 2))
    x = np.array([0.3, 1.2, 0.7])
    np.testing.assert_allclose(tl.grad(enumerate_from)(x), [2 * x[0], 3 * x[1] ** 2, 4 * x[2] ** 3])


# ------------------------------------------------------------------ round 5


def trace_squared(x):
    t = np.trace(np.outer(x, x))
    return t * t  # H = 8 x x^T + 4 t I


def cube_sum(X):
    return np.sum(np.linalg.matrix_power(X, 3))


def twice_in_a_loop(x):
    s = 0.0
    for i in range(2):  # noqa: B007
        s = s + x * x
    return s


def through_a_looping_helper(x):
    return twice_in_a_loop(x)


def sines_of_multiples(z, n):
    s = 0.0
    for i in range(n):
        s = s + np.sin(z * i)
    return s


def sines_through_a_helper(x):
    return sines_of_multiples(x, 3)


def scaled_root(x, c):
    return c * np.sqrt(x)


SCALE = 3.0


def scaled_by_a_global(z):
    return z * SCALE


def uses_a_scaling_helper(x):
    return np.sum(scaled_by_a_global(x) * x)


def test_reverse_over_reverse_pullbacks_can_be_called_again():
    x = np.array([0.3, -0.7])
    f_vjp, _ = tl.gradient_function(trace_squared)
    _, pullback = tl.vjp(f_vjp, x, 1.0, wrt="x")
    rows = [pullback((0.0, e)) for e in np.eye(2)] + [pullback((0.0, e)) for e in np.eye(2)]
    H = 8 * np.outer(x, x) + 4 * np.sum(x * x) * np.eye(2)
    np.testing.assert_allclose(rows, np.vstack([H, H]))
    X = np.array([[0.3, -0.7], [1.1, 0.4]])
    g_vjp, _ = tl.gradient_function(cube_sum)
    _, pullback = tl.vjp(g_vjp, X, 1.0, wrt="X")
    E = np.array([[1.0, 0.0], [0.0, 0.0]])
    np.testing.assert_allclose(pullback((0.0, E)), pullback((0.0, E)))
    np.testing.assert_allclose(pullback((0.0, E)), tl.hessian(cube_sum)(X)[0, 0])
    h_vjp, _ = tl.gradient_function(through_a_looping_helper)
    _, pullback = tl.vjp(h_vjp, 0.7, 1.0, wrt="x")
    assert pullback((0.0, 1.0)) == pullback((0.0, 1.0)) == 4.0


def test_reverse_over_reverse_through_a_helper_loop_using_its_index():
    exact = -sum(i * i * np.sin(0.3 * i) for i in range(3))
    f_vjp, _ = tl.gradient_function(sines_through_a_helper)
    _, pullback = tl.vjp(f_vjp, 0.3, 1.0, wrt="x")
    np.testing.assert_allclose(pullback((0.0, 1.0)), exact)
    tl.check_grads(sines_through_a_helper, (0.3,), order=2)


def test_forward_mode_keeps_strong_zeros_of_products():
    with np.errstate(all="ignore"):
        assert tl.jvp(scaled_root, (0.0, 0.0), (1.0, 0.0))[1] == 0.0
        x, c = np.array([0.0, 0.5]), np.array([0.0, 2.0])
        for mode in ("forward", "reverse"):
            expected = np.diag([0.0, 2.0 * 0.5 / np.sqrt(0.5)])
            np.testing.assert_allclose(tl.jacobian(scaled_root, mode=mode)(x, c), expected)


def test_a_helpers_globals_decide_the_callers_code_too():
    global SCALE
    try:
        assert tl.grad(uses_a_scaling_helper)(1.5) == 9.0
        SCALE = np.array([1.0, 2.0])  # the helper's result is an array now: the caller's code changes
        assert tl.grad(uses_a_scaling_helper)(1.5) == 9.0
        SCALE = 2.0
        assert tl.grad(uses_a_scaling_helper)(1.5) == 6.0
    finally:
        SCALE = 3.0


# ------------------------------------------------------------------ round 6


def logsumexp_rows(z, axis):
    m = np.max(z, axis=axis, keepdims=True)
    return np.log(np.sum(np.exp(z - m), axis=axis)) + np.squeeze(m, axis=axis)


def loss_with_axis_helper(x):
    return np.sum(logsumexp_rows(x, 1) ** 2)


def rolled(z, shift):
    return np.roll(z, shift)


def loss_with_shift_helper(x):
    return np.sum(rolled(x, 1) * x ** 2)


def iterates_its_dict(p):
    s = 0.0
    for k in p:
        s = s + p[k] ** 2 * (k + 1)
    return s


def passes_a_dict_to_a_helper(x):
    return iterates_its_dict({0: x, 1: 2.0 * x})


def squares_with_a_wrong_rule(x):
    return np.sum(_doubled_square(x))


def _doubled_square(x):
    return x * x


@tl.defjvp(_doubled_square)
def _doubled_square_jvp(x_dot, ans, x):
    return 2.0 * x * x_dot


@tl.defvjp(_doubled_square)
def _doubled_square_vjp(g, ans, x):
    return 2.0 * g  # wrong: 2 x g


def loss_of_dict_params(p, X):
    return np.sum(np.tanh(X @ p["w"] + p["b"]) ** 2) + squares_with_a_wrong_rule(p["w"])


def loss_of_correct_dict_params(p, X):
    return np.sum(np.tanh(X @ p["w"] + p["b"]) ** 2)


def inner_cubes(w):
    return np.sum(w ** 3)


def uses_an_inner_gradient(w):
    return np.sum(tl.grad(inner_cubes)(w) ** 2)


def log_det_by_field(A):
    S = A @ A.T + np.eye(2)
    return np.linalg.slogdet(S).logabsdet


def test_second_order_through_helpers_taking_an_axis_or_a_shift():
    x = np.array([[0.3, -1.2, 0.5], [0.7, 0.1, -0.4]])
    for f in (loss_with_axis_helper, loss_with_shift_helper):
        H = tl.hessian(f)(x).reshape(6, 6)
        fd = np.array([((tl.grad(f)(x + 1e-5 * e.reshape(2, 3)) - tl.grad(f)(x - 1e-5 * e.reshape(2, 3))) / 2e-5)
                       .ravel() for e in np.eye(6)])
        np.testing.assert_allclose(H, fd, atol=1e-5)


def test_iterating_a_dict_argument_is_refused_not_computed_wrong():
    with pytest.raises(TangentLiteError, match="iterating the dict 'p'"):
        tl.value_and_grad(iterates_its_dict)({0: 1.0, 1: 1.0})
    with pytest.raises(ValueError, match="iterating the dict 'p'"):
        tl.grad(passes_a_dict_to_a_helper)(1.5)


def test_check_grads_checks_container_arguments():
    p, X = {"w": np.array([0.5, -0.3]), "b": 0.2}, np.array([[0.3, -1.2], [0.7, 0.4]])
    tl.check_grads(loss_of_correct_dict_params, (p, X))
    with pytest.raises(AssertionError):
        tl.check_grads(loss_of_dict_params, (p, X), modes=("reverse",))


def test_calling_a_derivative_inside_a_differentiated_function_works():
    # (refused until issue 14) sum((3 w^2)^2) = 9 sum(w^4): gradient 36 w^3
    w = np.array([1.0, 2.0])
    np.testing.assert_allclose(tl.grad(uses_an_inner_gradient)(w), 36 * w ** 3, rtol=1e-12)
    np.testing.assert_allclose(tl.hessian(uses_an_inner_gradient)(w), np.diag(108 * w ** 2), rtol=1e-12)


def test_forward_mode_of_named_linalg_results():
    A = np.array([[1.0, 0.5], [0.2, 2.0]])
    g = tl.grad(log_det_by_field)(A)
    np.testing.assert_allclose(tl.jacobian(log_det_by_field, mode="forward")(A), g)
    E = np.array([[0.0, 1.0], [0.0, 0.0]])
    np.testing.assert_allclose(tl.jvp(log_det_by_field, (A,), (E,))[1], np.sum(g * E))


# ------------------------------------------------------------------ round 7: list reads in loops cost O(n), not O(n^2)


def list_argument_loop(L, x):
    s = 0.0
    for i in range(len(L)):
        s = s + L[i] * x
    return s


def list_of_states(x, n):
    hs = [x]
    for i in range(n):
        hs.append(np.tanh(hs[i]) * 0.5 + 0.1)
    return np.sum(hs[-1] ** 2)


def test_loops_reading_list_items_add_into_the_adjoint_list_in_place():
    L = [0.5, -1.0, 2.0, 0.25]
    g = tl.grad(list_argument_loop, wrt=(0, 1))(L, 1.5)
    np.testing.assert_allclose(g[0], [1.5] * 4)
    np.testing.assert_allclose(g[1], sum(L))
    reverse_sweep = tl.source(list_of_states, "vjp").split("# reverse sweep")[1].split("def ")[0]
    assert "hs_bar[i] = _tl.add(hs_bar[i], " in reverse_sweep
    assert "getitem_bar(_t" not in reverse_sweep.split("for i in")[1]
    x = np.array([0.3, -0.7, 1.1])
    np.testing.assert_allclose(tl.grad(list_of_states)(x, 6), _central(lambda x: list_of_states(x, 6), x), atol=1e-7)
    tl.check_grads(list_of_states, (x, 6), order=2)
