"""Firm dynamics (企业动态): shocks, investment, hiring, exit, size thresholds, certification.

Every rule is a function of each firm's own state (arrays, one entry per firm), shared per-year
fields and per-firm random draws taken beforehand; it is applied to all firms at once.
"""

from __future__ import annotations

import math

import numpy as np


def laplace_log_drift_correction(shock_scale: float) -> float:
    """``-log E[exp(ε)]`` for a Laplace shock of scale ``b`` (needs ``b < 1``).

    Adding it to the drift makes ``drift`` the mean growth of ``exp(log A)`` rather than of
    ``log A``: E[e^ε] = 1 / (1 - b²) for ε ~ Laplace(0, b).
    """
    return float(np.log(1.0 - shock_scale**2))


def productivity_growth(
    log_productivity: np.ndarray, drift: float, shock_scale: float,
    laplace_draws: np.ndarray, renovation_gain: np.ndarray | float = 0.0,
    mean_log_productivity: np.ndarray | float = 0.0, mean_reversion: float = 0.0,
) -> np.ndarray:
    """Next year's log TFP: ``log A + g + c + ρ·(m − log A) + b·ε + renovation``, ε ~ Laplace(0, 1).

    Firm growth rates are tent-shaped (Laplace), not Gaussian (Stanley et al. 1996; Bottazzi &
    Secchi 2003, 2006). TFP is persistent but mean-reverting toward each firm's own long-run
    level ``m`` (its permanent productivity, which grows with the drift): an AR(1) persistence of
    about 0.8 (Foster, Haltiwanger & Syverson 2008) gives ρ = 0.2, so the transitory part has a
    stationary dispersion (sd = b·√2 / √(ρ(2 − ρ))) and the size distribution stays the
    calibrated (Zipf) one. ``c`` makes ``g`` the mean growth of A itself.
    ``renovation_gain`` is the log gain of firms doing technology renovation this year.
    """
    return (log_productivity + drift + laplace_log_drift_correction(shock_scale)
            + mean_reversion * (mean_log_productivity - log_productivity)
            + shock_scale * laplace_draws + renovation_gain)


def stationary_productivity_sd(shock_scale: float, mean_reversion: float) -> float:
    """Standard deviation of log TFP in the stationary state of :func:`productivity_growth`."""
    if mean_reversion <= 0:
        return float("inf")
    return float(shock_scale * np.sqrt(2.0) / np.sqrt(mean_reversion * (2.0 - mean_reversion)))


def desired_capital(value_added_yi: np.ndarray, capital_share: float, user_cost: float,
                    returns_to_scale: float = 1.0) -> np.ndarray:
    """Capital (亿元) at which the marginal revenue product of capital ``φ·α·VA/K`` equals the
    user cost of capital ``r + δ`` (Jorgenson 1963; Hall & Jorgenson 1967)."""
    return returns_to_scale * capital_share * np.maximum(value_added_yi, 0.0) / user_cost


def investment_to_target(
    capital_yi: np.ndarray, desired_yi: np.ndarray, depreciation: float, speed: float,
    financing_cap_yi: np.ndarray, labour_constraint: np.ndarray | float = 1.0,
    net: bool = True, expected_growth: float = 0.0, committed_yi: np.ndarray | float = 0.0,
) -> np.ndarray:
    """Gross investment (亿元): replacement ``δK``, growth of capital at the demand growth the
    firm expects ``g_e·K``, and a share ``speed`` of the gap to desired capital (an error-
    correction accelerator: Chirinko 1993; partial adjustment, Caballero & Engel 1999), capped
    by what the firm can finance.

    A firm at its desired capital on the expected path invests ``(δ + g_e)·K``. Expansion (a
    positive net amount) is scaled by ``labour_constraint`` ∈ (0, 1], the share of planned
    expansion that local labour allows. ``net=False`` is the what-if of no net investment:
    replacement only.

    ``committed_yi`` is investment the firm makes this year anyway (a technology renovation):
    it counts toward the same capital target, so the firm's other investment is the rest of the
    target (never below zero). Renovation is equipment investment, and its capital is capital
    like any other: an investment subsidy mostly moves the timing and form of investment the
    firm would make (Criscuolo et al. 2019 find no TFP effect of the UK's investment subsidy;
    Zwick & Mahon 2017 a large investment response to bonus depreciation, not a free addition
    to the capital a firm wants).
    """
    net_yi = expected_growth * capital_yi + speed * (desired_yi - capital_yi)
    net_yi = np.where(net_yi > 0, net_yi * labour_constraint, net_yi)
    gross = depreciation * capital_yi + (net_yi if net else 0.0) - committed_yi
    return np.clip(gross, 0.0, np.maximum(financing_cap_yi, 0.0))


