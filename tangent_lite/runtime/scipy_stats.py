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
