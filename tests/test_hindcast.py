"""The hindcast: ``simxh run configs/hindcast.toml --replications 20`` against the district's
history, with the shipped posterior (each replication draws its own parameter set)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simxh.config import load_config
from simxh.estimation import history_targets
from simxh.posterior import SHIPPED, read_posterior
from simxh.region import build_region

ROOT = Path(__file__).resolve().parents[1]


def _run(out: Path, *extra: str, replications: int = 20) -> pd.DataFrame:
    proc = subprocess.run([sys.executable, "-m", "simxh", "run",
                           str(ROOT / "configs" / "hindcast.toml"),
                           "--replications", str(replications),
                           "--out", str(out), "--workers", "2", *extra],
                          capture_output=True, text=True, timeout=900, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return pd.read_parquet(out / "district.parquet")


@pytest.fixture(scope="module")
def hindcast(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """The default: each replication draws its own parameter set (parameter uncertainty).

    160 replications (about 50 s on 2 workers): with parameter uncertainty one run's 2023 GDP
    has a spread of about 7 %, so the median of 20 runs carries a sampling error of about 2 %
    (measured: −2.0 % to +3.2 % over eight sets of 20) and cannot settle a 1 % tolerance;
    docs/validation.md gives the figures."""
    return _run(tmp_path_factory.mktemp("hindcast") / "h", replications=160)


@pytest.fixture(scope="module")
def hindcast_mean(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """The posterior mean: the band is the model's own noise."""
    return _run(tmp_path_factory.mktemp("hindcast_mean") / "h",
                "--set", "estimation.parameter_uncertainty=false")


def test_the_shipped_posterior_is_estimated_on_history_to_2023() -> None:
    post = read_posterior(SHIPPED)
    assert post.meta["method"].startswith("ABC-SMC")
    assert "2015–2023" in post.meta["fit"]
    # every draw is used by some replication with a positive weight
    assert (post.weights > 0).all() and post.weights.sum() == pytest.approx(1.0)


def _check_gdp(runs: pd.DataFrame, tolerance_2023: float, band: bool = True) -> None:
    data = build_region(load_config()).data
    levels = [t for t in history_targets(data, 2014, 2023) if t.key == "gdp_yi"]
    assert {t.year for t in levels} >= {2015, 2018, 2020, 2023}
    for t in levels:
        v = runs.loc[runs.year == t.year, "gdp_nominal_yi"].to_numpy()
        median, lo, hi = np.median(v), np.quantile(v, 0.05), np.quantile(v, 0.95)
        tolerance = tolerance_2023 if t.year == 2023 else 0.03
        if t.lower_bound:  # "over 800亿": the band reaches it and the median is not far below
            assert median >= t.value * (1 - tolerance), (t.name, median)
            if band:
                assert hi >= t.value, (t.name, hi)
        else:
            assert abs(median / t.value - 1) <= tolerance, (t.name, median)
            if band:
                assert lo <= t.value <= hi, (t.name, lo, hi)


def test_hindcast_with_parameter_uncertainty_covers_every_gdp_figure(hindcast) -> None:
    """160 stratified posterior draws (issue 19's criterion: at least 40): every sourced GDP
    figure inside the 90 % band and every median within 3 %."""
    _check_gdp(hindcast, 0.03)


def test_hindcast_at_the_posterior_mean_reproduces_the_districts_gdp(hindcast_mean) -> None:
    """The posterior mean: medians within 3 % of each figure. (Its 20-seed band is the model's
    own noise at one parameter set, not the forecast's uncertainty, so the figures are not
    required to lie inside it: the posterior mean of the parameters is not a typical draw of a
    non-linear model.)"""
    _check_gdp(hindcast_mean, 0.03, band=False)


def test_hindcast_2023_sector_shares_within_two_points(hindcast, hindcast_mean) -> None:
    for runs in (hindcast, hindcast_mean):
        at = runs[runs.year == 2023]
        for sector, observed in (("primary", 7.1), ("secondary", 50.6), ("tertiary", 42.3)):
            share = float(np.median(100 * at[f"gdp_{sector}_yi"] / at["gdp_yi"]))
            assert abs(share - observed) <= 2.0, (sector, share)


def test_hindcast_runs_draw_from_the_posterior(hindcast: pd.DataFrame) -> None:
    draws = hindcast.groupby("replication")["posterior_draw"].first()
    assert draws.min() >= 0 and draws.nunique() > 5
