"""Samplers: sizes, ranges, stratification, determinism, distributions."""

from __future__ import annotations

import numpy as np
import pytest

from simxh.design import design_points, factorial_values, from_unit, n_points, unit_sample
from simxh.experiment import Design, Experiment, Scenario, Uncertainty

U1 = Uncertainty(key="access.distance_decay", low=0.5, high=1.5)
U2 = Uncertainty(key="network.detour_factor", low=1.1, high=1.5)
U3 = Uncertainty(key="access.self_time_min", low=5.0, high=15.0, integer=True)


def experiment(design: Design, *uncertainties: Uncertainty, seed: int = 11) -> Experiment:
    return Experiment(name="d", file=None, seed=seed, replications=1,
                      scenarios=(Scenario("base", None, {}, True),), design=design,
                      uncertainties=uncertainties)


def test_no_design_is_one_empty_point() -> None:
    points = design_points(experiment(Design()))
    assert len(points) == 1 and list(points.columns) == []


def test_factorial_is_every_combination() -> None:
    a = Uncertainty(key="pairing.enabled", distribution="values", values=(False, True))
    points = design_points(experiment(Design(kind="factorial", levels=3), a, U1))
    assert len(points) == 6
    assert points["access.distance_decay"].tolist() == [0.5, 1.0, 1.5] * 2
    assert points["pairing.enabled"].tolist() == [False] * 3 + [True] * 3
    assert list(points.index) == list(range(6))
    assert factorial_values(U3, 3) == [5, 10, 15]


def test_lhs_stratifies_each_dimension() -> None:
    n = 20
    points = design_points(experiment(Design(kind="lhs", samples=n), U1, U2))
    assert len(points) == n
    for u in (U1, U2):
        unit = (points[u.key] - u.low) / (u.high - u.low)
        strata = np.floor(unit * n).astype(int)
        assert sorted(strata) == list(range(n))  # exactly one point per stratum


def test_sobol_is_deterministic_and_seeded() -> None:
    d = Design(kind="sobol", samples=16)
    a = design_points(experiment(d, U1, U2, U3))
    b = design_points(experiment(d, U1, U2, U3))
    c = design_points(experiment(d, U1, U2, U3, seed=12))
    assert a.equals(b) and not a.equals(c)
    assert a["access.self_time_min"].map(type).eq(int).all()
    assert a["access.distance_decay"].between(0.5, 1.5).all()
    # a scrambled Sobol sequence of 16 points is balanced: 8 in each half of every dimension
    unit = unit_sample(d, (U1, U2, U3), 11)
    assert ((unit < 0.5).sum(axis=0) == 8).all()


def test_salib_samplers_sizes() -> None:
    morris = Design(kind="morris", samples=5, levels=4)
    pts = design_points(experiment(morris, U1, U2))
    assert len(pts) == n_points(morris, 2) == 5 * 3
    # Morris points lie on the 4-level grid
    unit = (pts["access.distance_decay"] - 0.5) / 1.0
    assert np.allclose(unit * 3, np.round(unit * 3))
    saltelli = Design(kind="saltelli", samples=8)
    assert len(design_points(experiment(saltelli, U1, U2))) == n_points(saltelli, 2) == 8 * 4


def test_distributions_map_quantiles() -> None:
    q = np.array([0.0, 0.5, 1.0])
    logu = Uncertainty(key="k", distribution="loguniform", low=1.0, high=100.0)
    assert np.allclose(from_unit(logu, q), [1.0, 10.0, 100.0])
    normal = Uncertainty(key="k", distribution="normal", mean=1.0, sd=0.1, low=0.8, high=1.2)
    assert np.allclose(from_unit(normal, q), [0.8, 1.0, 1.2])
    tri = Uncertainty(key="k", distribution="triangular", low=0.0, high=1.0, mode=0.0)
    assert from_unit(tri, np.array([0.75]))[0] == pytest.approx(0.5)  # 1-(1-x)^2 = .75
    cat = Uncertainty(key="k", distribution="values", values=("a", "b", "c"))
    assert from_unit(cat, np.array([0.0, 0.34, 0.99, 1.0])) == ["a", "b", "c", "c"]
