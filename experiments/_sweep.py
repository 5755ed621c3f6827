"""Parameter sweeps: a grid of config overrides × replicate seeds over any experiment.

A sweep file (TOML)::

    experiment = "train"                 # any experiment name
    scale = "quick"                      # the base config's scale (quick / paper / full)
    replicates = 3                       # independent seeds per grid point
    seed_field = "seed"                  # config field that gets each point's seed ("" keeps the config's)
    metrics = ["arrays.train_loss[-1]", "info.final_val_error"]   # numbers kept per point

    [base]                               # overrides for every point (dotted keys reach nested configs)
    optimizer = "sgd"

    [grid]                               # Cartesian product of these lists
    momentum = [0.0, 0.9]

    [[zip]]                              # lists walked together (equal lengths); one factor of the product
    lr = [0.05, 0.1, 0.2]
    batch_size = [32, 64, 128]

    [plot]                               # the summary figure: a metric over the grid
    metric = "arrays.train_loss[-1]"
    x = "lr/batch_size"                  # a swept key, or the ratio of two
    logx = true

Every point is validated before anything runs. Each point's result is one JSON file
``points/<key>.json`` (written atomically by the process that drives the sweep), keyed
by a hash of (experiment, scale, resolved config, replicate, code version); the seed
is derived from (experiment, scale, resolved config, replicate) alone, so it does not
depend on the grid's order or size, nor on the code version. ``resume`` skips points
whose file holds a success; a failing point records its traceback and the sweep goes
on. The points run on any :class:`concurrent.futures.Executor`
(:func:`deeprelax._core._executors.open_executor`: in-process, a local Dask cluster, a
running Dask cluster). The summary is ``summary.csv`` (one row per point) and a figure
(:mod:`paper_figs._sweep`).

Metric expressions: ``info.KEY[.KEY...]``, ``arrays.NAME``, ``checks.N.measured``, each
optionally indexed (``[-1]``, ``[2]``) or sliced (``[-10:]``, averaged), or
``check:TEXT`` — the measured value of the first row whose statement contains TEXT.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import itertools
import json
import math
import os
import re
import time
import traceback
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

try:
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

from experiments._base import atomic_write_bytes, config_dict, load_experiment
from experiments._config import SCALES, ConfigError, config_keys, resolve_config

__all__ = ["SweepSpec", "Point", "load_sweep", "expand", "run_sweep", "run_point", "metric_value",
           "read_points", "write_summary", "SweepResult"]

_SPEC_KEYS = ("experiment", "scale", "replicates", "seed_field", "metrics", "base", "grid", "zip", "plot",
              "description")
_PLOT_KEYS = ("metric", "x", "logx", "logy", "title")


@dataclass(frozen=True)
class SweepSpec:
    """A parsed, validated sweep file (see the module docstring)."""

    experiment: str
    scale: str = "quick"
    replicates: int = 1
    seed_field: str = ""
    metrics: tuple[str, ...] = ()
    base: Mapping[str, Any] = field(default_factory=dict)
    grid: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)
    zips: tuple[Mapping[str, tuple[Any, ...]], ...] = ()
    plot: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""
    source: str = ""

    @property
    def axes(self) -> list[str]:
        """The keys that vary over the grid, in file order."""
        return list(self.grid) + [k for z in self.zips for k in z]


@dataclass(frozen=True)
class Point:
    """One run of the sweep: its overrides, replicate, derived seed, key and resolved config."""

    index: int
    values: Mapping[str, Any]
    replicate: int
    seed: int | None
    key: str
    config: Mapping[str, Any]


def _err(path: str, msg: str) -> ConfigError:
    return ConfigError(f"sweep file {path!r}: {msg}")


def _flat(d: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        if isinstance(v, Mapping):
            out.update(_flat(v, f"{prefix}{k}."))
        else:
            out[prefix + k] = v
    return out


def _lists(path: str, table: Any, where: str) -> dict[str, tuple[Any, ...]]:
    if not isinstance(table, Mapping):
        raise _err(path, f"[{where}] must be a table of KEY = [values], got {table!r}")
    out = {}
    for k, v in _flat(table).items():
        if not isinstance(v, list) or not v:
            raise _err(path, f"[{where}] {k} must be a non-empty list of values, got {v!r}")
        out[k] = tuple(v)
    return out


def load_sweep(path: str | os.PathLike, overrides: Mapping[str, Any] | None = None) -> SweepSpec:
    """Parse and validate a sweep file; ``overrides`` (``--set``) update its ``[base]``."""
    if not isinstance(path, (str, os.PathLike)):
        raise ConfigError(f"`sweep` must be the path of a sweep TOML file, got {path!r}")
    p = Path(path)
    sp = os.fspath(path)
    if not p.is_file():
        raise ConfigError(f"sweep file {sp!r} not found; examples are in experiments/sweeps/")
    try:
        raw = tomllib.loads(p.read_text())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise _err(sp, f"not valid TOML: {exc}") from None
    unknown = sorted(set(raw) - set(_SPEC_KEYS))
    if unknown:
        raise _err(sp, f"unknown keys {unknown}; valid keys: {', '.join(_SPEC_KEYS)}")
    if not isinstance(raw.get("experiment"), str):
        raise _err(sp, "needs `experiment = \"NAME\"` (see `deeprelax list`)")
    mod = load_experiment(raw["experiment"])
    scale = raw.get("scale", "quick")
    if scale not in SCALES:
        raise _err(sp, f"`scale` must be one of {', '.join(SCALES)}, got {scale!r}")
    reps = raw.get("replicates", 1)
    if isinstance(reps, bool) or not isinstance(reps, int) or reps < 1:
        raise _err(sp, f"`replicates` must be a positive integer, got {reps!r}")
    keys = config_keys(mod.Config)
    seed_field = raw.get("seed_field", "seed" if "seed" in keys else "")
    if not isinstance(seed_field, str) or (seed_field and seed_field not in keys):
        raise _err(sp, f"`seed_field` must name a config field of {mod.NAME} (or be \"\"), got {seed_field!r}; "
                       f"fields with 'seed' in the name: {[k for k in keys if 'seed' in k]}")
    metrics = raw.get("metrics", [])
    if isinstance(metrics, str):
        metrics = [metrics]
    if not isinstance(metrics, list) or not all(isinstance(m, str) for m in metrics):
        raise _err(sp, f"`metrics` must be a list of metric expressions, got {metrics!r}")
    for m in metrics:
        _parse_metric(m)
    base = _flat(raw.get("base", {})) if isinstance(raw.get("base", {}), Mapping) else None
    if base is None:
        raise _err(sp, "[base] must be a table of KEY = value")
    base.update(overrides or {})
    grid = _lists(sp, raw.get("grid", {}), "grid")
    zraw = raw.get("zip", [])
    zraw = [zraw] if isinstance(zraw, Mapping) else zraw
    if not isinstance(zraw, list):
        raise _err(sp, "[[zip]] must be tables of KEY = [values] of equal lengths")
    zips = []
    for i, z in enumerate(zraw):
        zl = _lists(sp, z, f"zip {i}")
        lengths = {k: len(v) for k, v in zl.items()}
        if len(set(lengths.values())) > 1:
            raise _err(sp, f"the lists of [[zip]] table {i} must have equal lengths, got {lengths}")
        zips.append(zl)
    axes = list(grid) + [k for z in zips for k in z]
    dup = sorted({k for k in axes if axes.count(k) > 1} | (set(axes) & set(base)))
    if dup:
        raise _err(sp, f"keys set in more than one place ([base], [grid], [[zip]]): {dup}")
    if seed_field and seed_field in axes:
        raise _err(sp, f"`{seed_field}` is swept, so it cannot also receive the derived seed; "
                       "set seed_field = \"\" to keep the swept values")
    plot = raw.get("plot", {})
    if not isinstance(plot, Mapping) or set(plot) - set(_PLOT_KEYS):
        raise _err(sp, f"[plot] takes {', '.join(_PLOT_KEYS)}, got {plot!r}")
    if "metric" in plot:
        _parse_metric(plot["metric"])
        if plot["metric"] not in metrics:
            metrics.append(plot["metric"])
    if "x" in plot and not (isinstance(plot["x"], str) and all(k in axes for k in plot["x"].split("/"))
                            and plot["x"].count("/") <= 1):
        raise _err(sp, f"[plot] x = {plot['x']!r} must be a swept key or a ratio of two (\"lr/batch_size\"); "
                       f"swept keys: {axes}")
    desc = raw.get("description", "")
    return SweepSpec(mod.NAME, scale, reps, seed_field, tuple(metrics), base, grid, tuple(zips), dict(plot),
                     str(desc), sp)


def _combinations(spec: SweepSpec) -> list[dict[str, Any]]:
    factors: list[list[dict[str, Any]]] = [[{k: v} for v in vals] for k, vals in spec.grid.items()]
    for z in spec.zips:
        n = len(next(iter(z.values())))
        factors.append([{k: vals[i] for k, vals in z.items()} for i in range(n)])
    combos = []
    for parts in itertools.product(*factors):
        d: dict[str, Any] = {}
        for part in parts:
            d.update(part)
        combos.append(d)
    return combos


def _digest(obj: Any) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()


def _seed_value(default: Any, seed: int) -> Any:
    if isinstance(default, tuple):
        return tuple(seed + i for i in range(max(1, len(default))))
    return seed


def expand(spec: SweepSpec) -> list[Point]:
    """Every point of the sweep (grid × zips × replicates), each config resolved and validated."""
    from experiments._provenance import code_version

    mod = load_experiment(spec.experiment)
    code = code_version(mod)
    points = []
    for values in _combinations(spec):
        over = {**spec.base, **values}
        resolved = resolve_config(mod, scale=spec.scale, overrides=over)
        c0 = config_dict(resolved.config)
        for r in range(spec.replicates):
            seed_key = _digest({"experiment": spec.experiment, "scale": spec.scale, "config": c0, "replicate": r})
            seed = None
            cfg = resolved.config
            if spec.seed_field:
                seed = int(seed_key[:8], 16) & 0x7FFFFFFF
                default = _get(cfg, spec.seed_field)
                cfg = resolve_config(mod, scale=spec.scale, overrides={spec.seed_field: _seed_value(default, seed)},
                                     base=cfg).config
            key = _digest({"seed_key": seed_key, "code": code})[:16]
            points.append(Point(len(points), dict(values), r, seed, key, config_dict(cfg)))
    return points


def _get(obj: Any, key: str) -> Any:
    for part in key.split("."):
        obj = getattr(obj, part)
    return obj


# ----------------------------------------------------------------------------- metrics

_TOKEN = re.compile(r"\.?([A-Za-z_]\w*)|\.?(\d+)|\[(-?\d*:?-?\d*)\]")


def _parse_metric(expr: str) -> tuple[str, list[Any]]:
    if not isinstance(expr, str) or not expr:
        raise ConfigError(f"a metric must be a non-empty string, got {expr!r}")
    if expr.startswith("check:"):
        return "check", [expr[6:]]
    pos, parts = 0, []
    while pos < len(expr):
        m = _TOKEN.match(expr, pos)
        if m is None or m.end() == pos:
            raise ConfigError(f"metric {expr!r} is not understood at {expr[pos:]!r}; write e.g. info.KEY, "
                              "arrays.NAME[-1], checks.0.measured or check:TEXT")
        name, num, idx = m.groups()
        if name is not None:
            parts.append(name)
        elif num is not None:
            parts.append(int(num))
        elif ":" in idx:
            a, b = idx.split(":")
            parts.append(slice(int(a) if a else None, int(b) if b else None))
        else:
            parts.append(int(idx))
        pos = m.end()
    if not parts or parts[0] not in ("info", "arrays", "checks"):
        raise ConfigError(f"metric {expr!r} must start with info., arrays., checks. or check:")
    return "path", parts


def metric_value(expr: str, results: Any) -> float | None:
    """The number ``expr`` picks from an experiment's ``Results`` (``None`` when absent or not a number)."""
    kind, parts = _parse_metric(expr)
    if kind == "check":
        for c in results.checks:
            if parts[0] in c.claim:
                return float(c.measured)
        return None
    obj: Any = {"info": results.info, "arrays": results.arrays,
                "checks": [c.as_dict() for c in results.checks]}
    try:
        for p in parts:
            if isinstance(p, str):
                obj = obj[p] if isinstance(obj, Mapping) else getattr(obj, p)
            else:
                obj = np.asarray(obj)[p] if not isinstance(obj, list) or isinstance(p, slice) else obj[p]
        val = np.asarray(obj, dtype=float)
    except (KeyError, IndexError, TypeError, ValueError, AttributeError):
        return None
    if val.size == 0:
        return None
    return float(val.mean()) if val.size > 1 else float(val.reshape(()))


