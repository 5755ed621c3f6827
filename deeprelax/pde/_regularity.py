"""Regularity diagnostics of Hamilton–Jacobi relaxations: each returns measured and bound.

Every function returns a :class:`RegularityCheck` (the measured number, the bound, the
relation and whether it holds within ``tol``), so reports can show how close to the
bound a solution is, not just a boolean. Statements (Deep Relaxation §3, standard
viscosity-solution facts; see ``shared/PAPERS.md`` §3.2):

- semiconcavity: ∇²u(·, t) ≤ I/t (viscous: ∇²u = I/t − βt⁻²Cov_{ρ_x}; Hopf–Lax:
  u − |x|²/2t is concave);
- Lipschitz: Lip(u(·, t)) ≤ Lip(f);
- bounds: inf f ≤ u ≤ G ∗ f (viscous, Jensen) and u ≤ f (non-viscous);
- monotonicity in t of the non-viscous solution;
- rate of Cole–Hopf → Hopf–Lax as β → ∞: u_β − u_∞ = (1/2β) log det(I + t∇²f(y*)) +
  o(1/β), so the sup-error decays like β⁻¹;
- comparison principle: f₁ ≤ f₂ ⇒ u₁ ≤ u₂.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.fft

from .._core import (
    NonFiniteError,
    ParameterError,
    ShapeError,
    as_float_array,
    bad_parameter,
    check_float,
    check_int,
    check_positive,
)
from ._cole_hopf import _log_kernel, cole_hopf
from ._grid import Grid, grid_values
from ._hopf_lax import hopf_lax

__all__ = [
    "RegularityCheck",
    "semiconcavity",
    "lipschitz",
    "viscous_bounds",
    "nonviscous_bound",
    "monotone_in_time",
    "viscous_limit_rate",
    "comparison",
    "relaxation_checks",
    "gauss_smooth",
]

def _check_grid(grid: Any) -> Grid:
    if not isinstance(grid, Grid):
        raise bad_parameter("grid", "a deeprelax.pde.Grid", type(grid).__name__, "build one with Grid(bounds, shape)")
    return grid


#: Reference of the Deep Relaxation regularity statements.
REFERENCE = "Chaudhari, Oberman, Osher, Soatto & Carlier 2018 (arXiv:1704.04932), §3"
#: Relative rounding allowance of a check (second differences amplify rounding by h⁻²).
ROUNDING = 1e-9


@dataclass(frozen=True)
class RegularityCheck:
    """A measured quantity against its bound.

    Attributes
    ----------
    name : str
        What is checked.
    measured : float
        The measured value.
    bound : float
        The bound (or the expected value for relation ``"=="``).
    relation : str
        ``"<="``, ``">="`` or ``"=="``.
    tol : float
        Allowed slack (rounding, or the stated tolerance of a fitted rate).
    holds : bool
        Whether ``measured relation bound`` within ``tol``.
    reference : str
        Where the statement comes from.
    note : str
        How it was measured.
    """

    name: str
    measured: float
    bound: float
    relation: str
    tol: float
    holds: bool
    reference: str = REFERENCE
    note: str = ""


def _check(name: str, measured: float, bound: float, relation: str, tol: float, note: str) -> RegularityCheck:
    m, b = float(measured), float(bound)
    if relation == "<=":
        ok = m <= b + tol
    elif relation == ">=":
        ok = m >= b - tol
    else:
        ok = abs(m - b) <= tol
    return RegularityCheck(name, m, b, relation, float(tol), bool(ok and np.isfinite(m)), REFERENCE, note)


def _interior(grid: Grid, margin: int) -> tuple[slice, ...]:
    return tuple(slice(None) if p else slice(margin, n - margin) for n, p in zip(grid.shape, grid.periodic))


def semiconcavity(u: Any, grid: Grid, t: float, margin: int = 1) -> RegularityCheck:
    """Largest eigenvalue of the central-difference ∇²u against 1/t.

    ``margin`` cells next to a reflecting edge are left out (one-sided stencils there).
    """
    _check_grid(grid)
    t = check_positive("t", t)
    margin = check_int("margin", margin, low=0, high=max(0, min(grid.shape) // 2 - 1),
                       fix="pass a margin that leaves interior cells on every reflecting axis")
    hess = grid.hessian(grid.check_values("u", u))[_interior(grid, margin)]
    lam = float(np.max(np.linalg.eigvalsh(hess)))
    tol = ROUNDING * max(1.0, float(np.max(np.abs(u)))) / min(grid.spacing) ** 2
    return _check("semiconcavity: max eig of the discrete Hessian of u(., t) <= 1/t", lam, 1.0 / t, "<=", tol,
                  "central differences, interior cells")


def _lip(v: np.ndarray, grid: Grid) -> float:
    out = 0.0
    for k, h in enumerate(grid.spacing):
        dv = np.diff(v, axis=k)
        out = max(out, float(np.max(np.abs(dv))) / h)
        if grid.periodic[k]:
            wrap = np.take(v, [0], axis=k) - np.take(v, [-1], axis=k)
            out = max(out, float(np.max(np.abs(wrap))) / h)
    return out


def lipschitz(u: Any, f: Any, grid: Grid) -> RegularityCheck:
    """The discrete Lipschitz constant max_k max |Δ_k u|/h_k of u(·, t) against that of f."""
    _check_grid(grid)
    uv = grid.check_values("u", u)
    fv = grid_values(f, grid)
    lu, lf = _lip(uv, grid), _lip(fv, grid)
    return _check("Lipschitz constant of u(., t) <= that of f", lu, lf, "<=", ROUNDING * max(1.0, lf),
                  "max one-sided difference quotient per axis")


def gauss_smooth(values: Any, grid: Grid, sigma2: float) -> tuple[np.ndarray, np.ndarray]:
    """Σ_y h^d G_σ(x − y) v(y) and the total weight W(x) = Σ_y h^d G_σ(x − y) (plain FFT convolution)."""
    _check_grid(grid)
    v = grid.check_values("values", values)
    sigma2 = check_positive("sigma2", sigma2, "the kernel variance sigma2 (t/beta) is > 0")
    w = np.ones_like(v)
    for k, (n, h) in enumerate(zip(grid.shape, grid.spacing)):
        g = np.exp(_log_kernel(n, h, sigma2, grid.periodic[k]))
        if grid.periodic[k]:
            ker, nfft = g, n
        else:
            # untruncated kernel (all n lags): padding to ≥ 2n − 1 makes the FFT product a
            # linear convolution with no wrap-around
            nfft = scipy.fft.next_fast_len(2 * n - 1, real=True)
            ker = np.zeros(nfft)
            ker[:n] = g
            ker[nfft - n + 1:] = g[:0:-1]
        spec = scipy.fft.rfft(ker)
        shape = [1] * v.ndim
        shape[k] = spec.size
        spec = spec.reshape(shape)
        v = np.take(scipy.fft.irfft(scipy.fft.rfft(v, nfft, axis=k) * spec, nfft, axis=k), range(n), axis=k)
        w = np.take(scipy.fft.irfft(scipy.fft.rfft(w, nfft, axis=k) * spec, nfft, axis=k), range(n), axis=k)
    return v, w


def viscous_bounds(u: Any, f: Any, grid: Grid, t: float, beta: float) -> tuple[RegularityCheck, RegularityCheck]:
    """inf f ≤ u ≤ G ∗ f for the viscous solution at time t, as two checks (lower, upper).

    On the grid the kernel weights W(x) = Σ_y h^d G(x − y) are not exactly 1 (the box
    is finite), so the discrete statements are min f − β⁻¹ log W ≤ u ≤
    (G ∗ f)/W − β⁻¹ log W (Jensen for the normalised weights); measured is the largest
    violation, bound 0.
    """
    _check_grid(grid)
    t = check_positive("t", t)
    beta = check_positive("beta", beta)
    uv = grid.check_values("u", u)
    fv = grid_values(f, grid)
    gf, w = gauss_smooth(fv, grid, t / beta)
    logw = np.log(w) / beta
    scale = max(1.0, float(np.max(np.abs(fv))))
    lower = _check("viscous: inf f <= u(., t)", float(np.max(fv.min() - logw - uv)), 0.0, "<=",
                   ROUNDING * scale, "largest violation of min f - log(W)/beta <= u")
    upper = _check("viscous: u(., t) <= G * f (Jensen)", float(np.max(uv - (gf / w - logw))), 0.0, "<=",
                   1e-7 * scale, "largest violation of u <= (G*f)/W - log(W)/beta")
    return lower, upper


def nonviscous_bound(u: Any, f: Any, grid: Grid) -> RegularityCheck:
    """u(·, t) ≤ f for the non-viscous solution: measured max(u − f), bound 0."""
    _check_grid(grid)
    uv = grid.check_values("u", u)
    fv = grid_values(f, grid)
    return _check("non-viscous: u(., t) <= f", float(np.max(uv - fv)), 0.0, "<=",
                  ROUNDING * max(1.0, float(np.max(np.abs(fv)))), "largest value of u - f")


def monotone_in_time(us: Sequence[Any], times: Sequence[float]) -> RegularityCheck:
    """Non-viscous u(·, t) is non-increasing in t: measured max_k max(u_{k+1} − u_k), bound 0."""
    ts = as_float_array("times", times)
    if ts.ndim != 1 or ts.size < 2 or not np.all(np.isfinite(ts)) or np.any(np.diff(ts) <= 0):
        raise bad_parameter("times", "at least 2 increasing finite times", ts.tolist())
    if not isinstance(us, (list, tuple)) and not (isinstance(us, np.ndarray) and us.ndim >= 1):
        raise bad_parameter("us", "a sequence of arrays u(., t_k), one per time", type(us).__name__)
    if len(us) != ts.size:
        raise bad_parameter("us", f"{ts.size} arrays (one per entry of `times`)", f"{len(us)}", cls=ShapeError)
    arrs = [as_float_array("us", x) for x in us]
    if len({a.shape for a in arrs}) != 1 or arrs[0].size == 0:
        raise bad_parameter("us", "non-empty arrays of one common shape", [a.shape for a in arrs], cls=ShapeError)
    arr = np.stack(arrs)
    if not np.all(np.isfinite(arr)):
        raise bad_parameter("us", "finite values", "NaN/inf", cls=NonFiniteError)
    inc = float(np.max(np.diff(arr, axis=0)))
    return _check("non-viscous: u(., t) non-increasing in t", inc, 0.0, "<=",
                  ROUNDING * max(1.0, float(np.max(np.abs(arr)))), "largest increase between output times")


def viscous_limit_rate(f: Any, grid: Grid, t: float, betas: Sequence[float], tol: float = 0.15) -> RegularityCheck:
    """Fitted exponent p of max|u_β − u_∞| ∝ β^{−p} (Cole–Hopf → Hopf–Lax); expected p = 1.

    Keep the βs where σ = √(t/β) spans a few cells; when σ ≪ h the grid sum is no
    longer a Gaussian integral and the gap behaves like β⁻¹ log β.
    """
    _check_grid(grid)
    t = check_positive("t", t)
    tol = check_float("tol", tol, low=0.0, low_inclusive=False)
    b = as_float_array("betas", betas)
    if b.ndim != 1 or b.size < 2 or not np.all(np.isfinite(b)) or np.any(b <= 0) or b.size > 64:
        raise bad_parameter("betas", "2 to 64 positive finite values", b.tolist())
    hl = hopf_lax(f, grid, t).u
    err = np.array([np.max(np.abs(cole_hopf(f, grid, t, float(bb), gradient=False).u - hl)) for bb in b])
    p = -np.polyfit(np.log(b), np.log(err), 1)[0]
    note = f"sup|u_beta - u_HL| for beta = {list(np.round(b, 6))}: {list(np.round(err, 8))}"
    return _check("viscous -> non-viscous: rate p of sup|u_beta - u_HL| ~ beta^-p", p, 1.0, "==", tol, note)


def comparison(u1: Any, u2: Any, f1: Any, f2: Any, grid: Grid) -> RegularityCheck:
    """Comparison principle: f₁ ≤ f₂ ⇒ u₁ ≤ u₂. Measured max(u₁ − u₂), bound 0."""
    _check_grid(grid)
    a, b = grid_values(f1, grid, "f1"), grid_values(f2, grid, "f2")
    if np.max(a - b) > 0:
        raise ParameterError(f"`f1` must be <= `f2` everywhere, got max(f1 - f2) = {np.max(a - b):.3g}; "
                             "swap them or pass ordered initial data")
    v1, v2 = grid.check_values("u1", u1), grid.check_values("u2", u2)
    return _check("comparison principle: f1 <= f2 implies u1 <= u2", float(np.max(v1 - v2)), 0.0, "<=",
                  ROUNDING * max(1.0, float(np.max(np.abs(v2)))), "largest value of u1 - u2")


def relaxation_checks(f: Any, grid: Grid, t: float, beta: float,
                      betas: Sequence[float] | None = None) -> list[RegularityCheck]:
    """Every diagnostic above for f at time t (viscous at β and non-viscous), as a list."""
    _check_grid(grid)
    t = check_positive("t", t)
    beta = check_positive("beta", beta)
    fv = grid_values(f, grid)
    ch = cole_hopf(fv, grid, t, beta, gradient=False).u
    hl = hopf_lax(fv, grid, t).u
    hl_half = hopf_lax(fv, grid, 0.5 * t).u
    # bump ∈ [0, 0.2], so f ≤ f + bump everywhere, as comparison() requires
    bump = 0.1 * (1.0 + np.cos(np.linspace(0.0, math.pi, fv.size))).reshape(fv.shape)
    ch2 = cole_hopf(fv + bump, grid, t, beta, gradient=False).u
    if betas is None:
        h = min(grid.spacing)
        beta_max = t / (4.0 * h) ** 2  # σ ≥ 4h
        betas = np.geomspace(beta_max / 30.0, beta_max, 4)
    checks = [
        semiconcavity(ch, grid, t),
        semiconcavity(hl, grid, t),
        lipschitz(ch, fv, grid),
        lipschitz(hl, fv, grid),
        *viscous_bounds(ch, fv, grid, t, beta),
        nonviscous_bound(hl, fv, grid),
        monotone_in_time([fv, hl_half, hl], [0.0, 0.5 * t, t]),
        viscous_limit_rate(fv, grid, t, betas),
        comparison(ch, ch2, fv, fv + bump, grid),
    ]
    tags = ["viscous", "non-viscous", "viscous", "non-viscous", "", "", "", "", "", "viscous"]
    return [c if not tag or tag in c.name else _retag(c, tag) for c, tag in zip(checks, tags)]


def _retag(c: RegularityCheck, tag: str) -> RegularityCheck:
    return RegularityCheck(f"{tag}: {c.name}", c.measured, c.bound, c.relation, c.tol, c.holds, c.reference, c.note)
