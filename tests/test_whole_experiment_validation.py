"""Validation covers the whole experiment before any run starts (issue 20, item 4): outputs
checked with a did-you-mean, typed design factors that actually run, a sweep whose first runs
all fail the same way stops early, and each formerly misleading message, tested exactly.
Sweeps use the fast fake model (tests/test_experiment_helpers.py)."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pandas as pd
import pytest

from simxh.cli import main
from simxh.errors import ConfigError, UserError
from simxh.experiment import load_experiment
from simxh.runner import run_experiment

sys.path.insert(0, str(Path(__file__).parent))
from test_experiment_helpers import fake_simulate  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

BASE = """
[experiment]
name = "checked"
seed = 11
replications = 2
end_year = 2025
outputs = ["gdp_yi"]

[[scenarios]]
name = "baseline"
reference = true
"""

TYPED = BASE.replace("reference = true", "reference = true\nsweep = true  # the only scenario: swept") + """
[[uncertainties]]
key = "pairing.rule_pairs"
low = 1
high = 4
integer = true

[[uncertainties]]
key = "access.distance_decay"
low = 0.6
high = 1.2

[design]
kind = "lhs"
samples = 3
"""

TWO = BASE + """
[[scenarios]]
name = "faster"
set = { "network.speed_expressway_kmh" = 95.0 }
"""


def write(tmp_path: Path, text: str, name: str = "exp.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def cli(capsys, *argv: str) -> tuple[int, str]:
    """Exit code and the last line on stderr."""
    code = main(list(argv))
    err = capsys.readouterr().err.strip().splitlines()
    return code, err[-1] if err else ""


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two scenarios × 2 replications of the fake model, to 2025."""
    root = tmp_path_factory.mktemp("checked")
    out = root / "out"
    report = run_experiment(load_experiment(write(root, TWO)), out, workers=1,
                            run_fn=fake_simulate, progress="off")
    assert report.done == 4
    return out


# ---- typed design factors --------------------------------------------------------------------


@pytest.mark.slow  # six runs (about 2 s)
def test_integer_design_factor_reaches_the_runs_as_an_integer(tmp_path: Path) -> None:
    report = run_experiment(load_experiment(write(tmp_path, TYPED)), tmp_path / "out",
                            workers=1, run_fn=fake_simulate, progress="off")
    assert (report.done, report.failed) == (6, 0), report.errors
    district = pd.read_parquet(tmp_path / "out" / "district.parquet")
    assert pd.api.types.is_integer_dtype(district["pairing.rule_pairs"])
    assert pd.api.types.is_float_dtype(district["access.distance_decay"])


def test_validation_probes_factors_as_the_runs_receive_them(tmp_path: Path,
                                                            monkeypatch) -> None:
    """A design path that hands an integer factor over as a float (the old point_overrides) is
    caught at validation, before any run."""
    import simxh.design as design

    def as_floats(points: pd.DataFrame, point: int) -> dict:
        return {k: float(v) for k, v in points.loc[point].items()}

    monkeypatch.setattr(design, "point_overrides", as_floats)
    with pytest.raises(ConfigError, match="uncertainty 'pairing.rule_pairs': wrong type"):
        load_experiment(write(tmp_path, TYPED))


# ---- outputs ---------------------------------------------------------------------------------


def test_output_typo_is_refused_at_validate_and_run(tmp_path: Path, capsys) -> None:
    path = write(tmp_path, BASE.replace('["gdp_yi"]', '["gdp_yi", "gpd_nominal_yi"]'))
    expected = (f"{path}: key 'experiment.outputs[1]': unknown output (did you mean "
                f"'gdp_nominal_yi'?) (got 'gpd_nominal_yi'); expected a district output column")
    assert cli(capsys, "validate", str(path)) == (2, f"simxh validate: error: {expected}")
    assert cli(capsys, "run", str(path), "--out", str(tmp_path / "o")) == \
        (2, f"simxh run: error: {expected}")
    assert not (tmp_path / "o").exists()


