"""Attraction from a contested pool (issue #11 parts 3, 4, 6): Xinhui wins mobile projects from
a finite Greater Bay Area pool against rival jurisdictions; what it wins, a rival loses; the
levers that raise its share cost money, do nothing without it and less with less of it."""

from __future__ import annotations

import numpy as np
import pytest

import simxh
from simxh.economics import attraction as attr

SHORT = {"run.end_year": 2026, "macro.shocks": False,
         "estimation.parameter_uncertainty": False}


def _model(overrides: dict | None = None, seed: int = 1) -> simxh.XinhuiModel:
    return simxh.XinhuiModel(seed=seed, overrides={**SHORT, **(overrides or {})})


def _run(overrides: dict | None = None, seed: int = 1) -> simxh.XinhuiModel:
    m = _model(overrides, seed)
    while m.running and m.year < m.end_year:
        m.step()
        m.check_accounts()
    return m


def test_the_pool_adds_up_every_year():
    m = _model({"integration.enabled": True, "pairing.enabled": True})
    a = m.attraction
    assert a.rival_ids == ("jiangmen_core", "taishan", "zhongshan", "foshan", "zhuhai")
    while m.running and m.year < m.end_year:
        m.step()
        assert m.projects_pool > 0
        assert m.projects_won + m.projects_won_by_rivals == m.projects_pool
        per_rival = sum(m.year_stats[f"projects_won_{r}"] for r in a.rival_ids)
        assert per_rival == m.projects_won_by_rivals
    d = m.datacollector.get_model_vars_dataframe()
    assert (d.projects_won + d.projects_won_by_rivals == d.projects_pool).all()


def test_base_share_reproduces_projects_per_year():
    """At base-year conditions Xinhui's expected share of the pool is its share of the signed
    investment, so its expected count is ``attraction.projects_per_year`` (× outside demand)."""
    m = _model()
    a, ac = m.attraction, m.p.attraction
    assert a.base_pool_share == pytest.approx(
        ac.pool_xinhui_yi / (ac.pool_xinhui_yi + ac.pool_jiangmen_rest_yi + ac.pool_taishan_yi
                             + ac.pool_zhongshan_yi + ac.pool_foshan_yi + ac.pool_zhuhai_yi))
    om = ac.shenzhen_origin_share
    east = attr.inclusive_value_gain(m.network.node_firm_va,
                                     ac.shenjiang_utility * a.shenjiang_node, ac.nest_dissimilarity)
    share = attr.expected_pool_share(a.pool_constant, np.array([1 - om, om]),
                                     np.array([0.0, east]), float(a.rival_weights.sum()),
                                     a._xintai_referral())
    assert share == pytest.approx(a.base_pool_share, rel=1e-12)
    assert share * ac.projects_per_year / a.base_pool_share == pytest.approx(ac.projects_per_year)


def test_attraction_displaces_projects_from_rivals():
    """Common random numbers: the same pool; effort 2 takes projects from the rivals one for one."""
    lo, hi = _model(), _model({"attraction.effort": 2.0})
    lo.step()
    hi.step()
    assert hi.projects_pool == lo.projects_pool
    gained = hi.projects_won - lo.projects_won
    assert gained > 0
    assert lo.projects_won_by_rivals - hi.projects_won_by_rivals == gained
    assert np.all(hi.attraction.rival_projects <= lo.attraction.rival_projects)
    assert hi.attraction.expected_pool_share > lo.attraction.expected_pool_share
    # over the run the pool is the same (it follows the outside markets, not Xinhui's levers)
    for _ in range(2):
        lo.step()
        hi.step()
        assert hi.projects_pool == lo.projects_pool
        assert hi.projects_won + hi.projects_won_by_rivals == lo.projects_won + lo.projects_won_by_rivals


@pytest.mark.parametrize("name, overrides", [
    ("attraction", {"attraction.effort": 2.0, "attraction.effort_cost_yi": 0.0}),
    ("integration", {"integration.enabled": True, "integration.running_cost_yi": 0.0,
                     "integration.land_servicing_yi_per_mu": 0.0,
                     "integration.sharing_rule": "equal"}),
    ("pairing", {"pairing.enabled": True, "pairing.transfer_yi": 0.0}),
])
def test_a_lever_without_money_has_no_effect(name, overrides):
    base, free = _run(), _run(overrides)
    for key in ("projects_won", "investment_introduced_yi", "gdp_yi", "fiscal_revenue_yi",
                "theil_gdp_per_capita", "lever_spend_yi"):
        assert getattr(free, key) == getattr(base, key), key
    assert free.projects_enclave == 0


def _first_year(overrides: dict, lever: str, paid: float) -> simxh.XinhuiModel:
    m = _model(overrides)
    m.finance.funding[lever] = paid  # this year's appropriation: the share of the cost paid
    m.step()
    return m


@pytest.mark.parametrize("lever, overrides", [
    ("attraction_effort", {"attraction.effort": 2.0}),
    ("integration", {"integration.enabled": True, "integration.start_year": 2024}),
])
def test_half_the_money_buys_a_smaller_effect(lever, overrides):
    share = {p: _first_year(overrides, lever, p).attraction.expected_pool_share
             for p in (0.0, 0.5, 1.0)}
    won = {p: _first_year(overrides, lever, p).projects_won for p in (0.0, 0.5, 1.0)}
    assert share[0.0] < share[0.5] < share[1.0]
    assert won[0.0] <= won[0.5] <= won[1.0] and won[0.0] < won[1.0]


