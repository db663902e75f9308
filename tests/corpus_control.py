"""A corpus of plain Python/NumPy functions with control flow and calls.

Each entry of ``CORPUS`` is ``(fn, [args_point_1, args_point_2, args_point_3], wrt)``
where ``wrt`` is a list of argument indices (``None``: every float argument).  The
points are chosen so that different branches and different loop trip counts are taken
across them, and every point stays more than 1e-3 away from a branch switch, so that
central finite differences are valid there.

Nothing here imports tangent_lite: these are the functions a user would write.
"""

import math

import corpus_helpers as ch
import numpy as np
from corpus_helpers import clipped_step, polar, scaled_tanh, smooth_relu, softplus

A23 = np.array([[0.3, -0.7, 1.1], [0.9, 0.4, -0.5]])
B23 = np.array([[-0.6, 0.2, 0.8], [0.1, -1.3, 0.7]])
V3 = np.array([0.4, -1.2, 0.9])
W3 = np.array([1.5, 0.3, -0.8])
P3 = np.array([0.6, 1.1, 0.35])


# ====================================================================== branches


def branch_if_else(x):
    if x > 0:
        y = x * x
    else:
        y = -x * x * x
    return y * math.sin(x)


def branch_elif_chain(x):
    if x < -1.0:
        y = -2.0 * x - 1.0
    elif x < 1.0:
        y = x * x * np.cos(x)
    elif x < 3.0:
        y = np.exp(x - 1.0)
    else:
        y = 2.0 * np.log(x)
    return y


def nested_if(x, y):
    if x > 0.0:
        if y > 0.0:
            z = x * y
        else:
            z = x - y * y
    else:
        if y > 1.0:
            z = np.sin(x) * y
        else:
            z = np.exp(x + y)
    return z


def conditional_expression(x):
    y = x * x if x > 0.5 else np.sin(x)
    return y + (np.exp(-x) if x < 1.0 else 1.0 / x)


def nested_conditional_expression(x, y):
    z = x * y if x > 0 else (x + y if y > 0 else x - y)
    return z * z


def and_condition(x, y):
    if x > 0.0 and y > 0.0:
        return np.sqrt(x * y)
    return x + y


def or_condition(x, y):
    if x < 0.0 or y > 1.0:
        r = x * np.exp(y)
    else:
        r = np.log(1.0 + x) * y
    return r


def chained_comparison(x):
    if 0.0 < x < 1.0:
        return x * (1.0 - x)
    elif -1.0 <= x <= 0.0:
        return x * x
    return 0.5 * x


def not_condition(x, y):
    if not x > y:
        return y - np.sin(x)
    return x * y


def boolean_flag_variable(x):
    big = x > 0.5
    neg = x < -0.5
    if big or neg:
        y = x ** 3
    else:
        y = x
    return y


def branch_on_array_sum(x):
    if np.sum(x) > 0.0:
        return np.sum(x * x)
    else:
        return np.sum(np.exp(x))


def clip_by_norm(g, max_norm):
    norm = np.sqrt(np.sum(g * g))
    if norm > max_norm:
        g = g * (max_norm / norm)
    return g


def branch_on_element(x):
    if x[0] > x[1]:
        out = x * x[0]
    else:
        out = np.tanh(x) + x[1]
    return out


def branch_tuple_output(x, y):
    if x * y > 0.0:
        a, b = x + y, x * y
    else:
        a, b = x - y, np.exp(x)
    return a, b


def branch_if_without_else(x):
    y = np.cos(x)
    if x > 1.0:
        y = y + x * x
    if y < 0.0:
        y = -y
    return y


def branch_pass(x):
    if x > 0:
        pass
    else:
        x = -x
    return np.sqrt(x)


def branch_int_mode(x, mode):
    if mode == 0:
        return np.sin(x)
    elif mode == 1:
        return np.cos(x) * x
    return np.exp(-x * x)


def branch_string_mode(x, kind):
    if kind == "l2":
        r = np.sum(x * x)
    elif kind == "l1smooth":
        r = np.sum(np.sqrt(x * x + 0.01))
    else:
        r = np.max(x)
    return r


def conditional_in_call_argument(x):
    return np.sin(x if x > 0.0 else 2.0 * x) + np.tanh(x)


def branch_both_assign_then_use(x, y):
    if x > y:
        hi, lo = x, y
    else:
        hi, lo = y, x
    return hi * hi - 2.0 * lo


def huber_loop(r, delta):
    total = 0.0
    for ri in r:
        a = abs(ri)
        if a <= delta:
            total = total + 0.5 * ri * ri
        else:
            total = total + delta * (a - 0.5 * delta)
    return total


def piecewise_from_boolean_and(x, y):
    inside = x > -1.0 and x < 1.0 and y > 0.0
    return x * y if inside else x + y


# ====================================================================== for loops


def taylor_exp(x, n):
    term = 1.0
    total = 1.0
    for k in range(1, n):
        term = term * x / k
        total = total + term
    return total


