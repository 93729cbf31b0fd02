"""The per-agent ("naive Mesa") reference implementation of simxh's firm rules.

One :class:`FirmAgent` (a ``mesa.Agent``) per firm holds its own scalar state (capital,
employment, productivity, age, status flags as plain Python attributes) and applies the firm
rules of :func:`simxh.firms.step_firms` to itself, one firm at a time, stepped with
``model.agents_by_type[FirmAgent].shuffle_do("step")``. The rules call the SAME pure functions of
``simxh.economics`` (on scalars), read the SAME shared per-year fields (``FirmFields``, computed
by the vectorised model) and the SAME per-firm random draws (``FirmDraws``: the year's arrays are
drawn from the named streams once, and each agent reads its own element), so under a given seed
the reference and simxh produce the same tables (see ``benchmarks/bench_reference.py``).

:class:`ReferenceModel` subclasses :class:`simxh.XinhuiModel` and replaces only the firm step:
during ``step()`` the firm process's call to ``simxh.firms.step_firms`` is routed to the per-agent loop. Everything
else (shared fields, entry, attraction, towns, budget, data collection) is the model's own code,
so the reference follows the model as it evolves. Entrants (appended to the model's arrays by
the model's entry code) become agents at the start of the next firm step; an exiting firm
removes itself from the model (``self.remove()``). After the loop the agents' state is written
back into the model's arrays, which the rest of the (vectorised) model reads.

If the firm rules in ``simxh/firms.py`` change, :meth:`FirmAgent.step` must change with them;
``tests/test_benchmarks_smoke.py`` fails until it does.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import Any

import mesa
import numpy as np

import simxh.firms as _firms_module
from simxh import XinhuiModel
from simxh.economics import firm_dynamics as fd
from simxh.economics import production as prod
from simxh.economics import renovation as rv
from simxh.firms import FirmDraws, FirmFields, Firms

# the per-firm state an agent holds (read from the model's arrays when the agent is created,
# written back after every firm step)
STATE = ("log_productivity", "log_productivity_mean", "capital_yi", "employment_wan", "value_added_yi", "output_yi",
         "age_years", "alive", "above_scale", "hightech", "little_giant", "renovated_year",
         "renovation_debt_yi", "renovation_log_gain", "renovation_capital_yi", "grant_yi")


class FirmAgent(mesa.Agent):
    """One industrial firm (工业企业) as a Mesa agent with scalar state."""

    def __init__(self, model: ReferenceModel, index: int) -> None:
        super().__init__(model)
        f = model.firms
        self.index = index  # the firm's row in the model's arrays (its identity)
        self.sector = int(f.sector[index])
        self.node = int(f.node[index])
        self.town = int(f.town[index])
        self.log_productivity = float(f.log_productivity[index])
        self.log_productivity_mean = float(f.log_productivity_mean[index])
        self.capital_yi = float(f.capital_yi[index])
        self.employment_wan = float(f.employment_wan[index])
        self.value_added_yi = float(f.value_added_yi[index])
        self.output_yi = float(f.output_yi[index])
        self.age_years = int(f.age_years[index])
        self.alive = bool(f.alive[index])
        self.above_scale = bool(f.above_scale[index])
        self.hightech = bool(f.hightech[index])
        self.little_giant = bool(f.little_giant[index])
        self.renovated_year = int(f.renovated_year[index])
        self.renovation_debt_yi = float(f.renovation_debt_yi[index])
        self.renovation_log_gain = float(f.renovation_log_gain[index])
        self.renovation_capital_yi = float(f.renovation_capital_yi[index])
        # a project's integration rent, received on entry and spent as funds in its first year
        self.grant_yi = float(f.grant_yi[index])

    def step(self) -> None:
        """One year of this firm's decisions: renovate → productivity → invest → hire → produce →
        exit → certify (the order and rules of ``simxh.firms.step_firms``)."""
        m = self.model
        fields: FirmFields = m.ref_fields
        d: FirmDraws = m.ref_draws
        p = m.p.firms
        i = self.index
        alpha = p.capital_share
        self.age_years += 1

        # technology renovation (技术改造)
        gap = self.log_productivity - fields.renovation_bar_log_a
        p_renov = fd.organic_renovation_probability(gap, p.renovation_base_rate)
        renovate = bool(self.above_scale and (d.renovation_u[i] < p_renov or d.supported[i]))
        renovation_investment = p.renovation_cost_share * self.capital_yi if renovate else 0.0
        if renovate:
            self.renovated_year = fields.year
            m.ref_renovated += 1
            m.ref_renovation_investment[i] = renovation_investment
            if d.supported[i]:
                m.ref_supported_investment[i] = renovation_investment
                m.ref_supported[i] = True

        # productivity: technology + fat-tailed shock + the change of the renovation component
        # (the gain embodied in the renovated capital, wearing out with it), around the firm's
        # long-run level plus that component
        gain = p.renovation_gain if renovate else 0.0
        comp_old = self.renovation_log_gain
        comp_new = float(rv.embodied_gain(comp_old, gain, p.depreciation))
        self.log_productivity = float(fd.productivity_growth(
            _one(self.log_productivity), fields.tfp_growth, p.shock_scale, _one(d.shock[i]),
            _one(comp_new - comp_old), _one(self.log_productivity_mean + comp_old),
            p.mean_reversion)[0])
        self.renovation_log_gain = comp_new
        self.renovation_capital_yi = float(fd.capital_accumulation(
            self.renovation_capital_yi, renovation_investment, p.depreciation))
        # the long-run level grows with the technology (a renovation's gain is in the component)
        self.log_productivity_mean = float(self.log_productivity_mean + fields.tfp_growth)

        # investment toward desired capital (last year's value added), financed out of profits
        # and last year's grant (after the firm's own part of a renovation and its renovation
        # debt) and limited where labour is short; the renovation counts toward that capital
        phi = p.returns_to_scale
        allowed = fields.expansion_allowed[self.town]
        va = _one(self.value_added_yi)
        desired = fd.desired_capital(va, alpha, fields.user_cost, phi)
        funds = p.reinvestment_share * alpha * np.maximum(va, 0.0) + self.grant_yi
        self.grant_yi = 0.0
        own = renovation_investment * (1.0 - fields.renovation_subsidy_share
                                       if d.supported[i] else 1.0)
        m.ref_own[i] = own
        cap, debt = fd.renovation_financing(funds, _one(own), _one(self.renovation_debt_yi),
                                            p.loan_rate)
        self.renovation_debt_yi = float(debt[0])
        invest = float(fd.investment_to_target(_one(self.capital_yi), desired, p.depreciation,
                                               p.investment_speed, cap, _one(allowed),
                                               fields.net_investment,
                                               fields.expected_growth,
                                               committed_yi=_one(renovation_investment))[0])
        m.ref_investment[i] = invest
        self.capital_yi = float(fd.capital_accumulation(self.capital_yi,
                                                        invest + renovation_investment,
                                                        p.depreciation))

        # hiring toward labour demand at the local wage
        target_l = fd.labour_demand(self.value_added_yi, fields.wage_wan[self.town], alpha, phi)
        target_l = min(target_l, max(self.employment_wan, 1e-6) * (1.0 + p.max_hiring_growth * allowed))
        self.employment_wan = float(fd.partial_adjustment(self.employment_wan, target_l,
                                                          p.hiring_speed))

        # production
        # (1-element arrays for the rules with transcendental functions: numpy's scalar
        # functions call libm, its array loops may use SIMD versions that can differ in the
        # last bit; on arrays the agent gets bit-for-bit the vectorised model's numbers)
        va = (prod.cobb_douglas_value_added_log(_one(self.log_productivity),
                                                _one(self.capital_yi), _one(self.employment_wan),
                                                alpha, phi)
              * fields.multiplier[self.node, self.sector])[0]
        self.value_added_yi = float(va)
        self.output_yi = float(va / fields.value_added_ratio)

        # exit (hazard falls with size and productivity)
        hazard = fd.exit_hazard_log(_one(self.output_yi), _one(self.log_productivity),
                                    _one(self.age_years),
                                    fields.reference_output_yi, fields.reference_productivity,
                                    p.exit_base_rate, p.exit_size_elasticity,
                                    p.exit_productivity_elasticity, p.young_exit_multiplier)
        if d.exit_u[i] < hazard[0]:
            self.alive = False
            m.ref_exits += 1

        # status: size thresholds are nominal; certification on productivity
        alive = self.alive
        nominal = self.output_yi * fields.price_index
        self.above_scale = bool(alive and fd.crosses_threshold(nominal, p.above_scale_threshold_yi))
        bonus = p.favoured_certification_bonus if fields.favoured_sector[self.sector] else 0.0
        if self.renovated_year > fields.year - p.certification_window_years:
            bonus = bonus + p.renovation_certification_bonus
        p_ht = fd.certification_probability(self.log_productivity + bonus - fields.hightech_bar_log_a,
                                            p.hightech_max_rate)
        candidate = nominal >= p.hightech_min_output_yi
        gain = alive and candidate and not self.hightech and d.hightech_u[i] < p_ht
        lose = self.hightech and d.hightech_loss_u[i] < p.hightech_loss_rate
        self.hightech = bool(alive and ((self.hightech and not lose) or gain))
        eligible = (alive and self.hightech and not self.little_giant
                    and p.little_giant_min_output_yi <= nominal <= p.little_giant_max_output_yi)
        p_lg = fd.certification_probability(self.log_productivity - fields.little_giant_bar_log_a,
                                            p.little_giant_max_rate)
        self.little_giant = bool(alive and (self.little_giant
                                            or (eligible and d.little_giant_u[i] < p_lg)))
        if not alive:
            m.ref_gone.append(self)
            self.remove()  # the agent leaves the model; its row stays (alive = False)


def _one(x: float) -> np.ndarray:
    return np.array((x,))


@contextlib.contextmanager
def _firm_step_replaced(model: ReferenceModel) -> Iterator[None]:
    """Route ``simxh.firms.step_firms`` (the firm step :class:`simxh.processes.industry.Industry` calls) to ``model``'s per-agent loop for one ``step()``."""
    original = _firms_module.step_firms
    _firms_module.step_firms = model.agent_step_firms
    try:
        yield
    finally:
        _firms_module.step_firms = original