def renovation_financing(
    funds_yi: np.ndarray, own_cost_yi: np.ndarray, debt_yi: np.ndarray, loan_rate: float = 0.0345,
) -> tuple[np.ndarray, np.ndarray]:
    """A firm's internal funds after paying for its renovations, and what it still owes.

    Last year's debt accrues interest at ``loan_rate`` and is serviced first; this year's own
    part of a renovation is paid next; what the funds cannot cover is borrowed. Returns the
    funds left for other investment (≥ 0) and the new debt (亿元). Internal finance first,
    then bank credit (the pecking order; Myers & Majluf 1984): retained earnings finance most
    investment of Chinese private firms (Guariglia, Liu & Song 2011). The default loan rate is
    the one-year loan prime rate of August 2023 (3.45 %, People's Bank of China).
    """
    owed = debt_yi * (1.0 + loan_rate)
    repaid = np.minimum(owed, np.maximum(funds_yi, 0.0))
    left = np.maximum(funds_yi, 0.0) - repaid
    paid = np.minimum(own_cost_yi, left)
    return left - paid, owed - repaid + (own_cost_yi - paid)


def capital_accumulation(
    capital_yi: np.ndarray, investment_yi: np.ndarray, depreciation: float = 0.08,
) -> np.ndarray:
    """Perpetual inventory ``K' = (1 - δ) K + I`` with δ = 0.08 (Chinese capital-stock studies use
    0.05–0.10; Zhang, Wu & Zhang 2004 use 0.096)."""
    return (1.0 - depreciation) * capital_yi + investment_yi


def labour_demand(
    value_added_yi: np.ndarray, wage_wan_per_worker: np.ndarray | float, capital_share: float = 0.4,
    returns_to_scale: float = 1.0,
) -> np.ndarray:
    """Employment (万人) where the marginal revenue product of labour equals the wage:
    ``φ·(1-α)·VA / w``.

    ``VA`` in 亿元 and ``w`` in 万元 per worker: ``(1-α)·VA·1e4 / w`` workers = ``(1-α)·VA / w`` 万人.
    """
    return (returns_to_scale * (1.0 - capital_share) * np.maximum(value_added_yi, 0.0)
            / wage_wan_per_worker)


def partial_adjustment(current: np.ndarray, target: np.ndarray, speed: float = 0.5) -> np.ndarray:
    """Move ``current`` a share ``speed`` of the way to ``target`` (hiring/firing frictions;
    Hamermesh 1993 reports half-lives of about a year for employment, hence 0.5)."""
    return current + speed * (target - current)


