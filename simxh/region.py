"""The Xinhui region as one networkx graph: towns, parks and external markets.

Nodes are the 11 towns/subdistricts (镇街), the industrial parks/platforms and the external
market nodes (Jiangmen core, Taishan, the GBA cities). Edges come in two layers:

* ``layer="transport"``: roads, expressways, national road G240 and rail, each with a
  ``mode``, a ``length_km`` and a ``travel_min``. Where the data file gives no figure, length
  and time are derived from coordinates (detour factor × great-circle distance / mode speed)
  and the edge is marked ``status="derived"``.
* ``layer="cooperation"``: zone ties and town–park ties (the integration lever's), the
  Xinhui–Taishan tie (新台合作), Shenzhen–Jiangmen ties (深江合作) and, added by policy, pairing
  ties (the pairing lever's; the levers' Chinese names are in ``simxh.report.labels``).

The all-pairs travel-time matrix is computed with ``scipy.sparse.csgraph`` (Dijkstra) and
cached; changing an edge (an infrastructure project) invalidates the cache, so the matrix is
recomputed only when the network changes.
"""

from __future__ import annotations

import copy
import difflib
import itertools
import math
import weakref
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, shortest_path

from simxh.datafiles import RegionData, load_region_data
from simxh.economics.access import access_weights, market_access_weighted
from simxh.errors import ConfigError, DataError
from simxh.macro import MacroHistory, macro_history

TRANSPORT = "transport"
COOPERATION = "cooperation"
MODES = ("road", "national_road", "expressway", "rail")
COOPERATION_KINDS = ("zone", "town_park", "xintai", "shenjiang", "pairing")
EARTH_RADIUS_KM = 6371.0


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance in km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


@dataclass(frozen=True)
class _NetworkDefaults:
    detour_factor: float = 1.3
    speed_road_kmh: float = 40.0
    speed_national_road_kmh: float = 55.0
    speed_expressway_kmh: float = 85.0
    speed_rail_kmh: float = 160.0
    rail_access_min: float = 15.0

    def speed_kmh(self, mode: str) -> float:
        return getattr(self, f"speed_{mode}_kmh")


def derive_link(length_km: float | None, travel_min: float | None, straight_km: float,
                mode: str, network: _NetworkDefaults) -> tuple[float, float, bool]:
    """Fill a link's missing length/time from coordinates; returns (km, minutes, derived?)."""
    derived = False
    if length_km is None or not np.isfinite(length_km):
        length_km = straight_km * network.detour_factor
        derived = True
    if travel_min is None or not np.isfinite(travel_min):
        travel_min = length_km / network.speed_kmh(mode) * 60.0
        if mode == "rail":
            travel_min += network.rail_access_min
        derived = True
    return float(length_km), float(travel_min), derived


_MACRO_HISTORIES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

