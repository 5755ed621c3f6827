"""The training experiments: resume after an interruption, accounting, Fig. 4 structure."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

pytest.importorskip("sklearn")

from experiments import entropy_mnist, train  # noqa: E402

BASE = train.Config(dataset="digits", preset="small_fc", epochs=3.0, batch_size=32, image_size=8)


@pytest.mark.parametrize("opt", ["sgd", "adam", "entropy_sgd"])
def test_interrupted_run_resumes_with_identical_results(tmp_path, opt):
    cfg = dataclasses.replace(BASE, optimizer=opt, n_inner=4, lr=0.05 if opt != "adam" else 1e-3,
                              lr_drops=((1.5, 0.5),))
    straight = train.train_run(cfg)
    ck = dataclasses.replace(cfg, checkpoint_dir=str(tmp_path))
    first = train.train_run(ck, stop_after=1)  # "interrupted" after one period
    assert len(first["history"]["val_error"]) == 1
    resumed = train.train_run(ck)
    # period 1 came from the checkpoint (its wall time is the interrupted run's), not a rerun
    assert resumed["history"]["wall_time"][0] == first["history"]["wall_time"][0]
    assert np.array_equal(resumed["x"], straight["x"])
    for k in ("effective_epochs", "val_error", "val_loss", "train_loss", "gamma"):
        np.testing.assert_array_equal(resumed["history"][k], straight["history"][k])
    # negative control: a different seed gives a different run
    other = train.train_run(dataclasses.replace(cfg, seed=1))
    assert not np.array_equal(other["x"], straight["x"])


def test_effective_epochs_count_inner_steps():
    # Entropy-SGD with L inner steps touches L minibatches per outer step: its periods
    # are N/(b L) outer steps, and the measured effective epochs match the budget.
    cfg = dataclasses.replace(BASE, optimizer="entropy_sgd", n_inner=5, lr=1.0, epochs=2.0)
    out = train.train_run(cfg)
    n, b = out["n_train"], cfg.batch_size
    assert out["steps_per_period"] == round(n / (b * 5))
    e = out["history"]["effective_epochs"]
    np.testing.assert_allclose(np.diff(e, prepend=0.0), out["steps_per_period"] * 5 * b / n)
    assert abs(e[-1] - 2.0) < 0.2


def test_unknown_optimizer_lists_the_valid_ones():
    with pytest.raises(ValueError, match=r"`optimizer` must be one of \['adam', 'entropy_adam'"):
        train.build_optimizer(dataclasses.replace(BASE, optimizer="lbfgs"), 100)


def test_entropy_mnist_results_and_figure(tmp_path):
    cfg = entropy_mnist.Config(dataset="digits", image_size=8, hidden=(16,), epochs=2.0,
                               seeds=(0, 1), optimizers=("sgd", "entropy_sgd"), n_inner=4,
                               batch_size=32, dtype="float64")
    res = entropy_mnist.run(cfg)
    assert res.arrays["mlp__entropy_sgd__val_error"].shape[0] == 2
    assert {c.verdict for c in res.checks} <= {"pass", "fail", "info", "confirmed", "qualified", "refuted"}
    assert [c.claim_id for c in res.checks if c.kind == "claim"] == [8]
    assert any("Table 1" in c.reference and c.bound == 1.37 for c in res.checks)
    from paper_figs import entropy_mnist as fig

    path = fig.make(res, tmp_path)
    assert path.exists() and path.stat().st_size > 1000
