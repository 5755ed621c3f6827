"""Fokker–Planck on a grid: a conservative finite-volume operator, stationary and transient solves.

For an Itô SDE dx = b dt + g dW with diffusion tensor a = ½ggᵀ (the
:class:`deeprelax.sde.SDE` spec), the density obeys

    ∂ρ/∂t = −∇·J,   J = bρ − ∇·(aρ),   (∇·(aρ))_k = Σ_j ∂_j(a_kj ρ),

i.e. ∂ρ/∂t = ∇·(∇f ρ + β⁻¹∇·(Dρ)) for Langevin/SGD (b = −∇f, a = β⁻¹D).

Discretisation (cell-centred finite volumes; fluxes on the faces between cells):

- along the face normal k, the advection–diffusion part J_k = bₖρ − ∂_k(a_kk ρ) is the
  Scharfetter–Gummel (exponential-fitting) flux in w = a_kk ρ,
  J = h⁻¹[B(−P) w_L − B(P) w_R], B(z) = z/(eᶻ − 1), P = h bₖ/a_kk at the face. When the
  drift has a known potential Ψ (b = −∇Ψ + r: ``sde.landscape`` or the field's
  ``potential``), h bₖ is replaced by −(Ψ_R − Ψ_L) + h rₖ, which makes the flux of
  e^{−βΨ} vanish *exactly* for a = β⁻¹I (the discrete Gibbs state is exact);
- the cross terms −∂_j(a_kj ρ), j ≠ k, use the pair of one-sided differences chosen by
  the sign of a_kj (a seven-point mixed stencil, non-negative for diagonally dominant a);
- reflecting boundaries have zero flux on the boundary faces; periodic axes wrap.

So the operator conserves mass exactly (column sums of the matrix vanish), and when its
off-diagonal entries are ≥ 0 (always for diagonal a; for full a when it is diagonally
dominant and the cell Péclet numbers are moderate — reported as ``monotone``) implicit
Euler keeps ρ ≥ 0 and decreases KL(ρ‖ρˢˢ) at every step. The probability current is the
scheme's own face fluxes, so its discrete divergence equals the residual of the
stationary solve.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from .._core import (
    NonFiniteError,
    NotPSDError,
    ParameterError,
    ShapeError,
    Status,
    bad_parameter,
    check_bool,
    check_choice,
    check_int,
    check_positive,
)
from ._grid import Grid

__all__ = [
    "FPOperator",
    "fp_operator",
    "StationaryFPResult",
    "stationary_fp",
    "FPResult",
    "solve_fp",
    "ForceSplit",
    "force_split",
    "free_energy",
    "bernoulli",
    "FP_SCHEMES",
]

#: Transient schemes (both factorise one matrix per step size: TR-BDF2's two stages share it).
FP_SCHEMES = ("implicit_euler", "tr_bdf2")
#: Stationary solvers.
FP_METHODS = ("direct", "gmres")
#: Relative tolerance of the iterative stationary solve.
GMRES_RTOL = 1e-12
#: Negative diffusion eigenvalues below this fraction of the largest count as not PSD.
PSD_RTOL = 1e-10
#: Default number of implicit steps of a transient solve when ``dt`` is not given.
DEFAULT_FP_STEPS = 200
#: Default cap on the implicit steps of a transient solve (each is a sparse triangular solve).
DEFAULT_FP_MAX_STEPS = 100_000


def bernoulli(z: Any) -> np.ndarray:
    """B(z) = z/(eᶻ − 1), evaluated without overflow or cancellation (B(0) = 1)."""
    z = np.asarray(z, dtype=np.float64)
    out = np.empty_like(z)
    small = np.abs(z) < 1e-8
    big = z > 700.0
    neg = z < -700.0
    mid = ~(small | big | neg)
    # |z| < 1e-8: B(z) = 1 − z/2 + z²/12 − …, the z² term is below round-off
    out[small] = 1.0 - 0.5 * z[small]
    # z > 700: eᶻ would overflow past 709.8; B(z) = z e^{−z}/(1 − e^{−z}) and e^{−z} ≈ 0
    out[big] = z[big] * np.exp(-z[big])
    # z < −700: eᶻ ≈ 0, so B(z) = −z to double precision
    out[neg] = -z[neg]
    # expm1 avoids the cancellation in eᶻ − 1 for small |z|
    out[mid] = z[mid] / np.expm1(z[mid])
    return out


def _potential(sde: Any) -> Any:
    """The landscape Ψ with b = −∇Ψ + r, when the spec knows one (else None)."""
    if getattr(sde, "landscape", None) is not None:
        return sde.landscape
    field = getattr(sde, "field", None)
    if field is not None and getattr(field, "potential", None) is not None:
        return field.potential
    return None


def _check_sde(sde: Any, grid: Any) -> None:
    """``sde`` must be an SDE spec of the grid's dimension (duck-typed: pde does not import sde)."""
    if not isinstance(grid, Grid):
        raise bad_parameter("grid", "a deeprelax.pde.Grid", type(grid).__name__, "build one with Grid(bounds, shape)")
    needed = ("dim", "ito_drift_values", "diffusion_tensor")
    if not all(hasattr(sde, a) for a in needed):
        got = "None" if sde is None else f"a {type(sde).__name__}"
        raise bad_parameter("sde", "a deeprelax.sde.SDE (with dim, ito_drift_values and diffusion_tensor)", got,
                            "build one with deeprelax.sde.langevin(landscape, beta=...)")
    if int(sde.dim) != grid.ndim:
        raise bad_parameter("sde", f"an SDE of dimension {grid.ndim} (the grid's)", f"dimension {sde.dim}",
                            cls=ShapeError)


