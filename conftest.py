"""Root conftest: keep Numba's cache inside the repository (git-ignored) before numba loads."""

import os
from pathlib import Path

os.environ.setdefault("NUMBA_CACHE_DIR", str(Path(__file__).resolve().parent / ".numba_cache"))
