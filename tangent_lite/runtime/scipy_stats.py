"""The covariance matrix ``scipy.stats.multivariate_normal`` reads, for the rules of its densities
(``rules/scipy_stats.py``): SciPy factors ``cov`` with ``eigh(cov, lower=True)``, so it reads the
lower triangle and takes the upper one to mirror it.  ``mvn_cov`` is that symmetric matrix; it is
linear in ``cov``, and its transpose (``mvn_cov_bar``) puts a cotangent back on the triangle read,
so a derivative in ``cov`` matches what SciPy computes for any matrix, symmetric or not."""

from __future__ import annotations

from typing import Any

import numpy as np


def mvn_cov(cov: Any, mean: Any = 0.0) -> Any:
    """``tril(cov) + tril(cov, -1).T``: the symmetric matrix SciPy reads from ``cov`` (``mean``: only
    checked, the rules need it given)."""
    if mean is None:
        raise ValueError("tangent_lite differentiates scipy.stats.multivariate_normal with its mean given: pass "
                         "mean=np.zeros(k) for a zero mean")
    if np.ndim(cov) != 2:
        raise ValueError(f"tangent_lite differentiates scipy.stats.multivariate_normal with a (k, k) covariance "
                         f"matrix, got one of shape {np.shape(cov)}: pass the matrix (s * np.eye(k), np.diag(v))")
    return np.tril(cov) + np.transpose(np.tril(cov, -1))


def mvn_cov_bar(g: Any) -> Any:
    """The transpose of :func:`mvn_cov`: the cotangent of ``cov`` (zero above the diagonal)."""
    return np.tril(g) + np.tril(np.transpose(g), -1)


# ``scipy.stats.dirichlet`` accepts x with one component fewer than alpha and completes the last one as
# 1 - sum(x) (along x's first axis).  ``dirichlet_x`` is that completed x; it is affine in x, its
# tangent map is ``dirichlet_x_dot`` and the transpose of that map is ``dirichlet_x_bar``.


def dirichlet_x(x: Any, alpha: Any) -> Any:
    """``x`` with all ``len(alpha)`` components, the last one completed as SciPy does."""
    x = np.asarray(x)
    k = np.shape(alpha)[-1]
    if np.ndim(x) >= 1 and np.shape(x)[0] == k - 1:
        return np.concatenate([x, 1.0 - np.sum(x, axis=0, keepdims=True)], axis=0)
    if np.ndim(x) < 1 or np.shape(x)[0] != k:
        raise ValueError(f"tangent_lite differentiates scipy.stats.dirichlet with x holding {k} (or {k - 1}) "
                         f"components along its first axis, as SciPy reads it, got x of shape {np.shape(x)} "
                         f"for alpha of shape {np.shape(alpha)}")
    return x


def dirichlet_x_dot(x_dot: Any, k: int) -> Any:
    """The tangent of :func:`dirichlet_x` (``k``: the number of components of alpha)."""
    x_dot = np.asarray(x_dot)
    if np.shape(x_dot)[0] == k - 1:
        return np.concatenate([x_dot, -np.sum(x_dot, axis=0, keepdims=True)], axis=0)
    return x_dot


def dirichlet_x_bar(g: Any, given: int) -> Any:
    """The transpose of :func:`dirichlet_x_dot`: the cotangent of an x of ``given`` components."""
    g = np.asarray(g)
    if np.shape(g)[0] == given + 1:
        return g[:given] - g[given:]
    return g


def mvn_x(x: Any, cov: Any) -> Any:
    """The points ``scipy.stats.multivariate_normal`` reads from ``x``: for a (1, 1) covariance a 1-D
    ``x`` of shape (n,) is n one-dimensional points, (n, 1); otherwise ``x`` as given (the last axis the
    coordinates, any leading axes points)."""
    if np.shape(cov) == (1, 1) and np.ndim(x) == 1:
        return np.reshape(x, (-1, 1))
    return x
