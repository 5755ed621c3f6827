"""Numba kernels of the SDE schemes: one generic ensemble kernel, parallel over paths.

Symbols (shapes):

- ``x`` float64[n, d]      the states of n paths (updated in place)
- ``states`` uint64[n, 4]  one xoshiro256++ stream per path (advanced in place)
- ``bk, bp, bsign``        drift kernel ``bk(x, p, out)``, its parameters, a sign: b = bsign·bk
- ``gk, gp, G``            diffusion kernel and parameters, or the constant factor G (d, m)
- ``noise`` int            0 additive, 1 diagonal, 2 general (see :mod:`._spec`)
- ``form`` int             0: gk writes the factor g(x); 1: gk writes a covariance C(x),
                           g gᵀ = gscale·C
- ``dt`` float             the step Δt
- ``xi`` float64[m]        standard normals of one step: ΔW = √Δt ξ
- ``eta`` float64[m]       second normals (SRA1): ΔZ = ½Δt^{3/2}(ξ + η/√3) = ∫(W_s − W_t) ds

Streams: every step of every scheme draws ``m`` normals for ξ in order, then (SRA1
only) ``m`` normals for η, from the path's own stream; a run that continues from the
written-back ``states`` draws exactly what one longer run would.
"""

from __future__ import annotations

import math

import numpy as np

from .._core import jit, prange, rng_normal
from .._core._rng import rng_normal4

__all__ = [
    "SCHEME_CODES",
    "integrate_additive",
    "integrate_diagonal",
    "integrate_general",
    "integrate_em_linear",
    "step_additive",
    "step_diagonal",
    "step_general",
    "chol_psd",
]

#: Integer codes of the schemes inside the kernel.
SCHEME_CODES = {"euler_maruyama": 0, "milstein": 1, "heun": 2, "sra1": 3}
NOISE_CODES = {"additive": 0, "diagonal": 1, "general": 2}
FORM_CODES = {"factor": 0, "covariance": 1}

#: Pivots below this fraction of the largest diagonal entry count as zero (rank-deficient D(x)).
CHOL_RTOL = 1e-12
_SQRT3_INV = 1.0 / math.sqrt(3.0)


@jit
def chol_psd(C, L):
    """Lower factor L with L Lᵀ = C for a PSD matrix C (d, d); zero pivots give zero columns."""
    d = C.shape[0]
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
    for i in range(d):
        out[i] = 0.0
    for j in range(d):
        yj = x[j] - p[d * d + j]
        for i in range(d):
            out[i] -= p[i * d + j] * yj


@jit(inline="always")
def _drift(linear, bk, bp, bsign, x, out):
    if linear:
        _linear(x, bp, out)
    else:
        bk(x, bp, out)
    if bsign != 1.0:
        for i in range(out.shape[0]):
            out[i] *= bsign


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
def _diag_factor(gk, gp, form, gscale, x, g):
    gk(x, gp, g)
    if form == 1:
        for i in range(g.shape[0]):
            g[i] = math.sqrt(gscale * max(g[i], 0.0))


@jit(inline="always")
def _general_factor(gk, gp, form, gscale, x, g, work):
    if form == 1:
        gk(x, gp, work)
        chol_psd(work, g)
        s = math.sqrt(gscale)
        for i in range(g.shape[0]):
            for j in range(g.shape[1]):
                g[i, j] *= s
    else:
        gk(x, gp, g)


