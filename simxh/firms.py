"""The firm population (工业企业) as a structure of arrays.

Each firm is a real agent with its own state (sector, location, productivity, capital,
employment, output, age, status) and its own decisions (invest, hire, renovate, exit, get
certified), but the state lives in numpy arrays, one entry per firm, and every rule is applied
to all firms at once. Firms are never removed: an exiting firm's ``alive`` flag turns False, and
entrants are appended, so a firm keeps its index (its identity) for the whole run; per-firm
random draws are arrays over that index.

``Firms.view(i)`` gives a read-only :class:`FirmView` of one firm for inspection.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from simxh.economics import firm_dynamics as fd
from simxh.economics import production as prod
from simxh.economics import renovation as rv

FIELDS: dict[str, type] = {
    "sector": np.int16,          # index into the sector list
    "node": np.int32,            # index into region.node_ids (a town or a park)
    "town": np.int16,            # host town index (the town of the node, or a park's host town)
    "log_productivity": np.float64,  # log TFP (A)
    "log_productivity_mean": np.float64,  # the firm's long-run (permanent) log TFP
    "capital_yi": np.float64,    # 亿元, 2023 prices
    "employment_wan": np.float64,  # 万人
    "value_added_yi": np.float64,
    "output_yi": np.float64,     # gross output (总产值) = revenue, 亿元
    "land_mu": np.float64,       # industrial land held (亩)
    "age_years": np.int16,
    "birth_year": np.int16,
    "alive": np.bool_,
    "above_scale": np.bool_,     # 规模以上 (revenue >= 2000万)
    "hightech": np.bool_,        # 高新技术企业
    "little_giant": np.bool_,    # 专精特新 "小巨人"
    "renovated_year": np.int16,  # last year of technology renovation (0 = never)
    "from_project": np.bool_,    # entered as an attracted investment project
    "tax_partner_town": np.int16,  # donor town sharing this firm's taxes (pairing referral), -1 none
    "renovation_debt_yi": np.float64,  # the firm's own part of its renovations still owed (亿元)
    "renovation_log_gain": np.float64,  # log TFP embodied in its renovated capital (decays with it)
    "renovation_capital_yi": np.float64,  # its renovation capital net of depreciation (亿元)
    "grant_yi": np.float64,      # transfers received (competition rent), spent as funds next year
}


@dataclass(frozen=True)
class FirmView:
    """A read-only look at one firm (for inspection and tests)."""

    index: int
    sector: str
    node: str
    town: str
    productivity: float
    capital_yi: float
    employment_wan: float
    value_added_yi: float
    output_yi: float
    land_mu: float
    age_years: int
    alive: bool
    above_scale: bool
    hightech: bool
    little_giant: bool
    from_project: bool


class Firms:
    """All firm agents; ``firms.capital_yi[i]`` is firm ``i``'s capital."""

    sector: np.ndarray
    node: np.ndarray
    town: np.ndarray
    log_productivity: np.ndarray
    log_productivity_mean: np.ndarray
    capital_yi: np.ndarray
    employment_wan: np.ndarray
    value_added_yi: np.ndarray
    output_yi: np.ndarray
    land_mu: np.ndarray
    age_years: np.ndarray
    birth_year: np.ndarray
    alive: np.ndarray
    above_scale: np.ndarray
    hightech: np.ndarray
    little_giant: np.ndarray
    renovated_year: np.ndarray
    from_project: np.ndarray
    tax_partner_town: np.ndarray
    renovation_debt_yi: np.ndarray
    renovation_log_gain: np.ndarray
    renovation_capital_yi: np.ndarray
    grant_yi: np.ndarray

    def __init__(self, n: int = 0, *, sector_ids: tuple[str, ...] = (),
                 node_ids: tuple[str, ...] = (), town_ids: tuple[str, ...] = ()) -> None:
        self.sector_ids = sector_ids
        self.node_ids = node_ids
        self.town_ids = town_ids
        for name, dtype in FIELDS.items():
            setattr(self, name, np.zeros(n, dtype=dtype))
        self.tax_partner_town[:] = -1

    def __len__(self) -> int:  # firms ever created (alive or not)
        return len(self.alive)

    @property
    def productivity(self) -> np.ndarray:
        return np.exp(self.log_productivity)

    @property
    def n_alive(self) -> int:
        return int(np.count_nonzero(self.alive))

    def append(self, **columns: np.ndarray) -> np.ndarray:
        """Add firms (entrants); missing fields take defaults. Returns their indices.

        Each field is a view of the first ``len(self)`` entries of a buffer with spare room,
        so that a year's entrants are written in place rather than every array copied (a
        buffer that is full is replaced by one twice its size; an array held from before an
        append keeps the length it had, as with copies).
        """
        n_new = len(next(iter(columns.values())))
        start = len(self)
        end = start + n_new
        bufs = self.__dict__.setdefault("_buffers", {})
        for name, dtype in FIELDS.items():
            old = getattr(self, name)
            new: np.ndarray | int | bool
            if name in columns:
                new = np.asarray(columns[name], dtype=dtype)
                if new.shape != (n_new,):
                    raise ValueError(f"column {name} has shape {new.shape}, expected ({n_new},)")
            else:
                new = -1 if name == "tax_partner_town" else (True if name == "alive" else 0)
            buf = bufs.get(name)
            if buf is None or old.base is not buf or len(buf) < end or old.dtype != dtype:
                buf = bufs[name] = np.empty(max(2 * end, 64), dtype=dtype)
                buf[:start] = old
            buf[start:end] = new
            setattr(self, name, buf[:end])
        return np.arange(start, end)

    def take(self, idx: np.ndarray) -> Firms:
        """A copy holding only the firms ``idx`` (in that order)."""
        out = Firms(0, sector_ids=self.sector_ids, node_ids=self.node_ids, town_ids=self.town_ids)
        for name in FIELDS:
            setattr(out, name, getattr(self, name)[idx].copy())
        return out

    def view(self, i: int) -> FirmView:
        """One firm, by index, as a read-only record."""
        return FirmView(
            index=int(i), sector=self.sector_ids[self.sector[i]] if self.sector_ids else str(self.sector[i]),
            node=self.node_ids[self.node[i]] if self.node_ids else str(self.node[i]),
            town=self.town_ids[self.town[i]] if self.town_ids else str(self.town[i]),
            productivity=float(np.exp(self.log_productivity[i])),
            capital_yi=float(self.capital_yi[i]), employment_wan=float(self.employment_wan[i]),
            value_added_yi=float(self.value_added_yi[i]), output_yi=float(self.output_yi[i]),
            land_mu=float(self.land_mu[i]), age_years=int(self.age_years[i]),
            alive=bool(self.alive[i]), above_scale=bool(self.above_scale[i]),
            hightech=bool(self.hightech[i]), little_giant=bool(self.little_giant[i]),
            from_project=bool(self.from_project[i]))

    def to_frame(self):  # noqa: ANN201 - pandas is imported lazily
        """All firms as a pandas DataFrame (ids resolved), for inspection."""
        import pandas as pd

        df = pd.DataFrame({name: getattr(self, name) for name in FIELDS})
        if self.sector_ids:
            df["sector"] = np.asarray(self.sector_ids, dtype=object)[df["sector"].to_numpy()]
        if self.node_ids:
            df["node"] = np.asarray(self.node_ids, dtype=object)[df["node"].to_numpy()]
        if self.town_ids:
            df["town"] = np.asarray(self.town_ids, dtype=object)[df["town"].to_numpy()]
        df["productivity"] = np.exp(df.pop("log_productivity"))
        return df

    def sum_by(self, key: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
        """Sum ``values`` over alive firms grouped by integer ``key`` (length ``n``)."""
        ia = self.alive_index()
        return np.bincount(key[ia], weights=values[ia], minlength=n)

    def alive_index(self) -> np.ndarray:
        """The alive firms' indices, in order.

        ``x[firms.alive_index()]`` takes the same elements in the same order as
        ``x[firms.alive]``; with numpy's boolean indexing slower than an integer gather here
        (~35 µs against ~12 µs for 10,000 firms), the index is taken once and used for every
        gather of a phase."""
        return np.flatnonzero(self.alive)


# --------------------------------------------------------------------------------------------
# Firm rules: each a function of the firm's own state, shared per-year fields and per-firm
# draws taken at the start of the year (so a one-agent-per-firm implementation that applies
# the same rules firm by firm, in any order, gives identical results).
# --------------------------------------------------------------------------------------------


@dataclass
class FirmFields:
    """Shared per-year fields the firm rules read (computed by the model before the firm step)."""

    year: int
    multiplier: np.ndarray         # (internal nodes, sectors): agglomeration × access × public capital
    wage_wan: np.ndarray           # per town: unit labour cost (万元 per worker)
    expansion_allowed: np.ndarray  # per town: share of planned expansion labour allows
    reference_output_yi: float     # median output of alive firms (exit hazard)
    reference_productivity: float  # median TFP of alive firms (exit hazard)
    mean_log_productivity: float   # mean log TFP of alive firms (entrants, inspection)
    renovation_bar_log_a: float    # median log TFP of above-scale firms (renovation)
    hightech_bar_log_a: float      # log TFP bar for high-tech certification (base + technology)
    little_giant_bar_log_a: float  # log TFP bar for little-giant certification (base + technology)
    favoured_sector: np.ndarray    # per sector: pillar/emerging (certification bonus)
    price_index: float             # industrial producer prices relative to the base year
    value_added_ratio: float
    user_cost: float               # r + δ: desired capital is α·VA / user_cost
    net_investment: bool = True    # False: the what-if of replacement investment only
    expected_growth: float = 0.0   # demand growth firms expect (last year's district growth)
    tfp_growth: float = 0.0        # the year's technology growth (frontier + catch-up)
    renovation_subsidy_share: float = 0.0  # share of a supported renovation the lever pays


@dataclass
class FirmDraws:
    """Per-firm random numbers for one year, drawn from named streams before the firm step."""

    shock: np.ndarray          # Laplace(0, 1): productivity shock
    exit_u: np.ndarray         # U(0, 1): exit
    renovation_u: np.ndarray   # U(0, 1): unaided renovation
    hightech_u: np.ndarray     # U(0, 1): certification
    hightech_loss_u: np.ndarray
    little_giant_u: np.ndarray
    supported: np.ndarray      # bool: selected for subsidised renovation (lever)


def draw_firm_year(streams: Any, year: int, n: int) -> FirmDraws:
    """The year's firm draws, each process from its own named stream."""
    return FirmDraws(
        shock=streams.get("firms", "shocks", year).laplace(0.0, 1.0, n),
        exit_u=streams.get("firms", "exit", year).random(n),
        renovation_u=streams.get("firms", "renovation", year).random(n),
        hightech_u=streams.get("firms", "hightech", year).random(n),
        hightech_loss_u=streams.get("firms", "hightech_loss", year).random(n),
        little_giant_u=streams.get("firms", "little_giant", year).random(n),
        supported=np.zeros(n, dtype=bool),
    )


def step_firms(f: Firms, fields: FirmFields, draws: FirmDraws, p: Any) -> dict[str, float]:
    """One year of every firm's decisions; returns the year's firm-level totals.

    Order: renovate → productivity → invest → hire → produce → exit → certify. ``p`` is the
    ``firms`` config section. Every rule is element-wise and only alive firms change, so the
    rules are evaluated for the firms alive at the start of the year only (the same operations
    on the same elements; exited firms keep their values, as before). The year's totals are
    summed over the same arrays as before (full length, zeros for the others), so in the same
    order.
    """
    alive = f.alive.copy()
    ia = np.flatnonzero(alive)
    n = len(alive)
    year = fields.year
    alpha = p.capital_share
    # each updated field is gathered once and its new values kept for the later rules (the
    # same values the arrays then hold)
    age = f.age_years[ia] + 1
    f.age_years[ia] = age
    town = f.town[ia]

    # technology renovation: unaided, or selected for support by the lever
    la = f.log_productivity[ia]
    # only above-scale firms renovate: the chance is evaluated for them alone (element-wise)
    ja = np.flatnonzero(f.above_scale[ia])
    ka = ia[ja]
    p_renov = fd.organic_renovation_probability(la[ja] - fields.renovation_bar_log_a,
                                                p.renovation_base_rate)
    renov_a = np.zeros(len(ia), dtype=bool)
    renov_a[ja] = (draws.renovation_u[ka] < p_renov) | draws.supported[ka]
    renovate = np.zeros(n, dtype=bool)
    renovate[ia] = renov_a
    capital = f.capital_yi[ia]
    renov_inv_a = np.where(renov_a, p.renovation_cost_share * capital, 0.0)
    renovation_investment = np.zeros(n)
    renovation_investment[ia] = renov_inv_a
    f.renovated_year[ia[np.flatnonzero(renov_a)]] = year

    # productivity: technology + fat-tailed shock + the change of the renovation component. A
    # renovation's log gain is embodied in the renovated capital and wears out with it at the
    # capital depreciation rate (rv.embodied_gain); log TFP is the firm's own AR(1) process
    # around its long-run level plus that component
    gain = np.where(renov_a, p.renovation_gain, 0.0)
    mean_la = f.log_productivity_mean[ia]
    comp_old = f.renovation_log_gain[ia]
    comp_new = rv.embodied_gain(comp_old, gain, p.depreciation)
    new_la = fd.productivity_growth(la, fields.tfp_growth, p.shock_scale, draws.shock[ia],
                                    comp_new - comp_old, mean_la + comp_old, p.mean_reversion)
    f.log_productivity[ia] = new_la
    f.renovation_log_gain[ia] = comp_new
    f.renovation_capital_yi[ia] = fd.capital_accumulation(f.renovation_capital_yi[ia],
                                                          renov_inv_a, p.depreciation)
    # the long-run level grows with the technology (a renovation's gain is in the component)
    f.log_productivity_mean[ia] = mean_la + fields.tfp_growth

    # investment toward desired capital, financed out of profits and limited where local labour
    # is short. A renovation is part of the year's investment toward that capital (its capital
    # counts toward the target, so it crowds out other investment). The firm pays its own part
    # of a renovation (all of an unaided one; 1 − the subsidy share of a supported one) out of
    # the same funds, first servicing what it still owes for earlier renovations; what the
    # funds cannot cover is borrowed at the loan rate and repaid from later years' funds
    # (fd.renovation_financing)
    allowed = fields.expansion_allowed[town]
    phi = p.returns_to_scale
    va = f.value_added_yi[ia]
    desired = fd.desired_capital(va, alpha, fields.user_cost, phi)
    # internal funds: retained profit and the transfers received last year (a project's
    # competition rent), which are spent now
    funds = p.reinvestment_share * alpha * np.maximum(va, 0.0) + f.grant_yi[ia]
    f.grant_yi[ia] = 0.0
    own = renov_inv_a * np.where(draws.supported[ia], 1.0 - fields.renovation_subsidy_share, 1.0)
    cap, f.renovation_debt_yi[ia] = fd.renovation_financing(
        funds, own, f.renovation_debt_yi[ia], p.loan_rate)
    invest = fd.investment_to_target(capital, desired, p.depreciation, p.investment_speed,
                                     cap, allowed, fields.net_investment, fields.expected_growth,
                                     committed_yi=renov_inv_a)
    new_k = fd.capital_accumulation(capital, invest + renov_inv_a, p.depreciation)
    f.capital_yi[ia] = new_k

    # hiring toward labour demand at the local wage
    employment = f.employment_wan[ia]
    target_l = fd.labour_demand(va, fields.wage_wan[town], alpha, phi)
    target_l = np.minimum(target_l, np.maximum(employment, 1e-6)
                          * (1.0 + p.max_hiring_growth * allowed))
    new_l = fd.partial_adjustment(employment, target_l, p.hiring_speed)
    f.employment_wan[ia] = new_l

    # production
    va_new, out_new = _produce(fields, f.node[ia], f.sector[ia], new_la, new_k, new_l, alpha, phi)
    f.value_added_yi[ia] = va_new
    f.output_yi[ia] = out_new

    # exit (hazard falls with size and productivity)
    hazard = fd.exit_hazard_log(out_new, new_la, age,
                                fields.reference_output_yi, fields.reference_productivity,
                                p.exit_base_rate, p.exit_size_elasticity,
                                p.exit_productivity_elasticity, p.young_exit_multiplier)
    exit_a = draws.exit_u[ia] < hazard
    f.alive[ia[exit_a]] = False

    # status: size thresholds are nominal; certification on productivity
    update_status(f, fields, draws, p)
    return {"renovated": float(renovate.sum()), "exits": float(exit_a.sum()),
            "investment_yi": float(invest.sum() + renovation_investment.sum()),
            "renovation_investment_yi": float(renovation_investment.sum()),
            "renovation_own_yi": float(own.sum()),
            "supported_investment_yi": float(renovation_investment[draws.supported & renovate].sum())}


def produce_firms(f: Firms, fields: FirmFields, alpha: float, mask: np.ndarray,
                  returns_to_scale: float = 1.0) -> None:
    """Value added and gross output of the firms in ``mask`` under this year's fields (the
    others keep theirs; computed for the masked firms only, element by element)."""
    produce_entrants(f, fields, alpha, np.flatnonzero(mask), returns_to_scale)


def produce_entrants(f: Firms, fields: FirmFields, alpha: float, idx: np.ndarray,
                     returns_to_scale: float = 1.0) -> None:
    """:func:`produce_firms` for the firms ``idx`` only (the year's entrants).

    The same element-wise arithmetic on the entrants' values alone, so the results are the same
    as computing all firms and keeping the entrants'.
    """
    va, out = _produce(fields, f.node[idx], f.sector[idx], f.log_productivity[idx],
                       f.capital_yi[idx], f.employment_wan[idx], alpha, returns_to_scale)
    f.value_added_yi[idx] = va
    f.output_yi[idx] = out


def _produce(fields: FirmFields, node: np.ndarray, sector: np.ndarray, log_a: np.ndarray,
             capital: np.ndarray, employment: np.ndarray, alpha: float,
             returns_to_scale: float) -> tuple[np.ndarray, np.ndarray]:
    """Value added and gross output of firms with these inputs at their node and sector."""
    va = prod.cobb_douglas_value_added_log(log_a, capital, employment, alpha,
                                           returns_to_scale) * fields.multiplier[node, sector]
    return va, va / fields.value_added_ratio


def update_status(f: Firms, fields: FirmFields, draws: FirmDraws, p: Any) -> None:
    """规上 and 10亿 thresholds (nominal), high-tech and little-giant certification.

    Only alive firms hold or gain a status (the others' flags are cleared), and the rules are
    element-wise, so they are evaluated for the alive firms only."""
    ia = np.flatnonzero(f.alive)
    nominal = f.output_yi[ia] * fields.price_index
    above = np.zeros(len(f.alive), dtype=bool)
    above[ia] = fd.crosses_threshold(nominal, p.above_scale_threshold_yi)
    f.above_scale[:] = above
    # each chance is evaluated only for the firms it can change (candidates not yet certified;
    # eligible firms), element by element as for all
    hightech = f.hightech[ia]
    cand = np.flatnonzero((nominal >= p.hightech_min_output_yi) & ~hightech)
    ic = ia[cand]
    bonus = np.where(fields.favoured_sector[f.sector[ic]], p.favoured_certification_bonus, 0.0)
    # a recent renovation counts toward the R&D criterion (renovated_year 0 = never)
    recent = f.renovated_year[ic] > fields.year - p.certification_window_years
    bonus = bonus + np.where(recent, p.renovation_certification_bonus, 0.0)
    p_ht = fd.certification_probability(f.log_productivity[ic] + bonus
                                        - fields.hightech_bar_log_a, p.hightech_max_rate)
    gain = np.zeros(len(ia), dtype=bool)
    gain[cand] = draws.hightech_u[ic] < p_ht
    lose = hightech & (draws.hightech_loss_u[ia] < p.hightech_loss_rate)
    hightech = (hightech & ~lose) | gain
    little_giant = f.little_giant[ia]
    eligible = np.flatnonzero(hightech & ~little_giant & (nominal >= p.little_giant_min_output_yi)
                              & (nominal <= p.little_giant_max_output_yi))
    ie = ia[eligible]
    p_lg = fd.certification_probability(f.log_productivity[ie] - fields.little_giant_bar_log_a,
                                        p.little_giant_max_rate)
    little_giant[eligible] |= draws.little_giant_u[ie] < p_lg
    f.hightech[:] = False
    f.hightech[ia] = hightech
    f.little_giant[:] = False
    f.little_giant[ia] = little_giant
