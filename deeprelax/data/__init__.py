"""Datasets for direct runs: MNIST (IDX or the shared npz), CIFAR-10 (binary), mnist1d, digits;
character corpora (any UTF-8 text, :func:`load_text`) as stateful streams (:class:`TextStreams`).

Every loader returns :class:`Splits` (train / val / test :class:`Dataset`) with a
deterministic seeded split; tune on ``val``, report on ``test``. Files are looked for
in the ``data_dir`` argument, then ``$DEEPRELAX_DATA``, then ``../shared/data``;
nothing is downloaded at run time (:func:`download_mnist` exists for online users).
"""

from __future__ import annotations

from ._dataset import Dataset, Splits, class_subset, downsample, make_splits, normalize_splits, split_indices
from ._idx import read_idx, write_idx
from ._loaders import (
    DATASETS,
    load_cifar10,
    load_dataset,
    load_digits,
    load_mnist,
    load_mnist1d,
    read_cifar_binary,
    write_cifar_binary,
)
from ._paths import ENV_VAR, MNIST_FILES, data_dirs, download_mnist, find_file
from ._text import SHAKESPEARE_FILE, TextCorpus, TextStreams, load_shakespeare, load_text, read_text

__all__ = [
    "Dataset",
    "Splits",
    "load_dataset",
    "load_mnist",
    "load_cifar10",
    "load_mnist1d",
    "load_digits",
    "DATASETS",
    "read_idx",
    "write_idx",
    "read_cifar_binary",
    "write_cifar_binary",
    "downsample",
    "class_subset",
    "split_indices",
    "make_splits",
    "normalize_splits",
    "data_dirs",
    "find_file",
    "download_mnist",
    "MNIST_FILES",
    "ENV_VAR",
    "TextCorpus",
    "TextStreams",
    "load_text",
    "load_shakespeare",
    "read_text",
    "SHAKESPEARE_FILE",
]
