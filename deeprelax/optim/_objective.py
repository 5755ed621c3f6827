"""The objective protocol of :mod:`deeprelax.optim`, and two adapters.

Contract (stable; the network room builds minibatch objectives on it)
--------------------------------------------------------------------
An *objective* is any object with

``dim : int``
    The number d of parameters; parameters are one flat vector ``x`` of shape ``(d,)``.
``batch_size : int``
    The minibatch size b of one :meth:`loss_and_grad` call (1 for an exact gradient).
``n_samples : int | None``
    The dataset size N, or ``None`` when there is no finite dataset (a landscape).
    With it, ``samples touched = n_grad_evals · b`` and *effective epochs*
    ``= n_grad_evals · b / N`` are counted by :func:`~deeprelax.optim.minimize`.
``loss_and_grad(x, rng) -> (loss, grad)``
    One stochastic minibatch: ``x`` is a flat float64 array of shape ``(d,)`` in any
    array-API namespace (numpy, cupy, array_api_strict); ``rng`` is a
    :class:`numpy.random.Generator`. Returns the minibatch loss as a Python ``float``
    and the minibatch gradient as a **new** array of shape ``(d,)`` in the namespace
    and on the device of ``x``. The minibatch (and any injected noise) must be drawn
    from ``rng`` and from nothing else, so that replaying a copy of ``rng`` replays
    the same minibatch (:func:`~deeprelax.optim.sam` evaluates its perturbed gradient
    that way). ``x`` must not be modified.
``full_loss(x) -> float``
    The full-batch loss f(x) = N⁻¹ Σₖ f(x; ξₖ) (the exact f for a landscape).

Optional:

``loss_and_grad_batch(X, rng) -> (losses, grads)``
    Vectorised over replicas: ``X`` of shape ``(n, d)``, returns ``losses`` of shape
    ``(n,)`` (numpy) and ``grads`` of shape ``(n, d)`` (namespace of ``X``); row i is
    an independent minibatch at ``X[i]``. Elastic-SGD and Parle use it when present,
    else they call :meth:`loss_and_grad` row by row with child generators
    (:func:`replica_loss_and_grad`).

Randomness is passed in, never global: the driver owns one ``Generator`` built from
its ``seed``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

import array_api_compat
import numpy as np

from .._core import (
    ParameterError,
    ShapeError,
    as_float_array,
    bad_parameter,
    check_finite,
    check_int,
    check_nonnegative,
    check_psd,
    to_numpy,
)
from ._random import standard_normal

__all__ = [
    "Objective",
    "NoisyLandscape",
    "FunctionObjective",
    "check_objective",
    "replica_loss_and_grad",
    "replica_seeds",
    "check_rng",
]

#: Upper bound (exclusive) of the child seeds drawn for per-replica generators.
_CHILD_SEED_BOUND = 2**63


@runtime_checkable
class Objective(Protocol):
    """The objective protocol (see the module docstring for the full contract)."""

    dim: int
    batch_size: int
    n_samples: int | None

    def loss_and_grad(self, x: Any, rng: np.random.Generator) -> tuple[float, Any]:
        """Minibatch loss and gradient at the flat vector ``x`` of shape ``(d,)``."""
        ...

    def full_loss(self, x: Any) -> float:
        """Full-batch loss at ``x``."""
        ...


def check_objective(objective: Any) -> Any:
    """Raise a clear error unless ``objective`` follows the protocol; return it."""
    missing = [a for a in ("dim", "batch_size", "n_samples", "loss_and_grad", "full_loss")
               if not hasattr(objective, a)]
    if missing:
        raise bad_parameter(
            "objective", "an object with dim, batch_size, n_samples, loss_and_grad(x, rng), "
            "full_loss(x)", f"{type(objective).__name__} lacking {missing}",
            "wrap your functions in deeprelax.optim.FunctionObjective")
    if not callable(objective.loss_and_grad) or not callable(objective.full_loss):
        raise bad_parameter("objective", "an object whose loss_and_grad and full_loss are callable",
                            type(objective).__name__)
    check_int("objective.dim", objective.dim, low=1)
    check_int("objective.batch_size", objective.batch_size, low=1)
    if objective.n_samples is not None:
        check_int("objective.n_samples", objective.n_samples, low=1)
    return objective


def check_rng(name: str, rng: Any) -> np.random.Generator:
    """Raise unless ``rng`` is a :class:`numpy.random.Generator` (randomness is passed in)."""
    if not isinstance(rng, np.random.Generator):
        raise bad_parameter(name, "a numpy.random.Generator", type(rng).__name__,
                            "pass np.random.default_rng(seed)")
    return rng


def replica_seeds(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` child seeds drawn from ``rng``: replica i's generator is ``default_rng(seeds[i])``."""
    check_rng("rng", rng)
    n = check_int("n", n, low=0)
    return rng.integers(_CHILD_SEED_BOUND, size=n)


