"""Investment attraction: arrival rates, sizes, logit location choice, competition rents."""

import numpy as np
import pytest

from simxh.economics import attraction as attr


def test_arrival_rate_scales_with_attractiveness_effort_and_pipeline():
    base = attr.project_arrival_rate(40.0, 1.0)
    assert base == pytest.approx(40.0)
    assert attr.project_arrival_rate(40.0, 1.1) == pytest.approx(44.0)
    assert attr.project_arrival_rate(40.0, 1.0, effort=1.0) == pytest.approx(40.0 * 2**0.3)
    assert attr.project_arrival_rate(40.0, 1.0, pipeline_multiplier=1.15) == pytest.approx(46.0)


def test_pareto_sizes_respect_minimum_cap_and_tail():
    rng = np.random.default_rng(0)
    s = attr.pareto_sizes(rng.random(100_000), 1.0, 1.1, 200.0)
    assert s.min() >= 1.0 and s.max() <= 200.0
    assert np.mean(s > 10.0) == pytest.approx(10.0**-1.1, rel=0.05)


def test_logit_choice_samples_logit_probabilities_over_feasible_alternatives():
    rng = np.random.default_rng(5)
    u = np.array([0.0, 1.0, 2.0])
    feasible = np.array([True, True, False])
    p = attr.logit_probabilities(u, feasible)
    assert p[2] == 0.0 and p.sum() == pytest.approx(1.0)
    assert p[1] == pytest.approx(np.e / (1 + np.e))
    n = 100_000
    choices = attr.logit_choice(np.tile(u, (n, 1)), rng.gumbel(size=(n, 3)), np.tile(feasible, (n, 1)))
    assert np.mean(choices == 1) == pytest.approx(p[1], abs=0.01)
    none = attr.logit_choice(u[None, :], np.zeros((1, 3)), np.zeros((1, 3), bool))
    assert none[0] == -1


def test_location_utility_prefers_access_land_and_lead_sector():
    one = np.ones(2)
    u = attr.location_utility(np.array([1.0, 2.0]), one, one, np.zeros(2), np.zeros(2))
    assert u[1] > u[0]
    u = attr.location_utility(one, one, one, np.array([0.0, 1.0]), np.zeros(2))
    assert u[1] - u[0] == pytest.approx(1.0)


def test_land_need_and_competition_rent():
    assert attr.land_need_mu(np.array([4.0]), 0.04)[0] == pytest.approx(100.0)
    rent = attr.competition_subsidy(np.array([10.0, 10.0]), np.array([1, 3]), 0.03)
    assert list(rent) == [0.0, pytest.approx(0.3)]


# ---- the contested pool -----------------------------------------------------------------------
def test_logit_coefficient_reproduces_the_count_elasticity_at_the_base_share():
    s0, e = 0.06, 1.0
    beta = attr.logit_coefficient(e, s0)
    assert beta == pytest.approx(e / (1 - s0))
    w = (1 - s0) / s0  # rivals' weight total giving the base share at utility 0
    h = 1e-6
    up = attr.chooser_share(beta * np.log(1 + h), w)
    assert np.log(up / s0) / np.log(1 + h) == pytest.approx(e, rel=1e-4)


def test_pool_utility_is_zero_at_base_conditions_and_rises_with_effort_and_access():
    assert attr.pool_utility(1.0, 0.0, 1.0, 0.3) == 0.0
    assert attr.pool_utility(1.0, 1.0, 1.0, 0.3) == pytest.approx(0.3 * np.log(2))
    assert attr.pool_utility(1.1, 0.0, 2.0, 0.3) == pytest.approx(2 * np.log(1.1))


def test_inclusive_value_gain_is_the_nested_logit_log_sum():
    w = np.array([1.0, 3.0])
    assert attr.inclusive_value_gain(w, np.zeros(2)) == 0.0
    d = np.array([np.log(2.0), 0.0])
    assert attr.inclusive_value_gain(w, d, 1.0) == pytest.approx(np.log((2 + 3) / 4))
    assert attr.inclusive_value_gain(w, d, 0.5) == pytest.approx(0.5 * np.log(5 / 4))
    assert attr.inclusive_value_gain(np.zeros(2), d) == 0.0


def test_calibrated_constant_reproduces_the_base_share():
    w, seg_w, seg_u = 14.0, np.array([0.7, 0.3]), np.array([0.0, 0.2])
    c = attr.calibrate_pool_constant(1 / 15, seg_w, seg_u, w, 0.01)
    assert attr.expected_pool_share(c, seg_w, seg_u, w, 0.01) == pytest.approx(1 / 15, rel=1e-12)
    # one segment, no referral: the constant is 0 (the rivals' weights are the data shares)
    assert attr.calibrate_pool_constant(1 / 15, np.array([1.0]), np.array([0.0]), w) == \
        pytest.approx(0.0, abs=1e-12)


def test_split_pool_displaces_rivals_one_for_one_with_common_random_numbers():
    rng = np.random.default_rng(3)
    n = 5000
    u1, u2 = rng.random(n), rng.random(n)
    shares = np.array([2.0, 1.0, 5.0])
    won_lo, riv_lo = attr.split_pool(u1, u2, np.full(n, 0.05), shares)
    won_hi, riv_hi = attr.split_pool(u1, u2, np.full(n, 0.10), shares)
    assert np.all(won_hi >= won_lo)  # a won project stays won
    lo = np.bincount(riv_lo[riv_lo >= 0], minlength=3)
    hi = np.bincount(riv_hi[riv_hi >= 0], minlength=3)
    assert np.all(hi <= lo)  # every rival loses (weakly)
    assert won_hi.sum() - won_lo.sum() == lo.sum() - hi.sum() > 0
    assert won_lo.sum() + lo.sum() == n
    # the rivals' split follows their relative weights (independence of irrelevant alternatives)
    assert lo / lo.sum() == pytest.approx(shares / shares.sum(), abs=0.02)
    assert won_lo.mean() == pytest.approx(0.05, abs=0.01)


def test_land_servicing_cost_is_per_mu():
    assert attr.land_servicing_cost(3000.0, 25 / 3000) == pytest.approx(25.0)
    assert attr.land_servicing_cost(-1.0, 0.01) == 0.0
