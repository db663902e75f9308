"""The words of the alias model's refusals (:mod:`aliases`): how the user spelled a variable of
the Wengert form, and how to copy it."""

from __future__ import annotations

import re
from typing import Any, Dict, Optional, Set

from ..frontend.sequences import dict_vars
from ..syntax.annotations import Key, get_anno


def _held_twice(w: Any, stmt: Any, container: str) -> Any:
    """The refusal of ``L[i] op= v`` when another entry of ``L`` holds the same array."""
    from ..errors import UnsupportedConstructError

    line = w.src.location(stmt).text or ""
    op = (get_anno(stmt, Key.IN_PLACE) or (None, "op"))[1]
    shown = _spelled(container, line, w) or "the container"
    target = line.split(f"{op}=", 1)[0].strip() if f"{op}=" in line else f"{shown}[...]"
    return UnsupportedConstructError(
        f"'{target} {op}= ...' changes what an entry of '{shown}' holds in place, but another entry of "
        f"'{shown}' holds the same array, list or dict (or a view of it), as in [a, a]: derivatives would not "
        "follow the change into the other entry", w.src.location(stmt),
        f"make the entries separate arrays (e.g. [a, a.copy()]), or write '{target} = {target} {op} ...', "
        "which makes a new array for that entry only")


def _copy_hint(shown: Optional[str], base: str, ranks: Optional[Dict[str, Any]], w: Any, lists: Set[str]) -> str:
    """How to copy ``base`` (written ``shown``; ``lists``: the variables that may hold lists,
    tuples or dicts): an array's, a dict's or a list's copy."""
    if shown is None:
        return "with .copy() (of an array, a list or a dict)"
    if base in dict_vars(w.fdef.body):  # (list(d) would be its keys)
        return f"e.g. '{shown} = {shown}.copy()' or 'dict({shown})'"
    if base in lists and not isinstance((ranks or {}).get(base), int):
        return f"e.g. '{shown} = {shown}.copy()' or 'list({shown})'"
    return f"e.g. '{shown} = {shown}.copy()'"


def _spelled(name: str, line: str, w: Any) -> Optional[str]:
    """How the user wrote variable ``name`` of the Wengert form (without an SSA suffix; a name
    of an inlined function as '<name>' in '<function>'), or None for a temporary of the lowering."""
    shown = getattr(w, "display_names", {}).get(name)
    if shown is not None:
        return shown
    for candidate in (name, re.sub(r"_\d+$", "", name)):
        if re.search(rf"(?<![\w.]){re.escape(candidate)}(?!\w)", line):
            return candidate
    if name.startswith("_"):
        return None
    # not on this line: the name the function's source uses (x, not its SSA version x_1)
    text = getattr(getattr(w, "src", None), "text", "")
    for candidate in (name, re.sub(r"_\d+$", "", name)):
        if re.search(rf"(?<![\w.]){re.escape(candidate)}(?!\w)", text):
            return candidate
    return name
