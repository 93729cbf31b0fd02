"""``simxh info [CONFIG]``: a summary of the region, its network and its data provenance."""

from __future__ import annotations

import argparse

from simxh.config import load_config
from simxh.region import Region, build_region

SAMPLE_TRIPS = (("huicheng", "jiangmen_core"), ("huicheng", "guangzhou"), ("huicheng", "shenzhen"),
                ("siqian", "huicheng"), ("daao", "shenzhen"), ("yamen", "zhuhai"))


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "info",
        help="summarise the region, network and data provenance",
        description="Print the towns by zone (population, area), parks, external markets, the "
        "network's size, sample travel times and how many inputs are official, reported, "
        "derived or assumed. With CONFIG, the network is built with that config's settings.",
    )
    p.add_argument("config", nargs="?", metavar="CONFIG", help="config file (default: baseline)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config value (dotted key)")
    p.set_defaults(func=handle)


def format_info(region: Region) -> str:
    data = region.data
    out: list[str] = []
    towns = data.towns
    out.append(f"Xinhui District (新会区): {len(towns)} towns/subdistricts in "
               f"{towns['zone'].nunique()} integrated development zones (membership assumed)")
    for zone_id, zone in data.zones.iterrows():
        members = towns[towns["zone"] == zone_id]
        out.append(f"  {zone['name_zh']} {zone['name_en']} ({zone_id})")
        for tid, t in members.iterrows():
            out.append(f"    {t['name_zh']:<6} {t['name_en']:<12} pop {t['population'] / 1e4:6.2f}万 "
                       f"[{t['population_status']}]  area {t['area_km2']:7.2f} km²  ({tid})")
    out.append(f"Parks/platforms: {len(data.parks)}")
    for pid, p in data.parks.iterrows():
        host = towns.loc[p["host_town"], "name_zh"]
        out.append(f"  {p['name_zh']} — host {host}, {p['area_mu']:,.0f} 亩 [{p['area_status']}]  ({pid})")
    out.append(f"External markets: {len(data.external)}")
    for eid, e in data.external.iterrows():
        out.append(f"  {e['name_zh']} {e['name_en']}: GDP {e['gdp_yi']:,.0f}亿 "
                   f"({e['gdp_year']}, {e['gdp_status']})  ({eid})")
    s = region.summary()
    times = region.travel_times()
    connected = bool((times < float("inf")).all())
    out.append(f"Graph: {s['nodes']} nodes, {s['transport_edges']} transport edges, "
               f"{s['cooperation_edges']} cooperation edges; transport layer "
               f"{'connected' if connected else 'NOT connected'}")
    out.append("Sample travel times (shortest path over the transport layer):")
    for a, b in SAMPLE_TRIPS:
        if a in region.index and b in region.index:
            out.append(f"  {a} → {b}: {region.travel_time(a, b):5.0f} min")
    counts = data.provenance_counts()
    total = sum(counts.values())
    parts = ", ".join(f"{counts.get(k, 0)} {k}" for k in ("official", "reported", "derived", "assumed"))
    out.append(f"Inputs by provenance: {parts} (of {total})")
    return "\n".join(out)


def handle(args: argparse.Namespace) -> int:
    config = load_config(args.config, args.overrides)
    print(format_info(build_region(config)))
    return 0
