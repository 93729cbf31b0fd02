"""Investment attraction (招商引资): project arrivals, sizes and logit location choice."""

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
    log_access: np.ndarray, log_sector_mass: np.ndarray, log_free_land_mu: np.ndarray,
    lead_sector_match: np.ndarray, subsidy_share: np.ndarray,
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
    """Land a project needs (亩): investment / investment intensity.

    Guangdong's provincial industrial land control standards ask roughly 200–500万元 per 亩 of fixed
    investment in the Pearl River Delta; 0.04亿 (400万) per 亩 is assumed.
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
