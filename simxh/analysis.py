"""Analysis of an experiment's results: the tables behind a policy comparison.

``simxh compare DIR`` (:func:`compare`) reads the consolidated tables of a store and writes,
under ``DIR/summary/``:

- ``summary.csv`` — per scenario, metric and year: n, mean, sd, median and quantiles;
- ``paired_differences.csv`` — scenario minus reference, paired by (design point, replication),
  which is what common random numbers buy: mean, t-interval, n;
- ``targets.csv`` — for every plan target and scenario, the probability of meeting it (with a
  Wilson score interval) and the growth rate the target implies from the base year;
- ``equity.csv`` — the Theil index of GDP per capita (泰尔指数), its Gini, and the weakest
  town's growth, per scenario and year;
- ``rank_probabilities.csv`` and ``regret.csv`` — per pair unit, how often each scenario ranks
  1st, 2nd, …, and how much it loses to the unit's best scenario (mean, 90th percentile and
  maximum regret);
- ``sensitivity.csv`` — Morris or Sobol indices (SALib) when the design allows, else Spearman
  rank correlations between each uncertain parameter and each output;
- ``metadata.json`` — the confidence level of every interval in these tables and the sources of
  uncertainty the runs sample (``uncertainty_sources``), so that reports label them honestly.

The interval tables also carry the level in a ``confidence`` column. CSV files are written as
UTF-8 with a byte-order mark (``utf-8-sig``) so that Excel opens the Chinese text correctly.

Functions here take plain DataFrames, so they are tested against hand-computed values.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from simxh.errors import UserError, close_match

ID_COLUMNS = ("scenario", "point", "replication", "seed", "year", "town", "zone")
POINT = "point"
PAIR_KEYS = (POINT, "replication")
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
EQUITY_COLUMNS = ("theil_gdp_per_capita", "gini_gdp_per_capita", "weakest_town_growth_pct")
_COMPARATORS: dict[str, Any] = {">=": np.greater_equal, ">": np.greater, "<=": np.less_equal, "<": np.less,
                "==": np.isclose, "=": np.isclose}


UNSWEPT_POINT = -1
"""``point`` of an unswept scenario's rows (:data:`simxh.design.UNSWEPT_POINT`)."""


def expand_unswept(frame: pd.DataFrame) -> pd.DataFrame:
    """Pair every design point with the scenarios the design does not sweep: their rows (``point``
    −1, run once per replication) are repeated at each design point of the table, so that pairing
    by (point, replication) compares each point's runs with the same unswept runs. A table
    without such rows, or without other points, is returned as it is."""
    if POINT not in frame.columns:
        return frame
    unswept = frame[POINT] == UNSWEPT_POINT
    points = sorted(int(p) for p in pd.unique(frame.loc[~unswept, POINT]))
    if not unswept.any() or not points:
        return frame
    rows = frame[unswept]
    parts = [frame[~unswept]] + [rows.assign(**{POINT: p}) for p in points]
    return pd.concat(parts, ignore_index=True)


def metric_columns(frame: pd.DataFrame, design_columns: Sequence[str] = ()) -> list[str]:
    """Numeric output columns (not identifiers, not design-point parameters)."""
    skip = set(ID_COLUMNS) | set(design_columns)
    return [c for c in frame.columns
            if c not in skip and pd.api.types.is_numeric_dtype(frame[c])
            and not pd.api.types.is_bool_dtype(frame[c])]


def _select(frame: pd.DataFrame, metrics: Sequence[str] | None,
            years: Sequence[int] | None) -> tuple[pd.DataFrame, list[str]]:
    metrics = list(metrics) if metrics else metric_columns(frame)
    missing = [m for m in metrics if m not in frame.columns]
    if missing:
        names = metric_columns(frame)
        raise UserError(f"unknown metric{close_match(missing[0], names)}", value=missing[0],
                        expected="one of " + ", ".join(names))
    if years:
        frame = frame[frame["year"].isin(list(years))]
    return frame, metrics


def summary_stats(frame: pd.DataFrame, metrics: Sequence[str] | None = None,
                  years: Sequence[int] | None = None,
                  quantiles: Sequence[float] = QUANTILES) -> pd.DataFrame:
    """Per scenario, metric and year: n, mean, sd, and the given quantiles (q50 = median).

    ``frame`` is a district table (one row per run and year); the scenario order is kept.
    """
    frame, metrics = _select(frame, metrics, years)
    order = list(dict.fromkeys(frame["scenario"]))
    long = frame.melt(id_vars=["scenario", "year"], value_vars=metrics, var_name="metric")
    grouped = long.groupby(["scenario", "metric", "year"], sort=False)["value"]
    out = grouped.agg(n="count", mean="mean", sd="std")
    for q in quantiles:
        out[f"q{round(100 * q):02d}"] = grouped.quantile(q)
    out["median"] = grouped.median()
    out = out.reset_index()
    out["scenario"] = pd.Categorical(out["scenario"], categories=order, ordered=True)
    out["metric"] = pd.Categorical(out["metric"], categories=metrics, ordered=True)
    out = out.sort_values(["scenario", "metric", "year"]).reset_index(drop=True)
    out["scenario"] = out["scenario"].astype(str)
    out["metric"] = out["metric"].astype(str)
    return out


def t_interval(values: np.ndarray, confidence: float = 0.95) -> tuple[float, float, float, int]:
    """Mean and Student-t confidence interval of ``values`` (NaNs dropped): (mean, low, high, n).

    With fewer than two values the interval is (nan, nan)."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    n = int(values.size)
    if n == 0:
        return math.nan, math.nan, math.nan, 0
    mean = float(values.mean())
    if n < 2:
        return mean, math.nan, math.nan, n
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1) * values.std(ddof=1) / math.sqrt(n))
    return mean, mean - half, mean + half, n


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion ``successes / n`` (nan, nan when n = 0).

    Unlike the normal approximation it stays inside [0, 1] and is not degenerate at 0 or 1
    (Wilson 1927; Brown, Cai & DasGupta 2001)."""
    if n <= 0:
        return math.nan, math.nan
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    p = successes / n
    denom = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def paired_differences(frame: pd.DataFrame, reference: str,
                       metrics: Sequence[str] | None = None, years: Sequence[int] | None = None,
                       confidence: float = 0.95) -> pd.DataFrame:
    """Scenario minus reference, paired by design point and replication (common random
    numbers), with a Student-t interval of the mean difference.

    Columns: scenario, reference, metric, year, mean, ci_low, ci_high, n. Runs missing in
    either scenario (failed, pending) drop out of the pairs.
    """
    frame, metrics = _select(expand_unswept(frame), metrics, years)
    scenarios = list(dict.fromkeys(frame["scenario"]))
    if reference not in scenarios:
        raise UserError("unknown reference scenario", value=reference,
                        expected="one of " + ", ".join(scenarios))
    keys = [k for k in PAIR_KEYS if k in frame.columns] + ["year"]
    ref = frame[frame["scenario"] == reference].set_index(keys)[metrics]
    rows: list[dict[str, Any]] = []
    for scenario in scenarios:
        if scenario == reference:
            continue
        other = frame[frame["scenario"] == scenario].set_index(keys)[metrics]
        diff = (other - ref).dropna(how="all")
        diff = diff[diff.index.isin(other.index) & diff.index.isin(ref.index)]
        by_year = diff.groupby(level="year", sort=True)
        for metric in metrics:
            for year, values in by_year[metric]:
                mean, low, high, n = t_interval(values.to_numpy(), confidence)
                rows.append({"scenario": scenario, "reference": reference, "metric": metric,
                             "year": int(year), "mean": mean, "ci_low": low, "ci_high": high,
                             "n": n})
    columns = ["scenario", "reference", "metric", "year", "mean", "ci_low", "ci_high", "n"]
    out = pd.DataFrame(rows, columns=columns)
    if not out.empty:
        out["metric"] = pd.Categorical(out["metric"], categories=metrics, ordered=True)
        out["scenario"] = pd.Categorical(out["scenario"], categories=scenarios, ordered=True)
        out = out.sort_values(["scenario", "metric", "year"]).reset_index(drop=True)
        out["metric"] = out["metric"].astype(str)
        out["scenario"] = out["scenario"].astype(str)
    return out


