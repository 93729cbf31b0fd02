"""Progress reporting: a bar with ETA on a terminal (tqdm, if installed), plain lines in logs."""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO


def _fmt_seconds(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}h{m:02d}m{s:02d}s" if h else f"{m}m{s:02d}s"


class Progress:
    """Counts finished and failed runs and shows progress with an ETA.

    ``mode``: ``"bar"`` (tqdm), ``"lines"`` (a log line every ``every_seconds`` or every 10%),
    ``"off"``, or ``"auto"`` (a bar if ``stream`` is a terminal and tqdm is installed, else
    lines).
    """

    def __init__(self, total: int, *, desc: str = "runs", mode: str = "auto",
                 stream: TextIO | None = None, every_seconds: float = 30.0) -> None:
        self.total = total
        self.done = 0
        self.failed = 0
        self.desc = desc
        self.stream = stream or sys.stderr
        self.every_seconds = every_seconds
        self.start = time.monotonic()
        self._last_line = self.start
        self._last_decile = 0
        self._bar: Any = None
        if mode == "auto":
            mode = "bar" if _isatty(self.stream) and _has_tqdm() else "lines"
        self.mode = mode
        if mode == "bar":
            from tqdm import tqdm

            self._bar = tqdm(total=total, desc=desc, unit="run", file=self.stream,
                             dynamic_ncols=True)

    @property
    def finished(self) -> int:
        return self.done + self.failed

    def eta_seconds(self) -> float | None:
        """Remaining time at the mean rate so far (None before the first run ends)."""
        if self.finished == 0:
            return None
        rate = self.finished / max(time.monotonic() - self.start, 1e-9)
        return (self.total - self.finished) / rate

    def update(self, ok: bool = True) -> None:
        if ok:
            self.done += 1
        else:
            self.failed += 1
        if self._bar is not None:
            self._bar.update(1)
            if self.failed:
                self._bar.set_postfix(failed=self.failed, refresh=False)
        elif self.mode == "lines":
            now = time.monotonic()
            decile = (10 * self.finished) // max(self.total, 1)
            if (now - self._last_line >= self.every_seconds or decile > self._last_decile
                    or self.finished == self.total):
                self._last_line, self._last_decile = now, decile
                self.stream.write(self.line() + "\n")
                self.stream.flush()

    def line(self) -> str:
        """One plain progress line: counts, percentage, elapsed time and ETA."""
        pct = 100.0 * self.finished / max(self.total, 1)
        eta = self.eta_seconds()
        elapsed = time.monotonic() - self.start
        return (f"{self.desc}: {self.finished}/{self.total} ({pct:.0f}%), "
                f"{self.failed} failed, elapsed {_fmt_seconds(elapsed)}, "
                f"ETA {_fmt_seconds(eta) if eta is not None else '?'}")

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _has_tqdm() -> bool:
    try:
        import tqdm  # noqa: F401
    except ImportError:
        return False
    return True
