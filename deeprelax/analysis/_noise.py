"""The gradient-noise covariance D of SGD from per-sample gradients, its spectrum and rank.

Symbols (shapes): ``G`` the (N, P) matrix of per-sample gradients gₖ = ∇f(x; ξₖ) over
the N training samples (:func:`deeprelax.nn.per_sample_grads`); ḡ = N⁻¹ Σₖ gₖ the
full gradient; ``Gc = G − 1 ḡᵀ`` the centred matrix; the diffusion matrix

    D(x) = N⁻¹ Σₖ gₖ gₖᵀ − ḡ ḡᵀ = Gcᵀ Gc / N                    (SGD-VI eq. 2)

of shape (P, P), never formed when N ≪ P: its non-zero eigenvalues are the squared
singular values s² of ``Gc / √N`` (N × P, thin SVD in float64) and its eigenvectors the
right singular vectors. rank D ≤ min(N − 1, P).

The minibatch gradient ĝ_b = b⁻¹ Σ_{k∈B} gₖ has covariance D/b when the b indices are
i.i.d. uniform (sampling with replacement, SGD-VI Definition 1) and
(D/b)·(N − b)/(N − 1) when they are b distinct indices (without replacement, the
finite-population correction; SGD-VI App. A.2 and Remark 12).

References
----------
Chaudhari & Soatto, "Stochastic gradient descent performs variational inference,
converges to limit cycles for deep networks", arXiv:1710.11029, Definition 1, App. A.2,
Remark 12, Figs 1–2 (rank(D)/d = 0.3–2 %).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.linalg

from .._core import ParameterError, ShapeError, bad_parameter, check_choice, check_finite

__all__ = [
    "NoiseSpectrum",
    "RANK_RULES",
    "noise_covariance",
    "noise_spectrum",
    "noise_rank",
    "minibatch_noise_covariance",
    "minibatch_variance_factor",
]

#: Rank rules: the papers' footnote (λ > λ_max · P · eps_float32, grad-info
#: ``compute_sigma.py``), numpy's ``matrix_rank`` rule on singular values
#: (s > s_max · max(N, P) · eps_float64), a relative cut (λ > RELATIVE_RTOL · λ_max) and the
#: number of leading eigenvalues holding 90 % / 99 % of the trace.
RANK_RULES = ("paper", "numpy", "relative", "trace90", "trace99")
#: Relative eigenvalue cut of the "relative" rank rule.
RELATIVE_RTOL = 1e-6
_EPS32 = float(np.finfo(np.float32).eps)
_EPS64 = float(np.finfo(np.float64).eps)
#: Methods of :func:`noise_spectrum`.
METHODS = ("svd", "gram")


@dataclass(frozen=True)
class NoiseSpectrum:
    """Spectrum of the per-sample gradient covariance D at one point.

    Attributes
    ----------
    eigenvalues : ndarray (r,)
        The r = min(N, P) leading eigenvalues of D, descending (the other P − r are 0).
    components : ndarray (k, P) or None
        Leading eigenvectors of D (rows), k = ``n_components`` requested.
    mean_gradient : ndarray (P,)
        ḡ, the full gradient.
    dim : int
        P.
    n_samples : int
        N.
    method : str
        ``"svd"`` or ``"gram"``.
    status, message : str
    """

    eigenvalues: np.ndarray
    components: np.ndarray | None
    mean_gradient: np.ndarray
    dim: int
    n_samples: int
    method: str
    status: str = "ok"
    message: str = ""

    @property
    def trace(self) -> float:
        """tr D = N⁻¹ Σₖ |gₖ − ḡ|²."""
        return float(np.sum(self.eigenvalues))

    @property
    def mean(self) -> float:
        """Mean of all P eigenvalues λ(D) (zeros included): tr D / P."""
        return self.trace / self.dim

    @property
    def std(self) -> float:
        """Standard deviation of all P eigenvalues λ(D) (zeros included)."""
        lam = self.eigenvalues
        m2 = float(np.sum(lam * lam)) / self.dim
        return float(np.sqrt(max(m2 - self.mean**2, 0.0)))

    def all_eigenvalues(self) -> np.ndarray:
        """All P eigenvalues, descending (the P − r structural zeros appended)."""
        return np.concatenate([self.eigenvalues, np.zeros(self.dim - self.eigenvalues.size)])

    def rank(self, rule: str = "paper") -> int:
        """rank D under ``rule`` (one of :data:`RANK_RULES`); see :func:`noise_rank`."""
        return noise_rank(self.eigenvalues, self.dim, rule, n_samples=self.n_samples)

    def ranks(self) -> dict[str, int]:
        """rank D under every rule of :data:`RANK_RULES`."""
        return {r: self.rank(r) for r in RANK_RULES}

    def factor(self, k: int | None = None) -> np.ndarray:
        """A (P, k) factor L = V_k diag(√λ_k) with L Lᵀ = the best rank-k approximation of D.

        ``k`` defaults to the number of stored components.
        """
        if self.components is None:
            raise ParameterError("this NoiseSpectrum has no eigenvectors; call "
                                 "noise_spectrum(G, n_components=k) with k > 0")
        kk = self.components.shape[0] if k is None else int(k)
        if not 1 <= kk <= self.components.shape[0]:
            raise bad_parameter("k", f"an integer in 1..{self.components.shape[0]} (stored "
                                "components)", k)
        return self.components[:kk].T * np.sqrt(np.clip(self.eigenvalues[:kk], 0.0, None))

    def minibatch_factor(self, batch_size: int, n_samples: int | None = None,
                         k: int | None = None) -> np.ndarray:
        """(P, k) factor L_b with L_b L_bᵀ ≈ Cov(ĝ_b) = c · D (see
        :func:`minibatch_variance_factor`): √c times :meth:`factor`."""
        return np.sqrt(minibatch_variance_factor(batch_size, n_samples)) * self.factor(k)


def _check_G(G: Any) -> np.ndarray:
    A = np.asarray(G, dtype=np.float64)
    if A.ndim != 2 or A.shape[0] < 2:
        raise bad_parameter("G", "an (N, P) matrix of per-sample gradients with N >= 2",
                            f"shape {A.shape}", "stack one gradient per row", cls=ShapeError)
    check_finite("G", A)
    return A


def noise_covariance(G: Any) -> np.ndarray:
    """The explicit (P, P) matrix D = N⁻¹ Σₖ gₖ gₖᵀ − ḡ ḡᵀ (small P only: the test oracle).

    Parameters
    ----------
    G : array_like (N, P)
        Per-sample gradients, one per row.

    Returns
    -------
    ndarray (P, P)

    Notes
    -----
    Computed literally from the definition (SGD-VI eq. 2), uncentred second moment
    minus the outer product of the mean, so it is independent of the SVD path of
    :func:`noise_spectrum` that it checks.
    """
    A = _check_G(G)
    N = A.shape[0]
    g = A.mean(axis=0)
    return A.T @ A / N - np.outer(g, g)


def noise_spectrum(G: Any, *, n_components: int = 0, method: str = "svd") -> NoiseSpectrum:
    """Eigenvalues (and leading eigenvectors) of D from per-sample gradients, never forming D.

    Parameters
    ----------
    G : array_like (N, P)
        Per-sample gradients gₖ = ∇f(x; ξₖ) (float64; :func:`deeprelax.nn.per_sample_grads`).
    n_components : int
        Number k of leading eigenvectors of D to return (for :meth:`NoiseSpectrum.factor`
        and the plane of the top two eigenvectors).
    method : {"svd", "gram"}
        ``"svd"``: thin SVD of Gc/√N (N × P), float64 LAPACK ``gesdd``; eigenvalues
        λ = s² with absolute error ~ eps · s_max · s. ``"gram"``: ``eigh`` of the N × N
        matrix Gc Gcᵀ/N, cheaper when N ≪ P but with absolute error ~ eps · λ_max, so
        eigenvalues below ~1e-13 λ_max are noise (harmless for every rank rule here).

    Returns
    -------
    NoiseSpectrum

    Notes
    -----
    Cost O(min(N, P)² · max(N, P)); memory one copy of G. D = Gcᵀ Gc / N, so its
    eigenvalues are the squared singular values of Gc/√N and its eigenvectors the right
    singular vectors. Centring is done in float64 before the factorisation (the
    uncentred form N⁻¹Σgₖgₖᵀ − ḡḡᵀ cancels catastrophically when |ḡ| ≫ the spread).

    References
    ----------
    Chaudhari & Soatto, arXiv:1710.11029, eq. (2) and Figs 1–2.

    Examples
    --------
    >>> G = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 2.0], [0.0, -2.0]])
    >>> noise_spectrum(G).eigenvalues
    array([2. , 0.5])
    """
    A = _check_G(G)
    check_choice("method", method, METHODS)
    N, P = A.shape
    k = int(n_components)
    r = min(N, P)
    if not 0 <= k <= r:
        raise bad_parameter("n_components", f"an integer in 0..{r} (= min(N, P))", n_components)
    g = A.mean(axis=0)
    Gc = (A - g) / np.sqrt(N)
    comps = None
    if method == "svd":
        if k:
            _, s, Vt = scipy.linalg.svd(Gc, full_matrices=False, lapack_driver="gesdd")
            comps = Vt[:k].copy()
        else:
            s = scipy.linalg.svd(Gc, compute_uv=False, lapack_driver="gesdd")
        lam = s * s
    else:
        if N <= P:
            K = Gc @ Gc.T
            if k:
                w, U = scipy.linalg.eigh(K, driver="evd")
                w, U = w[::-1], U[:, ::-1]
                s = np.sqrt(np.clip(w[:k], np.finfo(float).tiny, None))
                comps = (Gc.T @ U[:, :k] / s).T
            else:
                w = scipy.linalg.eigh(K, eigvals_only=True, driver="evd")[::-1]
        else:
            K = Gc.T @ Gc
            if k:
                w, V = scipy.linalg.eigh(K, driver="evd")
                w, V = w[::-1], V[:, ::-1]
                comps = V[:, :k].T.copy()
            else:
                w = scipy.linalg.eigh(K, eigvals_only=True, driver="evd")[::-1]
        lam = np.clip(w, 0.0, None)
    msg = (f"{method}: D from N={N} per-sample gradients of P={P} parameters; "
           f"{lam.size} eigenvalues (rank <= {min(N - 1, P)})")
    return NoiseSpectrum(lam, comps, g, P, N, method, "ok", msg)


def noise_rank(eigenvalues: Any, dim: int, rule: str = "paper", *, n_samples: int | None = None,
               rtol: float = RELATIVE_RTOL) -> int:
    """rank D under a stated rule.

    Parameters
    ----------
    eigenvalues : array_like
        Eigenvalues of D (any order; missing ones are zeros).
    dim : int
        P, the side of D (enters the "paper" threshold).
    rule : {"paper", "numpy", "relative", "trace90", "trace99"}
        ``"paper"``: #{λ > λ_max · P · eps_float32} (SGD-VI Fig. 1 footnote, the authors'
        float32 code). ``"numpy"``: ``numpy.linalg.matrix_rank``'s rule on the singular
        values s = √(Nλ) of Gc: s > s_max · max(N, P) · eps_float64, i.e. λ > λ_max ·
        (max(N, P) · eps_float64)² (needs ``n_samples``). ``"relative"``: #{λ > rtol · λ_max}.
        ``"trace90"`` / ``"trace99"``: the smallest k with λ₁ + … + λ_k ≥ 0.90 / 0.99 tr D.
    n_samples : int, optional
        N, for the "numpy" rule.
    rtol : float
        Cut of the "relative" rule.

    Returns
    -------
    int
    """
    check_choice("rule", rule, RANK_RULES)
    lam = np.sort(np.asarray(eigenvalues, dtype=np.float64).ravel())[::-1]
    P = int(dim)
    if P < lam.size:
        raise bad_parameter("dim", f"at least the number of eigenvalues ({lam.size})", dim)
    if lam.size == 0 or lam[0] <= 0:
        return 0
    lmax = lam[0]
    if rule == "paper":
        return int(np.sum(lam > lmax * P * _EPS32))
    if rule == "numpy":
        if n_samples is None:
            raise ParameterError("`n_samples` must be given for rank rule 'numpy' "
                                 "(the threshold uses max(N, P))")
        return int(np.sum(lam > lmax * (max(int(n_samples), P) * _EPS64) ** 2))
    if rule == "relative":
        return int(np.sum(lam > rtol * lmax))
    frac = 0.90 if rule == "trace90" else 0.99
    c = np.cumsum(np.clip(lam, 0.0, None))
    return int(np.searchsorted(c, frac * c[-1] * (1 - 1e-12)) + 1)


def minibatch_variance_factor(batch_size: int, n_samples: int | None = None) -> float:
    """c such that Cov(ĝ_b) = c · D: 1/b with replacement, (1/b)(N − b)/(N − 1) without.

    Parameters
    ----------
    batch_size : int
        b ≥ 1.
    n_samples : int, optional
        N for sampling *without* replacement (b distinct indices); ``None`` means with
        replacement (b i.i.d. uniform indices).

    Notes
    -----
    Without replacement, cov(1_{i∈B}, 1_{j∈B}) = −b(N − b)/(N²(N − 1)) (SGD-VI App. A.2)
    gives Var(ĝ_b) = (D/b)(N − b)/(N − 1) = (D/b)(1 − b/N) · N/(N − 1); Remark 12's
    β⁻¹ = (η/2b)(1 − b/N) drops the N/(N − 1).
    """
    b = int(batch_size)
    if b != batch_size or b < 1:
        raise bad_parameter("batch_size", "a positive integer", batch_size)
    if n_samples is None:
        return 1.0 / b
    N = int(n_samples)
    if N != n_samples or N < max(b, 2):
        raise bad_parameter("n_samples", f"an integer >= max(batch_size, 2) = {max(b, 2)}",
                            n_samples, "sampling b distinct indices needs N >= b")
    return (N - b) / (b * (N - 1.0))


def minibatch_noise_covariance(D: Any, batch_size: int, n_samples: int | None = None) -> np.ndarray:
    """Covariance of the minibatch gradient: D/b (with replacement) or (D/b)(N − b)/(N − 1).

    Parameters
    ----------
    D : array_like (P, P)
        Per-sample gradient covariance (:func:`noise_covariance`). For a low-rank factor
        use :meth:`NoiseSpectrum.minibatch_factor`.
    batch_size, n_samples
        See :func:`minibatch_variance_factor`.

    Returns
    -------
    ndarray (P, P)
    """
    c = minibatch_variance_factor(batch_size, n_samples)
    A = np.asarray(D, dtype=np.float64)
    if A.ndim != 2 or A.shape[0] != A.shape[1]:
        raise bad_parameter("D", "a square (P, P) covariance", f"shape {A.shape}",
                            "pass NoiseSpectrum.minibatch_factor for a low-rank factor",
                            cls=ShapeError)
    return c * A
