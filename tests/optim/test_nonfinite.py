"""Divergence is reported, at every step including the last, and the run stops at its last finite point.

SGD with η = 1000 on f = |x|²/2 (d = 2, exact gradients) multiplies x by 1 − η = −999
per step, so f(x_k) = 999^{2k} overflows first at k = K = 52 (2k·log₁₀999 > 308.25)
while x_K = ±999^{52} ≈ 1e156 is still finite.
"""

import math

import numpy as np
import pytest

from deeprelax._core import ParameterError, Status
from deeprelax.optim import (
    FunctionObjective,
    adam,
    asam,
    elastic_sgd,
    entropy_adam,
    entropy_sgd,
    hj_proximal,
    hopf_lax_sgd,
    minimize,
    parle,
    sam,
    sgd,
    sgld,
)

K = 52


def _objective():
    # numpy f = |x|²/2 (no landscape kernel, so the test also runs under NUMBA_DISABLE_JIT)
    return FunctionObjective(lambda x: 0.5 * float(x @ x), lambda x: 1.0 * x, dim=2)


def _reference(k):
    """x_k by the recurrence x ← x − η x, written independently of the package."""
    x = [1.0, 1.0]
    for _ in range(k):
        x = [xi - 1e3 * xi for xi in x]
    return np.array(x)


def test_the_reference_overflows_at_K():
    assert math.isfinite(0.5 * float(_reference(K - 1) @ _reference(K - 1)))
    with np.errstate(over="ignore"):
        assert not math.isfinite(0.5 * float(_reference(K) @ _reference(K)))
    assert np.all(np.isfinite(_reference(K)))


def test_divergence_in_the_last_step_is_not_a_success():
    # the audit's case (issue 9, item 5): the last step diverges, the loop never evaluates
    # the point it produced; minimize now checks the full loss after the last step
    res = minimize(sgd(1e3), _objective(), np.ones(2), n_steps=K)
    assert res.status is Status.NONFINITE and not res.success
    assert f"at the point after the last step, step {K}" in res.message
    assert res.n_steps == K and not math.isfinite(res.full_loss)
    np.testing.assert_array_equal(res.x, _reference(K))          # where the run stopped
    assert "its coordinates are finite" in res.message
    # negative control: one step fewer is a success with a finite loss
    ok = minimize(sgd(1e3), _objective(), np.ones(2), n_steps=K - 1)
    assert ok.status is Status.SUCCESS and math.isfinite(ok.full_loss)


def test_divergence_inside_the_loop_stops_at_that_step():
    res = minimize(sgd(1e3), _objective(), np.ones(2), n_steps=K + 20)
    assert res.status is Status.NONFINITE and res.n_steps == K
    assert f"non-finite loss in step {K + 1}, at the point after {K} steps" in res.message
    np.testing.assert_array_equal(res.x, _reference(K))          # the failed step did not move x
    assert len(res.history.loss) == K


def test_training_in_periods_stops_in_the_period_whose_last_step_diverges():
    # experiments/train.py calls minimize once per period and trusts res.success: with
    # periods of 13 steps, step 52 = K is the last step of period 4
    class Resume:
        def __init__(self, opt, state):
            self.opt, self.state = opt, state

        def init(self, x0):
            return self.state

        def step(self, state, objective, rng):
            return self.opt.step(state, objective, rng)

        def params(self, state):
            return self.opt.params(state)

    opt, obj = sgd(1e3), _objective()
    x = np.ones(2)
    state = opt.init(x)
    rng = np.random.default_rng(0)
    outcomes = []
    for _period in range(6):
        res = minimize(Resume(opt, state), obj, x, n_steps=13, seed=rng)
        outcomes.append(res.status)
        if not res.success:
            break
        assert math.isfinite(res.full_loss)
        state, x = res.state, res.x
    assert outcomes == [Status.SUCCESS] * 3 + [Status.NONFINITE]
    assert "after the last step, step 13" in res.message


def test_nonfinite_recorded_full_loss_stops():
    res = minimize(sgd(1e3), _objective(), np.ones(2), n_steps=K + 20, eval_every=4)
    assert res.status is Status.NONFINITE and res.n_steps == K
    assert f"non-finite full loss inf at the point after {K} steps" in res.message


