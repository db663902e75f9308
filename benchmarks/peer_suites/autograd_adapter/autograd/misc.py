"""autograd.misc for the adapter."""

import numpy as np


def flatten(value):
    """(1-D array of every leaf of nested lists / tuples / dicts of arrays, unflatten)."""
    leaves = []

    def walk(v):
        if isinstance(v, dict):
            return ("dict", [(k, walk(v[k])) for k in sorted(v)])
        if isinstance(v, (list, tuple)):
            return (type(v), [walk(x) for x in v])
        leaves.append(np.ravel(v))
        return ("leaf", (np.shape(v), len(leaves) - 1, np.ndim(v) == 0 and not isinstance(v, np.ndarray)))

    spec = walk(value)
    sizes = [leaf.size for leaf in leaves]
    flat = np.concatenate(leaves) if leaves else np.zeros(0)
    offsets = np.cumsum([0] + sizes)

    def unflatten(vector):
        def build(node):
            kind, data = node
            if kind == "dict":
                return {k: build(child) for k, child in data}
            if kind == "leaf":
                shape, i, scalar = data
                part = vector[offsets[i]:offsets[i + 1]]
                return part[0] if scalar else np.reshape(part, shape)
            return kind(build(child) for child in data)
        return build(spec)

    return flat, unflatten


def const_graph(fun, *args, **kwargs):
    raise NotImplementedError("autograd.misc.const_graph (a cached trace) has no tangent_lite equivalent: "
                              "tangent_lite caches generated code per function already")
