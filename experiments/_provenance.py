"""Provenance of a result and the key under which it may be reused.

A saved result is reused only when its **cache key** matches the run being asked for:
the config (hash of its JSON form), the effective scale, the data source (which data
files the experiment would read, with their sizes and modification times) and the code
version — the package version plus a hash of the library's source (every
``deeprelax/**/*.py``) and of the experiment's source (its module and every
``experiments.*`` module it imports, transitively). The source is hashed as its syntax
tree without docstrings (``ast.dump``), so edits to comments, docstrings or layout do not
make saved results stale; any change to the code does. Every ``results.json`` also records
where and when it was computed: git commit (and whether the work tree had changes),
date, host, Python/numpy/Numba versions, seeds, wall and Numba-compile times.
"""

from __future__ import annotations

import ast
import contextlib
import datetime as _dt
import functools
import hashlib
import importlib.util
import json
import os
import platform
import socket
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

import deeprelax

__all__ = [
    "library_hash",
    "experiment_sources",
    "experiment_hash",
    "code_version",
    "uses_data",
    "data_source",
    "git_info",
    "config_hash",
    "cache_key",
    "seeds_of",
    "CompileTimer",
    "base_provenance",
    "utc_now",
]

_REPO = Path(__file__).resolve().parents[1]
_LIB = Path(deeprelax.__file__).resolve().parent


def _hash_files(paths: list[Path], root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(paths):
        try:
            rel = p.relative_to(root).as_posix()
        except ValueError:
            rel = p.name
        h.update(rel.encode() + b"\0")
        h.update(_code_bytes(p) + b"\0")
    return h.hexdigest()[:16]


def _code_bytes(p: Path) -> bytes:
    """The code of a Python file without comments, docstrings and layout (its AST dump).

    Comments and layout are not in the AST; docstrings are dropped here. A file that does
    not parse is hashed as raw bytes.
    """
    raw = p.read_bytes()
    try:
        tree = ast.parse(raw)
    except (SyntaxError, ValueError):
        return raw
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                and body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)):
            node.body = body[1:] or [ast.Pass()]
    return ast.dump(tree, include_attributes=False).encode()


@functools.lru_cache(maxsize=1)
def library_hash() -> str:
    """Hash of every ``.py`` file of the installed ``deeprelax`` package (computed once per process)."""
    return _hash_files([p for p in _LIB.rglob("*.py") if "__pycache__" not in p.parts], _LIB.parent)


def _module_file(name: str) -> Path | None:
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin or not spec.origin.endswith(".py"):
        return None
    return Path(spec.origin)


def _imports(path: Path) -> set[str]:
    """Every module named by an import statement anywhere in ``path`` (also inside functions)."""
    try:
        tree = ast.parse(path.read_text())
    except (OSError, SyntaxError):
        return set()
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names)
    return out


def experiment_sources(module: ModuleType | str) -> tuple[list[Path], set[str]]:
    """The source files of an experiment (its module and the ``experiments.*`` modules it imports,
    transitively) and every module name imported by the experiment modules among them — not by
    the framework's own ``experiments._*`` modules (read once per process)."""
    files = _sources(module if isinstance(module, str) else module.__name__)
    names = set().union(*(imps for mod, (_, imps) in files.items()
                          if not mod.rpartition(".")[2].startswith("_")))
    return sorted({path for path, _ in files.values()}), names


@functools.cache
def _sources(name: str) -> dict[str, tuple[Path, set[str]]]:
    seen: dict[str, tuple[Path, set[str]]] = {}
    todo = [name]
    while todo:
        mod = todo.pop()
        if mod in seen:
            continue
        path = _module_file(mod)
        if path is None:
            continue
        imps = _imports(path)
        seen[mod] = (path, imps)
        todo.extend(m for m in imps if m == "experiments" or m.startswith("experiments."))
    return seen


def experiment_hash(module: ModuleType | str) -> str:
    """Hash of the experiment's source files (see :func:`experiment_sources`; once per process)."""
    return _experiment_hash(module if isinstance(module, str) else module.__name__)


@functools.cache
def _experiment_hash(name: str) -> str:
    files, _ = experiment_sources(name)
    return _hash_files(files, _REPO)


def code_version(module: ModuleType | str) -> dict[str, str]:
    """``{"deeprelax_version", "library_hash", "experiment_hash"}`` of an experiment."""
    return {"deeprelax_version": deeprelax.__version__, "library_hash": library_hash(),
            "experiment_hash": experiment_hash(module)}


def uses_data(module: ModuleType | str) -> bool:
    """Whether the experiment's source (or an ``experiments.*`` module it imports) imports ``deeprelax.data``."""
    _, names = experiment_sources(module)
    return any(n == "deeprelax.data" or n.startswith("deeprelax.data.") for n in names)


#: Datasets an experiment can name in a ``dataset`` config field that need no data files.
_FILELESS = {"digits": "scikit-learn digits 8x8 (bundled with scikit-learn)",
             "mnist1d": "mnist1d (generated)"}


def _stat(p: Path) -> list[Any]:
    st = p.stat()
    return [str(p), st.st_size, int(st.st_mtime)]


