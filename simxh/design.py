"""Samplers: design points over the uncertain parameters of an experiment.

Full factorial (every combination), Latin hypercube and scrambled Sobol sequences
(``scipy.stats.qmc``), and Morris trajectories and Saltelli's sampler for Sobol indices
(SALib, the optional extra ``simxh[sensitivity]``). Points are drawn in the unit hypercube
and mapped to each parameter's distribution by its quantile function, so every sampler
handles every distribution the same way.

The design is deterministic: the same experiment gives the same points (the sampler is seeded
from the design seed, by default the experiment seed).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from scipy.stats import qmc

from simxh.errors import UserError
from simxh.experiment import Design, Experiment, Uncertainty

POINT = "point"
UNSWEPT_POINT = -1
"""The ``point`` of the rows of a scenario the design does not sweep (by default the reference:
it runs once per replication without design values, and every design point is paired with it)."""


def require_salib() -> Any:
    """Import SALib or raise a UserError telling how to install it."""
    try:
        import SALib  # noqa: F401
    except ImportError:
        raise UserError("this design needs SALib, which is not installed",
                        expected="pip install 'simxh[sensitivity]'") from None
    import SALib

    return SALib


def salib_problem(uncertainties: Sequence[Uncertainty]) -> dict[str, Any]:
    """SALib's problem dict over the unit hypercube (values are mapped afterwards)."""
    return {"num_vars": len(uncertainties), "names": [u.key for u in uncertainties],
            "bounds": [[0.0, 1.0]] * len(uncertainties)}


def from_unit(u: Uncertainty, unit: np.ndarray) -> np.ndarray | list[Any]:
    """Map unit-interval draws to the parameter's distribution (its quantile function)."""
    unit = np.clip(np.asarray(unit, dtype=float), 0.0, 1.0)
    if u.values is not None:
        idx = np.minimum((unit * len(u.values)).astype(int), len(u.values) - 1)
        return [u.values[i] for i in idx]
    assert u.low is not None and u.high is not None
    if u.distribution == "uniform":
        x = u.low + unit * (u.high - u.low)
    elif u.distribution == "loguniform":
        x = np.exp(np.log(u.low) + unit * (np.log(u.high) - np.log(u.low)))
    elif u.distribution == "triangular":
        c = (u.mode - u.low) / (u.high - u.low)  # type: ignore[operator]
        x = stats.triang.ppf(unit, c, loc=u.low, scale=u.high - u.low)
    elif u.distribution == "normal":
        a = (u.low - u.mean) / u.sd  # type: ignore[operator]
        b = (u.high - u.mean) / u.sd  # type: ignore[operator]
        x = stats.truncnorm.ppf(unit, a, b, loc=u.mean, scale=u.sd)
    else:  # pragma: no cover - validated in experiment.py
        raise ValueError(u.distribution)
    x = np.clip(x, u.low, u.high)
    if u.integer:
        return [int(v) for v in np.rint(x)]
    return [float(v) for v in x]


def unit_sample(design: Design, uncertainties: Sequence[Uncertainty], seed: int) -> np.ndarray:
    """Design points in the unit hypercube, shape (n_points, n_uncertainties)."""
    k = len(uncertainties)
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0x5EED,)))
    if design.kind == "lhs":
        return qmc.LatinHypercube(d=k, seed=rng).random(design.samples)
    if design.kind == "sobol":
        sampler = qmc.Sobol(d=k, scramble=True, seed=rng)
        m = int(np.ceil(np.log2(design.samples)))
        return sampler.random_base2(m)[: design.samples]
    if design.kind == "morris":
        require_salib()
        from SALib.sample import morris

        return morris.sample(salib_problem(uncertainties), design.samples,
                             num_levels=design.levels, seed=int(rng.integers(2**31)))
    if design.kind == "saltelli":
        require_salib()
        from SALib.sample import sobol

        return sobol.sample(salib_problem(uncertainties), design.samples,
                            calc_second_order=design.second_order, scramble=True,
                            seed=int(rng.integers(2**31)))
    raise ValueError(f"no unit sample for design kind {design.kind!r}")


def factorial_values(u: Uncertainty, levels: int) -> list[Any]:
    """The values of one factor: its list, or ``levels`` points spanning its range."""
    if u.values is not None:
        return list(u.values)
    return list(from_unit(u, np.linspace(0.0, 1.0, levels)))


def design_points(experiment: Experiment) -> pd.DataFrame:
    """The design points: one row per point (index ``point`` from 0), one column per
    uncertainty key. With no uncertainties, one point with no columns."""
    design, uncs = experiment.design, experiment.point_uncertainties
    if design.kind == "none" or not uncs:
        return pd.DataFrame(index=pd.RangeIndex(1, name=POINT))
    if design.kind == "factorial":
        grids = [factorial_values(u, design.levels) for u in uncs]
        rows = list(itertools.product(*grids))
        frame = pd.DataFrame(rows, columns=[u.key for u in uncs])
    else:
        seed = experiment.seed if design.seed is None else design.seed
        unit = unit_sample(design, uncs, seed)
        frame = pd.DataFrame({u.key: from_unit(u, unit[:, j]) for j, u in enumerate(uncs)})
    frame.index = pd.RangeIndex(len(frame), name=POINT)
    return frame


def point_overrides(points: pd.DataFrame, point: int) -> dict[str, Any]:
    """The overrides of design point ``point`` as plain Python values."""
    # column by column: a row of a frame mixing an integer and a float factor is one float
    # Series, which would hand the integer factor to the config as 69.0 (refused as a float)
    out = {}
    for key in points.columns:
        value = points.at[point, key]
        out[key] = value.item() if isinstance(value, np.generic) else value
    return out


def blank_dtypes(points: pd.DataFrame) -> dict[str, str]:
    """For an unswept scenario's rows: each design column's dtype for empty values (``float64``,
    ``boolean`` or ``string``), so that its empty values have the type of the swept runs'."""
    out: dict[str, str] = {}
    for key in points.columns:
        dtype = points[key].dtype
        if pd.api.types.is_bool_dtype(dtype):
            out[key] = "boolean"
        elif pd.api.types.is_numeric_dtype(dtype):
            out[key] = "float64"
        else:
            out[key] = "string"
    return out


def n_points(design: Design, k: int) -> int:
    """How many points a design produces for ``k`` uncertainties (without sampling)."""
    if design.kind == "morris":
        return design.samples * (k + 1)
    if design.kind == "saltelli":
        return design.samples * (2 * k + 2 if design.second_order else k + 2)
    return design.samples


REPLICATION_STREAM = "uncertainty"
"""The stream (``simxh.rng``) of a replication's seed that per-replication uncertainties are
drawn from, one sub-stream per key (adding an uncertainty does not change the others' draws)."""


def replication_draws(uncertainties: Sequence[Uncertainty], seed: int) -> dict[str, Any]:
    """The values of the per-replication uncertainties for the replication with model seed
    ``seed`` (:func:`simxh.runner.replication_seed`): one uniform draw per key from the named
    stream ``("uncertainty", key)`` of that seed, mapped through the key's quantile function
    (:func:`from_unit`). The same seed gives the same values, so every scenario and design point
    of a replication shares them (common random numbers)."""
    from simxh.rng import stream

    out: dict[str, Any] = {}
    for u in uncertainties:
        unit = stream(seed, REPLICATION_STREAM, u.key).random(1)
        value = from_unit(u, unit)[0]
        out[u.key] = value.item() if isinstance(value, np.generic) else value
    return out
