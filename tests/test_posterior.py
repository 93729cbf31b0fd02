"""Estimated parameters as data: the posterior file, its draws, and what a run records."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import simxh
from simxh.config import load_config
from simxh.errors import DataError
from simxh.posterior import apply_posterior, read_posterior, write_posterior
from simxh.rng import stream

KEYS = ["firms.tfp_frontier_share", "attraction.projects_per_year"]


def _posterior(tmp_path: Path, values=((0.01, 20.0), (0.02, 30.0), (0.03, 40.0)),
               weights=(0.2, 0.3, 0.5)) -> Path:
    path = tmp_path / "posterior.csv"
    write_posterior(path, KEYS, np.array(values), np.array(weights), {"method": "test"})
    return path


def test_roundtrip_and_summaries(tmp_path: Path) -> None:
    post = read_posterior(_posterior(tmp_path))
    assert post.keys == tuple(KEYS) and post.meta["method"] == "test"
    assert post.weights.sum() == pytest.approx(1.0)
    assert post.mean()["firms.tfp_frontier_share"] == pytest.approx(0.2 * 0.01 + 0.3 * 0.02 + 0.5 * 0.03)
    assert post.quantiles(0.05)["firms.tfp_frontier_share"] == pytest.approx(0.01)
    assert post.quantiles(0.95)["firms.tfp_frontier_share"] == pytest.approx(0.03)
    # draws follow the weights
    counts = np.bincount([post.draw_index(stream(s, "posterior")) for s in range(3000)],
                         minlength=3)
    assert np.allclose(counts / 3000, [0.2, 0.3, 0.5], atol=0.03)


@pytest.mark.parametrize(("text", "message"), [
    ("draw,firms.tfp_frontier_share\n0,0.1\n", "required column is missing"),
    ("draw,weight,firms.no_such_thing\n0,1,0.1\n", "unknown parameter"),
    ("draw,weight,firms.tfp_frontier_share\n0,-1,0.1\n", "negative weight"),
    ("draw,weight,firms.tfp_frontier_share\n0,1,nan\n", "not a finite number"),
    ("draw,weight,firms.tfp_frontier_share\n0,1,abc\n", "not a number"),
    ("draw,weight,firms.tfp_frontier_share\n", "no draws"),
    ("draw,weight,firms.tfp_frontier_share\n0,0,0.1\n", "weights sum to zero"),
    # issue 23: a duplicate column left another unset (uninitialised memory in the message)
    ("draw,weight,firms.tfp_frontier_share,firms.tfp_frontier_share\n0,1,0.1,0.2\n",
     "duplicate column"),
    ("draw,weight,weight,firms.tfp_frontier_share\n0,1,1,0.1\n", "duplicate column"),
])
def test_bad_posterior_files_are_clear_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "p.csv"
    path.write_text(text, encoding="utf-8")
    from simxh.config import parameters

    with pytest.raises(DataError, match=message) as err:
        read_posterior(path, {p["key"] for p in parameters()})
    assert "p.csv" in str(err.value)


def test_bad_posterior_in_a_config_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "post.csv"
    bad.write_text("draw,weight,firms.no_such_thing\n0,1,0.1\n", encoding="utf-8")
    cfg = tmp_path / "c.toml"
    cfg.write_text('[estimation]\nposterior = "post.csv"\n', encoding="utf-8")
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "simxh", "run", str(cfg), "--replications", "1",
                           "--out", str(out)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert "unknown parameter" in proc.stderr and "firms.no_such_thing" in proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert not out.exists() or not any(out.rglob("*.parquet"))


def test_missing_posterior_file_is_a_config_error(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('[estimation]\nposterior = "nope.csv"\n', encoding="utf-8")
    with pytest.raises(simxh.errors.ConfigError, match="file not found"):
        load_config(cfg)


def test_draws_are_shared_by_seed_and_explicit_settings_win(tmp_path: Path) -> None:
    path = _posterior(tmp_path)
    cfg = load_config(None, [f"estimation.posterior={path}"])
    a, da = apply_posterior(cfg, stream(7, "posterior"))
    b, db = apply_posterior(cfg.with_overrides({"integration.enabled": True}),
                            stream(7, "posterior"))
    assert da == db and a.firms.tfp_frontier_share == b.firms.tfp_frontier_share  # same seed, same draw
    assert a.firms.tfp_frontier_share == [0.01, 0.02, 0.03][da]
    fixed, _ = apply_posterior(cfg.with_overrides({"firms.tfp_frontier_share": 0.005}),
                               stream(7, "posterior"))
    assert fixed.firms.tfp_frontier_share == 0.005  # a setting the user made is not replaced
    assert fixed.attraction.projects_per_year == [20.0, 30.0, 40.0][da]
    mean, dm = apply_posterior(cfg.with_overrides({"estimation.parameter_uncertainty": False}),
                               stream(7, "posterior"))
    assert dm == -1 and mean.firms.tfp_frontier_share == pytest.approx(0.023)


def test_runs_record_their_draw_and_scenarios_share_it(tmp_path: Path) -> None:
    path = _posterior(tmp_path)
    over = {"estimation.posterior": str(path), "run.end_year": 2025}
    draws = set()
    for seed in range(6):
        base = simxh.simulate(seed=seed, overrides=over).district
        lever = simxh.simulate(seed=seed, overrides={**over, "attraction.effort": 1.0}).district
        assert base["posterior_draw"].nunique() == 1
        assert base["posterior_draw"].iloc[0] == lever["posterior_draw"].iloc[0]
        draws.add(int(base["posterior_draw"].iloc[0]))
    assert len(draws) > 1  # replications draw different parameter sets
    off = simxh.simulate(seed=0, overrides={**over, "estimation.parameter_uncertainty": False})
    assert set(off.district["posterior_draw"]) == {-1}


def test_radical_inverse_is_the_van_der_corput_sequence() -> None:
    from simxh.posterior import radical_inverse

    assert [radical_inverse(n) for n in range(8)] == [0.0, 0.5, 0.25, 0.75, 0.125, 0.625,
                                                      0.375, 0.875]
    assert radical_inverse(5, base=3) == pytest.approx(2 / 3 + 1 / 9)  # 5 = 12 in base 3
    with pytest.raises(ValueError):
        radical_inverse(-1)


def test_stratified_draws_spread_over_the_weights_whatever_the_seed(tmp_path: Path) -> None:
    values = [(0.001 * i, 10.0 + i) for i in range(16)]
    path = _posterior(tmp_path, values=values, weights=[1.0] * 16)
    cfg = load_config(None, [f"estimation.posterior={path}"])
    post = read_posterior(path)
    for k in (1, 2, 3, 4):
        n = 2**k - 1  # the first 2^k − 1 replications take every (16 / 2^k)-th row
        idx = sorted(post.draw_index(stream(0, "posterior"), r) for r in range(n))
        assert idx == [16 // 2**k * (j + 1) for j in range(n)]
    # the draw depends on the replication only: same replication, any seed, any scenario
    for r in range(5):
        draws = {apply_posterior(cfg, stream(seed, "posterior"), r)[1] for seed in range(6)}
        assert len(draws) == 1
    # random sampling ignores the replication number and follows the seed
    rand = cfg.with_overrides({"estimation.posterior_sampling": "random"})
    draws = {apply_posterior(rand, stream(seed, "posterior"), 0)[1] for seed in range(40)}
    assert len(draws) > 5
    assert apply_posterior(rand, stream(3, "posterior"), 0)[1] == \
        apply_posterior(rand, stream(3, "posterior"), 9)[1]


def test_an_experiment_uses_stratified_draws(tmp_path: Path) -> None:
    path = _posterior(tmp_path, values=[(0.001 * i, 10.0 + i) for i in range(16)],
                      weights=[1.0] * 16)
    over = {"estimation.posterior": str(path), "run.end_year": 2024}
    got = [int(simxh.simulate(seed=100 + r, replication=r, overrides=over)
               .district["posterior_draw"].iloc[0]) for r in range(3)]
    assert got == [8, 4, 12]  # cumulative weight 0.5, 0.25, 0.75


def test_huge_weights_do_not_overflow(tmp_path: Path) -> None:
    """Weights of 1e308 summed to inf: every draw became "the last one" (issue 23)."""
    path = tmp_path / "p.csv"
    path.write_text("draw,weight,firms.tfp_frontier_share\n0,1e308,0.1\n1,1e308,0.2\n"
                    "2,5e307,0.3\n", encoding="utf-8")
    post = read_posterior(path)
    assert np.all(np.isfinite(post.weights))
    assert np.allclose(post.weights, [0.4, 0.4, 0.2])
    assert post.draw_index(stream(1, "posterior"), replication=0) == 1  # u = 0.5


@pytest.mark.parametrize(("rows", "message"), [
    ("0,nan,0.1\n", "not a finite number"), ("0,-1,0.1\n", "negative weight"),
    ("0,heavy,0.1\n", "not a number"), ("0,1,0.1\n1,1e309,0.2\n", "not a finite number"),
    ("0,1,0.1\n1,1,7\n", "out of the parameter's range"),
])
def test_validate_checks_the_posterior_a_config_names(tmp_path: Path, rows: str, message: str,
                                                      capsys: pytest.CaptureFixture) -> None:
    """Refused at run, but `validate` said OK (issue 23): now validate reads it as run does."""
    from simxh.cli import main

    post = tmp_path / "post.csv"
    post.write_text("draw,weight,firms.tfp_frontier_share\n" + rows, encoding="utf-8")
    cfg = tmp_path / "c.toml"
    cfg.write_text('[estimation]\nposterior = "post.csv"\n', encoding="utf-8")
    assert main(["validate", str(cfg)]) == 2
    err = capsys.readouterr().err
    assert message in err and "post.csv" in err and len(err.strip().splitlines()) == 1
