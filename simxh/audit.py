"""The referee report (``simxh audit CONFIG``): checks of a config's economics against the
outside path, the literature and the accounts.

Each check compares one implied quantity with a range: long-run growth and population against
the outside world's path, the zero-driver run (no outside growth, no drift: only replacement
investment), each lever's implied quantities (renovation return, infrastructure elasticity,
cost per project won, integration decomposition, pairing transfer's effect), noise sensitivity
and firm-size stationarity, land against area and the accounting closure. The ranges and their
sources are one table, :data:`RANGES`; the overrides that define the special runs are tables at
the top (:data:`ZERO_DRIVER_OVERRIDES`, :data:`LEVER_OFF`, :data:`INTEGRATION_CHANNELS`) so that
they follow renamed parameters in one place.

Runs (all at the posterior mean, ``estimation.parameter_uncertainty = false``, on seeds
0 … N−1, so every comparison is on common random numbers):

* CONFIG to the end year (2060): long run, stationarity, land, accounts;
* CONFIG with :data:`ZERO_DRIVER_OVERRIDES` to the end year: the zero-driver run;
* CONFIG to the lever horizon (2035) and with ``firms.shock_scale`` × 0.75 and × 1.25: noise;
* for each lever of :data:`LEVERS`: when CONFIG has the lever on, CONFIG against CONFIG with the
  lever off (:data:`LEVER_OFF`; its contribution within the package); when off, CONFIG with the
  lever's settings from ``configs/<lever>.toml`` against CONFIG. Integration also runs with each
  of its channels shut (:data:`INTEGRATION_CHANNELS`) for the decomposition.

Pure functions compute the implied quantities from the runs' yearly tables; each ``check_*``
function returns rows ``(group, check, value, low, high, source, pass, detail)``.
"""

from __future__ import annotations

import itertools
import math
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ISSUE = "issue 19 criterion"

# ---------------------------------------------------------------------------- run definitions
ZERO_DRIVER_OVERRIDES: dict[str, Any] = {
    "macro.external_growth_pct": 0.0,     # the outside world does not grow (no macro shocks)
    "macro.inflation_pct": 0.0,           # no price drift (size thresholds are nominal)
    "firms.tfp_frontier_share": 0.0,      # frontier TFP growth (the frontier is flat anyway)
    "economy.agriculture_tfp_growth": 0.0,
    "labour.natural_growth": 0.0,
    "chenpi.brand_premium_growth": 0.0,
}
"""The zero-driver run: every exogenous driver at zero; investment, entry and exit stay on, so
only replacement investment remains in a stationary economy."""

LEVERS = ("tech_renovation", "infrastructure", "integration", "pairing", "attraction")
"""The levers audited, each with a config ``configs/<lever>.toml``."""

LEVER_OFF: dict[str, dict[str, Any]] = {
    "tech_renovation": {"tech_renovation.enabled": False},
    "infrastructure": {"infrastructure.enabled": False},
    "integration": {"integration.enabled": False},
    "pairing": {"pairing.enabled": False},
    "attraction": {"attraction.effort": 0.0},
}
"""Overrides that switch each lever off."""

INTEGRATION_CHANNELS: dict[str, dict[str, Any]] = {
    "projects": {"integration.pipeline_gain": 0.0},
    "approval": {"integration.approval_delay_years": None},  # None: the non-integrated delay
    "land": {"integration.land_pooling": False, "integration.renewal_bonus": 0.0},
}
"""Integration's channels and the overrides that shut each (the rest of the lever stays on)."""

INFRASTRUCTURE_FROM_OUTSIDE: dict[str, Any] = {"infrastructure.special_bond_share": 0.0,
                                               "infrastructure.transfer_share": 1.0}
"""The infrastructure lever paid wholly by upper-level transfers: its output elasticity is
measured so, without the district budget's crowding-out (which is a cost, counted in the
lever's benefit–cost ratio, not a production effect)."""

BASE_OVERRIDES = {"estimation.parameter_uncertainty": False}


# ---------------------------------------------------------------------------- ranges
@dataclass(frozen=True)
class Range:
    low: float
    high: float
    source: str


