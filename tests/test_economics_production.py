"""Production: value added, agglomeration, market access and public capital multipliers."""

import numpy as np
import pytest

from simxh.economics import production as prod


def test_cobb_douglas_constant_returns_and_residual_roundtrip():
    a, k, lab = np.array([1.5, 2.0]), np.array([10.0, 3.0]), np.array([0.2, 0.05])
    va = prod.cobb_douglas_value_added(a, k, lab, 0.4)
    assert np.allclose(prod.cobb_douglas_value_added(a, 2 * k, 2 * lab, 0.4), 2 * va)
    assert np.allclose(prod.productivity_for_value_added(va, k, lab, 0.4), a)
    # the literature default: capital share 0.4
    assert prod.cobb_douglas_value_added(np.ones(1), np.full(1, 2.0), np.ones(1))[0] == \
        pytest.approx(2.0**0.4)


def test_agglomeration_multiplier_is_one_at_base_and_uses_melo_default():
    base = np.array([100.0, 50.0])
    assert np.allclose(prod.agglomeration_multiplier(base, base), 1.0)
    doubled = prod.agglomeration_multiplier(2 * base, base)
    assert np.allclose(doubled, 2.0**0.04)  # Melo, Graham & Noland (2009) central estimate
    assert np.all(prod.agglomeration_multiplier(0.5 * base, base) < 1.0)


def test_market_access_and_public_capital_elasticities():
    assert prod.market_access_multiplier(np.array([2.0]), np.array([1.0]))[0] == \
        pytest.approx(2.0**0.08)
    # Bom & Ligthart (2014): short-run output elasticity of public capital 0.08
    assert prod.public_capital_multiplier(np.array([1.1]), np.array([1.0]))[0] == \
        pytest.approx(1.1**0.08)


def test_mass_within_reach_weights_fall_with_travel_time():
    t = np.array([[0.0, 30.0], [30.0, 0.0]])
    w = prod.travel_time_weights(t, half_life_min=30.0)
    assert w[0, 0] == 1.0 and w[0, 1] == pytest.approx(0.5)
    m = prod.mass_within_reach(w, np.array([10.0, 20.0]))
    assert np.allclose(m, [20.0, 25.0])
    sector = prod.mass_within_reach(w, np.array([[1.0, 0.0], [0.0, 2.0]]))
    assert sector.shape == (2, 2) and sector[0, 1] == pytest.approx(1.0)
