"""Run bad-input cases in a child process: a clear error or a documented benign result, never a crash.

A *case* is one call of a public entry point with one bad value for one parameter,
written as a line of (trusted, test-suite) Python code run after the module's
``SETUP`` code. Cases run in a child interpreter with a memory cap and a per-case time
limit, one child per case module; when the child dies (a segfault, the memory cap) or
stops answering (a hang inside a compiled kernel, where no Python signal handler can
run), the case in flight is recorded as ``crash``/``hang`` and a fresh child resumes
with the next case. Outcomes:

- ``clear``: a :class:`~deeprelax._core.errors.DeepRelaxError` whose message names the
  parameter (``match``, by default the parameter name);
- ``benign``: the call returned normally and the case says that is documented behaviour;
- ``unclear``: a DeepRelaxError that does not name the parameter;
- ``raw``: any other exception (a raw numpy / Numba / Python error);
- ``accepted``: the call returned normally although an error was expected (a silent
  acceptance: possibly a silently wrong result);
- ``crash``, ``hang``, ``memory``: the child died, timed out, or ran out of memory.

Only ``clear`` and ``benign`` count as handled.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Case", "Outcome", "run_cases", "HANDLED", "summarise"]

#: Outcomes that count as handled.
HANDLED = ("clear", "benign")
#: Address-space cap of a child (bytes): generous for Numba/LLVM, small enough to stop a runaway.
MEMORY_CAP = 6 * 2**30
#: Default wall-clock limit per case (s); a cold Numba compile of a kernel fits in it.
CASE_TIMEOUT = 90.0
#: Time allowed for a child's start-up and SETUP code (imports, compiling the fixtures).
SETUP_TIMEOUT = 180.0

_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Case:
    """One bad call.

    Parameters
    ----------
    entry : str
        The public entry point, as a user writes it (``"sde.sdeint"``).
    param : str
        The caller's parameter that holds the bad value (``"dt"``).
    code : str
        One statement (or a few, separated by ``;``/newlines) run in the SETUP namespace.
    expect : {"error", "benign"}
        ``"benign"`` when returning normally is documented behaviour (say why in ``note``).
    match : str, optional
        Regular expression the error message must match (default: the parameter name).
    timeout : float
        Wall-clock limit for this case (s).
    note : str
    """

    entry: str
    param: str
    code: str
    expect: str = "error"
    match: str | None = None
    timeout: float = CASE_TIMEOUT
    note: str = ""

    @property
    def id(self) -> str:
        return f"{self.entry}:{self.param}:{self.code}"


@dataclass(frozen=True)
class Outcome:
    case: Case
    kind: str
    detail: str = ""
    seconds: float = 0.0

    @property
    def handled(self) -> bool:
        return self.kind in HANDLED


_CHILD = r'''
import json, os, re, resource, signal, sys, time, traceback
cap = int(os.environ["_BAD_INPUT_MEMCAP"])
resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
job = json.loads(sys.stdin.readline())
def _timeout(signum, frame):
    raise TimeoutError("case timed out")
signal.signal(signal.SIGALRM, _timeout)
ns = {}
exec(compile(job["setup"], "<SETUP>", "exec"), ns)
from deeprelax._core.errors import DeepRelaxError
print(json.dumps({"ready": True}), flush=True)
for i in range(job["start"], len(job["cases"])):
    case = job["cases"][i]
    print(json.dumps({"start": i}), flush=True)
    t0 = time.perf_counter()
    signal.setitimer(signal.ITIMER_REAL, case["timeout"])
    try:
        exec(compile(case["code"], f"<case {i}>", "exec"), dict(ns))
        kind, detail = "returned", ""
    except TimeoutError:
        kind, detail = "hang", "timed out in Python code"
    except MemoryError as exc:
        kind, detail = "memory", repr(exc)
    except DeepRelaxError as exc:
        kind, detail = "deeprelax", f"{type(exc).__name__}: {exc}"
    except BaseException as exc:
        tb = traceback.extract_tb(exc.__traceback__)
        where = f" [{tb[-1].filename}:{tb[-1].lineno}]" if tb else ""
        kind, detail = "raw", f"{type(exc).__name__}: {exc}{where}"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    print(json.dumps({"end": i, "kind": kind, "detail": detail[:2000],
                      "seconds": time.perf_counter() - t0}), flush=True)
'''


def _classify(case: Case, kind: str, detail: str) -> str:
    if kind == "returned":
        return "benign" if case.expect == "benign" else "accepted"
    if kind == "deeprelax":
        pattern = case.match if case.match is not None else rf"(?<![\w]){re.escape(case.param)}(?![\w])"
        return "clear" if re.search(pattern, detail) else "unclear"
    return kind


def _spawn(setup: str, cases: list[Case], start: int) -> subprocess.Popen:
    env = dict(os.environ)
    env.setdefault("NUMBA_CACHE_DIR", str(_ROOT / ".numba_cache"))
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    env.setdefault("MKL_NUM_THREADS", "1")
    env["_BAD_INPUT_MEMCAP"] = str(MEMORY_CAP)
    env["PYTHONPATH"] = os.pathsep.join([str(_ROOT), env.get("PYTHONPATH", "")])
    proc = subprocess.Popen([sys.executable, "-c", _CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=_ROOT, env=env)
    job = {"setup": setup, "start": start,
           "cases": [{"code": c.code, "timeout": c.timeout} for c in cases]}
    assert proc.stdin is not None
    proc.stdin.write(json.dumps(job) + "\n")
    proc.stdin.flush()
    return proc


def _readline(proc: subprocess.Popen, timeout: float) -> str | None:
    """The child's next stdout line, or ``None`` when it died or said nothing for ``timeout`` s."""
    import selectors

    assert proc.stdout is not None
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    try:
        if not sel.select(timeout):
            return None
        line = proc.stdout.readline()
        return line or None
    finally:
        sel.close()


