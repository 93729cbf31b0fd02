"""``simxh search``: a tiny search on a fake model, a known optimum, resume and the file checks."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("pymoo")

from simxh.config import coerce_config  # noqa: E402
from simxh.errors import ConfigError  # noqa: E402
from simxh.executors import InlineExecutor  # noqa: E402
from simxh.rng import stream  # noqa: E402
from simxh.search import load_search, run_search  # noqa: E402

TOWNS = ("huicheng", "daze")


class _Result(NamedTuple):
    district: pd.DataFrame
    towns: pd.DataFrame


def fake_search_model(config: Any = None, seed: int = 0, overrides: Any = None, *,
                      scenario: str = "", replication: int = 0, villages: bool = True
                      ) -> _Result:
    """GDP rises with attraction effort (monotone, with noise from the seed) and with the
    renovation subsidy; the lever money is effort + 10 × subsidy share a year; the Theil index
    falls with the pairing transfer."""
    cfg = coerce_config(config, overrides)
    effort = cfg.attraction.effort
    share = cfg.tech_renovation.subsidy_share if cfg.tech_renovation.enabled else 0.0
    transfer = cfg.pairing.transfer_yi if cfg.pairing.enabled else 0.0
    years = list(range(cfg.run.start_year, cfg.run.end_year + 1))
    noise = stream(seed, "fake", "growth").normal(0.0, 0.01, size=len(years))
    rows, towns = [], []
    gdp = 1000.0
    for i, year in enumerate(years):
        if i:
            gdp *= 1.05 + 0.01 * effort + 0.05 * share + noise[i]
        spend = 0.0 if i == 0 else effort + 10 * share + transfer
        rows.append({"year": year, "gdp_yi": gdp, "gdp_nominal_yi": gdp * 1.02 ** i,
                     "price_index": 1.02 ** i, "lever_spend_yi": spend,
                     "theil_gdp_per_capita": 0.1 - 0.01 * transfer + noise[i] / 10,
                     "weakest_town_growth_pct": 5 + transfer + 100 * noise[i],
                     "debt_yi": 2.0 * effort * i})
        for town in TOWNS:
            towns.append({"year": year, "town": town, "gdp_yi": gdp / 2})
    return _Result(pd.DataFrame(rows), pd.DataFrame(towns))


SEARCH = """
[search]
name = "tiny"
base = "base.toml"
seed = 7
replications = {reps}
end_year = 2027
population = {pop}
generations = {gens}
targets = ["gdp_2033"]

[[decisions]]
key = "attraction.effort"
low = 0.0
high = 10.0
unit = "effort units"
{more}

[[objectives]]
name = "dgdp"
metric = "gdp_nominal_yi"
year = 2027
versus = "reference"
stat = "median"
sense = "max"
{objectives}

[[constraints]]
cost = true
name = "cost"
max = {budget}
"""

BASE = """# the levers whose intensities are searched, switched on (the reference: the baseline)
[tech_renovation]
enabled = true
subsidy_share = 0.0

[pairing]
enabled = true
transfer_yi = 0.0
"""

PAIRING = """
[[decisions]]
key = "pairing.transfer_yi"
low = 0.0
high = 2.0
"""

MORE_OBJECTIVES = """
[[objectives]]
cost = true
name = "cost"
sense = "min"

