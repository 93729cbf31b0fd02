"""A run's cost inside a sweep against ``simxh.simulate`` alone: the sweep's overhead.

    .venv/bin/python benchmarks/bench_overhead.py [--replications 10] [--repeats 2]
        [--experiment experiments/policy_comparison.toml] [--cli-replications 143 --cli-workers 2]

Plans the experiment's runs (every scenario × ``--replications``, the runner's own seeds,
overrides and per-replication draws) and times, in this one process, taking turns:

- **plain**: ``simxh.simulate(cfg, seed, scenario=..., replication=...)`` for each run, with
  each run's config loaded beforehand (the model alone: set-up, steps, result tables);
- **sweep**: ``simxh.runner.run_experiment(experiment, fresh folder, workers=1)`` (inline, one
  worker): the same runs with everything around them (validating the experiment's configs,
  each run's config and draws, stamping the tables, writing the store, the manifest and the
  consolidated tables), divided by the number of runs.

``overhead = sweep per run / plain per run − 1``, by CPU time (``time.process_time``: least
affected by other processes; the fsyncs' waits are not CPU) and by wall time. It also times
the experiment's validation (``validate_experiment_configs``) and ``Config.with_overrides`` on
a run's override set. ``--cli-replications R`` adds the real CLI end to end as a fresh process
(``simxh run FILE --replications R --workers W``; 143 → 7 × 143 = 1,001 runs of
``policy_comparison``). Results go to a temporary folder. Last line: ``overhead_pct: X``.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import _common  # noqa: F401  (one-thread BLAS before numpy)
from _common import PYTHON, ROOT, load_average, median, one_thread_env, print_machine


def plan(experiment, folder: Path) -> list:
    """The sweep's run tasks (seeds, overrides, draws) as the runner makes them."""
    from simxh.runner import Runner

    runner = Runner(experiment, folder)
    try:
        return [runner.task(k) for k in runner.planned_keys()]
    finally:
        runner.store.release()


def time_plain(tasks: list, configs: list) -> tuple[float, float]:
    from simxh.simulation import simulate

    w0, c0 = time.perf_counter(), time.process_time()
    for task, cfg in zip(tasks, configs, strict=True):
        simulate(cfg, seed=task.seed, scenario=task.scenario, replication=task.key.replication,
                 villages="villages" in task.tables)
    return time.perf_counter() - w0, time.process_time() - c0


def time_sweep(experiment, folder: Path) -> tuple[float, float]:
    from simxh.runner import run_experiment

    shutil.rmtree(folder, ignore_errors=True)
    w0, c0 = time.perf_counter(), time.process_time()
    report = run_experiment(experiment, folder, workers=1, progress="off")
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    if report.failed or report.done != report.planned:
        raise RuntimeError(f"sweep incomplete: {report}")
    return wall, cpu


def time_cli(file: Path, replications: int, workers: int, folder: Path) -> float:
    shutil.rmtree(folder, ignore_errors=True)
    cmd = [PYTHON, "-m", "simxh", "run", str(file), "--replications", str(replications),
           "--workers", str(workers), "--out", str(folder), "--progress", "off"]
    env = one_thread_env()  # this tree's simxh, whatever the venv has installed
    env["PYTHONPATH"] = f"{ROOT}:{env['PYTHONPATH']}"
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, cwd=str(ROOT), capture_output=True)
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--experiment", default=str(ROOT / "experiments" / "policy_comparison.toml"))
    ap.add_argument("--replications", type=int, default=10)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--cli-replications", type=int, default=0,
                    help="also time the CLI end to end (143: 1,001 runs of policy_comparison)")
    ap.add_argument("--cli-workers", type=int, default=2)
    args = ap.parse_args(argv)

    from simxh.config import load_config
    from simxh.experiment import load_experiment, validate_experiment_configs
    from simxh.simulation import simulate

    print_machine()
    experiment = load_experiment(args.experiment).with_replications(args.replications)
    tmp = Path(tempfile.mkdtemp(prefix="bench_overhead_"))
    try:
        tasks = plan(experiment, tmp / "plan")
        configs = [load_config(t.config, t.overrides) for t in tasks]
        n = len(tasks)
        print(f"{n} runs: {len(experiment.scenarios)} scenarios × {args.replications} "
              f"replications of {Path(args.experiment).name}")
        simulate(configs[0], seed=tasks[0].seed)  # warm: imports, the region, the posterior

        validation, validation_cpu = [], []
        for _ in range(3):
            t0, c0 = time.perf_counter(), time.process_time()
            validate_experiment_configs(experiment)
            validation.append(time.perf_counter() - t0)
            validation_cpu.append(time.process_time() - c0)
        base, overrides = load_config(tasks[-1].config), tasks[-1].overrides
        calls = 200
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in range(calls):
            base.with_overrides(overrides)
        per_call = (time.perf_counter() - t0) / calls
        per_call_cpu = (time.process_time() - c0) / calls
        print(f"validate_experiment_configs: {median(validation):.3f} s wall, "
              f"{median(validation_cpu):.3f} s CPU (medians of 3); Config.with_overrides "
              f"({len(overrides)} keys): {per_call * 1000:.2f} ms wall, "
              f"{per_call_cpu * 1000:.2f} ms CPU a call")

        plain_w, plain_c, sweep_w, sweep_c = [], [], [], []
        for i in range(args.repeats):
            w, c = time_plain(tasks, configs)
            plain_w.append(w / n)
            plain_c.append(c / n)
            w, c = time_sweep(experiment, tmp / f"sweep{i}")
            sweep_w.append(w / n)
            sweep_c.append(c / n)
            print(f"  round {i + 1}: plain {plain_w[-1]:.4f} s wall / {plain_c[-1]:.4f} s CPU "
                  f"a run; sweep {sweep_w[-1]:.4f} / {sweep_c[-1]:.4f}; load {load_average()}")
        pw, pc, sw, sc = median(plain_w), median(plain_c), median(sweep_w), median(sweep_c)
        over_cpu, over_wall = 100 * (sc / pc - 1), 100 * (sw / pw - 1)
        print(f"per run: simulate alone {pw:.4f} s wall, {pc:.4f} s CPU; inside the sweep "
              f"(1 inline worker) {sw:.4f} s wall, {sc:.4f} s CPU")
        print(f"overhead: {over_cpu:.1f} % by CPU time, {over_wall:.1f} % by wall time")
        if args.cli_replications:
            runs = len(experiment.scenarios) * args.cli_replications
            wall = time_cli(Path(args.experiment), args.cli_replications, args.cli_workers,
                            tmp / "cli")
            print(f"CLI: {runs} runs on {args.cli_workers} workers in {wall:.1f} s end to end "
                  f"(load {load_average()})")
        print(f"load average at end: {load_average()}")
        print(f"overhead_pct: {over_cpu:.1f}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
