"""The experiment protocol, theory checks and atomic result files.

An experiment is a module ``experiments/<name>.py`` with

- ``NAME: str`` (equal to the module name) and ``TITLE: str``;
- ``Config``: a frozen dataclass whose defaults are the *quick* scale (seconds), with
  classmethods ``paper()`` (optional: decides a claim, ≤ 30 min on 2 cores) and
  ``full()`` (the papers' sizes); each field documents its meaning (an ``Attributes``
  section of the docstring, a trailing ``# comment`` or ``field(metadata={"help": ...})``,
  see :mod:`experiments._config`), shown by ``deeprelax run NAME --help``;
- ``run(config, *, progress=False) -> Results``.

Results hold arrays (saved to ``results.npz``), JSON-able ``info`` and a list of
:class:`Check` rows for the report's tables. Files are written atomically (temporary
file + ``os.replace``, world-readable), so an interrupt never leaves a half-written
result; a damaged file is recomputed with a warning. ``results.json`` carries the
provenance and the cache key (:mod:`experiments._provenance`); running and reusing
results is :mod:`experiments._runner`.
"""

from __future__ import annotations

import dataclasses
import importlib
import io
import json
import os
import pkgutil
import tempfile
import warnings
import zipfile
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

import deeprelax
from deeprelax._core import ParameterError

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
    "DamagedResultWarning",
    "iter_checks",
    "read_results",
    "check_path",
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
    ``expected`` (optional) says why a failing or refuted verdict is *expected at this
    scale* (e.g. "10 effective epochs are a budget artefact; passes at the paper
    scale"); the report marks such rows apart from genuine failures.
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
    expected: str = ""

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Check:
        """A row read back from ``results.json`` (fields unknown to this version are ignored)."""
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})


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
    condition: str = "", note: str = "", expected: str = "",
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
                 None if uncertainty is None else float(uncertainty), condition, expected)


def check_row(
    claim: str, reference: str, measured: float, bound: float | None, relation: str, tol: float = 0.0,
    note: str = "", *, kind: str = "method", claim_id: int | None = None, uncertainty: float | None = None,
    expected: str = "",
) -> Check:
    """Build a derived-fact or method-check :class:`Check`, its verdict from ``measured relation bound``.

    ``"<="``: measured ≤ bound + tol; ``">="``: measured ≥ bound − tol; ``"=="``:
    |measured − bound| ≤ tol; ``"~"``: report only (verdict ``"info"``). ``kind`` is
    ``"derived"`` or ``"method"``; a claim's verdict row is built by :func:`claim_row`.
    ``expected``: why a failure is expected at this scale (see :class:`Check`).
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
                 claim_id, None if uncertainty is None else float(uncertainty), "", expected)


@dataclass(frozen=True)
class Results:
    """What an experiment returns: arrays, JSON-able info, report rows.

    ``meta`` is filled when results are saved or loaded: the provenance (version, git,
    date, host, scale, data source, seeds, wall/compile times) and the cache key, see
    :func:`save_results`.
    """

    name: str
    config: Mapping[str, Any]
    arrays: Mapping[str, np.ndarray] = field(default_factory=dict)
    info: Mapping[str, Any] = field(default_factory=dict)
    checks: tuple[Check, ...] = ()
    meta: Mapping[str, Any] = field(default_factory=dict)


class DamagedResultWarning(UserWarning):
    """A saved result file could not be read (truncated, empty, not JSON/npz): it will be recomputed."""


def experiment_names() -> list[str]:
    """Names of every experiment module present (modules not starting with ``_``)."""
    import experiments

    return sorted(m.name for m in pkgutil.iter_modules(experiments.__path__) if not m.name.startswith("_"))


def load_experiment(name: str) -> ModuleType:
    """Import ``experiments.<name>``; unknown names raise with the list of valid ones."""
    names = experiment_names()
    if not isinstance(name, str) or name not in names:
        import difflib

        close = difflib.get_close_matches(name, names, n=1) if isinstance(name, str) else []
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ParameterError(f"unknown experiment {name!r}{hint}; valid names are {', '.join(names)}")
    return importlib.import_module(f"experiments.{name}")


def config_dict(config: Any) -> dict[str, Any]:
    """A JSON-able dict of a config dataclass (tuples become lists)."""
    def conv(v: Any) -> Any:
        if isinstance(v, (tuple, list)):
            return [conv(u) for u in v]
        if isinstance(v, np.generic):
            return v.item()
        if isinstance(v, dict):
            return {k: conv(u) for k, u in v.items()}
        return v

    return {k: conv(v) for k, v in dataclasses.asdict(config).items()}


def config_from_toml(module: ModuleType, path: str | os.PathLike | None, scale: str = "quick",
                     overrides: Mapping[str, Any] | None = None) -> Any:
    """Build ``module.Config`` at ``scale`` (quick/paper/full), updated from a TOML file and overrides.

    Values are type-checked; unknown keys raise with the list of valid fields (see
    :func:`experiments._config.resolve_config`, which also returns where values came from).
    """
    from experiments._config import resolve_config

    return resolve_config(module, scale=scale, config_file=path, overrides=overrides).config



def _file_mode() -> int:
    """Permission bits of result files: rw-rw-rw- less the process umask (``mkstemp`` alone gives 0600)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and ``os.replace``.

    The file gets the usual permissions (0644 under the common umask 022), not
    ``mkstemp``'s owner-only 0600.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, _file_mode())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def git_hash() -> str:
    """The repository's HEAD commit (``"unknown"`` outside a git checkout)."""
    from experiments._provenance import git_info

    return git_info()["git_hash"]


