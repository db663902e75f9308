"""User functions for test_statements.py: the statements and expressions of ordinary
numerical code (raise, with, try, *args / **kwargs, :=, del, dict(...), .astype, global
reads, print / logging).  ``match`` needs Python 3.10: its functions are in test_statements.py,
written to a temporary module."""

# ruff: noqa: E731
import functools
import logging
import math
import warnings

import numpy as np

LOG = logging.getLogger("tangent_lite.tests.statements")
SCALE = 2.0


# ---------------------------------------------------------------- raise


def validated(x):
    if x.ndim != 1:
        raise ValueError("x must be a vector")
    if np.any(np.isnan(x)):
        raise FloatingPointError(f"nan in x ({x.shape[0]} entries)")
    return np.sum(np.sin(x) * x)


def raise_in_loop(x):
    s = 0.0
    for i in range(x.shape[0]):
        if x[i] > 100.0:
            raise ValueError("too large")
        s = s + x[i] * x[i] * x[i]
    return s


# ---------------------------------------------------------------- with


def with_errstate(x):
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.log(x) * x
    return np.sum(y)


def with_warnings(x):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warnings.warn("noisy", UserWarning, stacklevel=2)
        y = np.sin(x) ** 2
    return np.sum(y * x)


def with_as_and_nested(x):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with np.errstate(over="ignore"):
            y = np.exp(x) * x
        warnings.warn("seen", UserWarning, stacklevel=2)
    return np.sum(y) * (1.0 + 0.0 * len(caught))


def with_in_loop(x):
    s = 0.0
    for i in range(3):
        with np.errstate(divide="ignore"):
            s = s + np.sum(np.log(x) * x) * i
    return s


def with_return_inside(x):
    with np.errstate(divide="ignore"):
        return np.sum(np.log(x) ** 2)


def with_raise_inside(x):
    with np.errstate(divide="ignore"):
        y = np.log(x)
        if np.sum(x) > 100.0:
            raise ValueError("too large")
    return np.sum(y * y)


# ---------------------------------------------------------------- try


def try_else_finally(x):
    try:
        y = np.sin(x) * x
    except ValueError:
        y = x
    else:
        y = y * 2.0
    finally:
        z = 3.0
    return np.sum(y) * z


def try_finally(x):
    try:
        y = np.sin(x) * x
        y = y * 2.0
    finally:
        y = y + x * x
    return np.sum(y)


def try_finally_returns(x):
    try:
        return np.sum(np.cos(x) * x)
    finally:
        pass


def break_in_except(x):
    s = x
    for i in range(4):
        try:
            if i == 2:
                raise KeyError(i)
            s = s * s * 0.9
        except KeyError:
            break
    return np.sum(s)


def break_after_except(x):  # what the refusal of break_in_except suggests
    s = x
    for i in range(4):
        failed = False
        try:
            if i == 2:
                raise KeyError(i)
            s = s * s * 0.9
        except KeyError:
            failed = True
        if failed:
            break
    return np.sum(s)


def try_caught_raise(x):
    try:
        if np.sum(x) > 2.0:
            raise ValueError("large")
        y = np.cos(x)
    except ValueError as e:
        y = np.sin(x) * x * (len(str(e)) / 5.0)
    return np.sum(y)


def try_numpy_error(x):
    with np.errstate(divide="raise"):
        try:
            y = 1.0 / (x - 1.0)
        except FloatingPointError:
            y = x * x
    return np.sum(y)


# statements whose value the derivative does not need, kept for the exception or warning
# they may raise (the gradient-only variant of tl.grad must not drop them)


def try_unused_log(x):
    try:
        y = math.log(x)  # ValueError for x <= 0: y = x ** 4
    except ValueError:
        y = x ** 4
    return y


def try_else_rebinds(x):
    try:
        t = math.sqrt(x)  # ValueError for x < 0, before t is bound
    except ValueError:
        t = -x
    else:
        t = t * t * t
    finally:
        t = t + x
    return t * x  # x < 0: (-x + x) * x = 0; x > 0: (x^1.5 + x) * x


