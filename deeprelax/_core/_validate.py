"""Input validators shared by the rooms; each raises the house error form.

Every validator checks the *type* before converting, so a string, ``None``, a bool or
a complex number reaching ``float()``/``int()``/``np.asarray`` gives a clear
:class:`~deeprelax._core.errors.ParameterError` naming the caller's parameter, never a
raw ``ValueError: could not convert string to float``. Pass the caller's parameter name
as ``name`` (``"n_paths"``, not an internal variable).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Collection
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
    "check_float",
    "check_int",
    "check_bool",
    "check_seed",
]


def _scalar(name: str, value: Any, what: str) -> Any:
    """``value`` unwrapped from a 0-d / size-1 numpy array; raise for anything not a real number."""
    if isinstance(value, np.ndarray):
        if value.ndim != 0:
            raise bad_parameter(name, what, f"an array of shape {value.shape}")
        value = value[()]
    # bool is an Integral (True == 1) and would pass the Real test below: refuse it first
    if isinstance(value, (bool, np.bool_)):
        raise bad_parameter(name, what, value, "pass a number, not a bool")
    if not isinstance(value, numbers.Real):
        raise bad_parameter(name, what, value)
    return value


def check_float(
    name: str, value: Any, *, low: float | None = None, high: float | None = None,
    low_inclusive: bool = True, high_inclusive: bool = True, finite: bool = True, fix: str = "",
) -> float:
    """``value`` as a Python float, after checking its type, finiteness and range.

    Examples
    --------
    >>> check_float("dt", 0.1, low=0.0, low_inclusive=False)
    0.1
    >>> check_float("dt", "abc")
    Traceback (most recent call last):
    ...
    deeprelax._core.errors.ParameterError: `dt` must be a real number, got 'abc'
    """
    v = float(_scalar(name, value, "a real number"))
    if finite and not math.isfinite(v):
        raise bad_parameter(name, "a finite real number", value, fix)
    if math.isnan(v):  # reached with finite=False only: ±inf may then pass, NaN never
        raise bad_parameter(name, "a real number (not NaN)", value, fix)
    if low is not None and (v < low or (v == low and not low_inclusive)):
        op = ">=" if low_inclusive else ">"
        raise bad_parameter(name, f"a number {op} {low:g}", value, fix or f"pass {name} {op} {low:g}")
    if high is not None and (v > high or (v == high and not high_inclusive)):
        op = "<=" if high_inclusive else "<"
        raise bad_parameter(name, f"a number {op} {high:g}", value, fix or f"pass {name} {op} {high:g}")
    return v


def check_int(name: str, value: Any, *, low: int | None = None, high: int | None = None, fix: str = "") -> int:
    """``value`` as a Python int; integral floats (``1e4``) are accepted, ``2.5``, NaN, bools and strings not.

    Examples
    --------
    >>> check_int("n_paths", 1e4, low=1)
    10000
    >>> check_int("n_paths", 2.5)
    Traceback (most recent call last):
    ...
    deeprelax._core.errors.ParameterError: `n_paths` must be an integer, got 2.5
    """
    v = _scalar(name, value, "an integer")
    if not isinstance(v, numbers.Integral):
        if not math.isfinite(float(v)) or float(v) != math.floor(float(v)):
            raise bad_parameter(name, "an integer", value, fix)
        # every double above 2**53 is a whole number, so the floor test above cannot catch
        # 1e300; the bound keeps the result well inside int64, the kernels' integer type
        if abs(float(v)) > 2**62:
            raise bad_parameter(name, "an integer below 2**62", value, fix)
    iv = int(v)
    if low is not None and iv < low:
        raise bad_parameter(name, f"an integer >= {low}", value, fix or f"pass {name} >= {low}")
    if high is not None and iv > high:
        raise bad_parameter(name, f"an integer <= {high}", value, fix or f"pass {name} <= {high}")
    return iv


def check_bool(name: str, value: Any) -> bool:
    """``value`` when it is a bool (``True``/``False`` or a numpy bool); raise otherwise."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise bad_parameter(name, "True or False", value)


def check_seed(name: str, value: Any) -> Any:
    """A seed: ``None``, a non-negative integer, or a :class:`numpy.random.SeedSequence`."""
    if value is None or isinstance(value, np.random.SeedSequence):
        return value
    return check_int(name, value, low=0, fix=f"pass a non-negative integer as {name}")

#: Relative tolerance on negative eigenvalues before a matrix counts as not PSD.
PSD_RTOL = 1e-10


def as_float_array(name: str, value: Any, ndim: int | None = None, shape: tuple | None = None) -> np.ndarray:
    """``value`` as a float64 array, with its ndim / shape checked (``-1`` = any).

    Strings, ``None``, ragged nests, complex and object arrays raise a
    :class:`ParameterError` naming ``name`` (never a raw numpy error).
    """
    if value is None or isinstance(value, (str, bytes)):
        raise bad_parameter(name, "an array of real numbers", value)
    try:
        raw = np.asarray(value)
    except (TypeError, ValueError) as exc:  # ragged nests
        raise bad_parameter(name, "a rectangular array of real numbers", f"{type(value).__name__} ({exc})") from None
    if raw.dtype.kind not in "biuf":
        raise bad_parameter(name, "an array of real numbers", f"an array of dtype {raw.dtype}")
    arr = raw.astype(np.float64, copy=False)
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
    """``value`` as float, raising unless it is a finite real number > 0 (type checked first)."""
    v = float(_scalar(name, value, "a positive finite number"))
    if not np.isfinite(v) or v <= 0:
        raise bad_parameter(name, "a positive finite number", value, fix or f"pass {name} > 0")
    return v


def check_nonnegative(name: str, value: float, fix: str = "") -> float:
    """``value`` as float, raising unless it is a finite real number >= 0 (type checked first)."""
    v = float(_scalar(name, value, "a non-negative finite number"))
    if not np.isfinite(v) or v < 0:
        raise bad_parameter(name, "a non-negative finite number", value, fix or f"pass {name} >= 0")
    return v


def is_symmetric(mat: np.ndarray) -> bool:
    """Whether a square matrix equals its transpose to round-off (rtol 1e-12, atol 1e-14·max|M|).

    The test a quadratic's Hessian must pass, and the one under which the SDE room may run
    −H(x − c) as the linear drift of that quadratic (it equals −∇f only for a symmetric H).
    """
    return bool(np.allclose(mat, mat.T, rtol=1e-12, atol=1e-14 * max(1.0, float(np.abs(mat).max()))))


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
    # eigvalsh reads one triangle only, which is why symmetry is checked above. The negative
    # test is relative to the spectral radius max(|w[0]|, |w[-1]|), the scale of the
    # round-off in the eigenvalues.
    w = np.linalg.eigvalsh(m)
    if w[0] < -rtol * max(abs(w[-1]), abs(w[0])):
        raise NotPSDError(
            f"`{name}` must be positive semi-definite, got smallest eigenvalue {w[0]:.3g} "
            f"(largest {w[-1]:.3g}); pass a covariance matrix such as A @ A.T"
        )
    return w


def check_choice(name: str, value: str, choices: Collection[str]) -> str:
    """Raise with the list of valid names when ``value`` is not one of ``choices``."""
    valid = sorted(choices)
    if not isinstance(value, str) or value not in valid:
        raise ParameterError(f"`{name}` must be one of {valid}, got {value!r}")
    return value
