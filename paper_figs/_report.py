"""Build the report: run experiments, draw their figures, rebuild ``results/report.html`` from disk.

``build_report`` runs the experiments asked for (every one by default; ``deeprelax run X``
asks for one), reusing saved results whose cache key matches, draws their figures, and
then rebuilds the whole page from **every result saved** under the output folder, so a
run of one experiment updates its section and keeps the others. The page (Jinja2
templates in ``paper_figs/templates``):

1. contents and the verdict counts of the 22 numbered paper claims;
2. the claims table: one row per claim of :mod:`experiments._claims`, its sub-rows the
   ``kind="claim"`` rows of every experiment and scale that decides it (rows of the
   highest scale present — full, then paper, then quick — take precedence; lower ones
   are listed as superseded); headline verdict *confirmed* when all its rows confirm,
   *refuted* when all refute, else *qualified* with the conditions; "not tested" when
   no row exists yet;
3. the "derived facts" and "method checks" tables;
4. one section per experiment: figures, its rows, its provenance (version, git, date,
   host, config, seeds, scale, data source, wall and compile times, whether reused).

An unknown experiment name is refused before anything runs or is written.
"""

from __future__ import annotations

import ast
import collections
import hashlib
import importlib
import json
import math
import os
import pkgutil
import re
import socket
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

from deeprelax._core import ParameterError
from experiments._base import (
    Check,
    Results,
    atomic_write_bytes,
    check_path,
    experiment_names,
    load_experiment,
    read_results,
)
from experiments._claims import CLAIMS
from experiments._config import SCALES
from experiments._provenance import code_version, data_source
from experiments._runner import (
    interrupt_guard,
    plan_run,
    read_failure,
    reraise_interrupt,
    result_dir,
    run_planned,
)

__all__ = ["figure_modules", "run_experiment", "build_report", "write_report", "draw_figures", "fmt_num",
           "ReportErrors"]

#: Precedence of scales in the claims table and the experiment sections (highest wins).
SCALE_RANK = {s: i for i, s in enumerate(SCALES)}
#: Verdicts that count as a failure in a row (unless the row says it is expected at its scale).
BAD = ("fail", "refuted")


class ReportErrors(RuntimeError):
    """Some experiments or figures failed; the report was written with their errors shown."""

    def __init__(self, errors: list[str], path: Path) -> None:
        super().__init__("report built with errors:\n" + "\n".join(errors))
        self.errors = errors
        self.path = path


def _figure_names() -> list[str]:
    import paper_figs

    return sorted(m.name for m in pkgutil.iter_modules(paper_figs.__path__) if not m.name.startswith("_"))


def figure_modules() -> list[ModuleType]:
    """Every figure module present in :mod:`paper_figs` (names not starting with ``_``)."""
    return [importlib.import_module(f"paper_figs.{n}") for n in _figure_names()]


