"""More NumPy rules: shape ops, selection, cumulative ops, linear algebra, ..."""

# ruff: noqa: F821
import numpy as np  # noqa: F401

from .. import runtime as _tl  # noqa: F401
from .registry import defjvp, defvjp, nondifferentiable  # noqa: F401
