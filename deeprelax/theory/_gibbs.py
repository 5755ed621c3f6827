"""Gibbs densities and the local entropy of Entropy-SGD by direct quadrature / closed form.

These are references for tests: 1-D quadrature on a fine grid with a log-sum-exp
(no PDE solver, no sampler), and the closed form for quadratics.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.special import logsumexp

from .._core import ParameterError, ShapeError, as_float_array, check_positive

__all__ = [
    "gibbs_density",
    "local_entropy_quadrature",
    "local_entropy_quadratic",
    "local_entropy_hessian_quadratic",
    "hopf_lax_brute",
    "cole_hopf_brute",
]


def gibbs_density(f_values: Any, cell_volume: float, beta: float = 1.0) -> np.ndarray:
    """ρ ∝ exp(−βf) on grid values, normalised so Σ ρ · cell_volume = 1 (log-sum-exp stable)."""
    f = np.asarray(f_values, dtype=np.float64)
    beta = check_positive("beta", beta)
    logw = -beta * f
    return np.exp(logw - logsumexp(logw) - np.log(cell_volume))


def local_entropy_quadrature(
    f: Callable[[np.ndarray], np.ndarray], x: Any, gamma: float, y: Any, beta: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """F(x, γ) = β⁻¹ log ∫ exp(−βf(y) − βγ|x − y|²/2) dy and ⟨y⟩_x, in 1-D by the trapezoid rule.

    Entropy-SGD eq. (4) uses β = 1. Returns ``(F, mean)`` of the shape of ``x``. The
    quadrature nodes ``y`` (1-D, uniform) must cover the Gibbs measure.
    Then −∇F(x) = γ(x − ⟨y⟩_x) (eq. 7).

    References
    ----------
    Chaudhari et al., arXiv:1611.01838, eqs. (4), (7).
    """
    gamma = check_positive("gamma", gamma)
    beta = check_positive("beta", beta)
    y = as_float_array("y", y, ndim=1)
    if y.size < 3:
        raise ShapeError("`y` must hold at least 3 quadrature nodes")
    h = float(y[1] - y[0])
    x = np.asarray(x, dtype=np.float64)
    fy = np.asarray(f(y), dtype=np.float64)
    w = np.full(y.size, h)
    w[0] = w[-1] = h / 2
    logw = np.log(w)
    xs = x.reshape(-1, 1)
    a = -beta * fy[None, :] - beta * gamma * (xs - y[None, :]) ** 2 / 2 + logw[None, :]
    lz = logsumexp(a, axis=1)
    mean = np.sum(np.exp(a - lz[:, None]) * y[None, :], axis=1)
    return (lz / beta).reshape(x.shape), mean.reshape(x.shape)


def local_entropy_quadratic(H: Any, x: Any, gamma: float, beta: float = 1.0) -> np.ndarray:
    """Closed-form F(x, γ) for f = ½xᵀHx (H + γI ≻ 0), up to its x-independent constant.

    −F(x, γ) = ½ xᵀ γH(H + γI)⁻¹ x + const: the curvature of −F is H(I + γ⁻¹H)⁻¹
    (Entropy-SGD Lemma 2 is exact for quadratics).
    """
    A = local_entropy_hessian_quadratic(H, gamma)
    x = np.asarray(x, dtype=np.float64)
    return 0.5 * np.einsum("...i,ij,...j->...", x, A, x)


def local_entropy_hessian_quadratic(H: Any, gamma: float) -> np.ndarray:
    """The Hessian of F(x, γ) for f = ½xᵀHx: ∇²F = −H(I + γ⁻¹H)⁻¹."""
    H = np.atleast_2d(as_float_array("H", H))
    gamma = check_positive("gamma", gamma)
    M = H + gamma * np.eye(H.shape[0])
    if np.min(np.linalg.eigvalsh(0.5 * (M + M.T))) <= 0:
        raise ParameterError("`H + gamma I` must be positive definite for the local entropy to exist")
    return -gamma * H @ np.linalg.inv(M)


def hopf_lax_brute(f_values: Any, x: Any, t: float) -> tuple[np.ndarray, np.ndarray]:
    """O(n²) Hopf–Lax on a 1-D grid: u(x) = min_y f(y) + (x − y)²/2t and the argmin (test oracle)."""
    t = check_positive("t", t)
    f = np.asarray(f_values, dtype=np.float64)
    x = as_float_array("x", x, ndim=1)
    if f.shape != x.shape:
        raise ShapeError(f"`f_values` and `x` must agree in shape, got {f.shape} and {x.shape}")
    cost = f[None, :] + (x[:, None] - x[None, :]) ** 2 / (2 * t)
    k = np.argmin(cost, axis=1)
    return cost[np.arange(x.size), k], x[k]


def cole_hopf_brute(f_values: Any, x: Any, t: float, beta: float) -> np.ndarray:
    """O(n²) Cole–Hopf on a 1-D grid, u = −β⁻¹ log ∫ G_{β⁻¹t}(x − y) e^{−βf(y)} dy (test oracle).

    Trapezoid-free Riemann sum with cell width h (the grid is uniform).
    """
    t = check_positive("t", t)
    beta = check_positive("beta", beta)
    f = np.asarray(f_values, dtype=np.float64)
    x = as_float_array("x", x, ndim=1)
    h = float(x[1] - x[0])
    var = t / beta
    a = -beta * f[None, :] - (x[:, None] - x[None, :]) ** 2 / (2 * var) + np.log(h / np.sqrt(2 * np.pi * var))
    return -logsumexp(a, axis=1) / beta
