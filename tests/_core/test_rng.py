"""The per-path streams: reproducibility, independence of layout, and distribution."""

import numpy as np
import pytest
from scipy import stats

from deeprelax._core import fill_normals, path_states, seed_key
from deeprelax._core._rng import _ZIG_RATIO, _ZIG_X


def _normals(seed, n_paths, m, first=0):
    out = np.empty((n_paths, m))
    fill_normals(path_states(seed, n_paths, first), out)
    return out


def test_same_seed_same_numbers():
    np.testing.assert_array_equal(_normals(7, 4, 100), _normals(7, 4, 100))


def test_different_seed_different_numbers():
    assert not np.array_equal(_normals(7, 2, 50), _normals(8, 2, 50))


def test_path_depends_only_on_seed_and_index():
    big = _normals(3, 40, 64)
    np.testing.assert_array_equal(big[:5], _normals(3, 5, 64))  # first k paths of a larger ensemble
    np.testing.assert_array_equal(big[17:23], _normals(3, 6, 64, first=17))  # a chunk


def test_stream_continues_across_calls():
    states = path_states(11, 3)
    a = np.empty((3, 30))
    b = np.empty((3, 20))
    fill_normals(states, a)
    fill_normals(states, b)  # states advanced in place
    np.testing.assert_array_equal(np.hstack([a, b]), _normals(11, 3, 50))


def test_seed_key_is_stable():
    assert seed_key(123) == seed_key(np.random.SeedSequence(123))
    assert seed_key(123) != seed_key(124)


def test_ziggurat_tables():
    # Block 1 starts at the tail R, the ratios are in [0, 1) and only the top block (a pure wedge) has 0
    assert _ZIG_X[1] == pytest.approx(3.442619855899)
    assert np.all((_ZIG_RATIO >= 0) & (_ZIG_RATIO < 1))
    assert np.count_nonzero(_ZIG_RATIO == 0) == 1 and _ZIG_RATIO[-1] == 0


def test_normals_are_standard_normal():
    # Budget: 4e5 draws. KS at 1e-4 significance and moments within 5 standard errors.
    z = _normals(2026, 40, 10_000).ravel()
    n = z.size
    assert stats.kstest(z, "norm").pvalue > 1e-4
    assert abs(z.mean()) < 5 / np.sqrt(n)
    assert abs(z.var() - 1) < 5 * np.sqrt(2 / n)
    assert abs(np.mean(z**4) - 3) < 5 * np.sqrt(96 / n)
    # tail mass beyond the ziggurat base R (the tail sampler) matches the normal law
    tail = np.mean(np.abs(z) > 3.442619855899)
    p = 2 * stats.norm.sf(3.442619855899)
    assert abs(tail - p) < 5 * np.sqrt(p / n)
    # negative control: the same test rejects a t-distribution with 10 degrees of freedom
    t10 = stats.t(10).rvs(size=n, random_state=np.random.default_rng(0))
    assert stats.kstest(t10, "norm").pvalue < 1e-4 or abs(np.mean(t10**4) - 3) > 5 * np.sqrt(96 / n)


def test_paths_are_uncorrelated():
    # Budget: 64 paths x 4096 draws; |corr| of neighbouring paths < 5/sqrt(m), lag-1 within a path too.
    z = _normals(5, 64, 4096)
    m = z.shape[1]
    c = np.corrcoef(z)
    off = c[np.triu_indices(64, 1)]
    assert np.max(np.abs(off)) < 5.5 / np.sqrt(m)
    lag1 = np.mean(z[:, 1:] * z[:, :-1])
    assert abs(lag1) < 5 / np.sqrt(z[:, 1:].size)
    # negative control: paths sharing a stream would be perfectly correlated
    assert np.corrcoef(z[0], z[0])[0, 1] > 0.99
