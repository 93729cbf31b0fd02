"""Investment attraction: project arrivals, sizes and logit location choice."""

from __future__ import annotations

import numpy as np


def project_arrival_rate(
    base_projects_per_year: float, attractiveness_ratio: float, effort: float = 0.0,
    attractiveness_elasticity: float = 1.0, effort_elasticity: float = 0.3,
    pipeline_multiplier: float = 1.0,
) -> float:
    """Expected number of projects ``λ0 · R^e · (1 + effort)^k · pipeline``.

    ``R`` is the district's attractiveness (market access × agglomeration) relative to 2023 and
    ``effort`` the extra attraction effort (招商力度, 0 = the 2023 level). Count models of plant
    location (Poisson; Schmidheiny & Brülhart 2011) give elasticities of the number of projects
    to market size near 1; the effort elasticity 0.3 is assumed.
    """
    return (base_projects_per_year * max(attractiveness_ratio, 0.0) ** attractiveness_elasticity
            * (1.0 + effort) ** effort_elasticity * pipeline_multiplier)


def pareto_sizes(uniform_draws: np.ndarray, min_size: float, tail_exponent: float,
                 max_size: float) -> np.ndarray:
    """Project investment sizes (亿元) from a Pareto law ``P(X > x) = (x/x_min)^(-ζ)``, capped.

    Investment project sizes are heavy-tailed like firm sizes (Axtell 2001); ζ = 1.1 assumed.
    """
    u = np.clip(uniform_draws, 1e-12, 1.0)
    return np.minimum(min_size * u ** (-1.0 / tail_exponent), max_size)


def location_utility(
    log_access: np.ndarray, log_sector_mass: np.ndarray, log_free_land_mu: np.ndarray | float,
    lead_sector_match: np.ndarray, subsidy_share: np.ndarray | float,
    beta_access: float = 1.0, beta_agglomeration: float = 0.5, beta_land: float = 0.3,
    beta_lead: float = 1.0, beta_subsidy: float = 10.0,
) -> np.ndarray:
    """Systematic utility of each location for each project (projects × alternatives).

    Conditional logit of plant location (McFadden 1974; Guimarães, Figueiredo & Woodward 2003;
    UrbanSim): market access, same-sector mass (localisation), free land (mu, log) and a lead-sector
    match; ``subsidy_share`` (subsidy / investment) enters linearly. Coefficients are assumed, with
    the access and agglomeration ones of the order found for Chinese FDI location (Head & Ries 1996).
    """
    return (beta_access * log_access + beta_agglomeration * log_sector_mass
            + beta_land * log_free_land_mu + beta_lead * lead_sector_match
            + beta_subsidy * subsidy_share)


