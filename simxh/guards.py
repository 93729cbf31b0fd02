"""Finiteness guards: a run whose reported values become NaN or infinite stops with
:class:`simxh.errors.NonFiniteOutput`, naming the first such variable (in reporter order:
the district's, then the towns', then the villages') and the year; it is never written as a
result.

:func:`check_year` runs after each year's data collection (:meth:`XinhuiModel.step` and the
base year): one vectorised test per table over the values that year collected (tens of
microseconds). :func:`check_tables` does the same over a run's finished tables; the runner
applies it to whatever its ``run_fn`` returns before writing it.

A growth rate (a reporter named ``*_growth_pct``) has no previous year in the base year and
is NaN there by definition; it is exempt in that year only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from simxh.errors import NonFiniteOutput

GROWTH_SUFFIX = "_growth_pct"
"""Reporters named so are growth rates over the previous year: undefined in the base year."""
TOWN_PREFIX = "town_"
"""The Town agents' reporters are named ``town_<column>`` (:mod:`simxh.reporters`)."""


_NUMBERS = (int, float, np.integer, np.floating)


def _numeric(value: Any) -> bool:
    """A number (not a bool, a string or None); concrete types: the ABC check is slower."""
    return isinstance(value, _NUMBERS) and not isinstance(value, bool)


def first_non_finite(values: Sequence[Any]) -> int | None:
    """The index of the first numeric value of ``values`` that is NaN or ±inf (None if none);
    values that are not numbers (strings, None) are not checked."""
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):  # strings among the values: check the numbers only
        arr = np.array([v if _numeric(v) else 0.0 for v in values], dtype=float)
    if arr.size == 0 or np.isfinite(arr).all():
        return None
    return int(np.flatnonzero(~np.isfinite(arr))[0])


def check_year(model: Any) -> None:
    """Raise :class:`NonFiniteOutput` if a value the model collected for its current year is
    NaN or ±inf: the district reporters, the towns' (first variable, then first town) and the
    villages' records."""
    year = int(model.year)
    base = year == int(model.base_year)
    dc = model.datacollector
    names = [n for n in dc.model_vars if n != "year"]
    values = [dc.model_vars[n][-1] for n in names]
    if base:
        values = [0.0 if n.endswith(GROWTH_SUFFIX) else v for n, v in zip(names, values,
                                                                          strict=True)]
    i = first_non_finite(values)
    if i is not None:
        raise NonFiniteOutput("district", names[i], year, values[i])
    _check_towns(model, dc, year)
    records = getattr(model, "village_records", None)
    if records:
        floats = {k: a for k, a in records[-1].items() if np.asarray(a).dtype.kind == "f"}
        if floats and np.isfinite(np.concatenate(list(floats.values()))).all():
            return
        ids = model.villages.village_ids
        for name, arr in floats.items():
            if not np.isfinite(arr).all():
                k = int(np.flatnonzero(~np.isfinite(arr))[0])
                raise NonFiniteOutput("villages", name, year, float(arr[k]),
                                      where=f"village '{ids[k]}'")


_NUMERIC_COLUMNS: dict[tuple[type, ...], list[int]] = {}
"""The numeric columns of an agent record, by the types of its values (found once)."""


