"""The char-LSTM experiment at a tiny scale: rows, method checks, resume, figure, data provenance."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from experiments import char_lstm as E

TINY = E.Config(corpus="synthetic", max_chars=6000, hidden=8, embedding=4, batch_size=4, seq_len=10,
                eval_batch_size=2, optimizers=("adam", "entropy_adam"), seeds=(0, 1), epochs=2.0,
                hess_hidden=3, hess_embedding=2, hess_epochs=1.0, hess_streams=2, hess_seq_len=10)


@pytest.fixture(scope="module")
def tiny():
    return E.run(TINY)


def test_rows_and_method_checks(tiny):
    rows = {c.claim.split(":")[0] + ":" + c.claim.split(":")[1][:30]: c for c in tiny.checks}
    method = [c for c in tiny.checks if c.reference == "method check"]
    assert len(method) == 4 and all(c.verdict == "pass" for c in method), [
        (c.claim, c.measured, c.bound) for c in method]
    ratio = [c for c in tiny.checks if "fewer effective epochs" in c.claim]
    assert len(ratio) == 1 and ratio[0].relation == "<=" and ratio[0].verdict in ("pass", "fail")
    assert rows  # every row has a claim text
    a = tiny.arrays
    assert a["adam__val_loss"].shape == (2, 2) and a["entropy_adam__test_loss"].shape == (2,)
    # learning happened: below the uniform code length log V
    assert a["adam__val_loss"][:, -1].max() < math.log(tiny.info["n_vocab"])
    lam = a["hessian_eigenvalues"]
    assert lam.size == tiny.info["hessian"]["dim"] and np.all(np.diff(lam) >= 0)


def test_epochs_to_reach():
    e = np.array([1.0, 2.0, 3.0])
    assert E.epochs_to_reach(e, np.array([3.0, 2.0, 1.0]), 2.0) == 2.0
    assert E.epochs_to_reach(e, np.array([3.0, 2.0, 1.0]), 0.5) == math.inf


def test_checkpoints_resume_bit_identically(tmp_path):
    cfg = dataclasses.replace(TINY, seeds=(0,), hessian=False, checkpoint_dir=str(tmp_path))
    first = E.run(cfg)
    assert len(list(tmp_path.glob("*.npz"))) == 2
    again = E.run(cfg)   # every run loads its finished checkpoint
    for k, v in first.arrays.items():
        if "cpu_time" not in k:
            np.testing.assert_array_equal(again.arrays[k], v)


@pytest.mark.parametrize("opt", ["adam", "entropy_adam"])
def test_an_interrupted_run_resumes_bit_identically(tmp_path, opt):
    from deeprelax import nn
    from deeprelax.data import TextStreams

    cfg = dataclasses.replace(TINY, epochs=3.0, checkpoint_dir=str(tmp_path))
    corpus, _ = E.load_corpus(cfg)
    m = nn.char_lstm(corpus.n_vocab, n_layers=1, hidden=cfg.hidden, embedding=cfg.embedding)
    tr = TextStreams(corpus.train, cfg.batch_size, cfg.seq_len)
    va = TextStreams(corpus.val, cfg.eval_batch_size, cfg.seq_len)
    ref = E.train_one(dataclasses.replace(cfg, checkpoint_dir=""), opt, 0, m, tr, va)
    E.train_one(cfg, opt, 0, m, tr, va, stop_after=1)
    resumed = E.train_one(cfg, opt, 0, m, tr, va)
    np.testing.assert_array_equal(resumed["x"], ref["x"])
    np.testing.assert_array_equal(resumed["history"]["val_loss"], ref["history"]["val_loss"])


def test_figure_builds(tiny, tmp_path):
    from paper_figs import char_lstm as F

    assert F.make(tiny, tmp_path).is_file()


def test_text_provenance(tmp_path):
    from experiments._provenance import data_source

    mod = E
    p = tmp_path / "t.txt"
    p.write_text("hello world " * 100, encoding="utf-8")
    d = data_source(mod, dataclasses.replace(TINY, corpus=str(p)))
    assert d["text"] == str(p) and d["fingerprint"] not in ("none", "synthetic")
    assert data_source(mod, TINY)["fingerprint"] == "synthetic"
    assert data_source(mod, dataclasses.replace(TINY, corpus=str(tmp_path / "no")))["text"] is None
