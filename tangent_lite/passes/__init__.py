"""Optimisation passes over generated derivative code (dead code, copy propagation,
folding, common subexpressions, loop-invariant hoisting, rematerialisation, ...)."""
