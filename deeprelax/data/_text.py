"""Character corpora for recurrent networks: any UTF-8 text, a vocabulary, a contiguous
split, and stateful ``(batch, T)`` streams.

:func:`load_text` reads a plain or gzip-compressed UTF-8 file, builds the vocabulary
(the sorted distinct characters of the whole text, so validation and test symbols are
known) and splits the id sequence *contiguously* into train / val / test (shuffling a
text would leak: neighbouring characters are not independent). :class:`TextStreams`
lays one split out as ``n`` parallel streams (torch-rnn's layout): the split is cut into
``n`` contiguous pieces, and batch k holds symbols ``k·T … (k+1)·T − 1`` of every piece,
so consecutive batches continue each stream and the LSTM state can be carried over.

The shipped corpus ``shakespeare.txt.gz`` (4,988,702 characters, 83 symbols) is found
on the data search path (:func:`~deeprelax.data.data_dirs`) by :func:`load_shakespeare`.
"""

from __future__ import annotations

import gzip
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .._core import DataError, ShapeError, bad_parameter, check_float, check_int
from ._paths import find_file, missing_error

__all__ = ["TextCorpus", "TextStreams", "read_text", "load_text", "load_shakespeare",
           "SHAKESPEARE_FILE"]

#: The shipped character corpus (see the data README).
SHAKESPEARE_FILE = "shakespeare.txt.gz"


def read_text(path: str | os.PathLike, max_chars: int | None = None) -> str:
    """The UTF-8 text of ``path`` (gzip recognised by its magic bytes), at most
    ``max_chars`` characters.

    Raises
    ------
    DataError
        The file is missing, empty, or not UTF-8 (the message gives the byte offset).
    """
    if not isinstance(path, (str, os.PathLike)):
        raise DataError(f"`path` must be a file path (str or os.PathLike), got {type(path).__name__}")
    p = Path(path)
    if not p.is_file():
        raise DataError(f"`path` must be an existing text file, got {str(p)!r} (not found); pass the "
                        "path of a UTF-8 text file (plain or .gz)")
    with open(p, "rb") as fh:
        gz = fh.read(2) == b"\x1f\x8b"
    try:
        if gz:
            with gzip.open(p, "rb") as fz:
                raw = fz.read()
        else:
            raw = p.read_bytes()
    except (OSError, EOFError) as exc:
        raise DataError(f"`path` must be a readable gzip file, got {str(p)!r} ({exc}); "
                        "re-compress it or pass the plain text") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(f"`path` must be UTF-8 text, got {str(p)!r} with an invalid byte at offset "
                        f"{exc.start}; convert it, e.g. iconv -f latin1 -t utf-8") from None
    if max_chars is not None:
        text = text[:check_int("max_chars", max_chars, low=1)]
    if not text:
        raise DataError(f"`path` must hold some text, got {str(p)!r} (empty); pass a non-empty file")
    return text


@dataclass(frozen=True)
class TextCorpus:
    """A text as symbol ids, with its vocabulary and a contiguous split.

    Attributes
    ----------
    vocab : str
        The distinct characters, sorted; symbol id k is ``vocab[k]``.
    train, val, test : ndarray of int32
        Contiguous pieces of the id sequence, in this order.
    source : str
        Where the text came from.
    """

    vocab: str
    train: np.ndarray
    val: np.ndarray
    test: np.ndarray
    source: str = ""

    @property
    def n_vocab(self) -> int:
        """V, the number of symbols."""
        return len(self.vocab)

    @property
    def n_chars(self) -> int:
        """Characters in all three splits."""
        return int(self.train.size + self.val.size + self.test.size)

    def encode(self, text: str) -> np.ndarray:
        """Ids of ``text`` (every character must be in the vocabulary)."""
        table = {c: i for i, c in enumerate(self.vocab)}
        try:
            return np.fromiter((table[c] for c in text), dtype=np.int32, count=len(text))
        except KeyError as exc:
            raise bad_parameter("text", "characters of the vocabulary", exc.args[0]) from None

    def decode(self, ids: Any) -> str:
        """The text of the ids ``ids``."""
        return "".join(self.vocab[int(i)] for i in np.ravel(ids))

    def __repr__(self) -> str:
        return (f"TextCorpus(V={self.n_vocab}, train={self.train.size}, val={self.val.size}, "
                f"test={self.test.size}, source={self.source!r})")


def _split(split: Any) -> tuple[float, float, float]:
    if not isinstance(split, (tuple, list)) or len(split) != 3:
        raise bad_parameter("split", "three fractions (train, val, test)", split)
    fr = tuple(check_float(f"split[{i}]", s, low=0.0) for i, s in enumerate(split))
    if fr[0] <= 0 or abs(sum(fr) - 1.0) > 1e-9:
        raise bad_parameter("split", "fractions with train > 0 summing to 1", split,
                            "e.g. split=(0.8, 0.1, 0.1)")
    return fr  # type: ignore[return-value]


