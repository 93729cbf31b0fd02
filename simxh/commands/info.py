"""``simxh info [CONFIG]``: a summary of the region, its network and its data provenance."""

from __future__ import annotations

import argparse
from typing import Any

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
        "derived or assumed. With CONFIG, the network is built with that config's settings. "
        "With --params, list every config parameter instead: its value in CONFIG (with --set "
        "applied; * marks a value that differs from the built-in default), unit, valid range, "
        "provenance status and source.",
    )
    p.add_argument("--params", action="store_true",
                   help="list every config parameter: value, unit, range, status, source")
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
    out.extend(format_villages(data))
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


def format_villages(data: Any) -> list[str]:
    """The villages per town (villages.csv): villages + communities, the town count's status,
    orchards, and the provenance of the villages' rows and fields."""
    v = data.villages
    towns = data.towns
    out = [f"Villages and communities (村/社区): {len(v)} in all "
           f"({int((v['kind'] == 'village').sum())} villages + "
           f"{int((v['kind'] == 'community').sum())} communities; villages.csv)"]
    for tid, t in towns.iterrows():
        mine = v[v["town"] == tid]
        nv = int((mine["kind"] == "village").sum())
        nc = int((mine["kind"] == "community").sum())
        out.append(f"  {t['name_zh']:<6} {nv:3d} villages + {nc:2d} communities = {len(mine):3d} "
                   f"[count {t['villages_status']}]  orchards {mine['citrus_mu'].sum():8,.0f} 亩  "
                   f"({tid})")
    prov = data.provenance_table()
    prov = prov[prov["file"] == "villages.csv"]["status"].value_counts()
    parts = ", ".join(f"{int(prov.get(k, 0))} {k}"
                      for k in ("official", "reported", "derived", "assumed"))
    out.append(f"  villages.csv provenance: {parts} (every village-level value is a split of "
               "town or district figures: assumed)")
    return out


def _value_at(config: Any, key: str) -> Any:
    from simxh.config import _plain

    value = config
    for part in key.split("."):
        value = getattr(value, part)
    return _plain(value)


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_show(v)}" for k, v in value.items()) + "}"
    return str(value)


def _num(x: float) -> str:
    return f"{int(x):,}" if float(x).is_integer() else f"{x:g}"


def describe_range(row: dict[str, Any]) -> str:
    """'[0, 1]', '> 0', '>= 2023', 'one of host, equal, population' or '' (any)."""
    if row.get("choices"):
        each = "each one of " if isinstance(row.get("default"), list) else "one of "
        return each + ", ".join(str(c) for c in row["choices"])
    lo, hi = row.get("min"), row.get("max")
    if lo is not None and hi is not None:
        return f"{'(' if row.get('min_exclusive') else '['}{_num(lo)}, {_num(hi)}]"
    if lo is not None:
        return f"{'>' if row.get('min_exclusive') else '>='} {_num(lo)}"
    if hi is not None:
        return f"<= {_num(hi)}"
    return ""


def parameter_rows(config: Any) -> list[dict[str, str]]:
    """Every parameter of ``config`` as display strings: key, value, unit, range, status,
    source (and ``changed`` when the value differs from the built-in default)."""
    from simxh.config import parameters

    rows = []
    for row in parameters():
        value = _value_at(config, row["key"])
        source = row["source"] or ""
        if row["doc"]:
            source = f"{source} — {row['doc']}" if source else row["doc"]
        rows.append({"key": row["key"], "value": _show(value), "unit": row["unit"] or "",
                     "range": describe_range(row), "status": row["status"] or "",
                     "source": source, "changed": "*" if value != row["default"] else ""})
    return rows


def format_params(config: Any, path: str | None) -> str:
    rows = parameter_rows(config)
    head = ("key", "value", "unit", "range", "status", "source")
    width = {h: max(len(h), *(len(r[h]) + (1 if h == "value" else 0) for r in rows))
             for h in head[:-1]}
    width["value"] = min(width["value"], 28)
    width["range"] = min(width["range"], 30)
    width["unit"] = min(width["unit"], 12)
    lines = [f"{len(rows)} parameters of {path or 'the built-in baseline'} "
             f"(* = differs from the built-in default; docs/ODD.md explains each)"]
    lines.append("  ".join(h.ljust(width[h]) if h in width else h for h in head))
    for r in rows:
        value = (r["value"] + r["changed"])
        cells = [r["key"].ljust(width["key"]), value.ljust(width["value"]),
                 r["unit"].ljust(width["unit"]), r["range"].ljust(width["range"]),
                 r["status"].ljust(width["status"]), r["source"]]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def handle(args: argparse.Namespace) -> int:
    config = load_config(args.config, args.overrides)
    if args.params:
        print(format_params(config, args.config))
        return 0
    print(format_info(build_region(config)))
    return 0
