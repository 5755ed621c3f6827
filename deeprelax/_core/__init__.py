"""Shared internals: the Numba decorator, RNG helpers, the array namespace, errors.

Nothing here is specific to one room; every other subpackage may import it.
"""

from __future__ import annotations

from . import errors
from ._jit import NUMBA_OPTIONS, get_num_threads, is_cacheable, jit, prange, set_num_threads
from ._status import Status
from ._validate import (
    as_float_array,
    check_bool,
    check_choice,
    check_finite,
    check_float,
    check_int,
    check_nonnegative,
    check_positive,
    check_psd,
    check_seed,
)
from ._xp import array_namespace, is_numpy_namespace, to_numpy
from .errors import (
    CFLError,
    DataError,
    DeepRelaxError,
    NonFiniteError,
    NotPSDError,
    ParameterError,
    SchemeError,
    ShapeError,
    bad_parameter,
)

__all__ = [
    "NUMBA_OPTIONS",
    "jit",
    "is_cacheable",
    "prange",
    "set_num_threads",
    "get_num_threads",
    "array_namespace",
    "is_numpy_namespace",
    "to_numpy",
    "errors",
    "DeepRelaxError",
    "ParameterError",
    "ShapeError",
    "NotPSDError",
    "SchemeError",
    "CFLError",
    "NonFiniteError",
    "DataError",
    "bad_parameter",
    "as_float_array",
    "check_finite",
    "check_positive",
    "check_nonnegative",
    "check_psd",
    "check_choice",
    "check_float",
    "check_int",
    "check_bool",
    "check_seed",
    "Status",
]

from ._rng import fill_normals, init_state, path_states, rng_next, rng_normal, rng_uniform, seed_key  # noqa: E402

__all__ += ["seed_key", "path_states", "init_state", "rng_next", "rng_uniform", "rng_normal", "fill_normals"]
