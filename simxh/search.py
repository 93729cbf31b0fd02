"""``simxh search``: many-objective search for lever packages under uncertainty.

A search file (``experiments/search.toml``, format in ``docs/search.md``) declares

- **decision variables** (``[[decisions]]``): config parameters that set a lever's intensity
  (``attraction.effort``, ``tech_renovation.subsidy_share``, ``infrastructure.budget_yi_per_year``
  …), each with bounds, a unit and whether it is an integer. A package is a point of that space;
- **objectives** (``[[objectives]]``, maximised or minimised) and **constraints**
  (``[[constraints]]``, an upper or lower limit), each a *measure* of a candidate over its
  replications: the probability of a plan target, a metric in a year (or its mean over a span)
  alone or minus the reference's in the same replication, or the discounted lever cost against
  the reference; summarised by a statistic (mean, median, a quantile, a probability).

Every candidate is run over the same ``N`` replications: replication ``r`` has the runner's seed
:func:`simxh.runner.replication_seed` ``(seed, r)`` and the per-replication draws of
:func:`simxh.design.replication_draws`, so posterior draws, macro shocks and lever-effect sizes
are the same for every candidate (common random numbers), and equal to replication ``r`` of an
experiment with the same seed and uncertainties.

The optimiser is pymoo's NSGA-II (NSGA-III above three objectives), driven by ask and tell: each
generation's candidates are run on simxh's own executors (local pool or Dask). After each
generation every evaluation is written atomically to ``evaluations.parquet`` with the generation
count in ``search.json``; a resumed search replays the algorithm from the stored evaluations
(ask/tell with a fixed seed is deterministic), so kill -9 and ``--resume`` give the results an
uninterrupted search gives.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import pandas as pd

from simxh.errors import ConfigError, UserError

SEARCH_FORMAT = 1
STATE_FILE = "search.json"
EVALUATIONS = "evaluations.parquet"
REFERENCE_RUNS = "reference_runs.parquet"

_TOP_KEYS = ("search", "decisions", "objectives", "constraints", "uncertainties")
_SEARCH_KEYS = ("name", "description", "base", "reference", "experiment", "seed",
                "replications", "end_year", "population", "generations", "algorithm_seed",
                "discount_rate", "probability", "targets", "chart", "packages", "confidence")
_DECISION_KEYS = ("key", "low", "high", "integer", "unit", "name")
_MEASURE_KEYS = ("name", "target", "metric", "year", "year_end", "versus", "cost", "social",
                 "stat", "label")
_OBJECTIVE_KEYS = (*_MEASURE_KEYS, "sense")
_CONSTRAINT_KEYS = (*_MEASURE_KEYS, "max", "min")
_CHART_KEYS = ("x", "y", "colour")
STATS = ("mean", "median", "p10", "p25", "p75", "p90", "min", "max")
SENSES = ("max", "min")
VERSUS = ("none", "reference")
DEFAULT_DISCOUNT_RATE = 0.08
DEFAULT_PROBABILITY = 0.5
TIGHT_SHARE = 0.05
"""A constraint binds when its value is within this share of its limit (or past it)."""
FAILED_PENALTY = 1e9
"""The objective value pymoo sees for a candidate with a failed run (it is also infeasible)."""
BASE_YEAR = 2023
NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
ROLES = ("reference", "search", "package", "reeval")


# --------------------------------------------------------------------------------------------
# The search file
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    """A lever intensity: config ``key`` in [``low``, ``high``] (rounded if ``integer``; a
    true/false switch is a 0/1 integer)."""

    key: str
    low: float
    high: float
    integer: bool = False
    unit: str = ""
    boolean: bool = False

    def decode(self, x: float) -> Any:
        """The config value of the unit-free optimiser value ``x`` (clipped to the bounds)."""
        x = min(max(float(x), self.low), self.high)
        if self.boolean:
            return bool(round(x))
        if self.integer:
            return int(round(x))
        return x


@dataclass(frozen=True)
class Measure:
    """A number per replication of a candidate, summarised over its replications by ``stat``.

    Exactly one of: ``target`` (a plan target's id: 1 if the run meets it, else 0; its summary
    is the probability), ``metric`` (its value in ``year``, or its mean over ``year``..
    ``year_end``; minus the reference's in the same replication if ``versus = "reference"``) or
    ``cost`` (the lever money minus the reference's, discounted at the search's rate to the
    base year, summed over the years after it up to ``year``; ``social``: the social cost of
    :func:`simxh.analysis.social_cost` instead of the public lever money)."""

    name: str
    kind: str  # target | metric | cost
    target: str = ""
    metric: str = ""
    year: int = 0
    year_end: int | None = None
    versus: str = "none"
    social: bool = False
    stat: str = "mean"
    label: str = ""


@dataclass(frozen=True)
class Objective:
    measure: Measure
    sense: str = "max"


@dataclass(frozen=True)
class Constraint:
    measure: Measure
    max: float | None = None
    min: float | None = None

    @property
    def limit(self) -> float:
        return float(self.max if self.max is not None else self.min)  # type: ignore[arg-type]

    def violation(self, value: float) -> float:
        """> 0 when violated (pymoo's ``G``), in the measure's unit."""
        if not math.isfinite(value):
            return FAILED_PENALTY
        return value - self.max if self.max is not None else self.min - value  # type: ignore


@dataclass(frozen=True)
class Package:
    """A hand-made package (a scenario of an experiment file): evaluated as an extra candidate
    with its own config and marked on the chart."""

    name: str
    config: str | None
    overrides: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Search:
    name: str
    file: str
    base: str | None
    reference_config: str | None
    reference_overrides: dict[str, Any]
    seed: int
    replications: int
    end_year: int
    decisions: tuple[Decision, ...]
    objectives: tuple[Objective, ...]
    constraints: tuple[Constraint, ...]
    uncertainties: tuple[Any, ...] = ()
    packages: tuple[Package, ...] = ()
    population: int = 20
    generations: int = 10
    algorithm_seed: int = 0
    discount_rate: float = DEFAULT_DISCOUNT_RATE
    probability: float = DEFAULT_PROBABILITY
    targets: tuple[str, ...] = ()
    chart: dict[str, str] = field(default_factory=dict)
    confidence: float = 0.95
    description: str = ""

    @property
    def measures(self) -> tuple[Measure, ...]:
        """Every measure once: the objectives', the constraints', then one per target."""
        out: dict[str, Measure] = {}
        for m in [o.measure for o in self.objectives] + [c.measure for c in self.constraints]:
            out.setdefault(m.name, m)
        for t in self.targets:
            name = target_column(t)
            out.setdefault(name, Measure(name=name, kind="target", target=t, stat="mean"))
        return tuple(out.values())

    @property
    def cost_measure(self) -> Measure | None:
        return next((m for m in self.measures if m.kind == "cost"), None)

    def identity(self) -> str:
        """What determines the evaluations (not the generation count, so a finished search can
        be extended, nor the outputs' presentation)."""
        data = asdict(self)
        for key in ("generations", "file", "description", "chart", "probability", "targets",
                    "confidence", "packages"):
            data.pop(key, None)
        data["uncertainties"] = [asdict(u) for u in self.uncertainties]
        text = json.dumps(data, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def target_column(target: str) -> str:
    return f"P_{target}"


def _get(tree: dict[str, Any], key: str) -> Any:
    node: Any = tree
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            raise KeyError(key)
        node = node[part]
    return node


def load_search(path: str | Path, *, seed: int | None = None, replications: int | None = None,
                generations: int | None = None, population: int | None = None) -> Search:
    """Read and validate a search file (one-line :class:`ConfigError` naming file and key)."""
    from simxh.analysis import load_targets
    from simxh.config import did_you_mean, load_config, parameters, read_toml, resolve_config_path
    from simxh.experiment import _Checker, _uncertainties, load_experiment

    p = Path(path)
    if not p.is_file():
        raise UserError("file not found", file=p, expected="a search file (experiments/*.toml)")
    data = read_toml(p)
    ck = _Checker(str(p))
    ck.keys(data, _TOP_KEYS, "")
    if "search" not in data:
        raise ck.fail("missing table", "search", expected="a [search] table with base, "
                      "replications and generations", has_value=False)
    s = ck.table(data["search"], "search")
    ck.keys(s, _SEARCH_KEYS, "search")
    name = ck.string(s.get("name", p.stem), "search.name")
    if any(c in name for c in "/\\") or name in (".", ".."):
        raise ck.fail("not usable as a directory name", "search.name", name,
                      "a name without slashes")

    def config_path(key: str) -> str | None:
        if key not in s:
            return None
        where = resolve_config_path(ck.string(s[key], f"search.{key}"), file=p,
                                    key=f"search.{key}")
        if not where.is_file():
            raise ck.fail("file not found", f"search.{key}", s[key],
                          f"an existing file (looked for {where})")
        return str(where.resolve())

    base = config_path("base")
    experiment = None
    exp_path = config_path("experiment")
    if exp_path is not None:
        experiment = load_experiment(exp_path, validate_configs=False)
        bad = [u.key for u in experiment.uncertainties if not u.per_replication]
        if bad:
            raise ck.fail("the experiment samples a design; a search draws only "
                          "per-replication uncertainties", "search.experiment", bad[0],
                          "an experiment whose [[uncertainties]] have per = 'replication'")
    own_uncs = _uncertainties(data, ck, p)
    if own_uncs and experiment is not None:
        raise ck.fail("[[uncertainties]] and search.experiment exclude each other",
                      "uncertainties", expected="one of them (the experiment's uncertainties "
                      "are used)", has_value=False)
    for i, u in enumerate(own_uncs):
        if not u.per_replication:
            raise ck.fail("a search draws uncertainties once per replication",
                          f"uncertainties[{i}].per", u.per, "'replication'")
    uncertainties = experiment.uncertainties if experiment is not None else own_uncs
    if "reference" in s:
        ref_config, ref_over = config_path("reference"), {}
    elif experiment is not None:
        ref_config, ref_over = experiment.reference.config, dict(experiment.reference.overrides)
    else:
        ref_config, ref_over = None, {}
    file_seed = experiment.seed if experiment is not None else 0
    file_seed = ck.integer(s.get("seed", file_seed), "search.seed", 0, 2**63 - 1)
    reps = ck.integer(s.get("replications", 8), "search.replications", 2, 10_000)
    default_end = (experiment.end_year if experiment is not None and experiment.end_year
                   else 2035)
    end_year = ck.integer(s.get("end_year", default_end), "search.end_year", 2024, 2060)
    pop = ck.integer(s.get("population", 20), "search.population", 4, 10_000)
    gens = ck.integer(s.get("generations", 10), "search.generations", 1, 10_000)
    algo_seed = ck.integer(s.get("algorithm_seed", 1), "search.algorithm_seed", 0, 2**32 - 1)
    rate = ck.number(s.get("discount_rate", DEFAULT_DISCOUNT_RATE), "search.discount_rate")
    if not 0 <= rate < 1:
        raise ck.fail("out of range", "search.discount_rate", rate, "a number in [0, 1)")
    prob = ck.number(s.get("probability", DEFAULT_PROBABILITY), "search.probability")
    if not 0 < prob <= 1:
        raise ck.fail("out of range", "search.probability", prob, "a number in (0, 1]")
    conf = ck.number(s.get("confidence", 0.95), "search.confidence")
    if not 0 < conf < 1:
        raise ck.fail("out of range", "search.confidence", conf, "a number in (0, 1)")
    plan = load_targets("all")
    known_targets = [] if plan is None else [str(t) for t in plan.index]
    targets = tuple(ck.string(v, f"search.targets[{i}]") for i, v in
                    enumerate(ck.list_of(s.get("targets", []), "search.targets")))
    for i, t in enumerate(targets):
        if t not in known_targets:
            raise ck.fail("unknown target", f"search.targets[{i}]", t, "a target id of "
                          "simxh/data/targets.csv" + did_you_mean(t, known_targets))

    # decisions: real config keys, bounds inside the parameter's range
    try:
        base_cfg = load_config(base, {"run.end_year": end_year})
    except ConfigError as exc:
        raise ConfigError(f"search.base: {exc.detail}", file=exc.file or p, key=exc.key,
                          value=exc.value, expected=exc.expected,
                          has_value=exc.has_value) from None
    tree = base_cfg.to_dict()
    meta = {r["key"]: r for r in parameters()}
    raw = data.get("decisions")
    if not isinstance(raw, list) or not raw:
        raise ck.fail("missing table", "decisions", raw, "one or more [[decisions]] tables "
                      "(key, low, high)", has_value="decisions" in data)
    decisions: list[Decision] = []
    for i, item in enumerate(raw):
        k = f"decisions[{i}]"
        item = ck.table(item, k)
        ck.keys(item, _DECISION_KEYS, k)
        for need in ("key", "low", "high"):
            if need not in item:
                raise ck.fail("missing key", f"{k}.{need}", expected="key, low and high",
                              has_value=False)
        key = ck.string(item["key"], f"{k}.key")
        if key not in meta:
            raise ck.fail("unknown config key", f"{k}.key", key, "a parameter of "
                          "'simxh info --params'" + did_you_mean(key, list(meta)))
        if key in {d.key for d in decisions}:
            raise ck.fail("duplicate decision", f"{k}.key", key, "each key once")
        lo, hi = ck.number(item["low"], f"{k}.low"), ck.number(item["high"], f"{k}.high")
        if not lo < hi:
            raise ck.fail("low must be below high", f"{k}.high", hi, f"a number > {lo}")
        current = _get(tree, key)
        boolean = isinstance(current, bool)
        if not boolean and not isinstance(current, int | float):
            raise ck.fail("not a number or switch", f"{k}.key", key, "a numeric or true/false "
                          "config parameter")
        integer = ck.boolean(item.get("integer", boolean or isinstance(current, int)),
                             f"{k}.integer")
        if boolean and (lo, hi) != (0, 1):
            raise ck.fail("a switch takes 0 (off) to 1 (on)", f"{k}.low", [lo, hi],
                          "low = 0 and high = 1")
        d = Decision(key=key, low=lo, high=hi, integer=integer or boolean, boolean=boolean,
                     unit=str(item.get("unit", meta[key].get("unit", "")) or ""))
        for value in (lo, hi):
            try:
                base_cfg.with_overrides({key: d.decode(value)})
            except ConfigError as exc:
                raise ConfigError(f"decision '{key}': {exc.detail}", file=p, key=f"{k}.low"
                                  if value == lo else f"{k}.high", value=value,
                                  expected=exc.expected) from None
        decisions.append(d)

    objectives: list[Objective] = []
    for i, item in enumerate(_list(data, "objectives", ck, required=True)):
        k = f"objectives[{i}]"
        ck.keys(item, _OBJECTIVE_KEYS, k)
        m = _measure(item, k, ck, end_year, known_targets)
        objectives.append(Objective(measure=m, sense=ck.choice(
            item.get("sense", "max"), f"{k}.sense", SENSES)))
    constraints: list[Constraint] = []
    for i, item in enumerate(_list(data, "constraints", ck, required=False)):
        k = f"constraints[{i}]"
        ck.keys(item, _CONSTRAINT_KEYS, k)
        m = _measure(item, k, ck, end_year, known_targets)
        if ("max" in item) == ("min" in item):
            raise ck.fail("a constraint needs one limit", f"{k}.max", expected="max = X or "
                          "min = X", has_value=False)
        constraints.append(Constraint(
            measure=m, max=ck.number(item["max"], f"{k}.max") if "max" in item else None,
            min=ck.number(item["min"], f"{k}.min") if "min" in item else None))
    names = [o.measure for o in objectives] + [c.measure for c in constraints]
    seen: dict[str, Measure] = {}
    for m in names:
        if m.name in seen and seen[m.name] != m:
            raise ck.fail("two different measures share a name", "objectives", m.name,
                          "unique names (or the same definition)")
        seen[m.name] = m
    if targets and not any(m.kind == "cost" for m in names):
        raise ck.fail("'what it takes' needs a cost", "search.targets", list(targets),
                      "an objective or constraint with cost = true")
    chart = ck.table(s.get("chart", {}), "search.chart")
    ck.keys(chart, _CHART_KEYS, "search.chart")
    all_names = list(seen) + [target_column(t) for t in targets]
    for key_, value in chart.items():
        if value not in all_names:
            raise ck.fail("unknown measure", f"search.chart.{key_}", value,
                          "one of " + ", ".join(all_names) + did_you_mean(str(value), all_names))
    packages: tuple[Package, ...] = ()
    if experiment is not None and s.get("packages", True):
        packages = tuple(Package(name=sc.name, config=sc.config, overrides=dict(sc.overrides))
                         for sc in experiment.scenarios if not sc.reference)
    elif "packages" in s:
        ck.boolean(s["packages"], "search.packages")
    n_obj = len(objectives)
    if n_obj > 3:
        from pymoo.util.ref_dirs import get_reference_directions  # noqa: F401
    search = Search(
        name=name, file=str(p), base=base, reference_config=ref_config,
        reference_overrides=ref_over, seed=file_seed if seed is None else seed,
        replications=reps if replications is None else replications, end_year=end_year,
        decisions=tuple(decisions), objectives=tuple(objectives),
        constraints=tuple(constraints), uncertainties=tuple(uncertainties), packages=packages,
        population=pop if population is None else population,
        generations=gens if generations is None else generations, algorithm_seed=algo_seed,
        discount_rate=rate, probability=prob, targets=targets, chart=dict(chart),
        confidence=conf, description=str(s.get("description", "")))
    _check_measures_years(search, ck)
    return search


def _list(data: dict[str, Any], key: str, ck: Any, required: bool) -> list[dict[str, Any]]:
    raw = data.get(key, [])
    if not isinstance(raw, list) or (required and not raw):
        raise ck.fail("missing table" if not raw else "wrong type", key, raw,
                      f"one or more [[{key}]] tables", has_value=key in data)
    return [ck.table(item, f"{key}[{i}]") for i, item in enumerate(raw)]


def _measure(item: dict[str, Any], k: str, ck: Any, end_year: int,
             known_targets: list[str]) -> Measure:
    from simxh.config import did_you_mean

    kinds = [x for x in ("target", "metric", "cost") if x in item]
    if len(kinds) != 1:
        raise ck.fail("say what to measure", k, kinds or None, "exactly one of target = "
                      "'ID', metric = 'COLUMN' or cost = true", has_value=bool(kinds))
    kind = kinds[0]
    year = ck.integer(item.get("year", end_year), f"{k}.year", 2023, end_year)
    year_end = None
    if "year_end" in item:
        year_end = ck.integer(item["year_end"], f"{k}.year_end", year + 1, end_year)
    target = metric = ""
    if kind == "target":
        target = ck.string(item["target"], f"{k}.target")
        if target not in known_targets:
            raise ck.fail("unknown target", f"{k}.target", target, "a target id of "
                          "simxh/data/targets.csv" + did_you_mean(target, known_targets))
        default_name = target_column(target)
    elif kind == "metric":
        metric = ck.string(item["metric"], f"{k}.metric")
        default_name = f"{metric}_{year}"
    else:
        if item["cost"] is not True:
            raise ck.fail("wrong value", f"{k}.cost", item["cost"], "true")
        default_name = f"cost_{year}"
    versus = ck.choice(item.get("versus", "none"), f"{k}.versus", VERSUS)
    if versus != "none" and kind != "metric":
        raise ck.fail("versus applies to a metric", f"{k}.versus", versus, "no versus here")
    name = ck.string(item.get("name", default_name), f"{k}.name")
    if not NAME_RE.match(name):
        raise ck.fail("not a usable name", f"{k}.name", name, "letters, digits and _, "
                      "starting with a letter")
    stat = ck.choice(item.get("stat", "mean"), f"{k}.stat", STATS)
    if kind == "target" and stat != "mean":
        raise ck.fail("a target's summary is its probability", f"{k}.stat", stat, "'mean'")
    return Measure(name=name, kind=kind, target=target, metric=metric, year=year,
                   year_end=year_end, versus=versus,
                   social=ck.boolean(item.get("social", False), f"{k}.social"), stat=stat,
                   label=str(item.get("label", "")))


def _check_measures_years(search: Search, ck: Any) -> None:
    for m in search.measures:
        if m.kind == "metric" and m.metric and not re.match(r"^[A-Za-z0-9_]+$", m.metric):
            raise ck.fail("not a column name", "objectives", m.metric, "an output column")


# --------------------------------------------------------------------------------------------
# Candidates and runs
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """One package to evaluate: a search point (``values``), the reference or a hand-made one."""

    id: int
    role: str
    name: str
    generation: int
    config: str | None
    overrides: dict[str, Any]
    values: tuple[Any, ...] = ()


def decode(search: Search, x: Sequence[float]) -> tuple[Any, ...]:
    return tuple(d.decode(v) for d, v in zip(search.decisions, x, strict=True))


def _run_task(search: Search, cand: Candidate, replication: int, run_fn: Any,
              timeout: float | None) -> Any:
    from simxh.design import replication_draws
    from simxh.runner import RunTask, replication_seed
    from simxh.store import RunKey

    seed = replication_seed(search.seed, replication)
    drawn = replication_draws(search.uncertainties, seed)
    overrides = {"run.end_year": search.end_year,
                 **{k: v for k, v in drawn.items() if k not in cand.overrides},
                 **cand.overrides}
    return RunTask(key=RunKey(0, cand.id, replication), scenario=cand.name, config=cand.config,
                   overrides=overrides, design={}, seed=seed, run_fn=run_fn, drawn={},
                   tables=("district", "towns"), timeout=timeout)


def run_one(task: Any) -> Any:
    """Run one (candidate, replication) in a worker, keeping only the district table (the
    search needs no more, and it keeps what a worker sends back small)."""
    from simxh.runner import execute_run

    out = execute_run(task)
    out.towns = None
    out.villages = None
    return out


def plan_targets(search: Search) -> pd.DataFrame | None:
    """The plan targets the search's measures score (None if none)."""
    from simxh.analysis import load_targets

    ids = [m.target for m in search.measures if m.kind == "target"]
    plan = load_targets("all") if ids else None
    return None if plan is None else plan.loc[ids]


def measure_values(search: Search, district: pd.DataFrame, reference: pd.DataFrame,
                   plan: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per replication (rows) each measure's value (columns), from a candidate's district
    rows and the reference's (both with ``replication`` and ``year`` columns); ``plan``: the
    targets (:func:`plan_targets`, read if not given)."""
    from simxh.analysis import discounted_cost, score_targets

    reps = sorted(int(r) for r in district["replication"].unique())
    out = pd.DataFrame(index=pd.Index(reps, name="replication"))
    for m in search.measures:
        if m.kind == "target":
            plan = plan_targets(search) if plan is None else plan
            assert plan is not None  # a target measure implies the plan's targets table
            frame = district.assign(scenario=district["replication"].astype(str))
            if "point" in frame.columns:
                frame = frame.drop(columns=["point"])
            scored = score_targets(frame, plan.loc[[m.target]], confidence=search.confidence)
            prob = scored.set_index("scenario")["probability"]
            out[m.name] = [float(prob.get(str(r), math.nan)) for r in reps]
        elif m.kind == "metric":
            out[m.name] = _metric_at(district, m, reps)
            if m.versus == "reference":
                out[m.name] = out[m.name] - _metric_at(reference, m, reps)
        else:
            diff = _spend(district, m.social).reindex(reps) - \
                _spend(reference, m.social).reindex(reps)
            diff = diff.loc[:, [c for c in diff.columns if c <= m.year]]
            base = int(min(district["year"]))
            cost = discounted_cost(diff, base, search.discount_rate)
            out[m.name] = cost[m.year].to_numpy(float) if m.year in cost.columns else math.nan
    return out


def _spend(frame: pd.DataFrame, social: bool) -> pd.DataFrame:
    """Lever money (or its social cost) a year: replications × years."""
    from simxh.analysis import social_cost

    values = social_cost(frame) if social else frame["lever_spend_yi"]
    return frame.assign(_s=values.astype(float)).pivot_table(
        index="replication", columns="year", values="_s", aggfunc="first")


def _metric_at(frame: pd.DataFrame, m: Measure, reps: list[int]) -> np.ndarray:
    if m.metric not in frame.columns:
        raise UserError("metric not in the model's district table", key=m.name, value=m.metric,
                        expected="an output column (simxh info --outputs)")
    last = m.year_end or m.year
    sel = frame[(frame["year"] >= m.year) & (frame["year"] <= last)]
    return sel.groupby("replication")[m.metric].mean().reindex(reps).to_numpy(float)


def summarise(values: np.ndarray, m: Measure, confidence: float) -> tuple[float, float, float]:
    """The measure's summary over replications with a ``confidence`` interval: a Wilson
    interval for a probability, a t-interval for a mean, a distribution-free order-statistic
    interval for a median or quantile, none for min/max."""
    from scipy import stats

    from simxh.analysis import t_interval, wilson_interval

    v = np.asarray(values, dtype=float)
    if v.size == 0 or not np.all(np.isfinite(v)):
        return math.nan, math.nan, math.nan
    if m.kind == "target":
        lo, hi = wilson_interval(int(round(v.sum())), v.size, confidence)
        return float(v.mean()), lo, hi
    if m.stat == "mean":
        mean, lo, hi, _ = t_interval(v, confidence)
        return mean, lo, hi
    if m.stat in ("min", "max"):
        val = float(v.min() if m.stat == "min" else v.max())
        return val, math.nan, math.nan
    q = 0.5 if m.stat == "median" else int(m.stat[1:]) / 100
    s = np.sort(v)
    n = v.size
    alpha = 1 - confidence
    lo_i = int(stats.binom.ppf(alpha / 2, n, q)) - 1
    hi_i = int(stats.binom.ppf(1 - alpha / 2, n, q))
    lo = float(s[lo_i]) if 0 <= lo_i < n else math.nan
    hi = float(s[hi_i]) if 0 <= hi_i < n else math.nan
    return float(np.quantile(v, q)), lo, hi


# --------------------------------------------------------------------------------------------
# The search
# --------------------------------------------------------------------------------------------


@dataclass
class SearchReport:
    out: Path
    generations: int
    candidates: int
    runs_executed: int
    seconds: float
    pareto: int
    failed_runs: int
    resumed_generations: int = 0


class SearchRunner:
    """Runs a :class:`Search` into the folder ``out`` (see the module docstring)."""

    def __init__(self, search: Search, out: str | Path, *, run_fn: Any = None,
                 resume: bool = False, force: bool = False, progress: str = "auto",
                 stream: TextIO | None = None, run_timeout: float | None = None) -> None:
        from simxh.config import load_config
        from simxh.runner import default_run_timeout, simulate_run

        self.search = search
        self.out = Path(out)
        self.run_fn = run_fn or simulate_run
        self.progress = progress
        self.stream = stream or sys.stderr
        cfg = load_config(search.base, {"run.end_year": search.end_year})
        ref = load_config(search.reference_config,
                          {**search.reference_overrides, "run.end_year": search.end_year})
        self.timeout = default_run_timeout({"base": cfg}) if run_timeout is None else \
            (run_timeout or None)
        text = json.dumps([search.identity(), cfg.digest(), ref.digest(),
                           sorted(p.name for p in search.packages)], sort_keys=True)
        self.identity = hashlib.sha256(text.encode()).hexdigest()[:16]
        self.plan = plan_targets(search)
        self.evals = pd.DataFrame()
        self.reference = pd.DataFrame()
        self.generations_done = 0
        self.executed = 0
        self.failed = 0
        self._open(resume, force)

    # ---- the folder ------------------------------------------------------------------------
    def _open(self, resume: bool, force: bool) -> None:
        import shutil

        state_path = self.out / STATE_FILE
        if state_path.exists():
            state = json.loads(state_path.read_text(encoding="utf-8"))
            if force:
                for name in (STATE_FILE, EVALUATIONS, REFERENCE_RUNS):
                    (self.out / name).unlink(missing_ok=True)
            elif not resume:
                raise UserError("results of a search are already here", file=self.out,
                                expected="--resume to continue it, --force to start over, or "
                                "another --out")
            elif state.get("identity") != self.identity:
                raise UserError("the folder holds another search (or another version of this "
                                "one)", file=self.out, value=state.get("identity"),
                                expected=f"identity {self.identity}: --force to start over")
            else:
                self.generations_done = int(state.get("generations_done", 0))
                if (self.out / EVALUATIONS).exists():
                    self.evals = pd.read_parquet(self.out / EVALUATIONS)
                if (self.out / REFERENCE_RUNS).exists():
                    self.reference = pd.read_parquet(self.out / REFERENCE_RUNS)
        elif self.out.exists() and any(self.out.iterdir()) and not resume:
            if not force:
                raise UserError("folder is not empty", file=self.out,
                                expected="an empty or new folder, or --force")
            shutil.rmtree(self.out)
        self.out.mkdir(parents=True, exist_ok=True)

    def _save(self, status: str) -> None:
        import pyarrow as pa

        from simxh.store import atomic_write_json, atomic_write_table, now

        if len(self.reference):
            atomic_write_table(self.out / REFERENCE_RUNS,
                               pa.Table.from_pandas(self.reference, preserve_index=False))
        if len(self.evals):
            atomic_write_table(self.out / EVALUATIONS,
                               pa.Table.from_pandas(self.evals, preserve_index=False))
        try:
            from importlib.metadata import version
            pymoo_version = version("pymoo")
        except Exception:  # noqa: BLE001 - only recorded
            pymoo_version = ""
        atomic_write_json(self.out / STATE_FILE, {
            "simxh_search": SEARCH_FORMAT, "name": self.search.name,
            "identity": self.identity, "generations_done": self.generations_done,
            "generations": self.search.generations, "population": self.search.population,
            "replications": self.search.replications, "seed": self.search.seed,
            "status": status, "pymoo": pymoo_version, "updated": now(),
            "file": Path(self.search.file).name})

    # ---- evaluation ------------------------------------------------------------------------
    def _columns(self) -> list[str]:
        cols = {"year", "lever_spend_yi", "price_index"}
        from simxh.analysis import SOCIAL_COST_ADD, SOCIAL_COST_TRANSFERS

        cols |= set(SOCIAL_COST_ADD) | set(SOCIAL_COST_TRANSFERS)
        plan = self.plan
        for m in self.search.measures:
            if m.kind == "metric":
                cols.add(m.metric)
            elif m.kind == "target" and plan is not None:
                cols.add(str(plan.loc[m.target, "metric"]))
        return sorted(cols)

    def _execute(self, cands: list[Candidate], reps: Sequence[int], executor: Any,
                 desc: str) -> dict[int, pd.DataFrame | str]:
        """Run every (candidate, replication); per candidate its district rows (replication,
        year and the measured columns), or the first error."""
        from simxh.executors import WorkerFailure
        from simxh.progress import Progress

        keep = self._columns()
        tasks = [_run_task(self.search, c, r, self.run_fn, self.timeout)
                 for c in cands for r in reps]
        parts: dict[int, list[pd.DataFrame]] = {c.id: [] for c in cands}
        errors: dict[int, str] = {}
        with Progress(len(tasks), desc=desc, mode=self.progress, stream=self.stream) as bar:
            for task, outcome in executor.map(run_one, tasks):
                cid = task.key.point
                ok = not isinstance(outcome, WorkerFailure) and outcome.ok
                self.executed += 1
                if ok:
                    d = outcome.district
                    parts[cid].append(d[["replication", *[c for c in keep if c in d.columns]]])
                else:
                    self.failed += 1
                    errors.setdefault(cid, str(outcome.error))
                bar.update(ok)
        out: dict[int, pd.DataFrame | str] = {}
        for c in cands:
            out[c.id] = errors[c.id] if c.id in errors else \
                pd.concat(parts[c.id], ignore_index=True).sort_values(
                    ["replication", "year"], kind="stable").reset_index(drop=True)
        return out

    def _ensure_reference(self, reps: Sequence[int], executor: Any) -> None:
        have = set() if self.reference.empty else set(self.reference["replication"])
        need = [r for r in reps if r not in have]
        if not need:
            return
        ref = Candidate(id=-1, role="reference", name="reference", generation=-1,
                        config=self.search.reference_config,
                        overrides=dict(self.search.reference_overrides))
        got = self._execute([ref], need, executor, "reference runs")[-1]
        if isinstance(got, str):
            raise UserError(f"a reference run failed: {got}", file=self.search.file,
                            expected="a reference config that runs")
        self.reference = pd.concat([self.reference, got], ignore_index=True) \
            if len(self.reference) else got

    def _rows(self, cand: Candidate, got: pd.DataFrame | str, reps: Sequence[int]
              ) -> pd.DataFrame:
        from simxh.runner import replication_seed

        base = {"candidate": cand.id, "role": cand.role, "name": cand.name,
                "generation": cand.generation}
        dec = {d.key: (float(v) if v is not None else math.nan)
               for d, v in zip(self.search.decisions, cand.values or
                               [None] * len(self.search.decisions), strict=True)}
        if isinstance(got, str):
            vals = pd.DataFrame({m.name: [math.nan] * len(reps) for m in self.search.measures},
                                index=list(reps))
            error = got
        else:
            ref = self.reference[self.reference["replication"].isin(reps)]
            vals = measure_values(self.search, got, ref, self.plan)
            error = ""
        rows = []
        for r in reps:
            rows.append({**base, "replication": int(r),
                         "seed": replication_seed(self.search.seed, int(r)), **dec,
                         **{m.name: float(vals.loc[r, m.name]) if r in vals.index else
                            math.nan for m in self.search.measures},
                         "ok": not error, "error": error})
        return pd.DataFrame(rows)

    def evaluate(self, cands: list[Candidate], executor: Any, reps: Sequence[int],
                 desc: str) -> None:
        self._ensure_reference(reps, executor)
        if not cands:
            return
        got = self._execute(cands, reps, executor, desc)
        frames = [self._rows(c, got[c.id], reps) for c in cands]
        self.evals = pd.concat([self.evals, *frames], ignore_index=True) \
            if len(self.evals) else pd.concat(frames, ignore_index=True)

    # ---- the optimiser ---------------------------------------------------------------------
    def _algorithm(self) -> tuple[Any, Any]:
        from pymoo.core.problem import Problem

        s = self.search
        n_obj = len(s.objectives)
        problem = Problem(n_var=len(s.decisions), n_obj=n_obj,
                          n_ieq_constr=len(s.constraints) + 1,
                          xl=np.array([d.low for d in s.decisions], float),
                          xu=np.array([d.high for d in s.decisions], float))
        if n_obj > 3:
            from pymoo.algorithms.moo.nsga3 import NSGA3
            from pymoo.util.ref_dirs import get_reference_directions

            dirs = get_reference_directions("energy", n_obj, s.population, seed=s.algorithm_seed)
            algorithm = NSGA3(ref_dirs=dirs, pop_size=s.population)
        else:
            from pymoo.algorithms.moo.nsga2 import NSGA2

            algorithm = NSGA2(pop_size=s.population)
        algorithm.setup(problem, termination=("n_gen", 10**9), seed=s.algorithm_seed,
                        verbose=False)
        return algorithm, problem

    def _search_summary(self, reps: Sequence[int]) -> dict[tuple[Any, ...], dict[str, float]]:
        """Decision values → summary of each measure over ``reps`` (search-role candidates)."""
        keys = [d.key for d in self.search.decisions]
        if self.evals.empty:
            return {}
        sel = self.evals[(self.evals["role"] == "search")
                         & self.evals["replication"].isin(reps)]
        out: dict[tuple[Any, ...], dict[str, float]] = {}
        for _, grp in sel.groupby("candidate", sort=True):
            point = tuple(self._decoded_row(grp.iloc[0], keys))
            summary = {m.name: summarise(grp[m.name].to_numpy(float), m,
                                         self.search.confidence)[0]
                       for m in self.search.measures}
            summary["_ok"] = float(grp["ok"].all())
            summary["_candidate"] = float(grp["candidate"].iloc[0])
            out[point] = summary
        return out

    def _decoded_row(self, row: pd.Series, keys: list[str]) -> list[Any]:
        return [d.decode(row[k]) for d, k in zip(self.search.decisions, keys, strict=True)]

    def _fg(self, summary: dict[str, float]) -> tuple[list[float], list[float]]:
        f, g = [], []
        for o in self.search.objectives:
            v = summary[o.measure.name]
            f.append(FAILED_PENALTY if not math.isfinite(v) else (-v if o.sense == "max" else v))
        for c in self.search.constraints:
            g.append(c.violation(summary[c.measure.name]))
        g.append(0.0 if summary["_ok"] else 1.0)
        return f, g

    def run(self, executor: Any) -> SearchReport:
        from pymoo.core.evaluator import Evaluator
        from pymoo.problems.static import StaticProblem

        s = self.search
        start = time.perf_counter()
        reps = list(range(s.replications))
        resumed = self.generations_done
        self._save("running")
        self._ensure_reference(reps, executor)
        self._save("running")
        algorithm, problem = self._algorithm()
        next_id = 0 if self.evals.empty else int(self.evals["candidate"].max()) + 1
        for gen in range(s.generations):
            pop = algorithm.ask()
            X = pop.get("X")
            points = [decode(s, x) for x in X]
            known = self._search_summary(reps)
            if gen < self.generations_done:
                missing = [p for p in points if p not in known]
                if missing:
                    raise UserError("the stored evaluations do not match the replayed search "
                                    "(another pymoo version?)", file=self.out / EVALUATIONS,
                                    value=missing[0], expected="--force to start over")
            else:
                new: list[Candidate] = []
                for p in dict.fromkeys(points):
                    if p in known:
                        continue
                    new.append(self._candidate(next_id, "search", gen, p))
                    next_id += 1
                self.evaluate(new, executor, reps, f"generation {gen + 1}/{s.generations}")
                self.generations_done = gen + 1
                self._save("running")
                known = self._search_summary(reps)
            F, G = zip(*(self._fg(known[p]) for p in points), strict=True)
            Evaluator().eval(StaticProblem(problem, F=np.array(F, float),
                                           G=np.array(G, float)), pop)
            algorithm.tell(infills=pop)
        self._finish(executor)
        self._save("complete")
        summary = candidate_summary(s, self.evals)
        pareto = pareto_front(s, summary)
        return SearchReport(out=self.out, generations=self.generations_done,
                            candidates=int((summary["role"] == "search").sum()),
                            runs_executed=self.executed, seconds=time.perf_counter() - start,
                            pareto=len(pareto), failed_runs=self.failed,
                            resumed_generations=resumed)

    def _candidate(self, cid: int, role: str, gen: int, point: tuple[Any, ...],
                   name: str = "") -> Candidate:
        overrides = {d.key: v for d, v in zip(self.search.decisions, point, strict=True)}
        return Candidate(id=cid, role=role, name=name or f"c{cid:04d}", generation=gen,
                         config=self.search.base, overrides=overrides, values=point)

    def _finish(self, executor: Any) -> None:
        """Hand-made packages, the outputs, the re-evaluation of the chosen packages with fresh
        replications (N..2N−1), then the outputs again with the re-evaluation."""
        s = self.search
        reps = list(range(s.replications))
        have = set(self.evals.loc[self.evals["role"] == "package", "name"]) \
            if len(self.evals) else set()
        next_id = int(self.evals["candidate"].max()) + 1
        todo = []
        for pkg in s.packages:
            if pkg.name in have:
                continue
            todo.append(Candidate(id=next_id, role="package", name=pkg.name,
                                  generation=-1, config=pkg.config,
                                  overrides=dict(pkg.overrides),
                                  values=self._package_point(pkg)))
            next_id += 1
        if todo:
            self.evaluate(todo, executor, reps, "hand-made packages")
            self._save("running")
        summary = candidate_summary(s, self.evals)
        chosen = what_it_takes(s, summary)
        fresh = list(range(s.replications, 2 * s.replications))
        done = set(self.evals.loc[self.evals["role"] == "reeval", "name"])
        again = []
        for cid in dict.fromkeys(int(c) for c in chosen["candidate"].dropna()):
            row = summary[summary["candidate"] == cid].iloc[0]
            name = f"{row['name']}"
            if name in done:
                continue
            point = tuple(d.decode(row[d.key]) if not pd.isna(row[d.key]) else None
                          for d in s.decisions)
            if row["role"] == "package":
                pkg = next(p for p in s.packages if p.name == row["name"])
                again.append(Candidate(id=next_id, role="reeval", name=name, generation=-1,
                                       config=pkg.config, overrides=dict(pkg.overrides),
                                       values=point))
            else:
                again.append(replace(self._candidate(next_id, "reeval", -1, point, name)))
            next_id += 1
        if again:
            self.evaluate(again, executor, fresh, "re-evaluation with fresh seeds")
            self._save("running")
        write_outputs(s, self.evals, self.out)

    def _package_point(self, pkg: Package) -> tuple[Any, ...]:
        """A hand-made package's decision values (NaN where its lever is switched off or the
        value lies outside the bounds; ``fits`` in candidates.csv says whether all fit)."""
        from simxh.config import load_config

        cfg = load_config(pkg.config, {**pkg.overrides, "run.end_year": self.search.end_year})
        tree = cfg.to_dict()
        out: list[Any] = []
        for d in self.search.decisions:
            section = d.key.split(".")[0]
            enabled = tree.get(section, {}).get("enabled", True)
            if section == "fiscal":
                enabled = tree["fiscal"].get("allow_debt", True)
            value = _get(tree, d.key)
            if isinstance(value, bool):
                value = int(value)
            elif not enabled:
                value = d.low
            out.append(value)
        return tuple(out)


# --------------------------------------------------------------------------------------------
# Outputs
# --------------------------------------------------------------------------------------------


def candidate_summary(search: Search, evals: pd.DataFrame) -> pd.DataFrame:
    """One row per candidate (and re-evaluation): decisions, each measure with its interval,
    n, whether every run succeeded, and whether every constraint holds (``feasible``)."""
    rows = []
    for cid, grp in evals.groupby("candidate", sort=True):
        first = grp.iloc[0]
        row: dict[str, Any] = {"candidate": int(cid), "role": first["role"],
                               "name": first["name"], "generation": int(first["generation"])}
        for d in search.decisions:
            row[d.key] = first[d.key]
        ok = bool(grp["ok"].all())
        for m in search.measures:
            v, lo, hi = summarise(grp[m.name].to_numpy(float), m, search.confidence)
            row[m.name], row[f"{m.name}_low"], row[f"{m.name}_high"] = v, lo, hi
        row["n"] = int(len(grp))
        row["ok"] = ok
        row["feasible"] = ok and all(c.violation(row[c.measure.name]) <= 0
                                     for c in search.constraints)
        row["fits"] = all(not pd.isna(row[d.key]) and d.low <= row[d.key] <= d.high
                          for d in search.decisions)
        rows.append(row)
    return pd.DataFrame(rows)


def pareto_front(search: Search, summary: pd.DataFrame) -> pd.DataFrame:
    """The non-dominated feasible search candidates (pymoo's non-dominated sorting on the
    objectives, maximised ones negated), sorted by the first objective."""
    from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting

    sel = summary[(summary["role"] == "search") & summary["feasible"]].reset_index(drop=True)
    if sel.empty:
        return sel
    F = np.column_stack([(-1 if o.sense == "max" else 1) * sel[o.measure.name].to_numpy(float)
                         for o in search.objectives])
    front = NonDominatedSorting().do(F, only_non_dominated_front=True)
    out = sel.iloc[sorted(front)]
    first = search.objectives[0]
    return out.sort_values(first.measure.name, ascending=first.sense == "min",
                           kind="stable").reset_index(drop=True)


WIT_COLUMNS = ["goal", "found", "candidate", "name", "role", "probability", "probability_low",
               "probability_high", "cost_yi", "n", "fresh_probability", "fresh_probability_low",
               "fresh_probability_high", "fresh_cost_yi", "fresh_n", "binding"]


def what_it_takes(search: Search, summary: pd.DataFrame,
                  reeval: pd.DataFrame | None = None) -> pd.DataFrame:
    """For each plan target of the search: the cheapest feasible package found (search or
    hand-made) whose P(target) ≥ ``search.probability``; where none is, the highest P reached
    and what binds (constraints at or past their limit, decisions at a bound). A last row,
    ``constraints``, is the cheapest package meeting every constraint. With ``reeval`` (the
    summaries of the re-evaluation with fresh seeds), its values are added."""
    cost = search.cost_measure
    pool = summary[summary["role"].isin(["search", "package"]) & summary["ok"]]
    rows = []
    goals = [(target_column(t), t) for t in search.targets]
    for column, target in [*goals, ("", "constraints")]:
        row: dict[str, Any] = {c: math.nan for c in WIT_COLUMNS}
        row.update({"goal": target, "found": False, "binding": ""})
        if column:
            ok = pool[pool["feasible"] & (pool[column] >= search.probability)]
        else:
            ok = pool[pool["feasible"]]
        if len(ok) and cost is not None:
            best = ok.sort_values([cost.name, "candidate"], kind="stable").iloc[0]
            row["found"] = True
        elif len(pool) and column:
            # the highest P; among equal P (e.g. 0 everywhere) the feasible one that does best
            # on the first maximised objective (the closest to the target, as a rule)
            lead = next((o.measure.name for o in search.objectives if o.sense == "max"), None)
            by, asc = [column, "feasible"], [False, False]
            if lead is not None:
                by, asc = [*by, lead], [*asc, False]
            best = pool.sort_values([*by, "candidate"], ascending=[*asc, True],
                                    kind="stable").iloc[0]
            row["binding"] = _binding(search, best)
        else:
            rows.append(row)
            continue
        row.update({"candidate": int(best["candidate"]), "name": best["name"],
                    "role": best["role"], "n": int(best["n"])})
        if column:
            row.update({"probability": best[column], "probability_low": best[f"{column}_low"],
                        "probability_high": best[f"{column}_high"]})
        if cost is not None:
            row["cost_yi"] = best[cost.name]
        if reeval is not None and len(reeval):
            again = reeval[reeval["name"] == best["name"]]
            if len(again):
                a = again.iloc[0]
                row["fresh_n"] = int(a["n"])
                if column:
                    row.update({"fresh_probability": a[column],
                                "fresh_probability_low": a[f"{column}_low"],
                                "fresh_probability_high": a[f"{column}_high"]})
                if cost is not None:
                    row["fresh_cost_yi"] = a[cost.name]
        rows.append(row)
    return pd.DataFrame(rows, columns=WIT_COLUMNS)


def _binding(search: Search, row: pd.Series) -> str:
    out = []
    for c in search.constraints:
        v = float(row[c.measure.name])
        scale = max(abs(c.limit), 1e-9)
        if c.violation(v) > -TIGHT_SHARE * scale:
            side = "≤" if c.max is not None else "≥"
            out.append(f"{c.measure.name} {side} {c.limit:g} (at {v:.4g})")
    for d in search.decisions:
        v = row[d.key]
        if not pd.isna(v) and (v >= d.high or (d.high - v) <= TIGHT_SHARE * (d.high - d.low)):
            out.append(f"{d.key} at its upper bound {d.high:g}")
    return "; ".join(out) or "none: not reached within the decision space"


def write_outputs(search: Search, evals: pd.DataFrame, out: Path) -> dict[str, Path]:
    """pareto.csv, candidates.csv, what_it_takes.csv, pareto.png and what_it_takes.md."""
    from simxh.analysis import write_csv

    summary = candidate_summary(search, evals)
    main = summary[summary["role"] != "reeval"]
    reeval = summary[summary["role"] == "reeval"]
    pareto = pareto_front(search, main)
    keep = ["candidate", "generation", *[d.key for d in search.decisions]]
    for m in search.measures:
        keep += [m.name, f"{m.name}_low", f"{m.name}_high"]
    keep += ["n", "feasible"]
    paths = {"pareto": write_csv(pareto[keep] if len(pareto) else
                                 pd.DataFrame(columns=keep), out / "pareto.csv"),
             "candidates": write_csv(summary, out / "candidates.csv")}
    wit = what_it_takes(search, main, reeval)
    paths["what_it_takes"] = write_csv(wit, out / "what_it_takes.csv")
    chart = pareto_chart(search, main, pareto, out / "pareto.png")
    if chart is not None:
        paths["chart"] = chart
    paths["brief"] = out / "what_it_takes.md"
    from simxh.store import atomic_write_bytes

    atomic_write_bytes(paths["brief"], what_it_takes_section(search, wit, pareto,
                                                             main).encode("utf-8"))
    paths["brief_zh"] = out / "what_it_takes_zh.md"
    atomic_write_bytes(paths["brief_zh"], what_it_takes_section_zh(search, wit, pareto,
                                                                   main).encode("utf-8"))
    return paths


def _axes(search: Search) -> tuple[str | None, str | None, str | None]:
    chart = search.chart
    cost = search.cost_measure
    x = chart.get("x") or (cost.name if cost else None)
    y = chart.get("y") or next((o.measure.name for o in search.objectives
                                if o.sense == "max" and o.measure.name != x), None)
    colour = chart.get("colour") or next(
        (m.name for m in search.measures if m.kind == "metric" and (
            "theil" in m.metric or "weakest" in m.metric)), None)
    return x, y, colour


def pareto_chart(search: Search, summary: pd.DataFrame, pareto: pd.DataFrame,
                 path: Path) -> Path | None:
    """Cost (x) against the effect (y) of every feasible candidate, the Pareto set coloured by
    the equity measure, today's hand-made packages marked and named."""
    x, y, colour = _axes(search)
    if x is None or y is None or summary.empty:
        return None
    from simxh.report.theme import report_style

    with report_style("en"):
        return _draw_pareto(search, summary, pareto, path, x, y, colour)


def _draw_pareto(search: Search, summary: pd.DataFrame, pareto: pd.DataFrame, path: Path,
                 x: str, y: str, colour: str | None) -> Path:
    import io

    import matplotlib.pyplot as plt

    from simxh.store import atomic_write_bytes

    fig, ax = plt.subplots(figsize=(7.5, 5.0))
    rest = summary[(summary["role"] == "search")]
    ax.scatter(rest[x], rest[y], s=10, color="#c8c8c8", label="evaluated packages", zorder=1)
    if len(pareto):
        kw: dict[str, Any] = {}
        if colour is not None:
            kw = {"c": pareto[colour], "cmap": "viridis"}
        sc = ax.scatter(pareto[x], pareto[y], s=36, edgecolor="black", linewidth=0.5,
                        label="non-dominated (feasible)", zorder=3, **kw)
        if colour is not None:
            fig.colorbar(sc, ax=ax, label=_label(search, colour, chart=True))
    pk = summary[summary["role"] == "package"]
    if len(pk):
        ax.scatter(pk[x], pk[y], marker="X", s=70, color="#d62728", label="hand-made packages",
                   zorder=4)
        for _, r in pk.iterrows():
            ax.annotate(str(r["name"]), (r[x], r[y]), fontsize=7, xytext=(4, 3),
                        textcoords="offset points")
    ax.set_xlabel(_label(search, x, chart=True))
    ax.set_ylabel(_label(search, y, chart=True))
    ax.set_title(f"{search.name}: cost against effect over {search.replications} replications")
    ax.legend(fontsize=7, loc="best")
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png")
    plt.close(fig)
    atomic_write_bytes(path, buf.getvalue())
    return path


def _label(search: Search, name: str, chart: bool = False) -> str:
    """A measure's label (``chart``: in Latin script, for the chart's font)."""
    m = next((m for m in search.measures if m.name == name), None)
    if m is None:
        return name
    if m.label:
        return m.label
    if m.kind == "cost":
        unit = "100 million yuan" if chart else "亿元"
        return f"discounted lever cost to {m.year} vs reference ({unit}, " \
            f"{search.discount_rate:.0%} a year)"
    if m.kind == "target":
        return f"P({m.target})"
    span = f"{m.year}–{m.year_end}" if m.year_end else str(m.year)
    what = f"Δ{m.metric}" if m.versus == "reference" else m.metric
    return f"{m.stat} {what} {span}"


def _fmt(v: Any, digits: int = 3) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "–"
    if isinstance(v, float):
        return f"{v:.{digits}g}"
    return str(v)


def _wit_cells(r: pd.Series) -> str:
    """The package, P (search), P (fresh seeds) and cost cells of a "What it takes" row."""
    def prob(col: str) -> str:
        return "–" if pd.isna(r[col]) else (f"{_fmt(r[col], 2)} [{_fmt(r[col + '_low'], 2)}, "
                                            f"{_fmt(r[col + '_high'], 2)}]")

    name = r["name"] if isinstance(r["name"], str) else "–"
    return (f"{name} | {prob('probability')} | {prob('fresh_probability')} | "
            f"{_fmt(r['cost_yi'])} / {_fmt(r['fresh_cost_yi'])}")


def what_it_takes_section(search: Search, wit: pd.DataFrame, pareto: pd.DataFrame,
                          summary: pd.DataFrame) -> str:
    """The brief's "What it takes" section (Markdown)."""
    cost = search.cost_measure
    lines = [f"## What it takes ({search.name})", "",
             f"{int((summary['role'] == 'search').sum())} packages searched (NSGA, "
             f"{search.generations} generations of {search.population}), each over the same "
             f"{search.replications} replications (common random numbers); "
             f"{len(pareto)} are non-dominated and feasible (pareto.csv, pareto.png). "
             f"For each plan target: the cheapest package found with P(target) ≥ "
             f"{search.probability:g}, else the highest P reached and what binds. Each chosen "
             f"package is run again on {search.replications} fresh replications "
             f"({search.replications}–{2 * search.replications - 1}) against the optimiser's "
             "luck (winner's curse): both are shown.", "",
             "| goal | found | package | P (search) | P (fresh seeds) | cost 亿元 (search / "
             "fresh) | binds |", "|---|---|---|---|---|---|---|"]
    for _, r in wit.iterrows():
        lines.append(f"| {r['goal']} | {'yes' if r['found'] else 'no'} | {_wit_cells(r)} | "
                     f"{r['binding'] or ''} |")
    chosen = [int(c) for c in wit["candidate"].dropna()]
    if chosen:
        lines += ["", "The packages above:", "",
                  "| package | " + " | ".join(f"{d.key} ({d.unit})" if d.unit else d.key
                                             for d in search.decisions) + " |",
                  "|---|" + "---|" * len(search.decisions)]
        for cid in dict.fromkeys(chosen):
            r = summary[summary["candidate"] == cid].iloc[0]
            lines.append(f"| {r['name']} | " + " | ".join(_fmt(r[d.key]) for d in
                                                          search.decisions) + " |")
    if cost is not None:
        lines += ["", f"Cost: {_label(search, cost.name)}."]
    lines += ["", "![cost against effect](pareto.png)", ""]
    return "\n".join(lines)


def run_search(search: Search, out: str | Path, *, workers: int | None = None,
               scheduler: str | None = None, dask_local: bool = False, resume: bool = False,
               force: bool = False, run_fn: Any = None, progress: str = "auto",
               executor: Any = None, stream: TextIO | None = None,
               max_in_flight: int | None = None, run_timeout: float | None = None,
               isolate: bool = False) -> SearchReport:
    """Run (or resume) ``search`` into ``out`` on the executor the options name (as
    :func:`simxh.runner.run_experiment` does)."""
    from simxh.executors import check_executor_options, make_executor
    from simxh.runner import check_run_timeout

    if executor is None:
        check_executor_options(workers, scheduler, dask_local, max_in_flight)
    check_run_timeout(run_timeout)
    runner = SearchRunner(search, out, run_fn=run_fn, resume=resume, force=force,
                          progress=progress, stream=stream, run_timeout=run_timeout)
    if executor is not None:
        return runner.run(executor)
    with make_executor(workers, scheduler, dask_local, max_in_flight, isolate=isolate) as ex:
        return runner.run(ex)



def _target_names_zh() -> dict[str, str]:
    """Plan target id → its Chinese name (``simxh/data/targets.csv``)."""
    from simxh.analysis import load_targets

    table = load_targets("all")
    if table is None or "name_zh" not in table.columns:
        return {}
    ids = table["id"] if "id" in table.columns else table.index.to_series()
    return {str(i): str(n) for i, n in zip(ids, table["name_zh"], strict=True)}


def _binding_zh(text: str, search: Search) -> str:
    """The English 'binds' cell in Chinese: decisions by their labels, the fixed phrases."""
    from simxh.report.labels import param_label

    if not text:
        return ""
    if text.startswith("none"):
        return "无约束起作用：在决策空间内达不到"
    out = text
    for d in search.decisions:
        out = out.replace(f"{d.key} at its upper bound", f"{param_label(d.key, 'zh')}已达上限")
    return out.replace(" (at ", "（当前 ").replace(")", "）").replace("; ", "；")


def what_it_takes_section_zh(search: Search, wit: pd.DataFrame, pareto: pd.DataFrame,
                             summary: pd.DataFrame) -> str:
    """The brief's "What it takes" section in Chinese (Markdown)."""
    from simxh.report.labels import param_label

    names = _target_names_zh()
    n = search.replications
    lines = ["## 实现规划目标需要什么（多目标搜索）", "",
             f"共搜索 {int((summary['role'] == 'search').sum())} 个政策组合（NSGA，"
             f"{search.generations} 代，每代 {search.population} 个），每个组合使用相同的 {n} "
             f"次重复（共同随机数）；其中 {len(pareto)} 个为非劣且满足约束的组合（pareto.csv）。"
             f"对每个规划目标，给出达标概率不低于 {search.probability:g} 的最低成本组合；"
             f"若找不到，则给出所达到的最高概率及起作用的约束。所选组合另用 {n} 次新的重复"
             f"（第 {n}–{2 * n - 1} 次）重新评估，以防优化器的运气（赢家诅咒），两者并列。", "",
             "| 目标 | 是否找到 | 组合 | 概率（搜索） | 概率（新种子） | 成本 亿元（搜索 / 新种子） "
             "| 起作用的约束 |", "|---|---|---|---|---|---|---|"]
    for _, r in wit.iterrows():
        goal = "全部约束" if r["goal"] == "constraints" else names.get(str(r["goal"]),
                                                                       str(r["goal"]))
        lines.append(f"| {goal} | {'是' if r['found'] else '否'} | {_wit_cells(r)} | "
                     f"{_binding_zh(r['binding'] or '', search)} |")
    chosen = [int(c) for c in wit["candidate"].dropna()]
    if chosen:
        lines += ["", "上表中的组合：", "",
                  "| 组合 | " + " | ".join(param_label(d.key, "zh") for d in search.decisions)
                  + " |", "|---|" + "---|" * len(search.decisions)]
        for cid in dict.fromkeys(chosen):
            r = summary[summary["candidate"] == cid].iloc[0]
            lines.append(f"| {r['name']} | " + " | ".join(_fmt(r[d.key]) for d in
                                                          search.decisions) + " |")
    if search.cost_measure is not None:
        lines += ["", "成本：与参照情景相比的政策支出，按8%年率贴现至基年（亿元）。"]
    lines += ["", "![成本与效果](pareto.png)", ""]
    return "\n".join(lines)

BRIEF_DIR = "search"
"""The folder of a results directory that ``simxh report`` reads a search's "What it takes"
section from (``simxh search FILE --out DIR/search``)."""


def brief_lines(root: str | Path, lang: str = "zh") -> list[str]:
    """The brief's "What it takes" section: ``root/search/what_it_takes.md`` with its image
    path made relative to ``root`` (none if no search was written there)."""
    folder = Path(root) / BRIEF_DIR
    path = folder / "what_it_takes.md"
    if lang == "zh" and (folder / "what_it_takes_zh.md").is_file():
        path = folder / "what_it_takes_zh.md"
    if not path.is_file():
        return []
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return []
    text = text.replace("](pareto.png)", f"]({BRIEF_DIR}/pareto.png)")
    lines = text.splitlines()
    if lang == "zh" and path.name == "what_it_takes.md" and lines and \
            lines[0].startswith("## "):  # an older search: its section in English
        lines[0] = "## 实现规划目标需要什么（多目标搜索；表格为英文）"
    return ["", *lines, ""]