# ----------------------------------------------------------------------------- running


def run_point(task: Mapping[str, Any]) -> dict[str, Any]:
    """Run one point (in whatever process the executor chose); never raises for the experiment's failure.

    Returns the JSON-able record that the driver writes to ``points/<key>.json``; with
    ``keep_arrays`` it also carries the arrays as npz bytes under ``"_npz"``.
    """
    from deeprelax._core._executors import limit_threads
    from experiments._provenance import CompileTimer, base_provenance, utc_now
    from experiments._runner import plan_run

    rec: dict[str, Any] = {k: task[k] for k in ("key", "experiment", "scale", "index", "replicate", "seed",
                                                 "values", "config")}
    rec["provenance"] = {**base_provenance(), "date": utc_now()}
    t0 = time.perf_counter()
    timer = CompileTimer()
    try:
        with limit_threads(task.get("threads")):
            plan = plan_run(task["experiment"], scale=task["scale"], overrides=task["overrides"])
            if config_dict(plan.resolved.config) != task["config"]:
                raise RuntimeError("the config resolved in the worker differs from the driver's: are both on the "
                                   "same deeprelax version?")
            rec["provenance"]["data_source"] = plan.data["description"]
            rec["provenance"]["code"] = plan.code
            with timer():
                res = plan.module.run(plan.resolved.config, progress=False)
        rec["status"] = "success"
        rec["metrics"] = {m: metric_value(m, res) for m in task["metrics"]}
        rec["info"] = json.loads(json.dumps(dict(res.info), default=_jsonable))
        rec["checks"] = [c.as_dict() for c in res.checks]
        if task.get("keep_arrays"):
            buf = io.BytesIO()
            np.savez_compressed(buf, **{k: np.asarray(v) for k, v in res.arrays.items()})
            rec["_npz"] = buf.getvalue()
    except Exception as exc:  # the point failed: record it, the sweep goes on
        from experiments._runner import _interrupt_in

        if _interrupt_in(exc):
            raise
        rec["status"] = "failed"
        rec["error"] = f"{type(exc).__name__}: {exc}"
        rec["traceback"] = traceback.format_exc()
        rec["metrics"] = {m: None for m in task["metrics"]}
    rec["wall_s"] = round(time.perf_counter() - t0, 3)
    rec["compile_s"] = round(timer.seconds, 3)
    return rec