# --------------------------------------------------------------------------------------------
# Plan targets
# --------------------------------------------------------------------------------------------


def implied_growth_pct(base_value: float, target_value: float, base_year: int,
                       year: int) -> float:
    """The constant annual growth (%) that takes ``base_value`` in ``base_year`` to
    ``target_value`` in ``year``: 100·((target/base)^(1/(year−base_year)) − 1).

    E.g. GDP 1011.25亿 (2023) → 3300亿 (2033) implies 12.6% a year."""
    if year <= base_year or not base_value or base_value <= 0 or target_value <= 0:
        return math.nan
    return 100.0 * ((target_value / base_value) ** (1.0 / (year - base_year)) - 1.0)


def _target_years(target: pd.Series, available: Sequence[int]) -> list[int]:
    year = _int_or_none(target.get("year"))
    end = _int_or_none(target.get("year_end"))
    if year is None and end is None:
        return [max(available)] if available else []
    if year is None:
        year = end
    assert year is not None  # both None returned above
    if end is None or end == year:
        return [year]
    return [y for y in range(year, end + 1)]


def _int_or_none(value: Any) -> int | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)) or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


NOMINAL, REAL = "nominal", "real"
MONEY_UNIT = "亿元"
PRICE_COLUMN = "price_index"
"""The run's GDP deflator relative to the base year (its own macro path): nominal = real × it."""
NOMINAL_SUFFIX, REAL_SUFFIX = "_nominal_yi", "_yi"


def target_basis(target: pd.Series) -> str:
    """``nominal`` for a plan's money figure (unit 亿元: the plan states current prices, so a
    column ``basis`` of the targets table may say ``real`` instead), ``real`` for that, else
    '' (counts, shares, growth rates)."""
    stated = str(target.get("basis", "") or "").strip()
    if stated in (NOMINAL, REAL):
        return stated
    kind = str(target.get("kind", "") or "")
    return NOMINAL if str(target.get("unit", "")) == MONEY_UNIT and kind != "mean_growth" else ""


COUNT_UNITS = frozenset({"villages", "firms"})
"""Target units that count things (villages, firms over a threshold): their implied growth is
not a rate (6 → 10 villages is not '+14 % a year'), so it is left empty; compare ``base_value``
with ``value`` instead."""


def score_targets(frame: pd.DataFrame, targets: pd.DataFrame, *, base_year: int = 2023,
                  reference: str | None = None, confidence: float = 0.95) -> pd.DataFrame:
    """The probability that each scenario meets each plan target, over its runs.

    ``targets`` has an ``id`` index (or column) and columns metric, comparator, value, year,
    year_end (optional) and kind (optional; ``simxh/data/targets.csv``). A target with
    ``year``..``year_end`` must hold in every year of the span (kinds ``level``, ``annual``);
    ``kind = "average"`` compares the span's mean instead, and ``kind = "mean_growth"`` the
    average annual growth over the span: the geometric mean of (1 + g/100) over the years
    after ``year`` (10 years for 2023–2033), i.e. the compound rate. Targets on metrics the
    model does not output are listed with probability NaN and a note.

    Columns: scenario, target, metric, year, comparator, value, probability, probability_low,
    probability_high, n, base_value, implied_growth_pct, note; ``probability_low``/``_high``
    are the Wilson score interval of the probability at ``confidence`` (runs are independent
    draws of the same scenario). ``implied_growth_pct`` is the annual growth from
    the base-year mean of the ``reference`` scenario (default: the first) to the target value
    (for growth targets, the target itself): a property of the target, the same for every
    scenario; empty for counts (:data:`COUNT_UNITS`: compare ``base_value`` with ``value``).
    """
    if "id" in targets.columns:
        targets = targets.set_index("id")
    scenarios = list(dict.fromkeys(frame["scenario"]))
    available = sorted(frame["year"].unique().tolist())
    run_keys = ["scenario"] + [k for k in PAIR_KEYS if k in frame.columns]
    rows: list[dict[str, Any]] = []
    source = frame
    for target_id, t in targets.iterrows():
        metric = str(t["metric"])
        comparator = str(t.get("comparator", ">=")).strip()
        value = float(t["value"])
        kind = str(t.get("kind", "") or "")
        years = _target_years(t, available)
        info = ""
        basis = target_basis(t)
        frame = source
        if basis == NOMINAL and metric in frame.columns and not metric.endswith(NOMINAL_SUFFIX):
            # a plan's money figure is nominal: a real (base-year price) metric is scored at
            # each run's own prices, real × that run's GDP deflator in that year
            if PRICE_COLUMN in frame.columns:
                nominal = metric.removesuffix(REAL_SUFFIX) + NOMINAL_SUFFIX
                frame = frame.assign(**{nominal: frame[metric] * frame[PRICE_COLUMN]})
                metric = nominal
            else:
                info = f"nominal target scored on real {metric}: no {PRICE_COLUMN} column"
        if kind != "mean_growth" and len(years) > 1 and years[0] <= base_year < years[-1]:
            # the base year is observed (calibrated), not simulated: a flow target that spans it
            # is scored on the simulated years only, where policy can make a difference
            years = [y for y in years if y > base_year]
            info = f"scored on {years[0]}–{years[-1]}; {base_year} is the observed base year"
        report_year = years[-1] if years else None
        base: pd.DataFrame | None = None
        problem = ""
        if metric not in frame.columns:
            problem = "metric not in the model outputs"
        elif comparator not in _COMPARATORS:
            problem = f"unknown comparator {comparator!r}"
        elif not years or any(y not in available for y in years):
            problem = "target year outside the simulated years"
        if not problem:
            base = frame[(frame["year"] == base_year)
                         & (frame["scenario"] == (reference or scenarios[0]))]
        is_growth = kind == "mean_growth" or metric.endswith("growth_pct")
        value_real = math.nan
        if basis == NOMINAL and not problem and PRICE_COLUMN in frame.columns:
            # the target in base-year prices at the reference's median deflator of its year
            deflator = frame.loc[(frame["year"] == report_year) & (
                frame["scenario"] == (reference or scenarios[0])), PRICE_COLUMN].median()
            value_real = value / float(deflator) if deflator and deflator > 0 else math.nan
        elif basis == REAL:
            value_real = value
        for scenario in scenarios:
            row = {"scenario": scenario, "target": target_id, "metric": metric,
                   "year": report_year, "comparator": comparator, "value": value,
                   "basis": basis, "value_real": value_real,
                   "probability": math.nan, "probability_low": math.nan,
                   "probability_high": math.nan, "n": 0, "base_value": math.nan,
                   "implied_growth_pct": math.nan, "implied_growth_real_pct": math.nan,
                   "note": problem or info}
            if problem:
                rows.append(row)
                continue
            sub = frame[(frame["scenario"] == scenario) & frame["year"].isin(years)]
            per_run = sub.groupby(run_keys[1:], sort=True)[metric]
            if kind in ("average", "mean"):
                met = _COMPARATORS[comparator](per_run.mean().to_numpy(), value)
            elif kind == "mean_growth":
                later = sub[sub["year"] > years[0]] if len(years) > 1 else sub
                factor = (1.0 + later[metric] / 100.0).groupby(
                    [later[k] for k in run_keys[1:]], sort=True).prod()
                n_years = max(len(years) - 1, 1)
                mean_growth = 100.0 * (factor.to_numpy() ** (1.0 / n_years) - 1.0)
                met = _COMPARATORS[comparator](mean_growth, value)
            else:
                ok = _COMPARATORS[comparator](sub[metric].to_numpy(dtype=float), value)
                met = pd.Series(ok, index=sub.index).groupby(
                    [sub[k] for k in run_keys[1:]], sort=True).all().to_numpy()
                if per_run.size().lt(len(years)).any():
                    row["note"] = "some runs lack some target years"
            row["n"] = int(len(met))
            row["probability"] = float(np.mean(met)) if len(met) else math.nan
            row["probability_low"], row["probability_high"] = wilson_interval(
                int(np.sum(met)), len(met), confidence)
            assert base is not None
            base_values = base[metric]
            if len(base_values):
                row["base_value"] = float(base_values.mean())
            if is_growth:
                row["implied_growth_pct"] = value
            elif str(t.get("unit", "") or "") in COUNT_UNITS:
                pass  # a count of villages or firms: base_value → value, not a growth rate
            elif report_year is not None:
                row["implied_growth_pct"] = implied_growth_pct(row["base_value"], value,
                                                               base_year, report_year)
                # the base year's prices are the real basis: its nominal value is its real one
                row["implied_growth_real_pct"] = implied_growth_pct(
                    row["base_value"], value_real, base_year, report_year)
            rows.append(row)
    return pd.DataFrame(rows, columns=TARGET_COLUMNS)


