"""solve_hj: kernel vs numpy twin, convergence orders against Cole–Hopf and Hopf–Lax, CFL, errors."""

import numpy as np
import pytest

from deeprelax._core import CFLError, ParameterError, SchemeError, ShapeError, Status
from deeprelax.pde import Grid, cole_hopf, hopf_lax, solve_hj
from deeprelax.pde._hj import _hj_stage, hj_kernel, hj_rhs_numpy


def _periodic_f(n):
    g = Grid((0.0, 2 * np.pi), n, periodic=True)
    x = g.axes[0]
    return g, np.sin(x) + 0.5 * np.cos(2 * x)


@pytest.mark.parametrize("drift", [False, True], ids=["no-drift", "drift"])
@pytest.mark.parametrize("ham", ["godunov", "lax_friedrichs"])
@pytest.mark.parametrize("rec", ["upwind1", "eno2"])
@pytest.mark.parametrize("periodic", [False, True], ids=["neumann", "periodic"])
def test_compiled_rhs_matches_numpy_twin(ham, rec, periodic, drift, rng):
    g = Grid([(-1.0, 1.0), (0.0, 2.0)], (13, 9), periodic=periodic)
    u = rng.normal(size=g.shape)
    b = rng.normal(size=g.shape + (2,)) if drift else None
    op = hj_kernel(g, ham, rec, 0.2, alpha=[1.3, 0.7], drift=b)
    u3 = u.reshape(g.shape + (1,)).copy()
    e = np.empty_like(u3)
    _hj_stage(u3, u3, e, 0.0, 0.0, 1.0, op)
    ref = hj_rhs_numpy(u, g, 0.2, ham, rec, alpha=[1.3, 0.7], drift=b)
    np.testing.assert_allclose(e.reshape(g.shape), ref, atol=1e-12)
    if drift:  # negative control: the drift term is there (the twin without it disagrees)
        assert np.abs(ref - hj_rhs_numpy(u, g, 0.2, ham, rec, alpha=[1.3, 0.7])).max() > 0.1


@pytest.mark.parametrize(
    ("scheme", "rec", "order"),
    [("ssprk3", "upwind1", 1), ("ssprk3", "eno2", 2), ("imex_ars222", "eno2", 2), ("imex_euler", "upwind1", 1)],
)
def test_viscous_order_against_cole_hopf(scheme, rec, order):
    # ν = 1/(2β), smooth periodic data: the grid Cole–Hopf is spectrally exact on the torus
    beta, T = 1.0, 0.5
    errs = []
    for n in (64, 128, 256):
        g, f = _periodic_f(n)
        ref = cole_hopf(f, g, T, beta, gradient=False).u
        r = solve_hj(f, g, T, 1 / (2 * beta), scheme=scheme, reconstruction=rec)
        assert r.status is Status.SUCCESS and r.success
        errs.append(np.abs(r.u[-1] - ref).max())
    slopes = np.log2(np.array(errs[:-1]) / np.array(errs[1:]))
    assert np.all(np.abs(slopes - order) < 0.2), slopes


def test_nonviscous_against_hopf_lax_before_kinks():
    # kinks form at t = 1/max(−f″) = 1/3; before that u is smooth and ENO2 is second order
    T = 0.25
    errs = []
    for n in (64, 128, 256):
        g, f = _periodic_f(n)
        r = solve_hj(f, g, T, 0.0, reconstruction="eno2")
        errs.append(np.abs(r.u[-1] - hopf_lax(f, g, T).u).max())
    # Hopf–Lax on the grid is exact only to O(h²) itself (the minimiser is a cell centre)
    slopes = np.log2(np.array(errs[:-1]) / np.array(errs[1:]))
    assert np.all(slopes > 1.5), slopes


def test_nonviscous_after_kinks_converges_in_l1():
    T = 1.0
    errs = []
    for n in (64, 128, 256):
        g, f = _periodic_f(n)
        r = solve_hj(f, g, T, 0.0, reconstruction="upwind1")
        errs.append(np.mean(np.abs(r.u[-1] - hopf_lax(f, g, T).u)))
    assert errs[2] < errs[1] < errs[0] and errs[2] < 0.6 * errs[1]


