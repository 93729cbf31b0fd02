"""The bad-input catalogue (issue 7): every bad input a user can give, tried through the CLI.

Each case asserts exit status 2, ONE line on stderr naming the file, the key path, the value
and what was expected, no traceback, and — for ``simxh run`` — that nothing was written.
Most cases call ``simxh.cli.main`` in-process (fast); a handful run ``python -m simxh`` in a
subprocess to prove the real entry point behaves the same.

A case that a file owned by someone else does not handle yet is marked
``xfail(strict=True, reason="owner: ...")``: it flips to a failure once fixed, so the mark
can be removed. The count of cases is reported in ``docs/reliability.md``.
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from simxh.cli import main
from simxh.datafiles import FILES, default_data_dir

ROOT = Path(__file__).resolve().parents[1]


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------
def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main([*argv])
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_clean_error(code: int, err: str, *fragments: str) -> str:
    """Exit 2, one line on stderr, no traceback, every fragment in the line; returns it."""
    assert code == 2, f"exit status {code}, stderr: {err!r}"
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, f"expected one line, got {err!r}"
    line = lines[0]
    assert line.startswith("simxh ") and ": error: " in line, line
    for fragment in fragments:
        assert fragment in line, f"{fragment!r} not in {line!r}"
    return line


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def tree_state(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``folder`` with its size and mtime (to prove nothing was written)."""
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*"))}


class WouldRun(Exception):
    """Raised instead of executing runs: a refused input must never get this far."""


