"""Smoke test of benchmarks/: the scripts import, and the per-agent Mesa reference gives the same
tables as simxh at tiny scale (a correctness test; no timing is asserted)."""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

import numpy as np
import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
SCRIPTS = ("bench_reference", "bench_run", "bench_scaling", "bench_sweep", "bench_profile",
           "bench_ab", "bench_overhead")
TINY = {"firms.count": 60, "run.end_year": 2027}


@pytest.fixture(scope="module")
def bench_path():
    """benchmarks/ on sys.path; the environment restored afterwards (``_common`` pins BLAS
    threads with ``os.environ.setdefault``)."""
    env = dict(os.environ)
    sys.path.insert(0, str(BENCH))
    try:
        yield BENCH
    finally:
        sys.path.remove(str(BENCH))
        os.environ.clear()
        os.environ.update(env)


@pytest.mark.parametrize("name", SCRIPTS)
def test_benchmark_script_imports_and_has_main(bench_path, name):
    module = importlib.import_module(name)
    assert callable(module.main)
    assert module.__doc__ and "benchmarks/" + name + ".py" in module.__doc__


def test_reference_gives_identical_tables_at_tiny_scale(bench_path):
    from bench_reference import compare_tables
    from reference import reference_simulate

    from simxh.simulation import simulate

    for seed in (0, 5):
        a = simulate(None, seed=seed, overrides=TINY)
        b = reference_simulate(None, seed=seed, overrides=TINY)
        assert list(a.district["year"]) == [2023, 2024, 2025, 2026, 2027]
        result = compare_tables(a, b)
        assert result["district"] == (True, True, 0.0), result
        assert result["towns"] == (True, True, 0.0), result


def test_reference_steps_one_mesa_agent_per_alive_firm(bench_path):
    from reference import FirmAgent, ReferenceModel

    import simxh.firms as firms_module
    from simxh.firms import step_firms

    m = ReferenceModel(None, seed=1, overrides=TINY)
    m.step()
    m.step()
    agents = m.agents_by_type[FirmAgent]
    f = m.firms
    # agents exist for the firms alive before this year's entry; exits removed themselves
    stepped = {a.index for a in agents}
    assert stepped and stepped <= set(np.flatnonzero(f.alive))
    assert all(isinstance(a, FirmAgent) for a in agents)
    a = next(iter(agents))
    assert a.capital_yi == f.capital_yi[a.index] and a.output_yi == f.output_yi[a.index]
    assert m.firm_step_seconds > 0
    # the model's own step_firms is restored after each step
    assert firms_module.step_firms is step_firms


def test_compare_tables_detects_a_difference(bench_path):
    from bench_reference import compare_tables

    from simxh.simulation import SimulationResult, simulate

    a = simulate(None, seed=2, overrides={"firms.count": 60, "run.end_year": 2024})
    towns = a.towns.copy()
    towns.loc[3, "gdp_yi"] *= 1.0 + 1e-9
    b = SimulationResult(a.district, towns)
    result = compare_tables(a, b)
    assert result["district"][:2] == (True, True)
    exact, close, worst = result["towns"]
    assert not exact and not close and worst == pytest.approx(1e-9, rel=1e-3)
