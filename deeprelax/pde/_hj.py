"""Finite-difference Hamilton–Jacobi solver: u_t + ½|∇u|² + b(x)·∇u = νΔu, u(·, t0) = f.

Space: one-sided differences D±_k u (first order, ``"upwind1"``, or second-order ENO,
``"eno2"``) fed to a monotone numerical Hamiltonian Ĥ(D⁻u, D⁺u) of the separable
H(x, p) = Σ_k H_k(p_k), H_k(p) = ½p² + b_k(x) p (convex, minimum at p* = −b_k) —
Godunov's Σ_k max(H_k(max(D⁻_k u, p*)), H_k(min(D⁺_k u, p*))) or global Lax–Friedrichs
Σ_k H_k((D⁻_k u + D⁺_k u)/2) − α_k (D⁺_k u − D⁻_k u)/2 — and the centred 2d+1-point
Laplacian. Boundaries per axis: periodic, or homogeneous Neumann (mirror ghosts).

Time: explicit strong-stability-preserving Runge–Kutta (``"euler"``, ``"ssprk2"``,
``"ssprk3"``, TVD RK of Shu & Osher) under the CFL bound
dt ≤ 1/(Σ_k α_k/h_k + 2ν Σ_k h_k⁻²), or implicit–explicit (``"imex_euler"``,
``"imex_ars222"``: the Laplacian implicit, solved exactly by a DCT-II on Neumann axes and
an FFT on periodic ones), whose bound dt ≤ 1/Σ_k α_k/h_k does not shrink like h², or the
exponential integrator ``"etdrk4"`` (:mod:`deeprelax.pde._hj_etd`, also the Fourier
pseudo-spectral ``reconstruction="spectral"``).

This module holds the generic kernel (any dimension ≤ 3, boundary, Hamiltonian,
reconstruction, drift) and its numpy twin :func:`hj_rhs_numpy`; speed-only variants are
registered in :mod:`deeprelax.pde._hj_accel` and chosen by :data:`HJ_ACCELERATORS`.

Kernel symbols: ``u``, ``u0``, ``out`` float64[n0, n1, n2] (1-D and 2-D grids are
padded with axes of length 1); ``op`` an :class:`HJKernel` record: ``nb0..nb2``
int64[5, n] the neighbour index at offsets −2..2 per axis, ``inv_h`` float64[3],
``alpha`` float64[3] the Lax–Friedrichs dissipation, ``drift`` float64[n0, n1, n2, 3]
b(x) (read only when ``has_drift``), ``nu`` the explicit viscosity, ``ham`` and ``rec``
the Hamiltonian and reconstruction codes. A stage writes out = a·u0 + b·u + c·E(u),
E(u) = −Ĥ(D⁻u, D⁺u) + νΔ_h u (the Shu–Osher form of every SSP-RK stage).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import scipy.fft

from .._core import (
    CFLError,
    ShapeError,
    Status,
    as_float_array,
    bad_parameter,
    check_bool,
    check_choice,
    check_finite,
    check_float,
    check_int,
    check_nonnegative,
    check_positive,
    get_num_threads,
    jit,
)
from ._accel import Registry
from ._grid import Grid, grid_values

__all__ = ["HJResult", "solve_hj", "HJ_SCHEMES", "HAMILTONIANS", "RECONSTRUCTIONS", "HJ_ACCELERATORS",
           "HJKernel", "hj_kernel", "hj_cfl_bound", "hj_rhs_numpy"]

# Hamiltonian codes of the kernel (``HJKernel.ham``).
GODUNOV = 0
LAX_FRIEDRICHS = 1
# Reconstruction codes (``HJKernel.rec``): the spatial order of the one-sided differences.
UPWIND1 = 1
ENO2 = 2
#: The pseudo-spectral "reconstruction" (exact derivatives of the trigonometric interpolant).
SPECTRAL = 0

#: Numerical Hamiltonians (monotone), by name -> kernel code.
HAMILTONIANS = {"godunov": GODUNOV, "lax_friedrichs": LAX_FRIEDRICHS}
#: Spatial discretisations -> kernel code (the finite-difference codes are the spatial order).
RECONSTRUCTIONS = {"upwind1": UPWIND1, "eno2": ENO2, "spectral": SPECTRAL}


@dataclass(frozen=True)
class _Scheme:
    """A time-stepping recipe.

    ``kind`` is "explicit" (every stage in one compiled call), "imex" (Laplacian implicit)
    or "exponential" (the Laplacian integrated exactly). ``tableau`` is the Shu–Osher form of
    an explicit SSP scheme: stage s sets U_s = a·U_0 + b·U_{s−1} + (c_num·dt/c_den)·E(U_{s−1}),
    rows (a, b, c_num, c_den); c is kept as a fraction so that 2·dt/3 rounds as written.
    """

    name: str
    order: int
    kind: str
    tableau: tuple[tuple[float, float, float, float], ...] = ()

    @property
    def implicit_diffusion(self) -> bool:
        return self.kind != "explicit"


#: Time-stepping schemes.
HJ_SCHEMES = {
    "euler": _Scheme("euler", 1, "explicit", ((0.0, 1.0, 1.0, 1.0),)),
    "ssprk2": _Scheme("ssprk2", 2, "explicit", ((0.0, 1.0, 1.0, 1.0), (0.5, 0.5, 0.5, 1.0))),
    # Shu & Osher (1988) third-order TVD RK
    "ssprk3": _Scheme("ssprk3", 3, "explicit",
                      ((0.0, 1.0, 1.0, 1.0), (0.75, 0.25, 0.25, 1.0), (1.0 / 3.0, 2.0 / 3.0, 2.0, 3.0))),
    "imex_euler": _Scheme("imex_euler", 1, "imex"),
    "imex_ars222": _Scheme("imex_ars222", 2, "imex"),
    "etdrk4": _Scheme("etdrk4", 4, "exponential"),
}

#: Default fraction of the stability bound used when ``dt`` is not given.
DEFAULT_CFL = 0.5
#: Steps per compiled chunk; the driver checks finiteness and updates progress between chunks.
FINITE_CHECK_EVERY = 64
#: Default cap on the number of time steps (a run above it is refused before it starts).
DEFAULT_MAX_STEPS = 10**6
#: ARS(2,2,2) constants (Ascher, Ruuth & Spiteri 1997).
_ARS_G = 1.0 - 1.0 / math.sqrt(2.0)
_ARS_D = 1.0 - 1.0 / (2.0 * _ARS_G)

#: Speed-only variants of the stage kernels, populated by :mod:`deeprelax.pde._hj_accel`.
#: Properties: ``ndim``, ``cells``, ``threads``, ``drift`` (bool).
HJ_ACCELERATORS = Registry("solve_hj", ("ndim", "cells", "threads", "drift"))


class HJKernel(NamedTuple):
    """Everything a stage kernel reads besides the arrays it updates (one typed record)."""

    nb0: np.ndarray
    nb1: np.ndarray
    nb2: np.ndarray
    inv_h: np.ndarray
    alpha: np.ndarray
    drift: np.ndarray
    nu: float
    ham: int
    rec: int
    has_drift: bool


# ----------------------------------------------------------------------------- kernels
@jit(inline="always")
def _eno_pick(a, b):
    # ENO: the smaller second difference in magnitude (second order in smooth regions)
    return a if abs(a) <= abs(b) else b


@jit(inline="always")
def _one_sided(um2, um1, uc, up1, up2, ih, eno):
    # D⁻u and D⁺u at a cell; ENO2 adds the ½h·(second difference) correction (Osher & Shu 1991)
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
def _ham_axis(pm, pp, bk, alpha, ham):
    # one axis of Ĥ for H_k(p) = ½p² + b_k p, convex with its minimum at p* = −b_k
    if ham == 0:
        # Godunov (Osher's formula for convex H): max(H_k(max(p⁻, p*)), H_k(min(p⁺, p*)))
        a = max(pm, -bk)
        c = min(pp, -bk)
        return max(0.5 * a * a + bk * a, 0.5 * c * c + bk * c)
    # Lax–Friedrichs: H_k at the mean slope minus α_k·(p⁺ − p⁻)/2, α_k ≥ max |∂H/∂p_k|
    m = 0.5 * (pm + pp)
    return 0.5 * m * m + bk * m - alpha * 0.5 * (pp - pm)


@jit
def _hj_row(u, u0, out, i, a, b, c, op):
    """Row i of a stage: out[i] = a·u0[i] + b·u[i] + c·E(u)[i] (the generic stage body)."""
    n0, n1, n2 = u.shape
    eno = op.rec == 2
    # scalars out of the record once per row (the loop below reads only arrays and locals)
    ih0, ih1, ih2 = op.inv_h[0], op.inv_h[1], op.inv_h[2]
    for j in range(n1):
        for k in range(n2):
            uc = u[i, j, k]
            b0 = b1 = b2 = 0.0
            if op.has_drift:
                b0 = op.drift[i, j, k, 0]
                b1 = op.drift[i, j, k, 1]
                b2 = op.drift[i, j, k, 2]
            hsum = 0.0
            lap = 0.0
            # the axes in a fixed order, so that every variant sums in the same order (bitwise)
            if n0 > 1:
                um1 = u[op.nb0[1, i], j, k]
                up1 = u[op.nb0[3, i], j, k]
                pm, pp = _one_sided(u[op.nb0[0, i], j, k], um1, uc, up1, u[op.nb0[4, i], j, k], ih0, eno)
                hsum += _ham_axis(pm, pp, b0, op.alpha[0], op.ham)
                lap += (up1 - 2.0 * uc + um1) * ih0 * ih0
            if n1 > 1:
                um1 = u[i, op.nb1[1, j], k]
                up1 = u[i, op.nb1[3, j], k]
                pm, pp = _one_sided(u[i, op.nb1[0, j], k], um1, uc, up1, u[i, op.nb1[4, j], k], ih1, eno)
                hsum += _ham_axis(pm, pp, b1, op.alpha[1], op.ham)
                lap += (up1 - 2.0 * uc + um1) * ih1 * ih1
            if n2 > 1:
                um1 = u[i, j, op.nb2[1, k]]
                up1 = u[i, j, op.nb2[3, k]]
                pm, pp = _one_sided(u[i, j, op.nb2[0, k]], um1, uc, up1, u[i, j, op.nb2[4, k]], ih2, eno)
                hsum += _ham_axis(pm, pp, b2, op.alpha[2], op.ham)
                lap += (up1 - 2.0 * uc + um1) * ih2 * ih2
            # Shu–Osher stage: a·U_0 + b·U + c·E(U), E = νΔ_h u − Ĥ (the HJ right-hand side)
            out[i, j, k] = a * u0[i, j, k] + b * uc + c * (op.nu * lap - hsum)


@jit
def _hj_stage(u, u0, out, a, b, c, op):
    """out = a·u0 + b·u + c·E(u),  E(u) = −Ĥ(D⁻u, D⁺u) + ν Δ_h u (the generic stage kernel)."""
    for i in range(u.shape[0]):
        _hj_row(u, u0, out, i, a, b, c, op)


@jit
def _rk_steps(u, u0, b1, b2, n_steps, dt, tab, op):
    """``n_steps`` explicit SSP-RK steps in place on ``u`` (Shu–Osher tableau ``tab``, ≤ 3 stages).

    Stage s reads U_{s−1} (U_0 = u0, then b1, b2) and writes b1, b2, or u for the last stage.
    """
    last = tab.shape[0] - 1
    for _ in range(n_steps):
        # U_0 = uⁿ is kept: every Shu–Osher stage combines it with the previous stage
        u0[...] = u
        for s in range(last + 1):
            # stages ping-pong between two buffers; the last one writes uⁿ⁺¹ in place
            src = u0 if s == 0 else (b1 if s == 1 else b2)
            dst = u if s == last else (b1 if s == 0 else b2)
            _hj_stage(src, u0, dst, tab[s, 0], tab[s, 1], tab[s, 2] * dt / tab[s, 3], op)


@jit
def _ars_combine(u, e1, e2, u2, r2, g, dl, dt, out):
    """out = u + dt·(δ·e1 + (1 − δ)·e2) + ((1 − γ)·dt)·((U2 − r2)/(γ·dt)), elementwise (ARS(2,2,2))."""
    gdt = g * dt
    w = (1.0 - g) * dt
    dl1 = 1.0 - dl
    # one pass instead of five array temporaries; the order of operations is the array expression's
    for i in range(u.shape[0]):
        out[i] = u[i] + dt * (dl * e1[i] + dl1 * e2[i]) + w * ((u2[i] - r2[i]) / gdt)


@jit
def _max_slopes(u, op, out):
    """out[k] = max over the grid of |D⁻_k u|, |D⁺_k u| (the Lipschitz bound in the CFL condition)."""
    n0, n1, n2 = u.shape
    eno = op.rec == 2
    out[:] = 0.0
    # the same one-sided differences the scheme uses, so α bounds what the stages see
    for i in range(n0):
        for j in range(n1):
            for k in range(n2):
                uc = u[i, j, k]
                if n0 > 1:
                    pm, pp = _one_sided(u[op.nb0[0, i], j, k], u[op.nb0[1, i], j, k], uc, u[op.nb0[3, i], j, k],
                                        u[op.nb0[4, i], j, k], op.inv_h[0], eno)
                    out[0] = max(out[0], abs(pm), abs(pp))
                if n1 > 1:
                    pm, pp = _one_sided(u[i, op.nb1[0, j], k], u[i, op.nb1[1, j], k], uc, u[i, op.nb1[3, j], k],
                                        u[i, op.nb1[4, j], k], op.inv_h[1], eno)
                    out[1] = max(out[1], abs(pm), abs(pp))
                if n2 > 1:
                    pm, pp = _one_sided(u[i, j, op.nb2[0, k]], u[i, j, op.nb2[1, k]], uc, u[i, j, op.nb2[3, k]],
                                        u[i, j, op.nb2[4, k]], op.inv_h[2], eno)
                    out[2] = max(out[2], abs(pm), abs(pp))


# ----------------------------------------------------------------------------- the problem
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
            # the ghost beyond a reflecting edge mirrors the cells inside (homogeneous Neumann)
            j = np.where(j < 0, -j - 1, j)
            j = np.where(j >= n, 2 * n - j - 1, j)
            # a no-op for n ≥ 2 (offsets are at most 2); it guarantees the kernels, which
            # index without bounds checks, never read outside the axis
            j = np.clip(j, 0, n - 1)
        out[r] = j
    return out


def _drift_field(drift: Any, grid: Grid) -> np.ndarray | None:
    """b(x) at the cell centres, shape grid.shape + (d,) (``drift`` a callable or an array)."""
    if drift is None:
        return None
    if callable(drift) and not isinstance(drift, np.ndarray):
        vals = drift(grid.points)
        name = "drift (the values it returned)"
    else:
        vals, name = drift, "drift"
    b = as_float_array("drift", vals)
    want = tuple(grid.shape) + (grid.ndim,)
    if b.shape != want:
        raise bad_parameter("drift", f"a vector field of shape grid.shape + (d,) = {want}",
                            f"{name} of shape {b.shape}", "evaluate b on grid.points", cls=ShapeError)
    return check_finite("drift", b)


def hj_kernel(grid: Grid, hamiltonian: str, reconstruction: str, nu: float, alpha: Any = None,
              drift: np.ndarray | None = None) -> HJKernel:
    """The kernel record of a grid (padded to 3-D): neighbour tables, 1/h, α, b(x), ν and the codes."""
    shape3 = tuple(grid.shape) + (1,) * (3 - grid.ndim)
    per = tuple(grid.periodic) + (False,) * (3 - grid.ndim)
    h = tuple(grid.spacing) + (1.0,) * (3 - grid.ndim)
    b3 = np.zeros((1, 1, 1, 3))
    if drift is not None:
        b3 = np.zeros(shape3 + (3,))
        b3[..., : grid.ndim] = np.asarray(drift, dtype=np.float64).reshape(shape3 + (grid.ndim,))
    a3 = np.zeros(3)
    if alpha is not None:
        a3[: grid.ndim] = alpha
    return HJKernel(*[_neighbours(n, p) for n, p in zip(shape3, per)], np.array([1.0 / x for x in h]), a3, b3,
                    float(nu), HAMILTONIANS[hamiltonian], RECONSTRUCTIONS[reconstruction], drift is not None)


@dataclass
class _HJProblem:
    """The padded 3-D view of the data, the kernel record and the accelerator properties."""

    grid: Grid
    u3: np.ndarray
    op: HJKernel
    bound: float
    props: dict[str, Any]

    @classmethod
    def build(cls, f: Any, grid: Grid, nu: float, ham: str, rec: str, drift: Any, sch: _Scheme) -> _HJProblem:
        u = grid_values(f, grid)
        b = _drift_field(drift, grid)
        # IMEX / exponential schemes treat νΔ apart: the explicit kernel then has ν = 0
        op = hj_kernel(grid, ham, rec, 0.0 if sch.implicit_diffusion else nu, drift=b)
        b3 = op.drift
        shape3 = tuple(grid.shape) + (1,) * (3 - grid.ndim)
        u3 = np.array(u.reshape(shape3), dtype=np.float64, order="C", copy=True)  # never the caller's f
        slopes = np.zeros(3)
        # the spectral method has no one-sided differences: its α is estimated with ENO2's
        _max_slopes(u3, op._replace(rec=ENO2 if rec == "spectral" else op.rec), slopes)
        # α_k ≥ max |∂H/∂p_k| = max |p_k + b_k|: the slopes of f plus the largest drift
        alpha = slopes + (np.abs(b3).reshape(-1, 3).max(axis=0) if b is not None else 0.0)
        op = op._replace(alpha=alpha)
        bound = hj_cfl_bound(grid, alpha[: grid.ndim], nu, sch.implicit_diffusion)
        props = {"ndim": grid.ndim, "cells": grid.size, "threads": get_num_threads(), "drift": b is not None}
        return cls(grid, u3, op, bound, props)

    def kernel(self, role: str, generic: Any) -> tuple[Any, str]:
        acc = HJ_ACCELERATORS.select(role, self.props)
        return (generic, "generic") if acc is None else (acc.kernels[role], acc.name)


# ----------------------------------------------------------------------------- time steppers
class _ExplicitRK:
    """SSP-RK: whole chunks of steps in one compiled call (no Python between stages)."""

    def __init__(self, sch: _Scheme, prob: _HJProblem, nu: float) -> None:
        self.tab = np.array(sch.tableau)
        self.op = prob.op
        self.steps, self.kernel_name = prob.kernel("steps", _rk_steps)
        self.bufs = [np.empty_like(prob.u3) for _ in range(3)]
        self.rhs_per_step, self.solves_per_step = len(sch.tableau), 0

    def advance(self, u3: np.ndarray, n: int, dt: float) -> np.ndarray:
        self.steps(u3, *self.bufs, n, dt, self.tab, self.op)
        return u3


class _ImplicitLaplacian:
    """Solves (I − θΔ_h) x = r exactly: DCT-II on Neumann axes, FFT on periodic axes."""

    def __init__(self, grid: Grid) -> None:
        self.grid = grid
        self.neu = [k for k in range(grid.ndim) if not grid.periodic[k]]
        self.per = [k for k in range(grid.ndim) if grid.periodic[k]]
        sym = np.zeros(grid.shape)
        for k, (n, h) in enumerate(zip(grid.shape, grid.spacing)):
            m = np.arange(n)
            # eigenvalues of the 3-point Laplacian: Neumann (cell-centred, DCT-II) or periodic.
            # The mirror ghost of _neighbours (index −1 ↦ 0) is the half-sample symmetric
            # extension that the DCT-II diagonalises, so this solve inverts exactly the
            # Laplacian the explicit kernels apply.
            lam = -(4.0 / h**2) * np.sin(np.pi * m / (2 * n if not grid.periodic[k] else n)) ** 2
            shape = [1] * grid.ndim
            shape[k] = n
            sym = sym + lam.reshape(shape)
        self.sym = sym
        self._den: dict[tuple[float, int], np.ndarray] = {}
        if self.per and not self.neu:
            # rfftn keeps only modes 0..n//2 of the last axis (real data); λ_m = λ_{n−m}
            last = self.per[-1]
            self.sym_r = np.take(sym, np.arange(grid.shape[last] // 2 + 1), axis=last)

    def _denominator(self, theta: float, sym: np.ndarray) -> np.ndarray:
        # 1 − θ·λ, cached per θ (an IMEX run uses one or two values of θ)
        key = (theta, id(sym))
        den = self._den.get(key)
        if den is None:
            if len(self._den) > 8:  # bound the memory if a caller varies θ
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
        # the exact result is real (real data, a symbol even in each periodic mode); .real
        # drops the round-off imaginary part
        z = scipy.fft.ifftn(z, axes=self.per).real
        return scipy.fft.idctn(z, type=2, norm="ortho", axes=self.neu)


class _IMEX:
    """IMEX Euler and ARS(2,2,2): explicit Ĥ stages, the Laplacian solved exactly."""

    def __init__(self, sch: _Scheme, prob: _HJProblem, nu: float) -> None:
        self.name, self.op, self.nu = sch.name, prob.op, nu
        self.gshape = prob.grid.shape
        self.impl = _ImplicitLaplacian(prob.grid) if nu > 0 else None
        self.stage, self.kernel_name = prob.kernel("stage", _hj_stage)
        self.rhs_per_step = 1 if sch.name == "imex_euler" else 2
        self.solves_per_step = 0 if self.impl is None else self.rhs_per_step

    def _solve(self, r: np.ndarray, theta: float) -> np.ndarray:
        return np.ascontiguousarray(self.impl.solve(r.reshape(self.gshape), theta).reshape(r.shape))

    def _e(self, u: np.ndarray) -> np.ndarray:
        out = np.empty_like(u)
        self.stage(u, u, out, 0.0, 0.0, 1.0, self.op)  # E(u) = −Ĥ (ν = 0 in the kernel)
        return out

    def advance(self, u: np.ndarray, n: int, dt: float) -> np.ndarray:
        for _ in range(n):
            u = self._euler(u, dt) if self.name == "imex_euler" else self._ars222(u, dt)
        return u

    def _euler(self, u: np.ndarray, dt: float) -> np.ndarray:
        # (I − dt νΔ) u¹ = u + dt E(u)
        r = np.empty_like(u)
        self.stage(u, u, r, 0.0, 1.0, dt, self.op)
        return r if self.impl is None else self._solve(r, dt * self.nu)

    def _ars222(self, u: np.ndarray, dt: float) -> np.ndarray:
        # ARS(2,2,2), stiffly accurate; the implicit stage weights are γ, 1 − γ, γ
        g, dl = _ARS_G, _ARS_D
        e1 = self._e(u)
        r2 = np.multiply(e1, g * dt)
        r2 += u  # = u + γ dt e1
        u2 = r2 if self.impl is None else self._solve(r2, g * dt * self.nu)
        e2 = self._e(u2)
        # r3 = u + dt (δ e1 + (1 − δ) e2) + (1 − γ) dt ν Δ_h U2, with ν Δ_h U2 = (U2 − r2)/(γ dt) exact
        # from the implicit stage; fused, same operations and order as the array expression
        r3 = np.empty_like(u)
        _ars_combine(u.reshape(-1), e1.reshape(-1), e2.reshape(-1), u2.reshape(-1), r2.reshape(-1), g, dl, dt,
                     r3.reshape(-1))
        return r3 if self.impl is None else self._solve(r3, g * dt * self.nu)


def hj_cfl_bound(grid: Grid, slopes: Sequence[float], viscosity: float, implicit_diffusion: bool) -> float:
    """The explicit stability bound 1/(Σ_k α_k/h_k + 2ν Σ_k h_k⁻²) (ν-term dropped when implicit)."""
    rate = sum(a / h for a, h in zip(slopes, grid.spacing))
    if not implicit_diffusion:
        rate += 2.0 * viscosity * sum(1.0 / h**2 for h in grid.spacing)
    return math.inf if rate == 0 else 1.0 / rate


def hj_rhs_numpy(u: Any, grid: Grid, viscosity: float, hamiltonian: str = "godunov",
                 reconstruction: str = "eno2", alpha: Sequence[float] | None = None,
                 drift: Any = None) -> np.ndarray:
    """Readable numpy twin of the compiled right-hand side E(u) = −Ĥ(D⁻u, D⁺u) + νΔ_h u (test oracle)."""
    u = np.asarray(u, dtype=np.float64)
    out = np.zeros(grid.shape)
    alpha = np.zeros(grid.ndim) if alpha is None else np.asarray(alpha, float)
    b = np.zeros(grid.shape + (grid.ndim,)) if drift is None else np.asarray(drift, float)
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
        bk = b[..., k]
        hk = lambda p, bk=bk: 0.5 * p**2 + bk * p  # noqa: E731  (H_k, minimum at p = −b_k)
        if hamiltonian == "godunov":
            hh = np.maximum(hk(np.maximum(pm, -bk)), hk(np.minimum(pp, -bk)))
        else:
            hh = hk((pm + pp) / 2) - alpha[k] * (pp - pm) / 2
        out += viscosity * (sh[1] - 2 * u + sh[-1]) / h**2 - hh
    return out


# ----------------------------------------------------------------------------- the driver
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
        The time step used (of the last output interval).
    cfl_bound : float
        The stability bound on dt for this scheme and data.
    scheme, hamiltonian, reconstruction : str
        The recipe.
    status : Status
        ``SUCCESS``, or ``NONFINITE`` when the solution went NaN/inf.
    message : str
        Outcome (for NONFINITE: the steps between which it happened).
    n_steps : int
        Time steps taken.
    n_rhs_evals : int
        Evaluations of the spatial operator.
    n_solves : int
        Implicit / exponential Laplacian solves (transform pairs).
    kernel : str
        The kernel that ran: ``"generic"`` or the accelerator's name.
    """

    t: np.ndarray
    u: np.ndarray
    dt: float
    cfl_bound: float
    scheme: str
    hamiltonian: str
    reconstruction: str
    status: Status = Status.SUCCESS
    message: str = "success"
    n_steps: int = 0
    n_rhs_evals: int = 0
    n_solves: int = 0
    kernel: str = "generic"

    @property
    def success(self) -> bool:
        """``status == Status.SUCCESS``."""
        return self.status.ok


