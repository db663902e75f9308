"""The statements and expressions of ordinary numerical code, in both modes and at second
order: ``raise``, ``with``, ``try`` / ``except`` / ``else`` / ``finally``, ``*args`` /
``**kwargs`` (parameters and calls), ``:=``, ``del``, ``match``, ``dict(...)``, ``.astype``,
``global`` reads, ``print`` / ``logging``.

Every derivative is checked from the outside: central finite differences (first and second
order), and the dot-product identity <J v, w> == <v, J^T w> between tl.jvp and tl.vjp.
"""

from __future__ import annotations

import logging
import re
import sys
import warnings
from typing import Any, Callable

import numpy as np
import pytest
import statement_fixtures as sf
from temp_modules import temp_module

import tangent_lite as tl

X = np.array([0.3, 0.7, 1.1])


def fd_grad(f: Callable, x: np.ndarray, *rest: Any, eps: float = 1e-6) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = eps
        g[i] = (f(x + e, *rest) - f(x - e, *rest)) / (2 * eps)
    return g


def check(f: Callable, x: np.ndarray, *rest: Any, second: bool = True) -> None:
    """tl.grad against finite differences, tl.jvp against them and against tl.vjp (the
    dot-product identity), and tl.hessian against finite differences of tl.grad."""
    expected = fd_grad(f, x, *rest)
    np.testing.assert_allclose(tl.grad(f)(x, *rest), expected, rtol=1e-5, atol=1e-6)
    v = np.linspace(-1.0, 1.5, x.size).reshape(x.shape)
    value, tangent = tl.jvp(f, (x, *rest), (v,))
    np.testing.assert_allclose(value, f(x, *rest), rtol=1e-12)
    np.testing.assert_allclose(tangent, np.sum(expected * v), rtol=1e-5, atol=1e-6)
    w = 0.7
    _, pullback = tl.vjp(f, x, *rest)
    np.testing.assert_allclose(tangent * w, np.sum(v * pullback(w)), rtol=1e-9, atol=1e-12)
    if second:
        hess = np.reshape(tl.hessian(f)(x, *rest), (x.size, x.size))
        grad = tl.grad(f)
        expected_h = np.stack([np.ravel(fd_grad(lambda z, *r, k=k: np.ravel(grad(z, *r))[k], x, *rest))
                               for k in range(x.size)])
        np.testing.assert_allclose(hess, expected_h, rtol=1e-4, atol=1e-5)


# ---------------------------------------------------------------- raise


@pytest.mark.parametrize("f", [sf.validated, sf.raise_in_loop])
def test_raise_in_validation_branches(f: Callable) -> None:
    check(f, X)


def test_the_derivative_raises_where_the_function_does() -> None:
    bad = np.ones((2, 2))
    for run in (lambda: tl.grad(sf.validated)(bad), lambda: tl.jvp(sf.validated, (bad,), (bad,)),
                lambda: tl.hessian(sf.validated)(bad), lambda: tl.vjp(sf.validated, bad)):
        with pytest.raises(ValueError, match="x must be a vector"):
            run()
    with pytest.raises(FloatingPointError, match="nan in x \\(3 entries\\)"):
        tl.grad(sf.validated)(np.array([1.0, np.nan, 2.0]))
    with pytest.raises(ValueError, match="too large"):
        tl.jvp(sf.raise_in_loop, (X * 1000.0,), (X,))


# ---------------------------------------------------------------- with


@pytest.mark.parametrize("f", [sf.with_errstate, sf.with_warnings, sf.with_as_and_nested, sf.with_in_loop,
                               sf.with_return_inside, sf.with_raise_inside])
def test_with_blocks(f: Callable) -> None:
    check(f, X)


def test_with_blocks_keep_their_context_in_both_sweeps_and_leave_it_after() -> None:
    x = np.array([0.0, 0.5, 2.0])  # log(0): the primal and the reverse sweep both divide by zero
    before = np.geterr()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any RuntimeWarning (divide by zero) would fail the test
        g = tl.grad(sf.with_return_inside)(x)
        _, t = tl.jvp(sf.with_return_inside, (x,), (np.ones(3),))
        tl.grad(sf.with_warnings)(X)  # its warnings.warn is silenced by its catch_warnings
    assert np.isnan(g[0]) or np.isinf(g[0]) and np.isfinite(g[1:]).all()
    assert np.geterr() == before
    with pytest.raises(ValueError, match="too large"):
        tl.grad(sf.with_raise_inside)(X * 100.0)
    assert np.geterr() == before  # left as Python leaves it when an exception goes through
    text = tl.source(sf.with_errstate)
    # vjp: forward and reverse sweep; fwd: the forward sweep; bwd: the reverse sweep
    assert len(re.findall(r"^ +with _t\w*:$", text, re.M)) == 4, text


