"""Damaged and impossible data files (issue 9, items 4 and 6): a clear DataError naming the file.

Every file here is built in ``tmp_path``; the search path is isolated from whatever the
machine holds (no ``DEEPRELAX_DATA``, no ``../shared/data``), so the tests say the same
on a machine with or without MNIST.
"""

from __future__ import annotations

import gzip
import io
import warnings
from pathlib import Path

import numpy as np
import pytest

import deeprelax.data as D
from deeprelax._core import DataError, DeepRelaxError
from deeprelax.data import _paths


@pytest.fixture(autouse=True)
def _isolated(monkeypatch):
    monkeypatch.delenv(D.ENV_VAR, raising=False)
    monkeypatch.setattr(_paths, "DEFAULT_DIRS", ())


def _mnist_files(folder: Path, rng, n_train=30, n_test=10, labels_train=None, gz=False):
    folder.mkdir(parents=True, exist_ok=True)
    xs = rng.integers(0, 256, size=(n_train + n_test, 28, 28), dtype=np.uint8)
    ys = rng.integers(0, 10, size=n_train + n_test).astype(np.uint8)
    sfx = ".gz" if gz else ""
    D.write_idx(folder / f"train-images-idx3-ubyte{sfx}", xs[:n_train])
    D.write_idx(folder / f"train-labels-idx1-ubyte{sfx}", ys[:n_train] if labels_train is None else labels_train)
    D.write_idx(folder / f"t10k-images-idx3-ubyte{sfx}", xs[n_train:])
    D.write_idx(folder / f"t10k-labels-idx1-ubyte{sfx}", ys[n_train:])
    return xs, ys


def _npz(path: Path, images, labels) -> Path:
    buf = io.BytesIO()
    np.savez(buf, images=images, labels=labels)
    path.write_bytes(buf.getvalue())
    return path


def _good_npz(path: Path, rng, n=60) -> bytes:
    x = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    y = np.arange(n, dtype=np.uint8) % 10
    return _npz(path, x, y).read_bytes()


# ------------------------------------------------------------------ IDX
def test_zero_byte_idx_names_the_file(tmp_path):
    (tmp_path / "empty").write_bytes(b"")
    with pytest.raises(DataError, match=r"empty.*zero bytes.*download the file again") as err:
        D.read_idx(tmp_path / "empty")
    assert str(tmp_path / "empty") in str(err.value)
    (tmp_path / "empty.gz").write_bytes(gzip.compress(b""))
    with pytest.raises(DataError, match="zero bytes"):
        D.read_idx(tmp_path / "empty.gz")


@pytest.mark.parametrize("cut", [1, 3, 7, 100])
def test_truncated_gzip_idx(tmp_path, cut):
    blob = gzip.compress(D.write_idx(tmp_path / "g", np.zeros((20, 5), np.uint8)).read_bytes())
    (tmp_path / "t.gz").write_bytes(blob[:-cut] if cut < len(blob) else blob[:5])
    with pytest.raises(DataError, match=r"t\.gz"):
        D.read_idx(tmp_path / "t.gz")


def test_idx_header_overflowing_int64_is_refused(tmp_path):
    # four dims of 2**32 - 1: their product is ~3e38 (wrapped to a small int64 before the fix)
    head = bytes([0, 0, 0x08, 4]) + np.full(4, 2**32 - 1, dtype=">u4").tobytes()
    (tmp_path / "huge").write_bytes(head + b"\x00" * 16)
    with pytest.raises(DataError, match=r"corrupt header.*huge|huge.*corrupt header"):
        D.read_idx(tmp_path / "huge")
    # the product 2**64 wraps to exactly 0 in int64: the old check then accepted an empty data part
    head0 = bytes([0, 0, 0x08, 2]) + np.array([2**32 - 1, 2**32 - 1], dtype=">u4").tobytes()
    (tmp_path / "wrap").write_bytes(head0)
    with pytest.raises(DataError, match="wrap"):
        D.read_idx(tmp_path / "wrap")


def test_nan_in_float_idx_is_refused(tmp_path):
    a = np.ones((3, 4), np.float32)
    a[1, 2] = np.nan
    D.write_idx(tmp_path / "f", a)
    with pytest.raises(DataError, match=r"1 NaN/inf"):
        D.read_idx(tmp_path / "f")
    D.write_idx(tmp_path / "ok", np.ones((3, 4), np.float32))  # control: a finite float file reads
    assert D.read_idx(tmp_path / "ok").shape == (3, 4)


def test_idx_labels_outside_0_9_are_refused(tmp_path, rng):
    bad = rng.integers(0, 10, size=30).astype(np.uint8)
    bad[7] = 200
    _mnist_files(tmp_path, rng, labels_train=bad)
    with pytest.raises(DataError, match=r"train-labels-idx1-ubyte.*labels 0\.\.200"):
        D.load_mnist(tmp_path, source="idx")


def test_idx_path_of_wrong_type_or_a_directory(tmp_path):
    with pytest.raises(DataError, match="`path`"):
        D.read_idx(None)
    with pytest.raises(DataError, match="directory"):
        D.read_idx(tmp_path)


