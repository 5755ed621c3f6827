"""The ``deeprelax`` command.

``deeprelax report``        run every experiment, draw every figure, write results/report.html
``deeprelax run NAME``      run one experiment (optionally from a TOML config) and draw its figures
``deeprelax list``          list the experiments

The experiments and figures live in the top-level ``experiments`` and ``paper_figs``
packages, which sit *above* the library; the command finds them by name with
:mod:`importlib` (a plugin look-up), so the library itself never imports them.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="deeprelax", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("report", help="run every experiment and build the HTML report")
    r.add_argument("--out", default="results", help="output folder (default: results)")
    r.add_argument("--scale", choices=["quick", "full"], default="quick")
    r.add_argument("--only", nargs="*", default=None, help="experiment names to run (default: all)")
    r.add_argument("--force", action="store_true", help="rerun even when saved results match")
    r.add_argument("--no-progress", action="store_true")
    o = sub.add_parser("run", help="run one experiment")
    o.add_argument("name")
    o.add_argument("--config", default=None, help="TOML file with config values")
    o.add_argument("--out", default="results")
    o.add_argument("--scale", choices=["quick", "full"], default="quick")
    o.add_argument("--force", action="store_true")
    o.add_argument("--no-progress", action="store_true")
    sub.add_parser("list", help="list the experiments")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``deeprelax`` console script."""
    args = _parser().parse_args(argv)
    report = importlib.import_module("paper_figs._report")
    base = importlib.import_module("experiments._base")
    if args.command == "list":
        for name in base.experiment_names():
            print(f"{name:24s} {base.load_experiment(name).TITLE}")
        return 0
    if args.command == "report":
        path = report.build_report(args.out, scale=args.scale, experiments=args.only, force=args.force,
                                   progress=not args.no_progress)
        print(f"report written to {path}")
        return 0
    path = report.build_report(args.out, scale=args.scale, experiments=[args.name], force=args.force,
                               progress=not args.no_progress)
    print(f"results in {args.out}/{args.name}; report {path}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