def test_other_contexts_are_entered_once_per_call() -> None:
    """Only np.errstate and catch_warnings are made again for the reverse sweep: a context with
    side effects (a file opened for writing, a counter) is entered once, as the function does."""
    f = sf.with_side_effects
    expected = 2.0 * (np.cos(X) * X + np.sin(X))
    v = np.linspace(-1.0, 1.5, 3)
    hvp = v * 2.0 * (2.0 * np.cos(X) - X * np.sin(X))
    for run, want in ((lambda: tl.grad(f)(X), expected), (lambda: tl.value_and_grad(f)(X)[1], expected),
                      (lambda: tl.jvp(f, (X,), (v,))[1], np.sum(expected * v)),
                      (lambda: tl.vjp(f, X)[1](1.0), expected), (lambda: tl.hvp(f, X, v), hvp)):
        before = (sf.Counting.entered, sf.Counting.left)
        np.testing.assert_allclose(run(), want, rtol=1e-12)
        assert (sf.Counting.entered - before[0], sf.Counting.left - before[1]) == (1, 1)
    check(f, X)


# ---------------------------------------------------------------- try


@pytest.mark.parametrize("f,x", [
    (sf.try_else_finally, X),
    (sf.try_caught_raise, X),           # the body runs to its end
    (sf.try_caught_raise, X + 1.0),     # the raise is caught: the handler's path
    (sf.try_numpy_error, X),            # no error
    (sf.calls_try_helper, X),
    (sf.try_finally, X),                # no except clause
    (sf.try_finally_returns, X),
])
def test_try_differentiates_the_path_that_ran(f: Callable, x: np.ndarray) -> None:
    check(f, x)


def check_formula(f: Callable, x: np.ndarray, grad: np.ndarray, hess: np.ndarray) -> None:
    """At a point where the function jumps (finite differences cross to the other path):
    the derivatives of the path that ran, by hand, and the dot-product identity."""
    np.testing.assert_allclose(tl.grad(f)(x), grad, rtol=1e-12)
    v = np.linspace(-1.0, 1.5, x.size).reshape(x.shape)
    _, tangent = tl.jvp(f, (x,), (v,))
    np.testing.assert_allclose(tangent, np.sum(grad * v), rtol=1e-12)
    _, pullback = tl.vjp(f, x)
    np.testing.assert_allclose(np.sum(v * pullback(0.7)), 0.7 * tangent, rtol=1e-12)
    np.testing.assert_allclose(np.reshape(tl.hessian(f)(x), hess.shape), hess, rtol=1e-12)


def test_try_with_exceptions_numpy_raises() -> None:
    x = np.array([0.5, 1.0, 2.0])  # 1 / (x - 1) raises FloatingPointError under errstate: y = x * x
    check_formula(sf.try_numpy_error, x, 2.0 * x, 2.0 * np.eye(3))
    singular = np.array([[1.0, 2.0], [2.0, 4.0]])  # np.linalg.inv raises LinAlgError: y = 2 a
    check_formula(sf.try_singular, singular, 8.0 * singular, 8.0 * np.eye(4))
    check(sf.try_singular, np.array([[2.0, 0.5], [0.3, 1.0]]))