class ReferenceModel(XinhuiModel):
    """:class:`simxh.XinhuiModel` with the firm step done by one Mesa agent per firm."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.firm_agents: list[FirmAgent | None] = []  # by firm index (None: dead, never an agent)
        self.firm_step_seconds = 0.0  # time spent in the per-agent firm step (benchmark)
        super().__init__(*args, **kwargs)

    def step(self) -> None:
        with _firm_step_replaced(self):
            super().step()

    def _sync_new_agents(self) -> None:
        """Entrants appended to the arrays since the last firm step become agents."""
        f = self.firms
        for i in range(len(self.firm_agents), len(f)):
            self.firm_agents.append(FirmAgent(self, i) if f.alive[i] else None)

    def agent_step_firms(self, f: Firms, fields: FirmFields, draws: FirmDraws, p: object
                         ) -> dict[str, float]:
        """The per-agent replacement of :func:`simxh.firms.step_firms` (same signature/return)."""
        t0 = time.perf_counter()
        self._sync_new_agents()
        # the model's own code adds capital to some firms between firm steps (the tranches of
        # projects that are still being built): the agents read it back
        cap = f.capital_yi
        for agent in self.agents_by_type[FirmAgent]:
            agent.capital_yi = float(cap[agent.index])
        n = len(f)
        self.ref_fields, self.ref_draws = fields, draws
        self.ref_renovated = 0
        self.ref_exits = 0
        self.ref_gone: list[FirmAgent] = []
        self.ref_renovation_investment = np.zeros(n)
        self.ref_supported_investment = np.zeros(n)
        self.ref_supported = np.zeros(n, dtype=bool)
        self.ref_investment = np.zeros(n)
        self.ref_own = np.zeros(n)
        alive = f.alive.copy()
        self.agents_by_type[FirmAgent].shuffle_do("step")
        self._write_back(self.ref_gone)
        self.firm_step_seconds += time.perf_counter() - t0
        # sums over all firms' arrays, as step_firms does (same float summation order)
        return {"renovated": float(self.ref_renovated), "exits": float(self.ref_exits),
                "investment_yi": float(self.ref_investment[alive].sum()
                                       + self.ref_renovation_investment.sum()),
                "renovation_investment_yi": float(self.ref_renovation_investment.sum()),
                "renovation_own_yi": float(self.ref_own[alive].sum()),
                # the supported renovations' sum over those firms alone, as step_firms sums it
                # (summing the zeros too can change the last bit of a pairwise sum)
                "supported_investment_yi": float(
                    self.ref_supported_investment[self.ref_supported].sum())}

    def _write_back(self, gone: list[FirmAgent]) -> None:
        """Copy the agents' state into the model's arrays (which the rest of the model reads)."""
        agents = list(self.agents_by_type[FirmAgent]) + gone
        idx = np.fromiter((a.index for a in agents), dtype=np.int64, count=len(agents))
        f = self.firms
        for name in STATE:
            arr = getattr(f, name)
            arr[idx] = np.fromiter((getattr(a, name) for a in agents), dtype=arr.dtype,
                                   count=len(agents))


def reference_simulate(config: Any = None, seed: int = 0, overrides: Any = None, *,
                       region: Any = None) -> Any:
    """Like :func:`simxh.simulate`, with the per-agent firm step; returns (district, towns)."""
    from simxh.config import coerce_config
    from simxh.simulation import result_tables

    model = ReferenceModel(coerce_config(config, overrides), seed=int(seed), region=region)
    model.run()
    return result_tables(model)