def try_errstate_unused(x):
    try:
        with np.errstate(invalid="raise"):
            a = np.arccos(x)  # FloatingPointError for |x| > 1 (and its value is not needed)
            y = np.sum(a * 0.0 + x * x * x)
    except FloatingPointError:
        y = np.sum(x * x)
    return y


def cholesky_check(a):
    try:
        chol = np.linalg.cholesky(a)  # noqa: F841 (only a check: LinAlgError when a is not positive definite)
        y = np.sum(a * a)
    except np.linalg.LinAlgError:
        y = np.sum(a * a * a)
    return y


def warning_count(x):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        unused = np.log(x - 5.0)  # noqa: F841 (warns for x < 5: the count decides the result)
        y = np.sum(x * x) * (len(caught) + 1.0)
    return y


class Counting:
    """A context with a side effect on entering and leaving (like a file, a lock, a timer)."""

    entered = 0
    left = 0

    def __enter__(self):
        Counting.entered += 1
        return 2.0

    def __exit__(self, *exc):
        Counting.left += 1
        return False


def with_side_effects(x):
    with Counting() as scale:
        y = np.sum(np.sin(x) * x) * scale
    return y


def errstate_validation(x):
    with np.errstate(invalid="raise"):
        check = np.log(x)  # noqa: F841 (raises FloatingPointError for x < 0)
    return np.sum(x * x)


def try_singular(a):
    try:
        y = np.linalg.inv(a)
    except np.linalg.LinAlgError:
        y = a * 2.0
    return np.sum(y * y)


def try_several_handlers(x, key):
    table = {"a": 1.0}
    try:
        scale = table[key]
        y = np.sin(x) * scale
    except (TypeError, ValueError):
        y = x
    except KeyError:
        y = np.exp(x)
    return np.sum(y)


def try_in_loop(x):
    s = 0.0
    for i in range(x.shape[0]):
        try:
            if x[i] < 0.0:
                raise ValueError("negative")
            t = np.sqrt(x[i])
        except ValueError:
            t = -x[i] * x[i]
        s = s + t * x[i]
    return s


def try_partial(x):
    try:
        a = np.sin(x)
        y = np.log(a)
    except FloatingPointError:
        y = x
    return np.sum(y + a)


def try_helper(x):
    try:
        y = np.sqrt(x)
    except ValueError:
        y = x
    return y


def calls_try_helper(x):
    return np.sum(try_helper(x) * x)


# ---------------------------------------------------------------- *args, **kwargs


def sum_squares(*xs):
    s = 0.0
    for v in xs:
        s = s + v * v
    return s


def scaled(x, **kw):
    return x * kw["scale"] + kw.get("shift", 0.0)


def mixed_params(x, *rest, power=2, **options):
    y = x ** power
    for r in rest:
        y = y + r * options["weight"]
    return y


def star_params(x):
    return np.sum(sum_squares(x, np.sin(x), 2.0 * x))


def kw_params(x):
    return np.sum(scaled(x, scale=3.0, shift=1.0))


def mixed_call(x):
    return np.sum(mixed_params(x, np.cos(x), x * x, power=3, weight=0.5))


def star_call(x):
    pair = (x[0], x[1])
    noise = np.random.randn(*x.shape)
    return np.hypot(*pair) + np.sum(noise * 0.0)


def star_reshape(x):
    shape = x.shape
    m = np.reshape(x * x, (*shape, 1))
    return np.sum(np.reshape(m, (*shape,)) * x)


def kw_call(x):
    kw = {"axis": 0, "keepdims": False}
    return np.sum(np.sum(np.outer(x, x), **kw) * x)


def star_into_helper(x):
    args = (x, np.sin(x))
    opts = dict(scale=2.0)
    return np.sum(sum_squares(*args) + scaled(x, **opts))


def star_unknown_length(x):
    parts = list(x[:2])
    return np.hypot(*parts)