def resolve_beta(sde: Any, beta: Any) -> float:
    """β of Φ = −β⁻¹ log ρ: ``beta`` when given, else ``sde.beta``; never a silent default.

    (a(x) itself comes from the spec's ``diffusion_tensor``; β only scales Φ and F.)
    """
    if beta is not None:
        return check_positive("beta", beta, "the inverse temperature of Phi = -log(rho)/beta is > 0")
    sb = getattr(sde, "beta", None)
    if sb is None:
        raise bad_parameter("beta", "given when the SDE has no inverse temperature", "beta=None and sde.beta=None",
                            "pass beta=... (the beta of Phi = -log(rho)/beta), or build the SDE with "
                            "sde.langevin(landscape, beta=...)")
    return check_positive("beta", sb, "sde.beta must be a positive number")


def _check_operator(operator: Any, grid: Grid) -> None:
    if not isinstance(operator, FPOperator):
        raise bad_parameter("operator", "an FPOperator from fp_operator(sde, grid)", type(operator).__name__)
    if operator.grid != grid:
        raise bad_parameter("operator", f"an operator assembled on this grid {grid}", f"one on {operator.grid}",
                            "assemble it with fp_operator(sde, grid) on the same grid", cls=ShapeError)


def _neighbour(grid: Grid, axis: int, step: int) -> np.ndarray:
    """Flat index of the cell at +step along ``axis`` (itself at a reflecting edge)."""
    idx = np.arange(grid.size).reshape(grid.shape)
    if grid.periodic[axis]:
        return np.roll(idx, -step, axis=axis).ravel()
    n = grid.shape[axis]
    # at a reflecting edge the neighbour is the cell itself, so a one-sided difference
    # across the boundary is zero (no flux through it)
    j = np.clip(np.arange(n) + step, 0, n - 1)
    return np.take(idx, j, axis=axis).ravel()


def _faces(grid: Grid, axis: int) -> tuple[np.ndarray, np.ndarray]:
    """Flat indices (L, R) of the cells on either side of every face normal to ``axis``."""
    idx = np.arange(grid.size).reshape(grid.shape)
    n = grid.shape[axis]
    if grid.periodic[axis]:
        left = idx
        right = np.roll(idx, -1, axis=axis)
    else:
        left = np.take(idx, range(n - 1), axis=axis)
        right = np.take(idx, range(1, n), axis=axis)
    return left.ravel(), right.ravel()


@dataclass(frozen=True, eq=False)
class FPOperator:
    """The discrete Fokker–Planck generator dρ/dt = L ρ on a grid, with its face-flux maps.

    Attributes
    ----------
    grid : Grid
    matrix : scipy.sparse.csr_matrix, shape (N, N)
        L, acting on cell densities flattened in C order (N = grid.size).
    flux : tuple of scipy.sparse.csr_matrix
        ``flux[k]`` maps ρ to the fluxes on the faces normal to axis k.
    face_shape : tuple of tuple of int
        Shape of the face arrays per axis.
    beta : float
        Inverse temperature used for Φ = −β⁻¹ log ρ.
    monotone : bool
        All off-diagonal entries of L are ≥ 0 (positivity of implicit Euler).
    min_offdiag : float
        The smallest off-diagonal entry (relative to max |diag|).
    potential_fitted : bool
        Whether the drift's potential entered the exponential fitting.
    """

    grid: Grid
    matrix: sp.csr_matrix
    flux: tuple[sp.csr_matrix, ...]
    face_shape: tuple[tuple[int, ...], ...]
    beta: float
    monotone: bool
    min_offdiag: float
    potential_fitted: bool

    def apply(self, rho: Any) -> np.ndarray:
        """L ρ on grid-shaped densities."""
        return (self.matrix @ np.asarray(rho, dtype=np.float64).ravel()).reshape(self.grid.shape)

    def face_fluxes(self, rho: Any) -> tuple[np.ndarray, ...]:
        """The scheme's fluxes J on the faces normal to each axis."""
        r = np.asarray(rho, dtype=np.float64).ravel()
        return tuple((F @ r).reshape(s) for F, s in zip(self.flux, self.face_shape))

    def cell_current(self, rho: Any) -> np.ndarray:
        """J at the cell centres (mean of the two faces along each axis), shape grid.shape + (d,)."""
        g = self.grid
        out = np.zeros(g.shape + (g.ndim,))
        for k, fk in enumerate(self.face_fluxes(rho)):
            if g.periodic[k]:
                out[..., k] = 0.5 * (fk + np.roll(fk, 1, axis=k))
            else:
                pad = [(0, 0)] * g.ndim
                pad[k] = (1, 1)
                fp = np.pad(fk, pad)  # zero flux through the reflecting boundary faces
                n = g.shape[k]
                out[..., k] = 0.5 * (np.take(fp, range(1, n + 1), axis=k) + np.take(fp, range(n), axis=k))
        return out


