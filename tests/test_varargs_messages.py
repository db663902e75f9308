"""Functions with keyword-only, ``*args`` and ``**kwargs`` parameters under tl.jacobian and
tl.derivatives, and refusals inside them (breaker 30 #9).

(a) ``tl.jacobian(s2)(0.5, a=1.5)`` for ``def s2(x, **kw)`` said "too many positional arguments /
To fix: call it as s2(x, *, a)": the call that was made (varargs.py's function of the call takes
``a`` by keyword, and tl.jacobian passed every parameter by position).  The same for a plain
``def kwonly(w, *, k=2.0)``, and tl.derivatives raised a TypeError (keyword-only) or an IndexError
(``def v(*xs)``).  Now the keyword-only parameters are held by name (constants) and the rest
differentiated, in both modes (against finite differences and hand derivatives).
(b) a refusal inside a ``*args`` function was located in the scratch file varargs.py makes
(``/tmp/tangent_lite-.../varargs_wrap_<hash>.py:2``, ``def wrap(a_0):``): now at the user's line.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import tangent_lite as tl
from tangent_lite.errors import ArgumentError, UnsupportedConstructError


def s2(x, **kw):
    return x * kw["a"] + kw.get("b", 2.0) * x ** 2


def s3(x, *xs, scale=2.0, **kw):
    t = x
    for v in xs:
        t = t * v
    return t * scale + kw["c"] ** 2


def kwonly(w, *, k=2.0):
    return np.sin(w) * np.sum(w ** 2) + w * k


def _fd_jacobian(f, x, h=1e-6):
    x = np.asarray(x, dtype=float)
    cols = [(np.asarray(f(x + h * e)) - np.asarray(f(x - h * e))) / (2 * h)
            for e in np.eye(x.size).reshape((-1,) + x.shape)]
    return np.stack(cols, axis=-1).reshape(np.shape(f(x)) + x.shape)


@pytest.mark.parametrize("mode", ["auto", "forward", "reverse"])
def test_jacobian_of_keyword_parameters_differentiates(mode):
    jac = lambda f: tl.jacobian(f, mode=mode)  # noqa: E731
    np.testing.assert_allclose(jac(s2)(0.5, a=1.5), 1.5 + 2 * 2.0 * 0.5, rtol=1e-12)
    np.testing.assert_allclose(jac(s2)(0.5, a=1.5, b=3.0), _fd_jacobian(lambda x: s2(x, a=1.5, b=3.0), 0.5),
                               rtol=1e-6)
    np.testing.assert_allclose(jac(s3)(0.5, 0.7, 1.2, c=0.3), 2 * 0.7 * 1.2, rtol=1e-12)
    np.testing.assert_allclose(tl.jacobian(s3, wrt=1, mode=mode)(0.5, 0.7, 1.2, scale=3.0, c=0.3),
                               3.0 * 0.5 * 1.2, rtol=1e-12)
    w = np.array([0.3, -0.5, 1.1])
    for k in ({}, {"k": -1.5}):
        np.testing.assert_allclose(jac(kwonly)(w, **k), _fd_jacobian(lambda z, k=k: kwonly(z, **k), w),
                                   rtol=1e-6, atol=1e-8)


def test_jacobian_with_respect_to_a_keyword_only_parameter_says_so():
    with pytest.raises(ArgumentError) as info:
        tl.jacobian(kwonly, wrt="k")(np.array([0.3, -0.5]))
    assert "keyword-only parameter 'k' of 'kwonly' is not supported yet" in str(info.value)
    assert "too many positional" not in str(info.value)


def g(x, *, k=2.0):
    return np.sin(x) * k


def v(*xs):
    return np.sin(xs[0]) * xs[1]


def s(x, **kw):
    return np.sin(x) * kw.get("k", 2.0)


@pytest.mark.parametrize("f, args, k", [(g, (), 2.0), (v, (3.0,), 3.0), (s, (), 2.0)])
def test_derivatives_of_keyword_and_star_parameters(f, args, k):
    x = 0.5
    out = tl.derivatives(f, x, 3, *args)
    np.testing.assert_allclose(out, [k * np.sin(x), k * np.cos(x), -k * np.sin(x), -k * np.cos(x)], rtol=1e-12)


KW = {"a": 1.5}


def wrap(*a):
    return s2(*a, **KW)


def _line(fn, text):
    lines, first = inspect.getsourcelines(fn)
    return first + [line.strip() for line in lines].index(text)


@pytest.mark.parametrize("how", ["grad", "jvp", "vjp", "hessian", "jacobian", "derivatives"])
def test_a_refusal_inside_a_star_args_function_is_at_the_users_line(how):
    call = {"grad": lambda: tl.grad(wrap)(0.5), "jvp": lambda: tl.jvp(wrap, (0.5,), (1.0,)),
            "vjp": lambda: tl.vjp(wrap, 0.5), "hessian": lambda: tl.hessian(wrap)(0.5),
            "jacobian": lambda: tl.jacobian(wrap)(0.5), "derivatives": lambda: tl.derivatives(wrap, 0.5, 2)}[how]
    with pytest.raises(UnsupportedConstructError) as info:
        call()
    err = info.value
    assert (err.location.filename, err.location.lineno) == (__file__, _line(wrap, "return s2(*a, **KW)")), str(err)
    assert str(err).startswith(f"{__file__}:{err.location.lineno}: the call to 's2' unpacks"), str(err)
    assert "/varargs_" not in str(err) and "a_0" not in str(err)