def _config_hash(config: Mapping[str, Any]) -> str:
    from experiments._provenance import config_hash

    return config_hash(config)


def save_results(results: Results, outdir: str | os.PathLike, *, provenance: Mapping[str, Any] | None = None,
                 cache_key: Mapping[str, Any] | None = None) -> Path:
    """Write ``results.npz``, then ``results.json`` (config, provenance, cache key, info, rows), atomically.

    ``results.json`` is written last: it is the completion marker a reader checks.
    """
    if not isinstance(results, Results):
        raise ParameterError(f"`results` must be an experiments._base.Results, got {type(results).__name__}")
    out = check_path("outdir", outdir)
    buf = io.BytesIO()
    np.savez_compressed(buf, **{k: np.asarray(v) for k, v in results.arrays.items()})
    atomic_write_bytes(out / "results.npz", buf.getvalue())
    prov = dict(provenance or {})
    meta = {
        "name": results.name,
        "config": dict(results.config),
        "config_hash": _config_hash(dict(results.config)),
        "deeprelax_version": deeprelax.__version__,
        "git_hash": prov.get("git_hash") or git_hash(),
        "provenance": prov,
        "cache_key": dict(cache_key or {}),
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
    if isinstance(v, Path):
        return str(v)
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        return dataclasses.asdict(v)
    return str(v)


def check_path(name: str, value: Any) -> Path:
    """``value`` as a :class:`~pathlib.Path`; anything but a ``str``/``os.PathLike`` is refused naming ``name``."""
    if not isinstance(value, (str, os.PathLike)) or (isinstance(value, str) and not value):
        raise ParameterError(f"`{name}` must be a folder path (str or os.PathLike), got {value!r}")
    return Path(value)


#: What reading a damaged ``results.json`` / ``results.npz`` raises (truncated zip, bad JSON, ...).
_DAMAGED = (OSError, ValueError, EOFError, KeyError, TypeError, zipfile.BadZipFile, zlib.error)


def read_results(outdir: str | os.PathLike, *, arrays: bool = True) -> Results | None:
    """The saved results in ``outdir`` whatever their key; ``None`` when absent.

    A damaged file (empty, truncated, not JSON/npz) gives a :class:`DamagedResultWarning`
    and ``None``, so the caller recomputes it. ``arrays=False`` skips ``results.npz``.
    """
    out = check_path("outdir", outdir)
    jpath, npath = out / "results.json", out / "results.npz"
    if not jpath.exists() and not npath.exists():
        return None
    try:
        meta = json.loads(jpath.read_text())
        if not isinstance(meta, dict) or "name" not in meta:
            raise ValueError("results.json holds no experiment result")
        arr: dict[str, np.ndarray] = {}
        if arrays:
            # read the bytes first: np.load leaves its file open when the zip is truncated
            with np.load(io.BytesIO(npath.read_bytes()), allow_pickle=False) as z:
                arr = {k: z[k] for k in z.files}
        checks = tuple(Check.from_dict(c) for c in meta.get("checks", []))
    except _DAMAGED as exc:
        warnings.warn(f"damaged result in {out} ({type(exc).__name__}: {exc}); it will be recomputed",
                      DamagedResultWarning, stacklevel=2)
        return None
    extra = {k: v for k, v in meta.items() if k not in ("name", "config", "info", "checks")}
    return Results(meta["name"], meta.get("config", {}), arr, meta.get("info", {}), checks, extra)


def load_results(outdir: str | os.PathLike, config: Mapping[str, Any] | None = None, *,
                 key: Mapping[str, Any] | None = None) -> Results | None:
    """Saved results to reuse; ``None`` when absent, damaged (with a warning) or saved under another key.

    ``key`` (a cache key, :func:`experiments._provenance.cache_key`) must match in every
    field: config, scale, data source, code version. Without ``key``, only ``config``
    is compared (the older protocol).
    """
    res = read_results(outdir)
    if res is None:
        return None
    if key is not None and res.meta.get("cache_key") != dict(key):
        return None
    if config is not None and res.meta.get("config_hash") != _config_hash(dict(config)):
        return None
    return res


def iter_checks(results: Iterable[Results]) -> list[Check]:
    """All checks of several results, in order."""
    return [c for r in results for c in r.checks]
