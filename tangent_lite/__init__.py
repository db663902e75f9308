"""tangent_lite: source-to-source automatic differentiation for Python and NumPy.

    import tangent_lite as tl

    @tl.differentiate
    def loss(W, x):
        return np.sum(np.tanh(W @ x) ** 2)

    loss.grad(W, x)            # d loss / d W, by generated Python code
    print(loss.source("vjp"))  # ... which you can read
"""

from . import rules  # noqa: F401  (registers the built-in rules)
from ._version import __version__
from .api import generate, jvp, source, vjp, wengert
from .backends.cache import set_cache_enabled
from .backends.upkeep import CacheInfo
from .backends.upkeep import clear as clear_cache
from .backends.upkeep import info as cache_info
from .config import config
from .decorator import Differentiable, differentiate
from .errors import (
    ArgumentError,
    NonScalarOutputError,
    NoRuleError,
    SourceUnavailableError,
    TangentLiteError,
    UnsupportedConstructError,
)
from .gradients import grad, value_and_grad
from .higher import derivatives, gradient_function, hessian, hvp, jacobian, tangent_function
from .inspect.memory import memory_report
from .inspect.testing import check_grads
from .rules.registry import REGISTRY, defjvp, defvjp, nondifferentiable
from .runtime.checkpoint import checkpointed
from .runtime.markers import grad_hook, stop_gradient
from .selfcheck import SelfCheckError

__all__ = [
    "__version__", "differentiate", "Differentiable", "grad", "value_and_grad", "vjp", "jvp",
    "source", "wengert", "generate", "defjvp", "defvjp", "nondifferentiable", "stop_gradient", "grad_hook",
    "checkpointed", "REGISTRY",
    "set_cache_enabled", "cache_info", "clear_cache", "CacheInfo",
    "config", "check_grads", "hvp", "hessian", "jacobian", "derivatives",
    "gradient_function", "tangent_function", "memory_report", "TangentLiteError", "ArgumentError", "NoRuleError",
    "NonScalarOutputError", "SelfCheckError",
    "SourceUnavailableError", "UnsupportedConstructError",
]

from .inspect.explain import explain  # noqa: E402  (seeing derivatives: docs/seeing-derivatives.md)
from .inspect.graph import graph  # noqa: E402
from .inspect.trace import trace  # noqa: E402

__all__ += ["trace", "graph", "explain"]
