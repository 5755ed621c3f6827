"""The SGD surrogates on a network objective: gradient-noise models as SDE recipes.

SGD at a constant learning rate η with batch size b is, to first order, one
Euler–Maruyama step (Δt = η) of

    dx = −∇f(x) dt + √(η/b · D(x)) dW,            (SGD-VI eq. 6, Lemma 2: β⁻¹ = η/2b)

where D is the per-sample gradient covariance: x ← x − η(∇f + L z), z ~ N(0, I_m),
L Lᵀ = D/b (the map ``scheme="sgd"`` of :func:`deeprelax.sde.from_sgd`). This module
keeps that recipe for an objective known only through its full gradient ∇f (a network
loss, which the ``sde`` room cannot import): a :class:`GradientNoise` says how the
gradient estimate ĝ is formed from ∇f at each step, and :func:`perturb_gradient` is the
compiled step the trajectory engine (:func:`deeprelax.nn.sgd_trajectory`) calls.

Models (``GradientNoise.kind``):

``"minibatch"``   real SGD: ĝ = b⁻¹ Σ_{k∈B} ∇f(x; ξₖ), b indices i.i.d. uniform (with
                  replacement, so Cov ĝ = D/b; SGD-VI Definition 1). No Gaussian noise
                  is added; the engine draws the indices with :func:`draw_minibatch`.
``"isotropic"``   control: ĝ = ∇f(x) + σ z, z ~ N(0, I_P), σ² = tr(D/b)/P — Langevin
                  noise of matched trace (:func:`isotropic_noise`).
``"none"``        control: full-batch gradient descent, ĝ = ∇f(x) (:func:`no_noise`).
``"gaussian"``    the SDE surrogate: ĝ = ∇f(x) + L z, z ~ N(0, I_m), L Lᵀ = D/b
                  (:func:`sgd_surrogate`).

All draws come from one xoshiro256++ state (``deeprelax._core.path_states``), in a
fixed order (indices of a step, then the normals of a step), so compiled and generic
drivers replay the same numbers.

References
----------
Chaudhari & Soatto, arXiv:1710.11029, Definition 1, Lemma 2, §IV-B.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._core import (
    ParameterError,
    ShapeError,
    as_float_array,
    bad_parameter,
    check_choice,
    check_finite,
    check_int,
    check_nonnegative,
    jit,
    rng_normal,
    rng_uniform,
)

__all__ = [
    "GRADIENT_NOISE_KINDS",
    "GradientNoise",
    "gradient_noise",
    "sgd_surrogate",
    "isotropic_noise",
    "no_noise",
    "minibatch_noise",
    "draw_minibatch",
    "perturb_gradient",
]

#: Gradient-noise models, in the order of their integer codes in the compiled kernels.
GRADIENT_NOISE_KINDS = ("minibatch", "isotropic", "none", "gaussian")
MINIBATCH, ISOTROPIC, NONE, GAUSSIAN = range(4)


@dataclass(frozen=True)
class GradientNoise:
    """How the gradient estimate ĝ is formed from the full gradient at every step.

    Attributes
    ----------
    kind : {"minibatch", "isotropic", "none", "gaussian"}
        The model (module docstring).
    dim : int
        P, the number of parameters.
    sigma : float
        σ of ``"isotropic"`` (σ² = tr(D/b)/P); 0 otherwise.
    factor : ndarray (P, m)
        L with L Lᵀ = D/b for ``"gaussian"``; a (P, 1) zero array otherwise (the kernels
        take an array in every case).
    """

    kind: str
    dim: int
    sigma: float = 0.0
    factor: np.ndarray | None = None

    @property
    def code(self) -> int:
        """Integer code of ``kind`` for the compiled kernels."""
        return GRADIENT_NOISE_KINDS.index(self.kind)

    @property
    def needs_full_gradient(self) -> bool:
        """True for the controls and the surrogate (ĝ is built on ∇f, O(NP) per step)."""
        return self.kind != "minibatch"

    def kernel_factor(self) -> np.ndarray:
        """``factor`` as a C-contiguous float64 (P, m) array (zeros (P, 1) when unused)."""
        if self.factor is None:
            return np.zeros((self.dim, 1))
        return self.factor


def minibatch_noise(dim: int) -> GradientNoise:
    """Real SGD: ĝ is the minibatch gradient (no added noise)."""
    return GradientNoise("minibatch", check_int("dim", dim, low=1))


def no_noise(dim: int) -> GradientNoise:
    """Full-batch gradient descent: ĝ = ∇f."""
    return GradientNoise("none", check_int("dim", dim, low=1))


def isotropic_noise(dim: int, noise_trace: float) -> GradientNoise:
    """ĝ = ∇f + σ z with σ² = ``noise_trace``/P: isotropic noise whose trace is tr(D/b).

    Examples
    --------
    >>> isotropic_noise(4, 2.0).sigma
    0.7071067811865476
    """
    P = check_int("dim", dim, low=1)
    tr = check_nonnegative("noise_trace", noise_trace)
    return GradientNoise("isotropic", P, float(np.sqrt(tr / P)))


def sgd_surrogate(noise_factor: Any = None, *, batch_size: int = 1, D: Any = None,
                  dim: int | None = None) -> GradientNoise:
    r"""The Gaussian SDE surrogate of SGD on a network: ĝ = ∇f + L z, L Lᵀ = D/b.

    One step x ← x − η ĝ is Euler–Maruyama with Δt = η of

    .. math:: dx = -\nabla f(x)\,dt + \sqrt{\eta/b\; D}\,dW ,

    with D frozen at the point where it was measured (SGD-VI §IV-B, Lemma 2).

    Parameters
    ----------
    noise_factor : array_like (P, m), optional
        L with L Lᵀ = D/b (e.g. ``NoiseSpectrum.minibatch_factor(b)``). Give this or ``D``.
    batch_size : int
        b, used with ``D``.
    D : array_like (P, P), optional
        The per-sample gradient covariance; factored by a symmetric square root of D/b
        (negative round-off eigenvalues clipped).
    dim : int, optional
        P, checked against the factor.

    Returns
    -------
    GradientNoise
        ``kind="gaussian"``.

    Examples
    --------
    >>> import numpy as np
    >>> s = sgd_surrogate(D=np.diag([4.0, 1.0]), batch_size=4)
    >>> np.round(s.factor @ s.factor.T, 12)
    array([[1.  , 0.  ],
           [0.  , 0.25]])
    """
    if (noise_factor is None) == (D is None):
        raise ParameterError("`noise_factor` must be given for the Gaussian surrogate "
                             "(noise='gaussian'): a (P, m) factor L with L L^T = D/b "
                             "(NoiseSpectrum.minibatch_factor), or pass D and batch_size")
    if D is not None:
        Da = as_float_array("D", D)
        if Da.ndim != 2 or Da.shape[0] != Da.shape[1]:
            raise bad_parameter("D", "a square (P, P) covariance", f"shape {Da.shape}",
                                cls=ShapeError)
        check_finite("D", Da)
        b = check_int("batch_size", batch_size, low=1)
        w, V = np.linalg.eigh(0.5 * (Da + Da.T))
        L = V * np.sqrt(np.clip(w, 0.0, None) / b)
    else:
        L = as_float_array("noise_factor", noise_factor)
    L = np.ascontiguousarray(L)
    P = (L.shape[0] if L.ndim else 0) if dim is None else check_int("dim", dim, low=1)
    if L.ndim != 2 or L.shape[0] != P or L.shape[1] < 1:
        raise bad_parameter("noise_factor", f"a ({P}, m) factor", f"shape {L.shape}",
                            cls=ShapeError)
    check_finite("noise_factor", L)
    return GradientNoise("gaussian", P, 0.0, L)


def gradient_noise(noise: str, dim: int, *, noise_trace: float | None = None,
                   noise_factor: Any = None) -> GradientNoise:
    """The :class:`GradientNoise` named ``noise`` (one of :data:`GRADIENT_NOISE_KINDS`)."""
    check_choice("noise", noise, GRADIENT_NOISE_KINDS)
    if noise == "minibatch":
        return minibatch_noise(dim)
    if noise == "none":
        return no_noise(dim)
    if noise == "isotropic":
        if noise_trace is None:
            raise ParameterError("`noise_trace` must be given for noise='isotropic': the trace "
                                 "tr(D/b) of the minibatch covariance to match")
        return isotropic_noise(dim, noise_trace)
    return sgd_surrogate(noise_factor, dim=dim)


# --------------------------------------------------------------------------- kernels
@jit
def draw_minibatch(state, N, idx):  # pragma: no cover - compiled
    """Fill ``idx`` with i.i.d. uniform indices in 0..N−1 (with replacement) from ``state``."""
    for r in range(idx.shape[0]):
        k = int(rng_uniform(state) * N)
        idx[r] = k if k < N else N - 1  # u < 1 always; the guard only protects the index


@jit
def perturb_gradient(g, code, sigma, L, state, zn):  # pragma: no cover - compiled
    """ĝ = g + noise in place: σ z (isotropic, code 1) or L z (Gaussian surrogate, code 3).

    Codes 0 (minibatch) and 2 (none) leave g unchanged. ``zn`` is an (m,) work array.
    Normals are drawn in index order from ``state`` (z₀, z₁, ...), one per parameter
    (isotropic) or one per column of L (surrogate).
    """
    P = g.shape[0]
    if code == 1:
        for j in range(P):
            g[j] += sigma * rng_normal(state)
    elif code == 3:
        m = L.shape[1]
        for c in range(m):
            zn[c] = rng_normal(state)
        for j in range(P):
            acc = 0.0
            for c in range(m):
                acc += L[j, c] * zn[c]
            g[j] += acc
