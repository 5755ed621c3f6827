"""Every registered accelerator against the generic array-API rule it replaces.

Each accelerator declares its equality ("bitwise" for all of them today); the kernels
are called directly (``acc.run``), so under ``NUMBA_DISABLE_JIT=1`` their Python source
is exercised too, and compared with the generic rule run inside ``disabled()``.
"""

import numpy as np
import pytest

from deeprelax.optim import InnerLoop, adam_transform, sgd_transform
from deeprelax.optim._accel import disabled, find, registered
from deeprelax.optim._transforms import apply_update

D = 257          # odd, so no accidental alignment to vector widths

TRANSFORMS = {
    "sgd": [dict(), dict(momentum=0.9), dict(momentum=0.9, nesterov=True),
            dict(momentum=0.5, weight_decay=1e-2), dict(weight_decay=0.3)],
    "adam": [dict(), dict(b1=0.5, b2=0.9, eps=1e-3), dict(weight_decay=1e-2)],
}
INNER = [dict(), dict(alpha=1.0), dict(alpha=0.25, noise=0.1), dict(avg_burn_in=3),
         dict(avg_burn_in=7, alpha=0.5), dict(momentum=0.9, nesterov=True, noise=0.05),
         dict(momentum=0.5, weight_decay=1e-2), dict(weight_decay=0.1, avg_burn_in=2)]


def _transform(rule, kw):
    return sgd_transform(lambda t: 0.1 / (1 + t), **kw) if rule == "sgd" else adam_transform(0.05, **kw)


def _run_transform(rule, kw, shape, accelerated):
    """Five steps of the transform on fixed operands; the accelerator called directly or not at all."""
    rng = np.random.default_rng(1)
    tx = _transform(rule, kw)
    x = rng.standard_normal(shape)
    state = tx.init(x)
    acc = [a for a in registered() if a.rule == rule][0]
    for _ in range(5):
        g = rng.standard_normal(shape)
        if accelerated:
            x, state = acc.run(tx.fused, g, state, x)
        else:
            with disabled():
                x, state = apply_update(tx, g, state, x)
    leaves = [np.asarray(a) for s in state for a in s if isinstance(a, np.ndarray)]
    return x, leaves


def _run_inner(kw, shape, accelerated):
    loop = InnerLoop(8, 0.05, **{"noise": 0.0, **kw})
    rng = np.random.default_rng(2)
    x = rng.standard_normal(shape)

    def sample(xp_):   # a non-linear gradient, so every buffer matters
        return 0.0, np.sin(3 * xp_) + xp_**3 + 0.1 * rng.standard_normal(shape)

    def normal(sh, like):
        return rng.standard_normal(sh)

    if accelerated:
        return loop.run(x, 0.7, sample, normal)
    with disabled():
        return loop.run(x, 0.7, sample, normal)


def _jit_disabled():
    from numba.core import config

    return config.DISABLE_JIT


def _inner_with_kernel_forced(kw, shape):
    """The inner loop with the accelerator forced on (even under NUMBA_DISABLE_JIT)."""
    import deeprelax.optim._inner as inner_mod

    acc = [a for a in registered() if a.rule == "inner_step"][0]
    orig = inner_mod.find
    inner_mod.find = lambda rule, *ops: acc
    try:
        return _run_inner(kw, shape, accelerated=True)
    finally:
        inner_mod.find = orig


@pytest.mark.parametrize("acc", registered(), ids=lambda a: a.name)
def test_every_accelerator_matches_its_generic_rule(acc):
    assert acc.equality == "bitwise"           # what every kernel here declares
    shapes = [(D,), (3, D)]                     # flat and replicas
    if acc.rule in TRANSFORMS:
        for kw in TRANSFORMS[acc.rule]:
            for shape in shapes:
                xa, la = _run_transform(acc.rule, kw, shape, accelerated=True)
                xg, lg = _run_transform(acc.rule, kw, shape, accelerated=False)
                np.testing.assert_array_equal(xa, xg, err_msg=f"{acc.rule} {kw}")
                assert len(la) == len(lg)
                for a, b in zip(la, lg):
                    np.testing.assert_array_equal(a, b, err_msg=f"{acc.rule} {kw} buffers")
    else:
        assert acc.rule == "inner_step"
        for kw in INNER:
            for shape in shapes:
                ra = _inner_with_kernel_forced(kw, shape)
                rg = _run_inner(kw, shape, accelerated=False)
                np.testing.assert_array_equal(ra.mu_offset, rg.mu_offset, err_msg=str(kw))
                np.testing.assert_array_equal(ra.delta, rg.delta, err_msg=str(kw))
                # the diagnostic's squared norms are summed in another order (declared in note)
                assert ra.coupling == pytest.approx(rg.coupling, rel=1e-12)


def test_every_rule_with_an_accelerator_is_covered():
    assert {a.rule for a in registered()} == set(TRANSFORMS) | {"inner_step"}


def test_the_comparison_can_fail():
    # negative control: one ulp in the learning rate breaks bitwise equality
    rng = np.random.default_rng(0)
    x, g = rng.standard_normal(D), rng.standard_normal(D)
    a, _ = apply_update(sgd_transform(0.1), g, sgd_transform(0.1).init(x), x.copy())
    b, _ = apply_update(sgd_transform(np.nextafter(0.1, 1.0)), g, sgd_transform(0.1).init(x), x.copy())
    assert not np.array_equal(a, b)


@pytest.mark.skipif(_jit_disabled(), reason="accelerators do not apply under NUMBA_DISABLE_JIT")
def test_conditions_are_declared_properties_of_the_operands():
    x = np.zeros(10)
    assert find("sgd", x, x, None) is not None
    assert find("sgd", x.astype(np.float32), x, None) is None        # float32: generic
    assert find("sgd", np.zeros((10, 4))[:, 0], x, None) is None     # not contiguous
    assert find("sgd", x, np.zeros(9), None) is None                 # sizes differ
    assert find("sgd", [0.0] * 10, x, None) is None                  # not an ndarray
    with disabled():
        assert find("sgd", x, x, None) is None                       # the tests' switch
    assert find("sgd", x, x, None) is not None                       # restored


@pytest.mark.parametrize("make", [lambda: sgd_transform(0.1, momentum=0.9), lambda: adam_transform(0.1)],
                         ids=["sgd", "adam"])
@pytest.mark.parametrize("accelerated", [True, False], ids=["accel", "generic"])
def test_apply_update_moves_x_in_place_and_never_writes_g(make, accelerated):
    rng = np.random.default_rng(3)
    x, g = rng.standard_normal(D), rng.standard_normal(D)
    g_before = g.copy()
    tx = make()
    state = tx.init(x)
    if accelerated:
        out, _ = apply_update(tx, g, state, x)
    else:
        with disabled():
            out, _ = apply_update(tx, g, state, x)
    assert out is x                               # in place, one write stream
    np.testing.assert_array_equal(g, g_before)    # the objective's array is only read
