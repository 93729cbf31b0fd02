"""The calibrated base-year (2023) state, derived from the region data and the config.

District totals are official (2023 statistical bulletin): GDP 1011.25亿 split 72.09 / 511.27 /
427.89 and employment 57.47万 (4.07 / 16.72 / 36.68). Town values are not published: they are
**derived** from proxies so that they sum exactly to the district:

* primary: rural land (area × village share of the town's villages and communities, minus park land);
  the citrus (新会柑/陈皮) part leans on the towns whose specialities include it;
* secondary: the zones' 2025 规上 output targets (reported) split across a zone's towns by developed
  park land plus a population term; the part not covered by firm agents (construction, micro firms)
  follows population and industry;
* tertiary: the services rule of the model (income and population) with one coefficient;
* employment: each sector's district total split by the town's value added in that sector.

Firm agents are drawn from a Pareto size law (Axtell 2001) and placed on the nodes (parks and towns)
so that each town's firm value added is exact. Productivity is the residual (Solow). The tax
collection factor is calibrated so that revenue equals the 2023 figure in ``district.csv`` (an
**assumed** figure). Everything here happens once, before the first step.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from simxh.config import SECTIONS
from simxh.economics import firm_dynamics as fd
from simxh.economics import production as prod
from simxh.economics import public, rural
from simxh.economics.sectors import resident_income, services_value_added
from simxh.errors import ConfigError, DataError
from simxh.firms import Firms
from simxh.numeric import median, quantiles

BASE_YEAR = 2023
MODEL_SECTIONS = ("firms", "production", "labour", "economy", "land", "fiscal", "villages",
                  "chenpi", "rural", "macro", "estimation", "attraction", "integration", "pairing", "infrastructure",
                  "tech_renovation")
"""The config sections the model reads (declared in ``simxh/config.py``)."""
MU_PER_KM2 = 1500.0
NON_PARK_INDUSTRY_MU_PER_PERSON = 0.05  # assumed weight of industry outside parks, per resident
MAX_FIRM_SHARE = 0.05  # cap on one firm's share of total firm output (assumed)
CHAIN_CARVE_CAP = 0.5  # the 陈皮 chain's part of a town's residual secondary or tertiary, at most

# The weights of the base-year calibration below are modelling assumptions: no source gives
# them. They only distribute district totals that are official (or sector mixes and counts that
# are reported) across towns, parks, firms and villages, so the totals do not depend on them;
# the audit (``simxh audit``) and the calibration report check the spread they give. Each
# value is kept exactly as it has been since the calibration was written (a change would move
# every golden run).
PARK_LEAD_SECTOR_WEIGHT = 0.7
"""A park's sector mix: weight on its own lead sectors (``parks.csv``, reported), the rest on
its host town's speciality mix (:data:`PARK_HOST_TOWN_SECTOR_WEIGHT`). Assumed: parks are
planned around their lead sectors but host other firms of the town."""
PARK_HOST_TOWN_SECTOR_WEIGHT = 0.3
"""A park's sector mix: weight on the host town's speciality mix (1 − 0.7, written out so the
sum is the same float as ever). Assumed."""
CITRUS_MAX_SHARE_OF_PRIMARY = 0.9
"""Citrus (新会柑/陈皮) at most this share of a town's primary value added: every town keeps some
other farming and fishing. Assumed."""
RESIDUAL_POPULATION_WEIGHT = 0.5
"""The secondary residual (construction, micro firms: ``economy.residual_secondary_share``) split
across towns: weight on the town's population share (construction and small workshops follow
people). Assumed, half and half with :data:`RESIDUAL_INDUSTRY_WEIGHT`."""
RESIDUAL_INDUSTRY_WEIGHT = 0.5
"""The secondary residual's weight on the town's share of firm value added (suppliers follow
industry). Assumed."""
HIGHTECH_SIZE_WEIGHT = 0.5
"""High-tech firms in 2023: the ``firms.hightech_initial`` firms with the highest score
log A + 0.5·log(output) + 0.5·[pillar or emerging sector] + 0.3·noise. Weight on log output
(larger firms hold more certified high-tech firms). Assumed."""
HIGHTECH_SECTOR_WEIGHT = 0.5
"""The high-tech score's bonus for a pillar or emerging sector (``sectors.csv``). Assumed."""
HIGHTECH_NOISE_SCALE = 0.3
"""The high-tech score's standard normal noise (certification is not only productivity and
size). Assumed."""
LITTLE_GIANT_OUTPUT_YI = (1.0, 40.0)
"""Little giants (专精特新) in 2023: the most productive high-tech firms with output in this range
(亿元, inclusive): the programme is for small and medium firms. Assumed from its size criteria."""
VILLAGE_RANK_GDP_WEIGHT = 0.5
"""Which village gets which quantile of the collective-income distribution: rank by a standard
normal draw plus 0.5·log(town GDP per head / mean): richer towns' villages tend to earn more.
Assumed."""
INITIAL_AGE_EXIT_PROBABILITY = 0.1
"""Firm ages at the start of the spin-up: geometric with this yearly probability (mean about 9
years), minus 1. Assumed; the base year's ages are the spin-up's (its survivors aged, its births
young), birth years follow, and land renewal reads them (``land.renewal_min_age_years``)."""
MAX_INITIAL_AGE_YEARS = 60
"""Firm ages in 2023 at most this (the oldest firms date from the 1960s). Assumed."""
VA_RATIO_BRACKET = (0.02, 0.95)
"""The bisection bracket of :func:`solve_value_added_ratio` (value added over output): wide
enough for any manufacturing sector (numerical, not behavioural)."""


def model_section(config: Any, name: str) -> Any:
    """The section ``name`` of ``config`` (its defaults if ``config`` is None)."""
    if config is None:
        return SECTIONS[name]()
    return getattr(config, name)


