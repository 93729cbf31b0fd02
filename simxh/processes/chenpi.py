"""The 新会陈皮 value chain: orchards (the villages' citrus land), fruit, the price, the ageing stock
of dried peel, processing and the chain's trade and tourism.

Real value added at base-year prices: the primary part (``TownsLabour.citrus_yi``) follows the
orchards and farm productivity; the processing part (secondary) follows the real value of the
peel sold, in which older vintages count for more (age is quality: ``chenpi.ageing_appreciation``)
and the brand premium; the trade and tourism part (tertiary) follows the same sales and the
chain's tourism demand. The fruit price (a log AR(1) with an inverse-demand term, its own
stream ``chenpi``) moves the planting decision, the villages' 陈皮 income and the nominal value of
the stock (an asset), not real output. Base year: the processing and services parts are carved
out of the towns' residual secondary and tertiary (calibration), so no total changes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from simxh.economics import rural

TINY = 1e-12
"""A floor against division by zero."""


class Chenpi:
    """District chain state (price, stock by vintage) and per-town chain value added."""

    def __init__(self, m: Any) -> None:
        self.m = m
        self.p = m.p.chenpi
        base = m.base
        nt = m.nt
        vt = base.village_town
        self.base_town_orchards_mu = np.bincount(vt, weights=base.village_citrus_mu, minlength=nt)
        self.base_orchards_mu = float(self.base_town_orchards_mu.sum())
        self.base_processing_yi = base.chenpi_processing_yi.copy()
        self.base_services_yi = base.chenpi_services_yi.copy()
        self.processing_yi = self.base_processing_yi.copy()
        self.services_yi = self.base_services_yi.copy()
        self.log_price = 0.0
        cp = self.p
        self.base_peel_t = self.base_orchards_mu * cp.yield_t_per_mu * cp.peel_share
        self.values = rural.vintage_values(cp.max_age_years, cp.ageing_appreciation)
        self.stock_t = rural.steady_stock(self.base_peel_t, cp.sell_share, cp.max_age_years)
        _, sold = rural.age_stock(self.stock_t.copy(), self.base_peel_t, cp.sell_share)
        self.base_sales_value = float(sold @ self.values)
        self.sales_index = 1.0
        self.fruit_t = self.base_orchards_mu * cp.yield_t_per_mu
        self.peel_t = self.base_peel_t
        self.base_stock_value = float(self.stock_t @ self.values)
        self.tourism_index = 1.0
        self.premium_index = 1.0

    @property
    def price_index(self) -> float:
        """The fruit and peel price relative to the base year."""
        return float(np.exp(self.log_price))

    @property
    def stock_value_index(self) -> float:
        """The ageing stock's value at today's price relative to the base year's."""
        return float(self.stock_t @ self.values) * self.price_index / self.base_stock_value

    def update(self) -> None:
        """The year's price, harvest, ageing stock, and the chain's processing and services."""
        m = self.m
        cp = self.p
        tl = m.towns_labour
        m.villages.plant()
        orchards = float(m.villages.citrus_mu.sum())
        self.fruit_t = orchards * cp.yield_t_per_mu * float(
            np.average(tl.agri_tfp[0], weights=np.maximum(self.base_town_orchards_mu, TINY)))
        self.peel_t = self.fruit_t * cp.peel_share
        z = float(m.streams.get("chenpi", "price", m.year).standard_normal())
        years = m.year - m.base_year
        # the buyers' income: China's real GDP relative to the base year
        log_income = float(np.log(m.outside.demand_index(m.year)))
        log_supply = (float(np.log(max(self.peel_t, TINY) / self.base_peel_t))
                      - cp.demand_income_elasticity * log_income)
        self.log_price = rural.log_price_step(self.log_price, cp.price_persistence,
                                              cp.price_shock_sd, cp.price_flexibility,
                                              log_supply, z)
        self.stock_t, sold = rural.age_stock(self.stock_t, self.peel_t, cp.sell_share)
        premium = cp.brand_premium * (1.0 + cp.brand_premium_growth) ** years
        self.premium_index = (1.0 + premium) / (1.0 + cp.brand_premium)
        self.sales_index = float(sold @ self.values) / self.base_sales_value * self.premium_index
        self.tourism_index = float(np.exp(cp.tourism_income_elasticity * log_income))
        self.processing_yi = self.base_processing_yi * self.sales_index
        self.services_yi = self.base_services_yi * self.sales_index * self.tourism_index

    def stock_value_yi(self) -> float:
        """The ageing stock's nominal value (亿元): tonnes by vintage × value by age at the base
        year's processing output per unit of sales value, times the price index and the brand
        premium's change."""
        cp = self.p
        base_sales_yi = float(self.base_processing_yi.sum()) / max(cp.processing_va_ratio, TINY)
        per_unit = base_sales_yi / self.base_sales_value
        return float(self.stock_t @ self.values) * per_unit * self.price_index * self.premium_index
