"""The accelerator registry of the PDE room: :mod:`deeprelax._core._accel` (shared with ``sde``)."""

from __future__ import annotations

from .._core._accel import EQUALITIES, Accelerator, AtLeast, Registry

__all__ = ["AtLeast", "Accelerator", "Registry", "EQUALITIES"]
