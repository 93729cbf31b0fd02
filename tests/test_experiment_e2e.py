"""End to end with the real model at small scale: the CLI runs the shipped experiments,
a killed sweep resumes to identical tables, and the worker's region cache changes nothing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

simxh_simulate = pytest.importorskip("simxh.simulation")

ROOT = Path(__file__).resolve().parents[1]


def cli(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "simxh", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=kw.pop("timeout", 180), **kw)


def tables(root: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    return pd.read_parquet(root / "district.parquet"), pd.read_parquet(root / "towns.parquet")


def test_region_cache_gives_the_same_run() -> None:
    from simxh.runner import simulate_run
    from simxh.simulation import simulate

    overrides = {"run.end_year": 2026, "infrastructure.enabled": True}
    simulate_run(None, 1, overrides)  # fills the cache (and mutates nothing in it)
    a = simulate(None, seed=9, overrides=overrides, scenario="x", replication=2)
    b = simulate_run(None, 9, overrides, scenario="x", replication=2)
    pd.testing.assert_frame_equal(a.district, b.district)
    pd.testing.assert_frame_equal(a.towns, b.towns)


def test_quick_experiment_from_the_cli(tmp_path: Path) -> None:
    out = tmp_path / "quick"
    res = cli("run", "experiments/quick.toml", "--out", str(out), "--workers", "1",
              "--replications", "2", "--set", "run.end_year=2026", "--progress", "lines")
    assert res.returncode == 0, res.stderr
    assert "6/6 runs done, 0 failed" in res.stdout
    district, towns = tables(out)
    assert len(district) == 3 * 2 * 4 and len(towns) == 3 * 2 * 4 * 11
    assert list(district.columns[:5]) == ["scenario", "point", "replication", "seed", "year"]
    assert {"gdp_yi", "theil_gdp_per_capita", "weakest_town_growth_pct"} <= set(district.columns)
    # common random numbers: the same seeds in every scenario
    assert district.groupby("replication")["seed"].nunique().eq(1).all()
    # the base year is the calibrated state, identical in every run
    # the base year is the official figure in every run (to the last bits of a float sum:
    # each replication's parameter set adds the sectors up in its own rounding)
    base_gdp = district.loc[district["year"] == 2023, "gdp_yi"].to_numpy()
    assert np.allclose(base_gdp, 1011.25, rtol=1e-12, atol=0.0)
    res = cli("compare", str(out))
    assert res.returncode == 0, res.stderr
    pairs = pd.read_csv(out / "summary" / "paired_differences.csv")
    assert set(pairs["scenario"]) == {"integration", "combined"}
    assert (pairs["n"] == 2).all()
    targets = pd.read_csv(out / "summary" / "targets.csv")
    gdp = targets[targets["target"] == "gdp_2033"]
    assert gdp["note"].str.contains("outside").all()  # the run stopped in 2026
    res = cli("status", str(out))
    assert "6 done, 0 failed, 0 pending of 6" in res.stdout


def test_plain_config_run(tmp_path: Path) -> None:
    out = tmp_path / "base"
    res = cli("run", "configs/baseline.toml", "--out", str(out), "--workers", "1",
              "--replications", "2", "--seed", "5", "--set", "run.end_year=2025")
    assert res.returncode == 0, res.stderr
    district, towns = tables(out)
    assert set(district["scenario"]) == {"baseline"} and len(district) == 2 * 3
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["configs"]["baseline"]["resolved"]["run"]["end_year"] == 2025
    assert manifest["seed"] == 5 and len(manifest["replication_seeds"]) == 2


def test_cli_errors_exit_2_without_traceback(tmp_path: Path) -> None:
    res = cli("run", "experiments/quick.toml", "--set", "integraton.enabled=true",
              "--out", str(tmp_path / "x"))
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "integraton" in res.stderr and "did you mean 'integration'" in res.stderr
    res = cli("status", str(tmp_path))
    assert res.returncode == 2 and "no manifest.json" in res.stderr


def test_kill_9_real_cli_then_resume(tmp_path: Path) -> None:
    out = tmp_path / "killed"
    args = ["run", "experiments/quick.toml", "--replications", "8", "--set",
            "run.end_year=2026", "--workers", "2", "--progress", "lines", "--out", str(out)]
    proc = subprocess.Popen([sys.executable, "-m", "simxh", *args], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and proc.poll() is None:
            runs = out / "runs"
            if runs.is_dir() and len(list(runs.glob("*.district.parquet"))) >= 4:
                break
            time.sleep(0.01)
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    done = len(list((out / "runs").glob("*.district.parquet")))
    assert 4 <= done < 24, f"kill did not land mid-sweep ({done} runs done)"
    res = cli(*args)  # without --resume: refused, nothing touched
    assert res.returncode == 2 and "--resume" in res.stderr
    res = cli(*args, "--resume")
    assert res.returncode == 0, res.stderr
    assert "24/24 runs done" in res.stdout and f"executed {24 - done} runs" in res.stdout
    manifest = json.loads((out / "manifest.json").read_text())
    killed, resumed = manifest["history"]  # the refused invocation left no trace
    assert killed["finished"] is None and resumed["executed"] == 24 - done
    clean = tmp_path / "clean"
    res = cli(*[a if a != str(out) else str(clean) for a in args[:-4]], "--workers", "1",
              "--out", str(clean), "--progress", "off")
    assert res.returncode == 0, res.stderr
    for a, b in zip(tables(clean), tables(out)):
        pd.testing.assert_frame_equal(a, b)
