"""Claim 8 (experiments/stability.py): the algebra of eq. (9) and the empirical stability estimator."""

import dataclasses

import numpy as np
import pytest

from experiments import stability as sb


def test_thm3_ratio_crosses_one_below_alpha():
    # ε_E/ε_SGD = 1 exactly at T* = α k^{(1+β)/(β(1−k))} ≤ α (derived from Theorem 3's form)
    for a, b, k in ((2.0, 1.0, 0.5), (0.5, 4.0, 0.9), (10.0, 0.5, 0.2)):
        T = a * k ** ((1 + b) / (b * (1 - k)))
        r = sb.eps_thm3(k * a, k * b, T, 1.0) / sb.eps_thm3(a, b, T, 1.0)
        assert r == pytest.approx(1.0, rel=1e-10)
        assert T <= a
        assert sb.eps_thm3(k * a, k * b, 2 * T, 1.0) < sb.eps_thm3(a, b, 2 * T, 1.0)


def test_hardt_form_reduces_to_the_stated_one_up_to_constants():
    # (1 + 1/β)(2α²)^{1/(1+β)} / (N − 1) against α^{1/(1+β)} / N: the T-dependence is identical
    for T in (10.0, 1e3, 1e5):
        r = sb.eps_hardt(2.0, 1.5, T, 100) / sb.eps_thm3(2.0, 1.5, T, 100)
        r0 = sb.eps_hardt(2.0, 1.5, 10.0, 100) / sb.eps_thm3(2.0, 1.5, 10.0, 100)
        assert r == pytest.approx(r0, rel=1e-12)


SMALL = dataclasses.replace(sb.Config(), n_pairs=24, n_seeds=4, epochs=10.0)


def test_same_seeds_reproduce_runs_exactly_so_identical_data_give_zero():
    # the estimator's zero: on identical data sets the shared seed reproduces every run bit for bit
    c = SMALL
    A, y = sb._data(c, np.random.default_rng(c.data_seed), c.n_samples)
    A1 = np.broadcast_to(A, (6,) + A.shape).copy()
    y1 = np.broadcast_to(y, (6,) + y.shape).copy()
    opt = sb.entropy_sgd(1.0, 0.1, n_inner=5, inner_lr=0.1, noise=1e-3, outer_step="scoped")
    X1 = sb._train(opt, sb._Logistic(A1, y1, 0.1), 20, 3)
    X2 = sb._train(opt, sb._Logistic(A1.copy(), y1.copy(), 0.1), 20, 3)
    assert np.array_equal(X1, X2)
    # and one changed sample does change the runs that draw it
    A2 = A1.copy()
    A2[:, 0] += 1.0
    X3 = sb._train(opt, sb._Logistic(A2, y1, 0.1), 20, 3)
    assert not np.array_equal(X1, X3)


def test_verdict_row_and_its_margin():
    res = sb.run(SMALL)
    row = [c for c in res.checks if c.kind == "claim"][0]
    assert row.claim_id == 8 and row.verdict in ("confirmed", "refuted")
    # confirmed only when the ratio is below 1 by two standard errors
    assert (row.verdict == "confirmed") == (row.measured <= 1 - 2 * row.uncertainty)
    assert 0 < res.info["predicted_ratio"] < 1
    assert res.info["sgd_eps"] > 0
