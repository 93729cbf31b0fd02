"""Estimation (参数估计): the free parameters fitted to the district's history by ABC-SMC.

The model is started from an earlier base year (a config such as ``configs/hindcast.toml``,
``run.start_year = 2015``) and run under the observed macro path. Its district table is compared
with every figure of ``district.csv`` from the year after the base year to ``fit_until``
(nominal GDP levels, real growth, sector shares, revenue, employment): see
:func:`history_targets`. The priors are data (``simxh/data/priors.csv``, uniform, each with a
source).

Method: approximate Bayesian computation by sequential Monte Carlo (ABC-SMC: Toni et al. 2009;
Beaumont et al. 2009; Del Moral et al. 2012) with **pyabc** (Schälte et al. 2022). pyabc was
chosen over black-it (which returns a point estimate) and over the simulated method of moments
with scipy's optimisers (a point estimate and a Hessian that a stochastic simulator makes
unreliable) because the experiments need what ABC-SMC gives: a weighted sample of parameter
sets that replication r can draw from. It adapts its tolerance, runs on local processes or a
Dask cluster, and keeps every generation in an SQLite database, so an interrupted estimation
resumes where it stopped.

Each simulation's seed is a hash of its parameter values, so a simulation is a deterministic
function of its parameters wherever it runs. pyabc's own proposals use numpy's global random
state (the library's design; :func:`estimate` seeds it): a rerun with several workers gives
a posterior that is the same in distribution, not to the last digit. The shipped posterior is
data (``simxh/data/posterior.csv``), so runs that use it are exactly reproducible.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simxh.errors import DataError, UserError

PRIORS = Path(__file__).resolve().parent / "data" / "priors.csv"

# how far a simulated figure may be from an observed one before it counts as one unit of
# distance: levels in log points, growth and shares in percentage points (the precision of the
# published figures and of a proxy-allocated district, not a tuning choice per figure)
SCALES = {"level": 0.03, "growth": 1.5, "mean_growth": 0.7, "share": 1.0,
          # contracted investment of mobile projects: a press figure with a share taken from
          # another year (district.csv notes), so it counts one unit at 25 % (log points)
          "soft_level": 0.25}


MIN_TARGETS = 3

MIN_ACCEPTANCE = 0.01
"""A generation that accepts fewer than this share of its simulations ends the estimation: it
has stalled (the shipped fit accepted 7 % in its last generation). pyabc stops sampling such a
generation after population / MIN_ACCEPTANCE simulations, so a stalled run cannot hold the
machine for ever."""

SETTINGS = "abc.settings.json"
"""The settings a history was started with, beside ``abc.db``: a resume must use the same."""
SETTING_OPTIONS = {"config_digest": "CONFIG (and --set)", "fit_until": "--fit-until",
                   "targets": "the district figures fitted (district.csv)",
                   "priors": "the priors (priors.csv)", "population": "--population",
                   "seed": "--seed"}
HISTORY_TABLES = frozenset({"abc_smc", "populations", "models", "particles", "parameters",
                            "samples", "summary_statistics"})
"""Fewer observed figures than this and a fit is refused (with fewer figures than parameters
it runs, and says that the posterior of some parameters will stay close to their prior)."""


@dataclass(frozen=True)
class Prior:
    key: str
    low: float
    high: float
    source: str


@dataclass(frozen=True)
class Target:
    """One observed district figure the model is fitted to (or checked against)."""

    name: str          # "gdp_yi@2018"
    key: str
    year: int
    value: float
    kind: str          # level | growth | mean_growth | share
    status: str
    source: str
    lower_bound: bool = False  # a figure given as "over X"

    @property
    def scale(self) -> float:
        return SCALES[self.kind]

    @property
    def in_logs(self) -> bool:
        """Its error is a log ratio (levels), not a difference in points."""
        return self.kind in ("level", "soft_level")


def read_priors(path: Path | str | None = None, known_keys: set[str] | None = None
                ) -> list[Prior]:
    """The uniform priors (``key, low, high, status, source, notes``); DataError on bad rows."""
    path = Path(path) if path else PRIORS
    try:
        rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    except FileNotFoundError:
        raise DataError("priors file is missing", file=path,
                        expected="a CSV with key, low, high, status, source") from None
    out = []
    for i, row in enumerate(rows, start=2):
        key = (row.get("key") or "").strip()
        if known_keys is not None and key not in known_keys:
            raise DataError("unknown parameter", file=path, line=i, key=key,
                            expected="a dotted config key (simxh info --params)")
        try:
            low, high = float(row["low"]), float(row["high"])
        except (KeyError, TypeError, ValueError):
            raise DataError("bad prior bounds", file=path, line=i, key=key,
                            value=(row.get("low"), row.get("high")),
                            expected="numbers low < high") from None
        if not (math.isfinite(low) and math.isfinite(high) and low < high):
            raise DataError("bad prior bounds", file=path, line=i, key=key, value=(low, high),
                            expected="finite numbers with low < high")
        if not (row.get("source") or "").strip():
            raise DataError("prior without a source", file=path, line=i, key=key,
                            expected="the publication the range comes from")
        out.append(Prior(key, low, high, row["source"].strip()))
    if not out:
        raise DataError("no priors", file=path, expected="one row per estimated parameter")
    return out


def history_targets(data: Any, base_year: int, last_year: int, first_year: int | None = None
                    ) -> list[Target]:
    """Every district figure of years ``first_year`` (default: after the base year) to
    ``last_year`` that the district table can reproduce."""
    first = base_year + 1 if first_year is None else first_year
    df = data.district
    out: list[Target] = []
    years = pd.to_numeric(df["year"], errors="coerce").astype(float)
    for key, value, year, status, source, notes in zip(
            df["key"], df["value"], years, df["status"], df["source"],
            df.get("notes", pd.Series([""] * len(df))), strict=True):
        if not math.isfinite(year) or not first <= int(year) <= last_year or status == "assumed":
            continue
        year = int(year)
        kind = {"gdp_yi": "level", "fiscal_revenue_yi": "level", "employment_wan": "level",
                "population_wan": "level", "gdp_growth_pct": "growth",
                "investment_introduced_yi": "soft_level", "land_sold_mu": "soft_level"}.get(key)
        if key in ("gdp_primary_share_pct", "gdp_secondary_share_pct", "gdp_tertiary_share_pct"):
            kind = "share"
        if key == "gdp_growth_mean_pct" and year - 4 > base_year:
            kind = "mean_growth"  # a five-year-plan average (years year−4 … year)
        if kind is None:
            continue
        lower = isinstance(notes, str) and "lower bound" in notes
        out.append(Target(f"{key}@{year}", key, year, float(value), kind, str(status),
                          str(source), lower))
    # sector levels of a year without share rows give shares
    levels = {(t.key, t.year) for t in out}
    for year in sorted({int(y) for y in years.dropna() if first <= y <= last_year}):
        got = {s: _value(df, f"gdp_{s}_yi", year) for s in ("primary", "secondary", "tertiary")}
        if all(v is not None for v in got.values()) and ("gdp_primary_share_pct",
                                                          year) not in levels:
            total = sum(got.values())  # type: ignore[arg-type]
            for s, v in got.items():
                out.append(Target(f"gdp_{s}_share_pct@{year}", f"gdp_{s}_share_pct", year,
                                  100.0 * v / total, "share", "derived",  # type: ignore[operator]
                                  "district.csv sector levels"))
    return sorted(out, key=lambda t: (t.year, t.name))


def _value(df: pd.DataFrame, key: str, year: int) -> float | None:
    rows = df[(df["key"] == key) & (pd.to_numeric(df["year"], errors="coerce") == year)]
    return float(rows["value"].iloc[0]) if len(rows) else None


def effective_sample_size(weights: np.ndarray) -> float:
    """Kish's effective sample size of importance weights, ``(Σw)² / Σw²`` (Kish 1965; the
    ESS of an ABC-SMC population: Del Moral, Doucet & Jasra 2012)."""
    w = np.asarray(weights, dtype=float)
    total = float(w.sum())
    return total * total / float(np.sum(w * w)) if total > 0 else 0.0


def simulated_values(district: pd.DataFrame, targets: list[Target]) -> dict[str, float]:
    """The district table's value for each target (nominal where the figure is nominal)."""
    d = district.set_index("year")
    out = {}
    for t in targets:
        if t.kind == "mean_growth":
            out[t.name] = float(d.loc[t.year - 4: t.year, "gdp_growth_pct"].mean())
        elif t.kind == "share":
            sector = t.key.split("_")[1]
            out[t.name] = float(100.0 * d.at[t.year, f"gdp_{sector}_yi"] / d.at[t.year, "gdp_yi"])
        elif t.key in ("gdp_yi", "fiscal_revenue_yi", "investment_introduced_yi"):
            out[t.name] = float(d.at[t.year, t.key] * d.at[t.year, "price_index"])
        else:
            out[t.name] = float(d.at[t.year, t.key])
    return out


