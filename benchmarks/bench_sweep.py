"""Sweep throughput of the real CLI: runs per minute on 1 and 2 local workers and local Dask.

    .venv/bin/python benchmarks/bench_sweep.py [--replications 40] [--repeats 3] [--no-dask]

Writes a one-scenario experiment (the baseline, 2023→2035, ``--replications`` replications) to
a temporary directory and times ``simxh run FILE --out DIR --workers N`` (and
``--dask-local --workers 2``) end to end as a fresh process: interpreter and import start-up,
worker-pool or cluster start-up, the runs, and writing the per-run files, the consolidated
parquet tables and the manifest. Each setting is repeated ``--repeats`` times into a fresh
directory (median reported). A second, tiny sweep (``--small`` replications) separates the fixed
cost from the cost per run: ``t(R) = fixed + R × per_run``. The runner's own "executed N runs
in Xs" figure (runs and writing, without interpreter/pool start-up) is reported alongside.

Parallel efficiency = (runs/min on 2 workers) / (2 × runs/min on 1 worker); it depends on the
sweep size R, so it is also predicted at R = 40, 400, 4000 from the fitted costs.

``--forkserver`` adds a fourth setting, a proposal for ``simxh/executors.py`` (measured: no
wall-time gain on 2 cores, since spawned workers import in parallel anyway; it saves CPU only):
the same runner through its Python API (``run_experiment(..., executor=LocalExecutor(2,
mp_context="forkserver"))``) with ``simxh`` preloaded in the fork server, so the workers do not
each import mesa/pandas/scipy (about 1.5 s) as the ``spawn`` workers do.
"""

from __future__ import annotations

import argparse
import re
import resource
import subprocess
import tempfile
import time
from pathlib import Path

import _common  # noqa: F401  (one-thread BLAS before numpy)
from _common import ROOT, load_average, median, one_thread_env, print_machine

EXPERIMENT = """\
[experiment]
name = "bench_sweep"
description = "benchmark: the baseline, {replications} replications, 2023-2035"
seed = 20240101
replications = {replications}
end_year = 2035
outputs = ["gdp_yi"]
years = [2035]

[[scenarios]]
name = "baseline"
reference = true
"""

SETTINGS = {
    "1 local worker": ["--workers", "1"],
    "2 local workers": ["--workers", "2"],
    "local Dask, 2 workers": ["--dask-local", "--workers", "2"],
}
# a proposal for simxh/executors.py, measured through the runner's Python API: worker processes
# forked from a server that has already imported simxh (no per-worker import of mesa/pandas)
FORKSERVER = "2 workers, forkserver + preload (proposal)"
API_CODE = r"""
import multiprocessing, sys
from pathlib import Path
ctx = multiprocessing.get_context(sys.argv[3])
if sys.argv[3] == "forkserver":
    ctx.set_forkserver_preload(["simxh.runner", "simxh.simulation", "simxh.model"])
from simxh.executors import LocalExecutor
from simxh.experiment import load_experiment
from simxh.runner import run_experiment
with LocalExecutor(int(sys.argv[4]), mp_context=sys.argv[3]) as ex:
    r = run_experiment(load_experiment(Path(sys.argv[1])), Path(sys.argv[2]), executor=ex,
                       progress="off")
print(f"executed {r.executed} runs in {r.seconds:.3f}s")
"""


def simxh_cli() -> str:
    exe = Path(_common.PYTHON).with_name("simxh")
    return str(exe)


