"""Finite-difference Hamilton–Jacobi solver: u_t + ½|∇u|² = νΔu, u(·, t0) = f.

Space: one-sided differences D±_k u (first order, ``"upwind1"``, or second-order ENO,
``"eno2"``) fed to a monotone numerical Hamiltonian Ĥ(D⁻u, D⁺u) — Godunov's
Σ_k ½ max(max(D⁻_k u, 0)², min(D⁺_k u, 0)²) or global Lax–Friedrichs
Σ_k ½((D⁻_k u + D⁺_k u)/2)² − α_k (D⁺_k u − D⁻_k u)/2 — and the centred 2d+1-point
Laplacian. Boundaries per axis: periodic, or homogeneous Neumann (mirror ghosts).

Time: explicit strong-stability-preserving Runge–Kutta (``"euler"``, ``"ssprk2"``,
``"ssprk3"``, TVD RK of Shu & Osher) under the CFL bound
dt ≤ 1/(Σ_k α_k/h_k + 2ν Σ_k h_k⁻²), or implicit–explicit (``"imex_euler"``,
``"imex_ars222"``: the Laplacian implicit, solved exactly by a DCT-II on Neumann axes and
an FFT on periodic ones), whose bound dt ≤ 1/Σ_k α_k/h_k does not shrink like h².

Kernel symbols: ``u``, ``u0``, ``out`` float64[n0, n1, n2] (1-D and 2-D grids are
padded with axes of length 1), ``nb0..nb2`` int64[5, n] the neighbour index at offsets
−2..2 per axis, ``inv_h`` float64[3], ``alpha`` float64[3] the Lax–Friedrichs
dissipation, ``nu`` the explicit viscosity, ``ham`` 0 Godunov / 1 Lax–Friedrichs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.fft

from .._core import CFLError, bad_parameter, check_choice, check_nonnegative, check_positive, jit, prange
from ._grid import Grid, grid_values

__all__ = ["HJResult", "solve_hj", "HJ_SCHEMES", "HAMILTONIANS", "RECONSTRUCTIONS", "hj_cfl_bound",
           "hj_rhs_numpy"]

#: Numerical Hamiltonians (monotone), by name -> kernel id.
HAMILTONIANS = {"godunov": 0, "lax_friedrichs": 1}
#: One-sided derivative reconstructions -> spatial order.
RECONSTRUCTIONS = {"upwind1": 1, "eno2": 2}


@dataclass(frozen=True)
class _Scheme:
    """A time-stepping recipe: its order and whether the Laplacian is implicit."""

    name: str
    order: int
    implicit_diffusion: bool


#: Time-stepping schemes.
HJ_SCHEMES = {
    "euler": _Scheme("euler", 1, False),
    "ssprk2": _Scheme("ssprk2", 2, False),
    "ssprk3": _Scheme("ssprk3", 3, False),
    "imex_euler": _Scheme("imex_euler", 1, True),
    "imex_ars222": _Scheme("imex_ars222", 2, True),
}

#: Default fraction of the CFL bound used when ``dt`` is not given.
DEFAULT_CFL = 0.5
#: Steps per compiled chunk; the driver checks finiteness and updates progress between chunks.
FINITE_CHECK_EVERY = 64
#: Grids with at least this many cells use the threaded stage kernel.
PARALLEL_MIN_CELLS = 32768
#: ARS(2,2,2) constants (Ascher, Ruuth & Spiteri 1997).
_ARS_G = 1.0 - 1.0 / math.sqrt(2.0)
_ARS_D = 1.0 - 1.0 / (2.0 * _ARS_G)

# status codes
SUCCESS = 0
NONFINITE = 1


@jit(inline="always")
def _eno_pick(a, b):
    # ENO: the smaller second difference in magnitude (second order in smooth regions)
    return a if abs(a) <= abs(b) else b


@jit(inline="always")
def _one_sided(um2, um1, uc, up1, up2, ih, eno):
    pm = (uc - um1) * ih
    pp = (up1 - uc) * ih
    if eno:
        d2m = um2 - 2.0 * um1 + uc
        d2c = um1 - 2.0 * uc + up1
        d2p = uc - 2.0 * up1 + up2
        pm += 0.5 * ih * _eno_pick(d2m, d2c)
        pp -= 0.5 * ih * _eno_pick(d2c, d2p)
    return pm, pp


@jit(inline="always")
def _ham_axis(pm, pp, alpha, ham):
    if ham == 0:
        a = max(pm, 0.0)
        b = min(pp, 0.0)
        return 0.5 * max(a * a, b * b)
    m = 0.5 * (pm + pp)
    return 0.5 * m * m - alpha * 0.5 * (pp - pm)


# The stage body is written out in both loops: a helper taking the arrays (even inlined)
# runs ~10x slower in Numba 0.6x than the same statements in the loop.
@jit(parallel=True)
def _hj_stage_par(u, u0, out, a, b, c, nb0, nb1, nb2, inv_h, alpha, nu, ham, eno):
    """out = a·u0 + b·u + c·E(u), threads over the first axis (large grids)."""
    n0, n1, n2 = u.shape
    for i in prange(n0):
        for j in range(n1):
            for k in range(n2):
                uc = u[i, j, k]
                hsum = 0.0
                lap = 0.0
                if n0 > 1:
                    um1 = u[nb0[1, i], j, k]
                    up1 = u[nb0[3, i], j, k]
                    pm, pp = _one_sided(u[nb0[0, i], j, k], um1, uc, up1, u[nb0[4, i], j, k], inv_h[0], eno)
                    hsum += _ham_axis(pm, pp, alpha[0], ham)
                    lap += (up1 - 2.0 * uc + um1) * inv_h[0] * inv_h[0]
                if n1 > 1:
                    um1 = u[i, nb1[1, j], k]
                    up1 = u[i, nb1[3, j], k]
                    pm, pp = _one_sided(u[i, nb1[0, j], k], um1, uc, up1, u[i, nb1[4, j], k], inv_h[1], eno)
                    hsum += _ham_axis(pm, pp, alpha[1], ham)
                    lap += (up1 - 2.0 * uc + um1) * inv_h[1] * inv_h[1]
                if n2 > 1:
                    um1 = u[i, j, nb2[1, k]]
                    up1 = u[i, j, nb2[3, k]]
                    pm, pp = _one_sided(u[i, j, nb2[0, k]], um1, uc, up1, u[i, j, nb2[4, k]], inv_h[2], eno)
                    hsum += _ham_axis(pm, pp, alpha[2], ham)
                    lap += (up1 - 2.0 * uc + um1) * inv_h[2] * inv_h[2]
                out[i, j, k] = a * u0[i, j, k] + b * uc + c * (nu * lap - hsum)


@jit
def _hj_stage_ser(u, u0, out, a, b, c, nb0, nb1, nb2, inv_h, alpha, nu, ham, eno):
    """Serial twin of :func:`_hj_stage_par` (small grids: no thread start-up per stage)."""
    n0, n1, n2 = u.shape
    for i in range(n0):
        for j in range(n1):
            for k in range(n2):
                uc = u[i, j, k]
                hsum = 0.0
                lap = 0.0
                if n0 > 1:
                    um1 = u[nb0[1, i], j, k]
                    up1 = u[nb0[3, i], j, k]
                    pm, pp = _one_sided(u[nb0[0, i], j, k], um1, uc, up1, u[nb0[4, i], j, k], inv_h[0], eno)
                    hsum += _ham_axis(pm, pp, alpha[0], ham)
                    lap += (up1 - 2.0 * uc + um1) * inv_h[0] * inv_h[0]
                if n1 > 1:
                    um1 = u[i, nb1[1, j], k]
                    up1 = u[i, nb1[3, j], k]
                    pm, pp = _one_sided(u[i, nb1[0, j], k], um1, uc, up1, u[i, nb1[4, j], k], inv_h[1], eno)
                    hsum += _ham_axis(pm, pp, alpha[1], ham)
                    lap += (up1 - 2.0 * uc + um1) * inv_h[1] * inv_h[1]
                if n2 > 1:
                    um1 = u[i, j, nb2[1, k]]
                    up1 = u[i, j, nb2[3, k]]
                    pm, pp = _one_sided(u[i, j, nb2[0, k]], um1, uc, up1, u[i, j, nb2[4, k]], inv_h[2], eno)
                    hsum += _ham_axis(pm, pp, alpha[2], ham)
                    lap += (up1 - 2.0 * uc + um1) * inv_h[2] * inv_h[2]
                out[i, j, k] = a * u0[i, j, k] + b * uc + c * (nu * lap - hsum)


@jit(inline="always")
def _cell2(u0c, uc, rm2, rm1, rp1, rp2, cm2, cm1, cp1, cp2, a, b, c, ihr, ihc, alr, alc, nu, ham, eno, has_r):
    # one cell of a plane (row axis r, contiguous column axis c): the same operations in the
    # same order as the generic kernel, so the result is bit-identical to it
    hsum = 0.0
    lap = 0.0
    if has_r:
        pm, pp = _one_sided(rm2, rm1, uc, rp1, rp2, ihr, eno)
        hsum += _ham_axis(pm, pp, alr, ham)
        lap += (rp1 - 2.0 * uc + rm1) * ihr * ihr
    pm, pp = _one_sided(cm2, cm1, uc, cp1, cp2, ihc, eno)
    hsum += _ham_axis(pm, pp, alc, ham)
    lap += (cp1 - 2.0 * uc + cm1) * ihc * ihc
    return a * u0c + b * uc + c * (nu * lap - hsum)


# Plane kernels (2-D grids): rows from the neighbour table, columns indexed directly in the
# interior (a contiguous, branch-free inner loop that vectorises) and through the table at the
# two cells of each edge. One compiled row function serves the serial and the threaded kernel
# (a call per row, not per cell, so it costs nothing and compiles once).
@jit
def _plane_row(x, x0, o, xm2, xm1, xp1, xp2, nbc, a, b, c, ihr, ihc, alr, alc, nu, ham, eno):
    """One row of the plane stage: o = a·x0 + b·x + c·E(x)."""
    nc = x.shape[0]
    for j in range(min(2, nc)):
        o[j] = _cell2(x0[j], x[j], xm2[j], xm1[j], xp1[j], xp2[j], x[nbc[0, j]], x[nbc[1, j]], x[nbc[3, j]],
                      x[nbc[4, j]], a, b, c, ihr, ihc, alr, alc, nu, ham, eno, True)
    # interior: ham and eno as constants, so that the loop is branch-free
    if eno:
        if ham == 0:
            for j in range(2, nc - 2):
                o[j] = _cell2(x0[j], x[j], xm2[j], xm1[j], xp1[j], xp2[j], x[j - 2], x[j - 1], x[j + 1], x[j + 2],
                              a, b, c, ihr, ihc, alr, alc, nu, 0, True, True)
        else:
            for j in range(2, nc - 2):
                o[j] = _cell2(x0[j], x[j], xm2[j], xm1[j], xp1[j], xp2[j], x[j - 2], x[j - 1], x[j + 1], x[j + 2],
                              a, b, c, ihr, ihc, alr, alc, nu, 1, True, True)
    else:
        if ham == 0:
            for j in range(2, nc - 2):
                o[j] = _cell2(x0[j], x[j], xm2[j], xm1[j], xp1[j], xp2[j], x[j - 2], x[j - 1], x[j + 1], x[j + 2],
                              a, b, c, ihr, ihc, alr, alc, nu, 0, False, True)
        else:
            for j in range(2, nc - 2):
                o[j] = _cell2(x0[j], x[j], xm2[j], xm1[j], xp1[j], xp2[j], x[j - 2], x[j - 1], x[j + 1], x[j + 2],
                              a, b, c, ihr, ihc, alr, alc, nu, 1, False, True)
    for j in range(max(2, nc - 2), nc):
        o[j] = _cell2(x0[j], x[j], xm2[j], xm1[j], xp1[j], xp2[j], x[nbc[0, j]], x[nbc[1, j]], x[nbc[3, j]],
                      x[nbc[4, j]], a, b, c, ihr, ihc, alr, alc, nu, ham, eno, True)


@jit(parallel=True)
def _hj_plane_par(u, u0, out, a, b, c, nbr, nbc, ihr, ihc, alr, alc, nu, ham, eno):
    """Threaded plane stage: out = a·u0 + b·u + c·E(u) on u[n_rows, n_cols]."""
    for i in prange(u.shape[0]):
        _plane_row(u[i], u0[i], out[i], u[nbr[0, i]], u[nbr[1, i]], u[nbr[3, i]], u[nbr[4, i]], nbc,
                   a, b, c, ihr, ihc, alr, alc, nu, ham, eno)


@jit
def _hj_plane_ser(u, u0, out, a, b, c, nbr, nbc, ihr, ihc, alr, alc, nu, ham, eno):
    """Serial twin of :func:`_hj_plane_par`."""
    for i in range(u.shape[0]):
        _plane_row(u[i], u0[i], out[i], u[nbr[0, i]], u[nbr[1, i]], u[nbr[3, i]], u[nbr[4, i]], nbc,
                   a, b, c, ihr, ihc, alr, alc, nu, ham, eno)


@jit
def _hj_stage_generic(u, u0, out, a, b, c, nb0, nb1, nb2, inv_h, alpha, nu, ham, eno):
    if u.size >= PARALLEL_MIN_CELLS:
        _hj_stage_par(u, u0, out, a, b, c, nb0, nb1, nb2, inv_h, alpha, nu, ham, eno)
    else:
        _hj_stage_ser(u, u0, out, a, b, c, nb0, nb1, nb2, inv_h, alpha, nu, ham, eno)


@jit
def _hj_stage(u, u0, out, a, b, c, nb0, nb1, nb2, inv_h, alpha, nu, ham, eno):
    """out = a·u0 + b·u + c·E(u),  E(u) = −Ĥ(D⁻u, D⁺u) + ν Δ_h u.

    2-D grids run the plane kernels on a 2-D view (bit-identical to the generic kernel,
    which 1-D and 3-D grids use).
    """
    n0, n1, n2 = u.shape
    if n2 > 1 or n1 == 1 or n0 == 1:
        _hj_stage_generic(u, u0, out, a, b, c, nb0, nb1, nb2, inv_h, alpha, nu, ham, eno)
        return
    u_, u0_, o_ = u.reshape((n0, n1)), u0.reshape((n0, n1)), out.reshape((n0, n1))
    if u.size >= PARALLEL_MIN_CELLS:
        _hj_plane_par(u_, u0_, o_, a, b, c, nb0, nb1, inv_h[0], inv_h[1], alpha[0], alpha[1], nu, ham, eno)
    else:
        _hj_plane_ser(u_, u0_, o_, a, b, c, nb0, nb1, inv_h[0], inv_h[1], alpha[0], alpha[1], nu, ham, eno)


@jit
def _explicit_steps(u, u0, b1, b2, n_steps, dt, sid, nb0, nb1, nb2, inv_h, alpha, nu, ham, eno):
    """``n_steps`` explicit SSP-RK steps in place on ``u`` (sid 0 Euler, 1 SSPRK2, 2 SSPRK3)."""
    for _ in range(n_steps):
        u0[...] = u
        if sid == 0:
            _hj_stage(u0, u0, u, 0.0, 1.0, dt, nb0, nb1, nb2, inv_h, alpha, nu, ham, eno)
        elif sid == 1:
            _hj_stage(u0, u0, b1, 0.0, 1.0, dt, nb0, nb1, nb2, inv_h, alpha, nu, ham, eno)
            _hj_stage(b1, u0, u, 0.5, 0.5, 0.5 * dt, nb0, nb1, nb2, inv_h, alpha, nu, ham, eno)
        else:
            _hj_stage(u0, u0, b1, 0.0, 1.0, dt, nb0, nb1, nb2, inv_h, alpha, nu, ham, eno)
            _hj_stage(b1, u0, b2, 0.75, 0.25, 0.25 * dt, nb0, nb1, nb2, inv_h, alpha, nu, ham, eno)
            _hj_stage(b2, u0, u, 1.0 / 3.0, 2.0 / 3.0, 2.0 * dt / 3.0, nb0, nb1, nb2, inv_h, alpha, nu,
                      ham, eno)


@jit
def _ars_combine(u, e1, e2, u2, r2, g, dl, dt, out):
    """out = u + dt·(δ·e1 + (1 − δ)·e2) + ((1 − γ)·dt)·((U2 − r2)/(γ·dt)), elementwise (ARS(2,2,2))."""
    gdt = g * dt
    w = (1.0 - g) * dt
    dl1 = 1.0 - dl
    for i in range(u.shape[0]):
        out[i] = u[i] + dt * (dl * e1[i] + dl1 * e2[i]) + w * ((u2[i] - r2[i]) / gdt)


@jit
def _max_slopes(u, nb0, nb1, nb2, inv_h, eno, out):
    """out[k] = max over the grid of |D⁻_k u|, |D⁺_k u|."""
    n0, n1, n2 = u.shape
    out[:] = 0.0
    for i in range(n0):
        for j in range(n1):
            for k in range(n2):
                uc = u[i, j, k]
                if n0 > 1:
                    pm, pp = _one_sided(u[nb0[0, i], j, k], u[nb0[1, i], j, k], uc, u[nb0[3, i], j, k],
                                        u[nb0[4, i], j, k], inv_h[0], eno)
                    out[0] = max(out[0], abs(pm), abs(pp))
                if n1 > 1:
                    pm, pp = _one_sided(u[i, nb1[0, j], k], u[i, nb1[1, j], k], uc, u[i, nb1[3, j], k],
                                        u[i, nb1[4, j], k], inv_h[1], eno)
                    out[1] = max(out[1], abs(pm), abs(pp))
                if n2 > 1:
                    pm, pp = _one_sided(u[i, j, nb2[0, k]], u[i, j, nb2[1, k]], uc, u[i, j, nb2[3, k]],
                                        u[i, j, nb2[4, k]], inv_h[2], eno)
                    out[2] = max(out[2], abs(pm), abs(pp))


def _neighbours(n: int, periodic: bool) -> np.ndarray:
    """int64[5, n]: index of i + s, s = −2..2 (periodic wrap or Neumann mirror)."""
    out = np.empty((5, n), dtype=np.int64)
    i = np.arange(n)
    for r, s in enumerate(range(-2, 3)):
        j = i + s
        if n == 1:
            j = np.zeros(n, dtype=np.int64)
        elif periodic:
            j = j % n
        else:
            j = np.where(j < 0, -j - 1, j)
            j = np.where(j >= n, 2 * n - j - 1, j)
            j = np.clip(j, 0, n - 1)
        out[r] = j
    return out


class _Operator:
    """The padded 3-D view of a grid with its neighbour tables and parameters."""

    def __init__(self, grid: Grid, ham: int, eno: bool) -> None:
        self.grid = grid
        self.shape3 = tuple(grid.shape) + (1,) * (3 - grid.ndim)
        per = tuple(grid.periodic) + (False,) * (3 - grid.ndim)
        self.nb = [_neighbours(n, p) for n, p in zip(self.shape3, per)]
        h = tuple(grid.spacing) + (1.0,) * (3 - grid.ndim)
        self.inv_h = np.array([1.0 / x for x in h])
        self.ham = ham
        self.eno = eno
        self.alpha = np.zeros(3)

    def slopes(self, u3: np.ndarray) -> np.ndarray:
        out = np.zeros(3)
        _max_slopes(u3, *self.nb, self.inv_h, self.eno, out)
        return out

    def stage(self, u: np.ndarray, u0: np.ndarray, a: float, b: float, c: float, nu: float,
              out: np.ndarray | None = None) -> np.ndarray:
        out = np.empty_like(u) if out is None else out
        _hj_stage(u, u0, out, a, b, c, *self.nb, self.inv_h, self.alpha, nu, self.ham, self.eno)
        return out


class _ImplicitLaplacian:
    """Solves (I − θΔ_h) x = r exactly: DCT-II on Neumann axes, FFT on periodic axes."""

    def __init__(self, grid: Grid) -> None:
        self.grid = grid
        self.neu = [k for k in range(grid.ndim) if not grid.periodic[k]]
        self.per = [k for k in range(grid.ndim) if grid.periodic[k]]
        sym = np.zeros(grid.shape)
        for k, (n, h) in enumerate(zip(grid.shape, grid.spacing)):
            m = np.arange(n)
            # eigenvalues of the 3-point Laplacian: Neumann (cell-centred) or periodic
            lam = -(4.0 / h**2) * np.sin(np.pi * m / (2 * n if not grid.periodic[k] else n)) ** 2
            shape = [1] * grid.ndim
            shape[k] = n
            sym = sym + lam.reshape(shape)
        self.sym = sym
        self._den: dict[tuple[float, int], np.ndarray] = {}
        if self.per and not self.neu:
            last = self.per[-1]
            self.sym_r = np.take(sym, np.arange(grid.shape[last] // 2 + 1), axis=last)

    def _denominator(self, theta: float, sym: np.ndarray) -> np.ndarray:
        # 1 − θ·λ, cached per θ (an IMEX run uses one or two values of θ)
        key = (theta, id(sym))
        den = self._den.get(key)
        if den is None:
            if len(self._den) > 8:
                self._den.clear()
            den = self._den[key] = 1.0 - theta * sym
        return den

    def solve(self, r: np.ndarray, theta: float) -> np.ndarray:
        if not self.per:
            return scipy.fft.idctn(scipy.fft.dctn(r, type=2, norm="ortho") / self._denominator(theta, self.sym),
                                   type=2, norm="ortho")
        if not self.neu:
            z = scipy.fft.rfftn(r)
            z /= self._denominator(theta, self.sym_r)
            return scipy.fft.irfftn(z, s=r.shape)
        z = scipy.fft.dctn(r, type=2, norm="ortho", axes=self.neu)
        z = scipy.fft.fftn(z, axes=self.per) / self._denominator(theta, self.sym)
        z = scipy.fft.ifftn(z, axes=self.per).real
        return scipy.fft.idctn(z, type=2, norm="ortho", axes=self.neu)


def hj_cfl_bound(grid: Grid, slopes: Sequence[float], viscosity: float, implicit_diffusion: bool) -> float:
    """The explicit stability bound 1/(Σ_k α_k/h_k + 2ν Σ_k h_k⁻²) (ν-term dropped when implicit)."""
    rate = sum(a / h for a, h in zip(slopes, grid.spacing))
    if not implicit_diffusion:
        rate += 2.0 * viscosity * sum(1.0 / h**2 for h in grid.spacing)
    return math.inf if rate == 0 else 1.0 / rate


def hj_rhs_numpy(u: Any, grid: Grid, viscosity: float, hamiltonian: str = "godunov",
                 reconstruction: str = "eno2", alpha: Sequence[float] | None = None) -> np.ndarray:
    """Readable numpy twin of the compiled right-hand side E(u) = −Ĥ(D⁻u, D⁺u) + νΔ_h u (test oracle)."""
    u = np.asarray(u, dtype=np.float64)
    out = np.zeros(grid.shape)
    alpha = np.zeros(grid.ndim) if alpha is None else np.asarray(alpha, float)
    for k, h in enumerate(grid.spacing):
        sh = {s: grid._shift(u, k, s) for s in (-2, -1, 1, 2)}
        pm = (u - sh[-1]) / h
        pp = (sh[1] - u) / h
        if reconstruction == "eno2":
            d2m = sh[-2] - 2 * sh[-1] + u
            d2c = sh[-1] - 2 * u + sh[1]
            d2p = u - 2 * sh[1] + sh[2]
            pm = pm + 0.5 / h * np.where(np.abs(d2m) <= np.abs(d2c), d2m, d2c)
            pp = pp - 0.5 / h * np.where(np.abs(d2c) <= np.abs(d2p), d2c, d2p)
        if hamiltonian == "godunov":
            hk = 0.5 * np.maximum(np.maximum(pm, 0) ** 2, np.minimum(pp, 0) ** 2)
        else:
            hk = 0.5 * ((pm + pp) / 2) ** 2 - alpha[k] * (pp - pm) / 2
        out += viscosity * (sh[1] - 2 * u + sh[-1]) / h**2 - hk
    return out


@dataclass(frozen=True)
class HJResult:
    """Result of :func:`solve_hj`.

    Attributes
    ----------
    t : ndarray, shape (n_t,)
        Output times.
    u : ndarray, shape (n_t,) + grid.shape
        The solution at those times (``u[-1]`` is the final one).
    dt : float
        The time step used.
    cfl_bound : float
        The stability bound on dt for this scheme and data.
    scheme, hamiltonian, reconstruction : str
        The recipe.
    status : int
        0 success, 1 the solution went non-finite.
    message : str
        Outcome (for NONFINITE: the step where it happened).
    n_steps : int
        Time steps taken.
    n_rhs_evals : int
        Evaluations of the spatial operator.
    n_solves : int
        Implicit Laplacian solves (IMEX schemes).
    """

    t: np.ndarray
    u: np.ndarray
    dt: float
    cfl_bound: float
    scheme: str
    hamiltonian: str
    reconstruction: str
    status: int = SUCCESS
    message: str = "success"
    n_steps: int = 0
    n_rhs_evals: int = 0
    n_solves: int = 0


def _time_points(t_span: Any, t_eval: Any) -> tuple[float, np.ndarray]:
    ts = np.atleast_1d(np.asarray(t_span, dtype=np.float64))
    if ts.size == 1:
        ts = np.array([0.0, ts[0]])
    if ts.size != 2 or not np.all(np.isfinite(ts)):
        raise bad_parameter("t_span", "a final time T or a pair (t0, T) of finite floats", t_span)
    t0, t1 = float(ts[0]), float(ts[1])
    if t1 <= t0:
        raise bad_parameter("t_span", "(t0, T) with T > t0", (t0, t1), "pass a positive duration")
    if t_eval is None:
        return t0, np.array([t1])
    te = np.atleast_1d(np.asarray(t_eval, dtype=np.float64))
    if te.ndim != 1 or np.any(np.diff(te) <= 0) or te[0] <= t0 or te[-1] > t1 + 1e-12 * abs(t1):
        raise bad_parameter("t_eval", f"increasing times in ({t0}, {t1}]", te.tolist())
    return t0, te


def solve_hj(
    f: Any,
    grid: Grid,
    t_span: Any,
    viscosity: float = 0.0,
    *,
    scheme: str = "ssprk3",
    hamiltonian: str = "godunov",
    reconstruction: str = "eno2",
    dt: float | None = None,
    cfl: float = DEFAULT_CFL,
    t_eval: Any = None,
    progress: bool = False,
) -> HJResult:
    """Solve u_t + ½|∇u|² = νΔu, u(·, t0) = f, by finite differences on a grid.

    Parameters
    ----------
    f : array_like of shape grid.shape, Landscape or callable
        Initial value.
    grid : Grid
        The grid; each axis is periodic or Neumann (reflecting).
    t_span : float or (t0, T)
        Final time T (from t0 = 0) or the interval.
    viscosity : float
        ν ≥ 0. Deep Relaxation's u_t = −½|∇u|² + (β⁻¹/2)Δu is ν = 1/(2β).
    scheme : str
        ``"euler"``, ``"ssprk2"``, ``"ssprk3"`` (explicit, default ``"ssprk3"``) or
        ``"imex_euler"``, ``"imex_ars222"`` (Laplacian implicit).
    hamiltonian : str
        ``"godunov"`` or ``"lax_friedrichs"``.
    reconstruction : str
        ``"upwind1"`` (first order) or ``"eno2"`` (second-order ENO).
    dt : float, optional
        Time step; at most the CFL bound (else :class:`CFLError`). Default
        ``cfl`` × the bound. The step is shortened so that it divides each interval.
    cfl : float
        Fraction of the bound used for the default dt, in (0, 1].
    t_eval : array_like, optional
        Increasing output times in (t0, T]; default only T.
    progress : bool
        Show a tqdm progress bar.

    Returns
    -------
    HJResult

    Raises
    ------
    ParameterError
        Negative viscosity, unknown scheme names, t_span not increasing, cfl ∉ (0, 1].
    CFLError
        An explicit ``dt`` above the stability bound (the message states it).
    ShapeError, NonFiniteError
        ``f`` of the wrong shape or non-finite.

    Notes
    -----
    Monotone schemes (``"upwind1"`` with forward Euler or SSP-RK under the bound)
    satisfy the discrete comparison principle and converge to the viscosity solution
    (Crandall–Lions); the error is O(h) (``"upwind1"``) or O(h²) in smooth regions
    (``"eno2"``), plus O(dt^p) for a p-th order scheme. The bound is
    dt ≤ 1/(Σ_k α_k/h_k + 2ν Σ_k h_k⁻²), α_k = max |D±_k f| (the Lipschitz constant of
    u does not grow), which is below min(h/max|∇u|, h²/(2dν)); IMEX schemes drop the
    ν-term, so fine grids are not held to the diffusive h² step.

    References
    ----------
    S. Osher, C.-W. Shu, "High-order essentially nonoscillatory schemes for
    Hamilton–Jacobi equations", SIAM J. Numer. Anal. 28 (1991). C.-W. Shu, S. Osher,
    J. Comput. Phys. 77 (1988) (TVD Runge–Kutta). U. Ascher, S. Ruuth, R. Spiteri,
    Appl. Numer. Math. 25 (1997) (ARS(2,2,2)). P. Chaudhari et al., "Deep relaxation",
    arXiv:1704.04932.

    Examples
    --------
    >>> import numpy as np
    >>> from deeprelax.pde import Grid, solve_hj
    >>> g = Grid((0.0, 2 * np.pi), 128, periodic=True)
    >>> r = solve_hj(np.sin(g.axes[0]), g, 0.5, viscosity=0.1)
    >>> r.u.shape, r.status
    ((1, 128), 0)
    """
    nu = check_nonnegative("viscosity", viscosity, "the viscosity ν of u_t + ½|∇u|² = νΔu is >= 0")
    check_choice("scheme", scheme, HJ_SCHEMES)
    check_choice("hamiltonian", hamiltonian, HAMILTONIANS)
    check_choice("reconstruction", reconstruction, RECONSTRUCTIONS)
    cfl = check_positive("cfl", cfl)
    if cfl > 1.0:
        raise bad_parameter("cfl", "a fraction in (0, 1]", cfl)
    sch = HJ_SCHEMES[scheme]
    t0, t_out = _time_points(t_span, t_eval)
    u = grid_values(f, grid).reshape(-1)
    op = _Operator(grid, HAMILTONIANS[hamiltonian], reconstruction == "eno2")
    u3 = np.array(u.reshape(op.shape3), dtype=np.float64, order="C", copy=True)  # never the caller's f
    slopes = op.slopes(u3)
    op.alpha = slopes.copy()
    bound = hj_cfl_bound(grid, slopes[: grid.ndim], nu, sch.implicit_diffusion)
    if dt is None:
        dt_use = cfl * bound if math.isfinite(bound) else (t_out[-1] - t0)
    else:
        dt_use = check_positive("dt", dt)
        if dt_use > bound * (1.0 + 1e-12):
            kind = "h/max|∇u| (IMEX)" if sch.implicit_diffusion else "1/(Σ α_k/h_k + 2ν Σ h_k⁻²)"
            raise CFLError(
                f"`dt` must be at most the CFL bound {bound:.6g} = {kind} for scheme {scheme!r} on this "
                f"grid, got {dt_use!r}; pass dt <= {bound:.6g}, leave dt=None, or use an IMEX scheme"
            )
    impl = _ImplicitLaplacian(grid) if sch.implicit_diffusion and nu > 0 else None
    nu_explicit = 0.0 if sch.implicit_diffusion else nu
    out = np.empty((t_out.size,) + grid.shape)
    counters = {"steps": 0, "rhs": 0, "solves": 0}
    status, message = SUCCESS, "success"
    total = sum(max(1, math.ceil((b - a) / dt_use - 1e-9)) for a, b in zip(np.r_[t0, t_out[:-1]], t_out))
    bar = _progress(total, progress)
    t_prev = t0
    dt_last = dt_use
    explicit_id = {"euler": 0, "ssprk2": 1, "ssprk3": 2}.get(sch.name)
    bufs = [np.empty_like(u3) for _ in range(3)]
    for n_out, t_next in enumerate(t_out):
        n_steps = max(1, math.ceil((t_next - t_prev) / dt_use - 1e-9))
        h_step = (t_next - t_prev) / n_steps
        dt_last = h_step
        done = 0
        while done < n_steps:
            chunk = min(FINITE_CHECK_EVERY, n_steps - done)
            if explicit_id is not None:
                _explicit_steps(u3, bufs[0], bufs[1], bufs[2], chunk, h_step, explicit_id, *op.nb, op.inv_h,
                                op.alpha, nu, op.ham, op.eno)
                counters["rhs"] += chunk * (explicit_id + 1)
            else:
                for _ in range(chunk):
                    u3 = _step(op, impl, sch.name, u3, h_step, nu, nu_explicit, counters)
            done += chunk
            counters["steps"] += chunk
            if bar is not None:
                bar.update(chunk)
            if not np.all(np.isfinite(u3)):
                status = NONFINITE
                message = (f"the solution went non-finite by step {counters['steps']} "
                           f"(t <= {t_prev + done * h_step:.6g}); reduce dt or check f")
                break
        out[n_out] = u3.reshape(grid.shape)
        if status != SUCCESS:
            out[n_out + 1:] = np.nan
            break
        t_prev = t_next
    if bar is not None:
        bar.close()
    return HJResult(t=t_out, u=out, dt=dt_last, cfl_bound=bound, scheme=scheme, hamiltonian=hamiltonian,
                    reconstruction=reconstruction, status=status, message=message,
                    n_steps=counters["steps"], n_rhs_evals=counters["rhs"], n_solves=counters["solves"])


def _progress(total: int, enabled: bool) -> Any:
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="solve_hj", unit="step")


def _step(op: _Operator, impl: _ImplicitLaplacian | None, name: str, u: np.ndarray, dt: float, nu: float,
          nu_ex: float, counters: dict[str, int]) -> np.ndarray:
    """One time step of scheme ``name`` (explicit stages fused in the kernel)."""
    if name == "euler":
        counters["rhs"] += 1
        return op.stage(u, u, 0.0, 1.0, dt, nu_ex)
    if name == "ssprk2":
        u1 = op.stage(u, u, 0.0, 1.0, dt, nu_ex)
        counters["rhs"] += 2
        return op.stage(u1, u, 0.5, 0.5, 0.5 * dt, nu_ex)
    if name == "ssprk3":
        u1 = op.stage(u, u, 0.0, 1.0, dt, nu_ex)
        u2 = op.stage(u1, u, 0.75, 0.25, 0.25 * dt, nu_ex)
        counters["rhs"] += 3
        return op.stage(u2, u, 1.0 / 3.0, 2.0 / 3.0, 2.0 * dt / 3.0, nu_ex)
    shape = u.shape
    gshape = op.grid.shape
    if name == "imex_euler":
        r = op.stage(u, u, 0.0, 1.0, dt, 0.0)
        counters["rhs"] += 1
        if impl is None:
            return r
        counters["solves"] += 1
        return np.ascontiguousarray(impl.solve(r.reshape(gshape), dt * nu).reshape(shape))
    # imex_ars222 (stiffly accurate; the implicit stage weights are γ, 1 − γ, γ)
    g, dl = _ARS_G, _ARS_D
    e1 = op.stage(u, u, 0.0, 0.0, 1.0, 0.0)
    r2 = np.multiply(e1, g * dt)
    r2 += u  # = u + g·dt·e1
    u2 = r2 if impl is None else np.ascontiguousarray(impl.solve(r2.reshape(gshape), g * dt * nu).reshape(shape))
    e2 = op.stage(u2, u2, 0.0, 0.0, 1.0, 0.0)
    # r3 = u + dt (δ e1 + (1 − δ) e2) + (1 − γ) dt ν Δ_h U2, with ν Δ_h U2 = (U2 − r2)/(γ dt) exact
    # from the implicit stage; fused, same operations and order as the array expression
    r3 = np.empty_like(u)
    _ars_combine(u.reshape(-1), e1.reshape(-1), e2.reshape(-1), u2.reshape(-1), r2.reshape(-1), g, dl, dt,
                 r3.reshape(-1))
    counters["rhs"] += 2
    if impl is None:
        return r3
    counters["solves"] += 2
    return np.ascontiguousarray(impl.solve(r3.reshape(gshape), g * dt * nu).reshape(shape))
