"""Reliability: the Numba cache across processes (numba#8578), Hopf–Lax overflow, bounds checking."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from deeprelax.pde import Grid, hopf_lax

ROOT = Path(__file__).resolve().parents[2]

# ----------------------------------------------------------------------------- the cache sequence
# The audit's crash: process 1 caches the stage kernel (an IMEX solve), process 2 compiles the
# explicit-step caller, and every later process whose first HJ call is explicit died with SIGSEGV
# (a cached caller of a parallel=True callee, reloaded from the cache). Each process here runs in
# a fresh interpreter on one temporary cache directory and must exit 0.
_IMEX = """
import numpy as np
from deeprelax.pde import Grid, solve_hj
g = Grid((0.0, 2 * np.pi), {n}, periodic=True)
r = solve_hj(np.sin(g.axes[0]), g, {t}, viscosity=0.1, scheme="imex_ars222")
assert r.success
"""
_EXPLICIT = """
import numpy as np
from deeprelax.pde import Grid, solve_hj
g = Grid((0.0, 2 * np.pi), {n}, periodic=True)
r = solve_hj(np.sin(g.axes[0]), g, {t}, viscosity=0.1)
assert r.success
"""
_DOCSTRING = """
import doctest
import deeprelax.pde._hj as m
assert doctest.testmod(m).failed == 0
from deeprelax.pde import Grid, solve_hj
import numpy as np
g = Grid([(-np.pi, np.pi)] * 2, 24, periodic=True)
assert solve_hj(np.sin(g.coords[0]), g, 0.05, 0.1).success
"""


def _run_sequence(tmp_path, scripts, threads):
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "numba_cache"), NUMBA_NUM_THREADS=str(threads),
               PYTHONPATH=str(ROOT))
    for i, code in enumerate(scripts, 1):
        p = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env, cwd=ROOT, capture_output=True,
                           text=True, timeout=900)
        assert p.returncode == 0, f"process {i} exited {p.returncode}:\n{p.stderr[-3000:]}"
    assert any((tmp_path / "numba_cache").rglob("*.nbi")), "nothing was cached: the test did not test the cache"


_NO_JIT = pytest.mark.skipif(os.environ.get("NUMBA_DISABLE_JIT") == "1", reason="nothing compiles, nothing is cached")


@_NO_JIT
def test_cache_sequence_imex_then_explicit_then_docstring(tmp_path):
    _run_sequence(tmp_path, [_IMEX.format(n=128, t=0.2), _EXPLICIT.format(n=128, t=0.2), _DOCSTRING,
                             _EXPLICIT.format(n=64, t=0.1)], threads=1)


@_NO_JIT
@pytest.mark.slow
def test_cache_sequence_with_the_threaded_accelerators(tmp_path):
    # grids of ≥ 32768 cells on 2 threads select the parallel kernels (threaded, plane2d_threaded)
    big = 40000
    two_d = (_EXPLICIT.replace("Grid((0.0, 2 * np.pi), {n}, periodic=True)", "Grid([(0.0, 6.3)] * 2, 200)")
             .replace("g.axes[0]", "g.coords[0]"))
    seq = [_IMEX.format(n=big, t=1e-3), _EXPLICIT.format(n=big, t=1e-4), two_d.format(t=1e-3), _DOCSTRING,
           _EXPLICIT.format(n=big, t=1e-4), two_d.format(t=1e-3)]
    _run_sequence(tmp_path, seq, threads=2)


# ----------------------------------------------------------------------------- Hopf–Lax overflow
def _brute(f, g, t):
    P = g.points.reshape(-1, g.ndim)
    D = P[:, None, :] - P[None, :, :]
    cost = f.ravel()[None, :] + np.sum(D**2, -1) / (2 * t)
    return cost.min(axis=1).reshape(g.shape)


@pytest.mark.parametrize("t", [1e300, 1e308, 1.7e308])
def test_hopf_lax_at_huge_t_is_the_minimum_of_f(t, rng):
    # 1/(2t) is subnormal: parabola crossings overflow to ±inf (the loop once stepped below index 0)
    for g in (Grid((-2.0, 2.0), 200), Grid([(-1.0, 1.0), (0.0, 2.0)], (30, 20))):
        f = rng.normal(size=g.shape)
        with np.errstate(over="ignore", under="ignore"):  # (pure-Python kernels under NUMBA_DISABLE_JIT=1)
            r = hopf_lax(f, g, t)
        np.testing.assert_allclose(r.u, _brute(f, g, t), rtol=0, atol=1e-300)
        np.testing.assert_allclose(r.u, f.min(), rtol=1e-15)
        assert np.all(r.prox_index >= 0) and np.all(r.prox_index < np.array(g.shape))
        np.testing.assert_array_equal(f[tuple(np.moveaxis(r.prox_index, -1, 0))], f.min())


def test_hopf_lax_with_huge_value_differences(rng):
    # |Δf| near 1e308 overflows the crossing at ordinary t as well
    g = Grid((-2.0, 2.0), 150)
    f = rng.choice([-8e307, 0.0, 8e307], size=g.shape) + rng.normal(size=g.shape)
    with np.errstate(over="ignore"):  # (the pure-Python kernels under NUMBA_DISABLE_JIT=1 warn on it)
        for t in (1e-3, 0.3, 1e5):
            np.testing.assert_array_equal(hopf_lax(f, g, t).u, _brute(f, g, t))


# ----------------------------------------------------------------------------- bounds checking
_BOUNDSCHECK = """
import numpy as np
from deeprelax.pde import Grid, hopf_lax, solve_hj, cole_hopf
rng = np.random.default_rng(0)
for g in (Grid((-2.0, 2.0), 60), Grid([(-1.0, 1.0), (0.0, 2.0)], (12, 9), periodic=[True, False]),
          Grid([(-1.0, 1.0)] * 3, (6, 5, 4), periodic=True)):
    f = rng.normal(size=g.shape)
    for t in (1e-3, 0.5, 1e308):
        hopf_lax(f, g, t)
    hopf_lax(np.where(rng.random(g.shape) < 0.5, -8e307, 8e307), g, 0.3)
    for scheme in ("ssprk3", "imex_ars222"):
        for ham in ("godunov", "lax_friedrichs"):
            solve_hj(f, g, 0.01, 0.1, scheme=scheme, hamiltonian=ham,
                     drift=rng.normal(size=g.shape + (g.ndim,)))
    cole_hopf(f, g, 0.3, 50.0)
"""


@pytest.mark.slow
def test_kernels_under_numba_boundscheck(tmp_path):
    env = dict(os.environ, NUMBA_BOUNDSCHECK="1", NUMBA_CACHE_DIR=str(tmp_path / "nc"), PYTHONPATH=str(ROOT))
    p = subprocess.run([sys.executable, "-c", _BOUNDSCHECK], env=env, cwd=ROOT, capture_output=True, text=True,
                       timeout=1800)
    assert p.returncode == 0, p.stderr[-3000:]
