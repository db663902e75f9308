"""The optimiser's pass manager: the one list of the clean-up passes on generated functions
(:data:`PASSES`, in the order they run), the driver that runs them to a fixpoint
(:func:`optimize`), and the finishing passes that run once after it (:func:`finish`).

Each pass says whether it changed anything.  What a pass needs (``Pass.needs``), beyond the
function and ``protected`` (everything the user's code assigns):

    counts     how often each name is assigned and read (:func:`.index.name_counts`), shared
               by the passes while none changes the function
    names      the :class:`.index.StmtNames` of the function, shared likewise
    dirty      it reports the statements it changes in place (``Pass.tells``), so that the
               shared ``names`` are rebuilt from the others'
    facts      the :class:`..analysis.shapes.Facts` vjp attached (``marks.FACTS``); without
               them the pass does not run
    KEEP_POPS, DROP_PURE   a mark on the FunctionDef (:mod:`.marks`) that turns it off / on

Without the shared ``counts`` and ``names`` (a :class:`Context` that has none) every pass
counts for itself.  Only names the derivative passes introduced are ever removed or renamed,
and a ``.pop()`` is never removed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Dict, Optional, Set, Tuple

from .algebra import fold_negations
from .contract import contract_summed_products
from .copies import propagate_copies
from .dead import remove_dead
from .fold import fold_constants
from .hoist import drop_round_trips, hoist_loop_invariants, iterate_tape
from .index import Counts, StmtNames
from .inplace import own_what_is_updated
from .marks import DROP_PURE, FACTS, KEEP_POPS, RELEASE
from .release import release_dead
from .saves import drop_unread_saves
from .seeds import fuse_sum_seeds
from .tuples import forward_tuples
from .uniform import keep_uniform_seeds
from .unused_forward import drop_unused_forward


@dataclass
class Context:
    """What the passes run on: the function, the names they must keep, the facts vjp attached
    (``marks.FACTS``, or None), and what :func:`optimize` lets them share: ``names`` and
    ``counts`` give the function's :class:`StmtNames` and name counts as they are now,
    ``dirty`` collects the ids of the statements a pass changed in place.  None: each pass
    walks the function for itself."""

    fdef: Any
    protected: Set[str]
    facts: Any = None
    names: Optional[Callable[[], StmtNames]] = None
    counts: Optional[Callable[[], Counts]] = None
    dirty: Optional[Set[int]] = None

    def index(self) -> Optional[StmtNames]:
        return self.names() if self.names is not None else None

    def counted(self) -> Optional[Counts]:
        return self.counts() if self.counts is not None else None

    def store_counts(self) -> Optional[Callable[[], Dict[str, int]]]:
        """Gives how often each name is assigned, if the counts are shared."""
        counts = self.counts
        return (lambda: counts()[0]) if counts is not None else None


@dataclass(frozen=True)
class Pass:
    """One pass of :data:`PASSES`: ``run`` it on a :class:`Context` (true: it changed the
    function); ``needs``: what it uses (see the module); ``tells``: does it report every
    statement it changes in place into ``Context.dirty`` (the passes that only remove, add
    or move statements change none)?  A change by a pass that does not tell means building
    the shared names anew."""

    name: str
    needs: Tuple[str, ...]
    tells: bool
    run: Callable[[Context], bool]


PASSES: Tuple[Pass, ...] = (
    # fold.py: x ** (2 - 1) -> x, g * 1.0 -> g, 0.0 + c -> c in the derivative statements
    Pass("fold_constants", ("names", "dirty"), True,
         lambda c: fold_constants(c.fdef, c.protected, c.index(), c.dirty)),
    # uniform.py: a sum's adjoint stays the scalar it spreads
    Pass("keep_uniform_seeds", ("facts", "names"), False,
         lambda c: c.facts is not None and keep_uniform_seeds(c.fdef, c.protected, c.facts, c.names)),
    # copies.py: _t6_bar = s_bar; s_bar = f(_t6_bar) -> s_bar = f(s_bar)
    Pass("propagate_copies", ("counts", "names", "dirty"), True,
         lambda c: propagate_copies(c.fdef, c.protected, c.counted(), c.index(), c.dirty)),
    # tuples.py: _t20_bar = a_bar, b_bar; f(_t20_bar[0]) -> f(a_bar)
    Pass("forward_tuples", ("counts",), False,
         lambda c: forward_tuples(c.fdef, c.protected, c.counted())),
    # seeds.py: _t8_bar = _tl.sum_bar(g, _t8, None, False); 2.0 * h * _t8_bar -> h * (2.0 * g)
    Pass("fuse_sum_seeds", ("counts", "names", "dirty"), True,
         lambda c: fuse_sum_seeds(c.fdef, c.protected, c.counted(), c.index(), c.dirty)),
    # saves.py: _tape.append(_t8) ... _t8 = _tape.pop() with _t8 no longer read -> neither
    Pass("drop_unread_saves", (), True,
         lambda c: drop_unread_saves(c.fdef)),
    # hoist.py: a one-loop tape is walked backwards instead of popped (not for numba: KEEP_POPS)
    Pass("iterate_tape", ("KEEP_POPS",), False,
         lambda c: not getattr(c.fdef, KEEP_POPS, False) and iterate_tape(c.fdef)),
    # algebra.py: -(c * 2 * x) -> c * -2 * x, no pass for the negation
    Pass("fold_negations", ("counts",), False,
         lambda c: fold_negations(c.fdef, c.protected, c.counted())),
    # contract.py: a product only summed is contracted, never built
    Pass("contract_summed_products", ("facts",), False,
         lambda c: c.facts is not None and contract_summed_products(c.fdef, c.protected, c.facts.tl)),
    # hoist.py: in loops, copies that come back go
    Pass("drop_round_trips", (), True,
         lambda c: drop_round_trips(c.fdef, c.protected)),
    # hoist.py: invariant derivative arithmetic moves before the loop
    Pass("hoist_loop_invariants", ("counts",), True,
         lambda c: hoist_loop_invariants(c.fdef, c.protected, c.store_counts())),
    # dead.py: derivative variables that nothing reads are not computed
    Pass("remove_dead", ("counts",), True,
         lambda c: remove_dead(c.fdef, c.protected, c.counted())),
    # unused_forward.py: (tl.grad, value not returned: DROP_PURE) the forward statements only the value needed
    Pass("drop_unused_forward", ("DROP_PURE",), True,
         lambda c: getattr(c.fdef, DROP_PURE, False) and drop_unused_forward(c.fdef)),
)


def optimize(fdef: Any, protected: Set[str]) -> Any:
    """Run the passes to a fixpoint (bounded)."""
    counts: Optional[Counts] = None  # name_counts(fdef) while no pass has changed fdef since
    names: Optional[StmtNames] = None  # likewise, the names of its statements
    earlier: Optional[StmtNames] = None  # the last names built, while the passes say what they change
    dirty: Set[int] = set()  # the statements changed in place since ``earlier`` was built

    def indexed() -> StmtNames:
        nonlocal names, earlier
        if names is None:
            names = earlier = StmtNames(fdef, earlier, dirty)
            dirty.clear()
        return names

    def counted() -> Counts:
        nonlocal counts
        if counts is None:
            counts = indexed().counts(fdef)
        return counts

    context = Context(fdef, protected, getattr(fdef, FACTS, None), indexed, counted, dirty)
    # Rounds of every pass in order, at most 10.  Stop as soon as the last len(PASSES) runs
    # changed nothing: fdef is then a fixpoint of every pass, and the rest of the round and
    # a full confirming round (which is where a round-based loop would stop) change nothing.
    quiet = 0  # runs in a row that changed nothing
    for p in PASSES * 10:
        if p.run(context):
            quiet = 0
            counts = names = None
            if not p.tells:  # the others' changes mean building ``names`` anew
                earlier = None
                dirty.clear()
        else:
            quiet += 1
            if quiet == len(PASSES):
                break
    return finish(fdef, names)


def finish(fdef: Any, names: Optional[StmtNames] = None) -> Any:
    """What runs once after the passes' fixpoint: in-place updates only of arrays made here
    (:func:`own_what_is_updated`, inplace.py), then dead arrays released (:func:`release_dead`,
    release.py)."""
    if own_what_is_updated(fdef):
        names = None
    release_dead(fdef, getattr(fdef, RELEASE, set()), names)
    return fdef