def load_text(path: str | os.PathLike, *, max_chars: int | None = None,
              split: tuple[float, float, float] = (0.8, 0.1, 0.1)) -> TextCorpus:
    """Read a UTF-8 text file (plain or gzip) as a :class:`TextCorpus`.

    Parameters
    ----------
    path : path-like
    max_chars : int, optional
        Use only the first this-many characters (a slice for quick runs).
    split : (float, float, float)
        Contiguous train / val / test fractions (the authors' 80/10/10).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.txt"
    >>> _ = p.write_text("abracadabra", encoding="utf-8")
    >>> c = load_text(p, split=(0.6, 0.2, 0.2))
    >>> c.vocab, c.decode(c.train), c.decode(c.val), c.decode(c.test)
    ('abcdr', 'abracad', 'ab', 'ra')
    """
    fr = _split(split)
    text = read_text(path, max_chars)
    vocab = "".join(sorted(set(text)))
    table = np.full(max(map(ord, vocab)) + 1, -1, dtype=np.int32)
    for i, c in enumerate(vocab):
        table[ord(c)] = i
    # UTF-32 is one uint32 code point per character: the whole text maps to ids in one
    # vectorised gather (no Python loop over ~5·10⁶ characters)
    ids = table[np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)]
    n = ids.size
    a = int(round(fr[0] * n))
    b = a + int(round(fr[1] * n))
    return TextCorpus(vocab, ids[:a], ids[a:b], ids[b:], str(path))


def load_shakespeare(data_dir: str | os.PathLike | None = None, *, max_chars: int | None = None,
                     split: tuple[float, float, float] = (0.8, 0.1, 0.1)) -> TextCorpus:
    """The shipped Shakespeare corpus (``shakespeare.txt.gz``) from the data search path."""
    p = find_file([SHAKESPEARE_FILE], data_dir)
    if p is None:
        raise missing_error("the Shakespeare corpus", [SHAKESPEARE_FILE], data_dir,
                            "or point load_text at any UTF-8 text file")
    return load_text(p, max_chars=max_chars, split=split)


class TextStreams:
    """One split of a text as ``n`` parallel streams cut into ``(n, T)`` batches.

    Parameters
    ----------
    ids : int array (N,)
    batch_size : int
        n, the number of streams.
    seq_len : int
        T, the steps per batch (the truncation length of BPTT).

    Attributes
    ----------
    inputs, targets : ndarray (K, n, T)
        Batch k: ``inputs[k, j] = ids[j·K·T + k·T : j·K·T + (k+1)·T]`` and the targets one
        symbol later. ``K = (N − 1) // (n·T)``; the last ``N − 1 − K·n·T`` symbols are
        dropped.
    n_batches : int
        K.
    n_symbols : int
        K·n·T, the predicted symbols per pass.

    Raises
    ------
    DataError
        When the text is shorter than one batch (``n·T + 1`` symbols).

    Examples
    --------
    >>> import numpy as np
    >>> s = TextStreams(np.arange(13), batch_size=2, seq_len=3)
    >>> s.n_batches, s.inputs[0].tolist(), s.inputs[1].tolist(), s.targets[1].tolist()
    (2, [[0, 1, 2], [6, 7, 8]], [[3, 4, 5], [9, 10, 11]], [[4, 5, 6], [10, 11, 12]])
    """

    def __init__(self, ids: Any, batch_size: int, seq_len: int) -> None:
        a = np.asarray(ids)
        if a.ndim != 1 or not np.issubdtype(a.dtype, np.integer):
            raise bad_parameter("ids", "a 1-D integer array of symbol ids",
                                f"{a.dtype} array of shape {a.shape}", cls=ShapeError)
        n = check_int("batch_size", batch_size, low=1)
        T = check_int("seq_len", seq_len, low=1)
        # − 1: every input symbol needs its successor as target
        K = (a.size - 1) // (n * T) if a.size else 0
        if K < 1:
            raise DataError(f"`ids` must hold at least one batch, batch_size·seq_len + 1 = {n * T + 1} "
                            f"symbols, got {a.size}; use a longer text or smaller batch_size / seq_len")
        m = K * n * T
        # row j of reshape(n, K, T) is the j-th contiguous piece (stream j); the transpose
        # makes batch k the k-th block of T symbols of every stream
        self.inputs = np.ascontiguousarray(a[:m].reshape(n, K, T).transpose(1, 0, 2))
        self.targets = np.ascontiguousarray(a[1:m + 1].reshape(n, K, T).transpose(1, 0, 2))
        self.batch_size, self.seq_len, self.n_batches = n, T, K
        self.n_symbols = m

    def __len__(self) -> int:
        return self.n_batches

    def __repr__(self) -> str:
        return f"TextStreams(K={self.n_batches}, n={self.batch_size}, T={self.seq_len})"
