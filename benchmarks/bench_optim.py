"""Per-step vector arithmetic of each optimizer over the gradient evaluations it needs (d = 10⁶).

The objective returns a precomputed gradient (no work), so the time measured is the
optimizer's own arithmetic per gradient evaluation. Ratios are against an SGD step of
the same library and against the floor (one in-place axpy ``x -= lr * g`` and BLAS
daxpy), all measured in this run; PyTorch's ``torch.optim.SGD`` is timed when torch is
installed. The optimizer core is not jitted: there is no compile time to report.

Run: ``python benchmarks/bench_optim.py [--dim 1000000] [--repeat 15]``
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

import numpy as np
from scipy.linalg.blas import daxpy

from deeprelax.optim import (
    InnerLoop,
    adam,
    elastic_sgd,
    entropy_sgd,
    hopf_lax_sgd,
    sam,
    sgd,
)


class FreeGradient:
    """An objective whose gradient costs nothing: the same precomputed array every call."""

    def __init__(self, g: np.ndarray) -> None:
        self.g, self.dim, self.batch_size, self.n_samples = g, g.size, 1, None

    def loss_and_grad(self, x, rng):
        return 0.0, self.g

    def loss_and_grad_batch(self, X, rng):
        return np.zeros(X.shape[0]), np.broadcast_to(self.g, X.shape)

    def full_loss(self, x):
        return 0.0


def median_time(fn, repeat: int, inner: int = 1) -> float:
    fn()
    ts = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        ts.append((time.perf_counter() - t0) / inner)
    return statistics.median(ts)


def step_time(opt, obj, x0, repeat: int, evals_per_step: int) -> float:
    state = opt.init(x0)
    rng = np.random.default_rng(0)
    box = {"s": state}

    def one():
        box["s"], _ = opt.step(box["s"], obj, rng)

    return median_time(one, repeat) / evals_per_step


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dim", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--L", type=int, default=20)
    a = ap.parse_args()
    d, L, rep = a.dim, a.L, a.repeat
    rng = np.random.default_rng(0)
    g = rng.standard_normal(d)
    x0 = rng.standard_normal(d)
    obj = FreeGradient(g)
    rows: list[tuple[str, float]] = []

    xf = x0.copy()
    rows.append(("floor: x -= lr*g (numpy, in place)", median_time(lambda: xf.__isub__(0.1 * g), rep)))
    rows.append(("floor: BLAS daxpy", median_time(lambda: daxpy(g, xf, a=-0.1), rep)))
    rows.append(("floor: draw d normals (numpy)", median_time(lambda: rng.standard_normal(d), rep)))
    rows.append(("sgd", step_time(sgd(0.1), obj, x0, rep, 1)))
    rows.append(("sgd nesterov 0.9", step_time(sgd(0.1, 0.9, True), obj, x0, rep, 1)))
    rows.append(("adam", step_time(adam(1e-3), obj, x0, rep, 1)))
    for label, kw in [("inner step, eps=0, alpha=0.75", dict(noise=0.0)),
                      ("inner step, eps=0, alpha=1 (HJ)", dict(noise=0.0, alpha=1.0)),
                      ("inner step, nesterov 0.9, eps=0", dict(noise=0.0, momentum=0.9,
                                                             nesterov=True)),
                      ("inner step, eps=1e-4 (noise draw)", dict(noise=1e-4))]:
        loop = InnerLoop(L, 0.1, **{"alpha": 0.75, **kw})

        def run_inner(loop=loop):
            loop.run(x0, 0.03, lambda xp_: obj.loss_and_grad(xp_, rng),
                     lambda shape, like: rng.standard_normal(shape))

        rows.append((f"entropy-sgd {label}", median_time(run_inner, rep) / L))
    rows.append((f"entropy-sgd full outer step / L (L={L}, eps=0)",
                 step_time(entropy_sgd(1.0, 0.03, n_inner=L, noise=0.0), obj, x0, rep, L)))
    rows.append(("hopf-lax fixed point / (L+1)", step_time(hopf_lax_sgd(0.1, 1.0, n_inner=10),
                                                           obj, x0, rep, 11)))
    rows.append(("sam(sgd) / 2", step_time(sam(sgd(0.1), 0.05), obj, x0, rep, 2)))
    n = 3
    rows.append((f"elastic-sgd (n={n}) / n", step_time(elastic_sgd(0.1, 1.0, n_replicas=n), obj,
                                                       x0, rep, n)))
    try:
        import torch

        torch.set_num_threads(1)
        p = torch.nn.Parameter(torch.from_numpy(x0.copy()))
        p.grad = torch.from_numpy(g.copy())
        for label, kw in [("peer: torch.optim.SGD", {}),
                          ("peer: torch.optim.SGD nesterov 0.9", dict(momentum=0.9, nesterov=True))]:
            o = torch.optim.SGD([p], lr=0.1, **kw)
            rows.append((label, median_time(o.step, rep)))
    except ImportError:
        print("(torch not installed: peer rows skipped)")

    base = dict(rows)["sgd"]
    floor = dict(rows)["floor: x -= lr*g (numpy, in place)"]
    print(f"# d = {d}, L = {L}, repeat = {rep}, numpy {np.__version__}, {platform.processor()}")
    print(f"{'operation (per gradient evaluation)':52s} {'median ms':>10s} {'/ sgd':>7s} {'/ floor':>8s}")
    for name, t in rows:
        print(f"{name:52s} {1e3 * t:10.3f} {t / base:7.2f} {t / floor:8.2f}")


if __name__ == "__main__":
    main()
