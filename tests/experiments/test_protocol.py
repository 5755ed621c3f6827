"""Every experiment and figure module follows the protocol; results files round-trip atomically."""

import dataclasses
import importlib
import json

import numpy as np
import pytest

from experiments._base import (
    Results,
    check_row,
    config_dict,
    config_from_toml,
    experiment_names,
    load_experiment,
    load_results,
    save_results,
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


def test_figure_modules_name_existing_experiments():
    from paper_figs._report import figure_modules

    names = set(experiment_names())
    for fig in figure_modules():
        assert fig.EXPERIMENT in names, f"{fig.__name__} draws unknown experiment {fig.EXPERIMENT!r}"
        assert callable(fig.make) and fig.TITLE


def test_unknown_experiment_lists_valid_names():
    with pytest.raises(ValueError, match="valid names are"):
        load_experiment("no_such_experiment")


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


def test_results_round_trip(tmp_path):
    r = Results("demo", {"a": 1, "b": [1, 2]}, {"x": np.arange(3.0)}, {"note": "hi"},
                (check_row("c", "r", 1.0, 2.0, "<="),))
    save_results(r, tmp_path / "demo")
    back = load_results(tmp_path / "demo", {"a": 1, "b": [1, 2]})
    assert back is not None and back.checks == r.checks
    np.testing.assert_array_equal(back.arrays["x"], np.arange(3.0))
    assert load_results(tmp_path / "demo", {"a": 2, "b": [1, 2]}) is None  # other config: rerun
    assert not list((tmp_path / "demo").glob(".*.tmp"))  # no temporary files left behind


def test_config_from_toml(tmp_path):
    names = experiment_names()
    if not names:
        pytest.skip("no experiment modules yet")
    mod = importlib.import_module(f"experiments.{names[0]}")
    field = dataclasses.fields(mod.Config)[0]
    p = tmp_path / "c.toml"
    p.write_text("no_such_key = 1\n")
    with pytest.raises(ValueError, match="unknown config keys"):
        config_from_toml(mod, p)
    cfg = config_from_toml(mod, None)
    assert getattr(cfg, field.name) == getattr(mod.Config(), field.name)
