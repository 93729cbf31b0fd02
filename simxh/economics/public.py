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


def under_used_land(land_mu: np.ndarray, capital_yi: np.ndarray,
                    intensity_yi_per_mu: float = 0.04) -> np.ndarray:
    """Industrial land a firm holds beyond what its capital needs at the investment-intensity
    standard (亩): ``max(land − capital / intensity, 0)``. Guangdong's industrial-land standards
    ask 200–500万元 of fixed investment per 亩 in the PRD (0.04亿 = 400万 assumed); land held
    below it is what 工改 (工业用地改造, 提高容积率) re-densifies."""
    need = np.asarray(capital_yi, dtype=float) / intensity_yi_per_mu
    return np.maximum(np.asarray(land_mu, dtype=float) - need, 0.0)


def land_renewal(under_used_mu: np.ndarray, node: np.ndarray, target_mu: np.ndarray
                 ) -> np.ndarray:
    """Land each plot gives up to 工改 renewal this year (亩): per node, the node's target
    ``target_mu[node]`` (the plan's rate × the land its firms hold; Guangdong's 2023–2025 plan
    targets renewing roughly 1–2 % of industrial land a year) taken from its under-used land in
    proportion to each plot's, never more than that land. Renewal only moves land from firms to
    the free stock: the freed total is the sum returned, no more than the target or the
    under-used land."""
    under = np.maximum(np.asarray(under_used_mu, dtype=float), 0.0)
    node = np.asarray(node)
    target = np.maximum(np.asarray(target_mu, dtype=float), 0.0)
    have = np.bincount(node, weights=under, minlength=len(target))
    freed = np.minimum(target, have)
    share = np.divide(freed, have, out=np.zeros_like(have), where=have > 0)
    return under * np.minimum(share[node], 1.0)


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


def finance_infrastructure(wanted_yi: float, own_funds_yi: float, transfer_share: float,
                           special_bond_share: float, debt_room_yi: float,
                           allow_debt: bool) -> dict[str, float]:
    """How the year's infrastructure plan ``wanted_yi`` (亿元) is paid, in this order:
    upper-level transfers for ``transfer_share`` of it, special bonds (专项债) for
    ``special_bond_share`` within the room under the debt limit, the district's own funds
    (``own_funds_yi``, what its budget has left), then general borrowing within the room left.

    Transfers and bonds co-finance a project with the district's own part (project capital,
    资本金): if that part is paid only in share f, so are they, and the plan proceeds at f.
    Returns ``transfers``, ``special_bonds``, ``own`` and ``borrowing`` (亿元; their sum is what
    the plan gets). Money is conserved: nothing is paid that no source provides.
    """
    out = {"transfers": 0.0, "special_bonds": 0.0, "own": 0.0, "borrowing": 0.0}
    if wanted_yi <= 0:
        return out
    room = max(debt_room_yi, 0.0) if allow_debt else 0.0
    transfers = min(transfer_share, 1.0) * wanted_yi
    bonds = min(min(special_bond_share, 1.0 - min(transfer_share, 1.0)) * wanted_yi, room)
    need = max(wanted_yi - transfers - bonds, 0.0)
    own = min(need, max(own_funds_yi, 0.0))
    borrowing = min(need - own, room - bonds)
    paid_share = (own + borrowing) / need if need > 0 else 1.0
    out.update(transfers=transfers * paid_share, special_bonds=bonds * paid_share, own=own,
               borrowing=borrowing)
    return out


def bond_repayment(bond_debt_yi: float, maturity_years: float) -> float:
    """This year's principal repayment (亿元) of special-bond debt repaid in equal parts over
    ``maturity_years`` (a declining-balance approximation of a bond ladder)."""
    return max(bond_debt_yi, 0.0) / maturity_years if maturity_years > 0 else max(bond_debt_yi, 0.0)


def maintenance_due(cost_yi: np.ndarray | float, share: float = 0.02) -> float:
    """Yearly maintenance (亿元) of finished assets costing ``cost_yi``: ``share`` × cost
    (road maintenance ≈ 1–3 % of asset value a year; PIARC 2014)."""
    return float(share * np.sum(cost_yi))


def asset_condition(condition: np.ndarray, paid_share: float, decay: float = 0.1) -> np.ndarray:
    """Condition (1 = as built, 0 = the gain lost) after a year whose maintenance was paid in
    ``paid_share``: it falls by ``decay`` × the unpaid share; paid maintenance keeps it."""
    unpaid = 1.0 - min(max(paid_share, 0.0), 1.0)
    return np.clip(np.asarray(condition, dtype=float) - decay * unpaid, 0.0, 1.0)


def degraded_travel_time(before_min: np.ndarray | float, after_min: np.ndarray | float,
                         condition: np.ndarray | float) -> np.ndarray:
    """A link's travel time (minutes) at ``condition``: the time it was built to
    (``after_min``) plus the lost part of its gain over ``before_min`` (the time without it)."""
    before = np.asarray(before_min, dtype=float)
    after = np.asarray(after_min, dtype=float)
    return after + (1.0 - np.asarray(condition, dtype=float)) * np.maximum(before - after, 0.0)


def external_money_demand(new_money_yi: float, infrastructure_yi: float, multiplier: float = 1.8,
                          direct_va_per_yi: float = 0.0) -> float:
    """Extra local value added (亿元) from money new to the district this year (borrowing,
    special bonds, upper-level transfers), net of what is counted directly: ``multiplier`` ×
    the new money, less the construction value added (``direct_va_per_yi`` per 亿) of the
    part of it spent on infrastructure, which the construction sector already counts.

    The local multiplier ≈ 1.8 (Chodorow-Reich 2019) is the total value added per 亿 of
    outside-financed spending; tax-financed spending only moves demand within the district."""
    new = max(new_money_yi, 0.0)
    direct = direct_va_per_yi * min(new, max(infrastructure_yi, 0.0))
    return max(multiplier * new - direct, 0.0)


def slack_multiplier(multiplier: float, employment_rate_ratio: float,
                     full_slack_gap: float = 0.03) -> float:
    """The local spending multiplier the labour market's slack allows: ``multiplier`` ×
    ``min(1, slack / full_slack_gap)`` with ``slack = max(0, 1 − employment_rate_ratio)``, the
    shortfall of the employment rate (jobs / labour force) below the base year's.

    With a fully employed labour market (no shortfall) new demand only bids up wages and
    crowds out other output: the multiplier is 0; with a recession-sized shortfall
    (``full_slack_gap``, 3 points assumed) it is the full cross-regional multiplier.
    State-dependent multipliers: near 0 in expansions, 1.5–2 in recessions (Auerbach &
    Gorodnichenko 2012); above 1 only with slack (Ramey 2019 review)."""
    slack = max(1.0 - float(employment_rate_ratio), 0.0)
    gap = max(float(full_slack_gap), 1e-12)
    return float(multiplier) * min(slack / gap, 1.0)


def public_services_value_added(base_tertiary_yi: np.ndarray, share: float,
                                current_spending_yi: np.ndarray,
                                base_current_spending_yi: np.ndarray) -> np.ndarray:
    """Public services' value added per town (亿元): the base year's ``share`` of tertiary value
    added, scaled by the budgets' current spending in the town over the base year's (public
    services' value added is mostly the wages that current spending pays)."""
    base = np.asarray(base_current_spending_yi, dtype=float)
    ratio = np.where(base > 0, np.asarray(current_spending_yi, dtype=float)
                     / np.where(base > 0, base, 1.0), 1.0)
    return share * np.asarray(base_tertiary_yi, dtype=float) * np.maximum(ratio, 0.0)