TARGET_COLUMNS = ["scenario", "target", "metric", "year", "comparator", "value", "basis",
                  "value_real", "probability", "probability_low", "probability_high", "n",
                  "base_value", "implied_growth_pct", "implied_growth_real_pct", "note"]
"""The columns of :func:`score_targets` (``targets.csv``)."""


# --------------------------------------------------------------------------------------------
# Equity and sensitivity
# --------------------------------------------------------------------------------------------


def equity_table(frame: pd.DataFrame, years: Sequence[int] | None = None,
                 confidence: float = 0.95) -> pd.DataFrame:
    """Per scenario and year: mean and interval of the Theil index of GDP per capita across
    towns, its Gini, and the weakest town's growth (%), over runs."""
    present = [c for c in EQUITY_COLUMNS if c in frame.columns]
    if not present:
        return pd.DataFrame(columns=["scenario", "year", "n"])
    if years:
        frame = frame[frame["year"].isin(list(years))]
    rows = []
    order = list(dict.fromkeys(frame["scenario"]))
    for (scenario, year), sub in frame.groupby(["scenario", "year"], sort=False):
        row: dict[str, Any] = {"scenario": scenario, "year": int(year), "n": len(sub)}
        for col in present:
            mean, low, high, _ = t_interval(sub[col].to_numpy(), confidence)
            row[f"{col}_mean"], row[f"{col}_ci_low"], row[f"{col}_ci_high"] = mean, low, high
        rows.append(row)
    out = pd.DataFrame(rows)
    out["_order"] = out["scenario"].map({s: i for i, s in enumerate(order)})
    return out.sort_values(["_order", "year"]).drop(columns="_order").reset_index(drop=True)


def point_means(frame: pd.DataFrame, scenario: str, metric: str, year: int,
                n_points: int) -> np.ndarray:
    """The mean of ``metric`` over replications at each design point (in point order)."""
    sub = frame[(frame["scenario"] == scenario) & (frame["year"] == year)]
    means = sub.groupby("point")[metric].mean()
    return means.reindex(range(n_points)).to_numpy(dtype=float)


def sensitivity_indices(frame: pd.DataFrame, points: pd.DataFrame, design_kind: str,
                        unit: np.ndarray | None, metrics: Sequence[str], years: Sequence[int],
                        *, second_order: bool = False, seed: int = 0) -> pd.DataFrame:
    """Sensitivity of each output to each uncertain parameter, per scenario.

    Morris design → SALib Morris (mu, mu_star, sigma, with mu_star_conf); Saltelli design →
    SALib Sobol (S1, ST with confidence half-widths); any other design with at least 3 points
    → Spearman rank correlation (rho). Outputs are averaged over replications at each point
    first (common random numbers keep that average comparable across points).

    Columns: scenario, metric, year, parameter, method, index, value, conf.
    """
    params = [c for c in points.columns if c != "point"]
    if not params or len(points) < 3:
        return pd.DataFrame(columns=["scenario", "metric", "year", "parameter", "method",
                                     "index", "value", "conf"])
    rows: list[dict[str, Any]] = []
    scenarios = list(dict.fromkeys(frame["scenario"]))
    problem = {"num_vars": len(params), "names": params, "bounds": [[0.0, 1.0]] * len(params)}
    for scenario in scenarios:
        for metric in metrics:
            for year in years:
                y = point_means(frame, scenario, metric, year, len(points))
                base = {"scenario": scenario, "metric": metric, "year": int(year)}
                if not np.all(np.isfinite(y)):
                    continue  # a point without finished runs: indices undefined
                if design_kind == "morris" and unit is not None:
                    from SALib.analyze import morris

                    res = morris.analyze(problem, unit, y, num_resamples=200, seed=seed)
                    for j, name in enumerate(params):
                        for idx, conf in (("mu", None), ("mu_star", "mu_star_conf"),
                                          ("sigma", None)):
                            rows.append({**base, "parameter": name, "method": "morris",
                                         "index": idx, "value": float(res[idx][j]),
                                         "conf": float(res[conf][j]) if conf else math.nan})
                elif design_kind == "saltelli":
                    from SALib.analyze import sobol

                    res = sobol.analyze(problem, y, calc_second_order=second_order,
                                        num_resamples=200, seed=seed)
                    for j, name in enumerate(params):
                        for idx in ("S1", "ST"):
                            rows.append({**base, "parameter": name, "method": "sobol",
                                         "index": idx, "value": float(res[idx][j]),
                                         "conf": float(res[f"{idx}_conf"][j])})
                else:
                    for name in params:
                        x = pd.to_numeric(points[name], errors="coerce").to_numpy(dtype=float)
                        if np.nanstd(x) == 0 or np.nanstd(y) == 0:
                            rho = math.nan
                        else:
                            rho = float(stats.spearmanr(x, y).statistic)
                        rows.append({**base, "parameter": name, "method": "spearman",
                                     "index": "rho", "value": rho, "conf": math.nan})
    return pd.DataFrame(rows, columns=["scenario", "metric", "year", "parameter", "method",
                                       "index", "value", "conf"])


