"""Bad inputs and damaged files for every public entry point of :mod:`deeprelax.data`.

SETUP builds, in a fresh temporary directory, one folder per kind of damage (zero-byte,
truncated, not-an-archive, impossible labels, NaN pixels, an IDX header whose sizes
overflow int64, a partial IDX set) and isolates the search path from what the machine
holds (no ``DEEPRELAX_DATA``, no ``../shared/data``). A damaged file must give a
DataError whose message names the file (``match``: the file name). Constants
(``DATASETS``, ``MNIST_FILES``, ``ENV_VAR``, ``SHAKESPEARE_FILE``) take no input.
"""

from tests.bad_inputs._harness import Case

SETUP = r"""
import gzip, io, os, tempfile, warnings
from pathlib import Path
import numpy as np
import deeprelax.data as D
from deeprelax.data import *
from deeprelax.data import _paths
os.environ.pop(D.ENV_VAR, None)
_paths.DEFAULT_DIRS = ()
warnings.simplefilter("ignore")
T = Path(tempfile.mkdtemp(prefix="deeprelax_bad_data_"))
rng = np.random.default_rng(0)
def mnist(folder, labels=None, images=None, drop=()):
    folder.mkdir(parents=True, exist_ok=True)
    x = rng.integers(0, 256, size=(40, 28, 28), dtype=np.uint8) if images is None else images
    y = (np.arange(40) % 10).astype(np.uint8) if labels is None else labels
    files = dict(zip(MNIST_FILES, (x[:30], y[:30], x[30:], y[30:])))
    for name, arr in files.items():
        if name not in drop:
            write_idx(folder / name, arr)
    return folder
def npz(folder, **arrays):
    folder.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO(); np.savez(buf, **arrays); (folder / "mnist10k.npz").write_bytes(buf.getvalue())
    return folder
good = mnist(T / "good")
bad_label = np.arange(40).astype(np.uint8) % 10; bad_label[3] = 11
lab = mnist(T / "labels", labels=bad_label)
nanimg = mnist(T / "nan", images=np.where(rng.random((40, 28, 28)) < 0.01, np.nan, 1.0).astype(np.float32))
part = mnist(T / "partial", drop=("t10k-labels-idx1-ubyte",))
trunc = mnist(T / "trunc")
(trunc / "train-images-idx3-ubyte").write_bytes((trunc / "train-images-idx3-ubyte").read_bytes()[:-100])
zero = mnist(T / "zero"); (zero / "t10k-images-idx3-ubyte").write_bytes(b"")
gz = T / "gz"; gz.mkdir()
(gz / "a.gz").write_bytes(gzip.compress(write_idx(T / "tmp", np.zeros((50, 5), np.uint8)).read_bytes())[:-20])
(T / "huge").write_bytes(bytes([0, 0, 8, 2]) + np.array([2**32 - 1] * 2, dtype=">u4").tobytes())
(T / "html").write_bytes(b"<html>404</html>")
x0 = rng.integers(0, 256, size=(20, 28, 28), dtype=np.uint8); y0 = np.arange(20) % 10
npz_good = npz(T / "npz_good", images=x0, labels=y0)
blob = (npz_good / "mnist10k.npz").read_bytes()
nz_zero = T / "npz_zero"; nz_zero.mkdir(); (nz_zero / "mnist10k.npz").write_bytes(b"")
nz_trunc = T / "npz_trunc"; nz_trunc.mkdir(); (nz_trunc / "mnist10k.npz").write_bytes(blob[: len(blob) // 2])
nz_junk = T / "npz_junk"; nz_junk.mkdir(); (nz_junk / "mnist10k.npz").write_bytes(b"PK\x03\x04" + bytes(64))
nz_lab = npz(T / "npz_labels", images=x0, labels=y0 + 5)
nz_neg = npz(T / "npz_neg", images=x0, labels=y0 - 1)
nz_nan = npz(T / "npz_nan", images=np.full((20, 28, 28), np.nan), labels=y0)
nz_len = npz(T / "npz_len", images=x0, labels=y0[:5])
nz_key = npz(T / "npz_key", pixels=x0, labels=y0)
cif = T / "cifar"; cif.mkdir(); (cif / "data_batch_1.bin").write_bytes(b"")
(cif / "half.bin").write_bytes(bytes(3073 * 2 - 10))
ds = Dataset(np.zeros((10, 4)), np.arange(10) % 3, 3, "toy")
splits = make_splits(ds, val_fraction=0.2, test_fraction=0.2, seed=0)
txt = T / "t.txt"; txt.write_text("hello world " * 50)
"""

WRONG_PATH = ["None", "3", "[T]", "b'x'"]
FRACTION = ["'0.1'", "None", "True", "float('nan')", "float('inf')", "-0.1", "1.0", "1.5"]
INT_NONNEG = ["'3'", "None", "True", "float('nan')", "2.5", "-1", "1e300"]
DTYPE = ["'int8'", "np.int32", "'abc'", "3"]


def _cases(entry: str, param: str, template: str, values: list[str], **kw) -> list[Case]:
    return [Case(entry, param, template.format(v=v), **kw) for v in values]


