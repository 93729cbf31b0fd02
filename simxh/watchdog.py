"""A per-run time limit, enforced inside the process that executes the run.

:func:`call_with_time_limit` runs a function and raises :class:`RunTimeout` in it once the
limit has passed. The limit is enforced where the run executes, not by the process that
submitted it, for two reasons: it works the same on the local pool, on a local Dask cluster and
on a remote Dask cluster (where the client can neither see when a task started nor kill a
worker), and the worker survives a timeout, so the other runs on it (and its cached region) are
not lost.

- In a process's main thread (a local pool worker, ``--workers 1``'s child, an inline run) the
  limit is a ``SIGALRM`` timer whose handler raises; it also interrupts ``time.sleep`` and
  other blocking system calls.
- In another thread (a Dask worker's task thread) a timer thread raises the exception in the
  run's thread asynchronously (``PyThreadState_SetAsyncExc``); it takes effect at the run's next
  Python bytecode, which is soon for the model (Python loops around numpy calls).
- A run stuck inside one C call ignores both. In a worker process (never in the main program)
  a last-resort timer then ends the whole process, :data:`HARD_GRACE_SHARE` of the limit (at
  least :data:`HARD_GRACE_MIN_SECONDS`) after the limit: the pool sees a crashed worker and
  isolates the run (see :class:`simxh.executors.LocalExecutor`); Dask restarts the worker.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any

HARD_GRACE_SHARE = 0.5
"""The last-resort kill comes this share of the limit after the limit."""
HARD_GRACE_MIN_SECONDS = 5.0
"""...and at least this many seconds after it."""
HARD_EXIT_CODE = 124
"""The exit status of a worker process ended by the last-resort timer (as ``timeout(1)``)."""


class RunTimeout(BaseException):  # noqa: N818 - reads as what happened
    """A run exceeded its time limit. A ``BaseException``, so that a model's own broad
    ``except Exception`` cannot swallow it; :func:`simxh.runner.execute_run` catches it."""

    def __init__(self, seconds: float | None = None) -> None:
        limit = "its time limit" if seconds is None else f"its time limit of {seconds:g} s"
        super().__init__(f"the run exceeded {limit} (--run-timeout)")
        self.seconds = seconds


def call_with_time_limit[T](fn: Callable[[], T], seconds: float | None) -> T:
    """``fn()``, or :class:`RunTimeout` raised inside it after ``seconds`` (None or 0: no
    limit)."""
    if not seconds or seconds <= 0:
        return fn()
    hard = _hard_stop(seconds)
    try:
        if threading.current_thread() is threading.main_thread() and \
                hasattr(signal, "setitimer"):
            return _with_alarm(fn, seconds)
        return _with_async_exception(fn, seconds)
    finally:
        if hard is not None:
            hard.cancel()


def _with_alarm[T](fn: Callable[[], T], seconds: float) -> T:
    def on_alarm(_signum: int, _frame: Any) -> None:
        raise RunTimeout(seconds)

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return fn()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _with_async_exception[T](fn: Callable[[], T], seconds: float) -> T:
    target = threading.get_ident()
    lock = threading.Lock()
    state = {"active": True, "fired": False}

    def fire() -> None:
        with lock:
            if state["active"]:
                state["fired"] = True
                _set_async_exc(target, RunTimeout)

    timer = threading.Timer(seconds, fire)
    timer.daemon = True
    timer.start()
    try:
        return fn()
    except RunTimeout:
        # the asynchronous exception is raised from the bare class: give it its limit
        raise RunTimeout(seconds) from None
    finally:
        timer.cancel()
        with lock:
            state["active"] = False
            fired = state["fired"]
        if fired:  # an exception still pending (fired as fn returned) must not escape later
            _set_async_exc(target, None)


def _set_async_exc(thread_id: int, exc: type[BaseException] | None) -> None:
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread_id), ctypes.py_object(exc) if exc is not None else None)


def _hard_stop(seconds: float) -> threading.Timer | None:
    """The last-resort timer (worker processes only: never ends the main program)."""
    if multiprocessing.parent_process() is None and not _in_dask_worker():
        return None
    grace = max(HARD_GRACE_MIN_SECONDS, HARD_GRACE_SHARE * seconds)
    timer = threading.Timer(seconds + grace, os._exit, (HARD_EXIT_CODE,))
    timer.daemon = True
    timer.start()
    return timer


def _in_dask_worker() -> bool:
    if "distributed" not in sys.modules:  # a Dask worker has imported it (and it is slow)
        return False
    from distributed import get_worker

    try:
        get_worker()
    except ValueError:
        return False
    return True
