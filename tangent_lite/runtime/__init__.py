"""The small API generated code calls as ``_tl`` (``import tangent_lite.runtime as _tl``).

Everything here is plain NumPy so that ``adgen`` can paste the helpers a module needs into
a standalone file (see :func:`~tangent_lite.runtime.sources.helper_sources`).  Each helper is a
top-level function that uses only ``np`` and other helpers.  This package only re-exports
them: each module below has one job, imports the modules it needs (never this package),
and ``_tl.<name>`` reaches every helper whichever module defines it.

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
- ``batched``: batched forward mode (``k`` tangents at once)
- ``checkpoint``: binomial checkpointing of loops marked ``tl.checkpointed``
- ``sources``: :func:`helper_sources`, the helpers' source for ``adgen``

Conventions of the array helpers (see :mod:`tangent_lite.rules.numpy_more`): ``g`` is an
output cotangent, ``t`` an input tangent, ``ans`` the primal output.  Cotangents of
tuple/list outputs arrive as tuples/lists whose entries may be ``None`` (zero).  Matrix
helpers work on stacks of matrices (the last two axes).
"""

from __future__ import annotations

from .along_axis import (  # noqa: F401
    cum_layout,
    cumprod_bar,
    cumprod_tangent,
    cumsum_bar,
    cumulative_prod_bar,
    cumulative_prod_tangent,
    cumulative_sum_bar,
    diff_adjoint,
    diff_bar,
    diff_parts,
    diff_tangent,
    drop_initial,
    exclusive_products,
    median_bar,
    median_weights,
    nancumprod_bar,
    nancumprod_tangent,
    pair_sum_adjoint,
    sort_bar,
    sort_order,
    sort_tangent,
    tie_average,
    trapezoid_bar_x,
    trapezoid_bar_y,
    trapezoid_spacing,
    trapezoid_tangent_x,
    trapezoid_weights,
    trapezoid_x_terms,
)
from .batched import (  # noqa: F401
    _shift_axis,
    batch_bcast,
    batch_builtin_sum,
    batch_dot,
    batch_getitem,
    batch_lift,
    batch_matmul,
    batch_outer,
    batch_reduce,
    batch_setitem,
    batch_size,
    batch_stack,
    batch_transpose,
    batch_zeros,
)
from .blocks import axes_of, entry_or_zero, expand_reduced, matrix_t, safe_div, seq_like, sym_part  # noqa: F401
from .broadcast import (  # noqa: F401
    _CONTRACT_MIN_SIZE,
    _LETTERS,
    _is_complex,
    _same_length,
    _shape,
    _unbroadcast,
    bcast,
    real_cotangent,
    unbroadcast,
    unbroadcast_product,
)
from .checkpoint import (  # noqa: F401
    CheckpointRecord,
    _binomial,
    binomial_split,
    checkpoint_cost,
    checkpoint_forward,
    checkpoint_reverse,
    checkpointed,
)
from .containers import (  # noqa: F401
    _merge_operands,
    append,
    array_bar,
    array_tangent,
    builtin_sum_bar,
    concat_part,
    copy_value,
    dict_like,
    merge_bar,
    merge_or,
    merge_tangent,
    seq_concat,
    seq_repeat,
    seq_repeat_bar,
    sequence_bar,
)
from .elementwise import (  # noqa: F401
    abs_grad,
    balanced_eq,
    builtin_extremum_bar,
    builtin_extremum_dot,
    clip_weight,
    pow_exponent_bar,
    safe_ratio,
    sinc_grad,
)
from .fft import (  # noqa: F401
    _fit_all,
    _real_like,
    _scale,
    _seq,
    _swapped,
    fft_axes,
    fft_linear,
    fit,
    hfft_bar,
    ihfft_bar,
    irfft_apply,
    irfft_bar,
    rfft_apply,
    rfft_bar,
)
from .higher_order import (  # noqa: F401
    einsum_bar2,
    einsum_tangent2,
    multi_dot_pairs,
    multi_dot_pairs_bar,
    norm_dir_bar_n,
    norm_dir_bar_x,
    norm_dir_dot,
    norm_dir_partials,
    norm_dir_reduce,
)
from .indexing import (  # noqa: F401
    _basic_index,
    _foreign_among,
    _foreign_getitem_bar,
    _fresh,
    _may_repeat,
    _np_dtype,
    _scattered,
    _written,
    _written_span,
    add_item,
    getattr_bar,
    getitem_bar,
    index_of,
    setitem,
    setitem_bar,
    slice_write_bar,
    slice_write_zero,
    zero_index,
)
from .library import (  # noqa: F401
    as_array,
    inexact,
    is_bool,
    is_foreign,
    is_inexact,
    is_zero,
    namespace,
    promoted,
    reshaped,
    spread,
    summed,
    zeros_of,
)
from .linalg import (  # noqa: F401
    as_columns,
    cholesky_bar,
    cholesky_phi,
    cholesky_tangent,
    det_bar,
    eigh_bar,
    eigh_f,
    eigh_tangent,
    eigvalsh_bar,
    eigvalsh_tangent,
    named_like,
    pinv_bar,
    pinv_check,
    pinv_tangent,
    qr_bar,
    qr_check,
    qr_factors,
    qr_tangent,
    slogdet_bar,
    slogdet_tangent,
    solve_bar_a,
    solve_bar_b,
    solve_tangent_a,
    svd_bar,
    svd_check,
    svd_f,
    svd_tangent,
    svdvals_bar,
    svdvals_tangent,
    tri_sym,
    tri_sym_adjoint,
)
from .markers import (  # noqa: F401
    _complex_in,
    _NoSwallow,
    _numeric,
    array_method,
    array_only,
    container_only,
    grad_hook,
    no_swallow,
    not_a_dict,
    number_only,
    real_only,
    reraise_refusal,
    scalar_only,
    stop_gradient,
    user_error,
    verified_only,
)
from .numpy_extra import (  # noqa: F401
    corrcoef_bar,
    corrcoef_seed,
    corrcoef_tangent,
    cov_bar,
    cov_check,
    cov_rows,
    cov_tangent,
    eigvals_bar,
    eigvals_tangent,
    linspace_bar,
    partition_order,
    real_eig,
    real_part_if,
)
from .products import (  # noqa: F401
    conv_bar,
    conv_start,
    cross_bar,
    dot_bar_a,
    dot_bar_b,
    einsum_bar,
    einsum_ops,
    einsum_parse,
    einsum_tangent,
    inner_bar_a,
    inner_bar_b,
    interp_bar_fp,
    interp_dx,
    interp_periodic,
    kron_bar,
    matmul_bar_a,
    matmul_bar_b,
    matrix_power_bar,
    matrix_power_tangent,
    matrix_powers,
    multi_dot_bar,
    multi_dot_tangent,
    polyval_bar_p,
    polyval_dx,
    tensordot_axes,
    tensordot_bar_a,
    tensordot_bar_b,
    vecdot_bar,
)
from .reductions import (  # noqa: F401
    _expand,
    _norm_axis,
    average_bar_a,
    average_bar_w,
    average_check,
    average_dw,
    average_tangent_w,
    average_weights,
    extremum_bar,
    finite_zero,
    matrix_norm_dir,
    mean_bar,
    nan_centred,
    nan_mask,
    nan_zero,
    nanmean_bar,
    nanprod_bar,
    nanstd_bar,
    nanstd_tangent,
    nanvar_bar,
    nanvar_tangent,
    norm_axes,
    norm_bar,
    norm_dir,
    norm_tangent,
    prod_bar,
    prod_pairs,
    ptp_bar,
    reduced_count,
    std_bar,
    std_tangent,
    sum_bar,
    var_bar,
    var_tangent,
    vector_norm_dir,
)
from .scipy_funcs import _scipy_special, logsumexp_weights, special  # noqa: F401
from .shapes import (  # noqa: F401
    compress_bar,
    concatenate_bar,
    delete_bar,
    diag_bar,
    diag_positions,
    diagonal_bar,
    extract_bar,
    joined_axis,
    joined_bar,
    np_append_bar,
    pad_bar,
    pad_check,
    pad_tangent,
    promoted_shape,
    repeat_bar,
    roll_bar,
    rollaxis_bar,
    select_bar,
    select_masks,
    select_tangent,
    split_bar,
    stack_bar,
    take_along_axis_bar,
    take_bar,
    tile_bar,
    trace_bar,
    transpose_bar,
    tri_bar,
    unstack_bar,
)
from .singular import (  # noqa: F401
    ieee_divide,
    nan_free,
    nonzero_number,
    pow_base_bar,
    power,
    strong_div,
    strong_mul,
    strong_zero,
    uniform_value,
    zeros_where,
)
from .sources import helper_sources  # noqa: F401
from .tape import NO_ITEM, _NoItem, _WholeList, copied, restore_item, saved, saved_item  # noqa: F401
from .values import _fields, _float_dtype, _foreign_grad, _is_record, _map_struct, add, add_into, as_grad, zeros_like  # noqa: F401

