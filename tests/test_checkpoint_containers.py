"""A tl.checkpointed loop whose state lives in a dict or a list (breaker 30 #8).

``for t in tl.checkpointed(range(n), snapshots=k): d["h"] = np.tanh(W @ d["h"]); d["acc"] = ...``
was refused as "writing into 'd', which shares its array or list with another expression (an alias
or a view)", with the fix 'd = d.copy()' that gave the same refusal: the step function copies the
state it changes in place (so that the schedule's snapshots stay intact) with ``_tl.copied``,
which returned a dict itself, and which the alias model took as an unknown call (the same
object).  Now ``copied`` makes a new dict too, and the alias model knows it makes a new container
of the same items: rebinding the entries of the copy leaves the snapshot alone.  Gradients (any
number of snapshots, with code after the loop rebinding entries) against the unmarked loop,
central finite differences and forward mode.
"""

from __future__ import annotations

import numpy as np
import pytest

import tangent_lite as tl
from tangent_lite import runtime

W = np.array([[0.5, -0.3], [0.2, 0.9]])
H = np.array([0.3, -0.2])
N = 7


def plain_dict(h, W):
    d = {"h": h, "acc": 0.0}
    for t in range(N):
        d["h"] = np.tanh(W @ d["h"])
        d["acc"] = d["acc"] + np.sum(d["h"]) * t
    return d["acc"]


def make(snapshots):
    def ckpt_dict(h, W):
        d = {"h": h, "acc": 0.0}
        for t in tl.checkpointed(range(N), snapshots=snapshots):
            d["h"] = np.tanh(W @ d["h"])
            d["acc"] = d["acc"] + np.sum(d["h"]) * t
        return d["acc"]

    def ckpt_list(h, W):
        L = [h, 0.0]
        for t in tl.checkpointed(range(N), snapshots=snapshots):
            L[0] = np.tanh(W @ L[0])
            L[1] = L[1] + np.sum(L[0]) * t
        return L[1]

    def ckpt_after(h, W):  # the loop's result changed after it (entries rebound)
        d = {"h": h, "acc": 0.0}
        for t in tl.checkpointed(range(N), snapshots=snapshots):
            d["h"] = np.tanh(W @ d["h"])
            d["acc"] = d["acc"] + np.sum(d["h"]) * t
        d["acc"] = d["acc"] * 2.0
        d["h"] = d["h"] * 3.0
        return d["acc"] + np.sum(d["h"] * d["h"])

    return ckpt_dict, ckpt_list, ckpt_after


def _fd(f, h, W, eps=1e-6):
    gh = np.array([(f(h + eps * e, W) - f(h - eps * e, W)) / (2 * eps) for e in np.eye(h.size)])
    gW = np.array([(f(h, W + eps * e) - f(h, W - eps * e)) / (2 * eps)
                   for e in np.eye(W.size).reshape((-1,) + W.shape)]).reshape(W.shape)
    return gh, gW


@pytest.mark.parametrize("snapshots", [0, 1, 2, 10])
@pytest.mark.parametrize("which", [0, 1, 2])
def test_checkpointed_dict_and_list_state_differentiates(snapshots, which):
    f = make(snapshots)[which]
    gh, gW = _fd(f, H, W)
    got_h, got_W = tl.grad(f, wrt=(0, 1))(H, W)
    np.testing.assert_allclose(got_h, gh, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(got_W, gW, rtol=1e-6, atol=1e-9)
    if which == 0:
        np.testing.assert_allclose(got_h, tl.grad(plain_dict)(H, W), rtol=1e-12, atol=1e-15)
    _, pullback = tl.vjp(f, H, W)  # a pullback called twice: the snapshots are intact
    for _ in range(2):
        np.testing.assert_allclose(pullback(1.0), gh, rtol=1e-6, atol=1e-9)
    v = np.array([0.4, -1.3])
    np.testing.assert_allclose(tl.jvp(f, (H, W), (v, np.zeros_like(W)))[1], gh @ v, rtol=1e-6, atol=1e-9)


def test_copied_copies_dicts_and_the_alias_model_knows_it():
    from tangent_lite.rules import purity

    d = {"a": np.ones(2)}
    c = runtime.copied(d)
    assert c == d and c is not d and c["a"] is d["a"]
    assert purity.RESULT_SHARES[runtime.copied] == ((0, "copy"),)
