"""Implied elasticities of a lever run against its baseline (the audit's checks of a lever's
effect against the literature)."""

from __future__ import annotations

import math

import pandas as pd

PUBLIC_CAPITAL_ELASTICITY_RANGE = (0.083, 0.24)
"""The range an implied output elasticity of public capital is checked against: Bom & Ligthart
(2014, J. Econ. Surveys 28(5), meta-regression of 578 estimates): 0.083 in the short run, 0.122
in the long run, "almost doubled" for core infrastructure supplied at the regional/local level
(≈ 0.16 short run, ≈ 0.24 long run), which Xinhui's roads and rail links are. The stricter
central figures (0.083–0.17) are the audit's narrower check."""


def _value(district: pd.DataFrame, column: str, year: int) -> float:
    rows = district.loc[district["year"] == year, column] if "year" in district.columns \
        else district.loc[[year], column]
    if len(rows) != 1:
        raise ValueError(f"expected one row for {year} in the district table, got {len(rows)}")
    return float(rows.iloc[0])


def infrastructure_implied_elasticity(lever_district: pd.DataFrame,
                                      base_district: pd.DataFrame, year: int) -> float:
    """The output elasticity of public capital implied by a lever run and its baseline on the
    same seed: ``Δln GDP / Δln public capital`` in ``year``, from the district tables'
    ``gdp_yi`` and ``public_capital_yi`` (real, 亿元). NaN when public capital is the same in
    both runs (no public-capital change to measure the effect by)."""
    d_gdp = math.log(_value(lever_district, "gdp_yi", year) / _value(base_district, "gdp_yi", year))
    d_g = math.log(_value(lever_district, "public_capital_yi", year)
                   / _value(base_district, "public_capital_yi", year))
    return d_gdp / d_g if d_g != 0.0 else float("nan")