def _diffusion_at(sde: Any, pts: np.ndarray, name: str) -> np.ndarray:
    a = np.asarray(sde.diffusion_tensor(pts), dtype=np.float64)
    if not np.all(np.isfinite(a)):
        raise NonFiniteError(f"`sde.diffusion_tensor` must be finite on the grid, got NaN/inf at the {name}")
    return a


def _check_psd_field(a: np.ndarray, pts: np.ndarray) -> None:
    flat = a.reshape(-1, a.shape[-2], a.shape[-1])
    asym = np.max(np.abs(flat - np.swapaxes(flat, 1, 2)))
    scale = max(float(np.max(np.abs(flat))), 1e-300)
    if asym > 1e-8 * scale:
        raise NotPSDError(f"the diffusion tensor a(x) must be symmetric, got max|a - a.T| = {asym:.3g}")
    w = np.linalg.eigvalsh(0.5 * (flat + np.swapaxes(flat, 1, 2)))
    bad = np.argmin(w[:, 0])
    if w[bad, 0] < -PSD_RTOL * max(float(np.max(np.abs(w))), 1e-300):
        x = pts.reshape(-1, pts.shape[-1])[bad]
        raise NotPSDError(
            f"the diffusion tensor a(x) = D(x)/beta must be positive semi-definite, got smallest eigenvalue "
            f"{w[bad, 0]:.3g} at x = {np.round(x, 6).tolist()}; pass a covariance D(x) (e.g. A(x) A(x).T)"
        )


