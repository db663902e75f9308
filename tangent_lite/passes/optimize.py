"""The optimiser by the names the rest of tangent_lite and the tests use (``passes.optimize``):
the driver (:func:`optimize`, :func:`finish`) from :mod:`.manager`, which holds the pass list,
each pass from its own module, the marks vjp sets (:mod:`.marks`) and :func:`simplified`.
Nothing is defined here."""

from __future__ import annotations

from .algebra import fold_negations
from .arith import simplified
from .contract import contract_summed_products
from .copies import propagate_copies
from .dead import remove_dead
from .fold import fold_constants
from .hoist import drop_round_trips, hoist_loop_invariants, iterate_tape
from .index import Counts, StmtNames, name_counts
from .inplace import own_what_is_updated
from .manager import PASSES, finish, optimize
from .marks import DROP_PURE, FACTS, KEEP_POPS, RELEASE
from .release import release_dead
from .saves import drop_unread_saves
from .seeds import fuse_sum_seeds
from .tuples import forward_tuples
from .uniform import keep_uniform_seeds
from .unused_forward import drop_unused_forward

__all__ = [
    "optimize", "finish", "PASSES",
    "fold_constants", "keep_uniform_seeds", "propagate_copies", "forward_tuples", "fuse_sum_seeds",
    "drop_unread_saves", "iterate_tape", "fold_negations", "contract_summed_products", "drop_round_trips",
    "hoist_loop_invariants", "remove_dead", "drop_unused_forward", "own_what_is_updated", "release_dead",
    "StmtNames", "Counts", "name_counts", "simplified", "DROP_PURE", "KEEP_POPS", "FACTS", "RELEASE",
]
