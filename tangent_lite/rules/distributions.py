"""What the compiler knows of ``scipy.stats`` distribution objects, without importing SciPy.

A distribution's methods (``st.laplace.logpdf``) are primitives: differentiated by their rules
(``rules/scipy_stats.py``) or refused by name, never followed into SciPy's code.  A frozen distribution
(``st.norm(loc=m, scale=s)``) is its distribution's methods with the arguments it holds appended:
``d.logpdf(x)`` is ``st.norm.logpdf(x, loc=m, scale=s)``.
"""

from __future__ import annotations

import inspect
from typing import Any, Dict, List

from .registry import REGISTRY, is_distribution

# the methods of one point whose rules the table has (a frozen distribution's call takes x only)
POINT_METHODS = ("logpdf", "pdf", "cdf", "sf", "logcdf", "logsf", "logpmf", "pmf")


def is_frozen(obj: Any) -> bool:
    """A frozen distribution: ``st.norm(0.0, 2.0)`` (its ``dist``, ``args`` and ``kwds``)."""
    return is_distribution(obj) and all(hasattr(obj, a) for a in ("dist", "args", "kwds"))


def is_distribution_method(fn: Any) -> bool:
    return inspect.ismethod(fn) and is_distribution(fn.__self__)


def name_of(dist: Any) -> str:
    """``norm`` for ``st.norm`` (SciPy's name of the distribution)."""
    name = getattr(dist, "name", None) or type(dist).__name__
    return str(name).replace("_gen", "").replace("_frozen", "")


def rule_parameters(method: Any) -> List[str]:
    """The parameters a rule for ``method`` (a distribution's method) takes, as SciPy's own calls
    bind them: ``x, c, loc=0.0, scale=1.0`` for ``st.weibull_min.logpdf``, ``k, n, p, loc=0`` for
    ``st.binom.pmf``."""
    dist = method.__self__
    shapes = [s.strip() for s in (getattr(dist, "shapes", None) or "").split(",") if s.strip()]
    if hasattr(dist, "pmf"):
        return ["k", *shapes, "loc=0"]
    if hasattr(dist, "_pdf"):  # (continuous: rv_continuous)
        return ["x", *shapes, "loc=0.0", "scale=1.0"]
    return []  # (multivariate: the method's own signature)


def with_rules() -> str:
    """``norm (cdf, logpdf, ...), t (...)``: the distributions and methods the table has rules for."""
    methods: Dict[str, List[str]] = {}
    for prim in REGISTRY:
        parts = prim.name.split(".")
        if prim.name.startswith("scipy.stats.") and len(parts) == 4 and (prim.jvps or prim.vjps):
            methods.setdefault(parts[2], []).append(parts[3])
    return "; ".join(f"{dist} ({', '.join(sorted(ms))})" for dist, ms in sorted(methods.items()))
