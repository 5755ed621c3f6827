"""Speed-only variants of the HJ stage kernel, registered in :data:`~deeprelax.pde._hj.HJ_ACCELERATORS`.

Each computes exactly the generic kernel's operations in the same order (so its results
are bitwise equal, checked by ``tests/pde/test_accelerators.py``) and differs only in
how the loops run:

- ``plane2d`` / ``plane2d_threaded`` (2-D grids, no drift): the grid as rows × contiguous
  columns; the interior of a row indexes its columns directly with the Hamiltonian and
  reconstruction fixed per loop (a branch-free inner loop that vectorises), the neighbour
  table only at the two cells of each edge. The generic kernel pads a 2-D grid to
  (n0, n1, 1), so its innermost loop has length 1 and every neighbour is a table gather.
- ``threaded`` (any grid of at least :data:`PARALLEL_MIN_CELLS` cells): the generic row
  function, rows spread over Numba's threads.

Parallel kernels here are only ever called from Python (a cached jitted caller of a
``parallel=True`` callee segfaults when reloaded from the cache, numba#8578): the threaded
multi-step kernels hold their own ``prange`` loops and call only serial row functions.
Measured gains: BENCHMARKS.md, "PDE room", table "solve_hj accelerators".
"""

from __future__ import annotations

from .._core import jit, prange
from ._accel import Accelerator, AtLeast
from ._hj import HJ_ACCELERATORS, _ham_axis, _hj_row, _one_sided

__all__ = ["PARALLEL_MIN_CELLS"]

#: Grids with at least this many cells use the threaded kernels (below, a parallel region's
#: start-up costs more than the stage).
PARALLEL_MIN_CELLS = 32768


# ----------------------------------------------------------------------------- threaded generic
@jit(parallel=True)
def _stage_threaded(u, u0, out, a, b, c, op):
    """The generic stage with rows spread over threads (bitwise equal: the same row function)."""
    for i in prange(u.shape[0]):
        _hj_row(u, u0, out, i, a, b, c, op)


@jit(parallel=True)
def _steps_threaded(u, u0, b1, b2, n_steps, dt, tab, op):
    """``_rk_steps`` with each stage's rows spread over threads (one parallel region per stage)."""
    last = tab.shape[0] - 1
    n0 = u.shape[0]
    for _ in range(n_steps):
        u0[...] = u
        for s in range(last + 1):
            src = u0 if s == 0 else (b1 if s == 1 else b2)
            dst = u if s == last else (b1 if s == 0 else b2)
            c = tab[s, 2] * dt / tab[s, 3]
            for i in prange(n0):
                _hj_row(src, u0, dst, i, tab[s, 0], tab[s, 1], c, op)


# ----------------------------------------------------------------------------- 2-D plane kernels
@jit(inline="always")
def _cell2(u0c, uc, rm2, rm1, rp1, rp2, cm2, cm1, cp1, cp2, a, b, c, ihr, ihc, alr, alc, nu, ham, eno):
    # one cell of a plane (row axis r, contiguous column axis c): the generic kernel's operations
    # in the same order, with no drift (b_k = 0), so the result is bit-identical to it
    hsum = 0.0
    lap = 0.0
    pm, pp = _one_sided(rm2, rm1, uc, rp1, rp2, ihr, eno)
    hsum += _ham_axis(pm, pp, 0.0, alr, ham)
    lap += (rp1 - 2.0 * uc + rm1) * ihr * ihr
    pm, pp = _one_sided(cm2, cm1, uc, cp1, cp2, ihc, eno)
    hsum += _ham_axis(pm, pp, 0.0, alc, ham)
    lap += (cp1 - 2.0 * uc + cm1) * ihc * ihc
    return a * u0c + b * uc + c * (nu * lap - hsum)


@jit
def _plane_row(x, x0, o, xm2, xm1, xp1, xp2, a, b, c, op):
    """One row of the plane stage: o = a·x0 + b·x + c·E(x) (rows x±1, x±2 from the row table)."""
    nc = x.shape[0]
    nbc = op.nb1
    ihr, ihc, alr, alc, nu = op.inv_h[0], op.inv_h[1], op.alpha[0], op.alpha[1], op.nu
    ham, eno = op.ham, op.rec == 2
    for j in range(min(2, nc)):
        o[j] = _cell2(x0[j], x[j], xm2[j], xm1[j], xp1[j], xp2[j], x[nbc[0, j]], x[nbc[1, j]], x[nbc[3, j]],
                      x[nbc[4, j]], a, b, c, ihr, ihc, alr, alc, nu, ham, eno)
    # interior: ham and eno as literal constants, so that the loop is branch-free and vectorises.
    # For 2 ≤ j < nc − 2 the column table is the plain shift j ± 1, j ± 2 (no wrap, no mirror),
    # so direct indexing reads the same cells as the generic kernel's gather.
    if eno:
        if ham == 0:
            for j in range(2, nc - 2):
                o[j] = _cell2(x0[j], x[j], xm2[j], xm1[j], xp1[j], xp2[j], x[j - 2], x[j - 1], x[j + 1], x[j + 2],
                              a, b, c, ihr, ihc, alr, alc, nu, 0, True)
        else:
            for j in range(2, nc - 2):
                o[j] = _cell2(x0[j], x[j], xm2[j], xm1[j], xp1[j], xp2[j], x[j - 2], x[j - 1], x[j + 1], x[j + 2],
                              a, b, c, ihr, ihc, alr, alc, nu, 1, True)
    else:
        if ham == 0:
            for j in range(2, nc - 2):
                o[j] = _cell2(x0[j], x[j], xm2[j], xm1[j], xp1[j], xp2[j], x[j - 2], x[j - 1], x[j + 1], x[j + 2],
                              a, b, c, ihr, ihc, alr, alc, nu, 0, False)
        else:
            for j in range(2, nc - 2):
                o[j] = _cell2(x0[j], x[j], xm2[j], xm1[j], xp1[j], xp2[j], x[j - 2], x[j - 1], x[j + 1], x[j + 2],
                              a, b, c, ihr, ihc, alr, alc, nu, 1, False)
    for j in range(max(2, nc - 2), nc):
        o[j] = _cell2(x0[j], x[j], xm2[j], xm1[j], xp1[j], xp2[j], x[nbc[0, j]], x[nbc[1, j]], x[nbc[3, j]],
                      x[nbc[4, j]], a, b, c, ihr, ihc, alr, alc, nu, ham, eno)