def test_statements_that_may_raise_in_try_and_with_are_kept_by_every_variant() -> None:
    """A statement whose value nothing needs still runs in a try body or a with block: whether
    it raises or warns decides the path (tl.grad's gradient-only variant once dropped it)."""
    for x, grad, hess in ((-0.7, 4 * -0.7 ** 3, 12 * 0.49), (0.7, 1 / 0.7, -1 / 0.49)):
        f = sf.try_unused_log
        assert tl.grad(f)(x) == pytest.approx(grad, rel=1e-12)
        assert tl.value_and_grad(f)(x)[1] == pytest.approx(grad, rel=1e-12)
        assert tl.jvp(f, (x,), (1.0,))[1] == pytest.approx(grad, rel=1e-12)
        assert tl.vjp(f, x)[1](1.0) == pytest.approx(grad, rel=1e-12)
        assert tl.hessian(f)(x) == pytest.approx(hess, rel=1e-12)
    x = np.array([0.5, 1.5])  # arccos(1.5) raises: sum(x * x)
    check_formula(sf.try_errstate_unused, x, 2.0 * x, 2.0 * np.eye(2))
    check(sf.try_errstate_unused, np.array([0.2, 0.5]))
    not_pd = np.array([[1.0, 2.0], [2.0, 1.0]])
    check_formula(sf.cholesky_check, not_pd, 3.0 * not_pd ** 2, np.diag(6.0 * not_pd.ravel()))
    check(sf.cholesky_check, np.array([[2.0, 0.5], [0.5, 1.0]]))
    check_formula(sf.warning_count, X, 4.0 * X, 4.0 * np.eye(3))  # one warning: 2 * sum(x * x)
    check(sf.warning_count, X + 6.0)
    for run in (lambda: tl.grad(sf.errstate_validation)(-X), lambda: tl.value_and_grad(sf.errstate_validation)(-X),
                lambda: tl.jvp(sf.errstate_validation, (-X,), (X,)), lambda: tl.hessian(sf.errstate_validation)(-X)):
        with pytest.raises(FloatingPointError):
            run()
    np.testing.assert_allclose(tl.grad(sf.errstate_validation)(X), 2.0 * X)


def test_a_name_the_exception_left_unbound_is_assigned_by_the_except_clause() -> None:
    f = sf.try_else_rebinds
    for x, grad, hess in ((-0.7, 0.0, 0.0), (0.7, 2.5 * 0.7 ** 1.5 + 1.4, 3.75 * 0.7 ** 0.5 + 2.0)):
        assert tl.grad(f)(x) == pytest.approx(grad, abs=1e-12)
        assert tl.value_and_grad(f)(x) == pytest.approx((f(x), grad), abs=1e-12)
        assert tl.jvp(f, (x,), (1.0,)) == pytest.approx((f(x), grad), abs=1e-12)
        assert tl.vjp(f, x)[1](1.0) == pytest.approx(grad, abs=1e-12)
        assert tl.hessian(f)(x) == pytest.approx(hess, abs=1e-12)
        assert tl.hvp(f, x, 1.0) == pytest.approx(hess, abs=1e-12)


def test_try_refusals_suggest_what_works() -> None:
    with pytest.warns(UserWarning, match="reverse over reverse not checked: reverse mode over reverse mode through "
                                         "this try block"):
        tl.check_grads(sf.try_unused_log, (0.7,), order=2)  # forward over forward and over reverse are checked
    x = np.array([0.3, -0.7, 1.1, -0.2])
    with pytest.raises(tl.UnsupportedConstructError) as info:
        tl.grad(sf.try_overwrites_in_loop)(x)
    assert "tl.jvp of tl.jvp" in str(info.value) and "tl.hessian and tl.hvp use reverse mode too" in str(info.value)
    v = np.linspace(-1.0, 1.5, 4)
    with np.errstate(invalid="raise"):  # the suggestion works: second derivative along v, forward over forward
        first = lambda z: tl.jvp(sf.try_overwrites_in_loop, (z,), (v,))[1]
        _, second = tl.jvp(first, (x,), (v,))
        eps = 1e-5
        np.testing.assert_allclose(second, (first(x + eps * v) - first(x - eps * v)) / (2 * eps), rtol=1e-6)


def test_break_in_an_except_clause_is_refused_naming_it() -> None:
    for run in (lambda: tl.grad(sf.break_in_except)(X), lambda: tl.jvp(sf.break_in_except, (X,), (X,))):
        with pytest.raises(tl.UnsupportedConstructError) as info:
            run()
        msg = str(info.value)
        assert "'break' in an 'except' clause is not supported" in msg and "|             break" in msg
        assert "_brk" not in msg and "if failed: break" in msg
    x = np.array([0.3, 0.7])
    _, t = tl.jvp(sf.break_after_except, (x,), (np.ones(2),))  # the suggested rewrite works: 0.729 x^4
    np.testing.assert_allclose(t, np.sum(4 * 0.729 * x ** 3), rtol=1e-12)


