"""The report's figures: one small function per figure.

Each function takes a :class:`Context`, aggregates the results tables first (quantiles over
replications, never run by run), draws the aggregate, and returns a :class:`Figure` holding the
matplotlib figure and the DataFrame of exactly what it plots; :func:`simxh.report.write_report`
saves both side by side (``figures/<name>.<fmt>`` and ``figures/<name>.csv``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

import simxh.report.labels as L
import simxh.report.theme as T
from simxh.report.results import Results

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
Q_COLUMNS = ("p05", "p25", "p50", "p75", "p95")
EARLY_YEAR = 2028  # the plan's "five years, marked change" milestone


@dataclass
class Context:
    """What every figure needs: the results, the language, names, the scenario selection."""

    results: Results
    lang: str
    names: L.NameBook
    scenarios: list[str]
    reference: str
    year: int
    notes: str
    data: Any | None = None
    colours: dict[str, str] = field(default_factory=dict)

    def scenario(self, name: str) -> str:
        return L.scenario_label(name, self.lang, self.results.scenario_info().get(name))

    def t(self, key: str, **fmt: Any) -> str:
        return L.text(key, self.lang, **fmt)

    @property
    def pct(self) -> str:
        """The confidence level of the intervals as a percentage ('90%'), from the results."""
        return percent(self.results.confidence)


def percent(level: float) -> str:
    """0.9 → '90%', 0.975 → '97.5%'."""
    return f"{round(100 * float(level), 2):g}%"


@dataclass
class Figure:
    """A drawn figure and the table it plots."""

    name: str
    figure: Any
    data: pd.DataFrame
    caption: str = ""


# --------------------------------------------------------------------------------------------
# Aggregation helpers
# --------------------------------------------------------------------------------------------


def quantile_table(df: pd.DataFrame, by: Sequence[str], value: str,
                   qs: Sequence[float] = QUANTILES) -> pd.DataFrame:
    """Quantiles of ``value`` over all rows of each ``by`` group (replications and design
    points pooled), as columns p05…p95 (named after the quantiles)."""
    cols = [f"p{round(q * 100):02d}" for q in qs]
    if df.empty or value not in df.columns:
        return pd.DataFrame(columns=[*by, *cols])
    grouped = df.groupby(list(by), observed=True, sort=True)[value]
    table = grouped.quantile(list(qs)).unstack(-1)
    table.columns = cols
    return table.reset_index()


def _selected(df: pd.DataFrame, scenarios: Sequence[str]) -> pd.DataFrame:
    return df[df["scenario"].isin(scenarios)]


def _order(df: pd.DataFrame, column: str, order: Sequence[str]) -> pd.DataFrame:
    rank = {k: i for i, k in enumerate(order)}
    return df.assign(_o=df[column].map(rank)).sort_values(["_o", *[c for c in df.columns
                                                                    if c in ("year",)]]
                                                          ).drop(columns="_o")


def target_value(data: Any | None, metric: str) -> tuple[float, int] | None:
    """The (value, year) of the plan's target on ``metric`` from the targets data file; of
    several, the one with the latest year (the plan's horizon, e.g. 3300亿 in 2033)."""
    table = getattr(data, "targets", None)
    if table is None or "metric" not in table.columns:
        return None
    found: list[tuple[int, float]] = []
    for _, row in table[table["metric"] == metric].iterrows():
        end, start = row.get("year_end"), row.get("year")
        try:
            year = int(end if pd.notna(end) else start)
        except (TypeError, ValueError):
            continue
        found.append((year, float(row["value"])))
    if not found:
        return None
    year, value = max(found)
    return value, year


def target_values(data: Any | None, metric: str) -> list[tuple[float, int]]:
    """Every (value, year) of the plan's targets on ``metric``, by year."""
    table = getattr(data, "targets", None)
    if table is None or "metric" not in table.columns:
        return []
    found = []
    for _, row in table[table["metric"] == metric].iterrows():
        end, start = row.get("year_end"), row.get("year")
        try:
            found.append((float(row["value"]), int(end if pd.notna(end) else start)))
        except (TypeError, ValueError):
            continue
    return sorted(found, key=lambda vy: vy[1])


def _is_share(metric: str) -> bool:
    """A share in 0–1 whose label's unit is %."""
    return metric.endswith("_share") and L.metric_unit(metric, "en") == "%"


def _grid(n: int, ncols: int) -> tuple[int, int]:
    ncols = max(1, min(ncols, n))
    return math.ceil(n / ncols), ncols


def _new_figure(width_in: float, height_in: float, nrows: int = 1, ncols: int = 1,
                **kw: Any) -> tuple[Any, np.ndarray]:
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(nrows, ncols, figsize=(width_in, height_in), squeeze=False,
                             layout="constrained", **kw)
    return fig, axes


def _finish(fig: Any, ctx: Context, title: str) -> None:
    from matplotlib.ticker import MaxNLocator

    for ax in fig.axes:  # year axes get whole years only
        lo, hi = ax.get_xlim()
        if 1900 < lo < hi < 2200:
            ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))
    fig.suptitle(title, x=0.0, ha="left", fontsize=T.TITLE_SIZE + 1)
    T.add_notes(fig, ctx.notes)


# --------------------------------------------------------------------------------------------
# 1. Fan chart of district GDP
# --------------------------------------------------------------------------------------------


def fan_chart(ctx: Context) -> Figure:
    """District GDP by scenario: median, 50% and 90% bands; the plan's 8% path and 2033 target."""
    df = _selected(ctx.results.district, ctx.scenarios)
    table = quantile_table(df, ["scenario", "year"], "gdp_yi")
    table = _order(table, "scenario", ctx.scenarios)
    years = sorted(table["year"].unique())
    ref = table[table["scenario"] == ctx.reference].set_index("year")["p50"]
    base_year = years[0] if years else 2023
    base = float(ref.get(base_year, table["p50"].iloc[0] if len(table) else np.nan))
    growth = target_value(ctx.data, "gdp_growth_pct")
    growth_pct = growth[0] if growth else None
    # a nominal target (gdp_nominal_yi) is drawn in real terms: divided by the reference
    # scenario's median price index of its year (the runs' own price paths)
    nominal = target_value(ctx.data, "gdp_nominal_yi")
    gdp_target = nominal or target_value(ctx.data, "gdp_yi")
    if gdp_target and gdp_target[1] not in years:  # the target year is not simulated
        gdp_target = None
    table["plan_growth_yi"] = (base * (1 + growth_pct / 100) ** (table["year"] - base_year)
                               if growth_pct is not None else np.nan)
    table["target_yi"] = np.nan
    table["target_nominal_yi"] = np.nan
    if gdp_target:
        price = 1.0
        if nominal and "price_index" in df.columns:
            sel = (df["scenario"] == ctx.reference) & (df["year"] == gdp_target[1])
            price = float(df.loc[sel, "price_index"].median())
        at = table["year"] == gdp_target[1]
        table.loc[at, "target_yi"] = gdp_target[0] / price
        if nominal:
            table.loc[at, "target_nominal_yi"] = gdp_target[0]
        gdp_target = (gdp_target[0] / price, gdp_target[1])

    n = len(ctx.scenarios)
    nrows, ncols = _grid(n, 3 if n <= 6 else 4)
    fig, axes = _new_figure(T.DOUBLE_COLUMN_IN, 1.2 + (1.9 if ncols <= 3 else 1.6) * nrows,
                            nrows, ncols,
                            sharex=True, sharey=True)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    for ax, scen in zip(axes.flat, ctx.scenarios):
        part = table[table["scenario"] == scen]
        colour = ctx.colours[scen]
        ax.fill_between(part["year"], part["p05"], part["p95"], color=colour, alpha=0.15,
                        linewidth=0, label=ctx.t("band90"))
        ax.fill_between(part["year"], part["p25"], part["p75"], color=colour, alpha=0.35,
                        linewidth=0, label=ctx.t("band50"))
        ax.plot(part["year"], part["p50"], color=colour, label=ctx.t("median"))
        if scen != ctx.reference and not ref.empty:
            ax.plot(ref.index, ref.values, color=T.REFERENCE_COLOUR, linewidth=0.8,
                    linestyle="--", label=ctx.t("reference_median"))
        if growth_pct is not None:
            ax.plot(part["year"], part["plan_growth_yi"], color=T.BLACK, linewidth=0.8,
                    linestyle=":", label=ctx.t("plan_path"))
        if gdp_target:
            ax.plot([gdp_target[1]], [gdp_target[0]], marker="*", markersize=7,
                    color=T.VERMILLION, linestyle="none", label=ctx.t("target"))
            # a nominal target: its plan figure → its value at base-year prices (the axis)
            text = (f"{L.format_number(nominal[0])}→{L.format_number(gdp_target[0])}"
                    if nominal else L.format_number(gdp_target[0]))
            ax.annotate(text, (gdp_target[1], gdp_target[0]),
                        xytext=(-5, 0), textcoords="offset points", ha="right", va="center",
                        fontsize=T.SMALL_SIZE - 0.5, color=T.VERMILLION)
        ax.set_title(ctx.scenario(scen), loc="left", fontsize=T.FONT_SIZE + 0.5, color=colour
                     if scen != ctx.reference else T.BLACK)
        ax.set_xlim(years[0], years[-1]) if years else None
    for ax in axes[-1, :]:
        ax.set_xlabel(ctx.t("year"))
    for ax in axes[:, 0]:
        ax.set_ylabel(L.metric_label("gdp_yi", ctx.lang))
    if n > ncols:  # year ticks on the last visible row of each column
        for ax in axes.flat[n - ncols:n]:
            ax.xaxis.set_tick_params(labelbottom=True)
    handles, labs = _legend_entries(axes.flat[min(1, n - 1)] if n > 1 else axes.flat[0])
    spare = list(axes.flat[n:])
    if spare:  # an empty panel holds the legend
        spare[0].set_visible(True)
        spare[0].axis("off")
        spare[0].legend(handles, labs, loc="center left")
    else:
        fig.legend(handles, labs, loc="outside right upper")
    _finish(fig, ctx, ctx.t("fan_title"))
    out = table[["scenario", "year", *Q_COLUMNS, "plan_growth_yi", "target_yi",
                 "target_nominal_yi"]]
    return Figure("fan_chart", fig, out.reset_index(drop=True))