# ---------------------------------------------------------------- :=, del, dict(), astype


def walrus(x):
    if (y := np.sum(x * x)) > 1.0:
        return y * 2.0
    return y


def walrus_in_comprehension(x):
    ys = [(t := v * v) + t for v in x]
    return ys[0] + ys[1] + ys[2]


def delete(x):
    y = x * x
    z = np.sin(y)
    del y
    y = z * x
    return np.sum(y)


def dict_call(x):
    d = dict(a=x * 2.0, b=np.sin(x))
    e = dict({"c": x}, d=x * x)
    return np.sum(d["a"] * d["b"] + e["c"] * e["d"])


def astype(x):
    n = np.floor(x * 10.0 + 0.5).astype(int)
    return np.sum(x.astype(float) * x.astype(np.float64) + n + x.astype("float64") * 0.5)


def astype_single(x):
    return np.sum(x.astype(np.float32) * 0.5)


def astype_bool(x):
    mask = (x > 0.5).astype(float)
    return np.sum(mask * x * x + x.astype(bool))


# ---------------------------------------------------------------- globals, print, logging


def global_read(x):
    global SCALE
    return np.sum(x * x) * SCALE


def global_free(x):
    return np.sum(np.sin(x)) * SCALE


def global_write(x):
    global SCALE
    SCALE = np.sum(x)
    return x


def prints(x):
    y = np.sin(x)
    print("y =", y)
    LOG.info("y %s", y)
    logging.getLogger("tangent_lite.tests.other").debug("y=%s", y)
    return np.sum(y * x)


# ---------------------------------------------------------------- lambdas anywhere

PAIR = (lambda x: np.sum(x * 2.0 + np.sin(x)), lambda x: np.sum(x * 3.0 + np.sin(x)))
SAME = (lambda x: np.sum(x * x), lambda x: np.sum(x * x))
TABLE = [
    lambda z: np.sum(z * z),
    lambda z: np.sum(np.sin(z)),
]


def two_lambdas(x):
    f, g = (lambda z: z * z), (lambda z: np.sin(z))
    return np.sum(f(x) + g(x))


def lambda_table(x):
    fs = [
        lambda z: z * z,
        lambda z, k=2.0: k * np.cos(z),
    ]
    return np.sum(fs[0](x) + fs[1](x) + fs[-1](x))


def square(z):
    return z * z


def lambda_map(x):
    ys = list(map(lambda z: z * np.sin(z), [x[0], x[1], x[2]]))
    zs = list(map(lambda a, b: a * b, ys, [x[2], x[1], x[0]]))
    ws = list(map(square, zs))
    return ys[0] + ys[1] + zs[2] + ws[0] + ws[2]


def lambda_sorted(x):
    items = [x[0], x[1] * 2.0, x[2] - 1.0]
    up = sorted(items, key=lambda z: -z)
    down = sorted(items, key=lambda z: z * z, reverse=True)
    return up[0] * 2.0 + up[1] + down[0] * down[2]


def lambda_reduce(x):
    p = functools.reduce(lambda a, b: a * b, [x[0], x[1], x[2]])
    s = functools.reduce(lambda a, b: a + np.sin(b), x, 1.0)
    return p + s


def nested_lambdas(x):
    outer = lambda a: (lambda b: a * b)(np.sin(a))
    return np.sum(outer(x))


def try_reraise(x):
    try:
        if np.sum(x) > 100.0:
            raise ValueError("too large")
        y = np.sin(x)
    except ValueError:
        print("giving up")
        raise
    return np.sum(y * x)


def try_handler_reads_partial(x):
    try:
        a = np.sin(x)
        y = np.log(a)
    except FloatingPointError:
        a = a * 2.0
        y = a
    return np.sum(y + a)


def try_overwrites_in_loop(x):
    s = 0.0
    for i in range(x.shape[0]):
        try:
            s = s + np.sqrt(x[i])
        except FloatingPointError:
            s = s - x[i]
    return s