# --------------------------------------------------------------------------------------------
# Cost-effectiveness and rank probabilities
# --------------------------------------------------------------------------------------------

DEFAULT_DISCOUNT_RATE = 0.08
DISCOUNT_RATE_SOURCE = ("China's social discount rate of 8% (社会折现率): NDRC & MOHURD, "
                        "建设项目经济评价方法与参数（第三版）, 2006")
DISCOUNT_RATE_SOURCE_ZH = "国家发展改革委、建设部《建设项目经济评价方法与参数》（第三版，2006）规定的社会折现率8%"
COST_COLUMN = "lever_spend_yi"
"""The money the levers actually paid each year, after budget rationing (亿元, 2023 prices)."""
COST_EPS = 1e-6
"""A mean discounted cost at or below this (亿元, i.e. 100 yuan) counts as no cost: the effect
per 亿 is then undefined (NaN), never infinite."""
BOOTSTRAP_SAMPLES = 2000
SOCIAL_COST_ADD = ("renovation_own_yi", "villages_own_spend_yi")
"""Own money the levers draw from firms and villages (亿元 a year): added to the public money
for the social cost (a column missing from the table counts as zero)."""
SOCIAL_COST_TRANSFERS = ("competition_rent_yi",)
"""Parts of ``lever_spend_yi`` that are transfers within the district (towns' competition rents
reach the projects' firms), left out of the social cost."""
BENEFIT_COLUMN = "gdp_yi"
"""The benefit of the discounted benefit–cost ratio: real GDP (亿元, base-year prices)."""
CE_COLUMNS = ["scenario", "reference", "metric", "year", "effect", "cost_yi", "effect_per_yi",
              "ci_low", "ci_high", "n", "benefit_yi", "social_cost_yi", "benefit_cost_ratio"]
RANK_COLUMNS = ["scenario", "metric", "year", "rank", "probability"]
LOWER_IS_BETTER = frozenset({
    "theil_gdp_per_capita", "gini_gdp_per_capita", "mean_access_min", "debt_yi",
    COST_COLUMN,
})
"""Metrics where a lower value is better (inequality, travel time, debt, money spent); every
other metric (GDP, revenue, jobs, firms, growth) ranks higher-is-better, unless a plan target
on it (``targets.csv``) says ``<``/``<=``."""


def metric_direction(metric: str, targets: pd.DataFrame | None = None) -> int:
    """+1 if a higher value of ``metric`` is better, −1 if a lower one is: a plan target's
    comparator on the metric decides when there is one, else :data:`LOWER_IS_BETTER`."""
    if targets is not None and {"metric", "comparator"} <= set(targets.columns):
        comps = {str(c).strip() for c in targets.loc[targets["metric"] == metric, "comparator"]}
        if comps and comps <= {"<", "<="}:
            return -1
        if comps and comps <= {">", ">="}:
            return 1
    return -1 if metric in LOWER_IS_BETTER else 1


def discounted_cost(spend_diff: pd.DataFrame, base_year: int, rate: float) -> pd.DataFrame:
    """Cumulative discounted cost to each year: ``spend_diff`` has one row per pair unit and
    one column per year (the scenario's lever money minus the reference's, 亿元); the result
    has the same shape, holding Σ_{base_year < t ≤ year} diff_t / (1 + rate)^(t − base_year)
    (0 at and before the base year: its money is the calibrated starting point)."""
    years = np.asarray(spend_diff.columns, dtype=int)
    factor = np.where(years > base_year, (1.0 + rate) ** -(years - base_year).astype(float), 0.0)
    values = spend_diff.to_numpy(dtype=float) * factor[None, :]
    return pd.DataFrame(np.nancumsum(values, axis=1), index=spend_diff.index,
                        columns=spend_diff.columns)


def bootstrap_ratio_interval(effect: np.ndarray, cost: np.ndarray, confidence: float,
                             rng: np.random.Generator, samples: int = BOOTSTRAP_SAMPLES
                             ) -> tuple[float, float]:
    """Percentile interval of mean(effect)/mean(cost) by a paired bootstrap (pair units are
    resampled with replacement, effect and cost together). (nan, nan) with fewer than two
    pairs, or when some resample's mean cost is at or below :data:`COST_EPS` (the ratio is then
    unbounded, so no finite interval covers it)."""
    n = len(effect)
    if n < 2:
        return math.nan, math.nan
    idx = rng.integers(0, n, size=(samples, n))
    cost_b = cost[idx].mean(axis=1)
    if np.any(cost_b <= COST_EPS):
        return math.nan, math.nan
    ratio = effect[idx].mean(axis=1) / cost_b
    lo, hi = np.quantile(ratio, [(1 - confidence) / 2, (1 + confidence) / 2])
    return float(lo), float(hi)


def social_cost(frame: pd.DataFrame) -> pd.Series:
    """The year's social cost of the levers (亿元): public money (``lever_spend_yi``) less the
    transfers in it (:data:`SOCIAL_COST_TRANSFERS`), plus the firms' and villages' own money
    (:data:`SOCIAL_COST_ADD`); columns the table lacks count as zero."""
    cost = frame[COST_COLUMN].astype(float)
    for col in SOCIAL_COST_TRANSFERS:
        if col in frame.columns:
            cost = cost - frame[col].astype(float)
    for col in SOCIAL_COST_ADD:
        if col in frame.columns:
            cost = cost + frame[col].astype(float)
    return cost