def _legend_entries(ax: Any) -> tuple[list[Any], list[str]]:
    handles, labs = ax.get_legend_handles_labels()
    seen: dict[str, Any] = {}
    for h, lab in zip(handles, labs):
        seen.setdefault(lab, h)
    return list(seen.values()), list(seen)


# --------------------------------------------------------------------------------------------
# 2. Paired differences versus the reference
# --------------------------------------------------------------------------------------------


def key_outcomes(year: int, years: Iterable[int]) -> list[tuple[str, int]]:
    """The (metric, year) pairs the brief leads with: GDP in 2028 (or the analysed year
    nearest to it) and the key year, fiscal revenue, investment introduced, and the two equity
    measures at the key year."""
    available = set(int(y) for y in years)
    # The five-year milestone (or the analysed year nearest to it), when the key year is later.
    earlier = [y for y in available if y < year] if year > EARLY_YEAR else []
    early = min(earlier, key=lambda y: (abs(y - EARLY_YEAR), -y)) if earlier else year
    pairs = [("gdp_yi", early), ("gdp_yi", year), ("fiscal_revenue_yi", year),
             ("investment_introduced_yi", year), ("theil_gdp_per_capita", year),
             ("weakest_town_growth_pct", year)]
    out = []
    for pair in pairs:
        if pair[1] in available and pair not in out:
            out.append(pair)
    return out


def paired_table(ctx: Context) -> pd.DataFrame:
    """The rows of ``paired_differences.csv`` for the key outcomes and selected scenarios."""
    paired = ctx.results.paired
    cols = ["scenario", "reference", "metric", "year", "mean", "ci_low", "ci_high", "n"]
    if paired is None or paired.empty:
        return pd.DataFrame(columns=cols)
    wanted = key_outcomes(ctx.year, paired["year"].unique())
    keep = pd.Series(False, index=paired.index)
    for metric, year in wanted:
        keep |= (paired["metric"] == metric) & (paired["year"] == year)
    rows = paired[keep & paired["scenario"].isin(ctx.scenarios)
                  & (paired["scenario"] != ctx.reference)]
    if "reference" in rows.columns:
        rows = rows[rows["reference"].astype(str) == ctx.reference]
    order = {pair: i for i, pair in enumerate(wanted)}
    srank = {s: i for i, s in enumerate(ctx.scenarios)}
    rows = rows.assign(_m=[order[(m, y)] for m, y in zip(rows["metric"], rows["year"])],
                       _s=rows["scenario"].map(srank)).sort_values(["_m", "_s"])
    return rows[cols].reset_index(drop=True)


def paired_differences(ctx: Context) -> Figure | None:
    """Dot-and-interval panels: each scenario minus the reference, one panel per outcome."""
    table = paired_table(ctx)
    if table.empty:
        return None
    outcomes = list(dict.fromkeys(zip(table["metric"], table["year"])))
    nrows, ncols = _grid(len(outcomes), 3)
    scen = [s for s in ctx.scenarios if s != ctx.reference and s in set(table["scenario"])]
    height = 0.8 + nrows * (0.6 + 0.17 * len(scen))
    fig, axes = _new_figure(T.DOUBLE_COLUMN_IN, height, nrows, ncols, sharey=True)
    for ax in axes.flat[len(outcomes):]:
        ax.set_visible(False)
    ypos = {s: i for i, s in enumerate(reversed(scen))}
    for ax, (metric, year) in zip(axes.flat, outcomes):
        part = table[(table["metric"] == metric) & (table["year"] == year)]
        ax.axvline(0, color=T.GREY, linewidth=0.7)
        for _, row in part.iterrows():
            y = ypos[row["scenario"]]
            colour = ctx.colours[row["scenario"]]
            ax.plot([row["ci_low"], row["ci_high"]], [y, y], color=colour, linewidth=1.6,
                    solid_capstyle="butt", gid="interval")
            ax.plot([row["mean"]], [y], marker="o", markersize=3.5, color=colour)
        name = L.metric_label(metric, ctx.lang, unit=False, short=True)
        ax.set_title(f"{name} {year}", loc="left", fontsize=T.FONT_SIZE)
        unit = L.metric_unit(metric, ctx.lang)
        if unit == "%":  # a difference of percentages is in percentage points
            unit = ctx.t("pp")
        diff = ctx.t("difference")
        ax.set_xlabel(f"{diff}（{unit}）" if ctx.lang == "zh" and unit
                      else f"{diff} ({unit})" if unit else diff)
        ax.set_yticks(range(len(scen)))
        ax.set_yticklabels([ctx.scenario(s) for s in reversed(scen)])
        ax.grid(axis="y", visible=False)
        ax.margins(x=0.15)
    n = int(table["n"].min()) if "n" in table and len(table) else 0
    ref = ctx.scenario(ctx.reference)
    ci = ctx.t("ci", pct=ctx.pct)
    title = ctx.t("paired_title") + (f"（{ref}，{ci}，n={n}）" if ctx.lang == "zh"
                                     else f" ({ref}; {ci}, n = {n})")
    _finish(fig, ctx, title)
    return Figure("paired_differences", fig, table)


# --------------------------------------------------------------------------------------------
# 3. Town small multiples
# --------------------------------------------------------------------------------------------


def town_order(ctx: Context, present: Iterable[str]) -> list[tuple[str, str]]:
    """(zone, town) pairs grouped by zone, in the data files' order."""
    present = list(dict.fromkeys(str(t) for t in present))
    towns = [t for t in ctx.names.towns if t in present] + [
        t for t in present if t not in ctx.names.towns]
    zone_of = dict(ctx.names.town_zone)
    tz = ctx.results.towns[["town", "zone"]].drop_duplicates() if "zone" in ctx.results.towns \
        else pd.DataFrame(columns=["town", "zone"])
    for town, zone in zip(tz["town"], tz["zone"]):
        zone_of.setdefault(str(town), str(zone))
    zones = [z for z in ctx.names.zones if z in set(zone_of.values())]
    zones += [z for z in dict.fromkeys(zone_of.get(t, "") for t in towns) if z not in zones]
    return [(z, t) for z in zones for t in towns if zone_of.get(t, "") == z]


