import numpy as np
import pytest

from deeprelax._core import (
    DeepRelaxError,
    NonFiniteError,
    NotPSDError,
    ParameterError,
    bad_parameter,
    check_choice,
    check_finite,
    check_positive,
    check_psd,
    jit,
)


def test_errors_are_value_errors():
    assert issubclass(DeepRelaxError, ValueError)
    err = bad_parameter("dt", "a positive float", -1.0, "pass dt > 0")
    assert isinstance(err, ParameterError)
    assert str(err) == "`dt` must be a positive float, got -1.0; pass dt > 0"


def test_validators():
    with pytest.raises(ParameterError, match="`dt` must be a positive finite number, got -0.1"):
        check_positive("dt", -0.1)
    with pytest.raises(NonFiniteError, match=r"`x0` must be finite.*index \(1,\)"):
        check_finite("x0", np.array([0.0, np.nan]))
    with pytest.raises(NotPSDError, match="positive semi-definite, got smallest eigenvalue -1"):
        check_psd("D", np.diag([1.0, -1.0]))
    with pytest.raises(NotPSDError, match="symmetric"):
        check_psd("D", np.array([[1.0, 0.5], [0.0, 1.0]]))
    assert check_psd("D", np.array([[1.0, 1.0], [1.0, 1.0]]))[0] == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ParameterError, match=r"one of \['a', 'b'\], got 'c'"):
        check_choice("scheme", "c", ["b", "a"])


def test_jit_decorator_forms():
    @jit
    def f(x):
        return x + 1.0

    @jit(cache=False)
    def g(x):
        return x * 2.0

    assert f(1.0) == 2.0
    assert g(2.0) == 4.0


def test_to_numpy_on_array_api_strict():
    import array_api_strict as xps

    from deeprelax._core import to_numpy

    a = xps.asarray([1.0, 2.0])
    out = to_numpy(a)
    assert isinstance(out, np.ndarray) and out.tolist() == [1.0, 2.0]
