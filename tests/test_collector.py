"""The speed-ups that must not change a number: the model's DataCollector subclass, the
alive-firm index gathers, the villages' income statistics and the result tables' columns."""

from __future__ import annotations

import mesa
import numpy as np
import pandas as pd
import pytest

import simxh
from simxh.agents import Town
from simxh.model import DISTRICT_REPORTERS, REPORTER_ALIASES, TOWN_REPORTER_PREFIX, TOWN_REPORTERS
from simxh.reporters import Collector
from simxh.simulation import village_table


def _reporters() -> tuple[dict, dict]:
    model = {"year": "year", **{n: REPORTER_ALIASES.get(n, n) for n in DISTRICT_REPORTERS}}
    towns = {Town: {"town": "town_id", **{TOWN_REPORTER_PREFIX + n: n for n in TOWN_REPORTERS}}}
    return model, towns


def test_collector_records_what_mesas_datacollector_records():
    """Mesa's own DataCollector, collecting beside the model's every year (a lever on, so
    every reporter moves), stores the same values: both data frames are equal."""
    m = simxh.XinhuiModel(seed=4, overrides={"pairing.enabled": True})
    model_rep, town_rep = _reporters()
    plain = mesa.DataCollector(model_reporters=model_rep, agenttype_reporters=town_rep)
    plain.collect(m)
    for _ in range(4):
        m.step()
        plain.collect(m)
    ours = m.datacollector
    assert isinstance(ours, Collector) and isinstance(ours, mesa.DataCollector)
    pd.testing.assert_frame_equal(ours.get_model_vars_dataframe(),
                                  plain.get_model_vars_dataframe(), check_exact=True)
    pd.testing.assert_frame_equal(ours.get_agenttype_vars_dataframe(Town),
                                  plain.get_agenttype_vars_dataframe(Town), check_exact=True)


class _Tiny(mesa.Model):
    def __init__(self) -> None:
        super().__init__(rng=1)
        self.level = 1.0
        self.history = [1.0]


def test_collector_falls_back_to_mesa_for_other_reporters_and_copies_mutable_values():
    m = _Tiny()
    dc = Collector(model_reporters={"level": "level", "twice": lambda mod: 2 * mod.level,
                                    "history": "history"})
    dc.collect(m)
    m.level, m.history = 3.0, m.history + [3.0]
    dc.collect(m)
    assert dc.model_vars == {"level": [1.0, 3.0], "twice": [2.0, 6.0],
                             "history": [[1.0], [1.0, 3.0]]}
    fast = Collector(model_reporters={"level": "level", "history": "history"})
    fast.collect(m)
    m.history.append(4.0)  # a mutable value is stored as a copy, as Mesa stores it
    assert fast.model_vars["history"] == [[1.0, 3.0]]
    with pytest.raises(AttributeError, match="missing"):
        Collector(model_reporters={"missing": "missing"}).collect(m)


def test_alive_index_gathers_what_the_mask_gathers():
    m = simxh.XinhuiModel(seed=2)
    for _ in range(3):
        m.step()
    f = m.firms
    assert not f.alive.all()  # some firms have exited: the two differ if the index is wrong
    ia = f.alive_index()
    np.testing.assert_array_equal(f.value_added_yi[ia], f.value_added_yi[f.alive])
    np.testing.assert_array_equal(f.sum_by(f.town, f.employment_wan, m.nt),
                                  np.bincount(f.town[f.alive], weights=f.employment_wan[f.alive],
                                              minlength=m.nt))
    counts = m.towns_labour.town_firm_counts
    for name, mask in (("above_scale", f.above_scale), ("hightech", f.hightech),
                       ("little_giant", f.little_giant),
                       ("over_10yi", m.towns_labour.firms_over_10yi_mask)):
        np.testing.assert_array_equal(counts[name],
                                      np.bincount(f.town[f.alive & mask], minlength=m.nt))


def test_village_income_statistics_follow_the_year():
    m = simxh.XinhuiModel(seed=3, overrides={"rural.enterprise_budget_yi": 2.0})
    seen = []
    for _ in range(3):
        m.step()
        x = m.villages.village_income_wan[m.villages.is_village] * m.price_index
        assert m.village_income_p10_wan == np.quantile(x, 0.1)
        assert m.village_income_median_wan == np.median(x)
        assert m.village_income_p90_wan == np.quantile(x, 0.9)
        assert m.villages_over_100wan == int((x > m.p.villages.income_over_threshold_wan).sum())
        seen.append(m.village_income_median_wan)
    assert len(set(seen)) == 3  # recomputed each year, not a stale memo


def test_result_tables_have_the_columns_pandas_would_infer():
    m = simxh.XinhuiModel(seed=1, end_year=2025)
    m.run()
    res = simxh.simulation.result_tables(m, scenario="demo", replication=2)
    for table in (res.district, res.towns, res.villages):
        assert (table["scenario"] == "demo").all()
        assert table["scenario"].dtype == pd.Series(np.array(["demo"], dtype=object)).dtype
    inferred = pd.DataFrame({n: list(res.district[n]) for n in DISTRICT_REPORTERS})
    pd.testing.assert_frame_equal(res.district[list(DISTRICT_REPORTERS)], inferred,
                                  check_exact=True)
    v = village_table(m, "demo", 2)
    assert list(v["town"].iloc[: len(m.villages.village_ids)]) == [
        m.region.town_ids[t] for t in m.villages.village_town]
    assert set(v["kind"]) == {"village", "community"}
    assert list(res.towns["town"].iloc[: m.nt]) == list(m.region.town_ids)
