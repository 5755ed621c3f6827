"""The one Numba decorator of deeprelax.

All Numba options live here, so every kernel compiles the same way: cached to disk
(``NUMBA_CACHE_DIR``; the test suite and CI point it at a git-ignored ``.numba_cache``
inside the repository), ``nogil`` so kernels can run from threads, and IEEE semantics
(``fastmath`` off: reproducibility across thread counts and machines matters more than
the last few percent). ``parallel=True`` kernels use ``numba.prange`` over independent
paths or grid lines only, never over a reduction whose order would change the result.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import numba

__all__ = ["jit", "prange", "set_num_threads", "get_num_threads"]

F = TypeVar("F", bound=Callable[..., Any])

#: Options shared by every kernel.
NUMBA_OPTIONS: dict[str, Any] = {"cache": True, "nogil": True, "fastmath": False, "error_model": "numpy"}

prange = numba.prange
set_num_threads = numba.set_num_threads
get_num_threads = numba.get_num_threads


def jit(func: F | None = None, *, parallel: bool = False, cache: bool = True, **kwargs: Any) -> Any:
    """Compile ``func`` with the project's Numba options.

    Parameters
    ----------
    func : callable, optional
        Function to compile. When omitted a decorator is returned.
    parallel : bool
        Enable ``numba.prange`` loops.
    cache : bool
        Cache to disk. Pass ``False`` for functions generated at run time (sympy
        landscapes), which have no source file to key a cache on.
    **kwargs
        Extra options for :func:`numba.njit` (e.g. an explicit signature via
        ``signature``). They override :data:`NUMBA_OPTIONS`.

    Examples
    --------
    >>> @jit
    ... def twice(x):
    ...     return 2.0 * x
    >>> twice(1.5)
    3.0
    """
    opts = dict(NUMBA_OPTIONS)
    opts.update(kwargs)
    opts["cache"] = cache
    opts["parallel"] = parallel
    signature = opts.pop("signature", None)

    def decorate(f: F) -> Any:
        if signature is not None:
            return numba.njit(signature, **opts)(f)
        return numba.njit(**opts)(f)

    if func is None:
        return decorate
    return decorate(func)
