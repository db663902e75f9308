"""``*xs`` / ``**kw`` of a list or dict changed after it was built (breaker round 15, finding 2):
never spread from the literal's stale length/keys. Checked against finite differences in both
modes and at second order, or refused clearly."""

import contextlib
import functools

import numpy as np
import pytest

import tangent_lite as tl
from tangent_lite.errors import TangentLiteError

X = 0.7


def _sumsq(*vs):
    t = 0.0
    for v in vs:
        t = t + v * v
    return t


def _abc(a, b=5.0, c=7.0):
    return a * b + c


def _opt(a, **kw):
    y = a
    if "b" in kw:
        y = y * kw["b"]
    return y


def _fd(f, x, h=1e-6):
    return (f(x + h) - f(x - h)) / (2 * h)


def _check_all(f, x=X):
    value, grad = tl.value_and_grad(f)(x)
    assert value == pytest.approx(f(x), rel=1e-12)
    assert grad == pytest.approx(_fd(f, x), rel=1e-6, abs=1e-8)
    value_t, tangent = tl.jvp(f, (x,), (1.0,))
    assert value_t == pytest.approx(f(x), rel=1e-12)
    assert tangent == pytest.approx(grad, rel=1e-9, abs=1e-12)
    second = _fd(lambda z: tl.value_and_grad(f)(z)[1], x, 1e-5)
    assert tl.hvp(f, x, 1.0) == pytest.approx(second, rel=1e-5, abs=1e-7)


# --- lists and dicts that are never changed: still spread item by item, and right ---

def star_list_untouched(x):
    parts = [x, 2.0 * x, np.sin(x)]
    return _sumsq(*parts)


def kw_dict_untouched(x):
    kw = {"a": x, "c": x * x}
    return _abc(**kw)


def star_tuple(x):
    t = (x, np.cos(x))
    return _sumsq(*t) + _abc(*t)


def star_tuple_rebound(x):
    t = (x,)
    y = _sumsq(*t)
    t = (x, x * x, 3.0)
    return y + _sumsq(*t)


def star_list_item_read(x):
    p = [x, x * x]
    y = p[0] * p[1]
    return y + _sumsq(*p)


@pytest.mark.parametrize("f", [star_list_untouched, kw_dict_untouched, star_tuple, star_tuple_rebound,
                               star_list_item_read])
def test_unchanged_containers_spread(f):
    _check_all(f)


# --- changed after they were built: never the literal's contents ---

def append_star(x):
    parts = [x, 2.0 * x]
    parts.append(np.sin(x))
    return _sumsq(*parts)


def pop_star(x):
    parts = [x, 2.0 * x, 3.0 * x]
    parts.pop()
    return _sumsq(*parts)


def kw_setitem_new_key(x):
    kw = dict(a=x)
    kw["b"] = x * x
    return _abc(**kw)


def kw_options(x):
    kw = {}
    kw["b"] = x * x
    return _opt(x, **kw)


def kw_in_branch(x):
    kw = {"a": x}
    if x > 0.5:
        kw["c"] = x * x
    return _abc(**kw)


def append_in_loop(x):
    p = [x]
    for i in range(2):
        p.append(x * i)
    return _sumsq(*p)


def slice_grow(x):
    p = [x, 2.0 * x]
    p[1:] = [x * x, np.sin(x), 3.0 * x]
    return _sumsq(*p)


def alias_append(x):
    p = [x, 2.0 * x]
    q = p
    q.append(x * x)
    return _sumsq(*p)


def passed_to_helper(x):
    p = [x, 2.0 * x]
    _grow(p, x)
    return _sumsq(*p)


def _grow(lst, x):
    lst.append(np.sin(x))


def display_after_append(x):
    parts = [x, 2.0 * x]
    parts.append(np.sin(x))
    q = [*parts, 1.0]
    return q[0] * q[2]


@pytest.mark.parametrize("f", [append_star, pop_star, kw_setitem_new_key, kw_options, kw_in_branch, append_in_loop,
                               slice_grow, alias_append, passed_to_helper, display_after_append])
def test_changed_containers_are_not_spread_from_the_literal(f):
    """Either right (value and derivatives) or refused clearly: never the literal's items."""
    try:
        value, grad = tl.value_and_grad(f)(X)
    except TangentLiteError as e:
        assert "unpack" in str(e) and f.__code__.co_filename in str(e)
        with pytest.raises(TangentLiteError):
            tl.jvp(f, (X,), (1.0,))
        return
    _check_all(f)


