"""Issue 22, item 5: docs/plan-coverage.md accounts for the plan's actions, constructions and
numeric targets; every row has one status; a target it lists as scored is in targets.csv and
is scored on a model output; every config key and file it names exists."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from simxh.config import parameters
from simxh.reporters import DISTRICT_REPORTERS

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "plan-coverage.md"
STATUSES = {"represented", "scored", "outside"}


def tables(text: str) -> dict[str, list[dict[str, str]]]:
    """The rows of each table under a '## ' heading, as dicts keyed by the header cells."""
    out: dict[str, list[dict[str, str]]] = {}
    for section in re.split(r"^## ", text, flags=re.M)[1:]:
        title, body = section.split("\n", 1)
        lines = [ln for ln in body.splitlines() if ln.startswith("|")]
        if len(lines) < 3:
            continue
        header = [c.strip() for c in lines[0].strip("|").split("|")]
        out[title.strip()] = [dict(zip(header, [c.strip() for c in ln.strip("|").split("|")],
                                       strict=True)) for ln in lines[2:]]
    return out


def test_every_row_has_one_status_and_scored_targets_are_in_targets_csv() -> None:
    found = tables(DOC.read_text(encoding="utf-8"))
    actions = found["The ten actions (十大行动)"]
    constructions = found["The ten constructions (十大建设)"]
    targets_rows = found["Numeric targets"]
    assert len(actions) == 10                       # the article lists ten actions
    assert len(constructions) == 9                  # … and nine constructions (the doc says so)
    assert len(targets_rows) >= 15
    targets = pd.read_csv(ROOT / "simxh" / "data" / "targets.csv").set_index("id")
    scored_ids: list[str] = []
    for row in actions + constructions + targets_rows:
        assert row["Status"] in STATUSES, row
        assert row["Where in the model / why not"], row   # a reason or a place, never empty
        if row["Status"] == "scored":
            ident = re.match(r"`([a-z0-9_]+)`", row["Where in the model / why not"])
            assert ident, row
            scored_ids.append(ident.group(1))
    for ident in scored_ids:
        assert ident in targets.index, ident
        assert targets.loc[ident, "metric"] in DISTRICT_REPORTERS, ident   # really scored
    # every target of targets.csv is accounted for somewhere in the doc
    text = DOC.read_text(encoding="utf-8")
    assert [t for t in targets.index if f"`{t}`" not in text] == []


def test_named_config_keys_and_files_exist() -> None:
    text = DOC.read_text(encoding="utf-8")
    keys = {p["key"] for p in parameters()}
    sections = {k.split(".")[0] for k in keys}
    named = [t for t in re.findall(r"`([a-z_]+\.[a-z0-9_]+)`", text)
             if t.split(".")[0] in sections]
    assert named and [k for k in named if k not in keys] == []
    files = re.findall(r"`(simxh/[\w/]+\.(?:py|csv))`", text)
    assert files and [f for f in files if not (ROOT / f).is_file()] == []
