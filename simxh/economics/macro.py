"""The outside world's common shocks (宏观冲击): AR(1) deviations estimated from history."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class AR1:
    """``x_t − μ = ρ (x_{t−1} − μ) + σ ε_t`` with ε ~ N(0, 1); ``n`` observations used."""

    mean: float
    rho: float
    sigma: float
    n: int


def estimate_ar1(series: np.ndarray, max_abs_rho: float = 0.95) -> AR1:
    """Least-squares AR(1) with an intercept on a yearly series (no gaps).

    OLS of ``x_t`` on ``(1, x_{t−1})``; σ is the residual standard deviation with two degrees of
    freedom removed. ρ is clipped to ±``max_abs_rho`` so that a short sample cannot give an
    explosive process. Needs at least 4 observations.
    """
    x = np.asarray(series, dtype=float)
    if x.ndim != 1 or len(x) < 4 or not np.all(np.isfinite(x)):
        raise ValueError(f"an AR(1) needs at least 4 finite yearly values, got {x!r}")
    y, lag = x[1:], x[:-1]
    design = np.column_stack([np.ones_like(lag), lag])
    (c, rho), *_ = np.linalg.lstsq(design, y, rcond=None)
    rho = float(np.clip(rho, -max_abs_rho, max_abs_rho))
    resid = y - c - rho * lag
    sigma = float(np.sqrt(np.sum(resid**2) / max(len(y) - 2, 1)))
    mean = float(c / (1.0 - rho)) if abs(1.0 - rho) > 1e-9 else float(np.mean(x))
    return AR1(mean=mean, rho=rho, sigma=sigma, n=len(x))


def ar1_deviations(rho: float, sigma: float, normal_draws: np.ndarray, start: float = 0.0
                   ) -> np.ndarray:
    """Deviations ``u_t = ρ u_{t−1} + σ z_t`` from ``u_0 = start`` for the given draws ``z``."""
    out = np.empty(len(normal_draws))
    u = start
    for t, z in enumerate(np.asarray(normal_draws, dtype=float)):
        u = rho * u + sigma * z
        out[t] = u
    return out


def ar1_forecast(model: AR1, last: float, normal_draws: np.ndarray) -> np.ndarray:
    """A path of the AR(1) from the last observed value ``last`` (draws of zeros give the
    conditional mean forecast: reversion toward the historical mean at rate ρ)."""
    return model.mean + ar1_deviations(model.rho, model.sigma, normal_draws, last - model.mean)


def growth_index(growth_pct: np.ndarray) -> np.ndarray:
    """Levels relative to the first year from yearly growth rates in per cent (the first
    year's rate is not used: its level is 1)."""
    g = np.asarray(growth_pct, dtype=float) / 100.0
    return np.concatenate([[1.0], np.cumprod(1.0 + g[1:])])
