"""``simxh info --params [CONFIG]``: every config parameter with value, unit, range, status and
source; and the commands that take ``--set``."""

from __future__ import annotations

import pytest

from simxh.cli import build_parser, main
from simxh.commands.info import describe_range, parameter_rows
from simxh.config import load_config, parameters


def test_params_lists_every_parameter_with_its_metadata(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "2000")  # wide enough for the sources
    assert main(["info", "--params"]) == 0
    out = capsys.readouterr().out.splitlines()[:-1]  # the last line points to --csv
    keys = [p["key"] for p in parameters()]
    assert out[0].startswith(f"{len(keys)} parameters of the built-in baseline")
    assert out[1].split() == ["key", "value", "range", "status", "unit", "source"]
    listed = [line.split()[0] for line in out[2:]]
    assert listed == keys
    row = next(line for line in out if line.startswith("firms.tfp_frontier_share "))
    meta = next(p for p in parameters() if p["key"] == "firms.tfp_frontier_share")
    # an estimated parameter: its posterior mean, its range, "estimated" and the interval
    assert f"{meta['default']:g}" in row and "[0, 1.5]" in row and "Zhu" in row
    assert meta["status"] in row and meta["status"] in ("estimated", "assumed")
    row = next(line for line in out if line.startswith("firms.above_scale_threshold_yi "))
    assert "亿元" in row and ">= 0" in row and "official" in row
    assert not any("*" in line.split()[1] for line in out[2:])  # the baseline is the default


def test_params_show_the_configs_values_and_overrides(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "2000")
    assert main(["info", "--params", "configs/integration.toml",
                 "--set", "attraction.effort=0.5"]) == 0
    out = capsys.readouterr().out
    lines = {line.split()[0]: line for line in out.splitlines()[2:-1]}
    assert lines["integration.enabled"].split()[1] == "true*"
    assert lines["attraction.effort"].split()[1] == "0.5*"
    assert "one of host, equal, population" in lines["integration.sharing_rule"]
    assert lines["pairing.enabled"].split()[1] == "false"


def test_parameter_rows_and_ranges():
    rows = parameter_rows(load_config(None, {"firms.count": 8000}))
    count = next(r for r in rows if r["key"] == "firms.count")
    assert count["value"] == "8000" and count["changed"] == "*"
    assert count["range"] == "[50, 200,000]"
    start = next(r for r in rows if r["key"] == "run.start_year")
    assert start["range"] == "[2015, 2023]"  # years without a thousands separator
    assert describe_range({"min": 0, "max": None, "min_exclusive": True}) == "> 0"
    assert describe_range({"min": None, "max": None}) == ""
    assert describe_range({"choices": ("a", "b"), "default": []}) == "each one of a, b"


def test_params_bad_override_is_one_line_exit_2(capsys):
    assert main(["info", "--params", "--set", "firms.tfp_frontier_share=9"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "firms.tfp_frontier_share" in err


@pytest.mark.parametrize(("command", "has_set"), [
    ("info", True), ("validate", True), ("run", True), ("dashboard", True),
    ("status", False), ("compare", False), ("report", False), ("export", False)])
def test_set_is_where_the_readme_says(command, has_set):
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    if command not in sub.choices:
        pytest.skip(f"{command} not installed")
    options = {o for a in sub.choices[command]._actions for o in a.option_strings}
    assert ("--set" in options) is has_set


@pytest.mark.parametrize("columns", [80, 100])
def test_params_fit_the_terminal_and_csv_has_the_full_table(columns, capsys, monkeypatch,
                                                            tmp_path):
    import csv

    from simxh.commands.info import _width

    monkeypatch.setenv("COLUMNS", str(columns))
    assert main(["info", "--params"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert max(_width(line) for line in out) <= columns
    assert out[1].split()[:4] == ["key", "value", "range", "status"]
    assert "--csv FILE" in out[-1]
    path = tmp_path / "params.csv"
    assert main(["info", "--params", "--csv", str(path)]) == 0
    with path.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["key"] for r in rows] == [p["key"] for p in parameters()]
    meta = next(p for p in parameters() if p["key"] == "firms.tfp_frontier_share")
    row = next(r for r in rows if r["key"] == "firms.tfp_frontier_share")
    assert row["source"] == meta["source"] and row["meaning"] == meta["doc"]
    assert len(meta["source"]) + len(meta["doc"]) > columns  # cut on screen, whole here