def district_value(data: Any, key: str, year: int = BASE_YEAR) -> float:
    """A value from ``district.csv`` for ``key`` and ``year`` (DataError if missing)."""
    values = district_values(data, year)
    if key not in values:
        raise DataError("missing district figure", file="district.csv", key=f"{key} ({year})",
                        expected="a row with this key and year")
    return values[key]


def district_values(data: Any, year: int = BASE_YEAR) -> dict[str, float]:
    """All ``district.csv`` figures of ``year`` as {key: value} (first row of a key wins)."""
    df = data.district
    # select the two columns needed, not the whole table (its text columns are the costly part)
    match = (pd.to_numeric(df["year"], errors="coerce") == year).to_numpy(dtype=bool,
                                                                          na_value=False)
    out: dict[str, float] = {}
    for key, value in zip(df["key"].to_numpy()[match], df["value"].to_numpy()[match],
                          strict=True):
        out.setdefault(str(key), float(value))
    return out


BASE_KEYS = (
    "gdp_yi", "gdp_primary_yi", "gdp_secondary_yi", "gdp_tertiary_yi", "employment_wan",
    "employment_primary_wan", "employment_secondary_wan", "employment_tertiary_wan",
    "population_wan", "fiscal_revenue_yi", "industrial_output_above_scale_yi",
    "hightech_firms", "village_collective_income_yi", "gdp_growth_pct", "chenpi_output_yi")
"""The district figures a base state is calibrated to."""
_SECTORS = ("primary", "secondary", "tertiary")
_GDP_SCALED = ("fiscal_revenue_yi", "industrial_output_above_scale_yi", "hightech_firms",
               "village_collective_income_yi", "chenpi_output_yi")