def _jsonable(v: Any) -> Any:
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, np.generic):
        return v.item()
    return str(v)


def _point_path(out: Path, key: str) -> Path:
    return out / "points" / f"{key}.json"


def _finished(path: Path) -> dict[str, Any] | None:
    try:
        rec = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return rec if isinstance(rec, dict) and rec.get("status") == "success" else None


@dataclass
class SweepResult:
    """What a sweep did: every point's record, how many ran / were skipped / failed, where files are."""

    records: list[dict[str, Any]]
    n_run: int
    n_skipped: int
    n_failed: int
    out: Path
    summary: Path | None = None


def _task(spec: SweepSpec, p: Point, threads: int | None, keep_arrays: bool) -> dict[str, Any]:
    over = {**spec.base, **p.values}
    if spec.seed_field and p.seed is not None:
        val: Any = p.config
        for part in spec.seed_field.split("."):
            val = val[part]
        over[spec.seed_field] = val
    return {"key": p.key, "experiment": spec.experiment, "scale": spec.scale, "index": p.index,
            "replicate": p.replicate, "seed": p.seed, "values": dict(p.values), "config": dict(p.config),
            "overrides": over, "metrics": list(spec.metrics), "threads": threads, "keep_arrays": keep_arrays}


def _write_record(out: Path, rec: dict[str, Any]) -> None:
    npz = rec.pop("_npz", None)
    if npz is not None:
        atomic_write_bytes(out / "points" / f"{rec['key']}.npz", npz)
    atomic_write_bytes(_point_path(out, rec["key"]), json.dumps(rec, indent=1, default=_jsonable).encode())


