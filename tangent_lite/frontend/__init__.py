"""Front end: from the user's function to its Wengert / SSA form.

``fence`` refuses what is not supported (all problems at once, at the user's lines);
``jumps`` turns ``break``/``continue``/early ``return`` into structured flags;
``sequences`` marks ``L + M`` / ``L * n`` on lists the function builds;
``guards`` records what every resolved name meant (checked before generated code is reused);
``anf.lower`` runs them and the lowering itself (``lowering/``: name resolution,
expressions, statements, assignments, loops, inlining of nested functions and lambdas).
Nothing here imports a later stage of the pipeline.
"""
