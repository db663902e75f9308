"""Rule cases for ``tangent_lite/rules/scipy_linalg.py`` (merged into ``rule_cases_scipy.CASES``
when SciPy is importable; empty otherwise, and the SciPy rules are then not registered).

Factor objects are built by the case (``cho_factor(a)``, ``lu_factor(a)``) and passed to the
solves as the tuples SciPy returns: the rule tests perturb the factor matrix inside the tuple."""

from __future__ import annotations

import inspect
from typing import Any, Dict, List

import numpy as np
from rule_cases import Case
from rule_cases_more import case, separated_sv, spd, sym, u, well


def _tri(rng: Any, n: int, lower: bool) -> np.ndarray:
    """A full matrix whose ``lower`` (upper) triangle is well conditioned; the rest is noise that
    solve_triangular must not read."""
    return rng.normal(size=(n, n)) + 3.0 * np.eye(n) * np.sign(rng.uniform(-1, 1, size=n) + 0.01 * n)


def _cho(rng: Any, n: int, lower: bool, b_shape: tuple) -> tuple:
    from scipy.linalg import cho_factor
    return cho_factor(spd(rng, n, n), lower=lower), u(rng, b_shape)


def _lu(rng: Any, n: int, b_shape: tuple) -> tuple:
    from scipy.linalg import lu_factor
    a = rng.normal(size=(n, n))
    a[0, 0] = 0.1  # the first pivot is a row swap
    return lu_factor(a + 2.0 * np.eye(n)), u(rng, b_shape)


def _knows(assume_a: str) -> bool:
    """Does this SciPy's solve take ``assume_a`` (its 'lower triangular' and 'diagonal': SciPy 1.15)?"""
    from scipy.linalg import solve
    try:
        solve(np.eye(2), np.ones(2), assume_a=assume_a)
    except ValueError:
        return False
    return True


def _real_sqrtm() -> bool:
    """Does this SciPy's sqrtm return a real result for a real matrix with complex eigenvalues
    (older SciPy returns a complex array, whose derivative is refused)?"""
    from scipy.linalg import sqrtm
    return not np.iscomplexobj(sqrtm(np.array([[2.0, 1.0], [-0.5, 1.5]])))


def _near_identity(rng: Any, n: int) -> np.ndarray:
    """A matrix with eigenvalues off the negative real axis (real logm and sqrtm)."""
    return spd(rng, n, n) / n + 0.3 * rng.normal(size=(n, n))


def _stacks_factor() -> bool:
    from scipy.linalg import cho_factor, lu_factor
    try:
        cho_factor(np.stack([np.eye(2)] * 2))
        lu_factor(np.stack([np.eye(2)] * 2))
    except ValueError:
        return False
    return True


def _lu_matrix(rng: Any, n: int) -> np.ndarray:
    a = rng.normal(size=(n, n)) + 2.0 * np.eye(n)
    a[0, 0] = 0.1  # the first pivot is a row swap
    return a


def _cho_stack(rng: Any) -> tuple:
    from scipy.linalg import cho_factor
    return cho_factor(spd(rng, 2, 3, 3)), u(rng, (2, 3, 2))


def _lu_stack(rng: Any) -> tuple:
    from scipy.linalg import lu_factor
    return lu_factor(np.stack([_lu_matrix(rng, 3), well(rng, 3, 3)])), u(rng, (2, 3, 1))


CASES: Dict[str, List[Case]] = {}
try:
    import scipy.linalg  # noqa: F401
except ImportError:  # pragma: no cover
    pass
