"""The world outside (外部环境): ``macro.csv`` as yearly series, and one run's macro path.

``macro.csv`` holds real GDP growth of China, Guangdong, Jiangmen and the external market
cities and China's price indices (GDP deflator, CPI, PPI), each value with its source, from 2015
to the latest published year, plus a published outlook (the IMF's World Economic Outlook) for
the years after. :func:`macro_history` turns it into complete yearly series:

* a region's missing year is China's growth plus the region's mean gap to China over the years
  both are observed (zero gap where the region has no observation): **derived**;
* a missing GDP-deflator year is fitted from that year's CPI and PPI by least squares on the
  years where all three are observed: **derived**;
* after the outlook's last year, growth holds the outlook's last rate (**assumed**); prices
  follow their AR(1) estimated on the observed years (reversion to the historical mean).

:func:`macro_path` gives one run's path from its base year to its end year. Years after the last
observed one carry the common macro shocks: AR(1) deviations of growth and of inflation whose
persistence and volatility are estimated from the observed series (:mod:`simxh.economics.macro`),
drawn from the run's own ``macro`` stream, so every scenario of a replication shares them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from simxh.economics.macro import AR1, ar1_deviations, estimate_ar1, growth_index
from simxh.errors import DataError

CHINA = "china"
GROWTH = "real_gdp_growth_pct"
RATE_SERIES = (GROWTH, "cpi_pct", "ppi_pct", "gdp_deflator_pct")
"""The series given as yearly rates in per cent (real growth, price changes)."""
RATE_RANGE_PCT = (-20.0, 30.0)
"""Plausible yearly rates (%), the range of the config's macro.external_growth_pct and
macro.inflation_pct: China's and Guangdong's real growth and price changes since 1978 lie well
inside it. Beyond it a run fails (below −100 % a level turns negative) or explodes silently."""


@dataclass(frozen=True)
class MacroHistory:
    """Complete yearly series (``years[0]`` … ``last_outlook``) built from ``macro.csv``."""

    years: np.ndarray
    last_observed: int                       # last year of China's observed growth
    growth: dict[str, np.ndarray]            # region → real growth % (observed/filled/outlook)
    growth_status: dict[str, tuple[str, ...]]
    deflator: np.ndarray                     # GDP deflator change %, observed years only
    ppi: np.ndarray                          # PPI change %, observed years only
    demand_ar1: AR1                          # China real growth (common demand shocks)
    price_ar1: AR1                           # GDP deflator (price shocks and projection)
    ppi_ar1: AR1
    notes: dict[str, str] = field(default_factory=dict)

    @property
    def first_year(self) -> int:
        return int(self.years[0])

    @property
    def last_outlook(self) -> int:
        return int(self.years[-1])


def _series(df: pd.DataFrame, series: str, region: str, kind: str | None = None) -> pd.Series:
    sel = (df["series"] == series) & (df["region"] == region)
    if kind is not None:
        sel &= df["kind"] == kind
    rows = df[sel]
    return pd.Series(rows["value"].to_numpy(float), index=rows["year"].astype(int).to_numpy()
                     ).sort_index()


def macro_history(df: pd.DataFrame, file: str | Path = "macro.csv") -> MacroHistory:
    """Validate ``macro.csv`` (already parsed) and build the complete series.

    A :class:`DataError` names the file, the series and what is missing: China's observed growth
    must run without a gap from its first year, CPI and PPI must cover those years, outlook
    years must follow the observed ones, and no value may be non-finite (GDP levels must be
    positive, yearly rates inside :data:`RATE_RANGE_PCT`).
    """
    if not np.all(np.isfinite(df["value"].to_numpy(float))):
        bad = df[~np.isfinite(df["value"].to_numpy(float))].iloc[0]
        raise DataError("value is not finite", file=file,
                        key=f"{bad['series']}:{bad['region']}:{bad['year']}.value",
                        value=bad["value"], expected="a finite number")
    rates = df[df["series"].isin(RATE_SERIES)]
    lo, hi = RATE_RANGE_PCT
    out_of_range = rates[(rates["value"] < lo) | (rates["value"] > hi)]
    if len(out_of_range):
        bad = out_of_range.iloc[0]
        raise DataError("yearly rate out of range", file=file,
                        key=f"{bad['series']}:{bad['region']}:{bad['year']}.value",
                        value=float(bad["value"]), expected=f"a rate in {lo:g} … {hi:g} %")
    levels = df[df["series"] == "gdp_yi"]
    if (levels["value"] <= 0).any():
        bad = levels[levels["value"] <= 0].iloc[0]
        raise DataError("GDP level must be positive", file=file,
                        key=f"gdp_yi:{bad['region']}:{bad['year']}.value", value=bad["value"],
                        expected="a value > 0 (亿元)")
    china = _series(df, GROWTH, CHINA, "observed")
    if len(china) < 5:
        raise DataError("too few years of China's observed real GDP growth", file=file,
                        key=f"{GROWTH}:{CHINA}", value=len(china),
                        expected="at least 5 consecutive observed years")
    first, last = int(china.index[0]), int(china.index[-1])
    observed_years = np.arange(first, last + 1)
    _require_years(china, observed_years, file, f"{GROWTH}:{CHINA}")
    outlook = _series(df, GROWTH, CHINA, "projection")
    if len(outlook) and int(outlook.index[0]) <= last:
        raise DataError("an outlook year is not after the last observed year", file=file,
                        key=f"{GROWTH}:{CHINA}:{int(outlook.index[0])}",
                        value=int(outlook.index[0]), expected=f"projection years after {last}")
    last_outlook = int(outlook.index[-1]) if len(outlook) else last
    years = np.arange(first, last_outlook + 1)
    _require_years(outlook, np.arange(last + 1, last_outlook + 1), file,
                   f"{GROWTH}:{CHINA} (projection)")
    china_full = pd.concat([china, outlook]).reindex(years).to_numpy(float)

    growth: dict[str, np.ndarray] = {CHINA: china_full}
    status: dict[str, tuple[str, ...]] = {
        CHINA: tuple("observed" if y <= last else "projection" for y in years)}
    regions = sorted(set(df.loc[df["series"] == GROWTH, "region"]) - {CHINA})
    for region in regions:
        obs = _series(df, GROWTH, region).reindex(years)
        both = obs.notna().to_numpy() & (years <= last)
        gap = float(np.mean(obs.to_numpy()[both] - china_full[both])) if both.any() else 0.0
        filled = np.where(obs.notna(), obs.to_numpy(float), china_full + gap)
        growth[region] = filled
        status[region] = tuple("observed" if ok else "derived" for ok in obs.notna())

    cpi = _series(df, "cpi_pct", CHINA, "observed")
    ppi = _series(df, "ppi_pct", CHINA, "observed")
    _require_years(cpi, observed_years, file, f"cpi_pct:{CHINA}")
    _require_years(ppi, observed_years, file, f"ppi_pct:{CHINA}")
    deflator_obs = _series(df, "gdp_deflator_pct", CHINA, "observed").reindex(observed_years)
    have = deflator_obs.notna().to_numpy()
    if have.sum() < 4:
        raise DataError("too few years of China's GDP deflator", file=file,
                        key=f"gdp_deflator_pct:{CHINA}", value=int(have.sum()),
                        expected="at least 4 observed years (the rest are fitted from CPI and PPI)")
    x = np.column_stack([np.ones(len(observed_years)), cpi.reindex(observed_years).to_numpy(),
                         ppi.reindex(observed_years).to_numpy()])
    coef, *_ = np.linalg.lstsq(x[have], deflator_obs.to_numpy()[have], rcond=None)
    deflator = np.where(have, deflator_obs.to_numpy(), x @ coef)
    ppi_full = ppi.reindex(observed_years).to_numpy(float)
    notes = {
        "deflator_fit": (f"deflator = {coef[0]:.2f} + {coef[1]:.2f}·CPI + {coef[2]:.2f}·PPI, "
                         f"fitted on {int(have.sum())} observed years; filled: "
                         + ", ".join(str(y) for y in observed_years[~have])),
    }
    return MacroHistory(
        years=years, last_observed=last, growth=growth, growth_status=status,
        deflator=deflator, ppi=ppi_full, demand_ar1=estimate_ar1(china.to_numpy(float)),
        price_ar1=estimate_ar1(deflator), ppi_ar1=estimate_ar1(ppi_full), notes=notes)


def _require_years(series: pd.Series, years: np.ndarray, file: str | Path, key: str) -> None:
    missing = [int(y) for y in years if y not in series.index]
    if missing:
        raise DataError("missing years", file=file, key=key,
                        value=", ".join(map(str, missing)),
                        expected=f"a value for every year {int(years[0])}–{int(years[-1])}")


@dataclass(frozen=True)
class MacroPath:
    """One run's outside world, ``years[0]`` = the base year (index 1 there)."""

    years: np.ndarray
    external_index: np.ndarray   # (years, external markets): real GDP relative to the base year
    demand_index: np.ndarray     # China's real GDP relative to the base year
    outside_wage_index: np.ndarray  # Guangdong real GDP relative to the base year (wages outside)
    deflator_index: np.ndarray   # GDP deflator relative to the base year
    ppi_index: np.ndarray        # industrial producer prices relative to the base year
    growth_pct: np.ndarray       # China's real growth % used each year
    inflation_pct: np.ndarray    # GDP deflator change % used each year
    status: tuple[str, ...]      # per year: observed / projection / extrapolated / what-if

    def at(self, year: int) -> int:
        return int(year - self.years[0])


