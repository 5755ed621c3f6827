"""Slow numpy twins of the scheme kernels: the test oracle.

Vectorised over paths with the spec's numpy methods (``drift_values``,
``diffusion_factor``), written straight from the equations of each scheme, so a kernel
bug and a twin bug are unlikely to coincide.
"""

from __future__ import annotations

import numpy as np

from ._schemes import get_scheme
from ._spec import SDE

__all__ = ["step_numpy", "integrate_numpy"]


def step_numpy(scheme: str, sde: SDE, x: np.ndarray, dt: float, dW: np.ndarray,
               dZ: np.ndarray | None = None) -> np.ndarray:
    """One step of ``scheme`` for states ``x`` (n, d) with increments ``dW`` (n, m) [``dZ``]."""
    name = get_scheme(scheme).name
    b = sde.drift_values(x)
    g = sde.diffusion_factor(x)  # (n, d, m)
    noise = np.einsum("nij,nj->ni", g, dW)
    if name in ("euler_maruyama", "sgd"):
        return x + b * dt + noise
    if name == "milstein":
        if sde.noise == "additive":
            return x + b * dt + noise
        gd = np.diagonal(g, axis1=1, axis2=2)
        sq = np.sqrt(dt)
        if sde.calculus == "ito":
            gs = np.diagonal(sde.diffusion_factor(x + b * dt + gd * sq), axis1=1, axis2=2)
            return x + b * dt + gd * dW + (gs - gd) * (dW**2 - dt) / (2.0 * sq)
        gp = np.diagonal(sde.diffusion_factor(x + gd * sq), axis1=1, axis2=2)
        gm = np.diagonal(sde.diffusion_factor(x - gd * sq), axis1=1, axis2=2)
        return x + b * dt + gd * dW + (gp - gm) * dW**2 / (4.0 * sq)
    if name == "heun":
        xt = x + b * dt + noise
        bt = sde.drift_values(xt)
        gt = sde.diffusion_factor(xt)
        return x + 0.5 * (b + bt) * dt + 0.5 * np.einsum("nij,nj->ni", g + gt, dW)
    if name == "sra1":
        if dZ is None:
            raise ValueError("sra1 needs dZ")
        h2 = x + 0.75 * b * dt + 1.5 * np.einsum("nij,nj->ni", g, dZ) / dt
        return x + dt * (b / 3.0 + 2.0 * sde.drift_values(h2) / 3.0) + noise
    raise ValueError(name)  # pragma: no cover


def integrate_numpy(scheme: str, sde: SDE, x0: np.ndarray, dt: float, dW: np.ndarray,
                    dZ: np.ndarray | None = None) -> np.ndarray:
    """All states ``(n_steps + 1, n, d)`` from ``x0`` (n, d) driven by ``dW`` (n_steps, n, m)."""
    x = np.array(x0, dtype=np.float64)
    out = [x.copy()]
    for k in range(dW.shape[0]):
        x = step_numpy(scheme, sde, x, dt, dW[k], None if dZ is None else dZ[k])
        out.append(x.copy())
    return np.stack(out)
