"""``solve_hj(scheme="etdrk4", reconstruction="spectral")``: exponential RK4 with Fourier derivatives.

On a periodic grid, u_t = L u + N(u) with the linear part L = νΔ integrated exactly in
Fourier space and the nonlinear part N(u) = −½|∇u|² − b(x)·∇u evaluated
pseudo-spectrally (∇u from the trigonometric interpolant, products on the grid; no
de-aliasing: on resolved data the aliasing error of the quadratic term is below the
truncation the 2/3 rule would add — 6e-4 against 4e-3 on a 32² test grid, 1e-6 against
7e-5 on 64² — and the exact e^{hL} damps the high modes; on under-resolved data use
``"eno2"``). Time: the fourth-order
exponential Runge–Kutta scheme ETDRK4 of Cox & Matthews (2002), in the form of Kassam &
Trefethen (2005):

    a = E₂v̂ + Q N̂(v),  b = E₂v̂ + Q N̂(a),  c = E₂â + Q (2N̂(b) − N̂(v)),
    v̂⁺ = E v̂ + f₁ N̂(v) + 2 f₂ (N̂(a) + N̂(b)) + f₃ N̂(c),

E = e^{hL}, E₂ = e^{hL/2}, Q = (h/2) φ₁(hL/2), f₁ = h(φ₁ − 3φ₂ + 4φ₃), f₂ = h(φ₂ − 2φ₃),
f₃ = h(4φ₃ − φ₂) at z = hL, φ_j(z) = Σ_m z^m/(m + j)! (the series near 0, where the closed
forms cancel). For smooth solutions the spatial error is spectral, so on the grids where
the finite-difference schemes are limited by their O(h²) error this one is limited by
its O(dt⁴) time error alone.

Stability: with the frozen-coefficient linearisation N′(u)·w = −(∇u + b)·∇w, a Fourier
mode κ sees the scalar problem v′ = λv + iωv, λ = −ν|κ|², |ω| ≤ Σ_k α_k|κ_k| ≤ |α|·|κ|
(α_k = max |∂_k u + b_k|). ETDRK4's amplification factor R(hλ, ihω) is a polynomial in
ihω with φ-function coefficients; the bound on h is the largest h with |R| ≤ 1 for every
|κ| up to the grid's Nyquist radius (bisection, then verified below it). The damping of
the high modes by the exact e^{hL} lets h exceed the undamped bound 2√2/(|α| κ_max) of
RK4 by an order of magnitude when ν is not small (see :func:`etdrk4_bound`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import scipy.fft

from .._core import SchemeError, jit
from ._grid import Grid

__all__ = ["phi_functions", "etdrk4_amplification", "etdrk4_bound", "make_etd_stepper"]

#: |z| below which φ_j(z) is summed as its Taylor series (the closed forms cancel there).
PHI_SERIES_RADIUS = 1.0
#: Terms of that series: 1/(30 + j)! ≈ 4e-33 bounds the truncation at |z| = 1.
PHI_SERIES_TERMS = 30
#: Samples of |κ| in [0, κ_max] when checking |R| ≤ 1.
STABILITY_SAMPLES = 256
#: Relative precision of the bisection for the stability bound (1 %: it is scaled by cfl anyway).
BOUND_RTOL = 1e-2
#: Slack on |R| ≤ 1 (round-off in evaluating R).
STABILITY_SLACK = 1e-12


def phi_functions(z: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """φ₁, φ₂, φ₃ of real z: φ_j(z) = Σ_{m≥0} z^m/(m + j)! = (e^z − Σ_{m<j} z^m/m!)/z^j."""
    shape = np.shape(z)
    z = np.atleast_1d(np.asarray(z, dtype=np.float64))
    small = np.abs(z) < PHI_SERIES_RADIUS
    zb = np.where(small, 1.0, z)  # the closed forms only where they do not cancel
    em1 = np.expm1(zb)
    out = [np.asarray(em1 / zb), np.asarray((em1 - zb) / zb**2), np.asarray((em1 - zb - 0.5 * zb**2) / zb**3)]
    if np.any(small):
        zs = z[small]  # the series on the few points near 0 only
        for j in (1, 2, 3):
            acc = np.zeros_like(zs)
            term = np.full_like(zs, 1.0 / math.factorial(j))
            for m in range(PHI_SERIES_TERMS):
                acc += term
                term = term * zs / (m + 1 + j)
            out[j - 1][small] = acc
    return out[0].reshape(shape), out[1].reshape(shape), out[2].reshape(shape)


def _coefficients(z: np.ndarray) -> tuple[np.ndarray, ...]:
    """E, E₂, Q/h, f₁/h, f₂/h, f₃/h of ETDRK4 at z = hL (dimensionless)."""
    p1, p2, p3 = phi_functions(z)
    q = 0.5 * phi_functions(0.5 * z)[0]
    return np.exp(z), np.exp(0.5 * z), q, p1 - 3.0 * p2 + 4.0 * p3, p2 - 2.0 * p3, 4.0 * p3 - p2


def etdrk4_amplification(z: Any, w: Any) -> np.ndarray:
    """R(z, w): one ETDRK4 step of v′ = λv + μv is v ← R(hλ, hμ)·v (λ exact, μ explicit)."""
    z = np.asarray(z, dtype=np.float64)
    E, E2, q, F1, F2, F3 = _coefficients(z)
    qw = q * w
    a = E2 + qw
    b = E2 + qw * a
    c = E2 * a + qw * (2.0 * b - 1.0)
    return E + w * (F1 + 2.0 * F2 * (a + b) + F3 * c)


def etdrk4_bound(nu: float, alpha_norm: float, kappa_max: float) -> float:
    """Largest h with |R(−hν|κ|², ih|α||κ|)| ≤ 1 for all |κ| ≤ κ_max (frozen-coefficient bound).

    Bisection between the undamped RK4 bound 2√2/(|α|κ_max) (always stable) and a
    hundred times it; the result is then checked at smaller h, and the undamped bound
    returned if any of those fails (the stable set need not be an interval).
    """
    if alpha_norm == 0.0:
        return math.inf
    kappa = np.linspace(0.0, kappa_max, STABILITY_SAMPLES + 1)[1:]

    def stable(h: float) -> bool:
        r = etdrk4_amplification(-h * nu * kappa**2, 1j * h * alpha_norm * kappa)
        return bool(np.max(np.abs(r)) <= 1.0 + STABILITY_SLACK)

    # RK4 is stable on the imaginary axis up to |hω| = 2√2: with ν = 0, E = 1 and R is RK4's
    lo = 2.0 * math.sqrt(2.0) / (alpha_norm * kappa_max)
    if nu == 0.0 or not stable(lo):
        return lo
    hi = 100.0 * lo
    if stable(hi):
        return hi
    for _ in range(40):
        mid = math.sqrt(lo * hi)  # bisection in log h: the bracket spans a factor of 100
        lo, hi = (mid, hi) if stable(mid) else (lo, mid)
        if hi / lo < 1.0 + BOUND_RTOL:
            break
    if not all(stable(s * lo) for s in (0.2, 0.4, 0.6, 0.8)):
        return 2.0 * math.sqrt(2.0) / (alpha_norm * kappa_max)
    return lo


# Fused elementwise steps of ETDRK4 on the (flattened) Fourier coefficients: one pass each
# instead of three to six numpy temporaries (E, E₂, Q, f₁..f₃ are real, v̂ and N̂ complex).
@jit
def _etd_stage(e, v, q, n, out):
    """out = e·v + q·n (the a and b stages: E₂v̂ + Q N̂)."""
    for i in range(v.shape[0]):
        out[i] = e[i] * v[i] + q[i] * n[i]


@jit
def _etd_stage_c(e, a, q, nb, nv, out):
    """out = e·a + q·(2 nb − nv) (the c stage)."""
    for i in range(a.shape[0]):
        out[i] = e[i] * a[i] + q[i] * (2.0 * nb[i] - nv[i])


@jit
def _etd_update(e, v, f1, nv, f2x2, na, nb, f3, nc):
    """v ← e·v + f₁ nv + 2f₂ (na + nb) + f₃ nc, in place (the ETDRK4 update)."""
    for i in range(v.shape[0]):
        v[i] = e[i] * v[i] + f1[i] * nv[i] + f2x2[i] * (na[i] + nb[i]) + f3[i] * nc[i]


class _SpectralETDRK4:
    """ETDRK4 in Fourier space with a pseudo-spectral N (state kept as v̂ within a chunk)."""

    kernel_name = "spectral"
    rhs_per_step = 4
    solves_per_step = 4  # transform round trips, one per N evaluation

    def __init__(self, grid: Grid, u3: np.ndarray, nu: float, drift3: np.ndarray, has_drift: bool) -> None:
        if not all(grid.periodic):
            raise SchemeError(
                f"`reconstruction='spectral'` needs a periodic grid (Fourier series), got periodic={grid.periodic}; "
                "use reconstruction='eno2' on reflecting axes"
            )
        d = grid.ndim
        self.shape, self.axes, self.nu = tuple(grid.shape), tuple(range(d)), nu
        kap = [2.0 * np.pi * np.fft.fftfreq(n, h) for n, h in zip(grid.shape, grid.spacing)]
        kap[-1] = kap[-1][: grid.shape[-1] // 2 + 1]  # rfftn keeps half of the last axis
        # for even n fftfreq lists the Nyquist frequency as −n/2; in rfftn's half it is +n/2
        kap[-1] = np.abs(kap[-1])
        grids = np.meshgrid(*kap, indexing="ij", sparse=True)
        # ∂_k of the interpolant: iκ_k, with the Nyquist mode's derivative set to 0 (it is not real)
        self.deriv = []
        for k, (n, kk) in enumerate(zip(grid.shape, grids)):
            mult = 1j * kk
            if n % 2 == 0:
                mult = np.where(np.isclose(np.abs(kk), np.pi * n / grid.lengths[k]), 0.0, mult)
            self.deriv.append(mult)
        self.lam = -nu * sum(kk**2 for kk in grids)  # the Laplacian's symbol −|κ|², times ν
        self.b = [drift3[..., k].reshape(self.shape) for k in range(d)] if has_drift else None
        # α_k = max |∂_k u + b_k| from the spectral gradient of f (no drift: it does not grow)
        grad = self._grad(scipy.fft.rfftn(u3.reshape(self.shape)))
        alpha = np.array([np.abs(g).max() for g in grad])
        if self.b is not None:
            alpha = alpha + np.array([np.abs(b).max() for b in self.b])
        kappa_max = math.pi * math.sqrt(sum(1.0 / h**2 for h in grid.spacing))
        self.bound = etdrk4_bound(nu, float(np.linalg.norm(alpha)), kappa_max)
        self._coef: dict[float, tuple[np.ndarray, ...]] = {}

    def _grad(self, v: np.ndarray) -> list[np.ndarray]:
        # ∂_k u = F⁻¹(iκ_k v̂); the product is a fresh temporary, so the inverse FFT may overwrite it
        return [scipy.fft.irfftn(m * v, s=self.shape, axes=self.axes, overwrite_x=True) for m in self.deriv]

    def _n_hat(self, v: np.ndarray) -> np.ndarray:
        # N(u) = −½|∇u|² − b·∇u on the grid, back to Fourier space
        g = self._grad(v)
        n = g[0] * g[0]
        for gk in g[1:]:
            n += gk * gk
        n *= -0.5
        if self.b is not None:
            for bk, gk in zip(self.b, g):
                n -= bk * gk
        return scipy.fft.rfftn(n, axes=self.axes)

    def _coefficients(self, h: float) -> tuple[np.ndarray, ...]:
        c = self._coef.get(h)
        if c is None:
            if len(self._coef) > 4:
                self._coef.clear()
            E, E2, q, F1, F2, F3 = _coefficients(h * self.lam)
            c = self._coef[h] = tuple(np.ascontiguousarray(x).ravel()
                                      for x in (E, E2, h * q, h * F1, 2.0 * h * F2, h * F3))
        return c

    def advance(self, u3: np.ndarray, n: int, dt: float) -> np.ndarray:
        E, E2, Q, f1, f2x2, f3 = self._coefficients(dt)
        v = scipy.fft.rfftn(u3.reshape(self.shape))
        shp = v.shape
        a, b, c = (np.empty(v.size, dtype=np.complex128) for _ in range(3))
        vf = v.reshape(-1)
        for _ in range(n):
            nv = self._n_hat(vf.reshape(shp)).reshape(-1)
            _etd_stage(E2, vf, Q, nv, a)
            na = self._n_hat(a.reshape(shp)).reshape(-1)
            _etd_stage(E2, vf, Q, na, b)
            nb = self._n_hat(b.reshape(shp)).reshape(-1)
            _etd_stage_c(E2, a, Q, nb, nv, c)
            nc = self._n_hat(c.reshape(shp)).reshape(-1)
            _etd_update(E, vf, f1, nv, f2x2, na, nb, f3, nc)
        return np.ascontiguousarray(scipy.fft.irfftn(vf.reshape(shp), s=self.shape).reshape(u3.shape))


def make_etd_stepper(sch: Any, prob: Any, nu: float) -> _SpectralETDRK4:
    """The stepper of ``scheme="etdrk4"``, which pairs with ``reconstruction="spectral"`` (and only it)."""
    rec = {v: k for k, v in _reconstructions().items()}[prob.op.rec]
    if sch.name != "etdrk4" or rec != "spectral":
        raise SchemeError(
            f"`scheme='etdrk4'` and `reconstruction='spectral'` go together (exponential RK4 with Fourier "
            f"derivatives), got scheme={sch.name!r}, reconstruction={rec!r}; pass both, or an SSP-RK / IMEX "
            "scheme with 'upwind1' or 'eno2'"
        )
    return _SpectralETDRK4(prob.grid, prob.u3, nu, prob.op.drift, prob.op.has_drift)


def _reconstructions() -> dict[str, int]:
    from ._hj import RECONSTRUCTIONS

    return RECONSTRUCTIONS
