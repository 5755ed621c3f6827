"""Closed forms for Example 19 of Chaudhari & Soatto (2018), arXiv:1710.11029.

dx = (−∇Φ + j) dt + √2 dW with Φ = (x₁² − 1)²/4 + x₂²/2 and j = λ e^{Φ} e^{−r⁴/4} (−x₂, x₁).
Its stationary density is ρ = e^{−Φ}/Z for every λ (because ∇·(j e^{−Φ}) = 0), and it
factorises, ρ(x) = p₁(x₁) p₂(x₂) with p₂ the standard normal. Never computed by the code
they check (no grid solver, no sampler): the normalising constant is a 1-D quadrature of
e^{−(x²−1)²/4} by scipy.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import scipy.integrate as si
import scipy.special as sp

from .._core import ParameterError, ShapeError, as_float_array, check_finite
from .._core._validate import check_float

__all__ = [
    "example19_partition",
    "example19_density",
    "example19_bin_probabilities",
    "example19_current",
    "example19_angular_momentum",
]


def _w1(x: Any) -> Any:
    return np.exp(-0.25 * (np.asarray(x) ** 2 - 1.0) ** 2)


def _i1(a: float = -np.inf, b: float = np.inf) -> float:
    # The integrand decays like e^{−x⁴/4}, so QUADPACK's infinite-interval rule converges
    # quickly; the tolerances sit near double precision because the result is the exact
    # reference the solvers and samplers are tested against.
    val, _ = si.quad(_w1, a, b, epsabs=1e-14, epsrel=1e-12, limit=200)
    return float(val)


def example19_partition() -> float:
    """Z = ∫ e^{−Φ} dx = √(2π) ∫ e^{−(x₁² − 1)²/4} dx₁ (adaptive quadrature)."""
    return float(np.sqrt(2.0 * np.pi) * _i1())


def example19_density(x: Any) -> np.ndarray:
    """ρˢˢ(x) = e^{−Φ(x)}/Z for every λ, for ``x`` of shape (..., 2); returns shape (...)."""
    x = check_finite("x", as_float_array("x", x))
    if x.ndim == 0 or x.shape[-1] != 2:
        raise ShapeError(f"`x` must have shape (..., 2), got {x.shape}")
    phi = 0.25 * (x[..., 0] ** 2 - 1.0) ** 2 + 0.5 * x[..., 1] ** 2
    return np.exp(-phi) / example19_partition()


def example19_bin_probabilities(edges_x: Any, edges_y: Any) -> np.ndarray:
    """P(x ∈ bin) under ρ = e^{−Φ}/Z on the grid ``edges_x`` × ``edges_y``; shape (nx, ny).

    Exact up to quadrature error: ρ factorises, the x₂ factor is a normal CDF and the
    x₁ factor is integrated per bin.
    """
    ex = as_float_array("edges_x", edges_x, ndim=1)
    ey = as_float_array("edges_y", edges_y, ndim=1)
    for name, e in (("edges_x", ex), ("edges_y", ey)):
        if e.size < 2 or np.any(np.isnan(e)) or not np.all(np.diff(e) > 0):
            raise ParameterError(f"`{name}` must hold at least 2 increasing bin edges (±inf allowed), got {e!r}")
    # ±inf edges work as they are: quad takes infinite limits and ndtr(±inf) = 1, 0.
    total = _i1()
    p1 = np.array([_i1(a, b) for a, b in zip(ex[:-1], ex[1:])]) / total
    p2 = np.diff(sp.ndtr(ey))
    return np.outer(p1, p2)


def example19_current(x: Any, lam: float) -> np.ndarray:
    """The probability current J = j ρˢˢ = λ e^{−r⁴/4} (−x₂, x₁)/Z (divergence-free), x of shape (..., 2)."""
    x = check_finite("x", as_float_array("x", x))
    if x.ndim == 0 or x.shape[-1] != 2:
        raise ShapeError(f"`x` must have shape (..., 2), got {x.shape}")
    lam = check_float("lam", lam)
    r2 = x[..., 0] ** 2 + x[..., 1] ** 2
    # J = j ρ: the e^{Φ} of j cancels the e^{−Φ} of ρ analytically; computing the product
    # directly avoids e^{Φ} = e^{(x₁² − 1)²/4 + x₂²/2}, which overflows for |x₁| ≳ 7.4 (and
    # would meet e^{−r⁴/4} = 0 there as inf·0 = nan).
    s = lam * np.exp(-0.25 * r2 * r2) / example19_partition()
    return np.stack([-s * x[..., 1], s * x[..., 0]], axis=-1)


def example19_angular_momentum(lam: float) -> float:
    """Stationary E[x₁ dx₂ − x₂ dx₁]/dt = ∫ (x₁J₂ − x₂J₁) dx = 2πλ/Z (linear in λ).

    Notes
    -----
    The gradient part gives E_ρ[x₁x₂(x₁² − 2)] = 0 by x₂ → −x₂ symmetry; the rotation
    gives E_ρ[λ e^{Φ − r⁴/4} r²] = (λ/Z) ∫ r² e^{−r⁴/4} dx = 2πλ/Z. Itô and
    Stratonovich agree for this antisymmetric functional.
    """
    return 2.0 * math.pi * check_float("lam", lam) / example19_partition()