def town_trajectories(ctx: Context, metric: str = "gdp_yi") -> Figure | None:
    """Each town's median GDP trajectory by scenario, panels grouped and coloured by zone."""
    towns = _selected(ctx.results.towns, ctx.scenarios)
    if towns.empty or metric not in towns.columns:
        return None
    table = quantile_table(towns, ["town", "scenario", "year"], metric, (0.5,))
    table = table.rename(columns={"p50": f"{metric}_median"})
    order = town_order(ctx, table["town"].unique())
    zone_of = {t: z for z, t in order}
    table.insert(0, "zone", table["town"].map(zone_of))
    rank = {t: i for i, (_, t) in enumerate(order)}
    srank = {s: i for i, s in enumerate(ctx.scenarios)}
    table = table.assign(_t=table["town"].map(rank), _s=table["scenario"].map(srank)).sort_values(
        ["_t", "_s", "year"]).drop(columns=["_t", "_s"])
    zones = list(dict.fromkeys(z for z, _ in order))
    zpale = T.zone_colours(zones, pale=True)
    ncols = 4
    nrows = math.ceil((len(order) + 1) / ncols)
    fig, axes = _new_figure(T.DOUBLE_COLUMN_IN, 0.8 + 1.45 * nrows, nrows, ncols, sharex=True)
    for ax, (zone, town) in zip(axes.flat, order):
        part = table[table["town"] == town]
        for scen in ctx.scenarios:
            line = part[part["scenario"] == scen]
            ax.plot(line["year"], line[f"{metric}_median"], color=ctx.colours[scen],
                    linewidth=1.0 if scen != ctx.reference else 1.3,
                    linestyle="-" if scen != ctx.reference else "--",
                    label=ctx.scenario(scen))
        ax.set_title(ctx.names.short_name(town, ctx.lang), loc="left", fontsize=T.FONT_SIZE)
        ax.text(0.03, 0.97, ctx.names.short_name(zone, ctx.lang), transform=ax.transAxes,
                ha="left", va="top", fontsize=T.SMALL_SIZE - 0.5, color="#555555")
        ax.set_facecolor(zpale[zone])
        ax.grid(color="white", linewidth=0.6)
        ax.tick_params(labelsize=T.SMALL_SIZE - 0.5)
    for ax in axes[:, 0]:
        ax.set_ylabel(L.metric_label(metric, ctx.lang))
    # The free panels hold the legends: scenarios and zones.
    spare = list(axes.flat[len(order):])
    for ax in spare:
        ax.axis("off")
    handles, labs = _legend_entries(axes.flat[0])
    from matplotlib.patches import Patch

    zone_handles = [Patch(facecolor=c, edgecolor="#999999", linewidth=0.4,
                          label=ctx.names.name(z, ctx.lang)) for z, c in zpale.items()]
    if len(spare) == 1:  # zones are named in each panel's corner and tinted
        spare[0].legend(handles, labs, loc="center left", title=ctx.t("scenario"),
                        title_fontsize=T.SMALL_SIZE)
    elif spare:
        spare[0].legend(handles, labs, loc="center left", title=ctx.t("scenario"),
                        title_fontsize=T.SMALL_SIZE)
        spare[1].legend(zone_handles, [h.get_label() for h in zone_handles],
                        loc="center left", title=ctx.t("zone_background"),
                        title_fontsize=T.SMALL_SIZE)
    else:
        fig.legend(handles, labs, loc="outside right upper", title=ctx.t("scenario"))
        fig.legend(zone_handles, [h.get_label() for h in zone_handles],
                   loc="outside right lower", title=ctx.t("zone_background"))
    for ax in axes.flat[: len(order)]:
        ax.xaxis.set_tick_params(labelbottom=True)
    _finish(fig, ctx, ctx.t("towns_title"))
    return Figure("town_trajectories", fig, table.reset_index(drop=True))


# --------------------------------------------------------------------------------------------
# 4. Network map
# --------------------------------------------------------------------------------------------


def scenario_projects(ctx: Context, scenario: str) -> list[str]:
    """Infrastructure project ids a scenario builds, read from its resolved config
    (``infrastructure.enabled`` and ``infrastructure.project_ids``, empty = every project in
    projects.csv), else from any ``*project*`` list in its config or overrides."""
    known: list[str] = []
    table = getattr(ctx.data, "projects", None)
    if table is not None:
        known = [str(i) for i in table.index]
    infra = ctx.results.scenario_config(scenario).get("infrastructure")
    if isinstance(infra, Mapping) and "enabled" in infra:
        if not infra.get("enabled"):
            return []
        ids = [str(i) for i in (infra.get("project_ids") or ())]
        return [i for i in ids if not known or i in known] if ids else known
    found: list[str] = []

    def walk(value: Any, key: str = "") -> None:
        if isinstance(value, Mapping):
            for k, v in value.items():
                walk(v, f"{key}.{k}" if key else str(k))
        elif isinstance(value, list | tuple) and "project" in key.lower():
            for item in value:
                if isinstance(item, str) and (not known or item in set(known)):
                    found.append(item)

    walk(ctx.results.scenario_config(scenario))
    over = ctx.results.scenario_overrides(scenario)
    for key, value in over.items():
        walk(value, key)
    return list(dict.fromkeys(found))


def map_scenario(ctx: Context) -> str:
    """The scenario the map shows: the first selected one with projects, else the reference."""
    for scen in ctx.scenarios:
        if scen != ctx.reference and scenario_projects(ctx, scen):
            return scen
    return ctx.reference