__all__ = [
    "unbroadcast", "bcast", "zeros_like", "add", "add_into", "as_grad", "sum_bar",
    "mean_bar", "extremum_bar", "getitem_bar", "transpose_bar",
    "pow_exponent_bar", "matmul_bar_a", "matmul_bar_b", "dot_bar_a", "dot_bar_b",
    "prod_bar", "getattr_bar", "setitem", "setitem_bar", "zero_index", "container_only", "number_only", "real_only",
    "scalar_only", "array_only", "array_method", "not_a_dict", "no_swallow", "reraise_refusal", "verified_only",
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
    "checkpoint_reverse",
    # the array helpers of the NumPy rule tables (building blocks included)
    # building blocks
    "reduced_count", "nan_centred", "average_check", "average_dw", "cum_layout", "exclusive_products",
    "drop_initial", "diff_parts", "trapezoid_spacing", "pair_sum_adjoint", "einsum_ops", "matrix_powers",
    "diag_positions", "as_columns", "qr_factors", "pinv_check", "pad_check",
    "axes_of", "expand_reduced", "safe_div", "seq_like", "entry_or_zero", "matrix_t", "sym_part",
    # elementwise
    "sinc_grad", "clip_weight",
    # reductions and cumulative ops
    "nan_zero", "finite_zero", "var_tangent", "var_bar", "std_tangent", "std_bar", "nan_mask", "nanvar_tangent",
    "nanvar_bar",
    "nanstd_tangent", "nanstd_bar", "nanmean_bar", "nanprod_bar", "average_weights", "average_bar_a",
    "average_bar_w", "average_tangent_w", "ptp_bar", "tie_average", "sort_order", "sort_tangent", "sort_bar",
    "median_weights", "median_bar", "cumsum_bar", "cumprod_tangent", "cumprod_bar", "nancumprod_tangent",
    "nancumprod_bar", "cumulative_sum_bar", "cumulative_prod_tangent", "cumulative_prod_bar", "diff_adjoint",
    "diff_tangent", "diff_bar", "trapezoid_weights", "trapezoid_bar_y", "trapezoid_x_terms",
    "trapezoid_tangent_x", "trapezoid_bar_x",
    # norms
    "norm_axes", "vector_norm_dir", "matrix_norm_dir", "norm_dir", "norm_tangent", "norm_bar",
    # products
    "vecdot_bar", "inner_bar_a", "inner_bar_b", "tensordot_axes", "tensordot_bar_a", "tensordot_bar_b",
    "einsum_parse", "einsum_tangent", "einsum_bar", "kron_bar", "cross_bar", "multi_dot_tangent",
    "multi_dot_bar", "matrix_power_tangent", "matrix_power_bar", "conv_start", "conv_bar", "polyval_dx",
    "polyval_bar_p", "interp_dx", "interp_bar_fp", "interp_periodic", "named_like",
    # shapes and selection
    "rollaxis_bar", "concatenate_bar", "stack_bar", "promoted_shape", "joined_axis", "joined_bar",
    "split_bar", "unstack_bar", "tile_bar", "repeat_bar", "pad_tangent", "pad_bar", "trace_bar", "diagonal_bar",
    "diag_bar", "tri_bar", "np_append_bar", "delete_bar", "take_bar", "take_along_axis_bar",
    "compress_bar", "extract_bar", "select_masks", "select_tangent", "select_bar", "roll_bar",
    # linear algebra
    "solve_tangent_a", "solve_bar_a", "solve_bar_b", "det_bar", "slogdet_tangent", "slogdet_bar",
    "tri_sym", "tri_sym_adjoint", "cholesky_phi", "cholesky_tangent", "cholesky_bar", "eigh_f",
    "eigh_tangent", "eigh_bar", "eigvalsh_tangent", "eigvalsh_bar", "svd_check", "svd_f", "svd_tangent",
    "svd_bar", "svdvals_tangent", "svdvals_bar", "qr_check", "qr_tangent", "qr_bar", "pinv_tangent",
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
    "norm_dir_bar_n",
    # numpy_extra.py
    "linspace_bar", "partition_order", "real_part_if", "real_eig", "eigvals_tangent", "eigvals_bar",
    "logsumexp_weights",  # (and `special`: scipy.special, or None)
    "cov_rows", "cov_check", "cov_tangent", "cov_bar", "corrcoef_seed", "corrcoef_tangent", "corrcoef_bar",
]