# The three step functions share one signature, so one parallel kernel takes any of them:
# step(scheme, ito, linear, bk, bp, bsign, gk, gp, G, form, gscale, dt, sdt,
#      x, xi, eta, dw, dz, b, b2, xt, xs, gv, gv2, gm, gm2, work)
# Unused buffers may be passed as any array of the right rank.
# x is advanced in place; dw = √Δt ξ is written by the caller; the rest are scratch.
@jit(inline="always")
def step_additive(scheme, ito, linear, bk, bp, bsign, gk, gp, G, form, gscale, dt, sdt,
                  x, xi, eta, dw, dz, b, b2, xt, xs, gv, gv2, gm, gm2, work):
    """Additive noise g = G: Euler–Maruyama, Milstein (= EM), Heun, SRA1."""
    d = x.shape[0]
    _drift(linear, bk, bp, bsign, x, b)
    if scheme == 2:  # stochastic Heun: the noise term is exact, trapezoidal drift
        for i in range(d):
            xt[i] = x[i] + b[i] * dt
        _matvec_add(G, dw, 1.0, xt)
        _drift(linear, bk, bp, bsign, xt, b2)
        for i in range(d):
            xt[i] = x[i] + 0.5 * (b[i] + b2[i]) * dt
    elif scheme == 3:  # SRA1 (Rößler 2010): H₂ = x + ¾bΔt + (3/2) G ΔZ/Δt
        for j in range(dz.shape[0]):
            dz[j] = 0.75 * sdt * (xi[j] + _SQRT3_INV * eta[j])  # (3/2) ΔZ / Δt
        for i in range(d):
            xt[i] = x[i] + 0.75 * b[i] * dt
        _matvec_add(G, dz, 1.0, xt)
        _drift(linear, bk, bp, bsign, xt, b2)
        for i in range(d):
            xt[i] = x[i] + dt * (b[i] / 3.0 + 2.0 * b2[i] / 3.0)
    else:  # Euler–Maruyama (Milstein's correction vanishes for additive noise)
        for i in range(d):
            xt[i] = x[i] + b[i] * dt
    _matvec_add(G, dw, 1.0, xt)
    for i in range(d):
        x[i] = xt[i]


@jit(inline="always")
def step_diagonal(scheme, ito, linear, bk, bp, bsign, gk, gp, G, form, gscale, dt, sdt,
                  x, xi, eta, dw, dz, b, b2, xt, xs, gv, gv2, gm, gm2, work):
    """Diagonal noise g = diag(gᵢ(xᵢ)): Euler–Maruyama, Milstein, Heun."""
    d = x.shape[0]
    _drift(linear, bk, bp, bsign, x, b)
    _diag_factor(gk, gp, form, gscale, x, gv)
    if scheme == 1 and ito:
        # derivative-free Milstein (Itô): x̃ = x + bΔt + g√Δt, (g(x̃) − g(x))/√Δt ≈ g g′ up to
        # O(√Δt), times the mean-zero ½(ΔW² − Δt), so the strong order stays 1
        for i in range(d):
            xs[i] = x[i] + b[i] * dt + gv[i] * sdt
        _diag_factor(gk, gp, form, gscale, xs, gv2)
        for i in range(d):
            x[i] = x[i] + b[i] * dt + gv[i] * dw[i] \
                + (gv2[i] - gv[i]) * (dw[i] * dw[i] - dt) / (2.0 * sdt)
    elif scheme == 1:
        # Stratonovich: ½ g g′ ΔW² has a non-zero mean, so g g′ needs an O(Δt) estimate:
        # the central difference (g(x + g√Δt) − g(x − g√Δt)) / (2√Δt)
        for i in range(d):
            xs[i] = x[i] + gv[i] * sdt
            xt[i] = x[i] - gv[i] * sdt
        _diag_factor(gk, gp, form, gscale, xs, gv2)
        _diag_factor(gk, gp, form, gscale, xt, b2)
        for i in range(d):
            x[i] = x[i] + b[i] * dt + gv[i] * dw[i] + (gv2[i] - b2[i]) * dw[i] * dw[i] / (4.0 * sdt)
    elif scheme == 2:
        for i in range(d):
            xt[i] = x[i] + b[i] * dt + gv[i] * dw[i]
        _drift(linear, bk, bp, bsign, xt, b2)
        _diag_factor(gk, gp, form, gscale, xt, gv2)
        for i in range(d):
            x[i] = x[i] + 0.5 * (b[i] + b2[i]) * dt + 0.5 * (gv[i] + gv2[i]) * dw[i]
    else:
        for i in range(d):
            x[i] = x[i] + b[i] * dt + gv[i] * dw[i]


