"""Every experiment and figure module follows the protocol; configs are typed; results files round-trip
atomically, are reused only under the same cache key, and a damaged one is recomputed with a warning."""

import dataclasses
import importlib
import json
import os
import stat
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pytest

from deeprelax._core import ParameterError
from experiments._base import (
    Check,
    DamagedResultWarning,
    Results,
    check_row,
    claim_row,
    config_dict,
    config_from_toml,
    experiment_names,
    load_experiment,
    load_results,
    save_results,
)
from experiments._config import (
    ConfigError,
    config_at_scale,
    config_help,
    field_docs,
    parse_assignments,
    resolve_config,
)


@pytest.mark.parametrize("name", experiment_names())
def test_experiment_protocol(name):
    mod = load_experiment(name)
    assert mod.NAME == name
    assert isinstance(mod.TITLE, str) and mod.TITLE
    quick, full = mod.Config(), mod.Config.full()
    assert dataclasses.is_dataclass(quick) and type(full) is type(quick)
    json.dumps(config_dict(quick))  # JSON-able
    assert callable(mod.run)
    if hasattr(mod.Config, "paper"):
        assert type(mod.Config.paper()) is type(quick)


@pytest.mark.parametrize("name", experiment_names())
def test_every_config_field_has_a_meaning(name):
    """`deeprelax run NAME --help` shows a one-line meaning per key: a Config docstring Attributes
    section, a trailing `# comment` or field(metadata={"help": ...}) gives it."""
    cls = load_experiment(name).Config
    docs = field_docs(cls)
    missing = [f.name for f in dataclasses.fields(cls) if not docs.get(f.name)]
    assert not missing, f"{name}.Config fields without a meaning: {missing}"


@pytest.mark.parametrize("name", experiment_names())
def test_quick_config_round_trips_through_the_type_check(name):
    """The defaults of every scale pass the strict type check they will be validated with."""
    mod = load_experiment(name)
    for scale in ("quick", "paper", "full"):
        cfg, _, _ = config_at_scale(mod, scale)
        again = resolve_config(mod, scale=scale, overrides=config_dict(cfg)).config
        assert again == cfg


def test_figure_modules_name_existing_experiments():
    from paper_figs._report import figure_modules

    names = set(experiment_names())
    for fig in figure_modules():
        assert fig.EXPERIMENT in names, f"{fig.__name__} draws unknown experiment {fig.EXPERIMENT!r}"
        assert callable(fig.make) and fig.TITLE


def test_unknown_experiment_lists_valid_names():
    with pytest.raises(ParameterError, match="valid names are") as e:
        load_experiment("limit_cycel")
    assert "did you mean 'limit_cycle'" in str(e.value)
    with pytest.raises(ParameterError, match="valid names are"):
        load_experiment(3)


def test_check_row_verdicts():
    assert check_row("c", "r", 1.0, 2.0, "<=").verdict == "pass"
    assert check_row("c", "r", 3.0, 2.0, "<=").verdict == "fail"
    assert check_row("c", "r", 2.05, 2.0, "==", tol=0.1).verdict == "pass"
    assert check_row("c", "r", 2.5, 2.0, "==", tol=0.1).verdict == "fail"
    assert check_row("c", "r", 1.0, 2.0, ">=").verdict == "fail"
    assert check_row("c", "r", float("nan"), 2.0, "<=").verdict == "fail"
    assert check_row("c", "r", 1.0, None, "~").verdict == "info"
    with pytest.raises(ValueError, match="relation"):
        check_row("c", "r", 1.0, 2.0, "<")
    row = check_row("c", "r", 3.0, 2.0, "<=", expected="budget artefact at quick scale")
    assert row.verdict == "fail" and row.expected == "budget artefact at quick scale"


def test_claim_row_verdicts():
    assert claim_row(14, "s", "r", measured=1.0, bound=2.0, relation="<=").verdict == "confirmed"
    assert claim_row(14, "s", "r", measured=3.0, bound=2.0, relation="<=").verdict == "refuted"
    q = claim_row(14, "s", "r", measured=3.0, bound=2.0, relation="<=", qualified_if=True, condition="small λ")
    assert q.verdict == "qualified" and q.condition == "small λ" and q.kind == "claim" and q.claim_id == 14
    with pytest.raises(ValueError, match="claim_id"):
        claim_row(23, "s", "r", measured=1.0, bound=2.0, relation="<=")


