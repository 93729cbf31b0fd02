"""Honest labels: the confidence level of ``simxh compare --confidence`` travels with its tables
into the report; target probabilities get Wilson intervals; the brief names the uncertainty
sources the bands reflect."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pandas as pd
import pytest

from simxh import analysis
from simxh.cli import main
from simxh.report import figures as F
from simxh.report import prepare, write_report
from simxh.report.brief import sources_sentence


@pytest.mark.parametrize(("k", "n", "conf", "low", "high"), [
    (5, 10, 0.95, 0.2366, 0.7634),   # Brown, Cai & DasGupta (2001), by hand
    (0, 10, 0.95, 0.0, 0.2775),
    (10, 10, 0.95, 0.7225, 1.0),
    (3, 4, 0.90, 0.3562, 0.9421),   # z = 1.644854
])
def test_wilson_interval_matches_hand_values(k, n, conf, low, high):
    lo, hi = analysis.wilson_interval(k, n, conf)
    assert lo == pytest.approx(low, abs=1e-4) and hi == pytest.approx(high, abs=1e-4)


def test_wilson_interval_is_nan_without_runs_and_narrows_with_confidence():
    assert all(math.isnan(x) for x in analysis.wilson_interval(0, 0))
    lo90, hi90 = analysis.wilson_interval(7, 20, 0.90)
    lo99, hi99 = analysis.wilson_interval(7, 20, 0.99)
    assert lo99 < lo90 < 7 / 20 < hi90 < hi99


def test_score_targets_adds_wilson_columns():
    frame = pd.DataFrame({"scenario": ["a"] * 4, "point": 0, "replication": range(4),
                          "year": 2030, "gdp_yi": [1.0, 2.0, 3.0, 4.0]})
    targets = pd.DataFrame({"id": ["t"], "metric": ["gdp_yi"], "comparator": [">="],
                            "value": [2.5], "year": [2030]})
    row = analysis.score_targets(frame, targets, base_year=2023, confidence=0.9).iloc[0]
    assert row["probability"] == 0.5 and row["n"] == 4
    lo, hi = analysis.wilson_interval(2, 4, 0.9)
    assert row["probability_low"] == pytest.approx(lo)
    assert row["probability_high"] == pytest.approx(hi)


def _percentages(text: str) -> set[str]:
    """Every confidence-like percentage a text states ('90%', '95%'); the upper ends of
    probability ranges ('[25–92%]') are probabilities, not levels."""
    return set(re.findall(r"(?<![–\-])\b(9\d(?:\.\d+)?)%", text))


@pytest.mark.slow
def test_compare_at_90_labels_brief_and_charts_90(quick_copy: Path, capsys):
    assert main(["compare", str(quick_copy), "--confidence", "0.9"]) == 0
    capsys.readouterr()
    meta = json.loads((quick_copy / "summary" / "metadata.json").read_text(encoding="utf-8"))
    assert meta["confidence"] == 0.9
    # the default configs carry macro shocks and posterior draws besides the simulation noise
    assert meta["uncertainty_sources"] == ["simulation_noise", "macro", "posterior"]
    targets = analysis.read_csv(quick_copy / "summary" / "targets.csv")
    assert {"probability_low", "probability_high", "confidence"} <= set(targets.columns)
    scored = targets.dropna(subset=["probability"])
    assert (scored["probability_low"] <= scored["probability"] + 1e-12).all()
    assert (scored["probability"] <= scored["probability_high"] + 1e-12).all()
    paired = analysis.read_csv(quick_copy / "summary" / "paired_differences.csv")
    assert set(paired["confidence"]) == {0.9}

    for lang in ("en", "zh"):
        write_report(quick_copy, lang=lang, formats=["png"])
        brief = (quick_copy / "brief.md").read_text(encoding="utf-8")
        # every stated level is 90% (the fan chart's 90% band of runs agrees by construction)
        assert _percentages(brief) == {"90"}, _percentages(brief)
        assert brief.count("90%") >= 5
        ctx, _ = prepare(quick_copy, lang=lang)
        for name in ("paired_differences", "target_scorecard"):
            fig = getattr(F, name)(ctx)
            title = fig.figure.get_suptitle()
            assert "90%" in title and "95%" not in title, title
        scorecard = analysis.read_csv(quick_copy / "figures" / "target_scorecard.csv")
        assert set(scorecard["confidence"]) == {0.9}
        assert "Wilson" in brief
    assert "firm-level" not in brief  # the zh brief is Chinese
    assert "企业层面的模拟随机性" in brief and "后验参数" in brief and "共同冲击" in brief


@pytest.mark.slow
def test_default_confidence_is_95_and_brief_says_so(quick_copy: Path, capsys):
    assert main(["compare", str(quick_copy)]) == 0
    capsys.readouterr()
    write_report(quick_copy, lang="en", formats=["png"])
    brief = (quick_copy / "brief.md").read_text(encoding="utf-8")
    assert "95% confidence interval" in brief
    assert "firm-level simulation noise" in brief and "posterior draw" in brief


@pytest.mark.slow
def test_brief_reads_uncertainty_sources_from_the_manifest(quick_copy: Path, capsys):
    path = quick_copy / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["uncertainty_sources"] = ["simulation_noise", "parameters", "macro"]
    path.write_text(json.dumps(manifest), encoding="utf-8")
    assert main(["compare", str(quick_copy)]) == 0
    capsys.readouterr()
    write_report(quick_copy, lang="en", formats=["png"])
    brief = (quick_copy / "brief.md").read_text(encoding="utf-8")
    assert "simulation noise only" not in brief
    assert "macroeconomic uncertainty" in brief
    assert "do not include" in brief and "uncertainty in the model's structure" in brief


def test_sources_sentence_lists_what_is_missing():
    text = sources_sentence(["simulation_noise"], "en")
    assert "firm-level simulation noise only" in text
    assert ("parameter uncertainty, macroeconomic uncertainty, estimated-parameter uncertainty, "
            "uncertainty in the levers' effect sizes or uncertainty in the model's") in text
    assert "not include" not in sources_sentence(
        ["simulation_noise", "parameters", "macro", "posterior", "lever_effects", "structure"],
        "en")


@pytest.mark.slow
def test_csvs_are_utf8_with_bom_and_read_back(quick_copy: Path, capsys):
    assert main(["compare", str(quick_copy)]) == 0
    capsys.readouterr()
    write_report(quick_copy, lang="zh", formats=["png"])
    paths = list((quick_copy / "summary").glob("*.csv")) + list(
        (quick_copy / "figures").glob("*.csv"))
    assert len(paths) >= 8
    for path in paths:
        raw = path.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), path
        table = pd.read_csv(path, encoding="utf-8-sig")
        assert not table.columns[0].startswith("\ufeff")
        assert table.columns[0] == analysis.read_csv(path).columns[0]
