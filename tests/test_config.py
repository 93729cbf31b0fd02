"""Config loading and validation: every error names file, key, value and what was expected."""

from __future__ import annotations

from pathlib import Path

import pytest

from simxh.config import load_config, parameters, parse_override
from simxh.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    p = tmp_path / name
    if isinstance(text, bytes):
        p.write_bytes(text)
    else:
        p.write_text(text, encoding="utf-8")
    return p


def test_defaults_are_the_baseline_file():
    assert load_config() == load_config(ROOT / "configs" / "baseline.toml")


def test_extends_overrides_parent_keys(tmp_path):
    write(tmp_path, "base.toml", "[run]\nend_year = 2040\n[access]\ndistance_decay = 1.1\n")
    child = write(tmp_path, "child.toml", 'extends = "base.toml"\n[run]\nend_year = 2030\n')
    cfg = load_config(child)
    assert cfg.run.end_year == 2030
    assert cfg.access.distance_decay == 1.1


def test_set_override_parsed_and_validated():
    cfg = load_config(None, ["run.end_year=2031", "network.detour_factor=1.5"])
    assert cfg.run.end_year == 2031 and cfg.network.detour_factor == 1.5
    assert parse_override("a.b=hello") == ("a.b", "hello")
    assert parse_override("a.b=[1, 2]") == ("a.b", [1, 2])


def test_with_overrides_returns_new_config():
    base = load_config()
    new = base.with_overrides({"run.end_year": 2030})
    assert new.run.end_year == 2030 and base.run.end_year == 2035
    assert new.digest() != base.digest()


@pytest.mark.parametrize(
    ("text", "key", "fragments"),
    [
        ("[run]\nend_yaer = 2030\n", "run.end_yaer", ["unknown key", "did you mean 'end_year'"]),
        ("[runn]\nend_year = 2030\n", "runn", ["unknown section", "did you mean 'run'"]),
        ("[run]\nend_year = '2030'\n", "run.end_year", ["wrong type", "'2030'", "an integer"]),
        ("[run]\nend_year = 1999\n", "run.end_year", ["out of range", "1999", "[2016, 2060]"]),
        ("[network]\ndetour_factor = nan\n", "network.detour_factor", ["not a finite number"]),
        ("[network]\ndetour_factor = inf\n", "network.detour_factor", ["not a finite number"]),
        ("[network]\nspeed_road_kmh = -5.0\n", "network.speed_road_kmh", ["out of range", "-5.0"]),
        ("[network]\nspeed_road_kmh = true\n", "network.speed_road_kmh", ["wrong type", "True"]),
        ("run = 3\n", "run", ["wrong type", "a table"]),
    ],
)
def test_bad_values_name_file_key_value_expected(tmp_path, text, key, fragments):
    path = write(tmp_path, "bad.toml", text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    msg = str(info.value)
    assert str(path) in msg
    assert f"key '{key}'" in msg
    for fragment in fragments:
        assert fragment in msg


def test_error_names_the_file_the_bad_key_came_from(tmp_path):
    parent = write(tmp_path, "parent.toml", "[run]\nend_year = 3000\n")
    child = write(tmp_path, "child.toml", 'extends = "parent.toml"\n[access]\ndistance_decay = 1.0\n')
    with pytest.raises(ConfigError) as info:
        load_config(child)
    assert str(info.value).startswith(str(parent.resolve()))


def test_override_error_names_set(tmp_path):
    with pytest.raises(ConfigError, match=r"^--set: key 'run.end_year': out of range"):
        load_config(None, ["run.end_year=1900"])
    with pytest.raises(ConfigError, match="malformed override"):
        load_config(None, ["run.end_year"])


def test_invalid_toml_gives_file_and_line(tmp_path):
    path = write(tmp_path, "broken.toml", "[run]\nend_year = 2030\nstart_year = = 1\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert f"{path}:3" in str(info.value) and "invalid TOML" in str(info.value)


def test_non_utf8_file(tmp_path):
    path = write(tmp_path, "gbk.toml", "# 新会\n[run]\n".encode("gbk"))
    with pytest.raises(ConfigError, match="not valid UTF-8"):
        load_config(path)


def test_missing_file_and_missing_parent(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.toml")
    child = write(tmp_path, "child.toml", 'extends = "gone.toml"\n')
    with pytest.raises(ConfigError, match="extended file not found"):
        load_config(child)


def test_extends_cycle(tmp_path):
    write(tmp_path, "a.toml", 'extends = "b.toml"\n')
    b = write(tmp_path, "b.toml", 'extends = "a.toml"\n')
    with pytest.raises(ConfigError, match="cycle"):
        load_config(b)


def test_parameters_document_every_field():
    rows = parameters()
    keys = {r["key"] for r in rows}
    assert {"run.end_year", "access.distance_decay", "network.detour_factor"} <= keys
    decay = next(r for r in rows if r["key"] == "access.distance_decay")
    assert decay["default"] == 0.9 and "Disdier" in decay["source"]
