"""Issue 22, item 4: regret per pair unit (the gap to the unit's best scenario), against a hand
computation, in either direction, with an unswept reference paired with every design point."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simxh.analysis import REGRET_COLUMNS, regret_table

# values[scenario] = one value per replication (2025); the same numbers serve as GDP (higher is
# better) and as the Theil index (lower is better)
VALUES = {"ref": [10, 10, 10, 10], "a": [12, 9, 11, 10], "b": [11, 13, 8, 10]}


def tiny(values: dict[str, list[float]], points: dict[str, list[int]] | None = None
         ) -> pd.DataFrame:
    rows = []
    for scen, series in values.items():
        for k, v in enumerate(series):
            point = (points or {}).get(scen, [0] * len(series))[k]
            rep = k % 2 if points else k
            rows.append({"scenario": scen, "point": point, "replication": rep, "year": 2025,
                         "gdp_yi": float(v), "theil_gdp_per_capita": float(v)})
    return pd.DataFrame(rows)


def _by(out: pd.DataFrame, metric: str) -> pd.DataFrame:
    return out[out["metric"] == metric].set_index("scenario")


def test_regret_matches_a_hand_computation_in_both_directions() -> None:
    out = regret_table(tiny(VALUES), ["gdp_yi", "theil_gdp_per_capita"], [2025])
    assert list(out.columns) == REGRET_COLUMNS
    assert list(out["scenario"]) == ["ref", "ref", "a", "a", "b", "b"]  # the table's order
    # GDP: best per replication 12, 13, 11, 10
    #   ref 2 3 1 0, a 0 4 0 0, b 1 0 3 0; p90 of 4 sorted values: v[2] + 0.7 (v[3] − v[2])
    gdp = _by(out, "gdp_yi")
    assert gdp.loc["ref", ["mean_regret", "p90_regret", "max_regret"]].tolist() == \
        pytest.approx([1.5, 2.7, 3.0])
    assert gdp.loc["a", ["mean_regret", "p90_regret", "max_regret"]].tolist() == \
        pytest.approx([1.0, 2.8, 4.0])
    assert gdp.loc["b", ["mean_regret", "p90_regret", "max_regret"]].tolist() == \
        pytest.approx([1.0, 2.4, 3.0])
    # Theil: lower is better, best per replication 10, 9, 8, 10
    #   ref 0 1 2 0, a 2 0 3 0, b 1 4 0 0
    theil = _by(out, "theil_gdp_per_capita")
    assert theil.loc["ref", ["mean_regret", "p90_regret", "max_regret"]].tolist() == \
        pytest.approx([0.75, 1.7, 2.0])
    assert theil.loc["a", ["mean_regret", "p90_regret", "max_regret"]].tolist() == \
        pytest.approx([1.25, 2.7, 3.0])
    assert theil.loc["b", ["mean_regret", "p90_regret", "max_regret"]].tolist() == \
        pytest.approx([1.25, 3.1, 4.0])
    assert (out["n"] == 4).all()
    # a direction given explicitly wins over the default
    flipped = regret_table(tiny(VALUES), ["gdp_yi"], [2025], {"gdp_yi": -1})
    assert _by(flipped, "gdp_yi").loc["ref", "max_regret"] == pytest.approx(2.0)


def test_a_unit_missing_a_scenario_drops_out_and_a_dominant_scenario_has_no_regret() -> None:
    df = tiny({"ref": [1, 2, 3, 4], "best": [5, 6, 7, 8]})
    df.loc[(df["scenario"] == "best") & (df["replication"] == 3), "gdp_yi"] = np.nan
    out = _by(regret_table(df, ["gdp_yi"], [2025]), "gdp_yi")
    assert out.loc["best", "max_regret"] == 0.0 and out.loc["ref", "max_regret"] == 4.0
    assert (out["n"] == 3).all()


def test_unswept_reference_is_paired_with_every_design_point() -> None:
    # ref runs once per replication (point −1); a and b at points 0 and 1, replications 0, 1
    values = {"ref": [10, 10], "a": [12, 9, 8, 11], "b": [11, 13, 9, 10]}
    points = {"ref": [-1, -1], "a": [0, 0, 1, 1], "b": [0, 0, 1, 1]}
    out = _by(regret_table(tiny(values, points), ["gdp_yi"], [2025]), "gdp_yi")
    # units (0,0): 10 12 11 → 2 0 1; (0,1): 10 9 13 → 3 4 0; (1,0): 10 8 9 → 0 2 1;
    # (1,1): 10 11 10 → 1 0 1
    assert (out["n"] == 4).all()
    assert out.loc["ref", ["mean_regret", "max_regret"]].tolist() == pytest.approx([1.5, 3.0])
    assert out.loc["a", ["mean_regret", "max_regret"]].tolist() == pytest.approx([1.5, 4.0])
    assert out.loc["b", ["mean_regret", "max_regret"]].tolist() == pytest.approx([0.75, 1.0])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_brief_explains_regret_beside_ranks_with_its_table(tmp_path, lang: str) -> None:
    from simxh.report import labels as L
    from simxh.report.brief import _fmt, _regret_lines
    from simxh.report.figures import Context
    from simxh.report.results import Results

    df = tiny(VALUES).assign(year=2033)
    results = Results(path=tmp_path, manifest={}, district=df, towns=pd.DataFrame(),
                      regret=regret_table(df, ["gdp_yi", "theil_gdp_per_capita"]))
    ctx = Context(results=results, lang=lang, names=L.NameBook.from_data(None),
                  scenarios=["ref", "a", "b"], reference="ref", year=2033, notes="")
    text = "\n".join(_regret_lines(ctx))
    assert ("多常是最好的" in text and "损失多少" in text and "2033年" in text) if lang == "zh" \
        else ("how often a package is best" in text and "how much it loses" in text
              and "in 2033 over 4 pairs" in text)
    lines = [ln for ln in text.splitlines() if ln.startswith("|")]
    assert len(lines) == 2 + 3                       # header, rule, one row per scenario
    assert ("最大遗憾值" if lang == "zh" else "Max regret") in lines[0]
    # a: GDP max 4, p90 2.8; Theil max 3, p90 2.7 (the hand computation above)
    cells = [c.strip() for c in lines[3].strip("|").split("|")]
    assert cells[1:] == [_fmt(4.0), _fmt(2.8), _fmt(3.0), _fmt(2.7)]
    # without the table (a summary from before regret): ask for compare again
    results.regret = None
    assert "simxh compare" in _regret_lines(ctx)[0]
