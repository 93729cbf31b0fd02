"""What the model reports: the DataCollector's district and town reporter names, the district
metrics (properties of :class:`simxh.model.XinhuiModel`, through :class:`DistrictMetrics`),
read-only views of the processes' state under the model's long-standing attribute names, and the
accounting checks the tests use."""

from __future__ import annotations

import operator
from copy import deepcopy
from typing import TYPE_CHECKING, Any, NamedTuple

import mesa
import numpy as np

from simxh.economics import equity
from simxh.numeric import median, quantiles

WAN_PER_YI = 1e4
"""万元 per 亿元 (a unit conversion)."""
DECILE_LOW, DECILE_HIGH = 0.1, 0.9
"""The deciles the village income distribution is reported by (p10, p90)."""
TOWN_REVENUE_TARGET_YI = 5.0
"""The plan's town fiscal-revenue threshold (亿元, nominal): 镇街实现财政收入超5亿元, the target
``towns_fiscal_over_5yi`` in ``simxh/data/targets.csv`` (reported, Jiangmen Daily); the reporter
``towns_fiscal_over_5yi_share`` is the share of towns over it. tests/test_plan_thresholds.py
checks it against that row's text."""
VILLAGE_INCOME_TARGET_WAN = 2000.0
"""The plan's village collective-income threshold (万元, nominal): 集体经营性收入超2000万元的行政村,
the target ``villages_collective_over_2000wan`` in ``simxh/data/targets.csv``; the reporter of
that name counts the administrative villages over it (checked as above)."""

DISTRICT_REPORTERS = (
    "gdp_yi", "gdp_primary_yi", "gdp_secondary_yi", "gdp_tertiary_yi", "industrial_output_yi",
    "fiscal_revenue_yi", "employment_wan", "population_wan", "firms", "firms_above_scale",
    "hightech_firms", "little_giants", "firms_output_over_10yi", "investment_introduced_yi",
    "infrastructure_spend_yi", "gdp_per_capita_yuan", "theil_gdp_per_capita",
    "weakest_town_growth_pct", "gini_gdp_per_capita", "gdp_growth_pct", "tech_renovation_firms",
    "towns_fiscal_over_5yi_share", "beautiful_village_share", "demo_villages",
    "villages_collective_over_2000wan", "mean_access_min", "debt_yi", "little_giants_key",
    "gdp_nominal_yi", "price_index", "outside_growth_pct", "posterior_draw", "lever_spend_yi",
    "land_sold_mu", "public_capital_yi",
    "projects_pool", "projects_won", "projects_won_by_rivals", "projects_enclave",
    "integration_sharing_moved_yi", "competition_rent_yi",
    "renovation_investment_yi", "renovation_own_yi", "renovation_capital_yi",
    "village_collective_income_yi", "villages_over_100wan", "village_income_p10_wan",
    "village_income_median_wan", "village_income_p90_wan", "urban_rural_income_ratio",
    "village_standard_below_share", "village_standard_beautiful_share",
    "village_standard_demo_share", "rural_spend_yi", "citrus_area_mu", "farmland_mu",
    "land_quota_rural_mu", "land_quota_industrial_mu", "chenpi_price_index",
    "chenpi_stock_value_yi", "chenpi_value_added_yi",
)
LEVER_SPEND_ITEMS = ("tech_renovation", "attraction_effort", "integration", "pairing",
                    "infrastructure", "infrastructure_maintenance", "bond_interest",
                    "rural_beautiful",
                    "rural_demo", "rural_hollow", "rural_enterprise", "rural_tourism",
                    "rural_service_circle")
