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


ROOT = ODD.parents[1]


@pytest.mark.parametrize("page", ["README.md", "docs/usage.md", "benchmarks/README.md"])
def test_relative_links_and_images_resolve(page: str) -> None:
    import re

    path = ROOT / page
    for target in re.findall(r"\]\(([^)\s]+)\)", path.read_text(encoding="utf-8")):
        if target.startswith(("http://", "https://", "#", "mailto:")):
            continue
        file = target.split("#", 1)[0]
        assert (path.parent / file).exists(), f"{page}: broken link {target}"


def test_readme_is_a_short_start() -> None:
    """Issue 20: under about 150 lines, the two commands with their times, a picture, the Mesa
    guard, and the long sections kept in docs/usage.md and benchmarks/README.md."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 150
    for needle in ("make run", "make test", "make test-fast", "![", 'if __name__ == "__main__":',
                   "--html", "docs/usage.md", "benchmarks/README.md", "wait_for"):
        assert needle in text, needle
    usage = (ROOT / "docs" / "usage.md").read_text(encoding="utf-8")
    for section in ("### Use from Mesa", "### Reading the tables", "### What the bands include",
                    "### Estimation and validation", "### Audit", "## Layout"):
        assert section in usage, section
    assert "## In short" in (ROOT / "benchmarks" / "README.md").read_text(encoding="utf-8")
