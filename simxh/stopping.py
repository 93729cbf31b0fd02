"""Clean stops: SIGTERM/SIGINT end a sweep (workers stopped, manifest "interrupted"), and
pool workers die with their parent, even after ``kill -9`` of the parent.

- :func:`stop_on_signals` turns SIGTERM into :class:`Stopped` (a ``KeyboardInterrupt``, as
  SIGINT already is) in the main thread, so the runner's ``finally`` marks the manifest
  "interrupted", the executor kills its workers and the CLI exits 128 + the signal's number
  (130 for SIGINT, 143 for SIGTERM).
- :func:`worker_init` is the local pool's worker initializer: on Linux it asks the kernel for
  SIGKILL when the parent dies (``prctl(PR_SET_PDEATHSIG)``); elsewhere a daemon thread
  polls the parent's PID. Workers ignore SIGINT: a Ctrl-C on the terminal reaches the whole
  process group, and the parent decides (it kills them).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator

PR_SET_PDEATHSIG = 1
"""``prctl`` option number from ``<linux/prctl.h>``."""
PARENT_POLL_SECONDS = 1.0
"""How often a worker without ``prctl`` checks that its parent is alive."""
SIGNAL_EXIT_BASE = 128
"""A process stopped by signal N exits with 128 + N (the shell's convention)."""


class Stopped(KeyboardInterrupt):
    """The process received a stop signal (SIGTERM); handled like Ctrl-C (SIGINT)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return SIGNAL_EXIT_BASE + self.signum


def exit_code(exc: KeyboardInterrupt) -> int:
    """130 for Ctrl-C (SIGINT), 128 + N for :class:`Stopped` by signal N."""
    return exc.exit_code if isinstance(exc, Stopped) else SIGNAL_EXIT_BASE + signal.SIGINT


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """Raise :class:`Stopped` on SIGTERM (once; later ones are ignored while the stop is
    handled). Only in the main thread (elsewhere signal handlers cannot be set)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    stopping = False

    def handler(signum: int, _frame: object) -> None:
        nonlocal stopping
        if stopping:
            return
        stopping = True
        raise Stopped(signum)

    old = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


def worker_init(parent_pid: int) -> None:
    """Initializer of a local pool worker: die with the parent, ignore SIGINT."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if not _parent_death_signal():
        threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True,
                         name="simxh-parent-watch").start()
    if os.getppid() != parent_pid:  # the parent died before the request took effect
        os._exit(1)


def _parent_death_signal() -> bool:
    """Ask the kernel to SIGKILL this process when its parent dies (Linux)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch_parent(parent_pid: int) -> None:
    import time

    while os.getppid() == parent_pid:
        time.sleep(PARENT_POLL_SECONDS)
    os._exit(1)
