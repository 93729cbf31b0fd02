"""The firms' year (工业企业): the shared fields they read, the renovation lever's selection, the
vectorised firm step (:func:`simxh.firms.step_firms`), land released by exits, and the births of
small firms. Attracted projects start in :mod:`simxh.processes.attraction`."""

from __future__ import annotations

from typing import Any

import numpy as np

from simxh import firms as firm_rules
from simxh.economics import firm_dynamics as fd
from simxh.economics import growth, labour
from simxh.economics import production as prod
from simxh.economics import renovation as rv
from simxh.firms import FirmFields, Firms
from simxh.numeric import median, quantiles

_FAVOURED: dict[tuple[Any, tuple[str, ...]], np.ndarray] = {}


def favoured_sectors(data: Any, sector_ids: tuple[str, ...]) -> np.ndarray:
    """Per sector: a pillar or emerging sector of the plan (read-only; once per data set)."""
    key = (data, sector_ids)
    out = _FAVOURED.get(key)
    if out is None:
        if len(_FAVOURED) >= 8:
            _FAVOURED.clear()
        groups = data.sectors["group"].reindex(list(sector_ids)).to_numpy()
        out = _FAVOURED[key] = np.isin(groups, ("pillar", "emerging"))
        out.setflags(write=False)
    return out