def data_source(module: ModuleType | str, config: Any = None) -> dict[str, Any]:
    """What data the experiment would read: ``{"description", "fingerprint", "mnist_idx"}``.

    ``fingerprint`` hashes the paths, sizes and modification times of the MNIST files
    the loaders would find (``deeprelax.data`` search path: ``data_dir``,
    ``$DEEPRELAX_DATA``, ``../shared/data``), so a result computed on other data is
    not reused. Experiments that import no ``deeprelax.data`` use generated data.
    """
    if not uses_data(module):
        return {"description": "generated (no data files)", "fingerprint": "none", "mnist_idx": None}
    from deeprelax import data

    corpus = getattr(config, "corpus", None)
    if isinstance(corpus, str):
        return _text_source(corpus, getattr(config, "data_dir", None) or None)
    dataset = getattr(config, "dataset", None)
    if isinstance(dataset, str) and dataset in _FILELESS:
        return {"description": _FILELESS[dataset], "fingerprint": dataset, "mnist_idx": None}
    data_dir = getattr(config, "data_dir", None) or None
    idx = [data.find_file([f, f + ".gz"], data_dir, subdirs=("", "mnist", "MNIST/raw")) for f in data.MNIST_FILES]
    npz = data.find_file(["mnist10k.npz"], data_dir)
    files = [p for p in idx if p is not None] + ([npz] if npz is not None else [])
    have_idx = all(p is not None for p in idx)
    if have_idx:
        desc = f"MNIST IDX files in {idx[0].parent}"
    elif npz is not None:
        desc = f"MNIST 10k ({npz}); the four IDX files not found"
    else:
        desc = "no MNIST files found: the experiment's fallback (scikit-learn digits)"
    fp = hashlib.sha256(json.dumps([_stat(p) for p in files]).encode()).hexdigest()[:16]
    return {"description": desc, "fingerprint": fp, "mnist_idx": str(idx[0].parent) if have_idx else None}


def _text_source(corpus: str, data_dir: Any) -> dict[str, Any]:
    """A text-corpus experiment (a ``corpus`` config field: ``"shakespeare"``, ``"synthetic"``
    or a path): the file it reads and its fingerprint; ``text`` is the path (``None``: none)."""
    from deeprelax import data

    if corpus == "synthetic":
        return {"description": "generated text", "fingerprint": "synthetic", "mnist_idx": None, "text": None}
    p = data.find_file([data.SHAKESPEARE_FILE], data_dir) if corpus == "shakespeare" else Path(corpus)
    if p is None or not p.is_file():
        return {"description": f"text corpus {corpus!r} not found: the experiment's fallback",
                "fingerprint": "text-missing", "mnist_idx": None, "text": None}
    fp = hashlib.sha256(json.dumps([_stat(p)]).encode()).hexdigest()[:16]
    return {"description": f"text corpus {p}", "fingerprint": fp, "mnist_idx": None, "text": str(p)}


@functools.lru_cache(maxsize=1)
def git_info() -> dict[str, Any]:
    """``{"git_hash", "git_dirty"}`` of the checkout holding the code (``"unknown"`` outside git)."""
    def git(*args: str) -> str:
        out = subprocess.run(["git", *args], cwd=_REPO, capture_output=True, text=True, timeout=10)
        return out.stdout.strip() if out.returncode == 0 else ""

    try:
        head = git("rev-parse", "HEAD")
        dirty = bool(git("status", "--porcelain", "--untracked-files=no")) if head else None
    except (OSError, subprocess.SubprocessError):
        head, dirty = "", None
    return {"git_hash": head or "unknown", "git_dirty": dirty}


def config_hash(config: Mapping[str, Any]) -> str:
    """Hash of a config's JSON form (keys sorted)."""
    return hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode()).hexdigest()[:16]


def cache_key(config: Mapping[str, Any], scale: str, data: Mapping[str, Any], code: Mapping[str, str]
              ) -> dict[str, str]:
    """The fields that must all match for a saved result to be reused."""
    return {"config_hash": config_hash(config), "scale": scale, "data_fingerprint": str(data["fingerprint"]),
            **{k: str(v) for k, v in code.items()}}


def seeds_of(config: Mapping[str, Any]) -> dict[str, Any]:
    """The config's seed fields (``seed``, ``seeds``, ``data_seed``, ...)."""
    return {k: v for k, v in config.items() if "seed" in k.lower()}


def utc_now() -> str:
    """The current UTC time, ISO 8601 to the second."""
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


class CompileTimer:
    """Seconds spent compiling Numba functions inside the ``with`` block (outermost compiles only;
    loads from Numba's disk cache are not compiles)."""

    def __init__(self) -> None:
        self.seconds = 0.0

    @contextlib.contextmanager
    def __call__(self) -> Iterator[CompileTimer]:
        from numba.core import event

        listener = event.TimingListener()
        with event.install_listener("numba:compile", listener):
            try:
                yield self
            finally:
                self.seconds += listener.duration if listener.done else 0.0


def base_provenance() -> dict[str, Any]:
    """Where the code runs: version, git, host, platform and library versions."""
    import numba
    import numpy

    return {"deeprelax_version": deeprelax.__version__, **git_info(), "host": socket.gethostname(),
            "platform": platform.platform(), "python": sys.version.split()[0], "numpy": numpy.__version__,
            "numba": numba.__version__, "numba_threads": numba.get_num_threads(), "pid": os.getpid()}
