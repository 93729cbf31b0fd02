"""The Xinhui region as data: load and validate the CSV files in ``simxh/data/``.

Every file is UTF-8 CSV with a header row. Every row carries its provenance: ``status`` (one of
official / reported / derived / assumed) and a non-empty ``source``; where one row mixes
provenance, a per-field status column (``area_status``, ``gdp_status``...) says which figure is
which. List-valued cells hold ``;``-separated ids. ``simxh/data/README.md`` describes the files
and ``docs/data.md`` gives every figure's status and source.

The loader validates at the boundary and raises :class:`simxh.errors.DataError` naming the file,
the line, the row id and the column (``key='daze.area_km2'``) for a missing file or column, an
empty required cell, a bad number, a non-positive area, an unknown status, a duplicate id, a
reference to an undefined id and a zone without towns. Inside the package the data are trusted.
"""

from __future__ import annotations

import csv
import difflib
import io
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from simxh.errors import DataError

STATUSES: tuple[str, ...] = ("official", "reported", "derived", "assumed")
"""Provenance levels, from a statistical bulletin (official) to a modelling estimate (assumed)."""

TOWN_KINDS = ("subdistrict", "town")  # 街道 / 镇
VILLAGE_KINDS = ("village", "community")  # 行政村 / 社区
VILLAGE_CLASSES = ("upgrading", "urban_fringe", "heritage", "relocation")
"""Guangdong's village classification (村庄分类): 集聚提升类, 城郊融合类, 特色保护类, 搬迁撤并类."""
LINK_MODES = ("road", "expressway", "national_road", "rail")
SECTOR_GROUPS = ("pillar", "emerging", "advantage", "speciality", "other")
PROJECT_KINDS = ("upgrade", "new_link")
TARGET_COMPARATORS = (">=", ">")
TARGET_KINDS = ("level", "annual", "mean_growth")
TARGET_METRICS = (
    "investment_introduced_yi", "hightech_firms", "little_giants", "little_giants_key",
    "firms_output_over_10yi", "tech_renovation_firms", "towns_fiscal_over_5yi_share",
    "villages_collective_over_2000wan", "beautiful_village_share", "demo_villages",
    "gdp_growth_pct", "gdp_yi", "gdp_nominal_yi", "gdp_share_of_city",
)
"""Results-table columns a target may be scored on."""
COOPERATION_KINDS = ("xintai", "shenjiang", "pairing")
MACRO_SERIES = ("real_gdp_growth_pct", "gdp_deflator_pct", "cpi_pct", "ppi_pct", "gdp_yi")
MACRO_KINDS = ("observed", "projection")  # a published outturn, or a published outlook
"""Cooperation ties listed in data (zone and town–park ties are built from towns and parks)."""

LIST_SEP = ";"


# --------------------------------------------------------------------------------------------
# Schema
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Col:
    """One column of a data file: its type, whether it is needed, and its allowed values."""

    name: str
    kind: str = "str"  # str | float | int | list | status | choice
    required: bool = True  # the cell must be non-empty
    optional_column: bool = False  # the column itself may be absent
    positive: bool = False
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    ref: str | None = None  # table whose ids this column refers to ("nodes" = towns+parks+external)