def logit_probabilities(utility: np.ndarray, feasible: np.ndarray) -> np.ndarray:
    """Multinomial-logit choice probabilities over feasible alternatives (rows sum to 1 or 0)."""
    u = np.where(feasible, utility, -np.inf)
    m = np.max(u, axis=-1, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    e = np.where(feasible, np.exp(u - m), 0.0)
    s = e.sum(axis=-1, keepdims=True)
    return np.divide(e, s, out=np.zeros_like(e), where=s > 0)


def logit_choice(utility: np.ndarray, gumbel_draws: np.ndarray, feasible: np.ndarray) -> np.ndarray:
    """The chosen alternative per row: ``argmax(U + ε)`` over feasible ones, −1 if none.

    With ε i.i.d. Gumbel this samples exactly from :func:`logit_probabilities`.
    """
    u = np.where(feasible, utility + gumbel_draws, -np.inf)
    choice = np.argmax(u, axis=-1)
    return np.where(feasible.any(axis=-1), choice, -1)


def land_need_mu(investment_yi: np.ndarray, intensity_yi_per_mu: float = 0.04) -> np.ndarray:
    """Land a project needs (亩): fixed investment / investment intensity.

    Guangdong's provincial industrial land control standards ask roughly 200–500万元 per 亩 of fixed
    investment in the Pearl River Delta; 0.04亿 (400万) per 亩 is assumed. The investment is the
    fixed capital the project installs (its realised investment), not its contracted figure.
    """
    return investment_yi / intensity_yi_per_mu


def competition_subsidy(investment_yi: np.ndarray, competing_towns: np.ndarray,
                        subsidy_share: float = 0.03) -> np.ndarray:
    """The rent towns pay when they bid against each other for a project (亿元).

    Without integration the towns of a zone compete with subsidies (land discounts, tax rebates);
    the winner pays ``share × investment`` when at least two towns compete (assumed 3%, in the range
    of Chinese local tax-rebate competition documented by Han & Kung 2015). Zero with one bidder.
    """
    return np.where(competing_towns >= 2, subsidy_share * investment_yi, 0.0)


# ---- the contested pool (upper level of a nested logit) -------------------------------------
def logit_coefficient(elasticity: float, base_share: float) -> float:
    """The logit coefficient that gives a chooser's expected count the elasticity ``elasticity``
    at its base share: in a multinomial logit ``∂ log P / ∂ V = 1 − P``, so the coefficient on
    ``log x`` is ``elasticity / (1 − P0)`` (Train 2009, ch. 3). This keeps the count-model
    elasticities (e.g. Schmidheiny & Brülhart 2011's ≈ 1 to market size) meaningful at the base."""
    return elasticity / max(1.0 - base_share, 1e-12)


def pool_utility(access_ratio: float, effort: float, beta_access: float,
                 beta_effort: float) -> float:
    """Xinhui's systematic utility in the pool relative to the base year:
    ``β_a · log(access ratio) + β_e · log(1 + effort)`` (0 at base-year conditions)."""
    return beta_access * np.log(max(access_ratio, 1e-300)) + beta_effort * np.log1p(max(effort, 0.0))


def inclusive_value_gain(weights: np.ndarray, utility_gain: np.ndarray,
                         dissimilarity: float = 0.5) -> float:
    """The rise of a nest's utility when its alternatives gain ``utility_gain``:
    ``μ · log(Σ w_j e^{δ_j} / Σ w_j)``, the log-sum (inclusive value) of a nested logit
    (McFadden 1978; Train 2009, ch. 4) with the alternatives' current choice shares ``w``; ``μ``
    in (0, 1] is the dissimilarity parameter (1: a plain multinomial logit). Zero when δ = 0."""
    w = np.asarray(weights, float)
    total = w.sum()
    if total <= 0:
        return 0.0
    return float(dissimilarity * np.log(np.sum(w * np.exp(utility_gain)) / total))


def chooser_share(utility: float | np.ndarray, rival_weight_total: float) -> float | np.ndarray:
    """Logit probability that a pool project chooses Xinhui: ``e^V / (e^V + Σ_k w_k)``, the
    rivals' utilities being ``log w_k`` (their weights relative to Xinhui's at base)."""
    return 1.0 / (1.0 + rival_weight_total * np.exp(-np.asarray(utility, float)))


def expected_pool_share(constant: float, segment_weights: np.ndarray, segment_utility: np.ndarray,
                        rival_weight_total: float, referral_share_of_rest: float = 0.0) -> float:
    """Xinhui's expected share of the pool: over segments of projects (weights summing to 1)
    with utilities ``constant + segment_utility``, the projects chosen plus the share
    ``referral_share_of_rest`` of the others that a rival refers back (a cooperation tie)."""
    p = chooser_share(constant + np.asarray(segment_utility, float), rival_weight_total)
    return float(np.sum(np.asarray(segment_weights, float)
                        * (p + referral_share_of_rest * (1.0 - p))))


def calibrate_pool_constant(target_share: float, segment_weights: np.ndarray,
                            segment_utility: np.ndarray, rival_weight_total: float,
                            referral_share_of_rest: float = 0.0) -> float:
    """Xinhui's constant so that its expected share of the pool at base-year conditions is
    ``target_share`` (the share is increasing in the constant: bisection to machine precision)."""
    lo, hi = -60.0, 60.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if expected_pool_share(mid, segment_weights, segment_utility, rival_weight_total,
                               referral_share_of_rest) < target_share:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-15 * max(1.0, abs(mid)):
            break
    return 0.5 * (lo + hi)


def split_pool(u_choice: np.ndarray, u_rival: np.ndarray, p_xinhui: np.ndarray | float,
               rival_shares: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Who wins each pool project: Xinhui where ``u_choice < p_xinhui``, otherwise the rival
    drawn from ``u_rival`` by the rivals' conditional shares (a logit's rivals keep their relative
    odds: independence of irrelevant alternatives). Returns (won by Xinhui, rival index or −1).

    With the same uniforms (common random numbers), a higher ``p_xinhui`` turns rivals' projects
    into Xinhui's one for one, and every rival's count can only fall: attraction displaces."""
    won = np.asarray(u_choice) < np.asarray(p_xinhui)
    cum = np.cumsum(rival_shares) / np.sum(rival_shares)
    rival = np.minimum(np.searchsorted(cum, u_rival, side="right"), len(cum) - 1)
    return won, np.where(won, -1, rival)


def land_servicing_cost(land_mu: float, cost_yi_per_mu: float) -> float:
    """Compensation and servicing (征地补偿, 平整, 三通一平) of land developed for industry (亿元):
    ``land × cost per 亩``. Chinese industrial land is sold below its cost of assembly and
    servicing to attract investment (Tao, Su, Liu & Cao 2010; Xu, Yeh & Wu 2009)."""
    return max(land_mu, 0.0) * cost_yi_per_mu