"""District budget items (``spend_<item>`` in the ledger) that pay for the policy levers (the
special bonds' interest, ``bond_interest``, is the infrastructure lever's: the bonds pay its works;
their principal is in ``infrastructure`` when spent, so its repayment is not counted again)."""
_LEVER_SPEND_KEYS = tuple(f"spend_{k}" for k in LEVER_SPEND_ITEMS)
TOWN_REPORTERS = (
    "zone", "gdp_yi", "gdp_primary_yi", "gdp_secondary_yi", "gdp_tertiary_yi",
    "industrial_output_yi", "fiscal_revenue_yi", "employment_wan", "population_wan", "firms",
    "firms_above_scale", "hightech_firms", "little_giants", "firms_output_over_10yi",
    "investment_introduced_yi", "infrastructure_spend_yi", "accessibility",
    "village_collective_income_wan", "citrus_area_mu", "farmland_mu",
)
TOWN_REPORTER_PREFIX = "town_"
"""Town reporters are named ``town_<column>`` (``town_gdp_yi``) so that ``mesa.batch_run``,
which merges a model's and its agents' values into one row, keeps the district's ``gdp_yi``;
:func:`simxh.simulation.result_tables` names the towns table's columns without the prefix."""

REPORTER_ALIASES = {
    "population_wan": "population_wan_total",
    "public_capital_yi": "public_capital_total_yi",
    "firms": "firms_count",
}
"""District reporters whose name is taken by a model attribute of another meaning: the model
attribute each one reads."""

STATE_VIEWS = {
    "towns_labour": (
        "population_wan", "citrus_yi", "other_primary_yi", "residual_secondary_yi", "tertiary_yi",
        "employment_primary_wan", "employment_residual_wan", "employment_tertiary_wan",
        "free_land_mu", "investment_yi", "district_wage", "outside_wage", "labour_share",
        "labour_force_wan", "town_gdp_yi", "town_primary_yi", "town_secondary_yi",
        "town_firm_va", "town_firm_counts", "town_employment_wan", "town_industrial_output_yi",
        "town_accessibility", "prev_gdp", "prev_town_gdp", "firms_over_10yi_mask",
        "land_renewed_mu", "base_land_total_mu", "base_residual", "base_investment_yi",
        "base_population", "base_participation", "base_tightness"),
    "finance": ("town_revenue_yi", "public_capital_yi", "public_investment_yi",
                "demand_injection_yi", "village_budget_yi", "base_public_capital_yi"),
    "attraction": ("pipeline", "land_sold_mu", "town_investment_introduced_yi",
                   "investment_introduced_yi", "competition_subsidy_yi"),
    "network": ("access", "outside_demand", "town_ext_time", "base_access", "agg_total",
                "agg_sector"),
    "cooperation": ("pairs", "pairing_active", "pair_capacity"),
    "infrastructure": ("infrastructure_spend_yi", "town_infrastructure_spend_yi"),
    "villages": ("village_town", "village_income_wan", "village_beautiful", "village_demo",
                 "land_converted_mu"),
    "industry": ("fields", "last_draws", "tech_renovation_firms", "favoured_sector"),
}
"""Process state readable on the model under its attribute name (``model.population_wan`` is
``model.towns_labour.population_wan``): the owner is the process, the view is read-only."""


_IMMUTABLE = frozenset((float, int, bool, str, tuple, type(None)))
"""Value types stored as they are (Mesa deep-copies everything else)."""


