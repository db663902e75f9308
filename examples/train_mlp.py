"""Train a small MLP with plain NumPy and tl.grad (parameters as separate arrays), then the
same model with its parameters in a dict (the gradient comes back as a dict).

Data: two interleaved moons-like half circles, generated here (no download).
"""

import numpy as np

import tangent_lite as tl


def make_data(n: int, rng: np.random.Generator):
    t = rng.uniform(0, np.pi, size=n)
    upper = np.stack([np.cos(t), np.sin(t)], axis=1)
    lower = np.stack([1.0 - np.cos(t), 0.5 - np.sin(t)], axis=1)
    X = np.concatenate([upper, lower]) + 0.1 * rng.normal(size=(2 * n, 2))
    y = np.concatenate([np.zeros(n), np.ones(n)])
    return X, y


def loss(W1, b1, W2, b2, X, y):
    """Mean logistic loss of a one-hidden-layer tanh network."""
    h = np.tanh(X @ W1 + b1)
    z = h @ W2 + b2
    # log(1 + exp(-z)) for y = 1, log(1 + exp(z)) for y = 0, written stably
    s = (1.0 - 2.0 * y) * z
    return np.mean(np.logaddexp(0.0, s))


def loss_dict(params, X, y):
    h = np.tanh(X @ params["W1"] + params["b1"])
    z = h @ params["W2"] + params["b2"]
    return np.mean(np.logaddexp(0.0, (1.0 - 2.0 * y) * z))


def accuracy(W1, b1, W2, b2, X, y):
    z = np.tanh(X @ W1 + b1) @ W2 + b2
    return float(np.mean((z > 0) == (y > 0.5)))


def main() -> None:
    rng = np.random.default_rng(0)
    X, y = make_data(200, rng)
    hidden = 16
    W1 = rng.normal(size=(2, hidden)) * 0.5
    b1 = np.zeros(hidden)
    W2 = rng.normal(size=hidden) * 0.5
    b2 = 0.0
    grad = tl.grad(loss, wrt=(0, 1, 2, 3))
    lr = 0.5
    print("training with separate parameter arrays")
    for step in range(301):
        gW1, gb1, gW2, gb2 = grad(W1, b1, W2, b2, X, y)
        W1, b1, W2, b2 = W1 - lr * gW1, b1 - lr * gb1, W2 - lr * gW2, b2 - lr * gb2
        if step % 100 == 0:
            print(f"  step {step:3d}  loss {loss(W1, b1, W2, b2, X, y):.4f}  "
                  f"accuracy {accuracy(W1, b1, W2, b2, X, y):.3f}")
    final = accuracy(W1, b1, W2, b2, X, y)
    assert final > 0.85, final

    print("training with a parameter dict (the gradient is a dict too)")
    params = {"W1": rng.normal(size=(2, hidden)) * 0.5, "b1": np.zeros(hidden),
              "W2": rng.normal(size=hidden) * 0.5, "b2": 0.0}
    grad_dict = tl.grad(loss_dict)
    for step in range(301):
        g = grad_dict(params, X, y)
        params = {k: params[k] - lr * g[k] for k in params}
        if step % 100 == 0:
            print(f"  step {step:3d}  loss {loss_dict(params, X, y):.4f}  gradient keys {sorted(g)}")
    # the dict gradient, entry by entry, against a central difference
    g = grad_dict(params, X, y)
    eps = 1e-6
    bumped = dict(params, W2=params["W2"] + eps * np.eye(hidden)[3])
    lowered = dict(params, W2=params["W2"] - eps * np.eye(hidden)[3])
    fd = (loss_dict(bumped, X, y) - loss_dict(lowered, X, y)) / (2 * eps)
    print(f"d loss / d W2[3]: generated {g['W2'][3]:.8f}, central difference {fd:.8f}")
    assert abs(g["W2"][3] - fd) < 1e-6


if __name__ == "__main__":
    main()