def range_start_stop_step(x, start, stop, step):
    acc = 0.0
    for i in range(start, stop, step):
        acc = acc + np.sin(i * x) / (1.0 + i * i)
    return acc


def range_negative_step_horner(x, n):
    acc = 0.0
    for k in range(n, 0, -1):
        acc = acc * x + 1.0 / k
    return acc


def range_runtime_bound_from_value(x):
    n = int(3.0 * abs(x)) + 1
    s = 0.0
    for i in range(n):
        s = s + x / (i + 1.0)
    return s * n


def range_computed_bounds(x, n):
    lo = n // 2
    hi = 2 * n - 1
    acc = x
    for i in range(lo, hi):
        acc = np.sin(acc) + 0.1 * i * x
    return acc


def loop_over_rows(A):
    s = 0.0
    for row in A:
        s = s + np.sum(row * row) * np.sum(row)
    return s


def loop_over_list_of_arrays(x, y):
    total = 0.0
    for v in [x, y, x * y, np.sin(x)]:
        total = total + np.sum(np.tanh(v))
    return total


def loop_over_tuple_of_arrays(x, y):
    acc = np.zeros(3)
    for v in (x, 2.0 * y, x - y):
        acc = acc + v * v
    return acc


def enumerate_weighted(x):
    s = 0.0
    for i, xi in enumerate(x):
        s = s + (i + 1.0) * xi * xi
    return s


def enumerate_rows(A, w):
    s = 0.0
    for i, row in enumerate(A):
        s = s + (i + 1) * np.dot(row, w)
    return s


def zip_dot(x, y):
    s = 0.0
    for a, b in zip(x, y):
        s = s + a * b
    return s


def zip_three(x, y, z):
    s = 0.0
    for a, b, c in zip(x, y, z):
        s = s + a * np.sin(b) + c * c
    return s


def reversed_array_horner(c, x):
    acc = 0.0
    for ci in reversed(c):
        acc = acc * x + ci
    return acc


def reversed_range_loop(x, n):
    s = 0.0
    for i in reversed(range(n)):
        s = s * 0.5 + x ** (i + 1)
    return s


def nested_loops_matvec(A, x):
    out = 0.0
    for i in range(A.shape[0]):
        row_sum = 0.0
        for j in range(A.shape[1]):
            row_sum = row_sum + A[i, j] * x[j]
        out = out + np.tanh(row_sum)
    return out


def loop_over_len(x):
    s = 0.0
    for i in range(len(x) - 1):
        d = x[i + 1] - x[i]
        s = s + d * d
    return s


def loop_array_accumulator(x, n):
    v = np.zeros(3)
    for i in range(n):
        v = v + np.sin(x * (i + 1)) / (i + 1)
    return np.sum(v * v)


def loop_rebinding(x, n):
    for _ in range(n):
        x = np.sin(x) + 0.5 * x
    return x


def loop_matrix_accumulator(A, n):
    M = A
    for k in range(n):
        M = 0.5 * M + np.tanh(M) * (k + 1.0)
    return np.sum(M * A)


def loop_index_arithmetic(x):
    n = x.shape[0]
    s = 0.0
    for i in range(n):
        j = (i + 1) % n
        s = s + x[i] * x[j]
    return s


# ====================================================================== while loops and jumps


def newton_sqrt(a):
    x = a if a > 1.0 else 1.0
    while abs(x * x - a) > 1e-3:
        x = 0.5 * (x + a / x)
    return x


def newton_cubic(c):
    x = 1.0
    it = 0
    while it < 50:
        f = x ** 3 + x - c
        if abs(f) < 1e-2:
            break
        x = x - f / (3.0 * x * x + 1.0)
        it = it + 1
    return x


def halving_while(x):
    count = 0
    while x > 1.0:
        x = x * 0.5
        count = count + 1
    return x * (count + 1)


def bisection_like_step(x):
    step = 1.0
    y = x
    while step > 0.1:
        if y > 0.0:
            y = y - step * np.tanh(y)
        else:
            y = y + step * np.tanh(-y)
        step = step * 0.5
    return y


def while_counter(x, n):
    i = 0
    while i < n:
        x = x - 0.1 * np.sin(x)
        i += 1
    return x


def while_true_break(x):
    while True:
        x = x * 1.5 + 0.1
        if x > 10.0:
            break
    return x


def while_continue(x, n):
    i = 0
    s = 0.0
    while i < n:
        i = i + 1
        if i % 2 == 0:
            continue
        s = s + np.cos(i * x)
    return s


def while_else(x):
    k = 0
    while x < 5.0:
        x = x * 1.3 + 0.2
        k = k + 1
        if k > 3:
            break
    else:
        x = x + 100.0
    return x


def for_else(x, n):
    s = 0.0
    for i in range(n):
        s = s + x * i
        if s > 3.0:
            break
    else:
        s = -s
    return s


def early_return_in_loop(x, n):
    acc = 1.0
    for i in range(n):
        acc = acc * x
        if acc > 4.0:
            return acc - i
    return acc + 10.0


