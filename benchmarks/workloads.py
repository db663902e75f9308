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


# ------------------------------------------------------------------ Rosenbrock, loop with scalar indexing


def rosenbrock_loop(x):
    s = 0.0
    for i in range(x.shape[0] - 1):
        s = s + 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
    return s


def rosenbrock_loop_grad(x):
    # the adjoint of the loop as written (scalar indexing, one term at a time)
    g = np.zeros_like(x)
    for i in range(x.shape[0] - 1):
        a = x[i]
        r = x[i + 1] - a * a
        g[i] += -400.0 * r * a - 2.0 * (1.0 - a)
        g[i + 1] += 200.0 * r
    return (g,)


# ------------------------------------------------------------------ RK4 ODE (Lotka-Volterra)


def lotka_volterra(u, v, a, b, c, d):
    return a * u - b * u * v, c * u * v - d * v


def rk4_loss(a, b, c, d, u, v, n):
    """``n`` classical Runge-Kutta steps of the Lotka-Volterra system from (u, v); the loss
    integrates the squared distance to the point (1, 1) along the trajectory."""
    dt = 0.05
    loss = 0.0
    for _ in range(n):
        k1u, k1v = lotka_volterra(u, v, a, b, c, d)
        k2u, k2v = lotka_volterra(u + 0.5 * dt * k1u, v + 0.5 * dt * k1v, a, b, c, d)
        k3u, k3v = lotka_volterra(u + 0.5 * dt * k2u, v + 0.5 * dt * k2v, a, b, c, d)
        k4u, k4v = lotka_volterra(u + dt * k3u, v + dt * k3v, a, b, c, d)
        u = u + dt / 6.0 * (k1u + 2.0 * k2u + 2.0 * k3u + k4u)
        v = v + dt / 6.0 * (k1v + 2.0 * k2v + 2.0 * k3v + k4v)
        loss = loss + dt * ((u - 1.0) ** 2 + (v - 1.0) ** 2)
    return loss


def _lotka_volterra_vjp(u, v, a, b, c, d, gfu, gfv):
    """Adjoints of (u, v, a, b, c, d) for the cotangent (gfu, gfv) of lotka_volterra's output."""
    uv = u * v
    return (gfu * (a - b * v) + gfv * c * v, -gfu * b * u + gfv * (c * u - d),
            gfu * u, -gfu * uv, gfv * uv, -gfv * v)


def rk4_loss_grad(a, b, c, d, u, v, n):
    dt = 0.05
    states = []
    for _ in range(n):  # forward: keep the state at the start of each step
        states.append((u, v))
        k1u, k1v = lotka_volterra(u, v, a, b, c, d)
        k2u, k2v = lotka_volterra(u + 0.5 * dt * k1u, v + 0.5 * dt * k1v, a, b, c, d)
        k3u, k3v = lotka_volterra(u + 0.5 * dt * k2u, v + 0.5 * dt * k2v, a, b, c, d)
        k4u, k4v = lotka_volterra(u + dt * k3u, v + dt * k3v, a, b, c, d)
        u = u + dt / 6.0 * (k1u + 2.0 * k2u + 2.0 * k3u + k4u)
        v = v + dt / 6.0 * (k1v + 2.0 * k2v + 2.0 * k3v + k4v)
    gu = gv = ga = gb = gc = gd = 0.0
    for u0, v0 in reversed(states):  # backward: recompute the stages of one step, then reverse it
        k1u, k1v = lotka_volterra(u0, v0, a, b, c, d)
        s2u, s2v = u0 + 0.5 * dt * k1u, v0 + 0.5 * dt * k1v
        k2u, k2v = lotka_volterra(s2u, s2v, a, b, c, d)
        s3u, s3v = u0 + 0.5 * dt * k2u, v0 + 0.5 * dt * k2v
        k3u, k3v = lotka_volterra(s3u, s3v, a, b, c, d)
        s4u, s4v = u0 + dt * k3u, v0 + dt * k3v
        k4u, k4v = lotka_volterra(s4u, s4v, a, b, c, d)
        u1 = u0 + dt / 6.0 * (k1u + 2.0 * k2u + 2.0 * k3u + k4u)
        v1 = v0 + dt / 6.0 * (k1v + 2.0 * k2v + 2.0 * k3v + k4v)
        gu = gu + 2.0 * dt * (u1 - 1.0)  # the loss term of this step
        gv = gv + 2.0 * dt * (v1 - 1.0)
        g1u, g1v = dt / 6.0 * gu, dt / 6.0 * gv  # d u1 / d k1 (k4 alike), twice that for k2, k3
        hu, hv, pa, pb, pc, pd = _lotka_volterra_vjp(s4u, s4v, a, b, c, d, g1u, g1v)  # k4
        ga, gb, gc, gd = ga + pa, gb + pb, gc + pc, gd + pd
        g3u, g3v = 2.0 * g1u + dt * hu, 2.0 * g1v + dt * hv
        su, sv = gu + hu, gv + hv
        hu, hv, pa, pb, pc, pd = _lotka_volterra_vjp(s3u, s3v, a, b, c, d, g3u, g3v)  # k3
        ga, gb, gc, gd = ga + pa, gb + pb, gc + pc, gd + pd
        g2u, g2v = 2.0 * g1u + 0.5 * dt * hu, 2.0 * g1v + 0.5 * dt * hv
        su, sv = su + hu, sv + hv
        hu, hv, pa, pb, pc, pd = _lotka_volterra_vjp(s2u, s2v, a, b, c, d, g2u, g2v)  # k2
        ga, gb, gc, gd = ga + pa, gb + pb, gc + pc, gd + pd
        gk1u, gk1v = g1u + 0.5 * dt * hu, g1v + 0.5 * dt * hv
        su, sv = su + hu, sv + hv
        hu, hv, pa, pb, pc, pd = _lotka_volterra_vjp(u0, v0, a, b, c, d, gk1u, gk1v)  # k1
        ga, gb, gc, gd = ga + pa, gb + pb, gc + pc, gd + pd
        gu, gv = su + hu, sv + hv
    return ga, gb, gc, gd


