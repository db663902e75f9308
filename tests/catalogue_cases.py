"""User functions for test_catalogue.py: things a user might try that tangent_lite
refuses (or should refuse).  tangent_lite reads source from files, so they live here.

test_catalogue.py finds each offending line by its stripped text inside the
function (``line_of``), so line numbers may move but each probed line must stay
unique within its function.  Code that does not parse on Python 3.9 (``match``)
is written to a temporary module by the test instead.
"""

# ruff: noqa: F841, E731, B018, B009, UP027
import functools
import heapq
import itertools
import math
import operator
import statistics

import numpy as np

COUNTER = 0.0
STATE = np.zeros(3)
XP = np.linspace(-2.0, 2.0, 5)
FP = np.array([0.0, 1.0, 0.5, 2.0, 1.0])


# ---------------------------------------------------------------- generators, exceptions, scopes


def gen_yield(x):
    y = x * 2.0
    yield y


def gen_yield_from(x):
    yield from [x, x * 2.0]


def try_except(x):
    try:
        a = np.sin(x)
        y = np.log(a)
    except FloatingPointError:
        y = x
    return np.sum(y + a)


def try_finally(x):
    y = x
    try:
        y = np.sin(x)
    finally:
        z = 1.0
    return np.sum(y)


def raises_inside(x):
    if np.sum(x) > 100.0:
        raise ValueError("input too large")
    return np.sum(x * x)


def global_write(x):
    global COUNTER
    COUNTER = np.sum(x)
    return COUNTER * 2.0


def _make_nonlocal():
    acc = 0.0

    def nonlocal_write(x):
        nonlocal acc
        acc = acc + np.sum(x)
        return acc * 2.0

    return nonlocal_write


nonlocal_write = _make_nonlocal()


def uses_exec(x):
    exec("y = x * 2")
    return np.sum(x)


def uses_eval(x):
    y = eval("x * 2.0")
    return np.sum(y)


def with_block(x):
    with np.errstate(all="ignore"):
        y = np.log(x)
    return np.sum(y)


async def async_fn(x):
    return np.sum(x * 2.0)


def class_inside(x):
    class Box:
        pass

    return np.sum(x)


def uses_del(x):
    y = [x * 2.0, x]
    del y[0]
    return np.sum(x)


def import_inside(x):
    import math as m

    return m.sin(np.sum(x))


def from_import_inside(x):
    from numpy import cos

    return np.sum(cos(x))


# ---------------------------------------------------------------- callables without a rule


def uses_reduce(x):
    total = functools.reduce(operator.add, x)
    return total * 2.0


def uses_accumulate(x):
    parts = list(itertools.accumulate(x))
    return parts[-1] * 2.0


def uses_nlargest(x):
    top = heapq.nlargest(2, x)
    return top[0] * 2.0


def uses_fmean(x):
    m = statistics.fmean(x)
    return m * 2.0


def uses_apply_along_axis(x):
    rows = np.apply_along_axis(np.sum, 0, x)
    return np.sum(rows)


def uses_fft(x):
    spectrum = np.fft.rfft(x)
    return np.sum(np.abs(spectrum))


def uses_tolist(x):
    xs = x.tolist()
    return xs[0] * 2.0


def uses_out_kwarg(x):
    z = np.zeros(3)
    np.sin(x, out=z)
    return np.sum(z)


def sorts_in_place(x):
    x.sort()
    return x[0] * 2.0


def add_at(x):
    z = np.zeros(3)
    np.add.at(z, [0, 0, 1], x)
    return np.sum(z * z)


# ---------------------------------------------------------------- valid Python that must not be silently wrong


def real_attribute(x):
    return np.sum(x.real * x)


def aliased_array_write(x):
    z = np.zeros(3)
    w = z
    z[0] = x[0]
    return np.sum(w * x)


def write_through_view(x):
    z = np.zeros(3)
    v = z[0:2]
    v[0] = x[1]
    return np.sum(z * x)


def aliased_list_write(x):
    a = [x[0], x[1]]
    b = a
    b[0] = x[2] * 3.0
    return a[0] * x[0]


# ---------------------------------------------------------------- syntax tangent_lite refuses


def lambda_value(x):
    ys = list(filter(lambda t: t > 0.0, x))
    return ys[0]


def star_args(*xs):
    return np.sum(xs[0] * 2.0)


def star_kwargs(x, **opts):
    return np.sum(x * 2.0)


def star_call(x):
    pair = list(x[:2])
    return np.sum(np.add(*pair))


def set_literal(x):
    s = {1.0, 2.0}
    return np.sum(x) * len(s)


