"""Loaders: MNIST (IDX or the shared ``mnist10k.npz``), CIFAR-10 (binary version),
mnist1d (generated) and scikit-learn's digits.

Every loader returns :class:`~deeprelax.data.Splits` with deterministic train /
validation / test splits, inputs shaped ``(n, C, H, W)`` (mnist1d: ``(n, 40)``) and
normalised with constants from the train split.
"""

from __future__ import annotations

import os
import random
import warnings
import zipfile
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .._core import DataError, bad_parameter, check_choice
from .._core._validate import check_int
from ._dataset import Dataset, Splits, class_subset, downsample, make_splits, normalize_splits
from ._idx import read_idx
from ._paths import MNIST_FILES, _check_dir, find_file, missing_error

__all__ = ["load_mnist", "load_cifar10", "read_cifar_binary", "write_cifar_binary",
           "load_mnist1d", "load_digits", "load_dataset", "DATASETS"]

#: Name of the shared offline MNIST subset.
MNIST10K = "mnist10k.npz"
#: CIFAR-10 binary files and the sub-directory the official tarball unpacks to.
CIFAR_TRAIN = tuple(f"data_batch_{i}.bin" for i in range(1, 6))
CIFAR_TEST = "test_batch.bin"
CIFAR_SUBDIRS = ("", "cifar-10-batches-bin")
#: Bytes per CIFAR-10 binary record: one label byte and a 3x32x32 image.
CIFAR_RECORD = 1 + 3 * 32 * 32


def _finish(data: Dataset, test: Dataset | None, *, size: int | None, classes: Sequence[int] | None,
            val_fraction: float, test_fraction: float, seed: int, normalize: str, dtype: Any,
            scale: float) -> Splits:
    def prep(d: Dataset) -> Dataset:
        if classes is not None:
            d = class_subset(d, classes)
        if size is not None and size != d.X.shape[-1]:
            d = Dataset(downsample(d.X, size), d.y, d.n_classes, d.name + f", {size}x{size}")
        return d

    data = prep(data)
    test = prep(test) if test is not None else None
    splits = make_splits(data, val_fraction=val_fraction, test_fraction=test_fraction, seed=seed,
                         test=test)
    return normalize_splits(splits, normalize, dtype, scale)


class PartialMNISTError(DataError):
    """Some, not all, of the four MNIST IDX files were found."""


def _mnist_idx(data_dir: str | os.PathLike | None) -> tuple[Dataset, Dataset] | None:
    """The IDX train/test sets; ``None`` when none of the four files exists anywhere.

    Raises :class:`PartialMNISTError` (naming the missing files) when only some exist.
    """
    found = {name: find_file([name, name + ".gz"], data_dir, subdirs=("", "mnist", "MNIST/raw"))
             for name in MNIST_FILES}
    missing = [n for n, p in found.items() if p is None]
    if len(missing) == len(MNIST_FILES):
        return None
    if missing:
        have = ", ".join(repr(str(p)) for p in found.values() if p is not None)
        raise PartialMNISTError(
            f"MNIST IDX files are incomplete: found {have} but not {missing} (as such or .gz); put the "
            "missing files next to the others (deeprelax.data.download_mnist(dir) fetches all four), "
            "or remove the partial set"
        )
    paths = [found[n] for n in MNIST_FILES]
    xi, yi, xt, yt = (read_idx(p) for p in paths)  # type: ignore[arg-type]
    for x, y, p in ((xi, yi, paths[0]), (xt, yt, paths[2])):
        if x.ndim != 3 or y.ndim != 1 or x.shape[0] != y.shape[0] or x.shape[1] != x.shape[2]:
            raise DataError(f"MNIST files next to {str(p)!r} disagree: images {x.shape}, labels "
                            f"{y.shape}; expected (n, 28, 28) and (n,)")
    for y, p in ((yi, paths[1]), (yt, paths[3])):
        if y.dtype.kind not in "iu" or (y.size and (int(y.min()) < 0 or int(y.max()) > 9)):
            lo, hi = (y.min(), y.max()) if y.size else (0, 0)
            raise DataError(f"MNIST label file {str(p)!r} has labels {lo}..{hi} of dtype {y.dtype}, expected "
                            "integers 0..9; the file is corrupt or not an MNIST label file: download it again")
    found_dirs = paths
    src = str(found_dirs[0].parent)
    train = Dataset(xi[:, None], yi.astype(np.int64), 10, f"MNIST IDX ({src})")
    test = Dataset(xt[:, None], yt.astype(np.int64), 10, f"MNIST IDX test ({src})")
    return train, test


