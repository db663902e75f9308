"""Checkpointed loops whose body draws random numbers (noise injection, dropout).

Breaker 29 #3: the reverse sweep of a ``tl.checkpointed`` loop recomputes steps from snapshots
(runtime/checkpoint.py); a step drawing from a random generator drew new numbers there, so the
gradient belonged to another noise sequence than the value (right value, wrong gradient, silent).
Now each snapshot keeps the states of the generators the step may draw from (found by the walk of
runtime/generators.py, which tangent_lite.draws uses too) and every recomputed step starts from
them: it sees the draws it saw in the forward sweep.  After the reverse sweep the generators are
as they were before it.  Checked against central finite differences with the generator reset
before each evaluation, for NumPy's global generator, ``random``, ``RandomState`` and Generators
held in globals, containers, closures, arguments and helper functions; snapshots 0, 1, 2 and
several step counts; ``tl.grad``, ``tl.vjp`` (pullback called later, and twice) and adgen files.
Draws from a source no snapshot can keep (an unseeded generator made in the body, SystemRandom)
make a recomputed step differ from the forward sweep's: refused (ArgumentError), not a wrong gradient.
"""

from __future__ import annotations

import importlib.util
import itertools
import random
import sys
import textwrap

import numpy as np
import pytest

import tangent_lite as tl
from tangent_lite import cli
from tangent_lite.errors import ArgumentError

RNG = np.random.default_rng(7)
RS = np.random.RandomState(3)
BOX = {"noise": np.random.default_rng(11)}
X = np.array([0.3, -0.5])


def f_generator(x, n, k):
    h = x
    for _ in tl.checkpointed(range(n), snapshots=k):
        h = np.tanh(h * 1.3 + RNG.normal(size=2))
    return np.sum(h * h)


def f_dropout(x, n, k):
    h = x
    for t in tl.checkpointed(range(n), snapshots=k):
        keep = RNG.random(2) > 0.4
        h = np.sin(h * 1.1 + 0.2 * t) * keep / 0.6 + 0.1 * h
    return np.sum(h * h)


def f_numpy_global(x, n, k):
    h = x
    for _ in tl.checkpointed(range(n), snapshots=k):
        h = np.tanh(h * 1.3 + np.random.normal(size=2))
    return np.sum(h * h)


def f_random_module(x, n, k):
    h = x
    for _ in tl.checkpointed(range(n), snapshots=k):
        h = np.tanh(h * 1.3 + random.gauss(0.0, 1.0))
    return np.sum(h * h)


def f_random_state(x, n, k):
    h = x
    for _ in tl.checkpointed(range(n), snapshots=k):
        h = np.tanh(h * 1.3 + RS.standard_normal(2))
    return np.sum(h * h)


def f_in_a_dict(x, n, k):
    h = x
    for _ in tl.checkpointed(range(n), snapshots=k):
        h = np.tanh(h * 1.3 + BOX["noise"].normal(size=2))
    return np.sum(h * h)


def noise():
    return RNG.normal(size=2)


def f_helper(x, n, k):
    h = x
    for _ in tl.checkpointed(range(n), snapshots=k):
        h = np.tanh(h * 1.3 + noise())
    return np.sum(h * h)


def f_argument(x, gen, n, k):
    h = x
    for _ in tl.checkpointed(range(n), snapshots=k):
        h = np.tanh(h * 1.3 + gen.normal(size=2))
    return np.sum(h * h)


ARG_GEN = np.random.default_rng(5)


def _make_closure():
    gen = np.random.default_rng(13)

    def f_closure(x, n, k):
        h = x
        for _ in tl.checkpointed(range(n), snapshots=k):
            h = np.tanh(h * 1.3 + gen.normal(size=2))
        return np.sum(h * h)

    return f_closure, gen


f_closure, CLOSURE_GEN = _make_closure()


def _bit_state(gen):
    return gen.bit_generator.state


def _set_bit_state(gen, state):
    gen.bit_generator.state = state


# name -> (function, extra arguments before n and k, (take the state, set the state))
KINDS = {
    "generator": (f_generator, (), (lambda: _bit_state(RNG), lambda s: _set_bit_state(RNG, s))),
    "dropout": (f_dropout, (), (lambda: _bit_state(RNG), lambda s: _set_bit_state(RNG, s))),
    "numpy_global": (f_numpy_global, (), (np.random.get_state, np.random.set_state)),
    "random_module": (f_random_module, (), (random.getstate, random.setstate)),
    "random_state": (f_random_state, (), (RS.get_state, RS.set_state)),
    "in_a_dict": (f_in_a_dict, (), (lambda: _bit_state(BOX["noise"]), lambda s: _set_bit_state(BOX["noise"], s))),
    "helper": (f_helper, (), (lambda: _bit_state(RNG), lambda s: _set_bit_state(RNG, s))),
    "closure": (f_closure, (), (lambda: _bit_state(CLOSURE_GEN), lambda s: _set_bit_state(CLOSURE_GEN, s))),
    "argument": (f_argument, (ARG_GEN,), (lambda: _bit_state(ARG_GEN), lambda s: _set_bit_state(ARG_GEN, s))),
}
SCHEDULES = [(1, 0), (2, 1), (5, 0), (5, 1), (6, 2), (9, 1), (9, 2), (3, 5)]