@jit(inline="always")
def step_general(scheme, ito, linear, bk, bp, bsign, gk, gp, G, form, gscale, dt, sdt,
                 x, xi, eta, dw, dz, b, b2, xt, xs, gv, gv2, gm, gm2, work):
    """General noise g(x) (d, m): Euler–Maruyama, Heun."""
    d = x.shape[0]
    _drift(linear, bk, bp, bsign, x, b)
    _general_factor(gk, gp, form, gscale, x, gm, work)
    for i in range(d):
        xt[i] = x[i] + b[i] * dt
    _matvec_add(gm, dw, 1.0, xt)
    if scheme == 2:
        _drift(linear, bk, bp, bsign, xt, b2)
        _general_factor(gk, gp, form, gscale, xt, gm2, work)
        for i in range(d):
            xt[i] = x[i] + 0.5 * (b[i] + b2[i]) * dt
        _matvec_add(gm, dw, 0.5, xt)
        _matvec_add(gm2, dw, 0.5, xt)
    for i in range(d):
        x[i] = xt[i]


@jit(inline="always")
def _draw(use_dw, dW, dZ, k, i, s, needs_area, sdt, dt, xi, eta, dw):
    """ξ (and η) of step k of path i: from the stream ``s`` or from the given ΔW (ΔZ)."""
    m = xi.shape[0]
    if use_dw:
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


# The three ensemble kernels differ only in their step function (a global, so it is
# inlined; Numba does not inline functions passed as arguments). Arguments:
#   scheme, ito, linear, bk, bp, bsign, gk, gp, G, m, form, gscale, dt,
#   x (n, d), states (n, 4), n_blocks, block_len, last_len, step0,
#   use_dw, dW, dZ (n_steps, n, m), out (n_blocks, n, d), bad (n,), n_tasks
# (paths are split into n_tasks contiguous tasks; results do not depend on it).
# Each advances every path by (n_blocks − 1)·block_len + last_len steps, saving after
# each block into out[k, i]; bad[i] becomes the global step index (step0 + local) at
# which path i first went non-finite, and that path is frozen.
@jit(parallel=True)
def integrate_additive(scheme, ito, linear, bk, bp, bsign, gk, gp, G, m, form, gscale, dt,
                       x, states, n_blocks, block_len, last_len, step0, use_dw, dW, dZ, out, bad,
                      n_tasks):
    """Ensemble kernel for additive noise (see the comment above for the arguments)."""
    n, d = x.shape
    sdt = math.sqrt(dt)
    n_tasks = min(n, max(1, n_tasks))
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
            for blk in range(n_blocks):
                nb = block_len if blk < n_blocks - 1 else last_len
                for _ in range(nb):
                    _draw(use_dw, dW, dZ, k, i, s, scheme == 3, sdt, dt, xi, eta, dw)
                    step_additive(scheme, ito, linear, bk, bpl, bsign, gk, gpl, Gl, form, gscale, dt, sdt,
                                  xp, xi, eta, dw, dz, b, b2, xt, xs, b, b, Gl, Gl, Gl)
                    if not _all_finite(xp):
                        bad[i] = step0 + k
                        break
                    k += 1
                out[blk, i, :] = xp
                if bad[i] >= 0:
                    for blk2 in range(blk + 1, n_blocks):
                        out[blk2, i, :] = xp
                    break
            x[i, :] = xp
            states[i, :] = s


@jit(parallel=True)
def integrate_diagonal(scheme, ito, linear, bk, bp, bsign, gk, gp, G, m, form, gscale, dt,
                       x, states, n_blocks, block_len, last_len, step0, use_dw, dW, dZ, out, bad,
                      n_tasks):
    """Ensemble kernel for diagonal noise (see the comment above for the arguments)."""
    n, d = x.shape
    sdt = math.sqrt(dt)
    n_tasks = min(n, max(1, n_tasks))
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
            for blk in range(n_blocks):
                nb = block_len if blk < n_blocks - 1 else last_len
                for _ in range(nb):
                    _draw(use_dw, dW, dZ, k, i, s, False, sdt, dt, xi, eta, dw)
                    step_diagonal(scheme, ito, linear, bk, bpl, bsign, gk, gpl, Gl, form, gscale, dt, sdt,
                                  xp, xi, eta, dw, dz, b, b2, xt, xs, gv, gv2, Gl, Gl, Gl)
                    if not _all_finite(xp):
                        bad[i] = step0 + k
                        break
                    k += 1
                out[blk, i, :] = xp
                if bad[i] >= 0:
                    for blk2 in range(blk + 1, n_blocks):
                        out[blk2, i, :] = xp
                    break
            x[i, :] = xp
            states[i, :] = s


