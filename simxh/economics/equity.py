"""Regional balance (区域协调): inequality of GDP per capita across towns."""

from __future__ import annotations

import numpy as np


def theil_index(values: np.ndarray, weights: np.ndarray) -> float:
    """Population-weighted Theil T index of ``values`` (e.g. GDP per capita across towns).

    ``T = Σ w_i (x_i/μ) ln(x_i/μ)`` with population shares ``w`` and weighted mean ``μ``
    (Theil 1967); 0 is perfect equality.
    """
    w = np.asarray(weights, dtype=float) / np.sum(weights)
    x = np.asarray(values, dtype=float)
    mu = np.sum(w * x)
    r = np.maximum(x / mu, 1e-300)
    return float(np.sum(w * r * np.log(r)))


def gini_coefficient(values: np.ndarray, weights: np.ndarray) -> float:
    """Population-weighted Gini coefficient: half the mean absolute difference over the mean."""
    w = np.asarray(weights, dtype=float) / np.sum(weights)
    x = np.asarray(values, dtype=float)
    mu = np.sum(w * x)
    diff = np.abs(x[:, None] - x[None, :])
    return float(np.sum(w[:, None] * w[None, :] * diff) / (2.0 * mu))
