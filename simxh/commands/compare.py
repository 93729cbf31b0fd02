"""``simxh compare DIR``: Monte Carlo comparison of the scenarios in a results directory."""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

HEADLINE_METRICS = ("gdp_yi", "fiscal_revenue_yi", "theil_gdp_per_capita")
"""The outcomes of compare's headline table (those the experiment analyses; else its first
three)."""
LIKELY = 0.5
"""A plan target counts as likely for a scenario when at least this share of its runs meet it."""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "compare",
        help="compare scenarios: summaries, paired differences, targets, equity, sensitivity",
        description="Analyse a results directory and write CSV tables to DIR/summary/: "
        "summary.csv, paired_differences.csv (paired by replication: common random numbers), "
        "targets.csv, equity.csv, cost_effectiveness.csv (effect per 亿元 of lever money, "
        "discounted), rank_probabilities.csv (the chance each scenario ranks 1st, 2nd, …), regret.csv (how "
        "much each loses to the best scenario of each replication: mean, 90th percentile, "
        "maximum) and, "
        "for designs with uncertainties, sensitivity.csv. Prints a short headline table and the "
        "files written (--verbose: the full tables).",
    )
    p.add_argument("dir", metavar="DIR", help="results directory written by 'simxh run'")
    p.add_argument("--metric", dest="metrics", action="append", metavar="NAME",
                   help="output column to analyse (repeatable; default: the experiment's "
                   "outputs)")
    p.add_argument("--year", dest="years", action="append", type=int, metavar="YEAR",
                   help="year to analyse (repeatable; default: the experiment's years)")
    p.add_argument("--reference", metavar="SCENARIO", help="reference scenario (default: the "
                   "experiment's)")
    p.add_argument("--confidence", type=float, default=0.95, metavar="P",
                   help="confidence level of the intervals (default 0.95)")
    p.add_argument("--verbose", "-v", action="store_true",
                   help="print the full tables (paired differences, targets, "
                   "cost-effectiveness) instead of the short headline table")
    p.add_argument("--discount-rate", type=float, default=None, metavar="R",
                   help="yearly rate discounting the lever money in cost_effectiveness.csv "
                   "to the base year (default 0.08: China's social discount rate, NDRC & "
                   "MOHURD 建设项目经济评价方法与参数 第三版 2006)")
    p.set_defaults(func=handle)


def check_consolidated(directory: str, info: dict) -> None:
    """On a folder whose runs are not all finished: refuse when none is consolidated yet, else
    say which runs the tables cover (one consistent count: those in district.parquet)."""
    from pathlib import Path

    from simxh.analysis import consolidated_runs
    from simxh.errors import UserError

    file = (info["manifest"].get("experiment") or {}).get("file") or "FILE"
    finish = f"simxh run {file} --out {directory} --resume"
    counts = (f"{info['done']} finished, {info['failed']} failed and {info['pending']} "
              f"pending runs of {info['planned']}")
    if not (Path(directory) / "district.parquet").is_file():
        raise UserError(f"no consolidated results yet ({counts}; none in district.parquet)",
                        file=directory, expected=f"a finished run: finish it with {finish}")
    covered = consolidated_runs(directory)
    if info["failed"] or info["pending"] or covered != info["done"]:
        print(f"note: {counts}; the tables cover the {covered} runs in district.parquet "
              f"(finish with: {finish})")


def handle(args: argparse.Namespace) -> int:
    from simxh.analysis import compare
    from simxh.errors import UserError

    if not 0 < args.confidence < 1:
        raise UserError("out of range", key="--confidence", value=args.confidence,
                        expected="a number in (0, 1)")
    from simxh.analysis import DEFAULT_DISCOUNT_RATE

    rate = DEFAULT_DISCOUNT_RATE if args.discount_rate is None else args.discount_rate
    if not (0 <= rate < 1) or rate != rate:
        raise UserError("out of range", key="--discount-rate", value=args.discount_rate,
                        expected="a number in [0, 1), e.g. 0.08 for 8% a year")
    from simxh.commands.status import status

    info = status(args.dir, check_files=False)
    check_consolidated(args.dir, info)
    tables = compare(args.dir, metrics=args.metrics, years=args.years,
                     reference=args.reference, confidence=args.confidence,
                     discount_rate=rate)
    if not args.verbose:
        for line in headline(tables, args.confidence, args.years):
            print(line)
        summary = Path(args.dir) / "summary"
        print(f"files written ({summary}/):")
        for name in tables:
            print(f"  {summary / (name + '.csv')}")
        print(f"  {summary / 'metadata.json'}")
        print("full tables in the terminal: simxh compare DIR --verbose")
        return 0
    pairs = tables["paired_differences"]
    with pd.option_context("display.width", 160, "display.max_rows", 200,
                           "display.float_format", "{:.4g}".format):
        if len(pairs):
            year = int(pairs["year"].max()) if not args.years else max(args.years)
            shown = pairs[pairs["year"] == year]
            print(f"paired differences (scenario − reference, paired by replication) in {year}"
                  f"; all years in paired_differences.csv:")
            print(shown.to_string(index=False))
        else:
            print("summary (one scenario):")
            print(tables["summary"].to_string(index=False))
        if "targets" in tables and len(tables["targets"]):
            t = tables["targets"]
            t = t[t["n"] > 0]
            print("\nplan targets: probability of meeting each (implied annual growth %):")
            print(t[["scenario", "target", "year", "probability", "n",
                     "implied_growth_pct"]].to_string(index=False))
        ce = tables.get("cost_effectiveness")
        if ce is not None and len(ce):
            year = int(ce["year"].max()) if not args.years else max(args.years)
            metric = "gdp_yi" if "gdp_yi" in set(ce["metric"]) else str(ce["metric"].iloc[0])
            shown = ce[(ce["year"] == year) & (ce["metric"] == metric)]
            print(f"\ncost-effectiveness of {metric} in {year} (effect per 亿元 of lever "
                  f"money, discounted at {rate:g} a year; NaN: no net cost):")
            print(shown[["scenario", "effect", "cost_yi", "effect_per_yi", "ci_low", "ci_high",
                         "n"]].to_string(index=False))
    print(f"\ntables written to {args.dir}/summary/: " + ", ".join(f"{k}.csv" for k in tables))
    return 0


