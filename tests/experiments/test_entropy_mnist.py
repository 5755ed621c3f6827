"""Entropy-SGD Table 1 / Fig. 4 (experiments/entropy_mnist.py): the claim-8 verdict, the coupling
diagnostic and their negative controls, on scikit-learn digits (a few CPU seconds)."""

import dataclasses

import numpy as np
import pytest

from deeprelax._core import DeepRelaxError
from experiments import entropy_mnist as em

# 3 seeds x (Adam, Entropy-SGD) + the scaled-γ₀ run; 15 effective epochs on 1,258 digits,
# b = 32, L = 5: ≈ 118 Entropy-SGD updates (≈ 3 CPU-s in all).
TINY = em.Config(dataset="digits", n_train=0, hidden=(32,), optimizers=("adam", "entropy_sgd"),
                 seeds=(0, 1, 2), epochs=15.0, batch_size=32, n_inner=5)


@pytest.fixture(scope="module")
def tiny():
    return em.run(TINY)


@pytest.fixture(scope="module")
def degraded():
    return em.run(dataclasses.replace(TINY, control="degraded"))


def _verdict(res):
    rows = [c for c in res.checks if c.kind == "claim"]
    assert len(rows) == 1 and rows[0].claim_id == 8
    return rows[0]


def _coupling_rows(res):
    return [c for c in res.checks if c.kind == "derived" and "coupling" in c.claim]


def test_verdict_on_digits_is_not_refuted_and_is_qualified_by_the_reduced_setting(tiny):
    row = _verdict(tiny)
    # Entropy-SGD reaches Adam's test error at equal effective epochs; 3 seeds, 2 s.e. margin
    assert row.verdict == "qualified", (row.measured, row.uncertainty)
    assert "reduced setting" in row.condition and "digits" in row.condition
    assert row.uncertainty is not None and row.uncertainty > 0


def test_negative_control_degraded_entropy_sgd_flips_the_verdict(tiny, degraded):
    # η′ x 0.01: Entropy-SGD barely moves; its test error is far above Adam's
    row = _verdict(degraded)
    assert row.verdict == "refuted"
    assert row.measured > _verdict(tiny).measured + 10
    assert row.measured > 2 * row.uncertainty
    # the baseline runs are untouched by the control
    np.testing.assert_array_equal(degraded.arrays["mlp__adam__test_error"],
                                  tiny.arrays["mlp__adam__test_error"])


def test_coupling_is_negligible_at_the_papers_scope_and_not_at_the_scaled_one(tiny):
    paper, scaled = _coupling_rows(tiny)
    assert "0.0001" in paper.claim and paper.verdict == "pass"
    # the scaled-γ₀ run is this row's negative control: the same statistic fails
    assert "0.3" in scaled.claim and scaled.verdict == "fail"
    assert scaled.measured > 100 * paper.measured
    c = tiny.arrays["mlp__entropy_sgd__coupling"]
    assert c.shape == (3, tiny.arrays["mlp__entropy_sgd__effective_epochs"].size)
    assert np.all(np.isfinite(c)) and np.all(c > 0)
    assert np.all(np.isnan(tiny.arrays["mlp__adam__coupling"]))   # not an Entropy-SGD run


def test_effective_epochs_are_counted_by_minimize(tiny):
    for key in ("adam", "entropy_sgd", em.COUPLED):
        e = tiny.arrays[f"mlp__{key}__effective_epochs"]
        assert abs(e[-1] - TINY.epochs) <= 0.1 * TINY.epochs
        assert np.all(np.diff(e) > 0)


def test_table1_verdict_arithmetic():
    rng = np.random.default_rng(0)
    base = 0.014 + 0.0003 * rng.standard_normal(5)
    same = 0.014 + 0.0003 * rng.standard_normal(5)
    full = em.table1_verdict(same, base, statement="s")
    assert full.verdict == "confirmed" and full.claim_id == 8 and full.expected == ""
    np.testing.assert_allclose(full.measured, 100 * (same.mean() - base.mean()))
    se = 100 * np.hypot(same.std(ddof=1) / np.sqrt(5), base.std(ddof=1) / np.sqrt(5))
    np.testing.assert_allclose(full.uncertainty, se)
    red = em.table1_verdict(same, base, statement="s", reduced="small net", expected="budget")
    assert red.verdict == "qualified" and "small net" in red.condition and red.expected == ""
    worse = em.table1_verdict(same + 0.003, base, statement="s", reduced="small net", expected="budget")
    assert worse.verdict == "refuted" and worse.expected == "budget"


def test_settled_epoch():
    e = np.arange(1.0, 7.0)
    assert em.settled_epoch(e, np.array([0.5, 0.1, 0.02, 0.0205, 0.0199, 0.02])) == 3.0
    assert em.settled_epoch(e, np.full(6, 0.02)) == 1.0
    assert em.settled_epoch(e, np.array([0.5, 0.4, 0.3, 0.2, 0.1, 0.05])) == 6.0


def test_figure(tiny, tmp_path):
    from paper_figs import entropy_mnist as fig

    path = fig.make(tiny, tmp_path)
    assert path.exists() and path.stat().st_size > 10_000


def test_scales_are_what_the_docstring_says():
    q, p, f = em.Config(), em.Config.paper(), em.Config.full()
    assert q.n_train > 0 and p.n_train == 0 and f.n_train == 0
    assert p.dataset == f.dataset == "mnist" and p.image_size == f.image_size == 28
    assert p.epochs == f.epochs == 100.0 and len(p.seeds) >= 3 and len(f.seeds) == 5
    assert (p.n_inner, p.inner_lr, p.noise, p.gamma0, p.scoping) == (20, 0.1, 1e-3, 1e-4, 1e-3)
    assert p.baseline_drops == ((30.0, 0.2), (60.0, 0.2), (90.0, 0.2))
    assert set(f.models) == {"mnistfc", "lenet"}


@pytest.mark.parametrize("field, value", [("control", "worse"), ("n_train", -1),
                                          ("coupled_gamma0", -0.1), ("seeds", ())])
def test_bad_config_names_the_field(field, value):
    with pytest.raises(DeepRelaxError, match=f"`{field}`"):
        em.run(dataclasses.replace(TINY, **{field: value}))
