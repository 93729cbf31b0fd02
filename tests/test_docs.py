"""The parameter tables of docs/ODD.md are generated from the config schema and kept current."""

from __future__ import annotations

from pathlib import Path

import pytest

from simxh.paramdoc import render

ODD = Path(__file__).resolve().parents[1] / "docs" / "ODD.md"


@pytest.mark.skipif(not ODD.exists(), reason="docs/ODD.md not in this checkout")
def test_odd_parameter_tables_are_up_to_date() -> None:
    text = ODD.read_text(encoding="utf-8")
    assert render(text) == text, "docs/ODD.md is out of date: run python -m simxh.paramdoc docs/ODD.md"
    # every estimated parameter shows its status and 90 % interval
    for key in ("firms.tfp_frontier_share", "labour.migration_speed", "attraction.projects_per_year"):
        row = next(line for line in text.splitlines() if line.startswith(f"| `{key}` |"))
        assert "**estimated**" in row and "90% interval" in row
