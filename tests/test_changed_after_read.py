"""A value without derivatives (an argument not differentiated, a constant array) that a call
changes in place after the function read it: the reverse sweep reads it again for the derivatives
of the statements before the call, and would see the changed value.  Reverse mode refuses it;
forward mode, which reads each value once as it goes, gives the program's derivative; a buffer
filled before anything reads it is fine in both modes."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest
from temp_modules import temp_module

import tangent_lite as tl

SOURCE = textwrap.dedent('''
    import numpy as np


    def hscale(p):
        p *= 2.0
        return 0.0


    def hwrite(p):
        p[0] = 5.0


    def scaled_by_a_helper(x, y):
        z = x * y
        r = hscale(y)
        return np.sum(z * z) + r


    def item_written_by_a_helper(x, y):
        z = np.sin(x * y)
        hwrite(y)
        return np.sum(z * x)


    def sorted_in_place(x, y):
        z = x * y
        y.sort()
        return np.sum(z * z)


    def ufunc_out(x, y):
        z = np.tanh(x * y)
        np.multiply(y, 3.0, out=y)
        return np.sum(z * x)


    def in_a_loop(x, y):
        s = 0.0
        for i in range(2):
            s = s + np.sum(x * y)
            hscale(y)
        return s


    def through_an_alias(x, y):
        a = y
        z = x * a
        hscale(y)
        return np.sum(z * z)


    def sorted_through_the_class(x, y):
        z = x * y
        np.ndarray.sort(y)
        return np.sum(z * y)


    def scaled_by_its_dunder(x, y):
        z = x * y
        t = y.__imul__(2.0)
        return np.sum(z * y) + np.sum(t) * 0.0


    def fill(buf, k):
        buf[0] = k
        return 0.0


    def filled_before_it_is_read(x, k):
        buf = np.zeros(2)
        fill(buf, k)
        return np.sum(x * buf)
''')

REFUSED = ["scaled_by_a_helper", "item_written_by_a_helper", "sorted_in_place", "ufunc_out", "in_a_loop",
           "through_an_alias", "sorted_through_the_class", "scaled_by_its_dunder"]


@pytest.fixture(scope="module")
def mod(tmp_path_factory):
    return temp_module(tmp_path_factory.mktemp("changed_after_read"), SOURCE, "tl_changed_after_read")


def _args():
    return np.array([1.3, 0.5]), np.array([0.7, 0.2])


def _central(f, v):
    x, y = _args()
    return (f(x + 1e-6 * v, y.copy()) - f(x - 1e-6 * v, y.copy())) / 2e-6


@pytest.mark.parametrize("name", REFUSED)
def test_reverse_mode_refuses_and_forward_mode_is_right(mod, name):
    f = getattr(mod, name)
    with pytest.raises(tl.UnsupportedConstructError, match="after it was read above") as info:
        tl.grad(f)(*_args())
    assert f"{mod.__name__}.py:" in str(info.value)
    with pytest.raises(tl.UnsupportedConstructError, match="after it was read above"):
        tl.vjp(f, *_args())
    for v in np.eye(2):
        x, y = _args()
        assert tl.jvp(f, (x, y), (v,))[1] == pytest.approx(_central(f, v), rel=1e-6, abs=1e-8)


def test_a_buffer_filled_before_it_is_read_is_fine(mod):
    f = mod.filled_before_it_is_read
    x = np.array([1.3, 0.5])
    np.testing.assert_allclose(tl.grad(f)(x, 3.0), [3.0, 0.0])
    assert tl.jvp(f, (x, 3.0), (np.array([0.0, 1.0]),))[1] == pytest.approx(0.0)


def test_in_place_dunders_through_views_and_lists_are_refused(tmp_path):
    source = textwrap.dedent('''
        import numpy as np


        def view(x, y):
            a = np.array([x, y])
            b = a[0:1]
            b.__setitem__(0, y * y)
            return np.sum(a * x)


        def through_a_list(x, y):
            a = np.array([x, y])
            L = [a]
            L[0].__imul__(2.0)
            return np.sum(a * x)
    ''')
    module = temp_module(tmp_path, source, "tl_dunders")
    for f in (module.view, module.through_a_list):
        for run in (lambda f=f: tl.grad(f)(1.3, 0.9), lambda f=f: tl.jvp(f, (1.3, 0.9), (1.0,))):
            with pytest.raises(tl.UnsupportedConstructError, match="in place"):
                run()