def fp_operator(sde: Any, grid: Grid, *, beta: float | None = None) -> FPOperator:
    """Assemble the finite-volume Fokker–Planck generator of ``sde`` on ``grid``.

    Parameters
    ----------
    sde : deeprelax.sde.SDE
        The spec: ``dim``, ``ito_drift_values``, ``diffusion_tensor`` (and, when
        present, ``landscape`` or ``field.potential`` for exponential fitting).
    grid : Grid
        1-D to 3-D; reflecting (zero-flux) or periodic axes.
    beta : float, optional
        β of Φ = −β⁻¹ log ρ (default ``sde.beta``; an error when neither is given).

    Returns
    -------
    FPOperator

    Raises
    ------
    ShapeError
        ``sde.dim`` differs from the grid's dimension.
    NotPSDError
        a(x) is not symmetric positive semi-definite at some cell.
    ParameterError
        a_kk vanishes on a face (the exponential fitting needs a_kk > 0).
    """
    _check_sde(sde, grid)
    beta = resolve_beta(sde, beta)
    d = grid.ndim
    N = grid.size
    pts = grid.points.reshape(-1, d)
    a_c = _diffusion_at(sde, pts, "cell centres")
    _check_psd_field(a_c, pts)
    pot = _potential(sde)
    psi = None if pot is None else np.asarray(pot.value(pts), dtype=np.float64)
    rows_all, cols_all, vals_all = [], [], []
    flux_mats = []
    face_shapes = []
    plus = [_neighbour(grid, j, 1) for j in range(d)]
    minus = [_neighbour(grid, j, -1) for j in range(d)]
    for k in range(d):
        h = grid.spacing[k]
        L, R = _faces(grid, k)
        fpts = grid.face_points(k)
        face_shapes.append(fpts.shape[:-1])
        fp = fpts.reshape(-1, d)
        nf = fp.shape[0]
        a_f = _diffusion_at(sde, fp, "face centres")
        b_f = np.asarray(sde.ito_drift_values(fp), dtype=np.float64)[:, k]
        if not np.all(np.isfinite(b_f)):
            raise NonFiniteError("`sde.ito_drift_values` must be finite on the grid's faces")
        akk = a_f[:, k, k]
        if np.any(akk <= 0):
            raise ParameterError(
                f"the diffusion a_kk must be positive on every face for axis {k} (exponential fitting "
                f"divides by it), got min {akk.min():.3g}; add a small isotropic diffusion"
            )
        if psi is None:
            hb = h * b_f
        else:
            grad_psi = np.asarray(pot.grad(fp), dtype=np.float64)[:, k]
            # b = −∇Ψ + r: the gradient part as an exact potential difference
            hb = -(psi[R] - psi[L]) + h * (b_f + grad_psi)
        # Péclet number at the face. B(−P) = e^P·B(P), so the SG flux vanishes iff
        # w_R/w_L = e^P; with P = −β(Ψ_R − Ψ_L) (a = β⁻¹I, r = 0) that is the Gibbs ratio
        # e^{−β(Ψ_R − Ψ_L)} exactly, whatever h.
        P = hb / akk
        cols = [L, R]
        # w = a_kk ρ with a_kk at the cell centres (where ρ lives); P uses a_kk at the face
        coef = [bernoulli(-P) * a_c[L, k, k] / h, -bernoulli(P) * a_c[R, k, k] / h]
        for j in range(d):
            if j == k:
                continue
            s = np.where(a_f[:, k, j] >= 0, 1.0, -1.0)
            c = 1.0 / (2.0 * grid.spacing[j])
            # −∂_j(a_kj ρ) on the face: one-sided pair (R, R±e_j) and (L∓e_j, L) by sign of a_kj
            pos = s > 0
            r_hi = np.where(pos, plus[j][R], R)
            r_lo = np.where(pos, R, minus[j][R])
            l_hi = np.where(pos, L, plus[j][L])
            l_lo = np.where(pos, minus[j][L], L)
            for cell, sign in ((r_hi, -1.0), (r_lo, 1.0), (l_hi, -1.0), (l_lo, 1.0)):
                cols.append(cell)
                coef.append(sign * c * a_c[cell, k, j])
        fr = np.concatenate([np.arange(nf)] * len(cols))
        fc = np.concatenate(cols)
        fv = np.concatenate(coef)
        F = sp.csr_matrix((fv, (fr, fc)), shape=(nf, N))
        flux_mats.append(F)
        # divergence: the flux leaves L and enters R
        Dk = sp.csr_matrix((np.concatenate([np.full(nf, -1.0 / h), np.full(nf, 1.0 / h)]),
                            (np.concatenate([L, R]), np.concatenate([np.arange(nf)] * 2))), shape=(N, nf))
        M = (Dk @ F).tocoo()
        rows_all.append(M.row)
        cols_all.append(M.col)
        vals_all.append(M.data)
    Lmat = sp.csr_matrix((np.concatenate(vals_all), (np.concatenate(rows_all), np.concatenate(cols_all))),
                         shape=(N, N))
    Lmat.sum_duplicates()
    off = Lmat - sp.diags(Lmat.diagonal())
    off.eliminate_zeros()
    # monotone up to round-off: off-diagonals above −1e-14·max|diag| count as ≥ 0
    dscale = max(float(np.max(np.abs(Lmat.diagonal()))), 1e-300)
    min_off = float(off.data.min()) / dscale if off.nnz else 0.0
    return FPOperator(grid=grid, matrix=Lmat, flux=tuple(flux_mats), face_shape=tuple(face_shapes), beta=beta,
                      monotone=bool(min_off >= -1e-14), min_offdiag=min_off, potential_fitted=psi is not None)


@dataclass(frozen=True)
class StationaryFPResult:
    """Result of :func:`stationary_fp`.

    Attributes
    ----------
    rho : ndarray, shape grid.shape
        ρˢˢ, normalised so Σ ρ h^d = 1.
    phi : ndarray, shape grid.shape
        Φ = −β⁻¹ log ρˢˢ, shifted so min Φ = 0.
    current : ndarray, shape grid.shape + (d,)
        J = jρ at the cell centres, from the scheme's face fluxes.
    face_flux : tuple of ndarray
        The face fluxes per axis (their discrete divergence is ``divergence``).
    velocity : ndarray, shape grid.shape + (d,)
        j = J/ρ (the force of ∇f = D∇Φ − β⁻¹∇·D − j that is not a gradient of Φ).
    divergence : ndarray, shape grid.shape
        ∇·J = −Lρ from the face fluxes (zero to solver tolerance).
    residual : float
        max|Lρ| / max|diag L| max ρ.
    current_ratio : float
        Σ|J| / Σ|bρ|: 0 under detailed balance.
    angular_momentum : float
        Σ (x₀J₁ − x₁J₀) h^d about the origin (2-D and 3-D; axes 0 and 1).
    min_density : float
        min ρ (≥ 0 when the operator is monotone).
    monotone : bool
        Whether the operator's off-diagonals are all ≥ 0.
    beta : float
    status : Status
        ``SUCCESS``; ``NONFINITE`` (the solve returned NaN/inf), ``MAX_ITER`` (GMRES stopped
        at its iteration cap) or ``NOT_CONVERGED`` (GMRES broke down).
    message : str
    n_cells, nnz : int
        Work counters (unknowns and matrix non-zeros).
    """

    rho: np.ndarray
    phi: np.ndarray
    current: np.ndarray
    face_flux: tuple[np.ndarray, ...]
    velocity: np.ndarray
    divergence: np.ndarray
    residual: float
    current_ratio: float
    angular_momentum: float
    min_density: float
    monotone: bool
    beta: float
    status: Status = Status.SUCCESS
    message: str = "success"
    n_cells: int = 0
    nnz: int = 0

    @property
    def success(self) -> bool:
        """``status == Status.SUCCESS``."""
        return self.status.ok


