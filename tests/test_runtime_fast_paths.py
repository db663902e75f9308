"""The NumPy fast paths of the runtime helpers the reverse sweep calls per step (issue 15, point 1:
NumPy's speed must not regress): ``unbroadcast`` of a real NumPy cotangent, ``zeros_like`` of a
float array, ``add_into`` of two NumPy arrays.  Each gives what the general path gives (same
values, dtype, shape, in place or not), and takes the short path (the general helpers it skips
are not called)."""

from __future__ import annotations

import numpy as np
import pytest

from tangent_lite.runtime import broadcast, indexing, values

SHAPES = [((3, 4), (3, 4)), ((3, 4), (4,)), ((3, 4), (1, 4)), ((3, 4), (3, 1)), ((2, 3, 4), (3, 4)),
          ((3, 4), ()), ((4,), (3, 4)), ((1, 64), (64,))]


@pytest.mark.parametrize("gshape, xshape", SHAPES)
@pytest.mark.parametrize("gdtype", [np.float64, np.float32])
@pytest.mark.parametrize("xkind", ["float", "int", "complex", "number"])
def test_unbroadcast_real_numpy_equals_general_path(gshape, xshape, gdtype, xkind):
    rng = np.random.default_rng(0)
    g = rng.normal(size=gshape).astype(gdtype)
    x = 1.5 if xkind == "number" else np.ones(xshape, dtype={"float": float, "int": int, "complex": complex}[xkind])
    if xkind == "number" and xshape != ():
        pytest.skip("a number has shape ()")
    got = broadcast.unbroadcast(g, x)
    want = broadcast.real_cotangent(broadcast._unbroadcast(g, x), x)  # the general path
    assert np.shape(got) == np.shape(want) == np.shape(x)
    assert np.asarray(got).dtype == np.asarray(want).dtype
    np.testing.assert_array_equal(got, want)


def test_unbroadcast_complex_cotangent_of_real_x_is_its_real_part():
    g = np.array([[1 + 2j, 3 - 1j]])
    np.testing.assert_array_equal(broadcast.unbroadcast(g, np.zeros(2)), [1.0, 3.0])
    np.testing.assert_array_equal(broadcast.unbroadcast(g, np.zeros(2, complex)), [1 + 2j, 3 - 1j])


def test_unbroadcast_real_numpy_skips_real_cotangent(monkeypatch):
    def fail(g, x):
        raise AssertionError("real_cotangent called for a real NumPy cotangent")
    monkeypatch.setattr(broadcast, "real_cotangent", fail)
    assert broadcast.unbroadcast(np.ones((2, 3)), np.zeros(3)).shape == (3,)
    assert broadcast.unbroadcast(np.ones((2, 3)), 0.5) == 6.0


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128, np.float16])
@pytest.mark.parametrize("shape", [(3,), (2, 3), (0, 4)])
def test_zeros_like_float_array(dtype, shape):
    z = values.zeros_like(np.ones(shape, dtype=dtype))
    assert type(z) is np.ndarray and z.shape == shape and z.dtype == dtype and not z.any()


@pytest.mark.parametrize("x", [np.ones(3, dtype=int), np.ones((), dtype=float), np.ones(2, dtype=bool), 2.0,
                               [1.0, 2.0]])
def test_zeros_like_other_values_unchanged(x):
    z = values.zeros_like(x)
    if isinstance(x, np.ndarray) and x.ndim:
        assert z.dtype == np.float64 and z.shape == x.shape
    elif isinstance(x, np.ndarray):
        assert isinstance(z, np.float64) and z == 0.0  # a 0-d array's zero is a number
    elif isinstance(x, list):
        assert z == [0.0, 0.0]
    else:
        assert z == 0.0


