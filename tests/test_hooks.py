"""tl.grad_hook: code inserted into the reverse sweep at a variable's adjoint."""

import hook_fixtures as hf
import numpy as np

import tangent_lite as tl


def test_hook_clips_the_adjoint_and_sees_it():
    x = np.array([0.1, 1.0, -2.0])
    hf.SEEN.clear()
    g = tl.grad(hf.clipped)(x)
    h = np.sin(x) * 10.0
    np.testing.assert_allclose(hf.SEEN[0], 2 * h)  # the adjoint of h, seen by the hook
    np.testing.assert_allclose(g, np.clip(2 * h, -1, 1) * 10.0 * np.cos(x))
    assert hf.clipped(x) == np.sum(h * h)  # the forward value is untouched


def test_forward_mode_is_the_identity():
    x = np.array([0.1, 1.0, -2.0])
    v = np.array([1.0, 0.5, -1.0])
    _, t = tl.jvp(hf.clipped, (x,), (v,))
    h = np.sin(x) * 10.0
    np.testing.assert_allclose(t, np.sum(2 * h * 10.0 * np.cos(x) * v))


def test_hook_in_a_loop_runs_every_iteration_of_the_reverse_sweep():
    x = np.array([0.3, -0.2])
    g = tl.grad(hf.in_loop)(x, 3)
    # by hand: clip(gy) then chain through 1.5 * tanh
    xs = [x]
    for _ in range(3):
        xs.append(np.tanh(xs[-1]) * 1.5)
    gy = np.ones(2)
    for k in range(3, 0, -1):
        gy = np.clip(gy, -1, 1) * 1.5 * (1 - np.tanh(xs[k - 1]) ** 2)
    np.testing.assert_allclose(g, gy)


def test_generated_code_calls_the_hook_by_name():
    text = tl.source(hf.clipped)
    assert "clip(" in text and "record(" in text
