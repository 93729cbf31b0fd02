"""Read an experiment results directory (the store's tables) for the report.

Only the store's published tables are read: ``manifest.json``, ``district.parquet``,
``towns.parquet`` and ``summary/*.csv`` (written by ``simxh compare``). Parquet files are read
column by column (only what the charts need), so a 1,000-run directory loads in well under a
second.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from simxh.errors import UserError
from simxh.store import check_manifest, read_table, unreadable_table

ID_COLUMNS = ("scenario", "point", "replication", "seed", "year")
DISTRICT_COLUMNS = (
    "gdp_yi", "fiscal_revenue_yi", "investment_introduced_yi", "theil_gdp_per_capita",
    "weakest_town_growth_pct", "gini_gdp_per_capita", "gdp_growth_pct", "population_wan",
    "employment_wan", "price_index", "gdp_nominal_yi",
)
TOWN_COLUMNS = ("town", "zone", "gdp_yi", "population_wan")


@dataclass
class Results:
    """The tables of one results directory, reduced to what the report draws."""

    path: Path
    manifest: dict[str, Any]
    district: pd.DataFrame
    towns: pd.DataFrame
    paired: pd.DataFrame | None = None
    targets: pd.DataFrame | None = None
    sensitivity: pd.DataFrame | None = None
    cost_effectiveness: pd.DataFrame | None = None
    ranks: pd.DataFrame | None = None
    regret: pd.DataFrame | None = None
    design_columns: list[str] = field(default_factory=list)
    summary_meta: dict[str, Any] = field(default_factory=dict)

    @property
    def confidence(self) -> float:
        """The confidence level of the intervals in ``summary/`` (``simxh compare
        --confidence``): from ``summary/metadata.json``, else the tables' ``confidence``
        column, else 0.95 (the default of ``simxh compare``)."""
        level = self.summary_meta.get("confidence")
        if level is None:
            for table in (self.paired, self.targets):
                if table is not None and "confidence" in table.columns and len(table):
                    level = table["confidence"].dropna().iloc[0] if \
                        table["confidence"].notna().any() else None
                    if level is not None:
                        break
        try:
            level = float(level) if level is not None else 0.95
        except (TypeError, ValueError):
            return 0.95
        return level if 0 < level < 1 else 0.95

    @property
    def uncertainty_sources(self) -> list[str]:
        """What the spread between runs samples (see :func:`simxh.analysis.uncertainty_sources`):
        the manifest's own list first, then what ``simxh compare`` recorded."""
        from simxh.analysis import SIMULATION_NOISE, uncertainty_sources

        found = uncertainty_sources(self.manifest)
        listed = self.summary_meta.get("uncertainty_sources")
        if found == [SIMULATION_NOISE] and isinstance(listed, list) and listed:
            return [str(x) for x in listed]
        return found

    # ---- manifest accessors (tolerant of the store's layout) ---------------------------

    @property
    def experiment(self) -> dict[str, Any]:
        """The experiment's spec (``manifest["experiment"]["spec"]`` in the store's layout)."""
        exp = self.manifest.get("experiment")
        if isinstance(exp, dict):
            spec = exp.get("spec")
            if isinstance(spec, dict):
                return {**{k: v for k, v in exp.items() if k != "spec"}, **spec}
            return exp
        return self.manifest

    @property
    def name(self) -> str:
        exp = self.experiment
        return str(exp.get("name") or self.manifest.get("name") or self.path.name)

    @property
    def description(self) -> str:
        return str(self.experiment.get("description") or self.manifest.get("description") or "")

    def scenario_info(self) -> dict[str, dict[str, Any]]:
        """Scenario name → its manifest entry (description, overrides, config…)."""
        raw = self.experiment.get("scenarios") or self.manifest.get("scenarios") or []
        out: dict[str, dict[str, Any]] = {}
        if isinstance(raw, Mapping):
            for name, info in raw.items():
                out[str(name)] = dict(info) if isinstance(info, Mapping) else {}
        elif isinstance(raw, list):
            for info in raw:
                if isinstance(info, Mapping) and "name" in info:
                    out[str(info["name"])] = dict(info)
                elif isinstance(info, str):
                    out[info] = {}
        return out

    @property
    def scenarios(self) -> list[str]:
        """Scenarios in the manifest's order (then any others found in the tables)."""
        order = list(self.scenario_info())
        present = list(pd.unique(self.district["scenario"].astype(str)))
        return [s for s in order if s in present] + [s for s in present if s not in order]

    @property
    def reference(self) -> str:
        for source in (self.manifest, self.experiment):
            ref = source.get("reference") or source.get("reference_scenario")
            if isinstance(ref, str) and ref:
                return ref
            if isinstance(ref, Mapping) and ref.get("name"):
                return str(ref["name"])
        for name, info in self.scenario_info().items():
            if info.get("reference"):
                return name
        if self.paired is not None and "reference" in self.paired and len(self.paired):
            return str(self.paired["reference"].iloc[0])
        scen = self.scenarios
        return "baseline" if "baseline" in scen else scen[0]

    @property
    def point_columns(self) -> list[str]:
        """Columns that identify a design point ('point' in the store's tables)."""
        if "point" in self.district.columns:
            return ["point"]
        return list(self.design_columns)

    @property
    def replications(self) -> int:
        """Replications per scenario and design point (counted in the tables)."""
        keys = ["scenario", *self.point_columns]
        counts = self.district.groupby(keys, observed=True)["replication"].nunique()
        return int(counts.min()) if len(counts) else 0

    @property
    def design_points(self) -> int:
        cols = self.point_columns
        if not cols:
            return 1
        if cols == ["point"]:  # an unswept scenario's rows (point -1) are not a design point
            return max(int(self.district.loc[self.district["point"] >= 0, "point"].nunique()), 1)
        return int(self.district[cols].drop_duplicates().shape[0])

    @property
    def years(self) -> list[int]:
        return sorted(int(y) for y in pd.unique(self.district["year"]))

    def scenario_config(self, scenario: str) -> dict[str, Any]:
        """The resolved config of a scenario, if the manifest carries it."""
        for key in ("configs", "resolved_configs", "scenario_configs"):
            table = self.manifest.get(key)
            if isinstance(table, Mapping) and isinstance(table.get(scenario), Mapping):
                entry = table[scenario]
                if isinstance(entry.get("resolved"), Mapping):
                    return dict(entry["resolved"])
                return dict(entry)
        info = self.scenario_info().get(scenario, {})
        for key in ("config_resolved", "resolved", "resolved_config", "config"):
            if isinstance(info.get(key), Mapping):
                return dict(info[key])
        return {}

    def scenario_overrides(self, scenario: str) -> dict[str, Any]:
        info = self.scenario_info().get(scenario, {})
        over = info.get("overrides") or info.get("set") or {}
        return dict(over) if isinstance(over, Mapping) else {}


