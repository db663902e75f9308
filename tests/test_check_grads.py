"""tl.check_grads: passes on right derivatives and fails on wrong ones, at first and second order."""

import check_grads_fixtures as fx
import numpy as np
import pytest

import tangent_lite as tl

X = np.array([0.3, -0.7, 1.1])


def test_right_rules_pass_first_and_second_order():
    tl.check_grads(fx.uses_good, (X,), order=2)


def test_wrong_first_derivative_is_caught_in_reverse_mode():
    with pytest.raises(AssertionError, match="reverse mode"):
        tl.check_grads(fx.uses_wrong, (X,))


def test_rule_right_at_first_order_only_is_caught_at_second_order():
    tl.check_grads(fx.uses_flat, (X,), order=1)
    with pytest.raises(AssertionError, match="second|over"):
        tl.check_grads(fx.uses_flat, (X,), order=2)


def test_bad_order_is_refused():
    with pytest.raises(ValueError):
        tl.check_grads(fx.uses_good, (X,), order=3)


def test_no_float_argument_is_refused():
    with pytest.raises(ValueError):
        tl.check_grads(lambda n: n, (3,))
