"""SciPy for the rules of ``rules/scipy_special.py`` (``_tl.special`` is ``scipy.special``, or
None without SciPy: those rules are then not registered)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .blocks import axes_of, expand_reduced
from .markers import user_error


def _scipy_special() -> Any:
    try:
        from scipy import special as module
    except ImportError:  # pragma: no cover - SciPy is optional
        return None
    return module


# a plain assignment, so that adgen's standalone files (runtime/sources.py) carry it too
special = _scipy_special()


def logsumexp_weights(ans: Any, a: Any, axis: Any = None, b: Any = None, keepdims: Any = False,
                      return_sign: Any = False) -> Any:
    """d logsumexp(a) / d a = exp(a - logsumexp(a)), shaped like ``a``."""
    if b is not None or return_sign:
        raise user_error("UnsupportedConstructError",
                         "derivatives of a call of scipy.special.logsumexp with b= or return_sign=True are not "
                         "supported by its rule",
                         "differentiate scipy.special.logsumexp itself (tl.grad(scipy.special.logsumexp)(a, b=b), "
                         "through SciPy's source), or write log(sum(b * exp(a))) with NumPy")
    axes = axes_of(axis, np.ndim(a))
    return np.exp(a - expand_reduced(ans, np.shape(a), axes, keepdims))
