"""Issue 20, item 3: a design is read per point, against an unswept reference.

Two identical scenarios (the reference and a copy) over a design that sets the expressway speed
to 85 (the default) or 135 km/h. The fake model grows faster with speed, so the copy differs from
the reference only where the design moves the speed away from the default. The reference stays
the unswept baseline: it runs once per replication, without the design's value.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest

from simxh.analysis import compare, read_csv
from simxh.commands.status import status
from simxh.experiment import load_experiment
from simxh.runner import run_experiment

sys.path.insert(0, str(Path(__file__).parent))
from test_experiment_helpers import fake_simulate  # noqa: E402

KEY = "network.speed_expressway_kmh"
EXPERIMENT = f"""
[experiment]
name = "per_point"
seed = 7
replications = 3
end_year = 2026
outputs = ["gdp_yi"]
years = [2026]

[[scenarios]]
name = "baseline"
reference = true

[[scenarios]]
name = "copy"

[[uncertainties]]
key = "{KEY}"
values = [85.0, 135.0]

[design]
kind = "factorial"
"""
TARGETS = pd.DataFrame({"id": ["gdp_high"], "metric": ["gdp_yi"], "comparator": [">="],
                        "value": [1260.0], "year": [2026], "year_end": [None],
                        "kind": ["level"]})


def _run(tmp_path: Path, extra: str = "") -> tuple[Path, dict]:
    path = tmp_path / "exp.toml"
    path.write_text(EXPERIMENT.replace('reference = true\n', 'reference = true\n' + extra))
    out = tmp_path / "out"
    run_experiment(load_experiment(path), out, workers=1, run_fn=fake_simulate, progress="off")
    return out, compare(out, targets=TARGETS)


def test_design_targets_and_effects_per_point_against_an_unswept_reference(
        tmp_path: Path) -> None:
    out, tables = _run(tmp_path)
    district = pd.read_parquet(out / "district.parquet")
    ref = district[district["scenario"] == "baseline"]
    # the reference is not swept: one run per replication, point -1, no design value
    assert set(ref["point"]) == {-1} and ref["replication"].nunique() == 3
    assert ref[KEY].isna().all()
    assert status(out)["planned"] == 3 + 2 * 3 and status(out)["pending"] == 0
    # ... and it is the baseline: the copy at the default speed equals it exactly
    copy = district[district["scenario"] == "copy"]
    at_default = copy[copy[KEY] == 85.0].set_index(["replication", "year"])["gdp_yi"]
    assert at_default.equals(ref.set_index(["replication", "year"])["gdp_yi"])

    pairs = read_csv(out / "summary" / "paired_differences.csv")
    assert {"point", KEY} <= set(pairs.columns)
    per_point = pairs[pairs["point"].notna()].set_index(KEY)
    assert list(per_point["scenario"]) == ["copy", "copy"]
    assert per_point.loc[85.0, "mean"] == 0.0 and per_point.loc[85.0, "n"] == 3
    assert per_point.loc[135.0, "mean"] > 100.0
    pooled = pairs[pairs["point"].isna()]
    assert len(pooled) == 1 and pooled["n"].iloc[0] == 6   # every point paired with the reference

    targets = read_csv(out / "summary" / "targets.csv")
    assert {"point", KEY} <= set(targets.columns)
    rows = targets[targets["point"].notna()].set_index(KEY)
    assert list(rows["scenario"]) == ["copy", "copy"]       # no per-point rows of the reference
    assert rows.loc[85.0, "probability"] == 0.0 and rows.loc[135.0, "probability"] == 1.0
    assert (rows["n"] == 3).all()
    ref_rows = targets[targets["scenario"] == "baseline"]
    assert len(ref_rows) == 1 and ref_rows["point"].isna().all()
    assert ref_rows["probability"].iloc[0] == 0.0
    meta = json.loads((out / "summary" / "metadata.json").read_text())
    assert meta["design"]["unswept"] == ["baseline"] and meta["design"]["factors"] == [KEY]
    assert "targets" in tables
    # regret pools the units (point, replication): the unswept reference is paired with both
    # points; it loses the copy's gain at 135 km/h and nothing at the default speed
    regret = read_csv(out / "summary" / "regret.csv").set_index("scenario")
    assert (regret["n"] == 6).all() and regret.loc["copy", "max_regret"] == 0.0
    assert regret.loc["baseline", "mean_regret"] == pytest.approx(per_point.loc[135.0, "mean"] / 2)


@pytest.mark.slow
def test_sweep_true_sweeps_the_reference_too(tmp_path: Path) -> None:
    out, _ = _run(tmp_path, "sweep = true\n")
    district = pd.read_parquet(out / "district.parquet")
    ref = district[district["scenario"] == "baseline"]
    assert set(ref["point"]) == {0, 1} and set(ref[KEY]) == {85.0, 135.0}
    pairs = read_csv(out / "summary" / "paired_differences.csv")
    # swept alike, the two identical scenarios do not differ at any point
    assert (pairs["mean"] == 0.0).all() and len(pairs) == 3
    targets = read_csv(out / "summary" / "targets.csv")
    assert set(targets.loc[targets["point"].notna(), "scenario"]) == {"baseline", "copy"}
