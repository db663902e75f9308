"""Everything that knows gast and astor: reading, parsing, printing, building nodes.

Other passes use the node classes re-exported here (``syntax.gast``) and the names below;
if gast or astor change under us, this package is the one place to fix.  Its modules:

- :mod:`.reading`: a user function's source, parsed to a gast ``FunctionDef`` (:func:`load_function`);
- :mod:`.freshness`: whether the text in the file is the code that runs;
- :mod:`.build`: parsing text, converting ``ast`` trees, node builders, comment lines;
- :mod:`.nodes`: walking, measuring and copying trees;
- :mod:`.printing`: :func:`to_source` and :func:`roundtrip_problem`, built from
  :mod:`.printer` (the direct printer), :mod:`.astor_printer` (astor, for what it leaves),
  :mod:`.precedence` (the levels both share) and :mod:`.roundtrip` (the printed-text check);
- :mod:`.annotations`, :mod:`.naming`: annotations on nodes, fresh names.

    >>> to_source(parse_expr("a + b"))
    'a + b'
"""

from __future__ import annotations

# the package's surface: names the rest of tangent_lite uses as ``S.<name>`` or imports from here
# ruff: noqa: F401
import gast

from .astor_printer import astor_source
from .build import (
    COMMENT_PREFIX,
    assign,
    ast_to_gast,
    attribute,
    call,
    comment_line,
    const,
    function_def,
    is_comment,
    name,
    parse_expr,
    parse_module,
    parse_stmts,
    tuple_,
)
from .nodes import (
    _CONTEXT_TYPES,
    _LEAF_TYPES,
    blocks,
    deepcopy,
    dotted_name,
    inner_blocks,
    loaded_names,
    recursion_room,
    shift_lines,
    statements,
    stored_names,
    tree_depth,
    walk,
    whole_index,
)
from .printing import roundtrip_problem, to_source
from .reading import FunctionSource, clear_source_memo, load_function, source_lines

__all__ = ["gast", "FunctionSource", "load_function", "to_source", "parse_expr", "parse_stmts"]
