"""Mesa agents: towns (镇街), parks (园区) and the district government (区政府).

Towns and parks are few (11 and 12) but their state lives in the model's arrays, like the firms',
so that every rule is applied to all of them at once; a Town or Park agent is a named handle on
its row, with read-only properties for inspection and data collection. The Government agent owns
the budget: it collects revenue, shares it with the towns, pays for the levers and builds
infrastructure (its methods are called by the model in a fixed order each year).
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any, Protocol

import mesa
import numpy as np

from simxh.economics import public


class District(Protocol):
    """What the agents read of the model: the processes' state (:mod:`simxh.processes`), the
    firms, the Government agent and the config sections. ``XinhuiModel`` is one; agents do
    not import it (no import cycle)."""

    towns_labour: Any
    finance: Any
    attraction: Any
    infrastructure: Any
    villages: Any
    firms: Any
    government: Government
    p: Any
    zone_ids: list[str]
    town_zone: np.ndarray


class Town(mesa.Agent):
    """A town or subdistrict (镇/街道): population, sectors, land, public capital, budget, villages."""

    def __init__(self, model: District, index: int, town_id: str, zone: str) -> None:
        super().__init__(model)
        self.index = index
        self.town_id = town_id
        self.zone = zone

    # value added, people, land, firms and villages (亿元, 万人, 亩): the columns of
    # TOWN_COLUMNS (below the class), one property each, which reads the town's entry

    @property
    def budget_spending_yi(self) -> float:
        """The town's own spending this year (its revenue share ± pairing and rents)."""
        ledger = self.model.government.town_ledger
        return float(ledger["spend_town"][self.index]) if ledger else 0.0

    @property
    def villages(self) -> int:
        return int((self.model.villages.village_town == self.index).sum())

    @property
    def beautiful_villages(self) -> int:
        v = self.model.villages
        return int((v.village_beautiful & (v.village_town == self.index)).sum())

    @classmethod
    def columns_for(cls, model: District, agents: list[Town],
                    names: list[str]) -> list[list[Any]]:
        """The attributes ``names`` of the towns ``agents``, one list per name: a column of
        :data:`TOWN_COLUMNS` is computed once for all towns (data collection reads all of them
        every year), any other attribute is read from each agent. The same values as reading
        each town's attribute."""
        out = []
        for name in names:
            column = TOWN_COLUMNS.get(name)
            if column is None:
                out.append([getattr(a, name) for a in agents])
            else:
                values = column(model)
                out.append([values[a.index] for a in agents])
        return out


class Village(mesa.Agent):
    """An administrative village or community (行政村/社区): a named handle on its row of the
    villages' arrays (:class:`simxh.processes.villages.Villages`)."""

    def __init__(self, model: District, index: int, village_id: str) -> None:
        super().__init__(model)
        self.index = index
        self.village_id = village_id

    @property
    def _v(self) -> Any:
        return self.model.villages

    @property
    def town_id(self) -> str:
        return self.model.towns[int(self._v.village_town[self.index])].town_id

    @property
    def kind(self) -> str:
        return "village" if self._v.is_village[self.index] else "community"

    @property
    def population_wan(self) -> float:
        return float(self._v.population_wan[self.index])

    @property
    def collective_income_wan(self) -> float:
        return float(self._v.village_income_wan[self.index])

    def income_by_source_wan(self) -> dict[str, float]:
        """Collective income (万元) by source: leasing, enterprise, agriculture, tourism."""
        return {k: float(a[self.index]) for k, a in self._v.income_wan.items()}

    @property
    def farmland_mu(self) -> float:
        return float(self._v.farmland_mu[self.index])

    @property
    def citrus_mu(self) -> float:
        return float(self._v.citrus_mu[self.index])

    @property
    def construction_land_mu(self) -> float:
        return float(self._v.construction_land_mu[self.index])

    @property
    def standard(self) -> float:
        """The infrastructure and amenity standard (1 = beautiful village, 2 = demonstration)."""
        return float(self._v.standard[self.index])

    @property
    def classification(self) -> str:
        """Guangdong's village class (村庄分类) from villages.csv."""
        return str(self.model.region.data.villages["classification"].iloc[self.index])


def _array_column(path: str, kind: type) -> Callable[[Any], list[Any]]:
    """A per-town column read from the model's array at ``path`` (``"towns_labour.tertiary_yi"``;
    node arrays hold the towns first), as Python ``kind`` values."""
    get = operator.attrgetter(path)

    def column(model: Any) -> list[Any]:
        return np.asarray(get(model), dtype=kind).tolist()

    return column


def _firm_count_column(key: str) -> Callable[[Any], list[int]]:
    """Alive firms per town with status ``key`` (``TownsLabour.town_firm_counts``)."""

    def column(model: Any) -> list[int]:
        return np.asarray(model.towns_labour.town_firm_counts[key], dtype=int).tolist()

    return column


