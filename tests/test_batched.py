"""Batched forward mode: k tangent directions in one generated pass (tl.jvp(..., batched=True))."""

import batched_fixtures as bf
import corpus_control as cc
import numpy as np
import pytest

import tangent_lite as tl
from tangent_lite.errors import NoRuleError

RNG = np.random.default_rng(7)


CASES = [
    (bf.mat_vec, (RNG.normal(size=(3, 4)), RNG.normal(size=4))),
    (bf.vec_mat, (RNG.normal(size=4), RNG.normal(size=(4, 3)))),
    (bf.vec_vec, (RNG.normal(size=4), RNG.normal(size=4))),
    (bf.mat_mat, (RNG.normal(size=(2, 3)), RNG.normal(size=(3, 4)))),
    (bf.dots, (RNG.normal(size=(4, 4)), RNG.normal(size=4))),
    (bf.reductions, (RNG.normal(size=(3, 4)),)),
    (bf.shapes, (RNG.normal(size=6),)),
    (bf.mixed_ranks, (RNG.normal(size=5), 0.7)),
]


@pytest.mark.parametrize("fn,args", CASES, ids=[f.__name__ for f, _ in CASES])
@pytest.mark.parametrize("which", [0, 1])
def test_batched_equals_one_direction_at_a_time(fn, args, which):
    if which >= len(args):
        pytest.skip("one argument")
    x = args[which]
    tangents = RNG.normal(size=(5,) + np.shape(x))
    params = fn.__code__.co_varnames[: fn.__code__.co_argcount]
    out, batch = tl.jvp(fn, args, (tangents,), wrt=(params[which],), batched=True)
    np.testing.assert_allclose(out, fn(*args))
    ref = np.array([tl.jvp(fn, args, (t,), wrt=(params[which],))[1] for t in tangents])
    np.testing.assert_allclose(np.asarray(batch), ref, rtol=1e-12, atol=1e-12)


def test_forward_jacobian_is_one_pass_and_matches_reverse():
    A = RNG.normal(size=(7, 3))
    x = RNG.normal(size=3)
    jf = tl.jacobian(bf.mat_vec, wrt=1, mode="forward")(A, x)
    jr = tl.jacobian(bf.mat_vec, wrt=1, mode="reverse")(A, x)
    np.testing.assert_allclose(jf, A)
    np.testing.assert_allclose(jr, A)


def test_batched_tangent_shape_is_checked():
    with pytest.raises(tl.ArgumentError):
        tl.jvp(bf.vec_vec, (np.ones(3), np.ones(3)), (np.ones(3),), batched=True)


def test_operation_without_batched_rule_falls_back_to_one_direction_at_a_time():
    """docs/forward-vs-reverse.md: 'falls back to one direction at a time' (breaker 27, F4)."""
    def uses_cumsum(x):
        return np.cumsum(x) ** 2

    # defined in this test file: tangent_lite reads its source from here
    x, V = np.array([0.5, -1.0, 2.0]), np.array([[1.0, 0.0, 2.0], [0.0, 3.0, -1.0]])
    out, T = tl.jvp(uses_cumsum, (x,), (V,), batched=True)
    np.testing.assert_allclose(out, np.cumsum(x) ** 2)
    assert T.shape == (2, 3)
    for v, t in zip(V, T):  # each direction: the one-direction JVP and the hand formula 2 c * cumsum(v)
        np.testing.assert_allclose(t, tl.jvp(uses_cumsum, (x,), (v,))[1])
        np.testing.assert_allclose(t, 2.0 * np.cumsum(x) * np.cumsum(v))


def _float_array_args(args):
    return [i for i, a in enumerate(args) if isinstance(a, np.ndarray) and a.dtype.kind == "f"]


def test_control_flow_corpus_batched():
    """Every corpus function whose operations have batched rules agrees with one-by-one JVPs."""
    checked = refused = 0
    for fn, points, _wrt in cc.CORPUS:
        args = points[0]
        idx = _float_array_args(args)
        if not idx:
            continue
        i = idx[0]
        name = fn.__code__.co_varnames[i]
        tangents = RNG.normal(size=(3,) + args[i].shape)
        try:
            _, batch = tl.jvp(fn, args, (tangents,), wrt=(name,), batched=True)
        except NoRuleError:
            refused += 1
            continue
        ref = [tl.jvp(fn, args, (t,), wrt=(name,))[1] for t in tangents]
        for b, r in zip(batch if not isinstance(batch, tuple) else zip(*batch), ref):
            np.testing.assert_allclose(np.asarray(b, dtype=float), np.asarray(r, dtype=float), rtol=1e-10,
                                       atol=1e-12, err_msg=fn.__name__)
        checked += 1
    print(f"\n[batched forward mode] corpus functions checked: {checked}, refused (no batched rule): {refused}")
    assert checked >= 40
