"""The plan's thresholds that the reporters count against (5亿 of town revenue, 2000万 of village
collective income) are the ones the plan's target rows in simxh/data/targets.csv state."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from simxh import reporters

TARGETS = Path(__file__).resolve().parents[1] / "simxh" / "data" / "targets.csv"


def stated_threshold(metric: str, unit: str) -> float:
    """The number after 超 (over) in the Chinese name of the target row scoring ``metric``."""
    rows = pd.read_csv(TARGETS)
    names = rows.loc[rows["metric"] == metric, "name_zh"].tolist()
    assert names, f"no target row scores {metric} in {TARGETS.name}"
    found = {float(m) for name in names for m in re.findall(rf"超(\d+(?:\.\d+)?){unit}", name)}
    assert len(found) == 1, f"{metric}: thresholds {found} in {names}"
    return found.pop()


def test_town_revenue_threshold_is_the_plans():
    assert stated_threshold("towns_fiscal_over_5yi_share", "亿元") == \
        reporters.TOWN_REVENUE_TARGET_YI


def test_village_income_threshold_is_the_plans():
    assert stated_threshold("villages_collective_over_2000wan", "万元") == \
        reporters.VILLAGE_INCOME_TARGET_WAN


def test_reporters_count_against_the_named_thresholds(monkeypatch):
    """The reporters read the constants (not a copy of their value)."""

    class View:
        town_revenue_yi = pd.Series([4.0, 6.0, 9.0]).to_numpy()
        village_income_wan = pd.Series([1500.0, 2500.0]).to_numpy()
        price_index = 1.0

    metrics = reporters.DistrictMetrics
    assert metrics.towns_fiscal_over_5yi_share.fget(View()) == 2 / 3
    assert metrics.villages_collective_over_2000wan.fget(View()) == 1
    monkeypatch.setattr(reporters, "TOWN_REVENUE_TARGET_YI", 8.0)
    monkeypatch.setattr(reporters, "VILLAGE_INCOME_TARGET_WAN", 3000.0)
    assert metrics.towns_fiscal_over_5yi_share.fget(View()) == 1 / 3
    assert metrics.villages_collective_over_2000wan.fget(View()) == 0
