"""Every registered accelerator against its generic kernel (bitwise or round-off, as it declares)."""

import numpy as np
import pytest

from deeprelax.pde import Grid, hopf_lax, solve_hj
from deeprelax.pde._hj import HJ_ACCELERATORS, HJ_SCHEMES, _hj_stage, _rk_steps, hj_kernel, hj_rhs_numpy
from deeprelax.pde._hj_accel import PARALLEL_MIN_CELLS
from deeprelax.pde._hopf_lax import (
    HOPF_LAX_ACCELERATORS,
    _compose_generic,
    _compose_numpy,
    _hopf_lax_lines,
    _hopf_lax_numpy_line,
    hopf_lax_axis,
)

HJ = {a.name: a for a in HJ_ACCELERATORS.accelerators}
HL = {a.name: a for a in HOPF_LAX_ACCELERATORS.accelerators}


def _same(acc, x, y):
    if acc.equality == "bitwise":
        np.testing.assert_array_equal(x, y)
    else:
        np.testing.assert_allclose(x, y, rtol=1e-13, atol=1e-13)


def _hj_grids(acc):
    """Small grids meeting the accelerator's declared ndim (sizes do not change the maths)."""
    dims = acc.requires.get("ndim", (1, 2, 3))
    shapes = {1: [(40,)], 2: [(7, 5), (5, 3), (12, 9)], 3: [(6, 5, 4)]}
    return [Grid([(-1.0, 1.0), (0.0, 2.0), (0.0, 1.0)][:d], s, periodic=p)
            for d in dims for s in shapes[d] for p in (False, True)]


@pytest.mark.parametrize("name", sorted(HJ))
@pytest.mark.parametrize("ham", ["godunov", "lax_friedrichs"])
@pytest.mark.parametrize("rec", ["upwind1", "eno2"])
def test_hj_accelerator_equals_generic_kernel(name, ham, rec, rng):
    acc = HJ[name]
    for g in _hj_grids(acc):
        drift = rng.normal(size=g.shape + (g.ndim,)) if acc.applies({**_props(g), "drift": True}) else None
        op = hj_kernel(g, ham, rec, 0.2, alpha=rng.uniform(0.5, 1.5, g.ndim), drift=drift)
        shape3 = g.shape + (1,) * (3 - g.ndim)
        u, u0 = rng.normal(size=shape3), rng.normal(size=shape3)
        if "stage" in acc.kernels:
            fast, ref = np.empty_like(u), np.empty_like(u)
            acc.kernels["stage"](u, u0, fast, 0.3, 0.6, 0.01, op)
            _hj_stage(u, u0, ref, 0.3, 0.6, 0.01, op)
            _same(acc, fast, ref)
            # and both against the numpy twin (E(u) alone: a = b = 0, c = 1)
            acc.kernels["stage"](u, u, fast, 0.0, 0.0, 1.0, op)
            twin = hj_rhs_numpy(u.reshape(g.shape), g, 0.2, ham, rec, alpha=op.alpha[: g.ndim], drift=drift)
            np.testing.assert_allclose(fast.reshape(g.shape), twin, atol=1e-11)
        if "steps" in acc.kernels:
            tab = np.array(HJ_SCHEMES["ssprk3"].tableau)
            a, b = u.copy(), u.copy()
            acc.kernels["steps"](a, *(np.empty_like(u) for _ in range(3)), 5, 1e-3, tab, op)
            _rk_steps(b, *(np.empty_like(u) for _ in range(3)), 5, 1e-3, tab, op)
            _same(acc, a, b)


def _props(g):
    return {"ndim": g.ndim, "cells": g.size, "threads": 2, "drift": False}


def test_hj_registry_chooses_by_declared_properties():
    pick = lambda **p: getattr(HJ_ACCELERATORS.select("steps", {**{"threads": 2, "drift": False}, **p}), "name", None)
    assert pick(ndim=2, cells=64) == "plane2d"
    assert pick(ndim=2, cells=PARALLEL_MIN_CELLS) == "plane2d_threaded"
    assert pick(ndim=2, cells=PARALLEL_MIN_CELLS, threads=1) == "plane2d"
    assert pick(ndim=3, cells=PARALLEL_MIN_CELLS) == "threaded"
    assert pick(ndim=1, cells=100) is None
    assert pick(ndim=2, cells=64, drift=True) is None  # the plane kernels have no drift term


def test_solve_hj_with_registry_off_is_bitwise_the_same(rng):
    g = Grid([(-np.pi, np.pi)] * 2, (24, 20), periodic=[True, False])
    f = np.sin(g.coords[0]) * np.cos(g.coords[1])
    fast = solve_hj(f, g, 0.1, 0.05)
    with HJ_ACCELERATORS.disabled():
        ref = solve_hj(f, g, 0.1, 0.05)
    assert fast.kernel == "plane2d" and ref.kernel == "generic"
    np.testing.assert_array_equal(fast.u, ref.u)


