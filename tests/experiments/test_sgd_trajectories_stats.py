"""The statistics behind the sgd_trajectories verdicts, on synthetic signals with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from experiments import sgd_trajectories as E


def test_stationarity_gate_separates_a_trend_from_noise(rng):
    # 10 batch means of 2,000 white N(1, 0.01²) losses: the trend's |z| stays below 4 (a
    # t-like statistic with 8 dof: P(|z| > 4) ≈ 0.4 %); the same with a drift of −10 %
    # over the record has |z| > 20 and its relative drift recovered within 1 %.
    n = 2000
    white = 1.0 + 0.01 * rng.standard_normal(n)
    s = E._stationarity(white, 10)
    assert abs(s["z"]) < 4
    trend = white - 0.1 * np.arange(n) / n
    t = E._stationarity(trend, 10)
    assert t["z"] < -20
    assert t["rel_drift"] == pytest.approx(-0.1 / 0.95, abs=0.01)


def test_spectral_ratio_white_vs_ou(rng):
    # Random-walk weights have white increments: log low/high ratio ≈ 0 (200 weights x 1,000
    # increments: SE of the mean log ratio ≈ 0.01; assert |.| < 0.06). OU weights (a = 0.9)
    # suppress low-frequency increments: the expected log ratio from the increment power
    # |1 − e^{−iω}|²/|1 − a e^{−iω}|² (mean amplitudes ∝ √power per bin) is ≈ −0.3; the
    # estimate must match within 0.06 and differ from white by > 0.2.
    W = np.cumsum(rng.standard_normal((1001, 200)), axis=0)
    assert abs(E._spectral_ratio(W)) < 0.06
    x = np.zeros(200)
    ou = np.empty((1001, 200))
    for k in range(1001):
        x = 0.9 * x + rng.standard_normal(200)
        ou[k] = x
    n = 1000
    w = 2 * np.pi * np.fft.rfftfreq(n)
    amp = np.sqrt(np.abs(1 - np.exp(-1j * w)) ** 2 / np.abs(1 - 0.9 * np.exp(-1j * w)) ** 2)
    tenth = amp.size // 10
    expected = np.log(amp[1:tenth + 1].mean() / amp[-tenth:].mean())
    got = E._spectral_ratio(ou)
    assert got == pytest.approx(expected, abs=0.06)
    assert got < -0.2


def test_loglog_slope_and_z():
    x = np.array([1.0, 2.0, 4.0])
    s, se = E._loglog_slope(x, 3 * x, 0.01 * x)
    assert s == pytest.approx(1.0, abs=1e-12) and se > 0
    s2, _ = E._loglog_slope(x, 3 * x**0.5, 0.01 * x)
    assert s2 == pytest.approx(0.5, abs=1e-12)
    assert E._z(1.0, 0.3, 0.0, 0.4) == pytest.approx(2.0)


def test_stages_are_saved_reused_and_stale_locks_ignored(tmp_path):
    # A finished stage is loaded, not recomputed; a lock left by a dead process (or by this
    # one) does not block; the analysis-only fields do not change the stage folder.
    c = E.Config(stage_dir=str(tmp_path))
    st = E._Stages(c)
    calls = []

    def fn():
        calls.append(1)
        return {"a": np.arange(3.0)}

    np.testing.assert_array_equal(st.get("s", fn)["a"], np.arange(3.0))
    np.testing.assert_array_equal(st.get("s", fn)["a"], np.arange(3.0))
    assert len(calls) == 1 and not (st.dir / "s.lock").exists()
    (st.dir / "t.lock").write_text("999999999")  # no such process
    st.get("t", fn)
    assert len(calls) == 2
    assert E._Stages(E.Config(stage_dir=str(tmp_path), n_batches=7)).dir == st.dir
    assert E._Stages(E.Config(stage_dir=str(tmp_path), lr=0.01)).dir != st.dir
