"""Benchmarks of the deep-net analysis room: D spectrum and Lanczos Hessian extremes.

Run: ``python benchmarks/bench_analysis.py [--quick]``. Prints medians (of ``--repeat``
runs) and ratios measured in the same run against floors:

- D spectrum (a ~50k-parameter net, 784-64-10, from N = 10^4 samples): the network
  path ``noise_spectrum_net`` (per-layer Gram (A Aᵀ + 1)∘(Δ Δᵀ), no N x P matrix; its
  cost is ``eigh`` of the N x N Gram) in float64 and float32, side by side with the
  explicit-G paths (nn.per_sample_grads + Gram eigh; + thin SVD for N ≤ 4000), with the
  eigenvalue agreement and CPU time (process_time) next to the wall time;
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
from deeprelax.analysis._noise import noise_spectrum, noise_spectrum_net
from deeprelax.analysis._spectra import lanczos_extremes


def _median(f, repeat):
    """Median wall time of ``repeat`` calls (the CPU time of the last call in ``_median.cpu``)."""
    ts, out = [], None
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        out = f()
        ts.append(time.perf_counter() - t)
        _median.cpu = time.process_time() - c
    return float(np.median(ts)), out


def bench_noise(N: int, repeat: int, old_paths: bool = True) -> list[tuple[str, float, str]]:
    """D spectrum of 784-64-10 (50,890 parameters) from N samples: the network path
    (per-layer Gram, no N x P matrix) in float64 and float32, against the explicit-G
    paths (per-sample gradients + SVD / + Gram eigh)."""
    rng = np.random.default_rng(0)
    model = nn.mlp((1, 28, 28), (64,), 10)
    x = model.init(0)
    X = rng.standard_normal((N, 1, 28, 28))
    y = rng.integers(0, 10, N)
    rows = []
    t64, s64 = _median(lambda: noise_spectrum_net(model, x, X, y, method="layer_gram"), repeat)
    c64 = _median.cpu
    rows.append((f"layer Gram float64, N={N} P={model.dim}", t64, f"cpu {c64:.1f} s; "
                 f"rank(paper) = {s64.rank('paper')}"))
    t32, s32 = _median(lambda: noise_spectrum_net(model, x, X, y, method="layer_gram", dtype="float32"),
                       repeat)
    err = float(np.max(np.abs(s32.eigenvalues - s64.eigenvalues)) / s64.eigenvalues[0])
    rows.append(("layer Gram float32", t32, f"cpu {_median.cpu:.1f} s; max|dλ|/λmax = {err:.1e}; "
                 f"rank(paper) = {s32.rank('paper')}"))
    if not old_paths:
        return rows
    t_g, G = _median(lambda: nn.per_sample_grads(model, x, X, y), repeat)
    rows.append(("explicit per-sample grads (N x P)", t_g, f"cpu {_median.cpu:.1f} s; "
                 f"{G.nbytes / 2**30:.1f} GiB"))
    t_gram, sg = _median(lambda: noise_spectrum(G, method="gram"), repeat)
    c_gram = _median.cpu
    dev = float(np.max(np.abs(sg.eigenvalues[:N] - s64.eigenvalues)) / s64.eigenvalues[0])
    rows.append(("explicit G + Gram eigh (old)", t_g + t_gram, f"cpu {c_gram:.1f} s (eigh part); "
                 f"vs layer Gram max|dλ|/λmax = {dev:.1e}"))
    if N <= 4000:  # gesdd of a 10^4 x 5e4 matrix takes many minutes on 2 cores
        t_svd, _ = _median(lambda: noise_spectrum(G, method="svd"), repeat)
        rows.append(("explicit G + thin SVD (old)", t_g + t_svd, f"cpu {_median.cpu:.1f} s (SVD part)"))
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
    ap.add_argument("--new-only", action="store_true", help="only the layer-Gram rows")
    a = ap.parse_args()
    N = 2000 if a.quick else 10_000
    print(f"machine: {os.cpu_count()} cpus; numpy {np.__version__}")
    t = time.perf_counter()
    nn.per_sample_grads(nn.mlp((4,), (3,), 2), nn.mlp((4,), (3,), 2).init(0), np.ones((2, 4)),
                        np.array([0, 1]))
    print(f"warm-up / compile: {time.perf_counter() - t:.2f} s (no Numba kernels on these paths)")
    for title, bench in (("D spectrum", lambda: bench_noise(N, a.repeat, not a.new_only)),
                         ("Lanczos top-20", lambda: bench_lanczos(4096, a.repeat))):
        rows = bench()
        print(f"\n{title}\n{'case':<45}{'median s':>10}  ratio / notes", flush=True)
        for name, sec, ratio in rows:
            print(f"{name:<45}{sec:>10.3f}  {ratio}", flush=True)


if __name__ == "__main__":
    main()
