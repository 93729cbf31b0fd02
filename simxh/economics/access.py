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
