"""Results never go stale (issue 20, item 2): after ``simxh run --resume`` adds runs, ``report``
(through :func:`simxh.report.results.ensure_summaries`) and ``export`` rebuild ``summary/`` with
the options it was made with, or refuse with one line when runs are not consolidated yet.
Runs use the fast fake model."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pandas as pd
import pytest

from simxh.analysis import compare, refresh_summary, stale_summary
from simxh.cli import main
from simxh.errors import UserError
from simxh.experiment import load_experiment
from simxh.runner import run_experiment

sys.path.insert(0, str(Path(__file__).parent))
from test_experiment_helpers import fake_experiment, fake_simulate  # noqa: E402

pytestmark = pytest.mark.slow  # two sweeps of the fake model (about 5 s on two cores)

EXPERIMENT = fake_experiment("fresh", outputs=("gdp_yi",), years=(2026,))


def run(exp: Path, out: Path, replications: int, resume: bool = False) -> None:
    run_experiment(load_experiment(exp, replications=replications), out, workers=1,
                   run_fn=fake_simulate, progress="off", resume=resume)


def pairs_n(out: Path) -> int:
    table = pd.read_csv(out / "summary" / "paired_differences.csv", encoding="utf-8-sig")
    return int(table["n"].max())


@pytest.fixture(scope="module")
def resumed_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder compared at 3 replications (confidence 0.9), then resumed to 5."""
    root = tmp_path_factory.mktemp("fresh")
    exp = root / "exp.toml"
    exp.write_text(EXPERIMENT)
    out = root / "out"
    run(exp, out, 3)
    compare(out, confidence=0.9)
    assert pairs_n(out) == 3 and stale_summary(out) == ""
    run(exp, out, 5, resume=True)
    return out


@pytest.fixture
def resumed(resumed_once: Path, tmp_path: Path) -> Path:
    """A private copy of :func:`resumed_once` (file times kept)."""
    target = tmp_path / "out"
    shutil.copytree(resumed_once, target)
    return target


def test_resume_then_report_rebuilds_the_summary(resumed: Path) -> None:
    from simxh.report.results import ensure_summaries, load_results

    assert stale_summary(resumed) == ("summary/ was built from 6 runs (3 replications); the "
                                      "results now hold 10 runs (5 replications)")
    results = ensure_summaries(load_results(resumed))  # what `simxh report DIR` loads
    assert pairs_n(resumed) == 5
    assert set(results.paired["n"]) == {5}
    meta = json.loads((resumed / "summary" / "metadata.json").read_text(encoding="utf-8"))
    assert meta["built_from"] == {"runs": 10, "replications": 5}
    assert meta["confidence"] == 0.9  # rebuilt with the options it was made with
    assert stale_summary(resumed) == ""


def test_resume_then_export_rebuilds_the_summary(resumed: Path, capsys) -> None:
    pytest.importorskip("openpyxl")
    assert main(["export", str(resumed), "--xlsx"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == ("summary/ rebuilt (summary/ was built from 6 runs (3 "
                                   "replications); the results now hold 10 runs (5 "
                                   "replications))")
    assert pairs_n(resumed) == 5


def test_summary_older_than_the_runs_is_rebuilt(resumed: Path) -> None:
    refresh_summary(resumed)
    meta = resumed / "summary" / "metadata.json"
    data = json.loads(meta.read_text(encoding="utf-8"))
    del data["built_from"]  # a summary written before built_from was recorded
    meta.write_text(json.dumps(data), encoding="utf-8")
    earlier = (resumed / "district.parquet").stat().st_mtime_ns - 10**9
    for table in (resumed / "summary").iterdir():
        os.utime(table, ns=(earlier, earlier))
    assert stale_summary(resumed) == "the runs (district.parquet) are newer than summary/"
    assert refresh_summary(resumed) and stale_summary(resumed) == ""


def test_unconsolidated_runs_are_refused_in_one_line(resumed: Path, capsys) -> None:
    from simxh.store import Store

    exp_file = json.loads((resumed / "manifest.json").read_text())["experiment"]["file"]
    store = Store(resumed)
    store.consolidate(sorted(store.done_ids())[:6])  # as after an interrupted resume
    with pytest.raises(UserError) as err:
        stale_summary(resumed)
    assert str(err.value) == (
        f"{resumed}: 10 runs are finished but district.parquet holds 6 (an interrupted or "
        f"running 'simxh run'?); expected consolidated tables: finish with simxh run "
        f"{exp_file} --out {resumed} --resume")
    assert main(["export", str(resumed), "--xlsx"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_export_refuses_figure_data_older_than_the_runs(resumed: Path) -> None:
    pytest.importorskip("openpyxl")
    from simxh.report.export import export_xlsx

    figures = resumed / "figures"
    figures.mkdir()
    (figures / "fan_chart.csv").write_text("year,q50\n2026,1\n", encoding="utf-8")
    early = (resumed / "district.parquet").stat().st_mtime_ns - 10**9
    os.utime(figures / "fan_chart.csv", ns=(early, early))
    with pytest.raises(UserError, match="the figure data predate the runs"):
        export_xlsx(resumed)
