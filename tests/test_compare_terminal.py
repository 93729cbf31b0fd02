"""Issue 20, item 6: ``simxh compare`` prints a short headline table and the files it wrote
(under 40 lines for experiments/policy_comparison.toml); ``--verbose`` prints the full tables.

The experiment file itself is run (2 replications) with a fast stand-in model that writes every
output the experiment analyses, so the terminal sees its 7 scenarios, 12 outputs, 5 years and
the plan targets.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from simxh.cli import main
from simxh.experiment import load_experiment
from simxh.runner import run_experiment

sys.path.insert(0, str(Path(__file__).parent))
from test_experiment_helpers import FakeResult, fake_simulate  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
EXPERIMENT = ROOT / "experiments" / "policy_comparison.toml"


def every_output(config: Any = None, seed: int = 0, overrides: Any = None, *,
                 scenario: str = "", replication: int = 0, **_: Any) -> FakeResult:
    """The fake model, with each of the experiment's outputs (scaled GDP) and lever money."""
    result = fake_simulate(config, seed, overrides, scenario=scenario, replication=replication)
    district = result.district
    for i, name in enumerate(load_experiment(EXPERIMENT).outputs):
        if name not in district.columns:
            district[name] = district["gdp_yi"] * (0.01 * (i + 1))
    district["gdp_nominal_yi"] = district["gdp_yi"] * 1.02
    district["lever_spend_yi"] = 0.0 if scenario == "baseline" else 1.0 + len(scenario) / 10
    return FakeResult(district, result.towns)


@pytest.mark.slow
def test_compare_prints_a_short_headline_and_verbose_the_full_tables(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "pc"
    run_experiment(load_experiment(EXPERIMENT, replications=2), out, workers=1,
                   run_fn=every_output, progress="off")
    capsys.readouterr()
    assert main(["compare", str(out)]) == 0
    short = capsys.readouterr().out.splitlines()
    assert len(short) < 40, "\n".join(short)
    assert short[0].startswith("headline 2035: scenario − baseline")
    for scenario in ("integration", "pairing", "infrastructure", "attraction",
                     "tech_renovation", "combined"):
        assert any(line.lstrip().startswith(scenario) for line in short)
    assert any("targets likely" in line for line in short)
    for name in ("summary", "paired_differences", "targets", "cost_effectiveness"):
        assert f"  {out / 'summary' / name}.csv" in short
    assert main(["compare", str(out), "--verbose"]) == 0
    full = capsys.readouterr().out.splitlines()
    assert len(full) > 60 and any("paired differences" in line for line in full)
