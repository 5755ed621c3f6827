"""The `SDE` spec: one definition read by the simulator (`sdeint`) and the Fokker–Planck solver.

An SDE is dx = b(x) dt + g(x) dW (Itô) or dx = b(x) dt + g(x) ∘ dW (Stratonovich), with

- ``x`` float64[d] a state, ``dW`` float64[m] Brownian increments (m = ``noise_dim``);
- the drift b(x) = ``drift_sign * drift_kernel(x, drift_params)`` (a Numba kernel
  ``kernel(x, p, out)``; ``drift_sign = -1`` turns a landscape gradient ∇f into −∇f);
- the noise factor g(x), by noise class:

  ``"additive"``  g = G, a constant (d, m) matrix (``diffusion_matrix``);
  ``"diagonal"``  g = diag(g₁(x), …, g_d(x)), m = d, with gᵢ depending on xᵢ only
                  (so the noise is commutative); ``diffusion_kernel(x, p, out[d])``;
  ``"general"``   g(x) a (d, m) matrix; ``diffusion_kernel(x, p, out[d, m])``.

  With ``diffusion_form="covariance"`` the kernel instead writes a covariance C(x)
  ((d,) for diagonal, (d, d) for general, m = d) and g(x) g(x)ᵀ = ``diffusion_scale`` · C(x),
  with g the lower Cholesky factor (a semi-definite Cholesky for rank-deficient C).

The diffusion tensor is a(x) = ½ g(x) g(x)ᵀ, so the Itô Fokker–Planck equation reads
∂ρ/∂t = −∇·(b_Itô ρ) + Σᵢⱼ ∂ᵢ∂ⱼ(aᵢⱼ ρ); for :func:`langevin` and :func:`from_sgd`,
a = β⁻¹ D(x).

Parameters are runtime arrays: a sweep over β, a Hessian or λ of Example 19 reuses the
compiled kernels.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from .._core import (
    ParameterError,
    ShapeError,
    as_float_array,
    bad_parameter,
    check_choice,
    check_finite,
    check_int,
    check_positive,
    check_psd,
    jit,
)
from .._core._codegen import kernels_by_name, kernels_from_refs
from .._core._validate import is_symmetric
from ..landscapes import Landscape, VectorField, batch_matrix, batch_vector

__all__ = [
    "SDE",
    "NOISE_CLASSES",
    "CALCULI",
    "langevin",
    "from_sgd",
    "ornstein_uhlenbeck",
    "from_kernels",
    "factor_covariance",
]

NOISE_CLASSES = ("additive", "diagonal", "general")
CALCULI = ("ito", "stratonovich")
DIFFUSION_FORMS = ("factor", "covariance")

#: Eigenvalues below this fraction of the largest count as zero when factorising a
#: rank-deficient covariance (the papers' D has rank ≈ 1 % of d).
RANK_RTOL = 1e-12
#: Relative finite-difference step for the Stratonovich → Itô drift correction.
FD_REL_STEP = 1e-5


@jit
def _no_diffusion(x, p, out):  # pragma: no cover - placeholder kernel for additive noise
    out[:] = 0.0


@jit
def linear_drift(x, p, out):
    """b(x) = −A(x − c) with p = [A (d·d, row-major), c (d)]; column-oriented so it vectorises."""
    d = x.shape[0]
    for i in range(d):
        out[i] = 0.0
    for j in range(d):
        yj = x[j] - p[d * d + j]
        for i in range(d):
            out[i] -= p[i * d + j] * yj


def factor_covariance(C: Any, name: str = "D") -> np.ndarray:
    """A factor L (d, r) with L Lᵀ = C, r = rank C: Cholesky, or eigen for rank-deficient C.

    Parameters
    ----------
    C : array_like, shape (d, d)
        Symmetric positive semi-definite matrix.
    name : str
        Parameter name used in error messages.

    Returns
    -------
    L : ndarray, shape (d, r)
        Lower-triangular Cholesky factor (r = d) when C is positive definite, else
        ``V_r diag(√w_r)`` from the r eigenpairs above ``RANK_RTOL · max w``.

    Raises
    ------
    NotPSDError
        When C is not symmetric or has a negative eigenvalue.
    """
    C = np.atleast_2d(as_float_array(name, C))
    w = check_psd(name, C)
    wmax = float(w[-1])
    if wmax <= 0:
        return np.zeros((C.shape[0], 1))
    # Cholesky only when C is clearly definite; numpy's cholesky reads one triangle, so the
    # (round-off) asymmetry check_psd allowed is averaged out first
    if w[0] > RANK_RTOL * wmax * C.shape[0]:
        try:
            return np.linalg.cholesky(0.5 * (C + C.T))
        except np.linalg.LinAlgError:  # pragma: no cover - numerically singular, fall through
            pass
    # rank-deficient: L = V_r diag(√w_r) has only r columns, so the SDE draws r Brownian
    # motions instead of d (the papers' D has rank ≈ 1 % of d); L Lᵀ = C up to the dropped
    # eigenvalues, which are below RANK_RTOL·max w
    w, V = np.linalg.eigh(0.5 * (C + C.T))
    keep = w > RANK_RTOL * wmax
    return V[:, keep] * np.sqrt(w[keep])


def _ensure_kernel(f: Any, name: str) -> Any:
    import numba

    if isinstance(f, numba.core.registry.CPUDispatcher):
        return f
    if not callable(f):
        raise bad_parameter(
            name, "a Numba-jitted kernel f(x, p, out) or a plain Python function", f
        )
    return jit(f, cache=False)


def _as_batch(x: Any, dim: int) -> tuple[np.ndarray, tuple[int, ...]]:
    arr = np.ascontiguousarray(np.asarray(x, dtype=np.float64))
    if arr.ndim == 0 or arr.shape[-1] != dim:
        raise ShapeError(
            f"`x` must have a last axis of length {dim} (the dimension), got shape {arr.shape}; "
            f"pass points as an array of shape (..., {dim})"
        )
    return np.ascontiguousarray(arr.reshape(-1, dim)), arr.shape[:-1]


@dataclass(frozen=True, eq=False)
class SDE:
    """A stochastic differential equation dx = b(x) dt + g(x) dW (see the module docstring).

    Build one with :func:`langevin`, :func:`from_sgd`, :func:`ornstein_uhlenbeck` or
    :func:`from_kernels` rather than by hand.

    Attributes
    ----------
    dim : int
        Dimension d.
    calculus : {"ito", "stratonovich"}
    noise : {"additive", "diagonal", "general"}
    noise_dim : int
        Number m of Brownian motions.
    beta : float or None
        Inverse temperature β when built by :func:`langevin` / :func:`from_sgd`.
    landscape : Landscape or None
        f when the drift is −∇f.
    field : VectorField or None
        The drift field when built from one.
    lr, batch_size, n_samples : optional
        The SGD hyper-parameters when built by :func:`from_sgd` (used by the
        ``"sgd"`` scheme of :func:`sdeint`).
    linear : bool
        Declares the drift linear, b(x) = drift_sign·(−A(x − c)) with ``drift_params =
        [A (d·d, row-major), c (d)]`` (``drift_kernel`` is then :func:`linear_drift`): the
        integrator inlines it and may use the linear-drift accelerators.
    """

    dim: int
    drift_kernel: Any
    drift_params: np.ndarray
    drift_sign: float = 1.0
    noise: str = "additive"
    calculus: str = "ito"
    noise_dim: int = 0
    diffusion_matrix: np.ndarray | None = None
    diffusion_kernel: Any = None
    diffusion_params: np.ndarray = field(default_factory=lambda: np.zeros(0))
    diffusion_form: str = "factor"
    diffusion_scale: float = 1.0
    beta: float | None = None
    landscape: Landscape | None = None
    field: VectorField | None = None
    lr: float | None = None
    batch_size: int | None = None
    n_samples: int | None = None
    linear: bool = False
    name: str = "sde"

    def __post_init__(self) -> None:
        d = check_int("dim", self.dim, low=1)
        object.__setattr__(self, "dim", d)
        check_choice("noise", self.noise, NOISE_CLASSES)
        check_choice("calculus", self.calculus, CALCULI)
        check_choice("diffusion_form", self.diffusion_form, DIFFUSION_FORMS)
        object.__setattr__(
            self, "drift_params", np.ascontiguousarray(self.drift_params, dtype=np.float64)
        )
        object.__setattr__(
            self, "diffusion_params", np.ascontiguousarray(self.diffusion_params, dtype=np.float64)
        )
        if self.noise == "additive":
            G = np.atleast_2d(as_float_array("diffusion_matrix", self.diffusion_matrix))
            if G.ndim != 2 or G.shape[0] != d:
                raise ShapeError(
                    f"`diffusion_matrix` must have shape ({d}, m) for dim={d}, got {G.shape}; "
                    "pass the noise factor G with one row per coordinate"
                )
            check_finite("diffusion_matrix", G)
            object.__setattr__(self, "diffusion_matrix", np.ascontiguousarray(G))
            object.__setattr__(self, "noise_dim", G.shape[1])
            object.__setattr__(self, "diffusion_kernel", _no_diffusion)
        else:
            if self.diffusion_kernel is None:
                raise bad_parameter("diffusion_kernel", f"a kernel for {self.noise} noise", None)
            object.__setattr__(
                self, "diffusion_kernel", _ensure_kernel(self.diffusion_kernel, "diffusion")
            )
            m = (
                d
                if (self.noise == "diagonal" or self.diffusion_form == "covariance")
                else int(self.noise_dim)
            )
            if m < 1:
                raise bad_parameter(
                    "noise_dim", "a positive integer for general noise", self.noise_dim
                )
            object.__setattr__(self, "noise_dim", m)
            object.__setattr__(self, "diffusion_matrix", None)
        object.__setattr__(self, "drift_kernel", _ensure_kernel(self.drift_kernel, "drift"))
        check_positive("diffusion_scale", self.diffusion_scale)
        if self.linear and self.drift_params.size != d * (d + 1):
            raise bad_parameter("linear", f"True only with drift_params [A, c] of size {d * (d + 1)}",
                                f"{self.drift_params.size} parameters", "pass linear=False for another drift")

    # ------------------------------------------------------------------ numpy evaluation
    def drift_values(self, x: Any) -> np.ndarray:
        """The drift b(x) for ``x`` of shape ``(..., d)``; returns ``(..., d)``."""
        xb, lead = _as_batch(x, self.dim)
        out = np.empty_like(xb)
        batch_vector(self.drift_kernel, xb, self.drift_params, out)
        if self.drift_sign != 1.0:
            out *= self.drift_sign
        return out.reshape(*lead, self.dim)

    def diffusion_factor(self, x: Any) -> np.ndarray:
        """The noise factor g(x) for ``x`` of shape ``(..., d)``; returns ``(..., d, m)``."""
        xb, lead = _as_batch(x, self.dim)
        n, d, m = xb.shape[0], self.dim, self.noise_dim
        if self.noise == "additive":
            g = np.broadcast_to(self.diffusion_matrix, (n, d, m)).copy()
        elif self.noise == "diagonal":
            v = np.empty_like(xb)
            batch_vector(self.diffusion_kernel, xb, self.diffusion_params, v)
            if self.diffusion_form == "covariance":
                # as the kernels (_diag_factor): a round-off negative Cᵢᵢ gives 0, not NaN
                v = np.sqrt(self.diffusion_scale * np.maximum(v, 0.0))
            g = np.zeros((n, d, d))
            g[:, np.arange(d), np.arange(d)] = v
        elif self.diffusion_form == "covariance":
            C = np.empty((n, d, d))
            batch_matrix(self.diffusion_kernel, xb, self.diffusion_params, C)
            g = np.sqrt(self.diffusion_scale) * semidefinite_cholesky_numpy(C)
        else:
            g = np.empty((n, d, m))
            batch_matrix(self.diffusion_kernel, xb, self.diffusion_params, g)
        return g.reshape(*lead, d, m)

    def diffusion_tensor(self, x: Any) -> np.ndarray:
        """a(x) = ½ g(x) g(x)ᵀ for ``x`` of shape ``(..., d)``; returns ``(..., d, d)``.

        For :func:`langevin` and :func:`from_sgd`, a = β⁻¹ D(x).
        """
        xb, lead = _as_batch(x, self.dim)
        d = self.dim
        if self.diffusion_form == "covariance" and self.noise == "general":
            # ½·gscale·C(x) directly, without factorising C and multiplying the factor back
            C = np.empty((xb.shape[0], d, d))
            batch_matrix(self.diffusion_kernel, xb, self.diffusion_params, C)
            a = 0.5 * self.diffusion_scale * C
        else:
            g = self.diffusion_factor(xb)
            a = 0.5 * np.einsum("nik,njk->nij", g, g)
        return a.reshape(*lead, d, d)

    def ito_drift_values(self, x: Any) -> np.ndarray:
        """The Itô drift for ``x`` of shape ``(..., d)``; returns ``(..., d)``.

        Equals :meth:`drift_values` for an Itô SDE; for a Stratonovich SDE it adds the
        noise-induced drift ½ Σₖⱼ gₖⱼ ∂ₖgᵢⱼ (central differences, relative step
        ``FD_REL_STEP``, error O(step²); zero for additive noise).
        """
        b = self.drift_values(x)
        if self.calculus == "ito" or self.noise == "additive":
            return b
        xb, lead = _as_batch(x, self.dim)
        g = self.diffusion_factor(xb)
        corr = np.zeros_like(xb)
        # Stratonovich → Itô: b_i + ½ Σ_{k,j} g_kj ∂_k g_ij (the standard conversion); ∂_k g by
        # central differences with a step relative to |x_k| (absolute near 0), error O(h²)
        for k in range(self.dim):
            h = FD_REL_STEP * np.maximum(1.0, np.abs(xb[:, k]))
            xp, xm = xb.copy(), xb.copy()
            xp[:, k] += h
            xm[:, k] -= h
            dg = (self.diffusion_factor(xp) - self.diffusion_factor(xm)) / (2.0 * h)[:, None, None]
            corr += 0.5 * np.einsum("nj,nij->ni", g[:, k, :], dg)
        return b + corr.reshape(*lead, self.dim)

    # ------------------------------------------------------------------ pickling
    def __getstate__(self) -> dict[str, Any]:
        # kernels by name, not by value: a worker imports the same kernels, so the registry's
        # choice, the generated specialisations and the disk cache all carry over
        return kernels_by_name(self.__dict__, ("drift_kernel", "diffusion_kernel"))

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(kernels_from_refs(state))

    # ------------------------------------------------------------------ variants
    def with_drift_params(self, params: Any) -> SDE:
        """The same compiled SDE with a new drift parameter vector (no recompilation)."""
        p = check_finite("params", as_float_array("params", params, ndim=1, shape=(self.drift_params.size,)))
        return replace(self, drift_params=p)

    def as_stratonovich(self) -> SDE:
        """The same coefficients read in the Stratonovich sense (only exact for additive noise).

        For additive noise Itô and Stratonovich coincide; otherwise this is a different
        process, so it is refused.
        """
        if self.noise != "additive":
            raise ParameterError(
                f"`as_stratonovich` keeps b and g, which changes the process for {self.noise} "
                "noise; build the Stratonovich SDE explicitly with "
                "from_kernels(..., calculus='stratonovich')"
            )
        return replace(self, calculus="stratonovich")

    def __repr__(self) -> str:
        return (
            f"SDE(name={self.name!r}, dim={self.dim}, noise={self.noise!r}, "
            f"calculus={self.calculus!r}, noise_dim={self.noise_dim}, beta={self.beta})"
        )


def semidefinite_cholesky_numpy(C: np.ndarray, rtol: float = 1e-12) -> np.ndarray:
    """Lower factor L, L Lᵀ = C, for a batch of PSD matrices ``(..., d, d)``; zero pivots stay zero.

    The numpy twin of the in-kernel factorisation used for state-dependent covariances.
    """
    C = np.asarray(C, dtype=np.float64)
    L = np.zeros_like(C)
    d = C.shape[-1]
    scale = np.maximum(np.max(np.abs(np.diagonal(C, axis1=-2, axis2=-1)), axis=-1), 1e-300)
    for j in range(d):
        s = C[..., j, j] - np.sum(L[..., j, :j] ** 2, axis=-1)
        ok = s > rtol * scale
        # np.where evaluates both branches: a dummy 1.0 where the pivot is dropped keeps the
        # sqrt and the division below free of NaN and warnings
        piv = np.sqrt(np.where(ok, s, 1.0))
        L[..., j, j] = np.where(ok, piv, 0.0)
        for i in range(j + 1, d):
            v = C[..., i, j] - np.sum(L[..., i, :j] * L[..., j, :j], axis=-1)
            L[..., i, j] = np.where(ok, v / piv, 0.0)
    return L


# ---------------------------------------------------------------------- builders
def _diffusion_from(
    D: Any, dim: int, scale: float, noise: str | None, D_params: Any, name: str = "D"
) -> dict[str, Any]:
    """Keyword arguments of :class:`SDE` for the noise √(scale · D(x)) dW."""
    if D is not None and callable(D):
        cls = "general" if noise is None else check_choice("noise", noise, ("diagonal", "general"))
        return {
            "noise": cls,
            "diffusion_kernel": D,
            "diffusion_params": as_float_array("D_params" if name == "D" else "noise_params", D_params, ndim=1),
            "diffusion_form": "covariance",
            "diffusion_scale": scale,
        }
    if noise not in (None, "additive"):
        raise ParameterError(
            f"`noise` = {noise!r} needs a state-dependent D(x) kernel; a constant D "
            "gives additive noise"
        )
    if D is None:
        G = np.sqrt(scale) * np.eye(dim)
    else:
        Da = as_float_array(name, D)
        if Da.ndim == 0:
            Da = np.full(dim, float(Da))
        if Da.ndim == 1:
            if Da.shape != (dim,):
                raise ShapeError(
                    f"`{name}` must have shape ({dim},) or ({dim}, {dim}) for dim={dim}, "
                    f"got shape {Da.shape}; pass one diffusion entry per coordinate"
                )
            check_finite(name, Da)
            if np.any(Da < 0):
                raise bad_parameter(
                    name,
                    "non-negative diagonal entries",
                    Da.tolist(),
                    "a diffusion (covariance) cannot be negative",
                    cls=_not_psd(),
                )
            G = np.diag(np.sqrt(scale * Da))
        else:
            if Da.shape != (dim, dim):
                raise ShapeError(
                    f"`{name}` must have shape ({dim}, {dim}) for dim={dim}, got shape {Da.shape}; "
                    "pass a d x d diffusion matrix"
                )
            G = np.sqrt(scale) * factor_covariance(Da, name)
    return {"noise": "additive", "diffusion_matrix": G}


def _not_psd() -> type:
    from .._core import NotPSDError

    return NotPSDError


def _drift_from(f: Landscape | VectorField) -> dict[str, Any]:
    if isinstance(f, Landscape):
        if f.meta.get("gradient") == "linear" and f.params.size == f.dim * (f.dim + 1) \
                and is_symmetric(f.params[: f.dim * f.dim].reshape(f.dim, f.dim)):
            # declared ∇f = H(x − c) with params [H, c]: −∇f is the linear drift on the same
            # vector (read from params, the one source: with_params changes the drift too).
            # A non-symmetric H (possible through with_params) would make −H(x − c) differ from
            # the landscape's gradient ½(H + Hᵀ)(x − c): then the generic kernel runs −∇f itself.
            return {
                "drift_kernel": linear_drift,
                "drift_params": f.params,
                "drift_sign": 1.0,
                "landscape": f,
                "linear": True,
            }
        return {
            "drift_kernel": f.grad_kernel,
            "drift_params": f.params,
            "drift_sign": -1.0,
            "landscape": f,
        }
    if isinstance(f, VectorField):
        return {"drift_kernel": f.kernel, "drift_params": f.params, "drift_sign": 1.0, "field": f}
    raise bad_parameter(
        "landscape", "a Landscape (drift −∇f) or a VectorField (drift b)", type(f).__name__
    )


def langevin(
    landscape: Landscape | VectorField,
    beta: float = 1.0,
    D: Any = None,
    *,
    D_params: Any = (),
    noise: str | None = None,
) -> SDE:
    """Langevin dynamics dx = −∇f(x) dt + √(2β⁻¹ D(x)) dW (Itô).

    Parameters
    ----------
    landscape : Landscape or VectorField
        f (the drift is −∇f) or a drift field b (the drift is b, e.g.
        :func:`deeprelax.landscapes.example19`).
    beta : float
        Inverse temperature β > 0.
    D : None, float, array_like (d,) or (d, d), or kernel
        The diffusion matrix: ``None`` is the identity; a scalar or a vector is a
        diagonal; a (d, d) PSD matrix is factorised once (Cholesky, or eigen when it
        is rank-deficient, which also cuts the number of Brownian motions to its
        rank). A Numba kernel ``D(x, p, out)`` writing the (d, d) matrix D(x) gives a
        state-dependent covariance, factorised in the kernel at every step; with
        ``noise="diagonal"`` it writes the diagonal (d,) of D(x) instead.
    D_params : array_like
        Runtime parameters ``p`` of a ``D`` kernel.
    noise : {"diagonal", "general"}, optional
        Noise class of a state-dependent ``D`` (default ``"general"``).

    Returns
    -------
    SDE

    Notes
    -----
    With D = I the stationary density is ρ ∝ e^{−βf}; with non-isotropic D it is
    ρ ∝ e^{−βΦ} with Φ ≠ f in general (Chaudhari & Soatto 2018, eq. 3, Lemma 6).

    References
    ----------
    P. Chaudhari and S. Soatto, "Stochastic gradient descent performs variational
    inference, converges to limit cycles for deep networks", ICLR 2018, arXiv:1710.11029.

    Examples
    --------
    >>> from deeprelax import landscapes
    >>> s = langevin(landscapes.quadratic([[1.0, 0.0], [0.0, 4.0]]), beta=10.0, D=[2.0, 0.5])
    >>> s.diffusion_tensor([0.0, 0.0]).round(3).tolist()
    [[0.2, 0.0], [0.0, 0.05]]
    """
    beta = check_positive("beta", beta)
    kw = _drift_from(landscape)
    kw.update(_diffusion_from(D, landscape.dim, 2.0 / beta, noise, D_params))
    return SDE(dim=landscape.dim, beta=beta, name=f"langevin({landscape.name})", **kw)


def from_sgd(
    landscape: Landscape,
    lr: float,
    batch_size: int,
    noise_cov: Any,
    n_samples: int | None = None,
    *,
    noise_params: Any = (),
    noise: str | None = None,
) -> SDE:
    """The SDE of SGD: dx = −∇f dt + √(2β⁻¹ D(x)) dW with β⁻¹ = η/(2b).

    Parameters
    ----------
    landscape : Landscape
        The full-batch loss f.
    lr : float
        Learning rate η > 0.
    batch_size : int
        Mini-batch size b ≥ 1.
    noise_cov : array_like (d, d) or (d,), or kernel
        D(x), the covariance of one per-sample gradient; a constant matrix (factorised
        once) or a Numba kernel ``D(x, p, out)`` (see :func:`langevin`).
    n_samples : int, optional
        Data-set size N for sampling *without* replacement: β⁻¹ = (η/2b)(1 − b/N).
        ``None`` means sampling with replacement.
    noise_params : array_like
        Runtime parameters of a ``noise_cov`` kernel.
    noise : {"diagonal", "general"}, optional
        Noise class of a state-dependent ``noise_cov``.

    Returns
    -------
    SDE
        With ``lr``, ``batch_size``, ``n_samples`` recorded, so ``sdeint(...,
        scheme="sgd", dt=lr)`` runs the discrete SGD map x ← x − η(∇f(x) + ξ),
        ξ ~ N(0, D(x)/b) (times (1 − b/N) without replacement) on the same streams.

    Notes
    -----
    One SGD step is exactly one Euler–Maruyama step of size Δt = η of this SDE:
    x − η∇f + √(2β⁻¹η) L z = x − η(∇f + L z/√b) with L Lᵀ = D and z ~ N(0, I).

    References
    ----------
    Chaudhari & Soatto, arXiv:1710.11029, Lemma 2 (β⁻¹ = η/2b) and Remark 12
    (without replacement).
    """
    if not isinstance(landscape, Landscape):
        raise bad_parameter(
            "landscape", "a Landscape (SGD descends a loss f)", type(landscape).__name__
        )
    lr = check_positive("lr", lr)
    b = check_int("batch_size", batch_size, low=1)
    factor = 1.0
    if n_samples is not None:
        N = check_int("n_samples", n_samples, low=1)
        if N < b:
            raise bad_parameter("n_samples", f"an integer >= batch_size = {b}", n_samples)
        factor = 1.0 - b / N
        if factor <= 0:
            raise ParameterError(
                f"`batch_size` = {b} equals `n_samples`: full-batch gradient descent "
                "has no noise; use a deterministic solver or b < N"
            )
    inv_beta = lr / (2.0 * b) * factor
    kw = _drift_from(landscape)
    kw.update(_diffusion_from(noise_cov, landscape.dim, 2.0 * inv_beta, noise, noise_params, "noise_cov"))
    return SDE(
        dim=landscape.dim,
        beta=1.0 / inv_beta,
        lr=lr,
        batch_size=b,
        n_samples=None if n_samples is None else int(n_samples),
        name=f"sgd({landscape.name})",
        **kw,
    )


def ornstein_uhlenbeck(A: Any, D: Any = None, beta: float = 1.0, center: Any = None) -> SDE:
    """The OU process dx = −A(x − c) dt + √(2β⁻¹D) dW, for any (not necessarily symmetric) A.

    Parameters
    ----------
    A : array_like, shape (d, d)
        Drift matrix (stable: eigenvalues with positive real part for a steady state).
    D : array_like, optional
        Constant diffusion matrix as in :func:`langevin` (default I).
    beta : float
        Inverse temperature.
    center : array_like, shape (d,), optional
        The mean c (default 0).
    """
    A = np.atleast_2d(as_float_array("A", A))
    if A.ndim != 2 or A.shape[0] != A.shape[1]:
        raise ShapeError(
            f"`A` must be a square matrix, got shape {A.shape}; pass a d x d drift matrix"
        )
    check_finite("A", A)
    d = A.shape[0]
    c = np.zeros(d) if center is None else check_finite("center", as_float_array("center", center, shape=(d,)))
    beta = check_positive("beta", beta)
    kw = _diffusion_from(D, d, 2.0 / beta, None, ())
    return SDE(
        dim=d,
        drift_kernel=linear_drift,
        drift_params=np.concatenate([A.ravel(), c]),
        beta=beta,
        linear=True,
        name="ornstein_uhlenbeck",
        **kw,
    )


def from_kernels(
    drift: Callable[..., None],
    diffusion: Any,
    *,
    dim: int,
    noise: str,
    calculus: str = "ito",
    drift_params: Any = (),
    diffusion_params: Any = (),
    noise_dim: int | None = None,
    diffusion_form: str = "factor",
    name: str = "user",
) -> SDE:
    """An SDE from user Numba kernels.

    Parameters
    ----------
    drift : kernel
        ``drift(x, p, out)`` writes b(x) (d,). Plain Python functions are jitted
        (without disk cache).
    diffusion : array_like (d, m) or kernel
        For ``noise="additive"`` the constant factor G; otherwise a kernel
        ``diffusion(x, p, out)`` writing g(x): (d,) for diagonal, (d, m) for general
        (or the covariance with ``diffusion_form="covariance"``).
    dim : int
        Dimension d.
    noise : {"additive", "diagonal", "general"}
    calculus : {"ito", "stratonovich"}
    drift_params, diffusion_params : array_like
        Runtime parameter vectors.
    noise_dim : int, optional
        m for general noise (default d).
    diffusion_form : {"factor", "covariance"}

    Examples
    --------
    Geometric Brownian motion dx = μx dt + σx dW (diagonal noise):

    >>> import numba
    >>> @numba.njit
    ... def b(x, p, out):
    ...     out[0] = p[0] * x[0]
    >>> @numba.njit
    ... def g(x, p, out):
    ...     out[0] = p[0] * x[0]
    >>> gbm = from_kernels(b, g, dim=1, noise="diagonal", drift_params=[0.5],
    ...                    diffusion_params=[0.3])
    >>> gbm.diffusion_tensor([[2.0]]).round(3).tolist()
    [[[0.18]]]
    """
    check_choice("noise", noise, NOISE_CLASSES)
    kw: dict[str, Any] = {}
    if noise == "additive":
        kw["diffusion_matrix"] = diffusion
    else:
        kw["diffusion_kernel"] = diffusion
        kw["diffusion_params"] = as_float_array("diffusion_params", diffusion_params, ndim=1)
        kw["noise_dim"] = check_int("noise_dim", noise_dim if noise_dim is not None else dim, low=1)
    return SDE(
        dim=check_int("dim", dim, low=1),
        drift_kernel=drift,
        drift_params=as_float_array("drift_params", drift_params, ndim=1),
        noise=noise,
        calculus=calculus,
        diffusion_form=diffusion_form,
        name=name,
        **kw,
    )