def test_try_with_several_handlers() -> None:
    check(sf.try_several_handlers, X, "a")   # the body
    check(sf.try_several_handlers, X, "b")   # KeyError: np.exp
    check(sf.try_several_handlers, X, None)  # KeyError too (None is hashable)
    np.testing.assert_allclose(tl.grad(sf.try_several_handlers)(X, "b"), np.exp(X))


def test_try_in_a_loop() -> None:
    x = np.array([0.3, -0.7, 1.1, -0.2])
    _, t = tl.jvp(sf.try_in_loop, (x,), (np.ones(4),))
    np.testing.assert_allclose(t, np.sum(fd_grad(sf.try_in_loop, x)), rtol=1e-6)
    with np.errstate(invalid="raise"):
        _, t = tl.jvp(sf.try_overwrites_in_loop, (x,), (np.ones(4),))
        expected = np.sum(np.where(x > 0, 0.5 / np.sqrt(np.abs(x)), -1.0))
        np.testing.assert_allclose(t, expected, rtol=1e-12)
        # reverse mode cannot undo what the try block saved before sqrt raised: refused, not wrong
        with pytest.raises(tl.UnsupportedConstructError) as info:
            tl.grad(sf.try_overwrites_in_loop)(x)
    assert "reverse mode through this try block is not supported" in str(info.value)
    assert str(info.value).split("\n")[1].strip().endswith("|         try:") and "use forward mode" in str(info.value)


def test_a_bare_raise_in_an_except_clause_raises_what_it_caught(capsys: Any) -> None:
    check(sf.try_reraise, X)
    for run in (lambda: tl.grad(sf.try_reraise)(X * 100.0), lambda: tl.jvp(sf.try_reraise, (X * 100.0,), (X,))):
        with pytest.raises(ValueError, match="too large"):
            run()
    assert capsys.readouterr().out.count("giving up") >= 2


def test_try_that_may_stop_half_way_is_refused() -> None:
    with pytest.raises(tl.UnsupportedConstructError) as info:
        tl.grad(sf.try_handler_reads_partial)(X)
    assert "'a' may be assigned in the try block" in str(info.value)
    with pytest.raises(tl.UnsupportedConstructError) as info:
        tl.grad(sf.try_partial)(X)
    msg = str(info.value)
    assert "'a' may be assigned in the try block" in msg and "statement_fixtures.py:" in msg
    assert "    try:" in msg and "To fix: assign 'a' in every except clause" in msg


# ---------------------------------------------------------------- *args, **kwargs, f(*xs), f(**kw)


@pytest.mark.parametrize("f", [sf.star_params, sf.kw_params, sf.mixed_call, sf.star_call, sf.star_reshape,
                               sf.kw_call, sf.star_into_helper])
def test_star_parameters_and_calls(f: Callable) -> None:
    check(f, X)


def test_star_parameters_of_the_function_differentiated_work_as_called() -> None:
    # (differentiated through a function of the call's arguments: tangent_lite/varargs.py)
    np.testing.assert_allclose(tl.grad(lambda *xs: np.sum(sf.sum_squares(*xs)), wrt=(0, 1))(X, X), (2 * X, 2 * X))
    np.testing.assert_allclose(tl.grad(lambda x, **kw: np.sum(sf.scaled(x, **kw)))(X, scale=2.0), 2.0 + 0 * X)
    check(lambda z: np.sum(sf.sum_squares(z, 2.0 * z)), X)
    check(lambda z: np.sum(sf.scaled(z, scale=2.0)), X)


def test_star_of_unknown_length_is_refused_when_it_carries_derivatives() -> None:
    with pytest.raises(tl.NoRuleError) as info:
        tl.grad(sf.star_unknown_length)(X)
    msg = str(info.value)
    assert "'*' or '**' unpacking" in msg and "return np.hypot(*parts)" in msg and "To fix" in msg


# ---------------------------------------------------------------- :=, del, dict(), astype


