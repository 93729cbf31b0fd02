"""Investment attraction: projects arrive, choose a location by conditional logit,
wait in the pipeline for approval, then start as firms and install their capital in tranches."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from simxh.economics import attraction as attr
from simxh.economics import growth
from simxh.economics import production as prod

_LEAD_MATCH: dict[tuple[Any, ...], np.ndarray] = {}

RIVALS = (("jiangmen_core", "pool_jiangmen_rest_yi"), ("taishan", "pool_taishan_yi"),
          ("zhongshan", "pool_zhongshan_yi"), ("foshan", "pool_foshan_yi"),
          ("zhuhai", "pool_zhuhai_yi"))
"""The rival jurisdictions of the pool (external nodes) and the parameter of each one's signed
investment in the base year (its weight against Xinhui's)."""


_POOL_DRAWS = ("origin", "choice", "rival", "xintai")
"""The pool's uniform draws per project, in their order."""


def _tie_nodes(m: Any, kind: str) -> np.ndarray:
    """Internal nodes (towns and their parks) of the towns on a cooperation tie of ``kind``."""
    ids = list(m.region.town_ids)
    towns = {ids.index(x) for a, b, _k in m.region.cooperation_ties(kind) for x in (a, b)
             if x in ids}
    return np.isin(m.node_town, sorted(towns))


def _lead_match(data: Any, town_ids: tuple[str, ...], sector_ids: tuple[str, ...], n_int: int,
                town_match: float) -> np.ndarray:
    """Lead-sector match per internal node and sector (parks: their lead sectors; towns: their
    specialities, at ``town_match``): from the data files alone, so built once per data set
    (read-only; the model takes a copy)."""
    key = (data, tuple(town_ids), sector_ids, n_int, town_match)
    out = _LEAD_MATCH.get(key)
    if out is None:
        if len(_LEAD_MATCH) >= 8:
            _LEAD_MATCH.clear()
        nt = len(town_ids)
        sidx = {s: i for i, s in enumerate(sector_ids)}
        out = np.zeros((n_int, len(sector_ids)))
        ts = data.town_sectors  # plain column iteration (itertuples builds a class per call)
        for town, sector in zip(ts["town"], ts["sector"], strict=True):
            out[town_ids.index(town), sidx[sector]] = town_match
        for k, lead in enumerate(data.parks["lead_sectors"]):
            for s in lead:
                out[nt + k, sidx[s]] = 1.0
        out.setflags(write=False)
        _LEAD_MATCH[key] = out
    return out


class Attraction:
    """Arriving projects, the pipeline of signed ones and the tranches still to install."""

    def __init__(self, m: Any) -> None:
        self.m = m
        self.p = m.p.attraction
        nt = m.nt
        self.pipeline: list[dict[str, Any]] = []   # signed projects waiting to start
        # capital of started projects still to be installed: (firms, tranche a year, years left)
        self.project_tranches: list[tuple[np.ndarray, np.ndarray, int]] = []
        self.town_investment_introduced_yi = np.zeros(nt)
        self.competition_subsidy_yi = np.zeros(nt)
        self.investment_introduced_yi = 0.0
        self.land_sold_mu = 0.0
        # the internal nodes of each zone (fixed by the region)
        self.zone_nodes = [np.flatnonzero(m.node_zone == z).tolist() for z in range(len(m.zone_ids))]
        # lead-sector match per node and sector (parks: lead sectors; towns: specialities, half)
        self.lead_match = _lead_match(m.region.data, m.region.town_ids, tuple(m.sector_ids),
                                      m.n_int, self.p.town_speciality_match).copy()
        # the contested pool (upper level): the rivals present in the region and their weights
        ac = self.p
        ext = set(m.region.external_ids)
        self.rival_ids = tuple(r for r, _k in RIVALS if r in ext)
        self.rival_weights = np.array([getattr(ac, k) for r, k in RIVALS if r in ext]) \
            / ac.pool_xinhui_yi
        self.base_pool_share = 1.0 / (1.0 + float(self.rival_weights.sum()))
        # the count elasticities mapped onto the logit (elasticity / (1 − base share))
        self.beta_access_pool = attr.logit_coefficient(ac.attractiveness_elasticity,
                                                       self.base_pool_share)
        self.beta_effort_pool = attr.logit_coefficient(ac.effort_elasticity, self.base_pool_share)
        self.pool_constant = 0.0  # calibrated on the base year's network (calibrate_pool)
        self.taishan = self.rival_ids.index("taishan") if "taishan" in self.rival_ids else -1
        self.shenjiang_node = _tie_nodes(m, "shenjiang")
        self.xintai_node = _tie_nodes(m, "xintai")
        self.base_conditions = False  # True while the pre-base-year pipeline is filled
        self.projects_pool = 0
        self.projects_won = 0
        self.projects_xintai = 0
        self.projects_enclave = 0
        self.rival_projects = np.zeros(len(self.rival_ids), dtype=np.int64)
        self.pooled_land_mu = np.zeros(len(m.zone_ids))

    # ------------------------------------------------------------------------------ set-up
    def fill_pipeline(self, years: int) -> None:
        """Projects signed in the ``years`` years up to the base year are already in the
        pipeline (steady state); the base year's signings are its investment introduced and
        its land sold (which the base year's budget does not count: its revenue is official)."""
        m = self.m
        self.calibrate_pool()
        self.base_conditions = True  # signed before any lever: base-year conditions
        for y in range(m.base_year - years + 1, m.base_year + 1):
            m.year = y
            self.arrive()
        self.base_conditions = False
        m.year = m.base_year
        self._pending_tranches()

    def calibrate_pool(self) -> None:
        """Xinhui's constant in the pool: at base-year conditions its expected share (projects
        chosen, east-bank ones with the 深江 tie's log-sum, plus the 新台 referrals from
        Taishan) is its share of the base year's signed investment, so that
        ``projects_per_year`` keeps its meaning (Xinhui's expected projects a year then)."""
        ac = self.p
        w = self.m.network.node_firm_va
        om = ac.shenzhen_origin_share
        seg_u = [0.0, attr.inclusive_value_gain(w, ac.shenjiang_utility * self.shenjiang_node,
                                                ac.nest_dissimilarity)]
        self.pool_constant = attr.calibrate_pool_constant(
            self.base_pool_share, np.array([1.0 - om, om]), np.array(seg_u),
            float(self.rival_weights.sum()), self._xintai_referral())

    def _xintai_referral(self) -> float:
        """Share of the projects Xinhui does not win that come back through the 新台 tie."""
        if self.taishan < 0 or not self.xintai_node.any():
            return 0.0
        return self.p.xintai_referral_share * float(
            self.rival_weights[self.taishan] / self.rival_weights.sum())

    def _pairing_paid(self) -> float:
        """The share of the pairs' transfers paid last year while pairing is on (0 otherwise):
        pairing's capacity help and enclave projects act through the money paid."""
        m = self.m
        return m.finance.funding["pairing"] if m.cooperation.pairing_active else 0.0

    def _capacity(self) -> np.ndarray:
        """Logit utility the pairing donors' capacity help adds to the recipients' locations."""
        m = self.m
        out = np.zeros(m.n_int)
        pc = m.p.pairing
        paid = self._pairing_paid()
        if paid > 0 and "capacity" in pc.kinds and m.cooperation.pairs:
            out[np.isin(m.node_town, [r for _d, r in m.cooperation.pairs])] = \
                pc.capacity_utility * paid
        return out

    def _pending_tranches(self) -> None:
        """Projects that started in the ``ramp_years − 1`` years before the base year still
        install capital after it (steady state: each year installs one year's expected project
        capital). Their firms are among the calibrated incumbents, which ones is not known: each
        cohort's tranches go to a few incumbents drawn in proportion to capital."""
        ramp = self.p.ramp_years
        expected = self.expected_project_capital()
        if ramp <= 1 or expected <= 0:
            return
        f = self.m.firms
        alive = np.flatnonzero(f.alive)
        g = self.m.streams.get("projects", "pending")
        weights = f.capital_yi[alive] / f.capital_yi[alive].sum()
        per_cohort = min(self.p.pending_projects_per_cohort, len(alive))
        for k in range(1, ramp):  # started k years before the base year: ramp − k tranches left
            idx = g.choice(alive, size=per_cohort, replace=False, p=weights)
            amount = np.full(per_cohort, expected / ramp / per_cohort)
            self.project_tranches.append((idx, amount, ramp - k))

    def expected_project_capital(self) -> float:
        """Expected capital a year's arriving projects install (亿元, base-year attractiveness)."""
        ac = self.p
        u = (np.arange(2000) + 0.5) / 2000
        mean_size = float(attr.pareto_sizes(u, ac.min_project_yi, ac.project_tail_exponent,
                                            ac.max_project_yi).mean())
        return ac.projects_per_year * mean_size * ac.realisation_share

    # ------------------------------------------------------------------------------ starts
    def start_projects(self, lk: float) -> list[np.ndarray]:
        """Started projects install their next tranche of capital (time to build); projects
        whose approval delay has elapsed become firms (returns their indices, as a list)."""
        m = self.m
        ac = self.p
        f = m.firms
        installed = 0.0
        tranches = []
        for idx, amount, left in self.project_tranches:
            live = f.alive[idx]
            f.capital_yi[idx[live]] += amount[live]
            installed += float(amount[live].sum())
            if left > 1:
                tranches.append((idx, amount, left - 1))
        self.project_tranches = tranches
        ramp = self.p.ramp_years
        self.settle_rents()
        due = [pr for pr in self.pipeline if pr["start_year"] <= m.year]
        self.pipeline = [pr for pr in self.pipeline if pr["start_year"] > m.year]
        new_idx = []
        investment = m.towns_labour.investment_yi
        investment["projects"] = installed
        if due:
            g = m.streams.get("projects", "entry", m.year)
            z = g.standard_normal(len(due))
            full = np.array([pr["investment"] * self.p.realisation_share for pr in due])
            cap = full / ramp  # the first of ``ramp`` equal tranches
            investment["projects"] += float(cap.sum())
            sector = np.array([pr["sector"] for pr in due])
            node = np.array([pr["node"] for pr in due])
            town = m.node_town[node]
            # a project is planned at its optimal scale: its log TFP is the one for which its
            # full capital is the desired capital (a large project is a productive one), with
            # the spread of how it turns out
            fields = m.industry.fields
            fp = m.p.firms
            planned = prod.log_productivity_at_optimum(
                full, fields.wage_wan[town], fields.multiplier[node, sector],
                fp.capital_output_ratio, fp.capital_share, fp.returns_to_scale)
            la = planned + ac.project_productivity_sd * z
            idx = f.append(
                sector=sector, node=node, town=town,
                log_productivity=la, log_productivity_mean=la,
                capital_yi=cap, employment_wan=cap / (ac.project_capital_intensity * lk),
                land_mu=np.array([pr["land_mu"] for pr in due]),
                birth_year=np.full(len(due), m.year), alive=np.ones(len(due), bool),
                from_project=np.ones(len(due), bool),
                tax_partner_town=np.array([pr["partner"] for pr in due]),
                # the competition rent its town paid to win it (a land discount or tax rebate:
                # a transfer to the firm, spent as internal funds in its first year)
                grant_yi=np.array([pr["rent"] for pr in due]))
            new_idx.append(idx)
            if ramp > 1:
                self.project_tranches.append((idx, cap.copy(), ramp - 1))
        return new_idx

    # ------------------------------------------------------------------------------ arrivals
    def arrive(self) -> None:
        """The year's pool of mobile projects is split between Xinhui and its rivals (upper
        level of a nested logit); Xinhui's projects choose a location among its towns and parks
        by conditional logit (lower level, :meth:`_choose_locations`)."""
        m = self.m
        ac = self.p
        net = m.network
        self.town_investment_introduced_yi = np.zeros(m.nt)
        self.competition_subsidy_yi = np.zeros(m.nt)
        self.pooled_land_mu = np.zeros(len(m.zone_ids))
        self.land_sold_mu = 0.0
        self.projects_enclave = 0
        integrated = m.cooperation.zone_integrated(m.year)
        ratio = float(net.access[: m.nt].mean() / net.base_town_access)
        # the pool of mobile projects grows with the outside markets (Greater Bay Area demand)
        pool = float(net.outside_demand[: m.nt].mean())
        # the effort and the platforms' promotion the budget paid for (last year's
        # appropriation): unpaid, they do nothing
        funding = m.finance.funding
        self.effective_effort = 0.0 if self.base_conditions else \
            ac.effort * funding["attraction_effort"]
        gain = m.p.integration.pipeline_gain * funding["integration"]
        # the locations' utility gains: integrated zones (the platform's promotion) and the
        # pairing recipients (the donors' capacity help, as far as the transfers were paid)
        node_gain = np.where(integrated[m.node_zone], np.log1p(gain), 0.0) + self._capacity()
        # Xinhui's utility in the pool: access and effort, plus the log-sum of its locations'
        # gains (integration; east-bank projects also the 深江 tie towns')
        w = net.node_firm_va
        mu = ac.nest_dissimilarity
        v0 = self.pool_constant + attr.pool_utility(ratio, self.effective_effort,
                                                    self.beta_access_pool, self.beta_effort_pool)
        v = v0 + attr.inclusive_value_gain(w, node_gain, mu)
        v_east = v0 + attr.inclusive_value_gain(w, node_gain + ac.shenjiang_utility
                                                * self.shenjiang_node, mu)
        # the pool: outside demand's level and the new capacity the growth it expects calls for
        # (growth.py: the firms' births replace the plants that close, and the plants in place
        # replace their own wear themselves)
        rate = ac.projects_per_year / self.base_pool_share * pool * growth.investment_flow_scale(
            m.industry.expected_growth(), m.industry.base_expected_growth)
        if not m.p.economy.net_investment:
            rate = 0.0
        g = m.streams.get("attraction", "pool", m.year)
        n = int(g.poisson(rate))
        # one uniform each per project, always all of them (common random numbers): the origin,
        # Xinhui or not, which rival, the 新台 referral
        u_east, u_choice, u_rival, u_xintai = g.random((len(_POOL_DRAWS), n))
        east = u_east < ac.shenzhen_origin_share
        p_x = attr.chooser_share(np.where(east, v_east, v), float(self.rival_weights.sum()))
        won, rival = attr.split_pool(u_choice, u_rival, p_x, self.rival_weights)
        referred = np.zeros(n, bool)
        if self.taishan >= 0 and self.xintai_node.any():
            referred = (rival == self.taishan) & (u_xintai < ac.xintai_referral_share)
        rival = np.where(referred, -1, rival)
        self.expected_pool_share = float(p_x.mean()) if n else float("nan")  # type: ignore[union-attr]
        # Xinhui's projects choose their location; one that finds no land anywhere goes to the
        # rival it would have chosen otherwise (land bounds what Xinhui can win)
        drawn = attr.split_pool(u_choice, u_rival, np.zeros(n), self.rival_weights)[1]
        mine = np.flatnonzero(won)
        lost = self._choose_locations(m.streams.get("attraction", "arrivals", m.year), len(mine),
                                      None, integrated, node_gain, east[mine], "arrivals")
        rival[mine[lost]] = drawn[mine[lost]]
        mine = np.flatnonzero(referred)
        if len(mine):
            lost = self._choose_locations(m.streams.get("cooperation", "xintai", m.year),
                                          len(mine), self.xintai_node, integrated, node_gain,
                                          east[mine], "xintai")
            rival[mine[lost]] = drawn[mine[lost]]
            referred[mine[lost]] = False
        self.projects_pool = n
        self.projects_xintai = int(np.count_nonzero(referred))
        self.rival_projects = np.bincount(rival[rival >= 0], minlength=len(self.rival_ids))
        self.projects_won = n - int(self.rival_projects.sum())
        self.investment_introduced_yi = float(self.town_investment_introduced_yi.sum())
        if not self.base_conditions:
            for rid, k in zip(self.rival_ids, self.rival_projects.tolist(), strict=True):
                m.year_stats[f"projects_won_{rid}"] = float(k)

    def _choose_locations(self, g: np.random.Generator, n: int, where: np.ndarray | None,
                          integrated: np.ndarray, node_gain: np.ndarray, east: np.ndarray,
                          batch: str) -> list[int]:
        """``n`` projects choose a location (within ``where``, None: anywhere) by conditional
        logit; ``node_gain`` is the integrated zones' utility, ``east`` marks east-bank projects
        (the 深江 tie towns gain ``shenjiang_utility`` for them). Returns the positions of the
        projects that found no location with enough land."""
        m = self.m
        ac = self.p
        lost: list[int] = []
        if n == 0:
            return lost
        n_int, ns = m.n_int, m.ns
        net, tl, coop = m.network, m.towns_labour, m.cooperation
        size = attr.pareto_sizes(g.random(n), ac.min_project_yi, ac.project_tail_exponent,
                                 ac.max_project_yi)
        favoured = m.industry.favoured_sector
        sector_w = np.bincount(m.firms.sector[m.firms.alive_index()], minlength=ns) + 1.0
        sector_w = sector_w * np.where(favoured, ac.favoured_sector_weight, 1.0)
        sector = np.minimum((g.random(n)[:, None] > np.cumsum(sector_w / sector_w.sum())).sum(1),
                            ns - 1)
        gumbel = g.gumbel(size=(n, n_int))
        # land for the fixed investment the project will install (the realised part of its
        # contracted investment), at the province's investment-intensity standard
        need = attr.land_need_mu(size * ac.realisation_share, m.p.land.intensity_yi_per_mu)
        pc = m.p.pairing
        paid = self._pairing_paid()
        donors = {d: r for d, r in coop.pairs} if paid > 0 else {}
        capacity = node_gain
        enclave = "referral" in pc.kinds and bool(donors) and pc.enclave_share > 0
        enclave_u = (m.streams.get("pairing", "enclave", batch, m.year).random(n).tolist()
                     if enclave else None)
        enclave_p = pc.enclave_share * paid
        pooled_zone = integrated & m.p.integration.land_pooling
        # the utility terms that do not change as projects take land (projects × locations)
        fixed = attr.location_utility(
            np.log(net.access)[None, :], np.log1p(net.agg_sector[:, sector].T), 0.0,
            self.lead_match[:, sector].T, 0.0, ac.beta_access, ac.beta_agglomeration, 0.0,
            ac.beta_lead) + capacity + ac.beta_service * np.log(
                m.finance.service_quality()[m.node_town])
        if ac.shenjiang_utility and east.any():
            fixed = fixed + (ac.shenjiang_utility * east)[:, None] * self.shenjiang_node
        allowed = np.ones(n_int, bool) if where is None else where
        node_zone, node_town, nz = m.node_zone, m.node_town, len(m.zone_ids)
        pooled_node = pooled_zone[node_zone]
        # this loop runs once per project (hundreds a run), so it skips work that cannot change
        # its result: zone totals of free land when no zone pools land, and the mask when the
        # project may go anywhere (the values compared are the same, so is the choice)
        any_pooled = bool(pooled_node.any())
        town_of_node = node_town.tolist()
        zone_nodes = self.zone_nodes
        referral = "referral" in pc.kinds
        rent_town, rent_size, rent_bidders, rent_entry = [], [], [], []
        # per-project scalars as Python floats/ints (indexing numpy arrays one element at a time
        # is slow; the values, and so the arithmetic, are the same)
        size_l, need_l, sector_l = size.tolist(), need.tolist(), sector.tolist()
        zone_of_node = node_zone.tolist()
        beta_land = ac.beta_land
        # the land term of the utility; without pooling only the chosen node's land changes,
        # so only its term is recomputed (the same element-wise operations, the same values)
        land_term = None if any_pooled else beta_land * np.log1p(tl.free_land_mu)
        free_l = tl.free_land_mu.tolist()  # the same values as Python floats (cheap to read)
        allowed_l, integrated_l, pooled_l = allowed.tolist(), integrated.tolist(), pooled_zone.tolist()
        # the year production starts, by the chosen node's zone (integration shortens approval)
        start_by_zone = [m.year + max(m.p.integration.approval_delay_years if integrated_l[z]
                                      else ac.approval_delay_years, 1) for z in range(nz)]
        introduced = self.town_investment_introduced_yi.tolist()  # summed as Python floats:
        # the same additions in the same order as on the array
        # a row's utilities, when needed, as lists of Python floats: the sum of three terms and
        # the first largest of 23 values are cheaper in Python than as four numpy calls; the
        # additions are the same IEEE operations in the same order, the choice the same index
        land_l = None if land_term is None else land_term.tolist()
        nodes = range(n_int)
        # without pooling, every project's best location is read from one ranking of the
        # utilities at the start of the batch (_Ranked; the same values, the same choice)
        ranked = (_Ranked(fixed, land_term, gumbel, where)
                  if land_term is not None else None)
        for p in range(n):
            need_p = need_l[p]
            free = tl.free_land_mu
            if any_pooled:
                free_l = free.tolist()
                zone_free = np.bincount(node_zone, weights=free, minlength=nz)
                avail = np.where(pooled_node, zone_free[node_zone], free)
                land_pl = (beta_land * np.log1p(avail)).tolist()
            else:
                land_pl = land_l
            # a project needs its land at one location (the location's own free land); a
            # pooled zone's land counts in the utility, and its platform finds the location
            avail_l = free_l
            # utility + Gumbel draw; the argmax over a set of locations is the logit choice
            best = ranked.best(p, land_l) if ranked is not None else None  # type: ignore[arg-type]
            if best is None:  # not settled by the ranking: the whole row, as before
                v = [a + b + c for a, b, c in zip(fixed[p].tolist(), land_pl, gumbel[p].tolist(),
                                                  strict=True)]
                best = first_max(v, None if where is None else allowed_l)
            else:
                v = None
            partner = -1
            # the feasible set is only needed when the best location lacks the land
            if best >= 0 and allowed_l[best] and avail_l[best] >= need_p:
                choice = best
            else:
                if v is None:
                    v = [a + b + c for a, b, c in zip(fixed[p].tolist(), land_pl,
                                                      gumbel[p].tolist(), strict=True)]
                feasible = [allowed_l[j] and avail_l[j] >= need_p for j in nodes]
                choice = -1
                if best >= 0 and pooled_l[zone_of_node[best]]:
                    # the zone's platform places the project on the zone's land elsewhere:
                    # the best location of the zone that has it (land does not move)
                    zb = zone_of_node[best]
                    choice = first_max(v, [feasible[j] and zone_of_node[j] == zb for j in nodes])
                    if choice >= 0:
                        # the land it assembled: what the chosen location lacked
                        self.pooled_land_mu[zb] += max(need_p - free_l[best], 0.0)
                if choice < 0 and referral and best >= 0 and town_of_node[best] in donors:
                    to = donors[town_of_node[best]]
                    choice = first_max(v, [feasible[j] and town_of_node[j] == to for j in nodes])
                    partner = town_of_node[best] if choice >= 0 else -1
                if choice < 0:
                    choice = first_max(v, feasible)
            if choice < 0:
                lost.append(p)  # no location with enough land: the project goes elsewhere
                continue
            if enclave and partner < 0 and town_of_node[choice] in donors \
                    and enclave_u[p] < enclave_p:  # type: ignore[index]
                # the donor places the project in its partner's locations (飞地), tax shared
                if v is None:
                    v = [a + b + c for a, b, c in zip(fixed[p].tolist(), land_pl,
                                                      gumbel[p].tolist(), strict=True)]
                to = donors[town_of_node[choice]]
                alt = first_max(v, [allowed_l[j] and avail_l[j] >= need_p
                                    and town_of_node[j] == to for j in nodes])
                if alt >= 0:
                    partner, choice = town_of_node[choice], alt
                    self.projects_enclave += 1
            z = zone_of_node[choice]
            town = town_of_node[choice]
            if not integrated_l[z]:
                # towns of the zone with a node that had the land before this project took it (a
                # set over a few nodes is cheaper than array operations here)
                bidders = {town_of_node[j] for j in zone_nodes[z] if free_l[j] >= need_p}
                rent_town.append(town)
                rent_size.append(size_l[p])
                rent_bidders.append(len(bidders))
                rent_entry.append(len(self.pipeline))  # the entry appended below
            if land_l is not None:
                # no pooling: the free land is kept as Python floats during the batch (the same
                # subtraction as on the array) and written back after it; only the chosen
                # node's land term changes (the C library's log1p, which numpy's float64 log1p
                # is on these machines: the same bits)
                free_l[choice] -= need_p
                new_term = beta_land * math.log1p(free_l[choice])
                ranked.changed(choice, land_l[choice], new_term)  # type: ignore[union-attr]
                land_l[choice] = new_term
            else:
                tl.free_land_mu[choice] -= need_p
            introduced[town] += size_l[p]
            self.land_sold_mu += need_p
            self.pipeline.append({"investment": size_l[p], "sector": sector_l[p],
                                  "node": choice, "land_mu": need_p,
                                  "start_year": start_by_zone[z], "partner": partner,
                                  "rent": 0.0, "rent_year": m.year})
        if land_l is not None:
            tl.free_land_mu[:] = free_l
        self.town_investment_introduced_yi[:] = introduced
        if rent_town:
            rents = attr.competition_subsidy(np.array(rent_size), np.array(rent_bidders),
                                             ac.competition_subsidy_share)
            self.competition_subsidy_yi += np.bincount(rent_town, weights=rents, minlength=m.nt)
            # the rent is a transfer to the project's firm (received when it starts, as paid:
            # settle_rents)
            for k, rent in zip(rent_entry, rents.tolist(), strict=True):
                self.pipeline[k]["rent"] = rent
        return lost

    def settle_rents(self) -> None:
        """Last year's competition rents as the towns paid them: the budget pays what a town
        owes only up to what it has (:meth:`simxh.agents.Government.budget`), so each project's
        rent is scaled by its town's paid share. Rents signed up to the base year stand (they
        are in the base year's official accounts). Called before this year's arrivals reset
        ``competition_subsidy_yi`` (which then holds last year's payments)."""
        m = self.m
        last = m.year - 1
        if last <= m.base_year:
            return
        owed = [pr for pr in self.pipeline if pr["rent_year"] == last and pr["rent"] > 0]
        if not owed:
            return
        town = np.array([m.node_town[pr["node"]] for pr in owed])
        asked = np.bincount(town, weights=[pr["rent"] for pr in owed], minlength=m.nt)
        share = np.divide(self.competition_subsidy_yi, asked, out=np.zeros(m.nt),
                          where=asked > 0)
        for pr, t in zip(owed, town.tolist(), strict=True):
            pr["rent"] *= share[t]
            pr["rent_year"] = m.base_year  # settled


class _Ranked:
    """Each project's first largest utility while the land term falls node by node.

    The utilities ``(fixed + land) + gumbel`` of all the batch's projects are taken once, with
    the land term at the start (the same IEEE additions as the loop's ``a + b + c``; ``-inf``
    outside ``allowed``, as :func:`first_max` masks), with each row's first largest (numpy's
    ``argmax``, which first_max equals). A project takes land, so the land term of the chosen
    node changes; while every such change is a decrease (checked on the values themselves), a
    changed node's utility can only have fallen in every row (rounding is monotone). So a row
    whose first largest is at an unchanged node keeps it; otherwise the row's locations are
    sorted by decreasing value at the start, ties by index (a stable sort), and walked: changed
    nodes met on the way are evaluated anew, and the first unchanged one bounds all that
    follow. Anything else (a rise of a land term, a NaN or an infinity) hands the row back to
    the caller (``best`` returns None), which evaluates it as before.
    """

    def __init__(self, fixed: np.ndarray, land_term: np.ndarray, gumbel: np.ndarray,
                 allowed: np.ndarray | None) -> None:
        rows = (fixed + land_term) + gumbel
        self.finite = np.isfinite(rows).all(axis=1).tolist()
        self.allowed_l = None if allowed is None else allowed.tolist()
        if allowed is not None:
            rows = np.where(allowed, rows, -math.inf)
        self.usable = allowed is None or bool(allowed.any())
        self.rows, self.fixed, self.gumbel = rows, fixed, gumbel
        self.first = rows.argmax(axis=1).tolist()
        self.order: list[list[int]] | None = None  # sorted rows, once one is needed
        self.dirty = [False] * rows.shape[1]

    def changed(self, node: int, old: float, new: float) -> None:
        if not new <= old:  # a rise, or a NaN: the ranking no longer bounds the utilities
            self.usable = False
        self.dirty[node] = True

    def best(self, p: int, land_l: list[float]) -> int | None:
        if not (self.usable and self.finite[p]):
            return None
        dirty = self.dirty
        j = self.first[p]
        if not dirty[j]:
            return j
        if self.order is None:
            self.order = np.argsort(-self.rows, axis=1, kind="stable").tolist()
        allowed_l = self.allowed_l
        fixed_p, gumbel_p = self.fixed[p].tolist(), self.gumbel[p].tolist()
        best, top = -1, -math.inf
        for j in self.order[p]:
            if dirty[j]:
                if allowed_l is None or allowed_l[j]:
                    x = fixed_p[j] + land_l[j] + gumbel_p[j]
                    if x > top or (x == top and j < best):
                        best, top = j, x
                continue
            x = self.rows.item(p, j)
            if x > top or (x == top and (j < best or best < 0)):
                best, top = j, x
            break
        if best < 0 or top == -math.inf:
            return None
        return best


def first_max(values: list[float], mask: list[bool] | None = None) -> int:
    """:func:`argmax_where` on lists (``mask`` None: every value): the index of the first
    largest value where ``mask`` holds, or −1; numpy's ``argmax`` where a NaN is involved."""
    if mask is None:
        w = values
    else:
        if not any(mask):
            return -1
        w = [x if k else -math.inf for x, k in zip(values, mask, strict=True)]
    total = sum(w)
    if total != total:  # a NaN (or +inf and −inf): numpy's rule (the first NaN)
        return int(np.argmax(np.array(w)))
    return w.index(max(w))


def argmax_where(values: np.ndarray, mask: np.ndarray) -> int:
    """Index of the largest ``values`` where ``mask`` holds, or −1 (see ``attraction.logit_choice``)."""
    if not mask.any():
        return -1
    return int(np.argmax(np.where(mask, values, -np.inf)))