def early_return_in_branch(x):
    if x < 0.0:
        return np.exp(x)
    y = np.log1p(x)
    if y > 1.0:
        return y * y
    return y


def break_in_nested_if(x, n):
    s = 0.0
    for i in range(n):
        if i > 1:
            if s > 2.0:
                break
        s = s + np.exp(0.5 * x * i)
    return s


def continue_in_nested_if(x):
    s = 0.0
    for xi in x:
        if xi < 0.0:
            if xi < -1.0:
                s = s + xi
                continue
            s = s - 0.1
            continue
        s = s + xi * xi
    return s


def nested_loop_inner_break(A):
    total = 0.0
    for row in A:
        acc = 0.0
        for a in row:
            if a < 0.0:
                break
            acc = acc + a * a
        total = total + acc
    return total


def loop_break_and_continue(x, n):
    s = 0.0
    for i in range(n):
        if i == 1:
            continue
        if i > 4:
            break
        s = s + np.sin(x + i)
    return s


def while_with_array_state(x):
    while np.sum(x * x) > 1.0:
        x = 0.7 * x
    return x


def fixed_point_iteration(a):
    y = 0.5
    diff = 1.0
    while diff > 1e-4:
        y_new = a * np.cos(y)
        diff = abs(y_new - y)
        y = y_new
    return y


def pass_in_loop(x):
    s = 0.0
    for xi in x:
        if xi > 0.0:
            pass
        else:
            s = s + xi * xi
        s = s + 0.1 * xi
    return s


# ====================================================================== numerical models


def logistic_map(r, x0, n):
    x = x0
    for _ in range(n):
        x = r * x * (1.0 - x)
    return x


def euler_ode(y0, k, n):
    dt = 1.0 / n
    y = y0
    t = 0.0
    for _ in range(n):
        y = y + dt * (-k * y + np.sin(t))
        t = t + dt
    return y


def rk4_pendulum(theta, omega, n):
    h = 0.1
    g = 9.81
    for _ in range(n):
        k1t, k1w = omega, -g * np.sin(theta)
        k2t, k2w = omega + 0.5 * h * k1w, -g * np.sin(theta + 0.5 * h * k1t)
        k3t, k3w = omega + 0.5 * h * k2w, -g * np.sin(theta + 0.5 * h * k2t)
        k4t, k4w = omega + h * k3w, -g * np.sin(theta + h * k3t)
        theta = theta + h / 6.0 * (k1t + 2.0 * k2t + 2.0 * k3t + k4t)
        omega = omega + h / 6.0 * (k1w + 2.0 * k2w + 2.0 * k3w + k4w)
    return theta, omega


def rk4_vector_field(y, a, n):
    h = 0.05
    for _ in range(n):
        k1 = a * y - y ** 3
        k2 = a * (y + 0.5 * h * k1) - (y + 0.5 * h * k1) ** 3
        k3 = a * (y + 0.5 * h * k2) - (y + 0.5 * h * k2) ** 3
        k4 = a * (y + h * k3) - (y + h * k3) ** 3
        y = y + h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
    return y


def rnn_loop(W, u, xs, n_steps):
    h = np.zeros(3)
    for t in range(n_steps):
        x_t = xs[t % 2]
        z = W @ np.tanh(u * h + x_t)
        h = np.tanh(h + 0.5 * (W.T @ z))
    return np.sum(h * h)


def rosenbrock_index_loop(x):
    s = 0.0
    for i in range(len(x) - 1):
        s = s + 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
    return s


def horner_index_loop(coeffs, x):
    acc = coeffs[0]
    for i in range(1, coeffs.shape[0]):
        acc = acc * x + coeffs[i]
    return acc


def power_iteration(A, v, n):
    M = A.T @ A
    for _ in range(n):
        v = M @ v
        v = v / np.sqrt(np.sum(v * v))
    return v @ (M @ v)


def running_max(x):
    m = x[0]
    for xi in x:
        if xi > m:
            m = xi
    return m * m


def chebyshev_recurrence(x, n):
    t_prev, t_cur = 1.0, x
    for _ in range(n):
        t_prev, t_cur = t_cur, 2.0 * x * t_cur - t_prev
    return t_cur


def gradient_descent_inner(x0, a, n):
    x = x0
    for _ in range(n):
        grad = 2.0 * (x - a) + 0.3 * np.cos(x)
        x = x - 0.1 * grad
    return x


def stable_logsumexp_loop(x):
    m = x[0]
    for i in range(1, len(x)):
        if x[i] > m:
            m = x[i]
    s = 0.0
    for xi in x:
        s = s + np.exp(xi - m)
    return m + np.log(s)


def cumulative_product_loop(x):
    p = 1.0
    total = 0.0
    for xi in x:
        p = p * xi
        total = total + p
    return total


def smoothing_iterations(x, n):
    y = x
    for _ in range(n):
        y = 0.5 * y + 0.5 * np.mean(y)
    return y


# ====================================================================== comprehensions


def genexp_sum_dot(w, x):
    n = len(x)
    return sum(w[i] * x[i] for i in range(n))