class Region:
    """The region's graph, with cached travel times and market access."""

    def __init__(self, data: RegionData, graph: nx.MultiGraph, *, distance_decay: float = 0.9,
                 self_time_min: float = 10.0) -> None:
        self.data = data
        self.graph = graph
        self.distance_decay = distance_decay
        self.self_time_min = self_time_min
        self.town_ids: tuple[str, ...] = tuple(data.towns.index)
        self.park_ids: tuple[str, ...] = tuple(data.parks.index)
        self.external_ids: tuple[str, ...] = tuple(data.external.index)
        self.node_ids: tuple[str, ...] = self.town_ids + self.park_ids + self.external_ids
        self.index: dict[str, int] = {n: i for i, n in enumerate(self.node_ids)}
        self._times: np.ndarray | None = None
        self.recomputations = 0

    # -- the graph, copied on first change ------------------------------------------------
    @property
    def graph(self) -> nx.MultiGraph:
        """The networkx graph (this region's own: a copy shares its original's until either
        is first changed or handed out)."""
        self._own_graph()
        return self._graph

    @graph.setter
    def graph(self, graph: nx.MultiGraph) -> None:
        self._graph = graph
        self._graph_shared = False

    def _own_graph(self) -> None:
        if self._graph_shared:
            shared = self._graph
            self._graph = shared.copy()
            # edge attribute dicts must not be shared
            for u, v, k, d in shared.edges(keys=True, data=True):
                self._graph.edges[u, v, k].update(dict(d))
            self._graph_shared = False

    # -- transport ------------------------------------------------------------------------
    def transport_edges(self) -> list[tuple[str, str, str, dict]]:
        return [(u, v, k, d) for u, v, k, d in self._graph.edges(keys=True, data=True)
                if d["layer"] == TRANSPORT]

    def travel_times(self) -> np.ndarray:
        """All-pairs shortest travel time (minutes) over the transport layer, n×n, cached."""
        if self._times is None:
            n = len(self.node_ids)
            best = np.full((n, n), np.inf)
            for u, v, _k, d in self.transport_edges():
                i, j = self.index[u], self.index[v]
                t = d["travel_min"]
                if t < best[i, j]:
                    best[i, j] = best[j, i] = t
            rows, cols = np.nonzero(np.isfinite(best))
            matrix = csr_matrix((best[rows, cols], (rows, cols)), shape=(n, n))
            self._times = shortest_path(matrix, method="D", directed=False)
            self._times.setflags(write=False)
            self.recomputations += 1
        return self._times

    def travel_time(self, a: str, b: str) -> float:
        return float(self.travel_times()[self.index[a], self.index[b]])

    def set_link_time(self, link_id: str, minutes: float) -> None:
        """Change a transport link's travel time (an upgrade); invalidates the cache."""
        if not (np.isfinite(minutes) and minutes > 0):
            raise ValueError(f"travel time must be positive and finite, got {minutes}")
        self._own_graph()
        for _u, _v, _k, d in self.transport_edges():
            if d.get("link_id") == link_id:
                d["travel_min"] = float(minutes)
                self._times = None
                return
        raise KeyError(f"no transport link {link_id!r}")

    def link_time(self, link_id: str) -> float:
        for _u, _v, _k, d in self.transport_edges():
            if d.get("link_id") == link_id:
                return float(d["travel_min"])
        raise KeyError(f"no transport link {link_id!r}")

    def add_link(self, link_id: str, a: str, b: str, mode: str, travel_min: float,
                 length_km: float, status: str = "assumed") -> None:
        """Add a new transport link (a new road or rail line); invalidates the cache."""
        for node in (a, b):
            if node not in self.index:
                raise KeyError(f"no node {node!r}")
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        if not (np.isfinite(travel_min) and travel_min > 0):
            raise ValueError(f"travel time must be positive and finite, got {travel_min}")
        self.graph.add_edge(a, b, key=link_id, layer=TRANSPORT, mode=mode, link_id=link_id,
                            travel_min=float(travel_min), length_km=float(length_km),
                            status=status)
        self._times = None

    # -- cooperation ------------------------------------------------------------------------
    def add_cooperation(self, a: str, b: str, kind: str, **attrs: object) -> None:
        if kind not in COOPERATION_KINDS:
            raise ValueError(f"kind must be one of {COOPERATION_KINDS}, got {kind!r}")
        self.graph.add_edge(a, b, key=f"{kind}:{a}:{b}", layer=COOPERATION, kind=kind, **attrs)

    def cooperation_ties(self, kind: str | None = None) -> list[tuple[str, str, str]]:
        return [(u, v, d["kind"]) for u, v, d in self._graph.edges(data=True)
                if d["layer"] == COOPERATION and (kind is None or d["kind"] == kind)]

    # -- derived measures ------------------------------------------------------------------------
    def market_access(self, masses: np.ndarray, decay: float | None = None) -> np.ndarray:
        """Gravity access of every node to ``masses`` (one per node, in node_ids order).

        The gravity weights depend only on the travel times: they are kept until the network
        changes (the model asks for access to three sets of masses a year)."""
        times = self.travel_times()
        decay = self.distance_decay if decay is None else decay
        cached = getattr(self, "_access_weights", None)
        if cached is None or cached[0] is not times or cached[1] != decay:
            cached = self._access_weights = (
                times, decay, access_weights(times, decay, self.self_time_min))
        return market_access_weighted(cached[2], masses)

    def macro_history(self) -> MacroHistory:
        """The outside world's yearly series from ``macro.csv`` (built once, shared by copies)."""
        hist = _MACRO_HISTORIES.get(self.data)
        if hist is None:
            hist = _MACRO_HISTORIES[self.data] = macro_history(self.data.macro,
                                                              self.data.path("macro"))
        return hist

    def node_masses(self) -> np.ndarray:
        """Base-year economic mass per node (亿元): town GDP unknown here, so towns get
        district GDP split by population (derived), externals their GDP, parks zero."""
        towns = self.data.towns
        gdp = self.data.district_value("gdp_yi")
        pop = towns["population"].to_numpy(float)
        town_mass = gdp * pop / pop.sum()
        ext = self.data.external["gdp_yi"].to_numpy(float)
        return np.concatenate([town_mass, np.zeros(len(self.park_ids)), ext])

    def copy(self) -> Region:
        """A deep copy that a model may change (infrastructure, pairing) freely.

        The graph is copied lazily: both regions share it until one of them changes it (or
        hands it out through ``graph``), which copies it first; most runs never change it."""
        if self._times is None:
            # the travel times (and below the gravity weights) computed once here and shared by
            # the copies, rather than again by every copy's first network update (the same
            # shortest paths on the same graph)
            self.travel_times()
        if self._times is not None and getattr(self, "_access_weights", None) is None:
            self.market_access(np.zeros(len(self.node_ids)))  # weights shared by the copies
        new = copy.copy(self)
        self._graph_shared = new._graph_shared = True
        new._times = self._times
        return new

    def summary(self) -> dict[str, int]:
        t = self.transport_edges()
        return {"nodes": self.graph.number_of_nodes(), "transport_edges": len(t),
                "cooperation_edges": self.graph.number_of_edges() - len(t),
                "towns": len(self.town_ids), "parks": len(self.park_ids),
                "external": len(self.external_ids)}


