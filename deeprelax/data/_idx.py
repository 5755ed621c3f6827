"""The IDX file format of MNIST (raw or gzip), read and written without pickling.

Layout (LeCun's MNIST page): two zero bytes, a type code, the number of dimensions
``ndim``, then ``ndim`` big-endian uint32 sizes, then the data in big-endian order.
"""

from __future__ import annotations

import gzip
import math
import os
import zlib
from pathlib import Path

import numpy as np

from .._core import DataError

__all__ = ["read_idx", "write_idx"]

#: IDX type codes -> big-endian numpy dtypes.
IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_CODES = {np.dtype(v).newbyteorder("="): k for k, v in IDX_TYPES.items()}


def _as_path(name: str, path: object) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise DataError(f"`{name}` must be a path (str or os.PathLike), got {type(path).__name__}")
    return Path(path)


def _read_bytes(path: Path) -> bytes:
    if path.is_dir():
        raise DataError(f"IDX file {str(path)!r} is a directory; pass the path of the file itself")
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as fh:
                return fh.read()
        return path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"IDX file {str(path)!r} does not exist; put it there or pass the "
                        "directory that holds it") from None
    except (OSError, EOFError, zlib.error) as exc:
        raise DataError(f"cannot read IDX file {str(path)!r} ({exc}); the gzip stream is corrupt "
                        "or truncated: download the file again") from None


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file (``.gz`` is decompressed) into a native-endian array.

    Parameters
    ----------
    path : path-like
        e.g. ``train-images-idx3-ubyte.gz``.

    Returns
    -------
    ndarray
        Shape from the header (MNIST images: ``(60000, 28, 28)`` uint8).

    Raises
    ------
    DataError
        Missing, empty or unreadable file, wrong magic number, unknown type code, a
        header whose sizes overflow, a file shorter (or longer) than its header says,
        or NaN/inf in a floating-point file. The message names the file and the fix.
    """
    p = _as_path("path", path)
    raw = _read_bytes(p)
    if not raw:
        raise DataError(f"IDX file {str(p)!r} is empty (zero bytes), e.g. an interrupted download; "
                        "delete it and download the file again")
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in IDX_TYPES:
        got = raw[:4].hex() if raw else "an empty file"
        raise DataError(f"{str(p)!r} is not an IDX file: the magic number must be 00 00 <type> "
                        f"<ndim> with type in {sorted(hex(k) for k in IDX_TYPES)}, got {got}; "
                        "check that this is the MNIST file (not an HTML error page)")
    dtype = np.dtype(IDX_TYPES[raw[2]])
    ndim = raw[3]
    head = 4 + 4 * ndim
    if len(raw) < head:
        raise DataError(f"{str(p)!r} is truncated inside its header; download the file again")
    shape = tuple(int(v) for v in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    need = math.prod(shape) * dtype.itemsize  # Python ints: a hostile header cannot wrap to 0
    if need > 2**62:
        raise DataError(f"{str(p)!r} has a corrupt header: sizes {shape} give {need} data bytes, more "
                        "than any file can hold; download the file again")
    if len(raw) - head != need:
        raise DataError(f"{str(p)!r} is truncated or padded: its header says shape {shape} "
                        f"({need} data bytes), got {len(raw) - head} bytes; download the file again")
    # astype copies out of the read-only bytes buffer and converts big-endian to native
    out = np.frombuffer(raw, dtype=dtype, offset=head).reshape(shape).astype(dtype.newbyteorder("="))
    if dtype.kind == "f" and not np.all(np.isfinite(out)):
        bad = int(np.count_nonzero(~np.isfinite(out)))
        raise DataError(f"{str(p)!r} holds {bad} NaN/inf value(s); image and label files must be finite: "
                        "regenerate the file or clean it with numpy.nan_to_num before writing it")
    return out


def write_idx(path: str | os.PathLike, array: np.ndarray) -> Path:
    """Write ``array`` as an IDX file (gzip-compressed when ``path`` ends in ``.gz``)."""
    p = _as_path("path", path)
    a = np.asarray(array)
    if a.ndim > 255 or any(n >= 2**32 for n in a.shape):
        raise DataError(f"`array` of shape {a.shape} does not fit an IDX header (at most 255 dimensions "
                        "of size < 2**32)")
    code = _CODES.get(a.dtype.newbyteorder("="))
    if code is None:
        raise DataError(f"`array` must have an IDX dtype {sorted(str(k) for k in _CODES)}, "
                        f"got {a.dtype}; cast it first")
    header = bytes([0, 0, code, a.ndim]) + np.asarray(a.shape, dtype=">u4").tobytes()
    data = header + a.astype(IDX_TYPES[code]).tobytes()
    if p.suffix == ".gz":
        with gzip.open(p, "wb") as fh:
            fh.write(data)
    else:
        p.write_bytes(data)
    return p
