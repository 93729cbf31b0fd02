"""A synthetic results directory in the store's layout, for the report tests.

It writes what ``simxh run`` and ``simxh compare`` write (manifest.json, district.parquet,
towns.parquet, summary/*.csv) with plausible numbers, so the report tests do not depend on the
model's speed. The towns and targets are the real ones from the region data files.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

TOWNS = {
    "huicheng": ("guifeng", 0.38), "daze": ("tanjiang", 0.08), "siqian": ("tanjiang", 0.08),
    "luokeng": ("tanjiang", 0.03), "shuangshui": ("yinzhou_west", 0.09),
    "yamen": ("yinzhou_west", 0.05), "shadui": ("yinzhou_east", 0.05),
    "gujing": ("yinzhou_east", 0.07), "sanjiang": ("yinzhou_east", 0.07),
    "muzhou": ("yinzhou_east", 0.05), "daao": ("yinzhou_east", 0.05),
}
PROJECTS = ["g240_upgrade_luokeng_daze", "shenjiang_railway"]
SCENARIOS = {  # name → (extra growth % a year, equity effect)
    "baseline": (0.0, 0.0), "integration": (0.6, -0.002), "pairing": (0.2, -0.006),
    "infrastructure": (0.4, -0.001), "combined": (1.1, -0.008),
}


def make_results(root: Path, *, replications: int = 8, end_year: int = 2035,
                 scenarios: dict[str, tuple[float, float]] | None = None,
                 design_points: int = 1, seed: int = 7, summaries: bool = True,
                 inflation: float = 0.0) -> Path:
    """Write a results directory under ``root`` and return it (``inflation``: the GDP
    deflator's yearly growth, so that nominal and real GDP differ)."""
    scenarios = scenarios or SCENARIOS
    rng = np.random.default_rng(seed)
    years = np.arange(2023, end_year + 1)
    params = pd.DataFrame({"point": np.arange(design_points),
                           "access.decay": np.linspace(0.7, 1.1, design_points),
                           "firms.entry_rate": rng.uniform(0.1, 0.3, design_points)})
    district_rows, town_rows, village_rows = [], [], []
    shares = np.array([v[1] for v in TOWNS.values()])
    shares = shares / shares.sum()
    for p in range(design_points):
        decay = params.loc[p, "access.decay"] if design_points > 1 else 0.9
        for r in range(replications):
            shocks = rng.normal(0, 0.012, len(years))  # common random numbers across scenarios
            tshocks = rng.normal(0, 0.02, (len(years), len(TOWNS)))
            for name, (extra, eq) in scenarios.items():
                growth = 0.062 + extra / 100 + shocks - 0.01 * (decay - 0.9)
                growth[0] = 0.0
                gdp = 1011.25 * np.cumprod(1 + growth)
                tgrowth = growth[:, None] + tshocks + np.linspace(0, eq, len(TOWNS))[None, :]
                tgrowth[0] = 0.0
                town_gdp = gdp[0] * shares[None, :] * np.cumprod(1 + tgrowth, axis=0)
                town_gdp *= (gdp / town_gdp.sum(axis=1))[:, None]
                pop = 91.0 * shares * (1 + 0.002 * (years - 2023))[:, None]
                gpc = town_gdp / pop
                share = town_gdp / town_gdp.sum(axis=1, keepdims=True)
                theil = (share * np.log(gpc / (gdp / pop.sum(axis=1))[:, None])).sum(axis=1)
                weakest = np.concatenate(
                    [[np.nan], (100 * (town_gdp[1:] / town_gdp[:-1] - 1)).min(axis=1)])
                for i, year in enumerate(years):
                    district_rows.append({
                        "scenario": name, "point": p, "replication": r, "seed": 1000 + r,
                        "year": int(year), "access.decay": decay,
                        "firms.entry_rate": params.loc[p, "firms.entry_rate"],
                        "gdp_yi": gdp[i], "fiscal_revenue_yi": 0.055 * gdp[i],
                        "price_index": (1.0 + inflation) ** (year - 2023),
                        "gdp_nominal_yi": gdp[i] * (1.0 + inflation) ** (year - 2023),
                        "investment_introduced_yi": 480 + 60 * extra + 30 * shocks[i] * 10,
                        "theil_gdp_per_capita": theil[i],
                        "weakest_town_growth_pct": weakest[i],
                        "gini_gdp_per_capita": 0.2 + theil[i],
                        "hightech_firms": 550 + 12 * (year - 2023) * (1 + extra),
                        "population_wan": pop[i].sum(),
                        "lever_spend_yi": 1.0 + 3.0 * extra + 0.1 * shocks[i] * 10,
                        # the village targets (counted from the village agents in the model)
                        "beautiful_village_share": min(0.6 + 0.05 * (year - 2023) * (1 + extra),
                                                       1.0),
                        "demo_villages": int(2 * (year - 2023) * (1 + extra)),
                        "villages_collective_over_2000wan": 6 + (year - 2023) // 3,
                    })
                    for j, town in enumerate(TOWNS):  # three villages a town
                        for k in range(3):
                            village_rows.append({
                                "scenario": name, "point": p, "replication": r,
                                "seed": 1000 + r, "year": int(year),
                                "village": f"{town}_v{k}", "town": town, "kind": "village",
                                "collective_income_wan": float(
                                    300.0 * (1 + k) * town_gdp[i, j] / town_gdp[0, j]
                                    * np.exp(tshocks[i, j])),
                            })
                    for j, town in enumerate(TOWNS):
                        town_rows.append({
                            "scenario": name, "point": p, "replication": r, "seed": 1000 + r,
                            "year": int(year), "town": town, "zone": TOWNS[town][0],
                            "gdp_yi": town_gdp[i, j], "population_wan": pop[i, j],
                        })
    root.mkdir(parents=True, exist_ok=True)
    district = pd.DataFrame(district_rows)
    towns = pd.DataFrame(town_rows)
    if design_points == 1:
        district = district.drop(columns=["access.decay", "firms.entry_rate"])
    district.to_parquet(root / "district.parquet", index=False)
    towns.to_parquet(root / "towns.parquet", index=False)
    pd.DataFrame(village_rows).to_parquet(root / "villages.parquet", index=False)
    spec_scen = [{"name": n, "config": None, "reference": n == "baseline",
                  "description": "" if n == "baseline" else f"synthetic lever {n}",
                  "overrides": ({"infrastructure.enabled": True,
                                 "infrastructure.project_ids": PROJECTS}
                                if n in ("infrastructure", "combined") else {})}
                 for n in scenarios]
    design = {"kind": "morris" if design_points > 1 else "none", "points": design_points,
              "columns": ["access.decay", "firms.entry_rate"] if design_points > 1 else []}
    manifest = {
        "simxh_store": 1,
        "experiment": {"name": "synthetic", "file": None, "identity": "test",
                       "spec": {"name": "synthetic", "description": "A synthetic experiment.",
                                "seed": seed, "replications": replications,
                                "scenarios": spec_scen, "uncertainties": (
                                    [{"key": "access.decay"}, {"key": "firms.entry_rate"}]
                                    if design_points > 1 else [])}},
        "configs": {n: {"file": None, "digest": "x", "resolved": {
            "run": {"end_year": end_year},
            "infrastructure": {"enabled": n in ("infrastructure", "combined"),
                               "project_ids": PROJECTS if n == "infrastructure" else []}}}
                    for n in scenarios},
        "reference": "baseline", "scenarios": list(scenarios), "seed": seed,
        "replications": replications, "design": design,
    }
    (root / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    if summaries:
        write_summaries(root, district, design_points)
    return root


def write_summaries(root: Path, district: pd.DataFrame, design_points: int) -> None:
    """The CSVs ``simxh compare`` writes, computed with :mod:`simxh.analysis`."""
    from simxh import analysis
    from simxh.datafiles import load_region_data

    summary = root / "summary"
    summary.mkdir(exist_ok=True)
    metrics = ["gdp_yi", "fiscal_revenue_yi", "investment_introduced_yi",
               "theil_gdp_per_capita", "weakest_town_growth_pct"]
    analysis.paired_differences(district, "baseline", metrics).to_csv(
        summary / "paired_differences.csv", index=False)
    targets = load_region_data().targets.astype(object)
    targets = targets.where(targets.notna(), None)  # nullable ints: pd.NA → None
    analysis.score_targets(district, targets).to_csv(
        summary / "targets.csv", index=False)
    if district["scenario"].nunique() > 1:
        analysis.cost_effectiveness(district, "baseline", metrics).to_csv(
            summary / "cost_effectiveness.csv", index=False)
        analysis.rank_probabilities(district, metrics).to_csv(
            summary / "rank_probabilities.csv", index=False)
        analysis.regret_table(district, metrics).to_csv(summary / "regret.csv", index=False)
    if design_points > 1:
        rows = []
        for metric in ("gdp_yi", "theil_gdp_per_capita"):
            for k, param in enumerate(["access.decay", "firms.entry_rate"]):
                for idx, value in (("mu", 0.1), ("mu_star", 0.6 - 0.4 * k), ("sigma", 0.2)):
                    rows.append({"scenario": "baseline", "metric": metric, "year": 2033,
                                 "parameter": param, "method": "morris", "index": idx,
                                 "value": value, "conf": 0.05 if idx == "mu_star" else np.nan})
        pd.DataFrame(rows).to_csv(summary / "sensitivity.csv", index=False)