class Collector(mesa.DataCollector):
    """Mesa's DataCollector with the same records, collected with fewer Python calls.

    When every model reporter is an attribute name and every agent-type reporter one too (as
    :class:`simxh.model.XinhuiModel`'s are), one ``operator.attrgetter`` reads all of a model's
    or an agent's attributes in one call, and values of immutable types are stored without
    ``deepcopy``: the same attribute reads in the same order, the same values stored in the same
    ``model_vars`` and ``_agenttype_records``, so ``get_model_vars_dataframe()`` and
    ``get_agenttype_vars_dataframe()`` are unchanged. Any other kind of reporter falls back to
    Mesa's own ``collect``. (Mesa's per-reporter checks cost more than the reporters: about a
    third of data collection, 5 ms a run.)
    """

    _validated: bool  # set by mesa.DataCollector

    def __init__(self, model_reporters: dict | None = None,
                 agenttype_reporters: dict | None = None) -> None:
        super().__init__(model_reporters=model_reporters,
                         agenttype_reporters=agenttype_reporters)
        model_reporters = model_reporters or {}
        agenttype_reporters = agenttype_reporters or {}
        plain = (all(isinstance(r, str) for r in model_reporters.values())
                 and all(isinstance(r, str) for reps in agenttype_reporters.values()
                         for r in reps.values()))
        self._fast = plain and bool(model_reporters)
        if self._fast:
            self._model_names = list(model_reporters)
            self._model_get = operator.attrgetter(*model_reporters.values())
            self._type_get = {t: operator.attrgetter(*reps.values())
                              for t, reps in agenttype_reporters.items() if reps}
            # agent types that give their attributes as columns for all their agents at once
            # (Town.columns_for: one array read per attribute rather than one per town)
            self._type_columns = {t: list(reps.values())
                                  for t, reps in agenttype_reporters.items()
                                  if reps and callable(getattr(t, "columns_for", None))}

    def collect(self, model: Any) -> None:
        if not self._fast:
            super().collect(model)
            return
        try:
            values = self._model_get(model)
        except AttributeError:
            if self._validated:
                raise
            super().collect(model)  # Mesa's checks name the reporter that failed
            return
        self._validated = True
        self._collection_steps.append(model.time)
        if len(self._model_names) == 1:
            values = (values,)
        immutable = _IMMUTABLE.issuperset(map(type, values))
        model_vars = self.model_vars
        for var, value in zip(self._model_names, values, strict=True):
            model_vars[var].append(value if immutable or type(value) in _IMMUTABLE
                                   else deepcopy(value))
        records: dict = {}
        self._agenttype_records[model.time] = records
        time = model.time
        by_type = model.agents_by_type
        for agent_type, get in self._type_get.items():
            names = self._type_columns.get(agent_type)
            if names is not None:
                agents = list(by_type.get(agent_type, ()))
                rows = []
                for agent, vals in zip(agents, zip(*agent_type.columns_for(model, agents, names),
                                                   strict=True), strict=True):
                    if not _IMMUTABLE.issuperset(map(type, vals)):
                        vals = tuple(v if type(v) in _IMMUTABLE else deepcopy(v) for v in vals)
                    rows.append((time, agent.unique_id, *vals))
                records[agent_type] = rows
                continue
            single = len(self.agenttype_reporters[agent_type]) == 1
            rows = []
            for agent in by_type.get(agent_type, ()):
                vals = get(agent)
                if single:
                    vals = (vals,)
                if not _IMMUTABLE.issuperset(map(type, vals)):
                    vals = tuple(v if type(v) in _IMMUTABLE else deepcopy(v) for v in vals)
                rows.append((time, agent.unique_id, *vals))
            records[agent_type] = rows


def _view(owner: str, name: str) -> property:
    # a C-level getter (operator.attrgetter with a dotted path): the reporters read these
    # views hundreds of times a run
    return property(operator.attrgetter(f"{owner}.{name}"),
                    doc=f"``self.{owner}.{name}`` (read-only).")


class StateViews:
    """Read-only properties for :data:`STATE_VIEWS`."""

    if TYPE_CHECKING:  # the views are set below, and the metrics read the model's state
        def __getattr__(self, name: str) -> Any: ...


for _owner, _names in STATE_VIEWS.items():
    for _name in _names:
        setattr(StateViews, _name, _view(_owner, _name))


class VillageIncomeStats(NamedTuple):
    """The administrative villages' income: the count over the reporting threshold and the
    deciles (万元, nominal)."""

    over_threshold: int
    p10: float
    median: float
    p90: float


