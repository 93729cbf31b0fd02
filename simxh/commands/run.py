"""``simxh run FILE``: run an experiment file (or a plain config) into a resumable store."""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import replace
from pathlib import Path

from simxh.errors import UserError, similar_file

DEFAULT_RESULTS = Path("results")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "run",
        help="run an experiment (or a config) over replications, resumably",
        description="Run an experiment file (scenarios × design points × replications) or a "
        "plain config file (one scenario). Each finished run is written to DIR/runs/ at once; "
        "the tables are consolidated into DIR/district.parquet and DIR/towns.parquet. "
        "Rerun with --resume after a crash or kill to finish the missing runs. One writer per "
        "DIR: a second 'simxh run' on it is refused while the first runs. Ctrl-C or SIGTERM "
        "stops the workers, marks the manifest 'interrupted' and exits 130 or 143.",
        epilog="examples:\n  simxh run experiments/quick.toml --workers 2\n"
        "  simxh run experiments/policy_comparison.toml --out results/pc --resume\n"
        "  simxh run configs/baseline.toml --replications 10 --set run.end_year=2030\n"
        "  simxh run experiments/sensitivity.toml --dask-local --workers 4",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("file", metavar="FILE", help="experiment file (experiments/*.toml) or "
                   "config file (configs/*.toml)")
    p.add_argument("--out", metavar="DIR", help="results directory (default: "
                   "results/<experiment name>/)")
    p.add_argument("--workers", type=int, metavar="N", help="worker processes (default: all "
                   "cores; 1 runs one child process, so a crashing run cannot end simxh)")
    p.add_argument("--scheduler", metavar="ADDRESS", help="run on an existing Dask cluster "
                   "(tcp://HOST:PORT)")
    p.add_argument("--dask-local", action="store_true", help="start a local Dask cluster "
                   "(127.0.0.1 only) with --workers workers")
    p.add_argument("--resume", action="store_true", help="finish (or extend) the runs of an "
                   "earlier, interrupted run of the same experiment in DIR")
    p.add_argument("--retry-failed", action="store_true", help="rerun only the runs that "
                   "failed in DIR (with --resume: the failed and the pending runs)")
    p.add_argument("--force", action="store_true", help="delete the results already in DIR "
                   "(of this or another experiment) and start over")
    p.add_argument("--seed", type=int, metavar="S", help="experiment seed (replaces the file's)")
    p.add_argument("--replications", type=int, metavar="N", help="replications per scenario "
                   "and design point (replaces the file's)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config value in every scenario (dotted key)")
    p.add_argument("--fail-fast", type=int, metavar="N", help="stop the sweep when its first N "
                   "runs all fail with the same error (default: the experiment's fail_fast, "
                   "3; 0 never stops)")
    p.add_argument("--until-width", metavar="METRIC:YEAR:WIDTH", help="add replications until "
                   "the paired-difference interval of METRIC at YEAR is narrower than WIDTH for "
                   "every scenario (see --max-replications)")
    p.add_argument("--max-replications", type=int, metavar="N", help="cap for --until-width "
                   "(default: 10 × the initial replications)")
    p.add_argument("--max-in-flight", type=int, metavar="N", help="runs submitted at once "
                   "(default: 2 × workers)")
    p.add_argument("--run-timeout", type=float, metavar="S", help="stop a run after S "
                   "seconds and record it as failed (timed out); the sweep goes on. Default: "
                   "60 s + 2 s per simulated year (86 s to 2035); 0: no limit")
    p.add_argument("--yes", action="store_true", help="start even if the experiment is "
                   "huge (more than 100,000 runs) or its estimated results exceed the free disk "
                   "space (without it: asked on a terminal, refused otherwise)")
    p.add_argument("--progress", choices=("auto", "bar", "lines", "off"), default="auto",
                   help="progress display (default: a bar on a terminal, lines otherwise)")
    p.set_defaults(func=handle)


def parse_until(text: str, max_replications: int | None, replications: int):
    """``"gdp_yi:2033:5"`` → an :class:`~simxh.experiment.Adaptive` rule."""
    from simxh.experiment import Adaptive

    match = re.fullmatch(r"([A-Za-z0-9_]+):(\d{4}):([0-9.eE+-]+)", text.strip())
    if not match:
        raise UserError("malformed option", key="--until-width", value=text,
                        expected="METRIC:YEAR:WIDTH, e.g. gdp_yi:2033:5")
    width = float(match.group(3))
    if not width > 0:
        raise UserError("width must be positive", key="--until-width", value=text,
                        expected="WIDTH > 0")
    cap = max_replications or 10 * replications
    if cap < 2:
        raise UserError("cap too small", key="--max-replications", value=cap,
                        expected="an integer >= 2")
    return Adaptive(metric=match.group(1), year=int(match.group(2)), width=width,
                    max_replications=cap)