RANGES: dict[str, Range] = {
    "growth_late_minus_early": Range(
        -math.inf, 0.0, f"{ISSUE}: mean growth after the split no higher than before"),
    "growth_excess_over_outside": Range(
        -math.inf, 2.5, f"{ISSUE}: at most 2.5 points above the outside world's growth"),
    "population_ratio": Range(0.8, 1.4, f"{ISSUE}: end-year population 0.8–1.4 × 2023"),
    "zero_driver_growth": Range(-0.5, 0.5, f"{ISSUE}: zero-driver mean GDP growth within ±0.5 %/yr"),
    "zero_driver_population": Range(0.95, 1.05, f"{ISSUE}: zero-driver population within ±5 %"),
    "noise_gdp_change": Range(-2.0, 2.0, f"{ISSUE}: shock scale ±25 % moves mean GDP ≤ 2 % "
                              "(the paired 95 % interval must lie inside)"),
    "top_share_trend": Range(-math.inf, math.inf, f"{ISSUE}: top firm's share does not trend "
                             "(range: ± the 95 % interval half-width of the seeds' mean slope)"),
    "zipf_exponent": Range(-math.inf, math.inf, f"{ISSUE}: Zipf tail exponent within its 2023 "
                           "range (Hill, top 10 % of firm value added; 2023 seeds ± 2 s.e.)"),
    "park_land_ratio": Range(0.0, 1.0 + 1e-9, "physical: land used in a park ≤ its area "
                             "(firms' land, free land and approved projects' land; up to "
                             "rounding)"),
    "accounts_failures": Range(0.0, 0.0, "accounting closure: model.check_accounts() "
                               "every year"),
    "renovation_return": Range(
        0.10, 0.30, "Bai, Hsieh & Qian (2006, BPEA): China's gross return to capital (capital "
        "income / capital) ≈ 20 %/yr; band 10–30 % (assumed width). Measured as ΔGDP × capital's "
        "income share of value added (1 − φ(1 − α)) / Δ net renovation capital: an upper bound, "
        "since ΔGDP also holds the local services it induces"),
    "infrastructure_elasticity": Range(
        0.04, 0.20, "Bom & Ligthart (2014, J Econ Surveys): output elasticity of public "
        "capital 0.08, core/regional 0.12; band 0.04–0.20 (assumed width)"),
    "cost_per_project": Range(
        0.002, 0.05, "Harding & Javorcik (2011, EJ): US$1 of promotion brings US$189 of FDI "
        "(≈ 0.005 per unit invested, an average); band 0.002–0.05 of the mean project's "
        "investment (marginal cost up to 10× the average: assumed)"),
    "integration_effect": Range(
        0.0, 12.0, "Alder, Shao & Zilibotti (2016, J Econ Growth): a major economic zone "
        "raises city GDP ≈ 12 % (an upper bound for integrating existing zones), % in the "
        "first lever year"),
    "integration_unexplained": Range(
        0.0, 0.5, "modelling criterion: the three channels (projects, approval, land) explain "
        "the effect: the effect left with all three shut, |residual| / |total| ≤ 0.5 (the parts "
        "are Shapley values, which sum to total − residual; Shorrocks 2013)"),
    "pairing_multiplier": Range(
        0.5, 2.5, "Chodorow-Reich (2019, AEJ Policy): cross-sectional fiscal multiplier ≈ 1.8; "
        "band 0.5–2.5 of the surveyed estimates. Measured on the transfer alone "
        "(pairing.kinds = money): the capacity and referral channels move projects between "
        "towns and are not a fiscal multiplier"),
}
"""Each check's range and its source (literature, or the issue's derived criteria)."""

COLUMNS = ("group", "check", "value", "low", "high", "source", "pass", "detail")


def row(group: str, check: str, value: float, key: str, *, low: float | None = None,
        high: float | None = None, passed: bool | None = None, detail: str = "",
        source: str | None = None) -> dict[str, Any]:
    """One report row: ``value`` against the range ``RANGES[key]`` (or the ``low``/``high``
    given); pass unless ``passed`` says otherwise. A NaN value fails."""
    r = RANGES[key]
    lo = r.low if low is None else low
    hi = r.high if high is None else high
    ok = bool(np.isfinite(value) and lo <= value <= hi) if passed is None else bool(passed)
    return {"group": group, "check": check, "value": float(value), "low": float(lo),
            "high": float(hi), "source": r.source if source is None else source, "pass": ok,
            "detail": detail}


# ---------------------------------------------------------------------------- settings
@dataclass(frozen=True)
class Settings:
    """Years and seeds of an audit."""

    seeds: tuple[int, ...] = tuple(range(16))
    end_year: int = 2060
    split_year: int = 2035        # long run: growth in (start, split] vs (split, end]
    lever_years: tuple[int, ...] = (2033, 2035)
    noise_year: int = 2033
    start_year: int = 2023

    @property
    def lever_end(self) -> int:
        return max(self.lever_years)


def settings_for(end_year: int = 2060, seeds: int = 16, quick: bool = False,
                 start_year: int = 2023) -> Settings:
    """The audit's years: the issue's (2024–2035 vs 2036–2060, levers in 2033 and 2035) or,
    ``quick``, a few years (levers and noise at the end year, the split half way)."""
    if quick:
        end_year = min(end_year, start_year + 4)
    split = 2035 if end_year > 2035 + 1 else (start_year + end_year) // 2
    lever_years = tuple(y for y in (2033, 2035) if y <= end_year) or (end_year - 1, end_year)
    noise_year = 2033 if end_year >= 2033 else end_year
    return Settings(seeds=tuple(range(seeds)), end_year=end_year, split_year=split,
                    lever_years=lever_years, noise_year=noise_year, start_year=start_year)


# ---------------------------------------------------------------------------- pure functions
def mean_growth(d: pd.DataFrame, first: int, last: int, column: str = "gdp_growth_pct") -> float:
    """Mean of ``column`` over the years ``first``…``last`` (one run's district table)."""
    sel = (d["year"] >= first) & (d["year"] <= last)
    return float(d.loc[sel, column].mean())