def macro_path(history: MacroHistory, external_regions: list[str], base_year: int,
               end_year: int, rng: np.random.Generator | None, *, shock_multiplier: float = 1.0,
               external_growth_pct: float | None = None,
               inflation_pct: float | None = None) -> MacroPath:
    """The outside world from ``base_year`` to ``end_year`` for one run.

    Observed years are data. Later years follow the outlook (then its last rate, held) plus the
    common shocks drawn from ``rng`` (None, or ``shock_multiplier`` 0, gives the central path).
    ``external_growth_pct`` / ``inflation_pct`` replace growth / inflation after the base year
    with a constant (a what-if scenario; no shocks on that series).
    """
    if base_year < history.first_year:
        raise DataError("base year before the macro data", file="macro.csv",
                        key="run.start_year", value=base_year,
                        expected=f"a year from {history.first_year} (the first year of macro.csv)")
    years = np.arange(base_year, end_year + 1)
    n = len(years)
    lo = history.first_year
    last, last_outlook = history.last_observed, history.last_outlook

    def extend(values: np.ndarray) -> np.ndarray:
        idx = np.clip(years - lo, 0, len(values) - 1)  # after the outlook: hold its last rate
        return values[idx]

    future = years > last
    z_growth = rng.standard_normal(n) if rng is not None else np.zeros(n)
    z_price = rng.standard_normal(n) if rng is not None else np.zeros(n)
    z_ppi = rng.standard_normal(n) if rng is not None else np.zeros(n)
    dm = history.demand_ar1
    shock = np.zeros(n)
    if future.any() and shock_multiplier > 0:
        shock[future] = ar1_deviations(dm.rho, shock_multiplier * dm.sigma, z_growth[future])

    def growth_of(region: str) -> np.ndarray:
        g = extend(history.growth.get(region, history.growth[CHINA])) + shock
        if external_growth_pct is not None:
            g = np.where(years > base_year, external_growth_pct, g)
        return g

    status = tuple("observed" if y <= last else "projection" if y <= last_outlook
                   else "extrapolated" for y in years)
    if external_growth_pct is not None or inflation_pct is not None:
        status = tuple(s if y == base_year else "what-if" for s, y in zip(status, years,
                                                                           strict=True))
    china = growth_of(CHINA)
    gd = growth_of("guangdong")
    ext = np.column_stack([growth_index(growth_of(r)) for r in external_regions]) \
        if external_regions else np.ones((n, 0))

    def prices(observed: np.ndarray, model: AR1, z: np.ndarray, override: float | None
               ) -> np.ndarray:
        out = np.empty(n)
        past = ~future
        out[past] = observed[years[past] - lo]
        if future.any():  # AR(1) from the last observed value, with the run's shocks
            out[future] = model.mean + ar1_deviations(
                model.rho, shock_multiplier * model.sigma, z[future], observed[-1] - model.mean)
        if override is not None:
            out = np.where(years > base_year, override, out)
        return out

    inflation = prices(history.deflator, history.price_ar1, z_price, inflation_pct)
    ppi = prices(history.ppi, history.ppi_ar1, z_ppi, inflation_pct)
    return MacroPath(
        years=years, external_index=ext, demand_index=growth_index(china),
        outside_wage_index=growth_index(gd), deflator_index=growth_index(inflation),
        ppi_index=growth_index(ppi), growth_pct=china, inflation_pct=inflation, status=status)
