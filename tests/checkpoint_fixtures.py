"""Loops with and without binomial checkpointing (tests/test_checkpointing.py)."""

import numpy as np

import tangent_lite as tl


def rnn_ck(W, h0, n, k):
    h = h0
    loss = 0.0
    for t in tl.checkpointed(range(n), snapshots=k):
        h = np.tanh(W @ h + 0.1 * t)
        loss = loss + np.sum(h * h)
    return loss


def rnn_plain(W, h0, n, k):
    h = h0
    loss = 0.0
    for t in range(n):
        h = np.tanh(W @ h + 0.1 * t)
        loss = loss + np.sum(h * h)
    return loss


def ode_ck(y, a, n, k):
    dt = 0.01
    for _ in tl.checkpointed(range(n), snapshots=k):
        if y > 0.0:
            y = y + dt * (-a * y + np.sin(y))
        else:
            y = y + dt * a * np.cos(y)
    return y * y


def ode_plain(y, a, n, k):
    dt = 0.01
    for _ in range(n):
        if y > 0.0:
            y = y + dt * (-a * y + np.sin(y))
        else:
            y = y + dt * a * np.cos(y)
    return y * y


def ck_with_inner_loop(x, n, k):
    s = 0.0
    for _ in tl.checkpointed(range(n), snapshots=k):
        for j in range(3):
            x = 0.9 * x + 0.1 * np.sin(x * (j + 1))
        s = s + np.sum(x)
    return s


def inner_loop_plain(x, n, k):
    s = 0.0
    for _ in range(n):
        for j in range(3):
            x = 0.9 * x + 0.1 * np.sin(x * (j + 1))
        s = s + np.sum(x)
    return s


@tl.differentiate(checkpoint=3)
def rnn_decorated(W, h0, n, k):
    h = h0
    loss = 0.0
    for t in range(n):
        h = np.tanh(W @ h + 0.1 * t)
        loss = loss + np.sum(h * h)
    return loss