def set_comp(x):
    s = {t for t in x}
    return np.sum(x) * len(s)


def dict_comp(x):
    d = {i: x[i] for i in range(3)}
    return d[0] * 2.0


def walrus(x):
    if (y := np.sum(x)) > 0.0:
        return y * 2.0
    return -y


def call_local_value(x):
    g = np.sin
    return np.sum(g(x))


def undefined_name(x):
    return np.sum(x) * undefined_scale  # noqa: F821


def missing_attribute(x):
    return np.sum(np.sine(x))


def nested_recursive(x):
    def fact(n):
        return 1.0 if n <= 1 else n * fact(n - 1)

    return np.sum(x) * fact(3)


def nested_decorated(x):
    @functools.cache
    def scale(k):
        return 2.0 * k

    return np.sum(x) * scale(2)


# ---------------------------------------------------------------- state and mutation


class Model:
    def __init__(self):
        self.h = None

    def step(self, x):
        self.h = np.tanh(x)
        return np.sum(self.h)


class Box:
    value = 0.0
    total = 0.0


def set_attribute(x, box):
    box.value = np.sum(x)
    return box.value * 2.0


def aug_attribute(x, box):
    box.total += np.sum(x)
    return box.total


def write_global_array(x):
    STATE[0] = np.sum(x)
    return np.sum(STATE)


# ---------------------------------------------------------------- recursion


def forever(x):
    return forever(x * 0.5) + 1.0


def ping(x):
    return pong(x) * 2.0


def pong(x):
    return ping(x) + 1.0


# ---------------------------------------------------------------- a problem in a callee


def helper_with_try(x):
    try:
        a = np.sin(x)
        y = np.log(a)
    except ValueError:
        y = x
    return y + a


def calls_bad_helper(x):
    return np.sum(helper_with_try(x))


# ---------------------------------------------------------------- several problems at once


def many_fence_problems(x):
    global COUNTER
    COUNTER = 1
    s = {1.0, 2.0}
    y = [np.log(x)]
    exec("z = 1")
    del y[0]
    return np.sum(x) * len(s)


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


def two_lowering_problems(x, box):
    box.value = np.sum(x)
    g = np.cos
    return g(x)


# ---------------------------------------------------------------- values and arguments


def two_args(x, y):
    return np.sum(x * y + np.sin(x))


def kwonly(x, *, scale):
    return np.sum(x) * scale


def vector_output(x):
    return np.sin(x) * 2.0


def tuple_output(x):
    return np.sum(x), np.sum(x * x)


def no_return(x):
    y = np.sum(x * x)


def dict_output(x):
    return {"loss": np.sum(x * x)}


def scalar_fn(x):
    return x * x * 2.0


def plain_sum(x):
    return np.sum(x * x)


PAIR_OF_LAMBDAS = (lambda x: x * 2.0, lambda x: x * 3.0)


# ---------------------------------------------------------------- valid code that must work


def deep_ifs(x):
    s = np.sum(x)
    if s > -100.0:
        if s > -90.0:
            if s > -80.0:
                if s > -70.0:
                    if s > -60.0:
                        if s > -50.0:
                            if s > -40.0:
                                if s > -30.0:
                                    if s > -20.0:
                                        if s > -10.0:
                                            s = s * np.sin(s)
                                        else:
                                            s = s + 1.0
    return s


def deep_loops(x):
    s = 0.0
    for i in range(2):
        for j in range(2):
            for k in range(2):
                for m in range(2):
                    for n in range(2):
                        s = s + np.sin(x[(i + j + k + m + n) % 3]) * 0.1
    return s


def deep_expression(x):
    return ((((((((((((((((((((((((((((((((x * 1.01 + 0.1) * 0.99 + 0.1) * 1.01 + 0.1) * 0.99 + 0.1)
        * 1.01 + 0.1) * 0.99 + 0.1) * 1.01 + 0.1) * 0.99 + 0.1) * 1.01 + 0.1) * 0.99 + 0.1) * 1.01 + 0.1)
        * 0.99 + 0.1) * 1.01 + 0.1) * 0.99 + 0.1) * 1.01 + 0.1) * 0.99 + 0.1) * 1.01 + 0.1) * 0.99 + 0.1)
        * 1.01 + 0.1) * 0.99 + 0.1) * 1.01 + 0.1) * 0.99 + 0.1) * 1.01 + 0.1) * 0.99 + 0.1) * 1.01 + 0.1)
        * 0.99 + 0.1) * 1.01 + 0.1) * 0.99 + 0.1) * 1.01 + 0.1) * 0.99 + 0.1) * 1.01 + 0.1) * 0.99 + 0.1)
