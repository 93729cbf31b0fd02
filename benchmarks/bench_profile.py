"""Where one default-scale 2023→2035 run spends its time: a phase table and cProfile top-10s.

    .venv/bin/python benchmarks/bench_profile.py [--runs 5] [--top 10]

1. Phases: the model's methods are wrapped with timers (inclusive times, median over ``--runs``
   warm runs of ``simulate(None, seed)``); set-up phases and the per-year phases of ``step()``
   are listed separately.
2. cProfile of one warm run: the top functions by cumulative time and by own time.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import pstats
import time
from collections import defaultdict
from collections.abc import Iterator

import _common  # noqa: F401  (one-thread BLAS before numpy)
from _common import median, print_machine

import simxh.firms as firms_module
import simxh.model as model_module
import simxh.simulation as simulate_module
from simxh.model import XinhuiModel
from simxh.processes.attraction import Attraction
from simxh.processes.finance import PublicFinance
from simxh.processes.industry import Industry
from simxh.processes.network import Network
from simxh.processes.towns import TownsLabour
from simxh.processes.villages import Villages
from simxh.reporters import Collector
from simxh.simulation import simulate

SETUP = [(model_module, "build_region", "region: data files + network graph"),
         (model_module, "calibrate", "calibration: 2023 firms, towns"),
         (XinhuiModel, "_setup", "model set-up (incl. calibration, base-year budget, pipeline)"),
         (simulate_module, "result_tables", "result tables (DataCollector → pandas)")]
STEP = [(XinhuiModel, "step", "step() total (12 years)"),
        (Network, "update", "network fields: access, agglomeration"),
        (Industry, "firm_fields", "firm fields: multipliers, wages, quantiles"),
        (firms_module, "draw_firm_year", "firm draws (named streams)"),
        (firms_module, "step_firms", "firm step (vectorised rules)"),
        (Industry, "enter", "entry: projects start, births"),
        (Attraction, "arrive", "attraction: arrivals, logit location choice"),
        (TownsLabour, "update", "towns: sectors, labour, population, land"),
        (TownsLabour, "aggregate", "aggregates"),
        (PublicFinance, "tax_revenue", "tax revenue"),
        (PublicFinance, "budget", "budget and public capital"),
        (Villages, "update", "villages"),
        (Collector, "collect", "data collection (DataCollector.collect)")]


@contextlib.contextmanager
def phase_timers(acc: dict[str, float]) -> Iterator[None]:
    """Wrap every listed function with a timer adding inclusive seconds to ``acc``."""
    saved = []
    for owner, name, label in SETUP + STEP:
        original = getattr(owner, name)
        saved.append((owner, name, original))

        def wrapper(*args: object, _f=original, _label=label, **kwargs: object) -> object:
            t0 = time.perf_counter()
            try:
                return _f(*args, **kwargs)
            finally:
                acc[_label] += time.perf_counter() - t0

        setattr(owner, name, wrapper)
    try:
        yield
    finally:
        for owner, name, original in saved:
            setattr(owner, name, original)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--top", type=int, default=10)
    args = ap.parse_args()
    print_machine()
    simulate(None, seed=999)  # warm-up
    per_run: dict[str, list[float]] = defaultdict(list)
    totals = []
    for s in range(args.runs):
        acc: dict[str, float] = defaultdict(float)
        with phase_timers(acc):
            t0 = time.perf_counter()
            simulate(None, seed=s)
            totals.append(time.perf_counter() - t0)
        for _o, _n, label in SETUP + STEP:
            per_run[label].append(acc[label])
    total = median(totals)
    print(f"\none run, simulate(None, seed): median {total * 1e3:.0f} ms over {args.runs} runs "
          f"(with phase timers)")
    for title, rows in (("set-up and output", SETUP), ("per-year phases (sum of 12 years)", STEP)):
        print(f"\n{title:62s} {'ms':>7s} {'share':>6s}")
        for _o, _n, label in rows:
            t = median(per_run[label])
            print(f"  {label:60s} {t * 1e3:7.1f} {100 * t / total:5.1f}%")

    prof = cProfile.Profile()
    prof.enable()
    simulate(None, seed=0)
    prof.disable()
    for key, title in (("cumulative", "cumulative time"), ("tottime", "own time")):
        buf = io.StringIO()
        st = pstats.Stats(prof, stream=buf)
        st.sort_stats(key).print_stats(args.top)
        lines = buf.getvalue().splitlines()
        start = next(i for i, line in enumerate(lines) if line.strip().startswith("ncalls"))
        print(f"\ncProfile, one run, top {args.top} by {title}:")
        for line in lines[start:start + args.top + 1]:
            print("  " + line.replace(str(_common.ROOT) + "/", "").replace(
                str(_common.ROOT / ".venv/lib/python3.12/site-packages") + "/", ""))


if __name__ == "__main__":
    main()
