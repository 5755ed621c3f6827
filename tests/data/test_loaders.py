"""Loaders: IDX and CIFAR round trips, corrupt and missing files, splits, normalisation."""

from __future__ import annotations

import functools
import gzip
import http.server
import random
import threading
from pathlib import Path

import numpy as np
import pytest

import deeprelax.data as D
from deeprelax._core import DataError
from deeprelax.data import _paths


def test_public_surface():
    assert sorted(D.__all__) == sorted([
        "Dataset", "Splits", "load_dataset", "load_mnist", "load_cifar10", "load_mnist1d",
        "load_digits", "DATASETS", "read_idx", "write_idx", "read_cifar_binary",
        "write_cifar_binary", "downsample", "class_subset", "split_indices", "make_splits",
        "normalize_splits", "data_dirs", "find_file", "download_mnist", "MNIST_FILES", "ENV_VAR",
            "TextCorpus", "TextStreams", "load_text", "load_shakespeare", "read_text", "SHAKESPEARE_FILE"])


@pytest.mark.parametrize("suffix", ["", ".gz"], ids=["raw", "gz"])
@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
def test_idx_round_trip(tmp_path, rng, suffix, dtype):
    a = (rng.standard_normal((4, 3, 5)) * 50).astype(dtype)
    p = D.write_idx(tmp_path / f"a-idx3{suffix}", a)
    b = D.read_idx(p)
    assert b.dtype == np.dtype(dtype) and b.shape == a.shape
    np.testing.assert_array_equal(b, a)


def test_idx_header_is_big_endian_mnist_layout(tmp_path):
    p = D.write_idx(tmp_path / "l", np.arange(3, dtype=np.uint8))
    assert p.read_bytes() == bytes([0, 0, 8, 1, 0, 0, 0, 3, 0, 1, 2])


def test_idx_errors(tmp_path):
    good = D.write_idx(tmp_path / "g", np.zeros((2, 2), np.uint8)).read_bytes()
    (tmp_path / "magic").write_bytes(b"\x00\x01" + good[2:])
    with pytest.raises(DataError, match="not an IDX file: the magic number"):
        D.read_idx(tmp_path / "magic")
    (tmp_path / "html").write_bytes(b"<html>404</html>")
    with pytest.raises(DataError, match="not an IDX file"):
        D.read_idx(tmp_path / "html")
    (tmp_path / "trunc").write_bytes(good[:-1])
    with pytest.raises(DataError, match=r"truncated or padded: its header says shape \(2, 2\)"):
        D.read_idx(tmp_path / "trunc")
    (tmp_path / "head").write_bytes(good[:6])
    with pytest.raises(DataError, match="truncated inside its header"):
        D.read_idx(tmp_path / "head")
    with pytest.raises(DataError, match="does not exist"):
        D.read_idx(tmp_path / "nope")
    (tmp_path / "bad.gz").write_bytes(gzip.compress(good)[:-8])
    with pytest.raises(DataError, match="corrupt or truncated"):
        D.read_idx(tmp_path / "bad.gz")


def _fake_mnist(folder: Path, rng: np.random.Generator, n_train: int = 50, n_test: int = 20,
                gz: bool = True) -> tuple[np.ndarray, np.ndarray]:
    folder.mkdir(parents=True, exist_ok=True)
    xs = rng.integers(0, 256, size=(n_train + n_test, 28, 28), dtype=np.uint8)
    ys = rng.integers(0, 10, size=n_train + n_test).astype(np.uint8)
    sfx = ".gz" if gz else ""
    D.write_idx(folder / f"train-images-idx3-ubyte{sfx}", xs[:n_train])
    D.write_idx(folder / f"train-labels-idx1-ubyte{sfx}", ys[:n_train])
    D.write_idx(folder / f"t10k-images-idx3-ubyte{sfx}", xs[n_train:])
    D.write_idx(folder / f"t10k-labels-idx1-ubyte{sfx}", ys[n_train:])
    return xs, ys


