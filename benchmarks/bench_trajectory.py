"""Benchmark of the network trajectory engine (``deeprelax.nn.sgd_trajectory``).

Run: ``python benchmarks/bench_trajectory.py [--n 10000] [--epochs 3] [--repeat 3]``.
Per-epoch wall and CPU time (process_time) of one epoch of N samples, b = 128, for:
the compiled tiny-fc accelerator and the generic driver (``Sequential.loss_and_grad``)
on the same network, the generic driver on tiny-fc with batch norm, and the full-gradient
controls (full-batch GD) exact (k = 1) and thinned (∇f every k = 10 steps). Each epoch
includes the per-epoch full-loss diagnostic. Inputs are random 7×7 images (timing only).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from deeprelax import nn


def per_epoch(model, X, y, x0, epochs: int, repeat: int, **kw) -> tuple[float, float]:
    """Median wall and CPU seconds per epoch over ``repeat`` runs of ``epochs`` epochs."""
    nn.sgd_trajectory(model, X[:256], y[:256], x0, n_epochs=1, burn_in=0, record=[0],
                      **{k: v for k, v in kw.items() if k != "batch_size"}, batch_size=64)  # compile
    walls, cpus = [], []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        nn.sgd_trajectory(model, X, y, x0, n_epochs=epochs, burn_in=0, record=[0], **kw)
        walls.append((time.perf_counter() - t) / epochs)
        cpus.append((time.process_time() - c) / epochs)
    return float(np.median(walls)), float(np.median(cpus))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    rng = np.random.default_rng(0)
    X = rng.standard_normal((a.n, 1, 7, 7))
    y = rng.integers(0, 5, a.n)
    plain, bn = nn.tiny_fc(batch_norm=False), nn.tiny_fc()
    cases = [
        ("SGD, tiny-fc (885), compiled accelerator", plain, dict(engine="compiled")),
        ("SGD, tiny-fc (885), generic driver", plain, dict(engine="generic")),
        ("SGD, tiny-fc + BN (917), generic driver", bn, dict()),
        ("full-batch GD, tiny-fc, compiled, k = 1", plain, dict(noise="none")),
        ("full-batch GD, tiny-fc, compiled, k = 10", plain, dict(noise="none", full_grad_every=10)),
        ("full-batch GD, tiny-fc, generic, k = 10", plain,
         dict(noise="none", full_grad_every=10, engine="generic")),
    ]
    print(f"N = {a.n}, b = 128, {a.epochs} epochs x {a.repeat} repeats; seconds per epoch")
    print(f"{'case':48s} {'wall':>9s} {'cpu':>9s}")
    for name, model, kw in cases:
        w, c = per_epoch(model, X, y, model.init(0), a.epochs, a.repeat, lr=0.01, batch_size=128, **kw)
        print(f"{name:48s} {w:9.4f} {c:9.4f}", flush=True)


if __name__ == "__main__":
    main()
