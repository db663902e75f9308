"""Rule cases (merged into ``rule_cases.CASES``) for the stand-ins of the helpers of array-API code
(tangent_lite/runtime/array_api_extra.py, rules in tangent_lite/rules/array_api_extra.py)."""

from __future__ import annotations

from typing import Any, Dict, List

import numpy as np
from rule_cases import Case, sample
from rule_cases_complex import csample

R = "tangent_lite.runtime.array_api_extra."


def _case(label: str, make: Any) -> Case:
    return Case(make, label)


class _Drawn:
    """An argument drawn for each case (other arguments are passed as they are)."""

    def __init__(self, draw: Any):
        self.draw = draw


def _args(*args: Any, **kwargs: Any) -> Any:
    return lambda rng: (tuple(a.draw(rng) if isinstance(a, _Drawn) else a for a in args), dict(kwargs))


def _s(shape: Any) -> _Drawn:
    return _Drawn(lambda rng: sample(rng, shape))


CASES: Dict[str, List[Case]] = {
    R + "atleast_nd": [
        _case("x (3,) to 3 axes", _args(_s((3,)), 3)),
        _case("x (2, 3) to 1 axis (itself)", _args(_s((2, 3)), 1)),
        _case("x float to 2 axes", _args(_s(()), 2)),
    ],
    R + "expand_dims": [
        _case("a (3,) axis 0", _args(_s((3,)), 0)),
        _case("a (2, 3) axes (0, -1)", _args(_s((2, 3)), (0, -1))),
    ],
    R + "reshaped_as": [
        _case("g (1, 6) as (2, 3)", _args(_s((1, 6)), _s((2, 3)))),
    ],
    R + "float_to_complex": [
        _case("arr (3,)", _args(_s((3,)))),
    ],
    R + "real_of": [
        _case("g complex (3,) of a real x", _args(_Drawn(lambda rng: csample(rng, (3,))), _s((3,)))),
    ],
    R + "promoted_among": [
        _case("x (3,) among (3,), (2, 1): broadcast", lambda rng: (
            (x := sample(rng, (3,)), (x, sample(rng, (2, 1)))), {"broadcast": True})),
        _case("x (2, 3) among (2, 3), None", lambda rng: (
            (x := sample(rng, (2, 3)), (x, None)), {"force_floating": True})),
        _case("x float among float, (4,): broadcast", lambda rng: (
            (x := sample(rng, ()), (x, sample(rng, (4,)))), {"broadcast": True})),
    ],
    R + "promotion_tangent": [
        _case("t (3,) like (2, 3)", _args(_s((3,)), _s((2, 3)))),
    ],
    R + "at_set": [
        _case("x (5,) at 2 = float", _args(_s((5,)), 2, _s(()))),
        _case("x (3, 4) at a mask = float", _args(_s((3, 4)), np.arange(12).reshape(3, 4) % 3 == 0, _s(()))),
        _case("x (3, 4) at [:, 1:3] = (3, 2)", _args(_s((3, 4)), (slice(None), slice(1, 3)), _s((3, 2)))),
    ],
    R + "astype": [
        _case("x (3,) as float64", _args(_s((3,)), np.float64)),
        _case("x float as float64", _args(_s(()), np.float64)),
    ],
    R + "asarray_copy": [
        _case("obj (3,)", _args(_s((3,)))),
        _case("obj (2, 2) as float64", _args(_s((2, 2)), np.float64)),
    ],
    R + "asarray_view": [
        _case("obj (3,)", _args(_s((3,)))),
    ],
    R + "std_standard": [
        _case("x (5,) correction 1", _args(_s((5,)), None, 1.0)),
        _case("x (3, 4) axis 0 correction 0.5 keepdims", _args(_s((3, 4)), 0, 0.5, True)),
    ],
    R + "var_standard": [
        _case("x (5,) correction 1", _args(_s((5,)), None, 1.0)),
        _case("x (3, 4) axis 1", _args(_s((3, 4)), 1)),
    ],
    R + "cast_like": [
        _case("t (3,) like (3,)", _args(_s((3,)), _s((3,)))),
    ],
}
