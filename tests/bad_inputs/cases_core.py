"""Bad inputs for the shared validators (a template for the rooms' case modules).

A case module defines ``SETUP`` (code run once per child) and ``CASES`` (a list of
:class:`~tests.bad_inputs._harness.Case`). ``test_bad_inputs.py`` finds every
``cases_*.py`` module in this folder.
"""

from tests.bad_inputs._harness import Case

SETUP = """
import numpy as np
from deeprelax._core import as_float_array, check_float, check_int, check_positive, check_choice
"""

CASES = [
    Case("_core.check_int", "n_paths", "check_int('n_paths', 2.5)"),
    Case("_core.check_int", "n_paths", "check_int('n_paths', 'many')"),
    Case("_core.check_int", "n_paths", "check_int('n_paths', float('nan'))"),
    Case("_core.check_int", "n_paths", "check_int('n_paths', True)"),
    Case("_core.check_float", "dt", "check_float('dt', 'abc')"),
    Case("_core.check_float", "dt", "check_float('dt', float('inf'))"),
    Case("_core.check_positive", "dt", "check_positive('dt', None)"),
    Case("_core.check_positive", "dt", "check_positive('dt', -1.0)"),
    Case("_core.as_float_array", "x0", "as_float_array('x0', [[1.0], [1.0, 2.0]])"),
    Case("_core.as_float_array", "x0", "as_float_array('x0', [1j])"),
    Case("_core.check_choice", "scheme", "check_choice('scheme', 3, ['a', 'b'])"),
]