def _node_attrs(kind: str, row: object) -> dict:
    attrs = {"kind": kind}
    for col in ("name_zh", "name_en", "lat", "lon", "zone", "host_town", "status"):
        value = getattr(row, col, None)
        if value is not None and not (isinstance(value, float) and math.isnan(value)):
            attrs[col] = value
    return attrs


def _park_coords(data: RegionData, park_id: str) -> tuple[float, float]:
    park = data.parks.loc[park_id]
    lat = getattr(park, "lat", float("nan"))
    lon = getattr(park, "lon", float("nan"))
    if lat is None or lon is None or not (np.isfinite(lat) and np.isfinite(lon)):
        host = data.towns.loc[park["host_town"]]
        return float(host["lat"]), float(host["lon"])
    return float(lat), float(lon)


def build_region(config: object | None = None, data: RegionData | None = None,
                 data_dir: str | Path | None = None) -> Region:
    """Build the region graph from the data files and the config's network settings."""
    if data is None:
        region_cfg = getattr(config, "region", None)
        data_dir = data_dir or (getattr(region_cfg, "data_dir", "") or None)
        data = load_region_data(data_dir)
    network = getattr(config, "network", None) or _NetworkDefaults()
    access = getattr(config, "access", None)
    links_file = data.path("links")
    graph: nx.MultiGraph = nx.MultiGraph()
    for tid, row in data.towns.iterrows():
        graph.add_node(tid, **_node_attrs("town", row))
    for pid, row in data.parks.iterrows():
        attrs = _node_attrs("park", row)
        attrs["lat"], attrs["lon"] = _park_coords(data, pid)
        graph.add_node(pid, **attrs)
    for eid, row in data.external.iterrows():
        graph.add_node(eid, **_node_attrs("external", row))

    for lid, row in data.links.iterrows():
        a, b, mode = row["from"], row["to"], row["mode"]
        for end in ("from", "to"):
            if row[end] not in graph:
                raise DataError("link endpoint is not a town, park or external node",
                                file=links_file, key=f"{lid}.{end}", value=row[end])
        if a == b:
            raise DataError("link joins a node to itself", file=links_file, key=f"{lid}.to",
                            value=b, expected="two different nodes")
        if mode not in MODES:
            raise DataError("unknown mode", file=links_file, key=f"{lid}.mode", value=mode,
                            expected="one of " + ", ".join(MODES))
        na, nb = graph.nodes[a], graph.nodes[b]
        straight = great_circle_km(na["lat"], na["lon"], nb["lat"], nb["lon"])
        length = row.get("length_km")
        minutes = row.get("travel_min")
        length, minutes, derived = derive_link(
            None if length is None or _isnan(length) else float(length),
            None if minutes is None or _isnan(minutes) else float(minutes),
            straight, mode, network)
        if not (minutes > 0 and np.isfinite(minutes)):
            raise DataError("travel time must be positive", file=links_file,
                            key=f"{lid}.travel_min", value=minutes, expected="a time > 0 minutes")
        graph.add_edge(a, b, key=lid, layer=TRANSPORT, mode=mode, link_id=lid, name=row.get("name", lid),
                       length_km=length, travel_min=minutes,
                       status="derived" if derived and row["status"] != "assumed" else row["status"])

    if config is not None:
        check_config_references(config, data)
    _add_cooperation_layer(graph, data)
    region = Region(data, graph,
                    distance_decay=getattr(access, "distance_decay", 0.9),
                    self_time_min=getattr(access, "self_time_min", 10.0))
    _check_connected(region, links_file)
    region.macro_history()  # validate the outside world's series with the rest of the data
    return region