def _pin_row(L: sp.csr_matrix, r: int) -> tuple[sp.csc_matrix, float]:
    """L with row r replaced by L_rr·e_rᵀ (fixes ρ_r = 1; normalised afterwards), and L_rr.

    The columns of L sum to zero (mass conservation), so any one equation is implied by the
    others; a sparse replacement row keeps the LU fill of the grid stencil (a dense
    normalisation row Σρh^d = 1 would couple every unknown and double the fill).
    """
    coo = L.tocoo()
    keep = coo.row != r
    # the replacement row keeps the magnitude of the row it replaces (L_rr; 1 if zero), so
    # pinning does not put one badly scaled row into the LU
    d = float(L[r, r]) if L[r, r] != 0 else 1.0
    rows = np.concatenate([coo.row[keep], [r]])
    cols = np.concatenate([coo.col[keep], [r]])
    vals = np.concatenate([coo.data[keep], [d]])
    return sp.csc_matrix((vals, (rows, cols)), shape=L.shape), d


#: SuperLU column ordering: minimum degree on AᵀA + A suits the near-symmetric stencil
#: (≈ 40 % less fill than COLAMD on a 200² grid with full D).
PERMC_SPEC = "MMD_AT_PLUS_A"


def stationary_fp(sde: Any, grid: Grid, *, beta: float | None = None, method: str = "direct",
                  operator: FPOperator | None = None) -> StationaryFPResult:
    """The stationary density, potential and probability current of ``sde`` on a grid.

    Parameters
    ----------
    sde : deeprelax.sde.SDE
        The same spec :func:`deeprelax.sde.sdeint` integrates.
    grid : Grid
        Reflecting or periodic axes; the box should hold essentially all of ρˢˢ.
    beta : float, optional
        β of Φ = −β⁻¹ log ρ (default ``sde.beta``; an error when neither is given).
    method : {"direct", "gmres"}
        Sparse LU (SuperLU) of the pinned system, or ILU-preconditioned GMRES.
    operator : FPOperator, optional
        A prebuilt :func:`fp_operator` (reused across calls).

    Returns
    -------
    StationaryFPResult

    Raises
    ------
    ShapeError, NotPSDError, ParameterError
        See :func:`fp_operator`; unknown ``method``.

    Notes
    -----
    Solves Lρ = 0 with one equation replaced by ρ_r = 1 at a central cell (the columns of L
    sum to zero, so it is implied by the others), then normalises Σρh^d = 1. The
    current J = bρ − ∇·(aρ) is read off the face fluxes, so ∇·J = 0 holds to the
    solver's tolerance, and j = J/ρ = b − ∇·a + βa∇Φ (for Langevin/SGD:
    j = −∇f + D∇Φ − β⁻¹∇·D, Chaudhari & Soatto 2018, eq. 8). With a = β⁻¹I and a
    gradient drift the discrete solution is the Gibbs density e^{−βf}/Z at the cell
    centres to round-off (exponential fitting); otherwise the error is O(h²).

    References
    ----------
    P. Chaudhari and S. Soatto, "Stochastic gradient descent performs variational
    inference, converges to limit cycles for deep networks", arXiv:1710.11029, eqs. (5)–(8).
    D. Scharfetter, H. Gummel, IEEE Trans. Electron Devices 16 (1969).

    Examples
    --------
    >>> import numpy as np
    >>> from deeprelax import landscapes, sde
    >>> from deeprelax.pde import Grid, stationary_fp
    >>> g = Grid([(-3.0, 3.0)] * 2, 40)
    >>> s = sde.langevin(landscapes.double_well(2), beta=2.0)
    >>> r = stationary_fp(s, g)
    >>> bool(abs(g.integrate(r.rho) - 1.0) < 1e-12), bool(np.abs(r.current).max() < 1e-12)
    (True, True)
    """
    check_choice("method", method, FP_METHODS)
    _check_sde(sde, grid)
    if operator is not None:
        _check_operator(operator, grid)
    op = operator if operator is not None else fp_operator(sde, grid, beta=beta)
    L = op.matrix
    N = grid.size
    pts = grid.points.reshape(-1, grid.ndim)
    r = int(np.argmin(np.sum(pts**2, axis=1)))  # pin a central cell, where ρ is not tiny
    A, d_r = _pin_row(L, r)
    rhs = np.zeros(N)
    rhs[r] = d_r
    status, message = Status.SUCCESS, f"stationary density of {N} cells by {method} solve"
    if method == "direct":
        rho = spla.splu(A, permc_spec=PERMC_SPEC).solve(rhs)
    else:
        ilu = spla.spilu(A, drop_tol=1e-5, fill_factor=20)
        M = spla.LinearOperator(A.shape, ilu.solve)
        rho, info = spla.gmres(A, rhs, M=M, rtol=GMRES_RTOL, atol=0.0, restart=100, maxiter=200)
        if info > 0:
            status = Status.MAX_ITER
            message = (f"GMRES stopped at its cap of {info} iterations before rtol {GMRES_RTOL:g}; the last iterate "
                       "is returned (see residual); use method='direct'")
        elif info < 0:
            status = Status.NOT_CONVERGED
            message = f"GMRES broke down (info = {info}); the last iterate is returned; use method='direct'"
    if not np.all(np.isfinite(rho)):
        status = Status.NONFINITE
        message = ("the stationary solve returned non-finite values (a singular operator: a closed region "
                   "without diffusion?); rho is NaN; check the drift and diffusion on the grid")
    rho = rho / (np.sum(rho) * grid.cell_volume)
    Lr = L @ rho
    scale = max(float(np.max(np.abs(L.diagonal()))) * float(np.max(np.abs(rho))), 1e-300)
    rho_g = rho.reshape(grid.shape)
    cur = op.cell_current(rho_g)
    tiny = np.finfo(float).tiny
    # ρ may underflow to 0 (or be −round-off) far from the wells: clip so Φ and j stay finite
    phi = -np.log(np.maximum(rho_g, tiny)) / op.beta
    phi -= phi.min()
    vel = cur / np.maximum(rho_g, tiny)[..., None]
    b = np.asarray(sde.ito_drift_values(pts), dtype=np.float64).reshape(grid.shape + (grid.ndim,))
    ratio = float(np.sum(np.abs(cur)) / max(np.sum(np.abs(b * rho_g[..., None])), tiny))
    ang = 0.0
    if grid.ndim >= 2:
        x = grid.points
        ang = float(grid.integrate(x[..., 0] * cur[..., 1] - x[..., 1] * cur[..., 0]))
    return StationaryFPResult(
        rho=rho_g, phi=phi, current=cur, face_flux=op.face_fluxes(rho_g), velocity=vel,
        divergence=(-Lr).reshape(grid.shape), residual=float(np.max(np.abs(Lr))) / scale,
        current_ratio=ratio, angular_momentum=ang, min_density=float(rho.min()), monotone=op.monotone,
        beta=op.beta, status=status, message=message, n_cells=N, nnz=int(L.nnz),
    )


