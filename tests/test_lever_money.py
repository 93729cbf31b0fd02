"""Levers cost what they do: no money, no effect; less money, less effect; the budget binds."""

from __future__ import annotations

import numpy as np
import pytest

import simxh

SHORT = {"run.end_year": 2027, "macro.shocks": False,
         "estimation.parameter_uncertainty": False}


def _run(overrides: dict, seed: int = 1) -> simxh.XinhuiModel:
    m = simxh.XinhuiModel(seed=seed, overrides={**SHORT, **overrides})
    m.accepted, m.spent = [], []
    while m.running and m.year < m.end_year:
        m.step()
        m.check_accounts()  # the accounts close every year, levers or not
        m.accepted.append(m.industry.renovation_accepted)
        m.spent.append(m.government.ledger.get("spend_tech_renovation", 0.0))
    return m


def test_renovation_support_without_money_changes_nothing() -> None:
    base = _run({})
    free = _run({"tech_renovation.enabled": True, "tech_renovation.subsidy_share": 0.0})
    assert sum(free.accepted) == 0
    assert free.gdp_yi == base.gdp_yi and free.hightech_firms == base.hightech_firms


def test_a_higher_subsidy_rate_brings_more_renovations() -> None:
    # no cap on places: the take-up alone (the budget ceiling binds near a full subsidy)
    counts = {s: sum(_run({"tech_renovation.enabled": True, "tech_renovation.firms_per_year": 10**5,
                           "tech_renovation.subsidy_share": s}).accepted)
              for s in (0.0, 0.1, 0.25, 0.5)}
    assert counts[0.0] == 0 < counts[0.1] < counts[0.25] < counts[0.5]


def test_effort_the_budget_cannot_pay_does_less() -> None:
    # an effort whose cost is far beyond the district's resources, with no borrowing
    m = simxh.XinhuiModel(seed=1, overrides={
        **SHORT, "attraction.effort": 2.0, "attraction.effort_cost_yi": 500.0,
        "fiscal.allow_debt": False})
    for _ in range(3):
        paid_before = m.finance.funding["attraction_effort"]
        m.step()
        m.check_accounts()
        # this year's effort is what last year's budget paid for
        assert np.isclose(m.attraction.effective_effort, 2.0 * paid_before)
        led = m.government.ledger
        assert led["spend_general"] >= -1e-9
        assert led["spend_attraction_effort"] < 2.0 * 500.0
    assert 0.0 <= m.finance.funding["attraction_effort"] < 0.2


def test_paid_effort_keeps_its_full_effect() -> None:
    m = _run({"attraction.effort": 1.0})
    assert m.finance.funding["attraction_effort"] == 1.0
    assert m.attraction.effective_effort == 1.0


def test_renovation_gains_wear_out_with_the_renovated_capital() -> None:
    """ODD: a renovation's log TFP gain is embodied in its capital and depreciates with it at
    firms.depreciation (no permanent rise of the long-run level)."""
    m = simxh.XinhuiModel(seed=2, overrides={**SHORT, "tech_renovation.enabled": True,
                                             "tech_renovation.subsidy_share": 1.0})
    f = m.firms
    mu0 = f.log_productivity_mean.copy()
    k0 = f.capital_yi.copy()
    m.step()
    n = len(mu0)
    renovated = np.flatnonzero(f.alive[:n] & (f.renovated_year[:n] == m.year))
    kept = np.flatnonzero(f.alive[:n] & (f.renovated_year[:n] != m.year))
    assert len(renovated) >= 100 and len(kept) > 0  # the programme's 100 and unaided ones
    fp = m.p.firms
    drift, gain, delta = m.industry.fields.tfp_growth, fp.renovation_gain, fp.depreciation
    # the long-run level grows with the technology only; the gain sits in the renovation component
    assert np.allclose(f.log_productivity_mean[:n][f.alive[:n]] - mu0[f.alive[:n]], drift)
    assert np.allclose(f.renovation_log_gain[renovated], gain)
    assert np.allclose(f.renovation_log_gain[kept], 0.0)
    assert np.allclose(f.renovation_capital_yi[renovated],
                       fp.renovation_cost_share * k0[renovated])
    for _ in range(3):
        m.step()
    # three years on, a firm not renovated again keeps gain·(1 − δ)³, and its renovation
    # capital depreciated alike
    still = renovated[f.alive[renovated] & (f.renovated_year[renovated] == m.year - 3)]
    assert len(still) > 0
    assert np.allclose(f.renovation_log_gain[still], gain * (1.0 - delta) ** 3)
    assert np.allclose(f.renovation_capital_yi[still],
                       fp.renovation_cost_share * k0[still] * (1.0 - delta) ** 3)


