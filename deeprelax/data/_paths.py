"""Where datasets are looked for, and the (optional, online-only) MNIST download.

Search order: the ``data_dir`` argument, the ``DEEPRELAX_DATA`` environment variable
(one or more directories separated by ``os.pathsep``), then ``../shared/data``
relative to the repository. Nothing is ever downloaded implicitly.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from .._core import DataError

__all__ = ["data_dirs", "find_file", "download_mnist", "MNIST_FILES", "ENV_VAR"]

#: Environment variable naming extra data directories.
ENV_VAR = "DEEPRELAX_DATA"

#: The four standard MNIST IDX files (each may also be stored gzip-compressed as ``.gz``).
MNIST_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
               "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")

#: The repository's sibling data folder (``../shared/data``), searched last. Tests that need
#: the data to be absent replace this tuple (``monkeypatch.setattr(_paths, "DEFAULT_DIRS", ())``).
DEFAULT_DIRS: tuple[Path, ...] = (Path(__file__).resolve().parents[2].parent / "shared" / "data",)

#: A public mirror of the MNIST files (used only by :func:`download_mnist`).
MNIST_MIRROR = "https://ossci-datasets.s3.amazonaws.com/mnist/"


def _check_dir(data_dir: object) -> None:
    if data_dir is not None and not isinstance(data_dir, (str, os.PathLike)):
        raise DataError(f"`data_dir` must be a directory path (str or os.PathLike) or None, got "
                        f"{type(data_dir).__name__}")
    if data_dir is not None and Path(data_dir).is_file():
        raise DataError(f"`data_dir` must be a directory, got the file {str(data_dir)!r}; pass the folder "
                        "that holds it")


def data_dirs(data_dir: str | os.PathLike | None = None) -> list[Path]:
    """The directories searched, in order (existing or not)."""
    _check_dir(data_dir)
    dirs: list[Path] = []
    if data_dir is not None:
        dirs.append(Path(data_dir))
    env = os.environ.get(ENV_VAR, "")
    dirs += [Path(d) for d in env.split(os.pathsep) if d]
    dirs += list(DEFAULT_DIRS)
    return dirs


def find_file(names: Sequence[str], data_dir: str | os.PathLike | None = None,
              subdirs: Sequence[str] = ("",)) -> Path | None:
    """The first existing ``dir/sub/name`` over the search path, or ``None``."""
    if isinstance(names, (str, bytes)) or not all(isinstance(n, str) for n in names):
        raise DataError(f"`names` must be a list of file names, got {names!r}; pass e.g. ['mnist10k.npz']")
    for d in data_dirs(data_dir):
        for sub in subdirs:
            for name in names:
                p = d / sub / name if sub else d / name
                if p.is_file():
                    return p
    return None


def missing_error(what: str, files: Sequence[str], data_dir: str | os.PathLike | None,
                  hint: str = "") -> DataError:
    """The error raised when a dataset's files are nowhere on the search path."""
    dirs = ", ".join(repr(str(d)) for d in data_dirs(data_dir))
    msg = (f"{what} not found: looked for {list(files)} in {dirs}; put the files in one of these "
           f"directories, or pass data_dir='/path/to/dir', or set {ENV_VAR}=/path/to/dir")
    return DataError(msg + (f"; {hint}" if hint else ""))


def download_mnist(dest: str | os.PathLike, base_url: str = MNIST_MIRROR,
                   timeout: float = 60.0) -> list[Path]:
    """Download the four MNIST ``.gz`` files into ``dest`` (for users who are online).

    Each file is fetched to a temporary name, checked to be a readable IDX file and
    only then moved into place. Never called by the loaders themselves.

    Parameters
    ----------
    dest : path-like
        Target directory (created).
    base_url : str
        URL prefix ending in ``/``; the files are ``base_url + name + ".gz"``.
    timeout : float
        Seconds per request.

    Returns
    -------
    list of Path
        The four files.
    """
    from .._core._validate import check_positive
    from ._idx import read_idx

    if not isinstance(dest, (str, os.PathLike)):
        raise DataError(f"`dest` must be a directory path (str or os.PathLike), got {type(dest).__name__}")
    if not isinstance(base_url, str) or not base_url.endswith("/"):
        raise DataError(f"`base_url` must be a URL string ending in '/', got {base_url!r}")
    timeout = check_positive("timeout", timeout)
    out = Path(dest)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in MNIST_FILES:
        target = out / f"{name}.gz"
        if not target.exists():
            url = base_url + name + ".gz"
            fd, tmp = tempfile.mkstemp(dir=out, suffix=".gz")
            try:
                with os.fdopen(fd, "wb") as fh, urllib.request.urlopen(url, timeout=timeout) as r:
                    shutil.copyfileobj(r, fh)
                read_idx(tmp)
                os.replace(tmp, target)
            except OSError as exc:
                raise DataError(f"download of {url!r} failed ({exc}); check the network or put the "
                                f"files into {str(out)!r} by hand") from None
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
        paths.append(target)
    return paths
