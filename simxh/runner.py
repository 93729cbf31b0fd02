"""Orchestration: experiment → runs with seeds → executor → store.

A run is one (scenario, design point, replication). Replication ``r`` gets the seed
:func:`replication_seed` ``(experiment seed, r)`` in *every* scenario and at *every* design
point, and the model draws each process from a named stream of that seed (``simxh.rng``):
common random numbers, so the differences between scenarios are paired and tight.

The model is a parameter (``run_fn``, with the signature of :func:`simxh.simulate`) so that
tests can inject a fast double; the CLI always uses the real model.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import shutil
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import pandas as pd

from simxh.design import (
    POINT,
    UNSWEPT_POINT,
    blank_dtypes,
    design_points,
    point_overrides,
    replication_draws,
)
from simxh.errors import ModelFailure, UserError, one_line
from simxh.executors import Executor, WorkerFailure, check_executor_options, make_executor
from simxh.experiment import Experiment, Scenario, describe_changes, validate_experiment_configs
from simxh.guards import check_tables
from simxh.progress import Progress
from simxh.store import (
    STORE_FORMAT,
    RunKey,
    atomic_write_table,
    experiment_path,
    git_commit,
    now,
    open_store,
    package_versions,
    shareable_path,
)
from simxh.watchdog import RunTimeout, call_with_time_limit

RunFn = Callable[..., Any]


def replication_seed(seed: int, replication: int) -> int:
    """The model seed of replication ``replication``: a child of the experiment seed
    (``numpy.random.SeedSequence(seed).spawn``'s r-th child), the same in every scenario and
    design point, independent of the number of replications."""
    child = np.random.SeedSequence(seed, spawn_key=(replication,))
    return int(child.generate_state(1, np.uint64)[0] >> np.uint64(1))


def simulate_run(config: Any, seed: int, overrides: dict[str, Any] | None = None, *,
                 scenario: str = "", replication: int = 0, villages: bool = True) -> Any:
    """The real model, :func:`simxh.simulate`, run in a worker.

    ``simulate`` reuses the built region per network setting and data folder within a worker
    process (``simxh.simulation.shared_region``), so a sweep builds it once per worker; a
    config file is read and validated once per worker too (:func:`simxh.config.load_config_cached`),
    each run applying its own overrides to it.
    """
    from simxh.config import ConfigBase, coerce_config, load_config_cached
    from simxh.simulation import simulate

    cfg = coerce_config(config, overrides) if isinstance(config, ConfigBase) else \
        load_config_cached(config, overrides)
    return simulate(cfg, seed=seed, scenario=scenario, replication=replication,
                    villages=villages)


MAX_RUNS_UNCONFIRMED = 100_000
"""Above this many planned runs, ``simxh run`` asks for confirmation (or ``--yes``)."""
MEASURED_RUN_YEARS = 13
"""The years of a default run (2023–2035): the time limit's horizon when no config is known."""
RUN_SECONDS_PER_YEAR = 0.1
"""An upper bound of the real model's time per simulated year: measured 0.02–0.07 s a year
(``configs/baseline.toml`` and ``combined.toml``, 2023–2035 and 2023–2060, on the project's
2-core VM under load, 2026-12-07)."""
RUN_TIMEOUT_MARGIN = 20
"""The default time limit allows this many times :data:`RUN_SECONDS_PER_YEAR` a year..."""
RUN_TIMEOUT_START_SECONDS = 60.0
"""...plus this for a worker's first run (imports and the region build, about 1 s) on a busy
machine. 13 years (2023–2035) → 86 s; 38 years (to 2060) → 136 s."""
RUN_TABLE_BYTES = {"district": (42_500, 400), "towns": (16_200, 1_450),
                   "villages": (15_600, 12_900)}
"""Bytes of one run's Parquet file of each table: (fixed, per simulated year). Measured on
``experiments/quick.toml`` (its three scenarios, 2 replications) run to 2025, 2028 and 2035
(2026-12-07): a 3-year run's files take 119 kB, a 13-year run's 266 kB. Each file has a large
fixed part (schema, footer, string columns), so the bytes are not proportional to the years:
scaling one 13-year measurement by the years gave 20 kB for a 5-year run against 64 kB
measured (before the villages table). Used when the store holds no run yet."""
SHOWN_ERRORS = 3
"""A run report carries the errors of this many failed runs (``simxh run`` prints them)."""
CONSOLIDATED_SHARE = 0.65
"""The consolidated tables (``district.parquet``, ``towns.parquet``, ``villages.parquet``)
take 0.37 (3 years) to 0.63 (13 years) × the bytes of ``runs/`` (same measurement): the total
on disk is taken as 1.65 × the run files."""


def run_bytes(tables: tuple[str, ...], years: int) -> int:
    """Expected bytes of one run's files for ``tables`` over ``years`` simulated years."""
    return int(sum(RUN_TABLE_BYTES[t][0] + RUN_TABLE_BYTES[t][1] * max(years, 1)
                   for t in tables if t in RUN_TABLE_BYTES))



LEVER_EFFECTS = "lever_effects"
"""The ``uncertainty_sources`` code of per-replication uncertainties (``per = "replication"``:
the lever effect ranges from the literature in ``experiments/policy_comparison.toml``)."""


def uncertainty_sources(configs: list[Any], swept: list[str],
                        drawn: list[str] | tuple[str, ...] = ()) -> list[str]:
    """What the replications' spread includes, as the codes the brief and the charts name
    (``simxh.report.brief.SOURCES``): ``simulation_noise``, ``macro`` (common shocks after the
    last observed year), ``posterior`` (one estimated parameter set per replication),
    ``lever_effects`` (parameters ``drawn`` once per replication, shared by the scenarios) and
    ``parameters`` (a design sweeps parameters)."""
    from simxh.posterior import SHIPPED

    out = ["simulation_noise"]
    if any(c.macro.shocks for c in configs):
        out.append("macro")
    if any(c.estimation.parameter_uncertainty and (c.estimation.posterior or SHIPPED.is_file())
           for c in configs):
        out.append("posterior")
    if drawn:
        out.append(LEVER_EFFECTS)
    if [c for c in swept if c != "point"]:
        out.append("parameters")
    return out


@dataclass(frozen=True)
class SizeEstimate:
    """How big an experiment is before it starts: runs and bytes on disk."""

    scenarios: int
    points: int
    replications: int
    done: int
    bytes_per_run: int
    measured_in_store: bool
    free_bytes: int | None
    target: Path
    unswept: int = 0
    """Scenarios the design does not sweep: run once per replication, not at every point."""

    @property
    def runs(self) -> int:
        return ((self.scenarios - self.unswept) * self.points + self.unswept) * self.replications

    @property
    def bytes_needed(self) -> int:
        """Bytes still to write: the remaining runs' files plus the consolidated tables."""
        todo = max(self.runs - self.done, 0)
        return int(todo * self.bytes_per_run * (1 + CONSOLIDATED_SHARE))

    def problems(self, max_runs: int | None = None) -> list[str]:
        """Why this needs confirmation (empty if it does not): more than ``max_runs``
        (default :data:`MAX_RUNS_UNCONFIRMED`) runs, or more bytes than are free."""
        max_runs = MAX_RUNS_UNCONFIRMED if max_runs is None else max_runs
        out = []
        if self.runs > max_runs:
            out.append(f"more than {max_runs} runs")
        if self.free_bytes is not None and self.bytes_needed > self.free_bytes:
            out.append(f"more disk than is free ({human_bytes(self.free_bytes)} free on "
                       f"{self.target})")
        return out

    def describe(self) -> str:
        how = "measured on the runs already in the folder" if self.measured_in_store else \
            "estimated from a measured run of the model"
        unswept = f", {self.unswept} of them unswept" if self.unswept and self.points > 1 else ""
        return (f"{self.runs} runs planned ({self.scenarios} scenarios{unswept} × {self.points} "
                f"design points × {self.replications} replications), about "
                f"{human_bytes(self.bytes_needed)} of results to write "
                f"({human_bytes(self.bytes_per_run)} per run, {how})")


def human_bytes(n: float) -> str:
    """``1536`` → ``'1.5 kB'`` (powers of 1000)."""
    for unit in ("B", "kB", "MB", "GB", "TB", "PB"):
        if abs(n) < 1000 or unit == "PB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} PB"  # pragma: no cover


def count_design_points(experiment: Experiment) -> int:
    """The number of design points, computed without sampling them."""
    from simxh.design import n_points

    design, uncs = experiment.design, experiment.point_uncertainties
    if design.kind == "none" or not uncs:
        return 1
    if design.kind == "factorial":
        return math.prod(len(u.values) if u.values is not None else design.levels
                         for u in uncs)
    return n_points(design, len(uncs))


def estimate_size(experiment: Experiment, out: str | Path, configs: dict[str, Any]
                  ) -> SizeEstimate:
    """Runs and disk space of ``experiment`` written to ``out`` (read only: nothing is
    written). Bytes per run are measured on the run files already in ``out`` when there are
    some (a resume), else derived from the years simulated (:data:`RUN_TABLE_BYTES`). The
    replications include an adaptive rule's cap, the most it may add."""
    out = Path(out)
    reps = experiment.replications
    if experiment.adaptive is not None:
        reps = max(reps, experiment.adaptive.max_replications)
    runs_dir = out / "runs"
    sizes: list[int] = []
    done = 0
    if runs_dir.is_dir():
        suffix = ".district.parquet"
        for name in os.listdir(runs_dir):
            if name.endswith(suffix) and not name.startswith("."):
                done += 1
                if len(sizes) < 20:
                    stem = name[: -len(suffix)]
                    files = [runs_dir / f"{stem}.{t}.parquet" for t in experiment.tables]
                    with contextlib.suppress(OSError):  # a model may write fewer tables
                        sizes.append(sum(f.stat().st_size for f in files if f.exists()))
    if sizes:
        per_run = int(sum(sizes) / len(sizes))
    else:
        years = max((cfg.run.end_year - cfg.run.start_year + 1 for cfg in configs.values()),
                    default=1)
        per_run = run_bytes(experiment.tables, years)
    anchor = out
    while not anchor.exists() and anchor != anchor.parent:
        anchor = anchor.parent
    try:
        free: int | None = shutil.disk_usage(anchor).free
    except OSError:
        free = None
    return SizeEstimate(scenarios=len(experiment.scenarios),
                        points=count_design_points(experiment), replications=reps,
                        done=done, bytes_per_run=per_run, measured_in_store=bool(sizes),
                        free_bytes=free, target=anchor.absolute(),
                        unswept=sum(1 for s in experiment.scenarios
                                    if experiment.point_uncertainties
                                    and not experiment.swept(s)))


Confirm = bool | Callable[[str], bool] | None
"""``True``: start whatever the size (``--yes``); a function: ask it (a terminal prompt) when
the size needs confirmation; ``None``/``False``: refuse such a size."""


def check_size(estimate: SizeEstimate, confirm: Confirm, out: str | Path) -> None:
    """Refuse (UserError) an experiment above :data:`MAX_RUNS_UNCONFIRMED` runs or needing
    more disk than is free, unless ``confirm`` says yes."""
    problems = estimate.problems()
    if not problems or confirm is True:
        return
    text = f"{estimate.describe()}: " + " and ".join(problems)
    if callable(confirm) and confirm(f"{text}. Start anyway?"):
        return
    raise UserError(f"refused to start {text}", file=out,
                    expected="fewer scenarios, design points or replications, or --yes to "
                    "start anyway")


def default_run_timeout(configs: dict[str, Any]) -> float:
    """The default time limit of a run: :data:`RUN_TIMEOUT_START_SECONDS` plus
    :data:`RUN_TIMEOUT_MARGIN` × :data:`RUN_SECONDS_PER_YEAR` for each year of the longest
    horizon among ``configs`` (86 s for 2023–2035)."""
    years = max((cfg.run.end_year - cfg.run.start_year + 1 for cfg in configs.values()),
                default=MEASURED_RUN_YEARS)
    return RUN_TIMEOUT_START_SECONDS + RUN_TIMEOUT_MARGIN * RUN_SECONDS_PER_YEAR * max(years, 1)


def check_run_timeout(seconds: float | None) -> None:
    """Refuse a negative or non-finite ``--run-timeout`` (0 means no limit)."""
    if seconds is not None and not (math.isfinite(seconds) and seconds >= 0):
        raise UserError("invalid time limit", key="--run-timeout", value=seconds,
                        expected="seconds >= 0 (0: no limit)")


@dataclass(frozen=True)
class RunTask:
    """Everything a worker needs to execute one run (picklable)."""

    key: RunKey
    scenario: str
    config: str | None
    overrides: dict[str, Any]
    design: dict[str, Any]
    seed: int
    run_fn: RunFn = simulate_run
    drawn: dict[str, Any] = field(default_factory=dict)
    """The per-replication uncertainties' values this run used (recorded as columns)."""
    tables: tuple[str, ...] = ("district", "towns", "villages")
    """The tables the run writes (``[experiment] tables``)."""
    blank: dict[str, str] = field(default_factory=dict)
    """An unswept scenario's design columns: key → dtype of its missing value (the columns
    exist in every run's table, empty where the design does not apply)."""
    timeout: float | None = None
    """The run's time limit in seconds (None: none), enforced in the worker."""

    @property
    def run_id(self) -> str:
        return self.key.run_id


@dataclass
class RunOutcome:
    """What a worker sends back: the run's tables, or its error and traceback."""

    run_id: str
    ok: bool
    district: pd.DataFrame | None = None
    towns: pd.DataFrame | None = None
    villages: pd.DataFrame | None = None
    error: str = ""
    traceback: str = ""
    seconds: float = 0.0
    deterministic: bool = False
    """The error is a :class:`~simxh.errors.ModelFailure` (a NaN output...) or a timeout: the
    same run fails the same way, so only ``--retry-failed`` (after a fix) runs it again."""
    timed_out: bool = False
    """The run exceeded its time limit (``--run-timeout``) and was stopped."""


def fail_fast_reason(errors: list[str], limit: int, not_started: int) -> str:
    """Why to stop a sweep whose first runs all failed (``errors``, in the order they came
    back): once ``limit`` of them failed with the same error, a line saying so; else ''. Errors
    that differ only in numbers (the value of a design factor, a year) count as the same."""
    if limit <= 0 or len(errors) < limit:
        return ""
    kinds = {re.sub(r"\d+(\.\d+)?(e[+-]?\d+)?", "#", e) for e in errors}
    if len(kinds) > 1:
        return ""
    return (f"stopped early: the first {len(errors)} runs all failed with the same error "
            f"({errors[0]}); {not_started} runs left undone (--fail-fast {limit}; 0 never "
            f"stops)")


def _decorate(frame: pd.DataFrame, task: RunTask) -> pd.DataFrame:
    """Stamp a run's identity on its table: scenario, replication, point, seed, design values,
    and sort its rows by year (stable, keeping the model's town order).

    The table is built in one go from its columns (the identity first, then the model's, then
    the design's): the same table as setting each column on a copy and sorting, which cost a
    tenth of a run (``tests/test_runner.py::test_decorate_same_as_column_by_column``)."""
    n = len(frame)
    if "year" in frame.columns:
        year = frame["year"].to_numpy()
        if n > 1 and not (year.dtype.kind in "iu" and bool((year[1:] >= year[:-1]).all())):
            frame = frame.sort_values("year", kind="stable")  # rows already in order are kept
    frame = frame.reset_index(drop=True)
    lead = {"scenario": task.scenario, POINT: UNSWEPT_POINT if task.blank else task.key.point,
            "replication": task.key.replication, "seed": task.seed}
    extra: dict[str, Any] = {**task.drawn, **task.design}
    for key, dtype in task.blank.items():
        extra[key] = (np.full(n, np.nan) if dtype == "float64"
                      else pd.array([None] * n, dtype=dtype))
    columns: dict[str, Any] = dict(lead)
    for name in frame.columns:
        if name not in lead:
            columns[name] = extra.pop(name) if name in extra else frame[name]
    columns.update(extra)
    return pd.DataFrame(columns, index=frame.index)


def _decorate_by_column(frame: pd.DataFrame, task: RunTask) -> pd.DataFrame:
    """:func:`_decorate` column by column, as it was written first (the tests' reference)."""
    frame = frame.copy()
    frame["scenario"] = task.scenario
    frame["replication"] = task.key.replication
    frame["seed"] = task.seed
    frame[POINT] = UNSWEPT_POINT if task.blank else task.key.point
    for key, value in {**task.drawn, **task.design}.items():
        frame[key] = value
    for key, dtype in task.blank.items():
        frame[key] = (np.full(len(frame), np.nan) if dtype == "float64"
                      else pd.array([None] * len(frame), dtype=dtype))
    lead = ["scenario", POINT, "replication", "seed"]
    frame = frame[lead + [c for c in frame.columns if c not in lead]]
    if "year" in frame.columns:
        frame = frame.sort_values("year", kind="stable")
    return frame.reset_index(drop=True)


def execute_run(task: RunTask) -> RunOutcome:
    """Run one task, catching the model's exceptions (a failure is a result, not a crash),
    within the task's time limit (:func:`simxh.watchdog.call_with_time_limit`)."""
    start = time.perf_counter()
    try:
        want_villages = "villages" in task.tables
        extra = {} if want_villages else {"villages": False}
        result = call_with_time_limit(
            lambda: task.run_fn(task.config, seed=task.seed, overrides=task.overrides,
                                scenario=task.scenario, replication=task.key.replication,
                                **extra), task.timeout)
        district, towns = result[0], result[1]
        villages = getattr(result, "villages", None) if want_villages else None
        # whatever run_fn is: a NaN or infinite value is a failed run, never a stored result
        check_tables({"district": district, "towns": towns, "villages": villages})
        return RunOutcome(task.run_id, True, _decorate(district, task), _decorate(towns, task),
                          None if villages is None else _decorate(villages, task),
                          seconds=time.perf_counter() - start)
    except Exception as exc:  # noqa: BLE001 - recorded with its traceback
        return RunOutcome(task.run_id, False, error=f"{type(exc).__name__}: {exc}",
                          traceback=traceback.format_exc(),
                          seconds=time.perf_counter() - start,
                          deterministic=isinstance(exc, ModelFailure))
    except RunTimeout as exc:  # a BaseException: a model's `except Exception` cannot eat it
        return RunOutcome(task.run_id, False, error=f"RunTimeout: {exc}",
                          traceback=traceback.format_exc(),
                          seconds=time.perf_counter() - start, deterministic=True,
                          timed_out=True)


@dataclass
class RunReport:
    """What :func:`run_experiment` did."""

    out: Path
    planned: int
    done: int
    failed: int
    pending: int
    executed: int
    seconds: float
    executor: dict[str, Any]
    replications: int
    failures: list[str] = field(default_factory=list)
    adaptive: list[dict[str, Any]] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    damaged: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    """The first failed runs' errors (run id → one line; at most :data:`SHOWN_ERRORS`)."""
    stopped: str = ""
    """Why the sweep stopped early (its first runs all failed the same way), or ''."""

    @property
    def runs_per_minute(self) -> float:
        return 60.0 * self.executed / self.seconds if self.seconds > 0 else float("nan")


class Runner:
    """Plans the runs of an experiment, executes them and records them in a store."""

    def __init__(self, experiment: Experiment, out: str | Path, *, run_fn: RunFn = simulate_run,
                 resume: bool = False, retry_failed: bool = False, force: bool = False,
                 progress: str = "auto", stream: TextIO | None = None,
                 argv: list[str] | None = None, confirm: Confirm = None,
                 run_timeout: float | None = None) -> None:
        self.experiment = experiment
        self.run_fn = run_fn
        self._executed = 0  # runs recorded (done or failed) by this process's run()
        self.retry_failed = retry_failed
        self.resume = resume
        self.progress_mode = progress
        self.stream = stream or sys.stderr
        self.argv = argv if argv is not None else sys.argv
        self.configs = validate_experiment_configs(experiment)
        # before sampling the design or touching the folder: an absurd size is refused (or
        # confirmed) with nothing written
        self.size = estimate_size(experiment, out, self.configs)
        self.run_timeout = default_run_timeout(self.configs) if run_timeout is None else \
            (run_timeout or None)
        check_size(self.size, confirm, out)
        self.points = design_points(experiment)
        self.identity = self._identity()
        if retry_failed and not (Path(out) / "manifest.json").exists():
            raise UserError("nothing to retry: no earlier results", file=out,
                            expected="a results directory of this experiment")
        self.stopped = ""
        self._draws: dict[int, dict[str, Any]] = {}  # seed → its per-replication draws
        # takes the folder's one-writer lock (simxh.store.StoreLock), held until run() ends
        self.store, manifest = open_store(
            out, self.identity, experiment.name, resume=resume or retry_failed, force=force,
            explain=lambda old: describe_changes(old, experiment, self.configs))
        try:
            self.manifest = manifest or {}
            # a run file damaged since it was written (a bad copy, a hand edit, a file copied
            # over another run's) is not done: its files are set aside as *.damaged and the
            # run is executed again; runs written after the last manifest update get their
            # checksums now
            checksums = self.manifest.get("checksums")
            checksums = dict(checksums) if isinstance(checksums, dict) else {}
            self.damaged, found = self.store.set_aside_damaged_runs(checksums) \
                if manifest else ([], {})
            for run_id in self.damaged:
                checksums.pop(run_id, None)
            checksums.update(found)
            self.manifest["checksums"] = checksums
        except BaseException:
            self.store.release()
            raise
        stored_reps = int(self.manifest.get("replications", 0) or 0)
        if experiment.adaptive is not None and stored_reps > experiment.replications:
            # an adaptive run already extended this store: keep its replications
            self.experiment = experiment.with_replications(stored_reps)

    def _identity(self) -> str:
        import hashlib
        import json

        digests = {name: cfg.digest() for name, cfg in self.configs.items()}
        text = json.dumps([self.experiment.identity(), digests], sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    # ---- planning ---------------------------------------------------------------------------
    def planned_keys(self, replications: int | None = None) -> Iterator[RunKey]:
        """Every run of the experiment, in table order (scenario, point, replication)."""
        reps = self.experiment.replications if replications is None else replications
        for s, scenario in enumerate(self.experiment.scenarios):
            # a scenario the design does not sweep runs once per replication (at point 0's id)
            points = len(self.points) if self._swept(scenario) else 1
            for p in range(points):
                for r in range(reps):
                    yield RunKey(s, p, r)

    def _swept(self, scenario: Scenario) -> bool:
        return not self.experiment.point_uncertainties or self.experiment.swept(scenario)

    def task(self, key: RunKey) -> RunTask:
        scenario = self.experiment.scenarios[key.scenario]
        swept = self._swept(scenario)
        design = point_overrides(self.points, key.point) if swept else {}
        seed = replication_seed(self.experiment.seed, key.replication)
        own = self.experiment.scenario_overrides(scenario)
        # per-replication draws: the same in every scenario of the replication; a key the
        # scenario sets itself (its `set` table or --set) wins, as it does over the posterior
        drawn = self._draws.get(seed)
        if drawn is None:  # drawn once per replication, not once per scenario and point
            if len(self._draws) > 64:
                self._draws.clear()
            drawn = self._draws[seed] = replication_draws(
                self.experiment.replication_uncertainties, seed)
        applied = {k: v for k, v in drawn.items() if k not in scenario.overrides}
        overrides = {**own, **applied, **design}
        used = {k: overrides.get(k, v) for k, v in drawn.items()}
        return RunTask(key=key, scenario=scenario.name, config=scenario.config,
                       overrides=overrides, design=design, seed=seed, run_fn=self.run_fn,
                       drawn=used, tables=self.experiment.tables,
                       blank={} if swept else blank_dtypes(self.points),
                       timeout=self.run_timeout)

    def todo(self, keys: list[RunKey]) -> list[RunKey]:
        """The runs to execute: not done and not failed; with ``retry_failed`` only the failed
        ones (or, with ``resume`` too, every run not done)."""
        done, failed = self.store.done_ids(), self.store.failed_ids()
        if self.retry_failed and self.resume:
            return [k for k in keys if k.run_id not in done]
        if self.retry_failed:
            return [k for k in keys if k.run_id in failed and k.run_id not in done]
        return [k for k in keys if k.run_id not in done and k.run_id not in failed]

    # ---- manifest ---------------------------------------------------------------------------
    def _base_manifest(self) -> dict[str, Any]:
        exp = self.experiment
        m = dict(self.manifest)
        m.setdefault("simxh_store", STORE_FORMAT)
        m.setdefault("created", now())
        # paths relative to the experiment file (no absolute paths in a published folder)
        spec = exp.spec()
        spec["file"] = experiment_path(exp.file) if exp.file else None
        for scen in spec["scenarios"]:
            scen["config"] = shareable_path(scen.get("config"), exp.file)
        m["experiment"] = {"name": exp.name, "file": spec["file"],
                           "file_sha256": exp.file_sha256, "identity": self.identity,
                           "spec": spec}
        if exp.file:  # where the relative paths start, seen from the results folder (only
            # when the two share a folder below the root: no machine's full path is stored)
            exp_dir, root = Path(exp.file).resolve().parent, self.store.root.resolve()
            if Path(os.path.commonpath([exp_dir, root])) != Path(root.anchor):
                m["experiment"]["dir_from_results"] = Path(
                    os.path.relpath(exp_dir, root)).as_posix()
        m["configs"] = {name: {"file": shareable_path(s.config, exp.file),
                               "digest": self.configs[s.name].digest(),
                               "resolved": self.configs[s.name].to_dict()}
                        for name, s in ((s.name, s) for s in exp.scenarios)}
        m["reference"] = exp.reference.name
        m["scenarios"] = [s.name for s in exp.scenarios]
        m["seed"] = exp.seed
        m["replications"] = exp.replications
        m["replication_seeds"] = [replication_seed(exp.seed, r) for r in range(exp.replications)]
        m["design"] = {"kind": exp.design.kind, "points": len(self.points),
                       "columns": list(self.points.columns),
                       "unswept": [s.name for s in exp.scenarios if not self._swept(s)]}
        drawn = [u.key for u in exp.replication_uncertainties]
        m["replication_uncertainties"] = drawn
        m["uncertainty_sources"] = uncertainty_sources(list(self.configs.values()),
                                                       list(self.points.columns), drawn)
        m["versions"] = package_versions()
        m["git"] = git_commit()
        m.setdefault("history", [])
        m.setdefault("checksums", {})
        return m

    def _counts(self, keys: list[RunKey]) -> dict[str, int]:
        done, failed = self.store.done_ids(), self.store.failed_ids()
        ids = [k.run_id for k in keys]
        n_done = sum(1 for i in ids if i in done)
        n_failed = sum(1 for i in ids if i in failed and i not in done)
        return {"planned": len(ids), "done": n_done, "failed": n_failed,
                "pending": len(ids) - n_done - n_failed}

    def _write_static_files(self) -> None:
        points = self.points.reset_index()
        import pyarrow as pa

        atomic_write_table(self.store.root / "design.parquet",
                           pa.Table.from_pandas(points, preserve_index=False))
        if self.experiment.file:
            src = Path(self.experiment.file)
            dst = self.store.root / "experiment.toml"
            if src.resolve() != dst.resolve():
                shutil.copyfile(src, dst)

    # ---- execution --------------------------------------------------------------------------
    def execute(self, executor: Executor, keys: list[RunKey], desc: str = "runs"
                ) -> tuple[int, int]:
        """Run ``keys`` on ``executor``, recording each result as it arrives."""
        done = failed = 0
        last_manifest = time.monotonic()
        tasks = (self.task(k) for k in keys)
        first_errors: list[str] | None = [] if self.experiment.fail_fast else None
        with Progress(len(keys), desc=desc, mode=self.progress_mode,
                      stream=self.stream) as progress:
            results = executor.map(execute_run, tasks)
            for task, outcome in results:
                if isinstance(outcome, RunOutcome) and outcome.ok:
                    sums = self.store.write_run(task.run_id, outcome.district, outcome.towns,
                                                outcome.villages)
                    self.manifest.setdefault("checksums", {})[task.run_id] = sums
                    done += 1
                    self._executed += 1
                    progress.update(True)
                    first_errors = None  # a run succeeded: no early stop in this sweep
                else:
                    self._record_failure(task, outcome)
                    failed += 1
                    self._executed += 1
                    progress.update(False)
                    if first_errors is not None:
                        first_errors.append(one_line(str(outcome.error)))
                        self.stopped = fail_fast_reason(first_errors, self.experiment.fail_fast,
                                                        len(keys) - done - failed)
                        if self.stopped:
                            results.close()  # type: ignore[attr-defined]  # stop submitting; runs in flight are dropped
                            break
                        if len(first_errors) >= self.experiment.fail_fast:
                            first_errors = None  # the first runs failed in different ways
                if time.monotonic() - last_manifest > 30:
                    self.manifest["counts"] = self._counts(list(self.planned_keys()))
                    self.store.write_manifest(self.manifest)
                    last_manifest = time.monotonic()
        return done, failed

    def _record_failure(self, task: RunTask, outcome: Any) -> None:
        if isinstance(outcome, WorkerFailure):
            error, tb, kind = outcome.error, outcome.traceback, "worker"
        else:
            error, tb = outcome.error, outcome.traceback
            kind = "timeout" if getattr(outcome, "timed_out", False) else "model"
        self.store.write_failure(task.run_id, {
            "run_id": task.run_id, "scenario": task.scenario, "point": task.key.point,
            "replication": task.key.replication, "seed": task.seed,
            "overrides": task.overrides, "kind": kind, "error": error, "traceback": tb,
            "deterministic": bool(getattr(outcome, "deterministic", False)),
            "time": now()})

    def failure_errors(self, run_ids: list[str], limit: int) -> dict[str, str]:
        """The recorded errors of the first ``limit`` of ``run_ids``, each on one line."""
        out = {}
        for run_id in run_ids[:limit]:
            try:
                out[run_id] = one_line(str(self.store.read_failure(run_id).get("error", "")))
            except (OSError, ValueError):  # an unreadable record: its id is still listed
                out[run_id] = "(failure record unreadable)"
        return out

    def consolidate(self) -> dict[str, int]:
        return self.store.consolidate(k.run_id for k in self.planned_keys())

    def run(self, executor: Executor) -> RunReport:
        start_wall, start = now(), time.perf_counter()
        self.manifest = self._base_manifest()
        # the manifest is written first, so a folder whose very first write failed (a full
        # or read-only disk) is still recognised by --resume
        self.manifest["status"] = "starting"
        self.store.write_manifest(self.manifest)
        self._write_static_files()
        keys = list(self.planned_keys())
        todo = self.todo(keys)
        self.manifest["counts"] = self._counts(keys)
        self.manifest["status"] = "running"
        entry: dict[str, Any] = {"started": start_wall, "finished": None,
                                 "executor": executor.describe(),
                                 "mode": "retry-failed" if self.retry_failed else "run",
                                 "argv": _shareable_argv(self.argv), "todo": len(todo),
                                 "run_timeout": self.run_timeout}
        self.manifest["history"].append(entry)  # a killed process leaves finished = None
        self.store.write_manifest(self.manifest)
        executed = failed_now = 0
        self._executed = 0
        adaptive_log: list[dict[str, Any]] = []
        interrupted = False
        try:
            d, f = self.execute(executor, todo)
            executed, failed_now = d + f, f
            rows = self.consolidate()
            if self.stopped:
                entry["stopped"] = self.stopped
            elif self.experiment.adaptive is not None and not self.retry_failed:
                more, adaptive_log = self._adaptive(executor)
                executed += more
                rows = self.consolidate()
        except KeyboardInterrupt:  # Ctrl-C, or SIGTERM (simxh.stopping.Stopped)
            interrupted = True
            executed = self._executed  # what was recorded before the stop
            raise
        finally:
            seconds = time.perf_counter() - start
            keys = list(self.planned_keys())
            counts = self._counts(keys)
            self.manifest["counts"] = counts
            self.manifest["replications"] = self.experiment.replications
            self.manifest["replication_seeds"] = [
                replication_seed(self.experiment.seed, r)
                for r in range(self.experiment.replications)]
            self.manifest["status"] = ("interrupted" if interrupted else
                                       "complete" if counts["pending"] == 0 and
                                       counts["failed"] == 0 else "incomplete")
            entry.update({"finished": now(), "seconds": round(seconds, 3),
                          "executed": executed, "failed": failed_now,
                          "adaptive": adaptive_log})
            self.manifest["finished"] = now()
            try:
                self.store.write_manifest(self.manifest)
            finally:
                self.store.release()  # the next writer (a --resume) may start
        failures = sorted(self.store.failed_ids() & {k.run_id for k in keys})
        errors = self.failure_errors(failures, SHOWN_ERRORS)
        return RunReport(out=self.store.root, planned=counts["planned"], done=counts["done"],
                         failed=counts["failed"], pending=counts["pending"], executed=executed,
                         seconds=seconds, executor=executor.describe(),
                         replications=self.experiment.replications, failures=failures,
                         adaptive=adaptive_log, rows=rows, damaged=list(self.damaged),
                         errors=errors, stopped=self.stopped)

    def _adaptive(self, executor: Executor) -> tuple[int, list[dict[str, Any]]]:
        """Add replications until every paired interval of the adaptive metric is narrow
        enough, or the cap is reached. Each round goes to the replications the current width
        says are needed, n·(w/W)²·1.1 (the interval shrinks as 1/√n), at most doubling per
        round, or adds ``batch`` replications if set."""
        from simxh.analysis import paired_differences

        rule = self.experiment.adaptive
        assert rule is not None
        log: list[dict[str, Any]] = []
        executed = 0
        while True:
            district = pd.read_parquet(self.store.root / "district.parquet",
                                       columns=["scenario", POINT, "replication", "year",
                                                rule.metric])
            pairs = paired_differences(district, self.experiment.reference.name,
                                       metrics=[rule.metric], years=[rule.year])
            widths = (pairs["ci_high"] - pairs["ci_low"]).to_numpy(dtype=float)
            widest = float(np.nanmax(widths)) if widths.size else float("nan")
            reps = self.experiment.replications
            log.append({"replications": reps, "widest_interval": widest, "target": rule.width})
            if widths.size == 0 or (math.isfinite(widest) and widest <= rule.width) \
                    or reps >= rule.max_replications:
                break
            if math.isfinite(widest) and widest > 0:
                need = math.ceil(reps * (widest / rule.width) ** 2 * 1.1)
            else:
                need = 2 * reps
            # at most double per round: a few-replication interval is itself noisy, and
            # overshooting costs more runs than another round does
            step = rule.batch or max(min(need, 2 * reps) - reps, 1)
            new_reps = min(rule.max_replications, max(reps + 1, reps + step))
            self.experiment = self.experiment.with_replications(new_reps)
            self.manifest["replications"] = new_reps
            self.manifest["replication_seeds"] = [
                replication_seed(self.experiment.seed, r) for r in range(new_reps)]
            keys = [k for k in self.planned_keys() if k.replication >= reps]
            d, f = self.execute(executor, self.todo(keys), desc=f"adaptive → {new_reps} reps")
            executed += d + f
            self.consolidate()
        return executed, log


def run_experiment(experiment: Experiment, out: str | Path, *, workers: int | None = None,
                   scheduler: str | None = None, dask_local: bool = False,
                   resume: bool = False, retry_failed: bool = False, force: bool = False,
                   run_fn: RunFn = simulate_run, progress: str = "auto",
                   executor: Executor | None = None, stream: TextIO | None = None,
                   max_in_flight: int | None = None, confirm: Confirm = None,
                   run_timeout: float | None = None, isolate: bool = False) -> RunReport:
    """Run (or resume) an experiment into the store at ``out`` and consolidate its tables.

    ``run_timeout``: each run's time limit in seconds (None: :func:`default_run_timeout`; 0:
    none); a run that exceeds it is recorded as failed (``kind: timeout``) and the sweep goes on.
    ``isolate``: with one worker, run in a child process rather than in this one (the CLI does;
    a crashing run then cannot end the caller).

    An experiment of more than :data:`MAX_RUNS_UNCONFIRMED` runs, or needing more disk than is
    free, is refused unless ``confirm`` (see :data:`Confirm`) says yes."""
    if executor is None:
        check_executor_options(workers, scheduler, dask_local, max_in_flight)
    check_run_timeout(run_timeout)
    from simxh.stopping import stop_on_signals

    # SIGTERM stops like Ctrl-C: workers killed, manifest "interrupted" (simxh.stopping)
    with stop_on_signals():
        runner = Runner(experiment, out, run_fn=run_fn, resume=resume,
                        retry_failed=retry_failed, force=force, progress=progress,
                        stream=stream, confirm=confirm, run_timeout=run_timeout)
        try:
            if executor is not None:
                return runner.run(executor)
            with make_executor(workers, scheduler, dask_local, max_in_flight,
                               isolate=isolate) as ex:
                return runner.run(ex)
        finally:
            runner.store.release()


def _shareable_argv(argv: list[str]) -> list[str]:
    """The command line for the manifest, with the program as its name only (not the
    absolute path of the machine that ran it)."""
    return [Path(argv[0]).name, *argv[1:]] if argv else []
