"""Concurrency and clean stops (issue 23, items 1 and 4).

- One writer per results folder: `simxh run` holds an exclusive ``flock`` on
  ``DIR/.simxh.lock``; a second writer is refused with one line naming the holder (PID, host,
  start time) and exit 2; a folder whose writer died is taken over by ``--resume``; cleaning
  temporary files never deletes a live process's file.
- SIGTERM and SIGINT stop the workers, mark the manifest "interrupted" and exit 143 or 130;
  pool workers die with their parent even after ``kill -9`` of it.

The subprocess tests run the real CLI (``simxh.cli.main``) with the fast stand-in model on a
local pool of 2 workers (:data:`DRIVER`).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from simxh.cli import main
from simxh.store import Store

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
sys.path.insert(0, str(TESTS))
from test_experiment_helpers import fake_simulate  # noqa: E402

EXPERIMENT = """
[experiment]
name = "concurrent"
seed = 7
replications = {reps}
end_year = 2026

[[scenarios]]
name = "baseline"
reference = true

[[scenarios]]
name = "faster"
set = {{ "network.speed_expressway_kmh" = 95.0 }}
"""

DRIVER = """
import functools, sys
sys.path.insert(0, {tests!r})
if __name__ == "__main__":  # not in the pool's spawned workers, which import this file
    from test_experiment_helpers import fake_simulate
    import simxh.runner
    simxh.runner.run_experiment = functools.partial(simxh.runner.run_experiment,
                                                    run_fn=fake_simulate)
    from simxh.cli import main
    sys.exit(main(sys.argv[1:]))
