"""Analysis tables against hand-computed values."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from simxh.analysis import (
    equity_table,
    implied_growth_pct,
    paired_differences,
    score_targets,
    sensitivity_indices,
    summary_stats,
    t_interval,
)


def district(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["scenario", "point", "replication", "year", "gdp_yi"])


@pytest.fixture
def runs() -> pd.DataFrame:
    # reference values r0..r2 = 10, 20, 30; policy adds 1, 2, 3 (paired diffs 1, 2, 3)
    rows = []
    for r, base in enumerate([10.0, 20.0, 30.0]):
        rows.append(("base", 0, r, 2030, base))
        rows.append(("policy", 0, r, 2030, base + r + 1))
    return district(rows)


def test_t_interval_by_hand() -> None:
    mean, low, high, n = t_interval(np.array([1.0, 2.0, 3.0]))
    half = 4.302652729911275 * 1.0 / math.sqrt(3)  # t(0.975, 2) · sd / √n
    assert (mean, n) == (2.0, 3)
    assert low == pytest.approx(2 - half) and high == pytest.approx(2 + half)
    assert math.isnan(t_interval(np.array([5.0]))[1])


def test_paired_differences_by_hand(runs: pd.DataFrame) -> None:
    out = paired_differences(runs, "base")
    assert list(out.columns) == ["scenario", "reference", "metric", "year", "mean", "ci_low",
                                 "ci_high", "n"]
    row = out.iloc[0]
    assert (row["scenario"], row["reference"], row["metric"], row["year"]) == (
        "policy", "base", "gdp_yi", 2030)
    half = 4.302652729911275 / math.sqrt(3)
    assert row["mean"] == pytest.approx(2.0) and row["n"] == 3
    assert row["ci_low"] == pytest.approx(2 - half) and row["ci_high"] == pytest.approx(2 + half)
    # unpaired, the same data would give a far wider interval (sd ≈ 10): pairing matters
    assert row["ci_high"] - row["ci_low"] < 5


def test_pairs_drop_runs_missing_on_either_side(runs: pd.DataFrame) -> None:
    partial = runs.drop(runs.index[(runs["scenario"] == "policy") & (runs["replication"] == 2)])
    row = paired_differences(partial, "base").iloc[0]
    assert row["n"] == 2 and row["mean"] == pytest.approx(1.5)  # diffs 1 and 2


def test_pairs_match_design_points_too() -> None:
    rows = [("base", p, 0, 2030, 10.0 * (p + 1)) for p in range(2)]
    rows += [("policy", p, 0, 2030, 10.0 * (p + 1) + 5) for p in range(2)]
    row = paired_differences(district(rows), "base").iloc[0]
    assert row["mean"] == 5.0 and row["n"] == 2 and row["ci_low"] == row["ci_high"] == 5.0


def test_summary_stats_by_hand() -> None:
    frame = district([("a", 0, r, 2030, v) for r, v in enumerate([1.0, 2.0, 3.0, 4.0])])
    row = summary_stats(frame).iloc[0]
    assert (row["n"], row["mean"], row["median"]) == (4, 2.5, 2.5)
    assert row["sd"] == pytest.approx(np.std([1, 2, 3, 4], ddof=1))
    assert row["q25"] == pytest.approx(1.75) and row["q95"] == pytest.approx(3.85)


def test_implied_growth_of_the_plan_gdp_target() -> None:
    # 1011.25亿 (2023) → 3300亿 (2033) needs 12.6% a year, not the plan's 8%
    assert implied_growth_pct(1011.25, 3300.0, 2023, 2033) == pytest.approx(12.56, abs=0.01)
    assert math.isnan(implied_growth_pct(0.0, 10.0, 2023, 2030))


def test_target_probabilities_by_hand() -> None:
    rows = []
    for r, (v24, v25) in enumerate([(600, 650), (500, 700), (450, 480), (900, 620)]):
        rows += [("s", 0, r, 2023, 550.0), ("s", 0, r, 2024, v24), ("s", 0, r, 2025, v25)]
    frame = district(rows).rename(columns={"gdp_yi": "hightech_firms"})
    targets = pd.DataFrame({
        "id": ["hightech_2025", "hightech_each_year", "hightech_avg", "missing"],
        "metric": ["hightech_firms", "hightech_firms", "hightech_firms", "nothing"],
        "comparator": [">=", ">=", ">=", ">="], "value": [620.0, 500.0, 600.0, 1.0],
        "year": [2025, 2024, 2024, 2025], "year_end": [None, 2025, 2025, None],
        "kind": ["level", "level", "average", "level"]})
    out = score_targets(frame, targets).set_index("target")
    assert out.loc["hightech_2025", "probability"] == 0.75   # 650, 700, 620 ≥ 620; 480 not
    assert out.loc["hightech_each_year", "probability"] == 0.75  # r2 fails in 2024 (450)
    assert out.loc["hightech_avg", "probability"] == 0.75    # means 625, 600, 465, 760
    assert out.loc["hightech_2025", "n"] == 4
    growth = 100 * ((620 / 550) ** 0.5 - 1)
    assert out.loc["hightech_2025", "implied_growth_pct"] == pytest.approx(growth)
    assert math.isnan(out.loc["missing", "probability"])
    assert out.loc["missing", "note"] == "metric not in the model outputs"


def test_annual_target_spanning_the_base_year_scores_simulated_years_only() -> None:
    # 2023 is observed: a run below the bar in 2023 only still meets a 2023–2025 flow target
    rows = [("s", 0, 0, 2023, 80.0), ("s", 0, 0, 2024, 120.0), ("s", 0, 0, 2025, 110.0),
            ("s", 0, 1, 2023, 150.0), ("s", 0, 1, 2024, 90.0), ("s", 0, 1, 2025, 130.0)]
    frame = district(rows).rename(columns={"gdp_yi": "tech_renovation_firms"})
    targets = pd.DataFrame({"id": ["reno"], "metric": ["tech_renovation_firms"],
                            "comparator": [">="], "value": [100.0], "year": [2023],
                            "year_end": [2025], "kind": ["annual"]})
    row = score_targets(frame, targets).iloc[0]
    assert row["probability"] == 0.5 and row["n"] == 2  # r0 meets 2024–25; r1 misses 2024
    assert row["note"].startswith("scored on 2024–2025")


def test_mean_growth_target_is_the_compound_rate() -> None:
    # growth 10% then 2% (and a base-year value that must not count): compound ≈ 5.92%
    rows = [("s", 0, 0, 2023, 99.0), ("s", 0, 0, 2024, 10.0), ("s", 0, 0, 2025, 2.0),
            ("s", 0, 1, 2023, 0.0), ("s", 0, 1, 2024, 7.0), ("s", 0, 1, 2025, 6.0)]
    frame = district(rows).rename(columns={"gdp_yi": "gdp_growth_pct"})
    targets = pd.DataFrame({"id": ["g"], "metric": ["gdp_growth_pct"], "comparator": [">="],
                            "value": [6.0], "year": [2023], "year_end": [2025],
                            "kind": ["mean_growth"]})
    row = score_targets(frame, targets).iloc[0]
    assert 100 * (math.sqrt(1.10 * 1.02) - 1) < 6.0  # replication 0 misses, 1 meets (≈6.5)
    assert row["probability"] == 0.5 and row["n"] == 2 and row["implied_growth_pct"] == 6.0


def test_equity_table_means() -> None:
    frame = pd.DataFrame({"scenario": ["a"] * 2, "point": 0, "replication": [0, 1],
                          "year": 2030, "theil_gdp_per_capita": [0.1, 0.3],
                          "weakest_town_growth_pct": [4.0, 6.0]})
    row = equity_table(frame).iloc[0]
    assert row["theil_gdp_per_capita_mean"] == pytest.approx(0.2)
    assert row["weakest_town_growth_pct_mean"] == pytest.approx(5.0) and row["n"] == 2


def _frame_for(points: pd.DataFrame, y: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"scenario": "s", "point": range(len(points)), "replication": 0,
                         "year": 2030, "gdp_yi": y})


def test_sobol_indices_of_an_additive_function() -> None:
    from simxh.design import design_points
    from simxh.experiment import Design, Experiment, Scenario, Uncertainty

    a, b = (Uncertainty(key="a", low=0.0, high=1.0), Uncertainty(key="b", low=0.0, high=1.0))
    design = Design(kind="saltelli", samples=512)
    exp = Experiment("x", None, 1, 1, (Scenario("s", None, {}, True),), design=design,
                     uncertainties=(a, b))
    points = design_points(exp)
    y = 4 * points["a"].to_numpy() + points["b"].to_numpy()  # variance shares 16/17, 1/17
    from simxh.design import unit_sample

    out = sensitivity_indices(_frame_for(points, y), points.reset_index(), "saltelli",
                              unit_sample(design, (a, b), 1), ["gdp_yi"], [2030])
    s1 = out[out["index"] == "S1"].set_index("parameter")["value"]
    assert s1["a"] == pytest.approx(16 / 17, abs=0.05)
    assert s1["b"] == pytest.approx(1 / 17, abs=0.05)


def test_morris_ranks_the_influential_parameter() -> None:
    from simxh.design import design_points, unit_sample
    from simxh.experiment import Design, Experiment, Scenario, Uncertainty

    a, b = (Uncertainty(key="a", low=0.0, high=1.0), Uncertainty(key="b", low=0.0, high=1.0))
    design = Design(kind="morris", samples=10, levels=4)
    exp = Experiment("x", None, 3, 1, (Scenario("s", None, {}, True),), design=design,
                     uncertainties=(a, b))
    points = design_points(exp)
    y = 3 * points["a"].to_numpy() + 0.5 * points["b"].to_numpy()
    out = sensitivity_indices(_frame_for(points, y), points.reset_index(), "morris",
                              unit_sample(design, (a, b), 3), ["gdp_yi"], [2030])
    mu_star = out[out["index"] == "mu_star"].set_index("parameter")["value"]
    assert mu_star["a"] == pytest.approx(3.0) and mu_star["b"] == pytest.approx(0.5)


def test_spearman_for_space_filling_designs() -> None:
    points = pd.DataFrame({"point": range(5), "k": [0.1, 0.5, 0.3, 0.9, 0.7]})
    y = np.array([1.0, 5.0, 3.0, 9.0, 7.0])
    out = sensitivity_indices(_frame_for(points, y), points, "lhs", None, ["gdp_yi"], [2030])
    assert out.iloc[0]["method"] == "spearman" and out.iloc[0]["value"] == pytest.approx(1.0)
