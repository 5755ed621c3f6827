"""Every registered SDE accelerator against the generic kernel, and the registry's choices.

em_linear (d < BLAS_MIN_DIM): bit for bit. em_blas (step-outer GEMM per fixed block of
paths): to round-off, and bit-identical across threads, chunking, sizes."""

from __future__ import annotations

import math

import numba
import numpy as np
import pytest

from deeprelax import landscapes
from deeprelax import sde as S
from deeprelax._core import path_states, rng_next, rng_normal
from deeprelax._core._rng import rng_next4, rng_normal4
from deeprelax.sde import _integrate
from deeprelax.sde._accel import BLAS_MIN_DIM, SDE_ACCELERATORS
from deeprelax.sde._kernels import ADDITIVE, EULER_MARUYAMA, FACTOR, HEUN, MILSTEIN, KernelScalars, generic_kernel

ACCS = {a.name: a for a in SDE_ACCELERATORS.accelerators}


def _ou(d: int, rank: int | None = None, center: bool = False) -> S.SDE:
    rng = np.random.default_rng(d)
    A = rng.normal(size=(d, d)) / np.sqrt(d)
    H = A @ A.T + 0.5 * np.eye(d)
    B = rng.normal(size=(d, rank or d)) / np.sqrt(d)
    D = B @ B.T + (0.0 if rank else 0.1) * np.eye(d)
    c = rng.normal(size=d) if center else None
    return S.langevin(landscapes.quadratic(H, c), 2.0, D)


def _both(sde, monkeypatch, **kw):
    fast = S.sdeint(sde, **kw)
    with SDE_ACCELERATORS.disabled():
        slow = S.sdeint(sde, **kw)
    assert slow.accelerator == ""
    return fast, slow


CASES = {
    "d2": lambda: _ou(2, center=True),
    "d2-rank1": lambda: _ou(2, rank=1),
    "d1": lambda: _ou(1),
    "d5-rank2": lambda: _ou(5, rank=2, center=True),
}
BLAS_CASES = {
    "d20-center": lambda: _ou(20, center=True),
    "d24-rank3": lambda: _ou(24, rank=3),
}


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("scheme", ["euler_maruyama", "milstein"])
def test_fast_path_is_bit_identical_to_generic(name, scheme, monkeypatch):
    sde = CASES[name]()
    if scheme == "milstein" and name != "d2":
        pytest.skip("one Milstein case suffices (Milstein = EM for additive noise)")
    n = 45  # one full and one partial path block
    x0 = np.random.default_rng(3).normal(size=(n, sde.dim))
    fast, slow = _both(sde, monkeypatch, x0=x0, t_span=(0.0, 0.37), dt=0.01, scheme=scheme,
                       seed=9, save_every=5)
    assert fast.success and slow.success and fast.accelerator == "em_linear"
    assert np.array_equal(fast.x, slow.x)
    assert np.array_equal(fast.rng_state, slow.rng_state)
    assert np.max(np.abs(fast.x[-1] - x0)) > 1e-2


@pytest.mark.parametrize("name", list(BLAS_CASES))
def test_blas_path_matches_generic_to_roundoff(name, monkeypatch):
    sde = BLAS_CASES[name]()
    assert sde.dim >= BLAS_MIN_DIM
    n = 70  # one full and one partial BLAS block
    x0 = np.random.default_rng(3).normal(size=(n, sde.dim))
    fast, slow = _both(sde, monkeypatch, x0=x0, t_span=(0.0, 0.37), dt=0.01, seed=9, save_every=5)
    assert fast.success and slow.success and fast.accelerator == "em_blas"
    np.testing.assert_allclose(fast.x, slow.x, rtol=1e-11, atol=1e-12)
    assert np.array_equal(fast.rng_state, slow.rng_state)
    assert np.max(np.abs(fast.x[-1] - x0)) > 1e-2


@pytest.mark.parametrize("name", ["d5-rank2", "d20-center"])
def test_fast_path_thread_and_chunking_invariance(name, monkeypatch):
    sde = {**CASES, **BLAS_CASES}[name]()
    kw = dict(x0=np.zeros(sde.dim), t_span=(0.0, 0.3), dt=0.01, n_paths=70, seed=2, save_every=7)
    ref = S.sdeint(sde, **kw)
    old = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = S.sdeint(sde, **kw)
    finally:
        numba.set_num_threads(old)
    with monkeypatch.context() as mp:
        mp.setattr(_integrate, "CALL_PATH_STEPS", 50)
        mp.setattr(_integrate, "TASKS_PER_THREAD", 11)
        chunked = S.sdeint(sde, **kw)
    small = S.sdeint(sde, **{**kw, "n_paths": 13})
    assert np.array_equal(one.x, ref.x) and np.array_equal(chunked.x, ref.x)
    assert np.array_equal(small.x, ref.x[:, :13])


