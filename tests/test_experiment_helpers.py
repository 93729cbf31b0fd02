"""A fast stand-in for ``simxh.simulate`` used by the experiment tests (no tests here).

It has the contract's signature and table shape, draws its noise from a named stream of the
seed (so common random numbers hold as in the model), reacts to real config keys (so the
runner's config validation is exercised), and fails on demand:

- ``network.rail_access_min = 99`` makes a run raise (failure isolation);
- if the file named by ``SIMXH_FAKE_FAIL_FILE`` exists, runs of replication 1 raise
  (so that ``--retry-failed`` can succeed once the file is removed);
- ``SIMXH_FAKE_SLEEP`` seconds of sleep per run (for the kill test);
- ``network.rail_access_min = 97`` makes replication 2 kill its process (``os._exit``: a
  crashing run, every time), and ``= 98`` makes replication 1 hang (a Python loop, as a model
  stuck in a loop; it gives up after :data:`HANG_SECONDS` so a broken time limit fails a test
  instead of hanging it).

:func:`die_once` kills its worker process the first time replication 2 runs (a lost worker).
:func:`fake_experiment` writes the small experiment most of these tests sweep.
"""

from __future__ import annotations

import os
import time
from typing import Any, NamedTuple

import pandas as pd

from simxh.config import coerce_config
from simxh.rng import stream

TOWNS = ("huicheng", "daze", "siqian")
CRASH_RAIL = 97
HANG_RAIL = 98
HANG_SECONDS = 60.0


def fake_experiment(name: str, *, seed: int = 7, replications: int = 3, end_year: int = 2026,
                    outputs: tuple[str, ...] = (), years: tuple[int, ...] = (),
                    faster: tuple[tuple[str, float], ...] = (("faster", 95.0),),
                    extra: str = "") -> str:
    """An experiment file's text: a baseline (the reference) and scenarios that only drive the
    expressways faster (``faster``: name, km/h), then ``extra`` TOML (more scenarios,
    uncertainties)."""
    lines = ["[experiment]", f'name = "{name}"', f"seed = {seed}",
             f"replications = {replications}", f"end_year = {end_year}"]
    if outputs:
        lines.append("outputs = [" + ", ".join(f'"{o}"' for o in outputs) + "]")
    if years:
        lines.append("years = [" + ", ".join(str(y) for y in years) + "]")
    lines += ["", "[[scenarios]]", 'name = "baseline"', "reference = true"]
    for scenario, kmh in faster:
        lines += ["", "[[scenarios]]", f'name = "{scenario}"',
                  f'set = {{ "network.speed_expressway_kmh" = {kmh} }}']
    return "\n" + "\n".join(lines) + "\n" + extra


class FakeResult(NamedTuple):
    district: pd.DataFrame
    towns: pd.DataFrame


def fake_simulate(config: Any = None, seed: int = 0, overrides: Any = None, *,
                  scenario: str = "", replication: int = 0) -> FakeResult:
    cfg = coerce_config(config, overrides)
    if cfg.network.rail_access_min == 99:
        raise RuntimeError("fake model failure (rail_access_min = 99)")
    if cfg.network.rail_access_min == CRASH_RAIL and replication == 2:
        os._exit(1)
    if cfg.network.rail_access_min == HANG_RAIL and replication == 1:
        deadline = time.monotonic() + HANG_SECONDS
        while time.monotonic() < deadline:
            time.sleep(0.01)
    fail_file = os.environ.get("SIMXH_FAKE_FAIL_FILE")
    if fail_file and os.path.exists(fail_file) and replication == 1:
        raise ValueError("fake transient failure")
    sleep = float(os.environ.get("SIMXH_FAKE_SLEEP", "0"))
    if sleep:
        time.sleep(sleep)
    years = list(range(cfg.run.start_year, cfg.run.end_year + 1))
    shocks = stream(seed, "fake", "growth").normal(0.0, 0.02, size=len(years))
    effect = 0.001 * (cfg.network.speed_expressway_kmh - 85.0)
    trend = 0.05 + 0.02 * (0.9 - cfg.access.distance_decay)
    town_rows, district_rows = [], []
    gdp = 1011.25
    for i, year in enumerate(years):
        if i:
            gdp *= 1.0 + trend + effect + shocks[i]
        shares = [0.5, 0.3, 0.2]
        for town, share in zip(TOWNS, shares):
            town_rows.append({"scenario": scenario, "replication": replication, "seed": seed,
                              "year": year, "town": town, "gdp_yi": gdp * share,
                              "firms": int(100 * share * (1 + i))})
        district_rows.append({"scenario": scenario, "replication": replication, "seed": seed,
                              "year": year, "gdp_yi": gdp, "firms": 100 * (1 + i),
                              "hightech_firms": 550.0 + 20 * i + 1000 * shocks[i],
                              "theil_gdp_per_capita": 0.1 - 0.001 * i + shocks[i] / 10,
                              "weakest_town_growth_pct": 100 * (trend + shocks[i])})
    return FakeResult(pd.DataFrame(district_rows), pd.DataFrame(town_rows))


def die_once(config: Any = None, seed: int = 0, overrides: Any = None, *, scenario: str = "",
             replication: int = 0) -> FakeResult:
    """Like :func:`fake_simulate`, but the first run of replication 2 kills its process
    (marker file ``SIMXH_FAKE_DIE_MARKER``), as a crashed or OOM-killed worker would."""
    marker = os.environ["SIMXH_FAKE_DIE_MARKER"]
    if replication == 2 and not os.path.exists(marker):
        with open(marker, "w") as fh:
            fh.write("died")
        os._exit(1)
    return fake_simulate(config, seed, overrides, scenario=scenario, replication=replication)
