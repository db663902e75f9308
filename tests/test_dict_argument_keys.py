"""Functions that add keys to a dict they are passed (or to a dict local copied from one), in
straight code, loops and branches, with constant and computed keys: gradient (with the
argument's keys), JVP and second order against central finite differences (finding 2f of
breaker 25: the reverse sweep saved the missing entry ``d['z']`` first, KeyError)."""

import numpy as np
import pytest

import tangent_lite as tl

A = np.array([0.3, -0.7, 1.1])
B = np.array([1.5, 2.0, -0.4])
V = np.array([0.2, 1.0, -0.5])


def new_key(d):
    d['z'] = d['a'] * 3.0
    d['a'] = d['a'] * d['z']
    return np.sum(d['a'] * d['b'])


def new_keys_in_loop(d):
    for i in range(3):
        d[i] = d['a'] * (i + 1.0) + d['b']
    s = 0.0
    for i in range(3):
        s = s + np.sum(d[i] * d['a'])
    return s


def new_key_in_branch(d, c):
    if c > 0:
        d['z'] = np.sin(d['a'])
    else:
        d['z'] = d['a'] ** 2
    d['z'] = d['z'] * d['b']  # the key exists on both paths: a plain save
    return np.sum(d['z'] * d['a'])


def new_key_in_one_branch(d, c):
    if c > 0:
        d['z'] = np.cos(d['a']) * d['b']
    s = np.sum(d['a'] ** 2)
    if 'z' in d:
        s = s + np.sum(d['z'] * d['a'])
    return s


def key_argument(d, k):
    d[k] = d['a'] * d['b']
    return np.sum(d[k] * d['a'])


def copied_local(d):
    e = dict(d)
    e['z'] = d['a'] * 2.0
    for i in range(2):
        e[i] = e['z'] * e['b']
    return np.sum(e[1] * d['a'])


def written_again_in_loop(d):
    for i in range(3):
        d['acc'] = d['a'] * 0.5 if i == 0 else d['acc'] * d['b'] + d['a']
    return np.sum(d['acc'] ** 2)


CASES = [
    (new_key, ()),
    (new_keys_in_loop, ()),
    (new_key_in_branch, (1.0,)),
    (new_key_in_branch, (-1.0,)),
    (new_key_in_one_branch, (1.0,)),
    (new_key_in_one_branch, (-1.0,)),
    (key_argument, ('q',)),
    (key_argument, ('a',)),
    (key_argument, ('b',)),
    (copied_local, ()),
    (written_again_in_loop, ()),
]
IDS = [f"{f.__name__}{extra}" for f, extra in CASES]


def _args(a=A, b=B):
    return {'a': a.copy(), 'b': b.copy()}


def _fd_grad(f, extra, h=1e-6):
    """Central differences of f with respect to d['a'] and d['b'] (fresh dicts each call)."""
    out = {}
    for key in ('a', 'b'):
        g = np.zeros(3)
        for j in range(3):
            e = np.zeros(3)
            e[j] = h
            up, dn = _args(), _args()
            up[key] = up[key] + e
            dn[key] = dn[key] - e
            g[j] = (f(up, *extra) - f(dn, *extra)) / (2 * h)
        out[key] = g
    return out


@pytest.mark.parametrize("f,extra", CASES, ids=IDS)
def test_gradient_has_the_arguments_keys_and_matches_differences(f, extra):
    d = _args()
    grad = tl.grad(f)(d, *extra)
    assert set(grad) == {'a', 'b'}  # the argument's keys, not the ones the function added
    expected = _fd_grad(f, extra)
    for key in ('a', 'b'):
        np.testing.assert_allclose(grad[key], expected[key], rtol=1e-6, atol=1e-6)
    assert set(d) == {'a', 'b'} and np.array_equal(d['a'], A)  # the derivative worked on a copy


@pytest.mark.parametrize("f,extra", CASES, ids=IDS)
def test_jvp_matches_differences_and_the_gradient(f, extra):
    expected = _fd_grad(f, extra)
    tangent = {'a': V, 'b': V[::-1].copy()}
    value, derivative = tl.jvp(f, (_args(),) + extra, (tangent,), wrt=(0,))
    assert value == pytest.approx(f(_args(), *extra))
    assert derivative == pytest.approx(expected['a'] @ tangent['a'] + expected['b'] @ tangent['b'], rel=1e-6, abs=1e-6)


@pytest.mark.parametrize("f,extra", CASES, ids=IDS)
def test_second_order_matches_differences_of_the_gradient(f, extra, h=1e-5):
    tangent = {'a': V, 'b': V[::-1].copy()}
    hvp = tl.hvp(f, _args(), tangent, *extra)
    up = _args(A + h * tangent['a'], B + h * tangent['b'])
    dn = _args(A - h * tangent['a'], B - h * tangent['b'])
    gu, gd = tl.grad(f)(up, *extra), tl.grad(f)(dn, *extra)
    for key in ('a', 'b'):
        np.testing.assert_allclose(hvp[key], (gu[key] - gd[key]) / (2 * h), rtol=1e-5, atol=1e-5)


def test_reading_an_entry_before_writing_it_keeps_a_plain_save():
    """An entry known to exist is saved as ``x[i]`` (which reverse over reverse follows); only a
    write that may add a key remembers the key with ``_tl.saved_item``."""
    src = tl.source(new_key)
    assert "_tl.saved_item(d, 'z')" in src
    assert "_tl.saved(d['a'])" in src
