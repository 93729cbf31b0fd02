"""``simxh report DIR``: charts and a briefing note from a results directory."""

from __future__ import annotations

import argparse
import sys
import warnings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "report",
        help="charts (PNG/SVG/PDF) and a briefing note (brief.md) from a results directory",
        description="Write DIR/figures/ (fan chart, paired differences, town trajectories, "
        "network map, target scorecard, equity and, for designs, sensitivity; each with a CSV "
        "of exactly what it plots) and DIR/brief.md. Runs 'simxh compare' first if DIR/summary "
        "is missing. Headless (Agg); no network.",
    )
    p.add_argument("dir", metavar="DIR", help="results directory written by 'simxh run'")
    p.add_argument("--lang", choices=("zh", "en"), default="zh",
                   help="label language (default zh; falls back to en with a warning when no "
                   "CJK font can draw the labels)")
    p.add_argument("--formats", default="png", metavar="LIST",
                   help="comma-separated figure formats from png, svg, pdf (default png)")
    p.add_argument("--scenarios", nargs="+", metavar="NAME",
                   help="scenarios to show, in this order (default all; the reference is "
                   "always included)")
    p.add_argument("--year", type=int, metavar="YEAR",
                   help="key year of the comparisons (default 2033, else the last year)")
    p.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    from simxh.report import write_report
    from simxh.report.theme import FontFallbackWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", FontFallbackWarning)
        report = write_report(args.dir, lang=args.lang, formats=args.formats.split(","),
                              scenarios=args.scenarios, year=args.year)
    for w in caught:
        if issubclass(w.category, FontFallbackWarning):
            print(f"simxh report: warning: {w.message}", file=sys.stderr)
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    n = sum(len(paths) for paths in report.figures.values())
    print(f"{n} figure files and {len(report.tables)} tables in {report.brief.parent}/figures/")
    if report.skipped:
        print("skipped (no data for them): " + ", ".join(report.skipped))
    print(f"brief: {report.brief}  ({report.lang}, {report.seconds:.1f} s)")
    return 0
