"""Claim 15 (experiments/steady_state_shift.py): the per-sample model, the verdict, and the control that flips it."""

import dataclasses

import numpy as np
import pytest

from experiments import steady_state_shift as ss

#: Small: three η/b over a 16× range, 72² cells per local solve, no sdeint (its compile is heavy; see the slow test).
SMALL = dataclasses.replace(ss.Config(), eta_over_b=(0.02, 0.08, 0.32), n_cells=72, full_cells=40, n_paths=0)


def _claim(res):
    rows = [c for c in res.checks if c.kind == "claim"]
    assert len(rows) == 1 and rows[0].claim_id == 15
    return rows[0]


def test_model_critical_points_and_D_twin():
    c = ss.Config()
    m = ss.build_model(c)
    f = m.landscape
    assert m.minima.shape == (2, 2)
    assert np.max(np.abs(f.grad(m.minima))) < 1e-10
    assert np.all(np.linalg.eigvalsh(f.hess(m.minima)) > 0)
    # D kernel against a numpy twin from the per-sample losses (finite differences of each f_k)
    n = c.n_samples
    A = np.stack([m.params[3:3 + n], m.params[3 + n:3 + 2 * n]], axis=1)
    y = m.params[3 + 2 * n:]
    s2 = c.welsch_scale**2
    w = np.array([0.4, -0.7])

    def fk(v):
        r = y - A @ v
        return 0.5 * s2 * (1 - np.exp(-r**2 / s2)) + 0.5 * c.weight_decay * v @ v

    h = 1e-6
    G = np.stack([(fk(w + h * e) - fk(w - h * e)) / (2 * h) for e in np.eye(2)], axis=1)   # (N, 2)
    D = G.T @ G / n - np.outer(G.mean(0), G.mean(0))
    np.testing.assert_allclose(ss.D_at(m, w), D, rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(G.mean(0), f.grad(w[None])[0], atol=1e-8)


@pytest.fixture(scope="module")
def small():
    return ss.run(SMALL)


def test_shift_is_nonzero_grows_and_is_roughly_linear(small):
    row = _claim(small)
    assert row.verdict == "confirmed", row.note
    assert np.all(np.diff(small.arrays["shift"]) > 0)
    assert np.all(small.arrays["shift"] > 3 * small.arrays["grid_error"])


def test_isotropic_control_row_passes(small):
    ctrl = [c for c in small.checks if c.claim.startswith("negative control")]
    assert len(ctrl) == 1 and ctrl[0].verdict == "pass"
    assert np.max(small.arrays["iso_shift"]) < 1e-6


def test_verdict_flips_with_isotropic_noise():
    # the same pipeline with D(x) replaced by a constant isotropic D everywhere: no shift, not confirmed
    res = ss.run(dataclasses.replace(SMALL, noise_model="isotropic"))
    assert _claim(res).verdict == "refuted"
    assert np.max(res.arrays["shift"]) < 1e-6


@pytest.mark.slow
def test_quick_scale_with_sdeint():
    res = ss.run(ss.Config())
    assert _claim(res).verdict == "confirmed"
    assert all(c.verdict == "pass" for c in res.checks if c.kind == "method")


def test_figure_draws(small, tmp_path):
    from paper_figs import steady_state_shift as fig

    path = fig.make(small, tmp_path)
    assert path.exists() and path.stat().st_size > 10_000
