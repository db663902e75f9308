"""Reverse mode's collaborators (:mod:`modes.vjp` drives them), sharing one
:class:`state.PassState`:

- :mod:`.state`: the pass state, loops' bookkeeping, a sweep's context;
- :mod:`.names`: what statements read, write and change in place (pure syntax queries);
- :mod:`.adjoints`: adjoint naming and accumulation; ownership of adjoint arrays;
- :mod:`.statements`: the adjoints of straight-line statements (the rule templates);
- :mod:`.control`: the scan of what is overwritten; the reverse sweep of branches and loops;
- :mod:`.tape`: the forward sweep's pushes, the reverse sweep's restores (to-be-recorded);
- :mod:`.calls`: user callees (fwd/bwd pairs) and checkpointed loops;
- :mod:`.invariants`: loop-invariant scalar arithmetic hoisted before the pass.
"""