def test_results_round_trip(tmp_path):
    r = Results("demo", {"a": 1, "b": [1, 2]}, {"x": np.arange(3.0)}, {"note": "hi"},
                (check_row("c", "r", 1.0, 2.0, "<=", expected="why"),))
    save_results(r, tmp_path / "demo")
    back = load_results(tmp_path / "demo", {"a": 1, "b": [1, 2]})
    assert back is not None and back.checks == r.checks
    np.testing.assert_array_equal(back.arrays["x"], np.arange(3.0))
    assert load_results(tmp_path / "demo", {"a": 2, "b": [1, 2]}) is None  # other config: rerun
    assert not list((tmp_path / "demo").glob(".*.tmp"))  # no temporary files left behind


def test_result_files_are_world_readable(tmp_path):
    old = os.umask(0o022)
    try:
        save_results(Results("demo", {"a": 1}, {"x": np.zeros(2)}), tmp_path / "demo")
    finally:
        os.umask(old)
    for f in ("results.json", "results.npz"):
        mode = stat.S_IMODE((tmp_path / "demo" / f).stat().st_mode)
        assert mode == 0o644, f"{f} has mode {oct(mode)}"


def test_rows_from_an_older_or_newer_results_json_load(tmp_path):
    """Rows saved without the newer fields (or with fields this version does not know) still load."""
    save_results(Results("demo", {"a": 1}, {}, {}, (check_row("c", "r", 1.0, 2.0, "<="),)), tmp_path)
    meta = json.loads((tmp_path / "results.json").read_text())
    meta["checks"][0].pop("expected")
    meta["checks"][0]["from_the_future"] = 1
    (tmp_path / "results.json").write_text(json.dumps(meta))
    back = load_results(tmp_path)
    assert back is not None and back.checks[0].expected == "" and back.checks[0].verdict == "pass"


@pytest.mark.parametrize("damage", ["empty_npz", "truncated_npz", "empty_json", "truncated_json", "not_a_result",
                                    "missing_npz"])
