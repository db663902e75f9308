"""A 50-line function for the transformation-time target of issue 6: `python benchmarks/fifty_lines.py`."""

import math

import numpy as np


def helper(a, b):
    return a * np.tanh(b) + b * b


def fifty(x, W, b, n):
    """A 50-line model: features, a small network, a loop, branches and a penalty."""
    h = W @ x + b
    h = np.tanh(h)
    s = np.sum(h * h)
    m = np.mean(h)
    v = np.var(h)
    z = (h - m) / np.sqrt(v + 1e-6)
    total = 0.0
    for i in range(n):
        w = z[i % z.shape[0]]
        if w > 0:
            total = total + w * w
        else:
            total = total - 0.5 * w
        total = total + math.sin(total) * 0.1
    acc = 0.0
    k = 0
    while k < 3:
        acc = acc + helper(total, s) / (k + 1)
        k += 1
    p = np.exp(-z)
    q = p / np.sum(p)
    ent = -np.sum(q * np.log(q + 1e-12))
    r = np.maximum(h, 0.0)
    r2 = np.sum(r ** 2)
    c = np.cumsum(h)
    cm = np.max(c)
    sm = np.sum(np.sort(h)[-3:])
    l1 = np.sum(np.abs(W))
    l2 = np.sum(W * W)
    reg = 0.01 * l1 + 0.001 * l2
    out = acc + ent + r2 + cm + sm
    if out > 10.0:
        out = 10.0 + np.log(out - 9.0)
    y = np.stack([h, z])
    t = np.sum(y[0] * y[1])
    u = np.dot(h, z)
    d = np.linalg.norm(h - z)
    e = np.sum(np.where(h > 0, h, 0.1 * h))
    f = np.prod(1.0 + 0.01 * h[:4])
    g = np.hypot(t, u)
    loss = out + reg + t - u + d + e + f + g
    loss = loss + 0.5 * np.sum(x ** 2)
    loss = loss / (1.0 + s)
    return loss


def main() -> None:
    """First tl.grad of ``fifty`` with an empty cache directory (generate, write, load, run)."""
    import os
    import statistics
    import tempfile
    import time

    import tangent_lite as tl
    from tangent_lite.backends import cache

    rng = np.random.default_rng(0)
    args = (rng.normal(size=8), rng.normal(size=(8, 8)), rng.normal(size=8), 20)
    times = []
    for _ in range(7):
        os.environ["TANGENT_LITE_CACHE_DIR"] = tempfile.mkdtemp(prefix="tl-fifty-")
        cache.clear_memory()
        start = time.perf_counter()
        tl.grad(fifty, wrt=(0, 1, 2))(*args)
        times.append(time.perf_counter() - start)
    print(f"fifty_lines: first tl.grad (cold cache), median of 7: {statistics.median(times) * 1e3:.1f} ms "
          f"(min {min(times) * 1e3:.1f}; the process's first transformation {times[0] * 1e3:.1f}, "
          "rule templates parsed then)")
    tl.check_grads(fifty, args, wrt=(0, 1, 2))
    print("fifty_lines: check_grads passed")


if __name__ == "__main__":
    main()
