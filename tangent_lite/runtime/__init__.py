"""The small API generated code calls as ``_tl`` (``import tangent_lite.runtime as _tl``).

Everything here is plain NumPy so that ``adgen`` can paste the helpers a module needs into
a standalone file (see :func:`~tangent_lite.runtime.sources.helper_sources`).  Each helper is a
top-level function that uses only ``np`` and other helpers.  This package only re-exports
them (a loop over ``sources.MODULES`` at the end): each module below has one job, imports the
modules it needs (never this package), and ``_tl.<name>`` reaches every helper whichever module defines it.

- ``library``: which library a value belongs to (NumPy first), and arrays made by that library
- ``broadcast``: ``unbroadcast`` and ``bcast`` (broadcasting undone, list lengths kept)
- ``values``: zeros, sums and returned gradients of any value, structures leafwise
- ``blocks``: small building blocks of the array helpers (axes, reduced shapes, ...)
- ``singular``: strong zeros at singular points (``strong_mul``, ``strong_div``, ``power``, ...)
- ``elementwise``: partials at kinks (``|x|``, ``log``, ``x ** y`` at 0, ``clip``) and max/min ties
- ``reductions``: sum, mean, max/min, prod, var/std, NaN-aware reductions, averages, norms
- ``along_axis``: sort, median, cumulative sums and products, diff, trapezoid
- ``products``: matmul, dot, tensordot, einsum, kron, cross, matrix powers, convolution, ...
- ``shapes``: transposes, joins and splits, tile, repeat, pad, diagonals, take, select, roll
- ``linalg``: ``np.linalg`` (solve, det, cholesky, eigh, svd, qr, pinv)
- ``containers``: lists and tuples built and taken apart (``np.array(obj)``, ``a + b``, ``sum``)
- ``indexing``: adjoints of ``x[index]`` and ``x.name``, in-place writes ``x[index] = v``
- ``tape``: values kept for the reverse sweep before in-place writes, and restored
- ``markers``: ``stop_gradient``, ``grad_hook`` and the checks generated code runs
- ``module_values``: what a file adgen wrote reads from the user's modules, and checks
- ``array_api_extra``: stand-ins of the helpers of array-API code (``atleast_nd``, ``xp_promote``)
- ``batched``: batched forward mode (``k`` tangents at once)
- ``generators``: what a function may read (walked): random generators and their states, arrays
- ``checkpoint``: binomial checkpointing of loops marked ``tl.checkpointed``
- ``sources``: :func:`helper_sources`, the helpers' source for ``adgen``

Conventions of the array helpers (see :mod:`tangent_lite.rules.numpy_more`): ``g`` is an
output cotangent, ``t`` an input tangent, ``ans`` the primal output.  Cotangents of
tuple/list outputs arrive as tuples/lists whose entries may be ``None`` (zero).  Matrix
helpers work on stacks of matrices (the last two axes).
"""

from __future__ import annotations

# the values (not functions) generated code and rules read as _tl.<name>
from .broadcast import _CONTRACT_MIN_SIZE, _LETTERS  # noqa: F401
from .scipy_funcs import special  # noqa: F401
from .scipy_linalg import sla  # noqa: F401
from .sources import MODULES, helper_sources  # noqa: F401
from .tape import NO_ITEM  # noqa: F401


def _defined_in(module) -> dict:
    """The functions and classes ``module`` defines itself (not what it imports)."""
    return {name: value for name, value in vars(module).items()
            if callable(value) and getattr(value, "__module__", None) == module.__name__}


for _module in MODULES:  # every helper, whichever module defines it, is _tl.<name>
    globals().update(_defined_in(_module))
del _module