def hill_exponent(values: np.ndarray, top_share: float = 0.1) -> tuple[float, float]:
    """Hill (1975) estimate of the Pareto tail exponent of the top ``top_share`` of the positive
    ``values``, and its standard error α/√k. (Zipf's law: α ≈ 1.)"""
    x = np.sort(np.asarray(values, dtype=float)[np.asarray(values) > 0])[::-1]
    k = int(len(x) * top_share)
    if k < 2:
        return math.nan, math.nan
    logs = np.log(x[:k] / x[k])
    alpha = k / float(logs.sum()) if logs.sum() > 0 else math.nan
    return alpha, alpha / math.sqrt(k)


def top_share(values: np.ndarray) -> float:
    """The largest value's share of the (positive) total."""
    x = np.asarray(values, dtype=float)
    total = float(x[x > 0].sum())
    return float(x.max() / total) if total > 0 else math.nan


def slope(years: np.ndarray, values: np.ndarray) -> float:
    """OLS slope of ``values`` on ``years``."""
    y = np.asarray(years, dtype=float)
    v = np.asarray(values, dtype=float)
    ok = np.isfinite(v)
    if ok.sum() < 2:
        return math.nan
    return float(np.polyfit(y[ok], v[ok], 1)[0])


def mean_interval(values: Sequence[float], confidence: float = 0.95) -> tuple[float, float]:
    """Mean and the half-width of its Student-t interval (independent replications)."""
    from scipy import stats

    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if len(v) < 2:
        return (float(v.mean()) if len(v) else math.nan), math.inf
    half = stats.t.ppf(0.5 + confidence / 2, len(v) - 1) * v.std(ddof=1) / math.sqrt(len(v))
    return float(v.mean()), float(half)


def paired_pct_change(variant: Sequence[float], reference: Sequence[float]) -> tuple[float, float]:
    """Mean % change of ``variant`` over ``reference`` (paired by seed: common random numbers)
    and the half-width of its 95 % interval: the per-seed % changes' mean."""
    v, r = np.asarray(variant, dtype=float), np.asarray(reference, dtype=float)
    return mean_interval(100.0 * (v / r - 1.0))


def capital_stock(investment: Sequence[float], depreciation: float) -> np.ndarray:
    """Net stock from yearly gross investment: K_t = (1 − δ) K_{t−1} + I_t, K before = 0
    (perpetual inventory)."""
    k, out = 0.0, []
    for i in investment:
        k = (1.0 - depreciation) * k + float(i)
        out.append(k)
    return np.array(out)


def capital_income_share(returns_to_scale: float, capital_share: float) -> float:
    """Capital's share of a firm's value added, ``1 − φ(1 − α)``: the wage bill is φ(1 − α)
    of VA at the optimal labour of VA = (A·K^α·L^(1−α))^φ; the rest is capital income and the
    rents of decreasing returns (Bai, Hsieh & Qian 2006 count both as capital income)."""
    return 1.0 - returns_to_scale * (1.0 - capital_share)


def implied_return(d_gdp: float, d_capital: float) -> float:
    """Gross return on the extra capital: ΔGDP / ΔK (NaN when no extra capital)."""
    return d_gdp / d_capital if d_capital > 0 else math.nan


def log_elasticity(y_on: float, y_off: float, x_on: float, x_off: float) -> float:
    """Δln y / Δln x between two runs (NaN when x does not change)."""
    dx = math.log(x_on / x_off) if x_on > 0 and x_off > 0 else math.nan
    if not np.isfinite(dx) or abs(dx) < 1e-12:
        return math.nan
    return math.log(y_on / y_off) / dx


def cost_per_unit(d_cost: float, d_units: float) -> float:
    """Δ cost / Δ units (NaN when the lever won no extra units)."""
    return d_cost / d_units if d_units > 0 else math.nan


def decomposition(total: float, without: Mapping[str, float]) -> tuple[dict[str, float], float]:
    """Each channel's part of ``total`` (the effect with every channel on) as the effect lost
    when it alone is shut (``total − without[c]``), and the interaction share
    ``|total − Σ parts| / |total|`` (leave-one-out: shown beside the Shapley parts)."""
    parts = {c: total - w for c, w in without.items()}
    inter = abs(total - sum(parts.values())) / abs(total) if total else math.inf
    return parts, inter


def shapley_parts(effect: Mapping[frozenset[str], float], channels: Sequence[str]
                  ) -> dict[str, float]:
    """Shapley decomposition of an effect among ``channels`` (Shorrocks 2013, *J. Economic
    Inequality* 11(1)): ``effect[S]`` is the effect with only the channels in ``S`` open (every
    subset, the empty one included). Each channel's part is its marginal contribution averaged
    over the orders in which the channels could be opened, so the parts add up exactly to
    ``effect[all] − effect[none]`` whatever the interactions."""
    n = len(channels)
    out = {}
    for c in channels:
        others = [x for x in channels if x != c]
        total = 0.0
        for k in range(n):
            for subset in itertools.combinations(others, k):
                s = frozenset(subset)
                weight = math.factorial(k) * math.factorial(n - k - 1) / math.factorial(n)
                total += weight * (effect[s | {c}] - effect[s])
        out[c] = total
    return out


# ---------------------------------------------------------------------------- the runs
@dataclass(frozen=True)
class Task:
    key: str                       # "base", "zero", "c2035", "noise0.75", "lever:...", ...
    config: str | None
    overrides: tuple[tuple[str, Any], ...]
    seed: int
    end_year: int


