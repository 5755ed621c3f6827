"""Every public entry point, every bad value: a clear error naming the parameter, or a documented result.

Each ``cases_<room>.py`` module in this folder is one test: its cases run in a child
process (memory cap, time limit; see ``_harness``), and the test fails listing every
case that crashed, hung, raised a raw exception, raised an error not naming the
parameter, or silently accepted the value. ``python -m tests.bad_inputs`` prints the
per-entry-point counts (tried / clear / benign / other).
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest

from tests.bad_inputs._harness import run_cases

_HERE = Path(__file__).resolve().parent
MODULES = sorted(m.name for m in pkgutil.iter_modules([str(_HERE)]) if m.name.startswith("cases_"))


def _failures(module_name: str) -> tuple[list, list]:
    mod = importlib.import_module(f"tests.bad_inputs.{module_name}")
    outcomes = run_cases(mod.SETUP, mod.CASES)
    return outcomes, [o for o in outcomes if not o.handled]


@pytest.mark.parametrize("module_name", MODULES)
def test_bad_inputs_are_refused_clearly(module_name):
    outcomes, bad = _failures(module_name)
    assert outcomes, f"{module_name} defines no cases"
    lines = [f"[{o.kind}] {o.case.entry} `{o.case.param}`: {o.case.code}\n      -> {o.detail}" for o in bad]
    assert not bad, f"{len(bad)} of {len(outcomes)} bad inputs not handled:\n" + "\n".join(lines)


def test_harness_negative_control():
    """The harness itself: a raw error, an unclear error, a silent acceptance and a crash are all caught."""
    from tests.bad_inputs._harness import Case

    setup = "import ctypes\nfrom deeprelax._core.errors import ParameterError"
    cases = [
        Case("ctl", "x", "float('abc')"),                                   # raw ValueError
        Case("ctl", "x", "raise ParameterError('something is wrong')"),    # names no parameter
        Case("ctl", "x", "y = 1"),                                          # accepted silently
        Case("ctl", "x", "ctypes.string_at(0)"),                            # segfault
        Case("ctl", "x", "raise ParameterError('`x` must be positive')"),   # clear
        Case("ctl", "x", "y = 2", expect="benign"),                         # documented
    ]
    kinds = [o.kind for o in run_cases(setup, cases)]
    assert kinds == ["raw", "unclear", "accepted", "crash", "clear", "benign"]
