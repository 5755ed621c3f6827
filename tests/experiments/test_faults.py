"""Fault tests (issue 9 items 4 and 8): interrupt a run mid-compile and mid-experiment by PID (SIGINT and
SIGKILL) in a subprocess with its own Numba cache and output folder, rerun, compare with an uninterrupted
run bitwise. Ctrl-C must stop the command (exit 130) — never be recorded as an experiment failure while
the next experiment starts — and leave state the same command resumes from."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]

#: `train` on digits: no Numba compile, long enough (a few seconds) to be interrupted mid-run.
TRAIN = ["run", "train", "--set", "dataset=digits", "--set", "epochs=12", "--set", "batch_size=32"]
#: `ou_current` small: the SDE kernels compile (tens of seconds cold), then a short ensemble.
OU = ["run", "ou_current", "--set", "n_paths=200", "--set", "n_angles=2", "--set", "t_burn=0.2",
      "--set", "t_record=0.2"]


def _env(cache: Path) -> dict[str, str]:
    return dict(os.environ, NUMBA_CACHE_DIR=str(cache), NUMBA_NUM_THREADS="1", MPLBACKEND="Agg")


def _start(args: list[str], out: Path, cache: Path, progress: bool = False) -> subprocess.Popen:
    argv = [sys.executable, "-m", "deeprelax.cli", *args, "--out", str(out)] + ([] if progress else ["--no-progress"])
    return subprocess.Popen(argv, cwd=ROOT, env=_env(cache), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def _run(args: list[str], out: Path, cache: Path) -> subprocess.CompletedProcess:
    r = subprocess.run([sys.executable, "-m", "deeprelax.cli", *args, "--out", str(out), "--no-progress"],
                       cwd=ROOT, env=_env(cache), capture_output=True, text=True, timeout=1200)
    assert r.returncode == 0, r.stderr[-3000:]
    return r


def _wait(cond, proc: subprocess.Popen, timeout: float = 600) -> None:
    t0 = time.monotonic()
    while not cond():
        if proc.poll() is not None:
            raise AssertionError(f"finished before the fault could be injected: {proc.communicate()[1][-2000:]}")
        assert time.monotonic() - t0 < timeout, "timed out waiting for the moment to interrupt"
        time.sleep(0.05)


def _interrupt(proc: subprocess.Popen, sig: int) -> tuple[int, str]:
    os.kill(proc.pid, sig)
    try:
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return proc.returncode, err


def _same(a: Path, b: Path) -> None:
    """Bitwise equal arrays and rows/info (provenance and measured wall-clock times aside)."""
    with np.load(a / "results.npz") as za, np.load(b / "results.npz") as zb:
        assert sorted(za.files) == sorted(zb.files)
        for k in za.files:
            if "wall" in k:  # train's per-period wall-clock times
                continue
            assert za[k].tobytes() == zb[k].tobytes() and za[k].shape == zb[k].shape, k
    ja, jb = (json.loads((d / "results.json").read_text()) for d in (a, b))
    for key in ("config", "info", "checks", "cache_key"):
        assert ja[key] == jb[key], key


def _check_interrupted(rc: int, err: str, sig: int) -> None:
    if sig == signal.SIGINT:
        assert rc == 130, err[-3000:]
        assert "interrupted" in err and "resume" in err and "Traceback" not in err
    else:
        assert rc == -signal.SIGKILL


@pytest.mark.parametrize("sig", [signal.SIGINT, pytest.param(signal.SIGKILL, marks=pytest.mark.slow)],
                         ids=["SIGINT", "SIGKILL"])
def test_interrupt_mid_experiment_then_rerun_is_bitwise_the_same(tmp_path, sig):
    cache = tmp_path / "numba"
    _run(TRAIN, tmp_path / "ref", cache)
    out = tmp_path / "out"
    proc = _start(TRAIN, out, cache, progress=True)
    lines: list[str] = []

    def training_started() -> bool:  # the progress bar of the training loop is drawn on stderr
        import select

        while select.select([proc.stderr], [], [], 0)[0]:
            ch = proc.stderr.read(1)
            if not ch:
                break
            lines.append(ch)
        return "small_fc/sgd" in "".join(lines)

    _wait(training_started, proc)
    rc, err = _interrupt(proc, sig)
    _check_interrupted(rc, "".join(lines) + err, sig)
    assert not (out / "train" / "results.json").exists()  # nothing half-written
    assert not (out / "train" / "failure.json").exists()  # an interrupt is not a failure
    _run(TRAIN, out, cache)
    _same(tmp_path / "ref" / "train", out / "train")


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["SIGINT", "SIGKILL"])
def test_interrupt_mid_compile_then_rerun_is_bitwise_the_same(tmp_path, sig):
    """The first kernel lands in the (empty, private) Numba cache while others still compile: interrupt
    then; the rerun with the same cache must not crash (cache poisoning) and must match a clean run."""
    _run(OU, tmp_path / "ref", tmp_path / "numba_ref")
    cache, out = tmp_path / "numba", tmp_path / "out"
    proc = _start(OU, out, cache)
    _wait(lambda: cache.exists() and any(p.suffix in (".nbi", ".nbc") for p in cache.rglob("*")), proc)
    rc, err = _interrupt(proc, sig)
    _check_interrupted(rc, err, sig)
    assert not (out / "ou_current" / "results.json").exists()
    assert not (out / "ou_current" / "failure.json").exists()
    _run(OU, out, cache)
    _same(tmp_path / "ref" / "ou_current", out / "ou_current")


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["SIGINT", "SIGKILL"])
def test_interrupted_report_keeps_finished_experiments_and_resumes(tmp_path, sig):
    """`deeprelax report --only A B` killed while B runs: A's saved result is reused by the rerun, B is
    computed, both equal an uninterrupted report's."""
    names = ["relaxation", "ou_current"]
    cache = tmp_path / "numba"
    args = ["report", "--only", *names]
    _run(args, tmp_path / "ref", cache)
    out = tmp_path / "out"
    proc = _start(args, out, cache)
    _wait(lambda: (out / names[0] / "results.json").exists(), proc, timeout=900)
    time.sleep(1.0)  # into the second experiment
    rc, err = _interrupt(proc, sig)
    _check_interrupted(rc, err, sig)
    stamp = (out / names[0] / "results.json").stat().st_mtime_ns
    r = _run(args, out, cache)
    assert (out / names[0] / "results.json").stat().st_mtime_ns == stamp  # reused, not recomputed
    for n in names:
        _same(tmp_path / "ref" / n, out / n)
    assert "report written" in r.stdout
