"""Functions for batched forward mode (tests/test_batched.py)."""

import numpy as np


def mat_vec(A, x):
    return A @ x


def vec_mat(x, A):
    return x @ A


def vec_vec(x, y):
    return x @ y


def mat_mat(A, B):
    return np.tanh(A @ B)


def dots(A, x):
    return np.dot(A, x) + np.dot(x, x) * np.dot(2.0, x[0])


def reductions(x):
    return np.sum(x * x, axis=0) + np.mean(np.sin(x)) + np.max(x, axis=1, keepdims=True).sum()


def shapes(x):
    y = np.reshape(x, (3, 2)).T
    return np.ravel(y) * np.outer(x[:2], x[2:4]).sum()


def mixed_ranks(x, s):
    return x * s + s ** 2 + np.exp(x[0]) * x
