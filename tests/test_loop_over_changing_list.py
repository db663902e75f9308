"""``for v in L`` whose body changes ``L`` as a whole (appends, removes, ``+=``, slice writes):
Python's loop sees the change, the derivative code iterated what the loop started with
(breaker round 25: value and gradient silently wrong).  Refused, naming the loop and the change;
the ways to write it that are followed work, against central differences."""

import numpy as np
import pytest

import tangent_lite as tl

BODIES = {
    "append": "L.append(v * x)",
    "extend": "L.extend([v * x])",
    "insert": "L.insert(0, v * x)",
    "pop": "L.pop()",
    "plus_equals": "L += [v * x]",
    "del": "del L[0]",
    "slice_write": "L[1:] = [v * x]",
}
LOOPS = {
    "plain": "for v in L:",
    "enumerate": "for i, v in enumerate(L):",
    "zip": "for v, w in zip(L, L):",
}


@pytest.mark.parametrize("body", sorted(BODIES))
@pytest.mark.parametrize("loop", sorted(LOOPS))
@pytest.mark.parametrize("mode", ["grad", "jvp"])
def test_a_loop_changing_the_list_it_iterates_is_refused(tmp_path, monkeypatch, body, loop, mode):
    source = ("import numpy as np\n\n\ndef f(x):\n    L = [x, x * 2.0]\n    n = 0\n"
              f"    {LOOPS[loop]}\n        if n < 3:\n            {BODIES[body]}\n        n = n + 1\n"
              "    return np.sum(L[-1])\n")
    path = tmp_path / f"grow_{body}_{loop}_{mode}.py"
    path.write_text(source)
    monkeypatch.syspath_prepend(str(tmp_path))
    f = __import__(path.stem).f
    x = np.array([0.3, -0.7, 1.1])
    with pytest.raises(tl.errors.TangentLiteError) as info:  # (del of an item: a second problem)
        if mode == "grad":
            tl.grad(f)(x)
        else:
            tl.jvp(f, (x,), (np.ones(3),))
    message = str(info.value)
    assert f"{path.name}:7" in message and "while the loop changes 'L' in place" in message, message


def over_a_copy(x):
    L = [x]
    for v in list(L):
        L.append(v * x)
    return np.sum(L[-1])


def index_loop(x):
    L = [x]
    i = 0
    while i < len(L):
        if len(L) < 4:
            L.append(L[i] * x)
        i = i + 1
    return np.sum(L[-1])


def entries_rebound(x):
    L = [x, x * 2.0, x * 3.0]
    k = 0
    for v in L:
        if k + 1 < len(L):
            L[k + 1] = L[k + 1] * v   # the next entry: the loop reads it changed, as Python does
        k = k + 1
    return np.sum(L[-1])


@pytest.mark.parametrize("f", [over_a_copy, index_loop, entries_rebound])
def test_what_is_followed_works(f):
    x = np.array([0.3, -0.7, 1.1])
    g = tl.grad(f)(x)
    eps = 1e-6
    fd = np.array([(f(x + eps * e) - f(x - eps * e)) / (2 * eps) for e in np.eye(3)])
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(tl.jvp(f, (x,), (np.ones(3),))[1], g.sum(), rtol=1e-9)


def appends_to_list_argument(L, x):
    L.append(L[0] * x)
    return np.sum(L[-1])


def test_seeds_and_tangents_given_as_lists_are_left_as_they_were():
    """The derivative code appends to a list's tangent (and pops its cotangent) as the function
    does with the list: the caller's tangent and cotangent lists are not that code's to change."""
    x = np.array([0.3, -0.7])
    L = [x * 1.0]
    tangents = ([np.ones(2)], np.zeros(2))
    tl.jvp(appends_to_list_argument, (L, x), tangents)
    assert len(tangents[0]) == 1 and len(L) == 1

    def builds(x):
        out = [x * 1.0]
        out.append(x * x)
        return out

    _, pullback = tl.vjp(builds, x)
    seed = [np.ones(2), np.ones(2)]
    first = pullback(seed)
    assert len(seed) == 2
    np.testing.assert_allclose(pullback(seed), first)
    np.testing.assert_allclose(first, 1.0 + 2 * x)
