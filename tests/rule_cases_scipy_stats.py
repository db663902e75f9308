"""Rule cases for ``tangent_lite/rules/scipy_stats.py`` (merged into ``rule_cases_scipy.CASES`` when
SciPy is importable; empty otherwise, and the SciPy rules are then not registered).

Arguments are positional (the rule tests perturb positional arguments): ``(x, shapes..., loc,
scale)``, with ``x`` inside the support (above ``loc``; for beta, below ``loc + scale`` too)."""

from __future__ import annotations

from typing import Any, Dict, List

import numpy as np
from rule_cases import Case, F, sample


def _args(make: Any) -> Any:
    return lambda rng: (tuple(make(rng)), {})


def _located(shapes: List[tuple], x_range: tuple, loc_range: tuple = (-0.3, 0.3),
             scale_range: tuple = (0.8, 1.6)) -> List[Case]:
    """(x, *shapes, loc, scale): x (3, 4) with loc (4,) and scale a float, and all floats;
    ``x_range`` is that of the standardized z = (x - loc) / scale."""
    def full(rng: Any) -> tuple:
        loc = sample(rng, (4,), *loc_range)
        scale = sample(rng, F, *scale_range)
        x = loc + scale * sample(rng, (3, 4), *x_range)
        return (x, *[sample(rng, F, *s) for s in shapes], loc, scale)

    def floats(rng: Any) -> tuple:
        loc, scale = sample(rng, F, *loc_range), sample(rng, F, *scale_range)
        return (loc + scale * sample(rng, F, *x_range), *[sample(rng, F, *s) for s in shapes], loc, scale)

    return [Case(_args(full), "x (3, 4), loc (4,), scale float"), Case(_args(floats), "floats")]


def _shape_arrays(shapes: List[tuple], x_range: tuple) -> List[Case]:
    """x (5,) with array shape parameters (5,), loc and scale left to their defaults."""
    return [Case(_args(lambda rng: (sample(rng, (5,), *x_range), *[sample(rng, (5,), *s) for s in shapes])),
                 "x (5,), shapes (5,), default loc and scale")]


def _poisson(rng: Any) -> tuple:
    return np.array([0.0, 1.0, 2.0, 4.0, 7.0]), sample(rng, (5,), 0.5, 4.0)


def _dirichlet(points: Any) -> Any:
    def make(rng: Any) -> tuple:
        k = 3
        x = rng.uniform(0.1, 1.0, size=(k,) if points is None else (k, points))
        return x / np.sum(x, axis=0), sample(rng, (k,), 0.5, 3.0)
    return make


def _dirichlet_short(points: Any) -> Any:
    """x with K - 1 = 2 components (SciPy completes the last): any direction keeps it on the simplex."""
    def make(rng: Any) -> tuple:
        x, alpha = _dirichlet(points)(rng)
        return x[:-1], alpha
    return make


def _on_simplex(argnum: int, v: Any) -> Any:
    """Perturb x (argument 0) along the simplex only: SciPy refuses points off it."""
    return v - np.mean(v, axis=0) if argnum == 0 else v


def _spd(rng: Any, k: int) -> np.ndarray:
    a = rng.normal(size=(k, k))
    return a @ a.T + k * np.eye(k)


def _mvn(points: Any, symmetric: bool) -> Any:
    """(x, mean, cov): x (3,) or (points, 3); cov not symmetric: SciPy reads its lower triangle."""
    def make(rng: Any) -> tuple:
        cov = _spd(rng, 3)
        if not symmetric:
            cov = cov + np.triu(rng.normal(size=(3, 3)), 1)
        return sample(rng, (3,) if points is None else (points, 3)), sample(rng, (3,)), cov
    return make


CASES: Dict[str, List[Case]] = {}
try:
    import scipy.stats  # noqa: F401
except ImportError:  # pragma: no cover
    pass
