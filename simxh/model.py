"""XinhuiModel: towns, parks and firms on the network, with the plan's policy levers.

One step is one year. The order of a year (``step``):

1. shared fields from last year's state: market access, agglomeration, public capital, wages,
   labour tightness (``_compute_network_fields``, ``_firm_fields``);
2. firms: renovate, productivity, invest, hire, produce, exit, certify (``simxh.firms.step_firms``);
3. entry: attracted projects whose approval delay has elapsed start producing, and small firms
   are born (``_enter_firms``); new projects arrive and choose a location (``_attract_projects``);
4. towns: agriculture, the non-firm secondary sector, services, employment, population, land
   renewal (``_update_towns``);
5. the budget: revenue, sharing, lever costs, infrastructure, public capital (``_public_finance``);
   villages (``_update_villages``);
6. data collection.

All values are real (prices of the base year, ``run.start_year``: 2023 by default); size
thresholds and nominal figures use the macro path's price indices (``simxh.macro``). Randomness comes only from named streams
(``simxh.rng.Streams``), so a lever that draws does not change anyone else's draws.
"""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np

from simxh.agents import Government, Park, Town
from simxh.calibration import MODEL_SECTIONS, calibrate, model_section
from simxh.config import coerce_config
from simxh.economics import attraction as attr
from simxh.economics import equity, labour, public, sectors
from simxh.economics import firm_dynamics as fd
from simxh.economics import production as prod
from simxh.economics.access import mean_travel_time
from simxh.firms import FirmFields, draw_firm_year, produce_entrants, step_firms
from simxh.macro import MacroPath, macro_path
from simxh.posterior import apply_posterior
from simxh.region import Region, build_region, derive_link, great_circle_km
from simxh.rng import Streams

PROJECT_CAPITAL_INTENSITY = 1.5  # new projects' K/L relative to incumbents (assumed: newer, more automated)
PIPELINE_YEARS = 2  # years of signed projects already in the pipeline at the base year
ENTRANT_SIZE_QUANTILE = 0.2  # entrants start near the 20th percentile of firm value added (assumed)
LITTLE_GIANT_KEY_OUTPUT_YI = 10.0  # assumed size proxy for national key little giants

DISTRICT_REPORTERS = (
    "gdp_yi", "gdp_primary_yi", "gdp_secondary_yi", "gdp_tertiary_yi", "industrial_output_yi",
    "fiscal_revenue_yi", "employment_wan", "population_wan", "firms", "firms_above_scale",
    "hightech_firms", "little_giants", "firms_output_over_10yi", "investment_introduced_yi",
    "infrastructure_spend_yi", "gdp_per_capita_yuan", "theil_gdp_per_capita",
    "weakest_town_growth_pct", "gini_gdp_per_capita", "gdp_growth_pct", "tech_renovation_firms",
    "towns_fiscal_over_5yi_share", "beautiful_village_share", "demo_villages",
    "villages_collective_over_2000wan", "mean_access_min", "debt_yi", "little_giants_key",
    "gdp_nominal_yi", "price_index", "outside_growth_pct", "posterior_draw", "lever_spend_yi",
)
LEVER_SPEND_ITEMS = ("tech_renovation", "attraction_effort", "integration", "pairing",
                    "infrastructure")
"""District budget items (``spend_<item>`` in the ledger) that pay for the policy levers."""
TOWN_REPORTERS = (
    "zone", "gdp_yi", "gdp_primary_yi", "gdp_secondary_yi", "gdp_tertiary_yi",
    "industrial_output_yi", "fiscal_revenue_yi", "employment_wan", "population_wan", "firms",
    "firms_above_scale", "hightech_firms", "little_giants", "firms_output_over_10yi",
    "investment_introduced_yi", "infrastructure_spend_yi", "accessibility",
)


TOWN_REPORTER_PREFIX = "town_"
"""Town reporters are named ``town_<column>`` (``town_gdp_yi``) so that ``mesa.batch_run``,
which merges a model's and its agents' values into one row, keeps the district's ``gdp_yi``;
:func:`simxh.simulation.result_tables` names the towns table's columns without the prefix."""

LEVER_KEYWORDS = {
    "integration": "integration.enabled", "pairing": "pairing.enabled",
    "infrastructure": "infrastructure.enabled", "tech_renovation": "tech_renovation.enabled",
    "attraction_effort": "attraction.effort", "tfp_drift": "firms.tfp_drift",
    "end_year": "run.end_year",
}
"""``XinhuiModel``'s scalar keyword parameters (for ``mesa.batch_run`` and SolaraViz) and the
dotted config key each sets; None keeps the config's value."""


def lever_overrides(overrides: Any, **levers: Any) -> Any:
    """``overrides`` (a mapping, ``key=value`` strings or one such string) plus the scalar
    lever keywords that are not None, as one dotted-key mapping (or ``overrides`` unchanged)."""
    from simxh.config import SET_SOURCE, parse_override
    from simxh.errors import ConfigError

    if isinstance(overrides, str):
        if "=" not in overrides:  # mesa.batch_run iterates a dict given as a parameter's values
            raise ConfigError("malformed override", file=SET_SOURCE, value=overrides,
                              expected="a {dotted.key: value} dict or 'key=value' string (in "
                              "mesa.batch_run parameters, wrap a dict in a list: "
                              "{'overrides': [{...}]})")
        overrides = [overrides]
    chosen = {LEVER_KEYWORDS[k]: v for k, v in levers.items() if v is not None}
    if not chosen:
        return overrides
    merged: dict[str, Any] = {}
    if overrides:
        merged.update(overrides.items() if hasattr(overrides, "items")
                      else map(parse_override, overrides))
    merged.update(chosen)
    return merged


_REPORTER_ALIASES = {
    "population_wan": lambda m: m.population_wan_total,
    "firms": lambda m: m.firms_count,
}


class _Params:
    """The model's config sections by name (``p.firms``, ``p.fiscal``, ...)."""

    def __init__(self, config: Any) -> None:
        for name in MODEL_SECTIONS:
            setattr(self, name, model_section(config, name))