@dataclass
class RunRecord:
    """One run's yearly tables: the district table, the towns' GDP, and the audit's extras
    (public capital, renovation investment, firm-size tail, park land, accounts)."""

    district: pd.DataFrame
    town_gdp: pd.DataFrame                 # year × town
    extras: pd.DataFrame
    recipients: list[str] = field(default_factory=list)
    account_errors: list[str] = field(default_factory=list)


def _extras(m: Any) -> dict[str, Any]:
    f = m.firms
    va = f.value_added_yi[f.alive]
    alpha, se = hill_exponent(va)
    park = m.towns_labour.node_land_mu()[m.nt:] / m.park_area_mu
    led, tled = m.government.ledger, m.government.town_ledger
    return {"year": m.year, "public_capital_yi": float(np.sum(m.finance.public_capital_yi)),
            "renovation_investment_yi": float(m.year_stats.get("renovation_investment_yi", 0.0)),
            "renovation_subsidy_yi": float(led.get("spend_tech_renovation", 0.0)),
            "pairing_received_yi": float(np.sum(tled.get("in_pairing", 0.0))),
            "hill_alpha": alpha, "hill_se": se, "top_share": top_share(va),
            "park_land_ratio": float(park.max()) if len(park) else 0.0,
            "park_land_worst": m.region.park_ids[int(np.argmax(park))] if len(park) else ""}


def run_task(task: Task) -> RunRecord:
    """Run one audit simulation, recording the extras and the accounts every year."""
    from simxh.config import coerce_config
    from simxh.model import XinhuiModel
    from simxh.simulation import result_tables, shared_region

    cfg = coerce_config(task.config, {**dict(task.overrides), "run.end_year": task.end_year})
    m = XinhuiModel(cfg, seed=task.seed, region=shared_region(cfg))
    extras, errors = [_extras(m)], []
    while m.running and m.year < m.end_year:
        m.step()
        try:
            m.check_accounts()
        except AssertionError as exc:
            errors.append(f"{m.year}: {exc or 'identity failed'}")
        extras.append(_extras(m))
    tables = result_tables(m, villages=False)
    towns = tables.towns.pivot(index="year", columns="town", values="gdp_yi")
    ids = m.region.town_ids
    recipients = sorted({ids[r] for _, r in m.cooperation.pairs})
    return RunRecord(tables.district, towns, pd.DataFrame(extras), recipients, errors)


