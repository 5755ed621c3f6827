"""Compile once: kernels specialised on user functions, generated as source so Numba's disk cache applies.

A Numba kernel that takes another jitted function as an *argument* (the ensemble kernel
taking the drift, a batch loop taking a landscape's gradient) is typed on that function
object. Numba's disk cache cannot match such a signature in a later process (the argument
type is keyed by the live dispatcher), so every process compiled it again — 25–29 s for
Example 19 under ``sdeint`` — and the re-saved index could hold entries whose weak
references had died (``ReferenceError: underlying object has vanished``).

:func:`bind` removes function arguments instead: it writes a small module

.. code-block:: python

    from deeprelax.sde._kernels import ensemble_additive as _template
    from mypackage.model import drift as bk          # the user's kernel, imported by name
    @jit(parallel=True)                              # cache=True
    def kernel(sp, bp, gk_params, ...):
        return _template(sp, bk, bp, ...)

into a cache directory under a name keyed by a hash of its source and of the source files
it depends on, imports it, and returns ``kernel``. The bound functions are now globals, so
the kernel's signature holds only arrays and records, and the disk cache applies: a second
process loads the machine code instead of compiling. Templates are ``inline="always"``
functions (never compiled on their own, so they are never typed on a function argument).

Functions that cannot be imported by name (closures, functions typed at the prompt,
functions whose module has no file) are bound the same way in memory, compiled without a
cache (once per process). :func:`importable_source` does the same for generated source
(sympy landscapes): the module is written once per hash, so its kernels are cacheable.

Cache directory: ``$DEEPRELAX_KERNEL_DIR``, else ``$NUMBA_CACHE_DIR/deeprelax_generated``,
else ``~/.cache/deeprelax/kernels`` (``$XDG_CACHE_HOME``). Generated files are never
rewritten (Numba's index is stamped with the file's time and size); a change of any input
gives a new hash, hence a new file.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import inspect
import os
import sys
import threading
from collections.abc import Callable, Mapping
from functools import cache, lru_cache
from pathlib import Path
from types import ModuleType
from typing import Any

import numba

__all__ = ["bind", "importable_source", "kernel_dir", "import_name", "KernelRef", "kernels_by_name",
           "kernels_from_refs"]

#: Package name under which generated modules are registered in ``sys.modules``.
GENERATED_PACKAGE = "deeprelax_generated"

_LOCK = threading.Lock()
_BOUND: dict[tuple[Any, ...], Callable[..., Any]] = {}


def kernel_dir() -> Path:
    """The directory of generated kernel modules (see the module docstring)."""
    env = os.environ.get("DEEPRELAX_KERNEL_DIR")
    if env:
        return Path(env)
    numba_dir = os.environ.get("NUMBA_CACHE_DIR")
    if numba_dir:
        return Path(numba_dir) / "deeprelax_generated"
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "deeprelax" / "kernels"


def _jit_enabled() -> bool:
    return not numba.config.DISABLE_JIT


@cache
def _file_digest(path: str) -> str:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return "missing"


@lru_cache(maxsize=1)
def _core_digest() -> str:
    """Hash of the numba/Python versions and of every deeprelax/_core source (the kernels' helpers)."""
    # Numba's cache index checks only the stamp of the kernel's own file, not of the functions
    # it inlines or calls; hashing the helpers' sources (and, in importable_source, the
    # template's and the bound functions' files) into the generated module's name makes any
    # change there a new file, hence a fresh compile instead of stale machine code.
    h = hashlib.sha256(f"{numba.__version__} {sys.version_info[:2]}".encode())
    for p in sorted(Path(__file__).parent.glob("*.py")):
        h.update(_file_digest(str(p)).encode())
    return h.hexdigest()


def import_name(func: Any) -> tuple[str, str] | None:
    """``(module, name)`` when ``func`` (a dispatcher) is a module-level name of a module with a
    source file (a package module or the running script), so a generated module can import it;
    else ``None``."""
    py = getattr(func, "py_func", func)
    mod_name, qual = getattr(py, "__module__", None), getattr(py, "__qualname__", "")
    if not mod_name or not qual.isidentifier():  # "<locals>", "<lambda>", nested names
        return None
    mod = sys.modules.get(mod_name)
    if mod is None or not getattr(mod, "__file__", None) or getattr(mod, qual, None) is not func:
        return None
    # a script's __main__ qualifies too: the generated module is only imported by a process
    # that holds this very function, i.e. one running the same script (whose file is hashed
    # into the key); a worker that received the function by value binds it in memory instead
    return mod_name, qual


def _load(path: Path, name: str) -> ModuleType:
    full = f"{GENERATED_PACKAGE}.{name}"
    mod = sys.modules.get(full)
    if mod is not None:
        return mod
    spec = importlib.util.spec_from_file_location(full, path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[full] = mod
    try:
        spec.loader.exec_module(mod)
    except BaseException:
        # do not leave a half-initialised module behind for the next caller to find
        sys.modules.pop(full, None)
        raise
    return mod


def _write_once(path: Path, source: str) -> bool:
    """Write ``source`` to ``path`` atomically unless it exists; False when the directory is not writable."""
    if path.exists():
        return True
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_text(source, encoding="utf-8")
        os.replace(tmp, path)  # atomic: a concurrent writer of the same hash writes the same bytes
    except OSError:
        return False
    return True


def importable_source(source: str, tag: str, depends: tuple[str, ...] = ()) -> ModuleType:
    """Import generated ``source`` from a file in :func:`kernel_dir` keyed by its hash.

    ``depends``: source files whose content the module relies on (their hashes enter the key).
    Functions the module defines with ``cache=True`` are then disk-cached across processes.
    Falls back to an in-memory module (no disk cache) when the directory is not writable.
    """
    h = hashlib.sha256(source.encode())
    h.update(_core_digest().encode())
    for dep in depends:
        h.update(_file_digest(dep).encode())
    name = f"{tag}_{h.hexdigest()[:24]}"
    path = kernel_dir() / f"{name}.py"
    with _LOCK:  # threads of one process binding the same kernel import it once
        if _write_once(path, source):
            return _load(path, name)
        mod = ModuleType(f"{GENERATED_PACKAGE}.{name}")
        exec(compile(source, f"<deeprelax generated {name}>", "exec"), mod.__dict__)  # our own generated source
        return mod


def bind(template: Any, *, parallel: bool, **fixed: Any) -> Callable[..., Any]:
    """``template`` with the function arguments ``fixed`` bound as globals: a kernel taking the others.

    Parameters
    ----------
    template : numba dispatcher
        An ``inline="always"`` kernel whose parameters include the names in ``fixed``.
    parallel : bool
        Compile the bound kernel with ``parallel=True`` (the template's ``prange`` loops run
        on threads).
    **fixed : numba dispatchers
        The function arguments to bind, by parameter name.

    Returns
    -------
    callable
        The bound kernel, with the template's remaining parameters in order. Disk-cached when
        every bound function is importable by name (:func:`import_name`), else compiled once
        per process; memoised per process.

    Examples
    --------
    >>> from deeprelax.landscapes._base import _rows_body
    >>> from deeprelax.landscapes._catalogue import _quad_grad
    >>> import numpy as np
    >>> rows = bind(_rows_body, parallel=False, f=_quad_grad)
    >>> out = np.empty((1, 1))
    >>> rows(np.array([[3.0]]), np.array([2.0, 0.0]), out)
    >>> out.tolist()
    [[6.0]]
    """
    key = (template, parallel, tuple(sorted(fixed.items(), key=lambda kv: kv[0])))
    try:
        return _BOUND[key]
    except (KeyError, TypeError):  # TypeError: an unhashable bound value is bound afresh
        pass
    py = getattr(template, "py_func", template)
    params = list(inspect.signature(py).parameters)
    unknown = set(fixed) - set(params)
    if unknown:
        raise TypeError(f"bind: {sorted(unknown)} are not parameters of {py.__qualname__}")
    rest = [p for p in params if p not in fixed]
    tref = import_name(template)
    refs = {k: import_name(f) for k, f in fixed.items()}
    on_disk = _jit_enabled() and tref is not None and all(r is not None for r in refs.values())
    if on_disk:
        lines = [f"# generated by deeprelax._core._codegen.bind: {tref[0]}.{tref[1]} with "
                 f"{', '.join(sorted(fixed))} bound (do not edit; keyed by a hash of its inputs)",
                 "from deeprelax._core import jit",
                 f"from {tref[0]} import {tref[1]} as _template"]
        lines += [f"from {m} import {q} as {k}" for k, (m, q) in sorted(refs.items())]  # type: ignore[misc]
        lines += [f"@jit(parallel={parallel})",
                  f"def kernel({', '.join(rest)}):",
                  f"    return _template({', '.join(params)})", ""]
        deps = [sys.modules[tref[0]].__file__] + [sys.modules[m].__file__ for m, _ in refs.values()]  # type: ignore[misc]
        mod = importable_source("\n".join(lines), f"bind_{py.__name__}", tuple(str(d) for d in deps))
        kernel = mod.kernel
    else:
        kernel = _bind_in_memory(template, rest, params, parallel, fixed)
    _BOUND[key] = kernel
    return kernel


def _bind_in_memory(template: Any, rest: list[str], params: list[str], parallel: bool,
                    fixed: Mapping[str, Any]) -> Callable[..., Any]:
    from ._jit import jit

    ns: dict[str, Any] = {"_template": template, **fixed}
    src = f"def kernel({', '.join(rest)}):\n    return _template({', '.join(params)})\n"
    exec(compile(src, "<deeprelax bound kernel>", "exec"), ns)  # our own two-line source
    return jit(ns["kernel"], parallel=parallel, cache=False)


# ------------------------------------------------------------------ pickling kernels by name
class KernelRef:
    """A picklable reference to a module-level kernel: re-imported by name where it is unpickled.

    Numba pickles a dispatcher *by value* (its bytecode), so a worker process would rebuild a
    new function object and compile it again, without the disk cache. A ``KernelRef``
    instead names the kernel (``module``, ``name``; for a generated module also its file), so
    the worker imports the very same kernel and loads its machine code from the cache.
    """

    __slots__ = ("module", "name", "path")

    def __init__(self, module: str, name: str, path: str | None = None) -> None:
        self.module, self.name, self.path = module, name, path

    def __reduce__(self) -> tuple[Any, ...]:
        return (KernelRef, (self.module, self.name, self.path))

    def resolve(self) -> Any:
        mod = sys.modules.get(self.module)
        if mod is None:
            if self.module.startswith(GENERATED_PACKAGE + "."):
                short = self.module.split(".", 1)[1]
                path = Path(self.path) if self.path else kernel_dir() / f"{short}.py"
                with _LOCK:
                    mod = _load(path, short)
            else:
                mod = importlib.import_module(self.module)
        return getattr(mod, self.name)


def kernels_by_name(state: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    """A copy of an object's ``__dict__`` with the kernels under ``keys`` replaced by
    :class:`KernelRef` where they are importable by name (for ``__getstate__``)."""
    out = dict(state)
    for k in keys:
        f = out.get(k)
        ref = import_name(f) if hasattr(f, "py_func") else None
        # a script's kernels still travel by value: a worker's __main__ is another program
        if ref is not None and ref[0] != "__main__":
            out[k] = KernelRef(ref[0], ref[1], getattr(sys.modules[ref[0]], "__file__", None))
    return out


def kernels_from_refs(state: dict[str, Any]) -> dict[str, Any]:
    """``state`` with every :class:`KernelRef` value resolved (for ``__setstate__``)."""
    return {k: (v.resolve() if isinstance(v, KernelRef) else v) for k, v in state.items()}
