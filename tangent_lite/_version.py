"""Version, and a fingerprint of the compiler's own code (part of every cache key)."""

import functools
import hashlib
import os

__version__ = "0.1.0"


@functools.cache
def code_fingerprint() -> str:
    """Hash of tangent_lite's source files: a changed compiler never reuses old output."""
    h = hashlib.sha256(__version__.encode())
    root = os.path.dirname(os.path.abspath(__file__))
    for folder, dirs, files in sorted(os.walk(root)):
        dirs[:] = sorted(d for d in dirs if not d.startswith(("__", ".")))
        for name in sorted(files):
            if name.endswith(".py"):
                with open(os.path.join(folder, name), "rb") as f:
                    h.update(name.encode())
                    h.update(f.read())
    return h.hexdigest()[:16]
