"""Regression tests for silently wrong derivatives found from the outside (issue 13).

Each test is a reproducer that gave a wrong value (or a wrong primal) in 0.1.0, compared
here with an independent reference: plain Python for values, hand-derived formulas and
central finite differences for derivatives.  Constructs that are not differentiated
exactly must be refused with a clear error, never answered with a wrong number.
"""

import numpy as np
import pytest

import tangent_lite as tl
from tangent_lite.errors import TangentLiteError


def numeric_grad(f, x, h=1e-6):
    x = np.asarray(x, dtype=float)
    g = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e.flat[i] = h
        g.flat[i] = (f(x + e) - f(x - e)) / (2 * h)
    return g


# ------------------------------------------------------------------ parallel assignment


def swap_in_loop(x, y):
    for _ in range(2):
        x, y = y, x
    return x + 2.0 * y


def swap_then_loop_carried(x, y):
    t1 = y * x
    t3 = 2.0 * x
    t3, t1 = t1, t3
    k = 0
    while k < 2:
        k += 1
        t3 = -1.2 * x
    return t1 + t3


def rotate_in_while(x, y, z):
    k = 0
    while k < 2:
        x, y, z = z, x, y * 1.5
        k += 1
    return x + 2.0 * y + 3.0 * z


def swap_in_branch(x, y):
    if x > 0.0:
        x, y = y * y, x
    for i in range(3):
        if i % 2 == 0:
            x, y = y, x * 0.5
    return x * y + y


def zip_rebinds_its_own_sequence(x):
    s = x * 1.0
    t = x * 2.0
    acc = 0.0
    for a, s in zip(s, t):  # noqa: B020 - the loop rebinds what it iterates, on purpose
        acc = acc + a * s
    return acc


@pytest.mark.parametrize("f, args", [
    (swap_in_loop, (1.0, 3.0)),
    (swap_then_loop_carried, (0.5, 3.0)),
    (rotate_in_while, (1.0, 2.0, 3.0)),
    (swap_in_branch, (0.7, -1.3)),
    (swap_in_branch, (-0.7, 1.3)),
])
def test_parallel_assignment_value_and_gradient(f, args):
    n = len(args)
    value, grads = tl.value_and_grad(f, wrt=tuple(range(n)))(*args)
    assert value == pytest.approx(f(*args))
    numeric = numeric_grad(lambda v: f(*v), np.array(args))
    assert np.allclose(grads, numeric, atol=1e-6)
    out, tangent = tl.jvp(f, args, tuple(1.0 for _ in args))
    assert out == pytest.approx(f(*args)) and tangent == pytest.approx(np.sum(numeric))


def test_swap_reproducer_values():
    assert tl.value_and_grad(swap_in_loop, wrt=(0, 1))(1.0, 3.0) == (7.0, (1.0, 2.0))
    assert tl.value_and_grad(swap_then_loop_carried, wrt=(0, 1))(0.5, 3.0)[0] == pytest.approx(0.4)


def test_for_target_rebinding_the_iterated_sequence():
    x = np.array([1.0, 2.0, 3.0])
    value, g = tl.value_and_grad(zip_rebinds_its_own_sequence)(x)
    assert value == pytest.approx(zip_rebinds_its_own_sequence(x))
    assert np.allclose(g, numeric_grad(zip_rebinds_its_own_sequence, x))


# ------------------------------------------------------------------ views and aliases

W = np.array([1.0, 2.0, 3.0, 4.0])


def view_after_in_place_write(a):
    b = a.copy()
    b[1:] *= a[:-1]
    r = b
    return np.sum(W * r)


def view_in_loop(x):
    b = x * 1.0
    for _ in range(2):
        v = b[1:]
        b[1:] = v * b[:-1]
    return np.sum(b * b)


def test_view_of_an_array_written_in_place_keeps_its_restore():
    a = np.array([1.0, 2.0, 3.0, 4.0])
    expected = numeric_grad(view_after_in_place_write, a)
    assert np.allclose(tl.grad(view_after_in_place_write)(a), expected)
    out, pullback = tl.vjp(view_after_in_place_write, a)
    assert np.allclose(pullback(1.0), expected) and np.allclose(pullback(1.0), expected)  # twice: same
    x = np.array([0.3, -0.7, 1.1])
    assert np.allclose(tl.grad(view_in_loop)(x), numeric_grad(view_in_loop, x))


def row_view_read_after_write(x):
    m = np.outer(x, x)
    r = m[0]
    m[0, 0] = 5.0 * x[0]
    return np.sum(r * x)


def list_item_alias(x):
    b = x * 1.0
    L = [b]
    c = L[0]
    c[0] = 3.0 * x[1]
    return np.sum(b * x)


def augmented_write_through_view(x):
    b = x * 1.0
    v = b[1:]
    v += x[:-1] ** 2
    return np.sum(b * b)


