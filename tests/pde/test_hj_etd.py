"""solve_hj(scheme="etdrk4", reconstruction="spectral"): φ-functions, stability bound, 4th order, accuracy."""

import math

import numpy as np
import pytest

from deeprelax._core import CFLError, SchemeError
from deeprelax.pde import Grid, cole_hopf, solve_hj
from deeprelax.pde._hj_etd import etdrk4_amplification, etdrk4_bound, phi_functions


def test_phi_functions_recursion_across_the_series_switch():
    # φ_j(z) = (φ_{j−1}(z) − 1/(j−1)!)/z, φ_0 = e^z, checked on both sides of |z| = 1
    z = np.array([-30.0, -3.0, -1.0001, -0.9999, -0.3, -1e-3, -1e-9, 0.5])
    p1, p2, p3 = phi_functions(z)
    np.testing.assert_allclose(p1, np.expm1(z) / z, rtol=1e-12)
    np.testing.assert_allclose(p2 * z, p1 - 1.0, rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(p3 * z, p2 - 0.5, rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(phi_functions(0.0), [1.0, 0.5, 1.0 / 6.0], rtol=1e-15)


def test_amplification_reduces_to_rk4_and_to_the_exponential():
    w = np.array([0.3j, -0.5 + 0.2j, -1.2])
    rk4 = 1 + w + w**2 / 2 + w**3 / 6 + w**4 / 24
    np.testing.assert_allclose(etdrk4_amplification(np.zeros(3), w), rk4, rtol=1e-14)
    z = np.array([-5.0, -0.1, 0.0])
    np.testing.assert_allclose(etdrk4_amplification(z, 0.0), np.exp(z), rtol=1e-14)


def test_bound_is_stable_and_tight():
    nu, a, kmax = 0.1, 2.34, 181.0
    h = etdrk4_bound(nu, a, kmax)
    kappa = np.linspace(0, kmax, 2001)[1:]
    amp = lambda hh: np.abs(etdrk4_amplification(-hh * nu * kappa**2, 1j * hh * a * kappa)).max()
    assert amp(h) <= 1 + 1e-12
    assert amp(1.3 * h) > 1 + 1e-6  # negative control: beyond the bound some mode grows
    assert h > 10 * 2 * math.sqrt(2) / (a * kmax)  # the damping buys an order of magnitude here


def _problem(n):
    g = Grid([(-np.pi, np.pi)] * 2, n, periodic=True)
    x, y = g.coords
    return g, np.sin(x) * np.cos(y) + 0.5 * np.cos(2 * x + y)


def test_accurate_against_cole_hopf():
    g, f = _problem(64)
    nu, t = 0.1, 1.0
    ref = cole_hopf(f, g, t, 1 / (2 * nu), gradient=False).u
    r = solve_hj(f, g, t, nu, scheme="etdrk4", reconstruction="spectral")
    assert r.success and r.kernel == "spectral" and r.n_rhs_evals == 4 * r.n_steps
    err = np.abs(r.u[-1] - ref).max()
    assert err < 2e-5, err
    # negative control: ENO2 on the same grid is limited by its O(h²) error, far above
    eno = solve_hj(f, g, t, nu, scheme="imex_ars222")
    assert np.abs(eno.u[-1] - ref).max() > 20 * err


def test_fourth_order_in_time():
    g, f = _problem(96)  # the spatial error is spectral (≈ 1e-9 here): only dt matters
    nu, t = 0.1, 1.0
    ref = cole_hopf(f, g, t, 1 / (2 * nu), gradient=False).u
    bound = solve_hj(f, g, 0.01, nu, scheme="etdrk4", reconstruction="spectral").cfl_bound
    errs = [np.abs(solve_hj(f, g, t, nu, scheme="etdrk4", reconstruction="spectral", dt=bound / m).u[-1] - ref).max()
            for m in (1, 2, 4, 8)]
    slopes = np.log2(np.array(errs[:-1]) / np.array(errs[1:]))
    assert np.all(np.abs(slopes - 4) < 0.6), (errs, slopes)


def test_refusals():
    g = Grid([(-1.0, 1.0)] * 2, 16, periodic=[True, False])
    f = np.cos(np.pi * g.coords[0])
    with pytest.raises(SchemeError, match="`reconstruction='spectral'` needs a periodic grid"):
        solve_hj(f, g, 0.1, 0.1, scheme="etdrk4", reconstruction="spectral")
    with pytest.raises(SchemeError, match="go together"):
        solve_hj(f, g, 0.1, 0.1, scheme="etdrk4")
    gp, fp = _problem(16)
    with pytest.raises(CFLError, match="linear stability bound"):
        solve_hj(fp, gp, 1.0, 0.1, scheme="etdrk4", reconstruction="spectral", dt=0.9)
