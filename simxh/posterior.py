"""Estimated parameters as data: the posterior sample written by ``simxh calibrate``.

``posterior.csv`` has one row per parameter set: ``draw`` (0, 1, …), ``weight`` (≥ 0, summing to
1) and one column per estimated parameter, named by its dotted config key
(``firms.tfp_frontier_share``). Comment lines starting with ``#`` at the top carry its provenance
(method, data, date, number of simulations). simxh ships one (``simxh/data/posterior.csv``);
the config's ``estimation.posterior`` may point to another.

A run with ``estimation.parameter_uncertainty = true`` uses one draw ``i``: replication r of an
experiment takes the draw at cumulative weight ``radical_inverse(r + 1)`` of the rows in file
order (stratified sampling: any first 2^k − 1 replications cover the posterior evenly, so a
median over 20 replications is not at the mercy of which draws came up); a single run without
a replication number draws from the weights with its ``posterior`` stream. Replication r has
the same draw in every scenario, so comparisons stay paired. Only parameters the user did not set (in a config file or
with ``--set``) take the draw's value.
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import io
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from simxh.errors import DataError

SHIPPED = Path(__file__).resolve().parent / "data" / "posterior.csv"


@dataclass(frozen=True)
class Posterior:
    """A weighted sample of parameter sets (``values[i, k]`` = draw i of ``keys[k]``)."""

    keys: tuple[str, ...]
    values: np.ndarray
    weights: np.ndarray
    meta: dict[str, str]
    path: Path

    def mean(self) -> dict[str, float]:
        return {k: float(np.sum(self.weights * self.values[:, j])) for j, k in enumerate(self.keys)}

    def quantiles(self, q: float) -> dict[str, float]:
        return {k: weighted_quantile(self.values[:, j], self.weights, q)
                for j, k in enumerate(self.keys)}

    def draw_index(self, rng: np.random.Generator, replication: int | None = None) -> int:
        """One draw's index, chosen with probability equal to its weight.

        With a ``replication`` number the draw is stratified: replication r takes the draw at
        the cumulative weight ``radical_inverse(r + 1)`` (0.5, 0.25, 0.75, 0.125, …), so the
        first 2^k − 1 replications of any experiment spread evenly over the weighted rows, in
        the file's order (``simxh calibrate`` sorts them by the draw's simulated GDP). Without
        one (a single run, ``mesa.batch_run``, the dashboard) ``rng`` draws it at random.
        """
        u = rng.random() if replication is None else radical_inverse(replication + 1)
        return int(min(int(np.searchsorted(np.cumsum(self.weights), u, side="right")),
                       len(self.weights) - 1))

    def draw(self, i: int) -> dict[str, float]:
        return {k: float(self.values[i, j]) for j, k in enumerate(self.keys)}


def radical_inverse(n: int, base: int = 2) -> float:
    """The van der Corput sequence: ``n``'s digits in ``base`` mirrored about the point
    (1 → 0.5, 2 → 0.25, 3 → 0.75, 4 → 0.125, …; Niederreiter 1992, ch. 3)."""
    if n < 0:
        raise ValueError("n must be >= 0")
    value, scale = 0.0, 1.0 / base
    while n:
        n, digit = divmod(n, base)
        value += digit * scale
        scale /= base
    return value


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The ``q`` quantile of a weighted sample (inverse of the weighted empirical CDF)."""
    order = np.argsort(values)
    cw = np.cumsum(weights[order])
    return float(values[order][min(np.searchsorted(cw, q * cw[-1]), len(values) - 1)])


