"""``simxh search FILE``: search lever packages for the plan's targets under uncertainty."""

from __future__ import annotations

import argparse
from pathlib import Path

from simxh.errors import UserError

DEFAULT_RESULTS = Path("results")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "search",
        help="search lever intensities for packages that reach the plan at least cost",
        description="Many-objective search (pymoo NSGA-II/III) over the lever intensities "
        "declared in a search file's [[decisions]], with its [[objectives]] and "
        "[[constraints]]. Every candidate runs over the same replications (common random "
        "numbers). Writes DIR/evaluations.parquet, pareto.csv, candidates.csv, "
        "what_it_takes.csv, what_it_takes.md and pareto.png. See docs/search.md.",
        epilog="examples:\n  simxh search experiments/search.toml --workers 2\n"
        "  simxh search experiments/search.toml --out results/search --resume",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("file", metavar="FILE", help="search file (experiments/search.toml)")
    p.add_argument("--out", metavar="DIR", help="results directory (default: "
                   "results/<search name>/)")
    p.add_argument("--workers", type=int, metavar="N", help="worker processes (default: all "
                   "cores)")
    p.add_argument("--scheduler", metavar="ADDRESS", help="run on an existing Dask cluster "
                   "(tcp://HOST:PORT)")
    p.add_argument("--dask-local", action="store_true", help="start a local Dask cluster "
                   "with --workers workers")
    p.add_argument("--resume", action="store_true", help="continue an interrupted search in "
                   "DIR (the stored generations are replayed, not rerun), or extend a finished "
                   "one with more --generations")
    p.add_argument("--force", action="store_true", help="delete the search in DIR and start "
                   "over")
    p.add_argument("--seed", type=int, metavar="S", help="replication seed (replaces the "
                   "file's)")
    p.add_argument("--replications", type=int, metavar="N", help="replications per candidate "
                   "(replaces the file's)")
    p.add_argument("--generations", type=int, metavar="N", help="generations (replaces the "
                   "file's)")
    p.add_argument("--population", type=int, metavar="N", help="candidates per generation "
                   "(replaces the file's)")
    p.add_argument("--max-in-flight", type=int, metavar="N", help="runs submitted at once "
                   "(default: 2 × workers)")
    p.add_argument("--run-timeout", type=float, metavar="S", help="stop a run after S seconds "
                   "(its candidate then counts as failed, hence infeasible); 0: no limit")
    p.add_argument("--progress", choices=("auto", "bar", "lines", "off"), default="auto",
                   help="progress display (default: a bar on a terminal, lines otherwise)")
    p.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    from simxh.search import load_search, run_search

    limits = {"seed": (0, 2**63 - 1), "replications": (2, 10_000),
              "generations": (1, 10_000), "population": (4, 10_000)}
    for name, (lo, hi) in limits.items():
        value = getattr(args, name)
        if value is not None and not lo <= value <= hi:
            raise UserError("out of range", key=f"--{name}", value=value,
                            expected=f"an integer in [{lo}, {hi}]")
    try:
        search = load_search(args.file, seed=args.seed, replications=args.replications,
                             generations=args.generations, population=args.population)
    except ModuleNotFoundError as exc:
        raise UserError(f"{exc.name} is not installed", expected="pip install "
                        "'simxh[search]'") from None
    out = Path(args.out) if args.out else DEFAULT_RESULTS / search.name
    try:
        report = run_search(search, out, workers=args.workers, scheduler=args.scheduler,
                            dask_local=args.dask_local, resume=args.resume, force=args.force,
                            progress=args.progress, max_in_flight=args.max_in_flight,
                            run_timeout=args.run_timeout, isolate=True)
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.split(".")[0] == "pymoo":
            raise UserError("pymoo is not installed", expected="pip install "
                            "'simxh[search]'") from None
        raise
    resumed = f" ({report.resumed_generations} replayed from the folder)" \
        if report.resumed_generations else ""
    print(f"{search.name}: {report.generations} generations{resumed}, {report.candidates} "
          f"packages evaluated, {report.pareto} non-dominated → {report.out}")
    print(f"executed {report.runs_executed} runs in {report.seconds:.1f}s, "
          f"{report.failed_runs} failed")
    print(f"see {report.out / 'what_it_takes.md'} and {report.out / 'pareto.csv'}")
    return 0