"""


@pytest.fixture
def fast_model(monkeypatch):
    import simxh.simulation

    def simulate(cfg, seed=0, scenario="", replication=0, region=None, villages=True):
        return fake_simulate(cfg, seed=seed, scenario=scenario, replication=replication)

    monkeypatch.setattr(simxh.simulation, "simulate", simulate)
    # the CLI's one worker runs in a child process (a crash must not take the CLI down); here
    # it runs in this process, so the patched model is the one that runs
    import simxh.runner
    from simxh.executors import InlineExecutor

    monkeypatch.setattr(simxh.runner, "make_executor", lambda *_a, **_k: InlineExecutor())


def experiment(tmp_path: Path, reps: int = 3) -> Path:
    path = tmp_path / "exp.toml"
    path.write_text(EXPERIMENT.format(reps=reps))
    return path


def run_cli(capsys, *argv: str) -> tuple[int, str]:
    code = main(["run", *argv, "--workers", "1", "--progress", "off"])
    return code, capsys.readouterr().err


def sleeper() -> subprocess.Popen:
    """A live process that is not us (the owner of another process's temp file)."""
    return subprocess.Popen(["sleep", "60"])


# ---- one writer per folder (fast, in-process: a flock on another descriptor conflicts) -----
def test_a_second_writer_is_refused_naming_the_holder(tmp_path, capsys, fast_model) -> None:
    exp, out = experiment(tmp_path), tmp_path / "out"
    assert run_cli(capsys, str(exp), "--out", str(out))[0] == 0
    from simxh.store import StoreLock

    holder = StoreLock(out).acquire()  # another `simxh run` is writing to the folder
    try:
        for extra in ((), ("--resume",), ("--force",), ("--retry-failed",)):
            code, err = run_cli(capsys, str(exp), "--out", str(out), *extra)
            assert code == 2, err
            assert err.count("\n") == 1 and "Traceback" not in err
            assert f"PID {os.getpid()}" in err and "started 20" in err, err
            assert "another simxh process is writing to this folder" in err
        assert len(Store(out).done_ids()) == 6  # --force deleted nothing
    finally:
        holder.release()
    code, err = run_cli(capsys, str(exp), "--out", str(out), "--resume")
    assert code == 0, err
    manifest = json.loads((out / "manifest.json").read_text())
    assert [h["finished"] is not None for h in manifest["history"]] == [True, True]


def test_consolidation_racing_a_resume_keeps_the_writers_temp_file(tmp_path, capsys,
                                                                   fast_model) -> None:
    """A first `simxh run` is consolidating (it holds the lock, and its temporary table is in
    the folder) when a `--resume` starts: the resume is refused and deletes nothing; the temp
    file of a live process survives cleaning, the one of a dead process does not."""
    exp, out = experiment(tmp_path), tmp_path / "out"
    assert run_cli(capsys, str(exp), "--out", str(out))[0] == 0
    live = sleeper()
    try:
        tmp = out / f".district.parquet.{live.pid}.tmp"
        tmp.write_bytes(b"PAR1 half a consolidated table")
        from simxh.store import StoreLock

        holder = StoreLock(out).acquire()
        try:
            code, err = run_cli(capsys, str(exp), "--out", str(out), "--resume")
            assert code == 2 and f"PID {os.getpid()}" in err, err
            assert tmp.exists()
        finally:
            holder.release()
        done = subprocess.Popen(["true"])
        done.wait()
        dead = out / "runs" / f".s0-p0-r0.towns.parquet.{done.pid}.tmp"
        dead.write_bytes(b"left by a killed writer")
        assert Store(out).clean_temp_files() == 1
        assert tmp.exists() and not dead.exists()
    finally:
        live.kill()
        live.wait()


# ---- real processes (slow) ------------------------------------------------------------------
def start(tmp_path: Path, *argv: str, sleep: float = 0.3, workers: int = 2) -> subprocess.Popen:
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER.format(tests=str(TESTS)))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SIMXH_FAKE_SLEEP": str(sleep)}
    return subprocess.Popen([sys.executable, str(driver), "run", *argv, "--workers",
                             str(workers), "--progress", "off"], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def children(pid: int) -> set[int]:
    """Live (not zombie) child processes of ``pid``, from /proc."""
    out = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            out.add(int(entry.name))
    return out


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def wait_for(condition, timeout: float = 60.0, step: float = 0.1) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(step)
    return condition()


def done_runs(out: Path) -> int:
    runs = out / "runs"
    return len(list(runs.glob("*.district.parquet"))) if runs.is_dir() else 0


@pytest.mark.slow
def test_two_concurrent_writers(tmp_path) -> None:
    """The issue's case: a second `simxh run` on the same --out while the first runs (on the
    old code both ran every run and exited 0, leaving the first's history unfinished). The
    second is refused (exit 2, one line naming the first) and writes nothing; the first goes
    on alone."""
    exp, out = experiment(tmp_path, reps=30), tmp_path / "out"
    first = start(tmp_path, str(exp), "--out", str(out), sleep=0.5)
    try:
        assert wait_for(lambda: done_runs(out) >= 1)
        second = start(tmp_path, str(exp), "--out", str(out), "--resume")
        _, err = second.communicate(timeout=120)
        assert first.poll() is None  # the first was still writing
        assert second.returncode == 2, err
        assert err.count("\n") == 1 and f"PID {first.pid}" in err, err
        assert "another simxh process is writing to this folder" in err
        first.send_signal(signal.SIGTERM)
        _, err = first.communicate(timeout=60)
        assert first.returncode == 143, err
    finally:
        first.kill()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 7 and manifest["status"] == "interrupted"
    assert len(manifest["history"]) == 1 and manifest["history"][0]["finished"] is not None
    assert len(manifest["checksums"]) == done_runs(out) == manifest["history"][0]["executed"]


@pytest.mark.slow
@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_stop_signal_stops_the_workers_and_marks_the_manifest(tmp_path, signum,
                                                                code) -> None:
    exp, out = experiment(tmp_path, reps=40), tmp_path / "out"
    proc = start(tmp_path, str(exp), "--out", str(out))
    try:
        assert wait_for(lambda: done_runs(out) >= 2)
        workers = children(proc.pid)
        assert len(workers) >= 2
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == code, err
    assert "Traceback" not in err and "interrupted" in err, err
    assert wait_for(lambda: not any(alive(p) for p in workers), timeout=5)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "interrupted"
    assert manifest["history"][-1]["finished"] is not None


@pytest.mark.slow
def test_kill_9_leaves_no_worker_and_resume_takes_over(tmp_path, capsys, fast_model) -> None:
    exp, out = experiment(tmp_path, reps=40), tmp_path / "out"
    proc = start(tmp_path, str(exp), "--out", str(out))
    try:
        assert wait_for(lambda: done_runs(out) >= 2)
        workers = children(proc.pid)
        assert len(workers) >= 2
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        proc.kill()
    assert wait_for(lambda: not any(alive(p) for p in workers), timeout=5), \
        [p for p in workers if alive(p)]
    holder = json.loads((out / ".simxh.lock").read_text())
    assert holder["pid"] == proc.pid  # the dead writer's lock file is still there...
    code, err = run_cli(capsys, str(exp), "--out", str(out), "--resume")  # ...and taken over
    assert code == 0, err
    assert len(Store(out).done_ids()) == 80
