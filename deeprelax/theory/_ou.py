"""Closed forms for the Ornstein–Uhlenbeck process dx = −Hx dt + √(2β⁻¹D) dW.

Symbols: ``H`` (d, d) the drift matrix (the Hessian of f = ½xᵀHx), ``D`` (d, d) the
symmetric PSD diffusion, ``beta`` the inverse temperature, ``Sigma`` the stationary
covariance, ``U = (βΣ)⁻¹`` so that Φ = ½ xᵀUx and ρ ∝ exp(−βΦ), ``Q`` antisymmetric
with H U⁻¹ = D + Q, and the current j(x) = −QUx (Chaudhari & Soatto 2018, §2.7,
Lemma 20 / A6).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.linalg as sla

from .._core import ParameterError, ShapeError, as_float_array, check_finite, check_positive, check_psd
from .._core._validate import check_float, check_int

#: Most Euler–Maruyama steps the exact recursions (em_mean, em_cov) take (memory: (n+1)·d² floats).
MAX_EM_STEPS = 10**7

__all__ = [
    "ou_stationary_cov",
    "ou_potential_matrix",
    "ou_Q",
    "ou_current",
    "ou_angular_momentum",
    "em_mean",
    "em_cov",
    "em_stationary_cov",
    "detailed_balance",
    "commutator",
    "ou_entropy_production",
]


def _mat(name: str, value: Any) -> np.ndarray:
    M = np.atleast_2d(as_float_array(name, value))
    if M.ndim != 2 or M.shape[0] != M.shape[1] or M.size == 0:
        raise ShapeError(f"`{name}` must be a non-empty square matrix, got shape {M.shape}")
    return check_finite(name, M)


def _HD(H: Any, D: Any) -> tuple[np.ndarray, np.ndarray]:
    H = _mat("H", H)
    D = _mat("D", D)
    if H.shape != D.shape or H.shape[0] != H.shape[1]:
        raise ShapeError(f"`H` and `D` must be square matrices of one shape, got {H.shape} and {D.shape}")
    check_psd("D", D)
    return H, D


def ou_stationary_cov(H: Any, D: Any, beta: float = 1.0) -> np.ndarray:
    """Σ solving the Lyapunov equation HΣ + ΣHᵀ = 2β⁻¹D.

    Requires H stable (all eigenvalues with positive real part).
    """
    H, D = _HD(H, D)
    beta = check_positive("beta", beta)
    # An unstable H still gives the Lyapunov equation a solution (unless λᵢ + λⱼ = 0), but
    # not a covariance: refuse it instead of returning a matrix no process has.
    if np.min(np.linalg.eigvals(H).real) <= 0:
        raise ParameterError("`H` must have eigenvalues with positive real part for a stationary OU process")
    # scipy solves AX + XAᴴ = Q (Bartels–Stewart); the exact Σ is symmetric, the solve
    # leaves an O(ε‖Σ‖) antisymmetric part, which the symmetrisation removes.
    S = sla.solve_continuous_lyapunov(H, 2.0 / beta * D)
    return 0.5 * (S + S.T)


def ou_potential_matrix(H: Any, D: Any, beta: float = 1.0) -> np.ndarray:
    """U = (βΣ)⁻¹, so the steady state is ρ ∝ exp(−βΦ) with Φ(x) = ½ xᵀUx."""
    S = ou_stationary_cov(H, D, beta)
    U = np.linalg.inv(beta * S)
    return 0.5 * (U + U.T)


def ou_Q(H: Any, D: Any, beta: float = 1.0) -> np.ndarray:
    """The antisymmetric Q with H U⁻¹ = D + Q, i.e. Q = βHΣ − D = β(HΣ − ΣHᵀ)/2."""
    H, D = _HD(H, D)
    S = ou_stationary_cov(H, D, beta)
    # U⁻¹ = βΣ, so Q = HU⁻¹ − D = βHΣ − D. The Lyapunov equation βHΣ + βΣHᵀ = 2D makes
    # this exactly antisymmetric ((βHΣ − D)ᵀ = βΣHᵀ − D = −(βHΣ − D)); the projection
    # below only removes round-off.
    Q = beta * H @ S - D
    return 0.5 * (Q - Q.T)


def ou_current(H: Any, D: Any, x: Any, beta: float = 1.0) -> np.ndarray:
    """The conservative-force-free part j(x) = −QUx of −Hx = −DUx + j, for x of shape (..., d).

    The probability current is J = j ρ.
    """
    Q = ou_Q(H, D, beta)
    U = ou_potential_matrix(H, D, beta)
    x = check_finite("x", as_float_array("x", x))
    if x.ndim == 0 or x.shape[-1] != Q.shape[0]:
        raise ShapeError(f"`x` must have a last axis of length {Q.shape[0]}, got shape {x.shape}")
    return -x @ (Q @ U).T


def ou_angular_momentum(H: Any, D: Any, beta: float = 1.0, i: int = 0, j: int = 1) -> float:
    """Stationary E[xᵢ dxⱼ − xⱼ dxᵢ]/dt = (HΣ − ΣHᵀ)ᵢⱼ = 2Qᵢⱼ/β (Itô and Stratonovich agree).

    For a symmetric H (a Hessian) this is (HΣ − ΣH)ᵢⱼ; any stable H is accepted.
    """
    H, D = _HD(H, D)
    d = H.shape[0]
    i = check_int("i", i, low=0, high=d - 1)
    j = check_int("j", j, low=0, high=d - 1)
    S = ou_stationary_cov(H, D, beta)
    # E[xᵢ(−Hx)ⱼ − xⱼ(−Hx)ᵢ] = (HΣ − ΣHᵀ)ᵢⱼ (the noise term has zero mean); for a symmetric H
    # (a Hessian) this is HΣ − ΣH, but ou_stationary_cov accepts any stable H, so keep Hᵀ.
    C = H @ S - S @ H.T
    return float(C[i, j])


def commutator(H: Any, D: Any) -> np.ndarray:
    """[H, D] = HD − DH; detailed balance holds iff it vanishes."""
    H, D = _HD(H, D)
    return H @ D - D @ H


def detailed_balance(H: Any, D: Any, rtol: float = 1e-10) -> bool:
    """True iff the OU process is reversible, i.e. HD = DH (Q = 0).

    For symmetric H and positive-definite D, Q = 0 ⇔ HΣ = ΣH ⇔ HD = DH.
    """
    C = commutator(H, D)
    H, D = _HD(H, D)
    rtol = check_float("rtol", rtol, low=0.0)
    return bool(np.max(np.abs(C)) <= rtol * max(np.max(np.abs(H)) * np.max(np.abs(D)), 1e-300))


def _em_matrices(H: Any, D: Any, beta: float, dt: float) -> tuple[np.ndarray, np.ndarray]:
    H, D = _HD(H, D)
    beta = check_positive("beta", beta)
    dt = check_positive("dt", dt)
    A = np.eye(H.shape[0]) - dt * H
    B = 2.0 / beta * dt * D
    return A, B


def em_mean(H: Any, m0: Any, dt: float, n_steps: int) -> np.ndarray:
    """Exact mean of Euler–Maruyama, m_{k+1} = (I − Δt H) m_k, for k = 0..n_steps; shape (n+1, d)."""
    H = _mat("H", H)
    dt = check_positive("dt", dt)
    n_steps = check_int("n_steps", n_steps, low=0, high=MAX_EM_STEPS)
    m0 = check_finite("m0", as_float_array("m0", m0, shape=(H.shape[0],)))
    A = np.eye(H.shape[0]) - dt * H
    out = np.empty((n_steps + 1, H.shape[0]))
    out[0] = m0
    for k in range(n_steps):
        out[k + 1] = A @ out[k]
    return out


def em_cov(H: Any, D: Any, S0: Any, dt: float, n_steps: int, beta: float = 1.0) -> np.ndarray:
    """Exact covariance of Euler–Maruyama, Σ_{k+1} = AΣ_kAᵀ + 2β⁻¹Δt D with A = I − ΔtH; shape (n+1, d, d)."""
    A, B = _em_matrices(H, D, beta, dt)
    n_steps = check_int("n_steps", n_steps, low=0, high=MAX_EM_STEPS)
    S0 = check_finite("S0", as_float_array("S0", S0, shape=A.shape))
    out = np.empty((n_steps + 1, *A.shape))
    out[0] = S0
    for k in range(n_steps):
        out[k + 1] = A @ out[k] @ A.T + B
    return out


def em_stationary_cov(H: Any, D: Any, dt: float, beta: float = 1.0) -> np.ndarray:
    """The fixed point Σ_Δt = AΣ_ΔtAᵀ + 2β⁻¹ΔtD of the EM covariance recursion.

    Σ_Δt = Σ + O(Δt); for scalar OU, Σ_Δt = β⁻¹D / (h(1 − hΔt/2)).
    """
    A, B = _em_matrices(H, D, beta, dt)
    # The fixed point is the limit of the recursion Σ_{k+1} = AΣ_kAᵀ + B (a covariance)
    # only when the spectral radius of A is below 1; otherwise em_cov diverges.
    if np.max(np.abs(np.linalg.eigvals(A))) >= 1:
        raise ParameterError(f"`dt` = {dt} makes Euler–Maruyama unstable for this H (need |1 − dt λ| < 1)")
    # scipy solves AXAᴴ − X + Q = 0, i.e. the fixed point X = AXAᵀ + B; symmetrised as in
    # ou_stationary_cov.
    S = sla.solve_discrete_lyapunov(A, B)
    return 0.5 * (S + S.T)


def ou_entropy_production(H: Any, D: Any, beta: float = 1.0) -> float:
    """Stationary entropy production rate of dx = −Hx dt + √(2β⁻¹D) dW (D invertible).

    e_p = ∫ Jᵀ (β⁻¹D)⁻¹ J / ρ dx = β E[jᵀ D⁻¹ j] = β tr((QU)ᵀ D⁻¹ (QU) Σ), with the
    current velocity j(x) = −QUx; zero iff detailed balance (HD = DH) holds.
    """
    beta = check_positive("beta", beta)
    S = ou_stationary_cov(H, D, beta)
    QU = ou_Q(H, D, beta) @ ou_potential_matrix(H, D, beta)
    _, Dm = _HD(H, D)
    if np.linalg.matrix_rank(Dm) < Dm.shape[0]:
        raise ParameterError("`D` must be invertible (positive definite) for the entropy production; "
                             "pass a positive-definite diffusion matrix")
    Dinv = np.linalg.inv(Dm)
    # E[jᵀD⁻¹j] with j = −QUx and x ~ N(0, Σ): E[xᵀMx] = tr(MΣ) for M = (QU)ᵀD⁻¹(QU).
    return float(beta * np.trace(QU.T @ Dinv @ QU @ S))
