"""A 0-d array is not a number: ``a = x; a += y`` replaces a float but changes a 0-d array
in place (and every other name for it).  Rank 0 alone cannot tell them apart, so each program
below runs with a float and with a 0-d array, directly and through helpers, and tangent_lite
must give the derivative the program has (central differences, on fresh copies of the
inputs) or refuse it with its own error: never a number that ignores the in-place change."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest
from temp_modules import temp_module

import tangent_lite as tl

PROGRAMS = {
    "alias_then_augment": """
        def f(x, y):
            a = x
            a += y
            return a * x
    """,
    "augment_parameter": """
        def f(x, y):
            x += y
            return x * y
    """,
    "helper_augments_its_parameter": """
        def h(p, v):
            p += v
            return p * v

        def f(x, y):
            z = h(x, y)
            return z * x
    """,
    "helper_augments_an_alias": """
        def h(p, v):
            a = p
            a *= v
            return a + v

        def f(x, y):
            return h(x, y) * x
    """,
    "helper_of_a_helper": """
        def inner(p, v):
            q = p
            q -= v
            return q

        def h(p, v):
            return inner(p, v) * 2.0

        def f(x, y):
            return h(x, y) + x * x
    """,
    "helper_gets_an_item_or_a_sum": """
        def h(p, v):
            a = p
            a += v
            return np.sin(a)

        def f(x, y):
            u = x * np.ones(2) + y * np.ones(2)
            return h(u[0], y) + h(np.sum(u), x) + u[0]
    """,
    "helper_gets_items_of_an_array_of_unknown_rank": """
        def h(p, v):
            a = p
            a += v
            return np.sin(a)

        def f(x, y):
            u = np.array([x, y]) * 1.0
            return h(u[0], y) + h(np.sum(u), x) + u[0]
    """,
    "accumulator_then_alias": """
        def f(x, y):
            a = np.zeros(())
            a += x
            b = a
            b *= y
            return a + b
    """,
    "accumulator_then_later_update": """
        def f(x, y):
            a = np.zeros(())
            a += x
            b = a
            a += y
            return b * x
    """,
    "helper_changes_an_accumulator": """
        def h(p, v):
            p += v
            return p * 1.0

        def f(x, y):
            z = np.zeros(())
            z += y
            r = h(z, z)
            return x * x + r + z * z
    """,
    "zero_d_item_read": """
        def f(x, y):
            z = np.asarray(x * y)
            a = z[()]
            return a * a * x
    """,
    "zero_d_item_write": """
        def f(x, y):
            a = np.zeros(())
            a[()] = x * y
            return a * 2.0 + x * a
    """,
    "zero_d_ellipsis_write": """
        def f(x, y):
            a = np.zeros(())
            a[...] = x * y
            return a * x
    """,
    "local_zero_d_array": """
        def f(x, y):
            z = np.asarray(x * 1.0)
            a = z
            a += y
            return a * z
    """,
    "helper_gets_a_local_zero_d_array": """
        def h(p, v):
            p += v
            return p * v

        def f(x, y):
            z = np.array(x)
            w = h(z, y)
            return w * z
    """,
}


MAKE_ZERO_D_ARRAYS = {"local_zero_d_array", "helper_gets_a_local_zero_d_array", "accumulator_then_alias",
                      "accumulator_then_later_update", "helper_changes_an_accumulator"}  # whatever x is


@pytest.fixture(scope="module")
def programs(tmp_path_factory):
    body = "\n\n".join(textwrap.dedent(src).strip().replace("def f(", f"def f_{key}(")
                       .replace("def h(", f"def h_{key}(").replace("h(", f"h_{key}(")
                       .replace("def inner(", f"def inner_{key}(").replace("inner(", f"inner_{key}(")
                       .replace(f"h_{key}_{key}(", f"h_{key}(").replace(f"inner_{key}_{key}(", f"inner_{key}(")
                       for key, src in PROGRAMS.items())
    return temp_module(tmp_path_factory.mktemp("zero_d"), "import numpy as np\n\n\n" + body + "\n", "tl_zero_d")


def _fresh(kind, value):
    return float(value) if kind == "float" else np.array(value)


def _first(value):
    return value[0] if isinstance(value, tuple) else value


def _central(f, kind, x, y, h=1e-6):
    return (f(_fresh(kind, x + h), y) - f(_fresh(kind, x - h), y)) / (2 * h)


@pytest.mark.parametrize("kind", ["float", "0-d array"])
@pytest.mark.parametrize("key", sorted(PROGRAMS))
def test_in_place_updates_of_scalars_give_the_programs_derivative_or_a_refusal(programs, key, kind):
    f = getattr(programs, f"f_{key}")
    x, y = 0.7, 1.3
    expected = _central(f, kind, x, y)
    outcomes = {}
    for name, run in {
        "value": lambda: tl.value_and_grad(f)(_fresh(kind, x), y)[0],
        "grad": lambda: tl.grad(f)(_fresh(kind, x), y),
        "jvp": lambda: tl.jvp(f, (_fresh(kind, x), y), (1.0, 0.0))[1],
        "vjp": lambda: _first(tl.vjp(f, _fresh(kind, x), y)[1](1.0)),
        "grad of grad": lambda: tl.grad(tl.grad(f))(_fresh(kind, x), y),
        "hessian": lambda: tl.hessian(f)(_fresh(kind, x), y),
    }.items():
        try:
            outcomes[name] = float(run())
        except tl.TangentLiteError as exc:
            assert "in place" in str(exc), f"{name}: {exc}"
            outcomes[name] = "refused"
    second = (f(_fresh(kind, x + 1e-4), y) - 2 * f(_fresh(kind, x), y) + f(_fresh(kind, x - 1e-4), y)) / 1e-8
    for name, got in outcomes.items():
        want, tol = {"grad of grad": (second, 1e-4), "hessian": (second, 1e-4),
                     "value": (float(f(_fresh(kind, x), y)), 1e-12)}.get(name, (expected, 1e-6))
        if got != "refused":
            assert got == pytest.approx(want, rel=tol, abs=tol), (name, outcomes, expected, second)
    if kind == "float" and key not in MAKE_ZERO_D_ARRAYS:  # a number is never changed in place
        assert all(v != "refused" for v in outcomes.values()), outcomes
