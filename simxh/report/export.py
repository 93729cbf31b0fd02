"""``simxh export DIR --xlsx``: a results directory's tables as one Excel workbook.

The workbook holds, one sheet each, the ``simxh compare`` tables (summary, paired differences,
targets, equity, cost-effectiveness, rank probabilities, sensitivity when present) and the data CSV of every figure ``simxh report``
drew, a ``villages`` sheet (each village's income percentiles and standards by scenario and
year, when the experiment kept the villages table), plus an ``about`` sheet (experiment,
confidence level, uncertainty sources). Tables with a ``town`` id get a ``town_zh`` name. Sheet names
are readable and at most 31 characters (Excel's limit); headers carry units (``gdp_yi
[亿元 100 million yuan]``) and tables in long form get a ``unit`` column beside ``metric``.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pandas as pd

from simxh.errors import UserError

SUMMARY_SHEETS = (("summary", "summary"), ("paired_differences", "paired differences"),
                  ("targets", "targets"), ("equity", "equity"),
                  ("cost_effectiveness", "cost-effectiveness"),
                  ("rank_probabilities", "rank probabilities"), ("regret", "regret"),
                  ("sensitivity", "sensitivity"))
"""(CSV name in DIR/summary, sheet name), in workbook order."""

FIGURE_SHEETS = {"fan_chart": "fig fan chart", "paired_differences": "fig paired differences",
                 "town_trajectories": "fig town trajectories", "network_map": "fig network map",
                 "target_scorecard": "fig target scorecard", "equity": "fig equity",
                 "sensitivity": "fig sensitivity",
                 "rank_probabilities": "fig rank probabilities",
                 "cost_effectiveness": "fig cost-effectiveness",
                 "village_targets": "fig village targets",
                 "village_income_by_town": "fig village income by town"}
VILLAGE_QUANTILES = (0.1, 0.5, 0.9)
MAX_SHEET_NAME = 31

# Units of column-name suffixes (the store's naming: money in 亿元, people in 万人).
SUFFIX_UNITS = (("_yi", "亿元 100 million yuan"), ("_wan", "万人 10,000 people"),
                ("_pct", "%"), ("_yuan", "元 yuan"), ("_min", "minutes"), ("_mu", "亩 mu"),
                ("_km2", "km²"), ("_pt2", "pt²"))
PROBABILITY_COLUMNS = ("probability", "probability_low", "probability_high", "confidence")
FIGURE_UNITS = {"fan_chart": "gdp_yi"}  # figures whose quantile columns are of one metric


def metric_unit(metric: str) -> str:
    """'亿元 100 million yuan' for gdp_yi (the report's labels, else the name's suffix)."""
    import simxh.report.labels as L

    label = L.METRICS.get(metric)
    if label is not None and (label.unit_zh or label.unit_en):
        zh, en = label.unit_zh, label.unit_en
        return zh if zh == en or not en else f"{zh} {en}".strip()
    for suffix, unit in SUFFIX_UNITS:
        if metric.endswith(suffix):
            return unit
    return ""


def column_unit(column: str) -> str:
    """The unit of a wide column: a metric (``gdp_yi``), a metric with a statistic
    (``theil_gdp_per_capita_ci_low``, ``gdp_yi_median``) or a probability."""
    if column == "confidence":
        return "level 0–1"
    if column == "effect_per_yi":
        return "metric unit per 亿元 of lever money"
    if column == "benefit_cost_ratio":
        return "discounted ΔGDP per 亿元 of discounted social cost"
    if column in PROBABILITY_COLUMNS:
        return "share 0–1"
    if column in ("lon", "lat", "lon2", "lat2"):
        return "°"
    for stat in ("", "_mean", "_median", "_ci_low", "_ci_high", "_sd"):
        if stat and not column.endswith(stat):
            continue
        base = column[: len(column) - len(stat)] if stat else column
        unit = metric_unit(base)
        if unit:
            return unit
    return ""


def with_units(table: pd.DataFrame, metric: str | None = None) -> pd.DataFrame:
    """The table with a ``unit`` column after ``metric`` (long tables) and units in the
    headers of wide value columns. ``metric`` names the metric of unlabelled value columns
    (a figure's p05…p95)."""
    out = table.copy()
    if "metric" in out.columns and "unit" not in out.columns:
        out.insert(out.columns.get_loc("metric") + 1, "unit",
                   [metric_unit(str(m)) for m in out["metric"]])
    renamed = {}
    for col in out.columns:
        unit = column_unit(str(col))
        if not unit and metric and re.fullmatch(r"p\d\d", str(col)):
            unit = metric_unit(metric)
        if unit:
            renamed[col] = f"{col} [{unit}]"
    return out.rename(columns=renamed)


def sheet_name(text: str, taken: set[str]) -> str:
    """An Excel-safe sheet name (no []:*?/\\, at most 31 characters), unique in ``taken``."""
    name = re.sub(r"[\[\]:*?/\\]", " ", text).strip()[:MAX_SHEET_NAME] or "sheet"
    base, k = name, 2
    while name.lower() in {t.lower() for t in taken}:
        tail = f" {k}"
        name = base[: MAX_SHEET_NAME - len(tail)] + tail
        k += 1
    taken.add(name)
    return name


def _read(path: Path) -> pd.DataFrame:
    from simxh.analysis import read_csv

    try:
        return read_csv(path)
    except (ValueError, UnicodeDecodeError) as exc:
        raise UserError(f"not a readable CSV table ({str(exc).strip()[:120]})", file=path,
                        expected="a table written by 'simxh compare' or 'simxh report'") from None


_RERUN = "the file written by 'simxh compare' (rerun 'simxh compare DIR' to rewrite it)"


def summary_metadata(summary: Path) -> dict[str, Any]:
    """``DIR/summary/metadata.json``, checked: a JSON object whose confidence level is in
    (0, 1). Missing (a folder analysed before it existed): an empty dict."""
    path = summary / "metadata.json"
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise UserError(f"damaged summary metadata ({str(exc).strip()[:80]})", file=path,
                        expected=_RERUN) from None
    if not isinstance(meta, dict):
        raise UserError("damaged summary metadata (not a JSON object)", file=path,
                        expected=_RERUN)
    level = meta.get("confidence")
    if isinstance(level, bool) or not isinstance(level, int | float) or not 0 < level < 1:
        raise UserError("damaged summary metadata: no confidence level in (0, 1)", file=path,
                        key="confidence", value=level, expected=_RERUN)
    files = meta.get("files")
    if files is not None and not isinstance(files, dict):
        raise UserError("damaged summary metadata", file=path, key="files", expected=_RERUN)
    return meta


def check_table(path: Path, table: pd.DataFrame, recorded: Any) -> None:
    """A table simxh wrote ends with a newline and, where ``metadata.json`` recorded its
    shape (``recorded``: rows, columns, bytes), has that shape: a cut-off file fails."""
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(size - 1, 0))
            last = fh.read(1)
    except OSError as exc:
        raise UserError(f"cannot read the table ({exc.strerror})", file=path,
                        expected=_RERUN) from None
    problems = []
    if last != b"\n":
        problems.append("it does not end with a newline")
    if isinstance(recorded, dict):
        for what, got in (("rows", len(table)), ("columns", len(table.columns)),
                          ("bytes", size)):
            want = recorded.get(what)
            if isinstance(want, int) and want != got:
                problems.append(f"{got} {what}, metadata.json says {want}")
    if problems:
        raise UserError(f"incomplete table ({'; '.join(problems)}: truncated or edited?)",
                        file=path, expected=_RERUN)


