"""The figure of a sweep: a metric over the grid, mean ± standard error over replicates."""

from __future__ import annotations

import json
import math
from collections import defaultdict
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

__all__ = ["plot_sweep"]


def _label(v: Any) -> str:
    return json.dumps(v) if isinstance(v, (list, dict)) else f"{v:g}" if isinstance(v, float) else str(v)


def plot_sweep(spec: Any, points: list[Any], records: list[dict[str, Any]], out: str | Path) -> Path | None:
    """Draw ``[plot] metric`` against ``[plot] x`` (default: the first swept key), one line per
    combination of the other swept keys; returns the PNG path (``None`` with no metric or axis)."""
    plot = dict(spec.plot)
    metric = plot.get("metric") or (spec.metrics[0] if spec.metrics else None)
    axes = spec.axes
    if metric is None or not axes:
        return None
    x = plot.get("x") or axes[0]
    num, _, den = x.partition("/")
    others = [a for a in axes if a != num]  # with x = a/b, one line per b: they overlap when only a/b matters

    def xval(p: Any) -> Any:
        return p.values[num] / p.values[den] if den else p.values[num]

    by_key = {r["key"]: r for r in records}
    groups: dict[tuple, dict[Any, list[float]]] = defaultdict(lambda: defaultdict(list))
    for p in points:
        r = by_key.get(p.key)
        val = None if r is None else (r.get("metrics") or {}).get(metric)
        if val is None or not math.isfinite(val):
            continue
        series = tuple(_label(p.values[a]) for a in others)
        groups[series][json.dumps(xval(p))].append(float(val))
    fig, ax = plt.subplots(figsize=(7.5, 4.8))
    numeric = all(isinstance(xval(p), (int, float)) and not isinstance(xval(p), bool) for p in points)
    cats = sorted({json.dumps(xval(p)) for p in points}, key=lambda s: json.loads(s) if numeric else s)
    def order(series: tuple) -> tuple:  # numeric labels in numeric order (16 before 128)
        out = []
        for lab in series:
            try:
                out.append((0, float(lab), ""))
            except ValueError:
                out.append((1, 0.0, lab))
        return tuple(out)

    for series, vals in sorted(groups.items(), key=lambda kv: order(kv[0])):
        xs = sorted(vals, key=lambda s: json.loads(s) if numeric else cats.index(s))
        xv = [json.loads(s) if numeric else cats.index(s) for s in xs]
        mean = [float(np.mean(vals[s])) for s in xs]
        se = [float(np.std(vals[s], ddof=1) / math.sqrt(len(vals[s]))) if len(vals[s]) > 1 else 0.0 for s in xs]
        label = ", ".join(f"{a}={v}" for a, v in zip(others, series)) or None
        ax.errorbar(xv, mean, yerr=se, marker="o", capsize=3, label=label)
    if not numeric:
        ax.set_xticks(range(len(cats)), [_label(json.loads(c)) for c in cats])
    if plot.get("logx") and numeric:
        ax.set_xscale("log")
    if plot.get("logy"):
        ax.set_yscale("log")
    ax.set_xlabel(x)
    ax.set_ylabel(metric)
    n_rep = spec.replicates
    ax.set_title(plot.get("title") or f"{spec.experiment}: {metric}" + (f" (mean ± SE of {n_rep} replicates)"
                                                                           if n_rep > 1 else ""), fontsize=10)
    if others and groups:
        ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    safe = "".join(ch if ch.isalnum() else "_" for ch in metric).strip("_")
    path = Path(out) / f"{safe}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
