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


def _complex_unary() -> List[Case]:
    """Complex input to a holomorphic function (docs/complex-numbers.md)."""
    return [_case("complex (3, 2)",
                  lambda rng: (sample(rng, (3, 2), -1.5, 1.5) + 1j * sample(rng, (3, 2), -1.5, 1.5),)),
            _case("complex", lambda rng: (complex(sample(rng, F, -1.5, 1.5), sample(rng, F, -1.5, 1.5)),))]


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
        "scipy.special.erf": _unary(-2.0, 2.0) + _complex_unary(),
        "scipy.special.erfc": _unary(-2.0, 2.0) + _complex_unary(),
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
        "scipy.special.rgamma": _unary(0.3, 3.0) + [_case("negative, between poles",
                                                          lambda rng: (sample(rng, (4,), -0.9, -0.1),))],
        "scipy.special.j0": _unary(-4.0, 4.0),
        "scipy.special.j1": _unary(-4.0, 4.0),
        "scipy.special.y0": _unary(0.3, 4.0),
        "scipy.special.y1": _unary(0.3, 4.0),
        "scipy.special.jv": _order(0, -3.0, 3.0) + _order(3, -3.0, 3.0) + _order(1.5, 0.2, 3.0),
        "scipy.special.yn": _order(0, 0.3, 3.0) + _order(2, 0.5, 3.0),
        "scipy.special.gammainc": [_case("(3, 4) with (4,)", lambda rng: (sample(rng, (4,), 0.5, 3.0),
                                                                          sample(rng, (3, 4), 0.2, 4.0))),
                                   _case("floats", lambda rng: (sample(rng, F, 0.5, 3.0), sample(rng, F, 0.2, 4.0)))],
        "scipy.special.gammaincc": [_case("(3, 4) with (4,)", lambda rng: (sample(rng, (4,), 0.5, 3.0),
                                                                           sample(rng, (3, 4), 0.2, 4.0)))],
        "scipy.special.betainc": [_case("(3, 4) with (4,)", lambda rng: (
            sample(rng, (4,), 0.5, 3.0), sample(rng, (4,), 0.5, 3.0), sample(rng, (3, 4), 0.05, 0.95))),
            _case("floats", lambda rng: (sample(rng, F, 0.5, 3.0), 2.0, sample(rng, F, 0.05, 0.95)))],
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
        "tangent_lite.runtime.scipy_funcs.logsumexp_weights": [
            _case("(3, 4) axis 1", lambda rng: _lse(rng, (3, 4), 1, False)),
            _case("(5,)", lambda rng: _lse(rng, (5,), None, False)),
            _case("(2, 3) axis 0 keepdims", lambda rng: _lse(rng, (2, 3), 0, True)),
            _case("(3, 4) b (4,) axis 0", lambda rng: _lse(rng, (3, 4), 0, False, (4,))),
        ],
        "tangent_lite.runtime.scipy_funcs.logsumexp_scale": [
            _case("(3, 4) axis 1", lambda rng: _lse(rng, (3, 4), 1, False)),
            _case("(4,) b (3, 4) axis 1 keepdims", lambda rng: _lse(rng, (4,), 1, True, (3, 4))),
        ],
        "tangent_lite.runtime.scipy_funcs.logsumexp_tangent": [
            _case("(3, 4) axis 1", lambda rng: _lse_linear(rng, (3, 4), 1, False, None, False, "t")),
            _case("(4,) b (3, 4) axis 0 keepdims, sign",
                  lambda rng: _lse_linear(rng, (4,), 0, True, (3, 4), True, "t")),
        ],
        "tangent_lite.runtime.scipy_funcs.logsumexp_spread": [
            _case("(3, 4) axis 1", lambda rng: _lse_linear(rng, (3, 4), 1, False, None, False, "g")),
            _case("(5,)", lambda rng: _lse_linear(rng, (5,), None, False, None, False, "g")),
            _case("(4,) b (3, 4) axis 1, sign", lambda rng: _lse_linear(rng, (4,), 1, False, (3, 4), True, "g")),
        ],
        "scipy.special.logsumexp": [_case("(3, 4) axis 1", lambda rng: (sample(rng, (3, 4)), 1)),
                                    _case("(5,)", lambda rng: (sample(rng, (5,)),)),
                                    _case("(2, 3) keepdims", lambda rng: (sample(rng, (2, 3)), 0), keepdims=True),
                                    _case("(3, 4) b (4,) axis 0", lambda rng: (sample(rng, (3, 4)), 0,
                                                                               sample(rng, (4,), 0.5, 2.0))),
                                    _case("(4,) b (3, 4) axis 1, sign", lambda rng: (
                                        sample(rng, (4,)), 1, _signed_weights(rng, (3, 4)), False, True)),
                                    _case("(2, 3) b (2, 3) keepdims, sign", lambda rng: (
                                        sample(rng, (2, 3)), None, _signed_weights(rng, (2, 3)), True, True))],
    }


def _signed_weights(rng: Any, shape: tuple) -> Any:
    """Weights of both signs, the first of each row dominating (sums of b exp(a) stay away from 0)."""
    b = sample(rng, shape, 0.05, 0.3, signed=True)
    b[..., 0] = 20.0
    return b


def _lse(rng: Any, shape: tuple, axis: Any, keepdims: bool, b_shape: Any = None) -> tuple:
    """(out, a, axis, b, keepdims): out near logsumexp's result, as the helpers of its rule take it."""
    a = sample(rng, shape)
    b = None if b_shape is None else sample(rng, b_shape, 0.5, 2.0)
    exact = np.log(np.sum(np.exp(a) * (1.0 if b is None else b), axis=axis, keepdims=keepdims))
    return exact + sample(rng, np.shape(exact) or F, -0.1, 0.1), a, axis, b, keepdims


def _lse_linear(rng: Any, shape: tuple, axis: Any, keepdims: bool, b_shape: Any, sign: bool, seed: str) -> tuple:
    """(seed, out, a, axis, b, keepdims, return_sign) for logsumexp_tangent (seed: the full shape) and
    logsumexp_spread (seed: the value's shape, or a (value, sign) pair)."""
    out, a, axis, b, keepdims = _lse(rng, shape, axis, keepdims, b_shape)
    if sign:
        out = (out, np.sign(out))
    full = sample(rng, np.broadcast_shapes(np.shape(a), np.shape(b)))
    value = sample(rng, np.shape(out[0] if sign else out) or F)
    first = full if seed == "t" else ((value, sample(rng, np.shape(value) or F)) if sign else value)
    return first, out, a, axis, b, keepdims, sign


from rule_cases_scipy_linalg import CASES as _LINALG_CASES  # noqa: E402  (scipy.linalg's table)

CASES.update(_LINALG_CASES)

from rule_cases_scipy_stats import CASES as _STATS_CASES  # noqa: E402  (scipy.stats's table)

CASES.update(_STATS_CASES)
