"""Tests of the report layer (simxh.report, ``simxh report``) on a synthetic results dir."""

from __future__ import annotations

import re
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_report_fixtures import make_results

from simxh.errors import UserError
from simxh.report import figures as F
from simxh.report import prepare, theme, write_report

FIGURES = ("fan_chart", "paired_differences", "town_trajectories", "network_map",
           "target_scorecard", "equity", "sensitivity", "rank_probabilities",
           "cost_effectiveness", "village_income_by_town", "village_targets")
CJK = re.compile(r"[\u4e00-\u9fff]")


def _glyph_warnings(caught: list[warnings.WarningMessage]) -> list[str]:
    return [str(w.message) for w in caught if "missing from" in str(w.message)]


@pytest.fixture(scope="module")
def zh_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object, list[str]]:
    root = make_results(tmp_path_factory.mktemp("zh") / "exp", replications=6, design_points=2)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = write_report(root, lang="zh", formats=["png", "svg", "pdf"])
    return root, report, _glyph_warnings(caught) + [
        str(w.message) for w in caught if issubclass(w.category, theme.FontFallbackWarning)]


@pytest.fixture(scope="module")
def en_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    root = make_results(tmp_path_factory.mktemp("en") / "exp", replications=4, design_points=3)
    report = write_report(root, lang="en", formats=["png"])
    return root, report


# ---- files ----------------------------------------------------------------------------------


def test_zh_report_has_no_missing_glyphs_and_stays_chinese(zh_report):
    _, report, problems = zh_report
    assert problems == []
    assert report.lang == "zh"


def test_every_figure_exists_in_every_format_with_its_csv(zh_report):
    root, report, _ = zh_report
    for name in FIGURES:
        for fmt in ("png", "svg", "pdf", "csv"):
            path = root / "figures" / f"{name}.{fmt}"
            assert path.is_file() and path.stat().st_size > (200 if fmt == "csv" else 5000), path
    assert report.skipped == []


def test_png_is_a_valid_image_at_print_resolution(zh_report):
    from PIL import Image

    root, _, _ = zh_report
    for name in FIGURES:
        with Image.open(root / "figures" / f"{name}.png") as img:
            img.verify()
        with Image.open(root / "figures" / f"{name}.png") as img:
            width, height = img.size
            dpi = img.info.get("dpi", (0, 0))[0]
        assert round(dpi) == 300
        # An A4 text width is 17 cm = 2008 px at 300 dpi; nothing wider than ~21 cm.
        assert 900 <= width <= 2500, (name, width)
        assert 300 <= height <= 2500, (name, height)


def test_svg_has_text_as_paths_and_pdf_embeds_truetype(zh_report):
    root, _, _ = zh_report
    for name in FIGURES:
        svg = (root / "figures" / f"{name}.svg").read_text(encoding="utf-8")
        ET.fromstring(svg)  # well-formed XML
        assert "<text" not in svg  # glyphs drawn as outlines: renders without the font
        pdf = (root / "figures" / f"{name}.pdf").read_bytes()
        assert pdf.startswith(b"%PDF")
        assert b"/FontFile2" in pdf  # TrueType (Type 42) embedded
        assert b"/Subtype /Type3" not in pdf


# ---- the CSVs are what was plotted -----------------------------------------------------------


def test_fan_chart_csv_is_the_plotted_median_and_matches_the_data(zh_report):
    root, _, _ = zh_report
    csv = pd.read_csv(root / "figures" / "fan_chart.csv")
    district = pd.read_parquet(root / "district.parquet")
    by_hand = district[(district.scenario == "combined") & (district.year == 2033)]["gdp_yi"]
    row = csv[(csv.scenario == "combined") & (csv.year == 2033)].iloc[0]
    assert row["p50"] == pytest.approx(by_hand.median())
    assert row["p05"] == pytest.approx(by_hand.quantile(0.05))
    assert row["p05"] <= row["p25"] <= row["p50"] <= row["p75"] <= row["p95"]
    # The plan's 8% path starts at the base-year median and compounds; the target is 3300.
    base = csv[(csv.scenario == "baseline") & (csv.year == 2023)]["p50"].iloc[0]
    row33 = csv[(csv.scenario == "baseline") & (csv.year == 2033)].iloc[0]
    assert row33["plan_growth_yi"] == pytest.approx(base * 1.08**10)
    assert row33["target_yi"] == 3300
    assert csv["target_yi"].notna().sum() == csv["scenario"].nunique()

    ctx, _ = prepare(root, lang="en")
    with theme.report_style("en"):
        fig = F.fan_chart(ctx)
    ax = fig.figure.axes[ctx.scenarios.index("combined")]
    median = next(line for line in ax.get_lines() if line.get_label() == "median")
    plotted = pd.Series(median.get_ydata(), index=median.get_xdata())
    expected = csv[csv.scenario == "combined"].set_index("year")["p50"]
    pd.testing.assert_series_equal(plotted, expected, check_names=False, check_index_type=False)


