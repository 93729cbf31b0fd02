"""Infrastructure's effect bounded by evidence: the links act on output through public capital
only (no double count with market access, agglomeration and commuting pools), the demand
multiplier needs labour slack, the special bonds' interest is the lever's cost, and the implied
output elasticity of public capital (Δln GDP / Δln G) is in Bom & Ligthart's (2014) range."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import simxh
from simxh.audit import INFRASTRUCTURE_FROM_OUTSIDE, RANGES, log_elasticity

SHORT = {"macro.shocks": False, "estimation.parameter_uncertainty": False}
INFRA = {"infrastructure.enabled": True, "fiscal.allow_debt": True, "fiscal.debt_limit_yi": 50.0}


def infrastructure_implied_elasticity(lever: pd.DataFrame, base: pd.DataFrame,
                                      year: int) -> float:
    """Δln GDP / Δln public capital in ``year`` (the audit's measure, simxh.audit)."""
    a, b = lever.set_index("year").loc[year], base.set_index("year").loc[year]
    return log_elasticity(a.gdp_yi, b.gdp_yi, a.public_capital_yi, b.public_capital_yi)


def test_implied_elasticity_is_dlog_gdp_over_dlog_public_capital():
    base = pd.DataFrame({"year": [2033], "gdp_yi": [100.0], "public_capital_yi": [80.0]})
    lever = pd.DataFrame({"year": [2033], "gdp_yi": [101.0], "public_capital_yi": [88.0]})
    e = infrastructure_implied_elasticity(lever, base, 2033)
    assert e == pytest.approx(np.log(1.01) / np.log(1.1))
    assert np.isnan(infrastructure_implied_elasticity(base, base, 2033))


def _model(overrides: dict, end_year: int) -> simxh.XinhuiModel:
    m = simxh.XinhuiModel(seed=2, overrides={**SHORT, "run.end_year": end_year, **overrides})
    return m


def test_links_change_production_fields_only_through_public_capital():
    """By default the production-side network fields stay on the base-year network (the
    public-capital channel is the links' whole output effect), while the reported
    accessibility sees the links; with network_output_effects they move too."""
    for flag in (False, True):
        m = _model({**INFRA, "infrastructure.network_output_effects": flag}, 2030)
        net = m.network
        w_access0, w_commute0 = net.w_access.copy(), net.w_commute.copy()
        acc0 = m.towns_labour.town_accessibility.copy()
        m.run()
        assert any(pr["done"] for pr in m.infrastructure.projects)
        moved = not (np.array_equal(net.w_access, w_access0)
                     and np.array_equal(net.w_commute, w_commute0))
        assert moved == flag
        assert (m.towns_labour.town_accessibility / acc0).max() > 1.0  # reported: links act


def test_bond_interest_is_the_levers_cost_and_closes_the_budget():
    m = _model(INFRA, 2028)
    bond_interest = lever = 0.0
    while m.running and m.year < m.end_year:
        debt = m.government.special_bond_debt_yi
        m.step()
        m.check_accounts()
        led = m.government.ledger
        assert led["spend_bond_interest"] == pytest.approx(m.p.fiscal.interest_rate * debt)
        bond_interest += led["spend_bond_interest"]
        lever += m.lever_spend_yi
        towns = sum(float(np.sum(m.government.town_ledger.get(f"out_{k}", 0.0)))
                    for k in ("pairing", "competition_subsidy"))
        # the infrastructure lever's cost: its works, maintenance and the bonds' interest
        assert m.lever_spend_yi - towns == pytest.approx(
            led["spend_infrastructure"] + led["spend_infrastructure_maintenance"]
            + led["spend_bond_interest"])
    assert bond_interest > 0.0


def test_no_slack_no_multiplier():
    """A labour market at (or above) its base-year employment rate gets no induced demand from
    the bonds' money; the multiplier applies in proportion to the shortfall."""
    m = _model(INFRA, 2025)
    m.run()
    fin = m.finance
    gap = m.p.fiscal.multiplier_slack_gap
    slack = max(1.0 - fin.employment_rate_ratio, 0.0)
    assert fin.effective_multiplier == pytest.approx(
        m.p.fiscal.local_multiplier * min(slack / gap, 1.0))
    assert fin.effective_multiplier < m.p.fiscal.local_multiplier


@pytest.mark.slow
def test_implied_elasticity_in_the_meta_analytic_range():
    """Seeds 0–3, the scenario config paid from outside (the audit's
    ``INFRASTRUCTURE_FROM_OUTSIDE``: the production side alone) against the baseline:
    Δln GDP / Δln public capital in 2033 and 2035 (the mean over seeds) inside Bom & Ligthart's
    (2014) range, and the effect after the works end follows the capital stock (no growth
    beyond it by 2040)."""
    lo, hi = RANGES["infrastructure_elasticity"].low, RANGES["infrastructure_elasticity"].high
    es = {2033: [], 2035: []}
    gain = {2035: [], 2040: []}
    for seed in range(4):
        ov = {"run.end_year": 2040, "estimation.parameter_uncertainty": False}
        b = simxh.simulate("configs/baseline.toml", seed=seed, overrides=ov).district
        i = simxh.simulate("configs/infrastructure.toml", seed=seed,
                           overrides={**ov, **INFRASTRUCTURE_FROM_OUTSIDE}).district
        for y in es:
            es[y].append(infrastructure_implied_elasticity(i, b, y))
        for y in gain:
            gain[y].append(float(np.log(i.set_index("year").gdp_yi[y]
                                        / b.set_index("year").gdp_yi[y])))
    for y, e in es.items():
        assert lo <= np.mean(e) <= hi, (y, e)
    assert np.mean(gain[2040]) <= np.mean(gain[2035]) + 0.005
