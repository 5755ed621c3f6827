"""Array-namespace helper for the array-API optimizer core (numpy, cupy, array_api_strict)."""

from __future__ import annotations

from typing import Any

import array_api_compat

__all__ = ["array_namespace", "is_numpy_namespace", "to_numpy"]


def array_namespace(*arrays: Any) -> Any:
    """The array-API namespace of ``arrays`` (numpy, cupy, array_api_strict, ...).

    Python scalars and ``None`` are ignored; with no array at all numpy's namespace
    is returned, so scalar-only calls work.
    """
    arrs = [a for a in arrays if a is not None and not isinstance(a, (int, float, bool, complex))]
    if not arrs:
        return array_api_compat.array_namespace(__import__("numpy").empty(0))
    return array_api_compat.array_namespace(*arrs)


def is_numpy_namespace(xp: Any) -> bool:
    """True for numpy (or the array_api_compat wrapper around it)."""
    return bool(array_api_compat.is_numpy_namespace(xp))


def to_numpy(x: Any) -> Any:
    """Copy any array-API array (numpy, cupy, array_api_strict, ...) to a numpy array on the host."""
    import numpy as np

    if isinstance(x, np.ndarray):
        return x
    if hasattr(x, "get"):  # cupy
        return x.get()
    try:
        return np.from_dlpack(x)
    except (TypeError, AttributeError, RuntimeError, BufferError):
        return np.asarray(x)