def run_sweep(spec: SweepSpec, out: str | os.PathLike, *, executor: Executor, resume: bool = False,
              progress: bool = True, threads: int | None = None, keep_arrays: bool = False,
              points: list[Point] | None = None,
              on_record: Callable[[dict[str, Any]], None] | None = None) -> SweepResult:
    """Run every point not yet finished (with ``resume``) on ``executor``; write one file per point.

    An interrupt cancels the points not started and re-raises; finished points stay on
    disk, so ``resume=True`` continues. Returns after writing ``summary.csv``.
    """
    out = Path(out)
    points = expand(spec) if points is None else points
    manifest = {"spec": dataclasses.asdict(spec), "points": [dataclasses.asdict(p) for p in points]}
    atomic_write_bytes(out / "sweep.json", json.dumps(manifest, indent=1, default=_jsonable).encode())
    done: dict[str, dict[str, Any]] = {}
    todo = []
    for p in points:
        rec = _finished(_point_path(out, p.key)) if resume else None
        if rec is not None:
            done[p.key] = rec
        else:
            todo.append(p)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(points), initial=len(done), desc=f"sweep {spec.experiment}", unit="point")
    n_failed = 0
    futures: dict[Future, Point] = {}

    def handle(fut: Future, p: Point) -> None:
        nonlocal n_failed
        try:
            rec = fut.result()
        except Exception as exc:  # the executor lost the task (a worker died, ...): record it
            from experiments._runner import _interrupt_in

            if _interrupt_in(exc):
                raise
            rec = {**{k: v for k, v in _task(spec, p, threads, False).items()
                      if k in ("key", "experiment", "scale", "index", "replicate", "seed", "values", "config")},
                   "status": "failed", "error": f"{type(exc).__name__}: {exc}",
                   "traceback": "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)),
                   "metrics": {m: None for m in spec.metrics}}
        _write_record(out, rec)
        done[p.key] = rec
        n_failed += rec.get("status") != "success"
        if on_record is not None:
            on_record(rec)
        if bar is not None:
            bar.update(1)

    try:
        pending: dict[Future, Point] = {}
        for p in todo:
            fut = executor.submit(run_point, _task(spec, p, threads, keep_arrays))
            if fut.done():  # an in-process executor ran it already: save it now
                handle(fut, p)
            else:
                pending[fut] = p
        futures = pending
        from concurrent.futures import as_completed

        for fut in as_completed(list(pending)):
            handle(fut, pending.pop(fut))
    except BaseException:
        for fut in futures:
            fut.cancel()
        raise
    finally:
        if bar is not None:
            bar.close()
    records = [done[p.key] for p in points if p.key in done]
    summary = write_summary(spec, points, records, out)
    return SweepResult(records, len(todo), len(points) - len(todo), n_failed, out, summary)