@dataclass(frozen=True)
class FileSpec:
    name: str
    columns: tuple[Col, ...]
    id_column: str | None = "id"
    unique: tuple[str, ...] = ("id",)
    field_status: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Per-field status column -> the value columns whose provenance it states."""

    @property
    def filename(self) -> str:
        return f"{self.name}.csv"


def _status(name: str = "status", required: bool = True) -> Col:
    return Col(name, "status", required=required)


_PROV = (_status(), Col("source"), Col("notes", required=False, optional_column=True))
_LAT = Col("lat", "float", minimum=-90.0, maximum=90.0)
_LON = Col("lon", "float", minimum=-180.0, maximum=180.0)

SPECS: dict[str, FileSpec] = {
    spec.name: spec
    for spec in (
        FileSpec("district", (
            Col("key"), Col("value", "float"), Col("unit"), Col("year", "int", required=False),
            *_PROV), id_column=None, unique=("key", "year")),
        FileSpec("zones", (
            Col("id"), Col("name_zh"), Col("name_en"),
            Col("target_2025_industrial_output_yi", "float", positive=True), *_PROV)),
        FileSpec("towns", (
            Col("id"), Col("name_zh"), Col("name_en"), Col("kind", "choice", choices=TOWN_KINDS),
            Col("zone", ref="zones"), _status("zone_status"),
            Col("area_km2", "float", positive=True), _status("area_status"),
            Col("population", "int", positive=True), Col("population_year", "int", required=False),
            _status("population_status"),
            Col("communities", "int", minimum=0), Col("villages", "int", minimum=0),
            _status("villages_status"),
            _LAT, _LON, _status("coord_status"), *_PROV),
            field_status={"zone_status": ("zone",), "area_status": ("area_km2",),
                          "population_status": ("population",),
                          "villages_status": ("communities", "villages"),
                          "coord_status": ("lat", "lon")}),
        FileSpec("villages", (
            Col("id"), Col("town", ref="towns"), Col("kind", "choice", choices=VILLAGE_KINDS),
            Col("population", "int", minimum=0),
            Col("farmland_mu", "float", minimum=0.0), Col("citrus_mu", "float", minimum=0.0),
            Col("construction_land_mu", "float", minimum=0.0), _status("land_status"),
            Col("classification", "choice", choices=VILLAGE_CLASSES),
            _status("classification_status"), *_PROV),
            field_status={"land_status": ("farmland_mu", "citrus_mu", "construction_land_mu"),
                          "classification_status": ("classification",)}),
        FileSpec("parks", (
            Col("id"), Col("name_zh"), Col("name_en"), Col("host_town", ref="towns"),
            Col("zone", ref="zones"), Col("area_mu", "float", positive=True), _status("area_status"),
            Col("developed_share", "float", minimum=0.0, maximum=1.0),
            _status("developed_share_status"), Col("lead_sectors", "list", ref="sectors"),
            Col("lat", "float", required=False, optional_column=True, minimum=-90.0, maximum=90.0),
            Col("lon", "float", required=False, optional_column=True, minimum=-180.0,
                maximum=180.0),
            Col("coord_status", "status", required=False, optional_column=True), *_PROV),
            field_status={"area_status": ("area_mu",),
                          "developed_share_status": ("developed_share",),
                          "coord_status": ("lat", "lon")}),
        FileSpec("external", (
            Col("id"), Col("name_zh"), Col("name_en"), _LAT, _LON,
            Col("gdp_yi", "float", positive=True), Col("gdp_year", "int"), _status("gdp_status"),
            Col("macro_region", required=False, optional_column=True),
            _status("coord_status"), *_PROV),
            field_status={"gdp_status": ("gdp_yi",), "coord_status": ("lat", "lon")}),
        FileSpec("links", (
            Col("id"), Col("name"), Col("from", ref="nodes"), Col("to", ref="nodes"),
            Col("mode", "choice", choices=LINK_MODES),
            Col("length_km", "float", required=False, positive=True),
            Col("travel_min", "float", required=False, positive=True), *_PROV)),
        FileSpec("cooperation", (
            Col("id"), Col("a", ref="nodes"), Col("b", ref="nodes"),
            Col("kind", "choice", choices=COOPERATION_KINDS), *_PROV)),
        FileSpec("sectors", (
            Col("id"), Col("name_zh"), Col("name_en"), Col("group", "choice", choices=SECTOR_GROUPS),
            Col("speciality_towns", "list", required=False, ref="towns"), *_PROV)),
        FileSpec("town_sectors", (
            Col("town", ref="towns"), Col("sector", ref="sectors"),
            Col("weight", "float", positive=True), *_PROV),
            id_column=None, unique=("town", "sector")),
        FileSpec("targets", (
            Col("id"), Col("name_zh"), Col("name_en"),
            Col("metric", "choice", choices=TARGET_METRICS),
            Col("comparator", "choice", choices=TARGET_COMPARATORS), Col("value", "float"),
            Col("unit"), Col("year", "int"), Col("year_end", "int", required=False),
            Col("kind", "choice", choices=TARGET_KINDS), *_PROV)),
        FileSpec("projects", (
            Col("id"), Col("name_zh"), Col("name_en"), Col("kind", "choice", choices=PROJECT_KINDS),
            Col("from", ref="nodes"), Col("to", ref="nodes"),
            Col("mode", "choice", required=False, choices=LINK_MODES),
            Col("length_km", "float", required=False, positive=True),
            Col("travel_min_after", "float", required=False, positive=True),
            Col("time_factor", "float", required=False, positive=True, maximum=1.0),
            Col("cost_yi", "float", minimum=0.0), Col("start_year", "int"),
            Col("build_years", "int", positive=True), *_PROV)),
        FileSpec("macro", (
            Col("series", "choice", choices=MACRO_SERIES), Col("region"),
            Col("year", "int", minimum=1990, maximum=2100), Col("value", "float"), Col("unit"),
            Col("kind", "choice", choices=MACRO_KINDS), *_PROV),
            id_column=None, unique=("series", "region", "year")),
    )
}
FILES: tuple[str, ...] = tuple(SPECS)
"""The data files, in load order (each ``<name>.csv``)."""


# --------------------------------------------------------------------------------------------
# The loaded data
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class RegionData:
    """The region's data files, one typed DataFrame each (indexed by ``id`` where there is one).

    ``district`` holds key–value figures (unique on key + year); ``town_sectors`` the towns'
    industrial mix. Lists (``lead_sectors``, ``speciality_towns``) are tuples of ids.
    """

    district: pd.DataFrame
    zones: pd.DataFrame
    towns: pd.DataFrame
    villages: pd.DataFrame
    parks: pd.DataFrame
    external: pd.DataFrame
    links: pd.DataFrame
    cooperation: pd.DataFrame
    sectors: pd.DataFrame
    town_sectors: pd.DataFrame
    targets: pd.DataFrame
    projects: pd.DataFrame
    macro: pd.DataFrame
    data_dir: Path

    def path(self, name: str) -> Path:
        """The file a table was read from (``data.path("links")``)."""
        if name not in SPECS:
            raise KeyError(f"no data file {name!r}; expected one of {', '.join(FILES)}")
        return self.data_dir / SPECS[name].filename

    @property
    def node_ids(self) -> tuple[str, ...]:
        """Town, park and external node ids, in that order."""
        return tuple(self.towns.index) + tuple(self.parks.index) + tuple(self.external.index)

    def district_value(self, key: str, year: int | None = None) -> float:
        """A district figure (``district_value("gdp_yi")`` = 1011.25); the latest year by default."""
        rows = self.district[self.district["key"] == key]
        if year is not None:
            rows = rows[rows["year"] == year]
        if rows.empty:
            known = sorted(set(self.district["key"]))
            hint = difflib.get_close_matches(key, known, n=1)
            raise DataError("no such district figure", file=self.path("district"),
                            key=key if year is None else f"{key}@{year}", value=key,
                            expected=f"'{hint[0]}'" if hint else "a key listed in district.csv")
        if year is None and rows["year"].notna().any():
            rows = rows.sort_values("year", na_position="first")
        return float(rows["value"].iloc[-1])

    def provenance_table(self) -> pd.DataFrame:
        """One row per sourced value: file, row id, the fields it covers, status and source.

        Each data row counts once (its ``status``), and each per-field status column once more
        (e.g. a town's ``area_status`` for ``area_km2``).
        """
        records: list[dict[str, str]] = []
        for name in FILES:
            spec = SPECS[name]
            frame: pd.DataFrame = getattr(self, name)
            ids = _row_ids(spec, frame)
            for pos, (_, row) in enumerate(frame.iterrows()):
                records.append({"file": spec.filename, "row": ids[pos], "fields": "row",
                                "status": row["status"], "source": row["source"]})
                for status_col, fields in spec.field_status.items():
                    if status_col in frame.columns and row[status_col]:
                        records.append({"file": spec.filename, "row": ids[pos],
                                        "fields": ",".join(fields), "status": row[status_col],
                                        "source": row["source"]})
        return pd.DataFrame.from_records(records,
                                         columns=["file", "row", "fields", "status", "source"])

    def provenance_counts(self) -> dict[str, int]:
        """How many sourced values are official, reported, derived or assumed (all four keys)."""
        counts = self.provenance_table()["status"].value_counts()
        return {s: int(counts.get(s, 0)) for s in STATUSES}


def default_data_dir() -> Path:
    """The package's own ``data/`` directory."""
    return Path(__file__).resolve().parent / "data"


def load_region_data(data_dir: Path | str | None = None) -> RegionData:
    """Read and validate every region data file in ``data_dir`` (default: the package's data).

    Raises :class:`DataError` naming the file, row and column of the first problem found.
    """
    base = Path(data_dir) if data_dir is not None else default_data_dir()
    tables: dict[str, pd.DataFrame] = {}
    lines: dict[str, dict[str, int]] = {}
    for name in FILES:
        tables[name], lines[name] = _read_table(base / SPECS[name].filename, SPECS[name])
    _check_references(base, tables, lines)
    return RegionData(**tables, data_dir=base)


# --------------------------------------------------------------------------------------------
# Reading one file
# --------------------------------------------------------------------------------------------
def _read_text(path: Path) -> str:
    if not path.is_file():
        raise DataError("data file is missing", file=path,
                        expected=f"a CSV file '{path.name}' in {path.parent}")
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError(f"file is not valid UTF-8 text (byte {exc.start})", file=path, line=line,
                        expected="UTF-8 encoding (save the CSV as UTF-8)") from None


def _read_table(path: Path, spec: FileSpec) -> tuple[pd.DataFrame, dict[str, int]]:
    reader = csv.reader(io.StringIO(_read_text(path), newline=""))
    rows = _csv_rows(path, reader)
    try:
        header = [h.strip() for h in next(rows)]
    except StopIteration:
        raise DataError("data file is empty", file=path, expected="a header row") from None
    _check_header(path, spec, header)
    known = {c.name: c for c in spec.columns}
    present = [known[h] for h in header]
    records: list[dict[str, Any]] = []
    row_lines: dict[str, int] = {}
    seen: dict[tuple, int] = {}
    for cells in rows:
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            raise DataError(f"row has {len(cells)} cells but the header has {len(header)}",
                            file=path, line=line, key=f"line {line}",
                            expected="one cell per header column (quote cells containing commas)")
        raw = {h: c.strip() for h, c in zip(header, cells)}
        row_id = _raw_row_id(spec, raw, line)
        record = {col.name: _parse_cell(path, line, row_id, col, raw[col.name])
                  for col in present}
        for col in spec.columns:
            if col.name not in record:  # an optional column left out of the file
                record[col.name] = _parse_cell(path, line, row_id, col, "")
        _check_row(path, line, row_id, spec, record)
        unique = tuple(record[c] for c in spec.unique)
        if unique in seen:
            what = "id" if spec.unique == ("id",) else " + ".join(spec.unique)
            raise DataError(f"duplicate {what} (first on line {seen[unique]})", file=path,
                            line=line, key=f"{row_id}.{spec.unique[0]}", value=row_id,
                            expected=f"a unique {what}")
        seen[unique] = line
        row_lines[row_id] = line
        records.append(record)
    frame = _to_frame(spec, records)
    return frame, row_lines


def _csv_rows(path: Path, reader: Any) -> Iterator[list[str]]:
    """The reader's rows; a malformed CSV (an oversized cell...) becomes a DataError."""
    while True:
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise DataError(f"malformed CSV: {exc}", file=path, line=reader.line_num,
                            expected="a UTF-8 CSV file with a header row") from None


def _check_header(path: Path, spec: FileSpec, header: list[str]) -> None:
    names = [c.name for c in spec.columns]
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        raise DataError("duplicate column in header", file=path, line=1, key=dupes[0],
                        value=dupes[0], expected="each column once")
    for h in header:
        if h not in names:
            hint = difflib.get_close_matches(h, names, n=1)
            raise DataError("unknown column", file=path, line=1, key=h, value=h,
                            expected=f"'{hint[0]}'" if hint
                            else "one of " + ", ".join(names))
    for col in spec.columns:
        if col.name not in header and not col.optional_column:
            raise DataError("required column is missing", file=path, line=1, key=col.name,
                            expected="columns " + ", ".join(names))


def _raw_row_id(spec: FileSpec, raw: dict[str, str], line: int) -> str:
    if spec.id_column is not None:
        return raw.get(spec.id_column) or f"line {line}"
    if spec.name == "district":
        key = raw.get("key") or f"line {line}"
        return f"{key}@{raw['year']}" if raw.get("year") else key
    return ":".join(raw.get(c) or "?" for c in spec.unique)


def _parse_cell(path: Path, line: int, row_id: str, col: Col, text: str) -> Any:
    key = f"{row_id}.{col.name}"

    def fail(message: str, expected: str) -> DataError:
        return DataError(message, file=path, line=line, key=key, value=text, expected=expected)

    if text == "":
        if col.required:
            raise DataError("required cell is empty", file=path, line=line, key=key,
                            expected=_describe(col))
        return {"float": math.nan, "int": pd.NA, "list": ()}.get(col.kind, "")
    if col.kind == "status":
        if text not in STATUSES:
            raise fail("unknown status", "one of " + ", ".join(STATUSES))
        return text
    if col.kind == "choice":
        if text not in col.choices:
            hint = difflib.get_close_matches(text, col.choices, n=1)
            raise fail(f"invalid {col.name}",
                       (f"'{hint[0]}' (one of " if hint else "one of ") + ", ".join(col.choices)
                       + (")" if hint else ""))
        return text
    if col.kind == "list":
        items = tuple(s.strip() for s in text.split(LIST_SEP))
        if any(not s for s in items):
            raise fail("empty item in list", f"ids separated by '{LIST_SEP}'")
        return items
    if col.kind in ("float", "int"):
        try:
            number = float(text)
        except ValueError:
            raise fail("not a number", _describe(col)) from None
        if not math.isfinite(number):
            raise fail("number is not finite", _describe(col))
        if col.kind == "int":
            if number != int(number):
                raise fail("not a whole number", _describe(col))
            number = int(number)
            if abs(number) > 2**62:  # beyond what a table column of integers holds
                raise fail("whole number too large", _describe(col))
        if col.positive and number <= 0:
            raise fail("must be positive", _describe(col))
        if col.minimum is not None and number < col.minimum:
            raise fail("value out of range", _describe(col))
        if col.maximum is not None and number > col.maximum:
            raise fail("value out of range", _describe(col))
        return number
    return text


def _describe(col: Col) -> str:
    if col.kind == "status":
        return "one of " + ", ".join(STATUSES)
    if col.kind == "choice":
        return "one of " + ", ".join(col.choices)
    if col.kind == "list":
        return f"ids separated by '{LIST_SEP}'"
    if col.kind in ("float", "int"):
        what = "a whole number" if col.kind == "int" else "a number"
        bounds = []
        if col.positive:
            bounds.append("> 0")
        if col.minimum is not None:
            bounds.append(f">= {col.minimum:g}")
        if col.maximum is not None:
            bounds.append(f"<= {col.maximum:g}")
        return what + (" " + " and ".join(bounds) if bounds else "")
    return "a non-empty value"


def _check_row(path: Path, line: int, row_id: str, spec: FileSpec, rec: dict[str, Any]) -> None:
    """Checks that involve more than one cell of a row."""

    def fail(column: str, message: str, expected: str) -> DataError:
        return DataError(message, file=path, line=line, key=f"{row_id}.{column}",
                         value=rec[column], expected=expected)

    if spec.name in ("links", "projects") and rec["from"] == rec["to"]:
        raise fail("to", "link joins a node to itself", "two different nodes")
    if spec.name == "cooperation" and rec["a"] == rec["b"]:
        raise fail("b", "tie joins a node to itself", "two different nodes")
    if spec.name == "parks":
        has_lat, has_lon = not math.isnan(rec["lat"]), not math.isnan(rec["lon"])
        if has_lat != has_lon:
            raise fail("lon" if has_lat else "lat", "coordinates are incomplete",
                       "both lat and lon, or neither")
        if has_lat and not rec["coord_status"]:
            raise fail("coord_status", "required cell is empty",
                       "one of " + ", ".join(STATUSES) + " when lat/lon are given")
        if not rec["lead_sectors"]:
            raise fail("lead_sectors", "required cell is empty", "at least one sector id")
    if spec.name == "targets" and rec["kind"] in ("annual", "mean_growth"):
        if rec["year_end"] is pd.NA:
            raise fail("year_end", "required cell is empty",
                       f"an end year for a target of kind '{rec['kind']}'")
        if rec["year_end"] <= rec["year"]:
            raise fail("year_end", "end year is not after the start year",
                       f"a year after {rec['year']}")
    if spec.name == "projects":
        if rec["kind"] == "upgrade" and math.isnan(rec["time_factor"]):
            raise fail("time_factor", "required cell is empty",
                       "a factor in (0, 1] for an upgrade")
        if rec["kind"] == "new_link" and not rec["mode"]:
            raise fail("mode", "required cell is empty", "the new link's mode")


def _to_frame(spec: FileSpec, records: list[dict[str, Any]]) -> pd.DataFrame:
    names = [c.name for c in spec.columns]
    frame = pd.DataFrame.from_records(records, columns=names)
    for col in spec.columns:
        if col.kind == "float":
            frame[col.name] = frame[col.name].astype("float64")
        elif col.kind == "int":
            frame[col.name] = frame[col.name].astype("Int64")
        else:
            frame[col.name] = frame[col.name].astype(object)
    if spec.id_column is not None:
        frame = frame.set_index(spec.id_column, drop=True)
        frame.index.name = spec.id_column
    return frame


def _row_ids(spec: FileSpec, frame: pd.DataFrame) -> list[str]:
    if spec.id_column is not None:
        return [str(i) for i in frame.index]
    if spec.name == "district":
        return [f"{k}@{y}" if y is not pd.NA else str(k)
                for k, y in zip(frame["key"], frame["year"])]
    return [":".join(str(row[c]) for c in spec.unique) for _, row in frame.iterrows()]


# --------------------------------------------------------------------------------------------
# Checks across files
# --------------------------------------------------------------------------------------------
def _check_references(base: Path, t: dict[str, pd.DataFrame], lines: dict[str, dict[str, int]]
                      ) -> None:
    node_tables = ("towns", "parks", "external")
    owner: dict[str, str] = {}
    for name in node_tables:
        for node in t[name].index:
            if node in owner:
                raise DataError(f"id is used in both {owner[node]}.csv and {name}.csv",
                                file=base / f"{name}.csv", line=lines[name].get(node),
                                key=f"{node}.id", value=node,
                                expected="node ids unique across towns, parks and external")
            owner[node] = name
    ids = {"zones": set(t["zones"].index), "towns": set(t["towns"].index),
           "sectors": set(t["sectors"].index), "nodes": set(owner)}

    for name in FILES:
        spec = SPECS[name]
        frame = t[name]
        row_ids = _row_ids(spec, frame)
        for col in spec.columns:
            if col.ref is None:
                continue
            allowed = ids[col.ref]
            for pos, value in enumerate(frame[col.name]):
                values: Iterable[str] = value if col.kind == "list" else (value,)
                for v in values:
                    if v and v not in allowed:
                        hint = difflib.get_close_matches(v, sorted(allowed), n=1)
                        what = "a node (town, park or external)" if col.ref == "nodes" \
                            else f"a {col.ref[:-1]}"
                        raise DataError(
                            f"refers to an undefined {col.ref[:-1] if col.ref != 'nodes' else 'node'}",
                            file=base / spec.filename, line=lines[name].get(row_ids[pos]),
                            key=f"{row_ids[pos]}.{col.name}", value=v,
                            expected=(f"'{hint[0]}' or another id of " if hint else "an id of ")
                            + f"{what} defined in {_ref_files(col.ref)}")

    towns = t["towns"]
    for zone in t["zones"].index:
        if not (towns["zone"] == zone).any():
            raise DataError("zone has no towns", file=base / "zones.csv",
                            line=lines["zones"].get(zone), key=f"{zone}.id", value=zone,
                            expected="at least one town in towns.csv with this zone")

    parks = t["parks"]
    for pid, row in parks.iterrows():
        host_zone = towns.loc[row["host_town"], "zone"]
        if row["zone"] != host_zone:
            raise DataError("park's zone differs from its host town's zone",
                            file=base / "parks.csv", line=lines["parks"].get(pid),
                            key=f"{pid}.zone", value=row["zone"],
                            expected=f"'{host_zone}' (the zone of {row['host_town']})")

    _check_villages(base, t, lines)
    _check_upgrades(base, t, lines)


def _check_villages(base: Path, t: dict[str, pd.DataFrame], lines: dict[str, dict[str, int]]
                    ) -> None:
    """A village's orchards lie within its farmland; each town has as many villages and
    communities in villages.csv as towns.csv counts."""
    v = t["villages"]
    path = base / "villages.csv"
    for vid, row in v.iterrows():
        if row["citrus_mu"] > row["farmland_mu"]:
            raise DataError("orchards exceed the village's farmland", file=path,
                            line=lines["villages"].get(vid), key=f"{vid}.citrus_mu",
                            value=row["citrus_mu"],
                            expected=f"at most farmland_mu ({row['farmland_mu']})")
    for tid, row in t["towns"].iterrows():
        for kind, column in (("village", "villages"), ("community", "communities")):
            n = int(((v["town"] == tid) & (v["kind"] == kind)).sum())
            if n != int(row[column]):
                raise DataError(f"town has {n} {column} in villages.csv", file=path,
                                key=f"{tid}.{column}", value=n,
                                expected=f"{int(row[column])} (towns.csv, line "
                                         f"{lines['towns'].get(tid)})")


def _ref_files(ref: str) -> str:
    return {"nodes": "towns.csv, parks.csv or external.csv"}.get(ref, f"{ref}.csv")


def _check_upgrades(base: Path, t: dict[str, pd.DataFrame], lines: dict[str, dict[str, int]]
                    ) -> None:
    """An upgrade project must name an existing link (either direction, same mode if given)."""
    links = t["links"]
    existing: dict[frozenset[str], set[str]] = {}
    for _, row in links.iterrows():
        existing.setdefault(frozenset((row["from"], row["to"])), set()).add(row["mode"])
    for pid, row in t["projects"].iterrows():
        if row["kind"] != "upgrade":
            continue
        modes = existing.get(frozenset((row["from"], row["to"])), set())
        matches: Callable[[str], bool] = (lambda m: True) if not row["mode"] \
            else (lambda m, want=row["mode"]: m == want)  # type: ignore[misc]
        if not any(matches(m) for m in modes):
            mode = f" by {row['mode']}" if row["mode"] else ""
            raise DataError(f"upgrade names no existing link{mode}", file=base / "projects.csv",
                            line=lines["projects"].get(pid), key=f"{pid}.to", value=row["to"],
                            expected=f"a link between {row['from']} and {row['to']}{mode} "
                            "in links.csv (or kind new_link)")


# --------------------------------------------------------------------------------------------
# The provenance tables of docs/data.md
# --------------------------------------------------------------------------------------------
DOC_MARKER = ("<!-- Everything below is generated from simxh/data by "
              "`python -m simxh.datafiles docs/data.md`; edit the CSV files, then rerun it. -->")


def _md(value: Any) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, tuple):
        value = ", ".join(value)
    elif isinstance(value, float):
        value = f"{value:g}" if abs(value) < 1e6 else f"{value:,.0f}"
    return str(value).replace("|", "\\|").replace("\n", " ")


