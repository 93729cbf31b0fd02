"""No behavioural constants in the model's code: every number is a config parameter.

Parses the model's modules with ``ast`` and fails on any numeric literal that is not in
``tests/literal_allowlist.toml`` (each entry there gives its reason). A new behavioural
constant belongs in ``simxh/config.py`` as a ``param(...)`` with a unit, a range, a status and a
source (``python -m simxh.paramdoc docs/ODD.md`` then updates the ODD's parameter tables).
"""

from __future__ import annotations

import ast
import tomllib
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MODEL_MODULES = sorted([ROOT / "simxh" / "model.py", ROOT / "simxh" / "firms.py",
                        ROOT / "simxh" / "agents.py", ROOT / "simxh" / "reporters.py",
                        *(ROOT / "simxh" / "processes").glob("*.py")])


def numeric_literals(source: str) -> list[tuple[int | float, int]]:
    """(value, line) of every int or float literal (bools are not numbers here; a negative
    number is a minus applied to its literal)."""
    return [(node.value, node.lineno) for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Constant) and type(node.value) in (int, float, complex)]


def allowlist() -> list[dict]:
    entries = tomllib.loads((Path(__file__).parent / "literal_allowlist.toml").read_text(
        encoding="utf-8"))["allow"]
    for e in entries:
        assert e.get("reason", "").strip(), f"allow-list entry {e} has no reason"
    return entries


def violations(path: Path, entries: list[dict]) -> list[str]:
    module = path.stem
    found = numeric_literals(path.read_text(encoding="utf-8"))
    counts = Counter(v for v, _ in found)
    out = []
    for value, n in counts.items():
        entry = next((e for e in entries if e["value"] == value
                      and ("modules" not in e or module in e["modules"])), None)
        if entry is None or n > entry.get("count", n):
            lines = [ln for v, ln in found if v == value]
            out.append(f"{path.name}: {value!r} at line(s) {lines}")
    return out


def test_model_modules_are_found():
    names = {p.stem for p in MODEL_MODULES}
    assert {"model", "firms", "agents", "reporters", "industry", "attraction", "towns",
            "finance", "infrastructure", "villages"} <= names


@pytest.mark.parametrize("path", MODEL_MODULES, ids=lambda p: p.stem)
def test_no_numeric_literal_outside_the_allowlist(path):
    bad = violations(path, allowlist())
    assert not bad, ("numeric literals in the model's code (make each a config param(...) "
                     "in simxh/config.py, or add it to tests/literal_allowlist.toml with a "
                     "reason):\n" + "\n".join(bad))


def test_the_check_catches_a_new_literal(tmp_path):
    path = tmp_path / "industry.py"
    path.write_text("def f(x):\n    return 0.37 * x + 1\n", encoding="utf-8")
    assert violations(path, allowlist()) and "0.37" in violations(path, allowlist())[0]
    path.write_text("def f(x):\n    return x * 1e-9 + 100.0 * 1e-9 + 1e-9 + 1e-9\n",
                    encoding="utf-8")
    assert violations(path, allowlist())  # 1e-9 four times: over the allowed count
