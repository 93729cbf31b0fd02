"""``simxh audit CONFIG``: the referee report (audit.md and audit.csv) of a config."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from simxh.errors import UserError, similar_file

EXIT_FAILED_CHECKS = 1
"""Exit status when the audit ran and some check failed (0: all pass; 2: bad input)."""
DEFAULT_OUT = Path("results") / "audit"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "audit",
        help="referee report: long run, zero-driver run, levers' implied quantities, noise, "
        "land and accounts against their ranges",
        description="Run the audit of CONFIG (docs/audit.md) and write DIR/audit.md and "
        "DIR/audit.csv (columns group, check, value, low, high, source, pass, detail). Exit "
        "status 0 when every check passes, 1 when some fail, 2 on bad input.",
        epilog="examples:\n  simxh audit configs/baseline.toml --out docs/audit/baseline\n"
        "  simxh audit configs/combined.toml --seeds 12 --workers 2\n"
        "  simxh audit configs/baseline.toml --quick",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("config", metavar="CONFIG", help="config file (configs/*.toml); the lever "
                   "configs (tech_renovation.toml, …) are read from its folder")
    p.add_argument("--out", metavar="DIR", help="output folder (default: results/audit/"
                   "<config name>/)")
    p.add_argument("--end-year", type=int, metavar="Y", default=2060,
                   help="last year of the long runs (default 2060)")
    p.add_argument("--seeds", type=int, metavar="N", help="seeds 0…N−1 (default 16; 2 with "
                   "--quick)")
    p.add_argument("--quick", action="store_true", help="a short version (4 years, 2 seeds): "
                   "tests the machinery, its verdicts mean little")
    p.add_argument("--workers", type=int, metavar="N", default=None,
                   help="worker processes (default: up to 2 cores; 1 runs in this process)")
    p.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    from simxh.audit import audit, settings_for, summary_lines, write_report
    from simxh.config import load_config
    from simxh.executors import default_workers

    path = Path(args.config)
    if not path.is_file():
        raise UserError(f"file not found{similar_file(path)}", file=path,
                        expected="a config file (configs/*.toml)")
    cfg = load_config(path)  # a bad config is one line, exit 2
    start = int(cfg.run.start_year)
    if not start + 4 <= args.end_year <= 2060:
        raise UserError("out of range", key="--end-year", value=args.end_year,
                        expected=f"a year in [{start + 4}, 2060]")
    seeds = args.seeds if args.seeds is not None else (2 if args.quick else 16)
    if not 2 <= seeds <= 1000:
        raise UserError("out of range", key="--seeds", value=seeds,
                        expected="an integer in [2, 1000] (intervals need 2 seeds)")
    workers = args.workers if args.workers is not None else min(2, default_workers())
    if not 1 <= workers <= 256:
        raise UserError("out of range", key="--workers", value=workers,
                        expected="an integer in [1, 256]")
    if args.quick:
        workers = 1
    settings = settings_for(args.end_year, seeds, args.quick, start_year=start)
    out = Path(args.out) if args.out else DEFAULT_OUT / path.stem

    def progress(done: int, total: int) -> None:
        if sys.stderr.isatty():
            print(f"\rsimxh audit: {done}/{total} runs", end="", file=sys.stderr, flush=True)

    table = audit(str(path), settings, workers=workers, progress=progress)
    if sys.stderr.isatty():
        print(file=sys.stderr)
    write_report(table, out, str(path), settings)
    for line in summary_lines(table):
        print(line)
    failed = int((~table["pass"]).sum())
    print(f"\n{len(table) - failed}/{len(table)} checks pass → {out}/audit.md, "
          f"{out}/audit.csv")
    return 0 if failed == 0 else EXIT_FAILED_CHECKS