def test_load_mnist_from_idx_files(tmp_path, rng):
    xs, ys = _fake_mnist(tmp_path, rng)
    s = D.load_mnist(tmp_path, source="idx", val_fraction=0.2, normalize="unit", seed=3)
    assert (s.train.n, s.val.n, s.test.n) == (40, 10, 20)
    assert s.train.X.shape[1:] == (1, 28, 28)
    np.testing.assert_array_equal(np.rint(s.test.X[:, 0] * 255.0), xs[50:])  # official test set, in order
    np.testing.assert_array_equal(s.test.y, ys[50:])
    both = np.rint(np.concatenate([s.train.X, s.val.X])[:, 0] * 255)
    assert sorted(map(bytes, both.astype(np.uint8))) == sorted(map(bytes, xs[:50]))
    again = D.load_mnist(tmp_path, source="idx", val_fraction=0.2, normalize="unit", seed=3)
    np.testing.assert_array_equal(again.train.X, s.train.X)


def test_downsampling_is_block_average(tmp_path, rng):
    xs, _ = _fake_mnist(tmp_path, rng, gz=False)
    s = D.load_mnist(tmp_path, size=7, normalize="none", val_fraction=0.0)
    ref = xs[50:].astype(float).reshape(20, 7, 4, 7, 4).mean(axis=(2, 4))
    np.testing.assert_allclose(s.test.X[:, 0], ref)
    assert D.load_mnist(tmp_path, size=14).train.X.shape[1:] == (1, 14, 14)
    with pytest.raises(ValueError, match="positive divisor of the image side 28"):
        D.load_mnist(tmp_path, size=9)


def test_environment_variable_points_the_loader(tmp_path, rng, monkeypatch):
    _fake_mnist(tmp_path / "elsewhere", rng)
    monkeypatch.setenv(D.ENV_VAR, str(tmp_path / "elsewhere"))
    assert D.load_mnist(source="idx").test.n == 20


def test_missing_mnist_says_what_to_put_where(tmp_path, monkeypatch):
    # Independent of what this machine holds: no environment variable, no ../shared/data.
    monkeypatch.delenv(D.ENV_VAR, raising=False)
    monkeypatch.setattr(_paths, "DEFAULT_DIRS", ())
    with pytest.raises(DataError) as err:
        D.load_mnist(tmp_path, source="idx")
    msg = str(err.value)
    assert "train-images-idx3-ubyte[.gz]" in msg and str(tmp_path) in msg
    assert "DEEPRELAX_DATA" in msg and "data_dir=" in msg


def test_normalisation_uses_train_constants(tmp_path, rng):
    _fake_mnist(tmp_path, rng)
    s = D.load_mnist(tmp_path, normalize="standard", dtype=np.float32)
    assert s.train.X.dtype == np.float32
    assert abs(float(s.train.X.mean())) < 1e-5 and abs(float(s.train.X.std()) - 1) < 1e-5
    assert abs(float(s.test.X.mean())) > 1e-4  # test data shifted by the *train* mean
    with pytest.raises(ValueError, match="`normalize` must be one of"):
        D.load_mnist(tmp_path, normalize="zca")


def test_class_subset_relabels(rng):
    d = D.Dataset(np.arange(10.0)[:, None], np.arange(10) % 5, 5)
    s = D.class_subset(d, [3, 1])
    np.testing.assert_array_equal(s.X[:, 0], [1, 3, 6, 8])
    np.testing.assert_array_equal(s.y, [1, 0, 1, 0])
    assert s.n_classes == 2
    with pytest.raises(ValueError, match="distinct labels in 0..4"):
        D.class_subset(d, [1, 1])


def _fake_cifar(folder: Path, rng: np.random.Generator, n: int = 6) -> list:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name in [f"data_batch_{i}.bin" for i in range(1, 6)] + ["test_batch.bin"]:
        x = rng.integers(0, 256, size=(n, 3, 32, 32), dtype=np.uint8)
        y = rng.integers(0, 10, size=n)
        D.write_cifar_binary(folder / name, x, y)
        out.append((x, y))
    return out


