"""Euler–Maruyama ensembles: deeprelax vs the normal-drawing / GEMM floor, numpy, torchsde, diffrax.

Run:  python benchmarks/bench_sde.py [--quick] [--repeats 3] [--peer-repeats 1] [--compile] [--ensemble]
      python benchmarks/bench_sde.py --compile --no-run     (compile / second-process times only)
(peers are timed when importable, e.g. from the bench environment:
``.bench-venv/bin/python benchmarks/bench_sde.py``).

Cases (issue 2): the 2-D non-isotropic OU with 10⁵ paths × 10³ steps and a d = 100 OU
with 10³ paths × 10³ steps. All times are medians of ``--repeats`` runs after one warm-up;
Numba compile time is reported separately. The floor is the larger of (a) drawing the
N·T·m standard normals with the fastest in-kernel generator, the ziggurat with the stream
state in registers (``rng_normal4``; the array-state ``rng_normal`` is shown too), one and
all threads, the numbers generated and summed, never stored; and, for d = 100, (b) the
step's matrix products as one batched GEMM per step, [X Z] (N, d + m) @ W (d + m, d)
(numpy/OpenBLAS on all threads). Peers (torchsde, diffrax) are timed ``--peer-repeats``
times without a further warm-up (diffrax is compiled by an explicit first call).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

import numba
import numpy as np

from deeprelax import landscapes, sde
from deeprelax._core import jit, path_states, prange, rng_normal
from deeprelax._core._rng import rng_normal4


@jit(parallel=True)
def _draw_only(states, n_per_path, out):
    for i in prange(states.shape[0]):
        s = states[i].copy()
        acc = 0.0
        for _ in range(n_per_path):
            acc += rng_normal(s)
        out[i] = acc


@jit(parallel=True)
def _draw_only4(states, n_per_path, out):
    for i in prange(states.shape[0]):
        s0, s1, s2, s3 = states[i, 0], states[i, 1], states[i, 2], states[i, 3]
        acc = 0.0
        for _ in range(n_per_path):
            z, s0, s1, s2, s3 = rng_normal4(s0, s1, s2, s3)
            acc += z
        out[i] = acc


def _median(fn: Callable[[], object], repeats: int, warmup: bool = True) -> float:
    if warmup:
        fn()
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


def _problem(d: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    if d == 2:
        return np.diag([1.0, 4.0]), np.array([[2.0, 0.6], [0.6, 0.5]])
    A = rng.normal(size=(d, d)) / np.sqrt(d)
    H = A @ A.T + 0.5 * np.eye(d)
    B = rng.normal(size=(d, d)) / np.sqrt(d)
    return H, B @ B.T + 0.1 * np.eye(d)


def bench_case(d: int, n_paths: int, n_steps: int, repeats: int, dt: float = 0.01,
               peer_repeats: int | None = None) -> dict:
    rng = np.random.default_rng(0)
    H, D = _problem(d, rng)
    beta = 1.0
    model = sde.langevin(landscapes.quadratic(H), beta, D)
    G = model.diffusion_matrix
    m = G.shape[1]
    x0 = np.zeros(d)
    T = n_steps * dt
    res: dict[str, float] = {}

    t0 = time.perf_counter()
    sde.sdeint(model, x0, (0, dt), dt, n_paths=2, seed=0)
    res["compile (first call)"] = time.perf_counter() - t0

    def ours() -> object:
        return sde.sdeint(model, x0, (0, T), dt, n_paths=n_paths, seed=1, save_every=n_steps)

    res["deeprelax sdeint EM"] = _median(ours, repeats)

    states = path_states(0, n_paths)
    acc = np.empty(n_paths)
    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    res["floor: normals, 1 thread"] = _median(lambda: _draw_only4(states, n_steps * m, acc), repeats)
    numba.set_num_threads(threads)
    res[f"floor: normals, {threads} threads"] = _median(
        lambda: _draw_only4(states, n_steps * m, acc), repeats)
    res[f"(normals, array-state rng_normal, {threads} thr)"] = _median(
        lambda: _draw_only(states, n_steps * m, acc), repeats)
    floor = res[f"floor: normals, {threads} threads"]
    if d > 2:
        XZ = rng.normal(size=(n_paths, d + m))
        W = np.vstack([np.eye(d) - dt * H.T, np.sqrt(dt) * G.T])
        out = np.empty((n_paths, d))

        def gemm() -> None:
            for _ in range(n_steps):
                np.matmul(XZ, W, out=out)

        res["floor: batched GEMM per step"] = _median(gemm, repeats)
        floor = max(floor, res["floor: batched GEMM per step"])
    res["floor"] = floor

    def numpy_em() -> None:
        g = np.random.default_rng(2)
        x = np.zeros((n_paths, d))
        At = np.eye(d) - dt * H.T
        Gt = np.sqrt(dt) * G.T
        for _ in range(n_steps):
            x = x @ At + g.standard_normal((n_paths, m)) @ Gt

    res["numpy vectorised EM"] = _median(numpy_em, repeats)
    res.update(_peers(H, G, d, m, n_paths, n_steps, dt,
                      repeats if peer_repeats is None else peer_repeats))
    return res


def _peers(H, G, d, m, n_paths, n_steps, dt, repeats) -> dict[str, float]:
    out: dict[str, float] = {}
    try:
        import torch
        import torchsde
    except ImportError:
        print("  torchsde not installed: skipped")
    else:
        torch.set_num_threads(numba.get_num_threads())
        Ht = torch.tensor(H)
        Gt = torch.tensor(G)

        class OU(torch.nn.Module):
            noise_type, sde_type = "general", "ito"

            def f(self, t, y):
                return -y @ Ht.T

            def g(self, t, y):
                return Gt.expand(y.shape[0], d, m)

        ts = torch.tensor([0.0, n_steps * dt], dtype=torch.float64)
        y0 = torch.zeros(n_paths, d, dtype=torch.float64)

        def run_torchsde() -> None:
            with torch.no_grad():
                torchsde.sdeint(OU(), y0, ts, method="euler", dt=dt)

        # fastest CPU settings found: float64, no_grad, Euler, the default Brownian interval
        out["torchsde (euler, no_grad)"] = _median(run_torchsde, repeats, warmup=False)
    try:
        import diffrax
        import jax
        import jax.numpy as jnp
    except ImportError:
        print("  diffrax not installed: skipped")
    else:
        jax.config.update("jax_enable_x64", True)
        Hj, Gj = jnp.asarray(H), jnp.asarray(G)

        def one_path(key):
            bm = diffrax.UnsafeBrownianPath(shape=(m,), key=key)
            terms = diffrax.MultiTerm(diffrax.ODETerm(lambda t, y, a: -Hj @ y),
                                      diffrax.ControlTerm(lambda t, y, a: Gj, bm))
            return diffrax.diffeqsolve(terms, diffrax.Euler(), 0.0, n_steps * dt, dt,
                                       jnp.zeros(d), saveat=diffrax.SaveAt(t1=True),
                                       max_steps=n_steps + 1, adjoint=diffrax.ForwardMode()).ys

        solve = jax.jit(jax.vmap(one_path))
        keys = jax.random.split(jax.random.PRNGKey(0), n_paths)
        solve(keys).block_until_ready()
        out["diffrax (Euler, vmapped, jit)"] = _median(lambda: solve(keys).block_until_ready(),
                                                       repeats, warmup=False)
    return out


# ---------------------------------------------------------------------- compile once
_PROCESS = r"""
import json, sys, time
t0 = time.perf_counter(); c0 = time.process_time()
import numpy as np
from deeprelax import landscapes, sde
t1 = time.perf_counter()
case = sys.argv[1]
if case == "example19":
    s = sde.langevin(landscapes.example19(1.5))