def target_errors(sim: dict[str, float], targets: list[Target]) -> np.ndarray:
    """Each target's error in units of its scale (0 for a lower bound that is met)."""
    err = []
    for t in targets:
        s = sim[t.name]
        e = (math.log(max(s, 1e-9) / t.value) if t.in_logs else s - t.value) / t.scale
        if t.lower_bound and e > 0:
            e = 0.0
        err.append(e)
    return np.array(err)


def distance(sim: dict[str, float], obs: dict[str, float], targets: list[Target]) -> float:
    """Root mean square of the scaled errors (the ABC distance)."""
    del obs  # the observed values are in the targets
    e = target_errors(sim, targets)
    if not np.all(np.isfinite(e)):
        return float("inf")  # a failed simulation
    return float(np.sqrt(np.mean(e**2)))


def parameter_seed(params: dict[str, float]) -> int:
    """A seed that is a stable function of the parameter values."""
    text = ";".join(f"{k}={float(params[k]):.12g}" for k in sorted(params))
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=4).digest(), "little")


@dataclass
class Simulator:
    """The hindcast as pyabc's model: parameters → the targets' simulated values."""

    config: str
    targets: list[Target]
    overrides: dict[str, Any] = field(default_factory=dict)
    failures: str = ""  # file where failed simulations are recorded (they count as rejected)
    deadline: float | None = None  # wall clock (time.time()) after which no simulation starts
    forked: bool = False  # called in pyabc's forked workers: end the worker quietly at the limit

    def __call__(self, params: dict[str, float]) -> dict[str, float]:
        from simxh.simulation import simulate

        if self.deadline is not None and time.time() > self.deadline:
            # ends the generation in progress (pyabc then stops): in a forked worker by its
            # exit (pyabc's parent sees a dead worker; SystemExit prints no traceback)
            if self.forked:
                raise SystemExit(TIME_LIMIT_EXIT)
            raise TimeLimitReached
        values = {k: float(v) for k, v in dict(params).items()}
        try:
            res = simulate(self.config, seed=parameter_seed(values),
                           overrides={**self.overrides, **values,
                                      "estimation.parameter_uncertainty": False})
        except Exception as exc:  # noqa: BLE001 - a failed simulation is rejected and recorded
            if self.failures:
                with open(self.failures, "a", encoding="utf-8") as fh:
                    fh.write(f"{values}: {type(exc).__name__}: {exc}\n")
            return {t.name: float("nan") for t in self.targets}
        return simulated_values(res.district, self.targets)


