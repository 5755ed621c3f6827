"""Local entropy F(x, γ) = −u(x, 1/γ) + (d/2β) log(2π/βγ), against quadrature and closed forms."""

import numpy as np
import pytest

from deeprelax.landscapes import sharp_wide
from deeprelax.pde import Grid, cole_hopf, local_entropy
from deeprelax.pde._local_entropy import local_entropy_constant
from deeprelax.theory import local_entropy_quadratic, local_entropy_quadrature


@pytest.mark.parametrize("gamma", [0.3, 3.0, 30.0])
def test_matches_quadrature_of_eq4(gamma):
    f = sharp_wide()
    g = Grid((-6.0, 6.0), 1200)
    r = local_entropy(f, g, gamma)
    F, mean = local_entropy_quadrature(lambda y: f.value(y), g.axes[0], gamma, g.axes[0])
    inner = np.abs(g.axes[0]) < 3  # the quadrature's trapezoid end weights differ from the midpoint's
    np.testing.assert_allclose(r.F[inner], F[inner], atol=1e-8)
    np.testing.assert_allclose(r.mean[inner, 0], mean[inner], atol=1e-8)
    np.testing.assert_allclose(r.grad[:, 0], -gamma * (g.axes[0] - r.mean[:, 0]), atol=1e-12)


def test_map_t_equals_one_over_gamma_and_constant():
    g = Grid([(-5.0, 5.0)] * 2, 60)
    x, y = g.coords
    f = 0.5 * (2 * x**2 + y**2)
    gamma, beta = 2.0, 3.0
    r = local_entropy(f, g, gamma, beta)
    u = cole_hopf(f, g, 1 / gamma, beta).u
    np.testing.assert_allclose(r.F, -u + local_entropy_constant(2, gamma, beta), atol=1e-12)
    assert local_entropy_constant(2, gamma, beta) == pytest.approx(np.log(2 * np.pi / (beta * gamma)) / beta)


def test_quadratic_closed_form_curvature():
    # −F = ½ xᵀ γH(H + γI)⁻¹ x + const (Entropy-SGD, Lemma 2 is exact for quadratics)
    H = np.array([[2.0, 0.5], [0.5, 1.0]])
    g = Grid([(-6.0, 6.0)] * 2, 90)
    f = 0.5 * np.einsum("...i,ij,...j->...", g.points, H, g.points)
    r = local_entropy(f, g, 1.5)
    ref = local_entropy_quadratic(H, g.points, 1.5)  # F = −½ xᵀ γH(H + γI)⁻¹ x + const
    inner = np.all(np.abs(g.points) < 2.5, axis=-1)
    diff = r.F - ref
    assert np.ptp(diff[inner]) < 1e-8  # equal up to the x-independent constant


def test_small_gamma_prefers_the_wide_valley():
    f = sharp_wide()
    g = Grid((-3.0, 3.0), 1200)
    x = g.axes[0]
    assert abs(x[np.argmin(f.value(g.points))] - f.meta["sharp"]) < 0.05
    # γ = 3 is small next to the sharp valley's curvature 1/0.05² = 400
    assert abs(x[np.argmax(local_entropy(f, g, 3.0).F)] - f.meta["wide"]) < 0.1
    # at large γ, −F ≈ f again and the sharp valley wins (negative control for the claim)
    assert abs(x[np.argmax(local_entropy(f, g, 1e4).F)] - f.meta["sharp"]) < 0.05
