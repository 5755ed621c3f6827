"""Hopf–Lax: the exact non-viscous Hamilton–Jacobi solution on a grid, in linear time.

u(x, t) = min_y { f(y) + |x − y|²/(2t) } (the Moreau envelope of f) solves
u_t + ½|∇u|² = 0, u(·, 0) = f. The minimum over the grid's cell centres is
separable, min_y = min_{y_0} … min_{y_{d−1}}, and along one axis it is the lower
envelope of the parabolas y ↦ f_j + (x − y_j)²/(2t), found in O(n) (Felzenszwalb &
Huttenlocher's distance-transform algorithm). The minimiser y*(x) is the proximal
point prox_{tf}(x).

This module holds the generic kernels (the envelope pass over lines gathered from any
axis, and the composition of the per-axis argmins on the padded 3-D grid) and their
numpy twins; speed-only variants are registered in :mod:`deeprelax.pde._hopf_lax_accel`
and chosen by :data:`HOPF_LAX_ACCELERATORS` (properties ``ndim`` and ``contiguous``, the
latter true when the pass runs along the last, contiguous axis).

Kernel symbols: ``a`` float64[pre, n, post] (lines along the middle axis), ``out``
the envelope values, ``arg`` int32 the minimising index, ``h`` the spacing, ``t``
the time, ``periodic`` whether the line wraps (its parabolas are then repeated one
period to either side).

Indices: every index a kernel reads from data (``v[k]``, the argmins) is produced by the
envelope itself, which keeps 0 ≤ k < m and stores only parabola indices q < m — also when
an intersection overflows to ±inf (t near the largest float, |Δf| near 1e308), which
the loop treats as "parabola q lies below (−inf) or never below (+inf) the kept ones".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._core import Status, check_positive, jit, prange
from ._accel import Registry
from ._grid import Grid, grid_values

__all__ = ["HopfLaxResult", "hopf_lax", "HOPF_LAX_ACCELERATORS", "hopf_lax_axis"]

#: Speed-only variants, populated by :mod:`deeprelax.pde._hopf_lax_accel`.
HOPF_LAX_ACCELERATORS = Registry("hopf_lax", ("ndim", "contiguous"))
#: Lines per work item of the threaded kernel (buffers are allocated once per item).
LINES_PER_CHUNK = 32


@jit(inline="always")
def _intersection(fq, fp, yq, yp, c):
    # abscissa where the parabolas f_q + c(x − y_q)² and f_p + c(x − y_p)² cross, written to
    # avoid cancellation in y_q² − y_p²; y_q > y_p. When 2c(y_q − y_p) underflows to 0 (t near
    # the largest float) only the values decide: q below (−inf), equal (midpoint), above (+inf).
    den = 2.0 * c * (yq - yp)
    num = fq - fp
    if den == 0.0:
        if num == 0.0:
            return 0.5 * (yq + yp)
        return -np.inf if num < 0.0 else np.inf
    return num / den + 0.5 * (yq + yp)


@jit
def _envelope_line(f, pos, xq, c, out, arg, v, z):
    """min_j f[j] + c (xq[i] − pos[j])² for sorted pos and xq (lower envelope of parabolas).

    ``v[0..k]`` are the parabolas of the envelope, ``z[k]`` where parabola v[k] starts.
    """
    m = f.shape[0]
    k = 0
    v[0] = 0
    z[0] = -np.inf
    z[1] = np.inf
    for q in range(1, m):
        while True:
            s = _intersection(f[q], f[v[k]], pos[q], pos[v[k]], c)
            if s > z[k]:
                break
            if k == 0:
                # q lies below every kept parabola (s = −inf: the crossing overflowed): it
                # replaces the whole envelope so far; never step below index 0
                k = -1
                s = -np.inf
                break
            k -= 1
        k += 1
        v[k] = q
        z[k] = s
        z[k + 1] = np.inf
    # second sweep: queries and breakpoints are both sorted, so one forward pointer suffices
    k = 0
    for i in range(xq.shape[0]):
        # z[k_last + 1] = +inf stops this loop inside the envelope (xq is finite)
        while z[k + 1] < xq[i]:
            k += 1
        j = v[k]
        dx = xq[i] - pos[j]
        out[i] = f[j] + c * dx * dx
        arg[i] = j


@jit(inline="always")
def _line_setup(n, h, periodic, reps, pos, xq):
    # query points x_i = i·h and the parabolas' anchors (one period either side when periodic).
    # The cost depends on x − y only, so coordinates from the line's first cell serve for any
    # grid offset; for x, y in one period the nearest image of y is within ±L, so one image
    # either side is enough.
    for i in range(n):
        xq[i] = i * h
    for r in range(reps):
        shift = (r - 1) * n if periodic else 0
        for j in range(n):
            pos[r * n + j] = (j + shift) * h


@jit(parallel=True)
def _hopf_lax_lines(a, out, arg, h, t, periodic):
    """The envelope pass along axis 1 of a[pre, n, post] (the generic kernel: any layout).

    Lines are gathered j-outer so that neighbouring lines (adjacent q) come from one cache line.
    """
    pre, n, post = a.shape
    c = 1.0 / (2.0 * t)
    reps = 3 if periodic else 1
    m = n * reps
    n_lines = pre * post
    n_chunks = (n_lines + LINES_PER_CHUNK - 1) // LINES_PER_CHUNK
    for ch in prange(n_chunks):
        fb = np.empty((LINES_PER_CHUNK, m))
        ob = np.empty((LINES_PER_CHUNK, n))
        gb = np.empty((LINES_PER_CHUNK, n), dtype=np.int32)
        pos = np.empty(m)
        xq = np.empty(n)
        v = np.empty(m, dtype=np.int64)
        z = np.empty(m + 1)
        _line_setup(n, h, periodic, reps, pos, xq)
        first = ch * LINES_PER_CHUNK
        nl = min(n_lines, first + LINES_PER_CHUNK) - first
        # the lines' (pre, post) indices, once per chunk (no integer division per element)
        lp = np.empty(LINES_PER_CHUNK, dtype=np.int64)
        lq = np.empty(LINES_PER_CHUNK, dtype=np.int64)
        for ll in range(nl):
            lp[ll] = (first + ll) // post
            lq[ll] = (first + ll) % post
        for j in range(n):
            for ll in range(nl):
                val = a[lp[ll], j, lq[ll]]
                # periodic: the same value at y_j − L, y_j, y_j + L (the distance wraps)
                for r in range(reps):
                    fb[ll, r * n + j] = val
        for ll in range(nl):
            _envelope_line(fb[ll], pos, xq, c, ob[ll], gb[ll], v, z)
        for i in range(n):
            for ll in range(nl):
                out[lp[ll], i, lq[ll]] = ob[ll, i]
                # an argmin among the periodic images is the cell it images
                arg[lp[ll], i, lq[ll]] = gb[ll, i] % n if periodic else gb[ll, i]


@jit(parallel=True)
def _compose(a0, a1, a2, x0, x1, x2, d, per, lengths, t, idx, prox, grad):
    """The proximal index, point and gradient from the per-axis argmins, in one pass (generic, d ≤ 3).

    On the padded 3-D grid (n0, n1, n2): y*_2 = A_2[i, j, k], y*_1 = A_1[i, j, y*_2],
    y*_0 = A_0[i, y*_1, y*_2] (axes beyond d have length 1 and index 0); prox_k = x_k[y*_k],
    grad_k = (x_k − prox_k)/t with the periodic displacement on periodic axes.
    """
    n0, n1, n2 = a0.shape
    # the last axis was minimised last, so its argmin is read first and indexes the earlier passes;
    # every index read here is an argmin in [0, n_k) written by the envelope (see the module notes)
    for i in prange(n0):
        for j in range(n1):
            for k in range(n2):
                y2 = a2[i, j, k] if d > 2 else 0
                y1 = a1[i, j, y2] if d > 1 else 0
                y0 = a0[i, y1, y2]
                # written out per axis: no array views or array-taking helpers in the loop
                p = x0[y0]
                disp = x0[i] - p
                if per[0]:
                    disp -= lengths[0] * np.rint(disp / lengths[0])
                idx[i, j, k, 0] = y0
                prox[i, j, k, 0] = p
                grad[i, j, k, 0] = disp / t
                if d > 1:
                    p = x1[y1]
                    disp = x1[j] - p
                    if per[1]:
                        disp -= lengths[1] * np.rint(disp / lengths[1])
                    idx[i, j, k, 1] = y1
                    prox[i, j, k, 1] = p
                    grad[i, j, k, 1] = disp / t
                if d > 2:
                    p = x2[y2]
                    disp = x2[k] - p
                    if per[2]:
                        disp -= lengths[2] * np.rint(disp / lengths[2])
                    idx[i, j, k, 2] = y2
                    prox[i, j, k, 2] = p
                    grad[i, j, k, 2] = disp / t


def _hopf_lax_numpy_line(f: np.ndarray, h: float, t: float, periodic: bool) -> tuple[np.ndarray, np.ndarray]:
    """O(n²) numpy twin of one line of :func:`_hopf_lax_lines` (test oracle)."""
    n = f.size
    i = np.arange(n)
    dist = (i[:, None] - i[None, :]).astype(float)
    if periodic:
        dist = np.minimum(np.abs(dist), n - np.abs(dist))
    cost = f[None, :] + (dist * h) ** 2 / (2 * t)
    k = np.argmin(cost, axis=1)
    return cost[i, k], k


def _compose_args(grid: Grid) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Cell-centre coordinates per axis (padded to 3), periodic flags and box lengths."""
    d = grid.ndim
    ax3 = [np.asarray(grid.axes[k], dtype=np.float64) for k in range(d)] + [np.zeros(1)] * (3 - d)
    per = np.array([bool(grid.periodic[k]) for k in range(d)] + [False] * (3 - d))
    lengths = np.array([float(grid.lengths[k]) for k in range(d)] + [1.0] * (3 - d))
    return ax3, per, lengths