elif case == "sympy":
    s = sde.langevin(landscapes.from_sympy("(x**2 - 1)**2/4 + a*y**2/2 + x*y/10", ["x", "y"], {"a": 2.0}))
else:
    s = sde.langevin(landscapes.quadratic(np.diag([1.0, 4.0])))
t2 = time.perf_counter()
sde.sdeint(s, [1.0, 0.0], (0, 0.1), 0.005, n_paths=100, seed=1)
t3 = time.perf_counter()
sde.sdeint(s, [1.0, 0.0], (0, 0.1), 0.005, n_paths=100, seed=2)
t4 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "build": t2 - t1, "first sdeint": t3 - t2, "second sdeint": t4 - t3,
                  "cpu": time.process_time() - c0}))
"""


def bench_processes(cases: tuple[str, ...] = ("example19", "sympy", "quadratic")) -> dict[str, list[dict]]:
    """Each case in a fresh process twice, on a fresh cache: the first compiles, the second loads."""
    out: dict[str, list[dict]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "NUMBA_CACHE_DIR": tmp}
        env.pop("DEEPRELAX_KERNEL_DIR", None)
        for case in cases:
            runs = []
            for _ in range(2):
                r = subprocess.run([sys.executable, "-c", _PROCESS, case], env=env, capture_output=True,
                                   text=True, check=True)
                runs.append(json.loads(r.stdout.strip().splitlines()[-1]))
            out[case] = runs
    return out


def bench_ensemble(n_paths: int, n_steps: int = 100, block: int = 65_536) -> dict[str, float]:
    """Paths/s of sde.ensemble (moments, in-process blocks) vs one sdeint call, d = 2 OU
    (the sdeint comparison only up to 10⁷ paths: beyond, its saved states need GiBs)."""
    import resource

    model = sde.langevin(landscapes.quadratic(np.diag([1.0, 4.0])), 1.0, np.array([[2.0, 0.6], [0.6, 0.5]]))
    kw = dict(t_span=(0.0, n_steps * 0.01), dt=0.01, seed=0, save_every=n_steps)
    sde.ensemble(model, np.zeros(2), n_paths=block, block_paths=block, **kw)  # warm
    res: dict[str, float] = {}
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0, c0 = time.perf_counter(), time.process_time()
    sde.ensemble(model, np.zeros(2), n_paths=n_paths, block_paths=block, **kw)
    res["ensemble paths/s"] = n_paths / (time.perf_counter() - t0)
    res["ensemble CPU s"] = time.process_time() - c0
    res["ensemble peak RSS growth [MiB]"] = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0) / 1024
    if n_paths <= 10**7:
        t0 = time.perf_counter()
        sde.sdeint(model, np.zeros(2), n_paths=n_paths, **kw)
        res["sdeint paths/s"] = n_paths / (time.perf_counter() - t0)
    return res


def bench_dask_overhead(n_blocks: int = 64, workers: int = 2) -> dict[str, float]:
    """Seconds per block of a tiny ensemble (16 paths x 1 step per block): in-process vs a
    local Dask cluster of ``workers`` processes (cluster start-up excluded)."""
    from deeprelax._core._executors import open_executor

    model = sde.langevin(landscapes.quadratic(np.diag([1.0, 4.0])))
    kw = dict(t_span=(0.0, 0.01), dt=0.01, seed=0, n_paths=16 * n_blocks, block_paths=16)
    sde.ensemble(model, np.zeros(2), **kw)
    t0 = time.perf_counter()
    sde.ensemble(model, np.zeros(2), **kw)
    res = {"in-process s/block": (time.perf_counter() - t0) / n_blocks}
    with open_executor(local=workers, worker_threads=1) as ex:
        sde.ensemble(model, np.zeros(2), executor=ex, **kw)  # workers import and load the kernels
        t0 = time.perf_counter()
        sde.ensemble(model, np.zeros(2), executor=ex, **kw)
        res[f"dask local={workers} s/block"] = (time.perf_counter() - t0) / n_blocks
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="10x fewer paths")
    ap.add_argument("--compile", action="store_true",
                    help="also time compile vs load: each case in two fresh processes on a fresh cache")
    ap.add_argument("--ensemble", action="store_true", help="also time sde.ensemble vs one sdeint call")
    ap.add_argument("--ensemble-paths", type=float, default=None, help="paths of the ensemble case (default 1e6)")
    ap.add_argument("--ensemble-steps", type=int, default=100, help="steps of the ensemble case")
    ap.add_argument("--dask", action="store_true", help="also time the Dask overhead per ensemble block")
    ap.add_argument("--no-run", action="store_true", help="skip the EM run-time cases")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--peer-repeats", type=int, default=None,
                    help="runs of torchsde / diffrax (default: --repeats)")
    args = ap.parse_args()
    q = 10 if args.quick else 1
    cases = [] if args.no_run else [(2, 100_000 // q, 1000), (10, 10_000 // q, 1000), (100, 1000 // q, 1000)]
    print(f"numba {numba.__version__}, threads {numba.get_num_threads()}, numpy {np.__version__}")
    if args.compile:
        print("\nCompile once: 100 paths x 20 steps, each case in a fresh process, twice, on a fresh cache [s]")
        print(f"  {'case':12s} {'process':>8s} {'import':>8s} {'build':>8s} {'1st sdeint':>11s} "
              f"{'2nd sdeint':>11s} {'CPU':>7s}")
        for case, runs in bench_processes().items():
            for k, r in enumerate(runs):
                print(f"  {case:12s} {('first', 'second')[k]:>8s} {r['import']:8.2f} {r['build']:8.2f} "
                      f"{r['first sdeint']:11.2f} {r['second sdeint']:11.3f} {r['cpu']:7.2f}")
    if args.ensemble:
        n = int(args.ensemble_paths) if args.ensemble_paths else 1_000_000 // q
        print(f"\nsde.ensemble vs sdeint, d = 2 OU, {n} paths x {args.ensemble_steps} steps, blocks of 65536 "
              "(in-process)")
        for k, v in bench_ensemble(n, args.ensemble_steps).items():
            print(f"  {k:38s} {v:12.4g}")
    if args.dask:
        print("\nDask overhead: 64 blocks of 16 paths x 1 step")
        for k, v in bench_dask_overhead().items():
            print(f"  {k:38s} {v:12.4g}")
    for d, n, T in cases:
        print(f"\nEuler–Maruyama, d = {d}, {n} paths x {T} steps (median of {args.repeats})")
        r = bench_case(d, n, T, args.repeats, peer_repeats=args.peer_repeats)
        ours = r["deeprelax sdeint EM"]
        print(f"  {'':38s} {'time [s]':>10s} {'vs deeprelax':>13s}")
        for k, v in r.items():
            if k.startswith("compile"):
                print(f"  {k:38s} {v:10.3f}")
                continue
            print(f"  {k:38s} {v:10.3f} {v / ours:12.2f}x")
        print(f"  deeprelax / floor = {ours / r['floor']:.2f}; numpy / deeprelax = "
              f"{r['numpy vectorised EM'] / ours:.2f}", end="")
        for k in ("torchsde (euler, no_grad)", "diffrax (Euler, vmapped, jit)"):
            if k in r:
                print(f"; {k.split()[0]} / deeprelax = {r[k] / ours:.2f}", end="")
        print(f"\n  ns per path-step: deeprelax {ours / (n * T) * 1e9:.1f}, floor "
              f"{r['floor'] / (n * T) * 1e9:.1f} (x{numba.get_num_threads()} threads)")


if __name__ == "__main__":
    main()
