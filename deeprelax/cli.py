"""The ``deeprelax`` command.

``deeprelax report``                 run every experiment, draw every figure, write results/report.html
``deeprelax run NAME``               run one experiment (``--config FILE``, ``--set KEY=VALUE``), update its section
``deeprelax run NAME --help``        the experiment's config keys: type, default per scale, meaning
``deeprelax sweep SWEEP.toml``       a grid of config overrides x replicate seeds, in-process or on Dask
``deeprelax list``                   list the experiments
``deeprelax warmup``                 compile the standard kernels into the disk cache (after an install)

Scales (``--scale``): ``quick`` (the defaults, minutes), ``paper`` (decides a claim, ≤ 30 min
per experiment on 2 cores; experiments without one run their quick config and say so)
and ``full`` (the papers' sizes, hours). Bad input (an unknown experiment or key, a value
of the wrong type, a missing file) is one line on stderr and exit status 2; an
interrupt (Ctrl-C) exits with 130 and leaves every finished result saved, so the same
command resumes.

The experiments and figures live in the top-level ``experiments`` and ``paper_figs``
packages, which sit *above* the library; the command finds them by name with
:mod:`importlib` (a plugin look-up), so the library itself never imports them.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from deeprelax._core.errors import DeepRelaxError

__all__ = ["main"]

_SCALES = ("quick", "paper", "full")


def _parser() -> argparse.ArgumentParser:
    return _build()[0]


def _build() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    p = argparse.ArgumentParser(prog="deeprelax", description=__doc__.splitlines()[0],
                                epilog="`deeprelax COMMAND --help` for a command's options")
    sub = p.add_subparsers(dest="command", required=True, metavar="{report,run,sweep,list,warmup}")
    r = sub.add_parser("report", help="run every experiment and build the HTML report")
    r.add_argument("--out", default="results", help="output folder (default: results)")
    r.add_argument("--scale", choices=_SCALES, default="quick", help="quick (default), paper or full")
    r.add_argument("--only", nargs="*", default=None, metavar="NAME", help="experiment names to run (default: all)")
    r.add_argument("--force", action="store_true", help="rerun even when a saved result matches")
    r.add_argument("--no-progress", action="store_true", help="no progress bars")
    o = sub.add_parser("run", add_help=False, help="run one experiment and update its section of the report",
                       usage="deeprelax run NAME [--scale {quick,paper,full}] [--config FILE] [--set KEY=VALUE]... "
                             "[--out DIR] [--force] [--no-progress]")
    o.add_argument("name", nargs="?", help="the experiment (`deeprelax list`)")
    o.add_argument("-h", "--help", action="store_true", help="show the experiment's config keys and exit")
    o.add_argument("--config", default=None, metavar="FILE", help="TOML file with config values")
    o.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="assignments",
                   help="override one config value (repeatable; VALUE is TOML: 2000, 1e-3, true, [0.5, 1.5], 'text')")
    o.add_argument("--out", default="results", help="output folder (default: results)")
    o.add_argument("--scale", choices=_SCALES, default="quick")
    o.add_argument("--force", action="store_true", help="rerun even when a saved result matches")
    o.add_argument("--no-progress", action="store_true")
    s = sub.add_parser("sweep", help="run a grid of configs x replicate seeds (in-process or on Dask)")
    s.add_argument("file", metavar="SWEEP.toml", help="the sweep file (examples: experiments/sweeps/)")
    s.add_argument("--out", default=None, help="output folder (default: results/sweeps/<file name>)")
    s.add_argument("--resume", action="store_true", help="skip points whose result is saved")
    s.add_argument("--dry-run", action="store_true", help="print the point table and exit")
    ex = s.add_mutually_exclusive_group()
    ex.add_argument("--local", type=int, default=None, metavar="N", help="run on a local Dask cluster of N processes")
    ex.add_argument("--scheduler", default=None, metavar="ADDRESS", help="a running Dask scheduler (tcp://host:8786)")
    ex.add_argument("--scheduler-file", default=None, metavar="FILE", help="a running Dask cluster's scheduler file")
    s.add_argument("--worker-threads", type=int, default=None, metavar="N",
                   help="Numba/BLAS threads per task (default: cores / N with --local, 1 on a running cluster)")
    s.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="assignments",
                   help="override one value of the sweep's [base] (repeatable)")
    s.add_argument("--keep-arrays", action="store_true", help="also save each point's arrays (points/<key>.npz)")
    s.add_argument("--no-progress", action="store_true")
    sub.add_parser("list", help="list the experiments")
    sub.add_parser("warmup", help="compile the standard kernels into the disk cache (later processes load them)")
    return p, {"report": r, "run": o, "sweep": s}


def _run_help(name: str | None) -> str:
    base = importlib.import_module("experiments._base")
    cfg = importlib.import_module("experiments._config")
    usage = _build()[1]["run"].format_help()
    if name is None:
        names = "\n".join(f"  {n:22s} {base.load_experiment(n).TITLE}" for n in base.experiment_names())
        return f"{usage}\nexperiments:\n{names}\n\n`deeprelax run NAME --help` lists NAME's config keys."
    mod = base.load_experiment(name)
    scales = [s for s in _SCALES if s == "quick" or callable(getattr(mod.Config, s, None))]
    return (f"{usage}\n{name}: {mod.TITLE}\nscales: {', '.join(scales)}\n\n"
            f"config keys (KEY: type = quick default [other scales]; --set KEY=VALUE or KEY = VALUE under "
            f"[{name}] in the TOML file):\n{cfg.config_help(mod)}")


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split("\n")).strip() or type(exc).__name__


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "warmup":
        from deeprelax.sde._warmup import warmup

        total = sum(warmup(extra={"pde (cole_hopf, hopf_lax, solve_hj, stationary_fp)": _warmup_pde}).values())
        print(f"warm-up done in {total:.1f} s; kernels cached for later processes")
        return 0
    base = importlib.import_module("experiments._base")
    if args.command == "list":
        for name in base.experiment_names():
            mod = base.load_experiment(name)
            scales = "/".join(s for s in _SCALES if s == "quick" or callable(getattr(mod.Config, s, None)))
            print(f"{name:22s} {scales:17s} {mod.TITLE}")
        return 0
    if args.command == "sweep":
        return _sweep(args)
    if args.command == "run":
        if args.help:
            print(_run_help(args.name))
            return 0
        if args.name is None:
            raise DeepRelaxError("`deeprelax run` needs an experiment NAME; valid names are "
                                 + ", ".join(base.experiment_names()))
        cfg = importlib.import_module("experiments._config")
        overrides = cfg.parse_assignments(args.assignments)
        names: list[str] | None = [args.name]
        kw: dict[str, Any] = {"config_path": args.config, "overrides": overrides}
    else:
        names, kw = args.only, {}
    report = importlib.import_module("paper_figs._report")
    started = importlib.import_module("experiments._provenance").utc_now()
    try:
        path = report.build_report(args.out, scale=args.scale, experiments=names, force=args.force,
                                   progress=not args.no_progress, **kw)
    except report.ReportErrors as exc:
        for e in exc.errors:
            print(f"deeprelax: {_one_line(Exception(e))}", file=sys.stderr)
        print(f"report written to {exc.path} (with {len(exc.errors)} error(s))", file=sys.stderr)
        return 1
    if args.command == "run":
        runner = importlib.import_module("experiments._runner")
        plan = runner.plan_run(args.name, scale=args.scale, config_file=args.config, overrides=overrides)
        outdir = runner.result_dir(args.out, args.name, plan.scale)
        res = base.read_results(outdir, arrays=False)
        prov = (res.meta.get("provenance") or {}) if res is not None else {}
        when = "computed" if prov.get("date", "") >= started else "reused the result computed"
        print(f"{args.name} ({plan.scale} scale): {when} {prov.get('date', '?')}; results in {outdir}; "
              f"report {path}")
    else:
        print(f"report written to {path}")
    return 0


def _warmup_pde() -> None:
    """The PDE solvers' default kernels: 1-D Cole–Hopf and Hopf–Lax, solve_hj on a small and a
    threaded-size 2-D grid, the stationary Fokker–Planck operator of Example 19."""
    from deeprelax import landscapes, sde
    from deeprelax.pde import Grid, cole_hopf, hopf_lax, solve_hj, stationary_fp

    g1, f1 = Grid((-3.0, 3.0), 64), landscapes.relaxation_1d()
    cole_hopf(f1, g1, t=0.1, beta=1.0)
    hopf_lax(f1, g1, t=0.1)
    f2 = landscapes.double_well(2)
    for n in (24, 200):
        solve_hj(f2, Grid([(-3.0, 3.0)] * 2, (n, n)), 1e-3, 0.1)
    stationary_fp(sde.langevin(landscapes.example19(1.5)), Grid([(-3.0, 3.0)] * 2, (24, 24)))


def _sweep(args: argparse.Namespace) -> int:
    cfg = importlib.import_module("experiments._config")
    sw = importlib.import_module("experiments._sweep")
    from deeprelax._core._executors import open_executor

    spec = sw.load_sweep(args.file, cfg.parse_assignments(args.assignments))
    out = Path(args.out) if args.out else Path("results") / "sweeps" / Path(args.file).stem
    points = sw.expand(spec)
    if args.dry_run:
        print(f"{spec.experiment} at the {spec.scale} scale: {len(points)} points "
              f"({len(points) // spec.replicates} configs x {spec.replicates} replicates); output {out}")
        print(sw.point_table(spec, points, out))
        return 0
    if args.worker_threads is not None and args.worker_threads < 1:
        raise DeepRelaxError(f"`--worker-threads` must be a positive integer, got {args.worker_threads}")
    threads = args.worker_threads
    if threads is None and (args.scheduler or args.scheduler_file):
        threads = 1
    with open_executor(local=args.local, scheduler=args.scheduler, scheduler_file=args.scheduler_file,
                       worker_threads=args.worker_threads) as ex:
        res = sw.run_sweep(spec, out, executor=ex, resume=args.resume, progress=not args.no_progress,
                           threads=None if args.local else threads, keep_arrays=args.keep_arrays, points=points)
    plot = importlib.import_module("paper_figs._sweep").plot_sweep(spec, points, res.records, out)
    print(f"sweep {spec.experiment}: {res.n_run} points run, {res.n_skipped} reused, {res.n_failed} failed; "
          f"summary {res.summary}" + (f"; figure {plot}" if plot else ""))
    for r in res.records:
        if r.get("status") != "success":
            print(f"deeprelax: point {r['index']} (key {r['key']}) failed: {_one_line(Exception(r.get('error')))}",
                  file=sys.stderr)
    return 1 if res.n_failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``deeprelax`` console script; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        return _dispatch(args)
    except DeepRelaxError as exc:
        print(f"deeprelax: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except ImportError as exc:
        if "deeprelax[" not in str(exc):
            raise
        print(f"deeprelax: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("deeprelax: interrupted; finished results are saved: rerun the same command to resume",
              file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