# ------------------------------------------------------------------ MDS stress


def mds_loss(W, D):
    """Metric MDS stress on squared distances: sum_ij (|W_i - W_j|^2 - D_ij)^2, W of shape (N, 2)."""
    diff = W[:, None, :] - W[None, :, :]
    sq = np.sum(diff * diff, axis=2)
    r = sq - D
    return np.sum(r * r)


def mds_loss_grad(W, D):
    diff = W[:, None, :] - W[None, :, :]
    r = np.sum(diff * diff, axis=2) - D
    S = r + r.T
    return (4.0 * (S.sum(axis=1)[:, None] * W - S @ W),)


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


def _mds_args(rng: np.random.Generator) -> Tuple[Any, ...]:
    n = 200
    Z = rng.normal(size=(n, 2))  # D: squared distances of other points, so the optimum is not at W
    D = np.sum((Z[:, None, :] - Z[None, :, :]) ** 2, axis=2)
    return (rng.normal(size=(n, 2)), D)


WORKLOADS: Sequence[Workload] = (
    Workload("scalar_loop", "1000 x (x = 0.5*x + math.sin(x)), d/dx", scalar_loop, scalar_loop_grad, (0,),
             lambda rng: (0.3, 1000), lambda rng: (0.3, 12)),
    Workload("logistic_map", "100 x (x = r*x*(1-x)), r = 3.7, d/d(r, x0)", logistic_map, logistic_map_grad, (0, 1),
             lambda rng: (3.7, 0.3, 100), lambda rng: (3.7, 0.3, 12)),
    Workload("rosenbrock_loop", "Rosenbrock as a loop over 100 indices (scalar x[i]), d/dx", rosenbrock_loop,
             rosenbrock_loop_grad, (0,), lambda rng: (rng.uniform(-2.0, 2.0, size=100),)),
    Workload("rosenbrock", "vectorised Rosenbrock, n = 1e5, d/dx", rosenbrock, rosenbrock_grad, (0,),
             lambda rng: (rng.uniform(-2.0, 2.0, size=100_000),)),
    Workload("mlp", "MLP 100-100-10, tanh, batch 64, squared loss, d/d(W1, b1, W2, b2)", mlp_loss, mlp_loss_grad,
             (0, 1, 2, 3), _mlp_args),
    Workload("rnn", "tanh RNN, 50 steps, input 32, hidden 64, loss sum_t |h_t|^2, d/d(Wx, Wh, b)", rnn_loss,
             rnn_loss_grad, (0, 1, 2), _rnn_args),
    Workload("rk4", "RK4, 200 steps of Lotka-Volterra (scalar state), loss along the path, d/d(a, b, c, d)",
             rk4_loss, rk4_loss_grad, (0, 1, 2, 3), lambda rng: (1.0, 0.6, 0.4, 0.8, 1.5, 1.0, 200),
             lambda rng: (1.0, 0.6, 0.4, 0.8, 1.5, 1.0, 7)),
    Workload("mds", "MDS stress sum_ij (|W_i - W_j|^2 - D_ij)^2, N = 200, W in R^(N x 2), d/dW", mds_loss,
             mds_loss_grad, (0,), _mds_args),
)

BY_NAME: Dict[str, Workload] = {w.name: w for w in WORKLOADS}