def listcomp_tanh(x, y):
    zs = [x, y, x * y]
    ts = [np.tanh(z) for z in zs]
    total = 0.0
    for t in ts:
        total = total + np.sum(t)
    return total


def listcomp_with_condition(x):
    pos = [xi * xi for xi in x if xi > 0.0]
    s = 0.0
    for p in pos:
        s = s + p
    return s


def nested_listcomp(A, w):
    rows = [[a * b for a, b in zip(row, w)] for row in A]
    s = 0.0
    for r in rows:
        for v in r:
            s = s + np.sin(v)
    return s


def listcomp_to_array(x):
    ys = np.array([np.exp(-xi * xi) for xi in x])
    return np.sum(ys * x)


def genexp_in_builtin_sum_of_squares(x):
    return sum(xi * xi for xi in x) + sum([np.sin(xi) for xi in x])


# ====================================================================== calls to user functions


def _sq_plus_one(z):
    return z * z + 1.0


def _affine(x, a=2.0, b=0.5):
    return a * x + b


def _minmax(x, y):
    if x < y:
        return x, y
    return y, x


def _poly_loop(x, n):
    s = 0.0
    for k in range(n):
        s = s + x ** k / (k + 1.0)
    return s


def _relu_like(z):
    return z if z > 0.0 else 0.01 * z


def _recursive_sum(x, depth):
    if depth == 0:
        return x
    return np.sin(x) + _recursive_sum(0.5 * x, depth - 1)


def call_same_module(x):
    return np.log(_sq_plus_one(x)) * x


def call_helper_module_attr(x):
    return ch.softplus(x) + ch.sigmoid(x)


def call_from_import(x):
    return np.sum(smooth_relu(x))


def call_from_import_scalar_branch(x):
    return softplus(x) * softplus(-x)


def call_with_keyword_args(x, y):
    return _affine(x, b=y) + scaled_tanh(x, scale=3.0) + _affine(y)


def call_helper_default_override(x):
    return np.sum(smooth_relu(x, beta=1.5) - smooth_relu(x))


def call_tuple_return(x, y):
    r, theta = polar(x, y)
    return r * np.cos(2.0 * theta)


def call_tuple_return_same_module(x, y):
    lo, hi = _minmax(x, y)
    return hi - 0.5 * lo * lo


def call_in_loop(x, n):
    for _ in range(n):
        x = ch.logistic_step(3.2, x)
    return x


def call_in_branch(x):
    if x > 0.0:
        y = _sq_plus_one(x)
    else:
        y = ch.sigmoid(x)
    return y


def call_helper_with_loop(x, n):
    return _poly_loop(x, n) + ch.horner(ch.OFFSETS, x)


def call_helper_using_module_global(x):
    return np.sum(ch.scaled_sin(x) * x) + ch.SCALE * np.sum(x)


def call_helper_loop_over_module_tuple(x):
    return ch.shifted_sum(x) * x


def call_helper_chain(x):
    return ch.chained(x) * x


def call_helper_returning_array(v):
    u = ch.normalize(v)
    return np.sum(u * W3)


def call_helper_with_branch_in_loop(x, g):
    for _ in range(3):
        x = clipped_step(x, g * x, lr=0.4)
    return x


def call_helper_with_ifexp_in_loop(x):
    s = 0.0
    for xi in x:
        s = s + _relu_like(xi)
    return s


def nested_def(x):
    def inner(z):
        return z * np.sin(z)

    return inner(x) + inner(2.0 * x)


def closure_reads_enclosing(x, a):
    scale = a * a

    def f(z):
        return scale * np.tanh(z) + a

    return f(x) * f(-x)


def closure_in_loop(x, n):
    k = 0.3

    def step(z):
        return z - k * np.sin(z)

    for _ in range(n):
        x = step(x)
    return x


def lambda_call(x):
    sq = lambda z: z * z + 0.5  # noqa: E731
    return sq(x) * sq(np.cos(x))


def lambda_in_loop(x, n):
    f = lambda z, c: np.cos(z) * c  # noqa: E731
    s = 0.0
    for i in range(n):
        s = s + f(x * i, 1.0 / (i + 1))
    return s


def recursion_same_module(x, depth):
    return _recursive_sum(x, depth)


def recursion_other_module(x, depth):
    return ch.power_down(x, depth)


def recursive_self(x, depth):
    if depth <= 0:
        return np.tanh(x)
    return x * recursive_self(x * 0.8, depth - 1) + 0.1


# ====================================================================== non-differentiable values


def integer_counter(x):
    count = 0
    for xi in x:
        if xi > 0.0:
            count += 1
    return np.sum(x * x) * count


def boolean_argument(x, flag):
    if flag:
        return np.sum(np.sin(x))
    return np.sum(np.cos(x))


def len_shape_ndim(A):
    n = len(A)
    m = A.shape[1]
    d = A.ndim
    return np.sum(A * A) * (n + m) / d + A.size


