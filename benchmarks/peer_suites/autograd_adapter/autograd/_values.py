"""Vector-space helpers over the values autograd's tests differentiate: floats, complex
numbers, arrays and lists / tuples / dicts of them (written for this adapter)."""

import numpy as np


def _map(fn, *xs):
    x = xs[0]
    if isinstance(x, dict):
        return {k: _map(fn, *(y[k] for y in xs)) for k in x}
    if isinstance(x, (list, tuple)):
        return type(x)(_map(fn, *ys) for ys in zip(*xs))
    return fn(*xs)


def _leaves(x):
    if isinstance(x, dict):
        return [leaf for k in x for leaf in _leaves(x[k])]
    if isinstance(x, (list, tuple)):
        return [leaf for y in x for leaf in _leaves(y)]
    return [x]


def is_complex(x):
    return any(np.iscomplexobj(leaf) for leaf in _leaves(x))


def _randn_leaf(x):
    r = np.random.randn(*np.shape(x))
    if np.iscomplexobj(x):
        r = r + 1j * np.random.randn(*np.shape(x))
    return r


def randn_like(x):
    return _map(lambda leaf: _scalar_like(leaf, _randn_leaf(leaf)), x)


def _scalar_like(leaf, value):
    if np.ndim(leaf) == 0 and not isinstance(leaf, np.ndarray):
        return complex(value) if np.iscomplexobj(leaf) else float(np.real(value))
    return np.asarray(value)


def zeros_like(x):
    return _map(lambda leaf: _scalar_like(leaf, np.zeros(np.shape(leaf), dtype=np.result_type(leaf, float))), x)


def ones_like(x):
    return _map(lambda leaf: _scalar_like(leaf, np.ones(np.shape(leaf), dtype=np.result_type(leaf, float))), x)


def add(x, y):
    return _map(lambda a, b: a + b, x, y)


def scale(x, c):
    return _map(lambda a: a * c, x)


def covector(x):
    return _map(np.conj, x)


def inner(x, y):
    """Re <x, y> = Re sum(conj(x) * y), over every leaf."""
    return float(sum(np.real(np.sum(np.conj(np.asarray(a)) * np.asarray(b))) for a, b in zip(_leaves(x), _leaves(y))))


def size(x):
    return int(sum(np.size(leaf) for leaf in _leaves(x)))


def shape_signature(x):
    """What must agree between a value and its derivative: structure, shapes, complexness."""
    return _map(lambda leaf: (np.shape(leaf), bool(np.iscomplexobj(leaf))), x)
