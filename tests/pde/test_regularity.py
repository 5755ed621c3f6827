"""Regularity diagnostics: they hold on non-convex f, and a wrong kernel width breaks them."""

import numpy as np
import pytest

from deeprelax._core import ParameterError
from deeprelax.pde import Grid, cole_hopf, hopf_lax, regularity


@pytest.mark.parametrize("beta", [2.0, 50.0])
def test_semiconcavity_holds_on_nonconvex_f(grid1, f_nonconvex, beta):
    t = 0.3
    for u in (cole_hopf(f_nonconvex, grid1, t, beta).u, hopf_lax(f_nonconvex, grid1, t).u):
        c = regularity.semiconcavity(u, grid1, t)
        assert c.holds and c.bound == pytest.approx(1 / t)
    # f itself is far from semiconcave with constant 1/t: the check can fail
    assert not regularity.semiconcavity(f_nonconvex, grid1, t).holds


def test_wrong_kernel_width_breaks_semiconcavity(grid1, f_nonconvex):
    # negative control: a kernel of variance t/(4β) is the solution at t/4, whose bound is 4/t
    t, beta = 0.3, 2.0
    wrong = cole_hopf(f_nonconvex, grid1, t / 4, beta).u
    c = regularity.semiconcavity(wrong, grid1, t)
    assert not c.holds and c.measured > 1.5 / t


def test_semiconcavity_2d():
    g = Grid([(-3.0, 3.0)] * 2, 80)
    x, y = g.coords
    f = (x**2 - 1) ** 2 + np.sin(4 * y) + 0.3 * y**2
    t = 0.3
    assert regularity.semiconcavity(cole_hopf(f, g, t, 5.0).u, g, t).holds
    assert regularity.semiconcavity(hopf_lax(f, g, t).u, g, t).holds


def test_all_relaxation_checks_hold_and_report_numbers(grid1, f_nonconvex):
    checks = regularity.relaxation_checks(f_nonconvex, grid1, 0.2, 10.0, betas=None)
    assert len(checks) == 10
    for c in checks:
        assert c.holds, c
        assert np.isfinite(c.measured) and np.isfinite(c.bound)
        assert c.relation in ("<=", "==")


def test_bounds_fail_for_the_wrong_solution(grid1, f_nonconvex):
    # negative controls: u + 1 violates u <= G*f, and f − 1 with t swapped breaks monotonicity in t
    t, beta = 0.2, 10.0
    u = cole_hopf(f_nonconvex, grid1, t, beta).u
    lower, upper = regularity.viscous_bounds(u + 1.0, f_nonconvex, grid1, t, beta)
    assert lower.holds and not upper.holds
    hl1, hl2 = hopf_lax(f_nonconvex, grid1, 0.1).u, hopf_lax(f_nonconvex, grid1, 0.2).u
    assert regularity.monotone_in_time([hl1, hl2], [0.1, 0.2]).holds
    assert not regularity.monotone_in_time([hl2, hl1], [0.1, 0.2]).holds
    assert not regularity.nonviscous_bound(hl1 + 1e-3, f_nonconvex, grid1).holds


def test_lipschitz_does_not_grow(grid1, f_nonconvex):
    u = cole_hopf(f_nonconvex, grid1, 0.2, 10.0).u
    c = regularity.lipschitz(u, f_nonconvex, grid1)
    assert c.holds and c.measured < c.bound
    assert not regularity.lipschitz(3 * f_nonconvex, f_nonconvex, grid1).holds


def test_comparison_needs_ordered_data(grid1, f_nonconvex):
    with pytest.raises(ParameterError, match="`f1` must be <= `f2`"):
        regularity.comparison(f_nonconvex, f_nonconvex, f_nonconvex + 1, f_nonconvex, grid1)
