"""Root conftest: settings that must be in place before numpy or numba load.

- Numba's cache lives inside the repository (git-ignored ``.numba_cache``).
- BLAS runs one thread in the tests: the suite's matrices are small, and BLAS threads
  competing with Numba's threads on a 2-core machine made matmuls up to 100× slower.
- SIGINT is deliverable: a test run started in the background by a shell without job
  control (``nohup bash script.sh &``) inherits SIGINT *ignored*, and so would every
  ``deeprelax`` process the Ctrl-C tests start; those tests (and the children they signal)
  need Python's default handler back.
"""

import os
import signal
from pathlib import Path

os.environ.setdefault("NUMBA_CACHE_DIR", str(Path(__file__).resolve().parent / ".numba_cache"))
for _var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)
