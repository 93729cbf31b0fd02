"""Labour, sectors, public finance and equity functions."""

import numpy as np
import pytest

from simxh.economics import equity, labour, public, sectors


def test_local_taxes_use_the_sharing_rules():
    # VAT 50% local (2016), CIT 40% local (2002)
    t = public.firm_local_taxes(np.array([100.0]), np.array([20.0]), 0.10, 0.5, 0.15, 0.4)
    assert t[0] == pytest.approx(100 * 0.10 * 0.5 + 20 * 0.15 * 0.4)
    assert public.firm_local_taxes(np.array([-1.0]), np.array([-1.0]))[0] == 0.0


def test_revenue_sharing_and_pooling_conserve_money():
    rev = np.array([10.0, 2.0, 0.0])
    town, district = public.share_revenue(rev, 0.3)
    assert np.allclose(town + district, rev)
    pooled = public.pool_and_share(rev, np.array([1.0, 1.0, 0.0]))
    assert pooled.sum() == pytest.approx(rev.sum()) and np.allclose(pooled, [6.0, 6.0, 0.0])


def test_debt_and_public_capital():
    assert public.debt_allowed_borrowing(10.0, 0.0, 50.0, False) == 0.0
    assert public.debt_allowed_borrowing(10.0, 45.0, 50.0, True) == 5.0
    assert public.debt_allowed_borrowing(-1.0, 0.0, 50.0, True) == 0.0
    assert public.public_capital_update(np.array([100.0]), np.array([10.0]), 0.04)[0] == 106.0
    assert public.deficit_demand_effect(10.0) == pytest.approx(18.0)  # Chodorow-Reich (2019)
    assert public.deficit_demand_effect(-3.0) == 0.0


def test_under_used_land_is_land_beyond_the_intensity_standard():
    # 0.04亿/亩: 2亿 of capital needs 50亩; a plot of 80亩 has 30 under-used, one of 40 none
    out = public.under_used_land(np.array([80.0, 40.0, 0.0]), np.array([2.0, 2.0, 1.0]), 0.04)
    assert np.allclose(out, [30.0, 0.0, 0.0])


def test_land_renewal_moves_only_under_used_land_within_the_target():
    under = np.array([30.0, 10.0, 0.0, 5.0])
    node = np.array([0, 0, 1, 2])
    target = np.array([20.0, 100.0, 50.0])
    take = public.land_renewal(under, node, target)
    # node 0: 20 of its 40 under-used, pro rata (15, 5); node 1: none to take; node 2: all 5
    assert np.allclose(take, [15.0, 5.0, 0.0, 5.0])
    assert np.all(take <= under)
    freed = np.bincount(node, weights=take, minlength=3)
    assert np.all(freed <= target + 1e-12)
    assert np.allclose(public.land_renewal(under, node, np.zeros(3)), 0.0)


def test_labour_market_wage_tightness_and_migration():
    assert labour.market_wage(100.0, 3.0, 0.4) == pytest.approx(20.0)
    w = labour.commuting_weights(np.array([[0.0, 25.0]]), 25.0)
    assert np.allclose(w, [[1.0, 0.5]])
    pool = labour.labour_pool(np.array([10.0]), w)
    assert np.allclose(pool, [10.0, 5.0])
    assert labour.wage_index(np.array([1.21]), 0.5)[0] == pytest.approx(1.1)
    assert labour.expansion_allowed(np.array([1.0, 2.2]), 1.1).tolist() == [1.0, 0.5]
    pop = np.array([10.0, 10.0])
    same = labour.population_with_migration(pop, 1.0, np.array([1.0, 3.0]), 0.0, 0.1)
    assert np.allclose(same, pop)
    grow = labour.population_with_migration(pop, np.exp(0.1), np.array([1.0, 3.0]), 0.0, 0.1)
    assert grow.sum() == pytest.approx(20.0 * 1.01) and grow[1] > grow[0]


