"""Time the optimizer core on cupy against numpy (d = 10⁶); skips cleanly without cupy or a GPU.

Run: ``python benchmarks/gpu_optim.py [--dim 1000000] [--steps 50]``. The objective is an
exact quadratic gradient written with the array namespace of x, so everything stays on the
device; noise is drawn on the device (Philox, seeded from the numpy generator).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from deeprelax.optim import FunctionObjective, adam, entropy_sgd, minimize, sgd


def objective(xp, d: int) -> FunctionObjective:
    h = xp.linspace(0.5, 2.0, d, dtype=xp.float64)
    return FunctionObjective(lambda x: float(0.5 * xp.sum(h * x * x)), lambda x: h * x, dim=d,
                             noise_std=0.1, batch_size=8)


def timed(xp, opt, d: int, steps: int, sync) -> float:
    obj = objective(xp, d)
    x0 = xp.ones(d, dtype=xp.float64)
    minimize(opt, obj, x0, n_steps=2)
    sync()
    t0 = time.perf_counter()
    minimize(opt, obj, x0, n_steps=steps)
    sync()
    return (time.perf_counter() - t0) / steps


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dim", type=int, default=1_000_000)
    ap.add_argument("--steps", type=int, default=50)
    a = ap.parse_args()
    try:
        import cupy as cp

        cp.cuda.runtime.getDeviceCount()
    except Exception as exc:  # ImportError or a CUDA runtime error: no usable GPU here
        print(f"SKIP: cupy/GPU not available ({type(exc).__name__}: {exc})")
        return
    sync = cp.cuda.Stream.null.synchronize
    print(f"# d = {a.dim}, {a.steps} steps, cupy {cp.__version__}, numpy {np.__version__}")
    print(f"{'optimizer':40s} {'numpy ms/step':>14s} {'cupy ms/step':>13s} {'speed-up':>9s}")
    for name, opt in [("sgd", sgd(0.1)), ("sgd nesterov", sgd(0.1, 0.9, True)),
                      ("adam", adam(1e-3)),
                      ("entropy_sgd L=20 (per outer step)",
                       entropy_sgd(1.0, 0.03, n_inner=20, noise=1e-4))]:
        t_np = timed(np, opt, a.dim, a.steps, lambda: None)
        t_cp = timed(cp, opt, a.dim, a.steps, sync)
        print(f"{name:40s} {1e3 * t_np:14.3f} {1e3 * t_cp:13.3f} {t_np / t_cp:9.1f}")


if __name__ == "__main__":
    main()
