"""Errors in code of a helper that is inlined into the function being differentiated (a helper taking
``*args`` / ``**kwargs``, or functions as arguments) name the helper's file and line (breaker F13), not
the caller's; the rest of the caller's statement keeps the caller's line; a name the helper spells
(``sp.struve``) is spelled so.  Both modes; helpers in other modules, helpers of helpers."""

import numpy as np
import pytest
from temp_modules import temp_module

import tangent_lite as tl
from tangent_lite.errors import TangentLiteError

pytest.importorskip("scipy.special")

HELPERS = '''\
import numpy as np
import scipy.special as sp


def star_get(*args):
    d, k = args
    return d.get(k) * 2.0


def kw_get(d, **kw):
    return d.get(kw["k"]) * 2.0


def star_norule(*xs):
    return sp.struve(1.0, xs[0])


def kw_view_write(x, **kw):
    y = x.copy()
    r = y[0:2]
    y[0] = x[1] * kw["s"]
    return np.sum(r * y)


def apply(f, x):
    y = f(x)
    r = y[0:2]
    y[0] = x[1] * 3.0
    return np.sum(r * y)


def plain_calls_star(x):
    return star_norule(x, x) + 1.0


def apply_twice(f, x):
    return f(f(x)) * 2.0
'''
# the line of each helper's offending statement
LINES = {"star_get": 7, "kw_get": 11, "star_norule": 15, "kw_view_write": 21, "apply": 28}

OUTER = '''\
import {h} as h


def star_outer(*xs):
    z = xs[0] * 2.0
    return h.star_norule(z, z)


def kw_chain(x, **kw):
    return star_outer(x * kw["s"])
'''

CALLER = '''\
import numpy as np
import scipy.special as sp
import {h} as h
import {o} as o


def via_star_get(x):
    d = {{"w": x, "v": x * 2.0}}
    return np.sum(h.star_get(d, "w" if x[0] > 0 else "v"))


def via_kw_get(x):
    d = {{"w": x, "v": x * 2.0}}
    return np.sum(h.kw_get(d, k="w" if x[0] > 0 else "v"))


def via_star_norule(x):
    return np.sum(h.star_norule(x, x))


def via_kw_view_write(x):
    return h.kw_view_write(x, s=3.0)


def via_apply(x):
    return h.apply(lambda t: t * 2.0, x)


def via_plain(x):
    return np.sum(h.plain_calls_star(x))


def via_outer(x):
    return np.sum(o.star_outer(x, x))


def via_chain(x):
    a = x * 2.0
    b = o.kw_chain(a, s=2.0)
    return np.sum(b)


def after_inlined(x):
    def inner(t):
        u = t * 2.0
        return u
    return np.sum(inner(x) * sp.struve(1.0, x))


def lambda_with_ifexp(x):
    return np.sum(h.apply_twice(lambda t: t * t if t[0] > 0 else -t, x))
'''


@pytest.fixture(scope="module")
def mods(tmp_path_factory):
    path = tmp_path_factory.mktemp("f13")
    helpers = temp_module(path, HELPERS, "f13_helpers")
    outer = temp_module(path, OUTER.format(h=helpers.__name__), "f13_outer")
    caller = temp_module(path, CALLER.format(h=helpers.__name__, o=outer.__name__), "f13_caller")
    return helpers, outer, caller


CASES = [  # (caller function, module holding the offending line: 0 helpers 2 caller, its line, text in the message)
    ("via_star_get", 0, LINES["star_get"], "'.get(...)'"),
    ("via_kw_get", 0, LINES["kw_get"], "'.get(...)'"),
    ("via_star_norule", 0, LINES["star_norule"], "'sp.struve'"),
    ("via_kw_view_write", 0, LINES["kw_view_write"], "writing into 'y'"),
    ("via_apply", 0, LINES["apply"], "writing into 'y'"),
    ("via_plain", 0, LINES["star_norule"], "'sp.struve'"),
    ("via_outer", 0, LINES["star_norule"], "'sp.struve'"),
    ("via_chain", 0, LINES["star_norule"], "'sp.struve'"),
    ("after_inlined", 2, 47, "'sp.struve'"),
]


@pytest.mark.parametrize("mode", ["grad", "jvp"])
@pytest.mark.parametrize("name,where,line,says", CASES, ids=[c[0] for c in CASES])
def test_error_names_the_helpers_file_and_line(mods, mode, name, where, line, says):
    f = getattr(mods[2], name)
    x = np.array([0.5, 1.5, 2.0])
    with pytest.raises(TangentLiteError) as info:
        if mode == "grad":
            tl.grad(f)(x)
        else:
            tl.jvp(f, (x,), (np.ones(3),))
    err = info.value
    path = mods[where].__file__
    assert err.location is not None
    assert (err.location.filename, err.location.lineno) == (path, line), str(err)
    assert str(err).startswith(f"{path}:{line}: ")
    with open(path, encoding="utf-8") as fh:
        assert f"    {line} | {fh.read().splitlines()[line - 1]}" in str(err)
    assert says in str(err)


def test_lambda_with_conditional_expression_passed_to_a_helper(mods):
    # (the analysis of writes outside the function read an IfExp lambda body as a statement: TypeError)
    f = mods[2].lambda_with_ifexp
    x = np.array([0.5, 1.5, 2.0])
    h = 1e-6
    want = np.array([(f(x + h * e) - f(x - h * e)) / (2 * h) for e in np.eye(3)])
    np.testing.assert_allclose(tl.grad(f)(x), want, rtol=1e-6)
    assert tl.jvp(f, (x,), (np.ones(3),))[1] == pytest.approx(want.sum(), rel=1e-6)
