"""Registered accelerators of the optimizer core: fused Numba kernels for host float64 arrays.

The optimizer core is array-API code (numpy, cupy, ``array_api_strict``): each update
rule is written once, generically, in :mod:`._transforms` (the SGD and Adam transforms)
and :mod:`._inner` (the Entropy-SGD inner step). On numpy those generic updates make one
pass over memory per elementwise operation plus a temporary per operation; at d = 10⁶
that costs 5–20× a single fused pass. An *accelerator* here is that same update fused
into one loop, registered for the rule it replaces with

- the **condition** under which it applies, from declared properties of the operands
  (numpy arrays, float64, C-contiguous, Numba's JIT enabled), never object identity or a
  module flag;
- its **equality** with the generic rule: ``"bitwise"`` (same IEEE operations in the same
  order, no FMA contraction since ``fastmath`` is off), checked by
  ``tests/optim/test_accel.py`` for every registered accelerator;
- its measured gain (``BENCHMARKS.md``, optimizer section).

Drivers call :func:`find`; when nothing applies (cupy, float32, ``NUMBA_DISABLE_JIT=1``,
or inside :func:`disabled`, the test fixture's switch) the generic rule runs.

Kernels are serial loops over a flat index: each element's update is independent, so the
result does not depend on chunking, and a serial loop is already memory-bound at
d = 10⁶ on one core (a second thread would compete with the caller's BLAS/gradient work).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from .._core import jit

__all__ = [
    "Accelerator",
    "register",
    "find",
    "registered",
    "disabled",
    "InnerScalars",
    "host_float64",
    "sgd_kernel",
    "adam_kernel",
    "inner_step_kernel",
    "SKIP",
    "START",
    "AVERAGE",
]


@dataclass(frozen=True)
class Accelerator:
    """A fused replacement of one generic update rule.

    Attributes
    ----------
    rule : str
        The generic rule it replaces (``"sgd"``, ``"adam"``, ``"inner_step"``).
    name : str
    condition : str
        When it applies, in words (the predicate is ``applies``).
    equality : {"bitwise", "roundoff"}
        How its results compare with the generic rule's (tested).
    applies : callable
        ``applies(*operands) -> bool`` on the rule's array operands.
    run : callable
        Same arguments and results as the generic rule's entry point.
    note : str
        What ``equality`` does not cover (e.g. a diagnostic summed in another order).
    """

    rule: str
    name: str
    condition: str
    equality: str
    applies: Callable[..., bool]
    run: Callable[..., Any]
    note: str = ""


_REGISTRY: dict[str, list[Accelerator]] = {}
_ENABLED: ContextVar[bool] = ContextVar("deeprelax_optim_accelerators", default=True)


def register(acc: Accelerator) -> Accelerator:
    """Add ``acc`` to the registry (first registered, first tried)."""
    if acc.equality not in ("bitwise", "roundoff"):
        raise ValueError(f"equality must be 'bitwise' or 'roundoff', got {acc.equality!r}")
    _REGISTRY.setdefault(acc.rule, []).append(acc)
    return acc


def registered() -> list[Accelerator]:
    """Every registered accelerator (for the parametrised equality test)."""
    return [a for accs in _REGISTRY.values() for a in accs]


def find(rule: str, *operands: Any) -> Accelerator | None:
    """The first accelerator of ``rule`` whose condition holds for ``operands``, else ``None``."""
    if not _ENABLED.get():
        return None
    for acc in _REGISTRY.get(rule, ()):
        if acc.applies(*operands):
            return acc
    return None


@contextlib.contextmanager
def disabled() -> Iterator[None]:
    """Run the generic rules only, inside the ``with`` block (the tests' switch)."""
    token = _ENABLED.set(False)
    try:
        yield
    finally:
        _ENABLED.reset(token)


def _jit_enabled() -> bool:
    from numba.core import config

    return not config.DISABLE_JIT


def host_float64(*operands: Any) -> bool:
    """The declared condition of every kernel here: numpy float64 C-contiguous operands of one size.

    ``None`` operands (absent buffers) are skipped. Under ``NUMBA_DISABLE_JIT=1`` the
    kernels would be Python loops, so the condition fails and the generic rule runs.
    """
    arrays = [a for a in operands if a is not None]
    if not arrays or not _jit_enabled():
        return False
    if not all(type(a) is np.ndarray and a.dtype == np.float64 and a.flags.c_contiguous for a in arrays):
        return False
    return all(a.size == arrays[0].size for a in arrays)


# ---------------------------------------------------------------------------------------
# Kernels. Every line mirrors one array operation of the generic rule, in the same order
# and association, so that the results are bitwise equal (no fastmath: no FMA, no
# reassociation). Absent buffers are passed as empty arrays.
# ---------------------------------------------------------------------------------------


@jit
def sgd_kernel(x: np.ndarray, g: np.ndarray, v: np.ndarray, lr: float, momentum: float,
               nesterov: bool, weight_decay: float) -> None:  # pragma: no cover - jitted
    """x ← x − η d in place: SGD with L2 decay and PyTorch-convention momentum, one pass.

    g̃ = ĝ + λx; v ← m v + g̃; d = g̃ + m v (Nesterov) or v (heavy ball) or g̃ (m = 0).
    ``v`` (updated in place) is empty when m = 0. The common cases get their own
    branch-free loops so that LLVM vectorises them.
    """
    neg_lr = -lr  # the generic chain scales by −η, then adds: x + (−η)d
    n = x.size
    # in place, as torch.optim: read x and g, write x (the memory traffic of one daxpy)
    if weight_decay == 0.0 and momentum == 0.0:
        for i in range(n):
            x[i] = x[i] + neg_lr * g[i]
    elif weight_decay == 0.0 and not nesterov:
        for i in range(n):
            vi = v[i] * momentum + g[i]   # generic: v *= m; v += g̃
            v[i] = vi
            x[i] = x[i] + neg_lr * vi
    elif weight_decay == 0.0:
        for i in range(n):
            gi = g[i]
            vi = v[i] * momentum + gi
            v[i] = vi
            x[i] = x[i] + neg_lr * (gi + momentum * vi)   # Nesterov's look-ahead g̃ + m v
    else:   # with L2 decay: the general loop (rare in the hot path)
        for i in range(n):
            xi = x[i]
            gi = g[i] + weight_decay * xi
            if momentum != 0.0:
                vi = v[i] * momentum + gi
                v[i] = vi
                d = gi + momentum * vi if nesterov else vi
            else:
                d = gi
            x[i] = xi + neg_lr * d


@jit
def adam_kernel(x: np.ndarray, g: np.ndarray, mu: np.ndarray, nu: np.ndarray, lr: float, b1: float,
                b2: float, eps: float, c1: float, c2: float,
                weight_decay: float) -> None:  # pragma: no cover - jitted
    """x ← x − η m̂/(√v̂ + ε) in place, Adam (arXiv:1412.6980, Alg. 1) in one pass; μ, ν in place.

    m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g², m̂ = m/c₁, v̂ = v/c₂ with the bias
    corrections c₁ = 1 − β₁ᵗ, c₂ = 1 − β₂ᵗ computed once by the caller (as the generic rule).
    """
    neg_lr = -lr
    w1 = 1.0 - b1   # the same Python-float expressions as the generic rule, so bitwise equal
    w2 = 1.0 - b2
    for i in range(x.size):
        xi = x[i]
        gi = g[i]
        if weight_decay != 0.0:
            gi = gi + weight_decay * xi
        mi = mu[i] * b1 + w1 * gi          # generic: mu *= β₁; mu += (1 − β₁)g
        ni = nu[i] * b2 + w2 * (gi * gi)   # generic: nu *= β₂; nu += (1 − β₂)(g g)
        mu[i] = mi
        nu[i] = ni
        # ε outside the root (Alg. 1); m̂/(√v̂ + ε) evaluated in the generic rule's order
        x[i] = xi + neg_lr * ((mi / c1) / (np.sqrt(ni / c2) + eps))


#: Phases of the running average in one inner step (named codes shared with ``_inner``):
#: before the burn-in k ends, at step k (μ_k = x′_k), after it.
SKIP, START, AVERAGE = 0, 1, 2


class InnerScalars(NamedTuple):
    """The scalars of one Entropy-SGD inner step (one typed record for the kernel).

    ``c1 = 1 − η′γ`` (the fused coupling of the plain step), ``keep = 1 − α``.
    ``plain``: no inner momentum and no weight decay, so δ ← c₁δ − η′ĝ.
    """

    lr: float
    gamma: float
    c1: float
    sigma: float
    keep: float
    momentum: float
    weight_decay: float
    nesterov: bool
    plain: bool


@jit
def inner_step_kernel(p: InnerScalars, x: np.ndarray, xcur: np.ndarray, delta: np.ndarray,
                      m: np.ndarray, v: np.ndarray, g: np.ndarray, xi: np.ndarray,
                      xnext: np.ndarray, phase: int, write_next: bool
                      ) -> tuple[float, float]:  # pragma: no cover - jitted
    """One inner step of Entropy-SGD (Alg. 1 lines 4–6, written on δ = x′ − x), fused.

    δ ← (1 − η′γ)δ − η′ĝ (plain) or δ − η′ d with d from ĝ + γδ (+ λx′, momentum);
    δ += σξ; then the average m = μ − x: ``phase`` SKIP (burn-in), START m = δ,
    AVERAGE m ← (1 − α)(m − δ) + δ; then x′ = x + δ into ``xnext`` (the next evaluation
    point). ``xcur`` is the point ĝ was evaluated at (x at step 1, else ``xnext``).
    Returns ‖δ_old‖² and ‖ĝ‖² (over all replicas' entries) for the coupling diagnostic,
    summed in the same pass (index order: round-off equal to the generic rule's
    ``vecdot``; the state itself is bitwise equal).
    """
    # the record's fields as locals, so that LLVM keeps them in registers
    lr, gamma, c1, sigma, keep = p.lr, p.gamma, p.c1, p.sigma, p.keep
    mom, wd, nesterov, plain = p.momentum, p.weight_decay, p.nesterov, p.plain
    noisy = sigma > 0.0
    # serial sums in index order: deterministic, and hidden behind the memory traffic
    # (7 streams of doubles), so they cost no extra pass as two vecdots would
    s_d = 0.0
    s_g = 0.0
    for i in range(x.size):
        d = delta[i]          # δ_{ℓ−1} = x′ − x at the point ĝ was evaluated
        gi = g[i]
        s_d += d * d
        s_g += gi * gi
        if plain:
            # δ ← δ − η′(ĝ + γδ) = (1 − η′γ)δ − η′ĝ, generic: δ *= c₁; δ −= η′ĝ
            d = d * c1 - lr * gi
        else:
            gg = gi + gamma * d                  # dx′ = ĝ(x′) + γ(x′ − x), Alg. 1 line 4
            if wd != 0.0:
                gg = gg + wd * xcur[i]           # + λx′ (inner-loop decay, the code's)
            if mom != 0.0:
                vi = v[i] * mom + gg             # PyTorch momentum on the whole dx′
                v[i] = vi
                gg = gg + mom * vi if nesterov else vi
            d = d - lr * gg
        if noisy:
            d = d + sigma * xi[i]                # Alg. 1 line 5: + σξ
        delta[i] = d
        if phase == AVERAGE:
            # Alg. 1 line 6, μ ← (1 − α)μ + αx′ on m = μ − x: (1 − α)(m − δ) + δ
            m[i] = (m[i] - d) * keep + d
        elif phase == START:
            m[i] = d                             # μ_k = x′_k after the burn-in
        if write_next:
            xnext[i] = x[i] + d                  # the next evaluation point x′
    return s_d, s_g


#: A placeholder for absent kernel buffers (momentum, noise, average).
EMPTY = np.empty(0)


def flat(a: Any) -> np.ndarray:
    """A 1-D view of a C-contiguous array (replicas ``(n, d)`` run as one flat vector)."""
    return EMPTY if a is None else a.reshape(-1)