@jit(parallel=True)
def integrate_general(scheme, ito, linear, bk, bp, bsign, gk, gp, G, m, form, gscale, dt,
                      x, states, n_blocks, block_len, last_len, step0, use_dw, dW, dZ, out, bad,
                      n_tasks):
    """Ensemble kernel for general noise (see the comment above for the arguments)."""
    n, d = x.shape
    sdt = math.sqrt(dt)
    n_tasks = min(n, max(1, n_tasks))
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
            for blk in range(n_blocks):
                nb = block_len if blk < n_blocks - 1 else last_len
                for _ in range(nb):
                    _draw(use_dw, dW, dZ, k, i, s, False, sdt, dt, xi, eta, dw)
                    step_general(scheme, ito, linear, bk, bpl, bsign, gk, gpl, Gl, form, gscale, dt, sdt,
                                 xp, xi, eta, dw, dz, b, b2, xt, xs, b, b, gm, gm2, work)
                    if not _all_finite(xp):
                        bad[i] = step0 + k
                        break
                    k += 1
                out[blk, i, :] = xp
                if bad[i] >= 0:
                    for blk2 in range(blk + 1, n_blocks):
                        out[blk2, i, :] = xp
                    break
            x[i, :] = xp
            states[i, :] = s


# ------------------------------------------------------------------ Euler–Maruyama fast path
# Euler–Maruyama (= Milstein) with additive noise and the linear drift b = s·(−A(x − c))
# (langevin on a quadratic, ornstein_uhlenbeck), drawing from the streams. One compiled
# specialisation (no kernel arguments). Every path does exactly the arithmetic of
# integrate_additive in the same order (b from 0 by j, x + bΔt, then + G[:, j]·(√Δt ξⱼ) by
# j), so the results are bit-identical to it; the differences are only where values live:
# the stream state in four scalars (rng_normal4), d ≤ 2 in scalar registers, and a path
# block laid out (d, P) with the paths innermost for d > 2, so the per-path reductions
# run in the same order but SIMD across paths.
#: Paths per block of the d > 2 fast path (a fixed size: results do not depend on it).
EM_PATH_BLOCK = 32  # a multiple of 8 (the register tiles)


@jit
def _em_linear_d2(A, c, G, m, bsign, dt, sdt, x, states, i, n_blocks, block_len, last_len,
                  step0, out, bad):
    """One path of the fast path for d = 2 (m = 1 or 2): everything in scalars."""
    a00, a01, a10, a11 = A[0], A[1], A[2], A[3]
    c0, c1 = c[0], c[1]
    g00, g10 = G[0, 0], G[1, 0]
    g01, g11 = (G[0, 1], G[1, 1]) if m == 2 else (0.0, 0.0)
    s0, s1, s2, s3 = states[i, 0], states[i, 1], states[i, 2], states[i, 3]
    x0, x1 = x[i, 0], x[i, 1]
    inf = math.inf
    k = 0
    for blk in range(n_blocks):
        nb = block_len if blk < n_blocks - 1 else last_len
        for _ in range(nb):
            z0, s0, s1, s2, s3 = rng_normal4(s0, s1, s2, s3)
            if m == 2:
                z1, s0, s1, s2, s3 = rng_normal4(s0, s1, s2, s3)
            else:
                z1 = 0.0
            y0 = x0 - c0
            y1 = x1 - c1
            b0 = (0.0 - a00 * y0) - a01 * y1
            b1 = (0.0 - a10 * y0) - a11 * y1
            if bsign != 1.0:
                b0 *= bsign
                b1 *= bsign
            w0 = sdt * z0
            t0 = (x0 + b0 * dt) + g00 * w0
            t1 = (x1 + b1 * dt) + g10 * w0
            if m == 2:
                w1 = sdt * z1
                t0 += g01 * w1
                t1 += g11 * w1
            x0, x1 = t0, t1
            if not (abs(t0) < inf and abs(t1) < inf):
                bad[i] = step0 + k
                break
            k += 1
        out[blk, i, 0] = x0
        out[blk, i, 1] = x1
        if bad[i] >= 0:
            for blk2 in range(blk + 1, n_blocks):
                out[blk2, i, 0] = x0
                out[blk2, i, 1] = x1
            break
    x[i, 0] = x0
    x[i, 1] = x1
    states[i, 0], states[i, 1], states[i, 2], states[i, 3] = s0, s1, s2, s3


