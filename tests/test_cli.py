"""The command line: info, validate, --version, and clean errors (exit 2, no traceback)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from simxh import __version__
from simxh.cli import main

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "simxh", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=120)


def test_version():
    proc = run_cli("--version")
    assert proc.returncode == 0 and proc.stdout.strip() == f"simxh {__version__}"


def test_info_shows_towns_zones_parks_externals(capsys):
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    for name in ("会城街道", "大泽镇", "司前镇", "罗坑镇", "双水镇", "崖门镇", "沙堆镇", "古井镇", "三江镇",
                 "睦洲镇", "大鳌镇"):
        assert name in out
    for zone in ("圭峰名城", "潭江", "银洲湖西岸", "银洲湖东岸"):
        assert zone in out
    assert "transport layer connected" in out
    assert "Inputs by provenance:" in out and "assumed" in out
    parks = int(out.split("Parks/platforms: ")[1].split()[0])
    ext = int(out.split("External markets: ")[1].split()[0])
    assert parks >= 8 and ext >= 7


def test_validate_baseline_ok(capsys):
    assert main(["validate", str(ROOT / "configs" / "baseline.toml")]) == 0
    assert capsys.readouterr().out.startswith("OK")


def test_every_shipped_config_validates(capsys):
    files = sorted(str(p) for p in (ROOT / "configs").glob("*.toml"))
    assert main(["validate", *files]) == 0
    assert capsys.readouterr().out.count("OK") == len(files)


def test_bad_config_exits_2_without_traceback(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[run]\nend_yaer = 2030\n", encoding="utf-8")
    proc = run_cli("validate", str(bad))
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert str(bad) in proc.stderr and "run.end_yaer" in proc.stderr and "did you mean" in proc.stderr
    assert proc.stderr.count("\n") == 1  # one clear line


def test_bad_set_override_exits_2(tmp_path):
    proc = run_cli("info", "--set", "access.distance_decay=-1")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "--set: key 'access.distance_decay': out of range (got -1.0)" in proc.stderr


@pytest.mark.parametrize("args", [["nosuchcommand"], ["validate"]])
def test_usage_errors_exit_2(args):
    proc = run_cli(*args)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
