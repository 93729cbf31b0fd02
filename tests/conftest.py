"""Shared fixtures and the test subsets.

``make test`` (what CI runs) runs every test. ``make test-fast`` runs ``-m "not slow"``: the
tests that are not marked slow here or in their module (``pytestmark = pytest.mark.slow``).
Whole modules that run many models, start processes, Dask clusters or a browser are marked slow
below, by file name, so that the fast subset stays under a minute on two cores.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

SLOW_MODULES = frozenset({
    # seconds per module from `pytest --durations=0` on the project's 2-core VM
    "test_report.py",                       # 54 s: every figure in three formats
    "test_invariants.py",                   # 45 s: many full model runs
    "test_experiment_e2e.py",               # 45 s: experiments through the CLI, with workers
    "test_runner.py",                       # 33 s: process pools, kills and resumes
    "test_dask_faults.py", "test_dask.py",  # 34 s: local Dask clusters
    "test_safety.py",                       # 13 s: subprocesses and signals
    "test_config_properties.py",            # 12 s: hypothesis
    "test_config_runs.py",                  # 30 s CPU: 200 random configs run to 2035
    "test_cli.py",                          # 10 s: subprocess CLI runs
    "test_reliability_data_properties.py",  # 9 s: hypothesis
    "test_notebook.py",                     # executes examples/quickstart.ipynb
    "test_dashboard.py",                    # a Solara server and headless Chromium
    "test_hindcast.py",                     # 180 hindcast runs against the district's history
    "test_reliability_concurrency.py",      # 12 s: concurrent writers, a racing consolidation
    "test_reliability_store_integrity.py",  # 25 s: sweeps copied over, damaged and resumed
    "test_reliability_atomic.py",           # 8 s: sweeps, compare and export on a full disk
})


SLOW_TESTS = frozenset({
    # single tests of otherwise quick modules that start a Python subprocess or a big import
    "test_bad_input.py::test_real_entry_point_exits_2_cleanly",             # 6 s
    "test_reliability_results_dir.py::test_closed_pipe_ends_quietly",       # 6 s (2 params)
    "test_reliability_disk.py::test_disk_fault_is_a_clear_error_and_resumable",  # 5 s
    "test_dashboard_cli.py::test_page_pieces_follow_the_model",             # 3 s: solara
    "test_macro.py::test_bad_macro_file_exits_2_with_one_line_and_writes_nothing",  # CLI
    "test_posterior.py::test_bad_posterior_in_a_config_exits_2_and_writes_nothing",  # CLI
    "test_posterior.py::test_runs_record_their_draw_and_scenarios_share_it",  # 12 runs
    "test_estimation.py::test_calibrate_bad_input_exits_2",                 # CLI + pyabc import
    "test_estimation.py::test_calibrate_refuses_a_window_with_too_few_figures",  # 3 s
    "test_lever_money.py::test_renovation_moves_the_certification_targets",  # 3 s: long runs
})


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """With ``-m "not slow"`` the slow modules are not even imported (importing Dask,
    hypothesis and the report's matplotlib stack costs seconds on two cores)."""
    if config.getoption("markexpr", "").replace(" ", "") == "notslow" \
            and collection_path.name in SLOW_MODULES:
        return True
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        name = f"{item.path.name}::{item.originalname}"
        if item.path.name in SLOW_MODULES or name in SLOW_TESTS:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def quick_results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real, small experiment (experiments/quick.toml: baseline, integration, combined; 3
    replications to 2030) run once per session. Tests that change it take a copy
    (``quick_copy``)."""
    from simxh.experiment import load_experiment
    from simxh.runner import run_experiment

    out = tmp_path_factory.mktemp("quick") / "quick"
    experiment = load_experiment(ROOT / "experiments" / "quick.toml", replications=3)
    report = run_experiment(experiment, out, workers=1, progress="off")
    assert report.done == report.planned == 9
    return out


@pytest.fixture
def quick_copy(quick_results: Path, tmp_path: Path) -> Path:
    """A private copy of :func:`quick_results` to write summaries, figures or exports into."""
    target = tmp_path / "quick"
    shutil.copytree(quick_results, target)
    return target
