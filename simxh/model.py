"""XinhuiModel: towns, parks and firms on the network, with the plan's policy levers.

The model is an orchestrator: the processes (:mod:`simxh.processes`) own their state and
parameters, and ``step()`` calls them in a fixed order. One step is one year:

1. the levers' calendar: pairing ties form, integration starts (``cooperation``);
2. shared fields from last year's state: market access, agglomeration, outside demand
   (``network``), then the firms' fields (wages, labour tightness, multipliers);
3. firms: renovate, productivity, invest, hire, produce, exit, certify (``industry``,
   :func:`simxh.firms.step_firms`);
4. entry: attracted projects whose approval delay has elapsed start producing
   (``attraction``), small firms are born (``industry``); new projects arrive and choose a
   location (``attraction``);
5. towns: agriculture (the 陈皮 chain: ``chenpi``), the non-firm secondary sector, services, employment, population, land
   renewal, then the towns' aggregates (``towns_labour``);
6. the budget: revenue, sharing, lever costs, infrastructure, public capital (``finance``,
   ``infrastructure``, the rural programmes' items); villages: programmes, standards, land,
   orchards, collective income (``villages``);
7. data collection (reporters: :mod:`simxh.reporters`); a value that is NaN or infinite
   stops the run with :class:`simxh.errors.NonFiniteOutput` (:mod:`simxh.guards`).

All values are real (prices of the base year, ``run.start_year``: 2023 by default); size
thresholds and nominal figures use the macro path's price indices (``simxh.macro``). Randomness
comes only from named streams (``simxh.rng.Streams``), so a lever that draws does not change
anyone else's draws.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import mesa
import numpy as np

from simxh.agents import Government, Park, Town, Village
from simxh.calibration import MODEL_SECTIONS, calibrate, model_section
from simxh.config import coerce_config
from simxh.guards import check_year
from simxh.posterior import apply_posterior
from simxh.processes.attraction import Attraction
from simxh.processes.chenpi import Chenpi
from simxh.processes.cooperation import Cooperation
from simxh.processes.finance import PublicFinance
from simxh.processes.industry import Industry
from simxh.processes.infrastructure import Infrastructure
from simxh.processes.network import Network
from simxh.processes.outside import OutsideWorld
from simxh.processes.towns import TownsLabour
from simxh.processes.villages import Villages
from simxh.region import Region, build_region
from simxh.reporters import (  # noqa: F401 - re-exported: the reporter names' long-standing home
    DISTRICT_REPORTERS,
    LEVER_SPEND_ITEMS,
    REPORTER_ALIASES,
    TOWN_REPORTER_PREFIX,
    TOWN_REPORTERS,
    Collector,
    DistrictMetrics,
    check_accounts,
)
from simxh.rng import Streams

LEVER_KEYWORDS = {
    "integration": "integration.enabled", "pairing": "pairing.enabled",
    "infrastructure": "infrastructure.enabled", "tech_renovation": "tech_renovation.enabled",
    "attraction_effort": "attraction.effort", "tfp_frontier_share": "firms.tfp_frontier_share",
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


class _Params:
    """The model's config sections by name (``p.firms``, ``p.fiscal``, ...)."""

    def __init__(self, config: Any) -> None:
        for name in MODEL_SECTIONS:
            setattr(self, name, model_section(config, name))

    if TYPE_CHECKING:  # the sections are set by name above
        def __getattr__(self, name: str) -> Any: ...



