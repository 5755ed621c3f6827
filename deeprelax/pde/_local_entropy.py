"""Entropy-SGD's local entropy F(x, γ) from the viscous Hamilton–Jacobi solution at t = 1/γ."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._core import Status, check_positive
from ._cole_hopf import cole_hopf
from ._grid import Grid

__all__ = ["LocalEntropyResult", "local_entropy", "local_entropy_constant"]


@dataclass(frozen=True)
class LocalEntropyResult:
    """Result of :func:`local_entropy`.

    Attributes
    ----------
    F : ndarray, shape grid.shape
        F(x, γ) = β⁻¹ log Σ_y h^d exp(−βf(y) − βγ|x − y|²/2).
    grad : ndarray, shape grid.shape + (d,)
        ∇F = −γ(x − ⟨y⟩_x) (Entropy-SGD eq. 7).
    mean : ndarray, shape grid.shape + (d,)
        ⟨y⟩_x under P(y; x, γ) ∝ exp(−βf(y) − βγ|x − y|²/2).
    u : ndarray, shape grid.shape
        The viscous HJ solution u(x, 1/γ), with F = −u + ``const``.
    const : float
        (d/2β) log(2π/(βγ)).
    gamma, beta, t : float
        Scope γ, inverse temperature β, and t = 1/γ.
    status : Status
        That of the underlying :func:`cole_hopf` (``SUCCESS``).
    message : str
        Outcome.
    """

    F: np.ndarray
    grad: np.ndarray
    mean: np.ndarray
    u: np.ndarray
    const: float
    gamma: float
    beta: float
    t: float
    status: Status = Status.SUCCESS
    message: str = "success"

    @property
    def success(self) -> bool:
        """``status == Status.SUCCESS``."""
        return self.status.ok


def local_entropy_constant(dim: int, gamma: float, beta: float = 1.0) -> float:
    """The constant of F(x, γ) = −u(x, 1/γ) + (d/2β) log(2π/(βγ))."""
    return 0.5 * dim / beta * math.log(2.0 * math.pi / (beta * gamma))


def local_entropy(f: Any, grid: Grid, gamma: float, beta: float = 1.0) -> LocalEntropyResult:
    """Entropy-SGD's local entropy F(x, γ) and its gradient on a grid, through Cole–Hopf.

    Parameters
    ----------
    f : array_like of shape grid.shape, Landscape or callable
        The loss f at the cell centres.
    grid : Grid
        The grid; the integral over y runs over its cells.
    gamma : float
        Scope γ > 0.
    beta : float
        Inverse temperature β > 0 (Entropy-SGD sets β = 1).

    Returns
    -------
    LocalEntropyResult

    Notes
    -----
    F(x, γ) = β⁻¹ log ∫ exp(−βf(y) − βγ|x − y|²/2) dy (Entropy-SGD eq. 4 at β = 1). With
    t = 1/γ, the Gaussian integral is a Cole–Hopf solution of the viscous HJ equation
    u_t = −½|∇u|² + (β⁻¹/2)Δu, u(·, 0) = f:

        F(x, γ) = −u(x, 1/γ) + (d/2β) log(2π/(βγ)),

    so ∇F = −∇u = −γ(x − ⟨y⟩_x) (eq. 7) and −F is the relaxed loss of Deep Relaxation.
    The grid sum is the midpoint rule (see :func:`cole_hopf`).

    References
    ----------
    P. Chaudhari et al., "Entropy-SGD: biasing gradient descent into wide valleys",
    arXiv:1611.01838, eqs. (4), (7). P. Chaudhari, A. Oberman, S. Osher, S. Soatto,
    G. Carlier, "Deep relaxation", arXiv:1704.04932.

    Examples
    --------
    >>> import numpy as np
    >>> from deeprelax.pde import Grid, local_entropy
    >>> g = Grid((-8.0, 8.0), 800)
    >>> r = local_entropy(0.5 * g.axes[0] ** 2, g, gamma=1.0)
    >>> # f = x²/2, γ = 1: −F = x²/4 + const, so ∇F = −x/2
    >>> bool(np.allclose(r.grad[300:500, 0], -g.axes[0][300:500] / 2))
    True
    """
    gamma = check_positive("gamma", gamma, "the scope gamma of Entropy-SGD is > 0 (t = 1/gamma)")
    beta = check_positive("beta", beta, "the inverse temperature beta is > 0")
    # With σ = t/β = 1/(βγ), G_σ(x − y) = (2π/(βγ))^{−d/2} e^{−βγ|x − y|²/2}, so
    # ∫ e^{−βf(y) − βγ|x − y|²/2} dy = (2π/(βγ))^{d/2} e^{−βu(x, 1/γ)}; taking β⁻¹ log gives
    # F = const − u, and the grid's midpoint sum is cole_hopf's.
    t = 1.0 / gamma
    ch = cole_hopf(f, grid, t, beta, gradient=True)
    const = local_entropy_constant(grid.ndim, gamma, beta)
    grad = np.asarray(ch.grad)
    return LocalEntropyResult(F=const - ch.u, grad=-grad, mean=np.asarray(ch.mean), u=ch.u, const=const,
                              gamma=gamma, beta=beta, t=t, status=ch.status, message=ch.message)
