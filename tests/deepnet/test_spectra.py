"""Hessian spectra: dense eigh, Lanczos extremes and SLQ against exact eigenvalues."""

from __future__ import annotations

import numpy as np
import pytest

from deeprelax._core import NonFiniteError, ParameterError, ShapeError
from deeprelax.analysis._spectra import (
    hessian_eigvalsh,
    hvp_linear_operator,
    lanczos_extremes,
    lanczos_tridiagonal,
    slq_density,
    spectrum_summary,
)

from .conftest import with_spectrum


def test_dense_eigh_recovers_planted_spectrum(rng, hessian_like):
    A, lam = hessian_like
    spec = hessian_eigvalsh(A)
    np.testing.assert_allclose(spec.eigenvalues, lam, atol=1e-11)
    assert spec.lambda_max == pytest.approx(lam[-1], abs=1e-11)
    assert spec.lambda_min == pytest.approx(lam[0], abs=1e-11)


def test_summary_fractions_count_what_they_say():
    lam = np.array([-0.5, -1e-5, 0.0, 0.0, 2e-5, 5e-3, 1.0, 40.0])
    s = spectrum_summary(lam, thresholds=(1e-4, 1e-2))
    assert s["frac_abs_lt_0.0001"] == 4 / 8
    assert s["frac_abs_lt_0.01"] == 5 / 8
    # relative to lambda_max = 40: |lam| < 4e-3 -> 4 entries, < 0.4 -> 5 entries
    assert s["frac_rel_lt_0.0001"] == 4 / 8
    assert s["frac_rel_lt_0.01"] == 5 / 8
    assert s["frac_negative"] == 2 / 8
    assert s["frac_negative_rel_1e-4"] == 1 / 8
    assert s["neg_tail_ratio"] == pytest.approx(0.5 / 40)


def test_dense_eigh_rejects_nonsymmetric_and_bad_input(rng):
    B = rng.standard_normal((5, 5))
    with pytest.raises(ParameterError, match=r"`H` must be symmetric to round-off.*v\^T sketch"):
        hessian_eigvalsh(B)
    with pytest.raises(ShapeError, match=r"`H` must be a square"):
        hessian_eigvalsh(np.ones((3, 4)))
    with pytest.raises(NonFiniteError, match="`H` must be finite"):
        hessian_eigvalsh(np.array([[1.0, np.nan], [np.nan, 1.0]]))


@pytest.mark.parametrize("which", ["both", "largest", "smallest"])
def test_lanczos_extremes_match_dense(hessian_like, which):
    A, lam = hessian_like
    op = hvp_linear_operator(lambda v: A @ v, A.shape[0])
    res = lanczos_extremes(op, k=5, which=which, tol=1e-10)
    assert res.status == "ok"
    if which != "smallest":
        np.testing.assert_allclose(res.largest, lam[::-1][:5], rtol=1e-8, atol=1e-9)
    if which != "largest":
        np.testing.assert_allclose(res.smallest, lam[:5], rtol=1e-8, atol=1e-9)
    assert res.n_matvec > 0


def test_lanczos_extremes_on_wishart(wishart):
    lam = np.linalg.eigvalsh(wishart)
    res = lanczos_extremes(wishart, k=3, tol=1e-10)
    np.testing.assert_allclose(res.largest, lam[::-1][:3], rtol=1e-8)
    np.testing.assert_allclose(res.smallest, lam[:3], rtol=1e-7)
    assert res.smallest[0] > 0  # SPD


def test_lanczos_extremes_vectors_are_eigenvectors(hessian_like):
    A, _ = hessian_like
    res = lanczos_extremes(A, k=2, which="largest", tol=1e-12, return_vectors=True)
    V = res.largest_vectors
    np.testing.assert_allclose(A @ V, V * res.largest, atol=1e-8)


def test_lanczos_bad_k(wishart):
    with pytest.raises(ParameterError, match=r"`k` must be an integer in 1..149"):
        lanczos_extremes(wishart, k=150)
    with pytest.raises(ParameterError, match=r"`which` must be one of"):
        lanczos_extremes(wishart, k=2, which="LM")


def test_lanczos_tridiagonal_is_exact_after_p_steps(rng):
    lam = np.array([-1.0, 0.5, 2.0, 3.0, 7.0, 11.0])
    A = with_spectrum(rng, lam)
    alpha, beta = lanczos_tridiagonal(A, rng.standard_normal(6), 6)
    T = np.diag(alpha) + np.diag(beta, 1) + np.diag(beta, -1)
    np.testing.assert_allclose(np.linalg.eigvalsh(T), lam, atol=1e-10)


def test_lanczos_stops_at_invariant_subspace(rng):
    # 3 distinct eigenvalues: a Krylov space has dimension <= 3 whatever m is
    lam = np.repeat([1.0, 2.0, 5.0], 20)
    A = with_spectrum(rng, lam)
    alpha, _ = lanczos_tridiagonal(A, rng.standard_normal(60), 10)
    assert alpha.size == 3


