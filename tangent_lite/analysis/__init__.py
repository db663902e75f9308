"""Analyses of the Wengert form (they read it, never change it).

``statements`` (what a statement does), ``callees`` (binding call sites to rules and user
functions), ``activity`` (varied and useful variables), ``mutations`` (in-place changes
derivatives cannot follow), ``differentiable`` (missing rules, refusals), ``aliases`` (views
and shared memory), ``shapes`` (ranks and shape classes).
"""
