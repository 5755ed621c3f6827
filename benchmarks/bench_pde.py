"""Benchmarks of the PDE room, side by side and interleaved, in one run.

Run: ``python benchmarks/bench_pde.py [--quick] [--repeat N] [--only SECTION ...]`` (peers are
used when importable: run it with the benchmark environment, ``.bench-venv/bin/python``).

Protocol (the machine is shared, so timings are noisy): every contender is warmed up on the
*same* grid as the timed run, so no compile is inside a timing; contenders of one section
run interleaved (A, B, C, A, B, C, …) and the **minimum** of the repeats is reported (a
slow call from another job's load cannot hide in a median). Compile time is reported apart:
``compile`` = first call − best steady call in this process; ``cold`` = a fresh process with
an empty Numba cache; ``warm`` = a second process reusing that cache (import + first result).

Sections:

- ``solve_hj``: 256² periodic [−π, π]², t = 1, ν = 0.1, f = sin x cos y + ½ cos(2x + y),
  error = sup |u − Cole–Hopf| (β = 1/2ν, spectrally exact on the torus), against py-pde's
  explicit Euler (dt = 1e-3) steady compute (its stepper built and warmed once, compile
  excluded); goal ≥ 5× at equal or better error;
- ``cold``: a cold and a warm second process to the first ``solve_hj`` / ``hopf_lax`` result
  (goal ≤ 5 s for the warm one);
- ``accel``: every registered accelerator against the generic kernel it replaces;
- ``fp``: ``stationary_fp`` 200² full state-dependent D (assembly + solve; goal ≤ 0.3 s) and
  fplanck's steady state on the same grid (its diagonal case; goal ≥ 5×);
- ``cole_hopf``: 2-D 1024² and 3-D 128³ against two real FFTs of the grid (goal ≤ 3×);
- ``hopf_lax``: ns per point per axis at 1024²–4096² (goal ≤ 30 ns).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numba
import numpy as np
import scipy.fft

from deeprelax import landscapes, sde
from deeprelax.pde import Grid, cole_hopf, hopf_lax, solve_hj, stationary_fp
from deeprelax.pde._fokker_planck import fp_operator
from deeprelax.pde._hj import HJ_ACCELERATORS
from deeprelax.pde._hopf_lax import HOPF_LAX_ACCELERATORS

ROOT = Path(__file__).resolve().parents[1]


def _timed(f: Callable[[], Any]) -> tuple[float, Any]:
    t = time.perf_counter()
    out = f()
    return time.perf_counter() - t, out


def interleaved(cases: dict[str, Callable[[], Any]], repeat: int) -> dict[str, tuple[float, float, Any]]:
    """Warm each case once (same size), then ``repeat`` interleaved rounds; (first, min, last result)."""
    first, best, last = {}, {}, {}
    for k, f in cases.items():
        first[k], last[k] = _timed(f)
        best[k] = np.inf
    for _ in range(repeat):
        for k, f in cases.items():
            t, last[k] = _timed(f)
            best[k] = min(best[k], t)
    return {k: (first[k], best[k], last[k]) for k in cases}


# ----------------------------------------------------------------------------- solve_hj vs py-pde
def _hj_problem(n: int) -> tuple[Grid, np.ndarray]:
    g = Grid([(-np.pi, np.pi)] * 2, n, periodic=True)
    x, y = g.coords
    return g, np.sin(x) * np.cos(y) + 0.5 * np.cos(2 * x + y)


HJ_CASES = {
    "ssprk3 eno2 cfl0.5 (default)": {},
    "ssprk3 eno2 cfl1": {"cfl": 1.0},
    "imex_ars222 eno2 cfl1": {"scheme": "imex_ars222", "cfl": 1.0},
    "etdrk4 spectral cfl0.5": {"scheme": "etdrk4", "reconstruction": "spectral"},
    "etdrk4 spectral cfl1": {"scheme": "etdrk4", "reconstruction": "spectral", "cfl": 1.0},
}


def bench_solve_hj(n: int, repeat: int) -> list[str]:
    g, f = _hj_problem(n)
    nu, T = 0.1, 1.0
    ref = cole_hopf(f, g, T, 1.0 / (2 * nu), gradient=False).u
    cases: dict[str, Callable[[], Any]] = {k: (lambda kw=kw: solve_hj(f, g, T, nu, **kw).u[-1])
                                           for k, kw in HJ_CASES.items()}
    peer = ""
    try:
        import pde as pypde

        grid = pypde.CartesianGrid([(-np.pi, np.pi)] * 2, [n, n], periodic=True)
        state = pypde.ScalarField(grid, f)
        eq = pypde.PDE({"u": f"{nu} * laplace(u) - 0.5 * gradient_squared(u)"})
        solver = pypde.solvers.EulerSolver(eq, backend="numba")
        t0 = time.perf_counter()
        stepper = solver.make_stepper(state, dt=1e-3)  # compiles once; the timed calls only step
        warm = state.copy()
        stepper(warm, 0.0, 0.01)
        peer_compile = time.perf_counter() - t0

        def run_pypde() -> np.ndarray:
            st = state.copy()
            stepper(st, 0.0, T)
            return st.data

        cases["py-pde EulerSolver dt=1e-3 (steady)"] = run_pypde
        peer = f"py-pde {pypde.__version__}: make_stepper + warm-up (compile) {peer_compile:.1f} s"
    except ImportError:
        peer = "py-pde: not installed, skipped"
    res = interleaved(cases, repeat)
    rows = [f"solve_hj {n}x{n} periodic, t = {T}, nu = {nu}; error = sup|u - Cole-Hopf|; min of {repeat} "
            "interleaved repeats", "  " + peer,
            f"  {'case':38s} {'min (s)':>8s} {'first (s)':>9s} {'error':>9s} {'speed-up vs py-pde':>18s}"]
    base = res.get("py-pde EulerSolver dt=1e-3 (steady)")
    for k, (first, best, u) in res.items():
        err = float(np.max(np.abs(u - ref)))
        sp = f"{base[1] / best:8.1f}x" if base is not None else "-"
        rows.append(f"  {k:38s} {best:8.3f} {first:9.3f} {err:9.2e} {sp:>18s}")
    return rows


# ----------------------------------------------------------------------------- cold / warm processes
_COLD = {
    "solve_hj (docstring)": "import numpy as np\nfrom deeprelax.pde import Grid, solve_hj\n"
                            "g = Grid((0.0, 2 * np.pi), 128, periodic=True)\n"
                            "solve_hj(np.sin(g.axes[0]), g, 0.5, viscosity=0.1)",
    "solve_hj 256^2 default": "import numpy as np\nfrom deeprelax.pde import Grid, solve_hj\n"
                              "g = Grid([(-np.pi, np.pi)] * 2, 256, periodic=True)\n"
                              "solve_hj(np.sin(g.coords[0]), g, 0.05, viscosity=0.1)",
    "solve_hj 256^2 etdrk4": "import numpy as np\nfrom deeprelax.pde import Grid, solve_hj\n"
                             "g = Grid([(-np.pi, np.pi)] * 2, 256, periodic=True)\n"
                             "solve_hj(np.sin(g.coords[0]), g, 0.05, 0.1, scheme='etdrk4', reconstruction='spectral')",
    "hopf_lax 400 (docstring)": "import numpy as np\nfrom deeprelax.pde import Grid, hopf_lax\n"
                                "g = Grid((-2.0, 2.0), 400)\nhopf_lax(np.abs(g.axes[0]), g, t=0.5)",
}


def bench_cold() -> list[str]:
    rows = ["process to first result (import + first call): cold = empty Numba cache, warm = second process"]
    for name, code in _COLD.items():
        with tempfile.TemporaryDirectory() as tmp:
            env = dict(os.environ, NUMBA_CACHE_DIR=tmp, PYTHONPATH=str(ROOT))
            times = []
            for _ in range(2):
                t, p = _timed(lambda c=code, e=env: subprocess.run([sys.executable, "-c", c], env=e,
                                                                  capture_output=True))
                if p.returncode != 0:
                    raise RuntimeError(p.stderr.decode()[-2000:])
                times.append(t)
        imp, _ = _timed(lambda: subprocess.run([sys.executable, "-c", "import deeprelax.pde"], env=dict(
            os.environ, PYTHONPATH=str(ROOT)), capture_output=True))
        rows.append(f"  {name:28s} cold {times[0]:6.2f} s   warm {times[1]:6.2f} s   (bare import {imp:.2f} s)")
    return rows


# ----------------------------------------------------------------------------- accelerators vs generic
def bench_accel(repeat: int) -> list[str]:
    rows = ["accelerators against the generic kernel (registry switched off), min of interleaved repeats"]
    g, f = _hj_problem(256)
    small, fs = _hj_problem(64)
    g3 = Grid([(-np.pi, np.pi)] * 3, 40, periodic=True)
    f3 = np.sin(g3.coords[0]) * np.cos(g3.coords[1]) + np.sin(g3.coords[2])

    def hj(gg: Grid, ff: np.ndarray, generic: bool) -> Callable[[], Any]:
        def run() -> Any:
            if generic:
                with HJ_ACCELERATORS.disabled():
                    return solve_hj(ff, gg, 0.05, 0.1)
            return solve_hj(ff, gg, 0.05, 0.1)
        return run

    for label, gg, ff in (("256^2", g, f), ("64^2", small, fs), ("40^3", g3, f3)):
        res = interleaved({"accel": hj(gg, ff, False), "generic": hj(gg, ff, True)}, repeat)
        acc, gen = res["accel"], res["generic"]
        per = acc[1] / (acc[2].n_rhs_evals * gg.size) * 1e9
        rows.append(f"  solve_hj {label:6s} ssprk3/eno2 to t = 0.05: {acc[2].kernel:17s} {acc[1] * 1e3:8.1f} ms "
                    f"({per:4.1f} ns/cell-stage), generic {gen[1] * 1e3:8.1f} ms: gain {gen[1] / acc[1]:4.1f}x")
    gh = Grid([(-3.0, 3.0)] * 2, 2048)
    fh = (gh.coords[0] ** 2 - 1) ** 2 + np.sin(4 * gh.coords[1])

    def hl(generic: bool) -> Callable[[], Any]:
        def run() -> Any:
            if generic:
                with HOPF_LAX_ACCELERATORS.disabled():
                    return hopf_lax(fh, gh, 0.3)
            return hopf_lax(fh, gh, 0.3)
        return run

    res = interleaved({"accel": hl(False), "generic": hl(True)}, repeat)
    rows.append(f"  hopf_lax 2048^2 (rows + compose2d): {res['accel'][1] * 1e3:7.1f} ms, generic "
                f"{res['generic'][1] * 1e3:7.1f} ms: gain {res['generic'][1] / res['accel'][1]:4.1f}x")
    return rows


# ----------------------------------------------------------------------------- Fokker–Planck
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
    s_iso = sde.langevin(dw, beta=1.0)
    cases: dict[str, Callable[[], Any]] = {
        "assemble (full D)": lambda: fp_operator(s_full, g),
        "assemble + solve (full D)": lambda: stationary_fp(s_full, g),
        "assemble + solve (isotropic D)": lambda: stationary_fp(s_iso, g),
    }
    shim = ""
    try:
        import fplanck
        from scipy import constants

        if not hasattr(np, "product"):
            # fplanck calls np.product, removed in NumPy 2.0; alias it to np.prod so the peer runs
            setattr(np, "product", np.prod)  # noqa: B010
            shim = " [np.product aliased to np.prod for fplanck]"

        def pot(x, y):
            return dw.value(np.stack([x, y], -1))

        def run_fpl() -> Any:
            sim = fplanck.fokker_planck(temperature=1 / constants.k, drag=1.0, extent=[5.0, 5.0],
                                        resolution=5.0 / n, potential=pot, boundary=fplanck.boundary.reflecting)
            return sim, sim.steady_state()

        cases["fplanck build + steady state (isotropic)"] = run_fpl
    except ImportError:
        shim = " (fplanck not installed)"
    res = interleaved(cases, repeat)
    r_full = res["assemble + solve (full D)"][2]
    rows = [f"stationary_fp {n}x{n} double well, min of {repeat} interleaved repeats{shim}"]
    for k, (first, best, _) in res.items():
        rows.append(f"  {k:42s} {best:7.3f} s (first {first:.3f} s)")
    rows.append(f"  full D: residual {r_full.residual:.1e}, monotone {r_full.monotone}, nnz {r_full.nnz}")
    ri = res["assemble + solve (isotropic D)"][2]
    gibbs = np.exp(-dw.value(g.points))
    gibbs /= g.integrate(gibbs)
    rows.append(f"  isotropic: relative error vs Gibbs {np.abs(ri.rho - gibbs).max() / gibbs.max():.1e}")
    if "fplanck build + steady state (isotropic)" in res:
        tf = res["fplanck build + steady state (isotropic)"][1]
        rows.append(f"  fplanck / deeprelax: {tf / res['assemble + solve (isotropic D)'][1]:.1f}x (isotropic), "
                    f"{tf / res['assemble + solve (full D)'][1]:.1f}x (deeprelax with full D)")
    return rows


# ----------------------------------------------------------------------------- Cole–Hopf, Hopf–Lax
def bench_cole_hopf(shape: tuple[int, ...], repeat: int, periodic: bool = False) -> list[str]:
    d = len(shape)
    g = Grid([(-3.0, 3.0)] * d, shape, periodic=periodic)
    f = sum(0.5 * x**2 + 0.3 * np.sin(3 * x) for x in g.coords)
    nw = numba.get_num_threads()  # cole_hopf's FFTs run on the project's thread count
    res = interleaved({
        "floor": lambda: scipy.fft.irfftn(scipy.fft.rfftn(f), s=f.shape),
        "floor_w": lambda: scipy.fft.irfftn(scipy.fft.rfftn(f, workers=nw), s=f.shape, workers=nw),
        "u": lambda: cole_hopf(f, g, 0.5, 1.0, gradient=False),
        "u+grad": lambda: cole_hopf(f, g, 0.5, 1.0),
    }, repeat)
    fl, flw = res["floor"][1], res["floor_w"][1]
    name = "x".join(map(str, shape)) + (" periodic" if periodic else " reflecting")
    return [f"cole_hopf {name}: floor rfftn+irfftn {fl * 1e3:7.1f} ms (1 worker) / {flw * 1e3:7.1f} ms ({nw})",
            f"  u only   {res['u'][1] * 1e3:8.1f} ms = {res['u'][1] / fl:4.2f}x floor ({res['u'][1] / flw:4.2f}x the "
            f"{nw}-worker floor); u + grad {res['u+grad'][1] * 1e3:8.1f} ms = {res['u+grad'][1] / fl:4.2f}x"]


def bench_hopf_lax(ns: list[int], repeat: int) -> list[str]:
    out = []
    for n in ns:
        g = Grid([(-3.0, 3.0)] * 2, n)
        f = (g.coords[0] ** 2 - 1) ** 2 + np.sin(4 * g.coords[1]) + 0.3 * g.coords[1] ** 2
        res = interleaved({"hl": lambda f=f, g=g: hopf_lax(f, g, 0.3)}, repeat)["hl"]
        out.append(f"hopf_lax {n}x{n}: {res[1] * 1e3:8.1f} ms  {res[1] / (2 * g.size) * 1e9:5.1f} ns per point per "
                   f"axis (first call {res[0]:.2f} s)")
    return out


SECTIONS = ("solve_hj", "cold", "accel", "fp", "cole_hopf", "hopf_lax")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="smaller grids (a smoke test)")
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--only", nargs="*", choices=SECTIONS, default=list(SECTIONS))
    a = p.parse_args()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"# bench_pde: numba {numba.__version__}, {numba.get_num_threads()} threads, {os.cpu_count()} CPUs, "
          f"repeat {a.repeat} (min of interleaved repeats), 1-min load {load:.2f}")
    q = a.quick
    run = {
        "solve_hj": lambda: bench_solve_hj(64 if q else 256, a.repeat),
        "cold": bench_cold,
        "accel": lambda: bench_accel(a.repeat),
        "fp": lambda: bench_fp(64 if q else 200, a.repeat),
        "cole_hopf": lambda: (bench_cole_hopf((256, 256) if q else (1024, 1024), a.repeat)
                              + bench_cole_hopf((256, 256) if q else (1024, 1024), a.repeat, periodic=True)
                              + bench_cole_hopf((48,) * 3 if q else (128,) * 3, a.repeat)),
        "hopf_lax": lambda: bench_hopf_lax([256, 512] if q else [1024, 2048, 4096], a.repeat),
    }
    for name in a.only:
        print("\n".join(run[name]()), flush=True)
        print()


if __name__ == "__main__":
    main()
