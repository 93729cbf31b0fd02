"""The brief's audit section (simxh.report.brief.audit_lines) on synthetic audit.csv files, and
``simxh report --audit``'s runner (simxh.commands.report.run_audits) with the audit stubbed."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

from simxh.audit import COLUMNS
from simxh.commands import report as cmd
from simxh.errors import UserError
from simxh.report.brief import audit_lines, read_audit, scenario_config_files


def _table(passes: list[bool]) -> pd.DataFrame:
    rows = []
    for i, ok in enumerate(passes):
        rows.append({"group": "long run" if i == 0 else "noise", "check": f"check {i}",
                     "value": 3.5 + i, "low": -math.inf if i == 0 else 0.8, "high": 2.5,
                     "source": "issue 19 criterion", "pass": ok,
                     "detail": "95 % CI 1 … 2" if i == 1 else ""})
    return pd.DataFrame(rows, columns=list(COLUMNS))


def _write(directory: Path, scenario: str, passes: list[bool]) -> None:
    out = directory / "audit" / scenario
    out.mkdir(parents=True)
    _table(passes).to_csv(out / "audit.csv", index=False)


def test_counts_passes_and_lists_each_failed_check_with_value_and_range(tmp_path):
    _write(tmp_path, "baseline", [False, False, True, True])
    lines = audit_lines(tmp_path, ["baseline"], "en", configs={"baseline": "configs/b.toml"},
                        labels={"baseline": "Baseline"})
    text = "\n".join(lines)
    assert "passed 2 of 4 checks" in text
    assert "[audit.md](audit/baseline/audit.md)" in text
    failed = [line for line in lines if line.startswith("  - ")]
    assert failed == ["  - long run: check 0 = 3.5 (range [−∞, 2.5])",
                      "  - noise: check 1 = 4.5 (range [0.8, 2.5]; 95 % CI 1 … 2)"]
    assert "check 2" not in text and "check 3" not in text  # passed checks are not listed


def test_all_pass_says_so_in_both_languages(tmp_path):
    _write(tmp_path, "combined", [True, True, True])
    en = "\n".join(audit_lines(tmp_path, ["combined"], "en"))
    zh = "\n".join(audit_lines(tmp_path, ["combined"], "zh"))
    assert "passed 3 of 3 checks ([audit.md](audit/combined/audit.md)), all pass" in en
    assert "通过3/3项检查（[audit.md](audit/combined/audit.md)），全部通过" in zh
    assert "  - " not in en


def test_not_audited_when_no_audit_csv(tmp_path):
    lines = audit_lines(tmp_path, ["baseline", "combined"], "en",
                        configs={"baseline": "configs/baseline.toml", "combined": None})
    text = "\n".join(lines)
    assert "not audited" in text and "passed" not in text
    assert f"`simxh audit configs/baseline.toml --out {tmp_path}/audit/baseline`" in text
    assert f"`simxh report {tmp_path} --audit combined`" in text
    zh = "\n".join(audit_lines(tmp_path, ["baseline"], "zh"))
    assert "未经审计" in zh


def test_a_missing_scenario_among_audited_ones_gets_its_command(tmp_path):
    _write(tmp_path, "baseline", [True])
    lines = audit_lines(tmp_path, ["baseline", "pairing"], "en",
                        configs={"pairing": "configs/pairing.toml"})
    pairing = [line for line in lines if "`pairing`" in line]
    assert len(pairing) == 1 and "not audited: run `simxh audit configs/pairing.toml" in pairing[0]
    assert any("passed 1 of 1" in line for line in lines)


def test_an_unreadable_audit_is_said_not_counted(tmp_path):
    out = tmp_path / "audit" / "baseline"
    out.mkdir(parents=True)
    (out / "audit.csv").write_text("group,check\nx,y\n", encoding="utf-8")
    text = "\n".join(audit_lines(tmp_path, ["baseline"], "en"))
    assert "unreadable" in text and "pass" in text and "passed" not in text
    with pytest.raises(ValueError):
        read_audit(out / "audit.csv")


def test_pass_column_read_as_booleans(tmp_path):
    _write(tmp_path, "baseline", [True, False])
    path = tmp_path / "audit" / "baseline" / "audit.csv"
    table = read_audit(path)
    assert table["pass"].tolist() == [True, False]
    assert table["low"].iloc[0] == -math.inf
    raw = pd.read_csv(path)
    raw["pass"] = [1, 0]  # written by another tool as 1/0
    raw.to_csv(path, index=False)
    assert read_audit(path)["pass"].tolist() == [True, False]
    assert "passed 1 of 2 checks" in "\n".join(audit_lines(tmp_path, ["baseline"], "en"))


def _results_dir(tmp_path: Path) -> Path:
    (tmp_path / "a.toml").write_text("", encoding="utf-8")
    manifest = {"scenarios": ["baseline", "same", "other"], "reference": "baseline",
                "configs": {"baseline": {"file": str(tmp_path / "a.toml")},
                            "same": {"file": str(tmp_path / "a.toml")},
                            "other": {"file": None}}}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return tmp_path


def test_run_audits_writes_each_scenario_and_shares_a_config(tmp_path, monkeypatch):
    calls = []

    def fake_audit(config, settings, workers=1):
        calls.append((config, len(settings.seeds)))
        return _table([True, False])

    monkeypatch.setattr("simxh.audit.audit", fake_audit)
    d = _results_dir(tmp_path)
    lines = cmd.run_audits(d, [], seeds=3, workers=1)
    assert [c[1] for c in calls] == [3, 3]  # a.toml once (shared), the built-in defaults once
    assert {c[0] for c in calls} == {str(d / "a.toml"), None}
    for scen in ("baseline", "same", "other"):
        assert (d / "audit" / scen / "audit.csv").is_file()
        assert (d / "audit" / scen / "audit.md").is_file()
    assert lines[0].startswith("audit baseline: 1/2 checks pass")
    text = "\n".join(audit_lines(d, ["baseline", "other"], "en",
                                 configs=scenario_config_files(json.loads(
                                     (d / "manifest.json").read_text()))))
    assert text.count("passed 1 of 2 checks") == 2


def test_run_audits_named_scenarios_and_bad_input(tmp_path, monkeypatch):
    monkeypatch.setattr("simxh.audit.audit", lambda config, settings, workers=1: _table([True]))
    d = _results_dir(tmp_path)
    cmd.run_audits(d, ["other"], seeds=2, workers=1, keep_reference=True)
    assert sorted(p.name for p in (d / "audit").iterdir()) == ["baseline", "other"]
    with pytest.raises(UserError, match="unknown scenario"):
        cmd.run_audits(d, ["nope"], workers=1)
    with pytest.raises(UserError, match="out of range"):
        cmd.run_audits(d, ["baseline"], seeds=1, workers=1)


def test_the_brief_has_the_audit_section(tmp_path):
    from test_report_fixtures import make_results

    from simxh.report import prepare
    from simxh.report.brief import write_brief

    root = make_results(tmp_path / "res", replications=2, end_year=2026)
    _write(root, "baseline", [True, False])
    ctx, prov = prepare(root, lang="en")
    text = write_brief(ctx, [], ["png"], prov, root / "brief.md").read_text(encoding="utf-8")
    section = text.split("## Audit", 1)[1].split("## Caveats", 1)[0]
    assert "passed 1 of 2 checks ([audit.md](audit/baseline/audit.md))" in section
    assert "  - noise: check 1 = 4.5" in section
    assert "`integration`" in section and "not audited: run `simxh report" in section
