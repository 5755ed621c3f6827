"""The trajectory pipeline on synthetic signals: spectra, autocorrelation, circulation."""

from __future__ import annotations

import numpy as np
import pytest

from deeprelax._core import ParameterError, ShapeError
from deeprelax.analysis._deepnet import (
    increment_spectrum,
    plane_circulation,
    weight_autocorrelation,
)


def ar1(rng: np.random.Generator, A: np.ndarray, n: int, n_paths: int = 1) -> np.ndarray:
    """x_{k+1} = A x_k + ε_k, ε ~ N(0, I): (n, n_paths * d) after a burn-in of 500 steps."""
    d = A.shape[0]
    x = np.zeros((n_paths, d))
    out = np.empty((n, n_paths, d))
    for k in range(n + 500):
        x = x @ A.T + rng.standard_normal((n_paths, d))
        if k >= 500:
            out[k - 500] = x
    return out.reshape(n, n_paths * d)


def test_white_increments_have_a_flat_spectrum(rng):
    # Brownian weights: increments white; 200 weights x 1024 increments. The mean amplitude
    # over weights in the lowest and the highest tenth of frequencies agree within 3 %
    # (each is a mean of ~10^4 Rayleigh amplitudes with relative spread 0.52/sqrt(10^4)).
    W = np.cumsum(rng.standard_normal((1025, 200)), axis=0)
    spec = increment_spectrum(W)
    lo, hi = spec.mean[1:52].mean(), spec.mean[-51:].mean()
    assert abs(lo / hi - 1) < 0.03
    assert abs(spec.mean[1:11].mean() / hi - 1) < 0.07  # 10 lowest bins: SE 1.2 %
    # negative control: an OU (a = 0.9) weight has suppressed low-frequency increments
    ou = increment_spectrum(ar1(rng, np.array([[0.9]]), 1025, 200))
    assert ou.mean[1:11].mean() / ou.mean[-51:].mean() < 0.5


def test_ou_increment_spectrum_is_lorentzian(rng):
    # For x_{k+1} = a x_k + ε: E|FFT(Δx)|²/n = |1 - e^{-iω}|² / |1 - a e^{-iω}|². Check the
    # mean power over 400 weights (relative SE ~ 1/sqrt(400) per bin, binned by 16: 1.3 %)
    # against the formula within 8 %, and that a = 0.5 (the wrong model) is rejected.
    a, n = 0.8, 1024
    W = ar1(rng, np.array([[a]]), n + 1, 400)
    dW = np.diff(W, axis=0)
    power = (np.abs(np.fft.rfft(dW, axis=0)) ** 2 / n).mean(axis=1)
    w = 2 * np.pi * np.fft.rfftfreq(n)
    e = np.exp(-1j * w)

    def model(aa):
        return np.abs(1 - e) ** 2 / np.abs(1 - aa * e) ** 2

    sl = slice(8, 8 + 16 * 30)
    binned = power[sl].reshape(30, 16).mean(axis=1)
    assert np.max(np.abs(binned / model(a)[sl].reshape(30, 16).mean(axis=1) - 1)) < 0.08
    assert np.max(np.abs(binned / model(0.5)[sl].reshape(30, 16).mean(axis=1) - 1)) > 0.3


def test_noisy_rotation_has_its_peak(rng):
    # x_{k+1} = r R(θ) x_k + ε with θ = 2π/16: the increment spectrum peaks at f = 1/16.
    th, r = 2 * np.pi / 16, 0.97
    A = r * np.array([[np.cos(th), -np.sin(th)], [np.sin(th), np.cos(th)]])
    spec = increment_spectrum(ar1(rng, A, 2049, 20))
    assert spec.freq[np.argmax(spec.mean)] == pytest.approx(1 / 16, abs=2 / 2048)
    # negative control: without rotation there is no interior peak near 1/16
    flat = increment_spectrum(ar1(rng, r * np.eye(2), 2049, 20))
    assert abs(flat.freq[np.argmax(flat.mean)] - 1 / 16) > 0.1


def test_autocorrelation_white_vs_ou(rng):
    # White weights: 99 % band z/sqrt(n); of 200 weights x 100 lags at most ~1 % fall outside
    # (assert < 3 %). OU a = 0.9: mean autocorrelation a^lag within 0.03 at lags 1..10.
    n = 4000
    white = weight_autocorrelation(rng.standard_normal((n, 200)), max_lag=100)
    assert white.band == pytest.approx(2.5758 / np.sqrt(n), rel=1e-4)
    assert white.mean[0] == pytest.approx(1.0)
    assert np.max(np.abs(white.mean[1:])) < white.band
    ou = weight_autocorrelation(ar1(rng, np.array([[0.9]]), n, 50), max_lag=100)
    np.testing.assert_allclose(ou.mean[1:11], 0.9 ** np.arange(1, 11), atol=0.03)
    assert np.all(ou.mean[1:20] > ou.band)  # negative control: OU is not white
    with pytest.raises(ParameterError, match=r"`max_lag` must be an integer in 1..3999"):
        weight_autocorrelation(rng.standard_normal((n, 2)), max_lag=n)


