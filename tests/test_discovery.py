"""Scenario discovery (issue 22): PRIM recovers a planted box, CART and the feature scores
point at the planted inputs, the box reads as a sentence, and ``simxh discover`` runs on a
small real sweep with precise errors.

The EMA Workbench takes seconds to import, so the tests that use it are marked slow.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simxh.discovery import GROWTH_FEATURE, Cases, Criterion, PrimResult, brief_lines, plain_words
from simxh.errors import UserError

ROOT = Path(__file__).resolve().parents[1]
CRIT = Criterion(scenario="combined", metric="gdp_nominal_yi", threshold=1900.0, year=2033)


def planted(n: int = 2000, seed: int = 0) -> Cases:
    """Three uniform inputs; the cases of interest are exactly the box a < 0.3 and b > 0.6
    (mass 0.12), with no noise: a method that finds the box finds it whole."""
    rng = np.random.default_rng(seed)
    x = pd.DataFrame({"a": rng.uniform(0, 1, n), "b": rng.uniform(0, 1, n),
                      "c": rng.uniform(0, 1, n)})
    y = ((x["a"] < 0.3) & (x["b"] > 0.6)).to_numpy()
    return Cases(x=x, value=np.where(y, 1000.0, 2000.0), y=y, criterion=CRIT,
                 units={"a": "", "b": "", "c": ""})


def test_the_criterion_reads_both_directions() -> None:
    v = np.array([1800.0, 1900.0, 2000.0])
    assert CRIT.met(v).tolist() == [False, True, True]
    below = Criterion("combined", "theil_gdp_per_capita", 0.0, 2033, direction="<=",
                      paired=True, reference="baseline")
    assert below.met(np.array([-0.01, 0.0, 0.02])).tolist() == [True, True, False]
    assert "minus Baseline" in below.describe("en") and "基准情景" in below.describe("zh")


def test_the_box_reads_as_one_sentence() -> None:
    limits = pd.DataFrame([
        {"feature": GROWTH_FEATURE, "unit": "%/yr", "low": 2.0, "high": 3.9, "full_low": 2.0,
         "full_high": 5.5, "qp_value": 0.001},
        {"feature": "firms.renovation_gain", "unit": "", "low": 0.02, "high": 0.045,
         "full_low": 0.02, "full_high": 0.1, "qp_value": 0.01}])
    res = PrimResult(trajectory=pd.DataFrame(), limits=limits,
                     stats={"coverage": 0.85, "density": 0.81, "mass": 0.2, "res_dim": 2,
                            "step": 7, "n": 200, "n_interest": 47, "base_rate": 0.235})
    en = plain_words(res, CRIT, "en")
    assert en.startswith("Combined package misses")
    assert "China's mean real GDP growth" in en and "below 3.9 %/yr" in en
    assert "renovation TFP gain is below 0.045" in en and "coverage 0.85" in en
    zh = plain_words(res, CRIT, "zh")
    assert "中国实际GDP年均增速" in zh and "低于3.9" in zh and "未达到" in zh


def test_the_brief_section_needs_a_discovery(tmp_path: Path) -> None:
    assert brief_lines(tmp_path) == []
    (tmp_path / "discovery").mkdir()
    (tmp_path / "discovery" / "discovery.json").write_text(
        '{"prim": {"sentence_zh": "当…时", "sentence_en": "when …"}}', encoding="utf-8")
    assert "## Scenario discovery" in brief_lines(tmp_path, "en")
    assert "当…时" in brief_lines(tmp_path, "zh")


def test_without_the_workbench_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    from simxh import discovery

    real = builtins.__import__

    def no_ema(name, *args, **kw):
        if name.startswith("ema_workbench"):
            raise ImportError(name)
        return real(name, *args, **kw)

    monkeypatch.setattr(builtins, "__import__", no_ema)
    with pytest.raises(UserError, match=r"simxh\[discover\]"):
        discovery.require_workbench()


@pytest.mark.slow
def test_prim_recovers_a_planted_box() -> None:
    from simxh.discovery import prim_box

    res = prim_box(planted())
    assert res.stats["coverage"] >= 0.8 and res.stats["density"] >= 0.8, res.stats
    lim = res.limits.set_index("feature")
    assert set(lim.index) == {"a", "b"}, res.limits
    assert abs(lim.loc["a", "high"] - 0.3) < 0.05 and abs(lim.loc["b", "low"] - 0.6) < 0.05
    traj = res.trajectory
    assert traj["chosen"].sum() == 1 and (traj["mass"].diff().dropna() <= 0).all()


@pytest.mark.slow
def test_cart_and_the_scores_point_at_the_planted_inputs() -> None:
    from simxh.discovery import cart_boxes, feature_scores

    cases = planted()
    boxes = cart_boxes(cases)
    best = boxes.iloc[0]
    assert best["density"] >= 0.8 and best["coverage"] >= 0.8, boxes
    assert "a ∈" in best["limits"] and "b ∈" in best["limits"] and "c ∈" not in best["limits"]
    scores = feature_scores(cases).set_index("feature")["score"]
    assert scores["c"] < min(scores["a"], scores["b"])


@pytest.mark.slow
def test_a_box_needs_both_kinds_of_case() -> None:
    from simxh.discovery import prim_box

    cases = planted()
    cases.y = np.zeros_like(cases.y)
    with pytest.raises(UserError, match="every case is of the same kind"):
        prim_box(cases)


EXPERIMENT = """
[experiment]
name = "tiny_discovery"
seed = 7
replications = 24
end_year = 2026
outputs = ["gdp_yi", "gdp_nominal_yi", "theil_gdp_per_capita"]
years = [2026]
targets = "none"
tables = ["district", "towns"]