def _about(root: Path, meta: dict[str, Any]) -> pd.DataFrame:
    rows: list[tuple[str, Any]] = [("results directory", str(root))]
    try:
        manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        manifest = {}
    exp = manifest.get("experiment") if isinstance(manifest.get("experiment"), dict) else {}
    rows += [("experiment", exp.get("name", "")), ("reference", manifest.get("reference", "")),
             ("scenarios", ", ".join(map(str, manifest.get("scenarios", []) or []))),
             ("replications", manifest.get("replications", "")),
             ("seed", manifest.get("seed", ""))]
    from simxh.analysis import uncertainty_sources

    rows += [("confidence level of the intervals", meta.get("confidence", 0.95)),
             ("uncertainty sources", ", ".join(meta.get("uncertainty_sources")
                                              or uncertainty_sources(manifest))),
             ("money", "亿元 = 100 million yuan, real 2023 prices"),
             ("cost-effectiveness discount rate",
              (meta.get("cost_effectiveness") or {}).get("discount_rate", "")),
             ("discount rate source",
              (meta.get("cost_effectiveness") or {}).get("discount_rate_source", "")),
             ("people", "万人 = 10,000 people"),
             ("probabilities", "shares from 0 to 1")]
    return pd.DataFrame(rows, columns=["item", "value"]).astype({"value": str})


def village_sheet(root: Path) -> pd.DataFrame | None:
    """One row per scenario, village and year of the experiment's ``years`` (all years when it
    names none): the village's town (id and Chinese name), kind, population, and over the
    replications and design points the 10th, 50th and 90th percentile of its collective income
    and the share of runs in which it meets the beautiful-village and demonstration standards.
    None when the experiment kept no villages table."""
    from simxh.report.labels import with_town_zh
    from simxh.store import read_table

    path = root / "villages.parquet"
    if not path.is_file():
        return None
    table = read_table(path).rename(columns={"population": "population_wan"})  # older stores
    try:
        manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
        years = list((manifest["experiment"].get("spec") or {}).get("years") or [])
    except (OSError, ValueError, KeyError, AttributeError):
        years = []
    if years and table["year"].isin(years).any():
        table = table[table["year"].isin(years)]
    keys = [c for c in ("scenario", "town", "village", "kind", "year") if c in table]
    groups = table.groupby(keys, sort=False)
    out = groups.size().rename("n").to_frame()
    if "population_wan" in table:
        out["population_wan"] = groups["population_wan"].median()
    income = groups["collective_income_wan"]
    for q in VILLAGE_QUANTILES:
        out[f"collective_income_wan_p{round(100 * q):02d}"] = income.quantile(q)
    for col in ("beautiful", "demonstration"):
        if col in table:
            out[f"{col}_share"] = groups[col].mean()
    return with_town_zh(out.reset_index())


