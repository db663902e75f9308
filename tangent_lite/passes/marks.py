"""The attributes :mod:`..modes.vjp` (and :mod:`..api`) set on a generated FunctionDef to tell
the passes about it."""

DROP_PURE = "_tl_drop_pure"  # attribute of a generated FunctionDef: its value is not returned (drop_unused_forward)
KEEP_POPS = "_tl_keep_pops"  # attribute of a generated FunctionDef: no iterate_tape (numba_backend pops tapes)
FACTS = "_tl_facts"  # attribute of a generated FunctionDef: uniform.Facts of its names
RELEASE = "_tl_release"  # attribute of a generated FunctionDef: the array variables release_dead may free
