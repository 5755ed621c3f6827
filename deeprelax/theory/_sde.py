"""Closed forms for the SDE room's checks: Example 19 and the OU entropy production.

Example 19 of Chaudhari & Soatto (2018): dx = (−∇Φ + j) dt + √2 dW with
Φ = (x₁² − 1)²/4 + x₂²/2 and j = λ e^{Φ} e^{−r⁴/4} (−x₂, x₁). Its stationary density
is ρ = e^{−Φ}/Z for every λ (because ∇·(j e^{−Φ}) = 0), and it factorises,
ρ(x) = p₁(x₁) p₂(x₂) with p₂ the standard normal.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.integrate as si
import scipy.special as sp

from .._core import as_float_array, check_positive
from ._ou import ou_potential_matrix, ou_Q, ou_stationary_cov

__all__ = [
    "example19_partition",
    "example19_density",
    "example19_bin_probabilities",
    "example19_angular_momentum",
    "ou_entropy_production",
]


def _w1(x: Any) -> Any:
    return np.exp(-0.25 * (np.asarray(x) ** 2 - 1.0) ** 2)


def _i1(a: float = -np.inf, b: float = np.inf) -> float:
    val, _ = si.quad(_w1, a, b, epsabs=1e-14, epsrel=1e-12, limit=200)
    return float(val)


def example19_partition() -> float:
    """Z = ∫ e^{−Φ} dx = √(2π) ∫ e^{−(x₁² − 1)²/4} dx₁ (adaptive quadrature)."""
    return float(np.sqrt(2.0 * np.pi) * _i1())


def example19_density(x: Any) -> np.ndarray:
    """ρ(x) = e^{−Φ(x)}/Z for ``x`` of shape (..., 2); returns shape (...)."""
    x = as_float_array("x", x)
    phi = 0.25 * (x[..., 0] ** 2 - 1.0) ** 2 + 0.5 * x[..., 1] ** 2
    return np.exp(-phi) / example19_partition()


def example19_bin_probabilities(edges_x: Any, edges_y: Any) -> np.ndarray:
    """P(x ∈ bin) under ρ = e^{−Φ}/Z on the grid ``edges_x`` × ``edges_y``; shape (nx, ny).

    Exact up to quadrature error: ρ factorises, the x₂ factor is a normal CDF and the
    x₁ factor is integrated per bin.
    """
    ex = as_float_array("edges_x", edges_x, ndim=1)
    ey = as_float_array("edges_y", edges_y, ndim=1)
    total = _i1()
    p1 = np.array([_i1(a, b) for a, b in zip(ex[:-1], ex[1:])]) / total
    p2 = np.diff(sp.ndtr(ey))
    return np.outer(p1, p2)


def example19_angular_momentum(lam: float) -> float:
    """Stationary E[x₁ dx₂ − x₂ dx₁]/dt of Example 19: √(2π) λ / ∫ e^{−(x₁² − 1)²/4} dx₁.

    Notes
    -----
    The gradient part gives E_ρ[x₁x₂(x₁² − 2)] = 0 by x₂ → −x₂ symmetry; the rotation
    gives E_ρ[λ e^{Φ − r⁴/4} r²] = (λ/Z) ∫ r² e^{−r⁴/4} dx = 2πλ/Z. Itô and
    Stratonovich agree for this antisymmetric functional.
    """
    return float(np.sqrt(2.0 * np.pi) * float(lam) / _i1())


def ou_entropy_production(H: Any, D: Any, beta: float = 1.0) -> float:
    """Stationary entropy production rate of dx = −Hx dt + √(2β⁻¹D) dW (D invertible).

    e_p = ∫ Jᵀ (β⁻¹D)⁻¹ J / ρ dx = β E[jᵀ D⁻¹ j] = β tr((QU)ᵀ D⁻¹ (QU) Σ), with the
    current velocity j(x) = −QUx; zero iff detailed balance (HD = DH) holds.
    """
    beta = check_positive("beta", beta)
    S = ou_stationary_cov(H, D, beta)
    QU = ou_Q(H, D, beta) @ ou_potential_matrix(H, D, beta)
    Dinv = np.linalg.inv(np.atleast_2d(np.asarray(D, float)))
    return float(beta * np.trace(QU.T @ Dinv @ QU @ S))
