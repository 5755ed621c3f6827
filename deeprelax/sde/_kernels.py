"""Numba kernels of the SDE schemes: one generic ensemble kernel per noise class, parallel over paths.

Only the generic kernels live here; speed-only variants for special cases (Euler–Maruyama
with a linear drift and additive noise) are registered accelerators in :mod:`._accel`.

Symbols (shapes):

- ``sp`` :class:`KernelScalars`  every scalar of a kernel call in one typed record
- ``x`` float64[n, d]      the states of n paths (updated in place)
- ``states`` uint64[n, 4]  one xoshiro256++ stream per path (advanced in place)
- ``bk, bp``               drift kernel ``bk(x, p, out)`` and its parameters: b = sp.bsign·bk
- ``gk, gp, G``            diffusion kernel and parameters, or the constant factor G (d, m)
- ``xi`` float64[m]        standard normals of one step: ΔW = √Δt ξ
- ``eta`` float64[m]       second normals (SRA1): ΔZ = ½Δt^{3/2}(ξ + η/√3) = ∫(W_s − W_t) ds

Streams: every step of every scheme draws ``m`` normals for ξ in order, then (SRA1
only) ``m`` normals for η, from the path's own stream; a run that continues from the
written-back ``states`` draws exactly what one longer run would.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from .._core import jit, prange, rng_normal
from .._core._codegen import bind

__all__ = [
    "KernelScalars",
    "EULER_MARUYAMA",
    "MILSTEIN",
    "HEUN",
    "SRA1",
    "ADDITIVE",
    "DIAGONAL",
    "GENERAL",
    "NOISE_CODE",
    "FACTOR",
    "COVARIANCE",
    "ENSEMBLES",
    "generic_kernel",
    "ensemble_additive",
    "ensemble_diagonal",
    "ensemble_general",
    "step_additive",
    "step_diagonal",
    "step_general",
    "chol_psd",
]

# Codes of the schemes inside the kernels (``Scheme.code`` in :data:`._schemes.SCHEMES`).
# Module globals are compile-time constants to Numba, so ``sp.scheme == HEUN`` costs nothing.
EULER_MARUYAMA = 0
MILSTEIN = 1
HEUN = 2
SRA1 = 3
# Noise classes (:data:`._spec.NOISE_CLASSES`) and diffusion forms (``SDE.diffusion_form``).
ADDITIVE = 0
DIAGONAL = 1
GENERAL = 2
NOISE_CODE = {"additive": ADDITIVE, "diagonal": DIAGONAL, "general": GENERAL}
FACTOR = 0  # the diffusion kernel writes the factor g(x)
COVARIANCE = 1  # it writes a covariance C(x), g gᵀ = gscale·C


class KernelScalars(NamedTuple):
    """Every scalar argument of an ensemble kernel call, as one typed record.

    Attributes
    ----------
    scheme : int
        ``EULER_MARUYAMA``, ``MILSTEIN``, ``HEUN`` or ``SRA1``.
    ito : bool
        Itô (True) or Stratonovich calculus (selects the Milstein correction).
    linear : bool
        The drift is declared linear, b = bsign·(−A(x − c)) with ``bp = [A (row-major), c]``:
        the kernels inline it instead of calling ``bk``.
    bsign : float
        Sign of the drift: b = bsign · bk(x).
    m : int
        Number of Brownian motions.
    form : int
        ``FACTOR`` or ``COVARIANCE``.
    gscale : float
        g gᵀ = gscale · C(x) for the covariance form.
    dt, sdt : float
        The step Δt and √Δt.
    n_blocks, block_len, last_len : int
        Advance every path by (n_blocks − 1)·block_len + last_len steps, saving after each block.
    step0 : int
        Global index of the first step of the call (for the non-finite report).
    use_dw : bool
        Read ξ (and η) from the given increments ``dW`` (``dZ``) instead of the streams.
    n_tasks : int
        Paths are split into this many contiguous parallel tasks (results do not depend on it).
    """

    scheme: int
    ito: bool
    linear: bool
    bsign: float
    m: int
    form: int
    gscale: float
    dt: float
    sdt: float
    n_blocks: int
    block_len: int
    last_len: int
    step0: int
    use_dw: bool
    n_tasks: int


#: Pivots below this fraction of the largest diagonal entry count as zero (rank-deficient D(x)).
CHOL_RTOL = 1e-12
_SQRT3_INV = 1.0 / math.sqrt(3.0)


@jit
def chol_psd(C, L):
    """Lower factor L with L Lᵀ = C for a PSD matrix C (d, d); zero pivots give zero columns."""
    d = C.shape[0]
    # The pivot threshold is relative to the largest diagonal entry: for a rank-deficient
    # D(x) round-off leaves pivots of O(ε·scale) instead of 0, and dividing by their root
    # would blow the column up. The 1e-300 floor makes C = 0 give L = 0.
    scale = 1e-300
    for j in range(d):
        scale = max(scale, abs(C[j, j]))
    for j in range(d):
        for i in range(d):
            L[i, j] = 0.0
    for j in range(d):
        s = C[j, j]
        for k in range(j):
            s -= L[j, k] * L[j, k]
        # A (numerically) zero pivot of a PSD matrix has a zero column below it in the
        # Schur complement, so leaving column j zero keeps L Lᵀ = C.
        if s > CHOL_RTOL * scale:
            piv = math.sqrt(s)
            L[j, j] = piv
            for i in range(j + 1, d):
                v = C[i, j]
                for k in range(j):
                    v -= L[i, k] * L[j, k]
                L[i, j] = v / piv


@jit(inline="always")
def _linear(x, p, out):
    """b(x) = −A(x − c), p = [A (row-major), c]: the OU / quadratic drift, inlined."""
    d = x.shape[0]
    # Accumulated from 0 by column j: the accelerator em_linear repeats exactly this order,
    # which its bitwise equality with the generic kernel relies on.
    for i in range(d):
        out[i] = 0.0
    for j in range(d):
        yj = x[j] - p[d * d + j]
        for i in range(d):
            out[i] -= p[i * d + j] * yj


@jit(inline="always")
def _drift(sp, bk, bp, x, out):
    if sp.linear:
        _linear(x, bp, out)
    else:
        bk(x, bp, out)
    if sp.bsign != 1.0:  # ×1 is exact: skipping it only saves the pass
        for i in range(out.shape[0]):
            out[i] *= sp.bsign


@jit(inline="always")
def _matvec_add(M, v, c, out):
    """out += c · M v, column-oriented (vectorises without reassociation)."""
    for j in range(M.shape[1]):
        cv = c * v[j]
        for i in range(M.shape[0]):
            out[i] += M[i, j] * cv


@jit(inline="always")
def _all_finite(x):
    for i in range(x.shape[0]):
        if not math.isfinite(x[i]):
            return False
    return True


@jit(inline="always")
def _diag_factor(sp, gk, gp, x, g):
    gk(x, gp, g)
    if sp.form == COVARIANCE:
        # diagonal covariance: gᵢ = √(gscale·Cᵢᵢ); a round-off negative Cᵢᵢ is clipped to 0
        # rather than turned into a NaN by the square root
        for i in range(g.shape[0]):
            g[i] = math.sqrt(sp.gscale * max(g[i], 0.0))


@jit(inline="always")
def _general_factor(sp, gk, gp, x, g, work):
    if sp.form == COVARIANCE:
        # g = √gscale · L with L Lᵀ = C(x), so g gᵀ = gscale·C: any factor with this product
        # gives the same law of gΔW; the Cholesky one is the cheapest and needs no eigensolver
        gk(x, gp, work)
        chol_psd(work, g)
        s = math.sqrt(sp.gscale)
        for i in range(g.shape[0]):
            for j in range(g.shape[1]):
                g[i, j] *= s
    else:
        gk(x, gp, g)


# The three step functions share one signature:
# step(sp, bk, bp, gk, gp, G, x, xi, eta, dw, dz, b, b2, xt, xs, gv, gv2, gm, gm2, work)
# Unused buffers may be passed as any array of the right rank.
# x is advanced in place; dw = √Δt ξ is written by the caller; the rest are scratch.
@jit(inline="always")
def step_additive(sp, bk, bp, gk, gp, G,
                  x, xi, eta, dw, dz, b, b2, xt, xs, gv, gv2, gm, gm2, work):
    """Additive noise g = G: Euler–Maruyama, Milstein (= EM), Heun, SRA1."""
    dt, sdt = sp.dt, sp.sdt
    d = x.shape[0]
    _drift(sp, bk, bp, x, b)
    if sp.scheme == HEUN:  # stochastic Heun: the noise term is exact (G is constant), trapezoidal drift
        for i in range(d):
            xt[i] = x[i] + b[i] * dt
        _matvec_add(G, dw, 1.0, xt)
        _drift(sp, bk, bp, xt, b2)
        for i in range(d):
            xt[i] = x[i] + 0.5 * (b[i] + b2[i]) * dt
    elif sp.scheme == SRA1:  # SRA1 (Rößler 2010): H₂ = x + ¾bΔt + (3/2) G ΔZ/Δt
        for j in range(dz.shape[0]):
            dz[j] = 0.75 * sdt * (xi[j] + _SQRT3_INV * eta[j])  # (3/2) ΔZ / Δt
        for i in range(d):
            xt[i] = x[i] + 0.75 * b[i] * dt
        _matvec_add(G, dz, 1.0, xt)
        _drift(sp, bk, bp, xt, b2)
        for i in range(d):
            # Rößler's SRA1 weights α = (1/3, 2/3) on the drift at x and at H₂
            xt[i] = x[i] + dt * (b[i] / 3.0 + 2.0 * b2[i] / 3.0)
    else:  # Euler–Maruyama (Milstein's correction vanishes for additive noise)
        for i in range(d):
            xt[i] = x[i] + b[i] * dt
    # the noise is added last, column by column, after x + bΔt: the order em_linear repeats
    # for its bitwise equality
    _matvec_add(G, dw, 1.0, xt)
    for i in range(d):
        x[i] = xt[i]


@jit(inline="always")
def step_diagonal(sp, bk, bp, gk, gp, G,
                  x, xi, eta, dw, dz, b, b2, xt, xs, gv, gv2, gm, gm2, work):
    """Diagonal noise g = diag(gᵢ(xᵢ)): Euler–Maruyama, Milstein, Heun."""
    dt, sdt = sp.dt, sp.sdt
    d = x.shape[0]
    _drift(sp, bk, bp, x, b)
    _diag_factor(sp, gk, gp, x, gv)
    if sp.scheme == MILSTEIN and sp.ito:
        # derivative-free Milstein (Itô): x̃ = x + bΔt + g√Δt, (g(x̃) − g(x))/√Δt ≈ g g′ up to
        # O(√Δt), times the mean-zero ½(ΔW² − Δt), so the strong order stays 1
        for i in range(d):
            xs[i] = x[i] + b[i] * dt + gv[i] * sdt
        _diag_factor(sp, gk, gp, xs, gv2)
        for i in range(d):
            x[i] = x[i] + b[i] * dt + gv[i] * dw[i] \
                + (gv2[i] - gv[i]) * (dw[i] * dw[i] - dt) / (2.0 * sdt)
    elif sp.scheme == MILSTEIN:
        # Stratonovich: ½ g g′ ΔW² has a non-zero mean, so g g′ needs an O(Δt) estimate:
        # the central difference (g(x + g√Δt) − g(x − g√Δt)) / (2√Δt)
        for i in range(d):
            xs[i] = x[i] + gv[i] * sdt
            xt[i] = x[i] - gv[i] * sdt
        _diag_factor(sp, gk, gp, xs, gv2)
        _diag_factor(sp, gk, gp, xt, b2)
        for i in range(d):
            x[i] = x[i] + b[i] * dt + gv[i] * dw[i] + (gv2[i] - b2[i]) * dw[i] * dw[i] / (4.0 * sdt)
    elif sp.scheme == HEUN:
        # Euler predictor, then the trapezoidal average of drift and diffusion: averaging g at
        # x and at the predictor makes the limit the Stratonovich solution (EM's g(x) gives Itô)
        for i in range(d):
            xt[i] = x[i] + b[i] * dt + gv[i] * dw[i]
        _drift(sp, bk, bp, xt, b2)
        _diag_factor(sp, gk, gp, xt, gv2)
        for i in range(d):
            x[i] = x[i] + 0.5 * (b[i] + b2[i]) * dt + 0.5 * (gv[i] + gv2[i]) * dw[i]
    else:
        for i in range(d):
            x[i] = x[i] + b[i] * dt + gv[i] * dw[i]


@jit(inline="always")
def step_general(sp, bk, bp, gk, gp, G,
                 x, xi, eta, dw, dz, b, b2, xt, xs, gv, gv2, gm, gm2, work):
    """General noise g(x) (d, m): Euler–Maruyama, Heun."""
    dt = sp.dt
    d = x.shape[0]
    _drift(sp, bk, bp, x, b)
    _general_factor(sp, gk, gp, x, gm, work)
    for i in range(d):
        xt[i] = x[i] + b[i] * dt
    _matvec_add(gm, dw, 1.0, xt)
    if sp.scheme == HEUN:  # Stratonovich; strong order ½ here: no Lévy areas for non-commutative noise
        _drift(sp, bk, bp, xt, b2)
        _general_factor(sp, gk, gp, xt, gm2, work)
        for i in range(d):
            xt[i] = x[i] + 0.5 * (b[i] + b2[i]) * dt
        _matvec_add(gm, dw, 0.5, xt)
        _matvec_add(gm2, dw, 0.5, xt)
    for i in range(d):
        x[i] = xt[i]


@jit(inline="always")
def _draw(sp, dW, dZ, k, i, s, needs_area, xi, eta, dw):
    """ξ (and η) of step k of path i: from the stream ``s`` or from the given ΔW (ΔZ)."""
    m = xi.shape[0]
    dt, sdt = sp.dt, sp.sdt
    if sp.use_dw:
        # ΔW is used exactly as given (√Δt·ξ would differ from it by round-off); ξ itself is
        # read only by SRA1 (its ΔZ)
        for j in range(m):
            dw[j] = dW[k, i, j]
            xi[j] = dw[j] / sdt
        if needs_area:
            for j in range(m):
                # invert ΔZ = ½Δt^{3/2}(ξ + η/√3) for η
                eta[j] = (2.0 * dZ[k, i, j] / (dt * sdt) - xi[j]) * math.sqrt(3.0)
    else:
        for j in range(m):
            xi[j] = rng_normal(s)
        if needs_area:
            for j in range(m):
                eta[j] = rng_normal(s)
        for j in range(m):
            dw[j] = sdt * xi[j]


# The three ensemble kernel templates differ only in their step function (a global, so it is
# inlined). They are inline="always": generic_kernel binds bk and gk as globals of a small
# generated parallel kernel (compile once, see _core/_codegen.py) that inlines them. Arguments:
#   sp (KernelScalars), bk, bp, gk, gp, G, x (n, d), states (n, 4),
#   dW, dZ (n_steps, n, m) when sp.use_dw (else any 3-D array), out (n_blocks, n, d), bad (n,)
# Each advances every path by (n_blocks − 1)·block_len + last_len steps, saving after
# each block into out[k, i]; bad[i] becomes the global step index (step0 + local) at
# which path i first went non-finite, and that path is frozen. Paths are split into
# sp.n_tasks contiguous tasks; results do not depend on it.
@jit(inline="always")
def ensemble_additive(sp, bk, bp, gk, gp, G, x, states, dW, dZ, out, bad):
    """Ensemble kernel template for additive noise (see the comment above for the arguments)."""
    n, d = x.shape
    m = sp.m
    n_tasks = min(n, max(1, sp.n_tasks))
    per = (n + n_tasks - 1) // n_tasks
    for task in prange(n_tasks):
        # task-local copies of the shared parameters: calls into the drift / diffusion
        # kernels then touch no memory shared between threads (no contended refcounts)
        bpl, gpl, Gl = bp.copy(), gp.copy(), G.copy()
        for i in range(task * per, min(n, (task + 1) * per)):
            if bad[i] >= 0:
                continue
            s = states[i].copy()  # a private stream copy, written back below
            xi, eta, dw, dz = np.empty(m), np.zeros(m), np.empty(m), np.empty(m)
            b, b2, xt, xs = np.empty(d), np.empty(d), np.empty(d), np.empty(d)
            xp = x[i].copy()
            k = 0
            for blk in range(sp.n_blocks):
                nb = sp.block_len if blk < sp.n_blocks - 1 else sp.last_len
                for _ in range(nb):
                    # only SRA1 draws η, so EM / Heun streams are not shifted by unused normals
                    _draw(sp, dW, dZ, k, i, s, sp.scheme == SRA1, xi, eta, dw)
                    step_additive(sp, bk, bpl, gk, gpl, Gl, xp, xi, eta, dw, dz, b, b2, xt, xs, b, b, Gl, Gl, Gl)
                    if not _all_finite(xp):
                        bad[i] = sp.step0 + k
                        break
                    k += 1
                out[blk, i, :] = xp
                if bad[i] >= 0:
                    # out comes from np.empty: fill this path's remaining saves of the call
                    # with its (non-finite) state rather than leave garbage there
                    for blk2 in range(blk + 1, sp.n_blocks):
                        out[blk2, i, :] = xp
                    break
            x[i, :] = xp
            states[i, :] = s


@jit(inline="always")
def ensemble_diagonal(sp, bk, bp, gk, gp, G, x, states, dW, dZ, out, bad):
    """Ensemble kernel template for diagonal noise (see the comment above for the arguments)."""
    n, d = x.shape
    m = sp.m
    n_tasks = min(n, max(1, sp.n_tasks))
    per = (n + n_tasks - 1) // n_tasks
    for task in prange(n_tasks):
        # task-local copies of the shared parameters: calls into the drift / diffusion
        # kernels then touch no memory shared between threads (no contended refcounts)
        bpl, gpl, Gl = bp.copy(), gp.copy(), G.copy()
        for i in range(task * per, min(n, (task + 1) * per)):
            if bad[i] >= 0:
                continue
            s = states[i].copy()  # a private stream copy, written back below
            xi, eta, dw, dz = np.empty(m), np.zeros(m), np.empty(m), np.empty(m)
            b, b2, xt, xs = np.empty(d), np.empty(d), np.empty(d), np.empty(d)
            gv, gv2 = np.empty(d), np.empty(d)
            xp = x[i].copy()
            k = 0
            for blk in range(sp.n_blocks):
                nb = sp.block_len if blk < sp.n_blocks - 1 else sp.last_len
                for _ in range(nb):
                    _draw(sp, dW, dZ, k, i, s, False, xi, eta, dw)
                    step_diagonal(sp, bk, bpl, gk, gpl, Gl, xp, xi, eta, dw, dz, b, b2, xt, xs, gv, gv2, Gl, Gl, Gl)
                    if not _all_finite(xp):
                        bad[i] = sp.step0 + k
                        break
                    k += 1
                out[blk, i, :] = xp
                if bad[i] >= 0:
                    # out comes from np.empty: fill this path's remaining saves of the call
                    # with its (non-finite) state rather than leave garbage there
                    for blk2 in range(blk + 1, sp.n_blocks):
                        out[blk2, i, :] = xp
                    break
            x[i, :] = xp
            states[i, :] = s


@jit(inline="always")
def ensemble_general(sp, bk, bp, gk, gp, G, x, states, dW, dZ, out, bad):
    """Ensemble kernel template for general noise (see the comment above for the arguments)."""
    n, d = x.shape
    m = sp.m
    n_tasks = min(n, max(1, sp.n_tasks))
    per = (n + n_tasks - 1) // n_tasks
    for task in prange(n_tasks):
        # task-local copies of the shared parameters: calls into the drift / diffusion
        # kernels then touch no memory shared between threads (no contended refcounts)
        bpl, gpl, Gl = bp.copy(), gp.copy(), G.copy()
        for i in range(task * per, min(n, (task + 1) * per)):
            if bad[i] >= 0:
                continue
            s = states[i].copy()  # a private stream copy, written back below
            xi, eta, dw, dz = np.empty(m), np.zeros(m), np.empty(m), np.empty(m)
            b, b2, xt, xs = np.empty(d), np.empty(d), np.empty(d), np.empty(d)
            gm, gm2, work = np.empty((d, m)), np.empty((d, m)), np.empty((d, d))
            xp = x[i].copy()
            k = 0
            for blk in range(sp.n_blocks):
                nb = sp.block_len if blk < sp.n_blocks - 1 else sp.last_len
                for _ in range(nb):
                    _draw(sp, dW, dZ, k, i, s, False, xi, eta, dw)
                    step_general(sp, bk, bpl, gk, gpl, Gl, xp, xi, eta, dw, dz, b, b2, xt, xs, b, b, gm, gm2, work)
                    if not _all_finite(xp):
                        bad[i] = sp.step0 + k
                        break
                    k += 1
                out[blk, i, :] = xp
                if bad[i] >= 0:
                    # out comes from np.empty: fill this path's remaining saves of the call
                    # with its (non-finite) state rather than leave garbage there
                    for blk2 in range(blk + 1, sp.n_blocks):
                        out[blk2, i, :] = xp
                    break
            x[i, :] = xp
            states[i, :] = s


#: The ensemble kernel template of each noise class (code ``NOISE_CODE[sde.noise]``).
ENSEMBLES = {ADDITIVE: ensemble_additive, DIAGONAL: ensemble_diagonal, GENERAL: ensemble_general}


def generic_kernel(noise: int, bk: Any, gk: Any) -> Callable[..., None]:
    """The generic ensemble kernel of a noise class specialised on the drift and diffusion kernels.

    The templates are bound to ``bk`` and ``gk`` as globals by :func:`deeprelax._core._codegen.bind`
    (disk-cached across processes when both are importable module-level kernels), and
    returned behind the uniform call ``(sp, bk, bp, gk, gp, G, x, states, dW, dZ, out, bad)``
    shared with the accelerators (the ``bk``, ``gk`` passed there are ignored: the bound
    ones run).
    """
    bound = bind(ENSEMBLES[noise], parallel=True, bk=bk, gk=gk)

    def kernel(sp: Any, bk_: Any, bp: Any, gk_: Any, gp: Any, G: Any, x: Any, states: Any, dW: Any,
               dZ: Any, out: Any, bad: Any) -> None:
        bound(sp, bp, gp, G, x, states, dW, dZ, out, bad)

    return kernel