def test_damaged_results_are_recomputed_with_a_warning(tmp_path, damage):
    """issue 9 item 4: a zero-byte or truncated results file used to fail every later run."""
    d = tmp_path / "demo"
    save_results(Results("demo", {"a": 1}, {"x": np.arange(1000.0)}, {}, ()), d)
    npz, js = d / "results.npz", d / "results.json"
    if damage == "empty_npz":
        npz.write_bytes(b"")
    elif damage == "truncated_npz":
        npz.write_bytes(npz.read_bytes()[: npz.stat().st_size // 2])
    elif damage == "empty_json":
        js.write_bytes(b"")
    elif damage == "truncated_json":
        js.write_text(js.read_text()[:40])
    elif damage == "not_a_result":
        js.write_text("[1, 2, 3]")
    else:
        npz.unlink()
    with pytest.warns(DamagedResultWarning, match="recomputed"):
        assert load_results(d, {"a": 1}) is None


def test_intact_results_load_without_warning(tmp_path):
    save_results(Results("demo", {"a": 1}, {"x": np.arange(3.0)}), tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert load_results(tmp_path, {"a": 1}) is not None
    assert load_results(tmp_path / "absent") is None  # absent: no warning either


# ----------------------------------------------------------------------------- configs


def test_config_from_toml(tmp_path):
    mod = load_experiment("limit_cycle")
    p = tmp_path / "c.toml"
    p.write_text("no_such_key = 1\n")
    with pytest.raises(ConfigError, match="unknown config key `no_such_key`"):
        config_from_toml(mod, p)
    p.write_text("[limit_cycle]\nn_paths = 3000\nlams = [0.5, 1.5]\n")
    cfg = config_from_toml(mod, p)
    assert cfg.n_paths == 3000 and cfg.lams == (0.5, 1.5) and cfg.dt == mod.Config().dt
    p.write_text("[ou_current]\nn_paths = 3000\n")
    with pytest.raises(ConfigError, match=r"no \[limit_cycle\] table"):
        config_from_toml(mod, p)
    p.write_text("n_paths = = 3\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        config_from_toml(mod, p)
    with pytest.raises(ConfigError, match="not found"):
        config_from_toml(mod, tmp_path / "absent.toml")


@pytest.mark.parametrize("value, message", [
    ("abc", r"`n_paths` .* must be int, got 'abc'"),
    (2.5, r"`n_paths` .* must be int, got 2.5"),
    (True, r"`n_paths` .* must be int, got True"),
    ([1, 2], r"`n_paths` .* must be int"),
])
def test_wrong_types_name_the_key_the_type_and_the_valid_keys(value, message):
    mod = load_experiment("limit_cycle")
    with pytest.raises(ConfigError, match=message) as e:
        resolve_config(mod, overrides={"n_paths": value})
    assert "valid keys: lams, n_paths" in str(e.value) and "\n" not in str(e.value)


def test_values_are_converted_like_the_annotation():
    mod = load_experiment("limit_cycle")
    r = resolve_config(mod, overrides={"dt": 1, "lams": [0.5], "hist_range": [[-1, 1], [-2, 2]]})
    assert r.config.dt == 1.0 and isinstance(r.config.dt, float)
    assert r.config.lams == (0.5,) and r.config.hist_range == ((-1.0, 1.0), (-2.0, 2.0))
    assert r.overrides == {"dt": 1.0, "lams": (0.5,), "hist_range": ((-1.0, 1.0), (-2.0, 2.0))}
    with pytest.raises(ConfigError, match=r"`hist_bins` .* must be tuple\[int, int\]"):
        resolve_config(mod, overrides={"hist_bins": [1, 2, 3]})
    # a bare `tuple` annotation keeps nested values hashable
    oc = load_experiment("optim_checks")
    assert resolve_config(oc, overrides={"sweep": [[50, 0.04]]}).config.sweep == ((50, 0.04),)


def test_unknown_key_suggests_the_close_one():
    with pytest.raises(ConfigError, match=r"unknown config key `n_path` .*did you mean `n_paths`"):
        resolve_config(load_experiment("limit_cycle"), overrides={"n_path": 3})


@pytest.mark.parametrize("text, expected", [
    ("n_paths=2000", {"n_paths": 2000}), ("dt=1e-3", {"dt": 1e-3}), ("dt=.5", {"dt": 0.5}),
    ("scheme=heun", {"scheme": "heun"}), ("scheme='heun'", {"scheme": "heun"}), ("flag=true", {"flag": True}),
    ("lams=[0.5, 1.5]", {"lams": [0.5, 1.5]}), ("a.b=2", {"a.b": 2}), ("x = 3", {"x": 3}),
])
def test_parse_assignments(text, expected):
    assert parse_assignments([text]) == expected


@pytest.mark.parametrize("bad", ["n_paths", "=3", "2x=1", "a..b=1"])
def test_parse_assignments_refuses(bad):
    with pytest.raises(ConfigError, match="KEY=VALUE"):
        parse_assignments([bad])


@pytest.fixture
def nested_experiment(tmp_path, monkeypatch):
    """A throwaway experiment module whose Config nests another dataclass."""
    src = textwrap.dedent('''
        """A fake experiment."""
        from __future__ import annotations
        from dataclasses import dataclass, field
        from experiments._base import Results, check_row, config_dict

        NAME = "fakeexp_nested"
        TITLE = "fake"

        @dataclass(frozen=True)
        class Optim:
            """Attributes
            ----------
            lr
                the learning rate
            """
            lr: float = 0.1
            steps: int = 3  # number of steps

        @dataclass(frozen=True)
        class Config:
            #: the seed
            seed: int = 0
            optim: Optim = field(default_factory=Optim)
            tag: str = field(default="a", metadata={"help": "a label"})

            @classmethod
            def full(cls):
                return cls(optim=Optim(lr=0.01, steps=30))

        def run(config, *, progress=False):
            x = config.optim.lr * config.optim.steps + config.seed
            return Results(NAME, config_dict(config), {}, {"x": x}, (check_row("x", "r", x, 10.0, "<="),))
    ''')
    mods = tmp_path / "mods"
    mods.mkdir()
    (mods / "fakeexp_nested.py").write_text(src)
    monkeypatch.syspath_prepend(str(mods))
    mod = importlib.import_module("fakeexp_nested")
    yield mod
    sys.modules.pop("fakeexp_nested", None)


def test_dotted_keys_reach_nested_configs(nested_experiment, tmp_path):
    mod = nested_experiment
    r = resolve_config(mod, overrides={"optim.lr": 0.5, "seed": 2})
    assert r.config.optim.lr == 0.5 and r.config.optim.steps == 3 and r.config.seed == 2
    with pytest.raises(ConfigError, match=r"unknown config key `optim.lrr`.*did you mean `optim.lr`"):
        resolve_config(mod, overrides={"optim.lrr": 0.5})
    with pytest.raises(ConfigError, match=r"`optim.steps` .* must be int"):
        resolve_config(mod, overrides={"optim.steps": "x"})
    with pytest.raises(ConfigError, match="not a nested config"):
        resolve_config(mod, overrides={"seed.x": 1})
    p = tmp_path / "n.toml"
    p.write_text("[fakeexp_nested]\nseed = 4\n[fakeexp_nested.optim]\nsteps = 7\n")
    r = resolve_config(mod, config_file=p, overrides={"optim.lr": 0.25})
    assert (r.config.seed, r.config.optim.steps, r.config.optim.lr) == (4, 7, 0.25)
    assert r.overrides == {"seed": 4, "optim.steps": 7, "optim.lr": 0.25}


def test_help_lists_types_defaults_scales_and_meanings(nested_experiment):
    text = config_help(nested_experiment)
    assert "seed: int = 0" in text and "the seed" in text
    assert "optim.lr: float = 0.1   [full: 0.01]" in text and "the learning rate" in text
    assert "optim.steps: int = 3   [full: 30]" in text and "number of steps" in text
    assert "tag: str = 'a'" in text and "a label" in text


def test_scales(nested_experiment):
    cfg, eff, note = config_at_scale(nested_experiment, "paper")
    assert eff == "quick" and "no paper scale" in note and cfg == nested_experiment.Config()
    cfg, eff, note = config_at_scale(nested_experiment, "full")
    assert eff == "full" and note == "" and cfg.optim.steps == 30
    with pytest.raises(ConfigError, match="`scale` must be one of quick, paper, full"):
        config_at_scale(nested_experiment, "huge")


# ----------------------------------------------------------------------------- cache keys and provenance


def test_a_result_is_reused_only_under_the_same_key(nested_experiment, tmp_path):
    from experiments._runner import plan_run, result_dir, run_planned

    mod = nested_experiment
    first = run_planned(plan_run(mod), tmp_path, progress=False)
    assert first.meta["reused"] is False
    again = run_planned(plan_run(mod), tmp_path, progress=False)
    assert again.meta["reused"] is True and again.info == first.info
    # another config, another scale: not reused
    assert run_planned(plan_run(mod, overrides={"seed": 1}), tmp_path, progress=False).meta["reused"] is False
    full = run_planned(plan_run(mod, scale="full"), tmp_path, progress=False)
    assert full.meta["reused"] is False and (result_dir(tmp_path, mod.NAME, "full") / "results.json").exists()
    # the code changed: not reused
    src_file = sys.modules[mod.__name__].__file__
    with open(src_file, "a") as fh:
        fh.write("\n# an edit\n")
    from experiments import _provenance

    _provenance._sources.cache_clear()
    _provenance._experiment_hash.cache_clear()
    try:
        assert run_planned(plan_run(mod), tmp_path, progress=False).meta["reused"] is False
    finally:
        _provenance._sources.cache_clear()
        _provenance._experiment_hash.cache_clear()


def test_provenance_is_saved(nested_experiment, tmp_path):
    from experiments._runner import plan_run, run_planned

    run_planned(plan_run(nested_experiment, overrides={"optim.lr": 0.2}), tmp_path, progress=False)
    meta = json.loads((tmp_path / "fakeexp_nested" / "results.json").read_text())
    prov = meta["provenance"]
    for key in ("deeprelax_version", "git_hash", "date", "host", "scale", "data_source", "seeds", "wall_s", "cpu_s",
                "compile_s", "python", "numpy", "numba"):
        assert key in prov, key
    assert prov["overrides"] == {"optim.lr": 0.2} and prov["seeds"] == {"seed": 0}
    assert prov["data_source"] == "generated (no data files)"
    assert set(meta["cache_key"]) == {"config_hash", "scale", "data_fingerprint", "deeprelax_version",
                                      "library_hash", "experiment_hash"}


def test_failure_is_recorded_then_cleared(nested_experiment, tmp_path):
    from experiments._runner import plan_run, read_failure, run_planned

    mod = nested_experiment
    real = mod.run
    mod.run = lambda config, progress=False: 1 / 0
    try:
        with pytest.raises(ZeroDivisionError):
            run_planned(plan_run(mod), tmp_path, progress=False)
    finally:
        mod.run = real
    rec = read_failure(tmp_path / mod.NAME)
    assert rec is not None and "ZeroDivisionError" in rec["error"] and "Traceback" in rec["traceback"]
    run_planned(plan_run(mod), tmp_path, progress=False)
    assert read_failure(tmp_path / mod.NAME) is None


def test_reused_result_clears_a_failure_of_another_config(nested_experiment, tmp_path):
    """A typo'd run (`--set scheme=hune`) records a failure; rerunning the saved config reuses its result,
    which is a success: the record must go, or the report keeps a "Failed" box until ``--force``."""
    from experiments._runner import plan_run, read_failure, run_planned

    mod = nested_experiment
    run_planned(plan_run(mod), tmp_path, progress=False)
    real = mod.run
    mod.run = lambda config, progress=False: 1 / 0
    try:
        with pytest.raises(ZeroDivisionError):
            run_planned(plan_run(mod, overrides={"seed": 1}), tmp_path, progress=False)
    finally:
        mod.run = real
    assert read_failure(tmp_path / mod.NAME) is not None
    assert run_planned(plan_run(mod), tmp_path, progress=False).meta["reused"] is True
    assert read_failure(tmp_path / mod.NAME) is None


def test_experiments_reading_data_are_detected():
    from experiments._provenance import data_source, uses_data

    assert uses_data("experiments.train") and uses_data("experiments.hessian_spectrum")  # via noise_spectrum
    assert not uses_data("experiments.limit_cycle")
    assert data_source("experiments.limit_cycle")["fingerprint"] == "none"
    cfg = load_experiment("train").Config(dataset="digits")
    assert data_source("experiments.train", cfg)["fingerprint"] == "digits"


def test_paper_and_full_scales_refuse_to_fall_back_to_other_data(tmp_path, monkeypatch):
    """issue 13: `--scale full` never silently runs on digits when the MNIST files are missing."""
    from deeprelax._core import DataError
    from deeprelax.data import _paths
    from experiments._runner import plan_run, run_planned

    monkeypatch.setattr(_paths, "DEFAULT_DIRS", ())
    monkeypatch.delenv("DEEPRELAX_DATA", raising=False)
    plan = plan_run("noise_spectrum", scale="full")
    assert "no MNIST files found" in plan.data["description"]
    with pytest.raises(DataError, match="IDX") as e:
        run_planned(plan, tmp_path, progress=False)
    assert "DEEPRELAX_DATA" in str(e.value)
    assert not (tmp_path / "noise_spectrum").exists()  # refused before running


def test_check_from_dict_is_the_inverse_of_as_dict():
    c = Check("a", "b", 1.0, 2.0, "<=", "pass", "n", "derived", 3, 0.1, "cond", "why")
    assert Check.from_dict(c.as_dict()) == c


CONFIGS = sorted((Path(__file__).resolve().parents[2] / "experiments" / "configs").glob("*.toml"))


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.stem)
def test_shipped_config_files_validate(path):
    """Every example config names its experiment's table and passes the type check."""
    mod = load_experiment(path.stem)
    r = resolve_config(mod, config_file=path)
    assert r.overrides and r.config_file == str(path)


def test_code_hash_ignores_comments_and_docstrings_but_not_code(tmp_path):
    """Comment/docstring edits keep saved results valid; any code change invalidates them."""
    from experiments._provenance import _hash_files

    src = 'def f(x):\n    """Old doc."""\n    return 2 * x  # old comment\n'
    p = tmp_path / "m.py"
    p.write_text(src)
    h0 = _hash_files([p], tmp_path)
    p.write_text('def f(x):\n    """New, longer\n    doc."""\n\n    # a new comment\n    return 2 * x\n')
    assert _hash_files([p], tmp_path) == h0
    p.write_text(src.replace("2 * x", "3 * x"))          # negative control: the code changed
    assert _hash_files([p], tmp_path) != h0
    p.write_text(src.replace('"""Old doc."""', 'print("doc")'))   # a statement is code, not a docstring
    assert _hash_files([p], tmp_path) != h0
