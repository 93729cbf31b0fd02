"""Issue 20, items 5 and 1: plan targets scored as the plan states them, nominal and real
explicit.

- 一批 villages over 2000万: a documented count above the base year's (not "at least one",
  met before the plan began), with no implied growth rate for a count.
- A known price path (deflator 1.02^t): a nominal 亿元 target on a real metric is scored at the
  run's own prices, and the scorecard gives the target in base-year prices and both growths.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from simxh.analysis import score_targets
from simxh.datafiles import load_region_data
from simxh.report.brief import _growth, _implied

YEARS = list(range(2023, 2034))
DEFLATOR = 1.02


def district() -> pd.DataFrame:
    rows = []
    for rep in range(4):
        for year in YEARS:
            t = year - 2023
            price = DEFLATOR ** t
            real_gdp = 1011.25 * 1.10 ** t
            rows.append({"scenario": "baseline", "point": 0, "replication": rep, "year": year,
                         "price_index": price, "gdp_yi": real_gdp,
                         "gdp_nominal_yi": real_gdp * price,
                         # real 495亿 a year: 505亿 at 2025 prices, over the plan's 500亿
                         "investment_introduced_yi": 495.0,
                         "villages_collective_over_2000wan": 6 + t // 4 + (rep % 2)})
    return pd.DataFrame(rows)


def test_village_target_is_a_documented_count_above_the_base_year() -> None:
    targets = load_region_data().targets
    row = targets.loc["villages_collective_over_2000wan"]
    assert row["value"] == 10 and row["status"] == "assumed" and int(row["year"]) == 2027
    assert "10" in row["name_zh"] and "假设" in row["name_zh"] and "assumed" in row["name_en"]
    assert "一批" in row["notes"] and "base year" in row["notes"]
    assert int(targets.loc["towns_fiscal_over_5yi", "year"]) == 2027
    score = score_targets(district(), targets.loc[["villages_collective_over_2000wan"]])
    village = score.iloc[0]
    # 6 or 7 villages in 2027 (6 + 1 + rep % 2): never 10, so the plan is not met...
    assert village["probability"] == 0.0 and village["base_value"] == 6.5
    # ... and a count has no implied growth rate (it was −36 % a year against 1 village)
    assert math.isnan(village["implied_growth_pct"])
    assert _implied(village["implied_growth_pct"], village, row) == "6 → 10"


def test_nominal_targets_convert_with_the_runs_own_price_path() -> None:
    targets = load_region_data().targets.loc[["gdp_2033", "investment_introduced"]]
    score = score_targets(district(), targets).set_index("target")
    gdp = score.loc["gdp_2033"]
    assert gdp["basis"] == "nominal" and gdp["metric"] == "gdp_nominal_yi"
    # the 3300亿 of 2033 in base-year prices: 3300 / 1.02^10
    assert np.isclose(gdp["value_real"], 3300 / DEFLATOR ** 10)
    nominal_growth = 100 * ((3300 / 1011.25) ** 0.1 - 1)
    real_growth = 100 * ((3300 / DEFLATOR ** 10 / 1011.25) ** 0.1 - 1)
    assert np.isclose(gdp["implied_growth_pct"], nominal_growth)
    assert np.isclose(gdp["implied_growth_real_pct"], real_growth)
    assert _growth(gdp["implied_growth_pct"], gdp, "en") == (
        f"{nominal_growth:.1f}% nominal ({real_growth:.1f}% real)")
    # real GDP 1011.25 × 1.1^10 = 2623 (under 3300), nominal 2623 × 1.02^10 = 3197: not met
    assert gdp["probability"] == 0.0
    inv = score.loc["investment_introduced"]
    # 500亿 is nominal, the metric real: 495 × 1.02 = 504.9 > 500 in 2024, 515 in 2025: met
    assert inv["basis"] == "nominal" and inv["metric"] == "investment_introduced_nominal_yi"
    assert inv["probability"] == 1.0 and np.isclose(inv["value_real"], 500 / DEFLATOR ** 2)