def test_zeros_like_float_array_skips_structure_checks(monkeypatch):
    def fail(x):
        raise AssertionError("the structure checks ran for a float array")
    monkeypatch.setattr(values, "_is_record", fail)
    monkeypatch.setattr(values, "is_foreign", fail)
    assert values.zeros_like(np.ones((2, 2))).shape == (2, 2)


@pytest.mark.parametrize("adtype, bdtype, in_place", [
    (np.float64, np.float64, True), (np.float32, np.float64, True), (np.float64, np.int64, True),
    (np.complex128, np.float64, True), (np.complex128, np.complex128, True), (np.float64, np.complex128, False)])
def test_add_into_numpy_arrays(adtype, bdtype, in_place):
    a = np.ones((2, 3), dtype=adtype)
    b = np.full((2, 3), 2, dtype=bdtype)
    out = values.add_into(a, b)
    assert (out is a) == in_place
    assert out.dtype == (adtype if in_place else np.result_type(adtype, bdtype))
    np.testing.assert_array_equal(out, np.full((2, 3), 3))


@pytest.mark.parametrize("into_dtype", [np.float64, np.float32, np.complex128, np.int64, bool])
@pytest.mark.parametrize("t", [2.5, np.array([1.0, 2.0]), np.array([1 + 1j, 2 - 1j]), np.float32(1.5), 1 + 2j])
def test_write_cast_numpy_into(into_dtype, t):
    into = np.zeros(2, dtype=into_dtype)
    got = indexing.write_cast(t, into)
    if np.dtype(into_dtype).kind not in "fc":
        want = np.zeros_like(t, dtype=float) if np.ndim(t) else 0.0  # truncated: no derivative
        np.testing.assert_array_equal(got, want)
        return
    want = np.real(t) if np.dtype(into_dtype).kind == "f" and np.iscomplexobj(t) else t
    np.testing.assert_array_equal(got, want)
    assert np.asarray(got).dtype == np.asarray(want).dtype
    if np.asarray(want).dtype == np.asarray(t).dtype:
        assert got is t


def test_write_cast_float_array_real_t_skips_general_checks(monkeypatch):
    def fail(*a):
        raise AssertionError("the general path ran for a float array and a real cotangent")
    monkeypatch.setattr(indexing, "real_cotangent", fail)
    monkeypatch.setattr(indexing, "_np_dtype", fail)
    g = np.ones(3)
    assert indexing.write_cast(g, np.zeros(3)) is g
    assert indexing.write_cast(2.0, np.zeros(3)) == 2.0


@pytest.mark.parametrize("gshape, xshape", [((1, 64), (64,)), ((1, 1, 3), (3,)), ((1, 2, 3), (2, 3)), ((4, 0), (0,)),
                                            ((2, 3), (3,)), ((1, 3), (1, 3)), ((3, 1), (1,)), ((1, 3), (1,)),
                                            ((1, 1), ()), ((1,), ())])
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64, bool])
def test_unbroadcast_length_one_leading_axes(gshape, xshape, dtype):
    """Summing leading axes of length 1 is a reshape: the same numbers, shape and dtype (NaN stays NaN; a -0.0
    stays -0.0 where NumPy's sum, which starts from +0.0, gave +0.0: equal as numbers)."""
    g = np.random.default_rng(1).normal(size=gshape).astype(dtype)
    if g.size and dtype is np.float64:
        g.flat[0] = -0.0
        g.flat[-1] = np.nan
    x = np.ones(xshape)
    got = broadcast.unbroadcast(g, x)
    want = broadcast._unbroadcast(g, x)  # the summing path
    assert type(got) is type(want) and got.shape == want.shape == xshape and got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)


def test_unbroadcast_batch_of_one_is_not_summed(monkeypatch):
    def fail(*a, **k):
        raise AssertionError("summed for a batch of one")
    monkeypatch.setattr(broadcast, "summed", fail)
    g = np.arange(4.0).reshape(1, 4)
    assert broadcast.unbroadcast(g, np.zeros(4)).shape == (4,)
