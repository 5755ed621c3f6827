"""Registries of speed-only kernel variants ("accelerators"), shared by the PDE and SDE rooms.

The maths of each solver lives in one *generic* kernel (plus its numpy twin). A variant
that only runs faster — a threaded loop, a 2-D plane kernel with a contiguous inner loop,
a fused pass — is an :class:`Accelerator`: it declares the problem properties under which
it applies (dimension, grid size, drift, thread count: values the driver computes from the
problem, never object identity or a module flag), whether its results are bitwise or only
round-off equal to the generic kernel's, and where its measured gain is recorded
(``BENCHMARKS.md``). A driver asks its :class:`Registry` for a kernel by *role* and the
problem's properties and runs the generic kernel when nothing applies.

``tests/pde/test_accelerators.py`` and ``tests/sde/test_accelerators.py`` check every
registered accelerator against the generic kernel; their ``no_accelerators`` fixtures
(``Registry.disabled()``) switch a registry off.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

__all__ = ["AtLeast", "Accelerator", "Registry", "EQUALITIES"]

#: How an accelerator's results compare with the generic kernel's.
EQUALITIES = ("bitwise", "roundoff")


@dataclass(frozen=True)
class AtLeast:
    """A requirement ``value >= minimum`` on a numeric property (e.g. the number of cells)."""

    minimum: float

    def __call__(self, value: Any) -> bool:
        return value >= self.minimum

    def __repr__(self) -> str:
        return f">= {self.minimum:g}"


@dataclass(frozen=True)
class Accelerator:
    """A speed-only variant of a generic kernel.

    Attributes
    ----------
    name : str
        Short label (shown in tests and benchmarks).
    requires : mapping of str to tuple or callable
        Declared problem properties: a tuple of allowed values, or a predicate
        (e.g. :class:`AtLeast`). Every property must hold.
    kernels : mapping of str to callable
        Role -> kernel, each with the generic kernel's signature for that role.
    equality : {"bitwise", "roundoff"}
        Whether the results equal the generic kernel's bit for bit or to round-off.
    gain : str
        The measured gain and where it is recorded.
    """

    name: str
    requires: Mapping[str, Any]
    kernels: Mapping[str, Callable[..., Any]]
    equality: str
    gain: str = ""

    def __post_init__(self) -> None:
        if self.equality not in EQUALITIES:
            raise ValueError(f"equality must be one of {EQUALITIES}, got {self.equality!r}")

    def applies(self, props: Mapping[str, Any]) -> bool:
        """Whether every declared requirement holds for the problem properties ``props``."""
        for key, req in self.requires.items():
            # a driver that forgets a property fails loudly instead of silently matching
            if key not in props:
                raise KeyError(f"accelerator {self.name!r} requires property {key!r}, which the driver did not give")
            value = props[key]
            ok = req(value) if callable(req) else value in req
            if not ok:
                return False
        return True


@dataclass
class Registry:
    """Accelerators of one solver, in order of preference."""

    name: str
    properties: tuple[str, ...]
    accelerators: list[Accelerator] = field(default_factory=list)
    enabled: bool = True

    def register(self, acc: Accelerator) -> Accelerator:
        unknown = set(acc.requires) - set(self.properties)
        if unknown:
            raise ValueError(f"{acc.name}: unknown properties {sorted(unknown)} for registry {self.name!r}")
        self.accelerators.append(acc)
        return acc

    def select(self, role: str, props: Mapping[str, Any]) -> Accelerator | None:
        """The first accelerator providing ``role`` that applies to ``props`` (None when disabled)."""
        if not self.enabled:
            return None
        # first match in registration order wins: register the narrower variant first
        for acc in self.accelerators:
            if role in acc.kernels and acc.applies(props):
                return acc
        return None

    def kernel(self, role: str, props: Mapping[str, Any], generic: Callable[..., Any]) -> Callable[..., Any]:
        """The selected accelerator's kernel for ``role``, else ``generic``."""
        acc = self.select(role, props)
        return generic if acc is None else acc.kernels[role]

    @contextmanager
    def disabled(self) -> Iterator[None]:
        """Run the generic kernels only (tests, debugging)."""
        old = self.enabled
        self.enabled = False
        try:
            yield
        finally:
            self.enabled = old
