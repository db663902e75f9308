"""Derivative rule tables. Importing this package registers every built-in rule."""

from .. import runtime
from . import (  # noqa: F401  (registration)
    array_api,
    array_api_extra,
    complex,
    containers,
    fft,
    numpy,
    numpy_extra,
    numpy_missing,
    numpy_more,
    operators,
    pymath,
    runtime_rules,
    runtime_rules_more,
    singular,
)
from .registry import REGISTRY, Primitive, Registry, Rule, defjvp, defvjp, nondifferentiable

# SciPy's tables load only with SciPy (never a hard dependency)
if runtime.special is not None:
    from . import scipy_special  # noqa: F401  (registration)
if runtime.sla is not None:
    from . import scipy_linalg  # noqa: F401  (registration)
if runtime.scipy_module("stats") is not None:
    from . import scipy_stats  # noqa: F401  (registration)

# The runtime helpers' structural parameters (an axis, a shift, keepdims...) carry no derivative,
# whoever passes them: in derivative code differentiated again they may come from a parameter of
# the user's own helper (def logsumexp(z, axis=-1)), which makes them look active.
STRUCTURAL = ("axis", "axes", "keepdims", "shift", "shape", "ord", "ddof", "dtype", "mode", "side", "kind",
              "order", "subscripts", "optimize", "k", "start", "stop", "step", "reps", "repeats", "pad_width",
              "constant_values", "period", "left", "right", "xp", "n_out", "source", "destination", "axis1", "axis2")
for _prim in REGISTRY:
    if str(getattr(_prim.fn, "__module__", "")).startswith("tangent_lite.runtime"):
        _structural = [p for p in _prim.params if p in STRUCTURAL and _prim.params.index(p) not in _prim.jvps]
        if _structural:
            REGISTRY.constant_params(_prim.fn, *_structural)

__all__ = ["REGISTRY", "Primitive", "Registry", "Rule", "defjvp", "defvjp", "nondifferentiable"]