def cost_effectiveness(frame: pd.DataFrame, reference: str,
                       metrics: Sequence[str] | None = None, years: Sequence[int] | None = None,
                       *, discount_rate: float = DEFAULT_DISCOUNT_RATE,
                       confidence: float = 0.95, base_year: int | None = None,
                       seed: int = 0, samples: int = BOOTSTRAP_SAMPLES) -> pd.DataFrame:
    """Effect per 亿元 of lever money, each scenario against the reference.

    Per pair unit (design point, replication): the effect is the scenario's ``metric`` in
    ``year`` minus the reference's (common random numbers), the cost the discounted sum over
    the years after ``base_year`` (default: the first year in the table) up to ``year`` of the
    scenario's ``lever_spend_yi`` minus the reference's, at ``discount_rate`` (to the base
    year). ``effect`` and ``cost_yi`` are their means over pairs, ``effect_per_yi`` the ratio of
    the means (NaN when the mean cost is at or below :data:`COST_EPS`), and ``ci_low``/``ci_high``
    a paired bootstrap percentile interval of that ratio at ``confidence`` (``samples``
    resamples, seeded from ``seed``, the scenario, metric and year: deterministic).

    Beside that single-year ratio, the rows of :data:`BENEFIT_COLUMN` carry a discounted
    benefit–cost ratio over the whole horizon: ``benefit_yi`` is the mean discounted sum of
    ΔGDP over the years after the base year up to ``year``, ``social_cost_yi`` the mean
    discounted sum of the difference in :func:`social_cost` (public money without transfers,
    plus the firms' and villages' own), ``benefit_cost_ratio`` their ratio (NaN for the other
    metrics, or when the social cost is at or below :data:`COST_EPS`).

    Columns: :data:`CE_COLUMNS`. Empty when the table has no ``lever_spend_yi``.
    """
    from simxh.rng import stream

    if COST_COLUMN not in frame.columns:
        return pd.DataFrame(columns=CE_COLUMNS)
    frame = expand_unswept(frame)
    all_years = sorted(int(y) for y in frame["year"].unique())
    base = int(base_year if base_year is not None else all_years[0])
    sel, metrics = _select(frame, metrics, years)
    wanted_years = sorted(int(y) for y in sel["year"].unique())
    scenarios = list(dict.fromkeys(frame["scenario"]))
    if reference not in scenarios:
        raise UserError("unknown reference scenario", value=reference,
                        expected="one of " + ", ".join(scenarios))
    keys = [k for k in PAIR_KEYS if k in frame.columns]
    spend = frame.pivot_table(index=["scenario", *keys], columns="year", values=COST_COLUMN,
                              aggfunc="first")
    values = sel.set_index(["scenario", *keys, "year"])[metrics]
    rows: list[dict[str, Any]] = []
    ref_spend = spend.loc[reference]
    ref_values = values.xs(reference, level="scenario")
    with_social = frame.assign(_social=social_cost(frame))
    social = with_social.pivot_table(index=["scenario", *keys], columns="year",
                                     values="_social", aggfunc="first")
    benefit = (frame.pivot_table(index=["scenario", *keys], columns="year",
                                 values=BENEFIT_COLUMN, aggfunc="first")
               if BENEFIT_COLUMN in frame.columns else None)
    for scenario in scenarios:
        if scenario == reference:
            continue
        diff = spend.loc[scenario] - ref_spend
        cost = discounted_cost(diff.dropna(how="all"), base, discount_rate)
        soc = discounted_cost((social.loc[scenario] - social.loc[reference]).dropna(how="all"),
                              base, discount_rate)
        ben = (None if benefit is None else discounted_cost(
            (benefit.loc[scenario] - benefit.loc[reference]).dropna(how="all"), base,
            discount_rate))
        effect_all = values.xs(scenario, level="scenario") - ref_values
        for metric in metrics:
            for year in wanted_years:
                try:
                    eff = effect_all[metric].xs(year, level="year")
                except KeyError:
                    continue
                c = cost[year] if year in cost.columns else pd.Series(dtype=float)
                pair = pd.concat([eff.rename("effect"), c.rename("cost")], axis=1,
                                 join="inner").dropna()
                e, k = pair["effect"].to_numpy(float), pair["cost"].to_numpy(float)
                n = len(pair)
                mean_e = float(e.mean()) if n else math.nan
                mean_c = float(k.mean()) if n else math.nan
                ratio = mean_e / mean_c if n and mean_c > COST_EPS else math.nan
                lo = hi = math.nan
                if math.isfinite(ratio):
                    rng = stream(seed, "bootstrap", scenario, metric, int(year))
                    lo, hi = bootstrap_ratio_interval(e, k, confidence, rng, samples)
                mean_b = mean_s = bcr = math.nan
                if metric == BENEFIT_COLUMN and ben is not None and year in ben.columns:
                    bs = pd.concat([ben[year].rename("b"), soc[year].rename("s")], axis=1,
                                   join="inner").dropna()
                    if len(bs):
                        mean_b, mean_s = float(bs["b"].mean()), float(bs["s"].mean())
                        bcr = mean_b / mean_s if mean_s > COST_EPS else math.nan
                rows.append({"scenario": scenario, "reference": reference, "metric": metric,
                             "year": int(year), "effect": mean_e, "cost_yi": mean_c,
                             "effect_per_yi": ratio, "ci_low": lo, "ci_high": hi, "n": n,
                             "benefit_yi": mean_b, "social_cost_yi": mean_s,
                             "benefit_cost_ratio": bcr})
    return pd.DataFrame(rows, columns=CE_COLUMNS)


def paired_units(frame: pd.DataFrame, metrics: Sequence[str] | None = None,
                 years: Sequence[int] | None = None,
                 directions: dict[str, int] | None = None
                 ) -> Iterator[tuple[str, int, list[str], np.ndarray]]:
    """The scenarios side by side per pair unit, oriented so that larger is better: for each
    metric and year, ``(metric, year, scenarios, w)`` where ``w`` is a units × scenarios array
    of ``direction × value`` (``directions[metric]`` +1 when higher values are better, −1 when
    lower ones are; default :func:`metric_direction`). A unit is a (design point, replication);
    an unswept scenario's runs (point −1) are paired with every point
    (:func:`expand_unswept`); units lacking any scenario's value are left out. Scenarios keep
    the table's order. Shared by :func:`rank_probabilities` and :func:`regret_table`."""
    frame, metrics = _select(expand_unswept(frame), metrics, years)
    scenarios = list(dict.fromkeys(frame["scenario"]))
    keys = [k for k in PAIR_KEYS if k in frame.columns]
    for metric in metrics:
        sign = (directions or {}).get(metric, metric_direction(metric))
        wide = frame.pivot_table(index=[*keys, "year"], columns="scenario", values=metric,
                                 aggfunc="first", dropna=False)
        wide = wide.reindex(columns=scenarios).dropna(how="any")
        for year, part in wide.groupby(level="year", sort=True):
            w = sign * part.to_numpy(dtype=float)
            if len(w):
                yield metric, int(year), scenarios, w


def _order_rows(out: pd.DataFrame, scenarios: Sequence[str],
                extra: Sequence[str] = ()) -> pd.DataFrame:
    """Rows sorted by scenario (in the given order), metric (in the rows' order), year and
    ``extra``."""
    if out.empty:
        return out
    metrics = list(dict.fromkeys(out["metric"]))
    out = out.assign(_s=out["scenario"].map({n: i for i, n in enumerate(scenarios)}),
                     _m=out["metric"].map({m: i for i, m in enumerate(metrics)}))
    out = out.sort_values(["_s", "_m", "year", *extra]).drop(columns=["_s", "_m"])
    return out.reset_index(drop=True)


