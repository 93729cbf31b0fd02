"""Public finance: tax revenue per town (一般公共预算收入, after the sharing rules), the year's
budget (the Government agent balances it: :meth:`simxh.agents.Government.budget`), and public
capital and the demand effect of debt-financed spending."""

from __future__ import annotations

from typing import Any

import numpy as np

from simxh.economics import attraction as attr
from simxh.economics import growth, public
from simxh.economics import production as prod

FUNDED_LEVERS = ("tech_renovation", "attraction_effort", "integration")
"""District budget items whose effect scales with the share of their cost the budget paid the
year before (infrastructure acts through the money paid in the same year; pairing's capacity
and enclave projects through the share of the pairs' transfers paid the year before)."""


class PublicFinance:
    """Revenue, lever costs, public investment and public capital per town."""

    def __init__(self, m: Any) -> None:
        self.m = m
        self.p = m.p.fiscal
        nt = m.nt
        # the share of each lever's cost that last year's budget paid: this year's appropriation
        # (1 until a budget has rationed it); a lever that cannot be paid for does less
        self.funding = {k: self._appropriated(k) for k in (*FUNDED_LEVERS, "pairing")}
        self.sharing_moved_yi = 0.0
        self.town_revenue_yi = np.zeros(nt)
        self.demand_injection_yi = np.zeros(nt)
        self.public_capital_yi = np.ones(nt)
        self.base_public_capital_yi = np.ones(nt)
        # the budgets' current (non-investment) spending per town: it pays public services
        self.current_spending_yi = np.zeros(nt)
        self.base_current_spending_yi = np.zeros(nt)
        # the part of public investment that is infrastructure projects (construction counts
        # it in the towns at the ends of the links, not with the rest of public investment)
        self.infrastructure_investment_yi = np.zeros(nt)

    def set_base(self) -> None:
        """The base year's budget, then public capital sized to its investment flow: the stock
        is a share of GDP; public investment is what keeps it at that share along the growth the
        economy expects (``growth.public_investment_need``), and what the budget does not fund
        the land funds, transfers and financing platforms do
        (``growth.outside_public_investment``), in the base year and every year after."""
        m = self.m
        self.tax_revenue()
        invest = self.budget(base_year=True)
        gdp = m.towns_labour.town_gdp_yi
        pc = m.p.production
        g0 = pc.public_capital_gdp_ratio * gdp
        # the public investment that keeps the stock at its ratio to GDP along the growth the
        # economy expects; what the budget does not fund, outside money does (every year)
        need = growth.public_investment_need(gdp, pc.public_capital_gdp_ratio,
                                             pc.public_capital_depreciation,
                                             m.industry.base_expected_growth)
        self.public_investment_yi = np.maximum(need, invest)
        self.public_capital_yi = g0.copy()
        self.base_public_capital_yi = g0.copy()
        self.base_current_spending_yi = self.current_spending_yi.copy()
        m.infrastructure.reset_spend()

    def _appropriated(self, lever: str) -> float:
        """The share of a lever's cost appropriated when the budget has not yet asked for it:
        all of it if the lever costs money, none if it has no money (no money, no effect)."""
        p = self.m.p
        if lever == "attraction_effort":
            return 1.0 if p.attraction.effort_cost_yi > 0 else 0.0
        if lever == "integration":
            ic = p.integration
            return 1.0 if ic.running_cost_yi > 0 or ic.land_servicing_yi_per_mu > 0 else 0.0
        if lever == "pairing":
            pc = p.pairing
            return 1.0 if pc.transfer_yi > 0 and "money" in pc.kinds else 0.0
        return 1.0

    def service_quality(self) -> np.ndarray:
        """Public services a location offers, per town: public capital per resident relative to
        the base year (1 = the base level); parks share their host town's."""
        tl = self.m.towns_labour
        return ((self.public_capital_yi / tl.population_wan)
                / (self.base_public_capital_yi / tl.base_population))

    # ------------------------------------------------------------------------------ revenue
    def tax_revenue(self) -> None:
        """Revenue collected in each town (一般公共预算收入), after sharing rules."""
        m = self.m
        nt = m.nt
        fc = self.p
        f = m.firms
        fp = m.p.firms
        tl = m.towns_labour
        # the alive firms only: the dead ones' taxes were zeros, and a bincount's sums are the
        # same without the zeros (each town's running sum in the same order)
        ia = np.flatnonzero(f.alive)
        va = f.value_added_yi[ia]
        town = f.town[ia]
        partner = f.tax_partner_town[ia]
        profit = prod.operating_profit(va, f.capital_yi[ia], fp.capital_share,
                                       fp.returns_to_scale, fp.depreciation)
        tax = m.base.tax_collection_factor * public.firm_local_taxes(
            va, profit, fc.vat_rate, fc.vat_local_share, fc.cit_rate, fc.cit_local_share)
        share_donor = m.p.pairing.referral_tax_share_donor
        referred = partner >= 0
        host_tax = np.where(referred, tax * (1.0 - share_donor), tax)
        revenue = np.bincount(town, weights=host_tax, minlength=nt)
        if referred.any():
            revenue += np.bincount(partner[referred], weights=tax[referred] * share_donor,
                                   minlength=nt)
        integrated = m.cooperation.zone_integrated(m.year)
        rule = m.p.integration.sharing_rule
        self.sharing_moved_yi = 0.0
        if integrated.any() and rule != "host":
            in_park = f.node[ia] >= nt
            for z in np.flatnonzero(integrated):
                members = m.town_zone == z
                sel = in_park & members[town] & ~referred
                park_tax = np.bincount(town[sel], weights=tax[sel], minlength=nt)
                weights = members * (tl.population_wan if rule == "population" else 1.0)
                moved = public.pool_and_share(park_tax, weights) - park_tax
                revenue += moved
                self.sharing_moved_yi += float(np.maximum(moved, 0.0).sum())
        gdp = (tl.citrus_yi + tl.other_primary_yi + tl.residual_secondary_yi
               + tl.tertiary_yi + np.bincount(town, weights=va, minlength=nt))
        revenue += m.base.tax_collection_factor * public.non_firm_local_taxes(
            tl.tertiary_yi, tl.residual_secondary_yi, gdp, fc.services_vat_rate,
            fc.vat_local_share, fc.land_tax_rate, fc.other_tax_rate)
        self.town_revenue_yi = revenue

    # ------------------------------------------------------------------------------ budget
    def budget(self, base_year: bool = False) -> np.ndarray:
        """The year's budget; returns public investment per town (亿元)."""
        m = self.m
        nt = m.nt
        fc = self.p
        tl, att, coop, gov = m.towns_labour, m.attraction, m.cooperation, m.government
        total_revenue = float(self.town_revenue_yi.sum())
        committed = {"villages": fc.village_spending_share * total_revenue}
        payments: dict[str, np.ndarray] = {}
        receipts: dict[str, np.ndarray] = {}
        town_part = fc.town_share * self.town_revenue_yi
        pairing_to = np.zeros(nt)
        pairing_from = np.zeros(nt)
        pairing_district = 0.0
        pairing_wanted = np.zeros(nt)
        if not base_year:
            committed["tech_renovation"] = (m.p.tech_renovation.subsidy_share
                                            * m.year_stats.get("supported_investment_yi", 0.0))
            committed["attraction_effort"] = m.p.attraction.effort * m.p.attraction.effort_cost_yi
            # the platforms' running costs (asked for every planned zone) and the compensation
            # and servicing of the pooled land they assembled this year from the zone's towns
            ic = m.p.integration
            platforms = ic.running_cost_yi * float(coop.zone_planned(m.year).sum())
            land_cost = attr.land_servicing_cost(float(att.pooled_land_mu.sum()),
                                                 ic.land_servicing_yi_per_mu)
            # 工改 renewal: the plan's land at its cost per 亩; the faster renewal of the
            # integrated zones (integration.renewal_bonus) is the platforms' cost
            renewal_cost = m.p.land.renewal_cost_yi_per_mu
            plan_mu, extra_mu = tl.renewal_wanted_mu()
            committed["land_renewal"] = plan_mu * renewal_cost
            committed["integration"] = platforms + land_cost + extra_mu * renewal_cost
            m.year_stats["integration_platform_cost_yi"] = platforms
            m.year_stats["integration_land_cost_yi"] = land_cost
            m.year_stats["integration_renewal_cost_yi"] = extra_mu * renewal_cost
            pc = m.p.pairing
            if coop.pairing_active and "money" in pc.kinds:
                for d, r in coop.pairs:
                    if pc.payer == "donor":
                        # out of the donor's own public investment, whatever its number of
                        # pairs (a donor listed twice must not pay more than it invests)
                        room = fc.public_investment_share * town_part[d] - pairing_from[d]
                        amount = min(pc.transfer_yi, max(room, 0.0))
                        pairing_from[d] += amount
                    else:
                        amount = pc.transfer_yi
                        pairing_district += amount
                    pairing_to[r] += amount
                    pairing_wanted[r] += pc.transfer_yi
            committed["pairing"] = pairing_district
            committed["infrastructure_maintenance"] = m.infrastructure.maintenance_due()
            for k, v in m.villages.wanted_yi().items():
                committed[f"rural_{k}"] = v
            payments["pairing"] = pairing_from
            payments["competition_subsidy"] = att.competition_subsidy_yi
            receipts["pairing"] = pairing_to
        wanted = dict(committed)
        infra = m.infrastructure
        infra_wanted, infra_plan = infra.plan() if not base_year else (0.0, [])
        infra_paid, general = gov.budget(
            self.town_revenue_yi, att.land_sold_mu * m.p.land.price_yi_per_mu if not base_year
            else 0.0, committed, infra_wanted, payments, receipts)
        led, tl_led = gov.ledger, gov.town_ledger
        if not base_year:  # what was paid: the budgets ration what they cannot carry
            for k in FUNDED_LEVERS:
                self.funding[k] = ((led[f"spend_{k}"] / wanted[k]) if wanted[k] > 0
                                   else self._appropriated(k))
            asked = float(pairing_wanted.sum())
            self.funding["pairing"] = (float(tl_led["in_pairing"].sum()) / asked if asked > 0
                                       else self._appropriated("pairing"))
            pairing_district = led["spend_pairing"]
            pairing_to, pairing_from = tl_led["in_pairing"], tl_led["out_pairing"]
            att.competition_subsidy_yi = tl_led["out_competition_subsidy"]
            # renewal frees the land the budget paid for (none if it paid nothing)
            paid = {k: led[f"spend_{k}"] / wanted[k] if wanted[k] > 0 else 1.0
                    for k in ("land_renewal", "integration")}
            tl.renew(paid["land_renewal"], paid["integration"])
            due = wanted["infrastructure_maintenance"]
            infra.maintain(led["spend_infrastructure_maintenance"] / due if due > 0 else 1.0)
        infra.build(infra_plan, infra_wanted, infra_paid)
        town_spend = infra.town_infrastructure_spend_yi
        pop = tl.population_wan
        spend_share = (town_spend / town_spend.sum() if town_spend.sum() > 0 else pop / pop.sum())
        # money new to the district (borrowing, special bonds, transfers): its induced demand
        # next year, less the construction the infrastructure it paid is counted with
        new_money = led["borrowing"] + led["special_bonds"] + led["transfers_infrastructure"]
        direct = 0.0 if base_year else tl.construction_per_investment
        # the multiplier only to the extent the labour market has slack: jobs over the labour
        # force (the base year's participation: 1 in the base year); fully employed, new money
        # adds no demand
        self.employment_rate_ratio = (
            1.0 if base_year
            else float(tl.town_employment_wan.sum()) / float(tl.labour_force_wan.sum()))
        self.effective_multiplier = public.slack_multiplier(
            fc.local_multiplier, self.employment_rate_ratio, fc.multiplier_slack_gap)
        self.demand_injection_yi = public.external_money_demand(
            new_money, infra_paid * m.p.infrastructure.public_capital_share,
            self.effective_multiplier, direct) * spend_share
        # public investment: general spending's share (spread by population), the towns' own,
        # pairing money (earmarked, moved 1:1 out of the payer's investment), infrastructure
        share = fc.public_investment_share
        district_inv = max(share * (general + pairing_district) - pairing_district, 0.0)
        spend_town = tl_led["spend_town"]
        own = share * (spend_town - pairing_to + pairing_from) - pairing_from
        prod_p = m.p.production
        budget_inv = district_inv * pop / pop.sum() + np.maximum(own, 0.0)
        outside = (growth.outside_public_investment(
            growth.public_investment_need(tl.town_gdp_yi, prod_p.public_capital_gdp_ratio,
                                          prod_p.public_capital_depreciation,
                                          m.industry.expected_growth()), budget_inv)
                   if not base_year else np.zeros(nt))
        net_investment = m.p.economy.net_investment
        if not base_year and not net_investment:
            # the what-if of no net investment: public investment only replaces depreciation
            outside = np.zeros(nt)
        self.infrastructure_investment_yi = town_spend * m.p.infrastructure.public_capital_share
        invest = (outside + district_inv * pop / pop.sum()
                  + np.maximum(own, 0.0) + pairing_to + self.infrastructure_investment_yi)
        # current spending (public services): the rest of the general spending paid from the
        # general budget (land-transfer income is a fund earmarked for land and urban
        # development, 政府性基金, and pays no public services), by population, and the rest of
        # the towns' own spending
        district_current = (1.0 - share) * (general - led["land_revenue"])
        town_current = spend_town - np.maximum(own, 0.0) - pairing_to
        self.current_spending_yi = (max(district_current, 0.0) * pop / pop.sum()
                                    + np.maximum(town_current, 0.0))
        depreciation = m.p.production.public_capital_depreciation
        if not base_year and not net_investment:
            invest = depreciation * self.public_capital_yi
            self.infrastructure_investment_yi = np.zeros(nt)
        self.public_investment_yi = invest
        if not base_year:
            self.public_capital_yi = public.public_capital_update(
                self.public_capital_yi, invest, depreciation)
        self.village_budget_yi = led["spend_villages"]
        return invest
