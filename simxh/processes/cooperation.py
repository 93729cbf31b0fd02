"""The cooperation levers: town–park integration and pairing assistance (their Chinese names:
``simxh.report.labels``). Integration pools a zone's land, shares its park taxes, shortens
approvals and promotes its locations to projects, while its platform has money (read by
attraction, towns and finance); pairing links a donor town to a recipient (cooperation edges,
capacity, referral and enclave projects, transfers)."""

from __future__ import annotations

from typing import Any

import numpy as np


class Cooperation:
    """Which zones are integrated and which towns are paired, year by year."""

    def __init__(self, m: Any) -> None:
        self.m = m
        self.integration = m.p.integration
        self.pairing = m.p.pairing
        ic = self.integration
        zones = ic.zones or m.zone_ids
        self.integration_zones = np.array([z in zones for z in m.zone_ids]) if ic.enabled \
            else np.zeros(len(m.zone_ids), dtype=bool)
        pc = self.pairing
        self.pairs: list[tuple[int, int]] = []
        self.pairing_active = False
        if pc.enabled and pc.pairs:
            ids = list(m.region.town_ids)
            self.pairs = [(ids.index(a), ids.index(b)) for a, b in (s.split(":") for s in pc.pairs)]
        # rule-formed pairs are made when the lever starts (from fiscal capacity then)

    def zone_planned(self, year: int) -> np.ndarray:
        """Per zone: the lever plans integration this year (its platform asks for its money)."""
        ic = self.integration
        active = ic.enabled and year >= ic.start_year
        return self.integration_zones & active

    def zone_integrated(self, year: int) -> np.ndarray:
        """Per zone: integration is on this year: planned, and its platform has money (last
        year's appropriation; a platform without money does nothing)."""
        return self.zone_planned(year) & (self.m.finance.funding["integration"] > 0)

    def start_year(self, year: int) -> None:
        """Pairs form in the lever's first simulated year (start_year 2023 = from the first
        step), as cooperation ties on the network; the lever is active from its start year."""
        m = self.m
        pc = self.pairing
        if pc.enabled and year == max(pc.start_year, m.base_year + 1):
            if not pc.pairs:
                self._form_rule_pairs()
            for d, r in self.pairs:
                m.region.add_cooperation(m.region.town_ids[d], m.region.town_ids[r], "pairing")
        self.pairing_active = pc.enabled and year >= pc.start_year

    def _form_rule_pairs(self) -> None:
        m = self.m
        capacity = m.finance.town_revenue_yi.copy()  # fiscal capacity (财力): revenue collected
        self.pair_capacity = capacity
        order = np.argsort(-capacity)
        k = min(self.pairing.rule_pairs, m.nt // 2)
        self.pairs = [(int(order[i]), int(order[-1 - i])) for i in range(k)]