def _fd_grad(fn, x, reset, h=1e-6):
    """Central finite differences of ``fn``, the generator reset before each evaluation."""
    out = []
    for e in np.eye(x.size):
        reset()
        up = fn(x + h * e)
        reset()
        down = fn(x - h * e)
        out.append((up - down) / (2 * h))
    return np.array(out)


@pytest.mark.parametrize("n,k", SCHEDULES)
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_recomputed_steps_see_the_forward_draws(kind, n, k):
    f, extra, (get, set_) = KINDS[kind]
    start = get()

    def reset():
        set_(start)

    fd = _fd_grad(lambda z: f(z, *extra, n, k), X, reset)
    reset()
    once = f(X, *extra, n, k)
    after_one_run = get()
    reset()
    value, grad = tl.value_and_grad(f)(X, *extra, n, k)
    assert value == pytest.approx(once, rel=1e-12)
    np.testing.assert_allclose(grad, fd, rtol=1e-6, atol=1e-8)
    assert repr(get()) == repr(after_one_run)  # the reverse sweep left the generator as one run does


@pytest.mark.parametrize("n,k", [(6, 1), (9, 2), (4, 0)])
def test_a_pullback_called_later_and_twice_keeps_the_callers_draws(n, k):
    start = _bit_state(RNG)
    fd = _fd_grad(lambda z: f_generator(z, n, k), X, lambda: _set_bit_state(RNG, start))
    _set_bit_state(RNG, start)
    value, pullback = tl.vjp(f_generator, X, n, k)
    RNG.normal(size=3)  # the caller draws in between
    before = _bit_state(RNG)
    first = pullback(1.0)
    assert _bit_state(RNG) == before
    np.testing.assert_allclose(first, fd, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(pullback(1.0), first, rtol=1e-12)
    assert _bit_state(RNG) == before


def test_a_loop_without_draws_walks_nothing_into_its_record(monkeypatch):
    from tangent_lite import runtime

    records = []
    original = runtime.checkpoint_reverse

    def spy(rec, *args):
        records.append(rec)
        return original(rec, *args)

    monkeypatch.setattr(runtime, "checkpoint_reverse", spy)

    def plain(x, n, k):
        h = x
        for t in tl.checkpointed(range(n), snapshots=k):
            h = np.tanh(h * 1.3 + 0.1 * t)
        return np.sum(h)

    tl.grad(plain)(X, 5, 1)
    tl.grad(f_generator)(X, 5, 1)
    assert records[0].generators == [] and records[1].generators == [RNG]


def f_unseeded(x, n, k):
    h = x
    for _ in tl.checkpointed(range(n), snapshots=k):
        h = np.tanh(h * 1.3 + np.random.default_rng().normal(size=2))
    return np.sum(h * h)


SYSTEM = random.SystemRandom()


def f_system(x, n, k):
    h = x
    for _ in tl.checkpointed(range(n), snapshots=k):
        h = np.tanh(h * 1.3 + SYSTEM.gauss(0.0, 1.0))
    return np.sum(h * h)


@pytest.mark.parametrize("n,k", [(1, 0), (5, 1), (6, 2), (4, 4)])
@pytest.mark.parametrize("f", [f_unseeded, f_system])
def test_draws_that_cannot_be_replayed_are_refused(f, n, k):
    """A source no snapshot can keep: the recomputed step's values differ from the forward sweep's."""
    with pytest.raises(ArgumentError, match=rf"the step \d+ of the checkpointed loop \({f.__name__}_loop1_step\) gave "
                       "other values when the reverse sweep ran it again") as info:
        tl.grad(f)(X, n, k)
    assert "a generator held in a global, a closure or an argument" in str(info.value)


MODEL = textwrap.dedent('''
    import numpy as np
    import tangent_lite as tl

    rng = np.random.default_rng(21)


    def f(x):
        h = x
        for t in tl.checkpointed(range(7), snapshots=2):
            h = np.tanh(h * 1.3 + rng.normal(size=2)) + 0.1 * np.random.normal(size=2)
        return np.sum(h * h)
''')
_COUNTER = itertools.count()


@pytest.mark.parametrize("arrays", ["numpy", "any"])
def test_adgen_files_replay_the_draws(tmp_path, arrays):
    name = f"ckpt_draws_model_{next(_COUNTER)}"
    (tmp_path / f"{name}.py").write_text(MODEL)
    out = tmp_path / f"{name}_vjp.py"
    assert cli.main([f"{tmp_path / name}.py:f", "--mode", "vjp", "--wrt", "x", "--arrays", arrays,
                     "-o", str(out)]) == 0
    user = sys.modules[name]
    spec = importlib.util.spec_from_file_location(out.stem, out)
    generated = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generated)
    start = (_bit_state(user.rng), np.random.get_state())

    def reset():
        _set_bit_state(user.rng, start[0])
        np.random.set_state(start[1])

    fd = _fd_grad(user.f, X, reset)
    reset()
    once = user.f(X)
    after = (_bit_state(user.rng), repr(np.random.get_state()))
    reset()
    value, grad = generated.f_vjp(X)
    assert value == pytest.approx(once, rel=1e-12)
    np.testing.assert_allclose(grad, fd, rtol=1e-6, atol=1e-8)
    assert (_bit_state(user.rng), repr(np.random.get_state())) == after