def _mnist_npz(data_dir: str | os.PathLike | None) -> Dataset | None:
    p = find_file([MNIST10K], data_dir)
    if p is None:
        return None
    fix = ("it must be an npz with uint8 arrays 'images' (n, 28, 28) and 'labels' (n,) in 0..9; "
           "restore the file (or delete it to use the IDX files)")
    if p.stat().st_size == 0:
        raise DataError(f"{str(p)!r} is empty (zero bytes); {fix}")
    try:
        with open(p, "rb") as fh:  # our handle: numpy leaks its own when the zip is damaged
            z = np.load(fh, allow_pickle=False)
            if not isinstance(z, np.lib.npyio.NpzFile):
                raise ValueError("a plain .npy array, not an npz archive")
            x, y = z["images"], z["labels"]
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        raise DataError(f"cannot read {str(p)!r} ({type(exc).__name__}: {exc}); the file is truncated "
                        f"or damaged: {fix}") from None
    if x.ndim != 3 or y.ndim != 1 or x.shape[0] != y.shape[0] or x.shape[0] == 0:
        raise DataError(f"{str(p)!r} holds images {x.shape} and labels {y.shape}; {fix}")
    if x.dtype.kind not in "iuf" or (x.dtype.kind == "f" and not np.all(np.isfinite(x))):
        raise DataError(f"{str(p)!r} holds images of dtype {x.dtype} with non-finite or non-numeric pixels; {fix}")
    if y.dtype.kind not in "iu" or int(y.min()) < 0 or int(y.max()) > 9:
        raise DataError(f"{str(p)!r} holds labels {y.min()}..{y.max()} of dtype {y.dtype}, outside 0..9; {fix}")
    return Dataset(x[:, None], y.astype(np.int64), 10, f"{MNIST10K} ({p.parent})")


def load_mnist(data_dir: str | os.PathLike | None = None, *, source: str = "auto",
               size: int = 28, classes: Sequence[int] | None = None, val_fraction: float = 0.1,
               test_fraction: float = 0.2, seed: int = 0, normalize: str = "standard",
               dtype: Any = np.float64) -> Splits:
    """MNIST from the standard IDX files or the shared ``mnist10k.npz``.

    Parameters
    ----------
    data_dir : path-like, optional
        Directory searched first (then ``$DEEPRELAX_DATA``, then ``../shared/data``).
    source : {"auto", "idx", "npz"}
        ``"idx"``: the four files ``train-images-idx3-ubyte[.gz]`` etc.; ``"npz"``:
        ``mnist10k.npz`` (10,000 digits, rows grouped by class); ``"auto"``: IDX when
        found, else the npz.
    size : {28, 14, 7}
        Side length after block-average down-sampling.
    classes : sequence of int, optional
        Keep these digits only, relabelled ``0 .. len(classes) - 1``.
    val_fraction, test_fraction : float
        Fractions held out by a seeded permutation. With IDX files the official 10k
        test set is the test split and ``test_fraction`` is ignored.
    seed : int
        Seed of the split permutation.
    normalize : {"standard", "unit", "none"}
        See :func:`~deeprelax.data.normalize_splits` (pixel range 255).
    dtype : float32 or float64

    Returns
    -------
    Splits
        ``X`` of shape ``(n, 1, size, size)``.

    Raises
    ------
    DataError
        When no file is found (the message lists the places searched and how to
        point the loader at the files) or a file is corrupt.

    Examples
    --------
    >>> s = load_mnist(size=7, seed=0)            # doctest: +SKIP
    >>> s.train.X.shape[1:]                        # doctest: +SKIP
    (1, 7, 7)
    """
    check_choice("source", source, ("auto", "idx", "npz"))
    _check_dir(data_dir)
    size = check_int("size", size, low=1, fix="use 28, 14 or 7")
    seed = check_int("seed", seed, low=0)
    common = dict(size=size, classes=classes, val_fraction=val_fraction, seed=seed,
                  normalize=normalize, dtype=dtype, scale=255.0)
    partial = ""
    if source in ("auto", "idx"):
        try:
            idx = _mnist_idx(data_dir)
        except PartialMNISTError as exc:
            if source == "idx":
                raise
            partial = str(exc)
            warnings.warn(f"{partial}; falling back to {MNIST10K}", UserWarning, stacklevel=2)
            idx = None
        if idx is not None:
            return _finish(idx[0], idx[1], test_fraction=0.0, **common)
        if source == "idx":
            raise missing_error("MNIST IDX files", [f"{n}[.gz]" for n in MNIST_FILES], data_dir,
                                "online users can fetch them with deeprelax.data.download_mnist(dir)")
    data = _mnist_npz(data_dir)
    if data is None:
        raise missing_error("MNIST", [f"{n}[.gz]" for n in MNIST_FILES] + [MNIST10K], data_dir,
                            (partial + "; " if partial else "") + "online users can fetch the IDX files with "
                            "deeprelax.data.download_mnist(dir)")
    return _finish(data, None, test_fraction=test_fraction, **common)


