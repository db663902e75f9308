"""Found by tests/test_fuzz.py (against the aliasing check being added to analysis.py).

analysis.aliasing_errors is flow-insensitive: a write ``z[0] = ...`` is refused because
*some* other variable shares ``z``'s array, even when the sharing starts after the last
write (``w = z`` below, or the temporary of ``z if c else y``), where nothing can be
observed through the alias.  The second message also names the generated temporary
('_t3') instead of the user's expression.
"""

import numpy as np

import tangent_lite as tl


def alias_after_last_write(y):
    z = np.zeros(3)
    z[0] = y[0]
    w = z
    return np.sum(w * y)


def conditional_alias_after_write(y):
    z = np.zeros(3)
    z[0] = y[0]
    return (z if y[1] > 5.0 else y) * 2.0


Y = np.array([0.5, 0.25, 2.0])


def test_alias_after_the_last_write_is_fine():
    tl.check_grads(alias_after_last_write, (Y,))


def test_conditional_expression_alias_after_the_write_is_fine():
    tl.check_grads(conditional_alias_after_write, (Y,))
