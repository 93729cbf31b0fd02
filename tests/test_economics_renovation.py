"""Technology renovation as a firm's decision: the pure functions and their literature defaults."""

from __future__ import annotations

import numpy as np
import pytest

from simxh.economics import renovation as rv


def test_annuity_factor_defaults_and_limits() -> None:
    # 12 % hurdle rate (Poterba & Summers 1995), 10-year machinery life (EIT rules, Art. 60)
    assert rv.annuity_factor() == pytest.approx(sum(1.12**-t for t in range(1, 11)))
    assert rv.annuity_factor(0.0, 7, 1.0) == pytest.approx(7.0)
    # a fading gain is worth less than a lasting one
    assert rv.annuity_factor(0.12, 10, 0.8) < rv.annuity_factor(0.12, 10, 1.0)
    assert rv.annuity_factor(0.12, 0) == 0.0
    with pytest.raises(ValueError):
        rv.annuity_factor(0.1, -1)


def test_gain_value_scales_with_value_added_and_gain() -> None:
    v = rv.renovation_gain_value(np.array([1.0, 2.0, -1.0]), 0.05, 0.3, 5.0)
    assert v[0] == pytest.approx(np.expm1(0.05) * 0.3 * 5.0)
    assert v[1] == pytest.approx(2 * v[0]) and v[2] == 0.0


def test_subsidy_raises_the_chance_and_credit_binds() -> None:
    gain, cost, room = np.array([1.0]), np.array([1.0]), np.array([10.0])
    p0 = rv.renovation_probability(gain, cost, 0.0, room)[0]
    p5 = rv.renovation_probability(gain, cost, 0.5, room)[0]
    assert p0 == pytest.approx(0.5)  # value equals own cost: indifferent
    assert p5 > p0  # a subsidy lowers the firm's own cost
    assert rv.renovation_probability(gain, cost, 1.0, room)[0] == 1.0
    # a firm that cannot finance its part does not renovate, subsidy or not
    assert rv.renovation_probability(gain, cost, 0.5, np.array([0.4]))[0] == 0.0
    assert rv.renovation_probability(gain, cost, 0.5, np.array([0.5]))[0] == pytest.approx(p5)
    # monotone in the subsidy rate
    ps = [rv.renovation_probability(gain, cost, s, room)[0] for s in np.linspace(0, 0.9, 10)]
    assert np.all(np.diff(ps) > 0)


def test_additional_renovations_need_a_subsidy() -> None:
    gain, cost, room = np.array([1.0, 0.5]), np.array([1.0, 1.0]), np.array([10.0, 0.6])
    assert np.all(rv.additional_renovation_probability(gain, cost, 0.0, room) == 0.0)
    half = rv.additional_renovation_probability(gain, cost, 0.5, room)
    assert np.all(half > 0)
    # the second firm cannot borrow the full cost: unaided it never renovates, so every
    # renovation the subsidy makes possible is additional
    assert half[1] == pytest.approx(rv.renovation_probability(gain, cost, 0.5, room)[1])
    more = rv.additional_renovation_probability(gain, cost, 0.8, room)
    assert np.all(more > half)


def test_operating_profit_is_value_added_after_wages_and_depreciation() -> None:
    from simxh.economics import production as prod

    # φ = 0.85, α = 0.4: the firm keeps 1 − 0.85·0.6 = 0.49 of value added before depreciation
    assert prod.profit_share(0.4, 0.85) == pytest.approx(0.49)
    assert prod.profit_share(0.4, 1.0) == pytest.approx(0.4)  # constant returns: capital's share
    p = prod.operating_profit(np.array([10.0]), np.array([20.0]), 0.4, 0.85, 0.08)
    assert p[0] == pytest.approx(0.49 * 10.0 - 0.08 * 20.0)


def test_embodied_gain_wears_out_with_the_capital() -> None:
    """A gain decays at the depreciation rate; a new renovation adds its vintage."""
    c = rv.embodied_gain(np.array([0.0, 0.05]), np.array([0.05, 0.0]), 0.08)
    assert c == pytest.approx([0.05, 0.05 * 0.92])
    c = np.array([0.0])
    for _ in range(10):
        c = rv.embodied_gain(c, 0.0 if len(c) and c[0] > 0 else 0.05, 0.08)
    assert c[0] == pytest.approx(0.05 * 0.92**9)
    # renovating every 3 years tends to g / (1 − (1 − δ)^3), not to an ever-rising level
    c = np.array([0.0])
    for t in range(300):
        c = rv.embodied_gain(c, 0.05 if t % 3 == 0 else 0.0, 0.08)
    assert c[0] == pytest.approx(0.05 * 0.92**2 / (1 - 0.92**3), rel=1e-6)
