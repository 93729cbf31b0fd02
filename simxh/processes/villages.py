"""Villages (行政村/社区, villages.csv): people, land, collective income by source, the standard
the rural programmes build, and the towns' land ledger.

Per village (arrays; :class:`simxh.agents.Village` is a handle on a row): population; farmland,
citrus orchards (within farmland) and collective construction land (idle homesteads, usable,
and land in use by collective enterprises and homestays); collective income by source (leasing,
enterprises, agriculture and 陈皮 shares, tourism); capital of collective enterprises and of
tourism; a standard (a stock: 1 = beautiful village, 2 = demonstration) and the province's
classification.

Each year, after the budget: the district's village budget (``fiscal.village_spending_share``)
pays the standards' upkeep (its rest runs the village organisations; a share
``villages.district_upgrade_share``, 0 by default, may build standards); each village's own budget
(``villages.own_facility_share`` of its collective income) replaces its enterprise and tourism
capital's depreciation (``firms.depreciation``), then lifts its own standard toward the beautiful
standard, no further; the rural programmes (``rural`` section, each a committed district item
whose paid money buys its effect) lift the lowest villages toward the beautiful standard, finish
demonstration villages one after another, renew 空心村, add enterprise and tourism capital (both
need land) and the 10-minute service circle. Land: the yearly construction-land quota (``land``) goes first to
the programmes' land the villages' own usable land cannot give, the rest becomes free
industrial land at the town's node; both convert farmland above the protected floor. Orchards
expand or shrink with the 陈皮 price, within farmland and above the protected floor.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from simxh.economics import rural

TINY = 1e-12
"""A floor against division by zero."""
TOL = 1e-9
"""Rounding tolerance of the standard thresholds."""

PROGRAMMES = ("beautiful", "demo", "hollow", "enterprise", "tourism", "service_circle")
"""The rural programmes; each is a district budget item ``rural_<name>``."""
WAN_PER_YI = 1e4
"""万元 per 亿元 (a unit conversion)."""
SOURCES = ("leasing", "enterprise", "agriculture", "tourism")
"""Collective income by source (万元 each)."""


class Villages:
    """The 236 villages and communities (arrays over villages) and the towns' land pools."""

    def __init__(self, m: Any) -> None:
        self.m = m
        self.p = m.p.villages
        vc = self.p
        base = m.base
        nt = m.nt
        self.village_ids = base.village_ids
        self.village_town = base.village_town
        self.is_village = base.village_is_village
        n = len(self.village_town)
        self.population_wan = base.village_population_wan.copy()
        self.farmland_mu = base.village_farmland_mu.copy()
        self.citrus_mu = base.village_citrus_mu.copy()
        construction = base.village_construction_mu
        lc = m.p.land
        self.idle_land_mu = construction * lc.idle_homestead_share
        self.usable_land_mu = construction - self.idle_land_mu   # in use by the village
        self.programme_land_mu = np.zeros(n)  # taken by enterprises and homestays
        self.free_land_mu = np.zeros(n)       # renewed, not yet used
        self.base_farmland_mu = self.farmland_mu.copy()
        self.protected_farmland_mu = lc.farmland_protection_share * self.farmland_mu
        # the protected farmland (永久基本农田) may not become new orchards (园地); the base
        # year's orchards are taken to lie within it as far as it reaches and are kept: the
        # rest of it stays in field crops (farmland outside the orchards never falls below it)
        self.protected_fields_mu = np.maximum(self.protected_farmland_mu - self.citrus_mu, 0.0)
        cp = m.p.chenpi
        floor = min(cp.protected_citrus_mu, float(self.citrus_mu.sum()))
        self.protected_citrus_mu = self.citrus_mu * floor / max(float(self.citrus_mu.sum()),
                                                                TINY)
        self.base_citrus_mu = self.citrus_mu.copy()
        # income by source: the base shares, agriculture leaning on the village's orchards
        total = base.village_income_wan
        mean_citrus = max(float(self.citrus_mu[self.is_village].mean()), TINY)
        w = np.stack([np.full(n, vc.income_share_leasing), np.full(n, vc.income_share_enterprise),
                      vc.income_share_agriculture * self.citrus_mu / mean_citrus,
                      np.full(n, vc.income_share_tourism)])
        w /= np.maximum(w.sum(axis=0), TINY)
        self.income_wan = {s: total * w[k] for k, s in enumerate(SOURCES)}
        self.base_income_wan = {s: v.copy() for s, v in self.income_wan.items()}
        self.enterprise_own_wan = self.income_wan["enterprise"].copy()
        self.village_income_wan = total.copy()
        self.enterprise_capital_yi = np.zeros(n)
        self.tourism_capital_yi = np.zeros(n)
        self.in_service_circle = np.zeros(n, dtype=bool)
        # the standard: at standard (beautiful) or halfway, by the base year's draw
        self.standard = np.where(base.village_beautiful, vc.beautiful_threshold,
                                 vc.initial_standard_below * vc.beautiful_threshold)
        self.base_standard = self.standard.copy()
        self.town_area_mu = base.town_area_mu
        self.quota_used_mu = np.zeros(nt)       # this year's quota to the programmes
        self.quota_industrial_mu = np.zeros(nt)  # this year's quota to industrial land
        self.land_converted_mu = 0.0             # cumulative quota to the town nodes' land
        self.spend_yi = {k: 0.0 for k in PROGRAMMES}
        self.upkeep_paid_share = 1.0
        self.capital_replaced_yi = np.zeros(n)
        self.own_upgrade_yi = np.zeros(n)
        self.base_village_income_per_villager = self._income_per_villager()
        self.enterprise_va_yi = np.zeros(nt)
        self.tourism_va_yi = np.zeros(nt)
        self.base_rural_primary_per_villager = None
        # each town's villages as one slice when villages.csv lists them town by town (it does):
        # a sum over the slice is the same sum as over the town's mask (the same elements in the
        # same order), at a third of the cost (the towns' village reporters, every year)
        grouped = n == 0 or bool(np.all(np.diff(self.village_town) >= 0))
        bounds = np.searchsorted(self.village_town, np.arange(nt + 1)) if grouped else None
        self.town_slices = (None if bounds is None else
                            [slice(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:])])

    # ------------------------------------------------------------------------------ views
    @property
    def village_beautiful(self) -> np.ndarray:
        return self.standard >= self.p.beautiful_threshold - TOL

    @property
    def village_demo(self) -> np.ndarray:
        return self.standard >= self.p.demo_threshold - TOL

    @property
    def construction_land_mu(self) -> np.ndarray:
        return self.idle_land_mu + self.usable_land_mu + self.programme_land_mu + self.free_land_mu

    def town_total(self, values: np.ndarray, town: int) -> float:
        """The sum of ``values`` over town ``town``'s villages (equal to the masked sum)."""
        if self.town_slices is not None:  # np.add.reduce: ndarray.sum without its wrapper
            return float(np.add.reduce(values[self.town_slices[town]]))
        return float(values[self.village_town == town].sum())

    def town_sum(self, values: np.ndarray) -> np.ndarray:
        return np.bincount(self.village_town, weights=values, minlength=self.m.nt)

    def _income_per_villager(self) -> float:
        return float(self.village_income_wan.sum() / max(self.population_wan.sum(), TINY))

    # ------------------------------------------------------------------------------ budget
    def quota_mu(self) -> np.ndarray:
        """This year's construction-land quota per town (亩): the district's by area, within the
        farmland above the protected floor."""
        lc = self.m.p.land
        by_area = lc.construction_quota_mu * self.town_area_mu / self.town_area_mu.sum()
        room = self.town_sum(self._room_mu())
        return np.minimum(by_area, room)

    def wanted_yi(self) -> dict[str, float]:
        """What each rural programme asks of this year's budget (亿元): its budget setting, and
        for the programmes that need land, no more than the land they can get (the villages'
        renewed land and the towns' quota)."""
        rc = self.m.p.rural
        land = float(self.free_land_mu.sum() + self.quota_mu().sum())
        want = {k: float(getattr(rc, f"{k}_budget_yi")) for k in PROGRAMMES}
        ent_land = want["enterprise"] * rc.enterprise_land_mu_per_yi
        tour_land = want["tourism"] * rc.tourism_land_mu_per_yi
        need = ent_land + tour_land
        if need > land:  # the two share the land in proportion to their demands
            scale = land / need
            want["enterprise"] *= scale
            want["tourism"] *= scale
        return want

    # ------------------------------------------------------------------------------ step
    def update(self) -> None:
        """After the budget: population, programmes, land, standards, orchards, income."""
        m = self.m
        vc = self.p
        rc = m.p.rural
        tl = m.towns_labour
        vt = self.village_town
        led = m.government.ledger
        self.spend_yi = {k: float(led.get(f"spend_rural_{k}", 0.0)) for k in PROGRAMMES}
        # people follow their town
        growth_pop = tl.population_wan / np.maximum(self._town_pop_prev(), TINY)
        self.population_wan = self.population_wan * growth_pop[vt]
        self._prev_town_pop = tl.population_wan.copy()

        # the district's village budget: the standards' upkeep first; of the rest (the village
        # organisations' running), villages.district_upgrade_share pays upgrades
        budget = float(m.finance.village_budget_yi)
        upkeep_due = vc.upkeep_share * vc.upgrade_cost_yi * float(self.standard.sum())
        self.upkeep_paid_share = min(budget / upkeep_due, 1.0) if upkeep_due > 0 else 1.0
        budget = vc.district_upgrade_share * max(budget - upkeep_due, 0.0)
        # each village's own budget (a share of last year's collective income): the replacement
        # of its enterprise and tourism capital first, then its own upgrades to the standard
        own_yi = vc.own_facility_share * self.village_income_wan / WAN_PER_YI
        dep = m.p.firms.depreciation
        capital = self.enterprise_capital_yi + self.tourism_capital_yi
        kept, own_left = rural.maintain_capital(capital, dep, own_yi)
        keep = np.divide(kept, capital, out=np.ones_like(capital), where=capital > 0)
        self.capital_replaced_yi = own_yi - own_left
        self.enterprise_capital_yi = self.enterprise_capital_yi * keep
        self.tourism_capital_yi = self.tourism_capital_yi * keep
        gain = rural.raise_own(self.standard, own_left / vc.upgrade_cost_yi,
                               vc.beautiful_threshold)
        self.own_upgrade_yi = gain * vc.upgrade_cost_yi
        # the programme's (and the district's) upgrades: the lowest first
        gain += rural.raise_lowest(self.standard + gain, (budget + self.spend_yi["beautiful"])
                                   / vc.upgrade_cost_yi, vc.beautiful_threshold)
        used = float(gain.sum() - self.own_upgrade_yi.sum() / vc.upgrade_cost_yi) * vc.upgrade_cost_yi
        left = max(budget + self.spend_yi["beautiful"] - used, 0.0)
        # demonstration villages: the selected, richest first, each finished before the next
        demo_cost_unit = vc.demo_cost_yi / max(vc.demo_threshold - vc.beautiful_threshold, TINY)
        order = self._demo_candidates(rc.demo_candidates, gain)
        gain += rural.raise_in_order(self.standard + gain,
                                     (left + self.spend_yi["demo"]) / demo_cost_unit,
                                     vc.demo_threshold, order)
        # 空心村 renewal: idle homesteads become usable land, the village tidier
        renew_mu = self.spend_yi["hollow"] / rc.hollow_cost_yi_per_mu
        idle = self.idle_land_mu
        share = renew_mu / max(float(idle.sum()), TINY)
        renewed = idle * min(share, 1.0)
        self.idle_land_mu = idle - renewed
        self.free_land_mu = self.free_land_mu + renewed
        gain += rc.hollow_standard_gain_per_mu * renewed
        # the 10-minute service circle: the lowest-standard villages outside it first
        n_circle = int(self.spend_yi["service_circle"] // rc.service_circle_cost_yi)
        outside = np.flatnonzero(~self.in_service_circle)
        if n_circle > 0 and len(outside):
            pick = outside[np.argsort(self.standard[outside], kind="stable")[:n_circle]]
            self.in_service_circle[pick] = True
            gain[pick] += rc.service_circle_standard_gain
        self.standard = rural.standard_step(self.standard, vc.wear_rate, self.upkeep_paid_share,
                                            gain)

        # land: enterprises and homestays take the villages' renewed land, then the quota
        quota = self.quota_mu()
        ent_land = self.spend_yi["enterprise"] * rc.enterprise_land_mu_per_yi
        tour_land = self.spend_yi["tourism"] * rc.tourism_land_mu_per_yi
        eligible_t = self.village_beautiful
        # spread over the villages by the land each can get (its renewed land and an equal
        # share of its town's quota), so that the land the budget asked for is found
        n_town = self.town_sum(self.is_village.astype(float))
        avail = np.where(self.is_village, self.free_land_mu + quota[vt] / np.maximum(
            n_town[vt], 1), 0.0)
        w_ent = self._weights(avail, self.is_village)
        w_tour = self._weights(avail, eligible_t & self.is_village)
        demand = ent_land * w_ent + tour_land * w_tour
        from_village, (self.free_land_mu,) = rural.take_land(demand, self.free_land_mu)
        rest = demand - from_village
        quota_take = np.minimum(self.town_sum(rest), quota)
        frac = np.divide(quota_take, self.town_sum(rest), out=np.zeros(m.nt),
                         where=self.town_sum(rest) > 0)
        from_quota = rest * frac[vt]
        granted = from_village + from_quota
        self._convert_farmland(self.town_sum(from_quota))
        self.programme_land_mu = self.programme_land_mu + granted
        # capital placed: in proportion to the land granted (the budget asked for no more money
        # than there was land for, wanted_yi, and the demand follows the land, so all of it is
        # placed unless the tourism programme's beautiful villages lack land: that money is
        # spent on preparation and places nothing)
        ent_need = ent_land * w_ent
        tour_need = tour_land * w_tour
        fill = np.divide(granted, demand, out=np.zeros_like(demand), where=demand > 0)
        if rc.enterprise_land_mu_per_yi > 0:
            self.enterprise_capital_yi += fill * ent_need / rc.enterprise_land_mu_per_yi
        if rc.tourism_land_mu_per_yi > 0:
            self.tourism_capital_yi += fill * tour_need / rc.tourism_land_mu_per_yi
        self.quota_used_mu = self.town_sum(from_quota)
        # the rest of the quota becomes free industrial land at the town's node
        industrial = np.maximum(quota - self.quota_used_mu, 0.0)
        self._convert_farmland(industrial)
        self.quota_industrial_mu = industrial
        tl.free_land_mu[:m.nt] += industrial
        tl.node_area_mu[:m.nt] += industrial  # the town nodes' industrial land grows by it
        self.land_converted_mu += float(industrial.sum())

        # collective income by source
        g = m.streams.get("villages", "shocks", m.year)
        z = g.standard_normal(len(vt))
        shock = np.exp(vc.income_shock_sd * z - vc.income_shock_correction)
        town_growth = (tl.town_gdp_yi / tl.prev_town_gdp) ** vc.collective_income_elasticity
        inc = self.income_wan
        beautiful = np.where(self.village_beautiful, vc.beautiful_income_factor, 1.0)
        inc["leasing"] = inc["leasing"] * town_growth[vt] * beautiful * shock
        self.enterprise_own_wan = self.enterprise_own_wan * town_growth[vt] * shock
        inc["enterprise"] = (self.enterprise_own_wan
                             + rc.enterprise_return * self.enterprise_capital_yi * WAN_PER_YI)
        orchard = np.divide(self.citrus_mu, self.base_citrus_mu, out=np.ones_like(self.citrus_mu),
                            where=self.base_citrus_mu > 0)
        inc["agriculture"] = (self.base_income_wan["agriculture"] * orchard
                              * tl.agri_tfp[0][vt] * m.chenpi.price_index * shock)
        inc["tourism"] = (self.base_income_wan["tourism"] * m.chenpi.tourism_index * shock
                          * np.maximum(1.0 + vc.tourism_income_per_standard
                                       * (self.standard - self.base_standard), 0.0)
                          + rc.tourism_return * self.tourism_capital_yi * WAN_PER_YI)
        self.village_income_wan = sum(inc[k] for k in SOURCES)
        # value added the programmes' capital adds (亿元): enterprises (secondary), tourism
        # (tertiary), through the towns next year
        self.enterprise_va_yi = self.town_sum(rc.enterprise_va_per_income * rc.enterprise_return
                                              * self.enterprise_capital_yi)
        self.tourism_va_yi = self.town_sum(rc.tourism_va_per_income * rc.tourism_return
                                           * self.tourism_capital_yi)

    # ------------------------------------------------------------------------------ helpers
    def _town_pop_prev(self) -> np.ndarray:
        prev = getattr(self, "_prev_town_pop", None)
        return self.m.base.population_wan if prev is None else prev

    def _spread(self, mask: np.ndarray) -> np.ndarray:
        """Weights over villages summing to 1: equal among ``mask`` (none if it is empty)."""
        n = int(mask.sum())
        return mask / n if n else np.zeros(len(mask))

    def _weights(self, avail: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Weights over ``mask`` summing to 1, by ``avail`` (equal if none is available)."""
        a = np.where(mask, np.maximum(avail, 0.0), 0.0)
        total = float(a.sum())
        return a / total if total > 0 else self._spread(mask)

    def _spread_by_town(self, room: np.ndarray) -> np.ndarray:
        """Per village, its share of its town's ``room`` (≥ 0), for spreading a town amount."""
        room = np.maximum(room, 0.0)
        tot = self.town_sum(room)
        return np.divide(room, tot[self.village_town], out=np.zeros_like(room),
                         where=tot[self.village_town] > 0)

    def _room_mu(self) -> np.ndarray:
        """Farmland a village can give up: above the protected floor, outside the orchards and
        above the protected fields (what the orchards may not take either)."""
        return np.maximum(np.minimum(self.farmland_mu - self.protected_farmland_mu,
                                     self.farmland_mu - self.citrus_mu - self.protected_fields_mu),
                          0.0)

    def orchard_ceiling_mu(self) -> np.ndarray:
        """The most orchards a village can have: its farmland less the protected fields (new
        orchards only on unprotected farmland that is not converted)."""
        return np.maximum(self.farmland_mu - self.protected_fields_mu, 0.0)

    def _convert_farmland(self, town_mu: np.ndarray) -> None:
        """Convert ``town_mu`` (亩 per town, within its room) of farmland to construction land,
        spread over the town's villages by their room (a quota is a town's, not a village's)."""
        take = town_mu[self.village_town] * self._spread_by_town(self._room_mu())
        self.farmland_mu = self.farmland_mu - np.minimum(take, self._room_mu())

    def plant(self) -> None:
        """Orchards follow last year's 陈皮 price: planting on unprotected farmland outside
        them (never on the protected fields, :meth:`orchard_ceiling_mu`), grubbing down to the
        protected orchard floor (before the harvest)."""
        cp = self.m.p.chenpi
        change = cp.planting_response * self.m.chenpi.log_price * self.citrus_mu
        # (the ceiling is never below the orchards, so never below their protected floor:
        # conversion keeps farmland − orchards above the protected fields)
        self.citrus_mu = np.minimum(np.maximum(self.citrus_mu + change, self.protected_citrus_mu),
                                    self.orchard_ceiling_mu())

    def _demo_candidates(self, n: int, gain: np.ndarray) -> np.ndarray:
        """The demonstration programme's villages, richest first (indices): the ``n`` at the
        beautiful standard (after this year's upgrades) with the highest collective income,
        the villages already demonstration villages among them."""
        ok = np.flatnonzero(self.standard + gain >= self.p.beautiful_threshold - TOL)
        if n <= 0 or len(ok) == 0:
            return np.zeros(0, dtype=int)
        return ok[np.argsort(-self.village_income_wan[ok], kind="stable")[:n]]

    # ------------------------------------------------------------------------------ outputs
    def record(self) -> dict[str, np.ndarray]:
        """This year's row per village for the villages table (copies; units in the names)."""
        inc = self.income_wan
        price = self.m.price_index
        return {
            "population_wan": self.population_wan * WAN_PER_YI,
            "collective_income_wan": self.village_income_wan.copy(),
            "collective_income_nominal_wan": self.village_income_wan * price,
            "income_leasing_wan": inc["leasing"].copy(),
            "income_enterprise_wan": inc["enterprise"].copy(),
            "income_agriculture_wan": inc["agriculture"].copy(),
            "income_tourism_wan": inc["tourism"].copy(),
            "farmland_mu": self.farmland_mu.copy(), "citrus_mu": self.citrus_mu.copy(),
            "construction_land_mu": self.construction_land_mu,
            "idle_land_mu": self.idle_land_mu.copy(),
            "standard": self.standard.copy(),
            "beautiful": self.village_beautiful, "demonstration": self.village_demo,
            "enterprise_capital_yi": self.enterprise_capital_yi.copy(),
            "tourism_capital_yi": self.tourism_capital_yi.copy(),
        }

    def urban_rural_income_ratio(self) -> float:
        """Urban over rural per-capita disposable income: the base year's ratio moved by the
        wage (urban) and by wages, farm value added per villager and collective income per
        villager (rural, ``villages.rural_income_*_weight``)."""
        m = self.m
        vc = self.p
        tl = m.towns_labour
        wage = tl.district_wage / m.base.wage_wan
        pop = max(float(self.population_wan.sum()), TINY)
        farm = float(tl.town_primary_yi.sum()) / pop / self.base_primary_per_villager
        coll = self._income_per_villager() / self.base_village_income_per_villager
        w_c = max(1.0 - vc.rural_income_wage_weight - vc.rural_income_farm_weight, 0.0)
        rural_idx = (vc.rural_income_wage_weight * wage + vc.rural_income_farm_weight * farm
                     + w_c * coll)
        return vc.urban_rural_income_ratio * wage / max(rural_idx, TINY)

    def set_base(self) -> None:
        """Base-year references (after the towns' aggregates exist)."""
        tl = self.m.towns_labour
        pop = max(float(self.population_wan.sum()), TINY)
        self.base_primary_per_villager = float(tl.town_primary_yi.sum()) / pop
        self._prev_town_pop = tl.population_wan.copy()