__all__ = [
    "unbroadcast", "bcast", "zeros_like", "add", "add_into", "as_grad", "sum_bar",
    "mean_bar", "extremum_bar", "getitem_bar", "transpose_bar",
    "pow_exponent_bar", "matmul_bar_a", "matmul_bar_b", "dot_bar_a", "dot_bar_b",
    "prod_bar", "getattr_bar", "setitem", "setitem_bar", "zero_index", "zero_item",
    "number_only", "held_once",
    "real_only",
    "container_only",
    "scalar_only", "array_only", "array_method", "operand", "listed_operand", "not_a_dict", "no_swallow",
    "reraise_refusal",
    "verified_only", "hashable_only", "same_keys", "ModuleValues", "described",
    "saved", "add_item",
    "saved_item",
    "restore_item", "stop_gradient",
    "abs_grad",
    "balanced_eq", "array_tangent", "array_bar", "safe_ratio", "append", "builtin_sum_bar",
    "builtin_extremum_dot", "builtin_extremum_bar",
    "sequence_bar", "prod_pairs", "seq_concat", "seq_repeat", "concat_part", "seq_repeat_bar", "copied", "grad_hook",
    "copy_value", "dict_like", "merge_or", "merge_tangent", "merge_bar",
    "batch_size", "batch_lift", "batch_zeros", "batch_bcast", "batch_reduce", "batch_matmul", "batch_dot",
    "batch_outer",
    "batch_transpose", "batch_stack", "batch_builtin_sum", "batch_getitem", "batch_setitem",
    "checkpointed", "checkpoint_cost", "binomial_split", "CheckpointRecord", "checkpoint_forward",
    "checkpoint_reverse", "reachable", "held_values", "function_reads", "pasted_helper", "code_names", "cell_filled",
    "random_generators", "generator_state", "generator_states", "set_generator_states",
    # the array helpers of the NumPy rule tables (building blocks included)
    # building blocks
    "reduced_count", "nan_centred", "average_check", "average_dw", "cum_layout", "exclusive_products",
    "drop_initial", "diff_parts", "trapezoid_spacing", "pair_sum_adjoint", "einsum_ops", "matrix_powers",
    "diag_positions", "as_columns", "qr_factors", "pinv_check", "pad_check",
    "axes_of", "expand_reduced", "safe_div", "seq_like", "entry_or_zero", "matrix_t", "sym_part",
    # elementwise
    "sinc_grad", "clip_weight",
    # reductions and cumulative ops
    "nan_zero", "finite_zero", "var_scale", "var_tangent", "var_bar", "std_tangent", "std_bar", "nan_mask",
    "nanvar_tangent", "nanvar_bar",
    "nanstd_tangent", "nanstd_bar", "nanmean_bar", "nanprod_bar", "average_weights", "average_bar_a",
    "average_bar_w", "average_tangent_w", "ptp_bar", "tie_average", "sort_order", "sort_tangent", "sort_bar",
    "median_weights", "median_bar", "cumsum_bar", "cumprod_tangent", "cumprod_bar", "nancumprod_tangent",
    "nancumprod_bar", "cumulative_sum_bar", "cumulative_prod_tangent", "cumulative_prod_bar", "diff_adjoint",
    "diff_tangent", "diff_bar", "trapezoid_weights", "trapezoid_bar_y", "trapezoid_x_terms",
    "trapezoid_tangent_x", "trapezoid_bar_x",
    # norms
    "norm_axes", "vector_norm_dir", "matrix_norm_dir", "norm_dir", "real_norm_dir", "norm_tangent", "norm_bar",
    # products
    "vecdot_bar", "inner_bar_a", "inner_bar_b", "tensordot_axes", "tensordot_bar_a", "tensordot_bar_b",
    "einsum_parse", "einsum_tangent", "einsum_bar", "kron_bar", "cross_bar", "multi_dot_tangent",
    "multi_dot_bar", "matrix_power_tangent", "matrix_power_bar", "conv_start", "conv_bar", "polyval_dx",
    "polyval_bar_p", "interp_dx", "interp_bar_fp", "interp_periodic", "named_like",
    # shapes and selection
    "rollaxis_bar", "concatenate_bar", "stack_bar", "promoted_shape", "joined_axis", "joined_bar",
    "split_bar", "unstack_bar", "tile_bar", "repeat_bar", "pad_tangent", "pad_bar", "trace_bar", "diagonal_bar",
    "diag_bar", "tri_bar", "np_append_bar", "delete_bar", "take_bar", "taken", "take_along_axis_bar",
    "compress_bar", "extract_bar", "select_masks", "select_tangent", "select_bar", "roll_bar",
    # linear algebra
    "solve_tangent_a", "solve_bar_a", "solve_bar_b", "exclusive_prod", "cofactor", "cofactor_tangent",
    "det_tangent", "det_bar", "inv_or_nan", "slogdet_tangent", "slogdet_bar",
    "tri_sym", "tri_sym_adjoint", "cholesky_phi", "cholesky_tangent", "cholesky_bar", "eigh_f",
    "eigh_tangent", "eigh_bar", "eigvalsh_tangent", "eigvalsh_bar", "svd_check", "svd_f", "svd_tangent",
    "svd_bar", "svdvals_tangent", "svdvals_bar", "tri_herm", "tri_herm_adjoint", "herm_t", "svd_tangent_complex",
    "svd_bar_complex", "qr_check", "qr_tangent", "qr_bar", "pinv_tangent",
    "pinv_bar",
    # strong zeros at singular points (singular.py)
    "nan_free", "nonzero_number", "zeros_where", "ieee_divide", "strong_mul", "strong_div", "strong_zero", "power",
    "uniform_value",
    "pow_base_bar",
    # discrete Fourier transforms (fft.py)
    "fft_linear", "rfft_apply", "rfft_bar", "irfft_apply", "irfft_bar", "hfft_bar", "ihfft_bar",
    # derivatives of derivative code (higher_order.py)
    "einsum_tangent2", "einsum_bar2", "multi_dot_pairs", "multi_dot_pairs_bar",
    "norm_dir_partials", "norm_dir_dot", "norm_dir_reduce", "norm_dir_bar_x",
    "norm_dir_bar_n", "abs_grad_tangent", "abs_grad_cotangent", "real_norm_dir_dot", "real_norm_dir_reduce",
    "real_norm_dir_bar_x", "real_norm_dir_bar_n",
    # numpy_extra.py
    "linspace_bar", "partition_order", "real_part_if", "eigvals_tangent", "eigvals_bar",
    "logsumexp_scale", "logsumexp_weights", "logsumexp_tangent", "logsumexp_spread",
    # (and `special`: scipy.special's functions as imported, or None)
    "cov_rows", "cov_check", "cov_tangent", "cov_bar", "corrcoef_seed", "corrcoef_tangent", "corrcoef_bar",
    # numpy_missing.py
    "item", "item_bar", "conj_method", "outer_shape", "einsum_subscripts", "gradient", "gradient_bands",
    "gradient_apply_t",
    "gradient_bar", "lstsq_check", "lstsq_tangent", "lstsq_bar", "eig_gaps", "eig_tangent", "eig_bar",
    "sublist_label", "gradient_axes", "gradient_spacings", "lstsq_columns",
    # scipy_linalg.py (and `sla`: scipy.linalg, or None)
    "sla_refusal", "is_transposed", "flipped", "outer_cols", "tri_read", "solve_triangular_tangent_a",
    "solve_triangular_bar_b", "solve_triangular_bar_a", "read_matrix", "read_matrix_adjoint", "sla_solve_again",
    "sla_solve_tangent_a", "sla_solve_bar_b", "sla_solve_bar_a", "sla_inv_tangent", "sla_inv_bar", "eigh_check",
    "sla_eigh_tangent", "sla_eigh_bar", "cho_flag", "cho_tri", "cho_rest", "cho_factor_tangent", "cho_factor_bar",
    "cho_product_tangent", "cho_solve_tangent_c", "cho_solve_bar_c", "lu_perm", "rows_in", "lu_parts",
    "lu_factor_tangent", "lu_factor_bar", "lu_solve_tangent_lu", "lu_solve_bar_lu", "real_result", "block_frechet",
    "expm_tangent", "expm_bar", "logm_tangent", "logm_bar", "sqrtm_tangent", "sqrtm_bar", "sylvester_bar_q",
    # scipy_stats.py
    "mvn_cov", "mvn_cov_bar", "mvn_x", "dirichlet_x", "dirichlet_x_dot", "dirichlet_x_bar",
]
