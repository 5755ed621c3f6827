"""The public surface of deeprelax.pde is pinned."""

import dataclasses

import deeprelax.pde as pde
from deeprelax._core import Status
from deeprelax.pde import regularity

PUBLIC = {
    "Grid", "cole_hopf", "ColeHopfResult", "hopf_lax", "HopfLaxResult", "solve_hj", "HJResult", "HJ_SCHEMES",
    "local_entropy", "LocalEntropyResult", "regularity", "stationary_fp", "StationaryFPResult", "solve_fp",
    "FPResult", "FP_SCHEMES", "fp_operator", "FPOperator", "force_split", "ForceSplit", "free_energy",
    "grid_landscape",
}

REGULARITY = {
    "RegularityCheck", "semiconcavity", "lipschitz", "viscous_bounds", "nonviscous_bound", "monotone_in_time",
    "viscous_limit_rate", "comparison", "relaxation_checks", "gauss_smooth",
}


def test_public_names():
    assert set(pde.__all__) == PUBLIC
    assert set(regularity.__all__) == REGULARITY
    for name in PUBLIC:
        assert hasattr(pde, name)


def test_results_are_frozen_with_status_and_counters():
    for cls in (pde.ColeHopfResult, pde.HopfLaxResult, pde.HJResult, pde.LocalEntropyResult,
                pde.StationaryFPResult, pde.FPResult):
        assert dataclasses.is_dataclass(cls) and cls.__dataclass_params__.frozen
        fields = {f.name: f for f in dataclasses.fields(cls)}
        assert {"status", "message"} <= set(fields)
        assert fields["status"].default is Status.SUCCESS  # the one Status of every result (issue 10)
        assert isinstance(cls.success, property)
