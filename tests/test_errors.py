"""Errors about user code: they name the callee or construct, the user's file:line and text, and a fix."""

import inspect
import math
import os

import fixtures_api as fx
import numpy as np
import pytest

import tangent_lite as tl
from tangent_lite.errors import MultipleErrors

FIXTURES_FILE = os.path.basename(fx.__file__)


def line_in(fn, text):
    """The file line number of the unique line of ``fn`` whose stripped text is ``text``."""
    lines, first = inspect.getsourcelines(fn)
    hits = [first + i for i, line in enumerate(lines) if line.strip() == text]
    assert len(hits) == 1, (fn.__name__, text, hits)
    return hits[0]


X = np.array([0.3, 1.2, -0.4])

# function, how the callee is spelled, its line's text
NO_RULE = [
    (fx.uses_i0, "np.i0", "y_i0 = np.i0(x)"),
    (fx.uses_fsum, "math.fsum", "total_fsum = math.fsum(x)"),
    (fx.uses_frexp, "np.frexp", "mant, expo = np.frexp(x)"),
]

# how a derivative gets requested: each path must raise the same error
REQUESTS = {
    "grad": lambda f: tl.grad(f)(X),
    "vjp": lambda f: tl.vjp(f, X),
    "jvp": lambda f: tl.jvp(f, (X,), (np.ones(3),)),
    "source_jvp": lambda f: tl.source(f, "jvp"),
}


def test_fixture_callees_still_have_no_rule():
    """If this fails, a rule was added for a callee below: pick another callee for these tests."""
    for callee in (np.i0, math.fsum, np.frexp):
        assert callee not in tl.REGISTRY, callee
        assert not hasattr(callee, "__code__")


@pytest.mark.parametrize("request_kind", sorted(REQUESTS))
@pytest.mark.parametrize("fn,callee,text", NO_RULE, ids=[c for _, c, _ in NO_RULE])
def test_no_rule_error_names_callee_location_and_fix(fn, callee, text, request_kind):
    with pytest.raises(tl.NoRuleError) as info:
        REQUESTS[request_kind](fn)
    err = info.value
    msg = str(err)
    lineno = line_in(fn, text)
    assert isinstance(err, tl.TangentLiteError)
    assert f"'{callee}'" in msg
    assert f"{FIXTURES_FILE}:{lineno}:" in msg
    assert text in msg
    assert f"tl.defvjp({callee}" in msg
    assert f"tl.defjvp({callee}" in msg
    assert err.location is not None
    assert os.path.basename(err.location.filename) == FIXTURES_FILE
    assert err.location.lineno == lineno
    assert err.location.text.strip() == text
    # the first line is "file:line: what went wrong"
    first = msg.split("\n")[0]
    assert first.startswith(f"{err.location.filename}:{lineno}: ")
    assert callee in first


def test_no_rule_error_is_raised_every_time():
    for _ in range(2):
        with pytest.raises(tl.NoRuleError):
            tl.grad(fx.uses_i0)(X)


def test_no_rule_error_suggested_signature():
    with pytest.raises(tl.NoRuleError) as info:
        tl.grad(fx.uses_i0)(X)
    msg = str(info.value)
    assert "def i0_vjp(g, ans, x):" in msg
    assert "def i0_jvp(x_dot, ans, x):" in msg
    assert "tl.nondifferentiable(np.i0)" in msg


def test_several_missing_rules_are_reported_together():
    with pytest.raises(MultipleErrors) as info:
        tl.grad(fx.two_norules)(X)
    err = info.value
    assert isinstance(err, tl.TangentLiteError)
    assert len(err.errors) == 2
    assert all(isinstance(e, tl.NoRuleError) for e in err.errors)
    msg = str(err)
    assert msg.startswith("2 problems found")
    for callee, text in (("np.i0", "a_two = np.i0(x)"), ("math.fsum", "b_two = math.fsum(x)")):
        lineno = line_in(fx.two_norules, text)
        assert f"{FIXTURES_FILE}:{lineno}:" in msg
        assert f"'{callee}'" in msg
        assert text in msg
    assert sorted(e.location.lineno for e in err.errors) == sorted(
        line_in(fx.two_norules, t) for t in ("a_two = np.i0(x)", "b_two = math.fsum(x)"))