@pytest.fixture
def no_execution(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``simxh run`` unable to execute anything (a strict xfail then fails safely).

    The executor is still made (its options are still checked): local pools start lazily."""
    import simxh.runner as runner

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise WouldRun("the runs would have started: the input was not refused")

    monkeypatch.setattr(runner.Runner, "run", refuse)


# --------------------------------------------------------------------------------------------
# 1. Config files: `simxh validate FILE`
# --------------------------------------------------------------------------------------------
# (id, TOML text, key path in the message, fragments: what is wrong, the value, what was expected)
ZERO_TAXES = ("[fiscal]\nvat_rate = 0.0\nservices_vat_rate = 0.0\ncit_rate = 0.0\n"
              "other_tax_rate = 0.0\nland_tax_rate = 0.0\n")
CONFIG_CASES: list[tuple[str, str | bytes, str, list[str]]] = [
    ("unknown-key", "[run]\nend_yaer = 2030\n", "run.end_yaer",
     ["unknown key", "did you mean 'end_year'"]),
    ("unknown-section", "[pairng]\nenabled = true\n", "pairng",
     ["unknown section", "did you mean 'pairing'"]),
    ("unknown-lever-key", "[integration]\nenabeld = true\n", "integration.enabeld",
     ["unknown key", "did you mean 'enabled'"]),
    ("wrong-type-int", '[run]\nend_year = "2030"\n', "run.end_year",
     ["wrong type", "'2030'", "expected an integer"]),
    ("wrong-type-float-given-int-year", "[run]\nend_year = 2030.5\n", "run.end_year",
     ["wrong type", "2030.5", "expected an integer"]),
    ("wrong-type-bool", "[pairing]\nenabled = 1\n", "pairing.enabled",
     ["wrong type", "(got 1)", "expected true or false"]),
    ("wrong-type-float", '[network]\ndetour_factor = "1.3"\n', "network.detour_factor",
     ["wrong type", "'1.3'", "expected a value in [1.0, 3.0]"]),
    ("wrong-type-list", '[pairing]\npairs = "huicheng:luokeng"\n', "pairing.pairs",
     ["wrong type", "'huicheng:luokeng'", "expected a list of a string"]),
    ("wrong-type-list-item", "[infrastructure]\nproject_ids = [1]\n",
     "infrastructure.project_ids[0]", ["wrong type", "(got 1)", "expected a string"]),
    ("section-not-a-table", "run = 2030\n", "run", ["wrong type", "2030", "expected a table"]),
    ("table-given-for-number", "[network.detour_factor]\nx = 1\n", "network.detour_factor",
     ["wrong type", "{'x': 1}"]),
    ("out-of-range-year", "[run]\nend_year = 1999\n", "run.end_year",
     ["out of range", "1999", "[2016, 2060]"]),
    ("out-of-range-share", "[fiscal]\nvat_rate = 2.0\n", "fiscal.vat_rate",
     ["out of range", "2.0", "[0.0, 0.3]"]),
    ("out-of-range-count", "[firms]\ncount = 10\n", "firms.count",
     ["out of range", "10", "[50, 200000]"]),
    ("huge-integer", "[firms]\ncount = 99999999999999999999\n", "firms.count",
     ["out of range", "99999999999999999999"]),
    ("huge-integer-for-float", "[network]\ndetour_factor = 1" + "0" * 400 + "\n",
     "network.detour_factor", ["number too large", "expected a finite number"]),
    ("nan", "[network]\ndetour_factor = nan\n", "network.detour_factor",
     ["not a finite number", "nan", "expected a finite number"]),
    ("inf", "[attraction]\nprojects_per_year = inf\n", "attraction.projects_per_year",
     ["not a finite number", "inf"]),
    ("minus-inf", "[access]\ndistance_decay = -inf\n", "access.distance_decay",
     ["not a finite number", "-inf"]),
    ("negative-land", "[land]\ntown_free_land_mu = -400.0\n", "land.town_free_land_mu",
     ["out of range", "-400.0", ">= 0.0 亩"]),
    ("negative-land-price", "[land]\nprice_yi_per_mu = -0.003\n", "land.price_yi_per_mu",
     ["out of range", "-0.003"]),
    ("negative-money-transfer", "[pairing]\ntransfer_yi = -0.5\n", "pairing.transfer_yi",
     ["out of range", "-0.5", ">= 0.0 亿元/yr per pair"]),
    ("negative-money-budget", "[infrastructure]\nbudget_yi_per_year = -30.0\n",
     "infrastructure.budget_yi_per_year", ["out of range", "-30.0"]),
    ("negative-money-debt", "[fiscal]\ndebt_limit_yi = -50.0\n", "fiscal.debt_limit_yi",
     ["out of range", "-50.0"]),
    ("negative-money-project", "[attraction]\nmin_project_yi = -1.0\n",
     "attraction.min_project_yi", ["out of range", "-1.0"]),
    ("undefined-zone", '[integration]\nzones = ["guifeng", "yinzhou_north"]\n',
     "integration.zones[1]", ["unknown value", "'yinzhou_north'", "guifeng"]),
    ("zone-listed-twice", '[integration]\nzones = ["guifeng", "guifeng"]\n',
     "integration.zones", ["zone listed twice", "each zone once"]),
    ("undefined-town-in-pair", '[pairing]\npairs = ["huicheng:atlantis"]\n',
     "pairing.pairs[0]", ["malformed pair", "'huicheng:atlantis'", "two different town ids"]),
    ("town-paired-with-itself", '[pairing]\npairs = ["daze:daze"]\n', "pairing.pairs[0]",
     ["malformed pair", "'daze:daze'"]),
    ("undefined-infrastructure-project",
     '[infrastructure]\nproject_ids = ["g240_upgrade_luokeng_dze"]\n',
     "infrastructure.project_ids[0]",
     ["undefined infrastructure project", "'g240_upgrade_luokeng_dze'",
      "'g240_upgrade_luokeng_daze'", "projects.csv"]),
    ("unknown-choice", '[pairing]\nkinds = ["money", "gifts"]\n', "pairing.kinds[1]",
     ["unknown value", "'gifts'", "'money'"]),
    ("unknown-string-choice", '[integration]\nsharing_rule = "hots"\n',
     "integration.sharing_rule", ["unknown value", "'hots'", "did you mean 'host'"]),
    ("extends-wrong-type", "extends = 3\n", "extends", ["wrong type", "(got 3)"]),
    ("extends-missing-file", 'extends = "gone.toml"\n', "extends",
     ["extended file not found", "'gone.toml'", "an existing file"]),
    ("empty-key", '"" = 1\n', "", ["unknown section"]),
    ("key-with-line-break", '[run]\n"end\\nyear" = 2030\n', "run.end\\nyear",
     ["unknown key"]),
    ("data-dir-missing", '[region]\ndata_dir = "no_such_data"\n', "region.data_dir",
     ["data folder not found", "'no_such_data'", "an existing folder"]),
    # revenue collection undefined: no base taxed locally, base-year revenue 0 (issue item 8)
    ("all-tax-rates-zero", ZERO_TAXES, "fiscal.vat_rate",
     ["no local tax is collected", "'fiscal.other_tax_rate': 0.0", "'fiscal.cit_rate': 0.0",
      "fiscal.land_tax_rate × economy.residual_secondary_share", "above 0"]),
    ("local-shares-zero", "[fiscal]\nvat_local_share = 0.0\ncit_local_share = 0.0\n"
     "other_tax_rate = 0.0\nland_tax_rate = 0.0\n", "fiscal.vat_local_share",
     ["no local tax is collected", "'fiscal.cit_local_share': 0.0"]),
    ("land-tax-without-construction", "[economy]\nresidual_secondary_share = 0.0\n[fiscal]\n"
     "vat_rate = 0.0\nservices_vat_rate = 0.0\ncit_rate = 0.0\nother_tax_rate = 0.0\n",
     "fiscal.vat_rate", ["no local tax is collected",
                         "'economy.residual_secondary_share': 0.0"]),
    # issue 23: edge values that validate accepted but the run could not survive
    ("town-speciality-match-zero", "[attraction]\ntown_speciality_match = 0.0\n",
     "attraction.town_speciality_match", ["out of range", "(0.0, 1.0]"]),
    ("entrant-size-quantile-one", "[firms]\nentrant_size_quantile = 1.0\n",
     "firms.entrant_size_quantile", ["out of range", "[0.0, 0.9]"]),
    ("demand-elasticity-two", "[firms]\ndemand_elasticity = 2.0\n", "firms.demand_elasticity",
     ["out of range", "[0.0, 1.5]"]),
    ("firm-count-two-million", "[firms]\ncount = 2000000\n", "firms.count",
     ["out of range", "[50, 200000]"]),
    ("projects-per-year-10000", "[attraction]\nprojects_per_year = 10000.0\n",
     "attraction.projects_per_year", ["out of range", "[0.0, 1000.0]"]),
    ("pool-xinhui-tiny", "[attraction]\npool_xinhui_yi = 0.01\n", "attraction.pool_xinhui_yi",
     ["below 1/1000 of its rivals'", "at least 8.669亿"]),
    ("pool-xinhui-1e-9", "[attraction]\npool_xinhui_yi = 1e-9\n", "attraction.pool_xinhui_yi",
     ["below 1/1000 of its rivals'"]),
    ("peel-share-zero", "[chenpi]\npeel_share = 0.0\n", "chenpi.peel_share",
     ["out of range", "(0.0, 1.0]"]),
    ("citrus-yield-zero", "[chenpi]\nyield_t_per_mu = 0.0\n", "chenpi.yield_t_per_mu",
     ["out of range", "(0.0, 10.0]"]),
    ("village-income-threshold-zero", "[villages]\nincome_over_threshold_wan = 0.0\n",
     "villages.income_over_threshold_wan", ["out of range", "> 0.0"]),
    ("village-income-threshold-1e6", "[villages]\nincome_over_threshold_wan = 1e6\n",
     "villages.villages_over_threshold", ["no income distribution of the villages fits",
                                          "between 1 and 198 of the 199 villages"]),
    ("villages-over-threshold-zero", "[villages]\nvillages_over_threshold = 0\n",
     "villages.villages_over_threshold", ["no income distribution", "(got 0)"]),
    ("villages-over-threshold-10000", "[villages]\nvillages_over_threshold = 10000\n",
     "villages.villages_over_threshold", ["no income distribution", "(got 10000)"]),
]


@pytest.mark.parametrize(("text", "key", "fragments"),
                         [pytest.param(t, k, f, id=i) for i, t, k, f in CONFIG_CASES])
def test_bad_config(tmp_path, capsys, text, key, fragments):
    path = write(tmp_path / "bad.toml", text)
    code, out, err = cli(capsys, "validate", str(path))
    line = assert_one_clean_error(code, err, str(path), f"key '{key}'", *fragments)
    assert "expected" in line or "did you mean" in line
    assert out == ""


# Whole-file problems: the message names the file (and the line where there is one).
FILE_CASES: list[tuple[str, Callable[[Path], Path], list[str]]] = [
    ("missing-file", lambda d: d / "nope.toml", ["nope.toml", "file not found"]),
    ("a-directory", lambda d: (d / "adir.toml").mkdir() or d / "adir.toml",
     ["adir.toml", "is a directory"]),
    ("invalid-toml", lambda d: write(d / "broken.toml", "[run]\nend_year = 2030\nx = = 1\n"),
     ["broken.toml:3", "invalid TOML"]),
    ("duplicate-key", lambda d: write(d / "dup.toml", "[run]\nend_year = 2030\nend_year = 2031\n"),
     ["dup.toml:3", "invalid TOML"]),
    ("duplicate-table", lambda d: write(d / "dup2.toml", "[run]\n[run]\n"),
     ["dup2.toml:2", "invalid TOML"]),
    ("unterminated-string", lambda d: write(d / "str.toml", '[region]\ndata_dir = "abc\n'),
     ["str.toml:2", "invalid TOML"]),
    ("non-utf8-gbk", lambda d: write(d / "gbk.toml", "# 新会区\n[run]\n".encode("gbk")),
     ["gbk.toml:1", "not valid UTF-8", "save the file as UTF-8"]),
    ("non-utf8-latin1", lambda d: write(d / "latin.toml", b"[run]\n# caf\xe9\n"),
     ["latin.toml:2", "not valid UTF-8"]),
    ("nested-too-deeply", lambda d: write(d / "deep.toml", "x = " + "[" * 3000 + "]" * 3000),
     ["deep.toml", "nested too deeply"]),
    ("integer-of-5000-digits", lambda d: write(d / "long.toml", "[firms]\ncount = 1"
                                                 + "0" * 5000 + "\n"),
     ["long.toml", "invalid TOML", "4300 digits", "numbers of a sensible size"]),
    ("endless-device", lambda d: Path("/dev/zero"), ["/dev/zero", "file too large"]),
    ("huge-file", lambda d: write(d / "huge.toml", "# padding\n" * 600_000),
     ["huge.toml", "file too large", "at most 5 MB"]),
    ("binary-file", lambda d: write(d / "bin.toml", bytes(range(256)) * 4),
     ["bin.toml", "not valid UTF-8"]),
]


@pytest.mark.parametrize(("make", "fragments"),
                         [pytest.param(m, f, id=i) for i, m, f in FILE_CASES])
def test_bad_config_file(tmp_path, capsys, make, fragments):
    path = make(tmp_path)
    code, _out, err = cli(capsys, "validate", str(path))
    assert_one_clean_error(code, err, *fragments)


@pytest.mark.parametrize("cycle", [
    pytest.param({"a.toml": "a.toml"}, id="self"),
    pytest.param({"a.toml": "b.toml", "b.toml": "a.toml"}, id="two-files"),
    pytest.param({"a.toml": "b.toml", "b.toml": "c.toml", "c.toml": "a.toml"}, id="three-files"),
])
def test_extends_cycle(tmp_path, capsys, cycle):
    for name, parent in cycle.items():
        write(tmp_path / name, f'extends = "{parent}"\n[run]\nend_year = 2030\n')
    code, _out, err = cli(capsys, "validate", str(tmp_path / "a.toml"))
    line = assert_one_clean_error(code, err, "key 'extends'", "'extends' forms a cycle",
                                  "a chain of files that ends")
    assert " -> ".join([*cycle, "a.toml"])[:7] in line


def test_byte_order_mark_is_accepted(tmp_path, capsys):
    """Not an error: Windows editors save UTF-8 with a BOM."""
    path = write(tmp_path / "bom.toml", "\ufeff[run]\nend_year = 2030\n".encode())
    assert cli(capsys, "validate", str(path))[0] == 0


def test_bad_key_in_extended_parent_names_the_parent(tmp_path, capsys):
    parent = write(tmp_path / "parent.toml", "[land]\ntown_free_land_mu = -1.0\n")
    child = write(tmp_path / "child.toml", 'extends = "parent.toml"\n[run]\nend_year = 2030\n')
    code, _out, err = cli(capsys, "validate", str(child))
    assert_one_clean_error(code, err, str(parent.resolve()), "key 'land.town_free_land_mu'",
                           "-1.0")


SET_CASES: list[tuple[str, str, list[str]]] = [
    ("malformed", "run.end_year", ["key '--set'", "no '='", "(got 'run.end_year')",
                                   "--set KEY=VALUE"]),
    ("bad-key-syntax", "run..end_year=2030", ["--set", "malformed override"]),
    ("unknown-key", "run.end_yr=2030", ["--set", "key 'run.end_yr'", "unknown key"]),
    ("out-of-range", "land.town_free_land_mu=-5", ["--set", "out of range", "-5"]),
    ("nan", "network.detour_factor=nan", ["--set", "not a finite number"]),
    ("wrong-type", "pairing.enabled=yes", ["--set", "wrong type", "'yes'"]),
    ("conflict", "run=3", ["--set", "key 'run'", "wrong type"]),
]


@pytest.mark.parametrize(("override", "fragments"),
                         [pytest.param(o, f, id=i) for i, o, f in SET_CASES])
@pytest.mark.parametrize("command", ["validate", "info"])
def test_bad_set_override(capsys, command, override, fragments):
    argv = [command, "--set", override]
    if command == "validate":
        argv.insert(1, str(ROOT / "configs" / "baseline.toml"))
    code, _out, err = cli(capsys, *argv)
    assert_one_clean_error(code, err, *fragments)


def test_bad_config_in_info(tmp_path, capsys):
    path = write(tmp_path / "bad.toml", "[access]\ndistance_decay = 9.0\n")
    code, out, err = cli(capsys, "info", str(path))
    assert_one_clean_error(code, err, str(path), "key 'access.distance_decay'", "9.0")
    assert out == ""


# --------------------------------------------------------------------------------------------
# 2. Region data files: `[region] data_dir` pointing to a mutated copy of simxh/data
# --------------------------------------------------------------------------------------------
def _rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def _write_rows(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def set_cell(d: Path, file: str, row_id: str, column: str, value: str) -> None:
    header, rows = _rows(d / f"{file}.csv")
    row = next(r for r in rows if r[0] == row_id)
    row[header.index(column)] = value
    _write_rows(d / f"{file}.csv", header, rows)


def drop_column(d: Path, file: str, column: str) -> None:
    header, rows = _rows(d / f"{file}.csv")
    j = header.index(column)
    _write_rows(d / f"{file}.csv", header[:j] + header[j + 1:], [r[:j] + r[j + 1:] for r in rows])


def duplicate_row(d: Path, file: str, row_id: str) -> None:
    header, rows = _rows(d / f"{file}.csv")
    rows.append(list(next(r for r in rows if r[0] == row_id)))
    _write_rows(d / f"{file}.csv", header, rows)


def drop_row(d: Path, file: str, row_id: str) -> None:
    header, rows = _rows(d / f"{file}.csv")
    _write_rows(d / f"{file}.csv", header, [r for r in rows if r[0] != row_id])


def add_zone(d: Path, zone_id: str) -> None:
    header, rows = _rows(d / "zones.csv")
    new = list(rows[0])
    new[0] = zone_id
    rows.append(new)
    _write_rows(d / "zones.csv", header, rows)


def cut_node(d: Path, node: str) -> None:
    """Remove every transport link touching ``node`` (and projects that upgrade them)."""
    header, rows = _rows(d / "links.csv")
    i, j = header.index("from"), header.index("to")
    _write_rows(d / "links.csv", header, [r for r in rows if node not in (r[i], r[j])])
    header, rows = _rows(d / "projects.csv")
    i, j = header.index("from"), header.index("to")
    _write_rows(d / "projects.csv", header, [r for r in rows if node not in (r[i], r[j])])


def upgrade_missing_edge(d: Path) -> None:
    header, rows = _rows(d / "projects.csv")
    row = next(r for r in rows if r[header.index("kind")] == "upgrade")
    row[header.index("from")], row[header.index("to")] = "siqian", "sanjiang"
    _write_rows(d / "projects.csv", header, rows)


DATA_CASES: list[tuple[str, Callable[[Path], None], str, list[str]]] = [
    ("missing-file", lambda d: (d / "sectors.csv").unlink(), "sectors.csv",
     ["data file is missing", "a CSV file 'sectors.csv'"]),
    ("missing-column", lambda d: drop_column(d, "towns", "area_km2"), "towns.csv:1",
     ["key 'area_km2'", "required column is missing"]),
    ("unknown-column", lambda d: set_header(d, "parks", "area_mu", "area_muu"), "parks.csv:1",
     ["unknown column", "'area_mu'"]),
    ("bad-number", lambda d: set_cell(d, "towns", "daze", "population", "5万"), "towns.csv",
     ["key 'daze.population'", "not a number", "'5万'", "a whole number > 0"]),
    ("nan-number", lambda d: set_cell(d, "towns", "daze", "area_km2", "nan"), "towns.csv",
     ["key 'daze.area_km2'", "number is not finite", "'nan'"]),
    ("negative-land", lambda d: set_cell(d, "parks", "fengshanhu", "area_mu", "-3000"),
     "parks.csv", ["key 'fengshanhu.area_mu'", "must be positive", "'-3000'"]),
    ("negative-money", lambda d: set_cell(d, "projects", "shenjiang_railway", "cost_yi", "-20"),
     "projects.csv", ["key 'shenjiang_railway.cost_yi'", "out of range", "'-20'", ">= 0"]),
    ("share-above-one", lambda d: set_cell(d, "parks", "fengshanhu", "developed_share", "1.5"),
     "parks.csv", ["key 'fengshanhu.developed_share'", "out of range", "<= 1"]),
    ("zero-travel-time", lambda d: set_cell(d, "links", "road_huicheng_daze", "travel_min", "0"),
     "links.csv", ["key 'road_huicheng_daze.travel_min'", "must be positive"]),
    ("duplicate-id", lambda d: duplicate_row(d, "towns", "daze"), "towns.csv",
     ["key 'daze.id'", "duplicate id", "a unique id"]),
    ("duplicate-park-id", lambda d: duplicate_row(d, "parks", "fengshanhu"), "parks.csv",
     ["key 'fengshanhu.id'", "duplicate id"]),
    ("undefined-zone", lambda d: set_cell(d, "towns", "daze", "zone", "tanjiang_north"),
     "towns.csv", ["key 'daze.zone'", "undefined zone", "'tanjiang_north'", "zones.csv"]),
    ("undefined-town", lambda d: set_cell(d, "parks", "fengshanhu", "host_town", "dazee"),
     "parks.csv", ["key 'fengshanhu.host_town'", "undefined town", "'dazee'", "'daze'"]),
    ("undefined-sector", lambda d: set_cell(d, "parks", "fengshanhu", "lead_sectors",
                                            "new_energy;batteries"),
     "parks.csv", ["key 'fengshanhu.lead_sectors'", "undefined sector", "'batteries'"]),
    ("undefined-node-in-link", lambda d: set_cell(d, "links", "road_huicheng_daze", "to",
                                                  "dazhe"),
     "links.csv", ["key 'road_huicheng_daze.to'", "undefined node", "'dazhe'"]),
    ("empty-zone", lambda d: add_zone(d, "binhai"), "zones.csv",
     ["key 'binhai.id'", "zone has no towns", "'binhai'", "at least one town"]),
    ("disconnected-transport-graph", lambda d: cut_node(d, "daao"), "links.csv",
     ["the transport network is not connected", "daao",
      "links joining these nodes to the rest of the network"]),
    ("upgrade-on-missing-edge", upgrade_missing_edge, "projects.csv",
     ["upgrade names no existing link", "'sanjiang'", "a link between siqian and sanjiang"]),
    # villages.csv (issue #12): an unknown town, negative land, a duplicate id, orchards beyond
    # the farmland, a town whose count differs from towns.csv
    ("village-unknown-town", lambda d: set_cell(d, "villages", "daze_v01", "town", "dazee"),
     "villages.csv", ["key 'daze_v01.town'", "undefined town", "'dazee'", "'daze'",
                      "towns.csv"]),
    ("village-negative-land", lambda d: set_cell(d, "villages", "daze_v01", "farmland_mu",
                                                 "-5"),
     "villages.csv", ["key 'daze_v01.farmland_mu'", "'-5'", ">= 0"]),
    ("village-negative-construction-land",
     lambda d: set_cell(d, "villages", "gujing_v03", "construction_land_mu", "-0.5"),
     "villages.csv", ["key 'gujing_v03.construction_land_mu'", "'-0.5'", ">= 0"]),
    ("village-duplicate-id", lambda d: duplicate_row(d, "villages", "yamen_v02"), "villages.csv",
     ["key 'yamen_v02.id'", "duplicate id", "a unique id"]),
    ("village-orchards-beyond-farmland",
     lambda d: set_cell(d, "villages", "daze_v01", "citrus_mu", "1e9"),
     "villages.csv", ["key 'daze_v01.citrus_mu'", "orchards exceed", "at most farmland_mu"]),
    ("village-count-differs-from-towns", lambda d: drop_row(d, "villages", "daao_v19"),
     "villages.csv", ["key 'daao.villages'", "18", "19 (towns.csv"]),
    ("unknown-status", lambda d: set_cell(d, "towns", "daze", "status", "estimated"),
     "towns.csv", ["key 'daze.status'", "unknown status", "'estimated'", "official"]),
    ("ragged-row", lambda d: append_text(d, "zones", "extra,row\n"), "zones.csv",
     ["row has 2 cells but the header has"]),
    ("non-utf8", lambda d: write(d / "towns.csv", (d / "towns.csv").read_text(
        encoding="utf-8").encode("gbk", errors="replace")), "towns.csv",
     ["not valid UTF-8", "UTF-8 encoding"]),
    ("empty-file", lambda d: write(d / "external.csv", ""), "external.csv",
     ["data file is empty", "a header row"]),
    ("oversized-cell", lambda d: append_text(d, "zones", 'x,"' + "a" * 200_000 + '",y\n'),
     "zones.csv:6", ["malformed CSV", "field larger than field limit"]),
]


def set_header(d: Path, file: str, old: str, new: str) -> None:
    header, rows = _rows(d / f"{file}.csv")
    header[header.index(old)] = new
    _write_rows(d / f"{file}.csv", header, rows)


def append_text(d: Path, file: str, text: str) -> None:
    with (d / f"{file}.csv").open("a", encoding="utf-8") as f:
        f.write(text)


def copy_data(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    target.mkdir()
    for name in FILES:
        shutil.copy(default_data_dir() / f"{name}.csv", target / f"{name}.csv")
    return target


@pytest.mark.parametrize(("mutate", "file", "fragments"),
                         [pytest.param(m, f, fr, id=i) for i, m, f, fr in DATA_CASES])
def test_bad_data_file(tmp_path, capsys, mutate, file, fragments):
    data = copy_data(tmp_path)
    mutate(data)
    cfg = write(tmp_path / "cfg.toml", '[region]\ndata_dir = "data"\n')
    code, out, err = cli(capsys, "validate", str(cfg))
    assert_one_clean_error(code, err, str((data / file.split(":")[0]).resolve()) +
                           file[len(file.split(":")[0]):], *fragments)
    assert out == ""


def test_unmutated_data_copy_is_valid(tmp_path, capsys):
    """The mutations above start from a copy that is itself valid."""
    copy_data(tmp_path)
    cfg = write(tmp_path / "cfg.toml", '[region]\ndata_dir = "data"\n')
    assert cli(capsys, "validate", str(cfg))[0] == 0


def test_config_reference_checked_against_its_own_data(tmp_path, capsys):
    """A pair naming a town the config's data lack is refused (data renamed a town)."""
    data = copy_data(tmp_path)
    for file in ("towns", "parks", "links", "cooperation", "town_sectors", "projects",
                 "sectors", "villages"):
        path = data / f"{file}.csv"
        path.write_text(path.read_text(encoding="utf-8").replace("luokeng", "luokeng_town"),
                        encoding="utf-8")
    cfg = write(tmp_path / "cfg.toml", '[region]\ndata_dir = "data"\n\n[integration]\n'
                'zones = ["guifeng"]\n\n[pairing]\npairs = ["huicheng:luokeng"]\n')
    code, _out, err = cli(capsys, "validate", str(cfg))
    assert_one_clean_error(code, err, str(cfg), "key 'pairing.pairs[0]'", "undefined town",
                           "'luokeng'", "towns.csv")


# --------------------------------------------------------------------------------------------
# 3. Experiment files (simxh/experiment.py): `simxh validate EXP`
# --------------------------------------------------------------------------------------------
EXP_HEAD = '[experiment]\nname = "t"\nseed = 1\nreplications = 2\n\n'
SCEN = '[[scenarios]]\nname = "baseline"\nreference = true\n\n'


EXPERIMENT_CASES: list[tuple[str, str, str, list[str]]] = [
    ("unknown-table", EXP_HEAD.replace("replications = 2\n", 'replications = 2\n'
                                       'tables = ["district", "towns", "village"]\n') + SCEN,
     "experiment.tables[2]", ["unknown table", "'village'", "district, towns, villages"]),
    ("tables-without-towns", EXP_HEAD.replace("replications = 2\n", 'replications = 2\n'
                                              'tables = ["district", "villages"]\n') + SCEN,
     "experiment.tables", ["missing table", "'district' and 'towns'"]),
    ("empty-scenario-list", EXP_HEAD.replace("[experiment]", "scenarios = []\n[experiment]"),
     "scenarios", ["one or more [[scenarios]] tables"]),
    ("duplicate-scenario-names", EXP_HEAD + SCEN + '[[scenarios]]\nname = "baseline"\n',
     "scenarios[1].name", ["duplicate scenario name", "'baseline'", "unique names"]),
    ("unknown-top-key", EXP_HEAD + SCEN + "[desing]\nkind = 'lhs'\n", "desing",
     ["unknown key", "did you mean 'design'"]),
    ("unknown-experiment-key", EXP_HEAD.replace("seed = 1", "sed = 1") + SCEN,
     "experiment.sed", ["unknown key", "did you mean 'seed'"]),
    ("unknown-scenario-key", EXP_HEAD + SCEN + '[[scenarios]]\nname = "x"\nconfg = "a.toml"\n',
     "scenarios[1].confg", ["unknown key", "did you mean 'config'"]),
    ("scenario-without-name", EXP_HEAD + SCEN + "[[scenarios]]\nreference = false\n",
     "scenarios[1].name", ["missing key"]),
    ("zero-replications", EXP_HEAD.replace("replications = 2", "replications = 0") + SCEN,
     "experiment.replications", ["out of range", "(got 0)"]),
    ("absurd-replications", EXP_HEAD.replace("replications = 2", "replications = 1000000000")
     + SCEN, "experiment.replications", ["out of range", "1000000000"]),
    ("negative-seed", EXP_HEAD.replace("seed = 1", "seed = -1") + SCEN, "experiment.seed",
     ["out of range", "-1"]),
    ("name-with-slash", EXP_HEAD.replace('name = "t"', 'name = "../t"') + SCEN,
     "experiment.name", ["not usable as a directory name", "'../t'"]),
    ("scenario-config-missing", EXP_HEAD + SCEN + '[[scenarios]]\nname = "x"\n'
     'config = "nope.toml"\n', "scenarios[1].config", ["config file not found", "'nope.toml'"]),
    ("scenario-set-unknown-key", EXP_HEAD + SCEN + '[[scenarios]]\nname = "x"\n'
     'set = { "pairing.enabeld" = true }\n', "pairing.enabeld",
     ["scenario 'x'", "unknown key", "did you mean 'enabled'"]),
    ("scenario-set-negative-money", EXP_HEAD + SCEN + '[[scenarios]]\nname = "x"\n'
     'set = { "pairing.transfer_yi" = -1.0 }\n', "pairing.transfer_yi",
     ["scenario 'x'", "out of range", "-1.0"]),
    ("scenario-set-nan", EXP_HEAD + SCEN + '[[scenarios]]\nname = "x"\n'
     'set = { "access.distance_decay" = nan }\n', "access.distance_decay",
     ["scenario 'x'", "not a finite number"]),
    ("unknown-reference", EXP_HEAD.replace("seed = 1", 'seed = 1\nreference = "basline"')
     + SCEN.replace("reference = true\n", ""), "experiment.reference",
     ["unknown scenario", "'basline'", "did you mean 'baseline'"]),
    ("two-references", EXP_HEAD + SCEN + '[[scenarios]]\nname = "x"\nreference = true\n',
     "scenarios", ["more than one reference scenario"]),
    ("uncertainty-low-above-high", EXP_HEAD + SCEN + '[design]\nkind = "lhs"\nsamples = 4\n'
     '[[uncertainties]]\nkey = "access.distance_decay"\nlow = 1.5\nhigh = 0.5\n',
     "uncertainties[0].high", ["low must be below high", "0.5"]),
    ("uncertainty-nan", EXP_HEAD + SCEN + '[design]\nkind = "lhs"\nsamples = 4\n'
     '[[uncertainties]]\nkey = "access.distance_decay"\nlow = nan\nhigh = 0.5\n',
     "uncertainties[0].low", ["not a finite number"]),
    ("uncertainty-unknown-config-key", EXP_HEAD + SCEN + '[design]\nkind = "lhs"\n'
     'samples = 4\n[[uncertainties]]\nkey = "access.distance_decy"\nlow = 0.5\nhigh = 1.5\n',
     "access.distance_decy", ["unknown key", "did you mean 'distance_decay'"]),
    ("uncertainty-out-of-range", EXP_HEAD + SCEN + '[design]\nkind = "lhs"\nsamples = 4\n'
     '[[uncertainties]]\nkey = "land.town_free_land_mu"\nlow = -100.0\nhigh = 100.0\n',
     "land.town_free_land_mu", ["out of range", "-100.0"]),
    ("unknown-design-kind", EXP_HEAD + SCEN + '[design]\nkind = "sobel"\nsamples = 4\n'
     '[[uncertainties]]\nkey = "access.distance_decay"\nlow = 0.5\nhigh = 1.5\n',
     "design.kind", ["unknown value", "'sobel'", "did you mean 'sobol'"]),
    ("design-without-uncertainties", EXP_HEAD + SCEN + '[design]\nkind = "lhs"\nsamples = 4\n',
     "design.kind", ["a design needs [[uncertainties]]"]),
    ("scenarios-not-tables", EXP_HEAD.replace("[experiment]", 'scenarios = ["a"]\n'
                                              "[experiment]"),
     "scenarios[0]", ["wrong type", "'a'"]),
    ("scenario-undefined-project", EXP_HEAD + SCEN + '[[scenarios]]\nname = "x"\n'
     'set = { "infrastructure.project_ids" = ["g240_upgrade"] }\n',
     "infrastructure.project_ids[0]",
     ["scenario 'x'", "undefined infrastructure project", "'g240_upgrade'", "projects.csv"]),
    ("scenario-data-dir-missing", EXP_HEAD + SCEN + '[[scenarios]]\nname = "x"\n'
     'set = { "region.data_dir" = "no_such_folder" }\n', "region.data_dir",
     ["scenario 'x'", "data folder not found", "'no_such_folder'"]),
    ("huge-integer-bound", EXP_HEAD + SCEN + '[design]\nkind = "lhs"\nsamples = 4\n'
     '[[uncertainties]]\nkey = "access.distance_decay"\nlow = 0.5\nhigh = 1'
     + "0" * 400 + "\n", "uncertainties[0].high", ["expected a finite number"]),
]
# id -> reason, for cases a file owned by someone else does not handle yet (none now)
_EXP_XFAIL: dict[str, str] = {}


@pytest.mark.parametrize(
    ("text", "key", "fragments"),
    [pytest.param(t, k, f, id=i, marks=[pytest.mark.xfail(strict=True, reason=_EXP_XFAIL[i])]
                  if i in _EXP_XFAIL else []) for i, t, k, f in EXPERIMENT_CASES])
def test_bad_experiment(tmp_path, capsys, text, key, fragments):
    path = write(tmp_path / "exp.toml", text)
    code, out, err = cli(capsys, "validate", str(path))
    assert_one_clean_error(code, err, str(path), f"key '{key}'", *fragments)
    assert out == ""


def test_experiment_extends_cycle_in_scenario_config(tmp_path, capsys):
    write(tmp_path / "a.toml", 'extends = "b.toml"\n')
    write(tmp_path / "b.toml", 'extends = "a.toml"\n')
    path = write(tmp_path / "exp.toml", EXP_HEAD + SCEN + '[[scenarios]]\nname = "x"\n'
                 'config = "a.toml"\n')
    code, _out, err = cli(capsys, "validate", str(path))
    assert_one_clean_error(code, err, "key 'extends'", "'extends' forms a cycle")


# --------------------------------------------------------------------------------------------
# 4. `simxh run`: refused before anything is written
# --------------------------------------------------------------------------------------------
RUN_INPUTS: list[tuple[str, str, list[str]]] = [
    ("bad-config", "[land]\ntown_free_land_mu = -1.0\n", ["land.town_free_land_mu"]),
    ("all-tax-rates-zero", ZERO_TAXES, ["key 'fiscal.vat_rate'", "no local tax is collected"]),
    ("invalid-toml", "[run\n", ["invalid TOML"]),
    ("experiment-duplicate-names", EXP_HEAD + SCEN + '[[scenarios]]\nname = "baseline"\n',
     ["duplicate scenario name"]),
    ("experiment-empty-scenarios", EXP_HEAD.replace("[experiment]", "scenarios = []\n"
                                                    "[experiment]"), ["[[scenarios]]"]),
    ("experiment-bad-set", EXP_HEAD + SCEN + '[[scenarios]]\nname = "x"\n'
     'set = { "fiscal.debt_limit_yi" = -5.0 }\n', ["fiscal.debt_limit_yi", "out of range"]),
]


@pytest.mark.parametrize(("text", "fragments"),
                         [pytest.param(t, f, id=i) for i, t, f in RUN_INPUTS])
def test_run_refuses_bad_input_and_writes_nothing(tmp_path, capsys, no_execution, text,
                                                  fragments):
    path = write(tmp_path / "in.toml", text)
    out_dir = tmp_path / "results"
    code, _out, err = cli(capsys, "run", str(path), "--out", str(out_dir), "--workers", "1",
                          "--progress", "off")
    assert_one_clean_error(code, err, *fragments)
    assert not out_dir.exists()


RUN_OPTION_CASES: list[tuple[str, list[str], list[str]]] = [
    ("missing-file", ["nope.toml"], ["nope.toml", "file not found"]),
    ("zero-replications", ["{cfg}", "--replications", "0"], ["--replications", "out of range"]),
    ("negative-seed", ["{cfg}", "--seed", "-3"], ["--seed", "out of range"]),
    ("set-unknown-key", ["{cfg}", "--set", "pairing.enabeld=true"],
     ["pairing.enabeld", "unknown key"]),
    ("malformed-until-width", ["{cfg}", "--until-width", "gdp_yi"],
     ["--until-width", "METRIC:YEAR:WIDTH"]),
    ("max-replications-without-rule", ["{cfg}", "--max-replications", "10"],
     ["--max-replications", "--until-width"]),
    ("zero-workers", ["{cfg}", "--workers", "0"], ["--workers", "an integer >= 1"]),
    ("bad-scheduler", ["{cfg}", "--scheduler", "localhost:8786"], ["tcp://HOST:PORT"]),
    ("absurd-replications", ["{cfg}", "--replications", "1000000000"],
     ["--replications", "1000000000"]),
]
_RUN_XFAIL: dict[str, str] = {}  # as _EXP_XFAIL (none now)


@pytest.mark.parametrize(
    ("argv", "fragments"),
    [pytest.param(a, f, id=i, marks=[pytest.mark.xfail(strict=True, reason=_RUN_XFAIL[i])]
                  if i in _RUN_XFAIL else []) for i, a, f in RUN_OPTION_CASES])
def test_run_refuses_bad_options_and_writes_nothing(tmp_path, capsys, no_execution, argv,
                                                    fragments):
    cfg = write(tmp_path / "cfg.toml", "[run]\nend_year = 2025\n")
    out_dir = tmp_path / "results"
    argv = [a.replace("{cfg}", str(cfg)) for a in argv]
    if argv[0] == "nope.toml":
        argv[0] = str(tmp_path / "nope.toml")
    code, _out, err = cli(capsys, "run", *argv, "--out", str(out_dir), "--progress", "off")
    assert_one_clean_error(code, err, *fragments)
    assert not out_dir.exists()


def test_run_refuses_absurd_total_run_count(tmp_path, capsys, no_execution):
    """Each count is within its own cap, but the product is absurd (100k x 100k runs of the
    swept scenario, plus 100k of the unswept reference)."""
    exp = write(tmp_path / "exp.toml", EXP_HEAD.replace("replications = 2",
                                                        "replications = 100000")
                + SCEN + '[[scenarios]]\nname = "x"\n\n[design]\nkind = "lhs"\n'
                'samples = 100000\n[[uncertainties]]\nkey = "access.distance_decay"\n'
                "low = 0.5\nhigh = 1.5\n")
    out_dir = tmp_path / "results"
    code, _out, err = cli(capsys, "run", str(exp), "--out", str(out_dir), "--workers", "1",
                          "--progress", "off")
    assert_one_clean_error(code, err, "10000100000", "1 of them unswept")
    assert not out_dir.exists()


def _other_store(folder: Path) -> Path:
    folder.mkdir()
    (folder / "manifest.json").write_text(json.dumps(
        {"simxh_store": 1, "experiment": {"name": "other", "identity": "0123456789abcdef"}}))
    (folder / "runs").mkdir()
    (folder / "runs" / "s0-p0-r0.district.parquet").write_bytes(b"PAR1 not really")
    return folder


OUT_DIR_CASES: list[tuple[str, Callable[[Path], Path], list[str]]] = [
    ("belongs-to-another-experiment", lambda d: _other_store(d / "other"),
     ["holds results of another experiment", "'other'", "--force"]),
    ("not-a-results-directory", lambda d: write(d / "mine" / "notes.txt", "keep me").parent,
     ["is not empty and is not a simxh results directory"]),
    ("is-a-file", lambda d: write(d / "afile", "x"), ["is a file, not a directory"]),
    ("under-a-file", lambda d: write(d / "afile", "x") / "sub",
     ["afile/sub", "a part of the path is a file"]),
]


@pytest.mark.parametrize(("make", "fragments"),
                         [pytest.param(m, f, id=i) for i, m, f in OUT_DIR_CASES])
def test_run_refuses_bad_output_directory(tmp_path, capsys, no_execution, make, fragments):
    cfg = write(tmp_path / "cfg.toml", "[run]\nend_year = 2025\n")
    out_dir = make(tmp_path)
    before = tree_state(tmp_path)
    code, _out, err = cli(capsys, "run", str(cfg), "--out", str(out_dir), "--workers", "1",
                          "--progress", "off")
    assert_one_clean_error(code, err, *fragments)
    assert tree_state(tmp_path) == before


@pytest.mark.skipif(sys.platform == "win32" or (hasattr(__import__("os"), "geteuid")
                                                and __import__("os").geteuid() == 0),
                    reason="root ignores directory permissions")
def test_run_refuses_unwritable_directory(tmp_path, capsys, no_execution):
    cfg = write(tmp_path / "cfg.toml", "[run]\nend_year = 2025\n")
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        code, _out, err = cli(capsys, "run", str(cfg), "--out", str(locked / "out"),
                              "--workers", "1", "--progress", "off")
        assert_one_clean_error(code, err, "permission denied")
        assert not (locked / "out").exists()
    finally:
        locked.chmod(0o700)


def test_run_refuses_undefined_infrastructure_project(tmp_path, capsys, no_execution):
    cfg = write(tmp_path / "cfg.toml", '[infrastructure]\nenabled = true\n'
                'project_ids = ["no_such_project"]\n')
    out_dir = tmp_path / "results"
    code, _out, err = cli(capsys, "run", str(cfg), "--out", str(out_dir), "--workers", "1",
                          "--progress", "off")
    assert_one_clean_error(code, err, "key 'infrastructure.project_ids[0]'", "no_such_project")
    assert not out_dir.exists()


# --------------------------------------------------------------------------------------------
# 5. The real entry point (subprocess): the same behaviour as in-process
# --------------------------------------------------------------------------------------------
def _subprocess_cases(tmp: Path) -> list[tuple[list[str], list[str], Path | None]]:
    data = copy_data(tmp)
    duplicate_row(data, "towns", "daze")
    write(tmp / "data_cfg.toml", '[region]\ndata_dir = "data"\n')
    write(tmp / "neg.toml", "[land]\ntown_free_land_mu = -1.0\n")
    write(tmp / "exp.toml", EXP_HEAD + SCEN + '[[scenarios]]\nname = "baseline"\n')
    return [
        (["validate", str(tmp / "data_cfg.toml")], ["towns.csv", "duplicate id"], None),
        (["info", str(tmp / "neg.toml")], ["land.town_free_land_mu", "-1.0"], None),
        (["run", str(tmp / "exp.toml"), "--out", str(tmp / "out1"), "--progress", "off"],
         ["duplicate scenario name"], tmp / "out1"),
    ]


def test_real_entry_point_exits_2_cleanly(tmp_path):
    cases = _subprocess_cases(tmp_path)
    procs = [subprocess.Popen([sys.executable, "-m", "simxh", *argv], cwd=ROOT, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for argv, _fragments, _out in cases]
    for proc, (_argv, fragments, out_dir) in zip(procs, cases):
        stdout, stderr = proc.communicate(timeout=120)
        assert_one_clean_error(proc.returncode, stderr, *fragments)
        assert stdout == ""
        if out_dir is not None:
            assert not out_dir.exists()

