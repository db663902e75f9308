"""tl.memory_report counts the bytes the reverse sweep keeps alive: buffers, not views' logical sizes."""

import numpy as np

import tangent_lite as tl
from tangent_lite.inspect.memory import nbytes


def test_a_view_counts_the_buffer_it_keeps_alive_once():
    a = np.ones(1000)
    assert nbytes(a) == 8000
    assert nbytes(a[::2]) == 8000  # keeps all of a alive
    assert nbytes([a, a[::2], a.reshape(10, 100), a.T]) == 4 * 8 + 8000
    assert nbytes([a[::2], a]) == 2 * 8 + 8000  # (in any order)
    assert nbytes(np.broadcast_to(2.0, (1000,))) == 8  # a broadcast number: one number
    assert nbytes(np.broadcast_to(np.arange(3.0), (1000, 3))) == 24
    b = np.ones(10)
    assert nbytes((a[:5], b[:5])) == 2 * 8 + 8000 + 80


def test_numbers_and_containers():
    assert nbytes(1.5) == 8 and nbytes(2j) == 16 and nbytes(None) == 0
    assert nbytes({"w": np.zeros(4), "b": 0.0}) == 2 * 16 + 32 + 8


def test_memory_report_of_a_loop_counts_each_saved_buffer():
    def f(x):
        y = x
        for _ in range(4):
            y = np.sin(y) * x
        return np.sum(y)

    x = np.linspace(0.1, 1.0, 50)
    report = tl.memory_report(f, x)
    # whatever is saved is made of arrays of x's size (400 bytes each): none is a view counted
    # by a size it does not have
    # (a push may be the None a variable held before the loop: 0 bytes)
    for site in report.sites:
        assert site.nbytes % 400 == 0 and 0 < site.nbytes <= 400 * site.count, site
    assert report.residual_bytes % 8 == 0 and report.residual_bytes >= 400
    assert str(report).startswith("memory of the reverse sweep of")
