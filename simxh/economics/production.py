"""Production (生产): firm value added and the multipliers the network and the state add to it."""

from __future__ import annotations

import numpy as np


def cobb_douglas_value_added(
    productivity: np.ndarray, capital_yi: np.ndarray, employment_wan: np.ndarray,
    capital_share: float = 0.4, returns_to_scale: float = 1.0,
) -> np.ndarray:
    """Firm value added (增加值, 亿元) ``(A · K^α · L^(1-α))^φ``.

    ``capital_share`` α = 0.4: China's capital income share of value added is about 0.4–0.5
    (Bai, Hsieh & Qian 2006; Chow & Li 2002 use 0.4–0.6). ``returns_to_scale`` φ < 1 are the
    decreasing returns of a firm's revenue in its inputs (span of control, or a downward-sloping
    demand curve): φ = 0.85 in Restuccia & Rogerson (2008) and Atkeson & Kehoe (2005). With
    φ < 1 each firm has a finite optimal size, ∝ A^(φ/(1−φ)); φ = 1 is constant returns.
    """
    k = np.maximum(capital_yi, 0.0)
    lab = np.maximum(employment_wan, 0.0)
    inputs = productivity * k**capital_share * lab ** (1.0 - capital_share)
    return inputs if returns_to_scale == 1.0 else inputs**returns_to_scale


def profit_share(capital_share: float = 0.4, returns_to_scale: float = 1.0) -> float:
    """Share of value added left after the wage bill, ``1 − φ(1 − α)``: with decreasing returns
    a firm paying its workers their marginal product keeps the capital share and the rent
    ``1 − φ`` (Restuccia & Rogerson 2008)."""
    return 1.0 - returns_to_scale * (1.0 - capital_share)


def operating_profit(value_added_yi: np.ndarray, capital_yi: np.ndarray,
                     capital_share: float = 0.4, returns_to_scale: float = 1.0,
                     depreciation: float = 0.08) -> np.ndarray:
    """A firm's profit (亿元) before tax: value added less the wage bill and depreciation,
    ``(1 − φ(1 − α))·VA − δ·K`` (the base of corporate income tax)."""
    return (profit_share(capital_share, returns_to_scale) * value_added_yi
            - depreciation * capital_yi)


def cobb_douglas_value_added_log(
    log_productivity: np.ndarray, capital_yi: np.ndarray, employment_wan: np.ndarray,
    capital_share: float = 0.4, returns_to_scale: float = 1.0,
) -> np.ndarray:
    """:func:`cobb_douglas_value_added` from log productivity, computed in logs:
    ``exp(φ · (log A + α·log K + (1−α)·log L))``.

    The same quantity (equal to rounding, ~1e-15 relative) with one ``exp`` and two ``log``
    per firm instead of an ``exp`` and three ``pow``; a firm with no capital or no labour
    produces 0, as there. Used by the simulated years' firm step and entrants (the calibration
    uses :func:`cobb_douglas_value_added` for the base-year state itself; its spin-up uses this).
    """
    with np.errstate(divide="ignore"):
        log_k = np.log(np.maximum(capital_yi, 0.0))
        log_l = np.log(np.maximum(employment_wan, 0.0))
    log_inputs = log_productivity + capital_share * log_k + (1.0 - capital_share) * log_l
    if returns_to_scale != 1.0:
        log_inputs = returns_to_scale * log_inputs
    return np.exp(log_inputs)


def log_productivity_at_optimum(
    capital_yi: np.ndarray, wage_wan: np.ndarray | float, multiplier: np.ndarray | float,
    capital_output_ratio: float, capital_share: float = 0.4, returns_to_scale: float = 1.0,
) -> np.ndarray:
    """Log TFP of a firm for which ``capital_yi`` is its optimal (desired) capital: value added
    ``K / c`` (desired capital is ``c`` × value added), labour where its marginal revenue
    product is the wage, at this node's productivity ``multiplier``. A firm's size then
    reflects its productivity (size ∝ A^(1/(1−φ)): Lucas 1978; Melitz 2003), as the base-year
    firms' does (calibration), so a large entrant is a productive one and does not shrink back
    to the median firm's scale."""
    va = np.maximum(capital_yi, 1e-12) / capital_output_ratio
    labour = returns_to_scale * (1.0 - capital_share) * va / wage_wan
    a = productivity_for_value_added(va / np.maximum(multiplier, 1e-12), capital_yi, labour,
                                     capital_share, returns_to_scale)
    return np.log(np.maximum(a, 1e-300))


