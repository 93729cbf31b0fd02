"""``simxh export DIR --xlsx``: the results' tables as one Excel workbook."""

from __future__ import annotations

import argparse
from pathlib import Path

from simxh.errors import UserError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "export",
        help="export a results directory's tables (summary, targets, figure data) to Excel",
        description="Write one workbook with a sheet per table of DIR/summary (summary, paired "
        "differences, targets, equity, sensitivity), one per figure data CSV of DIR/figures, "
        "and an 'about' sheet (confidence level, uncertainty sources, units). Headers carry "
        "units. Needs openpyxl (pip install 'simxh[excel]'). Run 'simxh compare DIR' (and "
        "'simxh report DIR' for the figure data) first; a summary older than the runs is "
        "rebuilt.",
    )
    p.add_argument("dir", metavar="DIR", help="results directory written by 'simxh run'")
    p.add_argument("--xlsx", action="store_true", help="write an Excel workbook (.xlsx)")
    p.add_argument("--out", metavar="FILE", help="workbook path (default: DIR/<name>.xlsx)")
    p.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    if not args.xlsx:
        raise UserError("no export format chosen", expected="--xlsx")
    from simxh.analysis import refresh_summary
    from simxh.report.export import export_xlsx

    reason = refresh_summary(args.dir) if (Path(args.dir) / "summary").is_dir() else ""
    if reason:
        print(f"summary/ rebuilt ({reason})", flush=True)
    path, sheets = export_xlsx(args.dir, args.out)
    print(f"{len(sheets)} sheets ({', '.join(sheets)}) → {path}")
    return 0
