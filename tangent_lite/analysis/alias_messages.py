"""The words of the alias model's refusals (:mod:`aliases`): how the user spelled a variable of
the Wengert form, and how to copy it."""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Set

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


def _shared_write_fix(shown: Optional[str], base: str, ranks: Optional[Dict[str, Any]], w: Any, lists: Set[str],
                      op: str, itself: bool, named: List[str]) -> str:
    """The fix for a write into ``base`` (written ``shown``; None when not a plain spelling) that
    shares its array with ``named`` read afterwards."""
    if shown is not None and not itself and not shown.isidentifier():  # B.T[0] = v: meant to change B
        return _write_through_hint(shown)
    fix = f"make a copy first, {_copy_hint(shown, base, ranks, w, lists)}"
    if itself and shown is not None:
        fix += f", or write '{shown} = {shown} {op} ...' to make a new array"
    elif shown is not None and named:  # (the copy is changed, not what it was taken from)
        fix += f" ('{named[0]}' then does not see the write: to change '{named[0]}', write into it directly)"
    return fix


def _write_through_hint(shown: str) -> str:
    """The fix for a write through a view written as an expression (``B.T[0] = v``), meant to change
    the array it is a view of: write into that array itself, or change a copy and put it back."""
    base = shown[:-2] if shown.endswith(".T") and shown[:-2].isidentifier() else None
    if base is not None:
        return (f"write into '{base}' itself, with the transposed index (for '{shown}[i] = v': '{base}[:, i] = v'), "
                f"or change a copy and put it back: '{base}t = {shown}.copy(); {base}t[i] = v; {base} = {base}t.T'")
    return (f"write into the array '{shown}' is a view of, with the index that reaches the same entries, or change "
            f"a copy of '{shown}' and assign it back to that array (a copy alone does not change it)")