def _by_year(data: Any) -> dict[str, dict[int, tuple[float, str]]]:
    """district.csv as {key: {year: (value, status)}} (rows without a year left out)."""
    df = data.district
    out: dict[str, dict[int, tuple[float, str]]] = {}
    years = pd.to_numeric(df["year"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    for key, value, year, status in zip(df["key"], df["value"], years, df["status"], strict=True):
        if np.isfinite(year):
            out.setdefault(str(key), {})[int(year)] = (float(value), str(status))
    return out


def _nearest(series: dict[int, Any], year: int) -> int | None:
    return min(series, key=lambda y: (abs(y - year), -y)) if series else None


def nominal_gdp(data: Any, year: int) -> tuple[float, str]:
    """District GDP (亿元, current prices) in ``year``: the figure, or a geometric interpolation
    between the nearest years before and after (``derived``)."""
    gdp = _by_year(data).get("gdp_yi", {})
    if year in gdp:
        return gdp[year]
    before = [y for y in gdp if y < year]
    after = [y for y in gdp if y > year]
    if not before or not after:
        raise DataError("no district GDP around the base year", file="district.csv",
                        key=f"gdp_yi ({year})",
                        expected="a gdp_yi row for that year, or rows before and after it")
    y0, y1 = max(before), min(after)
    v0, v1 = gdp[y0][0], gdp[y1][0]
    return v0 * (v1 / v0) ** ((year - y0) / (y1 - y0)), "derived"


def base_figures(data: Any, year: int) -> tuple[dict[str, float], dict[str, str]]:
    """The district figures of ``year`` the base state is calibrated to, with their status.

    A figure the data lack for that year is carried from the nearest year that has it and
    marked ``derived`` (``assumed`` if the carried figure was): sector shares of GDP and of
    employment are kept, employment follows the population (jobs per resident kept), and
    revenue, 规上 output, high-tech firms and village income follow nominal GDP. Each note says
    which year the figure came from.
    """
    rows = _by_year(data)
    values: dict[str, float] = {}
    status: dict[str, str] = {}
    gdp, gdp_status = nominal_gdp(data, year)
    values["gdp_yi"], status["gdp_yi"] = gdp, gdp_status

    def carried(st: str) -> str:
        return "assumed" if st == "assumed" else "derived"

    # sector split: levels of that year, else the nearest year's shares (levels or share_pct)
    share_years: dict[int, tuple[list[float], str]] = {}
    for y in set().union(*(rows.get(f"gdp_{s}_yi", {}) for s in _SECTORS)):
        levels: list[Any] = [rows.get(f"gdp_{s}_yi", {}).get(y) for s in _SECTORS]
        if all(levels):
            total = sum(v for v, _ in levels)
            share_years[y] = ([v / total for v, _ in levels], levels[0][1])
    for y in set().union(*(rows.get(f"gdp_{s}_share_pct", {}) for s in _SECTORS)):
        shares: list[Any] = [rows.get(f"gdp_{s}_share_pct", {}).get(y) for s in _SECTORS]
        if all(shares) and y not in share_years:
            total = sum(v for v, _ in shares)
            share_years[y] = ([v / total for v, _ in shares], shares[0][1])
    y_s = _nearest(share_years, year)
    if y_s is None:
        raise DataError("no sector split of GDP", file="district.csv", key="gdp_primary_yi",
                        expected="gdp_primary_yi/_secondary_yi/_tertiary_yi for some year")
    for s, share in zip(_SECTORS, share_years[y_s][0], strict=True):
        values[f"gdp_{s}_yi"] = gdp * share
        status[f"gdp_{s}_yi"] = share_years[y_s][1] if y_s == year else "derived"

    def level(key: str) -> tuple[float, str, int]:
        series = rows.get(key, {})
        y = _nearest(series, year)
        if y is None:
            raise DataError("missing district figure", file="district.csv", key=key,
                            expected="a row with this key for some year")
        value, st = series[y]
        return value, (st if y == year else carried(st)), y

    pop, status["population_wan"], _ = level("population_wan")
    values["population_wan"] = pop
    emp, st, y_e = level("employment_wan")
    if y_e != year:
        pop_e = level_at(rows, "population_wan", y_e) or pop
        emp = emp * pop / pop_e
    values["employment_wan"], status["employment_wan"] = emp, st
    sec = {s: rows.get(f"employment_{s}_wan", {}) for s in _SECTORS}
    years_e = [y for y in sec["primary"] if all(y in sec[s] for s in _SECTORS)]
    y_se = min(years_e, key=lambda y: (abs(y - year), -y)) if years_e else None
    if y_se is None:
        raise DataError("no sector split of employment", file="district.csv",
                        key="employment_primary_wan", expected="employment by sector for some year")
    total_e = sum(sec[s][y_se][0] for s in _SECTORS)
    for s in _SECTORS:
        values[f"employment_{s}_wan"] = emp * sec[s][y_se][0] / total_e
        status[f"employment_{s}_wan"] = sec[s][y_se][1] if y_se == year == y_e else "derived"
    for key in _GDP_SCALED:
        value, st, y = level(key)
        if y != year:
            value *= gdp / nominal_gdp(data, y)[0]
        values[key], status[key] = value, st
    growth = rows.get("gdp_growth_pct", {}).get(year)
    values["gdp_growth_pct"] = growth[0] if growth else float("nan")
    status["gdp_growth_pct"] = growth[1] if growth else "missing"
    return values, status


def level_at(rows: dict[str, dict[int, tuple[float, str]]], key: str, year: int
             ) -> float | None:
    hit = rows.get(key, {}).get(year)
    return hit[0] if hit else None


@dataclass
class BaseState:
    """Everything the model starts from (arrays over towns, nodes, firms, villages)."""

    town_ids: tuple[str, ...]
    zone_of_town: np.ndarray            # zone index per town
    zone_ids: tuple[str, ...]
    population_wan: np.ndarray
    citrus_yi: np.ndarray
    other_primary_yi: np.ndarray
    residual_secondary_yi: np.ndarray
    tertiary_yi: np.ndarray
    services_coefficient: np.ndarray
    employment_primary_wan: np.ndarray
    employment_residual_wan: np.ndarray
    employment_tertiary_wan: np.ndarray
    public_capital_yi: np.ndarray
    free_land_mu: np.ndarray            # per internal node (towns, then parks)
    firms: Firms
    wage_wan: float                     # calibrated unit labour cost per worker (万元)
    value_added_ratio: float            # calibrated VA / gross output of firms
    tax_collection_factor: float
    village_town: np.ndarray
    village_income_wan: np.ndarray
    village_beautiful: np.ndarray
    village_is_village: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    village_population_wan: np.ndarray = field(default_factory=lambda: np.zeros(0))
    village_farmland_mu: np.ndarray = field(default_factory=lambda: np.zeros(0))
    village_citrus_mu: np.ndarray = field(default_factory=lambda: np.zeros(0))
    village_construction_mu: np.ndarray = field(default_factory=lambda: np.zeros(0))
    village_ids: tuple[str, ...] = ()
    entrant_centre_la: float = 0.0      # born firms' mean log TFP in the base year (spin_up)
    town_area_mu: np.ndarray = field(default_factory=lambda: np.zeros(0))
    chenpi_processing_yi: np.ndarray = field(default_factory=lambda: np.zeros(0))
    chenpi_services_yi: np.ndarray = field(default_factory=lambda: np.zeros(0))
    targets: dict[str, float] = field(default_factory=dict)
    target_status: dict[str, str] = field(default_factory=dict)
    base_year: int = BASE_YEAR
    errors: dict[str, float] = field(default_factory=dict)


def _town_weights_secondary(data: Any, population: np.ndarray) -> np.ndarray:
    towns, parks, zones = data.towns, data.parks, data.zones
    developed = (parks["area_mu"].astype(float) * parks["developed_share"].astype(float))
    dev_by_town = developed.groupby(parks["host_town"]).sum().reindex(towns.index).fillna(0.0)
    w = dev_by_town.to_numpy() + NON_PARK_INDUSTRY_MU_PER_PERSON * population * 1e4
    zone_target = zones["target_2025_industrial_output_yi"].astype(float)
    out = np.zeros(len(towns))
    town_zone = towns["zone"].to_numpy()
    for zone, target in zone_target.items():
        members = town_zone == zone
        if members.any():
            out[members] = target * w[members] / w[members].sum()
    return out / out.sum()


def _node_targets(data: Any, town_firm_va: np.ndarray, population: np.ndarray,
                  town_index: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """Firm VA per internal node (towns then parks) and each node's town index."""
    towns, parks = data.towns, data.parks
    developed = (parks["area_mu"].astype(float) * parks["developed_share"].astype(float)).to_numpy()
    host = np.array([town_index[h] for h in parks["host_town"]])
    town_w = NON_PARK_INDUSTRY_MU_PER_PERSON * population * 1e4
    total_w = town_w + np.bincount(host, weights=developed, minlength=len(towns))
    node_town = np.concatenate([np.arange(len(towns)), host])
    node_w = np.concatenate([town_w, developed])
    node_va = town_firm_va[node_town] * node_w / total_w[node_town]
    return node_va, node_town


def _sector_probabilities(data: Any, sector_ids: tuple[str, ...], node_town: np.ndarray,
                          n_towns: int) -> np.ndarray:
    """Sector probabilities per internal node: town specialities, and a park's lead sectors."""
    sidx = {s: i for i, s in enumerate(sector_ids)}
    town_p = np.zeros((n_towns, len(sector_ids)))
    tindex = {t: i for i, t in enumerate(data.towns.index)}
    # plain iteration over the columns (itertuples/iterrows build a class or a Series per call
    # or row; the values and their order are the same)
    ts = data.town_sectors
    for town, sector, weight in zip(ts["town"], ts["sector"], ts["weight"], strict=True):
        town_p[tindex[town], sidx[sector]] += float(weight)
    town_p /= np.maximum(town_p.sum(axis=1, keepdims=True), 1e-12)
    probs = [town_p[t] for t in range(n_towns)]
    for k, park_lead in enumerate(data.parks["lead_sectors"]):
        lead = np.zeros(len(sector_ids))
        for s in park_lead:
            lead[sidx[s]] = 1.0
        lead /= max(lead.sum(), 1.0)
        probs.append(PARK_LEAD_SECTOR_WEIGHT * lead
                     + PARK_HOST_TOWN_SECTOR_WEIGHT * town_p[node_town[n_towns + k]])
    return np.array(probs)


def place_firms(size: np.ndarray, node_va: np.ndarray, rng: np.random.Generator,
                n_sequential: int = 300) -> np.ndarray:
    """Assign firms to nodes so each node's share of total size is close to its share of VA.

    The largest firms go first, one by one, each to a node drawn in proportion to the node's
    remaining room; the rest are drawn in proportion to the room left after them. Every node with
    a positive target gets at least one firm.
    """
    n = len(size)
    target = node_va / node_va.sum() * size.sum()
    order = np.argsort(-size, kind="stable")
    node = np.empty(n, dtype=np.int64)
    room = target.copy()
    k = min(n_sequential, n)
    u = rng.random(k)
    # a loop of a few hundred steps over a few dozen nodes: array methods (no dispatch
    # wrappers) and each sum taken once; the arithmetic is unchanged
    last = len(room) - 1
    add = np.add.reduce  # ndarray.sum without its Python wrapper (the same reduction)
    size_l, u_l = size.tolist(), u.tolist()  # the same values as Python floats
    for rank, i in enumerate(order[:k].tolist()):
        w = np.maximum(room, 0.0)
        total = add(w)
        w = w / total if total > 0 else target / add(target)
        j = min(int(w.cumsum().searchsorted(u_l[rank] * add(w), side="right")), last)
        node[i] = j
        room[j] -= size_l[i]
    rest = order[k:]
    if len(rest):
        w = np.maximum(room, 0.0) + 1e-9 * target
        cum = np.cumsum(w / w.sum())
        node[rest] = np.minimum(np.searchsorted(cum, rng.random(len(rest)), side="right"),
                                len(w) - 1)
    counts = np.bincount(node, minlength=len(node_va))
    for j in np.flatnonzero((counts == 0) & (node_va > 0)):  # type: ignore[assignment]  # give empty nodes a small firm
        donors = np.flatnonzero(np.bincount(node, minlength=len(node_va))[node] > 1)
        i = donors[np.argmin(size[donors])]
        node[i] = j
    return node


def draw_firms(n: int, node_va: np.ndarray, node_town: np.ndarray, sector_p: np.ndarray,
               cfg_firms: Any, rng: np.random.Generator, wage_wan: float,
               base_year: int = BASE_YEAR) -> tuple[Firms, float, float]:
    """Draw ``n`` firm agents: Pareto sizes, placed on nodes, spun up (:func:`spin_up`) and put
    back so each node's VA is exact. Returns the firms, the total VA and the born firms' centre
    of log TFP in the base year's units (:attr:`BaseState.entrant_centre_la`)."""
    total_va = node_va.sum()
    u = rng.random(n)
    size = cfg_firms.min_output_yi * u ** (-1.0 / cfg_firms.size_tail_exponent)
    size = np.minimum(size, MAX_FIRM_SHARE * size.sum())
    node = place_firms(size, node_va, rng)
    raw_by_node = np.bincount(node, weights=size, minlength=len(node_va))
    va = size * node_va[node] / raw_by_node[node]
    cum_p = np.cumsum(sector_p, axis=1)
    sector = (rng.random(n)[:, None] > cum_p[node]).sum(axis=1)
    sector = np.minimum(sector, sector_p.shape[1] - 1)
    # every firm starts at its optimal inputs (capital at its desired level, labour where its
    # marginal revenue product is the wage), so differences in size are differences in
    # productivity (size ∝ A^(φ/(1−φ))) and nothing is misallocated at the start
    alpha, phi = cfg_firms.capital_share, cfg_firms.returns_to_scale
    capital = cfg_firms.capital_output_ratio * va
    employment = fd.labour_demand(va, wage_wan, alpha, phi)
    log_a = np.log(prod.productivity_for_value_added(va, capital, employment, alpha, phi))
    # spin-up: productivity shocks move ahead of capital and labour, and exit selects while
    # born firms replace the exits, so the firms' joint distribution of (A, K, L) is the firm
    # process's own stationary one, not an aligned one that the first simulated years would
    # unwind (firm size is convex in A, so the shocks' spread raises the mean: Jensen; exit
    # removes the small and unproductive). Then each node's value added is put back on its target
    # with one factor for all its firms, applied to value added, capital and labour alike (so
    # every firm keeps its spun-up position relative to its optimum: a labour factor different
    # from the capital one would move the firm off it, by φ(1−α)/(1−φ) times the gap in logs),
    # and labour then back on its total with one small district factor.
    labour_total = employment.sum()
    age = np.minimum(rng.geometric(INITIAL_AGE_EXIT_PROBABILITY, n) - 1, MAX_INITIAL_AGE_YEARS)
    spun = spin_up(log_a, capital, employment, age, cfg_firms, wage_wan, rng)
    log_a, capital, employment = spun.log_a, spun.capital, spun.employment
    transitory = log_a - spun.mean_a
    va_spin = prod.cobb_douglas_value_added(np.exp(log_a), capital, employment, alpha, phi)
    by_node = np.bincount(node, weights=va_spin, minlength=len(node_va))
    factor = np.divide(node_va, by_node, out=np.ones_like(node_va), where=by_node > 0)
    va = va_spin * factor[node]
    capital = capital * factor[node]
    employment = employment * factor[node]
    employment = employment * labour_total / employment.sum()
    firms = Firms(n)
    firms.sector[:] = sector
    firms.node[:] = node
    firms.town[:] = node_town[node]
    firms.value_added_yi[:] = va
    firms.capital_yi[:] = capital
    firms.employment_wan[:] = employment
    firms.log_productivity[:] = np.log(prod.productivity_for_value_added(va, capital, employment,
                                                                         alpha, phi))
    firms.log_productivity_mean[:] = firms.log_productivity - transitory
    firms.age_years[:] = np.minimum(spun.age, MAX_INITIAL_AGE_YEARS)
    firms.birth_year[:] = base_year - firms.age_years
    firms.alive[:] = True
    # the born firms' centre in the base year's units: the spin-up's, moved as its median firm
    # was by the node factors
    centre = spun.entrant_centre + float(median(firms.log_productivity) - median(log_a))
    return firms, float(total_va), centre


SPIN_UP_YEARS = 25
"""Years of firm dynamics run before the base year: enough for the selection of exit to reach
its stationary mix (the small firms turn over in about 10 years, the large in several decades;
the zero-driver drift of 2024–2060 is measured in ``docs/audit/``)."""


@dataclass(frozen=True)
class SpunUp:
    """The firms after :func:`spin_up` (arrays over the firms' slots) and the born firms'
    centre of log TFP."""

    log_a: np.ndarray
    mean_a: np.ndarray
    capital: np.ndarray
    employment: np.ndarray
    age: np.ndarray
    entrant_centre: float


def spin_up(log_a: np.ndarray, capital: np.ndarray, employment: np.ndarray, age: np.ndarray,
            cfg_firms: Any, wage_wan: float, rng: np.random.Generator,
            years: int = SPIN_UP_YEARS) -> SpunUp:
    """The firm process of :func:`simxh.firms.step_firms` and of the model's births, run for
    ``years`` with no drift, no outside growth and a fixed wage: productivity, investment toward
    desired capital, hiring, exit at the model's hazard (falling with size and productivity
    relative to the median firm, doubled for the young) and birth.

    Each firm that exits is replaced in its slot (node and sector) by a born firm drawn by the
    model's rule (:meth:`simxh.processes.industry.Industry.enter`): log TFP around a fixed
    centre (the first draw's median less ``firms.entrant_productivity_gap``) with
    ``firms.entrant_productivity_sd``, value added near the ``firms.entrant_size_quantile`` of
    the incumbents', at its desired capital and labour. So the base-year firms are the
    stationary mix of the whole process, selection included, and the model's born firms, drawn
    around the same centre (moved by the technology's advance), keep that mix in a world with
    no drivers (Hopenhayn 1992: the incumbents' distribution is the entrants' one selected by
    exit). Without exit here, the first decades of every run selected the base-year firms (part
    of the drift of issue 19's world with no drivers; the rest was the pool's double
    replacement, :func:`simxh.economics.growth.investment_flow_scale`).
    """
    alpha, phi = cfg_firms.capital_share, cfg_firms.returns_to_scale
    c = cfg_firms.capital_output_ratio
    user_cost = phi * alpha / c
    n = len(log_a)
    mean_a = log_a.copy()  # each firm's long-run level
    log_a, capital, employment, age = (log_a.copy(), capital.copy(), employment.copy(),
                                       age.copy())
    centre = float(median(log_a)) - cfg_firms.entrant_productivity_gap
    # every year's shocks and exit draws in one call each (one stream, in order); the born
    # firms' draws as they are born
    shocks = rng.laplace(0.0, 1.0, (years, n))
    exit_u = rng.random((years, n))
    va = prod.cobb_douglas_value_added_log(log_a, capital, employment, alpha, phi)
    for year in range(years):
        log_a = fd.productivity_growth(log_a, 0.0, cfg_firms.shock_scale, shocks[year], 0.0,
                                       mean_a, cfg_firms.mean_reversion)
        desired = fd.desired_capital(va, alpha, user_cost, phi)
        invest = fd.investment_to_target(capital, desired, cfg_firms.depreciation,
                                         cfg_firms.investment_speed,
                                         cfg_firms.reinvestment_share * alpha * va)
        capital = fd.capital_accumulation(capital, invest, cfg_firms.depreciation)
        employment = fd.partial_adjustment(
            employment, fd.labour_demand(va, wage_wan, alpha, phi), cfg_firms.hiring_speed)
        age += 1
        va = prod.cobb_douglas_value_added_log(log_a, capital, employment, alpha, phi)
        hazard = fd.exit_hazard_log(va, log_a, age, float(median(va)),
                                    float(np.exp(median(log_a))), cfg_firms.exit_base_rate,
                                    cfg_firms.exit_size_elasticity,
                                    cfg_firms.exit_productivity_elasticity,
                                    cfg_firms.young_exit_multiplier)
        out = np.flatnonzero(exit_u[year] < hazard)
        if len(out):
            z_a, z_size = rng.standard_normal((2, len(out)))
            va_born = (quantiles(va, [cfg_firms.entrant_size_quantile])[0]
                       * np.exp(np.abs(z_size) * cfg_firms.entrant_size_spread))
            mean_a[out] = log_a[out] = centre + cfg_firms.entrant_productivity_sd * z_a
            capital[out] = c * va_born
            employment[out] = fd.labour_demand(va_born, wage_wan, alpha, phi)
            age[out] = 0
            va[out] = prod.cobb_douglas_value_added_log(log_a[out], capital[out],
                                                        employment[out], alpha, phi)
    return SpunUp(log_a, mean_a, capital, employment, age, centre)


def solve_value_added_ratio(va: np.ndarray, output_target_yi: float, threshold_yi: float) -> float:
    """The VA/output ratio at which above-threshold firms' output sums to ``output_target_yi``."""
    lo, hi = VA_RATIO_BRACKET
    cand = va
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        out = cand / mid
        above = out >= threshold_yi
        total = out[above].sum()
        if total > output_target_yi:
            lo = mid
            # later ratios are all above this one, so only firms above the threshold now can
            # be above it then (division is monotone): the same firms, in the same order, are
            # summed at every later step, with the others left out
            cand = cand[above]
        else:
            hi = mid
    return 0.5 * (lo + hi)


@functools.lru_cache(maxsize=32)
def _village_income_quantiles(n: int, total: float, threshold: float, n_over: int) -> np.ndarray:
    """:func:`simxh.economics.rural.lognormal_quantile_incomes` (its incomes), computed once per
    set of figures (a bisection that depends on the data alone; read-only)."""
    incomes, _sigma = rural.lognormal_quantile_incomes(n, total, threshold, n_over)
    incomes.setflags(write=False)
    return incomes


def check_village_incomes(config: Any, data: Any) -> None:
    """Refuse (:class:`ConfigError`, one line) a reported count of villages over the income
    threshold that no lognormal of the villages' reported total can have: 0 or all of them,
    more than there are, or a threshold the total cannot reach (it raised ``ValueError`` in
    every run). Called by ``validate`` and ``run`` before any run
    (:func:`simxh.region.check_config_references`)."""
    vcfg = model_section(config, "villages")
    base_year = int(model_section(config, "run").start_year) if config is not None else BASE_YEAR
    n = int((data.villages["kind"] == "village").sum())
    try:
        total = base_figures(data, base_year)[0]["village_collective_income_yi"] * 1e4
    except (KeyError, DataError):
        return  # the data lack the figure: calibrate() reports it
    try:
        _village_income_quantiles(n, total, vcfg.income_over_threshold_wan,
                                  vcfg.villages_over_threshold)
    except ValueError:
        raise ConfigError(
            "no income distribution of the villages fits", file=getattr(config, "source_file",
                                                                          None),
            key="villages.villages_over_threshold", value=vcfg.villages_over_threshold,
            expected=f"between 1 and {n - 1} of the {n} villages over "
                     f"villages.income_over_threshold_wan = {vcfg.income_over_threshold_wan:g}"
                     f"万, a count that their {base_year} total ({total:.0f}万, mean "
                     f"{total / max(n, 1):.0f}万) allows") from None


@functools.lru_cache(maxsize=16)
def _base_inputs(data: Any, base_year: int, citrus_share: float, residual_share: float,
                 returns_to_scale: float, capital_share: float) -> tuple:
    """The part of the base year that depends only on the data files and these parameters,
    not on the run's random draws: computed once per data set and parameters (reading the
    data frames cost a fifth of a run). :func:`calibrate` copies what it keeps."""
    towns = data.towns
    town_ids = tuple(towns.index)
    nt = len(town_ids)
    tindex = {t: i for i, t in enumerate(town_ids)}

    tg, tg_status = base_figures(data, base_year)

    # population: the towns' figures (various years) scaled to the 2023 resident population
    pop_raw = towns["population"].astype(float).to_numpy()
    population = pop_raw / pop_raw.sum() * tg["population_wan"]

    # primary: rural land, with the citrus part leaning on citrus towns
    parks = data.parks
    park_km2 = (parks["area_mu"].astype(float) / MU_PER_KM2).groupby(parks["host_town"]).sum()
    park_km2 = park_km2.reindex(towns.index).fillna(0.0).to_numpy()
    units = (towns["villages"] + towns["communities"]).astype(float).to_numpy()
    rural_share = towns["villages"].astype(float).to_numpy() / units
    rural_km2 = np.maximum(towns["area_km2"].astype(float).to_numpy() - park_km2, 1.0) * rural_share
    primary = tg["gdp_primary_yi"] * rural_km2 / rural_km2.sum()
    # citrus: the towns' orchards (the sum of their villages', villages.csv)
    vil = data.villages
    orchards = np.bincount([tindex[t] for t in vil["town"]],
                           weights=vil["citrus_mu"].astype(float).to_numpy(), minlength=nt)
    citrus = citrus_share * tg["gdp_primary_yi"] * orchards / max(orchards.sum(), 1e-12)
    citrus = np.minimum(citrus, CITRUS_MAX_SHARE_OF_PRIMARY * primary)
    other_primary = primary - citrus

    # secondary: firm agents + residual (construction, micro firms)
    sec_share = _town_weights_secondary(data, population)
    firm_va_total = tg["gdp_secondary_yi"] * (1.0 - residual_share)
    town_firm_va = firm_va_total * sec_share
    residual_total = tg["gdp_secondary_yi"] - firm_va_total
    res_w = (RESIDUAL_POPULATION_WEIGHT * population / population.sum()
             + RESIDUAL_INDUSTRY_WEIGHT * sec_share)
    residual = residual_total * res_w

    emp_firm_total = tg["employment_secondary_wan"] * (1.0 - residual_share)
    wage = returns_to_scale * (1.0 - capital_share) * firm_va_total / emp_firm_total

    node_va, node_town = _node_targets(data, town_firm_va, population, tindex)
    sector_ids = tuple(data.sectors.index)
    sector_p = _sector_probabilities(data, sector_ids, node_town, nt)
    return (town_ids, nt, tg, tg_status, population, units, primary, citrus, other_primary,
            town_firm_va, residual, emp_firm_total, wage, node_va, node_town, sector_ids,
            sector_p)


@functools.lru_cache(maxsize=16)
def _data_arrays(data: Any, sector_ids: tuple[str, ...]) -> tuple:
    """Arrays :func:`calibrate` reads from the data frames alone (read-only; once per data
    set): per sector whether it is a pillar or emerging one, the parks' area and developed
    land (亩), the zone ids and each town's zone index."""
    group = data.sectors["group"].reindex(sector_ids).to_numpy()
    favoured = np.isin(group, ("pillar", "emerging"))
    parks = data.parks
    area = parks["area_mu"].astype(float).to_numpy()
    dev = area * parks["developed_share"].astype(float).to_numpy()
    zone_ids = tuple(data.zones.index)
    zindex = {z: i for i, z in enumerate(zone_ids)}
    zone_of_town = np.array([zindex[z] for z in data.towns["zone"]])
    for a in (favoured, area, dev, zone_of_town):
        a.setflags(write=False)
    return favoured, area, dev, zone_ids, zone_of_town


@functools.lru_cache(maxsize=16)
def _village_arrays(data: Any, town_ids: tuple[str, ...]) -> tuple:
    """The villages file's columns :func:`calibrate` reads, as arrays (read-only; once per data
    set: reading them from the data frame cost ~1.2 ms a run): each village's town index, whether
    it is an administrative village, its population, farmland, orchards and collective
    construction land, the village ids and the towns' areas (亩)."""
    vil = data.villages
    tindex = {t: i for i, t in enumerate(town_ids)}
    out = (np.array([tindex[t] for t in vil["town"]], dtype=np.int64),
           (vil["kind"] == "village").to_numpy(),
           vil["population"].astype(float).to_numpy(),
           vil["farmland_mu"].astype(float).to_numpy(),
           vil["citrus_mu"].astype(float).to_numpy(),
           vil["construction_land_mu"].astype(float).to_numpy(),
           data.towns["area_km2"].astype(float).to_numpy() * MU_PER_KM2)
    for a in out:
        a.setflags(write=False)
    return (*out, tuple(vil.index))


def _copied(values: tuple) -> tuple:
    """Fresh copies of the arrays and dicts in ``values`` (a cached result is never changed)."""
    return tuple(v.copy() if isinstance(v, np.ndarray | dict) else v for v in values)


def calibrate(region: Any, config: Any, rng: np.random.Generator) -> BaseState:
    """Build the base-year state (``run.start_year``) from ``region.data`` and ``config``
    using draws from ``rng``."""
    data = region.data
    fcfg = model_section(config, "firms")
    ecfg = model_section(config, "economy")
    lcfg = model_section(config, "land")
    pcfg = model_section(config, "production")
    fiscal = model_section(config, "fiscal")
    vcfg = model_section(config, "villages")
    base_year = int(model_section(config, "run").start_year) if config is not None else BASE_YEAR
    (town_ids, nt, tg, tg_status, population, units, primary, citrus, other_primary,
     town_firm_va, residual, emp_firm_total, wage, node_va, node_town, sector_ids,
     sector_p) = _copied(_base_inputs(data, base_year, ecfg.citrus_share_of_primary,
                                      ecfg.residual_secondary_share, fcfg.returns_to_scale,
                                      fcfg.capital_share))
    parks = data.parks
    firms, _, entrant_centre = draw_firms(fcfg.count, node_va, node_town, sector_p, fcfg, rng, wage, base_year)
    firms.sector_ids = sector_ids
    firms.node_ids = region.node_ids
    firms.town_ids = town_ids
    va_ratio = solve_value_added_ratio(firms.value_added_yi,
                                       tg["industrial_output_above_scale_yi"],
                                       fcfg.above_scale_threshold_yi)
    firms.output_yi[:] = firms.value_added_yi / va_ratio
    firms.above_scale[:] = fd.crosses_threshold(firms.output_yi, fcfg.above_scale_threshold_yi)
    # high-tech: the most productive firms of the larger ones, favouring pillar/emerging sectors
    favoured_sector, area, dev, zone_ids, zone_of_town = _data_arrays(data, sector_ids)
    favoured = favoured_sector[firms.sector]
    score = (firms.log_productivity + HIGHTECH_SIZE_WEIGHT * np.log(firms.output_yi)
             + HIGHTECH_SECTOR_WEIGHT * favoured
             + HIGHTECH_NOISE_SCALE * rng.standard_normal(len(firms)))
    n_ht = min(fcfg.hightech_initial, len(firms))
    firms.hightech[np.argsort(-score)[:n_ht]] = True
    # little giants (专精特新): the most productive mid-size high-tech firms
    lg_low, lg_high = LITTLE_GIANT_OUTPUT_YI
    mid_size = (firms.output_yi >= lg_low) & (firms.output_yi <= lg_high) & firms.hightech
    lg_score = np.where(mid_size, firms.log_productivity, -np.inf)
    n_lg = min(fcfg.little_giants_initial, int(mid_size.sum()))
    firms.little_giant[np.argsort(-lg_score)[:n_lg]] = True

    # land: parks' developed land held by their firms in proportion to capital; town nodes at
    # the parks' average capital per mu
    n_int = nt + len(parks)
    k_node = np.bincount(firms.node, weights=firms.capital_yi, minlength=n_int)
    k_per_mu = k_node[nt:].sum() / dev.sum()
    node_land = np.concatenate([k_node[:nt] / k_per_mu, dev])
    firms.land_mu[:] = node_land[firms.node] * firms.capital_yi / np.maximum(k_node[firms.node], 1e-12)
    free_land = np.concatenate([np.full(nt, lcfg.town_free_land_mu), area - dev])

    # tertiary: services rule with one coefficient, scaled to the district total
    goods = primary + town_firm_va + residual
    income = resident_income(goods, population, ecfg.services_commuting_share)
    raw = services_value_added(np.ones(nt), income, population, 1.0, ecfg.services_income_elasticity)
    c = tg["gdp_tertiary_yi"] / raw.sum()
    tertiary = c * raw

    gdp = primary + town_firm_va + residual + tertiary
    emp_primary = tg["employment_primary_wan"] * primary / primary.sum()
    emp_tertiary = tg["employment_tertiary_wan"] * tertiary / tertiary.sum()
    # (economy.residual_secondary_share = 0 leaves no residual sector and no jobs in it)
    emp_residual = np.divide((tg["employment_secondary_wan"] - emp_firm_total) * residual,
                             residual.sum(), out=np.zeros(nt), where=residual.sum() > 0)

    # fiscal: the collection factor that reproduces the (assumed) 2023 revenue
    profit = ((1.0 - fcfg.returns_to_scale * (1.0 - fcfg.capital_share)) * firms.value_added_yi
              - fcfg.depreciation * firms.capital_yi)
    firm_tax = public.firm_local_taxes(firms.value_added_yi, profit, fiscal.vat_rate,
                                       fiscal.vat_local_share, fiscal.cit_rate,
                                       fiscal.cit_local_share).sum()
    other = public.non_firm_local_taxes(
        tertiary.sum(), residual.sum(), gdp.sum(), fiscal.services_vat_rate,
        fiscal.vat_local_share, fiscal.land_tax_rate, fiscal.other_tax_rate)
    factor = tg["fiscal_revenue_yi"] / (firm_tax + other)

    # villages: lognormal collective income around the reported mean, scaled to the total
    # villages (villages.csv): the reported total over the administrative villages, on the
    # quantiles of a lognormal with the reported count over 100万 (communities are not in the
    # reported figure: none modelled); which village gets which quantile: a draw, leaning on
    # the town's GDP per head
    (village_town, is_village, pop_v, farmland_v, citrus_v, construction_v, town_area_mu,
     village_ids) = _copied(_village_arrays(data, town_ids))
    gdp_pc = gdp / population
    score = rng.standard_normal(len(village_town)) + VILLAGE_RANK_GDP_WEIGHT * np.log(
        gdp_pc[village_town] / gdp_pc.mean())
    income_v = np.zeros(len(village_town))
    quantiles = _village_income_quantiles(
        int(is_village.sum()), tg["village_collective_income_yi"] * 1e4,
        vcfg.income_over_threshold_wan, vcfg.villages_over_threshold)
    idx = np.flatnonzero(is_village)
    income_v[idx[np.argsort(score[idx], kind="stable")]] = quantiles
    beautiful = rng.random(len(village_town)) < vcfg.beautiful_initial_share
    town_pop_v = np.bincount(village_town, weights=pop_v, minlength=nt)
    pop_v = pop_v * (population / np.maximum(town_pop_v, 1e-12))[village_town]
    # the 陈皮 chain's processing (secondary) and trade/tourism (tertiary) parts, carved out of
    # the towns' residual secondary and tertiary by their orchards (the totals do not change)
    ccfg = model_section(config, "chenpi")
    chain = tg["chenpi_output_yi"]
    orchards = np.bincount(village_town, weights=citrus_v, minlength=nt)
    o_share = orchards / max(orchards.sum(), 1e-12)
    processing = np.minimum(chain * ccfg.processing_share_of_chain * ccfg.processing_va_ratio
                            * o_share, CHAIN_CARVE_CAP * residual)
    chain_services = np.minimum(chain * ccfg.services_share_of_chain * ccfg.services_va_ratio
                                * o_share, CHAIN_CARVE_CAP * tertiary)

    state = BaseState(
        town_ids=town_ids, zone_of_town=zone_of_town.copy(),
        zone_ids=zone_ids, population_wan=population, citrus_yi=citrus,
        other_primary_yi=other_primary, residual_secondary_yi=residual, tertiary_yi=tertiary,
        services_coefficient=np.full(nt, c), employment_primary_wan=emp_primary,
        employment_residual_wan=emp_residual, employment_tertiary_wan=emp_tertiary,
        public_capital_yi=pcfg.public_capital_gdp_ratio * gdp, free_land_mu=free_land,
        firms=firms, wage_wan=wage, value_added_ratio=va_ratio, tax_collection_factor=factor,
        village_town=village_town, village_income_wan=income_v, village_beautiful=beautiful,
        village_is_village=is_village, village_population_wan=pop_v / 1e4,
        village_farmland_mu=farmland_v, village_citrus_mu=citrus_v,
        village_construction_mu=construction_v, village_ids=village_ids,
        town_area_mu=town_area_mu, entrant_centre_la=entrant_centre,
        chenpi_processing_yi=processing, chenpi_services_yi=chain_services,
        targets=tg, target_status=tg_status, base_year=base_year)
    state.errors = calibration_errors(state, tg)
    return state


def calibration_errors(state: BaseState, tg: dict[str, float]) -> dict[str, float]:
    """Relative errors (model/target − 1) of the base-year state against the district figures."""
    f = state.firms
    firm_va = f.value_added_yi[f.alive].sum()
    secondary = firm_va + state.residual_secondary_yi.sum()
    primary = (state.citrus_yi + state.other_primary_yi).sum()
    tertiary = state.tertiary_yi.sum()
    gdp = primary + secondary + tertiary
    emp = (f.employment_wan[f.alive].sum() + state.employment_primary_wan.sum()
           + state.employment_residual_wan.sum() + state.employment_tertiary_wan.sum())
    above = f.output_yi[f.alive & f.above_scale].sum()
    return {
        "gdp_yi": gdp / tg["gdp_yi"] - 1.0,
        "gdp_primary_yi": primary / tg["gdp_primary_yi"] - 1.0,
        "gdp_secondary_yi": secondary / tg["gdp_secondary_yi"] - 1.0,
        "gdp_tertiary_yi": tertiary / tg["gdp_tertiary_yi"] - 1.0,
        "employment_wan": emp / tg["employment_wan"] - 1.0,
        "industrial_output_above_scale_yi": above / tg["industrial_output_above_scale_yi"] - 1.0,
        "population_wan": state.population_wan.sum() / tg["population_wan"] - 1.0,
    }