@jit
def _plane_stage(u, u0, out, a, b, c, op):
    """Serial plane stage on the padded (n0, n1, 1) arrays."""
    n0, n1 = u.shape[0], u.shape[1]
    x, x0, o = u.reshape((n0, n1)), u0.reshape((n0, n1)), out.reshape((n0, n1))
    nbr = op.nb0
    for i in range(n0):
        _plane_row(x[i], x0[i], o[i], x[nbr[0, i]], x[nbr[1, i]], x[nbr[3, i]], x[nbr[4, i]], a, b, c, op)


@jit(parallel=True)
def _plane_stage_threaded(u, u0, out, a, b, c, op):
    """Threaded plane stage (rows over threads)."""
    n0, n1 = u.shape[0], u.shape[1]
    x, x0, o = u.reshape((n0, n1)), u0.reshape((n0, n1)), out.reshape((n0, n1))
    nbr = op.nb0
    for i in prange(n0):
        _plane_row(x[i], x0[i], o[i], x[nbr[0, i]], x[nbr[1, i]], x[nbr[3, i]], x[nbr[4, i]], a, b, c, op)


@jit
def _plane_steps(u, u0, b1, b2, n_steps, dt, tab, op):
    """``_rk_steps`` with the serial plane stage."""
    last = tab.shape[0] - 1
    for _ in range(n_steps):
        u0[...] = u
        for s in range(last + 1):
            src = u0 if s == 0 else (b1 if s == 1 else b2)
            dst = u if s == last else (b1 if s == 0 else b2)
            _plane_stage(src, u0, dst, tab[s, 0], tab[s, 1], tab[s, 2] * dt / tab[s, 3], op)


@jit(parallel=True)
def _plane_steps_threaded(u, u0, b1, b2, n_steps, dt, tab, op):
    """``_rk_steps`` with the plane stage's rows spread over threads."""
    last = tab.shape[0] - 1
    n0, n1 = u.shape[0], u.shape[1]
    nbr = op.nb0
    for _ in range(n_steps):
        u0[...] = u
        for s in range(last + 1):
            src = u0 if s == 0 else (b1 if s == 1 else b2)
            dst = u if s == last else (b1 if s == 0 else b2)
            x, x0, o = src.reshape((n0, n1)), u0.reshape((n0, n1)), dst.reshape((n0, n1))
            c = tab[s, 2] * dt / tab[s, 3]
            for i in prange(n0):
                _plane_row(x[i], x0[i], o[i], x[nbr[0, i]], x[nbr[1, i]], x[nbr[3, i]], x[nbr[4, i]],
                           tab[s, 0], tab[s, 1], c, op)


# ----------------------------------------------------------------------------- registration (order = preference)
_BIG = {"cells": AtLeast(PARALLEL_MIN_CELLS), "threads": AtLeast(2)}

HJ_ACCELERATORS.register(Accelerator(
    "plane2d_threaded", {"ndim": (2,), "drift": (False,), **_BIG},
    {"stage": _plane_stage_threaded, "steps": _plane_steps_threaded}, "bitwise",
    "256² ssprk3/eno2 step: see BENCHMARKS.md (PDE, solve_hj accelerators)"))
HJ_ACCELERATORS.register(Accelerator(
    "plane2d", {"ndim": (2,), "drift": (False,)},
    {"stage": _plane_stage, "steps": _plane_steps}, "bitwise",
    "2-D stage ≈ 2× the generic serial kernel: BENCHMARKS.md (PDE, solve_hj accelerators)"))
HJ_ACCELERATORS.register(Accelerator(
    "threaded", dict(_BIG), {"stage": _stage_threaded, "steps": _steps_threaded}, "bitwise",
    "≈ threads × the generic kernel on large 1-D/3-D grids: BENCHMARKS.md (PDE, solve_hj accelerators)"))