@jit
def _row(A, G, X, Y, W, r, d, m, bsign, dt, B):
    """Row r of B = X + s·(−A Y)Δt + G W for the EM_PATH_BLOCK paths (columns), each path in
    the order of integrate_additive: from 0 subtracting A[r, j]·y_j by j, ×s, x + bΔt, then
    + G[r, j]·w_j by j. Four j per pass over the paths: the loop over paths vectorises and
    does 4 multiply–subtracts per load/store of B (compute-, not store-bound)."""
    PB = EM_PATH_BLOCK
    o = r * d
    for p in range(PB):
        B[r, p] = 0.0
    j = 0
    while j + 4 <= d:
        a0, a1, a2, a3 = A[o + j], A[o + j + 1], A[o + j + 2], A[o + j + 3]
        for p in range(PB):
            B[r, p] = (((B[r, p] - a0 * Y[j, p]) - a1 * Y[j + 1, p]) - a2 * Y[j + 2, p]) \
                - a3 * Y[j + 3, p]
        j += 4
    while j < d:
        a0 = A[o + j]
        for p in range(PB):
            B[r, p] -= a0 * Y[j, p]
        j += 1
    if bsign != 1.0:
        for p in range(PB):
            B[r, p] = X[r, p] + (B[r, p] * bsign) * dt
    else:
        for p in range(PB):
            B[r, p] = X[r, p] + B[r, p] * dt
    j = 0
    while j + 4 <= m:
        g0, g1, g2, g3 = G[r, j], G[r, j + 1], G[r, j + 2], G[r, j + 3]
        for p in range(PB):
            B[r, p] = (((B[r, p] + g0 * W[j, p]) + g1 * W[j + 1, p]) + g2 * W[j + 2, p]) \
                + g3 * W[j + 3, p]
        j += 4
    while j < m:
        g0 = G[r, j]
        for p in range(PB):
            B[r, p] += g0 * W[j, p]
        j += 1