def _constants(path: Path, names: tuple[str, ...]) -> dict[str, Any]:
    """Module-level string constants (and the docstring) read from the source, without importing it."""
    try:
        tree = ast.parse(path.read_text())
    except (OSError, SyntaxError):
        return {}
    out: dict[str, Any] = {"__doc__": ast.get_docstring(tree) or ""}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
                and node.targets[0].id in names:
            try:
                out[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                continue
    return out


def _figure_specs(name: str) -> list[dict[str, Any]]:
    """The figure modules drawing experiment ``name``: ``{"module", "path", "title", "caption"}``, read
    from their source (importing matplotlib and the module only when a figure is drawn)."""
    import paper_figs

    out = []
    for n in _figure_names():
        path = Path(paper_figs.__path__[0]) / f"{n}.py"
        const = _constants(path, ("EXPERIMENT", "TITLE", "CAPTION"))
        if "EXPERIMENT" not in const:  # not a literal: import to know
            mod = importlib.import_module(f"paper_figs.{n}")
            const = {k: getattr(mod, k, "") for k in ("EXPERIMENT", "TITLE", "CAPTION")}
        if const.get("EXPERIMENT") == name:
            out.append({"module": f"paper_figs.{n}", "path": path, "title": const.get("TITLE") or n,
                        "caption": const.get("CAPTION", "")})
    return out


def _experiment_summary(name: str) -> dict[str, str]:
    """TITLE and the first paragraph of the docstring of experiment ``name``, from its source."""
    import experiments

    const = _constants(Path(experiments.__path__[0]) / f"{name}.py", ("TITLE",))
    return {"title": str(const.get("TITLE") or name), "doc": str(const.get("__doc__", "")).split("\n\n")[0]}


def run_experiment(name: str, outroot: str | os.PathLike, *, scale: str = "quick", config_path: str | None = None,
                   force: bool = False, progress: bool = True) -> Results:
    """Run (or reuse) one experiment and save its results (see :func:`experiments._runner.run_experiment`)."""
    from experiments._runner import run_experiment as _run

    return _run(name, outroot, scale=scale, config_path=config_path, force=force, progress=progress)


# ----------------------------------------------------------------------------- figures


def _source_hash(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    except OSError:
        return "unknown"


def _stamp(outdir: Path) -> float:
    try:
        return (outdir / "results.json").stat().st_mtime
    except OSError:
        return 0.0


def draw_figures(name: str, outdir: Path, root: Path, *, force: bool = False,
                 results: Results | None = None) -> tuple[list[dict[str, Any]], list[str]]:
    """Draw (or reuse) the figures of the result in ``outdir``; ``(figures, errors)``.

    A figure is redrawn when its PNG is missing, the result is newer than the drawing,
    or the figure module's source changed; ``figures.json`` in ``outdir`` remembers.
    """
    figs = _figure_specs(name)
    index_path = outdir / "figures.json"
    try:
        index = json.loads(index_path.read_text())
        if not isinstance(index, dict):
            index = {}
    except (OSError, ValueError):
        index = {}
    stamp, out, errors, changed = _stamp(outdir), [], [], False
    for fig in figs:
        key, src = fig["module"], _source_hash(fig["path"])
        old = index.get(key, {})
        fresh = (not force and old.get("source_hash") == src and old.get("results_stamp") == stamp
                 and (old.get("error") or (outdir / old.get("file", "")).is_file()))
        if not fresh:
            if results is None or not results.arrays:
                results = read_results(outdir)
            try:
                if results is None:
                    raise RuntimeError("the saved result could not be read")
                import matplotlib

                matplotlib.use("Agg")  # files only, whatever the user's default backend
                path = Path(importlib.import_module(key).make(results, outdir))
                old = {"file": os.path.relpath(path, outdir), "error": None}
            except Exception as exc:  # shown in the page; the command exits non-zero
                reraise_interrupt(exc)
                old = {"file": None, "error": f"{type(exc).__name__}: {exc}"}
            old.update(source_hash=src, results_stamp=stamp)
            index[key] = old
            changed = True
        if old.get("error"):
            errors.append(f"figure {key}: {old['error']}")
        rel = os.path.relpath(outdir / old["file"], root) if old.get("file") else None
        out.append({"module": key, "title": fig["title"], "caption": fig["caption"], "path": rel,
                    "error": old.get("error")})
    if changed:
        atomic_write_bytes(index_path, json.dumps(index, indent=1).encode())
    return out, errors


# ----------------------------------------------------------------------------- formatting

_SUP = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def fmt_num(x: Any, digits: int = 4) -> str:
    """A number for people: ``0.0123``, ``1.23×10⁻⁵``, ``20,000``, ``NaN``, ``∞``; ``—`` for None.

    Examples
    --------
    >>> fmt_num(2.5e-05), fmt_num(20000), fmt_num(0.123456), fmt_num(None), fmt_num(float("inf"))
    ('2.5×10⁻⁵', '20,000', '0.1235', '—', '∞')
    """
    if x is None:
        return "—"
    if isinstance(x, bool):
        return str(x).lower()
    if isinstance(x, int) or (hasattr(x, "dtype") and getattr(x.dtype, "kind", "") in "iu"):
        return f"{int(x):,}"
    try:
        v = float(x)
    except (TypeError, ValueError):
        return str(x)
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "∞" if v > 0 else "−∞"
    if v == 0:
        return "0"
    if v.is_integer() and abs(v) < 1e6:
        return f"{int(v):,}" if abs(v) >= 1e4 else f"{v:.{digits}g}"
    if 1e-3 <= abs(v) < 1e5:
        return f"{v:.{digits}g}"
    mant, exp = f"{v:.{digits - 1}e}".split("e")
    mant = mant.rstrip("0").rstrip(".") if "." in mant else mant
    return f"{mant}×10{str(int(exp)).translate(_SUP)}"


_NP_REPR = re.compile(r"np\.(?:float|int|uint|complex|bool_?|str_)\w*\(([^()]*)\)")


def clean_text(s: Any) -> str:
    """Notes and values without numpy reprs: ``np.float64(0.5)`` → ``0.5``."""
    text = str(s)

    def repl(m: re.Match) -> str:
        inner = m.group(1).strip("'\"")
        try:
            return fmt_num(float(inner)) if inner not in ("True", "False") else inner.lower()
        except ValueError:
            return inner

    return _NP_REPR.sub(repl, text)


def fmt_value(v: Any, limit: int = 160) -> str:
    """A config or info value for a table cell (lists compact, floats human, long values cut)."""
    if isinstance(v, (list, tuple)):
        if len(v) > 12 and all(isinstance(u, (int, float)) for u in v):
            body = ", ".join(fmt_num(u) for u in v[:6]) + f", … ({len(v)} values)"
        else:
            body = ", ".join(fmt_value(u, limit) for u in v)
        s = f"[{body}]"
    elif isinstance(v, dict):
        s = "{" + ", ".join(f"{k}: {fmt_value(u, limit)}" for k, u in v.items()) + "}"
    elif isinstance(v, (int, float)) and not isinstance(v, bool):
        s = fmt_num(v)
    elif v is None:
        s = "—"
    else:
        s = clean_text(v)
    return s if len(s) <= limit else s[: limit - 1] + "…"


def _fmt_entry(key: str, v: Any) -> str:
    """A config/info entry: seeds, keys and hashes are identifiers, not quantities (no ``14,947,172,…``)."""
    k = str(key).lower()
    if isinstance(v, int) and not isinstance(v, bool) and ("seed" in k or k.endswith(("_key", "hash"))):
        return str(v)
    return fmt_value(v)


_REL = {"<=": "≤", ">=": "≥", "==": "=", "~": ""}


def _row(c: Check, name: str, scale: str, stale: bool) -> dict[str, Any]:
    measured = fmt_num(c.measured)
    if c.uncertainty is not None and math.isfinite(c.uncertainty) and c.uncertainty != 0:
        # "± 0" said nothing: an exact quantity, or a spread below the resolution of its grid
        measured += f" ± {fmt_num(c.uncertainty, 2)}"
    if c.bound is None:
        bound = "—"
    elif c.relation == "~":  # a report-only row's bound is a reference value (the paper's), not a test
        bound = f"ref. {fmt_num(c.bound)}"
    else:
        bound = f"{_REL.get(c.relation, c.relation)} {fmt_num(c.bound)}"
    bad = c.verdict in BAD
    # A row's ``condition`` says when the claim holds: it belongs to a *qualified* verdict. Experiments
    # may pass it unconditionally, so on a confirmed or refuted row it would contradict the verdict.
    condition = clean_text(c.condition) if c.verdict == "qualified" else ""
    status = "expected" if bad and c.expected else ("bad" if bad else ("good" if c.verdict in (
        "pass", "confirmed") else ("mixed" if c.verdict == "qualified" else "info")))
    return {"statement": clean_text(c.claim), "reference": clean_text(c.reference), "measured": measured,
            "bound": bound, "verdict": c.verdict, "note": clean_text(c.note), "condition": condition,
            "expected": clean_text(c.expected), "kind": c.kind, "claim_id": c.claim_id, "experiment": name,
            "scale": scale, "status": status, "stale": stale}


def _headline(rows: list[dict[str, Any]]) -> tuple[str, list[str]]:
    verdicts = {r["verdict"] for r in rows}
    if verdicts == {"confirmed"}:
        return "confirmed", []
    if verdicts == {"refuted"}:
        return "refuted", []
    conds = [f"condition ({r['experiment']}): {r['condition']}" for r in rows
             if r["verdict"] == "qualified" and r["condition"]]
    for v in ("confirmed", "refuted"):
        where = sorted({r["experiment"] for r in rows if r["verdict"] == v})
        if where and len(verdicts) > 1:
            conds.append(f"{v} in {', '.join(where)}")
    return "qualified", conds


# ----------------------------------------------------------------------------- context


def _seconds(v: Any) -> str:
    if not isinstance(v, (int, float)):
        return "—"
    if v < 60:
        return f"{v:.1f} s"
    return f"{v / 60:.1f} min"


def _date(s: Any) -> str:
    return str(s).replace("T", " ").replace("+00:00", " UTC") if s else "—"


def _staleness(name: str, res: Results) -> list[str]:
    """Why a saved result may differ from what the current code computes at its scale (empty: current).

    Compares the saved cache key with the current source hashes and data files, without
    importing the experiment; a result run with ``--config``/``--set`` is marked as custom.
    """
    key = res.meta.get("cache_key") or {}
    if not key:
        return ["saved by an older deeprelax without provenance"]
    prov = res.meta.get("provenance") or {}
    out = []
    if prov.get("overrides") or prov.get("config_file"):
        out.append("custom config (--config / --set), not the scale's defaults")
    cfg = SimpleNamespace(**{k: v for k, v in res.config.items() if k in ("dataset", "data_dir")})
    module = f"experiments.{name}"
    if key.get("data_fingerprint") != data_source(module, cfg)["fingerprint"]:
        out.append("computed on other data files than the ones found now")
    now = code_version(module)
    if any(key.get(k) != v for k, v in now.items()):
        out.append("computed with other code (the source changed since)")
    return out


def _provenance_rows(res: Results) -> list[tuple[str, str]]:
    p = res.meta.get("provenance") or {}
    git = str(p.get("git_hash") or res.meta.get("git_hash") or "unknown")
    if p.get("git_dirty"):
        git += " (with uncommitted changes)"
    scale = str(p.get("scale", "—"))
    if p.get("requested_scale") and p.get("requested_scale") != p.get("scale"):
        scale += f" (asked: {p['requested_scale']})"
    if p.get("scale_note"):
        scale += f" — {p['scale_note']}"
    data = str(p.get("data_source", "—"))
    own = [str(res.info[k]) for k in ("data", "dataset", "data_source") if isinstance(res.info.get(k), str)]
    if own:
        data += f"; the experiment reports: {'; '.join(own)}"
    code = p.get("code") or {}
    rows = [
        ("computed", f"{_date(p.get('date'))} on {p.get('host', '—')} in {_seconds(p.get('wall_s'))} "
                     + (f"wall, {_seconds(p['cpu_s'])} CPU " if p.get("cpu_s") is not None else "")
                     + f"(Numba compile {_seconds(p.get('compile_s'))})"),
        ("deeprelax", f"{p.get('deeprelax_version', res.meta.get('deeprelax_version', '—'))}, git {git}"),
        ("code hashes", f"library {code.get('library_hash', '—')}, experiment {code.get('experiment_hash', '—')}"),
        ("scale", scale),
        ("data source", data),
        ("seeds", fmt_value(p.get("seeds", {})) if p.get("seeds") else "—"),
        ("config from", ", ".join(filter(None, [p.get("config_file") and f"file {p['config_file']}",
                                               p.get("overrides") and f"overrides {fmt_value(p['overrides'])}"]))
         or "the scale's defaults"),
        ("software", f"Python {p.get('python', '—')}, numpy {p.get('numpy', '—')}, Numba {p.get('numba', '—')} "
                     f"(Numba threads: {p.get('numba_threads', '—')}), {p.get('platform', '—')}"),
        ("command", str(p.get("command", "—"))),
    ]
    return rows


def _section(name: str, root: Path, ran: Mapping[str, dict[str, Any]]) -> dict[str, Any]:
    saved: dict[str, Results] = {}
    failures: dict[str, dict[str, Any]] = {}
    for scale in SCALES:
        d = result_dir(root, name, scale)
        if (d / "results.json").exists() or (d / "results.npz").exists():
            res = read_results(d, arrays=False)
            if res is not None and res.name == name:
                saved[scale] = res
        fail = read_failure(d)
        if fail is not None and (scale not in saved or (d / "failure.json").stat().st_mtime > _stamp(d)):
            failures[scale] = fail
    versions = []
    for scale in sorted(saved, key=SCALE_RANK.get, reverse=True):
        res = saved[scale]
        d = result_dir(root, name, scale)
        stale = _staleness(name, res)
        info = ran.get(f"{name}/{scale}", {})
        figs, _ = draw_figures(name, d, root) if info.get("figures") is None else (info["figures"], [])
        rows = [_row(c, name, scale, bool(stale)) for c in res.checks]
        p = res.meta.get("provenance") or {}
        status = ("reused" if info.get("reused") else "computed") if info else "on disk"
        versions.append({
            "name": name, "scale": scale, "rows": rows, "figures": figs, "stale": stale, "status": status,
            "computed": _date(p.get("date")), "wall": _seconds(p.get("wall_s")),
            "cpu": _seconds(p["cpu_s"]) if p.get("cpu_s") is not None else None,
            "compile": _seconds(p.get("compile_s")), "provenance": _provenance_rows(res),
            "config": [(k, _fmt_entry(k, v)) for k, v in res.config.items()],
            "info": [(k, _fmt_entry(k, v)) for k, v in res.info.items()],
            "n_bad": sum(r["status"] == "bad" for r in rows),
            "n_expected": sum(r["status"] == "expected" for r in rows),
            "n_good": sum(r["status"] == "good" for r in rows), "n_rows": len(rows),
            "n_info": sum(r["status"] == "info" for r in rows),
        })
    fails = [{"scale": s, "error": clean_text(f.get("error", "")), "traceback": f.get("traceback", ""),
              "date": _date((f.get("provenance") or {}).get("date"))} for s, f in failures.items()]
    return {"name": name, **_experiment_summary(name), "anchor": f"exp-{name}", "versions": versions,
            "failures": fails, "main": versions[0] if versions else None}


def report_context(root: str | os.PathLike, *, ran: Mapping[str, dict[str, Any]] | None = None,
                   errors: Sequence[str] = (), scale: str = "quick") -> dict[str, Any]:
    """Everything the template shows, from the results saved under ``root``."""
    from experiments._provenance import base_provenance, utc_now

    root = Path(root)
    ran = dict(ran or {})
    sections = [_section(n, root, ran) for n in experiment_names()]
    claim_rows: dict[int, list[dict[str, Any]]] = collections.defaultdict(list)
    derived, method = [], []
    for sec in sections:
        for ver in sec["versions"]:
            for r in ver["rows"]:
                if r["kind"] == "claim" and r["claim_id"] is not None:
                    claim_rows[int(r["claim_id"])].append(r)
        if sec["main"]:
            for r in sec["main"]["rows"]:
                if r["kind"] == "derived":
                    derived.append(r)
                elif r["kind"] != "claim":
                    method.append(r)
    claims = []
    for cl in CLAIMS:
        rows = claim_rows.get(cl.id, [])
        top = max((SCALE_RANK[r["scale"]] for r in rows), default=None)
        shown = [r for r in rows if SCALE_RANK[r["scale"]] == top]
        superseded = [r for r in rows if SCALE_RANK[r["scale"]] != top]
        verdict, conds = _headline(shown) if shown else ("not tested", [])
        claims.append({"id": cl.id, "title": cl.title, "reference": cl.reference, "paper": cl.paper,
                       "verdict": verdict, "conditions": conds, "rows": shown, "superseded": superseded,
                       "scale": SCALES[top] if top is not None else None})
    counts = collections.Counter(c["verdict"] for c in claims)
    order = {"bad": 0, "expected": 1, "mixed": 2, "info": 3, "good": 4}
    derived.sort(key=lambda r: order[r["status"]])
    method.sort(key=lambda r: order[r["status"]])
    here = base_provenance()

    def tally(rows: list[dict[str, Any]]) -> dict[str, int]:
        return {k: sum(r["status"] == k for r in rows) for k in ("good", "bad", "expected", "info")}

    return {
        "built": _date(utc_now()), "host": socket.gethostname(), "version": here["deeprelax_version"],
        "git": here["git_hash"], "git_dirty": here["git_dirty"], "scale": scale, "errors": list(errors),
        "claims": claims, "counts": {v: counts.get(v, 0) for v in ("confirmed", "qualified", "refuted",
                                                                   "not tested")},
        "n_claims": len(claims), "derived": derived, "method": method, "derived_tally": tally(derived),
        "method_tally": tally(method), "sections": sections,
        "n_results": sum(len(s["versions"]) for s in sections),
    }


def _environment() -> Any:
    import jinja2

    env = jinja2.Environment(loader=jinja2.PackageLoader("paper_figs", "templates"),
                             autoescape=jinja2.select_autoescape(["html", "j2"]),
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["num"] = fmt_num
    return env


def write_report(root: str | os.PathLike = "results", *, ran: Mapping[str, dict[str, Any]] | None = None,
                 errors: Sequence[str] = (), scale: str = "quick") -> Path:
    """Rebuild ``root/report.html`` from every result saved under ``root`` (atomically)."""
    root = check_path("root", root)
    ctx = report_context(root, ran=ran, errors=errors, scale=scale)
    page = _environment().get_template("report.html.j2").render(**ctx)
    out = root / "report.html"
    atomic_write_bytes(out, page.encode())
    return out


def build_report(outroot: str | os.PathLike = "results", *, scale: str = "quick",
                 experiments: Sequence[str] | None = None, force: bool = False, progress: bool = True,
                 config_path: str | os.PathLike | None = None, overrides: Mapping[str, Any] | None = None) -> Path:
    """Run the experiments asked for (all by default), draw their figures, rebuild the report.

    Unknown names and bad configs are refused (:class:`~deeprelax._core.ParameterError`)
    before anything runs or is written. An experiment or figure that fails is shown in
    the page and :class:`ReportErrors` is raised at the end (non-zero exit). An
    interrupt (Ctrl-C) stops at once — also inside a Numba compile — leaving every
    finished result saved, so the same command resumes; the previous report is kept.
    """
    root = check_path("outroot", outroot)
    if isinstance(experiments, str) or not (experiments is None or isinstance(experiments, Sequence)):
        raise ParameterError(f"`experiments` must be a list of experiment names (or None for all), got "
                             f"{experiments!r}; e.g. experiments=['limit_cycle']")
    names = list(experiments) if experiments else experiment_names()
    for n in names:
        load_experiment(n)  # refuses unknown names before anything runs
    if (config_path is not None or overrides) and len(names) != 1:
        raise ParameterError("`config_path`/`overrides` apply to one experiment; name exactly one in `experiments`")
    plans = {n: plan_run(n, scale=scale, config_file=config_path, overrides=overrides) for n in names}
    ran: dict[str, dict[str, Any]] = {}
    errors: list[str] = []
    with interrupt_guard() as guard:
        for n, plan in plans.items():
            try:
                res = run_planned(plan, root, force=force, progress=progress)
            except Exception as exc:  # recorded (failure.json) and shown in the page
                reraise_interrupt(exc, guard)
                errors.append(f"experiment {n} ({plan.scale}): {type(exc).__name__}: {exc}")
                continue
            d = result_dir(root, n, plan.scale)
            figs, fig_errors = draw_figures(n, d, root, force=force, results=res)
            errors += fig_errors
            ran[f"{n}/{plan.scale}"] = {"reused": bool(res.meta.get("reused")), "figures": figs}
        path = write_report(root, ran=ran, errors=errors, scale=scale)
    if errors:
        raise ReportErrors(errors, path)
    return path
