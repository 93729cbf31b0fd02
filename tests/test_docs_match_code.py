"""Facts the docs state about the code, checked against the code (issue 21: four documents had
drifted: config.md's end-year range and its list of commands that take --set, the count of
estimated parameters, and baseline.toml's commented defaults of renamed or re-estimated
parameters)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from simxh import cli
from simxh.config import parameters
from simxh.posterior import shipped_summary

ROOT = Path(__file__).resolve().parents[1]
NUMBER_WORDS = {"six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11,
                "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15}
DEFAULTS = {p["key"]: p for p in parameters()}


def _read(rel: str) -> str:
    return (ROOT / rel).read_text(encoding="utf-8")


def test_config_md_lists_every_command_that_takes_set():
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if a.choices and "run" in a.choices)
    takes_set = {name for name, p in sub.choices.items()
                 if any("--set" in a.option_strings for a in p._actions)}
    text = _read("docs/config.md")
    sentence = re.search(r"takes `--set dotted\.key=value` \(repeatable\):(.*?)\. \(", text,
                         flags=re.DOTALL).group(1)
    named = set(re.findall(r"`([a-z]+)`", sentence))
    assert named == takes_set, f"config.md names {sorted(named)}; --set is on {sorted(takes_set)}"


def test_config_md_range_messages_are_the_codes():
    for key, low, high in re.findall(
            r"key '([a-z_.]+)': out of range \(got [^)]*\); expected a value in \[(\S+), (\S+)\]",
            _read("docs/config.md")):
        p = DEFAULTS[key]
        assert (float(low), float(high)) == (p["min"], p["max"]), key


@pytest.mark.parametrize("doc", ["docs/ODD.md", "docs/validation.md"])
def test_count_of_estimated_parameters(doc):
    n = len(shipped_summary())
    assert n == sum(p["status"] == "estimated" for p in DEFAULTS.values())
    counts = re.findall(r"\b(\w+) parameters (?:are \*{0,2}estimated|by ABC)", _read(doc),
                        flags=re.IGNORECASE)
    counts += re.findall(r"fits (\w+) parameters", _read(doc))
    assert counts, f"{doc} states no count of estimated parameters"
    for word in counts:
        assert NUMBER_WORDS.get(word.lower()) == n, f"{doc} says {word}; {n} are estimated"


def _commented_defaults(path: str) -> dict[str, str]:
    """``section.key: value`` of the commented-out ``# key = value`` lines under ``# [section]``."""
    out, section = {}, None
    for line in _read(path).splitlines():
        if m := re.match(r"# \[([a-z_]+)\]\s*$", line):
            section = m.group(1)
        elif section and (m := re.match(r"# ([a-z_]+) = ([^#\s]+)", line)):
            out[f"{section}.{m.group(1)}"] = m.group(2)
        elif not line.startswith("#"):
            section = None
    return out


def test_baseline_toml_commented_defaults_are_current():
    """Each commented-out line of configs/baseline.toml names a real key with its current default
    (or, for a key whose default is unset, a valid what-if value)."""
    found = _commented_defaults("configs/baseline.toml")
    assert len(found) >= 10
    for key, text in found.items():
        assert key in DEFAULTS, f"configs/baseline.toml comments on {key}: no such parameter"
        value = tomllib.loads(f"v = {text}")["v"]
        default = DEFAULTS[key]["default"]
        if default is None:
            continue
        assert value == default, f"configs/baseline.toml: {key} = {value}; default is {default}"


def test_sensitivity_comments_give_the_current_default():
    text = _read("experiments/sensitivity.toml")
    for key, comment in re.findall(r'key = "([a-z_.]+)"\s*#\s*(.*)', text):
        p = DEFAULTS[key]
        if p["status"] == "estimated":
            assert "ESTIMATED" in comment, key
            continue
        stated = re.search(r"default ([0-9.]+)", comment)
        assert stated and float(stated.group(1)) == p["default"], f"{key}: {comment}"
