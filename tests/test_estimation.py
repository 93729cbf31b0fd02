"""Estimation against history: targets from district.csv, the ABC distance, priors, and the
``simxh calibrate`` command (a tiny run, then a resumed one)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from simxh.config import load_config, parameters
from simxh.errors import DataError
from simxh.estimation import (
    Target,
    distance,
    history_targets,
    parameter_seed,
    read_priors,
    target_errors,
)
from simxh.posterior import read_posterior
from simxh.region import build_region

DATA = build_region(load_config()).data
ROOT = Path(__file__).resolve().parents[1]
STALL_RATE = "0.3"  # a minimum acceptance rate the tiny fit falls below after generation 1


def test_targets_are_every_sourced_figure_in_the_window() -> None:
    t = {x.name: x for x in history_targets(DATA, 2015, 2023)}
    assert t["gdp_yi@2023"].value == 1011.25 and t["gdp_yi@2023"].kind == "level"
    assert t["gdp_yi@2018"].value == 677.03
    assert t["gdp_yi@2020"].lower_bound  # "over 800亿"
    assert t["gdp_growth_mean_pct@2020"].kind == "mean_growth"
    assert "gdp_secondary_share_pct@2023" in t and "employment_wan@2023" in t
    assert "fiscal_revenue_yi@2023" not in t  # assumed figures are never fitted
    assert all(2016 <= x.year <= 2023 for x in t.values())
    early = {x.name for x in history_targets(DATA, 2015, 2020)}
    assert "gdp_yi@2023" not in early and "gdp_yi@2018" in early


def test_distance_scales_and_lower_bounds() -> None:
    targets = [Target("a", "gdp_yi", 2018, 100.0, "level", "official", "s"),
               Target("b", "gdp_growth_pct", 2017, 8.0, "growth", "official", "s"),
               Target("c", "gdp_yi", 2020, 50.0, "level", "official", "s", lower_bound=True)]
    exact = {"a": 100.0, "b": 8.0, "c": 80.0}  # above a lower bound is no error
    assert distance(exact, {}, targets) == 0.0
    off = {"a": 100.0 * np.exp(0.03), "b": 9.5, "c": 50.0 * np.exp(-0.03)}
    assert np.allclose(target_errors(off, targets), [1.0, 1.0, -1.0])
    assert distance({"a": np.nan, "b": 8.0, "c": 60.0}, {}, targets) == float("inf")


def test_priors_are_sourced_and_known() -> None:
    priors = read_priors(known_keys={p["key"] for p in parameters()})
    assert {p.key for p in priors} >= {"firms.tfp_frontier_share", "attraction.projects_per_year"}
    assert all(p.low < p.high and p.source for p in priors)


@pytest.mark.parametrize(("text", "message"), [
    ("key,low,high,status,source\nfirms.nope,0,1,assumed,x\n", "unknown parameter"),
    ("key,low,high,status,source\nfirms.tfp_frontier_share,1,0,assumed,x\n", "bad prior bounds"),
    ("key,low,high,status,source\nfirms.tfp_frontier_share,0,1,assumed,\n", "without a source"),
])
def test_bad_priors_are_clear_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "priors.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match=message):
        read_priors(path, {p["key"] for p in parameters()})


def test_parameter_seed_is_a_stable_function_of_the_values() -> None:
    a = parameter_seed({"x": 0.1, "y": 2.0})
    assert a == parameter_seed({"y": 2.0, "x": 0.1})
    assert a != parameter_seed({"x": 0.1000001, "y": 2.0})


def _calibrate(out: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "simxh", "calibrate", str(ROOT / "configs" / "hindcast.toml"),
         "--out", str(out), "--population", "10", "--predictive", "2",
         "--set", "firms.count=600", *extra],
        capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_calibrate_writes_a_posterior_and_resumes(tmp_path: Path) -> None:
    pytest.importorskip("pyabc")
    out = tmp_path / "cal"
    first = _calibrate(out, "--generations", "1")
    assert first.returncode == 0, first.stderr[-2000:]
    post = read_posterior(out / "posterior.csv", {p["key"] for p in parameters()})
    assert len(post.weights) == 10 and post.weights.sum() == pytest.approx(1.0)
    assert "stratified" in post.meta["order"]
    assert post.meta["method"].startswith("ABC-SMC") and post.meta["generations"] == "1"
    assert (out / "fit.csv").read_text(encoding="utf-8").startswith("target,")
    again = _calibrate(out, "--generations", "2")
    assert again.returncode == 0, again.stderr[-2000:]
    assert "resuming: 1 generation" in again.stdout
    assert read_posterior(out / "posterior.csv").meta["generations"] == "2"


def test_calibrate_bad_input_exits_2(tmp_path: Path) -> None:
    bad = subprocess.run([sys.executable, "-m", "simxh", "calibrate",
                          str(ROOT / "configs" / "hindcast.toml"), "--out", str(tmp_path / "o"),
                          "--fit-until", "2040"], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "--fit-until" in bad.stderr and "Traceback" not in bad.stderr
    assert not (tmp_path / "o").exists()


def test_calibrate_refuses_a_window_with_too_few_figures(tmp_path: Path) -> None:
    pytest.importorskip("pyabc")
    bad = subprocess.run([sys.executable, "-m", "simxh", "calibrate",
                          str(ROOT / "configs" / "hindcast.toml"), "--out", str(tmp_path / "o"),
                          "--fit-until", "2016"], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2, bad.stderr
    assert "too few observed figures" in bad.stderr and "Traceback" not in bad.stderr
    assert not (tmp_path / "o").exists()


def test_effective_sample_size_is_kish() -> None:
    """Equal weights: n; one weight carrying everything: 1; (Σw)²/Σw² otherwise."""
    from simxh.estimation import effective_sample_size
    assert effective_sample_size(np.ones(500)) == pytest.approx(500.0)
    assert effective_sample_size(np.array([1.0, 0.0, 0.0])) == pytest.approx(1.0)
    assert effective_sample_size(np.array([1.0, 3.0])) == pytest.approx(16.0 / 10.0)


# --- issue 23: a calibration resumes only what it started, within its time, and says why it
# stopped; a damaged history or a bad option is one line (exit 2, no traceback)

def _main(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str, str]:
    from simxh.cli import main

    code = main(["calibrate", str(ROOT / "configs" / "hindcast.toml"), *argv])
    got = capsys.readouterr()
    return code, got.out, got.err


@pytest.mark.parametrize("option", [("--seed", "-5"), ("--seed", str(2**32)),
                                    ("--max-minutes", "nan"), ("--min-acceptance", "1")])
def test_calibrate_bad_option_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture,
                                          option: tuple[str, str]) -> None:
    code, _, err = _main(capsys, "--out", str(tmp_path / "o"), *option)
    assert code == 2 and option[0] in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()


def _fake_history(db: Path, tables: bool = True) -> None:
    """An SQLite file of several pages (pyabc's table names when ``tables``)."""
    import sqlite3

    con = sqlite3.connect(db)
    names = ["abc_smc", "populations", "models", "particles", "parameters", "samples",
             "summary_statistics"] if tables else ["other"]
    for name in names:
        con.execute(f"CREATE TABLE {name} (id INTEGER PRIMARY KEY, x TEXT)")
        con.executemany(f"INSERT INTO {name} (x) VALUES (?)", [("x" * 200,)] * 200)
    con.commit()
    con.close()


@pytest.mark.parametrize("damage", ["garbage", "half", "tables"])
def test_damaged_history_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture,
                                     damage: str) -> None:
    out = tmp_path / "cal"
    out.mkdir()
    db = out / "abc.db"
    if damage == "garbage":
        db.write_bytes(b"not a database at all\n" * 100)
    else:
        _fake_history(db, tables=damage != "tables")
        data = db.read_bytes()
        if damage == "half":
            db.write_bytes(data[: len(data) // 2])
    before = db.read_bytes()
    code, _, err = _main(capsys, "--out", str(out), "--population", "10")
    assert code == 2, err
    assert "damaged calibration history" in err and "--restart" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert db.read_bytes() == before  # nothing touched


def _tiny(out: Path, *extra: str) -> list[str]:
    return ["--out", str(out), "--population", "10", "--predictive", "0",
            "--set", "firms.count=600", *extra]


@pytest.mark.slow
def test_calibrate_refuses_a_resume_with_other_settings(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture) -> None:
    """The issue's case: a --fit-until 2023 history resumed with --fit-until 2020 fitted most
    generations to the 2023 data; now it is refused, and --restart starts again."""
    pytest.importorskip("pyabc")
    out = tmp_path / "cal"
    code, _, err = _main(capsys, *_tiny(out, "--generations", "1"))
    assert code == 0, err
    settings = json.loads((out / "abc.settings.json").read_text(encoding="utf-8"))
    assert settings["fit_until"] == 2023 and settings["population"] == 10
    db = (out / "abc.db").read_bytes()
    for extra, key in ((("--fit-until", "2020"), "fit_until"),
                       (("--population", "12"), "population"), (("--seed", "7"), "seed"),
                       (("--set", "firms.entry_rate=0.05"), "config_digest")):
        args = _tiny(out, "--generations", "2", *extra)
        if extra[0] == "--population":
            args = [a if a != "10" else "12" for a in _tiny(out, "--generations", "2")]
        code, _, err = _main(capsys, *args)
        assert code == 2, (extra, err)
        assert f"key '{key}'" in err and "--restart" in err and len(err.splitlines()) == 1
        assert (out / "abc.db").read_bytes() == db  # the history is left as it was
    code, got, err = _main(capsys, *_tiny(out, "--generations", "1", "--fit-until", "2020",
                                          "--restart"))
    assert code == 0, err and "resuming" not in got
    post = read_posterior(out / "posterior.csv")
    assert post.meta["fit"].startswith("2015–2020") and post.meta["generations"] == "1"
    assert json.loads((out / "abc.settings.json").read_text())["fit_until"] == 2020


@pytest.mark.slow
def test_max_minutes_ends_a_generation_in_progress(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture) -> None:
    """A 2-second limit with a population of 300: the prior sample and the first generation
    take about 60 s; the limit used to be checked only between generations."""
    pytest.importorskip("pyabc")
    out = tmp_path / "cal"
    start = time.monotonic()
    code, _, err = _main(capsys, "--out", str(out), "--population", "300", "--predictive",
                         "0", "--set", "firms.count=600", "--max-minutes", "0.03")
    took = time.monotonic() - start
    assert code == 2 and "no generation finished" in err and "--max-minutes" in err, err
    assert took < 30, took
    assert (out / "abc.db").exists()  # run again to continue: the same settings resume
    code, _, err = _main(capsys, "--out", str(out), "--population", "300", "--predictive",
                         "0", "--set", "firms.count=600", "--max-minutes", "0.01")
    assert code == 2 and "damaged" not in err and "other settings" not in err, err


@pytest.mark.slow
def test_a_stalled_estimation_ends_with_a_message(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture) -> None:
    pytest.importorskip("pyabc")
    out = tmp_path / "cal"
    code, got, err = _main(capsys, *_tiny(out, "--generations", "6", "--min-acceptance",
                                          STALL_RATE))
    assert code == 0, err
    assert "stalled" in got and "--min-acceptance" in got
    post = read_posterior(out / "posterior.csv")
    assert post.meta["stopped"] == "stalled" and int(post.meta["generations"]) < 6