def _time_points(t_span: Any, t_eval: Any) -> tuple[float, np.ndarray]:
    ts = np.atleast_1d(as_float_array("t_span", t_span))
    if ts.size == 1:
        ts = np.array([0.0, ts[0]])
    if ts.shape != (2,) or not np.all(np.isfinite(ts)):
        raise bad_parameter("t_span", "a final time T or a pair (t0, T) of finite floats", t_span)
    t0, t1 = float(ts[0]), float(ts[1])
    if t1 <= t0:
        raise bad_parameter("t_span", "(t0, T) with T > t0", (t0, t1), "pass a positive duration")
    if t_eval is None:
        return t0, np.array([t1])
    te = np.atleast_1d(as_float_array("t_eval", t_eval))
    if (te.ndim != 1 or te.size == 0 or not np.all(np.isfinite(te)) or np.any(np.diff(te) <= 0) or te[0] <= t0
            or te[-1] > t1 + 1e-12 * abs(t1)):
        raise bad_parameter("t_eval", f"increasing finite times in ({t0}, {t1}]", te.tolist())
    return t0, te


def _steps_per_interval(t0: float, t_out: np.ndarray, dt: float, max_steps: int, who: str,
                        why: str = "") -> list[int]:
    """Steps per output interval (dt shortened to divide each); refuse a run above ``max_steps``."""
    edges = np.r_[t0, t_out]
    ratios = [(b - a) / dt for a, b in zip(edges[:-1], edges[1:])]
    # the count in floats first: (T − t0)/dt may be astronomically large (or overflow)
    # − 1e-9: a ratio that is an integer up to round-off (0.3/0.1 = 2.9999…, 0.7/0.1 …)
    # does not get an extra step
    counts = [max(1, math.ceil(q - 1e-9)) if q < 1e18 else math.inf for q in ratios]
    total = sum(counts)
    if total > max_steps:
        count = f"{total:.3g}" if math.isfinite(total) else "more than 1e18"
        raise bad_parameter("t_span", f"a run of at most max_steps = {max_steps} time steps",
                            f"{count} steps of dt = {dt:.3g}{why} over ({t0:g}, {t_out[-1]:g})",
                            f"shorten `t_span`, pass a larger `dt`{who}, or raise `max_steps`")
    return [int(c) for c in counts]


