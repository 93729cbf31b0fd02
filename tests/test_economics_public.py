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


def test_debt_public_capital_and_land_renewal():
    assert public.debt_allowed_borrowing(10.0, 0.0, 50.0, False) == 0.0
    assert public.debt_allowed_borrowing(10.0, 45.0, 50.0, True) == 5.0
    assert public.debt_allowed_borrowing(-1.0, 0.0, 50.0, True) == 0.0
    assert public.public_capital_update(np.array([100.0]), np.array([10.0]), 0.04)[0] == 106.0
    assert public.land_renewal(np.array([1000.0]), 0.01)[0] == pytest.approx(10.0)
    assert public.deficit_demand_effect(10.0) == pytest.approx(18.0)  # Chodorow-Reich (2019)
    assert public.deficit_demand_effect(-3.0) == 0.0


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
