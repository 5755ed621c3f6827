"""Speed-only variants of the Hopf–Lax kernels, registered in :data:`~deeprelax.pde._hopf_lax.HOPF_LAX_ACCELERATORS`.

- ``rows`` (role ``lines``, a pass along the last, contiguous axis): each line is copied
  straight into the parabola buffer and the envelope written in place, instead of the
  generic kernel's strided gather/scatter through line buffers. Same envelope routine on the
  same values: bitwise equal.
- ``compose2d`` (role ``compose``, 2-D grids): the composition of the two argmins with a
  contiguous inner loop on the 2-D arrays (the generic kernel runs on a padded 3-D view
  with an inner loop of length 1). Same operations per point: bitwise equal.

Both are ``parallel=True`` kernels called only from Python (numba#8578). Measured gains:
BENCHMARKS.md, "PDE room", table "Hopf–Lax accelerators".
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._core import jit, prange
from ._accel import Accelerator
from ._hopf_lax import (
    HOPF_LAX_ACCELERATORS,
    LINES_PER_CHUNK,
    _compose_args,
    _envelope_line,
    _line_setup,
)

__all__: list[str] = []


@jit(parallel=True)
def _rows(a, out, arg, h, t, periodic):
    """The envelope pass along axis 1 of a[pre, n, 1]: contiguous lines, straight row copies."""
    pre, n, _ = a.shape
    c = 1.0 / (2.0 * t)
    reps = 3 if periodic else 1
    m = n * reps
    n_chunks = (pre + LINES_PER_CHUNK - 1) // LINES_PER_CHUNK
    for ch in prange(n_chunks):
        fb = np.empty(m)
        pos = np.empty(m)
        xq = np.empty(n)
        v = np.empty(m, dtype=np.int64)
        z = np.empty(m + 1)
        _line_setup(n, h, periodic, reps, pos, xq)
        for p in range(ch * LINES_PER_CHUNK, min(pre, (ch + 1) * LINES_PER_CHUNK)):
            src = a[p, :, 0]
            for r in range(reps):
                fb[r * n:(r + 1) * n] = src
            g = arg[p, :, 0]
            # safe in place (out may be a): the line was copied to fb first
            _envelope_line(fb, pos, xq, c, out[p, :, 0], g, v, z)
            if periodic:
                for i in range(n):
                    g[i] = g[i] % n


@jit(parallel=True)
def _compose2(a0, a1, x0, x1, per, lengths, t, idx, prox, grad):
    """2-D composition on a0, a1 [n0, n1] into [n0, n1, 2] outputs (contiguous inner loop)."""
    n0, n1 = a0.shape
    for i in prange(n0):
        xi = x0[i]
        for j in range(n1):
            y1 = a1[i, j]
            y0 = a0[i, y1]
            p = x0[y0]
            disp = xi - p
            if per[0]:
                disp -= lengths[0] * np.rint(disp / lengths[0])
            idx[i, j, 0] = y0
            prox[i, j, 0] = p
            grad[i, j, 0] = disp / t
            p = x1[y1]
            disp = x1[j] - p
            if per[1]:
                disp -= lengths[1] * np.rint(disp / lengths[1])
            idx[i, j, 1] = y1
            prox[i, j, 1] = p
            grad[i, j, 1] = disp / t


def _compose2d(args: list[np.ndarray], grid: Any, t: float, idx: np.ndarray, prox: np.ndarray,
               grad: np.ndarray) -> None:
    ax3, per, lengths = _compose_args(grid)
    _compose2(args[0], args[1], ax3[0], ax3[1], per, lengths, t, idx, prox, grad)


HOPF_LAX_ACCELERATORS.register(Accelerator(
    "rows", {"contiguous": (True,)}, {"lines": _rows}, "bitwise",
    "the last-axis pass: BENCHMARKS.md (PDE, Hopf–Lax accelerators)"))
HOPF_LAX_ACCELERATORS.register(Accelerator(
    "compose2d", {"ndim": (2,)}, {"compose": _compose2d}, "bitwise",
    "the 2-D composition: BENCHMARKS.md (PDE, Hopf–Lax accelerators)"))