[[objectives]]
name = "theil"
metric = "theil_gdp_per_capita"
year = 2027
sense = "min"
"""


def _write(tmp_path: Path, *, reps: int = 2, pop: int = 4, gens: int = 2, budget: float = 100,
           more: str = "", objectives: str = "", end: str = "2027") -> Path:
    (tmp_path / "base.toml").write_text(BASE, encoding="utf-8")
    text = SEARCH.format(reps=reps, pop=pop, gens=gens, budget=budget, more=more,
                         objectives=objectives)
    text = text.replace("2027", end)
    path = tmp_path / "search.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _search(path: Path, out: Path, **kw: Any):
    search = load_search(path)
    return run_search(search, out, run_fn=fake_search_model, executor=InlineExecutor(),
                      progress="off", run_timeout=0, **kw)


def test_tiny_search_writes_every_output(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = _write(tmp_path, more=PAIRING, objectives=MORE_OBJECTIVES)
    report = _search(path, tmp_path / "out")
    out = tmp_path / "out"
    for name in ("pareto.csv", "evaluations.parquet", "candidates.csv", "what_it_takes.csv",
                 "what_it_takes.md", "pareto.png", "search.json"):
        assert (out / name).is_file(), name
    evals = pd.read_parquet(out / "evaluations.parquet")
    search = evals[evals["role"] == "search"]
    assert set(search["generation"]) == {0, 1}
    # common random numbers: replication r has the same seed in every candidate
    assert search.groupby("replication")["seed"].nunique().eq(1).all()
    pareto = pd.read_csv(out / "pareto.csv", encoding="utf-8-sig")
    assert len(pareto) >= 1 and {"dgdp", "dgdp_low", "dgdp_high", "n", "cost",
                                 "attraction.effort"} <= set(pareto.columns)
    assert report.pareto == len(pareto)
    wit = pd.read_csv(out / "what_it_takes.csv", encoding="utf-8-sig")
    assert list(wit["goal"]) == ["gdp_2033", "constraints"]
    # the chosen packages were run again on fresh replications N..2N-1
    reeval = evals[evals["role"] == "reeval"]
    assert len(reeval) and set(reeval["replication"]) == {2, 3}
    assert "What it takes" in (out / "what_it_takes.md").read_text(encoding="utf-8")
    zh = (out / "what_it_takes_zh.md").read_text(encoding="utf-8")
    assert zh.startswith("## 实现规划目标需要什么")
    assert not re.search(r"(?<![\w/.-])[a-z_]+\.[a-z_]+(?![\w/])", zh.replace("pareto.", ""))


@pytest.mark.slow
def test_search_finds_the_known_optimum_under_a_budget(tmp_path, monkeypatch):
    """GDP is monotone in effort, the cost is effort a year: the best package under the budget
    spends the budget, effort* = budget / Σ_t 1.08^-t over 2024–2027."""
    monkeypatch.chdir(tmp_path)
    budget = 10.0
    path = _write(tmp_path, pop=8, gens=12, budget=budget)
    _search(path, tmp_path / "out")
    pareto = pd.read_csv(tmp_path / "out" / "pareto.csv", encoding="utf-8-sig")
    annuity = sum(1.08 ** -t for t in range(1, 5))
    best = pareto.sort_values("dgdp").iloc[-1]
    assert best["attraction.effort"] == pytest.approx(budget / annuity, rel=0.03)
    assert best["cost"] <= budget + 1e-9


@pytest.mark.slow
def test_resume_replays_the_stored_generations(tmp_path, monkeypatch):
    """Stop after the first generation (an interrupt), resume: the same pareto.csv and
    evaluations as an uninterrupted search, without rerunning the stored generation."""
    monkeypatch.chdir(tmp_path)
    path = _write(tmp_path, more=PAIRING, objectives=MORE_OBJECTIVES, gens=3)
    _search(path, tmp_path / "whole")

    import simxh.search as mod

    calls = {"n": 0}
    real = mod.SearchRunner._save

    def save_then_die(self, status):
        real(self, status)
        if self.generations_done == 1 and status == "running":
            calls["n"] += 1
            if calls["n"] == 1:
                raise KeyboardInterrupt

    monkeypatch.setattr(mod.SearchRunner, "_save", save_then_die)
    with pytest.raises(KeyboardInterrupt):
        _search(path, tmp_path / "cut")
    monkeypatch.setattr(mod.SearchRunner, "_save", real)
    with pytest.raises(Exception, match="--resume"):
        _search(path, tmp_path / "cut")
    report = _search(path, tmp_path / "cut", resume=True)
    assert report.resumed_generations == 1
    a = (tmp_path / "whole" / "pareto.csv").read_bytes()
    b = (tmp_path / "cut" / "pareto.csv").read_bytes()
    assert a == b
    ea = pd.read_parquet(tmp_path / "whole" / "evaluations.parquet")
    eb = pd.read_parquet(tmp_path / "cut" / "evaluations.parquet")
    pd.testing.assert_frame_equal(ea, eb)


@pytest.mark.parametrize("edit, key", [
    (('key = "attraction.effort"', 'key = "attraction.efort"'), "decisions[0].key"),
    (("high = 10.0", "high = -1.0"), "decisions[0].high"),
    (('sense = "max"', 'sense = "up"'), "objectives[0].sense"),
    (('targets = ["gdp_2033"]', 'targets = ["gdp_2030"]'), "search.targets[0]"),
    (("max = 100", "limit = 100"), "constraints[0]"),
])
def test_bad_search_files_are_one_line_errors(tmp_path, edit, key):
    path = _write(tmp_path)
    path.write_text(path.read_text(encoding="utf-8").replace(*edit), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_search(path)
    text = str(info.value)
    assert "\n" not in text and str(path) in text and key in text


def test_summaries_have_intervals():
    from simxh.search import Measure, summarise

    v = np.arange(20, dtype=float)
    med, lo, hi = summarise(v, Measure("m", "metric", metric="x", stat="median"), 0.95)
    assert med == pytest.approx(9.5) and lo < med < hi
    p, lo, hi = summarise(np.array([1, 0, 1, 1.0]), Measure("t", "target", target="g"), 0.95)
    assert p == 0.75 and 0 < lo < p < hi <= 1
    assert math.isnan(summarise(np.array([1.0, math.nan]),
                                Measure("m", "metric", metric="x"), 0.95)[0])


def test_the_brief_reads_what_it_takes_from_the_results_folder(tmp_path: Path) -> None:
    from simxh.search import brief_lines

    assert brief_lines(tmp_path) == []
    (tmp_path / "search").mkdir()
    (tmp_path / "search" / "what_it_takes.md").write_text(
        "## What it takes (s)\n\n| goal |\n|---|\n\n![cost against effect](pareto.png)\n",
        encoding="utf-8")
    en = brief_lines(tmp_path, "en")
    assert "## What it takes (s)" in en and "![cost against effect](search/pareto.png)" in en
    assert brief_lines(tmp_path, "zh")[1].startswith("## 实现规划目标需要什么")
