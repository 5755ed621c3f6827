"""Grid geometry, finite-difference helpers and input errors."""

import numpy as np
import pytest

from deeprelax._core import NonFiniteError, ParameterError, ShapeError
from deeprelax.landscapes import double_well
from deeprelax.pde import Grid


def test_cell_centres_spacing_and_points():
    g = Grid([(-1.0, 1.0), (0.0, 3.0)], (4, 6), periodic=[False, True])
    assert g.ndim == 2 and g.size == 24 and g.spacing == (0.5, 0.5)
    np.testing.assert_allclose(g.axes[0], [-0.75, -0.25, 0.25, 0.75])
    assert g.points.shape == (4, 6, 2)
    assert g.cell_volume == 0.25
    assert g.face_points(0).shape == (3, 6, 2)  # interior faces only on a reflecting axis
    assert g.face_points(1).shape == (4, 6, 2)  # plus the wrap-around face on a periodic axis
    assert g.integrate(np.ones(g.shape)) == pytest.approx(6.0)


@pytest.mark.parametrize("periodic", [False, True], ids=["neumann", "periodic"])
def test_derivatives_of_smooth_fields(periodic):
    # second order: errors shrink ~4x per refinement for a smooth periodic-compatible field
    errs = []
    for n in (32, 64):
        g = Grid([(0.0, 2 * np.pi)] * 2, n, periodic=periodic)
        x, y = g.coords
        u = np.sin(x) * np.cos(2 * y)
        grad = g.gradient(u)
        hess = g.hessian(u)
        ref_g = np.stack([np.cos(x) * np.cos(2 * y), -2 * np.sin(x) * np.sin(2 * y)], -1)
        ref_xy = -2 * np.cos(x) * np.sin(2 * y)
        sl = (slice(2, -2),) * 2
        errs.append(max(np.abs(grad - ref_g)[sl].max(), np.abs(hess[..., 0, 1] - ref_xy)[sl].max()))
    assert errs[1] < errs[0] / 3.5


def test_laplacian_neumann_conserves_sum():
    g = Grid((0.0, 1.0), 50)
    u = np.random.default_rng(1).normal(size=50)
    # mirror ghosts: the discrete Neumann Laplacian has zero column sums
    assert abs(g.laplacian(u).sum()) < 1e-9


def test_evaluate_landscape_and_callable():
    g = Grid([(-2.0, 2.0)] * 2, 8)
    f = double_well(2)
    np.testing.assert_allclose(g.evaluate(f), f.value(g.points))
    np.testing.assert_allclose(g.evaluate(lambda p: p[..., 0]), g.coords[0])


@pytest.mark.parametrize(
    ("kwargs", "err", "match"),
    [
        ({"bounds": (1.0, 0.0), "shape": 8}, ParameterError, "lo < hi"),
        ({"bounds": [(0, 1)] * 4, "shape": 8}, ShapeError, "1 to 3 pairs"),
        ({"bounds": (0.0, 1.0), "shape": 1}, ParameterError, "integer >= 2"),
        ({"bounds": [(0, 1)] * 2, "shape": (4, 4, 4)}, ShapeError, r"2 integer\(s\)"),
        ({"bounds": (0.0, np.inf), "shape": 8}, NonFiniteError, "bounds"),
    ],
    ids=["lo>=hi", "4d", "one-cell", "shape-mismatch", "inf-bound"],
)
def test_bad_grids(kwargs, err, match):
    with pytest.raises(err, match=match):
        Grid(**kwargs)


def test_values_shape_and_finite():
    g = Grid((0.0, 1.0), 10)
    with pytest.raises(ShapeError, match=r"grid's shape \(10,\)"):
        g.check_values("f", np.zeros(11))
    with pytest.raises(NonFiniteError, match="`f` must be finite"):
        g.check_values("f", np.r_[np.zeros(9), np.nan])
