"""Small input validators shared by the rooms; each raises the house error form."""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import NonFiniteError, NotPSDError, ParameterError, ShapeError, bad_parameter

__all__ = [
    "as_float_array",
    "check_finite",
    "check_positive",
    "check_nonnegative",
    "check_psd",
    "check_choice",
]

#: Relative tolerance on negative eigenvalues before a matrix counts as not PSD.
PSD_RTOL = 1e-10


def as_float_array(name: str, value: Any, ndim: int | None = None, shape: tuple | None = None) -> np.ndarray:
    """``value`` as a float64 array, with its ndim / shape checked (``-1`` = any)."""
    arr = np.asarray(value, dtype=np.float64)
    if ndim is not None and arr.ndim != ndim:
        raise bad_parameter(name, f"an array with {ndim} dimension(s)", f"shape {arr.shape}", cls=ShapeError)
    if shape is not None:
        ok = len(shape) == arr.ndim and all(s == -1 or s == a for s, a in zip(shape, arr.shape))
        if not ok:
            raise bad_parameter(name, f"an array of shape {shape}", f"shape {arr.shape}", cls=ShapeError)
    return arr


def check_finite(name: str, arr: np.ndarray) -> np.ndarray:
    """Raise :class:`NonFiniteError` when ``arr`` holds NaN or inf."""
    arr = np.asarray(arr)
    if not np.all(np.isfinite(arr)):
        bad = np.argwhere(~np.isfinite(arr))[0]
        raise NonFiniteError(
            f"`{name}` must be finite, got a non-finite value at index {tuple(int(i) for i in bad)}; "
            "remove NaN/inf from the input"
        )
    return arr


def check_positive(name: str, value: float, fix: str = "") -> float:
    """``value`` as float, raising unless it is finite and > 0."""
    v = float(value)
    if not np.isfinite(v) or v <= 0:
        raise bad_parameter(name, "a positive finite number", value, fix or f"pass {name} > 0")
    return v


def check_nonnegative(name: str, value: float, fix: str = "") -> float:
    """``value`` as float, raising unless it is finite and >= 0."""
    v = float(value)
    if not np.isfinite(v) or v < 0:
        raise bad_parameter(name, "a non-negative finite number", value, fix or f"pass {name} >= 0")
    return v


def check_psd(name: str, mat: np.ndarray, rtol: float = PSD_RTOL) -> np.ndarray:
    """Check that ``mat`` is a symmetric positive semi-definite matrix; return its eigenvalues.

    Symmetry is checked to ``rtol`` relative to the largest entry and eigenvalues
    below ``-rtol * max|eig|`` count as negative.
    """
    m = np.asarray(mat, dtype=np.float64)
    if m.ndim != 2 or m.shape[0] != m.shape[1]:
        raise bad_parameter(name, "a square matrix", f"shape {m.shape}", cls=ShapeError)
    check_finite(name, m)
    scale = max(float(np.max(np.abs(m))), np.finfo(float).tiny)
    if np.max(np.abs(m - m.T)) > 1e3 * rtol * scale + 1e-300:
        raise NotPSDError(f"`{name}` must be symmetric, got max|M - M.T| = {np.max(np.abs(m - m.T)):.3g}; "
                          "pass (M + M.T) / 2")
    w = np.linalg.eigvalsh(m)
    if w[0] < -rtol * max(abs(w[-1]), abs(w[0])):
        raise NotPSDError(
            f"`{name}` must be positive semi-definite, got smallest eigenvalue {w[0]:.3g} "
            f"(largest {w[-1]:.3g}); pass a covariance matrix such as A @ A.T"
        )
    return w


def check_choice(name: str, value: str, choices: Any) -> str:
    """Raise with the list of valid names when ``value`` is not one of ``choices``."""
    valid = sorted(choices)
    if value not in valid:
        raise ParameterError(f"`{name}` must be one of {valid}, got {value!r}")
    return value
