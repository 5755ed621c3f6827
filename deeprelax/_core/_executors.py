"""Executors for independent tasks: in-process, a local Dask cluster, or a running Dask cluster.

Everything that spreads work (the sweeps of ``deeprelax sweep``; ensembles) talks to the
standard :class:`concurrent.futures.Executor` interface, so a
:class:`~concurrent.futures.ProcessPoolExecutor`, Dask's ``Client.get_executor()`` or an
MPI pool executor all work unchanged. :func:`open_executor` builds one of three:

- ``open_executor()``: :class:`InProcessExecutor`, each task runs at ``submit`` in this
  process (no pickling, tracebacks as usual);
- ``open_executor(local=N)``: a ``distributed.LocalCluster`` of ``N`` worker *processes* on
  127.0.0.1, one task thread each, with Numba/OpenMP/BLAS thread counts set in every
  worker's environment before it starts (:func:`thread_env`), so ``N`` workers do not
  oversubscribe the cores (Dask caps OpenMP and BLAS itself, not Numba);
- ``open_executor(scheduler="tcp://host:8786")`` or ``scheduler_file=...``: a running
  Dask cluster, reached as it is.

Dask (``pip install "deeprelax[dask]"``) is imported only for the last two. A task can
also cap its own threads with :func:`limit_threads` (for workers started by someone
else, whose environment this process does not set).
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future
from typing import Any

from .errors import ParameterError

__all__ = ["InProcessExecutor", "open_executor", "thread_env", "limit_threads", "default_worker_threads"]

#: Environment variables that size the thread pools of Numba, OpenMP and the BLAS libraries.
THREAD_VARS = ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
               "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")


class InProcessExecutor(Executor):
    """A :class:`concurrent.futures.Executor` that runs each task at ``submit``, in this process.

    An exception of the task is stored in its future (as a pool would); an interrupt
    (``KeyboardInterrupt``, ``SystemExit``) propagates at once.

    Examples
    --------
    >>> with InProcessExecutor() as ex:
    ...     ex.submit(pow, 2, 10).result()
    1024
    """

    def __init__(self) -> None:
        self._shutdown = False

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        if self._shutdown:
            raise RuntimeError("cannot submit to an executor that was shut down")
        fut: Future = Future()
        fut.set_running_or_notify_cancel()
        try:
            fut.set_result(fn(*args, **kwargs))
        except Exception as exc:  # the task's own failure: the caller reads it from the future
            fut.set_exception(exc)
        return fut

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._shutdown = True


def default_worker_threads(n_workers: int) -> int:
    """Numba/BLAS threads per worker so that ``n_workers`` workers fill the cores once."""
    return max(1, (os.cpu_count() or 1) // max(1, n_workers))


def thread_env(n_threads: int) -> dict[str, str]:
    """Environment of a worker process whose Numba, OpenMP and BLAS pools have ``n_threads`` threads.

    Examples
    --------
    >>> thread_env(2)["NUMBA_NUM_THREADS"]
    '2'
    """
    return {v: str(int(n_threads)) for v in THREAD_VARS}


@contextlib.contextmanager
def limit_threads(n_threads: int | None) -> Iterator[None]:
    """Cap this thread's Numba threads and the process's BLAS/OpenMP pools to ``n_threads`` (None: no cap).

    Numba's cap is per calling thread (``numba.set_num_threads``) and cannot exceed the
    pool the process started with; BLAS pools are capped through ``threadpoolctl``.
    """
    if n_threads is None:
        yield
        return
    import numba
    from threadpoolctl import threadpool_limits

    before = numba.get_num_threads()
    # set_num_threads raises above the pool size the process was launched with
    numba.set_num_threads(max(1, min(int(n_threads), numba.config.NUMBA_NUM_THREADS)))
    try:
        with threadpool_limits(limits=int(n_threads)):
            yield
    finally:
        numba.set_num_threads(before)


def _check_workers(local: Any) -> int:
    if isinstance(local, bool) or not isinstance(local, int) or local < 1:
        raise ParameterError(f"`local` must be a positive number of worker processes, got {local!r}; "
                             "pass e.g. local=2")
    return local


def _local_cluster(n_workers: int, threads: int) -> Any:
    """A LocalCluster whose worker processes start with ``threads`` Numba/OpenMP/BLAS threads.

    The variables go in Dask's ``pre-spawn-environ``, which the nanny puts in the
    environment *before* it spawns a worker: a spawned worker re-imports the parent's
    ``__main__`` (which may import Numba) before any later setting could apply. The
    nanny writes them into this process's environment too; they are restored after.
    """
    import dask
    import distributed

    env = {**dask.config.get("distributed.nanny.pre-spawn-environ", {}), **thread_env(threads)}
    saved = {k: os.environ.get(k) for k in env}
    try:
        with dask.config.set({"distributed.nanny.pre-spawn-environ": env}):
            return distributed.LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                                            host="127.0.0.1", dashboard_address=None, env=thread_env(threads),
                                            silence_logs=logging.ERROR)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@contextlib.contextmanager
def open_executor(*, local: int | None = None, scheduler: str | None = None,
                  scheduler_file: str | os.PathLike | None = None,
                  worker_threads: int | None = None) -> Iterator[Executor]:
    """The executor chosen by the arguments, closed (and its cluster stopped) on exit.

    Parameters
    ----------
    local : int, optional
        Start a local Dask cluster of ``local`` worker processes (127.0.0.1, one task
        thread each) for the duration of the block.
    scheduler : str, optional
        Address of a running Dask scheduler (``"tcp://host:8786"``).
    scheduler_file : path, optional
        A running Dask cluster's scheduler file (``dask scheduler --scheduler-file``).
    worker_threads : int, optional
        Numba/OpenMP/BLAS threads per worker of a local cluster (default: the cores
        divided by ``local``). Ignored otherwise: cap the threads of a running cluster's
        workers where they start (``NUMBA_NUM_THREADS=1 dask worker ... --nthreads 1``)
        or per task with :func:`limit_threads`.

    With none of ``local``, ``scheduler``, ``scheduler_file``: an :class:`InProcessExecutor`.

    Raises
    ------
    ParameterError
        More than one of ``local``, ``scheduler``, ``scheduler_file``; a bad worker count.
    ImportError
        Dask is needed and not installed (the message says ``pip install "deeprelax[dask]"``).
    """
    chosen = [n for n, v in (("local", local), ("scheduler", scheduler), ("scheduler_file", scheduler_file))
              if v is not None]
    if len(chosen) > 1:
        raise ParameterError(f"pass at most one of `local`, `scheduler`, `scheduler_file`, got {chosen}")
    if scheduler is not None and (not isinstance(scheduler, str) or not scheduler):
        raise ParameterError(f"`scheduler` must be a scheduler address such as 'tcp://host:8786', got {scheduler!r}")
    if scheduler_file is not None and (not isinstance(scheduler_file, (str, os.PathLike))
                                       or not os.path.isfile(scheduler_file)):
        raise ParameterError(f"`scheduler_file` must be the path of an existing scheduler file, got {scheduler_file!r}")
    if not chosen:
        with InProcessExecutor() as ex:
            yield ex
        return
    try:
        import distributed
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError('running on Dask needs the dask extra: pip install "deeprelax[dask]"') from exc
    if local is not None:
        n = _check_workers(local)
        if worker_threads is not None and (isinstance(worker_threads, bool) or not isinstance(worker_threads, int)
                                           or worker_threads < 1):
            raise ParameterError(f"`worker_threads` must be a positive integer (or None), got {worker_threads!r}")
        threads = default_worker_threads(n) if worker_threads is None else worker_threads
        cluster = _local_cluster(n, threads)
        client = distributed.Client(cluster)
    elif scheduler is not None:
        cluster, client = None, distributed.Client(str(scheduler))
    else:
        cluster, client = None, distributed.Client(scheduler_file=os.fspath(scheduler_file))
    try:
        yield client.get_executor(pure=False)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