@pytest.mark.parametrize("d", [2, 6, 20])
def test_fast_path_reports_the_first_nonfinite_step(d, monkeypatch):
    """An unstable linear drift blows up: same step, path, saved states and streams."""
    H = -40.0 * np.eye(d)
    sde = S.ornstein_uhlenbeck(H, np.eye(d), 1.0)
    x0 = np.zeros((9, d))
    x0[4] = 1e290  # path 4 overflows first (after ~38 steps of ×3)
    fast, slow = _both(sde, monkeypatch, x0=x0, t_span=(0.0, 3.0), dt=0.05, seed=1, save_every=4)
    assert fast.status == slow.status == S.NONFINITE
    assert fast.nonfinite_path == slow.nonfinite_path == 4
    if d < BLAS_MIN_DIM:
        assert fast.nonfinite_step == slow.nonfinite_step
        assert np.array_equal(fast.x, slow.x, equal_nan=True)
        assert np.array_equal(fast.rng_state, slow.rng_state)
    else:
        # the GEMM applies x·(1 + 40Δt) at once, the generic kernel overflows in b = 40x
        # first (a few steps earlier): same path, the step where this path's state overflows
        k = fast.nonfinite_step
        assert 0 <= k - slow.nonfinite_step <= 5
        blk = k // 4  # save_every = 4: save 1 + blk holds the first non-finite state
        assert np.all(np.isfinite(fast.x[blk, 4])) and not np.all(np.isfinite(fast.x[1 + blk, 4]))
        assert np.array_equal(fast.x[-1, 4], fast.x[1 + blk, 4], equal_nan=True)  # frozen
        np.testing.assert_allclose(fast.x[:, :4], slow.x[:, :4], rtol=1e-11)


@pytest.mark.parametrize("name", sorted(ACCS))
@pytest.mark.parametrize("d", [1, 2, 5, 20])
def test_every_accelerator_equals_the_generic_kernel(name, d):
    """Each registered kernel, called directly with the generic kernel's arguments, on problems
    meeting its declared properties: bitwise or to round-off, as it declares."""
    acc = ACCS[name]
    props = {"noise": ADDITIVE, "drift": "linear", "scheme": EULER_MARUYAMA, "increments": "streams", "dim": d}
    if not acc.applies(props):
        pytest.skip(f"{name} does not apply at d = {d}")
    sde = _ou(d, rank=max(1, d // 2), center=True)
    n, dt = 45, 0.01
    x0 = np.random.default_rng(d).normal(size=(n, d))
    sp = KernelScalars(EULER_MARUYAMA, True, True, 1.0, sde.noise_dim, FACTOR, 1.0, dt, math.sqrt(dt),
                       3, 4, 2, 0, False, 3)
    runs = []
    for kern in (acc.kernels["ensemble"], generic_kernel(ADDITIVE, sde.drift_kernel, sde.diffusion_kernel)):
        x, st = x0.copy(), path_states(7, n)
        out, bad = np.empty((3, n, d)), np.full(n, -1, dtype=np.int64)
        kern(sp, sde.drift_kernel, sde.drift_params, sde.diffusion_kernel, sde.diffusion_params,
             sde.diffusion_matrix, x, st, np.zeros((1, 1, 1)), np.zeros((1, 1, 1)), out, bad)
        runs.append((x, st, out, bad))
    (xa, sa, oa, ba), (xg, sg, og, bg) = runs
    assert np.array_equal(sa, sg) and np.array_equal(ba, bg) and np.all(bg < 0)
    assert np.max(np.abs(xg - x0)) > 1e-2
    if acc.equality == "bitwise":
        assert np.array_equal(oa, og) and np.array_equal(xa, xg)
    else:
        np.testing.assert_allclose(oa, og, rtol=1e-11, atol=1e-12)
        np.testing.assert_allclose(xa, xg, rtol=1e-11, atol=1e-12)


def test_registry_chooses_by_declared_properties():
    base = {"noise": ADDITIVE, "drift": "linear", "scheme": EULER_MARUYAMA, "increments": "streams", "dim": 2}
    pick = lambda **p: getattr(SDE_ACCELERATORS.select("ensemble", {**base, **p}), "name", None)
    assert pick() == "em_linear" and pick(scheme=MILSTEIN) == "em_linear"
    assert pick(dim=BLAS_MIN_DIM) == "em_blas" and pick(dim=BLAS_MIN_DIM - 1) == "em_linear"
    assert pick(drift="kernel") is None
    assert pick(scheme=HEUN) is None
    assert pick(increments="given") is None
    assert pick(noise=1) is None
    with SDE_ACCELERATORS.disabled():
        assert pick() is None


def test_the_linear_property_not_the_kernel_object_selects_the_fast_path():
    """An equal copy of an SDE (e.g. one unpickled in a worker) still takes the accelerator."""
    import pickle

    sde = _ou(2)
    copy = pickle.loads(pickle.dumps(sde))
    a = S.sdeint(sde, np.zeros(2), (0.0, 0.1), 0.01, n_paths=5, seed=1)
    b = S.sdeint(copy, np.zeros(2), (0.0, 0.1), 0.01, n_paths=5, seed=1)
    assert a.accelerator == b.accelerator == "em_linear"
    assert np.array_equal(a.x, b.x)


def test_no_accelerators_fixture_runs_the_generic_kernel(no_accelerators):
    sol = S.sdeint(_ou(2), np.zeros(2), (0.0, 0.1), 0.01, n_paths=5, seed=1)
    assert sol.accelerator == ""


def test_register_rng_matches_array_rng():
    """rng_next4 / rng_normal4 give exactly rng_next / rng_normal (incl. tail and wedges)."""
    st = path_states(5, 1)[0]
    n = 200_000
    a, b = _draws(st.copy(), n)
    assert np.array_equal(a, b)
    assert np.sum(np.abs(a) > 3.442619855899) > 10  # the tail branch was exercised


@numba.njit(cache=True)
def _draws(s, n):
    out = np.empty((2, n))
    t0, t1, t2, t3 = s[0], s[1], s[2], s[3]
    s4 = s.copy()
    for k in range(n):
        out[0, k] = rng_normal(s4)
        z, t0, t1, t2, t3 = rng_normal4(t0, t1, t2, t3)
        out[1, k] = z
    r1 = rng_next(s4)
    r2, t0, t1, t2, t3 = rng_next4(t0, t1, t2, t3)
    res = out[1].copy()
    res[-1] = res[-1] if r1 == r2 else np.nan
    return out[0], res