def transpose_view(x):
    m = np.outer(x, x)
    t = m.T
    m[0, 1] = x[2] * 2.0
    return np.sum(t * m)


@pytest.mark.parametrize("f", [row_view_read_after_write, list_item_alias, augmented_write_through_view,
                               transpose_view])
def test_writes_seen_through_an_alias_are_refused(f):
    x = np.array([0.3, -0.7, 1.1])
    with pytest.raises(TangentLiteError, match="shares its array or list"):
        tl.grad(f)(x)
    with pytest.raises(TangentLiteError, match="shares its array or list"):
        tl.jvp(f, (x,), (np.ones(3),))


def augmented_on_a_number_of_unknown_rank(x, y):
    for r in x:
        y = r
    y -= np.mean(x)
    return y * 2.0


def test_augmented_assignment_on_numbers_still_works_and_on_rows_is_refused_when_it_runs():
    x = np.array([1.0, 2.0])
    assert np.allclose(tl.grad(augmented_on_a_number_of_unknown_rank)(x, 0.5),
                       numeric_grad(lambda v: augmented_on_a_number_of_unknown_rank(v, 0.5), x))


def fresh_array_augmented(x):
    b = x * 2.0
    b += x ** 2
    b *= 0.5
    return np.sum(b)


def test_augmented_assignment_on_a_fresh_array():
    x = np.array([0.3, -0.7, 1.1])
    assert np.allclose(tl.grad(fresh_array_augmented)(x), numeric_grad(fresh_array_augmented, x))


# ------------------------------------------------------------------ fancy-index writes


def repeated_index_add(x, v):
    b = x.copy()
    b[[0, 0, 1]] += v
    return np.sum(b * np.array([1.0, 2.0, 3.0]))


def repeated_index_set(x):
    y = np.zeros(3)
    y[[0, 0]] = x[:2]
    return np.sum(y * 1.2)


def repeated_index_scalar(x, s):
    y = x * 1.0
    y[np.array([2, 0, 2])] = s * s
    return np.sum(y * np.array([1.0, 10.0, 100.0]))


def test_repeated_index_writes_keep_the_last_write():
    x, v = np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.2, 1.4])
    gx, gv = tl.grad(repeated_index_add, wrt=(0, 1))(x, v)
    assert np.allclose(gx, [1.0, 2.0, 3.0]) and np.allclose(gv, [0.0, 1.0, 2.0])
    assert np.allclose(tl.grad(repeated_index_set)(x), [0.0, 1.2, 0.0])
    gx, gs = tl.grad(repeated_index_scalar, wrt=(0, 1))(x, 0.5)
    assert np.allclose(gx, [0.0, 10.0, 0.0]) and gs == pytest.approx(2 * 0.5 * 101.0)
    out, tangent = tl.jvp(repeated_index_add, (x, v), (np.zeros(3), np.array([1.0, 10.0, 100.0])))
    assert tangent == pytest.approx(10.0 + 2 * 100.0)


def test_repeated_index_second_order():
    tl.check_grads(repeated_index_set, (np.array([1.0, 2.0, 3.0]),), order=2)


# ------------------------------------------------------------------ refused, never constant


def r_concatenation(x):
    return np.sum(np.r_[x, x] ** 2)


def c_concatenation(x):
    return np.sum(np.c_[x, x] ** 2)


@pytest.mark.parametrize("f", [r_concatenation, c_concatenation])
def test_index_tricks_with_active_values_are_refused(f):
    with pytest.raises(TangentLiteError, match="np.[rc]_"):
        tl.grad(f)(np.array([1.0, 2.0]))


def or_returns_an_operand(x):
    y = x or 2.0
    z = x and 3.0 * x
    return y * y + z


def test_boolean_operators_carry_the_derivative_of_the_operand_they_return():
    assert tl.value_and_grad(or_returns_an_operand)(3.0) == (18.0, 9.0)
    assert tl.jvp(or_returns_an_operand, (3.0,), (1.0,)) == (18.0, 9.0)
    assert tl.value_and_grad(or_returns_an_operand)(0.0) == (4.0, 1.0)  # x and ...: x itself


# ------------------------------------------------------------------ containers


def entry(g, i):
    return g[i]


def two_entries(g):
    return entry(g, 0) + entry(g, 1)


def tuple_or_list(x, c):
    h = [x, 2 * x]
    if c:
        return tuple(h)
    return list(h)


def test_list_adjoints_add_entrywise():
    assert tl.grad(two_entries)([1.5, 2.0]) == [1.0, 1.0]
    assert np.allclose(tl.grad(two_entries)(np.array([1.5, 2.0])), [1.0, 1.0])
    assert tl.vjp(tuple_or_list, 1.0, True)[1]((1.0, 1.0)) == 3.0
    assert tl.vjp(tuple_or_list, 1.0, False)[1]([1.0, 0.5]) == 2.0


