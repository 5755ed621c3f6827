"""A 1-D :class:`~deeprelax.landscapes.Landscape` from values on a grid (piecewise-linear).

Used to feed a relaxed loss u(·, t) (an array from :func:`cole_hopf`, :func:`hopf_lax`
or :func:`solve_hj`) to the SDE spec and the Fokker–Planck solver: the drift −∇u is the
slope of the interpolant, which on a face between two cell centres is exactly
(u_R − u_L)/h, so exponential fitting sees the grid values themselves.

Kernel parameters p = [lo, h, n, u_0, …, u_{n−1}] (runtime, so a new u reuses the
compiled kernels); ``lo`` is the first cell centre.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from .._core import ShapeError, bad_parameter, jit
from ._grid import Grid

if TYPE_CHECKING:  # imported on use: `deeprelax.landscapes` pulls in sympy (≈ 1 s of import time)
    from ..landscapes import Landscape

__all__ = ["grid_landscape"]


@jit
def _seg(y, p):
    n = int(p[2])
    # the segment [x_i, x_{i+1}] holding y, clamped to the first/last one (constant extension);
    # the clamp also guards the index when y is NaN or ±inf (int(floor(nan)) is undefined)
    s = (y - p[0]) / p[1]
    i = int(math.floor(s)) if math.isfinite(s) else 0
    if i < 0:
        i = 0
    if i > n - 2:
        i = n - 2
    return i, s - i


@jit
def _gl_value(x, p):
    i, w = _seg(x[0], p)
    w = min(max(w, 0.0), 1.0)  # linear inside the centres, the end value beyond them
    return (1.0 - w) * p[3 + i] + w * p[4 + i]


@jit
def _gl_grad(x, p, out):
    i, w = _seg(x[0], p)
    if w < 0.0 or w > 1.0:
        out[0] = 0.0  # constant extension outside the cell centres
    else:
        # the face slope (u_R − u_L)/h: exactly the difference Scharfetter–Gummel fitting sees
        out[0] = (p[4 + i] - p[3 + i]) / p[1]


@jit
def _gl_hess(x, p, out):
    out[0, 0] = 0.0


def grid_landscape(values: Any, grid: Grid, name: str = "grid_landscape") -> Landscape:
    """The piecewise-linear interpolant of 1-D grid values as a Landscape.

    Parameters
    ----------
    values : array_like, shape grid.shape
        Values at the cell centres (finite).
    grid : Grid
        A 1-D grid.
    name : str
        Label.

    Returns
    -------
    Landscape
        f = the interpolant (constant beyond the first and last centres), ∇f its slope,
        ∇²f = 0 almost everywhere.
    """
    from ..landscapes import Landscape

    if not isinstance(grid, Grid):
        raise bad_parameter("grid", "a deeprelax.pde.Grid", type(grid).__name__, "build one with Grid(bounds, shape)")
    if not isinstance(name, str):
        raise bad_parameter("name", "a string", name)
    if grid.ndim != 1:
        raise bad_parameter("grid", "a 1-D grid", f"a {grid.ndim}-D grid", cls=ShapeError)
    v = grid.check_values("values", values)
    p = np.concatenate([[grid.axes[0][0], grid.spacing[0], grid.shape[0]], v])
    return Landscape(1, _gl_value, _gl_grad, _gl_hess, p, name)
