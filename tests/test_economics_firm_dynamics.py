"""Firm dynamics: productivity shocks, investment, hiring, exit, thresholds, certification."""

import numpy as np
import pytest

from simxh.economics import firm_dynamics as fd


def test_laplace_shocks_keep_mean_growth_at_drift():
    rng = np.random.default_rng(1)
    eps = rng.laplace(0.0, 1.0, 400_000)
    la = fd.productivity_growth(np.zeros_like(eps), 0.02, 0.1, eps)
    assert np.mean(np.exp(la)) == pytest.approx(np.exp(0.02), rel=2e-3)
    # fat tails: the Laplace kurtosis is 6 (a Gaussian has 3)
    z = (la - la.mean()) / la.std()
    assert np.mean(z**4) > 5.0


def test_mean_reversion_gives_the_stationary_dispersion():
    rng = np.random.default_rng(2)
    la = np.zeros(50_000)
    for _ in range(60):
        la = fd.productivity_growth(la, 0.0, 0.1, rng.laplace(0, 1, la.size), 0.0, la.mean(), 0.2)
    assert la.std() == pytest.approx(fd.stationary_productivity_sd(0.1, 0.2), rel=0.05)
    assert fd.stationary_productivity_sd(0.1, 0.0) == float("inf")


def test_investment_capital_and_labour_demand():
    va = np.array([10.0, 0.0])
    # desired capital: φ·α·VA / (r + δ)
    assert np.allclose(fd.desired_capital(va, 0.4, 0.2, 0.85), [17.0, 0.0])
    k = np.array([17.0, 10.0])
    desired = np.array([17.0, 8.0])
    cap = np.full(2, 100.0)
    # at its desired capital on the expected path a firm invests (δ + g)·K
    inv = fd.investment_to_target(k, desired, 0.08, 0.3, cap, 1.0, True, 0.05)
    assert inv[0] == pytest.approx((0.08 + 0.05) * 17.0)
    # above its desired capital it closes a share of the gap (here: 0.08·10 + 0.05·10 − 0.3·2)
    assert inv[1] == pytest.approx(0.8 + 0.5 - 0.6)
    # labour shortage scales expansion, financing caps the total, never negative
    assert fd.investment_to_target(k, desired, 0.08, 0.3, cap, 0.5, True, 0.05)[0] == \
        pytest.approx(0.08 * 17.0 + 0.5 * 0.05 * 17.0)
    assert np.allclose(fd.investment_to_target(k, desired, 0.08, 0.3, np.array([1.0, 1.0]),
                                               1.0, True, 0.05), [1.0, 0.7])
    assert np.all(fd.investment_to_target(k, np.zeros(2), 0.0, 1.0, cap) == 0.0)
    # the what-if of no net investment: replacement only
    assert np.allclose(fd.investment_to_target(k, desired * 3, 0.08, 0.3, cap, 1.0, False, 0.05),
                       0.08 * k)
    assert np.allclose(fd.capital_accumulation(np.array([100.0]), np.array([10.0]), 0.08), [102.0])
    # (1 - α)·VA / w: 10亿 × 0.6 / 20万元 = 0.3万 workers
    assert fd.labour_demand(np.array([10.0]), np.array([20.0]), 0.4)[0] == pytest.approx(0.3)
    assert fd.partial_adjustment(np.array([1.0]), np.array([3.0]), 0.5)[0] == pytest.approx(2.0)


def test_exit_hazard_falls_with_size_and_productivity_and_is_higher_when_young():
    out = np.array([0.1, 1.0, 10.0])
    h = fd.exit_hazard(out, np.ones(3), np.full(3, 10), 1.0, 1.0)
    assert h[0] > h[1] > h[2] and h[1] == pytest.approx(0.07)
    hp = fd.exit_hazard(np.ones(2), np.array([0.5, 2.0]), np.full(2, 10), 1.0, 1.0)
    assert hp[0] > hp[1]
    young = fd.exit_hazard(np.ones(1), np.ones(1), np.zeros(1), 1.0, 1.0)
    assert young[0] == pytest.approx(0.14)
    assert fd.exit_hazard(np.full(1, 1e-9), np.full(1, 1e-9), np.zeros(1), 1.0, 1.0)[0] <= 0.9


def test_thresholds_certification_and_renovation():
    assert list(fd.crosses_threshold(np.array([0.19, 0.2, 5.0]), 0.2)) == [False, True, True]
    p = fd.certification_probability(np.array([-5.0, 0.0, 5.0]), 0.08, 4.0)
    assert p[0] < p[1] < p[2] and p[1] == pytest.approx(0.04) and p[2] < 0.08
    r = fd.organic_renovation_probability(np.array([0.0, 100.0]), 0.02)
    assert r[0] == pytest.approx(0.02) and r[1] == 1.0


def test_hill_estimator_recovers_a_pareto_exponent():
    rng = np.random.default_rng(3)
    x = rng.random(200_000) ** (-1.0 / 1.05)
    assert fd.zipf_tail_exponent(x, 0.05) == pytest.approx(1.05, rel=0.05)


def test_renovation_financing_pays_debt_first_then_the_renovation_then_borrows() -> None:
    from simxh.economics.firm_dynamics import renovation_financing

    funds = np.array([1.0, 1.0, 1.0, 0.5])
    own = np.array([0.0, 0.4, 2.0, 0.0])
    debt = np.array([0.0, 0.0, 0.0, 1.0])
    left, new_debt = renovation_financing(funds, own, debt, loan_rate=0.05)
    assert np.allclose(left, [1.0, 0.6, 0.0, 0.0])
    # debt: none; none; borrowed 1.0; 1.05 owed, 0.5 repaid
    assert np.allclose(new_debt, [0.0, 0.0, 1.0, 0.55])
    # money is conserved: what the funds paid plus what is still owed is everything owed (last
    # year's debt with its interest and this year's own part)
    assert np.allclose((funds - left) + new_debt, debt * 1.05 + own)
    # the default rate is the August 2023 one-year LPR
    assert renovation_financing(np.array([0.0]), np.array([0.0]), np.array([1.0]))[1][0] == 1.0345


def test_renovation_counts_toward_the_capital_target() -> None:
    """A renovation is investment toward the same desired capital: it crowds out the firm's
    other investment one for one (never below zero)."""
    k, desired = np.array([10.0, 10.0]), np.array([12.0, 12.0])
    free = fd.investment_to_target(k, desired, 0.08, 0.5, np.array([100.0, 100.0]))
    assert free == pytest.approx([1.8, 1.8])
    with_renov = fd.investment_to_target(k, desired, 0.08, 0.5, np.array([100.0, 100.0]),
                                         committed_yi=np.array([0.5, 3.0]))
    assert with_renov == pytest.approx([1.3, 0.0])
