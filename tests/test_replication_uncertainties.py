"""Per-replication uncertainties (``per = "replication"``, issue #11 part 7): drawn once per
replication from a named stream of its seed, shared by every scenario of the replication
(common random numbers), different across replications, recorded as columns, independent of
the worker count; a scenario's own ``set`` wins; bad specs exit 2 with nothing written."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simxh.design import design_points, replication_draws
from simxh.errors import ConfigError
from simxh.executors import LocalExecutor
from simxh.experiment import load_experiment
from simxh.rng import stream
from simxh.runner import Runner, replication_seed, run_experiment

sys.path.insert(0, str(Path(__file__).parent))
from test_experiment_helpers import fake_simulate  # noqa: E402

EXPERIMENT = """
[experiment]
name = "levers"
seed = 77
replications = 5
end_year = 2027
outputs = ["gdp_yi"]
years = [2027]

[[scenarios]]
name = "baseline"
reference = true

[[scenarios]]
name = "faster"
set = { "network.speed_expressway_kmh" = 95.0 }

[[scenarios]]
name = "pinned"
set = { "access.distance_decay" = 0.9 }

[[uncertainties]]
key = "access.distance_decay"
low = 0.6
high = 1.2
per = "replication"
source = "a test range"

[[uncertainties]]
key = "production.access_elasticity"
distribution = "triangular"
low = 0.0
mode = 0.08
high = 0.15
per = "replication"
"""


@pytest.fixture
def exp_path(tmp_path: Path) -> Path:
    path = tmp_path / "exp.toml"
    path.write_text(EXPERIMENT)
    return path


def test_parsed_as_per_replication_not_a_design(exp_path: Path) -> None:
    exp = load_experiment(exp_path)
    assert exp.design.kind == "none" and exp.point_uncertainties == ()
    assert [u.key for u in exp.replication_uncertainties] == [
        "access.distance_decay", "production.access_elasticity"]
    assert exp.uncertainties[0].source == "a test range"
    assert len(design_points(exp)) == 1  # one design point: the draws are not points


def test_draws_use_the_quantile_function_of_a_named_stream(exp_path: Path) -> None:
    exp = load_experiment(exp_path)
    seed = replication_seed(77, 3)
    got = replication_draws(exp.replication_uncertainties, seed)
    u = stream(seed, "uncertainty", "access.distance_decay").random(1)[0]
    assert got["access.distance_decay"] == pytest.approx(0.6 + u * 0.6)
    # triangular: F^-1(u) for (0, 0.08, 0.15)
    v = stream(seed, "uncertainty", "production.access_elasticity").random(1)[0]
    c = 0.08 / 0.15
    expect = 0.15 * np.sqrt(v * c) if v < c else 0.15 * (1 - np.sqrt((1 - v) * (1 - c)))
    assert got["production.access_elasticity"] == pytest.approx(expect)
    # a key's draw does not depend on the other uncertainties being declared
    alone = replication_draws(exp.replication_uncertainties[1:], seed)
    assert alone["production.access_elasticity"] == got["production.access_elasticity"]


def test_same_in_every_scenario_different_across_replications(exp_path: Path,
                                                               tmp_path: Path) -> None:
    exp = load_experiment(exp_path)
    run_experiment(exp, tmp_path / "out", workers=1, run_fn=fake_simulate, progress="off")
    district = pd.read_parquet(tmp_path / "out" / "district.parquet")
    key = "access.distance_decay"
    assert {key, "production.access_elasticity"} <= set(district.columns)
    free = district[district["scenario"] != "pinned"]
    per_rep = free.groupby("replication")[key].nunique()
    assert (per_rep == 1).all()                          # shared by the scenarios of r
    firsts = free.groupby("replication")[key].first()
    assert firsts.nunique() == 5                         # and different across r
    assert ((firsts >= 0.6) & (firsts <= 1.2)).all()
    # the draw reaches the model: the fake model's trend depends on distance_decay
    base = district[(district["scenario"] == "baseline") & (district["year"] == 2027)]
    assert base["gdp_yi"].nunique() == 5
    # a scenario's own `set` of the key wins over the draw (and is what is recorded)
    pinned = district[district["scenario"] == "pinned"]
    assert (pinned[key] == 0.9).all()
    assert pinned.groupby("replication")["production.access_elasticity"].first().equals(
        free[free["scenario"] == "baseline"].groupby("replication")[
            "production.access_elasticity"].first())
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert "lever_effects" in manifest["uncertainty_sources"]
    assert "parameters" not in manifest["uncertainty_sources"]
    assert manifest["replication_uncertainties"] == [key, "production.access_elasticity"]


def test_runner_overrides_carry_the_draw(exp_path: Path, tmp_path: Path) -> None:
    exp = load_experiment(exp_path)
    runner = Runner(exp, tmp_path / "out", run_fn=fake_simulate, progress="off")
    keys = list(runner.planned_keys())
    tasks = [runner.task(k) for k in keys if k.replication == 2]
    drawn = replication_draws(exp.replication_uncertainties, replication_seed(77, 2))
    base, faster, pinned = tasks
    assert base.overrides["access.distance_decay"] == drawn["access.distance_decay"]
    assert faster.overrides["access.distance_decay"] == drawn["access.distance_decay"]
    assert pinned.overrides["access.distance_decay"] == 0.9


@pytest.mark.slow  # 10 s: a process pool
def test_identical_with_one_and_two_workers(exp_path: Path, tmp_path: Path) -> None:
    exp = load_experiment(exp_path)
    run_experiment(exp, tmp_path / "one", workers=1, run_fn=fake_simulate, progress="off")
    with LocalExecutor(2, max_in_flight=3) as ex:
        run_experiment(exp, tmp_path / "two", executor=ex, run_fn=fake_simulate,
                       progress="off")
    for name in ("district.parquet", "towns.parquet"):
        pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "one" / name),
                                      pd.read_parquet(tmp_path / "two" / name))


def test_mixed_with_a_design(exp_path: Path, tmp_path: Path) -> None:
    text = EXPERIMENT + """
