"""Towns and labour (镇街): farming, the non-firm secondary sector (construction), services, one
labour market, migration, population and industrial land; the towns' aggregates each year.

No sector follows a fixed drift or a fixed multiple of another: farm output follows farm
productivity on the same land, construction follows this year's investment (firms, projects,
public, housing), services follow local income and population, and every sector hires at one
district wage that clears the labour force. People move toward the wage premium over
Guangdong's (macro path) net of a cost of living that rises with the district's population.
Free industrial land per node is held here; firms' exits and births and the projects' location
choices change it in the order of the model's year.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from simxh.economics import access, growth, labour, public, sectors
from simxh.economics import production as prod


class TownsLabour:
    """The towns' sectors, jobs, people and land (arrays over towns or internal nodes)."""

    def __init__(self, m: Any) -> None:
        self.m = m
        base = m.base
        nt = m.nt
        self.population_wan = base.population_wan.copy()
        self.citrus_yi = base.citrus_yi.copy()
        self.other_primary_yi = base.other_primary_yi.copy()
        self.residual_secondary_yi = base.residual_secondary_yi.copy()
        self.tertiary_yi = base.tertiary_yi.copy()
        # farm productivity (citrus, other farming) relative to the base year, per town
        self.agri_tfp = np.ones((2, nt))
        # this year's output multiplier of the towns' public capital (farming, private services)
        self.public_capital_multiplier = np.ones(nt)
        # the year's investment by kind (construction follows it)
        self.investment_yi = {"firms": 0.0, "projects": 0.0, "public": 0.0, "housing": 0.0}
        self.employment_primary_wan = base.employment_primary_wan.copy()
        self.employment_residual_wan = base.employment_residual_wan.copy()
        self.employment_tertiary_wan = base.employment_tertiary_wan.copy()
        self.free_land_mu = base.free_land_mu.copy()
        self.land_renewed_mu = 0.0  # cumulative 工改 renewal (land moved from firms to free)
        f = m.firms
        # each node's industrial land (亩): the parks' physical areas; a town node's base-year
        # land (its firms' and its free land), to which the construction-land quota adds
        held = np.bincount(f.node[f.alive], weights=f.land_mu[f.alive], minlength=m.n_int)
        self.node_area_mu = np.concatenate([(self.free_land_mu + held)[:m.nt], m.park_area_mu])
        # this year's 工改 plan (firms, land each gives up: the plan's part, integration's part)
        self.renewal_plan: tuple[np.ndarray, np.ndarray, np.ndarray] = (
            np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0))
        self.land_renewed_year_mu = 0.0
        self.k_per_mu = float(f.capital_yi.sum() / max(f.land_mu[f.land_mu > 0].sum(), 1e-9))
        self.town_gdp_yi: np.ndarray | None = None
        self.enclave_attribution_yi = np.zeros(m.nt)

    # ------------------------------------------------------------------------------ set-up
    def set_base_labour(self) -> None:
        """Participation, labour tightness and each sector's wage-bill share of its value added
        in the base year (firms: φ(1−α); the others: base-year employment at the base wage)."""
        m = self.m
        jobs = self.town_employment_wan
        self.base_participation = float(jobs.sum() / self.population_wan.sum())
        pool = labour.labour_pool(self.labour_force_wan, m.network.w_commute)
        self.base_tightness = labour.labour_tightness(jobs, pool)
        b = m.base
        self.district_wage = b.wage_wan
        self.outside_wage = b.wage_wan
        w0 = b.wage_wan
        self.labour_share = {
            "primary": w0 * b.employment_primary_wan.sum() / (b.citrus_yi + b.other_primary_yi).sum(),
            "residual": (w0 * b.employment_residual_wan.sum()
                         / max(b.residual_secondary_yi.sum(), 1e-12)),
            "tertiary": w0 * b.employment_tertiary_wan.sum() / b.tertiary_yi.sum(),
        }
        self.base_population = self.population_wan.copy()
        self.log_cost_of_living = 0.0
        # services: the base year's Huff flows of spending among the towns (later years are
        # measured by them)
        self.base_services_flows = access.huff_flows(b.tertiary_yi, b.tertiary_yi,
                                                     m.network.w_services)
        self.prev_town_gdp = self.town_gdp_yi.copy()  # type: ignore[union-attr]
        self.prev_gdp = float(self.town_gdp_yi.sum())  # type: ignore[union-attr]

    def set_base_investment(self) -> None:
        """Construction follows investment: its value added per 亿 of the base year's
        investment (firms on the base year's growth path, projects, public and housing)."""
        m = self.m
        f0 = m.firms
        k0 = float(f0.capital_yi[f0.alive].sum())
        self.investment_yi = {
            "firms": (m.p.firms.depreciation + m.industry.expected_growth()) * k0,
            "projects": m.attraction.expected_project_capital(),
            "public": float(m.finance.public_investment_yi.sum()),
            "housing": m.p.economy.housing_investment_share * self.gdp_yi,
        }
        self.base_investment_yi = float(sum(self.investment_yi.values()))
        # construction value added per 亿 of investment (the base year's)
        # (the 陈皮 chain's processing is carved out: it follows the chain, not investment)
        construction = self.residual_secondary_yi - m.chenpi.base_processing_yi
        self.construction_per_investment = float(construction.sum()) / self.base_investment_yi
        self.base_residual = construction
        self.base_land_total_mu = self.land_total()

    # ------------------------------------------------------------------------------ labour
    @property
    def labour_force_wan(self) -> np.ndarray:
        return self.population_wan * self.base_participation

    @property
    def gdp_yi(self) -> float:
        return float(self.town_gdp_yi.sum())  # type: ignore[union-attr]

    def tightness(self) -> np.ndarray:
        """Jobs over the labour force within commuting reach, relative to the base year."""
        pool = labour.labour_pool(self.labour_force_wan, self.m.network.w_commute)
        return labour.labour_tightness(self.town_employment_wan, pool) / self.base_tightness

    # ------------------------------------------------------------------------------ step
    def update(self) -> None:
        """Farming, construction and services; one labour market for all of them; migration;
        land renewal (工改)."""
        m = self.m
        nt = m.nt
        ec = m.p.economy
        lc = m.p.labour
        fc = m.p.firms
        base = m.base
        z = m.streams.get("towns", "shocks", m.year).standard_normal((2, nt))
        self.agri_tfp = sectors.productivity_step(self.agri_tfp, ec.agriculture_tfp_growth,
                                                  ec.agriculture_shock_sd, z)
        m.chenpi.update()
        orchards = np.divide(m.villages.town_sum(m.villages.citrus_mu),
                             m.chenpi.base_town_orchards_mu, out=np.ones(nt),
                             where=m.chenpi.base_town_orchards_mu > 0)
        # public capital raises every market sector's output, not only the firms' (Bom &
        # Ligthart's elasticity is of aggregate output): farming and private services here
        fin = m.finance
        public_capital = self.public_capital_multiplier = prod.public_capital_multiplier(
            fin.public_capital_yi, fin.base_public_capital_yi,
            m.p.production.public_capital_elasticity)
        self.citrus_yi = base.citrus_yi * self.agri_tfp[0] * orchards * public_capital
        self.other_primary_yi = base.other_primary_yi * self.agri_tfp[1] * public_capital
        # construction (建筑业) follows last year's investment; infrastructure works in the
        # towns at the ends of their links, while they are paid; money new to the district
        # (borrowing, special bonds, transfers) adds its induced demand
        infra = fin.infrastructure_investment_yi
        self.investment_yi["public"] = float(fin.public_investment_yi.sum() - infra.sum())
        self.investment_yi["housing"] = ec.housing_investment_share * self.gdp_yi  # last year's
        total_investment = float(sum(self.investment_yi.values()))
        injection = fin.demand_injection_yi
        construction = ec.deficit_construction_share
        self.infrastructure_construction_yi = self.construction_per_investment * infra
        self.residual_secondary_yi = (self.base_residual * total_investment
                                      / self.base_investment_yi
                                      + self.infrastructure_construction_yi
                                      + construction * injection
                                      + m.chenpi.processing_yi + m.villages.enterprise_va_yi)
        f = m.firms
        ia = f.alive_index()  # firms do not change in this phase: one index for its sums
        town_a = f.town[ia]
        town_firm_va = np.bincount(town_a, weights=f.value_added_yi[ia], minlength=nt)
        goods = self.citrus_yi + self.other_primary_yi + town_firm_va + self.residual_secondary_yi
        income = sectors.resident_income(goods, self.population_wan, ec.services_commuting_share)
        # services: the residents' demand (local income and population), its mobile part spent
        # where they shop (Huff over travel times: a link can draw it to the core), plus the
        # public services the budgets' current spending pays
        demand = sectors.services_value_added(
            base.services_coefficient, income, self.population_wan, public_capital,
            ec.services_income_elasticity)
        flows = access.huff_flows(demand, self.tertiary_yi, m.network.w_services)  # last year's mass
        share_public = m.p.fiscal.public_services_share
        self.tertiary_yi = ((1.0 - share_public)
                            * access.spend_where_shopped(demand, ec.services_mobile_share,
                                                         base.tertiary_yi, flows,
                                                         self.base_services_flows)
                            + public.public_services_value_added(
                                base.tertiary_yi, share_public, fin.current_spending_yi,
                                fin.base_current_spending_yi)
                            + (1.0 - construction) * injection
                            + m.chenpi.services_yi - m.chenpi.base_services_yi
                            + m.villages.tourism_va_yi)
        # one labour market: the wage at which the sectors' labour demand equals the labour force
        primary = self.citrus_yi + self.other_primary_yi
        ls = self.labour_share
        bill = (fc.returns_to_scale * (1.0 - fc.capital_share) * float(town_firm_va.sum())
                + ls["primary"] * primary.sum() + ls["residual"] * self.residual_secondary_yi.sum()
                + ls["tertiary"] * self.tertiary_yi.sum())
        self.district_wage = labour.market_wage(bill, self.labour_force_wan.sum(), 0.0)
        w = self.district_wage
        self.employment_primary_wan = ls["primary"] * primary / w
        self.employment_residual_wan = ls["residual"] * self.residual_secondary_yi / w
        self.employment_tertiary_wan = ls["tertiary"] * self.tertiary_yi / w
        jobs = (self.employment_primary_wan + self.employment_tertiary_wan
                + self.employment_residual_wan
                + np.bincount(town_a, weights=f.employment_wan[ia], minlength=nt))
        # migration follows the real premium over wages elsewhere (Guangdong's real GDP path)
        # net of a cost of living that rises as migrants crowd the housing stock (growth.py)
        self.outside_wage = base.wage_wan * m.outside.outside_wage_index(m.year)
        reference = self.base_population.sum() * (1.0 + lc.natural_growth) ** (m.year - m.base_year)
        self.log_cost_of_living = growth.log_cost_of_living(
            float(self.population_wan.sum()), float(reference), lc.housing_share,
            lc.house_price_elasticity)
        self.population_wan = labour.population_with_migration(
            self.population_wan, self.district_wage / self.outside_wage, jobs, lc.natural_growth,
            lc.migration_speed, self.log_cost_of_living, float(reference),
            lc.migration_elasticity)
        self.plan_renewal()

    # ------------------------------------------------------------------------------ land
    def plan_renewal(self) -> None:
        """This year's 工改 plan: per node ``land.renewal_rate`` × the land its firms hold
        (× 1 + ``integration.renewal_bonus`` where the zone integrates), taken from the
        under-used land of firms at least ``land.renewal_min_age_years`` old (held beyond
        their capital at ``land.intensity_yi_per_mu``). It happens as far as the budget pays it
        (:meth:`renew`)."""
        m = self.m
        f = m.firms
        lc = m.p.land
        ia = f.alive_index()
        used = np.bincount(f.node[ia], weights=f.land_mu[ia], minlength=m.n_int)
        bonus = np.where(m.cooperation.zone_integrated(m.year)[m.node_zone],
                         m.p.integration.renewal_bonus, 0.0)
        old = ia[f.birth_year[ia] <= m.year - lc.renewal_min_age_years]
        under = public.under_used_land(f.land_mu[old], f.capital_yi[old], lc.intensity_yi_per_mu)
        take = public.land_renewal(under, f.node[old], lc.renewal_rate * (1.0 + bonus) * used)
        plan_share = 1.0 / (1.0 + bonus[f.node[old]])  # the plan's part; the rest integration's
        self.renewal_plan = (old, take * plan_share, take * (1.0 - plan_share))

    def renewal_wanted_mu(self) -> tuple[float, float]:
        """The land this year's 工改 plan would free (亩): the plan's part, integration's."""
        _idx, plan, extra = self.renewal_plan
        return float(plan.sum()), float(extra.sum())

    def renew(self, plan_paid: float, extra_paid: float) -> None:
        """工改 renewal as far as it was paid (shares of the plan's and integration's parts):
        the firms give up that much of their under-used land to their node's free land."""
        m = self.m
        f = m.firms
        idx, plan, extra = self.renewal_plan
        take = (plan * min(max(plan_paid, 0.0), 1.0) + extra * min(max(extra_paid, 0.0), 1.0))
        take = np.minimum(take, f.land_mu[idx])
        f.land_mu[idx] -= take
        self.free_land_mu = self.free_land_mu + np.bincount(f.node[idx], weights=take,
                                                            minlength=m.n_int)
        self.land_renewed_year_mu = float(take.sum())
        self.land_renewed_mu += self.land_renewed_year_mu
        self.renewal_plan = (idx[:0], plan[:0], extra[:0])

    def node_land_mu(self) -> np.ndarray:
        """Per internal node (亩): free land + land held by alive firms + signed projects'."""
        m = self.m
        f = m.firms
        ia = f.alive_index()
        out = self.free_land_mu + np.bincount(f.node[ia], weights=f.land_mu[ia],
                                              minlength=m.n_int)
        for pr in m.attraction.pipeline:
            out[pr["node"]] += pr["land_mu"]
        return out

    def aggregate(self) -> None:
        """The towns' GDP by sector, firm counts, industrial output, employment and access."""
        m = self.m
        nt = m.nt
        f = m.firms
        # the alive firms' towns, taken once for all the sums and counts below (the same
        # elements in the same order as Firms.sum_by takes)
        alive = f.alive
        ia = f.alive_index()
        town = f.town[ia]

        def total(values: np.ndarray) -> np.ndarray:
            return np.bincount(town, weights=values[ia], minlength=nt)

        self.town_firm_va = total(f.value_added_yi)
        self.town_primary_yi = self.citrus_yi + self.other_primary_yi
        # enclave (飞地) and referred projects: their output is counted in the statistics of the
        # host and the partner town by the same agreement as their tax (pairing)
        self.enclave_attribution_yi = self._enclave_attribution(alive)
        self.town_secondary_yi = (self.town_firm_va + self.residual_secondary_yi
                                  + self.enclave_attribution_yi)
        if self.town_gdp_yi is not None:
            self.prev_town_gdp = self.town_gdp_yi
            self.prev_gdp = float(self.town_gdp_yi.sum())
        self.town_gdp_yi = self.town_primary_yi + self.town_secondary_yi + self.tertiary_yi
        nominal = f.output_yi * m.outside.ppi_index(m.year)
        self.firms_over_10yi_mask = alive & (nominal >= m.p.firms.big_firm_threshold_yi)
        # the status counts from one bincount of (town, status bits) over the alive firms
        # (counts are integers: the same numbers as one bincount per status)
        flags = {"above_scale": f.above_scale, "hightech": f.hightech,
                 "little_giant": f.little_giant, "over_10yi": self.firms_over_10yi_mask}
        bits = np.zeros(len(alive), dtype=np.uint8)
        for k, flag in enumerate(flags.values()):
            bits |= flag.view(np.uint8) << k
        n_codes = 1 << len(flags)
        table = np.bincount(town.astype(np.intp) * n_codes + bits[ia],
                            minlength=n_codes * nt).reshape(nt, n_codes)
        codes = np.arange(n_codes)
        self.town_firm_counts = {
            "firms": table.sum(axis=1),
            **{name: table[:, (codes >> k) & 1 == 1].sum(axis=1)
               for k, name in enumerate(flags)},
        }
        self.town_industrial_output_yi = total(np.where(f.above_scale, f.output_yi, 0.0))
        self.town_employment_wan: np.ndarray = (total(f.employment_wan)
                                    + self.employment_primary_wan + self.employment_residual_wan
                                    + self.employment_tertiary_wan)
        if m.network.base_town_access is not None:
            self.town_accessibility = m.network.town_accessibility()
        else:
            self.town_accessibility = np.full(nt, 100.0)

    def _enclave_attribution(self, alive: np.ndarray) -> np.ndarray:
        """Per town, the value added of partner projects the statistics move to (+) or from (−)
        it: the partner (donor) town counts ``pairing.referral_tax_share_donor`` of the output of
        a project it referred or placed in its partner's locations; the sum is zero."""
        m = self.m
        f = m.firms
        partner = f.tax_partner_town
        shared = alive & (partner >= 0)
        out = np.zeros(m.nt)
        if shared.any():
            moved = m.p.pairing.referral_tax_share_donor * f.value_added_yi[shared]
            out += np.bincount(partner[shared], weights=moved, minlength=m.nt)
            out -= np.bincount(f.town[shared], weights=moved, minlength=m.nt)
        return out

    def land_total(self) -> float:
        """Free land + land held by alive firms + land of signed projects not yet producing."""
        f = self.m.firms
        waiting = sum(pr["land_mu"] for pr in self.m.attraction.pipeline)
        return float(self.free_land_mu.sum() + f.land_mu[f.alive_index()].sum() + waiting)
