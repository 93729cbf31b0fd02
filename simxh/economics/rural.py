"""The rural economy: pure functions for village collective income, standards, land pools and the
新会陈皮 value chain (orchards, prices, the ageing stock).

- Collective income across villages is lognormal (income distributions: Aitchison & Brown 1957);
  the base year places the villages on its quantiles so that the reported total and the
  reported count over a threshold hold exactly.
- A village's standard (美丽乡村) is a capital stock: built by spending, worn without upkeep
  (perpetual inventory, as for public capital). Without a programme a village upgrades only out
  of its own collective income (a budget that binds: the collective's retained income pays its
  public affairs; Nanhai's villages retain 31.5–41.9 %, 华中农业大学学报(社科版) 2024(6)).
- Village enterprise and tourism capital depreciate geometrically (perpetual inventory; the
  firms' rate, Zhang, Wu & Zhang 2004); the village pays the replacement out of its own budget.
- 陈皮 gains value with age (a storable good whose value rises with storage: the price of age
  is a return on holding stock, Working 1949 on the supply of storage); the stock is carried by
  vintage, a share of each vintage is sold each year.
- The fruit price follows a log AR(1) with an inverse-demand term (a cobweb market: the 2013
  price peak brought the planting that made the 2015 bust; Ezekiel 1938).
"""

from __future__ import annotations

import math

import numpy as np


