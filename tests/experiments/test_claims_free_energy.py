"""Claim 12 (experiments/free_energy_decay.py): KL to the exact steady state, and the wrong-Φ control."""

import dataclasses

import pytest

from experiments import free_energy_decay as fe

SMALL = dataclasses.replace(fe.Config(), ex19_shape=(30, 40), ou_shape=24, t_end=10.0, n_out=20)


def _claim(res):
    rows = [c for c in res.checks if c.kind == "claim"]
    assert len(rows) == 1 and rows[0].claim_id == 12
    return rows[0]


@pytest.fixture(scope="module")
def result():
    return fe.run(SMALL)


def test_theorem5_against_the_exact_steady_state(result):
    assert _claim(result).verdict == "confirmed", _claim(result).note
    for c in result.checks:
        if c.kind == "method":
            assert c.verdict == "pass", (c.claim, c.measured, c.bound)


def test_verdict_flips_with_a_wrong_potential():
    res = fe.run(dataclasses.replace(SMALL, potential="wrong"))
    assert _claim(res).verdict == "refuted", _claim(res).note


def test_unknown_potential_mode_is_refused():
    with pytest.raises(ValueError, match="potential"):
        fe.run(dataclasses.replace(SMALL, potential="nonsense"))
