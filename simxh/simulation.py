"""``simulate()``: one run of the model as tidy tables (district and towns, one row a year; the
villages, one row a village and year)."""

from __future__ import annotations

import functools
import warnings
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from simxh.agents import Town
from simxh.config import coerce_config
from simxh.guards import ExtremeResult, extreme_outcome
from simxh.model import DISTRICT_REPORTERS, TOWN_REPORTER_PREFIX, TOWN_REPORTERS, XinhuiModel
from simxh.region import Region, build_region

ID_COLUMNS = ("scenario", "replication", "seed", "year")
_REGIONS: dict[tuple, Region] = {}
_REGIONS_MAX = 8


def shared_region(cfg: Any) -> Region:
    """The region for ``cfg``, built once per process and reused (models copy it, never
    change it). It depends only on the config's ``network``, ``access`` and ``region``
    sections and on the data files (their modification times are part of the key)."""
    data_dir = Path(cfg.region.data_dir) if cfg.region.data_dir else None
    folder = data_dir or Path(__file__).parent / "data"
    stamps = tuple(sorted((p.name, p.stat().st_mtime_ns) for p in folder.glob("*.csv")))
    key = (cfg.network, cfg.access, cfg.region, stamps)
    region = _REGIONS.get(key)
    if region is None:
        if len(_REGIONS) >= _REGIONS_MAX:
            _REGIONS.clear()
        region = _REGIONS[key] = build_region(cfg)
    return region


@functools.lru_cache(maxsize=1)
def _string_dtype() -> Any:
    """The dtype pandas gives a column of Python strings (``str`` in pandas 3)."""
    return pd.Series(np.array(["a"], dtype=object)).dtype


@functools.lru_cache(maxsize=64)
def _strings(values: tuple[str, ...]) -> Any:
    """``values`` as a pandas string array (made once per set of names)."""
    return pd.array(np.array(values, dtype=object), dtype=_string_dtype())


def _string_column(values: tuple[str, ...], codes: np.ndarray) -> Any:
    """The column ``values[codes]`` with the dtype pandas infers for strings: taken from the
    names' array rather than inferred from thousands of Python strings (the same column)."""
    return _strings(values).take(np.asarray(codes, dtype=np.intp))


def _column(values: list[Any]) -> Any:
    """A reporter's values as the array pandas would infer from the list (int64 for integers,
    float64 for numbers, else the list itself), without the inference."""
    kinds = {type(v) for v in values}
    if kinds and kinds <= {int}:
        return np.array(values, dtype=np.int64)
    if kinds and kinds <= {int, float}:
        return np.array(values, dtype=np.float64)
    return values


class _Tables(NamedTuple):
    district: pd.DataFrame
    towns: pd.DataFrame


class SimulationResult(_Tables):
    """The output tables of a run (real 2023 prices; units in the column names): ``district``
    and ``towns`` (a pair, as ever: ``district, towns = result``) and ``villages`` (None when
    the run left it out)."""

    villages: pd.DataFrame | None = None  # (a copy made by _replace/_make has none)

    def __new__(cls, district: pd.DataFrame, towns: pd.DataFrame,
                villages: pd.DataFrame | None = None) -> SimulationResult:
        self = super().__new__(cls, district, towns)
        self.villages = villages
        return self


def simulate(config: Any = None, seed: int = 0, overrides: Any = None, *, scenario: str = "",
             replication: int | None = None, region: Region | None = None,
             villages: bool = True) -> SimulationResult:
    """Run the model from the calibrated 2023 state to ``run.end_year``.

    ``replication`` is the run's number in an experiment: it picks the stratified posterior
    draw (:func:`simxh.posterior.apply_posterior`); without it the draw is random from the
    seed, and the tables say replication 0.

    ``config`` is None (the baseline), a TOML path or a Config; ``overrides`` dotted keys
    (``{"integration.enabled": True}``). The same seed gives identical tables. ``region`` may be
    passed to reuse a built region (it is copied, never changed); by default the region is
    built once per process for each distinct network setting and data folder. ``villages``
    False leaves the villages table out (a sweep that does not need it).

    Raises :class:`simxh.errors.NonFiniteOutput` (naming the variable and the year) if a
    reported value becomes NaN or infinite (:mod:`simxh.guards`): no tables are returned. A
    finite but extreme result (:func:`simxh.guards.extreme_outcome`) warns with
    :class:`simxh.guards.ExtremeResult`.
    """
    cfg = coerce_config(config, overrides)
    model = XinhuiModel(cfg, seed=int(seed), region=region or shared_region(cfg), label=scenario,
                        replication=replication)
    model.run()
    result = result_tables(model, scenario=scenario, replication=model.replication,
                           villages=villages)
    note = extreme_outcome(result.district)
    if note:  # finite, so kept, but far outside anything observed: say so
        warnings.warn(f"{scenario or 'run'} seed {seed}: {note}", ExtremeResult, stacklevel=2)
    return result


