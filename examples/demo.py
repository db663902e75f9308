"""tangent_lite demo: a function, its Wengert form, its generated derivatives, their values.

Run with `make demo` (or `python examples/demo.py` once tangent_lite is installed).
The function is the classic example of AD courses (Griewank & Walther; Baydin et al. 2018):
    f(x1, x2) = ln(x1) + x1*x2 - sin(x2)   at (x1, x2) = (2, 5)
"""

import math

import numpy as np

import tangent_lite as tl


@tl.differentiate
def f(x1, x2):
    return math.log(x1) + x1 * x2 - math.sin(x2)


@tl.differentiate
def loss(W, x):
    h = np.tanh(W @ x)
    return np.sum(h * h)


def banner(text: str) -> None:
    print("\n" + "=" * 78 + "\n" + text + "\n" + "=" * 78)


def main() -> None:
    banner("The function (user code)")
    print("def f(x1, x2):\n    return math.log(x1) + x1 * x2 - math.sin(x2)")

    banner("tl.wengert(f): one primitive per line, SSA names")
    print(tl.wengert(f))

    banner('f.source("vjp"): generated reverse mode (grad / vjp)')
    print(f.source("vjp", wrt=("x1", "x2")))

    banner('f.source("jvp"): generated forward mode')
    print(f.source("jvp", wrt=("x1", "x2")))

    banner("Values at (x1, x2) = (2, 5)")
    value, (g1, g2) = f.value_and_grad(2.0, 5.0, wrt=(0, 1))
    print(f"f(2, 5)            = {value:.3f}      (published: 11.652)")
    print(f"reverse: df/dx1    = {g1:.3f}       (published: 5.5)")
    print(f"reverse: df/dx2    = {g2:.3f}       (published: 1.716)")
    _, tangent = f.jvp((2.0, 5.0), (1.0, 0.0))
    print(f"forward (1, 0):    = {tangent:.3f}       (published: 5.5)")

    banner("An array example: loss(W, x) = sum(tanh(W @ x)**2)")
    rng = np.random.default_rng(0)
    W, x = rng.normal(size=(3, 4)), rng.normal(size=4)
    print(loss.source("vjp").split("\n\n\n")[1])
    gW = loss.grad(W, x)
    eps = 1e-6
    E = np.zeros_like(W)
    E[1, 2] = eps
    fd = (loss(W + E, x) - loss(W - E, x)) / (2 * eps)
    print(f"dloss/dW[1, 2]: generated = {gW[1, 2]:.10f}, central difference = {fd:.10f}")


if __name__ == "__main__":
    main()