def test_adaptive_metric_typo_is_refused(tmp_path: Path) -> None:
    text = BASE + "\n[adaptive]\nmetric = 'gdp_y'\nyear = 2025\nwidth = 1.0\n" \
        "max_replications = 4\n"
    with pytest.raises(ConfigError, match=r"key 'adaptive.metric': unknown output \(did you "
                       r"mean 'gdp_yi'\?\)"):
        load_experiment(write(tmp_path, text))


def test_an_old_folder_with_an_output_typo_gets_a_suggestion_from_compare(
        store: Path, tmp_path: Path, capsys) -> None:
    folder = tmp_path / "old"
    shutil.copytree(store, folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["experiment"]["spec"]["outputs"] = ["gdp_yi", "gpd_yi"]  # an older store
    (folder / "manifest.json").write_text(json.dumps(manifest))
    code, line = cli(capsys, "compare", str(folder))
    assert (code, line) == (2, f"simxh compare: error: {manifest['experiment']['spec']['file']}: "
                            f"key 'experiment.outputs[1]': unknown output (did you mean "
                            f"'gdp_yi'?) (got 'gpd_yi'); expected one of gdp_yi, firms, "
                            f"hightech_firms, theil_gdp_per_capita, weakest_town_growth_pct")


# ---- fail fast -------------------------------------------------------------------------------


BROKEN = TWO.replace('name = "baseline"\nreference = true',
                     'name = "baseline"\nreference = true\n'
                     'set = { "network.rail_access_min" = 99.0 }').replace(
                         "replications = 2", "replications = 4")


def test_first_runs_failing_alike_stop_the_sweep(tmp_path: Path) -> None:
    report = run_experiment(load_experiment(write(tmp_path, BROKEN)), tmp_path / "out",
                            workers=1, run_fn=fake_simulate, progress="off")
    assert (report.planned, report.failed, report.done, report.pending) == (8, 3, 0, 5)
    assert report.stopped == (
        "stopped early: the first 3 runs all failed with the same error (RuntimeError: fake "
        "model failure (rail_access_min = 99)); 5 runs left undone (--fail-fast 3; 0 never "
        "stops)")
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["history"][-1]["stopped"] == report.stopped


@pytest.mark.slow  # two sweeps (about 2 s)
def test_fail_fast_is_configurable_and_zero_runs_everything(tmp_path: Path) -> None:
    text = BROKEN.replace('outputs = ["gdp_yi"]', 'outputs = ["gdp_yi"]\nfail_fast = 0')
    report = run_experiment(load_experiment(write(tmp_path, text)), tmp_path / "out",
                            workers=1, run_fn=fake_simulate, progress="off")
    assert (report.failed, report.done, report.stopped) == (4, 4, "")
    text = BROKEN.replace('outputs = ["gdp_yi"]', 'outputs = ["gdp_yi"]\nfail_fast = 5')
    report = run_experiment(load_experiment(write(tmp_path, text, "five.toml")),
                            tmp_path / "five", workers=1, run_fn=fake_simulate, progress="off")
    assert (report.failed, report.done, report.stopped) == (4, 4, "")  # a success came 5th


def test_fail_fast_option_of_run(tmp_path: Path) -> None:
    from simxh.cli import build_parser
    from simxh.commands.run import load

    args = build_parser().parse_args(["run", str(write(tmp_path, BROKEN)), "--fail-fast", "2"])
    assert load(args).fail_fast == 2
    args = build_parser().parse_args(["run", str(tmp_path / "exp.toml"), "--fail-fast", "-1"])
    with pytest.raises(UserError, match="key '--fail-fast': out of range"):
        load(args)


def test_fail_fast_reason_counts_errors_differing_only_in_numbers_as_one() -> None:
    from simxh.runner import fail_fast_reason

    same = ["ConfigError: key 'a': wrong type (got 3.0)", "ConfigError: key 'a': wrong type "
            "(got 2.0)"]
    assert fail_fast_reason(same, 2, 10).startswith("stopped early: the first 2 runs")
    assert fail_fast_reason(same, 3, 10) == ""
    assert fail_fast_reason([same[0], "ValueError: other"], 2, 10) == ""
    assert fail_fast_reason(same, 0, 10) == ""


# ---- precise messages ------------------------------------------------------------------------


@pytest.mark.parametrize(("argv", "message"), [
    (["--reference", "basline"], "key '--reference': no such scenario in the results (did you "
     "mean 'baseline'?) (got 'basline'); expected one of baseline, faster"),
    (["--year", "2040"], "key '--year': year not in the results (got 2040); expected one of "
     "2023, 2024, 2025"),
    (["--metric", "gdp_yi", "--year", "2040"], "key '--year': year not in the results (got "
     "2040); expected one of 2023, 2024, 2025"),
    (["--metric", "gdp_yi", "--reference", "basline"], "key '--reference': no such scenario "
     "in the results (did you mean 'baseline'?) (got 'basline'); expected one of baseline, "
     "faster"),
])
def test_compare_names_a_bad_reference_or_year_and_lists_the_valid_ones(
        store: Path, capsys, argv: list[str], message: str) -> None:
    assert cli(capsys, "compare", str(store), *argv) == (2, f"simxh compare: error: {message}")


def test_compare_on_an_unconsolidated_folder_says_so_once(store: Path, tmp_path: Path,
                                                          capsys) -> None:
    folder = tmp_path / "half"
    shutil.copytree(store, folder)
    (folder / "district.parquet").unlink()  # killed before the first consolidation
    for path in (folder / "runs").glob("s1-*"):
        path.unlink()
    file = json.loads((folder / "manifest.json").read_text())["experiment"]["file"]
    code = main(["compare", str(folder)])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err == (f"simxh compare: error: {folder}: no consolidated results yet (2 finished, "
                   f"0 failed and 2 pending runs of 4; none in district.parquet); expected a "
                   f"finished run: finish it with simxh run {file} --out {folder} --resume\n")


@pytest.mark.parametrize("command", ["run", "validate", "info"])
def test_set_without_equals_names_the_form(capsys, command: str) -> None:
    argv = [command, "experiments/quick.toml"] if command != "info" else [command]
    code = main([*argv, "--set", "attraction.effort", "2"])
    assert code == 2
    assert capsys.readouterr().err == (
        f"simxh {command}: error: key '--set': no '=' in the override (got "
        f"'attraction.effort'); expected the form --set KEY=VALUE in one argument, e.g. --set "
        f"attraction.effort=VALUE\n")


@pytest.mark.slow  # a sweep and two refusals (about 2 s)
def test_folder_reused_with_another_set_says_what_differs(tmp_path: Path) -> None:
    path = write(tmp_path, TWO)
    out = tmp_path / "out"
    run_experiment(load_experiment(path), out, workers=1, run_fn=fake_simulate, progress="off")
    changed = load_experiment(path, overrides=["network.rail_access_min=30"])
    with pytest.raises(UserError) as err:
        run_experiment(changed, out, workers=1, run_fn=fake_simulate, progress="off",
                       resume=True)
    assert str(err.value) == (
        f"{out}: holds results of 'checked' run with other settings (network.rail_access_min "
        f"15.0 → 30.0 (every scenario)); expected the same settings to --resume, a new --out "
        f"directory, or --force to delete those results")
    reseeded = load_experiment(path, seed=12)
    with pytest.raises(UserError, match=r"other settings \(seed 11 → 12\)"):
        run_experiment(reseeded, out, workers=1, run_fn=fake_simulate, progress="off",
                       resume=True)


@pytest.mark.parametrize("command", ["run", "validate"])
def test_missing_config_gets_a_did_you_mean_from_its_folder(capsys, monkeypatch,
                                                            command: str) -> None:
    monkeypatch.chdir(ROOT)
    code, line = cli(capsys, command, "experiments/quik.toml")
    assert code == 2
    tail = "; expected an experiment or config file" if command == "run" else ""
    assert line == (f"simxh {command}: error: experiments/quik.toml: file not found (did you "
                    f"mean 'experiments/quick.toml'?){tail}")


def test_missing_scenario_config_gets_a_did_you_mean(tmp_path: Path) -> None:
    (tmp_path / "integration.toml").write_text("")
    text = TWO.replace('name = "faster"', 'name = "faster"\nconfig = "integraton.toml"')
    with pytest.raises(ConfigError, match=r"config file not found \(did you mean "
                       r"'.*/integration.toml'\?\)"):
        load_experiment(write(tmp_path, text))
