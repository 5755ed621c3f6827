"""The whole core on array_api_strict (no numpy-only calls) and on cupy (marked gpu)."""

import numpy as np
import pytest

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

OPTIMIZERS = {
    "sgd": sgd(0.1, momentum=0.9, nesterov=True, weight_decay=1e-4),
    "adam": adam(0.05, weight_decay=1e-4),
    "sgld": sgld(0.05, 1e-4, seed=3),
    "entropy_sgd": entropy_sgd(1.0, 1.0, n_inner=5, noise=1e-2, outer_step="scoped",
                               inner_momentum=0.5, inner_nesterov=True, inner_weight_decay=1e-3,
                               scoping=1e-2),
    "entropy_adam": entropy_adam(0.05, 1.0, n_inner=3),
    "hj_proximal": hj_proximal(1.0, 1.0, n_inner=5),
    "hopf_lax": hopf_lax_sgd(0.2, 10.0, n_inner=3),
    "elastic": elastic_sgd(0.1, 1.0, n_replicas=3),
    "parle": parle(0.5, 1.0, 1.0, n_replicas=2, n_inner=3, noise=1e-2, scoping=0.1),
    "sam": sam(sgd(0.1), 0.05),
    "asam": asam(adam(0.05), 0.05),
}


def _objective(xp):
    h = (1.0, 4.0, 2.0)

    def value(x):
        return float(0.5 * xp.sum(xp.asarray(h, dtype=xp.float64) * x * x))

    def grad(x):
        return xp.asarray(h, dtype=xp.float64) * x

    return FunctionObjective(value, grad, dim=3, noise_std=0.05, batch_size=2, n_samples=16)


def _run_everything(xp, to_host):
    obj = _objective(xp)
    x0 = xp.asarray([1.0, -1.0, 2.0], dtype=xp.float64)
    ref = _objective(np)
    for name, opt in OPTIMIZERS.items():
        res = minimize(opt, obj, x0, n_steps=20, seed=4)
        assert res.success, (name, res.message)
        assert type(res.x) is type(x0), name
        # identical numbers to the numpy run: same generators, same arithmetic
        res_np = minimize(opt, ref, np.asarray([1.0, -1.0, 2.0]), n_steps=20, seed=4)
        np.testing.assert_allclose(to_host(res.x), res_np.x, rtol=1e-12, atol=1e-14,
                                   err_msg=name)


def test_core_runs_on_array_api_strict():
    xs = pytest.importorskip("array_api_strict")
    _run_everything(xs, lambda a: np.from_dlpack(a))


@pytest.mark.gpu
def test_core_runs_on_cupy():
    cp = pytest.importorskip("cupy")
    try:
        cp.cuda.runtime.getDeviceCount()
    except Exception as exc:  # cupy without a usable GPU raises a CUDA-specific error
        pytest.skip(f"no usable GPU: {exc}")
    obj = _objective(cp)
    x0 = cp.asarray([1.0, -1.0, 2.0])
    for name, opt in OPTIMIZERS.items():
        res = minimize(opt, obj, x0, n_steps=200, seed=4)
        assert res.success and isinstance(res.x, cp.ndarray), name
        assert res.full_loss < 0.05, name