def list_concatenation(x):
    L = [x, 2 * x] + [3 * x]
    return L[0] + L[2] * L[1]


def list_repetition(x):
    L = [x, 2 * x] * 2
    return L[0] + L[3]


def tuple_grown_in_a_loop(x):
    t = ()
    for i in range(3):
        t = t + (x * i,)
    return t[1] * t[2]


def prepend_like_insert(x):
    L = [x, x * x]
    L = L[:0] + [5.0 * x] + L[0:]
    return L[0] * L[1]


@pytest.mark.parametrize("f, expected", [
    (list_concatenation, 13.0),       # L = [x, 2x, 3x]: x + 6x^2
    (list_repetition, 3.0),           # L[0] + L[3] = x + 2x
    (tuple_grown_in_a_loop, 4.0),     # x * 2x at x = 1
    (prepend_like_insert, 10.0),      # 5x * x
])
def test_list_and_tuple_concatenation_and_repetition(f, expected):
    assert tl.value_and_grad(f)(1.0) == pytest.approx((f(1.0), expected))
    assert tl.jvp(f, (1.0,), (1.0,)) == pytest.approx((f(1.0), expected))


def concatenated_parameters(a, b):
    c = a + b  # lists passed in: their type is not known when the code is generated
    return c[0] * c[-1]


def test_concatenation_of_unknown_lists_is_refused_when_it_runs():
    with pytest.raises(tl.UnsupportedConstructError, match="lists or tuples"):
        tl.grad(concatenated_parameters)([1.0, 2.0], [3.0])


def split_parts(x):
    a, b = np.split(x, 2)
    return np.sum(a ** 2 * b)


def list_of_same(x):
    L = list((x, x))
    return np.sum(L[0] ** 2 * L[1])


@pytest.mark.parametrize("f", [split_parts, list_of_same])
def test_second_order_through_lists(f):
    tl.check_grads(f, (np.array([0.3, 0.7, 1.2, 0.4]),), order=2)


# ------------------------------------------------------------------ settings


def test_config_optimize_off_gives_the_same_derivatives():
    x = np.array([0.3, -0.7, 1.1, 0.2])
    a = tl.grad(view_after_in_place_write)(x)
    with tl.config(optimize=False):
        b = tl.grad(view_after_in_place_write)(x)
        assert "reverse sweep" in tl.source(view_after_in_place_write)
    assert np.allclose(a, b)


def tuple_output(x, y):
    return np.sum(x) + y, x * 1.0


def test_pullback_leaves_the_callers_cotangent_alone():
    x, w = np.array([1.0, 2.0]), np.array([0.5, 0.25])
    _, pullback = tl.vjp(tuple_output, x, 2.0)
    first = pullback((1.0, w))
    assert np.array_equal(w, [0.5, 0.25])
    assert np.array_equal(pullback((1.0, w)), first) and np.array_equal(first, [1.5, 1.25])


ADGEN_MODULE = '''
import numpy
import numpy as nmp
types = 3.0
unbroadcast = 2.0
as_grad = 1.5
sum_bar = 0.5
np = "not numpy"
copy = 7.0
def f(x, y):
    return nmp.sum(nmp.tanh(x * y) * types + unbroadcast * x) + as_grad * sum_bar * copy * nmp.sum(x)
'''


def test_adgen_files_keep_the_users_global_names(tmp_path):
    """User globals named like the inlined runtime helpers or their imports."""
    import subprocess
    import sys

    (tmp_path / "tl_hostile_names.py").write_text(ADGEN_MODULE)
    for mode in ("vjp", "jvp"):
        subprocess.run([sys.executable, "-m", "tangent_lite.cli", "tl_hostile_names.py:f", "--mode", mode,
                        "--wrt", "x", "-o", f"tl_hostile_{mode}.py"], cwd=tmp_path, check=True, timeout=120,
                       capture_output=True)
    check = (
        "import numpy, tl_hostile_names as m, tl_hostile_vjp as v, tl_hostile_jvp as j\n"
        "x, y = numpy.array([0.3, -0.2]), numpy.array([1.5, 0.5])\n"
        "h = 1e-6\n"
        "fd = numpy.array([(m.f(x + h * e, y) - m.f(x - h * e, y)) / 2 / h for e in numpy.eye(2)])\n"
        "value, g = v.f_vjp(x, y)\n"
        "assert numpy.allclose(g, fd, atol=1e-6) and value == m.f(x, y), (g, fd)\n"
        "assert numpy.isclose(j.f_jvp(x, y, numpy.array([1.0, 0.0]))[1], fd[0], atol=1e-6)\n"
    )
    subprocess.run([sys.executable, "-c", check], cwd=tmp_path, check=True, timeout=120)
