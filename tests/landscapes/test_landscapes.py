"""Landscape kernels against finite differences, sympy against the catalogue, safe parsing."""

import numba
import numpy as np
import pytest

import deeprelax.landscapes as L
from deeprelax._core import ParameterError, ShapeError


def _fd_grad(f, x, h=1e-6):
    g = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (f.value(x + e) - f.value(x - e)) / (2 * h)
    return g


def _fd_hess(f, x, h=1e-5):
    H = np.zeros((x.size, x.size))
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        H[:, i] = (f.grad(x + e) - f.grad(x - e)) / (2 * h)
    return H


CATALOGUE = {
    "quadratic": lambda: L.quadratic([[2.0, 0.3, 0.0], [0.3, 1.0, -0.2], [0.0, -0.2, 0.5]], [0.1, 0.0, -0.3]),
    "double_well": lambda: L.double_well(3, barrier=0.7, kappa=2.0),
    "muller_brown": lambda: L.muller_brown(0.01),
    "sharp_wide": L.sharp_wide,
    "relaxation_1d": lambda: L.relaxation_1d(noise=0.5, seed=3),
    "example19_phi": lambda: L.example19(0.5).potential,
    "sympy": lambda: L.from_sympy("(x**2 - 1)**2/4 + a*y**2/2 + sin(x*y)", ["x", "y"], {"a": 2.0}),
}


