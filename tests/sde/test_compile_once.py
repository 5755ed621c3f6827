"""Compile once: a second process integrating the same catalogue or sympy landscape loads every
kernel from the disk cache (Numba's own hit/miss counters, not timings)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numba
import pytest

_SCRIPT = r"""
import json
import numpy as np
from deeprelax import landscapes, sde
from deeprelax._core._codegen import bind
from deeprelax.landscapes._base import _rows_body
from deeprelax.sde._kernels import ADDITIVE, ENSEMBLES

f = landscapes.from_sympy("(x**2 - 1)**2/4 + a*y**2/2 + x*y/10", ["x", "y"], {"a": 2.0})
out = {}
for name, s in (("example19", sde.langevin(landscapes.example19(1.5))), ("sympy", sde.langevin(f))):
    sde.sdeint(s, [1.0, 0.0], (0.0, 0.05), 0.01, n_paths=4, seed=1)
    k = bind(ENSEMBLES[ADDITIVE], parallel=True, bk=s.drift_kernel, gk=s.diffusion_kernel)
    out[name] = [k.stats.cache_hits.total(), k.stats.cache_misses.total()]
f.grad(np.zeros((3, 2)))
k = bind(_rows_body, parallel=False, f=f.grad_kernel)
out["sympy grad loop"] = [k.stats.cache_hits.total(), k.stats.cache_misses.total()]
print(json.dumps(out))
"""


@pytest.mark.slow
@pytest.mark.skipif(numba.config.DISABLE_JIT, reason="no compilation without JIT")
def test_second_process_loads_every_kernel_from_the_cache(tmp_path):
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("DEEPRELAX_KERNEL_DIR", None)
    runs = []
    for _ in range(2):
        p = subprocess.run([sys.executable, "-c", _SCRIPT], env=env, capture_output=True, text=True, timeout=900)
        assert p.returncode == 0, p.stderr[-3000:]
        runs.append(json.loads(p.stdout.strip().splitlines()[-1]))
    first, second = runs
    for name, (hits, misses) in second.items():
        assert misses == 0 and hits >= 1, (name, second)
    # negative control: the first process did compile them (fresh cache)
    assert all(m >= 1 for _, m in first.values()), first


_USER_SCRIPT = r"""
import json
import numba
import numpy as np
from deeprelax import landscapes, sde
from deeprelax._core._codegen import bind
from deeprelax.sde._kernels import ADDITIVE, ENSEMBLES


@numba.njit(cache=True)
def value(x, p):
    return 0.25 * (x[0] ** 2 - 1.0) ** 2 + 0.5 * p[0] * x[1] ** 2


@numba.njit(cache=True)
def grad(x, p, out):
    out[0] = x[0] * (x[0] ** 2 - 1.0)
    out[1] = p[0] * x[1]


s = sde.langevin(landscapes.from_numba(value, grad, dim=2, params=[2.0]))
sde.sdeint(s, [1.0, 0.0], (0.0, 0.05), 0.01, n_paths=4, seed=1)
k = bind(ENSEMBLES[ADDITIVE], parallel=True, bk=s.drift_kernel, gk=s.diffusion_kernel)
print(json.dumps([k.stats.cache_hits.total(), k.stats.cache_misses.total()]))
"""


@pytest.mark.slow
@pytest.mark.skipif(numba.config.DISABLE_JIT, reason="no compilation without JIT")
def test_a_user_script_compiles_its_landscape_kernels_once(tmp_path):
    script = tmp_path / "my_landscape.py"
    script.write_text(_USER_SCRIPT)
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("DEEPRELAX_KERNEL_DIR", None)
    runs = []
    for _ in range(2):
        p = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=900,
                           cwd=os.getcwd())
        assert p.returncode == 0, p.stderr[-3000:]
        runs.append(json.loads(p.stdout.strip().splitlines()[-1]))
    (h1, m1), (h2, m2) = runs
    assert m1 >= 1 and m2 == 0 and h2 >= 1, runs