class XinhuiModel(DistrictMetrics, mesa.Model):
    """The Xinhui district economy: 11 towns, the parks and a few thousand firm agents.

    ``XinhuiModel()`` runs the baseline. ``config`` may be a Config, a TOML path or None;
    ``overrides`` are dotted keys; ``seed`` (or Mesa's ``rng``, an int) seeds every named stream.
    ``model.firms.view(i)`` shows one firm; ``model.datacollector`` has the district metrics and
    the Town agents' rows. ``running`` turns False after ``run.end_year``. The processes are
    attributes (``model.towns_labour``, ``model.finance``, ...); their state is also readable
    under its name on the model (``model.population_wan``, see :data:`simxh.reporters.STATE_VIEWS`).
    """

    def __init__(self, config: Any = None, *, seed: int | None = None, rng: Any = None,
                 overrides: Any = None, region: Region | None = None,
                 label: str = "", replication: int | None = None, integration: bool | None = None,
                 pairing: bool | None = None, infrastructure: bool | None = None,
                 tech_renovation: bool | None = None, attraction_effort: float | None = None,
                 tfp_frontier_share: float | None = None, end_year: int | None = None) -> None:
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
                attraction_effort=attraction_effort, tfp_frontier_share=tfp_frontier_share, end_year=end_year)),
            self.streams.get("posterior"), replication)
        self.p = _Params(self.config)
        self.label = label
        self.replication = 0 if replication is None else replication
        self.base_year = int(self.config.run.start_year)
        self.year = self.base_year
        self.end_year = int(self.config.run.end_year)
        self.year_stats: dict[str, float] = {}
        self.region = (region if region is not None else build_region(self.config)).copy()
        self._setup()
        self.datacollector = Collector(
            model_reporters={"year": "year", **{name: REPORTER_ALIASES.get(name, name)
                                                for name in DISTRICT_REPORTERS}},
            agenttype_reporters={Town: {"town": "town_id", **{
                TOWN_REPORTER_PREFIX + name: name for name in TOWN_REPORTERS}}},
        )
        self.datacollector.collect(self)
        self.collected_years = [self.year]
        self.village_records = [self.villages.record()]
        check_year(self)  # a NaN or infinite value stops the run (NonFiniteOutput)

    # ------------------------------------------------------------------------------ set-up
    def _setup(self) -> None:
        """The calibrated base year: the region's indices, the processes, the agents, then the
        base-year fields, budget, pipeline and investment that later years are measured by."""
        r = self.region
        parks = r.data.parks
        self.nt = len(r.town_ids)
        self.n_int = self.nt + len(r.park_ids)
        self.base = calibrate(r, self.config, self.streams.get("calibration"))
        self.firms = self.base.firms
        self.sector_ids = self.firms.sector_ids
        self.ns = len(self.sector_ids)
        self.town_zone = self.base.zone_of_town
        self.zone_ids = self.base.zone_ids
        host = np.array([r.town_ids.index(h) for h in parks["host_town"]], dtype=np.int64)
        self.node_town = np.concatenate([np.arange(self.nt), host])
        self.node_zone = self.town_zone[self.node_town]
        self.park_area_mu = parks["area_mu"].astype(float).to_numpy()

        # processes (each owns its state; the order of construction is the order of reading)
        self.outside = OutsideWorld(self)
        self.attraction = Attraction(self)
        self.industry = Industry(self, self.firms)
        self.towns_labour = TownsLabour(self)
        self.network = Network(self)
        self.finance = PublicFinance(self)
        self.infrastructure = Infrastructure(self)
        self.villages = Villages(self)
        self.chenpi = Chenpi(self)
        self.cooperation = Cooperation(self)

        # agents
        self.towns = [Town(self, i, t, self.zone_ids[self.town_zone[i]])
                      for i, t in enumerate(r.town_ids)]
        self.parks = [Park(self, self.nt + k, pid, int(host[k]), tuple(lead))
                      for k, (pid, lead) in enumerate(zip(r.park_ids, parks["lead_sectors"]))]
        self.government = Government(self)
        self.village_agents = [Village(self, i, vid) for i, vid in enumerate(self.villages.village_ids)]

        # base-year shared fields and normalisations
        tl = self.towns_labour
        tl.aggregate()
        self.villages.set_base()
        self.network.update()
        self.network.set_base()
        tl.set_base_labour()
        tl.town_accessibility = self.network.town_accessibility()
        self.finance.set_base()
        self.attraction.fill_pipeline(self.p.attraction.pipeline_years)
        tl.set_base_investment()
        self.industry.base_year_renovations()
        self.industry.set_base_certification()
        self.industry.set_base_technology()

    # ------------------------------------------------------------------------------ step
    def step(self) -> None:
        """Advance one year: the processes in the order of the module docstring."""
        if self.year >= self.end_year:
            self.running = False
            return
        self.year += 1
        self.year_stats = {}
        self.cooperation.start_year(self.year)
        self.network.update()
        self.industry.step()
        self.industry.enter()
        self.attraction.arrive()
        self.towns_labour.update()
        self.towns_labour.aggregate()
        self.finance.tax_revenue()
        self.finance.budget()
        self.villages.update()
        self.datacollector.collect(self)
        self.collected_years.append(self.year)
        self.village_records.append(self.villages.record())
        check_year(self)
        if self.year >= self.end_year:
            self.running = False

    def run(self) -> None:
        """Step until the end year."""
        while self.running and self.year < self.end_year:
            self.step()
        self.running = False

    def check_accounts(self, tol: float = 1e-6) -> None:
        """Raise AssertionError if an accounting identity fails (used by the tests)."""
        check_accounts(self, tol)
