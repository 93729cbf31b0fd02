"""Technology renovation as a firm's investment decision: pure functions.

A firm renovates when the present value of the extra profit the renovation brings exceeds the
part of its cost the firm pays itself, and when it can finance that part. A subsidy lowers the
firm's own cost, so the subsidy rate moves the number of renovations; the district pays the
subsidised part and the firm the rest, out of profit or credit.
"""

from __future__ import annotations

import numpy as np


def annuity_factor(discount_rate: float = 0.12, horizon_years: float = 10.0,
                   persistence: float = 1.0) -> float:
    """Present value of 1 a year for ``horizon_years`` years, each year's gain multiplied by
    ``persistence`` (1 = the gain lasts, below 1 = it fades geometrically).

    Defaults: a 12 % real hurdle rate (Poterba & Summers 1995 report 12 % on average in
    their survey of US firms; Graham & Harvey 2001 similar), and a 10-year horizon, the minimum
    depreciation life of production machinery under China's enterprise income tax rules
    (企业所得税法实施条例, Art. 60).
    """
    if discount_rate <= -1.0 or horizon_years < 0 or persistence < 0:
        raise ValueError("discount rate > -1, horizon and persistence >= 0 required")
    q = persistence / (1.0 + discount_rate)
    n = float(horizon_years)
    if abs(1.0 - q) < 1e-12:
        return n  # q + q² + … + qⁿ with q = 1
    return float(q * (1.0 - q**n) / (1.0 - q))


def renovation_gain_value(value_added_yi: np.ndarray, log_gain: float, profit_share: float,
                          annuity: float) -> np.ndarray:
    """Present value (亿元) of the extra profit from a renovation that raises log TFP by
    ``log_gain``: ``VA · (e^g − 1) · profit share · annuity`` (inputs held at today's level,
    a lower bound on the value when the firm can also grow)."""
    return (np.maximum(value_added_yi, 0.0) * np.expm1(log_gain) * profit_share * annuity)


def renovation_probability(gain_value_yi: np.ndarray, cost_yi: np.ndarray, subsidy_rate: float,
                           credit_room_yi: np.ndarray, dispersion: float = 0.5) -> np.ndarray:
    """Chance that a firm renovates this year.

    The firm pays ``(1 − s)·cost``. Its net return ratio ``x = value / own cost − 1`` meets
    idiosyncratic costs and benefits the model does not see (disruption, managers' attention,
    unobserved quality): a logistic ``1 / (1 + e^(−x/σ))``, the discrete-choice form of
    investment-lumpiness models (Cooper & Haltiwanger 2006). A firm whose own cost exceeds its
    credit room cannot renovate (credit constraints bind for Chinese private firms: Song,
    Storesletten & Zilibotti 2011). A fully subsidised renovation (s = 1) is taken by every
    firm with a positive gain and room for nothing.
    """
    own = (1.0 - subsidy_rate) * np.asarray(cost_yi, float)
    gain = np.asarray(gain_value_yi, float)
    safe = np.where(own > 0, own, 1.0)
    ratio = np.where(own > 0, gain / safe - 1.0, np.where(gain > 0, np.inf, -np.inf))
    with np.errstate(over="ignore"):
        p = 1.0 / (1.0 + np.exp(-np.clip(ratio / dispersion, -700.0, 700.0)))
    return np.where(own <= np.asarray(credit_room_yi, float), p, 0.0)


def additional_renovation_probability(gain_value_yi: np.ndarray, cost_yi: np.ndarray,
                                      subsidy_rate: float, credit_room_yi: np.ndarray,
                                      dispersion: float = 0.5) -> np.ndarray:
    """Chance that a subsidy makes a firm renovate that would not have renovated unaided:
    ``(p(s) − p(0)) / (1 − p(0))`` (the additional share; the rest is deadweight, which the
    evaluation literature on investment subsidies measures separately: Criscuolo et al. 2019).
    Zero without a subsidy, rising with the subsidy rate."""
    p_s = renovation_probability(gain_value_yi, cost_yi, subsidy_rate, credit_room_yi, dispersion)
    p_0 = renovation_probability(gain_value_yi, cost_yi, 0.0, credit_room_yi, dispersion)
    return np.where(p_0 < 1.0, np.maximum(p_s - p_0, 0.0) / np.where(p_0 < 1.0, 1.0 - p_0, 1.0),
                    0.0)


def embodied_gain(component: np.ndarray, new_gain: np.ndarray | float,
                  depreciation: float = 0.08) -> np.ndarray:
    """Next year's log TFP embodied in a firm's renovated capital: ``(1 − δ)·c + g``.

    A renovation installs new equipment, and its productivity gain is embodied in that
    equipment (vintage capital: Solow 1960; embodied technical change, Hulten 1992): it wears
    out with the renovated capital at the capital depreciation rate δ, so a gain ``g`` made in
    year s is worth ``g·(1 − δ)^(t − s)`` in year t, and a firm keeps its gain only by
    renovating again. Each renovation adds its vintage, so a firm renovating every T years
    tends to ``g / (1 − (1 − δ)^T)``. The default δ is firms.depreciation's (0.08; Zhang, Wu &
    Zhang 2004 use 0.096).
    """
    return (1.0 - depreciation) * np.asarray(component, float) + new_gain
