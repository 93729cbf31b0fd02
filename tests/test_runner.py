"""The runner (with a fast fake model): common random numbers, determinism across executors
and resumes, failure isolation, --retry-failed, worker death, adaptive replications.
The kill -9 test runs the real CLI and model: tests/test_experiment_e2e.py."""

from __future__ import annotations

import io
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

ROOT = Path(__file__).resolve().parent.parent

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
sweep = true   # swept at every design point like the others (the default leaves it unswept)

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
    with pytest.raises(UserError, match=r"holds results of 'fake' run with other settings "
                       r"\(seed 2024 → 1\)"):
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


# ---- size check: absurd run counts or disk space are refused unless confirmed ---------------
def test_size_estimate_counts_runs_and_measures_bytes(exp_path: Path, tmp_path: Path) -> None:
    from simxh.experiment import validate_experiment_configs
    from simxh.runner import CONSOLIDATED_SHARE, estimate_size, run_bytes

    exp = load_experiment(exp_path)
    fresh = estimate_size(exp, tmp_path / "out", validate_experiment_configs(exp))
    assert (fresh.scenarios, fresh.points, fresh.replications, fresh.runs) == (2, 2, 4, 16)
    # 2023..2028 = 6 years: a fixed part per file plus a part per year
    assert fresh.bytes_per_run == run_bytes(exp.tables, 6)
    assert not fresh.measured_in_store and fresh.problems() == []
    assert fresh.bytes_needed == int(16 * fresh.bytes_per_run * (1 + CONSOLIDATED_SHARE))
    run(exp_path, tmp_path / "out", replications=2)
    measured = estimate_size(exp, tmp_path / "out", validate_experiment_configs(exp))
    runs = tmp_path / "out" / "runs"
    sizes = [sum(f.stat().st_size for f in runs.glob(f"{k}.*.parquet"))
             for k in (p.name.split(".")[0] for p in runs.glob("*.district.parquet"))]
    assert measured.measured_in_store and measured.done == 8
    assert measured.bytes_per_run == int(sum(sizes) / len(sizes))
    assert measured.bytes_needed == int(8 * measured.bytes_per_run * (1 + CONSOLIDATED_SHARE))

    # issue 23: with the real model the estimate before the first run is within 25 % of the
    # run files' size (it assumed 20 kB for a 5-year run, against 64 kB measured then), and
    # the whole folder fits in the total
    from simxh.runner import simulate_run

    run(exp_path, tmp_path / "real", replications=1, run_fn=simulate_run)
    real = estimate_size(exp, tmp_path / "real", validate_experiment_configs(exp))
    assert 0.75 < fresh.bytes_per_run / real.bytes_per_run < 1.25, \
        (fresh.bytes_per_run, real.bytes_per_run)
    total = sum(f.stat().st_size for f in (tmp_path / "real").rglob("*") if f.is_file())
    assert total <= 4 * fresh.bytes_per_run * (1 + CONSOLIDATED_SHARE)


def test_too_many_runs_are_refused_asked_or_forced(exp_path: Path, tmp_path: Path,
                                                   monkeypatch) -> None:
    import simxh.runner

    monkeypatch.setattr(simxh.runner, "MAX_RUNS_UNCONFIRMED", 10)
    out = tmp_path / "out"
    with pytest.raises(UserError, match=r"refused to start 16 runs planned \(2 scenarios × 2 "
                       r"design points × 4 replications\).*more than 10 runs.*--yes"):
        run(exp_path, out)
    assert not out.exists()  # nothing written
    questions: list[str] = []

    def no(question: str) -> bool:
        questions.append(question)
        return False

    with pytest.raises(UserError, match="refused to start 16 runs"):
        run(exp_path, out, confirm=no)
    assert len(questions) == 1 and "Start anyway?" in questions[0] and not out.exists()
    assert run(exp_path, out, confirm=lambda q: True).done == 16
    assert run(exp_path, tmp_path / "yes", confirm=True).done == 16


