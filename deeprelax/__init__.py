"""deeprelax: how SGD explores the loss landscapes of deep networks, simulated and checked.

Rooms (subpackages): :mod:`deeprelax.sde` (SGD as a non-isotropic SDE),
:mod:`deeprelax.pde` (Hamilton–Jacobi, local entropy, Fokker–Planck),
:mod:`deeprelax.optim` (Entropy-SGD and friends, array-API), :mod:`deeprelax.nn`
(PyTorch-free networks), :mod:`deeprelax.data`, :mod:`deeprelax.analysis`, with
:mod:`deeprelax.landscapes` and :mod:`deeprelax.theory` underneath.

References: Chaudhari et al., arXiv:1611.01838 (Entropy-SGD); Chaudhari & Soatto,
arXiv:1710.11029 (SGD performs variational inference); Chaudhari, Oberman, Osher,
Soatto & Carlier, arXiv:1704.04932 (Deep Relaxation).
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_SUBPACKAGES = ("landscapes", "theory", "sde", "pde", "optim", "nn", "data", "analysis")

__all__ = ["__version__", *_SUBPACKAGES]


def __getattr__(name: str) -> Any:
    # Subpackages load on first use, so `import deeprelax` stays cheap.
    if name in _SUBPACKAGES:
        return importlib.import_module(f"deeprelax.{name}")
    raise AttributeError(f"module 'deeprelax' has no attribute {name!r}")
