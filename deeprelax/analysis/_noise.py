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
from .._core._validate import as_float_array, check_int, check_nonnegative
from ..nn._derivatives import PER_SAMPLE_BYTES, per_sample_grads
from ..nn._layers import Dense
from ..nn._model import _check_model, _onehot, softmax_cross_entropy

__all__ = [
    "NoiseSpectrum",
    "RANK_RULES",
    "noise_covariance",
    "noise_spectrum",
    "noise_spectrum_net",
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
#: Methods of :func:`noise_spectrum_net`.
NET_METHODS = ("auto", "layer_gram", "param_cov")
#: Floating-point types of :func:`noise_spectrum_net` (GEMMs and ``eigh``).
NET_DTYPES = ("float64", "float32")
#: Rows of the N x N Gram formed per block in :func:`noise_spectrum_net` (bounds temporaries).
GRAM_BLOCK = 1024


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
        kk = self.components.shape[0] if k is None else check_int("k", k)
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
    A = as_float_array("G", G)
    if A.ndim != 2 or A.shape[0] < 2:
        raise bad_parameter("G", "an (N, P) matrix of per-sample gradients with N >= 2",
                            f"shape {A.shape}", "stack one gradient per row", cls=ShapeError)
    check_finite("G", A)
    return A


def _check_components(n_components: Any, r: int) -> int:
    k = check_int("n_components", n_components)
    if not 0 <= k <= r:
        raise bad_parameter("n_components", f"an integer in 0..{r} (= min(N, P))", n_components)
    return k


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
    r = min(N, P)
    k = _check_components(n_components, r)
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


def _net_factors(model: Any, x: np.ndarray, X: Any, y: Any, stats: Any,
                 chunk: int) -> tuple[dict[int, tuple[np.ndarray, np.ndarray]], dict[int, list]]:
    """Per-layer factors of every sample's gradient, no (N, P) matrix formed.

    Dense layer i: ``(A, Δ)`` with A (N, n_in) its inputs and Δ (N, n_out) the
    back-propagated deltas, so the sample's gradient is (a δᵀ, δ). Every other layer
    with parameters: its per-sample gradients, one (N, size) array per parameter block.
    """
    n = X.shape[0]
    yy = model._labels(y, n)
    views = model.views(x)
    player = sorted({sl.layer for sl in model.slots})
    dense = {i: (np.empty((n, model.layers[i].n_in), x.dtype), np.empty((n, model.layers[i].n_out), x.dtype))
             for i in player if type(model.layers[i]) is Dense}
    other = {i: [np.empty((n, sl.stop - sl.start), x.dtype) for sl in model.slots if sl.layer == i]
             for i in player if i not in dense}
    shapes = {i: [sl.shape for sl in model.slots if sl.layer == i] for i in other}
    for s in range(0, n, chunk):
        z, caches = model._run(x, X[s:s + chunk], model._ctx(x, False, None, stats))
        m = z.shape[0]
        oh = _onehot(np, yy[s:s + m], model.n_classes, z.dtype, "cpu")
        _, prob = softmax_cross_entropy(z, oh)
        delta = prob - oh  # per-sample loss: no 1/n
        for i in range(len(model.layers) - 1, -1, -1):
            need = i > model._first_param_layer
            layer = model.layers[i]
            if i in dense:
                dense[i][0][s:s + m] = caches[i].reshape(m, -1)
                dense[i][1][s:s + m] = delta
                delta = delta @ views[i][0].T if need else None
            else:
                G = [buf[s:s + m].reshape(m, *shp) for buf, shp in zip(other.get(i, []), shapes.get(i, []))]
                delta = layer.per_sample(views[i], caches[i], delta, G, need)
            if not need:
                break
    return dense, other


def _layer_gram(dense: dict, other: dict, n: int, dtype: Any) -> np.ndarray:
    """K = Σ_dense (A Aᵀ + 1)∘(Δ Δᵀ) + Σ_other G Gᵀ, the uncentred N x N Gram, in row blocks."""
    pairs = [(A.astype(dtype, copy=False), D.astype(dtype, copy=False)) for A, D in dense.values()]
    blocks = [b for bufs in other.values() for b in bufs]
    Go = np.concatenate(blocks, axis=1).astype(dtype, copy=False) if blocks else None
    K = np.zeros((n, n), dtype=dtype)
    for i0 in range(0, n, GRAM_BLOCK):
        i1 = min(n, i0 + GRAM_BLOCK)
        Kb = K[i0:i1]
        for A, D in pairs:
            T = A[i0:i1] @ A.T
            T += 1.0  # the bias: its per-sample gradient is δ, i.e. a constant input 1
            T *= D[i0:i1] @ D.T
            Kb += T
        if Go is not None:
            Kb += Go[i0:i1] @ Go.T
    return K


def _net_mean_gradient(model: Any, dense: dict, other: dict, n: int) -> np.ndarray:
    """ḡ (without weight decay) from the factors, in the layout of ``x``."""
    g = np.empty(model.dim)
    for i, (A, D) in dense.items():
        sw, sb = [sl for sl in model.slots if sl.layer == i]
        g[sw.start:sw.stop] = (A.T @ D).ravel() / n
        g[sb.start:sb.stop] = D.mean(axis=0)
    for i, bufs in other.items():
        for sl, b in zip([sl for sl in model.slots if sl.layer == i], bufs):
            g[sl.start:sl.stop] = b.mean(axis=0)
    return g


def _net_Gt(model: Any, dense: dict, other: dict, U: np.ndarray) -> np.ndarray:
    """Gᵀ U (P, k) from the factors (G the (N, P) per-sample gradients, never formed)."""
    out = np.empty((model.dim, U.shape[1]))
    for i, (A, D) in dense.items():
        sw, sb = [sl for sl in model.slots if sl.layer == i]
        for j in range(U.shape[1]):
            out[sw.start:sw.stop, j] = (A.T @ (D * U[:, j:j + 1])).ravel()
        out[sb.start:sb.stop] = D.T @ U
    for i, bufs in other.items():
        for sl, b in zip([sl for sl in model.slots if sl.layer == i], bufs):
            out[sl.start:sl.stop] = b.T @ U
    return out


def noise_spectrum_net(model: Any, x: Any, X: Any, y: Any, *, stats: Any = None,
                       weight_decay: float = 0.0, n_components: int = 0, method: str = "auto",
                       dtype: str = "float64", chunk_size: int | None = None) -> NoiseSpectrum:
    """Spectrum of D for a network, without materialising the (N, P) per-sample gradients.

    Parameters
    ----------
    model : deeprelax.nn.Sequential
    x : ndarray (P,)
        Parameters (float32 or float64; the forward/backward passes run in its dtype).
    X, y : arrays
        The N samples (``(N, *input_shape)``, labels ``(N,)``) whose per-sample gradients
        gₖ = ∇f(x; ξₖ) define D (eval mode: dropout off, batch norm with ``stats``).
    stats : batch-norm statistics, optional
        Default: the population statistics of ``X`` at ``x``
        (:func:`deeprelax.nn.batch_norm_stats`).
    weight_decay : float
        λ ≥ 0; adds λx to every gₖ, so it moves ḡ but not D.
    n_components : int
        Leading eigenvectors of D to return (0..min(N, P)).
    method : {"auto", "layer_gram", "param_cov"}
        ``"layer_gram"``: eigenvalues of the centred N x N Gram Kc = J K J / N with
        K = Σ_dense (A Aᵀ + 1)∘(Δ Δᵀ) + Σ_other G_l G_lᵀ, where a dense layer's per-sample
        gradient is the outer product a δᵀ (so ⟨aᵢδᵢᵀ, aⱼδⱼᵀ⟩ = (aᵢ·aⱼ)(δᵢ·δⱼ)) and the
        other layers' (convolution, batch norm: few parameters) per-sample gradients are
        formed explicitly; J = I − 11ᵀ/N centres. ``"param_cov"``: the P x P matrix D
        accumulated over chunks of per-sample gradients (shifted by the first chunk's mean
        against cancellation). ``"auto"``: the Gram when N ≤ P, else the P x P matrix.
    dtype : {"float64", "float32"}
        Precision of the Gram / covariance GEMMs and of ``eigh``. float32 (what the
        papers' PyTorch code used) halves the time of ``eigh``; its eigenvalues have
        absolute error ~ eps32 · λ_max ≈ 1e-7 λ_max, below the paper's rank threshold
        λ_max · P · eps32.
    chunk_size : int, optional
        Samples per forward/backward chunk (default: 64 MiB of per-sample gradients).

    Returns
    -------
    NoiseSpectrum
        ``method`` is the path used; eigenvalues are the min(N, P) leading ones.

    Notes
    -----
    Cost of the Gram path: O(N² Σ_dense (n_in + n_out)) for the GEMMs plus O(N³) for
    ``eigh`` of an N x N matrix, against O(N² P) for the Gram of the explicit (N, P)
    matrix: for a 784-64-10 net (50,890 parameters) the GEMMs shrink ~60x and ``eigh``
    dominates. Memory: the N x N Gram and the per-layer factors, never N x P. The Gram
    is centred after it is formed (Kc = K − r1ᵀ − 1rᵀ + r̄, r the row means), so
    eigenvalues carry absolute error ~ eps · maxᵢ|gᵢ|², small next to λ_max unless
    |ḡ| ≫ the spread of the gₖ.

    References
    ----------
    Chaudhari & Soatto, arXiv:1710.11029, eq. (2), Figs 1–2. I. Goodfellow, "Efficient
    per-example gradient computations", arXiv:1510.01799 (the outer-product structure).

    Examples
    --------
    >>> from deeprelax import nn
    >>> m = nn.mlp((4,), (5,), 3)
    >>> x = m.init(0); X = np.random.default_rng(0).normal(size=(20, 4)); y = np.arange(20) % 3
    >>> a = noise_spectrum_net(m, x, X, y).eigenvalues
    >>> b = noise_spectrum(nn.per_sample_grads(m, x, X, y)).eigenvalues
    >>> bool(np.allclose(a, b, rtol=0, atol=1e-12 * b[0]))
    True
    """
    model = _check_model(model)
    if not isinstance(x, np.ndarray):
        raise bad_parameter("x", "a numpy parameter vector", type(x).__name__)
    model._check_x(x)
    wd = check_nonnegative("weight_decay", weight_decay)
    check_choice("method", method, NET_METHODS)
    check_choice("dtype", dtype, NET_DTYPES)
    Xb = model._batch(x, X)
    n = int(Xb.shape[0])
    if n < 2:
        raise bad_parameter("X", "at least 2 samples (D is a covariance)", f"{n} sample(s)", cls=ShapeError)
    model._labels(y, n)
    P = model.dim
    r = min(n, P)
    k = _check_components(n_components, r)
    step = PER_SAMPLE_BYTES // (P * x.dtype.itemsize) if chunk_size is None else \
        check_int("chunk_size", chunk_size, low=1)
    step = max(1, step)
    stats = model._stats_or_default(x, Xb, stats)
    dt = np.dtype(dtype)
    path = ("layer_gram" if n <= P else "param_cov") if method == "auto" else method
    comps = None
    if path == "layer_gram":
        dense, other = _net_factors(model, x, Xb, y, stats, step)
        g = _net_mean_gradient(model, dense, other, n)
        K = _layer_gram(dense, other, n, dt)
        rm = K.mean(axis=1, dtype=np.float64).astype(dt)
        K -= rm[:, None]
        K -= rm[None, :]
        K += rm.mean()
        K /= n
        if k:
            w, U = scipy.linalg.eigh(K, driver="evd", overwrite_a=True, check_finite=False)
            w, U = w[::-1].astype(np.float64), U[:, ::-1][:, :k].astype(np.float64)
            s = np.sqrt(np.clip(w[:k], np.finfo(float).tiny, None) * n)
            V = _net_Gt(model, dense, other, U) - np.outer(g, U.sum(axis=0))
            comps = (V / s).T
        else:
            w = scipy.linalg.eigh(K, eigvals_only=True, driver="evd", overwrite_a=True,
                                  check_finite=False)[::-1].astype(np.float64)
    else:
        S = np.zeros((P, P), dtype=dt)
        tot = np.zeros(P)
        c0 = None
        for s0 in range(0, n, step):
            Gc = per_sample_grads(model, x, Xb[s0:s0 + step], np.asarray(y)[s0:s0 + step], stats=stats)
            tot += Gc.sum(axis=0, dtype=np.float64)
            if c0 is None:
                c0 = Gc.mean(axis=0)
            Gs = (Gc - c0).astype(dt, copy=False)
            S += Gs.T @ Gs
        g = tot / n
        dm = (g - c0).astype(dt)
        S /= n
        S -= np.outer(dm, dm)
        if k:
            w, V = scipy.linalg.eigh(S, driver="evd", overwrite_a=True, check_finite=False)
            w = w[::-1].astype(np.float64)
            comps = V[:, ::-1][:, :k].T.astype(np.float64)
        else:
            w = scipy.linalg.eigh(S, eigvals_only=True, driver="evd", overwrite_a=True,
                                  check_finite=False)[::-1].astype(np.float64)
    lam = np.clip(w[:r], 0.0, None)
    if wd:
        g = g + wd * np.asarray(x, dtype=np.float64)
    msg = (f"{path} ({dtype}): D from N={n} per-sample gradients of P={P} parameters; "
           f"{lam.size} eigenvalues (rank <= {min(n - 1, P)})")
    return NoiseSpectrum(lam, comps, g, P, n, path, "ok", msg)


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
    lam = np.sort(as_float_array("eigenvalues", eigenvalues).ravel())[::-1]
    P = check_int("dim", dim, low=1)
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
    b = check_int("batch_size", batch_size)
    if b < 1:
        raise bad_parameter("batch_size", "a positive integer", batch_size)
    if n_samples is None:
        return 1.0 / b
    N = check_int("n_samples", n_samples)
    if N < max(b, 2):
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
