"""Build the report: run every experiment, draw every figure, write one HTML page.

``results/<experiment>/results.{npz,json}`` are reused when their config matches
(so an interrupted report resumes where it stopped); ``results/<experiment>/<figure>.png``
are redrawn; ``results/report.html`` holds the figures and the theory-check table
(claim, paper reference, measured, bound, verdict).
"""

from __future__ import annotations

import html
import importlib
import os
import pkgutil
import time
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

import matplotlib

matplotlib.use("Agg")

from experiments._base import (  # noqa: E402
    Check,
    Results,
    atomic_write_bytes,
    config_dict,
    config_from_toml,
    experiment_names,
    git_hash,
    load_experiment,
    load_results,
    save_results,
)

__all__ = ["figure_modules", "run_experiment", "build_report"]


def figure_modules() -> list[ModuleType]:
    """Every figure module present in :mod:`paper_figs` (names not starting with ``_``)."""
    import paper_figs

    names = sorted(m.name for m in pkgutil.iter_modules(paper_figs.__path__) if not m.name.startswith("_"))
    return [importlib.import_module(f"paper_figs.{n}") for n in names]


def run_experiment(name: str, outroot: Path, *, scale: str = "quick", config_path: str | None = None,
                   force: bool = False, progress: bool = True) -> Results:
    """Run (or reuse) one experiment and save its results under ``outroot/name``."""
    mod = load_experiment(name)
    cfg = config_from_toml(mod, config_path, scale)
    cdict = config_dict(cfg)
    outdir = outroot / name
    if not force:
        cached = load_results(outdir, cdict)
        if cached is not None:
            return cached
    res = mod.run(cfg, progress=progress)
    save_results(res, outdir)
    return res


def _check_table(checks: Sequence[tuple[str, Check]]) -> str:
    rows = []
    for exp, c in checks:
        bound = "—" if c.bound is None else f"{c.relation} {c.bound:.4g}"
        cls = {"pass": "pass", "fail": "fail"}.get(c.verdict, "info")
        rows.append(
            f"<tr class='{cls}'><td>{html.escape(c.claim)}</td><td>{html.escape(c.reference)}</td>"
            f"<td>{c.measured:.4g}</td><td>{html.escape(bound)}</td><td>{c.verdict}</td>"
            f"<td>{html.escape(c.note)}</td><td>{html.escape(exp)}</td></tr>"
        )
    head = ("<tr><th>claim</th><th>paper reference</th><th>measured</th><th>bound</th>"
            "<th>verdict</th><th>note</th><th>experiment</th></tr>")
    return "<table>" + head + "".join(rows) + "</table>"


_CSS = """
body{font-family:sans-serif;max-width:1200px;margin:2em auto;}
table{border-collapse:collapse;font-size:0.9em} td,th{border:1px solid #ccc;padding:4px 6px}
tr.pass td:nth-child(5){color:#070;font-weight:bold} tr.fail td:nth-child(5){color:#b00;font-weight:bold}
img{max-width:100%;border:1px solid #ddd} .err{color:#b00}
"""


def build_report(outroot: str | os.PathLike = "results", *, scale: str = "quick",
                 experiments: Sequence[str] | None = None, force: bool = False, progress: bool = True) -> Path:
    """Run every experiment (or the named ones), draw every figure, write ``report.html``.

    A figure or experiment that fails is reported in the page (with its error), and
    the function raises at the end so the command's exit status is non-zero.
    """
    root = Path(outroot)
    names = list(experiments) if experiments else experiment_names()
    results: dict[str, Results] = {}
    errors: list[str] = []
    timings: dict[str, float] = {}
    for name in names:
        t0 = time.perf_counter()
        try:
            results[name] = run_experiment(name, root, scale=scale, force=force, progress=progress)
        except Exception as exc:  # reported in the page, re-raised below
            errors.append(f"experiment {name}: {type(exc).__name__}: {exc}")
        timings[name] = time.perf_counter() - t0
    sections = []
    for fig in figure_modules():
        exp = getattr(fig, "EXPERIMENT", None)
        if exp not in results:
            if exp in names:
                sections.append(f"<h3>{html.escape(fig.TITLE)}</h3><p class='err'>experiment {exp} failed</p>")
            continue
        try:
            path = Path(fig.make(results[exp], root / exp))
            rel = os.path.relpath(path, root)
            sections.append(f"<h3>{html.escape(fig.TITLE)}</h3><img src='{html.escape(rel)}'>"
                            f"<p>{html.escape(getattr(fig, 'CAPTION', ''))}</p>")
        except Exception as exc:
            errors.append(f"figure {fig.__name__}: {type(exc).__name__}: {exc}")
            sections.append(f"<h3>{html.escape(fig.TITLE)}</h3><p class='err'>{html.escape(str(exc))}</p>")
    checks = [(n, c) for n, r in results.items() for c in r.checks]
    n_pass = sum(c.verdict == "pass" for _, c in checks)
    n_fail = sum(c.verdict == "fail" for _, c in checks)
    err_html = "".join(f"<p class='err'>{html.escape(e)}</p>" for e in errors)
    timing = ", ".join(f"{k}: {v:.1f} s" for k, v in timings.items())
    page = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>deeprelax report</title>"
        f"<style>{_CSS}</style></head><body><h1>deeprelax report ({scale} scale)</h1>"
        f"<p>git {html.escape(git_hash())}; experiments: {html.escape(timing)}</p>{err_html}"
        f"<h2>Theory checks ({n_pass} pass, {n_fail} fail)</h2>{_check_table(checks)}"
        f"<h2>Figures</h2>{''.join(sections)}</body></html>"
    )
    out = root / "report.html"
    atomic_write_bytes(out, page.encode())
    if errors:
        raise RuntimeError("report built with errors:\n" + "\n".join(errors))
    return out