def _pooled(table: pd.DataFrame) -> pd.DataFrame:
    """The rows pooled over a design's points (all rows of a table without a design)."""
    return table[table["point"].isna()] if "point" in table.columns else table


def _cell(mean: float, low: float, high: float) -> str:
    if not math.isfinite(mean):
        return "–"
    if not (math.isfinite(low) and math.isfinite(high)):
        return f"{mean:+.3g}"
    return f"{mean:+.3g} [{low:+.3g}, {high:+.3g}]"


def headline(tables: dict[str, pd.DataFrame], confidence: float,
             years: Sequence[int] | None = None) -> list[str]:
    """A few lines for the terminal: per scenario, the paired difference from the reference of
    the headline outcomes (:data:`HEADLINE_METRICS`) in the last year analysed, with its
    interval, and how many plan targets it meets in at least half its runs."""
    pairs = _pooled(tables["paired_differences"])
    summary = tables["summary"]
    scenarios = list(dict.fromkeys(summary["scenario"]))
    metrics = list(dict.fromkeys(summary["metric"]))
    shown = [m for m in HEADLINE_METRICS if m in metrics] or metrics[:3]
    year = max(years) if years else int(summary["year"].max())
    targets = tables.get("targets")
    likely: dict[str, str] = {}
    if targets is not None and len(targets):
        scored = _pooled(targets)
        scored = scored[scored["n"] > 0]
        for scenario, part in scored.groupby("scenario", sort=False):
            likely[str(scenario)] = f"{int((part['probability'] >= LIKELY).sum())} of {len(part)}"
    reference = str(pairs["reference"].iloc[0]) if len(pairs) else scenarios[0]
    rows = []
    for scenario in scenarios:
        row = {"scenario": scenario}
        at = pairs[(pairs["scenario"] == scenario) & (pairs["year"] == year)]
        for metric in shown:
            hit = at[at["metric"] == metric]
            if not len(pairs):  # one scenario: its median
                med = summary[(summary["scenario"] == scenario) & (summary["metric"] == metric)
                              & (summary["year"] == year)]["median"]
                row[metric] = f"{float(med.iloc[0]):.4g}" if len(med) else "–"
            elif hit.empty:
                row[metric] = "reference" if scenario == reference else "–"
            else:
                row[metric] = _cell(*(float(hit[c].iloc[0]) for c in ("mean", "ci_low",
                                                                      "ci_high")))
        if likely:
            row["targets likely"] = likely.get(scenario, "–")
        rows.append(row)
    n = int(pairs["n"].max()) if len(pairs) else int(summary["n"].max())
    lines = [f"headline {year}: scenario − {reference}, paired by replication "
             f"({round(100 * confidence)}% interval, n = {n} pairs):"
             if len(pairs) else f"headline {year} (one scenario, medians of {n} runs):"]
    columns = list(rows[0]) if rows else ["scenario"]
    widths = {c: max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in columns}
    for row in [dict(zip(columns, columns, strict=True)), *rows]:
        lines.append("  ".join(str(row.get(c, "")).ljust(widths[c]) for c in columns).rstrip())
    if likely:
        lines.append(f"targets likely: plan targets met in at least {LIKELY:.0%} of the runs "
                     "(each probability and interval in targets.csv)")
    if "point" in tables["paired_differences"].columns:
        lines.append("a design: pooled over its points here; one row per point in the CSVs")
    return lines