def order_by_gdp(config: str | Path, keys: list[str], values: np.ndarray, year: int,
                 overrides: dict[str, Any] | None = None, workers: int = 1) -> np.ndarray:
    """The draws' order (argsort) by their simulated nominal GDP in ``year``.

    Each draw is simulated once with its own seed (:func:`parameter_seed`, the seed of its
    ABC simulation), so the order is a deterministic function of the sample. ``simxh
    calibrate`` writes the posterior in this order, which makes the stratified draws of
    :meth:`simxh.posterior.Posterior.draw_index` spread over the predictive range of GDP.
    """
    target = Target(f"gdp_yi@{year}", "gdp_yi", year, 1.0, "level", "", "")
    sim = Simulator(str(Path(config).resolve()), [target],
                    {**(overrides or {}), "run.end_year": year})
    draws = [dict(zip(keys, map(float, row), strict=True)) for row in values]
    if workers > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(workers) as pool:
            gdp = [r[target.name] for r in pool.map(sim, draws, chunksize=8)]
    else:
        gdp = [sim(d)[target.name] for d in draws]
    gdp_arr = np.asarray(gdp, float)
    gdp_arr[~np.isfinite(gdp_arr)] = -np.inf  # a failed simulation sorts first
    return np.argsort(gdp_arr, kind="stable")


