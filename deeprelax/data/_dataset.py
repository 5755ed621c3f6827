"""Dataset containers and the transforms every loader shares.

Shapes: ``X`` is ``(n, C, H, W)`` for images and ``(n, D)`` for vector data; ``y`` is
``(n,)`` int64 class labels in ``0 .. n_classes - 1``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from .._core import DataError, ParameterError, ShapeError, bad_parameter

__all__ = ["Dataset", "Splits", "downsample", "class_subset", "split_indices", "make_splits",
           "normalize_splits"]

#: Normalisations :func:`normalize_splits` knows.
NORMALIZATIONS = ("none", "unit", "standard")


@dataclass(frozen=True)
class Dataset:
    """Samples and labels of one split.

    Attributes
    ----------
    X : ndarray, shape (n, C, H, W) or (n, D)
        Inputs.
    y : ndarray of int64, shape (n,)
        Labels in ``0 .. n_classes - 1``.
    n_classes : int
        Number of classes.
    name : str
        Where the data came from (e.g. ``"mnist10k.npz, 7x7"``).
    """

    X: np.ndarray
    y: np.ndarray
    n_classes: int
    name: str = ""

    def __post_init__(self) -> None:
        if self.X.shape[0] != self.y.shape[0] or self.y.ndim != 1:
            raise ShapeError(f"`X` and `y` must have the same number of rows, got X {self.X.shape} "
                             f"and y {self.y.shape}; pass one label per sample")

    @property
    def n(self) -> int:
        """Number of samples."""
        return int(self.y.shape[0])

    @property
    def sample_shape(self) -> tuple[int, ...]:
        """Shape of one input, ``X.shape[1:]``."""
        return tuple(int(s) for s in self.X.shape[1:])

    def take(self, index: np.ndarray) -> Dataset:
        """The samples at ``index`` (an integer array), as a new dataset."""
        return replace(self, X=self.X[index], y=self.y[index])

    def __len__(self) -> int:
        return self.n


@dataclass(frozen=True)
class Splits:
    """Train, validation and test splits (tune on ``val``, report on ``test``).

    ``info`` holds what was done (source file, seed, normalisation constants).
    """

    train: Dataset
    val: Dataset
    test: Dataset
    info: Mapping[str, Any] = field(default_factory=dict)

    @property
    def n_classes(self) -> int:
        return self.train.n_classes

    @property
    def sample_shape(self) -> tuple[int, ...]:
        return self.train.sample_shape


def downsample(images: np.ndarray, size: int) -> np.ndarray:
    """Average-pool square images ``(..., H, H)`` to ``(..., size, size)``.

    Parameters
    ----------
    images : ndarray, shape (..., H, H)
        Images; ``H`` must be a multiple of ``size`` (MNIST: 28 -> 14 or 7).
    size : int
        Output side length.

    Returns
    -------
    ndarray of float64, shape (..., size, size)
        Block means over ``(H/size) x (H/size)`` pixels.
    """
    h, w = images.shape[-2:]
    if h != w or size <= 0 or h % size:
        raise bad_parameter("size", f"a positive divisor of the image side {h}", size,
                            "for MNIST use 28, 14 or 7")
    k = h // size
    x = np.asarray(images, dtype=np.float64)
    return x.reshape(*x.shape[:-2], size, k, size, k).mean(axis=(-3, -1))


def class_subset(data: Dataset, classes: Sequence[int]) -> Dataset:
    """Keep the samples whose label is in ``classes``, relabelled ``0 .. len(classes) - 1``
    in the order given."""
    cls = [int(c) for c in classes]
    if len(set(cls)) != len(cls) or not cls or min(cls) < 0 or max(cls) >= data.n_classes:
        raise bad_parameter("classes", f"distinct labels in 0..{data.n_classes - 1}", classes)
    lut = np.full(data.n_classes, -1, dtype=np.int64)
    lut[cls] = np.arange(len(cls))
    keep = np.flatnonzero(lut[data.y] >= 0)
    return Dataset(data.X[keep], lut[data.y[keep]], len(cls), data.name + f", classes {cls}")


def split_indices(n: int, n_val: int, n_test: int, seed: int) -> tuple[np.ndarray, np.ndarray,
                                                                          np.ndarray]:
    """Deterministic train / val / test indices of ``range(n)`` from a seeded permutation.

    The permutation is ``numpy.random.default_rng(seed).permutation(n)``; test takes
    the first ``n_test``, validation the next ``n_val``, train the rest.
    """
    if n_val < 0 or n_test < 0 or n_val + n_test >= n:
        raise bad_parameter("n_val + n_test", f"non-negative sizes summing to less than n = {n}",
                            (n_val, n_test))
    perm = np.random.default_rng(seed).permutation(n)
    return perm[n_test + n_val:], perm[n_test:n_test + n_val], perm[:n_test]


def _count(name: str, frac: float, n: int) -> int:
    f = float(frac)
    if not 0.0 <= f < 1.0:
        raise bad_parameter(name, "a fraction in [0, 1)", frac)
    return int(round(f * n))


def make_splits(data: Dataset, *, val_fraction: float, test_fraction: float, seed: int,
                test: Dataset | None = None) -> Splits:
    """Split ``data`` into train / val / test with :func:`split_indices`.

    When ``test`` is given (an official test set), ``test_fraction`` must be 0 and only
    validation is carved out of ``data``.
    """
    n_val = _count("val_fraction", val_fraction, data.n)
    n_test = _count("test_fraction", test_fraction, data.n)
    if test is not None and n_test:
        raise bad_parameter("test_fraction", "0 when an official test set is given", test_fraction)
    tr, va, te = split_indices(data.n, n_val, n_test, seed)
    test_set = test if test is not None else data.take(te)
    info = {"source": data.name, "seed": int(seed), "n_train": int(tr.size), "n_val": int(va.size),
            "n_test": int(test_set.n)}
    return Splits(data.take(tr), data.take(va), test_set, info)


def normalize_splits(splits: Splits, how: str = "standard", dtype: Any = np.float64,
                     scale: float = 1.0) -> Splits:
    """Normalise the inputs of every split with constants from the *train* split only.

    Parameters
    ----------
    splits : Splits
    how : {"standard", "unit", "none"}
        ``"unit"``: ``X / scale``; ``"standard"``: ``(X / scale - m) / s`` with the scalar
        mean ``m`` and standard deviation ``s`` of the scaled train inputs; ``"none"``:
        only the dtype cast.
    dtype : float32 or float64
    scale : float
        Raw range (255 for byte images).
    """
    if how not in NORMALIZATIONS:
        raise ParameterError(f"`normalize` must be one of {list(NORMALIZATIONS)}, got {how!r}")
    dt = np.dtype(dtype)
    if dt not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise bad_parameter("dtype", "float32 or float64", dt)
    m, s = 0.0, 1.0
    if how == "unit":
        s = float(scale)
    elif how == "standard":
        xt = np.asarray(splits.train.X, dtype=np.float64)
        m, s = float(xt.mean()), float(xt.std())
        if s == 0.0:
            raise DataError("cannot standardise: the train inputs are constant; pass normalize='unit'")

    def conv(d: Dataset) -> Dataset:
        return replace(d, X=((np.asarray(d.X, dtype=np.float64) - m) / s).astype(dt, copy=False))

    info = dict(splits.info, normalize=how, shift=m, divisor=s, dtype=dt.name)
    return Splits(conv(splits.train), conv(splits.val), conv(splits.test), info)
