"""Benchmarks of the PDE room: Cole–Hopf, Hopf–Lax, solve_hj, stationary_fp.

Run: ``python benchmarks/bench_pde.py [--quick] [--repeat N]`` (peers are used when
importable: run it with the benchmark environment, ``.bench-venv/bin/python``). Prints
medians and ratios measured in the same run:

- Cole–Hopf on 2-D 1024² and 3-D 128³ against the floor of two real FFTs of the grid
  (``scipy.fft.rfftn`` + ``irfftn``; goal ≤ 3×), value only and with ∇u;
- Hopf–Lax on 2-D 1024², 2048², 4096²: ns per point per axis (goal: linear time,
  ≤ 30 ns per point per axis);
- ``solve_hj`` on 256² (periodic [−π, π]², t = 1, ν = 0.1) against py-pde's explicit
  solver on the same grid, both scored against Cole–Hopf (β = 1/2ν); goal ≥ 20×
  faster at equal or better accuracy; compile (first-call) time reported apart;
- ``stationary_fp`` on 256² with a full, state-dependent D, and on a diagonal-D
  double well against fplanck's steady state (same grid size), scored against Gibbs.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from typing import Any

import numba
import numpy as np
import scipy.fft

from deeprelax import landscapes, sde
from deeprelax.pde import Grid, cole_hopf, hopf_lax, solve_hj, stationary_fp
from deeprelax.pde._fokker_planck import fp_operator


def _median(f: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    ts, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = f()
        ts.append(time.perf_counter() - t)
    return float(np.median(ts)), out


def _first_call(f: Callable[[], Any]) -> float:
    t = time.perf_counter()
    f()
    return time.perf_counter() - t


def bench_cole_hopf(shape: tuple[int, ...], repeat: int, periodic: bool = False) -> list[str]:
    d = len(shape)
    g = Grid([(-3.0, 3.0)] * d, shape, periodic=periodic)
    X = g.coords
    f = sum(0.5 * x**2 + 0.3 * np.sin(3 * x) for x in X)
    t, beta = 0.5, 1.0
    floor, _ = _median(lambda: scipy.fft.irfftn(scipy.fft.rfftn(f), s=f.shape), repeat)
    nw = numba.get_num_threads()  # cole_hopf's FFTs run on the project's thread count
    floor_w, _ = _median(lambda: scipy.fft.irfftn(scipy.fft.rfftn(f, workers=nw), s=f.shape, workers=nw), repeat)
    comp = _first_call(lambda: cole_hopf(f, g, t, beta))
    tv, rv = _median(lambda: cole_hopf(f, g, t, beta, gradient=False), repeat)
    tg, _ = _median(lambda: cole_hopf(f, g, t, beta), repeat)
    th, rh = _median(lambda: cole_hopf(f, g, t, 100.0, gradient=False), repeat)
    name = "x".join(map(str, shape)) + (" periodic" if periodic else " reflecting (zero-padded FFTs)")
    return [
        f"cole_hopf {name}: floor rfftn+irfftn {floor * 1e3:8.1f} ms (1 worker), "
        f"{floor_w * 1e3:8.1f} ms ({nw} workers)",
        f"  u only (beta=1)      {tv * 1e3:8.1f} ms  ratio {tv / floor:5.2f}x floor  ({tv / floor_w:5.2f}x the "
        f"{nw}-worker floor; exact-path points {rv.n_exact})",
        f"  u + grad (beta=1)    {tg * 1e3:8.1f} ms  ratio {tg / floor:5.2f}x floor",
        f"  u only (beta=100)    {th * 1e3:8.1f} ms  ratio {th / floor:5.2f}x floor  (exact-path points {rh.n_exact})",
        f"  first call (compile + run) {comp:6.2f} s",
    ]


def bench_hopf_lax(ns: list[int], repeat: int) -> list[str]:
    out = []
    for n in ns:
        g = Grid([(-3.0, 3.0)] * 2, n)
        x, y = g.coords
        f = (x**2 - 1) ** 2 + np.sin(4 * y) + 0.3 * y**2
        run = lambda f=f, g=g: hopf_lax(f, g, 0.3)
        comp = _first_call(run) if n == ns[0] else 0.0
        tm, _ = _median(run, repeat)
        per = tm / (g.size * 2) * 1e9
        out.append(f"hopf_lax {n}x{n}: {tm * 1e3:8.1f} ms  {per:5.1f} ns per point per axis"
                   + (f"  (first call {comp:.2f} s)" if comp else ""))
    return out


def _hj_problem(n: int) -> tuple[Grid, np.ndarray]:
    g = Grid([(-np.pi, np.pi)] * 2, n, periodic=True)
    x, y = g.coords
    return g, np.sin(x) * np.cos(y) + 0.5 * np.cos(2 * x + y)


def bench_solve_hj(n: int, repeat: int) -> list[str]:
    g, f = _hj_problem(n)
    nu, T = 0.1, 1.0
    ref = cole_hopf(f, g, T, 1.0 / (2 * nu), gradient=False).u
    rows = [f"solve_hj {n}x{n}, periodic, t = {T}, nu = {nu} (error = sup |u - Cole-Hopf|)"]
    results = {}
    # the error is spatial (ENO2), so cfl = 1 (the full SSP / IMEX bound) gives the same accuracy
    cases = (("ssprk3", "eno2", 0.5), ("imex_ars222", "eno2", 0.5), ("ssprk3", "upwind1", 0.5),
             ("ssprk3", "eno2", 1.0), ("imex_ars222", "eno2", 1.0))
    for scheme, rec, cfl in cases:
        comp = _first_call(lambda s=scheme, c=rec, q=cfl: solve_hj(f, g, 0.01, nu, scheme=s, reconstruction=c, cfl=q))
        tm, r = _median(lambda s=scheme, c=rec, q=cfl: solve_hj(f, g, T, nu, scheme=s, reconstruction=c, cfl=q),
                        repeat)
        err = float(np.max(np.abs(r.u[-1] - ref)))
        results[(scheme, rec, cfl)] = (tm, err)
        rows.append(f"  deeprelax {scheme:12s} {rec:8s} cfl {cfl:3.1f} {tm:7.3f} s  error {err:.2e}  "
                    f"steps {r.n_steps:5d}  ({tm / (r.n_rhs_evals * g.size) * 1e9:5.2f} ns per cell-stage; "
                    f"first call {comp:.2f} s)")
    try:
        import pde as pypde
    except ImportError:
        rows.append("  py-pde: not installed, skipped")
        return rows
    grid = pypde.CartesianGrid([(-np.pi, np.pi)] * 2, [n, n], periodic=True)
    state = pypde.ScalarField(grid, f)
    eq = pypde.PDE({"u": f"{nu} * laplace(u) - 0.5 * gradient_squared(u)"})
    dt = 1e-3
    t0 = time.perf_counter()
    res = eq.solve(state, t_range=T, dt=dt, solver="euler", tracker=None)
    first = time.perf_counter() - t0
    tp, res = _median(lambda: eq.solve(state, t_range=T, dt=dt, solver="euler", tracker=None), max(1, repeat // 2))
    perr = float(np.max(np.abs(res.data - ref)))
    rows.append(f"  py-pde EulerSolver (dt={dt}) {tp:7.3f} s  error {perr:.2e}  (first call {first:.1f} s)")
    for key, (tm, err) in results.items():
        rows.append(f"  speed-up of deeprelax {key[0]}/{key[1]}/cfl {key[2]} over py-pde: {tp / tm:6.1f}x "
                    f"(error ratio deeprelax/py-pde {err / perr:.2f})")
    return rows


def _d_kernel() -> Any:
    from deeprelax._core import jit

    @jit(cache=False)
    def dfield(x, p, out):
        out[0, 0] = 1.0 + 0.5 * np.sin(x[0])
        out[1, 1] = 1.0 + 0.5 * np.cos(x[1])
        out[0, 1] = 0.3
        out[1, 0] = 0.3

    return dfield


def bench_fp(n: int, repeat: int) -> list[str]:
    g = Grid([(-2.5, 2.5)] * 2, n)
    dw = landscapes.double_well(2, barrier=1.0)
    s_full = sde.langevin(dw, beta=2.0, D=_d_kernel())
    comp = _first_call(lambda: stationary_fp(s_full, Grid([(-2.5, 2.5)] * 2, 8)))  # compiles the D kernel
    ta, op = _median(lambda: fp_operator(s_full, g), repeat)
    ts, r = _median(lambda: stationary_fp(s_full, g, operator=op), repeat)
    rows = [f"stationary_fp {n}x{n}, full state-dependent D: assemble {ta:6.3f} s, solve (SuperLU) {ts:6.3f} s, "
            f"residual {r.residual:.1e}, monotone {r.monotone}, nnz {r.nnz} (first call {comp:.2f} s)"]
    s_iso = sde.langevin(dw, beta=1.0)
    tt, ri = _median(lambda: stationary_fp(s_iso, g), repeat)
    gibbs = np.exp(-dw.value(g.points))
    gibbs /= g.integrate(gibbs)
    err = float(np.max(np.abs(ri.rho - gibbs)) / gibbs.max())
    rows.append(f"stationary_fp {n}x{n}, isotropic D (Gibbs): total {tt:6.3f} s, relative error {err:.1e}")
    try:
        import fplanck
        from scipy import constants
    except ImportError:
        rows.append("  fplanck: not installed, skipped")
        return rows

    shim = ""
    if not hasattr(np, "product"):
        # fplanck calls np.product, removed in NumPy 2.0; alias it to np.prod so the peer runs
        setattr(np, "product", np.prod)  # noqa: B010
        shim = " [np.product aliased to np.prod for fplanck]"

    def pot(x, y):
        return dw.value(np.stack([x, y], -1))

    def run_fpl():
        sim = fplanck.fokker_planck(temperature=1 / constants.k, drag=1.0, extent=[5.0, 5.0],
                                    resolution=5.0 / n, potential=pot, boundary=fplanck.boundary.reflecting)
        return sim, sim.steady_state()

    tf, (sim, st) = _median(run_fpl, repeat)
    gx = np.exp(-pot(*sim.grid))
    gx /= gx.sum()
    ferr = float(np.max(np.abs(st - gx)) / gx.max())
    rows.append(f"  fplanck (build + ARPACK shift-invert steady state): {tf:6.3f} s, relative error {ferr:.1e}; "
                f"deeprelax is {tf / tt:5.1f}x faster{shim}")
    return rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="smaller grids (a smoke test)")
    p.add_argument("--repeat", type=int, default=5)
    a = p.parse_args()

    print(f"# bench_pde: numba {numba.__version__}, {numba.get_num_threads()} threads, "
          f"{os.cpu_count()} CPUs, repeat {a.repeat} (medians)")
    q = a.quick
    sections = [
        bench_cole_hopf((256, 256) if q else (1024, 1024), a.repeat),
        bench_cole_hopf((256, 256) if q else (1024, 1024), a.repeat, periodic=True),
        bench_cole_hopf((48, 48, 48) if q else (128, 128, 128), a.repeat),
        bench_cole_hopf((48, 48, 48) if q else (128, 128, 128), a.repeat, periodic=True),
        bench_hopf_lax([256, 512] if q else [1024, 2048, 4096], a.repeat),
        bench_solve_hj(64 if q else 256, a.repeat),
        bench_fp(64 if q else 256, max(1, a.repeat // 2)),
    ]
    for rows in sections:
        print("\n".join(rows))
        print()


if __name__ == "__main__":
    main()
