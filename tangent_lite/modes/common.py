"""What both derivative modes return: the :class:`Derivative` (neither mode imports the other;
code generation imports it from here)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, List

from ..frontend.anf import Wengert


@dataclass
class Derivative:
    """Generated functions of one mode, plus what codegen needs to print them."""

    functions: List[Any]  # gast.FunctionDef, the main one first
    w: Wengert
    mode: str
    wrt: List[str]
    uses_tl: bool = True
