"""Dataset containers and the transforms every loader shares.

Shapes: ``X`` is ``(n, C, H, W)`` for images and ``(n, D)`` for vector data; ``y`` is
``(n,)`` int64 class labels in ``0 .. n_classes - 1``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from .._core import DataError, ShapeError, bad_parameter, check_choice
from .._core._validate import check_float, check_int, check_positive, check_seed

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
        for nm in ("X", "y"):
            if not isinstance(getattr(self, nm), np.ndarray):
                raise bad_parameter(nm, "a numpy array", type(getattr(self, nm)).__name__, "pass np.asarray(...)")
        object.__setattr__(self, "n_classes", check_int("n_classes", self.n_classes, low=1))
        if self.X.ndim < 1 or self.y.ndim != 1 or self.X.shape[0] != self.y.shape[0]:
            raise ShapeError(f"`X` and `y` must have the same number of rows, got X {self.X.shape} "
                             f"and y {self.y.shape}; pass one label per sample")
        if self.y.dtype.kind not in "iu":
            raise bad_parameter("y", "integer class labels", f"dtype {self.y.dtype}", "cast with y.astype(np.int64)")
        if self.y.size and (int(self.y.min()) < 0 or int(self.y.max()) >= self.n_classes):
            raise DataError(
                f"`y` of {self.name or 'the dataset'} has labels in {int(self.y.min())}..{int(self.y.max())}, "
                f"outside 0..{self.n_classes - 1} (n_classes = {self.n_classes}); the label file is "
                "corrupt or belongs to another dataset: restore it"
            )

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
    if not isinstance(images, np.ndarray) or images.ndim < 2:
        raise bad_parameter("images", "an array of square images (..., H, H)",
                            getattr(images, "shape", type(images).__name__))
    size = check_int("size", size, low=1, fix="for MNIST use 28, 14 or 7")
    h, w = images.shape[-2:]
    if h != w or h % size:
        raise bad_parameter("size", f"a positive divisor of the image side {h}", size,
                            "for MNIST use 28, 14 or 7")
    k = h // size
    x = np.asarray(images, dtype=np.float64)
    # pixel (i·k + a, j·k + b) goes to axes (i, a, j, b): averaging over a and b (axes −3
    # and −1) is the k × k block mean, with no copy beyond the float64 cast
    return x.reshape(*x.shape[:-2], size, k, size, k).mean(axis=(-3, -1))


def class_subset(data: Dataset, classes: Sequence[int]) -> Dataset:
    """Keep the samples whose label is in ``classes``, relabelled ``0 .. len(classes) - 1``
    in the order given."""
    if not isinstance(data, Dataset):
        raise bad_parameter("data", "a deeprelax.data.Dataset", type(data).__name__)
    if isinstance(classes, (str, bytes)) or not isinstance(classes, Sequence | np.ndarray):
        raise bad_parameter("classes", "a sequence of labels", classes, "pass e.g. [0, 1]")
    cls = [check_int("classes", c) for c in classes]
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
    n = check_int("n", n, low=1)
    n_val = check_int("n_val", n_val, low=0)
    n_test = check_int("n_test", n_test, low=0)
    seed = check_seed("seed", seed)
    if n_val + n_test >= n:
        raise bad_parameter("n_val + n_test", f"non-negative sizes summing to less than n = {n}",
                            (n_val, n_test))
    perm = np.random.default_rng(seed).permutation(n)
    return perm[n_test + n_val:], perm[n_test:n_test + n_val], perm[:n_test]


def _count(name: str, frac: float, n: int) -> int:
    f = check_float(name, frac, low=0.0, high=1.0, high_inclusive=False)
    return int(round(f * n))


def make_splits(data: Dataset, *, val_fraction: float, test_fraction: float, seed: int,
                test: Dataset | None = None) -> Splits:
    """Split ``data`` into train / val / test with :func:`split_indices`.

    When ``test`` is given (an official test set), ``test_fraction`` must be 0 and only
    validation is carved out of ``data``.
    """
    if not isinstance(data, Dataset):
        raise bad_parameter("data", "a deeprelax.data.Dataset", type(data).__name__)
    if test is not None and not isinstance(test, Dataset):
        raise bad_parameter("test", "a deeprelax.data.Dataset or None", type(test).__name__)
    seed = check_int("seed", seed, low=0, fix="pass a non-negative integer seed")
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
    if not isinstance(splits, Splits):
        raise bad_parameter("splits", "a deeprelax.data.Splits", type(splits).__name__)
    check_choice("normalize", how, NORMALIZATIONS)
    scale = check_positive("scale", scale)
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise bad_parameter("dtype", "float32 or float64", dtype) from None
    if dt not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise bad_parameter("dtype", "float32 or float64", dt)
    m, s = 0.0, 1.0
    if how == "unit":
        s = float(scale)
    elif how == "standard":
        # m, s of the raw train inputs: (X − m)/s equals (X/scale − m/scale)/(s/scale), so
        # the scale cancels in "standard" and is not applied
        xt = np.asarray(splits.train.X, dtype=np.float64)
        m, s = float(xt.mean()), float(xt.std())
        if s == 0.0:
            raise DataError("cannot standardise: the train inputs are constant; pass normalize='unit'")

    def conv(d: Dataset) -> Dataset:
        return replace(d, X=((np.asarray(d.X, dtype=np.float64) - m) / s).astype(dt, copy=False))

    info = dict(splits.info, normalize=how, shift=m, divisor=s, dtype=dt.name)
    return Splits(conv(splits.train), conv(splits.val), conv(splits.test), info)