def read_posterior(path: Path | str, known_keys: set[str] | None = None) -> Posterior:
    """Read and validate a posterior file; a :class:`DataError` names the file, line and column.

    Refused: a missing or empty file, no ``draw``/``weight`` column, a parameter the config does
    not know (when ``known_keys`` is given), a duplicate column, an empty, non-numeric or
    non-finite cell, a negative weight, or weights that do not sum to a positive number. Weights
    are normalised relative to the largest, so huge finite weights (1e308) do not overflow.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise DataError("posterior file is missing", file=path,
                        expected="a CSV written by simxh calibrate") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"cannot read posterior file: {exc}", file=path,
                        expected="a UTF-8 CSV written by simxh calibrate") from None
    meta: dict[str, str] = {}
    lines = text.splitlines()
    body_start = 0
    for i, line in enumerate(lines):
        if line.startswith("#"):
            key, _, value = line[1:].partition(":")
            meta[key.strip()] = value.strip()
            body_start = i + 1
        else:
            break
    rows = list(csv.reader(io.StringIO("\n".join(lines[body_start:]))))
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        raise DataError("posterior file has no header", file=path,
                        expected="columns draw, weight and one per parameter")
    header = [h.strip() for h in rows[0]]
    seen: set[str] = set()
    for h in header:
        if h in seen:  # the reader would fill one column twice and leave another unset
            raise DataError("duplicate column", file=path, line=body_start + 1, key=h,
                            expected="each column once: draw, weight and one per parameter")
        seen.add(h)
    for required in ("draw", "weight"):
        if required not in header:
            raise DataError("required column is missing", file=path, line=body_start + 1,
                            key=required, expected="columns draw, weight and one per parameter")
    keys = tuple(h for h in header if h not in ("draw", "weight"))
    if not keys:
        raise DataError("posterior file has no parameter columns", file=path,
                        line=body_start + 1, expected="one column per estimated parameter")
    if known_keys is not None:
        for k in keys:
            if k not in known_keys:
                raise DataError("unknown parameter", file=path, line=body_start + 1, key=k,
                                expected="a dotted config key (simxh info --params)")
    if len(rows) < 2:
        raise DataError("posterior file has no draws", file=path,
                        expected="at least one row of parameter values")
    values = np.empty((len(rows) - 1, len(keys)))
    weights = np.empty(len(rows) - 1)
    for r, row in enumerate(rows[1:]):
        line_no = body_start + r + 2
        if len(row) != len(header):
            raise DataError(f"row has {len(row)} cells but the header has {len(header)}",
                            file=path, line=line_no, expected="one cell per column")
        cells = dict(zip(header, row, strict=True))
        for col in ("weight", *keys):
            try:
                v = float(cells[col])
            except ValueError:
                raise DataError("not a number", file=path, line=line_no, key=col, value=cells[col],
                                expected="a finite number") from None
            if not math.isfinite(v):
                raise DataError("not a finite number", file=path, line=line_no, key=col,
                                value=cells[col], expected="a finite number")
            if col == "weight":
                if v < 0:
                    raise DataError("negative weight", file=path, line=line_no, key=col, value=v,
                                    expected="a weight >= 0")
                weights[r] = v
            else:
                values[r, keys.index(col)] = v
    top = weights.max()
    if top <= 0:
        raise DataError("weights sum to zero", file=path, key="weight",
                        expected="weights with a positive sum")
    scaled = weights / top  # relative to the largest first: weights near 1e308 would overflow
    return Posterior(keys=keys, values=values, weights=scaled / scaled.sum(), meta=meta,
                     path=path)


def write_posterior(path: Path, keys: list[str], values: np.ndarray, weights: np.ndarray,
                    meta: dict[str, str]) -> None:
    """Write a posterior file (provenance lines first), atomically."""
    buf = io.StringIO()
    for k, v in meta.items():
        buf.write(f"# {k}: {v}\n")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["draw", "weight", *keys])
    for i in range(len(weights)):
        w.writerow([i, f"{weights[i]:.8g}", *(f"{x:.8g}" for x in values[i])])
    tmp = path.with_suffix(".tmp")
    tmp.write_text(buf.getvalue(), encoding="utf-8")
    tmp.replace(path)


@functools.lru_cache(maxsize=8)
def load_posterior(path: str) -> Posterior:
    """A posterior file, read once per process (validated against the config's keys)."""
    from simxh.config import parameters  # late: config imports this module for its defaults

    meta = {p["key"]: p for p in parameters()}
    post = read_posterior(path, set(meta))
    for j, key in enumerate(post.keys):  # every draw inside the parameter's declared range
        lo, hi = meta[key]["min"], meta[key]["max"]
        bad = [v for v in post.values[:, j] if (lo is not None and v < lo)
               or (hi is not None and v > hi)]
        if bad:
            raise DataError("value out of the parameter's range", file=path, key=key,
                            value=bad[0], expected=f"a value in [{lo}, {hi}]")
    return post


@functools.lru_cache(maxsize=1)
def shipped_summary() -> dict[str, dict[str, object]]:
    """Mean and 90% interval of each parameter in the shipped posterior ({} if there is none)."""
    if not SHIPPED.is_file():
        return {}
    post = read_posterior(SHIPPED)
    lo, hi, mean = post.quantiles(0.05), post.quantiles(0.95), post.mean()
    method = post.meta.get("method", "simxh calibrate")
    return {k: {"mean": mean[k], "q05": lo[k], "q95": hi[k], "method": method}
            for k in post.keys}


def apply_posterior(config: Any, rng: np.random.Generator, replication: int | None = None
                    ) -> tuple[Any, int]:
    """``config`` with its estimated parameters taken from the posterior, and the draw used.

    With ``estimation.parameter_uncertainty`` on, one draw is chosen: stratified by
    ``replication`` when ``estimation.posterior_sampling = "stratified"`` (the default) and a
    replication number is given, else with ``rng`` (the run's ``posterior`` stream). Either
    way the draw is the same for the same replication, whatever the scenario. Off, the
    posterior mean is used and the draw is −1. Parameters the config or an override set
    explicitly keep their value. Without a posterior file the config is returned unchanged
    (draw −1).
    """
    est = config.estimation
    if est.posterior:
        path = str(Path(est.posterior))
    elif SHIPPED.is_file():
        path = str(SHIPPED)
    else:
        return config, -1
    if not est.parameter_uncertainty and path == str(SHIPPED):
        return config, -1  # the defaults are already the shipped posterior's mean
    post = load_posterior(path)
    if est.parameter_uncertainty:
        stratified = est.posterior_sampling == "stratified"
        draw = post.draw_index(rng, replication if stratified else None)
        values = post.draw(draw)
    else:
        draw, values = -1, post.mean()
    chosen = {k: v for k, v in values.items() if k not in config.explicit_keys}
    if not chosen:
        return config, draw
    # the values were checked against the parameters' ranges when the file was read, so the
    # sections are replaced directly (a full re-validation of the config costs ~10 ms a run)
    sections: dict[str, dict[str, float]] = {}
    for key, value in chosen.items():
        name, _, field_name = key.partition(".")
        sections.setdefault(name, {})[field_name] = value
    return dataclasses.replace(config, **{
        name: dataclasses.replace(getattr(config, name), **fields)
        for name, fields in sections.items()}), draw
