"""Path i depends only on (seed, i): runs, thread counts, chunkings, sub-ensembles, continuation."""

from __future__ import annotations

import tracemalloc

import numba
import numpy as np
import pytest

from deeprelax import landscapes
from deeprelax import sde as S
from deeprelax.sde import _integrate

from .conftest import gbm


@pytest.fixture(scope="module")
def ex19():
    return S.langevin(landscapes.example19(1.5))


SDES = {"example19": lambda: S.langevin(landscapes.example19(1.5)), "gbm": lambda: gbm("ito", 2)}


def _run(sde, n_paths=37, scheme="euler_maruyama", **kw):
    x0 = [0.3, 0.2]
    return S.sdeint(sde, x0, (0.0, 0.6), 0.01, n_paths=n_paths, scheme=scheme, seed=123,
                    save_every=7, **kw)


@pytest.mark.parametrize("name", list(SDES))
def test_same_seed_is_bit_identical(name):
    sde = SDES[name]()
    a, b = _run(sde), _run(sde)
    assert np.array_equal(a.x, b.x) and np.array_equal(a.rng_state, b.rng_state)
    assert not np.array_equal(a.x, S.sdeint(sde, [0.3, 0.2], (0, 0.6), 0.01, n_paths=37, seed=124,
                                             save_every=7).x)


def test_thread_count_does_not_change_results(ex19):
    old = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = _run(ex19, scheme="sra1")
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        two = _run(ex19, scheme="sra1")
    finally:
        numba.set_num_threads(old)
    assert np.array_equal(one.x, two.x)


def test_chunking_does_not_change_results(ex19, monkeypatch):
    ref = _run(ex19)
    monkeypatch.setattr(_integrate, "CALL_PATH_STEPS", 50)  # one save block per kernel call
    monkeypatch.setattr(_integrate, "TASKS_PER_THREAD", 11)
    assert np.array_equal(_run(ex19).x, ref.x)


def test_first_k_paths_of_a_larger_ensemble(ex19):
    big = _run(ex19, n_paths=101)
    small = _run(ex19, n_paths=13)
    assert np.array_equal(big.x[:, :13], small.x)


def test_continuing_from_rng_state_equals_one_run(ex19):
    one = S.sdeint(ex19, [0.3, 0.2], (0.0, 0.6), 0.01, n_paths=9, seed=4, save_every=30)
    first = S.sdeint(ex19, [0.3, 0.2], (0.0, 0.3), 0.01, n_paths=9, seed=4, save_every=30)
    second = S.sdeint(ex19, first.x[-1], (0.3, 0.6), 0.01, rng_state=first.rng_state, save_every=30)
    assert np.array_equal(second.x[-1], one.x[-1])
    np.testing.assert_allclose(second.t[-1], 0.6)


def test_million_paths_store_only_saved_states(ex19):
    """10⁶ paths × 20 steps, save_every = 20: stores 2 states per path (32 MB), not 20 (320 MB)."""
    n, steps = 1_000_000, 20
    tracemalloc.start()
    sol = S.sdeint(ex19, [0.5, 0.0], (0.0, steps * 0.01), 0.01, n_paths=n, seed=0, save_every=steps)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert sol.x.shape == (2, n, 2) and sol.success
    full = steps * n * 2 * 8
    assert peak < 0.4 * full, f"peak {peak / 1e6:.0f} MB vs {full / 1e6:.0f} MB for every step"