def replica_loss_and_grad(
    objective: Any, X: Any, rng: np.random.Generator
) -> tuple[np.ndarray, Any]:
    """Losses ``(n,)`` and gradients ``(n, d)`` at the rows of ``X``, one minibatch per row.

    Uses ``objective.loss_and_grad_batch`` when present; otherwise calls
    ``loss_and_grad(X[i], default_rng(seeds[i]))`` with ``seeds = replica_seeds(rng, n)``,
    so that replica i's minibatches are those of an independent run driven by the
    same child generators.
    """
    check_objective(objective)
    check_rng("rng", rng)
    if not hasattr(X, "shape") or len(X.shape) != 2 or X.shape[1] != int(objective.dim) or X.shape[0] < 1:
        raise bad_parameter("X", f"an array of shape (n, {int(objective.dim)}), n >= 1",
                            f"shape {getattr(X, 'shape', type(X).__name__)}", cls=ShapeError)
    batch = getattr(objective, "loss_and_grad_batch", None)
    if batch is not None:
        losses, grads = batch(X, rng)
        return np.asarray(losses, dtype=np.float64), grads
    xp = array_api_compat.array_namespace(X)
    n = X.shape[0]
    seeds = replica_seeds(rng, n)
    losses = np.empty(n)
    rows = []
    for i in range(n):
        loss, g = objective.loss_and_grad(X[i, ...], np.random.default_rng(int(seeds[i])))
        losses[i] = loss
        rows.append(g)
    return losses, xp.stack(rows, axis=0)


def _noise_factor(noise_cov: Any, dim: int) -> tuple[str, Any]:
    """Classify ``noise_cov`` and return a factor S with S Sᵀ = D (or a callable)."""
    if callable(noise_cov):
        return "callable", noise_cov
    D = as_float_array("noise_cov", noise_cov)
    check_finite("noise_cov", D)
    if D.ndim == 0:
        return "scalar", np.sqrt(check_nonnegative("noise_cov", float(D), "pass a variance >= 0"))
    if D.ndim == 1:
        if D.shape != (dim,):
            raise bad_parameter("noise_cov", f"a diagonal of shape ({dim},)", f"shape {D.shape}",
                                cls=ShapeError)
        if np.any(D < 0):
            raise bad_parameter("noise_cov", "a non-negative diagonal", f"min {D.min():.3g}",
                                "pass variances >= 0")
        return "diag", np.sqrt(D)
    if D.shape != (dim, dim):
        raise bad_parameter("noise_cov", f"a matrix of shape ({dim}, {dim})", f"shape {D.shape}",
                            cls=ShapeError)
    return "matrix", _psd_sqrt("noise_cov", D)


def _psd_sqrt(name: str, D: np.ndarray) -> np.ndarray:
    """S = V diag(√λ) with D = V diag(λ) Vᵀ, so S Sᵀ = D (D only PSD, so no Cholesky)."""
    check_psd(name, D)
    w, V = np.linalg.eigh(0.5 * (D + D.T))
    return V * np.sqrt(np.clip(w, 0.0, None))[None, :]