class DistrictMetrics(StateViews):
    """The district's reporters, as properties of the model (``model.gdp_yi``)."""

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

    # counts with np.count_nonzero (the same integers as a bool array's sum, without the
    # conversion to integers)
    @property
    def firms_above_scale(self) -> int:
        return int(np.count_nonzero(self.firms.alive & self.firms.above_scale))

    @property
    def hightech_firms(self) -> int:
        return int(np.count_nonzero(self.firms.alive & self.firms.hightech))

    @property
    def little_giants(self) -> int:
        return int(np.count_nonzero(self.firms.alive & self.firms.little_giant))

    @property
    def firms_output_over_10yi(self) -> int:
        return int(np.count_nonzero(self.firms_over_10yi_mask))

    @property
    def little_giants_key(self) -> int:
        """National *key* little giants (重点小巨人): little giants with nominal output of at
        least ``firms.little_giant_key_output_yi`` (an assumed proxy; the designation is not by size)."""
        f = self.firms
        lg = np.flatnonzero(f.alive & f.little_giant)  # the few little giants only
        big = f.output_yi[lg] * self.ppi_index >= self.p.firms.little_giant_key_output_yi
        return int(np.count_nonzero(big))

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
        # np.mean of a bool array: its count (exact) over its length, one float division
        over = self.town_revenue_yi * self.price_index > TOWN_REVENUE_TARGET_YI
        return float(np.count_nonzero(over) / len(over))

    @property
    def beautiful_village_share(self) -> float:
        b = self.village_beautiful  # the mean of a bool array, as above
        return float(np.count_nonzero(b) / len(b))

    @property
    def demo_villages(self) -> int:
        return int(np.count_nonzero(self.village_demo))

    @property
    def villages_collective_over_2000wan(self) -> int:
        return int(np.count_nonzero(self.village_income_wan * self.price_index
                                    > VILLAGE_INCOME_TARGET_WAN))

    # -- villages, land and the 陈皮 chain
    def _village_income(self) -> np.ndarray:
        """The administrative villages' collective income (万元, nominal)."""
        v = self.villages
        return v.village_income_wan[v.is_village] * self.price_index

    @property
    def village_collective_income_yi(self) -> float:
        """Collective income of the villages (亿元, base-year prices; the reported 12.56亿)."""
        return float(self.villages.village_income_wan.sum() / WAN_PER_YI)

    def _village_income_stats(self) -> VillageIncomeStats:
        """The administrative villages' count over the threshold, p10, median and p90 of their
        nominal income (万元), computed once per income array and price level (the villages
        process assigns a new array each year; four reporters read them at each collection).
        One quantile call for both deciles takes the same order statistics, so the same values,
        as one call each."""
        v = self.villages
        price = self.price_index
        memo = self.__dict__.get("_village_stats_memo")
        if memo is not None:
            income, at_price, stats = memo
            if income is v.village_income_wan and at_price == price:
                return stats
        x = self._village_income()
        p10, p90 = quantiles(x, [DECILE_LOW, DECILE_HIGH])
        stats = VillageIncomeStats(
            int(np.count_nonzero(x > self.p.villages.income_over_threshold_wan)), p10,
            float(median(x)), p90)
        self.__dict__["_village_stats_memo"] = (v.village_income_wan, price, stats)
        return stats

    @property
    def villages_over_100wan(self) -> int:
        return self._village_income_stats().over_threshold

    @property
    def village_income_p10_wan(self) -> float:
        return self._village_income_stats().p10

    @property
    def village_income_median_wan(self) -> float:
        return self._village_income_stats().median

    @property
    def village_income_p90_wan(self) -> float:
        return self._village_income_stats().p90

    @property
    def urban_rural_income_ratio(self) -> float:
        return float(self.villages.urban_rural_income_ratio())

    @property
    def village_standard_below_share(self) -> float:
        """Share of villages and communities below the beautiful-village standard."""
        return float(np.count_nonzero(~self.village_beautiful) / len(self.village_beautiful))

    @property
    def village_standard_beautiful_share(self) -> float:
        """Share at the beautiful standard but not the demonstration standard."""
        b = self.village_beautiful & ~self.village_demo
        return float(np.count_nonzero(b) / len(b))

    @property
    def village_standard_demo_share(self) -> float:
        return float(np.count_nonzero(self.village_demo) / len(self.village_demo))

    @property
    def rural_spend_yi(self) -> float:
        """The rural programmes' money paid this year and the village budget (亿元)."""
        led = self.government.ledger
        return float(sum(v for k, v in led.items() if k.startswith("spend_rural_"))
                     + led.get("spend_villages", 0.0))

    @property
    def citrus_area_mu(self) -> float:
        return float(self.villages.citrus_mu.sum())

    @property
    def farmland_mu(self) -> float:
        return float(self.villages.farmland_mu.sum())

    @property
    def land_quota_rural_mu(self) -> float:
        """Construction-land quota taken by the rural programmes this year (亩)."""
        return float(self.villages.quota_used_mu.sum())

    @property
    def land_quota_industrial_mu(self) -> float:
        """Construction-land quota turned into free industrial land this year (亩)."""
        return float(self.villages.quota_industrial_mu.sum())

    @property
    def chenpi_price_index(self) -> float:
        return self.chenpi.price_index

    @property
    def chenpi_stock_value_yi(self) -> float:
        """The ageing 陈皮 stock's value (亿元, current prices of the peel)."""
        return self.chenpi.stock_value_yi()

    @property
    def chenpi_value_added_yi(self) -> float:
        """The 陈皮 chain's value added: orchards (primary), processing (secondary), trade and
        tourism (tertiary), 亿元."""
        c = self.chenpi
        return float(self.citrus_yi.sum() + c.processing_yi.sum() + c.services_yi.sum())

    @property
    def mean_access_min(self) -> float:
        """Population-weighted mean travel time (minutes) from the towns to the external markets."""
        return float(np.sum(self.town_ext_time * self.population_wan) / self.population_wan.sum())

    @property
    def public_capital_total_yi(self) -> float:
        """The towns' public capital stock (亿元, base-year prices; the district reporter
        ``public_capital_yi``)."""
        return float(self.public_capital_yi.sum())

    @property
    def debt_yi(self) -> float:
        return float(self.government.debt_yi)

    @property
    def lever_spend_yi(self) -> float:
        """Money the levers actually paid this year (亿元, the budget's prices), after rationing: the
        district's renovation subsidies, attraction effort, integration platforms, pairing and
        infrastructure, plus what the towns paid in pairing transfers and competition subsidies."""
        led, tl = self.government.ledger, self.government.town_ledger
        district = sum(led.get(k, 0.0) for k in _LEVER_SPEND_KEYS)
        towns = sum(float(np.sum(tl.get(f"out_{k}", 0.0))) for k in ("pairing", "competition_subsidy"))
        return float(district + towns)

    @property
    def projects_pool(self) -> int:
        """Mobile projects in the year's contested pool (Xinhui's and its rivals')."""
        return int(self.attraction.projects_pool)

    @property
    def projects_won(self) -> int:
        """Pool projects that came to Xinhui (chosen, or referred through the 新台 tie) and found
        land there (one that finds none goes to the rival it would have chosen otherwise)."""
        return int(self.attraction.projects_won)

    @property
    def projects_won_by_rivals(self) -> int:
        """Pool projects the rival jurisdictions won (each one's in year_stats
        ``projects_won_<id>``): projects_pool − projects_won."""
        return int(self.attraction.rival_projects.sum())

    @property
    def projects_enclave(self) -> int:
        """Projects a pairing donor placed in its partner's locations (飞地) this year."""
        return int(self.attraction.projects_enclave)

    @property
    def competition_rent_yi(self) -> float:
        """Competition rents (land discounts, tax rebates) the towns paid this year to the
        projects they won against a rival town of their zone; the projects' firms receive them
        (亿元, a transfer: :meth:`simxh.processes.attraction.Attraction.settle_rents`)."""
        tl = self.government.town_ledger
        return float(np.sum(tl.get("out_competition_subsidy", 0.0)))

    @property
    def renovation_investment_yi(self) -> float:
        """Technology-renovation investment of the year, public and private (亿元)."""
        return float(self.year_stats.get("renovation_investment_yi", 0.0))

    @property
    def renovation_own_yi(self) -> float:
        """The firms' own part of the year's renovation investment (all of an unaided one, the
        unsubsidised part of a supported one; 亿元): a social cost beside the subsidy."""
        return float(self.year_stats.get("renovation_own_yi", 0.0))

    @property
    def renovation_capital_yi(self) -> float:
        """The alive firms' renovation capital net of depreciation (亿元; public and private
        renovation investment cumulated at firms.depreciation): what carries the renovations'
        TFP gain (:func:`simxh.economics.renovation.embodied_gain`)."""
        f = self.firms
        return float(f.renovation_capital_yi[f.alive_index()].sum())

    @property
    def integration_sharing_moved_yi(self) -> float:
        """Park tax revenue the integrated zones' sharing rule moved between towns (亿元)."""
        return float(self.finance.sharing_moved_yi)

    @property
    def price_index(self) -> float:
        """The GDP deflator relative to the base year (macro path): nominal = real × this."""
        return self.outside.price_index(self.year)

    @property
    def ppi_index(self) -> float:
        """Industrial producer prices relative to the base year (firms' nominal output)."""
        return self.outside.ppi_index(self.year)

    @property
    def gdp_nominal_yi(self) -> float:
        return self.gdp_yi * self.price_index

    @property
    def outside_growth_pct(self) -> float:
        """China's real GDP growth this year on this run's macro path (%)."""
        return self.outside.growth_pct(self.year)

    @property
    def service_quality(self) -> np.ndarray:
        return self.finance.service_quality()


