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

__all__ = [
    "SCHEME_CODES",
    "integrate_additive",
    "integrate_diagonal",
    "integrate_general",
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