def read_cifar_binary(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """Read one CIFAR-10 binary batch (``data_batch_1.bin`` ...) without unpickling.

    Returns
    -------
    images : ndarray of uint8, shape (n, 3, 32, 32)
    labels : ndarray of int64, shape (n,)
    """
    if not isinstance(path, (str, os.PathLike)):
        raise DataError(f"`path` must be a path (str or os.PathLike), got {type(path).__name__}")
    p = Path(path)
    try:
        raw = np.fromfile(p, dtype=np.uint8)
    except FileNotFoundError:
        raise DataError(f"CIFAR-10 file {str(p)!r} does not exist") from None
    except OSError as exc:
        raise DataError(f"cannot read CIFAR-10 file {str(p)!r} ({exc}); pass the path of a readable "
                        "data_batch_*.bin file") from None
    if raw.size == 0 or raw.size % CIFAR_RECORD:
        raise DataError(f"{str(p)!r} is not a CIFAR-10 binary batch: its size must be a multiple of "
                        f"{CIFAR_RECORD} bytes, got {raw.size}; the file is truncated or is the "
                        "python (pickle) version: use the 'CIFAR-10 binary version'")
    rec = raw.reshape(-1, CIFAR_RECORD)
    labels = rec[:, 0].astype(np.int64)
    if labels.max() > 9:
        raise DataError(f"{str(p)!r} has label bytes up to {labels.max()}, expected 0..9; "
                        "this is not the CIFAR-10 binary version (CIFAR-100 has two label bytes)")
    return rec[:, 1:].reshape(-1, 3, 32, 32).copy(), labels


def write_cifar_binary(path: str | os.PathLike, images: np.ndarray, labels: np.ndarray) -> Path:
    """Write ``images`` (n, 3, 32, 32) uint8 and ``labels`` (n,) as a CIFAR-10 binary batch."""
    if not isinstance(path, (str, os.PathLike)):
        raise DataError(f"`path` must be a path (str or os.PathLike), got {type(path).__name__}")
    xi, yl = np.asarray(images), np.asarray(labels)
    if xi.dtype != np.uint8 or xi.ndim != 4 or xi.shape[1:] != (3, 32, 32):
        raise bad_parameter("images", "a uint8 array of shape (n, 3, 32, 32)", f"{xi.dtype} {xi.shape}")
    if yl.dtype.kind not in "iu" or yl.shape != (xi.shape[0],) or (yl.size and (yl.min() < 0 or yl.max() > 9)):
        raise bad_parameter("labels", f"integers 0..9 of shape ({xi.shape[0]},)", f"{yl.dtype} {yl.shape}")
    x = xi.reshape(-1, 3 * 32 * 32)
    y = yl.astype(np.uint8).reshape(-1, 1)
    p = Path(path)
    np.concatenate([y, x], axis=1).tofile(p)
    return p


def load_cifar10(data_dir: str | os.PathLike | None = None, *, classes: Sequence[int] | None = None,
                 val_fraction: float = 0.1, seed: int = 0, normalize: str = "standard",
                 dtype: Any = np.float64) -> Splits:
    """CIFAR-10 from its binary version (``cifar-10-batches-bin/*.bin``).

    The official test batch is the test split; validation is a seeded fraction of the
    five training batches. Parameters as in :func:`load_mnist`. ``X`` has shape
    ``(n, 3, 32, 32)``; normalisation uses one scalar mean and std (per-channel
    whitening such as GCN/ZCA is left to the user).
    """
    _check_dir(data_dir)
    paths = [find_file([n], data_dir, subdirs=CIFAR_SUBDIRS) for n in (*CIFAR_TRAIN, CIFAR_TEST)]
    if any(p is None for p in paths):
        raise missing_error("CIFAR-10 (binary version)", [*CIFAR_TRAIN, CIFAR_TEST], data_dir,
                            "unpack cifar-10-binary.tar.gz from https://www.cs.toronto.edu/~kriz/"
                            "cifar.html (the python version is never unpickled)")
    parts = [read_cifar_binary(p) for p in paths if p is not None]
    xtr = np.concatenate([a for a, _ in parts[:-1]])
    ytr = np.concatenate([b for _, b in parts[:-1]])
    src = str(paths[-1].parent) if paths[-1] is not None else ""
    train = Dataset(xtr, ytr, 10, f"CIFAR-10 binary ({src})")
    test = Dataset(parts[-1][0], parts[-1][1], 10, f"CIFAR-10 binary test ({src})")
    return _finish(train, test, size=None, classes=classes, val_fraction=val_fraction,
                   test_fraction=0.0, seed=seed, normalize=normalize, dtype=dtype, scale=255.0)


def load_mnist1d(*, n_samples: int = 5000, generator_seed: int = 42, val_fraction: float = 0.1,
                 test_fraction: float = 0.2, seed: int = 0, normalize: str = "none",
                 dtype: Any = np.float64) -> Splits:
    """MNIST-1D (Greydanus 2020), generated locally by the ``mnist1d`` package.

    ``X`` has shape ``(n, 40)``. The package seeds numpy's and Python's global RNGs;
    their states are saved and restored around the call, so the caller's global
    state is untouched. The generator already standardises the inputs, hence
    ``normalize="none"`` by default.
    """
    try:
        from mnist1d.data import get_dataset_args, make_dataset
    except ImportError:
        raise DataError("mnist1d needs the `mnist1d` package: pip install mnist1d "
                        "(or deeprelax[data])") from None
    n_samples = check_int("n_samples", n_samples, low=10, high=10**7)
    generator_seed = check_int("generator_seed", generator_seed, low=0, high=2**32 - 1)
    args = get_dataset_args()
    args.num_samples = n_samples
    args.seed = generator_seed
    args.train_split = 1.0
    # mnist1d seeds the global RNGs; restore them so the caller is unaffected
    np_state, py_state = np.random.get_state(), random.getstate()  # noqa: NPY002
    try:
        raw = make_dataset(args)
    finally:
        np.random.set_state(np_state)  # noqa: NPY002
        random.setstate(py_state)
    data = Dataset(np.asarray(raw["x"], dtype=np.float64), np.asarray(raw["y"], dtype=np.int64), 10,
                   f"mnist1d (n={n_samples}, generator seed {generator_seed})")
    return _finish(data, None, size=None, classes=None, val_fraction=val_fraction,
                   test_fraction=test_fraction, seed=seed, normalize=normalize, dtype=dtype,
                   scale=1.0)


def load_digits(*, classes: Sequence[int] | None = None, val_fraction: float = 0.1,
                test_fraction: float = 0.2, seed: int = 0, normalize: str = "standard",
                dtype: Any = np.float64) -> Splits:
    """scikit-learn's bundled 8x8 digits (1,797 images, no files needed).

    ``X`` has shape ``(n, 1, 8, 8)``, pixel range 0..16.
    """
    try:
        from sklearn.datasets import load_digits as sk_digits
    except ImportError:
        raise DataError("digits needs scikit-learn: pip install scikit-learn "
                        "(or deeprelax[data])") from None
    d = sk_digits()
    data = Dataset(np.asarray(d.images, dtype=np.float64)[:, None], d.target.astype(np.int64), 10,
                   "sklearn digits 8x8")
    return _finish(data, None, size=None, classes=classes, val_fraction=val_fraction,
                   test_fraction=test_fraction, seed=seed, normalize=normalize, dtype=dtype,
                   scale=16.0)


#: Dataset names accepted by :func:`load_dataset`.
DATASETS = {"mnist": load_mnist, "cifar10": load_cifar10, "mnist1d": load_mnist1d,
            "digits": load_digits}


def load_dataset(name: str, **kwargs: Any) -> Splits:
    """Load a dataset by name (``"mnist"``, ``"cifar10"``, ``"mnist1d"``, ``"digits"``)."""
    check_choice("name", name, DATASETS)
    return DATASETS[name](**kwargs)
