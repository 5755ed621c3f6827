"""Benchmarks of deeprelax.nn: training throughput and per-sample gradients.

Run:  python benchmarks/bench_nn.py [--threads N] [--quick]

1. ``mnistfc`` (784-1024-1024-10, dropout 0.5) training step, batch 128, float32:
   forward + backward + an in-place SGD update, in samples per second, against
   (a) the floor, the same eight GEMMs in numpy alone, and (b) PyTorch CPU on the
   same architecture (``nn.Sequential`` of Linear/ReLU/Dropout, ``cross_entropy``,
   ``torch.optim.SGD``) when torch is installed. Also the full path through
   ``deeprelax.optim.minimize`` (minibatch sampling, float64 <-> float32 casts).
2. Per-sample gradients of ``small_fc`` (3,978 weights) for 10^4 samples: the
   vectorised :func:`deeprelax.nn.per_sample_grads` against a batch-size-1 loop, and
   against ``torch.func.vmap(grad)`` when torch is installed.
3. One Hessian-vector product against one gradient (Pearlmutter's R-op costs ~2-3
   gradients).

Medians over repeats; ratios are measured in the same run. Numba compile time (the
im2col / pooling kernels, cold cache) is reported separately. BLAS and torch use the
same thread count (``--threads``, default 1: on a shared, loaded machine multi-threaded
OpenBLAS can be ~100x slower for these sizes).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable


def _threads_from_argv(argv: list[str]) -> int:
    for i, a in enumerate(argv):
        if a == "--threads" and i + 1 < len(argv):
            return int(argv[i + 1])
        if a.startswith("--threads="):
            return int(a.split("=", 1)[1])
    return 1


# thread counts must be set before numpy (and its BLAS) is imported
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = str(_threads_from_argv(sys.argv))

import numpy as np  # noqa: E402


def _median_time(fn: Callable[[], object], repeats: int, warmup: int = 2) -> float:
    for _ in range(warmup):
        fn()
    ts = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return float(np.median(ts))


def _interleaved(fns: dict[str, Callable[[], object]], repeats: int) -> dict[str, float]:
    """Median seconds of each function, timed round-robin so that load changes on a shared
    machine hit all of them alike (the ratios are what is reported)."""
    for fn in fns.values():
        fn()
        fn()
    ts: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(repeats):
        for k, fn in fns.items():
            t = time.perf_counter()
            fn()
            ts[k].append(time.perf_counter() - t)
    return {k: float(np.median(v)) for k, v in ts.items()}


def _table(rows: list[tuple[str, str, str]]) -> None:
    w = max(len(r[0]) for r in rows)
    for name, val, ratio in rows:
        print(f"  {name:<{w}}  {val:>16}  {ratio}")


def bench_compile() -> float:
    """Seconds to compile the conv/pool kernels from a cold cache (first small_lenet step)."""
    from deeprelax import nn

    m = nn.small_lenet()
    x = m.init(0)
    X = np.random.default_rng(0).standard_normal((8, 1, 28, 28))
    y = np.arange(8) % 10
    t = time.perf_counter()
    m.loss_and_grad(x, X, y, rng=np.random.default_rng(0))
    first = time.perf_counter() - t
    t = time.perf_counter()
    m.loss_and_grad(x, X, y, rng=np.random.default_rng(0))
    return first - (time.perf_counter() - t)


def bench_mnistfc(repeats: int, threads: int) -> list[tuple[str, str, str]]:
    from deeprelax import nn, optim

    b, lr = 128, 0.01
    rng = np.random.default_rng(0)
    X = rng.standard_normal((b, 784)).astype(np.float32)
    y = rng.integers(0, 10, b)
    model = nn.mnistfc()
    x = model.init(0, dtype=np.float32)
    g = np.empty_like(x)
    drng = np.random.default_rng(1)

    def ours() -> None:
        model.loss_and_grad(x, X, y, rng=drng, out=g)
        x.__isub__(np.float32(lr) * g)

    W1, W2, W3 = (rng.standard_normal(s).astype(np.float32) * 0.01
                  for s in ((784, 1024), (1024, 1024), (1024, 10)))

    def floor_gemms() -> None:
        a1 = X @ W1
        a2 = a1 @ W2
        z = a2 @ W3
        a2.T @ z
        d2 = z @ W3.T
        a1.T @ d2
        d1 = d2 @ W2.T
        X.T @ d1

    fns: dict[str, Callable[[], object]] = {"ours": ours, "floor": floor_gemms}
    torch_name = None
    try:
        import torch

        torch.set_num_threads(threads)
        torch.manual_seed(0)
        tnet = torch.nn.Sequential(
            torch.nn.Linear(784, 1024), torch.nn.ReLU(), torch.nn.Dropout(0.5),
            torch.nn.Linear(1024, 1024), torch.nn.ReLU(), torch.nn.Dropout(0.5),
            torch.nn.Linear(1024, 10))
        topt = torch.optim.SGD(tnet.parameters(), lr=lr)
        tX, ty = torch.from_numpy(X), torch.from_numpy(y)

        def torch_step() -> None:
            topt.zero_grad(set_to_none=True)
            loss = torch.nn.functional.cross_entropy(tnet(tX), ty)
            loss.backward()
            topt.step()

        fns["torch"] = torch_step
        torch_name = torch.__version__
    except ImportError:
        pass
    t = _interleaved(fns, repeats)
    t_ours, t_floor = t["ours"], t["floor"]

    # the whole path through optim.minimize (sampling, casts, optimizer transform)
    N = 2048
    XN = rng.standard_normal((N, 784)).astype(np.float32)
    yN = rng.integers(0, 10, N)
    obj = nn.MinibatchObjective(model, XN, yN, batch_size=b, dtype=np.float32)
    x64 = model.init(0)
    steps = max(5, repeats)
    optim.minimize(optim.sgd(lr), obj, x64, n_steps=2, seed=0)
    res = optim.minimize(optim.sgd(lr), obj, x64, n_steps=steps, seed=0)
    t_min = res.wall_time / steps  # loop time only (the final full_loss is outside it)

    rows = [("deeprelax step (loss_and_grad + SGD)", f"{b / t_ours:,.0f} samples/s", ""),
            ("floor: the 8 GEMMs alone (numpy BLAS)", f"{b / t_floor:,.0f} samples/s",
             f"deeprelax / floor time = {t_ours / t_floor:.2f}"),
            ("deeprelax via optim.minimize (float64 x)", f"{b / t_min:,.0f} samples/s",
             f"vs bare step: {t_ours / t_min:.2f}x throughput")]
    if torch_name is None:
        rows.append(("PyTorch CPU", "not installed", "skipped"))
    else:
        rows.append((f"PyTorch {torch_name} CPU, same net", f"{b / t['torch']:,.0f} samples/s",
                     f"deeprelax / PyTorch throughput = {t['torch'] / t_ours:.2f} (goal >= 0.8); "
                     f"floor / PyTorch = {t['torch'] / t_floor:.2f}"))
    return rows


def bench_per_sample(n: int, threads: int) -> list[tuple[str, str, str]]:
    from deeprelax import nn

    rng = np.random.default_rng(0)
    model = nn.small_fc()
    x = model.init(0)
    X = rng.standard_normal((n, 1, 7, 7))
    y = rng.integers(0, 10, n)
    stats = nn.batch_norm_stats(model, x, X)
    G = np.empty((n, model.dim))
    fns: dict[str, Callable[[], object]] = {
        "vec": lambda: nn.per_sample_grads(model, x, X, y, stats=stats, out=G)}
    torch_name = None
    try:
        import torch
        from torch.func import functional_call, grad, vmap

        torch.set_num_threads(threads)
        # small_fc with its eval-mode batch norm folded away: Linear-ReLU-Linear (f64)
        tnet = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(49, 64), torch.nn.ReLU(),
                                   torch.nn.Linear(64, 10)).double()
        params = {k: v.detach() for k, v in tnet.named_parameters()}
        tX, ty = torch.from_numpy(X), torch.from_numpy(y)

        def loss(p: dict, xi: torch.Tensor, yi: torch.Tensor) -> torch.Tensor:
            out = functional_call(tnet, p, (xi[None],))
            return torch.nn.functional.cross_entropy(out, yi[None])

        ps = vmap(grad(loss), in_dims=(None, 0, 0))
        fns["torch"] = lambda: ps(params, tX, ty)
        torch_name = torch.__version__
    except ImportError:
        pass
    t = _interleaved(fns, 5)
    t_vec = t["vec"]
    n_loop = min(n, 1000)

    def loop() -> None:
        for i in range(n_loop):
            model.loss_and_grad(x, X[i:i + 1], y[i:i + 1], train=False, stats=stats)

    t_loop = _median_time(loop, 3, 1) * n / n_loop
    rows = [(f"per_sample_grads, small_fc, {n} samples (f64)", f"{t_vec * 1e3:,.1f} ms", ""),
            ("batch-size-1 loop (extrapolated from 1000)", f"{t_loop * 1e3:,.1f} ms",
             f"speed-up of vectorised = {t_loop / t_vec:.1f}x")]
    if torch_name is None:
        rows.append(("torch.func vmap(grad)", "not installed", "skipped"))
    else:
        rows.append((f"torch {torch_name} func.vmap(grad) (f64, BN folded)",
                     f"{t['torch'] * 1e3:,.1f} ms", f"deeprelax / torch time = {t_vec / t['torch']:.2f}"))
    sub = slice(0, 1000)
    v = rng.standard_normal(model.dim)
    op = nn.hvp_operator(model, x, X[sub], y[sub], stats=stats)
    t = _interleaved({
        "grad": lambda: model.loss_and_grad(x, X[sub], y[sub], train=False, stats=stats),
        "hvp": lambda: nn.hvp(model, x, v, X[sub], y[sub], stats=stats),
        "op": lambda: op.matvec(v)}, 20)
    rows += [("gradient, 1000 samples", f"{t['grad'] * 1e3:,.2f} ms", ""),
             ("hvp, 1000 samples", f"{t['hvp'] * 1e3:,.2f} ms",
              f"hvp / gradient = {t['hvp'] / t['grad']:.2f}"),
             ("hvp_operator.matvec (forward reused)", f"{t['op'] * 1e3:,.2f} ms",
              f"matvec / gradient = {t['op'] / t['grad']:.2f}")]
    return rows


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=1, help="BLAS and torch threads (default 1)")
    ap.add_argument("--quick", action="store_true", help="fewer repeats")
    args = ap.parse_args(argv)
    cold = "NUMBA_CACHE_DIR" not in os.environ
    if cold:
        os.environ["NUMBA_CACHE_DIR"] = tempfile.mkdtemp(prefix="bench_nn_numba_")
    repeats = 5 if args.quick else 20
    print(f"deeprelax.nn benchmarks  python {platform.python_version()}, numpy {np.__version__}, "
          f"{os.cpu_count()} CPUs, {args.threads} BLAS/torch thread(s), "
          f"{platform.processor() or platform.machine()}")
    if cold:
        print(f"\nNumba compile (conv/pool kernels, cold cache): {bench_compile():.2f} s")
    else:
        print(f"\nNumba compile: NUMBA_CACHE_DIR set, warm cache possible: {bench_compile():.2f} s")
    print("\n1. mnistfc training step, batch 128, float32 (median of "
          f"{repeats}):")
    _table(bench_mnistfc(repeats, args.threads))
    n = 2000 if args.quick else 10_000
    print(f"\n2. per-sample gradients and HVPs, small_fc ({n} samples):")
    _table(bench_per_sample(n, args.threads))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