@jit
def _em_linear_d2x2(A, c, G, m, bsign, dt, sdt, x, states, i, n_blocks, block_len, last_len,
                    step0, out, bad):
    """Paths i and i + 1 of the fast path for d = 2, interleaved: the two serial x-update
    chains (≈ 30 cycles of latency a step) overlap. Per path the same arithmetic as
    _em_linear_d2; a dead path is frozen (no more draws) while the other goes on."""
    a00, a01, a10, a11 = A[0], A[1], A[2], A[3]
    c0, c1 = c[0], c[1]
    g00, g10 = G[0, 0], G[1, 0]
    g01, g11 = (G[0, 1], G[1, 1]) if m == 2 else (0.0, 0.0)
    j = i + 1
    s0, s1, s2, s3 = states[i, 0], states[i, 1], states[i, 2], states[i, 3]
    q0, q1, q2, q3 = states[j, 0], states[j, 1], states[j, 2], states[j, 3]
    x0, x1 = x[i, 0], x[i, 1]
    u0, u1 = x[j, 0], x[j, 1]
    live_i, live_j = True, True
    inf = math.inf
    k = 0
    for blk in range(n_blocks):
        nb = block_len if blk < n_blocks - 1 else last_len
        for _ in range(nb):
            if live_i:
                z0, s0, s1, s2, s3 = rng_normal4(s0, s1, s2, s3)
                z1 = 0.0
                if m == 2:
                    z1, s0, s1, s2, s3 = rng_normal4(s0, s1, s2, s3)
            if live_j:
                v0, q0, q1, q2, q3 = rng_normal4(q0, q1, q2, q3)
                v1 = 0.0
                if m == 2:
                    v1, q0, q1, q2, q3 = rng_normal4(q0, q1, q2, q3)
            y0 = x0 - c0
            y1 = x1 - c1
            e0 = u0 - c0
            e1 = u1 - c1
            b0 = (0.0 - a00 * y0) - a01 * y1
            b1 = (0.0 - a10 * y0) - a11 * y1
            h0 = (0.0 - a00 * e0) - a01 * e1
            h1 = (0.0 - a10 * e0) - a11 * e1
            if bsign != 1.0:
                b0 *= bsign
                b1 *= bsign
                h0 *= bsign
                h1 *= bsign
            w0 = sdt * z0
            r0 = sdt * v0
            t0 = (x0 + b0 * dt) + g00 * w0
            t1 = (x1 + b1 * dt) + g10 * w0
            p0 = (u0 + h0 * dt) + g00 * r0
            p1 = (u1 + h1 * dt) + g10 * r0
            if m == 2:
                w1 = sdt * z1
                r1 = sdt * v1
                t0 += g01 * w1
                t1 += g11 * w1
                p0 += g01 * r1
                p1 += g11 * r1
            if live_i:
                x0, x1 = t0, t1
                if not (abs(t0) < inf and abs(t1) < inf):
                    bad[i] = step0 + k
                    live_i = False
            if live_j:
                u0, u1 = p0, p1
                if not (abs(p0) < inf and abs(p1) < inf):
                    bad[j] = step0 + k
                    live_j = False
            if not (live_i or live_j):
                break
            k += 1
        out[blk, i, 0] = x0
        out[blk, i, 1] = x1
        out[blk, j, 0] = u0
        out[blk, j, 1] = u1
        if not (live_i or live_j):
            for blk2 in range(blk + 1, n_blocks):
                out[blk2, i, 0] = x0
                out[blk2, i, 1] = x1
                out[blk2, j, 0] = u0
                out[blk2, j, 1] = u1
            break
    x[i, 0] = x0
    x[i, 1] = x1
    x[j, 0] = u0
    x[j, 1] = u1
    states[i, 0], states[i, 1], states[i, 2], states[i, 3] = s0, s1, s2, s3
    states[j, 0], states[j, 1], states[j, 2], states[j, 3] = q0, q1, q2, q3


@jit
def _em_linear_block(A, c, G, bsign, dt, sdt, x, states, lo, hi, n_blocks, block_len, last_len,
                     step0, out, bad, X, Y, B, W, S):
    """Paths lo..hi−1 (≤ EM_PATH_BLOCK) of the fast path for any d.

    Scratch: X, Y, B (d, P), W (m, P), S (P, 4); P = EM_PATH_BLOCK ≥ hi − lo.
    """
    d = X.shape[0]
    m = W.shape[0]
    P = hi - lo
    PB = EM_PATH_BLOCK  # the tiles always run the full block; padding columns are zeros
    for p in range(P, PB):
        for r in range(d):
            X[r, p] = 0.0
        for j in range(m):
            W[j, p] = 0.0
    alive = np.empty(P, dtype=np.bool_)
    skip = np.empty(P, dtype=np.bool_)
    for p in range(P):
        for r in range(4):
            S[p, r] = states[lo + p, r]
        for r in range(d):
            X[r, p] = x[lo + p, r]
        skip[p] = bad[lo + p] >= 0  # frozen before this call: left as it is
        alive[p] = not skip[p]
    k = 0
    for blk in range(n_blocks):
        nb = block_len if blk < n_blocks - 1 else last_len
        for _ in range(nb):
            n_alive = 0
            for p in range(P):
                if alive[p]:
                    n_alive += 1
                    s0, s1, s2, s3 = S[p, 0], S[p, 1], S[p, 2], S[p, 3]
                    for j in range(m):
                        z, s0, s1, s2, s3 = rng_normal4(s0, s1, s2, s3)
                        W[j, p] = sdt * z
                    S[p, 0], S[p, 1], S[p, 2], S[p, 3] = s0, s1, s2, s3
                else:
                    for j in range(m):
                        W[j, p] = 0.0
            if n_alive == 0:
                break
            # b = −A (x − c): each path from 0 by j (the order of _linear), SIMD over paths
            for j in range(d):
                cj = c[j]
                for p in range(PB):
                    Y[j, p] = X[j, p] - cj
            for r in range(d):
                _row(A, G, X, Y, W, r, d, m, bsign, dt, B)
            for p in range(P):
                if alive[p]:
                    ok = True
                    for r in range(d):
                        v = B[r, p]
                        X[r, p] = v
                        ok &= abs(v) < math.inf
                    if not ok:
                        bad[lo + p] = step0 + k
                        alive[p] = False
            k += 1
        for p in range(P):
            if not skip[p]:
                for r in range(d):
                    out[blk, lo + p, r] = X[r, p]
    for p in range(P):
        if not skip[p]:
            for r in range(d):
                x[lo + p, r] = X[r, p]
            for r in range(4):
                states[lo + p, r] = S[p, r]


