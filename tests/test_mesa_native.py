"""XinhuiModel as a Mesa-native model: scalar lever keywords, plain-dict overrides, and
``mesa.batch_run`` rows whose district values equal ``simxh.simulate``'s tables."""

from __future__ import annotations

import math

import mesa
import pandas as pd
import pytest

import simxh
from simxh.errors import ConfigError
from simxh.model import DISTRICT_REPORTERS, LEVER_KEYWORDS, TOWN_REPORTERS


def _same(a: float, b: float) -> bool:
    return (isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b)) \
        or a == b


def test_batch_run_district_rows_equal_simulate():
    rows = mesa.batch_run(simxh.XinhuiModel, parameters={"integration": [False, True]},
                          rng=[1, 2], max_steps=100, data_collection_period=-1,
                          display_progress=False)
    df = pd.DataFrame(rows)
    assert len(df) == 4 * 11  # one row per town (Mesa merges the model's values into each)
    assert set(df["town"]) == set(simxh.build_region(simxh.load_config()).town_ids)
    for (seed, integration), group in df.groupby(["seed", "integration"]):
        res = simxh.simulate(overrides={"integration.enabled": bool(integration)}, seed=seed)
        last = res.district.iloc[-1]
        assert last["year"] == 2035 and (group["year"] == 2035).all()
        for name in DISTRICT_REPORTERS:  # the district's own values, never a town's
            assert all(_same(v, last[name]) for v in group[name]), name
        towns = res.towns[res.towns["year"] == 2035].set_index("town")
        by_town = group.set_index("town")
        for name in TOWN_REPORTERS:
            assert (by_town[f"town_{name}"].reindex(towns.index) == towns[name]).all(), name
    gdp = df.groupby("integration")["gdp_yi"].mean()
    assert gdp[True] != gdp[False]  # the lever keyword reached the model


def test_batch_run_every_year_matches_the_district_table():
    rows = mesa.batch_run(simxh.XinhuiModel, parameters={"end_year": 2027, "pairing": True},
                          rng=[5], max_steps=100, data_collection_period=1,
                          display_progress=False)
    df = pd.DataFrame(rows).drop_duplicates("year").set_index("year")
    res = simxh.simulate(overrides={"run.end_year": 2027, "pairing.enabled": True}, seed=5)
    district = res.district.set_index("year")
    assert list(df.index) == list(district.index) == list(range(2023, 2028))
    pd.testing.assert_frame_equal(df[list(DISTRICT_REPORTERS)], district[list(DISTRICT_REPORTERS)],
                                  check_dtype=False)


def test_lever_keywords_map_to_their_dotted_keys():
    values = {"integration": True, "pairing": True, "infrastructure": True,
              "tech_renovation": True, "attraction_effort": 0.7, "tfp_frontier_share": 0.03,
              "end_year": 2026}
    # (at the posterior mean: with parameter uncertainty the run's config also holds its draw)
    mean = {"estimation.parameter_uncertainty": False}
    model = simxh.XinhuiModel(seed=1, overrides=mean, **values)
    expected = simxh.load_config(None, {**mean, **{LEVER_KEYWORDS[k]: v
                                                   for k, v in values.items()}})
    assert model.config == expected
    assert simxh.XinhuiModel(seed=1, overrides=mean).config == simxh.load_config(None, mean)
    # None keeps the config's value; a keyword wins over the same key in overrides
    m = simxh.XinhuiModel("configs/integration.toml", seed=1, pairing=None,
                          overrides={"integration.enabled": False}, integration=True)
    assert m.config.integration.enabled is True and m.config.pairing.enabled is False


def test_overrides_accept_a_dict_a_string_and_a_list():
    for overrides in ({"run.end_year": 2026}, "run.end_year=2026", ["run.end_year=2026"]):
        assert simxh.XinhuiModel(seed=1, overrides=overrides).end_year == 2026
    both = simxh.XinhuiModel(seed=1, overrides={"run.end_year": 2026}, attraction_effort=1.0)
    assert both.end_year == 2026 and both.config.attraction.effort == 1.0
    with pytest.raises(ConfigError, match=r"wrap a dict in a list"):
        simxh.XinhuiModel(seed=1, overrides="run.end_year")


def test_batch_run_with_a_dict_of_overrides_in_a_list():
    rows = mesa.batch_run(simxh.XinhuiModel,
                          parameters={"overrides": [{"run.end_year": 2025}],
                                      "attraction_effort": [0.0, 1.0]},
                          rng=[3], max_steps=100, display_progress=False)
    df = pd.DataFrame(rows)
    assert set(df["year"]) == {2025}
    effort = df.groupby("attraction_effort")["investment_introduced_yi"].first()
    assert effort[1.0] > effort[0.0]


def test_result_tables_keep_their_column_names():
    res = simxh.simulate(seed=1, overrides={"run.end_year": 2024})
    assert list(res.towns.columns) == ["scenario", "replication", "seed", "year", "town",
                                       *TOWN_REPORTERS]
    assert list(res.district.columns) == ["scenario", "replication", "seed", "year",
                                          *DISTRICT_REPORTERS]
    model = simxh.XinhuiModel(seed=1)
    assert model.datacollector.model_vars["year"] == [2023]
