"""Strong and weak convergence-order fits on nested grids.

A strong error is E|X_h(T) − X(T)| over paths driven by the *same* Brownian path on
every grid (coarse increments are sums of fine ones); a weak error is |E φ(X_h(T)) −
E φ(X(T))|. The order p is the least-squares slope of log error against log h.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._core import ShapeError, as_float_array, bad_parameter, check_finite

__all__ = ["OrderFit", "fit_order", "strong_error", "weak_error"]


@dataclass(frozen=True)
class OrderFit:
    """log err = log C + p log h: the order ``order`` with its standard error."""

    order: float
    order_se: float
    constant: float
    h: np.ndarray
    errors: np.ndarray


def fit_order(h: Any, errors: Any) -> OrderFit:
    """Least-squares convergence order from step sizes ``h`` and errors (both (k,), k ≥ 3)."""
    hh = as_float_array("h", h, ndim=1)
    ee = as_float_array("errors", errors, ndim=1)
    if hh.shape != ee.shape or hh.size < 3:
        raise ShapeError(f"`h` and `errors` must be 1-D of one length >= 3, got {hh.shape} and {ee.shape}")
    check_finite("h", hh)
    check_finite("errors", ee)
    if np.any(hh <= 0):
        raise bad_parameter("h", "positive step sizes", hh.tolist())
    if np.any(ee <= 0):
        raise bad_parameter("errors", "positive step sizes and errors", ee.tolist(),
                            "drop grids where the error is zero (exact) before fitting")
    X = np.stack([np.ones_like(hh), np.log(hh)], axis=1)
    y = np.log(ee)
    coef, res, *_ = np.linalg.lstsq(X, y, rcond=None)
    resid = y - X @ coef
    s2 = float(resid @ resid) / max(1, hh.size - 2)
    cov = s2 * np.linalg.inv(X.T @ X)
    return OrderFit(float(coef[1]), float(np.sqrt(cov[1, 1])), float(np.exp(coef[0])), hh, ee)


def strong_error(approx: Any, reference: Any) -> tuple[float, float]:
    """E|X_h − X| over paths, with its standard error; inputs of shape (n_paths, d) or (n_paths,)."""
    a = check_finite("approx", as_float_array("approx", approx))
    r = check_finite("reference", as_float_array("reference", reference))
    if a.ndim < 1 or a.shape[0] < 2:
        raise bad_parameter("approx", "samples of shape (n_paths, ...) with n_paths >= 2", f"shape {a.shape}",
                            cls=ShapeError)
    if a.shape != r.shape:
        raise ShapeError(f"`approx` and `reference` must have one shape, got {a.shape} and {r.shape}")
    e = np.abs(a - r).reshape(a.shape[0], -1)
    e = np.sqrt(np.sum(e**2, axis=1))
    return float(e.mean()), float(e.std(ddof=1) / np.sqrt(e.size))


def weak_error(approx: Any, reference: Any, phi: Callable[[np.ndarray], np.ndarray] | None = None
               ) -> float:
    """|E φ(X_h) − E φ(X)| with φ the identity by default; samples of shape (n_paths, d)."""
    a = check_finite("approx", as_float_array("approx", approx))
    r = check_finite("reference", as_float_array("reference", reference))
    if a.ndim < 1 or r.ndim < 1 or a.shape[0] < 1 or r.shape[0] < 1 or a.shape[1:] != r.shape[1:]:
        raise bad_parameter("approx", "samples (n_paths, ...) with the per-path shape of `reference`",
                            f"shapes {a.shape} and {r.shape}", cls=ShapeError)
    if phi is not None and not callable(phi):
        raise bad_parameter("phi", "a callable test function or None", type(phi).__name__)
    f = (lambda v: v) if phi is None else phi
    return float(np.max(np.abs(np.mean(f(a), axis=0) - np.mean(f(r), axis=0))))
