"""Benchmark of the char-LSTM: training throughput (characters/s, forward + backward).

Run:  python benchmarks/bench_lstm.py [--threads N] [--repeats R] [--quick]

The model is the authors' char-LSTM layout (:func:`deeprelax.nn.char_lstm`: embedding
(V = 83, E = 64) → L × LSTM(H) → batch norm over the n·T positions → linear → mean
softmax cross-entropy), float32, one stateful batch of n streams × T = 50 steps with a
carried initial state. One step = the loss and the gradient of every weight
(``RecurrentNet.loss_and_grad``) against PyTorch CPU on the same network
(``nn.Embedding``, ``nn.LSTM(batch_first=True)``, ``nn.BatchNorm1d`` on the
``(n·T, H)`` rows, ``nn.Linear``, ``F.cross_entropy``; ``loss.backward()`` with the
gradients zeroed by ``set_to_none``) when torch is installed (a separate benchmark
environment: ``pip install torch==2.13.0``; never a dependency).

Timings are interleaved round-robin (deeprelax, torch, deeprelax, ...) and the median is
taken, so load changes on a shared machine hit both alike; ratios are measured within one
run. BLAS, Numba and torch use the same thread count (``--threads``).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time


def _threads_from_argv(argv: list[str]) -> int:
    for i, a in enumerate(argv):
        if a == "--threads" and i + 1 < len(argv):
            return int(argv[i + 1])
        if a.startswith("--threads="):
            return int(a.split("=", 1)[1])
    return 1


# thread counts must be set before numpy (and its BLAS) is imported
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ[_var] = str(_threads_from_argv(sys.argv))

import numpy as np  # noqa: E402

V, E, T = 83, 64, 50
CASES = [(1, 128, 64), (1, 128, 128), (2, 128, 64), (2, 128, 128)]   # (layers, H, n)


def deeprelax_step(L: int, H: int, n: int):
    from deeprelax import nn

    m = nn.char_lstm(V, n_layers=L, hidden=H, embedding=E, batch_norm=True)
    x = m.init(0, dtype=np.float32)
    rng = np.random.default_rng(0)
    X, Y = rng.integers(0, V, (n, T)), rng.integers(0, V, (n, T))
    state = [(0.1 * rng.standard_normal((n, h)).astype(np.float32),
              0.1 * rng.standard_normal((n, h)).astype(np.float32)) for h in m.hidden]
    g = np.empty_like(x)

    def step() -> float:
        loss, _, _ = m.loss_and_grad(x, X, Y, state, out=g)
        return loss

    return step


def torch_step(L: int, H: int, n: int):
    import torch
    import torch.nn.functional as F

    torch.manual_seed(0)

    class Net(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.emb = torch.nn.Embedding(V, E)
            self.lstms = torch.nn.ModuleList([torch.nn.LSTM(E if i == 0 else H, H, batch_first=True)
                                              for i in range(L)])
            self.bns = torch.nn.ModuleList([torch.nn.BatchNorm1d(H) for _ in range(L)])
            self.out = torch.nn.Linear(H, V)

        def forward(self, X, states):
            a = self.emb(X)
            for lstm, bn, st in zip(self.lstms, self.bns, states):
                a, _ = lstm(a, st)
                a = bn(a.reshape(-1, H)).reshape(X.shape[0], T, H)
            return self.out(a.reshape(-1, H))

    net = Net()
    rng = np.random.default_rng(0)
    X = torch.from_numpy(rng.integers(0, V, (n, T)))
    Y = torch.from_numpy(rng.integers(0, V, (n, T))).reshape(-1)
    states = [(0.1 * torch.randn(1, n, H), 0.1 * torch.randn(1, n, H)) for _ in range(L)]

    def step() -> float:
        net.zero_grad(set_to_none=True)
        loss = F.cross_entropy(net(X, states), Y)
        loss.backward()
        return float(loss.detach())

    return step


def interleaved(fns: dict, repeats: int, warmup: int = 2) -> dict[str, float]:
    for f in fns.values():
        for _ in range(warmup):
            f()
    ts: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(repeats):
        for k, f in fns.items():
            t = time.perf_counter()
            f()
            ts[k].append(time.perf_counter() - t)
    return {k: float(np.median(v)) for k, v in ts.items()}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--quick", action="store_true", help="one case, 3 repeats (a smoke test)")
    args = ap.parse_args(argv)
    try:
        import torch

        torch.set_num_threads(args.threads)
        have_torch = True
        tv = torch.__version__
    except ImportError:
        have_torch, tv = False, "not installed"
    cases = CASES[:1] if args.quick else CASES
    reps = 3 if args.quick else args.repeats
    print(f"# char-LSTM training step, float32, V={V}, E={E}, T={T}, BN; {args.threads} thread(s); "
          f"numpy {np.__version__}, torch {tv}, {platform.machine()}, "
          f"load {os.getloadavg()[0]:.1f}; median of {reps} interleaved rounds")
    print("| layers x H | batch n x T | deeprelax chars/s | PyTorch chars/s | deeprelax / PyTorch |")
    print("|---|---|---|---|---|")
    for L, H, n in cases:
        fns = {"deeprelax": deeprelax_step(L, H, n)}
        if have_torch:
            fns["torch"] = torch_step(L, H, n)
        t = interleaved(fns, reps)
        chars = n * T
        dr = chars / t["deeprelax"]
        if have_torch:
            tt = chars / t["torch"]
            print(f"| {L}x{H} | {n}x{T} | {dr:,.0f} | {tt:,.0f} | {dr / tt:.2f} |")
        else:
            print(f"| {L}x{H} | {n}x{T} | {dr:,.0f} | - | - |")


if __name__ == "__main__":
    main()
