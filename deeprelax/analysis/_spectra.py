"""Hessian spectra: dense ``eigh``, Lanczos extremes on an HVP operator, SLQ densities.

Symbols (shapes): ``H`` the (P, P) symmetric Hessian of the mean training loss at a
point; ``A`` any symmetric (P, P) matrix or :class:`scipy.sparse.linalg.LinearOperator`
(typically the Hessian-vector product of :func:`deeprelax.nn.hvp_operator`); ``λ`` its
eigenvalues; ``m`` the number of Lanczos steps; ``n_probes`` the number of random
starting vectors of stochastic Lanczos quadrature (SLQ).

Three estimators, one per size regime:

- :func:`hessian_eigvalsh` — every eigenvalue, float64 LAPACK ``eigh`` (P up to a few
  thousand);
- :func:`lanczos_extremes` — the k largest and the k most negative eigenvalues by
  implicitly restarted Lanczos (ARPACK, :func:`scipy.sparse.linalg.eigsh`) on matrix-
  vector products only;
- :func:`slq_density` — the spectral density ρ(λ) = P⁻¹ Σᵢ δ(λ − λᵢ) by Gauss quadrature
  from m-step Lanczos runs on ``n_probes`` Rademacher vectors, with a Monte Carlo error
  from the spread over probes. The estimator has full rank (no few-probe ``(Hv)vᵀ``
  sketch whose rank caps the number of non-zero eigenvalues).

:func:`spectrum_summary` turns eigenvalues into the numbers the Entropy-SGD paper quotes
(λ_max, λ_min, the fraction of |λ| below thresholds, the negative tail).

References
----------
Chaudhari et al., "Entropy-SGD", arXiv:1611.01838, §5.1 and Figs 1, 3.
Ubaru, Chen & Saad, "Fast estimation of tr(f(A)) via stochastic Lanczos quadrature",
SIAM J. Matrix Anal. Appl. 38 (2017). Golub & Meurant, "Matrices, moments and
quadrature" (1994). Ghorbani, Krishnan & Xiao, arXiv:1901.10159 (SLQ for network Hessians).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.linalg
from scipy.sparse.linalg import ArpackNoConvergence, LinearOperator, aslinearoperator, eigsh

from .._core import NonFiniteError, ShapeError, bad_parameter, check_finite, check_positive
from .._core._validate import as_float_array, check_bool, check_choice, check_int, check_seed

__all__ = [
    "HessianSpectrum",
    "LanczosExtremes",
    "SpectralDensity",
    "hessian_eigvalsh",
    "spectrum_summary",
    "hvp_linear_operator",
    "lanczos_extremes",
    "lanczos_tridiagonal",
    "slq_density",
    "DEFAULT_THRESHOLDS",
]

#: Thresholds t of the "fraction of |λ| < t" rows (Entropy-SGD §5.1 quotes 1e-4 and 1e-2).
DEFAULT_THRESHOLDS = (1e-4, 1e-3, 1e-2)
#: Largest relative asymmetry max|H − Hᵀ| / max|H| accepted before symmetrising.
SYMMETRY_RTOL = 1e-8
#: Relative asymmetry |uᵀAv − vᵀAu| / (‖Au‖‖v‖) of a LinearOperator accepted by the probe.
OPERATOR_SYMMETRY_RTOL = 1e-6
#: A Lanczos run stops (invariant subspace found) when β_j ≤ BREAKDOWN_RTOL · ‖α, β‖.
BREAKDOWN_RTOL = 1e-12


@dataclass(frozen=True)
class HessianSpectrum:
    """Eigenvalues of a Hessian and the summary numbers the papers quote.

    Attributes
    ----------
    eigenvalues : ndarray (P,)
        Ascending.
    lambda_max, lambda_min : float
        Largest and smallest (most negative) eigenvalue.
    summary : dict
        :func:`spectrum_summary` of ``eigenvalues``.
    asymmetry : float
        max|H − Hᵀ| / max|H| of the input before symmetrisation.
    status, message : str
        ``"ok"`` and a one-line description.
    """

    eigenvalues: np.ndarray
    lambda_max: float
    lambda_min: float
    summary: dict[str, float]
    asymmetry: float
    status: str = "ok"
    message: str = ""


@dataclass(frozen=True)
class LanczosExtremes:
    """Extreme eigenvalues from implicitly restarted Lanczos.

    Attributes
    ----------
    largest : ndarray (k,)
        The k largest (algebraic) eigenvalues, descending (fewer when not converged).
    smallest : ndarray (k,)
        The k smallest (most negative) eigenvalues, ascending; empty when not requested.
    largest_vectors, smallest_vectors : ndarray (P, k) or None
        Eigenvectors when requested.
    n_matvec : int
        Matrix-vector (Hessian-vector) products used.
    status : {"ok", "maxiter"}
        ``"maxiter"`` when ARPACK stopped before convergence (converged values kept).
    message : str
    """

    largest: np.ndarray
    smallest: np.ndarray
    largest_vectors: np.ndarray | None
    smallest_vectors: np.ndarray | None
    n_matvec: int
    status: str
    message: str


@dataclass(frozen=True)
class SpectralDensity:
    """Stochastic Lanczos quadrature: per-probe Gauss nodes and weights of ρ(λ).

    For probe v (unit norm) the Lanczos tridiagonal T_m = Y diag(θ) Yᵀ gives the Gauss
    rule vᵀ f(A) v ≈ Σⱼ τⱼ f(θⱼ) with τⱼ = Y₀ⱼ²; averaging over probes estimates
    P⁻¹ tr f(A) = ∫ f dρ. Each probe's weights sum to 1, so the density integrates to 1.

    Attributes
    ----------
    nodes : ndarray (n_probes, m)
        Ritz values θ (padded with NaN where a run stopped early at an invariant subspace).
    weights : ndarray (n_probes, m)
        Gauss weights τ (0 in padded slots).
    dim : int
        P.
    n_matvec : int
        Matrix-vector products used (n_probes · m at most).
    status, message : str
    """

    nodes: np.ndarray
    weights: np.ndarray
    dim: int
    n_matvec: int
    status: str = "ok"
    message: str = ""
    _valid: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_valid", np.isfinite(self.nodes))

    @property
    def n_probes(self) -> int:
        return int(self.nodes.shape[0])

    def _per_probe(self, f: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
        vals = np.where(self._valid, f(np.where(self._valid, self.nodes, 0.0)), 0.0)
        return np.sum(self.weights * vals, axis=1)

    def expectation(self, f: Callable[[np.ndarray], np.ndarray]) -> tuple[float, float]:
        """∫ f dρ = P⁻¹ tr f(A) and its Monte Carlo standard error over probes.

        Exact for every probe (no quadrature error) when f is a polynomial of degree
        ≤ 2m − 1; the standard error is then the Hutchinson error only.
        """
        per = self._per_probe(f)
        se = float(np.std(per, ddof=1) / np.sqrt(per.size)) if per.size > 1 else float("nan")
        return float(np.mean(per)), se

    def fraction_below(self, t: float, *, absolute: bool = True) -> tuple[float, float]:
        """Estimated fraction of eigenvalues with |λ| < t (``absolute``) or λ < t, ± SE.

        Notes
        -----
        A step function is not a polynomial: besides the probe error there is a
        quadrature error of order the spacing of the Ritz values near t; Lanczos resolves
        the ends of the spectrum first and the bulk last.
        """
        if absolute:
            return self.expectation(lambda z: (np.abs(z) < t).astype(float))
        return self.expectation(lambda z: (z < t).astype(float))

    def fraction_bounds(self, t: float) -> tuple[float, float, float, float]:
        """Rigorous per-probe bounds on the fraction of |λ| < t, averaged over probes, ± SE.

        Returns
        -------
        lower, lower_se, upper, upper_se : float

        Notes
        -----
        The Chebyshev–Markov–Stieltjes inequalities for the Gauss rule (θᵢ, τᵢ) of a probe's
        spectral measure μ give Σ_{i<j} τᵢ ≤ μ((−∞, θⱼ)) and μ((−∞, θⱼ]) ≤ Σ_{i≤j} τᵢ. Hence,
        with θ_a the largest node ≤ −t and θ_b the smallest node ≥ t, μ((−t, t)) ≤ Σ_{a≤i≤b} τᵢ
        (the nodes inside and the two bracketing ones), and with θ_p, θ_q the first and last
        nodes inside, μ((−t, t)) ≥ Σ_{p<i<q} τᵢ. When t is below the spacing of the Ritz values
        near 0, no node falls inside and the bracket is [0, τ_a + τ_b]: the point estimate
        :meth:`fraction_below` (then 0) says nothing, the upper bound still does.
        Averages over probes are unbiased for the averages of the per-probe bounds, which
        bracket the fraction (up to the probe Monte Carlo error).
        """
        t = check_positive("t", t)
        lo, hi = [], []
        for nodes, w in zip(self.nodes, self.weights):
            ok = np.isfinite(nodes)
            th, tw = nodes[ok], w[ok]
            order = np.argsort(th)
            th, tw = th[order], tw[order]
            inside = np.flatnonzero(np.abs(th) < t)
            left = np.flatnonzero(th <= -t)
            right = np.flatnonzero(th >= t)
            a = left[-1] if left.size else 0
            b = right[0] if right.size else th.size - 1
            hi.append(float(np.sum(tw[a:b + 1])))
            lo.append(float(np.sum(tw[inside[0] + 1:inside[-1]])) if inside.size >= 3 else 0.0)
        n = len(lo)

        def se(v: list[float]) -> float:
            return float(np.std(v, ddof=1) / np.sqrt(n)) if n > 1 else float("nan")

        return float(np.mean(lo)), se(lo), float(np.mean(hi)), se(hi)

    def density(self, grid: Any, width: float) -> tuple[np.ndarray, np.ndarray]:
        """ρ on ``grid`` broadened by a Gaussian of standard deviation ``width``, ± SE.

        Returns
        -------
        rho, se : ndarray (n_grid,)
        """
        g = np.asarray(grid, dtype=np.float64)
        w = check_positive("width", width)
        nodes = np.where(self._valid, self.nodes, 0.0)
        z = (g[None, None, :] - nodes[:, :, None]) / w
        k = np.exp(-0.5 * z * z) / (w * np.sqrt(2.0 * np.pi))
        per = np.einsum("pj,pjg->pg", self.weights, k)
        n = per.shape[0]
        se = np.std(per, axis=0, ddof=1) / np.sqrt(n) if n > 1 else np.full(g.shape, np.nan)
        return per.mean(axis=0), se


def _check_thresholds(thresholds: Any) -> tuple[float, ...]:
    if isinstance(thresholds, (str, bytes)) or not isinstance(thresholds, Sequence | np.ndarray):
        raise bad_parameter("thresholds", "a sequence of positive numbers", thresholds)
    return tuple(check_positive("thresholds", t) for t in thresholds)


def spectrum_summary(eigenvalues: Any,
                     thresholds: Sequence[float] = DEFAULT_THRESHOLDS) -> dict[str, float]:
    """The numbers Entropy-SGD §5.1 quotes, from a full set of eigenvalues.

    Parameters
    ----------
    eigenvalues : array_like (P,)
    thresholds : sequence of float
        t values for the fraction rows.

    Returns
    -------
    dict
        ``lambda_max``, ``lambda_min``, ``dim``; for each t: ``frac_abs_lt_<t>`` (fraction
        of |λ| < t, the paper's absolute reading: "94 % of |λ| < 1e-4") and
        ``frac_rel_lt_<t>`` (fraction of |λ| < t·λ_max, scale-free); ``frac_negative``
        (λ < 0), ``frac_negative_rel_1e-4`` (λ < −1e-4·λ_max, the visible negative tail),
        ``neg_tail_ratio`` = |λ_min| / λ_max.
    """
    lam = np.sort(as_float_array("eigenvalues", eigenvalues).ravel())
    ts = _check_thresholds(thresholds)
    if lam.size == 0:
        raise bad_parameter("eigenvalues", "a non-empty array", "an empty array", cls=ShapeError)
    check_finite("eigenvalues", lam)
    lmax, lmin = float(lam[-1]), float(lam[0])
    scale = max(abs(lmax), np.finfo(float).tiny)
    out: dict[str, float] = {"lambda_max": lmax, "lambda_min": lmin, "dim": float(lam.size)}
    a = np.abs(lam)
    for t in ts:
        out[f"frac_abs_lt_{t:g}"] = float(np.mean(a < t))
        out[f"frac_rel_lt_{t:g}"] = float(np.mean(a < t * scale))
    out["frac_negative"] = float(np.mean(lam < 0))
    out["frac_negative_rel_1e-4"] = float(np.mean(lam < -1e-4 * scale))
    out["neg_tail_ratio"] = abs(min(lmin, 0.0)) / scale
    return out


def hessian_eigvalsh(H: Any, thresholds: Sequence[float] = DEFAULT_THRESHOLDS) -> HessianSpectrum:
    """Every eigenvalue of a dense Hessian, float64 LAPACK ``syevd``.

    Parameters
    ----------
    H : array_like (P, P)
        Symmetric to round-off (e.g. :func:`deeprelax.nn.hessian`, assembled column by
        column from exact HVPs); symmetrised as (H + Hᵀ)/2 before ``eigh``.
    thresholds : sequence of float
        Passed to :func:`spectrum_summary`.

    Returns
    -------
    HessianSpectrum

    Raises
    ------
    ShapeError
        When H is not square.
    NonFiniteError
        When H holds NaN/inf.
    ParameterError
        When max|H − Hᵀ| / max|H| > ``SYMMETRY_RTOL`` (not a Hessian).

    Notes
    -----
    Cost O(P³) time, O(P²) memory: P = 5,000 takes a few seconds per core, P ≈ 47k
    (small-LeNet) needs 18 GB and is out of reach; use :func:`lanczos_extremes` and
    :func:`slq_density` there. Never use ``numpy.linalg.eigvals`` (the non-symmetric
    solver the reference code calls) on a Hessian.

    Examples
    --------
    >>> spec = hessian_eigvalsh(np.diag([-1.0, 0.0, 2.0]))
    >>> spec.lambda_min, spec.lambda_max
    (-1.0, 2.0)
    """
    A = as_float_array("H", H)
    _check_thresholds(thresholds)
    if A.ndim != 2 or A.shape[0] != A.shape[1] or A.shape[0] == 0:
        raise bad_parameter("H", "a square (P, P) matrix", f"shape {A.shape}", cls=ShapeError)
    check_finite("H", A)
    scale = max(float(np.max(np.abs(A))), np.finfo(float).tiny)
    asym = float(np.max(np.abs(A - A.T))) / scale
    if asym > SYMMETRY_RTOL:
        raise bad_parameter("H",
                            f"symmetric to round-off (max|H - H.T|/max|H| <= {SYMMETRY_RTOL:g})",
                            f"relative asymmetry {asym:.3g}",
                            "pass a Hessian; a (Hv)v^T sketch or a Jacobian is not symmetric")
    lam = scipy.linalg.eigh(0.5 * (A + A.T), eigvals_only=True, driver="evd")
    return HessianSpectrum(lam, float(lam[-1]), float(lam[0]), spectrum_summary(lam, thresholds),
                           asym, "ok", f"dense eigh of a {A.shape[0]}x{A.shape[0]} matrix")


class _Counted(LinearOperator):
    """A symmetric LinearOperator that counts its matrix-vector products."""

    def __init__(self, A: LinearOperator) -> None:
        super().__init__(dtype=np.dtype(np.float64), shape=A.shape)
        self._A = A
        self.n_matvec = 0

    def _matvec(self, v: np.ndarray) -> np.ndarray:
        self.n_matvec += 1
        return np.asarray(self._A.matvec(np.ascontiguousarray(np.ravel(v), dtype=np.float64)),
                          dtype=np.float64).ravel()

    def _rmatvec(self, v: np.ndarray) -> np.ndarray:
        return self._matvec(v)

    def _matmat(self, V: np.ndarray) -> np.ndarray:
        return np.column_stack([self._matvec(V[:, j]) for j in range(V.shape[1])])


def hvp_linear_operator(hvp: Callable[[np.ndarray], np.ndarray], dim: int) -> LinearOperator:
    """Wrap a Hessian-vector product ``hvp(v) -> H v`` (shapes (P,) -> (P,)) as a LinearOperator.

    The operator is declared symmetric (``rmatvec = matvec``). For networks,
    :func:`deeprelax.nn.hvp_operator` already returns one.
    """
    d = check_int("dim", dim, low=1)
    if not callable(hvp):
        raise bad_parameter("hvp", "a callable v -> H v", type(hvp).__name__)

    def mv(v: np.ndarray) -> np.ndarray:
        return np.asarray(hvp(np.ravel(v)), dtype=np.float64).ravel()

    return LinearOperator((d, d), matvec=mv, rmatvec=mv, dtype=np.float64)


def _as_operator(A: Any, name: str = "A") -> _Counted:
    """``A`` as a counted, real, symmetric operator; raise naming ``name`` otherwise.

    A dense array must be real, square, finite and symmetric to ``SYMMETRY_RTOL``
    (relative to max|A|). A LinearOperator must have a real dtype and pass a
    two-product probe: |uᵀ(Av) − vᵀ(Au)| ≤ OPERATOR_SYMMETRY_RTOL · ‖Au‖‖v‖ for seeded
    random u, v (the two products are counted in ``n_matvec``).
    """
    if isinstance(A, LinearOperator):
        op = A
        if np.dtype(op.dtype).kind not in "fiub":
            raise bad_parameter(name, "a real symmetric operator", f"dtype {op.dtype}",
                                "Lanczos here is for real symmetric matrices (Hessians)")
        if len(op.shape) != 2 or op.shape[0] != op.shape[1]:
            raise bad_parameter(name, "a square (P, P) operator", f"shape {op.shape}", cls=ShapeError)
        counted = _Counted(op)
        rng = np.random.default_rng(12345)
        u, v = rng.standard_normal(op.shape[0]), rng.standard_normal(op.shape[0])
        Au, Av = counted.matvec(u), counted.matvec(v)
        if not (np.all(np.isfinite(Au)) and np.all(np.isfinite(Av))):
            raise bad_parameter(name, "an operator with finite products", "NaN/inf in A v",
                                cls=NonFiniteError)
        gap = abs(float(u @ Av) - float(v @ Au))
        scale = float(np.linalg.norm(Au) * np.linalg.norm(v)) + np.finfo(float).tiny
        if gap > OPERATOR_SYMMETRY_RTOL * scale:
            raise bad_parameter(name, "a symmetric operator (u·Av = v·Au)",
                                f"relative asymmetry {gap / scale:.3g} on a random probe",
                                "pass a Hessian-vector product; a Jacobian or (Hv)v^T sketch is "
                                "not symmetric")
        return counted
    if A is None or isinstance(A, (str, bytes)):
        raise bad_parameter(name, "a square real symmetric matrix or a LinearOperator", A)
    try:
        arr = np.asarray(A)
    except (TypeError, ValueError) as exc:  # ragged nests
        raise bad_parameter(name, "a square real symmetric matrix or a LinearOperator",
                            f"{type(A).__name__} ({exc})") from None
    if arr.dtype.kind not in "fiub":
        raise bad_parameter(name, "a real symmetric matrix or LinearOperator", f"dtype {arr.dtype}",
                            "Lanczos here is for real symmetric matrices (Hessians)")
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1] or arr.shape[0] < 1:
        raise bad_parameter(name, "a square (P, P) matrix or a LinearOperator", f"shape {arr.shape}",
                            cls=ShapeError)
    arr = arr.astype(np.float64, copy=False)
    check_finite(name, arr)
    scale = max(float(np.max(np.abs(arr))), np.finfo(float).tiny)
    asym = float(np.max(np.abs(arr - arr.T))) / scale
    if asym > SYMMETRY_RTOL:
        raise bad_parameter(name, f"symmetric to round-off (max|A - A.T|/max|A| <= {SYMMETRY_RTOL:g})",
                            f"relative asymmetry {asym:.3g}", "pass (A + A.T) / 2 or a Hessian")
    return _Counted(aslinearoperator(arr))


def lanczos_extremes(A: Any, k: int = 20, *, which: str = "both", tol: float = 1e-6,
                     maxiter: int | None = None, ncv: int | None = None, seed: int = 0,
                     return_vectors: bool = False) -> LanczosExtremes:
    """The k largest and/or k smallest eigenvalues of a symmetric operator by Lanczos.

    Parameters
    ----------
    A : ndarray (P, P) or LinearOperator
        Symmetric; e.g. ``deeprelax.nn.hvp_operator(model, x, X, y)``.
    k : int
        Number of eigenvalues at each requested end (1 ≤ k < P).
    which : {"both", "largest", "smallest"}
        "largest": the k largest algebraic (λ_max end); "smallest": the k smallest
        algebraic (most negative) eigenvalues; "both": two ARPACK runs.
    tol : float
        ARPACK relative accuracy of the Ritz values.
    maxiter : int, optional
        Restarts allowed per run (ARPACK default 10·P).
    ncv : int, optional
        Lanczos basis size (default max(2k + 1, 20)).
    seed : int
        Seed of the starting vector (reproducible runs).
    return_vectors : bool
        Also return the eigenvectors.

    Returns
    -------
    LanczosExtremes

    Notes
    -----
    Implicitly restarted Lanczos (ARPACK ``dsaupd``) on matrix-vector products only, so
    memory is O(P · ncv). For a network Hessian the positive end converges in a few
    hundred products; the negative end is small in magnitude next to λ_max (|λ_min| ≈
    1e-2 λ_max in Entropy-SGD Fig. 1) and takes more restarts. ARPACK's "SA" mode is
    used rather than shift-invert (which would need solves with H).

    References
    ----------
    Lehoucq, Sorensen & Yang, ARPACK Users' Guide (SIAM, 1998).
    """
    k = check_int("k", k, low=1)
    check_choice("which", which, ("both", "largest", "smallest"))
    tol = check_positive("tol", tol)
    if maxiter is not None:
        maxiter = check_int("maxiter", maxiter, low=1)
    if ncv is not None:
        ncv = check_int("ncv", ncv, low=k + 1, fix="pass ncv > k (the Lanczos basis holds the k Ritz pairs)")
    seed = check_seed("seed", seed)
    return_vectors = check_bool("return_vectors", return_vectors)
    op = _as_operator(A)
    P = op.shape[0]
    if not k < P:
        raise bad_parameter("k", f"an integer in 1..{P - 1} (ARPACK needs k < P)", k)
    ncv_ = min(P, ncv if ncv is not None else max(2 * k + 1, 20))
    v0 = np.random.default_rng(seed).standard_normal(P)
    status, notes = "ok", []

    def run(mode: str) -> tuple[np.ndarray, np.ndarray | None]:
        nonlocal status
        try:
            out = eigsh(op, k=k, which=mode, tol=tol, maxiter=maxiter, ncv=ncv_, v0=v0,
                        return_eigenvectors=return_vectors)
        except ArpackNoConvergence as err:
            status = "maxiter"
            notes.append(f"{mode}: {len(err.eigenvalues)} of {k} converged")
            vecs = err.eigenvectors if return_vectors else None
            return np.asarray(err.eigenvalues, float), vecs
        if return_vectors:
            return np.asarray(out[0], float), out[1]
        return np.asarray(out, float), None

    big, bigv, small, smallv = np.empty(0), None, np.empty(0), None
    if which in ("both", "largest"):
        big, bigv = run("LA")
        order = np.argsort(big)[::-1]
        big, bigv = big[order], (bigv[:, order] if bigv is not None else None)
    if which in ("both", "smallest"):
        small, smallv = run("SA")
        order = np.argsort(small)
        small, smallv = small[order], (smallv[:, order] if smallv is not None else None)
    msg = f"ARPACK Lanczos, k={k}, ncv={ncv_}, {op.n_matvec} matvecs" + (
        "; " + "; ".join(notes) if notes else "")
    return LanczosExtremes(big, small, bigv, smallv, op.n_matvec, status, msg)


def lanczos_tridiagonal(A: Any, v0: Any, m: int) -> tuple[np.ndarray, np.ndarray]:
    """m steps of Lanczos with full reorthogonalisation from ``v0``: the tridiagonal T_m.

    Parameters
    ----------
    A : ndarray (P, P) or LinearOperator
        Symmetric.
    v0 : array_like (P,)
        Starting vector (normalised here).
    m : int
        Number of steps (≤ P).

    Returns
    -------
    alpha : ndarray (j,)
        Diagonal of T (j ≤ m; fewer when an invariant subspace is found).
    beta : ndarray (j - 1,)
        Off-diagonal.

    Notes
    -----
    Full (twice-applied classical Gram–Schmidt) reorthogonalisation against the stored
    basis, O(P·m) memory and O(P·m²) work; without it, lost orthogonality produces
    spurious copies of converged Ritz values ("ghost" eigenvalues) and biases the
    quadrature weights.
    """
    op = A if isinstance(A, _Counted) else _as_operator(A)
    P = op.shape[0]
    m = check_int("m", m)
    if not 1 <= m <= P:
        raise bad_parameter("m", f"an integer in 1..{P}", m)
    v = as_float_array("v0", v0).ravel()
    if v.shape != (P,):
        raise bad_parameter("v0", f"a vector of shape ({P},)", f"shape {v.shape}", cls=ShapeError)
    nv = np.linalg.norm(v)
    if not np.isfinite(nv) or nv == 0:
        raise bad_parameter("v0", "a finite non-zero vector", "a zero or non-finite vector")
    V = np.empty((m, P))
    V[0] = v / nv
    alpha, beta = np.empty(m), np.empty(max(m - 1, 0))
    for j in range(m):
        w = op.matvec(V[j])
        alpha[j] = V[j] @ w
        for _ in range(2):
            w -= V[: j + 1].T @ (V[: j + 1] @ w)
        if j == m - 1:
            break
        b = np.linalg.norm(w)
        if b <= BREAKDOWN_RTOL * max(np.linalg.norm(alpha[: j + 1]), np.finfo(float).tiny):
            return alpha[: j + 1], beta[:j]
        beta[j] = b
        V[j + 1] = w / b
    return alpha, beta


def slq_density(A: Any, *, n_probes: int = 16, n_steps: int = 80, seed: int = 0) -> SpectralDensity:
    """Spectral density of a symmetric operator by stochastic Lanczos quadrature.

    Parameters
    ----------
    A : ndarray (P, P) or LinearOperator
        Symmetric; e.g. a network Hessian from :func:`deeprelax.nn.hvp_operator`.
    n_probes : int
        Independent Rademacher probes (≥ 2 for an error estimate).
    n_steps : int
        Lanczos steps m per probe (≤ P); the quadrature is exact for polynomials of
        degree ≤ 2m − 1.
    seed : int
        Seed of the probes; probe i is the same for any ``n_probes`` > i.

    Returns
    -------
    SpectralDensity
        ``n_matvec`` ≤ n_probes · n_steps.

    Notes
    -----
    For a unit probe v = z/√P with Rademacher z, E[vᵀ f(A) v] = P⁻¹ tr f(A) = ∫ f dρ.
    Lanczos from v builds T_m = Y diag(θ) Yᵀ and vᵀ f(A) v ≈ Σⱼ Y₀ⱼ² f(θⱼ) (Gauss
    quadrature for the spectral measure of v). Errors: Monte Carlo over probes (the
    returned standard errors) plus, for non-polynomial f, quadrature error that decays
    with m. Every eigenvalue can carry weight, so the estimate is not rank-limited.

    References
    ----------
    Ubaru, Chen & Saad, SIAM J. Matrix Anal. Appl. 38 (2017); Ghorbani, Krishnan & Xiao,
    arXiv:1901.10159.

    Examples
    --------
    >>> dens = slq_density(np.diag(np.arange(1.0, 11.0)), n_probes=4, n_steps=10)
    >>> round(dens.expectation(lambda z: z)[0], 12)
    5.5
    """
    n_probes = check_int("n_probes", n_probes, low=1)
    m = check_int("n_steps", n_steps, low=1)
    seed = check_seed("seed", seed)
    op = _as_operator(A)
    P = op.shape[0]
    if not 1 <= m <= P:
        raise bad_parameter("n_steps", f"an integer in 1..{P} (at most the dimension)", n_steps)
    nodes = np.full((n_probes, m), np.nan)
    weights = np.zeros((n_probes, m))
    ss = np.random.SeedSequence(seed)
    short = 0
    for i, child in enumerate(ss.spawn(n_probes)):
        z = np.random.default_rng(child).integers(0, 2, size=P) * 2.0 - 1.0
        alpha, beta = lanczos_tridiagonal(op, z, m)
        theta, Y = scipy.linalg.eigh_tridiagonal(alpha, beta)
        j = alpha.size
        short += j < m
        nodes[i, :j] = theta
        weights[i, :j] = Y[0] ** 2
    msg = f"SLQ: {n_probes} Rademacher probes x {m} Lanczos steps, {op.n_matvec} matvecs"
    if short:
        msg += f"; {short} probe(s) hit an invariant subspace early (exact for those)"
    return SpectralDensity(nodes, weights, P, op.n_matvec, "ok", msg)