def print_in_body(x):
    y = np.sin(x)
    print("intermediate", y)
    if y > 0.0:
        print("positive branch")
    return y * x


def isinstance_dispatch(x):
    if isinstance(x, float):
        return x * x
    return np.sum(x * x)


def assert_in_body(x):
    assert x > 0.0, "x must be positive"
    assert isinstance(x, float)
    return np.log(x) * x


def comparison_as_number(x, y):
    c = int(x > y)
    return c * x * x + (1 - c) * y


def shape_based_branch(x):
    if x.ndim == 1:
        return np.sum(x ** 3)
    return np.sum(np.tanh(x)) * x.shape[0]


def integer_arithmetic_on_arg(x, n):
    m = n * n - 1
    return x * m + float(n) * np.sin(x)


def unused_wrt(x, y):
    return np.sum(np.exp(x))


def unused_wrt_only_in_condition(x, y):
    if np.sum(y) > 0.0:
        return x * 2.0
    return x * x


def unused_wrt_dead_code_in_loop(x, y, n):
    s = 0.0
    for i in range(n):
        t = np.sum(y * y)  # noqa: F841  (computed, never used)
        s = s + x * i
    return s


# ====================================================================== more combinations


def list_append_in_loop(x, n):
    outs = []
    for i in range(n):
        outs.append(np.sin(x * (i + 1)))
    total = 0.0
    for o in outs:
        total = total + o * o
    return total


def builtin_max_min(x):
    m = x[0]
    lo = x[0]
    for xi in x:
        m = max(m, xi)
        lo = min(lo, xi)
    return m * m - lo


def enumerate_zip_nested_target(x, y):
    s = 0.0
    for i, (a, b) in enumerate(zip(x, y)):
        s = s + (i + 1.0) * a * np.cos(b)
    return s


def loop_over_transpose_columns(A):
    s = 0.0
    for col in A.T:
        s = s + np.prod(col) + np.sum(col) ** 2
    return s


def any_all_conditions(x):
    if any(xi < 0.0 for xi in x):
        y = np.sum(np.exp(x))
    elif all(xi > 1.0 for xi in x):
        y = np.sum(np.log(x))
    else:
        y = np.sum(x ** 3)
    return y


def early_return_nested_loops(A, tol):
    s = 0.0
    for i in range(A.shape[0]):
        for j in range(A.shape[1]):
            s = s + A[i, j] * A[i, j]
            if s > tol:
                return s * (i + 1) + j
    return -s


def while_and_condition(a):
    x = 1.0
    err = 1.0
    it = 0
    while err > 1e-3 and it < 4:
        x_new = x - (x * x - a) / (2.0 * x)
        err = abs(x_new - x)
        x = x_new
        it = it + 1
    return x


def ifexp_accumulator_in_loop(x):
    s = 0.0
    for xi in x:
        s = s + (xi * xi if xi > 0.0 else -0.5 * xi)
    return s


def helper_tuple_return_in_loop(x, y, n):
    for _ in range(n):
        r, theta = polar(x, y)
        x, y = r * np.cos(theta + 0.3), r * np.sin(theta + 0.3) * 0.9
    return x + 2.0 * y


def helper_called_with_constant_and_active(x):
    return _affine(x, 3.0, 1.0) * _affine(2.0, x, 0.0) + _affine(1.5)


def closure_over_loop_variable(x, n):
    s = 0.0
    for i in range(n):
        def term(z):
            return np.sin(z + i)  # noqa: B023  (called right away)
        s = s + term(x)
    return s


def builtin_sum_of_arrays(x, y):
    parts = [x * y, np.sin(x), y * y]
    return np.sum(sum(parts))


def recursion_tuple_return(x, y, depth):
    a, b = _rotate_recursive(x, y, depth)
    return a * b


def _rotate_recursive(x, y, depth):
    if depth == 0:
        return x, y
    return _rotate_recursive(0.8 * x - 0.6 * y, 0.6 * x + 0.8 * y + 0.1 * x * x, depth - 1)


def while_inside_for_with_break(x):
    total = 0.0
    for xi in x:
        v = xi
        while True:
            v = v * 0.5
            if abs(v) < 0.26:
                break
        total = total + v * xi
    return total


def array_method_calls_in_loop(A, n):
    s = 0.0
    for k in range(n):
        B = A * (k + 1.0)
        s = s + B.sum() * B.max() + B.mean(axis=0).dot(B[0])
    return s


def higher_order_helper_with_function_arg(y, n):
    for _ in range(n):
        y = ch.rk4_step(ch.decay, y, 0.1)
    return y


def higher_order_helper_with_lambda(x, a):
    return ch.apply_n(lambda z: a * np.tanh(z) + 0.1, x, 3)


def early_return_tuple(x, y):
    if x > y:
        return x * y, x - y
    for i in range(3):
        x = x + 0.5 * y * i
        if x > 2.0:
            return x, y * i
    return x + y, x * y


def nested_def_in_branch(x):
    if x > 0.0:
        def g(z):
            return np.sqrt(z)
    else:
        def g(z):
            return -np.sqrt(-z)
    return g(x) * x