def network_map(ctx: Context, region: Any | None = None) -> Figure | None:
    """Towns at their coordinates (colour = zone, area = GDP), parks, transport by mode,
    cooperation and pairing ties, external markets as arrows, and the scenario's projects."""
    if region is None:
        try:
            from simxh.region import build_region

            region = build_region(data=ctx.data) if ctx.data is not None else build_region()
        except Exception:  # no region data: the other figures still render
            return None
    graph = region.graph
    scen = map_scenario(ctx)
    towns = _selected(ctx.results.towns, [scen])
    gdp = {}
    if not towns.empty and "gdp_yi" in towns:
        at = towns[towns["year"] == ctx.year]
        if at.empty:
            at = towns[towns["year"] == towns["year"].max()]
        gdp = at.groupby("town")["gdp_yi"].median().to_dict()
    nodes = []
    for node, attrs in graph.nodes(data=True):
        nodes.append({"element": "node", "id": str(node), "kind": attrs.get("kind", ""),
                      "zone": attrs.get("zone", ""), "lon": attrs.get("lon"),
                      "lat": attrs.get("lat"), "gdp_yi": gdp.get(str(node), np.nan)})
    nodes_df = pd.DataFrame(nodes)
    inner = nodes_df[nodes_df["kind"].isin(["town", "park"])].dropna(subset=["lon", "lat"])
    if inner.empty:
        return None
    pad_lon = 0.05 + 0.08 * (inner["lon"].max() - inner["lon"].min())
    pad_lat = 0.04 + 0.08 * (inner["lat"].max() - inner["lat"].min())
    xlim = (inner["lon"].min() - pad_lon, inner["lon"].max() + pad_lon)
    ylim = (inner["lat"].min() - pad_lat, inner["lat"].max() + pad_lat)
    pos = {r.id: (r.lon, r.lat) for r in nodes_df.itertuples() if pd.notna(r.lon)}

    fig, axes = _new_figure(T.DOUBLE_COLUMN_IN, T.DOUBLE_COLUMN_IN * 0.72, 1, 2,
                            width_ratios=[2.6, 1])
    ax, key = axes[0, 0], axes[0, 1]
    key.axis("off")
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect(1 / math.cos(math.radians(sum(ylim) / 2)))
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(True)
        spine.set_color("#BBBBBB")
    ax.tick_params(labelsize=T.SMALL_SIZE - 0.5, colors="#777777")

    rows: list[dict[str, Any]] = []
    from matplotlib.lines import Line2D

    legend: dict[str, Any] = {}
    # Transport edges by mode (drawn first, under everything).
    for u, v, attrs in graph.edges(data=True):
        if attrs.get("layer") != "transport" or u not in pos or v not in pos:
            continue
        mode = str(attrs.get("mode", "road"))
        style = T.MODE_STYLES.get(mode, T.DEFAULT_MODE_STYLE)
        (x1, y1), (x2, y2) = pos[u], pos[v]
        ax.plot([x1, x2], [y1, y2], zorder=1, solid_capstyle="round", **style)
        label = f"{ctx.t('transport')}: {L.kind_label(L.TRANSPORT_MODES, mode, ctx.lang)}"
        legend.setdefault(label, Line2D([], [], **style))
        rows.append({"element": "transport", "id": str(attrs.get("link_id", "")), "kind": mode,
                     "from": str(u), "to": str(v), "lon": x1, "lat": y1, "lon2": x2, "lat2": y2})
    # Cooperation ties, curved so they stand apart from roads.
    from matplotlib.patches import FancyArrowPatch

    for u, v, attrs in graph.edges(data=True):
        if attrs.get("layer") != "cooperation" or u not in pos or v not in pos:
            continue
        kind = str(attrs.get("kind", ""))
        style = T.COOPERATION_STYLES.get(kind)  # type: ignore[assignment]
        if style is None or style.get("alpha", 1) == 0:
            continue
        (x1, y1), (x2, y2) = pos[u], pos[v]
        patch = FancyArrowPatch((x1, y1), (x2, y2), connectionstyle="arc3,rad=0.25",
                                arrowstyle="-", color=style["color"], linewidth=style["linewidth"],
                                linestyle=style["linestyle"], alpha=style["alpha"], zorder=2)
        ax.add_patch(patch)
        label = f"{ctx.t('cooperation')}: {L.kind_label(L.COOPERATION_KINDS, kind, ctx.lang)}"
        legend.setdefault(label, Line2D([], [], color=style["color"],
                                        linewidth=style["linewidth"],
                                        linestyle=style["linestyle"]))
        rows.append({"element": "cooperation", "id": "", "kind": kind, "from": str(u),
                     "to": str(v), "lon": x1, "lat": y1, "lon2": x2, "lat2": y2})
    # The scenario's infrastructure projects, thick and vermillion.
    projects = getattr(ctx.data, "projects", None)
    for pid in scenario_projects(ctx, scen):
        if projects is None or pid not in projects.index:
            continue
        row = projects.loc[pid]
        a, b = str(row.get("from")), str(row.get("to"))
        if a not in pos or b not in pos:
            continue
        (x1, y1), (x2, y2) = pos[a], pos[b]
        ax.plot([x1, x2], [y1, y2], color=T.PROJECT_COLOUR, linewidth=2.6, alpha=0.75, zorder=3,
                solid_capstyle="round")
        legend.setdefault(ctx.t("projects"), Line2D([], [], color=T.PROJECT_COLOUR,
                                                    linewidth=2.6, alpha=0.75))
        rows.append({"element": "project", "id": pid, "kind": str(row.get("kind", "")),
                     "from": a, "to": b, "lon": x1, "lat": y1, "lon2": x2, "lat2": y2})
    # Parks: small squares.
    parks = nodes_df[nodes_df["kind"] == "park"].dropna(subset=["lon"])
    ax.scatter(parks["lon"], parks["lat"], marker="s", s=9, facecolor="white",
               edgecolor=T.BLACK, linewidth=0.6, zorder=4)
    if len(parks):
        legend.setdefault(L.kind_label(L.NODE_KINDS, "park", ctx.lang),
                          Line2D([], [], marker="s", markersize=3, markerfacecolor="white",
                                 markeredgecolor=T.BLACK, linestyle="none"))
    # Towns: area proportional to GDP, colour by zone.
    town_nodes = nodes_df[nodes_df["kind"] == "town"].dropna(subset=["lon"])
    zones = [z for z in ctx.names.zones if z in set(town_nodes["zone"])] + [
        z for z in dict.fromkeys(town_nodes["zone"]) if z not in ctx.names.zones]
    zcol = T.zone_colours(zones)
    g = town_nodes["gdp_yi"].fillna(town_nodes["gdp_yi"].median())
    gmax = float(g.max()) if len(g) and g.notna().any() else 1.0
    sizes = 30 + 420 * (g.fillna(gmax / 4) / gmax)
    ax.scatter(town_nodes["lon"], town_nodes["lat"], s=sizes,
               c=[zcol.get(z, T.GREY) for z in town_nodes["zone"]], alpha=0.95,
               edgecolor="#333333", linewidth=0.5, zorder=5)
    for r in town_nodes.itertuples():
        ax.annotate(ctx.names.short_name(r.id, ctx.lang), (r.lon, r.lat), xytext=(0, -7),
                    textcoords="offset points", ha="center", va="top",
                    fontsize=T.SMALL_SIZE, zorder=6,
                    bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none",
                          "alpha": 0.6})
    nodes_df["size_pt2"] = np.nan
    nodes_df.loc[town_nodes.index, "size_pt2"] = sizes.to_numpy()
    # External markets: inside the frame as diamonds, outside as arrows at the edge.
    ext = nodes_df[nodes_df["kind"] == "external"].dropna(subset=["lon"])
    cx, cy = sum(xlim) / 2, sum(ylim) / 2
    outside: list[tuple[float, str, Any]] = []
    for r in ext.itertuples():
        name = ctx.names.name(r.id, ctx.lang)
        if xlim[0] <= r.lon <= xlim[1] and ylim[0] <= r.lat <= ylim[1]:
            ax.scatter([r.lon], [r.lat], marker="D", s=14, color=T.GREY, zorder=5)
            ax.annotate(name, (r.lon, r.lat), xytext=(4, 2), textcoords="offset points",
                        fontsize=T.SMALL_SIZE, color="#444444")
            rows.append({"element": "external", "id": r.id, "kind": "inside", "lon": r.lon,
                         "lat": r.lat})
        else:
            outside.append((math.degrees(math.atan2(r.lat - cy, r.lon - cx)), name, r))
    # One arrow per direction: places within 12° of each other share it.
    outside.sort(key=lambda item: item[0])
    groups: list[list[tuple[float, str, Any]]] = []
    for item in outside:
        if groups and item[0] - groups[-1][-1][0] < 12:
            groups[-1].append(item)
        else:
            groups.append([item])
    for group in groups:
        angle = math.radians(sum(a for a, _, _ in group) / len(group))
        dx, dy = math.cos(angle), math.sin(angle)
        ex, ey = _edge_point(cx, cy, cx + dx, cy + dy, xlim, ylim, inset=0.03)
        span = 0.07 * (xlim[1] - xlim[0])
        sx, sy = ex - dx * span, ey - dy * span
        ax.annotate("", xy=(ex, ey), xytext=(sx, sy),
                    arrowprops={"arrowstyle": "-|>", "color": "#555555", "lw": 0.9}, zorder=6)
        name = ("、" if ctx.lang == "zh" else ", ").join(n for _, n, _ in group)
        ax.annotate(name, (ex, ey), xytext=(-dx * 4, 4 if dy <= 0.7 else -4),
                    textcoords="offset points", fontsize=T.SMALL_SIZE - 0.5, color="#333333",
                    ha="right" if dx > 0.3 else ("left" if dx < -0.3 else "center"),
                    va="bottom" if dy <= 0.7 else "top", zorder=6,
                    bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none",
                          "alpha": 0.8})
        for _, _, r in group:
            rows.append({"element": "external", "id": r.id, "kind": "arrow", "lon": r.lon,
                         "lat": r.lat, "lon2": ex, "lat2": ey})
    legend.setdefault(L.kind_label(L.NODE_KINDS, "external", ctx.lang),
                      Line2D([], [], marker=r"$\rightarrow$", markersize=6, color="#555555",
                             linestyle="none"))
    for zone in zones:
        legend[ctx.names.short_name(zone, ctx.lang)] = Line2D(
            [], [], marker="o", markersize=5, color=zcol[zone], markeredgecolor="#333333",
            markeredgewidth=0.5, linestyle="none")
    main_legend = key.legend(list(legend.values()), list(legend), loc="upper left",
                             fontsize=T.SMALL_SIZE - 0.5, borderaxespad=0)
    key.add_artist(main_legend)
    # Circle sizes: reference GDP levels on the towns' scale, in a legend of their own.
    sizes_legend = {}
    for level in _nice_levels(gmax):
        area = 30 + 420 * level / gmax
        unit = "亿元" if ctx.lang == "zh" else "100m yuan"
        sizes_legend[f"{L.format_number(level)} {unit}"] = Line2D(
            [], [], marker="o", markersize=math.sqrt(area), color=T.LIGHT_GREY,
            markeredgecolor="#777777", linestyle="none")
    if sizes_legend:
        key.legend(list(sizes_legend.values()), list(sizes_legend), loc="lower left",
                   fontsize=T.SMALL_SIZE - 0.5, title=ctx.t("size_by_gdp"),
                   title_fontsize=T.SMALL_SIZE - 0.5, labelspacing=1.6, borderpad=1.0,
                   handletextpad=1.2)
    ax.set_xlabel(ctx.t("longitude"))
    ax.set_ylabel(ctx.t("latitude"))
    title = f"{ctx.t('map_title')} — {ctx.scenario(scen)}, {ctx.year}"
    _finish(fig, ctx, title)
    nodes_df["from"] = ""
    nodes_df["to"] = ""
    data = pd.concat([nodes_df, pd.DataFrame(rows)], ignore_index=True)
    data.insert(0, "scenario", scen)
    cols = ["scenario", "element", "id", "kind", "zone", "from", "to", "lon", "lat", "lon2",
            "lat2", "gdp_yi", "size_pt2"]
    for c in cols:
        if c not in data:
            data[c] = np.nan
    return Figure("network_map", fig, data[cols])