def exit_hazard(
    output_yi: np.ndarray, productivity: np.ndarray, age_years: np.ndarray,
    reference_output_yi: float, reference_productivity: float,
    base_rate: float = 0.07, size_elasticity: float = 0.25, productivity_elasticity: float = 1.0,
    young_multiplier: float = 2.0, young_age_years: int = 2, max_rate: float = 0.9,
) -> np.ndarray:
    """Annual exit probability, falling with size and productivity, higher for young firms.

    ``h = base · (Y/Y_ref)^(-a) · (A/A_ref)^(-c) · (young? m : 1)``, clipped to ``max_rate``.
    Exit falls with size (Evans 1987; Dunne, Roberts & Samuelson 1989) and productivity (Melitz 2003
    selection); 20–40% of entrants fail within two years (Bartelsman, Scarpetta & Schivardi 2005),
    hence a doubled hazard for firms aged under 2. Base 7% at the reference firm (assumed, tuned so
    the exit rate lies in the 5–20% range).
    """
    size = np.maximum(output_yi, 1e-9) / reference_output_yi
    prod = np.maximum(productivity, 1e-12) / reference_productivity
    h = base_rate * size ** (-size_elasticity) * prod ** (-productivity_elasticity)
    h = np.where(age_years < young_age_years, h * young_multiplier, h)
    return np.clip(h, 0.0, max_rate)


def exit_hazard_log(
    output_yi: np.ndarray, log_productivity: np.ndarray, age_years: np.ndarray,
    reference_output_yi: float, reference_productivity: float,
    base_rate: float = 0.07, size_elasticity: float = 0.25, productivity_elasticity: float = 1.0,
    young_multiplier: float = 2.0, young_age_years: int = 2, max_rate: float = 0.9,
) -> np.ndarray:
    """:func:`exit_hazard` from log productivity, computed in logs:
    ``base · exp(−a·log(Y/Y_ref) − c·log(A/A_ref))`` (the same quantity, equal to rounding,
    with one ``log`` and one ``exp`` per firm instead of an ``exp`` and two ``pow``)."""
    log_size = np.log(np.maximum(output_yi, 1e-9) / reference_output_yi)
    log_prod = np.maximum(log_productivity, math.log(1e-12)) - math.log(reference_productivity)
    h = base_rate * np.exp(-size_elasticity * log_size - productivity_elasticity * log_prod)
    h = np.where(age_years < young_age_years, h * young_multiplier, h)
    return np.clip(h, 0.0, max_rate)


def crosses_threshold(output_yi: np.ndarray, threshold_yi: float) -> np.ndarray:
    """Whether a firm's annual revenue reaches ``threshold_yi``: 规上 (above designated size) is
    2000万元 = 0.2亿 of main-business revenue (NBS, since 2011); the plan also counts firms with
    output over 10亿."""
    return output_yi >= threshold_yi


def certification_probability(
    log_productivity_gap: np.ndarray, max_rate: float = 0.08, slope: float = 4.0,
) -> np.ndarray:
    """Logistic certification chance ``p_max / (1 + exp(-k · gap))`` (高新技术企业, 专精特新).

    ``gap`` is the firm's log productivity above the certification bar (a productivity quantile
    among eligible firms). ``max_rate`` and ``slope`` are assumed and tuned so that the stock of
    high-tech firms grows from the reported 550 (2023) at a pace comparable with 2019–2023.
    """
    return max_rate / (1.0 + np.exp(-slope * log_productivity_gap))


def organic_renovation_probability(
    log_productivity_gap: np.ndarray, base_rate: float = 0.02, slope: float = 1.0,
) -> np.ndarray:
    """Chance that an above-scale firm undertakes technology renovation unaided:
    ``base · exp(k · gap)`` clipped to [0, 1]; more productive firms renovate more (assumed)."""
    return np.clip(base_rate * np.exp(slope * log_productivity_gap), 0.0, 1.0)


def zipf_tail_exponent(sizes: np.ndarray, tail_share: float = 0.1) -> float:
    """Hill estimator of the Pareto tail exponent of ``sizes`` over its top ``tail_share``.

    Axtell (2001) finds ≈ 1.06 for US firm employment (Zipf's law).
    """
    x = np.sort(np.asarray(sizes, dtype=float))[::-1]
    x = x[x > 0]
    k = max(int(len(x) * tail_share), 2)
    top = x[:k]
    return float(1.0 / np.mean(np.log(top[:-1] / top[-1])))