class NoisyLandscape:
    """A landscape as a stochastic objective: ĝ(x) = ∇f(x) + ζ, ζ ~ N(0, D(x)/b).

    The noise model of SGD with batch size b and per-sample gradient covariance D
    (Chaudhari & Soatto 2018, Definition 1: var ∇f_b = D/b, sampling with
    replacement); the SDE room's discrete SGD map uses the same model.

    Parameters
    ----------
    landscape : Landscape
        f with ``grad(x)`` over ``(..., d)`` numpy arrays (:mod:`deeprelax.landscapes`).
    noise_cov : float, array_like (d,) or (d, d), or callable, default 0
        D: a variance σ² (D = σ²I), a diagonal, a constant PSD matrix, or a callable
        ``D(x) -> (d, d)`` for x of shape ``(d,)`` (state-dependent noise). ``0`` gives
        the exact gradient.
    batch_size : int, default 1
        b; the noise covariance is D/b.
    n_samples : int, optional
        N, for effective-epoch accounting only (the noise model is with replacement).

    Notes
    -----
    ``loss_and_grad`` returns the exact f(x) as the loss (noise acts on gradients)
    and draws d normals from ``rng`` per call. The landscape's Numba kernels run on
    the host: arrays of other namespaces are copied there and back.

    Examples
    --------
    >>> import numpy as np
    >>> from deeprelax.landscapes import quadratic
    >>> obj = NoisyLandscape(quadratic(np.eye(2)), noise_cov=0.1, batch_size=4)
    >>> loss, g = obj.loss_and_grad(np.ones(2), np.random.default_rng(0))
    >>> g.shape
    (2,)
    """

    def __init__(self, landscape: Any, noise_cov: Any = 0.0, batch_size: int = 1,
                 n_samples: int | None = None) -> None:
        missing = [a for a in ("dim", "grad", "value") if not hasattr(landscape, a)]
        if missing:
            raise bad_parameter("landscape", "a Landscape (dim, value, grad), e.g. deeprelax.landscapes.quadratic",
                                f"{type(landscape).__name__} lacking {missing}",
                                "for your own functions use FunctionObjective")
        self.landscape = landscape
        self.dim = check_int("landscape.dim", landscape.dim, low=1)
        self.batch_size = check_int("batch_size", batch_size, low=1)
        self.n_samples = None if n_samples is None else check_int("n_samples", n_samples, low=1)
        self._kind, self._factor = _noise_factor(noise_cov, self.dim)
        self.noise_cov = noise_cov

    def _noise(self, xh: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """ζ of the shape of ``xh`` ((d,) or (n, d)), scaled by b^{-1/2}."""
        if self._kind == "scalar" and self._factor == 0.0:
            return np.zeros_like(xh)
        xi = rng.standard_normal(xh.shape)
        # ζ = S ξ / √b with S Sᵀ = D: the minibatch-mean noise of b samples drawn with
        # replacement from per-sample gradients of covariance D (Definition 1)
        if self._kind in ("scalar", "diag"):
            z = xi * self._factor
        elif self._kind == "matrix":
            z = xi @ self._factor.T
        else:
            rows = np.atleast_2d(xh)
            z = np.atleast_2d(xi).copy()
            for i in range(rows.shape[0]):
                D = np.asarray(self._factor(rows[i]), dtype=np.float64)
                if D.shape != (self.dim, self.dim):
                    want = f"a matrix of shape ({self.dim}, {self.dim})"
                    raise bad_parameter("noise_cov(x)", want, f"shape {D.shape}", cls=ShapeError)
                z[i] = _psd_sqrt("noise_cov(x)", D) @ z[i]
            z = z.reshape(xh.shape)
        return z / np.sqrt(self.batch_size)

    def _host(self, x: Any, ndim: int) -> np.ndarray:
        name = "x" if ndim == 1 else "X"
        xh = as_float_array(name, to_numpy(x)) if array_api_compat.is_array_api_obj(x) else as_float_array(name, x)
        if xh.ndim != ndim or xh.shape[-1] != self.dim:
            want = f"({self.dim},)" if ndim == 1 else f"(n, {self.dim})"
            raise bad_parameter(name, f"an array of shape {want}", f"shape {xh.shape}",
                                cls=ShapeError)
        return xh

    def loss_and_grad(self, x: Any, rng: np.random.Generator) -> tuple[float, Any]:
        """f(x) and ∇f(x) + N(0, D(x)/b) for ``x`` of shape ``(d,)``."""
        check_rng("rng", rng)
        xh = self._host(x, 1)
        g = self.landscape.grad(xh).reshape(self.dim) + self._noise(xh, rng)
        loss = float(self.landscape.value(xh[None, :])[0])
        return loss, _like(g, x)

    def loss_and_grad_batch(self, X: Any, rng: np.random.Generator) -> tuple[np.ndarray, Any]:
        """Rows of ``X`` (n, d): losses (n,) and gradients (n, d), independent noise per row."""
        check_rng("rng", rng)
        xh = self._host(X, 2)
        g = self.landscape.grad(xh) + self._noise(xh, rng)
        return np.asarray(self.landscape.value(xh), dtype=np.float64), _like(g, X)

    def full_loss(self, x: Any) -> float:
        """The exact f(x)."""
        xh = self._host(x, 1)
        return float(self.landscape.value(xh[None, :])[0])

    def __repr__(self) -> str:
        return (f"NoisyLandscape({self.landscape!r}, noise={self._kind}, "
                f"batch_size={self.batch_size}, n_samples={self.n_samples})")


def _like(g: np.ndarray, x: Any) -> Any:
    """Host array ``g`` in the namespace and on the device of ``x``."""
    if isinstance(x, np.ndarray):
        return g
    xp = array_api_compat.array_namespace(x)
    return xp.asarray(g, device=array_api_compat.device(x))


class FunctionObjective:
    """An objective from array-API callables: ``value(x) -> float``, ``grad(x) -> (d,)``.

    The gradient is exact, plus optional isotropic noise N(0, σ²I/b) drawn from ``rng``
    in the namespace of ``x`` (so a cupy ``x`` keeps everything on the device).

    Parameters
    ----------
    value, grad : callable
        f(x) and ∇f(x) for a flat array ``x`` of shape ``(d,)``, written with the
        array-API namespace of ``x`` (``array_api_compat.array_namespace(x)``).
    dim : int
        d.
    noise_std : float, default 0
        σ, the per-sample gradient noise standard deviation.
    batch_size : int, default 1
        b (noise standard deviation σ/√b).
    n_samples : int, optional
        N, for effective-epoch accounting.
    """

    def __init__(self, value: Callable[[Any], Any], grad: Callable[[Any], Any], *, dim: int,
                 noise_std: float = 0.0, batch_size: int = 1, n_samples: int | None = None) -> None:
        for name, f in (("value", value), ("grad", grad)):
            if not callable(f):
                raise bad_parameter(name, "a callable of x", f)
        self._value, self._grad = value, grad
        self.dim = check_int("dim", dim, low=1)
        self.noise_std = check_nonnegative("noise_std", noise_std)
        self.batch_size = check_int("batch_size", batch_size, low=1)
        self.n_samples = None if n_samples is None else check_int("n_samples", n_samples, low=1)

    def loss_and_grad(self, x: Any, rng: np.random.Generator) -> tuple[float, Any]:
        """f(x) and ∇f(x) (+ N(0, σ²I/b))."""
        if getattr(x, "shape", None) != (self.dim,):
            raise bad_parameter("x", f"an array of shape ({self.dim},)", f"shape {getattr(x, 'shape', None)}",
                                cls=ShapeError)
        check_rng("rng", rng)
        g = self._grad(x)
        if getattr(g, "shape", None) != (self.dim,):
            raise ParameterError(f"`grad(x)` must return an array of shape ({self.dim},), got "
                                 f"{getattr(g, 'shape', type(g).__name__)}; return the gradient as one flat array")
        if self.noise_std > 0:
            sd = float(self.noise_std / np.sqrt(self.batch_size))
            g = g + sd * standard_normal(rng, (self.dim,), x)
        return float(self._value(x)), g

    def full_loss(self, x: Any) -> float:
        """f(x)."""
        return float(self._value(x))

    def __repr__(self) -> str:
        return (f"FunctionObjective(dim={self.dim}, noise_std={self.noise_std}, "
                f"batch_size={self.batch_size})")