def _nice_levels(vmax: float) -> list[float]:
    """Two or three round values up to ``vmax`` for a size legend (e.g. 100, 250, 500)."""
    if not vmax or not math.isfinite(vmax) or vmax <= 0:
        return []
    step = 10 ** math.floor(math.log10(vmax))
    top = math.floor(vmax / step) * step
    return sorted({round(v, 6) for v in (top / 5, top / 2, top) if v > 0})


def _edge_point(cx: float, cy: float, x: float, y: float, xlim: tuple[float, float],
                ylim: tuple[float, float], inset: float) -> tuple[float, float]:
    """Where the ray from (cx, cy) towards (x, y) meets the frame, moved ``inset`` inwards."""
    dx, dy = x - cx, y - cy
    ts = []
    if dx:
        ts += [(xlim[0] - cx) / dx, (xlim[1] - cx) / dx]
    if dy:
        ts += [(ylim[0] - cy) / dy, (ylim[1] - cy) / dy]
    t = min(v for v in ts if v > 0) * (1 - inset)
    return cx + t * dx, cy + t * dy


# --------------------------------------------------------------------------------------------
# 5. Target scorecard
# --------------------------------------------------------------------------------------------


def scorecard_table(ctx: Context) -> pd.DataFrame:
    """The rows of ``targets.csv`` for the selected scenarios, in the targets file's order."""
    targets = ctx.results.targets
    cols = ["scenario", "target", "target_label", "year", "probability", "probability_low",
            "probability_high", "confidence", "n", "value", "basis", "value_real", "base_value",
            "implied_growth_pct", "implied_growth_real_pct", "note"]
    if targets is None or targets.empty:
        return pd.DataFrame(columns=cols)
    rows = targets[targets["scenario"].isin(ctx.scenarios)].copy()
    rows["confidence"] = ctx.results.confidence
    for col, empty in (("implied_growth_pct", np.nan), ("note", ""), ("probability_low", np.nan),
                       ("probability_high", np.nan), ("value", np.nan), ("basis", ""),
                       ("value_real", np.nan), ("base_value", np.nan),
                       ("implied_growth_real_pct", np.nan)):
        if col not in rows:
            rows[col] = empty
    order = [t for t in ctx.names.target_rows if t in set(rows["target"])] + [
        t for t in dict.fromkeys(rows["target"]) if t not in ctx.names.target_rows]
    rows["target_label"] = [ctx.names.target_label(t, ctx.lang, short=True)
                            for t in rows["target"]]
    trank = {t: i for i, t in enumerate(order)}
    srank = {s: i for i, s in enumerate(ctx.scenarios)}
    rows = rows.assign(_t=rows["target"].map(trank), _s=rows["scenario"].map(srank))
    rows = rows.sort_values(["_s", "_t"]).drop(columns=["_t", "_s"])
    return rows[cols].reset_index(drop=True)


def wrap_label(text: str, lang: str, width: int = 7) -> str:
    """Break a column header onto two lines (at '、' or a space where there is one)."""
    if len(text) <= width:
        return text
    for sep in ("、", "+", " + ", "–", " "):
        if sep in text:
            head, _, tail = text.partition(sep)
            return f"{head}{sep.strip() if sep != ' ' else ''}\n{tail}"
    import textwrap

    return "\n".join(textwrap.wrap(text, max(width, 1) * (1 if lang == "zh" else 2)))


