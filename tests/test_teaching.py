"""The worked examples of AD courses (shared/TEACHING_EXAMPLES.md), with their published values."""

import math

import numpy as np
import pytest

import tangent_lite as tl


def classic(x1, x2):
    return math.log(x1) + x1 * x2 - math.sin(x2)


def lecture(w1, w2):
    v1 = np.log(w1)
    v2 = w2 * v1
    v3 = np.sqrt(v2)
    return v2 + v3


def test_classic_forward_and_reverse_values():
    value, (g1, g2) = tl.value_and_grad(classic, wrt=(0, 1))(2.0, 5.0)
    assert value == pytest.approx(11.652, abs=5e-4)
    assert g1 == pytest.approx(5.5, abs=1e-12)
    assert g2 == pytest.approx(2 - 0.284, abs=5e-4)  # 1.716
    out, dot = tl.jvp(classic, (2.0, 5.0), (1.0, 0.0))
    assert out == pytest.approx(11.652, abs=5e-4)
    assert dot == pytest.approx(5.5, abs=1e-12)


def test_classic_wengert_has_one_primitive_per_line():
    text = tl.wengert(classic)
    body = [line.strip() for line in text.splitlines()[1:]]
    assert body == [
        "_t0 = math.log(x1)",
        "_t1 = x1 * x2",
        "_t2 = _t0 + _t1",
        "_t3 = math.sin(x2)",
        "_t4 = _t2 - _t3",
        "return _t4",
    ]


@pytest.mark.parametrize("w1,w2", [(2.0, 3.0), (5.0, 0.5), (1.5, 7.0)])
def test_lecture_example_matches_hand_derived_formula(w1, w2):
    v1 = math.log(w1)
    v2 = w2 * v1
    factor = 1 + 1 / (2 * math.sqrt(v2))
    g1, g2 = tl.grad(lecture, wrt=("w1", "w2"))(w1, w2)
    assert g1 == pytest.approx(factor * w2 / w1, rel=1e-12)
    assert g2 == pytest.approx(factor * v1, rel=1e-12)
    # forward mode needs one sweep per input
    _, d1 = tl.jvp(lecture, (w1, w2), (1.0, 0.0))
    _, d2 = tl.jvp(lecture, (w1, w2), (0.0, 1.0))
    assert (d1, d2) == pytest.approx((g1, g2), rel=1e-12)
