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
    "claim_row",
    "KINDS",
    "experiment_names",
    "load_experiment",
    "config_from_toml",
    "config_dict",
    "save_results",
    "load_results",
    "atomic_write_bytes",
    "git_hash",
]


#: Row kinds: a verdict on a numbered paper claim (``experiments._claims``), a derived fact
#: (standard PDE bounds and identities), or a method check (solver vs closed form, twins,
#: limiting cases).
KINDS = ("claim", "derived", "method")
#: Verdicts of ``kind="claim"`` rows; other rows are ``"pass"``, ``"fail"`` or ``"info"``.
CLAIM_VERDICTS = ("confirmed", "refuted", "qualified")


@dataclass(frozen=True)
class Check:
    """One row of the report: a statement, where the paper states it, measured vs bound.

    For ``kind="derived"``/``"method"`` rows ``verdict`` is ``"pass"``/``"fail"`` (or
    ``"info"`` for a reported number with no bound). For ``kind="claim"`` rows (one per
    numbered claim an experiment decides, built by :func:`claim_row`) it is
    ``"confirmed"``, ``"refuted"`` or ``"qualified"`` (holds only under ``condition``).
    ``relation`` says how measured compares to bound (``"<="``, ``">="``, ``"=="``
    within ``tol``, ``"~"`` reported only); ``uncertainty`` is one standard error (or the
    stated margin) of ``measured``; ``claim_id`` links the row to ``experiments._claims``.
    """

    claim: str
    reference: str
    measured: float
    bound: float | None
    relation: str
    verdict: str
    note: str = ""
    kind: str = "method"
    claim_id: int | None = None
    uncertainty: float | None = None
    condition: str = ""

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _holds(m: float, relation: str, bound: float, tol: float) -> bool:
    if not np.isfinite(m):
        return False
    if relation == "<=":
        return m <= bound + tol
    if relation == ">=":
        return m >= bound - tol
    if relation == "==":
        return abs(m - bound) <= tol
    raise ValueError(f"`relation` must be one of '<=', '>=', '==', got {relation!r}")


def claim_row(
    claim_id: int, statement: str, reference: str, *, measured: float, bound: float, relation: str,
    tol: float = 0.0, uncertainty: float | None = None, qualified_if: bool | None = None,
    condition: str = "", note: str = "",
) -> Check:
    """The verdict row of numbered claim ``claim_id``, computed from ``measured relation bound``.

    *confirmed* when ``measured relation bound`` holds (within ``tol``: state the Monte
    Carlo margin in ``note``); otherwise *qualified* when ``qualified_if`` — a boolean the
    experiment **computed** from its measurements, e.g. "the shift vanishes in the Laplace
    regime" — is true (``condition`` says under which condition the claim holds), else
    *refuted*.
    """
    from experiments._claims import claim as _claim

    _claim(claim_id)  # validates the id
    m = float(measured)
    if _holds(m, relation, float(bound), tol):
        verdict = "confirmed"
    elif qualified_if:
        if not condition:
            raise ValueError("a qualified verdict needs `condition` (when does the claim hold?)")
        verdict = "qualified"
    else:
        verdict = "refuted"
    return Check(statement, reference, m, float(bound), relation, verdict, note, "claim", int(claim_id),
                 None if uncertainty is None else float(uncertainty), condition)


def check_row(
    claim: str, reference: str, measured: float, bound: float | None, relation: str, tol: float = 0.0,
    note: str = "", *, kind: str = "method", claim_id: int | None = None, uncertainty: float | None = None,
) -> Check:
    """Build a derived-fact or method-check :class:`Check`, its verdict from ``measured relation bound``.

    ``"<="``: measured ≤ bound + tol; ``">="``: measured ≥ bound − tol; ``"=="``:
    |measured − bound| ≤ tol; ``"~"``: report only (verdict ``"info"``). ``kind`` is
    ``"derived"`` or ``"method"``; a claim's verdict row is built by :func:`claim_row`.
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
    if kind not in ("derived", "method"):
        raise ValueError(f"`kind` must be 'derived' or 'method' (claim rows come from claim_row), got {kind!r}")
    return Check(claim, reference, m, None if bound is None else float(bound), relation, verdict, note, kind,
                 claim_id, None if uncertainty is None else float(uncertainty))


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
