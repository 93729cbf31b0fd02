"""Estimation against history: targets from district.csv, the ABC distance, priors, and the
``simxh calibrate`` command (a tiny run, then a resumed one)."""

from __future__ import annotations

import subprocess
import sys
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