@pytest.mark.parametrize("f,x", [(sf.walrus, X), (sf.walrus, X * 0.1), (sf.walrus_in_comprehension, X),
                                 (sf.delete, X), (sf.dict_call, X), (sf.astype, X), (sf.astype_bool, X)])
def test_small_statements_and_expressions(f: Callable, x: np.ndarray) -> None:
    check(f, x)


def test_astype_to_int_has_no_derivative_and_to_float_is_the_identity() -> None:
    np.testing.assert_allclose(tl.grad(sf.astype)(X), 2.0 * X + 0.5, rtol=1e-6)
    y = X.copy()
    tl.grad(sf.astype)(y)
    np.testing.assert_array_equal(y, X)
    g = tl.grad(sf.astype_single)(X)
    np.testing.assert_allclose(g, 0.5)
    _, t = tl.jvp(sf.astype_single, (X,), (np.ones(3),))
    assert t.dtype == np.float32 and abs(t - 1.5) < 1e-6


MATCH_SOURCE = '''
import numpy as np


def by_kind(x, kind):
    match kind:
        case "sin":
            y = np.sin(x)
        case "sq" | "square":
            y = x * x
        case None:
            y = x
        case str() if False:
            y = x
        case _:
            y = np.exp(x)
    return np.sum(y)


def by_value(x, k):
    match k:
        case 0:
            return np.sum(x)
        case n if n > 2:
            return np.sum(x ** n)
        case other:
            return np.sum(x * other)
'''


@pytest.mark.skipif(sys.version_info < (3, 10), reason="match needs Python 3.10")
def test_match_on_values(tmp_path: Any) -> None:
    mod = temp_module(tmp_path, MATCH_SOURCE.replace("        case str() if False:\n            y = x\n", ""),
                      "stmt_match")
    for kind in ("sin", "sq", "square", None, "other"):
        check(mod.by_kind, X, kind)
    for k in (0, 3, 2):
        check(mod.by_value, X, k)
    np.testing.assert_allclose(tl.grad(mod.by_value)(X, 3), 3 * X ** 2)


@pytest.mark.skipif(sys.version_info < (3, 10), reason="match needs Python 3.10")
def test_match_class_patterns_are_refused(tmp_path: Any) -> None:
    mod = temp_module(tmp_path, MATCH_SOURCE, "stmt_match_cls")
    with pytest.raises(tl.UnsupportedConstructError) as info:
        tl.grad(mod.by_kind)(X, "sin")
    assert "a class pattern in 'match' is not supported" in str(info.value)
    assert "case str() if False:" in str(info.value)


# ---------------------------------------------------------------- globals, print, logging


@pytest.mark.parametrize("f", [sf.global_read, sf.global_free])
def test_global_reads_are_read_at_every_call(f: Callable) -> None:
    old = sf.SCALE
    try:
        check(f, X)
        g2 = tl.grad(f)(X)
        sf.SCALE = 5.0
        check(f, X)
        np.testing.assert_allclose(tl.grad(f)(X), g2 * 2.5)
        _, t = tl.jvp(f, (X,), (np.ones(3),))
        np.testing.assert_allclose(t, np.sum(g2) * 2.5)
    finally:
        sf.SCALE = old


def test_global_writes_are_refused() -> None:
    with pytest.raises(tl.UnsupportedConstructError) as info:
        tl.grad(sf.global_write)(X)
    assert "'global' declaration of a name the function assigns (SCALE)" in str(info.value)


def test_print_and_logging_of_active_values(capsys: Any, caplog: Any) -> None:
    check(sf.prints, X)
    capsys.readouterr()
    with caplog.at_level(logging.INFO, logger="tangent_lite.tests.statements"):
        g = tl.grad(sf.prints)(X)
        out = capsys.readouterr().out
        assert out.count("y =") == 1 and str(np.sin(X)) in out
        assert sum("y [" in r.getMessage() for r in caplog.records) == 1
        _, t = tl.jvp(sf.prints, (X,), (np.ones(3),))
        assert capsys.readouterr().out.count("y =") == 1
    np.testing.assert_allclose(g, np.cos(X) * X + np.sin(X))


# ---------------------------------------------------------------- lambdas anywhere


@pytest.mark.parametrize("f", [sf.two_lambdas, sf.lambda_table, sf.lambda_map, sf.lambda_sorted, sf.lambda_reduce,
                               sf.nested_lambdas])
