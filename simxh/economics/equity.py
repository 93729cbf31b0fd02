"""Regional balance (区域协调): inequality of GDP per capita across towns."""

from __future__ import annotations

import numpy as np


def theil_index(values: np.ndarray, weights: np.ndarray) -> float:
    """Population-weighted Theil T index of ``values`` (e.g. GDP per capita across towns).

    ``T = Σ w_i (x_i/μ) ln(x_i/μ)`` with population shares ``w`` and weighted mean ``μ``
    (Theil 1967); 0 is perfect equality.
    """
    # (array methods rather than np.sum's wrapper: the same reductions)
    weights = np.asarray(weights)
    w = np.asarray(weights, dtype=float) / weights.sum()
    x = np.asarray(values, dtype=float)
    mu = (w * x).sum()
    r = np.maximum(x / mu, 1e-300)
    return float((w * r * np.log(r)).sum())


def gini_coefficient(values: np.ndarray, weights: np.ndarray) -> float:
    """Population-weighted Gini coefficient: half the mean absolute difference over the mean."""
    weights = np.asarray(weights)
    w = np.asarray(weights, dtype=float) / weights.sum()
    x = np.asarray(values, dtype=float)
    mu = (w * x).sum()
    diff = np.abs(x[:, None] - x[None, :])
    return float((w[:, None] * w[None, :] * diff).sum() / (2.0 * mu))