def check_accounts(m: Any, tol: float = 1e-6) -> None:
    """Raise AssertionError if an accounting identity of model ``m`` fails (used by the tests)."""
    gdp = m.gdp_yi
    sectors_sum = m.gdp_primary_yi + m.gdp_secondary_yi + m.gdp_tertiary_yi
    assert abs(gdp - sectors_sum) <= tol * gdp, "GDP != sum of sectors"
    f = m.firms
    assert abs(m.town_firm_va.sum() - f.value_added_yi[f.alive].sum()) <= tol * gdp
    led = m.government.ledger
    resources = (led["revenue_district_share"] + led["land_revenue"] + led["borrowing"]
                 + led["special_bonds"] + led["transfers_infrastructure"])
    spend = sum(v for k, v in led.items() if k.startswith("spend_"))
    assert abs(resources - spend) <= tol * max(resources, 1.0), "district budget unbalanced"
    # debt: last year's + new borrowing and special bonds − special-bond principal repaid
    debt = led["debt_start"] + led["borrowing"] + led["special_bonds"] - led[
        "spend_special_bond_repayment"]
    assert abs(debt - led["debt_end"]) <= tol * max(debt, 1.0), "debt stock does not add up"
    assert abs(led["debt_end"] - m.government.debt_yi) <= tol * max(debt, 1.0)
    limit = m.p.fiscal.debt_limit_yi
    assert led["borrowing"] + led["special_bonds"] <= 0.0 or led["debt_end"] <= limit + tol * max(
        limit, 1.0), "new debt beyond the limit"
    assert led["spend_infrastructure"] >= led["special_bonds"] + led["transfers_infrastructure"] - (
        tol * max(resources, 1.0)), "earmarked infrastructure money spent elsewhere"
    tl = m.government.town_ledger
    t_in = tl["revenue_town_share"] + sum(v for k, v in tl.items() if k.startswith("in_"))
    t_out = tl["spend_town"] + sum(v for k, v in tl.items() if k.startswith("out_"))
    assert np.allclose(t_in, t_out), "town budgets unbalanced"
    assert np.all(tl["spend_town"] >= -1e-9), "town spending negative (an unrecorded deficit)"
    for name in ("population_wan", "public_capital_yi", "free_land_mu", "tertiary_yi",
                 "citrus_yi", "other_primary_yi", "residual_secondary_yi"):
        v = getattr(m, name)
        assert np.all(np.isfinite(v)), f"{name} not finite"
        assert np.all(v >= -1e-9), f"{name} negative"
    for name in ("capital_yi", "employment_wan", "value_added_yi", "output_yi", "land_mu",
                 "renovation_debt_yi"):
        v = getattr(f, name)[f.alive]
        assert np.all(np.isfinite(v)) and np.all(v >= 0), f"firm {name} invalid"
    assert led["spend_general"] >= -1e-9, "general spending negative"
    check_industrial_land(m, tol)
    check_villages(m, tol)


