"""The out-of-core demonstration (benchmarks/out_of_core.py) at a small size, on a small Dask cluster.

Least squares and logistic regression, written with plain ``np.*``, over data generated lazily by
``dask.array.random`` in chunks: full-batch gradient descent with ``tl.value_and_grad`` and one
``dask.compute(v, g)`` per step gives the same iterates as NumPy's in-memory run on the same data
(computed into NumPy arrays) and as the hand-written gradients; the value and gradient are Dask
arrays, and building them computes nothing (the graph is returned, the cluster runs it).
The cluster is the demo's ``LocalCluster`` in this process (``processes=False``, 2 workers,
1 thread each), a few MB of data in 8 chunks.
"""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

import tangent_lite as tl

dask = pytest.importorskip("dask")
da = pytest.importorskip("dask.array")
pytest.importorskip("distributed")

BENCH = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks")
sys.path.insert(0, BENCH)
try:
    import out_of_core as demo
finally:
    sys.path.remove(BENCH)

ROWS, FEATURES, CHUNK_ROWS, STEPS = 4000, 20, 500, 3


@pytest.fixture(scope="module")
def client():
    cluster, client = demo.start_cluster(2, memory_limit=0, processes=False)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


def _no_compute(dsk, keys, **kwargs):
    raise AssertionError("a Dask graph was computed while the value and gradient were built")


@pytest.mark.parametrize("name", sorted(demo.MODELS))
def test_gradient_descent_on_dask_equals_numpy_in_memory(client, name):
    model, by_hand, lr, target = demo.MODELS[name]
    data = demo.make_data(ROWS, seed=3, features=FEATURES, chunk_rows=CHUNK_ROWS)
    X, y = data["X"], data[target]
    assert X.numblocks == (ROWS // CHUNK_ROWS, 1)
    X_np, y_np = dask.compute(X, y, scheduler="sync")
    w0 = np.linspace(-0.5, 0.5, FEATURES)

    with dask.config.set(scheduler=_no_compute):
        v, g = tl.value_and_grad(model)(w0, X, y)
    assert isinstance(v, da.Array) and v.shape == ()
    assert isinstance(g, da.Array) and g.shape == (FEATURES,)

    on_dask = demo.gradient_descent(model, w0, X, y, STEPS, lr)
    in_memory = demo.gradient_descent(model, w0, X_np, y_np, STEPS, lr)
    hand = demo.gradient_descent(model, w0, X_np, y_np, STEPS, lr, value_and_grad=by_hand)
    assert on_dask["kinds"] == [("dask", "dask")] * STEPS
    assert in_memory["kinds"] == [("numpy", "numpy")] * STEPS
    for a, b, c in zip(on_dask["iterates"], in_memory["iterates"], hand["iterates"]):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(b, c, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(on_dask["values"], hand["values"], rtol=1e-12)
    assert on_dask["values"][-1] < on_dask["values"][0]          # the steps descend
    assert not np.allclose(on_dask["iterates"][-1], w0)


def test_the_demo_at_a_small_size(client, tmp_path):
    row = demo.run_size(client, 0.004, steps=2, numpy_baseline=True, seed=0, chunk_rows=1000)
    assert row["chunks"] == 5 and row["rows"] == demo.rows_for(0.004)
    for name in demo.MODELS:
        result = row["models"][name]
        assert result["lazy"] and result["returned"] == ["dask/dask"]
        assert len(result["dask_step_s"]) == 2 and result["numpy_tl_median_s"] > 0
        for worker in result["workers"]:
            assert worker["peak_rss"] > 0 and worker["spilled_to_disk"] == 0
    table = demo.markdown_table([row], limit_bytes=2**30)
    assert table.count("\n| 0.004 GB |") == len(demo.MODELS)
