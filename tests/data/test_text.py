"""The character-corpus loader: vocabulary, contiguous split, stateful streams, clear errors."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from deeprelax._core import DataError, DeepRelaxError
from deeprelax.data import TextStreams, load_shakespeare, load_text, read_text

TEXT = "To be, or not to be: that is the question.\nWhether 'tis nobler — in the mind\n"


def test_plain_and_gzip_give_the_same_corpus(tmp_path):
    p, q = tmp_path / "a.txt", tmp_path / "a.txt.gz"
    p.write_text(TEXT, encoding="utf-8")
    q.write_bytes(gzip.compress(TEXT.encode("utf-8")))
    a, b = load_text(p), load_text(q)
    assert a.vocab == b.vocab == "".join(sorted(set(TEXT)))
    assert "—" in a.vocab                       # a non-ASCII symbol survives
    for s in ("train", "val", "test"):
        np.testing.assert_array_equal(getattr(a, s), getattr(b, s))
    # contiguous split, nothing lost or reordered
    assert a.decode(np.concatenate([a.train, a.val, a.test])) == TEXT
    assert a.train.size == round(0.8 * len(TEXT)) and a.n_chars == len(TEXT)
    np.testing.assert_array_equal(a.encode(TEXT[:10]), a.train[:10])
    assert read_text(q, max_chars=5) == TEXT[:5]
    assert load_text(p, max_chars=20).n_chars == 20


def test_streams_continue_across_consecutive_batches():
    ids = np.arange(2 * 5 * 3 + 4)             # 34 symbols: K = 33 // 6 = 5 batches
    s = TextStreams(ids, batch_size=2, seq_len=3)
    assert (s.n_batches, s.n_symbols) == (5, 30)
    for j in range(2):
        stream = np.concatenate([s.inputs[k, j] for k in range(s.n_batches)])
        np.testing.assert_array_equal(stream, ids[j * 15:(j + 1) * 15])   # contiguous piece j
        targ = np.concatenate([s.targets[k, j] for k in range(s.n_batches)])
        np.testing.assert_array_equal(targ, stream + 1)                    # next symbol
    # consecutive batches continue each stream: batch k+1 starts where batch k ended
    assert np.all(s.inputs[1:, :, 0] == s.inputs[:-1, :, -1] + 1)
    # exactly one batch fits at n·T + 1 symbols
    assert TextStreams(np.arange(7), 2, 3).n_batches == 1


def test_shakespeare_when_present():
    try:
        c = load_shakespeare(max_chars=10_000)
    except DataError as exc:
        pytest.skip(f"corpus not on the data path: {exc}")
    assert c.n_chars == 10_000 and c.n_vocab <= 83


def test_errors_are_clear(tmp_path):
    with pytest.raises(DataError, match="path.*not found"):
        load_text(tmp_path / "nope.txt")
    (tmp_path / "empty.txt").write_bytes(b"")
    with pytest.raises(DataError, match="empty"):
        load_text(tmp_path / "empty.txt")
    (tmp_path / "latin.txt").write_bytes("café".encode("latin-1"))
    with pytest.raises(DataError, match="UTF-8.*offset 3"):
        load_text(tmp_path / "latin.txt")
    (tmp_path / "bad.gz").write_bytes(b"\x1f\x8b\x08garbage")
    with pytest.raises(DataError, match="gzip"):
        load_text(tmp_path / "bad.gz")
    with pytest.raises(DataError, match="at least one batch.*7.*got 6"):
        TextStreams(np.arange(6), 2, 3)
    with pytest.raises(DeepRelaxError, match="ids"):
        TextStreams(np.zeros(10), 2, 3)
    with pytest.raises(DeepRelaxError, match="seq_len"):
        TextStreams(np.arange(10), 2, 0)
    p = tmp_path / "ok.txt"
    p.write_text(TEXT, encoding="utf-8")
    for bad in [(0.5, 0.5), (0.0, 0.5, 0.5), (0.8, 0.1, 0.2), (0.8, -0.1, 0.3)]:
        with pytest.raises(DeepRelaxError, match="split"):
            load_text(p, split=bad)
    with pytest.raises(DeepRelaxError, match="max_chars"):
        load_text(p, max_chars=0)
    with pytest.raises(DeepRelaxError, match="text"):
        load_text(p).encode("Ω")


def test_missing_corpus_names_the_search_path(tmp_path, monkeypatch):
    import deeprelax.data._paths as P

    monkeypatch.setattr(P, "DEFAULT_DIRS", ())
    monkeypatch.delenv(P.ENV_VAR, raising=False)
    with pytest.raises(DataError, match="Shakespeare corpus not found.*data_dir"):
        load_shakespeare(tmp_path)
