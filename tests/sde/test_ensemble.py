"""`sde.ensemble`: blocks on executors, per-path outputs invariant to the block size, merged moments,
SDEs pickled by name."""

from __future__ import annotations

import multiprocessing
import pickle
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest

from deeprelax import landscapes
from deeprelax import sde as S
from deeprelax._core import ParameterError
from deeprelax.sde._ensemble import _Merge

from .conftest import H_OU, gbm


def _ou2() -> S.SDE:
    return S.langevin(landscapes.quadratic(H_OU, [0.3, -0.2]), 4.0, [[2.0, 0.6], [0.6, 0.5]])


KW = dict(t_span=(0.0, 0.5), dt=0.01, seed=11, save_every=10)


@pytest.mark.parametrize("make", [_ou2, lambda: S.langevin(landscapes.example19(1.5)), lambda: gbm("ito", 2)],
                         ids=["ou-accelerated", "example19-generic", "gbm-diagonal"])
def test_per_path_outputs_are_one_sdeint_call_whatever_the_block_size(make):
    sde = make()
    x0 = np.full(sde.dim, 0.5)
    ref = S.sdeint(sde, x0, n_paths=37, **KW)
    for bp in (37, 10, 1):
        r = S.ensemble(sde, x0, n_paths=37, observe="paths", block_paths=bp, **KW)
        assert r.success and r.count == 37 and r.n_blocks == -(-37 // bp)
        assert np.array_equal(r.paths, ref.x) and np.array_equal(r.t, ref.t)
    fn = S.ensemble(sde, x0, n_paths=37, observe=lambda t, x: x[-1].sum(axis=1), block_paths=8, **KW)
    assert np.array_equal(fn.values, ref.x[-1].sum(axis=1))


def test_first_passage_times_on_the_save_grid():
    sde, x0 = _ou2(), np.zeros(2)
    ref = S.sdeint(sde, x0, n_paths=50, t_span=(0.0, 2.0), dt=0.01, seed=4, save_every=2)
    r = S.ensemble(sde, x0, (0.0, 2.0), 0.01, n_paths=50, seed=4, save_every=2, observe="first_passage",
                   coord=0, level=0.4, block_paths=7)
    for i in range(50):  # the first saved time at or above the level, by a plain loop
        k = next((k for k in range(ref.t.size) if ref.x[k, i, 0] >= 0.4), None)
        assert r.values[i] == (np.inf if k is None else ref.t[k])
    assert 0 < np.sum(np.isfinite(r.values)) < 50  # both outcomes occur


def test_block_size_invariance_on_the_step_outer_blas_path():
    """d = 20 runs the GEMM accelerator: blocks that are multiples of its 64-path block."""
    rng = np.random.default_rng(0)
    A = rng.normal(size=(20, 20)) / 5
    sde = S.langevin(landscapes.quadratic(A @ A.T + np.eye(20)), 2.0)
    ref = S.sdeint(sde, np.zeros(20), n_paths=200, **KW)
    r = S.ensemble(sde, np.zeros(20), n_paths=200, observe="paths", block_paths=64, **KW)
    assert np.array_equal(r.paths, ref.x)


def test_moments_equal_the_merge_of_one_sdeint_call_and_histograms_are_exact():
    sde, x0 = _ou2(), np.zeros(2)
    ref = S.sdeint(sde, x0, n_paths=300, **KW)
    one = S.ensemble(sde, x0, n_paths=300, block_paths=300, **KW)
    m = _Merge("moments")
    mean = ref.x.mean(axis=1)
    m.add({"n": 300, "mean": mean, "M2": ((ref.x - mean[:, None]) ** 2).sum(axis=1)})
    assert np.array_equal(one.mean, m.mean) and np.array_equal(one.var, m.var())
    many = S.ensemble(sde, x0, n_paths=300, block_paths=32, **KW)
    np.testing.assert_allclose(many.mean, ref.x.mean(axis=1), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(many.var, ref.x.var(axis=1, ddof=1), rtol=1e-11)
    edges = np.linspace(-1.5, 1.5, 31)
    h = S.ensemble(sde, x0, n_paths=300, observe="histogram", edges=edges, coord=1, block_paths=7, **KW)
    want = np.stack([np.histogram(ref.x[k, :, 1], bins=edges)[0] for k in range(ref.x.shape[0])])
    assert np.array_equal(h.hist, want) and h.hist[-1].sum() > 250


def test_process_pool_gives_bitwise_the_in_process_result():
    sde, x0 = S.langevin(landscapes.example19(1.5)), np.array([1.0, 0.0])
    kw = dict(n_paths=120, block_paths=16, **KW)
    here = S.ensemble(sde, x0, **kw)
    ctx = multiprocessing.get_context("spawn")  # a fresh process: the SDE travels by pickle
    with ProcessPoolExecutor(2, mp_context=ctx) as ex:
        there = S.ensemble(sde, x0, executor=ex, worker_threads=1, **kw)
    assert here.count == there.count == 120
    assert np.array_equal(here.mean, there.mean) and np.array_equal(here.var, there.var)


def test_target_stderr_stops_after_a_whole_round():
    sde, x0 = _ou2(), np.zeros(2)
    full = S.ensemble(sde, x0, n_paths=4000, block_paths=100, **KW)
    assert full.count == 4000 and full.n_blocks == 40
    early = S.ensemble(sde, x0, n_paths=4000, block_paths=100, target_stderr=0.05, blocks_per_round=2, **KW)
    assert early.count < 4000 and early.count % 200 == 0
    assert np.all(early.stderr <= 0.05)
    # the first rounds are the same paths as the full run's first blocks
    part = S.ensemble(sde, x0, n_paths=early.count, block_paths=100, blocks_per_round=2, **KW)
    assert np.array_equal(part.mean, early.mean)


def test_ou_stationary_variance():
    """dx = −x dt + √(2/β) dW, β = 2: Var → 1/β = 0.5 (t = 5: within 1e-4 of it). MC budget
    20 000 paths: the variance estimator's s.e. is 0.5·√(2/n) ≈ 0.005; margin 4 s.e. = 0.02.
    Negative control: β = 2.5 (Var 0.4) fails the same check."""
    def var_at_5(beta):
        ou = S.langevin(landscapes.quadratic([[1.0]]), beta=beta)
        r = S.ensemble(ou, [0.0], (0.0, 5.0), 0.005, n_paths=20_000, seed=3, save_every=1000, block_paths=4096)
        return float(r.var[-1, 0])
    assert abs(var_at_5(2.0) - 0.5) < 0.02
    assert not abs(var_at_5(2.5) - 0.5) < 0.02


def test_sde_pickles_its_kernels_by_name():
    sde = S.langevin(landscapes.example19(1.5))
    blob = pickle.dumps(sde)
    back = pickle.loads(blob)
    assert back.drift_kernel is sde.drift_kernel and back.field.kernel is sde.field.kernel
    assert len(blob) < 4000  # names, not bytecode
    f = landscapes.from_sympy("(x**2 - 1)**2 + a*y**2", ["x", "y"], {"a": 2.0})
    g = pickle.loads(pickle.dumps(S.langevin(f)))
    assert g.drift_kernel is f.grad_kernel


def test_nonfinite_block_stops_and_reports():
    sde = S.ornstein_uhlenbeck(-40.0 * np.eye(2), np.eye(2), 1e-6)
    r = S.ensemble(sde, np.full(2, 1e300), (0.0, 3.0), 0.05, n_paths=20, seed=1, block_paths=5)
    assert r.status == S.NONFINITE and r.count == 0 and "path 0 went non-finite" in r.message


@pytest.mark.parametrize("kw, match", [
    (dict(n_paths=0), "n_paths"), (dict(n_paths=10, block_paths=0), "block_paths"),
    (dict(n_paths=10, observe="median"), "observe"), (dict(n_paths=10, observe="histogram"), "edges"),
    (dict(n_paths=10, observe="histogram", edges=[1.0, 0.0]), "edges"),
    (dict(n_paths=10, target_stderr=-1.0), "target_stderr"),
    (dict(n_paths=10, observe="paths", target_stderr=0.1), "target_stderr"),
    (dict(n_paths=10, coord=2), "coord"),
    (dict(n_paths=10, observe="first_passage"), "level"),
    (dict(n_paths=10, observe="first_passage", level=float("nan")), "level"),
])
def test_bad_input(kw, match):
    with pytest.raises(ParameterError, match=match):
        S.ensemble(_ou2(), np.zeros(2), (0.0, 0.1), 0.01, **kw)


@pytest.mark.slow
def test_dask_local_cluster_gives_bitwise_the_in_process_result():
    """Two Dask worker processes on 127.0.0.1 (started and stopped by the test)."""
    pytest.importorskip("distributed")
    from deeprelax._core._executors import open_executor

    sde, x0 = S.langevin(landscapes.example19(1.5)), np.array([1.0, 0.0])
    kw = dict(n_paths=96, block_paths=16, **KW)
    here = S.ensemble(sde, x0, **kw)
    with open_executor(local=2, worker_threads=1) as ex:
        there = S.ensemble(sde, x0, executor=ex, **kw)
        paths = S.ensemble(sde, x0, executor=ex, observe="paths", **kw)
    assert np.array_equal(here.mean, there.mean) and np.array_equal(here.var, there.var)
    assert np.array_equal(paths.paths, S.sdeint(sde, x0, n_paths=96, **KW).x)