def test_paired_csv_rows_are_the_plotted_intervals(zh_report):
    root, _, _ = zh_report
    csv = pd.read_csv(root / "figures" / "paired_differences.csv")
    source = pd.read_csv(root / "summary" / "paired_differences.csv")
    assert set(zip(csv.metric, csv.year)) == {
        ("gdp_yi", 2028), ("gdp_yi", 2033), ("fiscal_revenue_yi", 2033),
        ("investment_introduced_yi", 2033), ("theil_gdp_per_capita", 2033),
        ("weakest_town_growth_pct", 2033)}
    merged = csv.merge(source, on=["scenario", "reference", "metric", "year"])
    assert len(merged) == len(csv) == 4 * 6
    np.testing.assert_allclose(merged["ci_low_x"], merged["ci_low_y"])
    ctx, _ = prepare(root, lang="en")
    with theme.report_style("en"):
        fig = F.paired_differences(ctx)
    ax = fig.figure.axes[0]  # GDP 2028
    intervals = sorted(tuple(line.get_xdata()) for line in ax.get_lines()
                       if line.get_gid() == "interval")
    expected = sorted(zip(csv[(csv.metric == "gdp_yi") & (csv.year == 2028)].ci_low,
                          csv[(csv.metric == "gdp_yi") & (csv.year == 2028)].ci_high))
    np.testing.assert_allclose(intervals, expected)


def test_scorecard_csv_is_the_heatmap(zh_report):
    root, _, _ = zh_report
    csv = pd.read_csv(root / "figures" / "target_scorecard.csv")
    assert csv.groupby("target")["probability"].apply(lambda p: p.notna().any()).all()
    gdp = csv[csv.target == "gdp_2033"]
    assert gdp["implied_growth_pct"].iloc[0] == pytest.approx(12.6, abs=0.1)
    ctx, _ = prepare(root, lang="en")
    with theme.report_style("en"):
        fig = F.target_scorecard(ctx)
    image = fig.figure.axes[0].images[0].get_array()
    targets = list(dict.fromkeys(csv["target"]))
    grid = csv.pivot(index="target", columns="scenario", values="probability").reindex(
        index=targets, columns=ctx.scenarios)
    np.testing.assert_allclose(np.ma.filled(image, np.nan), grid.to_numpy(), equal_nan=True)


def test_town_csv_groups_towns_by_zone_and_holds_medians(zh_report):
    root, _, _ = zh_report
    csv = pd.read_csv(root / "figures" / "town_trajectories.csv")
    assert csv["town"].nunique() == 11
    order = list(dict.fromkeys(csv["zone"]))
    assert order == ["guifeng", "tanjiang", "yinzhou_west", "yinzhou_east"]
    towns = pd.read_parquet(root / "towns.parquet")
    sel = towns[(towns.town == "daze") & (towns.scenario == "pairing") & (towns.year == 2030)]
    row = csv[(csv.town == "daze") & (csv.scenario == "pairing") & (csv.year == 2030)]
    assert row["gdp_yi_median"].iloc[0] == pytest.approx(sel["gdp_yi"].median())