class Industry:
    """The firm population and what happens to it each year."""

    def __init__(self, m: Any, firms: Firms) -> None:
        self.m = m
        self.firms = firms
        self.p = m.p.firms
        self.fields: FirmFields | None = None
        # the growth the economy expects in the base year (gross flows are measured by it)
        self.base_expected_growth = m.outside.expected_growth(m.base_year,
                                                              self.p.expectation_years)
        self.tech_renovation_firms = 0
        self.renovation_accepted = 0  # firms that took the renovation lever's support this year
        self.favoured_sector = favoured_sectors(m.region.data, firms.sector_ids)
        # where small firms are born: each town's sectors in proportion to its lead-sector match
        lead = m.attraction.lead_match[: m.nt]
        self.town_sector_p = lead / lead.sum(1, keepdims=True)

    # ------------------------------------------------------------------------------ fields
    def firm_fields(self) -> FirmFields:
        """This year's shared fields: productivity multipliers per node and sector, wages,
        labour limits, the size and productivity references and certification bars."""
        m = self.m
        net, fin, tl = m.network, m.finance, m.towns_labour
        pc = m.p.production
        agg = prod.agglomeration_multiplier(net.agg_total, net.base_agg_total,
                                            pc.agglomeration_elasticity)
        loc = prod.agglomeration_multiplier(np.maximum(net.agg_sector, 1e-9), net.base_agg_sector,
                                            pc.localisation_elasticity)
        acc = prod.market_access_multiplier(net.access, net.base_access, pc.access_elasticity)
        pub = prod.public_capital_multiplier(fin.public_capital_yi, fin.base_public_capital_yi,
                                             pc.public_capital_elasticity)
        # outside demand relative to the district's own supply (the terms of trade)
        f = self.firms
        a = f.alive_index()
        own_output = float(f.value_added_yi[a].sum()) / self.base_firm_va_yi
        demand = growth.demand_multiplier(net.outside_demand, own_output,
                                          self.p.demand_elasticity)
        multiplier = (agg * acc * demand * pub[m.node_town])[:, None] * loc
        lc = m.p.labour
        tight = tl.tightness()
        # district wage clears the firms' labour market; a local premium where labour is tight
        wage = tl.district_wage * labour.wage_index(tight, lc.wage_elasticity)
        la = f.log_productivity[a]
        above = np.flatnonzero(f.alive & f.above_scale)
        ppi = m.outside.ppi_index(m.year)
        median_la = median(la)
        fp = self.p
        # the firms' technology: the frontier's growth and the catch-up on last year's gap
        # (economics.growth: the district cannot outgrow the frontier for ever)
        out = m.outside
        frontier = out.outside_wage_index(m.year - 1)
        gap = growth.log_output_gap(
            frontier, tl.gdp_yi / float(tl.labour_force_wan.sum()), self.base_output_per_worker)
        tfp_growth = growth.frontier_tfp_growth(
            float(np.log(out.outside_wage_index(m.year) / frontier)), fp.tfp_frontier_share,
            fp.catch_up_rate, gap)
        self.technology_log_advance += tfp_growth
        # the certification standards: the base year's bars, advancing with the technology,
        # so a firm that gains on it can be certified (issue 11: a quantile of this year's
        # firms would pin the count whatever a lever did)
        hightech_bar = self.base_certification_bars[0] + self.technology_log_advance
        little_giant_bar = self.base_certification_bars[1] + self.technology_log_advance
        return FirmFields(
            year=m.year, multiplier=multiplier, wage_wan=wage,
            expansion_allowed=labour.expansion_allowed(tight, lc.shortage_tolerance),
            reference_output_yi=float(median(f.output_yi[a])),
            reference_productivity=float(np.exp(median_la)),
            mean_log_productivity=float(np.mean(la)),
            renovation_bar_log_a=float(median(f.log_productivity[above])) if len(above) else 0.0,
            hightech_bar_log_a=hightech_bar,
            little_giant_bar_log_a=little_giant_bar,
            favoured_sector=self.favoured_sector, price_index=ppi,
            value_added_ratio=m.base.value_added_ratio,
            # r + δ at which the base-year firms hold their desired capital (K = c·VA)
            user_cost=fp.returns_to_scale * fp.capital_share / fp.capital_output_ratio,
            net_investment=m.p.economy.net_investment,
            expected_growth=self.expected_growth(),
            tfp_growth=tfp_growth,
            renovation_subsidy_share=(m.p.tech_renovation.subsidy_share
                                      if m.p.tech_renovation.enabled else 0.0))

    def set_base_certification(self) -> None:
        """The base year's certification bars: quantiles of log TFP among the firms large enough
        to seek certification (scale-free in firms.count); later years add the technology's
        advance."""
        m = self.m
        f = self.firms
        fp = self.p
        cand = f.alive & (f.output_yi * m.outside.ppi_index(m.base_year)
                          >= fp.hightech_min_output_yi)
        cand_la = f.log_productivity[cand]
        if len(cand_la):  # both bars in one quantile call (one partition of the candidates)
            hightech, little_giant = quantiles(cand_la, [fp.hightech_productivity_quantile,
                                                         fp.little_giant_productivity_quantile])
        else:  # no candidate: the median firm
            hightech = little_giant = median(f.log_productivity[f.alive])
        self.base_certification_bars = (float(hightech), float(little_giant))

    def set_base_technology(self) -> None:
        """The references of the long-run closure (economics.growth): the technology's advance
        since the base year (0), the born firms' centre (the spin-up's), the base year's output
        per worker (the catch-up gap's) and the firms' value added (their own supply in the terms
        of trade)."""
        tl = self.m.towns_labour
        f = self.firms
        self.technology_log_advance = 0.0
        self.entrant_centre_la = float(self.m.base.entrant_centre_la)
        self.base_output_per_worker = tl.gdp_yi / float(tl.labour_force_wan.sum())
        self.base_firm_va_yi = float(f.value_added_yi[f.alive].sum())

    def expected_growth(self) -> float:
        """Demand growth firms plan their capacity for (``firms.expectation_years``)."""
        m = self.m  # (the pipeline's fill before the base year reads the base year's)
        return m.outside.expected_growth(max(m.year, m.base_year), self.p.expectation_years)

    def base_year_renovations(self) -> None:
        """The base year's renovations: the expected number of unaided ones (the base-year
        state has no renovation step; the lever starts later)."""
        f = self.firms
        above = f.alive & f.above_scale  # the renovation bar of firm_fields(), alone
        bar = float(median(f.log_productivity[above])) if above.any() else 0.0
        gap = f.log_productivity - bar
        p0 = fd.organic_renovation_probability(gap, self.p.renovation_base_rate)
        self.tech_renovation_firms = int(round(float(p0[f.alive & f.above_scale].sum())))

    # ------------------------------------------------------------------------------ step
    def step(self) -> None:
        """Renovation support, the firm step, land of exiting firms back to the market."""
        m = self.m
        fields = self.firm_fields()
        self.fields = fields
        draws = firm_rules.draw_firm_year(m.streams, m.year, len(self.firms))
        self._select_supported_renovation(draws)
        self.last_draws = draws
        alive_before = self.firms.alive.copy()
        stats = firm_rules.step_firms(self.firms, fields, draws, self.p)
        self._release_land(alive_before)
        m.year_stats.update(stats)
        m.towns_labour.investment_yi["firms"] = stats["investment_yi"]
        self.tech_renovation_firms = int(stats["renovated"])

    def _select_supported_renovation(self, draws: firm_rules.FirmDraws) -> None:
        m = self.m
        tc = m.p.tech_renovation
        if not tc.enabled or tc.firms_per_year == 0:
            return
        f = self.firms
        u = m.streams.get("tech_renovation", "select", m.year).random(len(f))
        eligible = f.alive & f.above_scale & (f.renovated_year < m.year - tc.min_years_between)
        idx = np.flatnonzero(eligible)
        # an open call: every eligible firm, in a random order, decides on the expected return
        # of renovating, given the subsidy rate, its profit and what it can borrow
        # (simxh.economics.renovation); only the renovations the subsidy adds are the
        # programme's (the others happen unaided)
        chosen = idx[np.argsort(u[idx])]
        fp = self.p
        va, capital = f.value_added_yi[chosen], f.capital_yi[chosen]
        profit = prod.operating_profit(va, capital, fp.capital_share, fp.returns_to_scale,
                                       fp.depreciation)
        value = rv.renovation_gain_value(
            va, fp.renovation_gain, prod.profit_share(fp.capital_share, fp.returns_to_scale),
            # the gain wears out with the renovated capital (rv.embodied_gain)
            rv.annuity_factor(tc.hurdle_rate, tc.horizon_years, 1.0 - fp.depreciation))
        take = rv.additional_renovation_probability(
            value, fp.renovation_cost_share * capital, tc.subsidy_share,
            tc.credit_multiple * np.maximum(profit, 0.0), tc.decision_dispersion)
        decide = m.streams.get("tech_renovation", "decide", m.year).random(len(chosen))
        # the programme funds as many firms as last year's budget paid for
        offers = int(tc.firms_per_year * m.finance.funding["tech_renovation"])
        chosen = chosen[decide < take][:offers]
        # the programme is rationed so its subsidies stay within a share of last year's general
        # spending (the budget constraint holds however large firms_per_year is set)
        subsidy = tc.subsidy_share * fp.renovation_cost_share * f.capital_yi[chosen]
        ceiling = tc.budget_ceiling_share * max(m.government.ledger.get("spend_general", 0.0), 0.0)
        chosen = chosen[np.cumsum(subsidy) <= ceiling]
        draws.supported[chosen] = True
        self.renovation_accepted = len(chosen)

    def _release_land(self, alive_before: np.ndarray) -> None:
        m = self.m
        f = self.firms
        gone = alive_before & ~f.alive
        m.towns_labour.free_land_mu += np.bincount(f.node[gone], weights=f.land_mu[gone],
                                                   minlength=m.n_int)
        m.year_stats["exit_rate"] = gone.sum() / max(alive_before.sum(), 1)

    # ------------------------------------------------------------------------------ entry
    def enter(self) -> None:
        """Projects whose approval delay has elapsed start producing; small firms are born."""
        m = self.m
        fields = self.fields
        f = self.firms
        fc = self.p
        alive = f.alive
        n_alive = int(alive.sum())
        # the centre of the born firms' log productivity: the spin-up's (calibration.spin_up:
        # the centre around which the base-year firms were born and selected) moved on by the
        # technology's advance since (Hopenhayn 1992: entrants draw from a distribution that
        # moves with the technology, not with the incumbents' selected median, which exit of
        # the least productive would ratchet up for ever even in a world with no growth)
        ia = f.alive_index()  # the alive firms (at the start of entry), gathered by index
        centre_la = self.entrant_centre_la + self.technology_log_advance
        lk = f.capital_yi[ia].sum() / f.employment_wan[ia].sum()
        new_idx = m.attraction.start_projects(lk)
        # organic births (mostly micro firms in the towns); none in the no-net-investment what-if
        g = m.streams.get("firms", "entry", m.year)
        n_new = int(g.poisson(fc.entry_rate * n_alive)) if m.p.economy.net_investment else 0
        if n_new:
            nt = m.nt
            alive = f.alive_index()  # now with the projects that started
            counts = np.bincount(f.town[alive], minlength=nt).astype(float)
            town = np.minimum((g.random(n_new)[:, None] > np.cumsum(counts / counts.sum())).sum(1),
                              nt - 1)
            cum = np.cumsum(self.town_sector_p[town], axis=1)
            sector = np.minimum((g.random(n_new)[:, None] > cum).sum(1), m.ns - 1)
            # entrants are small relative to incumbents (scale-free: the same at any firms.count)
            va_target = (quantiles(f.value_added_yi[alive], [fc.entrant_size_quantile])[0]
                         * np.exp(np.abs(g.standard_normal(n_new)) * fc.entrant_size_spread))
            capital = fc.capital_output_ratio * va_target
            labour_wan = fd.labour_demand(va_target, fields.wage_wan[town], fc.capital_share,  # type: ignore[union-attr]
                                          fc.returns_to_scale)
            tl = m.towns_labour
            land = np.minimum(capital / tl.k_per_mu, 1e9)
            idx = f.append(sector=sector, node=town, town=town,
                           log_productivity=(entrant_a := centre_la
                                             + fc.entrant_productivity_sd
                                             * g.standard_normal(n_new)),
                           log_productivity_mean=entrant_a,
                           capital_yi=capital, employment_wan=labour_wan, land_mu=land,
                           birth_year=np.full(n_new, m.year), alive=np.ones(n_new, bool))
            # they occupy what free land their town node has (rented space beyond it)
            take = np.bincount(town, weights=land, minlength=m.n_int)
            got = np.minimum(take, tl.free_land_mu)
            share = np.divide(got, take, out=np.zeros_like(take), where=take > 0)
            f.land_mu[idx] = land * share[town]
            tl.free_land_mu -= got
            new_idx.append(idx)
        if new_idx:
            idx = np.concatenate(new_idx)
            firm_rules.produce_entrants(f, fields, fc.capital_share, idx, fc.returns_to_scale)  # type: ignore[arg-type]
            # status of entrants (no certification draws in their first year)
            nominal = f.output_yi[idx] * fields.price_index  # type: ignore[union-attr]
            f.above_scale[idx] = nominal >= fc.above_scale_threshold_yi
        m.year_stats["entry_rate"] = (sum(len(i) for i in new_idx) / max(n_alive, 1))
