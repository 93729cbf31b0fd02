"""``simxh calibrate CONFIG --out DIR``: estimate the free parameters against the district's
history (ABC-SMC with pyabc; see :mod:`simxh.estimation`)."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from simxh.errors import UserError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "calibrate",
        help="estimate the model's free parameters against the district's history (ABC-SMC)",
        description="Run the hindcast CONFIG (an earlier run.start_year, e.g. "
        "configs/hindcast.toml) under the observed macro path and fit the parameters of "
        "simxh/data/priors.csv to every district figure up to --fit-until by ABC-SMC (pyabc). "
        "Writes DIR/posterior.csv (weighted parameter sets with their provenance), "
        "DIR/generations.csv and DIR/fit.csv (each target: observed, posterior predictive "
        "median and 90%% band). Resumable: run the same command again to continue (a resume with "
        "other settings is refused; --restart starts again).",
    )
    p.add_argument("config", metavar="CONFIG", help="hindcast config (TOML)")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    p.add_argument("--fit-until", type=int, default=2023, metavar="YEAR",
                   help="last year of district figures used (default 2023; 2020 leaves "
                   "2021–2023 out of sample)")
    p.add_argument("--population", type=int, default=200, metavar="N",
                   help="particles per generation (default 200)")
    p.add_argument("--generations", type=int, default=8, metavar="G",
                   help="ABC-SMC generations (default 8)")
    p.add_argument("--workers", type=int, default=1, metavar="N", help="local processes")
    p.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                   help="a Dask scheduler to run the simulations on (needs simxh[dask])")
    p.add_argument("--max-minutes", type=float, default=25.0, metavar="M",
                   help="stop after M minutes, also inside a generation (run again to "
                   "continue; default 25)")
    p.add_argument("--min-acceptance", type=float, default=None, metavar="RATE",
                   help="end the estimation when a generation accepts less than this share "
                   "of its simulations (default 0.01)")
    p.add_argument("--restart", action="store_true",
                   help="discard the history in DIR (abc.db) and start again")
    p.add_argument("--predictive", type=int, default=40, metavar="N",
                   help="posterior predictive runs for fit.csv (default 40)")
    p.add_argument("--seed", type=int, default=20151231,
                   help="seed of the ABC proposals (0 … 2**32 − 1)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config key for every simulation")
    p.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    from simxh.config import load_config, parse_override
    from simxh.estimation import MIN_ACCEPTANCE, estimate, order_by_gdp
    from simxh.posterior import write_posterior
    from simxh.validation import predictive_fit

    for name, value, low in (("--population", args.population, 10),
                             ("--generations", args.generations, 1),
                             ("--workers", args.workers, 1), ("--predictive", args.predictive, 0)):
        if value < low:
            raise UserError("out of range", key=name, value=value, expected=f"an integer >= {low}")
    if not (math.isfinite(args.max_minutes) and args.max_minutes > 0):
        raise UserError("out of range", key="--max-minutes", value=args.max_minutes,
                        expected="a finite number of minutes > 0")
    if not 0 <= args.seed < 2**32:
        raise UserError("out of range", key="--seed", value=args.seed,
                        expected="an integer in 0 … 4294967295")
    min_acceptance = MIN_ACCEPTANCE if args.min_acceptance is None else args.min_acceptance
    if not 0 <= min_acceptance < 1:
        raise UserError("out of range", key="--min-acceptance", value=min_acceptance,
                        expected="a share in [0, 1) (0: never stop for a low acceptance)")
    load_config(args.config, args.set)  # a bad config stops here, before anything is written
    overrides = dict(parse_override(s) for s in args.set)
    out = Path(args.out)
    res = estimate(args.config, out, fit_until=args.fit_until, population=args.population,
                   generations=args.generations, workers=args.workers,
                   scheduler=args.scheduler, max_minutes=args.max_minutes, seed=args.seed,
                   overrides=overrides, restart=args.restart, min_acceptance=min_acceptance)
    meta = {**res.meta, "wall_time_s": f"{res.seconds:.0f}",
            "order": f"rows sorted by each draw's simulated nominal GDP in {args.fit_until} "
                     "(its own seed), for stratified draws"}
    order = order_by_gdp(args.config, res.keys, res.values, args.fit_until, overrides,
                         workers=args.workers)
    write_posterior(out / "posterior.csv", res.keys, res.values[order], res.weights[order],
                    meta)
    res.generations.to_csv(out / "generations.csv", index=False)
    if args.predictive:
        fit = predictive_fit(args.config, out / "posterior.csv", args.fit_until,
                             replications=args.predictive, overrides=overrides)
        fit.to_csv(out / "fit.csv", index=False)
    print(f"posterior: {out / 'posterior.csv'} ({len(res.weights)} parameter sets, "
          f"effective sample size {res.meta['effective_sample_size']}, "
          f"{res.simulations} simulations, {res.seconds:.0f} s)")
    mean = (res.values * res.weights[:, None]).sum(0)
    for k, m in zip(res.keys, mean, strict=True):
        print(f"  {k} = {m:.4g}")
    return 0
