"""The villages (issue #12): the rural economics' pure functions, the 236 village agents, the
陈皮 chain, the land ledger, the rural programmes as levers with costs, and the villages table."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from simxh.agents import Village
from simxh.economics import rural
from simxh.model import XinhuiModel
from simxh.simulation import simulate

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = {"rural.beautiful_budget_yi": 0.5, "rural.demo_budget_yi": 1.5,
           "rural.hollow_budget_yi": 0.5, "rural.enterprise_budget_yi": 2.0,
           "rural.tourism_budget_yi": 1.0, "rural.service_circle_budget_yi": 0.5}


# ---------------------------------------------------------------------------- pure functions
@pytest.mark.parametrize(("n", "total", "threshold", "over"),
                         [(199, 125600.0, 100.0, 195), (50, 5000.0, 20.0, 40), (10, 20.0, 1.0, 5)])
def test_quantile_incomes_hit_the_total_and_the_count(n, total, threshold, over):
    inc, sigma = rural.lognormal_quantile_incomes(n, total, threshold, over)
    assert len(inc) == n and sigma > 0
    assert inc.sum() == pytest.approx(total, rel=1e-9)
    assert int((inc > threshold).sum()) == over
    assert np.all(np.diff(inc) > 0)


def test_quantile_incomes_refuse_an_impossible_fit():
    with pytest.raises(ValueError):  # 199 villages over 100万 cannot sum to 1万
        rural.lognormal_quantile_incomes(199, 1e4, 100.0, 199)
    with pytest.raises(ValueError):  # only the degenerate σ = 0 sums to 10 × the threshold
        rural.lognormal_quantile_incomes(10, 10.0, 1.0, 5)


def test_norm_ppf_matches_known_quantiles():
    p = np.array([0.001, 0.025, 0.5, 0.975, 0.999])
    want = np.array([-3.090232, -1.959964, 0.0, 1.959964, 3.090232])
    assert np.allclose(rural._norm_ppf(p), want, atol=1e-6)


def test_raise_lowest_spends_the_budget_from_the_bottom():
    s = np.array([0.0, 0.5, 1.2, 0.2])
    gain = rural.raise_lowest(s, 1.0, 1.0)
    assert gain.sum() == pytest.approx(1.0)
    assert gain[2] == 0.0  # above the ceiling
    after = s + gain
    assert after[0] == pytest.approx(after[1]) == pytest.approx(after[3])  # levelled together
    full = rural.raise_lowest(s, 100.0, 1.0)  # more than enough: all to the ceiling, no more
    assert np.allclose(np.maximum(s + full, 1.0), np.maximum(s, 1.0))
    assert full.sum() == pytest.approx(0.5 + 1.0 + 0.8)
    only = rural.raise_lowest(s, 1.0, 1.0, np.array([False, True, True, False]))
    assert only[0] == 0.0 and only[3] == 0.0 and only[1] == pytest.approx(0.5)


def _raise_lowest_loop(standard, budget_units, ceiling, eligible=None):
    """The water-filling level found by walking the sorted standards one by one (the
    definition raise_lowest's vectorised search must reproduce bit for bit)."""
    gain = np.zeros_like(standard)
    mask = standard < ceiling if eligible is None else eligible & (standard < ceiling)
    if budget_units <= 0 or not mask.any():
        return gain
    s = np.sort(standard[mask])
    level = ceiling
    if budget_units < float((ceiling - s).sum()):
        cum = np.cumsum(s)
        for i in range(len(s)):
            nxt = s[i + 1] if i + 1 < len(s) else ceiling
            if (i + 1) * nxt - cum[i] >= budget_units:
                level = (budget_units + cum[i]) / (i + 1)
                break
    gain[mask] = np.maximum(min(level, ceiling) - standard[mask], 0.0)
    return gain


def test_raise_lowest_equals_the_walk_over_sorted_standards():
    rng = np.random.default_rng(5)
    for _ in range(300):
        n = int(rng.integers(1, 60))
        s = rng.uniform(0.0, 1.2, n) * rng.choice([1.0, 0.01])
        budget = float(rng.exponential(rng.choice([0.05, 1.0, 10.0])))
        eligible = rng.random(n) < 0.7 if rng.random() < 0.5 else None
        np.testing.assert_array_equal(rural.raise_lowest(s, budget, 1.0, eligible),
                                      _raise_lowest_loop(s, budget, 1.0, eligible))


def test_take_land_never_grants_land_twice():
    demand = np.array([10.0, 5.0, 0.0])
    pool_a = np.array([4.0, 10.0, 3.0])
    pool_b = np.array([3.0, 0.0, 1.0])
    granted, (left_a, left_b) = rural.take_land(demand, pool_a, pool_b)
    assert granted.tolist() == [7.0, 5.0, 0.0]
    assert left_a.tolist() == [0.0, 5.0, 3.0] and left_b.tolist() == [0.0, 0.0, 1.0]
    assert np.allclose(granted + left_a + left_b, pool_a + pool_b)  # land is conserved


def test_ageing_stock_conserves_tonnes_and_older_peel_is_worth_more():
    stock = rural.steady_stock(7500.0, 0.25, 15)
    new, sold = rural.age_stock(stock.copy(), 7500.0, 0.25)
    assert np.allclose(new, stock)  # the steady state
    assert stock.sum() + 7500.0 == pytest.approx(new.sum() + sold.sum())
    v = rural.vintage_values(15, 0.2)
    assert v[0] == 1.0 and np.all(np.diff(v) > 0) and v[10] == pytest.approx(1.2 ** 10)


def test_price_falls_with_excess_supply_and_reverts():
    assert rural.log_price_step(0.0, 0.6, 0.15, 1.0, 0.0, 0.0) == 0.0
    assert rural.log_price_step(0.0, 0.6, 0.15, 1.0, 0.5, 0.0) < 0.0
    assert abs(rural.log_price_step(0.5, 0.6, 0.15, 1.0, 0.0, 0.0)) < 0.5


def test_standards_wear_without_upkeep():
    s = np.array([1.0, 2.0])
    assert np.allclose(rural.standard_step(s, 0.1, 1.0, np.zeros(2)), s)
    assert np.allclose(rural.standard_step(s, 0.1, 0.0, np.zeros(2)), 0.9 * s)
    assert np.allclose(rural.standard_step(s, 0.1, 0.5, np.array([0.5, 0.0])), [1.45, 1.9])


def test_maintained_capital_depreciates_unless_replaced():
    k = np.array([10.0, 10.0, 10.0, 0.0])
    budget = np.array([0.0, 0.5, 5.0, 1.0])
    kept, left = rural.maintain_capital(k, 0.08, budget)
    assert kept.tolist() == pytest.approx([9.2, 9.7, 10.0, 0.0])  # replacement ≤ δK and ≤ budget
    assert left.tolist() == pytest.approx([0.0, 0.0, 4.2, 1.0])
    assert np.allclose(kept + (budget - left), k * 0.92 + 2 * (budget - left))


def test_own_upgrades_stop_at_the_standard_and_never_pay_for_others():
    s = np.array([0.5, 0.9, 1.0, 1.5])
    gain = rural.raise_own(s, np.array([0.2, 0.5, 1.0, 0.0]), 1.0)
    assert gain.tolist() == pytest.approx([0.2, 0.1, 0.0, 0.0])


def test_demonstration_villages_are_finished_one_after_another():
    s = np.array([1.0, 1.0, 1.5, 2.0, 1.0])
    order = np.array([3, 2, 0, 1])  # richest first; the first already at the standard
    gain = rural.raise_in_order(s, 1.2, 2.0, order)
    assert gain.tolist() == pytest.approx([0.7, 0.0, 0.5, 0.0, 0.0])
    assert rural.raise_in_order(s, 0.0, 2.0, order).sum() == 0.0
    assert rural.raise_in_order(s, 99.0, 2.0, order).sum() == pytest.approx(2.5)  # no more


# ---------------------------------------------------------------------------- the agents
@pytest.fixture(scope="module")
def base_model():
    return XinhuiModel(seed=11)


def test_236_village_agents_each_in_its_town(base_model):
    m = base_model
    agents = list(m.agents_by_type[Village])
    assert len(agents) == 236 == len(m.villages.village_ids)
    towns = m.region.data.towns
    for t in m.towns:
        mine = [a for a in agents if a.town_id == t.town_id]
        assert len(mine) == towns.loc[t.town_id, "villages"] + towns.loc[t.town_id, "communities"]
        assert t.villages == len(mine)
    a = agents[0]
    assert set(a.income_by_source_wan()) == {"leasing", "enterprise", "agriculture", "tourism"}
    assert a.classification in ("upgrading", "urban_fringe", "heritage", "relocation")


def test_base_year_village_income_reproduces_the_reported_figures(base_model):
    m = base_model
    v = m.villages
    assert v.village_income_wan.sum() == pytest.approx(125600.0, rel=1e-9)  # 12.56亿 (reported)
    assert int(v.is_village.sum()) == 199
    assert m.villages_over_100wan == 195  # of 199 (reported)
    assert m.village_collective_income_yi == pytest.approx(12.56)
    # the income sources add up, agriculture leaning on the villages with orchards
    total = sum(v.income_wan.values())
    assert np.allclose(total, v.village_income_wan)


def test_base_year_sector_totals_unchanged_by_the_chain_carve_out(base_model):
    m = base_model
    tg = m.base.targets
    assert m.gdp_primary_yi == pytest.approx(tg["gdp_primary_yi"], rel=1e-12)
    assert m.gdp_secondary_yi == pytest.approx(tg["gdp_secondary_yi"], rel=1e-12)
    assert m.gdp_tertiary_yi == pytest.approx(tg["gdp_tertiary_yi"], rel=1e-12)
    # the carved-out parts are inside the base year's totals
    assert 0 < m.chenpi.base_processing_yi.sum() < m.residual_secondary_yi.sum()
    assert 0 < m.chenpi.base_services_yi.sum() < m.tertiary_yi.sum()
    # the towns' citrus value added lies where their villages' orchards are
    orchards = m.villages.town_sum(m.villages.citrus_mu)
    assert np.corrcoef(orchards, m.citrus_yi)[0, 1] > 0.99


def run_checked(overrides=None, seed=5, end_year=2030):
    m = XinhuiModel(seed=seed, overrides=overrides or {}, end_year=end_year)
    m.check_accounts()
    while m.running:
        m.step()
        m.check_accounts()  # villages add up to the towns; land use within land, every year
    return m


@pytest.mark.parametrize("overrides", [{}, PACKAGE, {"land.construction_quota_mu": 0.0,
                                                     **PACKAGE}],
                         ids=["baseline", "package", "package-no-quota"])
def test_accounts_hold_every_year(overrides):
    run_checked(overrides)


def test_check_catches_a_broken_land_ledger(base_model):
    m = XinhuiModel(seed=2, end_year=2025)
    m.step()
    m.villages.farmland_mu[0] = m.villages.town_area_mu[m.villages.village_town[0]] * 2
    with pytest.raises(AssertionError):
        m.check_accounts()


def test_programmes_move_the_village_targets_and_cost_money():
    base = run_checked()
    demo = run_checked({"rural.demo_budget_yi": 1.5})
    b, d = (x.datacollector.get_model_vars_dataframe().set_index("year") for x in (base, demo))
    assert d.loc[2027, "demo_villages"] >= 10 > b.loc[2027, "demo_villages"]
    assert (d["lever_spend_yi"] - b["lever_spend_yi"]).loc[2024:].min() > 1.0
    assert demo.government.ledger["spend_rural_demo"] > 0
    ent = run_checked({"rural.enterprise_budget_yi": 2.0})
    e = ent.datacollector.get_model_vars_dataframe().set_index("year")
    assert e.loc[2030, "village_collective_income_yi"] > b.loc[2030, "village_collective_income_yi"]
    assert ent.villages.enterprise_capital_yi.sum() > 0


def test_programmes_compete_for_land():
    base = run_checked()
    ent = run_checked({"rural.enterprise_budget_yi": 4.0})
    b, e = (x.datacollector.get_model_vars_dataframe().set_index("year") for x in (base, ent))
    # the enterprises' land comes out of the quota the towns' industry would have had
    assert e.loc[2025, "land_quota_rural_mu"] > 0
    assert (e.loc[2025, "land_quota_industrial_mu"]
            == pytest.approx(b.loc[2025, "land_quota_industrial_mu"]
                             - e.loc[2025, "land_quota_rural_mu"]))
    # a quota too small for the programme: it asks only for the money it has land for, places
    # all of it, and industry gets none of that year's quota
    short = run_checked({"rural.enterprise_budget_yi": 4.0, "land.construction_quota_mu": 50.0},
                        end_year=2026)
    paid = short.government.ledger["spend_rural_enterprise"]
    assert paid == pytest.approx(50.0 / short.p.rural.enterprise_land_mu_per_yi)
    # all of it placed (three years); what the villages' own budgets did not replace has
    # depreciated since (villages.own_facility_share, firms.depreciation)
    placed = short.villages.enterprise_capital_yi.sum()
    assert 3 * paid * (1 - short.p.firms.depreciation) ** 2 <= placed <= 3 * paid + 1e-9
    assert short.land_quota_industrial_mu == pytest.approx(0.0, abs=1e-9)
    # without quota or renewed land, the programme can place nothing and asks for no money
    none = run_checked({"rural.enterprise_budget_yi": 4.0, "land.construction_quota_mu": 0.0})
    assert none.villages.enterprise_capital_yi.sum() == 0.0
    assert none.government.ledger.get("spend_rural_enterprise", 0.0) == 0.0
    # renewed 空心村 land lets it place capital without the quota
    both = run_checked({"rural.enterprise_budget_yi": 4.0, "rural.hollow_budget_yi": 1.0,
                        "land.construction_quota_mu": 0.0})
    assert both.villages.enterprise_capital_yi.sum() > 0


def test_chenpi_price_has_its_own_stream():
    """Common random numbers: a rural programme does not change the 陈皮 price path."""
    a = run_checked()
    b = run_checked(PACKAGE)
    pa_, pb = (x.datacollector.get_model_vars_dataframe()["chenpi_price_index"] for x in (a, b))
    assert np.allclose(pa_, pb)
    assert pa_.std() > 0


def test_scorecard_village_targets_come_from_the_agents():
    m = run_checked(PACKAGE, end_year=2027)
    agents = list(m.agents_by_type[Village])
    th = m.p.villages
    assert m.beautiful_village_share == pytest.approx(
        np.mean([a.standard >= th.beautiful_threshold - 1e-9 for a in agents]))
    assert m.demo_villages == sum(a.standard >= th.demo_threshold - 1e-9 for a in agents)
    over = sum(a.collective_income_wan * m.price_index > 2000.0 for a in agents)
    assert m.villages_collective_over_2000wan == over


def test_villages_table():
    res = simulate(seed=4, overrides={"run.end_year": 2026})
    v = res.villages
    assert len(v) == 236 * 4
    for col in ("scenario", "replication", "seed", "year", "village", "town", "population_wan",
                "collective_income_wan", "farmland_mu", "citrus_mu", "standard"):
        assert col in v.columns
    by_year = v.groupby("year")["collective_income_wan"].sum() / 1e4
    d = res.district.set_index("year")["village_collective_income_yi"]
    assert np.allclose(by_year.to_numpy(), d.to_numpy())
    district, towns = res  # still a pair
    assert simulate(seed=4, overrides={"run.end_year": 2025}, villages=False).villages is None


# ---------------------------------------------------------------------------- unaided path
def _run(config=None, overrides=None, seed=1, end_year=2030):
    m = XinhuiModel(config, seed=seed, overrides=overrides or {}, end_year=end_year)
    while m.running:
        m.step()
    return m


def test_standards_rise_without_a_programme_only_out_of_the_villages_own_income():
    """No unaided upgrade path: without their own budgets (and the district's upgrade share,
    0 by default) the villages' standards never rise; with them the baseline misses the plan's
    2025 target (all villages) because the poorer villages and the communities (no collective
    income) cannot pay for it."""
    none = _run(overrides={"villages.own_facility_share": 0.0}, end_year=2028)
    base_standard = none.villages.base_standard
    assert none.villages.standard.sum() <= base_standard.sum() + 1e-9
    assert none.beautiful_village_share <= float(none.villages.p.beautiful_initial_share) + 0.1
    base = _run(end_year=2025)
    assert base.villages.standard.sum() > base_standard.sum()  # their own money builds
    assert base.beautiful_village_share < 1.0 and base.demo_villages == 0


def test_village_capital_depreciates():
    """Enterprise and tourism capital lose firms.depreciation a year where the village does
    not replace it; value added follows the depreciated stock."""
    ov = {"rural.enterprise_budget_yi": 2.0, "rural.tourism_budget_yi": 1.0,
          "villages.own_facility_share": 0.0}
    m = XinhuiModel(seed=1, overrides=ov, end_year=2028)
    while m.year < 2027:
        m.step()
    v = m.villages
    placed_e = m.government.ledger["spend_rural_enterprise"]  # this year's
    rc, dep = m.p.rural, m.p.firms.depreciation
    years = 4  # 2024–2027 placed
    assert v.enterprise_capital_yi.sum() < years * placed_e * (1 - dep / 2)  # well below placed
    assert v.enterprise_capital_yi.sum() > 0 and v.tourism_capital_yi.sum() > 0
    before_e, before_t = v.enterprise_capital_yi.sum(), v.tourism_capital_yi.sum()
    m.step()  # the next year's placements on top of the depreciated stock
    added_e = m.government.ledger["spend_rural_enterprise"]
    assert v.enterprise_capital_yi.sum() == pytest.approx(before_e * (1 - dep) + added_e,
                                                          rel=1e-9)
    assert v.tourism_capital_yi.sum() < before_t + m.government.ledger["spend_rural_tourism"]
    assert v.enterprise_va_yi.sum() == pytest.approx(
        rc.enterprise_va_per_income * rc.enterprise_return * v.enterprise_capital_yi.sum())


def _free_maintenance(capital, depreciation, own_yi):
    """Village capital kept whole at no cost (the broken-on-purpose rule)."""
    return capital, own_yi


def test_maintaining_village_capital_costs_the_village(monkeypatch):
    """The replacement of the villages' enterprise and tourism capital comes out of their own
    budget, before their upgrades: with maintenance made free (the same run otherwise: the firm
    economy is untouched), they upgrade more."""
    ov = {"rural.enterprise_budget_yi": 2.0}
    m = _run(overrides=ov, end_year=2027)
    assert m.villages.capital_replaced_yi.sum() > 0
    monkeypatch.setattr(rural, "maintain_capital", _free_maintenance)
    free = _run(overrides=ov, end_year=2027)
    assert free.villages.capital_replaced_yi.sum() == 0.0
    # the replacement came out of the villages' own upgrades
    assert m.villages.standard.sum() < free.villages.standard.sum()


def _targets(m):
    v = m.villages
    return {"beautiful": m.beautiful_village_share, "demo": m.demo_villages,
            "idle": float(v.idle_land_mu.sum()), "circle": int(v.in_service_circle.sum()),
            "enterprise": float(v.income_wan["enterprise"].sum()),
            "tourism": float(v.income_wan["tourism"].sum())}


PROGRAMME_TARGETS = {  # config: (target, the least change on the baseline in 2030)
    "rural_beautiful": [("beautiful", 0.05)], "rural_demo": [("demo", 10)],
    "rural_hollow": [("idle", -500.0)], "rural_service_circle": [("circle", 100)],
    "rural_enterprise": [("enterprise", 5000.0)], "rural_tourism": [("tourism", 2000.0)],
    "rural_package": [("beautiful", 0.05), ("demo", 10), ("idle", -500.0), ("circle", 100),
                      ("enterprise", 5000.0), ("tourism", 2000.0)]}


@pytest.mark.parametrize("name", sorted(PROGRAMME_TARGETS))
def test_each_programme_moves_its_own_target(name):
    """Common random numbers (same seed): each rural config moves its own village target by
    2030 against the baseline config (the baseline leaves room: its standards rise only out
    of the villages' own income)."""
    base = _targets(_run(str(ROOT / "configs" / "baseline.toml")))
    prog = _targets(_run(str(ROOT / "configs" / f"{name}.toml")))
    for key, least in PROGRAMME_TARGETS[name]:
        change = prog[key] - base[key]
        assert (change <= least) if least < 0 else (change >= least), (key, base[key], prog[key])