[[scenarios]]
name = "baseline"
reference = true
set = { "estimation.posterior_sampling" = "random" }

[[scenarios]]
name = "renovation"
config = "{configs}/tech_renovation.toml"
set = { "estimation.posterior_sampling" = "random" }

[[uncertainties]]
key = "firms.renovation_gain"
low = 0.0
high = 0.2
per = "replication"
"""


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "simxh", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=600)


@pytest.mark.slow
def test_discover_on_a_small_sweep(tmp_path: Path) -> None:
    exp = tmp_path / "tiny.toml"
    exp.write_text(EXPERIMENT.replace("{configs}", str(ROOT / "configs")), encoding="utf-8")
    out = tmp_path / "out"
    run = cli("run", str(exp), "--out", str(out), "--workers", "1", "--allow-outside-paths")
    assert run.returncode == 0, run.stderr
    d = pd.read_parquet(out / "district.parquet")
    r = d[(d.scenario == "renovation") & (d.year == 2026)]
    median = float(r["gdp_yi"].median())
    ok = cli("discover", str(out), "--metric", "gdp_yi", "--threshold", f"{median:.6f}",
             "--year", "2026", "--lang", "en")
    assert ok.returncode == 0, ok.stderr
    target = out / "discovery"
    for name in ("discovery.md", "discovery.json", "prim_boxes.csv", "prim_trajectory.png",
                 "prim_trajectory.csv", "cart_boxes.csv", "feature_scores.png",
                 "feature_scores.csv", "cases.csv"):
        assert (target / name).is_file(), name
    cases = pd.read_csv(target / "cases.csv")
    assert len(cases) == 24 and cases["interest"].sum() == 12
    assert {"firms.renovation_gain", GROWTH_FEATURE} <= set(cases.columns)
    # the paired form: renovation against the baseline's same replication
    paired = cli("discover", str(out), "--metric", "gdp_yi", "--threshold", "0", "--year",
                 "2026", "--vs", "baseline", "--interest", "success", "--out",
                 str(tmp_path / "paired"), "--method", "cart")
    assert paired.returncode == 0, paired.stderr
    assert (tmp_path / "paired" / "cart_boxes.csv").is_file()
    diff = (r.set_index("replication")["gdp_yi"]
            - d[(d.scenario == "baseline") & (d.year == 2026)].set_index("replication")["gdp_yi"])
    got = pd.read_csv(tmp_path / "paired" / "cases.csv")["value"].to_numpy()
    assert np.allclose(np.sort(got), np.sort(diff.to_numpy()))  # each run against its twin
    bad = cli("discover", str(out), "--metric", "gdp_yii", "--threshold", "1")
    assert bad.returncode == 2 and "did you mean 'gdp_yi'" in bad.stderr, bad.stderr
    assert "Traceback" not in bad.stderr
    year = cli("discover", str(out), "--metric", "gdp_yi", "--threshold", "1", "--year", "2040")
    assert year.returncode == 2 and "2023–2026" in year.stderr, year.stderr
