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
    # measured with `pytest --durations=0` on the project's 2-core VM (see Makefile test-fast)
})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.name in SLOW_MODULES:
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
