"""The optimizer core's own arithmetic per step at d = 10⁶, side by side with ``torch.optim``.

The objective returns a precomputed gradient (no work), so every time is the
optimizer's vector arithmetic per gradient evaluation (plus the Python around it).
Contenders run **interleaved**: each round times every contender once (a block of
``--inner`` calls), and the table reports the **minimum over rounds**, so load from other
jobs on the shared machine hits all contenders alike and the least-disturbed round counts.
Two clocks: the thread's CPU time (``time.thread_time``: immune to the scheduler handing
the core to another job mid-block, which on the shared 2-core machine inflates wall
times 2–5×; every contender is single-threaded) — the ratios use it — and wall time.
Floors: one BLAS ``daxpy`` (read x, g, write x: the memory traffic of an SGD step) and
numpy's ``x -= lr * g``. Peers: ``torch.optim`` SGD / momentum / Nesterov / Adam (the
library's defaults, one thread) and an Entropy-SGD inner step written with torch's
in-place operators as in the reference PyTorch port. torch is optional (install it in the
``.bench-venv`` of BENCHMARKS.md); without it the peer rows are skipped.

Compile time of the Numba accelerators (``deeprelax.optim._accel``) is reported
separately: the first call of each optimizer in a fresh process, minus a warm call.

``--before PACKAGE`` adds interleaved rows for an older copy of the package importable
under another name (the "before" column of BENCHMARKS.md), e.g.::

    mkdir -p /tmp/before && git archive 3878162 deeprelax | tar -x -C /tmp/before
    mv /tmp/before/deeprelax /tmp/before/deeprelax_before
    PYTHONPATH=/tmp/before python benchmarks/bench_optim.py --before deeprelax_before

Run: ``OPENBLAS_NUM_THREADS=1 python benchmarks/bench_optim.py [--dim 1000000] [--rounds 15]``
"""

from __future__ import annotations

import argparse
import os
import platform
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before numpy loads: one BLAS thread, like torch below

import numpy as np  # noqa: E402
from scipy.linalg.blas import daxpy  # noqa: E402