def _isnan(value: object) -> bool:
    try:
        return math.isnan(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def _add_cooperation_layer(graph: nx.MultiGraph, data: RegionData) -> None:
    """Zone ties between towns of one zone, town–park ties, and the listed external ties."""
    for _zone, members in data.towns.groupby("zone"):
        for a, b in itertools.combinations(sorted(members.index), 2):
            graph.add_edge(a, b, key=f"zone:{a}:{b}", layer=COOPERATION, kind="zone",
                           status="assumed")
    for pid, row in data.parks.iterrows():
        host = row["host_town"]
        graph.add_edge(host, pid, key=f"town_park:{host}:{pid}", layer=COOPERATION,
                       kind="town_park", status=row["status"])
    for _cid, row in data.cooperation.iterrows():
        a, b = row["a"], row["b"]
        graph.add_edge(a, b, key=f"{row['kind']}:{a}:{b}", layer=COOPERATION, kind=row["kind"],
                       status=row["status"])


def _check_connected(region: Region, links_file: Path | str) -> None:
    n = len(region.node_ids)
    rows, cols = [], []
    for u, v, _k, _d in region.transport_edges():
        rows.append(region.index[u])
        cols.append(region.index[v])
    matrix = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    count, labels = connected_components(matrix, directed=False)
    if count > 1:
        main = np.bincount(labels).argmax()
        cut = [region.node_ids[i] for i in range(n) if labels[i] != main]
        raise DataError("the transport network is not connected", file=links_file,
                        value=", ".join(cut),
                        expected="links joining these nodes to the rest of the network")


REFERENCED_KEYS = frozenset({
    "infrastructure.project_ids", "integration.zones", "pairing.pairs",
    "villages.income_over_threshold_wan", "villages.villages_over_threshold", "run.start_year"})
"""The config keys :func:`check_config_references` reads (besides ``source_file``): a change of
any other key cannot change its verdict (``tests/test_region.py`` checks the list)."""


def check_config_references(config: object, data: RegionData) -> None:
    """Refuse a config that names a town, zone or infrastructure project the data lack, or
    whose village income figures no distribution of the data's villages can meet.

    The config schema checks ids against the shipped region; this checks them against the
    data the config actually uses (``region.data_dir``), naming the config file and key.
    """
    file = getattr(config, "source_file", None)
    towns, zones = set(data.towns.index), set(data.zones.index)
    projects = set(data.projects.index)

    def refuse(key: str, value: str, what: str, known: set[str], csv_name: str) -> None:
        hint = difflib.get_close_matches(value, sorted(known), n=1)
        raise ConfigError(f"refers to an undefined {what}", file=file, key=key, value=value,
                          expected=(f"'{hint[0]}' or another " if hint else "an ")
                          + f"id in {data.data_dir / csv_name}")

    infra = getattr(config, "infrastructure", None)
    for i, pid in enumerate(getattr(infra, "project_ids", ()) or ()):
        if pid not in projects:
            refuse(f"infrastructure.project_ids[{i}]", pid, "infrastructure project", projects,
                   "projects.csv")
    integration = getattr(config, "integration", None)
    for i, zone in enumerate(getattr(integration, "zones", ()) or ()):
        if zone not in zones:
            refuse(f"integration.zones[{i}]", zone, "zone", zones, "zones.csv")
    pairing = getattr(config, "pairing", None)
    for i, pair in enumerate(getattr(pairing, "pairs", ()) or ()):
        for town in str(pair).split(":"):
            if town not in towns:
                refuse(f"pairing.pairs[{i}]", town, "town", towns, "towns.csv")
    if getattr(config, "villages", None) is not None:
        from simxh.calibration import check_village_incomes  # late: calibration is heavier

        check_village_incomes(config, data)
