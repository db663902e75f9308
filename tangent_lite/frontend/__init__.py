"""Front end: read the user's function, refuse what is not supported (``fence``), turn
``break``/``continue``/early ``return`` into structured flags (``jumps``), resolve names and
record what they meant (``guards``), and lower to Wengert / SSA form (``anf``)."""
