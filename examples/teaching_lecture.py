"""A lecture's example with a shared subexpression: one reverse sweep vs two forward sweeps.

    L(w1, w2) = w2*log(w1) + sqrt(w2*log(w1))
    graph: v1 = log w1, v2 = w2*v1, v3 = sqrt(v2), L = v2 + v3

Hand-derived partials (v2 feeds both the sum and the square root):
    dL/dw1 = (1 + 1/(2*sqrt(v2))) * w2/w1
    dL/dw2 = (1 + 1/(2*sqrt(v2))) * v1

Run with `.venv/bin/python examples/teaching_lecture.py`.  The script counts the generated
functions that actually run (reverse: one L_fwd + one L_bwd for both partials; forward: one
L_jvp per input) and asserts agreement with the hand-derived formulas.
"""

import math
import sys

import tangent_lite as tl


@tl.differentiate
def L(w1, w2):
    v1 = math.log(w1)
    v2 = w2 * v1
    v3 = math.sqrt(v2)
    return v2 + v3


def L_inline(w1, w2):
    """The same function written as one expression, as on the slide."""
    return w2 * math.log(w1) + math.sqrt(w2 * math.log(w1))


POINTS = [(2.0, 3.0), (5.0, 0.5), (1.5, 7.0)]


def banner(text):
    print("\n" + "=" * 78 + "\n" + text + "\n" + "=" * 78)


def hand_derived(w1, w2):
    v1 = math.log(w1)
    v2 = w2 * v1
    factor = 1 + 1 / (2 * math.sqrt(v2))
    return factor * w2 / w1, factor * v1


class CountGenerated:
    """Counts calls of generated functions (L_fwd, L_bwd, L_jvp, ...) while active."""

    def __init__(self, prefix):
        self.prefix, self.calls = prefix, []

    def __enter__(self):
        def profile(frame, event, arg):
            name = frame.f_code.co_name
            if event == "call" and name.startswith(self.prefix) and name.rsplit("_", 1)[-1] in ("fwd", "bwd", "jvp",
                                                                                                 "vjp"):
                self.calls.append(name)
        sys.setprofile(profile)
        return self

    def __exit__(self, *exc):
        sys.setprofile(None)


def main():
    banner("The function and its Wengert form")
    print(tl.wengert(L))
    print("\nv2 is used twice (by v3 = sqrt(v2) and by the sum), so the reverse sweep adds two "
          "contributions into v2_bar.")

    banner("Generated reverse mode (L_vjp): both partials in one sweep")
    print(L.source("vjp", wrt=("w1", "w2")).split("\n\n\n")[1])

    banner("Generated forward mode (L_jvp): one tangent per sweep")
    print(L.source("jvp", wrt=("w1", "w2")).split("\n\n\n")[1])

    banner("Values: one reverse sweep vs two forward sweeps vs the hand-derived formulas")
    print(f"{'(w1, w2)':>11} {'':4} {'reverse':>19} {'forward':>19} {'hand-derived':>19}")
    for w1, w2 in POINTS:
        with CountGenerated("L_") as rev:
            value, pullback = tl.vjp(L, w1, w2, wrt=(0, 1))
            r1, r2 = pullback(1.0)
        with CountGenerated("L_") as fwd:
            _, f1 = tl.jvp(L, (w1, w2), (1.0, 0.0))
            _, f2 = tl.jvp(L, (w1, w2), (0.0, 1.0))
        h1, h2 = hand_derived(w1, w2)
        point = f"({w1}, {w2})"
        print(f"{point:>11} {'dw1':4} {r1:19.15f} {f1:19.15f} {h1:19.15f}")
        print(f"{'':>11} {'dw2':4} {r2:19.15f} {f2:19.15f} {h2:19.15f}")
        print(f"{'':>11} {'runs':4} {' + '.join(rev.calls):>19} {' + '.join(fwd.calls):>19}")
        for ours in (r1, f1):
            assert math.isclose(ours, h1, rel_tol=1e-12), (ours, h1)
        for ours in (r2, f2):
            assert math.isclose(ours, h2, rel_tol=1e-12), (ours, h2)
        assert rev.calls == ["L_fwd", "L_bwd"] and fwd.calls == ["L_jvp", "L_jvp"], (rev.calls, fwd.calls)
        assert math.isclose(value, L(w1, w2), rel_tol=1e-15)

    banner("Written as one expression, as on the slide")
    print(tl.wengert(L_inline))
    print("\n(no common-subexpression elimination: log(w1) and w2*log(w1) are computed twice; each copy "
          "gets its own adjoint\n (_t0_bar, _t2_bar, ...) and the two paths meet in w1_bar and w2_bar: same "
          "partials)")
    for w1, w2 in POINTS:
        g = tl.grad(L_inline, wrt=(0, 1))(w1, w2)
        h = hand_derived(w1, w2)
        print(f"({w1}, {w2}): grad = ({g[0]:.15f}, {g[1]:.15f})")
        assert all(math.isclose(a, b, rel_tol=1e-12) for a, b in zip(g, h))
    print("\nAll partials agree with the hand-derived formulas (relative tolerance 1e-12).")


if __name__ == "__main__":
    main()
