"""breakpoint() in a differentiated function stops in the generated code, which is a real file
whose lines carry comments pointing back at the user's source."""

import linecache
import sys

import breakpoint_fixtures as bf
import numpy as np

import tangent_lite as tl


def test_breakpoint_lands_in_generated_code_with_user_line_comments(monkeypatch):
    seen = []

    def hook(*args, **kwargs):
        frame = sys._getframe(1)
        lines = linecache.getlines(frame.f_code.co_filename)
        seen.append((frame.f_code.co_name, frame.f_code.co_filename, lines[frame.f_lineno - 2].strip(),
                     dict(frame.f_locals)))

    monkeypatch.setattr(sys, "breakpointhook", hook)
    x = np.array([0.1, 0.2])
    g = tl.grad(bf.with_breakpoint)(x)
    np.testing.assert_allclose(g, 8.0 * np.sin(x) * np.cos(x))
    (name, filename, previous, local_vars) = seen[0]
    assert name == "with_breakpoint_vjp"
    assert "__tangent_lite__" in filename or "tl_cache" in filename
    assert previous.startswith("# breakpoint_fixtures.py:") and previous.endswith("breakpoint()")
    np.testing.assert_allclose(local_vars["y"], np.sin(x) * 2.0)  # the user's variables are there
    # forward mode stops there too
    seen.clear()
    tl.jvp(bf.with_breakpoint, (x,), (np.ones(2),))
    assert seen and seen[0][0] == "with_breakpoint_jvp"
