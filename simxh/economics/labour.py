"""Labour (劳动力): commuting labour pools, tightness, wages and slow migration to jobs."""

from __future__ import annotations

import numpy as np


def commuting_weights(times_min: np.ndarray, half_life_min: float = 25.0) -> np.ndarray:
    """Share of a town's workers willing to commute to each node: ``2^(-t / half_life)``.

    Commuting flows decay steeply with time; a 25-minute half-life (assumed) matches the
    typical 20–30-minute one-way commute in Chinese county-level cities.
    """
    return np.exp2(-np.asarray(times_min, dtype=float) / half_life_min)


def labour_pool(labour_force_wan: np.ndarray, weights_town_to_node: np.ndarray) -> np.ndarray:
    """Labour (万人) within commuting reach of each node: ``Σ_t LF_t · w[t, j]``."""
    return labour_force_wan @ weights_town_to_node


def labour_tightness(demand_wan: np.ndarray, pool_wan: np.ndarray) -> np.ndarray:
    """Demand for labour relative to the pool within reach (1 = the base-year ratio after
    normalisation by the caller)."""
    return demand_wan / np.maximum(pool_wan, 1e-9)


def wage_index(tightness_ratio: np.ndarray, elasticity: float = 0.5) -> np.ndarray:
    """Wage relative to the base year ``(tightness / tightness0)^η`` (local wage curve).

    Blanchflower & Oswald's wage curve gives η ≈ 0.1 for unemployment; for labour-market tightness
    in fast-growing Chinese manufacturing towns a higher elasticity 0.5 is assumed.
    """
    return np.maximum(tightness_ratio, 1e-6) ** elasticity


def expansion_allowed(tightness_ratio: np.ndarray, tolerance: float = 1.1) -> np.ndarray:
    """Share of planned expansion local labour allows: 1 up to ``tolerance`` × base tightness,
    then falling as ``tolerance / tightness`` (growth limited by labour shortage, 用工紧张)."""
    return np.minimum(1.0, tolerance / np.maximum(tightness_ratio, 1e-9))


def market_wage(value_added_yi: float, labour_supply_wan: float, capital_share: float = 0.4) -> float:
    """The wage (万元 per worker) at which firms' labour demand ``(1-α)·VA/w`` equals the supply.

    Competitive labour market with Cobb–Douglas firms: the labour share of value added is 1 − α.
    """
    return (1.0 - capital_share) * value_added_yi / labour_supply_wan


def population_with_migration(
    population_wan: np.ndarray, wage_premium: float, jobs_wan: np.ndarray,
    natural_growth: float = 0.002, migration_speed: float = 0.1,
    log_cost_of_living: float = 0.0, reference_population_wan: float | None = None,
    migration_elasticity: float = 1.5,
) -> np.ndarray:
    """Population after a year of natural growth and migration toward a real wage premium.

    Net migration (share of population) is ``μ · (ln(w / w_outside) − ln c − ln(P / P_ref) / κ)``
    (Harris & Todaro 1970; a semi-elasticity μ = 0.1 means a 10% real premium draws 1% more
    people a year, within the 0.05–0.2 range of Blanchard & Katz 1992-type regional
    adjustment), where ``ln c`` is the district's cost of living relative to the base year
    (:func:`simxh.economics.growth.log_cost_of_living`): in-migration raises it and so lowers the
    premium that draws people (Roback 1982 spatial equilibrium).

    The last term is the finite migration elasticity of spatial models with idiosyncratic
    location preferences (Fréchet tastes, elasticity ``κ``: Tombe & Zhu 2019, *American Economic
    Review* 109(5), κ = 1.5 for China; Redding & Rossi-Hansberg 2017): a permanent premium draws
    a bounded number of people, ``ln(P* / P_ref) = κ · (premium − ln c)``, because each further
    migrant cares less for the place than the last, and the flow closes the gap to ``P*`` at
    rate ``μ / κ`` a year. ``P_ref`` is the base population on its natural-growth path (the base
    year is taken as a spatial equilibrium); None (or ``κ = ∞``) drops the term (the flow rule
    alone, where a permanent premium draws people for ever). Migrants settle where the jobs are
    (in proportion to each town's jobs). Natural growth 0.2%/yr is assumed.
    """
    total = population_wan.sum()
    premium = np.log(max(wage_premium, 1e-9)) - log_cost_of_living
    if reference_population_wan is not None and np.isfinite(migration_elasticity):
        premium -= np.log(max(total, 1e-12) / max(reference_population_wan, 1e-12)) \
            / max(migration_elasticity, 1e-9)
    migrants = migration_speed * premium * total
    share = jobs_wan / jobs_wan.sum()
    return np.maximum(population_wan * (1.0 + natural_growth) + migrants * share,
                      0.5 * population_wan)
