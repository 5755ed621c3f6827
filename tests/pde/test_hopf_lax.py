"""Hopf–Lax: exact on the grid against the O(n²) brute force; the proximal point."""

import numpy as np
import pytest

from deeprelax._core import NonFiniteError, ParameterError, ShapeError
from deeprelax.pde import Grid, hopf_lax
from deeprelax.pde._hopf_lax import _hopf_lax_numpy_line, hopf_lax_axis
from deeprelax.theory import hopf_lax_brute


@pytest.mark.parametrize("t", [0.003, 0.1, 1.0, 50.0])
def test_equals_brute_force_1d(grid1, f_nonconvex, t):
    r = hopf_lax(f_nonconvex, grid1, t)
    u_ref, y_ref = hopf_lax_brute(f_nonconvex, grid1.axes[0], t)
    np.testing.assert_allclose(r.u, u_ref, rtol=0, atol=1e-12)
    # the minimiser is the same cell, except at exact ties (equal cost)
    cost = f_nonconvex[r.prox_index[:, 0]] + (grid1.axes[0] - r.prox[:, 0]) ** 2 / (2 * t)
    np.testing.assert_allclose(cost, u_ref, atol=1e-12)
    assert np.mean(r.prox[:, 0] == y_ref) > 0.99


@pytest.mark.parametrize("periodic", [False, True], ids=["reflecting", "periodic"])
def test_kernel_matches_numpy_twin(periodic, rng):
    a = rng.normal(size=(3, 37, 2))
    out, arg = hopf_lax_axis(a, 1, 0.1, 0.05, periodic)
    for p in range(3):
        for q in range(2):
            u_ref, k_ref = _hopf_lax_numpy_line(a[p, :, q], 0.1, 0.05, periodic)
            np.testing.assert_allclose(out[p, :, q], u_ref, atol=1e-13)


def test_separable_2d_periodic_equals_brute(rng):
    g = Grid([(-3.0, 3.0), (-2.0, 2.0)], (24, 20), periodic=[False, True])
    x, y = g.coords
    f = (x**2 - 1) ** 2 + np.sin(3 * y) * x + 0.1 * rng.normal(size=g.shape)
    t = 0.4
    r = hopf_lax(f, g, t)
    P = g.points.reshape(-1, 2)
    dx = P[:, None, 0] - P[None, :, 0]
    dy = np.abs(P[:, None, 1] - P[None, :, 1])
    dy = np.minimum(dy, 4.0 - dy)  # periodic distance
    u_ref = (f.ravel()[None, :] + (dx**2 + dy**2) / (2 * t)).min(axis=1)
    np.testing.assert_allclose(r.u.ravel(), u_ref, atol=1e-12)
    # ∇u = (x − y*)/t with the periodic displacement, and u = f(y*) + |x − y*|²/2t
    yv = f[tuple(r.prox_index[..., k] for k in range(2))]
    np.testing.assert_allclose(yv + 0.5 * t * np.sum(r.grad**2, -1), r.u, atol=1e-12)


def test_proximal_point_of_convex_quadratic():
    # f = a x²/2: prox_{tf}(x) = x/(1 + a t), u = a x²/(2(1 + a t)) (up to the grid's resolution)
    g = Grid((-2.0, 2.0), 4001)
    a, t = 3.0, 0.5
    r = hopf_lax(0.5 * a * g.axes[0] ** 2, g, t)
    np.testing.assert_allclose(r.prox[:, 0], g.axes[0] / (1 + a * t), atol=g.spacing[0])
    np.testing.assert_allclose(r.u, 0.5 * a * g.axes[0] ** 2 / (1 + a * t), atol=g.spacing[0] ** 2)


def test_bad_input(grid1, f_nonconvex):
    with pytest.raises(ParameterError, match="`t` must be a positive"):
        hopf_lax(f_nonconvex, grid1, 0.0)
    with pytest.raises(ShapeError, match="grid's shape"):
        hopf_lax(f_nonconvex[:-1], grid1, 1.0)
    bad = f_nonconvex.copy()
    bad[5] = np.inf
    with pytest.raises(NonFiniteError, match="must be finite"):
        hopf_lax(bad, grid1, 1.0)
