"""The suite under Numba's debugging modes: bounds-checked kernels and pure Python.

``NUMBA_BOUNDSCHECK=1`` makes every compiled array access raise ``IndexError`` instead
of reading wrapped memory, so an index that runs out of range (issue 9, item 2: the
Hopf–Lax lower envelope) fails loudly. ``NUMBA_DISABLE_JIT=1`` runs every kernel as
plain Python, which the package promises to support (and which checks indices too).

Each mode runs a chosen subset of the fast tier — the tests that exercise the
compiled kernels of every room (landscapes, SDE, PDE, optimizers, nn, theory) — in a
child pytest with its *own* Numba cache directory (bounds-checked machine code must
neither be loaded from nor written to the shared cache: the cache index does not key
on the flag). Both are in the slow tier: a cold compile of every kernel takes minutes
on a loaded 2-core machine.

Run one directly with ``pytest tests/test_numba_modes.py -m slow -k boundscheck``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

_ROOT = Path(__file__).resolve().parents[1]

#: Test files run under each mode: the kernels of every room, fast tier only.
SUBSET = [
    "tests/landscapes",
    "tests/pde/test_hopf_lax.py",
    "tests/pde/test_hj.py",
    "tests/pde/test_fokker_planck.py",
    "tests/pde/test_grid.py",
    "tests/pde/test_reliability.py",
    "tests/sde/test_kernels.py",
    "tests/sde/test_errors.py",
    "tests/optim/test_api.py",
    "tests/optim/test_nonfinite.py",
    "tests/nn/test_kernels.py",
    "tests/nn/test_derivatives.py",
    "tests/theory",
]

#: Wall-clock limit of one mode's child run (s).
MODE_TIMEOUT = 3600


def _run_subset(tmp_path: Path, **flags: str) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.update(flags)
    env["NUMBA_CACHE_DIR"] = str(tmp_path / "numba_cache")  # never share debug-mode machine code
    env.setdefault("OMP_NUM_THREADS", "1")
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    env.setdefault("MKL_NUM_THREADS", "1")
    paths = [p for p in SUBSET if (_ROOT / p).exists()]
    cmd = [sys.executable, "-m", "pytest", *paths, "-q", "-x", "-p", "no:cacheprovider", "-m", "not slow",
           "--no-header"]
    return subprocess.run(cmd, cwd=_ROOT, env=env, capture_output=True, text=True, timeout=MODE_TIMEOUT)


def _assert_green(proc: subprocess.CompletedProcess, mode: str) -> None:
    tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-60:])
    assert proc.returncode == 0, f"the fast subset fails under {mode} (rc {proc.returncode}):\n{tail}"


@pytest.mark.slow
def test_subset_clean_under_boundscheck(tmp_path):
    proc = _run_subset(tmp_path, NUMBA_BOUNDSCHECK="1")
    _assert_green(proc, "NUMBA_BOUNDSCHECK=1")


@pytest.mark.slow
def test_subset_green_without_jit(tmp_path):
    proc = _run_subset(tmp_path, NUMBA_DISABLE_JIT="1")
    _assert_green(proc, "NUMBA_DISABLE_JIT=1")


@pytest.mark.slow
def test_boundscheck_catches_an_out_of_range_read(tmp_path):
    """Negative control: the flag really reaches the child and turns a wrapped read into IndexError."""
    code = (
        "import numba, numpy as np\n"
        "@numba.njit\n"
        "def f(a, i):\n"
        "    return a[i]\n"
        "try:\n"
        "    f(np.zeros(3), 7)\n"
        "except IndexError:\n"
        "    raise SystemExit(3)\n"
    )
    env = dict(os.environ, NUMBA_BOUNDSCHECK="1", NUMBA_CACHE_DIR=str(tmp_path / "c"))
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 3, proc.stderr[-2000:]