def _children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def sweep(tmp: Path, replications: int, args: list[str], tag: str
          ) -> tuple[float, float, int, float]:
    """(end-to-end seconds, runner-reported seconds, runs, CPU seconds of the process and its
    reaped workers) of one ``simxh run``."""
    exp = tmp / f"exp_{replications}.toml"
    exp.write_text(EXPERIMENT.format(replications=replications))
    out = tmp / f"out_{tag}_{replications}_{time.monotonic_ns()}"
    if args and args[0] == "api":
        cmd = [_common.PYTHON, "-c", API_CODE, str(exp), str(out), *args[1:]]
    else:
        cmd = [simxh_cli(), "run", str(exp), "--out", str(out), "--progress", "off", *args]
    c0 = _children_cpu()
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=one_thread_env(),
                          cwd=str(ROOT), timeout=3600)
    wall = time.perf_counter() - t0
    cpu = _children_cpu() - c0
    if proc.returncode != 0:
        raise RuntimeError(f"simxh run failed:\n{proc.stdout}\n{proc.stderr[-3000:]}")
    m = re.search(r"executed (\d+) runs in ([\d.]+)s", proc.stdout)
    if not m:
        raise RuntimeError(f"unexpected output:\n{proc.stdout}")
    if not (out / "district.parquet").is_file():
        raise RuntimeError(f"no district.parquet in {out}")
    return wall, float(m.group(2)), int(m.group(1)), cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replications", type=int, default=40)
    ap.add_argument("--small", type=int, default=2, help="replications of the fixed-cost sweep")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--no-dask", action="store_true")
    ap.add_argument("--forkserver", action="store_true",
                    help="add the forkserver proposal (measured via the Python API)")
    args = ap.parse_args()
    print_machine()
    settings = {k: v for k, v in SETTINGS.items() if not (args.no_dask and "Dask" in k)}
    if args.forkserver:
        settings[FORKSERVER] = ["api", "forkserver", "2"]
    rpm: dict[str, float] = {}
    rpm_runner: dict[str, float] = {}
    fit = {}
    cpu_per_run: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="simxh-bench-sweep-") as d:
        tmp = Path(d)
        sweep(tmp, 1, ["--workers", "1"], "warm")  # warm the OS file cache
        for name, cli in settings.items():
            big = [sweep(tmp, args.replications, cli, "big") for _ in range(args.repeats)]
            small = [sweep(tmp, args.small, cli, "small") for _ in range(args.repeats)]
            t_big = median([b[0] for b in big])
            t_small = median([s[0] for s in small])
            r_big = median([b[1] for b in big])
            c_big = median([b[3] for b in big])
            c_small = median([s[3] for s in small])
            cpu_per_run[name] = (c_big - c_small) / (args.replications - args.small)
            cpu_fixed = c_small - args.small * cpu_per_run[name]
            per_run = (t_big - t_small) / (args.replications - args.small)
            fixed = t_small - args.small * per_run
            fit[name] = lambda r, f=fixed, p=per_run: f + r * p
            rpm[name] = 60.0 * args.replications / t_big
            rpm_runner[name] = 60.0 * args.replications / r_big
            print(f"{name:24s}: {args.replications} runs in {t_big:6.2f} s end to end → "
                  f"{rpm[name]:6.1f} runs/min; runner-reported {r_big:6.2f} s → "
                  f"{rpm_runner[name]:6.1f} runs/min; fixed cost {fixed:5.2f} s + "
                  f"{per_run:.3f} s per run; CPU {c_big:6.2f} s = {cpu_fixed:5.2f} s fixed + "
                  f"{cpu_per_run[name]:.3f} s per run")
    one = "1 local worker"
    print("predicted parallel efficiency t1(R) / (2 t2(R)) from the fitted fixed + per-run costs:")
    for name in settings:
        if name == one:
            continue
        parts = []
        for r in (40, 400, 4000):
            eff = fit[one](r) / (2 * fit[name](r))
            parts.append(f"R={r}: {100 * eff:.0f}%")
        print(f"  {name}: " + ", ".join(parts))
        if fit[one](4000) / (2 * fit[name](4000)) > 1.0:
            print("  (over 100%: the fit is unreliable; the load changed between the sweeps)")
    for name in settings:
        if name == one:
            continue
        workers = 2
        eff = rpm[name] / (workers * rpm[one])
        eff_r = rpm_runner[name] / (workers * rpm_runner[one])
        print(f"parallel efficiency, {name}: {100 * eff:.0f}% end to end, "
              f"{100 * eff_r:.0f}% runner-reported")
    for name in settings:
        if name not in (one, FORKSERVER):  # forkserver workers are not our reaped children
            print(f"CPU cost per run, {name} / 1 worker: "
                  f"{cpu_per_run[name] / cpu_per_run[one]:.2f} (1.00 = no per-run overhead)")
    print(f"load average at end: {load_average()}")
    print(f"runs_per_minute_1: {rpm[one]:.1f}")
    print(f"runs_per_minute_2: {rpm['2 local workers']:.1f}")


if __name__ == "__main__":
    main()