[[uncertainties]]
key = "network.speed_rail_kmh"
low = 120.0
high = 200.0

[design]
kind = "lhs"
samples = 2
"""
    exp_path.write_text(text)
    exp = load_experiment(exp_path)
    assert [u.key for u in exp.point_uncertainties] == ["network.speed_rail_kmh"]
    assert list(design_points(exp).columns) == ["network.speed_rail_kmh"]
    run_experiment(exp, tmp_path / "out", workers=1, run_fn=fake_simulate, progress="off")
    district = pd.read_parquet(tmp_path / "out" / "district.parquet")
    district = district[district["scenario"] != "pinned"]
    # the draw is the same at every design point of a replication (and in the unswept
    # reference, point -1)
    assert set(district["point"]) == {-1, 0, 1}
    assert (district.groupby("replication")["access.distance_decay"].nunique() == 1).all()
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert {"lever_effects", "parameters"} <= set(manifest["uncertainty_sources"])


def test_identity_of_an_experiment_without_the_new_keys_is_unchanged(tmp_path: Path) -> None:
    # an older store (every uncertainty a design point) must still resume after the upgrade
    text = EXPERIMENT.replace('per = "replication"\n', "").replace(
        'source = "a test range"\n', "") + '\n[design]\nkind = "lhs"\nsamples = 2\n'
    old = tmp_path / "old.toml"
    old.write_text(text)
    explicit = tmp_path / "explicit.toml"
    explicit.write_text(text.replace('high = 1.2\n', 'high = 1.2\nper = "point"\n'))
    assert load_experiment(old).identity() == load_experiment(explicit).identity()


@pytest.mark.parametrize("old,new,key", [
    ('per = "replication"\nsource', 'per = "run"\nsource', "uncertainties[0].per"),
    ('per = "replication"\nsource', 'per = 1\nsource', "uncertainties[0].per"),
    ('source = "a test range"', 'source = ""', "uncertainties[0].source"),
    ('high = 1.2\n', 'high = 0.5\n', "uncertainties[0].high"),
    ('high = 1.2\n', 'high = 1.2\nsamples = 3\n', "uncertainties[0].samples"),
])
def test_bad_spec_is_refused(exp_path: Path, old: str, new: str, key: str) -> None:
    exp_path.write_text(EXPERIMENT.replace(old, new, 1))
    with pytest.raises(ConfigError) as info:
        load_experiment(exp_path)
    assert info.value.key == key and str(exp_path) in str(info.value)


def test_bad_spec_exits_2_and_writes_nothing(exp_path: Path, tmp_path: Path, capsys) -> None:
    from simxh.cli import main

    exp_path.write_text(EXPERIMENT.replace('per = "replication"\nsource',
                                           'per = "replications"\nsource', 1))
    out = tmp_path / "out"
    status = main(["run", str(exp_path), "--out", str(out)])
    err = capsys.readouterr().err
    assert status == 2 and "Traceback" not in err
    assert "uncertainties[0].per" in err and "replications" in err and "'replication'" in err
    assert len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_a_value_outside_the_parameter_range_exits_2(exp_path: Path, tmp_path: Path,
                                                     capsys) -> None:
    from simxh.cli import main

    exp_path.write_text(EXPERIMENT.replace("high = 0.15", "high = 0.9"))  # max 0.5
    status = main(["run", str(exp_path), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert status == 2 and "production.access_elasticity" in err
    assert not (tmp_path / "out").exists()


def test_shipped_policy_comparison_draws_lever_effects() -> None:
    root = Path(__file__).resolve().parents[1]
    exp = load_experiment(root / "experiments" / "policy_comparison.toml")
    keys = {u.key for u in exp.replication_uncertainties}
    assert {"integration.pipeline_gain", "pairing.capacity_utility",
            "production.public_capital_elasticity", "production.access_elasticity",
            "attraction.effort_elasticity", "firms.renovation_gain"} <= keys
    assert exp.design.kind == "none"
    assert all(u.source for u in exp.replication_uncertainties)  # each cites its source


def test_brief_lists_the_drawn_parameters_with_their_sources() -> None:
    from types import SimpleNamespace

    from simxh.report.brief import _drawn_lines

    uncs = [{"key": "firms.renovation_gain", "distribution": "uniform", "low": 0.0,
             "high": 0.085, "per": "replication", "source": "Liu & Mao 2019"},
            {"key": "production.access_elasticity", "distribution": "triangular", "low": 0.0,
             "mode": 0.08, "high": 0.15, "per": "replication"},
            {"key": "access.distance_decay", "distribution": "uniform", "low": 0.6,
             "high": 1.2, "per": "point"}]
    for lang, word in (("en", "renovation TFP gain"), ("zh", "技改生产率增益")):
        ctx = SimpleNamespace(lang=lang, results=SimpleNamespace(
            experiment={"uncertainties": uncs}))
        lines = _drawn_lines(ctx)
        assert len(lines) == 2  # the design uncertainty is not a per-replication draw
        assert word in lines[0] and "0–0.085" in lines[0]
        # the English brief cites the source; the Chinese one leaves English text out (issue 20)
        assert ("Liu & Mao 2019" in lines[0]) == (lang == "en")
        assert ("triangular 0–0.15, mode 0.08" if lang == "en" else "三角分布 0–0.15，众数0.08") \
            in lines[1]