def _circ(rng, A, n=20000):
    x = ar1(rng, A, n)
    return plane_circulation(x, np.eye(2))


def test_circulation_zero_for_reversible_and_signed_for_rotating(rng):
    # Symmetric A (with isotropic noise): detailed balance, angular momentum 0 within 4 SE.
    # Rotating A = r R(θ): the exact stationary value is (AΣ - ΣAᵀ)-type and positive for
    # θ > 0 (counter-clockwise), negative for θ < 0. Budget 20,000 steps, 20 batch means.
    sym = np.array([[0.8, 0.1], [0.1, 0.6]])
    res = _circ(rng, sym)
    assert abs(res.z) < 4
    th = 0.2
    R = 0.9 * np.array([[np.cos(th), -np.sin(th)], [np.sin(th), np.cos(th)]])
    ccw, cw = _circ(rng, R), _circ(rng, R.T)
    assert ccw.z > 6 and cw.z < -6
    # the exact value for x' = A x + ε: E[q1 dq2 - q2 dq1] with midpoint rule = (AΣ - ΣAᵀ)_21
    Sigma = np.linalg.solve(np.eye(4) - np.kron(R, R), np.eye(2).ravel()).reshape(2, 2)
    M = R @ Sigma
    exact = M[1, 0] - M[0, 1]
    assert abs(ccw.angular_momentum - exact) < 4 * ccw.stderr


def test_pipeline_input_errors(rng):
    with pytest.raises(ShapeError, match=r"`weights` must be an \(n_epochs >= 3"):
        increment_spectrum(np.ones((2, 4)))
    with pytest.raises(ShapeError, match=r"`plane` must be a \(2, 3\) array"):
        plane_circulation(np.ones((100, 3)), np.ones((3, 3)))
    with pytest.raises(ValueError, match=r"`plane` must be two orthonormal directions"):
        plane_circulation(rng.standard_normal((100, 3)), 2 * np.eye(3)[:2])
    q = np.linalg.qr(rng.standard_normal((3, 2)))[0].T  # orthonormal rows: accepted
    assert np.isfinite(plane_circulation(rng.standard_normal((100, 3)), q).angular_momentum)
    with pytest.raises(ValueError, match=r"`weights` must be finite"):
        increment_spectrum(np.full((8, 2), np.nan))
    with pytest.raises(ValueError, match=r"`weights` must be a record with at least one weight that varies"):
        weight_autocorrelation(np.ones((8, 2)))


def test_predicted_circulation_plane_matches_a_simulated_sgd_map(rng):
    # Linear SGD map q' = (I − ηH) q + η L z, L Lᵀ = D/b, with H and D not commuting: the
    # angular momentum measured in the predicted plane (20 batch means over 60,000 records,
    # one record every 2 steps) agrees with u₁ᵀ(ΣΦ − ΦΣ)u₂ within 4 SE and is resolved
    # (> 6 SE). Negative control: D = I commutes with H,
    # prediction exactly 0, measurement within 4 SE of 0.
    from deeprelax.analysis._deepnet import predicted_circulation_plane

    H = np.diag([1.0, 3.0, 6.0])
    D = np.array([[1.0, 0.6, 0.0], [0.6, 1.0, 0.5], [0.0, 0.5, 1.0]])
    eta, b, s, n = 0.05, 1, 2, 60_000

    def simulate(Dm):
        L = np.linalg.cholesky(Dm / b)
        A = np.eye(3) - eta * H
        z = rng.standard_normal((n * s, 3)) @ (eta * L).T
        q, out = np.zeros(3), np.empty((n, 3))
        for k in range(n * s):
            q = A @ q + z[k]
            if k % s == s - 1:
                out[k // s] = q
        return out

    pred = predicted_circulation_plane(H, D, eta, b, steps_per_record=s)
    np.testing.assert_allclose(pred.plane @ pred.plane.T, np.eye(2), atol=1e-12)
    path = simulate(D)
    meas = plane_circulation(path, pred.plane)
    assert abs(meas.angular_momentum - pred.angular_momentum) < 4 * meas.stderr
    assert abs(pred.angular_momentum) > 6 * meas.stderr  # the signal is resolved
    null = predicted_circulation_plane(H, np.eye(3), eta, b, steps_per_record=s)
    assert null.angular_momentum == 0.0
    assert abs(plane_circulation(simulate(np.eye(3)), null.plane).z) < 4