def rank_probabilities(frame: pd.DataFrame, metrics: Sequence[str] | None = None,
                       years: Sequence[int] | None = None,
                       directions: dict[str, int] | None = None) -> pd.DataFrame:
    """The probability that each scenario ranks 1st, 2nd, … on each metric and year.

    Within each pair unit (design point, replication) the scenarios are ranked on the metric
    (1 = best; ``directions[metric]`` +1 ranks higher values first, −1 lower values first;
    default :func:`metric_direction`); units lacking a scenario's value are left out. Exactly
    equal values share their ranks evenly (two scenarios tied for 1st get probability ½ each of
    rank 1 and of rank 2), so for each metric and year the probabilities of every scenario sum
    to 1 over ranks, and those of every rank sum to 1 over scenarios.

    Columns: :data:`RANK_COLUMNS`.
    """
    rows: list[dict[str, Any]] = []
    scenarios: list[str] = []
    for metric, year, scenarios, w in paired_units(frame, metrics, years, directions):
        s = len(scenarios)
        better = (w[:, None, :] > w[:, :, None]).sum(axis=2)   # units × scenarios
        ties = (w[:, None, :] == w[:, :, None]).sum(axis=2)
        r = np.arange(s)[None, None, :]
        share = np.where((r >= better[:, :, None]) & (r < (better + ties)[:, :, None]),
                         1.0 / ties[:, :, None], 0.0)
        prob = share.mean(axis=0)                              # scenarios × ranks
        for j, scenario in enumerate(scenarios):
            for rank in range(s):
                rows.append({"scenario": scenario, "metric": metric, "year": year,
                             "rank": rank + 1, "probability": float(prob[j, rank])})
    out = pd.DataFrame(rows, columns=RANK_COLUMNS)
    return _order_rows(out, scenarios, ["rank"])


REGRET_COLUMNS = ["scenario", "metric", "year", "mean_regret", "p90_regret", "max_regret", "n"]
REGRET_QUANTILE = 0.9


def regret_table(frame: pd.DataFrame, metrics: Sequence[str] | None = None,
                 years: Sequence[int] | None = None,
                 directions: dict[str, int] | None = None) -> pd.DataFrame:
    """How much each scenario loses to the best one, per pair unit (design point,
    replication), on each metric and year: its regret in a unit is the gap between the best
    scenario's value in that unit and its own, in the metric's units and oriented by the
    metric's direction (:func:`metric_direction`: for GDP the best is the highest, for the
    Theil index the lowest), so it is 0 for the unit's winner and never negative. Pairing is
    that of :func:`rank_probabilities` (:func:`paired_units`); every scenario of the table
    takes part, the reference too.

    Columns: :data:`REGRET_COLUMNS` — the mean, the 90th percentile (linear interpolation)
    and the maximum of the regret over the n units.
    """
    rows: list[dict[str, Any]] = []
    scenarios: list[str] = []
    for metric, year, scenarios, w in paired_units(frame, metrics, years, directions):
        regret = w.max(axis=1, keepdims=True) - w              # units × scenarios, ≥ 0
        p90 = np.quantile(regret, REGRET_QUANTILE, axis=0)
        for j, scenario in enumerate(scenarios):
            rows.append({"scenario": scenario, "metric": metric, "year": year,
                         "mean_regret": float(regret[:, j].mean()),
                         "p90_regret": float(p90[j]), "max_regret": float(regret[:, j].max()),
                         "n": int(len(regret))})
    out = pd.DataFrame(rows, columns=REGRET_COLUMNS)
    return _order_rows(out, scenarios)


# --------------------------------------------------------------------------------------------
# The whole comparison
# --------------------------------------------------------------------------------------------


def per_design_point(frame: pd.DataFrame, points: pd.DataFrame, pooled: pd.DataFrame,
                     make: Any) -> pd.DataFrame:
    """A table read per design point: the ``pooled`` rows (over every point; ``point`` empty)
    followed by ``make(rows)`` for the rows of each design point together with the unswept
    scenarios' rows (``point`` −1), with the point's id and factor values as columns after the
    scenario columns. The unswept scenarios' rows are left out of the per-point parts (they
    would repeat their pooled rows). Without a design (no factor columns), ``pooled`` as is."""
    factors = [c for c in points.columns if c != POINT]
    if POINT not in frame.columns or not factors:
        return pooled
    unswept = set(frame.loc[frame[POINT] == UNSWEPT_POINT, "scenario"])
    ids = sorted(int(p) for p in pd.unique(frame[POINT]) if p != UNSWEPT_POINT)
    parts = [pooled.assign(**{POINT: pd.NA})]
    for p in ids:
        part = make(frame[frame[POINT].isin([p, UNSWEPT_POINT])])
        parts.append(part[~part["scenario"].isin(unswept)].assign(**{POINT: p}))
    out = pd.concat([p for p in parts if len(p)] or parts[:1], ignore_index=True)
    out[POINT] = out[POINT].astype("Int64")
    table = points.set_index(POINT) if POINT in points.columns else points
    for factor in factors:
        out[factor] = out[POINT].map(table[factor].to_dict())
    lead = [c for c in ("scenario", "reference") if c in out.columns]
    rest = [c for c in out.columns if c not in {*lead, POINT, *factors}]
    return out[[*lead, POINT, *factors, *rest]]


def load_targets(selection: Sequence[str] | str = "all") -> pd.DataFrame | None:
    """The plan targets from the region data (``simxh/data/targets.csv``), or None."""
    if selection == "none":
        return None
    try:
        from simxh.datafiles import load_region_data
    except ImportError:
        return None
    targets = load_region_data().targets
    if isinstance(selection, str):
        return targets
    unknown = [t for t in selection if t not in targets.index]
    if unknown:
        raise UserError("unknown target", value=unknown[0],
                        expected="one of " + ", ".join(map(str, targets.index)))
    return targets.loc[list(selection)]