def _choose_dt(dt: Any, cfl: float, bound: float, span: float, sch: _Scheme) -> float:
    if dt is None:
        return cfl * bound if math.isfinite(bound) else span
    dt_use = check_positive("dt", dt)
    # slack of 1e-12: a dt equal to the bound as reported (HJResult.cfl_bound) passes
    if dt_use > bound * (1.0 + 1e-12):
        kind = {"explicit": "CFL bound {b} = 1/(Σ α_k/h_k + 2ν Σ h_k⁻²)", "imex": "CFL bound {b} = 1/Σ α_k/h_k (IMEX)",
                "exponential": "linear stability bound {b} of ETDRK4 (νΔ exact)"}[sch.kind].format(b=f"{bound:.6g}")
        raise CFLError(
            f"`dt` must be at most the {kind} for scheme {sch.name!r} on this grid, got {dt_use!r}; "
            f"pass dt <= {bound:.6g}, or leave dt=None" + (", or use an IMEX scheme" if sch.kind == "explicit" else "")
        )
    return dt_use


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
    drift: Any = None,
    max_steps: int = DEFAULT_MAX_STEPS,
) -> HJResult:
    """Solve u_t + ½|∇u|² + b(x)·∇u = νΔu, u(·, t0) = f, by finite differences on a grid.

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
        ``"euler"``, ``"ssprk2"``, ``"ssprk3"`` (explicit, default ``"ssprk3"``),
        ``"imex_euler"``, ``"imex_ars222"`` (Laplacian implicit) or ``"etdrk4"``
        (exponential RK4, the Laplacian integrated exactly; fourth order in time).
    hamiltonian : str
        ``"godunov"`` or ``"lax_friedrichs"``.
    reconstruction : str
        ``"upwind1"`` (first order), ``"eno2"`` (second-order ENO) or ``"spectral"``
        (Fourier pseudo-spectral, periodic grids, ``scheme="etdrk4"``; smooth solutions, ν > 0).
    dt : float, optional
        Time step; at most the stability bound (else :class:`CFLError`). Default
        ``cfl`` × the bound. The step is shortened so that it divides each interval.
    cfl : float
        Fraction of the bound used for the default dt, in (0, 1].
    t_eval : array_like, optional
        Increasing output times in (t0, T]; default only T.
    progress : bool
        Show a tqdm progress bar.
    drift : callable or array_like of shape grid.shape + (d,), optional
        An advecting vector field b(x) (callable on points ``(..., d)``); H(x, p) = ½|p|² + b(x)·p.
    max_steps : int
        Refuse (before starting) a run that would take more time steps than this.

    Returns
    -------
    HJResult

    Raises
    ------
    ParameterError
        Negative viscosity, unknown scheme names, t_span not increasing, cfl ∉ (0, 1],
        a run longer than ``max_steps``.
    CFLError
        An explicit ``dt`` above the stability bound (the message states it).
    ShapeError, NonFiniteError
        ``f`` or ``drift`` of the wrong shape or non-finite.

    Notes
    -----
    Monotone schemes (``"upwind1"`` with forward Euler or SSP-RK under the bound)
    satisfy the discrete comparison principle and converge to the viscosity solution
    (Crandall–Lions); the error is O(h) (``"upwind1"``) or O(h²) in smooth regions
    (``"eno2"``), plus O(dt^p) for a p-th order scheme. The bound is
    dt ≤ 1/(Σ_k α_k/h_k + 2ν Σ_k h_k⁻²), α_k = max |D±_k f| + max |b_k| (without drift
    the Lipschitz constant of u does not grow; with a drift it may, and the bound is that
    of the initial data), which is below min(h/max|∇u|, h²/(2dν)); IMEX schemes drop the
    ν-term, so fine grids are not held to the diffusive h² step.

    References
    ----------
    S. Osher, C.-W. Shu, "High-order essentially nonoscillatory schemes for
    Hamilton–Jacobi equations", SIAM J. Numer. Anal. 28 (1991). C.-W. Shu, S. Osher,
    J. Comput. Phys. 77 (1988) (TVD Runge–Kutta). U. Ascher, S. Ruuth, R. Spiteri,
    Appl. Numer. Math. 25 (1997) (ARS(2,2,2)). S. Cox, P. Matthews, J. Comput. Phys. 176
    (2002) (ETDRK4). P. Chaudhari et al., "Deep relaxation", arXiv:1704.04932.

    Examples
    --------
    >>> import numpy as np
    >>> from deeprelax.pde import Grid, solve_hj
    >>> g = Grid((0.0, 2 * np.pi), 128, periodic=True)
    >>> r = solve_hj(np.sin(g.axes[0]), g, 0.5, viscosity=0.1)
    >>> r.u.shape, str(r.status)
    ((1, 128), 'success')
    """
    if not isinstance(grid, Grid):
        raise bad_parameter("grid", "a deeprelax.pde.Grid", type(grid).__name__, "build one with Grid(bounds, shape)")
    nu = check_nonnegative("viscosity", viscosity, "the viscosity ν of u_t + ½|∇u|² = νΔu is >= 0")
    sch = HJ_SCHEMES[check_choice("scheme", scheme, HJ_SCHEMES)]
    check_choice("hamiltonian", hamiltonian, HAMILTONIANS)
    check_choice("reconstruction", reconstruction, RECONSTRUCTIONS)
    cfl = check_float("cfl", cfl, low=0.0, low_inclusive=False, high=1.0, fix="pass a fraction in (0, 1]")
    progress = check_bool("progress", progress)
    max_steps = check_int("max_steps", max_steps, low=1)
    t0, t_out = _time_points(t_span, t_eval)
    if sch.kind == "exponential" or reconstruction == "spectral":
        from ._hj_etd import make_etd_stepper as make
    else:
        make = _ExplicitRK if sch.kind == "explicit" else _IMEX
    prob = _HJProblem.build(f, grid, nu, hamiltonian, reconstruction, drift, sch)
    stepper = make(sch, prob, nu)
    bound = getattr(stepper, "bound", prob.bound)
    dt_use = _choose_dt(dt, cfl, bound, t_out[-1] - t0, sch)
    why = (" (the `dt` passed)" if dt is not None else
           f" (`cfl` = {cfl:g} × the stability bound at `viscosity` = {nu:g}, slopes α = {np.round(prob.op.alpha, 3)})")
    counts = _steps_per_interval(t0, t_out, dt_use, max_steps, "" if sch.implicit_diffusion else " or an IMEX scheme",
                                 why)
    bar = _progress(sum(counts), progress)
    # outputs after a blow-up stay NaN, as the NONFINITE message says
    u3, out = prob.u3, np.full((t_out.size,) + grid.shape, np.nan)
    status, message, n_done, t_prev, h_step = Status.SUCCESS, "", 0, t0, dt_use
    for n_out, (t_next, n_steps) in enumerate(zip(t_out, counts)):
        h_step = (t_next - t_prev) / n_steps
        for start in range(0, n_steps, FINITE_CHECK_EVERY):
            chunk = min(FINITE_CHECK_EVERY, n_steps - start)
            u3 = stepper.advance(u3, chunk, h_step)
            n_done += chunk
            if bar is not None:
                bar.update(chunk)
            if not np.all(np.isfinite(u3)):
                status = Status.NONFINITE
                message = (f"the solution went non-finite between steps {n_done - chunk} and {n_done} "
                           f"(t <= {t_prev + (start + chunk) * h_step:.6g}); the outputs before t = {t_prev:.6g} "
                           f"are returned, later ones are NaN; reduce dt or cfl, or check f")
                break
        if status is not Status.SUCCESS:
            break
        out[n_out] = u3.reshape(grid.shape)
        t_prev = t_next
    if bar is not None:
        bar.close()
    kernel = stepper.kernel_name
    if status is Status.SUCCESS:
        message = (f"integrated {n_done} steps of dt = {h_step:.4g} to t = {t_out[-1]:g} "
                   f"({scheme}, {reconstruction}, {hamiltonian}; kernel {kernel})")
    return HJResult(t=t_out, u=out, dt=h_step, cfl_bound=bound, scheme=scheme, hamiltonian=hamiltonian,
                    reconstruction=reconstruction, status=status, message=message, n_steps=n_done,
                    n_rhs_evals=n_done * stepper.rhs_per_step, n_solves=n_done * stepper.solves_per_step,
                    kernel=kernel)


def _progress(total: int, enabled: bool) -> Any:
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="solve_hj", unit="step")