def test_comparison_principle_of_monotone_scheme(rng):
    g = Grid((-2.0, 2.0), 80)
    f1 = np.sin(3 * g.axes[0]) + g.axes[0] ** 2
    f2 = f1 + np.abs(rng.normal(size=80)) * 0.1
    kw = dict(scheme="ssprk2", reconstruction="upwind1", t_eval=[0.1, 0.3])
    u1 = solve_hj(f1, g, 0.3, 0.05, **kw).u
    u2 = solve_hj(f2, g, 0.3, 0.05, **kw).u
    assert np.all(u1 <= u2 + 1e-13)


def test_imex_is_not_held_to_the_diffusive_step():
    g, f = _periodic_f(512)
    ex = solve_hj(f, g, 0.1, 0.5, scheme="ssprk3")
    im = solve_hj(f, g, 0.1, 0.5, scheme="imex_ars222")
    assert im.n_steps * 20 < ex.n_steps
    assert im.cfl_bound > 20 * ex.cfl_bound


def test_input_not_modified_and_t_eval():
    g, f = _periodic_f(32)
    f0 = f.copy()
    r = solve_hj(f, g, (0.0, 0.2), 0.1, t_eval=[0.1, 0.2])
    np.testing.assert_array_equal(f, f0)
    assert r.u.shape == (2, 32) and np.allclose(r.t, [0.1, 0.2])


def test_cfl_violation_names_the_bound():
    g, f = _periodic_f(64)
    r = solve_hj(f, g, 0.01, 0.5)
    with pytest.raises(CFLError, match=r"CFL bound [0-9.e-]+ .* got 0\.01"):
        solve_hj(f, g, 0.1, 0.5, dt=0.01)
    assert r.cfl_bound < 0.01


@pytest.mark.parametrize(
    ("kwargs", "err", "match"),
    [
        ({"viscosity": -0.1}, ParameterError, "`viscosity` must be a non-negative"),
        ({"scheme": "rk4"}, ParameterError, "`scheme` must be one of"),
        ({"hamiltonian": "roe"}, ParameterError, "`hamiltonian` must be one of"),
        ({"t_span": (1.0, 0.5)}, ParameterError, "T > t0"),
        ({"t_span": 0.0}, ParameterError, "T > t0"),
        ({"cfl": 1.5}, ParameterError, "fraction"),
        ({"t_span": 1e7}, ParameterError, r"`t_span` must be a run of at most max_steps = 1000000 .* got '[0-9.e+]+"),
        ({"dt": 1e-13}, ParameterError, r"1e\+12 steps of dt = 1e-13"),
        ({"max_steps": 10, "t_span": 1.0}, ParameterError, r"max_steps = 10 "),
        ({"drift": np.ones(3)}, ShapeError, r"`drift` must be a vector field of shape"),
        ({"reconstruction": "spectral"}, SchemeError, r"go together"),
    ],
    ids=["neg-viscosity", "scheme", "hamiltonian", "t-decreasing", "t-zero", "cfl", "huge-t", "tiny-dt",
         "max-steps", "drift-shape", "spectral-needs-etdrk4"],
)
def test_bad_input(kwargs, err, match):
    g, f = _periodic_f(16)
    args = {"t_span": 0.1, "viscosity": 0.1, **kwargs}
    with pytest.raises(err, match=match):
        solve_hj(f, g, args.pop("t_span"), args.pop("viscosity"), **args)


def test_shape_mismatch():
    g, f = _periodic_f(16)
    with pytest.raises(ShapeError, match=r"grid's shape \(16,\)"):
        solve_hj(f[:-1], g, 0.1, 0.1)


def test_nonfinite_run_reports_where():
    # slopes of 1e200 overflow ½|∇u|² in the first stage (the step count stays small: T ≈ 100 dt)
    g, f = _periodic_f(32)
    with np.errstate(over="ignore", invalid="ignore"):  # (pure-Python kernels under NUMBA_DISABLE_JIT=1 warn)
        r = solve_hj(1e200 * f, g, 1e-200, 0.0)
    assert r.status is Status.NONFINITE and not r.success
    assert "non-finite between steps 0 and" in r.message
    assert np.all(np.isnan(r.u[-1]))
    ok = solve_hj(f, g, 0.1, 0.0)  # negative control: the same call on sane data succeeds
    assert ok.success and np.all(np.isfinite(ok.u))