def _stop(proc: subprocess.Popen) -> str:
    if proc.poll() is None:
        proc.kill()
    try:
        _, err = proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        err = ""
    return (err or "")[-1500:]


def run_cases(setup: str, cases: list[Case]) -> list[Outcome]:
    """Run every case of one module; a crash or hang costs only the case in flight."""
    outcomes: dict[int, Outcome] = {}
    start = 0
    while start < len(cases):
        proc = _spawn(setup, cases, start)
        line = _readline(proc, SETUP_TIMEOUT)
        if line is None or "ready" not in json.loads(line):
            err = _stop(proc)
            raise RuntimeError(f"the SETUP code failed or hung:\n{err}")
        current, t0 = None, time.perf_counter()
        while True:
            limit = cases[current].timeout + 30.0 if current is not None else 30.0
            line = _readline(proc, limit)
            if line is None:
                err = _stop(proc)
                if current is None:  # died between cases: nothing in flight
                    start = len(cases) if not outcomes else max(outcomes) + 1
                    break
                kind = "hang" if proc.returncode in (-9, None) and "Killed" not in err else "crash"
                if proc.returncode is not None and proc.returncode < 0 and proc.returncode != -9:
                    kind = "crash"
                detail = f"child exit {proc.returncode}; {err.strip().splitlines()[-1] if err.strip() else ''}"
                outcomes[current] = Outcome(cases[current], kind, detail, time.perf_counter() - t0)
                start = current + 1
                break
            msg = json.loads(line)
            if "start" in msg:
                current, t0 = msg["start"], time.perf_counter()
            elif "end" in msg:
                i = msg["end"]
                outcomes[i] = Outcome(cases[i], _classify(cases[i], msg["kind"], msg["detail"]), msg["detail"],
                                      msg["seconds"])
                current = None
                if i == len(cases) - 1:
                    _stop(proc)
                    start = len(cases)
                    break
    return [outcomes[i] for i in range(len(cases))]


@dataclass
class Summary:
    per_entry: dict[str, Counter] = field(default_factory=dict)

    def add(self, outcomes: list[Outcome]) -> None:
        for o in outcomes:
            self.per_entry.setdefault(o.case.entry, Counter())[o.kind] += 1

    def table(self) -> str:
        lines = [f"{'entry point':40s} {'tried':>5s} {'clear':>5s} {'benign':>6s} {'other':>5s}"]
        tot = Counter()
        for entry in sorted(self.per_entry):
            c = self.per_entry[entry]
            tried = sum(c.values())
            other = tried - c["clear"] - c["benign"]
            tot.update(c)
            lines.append(f"{entry:40s} {tried:5d} {c['clear']:5d} {c['benign']:6d} {other:5d}")
        tried = sum(tot.values())
        lines.append(f"{'TOTAL':40s} {tried:5d} {tot['clear']:5d} {tot['benign']:6d} "
                     f"{tried - tot['clear'] - tot['benign']:5d}")
        return "\n".join(lines)


def summarise(all_outcomes: list[Outcome]) -> str:
    s = Summary()
    s.add(all_outcomes)
    return s.table()
