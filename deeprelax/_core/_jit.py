"""The one Numba decorator of deeprelax.

All Numba options live here, so every kernel compiles the same way: cached to disk
(``NUMBA_CACHE_DIR``; the test suite and CI point it at a git-ignored ``.numba_cache``
inside the repository), ``nogil`` so kernels can run from threads, and IEEE semantics
(``fastmath`` off: reproducibility across thread counts and machines matters more than
the last few percent). ``parallel=True`` kernels use ``numba.prange`` over independent
paths or grid lines only, never over a reduction whose order would change the result.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import numba
import numpy as np

__all__ = ["jit", "prange", "set_num_threads", "get_num_threads", "is_cacheable"]

F = TypeVar("F", bound=Callable[..., Any])

#: Options shared by every kernel. ``error_model="numpy"``: x/0 gives ±inf or NaN as in numpy
#: (which the kernels then report as non-finite) instead of raising ZeroDivisionError, and
#: divisions need no zero test.
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
    >>> @jit(cache=False)  # a function typed at the prompt has no source file to key a cache on
    ... def twice(x):
    ...     return 2.0 * x
    >>> twice(1.5)
    3.0
    """
    opts = dict(NUMBA_OPTIONS)
    opts.update(kwargs)
    opts["cache"] = cache
    opts["parallel"] = parallel
    signature = opts.pop("signature", None)  # njit takes it positionally, not as an option

    def decorate(f: F) -> Any:
        if numba.config.DISABLE_JIT:
            return _as_compiled_semantics(f)
        if signature is not None:
            return numba.njit(signature, **opts)(f)
        return numba.njit(**opts)(f)

    if func is None:
        return decorate
    return decorate(func)


def _as_compiled_semantics(f: F) -> F:
    """Under ``NUMBA_DISABLE_JIT=1``: ``f`` as plain Python, with numpy's floating-point and
    integer-overflow warnings off, as in compiled code (``error_model="numpy"`` never warns, and
    the RNG's uint64 arithmetic wraps around by design)."""

    @functools.wraps(f)
    def plain(*args: Any, **kw: Any) -> Any:
        with np.errstate(all="ignore"):
            return f(*args, **kw)

    return plain  # type: ignore[return-value]


def is_cacheable(func: Any) -> bool:
    """True when ``func`` is a Numba dispatcher compiled with a disk cache.

    Functions compiled by :func:`jit` with ``cache=False`` (user functions typed at the
    prompt, in-memory bindings of :func:`deeprelax._core._codegen.bind`) are not.
    """
    from numba.core.caching import NullCache

    cache = getattr(func, "_cache", None)
    return cache is not None and not isinstance(cache, NullCache)