def _village_sum_column(name: str) -> Callable[[Any], list[float]]:
    """The sum of the villages' ``name`` per town (``Villages.town_total``)."""

    def column(model: Any) -> list[float]:
        v = model.villages
        values = getattr(v, name)
        return [v.town_total(values, t) for t in range(model.nt)]

    return column


TOWN_COLUMNS: dict[str, Callable[[Any], list[Any]]] = {
    "gdp_primary_yi": _array_column("towns_labour.town_primary_yi", float),
    "gdp_secondary_yi": _array_column("towns_labour.town_secondary_yi", float),
    "gdp_tertiary_yi": _array_column("towns_labour.tertiary_yi", float),
    "gdp_yi": _array_column("towns_labour.town_gdp_yi", float),
    "industrial_output_yi": _array_column("towns_labour.town_industrial_output_yi", float),
    "fiscal_revenue_yi": _array_column("finance.town_revenue_yi", float),
    "employment_wan": _array_column("towns_labour.town_employment_wan", float),
    "population_wan": _array_column("towns_labour.population_wan", float),
    "public_capital_yi": _array_column("finance.public_capital_yi", float),
    "labour_force_wan": _array_column("towns_labour.labour_force_wan", float),
    # free industrial land at the town node (outside its parks)
    "free_land_mu": _array_column("towns_labour.free_land_mu", float),
    # market access relative to the 2023 mean over towns (= 100)
    "accessibility": _array_column("towns_labour.town_accessibility", float),
    "investment_introduced_yi": _array_column("attraction.town_investment_introduced_yi", float),
    "infrastructure_spend_yi": _array_column("infrastructure.town_infrastructure_spend_yi",
                                             float),
    "firms": _firm_count_column("firms"),
    "firms_above_scale": _firm_count_column("above_scale"),
    "hightech_firms": _firm_count_column("hightech"),
    "little_giants": _firm_count_column("little_giant"),
    "firms_output_over_10yi": _firm_count_column("over_10yi"),
    "village_collective_income_wan": _village_sum_column("village_income_wan"),
    # the town's 新会柑 orchards (the sum of its villages')
    "citrus_area_mu": _village_sum_column("citrus_mu"),
    "farmland_mu": _village_sum_column("farmland_mu"),
}
"""Town figures read from the model's per-town arrays: ``TOWN_COLUMNS[name](model)`` lists
every town's value (in town order); ``town.<name>`` is its own entry."""


def _column_property(name: str) -> property:
    column = TOWN_COLUMNS[name]

    def get(self: Town) -> Any:
        return column(self.model)[self.index]

    return property(get, doc=f"The town's entry of ``TOWN_COLUMNS[{name!r}]``.")


for _name in TOWN_COLUMNS:
    setattr(Town, _name, _column_property(_name))


class Park(mesa.Agent):
    """An industrial park/platform (园区): land capacity and use, lead sectors, host town."""

    def __init__(self, model: District, node: int, park_id: str, host_town: int,
                 lead_sectors: tuple[str, ...]) -> None:
        super().__init__(model)
        self.node = node
        self.park_id = park_id
        self.host_town = host_town
        self.lead_sectors = lead_sectors

    @property
    def free_land_mu(self) -> float:
        return float(self.model.towns_labour.free_land_mu[self.node])

    @property
    def used_land_mu(self) -> float:
        f = self.model.firms
        return float(f.land_mu[f.alive & (f.node == self.node)].sum())

    @property
    def service_quality(self) -> float:
        """Public services relative to 2023 (the host town's public capital per resident)."""
        return float(self.model.finance.service_quality()[self.host_town])

    @property
    def zone(self) -> str:
        m = self.model
        return m.zone_ids[m.town_zone[self.host_town]]

    @property
    def value_added_yi(self) -> float:
        f = self.model.firms
        return float(f.value_added_yi[f.alive & (f.node == self.node)].sum())