def _norm_ppf(p: np.ndarray) -> np.ndarray:
    """The standard normal quantile function (Acklam's rational approximation, |error| <
    1.2e-9), vectorised; ``p`` strictly inside (0, 1)."""
    a = (-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
         1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00)
    b = (-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
         6.680131188771972e+01, -1.328068155288572e+01)
    c = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
         -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00)
    d = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
         3.754408661907416e+00)
    p = np.asarray(p, dtype=float)
    out = np.empty_like(p)
    lo, hi = p < 0.02425, p > 1 - 0.02425
    mid = ~(lo | hi)
    q = np.sqrt(-2 * np.log(p[lo]))
    out[lo] = ((((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
               / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1))
    q = np.sqrt(-2 * np.log(1 - p[hi]))
    out[hi] = -((((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1))
    q = p[mid] - 0.5
    r = q * q
    out[mid] = ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
                / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1))
    return out


def lognormal_quantile_incomes(n: int, total: float, threshold: float, n_over: int
                               ) -> tuple[np.ndarray, float]:
    """``n`` incomes, ascending, at the quantiles (i + ½)/n of a lognormal whose sum is
    ``total`` and of which exactly ``n_over`` exceed ``threshold``; also its σ.

    The threshold sits midway (in log) between the quantiles on either side of the count, and σ
    is solved so that the sum is the total. Raises ValueError if no lognormal fits (a total too
    small for the count over the threshold)."""
    if n <= 0:
        return np.zeros(0), 0.0
    if not 0 <= n_over <= n or total <= 0 or threshold <= 0:
        raise ValueError("need 0 <= n_over <= n, total > 0 and threshold > 0")
    z = _norm_ppf((np.arange(n) + 0.5) / n)
    k = n - n_over  # villages at or below the threshold
    if k == 0:
        z_cut = z[0] - 1.0
    elif k == n:
        z_cut = z[-1] + 1.0
    else:
        z_cut = 0.5 * (z[k - 1] + z[k])

    def total_at(sigma: float) -> float:
        return float(np.exp(math.log(threshold) + sigma * (z - z_cut)).sum())

    lo, hi = 0.0, 10.0
    if not (total_at(lo) - total) * (total_at(hi) - total) <= 0:
        raise ValueError(f"no lognormal has total {total} with {n_over} of {n} over {threshold}")
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        if (total_at(mid) - total) * (total_at(lo) - total) > 0:
            lo = mid
        else:
            hi = mid
    sigma = 0.5 * (lo + hi)
    inc = np.exp(math.log(threshold) + sigma * (z - z_cut))
    inc *= total / inc.sum()
    if int((inc > threshold).sum()) != n_over:  # a degenerate fit (σ ≈ 0)
        raise ValueError(f"no lognormal has total {total} with {n_over} of {n} over {threshold}")
    return inc, sigma


def standard_step(standard: np.ndarray, wear_rate: float,
                  upkeep_paid_share: float | np.ndarray,
                  gain: np.ndarray) -> np.ndarray:
    """Next year's village standard: the part whose upkeep was not paid wears at ``wear_rate``,
    then this year's ``gain`` (standard units bought) is added; never negative. The paid share
    is one for all villages or one per village."""
    paid = np.clip(upkeep_paid_share, 0.0, 1.0)
    return np.maximum(standard * (1.0 - wear_rate * (1.0 - paid)) + gain, 0.0)


def maintain_capital(capital: np.ndarray, rate: float, budget: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray]:
    """One year of a depreciating stock that its owner maintains out of ``budget`` (perpetual
    inventory, K' = K(1 − δ) + replacement, Hulten & Wykoff 1981 geometric depreciation): the
    replacement paid is at most the depreciation δK and at most the budget. Returns (the stock
    after depreciation and replacement, the budget left). Arrays over owners; ``budget`` ≥ 0."""
    wear = capital * min(max(rate, 0.0), 1.0)
    paid = np.minimum(wear, np.maximum(budget, 0.0))
    return capital - wear + paid, np.maximum(budget, 0.0) - paid


def raise_own(standard: np.ndarray, budget_units: np.ndarray, ceiling: float) -> np.ndarray:
    """Gains each village buys for itself with its own ``budget_units`` (standard units, one per
    village): up to ``ceiling`` and no more (its own budget binds; no village pays another's)."""
    return np.minimum(np.maximum(budget_units, 0.0), np.maximum(ceiling - standard, 0.0))


def raise_in_order(standard: np.ndarray, budget_units: float, ceiling: float,
                   order: np.ndarray) -> np.ndarray:
    """Gains that spend ``budget_units`` completing villages one after another in ``order``
    (indices): each is raised to ``ceiling`` before the next starts (a demonstration village is
    a project that is finished, not a level shared by all candidates)."""
    gain = np.zeros_like(standard)
    if budget_units <= 0 or len(order) == 0:
        return gain
    need = np.maximum(ceiling - standard[order], 0.0)
    before = np.cumsum(need) - need  # spent on the villages ahead of each
    gain[order] = np.clip(budget_units - before, 0.0, need)
    return gain


def raise_lowest(standard: np.ndarray, budget_units: float, ceiling: float,
                 eligible: np.ndarray | None = None) -> np.ndarray:
    """Gains that spend ``budget_units`` (standard units) lifting the lowest eligible standards
    up to ``ceiling`` (water-filling from the bottom: the lowest first, then level together)."""
    gain = np.zeros_like(standard)
    mask = standard < ceiling if eligible is None else eligible & (standard < ceiling)
    if budget_units <= 0 or not mask.any():
        return gain
    s = np.sort(standard[mask])
    need_total = float((ceiling - s).sum())
    if budget_units >= need_total:
        level = ceiling
    else:
        # the level L with sum(max(L - s, 0)) = budget: the first k at which raising the k + 1
        # lowest to the next standard costs the budget or more, L = (budget + their sum) / (k + 1)
        cum = np.cumsum(s)
        count = np.arange(1, len(s) + 1)
        cost_to_next = count * np.append(s[1:], ceiling) - cum
        reached = np.flatnonzero(cost_to_next >= budget_units)
        level = ceiling
        if len(reached):
            k = int(reached[0])
            level = (budget_units + cum[k]) / (k + 1)
    gain[mask] = np.maximum(min(level, ceiling) - standard[mask], 0.0)
    return gain


def take_land(demand: np.ndarray, *pools: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """Land granted per unit (亩) out of ``pools`` in order (each an array like ``demand``),
    and each pool's remainder: what one use takes, no other use can take."""
    want = np.maximum(demand, 0.0).astype(float)
    granted = np.zeros_like(want)
    left = []
    for pool in pools:
        take = np.minimum(want - granted, np.maximum(pool, 0.0))
        granted += take
        left.append(pool - take)
    return granted, left


def vintage_values(max_age: int, appreciation: float) -> np.ndarray:
    """Value per tonne of 陈皮 by age 0..max_age relative to new peel: (1 + g)^age."""
    return (1.0 + appreciation) ** np.arange(max_age + 1)


def age_stock(stock: np.ndarray, new_peel_t: float, sell_share: float
              ) -> tuple[np.ndarray, np.ndarray]:
    """One year of the ageing stock by vintage (tonnes, index = age): each vintage sells
    ``sell_share``, the rest ages one year, the oldest is sold whole, the new peel enters at
    age 0. Returns (the new stock, the tonnes sold by age)."""
    sold = stock * sell_share
    sold[-1] = stock[-1]
    kept = stock - sold
    out = np.empty_like(stock)
    out[0] = new_peel_t
    out[1:] = kept[:-1]
    return out, sold


def steady_stock(new_peel_t: float, sell_share: float, max_age: int) -> np.ndarray:
    """The ageing stock (by vintage) that ``age_stock`` keeps unchanged with constant new peel:
    the stock of a long-established trade (the base year's)."""
    keep = 1.0 - sell_share
    return new_peel_t * keep ** np.arange(max_age + 1)


def log_price_step(log_price: float, persistence: float, shock_sd: float, flexibility: float,
                   log_supply: float, z: float) -> float:
    """Next log price (relative to the base year): AR(1) toward the level supply allows,
    ``ρ·p + σ·z − flexibility·(1 − ρ)·log supply``."""
    return (persistence * log_price + shock_sd * z
            - flexibility * (1.0 - persistence) * log_supply)
