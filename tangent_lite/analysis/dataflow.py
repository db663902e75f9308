"""Facts about Wengert statements, and the dataflow analyses over them.

:func:`describe` classifies one statement (what primitive, which inputs carry
derivatives); :func:`activity` finds the *active* variables: those that depend on
a ``wrt`` input (varied) and influence the output (useful).  Both derivative
passes generate code only for active variables::

    def f(x, n):          wrt = {x}: active = {x, _t0, _t1}
        _t0 = x * n       (n is an integer: not varied; _t2 = len(...) is not useful)
        _t1 = np.sin(_t0)
        return _t1

Variables are tracked by name, flow-insensitively, so loops need no special
handling: iterate to a fixpoint.

The analyses live in modules of their own; this module gathers their names:
:mod:`.statements` (what a statement does), :mod:`.callees` (binding call sites),
:mod:`.activity` (varied and useful variables), :mod:`.mutations` (in-place changes
derivatives cannot follow), :mod:`.differentiable` (missing rules, refusals).
"""

from __future__ import annotations

from .activity import activity, activity_and_varied, varied_vars
from .callees import bind, bind_user, is_user_function, user_function
from .differentiable import check_differentiable, rule_problems
from .mutations import _writes_to_parameters, mutation_errors
from .statements import (
    Described,
    StmtInfo,
    assignments,
    container_vars,
    describe,
    describe_once,
    index_value,
    is_local,
    is_pop,
    is_push,
    local_names,
    return_atoms,
)

__all__ = [
    "Described", "StmtInfo", "activity", "activity_and_varied", "assignments", "bind", "bind_user",
    "check_differentiable", "container_vars", "describe", "describe_once", "index_value", "is_local", "is_pop",
    "is_push", "is_user_function", "local_names", "mutation_errors", "return_atoms", "rule_problems",
    "user_function", "varied_vars",
    "_writes_to_parameters",  # (arguments.written_arguments)
]
