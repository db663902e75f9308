"""User functions for test_refusals.py (tangent_lite reads source from files).

Each refused construct sits next to the valid spelling that must keep working.
test_refusals.py finds lines by their stripped text, so probed lines stay unique
within their function.
"""

# ruff: noqa: E731
import heapq
import logging
import math

import numpy as np

LOG = logging.getLogger("tangent_lite.tests.refusals")
OFFSET = 0.5


# ---------------------------------------------------------------- in-place mutation


def out_keyword(x):
    z = np.zeros(3)
    np.sin(x, out=z)
    return np.sum(z * z)


def out_keyword_assigned(x):
    z = np.zeros(3)
    y = np.sin(x, out=z)
    return np.sum(y * z)


def returned_value(x):
    z = np.sin(x)
    return np.sum(z * z)


def out_keyword_on_constants(x):
    z = np.zeros(3)
    np.multiply(np.ones(3), 2.0, out=z)
    return np.sum(x * z)


def sorts_in_place(x):
    y = x * 2.0
    y.sort()
    return y[0] * 3.0 + y[2]


def sorts_reassigned(x):
    y = x * 2.0
    y = y + 1.0
    y.sort()
    np.sin(y * 2.0, out=y)
    return y[0] * 3.0


def sorts_functionally(x):
    y = np.sort(x * 2.0)
    return y[0] * 3.0 + y[2]


def fills_in_place(x):
    z = np.zeros(3)
    z.fill(np.sum(x))
    return np.sum(z)


def list_extended(x):
    parts = [x[0]]
    parts.extend([x[1], x[2]])
    return parts[0] * parts[2]


def ufunc_at(x):
    z = np.zeros(3)
    np.add.at(z, [0, 0, 2], x)
    return np.sum(z * z)


def index_accumulation(x):
    z = np.zeros(3)
    idx = [0, 0, 2]
    for j in range(3):
        z[idx[j]] = z[idx[j]] + x[j]
    return np.sum(z * z)


def copyto_in_place(x):
    z = np.zeros(3)
    np.copyto(z, x * 2.0)
    return np.sum(z * x)


def heapify_discarded(x):
    xs = [x[0], x[1], x[2]]
    heapq.heapify(xs)
    return xs[0] * 2.0


def prints_and_logs(x):
    print("x is", x)
    LOG.debug("x = %s", x)
    y = np.tanh(x)
    print(y.shape)
    return np.sum(y * x)


def _scale_in_place(v):
    v[0] = v[0] * 2.0


def _report(v):
    print(np.sum(v))


def calls_mutating_helper(x):
    y = x * 1.0
    _scale_in_place(y)
    return np.sum(y * y)


def calls_pure_helper(x):
    y = x * 1.0
    _report(y)
    return np.sum(y * y)


# ---------------------------------------------------------------- .real / .imag


def real_part(x):
    return np.sum(x.real * x)


def imag_part(x):
    return np.sum(x.imag + x * x)


def real_of_scalar(x):
    s = np.sum(x)
    return s.real * np.sin(s)


# ---------------------------------------------------------------- syntax


async def async_fn(x):
    return np.sum(x * 2.0)


def star_args(*xs):
    return np.sum(xs[0] * 2.0)


def star_kwargs(x, **opts):
    return np.sum(x * 2.0)


def dict_comp(x):
    d = {i: x[i] for i in range(3)}
    return d[0] * 2.0


def list_comp(x):
    d = [x[i] * 2.0 for i in range(3)]
    return d[0] * d[2]


def uses_reduce(x):
    total = math.fsum(x)
    return total * 2.0


def uses_unwrap(x):
    phase = np.unwrap(x)
    return np.sum(np.abs(phase))


def misspelled_name(x):
    return np.sum(x) * OFFSTE  # noqa: F821


def misspelled_attribute(x):
    return np.sum(np.sine(x))


def computed_callee(x):
    fs = [np.sin, np.cos]
    return np.sum(fs[0](x))


def max_of_list(x):
    ys = [x[0] * x[1], x[2] * x[2], x[0] + 1.0]
    return max(ys) * x[1]


def max_of_tuple(x):
    return max((x[0] * x[1], x[2] * x[2], x[0] + 1.0)) * x[1]


# ---------------------------------------------------------------- recursion


def nested_recursive(x):
    def fact(n):
        return 1.0 if n <= 1 else n * fact(n - 1)

    return np.sum(x) * fact(3)


def nested_calls_nested(x):
    def double(t):
        return t * 2.0

    def quad(t):
        return double(double(t))

    return np.sum(quad(x) * x)


def forever(x):
    return forever(x * 0.5) + 1.0


def forever_in_loop_test(x):
    s = 0.0
    while forever_in_loop_test(x) > 0.0:
        s = s + 1.0
    return s


def with_base_case(x, n):
    if n == 0:
        return np.sum(x * x)
    return with_base_case(x * 0.5, n - 1) + np.sum(np.sin(x))


def ping(x):
    return pong(x) * 2.0


def pong(x):
    return ping(x) + 1.0


# ---------------------------------------------------------------- several problems


def mixed_problems(x):
    try:
        a = np.sin(x)
        y = np.log(a)
    except ValueError:
        y = x
    y = y + a
    f = lambda t: t
    total = math.fsum(x)
    return np.sum(y) + total + f


def import_and_more(x):
    import math as m

    y = m.sin(np.sum(x))
    del y[0]
    return np.sum(x)


# ---------------------------------------------------------------- source checks


def _make_closure(scale):
    def scaled(x):
        return np.sum(np.sin(x) * scale)

    return scaled


closure = _make_closure(3.0)


class Model:
    def __init__(self):
        self.__private = 2.0

    def loss(self, x):
        return np.sum(x * x) * self.__private

    @staticmethod
    def static_loss(x):
        return np.sum(np.cos(x))


ACTS = {"tanh": np.tanh, "sin": np.sin}  # a dispatch table (breaker 30 #11)
FNS = [np.tanh, np.sin]
act = ACTS["tanh"]  # the fix the refusal gives


def dispatch_dict(x):
    return np.sum(ACTS["tanh"](x) * 2.0)


def dispatch_list(x):
    return np.sum(FNS[1](x) * 2.0)


def dispatch_bound(x):
    return np.sum(act(x) * 2.0)
