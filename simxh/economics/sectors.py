"""Primary (农业: 新会柑/陈皮 citrus, aquaculture) and tertiary (服务业) sectors, per town."""

from __future__ import annotations

import numpy as np


def agriculture_value_added(
    citrus_yi: np.ndarray, other_yi: np.ndarray,
) -> np.ndarray:
    """Primary value added (亿元) of a town: citrus/chenpi (新会柑, 陈皮) plus other farming,
    forestry and aquaculture."""
    return citrus_yi + other_yi


def productivity_step(level: np.ndarray, drift: float, shock_sd: float,
                      normal_draws: np.ndarray) -> np.ndarray:
    """One year of a productivity index with drift and lognormal (weather/price) shocks:
    ``X · exp(drift − σ²/2 + σ·z)`` (mean growth = drift)."""
    return level * np.exp(drift - 0.5 * shock_sd**2 + shock_sd * normal_draws)


def services_value_added(
    coefficient: np.ndarray, resident_income_yi: np.ndarray, population_wan: np.ndarray,
    productivity: np.ndarray | float = 1.0, income_elasticity: float = 0.8,
) -> np.ndarray:
    """Tertiary value added (亿元) ``c · TFP · Y^ε · P^(1-ε)``: services follow local income and
    population. ε = 0.8 (assumed; income elasticities of service demand are near or above 1 in
    cross-section, e.g. Herrendorf, Rogerson & Valentinyi 2014, with part of it in the TFP term)."""
    return (coefficient * productivity * np.maximum(resident_income_yi, 1e-9) ** income_elasticity
            * np.maximum(population_wan, 1e-9) ** (1.0 - income_elasticity))


def resident_income(goods_value_added_yi: np.ndarray, population_wan: np.ndarray,
                    commuting_share: float = 0.5) -> np.ndarray:
    """Income base for a town's services (亿元): a share of the district's goods value added by
    population (residents work and spend across towns) and the rest from the town's own goods
    production. ``commuting_share`` = 0.5 is assumed."""
    pop_share = population_wan / population_wan.sum()
    return ((1.0 - commuting_share) * goods_value_added_yi
            + commuting_share * pop_share * goods_value_added_yi.sum())