def test_half_the_places_do_less_than_the_full_programme() -> None:
    """Half the money (half the supported places) gives a smaller, positive effect, on average
    over seeds: on one seed the paths part after the first year (a firm the full programme
    renovated is not eligible again for three years, so the half one may pick a larger firm
    later), so spending need not be ordered seed by seed."""
    seeds = (3, 4, 5, 6)

    def totals(overrides: dict) -> tuple[float, float, float]:
        runs = [_run(overrides, seed=s) for s in seeds]
        return (sum(sum(m.spent) for m in runs), sum(sum(m.accepted) for m in runs),
                sum(m.gdp_yi for m in runs))

    _, _, base_gdp = totals({})
    half = totals({"tech_renovation.enabled": True, "tech_renovation.firms_per_year": 20})
    full = totals({"tech_renovation.enabled": True, "tech_renovation.firms_per_year": 40})
    assert 0 < half[0] < full[0]
    assert 0 < half[1] < full[1]
    assert base_gdp < half[2] < full[2]


def test_a_renovation_crowds_out_the_firms_other_investment() -> None:
    """The same firm, the same year, with and without a supported renovation: where its
    retained profits bind, its own part (1 − subsidy) of the renovation is taken from its other
    investment, and what the funds cannot cover becomes debt."""
    from simxh.firms import draw_firm_year, step_firms

    m = simxh.XinhuiModel(seed=1, overrides={
        **SHORT, "tech_renovation.enabled": True, "tech_renovation.subsidy_share": 0.2,
        "firms.reinvestment_share": 0.2, "firms.renovation_base_rate": 0.0})
    m.year += 1
    fields = m.industry.firm_fields()
    f = m.firms
    i = int(np.flatnonzero(f.alive & f.above_scale)[0])
    fp = m.p.firms
    renovation = fp.renovation_cost_share * float(f.capital_yi[i])
    own = (1.0 - 0.2) * renovation
    without, with_ = f.take(np.arange(len(f))), f.take(np.arange(len(f)))
    draws = draw_firm_year(m.streams, m.year, len(f))
    step_firms(without, fields, draws, fp)
    draws.supported[i] = True
    step_firms(with_, fields, draws, fp)
    assert with_.renovated_year[i] == m.year and without.renovated_year[i] != m.year
    added = float(with_.capital_yi[i] - without.capital_yi[i])
    crowded_out = renovation - added  # the other investment the renovation displaced
    assert 0.0 < crowded_out <= own + 1e-12
    # the own part is paid from the funds (crowding out) or borrowed, nothing else
    assert crowded_out + float(with_.renovation_debt_yi[i]) == pytest.approx(own, rel=1e-9)
    assert without.renovation_debt_yi[i] == 0.0


def test_the_firm_pays_its_own_part_of_a_renovation() -> None:
    """Someone pays for the renovation capital: the firm's own part comes out of the funds
    that finance its other investment, or is borrowed and repaid later."""
    m = _run({"tech_renovation.enabled": True, "tech_renovation.subsidy_share": 0.2})
    f = m.firms
    debt = f.renovation_debt_yi[f.alive]
    assert np.all(np.isfinite(debt)) and np.all(debt >= 0.0)
    # a firm without a renovation owes nothing; every debtor renovated
    owes = np.flatnonzero(f.alive & (f.renovation_debt_yi > 0))
    assert np.all(f.renovated_year[owes] > 0)


def test_renovation_moves_the_certification_targets() -> None:
    """The high-tech count responds to the renovation lever (the bar is a standard that
    advances with the TFP drift, not a quantile of this year's firms), and more with the R&D
    criterion's bonus than without it (common random numbers, paired)."""
    gains, gains_no_bonus = [], []
    for seed in (1, 2, 3):
        over = {"run.end_year": 2030}
        base = _run(over, seed=seed).hightech_firms
        lever = {**over, "tech_renovation.enabled": True}
        gains.append(_run(lever, seed=seed).hightech_firms - base)
        no_bonus = {"firms.renovation_certification_bonus": 0.0}
        gains_no_bonus.append(_run({**lever, **no_bonus}, seed=seed).hightech_firms
                              - _run({**over, **no_bonus}, seed=seed).hightech_firms)
    assert sum(gains) > 0 and all(g >= 0 for g in gains)
    assert sum(gains) > sum(gains_no_bonus)
