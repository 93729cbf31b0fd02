"""Paired speed comparison of two source trees, run by run: is a change faster, and by how much?

    git worktree add /tmp/before HEAD~3       # the code to compare against
    .venv/bin/python benchmarks/bench_ab.py /tmp/before .   [--pairs 60]

One long-lived process per tree (each imports its own ``simxh``; BLAS pinned to one thread)
does two warm-up runs, then the two take turns, one ``simulate(None, seed)`` each, the same seed
for both, the order alternating. On a VM whose speed drifts by ±30 % within minutes, a
comparison of separate rounds measures the drift as much as the change; pairs taken a fraction
of a second apart share it. Reported: each tree's median CPU time (``time.process_time``) and
the median of the per-pair ratios (second tree / first). The last line is machine-readable:
``ratio: X``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
from pathlib import Path

import _common  # noqa: F401  (one-thread BLAS before numpy)
from _common import PYTHON, median, one_thread_env, print_machine

CHILD = r"""
import json, sys, time
from simxh.simulation import simulate
simulate(None, seed=10_000); simulate(None, seed=10_001)
for line in sys.stdin:
    seed = int(line)
    t0 = time.process_time()
    simulate(None, seed=seed)
    print(json.dumps(time.process_time() - t0), flush=True)
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("first", type=Path, help="a source tree (the one compared against)")
    ap.add_argument("second", type=Path, help="another source tree")
    ap.add_argument("--pairs", type=int, default=60)
    args = ap.parse_args()
    print_machine()
    trees = [args.first.resolve(), args.second.resolve()]
    for t in trees:
        if not (t / "simxh" / "__init__.py").is_file():
            raise SystemExit(f"bench_ab: {t} is not a simxh source tree (no simxh/__init__.py)")
    procs = []
    for t in trees:
        env = one_thread_env()
        env["PYTHONPATH"] = str(t)
        procs.append(subprocess.Popen([PYTHON, "-c", CHILD], cwd=t, env=env, text=True,
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE))
    times: list[list[float]] = [[], []]
    for i in range(args.pairs):
        for k in ((0, 1) if i % 2 == 0 else (1, 0)):
            p = procs[k]
            p.stdin.write(f"{i}\n")
            p.stdin.flush()
            times[k].append(json.loads(p.stdout.readline()))
    for p in procs:
        p.stdin.close()
        p.wait()
    ratio = median([b / a for a, b in zip(times[0], times[1], strict=True)])
    for t, ts in zip(trees, times, strict=True):
        print(f"{t}: median {median(ts) * 1e3:.1f} ms CPU, min {min(ts) * 1e3:.1f} ms "
              f"({len(ts)} runs)")
    print(f"{args.pairs} pairs (same seed, alternating order): second / first, median of the "
          f"pairs' ratios {ratio:.3f}")
    print(f"ratio: {ratio:.3f}")


if __name__ == "__main__":
    main()
