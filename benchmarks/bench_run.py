"""Wall time and peak memory of one 2023→2035 run at default scale, on one core.

    .venv/bin/python benchmarks/bench_run.py [--processes 5] [--runs 5]

Each of ``--processes`` fresh subprocesses (BLAS pinned to one thread) imports simxh, does one
cold run, then ``--runs`` warm runs of ``simxh.simulate(None, seed=s)`` (which builds the region
each time) and ``--runs`` with the region built once and reused (what the experiment runner's
workers do), then one run under ``tracemalloc``. Reported: medians over all warm runs, the median
cold (first) run and import time, the peak Python-heap allocation of one run (tracemalloc, numpy
arrays included) and the peak resident set size of the process (``ru_maxrss``).
"""

from __future__ import annotations

import argparse

import _common  # noqa: F401  (one-thread BLAS before numpy)
from _common import load_average, median, print_machine, run_child

CHILD = r"""
import json, time, tracemalloc
t0 = time.perf_counter()
from simxh.config import coerce_config
from simxh.region import build_region
from simxh.simulation import simulate
import _common
t_import = time.perf_counter() - t0
t0 = time.perf_counter(); simulate(None, seed=1000); cold = time.perf_counter() - t0
fresh, reuse, cpu = [], [], []
cfg = coerce_config(None)
region = build_region(cfg)
for s in range({runs}):
    c0 = time.process_time()
    t0 = time.perf_counter(); simulate(None, seed=s); fresh.append(time.perf_counter() - t0)
    cpu.append(time.process_time() - c0)
    t0 = time.perf_counter(); simulate(cfg, seed=s, region=region)
    reuse.append(time.perf_counter() - t0)
t0 = time.perf_counter(); region2 = build_region(cfg); t_region = time.perf_counter() - t0
tracemalloc.start()
simulate(None, seed=0)
_, peak = tracemalloc.get_traced_memory()
tracemalloc.stop()
print(json.dumps({{"import": t_import, "cold": cold, "fresh": fresh, "reuse": reuse, "cpu": cpu,
                  "region": t_region, "tracemalloc_peak_mb": peak / 2**20,
                  "maxrss_mb": _common.max_rss_mb()}}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--processes", type=int, default=5)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    print_machine()
    results = [run_child(CHILD.format(runs=args.runs)) for _ in range(args.processes)]
    fresh = [t for r in results for t in r["fresh"]]
    reuse = [t for r in results for t in r["reuse"]]
    print(f"{args.processes} fresh processes × {args.runs} warm runs, default scale, 2023→2035")
    print(f"import simxh:                     median {median([r['import'] for r in results]):.3f} s")
    print(f"cold first run (after import):    median {median([r['cold'] for r in results]):.3f} s")
    print(f"build region (data + network):    median {median([r['region'] for r in results]):.3f} s")
    print(f"warm run, simulate(None, seed):   median {median(fresh):.3f} s "
          f"(min {min(fresh):.3f}, max {max(fresh):.3f})")
    # each process's own median: on a VM whose host is sometimes contended, the speed
    # alternates between two states every few seconds (see benchmarks/README.md)
    per_process = " ".join(f"{median(r['fresh']):.3f}" for r in results)
    print(f"  per process (medians):          {per_process} s")
    cpu = [t for r in results for t in r["cpu"]]
    print(f"  its CPU time (process_time):    median {median(cpu):.3f} s")
    print(f"warm run, region reused:          median {median(reuse):.3f} s "
          f"(min {min(reuse):.3f}, max {max(reuse):.3f})")
    print(f"peak traced allocation, one run:  {median([r['tracemalloc_peak_mb'] for r in results]):.1f} MB")
    print(f"peak RSS of the process:          {median([r['maxrss_mb'] for r in results]):.0f} MB")
    print(f"load average at end: {load_average()}")
    print(f"run_seconds: {median(fresh):.3f}")


if __name__ == "__main__":
    main()
