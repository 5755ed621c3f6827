"""Run an experiment or reuse its saved result; where results live; interrupts that stop the run.

Layout of an output folder (``results/`` by default)::

    results/<name>/results.{json,npz}          the quick scale
    results/<name>/<scale>/results.{json,npz}  the paper and full scales
    .../failure.json                           the last failed attempt (traceback), until a success

A result is reused only when its cache key matches (config, effective scale, data
source, code version: :mod:`experiments._provenance`). An interrupt (Ctrl-C, SIGINT) stops
the run even when it lands inside a Numba compile, which re-raises it as another
exception: :func:`interrupt_guard` records that the signal came, and
:func:`reraise_interrupt` turns such an exception back into ``KeyboardInterrupt``.
Saved results are complete or absent (atomic writes), so rerunning the same command
resumes.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from deeprelax._core import DataError
from experiments._base import (
    Results,
    atomic_write_bytes,
    check_path,
    config_dict,
    load_experiment,
    load_results,
    read_results,
    save_results,
)
from experiments._config import ResolvedConfig, resolve_config
from experiments._provenance import (
    CompileTimer,
    base_provenance,
    cache_key,
    code_version,
    data_source,
    seeds_of,
    utc_now,
)

__all__ = ["result_dir", "RunPlan", "plan_run", "run_experiment", "run_planned", "interrupt_guard",
           "reraise_interrupt", "read_failure", "saved_results"]


def result_dir(root: str | os.PathLike, name: str, scale: str) -> Path:
    """Where the result of ``name`` at (effective) ``scale`` lives under ``root``."""
    base = Path(root) / name
    return base if scale == "quick" else base / scale


@dataclass(frozen=True)
class RunPlan:
    """Everything decided before an experiment runs: its module, config, data, code version, key."""

    module: ModuleType
    resolved: ResolvedConfig
    config: dict[str, Any]
    data: dict[str, Any]
    code: dict[str, str]
    key: dict[str, str]

    @property
    def name(self) -> str:
        return self.module.NAME

    @property
    def scale(self) -> str:
        return self.resolved.scale


def _require_data(plan: RunPlan) -> None:
    """``paper``/``full`` runs of a data experiment need the MNIST IDX files: never a silent fallback."""
    if plan.resolved.requested_scale not in ("paper", "full") or plan.data["fingerprint"] == "none":
        return
    if plan.data.get("mnist_idx") or plan.data["fingerprint"] in ("digits", "mnist1d"):
        return
    if "text" in plan.data:   # a text-corpus experiment: it raises itself when its corpus is missing
        return
    from deeprelax.data import MNIST_FILES, data_dirs

    dirs = ", ".join(repr(str(d)) for d in data_dirs(getattr(plan.resolved.config, "data_dir", None) or None))
    raise DataError(
        f"experiment {plan.name!r} at the {plan.resolved.requested_scale} scale runs on full MNIST, whose four IDX "
        f"files {list(MNIST_FILES)} (raw or .gz) were not found in {dirs}; put them in one of these "
        "directories (or its mnist/ subfolder) or set DEEPRELAX_DATA=/path/to/dir; the quick scale runs without them")


def plan_run(name: str | ModuleType, *, scale: str = "quick", config_file: str | os.PathLike | None = None,
             overrides: Mapping[str, Any] | None = None, base: Any = None) -> RunPlan:
    """Resolve and validate everything about a run of ``name`` (or of an experiment module) without running it."""
    mod = name if isinstance(name, ModuleType) else load_experiment(name)
    resolved = resolve_config(mod, scale=scale, config_file=config_file, overrides=overrides, base=base)
    cdict = config_dict(resolved.config)
    data = data_source(mod, resolved.config)
    code = code_version(mod)
    return RunPlan(mod, resolved, cdict, data, code, cache_key(cdict, resolved.scale, data, code))


def run_planned(plan: RunPlan, outroot: str | os.PathLike, *, force: bool = False, progress: bool = True,
                save: bool = True) -> Results:
    """Run a planned experiment (or reuse its saved result) and save it; ``meta["reused"]`` says which."""
    outdir = result_dir(check_path("outroot", outroot), plan.name, plan.scale)
    if not force:
        cached = load_results(outdir, key=plan.key)
        if cached is not None:
            if save:  # a reuse is a success: drop the record of an earlier failed attempt (another config)
                with contextlib.suppress(FileNotFoundError):
                    (outdir / "failure.json").unlink()
            return dataclasses.replace(cached, meta={**cached.meta, "reused": True, "reused_at": utc_now()})
    _require_data(plan)
    prov = {**base_provenance(), "date": utc_now(), "scale": plan.scale,
            "requested_scale": plan.resolved.requested_scale, "scale_note": plan.resolved.scale_note,
            "data_source": plan.data["description"], "config_file": plan.resolved.config_file,
            "overrides": dict(plan.resolved.overrides), "seeds": seeds_of(plan.config),
            "code": plan.code, "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]])}
    timer = CompileTimer()
    t0, c0 = time.perf_counter(), time.process_time()
    try:
        with timer():
            res = plan.module.run(plan.resolved.config, progress=progress)
    except Exception as exc:
        if save and not _interrupt_in(exc):
            _write_failure(outdir, plan, prov, exc, time.perf_counter() - t0)
        raise
    prov["wall_s"] = round(time.perf_counter() - t0, 3)
    # CPU of this process (all its threads): on a shared machine wall time measures the load
    prov["cpu_s"] = round(time.process_time() - c0, 3)
    prov["compile_s"] = round(timer.seconds, 3)
    if save:
        save_results(res, outdir, provenance=prov, cache_key=plan.key)
        with contextlib.suppress(FileNotFoundError):
            (outdir / "failure.json").unlink()
    meta = {"provenance": prov, "cache_key": plan.key, "reused": False}
    return dataclasses.replace(res, meta=meta)


def run_experiment(name: str, outroot: str | os.PathLike, *, scale: str = "quick",
                   config_path: str | os.PathLike | None = None, overrides: Mapping[str, Any] | None = None,
                   force: bool = False, progress: bool = True) -> Results:
    """Run (or reuse) one experiment and save its results under ``outroot`` (see :func:`result_dir`)."""
    plan = plan_run(name, scale=scale, config_file=config_path, overrides=overrides)
    return run_planned(plan, outroot, force=force, progress=progress)


def _write_failure(outdir: Path, plan: RunPlan, prov: dict[str, Any], exc: BaseException, wall: float) -> None:
    rec = {"name": plan.name, "error": f"{type(exc).__name__}: {exc}",
           "traceback": "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)),
           "config": plan.config, "cache_key": plan.key, "provenance": {**prov, "wall_s": round(wall, 3)}}
    atomic_write_bytes(outdir / "failure.json", json.dumps(rec, indent=2, default=str).encode())


def read_failure(outdir: str | os.PathLike) -> dict[str, Any] | None:
    """The failure record in ``outdir`` (``None`` when absent or unreadable)."""
    try:
        rec = json.loads((Path(outdir) / "failure.json").read_text())
    except (OSError, ValueError):
        return None
    return rec if isinstance(rec, dict) else None


def saved_results(root: str | os.PathLike, names: list[str] | None = None) -> dict[tuple[str, str], Results]:
    """Every result saved under ``root``: ``{(name, scale): Results}`` (arrays loaded)."""
    from experiments._base import experiment_names
    from experiments._config import SCALES

    out: dict[tuple[str, str], Results] = {}
    for name in names if names is not None else experiment_names():
        for scale in SCALES:
            d = result_dir(root, name, scale)
            if (d / "results.json").exists():
                res = read_results(d)
                if res is not None and res.name == name:
                    out[(name, scale)] = res
    return out


# ----------------------------------------------------------------------------- interrupts


class _Guard:
    def __init__(self) -> None:
        self.hit = False

    def handler(self, signum: int, frame: Any) -> None:
        self.hit = True
        raise KeyboardInterrupt


#: Guards of the blocks in progress (innermost last): an exception raised while one of them
#: has seen SIGINT counts as an interrupt even when Numba dropped the KeyboardInterrupt.
_ACTIVE: list[_Guard] = []


@contextlib.contextmanager
def interrupt_guard() -> Iterator[_Guard]:
    """Record that SIGINT arrived in the block (then raise ``KeyboardInterrupt`` as Python does).

    Numba turns a ``KeyboardInterrupt`` raised inside its compiler into another
    exception; a caller that catches ``Exception`` to go on with the next item asks
    :func:`reraise_interrupt` first. Installed only in the main thread and only when
    SIGINT is not ignored.
    """
    guard = _Guard()
    if threading.current_thread() is not threading.main_thread():
        yield guard
        return
    old = signal.getsignal(signal.SIGINT)
    if old is signal.SIG_IGN:
        yield guard
        return
    signal.signal(signal.SIGINT, guard.handler)
    _ACTIVE.append(guard)
    try:
        yield guard
    finally:
        _ACTIVE.remove(guard)
        signal.signal(signal.SIGINT, old)


def _interrupt_in(exc: BaseException) -> bool:
    if any(g.hit for g in _ACTIVE):
        return True
    seen: set[int] = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        if isinstance(e, (KeyboardInterrupt, SystemExit)):
            return True
        seen.add(id(e))
        e = e.__cause__ or e.__context__
    return False


def reraise_interrupt(exc: BaseException, guard: _Guard | None = None) -> None:
    """Raise ``KeyboardInterrupt`` when ``exc`` came from an interrupt (in its chain, or signalled in ``guard``)."""
    if (guard is not None and guard.hit) or _interrupt_in(exc):
        raise KeyboardInterrupt(f"interrupted ({type(exc).__name__} while handling the interrupt)") from exc