class XinhuiModel(mesa.Model):
    """The Xinhui district economy: 11 towns, the parks and a few thousand firm agents.

    ``XinhuiModel()`` runs the baseline. ``config`` may be a Config, a TOML path or None;
    ``overrides`` are dotted keys; ``seed`` (or Mesa's ``rng``, an int) seeds every named stream.
    ``model.firms.view(i)`` shows one firm; ``model.datacollector`` has the district metrics and
    the Town agents' rows. ``running`` turns False after ``run.end_year``.
    """

    def __init__(self, config: Any = None, *, seed: int | None = None, rng: Any = None,
                 overrides: Any = None, region: Region | None = None,
                 label: str = "", replication: int | None = None, integration: bool | None = None,
                 pairing: bool | None = None, infrastructure: bool | None = None,
                 tech_renovation: bool | None = None, attraction_effort: float | None = None,
                 tfp_drift: float | None = None, end_year: int | None = None) -> None:
        if seed is not None and rng is not None:
            raise ValueError("pass either seed or rng, not both")
        super().__init__(rng=seed if seed is not None else rng)
        self.seed = int(self._seed)
        self.streams = Streams(self.seed)
        # estimated parameters: this replication's posterior draw (the same in every scenario)
        self.config, self.posterior_draw = apply_posterior(
            coerce_config(config, lever_overrides(
                overrides, integration=integration, pairing=pairing,
                infrastructure=infrastructure, tech_renovation=tech_renovation,
                attraction_effort=attraction_effort, tfp_drift=tfp_drift, end_year=end_year)),
            self.streams.get("posterior"), replication)
        self.p = _Params(self.config)
        self.label = label
        self.replication = 0 if replication is None else replication
        self.base_year = int(self.config.run.start_year)
        self.year = self.base_year
        self.end_year = int(self.config.run.end_year)
        self.region = (region if region is not None else build_region(self.config)).copy()
        self._setup()
        self.datacollector = mesa.DataCollector(
            model_reporters={"year": "year", **{name: _REPORTER_ALIASES.get(name, name)
                                                for name in DISTRICT_REPORTERS}},
            agenttype_reporters={Town: {"town": "town_id", **{
                TOWN_REPORTER_PREFIX + name: name for name in TOWN_REPORTERS}}},
        )
        self.datacollector.collect(self)
        self.collected_years = [self.year]

    # ------------------------------------------------------------------------------ set-up
    def _setup(self) -> None:
        r = self.region
        data = r.data
        self.nt = len(r.town_ids)
        self.n_int = self.nt + len(r.park_ids)
        base = calibrate(r, self.config, self.streams.get("calibration"))
        self.base = base
        self.firms = base.firms
        self.sector_ids = self.firms.sector_ids
        self.ns = len(self.sector_ids)
        self.town_zone = base.zone_of_town
        self.zone_ids = base.zone_ids
        host = np.array([r.town_ids.index(h) for h in data.parks["host_town"]], dtype=np.int64)
        self.node_town = np.concatenate([np.arange(self.nt), host])
        self.node_zone = self.town_zone[self.node_town]
        # the external markets' base-year GDP (data) and the outside world's path for this run:
        # growth and prices, observed then projected, with this replication's common shocks
        self.macro: MacroPath = self._macro_path()
        self.external_gdp_yi = self._external_base_gdp()
        groups = data.sectors["group"].reindex(self.sector_ids).to_numpy()
        self.favoured_sector = np.isin(groups, ("pillar", "emerging"))
        # lead-sector match per node and sector (parks: lead sectors; towns: specialities, half)
        sidx = {s: i for i, s in enumerate(self.sector_ids)}
        self.lead_match = np.zeros((self.n_int, self.ns))
        ts = data.town_sectors  # plain column iteration (itertuples builds a class per call)
        for town, sector in zip(ts["town"], ts["sector"], strict=True):
            self.lead_match[r.town_ids.index(town), sidx[sector]] = 0.5
        for k, lead in enumerate(data.parks["lead_sectors"]):
            for s in lead:
                self.lead_match[self.nt + k, sidx[s]] = 1.0
        self.town_sector_p = self.lead_match[: self.nt] / self.lead_match[: self.nt].sum(1, keepdims=True)

        # town state (arrays)
        self.population_wan = base.population_wan.copy()
        self.citrus_yi = base.citrus_yi.copy()
        self.other_primary_yi = base.other_primary_yi.copy()
        self.residual_secondary_yi = base.residual_secondary_yi.copy()
        self.tertiary_yi = base.tertiary_yi.copy()
        # farm productivity (citrus, other farming) relative to the base year, per town
        self.agri_tfp = np.ones((2, self.nt))
        self.investment_yi = {"firms": 0.0, "projects": 0.0, "public": 0.0, "housing": 0.0}
        self.employment_primary_wan = base.employment_primary_wan.copy()
        self.employment_residual_wan = base.employment_residual_wan.copy()
        self.employment_tertiary_wan = base.employment_tertiary_wan.copy()
        self.free_land_mu = base.free_land_mu.copy()
        self.town_revenue_yi = np.zeros(self.nt)
        self.town_investment_introduced_yi = np.zeros(self.nt)
        self.town_infrastructure_spend_yi = np.zeros(self.nt)
        self.land_sold_mu = 0.0
        self.demand_injection_yi = np.zeros(self.nt)
        self.year_stats: dict[str, float] = {}
        self.village_town = base.village_town
        self.village_income_wan = base.village_income_wan.copy()
        self.village_beautiful = base.village_beautiful.copy()
        self.village_demo = np.zeros(len(self.village_town), dtype=bool)
        self.pipeline: list[dict[str, Any]] = []   # signed projects waiting to start
        # capital of started projects still to be installed: (firms, tranche a year, years left)
        self.project_tranches: list[tuple[np.ndarray, np.ndarray, int]] = []
        self.land_renewed_mu = 0.0  # cumulative 工改 renewal (for the land balance)
        self.k_per_mu = float(self.firms.capital_yi.sum() / max(
            self.firms.land_mu[self.firms.land_mu > 0].sum(), 1e-9))

        # agents
        self.towns = [Town(self, i, t, self.zone_ids[self.town_zone[i]])
                      for i, t in enumerate(r.town_ids)]
        self.parks = [Park(self, self.nt + k, pid, int(host[k]), tuple(lead))
                      for k, (pid, lead) in enumerate(zip(r.park_ids, data.parks["lead_sectors"]))]
        self.government = Government(self)

        # levers
        self._setup_integration()
        self._setup_pairing()
        self._setup_infrastructure()

        # base-year shared fields and normalisations
        self._aggregate()
        self._network_changed = True
        self._compute_network_fields()
        self.base_access = self.access.copy()
        self.base_agg_total = self.agg_total.copy()
        mean_sector = max(self.agg_sector.mean(), 1e-9)
        self.base_agg_sector = np.maximum(self.agg_sector, 0.05 * mean_sector)
        jobs = self.town_employment_wan
        self.base_participation = float(jobs.sum() / self.population_wan.sum())
        pool = labour.labour_pool(self.labour_force_wan, self.w_commute)
        self.base_tightness = labour.labour_tightness(jobs, pool)
        self.district_wage = self.base.wage_wan
        self.outside_wage = self.base.wage_wan
        # one labour market: each sector's wage bill share of its value added, from the base year
        # (firms: φ(1−α); the others: their base-year employment at the base-year wage)
        w0 = self.base.wage_wan
        self.labour_share = {
            "primary": w0 * self.base.employment_primary_wan.sum()
            / (self.base.citrus_yi + self.base.other_primary_yi).sum(),
            "residual": (w0 * self.base.employment_residual_wan.sum()
                         / max(self.base.residual_secondary_yi.sum(), 1e-12)),
            "tertiary": w0 * self.base.employment_tertiary_wan.sum() / self.base.tertiary_yi.sum(),
        }
        self.base_population = self.population_wan.copy()
        self.base_primary = self.base.citrus_yi + self.base.other_primary_yi
        self.prev_town_gdp = self.town_gdp_yi.copy()
        self.prev_gdp = float(self.town_gdp_yi.sum())
        self.base_town_access = self.access[: self.nt].mean()
        self.town_accessibility = 100.0 * self.access[: self.nt] / self.base_town_access
        # the 2023 budget, then public capital sized to its investment flow
        self.public_capital_yi = np.ones(self.nt)
        self.base_public_capital_yi = np.ones(self.nt)
        self._tax_revenue()
        invest = self._public_finance(base_year=True)
        # the 2023 stock is a share of GDP; the public investment the budget does not fund
        # (land-fund revenue, higher-level transfers, financing platforms) is the share of GDP
        # that keeps the stock growing at the reference rate in 2023, and then follows GDP
        # the reference growth of public capital is the base year's real GDP growth (official
        # for 2023), so public capital keeps its ratio to GDP on the base year's growth path
        g0 = self.p.production.public_capital_gdp_ratio * self.town_gdp_yi
        growth0 = self.base.targets.get("gdp_growth_pct", float("nan"))
        self.reference_growth = growth0 / 100.0 if np.isfinite(growth0) else 0.0
        need = (self.p.production.public_capital_depreciation + self.reference_growth) * g0
        self.outside_public_investment_ratio = np.maximum(need - invest, 0.0) / self.town_gdp_yi
        self.public_investment_yi = np.maximum(need, invest)
        self.public_capital_yi = g0.copy()
        self.base_public_capital_yi = g0.copy()
        self.infrastructure_spend_yi = 0.0
        self.town_infrastructure_spend_yi[:] = 0.0
        # projects signed in the years before the base year are already in the pipeline
        # (steady state); the base year's signings are reported as its investment introduced
        for y in range(self.base_year - PIPELINE_YEARS + 1, self.base_year + 1):
            self.year = y
            self._attract_projects()
        self.year = self.base_year
        self.land_sold_mu = 0.0
        self._pending_tranches()
        # construction follows investment: its value added per 亿 of the base year's investment
        # (firms on the base year's growth path, projects, public and housing investment)
        f0 = self.firms
        k0 = float(f0.capital_yi[f0.alive].sum())
        self.investment_yi = {
            "firms": (self.p.firms.depreciation + self._expected_growth()) * k0,
            "projects": self._expected_project_capital(),
            "public": float(self.public_investment_yi.sum()),
            "housing": self.p.economy.housing_investment_share * self.gdp_yi,
        }
        self.base_investment_yi = float(sum(self.investment_yi.values()))
        self.base_residual = self.residual_secondary_yi.copy()
        self.base_land_total_mu = self._land_total()
        # the base year's renovations: the expected number of unaided ones (the 2023 state has
        # no renovation step; the lever starts later)
        f0_fields = self._firm_fields()
        gap = f0.log_productivity - f0_fields.renovation_bar_log_a
        p0 = fd.organic_renovation_probability(gap, self.p.firms.renovation_base_rate)
        self.tech_renovation_firms = int(round(float(p0[f0.alive & f0.above_scale].sum())))

    def _macro_path(self) -> MacroPath:
        mc = self.p.macro
        rng = self.streams.get("macro") if mc.shocks else None
        return macro_path(self.region.macro_history(), self._external_regions(), self.base_year,
                          self.end_year, rng, shock_multiplier=mc.shock_multiplier,
                          external_growth_pct=mc.external_growth_pct,
                          inflation_pct=mc.inflation_pct)

    def _external_regions(self) -> list[str]:
        ext = self.region.data.external
        if "macro_region" not in ext.columns:
            return ["china"] * len(ext)
        return [r if isinstance(r, str) and r else "china" for r in ext["macro_region"]]

    def _external_base_gdp(self) -> np.ndarray:
        """The external markets' GDP in the base year (real): the data's figure (of its own
        year) moved to the base year along the region's observed real growth."""
        ext = self.region.data.external
        hist = self.region.macro_history()
        out = ext["gdp_yi"].to_numpy(float).copy()
        for j, (region, year) in enumerate(zip(self._external_regions(), ext["gdp_year"],
                                               strict=True)):
            g = hist.growth.get(region, hist.growth["china"]) / 100.0
            y0, y1 = sorted((self.base_year, int(year)))
            idx = np.arange(y0 + 1, y1 + 1) - hist.first_year
            factor = float(np.prod(1.0 + g[np.clip(idx, 0, len(g) - 1)]))
            out[j] = out[j] / factor if int(year) > self.base_year else out[j] * factor
        return out

    def _pending_tranches(self) -> None:
        """Projects that started in the ``ramp_years − 1`` years before the base year still
        install capital after it (steady state: each year installs one year's expected project
        capital). Their firms are among the calibrated incumbents, which ones is not known: each
        cohort's tranches go to a few incumbents drawn in proportion to capital."""
        ramp = self.p.attraction.ramp_years
        expected = self._expected_project_capital()
        if ramp <= 1 or expected <= 0:
            return
        f = self.firms
        alive = np.flatnonzero(f.alive)
        g = self.streams.get("projects", "pending")
        weights = f.capital_yi[alive] / f.capital_yi[alive].sum()
        per_cohort = min(5, len(alive))  # a handful of projects start in a year (≈ 20–30)
        for k in range(1, ramp):  # started k years before the base year: ramp − k tranches left
            idx = g.choice(alive, size=per_cohort, replace=False, p=weights)
            amount = np.full(per_cohort, expected / ramp / per_cohort)
            self.project_tranches.append((idx, amount, ramp - k))

    def _expected_project_capital(self) -> float:
        """Expected capital a year's arriving projects install (亿元, base-year attractiveness)."""
        ac = self.p.attraction
        u = (np.arange(2000) + 0.5) / 2000
        mean_size = float(attr.pareto_sizes(u, ac.min_project_yi, ac.project_tail_exponent,
                                            ac.max_project_yi).mean())
        return ac.projects_per_year * mean_size * ac.realisation_share

    def _setup_integration(self) -> None:
        ic = self.p.integration
        zones = ic.zones or self.zone_ids
        self._integration_zones = np.array([z in zones for z in self.zone_ids]) if ic.enabled \
            else np.zeros(len(self.zone_ids), dtype=bool)

    def _zone_integrated(self) -> np.ndarray:
        ic = self.p.integration
        active = ic.enabled and self.year >= ic.start_year
        return self._integration_zones & active

    def _setup_pairing(self) -> None:
        pc = self.p.pairing
        self.pairs: list[tuple[int, int]] = []
        self.pairing_active = False
        if not pc.enabled:
            return
        ids = list(self.region.town_ids)
        if pc.pairs:
            self.pairs = [(ids.index(a), ids.index(b)) for a, b in (s.split(":") for s in pc.pairs)]
        # rule-formed pairs are made when the lever starts (from fiscal capacity then)

    def _form_rule_pairs(self) -> None:
        pc = self.p.pairing
        capacity = self.town_revenue_yi.copy()  # fiscal capacity (财力): revenue collected
        self.pair_capacity = capacity
        order = np.argsort(-capacity)
        k = min(pc.rule_pairs, self.nt // 2)
        self.pairs = [(int(order[i]), int(order[-1 - i])) for i in range(k)]

    def _setup_infrastructure(self) -> None:
        ic = self.p.infrastructure
        self.infra_projects: list[dict[str, Any]] = []
        if not ic.enabled:
            return
        df = self.region.data.projects
        ids = ic.project_ids or tuple(df.index)
        for pid in ids:
            row = df.loc[pid]
            self.infra_projects.append({
                "id": pid, "kind": row["kind"], "from": row["from"], "to": row["to"],
                "mode": row["mode"], "cost": float(row["cost_yi"]),
                "start": int(row["start_year"]) + ic.delay_years,
                "build_years": int(row["build_years"]), "spent": 0.0, "done": False,
                "row": row})

    # ------------------------------------------------------------------------------ fields
    def _compute_network_fields(self) -> None:
        """Travel-time dependent weights (recomputed only when the network changed)."""
        if self._network_changed:
            times = self.region.travel_times()
            self.times = times
            self.w_agg = prod.travel_time_weights(times[: self.n_int, : self.n_int],
                                                  self.p.production.agglomeration_half_life_min)
            self.w_commute = labour.commuting_weights(times[: self.nt, : self.nt],
                                                      self.p.labour.commute_half_life_min)
            ext = np.arange(self.n_int, len(self.region.node_ids))
            self.town_ext_time = mean_travel_time(times[: self.nt][:, ext], np.ones(len(ext)))
            self._network_changed = False
        f = self.firms
        alive = f.alive
        node_va = np.bincount(f.node[alive], weights=f.value_added_yi[alive], minlength=self.n_int)
        masses = self._node_masses(node_va)
        self.access = self.region.market_access(masses)[: self.n_int]
        # outside demand per node: gravity-weighted external GDP now over the same at base-year
        # GDP (the network held as it is now: a pure demand index, access is the part above)
        ext_now = np.zeros(len(masses))
        ext_now[self.n_int:] = self.external_gdp_yi * self.macro.external_index[
            self.macro.at(self.year)]
        ext_base = np.zeros(len(masses))
        ext_base[self.n_int:] = self.external_gdp_yi
        self.outside_demand = (self.region.market_access(ext_now)[: self.n_int]
                               / self.region.market_access(ext_base)[: self.n_int])
        node_mass = masses[: self.n_int]
        self.agg_total = prod.mass_within_reach(self.w_agg, node_mass)
        key = f.node[alive] * self.ns + f.sector[alive]
        sector_va = np.bincount(key, weights=f.value_added_yi[alive],
                                minlength=self.n_int * self.ns).reshape(self.n_int, self.ns)
        self.agg_sector = prod.mass_within_reach(self.w_agg, sector_va)
        self.node_firm_va = node_va

    def _node_masses(self, node_va: np.ndarray) -> np.ndarray:
        """Economic mass per node: towns' GDP net of their parks' firms, parks' firm VA
        (``node_va``: alive firms' VA per internal node), and the external markets' GDP (data)."""
        park_va_by_town = np.bincount(self.node_town[self.nt:], weights=node_va[self.nt:],
                                      minlength=self.nt)
        town_mass = self.town_gdp_yi - park_va_by_town
        return np.concatenate([town_mass, node_va[self.nt:], self.external_gdp_yi])

    def _town_tightness(self) -> np.ndarray:
        """Jobs over the labour force within commuting reach, relative to 2023."""
        pool = labour.labour_pool(self.labour_force_wan, self.w_commute)
        return labour.labour_tightness(self.town_employment_wan, pool) / self.base_tightness

    @property
    def labour_force_wan(self) -> np.ndarray:
        return self.population_wan * self.base_participation

    def _firm_fields(self) -> FirmFields:
        pc = self.p.production
        agg = prod.agglomeration_multiplier(self.agg_total, self.base_agg_total,
                                            pc.agglomeration_elasticity)
        loc = prod.agglomeration_multiplier(np.maximum(self.agg_sector, 1e-9), self.base_agg_sector,
                                            pc.localisation_elasticity)
        acc = prod.market_access_multiplier(self.access, self.base_access, pc.access_elasticity)
        pub = prod.public_capital_multiplier(self.public_capital_yi, self.base_public_capital_yi,
                                             pc.public_capital_elasticity)
        demand = self.outside_demand ** self.p.firms.demand_elasticity
        multiplier = (agg * acc * demand * pub[self.node_town])[:, None] * loc
        lc = self.p.labour
        tight = self._town_tightness()
        # district wage clears the firms' labour market; a local premium where labour is tight
        wage = self.district_wage * labour.wage_index(tight, lc.wage_elasticity)
        f = self.firms
        a = f.alive
        la = f.log_productivity[a]
        above = a & f.above_scale
        # certification candidates: firms of a size that can carry R&D (scale-free in firms.count)
        ppi = float(self.macro.ppi_index[self.macro.at(self.year)])
        cand = a & (f.output_yi * ppi >= self.p.firms.hightech_min_output_yi)
        # the median log productivity is the default of both bars: compute it once
        median_la = np.median(la)
        # both certification bars in one quantile call (one partition of the candidates)
        cand_la = f.log_productivity[cand]
        if len(cand_la):
            hightech_bar, little_giant_bar = (float(b) for b in np.quantile(cand_la, [0.7, 0.95]))
        else:
            hightech_bar = little_giant_bar = float(median_la)
        return FirmFields(
            year=self.year, multiplier=multiplier, wage_wan=wage,
            expansion_allowed=labour.expansion_allowed(tight, lc.shortage_tolerance),
            reference_output_yi=float(np.median(f.output_yi[a])),
            reference_productivity=float(np.exp(median_la)),
            mean_log_productivity=float(np.mean(la)),
            renovation_bar_log_a=float(np.median(f.log_productivity[above])) if above.any() else 0.0,
            hightech_bar_log_a=hightech_bar,
            little_giant_bar_log_a=little_giant_bar,
            favoured_sector=self.favoured_sector, price_index=ppi,
            value_added_ratio=self.base.value_added_ratio,
            # r + δ at which the base-year firms hold their desired capital (K = c·VA)
            user_cost=(self.p.firms.returns_to_scale * self.p.firms.capital_share
                       / self.p.firms.capital_output_ratio),
            net_investment=self.p.economy.net_investment,
            expected_growth=self._expected_growth())

    def _expected_growth(self) -> float:
        """Demand growth firms plan their capacity for: the outside markets' mean real growth
        over the last ``firms.expectation_years`` years up to this one (macro path, China's real
        GDP; adaptive expectations)."""
        i = self.macro.at(self.year)
        window = self.macro.growth_pct[max(0, i - self.p.firms.expectation_years + 1): i + 1]
        return float(np.mean(window)) / 100.0

    @property
    def service_quality(self) -> np.ndarray:
        """Public services a location offers, per town: public capital per resident relative to
        2023 (1 = the 2023 level); parks share their host town's."""
        return ((self.public_capital_yi / self.population_wan)
                / (self.base_public_capital_yi / self.base_population))

    @property
    def price_index(self) -> float:
        """The GDP deflator relative to the base year (macro path): nominal = real × this."""
        return float(self.macro.deflator_index[self.macro.at(self.year)])

    @property
    def ppi_index(self) -> float:
        """Industrial producer prices relative to the base year (firms' nominal output)."""
        return float(self.macro.ppi_index[self.macro.at(self.year)])

    @property
    def gdp_nominal_yi(self) -> float:
        return self.gdp_yi * self.price_index

    @property
    def outside_growth_pct(self) -> float:
        """China's real GDP growth this year on this run's macro path (%)."""
        return float(self.macro.growth_pct[self.macro.at(self.year)])

    # ------------------------------------------------------------------------------ step
    def step(self) -> None:
        """Advance one year."""
        if self.year >= self.end_year:
            self.running = False
            return
        self.year += 1
        self.year_stats = {}
        # pairs form in the lever's first simulated year (start_year 2023 = from the first step)
        if self.p.pairing.enabled and self.year == max(self.p.pairing.start_year,
                                                       self.base_year + 1):
            if not self.p.pairing.pairs:
                self._form_rule_pairs()
            for d, r in self.pairs:
                self.region.add_cooperation(self.region.town_ids[d], self.region.town_ids[r],
                                            "pairing")
        self.pairing_active = self.p.pairing.enabled and self.year >= self.p.pairing.start_year
        self._compute_network_fields()
        fields = self._firm_fields()
        self.fields = fields
        draws = draw_firm_year(self.streams, self.year, len(self.firms))
        self._select_supported_renovation(draws)
        self.last_draws = draws
        alive_before = self.firms.alive.copy()
        stats = step_firms(self.firms, fields, draws, self.p.firms)
        self._release_land(alive_before)
        self.year_stats.update(stats)
        self.investment_yi["firms"] = stats["investment_yi"]
        self.tech_renovation_firms = int(stats["renovated"])
        self._enter_firms(fields)
        self._attract_projects()
        self._update_towns()
        self._aggregate()
        self._tax_revenue()
        self._public_finance()
        self._update_villages()
        self.datacollector.collect(self)
        self.collected_years.append(self.year)
        if self.year >= self.end_year:
            self.running = False

    def run(self) -> None:
        """Step until the end year."""
        while self.running and self.year < self.end_year:
            self.step()
        self.running = False

    # ------------------------------------------------------------------------------ firms
    def _select_supported_renovation(self, draws: Any) -> None:
        tc = self.p.tech_renovation
        if not tc.enabled or tc.firms_per_year == 0:
            return
        f = self.firms
        u = self.streams.get("tech_renovation", "select", self.year).random(len(f))
        eligible = f.alive & f.above_scale & (f.renovated_year < self.year - 2)
        idx = np.flatnonzero(eligible)
        chosen = idx[np.argsort(u[idx])[: tc.firms_per_year]]
        # the programme is rationed so its subsidies stay within half of last year's general
        # spending (the budget constraint holds however large firms_per_year is set)
        cost = tc.subsidy_share * self.p.firms.renovation_cost_share * f.capital_yi[chosen]
        ceiling = 0.5 * max(self.government.ledger.get("spend_general", 0.0), 0.0)
        chosen = chosen[np.cumsum(cost) <= ceiling]
        draws.supported[chosen] = True

    def _release_land(self, alive_before: np.ndarray) -> None:
        f = self.firms
        gone = alive_before & ~f.alive
        self.free_land_mu += np.bincount(f.node[gone], weights=f.land_mu[gone], minlength=self.n_int)
        self.year_stats["exit_rate"] = gone.sum() / max(alive_before.sum(), 1)

    def _enter_firms(self, fields: FirmFields) -> None:
        """Projects whose approval delay has elapsed start producing; small firms are born."""
        f = self.firms
        fc = self.p.firms
        alive = f.alive
        n_alive = int(alive.sum())
        # incumbents' median log productivity, the centre of both kinds of entrant
        median_la = np.median(f.log_productivity[alive])
        lk = f.capital_yi[alive].sum() / f.employment_wan[alive].sum()
        # attracted projects
        # projects that started earlier install their next tranche of capital (time to build)
        installed = 0.0
        tranches = []
        for idx, amount, left in self.project_tranches:
            live = f.alive[idx]
            f.capital_yi[idx[live]] += amount[live]
            installed += float(amount[live].sum())
            if left > 1:
                tranches.append((idx, amount, left - 1))
        self.project_tranches = tranches
        ramp = self.p.attraction.ramp_years
        due = [pr for pr in self.pipeline if pr["start_year"] <= self.year]
        self.pipeline = [pr for pr in self.pipeline if pr["start_year"] > self.year]
        new_idx = []
        self.investment_yi["projects"] = installed
        if due:
            g = self.streams.get("projects", "entry", self.year)
            z = g.standard_normal(len(due))
            cap = np.array([pr["investment"] * self.p.attraction.realisation_share for pr in due])
            cap = cap / ramp  # the first of ``ramp`` equal tranches
            self.investment_yi["projects"] += float(cap.sum())
            idx = f.append(
                sector=np.array([pr["sector"] for pr in due]),
                node=np.array([pr["node"] for pr in due]),
                town=np.array([self.node_town[pr["node"]] for pr in due]),
                log_productivity=median_la + 0.2 * z,
                log_productivity_mean=median_la + 0.2 * z,
                capital_yi=cap, employment_wan=cap / (PROJECT_CAPITAL_INTENSITY * lk),
                land_mu=np.array([pr["land_mu"] for pr in due]),
                birth_year=np.full(len(due), self.year), alive=np.ones(len(due), bool),
                from_project=np.ones(len(due), bool),
                tax_partner_town=np.array([pr["partner"] for pr in due]))
            new_idx.append(idx)
            if ramp > 1:
                self.project_tranches.append((idx, cap.copy(), ramp - 1))
        # organic births (mostly micro firms in the towns); none in the no-net-investment what-if
        g = self.streams.get("firms", "entry", self.year)
        n_new = int(g.poisson(fc.entry_rate * n_alive)) if self.p.economy.net_investment else 0
        if n_new:
            alive = f.alive
            counts = np.bincount(f.town[alive], minlength=self.nt).astype(float)
            town = np.minimum((g.random(n_new)[:, None] > np.cumsum(counts / counts.sum())).sum(1),
                              self.nt - 1)
            cum = np.cumsum(self.town_sector_p[town], axis=1)
            sector = np.minimum((g.random(n_new)[:, None] > cum).sum(1), self.ns - 1)
            # entrants are small relative to incumbents (scale-free: the same at any firms.count)
            va_target = (np.quantile(f.value_added_yi[alive], ENTRANT_SIZE_QUANTILE)
                         * np.exp(np.abs(g.standard_normal(n_new)) * 0.8))
            capital = fc.capital_output_ratio * va_target
            labour_wan = fd.labour_demand(va_target, fields.wage_wan[town], fc.capital_share,
                                          fc.returns_to_scale)
            land = np.minimum(capital / self.k_per_mu, 1e9)
            idx = f.append(sector=sector, node=town, town=town,
                           log_productivity=(entrant_a := median_la - 0.1
                                             + 0.3 * g.standard_normal(n_new)),
                           log_productivity_mean=entrant_a,
                           capital_yi=capital, employment_wan=labour_wan, land_mu=land,
                           birth_year=np.full(n_new, self.year), alive=np.ones(n_new, bool))
            # they occupy what free land their town node has (rented space beyond it)
            take = np.bincount(town, weights=land, minlength=self.n_int)
            got = np.minimum(take, self.free_land_mu)
            share = np.divide(got, take, out=np.zeros_like(take), where=take > 0)
            f.land_mu[idx] = land * share[town]
            self.free_land_mu -= got
            new_idx.append(idx)
        if new_idx:
            idx = np.concatenate(new_idx)
            produce_entrants(f, fields, self.p.firms.capital_share, idx, fc.returns_to_scale)
            # status of entrants (no certification draws in their first year)
            nominal = f.output_yi[idx] * fields.price_index
            f.above_scale[idx] = nominal >= fc.above_scale_threshold_yi
        self.year_stats["entry_rate"] = (sum(len(i) for i in new_idx) / max(n_alive, 1))

    # ------------------------------------------------------------------------------ attraction
    def _attract_projects(self) -> None:
        """Projects arrive and choose a location by conditional logit (招商引资)."""
        ac = self.p.attraction
        self.town_investment_introduced_yi = np.zeros(self.nt)
        self.competition_subsidy_yi = np.zeros(self.nt)
        self.land_sold_mu = 0.0
        integrated = self._zone_integrated()
        ratio = float(self.access[: self.nt].mean() / self.base_town_access)
        # the pool of mobile projects grows with the outside markets (Greater Bay Area demand)
        pool = float(self.outside_demand[: self.nt].mean())
        lam = attr.project_arrival_rate(ac.projects_per_year * pool, ratio, ac.effort,
                                        ac.attractiveness_elasticity, ac.effort_elasticity)
        if not self.p.economy.net_investment:
            lam = 0.0
        batches = [(self.streams.get("attraction", "arrivals", self.year), lam, -1)]
        gain = self.p.integration.pipeline_gain
        zone_share = np.bincount(self.node_zone, weights=self.node_firm_va,
                                 minlength=len(self.zone_ids)) / self.node_firm_va.sum()
        for z in np.flatnonzero(integrated):
            g = self.streams.get("integration", "pipeline", self.zone_ids[z], self.year)
            batches.append((g, lam * gain * zone_share[z], int(z)))
        for g, rate, zone in batches:
            self._choose_locations(g, rate, zone, integrated)
        self.investment_introduced_yi = float(self.town_investment_introduced_yi.sum())

    def _choose_locations(self, g: np.random.Generator, rate: float, zone: int,
                          integrated: np.ndarray) -> None:
        ac = self.p.attraction
        n = int(g.poisson(rate))
        if n == 0:
            return
        size = attr.pareto_sizes(g.random(n), ac.min_project_yi, ac.project_tail_exponent,
                                 ac.max_project_yi)
        sector_w = np.bincount(self.firms.sector[self.firms.alive], minlength=self.ns) + 1.0
        sector_w = sector_w * np.where(self.favoured_sector, 2.0, 1.0)
        sector = np.minimum((g.random(n)[:, None] > np.cumsum(sector_w / sector_w.sum())).sum(1),
                            self.ns - 1)
        gumbel = g.gumbel(size=(n, self.n_int))
        need = attr.land_need_mu(size, self.p.land.intensity_yi_per_mu)
        capacity = np.zeros(self.n_int)
        pc = self.p.pairing
        recipients = [r for _d, r in self.pairs] if self.pairing_active else []
        donors = {d: r for d, r in self.pairs} if self.pairing_active else {}
        if recipients and "capacity" in pc.kinds:
            capacity[np.isin(self.node_town, recipients)] = pc.capacity_utility
        pooled_zone = integrated & self.p.integration.land_pooling
        # the utility terms that do not change as projects take land (projects × locations)
        fixed = attr.location_utility(
            np.log(self.access)[None, :], np.log1p(self.agg_sector[:, sector].T), 0.0,
            self.lead_match[:, sector].T, 0.0, ac.beta_access, ac.beta_agglomeration, 0.0,
            ac.beta_lead) + capacity + ac.beta_service * np.log(self.service_quality[self.node_town])
        allowed = np.ones(self.n_int, bool) if zone < 0 else (self.node_zone == zone)
        node_zone, node_town, nz = self.node_zone, self.node_town, len(self.zone_ids)
        pooled_node = pooled_zone[node_zone]
        # this loop runs once per project (hundreds a run), so it skips work that cannot change
        # its result: zone totals of free land when no zone pools land, and the mask when the
        # project may go anywhere (the values compared are the same, so is the choice)
        any_pooled = bool(pooled_node.any())
        town_of_node = node_town.tolist()
        zone_nodes = [np.flatnonzero(node_zone == z).tolist() for z in range(nz)]
        referral = "referral" in pc.kinds
        rent_town, rent_size, rent_bidders = [], [], []
        # per-project scalars as Python floats/ints (indexing numpy arrays one element at a time
        # is slow; the values, and so the arithmetic, are the same)
        size_l, need_l, sector_l = size.tolist(), need.tolist(), sector.tolist()
        zone_of_node = node_zone.tolist()
        for p in range(n):
            need_p = need_l[p]
            free = self.free_land_mu
            if any_pooled:
                zone_free = np.bincount(node_zone, weights=free, minlength=nz)
                avail = np.where(pooled_node, zone_free[node_zone], free)
            else:
                avail = free
            # utility + Gumbel draw; the argmax over a set of locations is the logit choice
            v = fixed[p] + ac.beta_land * np.log1p(avail) + gumbel[p]
            best = int(v.argmax()) if zone < 0 else _argmax_where(v, allowed)
            partner = -1
            # the feasible set is only needed when the best location lacks the land
            if best >= 0 and allowed[best] and avail[best] >= need_p:
                choice = best
            else:
                feasible = allowed & (avail >= need_p)
                choice = -1
                if referral and best >= 0 and int(node_town[best]) in donors:
                    choice = _argmax_where(v, feasible & (node_town == donors[int(node_town[best])]))
                    partner = int(node_town[best]) if choice >= 0 else -1
                if choice < 0:
                    choice = _argmax_where(v, feasible)
            if choice < 0:
                continue  # no location with enough land: the project is lost
            z = zone_of_node[choice]
            town = town_of_node[choice]
            if not integrated[z]:
                # towns of the zone with a node that had the land before this project took it (a
                # set over a few nodes is cheaper than array operations here)
                bidders = {town_of_node[j] for j in zone_nodes[z] if free[j] >= need_p}
                rent_town.append(town)
                rent_size.append(size_l[p])
                rent_bidders.append(len(bidders))
            if pooled_zone[z]:
                members = node_zone == z
                self.free_land_mu = free - need_p * free * members / max(zone_free[z], 1e-12)
            else:
                # in place, as elsewhere: nothing else holds this array (the bidders above read
                # it before the change)
                self.free_land_mu[choice] -= need_p
            self.town_investment_introduced_yi[town] += size_l[p]
            self.land_sold_mu += need_p
            delay = self.p.integration.approval_delay_years if integrated[z] \
                else ac.approval_delay_years
            self.pipeline.append({"investment": size_l[p], "sector": sector_l[p],
                                  "node": choice, "land_mu": need_p,
                                  "start_year": self.year + max(delay, 1),
                                  "partner": partner})
        if rent_town:
            rents = attr.competition_subsidy(np.array(rent_size), np.array(rent_bidders),
                                             ac.competition_subsidy_share)
            self.competition_subsidy_yi += np.bincount(rent_town, weights=rents, minlength=self.nt)

    # ------------------------------------------------------------------------------ towns
    def _update_towns(self) -> None:
        """Farming, construction and services; one labour market for all of them; migration.

        No sector follows a fixed drift or a fixed multiple of another: farm output follows farm
        productivity on the same land (land use is fixed until the villages issue), construction
        follows this year's investment (firms, projects, public, housing), services follow local
        income and population, and every sector hires at one district wage that clears the
        labour force. People move toward the wage premium over Guangdong's (macro path)."""
        ec = self.p.economy
        lc = self.p.labour
        fc = self.p.firms
        z = self.streams.get("towns", "shocks", self.year).standard_normal((2, self.nt))
        self.agri_tfp = sectors.productivity_step(self.agri_tfp, ec.agriculture_tfp_growth,
                                                  ec.agriculture_shock_sd, z)
        self.citrus_yi = self.base.citrus_yi * self.agri_tfp[0]
        self.other_primary_yi = self.base.other_primary_yi * self.agri_tfp[1]
        # construction (建筑业) follows investment; last year's debt-financed spending adds demand
        self.investment_yi["public"] = float(self.public_investment_yi.sum())
        self.investment_yi["housing"] = ec.housing_investment_share * self.gdp_yi  # last year's
        total_investment = float(sum(self.investment_yi.values()))
        self.residual_secondary_yi = (self.base_residual * total_investment
                                      / self.base_investment_yi + 0.5 * self.demand_injection_yi)
        f = self.firms
        town_firm_va = f.sum_by(f.town, f.value_added_yi, self.nt)
        goods = self.citrus_yi + self.other_primary_yi + town_firm_va + self.residual_secondary_yi
        income = sectors.resident_income(goods, self.population_wan, ec.services_commuting_share)
        self.tertiary_yi = sectors.services_value_added(
            self.base.services_coefficient, income, self.population_wan, 1.0,
            ec.services_income_elasticity) + 0.5 * self.demand_injection_yi
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
                + self.employment_residual_wan + f.sum_by(f.town, f.employment_wan, self.nt))
        # migration follows the premium over wages elsewhere (Guangdong's real GDP path)
        self.outside_wage = self.base.wage_wan * float(
            self.macro.outside_wage_index[self.macro.at(self.year)])
        self.population_wan = labour.population_with_migration(
            self.population_wan, self.district_wage / self.outside_wage, jobs, lc.natural_growth,
            lc.migration_speed)
        # land renewal (工改), faster where a zone pools its renewal
        used = np.bincount(f.node[f.alive], weights=f.land_mu[f.alive], minlength=self.n_int)
        rate = self.p.land.renewal_rate * np.where(
            self._zone_integrated()[self.node_zone], 1.0 + self.p.integration.renewal_bonus, 1.0)
        renewed = public.land_renewal(used, 1.0) * rate
        self.free_land_mu = self.free_land_mu + renewed
        self.land_renewed_mu += float(renewed.sum())

    # ------------------------------------------------------------------------------ finance
    def _tax_revenue(self) -> None:
        """Revenue collected in each town (一般公共预算收入), after sharing rules."""
        fc = self.p.fiscal
        f = self.firms
        a = f.alive
        fp = self.p.firms
        profit = ((1.0 - fp.returns_to_scale * (1.0 - fp.capital_share)) * f.value_added_yi
                  - fp.depreciation * f.capital_yi)
        tax = self.base.tax_collection_factor * public.firm_local_taxes(
            f.value_added_yi, profit, fc.vat_rate, fc.vat_local_share, fc.cit_rate,
            fc.cit_local_share)
        tax = np.where(a, tax, 0.0)
        share_donor = self.p.pairing.referral_tax_share_donor
        referred = a & (f.tax_partner_town >= 0)
        host_tax = np.where(referred, tax * (1.0 - share_donor), tax)
        revenue = np.bincount(f.town, weights=host_tax, minlength=self.nt)
        if referred.any():
            revenue += np.bincount(f.tax_partner_town[referred], weights=tax[referred] * share_donor,
                                   minlength=self.nt)
        integrated = self._zone_integrated()
        rule = self.p.integration.sharing_rule
        if integrated.any() and rule != "host":
            in_park = a & (f.node >= self.nt)
            for z in np.flatnonzero(integrated):
                members = self.town_zone == z
                sel = in_park & members[f.town] & ~referred
                park_tax = np.bincount(f.town[sel], weights=tax[sel], minlength=self.nt)
                weights = members * (self.population_wan if rule == "population" else 1.0)
                revenue += public.pool_and_share(park_tax, weights) - park_tax
        gdp = (self.citrus_yi + self.other_primary_yi + self.residual_secondary_yi
               + self.tertiary_yi + np.bincount(f.town[a], weights=f.value_added_yi[a],
                                                minlength=self.nt))
        revenue += self.base.tax_collection_factor * public.non_firm_local_taxes(
            self.tertiary_yi, self.residual_secondary_yi, gdp, fc.services_vat_rate,
            fc.vat_local_share, fc.land_tax_rate, fc.other_tax_rate)
        self.town_revenue_yi = revenue

    def _public_finance(self, base_year: bool = False) -> np.ndarray:
        """The year's budget; returns public investment per town (亿元)."""
        fc = self.p.fiscal
        total_revenue = float(self.town_revenue_yi.sum())
        committed = {"villages": fc.village_spending_share * total_revenue}
        payments: dict[str, np.ndarray] = {}
        receipts: dict[str, np.ndarray] = {}
        town_part = fc.town_share * self.town_revenue_yi
        pairing_to = np.zeros(self.nt)
        pairing_from = np.zeros(self.nt)
        pairing_district = 0.0
        if not base_year:
            committed["tech_renovation"] = (self.p.tech_renovation.subsidy_share
                                            * self.year_stats.get("supported_investment_yi", 0.0))
            committed["attraction_effort"] = self.p.attraction.effort * self.p.attraction.effort_cost_yi
            committed["integration"] = (self.p.integration.running_cost_yi
                                        * float(self._zone_integrated().sum()))
            pc = self.p.pairing
            if self.pairing_active and "money" in pc.kinds:
                for d, r in self.pairs:
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
            committed["pairing"] = pairing_district
            payments["pairing"] = pairing_from
            payments["competition_subsidy"] = self.competition_subsidy_yi
            receipts["pairing"] = pairing_to
        infra_wanted, infra_plan = self._infrastructure_plan() if not base_year else (0.0, [])
        infra_paid, general = self.government.budget(
            self.town_revenue_yi, self.land_sold_mu * self.p.land.price_yi_per_mu if not base_year
            else 0.0, committed, infra_wanted, payments, receipts)
        led, tl = self.government.ledger, self.government.town_ledger
        if not base_year:  # what was paid: the budgets ration what they cannot carry
            pairing_district = led["spend_pairing"]
            pairing_to, pairing_from = tl["in_pairing"], tl["out_pairing"]
            self.competition_subsidy_yi = tl["out_competition_subsidy"]
        self._build_infrastructure(infra_plan, infra_wanted, infra_paid)
        borrowing = self.government.ledger["borrowing"]
        spend_share = (self.town_infrastructure_spend_yi / self.town_infrastructure_spend_yi.sum()
                       if self.town_infrastructure_spend_yi.sum() > 0
                       else self.population_wan / self.population_wan.sum())
        self.demand_injection_yi = public.deficit_demand_effect(borrowing, fc.local_multiplier) * spend_share
        # public investment: general spending's share (spread by population), the towns' own,
        # pairing money (earmarked, moved 1:1 out of the payer's investment), infrastructure
        share = fc.public_investment_share
        district_inv = max(share * (general + pairing_district) - pairing_district, 0.0)
        spend_town = self.government.town_ledger["spend_town"]
        own = share * (spend_town - pairing_to + pairing_from) - pairing_from
        outside = (self.outside_public_investment_ratio * self.town_gdp_yi if not base_year
                   else np.zeros(self.nt))
        if not base_year and not self.p.economy.net_investment:
            # the what-if of no net investment: public investment only replaces depreciation
            outside = np.zeros(self.nt)
        invest = (outside + district_inv * self.population_wan / self.population_wan.sum()
                  + np.maximum(own, 0.0) + pairing_to + self.town_infrastructure_spend_yi
                  * self.p.infrastructure.public_capital_share)
        if not base_year and not self.p.economy.net_investment:
            invest = self.p.production.public_capital_depreciation * self.public_capital_yi
        self.public_investment_yi = invest
        if not base_year:
            self.public_capital_yi = public.public_capital_update(
                self.public_capital_yi, invest, self.p.production.public_capital_depreciation)
        self.village_budget_yi = led["spend_villages"]
        return invest

    def _infrastructure_plan(self) -> tuple[float, list[tuple[dict[str, Any], float]]]:
        ic = self.p.infrastructure
        plan = []
        for pr in self.infra_projects:
            if pr["done"] or self.year < pr["start"]:
                continue
            plan.append((pr, min(pr["cost"] / pr["build_years"], pr["cost"] - pr["spent"])))
        want = sum(a for _p, a in plan)
        if want > ic.budget_yi_per_year and want > 0:
            scale = ic.budget_yi_per_year / want
            plan = [(p, a * scale) for p, a in plan]
            want = ic.budget_yi_per_year
        return want, plan

    def _build_infrastructure(self, plan: list[tuple[dict[str, Any], float]], wanted: float,
                              paid: float) -> None:
        self.town_infrastructure_spend_yi = np.zeros(self.nt)
        self.infrastructure_spend_yi = paid
        if not plan or wanted <= 0:
            return
        scale = paid / wanted
        idx = self.region.index
        for pr, amount in plan:
            spend = amount * scale
            pr["spent"] += spend
            ends = [self.node_town[idx[e]] for e in (pr["from"], pr["to"]) if idx[e] < self.n_int]
            for t in ends:
                self.town_infrastructure_spend_yi[t] += spend / len(ends)
            if not ends:  # both ends outside: spread by population
                self.town_infrastructure_spend_yi += spend * self.population_wan / self.population_wan.sum()
            if pr["spent"] >= pr["cost"] - 1e-9 and not pr["done"]:
                pr["done"] = True
                self._complete_project(pr)

    def _complete_project(self, pr: dict[str, Any]) -> None:
        """Apply a finished project to the network (edge upgrade or new link)."""
        row = pr["row"]
        r = self.region
        a, b = pr["from"], pr["to"]
        after = row.get("travel_min_after")
        if pr["kind"] == "upgrade":
            for _u, _v, _k, d in r.transport_edges():
                if {_u, _v} == {a, b} and d["mode"] == pr["mode"]:
                    factor = row.get("time_factor")
                    new = (float(after) if after == after and after is not None
                           else d["travel_min"] * float(factor))
                    r.set_link_time(d["link_id"], new)
                    break
            else:
                cands = [d for _u, _v, _k, d in r.transport_edges() if {_u, _v} == {a, b}]
                if cands:
                    d = cands[0]
                    factor = row.get("time_factor")
                    r.set_link_time(d["link_id"], d["travel_min"] * float(factor if factor == factor
                                                                           else 0.8))
        else:
            na, nb = r.graph.nodes[a], r.graph.nodes[b]
            straight = great_circle_km(na["lat"], na["lon"], nb["lat"], nb["lon"])
            length = row.get("length_km")
            length, minutes, _ = derive_link(
                None if length is None or length != length else float(length),
                None if after is None or after != after else float(after), straight, pr["mode"],
                self.config.network)
            r.add_link(pr["id"], a, b, pr["mode"], minutes, length, status="assumed")
        self._network_changed = True

    def _update_villages(self) -> None:
        vc = self.p.villages
        g = self.streams.get("villages", "shocks", self.year)
        z = g.standard_normal(len(self.village_town))
        growth = (self.town_gdp_yi / self.prev_town_gdp) ** vc.collective_income_elasticity
        self.village_income_wan = (self.village_income_wan * growth[self.village_town]
                                   * np.exp(0.05 * z - 0.00125)
                                   * np.where(self.village_beautiful, 1.01, 1.0))
        budget = self.village_budget_yi
        todo = ~self.village_beautiful
        if todo.any():
            per_town = budget * np.bincount(self.village_town[todo], minlength=self.nt) / todo.sum()
            k = np.floor(per_town / vc.upgrade_cost_yi).astype(int)
            rank = _rank_within(self.village_town, todo)
            self.village_beautiful |= todo & (rank < k[self.village_town])
            budget = max(budget - float(np.minimum(k, np.bincount(self.village_town[todo],
                                                                  minlength=self.nt)).sum()
                                        * vc.upgrade_cost_yi), 0.0)
        cand = self.village_beautiful & ~self.village_demo
        if cand.any() and budget > 0:
            n_demo = int(budget // vc.demo_cost_yi)
            order = np.flatnonzero(cand)[np.argsort(-self.village_income_wan[cand], kind="stable")]
            self.village_demo[order[:n_demo]] = True

    # ------------------------------------------------------------------------------ aggregates
    def _aggregate(self) -> None:
        f = self.firms
        self.town_firm_va = f.sum_by(f.town, f.value_added_yi, self.nt)
        self.town_primary_yi = self.citrus_yi + self.other_primary_yi
        self.town_secondary_yi = self.town_firm_va + self.residual_secondary_yi
        if hasattr(self, "town_gdp_yi"):
            self.prev_town_gdp = self.town_gdp_yi
            self.prev_gdp = float(self.town_gdp_yi.sum())
        self.town_gdp_yi = self.town_primary_yi + self.town_secondary_yi + self.tertiary_yi
        nominal = f.output_yi * self.ppi_index
        self.firms_over_10yi_mask = f.alive & (nominal >= self.p.firms.big_firm_threshold_yi)
        self.town_firm_counts = {
            "firms": f.count_by(f.town, f.alive, self.nt),
            "above_scale": f.count_by(f.town, f.above_scale, self.nt),
            "hightech": f.count_by(f.town, f.hightech, self.nt),
            "little_giant": f.count_by(f.town, f.little_giant, self.nt),
            "over_10yi": f.count_by(f.town, self.firms_over_10yi_mask, self.nt),
        }
        self.town_industrial_output_yi = f.sum_by(f.town, np.where(f.above_scale, f.output_yi, 0.0),
                                                  self.nt)
        self.town_employment_wan = (f.sum_by(f.town, f.employment_wan, self.nt)
                                    + self.employment_primary_wan + self.employment_residual_wan
                                    + self.employment_tertiary_wan)
        if hasattr(self, "base_town_access"):
            self.town_accessibility = 100.0 * self.access[: self.nt] / self.base_town_access
        else:
            self.town_accessibility = np.full(self.nt, 100.0)

    # district metrics (DataCollector model reporters)
    @property
    def gdp_yi(self) -> float:
        return float(self.town_gdp_yi.sum())

    @property
    def gdp_primary_yi(self) -> float:
        return float(self.town_primary_yi.sum())

    @property
    def gdp_secondary_yi(self) -> float:
        return float(self.town_secondary_yi.sum())

    @property
    def gdp_tertiary_yi(self) -> float:
        return float(self.tertiary_yi.sum())

    @property
    def industrial_output_yi(self) -> float:
        return float(self.town_industrial_output_yi.sum())

    @property
    def fiscal_revenue_yi(self) -> float:
        return float(self.town_revenue_yi.sum())

    @property
    def employment_wan(self) -> float:
        return float(self.town_employment_wan.sum())

    @property
    def population_wan_total(self) -> float:
        return float(self.population_wan.sum())

    @property
    def firms_count(self) -> int:
        return self.firms.n_alive

    @property
    def firms_above_scale(self) -> int:
        return int((self.firms.alive & self.firms.above_scale).sum())

    @property
    def hightech_firms(self) -> int:
        return int((self.firms.alive & self.firms.hightech).sum())

    @property
    def little_giants(self) -> int:
        return int((self.firms.alive & self.firms.little_giant).sum())

    @property
    def firms_output_over_10yi(self) -> int:
        return int(self.firms_over_10yi_mask.sum())

    @property
    def little_giants_key(self) -> int:
        """National *key* little giants (重点小巨人): little giants with nominal output of at
        least ``LITTLE_GIANT_KEY_OUTPUT_YI`` (an assumed proxy; the designation is not by size)."""
        f = self.firms
        big = f.output_yi * self.ppi_index >= LITTLE_GIANT_KEY_OUTPUT_YI
        return int((f.alive & f.little_giant & big).sum())

    @property
    def gdp_per_capita_yuan(self) -> float:
        return 1e4 * self.gdp_yi / self.population_wan_total

    @property
    def town_gdp_per_capita(self) -> np.ndarray:
        return self.town_gdp_yi / self.population_wan

    @property
    def theil_gdp_per_capita(self) -> float:
        return equity.theil_index(self.town_gdp_per_capita, self.population_wan)

    @property
    def gini_gdp_per_capita(self) -> float:
        return equity.gini_coefficient(self.town_gdp_per_capita, self.population_wan)

    @property
    def gdp_growth_pct(self) -> float:
        if self.year == self.base_year:
            return float(self.base.targets.get("gdp_growth_pct", np.nan))
        return 100.0 * (self.gdp_yi / self.prev_gdp - 1.0)

    @property
    def weakest_town_growth_pct(self) -> float:
        if self.year == self.base_year:
            return float("nan")
        return float(100.0 * (self.town_gdp_yi / self.prev_town_gdp - 1.0).min())

    @property
    def towns_fiscal_over_5yi_share(self) -> float:
        return float(np.mean(self.town_revenue_yi * self.price_index > 5.0))

    @property
    def beautiful_village_share(self) -> float:
        return float(self.village_beautiful.mean())

    @property
    def demo_villages(self) -> int:
        return int(self.village_demo.sum())

    @property
    def villages_collective_over_2000wan(self) -> int:
        return int((self.village_income_wan * self.price_index > 2000.0).sum())

    @property
    def mean_access_min(self) -> float:
        """Population-weighted mean travel time (minutes) from the towns to the external markets."""
        return float(np.sum(self.town_ext_time * self.population_wan) / self.population_wan.sum())

    @property
    def debt_yi(self) -> float:
        return float(self.government.debt_yi)

    @property
    def lever_spend_yi(self) -> float:
        """Money the levers actually paid this year (亿元, the budget's prices), after rationing: the
        district's renovation subsidies, attraction effort, integration platforms, pairing and
        infrastructure, plus what the towns paid in pairing transfers and competition subsidies."""
        led, tl = self.government.ledger, self.government.town_ledger
        district = sum(led.get(f"spend_{k}", 0.0) for k in LEVER_SPEND_ITEMS)
        towns = sum(float(np.sum(tl.get(f"out_{k}", 0.0))) for k in ("pairing", "competition_subsidy"))
        return float(district + towns)

    # ------------------------------------------------------------------------------ checks
    def _land_total(self) -> float:
        """Free land + land held by alive firms + land of signed projects not yet producing."""
        f = self.firms
        waiting = sum(pr["land_mu"] for pr in self.pipeline)
        return float(self.free_land_mu.sum() + f.land_mu[f.alive].sum() + waiting)

    def check_accounts(self, tol: float = 1e-6) -> None:
        """Raise AssertionError if an accounting identity fails (used by the tests)."""
        gdp = self.gdp_yi
        sectors_sum = self.gdp_primary_yi + self.gdp_secondary_yi + self.gdp_tertiary_yi
        assert abs(gdp - sectors_sum) <= tol * gdp, "GDP != sum of sectors"
        f = self.firms
        assert abs(self.town_firm_va.sum() - f.value_added_yi[f.alive].sum()) <= tol * gdp
        led = self.government.ledger
        resources = led["revenue_district_share"] + led["land_revenue"] + led["borrowing"]
        spend = sum(v for k, v in led.items() if k.startswith("spend_"))
        assert abs(resources - spend) <= tol * max(resources, 1.0), "district budget unbalanced"
        tl = self.government.town_ledger
        t_in = tl["revenue_town_share"] + sum(v for k, v in tl.items() if k.startswith("in_"))
        t_out = tl["spend_town"] + sum(v for k, v in tl.items() if k.startswith("out_"))
        assert np.allclose(t_in, t_out), "town budgets unbalanced"
        assert np.all(tl["spend_town"] >= -1e-9), "town spending negative (an unrecorded deficit)"
        for name in ("population_wan", "public_capital_yi", "free_land_mu", "tertiary_yi",
                     "citrus_yi", "other_primary_yi", "residual_secondary_yi"):
            v = getattr(self, name)
            assert np.all(np.isfinite(v)), f"{name} not finite"
            assert np.all(v >= -1e-9), f"{name} negative"
        for name in ("capital_yi", "employment_wan", "value_added_yi", "output_yi", "land_mu"):
            v = getattr(f, name)[f.alive]
            assert np.all(np.isfinite(v)) and np.all(v >= 0), f"firm {name} invalid"
        assert led["spend_general"] >= -1e-9, "general spending negative"
        land = self._land_total()
        expected = self.base_land_total_mu + self.land_renewed_mu
        assert abs(land - expected) <= 1e-6 * expected, "land not conserved"


def _argmax_where(values: np.ndarray, mask: np.ndarray) -> int:
    """Index of the largest ``values`` where ``mask`` holds, or −1 (see ``attraction.logit_choice``)."""
    if not mask.any():
        return -1
    return int(np.argmax(np.where(mask, values, -np.inf)))


def _rank_within(group: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Rank (0, 1, ...) of each masked element within its group, in index order."""
    rank = np.full(len(group), np.iinfo(np.int64).max)
    idx = np.flatnonzero(mask)
    if len(idx) == 0:
        return rank
    g = group[idx]
    order = np.argsort(g, kind="stable")
    sorted_g = g[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_g)) + 1]
    counts = np.diff(np.r_[starts, len(sorted_g)])
    within = np.arange(len(sorted_g)) - np.repeat(starts, counts)
    rank[idx[order]] = within
    return rank