def test_map_csv_marks_the_scenarios_projects(zh_report):
    root, _, _ = zh_report
    csv = pd.read_csv(root / "figures" / "network_map.csv")
    assert csv["scenario"].iloc[0] == "infrastructure"  # first scenario with projects
    projects = set(csv[csv.element == "project"]["id"])
    assert projects == {"g240_upgrade_luokeng_daze", "shenjiang_railway"}
    towns = csv[(csv.element == "node") & (csv.kind == "town")]
    assert len(towns) == 11 and towns["gdp_yi"].notna().all()
    # Circle area grows with GDP.
    ranked = towns.sort_values("gdp_yi")
    assert ranked["size_pt2"].is_monotonic_increasing
    assert (csv[csv.element == "external"]["kind"] == "arrow").any()


# ---- the brief ---------------------------------------------------------------------------


def test_zh_brief_has_every_section_and_embeds_the_figures(zh_report):
    root, _, _ = zh_report
    text = (root / "brief.md").read_text(encoding="utf-8")
    for heading in ("## 实验设计", "## 主要结果", "## 规划目标达成概率", "## 区域协调",
                    "## 说明与局限"):
        assert heading in text
    for name in FIGURES:
        assert f"(figures/{name}.png)" in text
    assert re.search(r"\d+/\d+项为假设值", text)
    assert "每个情景6次重复" in text
    assert "12.6%" in text  # the GDP-target tension is stated


def test_en_brief_and_sensitivity_figure(en_report):
    root, report = en_report
    assert report.lang == "en"
    text = (root / "brief.md").read_text(encoding="utf-8")
    assert "## Key results" in text and "## Caveats" in text
    assert "pool 3 design points" in text
    csv = pd.read_csv(root / "figures" / "sensitivity.csv")
    assert set(csv["parameter"]) == {"access.decay", "firms.entry_rate"}
    gdp = csv[csv.metric == "gdp_yi"].set_index("parameter")
    assert gdp.loc["access.decay", "mu_star"] == pytest.approx(0.6)
    assert (root / "figures" / "sensitivity.png").is_file()


def test_en_figures_draw_no_chinese_labels(en_report):
    root, _ = en_report
    ctx, _ = prepare(root, lang="en")
    with theme.report_style("en"):
        for name, fn in F.FIGURES:
            if name == "network_map":
                continue
            fig = fn(ctx)
            texts = [t.get_text() for t in fig.figure.findobj(
                lambda a: hasattr(a, "get_text"))]
            assert not [t for t in texts if CJK.search(t)], name


# ---- fonts and errors ----------------------------------------------------------------------