def test_a_lasting_premium_draws_a_bounded_population_kappa_tombe_zhu():
    """A permanent 10 % real premium with κ = 1.5 (Tombe & Zhu 2019) settles at
    P* = P_ref · e^(κ · 0.1) ≈ 1.16 P_ref; the flow rule alone (no reference) grows for ever."""
    jobs = np.array([1.0, 1.0])

    def run(reference: float | None, years: int = 300) -> float:
        pop = np.array([10.0, 10.0])
        for _ in range(years):
            pop = labour.population_with_migration(pop, np.exp(0.1), jobs, 0.0, 0.1, 0.0,
                                                   reference, 1.5)
        return float(pop.sum())

    assert run(20.0) == pytest.approx(20.0 * np.exp(1.5 * 0.1), rel=1e-6)
    assert run(20.0, 600) == pytest.approx(run(20.0), rel=1e-9)  # settled: no drift
    assert run(None) > 20.0 * np.exp(1.0)  # without the tastes: a runaway (1 %/yr for ever)


def test_sectors_services_follow_income_and_population():
    s = sectors.services_value_added(np.ones(1), np.array([100.0]), np.array([10.0]), 1.0, 0.8)
    s2 = sectors.services_value_added(np.ones(1), np.array([200.0]), np.array([10.0]), 1.0, 0.8)
    assert s2[0] / s[0] == pytest.approx(2**0.8)
    inc = sectors.resident_income(np.array([100.0, 0.0]), np.array([1.0, 1.0]), 0.5)
    assert np.allclose(inc, [75.0, 25.0]) and inc.sum() == pytest.approx(100.0)
    rng = np.random.default_rng(0)
    x = sectors.productivity_step(np.ones(200_000), 0.03, 0.05, rng.standard_normal(200_000))
    assert x.mean() == pytest.approx(np.exp(0.03), rel=2e-3)
    assert sectors.agriculture_value_added(np.array([1.0]), np.array([2.0]))[0] == 3.0


def test_theil_and_gini():
    w = np.ones(4)
    assert equity.theil_index(np.full(4, 3.0), w) == pytest.approx(0.0, abs=1e-12)
    assert equity.gini_coefficient(np.full(4, 3.0), w) == pytest.approx(0.0)
    # one person has everything: Gini (n-1)/n, Theil ln(n)
    x = np.array([0.0, 0.0, 0.0, 4.0])
    assert equity.gini_coefficient(x, w) == pytest.approx(0.75)
    assert equity.theil_index(x, w) == pytest.approx(np.log(4))


# --- infrastructure financing, maintenance and where services are bought (issue 11.5) -------
def test_infrastructure_financing_adds_up_and_co_finances():
    from simxh.economics.public import finance_infrastructure as fin

    full = fin(10.0, 100.0, 0.2, 0.37, 50.0, True)
    assert sum(full.values()) == pytest.approx(10.0)
    assert full["transfers"] == pytest.approx(2.0) and full["special_bonds"] == pytest.approx(3.7)
    assert full["own"] == pytest.approx(4.3) and full["borrowing"] == 0.0
    # no debt allowed: no bonds, the district pays the rest
    nodebt = fin(10.0, 100.0, 0.2, 0.37, 50.0, False)
    assert nodebt["special_bonds"] == 0.0 and nodebt["own"] == pytest.approx(8.0)
    # bonds only within the room under the limit; the district's own part grows
    tight = fin(10.0, 100.0, 0.0, 0.37, 1.0, True)
    assert tight["special_bonds"] == pytest.approx(1.0) and tight["own"] == pytest.approx(9.0)
    # an own part paid in half (no room to borrow): transfers and bonds follow, half the plan
    half = fin(10.0, 2.15, 0.2, 0.37, 3.7, True)
    assert half["own"] == pytest.approx(2.15) and half["borrowing"] == pytest.approx(0.0)
    assert sum(half.values()) == pytest.approx(5.0)
    assert half["transfers"] == pytest.approx(1.0) and half["special_bonds"] == pytest.approx(1.85)
    # no own money at all and no debt: nothing, whatever the transfer share
    assert sum(fin(10.0, 0.0, 0.2, 0.0, 0.0, False).values()) == 0.0
    # borrowing fills the own part within the room left by the bonds
    borrowed = fin(10.0, 1.0, 0.0, 0.37, 5.0, True)
    assert borrowed["borrowing"] == pytest.approx(1.3)  # own part 6.3: 1 + 1.3 paid
    assert borrowed["special_bonds"] == pytest.approx(3.7 * 2.3 / 6.3)
    assert sum(fin(0.0, 10.0, 0.2, 0.37, 5.0, True).values()) == 0.0


