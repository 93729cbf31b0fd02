"""The long-run closure (issue 19): the baseline stays near the outside world's growth instead
of running away, and a world with every driver at zero does not grow.

Each test also runs the closure broken on purpose (the old demand rule, no cost of living, no
catch-up, or the migration rule without its migration elasticity: the old runaway) and checks
that the same criterion then fails, so the test can fail.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import simxh
from simxh.audit import ZERO_DRIVER_OVERRIDES
from simxh.economics import growth, labour

pytestmark = pytest.mark.slow

POINT = {"estimation.parameter_uncertainty": False, "run.end_year": 2060}
BROKEN = {"labour.house_price_elasticity": 0.0, "firms.catch_up_rate": 0.0}
"""The closure switched off (with :func:`_old_demand`): migration with no cost of living,
technology with no catch-up."""


def _old_demand(outside_demand_index: np.ndarray, own_output_index: float,
                elasticity: float = 0.5) -> np.ndarray:
    """The demand rule before the closure: outside demand with no terms of trade."""
    del own_output_index
    return np.asarray(outside_demand_index, dtype=float) ** elasticity
SEEDS = range(16)  # the audit's 16: with 4 the macro shocks of the first years decide early growth


def _mean_paths(overrides: dict) -> pd.DataFrame:
    runs = [simxh.simulate(seed=s, overrides={**POINT, **overrides}, villages=False)
            .district.set_index("year") for s in SEEDS]
    return sum(r[["gdp_yi", "population_wan"]] for r in runs) / len(runs)


def _outside_growth_pct(overrides: dict) -> float:
    """China's real growth over 2036–2060 on the run's central macro path (%/yr)."""
    m = simxh.XinhuiModel(seed=0, overrides={**POINT, **overrides, "macro.shocks": False})
    years = m.outside.macro.years
    return float(np.mean(m.outside.macro.growth_pct[(years >= 2036) & (years <= 2060)]))


def _long_run(overrides: dict) -> tuple[float, float, float, float]:
    d = _mean_paths(overrides)
    rates = d["gdp_yi"].pct_change() * 100.0
    early, late = rates.loc[2024:2035].mean(), rates.loc[2036:2060].mean()
    return early, late, late - _outside_growth_pct(overrides), \
        d["population_wan"][2060] / d["population_wan"][2023]


def _baseline_holds(early: float, late: float, excess: float, pop: float) -> bool:
    return late <= early and excess <= 2.5 and 0.8 <= pop <= 1.4


def test_the_closure_stops_the_runaway() -> None:
    """With the closure the baseline stays within 2.5 points of the outside world's growth to
    2060; broken (the old demand rule, no cost of living, no catch-up) it runs away (late growth
    beyond 10 %/yr, several times the population)."""
    early, late, excess, pop = _long_run({})
    assert excess <= 2.5 and pop < 2.0, (early, late, excess, pop)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(growth, "demand_multiplier", _old_demand)
        b_early, b_late, b_excess, b_pop = _long_run(BROKEN)
    assert b_excess > 2.5 and b_pop > 2.0, (b_early, b_late, b_excess, b_pop)


def test_the_baseline_meets_issue_19s_long_run_criteria() -> None:
    """Mean growth 2036–2060 no higher than 2024–2035, at most 2.5 points above the outside
    world's, population in 2060 within 0.8–1.4× its 2023 level."""
    result = _long_run({})
    assert _baseline_holds(*result), result


def _flow_rule_only(*args, **kwargs):
    """The migration rule before issue 19: the flow toward the premium with no migration
    elasticity (a lasting premium draws people for ever)."""
    kwargs.pop("reference_population_wan", None)
    args = args[:6]
    return _population_with_migration(*args, **kwargs)


_population_with_migration = labour.population_with_migration


def test_the_long_run_criteria_fail_with_the_old_migration_rule() -> None:
    """Broken on purpose: without the migration elasticity κ the same baseline draws people
    for ever and breaks issue 19's population criterion (or its growth criterion)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(labour, "population_with_migration", _flow_rule_only)
        result = _long_run({})
    assert not _baseline_holds(*result), result


def _zero_driver(overrides: dict) -> tuple[float, float]:
    d = _mean_paths({**ZERO_DRIVER_OVERRIDES, "macro.shocks": False, **overrides})
    rate = (d["gdp_yi"][2060] / d["gdp_yi"][2023]) ** (1.0 / 37.0) - 1.0
    return 100.0 * rate, d["population_wan"][2060] / d["population_wan"][2023]


def test_a_world_with_every_driver_at_zero_does_not_grow() -> None:
    """Outside growth, inflation, technology, farm productivity, natural growth and the 陈皮
    brand at zero; investment, entry and exit on (replacement only): GDP growth within
    ±0.5 %/yr over 2024–2060 (the closure broken: outside it, or the population beyond ±5 %)."""
    gdp_growth, pop = _zero_driver({})
    assert abs(gdp_growth) <= 0.5, (gdp_growth, pop)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(growth, "demand_multiplier", _old_demand)
        broken, broken_pop = _zero_driver(BROKEN)
    assert abs(broken) > 0.5 or abs(broken_pop - 1.0) > 0.05, (broken, broken_pop)


_REPLACEMENT_RATE = 0.10
"""A replacement part for the pool of mobile projects, as before issue 19 (the pool then
replaced the wear of the plants in place, near the firms' depreciation rate, 0.08): new plants
for plants the births already replace."""


def _pool_with_replacement(expected_growth: float, base_expected_growth: float) -> float:
    r = _REPLACEMENT_RATE
    return max(r + expected_growth, 0.0) / max(r + base_expected_growth, 1e-12)


def test_a_world_with_every_driver_at_zero_holds_its_population() -> None:
    """The same world: population in 2060 within ±5 % of 2023's. Broken on purpose (a pool of
    mobile projects that also replaces closed or worn plants, which the births already replace)
    the world with no drivers draws plants, and people, from nothing."""
    _gdp_growth, pop = _zero_driver({})
    assert abs(pop - 1.0) <= 0.05, pop
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(growth, "investment_flow_scale", _pool_with_replacement)
        _broken, broken_pop = _zero_driver({})
    assert broken_pop - 1.0 > 0.05, broken_pop
