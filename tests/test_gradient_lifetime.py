"""A gradient is freed as soon as its caller drops it: nothing tangent_lite keeps (a reference
cycle through the copy made by ``arguments.detached``) holds it until the garbage collector runs.
Such a cycle cost every call of tl.grad on NumPy arrays fresh memory (page faults: the benchmarks'
mlp gradient took 1.3 times as long with the collector off, as timeit runs)."""

from __future__ import annotations

import gc
import weakref

import numpy as np

import tangent_lite as tl


def layer(W, b, X):
    return np.sum(np.tanh(X @ W + b) ** 2)


def _args():
    rng = np.random.default_rng(0)
    return rng.normal(size=(4, 3)), rng.normal(size=3), rng.normal(size=(5, 4))


def _freed_at_once(make):
    """Does dropping the arrays ``make()`` returns free them, with the garbage collector off?"""
    enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        arrays = make()
        refs = [weakref.ref(a) for a in arrays]
        del arrays
        return [r() is None for r in refs]
    finally:
        if enabled:
            gc.enable()


def test_gradients_are_freed_when_dropped():
    W, b, X = _args()
    grad = tl.grad(layer, wrt=(0, 1))
    grad(W, b, X)  # generate first
    assert all(_freed_at_once(lambda: list(grad(W, b, X))))
    both = tl.value_and_grad(layer, wrt=(0, 1))
    both(W, b, X)
    assert all(_freed_at_once(lambda: list(both(W, b, X)[1])))


def test_tangents_and_cotangents_are_freed_when_dropped():
    W, b, X = _args()
    tl.jvp(layer, (W, b, X), (W, b, X))
    assert all(_freed_at_once(lambda: [tl.jvp(lambda w: np.tanh(X @ w + b), (W,), (W,))[1]]))
    _, pullback = tl.vjp(lambda w: np.tanh(X @ w + b), W)
    seed = np.ones((5, 3))
    assert all(_freed_at_once(lambda: [pullback(seed)[0] if isinstance(pullback(seed), tuple)
                                       else pullback(seed)]))