@dataclass(frozen=True)
class ForceSplit:
    """The force decomposition of Chaudhari & Soatto eq. (8) from a stationary Φ (finite differences).

    Attributes
    ----------
    drift : ndarray, shape grid.shape + (d,)
        b (= −∇f for Langevin/SGD).
    diffusion_grad : ndarray
        βa∇Φ (= D∇Φ).
    divergence_term : ndarray
        ∇·a (= β⁻¹∇·D), central differences of a at the cell centres.
    j : ndarray
        j = b + βa∇Φ − ∇·a.
    """

    drift: np.ndarray
    diffusion_grad: np.ndarray
    divergence_term: np.ndarray
    j: np.ndarray


def force_split(sde: Any, grid: Grid, phi: Any, beta: float | None = None) -> ForceSplit:
    """j = −∇f + D∇Φ − β⁻¹∇·D (eq. 8) from Φ on the grid, by central differences (O(h²)).

    ``beta`` defaults to ``sde.beta`` (an error when neither is given).
    """
    _check_sde(sde, grid)
    beta = resolve_beta(sde, beta)
    phi = grid.check_values("phi", phi)
    d = grid.ndim
    pts = grid.points
    a = np.asarray(sde.diffusion_tensor(pts.reshape(-1, d))).reshape(grid.shape + (d, d))
    b = np.asarray(sde.ito_drift_values(pts.reshape(-1, d))).reshape(grid.shape + (d,))
    gphi = grid.gradient(phi)
    dgrad = beta * np.einsum("...ij,...j->...i", a, gphi)
    div = np.zeros(grid.shape + (d,))
    for i in range(d):
        for j in range(d):
            div[..., i] += grid.gradient(a[..., i, j])[..., j]
    return ForceSplit(drift=b, diffusion_grad=dgrad, divergence_term=div, j=b + dgrad - div)


