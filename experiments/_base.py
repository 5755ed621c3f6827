"""The experiment protocol, theory checks and atomic result files.

An experiment is a module ``experiments/<name>.py`` with

- ``NAME: str`` (equal to the module name) and ``TITLE: str``;
- ``Config``: a frozen dataclass whose defaults are the *quick* scale (seconds), with
  a classmethod ``full()`` giving the documented full scale;
- ``run(config, *, progress=False) -> Results``.

Results hold arrays (saved to ``results.npz``), JSON-able ``info`` and a list of
:class:`Check` rows for the report's theory table. Files are written atomically
(temporary file + ``os.replace``), so an interrupt never leaves a half-written result.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import json
import os
import pkgutil
import subprocess
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import tomllib

import deeprelax

__all__ = [
    "Check",
    "Results",
    "check_row",
    "experiment_names",
    "load_experiment",
    "config_from_toml",
    "config_dict",
    "save_results",
    "load_results",
    "atomic_write_bytes",
    "git_hash",
]


@dataclass(frozen=True)
class Check:
    """One row of the theory table: a claim, where the paper states it, measured vs bound.

    ``verdict`` is ``"pass"`` or ``"fail"`` (or ``"info"`` for a reported number with
    no bound). ``relation`` says how measured compares to bound (``"<="``, ``">="``,
    ``"=="`` within ``tol``, ``"~"`` reported only).
    """

    claim: str
    reference: str
    measured: float
    bound: float | None
    relation: str
    verdict: str
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def check_row(
    claim: str, reference: str, measured: float, bound: float | None, relation: str, tol: float = 0.0,
    note: str = "",
) -> Check:
    """Build a :class:`Check`, computing its verdict from ``measured relation bound``.

    ``"<="``: measured ≤ bound + tol; ``">="``: measured ≥ bound − tol; ``"=="``:
    |measured − bound| ≤ tol; ``"~"``: report only (verdict ``"info"``).
    """
    m = float(measured)
    if relation == "~" or bound is None:
        verdict = "info"
    elif not np.isfinite(m):
        verdict = "fail"
    elif relation == "<=":
        verdict = "pass" if m <= bound + tol else "fail"
    elif relation == ">=":
        verdict = "pass" if m >= bound - tol else "fail"
    elif relation == "==":
        verdict = "pass" if abs(m - bound) <= tol else "fail"
    else:
        raise ValueError(f"`relation` must be one of '<=', '>=', '==', '~', got {relation!r}")
    return Check(claim, reference, m, None if bound is None else float(bound), relation, verdict, note)


@dataclass(frozen=True)
class Results:
    """What an experiment returns: arrays, JSON-able info, theory checks."""

    name: str
    config: Mapping[str, Any]
    arrays: Mapping[str, np.ndarray] = field(default_factory=dict)
    info: Mapping[str, Any] = field(default_factory=dict)
    checks: tuple[Check, ...] = ()


def experiment_names() -> list[str]:
    """Names of every experiment module present (modules not starting with ``_``)."""
    import experiments

    return sorted(m.name for m in pkgutil.iter_modules(experiments.__path__) if not m.name.startswith("_"))


def load_experiment(name: str) -> ModuleType:
    """Import ``experiments.<name>``; unknown names raise with the list of valid ones."""
    names = experiment_names()
    if name not in names:
        raise ValueError(f"unknown experiment {name!r}; valid names are {names}")
    return importlib.import_module(f"experiments.{name}")


def config_dict(config: Any) -> dict[str, Any]:
    """A JSON-able dict of a config dataclass (tuples become lists)."""
    def conv(v: Any) -> Any:
        if isinstance(v, (tuple, list)):
            return [conv(u) for u in v]
        if isinstance(v, np.generic):
            return v.item()
        return v

    return {k: conv(v) for k, v in dataclasses.asdict(config).items()}


def config_from_toml(module: ModuleType, path: str | os.PathLike | None, scale: str = "quick",
                     overrides: Mapping[str, Any] | None = None) -> Any:
    """Build ``module.Config`` at ``scale`` (quick/full), updated from a TOML file and overrides.

    Unknown keys raise with the list of valid fields.
    """
    if scale not in ("quick", "full"):
        raise ValueError(f"`scale` must be 'quick' or 'full', got {scale!r}")
    base = module.Config() if scale == "quick" else module.Config.full()
    values: dict[str, Any] = {}
    if path is not None:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
        values.update(data.get(module.NAME, data))
    values.update(overrides or {})
    valid = {f.name: f for f in dataclasses.fields(base)}
    unknown = sorted(set(values) - set(valid))
    if unknown:
        raise ValueError(
            f"unknown config keys {unknown} for experiment {module.NAME!r}; valid keys are {sorted(valid)}"
        )
    for k, v in list(values.items()):
        if isinstance(getattr(base, k), tuple) and isinstance(v, list):
            values[k] = tuple(tuple(u) if isinstance(u, list) else u for u in v)
    return dataclasses.replace(base, **values)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and ``os.replace``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def git_hash() -> str:
    """The repository's HEAD commit (``"unknown"`` outside a git checkout)."""
    try:
        here = Path(__file__).resolve().parent
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=5)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _config_hash(config: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode()).hexdigest()[:16]


def save_results(results: Results, outdir: str | os.PathLike) -> Path:
    """Write ``results.npz`` and ``results.json`` (config, version, git hash, info, checks) atomically."""
    import io

    out = Path(outdir)
    buf = io.BytesIO()
    np.savez_compressed(buf, **{k: np.asarray(v) for k, v in results.arrays.items()})
    atomic_write_bytes(out / "results.npz", buf.getvalue())
    meta = {
        "name": results.name,
        "config": dict(results.config),
        "config_hash": _config_hash(dict(results.config)),
        "deeprelax_version": deeprelax.__version__,
        "git_hash": git_hash(),
        "info": dict(results.info),
        "checks": [c.as_dict() for c in results.checks],
    }
    atomic_write_bytes(out / "results.json", json.dumps(meta, indent=2, default=_json_default).encode())
    return out


def _json_default(v: Any) -> Any:
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, np.generic):
        return v.item()
    return str(v)


def load_results(outdir: str | os.PathLike, config: Mapping[str, Any] | None = None) -> Results | None:
    """Load saved results; ``None`` when absent or saved from a different ``config``."""
    out = Path(outdir)
    try:
        meta = json.loads((out / "results.json").read_text())
        with np.load(out / "results.npz", allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except (OSError, ValueError):
        return None
    if config is not None and meta.get("config_hash") != _config_hash(dict(config)):
        return None
    checks = tuple(Check(**c) for c in meta.get("checks", []))
    return Results(meta["name"], meta["config"], arrays, meta.get("info", {}), checks)


def iter_checks(results: Iterable[Results]) -> list[Check]:
    """All checks of several results, in order."""
    return [c for r in results for c in r.checks]
