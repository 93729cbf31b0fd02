"""Cost-effectiveness and rank probabilities (issue #11 part 8): exact columns, discounting
against a hand computation, ratios of means with a deterministic paired bootstrap, NaN (never
inf) without a net cost, rank probabilities that sum to 1, dominance, ties, the compare CLI
and the brief."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simxh.analysis import (
    CE_COLUMNS,
    RANK_COLUMNS,
    REGRET_COLUMNS,
    cost_effectiveness,
    discounted_cost,
    metric_direction,
    rank_probabilities,
    read_csv,
)

sys.path.insert(0, str(Path(__file__).parent))
from test_experiment_helpers import fake_experiment, fake_simulate  # noqa: E402

EXPERIMENT = fake_experiment("ce", seed=9, replications=5, end_year=2028,
                             outputs=("gdp_yi", "theil_gdp_per_capita"), years=(2026, 2028),
                             faster=(("faster", 95.0), ("fastest", 120.0)))


def spending_model(config=None, seed=0, overrides=None, *, scenario="", replication=0):
    """The fake model plus lever money: 0.1亿 a year per km/h of expressway speed above 85."""
    from simxh.config import coerce_config

    result = fake_simulate(config, seed, overrides, scenario=scenario, replication=replication)
    speed = coerce_config(config, overrides).network.speed_expressway_kmh
    result[0]["lever_spend_yi"] = 1.0 + 0.1 * (speed - 85.0)
    return result


def make_results(root: Path, replications: int = 5) -> Path:
    from simxh.experiment import load_experiment
    from simxh.runner import run_experiment

    root.mkdir(parents=True)
    path = root / "exp.toml"
    path.write_text(EXPERIMENT)
    run_experiment(load_experiment(path, replications=replications), root / "out", workers=1,
                   run_fn=spending_model, progress="off")
    return root / "out"


def frame(values: dict[str, list[list[float]]], spend: dict[str, list[list[float]]],
          years: tuple[int, ...] = (2023, 2024, 2025), metric: str = "gdp_yi") -> pd.DataFrame:
    """A district table: values[scenario][replication][year index] (and the lever money)."""
    rows = []
    for scen, reps in values.items():
        for r, series in enumerate(reps):
            for i, year in enumerate(years):
                rows.append({"scenario": scen, "point": 0, "replication": r, "year": year,
                             metric: series[i], "lever_spend_yi": spend[scen][r][i]})
    return pd.DataFrame(rows)


def test_discounting_matches_a_hand_computation() -> None:
    base = [[1.0, 1.0, 1.0]] * 2
    spend = {"ref": base, "a": [[5.0, 3.0, 2.0], [1.0, 4.0, 1.0]]}
    values = {"ref": [[100, 100, 100], [100, 100, 100]],
              "a": [[100, 103, 110], [100, 101, 104]]}
    out = cost_effectiveness(frame(values, spend), "ref", ["gdp_yi"], [2024, 2025],
                             discount_rate=0.08, seed=1)
    assert list(out.columns) == CE_COLUMNS
    # replication 0: 2024: 2/1.08; 2025: 2/1.08 + 1/1.08² (the base-year 4 is not counted)
    c0_24, c0_25 = 2 / 1.08, 2 / 1.08 + 1 / 1.08**2
    c1_24, c1_25 = 3 / 1.08, 3 / 1.08 + 0 / 1.08**2
    row = out.set_index("year").loc[2025]
    assert row["cost_yi"] == pytest.approx((c0_25 + c1_25) / 2)
    assert row["effect"] == pytest.approx((10 + 4) / 2)
    assert row["effect_per_yi"] == pytest.approx(7 / ((c0_25 + c1_25) / 2))
    assert row["n"] == 2
    assert out.set_index("year").loc[2024, "cost_yi"] == pytest.approx((c0_24 + c1_24) / 2)
    # a zero rate sums the money undiscounted
    flat = cost_effectiveness(frame(values, spend), "ref", ["gdp_yi"], [2025],
                              discount_rate=0.0)
    assert flat["cost_yi"].iloc[0] == pytest.approx((3 + 3) / 2)
    wide = pd.DataFrame([[4.0, 2.0, 1.0]], columns=[2023, 2024, 2025])
    assert discounted_cost(wide, 2023, 0.1).iloc[0].tolist() == pytest.approx(
        [0.0, 2 / 1.1, 2 / 1.1 + 1 / 1.21])


def test_interval_is_a_deterministic_paired_bootstrap_of_the_ratio() -> None:
    rng = np.random.default_rng(3)
    n = 30
    ref = [[100.0, 100.0, 100.0]] * n
    a = [[100.0, 100.0, 100.0 + 10 + rng.normal(0, 2)] for _ in range(n)]
    spend = {"ref": [[0.0, 0.0, 0.0]] * n,
             "a": [[0.0, 2.0 + rng.normal(0, 0.1), 2.0] for _ in range(n)]}
    df = frame({"ref": ref, "a": a}, spend)
    one = cost_effectiveness(df, "ref", ["gdp_yi"], [2025], seed=11)
    two = cost_effectiveness(df, "ref", ["gdp_yi"], [2025], seed=11)
    pd.testing.assert_frame_equal(one, two)
    row = one.iloc[0]
    assert row["ci_low"] < row["effect_per_yi"] < row["ci_high"]
    narrow = cost_effectiveness(df, "ref", ["gdp_yi"], [2025], seed=11, confidence=0.5).iloc[0]
    assert row["ci_low"] < narrow["ci_low"] < narrow["ci_high"] < row["ci_high"]


def test_no_net_cost_gives_nan_never_inf() -> None:
    values = {"ref": [[1, 1, 1]] * 3, "free": [[1, 2, 3]] * 3, "saver": [[1, 2, 3]] * 3}
    spend = {"ref": [[1, 1, 1]] * 3, "free": [[1, 1, 1]] * 3, "saver": [[1, 0.5, 0.5]] * 3}
    out = cost_effectiveness(frame(values, spend), "ref", ["gdp_yi"], [2025])
    assert out["effect_per_yi"].isna().all() and out[["ci_low", "ci_high"]].isna().all().all()
    assert not np.isinf(out.select_dtypes("number").to_numpy(float)).any()
    assert out.set_index("scenario").loc["saver", "cost_yi"] < 0
    # no lever-money column (an older store): an empty table with the columns
    old = frame(values, spend).drop(columns="lever_spend_yi")
    empty = cost_effectiveness(old, "ref", ["gdp_yi"], [2025])
    assert empty.empty and list(empty.columns) == CE_COLUMNS


def test_dominance_gives_certain_ranks_in_either_direction() -> None:
    values = {"a": [[1, 5, 9], [1, 6, 7]], "b": [[1, 4, 8], [1, 5, 6]],
              "c": [[1, 3, 1], [1, 1, 2]]}
    spend = {k: [[0, 0, 0]] * 2 for k in values}
    df = frame(values, spend)
    out = rank_probabilities(df, ["gdp_yi"], [2024, 2025])
    assert list(out.columns) == RANK_COLUMNS
    p = out.set_index(["scenario", "year", "rank"])["probability"]
    assert p[("a", 2025, 1)] == 1.0 and p[("b", 2025, 2)] == 1.0 and p[("c", 2025, 3)] == 1.0
    # lower is better for inequality: the order reverses
    low = rank_probabilities(df.rename(columns={"gdp_yi": "theil_gdp_per_capita"}),
                             ["theil_gdp_per_capita"], [2025])
    q = low.set_index(["scenario", "rank"])["probability"]
    assert q[("c", 1)] == 1.0 and q[("a", 3)] == 1.0
    assert metric_direction("theil_gdp_per_capita") == -1 and metric_direction("gdp_yi") == 1
    targets = pd.DataFrame({"metric": ["debt_free"], "comparator": ["<="]})
    assert metric_direction("debt_free", targets) == -1


def test_probabilities_sum_to_one_and_ties_share_ranks() -> None:
    rng = np.random.default_rng(5)
    values = {s: [[1, *rng.normal(size=2)] for _ in range(40)] for s in "abcd"}
    values["d"] = [list(v) for v in values["a"]]   # d ties a exactly in every replication
    spend = {k: [[0, 0, 0]] * 40 for k in values}
    out = rank_probabilities(frame(values, spend), ["gdp_yi"], [2024, 2025])
    for _, part in out.groupby("year"):
        by_scenario = part.groupby("scenario")["probability"].sum()
        by_rank = part.groupby("rank")["probability"].sum()
        assert np.allclose(by_scenario, 1.0) and np.allclose(by_rank, 1.0)
        assert sorted(part["rank"].unique()) == [1, 2, 3, 4]
    a = out[out.scenario == "a"].set_index(["year", "rank"])["probability"]
    d = out[out.scenario == "d"].set_index(["year", "rank"])["probability"]
    pd.testing.assert_series_equal(a, d)                 # a tie is split evenly
    # with every scenario equal, each rank has probability 1/S for every scenario
    flat = rank_probabilities(frame({s: [[1, 1, 1]] for s in "abc"},
                                    {s: [[0, 0, 0]] for s in "abc"}), ["gdp_yi"], [2025])
    assert np.allclose(flat["probability"], 1 / 3)


def test_compare_writes_both_tables_and_states_the_rate(tmp_path: Path, capsys) -> None:
    from simxh.cli import main

    root = make_results(tmp_path / "exp")
    assert main(["compare", str(root), "--discount-rate", "0.05", "--confidence", "0.9"]) == 0
    ce = read_csv(root / "summary" / "cost_effectiveness.csv")
    ranks = read_csv(root / "summary" / "rank_probabilities.csv")
    assert list(ce.columns) == CE_COLUMNS and list(ranks.columns) == RANK_COLUMNS
    assert set(ce["scenario"]) == {"faster", "fastest"}
    assert (ce["reference"] == "baseline").all() and (ce["n"] == 5).all()
    # hand computation: 1亿 (faster) a year more, discounted at 5% to 2023, 2024..2028
    faster = ce[(ce.scenario == "faster") & (ce.metric == "gdp_yi") & (ce.year == 2028)]
    assert faster["cost_yi"].iloc[0] == pytest.approx(sum(1.0 / 1.05**k for k in range(1, 6)))
    meta = json.loads((root / "summary" / "metadata.json").read_text(encoding="utf-8"))
    assert meta["cost_effectiveness"]["discount_rate"] == 0.05
    assert "建设项目经济评价方法与参数" in meta["cost_effectiveness"]["discount_rate_source"]
    assert meta["confidence"] == 0.9
    assert meta["rank_probabilities"]["directions"]["theil_gdp_per_capita"].startswith("lower")
    # the fastest package has the largest growth in the fake model: first on GDP every time
    g = ranks[(ranks.metric == "gdp_yi") & (ranks.year == 2028) & (ranks["rank"] == 1)]
    assert g.set_index("scenario")["probability"].to_dict() == {
        "baseline": 0.0, "faster": 0.0, "fastest": 1.0}
    out = capsys.readouterr().out
    assert "cost_effectiveness.csv" in out and "regret.csv" in out  # the headline lists them
    # regret beside the ranks: the fastest package is always best on GDP, so it never regrets
    regret = read_csv(root / "summary" / "regret.csv")
    assert list(regret.columns) == REGRET_COLUMNS and (regret["n"] == 5).all()
    assert set(regret["scenario"]) == {"baseline", "faster", "fastest"}  # reference included
    g = regret[(regret.metric == "gdp_yi") & (regret.year == 2028)].set_index("scenario")
    assert g.loc["fastest", "max_regret"] == 0.0 and g.loc["baseline", "mean_regret"] > 0
    assert (regret["p90_regret"] <= regret["max_regret"] + 1e-12).all()
    assert (regret["mean_regret"] >= 0).all()
    assert meta["regret"]["scenarios"].startswith("every compared scenario")


@pytest.mark.parametrize("rate", ["-0.1", "1.5", "nan"])
def test_bad_discount_rate_exits_2(tmp_path: Path, capsys, rate: str) -> None:
    from simxh.cli import main

    root = make_results(tmp_path / "exp", replications=2)
    assert main(["compare", str(root), "--discount-rate", rate]) == 2
    err = capsys.readouterr().err
    assert "--discount-rate" in err and "Traceback" not in err
    assert not (root / "summary").exists()


@pytest.mark.slow  # 19 s: every figure, twice
def test_brief_shows_cost_effectiveness_and_ranks_in_both_languages(tmp_path: Path) -> None:
    from simxh.analysis import compare
    from simxh.report import write_report

    root = make_results(tmp_path / "exp", replications=4)
    compare(root, discount_rate=0.06, confidence=0.9)
    write_report(root, lang="en", formats=["png"])
    text = (root / "brief.md").read_text(encoding="utf-8")
    assert "## Cost-effectiveness and ranking" in text
    assert "discounted to 2023 at 6% a year" in text and "90% paired bootstrap" in text
    assert "P(1st) GDP" in text and "(figures/cost_effectiveness.png)" in text
    assert "(figures/rank_probabilities.png)" in text
    assert "## Robustness: rank probabilities and regret" in text and "Max regret GDP" in text
    fig_csv = read_csv(root / "figures" / "rank_probabilities.csv")
    assert np.allclose(fig_csv.groupby(["metric", "scenario"])["probability"].sum(), 1.0)
    write_report(root, lang="zh", formats=["png"])
    text = (root / "brief.md").read_text(encoding="utf-8")
    assert "## 成本效益与排名" in text and "按6%的年率折现" in text and "90%" in text
    assert "第一名概率" in text
    assert "## 稳健性：排名概率与遗憾值" in text and "第90百分位遗憾值" in text
    ce = read_csv(root / "figures" / "cost_effectiveness.csv")
    row = ce.iloc[0]
    assert math.isclose(row["effect_per_yi"], row["effect"] / row["cost_yi"], rel_tol=1e-9)


def test_discounted_benefit_cost_ratio_uses_social_cost() -> None:
    """benefit_cost_ratio = discounted ΔGDP / discounted Δ(public money − transfers + the
    firms' and villages' own), over the years after the base year."""
    rows = []
    for scen, gdp, spend, rent, own in (("base", 0.0, 0.0, 1.0, 1.0),
                                        ("lever", 10.0, 2.0, 0.0, 4.0)):
        for rep in (0, 1):
            for y in (2023, 2024, 2025):
                on = y > 2023
                rows.append({"scenario": scen, "replication": rep, "year": y,
                             "gdp_yi": 100.0 + (gdp if on else 0.0),
                             "lever_spend_yi": (spend + rent) if on else 0.0,
                             "competition_rent_yi": rent if on else 0.0,
                             "renovation_own_yi": own if on else 0.0})
    out = cost_effectiveness(pd.DataFrame(rows), "base", ["gdp_yi"], [2025],
                             discount_rate=0.1, samples=50)
    row = out.iloc[0]
    disc = 1 / 1.1 + 1 / 1.1**2
    assert row["benefit_yi"] == pytest.approx(10.0 * disc)
    # social cost: Δ(spend) 2 + Δ(own) 3 a year; the rent (a transfer) is left out
    assert row["social_cost_yi"] == pytest.approx(5.0 * disc)
    assert row["benefit_cost_ratio"] == pytest.approx(2.0)
    # the single-year public-money ratio is unchanged beside it: ΔGDP / Δ lever_spend_yi
    assert row["cost_yi"] == pytest.approx(1.0 * disc)