def while_condition_calls_helper(x):
    k = 0
    while ch.sigmoid(x) > 0.6:
        x = x - 0.4
        k = k + 1
    return x * x + k


def np_sum_of_python_list(x, y):
    terms = [x * y, np.sin(x), y * y * x]
    return np.sum(terms) + np.mean(np.array(terms))


def early_return_in_while_true(x):
    k = 0
    while True:
        x = np.cos(x) + 0.3 * x
        k = k + 1
        if k >= 2 and x > 0.95:
            return x * k
        if k > 6:
            return -x


# ====================================================================== the registry


CORPUS = [
    # branches
    (branch_if_else, [(0.7,), (-0.5,), (1.3,)], None),
    (branch_elif_chain, [(-2.0,), (0.3,), (2.0,)], None),
    (nested_if, [(0.5, 0.8), (0.5, -0.4), (-0.3, 1.5)], None),
    (conditional_expression, [(0.8,), (0.2,), (1.7,)], None),
    (nested_conditional_expression, [(0.6, 0.4), (-0.5, 0.9), (-0.5, -0.9)], None),
    (and_condition, [(0.5, 0.8), (0.5, -0.4), (-0.3, 0.2)], None),
    (or_condition, [(-0.5, 0.3), (0.4, 1.5), (0.4, 0.2)], None),
    (chained_comparison, [(0.3,), (-0.6,), (2.0,)], None),
    (not_condition, [(0.2, 0.9), (1.4, 0.3), (-0.7, -0.2)], None),
    (boolean_flag_variable, [(0.9,), (-0.8,), (0.1,)], None),
    (branch_on_array_sum, [(V3,), (-P3,), (W3,)], None),
    (clip_by_norm, [(V3, 1.0), (0.3 * P3, 1.0), (W3, 2.5)], None),
    (branch_on_element, [(P3,), (V3,), (W3,)], None),
    (branch_tuple_output, [(0.5, 0.8), (0.5, -0.4), (-1.2, -0.3)], None),
    (branch_if_without_else, [(1.5,), (0.4,), (2.5,)], None),
    (branch_pass, [(0.7,), (-0.5,), (2.2,)], None),
    (branch_int_mode, [(0.7, 0), (0.7, 1), (-0.3, 2)], [0]),
    (branch_string_mode, [(V3, "l2"), (V3, "l1smooth"), (W3, "max")], [0]),
    (conditional_in_call_argument, [(0.6,), (-0.4,), (1.9,)], None),
    (branch_both_assign_then_use, [(0.9, 0.2), (0.2, 0.9), (-1.0, -2.0)], None),
    (huber_loop, [(V3, 1.0), (V3, 0.5), (W3, 2.0)], None),
    (piecewise_from_boolean_and, [(0.5, 0.5), (0.5, -0.5), (2.0, 0.5)], None),
    # for loops
    (taylor_exp, [(0.5, 1), (0.5, 4), (-1.3, 7)], [0]),
    (range_start_stop_step, [(0.7, 0, 5, 1), (0.7, 1, 8, 3), (0.4, 6, -1, -2)], [0]),
    (range_negative_step_horner, [(0.5, 3), (-0.8, 5), (1.2, 0)], [0]),
    (range_runtime_bound_from_value, [(0.2,), (0.9,), (-1.5,)], None),
    (range_computed_bounds, [(0.3, 2), (0.8, 3), (-0.4, 5)], [0]),
    (loop_over_rows, [(A23,), (B23,), (A23[:1],)], None),
    (loop_over_list_of_arrays, [(V3, W3), (P3, V3), (0.3, 0.8)], None),
    (loop_over_tuple_of_arrays, [(V3, W3), (P3, -V3), (A23, B23)], None),
    (enumerate_weighted, [(V3,), (A23[0],), (np.array([0.5]),)], None),
    (enumerate_rows, [(A23, V3), (B23, W3), (A23[1:], P3)], None),
    (zip_dot, [(V3, W3), (P3, V3), (V3[:2], W3)], None),
    (zip_three, [(V3, W3, P3), (P3, V3, W3), (A23[0], A23[1], B23[0])], None),
    (reversed_array_horner, [(V3, 0.5), (W3, -1.2), (P3[:1], 2.0)], None),
    (reversed_range_loop, [(0.5, 3), (1.3, 1), (-0.7, 5)], [0]),
    (nested_loops_matvec, [(A23, V3), (B23, W3), (A23[:1], P3)], None),
    (loop_over_len, [(V3,), (W3,), (np.array([0.3, 0.8]),)], None),
    (loop_array_accumulator, [(V3, 1), (W3, 3), (P3, 6)], [0]),
    (loop_rebinding, [(0.5, 2), (V3, 4), (A23, 0)], [0]),
    (loop_matrix_accumulator, [(A23, 1), (B23, 3), (A23, 0)], [0]),
    (loop_index_arithmetic, [(V3,), (W3,), (A23[0, :2],)], None),
    # while loops and jumps
    (newton_sqrt, [(2.0,), (0.49,), (9.3,)], None),
    (newton_cubic, [(2.5,), (0.3,), (10.5,)], None),
    (halving_while, [(0.7,), (3.3,), (13.0,)], None),
    (bisection_like_step, [(0.8,), (-0.6,), (2.5,)], None),
    (while_counter, [(0.5, 0), (1.2, 3), (-2.0, 6)], [0]),
    (while_true_break, [(0.5,), (3.0,), (11.0,)], None),
    (while_continue, [(0.3, 1), (0.3, 4), (-0.8, 7)], [0]),
    (while_else, [(0.3,), (4.2,), (7.0,)], None),
    (for_else, [(0.5, 3), (1.1, 4), (0.35, 6)], [0]),
    (early_return_in_loop, [(1.5, 5), (1.1, 3), (2.5, 4)], [0]),
    (early_return_in_branch, [(-0.5,), (0.7,), (3.0,)], None),
    (break_in_nested_if, [(0.3, 6), (-0.8, 6), (-1.0, 2)], [0]),
    (continue_in_nested_if, [(V3,), (W3,), (np.array([-1.5, -0.5, 0.8]),)], None),
    (nested_loop_inner_break, [(A23,), (B23,), (np.abs(A23),)], None),
    (loop_break_and_continue, [(0.3, 8), (0.3, 3), (-1.1, 1)], [0]),
    (while_with_array_state, [(V3,), (0.3 * P3,), (3.0 * W3,)], None),
    (fixed_point_iteration, [(0.5,), (0.9,), (-0.4,)], None),
    (pass_in_loop, [(V3,), (W3,), (P3,)], None),
    # numerical models
    (logistic_map, [(2.8, 0.3, 1), (3.2, 0.45, 5), (3.7, 0.2, 8)], [0, 1]),
    (euler_ode, [(1.0, 0.5, 1), (-0.7, 2.0, 5), (0.3, 1.3, 12)], [0, 1]),
    (rk4_pendulum, [(0.3, 0.0, 1), (1.2, -0.5, 4), (-0.6, 1.0, 8)], [0, 1]),
    (rk4_vector_field, [(V3, 0.5, 2), (P3, -0.3, 5), (W3, 1.1, 1)], [0, 1]),
    (rnn_loop, [(A23, V3, B23, 1), (B23, W3, A23, 3), (A23, P3, A23, 5)], [0, 1, 2]),
    (rosenbrock_index_loop, [(V3,), (P3,), (np.array([1.1, 0.9]),)], None),
    (horner_index_loop, [(V3, 0.5), (W3, -1.1), (P3[:1], 2.0)], None),
    (power_iteration, [(A23, V3, 1), (B23, W3, 3), (A23, P3, 6)], [0, 1]),
    (running_max, [(V3,), (W3,), (P3,)], None),
    (chebyshev_recurrence, [(0.3, 0), (0.7, 3), (-0.45, 6)], [0]),
    (gradient_descent_inner, [(0.0, 1.0, 1), (2.0, -0.5, 5), (-1.0, 0.3, 10)], [0, 1]),
    (stable_logsumexp_loop, [(V3,), (W3,), (P3,)], None),
    (cumulative_product_loop, [(V3,), (W3,), (P3,)], None),
    (smoothing_iterations, [(V3, 1), (W3, 3), (A23, 2)], [0]),
    # comprehensions
    (genexp_sum_dot, [(V3, W3), (P3, V3), (W3[:2], P3[:2])], None),
    (listcomp_tanh, [(V3, W3), (P3, V3), (0.4, -0.9)], None),
    (listcomp_with_condition, [(V3,), (W3,), (P3,)], None),
    (nested_listcomp, [(A23, V3), (B23, W3), (A23[:1], P3)], None),
    (listcomp_to_array, [(V3,), (W3,), (P3,)], None),
    (genexp_in_builtin_sum_of_squares, [(V3,), (W3,), (P3[:2],)], None),
    # calls
    (call_same_module, [(0.5,), (-1.3,), (2.0,)], None),
    (call_helper_module_attr, [(0.5,), (-1.3,), (2.0,)], None),
    (call_from_import, [(V3,), (W3,), (A23,)], None),
    (call_from_import_scalar_branch, [(0.5,), (-1.3,), (2.0,)], None),
    (call_with_keyword_args, [(0.5, 0.2), (-1.3, 0.7), (2.0, -1.0)], None),
    (call_helper_default_override, [(V3,), (W3,), (A23,)], None),
    (call_tuple_return, [(0.5, 0.2), (-1.3, 0.7), (0.3, -1.0)], None),
    (call_tuple_return_same_module, [(0.5, 0.2), (-1.3, 0.7), (2.0, 1.0)], None),
    (call_in_loop, [(0.3, 1), (0.6, 4), (0.45, 7)], [0]),
    (call_in_branch, [(0.5,), (-1.3,), (2.0,)], None),
    (call_helper_with_loop, [(0.5, 1), (-1.3, 3), (0.8, 6)], [0]),
    (call_helper_using_module_global, [(V3,), (W3,), (A23,)], None),
    (call_helper_loop_over_module_tuple, [(0.5,), (-1.3,), (V3,)], None),
    (call_helper_chain, [(0.5,), (-1.3,), (V3,)], None),
    (call_helper_returning_array, [(V3,), (W3,), (P3,)], None),
    (call_helper_with_branch_in_loop, [(0.5, 0.2), (2.0, 1.5), (-1.5, 2.0)], None),
    (call_helper_with_ifexp_in_loop, [(V3,), (W3,), (P3,)], None),
    (nested_def, [(0.5,), (-1.3,), (2.0,)], None),
    (closure_reads_enclosing, [(0.5, 0.3), (-1.3, 1.2), (2.0, -0.7)], None),
    (closure_in_loop, [(0.5, 1), (2.5, 3), (-1.0, 6)], [0]),
    (lambda_call, [(0.5,), (-1.3,), (2.0,)], None),
    (lambda_in_loop, [(0.5, 1), (-1.3, 3), (0.9, 6)], [0]),
    (recursion_same_module, [(0.5, 0), (-1.3, 2), (2.0, 4)], [0]),
    (recursion_other_module, [(0.5, 0), (-1.3, 2), (2.0, 5)], [0]),
    (recursive_self, [(0.5, 0), (-1.3, 2), (0.9, 4)], [0]),
    # non-differentiable values
    (integer_counter, [(V3,), (W3,), (P3,)], None),
    (boolean_argument, [(V3, True), (V3, False), (A23, True)], [0]),
    (len_shape_ndim, [(A23,), (B23,), (A23[:1],)], None),
    (print_in_body, [(0.5,), (-1.3,), (2.0,)], None),
    (isinstance_dispatch, [(0.5,), (V3,), (A23,)], None),
    (assert_in_body, [(0.5,), (1.3,), (2.0,)], None),
    (comparison_as_number, [(0.5, 0.2), (0.2, 0.5), (-1.0, -2.0)], None),
    (shape_based_branch, [(V3,), (A23,), (B23,)], None),
    (integer_arithmetic_on_arg, [(0.5, 1), (-1.3, 3), (2.0, 0)], [0]),
    (unused_wrt, [(V3, A23), (W3, B23), (P3, 0.5)], [0, 1]),
    (unused_wrt_only_in_condition, [(0.5, V3), (0.5, -P3), (-1.2, B23)], [0, 1]),
    (unused_wrt_dead_code_in_loop, [(0.5, V3, 3), (-1.2, A23, 1), (2.0, 0.7, 4)], [0, 1]),
    # more combinations
    (list_append_in_loop, [(0.5, 1), (-1.3, 3), (0.9, 5)], [0]),
    (builtin_max_min, [(V3,), (W3,), (P3,)], None),
    (enumerate_zip_nested_target, [(V3, W3), (P3, V3), (W3[:2], P3)], None),
    (loop_over_transpose_columns, [(A23,), (B23,), (A23[:1],)], None),
    (any_all_conditions, [(V3,), (P3 + 1.0,), (P3,)], None),
    (early_return_nested_loops, [(A23, 0.5), (A23, 1.8), (B23, 10.0)], None),
    (while_and_condition, [(2.0,), (1.0005 ** 2 + 0.5,), (30.0,)], None),
    (ifexp_accumulator_in_loop, [(V3,), (W3,), (P3,)], None),
    (helper_tuple_return_in_loop, [(0.5, 0.2, 1), (-1.3, 0.7, 3), (0.3, -1.0, 0)], [0, 1]),
    (helper_called_with_constant_and_active, [(0.5,), (-1.3,), (2.0,)], None),
    (closure_over_loop_variable, [(0.5, 1), (-1.3, 3), (0.9, 5)], [0]),
    (builtin_sum_of_arrays, [(V3, W3), (0.5, -1.3), (A23, B23)], None),
    (recursion_tuple_return, [(0.5, 0.2, 0), (-1.3, 0.7, 2), (0.3, -1.0, 4)], [0, 1]),
    (while_inside_for_with_break, [(V3,), (W3,), (P3,)], None),
    (array_method_calls_in_loop, [(A23, 1), (B23, 2), (A23, 0)], [0]),
    (higher_order_helper_with_function_arg, [(0.5, 1), (V3, 3), (-1.3, 0)], [0]),
    (higher_order_helper_with_lambda, [(0.5, 1.2), (-1.3, 0.4), (2.0, -0.7)], None),
    (early_return_tuple, [(0.9, 0.2), (0.2, 1.5), (0.1, 0.3)], None),
    (nested_def_in_branch, [(0.5,), (-1.3,), (2.0,)], None),
    (while_condition_calls_helper, [(0.2,), (0.9,), (2.1,)], None),
    (np_sum_of_python_list, [(0.5, 0.2), (-1.3, 0.7), (2.0, -1.0)], None),
    (early_return_in_while_true, [(0.5,), (-1.0,), (2.0,)], None),
]
