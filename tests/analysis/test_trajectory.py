"""Trajectory statistics on synthetic signals with known answers (numpy-generated data)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats as st

from deeprelax import analysis as A
from deeprelax._core import ShapeError

TRAJECTORY_API = {
    "Estimate", "Density", "Moments", "ACF", "Spectrum", "Current", "stationary_density", "moments",
    "autocorrelation", "power_spectrum", "probability_current", "angular_momentum",
    "entropy_production_rate", "OrderFit", "fit_order", "strong_error", "weak_error",
}


def test_public_surface_contains_the_trajectory_api():
    assert TRAJECTORY_API <= set(A.__all__)


def test_stationary_density_of_gaussian_samples(rng):
    """2e5 N(0, 1) samples in 20 bins: each bin within 5 binomial SE of the exact mass."""
    x = rng.normal(size=(100, 2000, 1))
    dens = A.stationary_density(x, bins=20, range=[(-3, 3)])
    e = dens.edges[0]
    p = np.diff(st.norm.cdf(e))
    n = dens.n_samples
    mass = dens.density * np.diff(e)
    assert np.all(np.abs(mass - p) < 5 * np.sqrt(p * (1 - p) / n))
    # negative control: a wider Gaussian is rejected
    p_wrong = np.diff(st.norm.cdf(e, scale=1.1))
    assert np.any(np.abs(mass - p_wrong) > 10 * np.sqrt(p_wrong / n))


def test_moments_standard_errors(rng):
    """Independent N(μ, C) over 400 paths: the mean lies within 4 SE; SE ≈ σ/√N."""
    C = np.array([[2.0, 0.5], [0.5, 1.0]])
    mu = np.array([1.0, -1.0])
    x = rng.multivariate_normal(mu, C, size=(50, 400))
    m = A.moments(x)
    assert np.all(np.abs(m.mean - mu) < 4 * m.mean_se)
    np.testing.assert_allclose(m.mean_se, np.sqrt(np.diag(C) / x[..., 0].size), rtol=0.15)
    assert np.all(np.abs(m.cov - C) < 4 * m.cov_se)
    one = A.moments(x[:, 0])  # a single path: batch means
    assert one.n_replicates == 20


def test_autocorrelation_of_ar1(rng):
    """AR(1) with φ = 0.8: ρ(k) = φᵏ (50 paths × 4000 steps: error ≈ 0.01)."""
    phi, n = 0.8, 4000
    e = rng.normal(size=(n, 50, 1))
    x = np.zeros_like(e)
    for k in range(1, n):
        x[k] = phi * x[k - 1] + e[k]
    acf = A.autocorrelation(x, max_lag=10)
    np.testing.assert_allclose(acf.acf[:, 0], phi ** np.arange(11), atol=0.03)
    assert acf.band == pytest.approx(1.96 / np.sqrt(n), rel=1e-3)


def test_power_spectrum_peak_and_white_increments(rng):
    dt, n = 0.01, 2000
    t = np.arange(n) * dt
    x = np.sin(2 * np.pi * 5.0 * t)[:, None, None] + 0.1 * rng.normal(size=(n, 3, 1))
    sp = A.power_spectrum(x, dt)
    assert sp.freqs[np.argmax(sp.amplitude[:, 0])] == pytest.approx(5.0, abs=0.05)
    w = np.cumsum(rng.normal(size=(n, 200, 1)), axis=0)  # random walk: white increments
    inc = A.power_spectrum(w, dt, increments=True).power[1:, 0]
    lo, hi = inc[: len(inc) // 4].mean(), inc[-len(inc) // 4:].mean()
    assert abs(lo / hi - 1) < 0.1
    raw = A.power_spectrum(w, dt).power[1:, 0]
    assert raw[: len(raw) // 4].mean() > 100 * raw[-len(raw) // 4:].mean()


def test_angular_momentum_and_current_of_a_rotation():
    """x = (cos ωt, sin ωt): x₁dx₂ − x₂dx₁ per dt is sin(ωΔt)/Δt, the current is tangential."""
    w, dt = 2.0, 0.01
    t = np.arange(5000) * dt
    x = np.stack([np.cos(w * t), np.sin(w * t)], axis=-1)[:, None, :]
    L = A.angular_momentum(x, dt)
    assert L.value == pytest.approx(np.sin(w * dt) / dt, rel=1e-12)
    cur = A.probability_current(x, dt, bins=8, range=[(-1.1, 1.1), (-1.1, 1.1)])
    X, Y = np.meshgrid(*cur.centers, indexing="ij")
    radial = cur.J[..., 0] * X + cur.J[..., 1] * Y
    tangential = -cur.J[..., 0] * Y + cur.J[..., 1] * X
    occupied = cur.counts > 0
    assert np.all(tangential[occupied] > 0)
    assert np.max(np.abs(radial[occupied])) < 0.2 * np.max(tangential[occupied])


def test_order_fit_recovers_a_planted_order():
    h = np.array([0.1, 0.05, 0.025, 0.0125])
    fit = A.fit_order(h, 3.0 * h**1.5)
    assert fit.order == pytest.approx(1.5) and fit.constant == pytest.approx(3.0)
    noisy = A.fit_order(h, 3.0 * h**1.5 * np.array([1.1, 0.9, 1.05, 0.97]))
    assert abs(noisy.order - 1.5) < 3 * noisy.order_se + 0.1 and noisy.order_se > 0
    assert A.weak_error(np.ones((4, 2)), np.zeros((4, 2))) == 1.0
    assert A.strong_error(np.ones((4, 2)), np.zeros((4, 2)))[0] == pytest.approx(np.sqrt(2))


def test_bad_input():
    with pytest.raises(ShapeError, match=r"`x` must have shape \(n_t, n_paths, d\)"):
        A.moments(np.zeros(5))
    with pytest.raises(ValueError, match="`burn_in` must be an integer"):
        A.moments(np.zeros((5, 2, 1)), burn_in=5)
    with pytest.raises(ValueError, match="`errors` must be positive"):
        A.fit_order([1, 2, 3], [1, 0, 1])


def test_valid_bins_and_range_forms_pass_through_to_histogramdd(rng):
    """Every form numpy.histogramdd takes (a count, one count or edge array per axis, a range
    with a None axis) gives numpy's own histogram; the checks only refuse what numpy would
    mis-handle or reject with a raw error."""
    x = rng.normal(size=(400, 2))
    edges = np.linspace(-3.0, 3.0, 7)
    for bins, rng_ in ((8, None), ([5, edges], None), ((4, 6), [(-2.0, 2.0), None]), (np.int64(3), [(-1, 1)] * 2)):
        got = A.stationary_density(x, bins, rng_)
        want, want_edges = np.histogramdd(x, bins=bins, range=rng_)
        assert np.array_equal(got.counts, want)
        assert all(np.array_equal(a, b) for a, b in zip(got.edges, want_edges))
    # negative control: the checks do refuse a count that numpy would truncate
    with pytest.raises(ValueError, match="`bins` must be an integer"):
        A.stationary_density(x, 2.5)


def test_counts_are_integers_not_truncated(rng):
    """burn_in / max_lag / n_batches take integral values (1e1 is 10) and refuse 2.5 instead of
    truncating it; n_batches = 1 (no standard error from one batch) is refused."""
    x = rng.normal(size=(200, 2)).cumsum(axis=0)
    a, b = A.autocorrelation(x, 1e1, burn_in=4.0), A.autocorrelation(x, 10, burn_in=4)
    assert np.array_equal(a.acf, b.acf)
    for kw in ({"max_lag": 2.5}, {"burn_in": 2.5}, {"max_lag": True}):
        with pytest.raises(ValueError, match=f"`{next(iter(kw))}` must be an integer"):
            A.autocorrelation(x, **kw)
    with pytest.raises(ValueError, match="`n_batches` must be an integer >= 2"):
        A.moments(x, n_batches=1)
    assert A.moments(x, n_batches=2).n_replicates == 2


def test_entropy_production_refuses_a_diffusion_that_is_not_positive_definite(rng):
    x = rng.normal(size=(400, 2)).cumsum(axis=0) * 0.1
    ok = A.entropy_production_rate(x, 0.1, np.eye(2), 6, n_batches=4)
    assert np.isfinite(ok.value) and ok.n == 4
    for bad in (-np.eye(2), np.diag([1.0, 0.0]), np.array([[1.0, 0.5], [0.0, 1.0]])):
        with pytest.raises(ValueError, match="`diffusion` must be"):
            A.entropy_production_rate(x, 0.1, bad, 6)
