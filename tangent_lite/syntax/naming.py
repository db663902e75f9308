"""Deterministic naming of everything the compiler invents.

    >>> n = Namer({"x", "x_dot"})
    >>> n.tangent("x"), n.adjoint("x"), n.temp(), n.temp(), n.version("h"), n.version("h")
    ('x_dot_1', 'x_bar', '_t0', '_t1', 'h_1', 'h_2')

Collisions with names already taken are resolved by a numeric suffix, never by
randomness, so the same input always gives the same names.
"""

from __future__ import annotations

from typing import Dict, Iterable, Optional, Set


class Namer:
    """Hands out fresh names that never collide with ``taken`` or each other."""

    def __init__(self, taken: Iterable[str] = ()):
        self.taken: Set[str] = set(taken)
        self._counters: Dict[str, int] = {}
        self._tangents: Dict[str, str] = {}
        self._adjoints: Dict[str, str] = {}
        self.flags: Dict[str, str] = {}  # the flags frontend.jumps made, and what sets them: 'return', ...

    def copy(self) -> Namer:
        """An independent copy (what ``copy.deepcopy`` gives, made faster: names are strings)."""
        new = Namer.__new__(Namer)
        new.taken, new._counters = set(self.taken), dict(self._counters)
        new._tangents, new._adjoints = dict(self._tangents), dict(self._adjoints)
        new.flags = dict(self.flags)
        return new

    def reserve(self, name: str) -> None:
        self.taken.add(name)

    def fresh(self, base: str, start: Optional[int] = None) -> str:
        """``base`` itself if free (and ``start`` is None), else ``base_<n>``."""
        if start is None and base not in self.taken:
            self.taken.add(base)
            return base
        i = self._counters.get(base, 1 if start is None else start)
        while f"{base}_{i}" in self.taken:
            i += 1
        self._counters[base] = i + 1
        result = f"{base}_{i}"
        self.taken.add(result)
        return result

    def flag(self, base: str, kind: str) -> str:
        """A fresh name for a flag standing for a jump of ``kind`` ('return', 'return value',
        'break', 'continue'), remembered in :attr:`flags`."""
        name = self.fresh(base)
        self.flags[name] = kind
        return name

    def temp(self, prefix: str = "_t") -> str:
        i = self._counters.get(prefix, 0)
        while f"{prefix}{i}" in self.taken:
            i += 1
        self._counters[prefix] = i + 1
        self.taken.add(f"{prefix}{i}")
        return f"{prefix}{i}"

    def version(self, user_name: str) -> str:
        """The next SSA version of a user variable: h -> h_1 -> h_2."""
        return self.fresh(user_name, start=1)

    def tangent(self, var: str) -> str:
        if var not in self._tangents:
            self._tangents[var] = self.fresh(var + "_dot")
        return self._tangents[var]

    def adjoint(self, var: str) -> str:
        if var not in self._adjoints:
            self._adjoints[var] = self.fresh(var + "_bar")
        return self._adjoints[var]