def test_no_cjk_font_falls_back_to_english_with_one_warning(tmp_path, monkeypatch):
    monkeypatch.setattr(theme, "cjk_fonts", lambda: ())
    monkeypatch.setattr(theme, "_WARNED", set())
    with pytest.warns(theme.FontFallbackWarning) as caught:
        assert theme.resolve_language("zh", ["会城"]) == "en"
        assert theme.resolve_language("zh", ["会城"]) == "en"
    assert len(caught) == 1
    assert "English" in str(caught[0].message)
    root = make_results(tmp_path / "exp", replications=2, end_year=2030,
                        scenarios={"baseline": (0, 0), "pairing": (0.3, -0.01)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", theme.FontFallbackWarning)
        report = write_report(root, lang="zh", formats=["png"])
    assert report.lang == "en"
    assert "No CJK font was found" in (root / "brief.md").read_text(encoding="utf-8")


def test_vendored_font_covers_every_label_and_name():
    from simxh.datafiles import load_region_data
    from simxh.report import labels as L

    data = load_region_data()
    names = L.NameBook.from_data(data)
    texts = [zh for zh, _ in L.TEXT.values()] + [zh for zh, _ in names.names.values()]
    texts += [m.zh + m.unit_zh for m in L.METRICS.values()]
    texts += [names.target_label(t, "zh") for t in names.target_rows]
    fonts = [(theme.VENDORED_FAMILY, str(theme.VENDORED_FONT))]
    assert theme.missing_characters(texts, fonts) == set()
    assert theme.missing_characters(["会\u4dc0"], fonts) == {"\u4dc0"}  # can fail


def test_bad_arguments_are_user_errors(tmp_path, zh_report):
    root, _, _ = zh_report
    with pytest.raises(UserError, match="unknown figure format.*'gif'"):
        write_report(root, formats=["gif"])
    with pytest.raises(UserError, match="no such scenario.*'pairng'"):
        write_report(root, scenarios=["pairng"])
    with pytest.raises(UserError, match="year not in the results"):
        write_report(root, year=2050)
    with pytest.raises(UserError, match="no manifest.json"):
        write_report(tmp_path)


def test_cli_report_runs_and_exits_2_on_bad_input(tmp_path, capsys):
    from simxh.cli import main

    root = make_results(tmp_path / "exp", replications=2, end_year=2030,
                        scenarios={"baseline": (0, 0), "integration": (0.5, 0)})
    assert main(["report", str(root), "--lang", "en", "--formats", "png",
                 "--scenarios", "integration", "--year", "2028"]) == 0
    out = capsys.readouterr().out
    assert "brief:" in out and (root / "brief.md").is_file()
    paired = pd.read_csv(root / "figures" / "paired_differences.csv")
    assert set(paired["year"]) == {2028}
    assert main(["report", str(root), "--formats", "png,bmp"]) == 2
    assert "unknown figure format" in capsys.readouterr().err
    assert main(["report", str(tmp_path / "nowhere")]) == 2


def test_single_scenario_run_skips_the_comparisons(tmp_path):
    root = make_results(tmp_path / "one", replications=3, end_year=2030,
                        scenarios={"baseline": (0, 0)})
    report = write_report(root, lang="en", formats=["png"])
    assert report.skipped == ["paired_differences", "sensitivity", "rank_probabilities",
                              "cost_effectiveness"]
    fan = pd.read_csv(root / "figures" / "fan_chart.csv")
    assert fan["target_yi"].isna().all()  # 2033 is not simulated: no target marker
    assert "run `simxh compare` first" not in (root / "brief.md").read_text(encoding="utf-8")


def test_key_outcomes_use_the_milestone_or_the_nearest_analysed_year():
    assert F.key_outcomes(2033, range(2023, 2036))[:2] == [("gdp_yi", 2028), ("gdp_yi", 2033)]
    assert F.key_outcomes(2033, [2025, 2027, 2030, 2033])[:2] == [("gdp_yi", 2027),
                                                                   ("gdp_yi", 2033)]
    assert F.key_outcomes(2028, range(2023, 2031))[0] == ("gdp_yi", 2028)
    assert ("gdp_yi", 2027) not in F.key_outcomes(2028, range(2023, 2031))


def test_labels_for_scenarios_and_targets():
    from simxh.report import labels as L

    assert L.scenario_label("tech_renovation", "zh") == "技术改造"
    assert L.scenario_label("integration_only", "en") == "Town–park integration"
    assert L.scenario_label("my_package", "zh") == "my_package"
    assert L.scenario_label("x", "zh", {"label_zh": "自定义"}) == "自定义"
    book = L.NameBook(target_rows={"t": {"metric": "towns_fiscal_over_5yi_share",
                                         "comparator": ">=", "value": 0.5,
                                         "unit": "share of towns", "year": 2027}})
    assert book.target_label("t", "zh", short=True) == "财政收入超5亿元镇街占比 ≥50%（2027）"
    assert book.target_label("t", "en", short=True).endswith("≥50% (2027)")


def test_village_targets_draws_shares_in_percent_and_keeps_the_legend_off_the_note(tmp_path):
    """The beautiful-village panel is titled （%）: it plots 60–100, not 0.6–1.0, with the
    100 % target; the legend sits beside the panels, clear of the source note below them."""
    root = make_results(tmp_path / "exp", replications=3, end_year=2030)
    ctx, _ = prepare(root, lang="zh")
    with theme.report_style(ctx.lang):
        fig = F.village_targets(ctx)
        share = fig.data[fig.data["metric"] == "beautiful_village_share"]
        assert (share["unit"] == "%").all()
        assert share["p50"].between(50, 100).all() and share["p50"].max() > 60
        ax = fig.figure.axes[0]
        assert ax.get_ylim()[1] >= 100  # the target (100 %) is on the axis
        renderer = fig.figure.canvas.get_renderer()
        fig.figure.canvas.draw()
        note = fig.figure._supxlabel.get_window_extent(renderer)
        for legend in fig.figure.legends:
            assert not legend.get_window_extent(renderer).overlaps(note)
        import matplotlib.pyplot as plt

        plt.close(fig.figure)
