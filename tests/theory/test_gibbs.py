"""Local entropy and HJ oracles against closed forms and against each other."""

import numpy as np
import pytest

from deeprelax import theory as T


def test_local_entropy_quadrature_matches_quadratic_closed_form():
    a, gamma = 1.7, 0.6
    y = np.linspace(-40, 40, 40001)
    x = np.linspace(-2, 2, 9)
    F, mean = T.local_entropy_quadrature(lambda z: 0.5 * a * z**2, x, gamma, y)
    exact = T.local_entropy_quadratic([[a]], x[:, None], gamma)
    np.testing.assert_allclose(F - F[4], exact - exact[4], atol=1e-10)
    # ⟨y⟩ = γx/(a + γ) for a Gaussian, and −∇F = γ(x − ⟨y⟩)
    np.testing.assert_allclose(mean, gamma * x / (a + gamma), atol=1e-10)


def test_local_entropy_gradient_identity():
    # eq. (7): −∇F = γ(x − ⟨x′⟩) on a non-convex f, F by quadrature and ∇F by central differences
    f = lambda z: (z**2 - 1) ** 2 + 0.3 * np.sin(5 * z)
    y = np.linspace(-6, 6, 24001)
    gamma, h = 2.0, 1e-4
    x = np.linspace(-1.5, 1.5, 7)
    _, mean = T.local_entropy_quadrature(f, x, gamma, y)
    Fp, _ = T.local_entropy_quadrature(f, x + h, gamma, y)
    Fm, _ = T.local_entropy_quadrature(f, x - h, gamma, y)
    np.testing.assert_allclose(-(Fp - Fm) / (2 * h), gamma * (x - mean), atol=1e-6)


def test_convex_minimizer_shift():
    # PAPERS.md claim 5: for f = e^y − y, argmin(−F(·, γ)) = −0.489, −0.245, −0.045 at γ = 0.1, 1, 10
    from scipy.optimize import minimize_scalar

    f = lambda z: np.exp(z) - z
    y = np.linspace(-80, 12, 92001)
    for gamma, expected in [(0.1, -0.489), (1.0, -0.245), (10.0, -0.045)]:
        res = minimize_scalar(lambda x, g=gamma: -T.local_entropy_quadrature(f, np.array([x]), g, y)[0][0],
                              bounds=(-1.0, 0.5), method="bounded", options={"xatol": 1e-5})
        assert res.x == pytest.approx(expected, abs=1e-3)


def test_local_entropy_hessian_quadratic_smoothing():
    H = np.diag([4.0, 0.5])
    gamma = 1.0
    A = -T.local_entropy_hessian_quadratic(H, gamma)
    np.testing.assert_allclose(A, H @ np.linalg.inv(np.eye(2) + H / gamma))


def test_hopf_lax_and_cole_hopf_oracles_agree_as_beta_grows():
    x = np.linspace(-3, 3, 601)
    f = x**2 + 1.5 * np.sin(2 * np.pi * x)
    t = 0.1
    u0, ymin = T.hopf_lax_brute(f, x, t)
    assert np.all(u0 <= f + 1e-12)  # u ≤ f
    errs = []
    for beta in [10.0, 100.0, 1000.0]:
        errs.append(np.max(np.abs(T.cole_hopf_brute(f, x, t, beta) - u0)[50:-50]))
    assert errs[0] > errs[1] > errs[2]
    assert errs[2] < 0.02
    # Hopf–Lax minimiser is a proximal point: x − y* = t f′(y*) for interior minimisers, up to the
    # grid quantisation of y*: an error h in y* moves t f′(y*) by t·max|f″|·h, so the margin is
    # h (1 + t max|f″|) with max|f″| = 2 + 1.5 (2π)².
    fp = 2 * ymin + 3 * np.pi * np.cos(2 * np.pi * ymin)
    inner = slice(100, -100)
    h = x[1] - x[0]
    margin = h * (1 + t * (2 + 1.5 * (2 * np.pi) ** 2))
    np.testing.assert_allclose((x - ymin)[inner], t * fp[inner], atol=margin)
    # negative control: the wrong time scale (2t) breaks it
    assert np.max(np.abs((x - ymin)[inner] - 2 * t * fp[inner])) > margin