def read_points(out: str | os.PathLike, points: Iterable[Point]) -> list[dict[str, Any]]:
    """The saved records of ``points`` (finished or failed) under ``out``."""
    recs = []
    for p in points:
        try:
            recs.append(json.loads(_point_path(Path(out), p.key).read_text()))
        except (OSError, ValueError):
            continue
    return recs


def write_summary(spec: SweepSpec, points: list[Point], records: list[dict[str, Any]], out: str | os.PathLike
                  ) -> Path:
    """``summary.csv``: one row per point — swept values, replicate, seed, status, metrics, times, error."""
    by_key = {r["key"]: r for r in records}
    axes = spec.axes
    cols = ["index", "replicate", "seed", "key", "status", *axes, *spec.metrics, "wall_s", "compile_s", "error"]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    for p in points:
        r = by_key.get(p.key, {})
        metrics = r.get("metrics") or {}
        row = [p.index, p.replicate, "" if p.seed is None else p.seed, p.key, r.get("status", "not run"),
               *[json.dumps(p.values[a]) if isinstance(p.values.get(a), (list, dict)) else p.values.get(a)
                 for a in axes],
               *["" if metrics.get(m) is None or not math.isfinite(metrics[m]) else repr(metrics[m])
                 for m in spec.metrics],
               r.get("wall_s", ""), r.get("compile_s", ""), (r.get("error") or "").replace("\n", " ")]
        w.writerow(row)
    path = Path(out) / "summary.csv"
    atomic_write_bytes(path, buf.getvalue().encode())
    return path


def point_table(spec: SweepSpec, points: list[Point], out: str | os.PathLike | None = None) -> str:
    """The dry-run table: one line per point with its values, replicate, seed, key and state on disk."""
    axes = spec.axes
    rows = [["#", "rep", "seed", "key", "state", *axes]]
    for p in points:
        state = ""
        if out is not None:
            path = _point_path(Path(out), p.key)
            state = "done" if _finished(path) else ("failed" if path.exists() else "to run")
        rows.append([str(p.index), str(p.replicate), "" if p.seed is None else str(p.seed), p.key, state,
                     *[json.dumps(p.values[a]) for a in axes]])
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows)
