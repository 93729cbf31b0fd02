"""Build simxh/data/villages.csv: one row per administrative village (行政村) or community (社区),
236 in all. Run from the repository root: ``python docs/sources/make_villages.py``.

Counts per town: towns.csv (administrative-division table; 沙堆 from a place-name list; 睦洲 the
residual of the article's 236). Everything below the town level is an ASSUMED split of town or
district figures (no village-level statistics were found): population, farmland, orchards and
collective construction land are spread over the town's units by fixed weights, and the
district's reported 新会柑 area (14.3万亩, 2023) is spread over towns by rural land weighted
toward the 陈皮 towns (town_sectors.csv), as calibration.py does for citrus value added.
"""

import csv
from pathlib import Path

DATA = Path("simxh/data")
MU_PER_KM2 = 1500.0
FARMLAND_SHARE = 0.30        # assumed: farmland (耕地 + 园地) share of a town's rural land
CONSTRUCTION_SHARE = 0.06    # assumed: collective construction land share of rural land
COMMUNITY_LAND_WEIGHT = 0.25  # assumed: a community's land relative to a village's
COMMUNITY_POP_WEIGHT = 2.0   # assumed: a community's population relative to a village's
CITRUS_MU_2023 = 143000.0    # reported: 新会柑种植面积14.3万亩 (2023)


def _rows(name: str) -> list[dict[str, str]]:
    with open(DATA / f"{name}.csv", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def main() -> None:
    towns, parks, ts = (_rows(name) for name in ("towns", "parks", "town_sectors"))
    park_mu = {}
    for p in parks:
        park_mu[p["host_town"]] = park_mu.get(p["host_town"], 0.0) + float(p["area_mu"])
    citrus_w = {r["town"]: float(r["weight"]) for r in ts if r["sector"] == "chenpi_citrus"}
    rural = {}
    for t in towns:
        units = int(t["villages"]) + int(t["communities"])
        share = int(t["villages"]) / units
        rural[t["id"]] = max(float(t["area_km2"]) * MU_PER_KM2 - park_mu.get(t["id"], 0.0),
                             MU_PER_KM2) * share
    raw = {k: v * (1.0 + 4.0 * citrus_w.get(k, 0.0)) for k, v in rural.items()}
    total_raw = sum(raw.values())
    rows = []
    for t in towns:
        tid = t["id"]
        nv, nc = int(t["villages"]), int(t["communities"])
        land_units = nv + COMMUNITY_LAND_WEIGHT * nc
        pop_units = nv + COMMUNITY_POP_WEIGHT * nc
        farm_town = FARMLAND_SHARE * rural[tid]
        cons_town = CONSTRUCTION_SHARE * rural[tid]
        citrus_town = min(CITRUS_MU_2023 * raw[tid] / total_raw, 0.8 * farm_town)
        pop = float(t["population"])
        for kind, n, lw, pw in (("community", nc, COMMUNITY_LAND_WEIGHT, COMMUNITY_POP_WEIGHT),
                                ("village", nv, 1.0, 1.0)):
            for i in range(n):
                urban = tid == "huicheng" or kind == "community"
                cls = "urban_fringe" if urban else "upgrading"
                rows.append({
                    "id": f"{tid}_{kind[0]}{i + 1:02d}", "town": tid, "kind": kind,
                    "population": round(pop * pw / pop_units),
                    "farmland_mu": round(farm_town * lw / land_units, 1),
                    "citrus_mu": round(citrus_town * lw / land_units, 1),
                    "construction_land_mu": round(cons_town * lw / land_units, 1),
                    "land_status": "assumed",
                    "classification": cls, "classification_status": "assumed",
                    "status": "assumed",
                    "source": f"count per town: towns.csv ({t['villages_status']}); values: "
                              "docs/sources/make_villages.py (town figures split by assumed "
                              "weights; 新会柑 14.3万亩 2023, reported, docs/sources/data/"
                              "villages.csv)",
                    "notes": "no village-level statistics found; population is the town's "
                             "(towns.csv) split with a community counting "
                             f"{COMMUNITY_POP_WEIGHT:g} villages; land: rural land × "
                             f"{FARMLAND_SHARE:g} farmland, × {CONSTRUCTION_SHARE:g} collective "
                             "construction land; classification (广东省村庄分类) assumed",
                })
    # rescale the orchards to the reported district total (the cap can bind)
    total = sum(r["citrus_mu"] for r in rows)
    for r in rows:
        r["citrus_mu"] = round(min(r["citrus_mu"] * CITRUS_MU_2023 / total,
                                   0.9 * r["farmland_mu"]), 1)
    with open(DATA / "villages.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    print(len(rows), "units;", round(sum(r["citrus_mu"] for r in rows)), "亩 of orchards")


if __name__ == "__main__":
    main()
