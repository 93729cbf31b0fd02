"""Experiment files: parsing, validation errors (file, key, value, expected), CLI exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from simxh.errors import ConfigError
from simxh.experiment import (
    experiment_for_config,
    experiment_from_spec,
    is_experiment_file,
    load_experiment,
)

VALID = """
[experiment]
name = "demo"
seed = 7
replications = 3
end_year = 2030
outputs = ["gdp_yi"]
years = [2025, 2030]

[[scenarios]]
name = "baseline"

[[scenarios]]
name = "faster"
config = "cfg/fast.toml"
reference = false
set = { "network.speed_road_kmh" = 45.0, access = { distance_decay = 1.1 } }

[[uncertainties]]
key = "access.self_time_min"
low = 5
high = 15

[design]
kind = "lhs"
samples = 4

[adaptive]
metric = "gdp_yi"
year = 2030
width = 2.5
max_replications = 50
"""


def write(tmp_path: Path, text: str, name: str = "exp.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def exp_file(tmp_path: Path) -> Path:
    (tmp_path / "cfg").mkdir()
    (tmp_path / "cfg" / "fast.toml").write_text("[network]\nspeed_expressway_kmh = 100.0\n")
    return write(tmp_path, VALID)


def test_valid_file_becomes_typed_experiment(exp_file: Path) -> None:
    exp = load_experiment(exp_file)
    assert exp.name == "demo" and exp.seed == 7 and exp.replications == 3
    assert [s.name for s in exp.scenarios] == ["baseline", "faster"]
    assert exp.reference.name == "baseline"  # first scenario when none is marked
    faster = exp.scenarios[1]
    # config paths resolve relative to the experiment file; nested tables flatten
    assert faster.config == str((exp_file.parent / "cfg" / "fast.toml").resolve())
    assert faster.overrides == {"network.speed_road_kmh": 45.0, "access.distance_decay": 1.1}
    assert exp.scenario_overrides(faster)["run.end_year"] == 2030
    assert exp.design.kind == "lhs" and exp.design.samples == 4
    assert exp.uncertainties[0].low == 5.0 and exp.uncertainties[0].high == 15.0
    assert exp.adaptive is not None and exp.adaptive.width == 2.5
    assert len(exp.file_sha256) == 64
    assert is_experiment_file(exp_file)


def test_spec_round_trip_and_identity(exp_file: Path) -> None:
    exp = load_experiment(exp_file)
    again = experiment_from_spec(exp.spec())
    assert again == exp
    # identity ignores the replication count (a store can be extended) but not the seed
    assert exp.with_replications(10).identity() == exp.identity()
    assert load_experiment(exp_file, seed=8).identity() != exp.identity()


def test_cli_style_overrides(exp_file: Path) -> None:
    exp = load_experiment(exp_file, seed=1, replications=2, overrides=["run.end_year=2027"])
    assert (exp.seed, exp.replications, exp.end_year) == (1, 2, 2027)
    assert exp.years == (2025,)  # years beyond the new end year are dropped
    assert all(s.overrides["run.end_year"] == 2027 for s in exp.scenarios)


@pytest.mark.parametrize("old, new, key, fragment", [
    ("replications = 3", "replicatons = 3", "experiment.replicatons", "did you mean 'replications'"),
    ('kind = "lhs"', 'kind = "lhc"', "design.kind", "one of"),
    ("replications = 3", "replications = 0", "experiment.replications", "an integer in [1, 100000]"),
    ("low = 5", "low = 20", "uncertainties[0].high", "a number > 20"),
    ('name = "faster"', 'name = "baseline"', "scenarios[1].name", "unique names"),
    ("reference = false", "reference = true\nreference_x = 1", "scenarios[1].reference_x",
     "did you mean 'reference'"),
    ('config = "cfg/fast.toml"', 'config = "cfg/missing.toml"', "scenarios[1].config",
     "an existing file"),
    ('"network.speed_road_kmh" = 45.0', '"network.sped_road_kmh" = 45.0',
     "network.sped_road_kmh", "did you mean 'speed_road_kmh'"),
    ('"network.speed_road_kmh" = 45.0', '"network.speed_road_kmh" = -4.0',
     "network.speed_road_kmh", "(5.0, 200.0]"),
    ("years = [2025, 2030]", "years = [2025, 2040]", "experiment.years", "end_year"),
])
def test_errors_name_key_and_expectation(exp_file: Path, old: str, new: str, key: str,
                                         fragment: str) -> None:
    text = exp_file.read_text().replace(old, new, 1)
    assert text != exp_file.read_text()
    exp_file.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_experiment(exp_file)
    message = str(info.value)
    assert info.value.key == key, message
    assert fragment in message
    assert info.value.file is not None


def test_uncertainty_bounds_are_checked_against_the_config(exp_file: Path) -> None:
    exp_file.write_text(exp_file.read_text().replace("high = 15", "high = 500"))
    with pytest.raises(ConfigError, match="uncertainty 'access.self_time_min'.*out of range"):
        load_experiment(exp_file)


def test_two_references_refused(exp_file: Path) -> None:
    text = exp_file.read_text().replace('name = "baseline"', 'name = "baseline"\nreference = true')
    exp_file.write_text(text.replace("reference = false", "reference = true"))
    with pytest.raises(ConfigError, match="more than one reference"):
        load_experiment(exp_file)


def test_design_without_uncertainties_refused(tmp_path: Path) -> None:
    path = write(tmp_path, '[experiment]\nname = "x"\n[design]\nkind = "sobol"\nsamples = 8\n')
    with pytest.raises(ConfigError, match=r"needs \[\[uncertainties\]\]"):
        load_experiment(path)


def test_morris_needs_ranges(tmp_path: Path) -> None:
    path = write(tmp_path, '[experiment]\nname = "x"\n[[uncertainties]]\nkey = '
                 '"access.distance_decay"\nvalues = [0.8, 0.9]\n[design]\nkind = "morris"\n'
                 'samples = 4\n')
    with pytest.raises(ConfigError, match="needs ranges"):
        load_experiment(path)


def test_plain_config_is_a_one_scenario_experiment(tmp_path: Path) -> None:
    cfg = write(tmp_path, "[access]\ndistance_decay = 1.2\n", "my_policy.toml")
    exp = experiment_for_config(cfg, seed=3, replications=2, overrides=["run.end_year=2026"])
    assert exp.name == "my_policy" and exp.replications == 2 and exp.end_year == 2026
    assert [s.name for s in exp.scenarios] == ["my_policy"] and exp.scenarios[0].reference
    assert not is_experiment_file(cfg)


def test_cli_reports_bad_experiment_without_traceback(exp_file: Path, capsys) -> None:
    from simxh.cli import main

    exp_file.write_text(exp_file.read_text().replace("seed = 7", "seed = -7"))
    status = main(["run", str(exp_file), "--out", str(exp_file.parent / "out")])
    err = capsys.readouterr().err
    assert status == 2
    assert "experiment.seed" in err and "out of range" in err and "Traceback" not in err
    assert not (exp_file.parent / "out").exists()


def test_shipped_experiments_validate() -> None:
    root = Path(__file__).resolve().parents[1] / "experiments"
    files = sorted(f for f in root.glob("*.toml") if is_experiment_file(f))  # not search.toml
    assert {f.name for f in files} >= {"quick.toml", "policy_comparison.toml",
                                       "sensitivity.toml"}
    for f in files:
        exp = load_experiment(f)
        assert exp.replications >= 1 and exp.reference is not None
    pc = load_experiment(root / "policy_comparison.toml")
    assert pc.reference.name == "baseline" and len(pc.scenarios) >= 5
    sens = load_experiment(root / "sensitivity.toml")
    assert sens.design.kind in ("morris", "saltelli") and len(sens.uncertainties) >= 3


@pytest.mark.parametrize("extra, fragment", [
    (["--until-width", "gdp_yi:2033"], "METRIC:YEAR:WIDTH"),
    (["--until-width", "gdp_yi:2033:0"], "width must be positive"),
    (["--max-replications", "5"], "needs an adaptive rule"),
    (["--workers", "0"], "invalid worker count"),
    (["--scheduler", "localhost:8786"], "tcp://HOST:PORT"),
    (["--replications", "0"], "--replications"),
])
def test_cli_option_errors_exit_2(exp_file: Path, capsys, extra: list[str],
                                  fragment: str) -> None:
    from simxh.cli import main

    exp_file.write_text(exp_file.read_text().split("[adaptive]")[0])
    status = main(["run", str(exp_file), "--out", str(exp_file.parent / "out"), *extra])
    err = capsys.readouterr().err
    assert status == 2 and fragment in err and "Traceback" not in err


def test_until_width_becomes_an_adaptive_rule(exp_file: Path) -> None:
    import argparse

    from simxh.commands.run import load

    args = argparse.Namespace(file=str(exp_file), seed=None, replications=4, overrides=[],
                              until_width="fiscal_revenue_yi:2030:0.5", max_replications=None)
    exp = load(args)
    assert exp.adaptive is not None
    assert (exp.adaptive.metric, exp.adaptive.year, exp.adaptive.width) == (
        "fiscal_revenue_yi", 2030, 0.5)
    assert exp.adaptive.max_replications == 40  # default cap: 10 × the replications


def test_scenario_config_outside_the_project_is_refused(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / "pyproject.toml").write_text("")
    (tmp_path / "elsewhere.toml").write_text("[access]\ndistance_decay = 1.0\n")
    path = write(tmp_path / "proj", '[experiment]\nname = "x"\n[[scenarios]]\nname = "a"\n'
                 'config = "../elsewhere.toml"\n')
    monkeypatch.delenv("SIMXH_ALLOW_OUTSIDE_PATHS", raising=False)
    with pytest.raises(ConfigError, match="outside") as info:
        load_experiment(path)
    assert info.value.key == "scenarios[0].config"
    monkeypatch.setenv("SIMXH_ALLOW_OUTSIDE_PATHS", "1")
    assert load_experiment(path).scenarios[0].config == str(tmp_path / "elsewhere.toml")


def _copy_data(target: Path) -> Path:
    import shutil

    from simxh.datafiles import FILES, default_data_dir

    target.mkdir(parents=True)
    for name in FILES:
        shutil.copy(default_data_dir() / f"{name}.csv", target / f"{name}.csv")
    return target


def test_path_uncertainty_resolves_against_the_experiment_file(tmp_path: Path,
                                                               monkeypatch) -> None:
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / "pyproject.toml").write_text("")
    data = _copy_data(tmp_path / "proj" / "data")
    path = write(tmp_path / "proj", '[experiment]\nname = "x"\n[[scenarios]]\nname = "a"\n'
                 '[design]\nkind = "factorial"\n[[uncertainties]]\nkey = "region.data_dir"\n'
                 'values = ["data"]\n')
    monkeypatch.chdir(tmp_path)  # not the experiment's folder: "data" must not resolve here
    exp = load_experiment(path)
    assert exp.uncertainties[0].values == (str(data),)


def test_path_uncertainty_needs_existing_folders_and_no_range(tmp_path: Path) -> None:
    head = '[experiment]\nname = "x"\n[[scenarios]]\nname = "a"\n[design]\nkind = "lhs"\n' \
        'samples = 2\n[[uncertainties]]\nkey = "region.data_dir"\n'
    with pytest.raises(ConfigError, match="cannot be sampled from a range") as info:
        load_experiment(write(tmp_path, head + "low = 1\nhigh = 2\n"))
    assert info.value.key == "uncertainties[0].key"
    text = head.replace('"lhs"\nsamples = 2', '"factorial"') + 'values = ["nowhere"]\n'
    with pytest.raises(ConfigError, match="data folder not found") as info:
        load_experiment(write(tmp_path, text))
    assert info.value.key == "uncertainties[0].values[0]"


def test_scenario_ids_are_checked_against_the_scenario_data(tmp_path: Path) -> None:
    """A project id missing from the data folder a scenario uses is refused at load time (not
    a KeyError in every run), naming the experiment file, the scenario and the key."""
    import csv

    (tmp_path / "pyproject.toml").write_text("")
    data = _copy_data(tmp_path / "data")
    with open(data / "projects.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    dropped = rows[1][header.index("id")]
    with open(data / "projects.csv", "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([rows[0], *rows[2:]])
    path = write(tmp_path, '[experiment]\nname = "x"\n[[scenarios]]\nname = "a"\n'
                 '[[scenarios]]\nname = "b"\nset = { "region.data_dir" = "data", '
                 f'"infrastructure.project_ids" = ["{dropped}"] }}\n')
    with pytest.raises(ConfigError, match="scenario 'b': refers to an undefined") as info:
        load_experiment(path)
    assert info.value.key == "infrastructure.project_ids[0]" and info.value.file == str(path)
    assert info.value.value == dropped


def test_uncertainty_values_are_checked_against_the_region_data(tmp_path: Path) -> None:
    path = write(tmp_path, '[experiment]\nname = "x"\n[[scenarios]]\nname = "a"\n'
                 '[design]\nkind = "factorial"\n[[uncertainties]]\n'
                 'key = "infrastructure.project_ids"\nvalues = [[], ["no_such_project"]]\n')
    with pytest.raises(ConfigError, match="undefined infrastructure project") as info:
        load_experiment(path)
    assert info.value.key == "infrastructure.project_ids[0]"
    assert info.value.file == str(path)
