"""The region graph: structure, travel times, market access and validation on load."""

from __future__ import annotations

import shutil
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from simxh.config import load_config
from simxh.datafiles import load_region_data
from simxh.economics.access import market_access
from simxh.errors import DataError
from simxh.region import build_region, derive_link, great_circle_km

DATA = Path(__file__).resolve().parents[1] / "simxh" / "data"


@pytest.fixture(scope="module")
def region():
    return build_region()


def test_nodes_by_kind(region):
    kinds = nx.get_node_attributes(region.graph, "kind")
    assert sum(k == "town" for k in kinds.values()) == 11
    assert sum(k == "park" for k in kinds.values()) >= 8
    assert sum(k == "external" for k in kinds.values()) >= 7
    assert region.node_ids[:11] == region.town_ids


def test_transport_layer_connected_with_positive_times(region):
    times = region.travel_times()
    assert times.shape == (len(region.node_ids),) * 2
    assert np.isfinite(times).all()
    off_diag = times[~np.eye(len(times), dtype=bool)]
    assert (off_diag > 0).all()
    assert np.allclose(times, times.T)
    for _u, _v, _k, d in region.transport_edges():
        assert d["travel_min"] > 0 and d["mode"] in {"road", "national_road", "expressway", "rail"}


def test_cooperation_layers(region):
    kinds = {k for _a, _b, k in region.cooperation_ties()}
    assert {"zone", "town_park", "xintai", "shenjiang"} <= kinds
    zone_of = region.data.towns["zone"]
    for a, b, _k in region.cooperation_ties("zone"):
        assert zone_of[a] == zone_of[b]


def test_sourced_travel_facts_respected(region):
    # 江门站 to Guangzhou ~30 min by rail (data note); the shortest path cannot be longer.
    assert region.travel_time("huicheng", "guangzhou") <= 30 + 1e-9
    # Shortest paths obey the triangle inequality.
    t = region.travel_times()
    i, j, k = region.index["siqian"], region.index["huicheng"], region.index["shenzhen"]
    assert t[i, k] <= t[i, j] + t[j, k] + 1e-9


def test_cache_is_reused_until_an_edge_changes():
    region = build_region()
    region.travel_times()
    region.travel_times()
    assert region.recomputations == 1
    link = region.transport_edges()[0][3]["link_id"]
    before = region.link_time(link)
    region.set_link_time(link, before / 2)
    region.travel_times()
    assert region.recomputations == 2


def test_upgrade_cuts_travel_times_and_raises_access():
    base = build_region()
    new = base.copy()
    masses = base.node_masses()
    new.add_link("test_fast", "daao", "siqian", "expressway", 5.0, 40.0)
    assert new.travel_time("daao", "siqian") == pytest.approx(5.0)
    assert base.travel_time("daao", "siqian") > 5.0  # the copy did not touch the original
    assert (new.market_access(masses) >= base.market_access(masses) - 1e-9).all()
    assert new.market_access(masses)[new.index["daao"]] > base.market_access(masses)[base.index["daao"]]


def test_market_access_gravity():
    times = np.array([[0.0, 10.0], [10.0, 0.0]])
    masses = np.array([100.0, 50.0])
    ma = market_access(times, masses, decay=1.0, self_time_min=10.0)
    assert ma == pytest.approx([15.0, 15.0])
    ma2 = market_access(np.array([[0.0, 20.0]]), masses, decay=1.0, self_time_min=10.0)
    assert ma2 == pytest.approx([100 / 10 + 50 / 20])
    assert market_access(times, masses, decay=0.0, self_time_min=10.0) == pytest.approx([150, 150])


def test_derived_links_from_coordinates():
    net = load_config().network
    km = great_circle_km(22.5242, 113.0286, 22.579, 113.081)  # 会城 – Jiangmen city govt
    assert 7 < km < 9
    length, minutes, derived = derive_link(None, None, km, "road", net)
    assert derived and length == pytest.approx(km * 1.3)
    assert minutes == pytest.approx(length / 40.0 * 60)
    assert derive_link(10.0, 12.0, km, "road", net) == (10.0, 12.0, False)


def test_config_changes_derived_times():
    slow = build_region(load_config(None, {"network.speed_road_kmh": 20.0}))
    fast = build_region(load_config(None, {"network.speed_road_kmh": 60.0}))
    assert slow.travel_times().sum() > fast.travel_times().sum()


def _copy_data(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA, target)
    return target


def test_disconnected_network_is_refused(tmp_path):
    data_dir = _copy_data(tmp_path)
    links = (data_dir / "links.csv").read_text(encoding="utf-8").splitlines()
    kept = [links[0]] + [ln for ln in links[1:] if "daao" not in ln.split(",")[2:4]]
    (data_dir / "links.csv").write_text("\n".join(kept) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match="not connected") as info:
        build_region(data=load_region_data(data_dir))
    assert "daao" in str(info.value) and "links.csv" in str(info.value)


def test_config_data_dir_is_used(tmp_path):
    data_dir = _copy_data(tmp_path)
    cfg_file = tmp_path / "c.toml"
    cfg_file.write_text('[region]\ndata_dir = "data"\n', encoding="utf-8")
    region = build_region(load_config(cfg_file))
    assert region.data.data_dir == data_dir.resolve()


def test_a_copy_shares_the_graph_until_either_changes_it(region):
    """Region.copy() is lazy: changing the copy (or the original) leaves the other as it was."""
    a = region.copy()
    b = a.copy()
    link = next(d["link_id"] for _u, _v, _k, d in a.transport_edges())
    before = a.link_time(link)
    b.set_link_time(link, before * 0.5)
    assert a.link_time(link) == before and b.link_time(link) == before * 0.5
    towns = a.town_ids
    b.add_cooperation(towns[0], towns[1], "pairing")
    assert not a.cooperation_ties("pairing") and b.cooperation_ties("pairing")
    c = a.copy()
    a.add_cooperation(towns[2], towns[3], "pairing")  # the original changes: the copy does not
    assert not c.cooperation_ties("pairing")