def check_industrial_land(m: Any, tol: float) -> None:
    """No ledger creates industrial land: the district's total is the base year's plus the
    quota converted (工改 renewal only moves land from firms to the free stock); every park's
    and town node's free + held + signed land is its area (the parks' physical area; a town
    node's base-year land plus the quota converted there), so none uses more than it has."""
    tl = m.towns_labour
    nt = m.nt
    land = tl.land_total()
    expected = m.base_land_total_mu + m.land_converted_mu
    assert abs(land - expected) <= tol * expected, "land not conserved"
    area = tl.node_area_mu
    assert np.array_equal(area[nt:], m.park_area_mu), "a park's area changed"
    node = tl.node_land_mu()
    eps = tol * max(float(area.max()), 1.0)
    over = node - area
    assert np.all(over <= eps), (
        f"node {int(np.argmax(over))} uses {float(over.max()):.6g}亩 more land than its area")
    assert np.all(over >= -eps), (
        f"node {int(np.argmin(over))} lost {float(-over.min()):.6g}亩 of its land")


def check_villages(m: Any, tol: float) -> None:
    """The villages add up to the towns' rural figures, and land use never exceeds land."""
    v = m.villages
    tl = m.towns_labour
    nt = m.nt
    eps = tol * max(float(v.town_area_mu.sum()), 1.0)
    # the towns' orchards (which their citrus value added follows) are their villages'
    orchards = v.town_sum(v.citrus_mu)
    ratio = np.divide(orchards, m.chenpi.base_town_orchards_mu, out=np.ones(nt),
                      where=m.chenpi.base_town_orchards_mu > 0)
    if m.year > m.base_year:
        expect = m.base.citrus_yi * tl.agri_tfp[0] * ratio * tl.public_capital_multiplier
        assert np.allclose(tl.citrus_yi, expect, rtol=tol, atol=tol), \
            "towns' citrus value added does not follow their villages' orchards"
    # collective income: the sum of the sources; the towns' figures are their villages' sum
    total = sum(v.income_wan.values())
    assert np.allclose(total, v.village_income_wan, rtol=tol), "village income != its sources"
    for town in m.towns:
        assert abs(town.village_collective_income_wan
                   - float(v.village_income_wan[v.village_town == town.index].sum())) <= tol * max(
            float(v.village_income_wan.sum()), 1.0)
    for name in ("population_wan", "farmland_mu", "citrus_mu", "idle_land_mu", "usable_land_mu",
                 "programme_land_mu", "free_land_mu", "standard", "enterprise_capital_yi",
                 "tourism_capital_yi", "village_income_wan"):
        a = getattr(v, name)
        assert np.all(np.isfinite(a)) and np.all(a >= -eps), f"village {name} invalid"
    # land: orchards within farmland; farmland and orchards above their protected floors;
    # each town's farmland, collective land, industrial land at its node and its parks within
    # its area
    assert np.all(v.citrus_mu <= v.farmland_mu + eps), "orchards exceed farmland"
    assert np.all(v.farmland_mu >= v.protected_farmland_mu - eps), "protected farmland taken"
    assert np.all(v.farmland_mu - v.citrus_mu >= v.protected_fields_mu - eps), \
        "orchards planted on protected farmland"
    assert np.all(v.citrus_mu >= np.minimum(v.protected_citrus_mu, v.farmland_mu) - eps), \
        "protected orchards lost"
    f = m.firms
    node_land = (tl.free_land_mu + np.bincount(f.node[f.alive], weights=f.land_mu[f.alive],
                                                minlength=m.n_int))
    waiting = np.zeros(m.n_int)
    for pr in m.attraction.pipeline:
        waiting[pr["node"]] += pr["land_mu"]
    node_land = node_land + waiting
    parks_area = np.bincount(m.node_town[nt:], weights=m.park_area_mu, minlength=nt)
    used = (v.town_sum(v.farmland_mu) + v.town_sum(v.construction_land_mu) + node_land[:nt]
            + parks_area)
    assert np.all(used <= v.town_area_mu + eps), "a town's land use exceeds its area"
    assert np.all(v.quota_used_mu + v.quota_industrial_mu
                  <= m.p.land.construction_quota_mu * v.town_area_mu / v.town_area_mu.sum()
                  + eps), "construction-land quota exceeded"
