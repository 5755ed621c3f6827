"""The ``deeprelax`` command as a user runs it: subprocesses, exit codes, one-line errors, configs that
take effect, a report that keeps every experiment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from deeprelax.cli import main
from experiments._base import experiment_names

ROOT = Path(__file__).resolve().parents[1]

#: Small configs (seconds once Numba's cache is warm) for the runs below.
SMALL_LIMIT_CYCLE = ["--set", "n_paths=2000", "--set", "lams=[0.0, 1.5]", "--set", "t_relax=0.5",
                     "--set", "n_record_paths=200", "--set", "t_record=0.1", "--set", "t_sample_path=0.5",
                     "--set", "t_flow=0.5"]
SMALL_TRAIN = ["--set", "dataset=digits", "--set", "epochs=1"]


def cli(*args: str, cwd: Path | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    env = dict(os.environ, NUMBA_NUM_THREADS="1", MPLBACKEND="Agg")
    env.setdefault("NUMBA_CACHE_DIR", str(ROOT / ".numba_cache"))
    return subprocess.run([sys.executable, "-m", "deeprelax.cli", *args], cwd=cwd or ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def one_line_error(out: subprocess.CompletedProcess) -> str:
    assert out.returncode == 2, (out.returncode, out.stderr[-2000:])
    assert "Traceback" not in out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith("deeprelax: error: ")
    return lines[0]


def test_list():
    out = cli("list")
    assert out.returncode == 0, out.stderr
    for name in experiment_names():
        assert name in out.stdout


def test_typo_in_the_experiment_name_is_one_line_with_the_valid_names():
    line = one_line_error(cli("run", "limit_cycel"))
    assert "unknown experiment 'limit_cycel'" in line and "did you mean 'limit_cycle'" in line
    assert all(n in line for n in experiment_names())


def test_wrong_type_is_one_line_naming_key_type_and_valid_keys():
    line = one_line_error(cli("run", "limit_cycle", "--set", "n_paths=abc"))
    assert "`n_paths`" in line and "must be int" in line and "'abc'" in line
    assert "valid keys: lams, n_paths, dt" in line


def test_missing_config_file_is_one_line():
    line = one_line_error(cli("run", "limit_cycle", "--config", "no/such/file.toml"))
    assert "no/such/file.toml" in line and "not found" in line


@pytest.mark.parametrize("argv, needle", [
    (["run", "limit_cycle", "--set", "n_path=3"], "unknown config key `n_path`"),
    (["run", "limit_cycle", "--set", "n_paths"], "KEY=VALUE"),
    (["run", "limit_cycle", "--set", "lams=oops"], "`lams`"),
    (["run", "limit_cycle", "--set", "hist_bins=[1, 2, 3]"], "tuple[int, int]"),
    (["run", "--out", "OUT"], "needs an experiment NAME"),
    (["report", "--only", "limit_cycle", "nope"], "unknown experiment 'nope'"),
    (["sweep", "no_such_sweep.toml"], "not found"),
], ids=lambda v: "_".join(v) if isinstance(v, list) else None)
def test_bad_input_in_process(argv, needle, capsys, tmp_path):
    argv = [str(tmp_path) if a == "OUT" else a for a in argv]
    if "--out" not in argv:
        argv += ["--out", str(tmp_path)]
    assert main(argv) == 2
    assert not any(tmp_path.iterdir())  # nothing written
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and needle in err[0], err


def test_bad_toml_names_the_file(tmp_path, capsys):
    p = tmp_path / "bad.toml"
    p.write_text("[limit_cycle]\nn_paths = = 2\n")
    assert main(["run", "limit_cycle", "--config", str(p), "--out", str(tmp_path)]) == 2
    assert "not valid TOML" in capsys.readouterr().err


def test_unknown_option_and_scale_exit_2():
    for argv in (["run", "limit_cycle", "--scale", "huge"], ["report", "--bogus"]):
        with pytest.raises(SystemExit) as e:
            main(argv)
        assert e.value.code == 2


def test_run_help_lists_keys_types_defaults_and_meanings(capsys):
    assert main(["run", "limit_cycle", "--help"]) == 0
    text = capsys.readouterr().out
    assert "n_paths: int = 20000   [full: 200000]" in text
    assert "paths of the relaxation ensemble" in text
    assert "lams: tuple[float, ...] = (0.0, 0.5, 1.5)" in text
    assert "scales: quick" in text
    assert main(["run", "--help"]) == 0
    assert "limit_cycle" in capsys.readouterr().out


def _section(html: str, name: str) -> str:
    start = html.index(f'id="exp-{name}"')
    end = html.find('<section class="block"', start)
    return html[start:end if end > 0 else len(html)]


def test_configs_take_effect_and_the_report_keeps_every_experiment(tmp_path):
    """`--set` and `--config` change the run; each `run` updates its own section of the report and keeps
    the others; an unknown name is refused without touching the report. (Two experiments that need no
    Numba compile, so the test stays in seconds.)"""
    out = tmp_path / "res"
    r1 = cli("run", "train", *SMALL_TRAIN, "--set", "batch_size=64", "--out", str(out), "--no-progress")
    assert r1.returncode == 0, r1.stderr[-3000:]
    meta = json.loads((out / "train" / "results.json").read_text())
    assert meta["config"]["batch_size"] == 64 and meta["config"]["epochs"] == 1.0
    assert meta["info"]["steps_per_period"] == -(-meta["info"]["n_train"] // 64)  # the run used b = 64
    assert meta["provenance"]["overrides"]["batch_size"] == 64
    assert meta["provenance"]["data_source"].startswith("scikit-learn digits")

    cfg = tmp_path / "ns.toml"
    cfg.write_text("[noise_spectrum]\nn_train = 256\nn_noise = 128\nepochs = 2\nhidden = 8\n")
    r2 = cli("run", "noise_spectrum", "--config", str(cfg), "--out", str(out), "--no-progress")
    assert r2.returncode == 0, r2.stderr[-3000:]
    meta2 = json.loads((out / "noise_spectrum" / "results.json").read_text())
    assert meta2["config"]["hidden"] == 8 and meta2["provenance"]["config_file"] == str(cfg)
    assert meta2["info"]["n_train"] == 256  # the run used the file's value

    html = (out / "report.html").read_text()
    for name in ("train", "noise_spectrum"):  # both sections have their rows; noise_spectrum its figure
        assert "No result saved yet" not in _section(html, name), name
    assert "<img" in _section(html, "noise_spectrum")
    assert "No result saved yet" in _section(html, "relaxation")  # never run: shown as a gap
    assert "np.float64" not in html and "custom config" in html

    before = (out / "report.html").read_bytes()
    one_line_error(cli("run", "no_such_experiment", "--out", str(out)))
    assert (out / "report.html").read_bytes() == before

    stamp = (out / "train" / "results.json").stat().st_mtime_ns
    r3 = cli("run", "train", *SMALL_TRAIN, "--set", "batch_size=64", "--out", str(out), "--no-progress")
    assert r3.returncode == 0 and "reused the result computed" in r3.stdout, r3.stdout + r3.stderr[-2000:]
    assert (out / "train" / "results.json").stat().st_mtime_ns == stamp
    assert "cached · computed" in _section((out / "report.html").read_text(), "train")


@pytest.mark.slow
def test_limit_cycle_set_n_paths_changes_the_run(tmp_path):
    """The issue's own example (slow: the Example 19 SDE kernels compile in every process today)."""
    r = cli("run", "limit_cycle", *SMALL_LIMIT_CYCLE, "--out", str(tmp_path), "--no-progress")
    assert r.returncode == 0, r.stderr[-3000:]
    meta = json.loads((tmp_path / "limit_cycle" / "results.json").read_text())
    assert meta["config"]["n_paths"] == 2000 and meta["info"]["n_paths"] == 2000
    assert meta["info"]["n_steps_relax"] == 100  # t_relax 0.5 / dt 0.005


def test_warmup_compiles_and_reports_each_task(capsys):
    from deeprelax.cli import main

    assert main(["warmup"]) == 0
    out = capsys.readouterr().out
    assert "sdeint generic (Example 19, catalogue)" in out and "pde (cole_hopf" in out and "warm-up done" in out
