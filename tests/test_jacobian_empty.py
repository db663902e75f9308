"""tl.jacobian with an empty input or an empty output returns the empty Jacobian, shaped
``out.shape + x.shape``, in every mode (breaker 29 #16: forward mode, picked by default for an
empty input, ran the per-direction fallback of an operation without a batched rule with no
direction and refused with "batched tangents with no directions ... call tl.jvp without
batched=True", which the user never called)."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest

import tangent_lite as tl


def total(x):
    return np.sum(np.cumsum(x))  # (np.cumsum: no batched forward rule)


def doubled(x):
    return np.cumsum(x) * 2.0


def nothing_out(x):
    return np.cumsum(x)[:0] * 2.0


def with_aux(x):
    return np.cumsum(x) * 2.0, "aux"


CASES = [
    (total, np.zeros(0), (0,), np.float64),
    (doubled, np.zeros((0, 2)), (0, 0, 2), np.float64),
    (doubled, np.zeros(0, np.float32), (0, 0), np.float32),
    (doubled, np.zeros(0, complex), (0, 0), np.complex128),
    (nothing_out, np.ones(3), (0, 3), np.float64),
    (nothing_out, np.ones((2, 2)), (0, 2, 2), np.float64),
]


@pytest.mark.parametrize("mode", ["auto", "forward", "reverse"])
@pytest.mark.parametrize("f, x, shape, dtype", CASES, ids=[f"{c[0].__name__}-{c[1].dtype}-{c[1].shape}" for c in CASES])
def test_empty_jacobian(f: Callable, x: Any, shape: tuple, dtype: Any, mode: str) -> None:
    jac = tl.jacobian(f, mode=mode)(x)
    assert jac.shape == shape and jac.dtype == dtype


@pytest.mark.parametrize("mode", ["auto", "forward", "reverse"])
def test_empty_jacobian_with_aux(mode: str) -> None:
    jac, aux = tl.jacobian(with_aux, mode=mode, has_aux=True)(np.zeros(0))
    assert jac.shape == (0, 0) and aux == "aux"


def test_second_order_of_an_empty_input() -> None:
    assert tl.hessian(total)(np.zeros(0)).shape == (0, 0)
    assert tl.jacobian(tl.grad(total))(np.zeros(0)).shape == (0, 0)


def test_non_empty_jacobians_are_unchanged() -> None:
    x = np.array([0.5, -1.0, 2.0])
    lower = np.tril(np.ones((3, 3))) * 2.0  # d cumsum(x) * 2 / dx
    for mode in ("auto", "forward", "reverse"):
        np.testing.assert_allclose(tl.jacobian(doubled, mode=mode)(x), lower)
        np.testing.assert_allclose(tl.jacobian(total, mode=mode)(x), [3.0, 2.0, 1.0])
