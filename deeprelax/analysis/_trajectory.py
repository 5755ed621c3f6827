"""Trajectory statistics of SDE ensembles: densities, moments, spectra, currents.

Symbols (shapes): ``x`` saved states of shape ``(n_t, n_paths, d)`` (as returned by
:func:`deeprelax.sde.sdeint`) or ``(n_t, d)`` for one long path; ``dt`` the time between
*saved* states; ``burn_in`` the number of leading saved states dropped. Standard errors
treat paths as independent replicates (per-path averages); a single path is split into
``n_batches`` contiguous time batches (batch means), which assumes the batches are
longer than the correlation time.

References
----------
Chaudhari & Soatto, arXiv:1710.11029 (probability current, limit cycles, §2.7 OU
angular momentum). Seifert, Rep. Prog. Phys. 75 (2012) 126001 (entropy production).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._core import ShapeError, as_float_array, bad_parameter, check_positive

__all__ = [
    "Estimate",
    "Density",
    "Moments",
    "ACF",
    "Spectrum",
    "Current",
    "stationary_density",
    "moments",
    "autocorrelation",
    "power_spectrum",
    "probability_current",
    "angular_momentum",
    "entropy_production_rate",
]

#: Batches for batch-means standard errors of a single path.
N_BATCHES = 20
#: z-value of the white-noise confidence band of an autocorrelation (95 %).
Z95 = 1.959963984540054


def _paths(x: Any, burn_in: int = 0) -> np.ndarray:
    """``x`` as ``(n_t, n_paths, d)`` with the burn-in dropped."""
    a = as_float_array("x", x)
    if a.ndim == 2:
        a = a[:, None, :]
    if a.ndim != 3:
        raise ShapeError(f"`x` must have shape (n_t, n_paths, d) or (n_t, d), got shape {a.shape}; "
                         "pass sol.x from sdeint")
    b = int(burn_in)
    if b < 0 or b >= a.shape[0]:
        raise bad_parameter("burn_in", f"an integer in [0, n_t) = [0, {a.shape[0]})", burn_in)
    return a[b:]


def _replicates(values: np.ndarray, n_batches: int) -> np.ndarray:
    """Per-path means of ``values`` (n_t, n_paths, ...), or batch means of one path."""
    if values.shape[1] >= 2:
        return values.mean(axis=0)
    nb = max(2, min(int(n_batches), values.shape[0]))
    chunks = np.array_split(values[:, 0], nb, axis=0)
    return np.stack([c.mean(axis=0) for c in chunks])


@dataclass(frozen=True)
class Estimate:
    """A Monte Carlo estimate with its standard error over ``n`` independent replicates."""

    value: float
    stderr: float
    n: int

    def z(self, reference: float = 0.0) -> float:
        """(value − reference) / stderr."""
        return float((self.value - reference) / self.stderr) if self.stderr > 0 else float("inf")


def _estimate(rep: np.ndarray) -> Estimate:
    n = rep.shape[0]
    return Estimate(float(rep.mean()), float(rep.std(ddof=1) / np.sqrt(n)) if n > 1 else float("nan"), n)


@dataclass(frozen=True)
class Density:
    """A histogram density: ``density`` (nb₁, …, nb_d) integrates to one over ``edges``."""

    density: np.ndarray
    edges: tuple[np.ndarray, ...]
    centers: tuple[np.ndarray, ...]
    counts: np.ndarray
    n_samples: int
    n_outside: int


def stationary_density(x: Any, bins: Any = 50, range: Any = None, *, burn_in: int = 0) -> Density:
    """Histogram estimate of the stationary density from an ensemble or a long path.

    Parameters
    ----------
    x : array_like, shape (n_t, n_paths, d) or (n_t, d)
        Saved states; all states after ``burn_in`` are pooled.
    bins : int or sequence
        Bins per axis or edges (as :func:`numpy.histogramdd`).
    range : sequence of (lo, hi), optional
        Histogram range per axis (default: the data range).
    burn_in : int
        Leading saved states to drop.

    Returns
    -------
    Density
        ``density`` normalised by *all* samples (so mass outside ``range`` is missing,
        counted in ``n_outside``), with ``edges``, ``centers`` and raw ``counts``.
    """
    a = _paths(x, burn_in)
    pts = a.reshape(-1, a.shape[-1])
    counts, edges = np.histogramdd(pts, bins=bins, range=range)
    vol = np.ones(counts.shape)
    for k, e in enumerate(edges):
        shape = [1] * counts.ndim
        shape[k] = -1
        vol = vol * np.diff(e).reshape(shape)
    n = pts.shape[0]
    centers = tuple(0.5 * (e[1:] + e[:-1]) for e in edges)
    return Density(counts / (n * vol), tuple(edges), centers, counts, n, int(n - counts.sum()))


@dataclass(frozen=True)
class Moments:
    """Mean and covariance with standard errors over ``n_replicates`` independent replicates."""

    mean: np.ndarray
    mean_se: np.ndarray
    cov: np.ndarray
    cov_se: np.ndarray
    n_samples: int
    n_replicates: int


def moments(x: Any, *, burn_in: int = 0, n_batches: int = N_BATCHES) -> Moments:
    """Stationary mean and covariance of saved states, with standard errors.

    Parameters
    ----------
    x : array_like, shape (n_t, n_paths, d) or (n_t, d)
    burn_in : int
        Leading saved states to drop.
    n_batches : int
        Time batches for a single path (batch means).

    Returns
    -------
    Moments
        ``mean`` (d,), ``cov`` (d, d) over all pooled samples; ``mean_se``, ``cov_se``
        from the spread of per-path (or per-batch) estimates.
    """
    a = _paths(x, burn_in)
    d = a.shape[-1]
    pts = a.reshape(-1, d)
    mean = pts.mean(axis=0)
    y = a - mean
    outer = y[..., :, None] * y[..., None, :]
    cov = outer.reshape(-1, d, d).mean(axis=0)
    rm = _replicates(a, n_batches)
    rc = _replicates(outer, n_batches)
    r = rm.shape[0]
    return Moments(mean, rm.std(axis=0, ddof=1) / np.sqrt(r), cov, rc.std(axis=0, ddof=1) / np.sqrt(r),
                   pts.shape[0], r)


@dataclass(frozen=True)
class ACF:
    """Autocorrelation per coordinate, averaged over paths, with a white-noise band."""

    lags: np.ndarray
    acf: np.ndarray
    band: float
    n_t: int


def autocorrelation(x: Any, max_lag: int | None = None, *, dt: float = 1.0, burn_in: int = 0) -> ACF:
    """Normalised autocorrelation ρ(τ) of each coordinate (FFT, biased estimator).

    Parameters
    ----------
    x : array_like, shape (n_t, n_paths, d) or (n_t, d)
    max_lag : int, optional
        Largest lag in saved steps (default n_t // 4).
    dt : float
        Time between saved states (``lags`` are in these units).
    burn_in : int

    Returns
    -------
    ACF
        ``lags`` (L + 1,), ``acf`` (L + 1, d) averaged over paths, ``band`` = 1.96/√n_t
        (the 95 % band of white noise).
    """
    a = _paths(x, burn_in)
    n_t = a.shape[0]
    L = n_t // 4 if max_lag is None else int(max_lag)
    if L < 1 or L >= n_t:
        raise bad_parameter("max_lag", f"an integer in [1, n_t) = [1, {n_t})", max_lag)
    y = a - a.mean(axis=0)
    nfft = 1 << int(np.ceil(np.log2(2 * n_t)))
    f = np.fft.rfft(y, n=nfft, axis=0)
    ac = np.fft.irfft(f * np.conj(f), n=nfft, axis=0)[: L + 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        ac = ac / ac[0]
    acf = np.nanmean(ac, axis=1)
    return ACF(np.arange(L + 1) * check_positive("dt", dt), acf, Z95 / np.sqrt(n_t), n_t)


@dataclass(frozen=True)
class Spectrum:
    """rFFT amplitude per frequency and coordinate: mean and spread over paths."""

    freqs: np.ndarray
    amplitude: np.ndarray
    amplitude_std: np.ndarray
    power: np.ndarray


def power_spectrum(x: Any, dt: float = 1.0, *, increments: bool = False, burn_in: int = 0) -> Spectrum:
    """rFFT spectrum of paths (mean removed) or of their increments Δx.

    Parameters
    ----------
    x : array_like, shape (n_t, n_paths, d) or (n_t, d)
    dt : float
        Time between saved states; ``freqs`` are in 1/time (:func:`numpy.fft.rfftfreq`).
    increments : bool
        Transform Δxₖ = xₖ₊₁ − xₖ (white for Brownian motion: a flat spectrum) instead
        of x.
    burn_in : int

    Returns
    -------
    Spectrum
        ``amplitude`` = |rFFT|/n (mean over paths) and its std over paths, shape
        (n_f, d); ``power`` = |rFFT|² dt/n, the periodogram (mean over paths).
    """
    a = _paths(x, burn_in)
    dt = check_positive("dt", dt)
    y = np.diff(a, axis=0) if increments else a - a.mean(axis=0)
    n = y.shape[0]
    F = np.fft.rfft(y, axis=0)
    amp = np.abs(F) / n
    return Spectrum(np.fft.rfftfreq(n, dt), amp.mean(axis=1), amp.std(axis=1),
                    (np.abs(F) ** 2 * dt / n).mean(axis=1))


@dataclass(frozen=True)
class Current:
    """Binned probability current J(x) (nb₁, …, nb_d, d) and the density of midpoints."""

    J: np.ndarray
    density: np.ndarray
    edges: tuple[np.ndarray, ...]
    centers: tuple[np.ndarray, ...]
    counts: np.ndarray
    n_increments: int


def _binned_increments(a: np.ndarray, bins: Any, range: Any) -> tuple[Any, ...]:
    mid = 0.5 * (a[1:] + a[:-1]).reshape(-1, a.shape[-1])
    dx = np.diff(a, axis=0).reshape(-1, a.shape[-1])
    counts, edges = np.histogramdd(mid, bins=bins, range=range)
    sums = np.stack([np.histogramdd(mid, bins=edges, weights=dx[:, k])[0]
                     for k in np.arange(a.shape[-1])], axis=-1)
    vol = np.ones(counts.shape)
    for k, e in enumerate(edges):
        shape = [1] * counts.ndim
        shape[k] = -1
        vol = vol * np.diff(e).reshape(shape)
    return counts, sums, edges, vol, mid.shape[0]


def probability_current(x: Any, dt: float, bins: Any = 20, range: Any = None, *,
                        burn_in: int = 0) -> Current:
    """The stationary probability current from trajectories (Stratonovich midpoints).

    J on bin B ≈ Σ_{k: (xₖ + xₖ₊₁)/2 ∈ B} (xₖ₊₁ − xₖ) / (N Δt |B|), N the number of
    increments: the midpoint (Stratonovich) rule makes the noise average out, so J
    estimates ρ·v with v the mean local velocity (J = 0 under detailed balance).

    Parameters
    ----------
    x : array_like, shape (n_t, n_paths, d) or (n_t, d)
        Saved states (stationary after ``burn_in``).
    dt : float
        Time between saved states.
    bins, range
        As :func:`numpy.histogramdd`.
    burn_in : int

    Returns
    -------
    Current
        ``J`` (nb₁, …, nb_d, d), the midpoint ``density``, ``edges``, ``centers``,
        ``counts``.

    Notes
    -----
    The estimator's bias is O(Δt) (the drift varies along an increment); its noise per
    bin is ≈ √(2 a count)/(N √Δt |B|), so prefer Δt small but not tiny relative to the
    run length.
    """
    a = _paths(x, burn_in)
    dt = check_positive("dt", dt)
    counts, sums, edges, vol, N = _binned_increments(a, bins, range)
    J = sums / (N * dt * vol[..., None])
    centers = tuple(0.5 * (e[1:] + e[:-1]) for e in edges)
    return Current(J, counts / (N * vol), tuple(edges), centers, counts, N)


def angular_momentum(x: Any, dt: float, i: int = 0, j: int = 1, *, burn_in: int = 0,
                     n_batches: int = N_BATCHES) -> Estimate:
    """Stationary angular momentum E[xᵢ dxⱼ − xⱼ dxᵢ]/dt (Stratonovich), with its standard error.

    With midpoints, ½(xₖ + xₖ₊₁)ᵢ Δxⱼ − ½(xₖ + xₖ₊₁)ⱼ Δxᵢ = xₖ,ᵢ xₖ₊₁,ⱼ − xₖ,ⱼ xₖ₊₁,ᵢ exactly.
    For the OU process it equals (HΣ − ΣH)ᵢⱼ = 2Qᵢⱼ/β
    (:func:`deeprelax.theory.ou_angular_momentum`); it vanishes under detailed balance.
    """
    a = _paths(x, burn_in)
    dt = check_positive("dt", dt)
    d = a.shape[-1]
    for name, v in (("i", i), ("j", j)):
        if not 0 <= int(v) < d:
            raise bad_parameter(name, f"a coordinate index in [0, {d})", v)
    lm = (a[:-1, :, i] * a[1:, :, j] - a[:-1, :, j] * a[1:, :, i]) / dt
    return _estimate(_replicates(lm, n_batches))


def entropy_production_rate(x: Any, dt: float, diffusion: Any, bins: Any = 20, range: Any = None,
                            *, burn_in: int = 0, n_batches: int = N_BATCHES) -> Estimate:
    """Stationary entropy production rate e_p = ∫ Jᵀ a⁻¹ J / ρ dx from binned trajectories.

    Parameters
    ----------
    x : array_like, shape (n_t, n_paths, d) or (n_t, d)
    dt : float
        Time between saved states.
    diffusion : array_like, shape (d, d)
        The constant diffusion tensor a = ½ggᵀ (β⁻¹D for Langevin / SGD), invertible.
    bins, range
        The grid for J and ρ (as :func:`numpy.histogramdd`).
    burn_in, n_batches
        Replicates are groups of paths (or time batches of one path).

    Returns
    -------
    Estimate
        e_p with its standard error across ``n_batches`` replicates.

    Notes
    -----
    The plug-in Σ_B J_Bᵀ a⁻¹ J_B |B| / ρ_B is biased upwards by the noise in J_B, so
    each replicate uses the cross product of two independent halves of its paths (or
    of two adjacent time batches), Σ_B J_B^{(1)ᵀ} a⁻¹ J_B^{(2)} |B| / ρ_B, which has no
    noise bias. The discretisation bias (O(Δt) and the bin size) remains.
    Zero in expectation under detailed balance (:func:`deeprelax.theory` has the OU value).
    """
    a = _paths(x, burn_in)
    dt = check_positive("dt", dt)
    A = np.atleast_2d(as_float_array("diffusion", diffusion))
    d = a.shape[-1]
    if A.shape != (d, d):
        raise ShapeError(f"`diffusion` must have shape ({d}, {d}), got {A.shape}")
    Ainv = np.linalg.inv(A)
    if range is None:
        pts = a.reshape(-1, d)
        range = [(float(pts[:, k].min()), float(pts[:, k].max())) for k in np.arange(d)]

    def cross(p: np.ndarray, q: np.ndarray) -> float:
        cp, sp_, _, vol, Np = _binned_increments(p, bins, range)
        cq, sq, _, _, Nq = _binned_increments(q, bins, range)
        occ = (cp + cq) > 0
        Jp = sp_[occ] / (Np * dt * vol[occ][:, None])
        Jq = sq[occ] / (Nq * dt * vol[occ][:, None])
        rho = (cp + cq)[occ] / ((Np + Nq) * vol[occ])
        return float(np.sum(np.einsum("ki,ij,kj->k", Jp, Ainv, Jq) * vol[occ] / rho))

    if a.shape[1] >= 4:
        groups = np.array_split(np.arange(a.shape[1]), min(int(n_batches), a.shape[1] // 2))
        reps = np.array([cross(a[:, g[0::2]], a[:, g[1::2]]) for g in groups])
    else:
        chunks = np.array_split(a, 2 * max(2, int(n_batches)), axis=0)
        reps = np.array([cross(chunks[2 * k], chunks[2 * k + 1]) for k in np.arange(len(chunks) // 2)])
    return _estimate(reps)
