"""solve_hj with an advecting drift, u_t + ½|∇u|² + b·∇u = νΔu, against independent solutions.

Reference 1 (1-D, variable b): the Hopf–Cole substitution u = −2ν log ψ turns the equation
into the *linear* advection–diffusion ψ_t + b·∇ψ = νΔψ (the |∇ψ|² terms cancel), solved here
by a Fourier method of lines with scipy's DOP853 at rtol 1e-12 — no code of the solver under
test is involved. Reference 2 (2-D, constant b): Galilean invariance, u(x, t) = u₀(x − bt, t)
with u₀ the drift-free solution (exact Cole–Hopf, shifted by whole cells).
"""

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from deeprelax.pde import Grid, cole_hopf, solve_hj

NU, T = 0.2, 0.5


def _f(x):
    return np.sin(x) + 0.5 * np.cos(2 * x)


def _b(x):
    return 0.8 * np.sin(x) + 0.3


def _hopf_cole_reference(x_eval, m=128):
    """u(x_eval, T) from ψ_t = νψ_xx − b ψ_x, ψ(·, 0) = exp(−f/2ν), on m Fourier points."""
    x = 2 * np.pi * np.arange(m) / m
    k = np.fft.fftfreq(m, 1.0 / m)
    ik = 1j * np.where(np.abs(k) == m // 2, 0, k)

    def rhs(_, psi):
        ph = np.fft.fft(psi)
        return NU * np.fft.ifft(-(k**2) * ph).real - _b(x) * np.fft.ifft(ik * ph).real

    sol = solve_ivp(rhs, (0.0, T), np.exp(-_f(x) / (2 * NU)), method="DOP853", rtol=1e-12, atol=1e-14)
    c = np.fft.fft(sol.y[:, -1]) / m
    psi = (c[None, :] * np.exp(1j * k[None, :] * x_eval[:, None])).sum(axis=1).real
    return -2 * NU * np.log(psi)


def _solve(n, **kw):
    g = Grid((0.0, 2 * np.pi), n, periodic=True)
    x = g.axes[0]
    drift = kw.pop("drift", lambda p: _b(p[..., 0])[..., None])
    r = solve_hj(_f(x), g, T, NU, drift=drift, **kw)
    assert r.success
    return x, r.u[-1]


@pytest.mark.parametrize(("ham", "order"), [("godunov", 2.0), ("lax_friedrichs", 1.0)])
def test_variable_drift_converges_to_the_hopf_cole_solution(ham, order):
    errs = []
    for n in (64, 128, 256):
        x, u = _solve(n, hamiltonian=ham, reconstruction="eno2")
        errs.append(np.abs(u - _hopf_cole_reference(x)).max())
    slopes = np.log2(np.array(errs[:-1]) / np.array(errs[1:]))
    assert errs[-1] < 5e-3 and np.all(slopes > order - 0.35), (errs, slopes)
    # negative controls: the same solve without the drift, or with b → −b, is far off
    x, u0 = _solve(256, drift=None)
    xm, um = _solve(256, drift=lambda p: -_b(p[..., 0])[..., None])
    ref = _hopf_cole_reference(x)
    assert np.abs(u0 - ref).max() > 50 * errs[-1] and np.abs(um - ref).max() > 50 * errs[-1]


def test_spectral_etdrk4_with_drift_is_spectrally_accurate():
    x, u = _solve(64, scheme="etdrk4", reconstruction="spectral", dt=0.01)
    assert np.abs(u - _hopf_cole_reference(x)).max() < 1e-7  # measured 2.8e-8 (the O(dt⁴) error)


def test_drift_as_an_array_equals_drift_as_a_callable():
    g = Grid((0.0, 2 * np.pi), 64, periodic=True)
    arr = _b(g.axes[0])[:, None]
    a = solve_hj(_f(g.axes[0]), g, 0.1, NU, drift=arr)
    b = solve_hj(_f(g.axes[0]), g, 0.1, NU, drift=lambda p: _b(p[..., 0])[..., None])
    np.testing.assert_array_equal(a.u, b.u)


@pytest.mark.parametrize(("scheme", "rec", "tol"), [("etdrk4", "spectral", 1e-4), ("imex_ars222", "eno2", 3e-2)])
def test_constant_drift_in_2d_is_a_galilean_shift(scheme, rec, tol):
    n, t, beta = 48, 0.5, 2.0
    g = Grid([(-np.pi, np.pi)] * 2, n, periodic=True)
    x, y = g.coords
    f = np.sin(x) * np.cos(y) + 0.5 * np.cos(2 * x + y)
    shift = (3, -2)  # cells travelled in time t along each axis
    b = np.array([shift[0] * g.spacing[0] / t, shift[1] * g.spacing[1] / t])
    r = solve_hj(f, g, t, 1 / (2 * beta), drift=np.broadcast_to(b, g.shape + (2,)), scheme=scheme,
                 reconstruction=rec)
    ref = np.roll(cole_hopf(f, g, t, beta, gradient=False).u, shift, axis=(0, 1))
    err = np.abs(r.u[-1] - ref).max()
    assert err < tol, err
    # negative control: the unshifted drift-free solution is far from it
    assert np.abs(r.u[-1] - np.roll(ref, (-3, 2), axis=(0, 1))).max() > 20 * err