@pytest.mark.parametrize("name", list(CATALOGUE), ids=list(CATALOGUE))
def test_grad_hess_against_finite_differences(name, rng):
    f = CATALOGUE[name]()
    for _ in range(3):
        x = rng.uniform(-1.2, 1.2, f.dim)
        np.testing.assert_allclose(f.grad(x), _fd_grad(f, x), rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(f.hess(x), _fd_hess(f, x), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", list(CATALOGUE), ids=list(CATALOGUE))
def test_batch_shapes(name, rng):
    f = CATALOGUE[name]()
    x = rng.uniform(-1, 1, (4, 3, f.dim))
    assert f.value(x).shape == (4, 3)
    assert f.grad(x).shape == (4, 3, f.dim)
    assert f.hess(x).shape == (4, 3, f.dim, f.dim)
    np.testing.assert_allclose(f.value(x)[2, 1], f.value(x[2, 1]))


def test_sympy_matches_catalogue(rng):
    x = rng.normal(size=(20, 2))
    mb = L.muller_brown()
    A, a, b, c, x0, y0 = L._catalogue._MB
    terms = " + ".join(
        f"({A[k]})*exp(({a[k]})*(x-({x0[k]}))**2 + ({b[k]})*(x-({x0[k]}))*(y-({y0[k]})) + ({c[k]})*(y-({y0[k]}))**2)"
        for k in range(4)
    )
    s = L.from_sympy(terms, ["x", "y"])
    np.testing.assert_allclose(s.value(x), mb.value(x), rtol=1e-12)
    np.testing.assert_allclose(s.grad(x), mb.grad(x), rtol=1e-10, atol=1e-9)
    np.testing.assert_allclose(s.hess(x), mb.hess(x), rtol=1e-10, atol=1e-8)


def test_params_change_without_recompiling():
    f = L.from_sympy("a*x**2", ["x"], {"a": 1.0})
    g = f.with_params([3.0])
    assert g.value_kernel is f.value_kernel
    assert float(g.value(2.0)) == pytest.approx(12.0)
    e = L.example19(0.0)
    e2 = e.with_params([1.5])
    assert e2.kernel is e.kernel
    assert not np.allclose(e2([[0.3, 0.4]]), e([[0.3, 0.4]]))


@pytest.mark.parametrize(
    "text, match",
    [
        ("__import__('os').system('true')", "unsupported syntax|not allowed"),
        ("x.__class__", "unsupported syntax"),
        ("open('f')", "not allowed"),
        ("x + z", "unknown name 'z'"),
        ("x +", "not a valid expression"),
        ("lambda: 1", "unsupported syntax"),
    ],
)
def test_parser_refuses_code(text, match):
    with pytest.raises(ParameterError, match=match):
        L.from_sympy(text, ["x"])


def test_parser_accepts_maths():
    f = L.from_sympy("x^2 + pi*cos(x) - exp(-x)", ["x"])
    assert float(f.value(0.0)) == pytest.approx(np.pi - 1.0)


def test_example19_split_and_invariance(rng):
    # b = −∇Φ + j, and ∇·(j e^{−Φ}) = 0 (checked by central differences)
    e = L.example19(1.5)
    x = rng.uniform(-1.5, 1.5, (10, 2))
    np.testing.assert_allclose(e(x), -e.potential.grad(x) + e.circulation(x), rtol=1e-12)

    def flux(z):
        return e.circulation(z) * np.exp(-e.potential.value(z))[..., None]

    h = 1e-5
    div = sum((flux(x + h * np.eye(2)[i])[:, i] - flux(x - h * np.eye(2)[i])[:, i]) / (2 * h) for i in range(2))
    np.testing.assert_allclose(div, 0.0, atol=1e-8)
    # negative control: j itself is not divergence-free (Assumption 4 fails)
    divj = sum((e.circulation(x + h * np.eye(2)[i])[:, i] - e.circulation(x - h * np.eye(2)[i])[:, i]) / (2 * h)
               for i in range(2))
    assert np.max(np.abs(divj)) > 1e-2


def test_sharp_wide_minima():
    f = L.sharp_wide()
    x = np.linspace(-3, 3, 60001)
    v = f.value(x)
    assert x[np.argmin(v)] == pytest.approx(-1.0, abs=1e-3)  # the sharp valley is the global minimum
    wide = (x > 0.5) & (x < 1.5)
    assert x[wide][np.argmin(v[wide])] == pytest.approx(1.0, abs=0.02)


def test_relaxation_noise_is_seeded():
    a = L.relaxation_1d(noise=0.5, seed=1)
    b = L.relaxation_1d(noise=0.5, seed=1)
    c = L.relaxation_1d(noise=0.5, seed=2)
    x = np.linspace(-3, 3, 101)
    np.testing.assert_array_equal(a.value(x), b.value(x))
    assert not np.allclose(a.value(x), c.value(x))
    # the noise has about the requested standard deviation (256 features; loose 30% band)
    clean = L.relaxation_1d()
    xs = np.linspace(-3, 3, 5001)
    assert 0.35 < np.std(a.value(xs) - clean.value(xs)) < 0.65


def test_bad_input():
    with pytest.raises(ShapeError, match="last axis of length 2"):
        L.muller_brown().value(np.zeros((3, 3)))
    with pytest.raises(ParameterError, match="`H` must be a symmetric matrix"):
        L.quadratic([[1.0, 2.0], [0.0, 1.0]])
    with pytest.raises(ParameterError, match="square"):
        L.quadratic(np.zeros((2, 3)))
    with pytest.raises(ShapeError, match=r"shape \(2,\)"):
        L.quadratic(np.eye(2)).with_params([1.0, 2.0])
    with pytest.raises(ParameterError, match="free symbols"):
        import sympy as sp

        x, q = sp.symbols("x q")
        L.from_sympy(x * q, [x])


def test_public_surface():
    assert sorted(L.__all__) == sorted([
        "Landscape", "VectorField", "from_sympy", "from_numba", "parse_expression", "quadratic",
        "double_well", "muller_brown", "example19", "sharp_wide", "relaxation_1d", "batch_scalar",
        "batch_vector", "batch_matrix",
    ])


def test_from_numba():
    def value(x, p):
        return p[0] * x[0] ** 4

    def grad(x, p, out):
        out[0] = 4 * p[0] * x[0] ** 3

    f = L.from_numba(value, grad, dim=1, params=[2.0])
    assert float(f.value(1.5)) == pytest.approx(2 * 1.5**4)
    assert float(f.grad(np.array([1.0]))[0]) == pytest.approx(8.0)
    with pytest.raises(NotImplementedError):
        f.hess(np.array([1.0]))


@pytest.mark.skipif(numba.config.DISABLE_JIT, reason="NUMBA_DISABLE_JIT=1: kernels are plain Python, no cache")
def test_batch_loops_bind_the_kernel_instead_of_taking_it_as_an_argument():
    # A cached loop typed on a function argument could never be loaded by a later process, and
    # its index entries named dead objects ("underlying object has vanished"). The loops are
    # bound to the kernel as a global of a generated, disk-cached module (sympy and catalogue
    # kernels alike); a closure (not importable by name) gets an uncached in-memory binding.
    from deeprelax._core import is_cacheable
    from deeprelax._core._codegen import bind
    from deeprelax.landscapes._base import _rows_body

    dyn = L.from_sympy("x**2", ["x"]).grad_kernel
    cat = L.sharp_wide().grad_kernel
    assert is_cacheable(dyn) and is_cacheable(cat)
    for k in (dyn, cat):
        b = bind(_rows_body, parallel=False, f=k)
        assert is_cacheable(b) and b.py_func.__module__.startswith("deeprelax_generated.")
        assert bind(_rows_body, parallel=False, f=k) is b  # memoised per process
        assert b.py_func.__code__.co_varnames[:3] == ("x", "p", "out")

    @numba.njit
    def local(x, p, out):
        out[0] = 3.0 * x[0]

    b = bind(_rows_body, parallel=False, f=local)
    assert not is_cacheable(b)
    out = np.empty((2, 1))
    b(np.array([[1.0], [2.0]]), np.zeros(0), out)
    assert out.ravel().tolist() == [3.0, 6.0]