def _compose_generic(args: list[np.ndarray], grid: Grid, t: float, idx: np.ndarray, prox: np.ndarray,
                     grad: np.ndarray) -> None:
    """The ``compose`` role: :func:`_compose` on the padded 3-D view of the argmins and outputs."""
    d = grid.ndim
    shape3 = tuple(grid.shape) + (1,) * (3 - d)
    a3 = [a.reshape(shape3) for a in args] + [np.zeros(shape3, dtype=np.int32)] * (3 - d)
    ax3, per, lengths = _compose_args(grid)
    _compose(*a3, *ax3, d, per, lengths, t, idx.reshape(shape3 + (d,)), prox.reshape(shape3 + (d,)),
             grad.reshape(shape3 + (d,)))


def _compose_numpy(args: list[np.ndarray], grid: Grid, t: float) -> tuple[np.ndarray, ...]:
    """Numpy twin of :func:`_compose` (test oracle): y*_k = A_k[x_0..x_k, y*_{k+1}..y*_{d−1}], k = d−1..0."""
    d = grid.ndim
    cells = np.indices(grid.shape)
    ys: list[np.ndarray] = [np.empty(0)] * d
    for k in range(d - 1, -1, -1):
        ys[k] = args[k][tuple(cells[:k + 1]) + tuple(ys[k + 1:])]
    idx = np.stack(ys, axis=-1).astype(np.int64)
    prox = np.stack([grid.axes[k][ys[k]] for k in range(d)], axis=-1)
    disp = np.stack(grid.coords, axis=-1) - prox
    for k in range(d):
        if grid.periodic[k]:
            disp[..., k] -= grid.lengths[k] * np.rint(disp[..., k] / grid.lengths[k])
    return idx, prox, disp / t


