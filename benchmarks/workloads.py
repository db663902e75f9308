"""Benchmark workloads: each is a plain function, its hand-written gradient, and its inputs.

The plain functions are what a user would write and hand to tangent_lite; the hand-written
gradients are what a careful user would write instead (reverse mode by hand, vectorised,
no tape object: plain lists of saved values).  ``benchmarks/run.py`` checks that
``tl.grad`` agrees with the hand-written gradient before timing anything.

Every workload returns its gradient as a tuple with one entry per ``wrt`` argument.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Dict, Sequence, Tuple

import numpy as np

# ------------------------------------------------------------------ scalar loop


def scalar_loop(x, n):
    for _ in range(n):
        x = 0.5 * x + math.sin(x)
    return x


def scalar_loop_grad(x, n):
    xs = []
    for _ in range(n):
        xs.append(x)
        x = 0.5 * x + math.sin(x)
    g = 1.0
    for x in reversed(xs):
        g = g * (0.5 + math.cos(x))
    return (g,)


# ------------------------------------------------------------------ Rosenbrock


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def rosenbrock_grad(x):
    a, b = x[:-1], x[1:]
    r = b - a * a
    g = np.zeros_like(x)
    g[:-1] = -400.0 * r * a - 2.0 * (1.0 - a)
    g[1:] += 200.0 * r
    return (g,)


# ------------------------------------------------------------------ MLP


def mlp_loss(W1, b1, W2, b2, X, Y):
    h = np.tanh(X @ W1 + b1)
    out = h @ W2 + b2
    d = out - Y
    return np.sum(d * d) / X.shape[0]


def mlp_loss_grad(W1, b1, W2, b2, X, Y):
    h = np.tanh(X @ W1 + b1)
    d = h @ W2 + b2 - Y
    d_out = (2.0 / X.shape[0]) * d
    gW2 = h.T @ d_out
    gb2 = d_out.sum(axis=0)
    d_pre = (d_out @ W2.T) * (1.0 - h * h)
    gW1 = X.T @ d_pre
    gb1 = d_pre.sum(axis=0)
    return gW1, gb1, gW2, gb2


# ------------------------------------------------------------------ RNN


def rnn_loss(Wx, Wh, b, h0, xs):
    h = h0
    loss = 0.0
    for t in range(xs.shape[0]):
        h = np.tanh(xs[t] @ Wx + h @ Wh + b)
        loss = loss + np.sum(h * h)
    return loss


def rnn_loss_grad(Wx, Wh, b, h0, xs):
    hs = [h0]
    h = h0
    for t in range(xs.shape[0]):
        h = np.tanh(xs[t] @ Wx + h @ Wh + b)
        hs.append(h)
    gWx = np.zeros_like(Wx)
    gWh = np.zeros_like(Wh)
    gb = np.zeros_like(b)
    gh = np.zeros_like(h0)
    for t in reversed(range(xs.shape[0])):
        h, h_prev = hs[t + 1], hs[t]
        gh = gh + 2.0 * h
        d_pre = gh * (1.0 - h * h)
        gWx += xs[t].T @ d_pre
        gWh += h_prev.T @ d_pre
        gb += d_pre.sum(axis=0)
        gh = d_pre @ Wh.T
    return gWx, gWh, gb


# ------------------------------------------------------------------ logistic map


def logistic_map(r, x, n):
    for _ in range(n):
        x = r * x * (1.0 - x)
    return x


def logistic_map_grad(r, x, n):
    xs = []
    for _ in range(n):
        xs.append(x)
        x = r * x * (1.0 - x)
    gr, gx = 0.0, 1.0
    for x in reversed(xs):
        gr = gr + gx * x * (1.0 - x)
        gx = gx * r * (1.0 - 2.0 * x)
    return gr, gx


# ------------------------------------------------------------------ the table


@dataclass
class Workload:
    name: str
    description: str
    fn: Callable
    grad: Callable  # hand-written, returns a tuple (one entry per wrt argument)
    wrt: Tuple[int, ...]
    make_args: Callable[[np.random.Generator], Tuple[Any, ...]]
    # optional smaller inputs where the gradient is far from zero, to check it meaningfully
    check_args: Callable[[np.random.Generator], Tuple[Any, ...]] = None


def _mlp_args(rng: np.random.Generator) -> Tuple[Any, ...]:
    n_in, n_hidden, n_out, batch = 100, 100, 10, 64
    return (rng.normal(scale=0.1, size=(n_in, n_hidden)), rng.normal(scale=0.1, size=n_hidden),
            rng.normal(scale=0.1, size=(n_hidden, n_out)), rng.normal(scale=0.1, size=n_out),
            rng.normal(size=(batch, n_in)), rng.normal(size=(batch, n_out)))


def _rnn_args(rng: np.random.Generator) -> Tuple[Any, ...]:
    steps, batch, n_in, hidden = 50, 1, 32, 64
    return (rng.normal(scale=0.2, size=(n_in, hidden)), rng.normal(scale=0.1, size=(hidden, hidden)),
            rng.normal(scale=0.1, size=hidden), np.zeros((batch, hidden)),
            rng.normal(size=(steps, batch, n_in)))


WORKLOADS: Sequence[Workload] = (
    Workload("scalar_loop", "1000 x (x = 0.5*x + math.sin(x)), d/dx", scalar_loop, scalar_loop_grad, (0,),
             lambda rng: (0.3, 1000), lambda rng: (0.3, 12)),
    Workload("rosenbrock", "vectorised Rosenbrock, n = 1e5, d/dx", rosenbrock, rosenbrock_grad, (0,),
             lambda rng: (rng.uniform(-2.0, 2.0, size=100_000),)),
    Workload("mlp", "MLP 100-100-10, tanh, batch 64, squared loss, d/d(W1, b1, W2, b2)", mlp_loss, mlp_loss_grad,
             (0, 1, 2, 3), _mlp_args),
    Workload("rnn", "tanh RNN, 50 steps, input 32, hidden 64, loss sum_t |h_t|^2, d/d(Wx, Wh, b)", rnn_loss,
             rnn_loss_grad, (0, 1, 2), _rnn_args),
    Workload("logistic_map", "100 x (x = r*x*(1-x)), r = 3.7, d/d(r, x0)", logistic_map, logistic_map_grad, (0, 1),
             lambda rng: (3.7, 0.3, 100), lambda rng: (3.7, 0.3, 12)),
)

BY_NAME: Dict[str, Workload] = {w.name: w for w in WORKLOADS}
