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
