"""A Dask worker killed mid-sweep (issue 7): its runs are redone elsewhere, and the results
are complete and identical to an uninterrupted run.

A real ``LocalCluster`` of two single-threaded worker processes on 127.0.0.1 runs a sweep of
the real model submitted by the real CLI (``simxh run --scheduler tcp://...``, a separate
process, as a researcher would use a shared cluster). Once some runs are stored, the test
picks a worker that is processing runs and SIGKILLs its process (the nanny then starts a new
one). The sweep must finish with every run done exactly once and tables identical to an
uninterrupted local run.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

distributed = pytest.importorskip("distributed")

ROOT = Path(__file__).resolve().parents[1]
# 3 scenarios × 10 replications to 2027: ~0.1 s a run, a few seconds on two workers
ARGS = ["run", "experiments/quick.toml", "--replications", "10", "--set", "run.end_year=2027",
        "--progress", "lines"]
PLANNED = 3 * 10


def cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "simxh", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)


def stored_runs(out: Path) -> int:
    runs = out / "runs"
    return len(list(runs.glob("*.district.parquet"))) if runs.is_dir() else 0


def wait_for(condition, timeout: float, what: str, poll: float = 0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(poll)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def test_dask_worker_sigkilled_mid_sweep_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    from distributed import Client, LocalCluster

    out = tmp_path / "dask"
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as client:
        client.wait_for_workers(2, timeout=60)
        address = cluster.scheduler_address
        assert address.startswith("tcp://127.0.0.1:")
        pids_before = client.run(os.getpid)  # {worker address: pid}
        assert len(pids_before) == 2
        proc = subprocess.Popen(
            [sys.executable, "-m", "simxh", *ARGS, "--scheduler", address, "--max-in-flight",
             "4", "--out", str(out)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, start_new_session=True)
        try:
            # some runs stored, and a worker busy with a run: kill that worker's process
            wait_for(lambda: stored_runs(out) >= 2 or proc.poll() is not None, 90,
                     "the first runs to be stored")
            assert proc.poll() is None, "the sweep ended before the kill: " + proc.stderr.read()

            def busy_worker() -> str | None:
                assert proc.poll() is None, "the sweep ended before the kill"
                busy = [w for w, keys in client.processing().items() if keys]
                return busy[0] if busy else None

            victim = wait_for(busy_worker, 30, "a worker processing a run", poll=0.005)
            lost = list(client.processing()[victim])
            done_at_kill = stored_runs(out)
            os.kill(pids_before[victim], signal.SIGKILL)
            stdout, stderr = proc.communicate(timeout=120)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=30)
        assert proc.returncode == 0, stderr
        assert done_at_kill < PLANNED, "the kill did not land mid-sweep"
        # the killed worker really died (the nanny replaced it with a new process)
        client.wait_for_workers(2, timeout=60)
        pids_after = client.run(os.getpid)
        assert pids_before[victim] not in pids_after.values()
        # the runs the victim was processing were processed again and finished elsewhere
        story = client.run_on_scheduler(
            lambda dask_scheduler: [(t.key, t.finish) for t in dask_scheduler.story(*lost)])
        redone = [k for k in lost
                  if sum(1 for key, finish in story if key == k and finish == "processing") >= 2
                  and (k, "memory") in story]
        assert redone, (lost, story)

    assert f"{PLANNED}/{PLANNED} runs done, 0 failed" in stdout, stdout
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    assert manifest["counts"] == {"planned": PLANNED, "done": PLANNED, "failed": 0,
                                  "pending": 0}
    last = manifest["history"][-1]
    assert last["executor"]["kind"] == "dask" and last["executor"]["address"] == address
    # each run came back from the executor exactly once (a duplicate would be written twice
    # to the same file, so the count is the check)
    assert (last["executed"], last["failed"]) == (PLANNED, 0)
    # nothing lost, nothing duplicated: one stored file per run, one row per run and year
    assert stored_runs(out) == PLANNED
    failures = out / "failures"
    assert not failures.exists() or not any(failures.iterdir())
    district = pd.read_parquet(out / "district.parquet")
    towns = pd.read_parquet(out / "towns.parquet")
    ids = ["scenario", "point", "replication", "year"]
    assert not district.duplicated(ids).any() and not towns.duplicated(ids + ["town"]).any()
    assert len(district) == PLANNED * 5 and len(towns) == PLANNED * 5 * 11

    # identical to an uninterrupted local run
    clean = tmp_path / "clean"
    res = cli(*ARGS, "--workers", "1", "--out", str(clean))
    assert res.returncode == 0, res.stderr
    pd.testing.assert_frame_equal(pd.read_parquet(clean / "district.parquet"), district)
    pd.testing.assert_frame_equal(pd.read_parquet(clean / "towns.parquet"), towns)


def _square(x: int) -> int:
    return x * x


def test_a_cluster_without_workers_ends_the_sweep_instead_of_hanging():
    """A scheduler whose workers are all gone: the sweep stops with a clear, resumable error."""
    from distributed import LocalCluster

    from simxh.errors import UserError
    from simxh.executors import DaskExecutor

    with LocalCluster(n_workers=0, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        ex = DaskExecutor(cluster.scheduler_address, worker_timeout=2.0, poll_seconds=0.5)
        try:
            start = time.monotonic()
            with pytest.raises(UserError, match="no worker for 2 s; the finished runs are kept"):
                list(ex.map(_square, range(3)))
            assert time.monotonic() - start < 30
        finally:
            ex.close()