def _check_towns(model: Any, dc: Any, year: int) -> None:
    """The towns' values of the year (the collector's last records of the Town agents)."""
    records = getattr(dc, "_agenttype_records", None)
    if not records:  # pragma: no cover - another Mesa: the runner checks the tables
        return
    last = next(reversed(records.values()))
    for agent_type, rows in last.items():
        if not rows:
            continue
        names = list(dc.agenttype_reporters[agent_type])
        # columns 0 and 1 of a record are the step and the agent's id
        kinds = tuple(map(type, rows[0]))
        idx = _NUMERIC_COLUMNS.get(kinds)
        if idx is None:
            idx = _NUMERIC_COLUMNS[kinds] = [k for k, v in enumerate(rows[0][2:], start=2)
                                             if _numeric(v)]
        if not idx:
            continue
        if idx[-1] - idx[0] == len(idx) - 1 == len(rows[0]) - 1 - idx[0]:  # the numbers last
            block = np.array([r[idx[0]:] for r in rows], dtype=float)
        else:
            block = np.array([[r[k] for k in idx] for r in rows], dtype=float)
        bad = ~np.isfinite(block)
        if not bad.any():
            continue
        col = int(np.flatnonzero(bad.any(axis=0))[0])
        row = int(np.flatnonzero(bad[:, col])[0])
        name = names[idx[col] - 2]
        agent = model.agents_by_type[agent_type]
        ids = {a.unique_id: getattr(a, "town_id", a.unique_id) for a in agent}
        raise NonFiniteOutput("towns", name.removeprefix(TOWN_PREFIX), year,
                              float(block[row, col]), where=f"town '{ids[rows[row][1]]}'")


_PLACE_COLUMNS = {"towns": "town", "villages": "village"}


def check_tables(tables: dict[str, pd.DataFrame | None]) -> None:
    """Raise :class:`NonFiniteOutput` if a numeric column of a run's tables (``{"district":
    ..., "towns": ..., "villages": ...}``) holds NaN or ±inf: the first table, then the first
    such column in column order, then its first row (growth rates in the first year exempt)."""
    for table, frame in tables.items():
        if frame is None or not len(frame):
            continue
        num = frame.select_dtypes("number")
        arr = num.to_numpy(dtype=float)
        bad = ~np.isfinite(arr)
        if not bad.any():
            continue
        years = frame["year"].to_numpy() if "year" in frame.columns else None
        if years is not None:
            growth = np.array([str(c).endswith(GROWTH_SUFFIX) for c in num.columns])
            bad &= ~np.outer(years == years.min(), growth)
        if not bad.any():
            continue
        col = int(np.flatnonzero(bad.any(axis=0))[0])
        row = int(np.flatnonzero(bad[:, col])[0])
        place = _PLACE_COLUMNS.get(table)
        where = (f"{place} '{frame[place].iloc[row]}'" if place in frame.columns else None)
        raise NonFiniteOutput(table, str(num.columns[col]),
                              int(years[row]) if years is not None else -1,
                              float(arr[row, col]), where=where)


# --------------------------------------------------------------------------------------------
# Extreme but finite results: a warning, not an error
# --------------------------------------------------------------------------------------------
EXTREME_GROWTH_PCT = (-15.0, 20.0)
"""Mean yearly real GDP growth of the district over a run outside this range is extreme: the
district grew 4.9 %/yr at the posterior mean (docs/audit.md), China's fastest decade since 1978
about 10.5 %/yr and its worst year since then about −1.6 %. Such a run is kept (it is finite)
but :func:`extreme_outcome` says so, usually a parameter at the edge of its range."""


class ExtremeResult(UserWarning):
    """A run whose results are finite but far outside anything observed."""


def extreme_outcome(district: pd.DataFrame) -> str | None:
    """A one-line description if the district's mean yearly real GDP growth over the run is
    outside :data:`EXTREME_GROWTH_PCT`, else None."""
    if len(district) < 2 or "gdp_yi" not in district:
        return None
    gdp = district["gdp_yi"].to_numpy(float)
    years = district["year"].to_numpy(int)
    if not (gdp[0] > 0 and gdp[-1] > 0):
        return None
    span = int(years[-1] - years[0])
    if span <= 0:
        return None
    mean_pct = 100.0 * ((gdp[-1] / gdp[0]) ** (1.0 / span) - 1.0)
    lo, hi = EXTREME_GROWTH_PCT
    if lo <= mean_pct <= hi:
        return None
    return (f"extreme result: real GDP grows {mean_pct:+.1f} %/yr on average "
            f"{years[0]}–{years[-1]} ({gdp[-1] / gdp[0]:.3g}× the {years[0]} level), outside "
            f"{lo:g} … {hi:g} %/yr; check parameters at the edge of their range")
