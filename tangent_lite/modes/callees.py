"""How both modes reach the generated derivatives of user callees: the resolver, and the
ranks of a call's arguments that the callee's derivative is specialised to."""

from __future__ import annotations

from typing import Any, Callable, Dict, Optional, Sequence, Tuple

from ..analysis.shapes import _atom_rank
from ..analysis.statements import StmtInfo
from ..errors import TangentLiteError

# resolve(fn, mode, wrt, spelling) -> {"outputs": n, "jvp": name} or {"fwd": .., "bwd": .., "outputs": n}:
# the names under which the generated derivative of a user callee is reachable.
Resolver = Callable[..., Dict[str, Any]]


def _no_callees(fn: Any, mode: str, wrt: Tuple[str, ...], spelling: str, spec: Any = None,
                nonfinite: Sequence[str] = ()) -> Dict[str, Any]:
    raise TangentLiteError(f"calls to user functions need a resolver ('{spelling}')")


def _call_spec(info: StmtInfo, ranks: Optional[Dict[str, Any]]) -> Optional[Tuple[Any, ...]]:
    """The ranks of a user call's arguments (its callee is specialised to them)."""
    if ranks is None:
        return None
    return tuple(_atom_rank(a, ranks) for a in info.bound.values())
