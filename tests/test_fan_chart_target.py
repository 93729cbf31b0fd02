"""The fan chart draws the plan's nominal 3300亿 target on its real (base-year price) axis:
divided by the reference scenario's median GDP deflator of 2033 (issue 20)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from test_report_fixtures import make_results  # noqa: E402

from simxh.report import prepare  # noqa: E402
from simxh.report.figures import fan_chart  # noqa: E402


def test_nominal_target_is_deflated_by_the_median_price_index(tmp_path: Path) -> None:
    root = make_results(tmp_path / "res", replications=2, inflation=0.01)
    ctx, _ = prepare(root, lang="en")
    data = fan_chart(ctx).data
    at = data[(data["year"] == 2033) & data["target_nominal_yi"].notna()]
    assert len(at) and (at["target_nominal_yi"] == 3300).all()
    # 2033's deflator is 1.01^10: the star sits at 3300 / 1.105 ≈ 2987 on the real axis
    assert at["target_yi"].to_numpy() == pytest.approx(3300 / 1.01 ** 10)
