"""``simxh export DIR --xlsx``: one workbook with the summary tables and the figures' data."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from simxh.cli import main
from simxh.report.export import column_unit, sheet_name, with_units


def test_sheet_names_are_excel_safe_unique_and_short():
    taken: set[str] = set()
    long = "fig a very long figure name that Excel would refuse"
    names = [sheet_name(long, taken), sheet_name(long, taken), sheet_name("a/b:c?", taken)]
    assert all(len(n) <= 31 for n in names)
    assert len({n.lower() for n in names}) == 3
    assert names[1].endswith(" 2") and not set("[]:*?/\\") & set(names[2])


def test_units_go_into_headers_and_a_unit_column():
    table = pd.DataFrame({"scenario": ["a"], "metric": ["gdp_yi"], "year": [2030],
                          "mean": [1.0], "probability": [0.5], "population_wan": [80.0]})
    out = with_units(table)
    assert list(out.columns) == ["scenario", "metric", "unit", "year", "mean",
                                 "probability [share 0–1]", "population_wan [万人 10,000 people]"]
    assert out["unit"].iloc[0] == "亿元 100 million yuan"
    assert column_unit("theil_gdp_per_capita_ci_low") == ""
    assert column_unit("weakest_town_growth_pct_mean") == "%"
    assert list(with_units(pd.DataFrame({"p05": [1.0]}), "gdp_yi").columns) == [
        "p05 [亿元 100 million yuan]"]
    # effect per 亿 is not a sum of money: its unit is the metric's per 亿元
    assert column_unit("effect_per_yi") == "metric unit per 亿元 of lever money"
    assert column_unit("cost_yi") == "亿元 100 million yuan"


@pytest.mark.slow
def test_export_xlsx_has_every_table_and_figure(quick_copy: Path, capsys):
    import openpyxl  # the excel extra, in the test extra: missing is a failure

    from simxh.report import write_report

    assert main(["compare", str(quick_copy), "--confidence", "0.9"]) == 0
    write_report(quick_copy, lang="zh", formats=["png"])
    out = quick_copy / "book" / "tables.xlsx"
    assert main(["export", str(quick_copy), "--xlsx", "--out", str(out)]) == 0
    assert "sheets" in capsys.readouterr().out
    book = openpyxl.load_workbook(out, read_only=True)
    names = book.sheetnames
    for wanted in ("about", "summary", "paired differences", "targets", "equity",
                   "fig fan chart", "fig paired differences", "fig town trajectories",
                   "fig network map", "fig target scorecard", "fig equity",
                   "cost-effectiveness", "rank probabilities", "regret", "fig rank probabilities",
                   "fig cost-effectiveness"):
        assert wanted in names, names
    assert all(len(n) <= 31 for n in names)
    about = {row[0]: row[1] for row in book["about"].iter_rows(min_row=2, values_only=True)}
    assert about["confidence level of the intervals"] == "0.9"
    assert "simulation_noise" in about["uncertainty sources"]
    header = next(book["targets"].iter_rows(max_row=1, values_only=True))
    assert "probability_low [share 0–1]" in header and "unit" in header
    fan = next(book["fig fan chart"].iter_rows(max_row=1, values_only=True))
    assert "p50 [亿元 100 million yuan]" in fan
    # the sheets hold the CSVs' rows (Chinese text intact)
    rows = list(book["fig town trajectories"].iter_rows(values_only=True))
    csv = pd.read_csv(quick_copy / "figures" / "town_trajectories.csv", encoding="utf-8-sig")
    assert len(rows) == len(csv) + 1
    labels = list(book["fig target scorecard"].iter_rows(min_row=2, values_only=True))
    assert any("亿元" in str(cell) for row in labels for cell in row)
    # town ids keep a Chinese name beside them
    header = next(book["fig town trajectories"].iter_rows(max_row=1, values_only=True))
    assert header[header.index("town") + 1] == "town_zh"
    assert "会城街道" in {r[header.index("town_zh")] for r in rows[1:]}
    # the villages: a sheet per village, scenario and year, and the village figures' data
    for wanted in ("villages", "fig village targets", "fig village income by town"):
        assert wanted in names, names
    village = list(book["villages"].iter_rows(values_only=True))
    head = village[0]
    for col in ("scenario", "town", "town_zh", "village", "year",
                "population_wan [万人 10,000 people]", "collective_income_wan_p50",
                "beautiful_share"):
        assert any(str(h).startswith(col) for h in head), (col, head)
    years = {r[head.index("year")] for r in village[1:]}
    assert years == {2025, 2030}  # the experiment's years
    assert len(village) - 1 == 3 * 2 * 236  # scenarios × years × villages


def test_export_of_a_folder_without_summary_is_one_line_exit_2(tmp_path: Path, capsys):
    (tmp_path / "manifest.json").write_text("{}", encoding="utf-8")
    (tmp_path / "summary").mkdir()  # an empty summary folder: nothing to export either
    assert main(["export", str(tmp_path), "--xlsx"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no summary tables" in err and "simxh compare" in err


def test_export_needs_a_format_and_an_existing_folder(tmp_path: Path, capsys):
    assert main(["export", str(tmp_path / "nope"), "--xlsx"]) == 2
    assert "no such results directory" in capsys.readouterr().err
    assert main(["export", str(tmp_path)]) == 2
    assert "--xlsx" in capsys.readouterr().err
