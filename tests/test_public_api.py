"""The package's top-level surface and import hygiene."""

import subprocess
import sys

import deeprelax


def test_version_and_rooms():
    assert deeprelax.__version__
    for room in ("landscapes", "theory"):
        assert hasattr(getattr(deeprelax, room), "__all__")


def test_importing_the_library_never_imports_matplotlib():
    code = ("import sys, deeprelax, deeprelax.landscapes, deeprelax.theory; "
            "import importlib.util as u\n"
            "for m in ('sde', 'pde', 'optim', 'nn', 'data', 'analysis'):\n"
            "    if u.find_spec('deeprelax.' + m) is not None: __import__('deeprelax.' + m)\n"
            "print('matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