def _md_table(header: list[str], rows: Iterable[Iterable[Any]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(_md(c) for c in row) + " |" for row in rows]
    return [*out, ""]


def _bold_assumed(status: str) -> str:
    return f"**{status}**" if status == "assumed" else status


def provenance_markdown(data: RegionData) -> str:
    """Markdown tables of every figure in the data with its status and source (for docs/data.md)."""
    c = data.provenance_counts()
    out = [
        "## Counts",
        "",
        f"Counting every row once and every per-field status once more, the data hold "
        f"**{c['official']} official, {c['reported']} reported, {c['derived']} derived and "
        f"{c['assumed']} assumed** values ({sum(c.values())} in all).",
        "",
        "## District figures (`district.csv`)",
        "",
    ]
    d = data.district
    out += _md_table(["key", "year", "value", "unit", "status", "source", "notes"],
                     ((r.key, r.year, r.value, r.unit, _bold_assumed(r.status), r.source, r.notes)
                      for r in d.itertuples()))
    out += ["## Zones (`zones.csv`)", ""]
    out += _md_table(["id", "name", "2025 target 规上 output (亿元)", "status", "source", "notes"],
                     ((i, f"{r.name_zh} {r.name_en}", r.target_2025_industrial_output_yi,
                       _bold_assumed(r.status), r.source, r.notes)
                      for i, r in data.zones.iterrows()))
    out += ["## Towns (`towns.csv`)", "",
            "Each figure is followed by its status in brackets; row sources in `towns.csv`.", ""]
    out += _md_table(
        ["id", "name", "zone", "area km²", "population (year)", "communities + villages",
         "lat, lon", "notes"],
        ((i, f"{r.name_zh} {r.name_en}", f"{r.zone} [{r.zone_status}]",
          f"{r.area_km2:g} [{r.area_status}]",
          f"{r.population:,} ({_md(r.population_year) or 'year n/a'}) [{r.population_status}]",
          f"{r.communities} + {r.villages} [{r.villages_status}]",
          f"{r.lat:.4f}, {r.lon:.4f} [{r.coord_status}]", r.notes)
         for i, r in data.towns.iterrows()))
    v = data.villages
    out += ["## Villages and communities (`villages.csv`)", "",
            f"{len(v)} administrative villages and communities (行政村/社区), one row each; per "
            "town below (counts from `towns.csv`). Every village-level value (population, "
            "farmland, orchards, collective construction land, classification) is a split of "
            "town or district figures by assumed weights (`docs/sources/make_villages.py`): "
            "**assumed**; the orchards sum to the reported 新会柑 area (14.3万亩, 2023).", ""]
    out += _md_table(
        ["town", "villages", "communities", "population", "farmland 亩", "orchards 亩",
         "collective construction land 亩", "status"],
        ((t, int((g["kind"] == "village").sum()), int((g["kind"] == "community").sum()),
          f"{int(g['population'].sum()):,}", f"{g['farmland_mu'].sum():,.0f}",
          f"{g['citrus_mu'].sum():,.0f}", f"{g['construction_land_mu'].sum():,.0f}",
          _bold_assumed("assumed" if (g["status"] == "assumed").any() else g["status"].iloc[0]))
         for t, g in v.groupby("town", sort=False)))
    out += ["## Parks and platforms (`parks.csv`)", ""]
    out += _md_table(
        ["id", "name", "host (zone)", "area 亩", "developed share", "lead sectors", "lat, lon",
         "status", "source", "notes"],
        ((i, r.name_zh, f"{r.host_town} ({r.zone})", f"{r.area_mu:,.0f} [{r.area_status}]",
          f"{r.developed_share:g} [{r.developed_share_status}]", r.lead_sectors,
          "" if math.isnan(r.lat) else f"{r.lat:.2f}, {r.lon:.2f} [{r.coord_status}]",
          _bold_assumed(r.status), r.source, r.notes)
         for i, r in data.parks.iterrows()))
    out += ["## External markets (`external.csv`)", ""]
    out += _md_table(
        ["id", "name", "GDP 亿元 (year)", "GDP status", "lat, lon", "source", "notes"],
        ((i, f"{r.name_zh} {r.name_en}", f"{r.gdp_yi:,.2f} ({r.gdp_year})",
          _bold_assumed(r.gdp_status), f"{r.lat:.3f}, {r.lon:.3f} [{r.coord_status}]",
          r.source, r.notes)
         for i, r in data.external.iterrows()))
    out += ["## Transport links (`links.csv`)", "",
            "An empty length or time is derived by the region builder (detour factor × "
            "great-circle distance / mode speed, `[network]` in the config) and the edge is "
            "then marked derived (or stays assumed).", ""]
    out += _md_table(
        ["id", "from → to", "mode", "km", "min", "status", "source", "notes"],
        ((i, f"{r['from']} → {r['to']}", r["mode"], r["length_km"], r["travel_min"],
          _bold_assumed(r["status"]), r["source"], r["notes"])
         for i, r in data.links.iterrows()))
    out += ["## Cooperation ties (`cooperation.csv`)", ""]
    out += _md_table(["id", "a — b", "kind", "status", "source", "notes"],
                     ((i, f"{r.a} — {r.b}", r.kind, _bold_assumed(r.status), r.source, r.notes)
                      for i, r in data.cooperation.iterrows()))
    out += ["## Sectors (`sectors.csv`)", ""]
    out += _md_table(["id", "name", "group", "speciality towns", "status", "source", "notes"],
                     ((i, f"{r.name_zh} {r.name_en}", r.group, r.speciality_towns,
                       _bold_assumed(r.status), r.source, r.notes)
                      for i, r in data.sectors.iterrows()))
    out += ["## Town industrial mix (`town_sectors.csv`)", ""]
    ts = data.town_sectors
    out += _md_table(
        ["town", "sector weights", "statuses"],
        ((t, ", ".join(f"{s} {w:.2f}" for s, w in zip(g["sector"], g["weight"])),
          ", ".join(sorted(set(g["status"]))))
         for t, g in ts.groupby("town", sort=False)))
    out += ["## Plan targets (`targets.csv`)", ""]
    out += _md_table(
        ["id", "target", "metric", "rule", "year", "kind", "status", "notes"],
        ((i, r.name_zh, r.metric, f"{r.comparator} {r.value:g} {r.unit}",
          f"{r.year}" + ("" if r.year_end is pd.NA else f"–{r.year_end}"), r.kind,
          _bold_assumed(r.status), r.notes)
         for i, r in data.targets.iterrows()))
    out += ["## Infrastructure projects (`projects.csv`)", ""]
    out += _md_table(
        ["id", "name", "kind", "from → to", "mode", "km", "min after", "time factor", "cost 亿元",
         "start", "years", "status", "notes"],
        ((i, r["name_zh"], r["kind"], f"{r['from']} → {r['to']}", r["mode"], r["length_km"],
          r["travel_min_after"], r["time_factor"], r["cost_yi"], r["start_year"],
          r["build_years"], _bold_assumed(r["status"]), r["notes"])
         for i, r in data.projects.iterrows()))
    out += ["## The world outside (`macro.csv`)", "",
            "Real growth and price indices, observed and from a published outlook "
            "(`kind`); how missing years are filled is in `simxh/macro.py`.", ""]
    out += _md_table(
        ["series", "region", "year", "value", "kind", "status", "source"],
        ((r.series, r.region, r.year, r.value, r.kind, _bold_assumed(r.status), r.source)
         for r in data.macro.itertuples()))
    return "\n".join(out).rstrip() + "\n"


def render_provenance_doc(text: str, data: RegionData) -> str:
    """``text`` (a docs/data.md) with everything after :data:`DOC_MARKER` regenerated."""
    head = text.split(DOC_MARKER, 1)[0].rstrip() if DOC_MARKER in text else text.rstrip()
    return f"{head}\n\n{DOC_MARKER}\n\n{provenance_markdown(data)}"


def main(argv: list[str] | None = None) -> int:
    """``python -m simxh.datafiles [DOC] [--data DIR]``: validate, and regenerate DOC's tables."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m simxh.datafiles", description=main.__doc__)
    parser.add_argument("doc", nargs="?", type=Path, help="markdown file to regenerate")
    parser.add_argument("--data", type=Path, default=None, help="data directory")
    args = parser.parse_args(argv)
    try:
        data = load_region_data(args.data)
    except DataError as exc:
        print(f"error: {exc}")
        return 2
    counts = data.provenance_counts()
    print(f"OK  {data.data_dir}: " + ", ".join(f"{n} {s}" for s, n in counts.items()))
    if args.doc is not None:
        old = args.doc.read_text(encoding="utf-8") if args.doc.exists() else ""
        args.doc.write_text(render_provenance_doc(old, data), encoding="utf-8")
        print(f"wrote {args.doc}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