def test_pairing_capacity_and_enclaves_scale_with_the_money_paid():
    ov = {"pairing.enabled": True, "pairing.start_year": 2024}
    m = _model(ov)
    m.step()  # the pairs form in 2024
    recipients = np.isin(m.node_town, [r for _d, r in m.pairs])
    for paid in (0.0, 0.5, 1.0):
        m.finance.funding["pairing"] = paid
        cap = m.attraction._capacity()
        assert np.allclose(cap[recipients], paid * m.p.pairing.capacity_utility)
        assert np.all(cap[~recipients] == 0.0)
    # enclave projects: donors place some of their projects with their partners, tax shared
    runs = {p: [] for p in (0.0, 0.5, 1.0)}
    for seed in range(3):
        for p in runs:
            x = _model({**ov, "pairing.capacity_utility": 0.0}, seed)
            x.step()
            x.finance.funding["pairing"] = p
            x.step()
            runs[p].append(x.projects_enclave)
    assert sum(runs[0.0]) == 0 < sum(runs[0.5]) <= sum(runs[1.0])


def test_integration_and_pairing_costs_are_paid_and_the_accounts_close():
    ov = {"integration.enabled": True, "integration.sharing_rule": "equal",
          "pairing.enabled": True, "attraction.effort": 1.0}
    m = _model(ov)
    moved = []
    while m.running and m.year < m.end_year:
        m.step()
        m.check_accounts()
        led = m.government.ledger
        ys = m.year_stats
        # the platforms, the pooled land and the zones' faster 工改 renewal
        wanted = (ys["integration_platform_cost_yi"] + ys["integration_land_cost_yi"]
                  + ys["integration_renewal_cost_yi"])
        assert ys["integration_renewal_cost_yi"] > 0
        assert ys["integration_platform_cost_yi"] == pytest.approx(
            m.p.integration.running_cost_yi * len(m.zone_ids))
        assert ys["integration_land_cost_yi"] == pytest.approx(
            m.attraction.pooled_land_mu.sum() * m.p.integration.land_servicing_yi_per_mu)
        assert 0 < led["spend_integration"] <= wanted + 1e-9
        assert m.government.town_ledger["out_pairing"].sum() > 0  # the donors pay
        moved.append(m.integration_sharing_moved_yi)
    assert min(moved) > 0  # the sharing rule moves park revenue between towns, visibly


def test_integration_gains_are_bounded_by_the_pool():
    base, integ = _model(), _model({"integration.enabled": True,
                                    "integration.pipeline_gain": 2.0})
    for _ in range(3):
        base.step()
        integ.step()
        assert integ.projects_pool == base.projects_pool
        assert integ.projects_won <= integ.projects_pool
    assert integ.attraction.expected_pool_share > base.attraction.expected_pool_share


def test_the_cooperation_ties_carry_a_mechanism():
    m = _model({"attraction.xintai_referral_share": 1.0})
    a = m.attraction
    towns = lambda mask: {m.region.town_ids[t] for t in np.unique(m.node_town[mask])}  # noqa: E731
    assert towns(a.shenjiang_node) == {"daze", "siqian", "sanjiang"}
    assert towns(a.xintai_node) == {"huicheng", "yamen"}
    m.step()
    # 新台: every project Taishan wins goes to the shared park in Xinhui's tie towns
    assert m.year_stats["projects_won_taishan"] == 0
    assert a.projects_xintai > 0
    # 深江: east-bank projects see the tie towns' locations as better, so Xinhui's share of
    # them is higher; without the mechanism the constant is the plain data share's
    assert a.pool_constant < 0
    plain = _model({"attraction.shenjiang_utility": 0.0, "attraction.xintai_referral_share": 0.0})
    assert plain.attraction.pool_constant == pytest.approx(0.0, abs=1e-12)


def test_land_bounds_what_xinhui_wins():
    """A project Xinhui wins but cannot place (no location has the land) goes to the rival it
    would have chosen otherwise: without free land Xinhui wins nothing."""
    m = _model({"attraction.effort": 2.0})
    m.year += 1
    m.towns_labour.free_land_mu[:] = 0.0
    m.attraction.arrive()
    assert m.projects_pool > 0
    assert m.projects_won == 0 and m.projects_won_by_rivals == m.projects_pool
    assert m.attraction.investment_introduced_yi == 0.0


def test_enclave_output_is_shared_in_the_towns_statistics():
    """飞地: a referred or enclave project's output is counted in the host's and the donor's
    GDP by the same shares as its tax; the district total is unchanged."""
    m = _model({"pairing.enabled": True, "pairing.start_year": 2024,
                "pairing.enclave_share": 1.0, "run.end_year": 2030}, seed=2)
    while m.running and m.year < m.end_year:
        m.step()
        m.check_accounts()
    f = m.firms
    shared = f.alive & (f.tax_partner_town >= 0)
    assert shared.any()
    share = m.p.pairing.referral_tax_share_donor
    tl = m.towns_labour
    moved = tl.enclave_attribution_yi
    assert abs(moved.sum()) < 1e-9
    expected = np.zeros(m.nt)
    np.add.at(expected, f.tax_partner_town[shared], share * f.value_added_yi[shared])
    np.subtract.at(expected, f.town[shared], share * f.value_added_yi[shared])
    assert np.allclose(moved, expected)
    assert np.isclose(tl.town_gdp_yi.sum(), m.gdp_yi)
    assert np.isclose(tl.town_secondary_yi.sum(),
                      tl.town_firm_va.sum() + tl.residual_secondary_yi.sum())
