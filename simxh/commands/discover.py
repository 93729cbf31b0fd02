"""``simxh discover DIR``: scenario discovery (PRIM and CART) on a finished sweep."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "discover",
        help="scenario discovery: the inputs (design factors, posterior draws, macro path) "
        "under which a package misses (or meets) a threshold (PRIM, CART)",
        description="Read the runs of SCENARIO in DIR, mark each run that misses (or, with "
        "--interest success, meets) METRIC >= THRESHOLD in YEAR, and find the boxes of inputs "
        "where those runs concentrate: PRIM's box (densest with coverage >= --min-coverage), "
        "its peeling trajectory, CART's boxes and the inputs' feature scores (EMA Workbench: "
        "pip install 'simxh[discover]'). Writes DIR/discovery/: discovery.md, discovery.json, "
        "prim_boxes.csv, prim_trajectory.{png,csv}, cart_boxes.csv, feature_scores.{png,csv}, "
        "cases.csv. 'simxh report DIR' then states the box in plain words.",
        epilog="examples:\n"
        "  simxh run experiments/discovery.toml --workers 2\n"
        "  simxh discover results/discovery --metric gdp_nominal_yi --threshold 1900 "
        "--year 2033\n"
        "  simxh discover results/discovery --metric theil_gdp_per_capita --threshold 0 "
        "--direction '<=' --vs baseline   # loses to the baseline on equity",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("dir", metavar="DIR", help="results directory written by 'simxh run'")
    p.add_argument("--metric", required=True, metavar="NAME", help="output column, e.g. "
                   "gdp_nominal_yi")
    p.add_argument("--threshold", required=True, type=float, metavar="T",
                   help="the criterion's threshold (in the metric's unit)")
    p.add_argument("--year", type=int, metavar="Y", help="year (default: the experiment's "
                   "last year)")
    p.add_argument("--direction", choices=(">=", "<="), default=">=",
                   help="the criterion is met when the value is >= (default) or <= T")
    p.add_argument("--scenario", metavar="NAME", help="scenario whose runs are cases (default: "
                   "the first scenario that is not the reference)")
    p.add_argument("--vs", metavar="SCENARIO", help="read the metric as the difference from "
                   "SCENARIO in the same replication (common random numbers)")
    p.add_argument("--interest", choices=("fail", "success"), default="fail",
                   help="the runs the boxes describe (default: those that miss)")
    p.add_argument("--method", choices=("prim", "cart", "both"), default="both")
    p.add_argument("--min-coverage", type=float, default=None, metavar="C",
                   help="coverage the chosen PRIM box keeps (default 0.8)")
    p.add_argument("--out", metavar="DIR2", help="output folder (default DIR/discovery)")
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help="chart labels")
    p.add_argument("--formats", default="png", metavar="LIST",
                   help="chart formats, comma-separated: png, svg, pdf (default png)")
    p.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    from simxh.discovery import DEFAULT_MIN_COVERAGE, Criterion, _results, discover
    from simxh.errors import UserError

    cov = DEFAULT_MIN_COVERAGE if args.min_coverage is None else args.min_coverage
    if not 0 < cov <= 1:
        raise UserError("out of range", key="--min-coverage", value=args.min_coverage,
                        expected="a number in (0, 1]")
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    bad = [f for f in formats if f not in ("png", "svg", "pdf")]
    if bad or not formats:
        raise UserError("unknown chart format", key="--formats", value=args.formats,
                        expected="a comma-separated list of png, svg, pdf")
    district, manifest, experiment = _results(Path(args.dir))
    reference = manifest.get("reference") or experiment.reference.name
    scenarios = sorted(district["scenario"].unique().tolist())
    scenario = args.scenario or next((s for s in scenarios if s != reference), scenarios[0])
    year = args.year if args.year is not None else int(district["year"].max())
    criterion = Criterion(scenario=scenario, metric=args.metric, threshold=args.threshold,
                          year=year, direction=args.direction, paired=args.vs is not None,
                          reference=args.vs or "", interest=args.interest)
    s = discover(args.dir, criterion, out=args.out, method=args.method, min_coverage=cov,
                 formats=tuple(formats), lang=args.lang)
    print(f"{s['n_interest']} of {s['n']} runs of '{scenario}' "
          f"{'miss' if args.interest == 'fail' else 'meet'}: {criterion.describe('en')}")
    if "prim" in s:
        print(s["prim"]["sentence_en"])
    top = list(s["feature_scores"].items())[:3]
    print("top inputs: " + ", ".join(f"{k} {v:.2f}" for k, v in top))
    print(f"wrote {s['out']}/discovery.md (boxes, trajectory, feature scores)")
    return 0
