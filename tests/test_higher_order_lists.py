"""Higher-order and forward-mode derivatives of functions that build or take Python lists,
checked against central finite differences of lower-order results (breaker 25 #4, #5, #9)."""

import numpy as np
import pytest

import tangent_lite as tl

EPS = 1e-5


def central(f, x, eps=EPS):
    """Central finite difference of f at the number x."""
    return (np.asarray(f(x + eps)) - np.asarray(f(x - eps))) / (2 * eps)


# ---------------------------------------------------------------- #9: forward tl.jacobian w.r.t. a list


def stacked(L):
    return np.stack([L[0] * L[1], L[2] ** 2, np.sin(L[0])])


def stacked_nested(L):
    return np.stack([L[0][0] * L[1][1], L[0][1], L[1][0] ** 2, L[0][0] * 3.0])


def fd_jacobian_of_list(f, L):
    x = np.array(L, dtype=float)
    cols = []
    for i in range(x.size):
        d = np.zeros(x.size)
        d[i] = EPS
        plus = (x.ravel() + d).reshape(x.shape).tolist()
        minus = (x.ravel() - d).reshape(x.shape).tolist()
        cols.append((np.ravel(f(plus)) - np.ravel(f(minus))) / (2 * EPS))
    out = np.asarray(f(L))
    return np.stack(cols, -1).reshape(out.shape + x.shape)


@pytest.mark.parametrize("mode", ["forward", "reverse", "auto"])
@pytest.mark.parametrize("f, L", [(stacked, [0.3, 1.2, 0.5]), (stacked, (0.3, 1.2, 0.5)),
                                  (stacked_nested, [[0.3, 1.2], [0.5, 0.7]])])
def test_jacobian_with_respect_to_a_list_in_every_mode(f, L, mode):
    # np.stack has no batched rule: forward mode takes one direction at a time, each shaped like L
    np.testing.assert_allclose(tl.jacobian(f, mode=mode)(L), fd_jacobian_of_list(f, L), rtol=1e-6, atol=1e-8)
