"""``python -m tests.bad_inputs``: run every case module, print the per-entry-point counts and the failures."""

from __future__ import annotations

import importlib
import sys

from tests.bad_inputs._harness import run_cases, summarise
from tests.bad_inputs.test_bad_inputs import MODULES


def main() -> int:
    everything = []
    for name in MODULES:
        mod = importlib.import_module(f"tests.bad_inputs.{name}")
        outcomes = run_cases(mod.SETUP, mod.CASES)
        everything += outcomes
        for o in outcomes:
            if not o.handled:
                print(f"[{o.kind}] {o.case.entry} `{o.case.param}`: {o.case.code}\n      -> {o.detail}")
    print(summarise(everything))
    return 0 if all(o.handled for o in everything) else 1


if __name__ == "__main__":
    sys.exit(main())
