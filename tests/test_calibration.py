"""The 2023 base year reproduces the official district figures; towns sum to the district."""

import numpy as np
import pytest

from simxh.calibration import calibrate, district_value, place_firms, solve_value_added_ratio
from simxh.config import load_config
from simxh.economics.firm_dynamics import zipf_tail_exponent
from simxh.errors import DataError
from simxh.model import XinhuiModel
from simxh.region import build_region
from simxh.rng import stream


@pytest.fixture(scope="module")
def region():
    return build_region(load_config())


@pytest.fixture(scope="module")
def model(region):
    return XinhuiModel(seed=0, region=region)


def test_base_year_matches_the_bulletin(model):
    # 2023 statistical bulletin: GDP 1011.25亿 = 72.09 + 511.27 + 427.89; employment 57.47万
    assert model.gdp_yi == pytest.approx(1011.25, rel=1e-9)
    assert model.gdp_primary_yi == pytest.approx(72.09, rel=1e-9)
    assert model.gdp_secondary_yi == pytest.approx(511.27, rel=1e-9)
    assert model.gdp_tertiary_yi == pytest.approx(427.89, rel=1e-9)
    assert model.employment_wan == pytest.approx(57.47, rel=1e-9)
    assert model.gdp_per_capita_yuan == pytest.approx(110967, rel=1e-4)
    assert model.fiscal_revenue_yi == pytest.approx(60.0, rel=1e-9)  # assumed 2023 figure
    # assumed 2023 figure; matched by bisection on the VA/output ratio (a step function)
    assert model.industrial_output_yi == pytest.approx(1600.0, rel=1e-3)
    assert model.hightech_firms == 550


def test_calibration_errors_are_reported_and_tiny(model):
    errors = model.base.errors
    assert set(errors) >= {"gdp_yi", "gdp_primary_yi", "gdp_secondary_yi", "gdp_tertiary_yi",
                           "employment_wan"}
    exact = {k: v for k, v in errors.items() if k != "industrial_output_above_scale_yi"}
    assert max(abs(v) for v in exact.values()) < 1e-9
    assert abs(errors["industrial_output_above_scale_yi"]) < 1e-3


def test_towns_sum_exactly_to_the_district(model):
    for arr, total in ((model.town_gdp_yi, 1011.25), (model.town_employment_wan, 57.47),
                       (model.town_primary_yi, 72.09), (model.town_secondary_yi, 511.27),
                       (model.tertiary_yi, 427.89), (model.population_wan, 91.1307)):
        assert arr.sum() == pytest.approx(total, rel=1e-9)
        assert np.all(arr > 0)
    # every town and every park has firms
    f = model.firms
    assert np.all(np.bincount(f.town, minlength=11) > 0)
    assert np.all(np.bincount(f.node, minlength=model.n_int) > 0)


def test_zone_shares_follow_the_2025_zone_targets(model, region):
    zones = region.data.zones["target_2025_industrial_output_yi"]
    share = zones / zones.sum()
    f = model.firms
    va_by_zone = np.bincount(model.town_zone[f.town], weights=f.value_added_yi, minlength=4)
    assert np.allclose(va_by_zone / va_by_zone.sum(), share.to_numpy(), atol=1e-9)


def test_firm_sizes_have_a_zipf_tail(model):
    f = model.firms
    assert 0.8 <= zipf_tail_exponent(f.output_yi, 0.1) <= 1.3  # Axtell (2001) ≈ 1.06
    assert f.output_yi.max() < 0.1 * f.output_yi.sum()


def test_calibration_is_deterministic(region):
    a = calibrate(region, load_config(), stream(3, "calibration"))
    b = calibrate(region, load_config(), stream(3, "calibration"))
    assert np.array_equal(a.firms.output_yi, b.firms.output_yi)
    assert np.array_equal(a.firms.node, b.firms.node)


def test_firm_count_scales(region):
    big = XinhuiModel(seed=0, region=region, overrides={"firms.count": 20_000})
    assert big.firms.n_alive == 20_000
    assert big.gdp_yi == pytest.approx(1011.25, rel=1e-9)


def test_helpers():
    rng = np.random.default_rng(0)
    size = rng.random(500) ** -1.0
    node = place_firms(size, np.array([5.0, 1.0, 0.1]), rng)
    assert set(np.unique(node)) == {0, 1, 2}
    va = np.array([0.01, 0.1, 1.0, 10.0])
    r = solve_value_added_ratio(va, 44.0, 0.2)
    assert (va / r)[va / r >= 0.2].sum() == pytest.approx(44.0, rel=1e-6)


def test_missing_district_figure_is_a_data_error(region):
    with pytest.raises(DataError, match="missing district figure"):
        district_value(region.data, "gdp_yi", 1990)
