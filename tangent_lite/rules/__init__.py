"""Derivative rule tables. Importing this package registers every built-in rule."""

from . import containers, numpy, numpy_more, operators, pymath, runtime_rules, singular  # noqa: F401  (registration)
from .registry import REGISTRY, Primitive, Registry, Rule, defjvp, defvjp, nondifferentiable

__all__ = ["REGISTRY", "Primitive", "Registry", "Rule", "defjvp", "defvjp", "nondifferentiable"]