def test_slq_integrates_to_one_and_is_exact_on_few_distinct_eigenvalues(rng):
    lam = np.repeat([-0.5, 0.0, 1.0, 4.0], [5, 40, 10, 5])
    A = with_spectrum(rng, lam)
    dens = slq_density(A, n_probes=8, n_steps=10, seed=1)
    np.testing.assert_allclose(dens.weights.sum(axis=1), 1.0, atol=1e-12)
    nodes = dens.nodes[np.isfinite(dens.nodes)]
    distinct = np.array([-0.5, 0.0, 1.0, 4.0])
    assert np.all(np.min(np.abs(nodes[:, None] - distinct[None]), axis=1) < 1e-8)
    grid = np.linspace(-3, 7, 4001)
    rho, _ = slq_density(A, n_probes=4, n_steps=10).density(grid, 0.05)
    assert np.sum(rho) * (grid[1] - grid[0]) == pytest.approx(1.0, abs=1e-6)


def test_slq_moments_within_monte_carlo_error(hessian_like):
    # Gauss quadrature with m steps is exact for polynomials of degree <= 2m - 1, so the
    # only error in the moments is the Hutchinson probe error; budget 64 probes, assert
    # within 4 standard errors (false-failure rate ~6e-5 per moment).
    A, lam = hessian_like
    dens = slq_density(A, n_probes=64, n_steps=20, seed=3)
    for k in (1, 2, 3):
        est, se = dens.expectation(lambda z, k=k: z**k)
        exact = np.mean(lam**k)
        assert abs(est - exact) < 4 * se, (k, est, exact, se)
    # negative control: the moments of a different spectrum (tail scaled by 1.1) are rejected
    est, se = dens.expectation(lambda z: z**2)
    assert abs(est - np.mean((1.1 * lam) ** 2)) > 4 * se


def test_slq_fraction_near_zero_matches_dense(hessian_like):
    # 150 of 200 eigenvalues are exactly 0: the quadrature puts weight 0.75 near 0.
    A, lam = hessian_like
    dens = slq_density(A, n_probes=32, n_steps=60, seed=5)
    frac, se = dens.fraction_below(1e-3)
    assert abs(frac - np.mean(np.abs(lam) < 1e-3)) < 4 * se + 0.02
    # negative control: the fraction of a spectrum without the zero bulk is rejected
    assert abs(frac - 0.0) > 4 * se + 0.02


def test_slq_probes_are_reproducible(wishart):
    a = slq_density(wishart, n_probes=3, n_steps=12, seed=9)
    b = slq_density(wishart, n_probes=3, n_steps=12, seed=9)
    np.testing.assert_array_equal(a.nodes, b.nodes)
    assert a.n_matvec == 3 * 12


def test_slq_bad_steps(wishart):
    with pytest.raises(ParameterError, match=r"`n_steps` must be an integer in 1..150"):
        slq_density(wishart, n_steps=151)


def test_lanczos_refuses_nonsymmetric_and_complex(rng, wishart):
    B = rng.standard_normal((30, 30))
    for f in (lambda A: lanczos_extremes(A, k=2), lambda A: slq_density(A, n_probes=2, n_steps=5),
              lambda A: lanczos_tridiagonal(A, np.ones(30), 5)):
        with pytest.raises(ParameterError, match=r"`A` must be symmetric to round-off"):
            f(B)
        with pytest.raises(ParameterError, match=r"`A` must be a real symmetric matrix.*complex"):
            f(wishart[:30, :30] + 1j * np.eye(30))
        with pytest.raises(ParameterError, match=r"`A` must be a symmetric operator"):
            f(hvp_linear_operator(lambda v: B @ v, 30))
    # the symmetric part passes (negative control of the probe)
    S = 0.5 * (B + B.T)
    res = lanczos_extremes(hvp_linear_operator(lambda v: S @ v, 30), k=2, tol=1e-10)
    np.testing.assert_allclose(res.largest, np.linalg.eigvalsh(S)[::-1][:2], rtol=1e-8)


def test_spectra_integer_parameters(wishart):
    with pytest.raises(ParameterError, match="`k` must be an integer, got 2.5"):
        lanczos_extremes(wishart, k=2.5)
    with pytest.raises(ParameterError, match="`n_steps` must be an integer"):
        slq_density(wishart, n_steps=3.5)
    with pytest.raises(ParameterError, match="`thresholds` must be a positive"):
        spectrum_summary([1.0, 2.0], thresholds=[-1.0])


def test_slq_fraction_bounds_bracket_a_cluster_the_point_estimate_misses(rng):
    """A tight cluster at 0 (70 %): below the Ritz spacing the point estimate says 0; the CMS bracket holds."""
    lam = np.concatenate([rng.uniform(-1e-6, 1e-6, 210), rng.uniform(0.05, 5.0, 75), -rng.uniform(0.01, 0.3, 15)])
    A = with_spectrum(rng, lam)
    dens = slq_density(A, n_probes=8, n_steps=20, seed=1)
    for t in (1e-4, 1e-2, 0.2, 2.0):
        true = np.mean(np.abs(lam) < t)
        lo, lo_se, hi, hi_se = dens.fraction_bounds(t)
        assert lo - 4 * lo_se - 1e-12 <= true <= hi + 4 * hi_se + 1e-12, (t, lo, true, hi)
    point, _ = dens.fraction_below(1e-4)
    assert point < 0.1 < 0.7  # negative control: the point estimate misses the cluster ...
    assert dens.fraction_bounds(1e-4)[2] > 0.6  # ... the upper bound does not