def test_lambdas_anywhere(f: Callable) -> None:
    check(f, X)


def test_sorted_with_a_key_orders_as_python_does() -> None:
    x = np.array([0.5, -0.25, 1.25])  # items 0.5, -0.5, 0.25: keys z * z tie for 0.5 and -0.5

    def in_python_order(z: np.ndarray) -> float:  # the order Python's sorted picks at x, held fixed
        items = [z[0], z[1] * 2.0, z[2] - 1.0]
        at_x = [x[0], x[1] * 2.0, x[2] - 1.0]
        up = [items[i] for i in sorted(range(3), key=lambda i: -at_x[i])]
        down = [items[i] for i in sorted(range(3), key=lambda i: at_x[i] * at_x[i], reverse=True)]
        return up[0] * 2.0 + up[1] + down[0] * down[2]

    assert sf.lambda_sorted(x) == in_python_order(x)
    np.testing.assert_allclose(tl.grad(sf.lambda_sorted)(x), fd_grad(in_python_order, x), rtol=1e-6)
    _, t = tl.jvp(sf.lambda_sorted, (x,), (np.ones(3),))
    np.testing.assert_allclose(t, np.sum(fd_grad(in_python_order, x)), rtol=1e-6)


@pytest.mark.parametrize("f,expected", [(sf.PAIR[0], lambda x: 2.0 + np.cos(x)),
                                        (sf.PAIR[1], lambda x: 3.0 + np.cos(x)),
                                        (sf.SAME[1], lambda x: 2.0 * x),
                                        (sf.TABLE[0], lambda x: 2.0 * x),
                                        (sf.TABLE[1], np.cos)])
def test_lambdas_sharing_a_line_or_inside_a_literal_are_told_apart(f: Callable, expected: Callable) -> None:
    np.testing.assert_allclose(tl.grad(f)(X), expected(X), rtol=1e-12)
    _, t = tl.jvp(f, (X,), (np.ones(3),))
    np.testing.assert_allclose(t, np.sum(expected(X)), rtol=1e-12)
    check(f, X)


def test_lambdas_that_cannot_be_told_apart_are_refused_naming_them(tmp_path: Any, monkeypatch: Any) -> None:
    from tangent_lite.syntax import reading

    text = "import numpy as np\n\nPAIR = (lambda x: x * 2.0 + x, lambda x: x + x * 2.0)\n"
    mod = temp_module(tmp_path, text, "stmt_lambda_pair")
    if sys.version_info >= (3, 11):
        np.testing.assert_allclose(tl.grad(mod.PAIR[1])(1.0), 3.0)  # the code's positions tell them apart
    monkeypatch.setattr(reading, "_positions", lambda code: [])  # as on Python 3.9 / 3.10
    mod = temp_module(tmp_path, text, "stmt_lambda_pair")
    np.testing.assert_allclose(tl.grad(mod.PAIR[1])(1.0), 3.0)  # (and the order of their operations)
    # the same operations, constants and names (2.0 * 3.0 is folded to 6.0): nothing tells them apart
    text = "import numpy as np\n\nPAIR = (lambda x: x * (2.0 * 3.0) + x, lambda x: x * 6.0 + x)\n"
    mod = temp_module(tmp_path, text, "stmt_lambda_pair2")
    with pytest.raises(tl.SourceUnavailableError) as info:
        tl.grad(mod.PAIR[1])(1.0)
    msg = str(info.value)
    assert "'lambda x: x * (2.0 * 3.0) + x' and 'lambda x: x * 6.0 + x' cannot be told apart" in msg
    assert "give the lambda its own line or turn it into a def" in msg


def test_a_list_of_lambdas_chosen_at_run_time_is_refused(tmp_path: Any) -> None:
    mod = temp_module(tmp_path, '''
import numpy as np


def pick(x, k):
    fs = [lambda z: z * z, lambda z: np.sin(z)]
    return np.sum(fs[k](x))
''', "stmt_lambda_pick")
    with pytest.raises(tl.UnsupportedConstructError) as info:
        tl.grad(mod.pick)(X, 1)
    assert "calling a lambda of 'fs' chosen by a value known only when the code runs" in str(info.value)
    assert "return np.sum(fs[k](x))" in str(info.value)
