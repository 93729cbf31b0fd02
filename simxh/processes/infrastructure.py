"""Infrastructure projects (G240, 深江/珠肇 rail, park ring roads): the year's plan within the
budget line, building what the budget, special bonds and transfers paid, and a finished
project's change to the network (an upgraded link or a new one), after which
:class:`~simxh.processes.network.Network` recomputes its weights. A finished link needs yearly
maintenance; what the budget does not pay of it wears the link's time gain away."""

from __future__ import annotations

from typing import Any

import numpy as np

from simxh.economics import public
from simxh.region import derive_link, great_circle_km


class Infrastructure:
    """The lever's projects and what was spent on them, per town."""

    def __init__(self, m: Any) -> None:
        self.m = m
        self.p = m.p.infrastructure
        self.projects: list[dict[str, Any]] = []
        self.reset_spend()
        ic = self.p
        if not ic.enabled:
            return
        df = m.region.data.projects
        ids = ic.project_ids or tuple(df.index)
        for pid in ids:
            row = df.loc[pid]
            self.projects.append({
                "id": pid, "kind": row["kind"], "from": row["from"], "to": row["to"],
                "mode": row["mode"], "cost": float(row["cost_yi"]),
                "start": int(row["start_year"]) + ic.delay_years,
                "build_years": int(row["build_years"]), "spent": 0.0, "done": False,
                "row": row, "link": None, "before": 0.0, "after": 0.0, "condition": 1.0})

    def reset_spend(self) -> None:
        self.town_infrastructure_spend_yi = np.zeros(self.m.nt)
        self.infrastructure_spend_yi = 0.0

    def finished(self) -> list[dict[str, Any]]:
        return [pr for pr in self.projects if pr["done"]]

    def maintenance_due(self) -> float:
        """This year's maintenance of the finished projects (亿元): a share of their cost."""
        return public.maintenance_due([pr["cost"] for pr in self.finished()],  # type: ignore[arg-type]
                                      self.p.maintenance_share)

    def maintain(self, paid_share: float) -> None:
        """Maintenance paid in ``paid_share`` of what was due: the unpaid part wears the
        finished links' time gain away (the network's weights are recomputed if it did)."""
        done = self.finished()
        if not done or paid_share >= 1.0:
            return
        r = self.m.region
        for pr in done:
            if pr["link"] is None:  # an upgrade that found no link to change
                continue
            condition = float(public.asset_condition(pr["condition"], paid_share,
                                                     self.p.unmaintained_decay))
            if condition != pr["condition"]:
                pr["condition"] = condition
                r.set_link_time(pr["link"], float(public.degraded_travel_time(
                    pr["before"], pr["after"], condition)))
                self.m.network.changed = True

    def plan(self) -> tuple[float, list[tuple[dict[str, Any], float]]]:
        """What the projects under way want this year (an equal share of the cost a year),
        scaled down to the lever's yearly budget."""
        ic = self.p
        year = self.m.year
        plan = []
        for pr in self.projects:
            if pr["done"] or year < pr["start"]:
                continue
            plan.append((pr, min(pr["cost"] / pr["build_years"], pr["cost"] - pr["spent"])))
        want = sum(a for _p, a in plan)
        if want > ic.budget_yi_per_year and want > 0:
            scale = ic.budget_yi_per_year / want
            plan = [(p, a * scale) for p, a in plan]
            want = ic.budget_yi_per_year
        return want, plan

    def build(self, plan: list[tuple[dict[str, Any], float]], wanted: float, paid: float) -> None:
        """Spend what the budget paid (pro rata over the plan), by the towns at the ends of
        each link; finish the projects fully paid."""
        m = self.m
        self.reset_spend()
        self.infrastructure_spend_yi = paid
        if not plan or wanted <= 0:
            return
        scale = paid / wanted
        idx = m.region.index
        spend_by_town = self.town_infrastructure_spend_yi
        pop = m.towns_labour.population_wan
        for pr, amount in plan:
            spend = amount * scale
            pr["spent"] += spend
            ends = [m.node_town[idx[e]] for e in (pr["from"], pr["to"]) if idx[e] < m.n_int]
            for t in ends:
                spend_by_town[t] += spend / len(ends)
            if not ends:  # both ends outside: spread by population
                spend_by_town += spend * pop / pop.sum()
            if pr["spent"] >= pr["cost"] - 1e-9 and not pr["done"]:
                pr["done"] = True
                self._complete(pr)

    def _complete(self, pr: dict[str, Any]) -> None:
        """Apply a finished project to the network (edge upgrade or new link)."""
        row = pr["row"]
        r = self.m.region
        a, b = pr["from"], pr["to"]
        after = row.get("travel_min_after")
        if pr["kind"] == "upgrade":
            for _u, _v, _k, d in r.transport_edges():
                if {_u, _v} == {a, b} and d["mode"] == pr["mode"]:
                    factor = row.get("time_factor")
                    new = (float(after) if after == after and after is not None
                           else d["travel_min"] * float(factor))
                    pr.update(link=d["link_id"], before=d["travel_min"], after=new)
                    r.set_link_time(d["link_id"], new)
                    break
            else:
                cands = [d for _u, _v, _k, d in r.transport_edges() if {_u, _v} == {a, b}]
                if cands:
                    d = cands[0]
                    factor = row.get("time_factor")
                    if factor != factor:  # NaN: not given
                        factor = self.p.default_time_factor
                    pr.update(link=d["link_id"], before=d["travel_min"],
                              after=d["travel_min"] * float(factor))
                    r.set_link_time(d["link_id"], pr["after"])
        else:
            na, nb = r.graph.nodes[a], r.graph.nodes[b]
            straight = great_circle_km(na["lat"], na["lon"], nb["lat"], nb["lon"])
            length = row.get("length_km")
            length, minutes, _ = derive_link(
                None if length is None or length != length else float(length),
                None if after is None or after != after else float(after), straight, pr["mode"],
                self.m.config.network)
            # the gain of a new link: the time between its ends without it, less its own
            pr.update(link=pr["id"], before=max(r.travel_time(a, b), minutes), after=minutes)
            r.add_link(pr["id"], a, b, pr["mode"], minutes, length, status="assumed")
        self.m.network.changed = True
