"""Back ends: deterministic module text (``codegen``), the disk and memory cache
(``cache``), standalone files for adgen (``standalone``) and the Numba back end."""