def free_energy(rho: Any, rho_ss: Any, grid: Grid, beta: float) -> tuple[float, float, float]:
    """(F, E_ρ[Φ], H(ρ)) with Φ = −β⁻¹ log ρˢˢ: F(ρ) = E_ρ[Φ] − β⁻¹H(ρ) = β⁻¹ KL(ρ‖ρˢˢ).

    Sums are midpoint sums on the grid (Σ · h^d); 0 log 0 = 0, and cells where ρ ≤ 0 (round-off
    of a non-monotone operator) contribute nothing.
    """
    if not isinstance(grid, Grid):
        raise bad_parameter("grid", "a deeprelax.pde.Grid", type(grid).__name__, "build one with Grid(bounds, shape)")
    r = grid.check_values("rho", rho)
    s = grid.check_values("rho_ss", rho_ss)
    beta = check_positive("beta", beta, "the inverse temperature of Phi = -log(rho_ss)/beta is > 0")
    return _free_energy(r, s, grid, beta)


def _free_energy(r: np.ndarray, s: np.ndarray, grid: Grid, beta: float) -> tuple[float, float, float]:
    tiny = np.finfo(float).tiny
    phi = -np.log(np.maximum(s, tiny)) / beta
    pos = r > 0
    # 0 log 0 = 0; np.where evaluates both branches, so the log below is taken of 1.0
    # where ρ ≤ 0 (no warning, no NaN)
    energy = float(grid.integrate(np.where(pos, r * phi, 0.0)))
    entropy = float(-grid.integrate(np.where(pos, r * np.log(np.where(pos, r, 1.0)), 0.0)))
    return energy - entropy / beta, energy, entropy


@dataclass(frozen=True)
class FPResult:
    """Result of :func:`solve_fp`.

    Attributes
    ----------
    t : ndarray, shape (n_t,)
        Output times (t0 first).
    rho : ndarray, shape (n_t,) + grid.shape
        Densities.
    mass : ndarray, shape (n_t,)
        Σ ρ h^d (conserved to round-off).
    min_density : ndarray, shape (n_t,)
        min ρ (≥ 0 for a monotone operator with implicit Euler).
    free_energy : ndarray, shape (n_t,)
        F(ρ_t) = E_ρ[Φ] − β⁻¹H(ρ) = β⁻¹KL(ρ_t‖ρˢˢ) (Theorem 5: non-increasing).
    energy, entropy : ndarray, shape (n_t,)
        E_ρ[Φ] and H(ρ).
    rho_ss : ndarray, shape grid.shape
        The discrete stationary density of the same operator.
    dt : float
    scheme : str
    monotone : bool
    status : Status
        ``SUCCESS`` or ``NONFINITE`` (the density went NaN/inf; the outputs before are returned).
    message : str
    n_steps, n_factorizations : int
        Work counters.
    """

    t: np.ndarray
    rho: np.ndarray
    mass: np.ndarray
    min_density: np.ndarray
    free_energy: np.ndarray
    energy: np.ndarray
    entropy: np.ndarray
    rho_ss: np.ndarray
    dt: float
    scheme: str
    monotone: bool
    status: Status = Status.SUCCESS
    message: str = "success"
    n_steps: int = 0
    n_factorizations: int = 0

    @property
    def success(self) -> bool:
        """``status == Status.SUCCESS``."""
        return self.status.ok


