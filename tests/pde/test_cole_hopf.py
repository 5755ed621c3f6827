"""Cole–Hopf against brute-force quadrature; log-space robustness; ∇u = (x − ⟨y⟩)/t."""

import numpy as np
import pytest
from scipy.special import logsumexp

from deeprelax._core import NonFiniteError, ParameterError
from deeprelax.landscapes import relaxation_1d
from deeprelax.pde import Grid, cole_hopf, hopf_lax
from deeprelax.pde._cole_hopf import _log_kernel, _logconv_lines
from deeprelax.theory import cole_hopf_brute


@pytest.mark.parametrize("beta", [0.01, 1.0, 30.0, 1e4], ids=lambda b: f"beta={b:g}")
@pytest.mark.parametrize("t", [0.01, 0.3, 3.0], ids=lambda t: f"t={t:g}")
def test_equals_brute_force_1d(grid1, f_nonconvex, beta, t):
    r = cole_hopf(f_nonconvex, grid1, t, beta)
    ref = cole_hopf_brute(f_nonconvex, grid1.axes[0], t, beta)
    assert np.all(np.isfinite(r.u)) and np.all(np.isfinite(r.grad))
    # FFT points are accepted at relative accuracy ~1e-10 of the sum, i.e. ~1e-10/beta in u
    np.testing.assert_allclose(r.u, ref, rtol=0, atol=1e-9 / beta + 1e-11 * np.abs(ref).max())


def test_small_temperature_neither_overflows_nor_nans(grid1, f_nonconvex):
    # β⁻¹ = 1e-4 and below: e^{−βf} spans e^{−1e5}; everything stays in log space
    for beta in (1e4, 1e6):
        r = cole_hopf(f_nonconvex, grid1, 0.2, beta)
        assert np.all(np.isfinite(r.u)) and np.all(np.isfinite(r.mean))
        assert r.n_exact > 0


def test_gibbs_mean_and_gradient_against_brute_2d(rng):
    g = Grid([(-3.0, 3.0), (-2.0, 2.0)], (30, 24))
    x, y = g.coords
    f = (x**2 - 1) ** 2 + np.sin(3 * y) * x
    P = g.points.reshape(-1, 2)
    d2 = (P[:, None, 0] - P[None, :, 0]) ** 2 + (P[:, None, 1] - P[None, :, 1]) ** 2
    for beta, t in [(1.0, 0.05), (100.0, 0.5)]:
        r = cole_hopf(f, g, t, beta)
        s2 = t / beta
        a = -beta * f.ravel()[None, :] - d2 / (2 * s2) + np.log(g.cell_volume / (2 * np.pi * s2))
        lz = logsumexp(a, axis=1)
        mean = np.exp(a - lz[:, None]) @ P
        np.testing.assert_allclose(r.u.ravel(), -lz / beta, atol=1e-9 / beta)
        np.testing.assert_allclose(r.mean.reshape(-1, 2), mean, atol=1e-8)
        np.testing.assert_allclose(r.grad, (g.points - r.mean) / t, atol=1e-12)


def test_gradient_identity_against_finite_differences(grid1, f_nonconvex):
    # ∇u = (x − ⟨y⟩_x)/t must match the derivative of u itself (second-order central differences)
    t, beta = 0.3, 5.0
    r = cole_hopf(f_nonconvex, grid1, t, beta)
    fd = np.gradient(r.u, grid1.spacing[0])
    inner = slice(5, -5)
    assert np.abs(r.grad[inner, 0] - fd[inner]).max() < 2e-2 * np.abs(fd).max()
    # a wrong identity, ∇u = (x − ⟨y⟩)/(2t), is rejected by the same comparison (negative control)
    assert np.abs(r.grad[inner, 0] / 2 - fd[inner]).max() > 0.2 * np.abs(fd).max()


def test_heat_kernel_closed_form_quadratic():
    # f = x²/2: u = x²/(2(1 + t)) + log(1 + t)/(2β)
    g = Grid((-10.0, 10.0), 1000)
    t, beta = 1.5, 2.0
    r = cole_hopf(0.5 * g.axes[0] ** 2, g, t, beta)
    inner = np.abs(g.axes[0]) < 4
    exact = g.axes[0] ** 2 / (2 * (1 + t)) + np.log(1 + t) / (2 * beta)
    np.testing.assert_allclose(r.u[inner], exact[inner], atol=1e-10)
    np.testing.assert_allclose(r.mean[inner, 0], g.axes[0][inner] / (1 + t), atol=1e-10)


def test_periodic_kernel_is_periodised():
    g = Grid((0.0, 2 * np.pi), 64, periodic=True)
    f = np.cos(g.axes[0])
    r = cole_hopf(f, g, 10.0, 1.0)  # σ ≈ 3.2 ≈ half the period: images matter
    # u of a periodic f on a torus is periodic and even here; the sum of weights is 1 per point
    np.testing.assert_allclose(np.exp(_log_kernel(64, g.spacing[0], 10.0, True)).sum(), 1.0, atol=1e-12)
    np.testing.assert_allclose(r.u, r.u[::-1], atol=1e-12)  # x_i -> -x_i is i -> n-1-i


def test_log_kernel_matches_numpy_twin(rng):
    a = 30 * rng.normal(size=(2, 50, 3))
    logg = _log_kernel(50, 0.1, 0.02, False)
    out = np.empty_like(a)
    _logconv_lines(a, out, np.ones(a.shape, dtype=np.bool_), logg, False, 8)
    i = np.arange(50)
    ref = logsumexp(a[:, None, :, :] + logg[np.abs(i[:, None] - i[None, :])][None, :, :, None], axis=2)
    np.testing.assert_allclose(out, ref, atol=1e-12)


def test_converges_to_hopf_lax_as_beta_grows():
    # smooth f (no noise), σ = √(t/β) between 2h and the scale 1/2π of f: the asymptotic regime
    f = relaxation_1d(noise=0.0)
    g = Grid((-3.0, 3.0), 1200)
    t, betas = 0.2, np.array([100.0, 400.0, 1600.0])
    hl = hopf_lax(f, g, t).u
    errs = [np.abs(cole_hopf(f, g, t, b, gradient=False).u - hl).max() for b in betas]
    assert errs[0] > errs[1] > errs[2]
    rate = -np.polyfit(np.log(betas), np.log(errs), 1)[0]
    assert 0.8 < rate < 1.2  # u_β − u_∞ = (1/2β) log det(I + t∇²f(y*)) + o(1/β)


def test_bad_input(grid1, f_nonconvex):
    with pytest.raises(ParameterError, match="`t` must be a positive"):
        cole_hopf(f_nonconvex, grid1, -1.0, 1.0)
    with pytest.raises(ParameterError, match="`beta` must be a positive"):
        cole_hopf(f_nonconvex, grid1, 1.0, 0.0)
    with pytest.raises(NonFiniteError, match="`f` must be finite"):
        cole_hopf(np.full(grid1.shape, np.nan), grid1, 1.0, 1.0)