def hopf_lax_axis(a: np.ndarray, axis: int, h: float, t: float, periodic: bool,
                  inplace: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """One separable pass: min over the index along ``axis``; returns values and argmin indices.

    ``inplace``: overwrite ``a`` (C-contiguous float64) with the values; safe, since every
    line is copied to a buffer before its envelope is written.
    """
    a3 = np.ascontiguousarray(a.reshape(int(np.prod(a.shape[:axis])), a.shape[axis], -1))
    out = a3 if inplace and a3.dtype == np.float64 else np.empty_like(a3)
    arg = np.empty(a3.shape, dtype=np.int32)  # indices along one axis (< 2³¹)
    props = {"ndim": a.ndim, "contiguous": a3.shape[2] == 1}
    lines = HOPF_LAX_ACCELERATORS.kernel("lines", props, _hopf_lax_lines)
    lines(a3, out, arg, float(h), float(t), bool(periodic))
    return out.reshape(a.shape), arg.reshape(a.shape)


@dataclass(frozen=True)
class HopfLaxResult:
    """Result of :func:`hopf_lax`.

    Attributes
    ----------
    u : ndarray, shape grid.shape
        u(x, t) = min_y f(y) + |x − y|²/2t at the cell centres.
    prox : ndarray, shape grid.shape + (d,)
        The minimiser y*(x) = prox_{tf}(x) (a cell centre).
    prox_index : ndarray of int, shape grid.shape + (d,)
        Its grid index.
    grad : ndarray, shape grid.shape + (d,)
        ∇u = (x − y*)/t (exact where u is differentiable).
    t : float
        The time.
    status : Status
        ``SUCCESS`` (the envelope is exact; there is no failure mode).
    message : str
        Human-readable outcome.
    n_passes : int
        Number of separable axis passes (= d).
    kernel : str
        The composition kernel that ran: ``"generic"`` or the accelerator's name.
    """

    u: np.ndarray
    prox: np.ndarray
    prox_index: np.ndarray
    grad: np.ndarray
    t: float
    status: Status = Status.SUCCESS
    message: str = "exact lower envelope"
    n_passes: int = 0
    kernel: str = "generic"

    @property
    def success(self) -> bool:
        """``status == Status.SUCCESS``."""
        return self.status.ok


def hopf_lax(f: Any, grid: Grid, t: float) -> HopfLaxResult:
    """The exact non-viscous Hamilton–Jacobi solution and its proximal point, on a grid.

    Parameters
    ----------
    f : array_like of shape grid.shape, Landscape or callable
        The initial value u(·, 0) = f at the cell centres.
    grid : Grid
        The grid (1-D to 3-D); a periodic axis uses the periodic distance.
    t : float
        Time t > 0 (the proximal step size).

    Returns
    -------
    HopfLaxResult
        ``u``, ``prox``, ``prox_index``, ``grad``.

    Raises
    ------
    ShapeError
        ``f`` does not have the grid's shape.
    NonFiniteError
        ``f`` holds NaN or inf.
    ParameterError
        ``t <= 0``.

    Notes
    -----
    u(x, t) = min_y { f(y) + |x − y|²/(2t) } over the grid's cell centres y, the
    Hopf–Lax formula for u_t + ½|∇u|² = 0 (the Moreau envelope of f). The quadratic
    cost is separable, so the d-dimensional minimum is d passes of the 1-D lower
    envelope of parabolas (Felzenszwalb & Huttenlocher 2012), O(n) per line: the
    result equals the O(n²) brute-force minimum exactly (up to ties in the argmin).
    ∇u(x) = (x − y*)/t, and gradient descent on u with step t is the proximal step
    x ← y* (Deep Relaxation, non-viscous case).

    References
    ----------
    P. Chaudhari, A. Oberman, S. Osher, S. Soatto, G. Carlier, "Deep relaxation:
    partial differential equations for optimizing deep neural networks",
    arXiv:1704.04932. P. Felzenszwalb, D. Huttenlocher, "Distance transforms of
    sampled functions", Theory of Computing 8 (2012).

    Examples
    --------
    f = |x|: u = |x| − t/2 for |x| ≥ t, exactly on the grid (the minimiser x − t·sign x is a
    cell centre here), and x²/2t near 0, where the minimiser y = 0 lies between two cell
    centres, so the grid value carries an O(h) error:

    >>> import numpy as np
    >>> from deeprelax.pde import Grid, hopf_lax
    >>> g = Grid((-2.0, 2.0), 400)
    >>> x = g.axes[0]
    >>> r = hopf_lax(np.abs(x), g, t=0.5)
    >>> bool(np.allclose(r.u[np.abs(x) >= 0.5], np.abs(x[np.abs(x) >= 0.5]) - 0.25))
    True
    >>> round(float(x[200]), 6), round(float(r.u[200]), 6)  # exact: 0.005²/(2·0.5) = 2.5e-05
    (0.005, 0.005)
    >>> round(float(np.abs(r.u - np.where(np.abs(x) >= 0.5, np.abs(x) - 0.25, x**2)).max()), 6)  # ≈ h/2
    0.004975
    """
    t = check_positive("t", t, "the Hopf–Lax time (proximal step) t is > 0")
    fv = grid_values(f, grid)
    d = grid.ndim
    vals = fv
    args = []
    for k in range(d):
        # passes after the first overwrite the previous pass's (fresh) values
        vals, ak = hopf_lax_axis(vals, k, grid.spacing[k], t, grid.periodic[k], inplace=k > 0)
        args.append(ak)
    # compose the per-axis argmins backwards, y*_k = A_k[x_0..x_k, y*_{k+1}..y*_{d−1}], and
    # form prox and ∇u = (x − y*)/t in one compiled pass
    prox_index = np.empty(tuple(grid.shape) + (d,), dtype=np.int64)
    prox = np.empty(tuple(grid.shape) + (d,))
    grad = np.empty(tuple(grid.shape) + (d,))
    acc = HOPF_LAX_ACCELERATORS.select("compose", {"ndim": d, "contiguous": True})
    compose = _compose_generic if acc is None else acc.kernels["compose"]
    compose(args, grid, float(t), prox_index, prox, grad)
    msg = f"exact lower envelope over the grid's {grid.size} cell centres ({d} separable passes)"
    return HopfLaxResult(u=vals, prox=prox, prox_index=prox_index, grad=grad, t=t, message=msg, n_passes=d,
                         kernel="generic" if acc is None else acc.name)
