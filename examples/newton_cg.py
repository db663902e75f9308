"""Newton-CG: Newton's method with the Newton system solved by conjugate gradients on HVPs.

    .venv/bin/python examples/newton_cg.py            # extended Rosenbrock, n = 30
    .venv/bin/python examples/newton_cg.py --n 50

Each Newton step solves H(x) p = -g(x) approximately by conjugate gradients.  CG only needs
products H(x) v, and tl.hvp(f, x, v) computes one by forward-over-reverse differentiation (the
JVP of the generated gradient code): about the cost of a gradient, and the n x n Hessian is never
formed.  CG stops when the residual is below eta * |g| (eta = min(0.5, sqrt|g|), which gives
superlinear convergence), or when it meets a direction of non-positive curvature (Rosenbrock's
Hessian is indefinite away from the minimum): then it returns what it has, or the steepest-descent
direction at its first iteration.  A backtracking (Armijo) line search makes the step safe.

The printout shows the first and last iterations: f, |g|, the CG iterations (= Hessian-vector
products) of that step and the step length; near the minimum the step length is 1 and |g| falls
superlinearly.
"""

import argparse
import time

import numpy as np

import tangent_lite as tl


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def conjugate_gradient(hvp, g, tol, max_iter):
    """Approximately solve H p = -g by CG; hvp(v) = H v.  Returns (p, iterations, reason)."""
    p = np.zeros_like(g)
    r = -g  # residual of H p = -g at p = 0
    d = r.copy()
    rr = r @ r
    for i in range(1, max_iter + 1):
        Hd = hvp(d)
        curvature = d @ Hd
        if curvature <= 1e-12 * (d @ d):  # non-positive curvature: H is not positive definite here
            return (p if i > 1 else -g), i, "negative curvature"
        alpha = rr / curvature
        p = p + alpha * d
        r = r - alpha * Hd
        rr_new = r @ r
        if np.sqrt(rr_new) <= tol:
            return p, i, "converged"
        d = r + (rr_new / rr) * d
        rr = rr_new
    return p, max_iter, "max iterations"


def newton_cg(f, x0, gtol=1e-10, max_iter=500):
    """Minimise f from x0.  Returns (x, history): one row per iteration
    (iteration, f, |g|, CG iterations, why CG stopped, step length)."""
    grad = tl.grad(f)
    x = np.array(x0, dtype=float)
    history = []
    for k in range(max_iter):
        fx, g = f(x), grad(x)
        gnorm = np.linalg.norm(g)
        if gnorm < gtol:
            history.append((k, fx, gnorm, 0, "|g| < gtol: done", None))
            return x, history
        eta = min(0.5, np.sqrt(gnorm))
        p, its, reason = conjugate_gradient(lambda v, x=x: tl.hvp(f, x, v), g, eta * gnorm, 2 * x.size)
        t, slope = 1.0, g @ p  # backtracking line search (Armijo)
        while f(x + t * p) > fx + 1e-4 * t * slope and t > 1e-10:
            t *= 0.5
        history.append((k, fx, gnorm, its, reason, t))
        x = x + t * p
    raise RuntimeError("Newton-CG did not converge")


def print_history(history, head=6, tail=10):
    print(f"| {'iter':>4} | {'f(x)':>11} | {'|g|':>9} | {'CG its = HVPs':>13} | {'CG stopped on':<18} | {'step':>7} |")
    print(f"|{'-' * 6}|{'-' * 13}|{'-' * 11}|{'-' * 15}|{'-' * 20}|{'-' * 9}|")
    for i, (k, fx, gnorm, its, reason, t) in enumerate(history):
        if head <= i < len(history) - tail:
            if i == head:
                print(f"| {'...':>4} | {'':>11} | {'':>9} | {'':>13} | {'':<18} | {'':>7} |")
            continue
        step = "" if t is None else f"{t:.4g}"
        print(f"| {k:>4} | {fx:>11.4e} | {gnorm:>9.2e} | {its if t is not None else '':>13} | {reason:<18} "
              f"| {step:>7} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=30, help="dimension (default 30)")
    n = parser.parse_args().n
    x0 = np.full(n, -1.2)
    x0[1::2] = 1.0  # the classic start (-1.2, 1, -1.2, 1, ...)

    # tl.hvp against the Hessian tl.hessian builds (n HVPs with unit vectors), at the start point
    v = np.random.default_rng(0).normal(size=n)
    H = tl.hessian(rosenbrock)(x0)
    assert np.allclose(tl.hvp(rosenbrock, x0, v), H @ v, rtol=1e-12, atol=1e-9)
    eig = np.linalg.eigvalsh(H)
    print(f"extended Rosenbrock, n = {n}, x0 = (-1.2, 1, -1.2, 1, ...); tl.hvp(f, x, v) == tl.hessian(f)(x) @ v "
          f"at x0 (Hessian eigenvalues there: {eig.min():.3g} .. {eig.max():.3g})\n")
    print("generated Hessian-vector product: the JVP of the generated gradient (first lines):")
    fv, _ = tl.gradient_function(rosenbrock)
    print("\n".join("    " + line for line in tl.source(fv, "jvp").split("\n\n\n")[1].splitlines()[:8]) + "\n    ...\n")

    t0 = time.perf_counter()
    x, history = newton_cg(rosenbrock, x0)
    elapsed = time.perf_counter() - t0
    print_history(history)
    iters, hvps = len(history) - 1, sum(row[3] for row in history)
    negative = sum(row[4] == "negative curvature" for row in history)
    err = np.max(np.abs(x - 1.0))
    print(f"\nconverged to x = (1, ..., 1) in {iters} Newton iterations ({negative} of them met negative curvature "
          f"in CG), {hvps} Hessian-vector products in all, {elapsed:.2f} s; max |x - 1| = {err:.1e}.\n"
          f"Forming the Hessian at every iteration would have taken {iters} x {n} = {iters * n} HVPs (tl.hessian) "
          f"and {n} x {n} memory.  Far from the minimum the Hessian is indefinite and the line search shortens\n"
          f"the steps while the iterates follow the curved valley; the last iterations take full steps and |g| "
          f"falls superlinearly.")
    assert err < 1e-8, err


if __name__ == "__main__":
    main()