def _schema_names(path: Path) -> list[str]:
    """The column names of a Parquet file; a damaged file is a UserError naming it."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return list(pq.read_schema(path).names)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise unreadable_table(path, exc) from None


def _read_parquet(path: Path, wanted: Iterable[str]) -> tuple[pd.DataFrame, list[str]]:
    names = _schema_names(path)
    cols = [c for c in wanted if c in names]
    return read_table(path, columns=cols), names


def _design_columns(manifest: Mapping[str, Any], names: list[str]) -> list[str]:
    """Design-point columns: the uncertainties' keys present in the table (or 'design_point')."""
    exp: Any = manifest.get("experiment") if isinstance(manifest.get("experiment"), dict) else manifest
    if isinstance(exp.get("spec"), dict):
        exp = exp["spec"]
    keys: list[str] = []
    design = manifest.get("design")
    if isinstance(design, Mapping):
        keys.extend(str(c) for c in design.get("columns", []) or [] if c != "point")
    for unc in exp.get("uncertainties", []) or []:
        if isinstance(unc, Mapping):
            keys.append(str(unc.get("column") or unc.get("key") or unc.get("name")))
        elif isinstance(unc, str):
            keys.append(unc)
    cols = manifest.get("design_columns") or exp.get("design_columns") or []
    keys.extend(str(c) for c in cols)
    return [k for k in dict.fromkeys(keys) if k in names]


def _read_meta(summary: Path) -> dict[str, Any]:
    """``summary/metadata.json`` (written by ``simxh compare``); {} when absent or unreadable
    (older results: the report then assumes compare's defaults)."""
    path = summary / "metadata.json"
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return meta if isinstance(meta, dict) else {}