from deeprelax.optim import (  # noqa: E402
    InnerLoop,
    adam,
    elastic_sgd,
    entropy_sgd,
    hopf_lax_sgd,
    minimize,
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


def stepper(opt, obj, x0):
    """A closure doing one optimizer step on a private state."""
    box = {"s": opt.init(x0.copy())}
    rng = np.random.default_rng(0)

    def one():
        box["s"], _ = opt.step(box["s"], obj, rng)

    return one


def inner_stepper(loop, x0, obj, gamma=0.03):
    rng = np.random.default_rng(0)
    return lambda: loop.run(x0, gamma, lambda xp_: obj.loss_and_grad(xp_, rng),
                            lambda shape, like: rng.standard_normal(shape))


def torch_contenders(x0: np.ndarray, g: np.ndarray, L: int) -> dict:
    import torch

    torch.set_num_threads(1)
    out = {}

    def opt_step(cls, **kw):
        p = torch.nn.Parameter(torch.from_numpy(x0.copy()))
        p.grad = torch.from_numpy(g.copy())
        return cls([p], **kw).step

    out["torch: SGD"] = (opt_step(torch.optim.SGD, lr=0.1), 1)
    out["torch: SGD momentum 0.9"] = (opt_step(torch.optim.SGD, lr=0.1, momentum=0.9), 1)
    out["torch: SGD nesterov 0.9"] = (opt_step(torch.optim.SGD, lr=0.1, momentum=0.9, nesterov=True), 1)
    out["torch: Adam"] = (opt_step(torch.optim.Adam, lr=1e-3), 1)
    # The inner loop of the Entropy-SGD PyTorch port, in place: dw = g + γ(x′ − x),
    # x′ ← x′ − η′ dw, μ ← (1 − α)μ + αx′ (ε = 0), L steps per call as deeprelax's row.
    wc = torch.from_numpy(x0.copy())
    gt = torch.from_numpy(g.copy())
    st = {"w": wc.clone(), "mw": wc.clone(), "dw": torch.empty_like(wc)}

    def torch_inner():
        w, mw, dw = st["w"].copy_(wc), st["mw"].copy_(wc), st["dw"]
        for _ in range(L):
            torch.sub(w, wc, out=dw)
            dw.mul_(0.03).add_(gt)
            w.add_(dw, alpha=-0.1)
            mw.mul_(0.25).add_(w, alpha=0.75)

    out["torch: entropy-sgd inner step (port, eps=0)"] = (torch_inner, L)
    return out


def before_contenders(package: str, x0: np.ndarray, obj: FreeGradient, L: int) -> dict:
    """The same optimizers from an older copy of the package (importable as ``package``)."""
    import importlib

    old = importlib.import_module(f"{package}.optim")
    c = {"before: sgd": (stepper(old.sgd(0.1), obj, x0), 1),
         "before: sgd momentum 0.9": (stepper(old.sgd(0.1, 0.9), obj, x0), 1),
         "before: sgd nesterov 0.9": (stepper(old.sgd(0.1, 0.9, True), obj, x0), 1),
         "before: adam": (stepper(old.adam(1e-3), obj, x0), 1)}
    loop = old.InnerLoop(L, 0.1, noise=0.0, alpha=0.75)
    c["before: entropy-sgd inner step, eps=0, alpha=0.75"] = (inner_stepper(loop, x0, obj), L)
    c[f"before: entropy-sgd outer step / L (L={L}, eps=0)"] = (
        stepper(old.entropy_sgd(1.0, 0.03, n_inner=L, noise=0.0), obj, x0), L)
    return c


def contenders(d: int, L: int, before: str | None) -> dict:
    """name -> (callable doing one unit, gradient evaluations per unit)."""
    rng = np.random.default_rng(0)
    g = rng.standard_normal(d)
    x0 = rng.standard_normal(d)
    obj = FreeGradient(g)
    xf = x0.copy()
    c = {
        "floor: BLAS daxpy": (lambda: daxpy(g, xf, a=-0.1), 1),
        "floor: numpy x -= lr*g": (lambda: xf.__isub__(0.1 * g), 1),
        "sgd": (stepper(sgd(0.1), obj, x0), 1),
        "sgd momentum 0.9": (stepper(sgd(0.1, 0.9), obj, x0), 1),
        "sgd nesterov 0.9": (stepper(sgd(0.1, 0.9, True), obj, x0), 1),
        "adam": (stepper(adam(1e-3), obj, x0), 1),
    }
    for label, kw in [("eps=0, alpha=0.75", dict(noise=0.0)),
                      ("eps=0, alpha=1 (HJ)", dict(noise=0.0, alpha=1.0)),
                      ("nesterov 0.9, eps=0", dict(noise=0.0, momentum=0.9, nesterov=True)),
                      ("eps=1e-4 (normal draw)", dict(noise=1e-4))]:
        loop = InnerLoop(L, 0.1, **{"alpha": 0.75, **kw})
        c[f"entropy-sgd inner step, {label}"] = (inner_stepper(loop, x0, obj), L)
    c[f"entropy-sgd outer step / L (L={L}, eps=0)"] = (
        stepper(entropy_sgd(1.0, 0.03, n_inner=L, noise=0.0), obj, x0), L)
    c["hopf-lax / (L+1) (L=10)"] = (stepper(hopf_lax_sgd(0.1, 1.0, n_inner=10), obj, x0), 11)
    c["sam(sgd) / 2"] = (stepper(sam(sgd(0.1), 0.05), obj, x0), 2)
    c["elastic-sgd (n=3) / n"] = (stepper(elastic_sgd(0.1, 1.0, n_replicas=3), obj, x0), 3)
    c["minimize(sgd) loop, per step (50 steps)"] = (
        lambda: minimize(sgd(0.1), obj, x0, n_steps=50, seed=0), 50)
    if before:
        c.update(before_contenders(before, x0, obj, L))
    try:
        c.update(torch_contenders(x0, g, L))
    except ImportError:
        print("(torch not installed: peer rows skipped; use the .bench-venv of BENCHMARKS.md)")
    return c


def compile_times(d: int) -> dict:
    """First call minus a warm call, per optimizer, in this (fresh) process."""
    rng = np.random.default_rng(1)
    g, x0 = rng.standard_normal(d), rng.standard_normal(d)
    obj = FreeGradient(g)
    out = {}
    for name, opt in [("sgd", sgd(0.1)), ("sgd momentum", sgd(0.1, 0.9)), ("adam", adam(1e-3)),
                      ("entropy_sgd", entropy_sgd(1.0, 0.03, n_inner=2, noise=0.0))]:
        one = stepper(opt, obj, x0)
        t0 = time.perf_counter()
        one()
        first = time.perf_counter() - t0
        t0 = time.perf_counter()
        one()
        out[name] = first - (time.perf_counter() - t0)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dim", type=int, default=1_000_000)
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--inner", type=int, default=3, help="calls per timed block")
    ap.add_argument("--L", type=int, default=20)
    ap.add_argument("--before", default=None, help="an older copy of deeprelax, importable under this name")
    a = ap.parse_args()
    comp = compile_times(1000)
    c = contenders(a.dim, a.L, a.before)
    best = {k: float("inf") for k in c}
    wall = {k: float("inf") for k in c}
    for fn, _ in c.values():
        fn()  # warm-up (compiles, first-touch page faults)
    for _ in range(a.rounds):
        for name, (fn, per) in c.items():
            t0, w0 = time.thread_time(), time.perf_counter()
            for _ in range(a.inner):
                fn()
            best[name] = min(best[name], (time.thread_time() - t0) / (a.inner * per))
            wall[name] = min(wall[name], (time.perf_counter() - w0) / (a.inner * per))
    print(f"# d = {a.dim}, L = {a.L}, {a.rounds} interleaved rounds x {a.inner} calls, min per contender; "
          f"numpy {np.__version__}, {platform.processor() or platform.machine()}, "
          f"load average {os.getloadavg()[0]:.1f} (shared machine)")
    print("# compile (first call - warm call, s): " + ", ".join(f"{k} {v:.2f}" for k, v in comp.items()))
    floor = best["floor: BLAS daxpy"]
    peer = {"sgd": "torch: SGD", "sgd momentum 0.9": "torch: SGD momentum 0.9",
            "sgd nesterov 0.9": "torch: SGD nesterov 0.9", "adam": "torch: Adam",
            "entropy-sgd inner step, eps=0, alpha=0.75": "torch: entropy-sgd inner step (port, eps=0)"}
    peer.update({f"before: {k}": v for k, v in peer.items()})
    print(f"{'operation (per gradient evaluation)':52s} {'cpu ms':>8s} {'wall ms':>8s} {'/ daxpy':>8s} "
          f"{'/ torch':>8s}")
    for name, t in best.items():
        p = peer.get(name)
        ratio = f"{t / best[p]:8.2f}" if p in best else f"{'':8s}"
        print(f"{name:52s} {1e3 * t:8.3f} {1e3 * wall[name]:8.3f} {t / floor:8.2f} {ratio}")


if __name__ == "__main__":
    main()
