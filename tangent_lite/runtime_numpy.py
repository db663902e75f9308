"""Runtime helpers for the NumPy rule tables (shape ops, linear algebra, ...).

Part of the ``_tl`` namespace: :mod:`tangent_lite.runtime` re-exports everything here,
and ``adgen`` inlines these helpers like the others.  Use only ``np`` and helpers
defined in this module or in ``runtime``.
"""

from __future__ import annotations

from typing import Any  # noqa: F401

import numpy as np  # noqa: F401

__all__: list = []  # names of the helpers defined here (extend as you add them)
