"""The runner (with a fast fake model): common random numbers, determinism across executors
and resumes, failure isolation, --retry-failed, worker death, adaptive replications.
The kill -9 test runs the real CLI and model: tests/test_experiment_e2e.py."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simxh.errors import UserError
from simxh.executors import InlineExecutor, LocalExecutor
from simxh.experiment import Adaptive, load_experiment
from simxh.runner import replication_seed, run_experiment

sys.path.insert(0, str(Path(__file__).parent))
from test_experiment_helpers import die_once, fake_simulate  # noqa: E402

EXPERIMENT = """
[experiment]
name = "fake"
seed = 2024
replications = 4
end_year = 2028
outputs = ["gdp_yi"]
years = [2028]

[[scenarios]]
name = "baseline"
reference = true

[[scenarios]]
name = "faster"
set = { "network.speed_expressway_kmh" = 95.0 }

[[uncertainties]]
key = "access.distance_decay"
low = 0.6
high = 1.2

[design]
kind = "lhs"
samples = 2
"""


@pytest.fixture
def exp_path(tmp_path: Path) -> Path:
    path = tmp_path / "exp.toml"
    path.write_text(EXPERIMENT)
    return path


def tables(root: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    return pd.read_parquet(root / "district.parquet"), pd.read_parquet(root / "towns.parquet")


def run(exp_path: Path, out: Path, **kw):
    kw.setdefault("workers", 1)
    return run_experiment(load_experiment(exp_path, replications=kw.pop("replications", None)),
                          out, run_fn=kw.pop("run_fn", fake_simulate), progress="off", **kw)


def test_replication_seeds_are_stable_and_distinct() -> None:
    seeds = [replication_seed(2024, r) for r in range(1000)]
    assert len(set(seeds)) == 1000 and all(0 <= s < 2**63 for s in seeds)
    assert replication_seed(2024, 5) == seeds[5]  # independent of how many are asked for
    assert replication_seed(2025, 5) != seeds[5]


def test_common_random_numbers_across_scenarios_and_points(exp_path: Path, tmp_path: Path
                                                           ) -> None:
    report = run(exp_path, tmp_path / "out")
    assert (report.planned, report.done, report.failed) == (16, 16, 0)
    district, towns = tables(tmp_path / "out")
    assert len(district) == 16 * 6 and len(towns) == 16 * 6 * 3
    # replication r has the same seed in every scenario and design point
    seeds = district.groupby("replication")["seed"].nunique()
    assert (seeds == 1).all()
    assert district.groupby("replication")["seed"].first().tolist() == [
        replication_seed(2024, r) for r in range(4)]
    # ... hence the same random shocks: the stochastic part of hightech_firms is identical
    noise = district["hightech_firms"] - 550 - 20 * (district["year"] - 2023)
    assert (noise.groupby([district["replication"], district["year"]]).nunique() == 1).all()
    # the design column and point are recorded; rows sorted by scenario, point, rep, year
    assert {"point", "access.distance_decay"} <= set(district.columns)
    order = district.assign(s=district["scenario"].map({"baseline": 0, "faster": 1}))
    assert order[["s", "point", "replication", "year"]].apply(tuple, axis=1).is_monotonic_increasing
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["replication_seeds"] == [replication_seed(2024, r) for r in range(4)]
    assert manifest["counts"] == {"planned": 16, "done": 16, "failed": 0, "pending": 0}
    assert manifest["status"] == "complete" and "numpy" in manifest["versions"]
    assert manifest["configs"]["faster"]["resolved"]["network"]["speed_expressway_kmh"] == 95.0
    assert (tmp_path / "out" / "experiment.toml").read_text() == EXPERIMENT


def test_identical_tables_whatever_executor_workers_or_resume(exp_path: Path, tmp_path: Path
                                                              ) -> None:
    run(exp_path, tmp_path / "inline")
    expected = tables(tmp_path / "inline")
    exp = load_experiment(exp_path)
    with LocalExecutor(2, max_in_flight=3) as ex:
        run_experiment(exp, tmp_path / "pool", executor=ex, run_fn=fake_simulate, progress="off")
    # a resume history: 2 replications first, then extended to 4 with --resume
    run(exp_path, tmp_path / "resumed", replications=2)
    run(exp_path, tmp_path / "resumed", resume=True)
    for other in ("pool", "resumed"):
        got = tables(tmp_path / other)
        for a, b in zip(expected, got):
            pd.testing.assert_frame_equal(a, b)


def test_failures_are_isolated_recorded_and_retried(exp_path: Path, tmp_path: Path,
                                                    monkeypatch) -> None:
    text = EXPERIMENT + '\n[[scenarios]]\nname = "broken"\nset = { "network.rail_access_min" = 99.0 }\n'
    exp_path.write_text(text)
    flag = tmp_path / "fail-now"
    flag.write_text("1")
    monkeypatch.setenv("SIMXH_FAKE_FAIL_FILE", str(flag))
    out = tmp_path / "out"
    with LocalExecutor(2) as ex:
        report = run_experiment(load_experiment(exp_path), out, executor=ex,
                                run_fn=fake_simulate, progress="off")
    # broken scenario: 8 runs; replication 1 of the other two: 2 points x 2 scenarios
    assert (report.planned, report.failed, report.done) == (24, 12, 12)
    record = json.loads((out / "failures" / "s2-p0-r0.json").read_text())
    assert record["error"].startswith("RuntimeError: fake model failure")
    assert "Traceback" in record["traceback"] and "fake_simulate" in record["traceback"]
    assert record["seed"] == replication_seed(2024, 0) and record["kind"] == "model"
    district, _ = tables(out)
    assert set(district["scenario"]) == {"baseline", "faster"}

    from simxh.commands.status import status
    info = status(out)
    assert (info["done"], info["failed"], info["pending"]) == (12, 12, 0)

    flag.unlink()  # the transient cause is gone: retry only the failures
    report = run(exp_path, out, retry_failed=True)
    assert report.executed == 12 and report.failed == 8 and report.done == 16
    assert sorted(report.failures)[0] == "s2-p0-r0"
    district, _ = tables(out)
    assert len(district) == 16 * 6


def test_refuses_to_mix_experiments(exp_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run(exp_path, out)
    with pytest.raises(UserError, match="already holds 16 finished runs"):
        run(exp_path, out)
    exp_path.write_text(EXPERIMENT.replace("seed = 2024", "seed = 1"))
    with pytest.raises(UserError, match="another experiment"):
        run(exp_path, out, resume=True)
    report = run(exp_path, out, force=True)
    assert report.done == 16


def test_local_pool_retries_runs_of_a_dead_worker(exp_path: Path, tmp_path: Path,
                                                  monkeypatch) -> None:
    monkeypatch.setenv("SIMXH_FAKE_DIE_MARKER", str(tmp_path / "marker"))
    with LocalExecutor(2) as ex:
        report = run_experiment(load_experiment(exp_path), tmp_path / "out", executor=ex,
                                run_fn=die_once, progress="off")
    assert (tmp_path / "marker").exists()
    assert (report.done, report.failed) == (16, 0)
    run(exp_path, tmp_path / "ref")
    for a, b in zip(tables(tmp_path / "ref"), tables(tmp_path / "out")):
        pd.testing.assert_frame_equal(a, b)


def test_adaptive_replications_until_interval_is_narrow(exp_path: Path, tmp_path: Path) -> None:
    from dataclasses import replace

    from simxh.analysis import widest_interval

    exp = load_experiment(exp_path)
    # the faster scenario's effect on 2028 GDP varies with the shocks: its interval shrinks
    exp = replace(exp, replications=3, adaptive=Adaptive("gdp_yi", 2028, 0.6, 40))
    report = run_experiment(exp, tmp_path / "out", run_fn=fake_simulate, progress="off",
                            executor=InlineExecutor())
    widths = [step["widest_interval"] for step in report.adaptive]
    assert report.replications > 3 and len(widths) >= 2
    district, _ = tables(tmp_path / "out")
    final = widest_interval(district, "baseline", "gdp_yi", 2028)
    assert final == pytest.approx(widths[-1])
    assert final <= 0.6 or report.replications == 40
    assert widths[0] > 0.6
    assert district["replication"].nunique() == report.replications
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["replications"] == report.replications
    assert len(manifest["replication_seeds"]) == report.replications
    # a cap stops it
    exp = replace(exp, replications=3, adaptive=Adaptive("gdp_yi", 2028, 1e-9, 5))
    capped = run_experiment(exp, tmp_path / "capped", run_fn=fake_simulate, progress="off",
                            executor=InlineExecutor())
    assert capped.replications == 5
    assert np.isfinite(capped.adaptive[-1]["widest_interval"])


def test_progress_lines_report_counts_and_eta() -> None:
    import io

    from simxh.progress import Progress

    stream = io.StringIO()
    with Progress(10, desc="runs", mode="auto", stream=stream, every_seconds=1e9) as bar:
        assert bar.mode == "lines"  # not a terminal
        assert bar.eta_seconds() is None
        for i in range(10):
            bar.update(ok=(i != 3))
    lines = stream.getvalue().splitlines()
    assert len(lines) == 10  # one line per 10% step (and the last)
    assert lines[-1].startswith("runs: 10/10 (100%), 1 failed") and "ETA 0m00s" in lines[-1]
