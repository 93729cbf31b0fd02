"""User-facing errors.

Every problem a user can cause (a bad config, a malformed data file, a wrong CLI argument)
is raised as a :class:`UserError`. The CLI prints its message and exits with status 2,
without a traceback. Everything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

EXIT_USER_ERROR = 2


class UserError(Exception):
    """A problem in the user's input, reported as one clear message (exit status 2)."""

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        key: str | None = None,
        value: Any = None,
        expected: str | None = None,
        line: int | None = None,
        has_value: bool = False,
    ) -> None:
        self.file = str(file) if file is not None else None
        self.key = key
        self.value = value
        self.expected = expected
        self.line = line
        self.has_value = has_value or value is not None
        self.detail = message
        super().__init__(self._render())

    def _render(self) -> str:
        where = self.file or ""
        if self.line is not None:
            where += f":{self.line}"
        parts = []
        if where:
            parts.append(where)
        if self.key is not None:
            parts.append(f"key '{self.key}'")
        head = ": ".join(parts)
        text = self.detail
        if self.has_value:
            text += f" (got {_short_repr(self.value)})"
        if self.expected:
            text += f"; expected {self.expected}"
        return one_line(f"{head}: {text}" if head else text)


def _short_repr(value: Any, limit: int = 200) -> str:
    """``repr(value)``, cut to ``limit`` characters (a value can be a huge list or string)."""
    try:
        text = repr(value)
    except ValueError:  # an integer too long to print
        return "<a number too long to print>"
    return text if len(text) <= limit else f"{text[:limit - 5]}...{text[-2:]}"


def one_line(text: str) -> str:
    """The message on one line: line breaks and other control characters escaped."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class ConfigError(UserError):
    """A config or experiment file that is malformed or out of range."""


class DataError(UserError):
    """A region data file that is malformed (missing column, bad number, duplicate id...)."""


class ModelFailure(UserError):
    """A run that cannot give a result: deterministic (the same config and seed fail the same
    way), so it is reported as one line (exit status 2) and a sweep records it as failed; it
    is not retried."""


class NonFiniteOutput(ModelFailure):
    """A reported value of a run became NaN or infinite: the run stops at the first such year
    and its results are not written. ``table`` (district, towns or villages), ``variable``
    (the first in reporter order), ``year``, ``where`` (the town or village, if any) and
    ``value`` say which."""

    def __init__(self, table: str, variable: str, year: int, value: float,
                 where: str | None = None) -> None:
        self.table = table
        self.variable = variable
        self.year = int(year)
        self.where = where
        place = f" of {where}" if where is not None else ""
        super().__init__(f"non-finite output: {table} '{variable}'{place} is {value} in "
                         f"{self.year}", expected="finite values (a degenerate parameter "
                         "combination or a model bug; nothing of the run is written)")
        self.value = value

    def __reduce__(self) -> tuple:  # picklable (a worker process may send it back)
        return (type(self), (self.table, self.variable, self.year, self.value, self.where))


def close_match(word: Any, options: Iterable[Any]) -> str:
    """' (did you mean 'x'?)' when one of ``options`` is close to ``word``, else ''."""
    names = [str(o) for o in options]
    close = difflib.get_close_matches(str(word), names, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def similar_file(path: str | Path) -> str:
    """' (did you mean 'dir/x.toml'?)' for a missing file when its folder holds a file of a
    close name (the same suffix preferred), else ''."""
    path = Path(path)
    folder = path.parent
    try:
        names = sorted(p.name for p in folder.iterdir() if p.is_file())
    except OSError:  # no such folder, or unreadable
        return ""
    same = [n for n in names if Path(n).suffix == path.suffix] or names
    close = difflib.get_close_matches(path.name, same, n=1, cutoff=0.6)
    return f" (did you mean '{folder / close[0]}'?)" if close else ""
