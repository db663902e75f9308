"""``a = L[i]`` then ``L[i] op= e``: when the entry is an array, Python changes it in place and
``a`` sees the change; the derivative code makes a new array for the entry (breaker round 25:
value, gradient and jvp silently wrong).  Refused, naming the entry and the holder, in both modes;
numbers (immutable) and other entries keep working, against central differences."""

import numpy as np
import pytest

import tangent_lite as tl


def list_entry(x):
    L = [x * 1.0, x * 2.0]
    a = L[0]
    L[0] += x * x
    return np.sum(a * L[0])


def dict_variable_key(x):
    d = {"a": x * 1.0}
    key = "a"
    a = d[key]
    d[key] *= x
    return np.sum(a * d["a"])


def while_loop(x):
    L = [x * 1.0, x * 2.0]
    i = 0
    acc = 0.0
    while i < 2:
        e = L[i]
        L[i] -= x
        acc = acc + np.sum(e)
        i += 1
    return acc


def negative_index(x):
    L = [x * 1.0, x * 2.0]
    last = L[-1]
    L[-1] += x
    return np.sum(last * x)


def for_loop_entries(x):
    L = [x * 1.0, x * 3.0]
    tot = 0.0
    for i in range(2):
        old = L[i]
        L[i] *= 2.0
        tot = tot + np.sum(old * x)
    return tot


REFUSED = [list_entry, dict_variable_key, while_loop, negative_index, for_loop_entries]


@pytest.mark.parametrize("f", REFUSED, ids=[f.__name__ for f in REFUSED])
@pytest.mark.parametrize("mode", ["grad", "jvp"])
def test_a_name_holding_an_entry_changed_in_place_is_refused(f, mode):
    x = np.array([0.3, -0.7, 1.1])
    with pytest.raises(tl.errors.UnsupportedConstructError) as info:
        if mode == "grad":
            tl.grad(f)(x)
        else:
            tl.jvp(f, (x,), (np.ones(3),))
    message = str(info.value)
    assert "holds in place" in message and "copy the entry where you take it" in message, message
    assert "test_entry_holders.py" in message


def numbers(x):
    L = [x[0] * 1.0, x[1] * 2.0]
    a = L[0]
    L[0] += x[2]          # a number: a keeps the old one, as in Python
    return a * L[0] + L[1]


def other_entry(x):
    L = [x * 1.0, x * 2.0]
    a = L[1]
    L[0] += x * x
    return np.sum(a * L[0])


def copied_entry(x):
    L = [x * 1.0, x * 2.0]
    a = L[0].copy()
    L[0] += x * x
    return np.sum(a * L[0])


def read_before_only(x):
    L = [x * 1.0, x * 2.0]
    a = L[0]
    s = np.sum(a * x)
    L[0] += x * x
    return s + np.sum(L[0])


WORKING = [numbers, other_entry, copied_entry, read_before_only]


@pytest.mark.parametrize("f", WORKING, ids=[f.__name__ for f in WORKING])
def test_holders_that_see_no_change_work(f):
    x = np.array([0.3, -0.7, 1.1])
    g = tl.grad(f)(x)
    eps = 1e-6
    fd = np.array([(f(x + eps * e) - f(x - eps * e)) / (2 * eps) for e in np.eye(3)])
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-8)
    v = np.array([0.5, -1.0, 2.0])
    np.testing.assert_allclose(tl.jvp(f, (x,), (v,))[1], g @ v, rtol=1e-9, atol=1e-10)
    assert tl.value_and_grad(f)(x)[0] == pytest.approx(f(x))


def slice_of_an_entry(x):
    L = [x * 1.0]
    a = L[0]
    L[0][:] += x          # writes into the array a holds too: Python's a becomes 2x
    return np.sum(a * x)


@pytest.mark.parametrize("f", [slice_of_an_entry])
def test_writes_into_a_slice_of_an_entry_another_name_holds(f):
    """(the common-subexpression pass merged the entry's load with 'a' but left the name the
    in-place write's annotation gives: a NameError from the generated code, breaker round 25)"""
    x = np.array([0.3, -0.7, 1.1])
    g = tl.grad(f)(x.copy())
    eps = 1e-6
    fd = np.array([(f(x + eps * e) - f(x - eps * e)) / (2 * eps) for e in np.eye(3)])
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-8)
    v = np.array([0.5, -1.0, 2.0])
    np.testing.assert_allclose(tl.jvp(f, (x.copy(),), (v,))[1], g @ v, rtol=1e-9, atol=1e-10)
