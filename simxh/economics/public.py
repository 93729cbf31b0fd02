"""Public finance (财政), public capital and land (土地): pure accounting functions."""

from __future__ import annotations

import numpy as np


def firm_local_taxes(
    value_added_yi: np.ndarray, profit_yi: np.ndarray, vat_rate: float = 0.10,
    vat_local_share: float = 0.5, cit_rate: float = 0.15, cit_local_share: float = 0.4,
) -> np.ndarray:
    """Local share of a firm's taxes (亿元): VAT on value added and corporate income tax on profit.

    Since 2016 VAT is shared 50:50 between centre and localities; corporate income tax 60:40
    (State Council 2016 No. 26; 2002 reform). Effective rates are below statutory ones (VAT 13%
    on value added net of input credits; CIT 25%, 15% for high-tech): 10% and 15% assumed, and the
    whole tax base is then scaled by the calibrated collection factor.
    """
    return (vat_rate * vat_local_share * np.maximum(value_added_yi, 0.0)
            + cit_rate * cit_local_share * np.maximum(profit_yi, 0.0))


def share_revenue(revenue_yi: np.ndarray, town_share: float = 0.3) -> tuple[np.ndarray, np.ndarray]:
    """Split revenue collected in each town between the town (镇街) and the district (区级).

    Returns (town part per town, district part per town). Guangdong district–town revenue sharing
    varies; a 30% town share is assumed.
    """
    town = town_share * revenue_yi
    return town, revenue_yi - town


def pool_and_share(revenue_yi: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Redistribute the sum of ``revenue_yi`` in proportion to ``weights`` (money conserved)."""
    total = revenue_yi.sum()
    w = np.asarray(weights, dtype=float)
    s = w.sum()
    return total * w / s if s > 0 else revenue_yi.copy()


def public_capital_update(stock_yi: np.ndarray, investment_yi: np.ndarray,
                          depreciation: float = 0.04) -> np.ndarray:
    """Public capital ``G' = (1 − δ_G) G + I_G``; δ_G = 0.04 for infrastructure (IMF 2015 public
    capital stock estimates use 2.5–4.5%)."""
    return (1.0 - depreciation) * stock_yi + investment_yi


def debt_allowed_borrowing(deficit_yi: float, debt_yi: float, debt_limit_yi: float,
                           allow_debt: bool) -> float:
    """New borrowing (亿元) to cover ``deficit_yi``: none if debt is not allowed, else up to the
    remaining room under ``debt_limit_yi``."""
    if not allow_debt or deficit_yi <= 0:
        return 0.0
    return float(min(deficit_yi, max(debt_limit_yi - debt_yi, 0.0)))


def land_renewal(used_mu: np.ndarray, rate: float = 0.01) -> np.ndarray:
    """Industrial land freed by renewal (工业用地改造, 工改) this year (亩): ``rate × used land``.

    Guangdong's 2023–2025 plan targets renewing roughly 1–2% of industrial land a year (assumed 1%).
    """
    return rate * np.maximum(used_mu, 0.0)


def deficit_demand_effect(borrowing_yi: float, multiplier: float = 1.8) -> float:
    """Extra local value added (亿元) next year from debt-financed (net new) public spending.

    Tax-financed spending reallocates demand within the district (a balanced-budget change with
    no net effect here); borrowed money is new demand, with a local spending multiplier of about
    1.8 (Chodorow-Reich 2019, cross-regional multiplier).
    """
    return multiplier * max(borrowing_yi, 0.0)


def non_firm_local_taxes(
    tertiary_yi: np.ndarray, construction_yi: np.ndarray, gdp_yi: np.ndarray,
    services_vat_rate: float = 0.05, vat_local_share: float = 0.5, land_tax_rate: float = 0.08,
    other_tax_rate: float = 0.02,
) -> np.ndarray:
    """Local revenue (亿元) from the bases other than the firm agents: VAT on services (6%
    statutory since 营改增 2016, half local), land and property taxes (契税, 土地增值税, 城镇土地
    使用税, 耕地占用税) on construction activity, and other taxes on GDP. The rates are starting
    values: the calibrated collection factor scales all local taxes to the base-year revenue."""
    return (services_vat_rate * vat_local_share * tertiary_yi + land_tax_rate * construction_yi
            + other_tax_rate * gdp_yi)
