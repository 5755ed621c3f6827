"""Sweeps: grid x zips x replicates, seeds from the point's key, one atomic file per point, resume,
failures recorded, summary CSV and figure; the same points on a 2-process Dask LocalCluster."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from deeprelax._core import ParameterError
from deeprelax._core._executors import InProcessExecutor, open_executor
from experiments._config import ConfigError
from experiments._sweep import expand, load_sweep, metric_value, run_sweep

ROOT = Path(__file__).resolve().parents[2]
ETA_B = ROOT / "experiments" / "sweeps" / "eta_b_scaling.toml"
TRAIN_LR_B = ROOT / "experiments" / "sweeps" / "train_lr_batch.toml"
SCOPING = ROOT / "experiments" / "sweeps" / "entropy_sgd_scoping.toml"

#: A point of `train` on scikit-learn's digits in well under a second.
TINY = """
experiment = "train"
replicates = {reps}
metrics = ["arrays.train_loss[-1]", "info.final_val_error", "check:validation error"]
[base]
dataset = "digits"
epochs = 0.25
{extra}
[grid]
lr = {lrs}
[[zip]]
batch_size = [32, 64]
momentum = [0.0, 0.5]
[plot]
metric = "arrays.train_loss[-1]"
x = "lr"
"""


def write(tmp_path: Path, name: str = "s.toml", reps: int = 2, lrs: str = "[0.05, 0.1]", extra: str = "") -> Path:
    p = tmp_path / name
    p.write_text(TINY.format(reps=reps, lrs=lrs, extra=extra))
    return p


def test_the_shipped_sweeps_parse_and_expand():
    for path, n in ((ETA_B, 4 * 4 * 2), (TRAIN_LR_B, 4 * 4 * 2), (SCOPING, 4 * 3 * 2)):
        spec = load_sweep(path)
        pts = expand(spec)
        assert len(pts) == n and len({p.key for p in pts}) == n and len({p.seed for p in pts}) == n
    spec = load_sweep(ETA_B)
    assert spec.experiment == "eta_b_scaling" and spec.axes == ["lr", "batch_size"]
    assert all(p.config["base_point_only"] for p in expand(spec))
    assert load_sweep(TRAIN_LR_B).experiment == "train"


def test_grid_times_zip_times_replicates(tmp_path):
    spec = load_sweep(write(tmp_path))
    pts = expand(spec)
    assert len(pts) == 2 * 2 * 2  # lr x (batch_size, momentum) zipped x replicates
    assert {(p.values["lr"], p.values["batch_size"], p.values["momentum"]) for p in pts} == {
        (lr, b, m) for lr in (0.05, 0.1) for b, m in ((32, 0.0), (64, 0.5))}
    for p in pts:
        assert p.config["seed"] == p.seed and p.config["dataset"] == "digits" and p.config["lr"] == p.values["lr"]


def test_seeds_do_not_depend_on_grid_order_or_size(tmp_path):
    small = {(p.values["lr"], p.values["batch_size"], p.replicate): (p.seed, p.key)
             for p in expand(load_sweep(write(tmp_path, "a.toml")))}
    big = {(p.values["lr"], p.values["batch_size"], p.replicate): (p.seed, p.key)
           for p in expand(load_sweep(write(tmp_path, "b.toml", reps=3, lrs="[0.2, 0.1, 0.05, 0.025]")))}
    assert small.items() <= big.items()  # every point of the small sweep: same seed and key in the big one
    assert len({s for s, _ in big.values()}) == len(big)  # replicates get different seeds


@pytest.mark.parametrize("text, message", [
    ('experiment = "train"\nbogus = 1\n', "unknown keys \\['bogus'\\]"),
    ('[grid]\nlr = [0.1]\n', "needs `experiment"),
    ('experiment = "trian"\n', "did you mean 'train'"),
    ('experiment = "train"\nreplicates = 0\n', "`replicates` must be a positive integer"),
    ('experiment = "train"\n[grid]\nlr = 0.1\n', "lr must be a non-empty list"),
    ('experiment = "train"\n[[zip]]\nlr = [0.1, 0.2]\nbatch_size = [32]\n', "equal lengths"),
    ('experiment = "train"\n[grid]\nseed = [1, 2]\n', "`seed` is swept"),
    ('experiment = "train"\n[grid]\nlrr = [0.1]\n', "unknown config key `lrr`.*did you mean `lr`"),
    ('experiment = "train"\n[grid]\nlr = ["fast"]\n', "`lr` .* must be float"),
    ('experiment = "train"\nmetrics = ["loss"]\n', "must start with info., arrays., checks. or check:"),
    ('experiment = "train"\n[grid]\nlr = [0.1]\n[plot]\nx = "batch_size"\n', "not a swept key|must be a swept key"),
    ('experiment = "train"\n[base]\nlr = 0.1\n[grid]\nlr = [0.1]\n', "more than one place"),
    ('experiment = "train"\nseed_field = "nope"\n', "`seed_field` must name a config field"),
    ('experiment = "train"\nscale = "huge"\n', "`scale` must be one of"),
])
def test_bad_sweep_files_are_refused_with_the_key(tmp_path, text, message):
    p = tmp_path / "bad.toml"
    p.write_text(text)
    with pytest.raises(ParameterError, match=message):  # ConfigError, or an unknown experiment's ParameterError
        expand(load_sweep(p))


def test_metric_expressions():
    import numpy as np

    from experiments._base import Results, check_row

    r = Results("x", {}, {"loss": np.array([4.0, 2.0, 1.0, 3.0])}, {"a": {"b": [1.0, 5.0]}, "s": "text"},
                (check_row("validation error is small", "r", 0.25, 0.5, "<="),))
    assert metric_value("arrays.loss[-1]", r) == 3.0
    assert metric_value("arrays.loss[-2:]", r) == 2.0  # mean of the slice
    assert metric_value("arrays.loss", r) == 2.5
    assert metric_value("info.a.b[1]", r) == 5.0 and metric_value("info.a.b.0", r) == 1.0
    assert metric_value("checks.0.measured", r) == 0.25 and metric_value("check:validation", r) == 0.25
    assert metric_value("info.missing", r) is None and metric_value("info.s", r) is None
    assert metric_value("check:absent", r) is None
    with pytest.raises(ConfigError, match="not understood"):
        metric_value("info.a[x]", r)


def test_run_resume_failures_summary_and_figure(tmp_path):
    p = write(tmp_path)
    p.write_text(p.read_text().replace("lr = [0.05, 0.1]", 'lr = [0.05, 0.1]\npreset = ["small_fc", "no_such_preset"]'))
    spec = load_sweep(p)
    out = tmp_path / "out"
    res = run_sweep(spec, out, executor=InProcessExecutor(), progress=False)
    n = 2 * 2 * 2 * 2
    assert res.n_run == n and res.n_skipped == 0 and res.n_failed == n // 2  # the bad preset fails, the rest run
    failed = [r for r in res.records if r["status"] == "failed"]
    assert all("no_such_preset" in r["error"] and "Traceback" in r["traceback"] for r in failed)
    ok = [r for r in res.records if r["status"] == "success"]
    assert all(isinstance(r["metrics"]["arrays.train_loss[-1]"], float) for r in ok)
    files = sorted((out / "points").glob("*.json"))
    assert len(files) == n and not list((out / "points").glob(".*.tmp"))
    rows = list(csv.DictReader((out / "summary.csv").read_text().splitlines()))
    assert len(rows) == n and {r["status"] for r in rows} == {"success", "failed"}
    assert set(rows[0]) >= {"lr", "batch_size", "momentum", "preset", "seed", "arrays.train_loss[-1]", "error"}

    stamps = {f.name: f.stat().st_mtime_ns for f in files}
    again = run_sweep(spec, out, executor=InProcessExecutor(), progress=False, resume=True)
    assert again.n_skipped == n // 2 and again.n_run == n // 2  # finished points skipped, failed ones retried
    assert all(stamps[f.name] == f.stat().st_mtime_ns for f in files
               if json.loads(f.read_text())["status"] == "success")

    from paper_figs._sweep import plot_sweep

    png = plot_sweep(spec, expand(spec), again.records, out)
    assert png is not None and png.stat().st_size > 5000


@pytest.mark.slow
def test_same_numbers_in_process_and_on_a_local_dask_cluster(tmp_path):
    """2 worker processes (NUMBA_NUM_THREADS set per worker): the same points give bitwise the same metrics."""
    pytest.importorskip("distributed")
    spec = load_sweep(write(tmp_path, reps=1))
    a = run_sweep(spec, tmp_path / "a", executor=InProcessExecutor(), progress=False)
    with open_executor(local=2, worker_threads=1) as ex:
        b = run_sweep(spec, tmp_path / "b", executor=ex, progress=False)
        env = [ex.submit(_worker_env).result() for _ in range(4)]
    assert a.n_failed == b.n_failed == 0
    assert {r["key"]: r["metrics"] for r in a.records} == {r["key"]: r["metrics"] for r in b.records}
    assert os.getpid() not in {r["provenance"]["pid"] for r in b.records}  # ran in the workers
    assert all(e["NUMBA_NUM_THREADS"] == "1" and e["numba_threads"] == 1 and e["OMP_NUM_THREADS"] == "1"
               for e in env)
    assert all(e["pid"] != os.getpid() for e in env)


def _worker_env() -> dict:
    import numba

    return {"pid": os.getpid(), "numba_threads": numba.get_num_threads(),
            "NUMBA_NUM_THREADS": os.environ.get("NUMBA_NUM_THREADS"), "OMP_NUM_THREADS": os.environ.get(
                "OMP_NUM_THREADS")}


def _cli(*args: str, **kw) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_NUM_THREADS"}
    env["MPLBACKEND"] = "Agg"
    return subprocess.Popen([sys.executable, "-m", "deeprelax.cli", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def _wait_for(cond, timeout: float, proc: subprocess.Popen | None = None) -> None:
    t0 = time.monotonic()
    while not cond():
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"process ended early ({proc.returncode}): {proc.communicate()[1][-3000:]}")
        if time.monotonic() - t0 > timeout:
            raise AssertionError("timed out")
        time.sleep(0.2)


@pytest.mark.parametrize("sig", [signal.SIGINT, pytest.param(signal.SIGKILL, marks=pytest.mark.slow)],
                         ids=["SIGINT", "SIGKILL"])
def test_eta_b_example_on_local_dask_resumes_after_an_interrupt(tmp_path, sig):
    """`deeprelax sweep` runs the shipped eta/b example on `--local 2`, is interrupted by PID once some
    points are saved, and `--resume` computes only the rest (finished files untouched)."""
    pytest.importorskip("distributed")
    out = tmp_path / "out"
    args = [str(TRAIN_LR_B), "--local", "2", "--worker-threads", "1", "--out", str(out), "--no-progress",
            "--set", "epochs=0.25"]
    with _cli("sweep", *args) as proc:
        try:
            _wait_for(lambda: len(list((out / "points").glob("*.json"))) >= 3, 600, proc)
            os.kill(proc.pid, sig)
            _, err = proc.communicate(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    if sig == signal.SIGINT:
        assert proc.returncode == 130, err[-3000:]
        assert "rerun the same command to resume" in err
    done = {f: f.stat().st_mtime_ns for f in (out / "points").glob("*.json")}
    assert 3 <= len(done) < 32
    with _cli("sweep", *args, "--resume") as again:
        out_, err_ = again.communicate(timeout=900)
    r = subprocess.CompletedProcess(again.args, again.returncode, out_, err_)
    assert r.returncode == 0, r.stderr[-3000:]
    assert f"{32 - len(done)} points run, {len(done)} reused, 0 failed" in r.stdout, r.stdout
    assert all(f.stat().st_mtime_ns == t for f, t in done.items())
    recs = {f.stem: json.loads(f.read_text()) for f in (out / "points").glob("*.json")}
    assert len(recs) == 32 and (out / "summary.csv").exists() and list(out.glob("*.png"))
    # every point ran in a worker process whose Numba pool was set to 1 thread (the parent's default is
    # the core count: NUMBA_NUM_THREADS is not set for the command)
    assert all(r["provenance"]["numba_threads"] == 1 and r["provenance"]["pid"] != proc.pid for r in recs.values())
    # the same points in this process give bitwise the same numbers
    spec = load_sweep(TRAIN_LR_B, {"epochs": 0.25})
    few = [p for p in expand(spec) if p.values["batch_size"] == 128][:3]
    local = run_sweep(spec, tmp_path / "local", executor=InProcessExecutor(), progress=False, points=few)
    assert {r["key"]: r["metrics"] for r in local.records} == {p.key: recs[p.key]["metrics"] for p in few}


@pytest.mark.slow
def test_sweep_on_a_running_dask_scheduler_and_worker(tmp_path):
    """A `dask scheduler` and a `dask worker` started here on 127.0.0.1 (ended by the test) run the sweep
    through `--scheduler-file`, unchanged; the numbers equal the in-process run's."""
    pytest.importorskip("distributed")
    sched_file = tmp_path / "scheduler.json"
    bindir = Path(sys.executable).parent
    dask = [str(bindir / "dask")]  # the `dask` command of the environment running the tests
    env = dict(os.environ, NUMBA_NUM_THREADS="1", OMP_NUM_THREADS="1")
    sched = subprocess.Popen([*dask, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                              "--scheduler-file", str(sched_file)], env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    worker = None
    try:
        _wait_for(sched_file.exists, 120)
        worker = subprocess.Popen([*dask, "worker", "--scheduler-file", str(sched_file), "--nthreads", "1",
                                   "--nworkers", "1", "--host", "127.0.0.1", "--no-dashboard"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
        spec_path = write(tmp_path, reps=1)
        r = subprocess.run([sys.executable, "-m", "deeprelax.cli", "sweep", str(spec_path), "--scheduler-file",
                            str(sched_file), "--out", str(tmp_path / "d"), "--no-progress"], cwd=ROOT,
                           capture_output=True, text=True, timeout=900, env=env)
        assert r.returncode == 0, r.stderr[-3000:]
        spec = load_sweep(spec_path)
        local = run_sweep(spec, tmp_path / "l", executor=InProcessExecutor(), progress=False)
        remote = {p.name: json.loads(p.read_text())["metrics"] for p in (tmp_path / "d" / "points").glob("*.json")}
        assert remote == {f"{r['key']}.json": r["metrics"] for r in local.records}
        pids = {json.loads(p.read_text())["provenance"]["pid"] for p in (tmp_path / "d" / "points").glob("*.json")}
        assert os.getpid() not in pids and len(pids) == 1  # all ran in the one external worker
    finally:
        for proc in (worker, sched):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