else:
    CASES = {
        "scipy.linalg.solve_triangular": [
            case("(3, 3) upper, (3,)", lambda rng: (_tri(rng, 3, False), u(rng, (3,)))),
            case("(4, 4) lower, (4, 2)", lambda rng: (_tri(rng, 4, True), u(rng, (4, 2))), lower=True),
            case("(3, 3) lower trans=1, (3,)", lambda rng: (_tri(rng, 3, True), u(rng, (3,)), 1), lower=True),
            case("(3, 3) upper trans='T' unit, (3, 2)",
                 lambda rng: (_tri(rng, 3, False), u(rng, (3, 2)), "T"), unit_diagonal=True),
            case("(3, 3) lower unit, (3,)", lambda rng: (_tri(rng, 3, True), u(rng, (3,))), lower=True,
                 unit_diagonal=True),
        ],
        "scipy.linalg.solve": [
            case("(3, 3) (3,)", lambda rng: (well(rng, 3, 3), u(rng, (3,)))),
            case("(3, 3) (3, 2) transposed", lambda rng: (well(rng, 3, 3), u(rng, (3, 2))), transposed=True),
            case("(3, 3) (3,) pos", lambda rng: (spd(rng, 3, 3) + np.triu(u(rng, (3, 3)), 1), u(rng, (3,))),
                 assume_a="pos"),
            case("(3, 3) (3, 2) sym lower", lambda rng: (well(rng, 3, 3), u(rng, (3, 2))), assume_a="sym",
                 lower=True),
        ] + ([
            case("(3, 3) (3,) lower triangular",
                 lambda rng: (well(rng, 3, 3), u(rng, (3,))), assume_a="lower triangular"),
            case("(3, 3) (3,) diagonal", lambda rng: (well(rng, 3, 3), u(rng, (3,))), assume_a="diagonal"),
        ] if _knows("diagonal") else []),
        "scipy.linalg.inv": [
            case("(3, 3)", lambda rng: (well(rng, 3, 3),)),
        ],
        "scipy.linalg.det": [
            case("(3, 3)", lambda rng: (well(rng, 3, 3),)),
            case("(3, 3) rank 2", lambda rng: (u(rng, (3, 2)) @ u(rng, (2, 3)),)),
        ],
        "scipy.linalg.norm": [
            case("(5,)", lambda rng: (u(rng, (5,)),)),
            case("(5,) ord 1", lambda rng: (u(rng, (5,), 0.2, 2.0), 1)),
            case("(3, 4) fro", lambda rng: (u(rng, (3, 4)), "fro")),
            case("(4, 3) ord 2", lambda rng: (separated_sv(rng, 4, 3), 2)),
            case("(3, 4) axis 1 keepdims", lambda rng: (u(rng, (3, 4)), None, 1, True)),
        ],
        "scipy.linalg.cholesky": [
            case("(3, 3) upper", lambda rng: (spd(rng, 3, 3),)),
            case("(4, 4) lower", lambda rng: (spd(rng, 4, 4),), lower=True),
        ],
        "scipy.linalg.eigh": [
            # driver 'evd': the default ('evr') may flip an eigenvector's sign between x + eps v and
            # x - eps v, which differences of a function that is not sign-invariant cannot follow
            case("(3, 3) driver evd", lambda rng: (sym(rng, 3, 3),), driver="evd"),
            case("(4, 4) upper", lambda rng: (sym(rng, 4, 4),), lower=False),
            case("(3, 3) eigenvalues only", lambda rng: (sym(rng, 3, 3),), eigvals_only=True),
        ],
        "scipy.linalg.cho_factor": [
            case("(3, 3) upper", lambda rng: (spd(rng, 3, 3),)),
            case("(4, 4) lower", lambda rng: (spd(rng, 4, 4), True)),
        ],
        "scipy.linalg.cho_solve": [
            case("(3, 3) upper, (3,)", lambda rng: _cho(rng, 3, False, (3,))),
            case("(4, 4) lower, (4, 2)", lambda rng: _cho(rng, 4, True, (4, 2))),
        ],
        "scipy.linalg.lu_factor": [
            case("(3, 3)", lambda rng: (well(rng, 3, 3),)),
            case("(4, 4) pivoting", lambda rng: (_lu_matrix(rng, 4),)),
        ],
        "scipy.linalg.lu_solve": [
            case("(3, 3) (3,)", lambda rng: _lu(rng, 3, (3,))),
            case("(4, 4) (4, 2) trans=1", lambda rng: _lu(rng, 4, (4, 2)) + (1,)),
        ],
        "scipy.linalg.expm": [
            case("(3, 3)", lambda rng: (0.5 * rng.normal(size=(3, 3)),)),
            case("(1, 1)", lambda rng: (rng.normal(size=(1, 1)),)),
        ],
        "scipy.linalg.logm": [
            case("(3, 3)", lambda rng: (_near_identity(rng, 3),)),
        ],
        "scipy.linalg.sqrtm": ([
            case("(3, 3)", lambda rng: (_near_identity(rng, 3),)),
        ] if _real_sqrtm() else []) + [
            case("(4, 4) spd", lambda rng: (spd(rng, 4, 4),)),
        ],
        "scipy.linalg.solve_sylvester": [
            case("(3, 3) (2, 2) (3, 2)", lambda rng: (well(rng, 3, 3), well(rng, 2, 2), u(rng, (3, 2)))),
        ],
    }
    if "assume_a" in inspect.signature(scipy.linalg.inv).parameters:  # (SciPy 1.17 and later)
        CASES["scipy.linalg.inv"] += [
            case("(3, 3) pos", lambda rng: (spd(rng, 3, 3) + np.tril(u(rng, (3, 3)), -1),), assume_a="pos"),
            case("(3, 3) sym lower", lambda rng: (well(rng, 3, 3),), assume_a="sym", lower=True),
            case("(3, 3) upper triangular", lambda rng: (well(rng, 3, 3),), assume_a="upper triangular"),
            # off-diagonal entries too: SciPy 1.17 and 1.18 copy them into the result
            case("(3, 3) diagonal", lambda rng: (well(rng, 3, 3),), assume_a="diagonal"),
            case("(2, 3, 3) diagonal", lambda rng: (np.stack([well(rng, 3, 3), well(rng, 3, 3)]),),
                 assume_a="diagonal"),
        ]
    if _stacks_factor():  # SciPy 1.15 and later factor stacks of matrices
        CASES["scipy.linalg.cho_solve"].append(case("(2, 3, 3) upper, (2, 3, 2)", lambda rng: _cho_stack(rng)))
        CASES["scipy.linalg.lu_solve"].append(case("(2, 3, 3) (2, 3, 1)", lambda rng: _lu_stack(rng)))
        CASES["scipy.linalg.lu_factor"].append(
            case("(2, 3, 3)", lambda rng: (np.stack([_lu_matrix(rng, 3), well(rng, 3, 3)]),)))