def productivity_for_value_added(
    value_added_yi: np.ndarray, capital_yi: np.ndarray, employment_wan: np.ndarray,
    capital_share: float = 0.4, returns_to_scale: float = 1.0,
) -> np.ndarray:
    """The productivity ``A`` that makes :func:`cobb_douglas_value_added` return ``value_added_yi``.

    Used by calibration: TFP is the residual (Solow 1957).
    """
    denom = np.maximum(capital_yi, 1e-12) ** capital_share * np.maximum(
        employment_wan, 1e-12) ** (1.0 - capital_share)
    return np.maximum(value_added_yi, 0.0) ** (1.0 / returns_to_scale) / denom


def mass_within_reach(
    weights: np.ndarray, mass_by_node: np.ndarray,
) -> np.ndarray:
    """Economic mass each node reaches: ``W @ M`` with ``W[j, k]`` a travel-time weight.

    ``mass_by_node`` may be (n,) (total mass) or (n, s) (mass per sector, for localisation).
    """
    return weights @ mass_by_node


def travel_time_weights(times_min: np.ndarray, half_life_min: float = 30.0) -> np.ndarray:
    """Agglomeration weights ``2^(-t / half_life)`` on the travel-time matrix (minutes).

    Agglomeration spillovers attenuate quickly with distance: Rosenthal & Strange (2003) find
    most of the effect within a few miles; a 30-minute half-life (assumed) keeps a town and its
    neighbours and gives the GBA cities little weight.
    """
    return np.exp2(-np.asarray(times_min, dtype=float) / half_life_min)


def agglomeration_multiplier(
    mass: np.ndarray, base_mass: np.ndarray, elasticity: float = 0.04,
) -> np.ndarray:
    """Productivity multiplier ``(M / M0)^ε`` from economic mass within reach (集聚效应).

    ε = 0.04 for total mass (urbanisation economies) is the central estimate of Melo, Graham &
    Noland (2009); Combes et al. (2012) find 0.02–0.05; Chauvin et al. (2017) find larger values
    for China. Normalised to 1 at the base year, so calibration is unaffected.
    """
    ratio = np.where(base_mass > 0, mass / np.where(base_mass > 0, base_mass, 1.0), 1.0)
    return np.maximum(ratio, 1e-9) ** elasticity


def market_access_multiplier(
    access: np.ndarray, base_access: np.ndarray, elasticity: float = 0.08,
) -> np.ndarray:
    """Output multiplier ``(MA / MA0)^η`` from gravity market access (市场可达性).

    η = 0.08 (assumed) is below the 0.1–0.3 income elasticities of market access in Redding &
    Venables (2004) cross-country and Donaldson & Hornbeck (2016), since part of those effects
    is already in the agglomeration term.
    """
    ratio = access / np.where(base_access > 0, base_access, 1.0)
    return np.maximum(ratio, 1e-9) ** elasticity


def public_capital_multiplier(
    public_capital_yi: np.ndarray, base_public_capital_yi: np.ndarray, elasticity: float = 0.08,
) -> np.ndarray:
    """Output multiplier ``(G / G0)^θ`` from a town's public capital stock (公共资本).

    θ = 0.08 is the short-run output elasticity of public capital in the meta-analysis of Bom &
    Ligthart (2014) (0.12 in the long run; higher for core local infrastructure).
    """
    ratio = public_capital_yi / np.where(base_public_capital_yi > 0, base_public_capital_yi, 1.0)
    return np.maximum(ratio, 1e-9) ** elasticity
