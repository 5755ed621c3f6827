"""The report: rebuilt from every saved result, claims table with computed headline verdicts and scale
precedence, derived facts and method checks apart, sections with provenance, human numbers, interrupts."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from deeprelax._core import ParameterError
from experiments._base import Results, check_row, claim_row, save_results
from experiments._runner import plan_run, result_dir
from paper_figs import _report
from paper_figs._report import build_report, clean_text, fmt_num, report_context, write_report

# Experiments without a figure module, so the synthetic results below need no arrays.
A, B = "hj_regularity", "train"


def _save(root: Path, name: str, scale: str, checks, *, overrides=None, date="2026-01-02T03:04:05+00:00"):
    plan = plan_run(name, scale="quick")
    key = dict(plan.key, scale=scale)
    prov = {"deeprelax_version": "0.1.0", "git_hash": "abc123", "git_dirty": False, "date": date, "host": "lab",
            "scale": scale, "requested_scale": scale, "data_source": plan.data["description"],
            "seeds": {"seed": 0}, "wall_s": 12.5, "cpu_s": 4.0, "compile_s": 3.25, "overrides": overrides or {},
            "code": plan.code, "command": "deeprelax run"}
    res = Results(name, plan.config, {"x": np.arange(3.0)}, {"note": np.float64(0.5)}, tuple(checks))
    save_results(res, result_dir(root, name, scale), provenance=prov, cache_key=key)


@pytest.fixture
def saved(tmp_path):
    root = tmp_path / "results"
    _save(root, A, "quick", [
        claim_row(19, "Cole-Hopf = FD solver", "§3.2.1", measured=1e-5, bound=1e-3, relation="<=", uncertainty=2e-6),
        claim_row(20, "prox by Hopf-Lax (quick)", "§3.2.5", measured=0.5, bound=0.1, relation="<="),
        claim_row(21, "slow variable tracks the ODE", "§3.2.8", measured=0.3, bound=0.1, relation="<=",
                  qualified_if=True, condition="only for ε ≤ 0.01"),
        check_row("semiconcavity (quick)", "Deep Relaxation §3", 0.9, 1.0, "<=", kind="derived"),
    ])
    _save(root, A, "paper", [
        claim_row(20, "prox by Hopf-Lax (paper)", "§3.2.5", measured=0.05, bound=0.1, relation="<="),
        check_row("semiconcavity (paper)", "Deep Relaxation §3", 0.9, 1.0, "<=", kind="derived"),
    ])
    _save(root, B, "quick", [
        claim_row(19, "Cole-Hopf on a net", "§3.2.1", measured=1.0, bound=1e-3, relation="<="),
        check_row("solver vs closed form", "method", 2.5e-5, 1e-4, "<=", note="sup error np.float64(2.5e-05)"),
        check_row("negative control fails", "method", 2.0, 1.0, "<="),
        check_row("budget-limited row", "method", 3.0, 1.0, "<=", expected="10 epochs are a budget artefact"),
    ], overrides={"epochs": 1.0})
    return root


def test_claims_table_verdicts_precedence_and_gaps(saved):
    ctx = report_context(saved)
    claims = {c["id"]: c for c in ctx["claims"]}
    assert len(claims) == 22
    # 19: confirmed in one experiment, refuted in another -> qualified, saying where
    assert claims[19]["verdict"] == "qualified"
    assert any("confirmed in hj_regularity" in c for c in claims[19]["conditions"])
    assert any("refuted in train" in c for c in claims[19]["conditions"])
    assert {r["experiment"] for r in claims[19]["rows"]} == {A, B}
    # 20: the paper-scale row takes precedence over the refuted quick row
    assert claims[20]["verdict"] == "confirmed" and claims[20]["scale"] == "paper"
    assert [r["scale"] for r in claims[20]["rows"]] == ["paper"]
    assert [r["scale"] for r in claims[20]["superseded"]] == ["quick"]
    # 21: qualified with its condition
    assert claims[21]["verdict"] == "qualified" and "only for ε ≤ 0.01" in claims[21]["conditions"][0]
    assert claims[1]["verdict"] == "not tested" and not claims[1]["rows"]
    assert ctx["counts"] == {"confirmed": 1, "qualified": 2, "refuted": 0, "not tested": 19}


def test_all_refuted_is_refuted(tmp_path):
    _save(tmp_path, A, "quick", [claim_row(5, "s", "r", measured=2.0, bound=1.0, relation="<=")])
    _save(tmp_path, B, "quick", [claim_row(5, "t", "r", measured=3.0, bound=1.0, relation="<=")])
    c = report_context(tmp_path)["claims"][4]
    assert c["id"] == 5 and c["verdict"] == "refuted" and c["conditions"] == []


def test_condition_is_shown_only_with_a_qualified_verdict(tmp_path):
    """A row's condition says when the claim holds; under a confirmed or refuted verdict it would contradict
    the verdict (experiments may pass it unconditionally), so the page shows it only for qualified rows."""
    _save(tmp_path, A, "quick", [
        claim_row(5, "refuted row", "r", measured=2.0, bound=1.0, relation="<=", condition="COND-REFUTED"),
        claim_row(6, "confirmed row", "r", measured=0.5, bound=1.0, relation="<=", condition="COND-CONFIRMED"),
        claim_row(7, "qualified row", "r", measured=2.0, bound=1.0, relation="<=", qualified_if=True,
                  condition="COND-QUALIFIED"),
    ])
    ctx = report_context(tmp_path)
    rows = {r["statement"]: r for s in ctx["sections"] if s["main"] for r in s["main"]["rows"]}
    assert rows["refuted row"]["condition"] == rows["confirmed row"]["condition"] == ""
    assert rows["qualified row"]["condition"] == "COND-QUALIFIED"
    claims = {c["id"]: c for c in ctx["claims"]}
    assert claims[7]["conditions"] == [f"condition ({A}): COND-QUALIFIED"]
    assert claims[5]["conditions"] == claims[6]["conditions"] == []
    html = write_report(tmp_path).read_text()
    assert "COND-QUALIFIED" in html and "COND-REFUTED" not in html and "COND-CONFIRMED" not in html
    # claim 7 has one deciding row: its condition is the headline's, shown once in the claims table
    table = html[html.index('id="claims"'):html.index('id="derived"')]
    assert table.count("COND-QUALIFIED") == 1


def test_report_only_reference_and_zero_uncertainty(tmp_path):
    """A report-only row ("~") shows its reference value (the paper's) in the bound column; "± 0" is not shown."""
    _save(tmp_path, A, "quick", [
        check_row("paper value row", "r", 1.85, 1.226, "~", uncertainty=0.01),
        check_row("exact row", "r", 0.25, 1.0, "<=", uncertainty=0.0),
        check_row("plain info row", "r", 3.0, None, "~"),
    ])
    sec = [s for s in report_context(tmp_path)["sections"] if s["name"] == A][0]
    rows = {r["statement"]: r for r in sec["main"]["rows"]}
    assert rows["paper value row"]["bound"] == "ref. 1.226" and rows["paper value row"]["measured"] == "1.85 ± 0.01"
    assert rows["exact row"]["measured"] == "0.25" and rows["exact row"]["bound"] == "≤ 1"
    assert rows["plain info row"]["bound"] == "—"


def test_seed_keys_are_identifiers_not_quantities():
    from paper_figs._report import _fmt_entry

    assert _fmt_entry("seed_key", 14947172974897439416) == "14947172974897439416"
    assert _fmt_entry("seed", 20000) == "20000" and _fmt_entry("n_paths", 20000) == "20,000"


def test_stale_warning_names_the_experiment(saved):
    d = result_dir(saved, A, "quick")
    meta = (d / "results.json").read_text().replace('"library_hash": "', '"library_hash": "old')
    (d / "results.json").write_text(meta)
    html = write_report(saved).read_text()
    assert f"deeprelax run {A} --scale quick" in html and "deeprelax run … --scale" not in html


def test_derived_and_method_rows_are_kept_apart(saved):
    ctx = report_context(saved)
    # each experiment's rows of its highest scale: A's paper result supersedes its quick one
    assert [r["statement"] for r in ctx["derived"]] == ["semiconcavity (paper)"]
    method = {r["statement"]: r for r in ctx["method"]}
    assert set(method) == {"solver vs closed form", "negative control fails", "budget-limited row"}
    assert method["negative control fails"]["status"] == "bad"
    assert method["budget-limited row"]["status"] == "expected"
    assert ctx["method"][0]["status"] == "bad"  # failures first
    assert ctx["method_tally"] == {"good": 1, "bad": 1, "expected": 1, "info": 0}


def test_page_structure_and_human_numbers(saved):
    html = write_report(saved).read_text()
    assert html.index('id="claims"') < html.index('id="derived"') < html.index('id="method"') \
        < html.index(f'id="exp-{A}"')
    assert re.search(r'<div class="n">1</div><div class="l">confirmed', html)
    assert re.search(r'<div class="n">19</div><div class="l">not tested', html)
    assert "np.float64" not in html and "2.5×10⁻⁵" in html and "1×10⁻⁵ ± 2×10⁻⁶" in html
    assert "expected at quick" in html and "10 epochs are a budget artefact" in html
    sec = html[html.index(f'id="exp-{A}"'):html.index('<section class="block"', html.index(f'id="exp-{A}"'))]
    for text in ("abc123", "2026-01-02 03:04:05 UTC", "lab", "12.5 s wall, 4.0 s CPU", "3.2 s", "paper scale",
                 "also saved: the quick scale"):
        assert text in sec, text
    assert "custom config" in html[html.index(f'id="exp-{B}"'):]  # B ran with overrides
    assert "No result saved yet" in html  # experiments never run are visible gaps


def test_stale_results_are_marked(saved):
    fresh = {s["name"]: s["main"]["stale"] for s in report_context(saved)["sections"] if s["main"]}
    assert fresh[A] == [] and fresh[B] == ["custom config (--config / --set), not the scale's defaults"]
    d = result_dir(saved, A, "quick")
    meta = (d / "results.json").read_text().replace('"library_hash": "', '"library_hash": "old')
    (d / "results.json").write_text(meta)
    ctx = report_context(saved)
    old = [v for s in ctx["sections"] if s["name"] == A for v in s["versions"] if v["scale"] == "quick"][0]
    assert old["stale"] == ["computed with other code (the source changed since)"]
    assert "computed with other code" in write_report(saved).read_text()


def test_failure_record_is_shown(saved):
    from experiments._runner import _write_failure

    plan = plan_run(B)
    _write_failure(result_dir(saved, B, "quick"), plan, {"date": "2026-02-03T00:00:00+00:00"},
                   RuntimeError("it broke"), 1.0)
    html = write_report(saved).read_text()
    assert "RuntimeError: it broke" in html and "traceback" in html


@pytest.mark.parametrize("value, text", [
    (2.5e-05, "2.5×10⁻⁵"), (20000, "20,000"), (0.123456, "0.1235"), (None, "—"), (float("nan"), "NaN"),
    (-float("inf"), "−∞"), (1e12, "1×10¹²"), (3.0, "3"), (np.float64(0.25), "0.25"), (np.int64(7), "7"),
    (True, "true"), (0, "0"),
])
def test_fmt_num(value, text):
    assert fmt_num(value) == text


def test_clean_text_removes_numpy_reprs():
    assert clean_text("values [np.float64(0.5), np.int64(3)] ok") == "values [0.5, 3] ok"
    assert clean_text("flag np.True_") == "flag np.True_"  # left alone: no call syntax


def test_unknown_experiment_is_refused_before_anything_is_written(saved):
    page = write_report(saved)
    before = page.read_bytes()
    with pytest.raises(ParameterError, match="valid names are"):
        build_report(saved, experiments=[A, "nope"], progress=False)
    assert page.read_bytes() == before


def test_interrupt_swallowed_by_a_compile_stops_the_report(saved, monkeypatch):
    """issue 9 item 8: Numba turns Ctrl-C inside its compiler into another exception; the report must
    stop instead of recording it and running the next experiment."""
    calls = []

    def compile_swallows_interrupt(plan, root, **kw):
        calls.append(plan.name)
        raise RuntimeError("Failed in nopython mode pipeline") from KeyboardInterrupt()

    monkeypatch.setattr(_report, "run_planned", compile_swallows_interrupt)
    page = saved / "report.html"
    with pytest.raises(KeyboardInterrupt):
        build_report(saved, experiments=[A, B], progress=False)
    assert calls == [A] and not page.exists()


def test_sigint_that_left_no_trace_in_the_exception_still_stops(saved, monkeypatch):
    """The SIGINT handler records the signal even when the exception raised afterwards has no chain."""
    calls = []

    def interrupted_then_unrelated_error(plan, root, **kw):
        calls.append(plan.name)
        seen = False
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(1.0)  # the handler runs here
        except KeyboardInterrupt:
            seen = True
        assert seen
        raise RuntimeError("unrelated")  # raised outside the except block: no __context__

    monkeypatch.setattr(_report, "run_planned", interrupted_then_unrelated_error)
    with pytest.raises(KeyboardInterrupt):
        build_report(saved, experiments=[A, B], progress=False)
    assert calls == [A]


def test_an_ordinary_failure_does_not_stop_the_others(saved, monkeypatch):
    calls = []

    def fail_first(plan, root, **kw):
        calls.append(plan.name)
        if plan.name == A:
            raise ValueError("broken experiment")
        return Results(plan.name, plan.config, {}, {}, (), {"reused": True})

    monkeypatch.setattr(_report, "run_planned", fail_first)
    with pytest.raises(_report.ReportErrors, match="broken experiment"):
        build_report(saved, experiments=[A, B], progress=False)
    assert calls == [A, B] and "broken experiment" in (saved / "report.html").read_text()


def _chromium() -> str | None:
    for name in ("chromium-headless-shell", "chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    return None


def screenshot(html: Path, png: Path, width: int = 1400, height: int = 2400) -> Path:
    """A headless-Chromium screenshot of ``html`` (``apt-get install chromium-headless-shell``)."""
    exe = _chromium()
    if exe is None:
        pytest.skip("no headless Chromium (apt-get install chromium-headless-shell)")
    subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    f"--window-size={width},{height}", f"--screenshot={png}", html.resolve().as_uri()],
                   check=True, capture_output=True, timeout=120)
    return png


@pytest.mark.slow
def test_report_renders_in_a_real_browser(saved, tmp_path):
    """The page renders in Chromium: a non-blank screenshot whose top rows carry the verdict colours."""
    png = screenshot(write_report(saved), tmp_path / "report.png")
    import matplotlib.image as mpimg

    img = mpimg.imread(png)[..., :3]
    assert img.shape[0] >= 2000 and img.std() > 0.05  # not a blank page
    green = (img[..., 1] > 0.45) & (img[..., 0] < 0.3) & (img[..., 2] < 0.4)
    assert green[:600].sum() > 50  # the "confirmed" count card and pills are drawn in green