def result_tables(model: XinhuiModel, *, scenario: str = "", replication: int = 0,
                  villages: bool = True) -> SimulationResult:
    """The district and town tables from a model's DataCollector (the Town agents'
    ``town_<column>`` reporters become the towns table's ``<column>``)."""
    years = model.collected_years
    dc = model.datacollector
    # each table is built from one dict of columns: inserting columns one by one made pandas
    # copy its blocks again and again (a third of this function's time)
    district = pd.DataFrame({"scenario": _string_column((scenario,), np.zeros(len(years))),
                             "replication": replication, "seed": model.seed,
                             "year": np.array(years, dtype=np.int64),
                             **{name: _column(dc.model_vars[name]) for name in DISTRICT_REPORTERS}})
    step, agent, columns = _town_records(dc)
    year_of = dict(zip(sorted(set(step)), years, strict=True))
    town_ids = tuple(model.region.town_ids)
    order = {t: i for i, t in enumerate(town_ids)}
    town_of_agent = {a.unique_id: order[a.town_id] for a in model.towns}
    year = np.array([year_of[s] for s in step], dtype=np.int64)
    town = np.array([town_of_agent[a] for a in agent], dtype=np.intp)
    # rows in year order, then the town order of the data files (not alphabetical); the
    # permutation is applied to each column rather than sorting the finished frame
    rows = np.lexsort((town, year))
    towns = pd.DataFrame({
        "scenario": _string_column((scenario,), np.zeros(len(rows))), "replication": replication,
        "seed": model.seed, "year": year[rows], "town": _string_column(town_ids, town[rows]),
        **{name: columns[TOWN_REPORTER_PREFIX + name][rows] for name in TOWN_REPORTERS}})
    return SimulationResult(district, towns,
                            village_table(model, scenario, replication) if villages else None)


def village_table(model: XinhuiModel, scenario: str = "", replication: int = 0) -> pd.DataFrame:
    """The villages table: one row per village and collected year, from the villages' yearly
    records (:attr:`XinhuiModel.village_records`), built as one DataFrame of arrays."""
    recs = model.village_records
    v = model.villages
    n = len(v.village_ids)
    ny = len(recs)
    cols = {name: np.concatenate([r[name] for r in recs]) for name in recs[0]} if recs else {}
    row_village = np.tile(np.arange(n), ny)  # each row's village
    return pd.DataFrame({
        "scenario": _string_column((scenario,), np.zeros(n * ny)), "replication": replication,
        "seed": model.seed,
        "year": np.repeat(np.array(model.collected_years, dtype=np.int64), n),
        "village": _string_column(tuple(v.village_ids), row_village),
        "town": _string_column(tuple(model.region.town_ids), v.village_town[row_village]),
        "kind": _string_column(("community", "village"), v.is_village[row_village]),
        **cols})


def _town_records(dc: Any) -> tuple[list[Any], list[Any], dict[str, np.ndarray]]:
    """The Town agents' records of a DataCollector as (steps, agent ids, {reporter: column}).

    Read from the collector's records directly: building Mesa's (step, agent) indexed
    DataFrame only to take its columns apart cost more than the rest of the table. A column
    has the dtype pandas would infer (float64, int64 or objects), so the tables are the same;
    on a Mesa without ``_agenttype_records`` the DataFrame is used.
    """
    names = list(dc.agenttype_reporters[Town])
    records = getattr(dc, "_agenttype_records", None)
    if records is None:  # pragma: no cover - another Mesa
        raw = dc.get_agenttype_vars_dataframe(Town)
        return (raw.index.get_level_values(0).tolist(), raw.index.get_level_values(1).tolist(),
                {n: raw[n].to_numpy() for n in names})
    rows = [r for recs in records.values() for r in recs.get(Town, ())]
    cols = list(zip(*rows, strict=True)) if rows else [()] * (len(names) + 2)
    out = {}
    for name, values in zip(names, cols[2:], strict=True):
        kinds = {type(v) for v in values}
        if kinds <= {int}:
            out[name] = np.array(values, dtype=np.int64)
        elif kinds <= {int, float}:
            out[name] = np.array(values, dtype=np.float64)
        elif kinds <= {bool}:
            out[name] = np.array(values, dtype=bool)
        else:
            out[name] = np.array(values, dtype=object)
    return list(cols[0]), list(cols[1]), out