def test_cifar_binary_round_trip_and_loader(tmp_path, rng):
    parts = _fake_cifar(tmp_path / "cifar-10-batches-bin", rng)
    x, y = D.read_cifar_binary(tmp_path / "cifar-10-batches-bin" / "data_batch_2.bin")
    np.testing.assert_array_equal(x, parts[1][0])
    np.testing.assert_array_equal(y, parts[1][1])
    s = D.load_cifar10(tmp_path, val_fraction=0.2, normalize="none")
    assert (s.train.n, s.val.n, s.test.n) == (24, 6, 6)
    np.testing.assert_array_equal(s.test.X, parts[-1][0].astype(float))


def test_cifar_errors(tmp_path, rng):
    _fake_cifar(tmp_path, rng)
    p = tmp_path / "data_batch_3.bin"
    p.write_bytes(p.read_bytes()[:-5])
    with pytest.raises(DataError, match="multiple of 3073 bytes"):
        D.load_cifar10(tmp_path)
    (tmp_path / "test_batch.bin").unlink()
    with pytest.raises(DataError, match=r"CIFAR-10 \(binary version\) not found.*test_batch.bin"):
        D.load_cifar10(tmp_path)


def test_mnist1d_generated_and_global_rng_untouched():
    pytest.importorskip("mnist1d")
    np_before, py_before = np.random.get_state()[1].copy(), random.getstate()  # noqa: NPY002
    s = D.load_mnist1d(n_samples=500, seed=1)
    assert np.array_equal(np.random.get_state()[1], np_before)  # noqa: NPY002
    assert random.getstate() == py_before
    assert s.train.X.shape[1:] == (40,) and s.train.n + s.val.n + s.test.n == 500
    np.testing.assert_array_equal(D.load_mnist1d(n_samples=500, seed=1).train.X, s.train.X)


def test_digits_splits_disjoint_and_deterministic():
    pytest.importorskip("sklearn")
    s = D.load_digits(seed=2)
    assert s.train.X.shape[1:] == (1, 8, 8) and s.n_classes == 10
    assert s.train.n + s.val.n + s.test.n == 1797
    rows = lambda d: {bytes(r) for r in np.ascontiguousarray(d.X.reshape(d.n, -1))}
    assert not rows(s.train) & rows(s.test)
    np.testing.assert_array_equal(D.load_dataset("digits", seed=2).val.y, s.val.y)
    with pytest.raises(ValueError, match="`name` must be one of"):
        D.load_dataset("imagenet")


def test_shared_mnist10k_npz():
    try:
        s = D.load_mnist(source="npz", normalize="none", val_fraction=0.1, test_fraction=0.2)
    except DataError:
        pytest.skip("mnist10k.npz not on the search path (set DEEPRELAX_DATA)")
    y = np.concatenate([s.train.y, s.val.y, s.test.y])
    # class counts from the data README
    np.testing.assert_array_equal(np.bincount(y),
                                  [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978])
    assert (s.train.n, s.val.n, s.test.n) == (7000, 1000, 2000)
    assert len(np.unique(s.test.y)) == 10  # shuffled before splitting (rows are class-sorted)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def file_server(tmp_path):
    root = tmp_path / "served"
    root.mkdir()
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                          functools.partial(_Quiet, directory=str(root)))
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield root, f"http://127.0.0.1:{srv.server_address[1]}/"
    srv.shutdown()
    srv.server_close()


def test_download_mnist_from_a_local_server(tmp_path, rng, file_server):
    root, url = file_server
    xs, _ = _fake_mnist(root, rng)
    paths = D.download_mnist(tmp_path / "dl", base_url=url)
    assert [p.name for p in paths] == [f"{n}.gz" for n in D.MNIST_FILES]
    np.testing.assert_array_equal(D.read_idx(paths[2]), xs[50:])


def test_download_rejects_a_non_idx_response(tmp_path, rng, file_server):
    root, url = file_server
    _fake_mnist(root, rng)
    (root / "train-images-idx3-ubyte.gz").write_bytes(gzip.compress(b"<html>rate limited</html>"))
    with pytest.raises(DataError, match="not an IDX file"):
        D.download_mnist(tmp_path / "dl", base_url=url)
    assert not list((tmp_path / "dl").glob("*"))  # nothing half-written left behind
    with pytest.raises(DataError, match="download of .* failed"):
        D.download_mnist(tmp_path / "dl2", base_url=url + "missing/")
