"""Binomial checkpointing of loops (tl.checkpointed): same gradients, k snapshots, optimal recomputation."""

import itertools
from functools import cache

import checkpoint_fixtures as cf
import numpy as np
import pytest

import tangent_lite as tl
from tangent_lite import runtime


@cache
def brute_force_cost(steps, snaps):
    """Least untaped step evaluations to reverse `steps` steps with `snaps` extra snapshots (DP)."""
    if steps <= 1:
        return 0
    if snaps == 0:
        return steps * (steps - 1) // 2
    return min(d + brute_force_cost(steps - d, snaps - 1) + brute_force_cost(d, snaps) for d in range(1, steps))


@pytest.mark.parametrize("steps,snaps", list(itertools.product(range(1, 40), range(0, 6))))
def test_closed_form_cost_is_the_dynamic_programming_optimum(steps, snaps):
    assert runtime.checkpoint_cost(steps, snaps) == brute_force_cost(steps, snaps)


@pytest.mark.parametrize("steps,snaps", [(10, 1), (25, 3), (60, 4), (100, 7)])
def test_split_rule_achieves_the_optimum(steps, snaps):
    def cost(length, s):
        if length <= 1:
            return 0
        if s == 0:
            return length * (length - 1) // 2
        d = runtime.binomial_split(length, s)
        return d + cost(length - d, s - 1) + cost(d, s)

    assert cost(steps, snaps) == brute_force_cost(steps, snaps)


def _spy(monkeypatch):
    records = []
    original = runtime.checkpoint_reverse

    def spy(rec, *args):
        out = original(rec, *args)
        records.append(rec)
        return out

    monkeypatch.setattr(runtime, "checkpoint_reverse", spy)
    return records


@pytest.mark.parametrize("n,k", [(1, 1), (2, 1), (17, 0), (40, 3), (200, 10)])
def test_rnn_gradients_equal_the_uncheckpointed_ones(n, k, monkeypatch):
    rng = np.random.default_rng(n)
    W, h0 = rng.normal(size=(4, 4)) * 0.5, rng.normal(size=4)
    records = _spy(monkeypatch)
    value, (gW, gh) = tl.value_and_grad(cf.rnn_ck, wrt=(0, 1))(W, h0, n, k)
    ref_value, (rW, rh) = tl.value_and_grad(cf.rnn_plain, wrt=(0, 1))(W, h0, n, k)
    assert value == pytest.approx(ref_value, rel=1e-12)
    np.testing.assert_allclose(gW, rW, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gh, rh, rtol=1e-10, atol=1e-12)
    (rec,) = records
    assert rec.taped == n  # every step taped exactly once
    assert rec.advances == runtime.checkpoint_cost(n, k)  # the binomial optimum
    assert rec.peak_snapshots <= k


@pytest.mark.parametrize("y", [0.7, -0.4])
def test_branchy_ode_checkpointed_matches_plain_and_finite_differences(y):
    g = tl.grad(cf.ode_ck, wrt=(0, 1))(y, 0.8, 60, 4)
    ref = tl.grad(cf.ode_plain, wrt=(0, 1))(y, 0.8, 60, 4)
    assert g == pytest.approx(ref, rel=1e-12)
    tl.check_grads(cf.ode_ck, (y, 0.8, 30, 3), wrt=(0, 1))


def test_nested_loop_inside_a_checkpointed_loop():
    x = np.array([0.3, -0.2, 0.5])
    g = tl.grad(cf.ck_with_inner_loop)(x, 25, 3)
    ref = tl.grad(cf.inner_loop_plain)(x, 25, 3)
    np.testing.assert_allclose(g, ref, rtol=1e-12)
    tl.check_grads(cf.ck_with_inner_loop, (x, 8, 2), wrt=(0,))


def test_checkpointed_pullback_can_be_called_twice():
    rng = np.random.default_rng(3)
    W, h0 = rng.normal(size=(3, 3)) * 0.5, rng.normal(size=3)
    _, pullback = tl.vjp(cf.rnn_ck, W, h0, 12, 2)
    np.testing.assert_allclose(pullback(1.0), pullback(1.0))


def test_forward_mode_ignores_the_marker():
    rng = np.random.default_rng(4)
    W, h0 = rng.normal(size=(3, 3)) * 0.5, rng.normal(size=3)
    V = rng.normal(size=(3, 3))
    _, t1 = tl.jvp(cf.rnn_ck, (W, h0, 10, 2), (V,))
    _, t2 = tl.jvp(cf.rnn_plain, (W, h0, 10, 2), (V,))
    assert t1 == pytest.approx(t2, rel=1e-12)


def test_generated_code_calls_the_schedule():
    text = tl.source(cf.rnn_ck)
    assert "_tl.checkpoint_forward(rnn_ck_loop1_step" in text
    assert "_tl.checkpoint_reverse(" in text
    assert "def rnn_ck_loop1_bwd(" in text


def test_decorator_option_checkpoints_top_level_loops(monkeypatch):
    rng = np.random.default_rng(5)
    W, h0 = rng.normal(size=(4, 4)) * 0.5, rng.normal(size=4)
    records = _spy(monkeypatch)
    g = cf.rnn_decorated.grad(W, h0, 30, 0)
    ref = tl.grad(cf.rnn_plain)(W, h0, 30, 0)
    np.testing.assert_allclose(g, ref, rtol=1e-12)
    (rec,) = records
    assert rec.snapshots == 3 and rec.advances == runtime.checkpoint_cost(30, 3)
    assert "_tl.checkpoint_forward(" in cf.rnn_decorated.source()
