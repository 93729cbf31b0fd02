"""The outside world: this run's macro path (growth and prices, observed then projected, with
the replication's common shocks) and the external markets' base-year GDP."""

from __future__ import annotations

from typing import Any

import numpy as np

from simxh.macro import MacroPath, macro_path

_EXTERNAL: dict[tuple[Any, int], tuple[list[str], np.ndarray]] = {}
"""The external markets' macro regions and base-year GDP per (data set, base year): they
depend on the data files only (kept for the process's life, like the built regions)."""


class OutsideWorld:
    """China, Guangdong and the Bay Area cities: growth, prices and market size, per year."""

    def __init__(self, m: Any) -> None:
        self.m = m
        self.region = m.region
        mc = m.p.macro
        key = (self.region.data, m.base_year)
        if key not in _EXTERNAL:
            if len(_EXTERNAL) >= 8:
                _EXTERNAL.clear()
            gdp = self._external_base_gdp(m.base_year)
            gdp.setflags(write=False)
            _EXTERNAL[key] = (self.external_regions(), gdp)
        regions, self.external_gdp_yi = _EXTERNAL[key]
        rng = m.streams.get("macro") if mc.shocks else None
        self.macro: MacroPath = macro_path(
            self.region.macro_history(), list(regions), m.base_year, m.end_year, rng,
            shock_multiplier=mc.shock_multiplier, external_growth_pct=mc.external_growth_pct,
            inflation_pct=mc.inflation_pct)

    def external_regions(self) -> list[str]:
        ext = self.region.data.external
        if "macro_region" not in ext.columns:
            return ["china"] * len(ext)
        return [r if isinstance(r, str) and r else "china" for r in ext["macro_region"]]

    def _external_base_gdp(self, base_year: int) -> np.ndarray:
        """The external markets' GDP in the base year (real): the data's figure (of its own
        year) moved to the base year along the region's observed real growth."""
        ext = self.region.data.external
        hist = self.region.macro_history()
        out = ext["gdp_yi"].to_numpy(float).copy()
        for j, (region, year) in enumerate(zip(self.external_regions(), ext["gdp_year"],
                                               strict=True)):
            g = hist.growth.get(region, hist.growth["china"]) / 100.0
            y0, y1 = sorted((base_year, int(year)))
            idx = np.arange(y0 + 1, y1 + 1) - hist.first_year
            factor = float(np.prod(1.0 + g[np.clip(idx, 0, len(g) - 1)]))
            out[j] = out[j] / factor if int(year) > base_year else out[j] * factor
        return out

    # this year's values on the macro path
    def price_index(self, year: int) -> float:
        """The GDP deflator relative to the base year: nominal = real × this."""
        return float(self.macro.deflator_index[self.macro.at(year)])

    def ppi_index(self, year: int) -> float:
        """Industrial producer prices relative to the base year (firms' nominal output)."""
        return float(self.macro.ppi_index[self.macro.at(year)])

    def growth_pct(self, year: int) -> float:
        """China's real GDP growth (%)."""
        return float(self.macro.growth_pct[self.macro.at(year)])

    def external_gdp_now(self, year: int) -> np.ndarray:
        return self.external_gdp_yi * self.macro.external_index[self.macro.at(year)]

    def demand_index(self, year: int) -> float:
        """China's real GDP relative to the base year."""
        return float(self.macro.demand_index[self.macro.at(year)])

    def outside_wage_index(self, year: int) -> float:
        return float(self.macro.outside_wage_index[self.macro.at(year)])

    def expected_growth(self, year: int, years: int) -> float:
        """Demand growth firms plan their capacity for: the outside markets' mean real growth
        over the last ``years`` years up to ``year`` (adaptive expectations)."""
        i = self.macro.at(year)
        window = self.macro.growth_pct[max(0, i - years + 1): i + 1]
        return float(np.mean(window)) / 100.0