TIME_LIMIT_EXIT = 75  # a forked sampler worker's exit status at the time limit (EX_TEMPFAIL)


class TimeLimitReached(Exception):  # noqa: N818 - a stop, not an error
    """Raised by :class:`Simulator` once ``--max-minutes`` has passed, inside a generation."""


def history_settings(cfg: Any, fit_until: int, targets: list[Target], priors: list[Prior],
                     population: int, seed: int) -> dict[str, Any]:
    """What a history is fitted to and how: a resume must use the same (``abc.settings.json``).
    ``--generations``, ``--workers``, ``--scheduler`` and ``--max-minutes`` may change."""
    return {"config_digest": cfg.digest(), "fit_until": int(fit_until),
            "targets": [[t.name, t.value, t.kind, t.lower_bound] for t in targets],
            "priors": [[p.key, p.low, p.high] for p in priors],
            "population": int(population), "seed": int(seed)}


def check_history(db: Path) -> None:
    """A clear error if ``db`` is not an intact SQLite history of pyabc (damaged, truncated,
    overwritten), before pyabc reads it and fails with an SQL traceback."""
    import sqlite3

    def damaged(what: str) -> DataError:
        return DataError(f"damaged calibration history: {what}", file=db,
                         expected="an intact abc.db written by simxh calibrate (run with "
                                  "--restart to start the estimation again)")

    with open(db, "rb") as fh:
        head = fh.read(16)
    if head != b"SQLite format 3\x00":
        raise damaged("not an SQLite database")
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            check = con.execute("PRAGMA quick_check").fetchall()
            tables = {r[0] for r in con.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
            if tables >= HISTORY_TABLES:
                con.execute("SELECT count(*) FROM populations").fetchall()
        finally:
            con.close()
    except sqlite3.Error as exc:
        raise damaged(str(exc)) from None
    if check != [("ok",)]:
        raise damaged(str(check[0][0]) if check else "integrity check failed")
    if not tables >= HISTORY_TABLES:
        raise damaged("missing tables " + ", ".join(sorted(HISTORY_TABLES - tables)))


def check_settings(out: Path, settings: dict[str, Any]) -> None:
    """Refuse to resume a history started with other settings (one line, the first that
    differs), or one whose settings file is missing or unreadable."""
    path = out / SETTINGS
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError("calibration history without its settings file", file=path,
                        expected="the abc.settings.json written with abc.db (run with "
                                 "--restart to start again, or use another --out)") from None
    except (OSError, UnicodeDecodeError, ValueError):
        raise UserError("unreadable calibration settings", file=path,
                        expected="the JSON written with abc.db (run with --restart to start "
                                 "again)") from None
    if not isinstance(stored, dict):
        stored = {}
    for key, option in SETTING_OPTIONS.items():
        if stored.get(key) != settings[key]:
            old, new = stored.get(key), settings[key]
            if key in ("targets", "priors"):
                old, new = _summary(old), _summary(new)
            raise UserError(f"the calibration history in {out} was started with other "
                            f"settings; {option} differs", file=path, key=key, value=new,
                            expected=f"{old} as stored (run with --restart to discard the "
                                     "history and start again, or use another --out)")


def _summary(rows: Any) -> str:
    if not isinstance(rows, list):
        return repr(rows)
    return f"{len(rows)} rows ({', '.join(str(r[0]) for r in rows[:3] if isinstance(r, list))}" \
        + (", …)" if len(rows) > 3 else ")")


@dataclass
class EstimationResult:
    keys: list[str]
    values: np.ndarray
    weights: np.ndarray
    generations: pd.DataFrame
    simulations: int
    seconds: float
    meta: dict[str, str]


def estimate(config: str | Path, out: str | Path, *, fit_until: int = 2023,
             population: int = 200, generations: int = 8, workers: int = 1,
             scheduler: str | None = None, max_minutes: float = 25.0, seed: int = 20151231,
             priors: str | Path | None = None, overrides: dict[str, Any] | None = None,
             restart: bool = False, min_acceptance: float = MIN_ACCEPTANCE,
             log: Any = print) -> EstimationResult:
    """Run (or resume) ABC-SMC; writes ``out/abc.db`` (every generation) with its settings
    (``out/abc.settings.json``) and returns the last generation's weighted sample.

    A resume must use the settings the history was started with (:func:`check_settings`);
    ``restart`` discards the history first. ``max_minutes`` is checked before each simulation,
    so it also ends a generation in progress (that generation is lost; the finished ones are
    kept). A generation that accepts less than ``min_acceptance`` of its simulations ends the
    estimation (it has stalled)."""
    import logging

    from simxh.config import load_config, parameters
    from simxh.region import build_region
    from simxh.store import atomic_write_json

    start = time.time()
    cfg = load_config(config, overrides)
    known = {p["key"] for p in parameters()}
    prior_list = read_priors(priors, known)
    base_year = int(cfg.run.start_year)
    if not base_year < fit_until <= int(cfg.run.end_year):
        raise UserError("fit window outside the config's years", key="--fit-until",
                        value=fit_until,
                        expected=f"a year in {base_year + 1}–{cfg.run.end_year}")
    data = build_region(cfg).data
    targets = history_targets(data, base_year, fit_until)
    if len(targets) < MIN_TARGETS:
        raise UserError("too few observed figures to fit", key="--fit-until", value=fit_until,
                        expected=f"at least {MIN_TARGETS} district figures after "
                                 f"{base_year} (found {len(targets)})")
    out = Path(out)
    db = out / "abc.db"
    settings = history_settings(cfg, fit_until, targets, prior_list, population, seed)
    resume = db.exists() and db.stat().st_size > 0 and not restart
    if resume:  # refused before anything is written or pyabc is imported
        check_history(db)
        check_settings(out, settings)
    try:
        import pyabc
    except ModuleNotFoundError:
        raise UserError("pyabc is not installed",
                        expected="pip install 'simxh[calibrate]' (pyabc)") from None
    if len(targets) < len(prior_list):
        log(f"note: {len(targets)} figures for {len(prior_list)} parameters: the data cannot "
            "identify them all, and the posterior of some will stay close to the prior")
    out.mkdir(parents=True, exist_ok=True)
    if not resume:
        for name in ("abc.db", "abc.db-journal", SETTINGS, "failures.log"):
            (out / name).unlink(missing_ok=True)
        atomic_write_json(out / SETTINGS, settings)  # before the history it describes
    prior = pyabc.Distribution(**{p.key: pyabc.RV("uniform", p.low, p.high - p.low)
                                  for p in prior_list})
    deadline = start + max_minutes * 60
    sim = Simulator(str(Path(config).resolve()), targets,
                    {**(overrides or {}), "run.end_year": fit_until},
                    failures=str(out / "failures.log"), deadline=deadline,
                    forked=workers > 1 and not scheduler)

    def dist(x: dict, x0: dict) -> float:
        return distance(x, x0, targets)

    if scheduler:
        from dask.distributed import Client

        sampler = pyabc.sampler.DaskDistributedSampler(dask_client=Client(scheduler))
    elif workers > 1:
        sampler = pyabc.sampler.MulticoreEvalParallelSampler(n_procs=workers,
                                                             check_max_eval=True)
    else:
        sampler = pyabc.sampler.SingleCoreSampler(check_max_eval=True)
    logging.getLogger("ABC").setLevel(logging.WARNING)
    logging.getLogger("Sampler").setLevel(logging.WARNING)
    np.random.seed(seed)  # noqa: NPY002 - pyabc draws its proposals from the global state
    abc = pyabc.ABCSMC(sim, prior, dist, population_size=population, sampler=sampler)
    observed = {t.name: t.value for t in targets}
    if resume:
        try:
            history = abc.load(f"sqlite:///{db}", 1)
            done = history.max_t + 1
        except Exception as exc:  # noqa: BLE001 - SQLAlchemy's errors: a damaged history
            raise DataError("damaged calibration history: " + str(exc).splitlines()[0],
                            file=db, expected="an intact abc.db written by simxh calibrate "
                            "(run with --restart to start again)") from None
        log(f"resuming: {done} generation(s) in {db}")
    else:
        abc.new(f"sqlite:///{db}", observed)
        done = 0
    remaining = generations - done
    history = abc.history
    stop = ""
    if remaining > 0:
        # one run() call for all generations: pyabc adapts its tolerance between generations
        # only within a call; its "ABC" logger reports each generation (shown as progress)
        handler = _progress_handler(log, generations, start)
        logging.getLogger("ABC").addHandler(handler)
        logging.getLogger("ABC").setLevel(logging.INFO)
        try:
            history = abc.run(max_nr_populations=remaining, min_acceptance_rate=min_acceptance,
                              max_walltime=_minutes(max_minutes, start))
        except AssertionError as exc:
            # pyabc 0.13 normalises the weights of the few particles a generation stopped by
            # the minimum acceptance rate kept; a particle its proposal density gives 0 makes
            # the weights non-finite and pyabc asserts. That generation has stalled: the last
            # complete one is the posterior (below), as when pyabc stops it itself
            if "not normalized" not in str(exc):
                raise
            history = abc.history
        except Exception:
            # the Simulator's TimeLimitReached, in this process or as a dead worker
            # (pyabc's ProcessError) or a failed Dask future
            if time.time() <= deadline:
                raise
            history = abc.history
            stop = "time"
        finally:
            logging.getLogger("ABC").removeHandler(handler)
        got = history.max_t + 1
        if got < generations and (stop == "time" or time.time() > deadline):
            stop = "time"
            if got:
                log(f"stopped at the time limit (--max-minutes {max_minutes:g}) after {got} of "
                    f"{generations} generations; run the same command again to continue")
        elif got < generations:
            stop = "stalled"
            log(f"stopped: the estimation stalled, generation {got + 1} accepted less than "
                f"{min_acceptance:.1%} of its simulations (--min-acceptance); the posterior "
                f"is generation {got}'s")
        if got == 0:
            raise UserError("no generation finished", key="--max-minutes" if stop == "time"
                            else "--min-acceptance",
                            value=max_minutes if stop == "time" else min_acceptance,
                            expected="a longer time limit (run the same command again to "
                                     "continue) or a lower minimum acceptance rate")
    pops = history.get_all_populations()
    pops = pops[pops["t"] >= 0]
    frame, w = history.get_distribution(m=0, t=history.max_t)
    keys = [p.key for p in prior_list]
    values = frame[keys].to_numpy(float)
    meta = {
        "method": f"ABC-SMC (pyabc {pyabc.__version__})",
        "fit": f"{base_year}–{fit_until} district figures ({len(targets)} targets: "
               + ", ".join(t.name for t in targets) + ")",
        "config": str(Path(config)),
        "population": str(population),
        "generations": str(int(history.max_t) + 1),
        "final_epsilon": f"{float(pops['epsilon'].iloc[-1]):.4f}",
        "simulations": str(int(history.total_nr_simulations)),
        "effective_sample_size": f"{effective_sample_size(np.asarray(w, float)):.0f}",
        "priors": "; ".join(f"{p.key} U({p.low:g}, {p.high:g})" for p in prior_list),
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
    }
    if stop:
        meta["stopped"] = {"time": "at the time limit", "stalled": "stalled"}[stop]
    return EstimationResult(keys, values, np.asarray(w, float), pops,
                            int(history.total_nr_simulations), time.time() - start, meta)


def _progress_handler(log: Any, generations: int, start: float) -> Any:
    """A logging handler that turns pyabc's per-generation lines into one progress line each."""
    import logging

    class Handler(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            msg = record.getMessage()
            if msg.startswith("t: "):
                t = msg.split(",")[0][3:]
                log(f"generation {int(t) + 1}/{generations}: {msg.split(',', 1)[1].strip()}"
                    f" ({time.time() - start:.0f} s)")
            elif "stop" in msg.lower():
                log(msg)

    return Handler()


def _minutes(limit: float, start: float) -> Any:
    from datetime import timedelta

    left = max(limit * 60 - (time.time() - start), 1.0)
    return timedelta(seconds=left)