def _read_csv(path: Path) -> pd.DataFrame | None:
    if not path.is_file():
        return None
    try:
        table = pd.read_csv(path, encoding="utf-8-sig")
        # a design's tables hold pooled rows (empty point), then one row per design point:
        # the brief and the charts read the pooled ones (the per-point rows are for filtering)
        return table[table["point"].isna()].reset_index(drop=True) if "point" in table else table
    except (ValueError, UnicodeDecodeError) as exc:  # pandas' ParserError/EmptyDataError too
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UserError(f"not a readable CSV table ({reason[:160]})", file=path,
                        expected="a table written by 'simxh compare' (delete it and rerun "
                        "'simxh compare' to rebuild it)") from None


def load_results(directory: str | Path) -> Results:
    """Load a results directory; raises :class:`UserError` naming what is missing."""
    path = Path(directory)
    if not path.is_dir():
        raise UserError("no such results directory", file=path,
                        expected="a directory written by 'simxh run'")
    manifest_path = path / "manifest.json"
    if not manifest_path.is_file():
        raise UserError("results directory has no manifest.json", file=path,
                        expected="a directory written by 'simxh run'")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise UserError(f"manifest is not valid JSON ({exc.msg})", file=manifest_path,
                        line=exc.lineno) from None
    except UnicodeDecodeError:
        raise UserError("manifest is not UTF-8 text", file=manifest_path,
                        expected="the manifest.json written by 'simxh run'") from None
    check_manifest(manifest, manifest_path)
    district_path = path / "district.parquet"
    if not district_path.is_file():
        raise UserError("results directory has no district.parquet (is the run finished?)",
                        file=path, expected="consolidated tables from 'simxh run'")
    names = _schema_names(district_path)
    design = _design_columns(manifest, names)
    district, names = _read_parquet(district_path, [*ID_COLUMNS, *design, *DISTRICT_COLUMNS])
    for col in ("scenario", "year", "replication", "gdp_yi"):  # the contract's minimum
        if col not in district.columns:
            raise UserError("district.parquet lacks a required column", file=district_path,
                            key=col, expected=f"columns {', '.join(ID_COLUMNS)}, gdp_yi, …")
    towns_path = path / "towns.parquet"
    if towns_path.is_file():
        towns, _ = _read_parquet(towns_path, [*ID_COLUMNS, *design, *TOWN_COLUMNS])
    else:
        towns = pd.DataFrame(columns=[*ID_COLUMNS, *TOWN_COLUMNS])
    district["scenario"] = district["scenario"].astype(str)
    towns["scenario"] = towns["scenario"].astype(str)
    summary = path / "summary"
    return Results(
        path=path,
        manifest=manifest,
        district=district,
        towns=towns,
        paired=_read_csv(summary / "paired_differences.csv"),
        targets=_read_csv(summary / "targets.csv"),
        sensitivity=_read_csv(summary / "sensitivity.csv"),
        cost_effectiveness=_read_csv(summary / "cost_effectiveness.csv"),
        ranks=_read_csv(summary / "rank_probabilities.csv"),
        regret=_read_csv(summary / "regret.csv"),
        design_columns=design,
        summary_meta=_read_meta(summary),
    )


def ensure_summaries(results: Results) -> Results:
    """Fill missing summary tables with :mod:`simxh.analysis` when it is available. (A
    summary written before cost-effectiveness and ranks existed is left as it is: the brief
    then asks for ``simxh compare`` again rather than rewriting tables made with other
    options.)"""
    try:
        from simxh.analysis import compare, refresh_summary
    except ImportError:
        return results
    if results.paired is not None and results.targets is not None:
        if not refresh_summary(results.path):  # a stale summary is rebuilt as it was made
            return results
    else:
        compare(results.path)
    summary = results.path / "summary"
    results.paired = _read_csv(summary / "paired_differences.csv")
    results.targets = _read_csv(summary / "targets.csv")
    results.sensitivity = _read_csv(summary / "sensitivity.csv")
    results.cost_effectiveness = _read_csv(summary / "cost_effectiveness.csv")
    results.ranks = _read_csv(summary / "rank_probabilities.csv")
    results.regret = _read_csv(summary / "regret.csv")
    results.summary_meta = _read_meta(summary)
    return results
