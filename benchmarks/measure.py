"""Measurements the benchmark scripts share."""

from __future__ import annotations

import gc
import tracemalloc
from typing import Any, Callable


def traced_peak(fn: Callable[[], Any]) -> int:
    """Peak bytes allocated (tracemalloc) during one call, above what was live before it."""
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        fn()
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
