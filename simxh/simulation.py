"""``simulate()``: one run of the model as two tidy tables (district and towns, one row a year)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd

from simxh.agents import Town
from simxh.config import coerce_config
from simxh.model import DISTRICT_REPORTERS, TOWN_REPORTERS, XinhuiModel
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


class SimulationResult(NamedTuple):
    """The two output tables of a run (real 2023 prices; units in the column names)."""

    district: pd.DataFrame
    towns: pd.DataFrame


def simulate(config: Any = None, seed: int = 0, overrides: Any = None, *, scenario: str = "",
             replication: int = 0, region: Region | None = None) -> SimulationResult:
    """Run the model from the calibrated 2023 state to ``run.end_year``.

    ``config`` is None (the baseline), a TOML path or a Config; ``overrides`` dotted keys
    (``{"integration.enabled": True}``). The same seed gives identical tables. ``region`` may be
    passed to reuse a built region (it is copied, never changed); by default the region is
    built once per process for each distinct network setting and data folder.
    """
    cfg = coerce_config(config, overrides)
    model = XinhuiModel(cfg, seed=int(seed), region=region or shared_region(cfg), label=scenario,
                        replication=replication)
    model.run()
    return result_tables(model, scenario=scenario, replication=replication)


def result_tables(model: XinhuiModel, *, scenario: str = "", replication: int = 0
                  ) -> SimulationResult:
    """The district and town tables from a model's DataCollector."""
    years = model.collected_years
    dc = model.datacollector
    district = pd.DataFrame({name: dc.model_vars[name] for name in DISTRICT_REPORTERS})
    district.insert(0, "year", years)
    district.insert(0, "seed", model.seed)
    district.insert(0, "replication", replication)
    district.insert(0, "scenario", scenario)
    raw = dc.get_agenttype_vars_dataframe(Town).reset_index()
    step_col = raw.columns[0]
    steps = sorted(raw[step_col].unique())
    year_of = dict(zip(steps, years, strict=True))
    towns_by_id = {a.unique_id: a.town_id for a in model.towns}
    towns = pd.DataFrame({
        "scenario": scenario, "replication": replication, "seed": model.seed,
        "year": raw[step_col].map(year_of).astype(int).to_numpy(),
        "town": raw["AgentID"].map(towns_by_id).to_numpy(),
    })
    for name in TOWN_REPORTERS:
        towns[name] = raw[name].to_numpy()
    # the town order of the data files, not alphabetical
    order = {t: i for i, t in enumerate(model.region.town_ids)}
    towns = towns.sort_values(["year", "town"], key=lambda s: s.map(order) if s.name == "town"
                              else s, kind="stable").reset_index(drop=True)
    return SimulationResult(district=district, towns=towns)
