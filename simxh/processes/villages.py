"""Villages (行政村): collective income follows the town's growth; the district's village budget
upgrades villages to "beautiful" (美丽乡村) and then makes the richest of those demonstration
villages (示范村)."""

from __future__ import annotations

from typing import Any

import numpy as np


class Villages:
    """Per village: its town, collective income (万元), beautiful and demonstration status."""

    def __init__(self, m: Any) -> None:
        self.m = m
        self.p = m.p.villages
        base = m.base
        self.village_town = base.village_town
        self.village_income_wan = base.village_income_wan.copy()
        self.village_beautiful = base.village_beautiful.copy()
        self.village_demo = np.zeros(len(self.village_town), dtype=bool)

    def update(self) -> None:
        m = self.m
        vc = self.p
        nt = m.nt
        tl = m.towns_labour
        vt = self.village_town
        g = m.streams.get("villages", "shocks", m.year)
        z = g.standard_normal(len(vt))
        growth = (tl.town_gdp_yi / tl.prev_town_gdp) ** vc.collective_income_elasticity
        self.village_income_wan = (self.village_income_wan * growth[vt]
                                   * np.exp(vc.income_shock_sd * z - vc.income_shock_correction)
                                   * np.where(self.village_beautiful, vc.beautiful_income_factor,
                                              1.0))
        budget = m.finance.village_budget_yi
        todo = ~self.village_beautiful
        if todo.any():
            per_town = budget * np.bincount(vt[todo], minlength=nt) / todo.sum()
            k = np.floor(per_town / vc.upgrade_cost_yi).astype(int)
            rank = rank_within(vt, todo)
            self.village_beautiful |= todo & (rank < k[vt])
            budget = max(budget - float(np.minimum(k, np.bincount(vt[todo], minlength=nt)).sum()
                                        * vc.upgrade_cost_yi), 0.0)
        cand = self.village_beautiful & ~self.village_demo
        if cand.any() and budget > 0:
            n_demo = int(budget // vc.demo_cost_yi)
            order = np.flatnonzero(cand)[np.argsort(-self.village_income_wan[cand], kind="stable")]
            self.village_demo[order[:n_demo]] = True


def rank_within(group: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Rank (0, 1, ...) of each masked element within its group, in index order."""
    rank = np.full(len(group), np.iinfo(np.int64).max)
    idx = np.flatnonzero(mask)
    if len(idx) == 0:
        return rank
    g = group[idx]
    order = np.argsort(g, kind="stable")
    sorted_g = g[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_g)) + 1]
    counts = np.diff(np.r_[starts, len(sorted_g)])
    within = np.arange(len(sorted_g)) - np.repeat(starts, counts)
    rank[idx[order]] = within
    return rank
