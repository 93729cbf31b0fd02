"""Long-run closure (长期增长的闭合): what ties the district's growth to the world outside.

Four rules give the model a balanced-growth path a referee can explain:

* the firms' technology grows with a frontier (Guangdong's real output path) plus a catch-up
  term that closes the gap between the district's output per worker and the frontier's
  (:func:`frontier_tfp_growth`): the district cannot outgrow the frontier for ever;
* people move toward a real wage premium net of a cost of living that rises with the
  district's population (:func:`log_cost_of_living`): in-migration lowers the premium;
* public investment replaces depreciation and grows the stock with the economy's expected
  growth toward a public-capital-to-GDP ratio (:func:`public_investment_need`), so the ratio
  has a steady state instead of drifting;
* outside demand acts on the firms relative to the district's own supply (the terms of trade,
  :func:`demand_multiplier`).
"""

from __future__ import annotations

import numpy as np


def frontier_tfp_growth(frontier_log_growth: float, frontier_share: float,
                        catch_up_rate: float, log_gap: float) -> float:
    """This year's log TFP growth of the district's firms: ``θ·g_F + λ·gap``.

    ``g_F`` is the frontier's log growth this year (Guangdong's real GDP), ``θ`` the share of it
    that is technology the district's firms adopt (TFP accounts for roughly a third of China's
    growth per worker, 1978–2007: Zhu 2012, *J. Econ. Perspectives* 26(4); estimated here),
    ``gap`` the log gap between the frontier's output per worker and the district's, both
    relative to the base year, and ``λ`` the convergence rate (β-convergence of about 2 % a
    year: Barro & Sala-i-Martin 1992, *J. Political Economy* 100(2)). A district that runs ahead
    of the frontier (gap < 0) gains less technology until it falls back into line, so its
    growth converges to the frontier's whatever the returns to its accumulated factors.
    With ``g_F = 0`` and no gap there is no technology growth.
    """
    return float(frontier_share * frontier_log_growth + catch_up_rate * log_gap)


def log_output_gap(frontier_index: float, output_per_worker: float,
                   base_output_per_worker: float) -> float:
    """``ln(F_t / F_0) − ln(y_t / y_0)``: how far the district's output per worker has fallen
    behind (> 0) or run ahead of (< 0) the frontier since the base year (``frontier_index`` is
    ``F_t / F_0``)."""
    return float(np.log(max(frontier_index, 1e-12))
                 - np.log(max(output_per_worker, 1e-12) / max(base_output_per_worker, 1e-12)))


def log_cost_of_living(population_wan: float, reference_population_wan: float,
                       housing_share: float = 0.227, house_price_elasticity: float = 0.7) -> float:
    """Log cost of living relative to the base year from the district's population.

    Housing is ``s`` of consumer spending (居住 22.7 % of per-capita consumption in 2023, NBS
    statistical communiqué) and house prices rise by ``ε`` per unit of log population (0.70 for
    1 % more inter-regional migrants across Chinese cities: Wang, Hui & Sun 2017, *Habitat
    International* 66; Chow & Niu 2015 give supply 0.5 and demand −1.1, so ≈ 0.6). The cost of
    living then rises by ``s·ε·ln(P / P_ref)``. ``P_ref`` is the base population on its natural
    growth path (the housing stock grows with natural increase; only migrants crowd it).
    """
    ratio = max(population_wan, 1e-12) / max(reference_population_wan, 1e-12)
    return float(housing_share * house_price_elasticity * np.log(ratio))


def public_investment_need(gdp_yi: np.ndarray, capital_gdp_ratio: float, depreciation: float,
                           expected_growth: float) -> np.ndarray:
    """Public investment that keeps public capital at ``capital_gdp_ratio`` × GDP along the
    growth the economy expects: ``(δ + g_e)·r*·Y`` (the perpetual-inventory steady state
    ``G/Y = I/Y ÷ (δ + g)``; the target-ratio rule of public-capital models: Leeper, Walker &
    Yang 2010, *J. Monetary Economics* 57(8)). With no expected growth it only replaces
    depreciation, so the ratio is steady rather than drifting."""
    rate = max(depreciation + expected_growth, 0.0)
    return rate * capital_gdp_ratio * np.asarray(gdp_yi, dtype=float)


def outside_public_investment(need_yi: np.ndarray, budget_investment_yi: np.ndarray
                              ) -> np.ndarray:
    """What land funds, higher-level transfers and financing platforms invest: the rest of the
    need that the budget's own public investment leaves (never negative). The levers'
    investment (infrastructure projects, pairing money) comes on top of it."""
    return np.maximum(np.asarray(need_yi, dtype=float) - budget_investment_yi, 0.0)


def demand_multiplier(outside_demand_index: np.ndarray, own_output_index: float,
                      elasticity: float = 0.5) -> np.ndarray:
    """Firms' revenue productivity from demand: ``(D / D_0 ÷ Y / Y_0)^ε``.

    The district's goods are imperfect substitutes for others' (Armington), so their price rises
    with the outside markets' real demand ``D`` and falls with the district's own supply ``Y``
    (its firms' real value added), with ``ε = 1/σ``: trade elasticities σ ≈ 2–5 give 0.2–0.5
    (Head & Mayer 2014 gravity meta-analysis; Simonovska & Waugh 2014). This terms-of-trade
    effect is what gives open regions with near-constant returns to accumulated factors a
    common long-run growth rate (Acemoglu & Ventura 2002, *Quarterly J. Economics* 117(2)): a
    district that outgrows its markets sells at falling prices.
    """
    own = max(float(own_output_index), 1e-12)
    return (np.asarray(outside_demand_index, dtype=float) / own) ** elasticity


def investment_flow_scale(expected_growth: float, base_expected_growth: float) -> float:
    """The flow of new plants (the pool of mobile projects) relative to the base year:
    ``g_e / g_e0``, where ``g_e`` is the growth the economy expects. The pool is new capacity:
    the plants in place replace their own wear, and the firms' births replace the firms that
    close (:meth:`simxh.processes.industry.Industry.enter`; the base-year firms are the
    stationary mix of that turnover, :func:`simxh.calibration.spin_up`), so a world that stops
    growing draws no new mobile plants. (Issue 19 first added the capital-weighted closure rate
    ``r`` as a replacement part, ``(r + g_e) / (r + g_e0)``: closed plants were then replaced
    twice, by births and by projects, and a world with every driver at zero grew 0.3 %/yr and
    drew 5 % more people by 2060; with the births alone its GDP holds within 1 %.)"""
    return max(expected_growth, 0.0) / max(base_expected_growth, 1e-12)