CASES: list[Case] = []
add = CASES.extend

# -- damaged files ---------------------------------------------------------------------------
FILE = "file"  # the parameter column for damaged files: the message must name the file
add([
    Case("data.read_idx", FILE, "read_idx(T / 'huge')", match="huge"),
    Case("data.read_idx", FILE, "read_idx(T / 'html')", match="html"),
    Case("data.read_idx", FILE, "read_idx(gz / 'a.gz')", match=r"a\.gz"),
    Case("data.read_idx", FILE, "read_idx(zero / 't10k-images-idx3-ubyte')", match="t10k-images"),
    Case("data.read_idx", FILE, "read_idx(trunc / 'train-images-idx3-ubyte')", match="train-images"),
    Case("data.read_idx", FILE, "read_idx(nanimg / 'train-images-idx3-ubyte')", match="NaN"),
    Case("data.read_idx", FILE, "read_idx(T / 'nope')", match="nope"),
    Case("data.read_idx", FILE, "read_idx(T)", match="directory"),
    Case("data.load_mnist", FILE, "load_mnist(lab, source='idx')", match="train-labels.*0..11|labels"),
    Case("data.load_mnist", FILE, "load_mnist(nanimg, source='idx')", match="NaN"),
    Case("data.load_mnist", FILE, "load_mnist(part, source='idx')", match="t10k-labels-idx1-ubyte"),
    Case("data.load_mnist", FILE, "load_mnist(part)", match="t10k-labels-idx1-ubyte"),
    Case("data.load_mnist", FILE, "load_mnist(trunc)", match="train-images-idx3-ubyte"),
    Case("data.load_mnist", FILE, "load_mnist(zero)", match="t10k-images-idx3-ubyte"),
    Case("data.load_mnist", FILE, "load_mnist(T / 'empty_dir')", match="not found"),
])
for folder in ("nz_zero", "nz_trunc", "nz_junk", "nz_lab", "nz_neg", "nz_nan", "nz_len", "nz_key"):
    add([Case("data.load_mnist", FILE, f"load_mnist({folder}, source='npz')", match=r"mnist10k\.npz")])
add([
    Case("data.read_cifar_binary", FILE, "read_cifar_binary(cif / 'data_batch_1.bin')", match="data_batch_1"),
    Case("data.read_cifar_binary", FILE, "read_cifar_binary(cif / 'half.bin')", match="half"),
    Case("data.read_cifar_binary", FILE, "read_cifar_binary(cif)", match="cifar"),
    Case("data.load_cifar10", FILE, "load_cifar10(cif)", match="CIFAR-10"),
])

# -- arguments of the loaders ----------------------------------------------------------------
add(_cases("data.read_idx", "path", "read_idx({v})", WRONG_PATH))
add(_cases("data.write_idx", "array", "write_idx(T / 'w', {v})", ["np.array(['a'])", "np.zeros(3, complex)"]))
add(_cases("data.write_idx", "path", "write_idx({v}, np.zeros(3, np.uint8))", ["None", "3"]))
add(_cases("data.load_mnist", "source", "load_mnist(good, source={v})", ["'csv'", "None", "3"]))
add(_cases("data.load_mnist", "size", "load_mnist(good, size={v})", ["9", "0", "-7", "'7'", "None", "7.5", "True"]))
add(_cases("data.load_mnist", "classes", "load_mnist(good, classes={v})",
           ["[10]", "[-1]", "[1, 1]", "[]", "'01'", "[1.5]", "3"]))
add(_cases("data.load_mnist", "val_fraction", "load_mnist(good, val_fraction={v})", FRACTION))
add(_cases("data.load_mnist", "seed", "load_mnist(good, seed={v})", INT_NONNEG))
add(_cases("data.load_mnist", "normalize", "load_mnist(good, normalize={v})", ["'zscore'", "None"]))
add(_cases("data.load_mnist", "dtype", "load_mnist(good, dtype={v})", DTYPE))
add(_cases("data.load_mnist", "data_dir", "load_mnist({v})", ["3", "[T]", "good / 'train-images-idx3-ubyte'"]))
add(_cases("data.load_mnist", "test_fraction", "load_mnist(npz_good, source='npz', test_fraction={v})", FRACTION))
add(_cases("data.load_cifar10", "data_dir", "load_cifar10({v})", ["3", "[T]"]))
add(_cases("data.load_dataset", "name", "load_dataset({v})", ["'imagenet'", "None", "3"]))
add(_cases("data.load_mnist1d", "n_samples", "load_mnist1d(n_samples={v})", ["'100'", "-5", "2.5", "0", "None"]))
add(_cases("data.load_mnist1d", "generator_seed", "load_mnist1d(n_samples=100, generator_seed={v})",
           ["-1", "'a'", "2.5"]))
add(_cases("data.load_digits", "val_fraction", "load_digits(val_fraction={v})", FRACTION[:5]))
add(_cases("data.load_digits", "classes", "load_digits(classes={v})", ["[12]", "'a'"]))
add(_cases("data.write_cifar_binary", "images", "write_cifar_binary(T / 'c.bin', {v}, [0])",
           ["np.zeros((1, 3, 32, 31), np.uint8)", "np.zeros((1, 3, 32, 32))", "'abc'"]))
