"""User functions for the higher-order tests (tests/test_higher_order.py).

Module-level, with readable source, so that tangent_lite can compile them -- and then
compile the derivative code it generated for them again.  Nothing here imports
tangent_lite.  The points the tests evaluate at (``HESSIAN_CASES`` etc. in the test
module) stay away from branch switches, ties and kinks, so finite differences are a
valid reference there.
"""

import math

import numpy as np

A3 = np.array([[2.0, 0.5, -0.3], [0.5, 1.0, 0.2], [-0.3, 0.2, 1.5]])
N3 = np.array([[1.0, -2.0, 0.5], [0.3, 0.7, -1.1], [0.0, 0.4, 0.9]])  # not symmetric
W34 = np.array([[0.3, -0.7, 1.1, 0.2], [0.9, 0.4, -0.5, -0.3], [-0.6, 0.2, 0.8, 0.5]])


# ====================================================================== helpers (called by the functions below)


def softplus(z):
    return np.log1p(np.exp(z))


def pair_energy(a, b):
    d = a - b
    return d * d * np.cos(a * b)


def scaled_square(z, scale=2.0):
    return scale * z * z


# ====================================================================== scalar inputs


def s_poly(x):
    return 2.0 * x ** 3 - 3.0 * x ** 2 + x - 7.0


def s_math(x):
    return math.sin(x) * math.exp(x) + math.log(1.0 + x * x)


def s_rational(x):
    return x / (1.0 + x * x) + math.sqrt(1.0 + x ** 4)


def s_loop_branch(x):
    s = 0.0
    for k in range(1, 5):
        if k % 2 == 0:
            s = s + x ** k / k
        else:
            s = s - math.sin(k * x)
    return s


# ====================================================================== array inputs, straight line


def quadratic_form(x, A):
    return 0.5 * x @ A @ x


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def logsumexp(x):
    m = np.max(x)
    return m + np.log(np.sum(np.exp(x - m)))


def tanh_layer(x, W):
    return np.sum(np.tanh(W @ x) ** 2)


def matrix_input(X):
    G = X @ X.T
    return np.sum(G ** 2) + np.sum(np.sin(X) * X)


def power_self(x):
    return np.sum(x ** x) + np.sum(np.power(1.5, x) * x)


def reductions_mix(X):
    col = np.mean(X, axis=0)
    row = np.sum(X, axis=1, keepdims=True)
    return np.sum(col ** 2 * row[0]) + np.sum(row ** 3) + np.max(X) * np.min(X ** 2)


def max_over_rows(X):
    row = np.max(X, axis=1)
    return np.sum(row ** 3) + np.sum(X, axis=1) @ row


def product(x):
    return np.prod(x) + np.sum(np.prod(np.sin(x) + 2.0, axis=0) ** 2)


def broadcasting(x):
    M = x[:, None] * x[None, :] + x
    return np.sum(np.exp(-0.3 * M ** 2) * x[None, :])


def products_mix(x):
    A = np.outer(x, x) + N3
    y = np.dot(A, x)
    return np.sqrt(np.sum(y * y) + 1.0) + np.dot(x, N3 @ x) * np.matmul(x, x)


def maximum_where(x):
    y = np.maximum(x, 0.3) * x
    z = np.where(x > 0.0, np.exp(x), np.sin(x))
    return np.sum(y * z) + np.sum(np.abs(x) ** 2.5)


# ====================================================================== control flow


def for_loop_index(x):
    s = 0.0
    for i in range(x.shape[0]):
        s = s + np.sin(x[i]) * x[i - 1] + x[i] ** 3
    return s


def for_loop_carry(x):
    y = x
    for _ in range(3):
        y = np.sin(y) * x + 0.5 * y
    return np.sum(y ** 2)


def while_fixed_count(x):
    k = 0
    y = x
    while k < 4:
        y = y * np.cos(y) + 0.3 * x
        k += 1
    return np.sum(y * x)


def while_value_condition(x):
    s = np.sum(x * x)
    n = 0
    while s < 20.0:
        s = s * 1.7 + np.sum(np.sin(x))
        n += 1
    return s * np.exp(-0.1 * n)


def branch_on_value(x):
    if np.sum(x) > 0.0:
        y = np.sum(x ** 3) * x[0]
    else:
        y = np.sum(np.exp(x))
    return y


def branch_in_loop(x):
    s = 0.0
    for i in range(len(x)):
        if x[i] > 0.0:
            s = s + x[i] ** 2 * x[0]
        elif i % 2 == 0:
            s = s + np.exp(x[i]) * x[-1]
        else:
            s = s - np.cos(x[i] * x[1])
    return s


def subscript_writes(x):
    n = x.shape[0]
    y = np.zeros(n)
    for i in range(n):
        y[i] = x[i] ** 2 * x[(i + 1) % n]
    return np.sum(y * np.sin(y))


def subscript_overwrite(x):
    y = x * 1.0
    y[0] = y[1] * y[2]
    y[1] = np.sin(y[0]) + y[1]
    y[1:] = y[1:] * y[0]
    return np.sum(y ** 2)


def helper_calls(x):
    s = np.sum(softplus(x * 2.0))
    for i in range(1, len(x)):
        s = s + pair_energy(x[i], x[i - 1])
    return s + scaled_square(x[0]) + scaled_square(x[1], 0.5)


def comprehensions(x):
    squares = [xi ** 2 * np.sin(xi) for xi in x]
    pairs = sum(x[i] * x[j] for i in range(len(x)) for j in range(i))
    stacked = np.array([np.exp(-xi) for xi in x])
    return sum(squares) + pairs ** 2 + np.sum(stacked * x)


def list_building(x):
    ys = []
    for i in range(len(x)):
        ys.append(x[i] * x[i - 1])
    t = sum(ys)
    return t ** 2 + max(ys[0], ys[1]) * min(x[2], x[0])


# ====================================================================== non-scalar outputs (Jacobians)


def wide(x):
    """Many inputs, two outputs."""
    return np.array([np.sum(np.sin(x) * x), np.prod(np.cos(x[:3])) + x[-1] ** 2])


def tall(x):
    """Two inputs, many outputs (with a loop)."""
    out = np.zeros(7)
    for i in range(7):
        out[i] = np.sin(i * x[0]) * x[1] ** 2 + i * x[0] * x[1]
    return out


def matrix_to_vector(X):
    return np.tanh(X @ np.array([1.0, -0.5, 0.25])) * np.sum(X ** 2)


def scalar_to_matrix(t):
    return np.array([[math.cos(t), -math.sin(t)], [math.sin(t), math.cos(t)]]) * (1.0 + t * t)


# ====================================================================== scalar functions with closed-form derivatives


def exp2x_sin(x):
    return np.exp(2.0 * x) * np.sin(x)


def fifth_power(x):
    return x ** 5


def log_one_plus_square(x):
    return math.log(1.0 + x * x)


def tanh_fn(x):
    return np.tanh(x)


def series_loop(x):
    s = 0.0
    for k in range(1, 5):
        s = s + x ** k / k
    return s


def branchy(x):
    if x > 0.0:
        y = x ** 4 - math.sin(x)
    else:
        y = -(x ** 3)
    return y