# function, a word naming the construct, its line's text
UNSUPPORTED = [
    (fx.uses_try, "try", "try:"),
    (fx.uses_yield, "yield", "yield x * 2.0"),
    (fx.uses_global, "global", "global COUNTER"),
    (fx.defines_class, "class", "class Box:"),
]


@pytest.mark.parametrize("request_kind", sorted(REQUESTS))
@pytest.mark.parametrize("fn,word,text", UNSUPPORTED, ids=[w for _, w, _ in UNSUPPORTED])
def test_unsupported_construct_names_file_and_line(fn, word, text, request_kind):
    with pytest.raises(tl.UnsupportedConstructError) as info:
        REQUESTS[request_kind](fn)
    err = info.value
    msg = str(err)
    lineno = line_in(fn, text)
    assert not isinstance(err, MultipleErrors)
    first = msg.split("\n")[0]
    assert f"{FIXTURES_FILE}:{lineno}:" in first
    assert word in first
    assert text in msg
    assert "To fix" in msg
    assert err.location.lineno == lineno


def test_wengert_reports_unsupported_constructs_too():
    with pytest.raises(tl.UnsupportedConstructError) as info:
        tl.wengert(fx.uses_try)
    assert f"{FIXTURES_FILE}:{line_in(fx.uses_try, 'try:')}:" in str(info.value)


def test_several_unsupported_constructs_are_reported_together():
    with pytest.raises(MultipleErrors) as info:
        tl.grad(fx.many_problems)(X)
    err = info.value
    assert len(err.errors) == 3
    assert all(isinstance(e, tl.UnsupportedConstructError) for e in err.errors)
    msg = str(err)
    assert msg.startswith("3 problems found")
    expected = {"global": "global COUNTER", "try": "try:", "class": "class Box:"}
    for word, text in expected.items():
        lineno = line_in(fx.many_problems, text)
        assert f"{FIXTURES_FILE}:{lineno}:" in msg, (word, msg)
        assert text in msg
    # each sub-error keeps its own location; reported in source order
    lines = [e.location.lineno for e in err.errors]
    assert lines == sorted(lines)
    assert lines == sorted(line_in(fx.many_problems, t) for t in expected.values())
    # each problem appears once
    for e in err.errors:
        assert msg.count(f"{FIXTURES_FILE}:{e.location.lineno}:") == 1


def test_multiple_errors_is_catchable_as_tangent_lite_error():
    with pytest.raises(tl.TangentLiteError):
        tl.grad(fx.many_problems)(X)
    with pytest.raises(tl.TangentLiteError):
        tl.grad(fx.two_norules)(X)


def test_two_builtin_rules_for_one_argument_are_a_registry_error():
    """A built-in table that registers a second rule for the same argument (the second would
    silently replace the first) fails when the tables load; a user's rule may replace a built-in one."""
    from tangent_lite.errors import RuleError
    from tangent_lite.rules.registry import Registry

    reg = Registry()

    def prim(a, b):
        return a * b

    def first_vjp(g, ans, a, b):
        return g * b

    def second_vjp(g, ans, a, b):
        return g * b

    first_vjp.__module__ = second_vjp.__module__ = "tangent_lite.rules.example"
    reg.defvjp(prim)(first_vjp)
    reg.defvjp(prim, argnum=1)(first_vjp)  # another argument: fine
    with pytest.raises(RuleError, match="two built-in vjp rules for argument 'a'"):
        reg.defvjp(prim)(second_vjp)

    def users_vjp(g, ans, a, b):
        return 2 * g * b

    reg.defvjp(prim)(users_vjp)  # the user's own rule replaces the built-in one
    assert reg.get(prim).vjps[0].fn is users_vjp
