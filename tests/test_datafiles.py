"""The shipped region data and the loader's validation (simxh.datafiles)."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest

from simxh.datafiles import (
    DOC_MARKER,
    FILES,
    SPECS,
    STATUSES,
    default_data_dir,
    load_region_data,
    provenance_markdown,
    render_provenance_doc,
)
from simxh.datafiles import main as datafiles_main
from simxh.errors import DataError


@pytest.fixture(scope="module")
def data():
    return load_region_data()


# --------------------------------------------------------------------------------------------
# The shipped files
# --------------------------------------------------------------------------------------------
def test_shipped_files_load_with_expected_sizes(data):
    assert len(data.towns) == 11
    assert set(data.towns["kind"]) == {"subdistrict", "town"}
    assert data.towns.loc["huicheng", "kind"] == "subdistrict"
    assert list(data.zones.index) == ["guifeng", "tanjiang", "yinzhou_west", "yinzhou_east"]
    assert set(data.towns["zone"]) == set(data.zones.index)
    assert len(data.parks) >= 8
    assert len(data.external) >= 8
    assert {"jiangmen_core", "taishan", "zhongshan", "zhuhai", "foshan", "guangzhou", "shenzhen",
            "hongkong", "macao"} <= set(data.external.index)
    assert set(data.towns.index) == {"huicheng", "daze", "siqian", "luokeng", "shuangshui",
                                     "yamen", "shadui", "gujing", "sanjiang", "muzhou", "daao"}


def test_default_dir_is_the_package_data(data):
    assert data.data_dir == default_data_dir()
    assert data.path("links") == default_data_dir() / "links.csv"
    with pytest.raises(KeyError):
        data.path("nope")


def test_sector_gdp_sums_to_district_total(data):
    gdp = data.district_value("gdp_yi")
    parts = [data.district_value(f"gdp_{s}_yi") for s in ("primary", "secondary", "tertiary")]
    assert gdp == pytest.approx(1011.25)
    assert parts == pytest.approx([72.09, 511.27, 427.89])
    assert sum(parts) == pytest.approx(gdp, abs=1e-9)


def test_employment_sums_to_district_total(data):
    parts = [data.district_value(f"employment_{s}_wan") for s in ("primary", "secondary",
                                                                  "tertiary")]
    assert sum(parts) == pytest.approx(data.district_value("employment_wan"), abs=1e-9)
    assert data.district_value("employment_wan") == pytest.approx(57.47)


def test_resident_population_is_gdp_over_gdp_per_capita_and_marked_derived(data):
    pop = data.district_value("population_wan") * 1e4
    assert pop == pytest.approx(1011.25e8 / 110967, abs=1.0)
    row = data.district[(data.district["key"] == "population_wan")].iloc[0]
    assert row["status"] == "derived"


def test_town_populations_sum_to_district_resident_population(data):
    district_pop = round(data.district_value("population_wan") * 1e4)
    assert int(data.towns["population"].sum()) == district_pop
    assert data.towns.loc["huicheng", "population_status"] == "derived"
    assert (data.towns["population"] > 0).all()


def test_villages_total_236(data):
    total = int((data.towns["communities"] + data.towns["villages"]).sum())
    assert total == 236 == data.district_value("villages")
    derived = data.towns[data.towns["villages_status"] == "derived"].index
    assert set(derived) == {"muzhou"}  # 沙堆 from a place-name list; 睦洲 the residual
    assert data.towns.loc["shadui", ["communities", "villages"]].tolist() == [1, 10]
    assert data.towns.loc["muzhou", ["communities", "villages"]].tolist() == [1, 15]
    # 199 villages: the base of the reported '195 villages over 100万 = 98 %'
    assert int(data.towns["villages"].sum()) == 199


def test_villages_file_matches_the_towns(data):
    v = data.villages
    assert len(v) == 236 and v.index.is_unique
    counts = v.groupby(["town", "kind"]).size()
    for tid, row in data.towns.iterrows():
        assert counts.get((tid, "village"), 0) == row["villages"]
        assert counts.get((tid, "community"), 0) == row["communities"]
    assert (v["citrus_mu"] <= v["farmland_mu"]).all()
    # the orchards add up to the reported 新会柑 area (14.3万亩, 2023)
    assert v["citrus_mu"].sum() == pytest.approx(143000, rel=1e-3)
    # every village-level value is a split of town or district figures: assumed, and said so
    assert set(v["status"]) == {"assumed"} and set(v["land_status"]) == {"assumed"}


def test_town_areas_close_to_district_area(data):
    # Yamen's conflicting area (206–281 km²) was chosen so that the towns sum to the district.
    assert data.towns["area_km2"].sum() == pytest.approx(data.district_value("area_km2"), rel=0.01)


def test_every_status_is_valid_and_every_source_non_empty(data):
    for name in FILES:
        frame = getattr(data, name)
        for col in SPECS[name].columns:
            if col.kind == "status":
                values = set(frame[col.name]) - {""}
                assert values <= set(STATUSES), (name, col.name, values)
        assert (frame["source"].str.len() > 0).all(), name
        assert set(frame["status"]) <= set(STATUSES)


def test_columns_are_typed(data):
    assert data.towns["area_km2"].dtype == "float64"
    assert str(data.towns["population"].dtype) == "Int64"
    assert str(data.district["year"].dtype) == "Int64"
    assert data.links["length_km"].dtype == "float64"
    assert data.links["length_km"].isna().any()  # derived by the region builder
    assert data.parks.loc["yamen_env", "lead_sectors"] == ("electronics", "other_manufacturing")
    assert data.sectors.loc["chenpi_citrus", "speciality_towns"] == ()
    assert data.sectors.loc["yachts_marine", "speciality_towns"] == ("shadui", "yamen")
    assert data.parks.loc["yamen_env", "area_mu"] == pytest.approx(130 * 15)


def test_district_is_unique_on_key_and_year_and_value_defaults_to_latest_year(data):
    assert not data.district.duplicated(["key", "year"]).any()
    assert data.district_value("gdp_yi", 2015) == 520
    assert data.district_value("gdp_yi") == 1011.25  # 2023, the latest
    fiscal = data.district[data.district["key"] == "fiscal_revenue_yi"].set_index("year")
    assert fiscal.loc[2023, "status"] == "assumed"
    assert fiscal.loc[2017, "status"] == "official"
    with pytest.raises(DataError, match="gdp_yi"):
        data.district_value("gdp_yl")


def test_gdp_share_of_city_is_derived_from_both_gdps(data):
    share = data.district_value("gdp_share_of_city")
    assert share == pytest.approx(1011.25 / data.district_value("jiangmen_gdp_yi"), abs=1e-4)


def test_zone_targets_sum_to_2000(data):
    assert data.zones["target_2025_industrial_output_yi"].sum() == pytest.approx(2000)


def test_transport_layer_is_connected_and_reaches_every_node(data):
    graph = nx.MultiGraph()
    graph.add_nodes_from(data.node_ids)
    graph.add_edges_from(zip(data.links["from"], data.links["to"]))
    assert nx.is_connected(graph)
    for park in data.parks.index:  # every park has an access road to its host town
        host = data.parks.loc[park, "host_town"]
        assert graph.has_edge(park, host)
    assert set(data.links["mode"]) == {"road", "expressway", "national_road", "rail"}


def test_sourced_travel_facts_are_in_links(data):
    links = data.links
    daao = links.loc["xw_daao_shenzhen"]
    assert (daao["length_km"], daao["travel_min"]) == (68, 35)
    assert links.loc["road_huicheng_jiangmen_core", "length_km"] == 10
    assert links.loc["rail_huicheng_guangzhou", "travel_min"] == 30


def test_every_town_has_at_least_two_sectors_with_weights_summing_to_one(data):
    ts = data.town_sectors
    counts = ts.groupby("town").size()
    assert set(counts.index) == set(data.towns.index)
    assert (counts >= 2).all()
    sums = ts.groupby("town")["weight"].sum()
    assert sums.to_numpy() == pytest.approx([1.0] * len(sums))


def test_sector_groups(data):
    groups = data.sectors.groupby("group").groups
    assert set(groups["pillar"]) == {"high_end_equipment", "new_materials"}
    assert set(groups["emerging"]) == {"electronics", "biomedicine", "new_energy"}
    assert set(groups["advantage"]) == {"light_textiles", "agri_food"}
    assert "other_manufacturing" in groups["other"]


def test_targets_include_the_plan_figures(data):
    t = data.targets
    assert t.loc["gdp_2033", "value"] == 3300 and t.loc["gdp_2033", "year"] == 2033
    growth = t.loc["gdp_growth_10y"]
    assert (growth["kind"], growth["value"], growth["year"], growth["year_end"]) == (
        "mean_growth", 8, 2023, 2033)
    assert t.loc["hightech_firms_2025", "value"] == 620
    assert t.loc["investment_introduced", "kind"] == "annual"
    assert set(t["comparator"]) <= {">=", ">"}


def test_projects_cover_the_plan(data):
    p = data.projects
    assert {"g240_upgrade_luokeng_daze", "shenjiang_railway", "zhuzhao_railway",
            "guangfo_jiangzhu_intercity", "yinhu_bay_expressway"} <= set(p.index)
    assert (p.index.str.startswith("ring_")).sum() >= 2
    ups = p[p["kind"] == "upgrade"]
    assert ((ups["time_factor"] > 0) & (ups["time_factor"] <= 1)).all()


def test_provenance_counts_cover_rows_and_field_statuses(data):
    counts = data.provenance_counts()
    assert list(counts) == list(STATUSES)
    rows = sum(len(getattr(data, name)) for name in FILES)
    per_field = (len(data.towns) * 5 + len(data.parks) * 3 + len(data.external) * 2
                 + len(data.villages) * 2)
    assert sum(counts.values()) == rows + per_field
    assert counts["assumed"] > 0 and counts["official"] > 0
    table = data.provenance_table()
    row = table[(table["row"] == "huicheng") & (table["fields"] == "population")]
    assert row["status"].tolist() == ["derived"]


# --------------------------------------------------------------------------------------------
# Validation errors, each on a tmp copy of the data with one file mutated
# --------------------------------------------------------------------------------------------
@pytest.fixture
def tmp_data(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    target.mkdir()
    for name in FILES:
        shutil.copy(default_data_dir() / f"{name}.csv", target / f"{name}.csv")
    return target


def _rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def set_cell(data_dir: Path, file: str, row_id: str, column: str, value: str,
             id_col: str = "id") -> None:
    path = data_dir / f"{file}.csv"
    header, rows = _rows(path)
    i, j = header.index(id_col), header.index(column)
    hits = [r for r in rows if r[i] == row_id]
    assert hits, f"no row {row_id} in {file}"
    hits[0][j] = value
    _write(path, header, rows)


def load_error(data_dir: Path) -> str:
    with pytest.raises(DataError) as info:
        load_region_data(data_dir)
    return str(info.value)


def test_missing_file(tmp_data):
    (tmp_data / "towns.csv").unlink()
    msg = load_error(tmp_data)
    assert "towns.csv" in msg and "missing" in msg


def test_missing_required_column(tmp_data):
    path = tmp_data / "towns.csv"
    header, rows = _rows(path)
    j = header.index("area_km2")
    _write(path, header[:j] + header[j + 1:], [r[:j] + r[j + 1:] for r in rows])
    msg = load_error(tmp_data)
    assert "towns.csv" in msg and "area_km2" in msg and "required column is missing" in msg


def test_unknown_column_suggests_the_right_one(tmp_data):
    path = tmp_data / "parks.csv"
    header, rows = _rows(path)
    header[header.index("area_mu")] = "area_muu"
    _write(path, header, rows)
    msg = load_error(tmp_data)
    assert "parks.csv" in msg and "unknown column" in msg and "'area_mu'" in msg


def test_empty_required_cell(tmp_data):
    set_cell(tmp_data, "parks", "yamen_env", "source", "")
    msg = load_error(tmp_data)
    assert "parks.csv" in msg and "yamen_env.source" in msg and "empty" in msg


def test_bad_number_names_row_and_column(tmp_data):
    set_cell(tmp_data, "towns", "daze", "area_km2", "83,5x")
    msg = load_error(tmp_data)
    assert "towns.csv:3" in msg  # line 3: header + huicheng + daze
    assert "daze.area_km2" in msg and "not a number" in msg and "'83,5x'" in msg


@pytest.mark.parametrize(("file", "row", "column", "value"), [
    ("towns", "luokeng", "area_km2", "0"),
    ("parks", "fengshanhu", "area_mu", "-3000"),
    ("links", "road_huicheng_jiangmen_core", "length_km", "-10"),
    ("town_sectors", "daao", "weight", "0"),
])
def test_non_positive_area_or_amount(tmp_data, file, row, column, value):
    id_col = "town" if file == "town_sectors" else "id"
    set_cell(tmp_data, file, row, column, value, id_col=id_col)
    msg = load_error(tmp_data)
    assert f"{file}.csv" in msg and f"{row}" in msg and f".{column}" in msg
    assert "must be positive" in msg


def test_out_of_range_share(tmp_data):
    set_cell(tmp_data, "parks", "yinhu_bay", "developed_share", "1.5")
    msg = load_error(tmp_data)
    assert "yinhu_bay.developed_share" in msg and "<= 1" in msg


def test_status_not_in_allowed_set(tmp_data):
    set_cell(tmp_data, "external", "zhuhai", "gdp_status", "estimated")
    msg = load_error(tmp_data)
    assert "external.csv" in msg and "zhuhai.gdp_status" in msg and "unknown status" in msg
    assert "official, reported, derived, assumed" in msg


def test_duplicate_id(tmp_data):
    path = tmp_data / "links.csv"
    header, rows = _rows(path)
    rows.append(list(rows[0]))
    _write(path, header, rows)
    msg = load_error(tmp_data)
    assert "links.csv" in msg and f"{rows[0][0]}.id" in msg and "duplicate id" in msg


def test_duplicate_district_key_and_year(tmp_data):
    path = tmp_data / "district.csv"
    header, rows = _rows(path)
    rows.append(list(rows[0]))
    _write(path, header, rows)
    msg = load_error(tmp_data)
    assert "district.csv" in msg and "gdp_yi@2023" in msg and "duplicate key + year" in msg


@pytest.mark.parametrize(("file", "row", "column", "value", "id_col"), [
    ("towns", "daze", "zone", "tanjiangg", "id"),
    ("parks", "yamen_env", "host_town", "yamenn", "id"),
    ("parks", "yamen_env", "zone", "nowhere", "id"),
    ("parks", "yamen_env", "lead_sectors", "electronics;pcb", "id"),
    ("links", "g240_luokeng_daze", "from", "luokengg", "id"),
    ("links", "g240_luokeng_daze", "to", "atlantis", "id"),
    ("projects", "shenjiang_railway", "to", "shenzen", "id"),
    ("cooperation", "xintai_huicheng", "b", "taishann", "id"),
    ("sectors", "paper", "speciality_towns", "shuangshui;nowhere", "id"),
    ("town_sectors", "daao", "sector", "containerz", "town"),
])
def test_reference_to_undefined_id(tmp_data, file, row, column, value, id_col):
    set_cell(tmp_data, file, row, column, value, id_col=id_col)
    msg = load_error(tmp_data)
    assert f"{file}.csv" in msg and f".{column}" in msg and "undefined" in msg
    bad = value.split(";")[-1]
    assert repr(bad) in msg


def test_town_sectors_undefined_town(tmp_data):
    set_cell(tmp_data, "town_sectors", "daao", "town", "dao", id_col="town")
    msg = load_error(tmp_data)
    assert "town_sectors.csv" in msg and "dao:containers.town" in msg and "undefined town" in msg
    assert "'daao'" in msg  # did-you-mean


def test_empty_zone(tmp_data):
    for town in ("shuangshui", "yamen"):
        set_cell(tmp_data, "towns", town, "zone", "yinzhou_east")
    msg = load_error(tmp_data)
    assert "zones.csv" in msg and "yinzhou_west" in msg and "zone has no towns" in msg


def test_park_zone_must_match_host_town(tmp_data):
    set_cell(tmp_data, "parks", "yamen_env", "zone", "yinzhou_east")
    msg = load_error(tmp_data)
    assert "parks.csv" in msg and "yamen_env.zone" in msg and "'yinzhou_west'" in msg


def test_node_id_used_twice(tmp_data):
    set_cell(tmp_data, "parks", "shadui_yacht", "id", "shadui")
    msg = load_error(tmp_data)
    assert "parks.csv" in msg and "shadui.id" in msg and "both" in msg


def test_not_utf8(tmp_data):
    path = tmp_data / "towns.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("gb18030"))
    msg = load_error(tmp_data)
    assert "towns.csv:2" in msg and "not valid UTF-8" in msg


def test_row_with_wrong_cell_count(tmp_data):
    path = tmp_data / "zones.csv"
    path.write_text(path.read_text(encoding="utf-8") + "extra,区,Extra\n", encoding="utf-8")
    msg = load_error(tmp_data)
    assert "zones.csv:6" in msg and "cells" in msg


def test_annual_target_needs_an_end_year(tmp_data):
    set_cell(tmp_data, "targets", "investment_introduced", "year_end", "")
    msg = load_error(tmp_data)
    assert "targets.csv" in msg and "investment_introduced.year_end" in msg


def test_invalid_choice_suggests(tmp_data):
    set_cell(tmp_data, "links", "g240_luokeng_daze", "mode", "nationalroad")
    msg = load_error(tmp_data)
    assert "g240_luokeng_daze.mode" in msg and "'national_road'" in msg


def test_upgrade_must_name_an_existing_link(tmp_data):
    set_cell(tmp_data, "projects", "g240_upgrade_luokeng_daze", "from", "siqian")
    set_cell(tmp_data, "projects", "g240_upgrade_luokeng_daze", "to", "yamen")
    msg = load_error(tmp_data)
    assert "projects.csv" in msg and "g240_upgrade_luokeng_daze.to" in msg
    assert "no existing link" in msg


def test_loaded_frames_are_pandas(data):
    for name in FILES:
        assert isinstance(getattr(data, name), pd.DataFrame)


# --------------------------------------------------------------------------------------------
# docs/data.md and `python -m simxh.datafiles`
# --------------------------------------------------------------------------------------------
DOC = Path(__file__).resolve().parents[1] / "docs" / "data.md"


@pytest.mark.skipif(not DOC.exists(), reason="docs/data.md not in this checkout")
def test_docs_data_md_tables_are_up_to_date(data):
    text = DOC.read_text(encoding="utf-8")
    assert DOC_MARKER in text
    assert render_provenance_doc(text, data) == text, (
        "docs/data.md is out of date: run `python -m simxh.datafiles docs/data.md`")


def test_provenance_markdown_lists_every_assumed_district_figure(data):
    md = provenance_markdown(data)
    for row in data.district[data.district["status"] == "assumed"].itertuples():
        line = next(ln for ln in md.splitlines() if ln.startswith(f"| {row.key} | {row.year} |"))
        assert "**assumed**" in line
    for town in data.towns.index:
        assert f"| {town} |" in md


def test_main_regenerates_a_doc_and_keeps_its_hand_written_head(tmp_path, capsys):
    doc = tmp_path / "data.md"
    doc.write_text("# Hand-written\n\nintro\n", encoding="utf-8")
    assert datafiles_main([str(doc)]) == 0
    text = doc.read_text(encoding="utf-8")
    assert text.startswith("# Hand-written\n\nintro\n\n" + DOC_MARKER)
    assert "## Towns (`towns.csv`)" in text
    assert datafiles_main([str(doc)]) == 0
    assert doc.read_text(encoding="utf-8") == text  # idempotent
    assert "OK" in capsys.readouterr().out


def test_main_reports_a_data_error_with_status_2(tmp_data, capsys):
    set_cell(tmp_data, "zones", "tanjiang", "status", "guess")
    assert datafiles_main(["--data", str(tmp_data)]) == 2
    out = capsys.readouterr().out
    assert "zones.csv" in out and "tanjiang.status" in out