def test_bonds_maintenance_and_wear():
    assert public.bond_repayment(30.0, 15.0) == pytest.approx(2.0)
    assert public.maintenance_due(np.array([8.0, 20.0]), 0.02) == pytest.approx(0.56)
    c = public.asset_condition(np.array([1.0, 0.05]), 0.0, 0.1)
    assert np.allclose(c, [0.9, 0.0])
    assert np.allclose(public.asset_condition(np.array([0.7]), 1.0, 0.1), [0.7])  # paid: kept
    assert np.allclose(public.asset_condition(np.array([1.0]), 0.5, 0.1), [0.95])
    t = public.degraded_travel_time(60.0, 40.0, np.array([1.0, 0.5, 0.0]))
    assert np.allclose(t, [40.0, 50.0, 60.0])


def test_outside_money_counts_its_direct_construction_once():
    assert public.external_money_demand(10.0, 0.0, 1.8, 0.3) == pytest.approx(18.0)
    # 10 new money all spent on infrastructure: 1.8 × 10 less the 0.3 × 10 construction counts
    assert public.external_money_demand(10.0, 30.0, 1.8, 0.3) == pytest.approx(15.0)
    assert public.external_money_demand(0.0, 30.0, 1.8, 0.3) == 0.0


def test_public_services_follow_current_spending():
    t0 = np.array([100.0, 50.0])
    cur0 = np.array([10.0, 4.0])
    assert np.allclose(public.public_services_value_added(t0, 0.2, cur0, cur0), [20.0, 10.0])
    assert np.allclose(public.public_services_value_added(t0, 0.2, cur0 / 2, cur0), [10.0, 5.0])
    assert np.allclose(public.public_services_value_added(t0, 0.2, 0 * cur0, cur0), 0.0)


def test_huff_reproduces_the_base_and_a_link_can_draw_spending_to_the_core():
    from simxh.economics import access

    times = np.array([[0.0, 30.0, 60.0], [30.0, 0.0, 45.0], [60.0, 45.0, 0.0]])
    w = access.access_weights(times, 2.0, 10.0)
    t0 = np.array([200.0, 40.0, 30.0])  # a core and two peripheral towns
    assert np.allclose(access.huff_shares(t0, w).sum(axis=1), 1.0)
    f0 = access.huff_flows(t0, t0, w)
    assert f0.sum() == pytest.approx(t0.sum())
    assert np.allclose(access.spend_where_shopped(t0, 0.3, t0, f0, f0), t0)
    # a link brings town 2 closer to the core: the core gains, town 2 loses, totals kept
    closer = times.copy()
    closer[0, 2] = closer[2, 0] = 15.0
    f1 = access.huff_flows(t0, t0, access.access_weights(closer, 2.0, 10.0))
    after = access.spend_where_shopped(t0, 0.3, t0, f1, f0)
    assert after.sum() == pytest.approx(t0.sum())
    assert after[0] > t0[0] and after[2] < t0[2]
    assert np.allclose(access.spend_where_shopped(t0, 0.0, t0, f1, f0), t0)  # nothing mobile


def test_competition_index_is_one_on_the_base_network_and_falls_with_closer_suppliers():
    from simxh.economics import access

    times = np.array([[0.0, 60.0], [60.0, 0.0]])
    s = np.array([100.0, 10.0])  # a core's suppliers and a small town's
    w0 = access.access_weights(times, 0.9, 10.0)
    c0 = w0 @ s
    assert np.allclose(access.competition_index(w0, s, c0, 1.0), 1.0)
    w1 = access.access_weights(np.array([[0.0, 20.0], [20.0, 0.0]]), 0.9, 10.0)
    comp = access.competition_index(w1, s, c0, 1.0)
    assert comp[1] < comp[0] < 1.0  # the small town's market is the more crowded
    assert np.allclose(access.competition_index(w1, s, c0, 0.0), 1.0)
    # what the small town's own market is worth to it falls: more suppliers reach it
    assert (w1 @ (s * comp * np.array([0.0, 1.0])))[1] < (w0 @ (s * np.array([0.0, 1.0])))[1]


def test_the_multiplier_needs_labour_slack():
    from simxh.economics.public import slack_multiplier
    assert slack_multiplier(1.8, 1.0, 0.03) == 0.0  # full employment: no induced demand
    assert slack_multiplier(1.8, 1.01, 0.03) == 0.0  # over-employed: none either
    assert slack_multiplier(1.8, 0.985, 0.03) == pytest.approx(0.9)  # half the gap: half
    assert slack_multiplier(1.8, 0.9, 0.03) == pytest.approx(1.8)  # a recession: all of it