class Government(mesa.Agent):
    """The district government (区政府): budget, revenue sharing, levers and infrastructure.

    Accounts (亿元, per year): resources = district share of revenue + land-transfer revenue +
    new debt (general borrowing and special bonds) + upper-level infrastructure transfers;
    spending = interest (general debt's, ``spend_interest``; special bonds',
    ``spend_bond_interest``) + special-bond repayment + villages + lever costs (infrastructure
    maintenance among them) + infrastructure + general spending (a share of which builds public
    capital, the rest pays public services). Towns keep their share of revenue, pay or receive
    pairing transfers and competition subsidies, and spend the rest. ``ledger`` holds the year's
    flows; ``model.check_accounts()`` verifies that they balance.
    """

    def __init__(self, model: District) -> None:
        super().__init__(model)
        self.debt_yi = 0.0
        self.special_bond_debt_yi = 0.0  # the part of debt_yi in special bonds (repaid)
        self.ledger: dict[str, float] = {}
        self.town_ledger: dict[str, np.ndarray] = {}

    def budget(self, revenue_by_town_yi: np.ndarray, land_revenue_yi: float,
               committed: dict[str, float], infrastructure_wanted_yi: float,
               town_payments: dict[str, np.ndarray], town_receipts: dict[str, np.ndarray]
               ) -> tuple[float, float]:
        """Balance the year's budget; returns (infrastructure paid, general public investment).

        ``committed`` district items (and debt service) are paid first; infrastructure is paid
        by transfers and special bonds for their shares, the district's own part up to what is
        left, plus general borrowing if the config allows it, within the limit
        (:func:`simxh.economics.public.finance_infrastructure`); the rest is general spending.
        Town accounts: own share + receipts − payments, all spent.

        Neither budget runs an unrecorded deficit. Committed items that resources and allowed
        borrowing cannot cover are cut pro rata (:func:`_ration`); a town receipt named like a
        committed item (``pairing`` paid by the district) is funded by it and cut with it. A
        town pays what it owes (in the order given) only up to what it has.
        """
        m = self.model
        fiscal = m.p.fiscal
        ic = m.p.infrastructure
        town_part, district_part = public.share_revenue(revenue_by_town_yi, fiscal.town_share)
        # interest on general debt, and on special bonds (the infrastructure lever's cost)
        interest = fiscal.interest_rate * (self.debt_yi - self.special_bond_debt_yi)
        bond_interest = fiscal.interest_rate * self.special_bond_debt_yi
        repayment = public.bond_repayment(self.special_bond_debt_yi,
                                          fiscal.special_bond_maturity_years)
        committed = {"interest": interest, "bond_interest": bond_interest,
                     "special_bond_repayment": repayment, **committed}
        resources = float(district_part.sum()) + land_revenue_yi
        free = resources - sum(committed.values())
        # infrastructure: upper-level transfers and special bonds for their shares, the
        # district's own part from what is left, then general borrowing (within the limit)
        fin = public.finance_infrastructure(
            infrastructure_wanted_yi, free, ic.transfer_share, ic.special_bond_share,
            fiscal.debt_limit_yi - self.debt_yi, fiscal.allow_debt)
        transfers, bonds, borrowing = fin["transfers"], fin["special_bonds"], fin["borrowing"]
        infra = transfers + bonds + fin["own"] + borrowing
        if free < 0:  # committed items exceed resources: borrow if allowed, else cut general
            extra = public.debt_allowed_borrowing(-free, self.debt_yi + borrowing + bonds,
                                                  fiscal.debt_limit_yi, fiscal.allow_debt)
            borrowing += extra
            # what borrowing cannot cover is not paid (the budget constraint holds): the
            # committed items are scaled down pro rata, debt service last, so that general
            # spending is zero rather than negative
            short = -free - extra
            if short > 0:
                before = committed
                committed = _ration(committed, short)
                town_receipts = {k: v * (committed[k] / before[k]) if before.get(k, 0.0) > 0
                                 else v for k, v in town_receipts.items()}
        debt_start = self.debt_yi
        repaid = committed["special_bond_repayment"]
        self.debt_yi += borrowing + bonds - repaid
        self.special_bond_debt_yi += bonds - repaid
        general = resources + borrowing + bonds + transfers - sum(committed.values()) - infra
        self.ledger = {"revenue_district_share": float(district_part.sum()),
                       "land_revenue": land_revenue_yi, "borrowing": borrowing,
                       "special_bonds": bonds, "transfers_infrastructure": transfers,
                       "debt_start": debt_start, "debt_end": self.debt_yi,
                       **{f"spend_{k}": v for k, v in committed.items()},
                       "spend_infrastructure": infra, "spend_general": general}
        town_resources = town_part.copy()
        for v in town_receipts.values():
            town_resources += v
        paid = {}
        for k, v in town_payments.items():
            paid[k] = np.minimum(v, np.maximum(town_resources, 0.0))
            town_resources -= paid[k]
        town_payments = paid
        self.town_ledger = {"revenue_town_share": town_part, **{f"in_{k}": v for k, v in
                                                                 town_receipts.items()},
                            **{f"out_{k}": v for k, v in town_payments.items()},
                            "spend_town": town_resources}
        return infra, general


DEBT_SERVICE = ("interest", "bond_interest", "special_bond_repayment")
"""Committed items cut last when the budget cannot pay (interest first, then repayment)."""


def _ration(committed: dict[str, float], short: float) -> dict[str, float]:
    """Cut ``short`` (亿元) from the committed items: pro rata from every item but debt service
    (:data:`DEBT_SERVICE`), then from debt service if that is not enough."""
    out = dict(committed)
    cuttable = sum(v for k, v in out.items() if k not in DEBT_SERVICE)
    cut = min(short, cuttable)
    if cuttable > 0:
        out = {k: (v if k in DEBT_SERVICE else v * (1.0 - cut / cuttable))
               for k, v in out.items()}
    rest = short - cut
    for k in DEBT_SERVICE:
        if rest > 0 and out.get(k, 0.0) > 0:
            take = min(out[k], rest)
            out[k] -= take
            rest -= take
    return out
