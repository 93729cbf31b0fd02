"""Issue 23, item 3: a crash is charged to the run that crashed, and a hanging run times out.

The faults come from the fast fake model (``tests/test_experiment_helpers.py``): a scenario that
sets ``network.rail_access_min = 97`` kills its process (``os._exit``) in replication 2, every
time; ``= 98`` makes replication 1 hang in a Python loop. The pool workers are real processes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from test_experiment_helpers import CRASH_RAIL, HANG_RAIL, fake_simulate  # noqa: E402

from simxh.executors import LocalExecutor  # noqa: E402
from simxh.experiment import load_experiment  # noqa: E402
from simxh.runner import check_run_timeout, default_run_timeout, run_experiment  # noqa: E402
from simxh.watchdog import RunTimeout, call_with_time_limit  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]

EXPERIMENT = """
[experiment]
name = "faults"
seed = 7
replications = 4
end_year = 2025
outputs = ["gdp_yi"]
years = [2025]

[[scenarios]]
name = "baseline"
reference = true

[[scenarios]]
name = "faulty"
set = {{ "network.rail_access_min" = {rail}.0 }}
"""


def experiment_file(tmp_path: Path, rail: int) -> Path:
    path = tmp_path / "exp.toml"
    path.write_text(EXPERIMENT.format(rail=rail))
    return path


def failures(out: Path) -> dict[str, dict]:
    folder = out / "failures"
    return {p.stem: json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))} \
        if folder.is_dir() else {}


# ---- fast: the time limit itself, its default and its option ---------------------------------
def _spin() -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        time.sleep(0.005)
    raise AssertionError("not stopped")


def test_time_limit_stops_a_loop_in_the_main_thread_and_in_a_task_thread() -> None:
    for where in ("main", "thread"):
        seen: list = []

        def go(seen: list = seen) -> None:
            start = time.monotonic()
            with pytest.raises(RunTimeout, match="time limit of 0.2 s"):
                call_with_time_limit(_spin, 0.2)
            seen.append(time.monotonic() - start)
            assert call_with_time_limit(lambda: 5, 0.1) == 5
            time.sleep(0.15)  # no exception arrives after the function returned
            seen.append("ok")

        if where == "main":
            go()
        else:  # a Dask worker runs its tasks in such a thread: no SIGALRM there
            th = threading.Thread(target=go)
            th.start()
            th.join()
        assert seen[-1] == "ok" and seen[0] < 2.0, (where, seen)


def test_default_time_limit_follows_the_horizon_and_bad_values_are_refused() -> None:
    from simxh.config import load_config

    short = load_config(None, overrides=["run.end_year=2035"])
    long = load_config(None, overrides=["run.end_year=2060"])
    assert default_run_timeout({"a": short}) == pytest.approx(60 + 2 * 13)
    assert default_run_timeout({"a": short, "b": long}) == pytest.approx(60 + 2 * 38)
    check_run_timeout(0)
    check_run_timeout(None)
    from simxh.errors import UserError
    for bad in (-1.0, float("nan"), float("inf")):
        with pytest.raises(UserError, match="--run-timeout"):
            check_run_timeout(bad)


def test_cli_refuses_a_negative_run_timeout(tmp_path: Path, capsys) -> None:
    from simxh.cli import main

    out = tmp_path / "out"
    code = main(["run", str(experiment_file(tmp_path, 0)), "--out", str(out),
                 "--run-timeout", "-5", "--progress", "off"])
    err = capsys.readouterr().err
    assert code == 2 and "--run-timeout" in err and "Traceback" not in err
    assert not out.exists()


def test_inline_run_times_out_and_the_sweep_goes_on(tmp_path: Path) -> None:
    """In this process (the API's InlineExecutor): the SIGALRM path, 1 hang among 8 runs."""
    out = tmp_path / "out"
    from simxh.executors import InlineExecutor

    start = time.monotonic()
    report = run_experiment(load_experiment(experiment_file(tmp_path, HANG_RAIL)), out,
                            executor=InlineExecutor(), run_fn=fake_simulate, progress="off",
                            run_timeout=0.3)
    assert time.monotonic() - start < 5
    assert (report.done, report.failed) == (7, 1)
    record = failures(out)["s1-p0-r1"]
    assert record["kind"] == "timeout" and record["error"].startswith("RunTimeout: ")
    assert record["deterministic"] is True


# ---- slow: real worker processes ---------------------------------------------------------------
@pytest.mark.slow
def test_a_crashing_run_is_charged_alone(tmp_path: Path) -> None:
    """One run kills its worker every time, among 7 innocent runs in flight with it (2
    workers, ``--max-in-flight 8``: the issue's 4 innocent failures): only it is recorded failed
    (after 3 crashes alone), the 7 others are done; --retry-failed reruns only it and loses
    nothing."""
    in_flight = 8
    exp = load_experiment(experiment_file(tmp_path, CRASH_RAIL))
    out = tmp_path / "out"
    with LocalExecutor(2, max_in_flight=in_flight) as ex:
        report = run_experiment(exp, out, executor=ex, run_fn=fake_simulate, progress="off")
    assert (report.done, report.failed) == (7, 1), failures(out)
    assert list(failures(out)) == ["s1-p0-r2"]
    record = failures(out)["s1-p0-r2"]
    assert record["kind"] == "worker" and "died while running this run alone, 3 times" in \
        record["error"]
    with LocalExecutor(2, max_in_flight=in_flight) as ex:
        again = run_experiment(exp, out, executor=ex, run_fn=fake_simulate, progress="off",
                               retry_failed=True)
    assert (again.executed, again.done, again.failed) == (1, 7, 1)


SCRIPT = """
import functools, sys
sys.path.insert(0, {tests!r})
if __name__ == "__main__":  # the pool's spawned worker imports this file too
    import simxh.runner
    from test_experiment_helpers import fake_simulate
    simxh.runner.run_experiment = functools.partial(simxh.runner.run_experiment,
                                                    run_fn=fake_simulate)
    from simxh.cli import main
    sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.slow
def test_one_worker_cli_survives_a_crashing_run_and_records_it(tmp_path: Path) -> None:
    """``simxh run --workers 1`` (the real CLI, the fake model): the crashing run is recorded
    and the CLI exits 1 with its usual message; ``--resume`` then has nothing to run."""
    script = tmp_path / "cli.py"
    script.write_text(SCRIPT.format(tests=str(ROOT / "tests")))
    out = tmp_path / "out"
    argv = [sys.executable, str(script), "run", str(experiment_file(tmp_path, CRASH_RAIL)),
            "--out", str(out), "--workers", "1", "--progress", "off"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # this checkout's simxh in the subprocess
    res = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)
    assert res.returncode == 1, (res.returncode, res.stdout, res.stderr)
    assert "7/8 runs done, 1 failed" in res.stdout
    assert "run s1-p0-r2 failed: WorkerCrash" in res.stderr
    assert list(failures(out)) == ["s1-p0-r2"]
    res = subprocess.run(argv + ["--resume"], cwd=ROOT, capture_output=True, text=True,
                         timeout=120, env=env)
    assert res.returncode == 1 and "nothing to execute" in res.stdout, res.stderr


@pytest.mark.slow
def test_a_hanging_run_times_out_on_the_local_pool(tmp_path: Path) -> None:
    out = tmp_path / "out"
    start = time.monotonic()
    with LocalExecutor(2) as ex:
        report = run_experiment(load_experiment(experiment_file(tmp_path, HANG_RAIL)), out,
                                executor=ex, run_fn=fake_simulate, progress="off",
                                run_timeout=1.0)
    assert time.monotonic() - start < 30
    assert (report.done, report.failed) == (7, 1)
    record = failures(out)["s1-p0-r1"]
    assert record["kind"] == "timeout" and "time limit of 1 s" in record["error"]


@pytest.mark.slow
def test_a_hanging_run_times_out_on_dask(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    import cloudpickle
    import test_experiment_helpers

    from simxh.executors import DaskExecutor

    cloudpickle.register_pickle_by_value(test_experiment_helpers)
    try:
        out = tmp_path / "out"
        with DaskExecutor(local=True, workers=2) as ex:
            start = time.monotonic()
            report = run_experiment(load_experiment(experiment_file(tmp_path, HANG_RAIL)), out,
                                    executor=ex, run_fn=test_experiment_helpers.fake_simulate,
                                    progress="off", run_timeout=1.0)
            assert time.monotonic() - start < 30
    finally:
        cloudpickle.unregister_pickle_by_value(test_experiment_helpers)
    assert (report.done, report.failed) == (7, 1)
    record = failures(out)["s1-p0-r1"]
    assert record["kind"] == "timeout" and "time limit of 1 s" in record["error"]