def target_scorecard(ctx: Context) -> Figure | None:
    """Heatmap of P(meeting the target): a row per scored target, a column per scenario, with
    the annual growth each target implies from the base year written beside its row."""
    table = scorecard_table(ctx)
    if not table.empty:
        scored = table.groupby("target", sort=False)["probability"].transform(
            lambda p: p.notna().any())
        table = table[scored.astype(bool)].reset_index(drop=True)
    if table.empty:
        return None
    targets = list(dict.fromkeys(table["target"]))
    scen = [s for s in ctx.scenarios if s in set(table["scenario"])]
    grid = table.pivot_table(index="target", columns="scenario", values="probability",
                             aggfunc="first", dropna=False).reindex(index=targets, columns=scen)
    import matplotlib.pyplot as plt

    cell_h = 0.24
    fig, axes = _new_figure(T.DOUBLE_COLUMN_IN, 1.2 + cell_h * len(targets))
    ax = axes[0, 0]
    values = grid.to_numpy(dtype=float)
    lows = table.pivot_table(index="target", columns="scenario", values="probability_low",
                             aggfunc="first", dropna=False).reindex(index=targets, columns=scen)
    highs = table.pivot_table(index="target", columns="scenario", values="probability_high",
                              aggfunc="first", dropna=False).reindex(index=targets, columns=scen)
    lo_v, hi_v = lows.to_numpy(dtype=float), highs.to_numpy(dtype=float)
    with_ci = bool(np.isfinite(lo_v).any())
    ax.imshow(np.ma.masked_invalid(values), cmap=plt.get_cmap("cividis"), vmin=0, vmax=1,
              aspect="auto")
    ax.grid(False)
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            v = values[i, j]
            text = "–" if np.isnan(v) else f"{v * 100:.0f}%"
            colour = T.GREY if np.isnan(v) else ("black" if v > 0.55 else "white")
            if with_ci and np.isfinite(lo_v[i, j]) and np.isfinite(hi_v[i, j]):
                ax.text(j - 0.08, i, text, ha="right", va="center", fontsize=T.SMALL_SIZE,
                        color=colour)
                ax.text(j - 0.04, i, f"{lo_v[i, j] * 100:.0f}–{hi_v[i, j] * 100:.0f}",
                        ha="left", va="center", fontsize=T.SMALL_SIZE - 1.5, color=colour,
                        gid="wilson")
            else:
                ax.text(j, i, text, ha="center", va="center", fontsize=T.SMALL_SIZE,
                        color=colour)
    implied = table.groupby("target", sort=False)["implied_growth_pct"].first()
    labels_by_target = table.groupby("target", sort=False)["target_label"].first()
    ax.set_yticks(range(len(targets)))
    ax.set_yticklabels([labels_by_target[t] for t in targets], fontsize=T.SMALL_SIZE)
    ax.set_xticks(range(len(scen)))
    ax.set_xticklabels([wrap_label(ctx.scenario(s), ctx.lang) for s in scen],
                       fontsize=T.SMALL_SIZE)
    ax.xaxis.tick_top()
    for i, t in enumerate(targets):
        g = implied.get(t)
        if g is not None and pd.notna(g):
            note = ctx.t("needs_growth", g=float(g)) if g > 0 else ctx.t("met_at_base")
            ax.text(len(scen) - 0.4, i, note, ha="left",
                    va="center", fontsize=T.SMALL_SIZE - 0.5, color="#333333", clip_on=False)
    ax.text(len(scen) - 0.4, -0.75, ctx.t("implied_growth"), ha="left", va="bottom",
            fontsize=T.SMALL_SIZE - 0.5, color="#333333", clip_on=False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.tick_params(length=0)
    n = int(table["n"].max())
    wilson = ctx.t("wilson", pct=ctx.pct) if with_ci else ""
    if ctx.lang == "zh":
        title = ctx.t("scorecard_title") + f"（n={n}" + (f"；{wilson}" if wilson else "") + "）"
    else:
        title = ctx.t("scorecard_title") + f" (n = {n}" + (f"; {wilson}" if wilson else "") + ")"
    _finish(fig, ctx, title)
    return Figure("target_scorecard", fig, table)


# --------------------------------------------------------------------------------------------
# 6. Equity over time
# --------------------------------------------------------------------------------------------

EQUITY_METRICS = ("theil_gdp_per_capita", "weakest_town_growth_pct")


def equity(ctx: Context) -> Figure | None:
    """The Theil index of town GDP per capita and the weakest town's growth, by scenario."""
    df = _selected(ctx.results.district, ctx.scenarios)
    metrics = [m for m in EQUITY_METRICS if m in df.columns and df[m].notna().any()]
    if not metrics:
        return None
    parts = []
    for metric in metrics:
        q = quantile_table(df.dropna(subset=[metric]), ["scenario", "year"], metric,
                           (0.25, 0.5, 0.75))
        q.insert(1, "metric", metric)
        parts.append(q)
    table = pd.concat(parts, ignore_index=True)
    fig, axes = _new_figure(T.DOUBLE_COLUMN_IN, 2.6, 1, len(metrics), sharex=True)
    few = len(ctx.scenarios) <= 3
    for ax, metric in zip(axes.flat, metrics):
        for scen in ctx.scenarios:
            part = table[(table["metric"] == metric) & (table["scenario"] == scen)]
            colour = ctx.colours[scen]
            if few or scen == ctx.reference:  # many overlapping bands would read as mud
                ax.fill_between(part["year"], part["p25"], part["p75"], color=colour,
                                alpha=0.18, linewidth=0)
            ax.plot(part["year"], part["p50"], color=colour, label=ctx.scenario(scen),
                    linestyle="--" if scen == ctx.reference else "-")
        ax.set_title(L.metric_label(metric, ctx.lang, unit=False), loc="left",
                     fontsize=T.FONT_SIZE)
        ax.set_ylabel(L.metric_label(metric, ctx.lang, short=True))
        ax.set_xlabel(ctx.t("year"))
    handles, labs = _legend_entries(axes.flat[0])
    fig.legend(handles, labs, loc="outside right upper")
    if few:
        detail = "（中位数与50%区间）" if ctx.lang == "zh" else " (median and 50% band)"
    else:
        detail = ("（中位数；阴影为参照情景的50%区间）" if ctx.lang == "zh"
                  else " (medians; shaded: the reference's 50% band)")
    _finish(fig, ctx, ctx.t("equity_title") + detail)
    return Figure("equity", fig, table)


# --------------------------------------------------------------------------------------------
# 7. Sensitivity bars
# --------------------------------------------------------------------------------------------

_PARAM_COLS = ("parameter", "param", "input", "name", "key", "uncertainty")
_OUTPUT_COLS = ("metric", "output", "outcome")
_INDEX_PAIRS = (("ST", "S1"), ("mu_star", "sigma"), ("S1", None), ("mu_star", None),
                ("rho", None))


def _wide_indices(sens: pd.DataFrame) -> pd.DataFrame:
    """``simxh compare`` writes indices long (index, value, conf): one column per index."""
    if not {"index", "value"} <= set(sens.columns):
        return sens
    keys = [c for c in ("scenario", "metric", "year", "parameter", "method") if c in sens]
    wide = sens.pivot_table(index=keys, columns="index", values="value", aggfunc="first",
                            dropna=False)
    if "conf" in sens:
        conf = sens.pivot_table(index=keys, columns="index", values="conf", aggfunc="first",
                                dropna=False)
        conf = conf.dropna(axis=1, how="all").add_suffix("_conf")
        wide = wide.join(conf)
    wide.columns.name = None
    return wide.reset_index()


def sensitivity_table(ctx: Context) -> tuple[pd.DataFrame, str, str | None]:
    """Rows of ``sensitivity.csv`` for the key output, and the index columns to draw."""
    sens = ctx.results.sensitivity
    if sens is None or sens.empty:
        return pd.DataFrame(), "", None
    sens = _wide_indices(sens)
    pcol = next((c for c in _PARAM_COLS if c in sens.columns), None)
    if pcol is None:
        return pd.DataFrame(), "", None
    main, second = next(((a, b) for a, b in _INDEX_PAIRS if a in sens.columns
                         and (b is None or b in sens.columns)), ("", None))
    if not main:
        return pd.DataFrame(), "", None
    rows = sens.rename(columns={pcol: "parameter"})
    ocol = next((c for c in _OUTPUT_COLS if c in rows.columns), None)
    if ocol and ocol != "metric":
        rows = rows.rename(columns={ocol: "metric"})
    if "metric" in rows:
        metrics = list(dict.fromkeys(rows["metric"]))
        preferred = [m for m in ("gdp_yi", "theil_gdp_per_capita", "fiscal_revenue_yi")
                     if m in metrics] or metrics
        rows = rows[rows["metric"].isin(preferred[:3])]
    if "year" in rows and rows["year"].notna().any():
        years = set(rows["year"].dropna().astype(int))
        year = ctx.year if ctx.year in years else max(years)
        rows = rows[rows["year"] == year]
    if "scenario" in rows and ctx.reference in set(rows["scenario"]):
        rows = rows[rows["scenario"] == ctx.reference]
    return rows.reset_index(drop=True), main, second


def sensitivity(ctx: Context) -> Figure | None:
    """Bars of Sobol total (and first-order) indices, or Morris μ* (and σ), per parameter."""
    rows, main, second = sensitivity_table(ctx)
    if rows.empty:
        return None
    if "metric" not in rows:
        rows = rows.assign(metric="")
    preferred = ("gdp_yi", "theil_gdp_per_capita", "fiscal_revenue_yi")
    metrics = sorted(dict.fromkeys(rows["metric"]),
                     key=lambda m: preferred.index(m) if m in preferred else len(preferred))
    # One parameter order for every panel (by the first panel's index), labels on the left.
    first = rows[rows["metric"] == metrics[0]].set_index("parameter")[main]
    params = list(first.sort_values(na_position="first").index)
    params += [p for p in dict.fromkeys(rows["parameter"]) if p not in params]
    rows = rows.assign(_p=rows["parameter"].map({p: i for i, p in enumerate(params)}),
                       _m=rows["metric"].map({m: i for i, m in enumerate(metrics)}))
    rows = rows.sort_values(["_m", "_p"], ascending=[True, False]).drop(columns=["_m", "_p"])
    fig, axes = _new_figure(T.DOUBLE_COLUMN_IN if len(metrics) > 1 else T.SINGLE_COLUMN_IN * 1.4,
                            1.0 + 0.2 * len(params), 1, len(metrics), sharey=True)
    keep_cols = [c for c in ("metric", "year", "scenario", "method", "parameter", main,
                             f"{main}_conf",
                             second, f"{second}_conf" if second else None) if c and c in rows]
    ypos = {p: i for i, p in enumerate(params)}
    h = 0.38 if second else 0.7
    for ax, metric in zip(axes.flat, metrics):
        part = rows[rows["metric"] == metric]
        y = part["parameter"].map(ypos).to_numpy(dtype=float)
        conf = part.get(f"{main}_conf")
        ax.barh(y + (h / 2 if second else 0), part[main], height=h, color=T.BLUE,
                xerr=conf if conf is not None else None, error_kw={"lw": 0.6, "ecolor": "#333"},
                label=L.kind_label(L.SENSITIVITY_INDICES, main, ctx.lang))
        if second:
            conf2 = part.get(f"{second}_conf")
            ax.barh(y - h / 2, part[second], height=h, color=T.ORANGE,
                    xerr=conf2 if conf2 is not None else None,
                    error_kw={"lw": 0.6, "ecolor": "#333"},
                    label=L.kind_label(L.SENSITIVITY_INDICES, second, ctx.lang))
        ax.set_title(L.metric_label(str(metric), ctx.lang, short=True) if metric else "",
                     loc="left", fontsize=T.FONT_SIZE)
        ax.grid(axis="y", visible=False)
        ax.axvline(0, color=T.GREY, linewidth=0.6)
        ax.tick_params(axis="x", labelsize=T.SMALL_SIZE - 0.5)
    axes.flat[0].set_yticks(range(len(params)))
    axes.flat[0].set_yticklabels([L.param_label(p, ctx.lang) for p in params],
                                 fontsize=T.SMALL_SIZE)
    handles, labs = _legend_entries(axes.flat[0])
    axes.flat[-1].legend(handles, labs, loc="lower right", fontsize=T.SMALL_SIZE - 0.5)
    details = []
    if "method" in rows and rows["method"].notna().any():
        details.append(L.kind_label(L.SENSITIVITY_METHODS, str(rows["method"].iloc[0]),
                                    ctx.lang))
    if "scenario" in rows and rows["scenario"].notna().any():
        details.append(ctx.scenario(str(rows["scenario"].iloc[0])))
    if "year" in rows and rows["year"].notna().any():
        details.append(str(int(rows["year"].iloc[0])))
    title = ctx.t("sensitivity_title")
    if details:
        title += ("（" + "，".join(details) + "）") if ctx.lang == "zh" else (
            " (" + ", ".join(details) + ")")
    _finish(fig, ctx, title)
    return Figure("sensitivity", fig, rows[keep_cols])


# --------------------------------------------------------------------------------------------
# 8. Rank probabilities and cost-effectiveness
# --------------------------------------------------------------------------------------------

RANK_METRICS = ("gdp_yi", "fiscal_revenue_yi", "theil_gdp_per_capita")


def ce_settings(ctx: Context) -> dict[str, Any]:
    """The discount rate (and its base year and source) ``simxh compare`` used, from
    ``summary/metadata.json`` (compare's default when absent)."""
    from simxh.analysis import DEFAULT_DISCOUNT_RATE, DISCOUNT_RATE_SOURCE

    meta = ctx.results.summary_meta.get("cost_effectiveness")
    meta = meta if isinstance(meta, Mapping) else {}
    years = ctx.results.years
    return {"rate": float(meta.get("discount_rate", DEFAULT_DISCOUNT_RATE)),
            "year": int(meta.get("discounted_to", years[0] if years else 2023)),
            "source": str(meta.get("discount_rate_source", DISCOUNT_RATE_SOURCE))}


def rank_table(ctx: Context, metrics: Sequence[str] = RANK_METRICS) -> pd.DataFrame:
    """Rows of ``rank_probabilities.csv`` for the key year (or the last analysed one), the
    given metrics that are present, and the selected scenarios."""
    ranks = ctx.results.ranks
    cols = ["scenario", "metric", "year", "rank", "probability"]
    if ranks is None or ranks.empty or not set(cols) <= set(ranks.columns):
        return pd.DataFrame(columns=cols)
    present = [m for m in metrics if m in set(ranks["metric"])] or \
        list(dict.fromkeys(ranks["metric"]))[:1]
    rows = ranks[ranks["metric"].isin(present) & ranks["scenario"].isin(ctx.scenarios)]
    years = sorted(set(int(y) for y in rows["year"]))
    if not years:
        return pd.DataFrame(columns=cols)
    year = ctx.year if ctx.year in years else years[-1]
    rows = rows[rows["year"] == year]
    mrank = {m: i for i, m in enumerate(present)}
    srank = {sc: i for i, sc in enumerate(ctx.scenarios)}
    rows = rows.assign(_m=rows["metric"].map(mrank), _s=rows["scenario"].map(srank))
    return rows.sort_values(["_m", "_s", "rank"])[cols].reset_index(drop=True)


def rank_probabilities(ctx: Context) -> Figure | None:
    """Stacked bars: the probability that each scenario ranks 1st, 2nd, … (over the
    replications), one panel per key outcome at the key year."""
    import matplotlib.pyplot as plt

    table = rank_table(ctx)
    if table.empty or len(ctx.scenarios) < 2:
        return None
    metrics = list(dict.fromkeys(table["metric"]))
    n_ranks = int(table["rank"].max())
    colours = plt.get_cmap("Blues")(np.linspace(0.95, 0.15, n_ranks))
    scen = [s for s in ctx.scenarios if s in set(table["scenario"])]
    fig, axes = _new_figure(T.DOUBLE_COLUMN_IN, 0.9 + 0.2 * len(scen), 1, len(metrics),
                            sharey=True)
    for ax, metric in zip(axes.flat, metrics):
        part = table[table["metric"] == metric]
        left = np.zeros(len(scen))
        for k in range(1, n_ranks + 1):
            share = part[part["rank"] == k].set_index("scenario")["probability"]
            widths = np.array([float(share.get(s, 0.0)) for s in reversed(scen)])
            ax.barh(range(len(scen)), widths, left=left, height=0.7, color=colours[k - 1],
                    edgecolor="white", linewidth=0.3, label=ctx.t("rank_n", k=k))
            for y, (x0, w) in enumerate(zip(left, widths)):  # label the larger segments
                if w >= 0.12:
                    ax.text(x0 + w / 2, y, f"{w * 100:.0f}%", ha="center", va="center",
                            fontsize=T.SMALL_SIZE - 0.5,
                            color="white" if k <= max(1, n_ranks // 2) else "black")
            left = left + widths
        direction = ctx.t("better_lower") if _direction(ctx, metric) < 0 else \
            ctx.t("better_higher")
        name = L.metric_label(metric, ctx.lang, unit=False, short=True)
        ax.set_title(f"{name}（{direction}）" if ctx.lang == "zh" else f"{name} ({direction})",
                     loc="left", fontsize=T.FONT_SIZE)
        ax.set_xlim(0, 1)
        ax.set_xlabel(ctx.t("probability_axis"))
        ax.xaxis.set_major_formatter(lambda v, _pos: f"{v * 100:.0f}%")
        ax.grid(axis="y", visible=False)
    axes.flat[0].set_yticks(range(len(scen)))
    axes.flat[0].set_yticklabels([ctx.scenario(s) for s in reversed(scen)])
    handles, labs = _legend_entries(axes.flat[0])
    fig.legend(handles, labs, loc="outside right upper", fontsize=T.SMALL_SIZE)
    year = int(table["year"].iloc[0])
    n = ctx.results.replications
    title = ctx.t("rank_title") + (f"（{year}年，{n}次重复）" if ctx.lang == "zh"
                                   else f" ({year}; over {n} replications)")
    _finish(fig, ctx, title)
    return Figure("rank_probabilities", fig, table)


def _direction(ctx: Context, metric: str) -> int:
    meta = ctx.results.summary_meta.get("rank_probabilities")
    directions = meta.get("directions") if isinstance(meta, Mapping) else None
    if isinstance(directions, Mapping) and metric in directions:
        return -1 if str(directions[metric]).startswith("lower") else 1
    from simxh.analysis import metric_direction

    return metric_direction(metric)


def ce_table(ctx: Context, metric: str = "gdp_yi") -> pd.DataFrame:
    """Rows of ``cost_effectiveness.csv`` for ``metric`` (else the first metric) at the key
    year and the selected scenarios, with the effect's paired interval beside them."""
    ce = ctx.results.cost_effectiveness
    cols = ["scenario", "reference", "metric", "year", "effect", "cost_yi", "effect_per_yi",
            "ci_low", "ci_high", "n"]
    if ce is None or ce.empty or not set(cols) <= set(ce.columns):
        return pd.DataFrame(columns=[*cols, "effect_ci_low", "effect_ci_high"])
    metrics = list(dict.fromkeys(ce["metric"]))
    metric = metric if metric in metrics else metrics[0]
    rows = ce[(ce["metric"] == metric) & ce["scenario"].isin(ctx.scenarios)
              & (ce["scenario"] != ctx.reference)]
    years = sorted(set(int(y) for y in rows["year"]))
    if not years:
        return pd.DataFrame(columns=[*cols, "effect_ci_low", "effect_ci_high"])
    year = ctx.year if ctx.year in years else years[-1]
    rows = rows[rows["year"] == year][cols].copy()
    paired = ctx.results.paired
    lo, hi = {}, {}
    if paired is not None and not paired.empty:
        p = paired[(paired["metric"] == metric) & (paired["year"] == year)].set_index("scenario")
        lo, hi = p["ci_low"].to_dict(), p["ci_high"].to_dict()
    rows["effect_ci_low"] = rows["scenario"].map(lo).astype(float)
    rows["effect_ci_high"] = rows["scenario"].map(hi).astype(float)
    srank = {sc: i for i, sc in enumerate(ctx.scenarios)}
    return rows.assign(_s=rows["scenario"].map(srank)).sort_values("_s").drop(
        columns="_s").reset_index(drop=True)


def cost_effectiveness(ctx: Context) -> Figure | None:
    """Cost against effect: each scenario's discounted lever money (x) and its paired effect
    on GDP (y) against the reference, with the effect's interval, and the effect per 亿 with
    its bootstrap interval written beside each point."""
    table = ce_table(ctx)
    if table.empty:
        return None
    settings = ce_settings(ctx)
    metric, year = str(table["metric"].iloc[0]), int(table["year"].iloc[0])
    fig, axes = _new_figure(T.SINGLE_COLUMN_IN * 1.5, 3.0)
    ax = axes[0, 0]
    ax.axhline(0, color=T.GREY, linewidth=0.6)
    ax.axvline(0, color=T.GREY, linewidth=0.6)
    for row in table.itertuples():
        colour = ctx.colours.get(row.scenario, T.BLUE)
        if np.isfinite(row.effect_ci_low) and np.isfinite(row.effect_ci_high):
            ax.plot([row.cost_yi, row.cost_yi], [row.effect_ci_low, row.effect_ci_high],
                    color=colour, linewidth=1.4, solid_capstyle="butt", gid="interval")
        ax.plot([row.cost_yi], [row.effect], marker="o", markersize=4, color=colour,
                linestyle="none", label=ctx.scenario(row.scenario))
        if np.isfinite(row.effect_per_yi):
            ci = (f" [{row.ci_low:.2g}, {row.ci_high:.2g}]"
                  if np.isfinite(row.ci_low) and np.isfinite(row.ci_high) else "")
            note = f"{row.effect_per_yi:.2g}{ci} {ctx.t('per_yi')}"
        else:
            note = ctx.t("no_net_cost")
        ax.annotate(note, (row.cost_yi, row.effect), xytext=(4, 3),
                    textcoords="offset points", fontsize=T.SMALL_SIZE - 0.5, color=colour)
    ax.set_xlabel(ctx.t("cost_axis"))
    name = L.metric_label(metric, ctx.lang, unit=False, short=True)
    unit = L.metric_unit(metric, ctx.lang)
    if unit == "%":
        unit = ctx.t("pp")
    label = ctx.t("effect_axis", metric=name)
    ax.set_ylabel(f"{label}（{unit}）" if ctx.lang == "zh" and unit
                  else f"{label} ({unit})" if unit else label)
    ax.margins(x=0.25, y=0.15)
    handles, labs = _legend_entries(ax)
    ax.legend(handles, labs, loc="best", fontsize=T.SMALL_SIZE)
    rate = percent(settings["rate"])
    disc = ctx.t("discounted", rate=rate, year=settings["year"])
    ci = ctx.t("ci", pct=ctx.pct)
    n = int(table["n"].min()) if len(table) else 0
    ref = ctx.scenario(ctx.reference)
    title = ctx.t("ce_title") + (f"（{name} {year}，对比{ref}；{disc}；{ci}，n={n}）"
                                 if ctx.lang == "zh" else
                                 f" ({name} {year} vs {ref}; {disc}; {ci}, n = {n})")
    _finish(fig, ctx, title)
    return Figure("cost_effectiveness", fig, table)


# --------------------------------------------------------------------------------------------
# Villages (issue #12): collective income by town, the village targets
# --------------------------------------------------------------------------------------------
VILLAGE_TARGET_METRICS = ("beautiful_village_share", "demo_villages",
                          "villages_collective_over_2000wan")


def village_income_by_town(ctx: Context) -> Figure | None:
    """The distribution of village collective income by town in the key year: quantiles over
    the town's villages and the replications, one row per scenario (villages.parquet; none
    when the experiment left the villages table out)."""
    from simxh.store import read_table

    path = ctx.results.path / "villages.parquet"
    if not path.exists():
        return None
    v = read_table(path, columns=["scenario", "year", "town", "kind", "collective_income_wan"])
    v = v[(v["kind"] == "village") & (v["year"] == ctx.year)]
    v = _selected(v, ctx.scenarios)
    if v.empty:
        return None
    table = quantile_table(v, ["town", "scenario"], "collective_income_wan", QUANTILES)
    order = [t for _, t in town_order(ctx, table["town"].unique())]
    rank = {t: i for i, t in enumerate(order)}
    srank = {s: i for i, s in enumerate(ctx.scenarios)}
    table = table.assign(_t=table["town"].map(rank), _s=table["scenario"].map(srank)).sort_values(
        ["_t", "_s"]).drop(columns=["_t", "_s"]).reset_index(drop=True)
    table.insert(2, "year", ctx.year)
    fig, axes = _new_figure(T.DOUBLE_COLUMN_IN, 3.6)
    ax = axes[0, 0]
    ns = len(ctx.scenarios)
    width = 0.8 / max(ns, 1)
    for k, scen in enumerate(ctx.scenarios):
        part = table[table["scenario"] == scen]
        x = np.array([rank[t] for t in part["town"]]) - 0.4 + width * (k + 0.5)
        colour = ctx.colours[scen]
        ax.vlines(x, part["p05"], part["p95"], color=colour, linewidth=0.8)
        ax.vlines(x, part["p25"], part["p75"], color=colour, linewidth=3.0,
                  label=ctx.scenario(scen))
        ax.plot(x, part["p50"], "o", color="white", markersize=2.2, markeredgecolor=colour,
                markeredgewidth=0.6)
    ax.set_yscale("log")
    ax.set_xticks(range(len(order)))
    ax.set_xticklabels([ctx.names.short_name(t, ctx.lang) for t in order],
                       fontsize=T.SMALL_SIZE)
    ax.set_ylabel(L.metric_label("village_collective_income_yi", ctx.lang, unit=False)
                  + f" ({L.metric_unit('village_income_median_wan', ctx.lang)})")
    ax.axhline(2000.0, color="#999999", linewidth=0.6, linestyle=":")
    ax.grid(axis="y", color="#dddddd", linewidth=0.5)
    fig.legend(*_legend_entries(ax), loc="outside right upper", fontsize=T.SMALL_SIZE,
               title=ctx.t("scenario"))
    _finish(fig, ctx, ctx.t("village_income_title", year=ctx.year, pct=ctx.pct))
    return Figure("village_income_by_town", fig, table)


def village_targets(ctx: Context) -> Figure | None:
    """The village targets' metrics over the years (median and the 90 % band over
    replications) by scenario, with the plan's targets."""
    from simxh.store import read_table

    path = ctx.results.path / "district.parquet"
    if not path.exists():
        return None
    try:
        d = read_table(path, columns=["scenario", "year", *VILLAGE_TARGET_METRICS])
    except Exception:  # noqa: BLE001 - a store written before the villages existed
        return None
    d = _selected(d, ctx.scenarios)
    if d.empty:
        return None
    # shares are drawn (and tabled) in % like their panel title says: 60–100 %, not 0.6–1.0
    scale = {m: 100.0 if _is_share(m) else 1.0 for m in VILLAGE_TARGET_METRICS}
    parts = [quantile_table(d, ["scenario", "year"], m, (0.05, 0.5, 0.95)).assign(metric=m)
             for m in VILLAGE_TARGET_METRICS]
    table = pd.concat(parts, ignore_index=True)[["metric", "scenario", "year", "p05", "p50",
                                                 "p95"]]
    factor = table["metric"].map(scale)
    for col in ("p05", "p50", "p95"):
        table[col] = table[col] * factor
    table.insert(1, "unit", ["%" if scale[m] != 1.0 else L.metric_unit(m, "en")
                             for m in table["metric"]])
    fig, axes = _new_figure(T.DOUBLE_COLUMN_IN, 2.8, 1, len(VILLAGE_TARGET_METRICS))
    for ax, metric in zip(axes.flat, VILLAGE_TARGET_METRICS, strict=True):
        part = table[table["metric"] == metric]
        for scen in ctx.scenarios:
            line = part[part["scenario"] == scen]
            colour = ctx.colours[scen]
            ax.fill_between(line["year"], line["p05"], line["p95"], color=colour, alpha=0.12,
                            linewidth=0)
            ax.plot(line["year"], line["p50"], color=colour, label=ctx.scenario(scen),
                    linestyle="--" if scen == ctx.reference else "-", linewidth=1.1)
        for value, year in target_values(ctx.data, metric):  # every target of the metric
            value *= scale[metric]
            ax.plot([year], [value], marker="*", color="black", markersize=7, linestyle="none")
            ax.axhline(value, color="#999999", linewidth=0.5, linestyle=":")
        if scale[metric] != 1.0:
            ax.set_ylim(top=max(ax.get_ylim()[1], 100.0 * 1.02))
        ax.set_title(L.metric_label(metric, ctx.lang, short=True), loc="left",
                     fontsize=T.FONT_SIZE)
        ax.grid(color="#eeeeee", linewidth=0.5)
    handles, labs = _legend_entries(axes.flat[0])
    # at the right, like the other figures: below the panels it ran into the source note
    fig.legend(handles, labs, loc="outside right upper", fontsize=T.SMALL_SIZE,
               title=ctx.t("scenario"))
    _finish(fig, ctx, ctx.t("village_targets_title"))
    return Figure("village_targets", fig, table)


FIGURES = (
    ("fan_chart", fan_chart),
    ("paired_differences", paired_differences),
    ("town_trajectories", town_trajectories),
    ("network_map", network_map),
    ("target_scorecard", target_scorecard),
    ("equity", equity),
    ("sensitivity", sensitivity),
    ("rank_probabilities", rank_probabilities),
    ("cost_effectiveness", cost_effectiveness),
    ("village_income_by_town", village_income_by_town),
    ("village_targets", village_targets),
)