def test_fixture_switches_every_registry_off(no_accelerators):
    g = Grid([(-1.0, 1.0)] * 2, 16)
    f = np.cos(3 * g.coords[0]) + g.coords[1] ** 2
    assert solve_hj(f, g, 0.05, 0.1).kernel == "generic"
    assert hopf_lax(f, g, 0.2).kernel == "generic"


# ----------------------------------------------------------------------------- Hopf–Lax
@pytest.mark.parametrize("periodic", [False, True], ids=["reflecting", "periodic"])
@pytest.mark.parametrize("shape", [(40, 1), (3, 40, 1), (70, 1)], ids=["rows", "rows3", "line"])
def test_hopf_lax_rows_equals_generic_pass(shape, periodic, rng):
    acc = HL["rows"]
    a3 = rng.normal(size=shape).reshape(-1, shape[-2], 1)
    fast, ref = np.empty_like(a3), np.empty_like(a3)
    ga, gr = np.empty(a3.shape, np.int32), np.empty(a3.shape, np.int32)
    acc.kernels["lines"](a3, fast, ga, 0.1, 0.05, periodic)
    _hopf_lax_lines(a3, ref, gr, 0.1, 0.05, periodic)
    _same(acc, fast, ref)
    np.testing.assert_array_equal(ga, gr)
    for line, o, k in zip(a3[:, :, 0], fast[:, :, 0], ga[:, :, 0]):
        u_ref, _ = _hopf_lax_numpy_line(line, 0.1, 0.05, periodic)
        np.testing.assert_allclose(o, u_ref, atol=1e-13)
        assert np.all((k >= 0) & (k < line.size))


@pytest.mark.parametrize("periodic", [[False, False], [True, False], [True, True]], ids=["refl", "mixed", "per"])
def test_hopf_lax_compose2d_equals_generic_and_twin(periodic, rng):
    acc = HL["compose2d"]
    g = Grid([(-2.0, 2.0), (-1.0, 1.5)], (9, 7), periodic=periodic)
    f = np.sin(3 * g.coords[0]) + 0.3 * rng.normal(size=g.shape)
    args = []
    vals = f
    for k in range(2):
        vals, ak = hopf_lax_axis(vals, k, g.spacing[k], 0.3, g.periodic[k])
        args.append(ak)
    outs = [[np.empty(g.shape + (2,), dt) for dt in (np.int64, float, float)] for _ in range(2)]
    acc.kernels["compose"](args, g, 0.3, *outs[0])
    _compose_generic(args, g, 0.3, *outs[1])
    for x, y, z in zip(outs[0], outs[1], _compose_numpy(args, g, 0.3)):
        _same(acc, x, y)
        np.testing.assert_array_equal(x, z)


def _brute(f, g, t):
    P = g.points.reshape(-1, g.ndim)
    D = P[:, None, :] - P[None, :, :]
    for k in range(g.ndim):
        if g.periodic[k]:
            L = g.lengths[k]
            D[..., k] -= L * np.round(D[..., k] / L)
    cost = f.ravel()[None, :] + np.sum(D**2, -1) / (2 * t)
    return cost.min(axis=1), cost


@pytest.mark.parametrize("accelerated", [True, False], ids=["registry", "generic"])
@pytest.mark.parametrize("periodic", [[False, False, False], [True, False, True], [True, True, True]],
                         ids=["reflecting", "mixed", "periodic"])
@pytest.mark.parametrize("d", [1, 2, 3])
def test_hopf_lax_composition_equals_brute_force(d, periodic, accelerated, rng):
    shape = (9, 7, 6)[:d]
    g = Grid([(-2.0, 2.0), (-1.0, 1.5), (0.0, 3.0)][:d], shape, periodic=periodic[:d])
    f = np.sin(3 * g.coords[0]) + 0.3 * rng.normal(size=g.shape)
    t = 0.3
    if accelerated:
        r = hopf_lax(f, g, t)
    else:
        with HOPF_LAX_ACCELERATORS.disabled():
            r = hopf_lax(f, g, t)
    assert r.kernel == ("compose2d" if accelerated and d == 2 else "generic")
    u_ref, cost = _brute(f, g, t)
    np.testing.assert_allclose(r.u.ravel(), u_ref, atol=1e-12)
    # the composed index is a minimiser (ties aside) and prox / grad are consistent with it
    flat = np.ravel_multi_index(tuple(r.prox_index[..., k].ravel() for k in range(d)), g.shape)
    np.testing.assert_allclose(cost[np.arange(g.size), flat], u_ref, atol=1e-12)
    for k in range(d):
        np.testing.assert_array_equal(r.prox[..., k], g.axes[k][r.prox_index[..., k]])
        disp = g.coords[k] - r.prox[..., k]
        if g.periodic[k]:
            disp -= g.lengths[k] * np.round(disp / g.lengths[k])
        np.testing.assert_array_equal(r.grad[..., k], disp / t)
