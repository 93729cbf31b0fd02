"""Land is conserved (referee items 1 and 5): no ledger creates industrial land; 工改 renewal
moves under-used land of old firms to the free stock as far as the budget pays for it; every
park and town node holds exactly its area; orchards never take the protected fields."""

from __future__ import annotations

import numpy as np
import pytest

from simxh.model import XinhuiModel

TO_2035 = {"run.end_year": 2035}


def _run_checked(config=None, overrides=None, seed=0):
    m = XinhuiModel(config, seed=seed, overrides={**TO_2035, **(overrides or {})})
    m.check_accounts()
    ratios = []
    while m.running:
        m.step()
        m.check_accounts()  # every park's and town node's land is its area, every year
        tl = m.towns_labour
        ratios.append(float((tl.node_land_mu() / tl.node_area_mu).max()))
    return m, ratios


@pytest.mark.parametrize("config", ["configs/baseline.toml", "configs/integration.toml",
                                    "configs/combined.toml"])
def test_no_park_or_town_uses_more_land_than_it_has(config):
    m, ratios = _run_checked(config)
    tl = m.towns_labour
    assert max(ratios) <= 1.0 + 1e-9
    # renewal happened, moved land (the total is the base year's plus the quota converted) and
    # was paid for
    assert tl.land_renewed_mu > 0
    assert tl.land_total() == pytest.approx(m.base_land_total_mu + m.land_converted_mu,
                                            rel=1e-9)
    assert m.government.ledger["spend_land_renewal"] > 0
    if "integration" in config or "combined" in config:
        assert m.year_stats["integration_renewal_cost_yi"] > 0


def test_the_check_catches_land_created_or_moved():
    m = XinhuiModel(seed=1, overrides={"run.end_year": 2026})
    m.step()
    m.check_accounts()
    park = m.nt
    tl = m.towns_labour
    tl.free_land_mu[park] += 100.0  # land out of nothing in a park
    with pytest.raises(AssertionError, match="land not conserved"):
        m.check_accounts()
    tl.free_land_mu[park] -= 100.0
    tl.free_land_mu[0] -= 50.0  # land moved from a town to a park: the total still adds up
    tl.free_land_mu[park] += 50.0
    with pytest.raises(AssertionError, match="more land than its area"):
        m.check_accounts()
    tl.free_land_mu[park] -= 50.0
    tl.free_land_mu[0] += 50.0
    m.check_accounts()
    f = m.firms
    i = int(np.flatnonzero(f.alive & (f.node == park))[0])
    f.land_mu[i] += 10.0  # a firm holds land it was never given
    with pytest.raises(AssertionError):
        m.check_accounts()


def test_renewal_frees_only_what_the_budget_paid():
    """Renewed land = the money paid / the cost per 亩, also when the budget rations it (two
    rural programmes ask for more than the district has)."""
    ov = {"rural.demo_budget_yi": 50.0, "rural.beautiful_budget_yi": 50.0,
          "run.end_year": 2027}
    m = XinhuiModel(seed=3, overrides=ov)
    cost = m.p.land.renewal_cost_yi_per_mu
    first = None
    while m.running:
        m.step()
        first = m.towns_labour.land_renewed_year_mu if first is None else first
        m.check_accounts()
        led = m.government.ledger
        tl = m.towns_labour
        paid_mu = led["spend_land_renewal"] / cost
        assert tl.land_renewed_year_mu == pytest.approx(paid_mu, rel=1e-9)
        assert led["spend_general"] == pytest.approx(0.0, abs=1e-9)  # rationed
    free = XinhuiModel(seed=3, overrides={**ov, "land.renewal_cost_yi_per_mu": 0.0})
    free.step()
    assert free.government.ledger["spend_land_renewal"] == 0.0
    assert free.towns_labour.land_renewed_year_mu > 1.5 * first  # unpaid, none of it


def test_renewal_takes_only_under_used_land_of_old_firms():
    m = XinhuiModel(seed=2, overrides={"run.end_year": 2028})
    lc = m.p.land
    shrunk_any = False
    while m.running:
        f = m.firms
        n, before = len(f), f.land_mu.copy()
        m.step()
        f = m.firms
        kept = np.flatnonzero(f.alive[:n])
        shrunk = kept[f.land_mu[kept] < before[kept] - 1e-9]
        shrunk_any |= len(shrunk) > 0
        # a renewed plot keeps at least what its capital needs at the standard intensity
        assert np.all(f.land_mu[shrunk] >= f.capital_yi[shrunk] / lc.intensity_yi_per_mu - 1e-9)
        assert np.all(f.birth_year[shrunk] <= m.year - lc.renewal_min_age_years)
        # no surviving firm gains land
        assert np.all(f.land_mu[kept] <= before[kept] + 1e-9)
    assert shrunk_any


def test_orchards_never_take_the_protected_fields():
    """A 陈皮 boom (demand three times as income-elastic as assumed, a strong planting
    response) fills the orchards' room: they reach their ceiling but never the protected fields, and farmland stays above
    its protected floor."""
    m = XinhuiModel(seed=0, overrides={"run.end_year": 2060, "chenpi.demand_income_elasticity": 3.0,
                                       "chenpi.planting_response": 1.0})
    v = m.villages
    while m.running:
        m.step()
        m.check_accounts()
        assert np.all(v.farmland_mu - v.citrus_mu >= v.protected_fields_mu - 1e-6)
        assert np.all(v.farmland_mu >= v.protected_farmland_mu - 1e-6)
    assert np.isclose(v.citrus_mu, v.orchard_ceiling_mu()).any()  # the room was used
    assert v.citrus_mu.sum() < 0.5 * v.farmland_mu.sum()
