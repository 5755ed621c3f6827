"""Cole–Hopf: the exact viscous Hamilton–Jacobi solution on a grid, in log space.

u(x, t) = −β⁻¹ log (G_σ ∗ e^{−βf})(x), σ² = t/β, solves u_t = −½|∇u|² + (β⁻¹/2)Δu,
u(·, 0) = f (v = e^{−βu} solves the heat equation v_t = (β⁻¹/2)Δv). On the grid the
integral is the midpoint (Riemann) sum over cell centres y_j with weights h^d G_σ(x − y_j),
the convention of :func:`deeprelax.theory.cole_hopf_brute`.

The Gaussian factorises over the axes, so the d-dimensional sum is d passes of a 1-D
*log-space* convolution: L ← log Σ_j exp(L_j + log g(x − y_j)), g = h G_σ. Each pass
shifts every line by its maximum and convolves with an FFT; a point whose FFT value is
too small to be accurate in floating point (below ``FFT_ACCEPT`` of Σ g) is recomputed
by the exact log-sum-exp over the line, pruned block by block with an upper bound (the
``_logconv_lines`` kernel). Nothing is exponentiated outside [e^{−745}, 1], so β⁻¹ down
to 1e-4 (and below) neither overflows nor gives NaN.

The Gibbs mean ⟨y⟩_x of ρ_x(y) ∝ exp(−βf(y) − β|x − y|²/2t) is a ratio of two such
sums (the numerator weighted by y_k − lo_k > 0, so it stays in log space), and
∇u = (x − ⟨y⟩_x)/t.

Kernel symbols: ``a`` float64[pre, n, post] log-values (lines along the middle axis),
``out`` the result, ``mask`` bool[pre, n, post] the points to compute, ``logg``
float64[n] log g at cell distance k (periodised on a periodic axis).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.fft

from .._core import Status, check_bool, check_positive, get_num_threads, jit, prange
from ._grid import Grid, grid_values

__all__ = ["ColeHopfResult", "cole_hopf", "log_gauss_convolve"]

#: Gaussian kernel truncation of the FFT path, in standard deviations: e^{−10²/2} ≈ 2e-22
#: is far below the FFT's relative accuracy at an accepted point.
FFT_TRUNCATION = 10.0
#: An FFT value is accepted when ≥ this fraction of Σ g (its relative error is then ≲ 1e-10);
#: smaller values are recomputed exactly in log space.
FFT_ACCEPT = 1e-5
#: Terms this far below the maximum (in log) are dropped from a log-sum-exp: e^{−50} ≈ 2e-22.
LOG_DROP = 50.0
#: Block length of the branch-and-bound pruning in the log-space kernel.
BLOCK = 32
#: Below this kernel half-width (cells) every point goes through the log-space kernel.
MIN_FFT_HALFWIDTH = 6


@jit(inline="always")
def _circ(i, j, n, periodic):
    # cell distance |i − j|, the shorter way round on a periodic axis (logg is periodised)
    k = abs(i - j)
    if periodic and n - k < k:
        k = n - k
    return k


@jit(parallel=True)
def _logconv_lines(a, out, mask, logg, periodic, block):
    """out[i] = log Σ_j exp(a[j] + logg[dist(i, j)]) along axis 1, where ``mask``."""
    pre, n, post = a.shape
    nb = (n + block - 1) // block
    for idx in prange(pre * post):
        p = idx // post
        q = idx % post
        line = np.empty(n)
        bm = np.empty(nb)
        bound = np.empty(nb)
        for j in range(n):
            line[j] = a[p, j, q]
        for b in range(nb):
            mx = -np.inf
            for j in range(b * block, min(n, (b + 1) * block)):
                mx = max(mx, line[j])
            bm[b] = mx
        for i in range(n):
            if not mask[p, i, q]:
                continue
            best = -np.inf
            bbest = 0
            for b in range(nb):
                s = b * block
                e = min(n, s + block) - 1
                if s <= i <= e:
                    dist = 0
                else:
                    dist = min(_circ(i, s, n, periodic), _circ(i, e, n, periodic))
                # logg decreases with distance, so this bounds every term of block b
                bound[b] = bm[b] + logg[dist]
                if bound[b] > best:
                    best = bound[b]
                    bbest = b
            # The shift m must be the true maximum term (so every exp(· − m) ≤ 1): start from
            # the block with the largest bound, then scan only the blocks whose bound is
            # within LOG_DROP of it; the others add < e^{−50}·e^m per term and are skipped.
            m = -np.inf
            for j in range(bbest * block, min(n, (bbest + 1) * block)):
                m = max(m, line[j] + logg[_circ(i, j, n, periodic)])
            thr = m - LOG_DROP
            for b in range(nb):
                if bound[b] >= thr and b != bbest:
                    for j in range(b * block, min(n, (b + 1) * block)):
                        m = max(m, line[j] + logg[_circ(i, j, n, periodic)])
            acc = 0.0
            for b in range(nb):
                if bound[b] >= thr:
                    for j in range(b * block, min(n, (b + 1) * block)):
                        acc += math.exp(line[j] + logg[_circ(i, j, n, periodic)] - m)
            out[p, i, q] = m + math.log(acc)


def _log_kernel(n: int, h: float, sigma2: float, periodic: bool) -> np.ndarray:
    """log g at cell distance k = 0..n−1, g = h G_σ (periodised over images when periodic)."""
    k = np.arange(n, dtype=np.float64)
    log_g0 = math.log(h) - 0.5 * math.log(2 * math.pi * sigma2)
    if not periodic:
        return log_g0 - (k * h) ** 2 / (2 * sigma2)
    period = n * h
    if math.sqrt(sigma2) > period:
        # wide kernel: the image sum converges slowly, its Poisson dual fast,
        # Σ_m G(x + mL) = L⁻¹(1 + 2 Σ_{q≥1} e^{−2π²q²σ²/L²} cos(2πqx/L)); e^{−2π²q²} ≤ 3e-9 for q ≥ 1
        # (σ > L), so q ≤ 3 is exact to round-off
        q = np.arange(1, 4, dtype=np.float64)[:, None]
        s = 1.0 + 2.0 * np.sum(np.exp(-2 * np.pi**2 * q**2 * sigma2 / period**2)
                               * np.cos(2 * np.pi * q * k[None, :] / n), axis=0)
        return math.log(h / period) + np.log(s)
    n_img = 2 + int(math.ceil(FFT_TRUNCATION * math.sqrt(sigma2) / period))
    m = np.arange(-n_img, n_img + 1, dtype=np.float64)
    z = log_g0 - ((k[:, None] + m[None, :] * n) * h) ** 2 / (2 * sigma2)
    zmax = z.max(axis=1, keepdims=True)
    return (zmax + np.log(np.exp(z - zmax).sum(axis=1, keepdims=True)))[:, 0]


def _lines(a: np.ndarray, axis: int) -> np.ndarray:
    return np.ascontiguousarray(a.reshape(int(np.prod(a.shape[:axis])), a.shape[axis], -1))


def log_gauss_convolve(la: np.ndarray, axis: int, h: float, sigma2: float,
                       periodic: bool) -> tuple[np.ndarray, int]:
    """log Σ_j exp(la_j) h G_σ(x − y_j) along ``axis`` of a log-valued array (one separable pass).

    Returns the log of the discrete Gaussian convolution and the number of points that
    needed the exact log-space sum.
    """
    a3 = _lines(la, axis)
    _, n, _ = a3.shape
    logg = _log_kernel(n, h, sigma2, periodic)
    half = int(math.ceil(FFT_TRUNCATION * math.sqrt(sigma2) / h))
    if half < MIN_FFT_HALFWIDTH:
        out = np.empty_like(a3)
        _logconv_lines(a3, out, np.ones(a3.shape, dtype=np.bool_), logg, periodic, BLOCK)
        return out.reshape(la.shape), out.size
    if periodic:
        nfft = n
        ker = np.exp(logg)
    else:
        # zero padding to ≥ n + r makes the circular FFT convolution a linear one (no
        # wrap-around); the kernel's negative lags sit at the end of the buffer
        r = min(half, n - 1)
        nfft = scipy.fft.next_fast_len(n + r, real=True)
        ker = np.zeros(nfft)
        g = np.exp(logg[: r + 1])
        ker[: r + 1] = g
        ker[nfft - r:] = g[r:0:-1]
    spec = scipy.fft.rfft(ker)
    # shift each line by its maximum and exponentiate straight into the zero-padded FFT
    # buffer, transform in place, then log and unshift into one fresh array; the mask of
    # points the FFT did not resolve is formed only when there are any
    pre, _, post = a3.shape
    workers = get_num_threads()
    m = a3.max(axis=1, keepdims=True)
    buf = np.zeros((pre, nfft, post))
    head = buf[:, :n, :]
    np.subtract(a3, m, out=head)
    np.exp(head, out=head)
    z = scipy.fft.rfft(buf, axis=1, overwrite_x=True, workers=workers)
    del buf, head
    z *= spec[None, :, None]
    w = scipy.fft.irfft(z, nfft, axis=1, overwrite_x=True, workers=workers)[:, :n, :]
    del z
    # After the shift a line's maximum is 1, so the FFT's absolute error is ~ε·Σg; a value
    # w ≥ FFT_ACCEPT·Σg therefore has relative error ≲ ε/FFT_ACCEPT. Round-off can make w ≤ 0
    # where the true sum is tiny: clip for the log, those points are recomputed below anyway.
    thr = FFT_ACCEPT * ker.sum()
    out = np.maximum(w, np.finfo(float).tiny)
    np.log(out, out=out)
    out += m
    n_exact = 0
    if w.min() < thr:
        low = w < thr
        n_exact = int(np.count_nonzero(low))
        _logconv_lines(a3, out, low, logg, periodic, BLOCK)
    return out.reshape(la.shape), n_exact


@dataclass(frozen=True)
class ColeHopfResult:
    """Result of :func:`cole_hopf`.

    Attributes
    ----------
    u : ndarray, shape grid.shape
        u(x, t) = −β⁻¹ log Σ_y h^d G_{t/β}(x − y) e^{−βf(y)}.
    grad : ndarray, shape grid.shape + (d,), or None
        ∇u = (x − ⟨y⟩_x)/t (``None`` when ``gradient=False``). On a periodic axis,
        where ⟨y⟩ is a circular mean, ∇u is the central difference of u instead (O(h²))
        and ``mean`` = x − t∇u.
    mean : ndarray, shape grid.shape + (d,), or None
        The Gibbs mean ⟨y⟩_x of ρ_x(y) ∝ exp(−βf(y) − β|x − y|²/2t).
    t, beta : float
        Time and inverse temperature.
    status : Status
        ``SUCCESS`` (the log-space sums cannot overflow; there is no failure mode).
    message : str
        Outcome.
    n_passes : int
        Separable 1-D passes done.
    n_exact : int
        Point-passes recomputed by the exact log-space sum (the FFT was not accurate there).
    """

    u: np.ndarray
    grad: np.ndarray | None
    mean: np.ndarray | None
    t: float
    beta: float
    status: Status = Status.SUCCESS
    message: str = "success"
    n_passes: int = 0
    n_exact: int = 0

    @property
    def success(self) -> bool:
        """``status == Status.SUCCESS``."""
        return self.status.ok


def cole_hopf(f: Any, grid: Grid, t: float, beta: float = 1.0, *, gradient: bool = True) -> ColeHopfResult:
    """The exact viscous Hamilton–Jacobi solution by the Cole–Hopf formula, in log space.

    Parameters
    ----------
    f : array_like of shape grid.shape, Landscape or callable
        Initial value u(·, 0) = f at the cell centres.
    grid : Grid
        The grid (1-D to 3-D). A periodic axis uses the periodised Gaussian.
    t : float
        Time t > 0.
    beta : float
        Inverse temperature β > 0; the viscosity is β⁻¹/2.
    gradient : bool
        Also compute ∇u and the Gibbs mean ⟨y⟩_x (d more separable sums).

    Returns
    -------
    ColeHopfResult
        ``u``, ``grad``, ``mean`` and work counters.

    Raises
    ------
    ShapeError, NonFiniteError, ParameterError
        ``f`` of the wrong shape or non-finite; ``t`` or ``beta`` not positive.

    Notes
    -----
    u(x, t) = −β⁻¹ log ∫ G_{β⁻¹t}(x − y) e^{−βf(y)} dy solves
    u_t = −½|∇u|² + (β⁻¹/2)Δu, u(·, 0) = f, with G_σ the Gaussian of variance σ per
    coordinate (the Cole–Hopf transform v = e^{−βu} turns the equation into
    v_t = (β⁻¹/2)Δv). The integral is the midpoint sum over the grid (spectrally
    accurate for smooth f when σ ≳ h and the Gibbs measure decays inside the box).
    Separable log-space FFT convolution per axis with an exact, pruned log-sum-exp
    wherever the FFT lost relative accuracy, so all of u is accurate to ≈ 1e-10
    relative even at β⁻¹ = 1e-4. ∇u(x, t) = (x − ⟨y⟩_x)/t with
    ρ_x(y) ∝ exp(−βf(y) − β|x − y|²/2t): Entropy-SGD's γ(x − ⟨x′⟩) with t = 1/γ.

    References
    ----------
    P. Chaudhari, A. Oberman, S. Osher, S. Soatto, G. Carlier, "Deep relaxation:
    partial differential equations for optimizing deep neural networks",
    arXiv:1704.04932. P. Chaudhari et al., "Entropy-SGD", arXiv:1611.01838, eq. (7).

    Examples
    --------
    >>> import numpy as np
    >>> from deeprelax.pde import Grid, cole_hopf
    >>> g = Grid((-6.0, 6.0), 600)
    >>> r = cole_hopf(0.5 * g.axes[0] ** 2, g, t=1.0, beta=1.0)
    >>> # f = x²/2: u = x²/(2(1 + t)) + log(1 + t)/(2β)
    >>> bool(np.allclose(r.u[250:350], g.axes[0][250:350] ** 2 / 4 + np.log(2) / 2))
    True
    """
    t = check_positive("t", t, "the time t of the HJ solution is > 0")
    beta = check_positive("beta", beta, "the inverse temperature beta is > 0 (viscosity 1/(2 beta))")
    gradient = check_bool("gradient", gradient)
    fv = grid_values(f, grid)
    d = grid.ndim
    sigma2 = t / beta
    la = -beta * fv
    stages = [la]
    n_exact = 0
    for k in range(d):
        la, ne = log_gauss_convolve(la, k, grid.spacing[k], sigma2, grid.periodic[k])
        stages.append(la)
        n_exact += ne
    u = -la / beta
    n_passes = d
    if not gradient:
        return ColeHopfResult(u, None, None, t, beta, message=_summary(n_passes, n_exact, grid.size),
                              n_passes=n_passes, n_exact=n_exact)
    mean = np.empty(grid.shape + (d,))
    grad = np.empty(grid.shape + (d,))
    fd = grid.gradient(u)
    for k in range(d):
        if grid.periodic[k]:
            # on a torus ⟨y⟩ is circular: take ∇u by central differences, ⟨y⟩ = x − t∇u
            grad[..., k] = fd[..., k]
            mean[..., k] = grid.coords[k] - t * fd[..., k]
            continue
        lo = grid.bounds[k][0]
        shape = [1] * d
        shape[k] = grid.shape[k]
        # the weight y_k − lo > 0 is constant along the other axes, so it enters at pass k
        num = stages[k] + np.log(grid.axes[k] - lo).reshape(shape)
        for m in range(k, d):
            num, ne = log_gauss_convolve(num, m, grid.spacing[m], sigma2, grid.periodic[m])
            n_exact += ne
            n_passes += 1
        mean[..., k] = lo + np.exp(num - la)
        grad[..., k] = (grid.coords[k] - mean[..., k]) / t
    return ColeHopfResult(u, grad, mean, t, beta, message=_summary(n_passes, n_exact, grid.size),
                          n_passes=n_passes, n_exact=n_exact)


def _summary(n_passes: int, n_exact: int, size: int) -> str:
    return (f"{n_passes} separable log-space passes over {size} cells; {n_exact} point-passes recomputed by "
            "the exact log-sum-exp where the FFT lost relative accuracy")
