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


def huff_attraction(demand: np.ndarray, target: np.ndarray, weights: np.ndarray,
                    tol: float = 1e-12, max_iter: int = 10_000) -> np.ndarray:
    """Attractions ``A`` such that the demand of every origin, spent by the Huff shares,
    reproduces ``target`` per destination: ``Σ_i D_i P_ij(A) = T_j`` (balancing factors of a
    production-constrained gravity model, found by proportional fitting; Wilson 1971).
    ``demand`` and ``target`` must have the same total. Scaled to mean 1."""
    d = np.asarray(demand, dtype=float)
    t = np.asarray(target, dtype=float)
    a = np.ones_like(t)
    for _ in range(max_iter):
        got = d @ huff_shares(a, weights)
        a = a * t / got
        a = a / a.mean()
        if np.max(np.abs(got - t)) <= tol * max(t.max(), 1.0):
            break
    return a


def spend_where_shopped(demand: np.ndarray, shares: np.ndarray, mobile_share: float) -> np.ndarray:
    """Services value added per destination town: the residents' fixed part ``1 − mobile_share``
    of their demand at home, the mobile part spent by the Huff ``shares``. Totals are kept; a
    town whose residents find shops elsewhere closer can lose (the two-way effect of a link:
    Faber 2014, peripheral counties lose when connected to the core)."""
    d = np.asarray(demand, dtype=float)
    return (1.0 - mobile_share) * d + mobile_share * (d @ shares)