def test_nonfinite_at_the_start():
    obj = FunctionObjective(lambda x: float("inf"), lambda x: 1.0 * x, dim=2)
    res = minimize(sgd(0.1), obj, np.ones(2), n_steps=5)
    assert res.status is Status.NONFINITE and res.n_steps == 0
    assert "in step 1, at the point after 0 steps" in res.message
    np.testing.assert_array_equal(res.x, np.ones(2))


def test_adam_eps_inf_is_refused_not_a_success():
    with pytest.raises(ParameterError, match=r"`eps` must be a finite real number, got inf"):
        adam(1e-3, eps=float("inf"))


OPTIMIZERS = {
    "sgd": lambda: sgd(0.1, momentum=0.9, nesterov=True, weight_decay=1e-4),
    "adam": lambda: adam(0.05, weight_decay=1e-4),
    "sgld": lambda: sgld(0.05, 1e-4, seed=3),
    "entropy_sgd": lambda: entropy_sgd(1.0, 1.0, n_inner=3, noise=1e-2, momentum=0.9),
    "entropy_adam": lambda: entropy_adam(0.05, 1.0, n_inner=3),
    "hj_proximal": lambda: hj_proximal(1.0, 1.0, n_inner=3),
    "hopf_lax": lambda: hopf_lax_sgd(0.2, 10.0, n_inner=3),
    "elastic": lambda: elastic_sgd(0.1, 1.0, n_replicas=3),
    "parle": lambda: parle(0.5, 1.0, 1.0, n_replicas=2, n_inner=3, noise=1e-2),
    "sam": lambda: sam(sgd(0.1), 0.05),
    "asam": lambda: asam(adam(0.05), 0.05),
}


def _leaves(tree):
    if isinstance(tree, tuple):
        return [leaf for t in tree for leaf in _leaves(t)]
    return [tree] if isinstance(tree, np.ndarray) else []


@pytest.mark.parametrize("name", list(OPTIMIZERS), ids=list(OPTIMIZERS))
def test_a_step_with_a_nonfinite_gradient_leaves_the_state_untouched(name):
    calls = {"n": 0}

    def grad(x):
        calls["n"] += 1
        return x * np.nan if calls["n"] > 12 else 2.0 * x

    obj = FunctionObjective(lambda x: float(x @ x), grad, dim=3)
    opt = OPTIMIZERS[name]()
    state = opt.init(np.array([1.0, -2.0, 0.5]))
    rng = np.random.default_rng(0)
    for _ in range(20):              # finite steps until the objective turns NaN
        before = [a.copy() for a in _leaves(state)]
        new, info = opt.step(state, obj, rng)
        if not info.finite:
            break
        state = new
    assert not info.finite and calls["n"] > 12
    assert new is state
    assert len(before) == len(_leaves(new)) > 0
    for a, b in zip(_leaves(new), before):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", list(OPTIMIZERS), ids=list(OPTIMIZERS))
def test_the_result_owns_x_and_x0_is_never_written(name):
    obj = FunctionObjective(lambda x: float(x @ x), lambda x: 2.0 * x, dim=3)
    x0 = np.array([1.0, -2.0, 0.5])
    opt = OPTIMIZERS[name]()
    res = minimize(opt, obj, x0, n_steps=3)
    np.testing.assert_array_equal(x0, [1.0, -2.0, 0.5])
    x_keep = res.x.copy()
    state = res.state
    for _ in range(3):               # continuing from the state updates its buffers in place
        state, _ = opt.step(state, obj, np.random.default_rng(1))
    np.testing.assert_array_equal(res.x, x_keep)


def test_overflowing_coordinates_with_a_finite_loss_are_caught_after_the_last_step():
    # a loss blind to x never goes non-finite; the update 1 − 10³⁰⁰·10¹⁰ overflows to −inf
    obj = FunctionObjective(lambda x: 0.0, lambda x: 0.0 * x + 1e10, dim=2)
    res = minimize(sgd(1e300), obj, np.ones(2), n_steps=1)
    assert res.status is Status.NONFINITE and res.full_loss == 0.0
    assert "non-finite coordinates at the point after the last step, step 1" in res.message
    assert "its coordinates are NOT finite" in res.message
    ok = minimize(sgd(1.0), obj, np.ones(2), n_steps=1)       # negative control
    assert ok.status is Status.SUCCESS