def load(args: argparse.Namespace):
    from simxh.experiment import experiment_for_config, is_experiment_file, load_experiment

    path = Path(args.file)
    if not path.is_file():
        raise UserError(f"file not found{similar_file(path)}", file=path,
                        expected="an experiment or config file")
    limits = {"replications": (1, 100_000), "seed": (0, 2**63 - 1), "fail_fast": (0, 100_000)}
    for name, (lo, hi) in limits.items():
        value = getattr(args, name, None)
        if value is not None and not lo <= value <= hi:
            raise UserError("out of range", key=f"--{name.replace('_', '-')}", value=value,
                            expected=f"an integer in [{lo}, {hi}]")
    if is_experiment_file(path):
        experiment = load_experiment(path, seed=args.seed, replications=args.replications,
                                     overrides=args.overrides)
    else:
        experiment = experiment_for_config(path, seed=args.seed or 0,
                                           replications=args.replications or 1,
                                           overrides=args.overrides)
    if getattr(args, "fail_fast", None) is not None:
        experiment = replace(experiment, fail_fast=args.fail_fast)
    if args.until_width:
        experiment = replace(experiment, adaptive=parse_until(
            args.until_width, args.max_replications, experiment.replications))
    elif args.max_replications is not None:
        if experiment.adaptive is None:
            raise UserError("--max-replications needs an adaptive rule",
                            key="--max-replications", expected="--until-width or an "
                            "[adaptive] table in the experiment file")
        experiment = replace(experiment, adaptive=replace(
            experiment.adaptive, max_replications=args.max_replications))
    return experiment


def ask(question: str) -> bool:
    """Ask on the terminal; only 'y' or 'yes' confirms (end of input or Ctrl-C refuses)."""
    print(f"simxh run: {question} [y/N] ", end="", file=sys.stderr, flush=True)
    try:
        answer = sys.stdin.readline()
    except KeyboardInterrupt:
        answer = ""
    return answer.strip().lower() in ("y", "yes")


def handle(args: argparse.Namespace) -> int:
    from simxh.runner import run_experiment

    experiment = load(args)
    out = Path(args.out) if args.out else DEFAULT_RESULTS / experiment.name
    confirm = True if args.yes else (ask if sys.stdin.isatty() else None)
    report = run_experiment(experiment, out, workers=args.workers, scheduler=args.scheduler,
                            dask_local=args.dask_local, resume=args.resume,
                            retry_failed=args.retry_failed, force=args.force,
                            progress=args.progress, max_in_flight=args.max_in_flight,
                            confirm=confirm, run_timeout=args.run_timeout, isolate=True)
    if report.damaged:
        print(f"{len(report.damaged)} damaged run file(s) were set aside as *.damaged in "
              f"{report.out / 'runs'} and run again", file=sys.stderr)
    rate = report.runs_per_minute
    print(f"{experiment.name}: {report.done}/{report.planned} runs done, {report.failed} "
          f"failed, {report.pending} pending → {report.out}")
    print(f"executed {report.executed} runs in {report.seconds:.1f}s "
          f"({rate:.0f} runs/min on {report.executor.get('workers')} "
          f"{report.executor.get('kind')} worker(s))" if report.executed else
          "nothing to execute (all runs already recorded)")
    for step in report.adaptive:
        print(f"adaptive: {step['replications']} replications → widest interval "
              f"{step['widest_interval']:.4g} (target {step['target']:.4g})")
    for run_id, error in report.errors.items():
        print(f"simxh run: run {run_id} failed: {error}", file=sys.stderr)
    if report.stopped:
        print(f"simxh run: {report.stopped}; fix the cause, then run the failed and the "
              f"remaining runs with: simxh run {args.file} --out {report.out} --resume "
              f"--retry-failed", file=sys.stderr)
        return 1
    if report.failed:
        print(f"{report.failed} runs failed (see {report.out / 'failures'}); rerun them with: "
              f"simxh run {args.file} --out {report.out} --retry-failed", file=sys.stderr)
        return 1
    if len(experiment.scenarios) > 1 or experiment.uncertainties:
        print(f"compare with: simxh compare {report.out}")
    return 0
