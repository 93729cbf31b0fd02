"""Market access (市场可达性): gravity access over network travel times."""

from __future__ import annotations

import numpy as np

DEFAULT_DISTANCE_DECAY = 0.9
"""Distance elasticity of trade; meta-analysis mean ≈ 0.9 (Disdier & Head 2008, REStat 90(1))."""


def market_access(
    times_min: np.ndarray,
    masses: np.ndarray,
    decay: float = DEFAULT_DISTANCE_DECAY,
    self_time_min: float = 10.0,
) -> np.ndarray:
    """Gravity market access of every origin: ``MA_i = Σ_j M_j · τ_ij^(-θ)`` (Harris 1954).

    ``times_min`` is the n×m travel-time matrix in minutes (``inf`` where unreachable),
    ``masses`` the m destination masses (e.g. GDP in 亿元), ``decay`` θ. A node's own market
    is reached in ``self_time_min``; no trip is shorter than that, which keeps nearby pairs
    from dominating. Units: mass per minute^θ; compare ratios, not levels.
    """
    return market_access_weighted(access_weights(times_min, decay, self_time_min), masses)


def access_weights(times_min: np.ndarray, decay: float = DEFAULT_DISTANCE_DECAY,
                   self_time_min: float = 10.0) -> np.ndarray:
    """The gravity weights ``max(τ_ij, self_time)^(-θ)`` of :func:`market_access` (0 where
    unreachable); they depend on the network only, so callers may keep them."""
    times = np.asarray(times_min, dtype=float)
    if times.ndim != 2:
        raise ValueError(f"times must be a matrix, got shape {times.shape}")
    if decay < 0:
        raise ValueError(f"decay must be >= 0, got {decay}")
    t = np.maximum(times, self_time_min)
    return np.where(np.isfinite(t), t ** (-decay), 0.0)


def market_access_weighted(weights: np.ndarray, masses: np.ndarray) -> np.ndarray:
    """:func:`market_access` from weights computed by :func:`access_weights`."""
    masses = np.asarray(masses, dtype=float)
    if weights.shape[1] != masses.shape[0]:
        raise ValueError(f"times {weights.shape} and masses {masses.shape} do not align")
    return weights @ masses


def mean_travel_time(times_min: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted mean travel time from each origin to the destinations (minutes)."""
    times = np.asarray(times_min, dtype=float)
    w = np.asarray(weights, dtype=float)
    return (times * w).sum(axis=1) / w.sum()


def huff_shares(attraction: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Huff (1963) probabilities that a resident of origin i shops in destination j:
    ``P_ij = A_j w_ij / Σ_k A_k w_ik`` with travel-time weights ``w`` (:func:`access_weights`)
    and attractions ``A``. Rows sum to 1."""
    aw = weights * np.asarray(attraction, dtype=float)[None, :]
    return aw / aw.sum(axis=1, keepdims=True)


def huff_flows(demand: np.ndarray, attraction: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Spending received per destination: every origin's ``demand`` spent by the Huff shares
    (attraction = services mass, Huff's size term with exponent 1)."""
    return np.asarray(demand, dtype=float) @ huff_shares(attraction, weights)


def spend_where_shopped(demand: np.ndarray, mobile_share: float, base_services: np.ndarray,
                        flows: np.ndarray, base_flows: np.ndarray) -> np.ndarray:
    """Services value added per town: the residents' fixed part ``1 − mobile_share`` of their
    demand at home; the mobile part of the district's demand shared among the towns by the
    base year's services times the change in their Huff flows since the base year (a pivot-point
    / incremental form, Koppelman 1983, so the base year is reproduced exactly). Totals are
    kept; a town whose residents find the core's larger market closer can lose, the two-way
    effect of a link (Faber 2014: peripheral counties connected to the core lose output)."""
    d = np.asarray(demand, dtype=float)
    index = np.asarray(base_services, dtype=float) * np.asarray(flows) / np.asarray(base_flows)
    return (1.0 - mobile_share) * d + mobile_share * d.sum() * index / index.sum()


def competition_index(weights: np.ndarray, supplier_masses: np.ndarray,
                      base_competition: np.ndarray, exponent: float = 1.0) -> np.ndarray:
    """How much more crowded each market is with suppliers than in the base year, as a factor on
    its mass in market access: ``(C_j / C0_j)^(−γ)`` with ``C_j = Σ_k w_jk S_k`` the suppliers
    ``S`` within reach of market j (Redding & Venables 2004; Donaldson & Hornbeck 2016: firm
    market access divides each market by its consumer market access, γ = 1). A link that
    brings the core's (or the outside's) suppliers closer to a town's market lowers what that
    market is worth to its own firms: access can fall (Faber 2014)."""
    c = weights @ np.asarray(supplier_masses, dtype=float)
    c0 = np.asarray(base_competition, dtype=float)
    return (c / np.where(c0 > 0, c0, 1.0)) ** (-exponent)
