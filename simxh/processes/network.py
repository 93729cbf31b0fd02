"""Space: travel-time weights, market access, agglomeration and outside demand per node.

Recomputed every year from last year's state (the weights only when infrastructure or
cooperation changed the network).

The output effect of the infrastructure lever's links is its public capital's
(``production.public_capital_elasticity``, Bom & Ligthart 2014: a total effect of public capital,
transport included). Unless ``infrastructure.network_output_effects`` is set, the production-side
fields (market access, agglomeration, commuting pools, outside demand) are therefore measured on
the base-year network: the new links change where residents shop (Huff) and the reported
accessibility and travel times, not output a second time."""

from __future__ import annotations

from typing import Any

import numpy as np

from simxh.economics import labour
from simxh.economics import production as prod
from simxh.economics.access import access_weights, competition_index, mean_travel_time


class Network:
    """Market access and agglomeration of the internal nodes (towns, then parks)."""

    def __init__(self, m: Any) -> None:
        self.m = m
        self.production = m.p.production
        self.labour = m.p.labour
        self.changed = True  # the travel times changed: recompute the weights
        self.base_town_access: float | None = None  # set by set_base()
        self.base_competition: np.ndarray | None = None  # suppliers within reach of each market
        self.network_output = bool(m.p.infrastructure.network_output_effects)
        self.base_weights: dict[str, np.ndarray] | None = None  # set by set_base()

    def update(self) -> None:
        """Travel-time dependent weights (recomputed only when the network changed), then
        access, outside demand and agglomeration from the firms' and towns' current values."""
        m = self.m
        nt, n_int, region = m.nt, m.n_int, m.region
        if self.changed:
            times = region.travel_times()
            self.times = times
            self.w_agg = prod.travel_time_weights(times[: n_int, : n_int],
                                                  self.production.agglomeration_half_life_min)
            self.w_commute = labour.commuting_weights(times[: nt, : nt],
                                                      self.labour.commute_half_life_min)
            ext = np.arange(n_int, len(region.node_ids))
            self.town_ext_time = mean_travel_time(times[: nt][:, ext], np.ones(len(ext)))
            # where residents shop for services (Huff): travel-time weights between towns
            self.w_services = access_weights(times[: nt, : nt],
                                             m.p.economy.services_distance_decay,
                                             region.self_time_min)
            # the market-access weights over all nodes (the same as Region.market_access's)
            self.w_access = access_weights(times, region.distance_decay, region.self_time_min)
            # the current network's access weights (the reported accessibility reads them)
            self.w_access_now = self.w_access
            if self.base_weights is not None and not self.network_output:
                # production reads the base-year network (public capital is the links' effect)
                self.w_agg = self.base_weights["w_agg"]
                self.w_commute = self.base_weights["w_commute"]
                self.w_access = self.base_weights["w_access"]
            self.changed = False
        f = m.firms
        ia = f.alive_index()
        node_alive, va_alive = f.node[ia], f.value_added_yi[ia]  # taken once, used twice
        node_va = np.bincount(node_alive, weights=va_alive, minlength=n_int)
        masses = self.node_masses(node_va)
        self.masses = masses
        if self.base_competition is not None and self.production.access_competition > 0:
            # two-way access: each market's mass over its suppliers within reach now, relative
            # to the base network (base-year supplier masses: only the network's change counts)
            comp = competition_index(self.w_access, self.base_masses, self.base_competition,
                                     self.production.access_competition)
            self.access = (self.w_access @ (masses * comp))[: n_int]
            self.access_now = (self.w_access_now @ (masses * comp))[: n_int]
        else:
            self.access = (self.w_access @ masses)[: n_int]
            self.access_now = (self.w_access_now @ masses)[: n_int]
        # outside demand per node: gravity-weighted external GDP now over the same at base-year
        # GDP (the network held as it is now: a pure demand index, access is the part above)
        outside = m.outside
        ext_now = np.zeros(len(masses))
        ext_now[n_int:] = outside.external_gdp_now(m.year)
        ext_base = np.zeros(len(masses))
        ext_base[n_int:] = outside.external_gdp_yi
        self.outside_demand = ((self.w_access @ ext_now)[: n_int]
                               / (self.w_access @ ext_base)[: n_int])
        node_mass = masses[: n_int]
        self.agg_total = prod.mass_within_reach(self.w_agg, node_mass)
        ns = m.ns
        key = node_alive * ns + f.sector[ia]
        sector_va = np.bincount(key, weights=va_alive, minlength=n_int * ns).reshape(n_int, ns)
        self.agg_sector = prod.mass_within_reach(self.w_agg, sector_va)
        self.node_firm_va = node_va

    def set_base(self) -> None:
        """The base year's access and agglomeration, against which later years are measured
        (sector agglomeration floored at a share of its mean, so no log of zero)."""
        self.base_access = self.access.copy()
        self.base_agg_total = self.agg_total.copy()
        mean_sector = max(self.agg_sector.mean(), 1e-9)
        self.base_agg_sector = np.maximum(self.agg_sector,
                                          self.production.localisation_floor_share * mean_sector)
        self.base_town_access = self.access[: self.m.nt].mean()
        self.base_masses: np.ndarray = self.masses.copy()
        self.base_competition = self.w_access @ self.base_masses
        self.base_weights = {"w_agg": self.w_agg, "w_commute": self.w_commute,
                             "w_access": self.w_access}

    def node_masses(self, node_va: np.ndarray) -> np.ndarray:
        """Economic mass per node: towns' GDP net of their parks' firms, parks' firm VA
        (``node_va``: alive firms' VA per internal node), and the external markets' GDP (data)."""
        m = self.m
        nt = m.nt
        park_va_by_town = np.bincount(m.node_town[nt:], weights=node_va[nt:], minlength=nt)
        tl = m.towns_labour
        # where the output is produced (enclave output counted in a partner town's statistics
        # is the host's mass)
        town_mass = tl.town_gdp_yi - tl.enclave_attribution_yi - park_va_by_town
        return np.concatenate([town_mass, node_va[nt:], m.outside.external_gdp_yi])

    def town_accessibility(self) -> np.ndarray:
        """Market access per town on the current network relative to the base year's mean over
        towns (= 100)."""
        return 100.0 * self.access_now[: self.m.nt] / self.base_town_access
