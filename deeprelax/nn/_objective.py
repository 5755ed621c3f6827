"""Minibatch objectives of a network on a dataset, for :func:`deeprelax.optim.minimize`.

Follows the objective protocol of :mod:`deeprelax.optim` (``dim``, ``batch_size``,
``n_samples``, ``loss_and_grad(x, rng)``, ``full_loss(x)``).
"""

from __future__ import annotations

from typing import Any

import array_api_compat
import numpy as np

from .._core import ParameterError, ShapeError, bad_parameter, check_nonnegative
from .._core._validate import check_int
from ._derivatives import CHUNK, Evaluation, batch_norm_stats, evaluate
from ._model import Sequential, _check_model, float_name

__all__ = ["MinibatchObjective"]


class MinibatchObjective:
    r"""Mean cross-entropy of ``model`` on ``(X, y)``, one random minibatch per call.

    ``loss_and_grad(x, rng)`` draws b sample indices from ``rng`` (then dropout masks
    from the same ``rng``), runs the model in train mode and returns the minibatch
    loss and gradient

    .. math:: \hat g(x) = \frac1b \sum_{i \in B} \nabla f(x; \xi_i) + \lambda x .

    Parameters
    ----------
    model : Sequential
    X : ndarray (N, *input_shape)
    y : int ndarray (N,)
    batch_size : int
        b.
    replacement : bool
        ``True``: the b indices are i.i.d. uniform (sampling with replacement, the
        reference code; var ĝ = D/b). ``False``: b distinct indices per minibatch
        (var ĝ = (D/b)(1 − b/N) up to N/(N−1); Chaudhari & Soatto 2018, Remark 12).
    weight_decay : float
        λ in (λ/2)|x|².
    dtype : float32 or float64
        Compute dtype. ``x`` arrives as float64 (the optimizers' convention) and is cast;
        the gradient is returned in the dtype of ``x``.
    train : bool
        Train mode (dropout, batch statistics) for the minibatch gradient; ``False``
        gives eval-mode minibatch gradients (BN statistics of the minibatch).

    Notes
    -----
    Each call depends on ``rng`` only, so replaying a copy of ``rng`` replays the
    minibatch and the dropout masks. ``full_loss(x)`` is the eval-mode loss on all N
    samples (dropout off, batch norm with the population statistics of ``X`` at
    ``x``, recomputed rather than running averages, so Entropy-SGD's inner iterates
    cannot pollute them), plus weight decay.

    Examples
    --------
    >>> import numpy as np
    >>> from deeprelax.nn import MinibatchObjective, tiny_fc
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.normal(size=(100, 1, 7, 7)), rng.integers(0, 5, 100)
    >>> obj = MinibatchObjective(tiny_fc(), X, y, batch_size=32)
    >>> loss, g = obj.loss_and_grad(obj.init(0), rng)
    >>> g.shape
    (917,)
    """

    def __init__(self, model: Sequential, X: np.ndarray, y: np.ndarray, *, batch_size: int = 128,
                 replacement: bool = True, weight_decay: float = 0.0, dtype: Any = np.float64,
                 train: bool = True) -> None:
        self.model = _check_model(model)
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
            raise bad_parameter("dtype", "float32 or float64", self.dtype)
        if X is None or isinstance(X, (str, bytes)):
            raise bad_parameter("X", "an array of inputs (N, *input_shape)", X)
        X = np.asarray(X)
        if X.dtype.kind not in "biuf" or X.ndim < 1:
            raise bad_parameter("X", "a real array of inputs (N, *input_shape)", f"dtype {X.dtype}, shape {X.shape}")
        if y is None or isinstance(y, (str, bytes)) or np.ndim(y) != 1:
            raise bad_parameter("y", "a 1-D array of integer labels", y if y is None else np.shape(y), cls=ShapeError)
        per = int(np.prod(self.model.input_shape))
        if int(np.prod(X.shape[1:])) != per:
            raise bad_parameter("X", f"inputs of shape (N, *{self.model.input_shape})", f"shape {X.shape}",
                                cls=ShapeError)
        if X.shape[0] != np.shape(y)[0]:
            raise bad_parameter("y", f"one label per row of X ({X.shape[0]})", np.shape(y),
                                cls=ShapeError)
        self.X = np.ascontiguousarray(X, dtype=self.dtype)
        self.y = model._labels(y, X.shape[0])
        self.n_samples = int(X.shape[0])
        b = check_int("batch_size", batch_size)
        if not 1 <= b <= self.n_samples:
            raise bad_parameter("batch_size", f"an integer in 1..{self.n_samples}", batch_size,
                                "the batch cannot exceed the number of samples")
        self.batch_size = b
        self.replacement = bool(replacement)
        self.weight_decay = check_nonnegative("weight_decay", weight_decay)
        self.train = bool(train)
        self.dim = model.dim

    def init(self, seed: int | np.random.Generator = 0) -> np.ndarray:
        """Initial parameters (float64, the optimizers' dtype) from :meth:`Sequential.init`."""
        return self.model.init(seed, dtype=np.float64)

    def sample(self, rng: np.random.Generator) -> np.ndarray:
        """The b sample indices of one minibatch, drawn from ``rng``."""
        # with replacement var(∇f_b) = D(x)/b exactly (SGD-VI Definition 1; β⁻¹ = η/(2b), Lemma 2);
        # without, the variance shrinks by (1 − b/N)·N/(N − 1) (App. A.2, PAPERS.md)
        if self.replacement:
            return rng.integers(0, self.n_samples, size=self.batch_size)
        return rng.choice(self.n_samples, size=self.batch_size, replace=False)

    def _cast(self, x: Any) -> Any:
        if getattr(x, "shape", None) != (self.dim,):
            raise bad_parameter("x", f"an array of shape ({self.dim},)",
                                f"shape {getattr(x, 'shape', None)}", cls=ShapeError)
        if float_name(x) == self.dtype.name:
            return x
        xp = array_api_compat.array_namespace(x)
        return xp.astype(x, xp.float32 if self.dtype == np.float32 else xp.float64)

    def loss_and_grad(self, x: Any, rng: np.random.Generator) -> tuple[float, Any]:
        """Minibatch loss and a new gradient array ``(d,)`` in the namespace and dtype of ``x``."""
        if not isinstance(rng, np.random.Generator):
            raise ParameterError(f"`rng` must be a numpy.random.Generator, got {type(rng).__name__}")
        idx = self.sample(rng)
        xc = self._cast(x)
        loss, g = self.model.loss_and_grad(xc, self.X[idx], self.y[idx], train=self.train, rng=rng,
                                           weight_decay=self.weight_decay)
        if g.dtype != x.dtype:
            xp = array_api_compat.array_namespace(x)
            g = xp.astype(g, x.dtype)
        return loss, g

    def stats(self, x: Any) -> list:
        """Batch-norm population statistics of the training data at ``x`` (empty without BN)."""
        return batch_norm_stats(self.model, self._cast(x), self.X)

    def full_loss(self, x: Any) -> float:
        """Eval-mode mean loss over all N samples, plus weight decay."""
        ev = self.evaluate(x)
        xp = array_api_compat.array_namespace(x)
        return ev.loss + 0.5 * self.weight_decay * float(xp.sum(x * x))

    def evaluate(self, x: Any, X: np.ndarray | None = None, y: np.ndarray | None = None, *,
                 chunk_size: int = CHUNK) -> Evaluation:
        """Eval-mode loss (without weight decay) and accuracy on ``(X, y)`` (default: the
        training data), with batch-norm statistics of the *training* data at ``x``."""
        xc = self._cast(x)
        stats = batch_norm_stats(self.model, xc, self.X) if self.model.n_batch_norm else None
        if X is None:
            X, y = self.X, self.y
        elif y is None:
            raise bad_parameter("y", "labels for X", None)
        return evaluate(self.model, xc, np.asarray(X, dtype=self.dtype), y, stats=stats,
                        chunk_size=chunk_size)

    def __repr__(self) -> str:
        return (f"MinibatchObjective({self.model.name}, N={self.n_samples}, b={self.batch_size}, "
                f"replacement={self.replacement}, weight_decay={self.weight_decay}, "
                f"dtype={self.dtype.name})")
