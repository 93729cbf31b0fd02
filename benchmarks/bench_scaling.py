"""Time and peak memory at 1×, 10× and 100× the default firm count, each in a fresh process.

    .venv/bin/python benchmarks/bench_scaling.py [--multiples 1 10 100] [--repeats 3]
                                                 [--projects 10]

For each multiple ``k`` a fresh subprocess (BLAS pinned to one thread) imports simxh, warms up
with a tiny run, times ``--repeats`` 2023→2035 runs with ``firms.count = k × default`` (median
reported), records the process's peak resident set size (``ru_maxrss``), then measures one more
run under ``tracemalloc`` (peak of the allocations the run makes, numpy arrays included).

Towns (11), parks (12) and villages are fixed by the region data; the only other agents whose
number is a setting are the attracted investment projects (``attraction.projects_per_year``,
independent of ``firms.count``). ``--projects M`` adds a row at default firms with M × the
project arrival rate (0 skips it); more projects also change the economy (land runs out), so
that row measures the per-project cost of the location-choice loop, not a like-for-like scale-up.
"""

from __future__ import annotations

import argparse
import json

import _common  # noqa: F401  (one-thread BLAS before numpy)
from _common import default_firm_count, load_average, median, print_machine, run_child

CHILD = r"""
import json, time, tracemalloc
from simxh.simulation import simulate
import _common
overrides = json.loads({overrides!r})
simulate(None, seed=999, overrides={{"firms.count": 200}})  # warm-up (imports, caches)
times, cpu = [], []
for s in range({repeats}):
    c0 = time.process_time()
    t0 = time.perf_counter()
    res = simulate(None, seed=s, overrides=overrides)
    times.append(time.perf_counter() - t0)
    cpu.append(time.process_time() - c0)
rss = _common.max_rss_mb()
d = res.district
tracemalloc.start()
simulate(None, seed=0, overrides=overrides)
_, peak = tracemalloc.get_traced_memory()
tracemalloc.stop()
print(json.dumps({{"times": times, "cpu": cpu, "maxrss_mb": rss, "tracemalloc_peak_mb": peak / 2**20,
                  "firms_start": int(d["firms"].iloc[0]), "firms_end": int(d["firms"].iloc[-1]),
                  "firm_years": int(d["firms"].iloc[:-1].sum())}}))
"""


def measure(overrides: dict, repeats: int) -> dict:
    return run_child(CHILD.format(overrides=json.dumps(overrides), repeats=repeats))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--multiples", type=int, nargs="+", default=[1, 10, 100])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--projects", type=int, default=10,
                    help="also run default firms with this multiple of the project rate (0: skip)")
    args = ap.parse_args()
    print_machine()
    base = default_firm_count()
    rows = []
    print(f"{'scale':>14s} {'firms 2023':>10s} {'firms 2035':>10s} {'time s':>8s} "
          f"{'CPU s':>7s} {'µs/firm-yr':>10s} {'× time':>7s} {'RSS MB':>7s} {'traced MB':>9s}")
    for k in args.multiples:
        r = measure({"firms.count": base * k}, args.repeats)
        t = median(r["times"])
        rows.append((k, t, r))
        first = rows[0][1]
        print(f"{f'{k}× firms':>14s} {r['firms_start']:>10d} {r['firms_end']:>10d} {t:>8.3f} "
              f"{median(r['cpu']):>7.3f} "
              f"{1e6 * t / r['firm_years']:>10.2f} {t / first:>7.1f} {r['maxrss_mb']:>7.0f} "
              f"{r['tracemalloc_peak_mb']:>9.1f}")
    # cost model t(N) = fixed + per-firm × N from the two largest scales
    if len(rows) >= 2:
        (k1, t1, r1), (k2, t2, r2) = rows[-2], rows[-1]
        slope = (t2 - t1) / (r2["firm_years"] - r1["firm_years"])
        fixed = t2 - slope * r2["firm_years"]
        print(f"cost model from {k1}× and {k2}×: {fixed:.3f} s fixed + "
              f"{slope * 1e6:.2f} µs per firm-year")
        print(f"time ratio {k2}×/{k1}×: {t2 / t1:.1f} for {k2 / k1:.0f}× the firms "
              f"({'sub-linear' if t2 / t1 <= k2 / k1 else 'SUPER-linear'})")
    if args.projects:
        from simxh.config import coerce_config

        rate = coerce_config(None).attraction.projects_per_year
        for m in (1, args.projects):
            r = measure({"attraction.projects_per_year": rate * m}, args.repeats)
            print(f"projects {m:>3d}× ({rate * m:.0f}/yr), default firms: "
                  f"{median(r['times']):.3f} s, RSS {r['maxrss_mb']:.0f} MB")
    print(f"load average at end: {load_average()}")
    biggest = rows[-1]
    print(f"peak_rss_mb_at_{biggest[0]}x: {biggest[2]['maxrss_mb']:.0f}")


if __name__ == "__main__":
    main()
