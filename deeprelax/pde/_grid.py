"""`Grid`: a uniform cell-centred Cartesian grid in 1 to 3 dimensions.

Symbols: ``d`` the dimension, ``n_k`` the number of cells along axis k,
``h_k = (hi_k − lo_k)/n_k`` the spacing, cell centres ``x_k[i] = lo_k + (i + ½) h_k``.
Values on the grid are arrays of shape ``grid.shape = (n_0, ..., n_{d-1})``; vector
fields have shape ``grid.shape + (d,)`` and matrix fields ``grid.shape + (d, d)``.

Boundaries are per axis: periodic (the cells wrap) or, otherwise, reflecting /
homogeneous Neumann (the ghost cell beyond the edge mirrors the edge cell, so the
one-sided difference across the boundary face is zero).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._core import ShapeError, as_float_array, bad_parameter, check_finite, check_int

__all__ = ["Grid", "grid_values"]

#: Largest dimension a grid may have (the finite-difference kernels are written for ≤ 3).
MAX_DIM = 3
#: Largest number of cells (2²⁸: one float64 field is 2 GiB; solvers hold several).
MAX_CELLS = 2**28


def _bools(name: str, value: Any, d: int) -> tuple[bool, ...]:
    """A bool, or d bools (Python or numpy bools only: ``"no"`` or 2 are not booleans)."""
    items = list(value) if isinstance(value, (list, tuple, np.ndarray)) else [value]
    if not all(isinstance(v, (bool, np.bool_)) for v in items):
        raise bad_parameter(name, f"a bool or {d} bools", value)
    if len(items) not in (1, d):
        raise bad_parameter(name, f"a bool or {d} bools (one per axis)", value, cls=ShapeError)
    return tuple(bool(v) for v in items) * (d if len(items) == 1 else 1)


@dataclass(frozen=True)
class Grid:
    """A uniform cell-centred grid on a box in 1 to 3 dimensions.

    Parameters
    ----------
    bounds : (lo, hi) or sequence of (lo, hi)
        The box, one ``(lo, hi)`` pair per axis (a single pair for 1-D).
    shape : int or sequence of int
        Cells per axis (an int is repeated over every axis), each ≥ 2.
    periodic : bool or sequence of bool
        Periodic boundary per axis; otherwise reflecting (homogeneous Neumann).

    Attributes
    ----------
    ndim : int
        Dimension d.
    spacing : tuple of float
        h_k = (hi_k − lo_k)/n_k.
    axes : tuple of ndarray
        Cell-centre coordinates per axis, ``axes[k]`` of shape ``(n_k,)``.

    Examples
    --------
    >>> g = Grid([(-1.0, 1.0), (0.0, 1.0)], (4, 2))
    >>> g.shape, g.spacing
    ((4, 2), (0.5, 0.5))
    >>> g.axes[0].tolist()
    [-0.75, -0.25, 0.25, 0.75]
    >>> g.points.shape
    (4, 2, 2)
    """

    bounds: tuple[tuple[float, float], ...]
    shape: tuple[int, ...]
    periodic: tuple[bool, ...] = (False,)

    def __init__(self, bounds: Any, shape: Any, periodic: bool | Sequence[bool] = False) -> None:
        b = as_float_array("bounds", bounds)
        if b.ndim == 1 and b.size == 2:
            b = b[None, :]
        if b.ndim != 2 or b.shape[1] != 2 or not 1 <= b.shape[0] <= MAX_DIM:
            raise bad_parameter("bounds", f"a (lo, hi) pair or a sequence of 1 to {MAX_DIM} pairs",
                                f"an array of shape {b.shape}", cls=ShapeError)
        check_finite("bounds", b)
        if np.any(b[:, 1] <= b[:, 0]):
            raise bad_parameter("bounds", "pairs with lo < hi", b.tolist(), "swap or widen the bounds")
        d = b.shape[0]
        items = list(shape) if isinstance(shape, (list, tuple, np.ndarray)) else [shape]
        if len(items) not in (1, d):
            raise bad_parameter("shape", f"{d} integer(s) >= 2 (one per axis of `bounds`)", shape, cls=ShapeError)
        ns = tuple(check_int("shape", n, low=2, fix="pass integers >= 2 (cells per axis)") for n in items)
        ns = ns * d if len(ns) == 1 else ns
        if math.prod(ns) > MAX_CELLS:
            raise bad_parameter("shape", f"at most {MAX_CELLS} cells in all", f"{ns} ({math.prod(ns):.3g} cells)",
                                "use a coarser grid", cls=ShapeError)
        object.__setattr__(self, "bounds", tuple((float(lo), float(hi)) for lo, hi in b))
        object.__setattr__(self, "shape", ns)
        object.__setattr__(self, "periodic", _bools("periodic", periodic, d))

    # ------------------------------------------------------------------ geometry
    @property
    def ndim(self) -> int:
        """Dimension d."""
        return len(self.shape)

    @property
    def size(self) -> int:
        """Number of cells."""
        return int(np.prod(self.shape))

    @property
    def spacing(self) -> tuple[float, ...]:
        """Cell widths h_k."""
        return tuple((hi - lo) / n for (lo, hi), n in zip(self.bounds, self.shape))

    @property
    def cell_volume(self) -> float:
        """Π_k h_k."""
        return float(np.prod(self.spacing))

    @property
    def lengths(self) -> tuple[float, ...]:
        """Box side lengths hi_k − lo_k."""
        return tuple(hi - lo for lo, hi in self.bounds)

    @property
    def axes(self) -> tuple[np.ndarray, ...]:
        """Cell-centre coordinates per axis."""
        return tuple(lo + (np.arange(n) + 0.5) * h
                     for (lo, _), n, h in zip(self.bounds, self.shape, self.spacing))

    @property
    def coords(self) -> tuple[np.ndarray, ...]:
        """Coordinate arrays of shape ``grid.shape`` (``ij`` indexing)."""
        return tuple(np.meshgrid(*self.axes, indexing="ij"))

    @property
    def points(self) -> np.ndarray:
        """Cell centres as one array of shape ``grid.shape + (d,)``."""
        return np.stack(self.coords, axis=-1)

    def face_points(self, axis: int) -> np.ndarray:
        """Centres of the faces normal to ``axis`` between cells i and i+1, shape ``(..., d)``.

        Along ``axis`` there are ``n − 1`` interior faces, plus the wrap-around face
        (between cell n−1 and cell 0, at ``hi``) on a periodic axis.
        """
        axis = check_int("axis", axis, low=0, high=self.ndim - 1)
        axes = list(self.axes)
        h = self.spacing[axis]
        n_faces = self.shape[axis] if self.periodic[axis] else self.shape[axis] - 1
        axes[axis] = self.bounds[axis][0] + h * (np.arange(n_faces) + 1.0)
        return np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1)

    # ------------------------------------------------------------------ helpers
    def check_values(self, name: str, values: Any) -> np.ndarray:
        """``values`` as a finite float64 array of shape ``grid.shape`` (else a clear error)."""
        v = as_float_array(name, values)
        if v.shape != self.shape:
            raise bad_parameter(name, f"an array of the grid's shape {self.shape}", f"shape {v.shape}",
                                "evaluate it on grid.points or build the grid with that shape",
                                cls=ShapeError)
        check_finite(name, v)
        return v

    def integrate(self, values: Any) -> float | np.ndarray:
        """Σ values · h^d over the grid axes (midpoint rule); trailing axes are kept."""
        v = as_float_array("values", values)
        if v.shape[: self.ndim] != self.shape:
            raise bad_parameter("values", f"an array whose leading axes are the grid's shape {self.shape}",
                                f"shape {v.shape}", cls=ShapeError)
        return np.sum(v, axis=tuple(range(self.ndim))) * self.cell_volume

    def _shift(self, u: np.ndarray, axis: int, step: int) -> np.ndarray:
        """u at index i + step along ``axis`` (periodic wrap, or Neumann mirror ghosts)."""
        if self.periodic[axis]:
            return np.roll(u, -step, axis=axis)
        n = self.shape[axis]
        idx = np.arange(n) + step
        idx = np.where(idx < 0, -idx - 1, idx)
        idx = np.where(idx >= n, 2 * n - idx - 1, idx)
        return np.take(u, idx, axis=axis)

    def gradient(self, u: Any) -> np.ndarray:
        """Central-difference ∇u, shape ``grid.shape + (d,)``.

        Second order in the interior and on periodic axes; at a reflecting edge the
        one-sided second-order formula is used (``numpy.gradient(edge_order=2)``), so
        the gradient of a smooth u is not forced to zero there.
        """
        u = self._as_field("u", u)
        out = np.empty(self.shape + (self.ndim,))
        for k, h in enumerate(self.spacing):
            if self.periodic[k]:
                out[..., k] = (np.roll(u, -1, axis=k) - np.roll(u, 1, axis=k)) / (2 * h)
            else:
                out[..., k] = np.gradient(u, h, axis=k, edge_order=2)
        return out

    def hessian(self, u: Any) -> np.ndarray:
        """Central-difference ∇²u, shape ``grid.shape + (d, d)`` (symmetric).

        Diagonal entries are the 3-point second differences; off-diagonal entries the
        4-point mixed differences; on reflecting axes the edge rows use
        ``numpy.gradient`` of the one-sided gradient. Second order in the interior.
        """
        u = self._as_field("u", u)
        d = self.ndim
        out = np.empty(self.shape + (d, d))
        g = self.gradient(u)
        for k, h in enumerate(self.spacing):
            if self.periodic[k]:
                out[..., k, k] = (np.roll(u, -1, axis=k) - 2 * u + np.roll(u, 1, axis=k)) / h**2
            else:
                dkk = np.gradient(g[..., k], h, axis=k, edge_order=2)
                n = self.shape[k]
                inner = (np.take(u, range(2, n), axis=k) - 2 * np.take(u, range(1, n - 1), axis=k)
                         + np.take(u, range(0, n - 2), axis=k)) / h**2
                sl = [slice(None)] * d
                sl[k] = slice(1, -1)
                dkk[tuple(sl)] = inner
                out[..., k, k] = dkk
            for m in range(k + 1, d):
                hm = self.spacing[m]
                if self.periodic[m]:
                    dkm = (np.roll(g[..., k], -1, axis=m) - np.roll(g[..., k], 1, axis=m)) / (2 * hm)
                else:
                    dkm = np.gradient(g[..., k], hm, axis=m, edge_order=2)
                out[..., k, m] = dkm
                out[..., m, k] = dkm
        return out

    def laplacian(self, u: Any) -> np.ndarray:
        """The 2d+1-point Laplacian Δu with the grid's boundaries (Neumann mirror or periodic)."""
        u = self._as_field("u", u)
        out = np.zeros(self.shape)
        for k, h in enumerate(self.spacing):
            out += (self._shift(u, k, 1) - 2 * u + self._shift(u, k, -1)) / h**2
        return out

    def evaluate(self, f: Any) -> np.ndarray:
        """Values of ``f`` at the cell centres, shape ``grid.shape``.

        ``f`` is an array of shape ``grid.shape`` (checked), a
        :class:`~deeprelax.landscapes.Landscape` of dimension d, or a callable taking
        points of shape ``(..., d)``.
        """
        return grid_values(f, self)

    def _as_field(self, name: str, u: Any) -> np.ndarray:
        v = as_float_array(name, u)
        if v.shape != self.shape:
            raise bad_parameter(name, f"an array of the grid's shape {self.shape}", f"shape {v.shape}",
                                cls=ShapeError)
        return v

    def __repr__(self) -> str:
        per = "" if not any(self.periodic) else f", periodic={self.periodic}"
        return f"Grid(bounds={self.bounds}, shape={self.shape}{per})"


def grid_values(f: Any, grid: Grid, name: str = "f") -> np.ndarray:
    """``f`` on ``grid``: an array of ``grid.shape``, a Landscape or a callable on points (..., d).

    Raises :class:`ShapeError` when the shapes or dimensions disagree and
    :class:`NonFiniteError` when a value is NaN or infinite.
    """
    if not isinstance(grid, Grid):
        raise bad_parameter("grid", "a deeprelax.pde.Grid", type(grid).__name__, "build one with Grid(bounds, shape)")
    if hasattr(f, "value") and hasattr(f, "dim"):
        if int(f.dim) != grid.ndim:
            raise bad_parameter(name, f"a landscape of dimension {grid.ndim} (the grid's)", f"dimension {f.dim}",
                                cls=ShapeError)
        vals = f.value(grid.points)
    elif isinstance(f, Callable) and not isinstance(f, np.ndarray):
        vals = f(grid.points)
    else:
        vals = f
    if vals is None or isinstance(vals, (str, bytes)):
        raise bad_parameter(name, "an array of the grid's shape, a Landscape or a callable on grid.points", vals)
    return grid.check_values(name, vals)