def export_xlsx(directory: str | Path, out: str | Path | None = None) -> tuple[Path, list[str]]:
    """Write the workbook; returns its path and the sheet names. ``out`` defaults to
    ``DIR/<experiment name or folder name>.xlsx``."""
    root = Path(directory)
    if not root.is_dir():
        raise UserError("no such results directory", file=root,
                        expected="a directory written by 'simxh run'")
    summary = root / "summary"
    found = [(summary / f"{name}.csv", sheet) for name, sheet in SUMMARY_SHEETS
             if (summary / f"{name}.csv").is_file()]
    if not found:
        raise UserError("no summary tables to export (DIR/summary/*.csv missing)", file=root,
                        expected="a results directory analysed by 'simxh compare DIR'")
    try:
        import openpyxl  # noqa: F401
    except ImportError:
        raise UserError("writing .xlsx needs openpyxl", key="--xlsx",
                        expected="pip install 'simxh[excel]'") from None
    from simxh.analysis import refresh_summary

    refresh_summary(root)  # a summary older than the runs is rebuilt first
    figures = root / "figures"
    district = root / "district.parquet"
    runs_time = district.stat().st_mtime_ns if district.is_file() else 0
    for stem, sheet in FIGURE_SHEETS.items():
        if (figures / f"{stem}.csv").is_file():
            if (figures / f"{stem}.csv").stat().st_mtime_ns < runs_time:
                raise UserError("the figure data predate the runs (district.parquet is newer)",
                                file=figures / f"{stem}.csv",
                                expected=f"figures drawn from these runs: simxh report {root}")
            found.append((figures / f"{stem}.csv", sheet))
    path = Path(out) if out else root / f"{root.resolve().name}.xlsx"
    if path.suffix.lower() != ".xlsx":
        raise UserError("not an .xlsx file name", key="--out", value=str(path),
                        expected="a path ending in .xlsx")
    # a summary that fails its own check (a cut-off CSV, a broken metadata.json) is refused
    meta = summary_metadata(summary)
    recorded = meta.get("files") or {}
    taken: set[str] = set()
    names: list[str] = []
    tables = [(sheet_name("about", taken), _about(root, meta))]
    from simxh.report.labels import with_town_zh

    for csv, sheet in found:
        table = _read(csv)
        check_table(csv, table, recorded.get(csv.name) if csv.parent == summary else None)
        metric = FIGURE_UNITS.get(csv.stem) if csv.parent == figures else None
        tables.append((sheet_name(sheet, taken), with_units(with_town_zh(table), metric)))
    villages = village_sheet(root)
    if villages is not None:
        tables.append((sheet_name("villages", taken), with_units(villages)))
    path.parent.mkdir(parents=True, exist_ok=True)
    from simxh.store import atomic_path

    # written to a temporary file and renamed: a full disk leaves the previous workbook or none
    with atomic_path(path) as tmp:
        writer = pd.ExcelWriter(tmp, engine="openpyxl")
        try:
            for name, table in tables:
                table.to_excel(writer, sheet_name=name, index=False)
                sheet = writer.sheets[name]
                sheet.freeze_panes = "A2"
                for i, col in enumerate(table.columns, start=1):
                    width = max([len(str(col))] + [len(str(v)) for v in table[col].head(50)])
                    sheet.column_dimensions[sheet.cell(1, i).column_letter].width = \
                        min(max(width + 2, 8), 48)
                names.append(name)
        except BaseException as exc:
            _discard(writer, exc)
            raise
        try:
            writer.close()
        except BaseException as exc:
            _discard(writer, exc)
            raise
    return path, names


def _discard(writer: Any, exc: BaseException) -> None:
    """Drop a half-written workbook: its zip archive (found in the failed call's frames) is
    abandoned, so that nothing tries to finish it, and fails again on a full disk, when it is
    garbage-collected ("Exception ignored in ZipFile.__del__"); then its file is closed."""
    import contextlib
    import zipfile

    tb = exc.__traceback__
    while tb is not None:
        for value in list(tb.tb_frame.f_locals.values()):
            for candidate in (value, getattr(value, "_archive", None)):
                if isinstance(candidate, zipfile.ZipFile):
                    candidate.fp = None  # ZipFile.close() then returns at once
        tb = tb.tb_next
    with contextlib.suppress(Exception):
        handles = getattr(writer, "_handles", None)
        if handles is not None:
            handles.close()
