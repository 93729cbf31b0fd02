"""Silent failure (issue item 8): a run whose outputs become NaN or infinite stops with
:class:`simxh.errors.NonFiniteOutput` naming the first variable and the year; a sweep records
it as failed and writes no row for it; ``simxh run`` says so in one line. The zero-tax config
that used to give NaN GDP is refused by validation (tests/test_bad_input.py); here it is
forced past validation to show the guard catches it too."""

from __future__ import annotations

import dataclasses
import json
import pickle
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import simxh
from simxh.cli import main
from simxh.config import load_config
from simxh.errors import ModelFailure, NonFiniteOutput, UserError
from simxh.experiment import load_experiment
from simxh.guards import check_tables, check_year
from simxh.processes.finance import PublicFinance
from simxh.runner import run_experiment

sys.path.insert(0, str(Path(__file__).parent))
from test_experiment_helpers import fake_simulate  # noqa: E402

ZERO_TAX = {"vat_rate": 0.0, "services_vat_rate": 0.0, "cit_rate": 0.0, "other_tax_rate": 0.0,
            "land_tax_rate": 0.0}
NAN_YEAR = 2025


@pytest.fixture
def nan_revenue(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the finance process write NaN into one town's revenue in NAN_YEAR."""
    original = PublicFinance.tax_revenue

    def tax_revenue(self: PublicFinance) -> None:
        original(self)
        if self.m.year == NAN_YEAR:
            self.town_revenue_yi[3] = np.nan

    monkeypatch.setattr(PublicFinance, "tax_revenue", tax_revenue)


def test_nan_in_a_process_stops_the_run_naming_variable_and_year(nan_revenue) -> None:
    with pytest.raises(NonFiniteOutput) as info:
        simxh.simulate(None, seed=1, overrides={"run.end_year": 2027})
    exc = info.value
    # revenue comes after GDP, employment... in the year: the first reporter that is NaN
    assert (exc.table, exc.variable, exc.year) == ("district", "fiscal_revenue_yi", NAN_YEAR)
    text = str(exc)
    assert "'fiscal_revenue_yi'" in text and str(NAN_YEAR) in text and "\n" not in text
    assert isinstance(exc, ModelFailure) and isinstance(exc, UserError)


def test_the_model_stops_in_that_year(nan_revenue) -> None:
    m = simxh.XinhuiModel(seed=1, overrides={"run.end_year": 2027})
    m.step()  # 2024 is fine
    with pytest.raises(NonFiniteOutput):
        m.step()
    assert m.year == NAN_YEAR


def test_zero_tax_config_forced_past_validation_fails_in_the_base_year() -> None:
    """The referee's config (all five tax rates 0), built without validation: the collection
    factor is 1/0 and revenue NaN from the base year; the run stops there, naming it."""
    cfg = load_config()
    cfg = dataclasses.replace(cfg, fiscal=dataclasses.replace(cfg.fiscal, **ZERO_TAX))
    with np.errstate(all="ignore"), pytest.raises(NonFiniteOutput) as info:
        simxh.simulate(cfg, seed=1)
    assert (info.value.variable, info.value.year) == ("fiscal_revenue_yi", 2023)


def test_base_year_growth_rates_are_exempt_and_nothing_else() -> None:
    m = simxh.XinhuiModel(seed=1, overrides={"run.end_year": 2024})
    assert np.isnan(m.datacollector.model_vars["weakest_town_growth_pct"][-1])
    check_year(m)  # the base year has no growth rate: not an error
    m.datacollector.model_vars["gdp_yi"][-1] = float("inf")
    with pytest.raises(NonFiniteOutput, match="district 'gdp_yi' is inf in 2023"):
        check_year(m)


def test_towns_and_villages_are_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    m = simxh.XinhuiModel(seed=1, overrides={"run.end_year": 2025})
    m.step()
    check_year(m)
    records = m.datacollector._agenttype_records
    rows = next(reversed(records.values()))
    town_type = next(iter(rows))
    names = list(m.datacollector.agenttype_reporters[town_type])
    col = names.index("town_accessibility") + 2  # a record: step, agent id, values
    row = list(rows[town_type][4])
    saved = rows[town_type][4]
    row[col] = float("-inf")
    rows[town_type][4] = tuple(row)
    town = row[names.index("town") + 2]
    with pytest.raises(NonFiniteOutput,
                       match=f"towns 'accessibility' of town '{town}' is -inf in 2024"):
        check_year(m)
    rows[town_type][4] = saved
    village = m.villages.village_ids[7]
    m.village_records[-1]["standard"][7] = np.nan
    with pytest.raises(NonFiniteOutput, match=f"villages 'standard' of village '{village}'"):
        check_year(m)


def test_check_tables() -> None:
    district = pd.DataFrame({"scenario": "a", "year": [2023, 2024, 2025],
                             "gdp_yi": [1.0, 2.0, 3.0],
                             "gdp_growth_pct": [np.nan, 1.0, 2.0]})
    towns = pd.DataFrame({"year": [2023, 2023, 2024, 2024], "town": ["a", "b", "a", "b"],
                          "gdp_yi": [1.0, 1.0, 1.0, np.inf]})
    check_tables({"district": district, "towns": None})  # base-year growth: exempt
    with pytest.raises(NonFiniteOutput, match="towns 'gdp_yi' of town 'b' is inf in 2024"):
        check_tables({"district": district, "towns": towns})
    district.loc[2, "gdp_growth_pct"] = np.nan  # a later year's growth rate is not exempt
    with pytest.raises(NonFiniteOutput, match="district 'gdp_growth_pct' is nan in 2025"):
        check_tables({"district": district})


def test_error_pickles_and_is_one_line() -> None:
    exc = NonFiniteOutput("towns", "gdp_yi", 2030, float("nan"), where="town 'daze'")
    back = pickle.loads(pickle.dumps(exc))
    assert str(back) == str(exc) and back.year == 2030 and back.where == "town 'daze'"
    assert "\n" not in str(exc)


# ------------------------------------------------------------------------------ the runner
EXPERIMENT = """
[experiment]
name = "nan"
seed = 7
replications = 3
end_year = 2027

[[scenarios]]
name = "baseline"
reference = true
"""


def nan_in_replication_1(config=None, seed=0, overrides=None, *, scenario="", replication=0):
    """The fake model, with a NaN in a later year's district GDP of replication 1 (the run_fn
    is not the real model, so only the runner's own check can catch it)."""
    res = fake_simulate(config, seed, overrides, scenario=scenario, replication=replication)
    if replication == 1:
        res.district.loc[res.district.index[-1], "gdp_yi"] = np.nan
    return res


def test_sweep_records_a_non_finite_run_as_failed_and_writes_no_row(tmp_path: Path) -> None:
    path = tmp_path / "exp.toml"
    path.write_text(EXPERIMENT)
    out = tmp_path / "out"
    report = run_experiment(load_experiment(path), out, workers=1, run_fn=nan_in_replication_1,
                            progress="off")
    assert (report.done, report.failed) == (2, 1)
    record = json.loads((out / "failures" / "s0-p0-r1.json").read_text())
    assert record["error"].startswith("NonFiniteOutput: non-finite output: district 'gdp_yi'")
    assert "2027" in record["error"] and record["deterministic"] is True
    assert not list((out / "runs").glob("s0-p0-r1.*"))
    district = pd.read_parquet(out / "district.parquet")
    assert sorted(set(district["replication"])) == [0, 2]
    assert np.isfinite(district["gdp_yi"]).all()
    assert report.errors == {"s0-p0-r1": record["error"]}


def test_cli_run_shows_the_failure_in_one_line(tmp_path: Path, capsys, nan_revenue,
                                               monkeypatch) -> None:
    """The real model in-process (the CLI's one worker is made inline, so that the patched
    process applies)."""
    import simxh.runner
    from simxh.executors import InlineExecutor

    monkeypatch.setattr(simxh.runner, "make_executor", lambda *_a, **_k: InlineExecutor())
    cfg = tmp_path / "cfg.toml"
    cfg.write_text("[run]\nend_year = 2026\n")
    out = tmp_path / "out"
    code = main(["run", str(cfg), "--out", str(out), "--workers", "1", "--progress", "off"])
    _stdout, err = capsys.readouterr()
    assert code == 1 and "Traceback" not in err
    lines = [ln for ln in err.splitlines() if "NonFiniteOutput" in ln]
    assert lines == [f"simxh run: run s0-p0-r0 failed: NonFiniteOutput: non-finite output: "
                     f"district 'fiscal_revenue_yi' is nan in {NAN_YEAR}; expected finite "
                     "values (a degenerate parameter combination or a model bug; nothing of "
                     "the run is written)"]
    assert not list((out / "runs").glob("*.parquet"))


def test_an_extreme_but_finite_result_warns() -> None:
    """Issue 23: a kept edge value that multiplies GDP says so (a warning, not an error)."""
    import warnings

    import pandas as pd

    from simxh.guards import ExtremeResult, extreme_outcome

    years = list(range(2023, 2036))
    normal = pd.DataFrame({"year": years, "gdp_yi": [1000 * 1.05**i for i in range(13)]})
    boom = pd.DataFrame({"year": years, "gdp_yi": [1000 * 41 ** (i / 12) for i in range(13)]})
    bust = pd.DataFrame({"year": years, "gdp_yi": [1000 * 0.8**i for i in range(13)]})
    assert extreme_outcome(normal) is None
    assert "+36.3 %/yr" in extreme_outcome(boom) and "41×" in extreme_outcome(boom)
    assert "-20.0 %/yr" in extreme_outcome(bust)
    import simxh.simulation as sim

    class Result:
        district = boom

    real = sim.result_tables
    sim.result_tables = lambda *a, **k: Result()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            sim.simulate(None, seed=3, overrides={"run.end_year": 2024})
    finally:
        sim.result_tables = real
    assert any(w.category is ExtremeResult and "41×" in str(w.message) for w in caught)