def test_more_disk_than_free_is_refused(exp_path: Path, tmp_path: Path, monkeypatch) -> None:
    import shutil as _shutil

    real = _shutil.disk_usage
    monkeypatch.setattr("simxh.runner.shutil.disk_usage",
                        lambda p: real(p)._replace(free=1000))
    with pytest.raises(UserError, match=r"more disk than is free \(1.0 kB free on"):
        run(exp_path, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_cli_refuses_huge_experiment_and_yes_lifts_it(exp_path: Path, tmp_path: Path,
                                                      monkeypatch, capsys) -> None:
    import simxh.runner
    from simxh.cli import main

    called: list[bool] = []
    monkeypatch.setattr(simxh.runner, "MAX_RUNS_UNCONFIRMED", 10)
    monkeypatch.setattr(simxh.runner.Runner, "run", lambda self, ex: called.append(True))
    monkeypatch.setattr(sys, "stdin", io.StringIO("y\n"))  # not a terminal: no question
    out = tmp_path / "out"
    argv = ["run", str(exp_path), "--out", str(out), "--workers", "1"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "16 runs planned" in err and "--yes" in err and err.count("\n") == 1
    assert not out.exists() and not called
    monkeypatch.setattr(sys, "stdin", _Terminal("no\n"))  # a terminal: asked, answer no
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Start anyway? [y/N]" in err and "refused to start 16 runs" in err and not called
    for extra, stdin in (([], _Terminal("y\n")), (["--yes"], io.StringIO(""))):
        monkeypatch.setattr(sys, "stdin", stdin)
        with pytest.raises(AttributeError):  # past the check: the stubbed run returns None
            main([*argv, *extra])
    assert called == [True, True]


class _Terminal(io.StringIO):
    """Standard input that claims to be a terminal."""

    def isatty(self) -> bool:
        return True


# ---- faults at the first write and damaged run files ---------------------------------------
def test_first_write_fails_then_resume_completes(exp_path: Path, tmp_path: Path,
                                                 monkeypatch) -> None:
    """Read-only from the very first write (manifest included): the folder keeps only the
    store's empty subfolders, and --resume later accepts it and completes."""
    import errno

    import simxh.runner
    import simxh.store

    run(exp_path, tmp_path / "clean")

    def read_only(path, *_args):
        raise OSError(errno.EROFS, "injected fault", str(path))

    with monkeypatch.context() as m:
        for module in (simxh.store, simxh.runner):
            m.setattr(module, "atomic_write_table", read_only)
        m.setattr(simxh.store, "atomic_write_bytes", read_only)
        with pytest.raises(OSError):
            run(exp_path, tmp_path / "out")
    assert not (tmp_path / "out" / "manifest.json").exists()
    report = run(exp_path, tmp_path / "out", resume=True)
    assert report.done == 16
    for a, b in zip(tables(tmp_path / "clean"), tables(tmp_path / "out")):
        pd.testing.assert_frame_equal(a, b)


@pytest.mark.parametrize("damage", ["truncate", "text"])
def test_resume_reruns_damaged_run_files(exp_path: Path, tmp_path: Path, damage: str) -> None:
    from simxh.commands.status import status

    out = tmp_path / "out"
    run(exp_path, out)
    expected = tables(out)
    target = out / "runs" / "s1-p0-r2.towns.parquet"
    if damage == "truncate":
        target.write_bytes(target.read_bytes()[:100])
    else:
        target.write_text("not parquet")
    info = status(out)
    assert info["damaged"] == ["s1-p0-r2"] and (info["done"], info["pending"]) == (15, 1)
    report = run(exp_path, out, resume=True)
    assert report.damaged == ["s1-p0-r2"] and report.executed == 1 and report.done == 16
    assert (out / "runs" / "s1-p0-r2.towns.parquet.damaged").exists()
    for a, b in zip(expected, tables(out)):
        pd.testing.assert_frame_equal(a, b)


def test_consolidating_an_unreadable_run_names_the_file(tmp_path: Path) -> None:
    """A run file whose footer looks whole but whose body is garbage is caught when read."""
    from simxh.store import open_store

    store, _ = open_store(tmp_path / "out", "id1", "exp")
    frame = pd.DataFrame({"year": [2023, 2024], "gdp_yi": [1.0, 2.0]})
    store.write_run("s0-p0-r0", frame, frame)
    path = store.run_path("s0-p0-r0", "district")
    data = bytearray(path.read_bytes())
    data[4:40] = b"\xff" * 36  # break the column chunks, keep both magics and the footer
    path.write_bytes(bytes(data))
    with pytest.raises(UserError, match=r"s0-p0-r0\.district\.parquet.*not a readable Parquet"):
        store.consolidate(["s0-p0-r0"])


def test_manifest_paths_are_relative_to_the_experiment_file(quick_results):
    """A published results folder holds no absolute path of the machine that ran it: configs
    are stored as the experiment file writes them, and still resolve to the files."""
    import json

    from simxh.report.brief import scenario_config_files

    manifest = json.loads((quick_results / "manifest.json").read_text(encoding="utf-8"))
    history = manifest.pop("history")
    assert not Path(history[0]["argv"][0]).is_absolute()  # the program's name only
    assert str(ROOT) not in json.dumps(manifest)
    assert manifest["configs"]["combined"]["file"] == "../configs/combined.toml"
    assert manifest["experiment"]["spec"]["scenarios"][2]["config"] == "../configs/combined.toml"
    files = scenario_config_files(manifest)
    assert files["baseline"] is None
    assert Path(files["combined"]).resolve() == (ROOT / "configs" / "combined.toml").resolve()
