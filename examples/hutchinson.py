"""Hutchinson's trace estimator: tr(H) from Hessian-vector products, without the Hessian.

    .venv/bin/python examples/hutchinson.py

For a random vector v with E[v v^T] = I (here Rademacher: entries +1 or -1 with probability 1/2),
E[v^T H v] = tr(H), so

    tr(H) ~ (1/V) sum_i v_i^T H v_i,     Var(v^T H v) = 2 (|H|_F^2 - sum_j H_jj^2)   (Rademacher)

Each term costs one tl.hvp (forward-over-reverse: about one gradient), so V samples cost V HVPs
where the exact trace needs the diagonal: n HVPs with unit vectors (tl.hessian builds the whole
Hessian that way).  The estimator pays off when n is large and a few digits are enough: its
error falls like 1/sqrt(V), whatever n is.

The function: L2-regularised logistic regression, n = 200 weights, m = 500 samples,

    f(w) = mean(log(1 + exp(-y * (X @ w)))) + 0.5 * lam * |w|^2,
    H(w) = X^T diag(s (1 - s)) X / m + lam I,  s = sigmoid(y * (X @ w)),

whose Hessian is also written out by hand below, to check tl.hessian.
"""

import time

import numpy as np

import tangent_lite as tl

LAM = 0.1


def logistic_loss(w, X, y):
    z = y * (X @ w)
    return np.mean(np.log(1.0 + np.exp(-z))) + 0.5 * LAM * np.sum(w * w)


def hessian_by_hand(w, X, y):
    s = 1.0 / (1.0 + np.exp(-y * (X @ w)))
    return (X.T * (s * (1.0 - s))) @ X / X.shape[0] + LAM * np.eye(w.size)


def hutchinson(f, w, args, samples, rng):
    """The V = len(samples)-term estimates, one per prefix length: (running means, the terms)."""
    terms = np.empty(samples)
    for i in range(samples):
        v = rng.integers(0, 2, size=w.size) * 2.0 - 1.0  # Rademacher
        terms[i] = v @ tl.hvp(f, w, v, *args)
    return np.cumsum(terms) / np.arange(1, samples + 1), terms


def main():
    rng = np.random.default_rng(0)
    n, m = 200, 500
    X = rng.normal(size=(m, n)) * rng.uniform(0.2, 2.0, size=n)  # columns of different scales
    y = np.sign(X @ rng.normal(size=n) + 0.5 * rng.normal(size=m))
    w = 0.1 * rng.normal(size=n)
    args = (X, y)

    t0 = time.perf_counter()
    H = tl.hessian(logistic_loss)(w, *args)  # n HVPs with unit vectors
    t_exact = time.perf_counter() - t0
    assert np.allclose(H, hessian_by_hand(w, X, y), rtol=1e-10, atol=1e-12), "tl.hessian disagrees with the formula"
    exact = np.trace(H)
    var1 = 2.0 * (np.sum(H * H) - np.sum(np.diag(H) ** 2))  # variance of one Rademacher term
    print(f"logistic regression, n = {n} weights, m = {m} samples; tl.hessian(f)(w) equals the hand-written "
          f"Hessian (rtol 1e-10)\nexact tr(H) = {exact:.6f} from tl.hessian: {n} HVPs, {t_exact * 1e3:.0f} ms\n")

    V = 1000
    t0 = time.perf_counter()
    means, terms = hutchinson(logistic_loss, w, args, V, rng)
    per_hvp = (time.perf_counter() - t0) / V
    print("One run of the estimator; each row uses the first V of the same 1000 Rademacher vectors.\n")
    print(f"| {'V (HVPs)':>8} | {'estimate':>10} | {'relative error':>14} | {'std. error, theory':>18} | "
          f"{'std. error, sample':>18} | {'time (ms)':>9} |")
    print(f"|{'-' * 10}|{'-' * 12}|{'-' * 16}|{'-' * 20}|{'-' * 20}|{'-' * 11}|")
    for k in (1, 10, 30, 100, 300, 1000):
        sample_se = f"{np.std(terms[:k], ddof=1) / np.sqrt(k):.4f}" if k > 1 else "—"
        print(f"| {k:>8} | {means[k - 1]:>10.4f} | {abs(means[k - 1] - exact) / exact:>14.2%} | "
              f"{np.sqrt(var1 / k):>18.4f} | {sample_se:>18} | {k * per_hvp * 1e3:>9.1f} |")
    z = (means[-1] - exact) / np.sqrt(var1 / V)
    print(f"\nWith V = {V} the estimate is {z:+.2f} theoretical standard errors from the exact trace.  One HVP "
          f"takes {per_hvp * 1e3:.2f} ms here, so V HVPs cost as much as the exact diagonal once V reaches n = {n}: "
          f"the estimator is for large n, where the Hessian's n HVPs (or n^2 memory) are out of reach.")
    assert abs(z) < 5, z


if __name__ == "__main__":
    main()
