"""Rule cases for ``tangent_lite/rules/scipy_special.py`` (merged into ``rule_cases.CASES`` when
SciPy is importable; empty otherwise, and the SciPy rules are then not registered)."""

from __future__ import annotations

from typing import Any, Dict, List

import numpy as np
from rule_cases import Case, F, sample


def _case(label: str, make: Any, **kwargs: Any) -> Case:
    return Case(lambda rng: (tuple(make(rng)), dict(kwargs)), label + (f" {kwargs}" if kwargs else ""))


def _unary(lo: float, hi: float) -> List[Case]:
    return [_case("(3, 4)", lambda rng: (sample(rng, (3, 4), lo, hi),)),
            _case("float", lambda rng: (sample(rng, F, lo, hi),))]


def _binary(xdom: tuple, ydom: tuple) -> List[Case]:
    return [_case("(3, 4) with (4,)", lambda rng: (sample(rng, (3, 4), *xdom), sample(rng, (4,), *ydom))),
            _case("floats", lambda rng: (sample(rng, F, *xdom), sample(rng, F, *ydom)))]


def _order(v: Any, lo: float, hi: float) -> List[Case]:
    return [_case(f"order {v}, (5,)", lambda rng: (v, sample(rng, (5,), lo, hi)))]


CASES: Dict[str, List[Case]] = {}
try:
    import scipy.special  # noqa: F401
except ImportError:  # pragma: no cover
    pass
else:
    CASES = {
        "scipy.special.expit": _unary(-3.0, 3.0),
        "scipy.special.logit": _unary(0.1, 0.9),
        "scipy.special.erf": _unary(-2.0, 2.0),
        "scipy.special.erfc": _unary(-2.0, 2.0),
        "scipy.special.erfinv": _unary(-0.9, 0.9),
        "scipy.special.erfcinv": _unary(0.1, 1.9),
        "scipy.special.gammaln": _unary(0.3, 4.0),
        "scipy.special.digamma": _unary(0.3, 4.0),
        "scipy.special.gamma": _unary(0.3, 3.0),
        "scipy.special.ndtr": _unary(-2.0, 2.0),
        "scipy.special.log_ndtr": _unary(-3.0, 2.0),
        "scipy.special.ndtri": _unary(0.1, 0.9),
        "scipy.special.i0": _unary(-2.0, 2.0),
        "scipy.special.i1": _unary(-2.0, 2.0),
        "scipy.special.i0e": _unary(0.2, 2.0) + [_case("negative", lambda rng: (sample(rng, (4,), -2.0, -0.2),))],
        "scipy.special.i1e": _unary(0.2, 2.0) + [_case("negative", lambda rng: (sample(rng, (4,), -2.0, -0.2),))],
        "scipy.special.entr": _unary(0.1, 2.0),
        "scipy.special.polygamma": _order(1, 0.5, 3.0) + _order(2, 0.5, 3.0),
        "scipy.special.iv": _order(1.5, 0.2, 2.0) + _order(2, -2.0, 2.0),
        "scipy.special.ive": _order(1.5, 0.2, 2.0) + _order(2, -2.0, -0.2),
        "scipy.special.xlogy": _binary((-2.0, 2.0), (0.2, 3.0)),
        "scipy.special.xlog1py": _binary((-2.0, 2.0), (-0.8, 2.0)),
        "scipy.special.betaln": _binary((0.3, 3.0), (0.3, 3.0)),
        "scipy.special.beta": _binary((0.3, 3.0), (0.3, 3.0)),
        "scipy.special.rel_entr": _binary((0.2, 2.0), (0.2, 2.0)),
        "scipy.special.kl_div": _binary((0.2, 2.0), (0.2, 2.0)),
        "scipy.special.softmax": [_case("(3, 4) axis 1", lambda rng: (sample(rng, (3, 4)),), axis=1),
                                  _case("(5,)", lambda rng: (sample(rng, (5,)),))],
        "scipy.special.log_softmax": [_case("(3, 4) axis 0", lambda rng: (sample(rng, (3, 4)),), axis=0),
                                      _case("(5,)", lambda rng: (sample(rng, (5,)),))],
        "scipy.special.logsumexp": [_case("(3, 4) axis 1", lambda rng: (sample(rng, (3, 4)), 1)),
                                    _case("(5,)", lambda rng: (sample(rng, (5,)),)),
                                    _case("(2, 3) keepdims", lambda rng: (sample(rng, (2, 3)), 0), keepdims=True)],
        "tangent_lite.runtime.scipy_funcs.logsumexp_weights": [
            _case("(3, 4) axis 1", lambda rng: _lse(rng, (3, 4), 1, False)),
            _case("(5,)", lambda rng: _lse(rng, (5,), None, False)),
            _case("(2, 3) axis 0 keepdims", lambda rng: _lse(rng, (2, 3), 0, True)),
        ],
    }


def _lse(rng: Any, shape: tuple, axis: Any, keepdims: bool) -> tuple:
    a = sample(rng, shape)
    ans = np.log(np.sum(np.exp(a), axis=axis, keepdims=keepdims)) + sample(rng, F, -0.1, 0.1)
    return ans, a, axis, None, keepdims


from rule_cases_scipy_linalg import CASES as _LINALG_CASES  # noqa: E402  (scipy.linalg's table)

CASES.update(_LINALG_CASES)