def consolidated_runs(root: str | Path) -> int:
    """How many runs ``district.parquet`` holds (distinct scenario, point, replication)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from simxh.store import read_table, unreadable_table

    path = Path(root) / "district.parquet"
    try:
        names = set(pq.read_schema(path).names)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise unreadable_table(path, exc) from None
    keys = [k for k in ("scenario", *PAIR_KEYS) if k in names]
    return int(len(read_table(path, columns=keys).drop_duplicates()))


def check_arguments(district: pd.DataFrame, all_metrics: Sequence[str], *,
                    metrics: Sequence[str] | None, years: Sequence[int] | None,
                    reference: str | None, outputs: Sequence[str] = (),
                    file: str | Path | None = None) -> None:
    """Refuse a ``--reference``, ``--year`` or ``--metric`` (or an experiment output) that is
    not in the results, naming it and listing the valid ones (with a did-you-mean), before
    any table is computed."""
    scenarios = [str(s) for s in dict.fromkeys(district["scenario"])]
    if reference is not None and reference not in scenarios:
        raise UserError(f"no such scenario in the results{close_match(reference, scenarios)}",
                        key="--reference", value=reference,
                        expected="one of " + ", ".join(scenarios))
    available = sorted(int(y) for y in district["year"].unique())
    for year in years or ():
        if year not in available:
            raise UserError("year not in the results", key="--year", value=year,
                            expected="one of " + ", ".join(map(str, available)))
    for metric in metrics or ():
        if metric not in all_metrics:
            raise UserError(f"unknown metric{close_match(metric, all_metrics)}", key="--metric",
                            value=metric, expected="one of " + ", ".join(all_metrics))
    if not metrics:
        for i, metric in enumerate(outputs):
            if metric not in all_metrics:
                raise UserError(f"unknown output{close_match(metric, all_metrics)}", file=file,
                                key=f"experiment.outputs[{i}]", value=metric,
                                expected="one of " + ", ".join(all_metrics))


def compare(root: str | Path, *, metrics: Sequence[str] | None = None,
            years: Sequence[int] | None = None, reference: str | None = None,
            confidence: float = 0.95, targets: pd.DataFrame | None | str = "auto",
            discount_rate: float = DEFAULT_DISCOUNT_RATE,
            write: bool = True) -> dict[str, pd.DataFrame]:
    """Analyse the store at ``root``; returns the tables and writes them to ``root/summary``.

    Metrics and years default to the experiment's ``outputs`` and ``years`` (else every
    output and year); the reference defaults to the experiment's reference scenario.
    ``discount_rate`` discounts the lever money of ``cost_effectiveness.csv`` (default 8%,
    :data:`DISCOUNT_RATE_SOURCE`).
    """
    from simxh.experiment import experiment_from_spec
    from simxh.store import Store, atomic_write_bytes, read_table

    store = Store(Path(root))
    manifest = store.read_manifest()
    path = store.root / "district.parquet"
    if not path.exists():
        raise UserError("no consolidated results yet (district.parquet missing)", file=root,
                        expected="a finished 'simxh run' (or 'simxh run --resume')")
    try:
        experiment = experiment_from_spec(manifest["experiment"]["spec"])
    except (TypeError, ValueError, KeyError) as exc:
        raise UserError(f"damaged manifest: the experiment description cannot be read ({exc})",
                        file=store.manifest_path, key="experiment.spec",
                        expected="the manifest.json written by 'simxh run'") from None
    district = read_table(path)
    for col in ("scenario", "year"):
        if col not in district.columns:
            raise UserError("district.parquet lacks a required column", file=path, key=col,
                            expected="the consolidated table written by 'simxh run'")
    design_path = store.root / "design.parquet"
    has_design = bool((manifest.get("design") or {}).get("columns"))
    points = read_table(design_path) if design_path.exists() or has_design else \
        pd.DataFrame({"point": [0]})
    design_cols = [c for c in points.columns if c != "point"]
    drawn_cols = [u.key for u in experiment.replication_uncertainties]
    all_metrics = metric_columns(district, design_cols + drawn_cols)
    check_arguments(district, all_metrics, metrics=metrics, years=years, reference=reference,
                    outputs=experiment.outputs, file=experiment.file or store.manifest_path)
    metrics = list(metrics or experiment.outputs or all_metrics)
    years = list(years or experiment.years or sorted(district["year"].unique().tolist()))
    reference = reference or manifest.get("reference") or experiment.reference.name

    tables: dict[str, pd.DataFrame] = {}
    tables["summary"] = summary_stats(district, metrics, years)
    if district["scenario"].nunique() > 1:
        # a design is read per point (point, factor columns), after the pooled rows
        tables["paired_differences"] = per_design_point(
            district, points, paired_differences(district, reference, metrics, years,
                                                 confidence),
            lambda rows: paired_differences(rows, reference, metrics, years, confidence))
    else:
        tables["paired_differences"] = pd.DataFrame(
            columns=["scenario", "reference", "metric", "year", "mean", "ci_low", "ci_high", "n"])
    if isinstance(targets, str):
        targets = load_targets(experiment.targets)
    if targets is not None:
        tables["targets"] = per_design_point(
            district, points, score_targets(district, targets, reference=reference,
                                            confidence=confidence),
            lambda rows: score_targets(rows, targets, reference=reference,
                                       confidence=confidence))
    tables["equity"] = equity_table(district, years, confidence)
    if district["scenario"].nunique() > 1:
        table_targets = targets if isinstance(targets, pd.DataFrame) else None
        directions = {m: metric_direction(m, table_targets) for m in metrics}
        base_year = int(district["year"].min())
        tables["cost_effectiveness"] = cost_effectiveness(
            district, reference, metrics, years, discount_rate=discount_rate,
            confidence=confidence, base_year=base_year, seed=experiment.seed)
        tables["rank_probabilities"] = rank_probabilities(district, metrics, years, directions)
        tables["regret"] = regret_table(district, metrics, years, directions)
    if design_cols:
        unit = None
        if experiment.design.kind in ("morris", "saltelli"):
            from simxh.design import unit_sample

            seed = experiment.seed if experiment.design.seed is None else experiment.design.seed
            unit = unit_sample(experiment.design, experiment.point_uncertainties, seed)
        tables["sensitivity"] = sensitivity_indices(
            district, points, experiment.design.kind, unit, metrics, years,
            second_order=experiment.design.second_order, seed=experiment.seed % 2**31)
    for name in ("paired_differences", "targets", "equity"):  # the level beside its intervals
        if name in tables:
            tables[name] = tables[name].assign(confidence=confidence)
    if write:
        store.summary_dir.mkdir(exist_ok=True)
        files = {}
        for name, table in tables.items():
            path = write_csv(table, store.summary_dir / f"{name}.csv")
            files[f"{name}.csv"] = {"rows": len(table), "columns": len(table.columns),
                                    "bytes": path.stat().st_size}
        meta = {"confidence": confidence, "reference": reference,
                "uncertainty_sources": uncertainty_sources(manifest),
                "metrics": metrics, "years": [int(y) for y in years],
                "tables": sorted(f"{name}.csv" for name in tables),
                "built_from": _built_from(district, manifest), "files": files}
        if design_cols:
            meta["design"] = {
                "points": int(len(points)), "factors": design_cols,
                "unswept": sorted(set(district.loc[district[POINT] == UNSWEPT_POINT,
                                                   "scenario"])),
                "rows": "paired_differences.csv and targets.csv: the rows with an empty point "
                        "pool every design point, then one row per design point (its id and "
                        "factor values as columns); an unswept scenario runs once per "
                        "replication and is paired with every point"}
        if "cost_effectiveness" in tables:
            meta["cost_effectiveness"] = {
                "discount_rate": discount_rate, "discount_rate_source": DISCOUNT_RATE_SOURCE,
                "discounted_to": base_year, "cost": COST_COLUMN,
                "cost_available": COST_COLUMN in district.columns,
                "interval": f"paired bootstrap percentile interval of the ratio of means "
                            f"({BOOTSTRAP_SAMPLES} resamples of the pair units, seeded from "
                            f"the experiment seed)",
                "undefined_below_yi": COST_EPS}
            meta["rank_probabilities"] = {
                "directions": {m: ("higher" if d > 0 else "lower") + " is better"
                               for m, d in directions.items()},
                "ties": "exactly equal values share their ranks evenly",
                "units": "design point × replication"}
            meta["regret"] = {
                "definition": "per pair unit, the best scenario's value minus the scenario's "
                              "own, oriented by each metric's direction (as in "
                              "rank_probabilities), so 0 for the unit's best and never "
                              "negative; in the metric's units",
                "scenarios": "every compared scenario, the reference included",
                "p90": "90th percentile over the units, linear interpolation",
                "units": "design point × replication (an unswept scenario is paired with "
                         "every point)"}
        atomic_write_bytes(store.summary_dir / SUMMARY_METADATA,
                           (json.dumps(meta, ensure_ascii=False, indent=2) + "\n").encode())
    return tables


SUMMARY_METADATA = "metadata.json"


def _built_from(district: pd.DataFrame, manifest: dict[str, Any]) -> dict[str, Any]:
    """What a summary is computed from: the runs in district.parquet and the replications."""
    keys = [k for k in ("scenario", *PAIR_KEYS) if k in district.columns]
    return {"runs": int(len(district[keys].drop_duplicates())),
            "replications": manifest.get("replications")}


def stale_summary(root: str | Path) -> str:
    """Why ``DIR/summary`` no longer describes the runs, or '' (it does, or there is none):
    the runs in district.parquet or the replications differ from those it was built from
    (``built_from`` in its metadata), or district.parquet is newer than it. Raises a
    UserError when finished runs are not consolidated yet (an interrupted run): a summary
    rebuilt from district.parquet would still leave them out."""
    from simxh.commands.status import status

    root = Path(root)
    summary, district = root / "summary", root / "district.parquet"
    tables = sorted(summary.glob("*.csv")) if summary.is_dir() else []
    if not tables or not district.is_file():
        return ""
    info = status(root, check_files=False)
    runs = consolidated_runs(root)
    if info["done"] > runs:  # finished runs missing from the tables (more there is harmless)
        file = (info["manifest"].get("experiment") or {}).get("file") or "FILE"
        raise UserError(f"{info['done']} runs are finished but district.parquet holds {runs} "
                        f"(an interrupted or running 'simxh run'?)", file=root,
                        expected=f"consolidated tables: finish with simxh run {file} --out "
                        f"{root} --resume")
    meta_path = summary / SUMMARY_METADATA
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        meta = {}
    built = meta.get("built_from") if isinstance(meta, dict) else None
    reps = info["manifest"].get("replications")
    if isinstance(built, dict) and (built.get("runs"), built.get("replications")) != (runs, reps):
        return (f"summary/ was built from {built.get('runs')} runs "
                f"({built.get('replications')} replications); the results now hold {runs} "
                f"runs ({reps} replications)")
    made = meta_path.stat().st_mtime_ns if meta_path.is_file() else \
        min(p.stat().st_mtime_ns for p in tables)
    if district.stat().st_mtime_ns > made:
        return "the runs (district.parquet) are newer than summary/"
    return ""


def refresh_summary(root: str | Path) -> str:
    """Rebuild a stale ``DIR/summary`` (:func:`stale_summary`) with the options it was made
    with (confidence, reference, metrics, years, discount rate); returns why, or ''."""
    reason = stale_summary(root)
    if not reason:
        return ""
    try:
        meta = json.loads((Path(root) / "summary" / SUMMARY_METADATA).read_text(
            encoding="utf-8"))
    except (OSError, ValueError):
        meta = {}
    meta = meta if isinstance(meta, dict) else {}
    rate = (meta.get("cost_effectiveness") or {}).get("discount_rate", DEFAULT_DISCOUNT_RATE)
    compare(root, metrics=meta.get("metrics") or None, years=meta.get("years") or None,
            reference=meta.get("reference") or None,
            confidence=float(meta.get("confidence", 0.95)), discount_rate=float(rate))
    return reason
CSV_ENCODING = "utf-8-sig"
"""CSV files simxh writes: UTF-8 with a byte-order mark, so Excel reads the Chinese text."""

SIMULATION_NOISE = "simulation_noise"
PARAMETER_UNCERTAINTY = "parameters"
LEVER_EFFECTS = "lever_effects"


def write_csv(table: pd.DataFrame, path: str | Path) -> Path:
    """Write ``table`` as CSV in UTF-8 with a BOM (readers: :func:`read_csv`, pandas, Excel),
    atomically: a full disk leaves the previous file or none."""
    from simxh.store import atomic_path

    with atomic_path(path) as tmp:
        table.to_csv(tmp, index=False, encoding=CSV_ENCODING)
    return Path(path)


def read_csv(path: str | Path, **kw: Any) -> pd.DataFrame:
    """Read a CSV simxh wrote (with or without a BOM)."""
    return pd.read_csv(path, encoding=CSV_ENCODING, **kw)


def uncertainty_sources(manifest: dict[str, Any]) -> list[str]:
    """What the spread between runs samples: the manifest's ``uncertainty_sources`` (top
    level or in the experiment's spec) if it lists them, else ``simulation_noise`` (firm-level
    random draws) plus ``parameters`` when the design samples uncertain parameters."""
    exp: Any = manifest.get("experiment") if isinstance(manifest.get("experiment"), dict) else {}
    spec: Any = exp.get("spec") if isinstance(exp.get("spec"), dict) else {}
    for source in (manifest, exp, spec):
        listed = source.get("uncertainty_sources")
        if isinstance(listed, str):
            listed = [listed]
        if isinstance(listed, list) and listed:
            return [str(x) for x in listed]
    out = [SIMULATION_NOISE]
    design: Any = manifest.get("design") if isinstance(manifest.get("design"), dict) else {}
    uncs = [u for u in spec.get("uncertainties") or [] if isinstance(u, dict)]
    if any(u.get("per") == "replication" for u in uncs):
        out.append(LEVER_EFFECTS)
    if any(u.get("per", "point") == "point" for u in uncs) or \
            [c for c in design.get("columns") or [] if c != "point"]:
        out.append(PARAMETER_UNCERTAINTY)
    return out


def widest_interval(frame: pd.DataFrame, reference: str, metric: str, year: int,
                    confidence: float = 0.95) -> float:
    """The widest paired-difference interval of ``metric`` at ``year`` over scenarios."""
    pairs = paired_differences(frame, reference, [metric], [year], confidence)
    widths = (pairs["ci_high"] - pairs["ci_low"]).to_numpy(dtype=float)
    return float(np.nanmax(widths)) if widths.size and np.isfinite(widths).any() else math.nan