# ------------------------------------------------------------------ partial IDX directory
def test_partial_idx_directory_names_the_missing_files(tmp_path, rng):
    _mnist_files(tmp_path, rng)
    (tmp_path / "t10k-labels-idx1-ubyte").unlink()
    (tmp_path / "t10k-images-idx3-ubyte").unlink()
    with pytest.raises(DataError, match=r"incomplete.*not \['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'\]"):
        D.load_mnist(tmp_path, source="idx")
    # auto with no npz: the error says both what is missing of the IDX set and that no npz exists
    with pytest.raises(DataError, match=r"incomplete.*mnist10k\.npz|mnist10k\.npz.*incomplete"), \
            pytest.warns(UserWarning, match="t10k-labels-idx1-ubyte"):
        D.load_mnist(tmp_path)


def test_partial_idx_directory_warns_before_the_npz_fallback(tmp_path, rng):
    _mnist_files(tmp_path, rng)
    (tmp_path / "train-labels-idx1-ubyte").unlink()
    _good_npz(tmp_path / "mnist10k.npz", rng)
    with pytest.warns(UserWarning, match=r"not \['train-labels-idx1-ubyte'\].*falling back to mnist10k\.npz"):
        s = D.load_mnist(tmp_path, normalize="none")
    assert "mnist10k.npz" in s.info["source"]


def test_complete_idx_directory_does_not_warn(tmp_path, rng):
    _mnist_files(tmp_path, rng)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert D.load_mnist(tmp_path).test.n == 10


# ------------------------------------------------------------------ mnist10k.npz
def _load_npz(folder):
    return D.load_mnist(folder, source="npz", normalize="none")


def test_npz_zero_byte_and_truncated(tmp_path, rng):
    good = _good_npz(tmp_path / "mnist10k.npz", rng)
    assert _load_npz(tmp_path).train.n > 0  # control: the intact file loads
    (tmp_path / "mnist10k.npz").write_bytes(b"")
    with pytest.raises(DataError, match=r"mnist10k\.npz.*empty \(zero bytes\)"):
        _load_npz(tmp_path)
    for cut in (len(good) // 2, 30, len(good) - 10):
        (tmp_path / "mnist10k.npz").write_bytes(good[:cut])
        with pytest.raises(DataError, match=r"mnist10k\.npz.*(truncated or damaged|holds)"):
            _load_npz(tmp_path)
    (tmp_path / "mnist10k.npz").write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    with pytest.raises(DataError, match="truncated or damaged"):
        _load_npz(tmp_path)


@pytest.mark.parametrize("what", ["labels_high", "labels_negative", "labels_float", "nan_pixels",
                                  "length_mismatch", "no_labels", "plain_npy", "empty"])
def test_npz_impossible_contents(tmp_path, rng, what):
    x = rng.integers(0, 256, size=(20, 28, 28), dtype=np.uint8)
    y = np.arange(20) % 10
    p = tmp_path / "mnist10k.npz"
    if what == "labels_high":
        _npz(p, x, np.where(y == 3, 10, y))
    elif what == "labels_negative":
        _npz(p, x, y - 1)
    elif what == "labels_float":
        _npz(p, x, y.astype(float) + 0.5)
    elif what == "nan_pixels":
        xf = x.astype(np.float32)
        xf[0, 0, 0] = np.nan
        _npz(p, xf, y)
    elif what == "length_mismatch":
        _npz(p, x, y[:-1])
    elif what == "no_labels":
        buf = io.BytesIO()
        np.savez(buf, images=x)
        p.write_bytes(buf.getvalue())
    elif what == "plain_npy":
        buf = io.BytesIO()
        np.save(buf, x)
        p.write_bytes(buf.getvalue())
    elif what == "empty":
        _npz(p, x[:0], y[:0])
    with pytest.raises(DataError, match=r"mnist10k\.npz"):
        _load_npz(tmp_path)


# ------------------------------------------------------------------ datasets and CIFAR
def test_dataset_refuses_labels_outside_the_classes():
    with pytest.raises(DataError, match=r"`y`.*labels in 0\.\.10.*outside 0\.\.9"):
        D.Dataset(np.zeros((3, 2)), np.array([0, 10, 1]), 10)
    with pytest.raises(DeepRelaxError, match="`y`"):
        D.Dataset(np.zeros((3, 2)), np.array([0.0, 1.0, 1.0]), 10)
    with pytest.raises(DeepRelaxError, match="`n_classes`"):
        D.Dataset(np.zeros((3, 2)), np.array([0, 1, 1]), 0)


def test_cifar_zero_byte_and_directory(tmp_path):
    (tmp_path / "data_batch_1.bin").write_bytes(b"")
    with pytest.raises(DataError, match=r"data_batch_1\.bin.*multiple of 3073"):
        D.read_cifar_binary(tmp_path / "data_batch_1.bin")
    with pytest.raises(DataError, match="cannot read"):
        D.read_cifar_binary(tmp_path)
    with pytest.raises(DeepRelaxError, match="`labels`"):
        D.write_cifar_binary(tmp_path / "w.bin", np.zeros((2, 3, 32, 32), np.uint8), [0, 12])
