"""Faults: the disk fills up (or turns read-only) while `simxh run` writes results.

The fault is injected into the store's atomic writers after a number of successful writes,
through the real CLI (``simxh.cli.main``) with a fast stand-in for the model. Expected: exit 2
with one clear line (no traceback), every run recorded as done is complete and readable, and
``--resume`` once space is back finishes with tables identical to an uninterrupted run.
"""

from __future__ import annotations

import errno
import sys
from pathlib import Path

import pandas as pd
import pytest

import simxh.runner
import simxh.store
from simxh.cli import main
from simxh.store import Store

sys.path.insert(0, str(Path(__file__).parent))
from test_experiment_helpers import fake_experiment, fake_simulate  # noqa: E402

EXPERIMENT = fake_experiment("disk", end_year=2027)
RUNS = 6


@pytest.fixture
def fast_model(monkeypatch):
    """`simxh run` with the fake model (inline executor: the patch reaches the runs)."""
    import simxh.simulation

    def simulate(cfg, seed=0, scenario="", replication=0, region=None, villages=True):
        return fake_simulate(cfg, seed=seed, scenario=scenario, replication=replication)

    monkeypatch.setattr(simxh.simulation, "simulate", simulate)


class DiskFull:
    """Let ``ok`` writes through, then fail every write with ``code`` (ENOSPC, EROFS...)."""

    def __init__(self, monkeypatch, ok: int, code: int, *, also_json: bool) -> None:
        self.ok, self.code, self.calls = ok, code, 0
        self.real_table = simxh.store.atomic_write_table
        self.real_bytes = simxh.store.atomic_write_bytes
        for module in (simxh.store, simxh.runner):
            monkeypatch.setattr(module, "atomic_write_table", self.table)
        if also_json:
            monkeypatch.setattr(simxh.store, "atomic_write_bytes", self.bytes_)
        self.enabled = True

    def _check(self, path: Path) -> None:
        self.calls += 1
        if self.enabled and self.calls > self.ok:
            raise OSError(self.code, "injected fault", str(path))

    def table(self, path, table):
        self._check(path)
        self.real_table(path, table)

    def bytes_(self, path, data):
        self._check(path)
        self.real_bytes(path, data)


def run_cli(capsys, *argv: str) -> tuple[int, str]:
    code = main(["run", *argv, "--workers", "1", "--progress", "off"])
    return code, capsys.readouterr().err


def assert_consistent(out: Path) -> set[str]:
    """Every run the store counts as done has both tables, readable."""
    store = Store(out)
    done = store.done_ids()
    for run_id in done:
        for table in ("district", "towns"):
            frame = store.read_run(run_id, table)
            assert len(frame) > 0 and frame["gdp_yi"].notna().all()
    return done


@pytest.mark.parametrize(("ok", "code", "also_json", "words"), [
    pytest.param(5, errno.ENOSPC, False, "no space left on the device", id="full-mid-sweep"),
    pytest.param(5, errno.ENOSPC, True, "no space left on the device", id="full-incl-manifest"),
    pytest.param(0, errno.EROFS, False, "read-only file system", id="read-only-at-start"),
    pytest.param(3, errno.EDQUOT, True, "disk quota exceeded", id="quota"),
])
def test_disk_fault_is_a_clear_error_and_resumable(tmp_path, capsys, monkeypatch, fast_model,
                                                   ok, code, also_json, words):
    exp = tmp_path / "exp.toml"
    exp.write_text(EXPERIMENT)
    clean = tmp_path / "clean"
    assert run_cli(capsys, str(exp), "--out", str(clean))[0] == 0

    out = tmp_path / "out"
    fault = DiskFull(monkeypatch, ok, code, also_json=also_json)
    status, err = run_cli(capsys, str(exp), "--out", str(out))
    assert status == 2, err
    assert "Traceback" not in err and err.count("\n") == 1, err
    assert words in err and str(out) in err and "--resume" in err
    done = assert_consistent(out)
    assert len(done) < RUNS

    fault.enabled = False  # space is back
    status, err = run_cli(capsys, str(exp), "--out", str(out), "--resume")
    assert status == 0, err
    assert len(assert_consistent(out)) == RUNS
    assert not list(out.rglob(".*.tmp"))  # no temp file of the failed writes is left
    for name in ("district", "towns"):
        pd.testing.assert_frame_equal(pd.read_parquet(out / f"{name}.parquet"),
                                      pd.read_parquet(clean / f"{name}.parquet"))
