"""Executors: where runs execute. Local processes by default, or a Dask cluster.

Every executor has the same interface: :meth:`Executor.map` takes a picklable function and an
iterable of tasks and yields ``(task, result)`` pairs *as they finish* (in no fixed order: the
store sorts). The function is expected to catch the model's own exceptions and return them as
a result (see :func:`simxh.runner.execute_run`); an exception seen here is therefore the
infrastructure's (a worker process killed, a lost connection), and the task is resubmitted up
to ``retries`` times before being yielded as a :class:`WorkerFailure`. On the local pool a
worker's death is charged only to the run that caused it: the runs in flight are rerun one at a
time to find it (:meth:`LocalExecutor._isolate`). A run's time limit is enforced inside the
worker (:mod:`simxh.watchdog`), so a timed-out run is an ordinary failed result.

At most ``max_in_flight`` tasks are submitted at any time (default: twice the workers), so
a 100k-run sweep neither floods the scheduler nor holds many results in memory.
"""

from __future__ import annotations

import contextlib
import os
import time
import traceback
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from simxh.errors import UserError


@dataclass(frozen=True)
class WorkerFailure:
    """A task that could not be executed after its retries (not a model error)."""

    error: str
    traceback: str
    attempts: int


def default_workers() -> int:
    """Usable CPU cores (respecting the process's affinity mask)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - non-Linux
        return max(1, os.cpu_count() or 1)


class Executor:
    """Base class; use as a context manager."""

    name = "executor"
    workers = 1

    def map(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[tuple[Any, Any]]:
        raise NotImplementedError

    def describe(self) -> dict[str, Any]:
        return {"kind": self.name, "workers": self.workers}

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        if exc_type is not None and issubclass(exc_type, KeyboardInterrupt):
            self.abort()  # SIGINT/SIGTERM (simxh.stopping): stop the workers, do not wait
        else:
            self.close()

    def close(self) -> None:
        pass

    def abort(self) -> None:
        """Stop at once (an interrupted sweep): by default as :meth:`close`."""
        self.close()


class InlineExecutor(Executor):
    """Runs tasks one after another in this process (``run_experiment(workers=1)``, for tests
    and quick scripts; the CLI's ``--workers 1`` uses a one-process :class:`LocalExecutor`
    instead, so that a run that crashes its process cannot end the CLI)."""

    name = "inline"

    def map(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[tuple[Any, Any]]:
        for task in tasks:
            yield task, fn(task)


class LocalExecutor(Executor):
    """A pool of local worker processes (``concurrent.futures.ProcessPoolExecutor``).

    Uses the ``spawn`` start method: workers start clean (no inherited threads or locks),
    which is safe whatever the parent is doing. If a worker dies (killed, out of memory, a run
    that calls ``os._exit`` or segfaults) the pool breaks and every task in flight fails with
    it, but none of them is charged: the pool is rebuilt and those tasks are rerun one at a
    time, so the one that kills its worker alone is found and charged, and the innocent ones
    finish. A run that kills its worker ``retries + 1`` times alone is yielded as a
    :class:`WorkerFailure`, and the pool then fills again. ``--workers 1`` uses a pool of one
    process too, so that a crashing run never takes the main program with it.
    """

    name = "local"

    def __init__(self, workers: int | None = None, *, max_in_flight: int | None = None,
                 retries: int = 2, mp_context: str = "spawn") -> None:
        self.workers = workers or default_workers()
        self.max_in_flight = max_in_flight or 2 * self.workers
        self.retries = retries
        self.mp_context = mp_context
        self._pool: ProcessPoolExecutor | None = None

    def _new_pool(self) -> ProcessPoolExecutor:
        import multiprocessing

        from simxh.stopping import worker_init

        # workers die with this process, even after kill -9 of it (simxh.stopping)
        return ProcessPoolExecutor(max_workers=self.workers,
                                   mp_context=multiprocessing.get_context(self.mp_context),
                                   initializer=worker_init, initargs=(os.getpid(),))

    def map(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[tuple[Any, Any]]:
        """Up to ``max_in_flight`` tasks at once; after a worker died, the tasks that were in
        flight are run one at a time (:meth:`_isolate`) before the pool fills again."""
        source = iter(tasks)
        retry: list[tuple[Any, int]] = []
        suspects: list[tuple[Any, int, int]] = []  # (task, attempt, crashes alone)
        self._pool = self._pool or self._new_pool()
        finished = False
        while not finished:
            yield from self._isolate(fn, suspects, retry)
            finished = yield from self._run_crowded(fn, source, retry, suspects)

    def _run_crowded(self, fn: Callable[[Any], Any], source: Iterator[Any],
                     retry: list[tuple[Any, int]], suspects: list[tuple[Any, int, int]]
                     ) -> Generator[tuple[Any, Any], None, bool]:
        """Run tasks ``max_in_flight`` at a time until every task is done (returns True), or
        until a worker dies: then every task in flight (each may have killed it) goes to
        ``suspects``, uncharged (unless it was alone in flight: then it is the culprit), the
        pool is rebuilt, and this returns False."""
        pending: dict[Future[Any], tuple[Any, int]] = {}
        lost: list[tuple[Any, int]] = []

        def crashed() -> None:
            lost.extend(pending.values())
            alone = 1 if len(lost) == 1 else 0
            suspects.extend((task, attempt, alone) for task, attempt in lost)
            pending.clear()
            self._rebuild_pool()

        while True:
            while len(pending) < self.max_in_flight:
                if retry:
                    task, attempt = retry.pop(0)
                else:
                    task = next(source, _END)
                    if task is _END:
                        break
                    attempt = 1
                assert self._pool is not None
                try:
                    pending[self._pool.submit(fn, task)] = (task, attempt)
                except BrokenProcessPool:
                    retry.insert(0, (task, attempt))  # never ran: not a suspect
                    crashed()
                    return False
            if not pending:
                return True
            finished, _ = wait(list(pending), return_when=FIRST_COMPLETED)
            broken = False
            for fut in finished:
                task, attempt = pending.pop(fut)
                try:
                    result = fut.result()
                except BrokenProcessPool:
                    lost.append((task, attempt))
                    broken = True
                    continue
                except Exception as exc:  # infrastructure error (e.g. unpicklable result)
                    outcome = self._retry_or_fail(task, attempt, exc, retry)
                    if outcome is not None:
                        yield task, outcome
                    continue
                yield task, result
            if broken:
                for fut in [f for f in pending if f.done() and not f.cancelled()
                            and f.exception() is None]:  # finished just before the crash
                    yield pending.pop(fut)[0], fut.result()
                crashed()
                return False

    def _isolate(self, fn: Callable[[Any], Any], suspects: list[tuple[Any, int, int]],
                 retry: list[tuple[Any, int]]) -> Iterator[tuple[Any, Any]]:
        """Run the suspects of a crash one at a time. A suspect that finishes was innocent
        (nothing charged). One that kills the worker while alone is the culprit: it is
        charged a crash and run alone again, and after ``retries + 1`` crashes it is yielded
        as a :class:`WorkerFailure`; the other suspects then go on."""
        while suspects:
            task, attempt, crashes = suspects.pop(0)
            last: BaseException | None = None
            while crashes <= self.retries:
                assert self._pool is not None
                try:
                    result = self._pool.submit(fn, task).result()
                except BrokenProcessPool as exc:
                    self._rebuild_pool()
                    crashes, last = crashes + 1, exc
                    continue
                except Exception as exc:  # infrastructure error (e.g. unpicklable result)
                    outcome = self._retry_or_fail(task, attempt, exc, retry)
                    if outcome is not None:
                        yield task, outcome
                else:
                    yield task, result
                break
            else:
                yield task, self._crash_failure(last, crashes)

    @staticmethod
    def _crash_failure(exc: BaseException | None, crashes: int) -> WorkerFailure:
        """The record of a run that killed its worker process ``crashes`` times alone."""
        cause = f" ({type(exc).__name__}: {exc})" if exc is not None else ""
        return WorkerFailure(
            error=f"WorkerCrash: the worker process died while running this run alone, "
                  f"{crashes} times{cause}",
            traceback="".join(traceback.format_exception(exc)) if exc is not None else "",
            attempts=crashes)

    def _rebuild_pool(self) -> None:
        """A worker died: the pool is broken; replace it (the old one is not waited for)."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool = self._new_pool()

    def _retry_or_fail(self, task: Any, attempt: int, exc: BaseException,
                       retry: list[tuple[Any, int]]) -> WorkerFailure | None:
        if attempt <= self.retries:
            retry.append((task, attempt + 1))
            return None
        return WorkerFailure(error=f"{type(exc).__name__}: {exc}",
                             traceback="".join(traceback.format_exception(exc)),
                             attempts=attempt)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def abort(self) -> None:
        """Kill the workers (runs in flight are lost; a resume redoes them) and return."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        processes = list((getattr(pool, "_processes", None) or {}).values())
        for proc in processes:
            with contextlib.suppress(OSError, ValueError, AttributeError):
                proc.kill()
        pool.shutdown(wait=False, cancel_futures=True)
        for proc in processes:
            with contextlib.suppress(OSError, ValueError, AttributeError):
                proc.join(5)


class DaskExecutor(Executor):
    """Runs tasks on a Dask distributed cluster.

    ``address`` (``tcp://HOST:PORT``) connects to an existing scheduler; ``local=True`` starts
    a ``LocalCluster`` of ``workers`` single-threaded worker processes bound to 127.0.0.1.
    Tasks are submitted with ``pure=False`` (a stochastic run must never be deduplicated by
    Dask's content hashing) and at most ``max_in_flight`` at a time.
    """

    name = "dask"

    def __init__(self, address: str | None = None, *, local: bool = False,
                 workers: int | None = None, max_in_flight: int | None = None,
                 retries: int = 2, worker_timeout: float = 300.0,
                 poll_seconds: float = 2.0) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise UserError("Dask is not installed",
                            expected="pip install 'simxh[dask]'") from None
        if (address is None) == (not local):
            raise ValueError("give either a scheduler address or local=True")
        self.retries = retries
        self.worker_timeout = worker_timeout
        self.poll_seconds = poll_seconds
        self._cluster = None
        self.address = address
        try:
            if local:
                self._cluster = LocalCluster(n_workers=workers or default_workers(),
                                             threads_per_worker=1, processes=True,
                                             host="127.0.0.1", dashboard_address=None)
                self.client = Client(self._cluster)
                self.address = self._cluster.scheduler_address
            else:
                self.client = Client(address, timeout="10s")
        except OSError as exc:
            self.close()
            raise UserError(f"cannot connect to the Dask scheduler: {exc}", value=address,
                            expected="a running scheduler at tcp://HOST:PORT") from None
        n = len(self.client.scheduler_info().get("workers", {})) or (workers or 1)
        self.workers = n
        self.max_in_flight = max_in_flight or max(4, 2 * n)

    def describe(self) -> dict[str, Any]:
        return {"kind": self.name, "workers": self.workers, "address": self.address,
                "local_cluster": self._cluster is not None}

    def map(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[tuple[Any, Any]]:
        from distributed import wait as dask_wait

        source = iter(tasks)
        in_flight: dict[str, tuple[Any, Any, int]] = {}  # key -> (future, task, attempt)
        retry: list[tuple[Any, int]] = []

        def submit_more() -> None:
            while len(in_flight) < self.max_in_flight:
                if retry:
                    task, attempt = retry.pop(0)
                else:
                    task, attempt = next(source, _END), 1
                    if task is _END:
                        return
                fut = self.client.submit(fn, task, pure=False)
                in_flight[fut.key] = (fut, task, attempt)  # type: ignore[index]

        submit_more()
        no_workers_since: float | None = None
        while in_flight:
            try:
                done, _ = dask_wait([f for f, _t, _a in in_flight.values()],
                               timeout=self.poll_seconds, return_when="FIRST_COMPLETED")
            except TimeoutError:
                # nothing finished for a while: make sure the cluster still has workers, so a
                # cluster that lost them all ends the sweep (resumable) instead of hanging
                no_workers_since = self._check_workers(no_workers_since)
                continue
            no_workers_since = None
            for fut in done:
                _fut, task, attempt = in_flight.pop(fut.key)
                try:
                    result = fut.result()
                except Exception as exc:  # KilledWorker, lost connection...
                    if attempt <= self.retries:
                        retry.append((task, attempt + 1))
                        result = None
                    else:
                        result = WorkerFailure(error=f"{type(exc).__name__}: {exc}",
                                               traceback="".join(traceback.format_exception(exc)),
                                               attempts=attempt)
                finally:
                    fut.release()
                if result is not None:
                    yield task, result
            submit_more()

    def _check_workers(self, since: float | None) -> float | None:
        """Track how long the cluster has had no worker; past ``worker_timeout`` give up."""
        if self.client.scheduler_info().get("workers"):
            return None
        now = time.monotonic()
        if since is None:
            return now
        if now - since >= self.worker_timeout:
            raise UserError(
                f"the Dask cluster at {self.address} has had no worker for "
                f"{self.worker_timeout:.0f} s; the finished runs are kept",
                expected="workers attached to the scheduler, then 'simxh run ... --resume'")
        return since

    def close(self) -> None:
        with contextlib.suppress(Exception):
            if getattr(self, "client", None) is not None:
                self.client.close()
        if self._cluster is not None:
            with contextlib.suppress(Exception):
                self._cluster.close()
            self._cluster = None


_END = object()


def check_executor_options(workers: int | None = None, scheduler: str | None = None,
                           dask_local: bool = False, max_in_flight: int | None = None) -> None:
    """Refuse bad executor options (before anything is created or written)."""
    if scheduler and dask_local:
        raise UserError("--scheduler and --dask-local exclude each other",
                        expected="one of them")
    if workers is not None and workers < 1:
        raise UserError("invalid worker count", key="--workers", value=workers,
                        expected="an integer >= 1")
    if max_in_flight is not None and max_in_flight < 1:
        raise UserError("invalid count", key="--max-in-flight", value=max_in_flight,
                        expected="an integer >= 1")
    if scheduler and not scheduler.startswith(("tcp://", "tls://", "inproc://", "ucx://")):
        raise UserError("invalid scheduler address", key="--scheduler", value=scheduler,
                        expected="tcp://HOST:PORT")


def make_executor(workers: int | None = None, scheduler: str | None = None,
                  dask_local: bool = False, max_in_flight: int | None = None,
                  isolate: bool = False) -> Executor:
    """The executor for the CLI options: Dask if asked, else local processes. One worker runs
    in this process, unless ``isolate`` (the CLI's choice): then in a pool of one child process,
    so that a run that crashes its process, or the time limit's last resort, cannot end it."""
    check_executor_options(workers, scheduler, dask_local, max_in_flight)
    if scheduler:
        return DaskExecutor(scheduler, max_in_flight=max_in_flight)
    if dask_local:
        return DaskExecutor(local=True, workers=workers, max_in_flight=max_in_flight)
    n = workers or default_workers()
    if n == 1 and not isolate:
        return InlineExecutor()
    return LocalExecutor(n, max_in_flight=max_in_flight)