def _flatten(tree: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in tree.items():
        if isinstance(v, Mapping):
            out.update(_flatten(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def lever_settings(lever: str, folder: Path) -> dict[str, Any]:
    """The settings of ``configs/<lever>.toml`` (its own tables, without ``extends``)."""
    from simxh.errors import UserError

    path = folder / f"{lever}.toml"
    if not path.is_file():
        raise UserError("lever config not found", file=path,
                        expected=f"configs/{lever}.toml next to the audited config")
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    data.pop("extends", None)
    return _flatten(data)


def lever_is_on(cfg: Any, lever: str) -> bool:
    if lever == "attraction":
        return float(cfg.attraction.effort) > 0
    return bool(getattr(cfg, lever).enabled)


@dataclass(frozen=True)
class Plan:
    """The audit's runs: for each scenario key, its overrides (on top of CONFIG) and end year."""

    scenarios: dict[str, tuple[dict[str, Any], int]]
    lever_pairs: dict[str, tuple[str, str]]       # lever → (on key, off key)
    lever_mode: dict[str, str]                    # lever → "in package" | "added"


def channel_subsets() -> list[tuple[str, ...]]:
    """The non-empty subsets of integration's channels that a decomposition run shuts."""
    ch = list(INTEGRATION_CHANNELS)
    return [c for k in range(1, len(ch) + 1) for c in itertools.combinations(ch, k)]


def channel_key(shut: Sequence[str]) -> str:
    """The run key of the integration run with the channels ``shut`` shut."""
    return "integration-shut-" + "+".join(shut)


def plan(config: str | None, settings: Settings, lever_folder: Path) -> Plan:
    """Which runs the audit needs (see the module docstring)."""
    from simxh.config import coerce_config

    cfg = coerce_config(config, BASE_OVERRIDES)
    end, lev = settings.end_year, settings.lever_end
    sc: dict[str, tuple[dict[str, Any], int]] = {
        "base": ({}, end), "zero": (dict(ZERO_DRIVER_OVERRIDES), end), "ref": ({}, lev)}
    scale = float(cfg.firms.shock_scale)
    for f in (0.75, 1.25):
        sc[f"noise{f}"] = ({"firms.shock_scale": scale * f}, lev)
    pairs, mode = {}, {}
    for lever in LEVERS:
        if lever_is_on(cfg, lever):
            on_over: dict[str, Any] = {}
            sc[f"off:{lever}"] = (dict(LEVER_OFF[lever]), lev)
            pairs[lever], mode[lever] = ("ref", f"off:{lever}"), "in package"
        else:
            on_over = lever_settings(lever, lever_folder)
            sc[f"on:{lever}"] = (on_over, lev)
            pairs[lever], mode[lever] = (f"on:{lever}", "ref"), "added"
        if lever == "integration":  # every subset of the channels shut (Shapley)
            for shut in channel_subsets():
                o = {k: (cfg.attraction.approval_delay_years if v is None else v)
                     for ch in shut for k, v in INTEGRATION_CHANNELS[ch].items()}
                sc[channel_key(shut)] = ({**on_over, **o}, lev)
        if lever == "infrastructure":  # paid from outside: the output side alone
            sc["infrastructure-transfer"] = ({**on_over, **INFRASTRUCTURE_FROM_OUTSIDE}, lev)
        if lever == "pairing":  # the transfer alone (its multiplier)
            sc["pairing-money"] = ({**on_over, "pairing.kinds": ["money"]}, lev)
    return Plan(sc, pairs, mode)


def execute(config: str | None, p: Plan, settings: Settings, workers: int = 1,
            progress: Any = None) -> dict[str, list[RunRecord]]:
    """Run every scenario of ``p`` on every seed (in a local process pool when ``workers`` >
    1); returns each scenario's records in seed order."""
    from simxh.executors import InlineExecutor, LocalExecutor, WorkerFailure

    tasks = [Task(key, config, tuple(sorted({**BASE_OVERRIDES, **over}.items())), s, end)
             for key, (over, end) in p.scenarios.items() for s in settings.seeds]
    # the long runs first, so the pool is not left waiting on them at the end
    tasks.sort(key=lambda t: -t.end_year)
    out: dict[str, dict[int, RunRecord]] = {k: {} for k in p.scenarios}
    executor = LocalExecutor(workers) if workers > 1 else InlineExecutor()
    with executor as ex:
        for done, (task, result) in enumerate(ex.map(run_task, tasks), 1):
            if isinstance(result, WorkerFailure):
                raise RuntimeError(f"audit run {task.key} seed {task.seed} failed: "
                                   f"{result.error}")
            out[task.key][task.seed] = result
            if progress:
                progress(done, len(tasks))
    return {k: [v[s] for s in settings.seeds] for k, v in out.items()}


# ---------------------------------------------------------------------------- checks
def _at(d: pd.DataFrame, year: int, column: str) -> float:
    return float(d.loc[d["year"] == year, column].iloc[0])


def check_long_run(runs: Sequence[RunRecord], s: Settings) -> list[dict[str, Any]]:
    """Growth after the split no higher than before, at most 2.5 points above the outside
    world's, population at the end year 0.8–1.4× the base year's (means over seeds)."""
    g = "long run"
    early = [mean_growth(r.district, s.start_year + 1, s.split_year) for r in runs]
    late = [mean_growth(r.district, s.split_year + 1, s.end_year) for r in runs]
    excess = [mean_growth(r.district, s.split_year + 1, s.end_year)
              - mean_growth(r.district, s.split_year + 1, s.end_year, "outside_growth_pct")
              for r in runs]
    pop = [_at(r.district, s.end_year, "population_wan")
           / _at(r.district, s.start_year, "population_wan") for r in runs]
    a, b = s.split_year + 1, s.end_year
    return [
        row(g, f"mean growth {a}–{b} − {s.start_year + 1}–{s.split_year} (pp)",
            float(np.mean(late) - np.mean(early)), "growth_late_minus_early",
            detail=f"{np.mean(early):.2f} → {np.mean(late):.2f} %/yr"),
        row(g, f"mean growth − outside growth {a}–{b} (pp)", float(np.mean(excess)),
            "growth_excess_over_outside"),
        row(g, f"population {s.end_year} / {s.start_year}", float(np.mean(pop)),
            "population_ratio", detail=f"seeds {min(pop):.2f}–{max(pop):.2f}"),
    ]


def check_zero_driver(runs: Sequence[RunRecord], s: Settings) -> list[dict[str, Any]]:
    """No outside growth, no drift: GDP growth within ±0.5 %/yr, population within ±5 %."""
    g = "zero driver"
    growth = [mean_growth(r.district, s.start_year + 1, s.end_year) for r in runs]
    pop = [_at(r.district, s.end_year, "population_wan")
           / _at(r.district, s.start_year, "population_wan") for r in runs]
    return [row(g, f"mean GDP growth {s.start_year + 1}–{s.end_year} (%/yr)",
                float(np.mean(growth)), "zero_driver_growth",
                detail=f"seeds {min(growth):.2f}–{max(growth):.2f}"),
            row(g, f"population {s.end_year} / {s.start_year}", float(np.mean(pop)),
                "zero_driver_population", detail=f"seeds {min(pop):.3f}–{max(pop):.3f}")]


def check_noise(ref: Sequence[RunRecord], variants: Mapping[float, Sequence[RunRecord]],
                s: Settings) -> list[dict[str, Any]]:
    """Shock scale × 0.75 and × 1.25: the paired 95 % interval of the % change of mean GDP in
    the noise year lies within ±2 %."""
    r = RANGES["noise_gdp_change"]
    y0 = [_at(x.district, s.noise_year, "gdp_yi") for x in ref]
    rows = []
    for factor, runs in variants.items():
        mean, half = paired_pct_change([_at(x.district, s.noise_year, "gdp_yi") for x in runs],
                                       y0)
        ok = bool(np.isfinite(mean) and r.low <= mean - half and mean + half <= r.high)
        rows.append(row("noise", f"GDP {s.noise_year}, shock scale × {factor} (% change)",
                        mean, "noise_gdp_change", passed=ok,
                        detail=f"95 % CI {mean - half:+.2f} … {mean + half:+.2f}, "
                               f"{len(y0)} seeds"))
    return rows


def check_stationarity(runs: Sequence[RunRecord], s: Settings) -> list[dict[str, Any]]:
    """The Zipf tail exponent of firm value added stays within its base-year range, and the top
    firm's share has no significant trend (seeds' slopes, 95 % interval)."""
    g = "firm sizes"
    base = [r.extras.loc[r.extras["year"] == s.start_year].iloc[0] for r in runs]
    lo = min(b["hill_alpha"] - 2 * b["hill_se"] for b in base)
    hi = max(b["hill_alpha"] + 2 * b["hill_se"] for b in base)
    ex = pd.concat([r.extras for r in runs]).groupby("year")[["hill_alpha", "top_share"]].mean()
    later = ex.loc[ex.index > s.start_year, "hill_alpha"]
    worst = float(later.iloc[np.argmax(np.abs(later.to_numpy() - (lo + hi) / 2))])
    inside = bool(((later >= lo) & (later <= hi)).all())
    slopes = [100.0 * slope(r.extras["year"].to_numpy(), r.extras["top_share"].to_numpy())
              for r in runs]
    mean, half = mean_interval(slopes)
    return [row(g, f"Zipf (Hill) exponent, {s.start_year + 1}–{s.end_year}: farthest year",
                worst, "zipf_exponent", low=lo, high=hi, passed=inside,
                detail=f"years outside: {int(((later < lo) | (later > hi)).sum())} of "
                       f"{len(later)}; {s.start_year} mean {np.mean([b['hill_alpha'] for b in base]):.2f}"),
            row(g, "top firm's share trend (pp/yr)", mean, "top_share_trend",
                low=-half, high=half,
                detail=f"share {ex['top_share'].iloc[0]:.3f} → {ex['top_share'].iloc[-1]:.3f}")]


def check_land(runs: Sequence[RunRecord]) -> list[dict[str, Any]]:
    """Land used in each park (firms', free and approved projects' land) within its area."""
    ex = pd.concat([r.extras for r in runs])
    worst = ex.iloc[int(np.argmax(ex["park_land_ratio"].to_numpy()))]
    over = ex.loc[ex["park_land_ratio"] > 1.0, "year"]
    return [row("land", "largest park's land used / area (all years, seeds)",
                float(worst["park_land_ratio"]), "park_land_ratio",
                detail=f"worst {worst['park_land_worst']} in {int(worst['year'])}; "
                       f"years over: {sorted(set(over.astype(int)))[:6]}")]


def check_accounts(runs: Sequence[RunRecord]) -> list[dict[str, Any]]:
    errors = [e for r in runs for e in r.account_errors]
    return [row("accounts", "years failing check_accounts (all seeds)", float(len(errors)),
                "accounts_failures", detail=(errors[0] if errors else ""))]


def _label(lever: str, mode: str) -> str:
    return f"{lever} ({'its part of the package' if mode == 'in package' else 'added to CONFIG'})"


def check_renovation(on: Sequence[RunRecord], off: Sequence[RunRecord], s: Settings,
                     depreciation: float, mode: str,
                     capital_income_share: float = 1.0) -> list[dict[str, Any]]:
    """The gross return on renovation capital in each lever year: the capital income of the
    ΔGDP (× ``capital_income_share``, capital's share of value added) over Δ net renovation
    capital (public and private renovation investment, cumulated with the firms'
    depreciation), the measure of Bai, Hsieh & Qian (2006)."""
    rows = []
    for year in s.lever_years:
        d_gdp = np.mean([_at(a.district, year, "gdp_yi") - _at(b.district, year, "gdp_yi")
                         for a, b in zip(on, off, strict=True)])
        d_k = np.mean([_renovation_stock(a, year, depreciation)
                       - _renovation_stock(b, year, depreciation) for a, b in zip(on, off, strict=True)])
        rows.append(row(_label("tech_renovation", mode),
                        f"implied gross return on renovation capital, {year}",
                        implied_return(float(d_gdp) * capital_income_share, float(d_k)),
                        "renovation_return",
                        detail=f"ΔGDP {d_gdp:.2f}亿 × capital's share {capital_income_share:.2f}, "
                               f"Δ net renovation capital {d_k:.2f}亿"))
    return rows


def _renovation_stock(r: RunRecord, year: int, depreciation: float) -> float:
    e = r.extras[(r.extras["year"] > r.extras["year"].min()) & (r.extras["year"] <= year)]
    stock = capital_stock(e["renovation_investment_yi"], depreciation)
    return float(stock[-1]) if len(stock) else 0.0


def check_infrastructure(outside: Sequence[RunRecord], on: Sequence[RunRecord],
                         off: Sequence[RunRecord], s: Settings, mode: str
                         ) -> list[dict[str, Any]]:
    """Δln GDP / Δln public capital in each lever year (seed means of GDP and capital), with
    the lever paid from outside (``outside``: :data:`INFRASTRUCTURE_FROM_OUTSIDE`), the
    production side that Bom & Ligthart's elasticity measures; the ratio with the lever's own
    financing (the budget's crowding-out included) is in the detail."""
    rows = []
    for year in s.lever_years:
        def mean(rs: Sequence[RunRecord], frame: str, col: str, year: int = year) -> float:
            return float(np.mean([_at(getattr(r, frame), year, col) for r in rs]))

        def elasticity(rs: Sequence[RunRecord]) -> float:
            return log_elasticity(mean(rs, "district", "gdp_yi"), mean(off, "district", "gdp_yi"),
                                  mean(rs, "extras", "public_capital_yi"),
                                  mean(off, "extras", "public_capital_yi"))

        rows.append(row(_label("infrastructure", mode),
                        f"implied output elasticity of public capital (paid from outside), "
                        f"{year}", elasticity(outside), "infrastructure_elasticity",
                        detail=f"public capital {mean(off, 'extras', 'public_capital_yi'):.0f} → "
                               f"{mean(outside, 'extras', 'public_capital_yi'):.0f}亿; with its "
                               f"own financing (budget crowding-out included): "
                               f"{elasticity(on):.3f}"))
    return rows


def _cumulative(rs: Sequence[RunRecord], first: int, last: int, col: str) -> float:
    return float(np.mean([r.district.loc[(r.district["year"] >= first)
                                         & (r.district["year"] <= last), col].sum()
                          for r in rs]))


def check_attraction(on: Sequence[RunRecord], off: Sequence[RunRecord], s: Settings,
                     mode: str) -> list[dict[str, Any]]:
    """Δ lever money / Δ projects won, cumulated to the lever horizon, against the range
    scaled by the mean investment of a project won."""
    first, last = s.start_year + 1, s.lever_end
    d_cost = _cumulative(on, first, last, "lever_spend_yi") - _cumulative(off, first, last,
                                                                        "lever_spend_yi")
    d_proj = _cumulative(on, first, last, "projects_won") - _cumulative(off, first, last,
                                                                      "projects_won")
    per = _cumulative(on, first, last, "investment_introduced_yi") / max(
        _cumulative(on, first, last, "projects_won"), 1.0)
    r = RANGES["cost_per_project"]
    return [row(_label("attraction", mode), f"cost per project won {first}–{last} (亿元)",
                cost_per_unit(d_cost, d_proj), "cost_per_project", low=r.low * per,
                high=r.high * per,
                detail=f"Δcost {d_cost:.2f}亿, Δprojects {d_proj:.1f}, mean project "
                       f"{per:.2f}亿")]


def check_integration(on: Sequence[RunRecord], off: Sequence[RunRecord],
                      shut: Mapping[tuple[str, ...], Sequence[RunRecord]], s: Settings,
                      mode: str) -> list[dict[str, Any]]:
    """The effect on GDP in the first lever year (%), its Shapley split into the channels and
    the residual the channels leave (the effect with all of them shut)."""
    year = s.lever_years[0]
    channels = list(INTEGRATION_CHANNELS)
    g0 = np.mean([_at(r.district, year, "gdp_yi") for r in off])

    def effect(rs: Sequence[RunRecord]) -> float:
        return float(100.0 * (np.mean([_at(r.district, year, "gdp_yi") for r in rs]) / g0 - 1.0))

    total = effect(on)
    # the effect with only the channels in S open = the run with the others shut
    everything = frozenset(channels)
    open_effect = {everything: total}
    for closed, rs in shut.items():
        open_effect[everything - frozenset(closed)] = effect(rs)
    parts = shapley_parts(open_effect, channels)
    residual = open_effect[frozenset()]
    _loo, inter = decomposition(total, {c: open_effect[everything - {c}] for c in channels})
    split = ", ".join(f"{c} {v:+.2f}" for c, v in parts.items())
    unexplained = abs(residual) / abs(total) if total else math.inf
    label = _label("integration", mode)
    return [row(label, f"GDP effect {year} (%)", total, "integration_effect",
                detail=f"Shapley parts (pp): {split}; residual {residual:+.2f}"),
            row(label, f"effect the channels leave unexplained, {year}", unexplained,
                "integration_unexplained",
                detail=f"Shapley parts (pp): {split}; residual {residual:+.2f} (all three "
                       f"shut); leave-one-out interaction share {inter:.2f}")]


def check_pairing(money: Sequence[RunRecord], on: Sequence[RunRecord],
                  off: Sequence[RunRecord], s: Settings, mode: str) -> list[dict[str, Any]]:
    """The receiving towns' ΔGDP per 亿 transferred, cumulated over the lever years to the
    horizon (flows: a multiplier on the yearly transfer), with the transfer alone (``money``:
    the lever with only its money channel); the whole lever's ratio is in the detail."""
    first, last = s.start_year + 1, s.lever_end

    def ratio(runs: Sequence[RunRecord]) -> tuple[float, float, float]:
        d_gdp, received = [], []
        for a, b in zip(runs, off, strict=True):
            towns = a.recipients
            yrs = (a.town_gdp.index >= first) & (a.town_gdp.index <= last)
            d_gdp.append(float((a.town_gdp.loc[yrs, towns] - b.town_gdp.loc[yrs, towns])
                               .to_numpy().sum()) if towns else math.nan)
            e = a.extras
            received.append(float(e.loc[(e["year"] >= first) & (e["year"] <= last),
                                        "pairing_received_yi"].sum()))
        dg, rec = float(np.mean(d_gdp)), float(np.mean(received))
        return cost_per_unit(dg, rec), dg, rec

    value, dg, rec = ratio(money)
    whole, dg_all, _ = ratio(on)
    return [row(_label("pairing", mode),
                f"receiving towns' ΔGDP per 亿 transferred (the transfer alone), {first}–{last}",
                value, "pairing_multiplier",
                detail=f"ΔGDP {dg:.2f}亿, transferred {rec:.2f}亿; the whole lever (capacity "
                       f"and referrals too): ΔGDP {dg_all:.2f}亿, {whole:.2f} per 亿")]


# ---------------------------------------------------------------------------- the audit
def audit(config: str | None, settings: Settings, *, workers: int = 1,
          lever_folder: Path | None = None, progress: Any = None) -> pd.DataFrame:
    """Run the audit of ``config``; one row a check (:data:`COLUMNS`)."""
    from simxh.config import coerce_config

    folder = lever_folder or (Path(config).parent if config else
                              Path(__file__).resolve().parents[1] / "configs")
    p = plan(config, settings, folder)
    runs = execute(config, p, settings, workers=workers, progress=progress)
    cfg = coerce_config(config, BASE_OVERRIDES)
    rows: list[dict[str, Any]] = []
    rows += check_long_run(runs["base"], settings)
    rows += check_zero_driver(runs["zero"], settings)
    for lever in LEVERS:
        on, off = (runs[k] for k in p.lever_pairs[lever])
        mode = p.lever_mode[lever]
        if lever == "tech_renovation":
            fc = cfg.firms
            rows += check_renovation(on, off, settings, float(fc.depreciation), mode,
                                     capital_income_share(fc.returns_to_scale, fc.capital_share))
        elif lever == "infrastructure":
            rows += check_infrastructure(runs["infrastructure-transfer"], on, off, settings,
                                         mode)
        elif lever == "attraction":
            rows += check_attraction(on, off, settings, mode)
        elif lever == "pairing":
            rows += check_pairing(runs["pairing-money"], on, off, settings, mode)
        elif lever == "integration":
            ch = {c: runs[channel_key(c)] for c in channel_subsets()}
            rows += check_integration(on, off, ch, settings, mode)
    rows += check_noise(runs["ref"], {f: runs[f"noise{f}"] for f in (0.75, 1.25)}, settings)
    rows += check_stationarity(runs["base"], settings)
    rows += check_land(runs["base"])
    rows += check_accounts(runs["base"])
    return pd.DataFrame(rows, columns=list(COLUMNS))


def _fmt(x: float) -> str:
    if not np.isfinite(x):
        return "−∞" if x == -math.inf else ("∞" if x == math.inf else "NaN")
    return f"{x:.4g}"


def report_markdown(table: pd.DataFrame, config: str, settings: Settings) -> str:
    """The readable report: a summary paragraph, then a table per group (no dates: the same
    audit gives the same file)."""
    n, failed = len(table), int((~table["pass"]).sum())
    verdict = "PASSES every check" if failed == 0 else f"FAILS {failed} of {n} checks"
    seeds = settings.seeds
    lines = [f"# simxh audit: `{config}`", "",
             f"The audit of `{config}` {verdict}. Runs: seeds {seeds[0]}–{seeds[-1]} "
             f"({len(seeds)} seeds, common random numbers across runs), parameters at the "
             f"posterior mean, {settings.start_year}–{settings.end_year}; long-run growth "
             f"compared over {settings.start_year + 1}–{settings.split_year} and "
             f"{settings.split_year + 1}–{settings.end_year}; levers in "
             f"{', '.join(map(str, settings.lever_years))}; noise in {settings.noise_year}. "
             "Each check's range and source are in the table; the method is in docs/audit.md. "
             "Regenerate with `simxh audit " + config + "`.", ""]
    for group, part in table.groupby("group", sort=False):
        lines += [f"## {group}", "", "| check | value | low | high | pass | detail | source |",
                  "|---|---|---|---|---|---|---|"]
        for _, r in part.iterrows():
            mark = "✅ pass" if r["pass"] else "❌ FAIL"
            lines.append(f"| {r['check']} | {_fmt(r['value'])} | {_fmt(r['low'])} | "
                         f"{_fmt(r['high'])} | {mark} | {r['detail']} | {r['source']} |")
        lines.append("")
    return "\n".join(lines)


def write_report(table: pd.DataFrame, out: Path, config: str, settings: Settings) -> None:
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "audit.csv", index=False)
    (out / "audit.md").write_text(report_markdown(table, config, settings), encoding="utf-8")


def summary_lines(table: pd.DataFrame) -> Iterable[str]:
    for _, r in table.iterrows():
        yield (f"{'pass' if r['pass'] else 'FAIL'}  {r['group']}: {r['check']} = "
               f"{_fmt(r['value'])}  [{_fmt(r['low'])}, {_fmt(r['high'])}]")
