"""Registered accelerators of :func:`~deeprelax.sde.sdeint`: speed-only variants of the generic kernels.

The maths of every scheme lives once, in the generic ensemble kernels of :mod:`._kernels`.
The variants here run the one case that dominates the papers' experiments faster —
Euler–Maruyama (= Milstein for additive noise, = the SGD map) with additive noise, a
*declared* linear drift b = bsign·(−A(x − c)) (``SDE.linear``: :func:`langevin` on a
quadratic, :func:`ornstein_uhlenbeck`) and the per-path streams. Each is registered in
:data:`SDE_ACCELERATORS` with

- the properties under which it applies (noise class, drift kind, scheme code, where the
  increments come from, the dimension) — values :func:`sdeint` computes from the problem,
  never object identity or a module flag;
- its equality with the generic kernel: ``em_linear`` does the generic kernel's
  arithmetic in the same order (bitwise); ``em_blas`` sums the drift and the noise in one
  BLAS GEMM (round-off);
- its measured gain (``BENCHMARKS.md``, SDE section).

Every registered kernel has the generic kernels' call signature
``(sp, bk, bp, gk, gp, G, x, states, dW, dZ, out, bad)``; ``tests/sde/test_accelerators.py``
checks each against the generic kernel, and ``SDE_ACCELERATORS.disabled()`` (the
``no_accelerators`` fixture) switches them off.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._core import get_num_threads, jit, prange
from .._core._accel import Accelerator, AtLeast, Registry
from .._core._rng import rng_normal4
from ._kernels import ADDITIVE, EULER_MARUYAMA, MILSTEIN

__all__ = ["SDE_ACCELERATORS", "EM_PATH_BLOCK", "BLAS_MIN_DIM", "BLAS_BLOCK", "integrate_em_linear"]

#: Accelerators of the ensemble kernel, in order of preference. Properties: ``noise`` (code),
#: ``drift`` ("linear" when declared linear, else "kernel"), ``scheme`` (code), ``increments``
#: ("streams" or "given"), ``dim``.
SDE_ACCELERATORS = Registry("sdeint", ("noise", "drift", "scheme", "increments", "dim"))

#: From this dimension on the linear EM is step-outer: per step one BLAS GEMM
#: [X Ξ] @ [[I − sΔt Aᵀ], [Gᵀ]] per block of BLAS_BLOCK paths (normals drawn from each
#: path's stream). BLAS sums in its own order, so these results agree with the generic
#: kernel to round-off only; the blocks have a fixed size (the last one padded), so a
#: path's result does not depend on the thread count, the chunking or the ensemble size.
BLAS_MIN_DIM = 16
BLAS_BLOCK = 64


# ------------------------------------------------------------------ em_linear: path-inner, d < 16
# Euler–Maruyama (= Milstein) with additive noise and the linear drift b = s·(−A(x − c))
# (langevin on a quadratic, ornstein_uhlenbeck), drawing from the streams. One compiled
# specialisation (no kernel arguments). Every path does exactly the arithmetic of
# ensemble_additive in the same order (b from 0 by j, x + bΔt, then + G[:, j]·(√Δt ξⱼ) by
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
    the order of ensemble_additive: from 0 subtracting A[r, j]·y_j by j, ×s, x + bΔt, then
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
            # both chains are computed every step (branch-free), but a dead path neither draws
            # nor stores: its state and stream stay where it went non-finite
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
def integrate_em_linear(sp, bp, G, x, states, out, bad):
    """Euler–Maruyama with additive noise, the declared linear drift b = bsign·(−A(x − c)),
    ``bp = [A (row-major), c]``, and the streams.

    Same results (bit for bit) as ensemble_additive with scheme EULER_MARUYAMA, linear,
    use_dw False. Paths are split into tasks of whole EM_PATH_BLOCK blocks (the split
    changes no result).
    """
    n, d = x.shape
    m = G.shape[1]
    bsign, dt, sdt = sp.bsign, sp.dt, sp.sdt
    n_blocks, block_len, last_len, step0 = sp.n_blocks, sp.block_len, sp.last_len, sp.step0
    P = EM_PATH_BLOCK
    n_pb = (n + P - 1) // P
    n_tasks = min(n_pb, max(1, sp.n_tasks))
    per = (n_pb + n_tasks - 1) // n_tasks
    for task in prange(n_tasks):
        Al, cl, Gl = bp[:d * d].copy(), bp[d * d:d * d + d].copy(), G.copy()
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


# ------------------------------------------------------------------ em_blas: step-outer GEMM, d ≥ 16
def em_blas(sp: Any, bk: Any, bp: np.ndarray, gk: Any, gp: np.ndarray, G: np.ndarray, x: np.ndarray,
            states: np.ndarray, dW: Any, dZ: Any, out: np.ndarray, bad: np.ndarray) -> None:
    """Step-outer Euler–Maruyama for additive noise and the declared linear drift.

    Advances x (n, d) in place like integrate_em_linear (same streams, saves, bad steps and
    frozen non-finite paths). Each block of BLAS_BLOCK paths runs all the steps of the call
    on its own (draw its normals, one GEMM [X Ξ] @ W), blocks spread over
    ``get_num_threads()`` Python threads with BLAS itself held to one thread (threadpoolctl,
    when installed), so the two thread pools do not fight over the cores.
    """
    n, d = x.shape
    m = G.shape[1]
    Pb = BLAS_BLOCK
    bsign, dt = sp.bsign, sp.dt
    Am, c = bp[:d * d].reshape(d, d), bp[d * d:d * d + d]
    # paths as rows: x_row + sΔt·(−A x)ᵀ + (GΔW)ᵀ = [x_row, ΔW_row] @ [[I − sΔt Aᵀ], [Gᵀ]],
    # so one GEMM of the block's (x, √Δt ξ) rows advances every path of the block
    W = np.vstack([np.eye(d) - (bsign * dt) * Am.T, G.T])  # (d + m, d)
    shift = (bsign * dt) * (Am @ c) if np.any(c != 0.0) else None  # x + sΔt·(−A(x − c))
    frozen = np.empty((n, d))
    lens = [sp.block_len if blk < sp.n_blocks - 1 else sp.last_len for blk in range(sp.n_blocks)]

    def run_block(lo: int) -> None:
        with np.errstate(all="ignore"):  # a blown-up path overflows; it is reported, not warned
            _run_block(lo)

    def _run_block(lo: int) -> None:
        hi = min(n, lo + Pb)
        cur, nxt, tmp = np.zeros((Pb, d + m)), np.zeros((Pb, d + m)), np.empty((Pb, d))
        cur[:hi - lo, :d] = x[lo:hi]
        k = sp.step0
        for blk, nb in enumerate(lens):
            for _ in range(nb):
                # the rows hold the state after global step k − 1: a non-finite one is
                # recorded as bad = k − 1 (the step that produced it, as the generic kernel
                # does) and its row frozen, since the GEMM keeps propagating it afterwards
                em_draw_rows(cur, d, lo, hi, states, bad, frozen, k - 1, sp.sdt, True)
                np.matmul(cur, W, out=tmp)  # contiguous operands: one BLAS dgemm
                if shift is not None:
                    tmp += shift
                nxt[:, :d] = tmp
                cur, nxt = nxt, cur
                k += 1
            em_draw_rows(cur, d, lo, hi, states, bad, frozen, k - 1, sp.sdt, False)
            out[blk, lo:hi] = cur[:hi - lo, :d]
            dead = np.flatnonzero(bad[lo:hi] >= 0)
            if dead.size:
                out[blk, lo + dead] = frozen[lo + dead]
        x[lo:hi] = out[sp.n_blocks - 1, lo:hi]

    starts = list(range(0, n, Pb))
    n_threads = max(1, min(get_num_threads(), len(starts)))
    with _blas_one_thread():
        if n_threads == 1:
            for lo in starts:
                run_block(lo)
        else:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(n_threads) as ex:
                list(ex.map(run_block, starts))


def _blas_one_thread() -> Any:
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - results are the same, only slower
        from contextlib import nullcontext

        return nullcontext()
    return threadpool_limits(1, user_api="blas")


def em_linear(sp: Any, bk: Any, bp: np.ndarray, gk: Any, gp: np.ndarray, G: np.ndarray, x: np.ndarray,
              states: np.ndarray, dW: Any, dZ: Any, out: np.ndarray, bad: np.ndarray) -> None:
    """:func:`integrate_em_linear` behind the generic kernels' signature (no function arguments,
    so one cached specialisation serves every linear SDE)."""
    integrate_em_linear(sp, bp, G, x, states, out, bad)


# Milstein's correction vanishes for additive noise, so its step is Euler–Maruyama's.
_LINEAR_EM = {"noise": (ADDITIVE,), "drift": ("linear",), "scheme": (EULER_MARUYAMA, MILSTEIN),
              "increments": ("streams",)}
# em_blas is registered first: the registry takes the first that applies, and em_linear
# (no dimension requirement) would otherwise take d ≥ BLAS_MIN_DIM as well.
SDE_ACCELERATORS.register(Accelerator(
    "em_blas", {**_LINEAR_EM, "dim": AtLeast(BLAS_MIN_DIM)}, {"ensemble": em_blas}, "roundoff",
    "BENCHMARKS.md, SDE: EM d = 100 vs the GEMM floor"))
SDE_ACCELERATORS.register(Accelerator(
    "em_linear", _LINEAR_EM, {"ensemble": em_linear}, "bitwise",
    "BENCHMARKS.md, SDE: EM d = 2 and 10 vs the normals floor"))