add(_cases("data.write_cifar_binary", "labels",
           "write_cifar_binary(T / 'c.bin', np.zeros((2, 3, 32, 32), np.uint8), {v})",
           ["[0, 10]", "[0]", "[-1, 0]", "[0.5, 1.0]"]))
add(_cases("data.read_cifar_binary", "path", "read_cifar_binary({v})", ["None", "3"]))
add(_cases("data.data_dirs", "data_dir", "data_dirs({v})", ["3", "[T]"]))
add(_cases("data.find_file", "names", "find_file({v})", ["'mnist10k.npz'", "[3]"]))
add(_cases("data.download_mnist", "dest", "download_mnist({v})", ["None", "3"]))
add(_cases("data.download_mnist", "timeout", "download_mnist(T / 'dl', timeout={v})",
           ["0", "-1", "float('nan')", "'x'"]))
add(_cases("data.download_mnist", "base_url", "download_mnist(T / 'dl', base_url={v})", ["3", "'http://x'"]))

# -- datasets and transforms ------------------------------------------------------------------
add(_cases("data.Dataset", "y", "Dataset(np.zeros((3, 2)), {v}, 3)",
           ["np.array([0, 3, 1])", "np.array([-1, 0, 1])", "np.array([0.0, 1.0, 2.0])", "np.zeros((3, 1), int)",
            "np.zeros(2, int)", "[0, 1, 2]"]))
add(_cases("data.Dataset", "n_classes", "Dataset(np.zeros((3, 2)), np.zeros(3, int), {v})",
           ["0", "-1", "2.5", "'3'", "None"]))
add(_cases("data.Dataset", "X", "Dataset({v}, np.zeros(3, int), 3)", ["[[0.0]] * 3", "None"]))
add(_cases("data.downsample", "size", "downsample(np.zeros((2, 28, 28)), {v})",
           ["0", "-4", "9", "2.5", "'7'", "None"]))
add(_cases("data.downsample", "images", "downsample({v}, 7)", ["np.zeros(28)", "None", "[[1.0]]"]))
add(_cases("data.class_subset", "classes", "class_subset(ds, {v})",
           ["[3]", "[-1]", "[0, 0]", "[]", "'01'", "[0.5]", "None"]))
add(_cases("data.class_subset", "data", "class_subset({v}, [0])", ["None", "np.zeros(3)"]))
add(_cases("data.split_indices", "n", "split_indices({v}, 1, 1, 0)", ["0", "'10'", "2.5", "None"]))
add(_cases("data.split_indices", "n_val", "split_indices(10, {v}, 1, 0)", ["-1", "2.5", "'1'"]))
add(_cases("data.split_indices", "n_val + n_test", "split_indices(10, 5, 5, 0)", [""], match=r"n_val \+ n_test"))
add(_cases("data.split_indices", "seed", "split_indices(10, 1, 1, {v})", ["-1", "'a'", "2.5"]))
add(_cases("data.make_splits", "val_fraction", "make_splits(ds, val_fraction={v}, test_fraction=0.1, seed=0)",
           FRACTION))
add(_cases("data.make_splits", "test_fraction", "make_splits(ds, val_fraction=0.1, test_fraction={v}, seed=0)",
           FRACTION))
add(_cases("data.make_splits", "seed", "make_splits(ds, val_fraction=0.1, test_fraction=0.1, seed={v})",
           INT_NONNEG))
add(_cases("data.make_splits", "data", "make_splits({v}, val_fraction=0.1, test_fraction=0.1, seed=0)",
           ["None", "np.zeros(3)"]))
add(_cases("data.make_splits", "test", "make_splits(ds, val_fraction=0.1, test_fraction=0.0, seed=0, test={v})",
           ["3", "np.zeros(3)"]))
add(_cases("data.normalize_splits", "normalize", "normalize_splits(splits, {v})", ["'zscore'", "None", "3"]))
add(_cases("data.normalize_splits", "dtype", "normalize_splits(splits, 'unit', {v})", DTYPE))
add(_cases("data.normalize_splits", "scale", "normalize_splits(splits, 'unit', np.float64, {v})",
           ["0", "-1", "float('nan')", "float('inf')", "'x'", "None"]))
add(_cases("data.normalize_splits", "splits", "normalize_splits({v})", ["None", "ds"]))

# -- text ------------------------------------------------------------------------------------------
add(_cases("data.read_text", "path", "read_text({v})", ["None", "3"]))
add(_cases("data.read_text", "max_chars", "read_text(txt, max_chars={v})", ["0", "-1", "2.5", "'x'"]))
add(_cases("data.load_text", "path", "load_text({v})", ["None", "T / 'missing.txt'"], match="path|missing"))
add(_cases("data.TextStreams", "batch_size", "TextStreams(np.arange(100) % 5, {v}, 8)", ["0", "-1", "2.5", "'x'"]))
add(_cases("data.TextStreams", "seq_len", "TextStreams(np.arange(100) % 5, 2, {v})", ["0", "-1", "2.5", "'x'"]))
