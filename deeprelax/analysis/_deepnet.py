"""Diagnostics of recorded network trajectories: increment spectra, autocorrelation, circulation.

The trajectories themselves are computed by the network room,
:func:`deeprelax.nn.sgd_trajectory` (SGD, its controls and the Gaussian SDE surrogate of
:mod:`deeprelax.sde._network`); this module only analyses them. Inputs are weights
recorded once per epoch, ``weights`` (n_epochs, n_weights), and, for the circulation, a
plane of two orthonormal directions — the plane of largest predicted angular momentum
of the linearised surrogate (:func:`predicted_circulation_plane`) or any other.

References
----------
Chaudhari & Soatto, arXiv:1710.11029, §IV-B, §V and Fig. 3.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._core import (
    ShapeError,
    as_float_array,
    bad_parameter,
    check_finite,
    check_int,
    check_positive,
    check_psd,
)

# The engine moved to the network room; the names stay importable from here for the
# experiments that still import them from analysis (no code of the engine lives here).
from ..nn import NOISE_MODELS, MLPArch, Trajectory, mlp_arch, mlp_loss_grad, sgd_trajectory
from ._trajectory import autocorrelation, power_spectrum

__all__ = [
    "Trajectory",
    "NOISE_MODELS",
    "MLPArch",
    "mlp_arch",
    "mlp_loss_grad",
    "sgd_trajectory",
    "IncrementSpectrum",
    "Autocorrelation",
    "PlaneCirculation",
    "CirculationPlane",
    "increment_spectrum",
    "weight_autocorrelation",
    "plane_circulation",
    "predicted_circulation_plane",
]


# --------------------------------------------------------------------------- diagnostics
#: z of the two-sided 99 % white-noise band of an autocorrelation (SGD-VI Fig. 3b caption).
Z99 = 2.5758293035489004


@dataclass(frozen=True)
class IncrementSpectrum:
    """Amplitude spectrum of per-weight increments Δxⁱ_k = xⁱ_{k+1} − xⁱ_k.

    ``freq`` (n_f,) in 1/epoch (``numpy.fft.rfftfreq``); ``mean``, ``std`` (n_f,) of
    |rFFT(Δxⁱ)|/n over the weights i (SGD-VI Fig. 3a plots mean ± std).
    """

    freq: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    n_weights: int
    n_increments: int


def _weights(weights: Any, min_records: int) -> np.ndarray:
    """``weights`` as a finite float (n, n_w) array with n >= ``min_records`` and n_w >= 1."""
    W = as_float_array("weights", weights)
    if W.ndim != 2 or W.shape[0] < min_records or W.shape[1] < 1:
        raise bad_parameter("weights", f"an (n_epochs >= {min_records}, n_weights >= 1) array",
                            f"shape {W.shape}", "pass Trajectory.weights of a run of enough epochs",
                            cls=ShapeError)
    return check_finite("weights", W)


def increment_spectrum(weights: Any, epoch: float = 1.0) -> IncrementSpectrum:
    """rFFT amplitude of the epoch-to-epoch increments of every recorded weight.

    Parameters
    ----------
    weights : array_like (n, n_w)
        Weights recorded once per epoch (``Trajectory.weights``), finite, n >= 3.
    epoch : float
        Spacing of the records (in epochs).

    Returns
    -------
    IncrementSpectrum

    Notes
    -----
    White increments (Brownian weights) have a flat expected amplitude; an OU weight
    x_{k+1} = a x_k + ε has increment power σ²|1 − e^{−iω}|²/|1 − a e^{−iω}|² (low-pass
    suppressed at ω → 0); a rotation has a peak at its frequency. Computed by
    :func:`deeprelax.analysis._trajectory.power_spectrum` (``increments=True``), each
    weight one path.
    """
    W = _weights(weights, 3)
    epoch = check_positive("epoch", epoch)
    # each weight is one "path" of a 1-D process for the trajectory room's power_spectrum
    sp = power_spectrum(W[:, :, None], epoch, increments=True)
    return IncrementSpectrum(sp.freqs, sp.amplitude[:, 0], sp.amplitude_std[:, 0], W.shape[1],
                             W.shape[0] - 1)


@dataclass(frozen=True)
class Autocorrelation:
    """Autocorrelation of the weights averaged over weights, with a white-noise band.

    ``lags`` (n_lag,) in records; ``mean`` (n_lag,) the mean over weights of the sample
    autocorrelation ρ̂ⁱ(lag); ``band`` = z/√n, the ±band a white sequence of length n
    stays inside with probability 99 % (z = 2.576) at each lag.
    """

    lags: np.ndarray
    mean: np.ndarray
    band: float
    n: int


def weight_autocorrelation(weights: Any, max_lag: int | None = None,
                           z: float = Z99) -> Autocorrelation:
    """Sample autocorrelation of each recorded weight (FFT, biased estimator), mean over weights.

    Parameters
    ----------
    weights : array_like (n, n_w)
        Finite, n >= 4, at least one weight not constant (constant weights are skipped).
    max_lag : int, optional
        Largest lag (default n // 2).
    z : float
        Half-width of the band in standard errors (2.576 → 99 %).

    Returns
    -------
    Autocorrelation

    Notes
    -----
    ρ̂(τ) = Σ_{k<n−τ} (x_k − x̄)(x_{k+τ} − x̄) / Σ_k (x_k − x̄)² (biased, so |ρ̂| ≤ 1),
    computed for all lags by a zero-padded FFT. Under white noise ρ̂(τ) ≈ N(0, 1/n)
    (Bartlett), hence the band ±z/√n. Computed by
    :func:`deeprelax.analysis._trajectory.autocorrelation` (each weight one path).
    """
    W = _weights(weights, 4)
    n = W.shape[0]
    ml = n // 2 if max_lag is None else check_int("max_lag", max_lag)
    if not 1 <= ml < n:
        raise bad_parameter("max_lag", f"an integer in 1..{n - 1}", max_lag,
                            "pass a lag shorter than the number of records")
    z = check_positive("z", z)
    keep = np.ptp(W, axis=0) > 0  # constant weights have no autocorrelation
    if not keep.any():
        raise bad_parameter("weights", "a record with at least one weight that varies", "every weight constant",
                            "a constant sequence has no autocorrelation; check that the run moved")
    ac = autocorrelation(W[:, keep, None], ml)  # the trajectory room's FFT estimator
    return Autocorrelation(np.arange(ml + 1), ac.acf[:, 0], z / np.sqrt(n), n)


#: Tolerance on ``plane @ plane.T = I`` in :func:`plane_circulation`.
PLANE_ATOL = 1e-6


@dataclass(frozen=True)
class PlaneCirculation:
    """Angular momentum of a trajectory projected on a plane, with its standard error.

    ``path`` (n, 2) the projected, centred coordinates q; ``angular_momentum`` the
    time average of q₁Δq₂ − q₂Δq₁ per record (positive = counter-clockwise in the
    (u₁, u₂) orientation); ``stderr`` by batch means; ``z`` = angular_momentum/stderr.
    """

    path: np.ndarray
    angular_momentum: float
    stderr: float
    z: float
    n_batches: int


def plane_circulation(x: Any, plane: Any, *, n_batches: int = 20) -> PlaneCirculation:
    """Probability-current signature in a plane: ⟨q₁ dq₂ − q₂ dq₁⟩ with q = U(x − x̄).

    Parameters
    ----------
    x : array_like (n, P)
        States recorded at equal intervals (full weight vectors, or any coordinates).
    plane : array_like (2, P)
        Two orthonormal directions (``plane @ plane.T = I`` to ``PLANE_ATOL``), e.g. the
        top two eigenvectors of D (``NoiseSpectrum.components[:2]``).
    n_batches : int
        Batches of the batch-means standard error (≥ 4).

    Returns
    -------
    PlaneCirculation

    Notes
    -----
    For a stationary process the mean of q₁Δq₂ − q₂Δq₁ (midpoint rule, so the noise
    adds no drift) vanishes under detailed balance: the process is time-reversible and
    the swept area changes sign under time reversal. For a linear process dq = −Aq dt +
    noise with stationary covariance Σ it is (AΣ − ΣAᵀ)₁₂ Δt, non-zero exactly when
    there is a probability current (SGD-VI §V, eqs 15–16). The standard error by batch
    means
    accounts for the autocorrelation of the summand.
    """
    X = as_float_array("x", x)
    if X.ndim != 2 or 0 in X.shape:
        raise bad_parameter("x", "a non-empty (n, P) array of recorded states", f"shape {X.shape}",
                            cls=ShapeError)
    check_finite("x", X)
    U = as_float_array("plane", plane)
    if U.shape != (2, X.shape[1]):
        raise bad_parameter("plane", f"a (2, {X.shape[-1]}) array of two directions",
                            f"shapes x {X.shape}, plane {U.shape}", cls=ShapeError)
    check_finite("plane", U)
    if np.max(np.abs(U @ U.T - np.eye(2))) > PLANE_ATOL:
        raise bad_parameter("plane", "two orthonormal directions (plane @ plane.T = I)",
                            f"plane @ plane.T = {np.round(U @ U.T, 6).tolist()}",
                            "orthonormalise them: np.linalg.qr(plane.T)[0].T")
    nb = check_int("n_batches", n_batches, low=4)
    if X.shape[0] < 2 * nb + 1:
        raise bad_parameter("n_batches", f"an integer in 4..{(X.shape[0] - 1) // 2}", n_batches,
                            "pass fewer batches or a longer record")
    q = (X - X.mean(axis=0)) @ U.T
    dq = np.diff(q, axis=0)
    qm = 0.5 * (q[1:] + q[:-1])  # midpoint (Stratonovich) rule: no Itô drift term
    a = qm[:, 0] * dq[:, 1] - qm[:, 1] * dq[:, 0]
    m = a.size // nb
    means = a[: m * nb].reshape(nb, m).mean(axis=1)
    L = float(a.mean())
    se = float(means.std(ddof=1) / np.sqrt(nb))
    return PlaneCirculation(q, L, se, L / se if se > 0 else float("nan"), nb)


@dataclass(frozen=True)
class CirculationPlane:
    """The plane of largest predicted angular momentum of the linearised SGD map.

    ``plane`` (2, P) orthonormal (u₁, u₂); ``angular_momentum`` the predicted stationary
    E[q₁Δq₂ − q₂Δq₁] per record in that plane (what :func:`plane_circulation` measures);
    ``n_modes`` the Hessian directions kept (λ > ``rel_tol``·λ_max); ``relaxation`` the
    slower of the two relaxation times 1/λ in records of the modes that span the plane
    (a weighted mean, as the plane mixes modes).
    """

    plane: np.ndarray
    angular_momentum: float
    n_modes: int
    relaxation: float


def predicted_circulation_plane(H: Any, D: Any, lr: float, batch_size: int, *,
                                steps_per_record: int = 1,
                                rel_tol: float = 1e-3) -> CirculationPlane:
    r"""Where to look for the probability current of SGD, and how large it should be.

    For the SGD map linearised at a minimum, q' = A q + η L z with A = I − ηH and
    L Lᵀ = D/b, the stationary covariance solves Σ = AΣA + (η²/b) D; with records every
    s steps (Φ = Aˢ) the midpoint angular momentum per record in the plane (u₁, u₂) is

    .. math:: E[q_1 \Delta q_2 - q_2 \Delta q_1] = u_1^\top (\Sigma\Phi - \Phi\Sigma) u_2
              \approx s\eta\, u_1^\top (H\Sigma - \Sigma H) u_2 ,

    non-zero exactly when H and D do not commute (SGD-VI §V: no detailed balance). The
    antisymmetric matrix ΣΦ − ΦΣ has singular values in pairs; the plane of its top
    pair maximises the signal. Only Hessian directions with λ > ``rel_tol``·λ_max enter
    (flat and negative directions have no stationary state).

    Parameters
    ----------
    H : array_like (P, P)
        Hessian at the steady-state point.
    D : array_like (P, P)
        Per-sample gradient covariance there (positive semi-definite; its symmetric part
        is used).
    lr : float
        η.
    batch_size : int
        b.
    steps_per_record : int
        s, steps between two records (⌈N/b⌉ for once per epoch).
    rel_tol : float
        Relative eigenvalue floor of H.

    Returns
    -------
    CirculationPlane

    Examples
    --------
    >>> import numpy as np
    >>> H = np.diag([1.0, 2.0]); D = np.array([[1.0, 0.5], [0.5, 1.0]])
    >>> c = predicted_circulation_plane(H, D, 0.01, 1)
    >>> bool(abs(c.angular_momentum) > 0), c.plane.shape
    (True, (2, 2))
    >>> predicted_circulation_plane(H, np.eye(2), 0.01, 1).angular_momentum   # commuting
    0.0
    """
    Ha = as_float_array("H", H)
    if Ha.ndim != 2 or Ha.shape[0] != Ha.shape[1] or Ha.shape[0] < 2:
        raise bad_parameter("H", "a square (P, P) array with P >= 2", f"shape {Ha.shape}", cls=ShapeError)
    check_finite("H", Ha)
    Da = as_float_array("D", D)
    if Da.shape != Ha.shape:
        raise bad_parameter("D", f"an array of the shape of H, {Ha.shape}", f"shape {Da.shape}",
                            cls=ShapeError)
    Ds = 0.5 * (check_finite("D", Da) + Da.T)
    check_psd("D", Ds)  # a covariance (its symmetric part is used)
    eta = check_positive("lr", lr)
    b = check_int("batch_size", batch_size, low=1)
    s = check_int("steps_per_record", steps_per_record, low=1)
    rel_tol = check_positive("rel_tol", rel_tol)
    lam, V = np.linalg.eigh(0.5 * (Ha + Ha.T))
    keep = lam > rel_tol * max(lam.max(), 0.0)
    if keep.sum() < 2:
        raise bad_parameter("H", "a Hessian with at least two positive directions", int(keep.sum()))
    lam, V = lam[keep], V[:, keep]
    a = 1.0 - eta * lam                      # eigenvalues of A = I − ηH
    Dt = V.T @ Ds @ V                        # D in the eigenbasis of H
    Sig = (eta**2 / b) * Dt / (1.0 - np.outer(a, a))   # discrete Lyapunov, elementwise
    phi = a**s
    M = Sig * phi[None, :] - phi[:, None] * Sig        # ΣΦ − ΦΣ in the eigenbasis
    U, sv, Wt = np.linalg.svd(M)
    if sv[0] <= 1e-300:
        u1, u2 = V[:, 0], V[:, 1]
        return CirculationPlane(np.stack([u1, u2]), 0.0, int(keep.sum()), float("nan"))
    c1, c2 = U[:, 0], Wt[0]                  # c1ᵀ M c2 = σ₁, c1 ⟂ c2 (M antisymmetric)
    plane = np.stack([V @ c1, V @ c2])
    w = c1**2 + c2**2
    relax = float(np.sum(w / (eta * lam * s)) / np.sum(w))
    return CirculationPlane(plane, float(c1 @ M @ c2), int(keep.sum()), relax)