@jit(parallel=True)
def integrate_em_linear(A, c, G, bsign, dt, x, states, n_blocks, block_len, last_len, step0,
                        out, bad, n_tasks):
    """Euler–Maruyama fast path: additive noise, linear drift b = bsign·(−A(x − c)), streams.

    Same arguments and results (bit for bit) as integrate_additive with scheme 0, linear,
    use_dw False; A is the row-major d·d vector. Paths are split into tasks of whole
    EM_PATH_BLOCK blocks (the split changes no result).
    """
    n, d = x.shape
    m = G.shape[1]
    sdt = math.sqrt(dt)
    P = EM_PATH_BLOCK
    n_pb = (n + P - 1) // P
    n_tasks = min(n_pb, max(1, n_tasks))
    per = (n_pb + n_tasks - 1) // n_tasks
    for task in prange(n_tasks):
        Al, cl, Gl = A.copy(), c.copy(), G.copy()
        if d == 2 and m <= 2:
            i = task * per * P
            hi = min(n, (task + 1) * per * P)
            while i < hi:
                if i + 1 < hi and bad[i] < 0 and bad[i + 1] < 0:
                    _em_linear_d2x2(Al, cl, Gl, m, bsign, dt, sdt, x, states, i, n_blocks,
                                    block_len, last_len, step0, out, bad)
                    i += 2
                    continue
                if bad[i] < 0:
                    _em_linear_d2(Al, cl, Gl, m, bsign, dt, sdt, x, states, i, n_blocks,
                                  block_len, last_len, step0, out, bad)
                i += 1
        else:
            X, Y, B = np.zeros((d, P)), np.zeros((d, P)), np.zeros((d, P))
            W, S = np.zeros((m, P)), np.zeros((P, 4), dtype=np.uint64)
            for pb in range(task * per, min(n_pb, (task + 1) * per)):
                lo = pb * P
                _em_linear_block(Al, cl, Gl, bsign, dt, sdt, x, states, lo, min(n, lo + P),
                                 n_blocks, block_len, last_len, step0, out, bad, X, Y, B, W, S)


@jit
def em_draw_rows(XZ, d, lo, hi, states, bad, frozen, k_prev, sdt, draw):
    """Step-outer EM (BLAS path) on one block of paths lo..hi−1, rows 0..hi−lo−1 of XZ:
    check each state row XZ[p, :d] left by step ``k_prev`` (a first non-finite one sets
    bad[i] = k_prev and freezes the row into frozen[i]); then, if ``draw``, write √Δt ξ of the
    next step into XZ[p, d:] from the path's own stream (the generic kernel's order), or 0
    for a dead path. Serial (nogil): the driver runs blocks on threads."""
    m = XZ.shape[1] - d
    for i in range(lo, hi):
        p = i - lo
        if bad[i] < 0:
            ok = True
            for r in range(d):
                ok &= abs(XZ[p, r]) < math.inf
            if not ok:
                bad[i] = k_prev
                for r in range(d):
                    frozen[i, r] = XZ[p, r]
        if draw:
            if bad[i] < 0:
                s0, s1, s2, s3 = states[i, 0], states[i, 1], states[i, 2], states[i, 3]
                for j in range(m):
                    z, s0, s1, s2, s3 = rng_normal4(s0, s1, s2, s3)
                    XZ[p, d + j] = sdt * z
                states[i, 0], states[i, 1], states[i, 2], states[i, 3] = s0, s1, s2, s3
            else:
                for j in range(m):
                    XZ[p, d + j] = 0.0