else:
    NORM = _located([], (-2.0, 2.0)) + _shape_arrays([], (-2.0, 2.0))
    T = _located([(1.5, 6.0)], (-2.0, 2.0)) + _shape_arrays([(1.5, 6.0)], (-2.0, 2.0))
    CHI2 = _located([(1.5, 6.0)], (0.3, 4.0)) + _shape_arrays([(1.5, 6.0)], (0.3, 4.0))
    GAMMA = _located([(0.6, 4.0)], (0.3, 4.0)) + _shape_arrays([(0.6, 4.0)], (0.3, 4.0))
    BETA = _located([(0.6, 4.0), (0.6, 4.0)], (0.1, 0.9)) + _shape_arrays([(0.6, 4.0), (0.6, 4.0)], (0.1, 0.9))
    LOCATED = {"norm": NORM, "t": T, "chi2": CHI2, "gamma": GAMMA, "beta": BETA,
               "expon": _located([], (0.3, 4.0)) + _shape_arrays([], (0.3, 4.0)),
               "laplace": _located([], (0.2, 2.0)) + _located([], (-2.0, -0.2)) + _shape_arrays([], (0.2, 2.0)),
               "logistic": _located([], (-3.0, 3.0)) + _shape_arrays([], (-3.0, 3.0)),
               "cauchy": _located([], (-3.0, 3.0)) + _shape_arrays([], (-3.0, 3.0)),
               "lognorm": _located([(0.4, 1.5)], (0.3, 4.0)) + _shape_arrays([(0.4, 1.5)], (0.3, 4.0))}
    CASES = {
        **{f"scipy.stats.{d}.{m}": cases for d, cases in LOCATED.items()
           for m in ("pdf", "logpdf", "cdf", "logcdf", "sf", "logsf")},
        **{f"scipy.stats.poisson.{m}": [
            Case(_args(_poisson), "k (5,), mu (5,)"),
            Case(_args(lambda rng: (np.array([[1.0], [3.0]]), sample(rng, (4,), 0.5, 4.0), 1.0)),
                 "k (2, 1), mu (4,), loc 1"),
            Case(_args(lambda rng: (3.0, sample(rng, F, 0.5, 4.0))), "floats"),
        ] for m in ("pmf", "logpmf", "cdf")},
        **{f"scipy.stats.binom.{m}": [
            Case(_args(lambda rng: (np.array([0.0, 1.0, 3.0, 4.0, 5.0]), 5.0, sample(rng, (5,), 0.1, 0.9))),
                 "k (5,) from 0 to n, n 5, p (5,)"),
            Case(_args(lambda rng: (np.array([[1.0], [3.0]]), 6.0, sample(rng, (4,), 0.1, 0.9), 1.0)),
                 "k (2, 1), n 6, p (4,), loc 1"),
            Case(_args(lambda rng: (2.0, 4.0, sample(rng, F, 0.1, 0.9))), "floats"),
        ] for m in ("pmf", "logpmf", "cdf")},
        **{f"scipy.stats.bernoulli.{m}": [
            Case(_args(lambda rng: (np.array([0.0, 1.0, 1.0, 0.0]), sample(rng, (4,), 0.1, 0.9))), "k (4,), p (4,)"),
            Case(_args(lambda rng: (1.0, sample(rng, F, 0.1, 0.9))), "floats"),
        ] for m in ("pmf", "logpmf", "cdf")},
        **{f"scipy.stats.dirichlet.{m}": [Case(_args(_dirichlet(None)), "x (3,), alpha (3,)", _on_simplex),
                                          Case(_args(_dirichlet(4)), "x (3, 4): 4 points, alpha (3,)", _on_simplex),
                                          Case(_args(_dirichlet_short(None)), "x (2,) completed, alpha (3,)"),
                                          Case(_args(_dirichlet_short(4)), "x (2, 4) completed, alpha (3,)")]
           for m in ("pdf", "logpdf")},
        "tangent_lite.runtime.scipy_stats.dirichlet_x": [
            Case(_args(_dirichlet_short(4)), "x (2, 4), alpha (3,)"),
            Case(_args(_dirichlet(None)), "x (3,), alpha (3,): unchanged")],
        "tangent_lite.runtime.scipy_stats.dirichlet_x_dot": [
            Case(_args(lambda rng: (sample(rng, (2, 4)), 3)), "(2, 4), k 3"),
            Case(_args(lambda rng: (sample(rng, (3,)), 3)), "(3,), k 3: unchanged")],
        "tangent_lite.runtime.scipy_stats.dirichlet_x_bar": [
            Case(_args(lambda rng: (sample(rng, (3, 4)), 2)), "(3, 4), 2 given"),
            Case(_args(lambda rng: (sample(rng, (3,)), 3)), "(3,), 3 given: unchanged")],
        **{f"scipy.stats.multivariate_normal.{m}": [
            Case(_args(_mvn(None, True)), "x (3,), mean (3,), cov (3, 3)"),
            Case(_args(_mvn(4, False)), "x (4, 3): 4 points, mean (3,), cov (3, 3) not symmetric"),
            Case(_args(lambda rng: (sample(rng, (2, 4, 3)), sample(rng, (3,)), _spd(rng, 3))),
                 "x (2, 4, 3): 8 points, mean (3,), cov (3, 3)"),
            Case(_args(lambda rng: (sample(rng, (4,)), sample(rng, (1,)), _spd(rng, 1))),
                 "x (4,): 4 one-dimensional points, mean (1,), cov (1, 1)"),
            Case(_args(lambda rng: (sample(rng, (1,)), sample(rng, (1,)), _spd(rng, 1))),
                 "x (1,): one one-dimensional point, mean (1,), cov (1, 1)")]
           for m in ("pdf", "logpdf")},
        "tangent_lite.runtime.scipy_stats.mvn_x": [
            Case(_args(lambda rng: (sample(rng, (4,)), np.eye(1))), "x (4,), cov (1, 1): 4 points"),
            Case(_args(lambda rng: (sample(rng, (2, 3)), np.eye(3))), "x (2, 3), cov (3, 3): unchanged")],
        "tangent_lite.runtime.scipy_stats.mvn_cov": [Case(_args(lambda rng: (sample(rng, (3, 3)),)), "(3, 3)")],
        "tangent_lite.runtime.scipy_stats.mvn_cov_bar": [Case(_args(lambda rng: (sample(rng, (3, 3)),)), "(3, 3)")],
    }
