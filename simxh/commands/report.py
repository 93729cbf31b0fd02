"""``simxh report DIR``: charts and a briefing note from a results directory."""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from simxh.errors import UserError

AUDIT_SEEDS = 8
"""Seeds of ``--audit`` (``simxh audit`` alone defaults to 16): about 10–40 s a config on 2
cores."""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "report",
        help="charts (PNG/SVG/PDF) and a briefing note (brief.md) from a results directory",
        description="Write DIR/figures/ (fan chart, paired differences, town trajectories, "
        "network map, target scorecard, equity and, for designs, sensitivity; each with a CSV "
        "of exactly what it plots) and DIR/brief.md. Runs 'simxh compare' first if DIR/summary "
        "is missing, and rebuilds it when the runs changed since (a --resume). Headless (Agg); no network. With --audit it first audits the scenarios' "
        "config files (simxh audit, docs/audit.md) into DIR/audit/<scenario>/; the brief's "
        "Audit section reads them.",
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
    p.add_argument("--html", action="store_true",
                   help="also write DIR/brief.html: one self-contained file (figures, tables "
                   "and the Chinese font embedded, no external references) that opens offline "
                   "and pastes into a word processor")
    p.add_argument("--audit", nargs="*", metavar="SCENARIO",
                   help="first audit these scenarios' config files into DIR/audit/<scenario>/ "
                   "(no names: every scenario shown); a failed check does not stop the report, "
                   "the brief lists it")
    p.add_argument("--audit-seeds", type=int, metavar="N", default=AUDIT_SEEDS,
                   help=f"seeds of each audit (default {AUDIT_SEEDS})")
    p.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    from simxh.report import write_report
    from simxh.report.theme import FontFallbackWarning

    if args.audit is not None:
        names = args.audit or ([*args.scenarios] if args.scenarios else [])
        run_audits(args.dir, names, seeds=args.audit_seeds,
                   keep_reference=bool(args.scenarios and not args.audit),
                   echo=lambda line: print(line, flush=True))
    from simxh.analysis import refresh_summary

    reason = refresh_summary(args.dir)
    if reason:
        print(f"summary/ rebuilt ({reason})", flush=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", FontFallbackWarning)
        report = write_report(args.dir, lang=args.lang, formats=args.formats.split(","),
                              scenarios=args.scenarios, year=args.year, html=args.html)
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
    if report.html is not None:
        print(f"html:  {report.html}  (self-contained, {report.html.stat().st_size / 1e6:.1f} MB)")
    return 0


def run_audits(directory: str | Path, names: Sequence[str], *, seeds: int = AUDIT_SEEDS,
               workers: int | None = None, keep_reference: bool = False,
               echo: Any = None) -> list[str]:
    """Audit the config file of each scenario in ``names`` (all of the experiment's when empty;
    the reference added with ``keep_reference``) into ``DIR/audit/<scenario>/``; scenarios
    sharing a config file share one audit. Returns one summary line per scenario (each also
    passed to ``echo`` as it is done)."""
    from simxh.audit import audit, settings_for, write_report
    from simxh.config import load_config
    from simxh.executors import default_workers
    from simxh.report.brief import audit_dir, scenario_config_files, shown_path

    manifest = _manifest(Path(directory))
    configs = scenario_config_files(manifest, directory)
    known = [str(s) for s in manifest.get("scenarios") or configs]
    wanted = list(dict.fromkeys(names)) or known
    ref = manifest.get("reference")
    if keep_reference and isinstance(ref, str) and ref in known and ref not in wanted:
        wanted.insert(0, ref)
    unknown = [s for s in wanted if s not in known]
    if unknown:
        raise UserError("unknown scenario", key="--audit", value=", ".join(unknown),
                        expected="one of " + ", ".join(known))
    if not 2 <= seeds <= 1000:
        raise UserError("out of range", key="--audit-seeds", value=seeds,
                        expected="an integer in [2, 1000] (intervals need 2 seeds)")
    workers = workers if workers is not None else min(2, default_workers())
    done: dict[str | None, Any] = {}
    lines = []
    for scen in wanted:
        file = configs.get(scen)
        if file is not None and not Path(file).is_file():
            raise UserError("config file not found", file=file,
                            expected=f"scenario {scen}'s config (manifest.json, configs)")
        if file not in done:
            start = int(load_config(file).run.start_year)
            settings = settings_for(seeds=seeds, start_year=start)
            done[file] = (audit(file, settings, workers=workers), settings)
        table, settings = done[file]
        out = audit_dir(directory, scen)
        write_report(table, out, shown_path(file, "en"), settings)
        failed = int((~table["pass"]).sum())
        lines.append(f"audit {scen}: {len(table) - failed}/{len(table)} checks pass → "
                     f"{out}/audit.md")
        if echo is not None:
            echo(lines[-1])
    return lines


def _manifest(directory: Path) -> dict[str, Any]:
    path = directory / "manifest.json"
    if not path.is_file():
        raise UserError("results directory has no manifest.json", file=directory,
                        expected="a directory written by 'simxh run'")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise UserError("manifest is not valid JSON", file=path,
                        expected="the manifest.json written by 'simxh run'") from None
