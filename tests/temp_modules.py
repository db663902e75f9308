"""Import a module written on the fly (tests about source files and their edits)."""

from __future__ import annotations

import importlib.util
import itertools
import os
import sys
import textwrap
from typing import Any

_IDS = itertools.count()


def temp_module(tmp_path: Any, text: str, stem: str = "tmp_mod") -> Any:
    """Write ``text`` to a uniquely named module in ``tmp_path`` and import it."""
    name = f"{stem}_{os.getpid()}_{next(_IDS)}"
    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    spec = importlib.util.spec_from_file_location(name, str(path))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
