"""``deeprelax warmup``: compile the standard kernels once, into the disk cache.

Every kernel of deeprelax is cached on disk (``NUMBA_CACHE_DIR``), and kernels specialised
on a landscape are generated as importable modules so the cache applies to them too
(:mod:`deeprelax._core._codegen`). The first process still pays the compile; this command
pays it ahead of time (after an install, in a container build, before a cluster run), so
the experiments' first calls only load machine code.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from .. import landscapes
from ._integrate import sdeint
from ._spec import langevin

__all__ = ["warmup", "WARMUP_TASKS"]


def _catalogue() -> list[landscapes.Landscape]:
    return [landscapes.quadratic(np.eye(2)), landscapes.double_well(2), landscapes.muller_brown(),
            landscapes.sharp_wide(), landscapes.relaxation_1d(), landscapes.example19(1.0).potential]


def _landscape_batches() -> None:
    """f, ∇f, ∇²f over a batch (serial and parallel row loops) for every catalogue landscape."""
    from ..landscapes._base import PARALLEL_MIN_ROWS

    for f in _catalogue():
        # both bindings of the batch loops: serial below PARALLEL_MIN_ROWS, parallel from it
        for n in (2, PARALLEL_MIN_ROWS):
            x = np.zeros((n, f.dim))
            f.value(x), f.grad(x)
            if f.hess_kernel is not None:
                f.hess(x)
    ex19 = landscapes.example19(1.0)
    for n in (2, PARALLEL_MIN_ROWS):
        ex19(np.zeros((n, 2)))


def _sde_linear() -> None:
    """The Euler–Maruyama accelerators (linear drift, additive noise) at d = 2, 5 and 20."""
    # d = 2: em_linear's scalar path; d = 5: its path-block path; d = 20 ≥ BLAS_MIN_DIM: em_blas
    for d in (2, 5, 20):
        s = langevin(landscapes.quadratic(np.eye(d)), beta=1.0)
        sdeint(s, np.zeros(d), (0.0, 0.02), 0.01, n_paths=4, seed=0)


def _sde_generic() -> None:
    """The generic additive-noise kernel on Example 19 and on the catalogue gradients."""
    sdeint(langevin(landscapes.example19(1.5)), np.zeros(2), (0.0, 0.02), 0.01, n_paths=4, seed=0)
    for f in _catalogue()[1:]:
        sdeint(langevin(f), np.zeros(f.dim), (0.0, 0.02), 0.01, n_paths=4, seed=0)


#: The warm-up tasks, by name, in order.
WARMUP_TASKS: dict[str, Callable[[], None]] = {
    "landscape batches": _landscape_batches,
    "sdeint linear (accelerators)": _sde_linear,
    "sdeint generic (Example 19, catalogue)": _sde_generic,
}


def warmup(verbose: bool = True, extra: dict[str, Callable[[], None]] | None = None) -> dict[str, float]:
    """Compile (or load from the disk cache) the standard kernels; seconds per task.

    ``extra``: more tasks by name (the ``deeprelax warmup`` command adds the PDE solvers,
    which this room may not import). A second call, or a later process, finds everything
    cached: each task then takes well under a second.
    """
    times: dict[str, float] = {}
    for name, task in {**WARMUP_TASKS, **(extra or {})}.items():
        t0 = time.perf_counter()
        task()
        times[name] = time.perf_counter() - t0
        if verbose:
            print(f"{name:42s} {times[name]:7.2f} s", flush=True)
    return times