def test_refusal_names_the_change():
    with pytest.raises(TangentLiteError, match=r"'parts' may be changed after it is built: it is used on line \d+"):
        tl.grad(append_star)(X)


def unpack_assign_after_append(x):
    parts = [x, 2.0 * x]
    parts.append(np.sin(x))
    a, b, c = parts
    return a * b * c


def test_tuple_assignment_from_appended_list():
    """The adjoint of ``a, b, c = parts`` is a list when ``parts`` is a list changed in place
    (its reverse pops it), not a tuple."""
    _check_all(unpack_assign_after_append)


# --- module-level lambdas with *args / **kw (finding 7), functools.wraps wrappers (finding 8) ---

_scale = lambda *a: a[0] * a[-1]  # noqa: E731
_kwl = lambda **k: k["a"] * k["b"]  # noqa: E731
_star = lambda *a: a[0] * a[1]  # noqa: E731


def calls_star_lambda(x):
    return _scale(x, 2.0, x * x) + _kwl(a=x, b=np.sin(x))


def maps_star_lambda(x):
    return sum(map(_star, [x, 2.0 * x], [x, x * x]))


def _logged(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return fn(*args, **kwargs)
    return wrapper


@_logged
def _decorated(z, k=1.0):
    return np.sin(z) * z * k


def calls_decorated(x):
    return _decorated(x) + _decorated(x, k=x) + x


@pytest.mark.parametrize("f", [calls_star_lambda, maps_star_lambda, calls_decorated])
def test_star_lambdas_and_wrapped_helpers(f):
    _check_all(f)


# --- a module-level value changed by a 'with' context during the call (finding 3) ---

SCALE = 1.0


@contextlib.contextmanager
def _scaled(v):
    global SCALE
    old = SCALE
    SCALE = v
    try:
        yield
    finally:
        SCALE = old


def reads_global_in_context(x):
    with _scaled(3.0):
        y = SCALE * x * x
    return y


def reads_global_after_context(x):
    with _scaled(3.0):
        y = x * x
    return y * SCALE


def reads_global_before_context(x):
    y = SCALE * x * x
    with _scaled(3.0):
        y = y * x
    return y


def reads_global_in_errstate(x):
    with np.errstate(divide="ignore"):
        y = SCALE * np.sin(x)
    return y * SCALE


@pytest.mark.parametrize("f", [reads_global_in_context, reads_global_after_context])
def test_global_read_after_unknown_context_is_refused(f):
    for call in (lambda: tl.grad(f)(X), lambda: tl.jvp(f, (X,), (1.0,)), lambda: tl.hvp(f, X, 1.0)):
        with pytest.raises(TangentLiteError, match=r"module-level value 'SCALE' inside or after the 'with _scaled"):
            call()


@pytest.mark.parametrize("f", [reads_global_before_context, reads_global_in_errstate])
def test_global_read_before_or_in_known_context(f):
    _check_all(f)


def test_differentiating_inside_the_context_sees_its_value():
    def g(x):
        return SCALE * x * x
    with _scaled(3.0):
        assert tl.value_and_grad(g)(X) == pytest.approx((3.0 * X * X, 6.0 * X))


# --- a module-level lambda whose file was edited (operators only) after import (finding 4) ---

def test_lambda_edited_on_disk_is_refused(tmp_path, monkeypatch):
    import importlib
    import sys
    import time

    from tangent_lite.errors import SourceUnavailableError
    mod = tmp_path / "lam_edited_mod.py"
    mod.write_text("sq, cube = (lambda z: z * z), (lambda z: z * z * z)  # noqa\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    m = importlib.import_module("lam_edited_mod")
    try:
        assert m.sq(2.0) == 4.0
        time.sleep(0.01)
        mod.write_text("sq, cube = (lambda z: z + z), (lambda z: z - z * z)  # noqa\n")
        import linecache
        linecache.clearcache()
        for f in (m.sq, m.cube):
            with pytest.raises(SourceUnavailableError, match="edited"):
                tl.grad(f)(2.0)
            with pytest.raises(SourceUnavailableError, match="edited"):
                tl.jvp(f, (2.0,), (1.0,))
    finally:
        sys.modules.pop("lam_edited_mod", None)
