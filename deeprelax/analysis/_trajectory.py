"""Trajectory statistics of SDE ensembles: densities, moments, spectra, currents.

Symbols (shapes): ``x`` saved states of shape ``(n_t, n_paths, d)`` (as returned by
:func:`deeprelax.sde.sdeint`) or ``(n_t, d)`` for one long path; ``dt`` the time between
*saved* states; ``burn_in`` the number of leading saved states dropped. Standard errors
treat paths as independent replicates (per-path averages); a single path is split into
``n_batches`` contiguous time batches (batch means), which assumes the batches are
longer than the correlation time.

Inputs are checked once, at the entry point (never inside the loops): ``x`` a non-empty,
finite real array with enough saved states for the estimator; ``burn_in``, ``max_lag``,
``n_batches``, ``i``, ``j`` integers (``2.5``, ``'3'`` and ``True`` are refused, not
truncated), ``n_batches >= 2`` (a batch-means standard error needs two batches); ``bins``
and ``range`` as :func:`numpy.histogramdd` takes them; ``diffusion`` symmetric positive
definite. A bad value raises a :class:`~deeprelax._core.errors.DeepRelaxError` naming the
parameter.

References
----------
Chaudhari & Soatto, arXiv:1710.11029 (probability current, limit cycles, §2.7 OU
angular momentum). Seifert, Rep. Prog. Phys. 75 (2012) 126001 (entropy production).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._core import (
    NotPSDError,
    ShapeError,
    as_float_array,
    bad_parameter,
    check_bool,
    check_finite,
    check_int,
    check_positive,
    check_psd,
)

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


def _paths(x: Any, burn_in: Any = 0, min_t: int = 1, min_t_one_path: int | None = None) -> np.ndarray:
    """``x`` validated as ``(n_t, n_paths, d)`` with the burn-in dropped.

    ``x`` must be a non-empty, finite real array of shape (n_t, n_paths, d) or (n_t, d);
    ``burn_in`` an integer that leaves at least ``min_t`` saved states (``min_t_one_path``
    for a single path, when the estimator needs more of them: batch means).
    """
    a = as_float_array("x", x)
    if a.ndim not in (2, 3):
        raise ShapeError(f"`x` must have shape (n_t, n_paths, d) or (n_t, d), got shape {a.shape}; "
                         "pass sol.x from sdeint")
    if 0 in a.shape:
        raise bad_parameter("x", "a non-empty array (n_t >= 1 saved states, n_paths >= 1, d >= 1)",
                            f"shape {a.shape}", "pass sol.x from sdeint", cls=ShapeError)
    check_finite("x", a)
    if a.ndim == 2:
        a = a[:, None, :]
    need = min_t if min_t_one_path is None or a.shape[1] > 1 else min_t_one_path
    n_t = a.shape[0]
    if n_t < need:
        raise bad_parameter("x", f"at least {need} saved states for this estimator", f"n_t = {n_t}",
                            "pass a longer trajectory", cls=ShapeError)
    b = check_int("burn_in", burn_in, low=0, fix="pass the number of leading saved states to drop")
    if n_t - b < need:
        raise bad_parameter("burn_in", f"an integer in [0, {n_t - need}] (leaving at least {need} of "
                            f"the n_t = {n_t} saved states)", burn_in, "lower burn_in")
    return a[b:]


def _check_n_batches(n_batches: Any) -> int:
    """``n_batches`` as an int >= 2 (a batch-means standard error needs two batches)."""
    return check_int("n_batches", n_batches, low=2,
                     fix="pass n_batches >= 2: a standard error needs at least two batches")


def _check_bins(bins: Any, d: int) -> Any:
    """``bins`` as :func:`numpy.histogramdd` takes it: a count, or one count / edge array per axis."""
    if not isinstance(bins, (list, tuple, np.ndarray)) or (isinstance(bins, np.ndarray) and bins.ndim == 0):
        return check_int("bins", bins, low=1, fix="pass a number of bins per axis >= 1, or edges")
    if len(bins) != d:
        raise bad_parameter("bins", f"an integer or a sequence of {d} bin counts / edge arrays "
                            "(one per coordinate)", f"a sequence of length {len(bins)}", cls=ShapeError)
    out: list[Any] = []
    for k, b in enumerate(bins):
        name = f"bins[{k}]"
        if not isinstance(b, (list, tuple, np.ndarray)) or (isinstance(b, np.ndarray) and b.ndim == 0):
            out.append(check_int(name, b, low=1, fix="pass a number of bins >= 1, or edges"))
            continue
        e = check_finite(name, as_float_array(name, b, ndim=1))
        if e.size < 2 or np.any(np.diff(e) <= 0):
            raise bad_parameter(name, "at least two strictly increasing bin edges", b)
        out.append(e)
    return out


def _check_range(range: Any, d: int) -> Any:
    """``range`` as :func:`numpy.histogramdd` takes it: ``None`` or one ``(lo, hi)`` (or None) per axis."""
    if range is None:
        return None
    if not isinstance(range, (list, tuple, np.ndarray)) or len(range) != d:
        raise bad_parameter("range", f"None or a sequence of {d} (lo, hi) pairs (one per coordinate)",
                            range, cls=ShapeError)
    out: list[Any] = []
    for k, r in enumerate(range):
        if r is None:
            out.append(None)
            continue
        pair = check_finite(f"range[{k}]", as_float_array(f"range[{k}]", r, shape=(2,)))
        if not pair[0] < pair[1]:
            raise bad_parameter(f"range[{k}]", "a pair (lo, hi) with lo < hi", r)
        out.append((float(pair[0]), float(pair[1])))
    return out


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
    d = a.shape[-1]
    bins, range = _check_bins(bins, d), _check_range(range, d)
    pts = a.reshape(-1, d)
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
        Time batches for a single path (batch means), >= 2 (capped at the number of
        saved states); ignored for an ensemble (paths are the replicates).

    Returns
    -------
    Moments
        ``mean`` (d,), ``cov`` (d, d) over all pooled samples; ``mean_se``, ``cov_se``
        from the spread of per-path (or per-batch) estimates.
    """
    n_batches = _check_n_batches(n_batches)
    a = _paths(x, burn_in, min_t=1, min_t_one_path=2)
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
    a = _paths(x, burn_in, min_t=2)
    dt = check_positive("dt", dt)
    n_t = a.shape[0]
    if max_lag is None:
        L = max(1, n_t // 4)
    else:
        L = check_int("max_lag", max_lag)
        if L < 1 or L >= n_t:
            raise bad_parameter("max_lag", f"an integer in [1, n_t) = [1, {n_t})", max_lag,
                                "pass a lag shorter than the (post-burn-in) trajectory")
    y = a - a.mean(axis=0)
    nfft = 1 << int(np.ceil(np.log2(2 * n_t)))
    f = np.fft.rfft(y, n=nfft, axis=0)
    ac = np.fft.irfft(f * np.conj(f), n=nfft, axis=0)[: L + 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        ac = ac / ac[0]
    acf = np.nanmean(ac, axis=1)
    return ACF(np.arange(L + 1) * dt, acf, Z95 / np.sqrt(n_t), n_t)


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
    increments = check_bool("increments", increments)
    a = _paths(x, burn_in, min_t=2 if increments else 1)
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
    a = _paths(x, burn_in, min_t=2)
    dt = check_positive("dt", dt)
    d = a.shape[-1]
    counts, sums, edges, vol, N = _binned_increments(a, _check_bins(bins, d), _check_range(range, d))
    J = sums / (N * dt * vol[..., None])
    centers = tuple(0.5 * (e[1:] + e[:-1]) for e in edges)
    return Current(J, counts / (N * vol), tuple(edges), centers, counts, N)


def angular_momentum(x: Any, dt: float, i: int = 0, j: int = 1, *, burn_in: int = 0,
                     n_batches: int = N_BATCHES) -> Estimate:
    """Stationary angular momentum E[xᵢ dxⱼ − xⱼ dxᵢ]/dt (Stratonovich), with its standard error.

    With midpoints, ½(xₖ + xₖ₊₁)ᵢ Δxⱼ − ½(xₖ + xₖ₊₁)ⱼ Δxᵢ = xₖ,ᵢ xₖ₊₁,ⱼ − xₖ,ⱼ xₖ₊₁,ᵢ exactly.
    For the OU process it equals (HΣ − ΣH)ᵢⱼ = 2Qᵢⱼ/β
    (:func:`deeprelax.theory.ou_angular_momentum`); it vanishes under detailed balance.

    Parameters
    ----------
    x : array_like, shape (n_t, n_paths, d) or (n_t, d)
        Saved states, d >= 2 (at least 3 saved states for a single path).
    dt : float
        Time between saved states.
    i, j : int
        Two different coordinate indices in [0, d).
    burn_in : int
    n_batches : int
        Time batches of a single path (batch means), >= 2.

    Returns
    -------
    Estimate
    """
    n_batches = _check_n_batches(n_batches)
    a = _paths(x, burn_in, min_t=2, min_t_one_path=3)
    dt = check_positive("dt", dt)
    d = a.shape[-1]
    ij = []
    for name, v in (("i", i), ("j", j)):
        k = check_int(name, v)
        if not 0 <= k < d:
            raise bad_parameter(name, f"a coordinate index in [0, {d})", v)
        ij.append(k)
    i, j = ij
    if i == j:
        raise bad_parameter("j", f"a coordinate index different from i = {i}", j,
                            "the angular momentum of a coordinate with itself is identically 0")
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
        The constant diffusion tensor a = ½ggᵀ (β⁻¹D for Langevin / SGD): symmetric
        positive definite.
    bins, range
        The grid for J and ρ (as :func:`numpy.histogramdd`).
    burn_in, n_batches
        Replicates are groups of paths (or time batches of one path); ``n_batches >= 2``,
        and fewer than 4 paths need ``4 n_batches`` saved states.

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
    n_batches = _check_n_batches(n_batches)
    a = _paths(x, burn_in, min_t=2)
    dt = check_positive("dt", dt)
    A = np.atleast_2d(as_float_array("diffusion", diffusion))
    d = a.shape[-1]
    if A.shape != (d, d):
        raise ShapeError(f"`diffusion` must have shape ({d}, {d}), got {A.shape}")
    w = check_psd("diffusion", A)  # finite, symmetric, PSD
    if not w[0] > 1e-12 * w[-1]:
        raise NotPSDError(f"`diffusion` must be positive definite (invertible), got smallest eigenvalue "
                          f"{w[0]:.3g} (largest {w[-1]:.3g}); pass the diffusion tensor a = gg^T/2 of a "
                          "non-degenerate noise")
    bins, range = _check_bins(bins, d), _check_range(range, d)
    if a.shape[1] < 4 and a.shape[0] < 4 * n_batches:
        raise bad_parameter("x", f"at least 4 n_batches = {4 * n_batches} saved states for fewer than 4 "
                            "paths (two time batches of >= 2 states per replicate)",
                            f"n_t = {a.shape[0]} after burn_in", "pass a longer path or lower `n_batches`",
                            cls=ShapeError)
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
