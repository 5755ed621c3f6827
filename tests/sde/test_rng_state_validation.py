"""``sdeint(rng_state=...)`` refuses states that cannot come from a solution (issue 9, item 9)."""

import numpy as np
import pytest

from deeprelax import landscapes, sde
from deeprelax._core import DeepRelaxError


@pytest.fixture(scope="module")
def ou():
    return sde.langevin(landscapes.quadratic(np.eye(2)), beta=1.0)


def _run(ou, state):
    return sde.sdeint(ou, np.zeros(2), (0.0, 0.05), dt=0.01, n_paths=3, rng_state=state)


@pytest.mark.parametrize("state", [np.zeros((3, 4), np.uint64), np.full((3, 4), np.nan), np.full((3, 4), -1),
                                   np.ones((3, 4)) * 0.5, "abc"])
def test_impossible_rng_state_is_refused(ou, state):
    with pytest.raises(DeepRelaxError, match="`rng_state`"):
        _run(ou, state)


def test_one_dead_row_is_named(ou):
    state = sde.sdeint(ou, np.zeros(2), (0.0, 0.05), dt=0.01, n_paths=3, seed=1).rng_state.copy()
    state[2] = 0
    with pytest.raises(DeepRelaxError, match="row 2 is all zero"):
        _run(ou, state)


def test_a_solution_state_continues_the_run(ou):
    # control: the state of a solution is accepted, and continuing equals one longer run
    first = sde.sdeint(ou, np.zeros(2), (0.0, 0.05), dt=0.01, n_paths=3, seed=1)
    second = sde.sdeint(ou, first.x[-1], (0.05, 0.1), dt=0.01, n_paths=3, rng_state=first.rng_state)
    whole = sde.sdeint(ou, np.zeros(2), (0.0, 0.1), dt=0.01, n_paths=3, seed=1)
    np.testing.assert_array_equal(second.x[-1], whole.x[-1])