def solve_fp(sde: Any, p0: Any, grid: Grid, t_span: Any, *, dt: float | None = None, t_eval: Any = None,
             scheme: str = "implicit_euler", beta: float | None = None,
             operator: FPOperator | None = None, progress: bool = False,
             max_steps: int = DEFAULT_FP_MAX_STEPS) -> FPResult:
    """Evolve a density under the Fokker–Planck equation of ``sde`` and track its free energy.

    Parameters
    ----------
    sde : deeprelax.sde.SDE
        The spec (see :func:`fp_operator`).
    p0 : array_like, shape grid.shape
        Initial density (non-negative, finite; normalised to Σ p0 h^d = 1).
    grid : Grid
    t_span : float or (t0, T)
    dt : float, optional
        Step (default (T − t0)/200); shortened to divide each output interval.
    t_eval : array_like, optional
        Increasing output times in (t0, T] (default: 50 equal intervals).
    scheme : {"implicit_euler", "tr_bdf2"}
        Backward Euler (first order; positivity and monotone KL for a monotone
        operator) or TR-BDF2 (second order, L-stable).
    beta : float, optional
        β of Φ (default ``sde.beta``; an error when neither is given).
    operator : FPOperator, optional
        A prebuilt operator.
    progress : bool
        tqdm progress bar.
    max_steps : int
        Refuse (before starting) a run that would take more implicit steps than this.

    Returns
    -------
    FPResult

    Notes
    -----
    The free energy F(ρ) = E_ρ[Φ] − β⁻¹H(ρ), Φ = −β⁻¹ log ρˢˢ, equals β⁻¹KL(ρ‖ρˢˢ)
    and decreases monotonically to 0 (Chaudhari & Soatto 2018, Theorem 5). For a
    monotone operator each implicit Euler step is a Markov kernel that fixes ρˢˢ, so
    the discrete KL decreases at every step as well (data-processing inequality).

    References
    ----------
    Chaudhari & Soatto, arXiv:1710.11029, Theorem 5, eqs. (10)–(11).
    """
    check_choice("scheme", scheme, FP_SCHEMES)
    progress = check_bool("progress", progress)
    max_steps = check_int("max_steps", max_steps, low=1)
    from ._hj import _steps_per_interval, _time_points

    _check_sde(sde, grid)
    if operator is not None:
        _check_operator(operator, grid)
    r0 = grid.check_values("p0", p0)
    if np.any(r0 < 0):
        raise bad_parameter("p0", "a non-negative density", f"min {r0.min():.3g}", "clip or shift it")
    m0 = float(grid.integrate(r0))
    if m0 <= 0:
        raise bad_parameter("p0", "a density with positive mass", m0)
    r0 = r0 / m0
    t0, t_out = _time_points(t_span, None if t_eval is None else t_eval)
    if t_eval is None:
        t_out = np.linspace(t0, t_out[-1], 51)[1:]
    T = float(t_out[-1])
    dt_use = (T - t0) / DEFAULT_FP_STEPS if dt is None else check_positive("dt", dt)
    counts = _steps_per_interval(t0, t_out, dt_use, max_steps, "")
    op = operator if operator is not None else fp_operator(sde, grid, beta=beta)
    ss = stationary_fp(sde, grid, operator=op)
    N = grid.size
    eye = sp.identity(N, format="csc")
    L = op.matrix.tocsc()
    cache: dict[float, Any] = {}
    n_fact = 0

    def factor(h: float) -> Any:
        nonlocal n_fact
        # the steps of equal output intervals differ by round-off only: the rounded ratio
        # lets them share one factorization
        key = round(h / dt_use, 12)
        if key not in cache:
            if scheme == "implicit_euler":
                cache[key] = (spla.splu(eye - h * L),)
                n_fact += 1
            else:
                # TR-BDF2 with γ = 2 − √2 (L-stable): a trapezoidal stage to t + γh, then BDF2.
                # For this γ, γ/2 = (1 − γ)/(2 − γ) exactly (both are 1 − 1/√2), so the two stages
                # share one matrix and one factorization
                g = 2.0 - math.sqrt(2.0)
                lu = spla.splu(eye - 0.5 * g * h * L)
                cache[key] = (lu, lu, eye + 0.5 * g * h * L)
                n_fact += 1
        return cache[key]

    rho = r0.ravel().copy()
    out = [r0]
    times = [t0]
    status, message = Status.SUCCESS, ""
    n_steps = 0
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(t_out), desc="solve_fp", unit="output")
    t_prev = t0
    for t_next, k in zip(t_out, counts):
        h = (t_next - t_prev) / k
        fac = factor(h)
        for _ in range(k):
            if scheme == "implicit_euler":
                rho = fac[0].solve(rho)
            else:
                g = 2.0 - math.sqrt(2.0)
                # (I − γh/2·L) ρ* = (I + γh/2·L) ρⁿ, then
                # (I − (1−γ)/(2−γ)·hL) ρⁿ⁺¹ = (ρ* − (1 − γ)²ρⁿ) / (γ(2 − γ))
                star = fac[0].solve(fac[2] @ rho)
                rho = fac[1].solve((star - (1 - g) ** 2 * rho) / (g * (2 - g)))
            n_steps += 1
        if not np.all(np.isfinite(rho)):
            status = Status.NONFINITE
            message = (f"the density went non-finite between t = {t_prev:.6g} and {t_next:.6g} (step {n_steps}); "
                       f"the densities up to t = {t_prev:.6g} are returned; check the operator (monotone = "
                       f"{op.monotone}) or reduce dt")
            break
        out.append(rho.reshape(grid.shape).copy())
        times.append(float(t_next))
        t_prev = t_next
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    if status is Status.SUCCESS:
        message = f"{n_steps} {scheme} steps to t = {times[-1]:g} ({n_fact} factorizations)"
    arr = np.stack(out)
    fe = np.array([_free_energy(r, ss.rho, grid, op.beta) for r in arr])
    return FPResult(t=np.array(times), rho=arr, mass=np.array([grid.integrate(r) for r in arr]),
                    min_density=arr.reshape(arr.shape[0], -1).min(axis=1), free_energy=fe[:, 0], energy=fe[:, 1],
                    entropy=fe[:, 2], rho_ss=ss.rho, dt=float(dt_use), scheme=scheme, monotone=op.monotone,
                    status=status, message=message, n_steps=n_steps, n_factorizations=n_fact)
