"""Experiment files: scenarios × design points × replications, validated into typed objects.

An experiment file (``experiments/*.toml``) names policy packages (**scenarios**, each a base
config plus overrides, one of them the **reference**), uncertain parameters (**uncertainties**,
sampled by a **design**), the number of **replications**, the seed, and the outputs, years and
plan targets the analysis reports. See ``docs/experiments.md`` for the format.

A plain config file run with ``simxh run CONFIG`` is an experiment with one scenario and no
design (:func:`experiment_for_config`).

Every problem raises :class:`simxh.errors.ConfigError` naming the file, the key, the value and
what was expected; the runner then trusts the :class:`Experiment` it gets.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from simxh.config import (
    SET_SOURCE,
    did_you_mean,
    load_config,
    parse_override,
    read_toml,
    resolve_config_path,
)
from simxh.errors import ConfigError, close_match, similar_file

DESIGN_KINDS = ("none", "factorial", "lhs", "sobol", "morris", "saltelli")
DISTRIBUTIONS = ("uniform", "loguniform", "normal", "triangular")
PER = ("point", "replication")
"""How often an uncertainty is drawn: at every design ``point`` (sampled by the design), or
once per ``replication`` (from a named stream of the replication's seed, shared by every
scenario and design point of that replication: common random numbers)."""

_TOP_KEYS = ("experiment", "scenarios", "design", "uncertainties", "adaptive")
_EXPERIMENT_KEYS = ("name", "description", "description_zh", "seed", "replications",
                    "end_year", "outputs", "years", "targets", "reference", "tables", "fail_fast")
FAIL_FAST = 3
"""A sweep stops when its first this many runs all fail with the same error (``fail_fast`` in
``[experiment]``, ``simxh run --fail-fast N``; 0 never stops)."""
_TABLES = ("district", "towns", "villages")
_SCENARIO_KEYS = ("name", "config", "reference", "set", "description", "description_zh",
                  "sweep")
_DESIGN_KEYS = ("kind", "samples", "levels", "second_order", "seed")
_UNCERTAINTY_KEYS = ("key", "low", "high", "values", "distribution", "mean", "sd", "mode",
                     "integer", "name", "per", "source")
_ADAPTIVE_KEYS = ("metric", "year", "width", "max_replications", "batch")
_PATH_KEYS = ("region.data_dir",)  # config keys holding paths


@dataclass(frozen=True)
class Scenario:
    """A policy package: a base config file (None = built-in baseline) plus dotted overrides."""

    name: str
    config: str | None
    overrides: dict[str, Any] = field(default_factory=dict)
    reference: bool = False
    description: str = ""
    description_zh: str = ""
    """The Chinese description for the zh brief (the label catalogue's is the fallback)."""
    sweep: bool | None = None
    """Whether the design's points apply to this scenario (None: every scenario but the
    reference, which stays the unswept baseline it is compared against)."""


@dataclass(frozen=True)
class Uncertainty:
    """An uncertain parameter: a range with a distribution, or a list of discrete values."""

    key: str
    distribution: str = "uniform"
    low: float | None = None
    high: float | None = None
    mean: float | None = None
    sd: float | None = None
    mode: float | None = None
    values: tuple[Any, ...] | None = None
    integer: bool = False
    per: str = "point"
    source: str = ""

    @property
    def per_replication(self) -> bool:
        """Drawn once per replication (not a design dimension)."""
        return self.per == "replication"

    @property
    def column(self) -> str:
        """The column holding this parameter's value in the results tables."""
        return self.key


@dataclass(frozen=True)
class Design:
    """How uncertainties are sampled.

    ``kind``: ``none`` (no uncertainties), ``factorial`` (every combination of ``values``, or
    ``levels`` evenly spaced points of each range), ``lhs`` (Latin hypercube, ``samples``
    points), ``sobol`` (scrambled Sobol sequence, ``samples`` points), ``morris`` (SALib
    Morris trajectories: ``samples`` × (k+1) points, ``levels`` grid levels) and ``saltelli``
    (SALib's sampler for Sobol indices: ``samples`` × (k+2) points, or (2k+2) with
    ``second_order``).
    """

    kind: str = "none"
    samples: int = 0
    levels: int = 4
    second_order: bool = False
    seed: int | None = None


@dataclass(frozen=True)
class Adaptive:
    """Add replications until the paired interval of ``metric`` at ``year`` is narrower than
    ``width`` for every scenario against the reference, or ``max_replications`` is reached."""

    metric: str
    year: int
    width: float
    max_replications: int
    batch: int = 0


@dataclass(frozen=True)
class Experiment:
    """A validated experiment. ``file`` is None for one built from a plain config."""

    name: str
    file: str | None
    seed: int
    replications: int
    scenarios: tuple[Scenario, ...]
    description: str = ""
    end_year: int | None = None
    outputs: tuple[str, ...] = ()
    years: tuple[int, ...] = ()
    targets: tuple[str, ...] | str = "all"
    design: Design = field(default_factory=Design)
    uncertainties: tuple[Uncertainty, ...] = ()
    adaptive: Adaptive | None = None
    file_sha256: str = ""
    tables: tuple[str, ...] = ("district", "towns", "villages")
    """The tables each run writes: district and towns always, villages unless left out."""
    description_zh: str = ""
    fail_fast: int = FAIL_FAST
    """Stop the sweep when its first ``fail_fast`` runs all fail with the same error (0: never)."""

    @property
    def reference(self) -> Scenario:
        return next(s for s in self.scenarios if s.reference)

    @property
    def point_uncertainties(self) -> tuple[Uncertainty, ...]:
        """The uncertainties the design samples (one value per design point)."""
        return tuple(u for u in self.uncertainties if not u.per_replication)

    @property
    def replication_uncertainties(self) -> tuple[Uncertainty, ...]:
        """The uncertainties drawn once per replication (``per = "replication"``)."""
        return tuple(u for u in self.uncertainties if u.per_replication)

    def swept(self, scenario: Scenario) -> bool:
        """Whether the design's points apply to ``scenario``: its ``sweep`` if given, else
        every scenario but the reference (the reference stays the baseline). False when the
        design samples nothing (a single point, no design values)."""
        if not self.point_uncertainties:
            return False
        return (not scenario.reference) if scenario.sweep is None else scenario.sweep

    def scenario_overrides(self, scenario: Scenario) -> dict[str, Any]:
        """The overrides a scenario's runs get before the design point's (end year first)."""
        out: dict[str, Any] = {}
        if self.end_year is not None:
            out["run.end_year"] = self.end_year
        out.update(scenario.overrides)
        return out

    def spec(self) -> dict[str, Any]:
        """Plain data describing the experiment (for the manifest)."""
        data = asdict(self)
        data["scenarios"] = [asdict(s) for s in self.scenarios]
        return json.loads(json.dumps(data, default=list))

    def identity(self) -> str:
        """A hash of what determines the runs' results, excluding the replication count (so
        a store can be extended with more replications) and the adaptive rule."""
        data = self.spec()
        for key in ("replications", "adaptive", "file", "file_sha256", "description",
                    "description_zh", "outputs", "years", "targets", "tables", "fail_fast"):
            data.pop(key, None)
        for unc in data.get("uncertainties", []):
            # added with per-replication draws: an older store (every uncertainty a design
            # dimension, no source) keeps its identity, so it can still be resumed
            if unc.get("per") == "point":
                unc.pop("per")
            unc.pop("source", None)
        for scenario, spec in zip(self.scenarios, data["scenarios"], strict=True):
            # a swept scenario hashes as before the option (a store whose every scenario was
            # swept can still be resumed); an unswept one under a design runs differently
            spec.pop("sweep", None)
            if self.point_uncertainties and not self.swept(scenario):
                spec["sweep"] = False
        for scenario in data["scenarios"]:
            # where a config file lives does not matter (its resolved content is hashed by
            # the runner), so a moved checkout can still resume
            scenario.pop("config", None)
            scenario.pop("description", None)
            scenario.pop("description_zh", None)
        text = json.dumps(data, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def with_replications(self, replications: int) -> Experiment:
        return _replace(self, replications=replications)


def describe_changes(old: Mapping[str, Any], experiment: Experiment,
                     configs: Mapping[str, Any]) -> str:
    """What makes the runs of ``experiment`` (with its resolved ``configs``) differ from those
    a results folder's manifest ``old`` records, for the "holds results of another setup"
    message: the first few changed settings, e.g. ``attraction.effort 1.0 → 2 (every
    scenario)``; '' when the experiments' names differ or nothing is found."""
    spec = experiment.spec()
    before: Any = old.get("experiment") if isinstance(old.get("experiment"), Mapping) else {}
    old_spec: Any = before.get("spec") if isinstance(before.get("spec"), Mapping) else {}
    if not old_spec or old_spec.get("name") != spec["name"]:
        return ""
    changes: list[str] = []
    if old_spec.get("seed") != spec["seed"]:
        changes.append(f"seed {old_spec.get('seed')} → {spec['seed']}")
    names = [s["name"] for s in spec["scenarios"]]
    old_names = [s.get("name") for s in old_spec.get("scenarios") or [] if isinstance(s, Mapping)]
    if old_names != names:
        changes.append(f"scenarios {', '.join(map(str, old_names))} → {', '.join(names)}")
    for key in ("design", "uncertainties"):
        if json.dumps(old_spec.get(key), sort_keys=True) != json.dumps(spec.get(key),
                                                                       sort_keys=True):
            changes.append(f"the {key}")
    old_configs: Any = old.get("configs") if isinstance(old.get("configs"), Mapping) else {}
    changed: dict[str, list[tuple[str, str, str]]] = {}  # key → (scenario, was, now)
    for name, cfg in configs.items():
        entry = old_configs.get(name)
        was = entry.get("resolved") if isinstance(entry, Mapping) else None
        if not isinstance(was, Mapping):
            continue
        a = _flatten(was)
        b = _flatten(json.loads(json.dumps(cfg.to_dict(), default=str)))
        for key in sorted(set(a) | set(b)):
            if a.get(key, _UNSET) != b.get(key, _UNSET):
                changed.setdefault(key, []).append(
                    (name, _shown(a.get(key, _UNSET)), _shown(b.get(key, _UNSET))))
    for key, rows in changed.items():
        nows = list(dict.fromkeys(now for _, _, now in rows))
        wases = " or ".join(dict.fromkeys(was for _, was, _ in rows))
        scope = "every scenario" if len(rows) == len(configs) > 1 else \
            "scenario " + ", ".join(name for name, _, _ in rows)
        if len(nows) == 1:
            changes.append(f"{key} {wases} → {nows[0]} ({scope})")
        else:
            changes += [f"{key} {was} → {now} (scenario {name})" for name, was, now in rows]
    if not changes:
        return ""
    shown = "; ".join(changes[:3])
    return shown + (f"; and {len(changes) - 3} more" if len(changes) > 3 else "")


_UNSET = object()


def _shown(value: Any) -> str:
    return "unset" if value is _UNSET else _short(value)


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _replace(obj: Any, **changes: Any) -> Any:
    from dataclasses import replace

    return replace(obj, **changes)


# --------------------------------------------------------------------------------------------
# Validation helpers
# --------------------------------------------------------------------------------------------


class _Checker:
    """Small typed getters that raise ConfigError naming file and key path."""

    def __init__(self, file: str | None) -> None:
        self.file = file

    def fail(self, message: str, key: str, value: Any = None, expected: str | None = None,
             has_value: bool = True) -> ConfigError:
        return ConfigError(message, file=self.file, key=key, value=value, expected=expected,
                           has_value=has_value)

    def keys(self, table: Mapping[str, Any], allowed: Iterable[str], prefix: str) -> None:
        allowed = tuple(allowed)
        for key in table:
            if key not in allowed:
                path = f"{prefix}.{key}" if prefix else key
                raise self.fail("unknown key", path, expected="one of " + ", ".join(allowed)
                                + did_you_mean(key, allowed), has_value=False)

    def table(self, value: Any, key: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail("wrong type", key, value, f"a table [{key}]")
        return value

    def string(self, value: Any, key: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail("wrong type", key, value, "a non-empty string")
        return value

    def integer(self, value: Any, key: str, lo: int | None = None, hi: int | None = None) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail("wrong type", key, value, "an integer")
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            rng = f"an integer in [{lo}, {hi}]" if hi is not None else f"an integer >= {lo}"
            raise self.fail("out of range", key, value, rng)
        return value

    def number(self, value: Any, key: str, positive: bool = False) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail("wrong type", key, value, "a number")
        try:
            value = float(value)
        except OverflowError:
            raise self.fail("not a finite number", key, value, "a finite number") from None
        if not math.isfinite(value):
            raise self.fail("not a finite number", key, value, "a finite number")
        if positive and value <= 0:
            raise self.fail("out of range", key, value, "a number > 0")
        return value

    def boolean(self, value: Any, key: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail("wrong type", key, value, "true or false")
        return value

    def choice(self, value: Any, key: str, options: Iterable[str]) -> str:
        options = tuple(options)
        if value not in options:
            hint = did_you_mean(value, options) if isinstance(value, str) else ""
            raise self.fail("unknown value", key, value,
                            "one of " + ", ".join(repr(o) for o in options) + hint)
        return value

    def list_of(self, value: Any, key: str) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail("wrong type", key, value, "a list")
        return value


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------


def is_experiment_file(path: str | Path) -> bool:
    """True if the TOML file has an ``[experiment]`` table or ``[[scenarios]]`` (else it is a
    plain config)."""
    data = read_toml(Path(path))
    return "experiment" in data or "scenarios" in data


def load_experiment(path: str | Path, *, seed: int | None = None,
                    replications: int | None = None,
                    overrides: Mapping[str, Any] | Iterable[str] | None = None,
                    validate_configs: bool = True) -> Experiment:
    """Read and validate an experiment file.

    ``seed``/``replications`` replace the file's values; ``overrides`` (``--set``) apply to
    every scenario after its own ``set``. Config paths resolve relative to the experiment file.
    With ``validate_configs`` every scenario's config is loaded (and each uncertainty's bounds
    applied) so that unknown keys and out-of-range values are refused before any run starts.
    """
    p = Path(path)
    data = read_toml(p)
    ck = _Checker(str(p))
    ck.keys(data, _TOP_KEYS, "")
    if "experiment" not in data and "scenarios" not in data:
        raise ck.fail("missing table", "experiment", expected="an [experiment] table with "
                      "name, seed and replications", has_value=False)
    exp = ck.table(data.get("experiment", {}), "experiment")
    ck.keys(exp, _EXPERIMENT_KEYS, "experiment")

    name = ck.string(exp.get("name", p.stem), "experiment.name")
    if any(c in name for c in "/\\") or name in (".", ".."):
        raise ck.fail("not usable as a directory name", "experiment.name", name,
                      "a name without slashes")
    file_seed = ck.integer(exp.get("seed", 0), "experiment.seed", 0, 2**63 - 1)
    file_reps = ck.integer(exp.get("replications", 1), "experiment.replications", 1, 100_000)
    end_year = exp.get("end_year")
    if end_year is not None:
        end_year = ck.integer(end_year, "experiment.end_year", 2024, 2060)
    outputs = tuple(ck.string(v, f"experiment.outputs[{i}]")
                    for i, v in enumerate(ck.list_of(exp.get("outputs", []), "experiment.outputs")))
    years = tuple(ck.integer(v, f"experiment.years[{i}]", 2023, 2060)
                  for i, v in enumerate(ck.list_of(exp.get("years", []), "experiment.years")))
    if end_year is not None and any(y > end_year for y in years):
        raise ck.fail("year after end_year", "experiment.years", list(years),
                      f"years <= end_year ({end_year})")
    targets_raw = exp.get("targets", "all")
    if isinstance(targets_raw, str):
        if targets_raw not in ("all", "none"):
            raise ck.fail("unknown value", "experiment.targets", targets_raw,
                          "'all', 'none' or a list of target ids")
        targets: tuple[str, ...] | str = targets_raw
    else:
        targets = tuple(ck.string(v, f"experiment.targets[{i}]")
                        for i, v in enumerate(ck.list_of(targets_raw, "experiment.targets")))

    tables = tuple(ck.string(v, f"experiment.tables[{i}]") for i, v in enumerate(
        ck.list_of(exp.get("tables", list(_TABLES)), "experiment.tables")))
    for i, t in enumerate(tables):
        if t not in _TABLES:
            raise ck.fail("unknown table", f"experiment.tables[{i}]", t,
                          "one of " + ", ".join(_TABLES))
    if not {"district", "towns"} <= set(tables):
        raise ck.fail("missing table", "experiment.tables", list(tables),
                      "a list with 'district' and 'towns' (and 'villages' unless left out)")
    fail_fast = ck.integer(exp.get("fail_fast", FAIL_FAST), "experiment.fail_fast", 0, 100_000)
    scenarios = _scenarios(data, exp, ck, p)
    uncertainties = _uncertainties(data, ck, p)
    design = _design(data, ck, uncertainties)
    adaptive = _adaptive(data, ck, end_year)
    for i, output in enumerate(outputs):
        check_output(output, ck.file, f"experiment.outputs[{i}]")
    if adaptive is not None:
        check_output(adaptive.metric, ck.file, "adaptive.metric")

    experiment = Experiment(
        name=name, file=str(p), seed=file_seed if seed is None else seed,
        replications=file_reps if replications is None else replications,
        scenarios=scenarios, description=str(exp.get("description", "")), end_year=end_year,
        outputs=outputs, years=years, targets=targets, design=design,
        uncertainties=uncertainties, adaptive=adaptive, file_sha256=_sha256(p),
        tables=tables, description_zh=ck.string(exp["description_zh"], "experiment.description_zh")
        if "description_zh" in exp else "", fail_fast=fail_fast)
    if overrides:
        experiment = _apply_global_overrides(experiment, overrides)
    if validate_configs:
        validate_experiment_configs(experiment)
    return experiment


def check_output(name: str, file: str | Path | None, key: str) -> None:
    """Refuse a name that is not a district output (a column ``compare`` can analyse), with a
    did-you-mean, or with the list of outputs when none is close."""
    from simxh.reporters import DISTRICT_REPORTERS

    if name in DISTRICT_REPORTERS:
        return
    hint = close_match(name, DISTRICT_REPORTERS)
    raise ConfigError(f"unknown output{hint}", file=file, key=key, value=name,
                      expected="a district output column" if hint else
                      "one of " + ", ".join(DISTRICT_REPORTERS))


def _scenarios(data: dict[str, Any], exp: dict[str, Any], ck: _Checker,
               path: Path) -> tuple[Scenario, ...]:
    raw = data.get("scenarios")
    if raw is None:
        raw = [{"name": "baseline", "reference": True}]
    if not isinstance(raw, list) or not raw:
        raise ck.fail("wrong type", "scenarios", raw, "one or more [[scenarios]] tables")
    out: list[Scenario] = []
    for i, item in enumerate(raw):
        key = f"scenarios[{i}]"
        item = ck.table(item, key)
        ck.keys(item, _SCENARIO_KEYS, key)
        if "name" not in item:
            raise ck.fail("missing key", f"{key}.name", expected="a scenario name",
                          has_value=False)
        name = ck.string(item["name"], f"{key}.name")
        if name in {s.name for s in out}:
            raise ck.fail("duplicate scenario name", f"{key}.name", name, "unique names")
        config = item.get("config")
        if config is not None:
            # relative to the experiment file; refused if it leads outside the file's folder
            # and project (unless --allow-outside-paths)
            config_path = resolve_config_path(ck.string(config, f"{key}.config"),
                                              file=path, key=f"{key}.config")
            if not config_path.is_file():
                raise ck.fail(f"config file not found{similar_file(config_path)}",
                              f"{key}.config", config,
                              f"an existing file (looked for {config_path})")
            config = str(config_path.resolve())
        sets = ck.table(item.get("set", {}), f"{key}.set")
        overrides = _flatten(sets)
        for path_key in _PATH_KEYS:
            # a path in `set` is relative to the experiment file, like `config`
            value = overrides.get(path_key)
            if isinstance(value, str) and value:
                folder = resolve_config_path(value, file=path, key=path_key)
                if not folder.is_dir():
                    raise ConfigError(f"scenario '{name}': data folder not found", file=path,
                                      key=path_key, value=value,
                                      expected=f"an existing folder ({folder})")
                overrides[path_key] = str(folder)
        out.append(Scenario(name=name, config=config, overrides=overrides,
                            reference=ck.boolean(item.get("reference", False), f"{key}.reference"),
                            description=str(item.get("description", "")),
                            description_zh=ck.string(item["description_zh"], f"{key}.description_zh")
                            if "description_zh" in item else "",
                            sweep=(None if "sweep" not in item
                                   else ck.boolean(item["sweep"], f"{key}.sweep"))))
    ref_name = exp.get("reference")
    if ref_name is not None:
        names = [s.name for s in out]
        if ref_name not in names:
            raise ck.fail("unknown scenario", "experiment.reference", ref_name,
                          "one of " + ", ".join(names) + did_you_mean(str(ref_name), names))
        out = [_replace(s, reference=(s.name == ref_name)) for s in out]
    refs = [s.name for s in out if s.reference]
    if len(refs) > 1:
        raise ck.fail("more than one reference scenario", "scenarios", refs,
                      "exactly one scenario with reference = true")
    if not refs:
        out[0] = _replace(out[0], reference=True)
    return tuple(out)


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}, "c.d": 2}`` → ``{"a.b": 1, "c.d": 2}``."""
    out: dict[str, Any] = {}
    for key, value in table.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            out.update(_flatten(value, path))
        else:
            out[path] = value
    return out


def _path_values(values: list[Any], ck: _Checker, key: str, name: str,
                 path: Path) -> tuple[str, ...]:
    """The folders a path-valued uncertainty (``region.data_dir``) takes: each resolved
    against the experiment file and confined like a scenario's ``config`` (unless
    ``--allow-outside-paths``), and each an existing folder. Returned as absolute paths, so a
    worker does not resolve them against its own current directory."""
    out: list[str] = []
    for j, value in enumerate(values):
        ck.string(value, f"{key}.values[{j}]")
        folder = resolve_config_path(value, file=path, key=name)
        if not folder.is_dir():
            raise ck.fail(f"uncertainty '{name}': data folder not found", f"{key}.values[{j}]",
                          value, f"an existing folder ({folder})")
        out.append(str(folder))
    return tuple(out)


def _uncertainties(data: dict[str, Any], ck: _Checker,
                   path: Path | None = None) -> tuple[Uncertainty, ...]:
    raw = data.get("uncertainties", [])
    if not isinstance(raw, list):
        raise ck.fail("wrong type", "uncertainties", raw, "[[uncertainties]] tables")
    out: list[Uncertainty] = []
    for i, item in enumerate(raw):
        key = f"uncertainties[{i}]"
        item = ck.table(item, key)
        ck.keys(item, _UNCERTAINTY_KEYS, key)
        if "key" not in item:
            raise ck.fail("missing key", f"{key}.key", expected="a dotted config key",
                          has_value=False)
        name = ck.string(item["key"], f"{key}.key")
        if name in {u.key for u in out}:
            raise ck.fail("duplicate uncertainty", f"{key}.key", name, "each key once")
        per = ck.choice(item.get("per", "point"), f"{key}.per", PER)
        source = str(ck.string(item["source"], f"{key}.source")) if "source" in item else ""
        if "values" in item:
            values = ck.list_of(item["values"], f"{key}.values")
            if not values:
                raise ck.fail("empty list", f"{key}.values", values, "at least one value")
            extra = [k for k in ("low", "high", "mean", "sd", "mode", "distribution") if k in item]
            if extra:
                raise ck.fail("'values' cannot be combined with a range", f"{key}.{extra[0]}",
                              item[extra[0]], "either values = [...] or a distribution")
            if name in _PATH_KEYS:
                values = list(_path_values(values, ck, key, name, path or Path("experiment")))
            out.append(Uncertainty(key=name, distribution="values", values=tuple(values),
                                   per=per, source=source))
            continue
        if name in _PATH_KEYS:
            raise ck.fail("a path cannot be sampled from a range", f"{key}.key", name,
                          "values = [...] listing the folders to try")
        dist = ck.choice(item.get("distribution", "uniform"), f"{key}.distribution",
                         DISTRIBUTIONS)
        get = {k: ck.number(item[k], f"{key}.{k}") for k in ("low", "high", "mean", "sd", "mode")
               if k in item}
        integer = ck.boolean(item.get("integer", False), f"{key}.integer")
        if dist == "normal":
            for k in ("mean", "sd"):
                if k not in get:
                    raise ck.fail("missing key", f"{key}.{k}",
                                  expected="mean and sd for a normal distribution",
                                  has_value=False)
            if get["sd"] <= 0:
                raise ck.fail("out of range", f"{key}.sd", get["sd"], "a number > 0")
            lo = get.get("low", get["mean"] - 3 * get["sd"])
            hi = get.get("high", get["mean"] + 3 * get["sd"])
        else:
            for k in ("low", "high"):
                if k not in get:
                    raise ck.fail("missing key", f"{key}.{k}",
                                  expected=f"low and high for a {dist} distribution "
                                  "(or values = [...])", has_value=False)
            lo, hi = get["low"], get["high"]
        if not lo < hi:
            raise ck.fail("low must be below high", f"{key}.high", hi, f"a number > {lo}")
        if dist == "loguniform" and lo <= 0:
            raise ck.fail("out of range", f"{key}.low", lo, "a number > 0 for loguniform")
        if dist == "triangular":
            mode = get.get("mode", (lo + hi) / 2)
            if not lo <= mode <= hi:
                raise ck.fail("out of range", f"{key}.mode", mode, f"a number in [{lo}, {hi}]")
            get["mode"] = mode
        out.append(Uncertainty(key=name, distribution=dist, low=lo, high=hi,
                               mean=get.get("mean"), sd=get.get("sd"), mode=get.get("mode"),
                               integer=integer, per=per, source=source))
    return tuple(out)


def _design(data: dict[str, Any], ck: _Checker,
            uncertainties: tuple[Uncertainty, ...]) -> Design:
    # per-replication uncertainties are drawn by the runner, not sampled by the design
    uncertainties = tuple(u for u in uncertainties if not u.per_replication)
    raw = ck.table(data.get("design", {}), "design")
    ck.keys(raw, _DESIGN_KEYS, "design")
    default_kind = "factorial" if uncertainties else "none"
    kind = ck.choice(raw.get("kind", default_kind), "design.kind", DESIGN_KINDS)
    if kind == "none" and uncertainties:
        raise ck.fail("uncertainties need a design", "design.kind", kind,
                      "one of " + ", ".join(DESIGN_KINDS[1:]))
    if kind != "none" and not uncertainties:
        raise ck.fail("a design needs [[uncertainties]]", "design.kind", kind,
                      "kind = 'none', or add [[uncertainties]] tables with per = 'point'")
    samples = raw.get("samples", 0)
    if kind in ("lhs", "sobol", "morris", "saltelli"):
        if "samples" not in raw:
            raise ck.fail("missing key", "design.samples",
                          expected=f"the number of samples for a {kind} design", has_value=False)
        samples = ck.integer(samples, "design.samples", 1, 1_000_000)
    levels = ck.integer(raw.get("levels", 4), "design.levels", 2, 1000)
    if kind in ("morris", "saltelli"):
        bad = [u.key for u in uncertainties if u.distribution == "values"]
        if bad:
            raise ck.fail(f"a {kind} design needs ranges, not value lists", "uncertainties",
                          bad, "low/high (and a distribution) for every uncertainty")
    if kind == "factorial":
        bad = [u.key for u in uncertainties if u.distribution not in ("values", "uniform",
                                                                         "loguniform")]
        if bad:
            raise ck.fail("a factorial design takes values = [...] or uniform ranges",
                          "uncertainties", bad, "values = [...] or low/high")
    seed = raw.get("seed")
    if seed is not None:
        seed = ck.integer(seed, "design.seed", 0, 2**63 - 1)
    return Design(kind=kind, samples=samples, levels=levels,
                  second_order=ck.boolean(raw.get("second_order", False), "design.second_order"),
                  seed=seed)


def _adaptive(data: dict[str, Any], ck: _Checker, end_year: int | None) -> Adaptive | None:
    if "adaptive" not in data:
        return None
    raw = ck.table(data["adaptive"], "adaptive")
    ck.keys(raw, _ADAPTIVE_KEYS, "adaptive")
    for k in ("metric", "year", "width", "max_replications"):
        if k not in raw:
            raise ck.fail("missing key", f"adaptive.{k}", expected="metric, year, width and "
                          "max_replications", has_value=False)
    year = ck.integer(raw["year"], "adaptive.year", 2023, end_year or 2060)
    return Adaptive(metric=ck.string(raw["metric"], "adaptive.metric"), year=year,
                    width=ck.number(raw["width"], "adaptive.width", positive=True),
                    max_replications=ck.integer(raw["max_replications"],
                                                "adaptive.max_replications", 2, 100_000),
                    batch=ck.integer(raw.get("batch", 0), "adaptive.batch", 0, 100_000))


def _apply_global_overrides(experiment: Experiment,
                            overrides: Mapping[str, Any] | Iterable[str]) -> Experiment:
    pairs = dict(overrides.items() if isinstance(overrides, Mapping)
                 else (parse_override(o) for o in overrides))
    end_year = pairs.get("run.end_year", experiment.end_year)
    scenarios = tuple(_replace(s, overrides={**s.overrides, **pairs})
                      for s in experiment.scenarios)
    years = experiment.years
    if isinstance(end_year, int) and not isinstance(end_year, bool):
        years = tuple(y for y in years if y <= end_year)
    return _replace(experiment, scenarios=scenarios, end_year=end_year
                    if isinstance(end_year, int) else experiment.end_year, years=years)


def validate_experiment_configs(experiment: Experiment) -> dict[str, Any]:
    """Load every scenario's config with its overrides, and with each uncertainty's bounds, so
    that a bad key or value is refused before any run. The ids each config names (towns,
    zones, infrastructure projects) are checked against the region data it uses
    (:func:`simxh.region.check_config_references`), so a run cannot fail on them with a
    ``KeyError``. Returns the resolved configs."""
    from simxh.region import REFERENCED_KEYS

    resolved: dict[str, Any] = {}
    where = experiment.file
    regions: dict[str, Any] = {}  # data_dir → region data (read once per folder)
    for scenario in experiment.scenarios:
        overrides = experiment.scenario_overrides(scenario)
        try:
            cfg = load_config(scenario.config, overrides)
            _check_references(cfg, regions, overrides, where)
        except ConfigError as exc:
            # a scenario's `set` table is in the experiment file, not on the command line
            file = where if exc.file in (None, SET_SOURCE) and where else exc.file
            raise ConfigError(f"scenario '{scenario.name}': {exc.detail}", file=file,
                              key=exc.key, value=exc.value, expected=exc.expected,
                              has_value=exc.has_value) from None
        resolved[scenario.name] = cfg
        for u, probes in _probe_values(experiment):
            # the scenario's config passed the reference checks: a probe of a key they do not
            # read (nor of the data folder and posterior they load) cannot fail them
            checked = u.key in REFERENCED_KEYS or \
                u.key.partition(".")[0] in ("region", "estimation")
            for value in probes:
                try:
                    probe = cfg.with_overrides({u.key: value})
                    if checked:
                        _check_references(probe, regions, {u.key: value}, where)
                except ConfigError as exc:
                    raise ConfigError(f"uncertainty '{u.key}': {exc.detail}", file=where,
                                      key=exc.key, value=exc.value, expected=exc.expected,
                                      has_value=exc.has_value) from None
    return resolved


def _probe_values(experiment: Experiment) -> list[tuple[Uncertainty, list[Any]]]:
    """Each uncertainty's extreme values as a run receives them: a range mapped by the design's
    own quantile function (rounded and typed for ``integer``) and, for the design's factors,
    passed through the design-point table and :func:`simxh.design.point_overrides`, as the
    runner does (a typed factor that a run would refuse is refused here)."""
    import pandas as pd

    from simxh.design import from_unit, point_overrides

    out: list[tuple[Uncertainty, list[Any]]] = []
    ranged = [u for u in experiment.uncertainties if u.values is None]
    edges = {u.key: list(from_unit(u, [0.0, 1.0])) for u in ranged}  # type: ignore[arg-type]
    table = pd.DataFrame({u.key: edges[u.key] for u in ranged if not u.per_replication})
    for u in experiment.uncertainties:
        if u.values is not None:
            out.append((u, list(u.values)))
        elif u.per_replication:
            out.append((u, edges[u.key]))
        else:
            out.append((u, [point_overrides(table, i)[u.key] for i in range(len(table))]))
    return out


def _check_references(cfg: Any, regions: dict[str, Any], overrides: Mapping[str, Any],
                      where: str | None) -> None:
    """:func:`simxh.region.check_config_references` against the config's own region data
    (cached per data folder in ``regions``). A bad id set by ``overrides`` (a scenario's
    ``set`` table, ``--set`` or an uncertainty) is reported against the experiment file."""
    from simxh.datafiles import load_region_data
    from simxh.macro import macro_history
    from simxh.posterior import load_posterior
    from simxh.region import check_config_references

    data_dir = cfg.region.data_dir or ""
    if data_dir not in regions:
        data = load_region_data(data_dir or None)
        macro_history(data.macro, data.path("macro"))  # the outside world must be whole too
        regions[data_dir] = data
    if cfg.estimation.posterior:
        load_posterior(cfg.estimation.posterior)  # a bad posterior file stops here, not in a run
    try:
        check_config_references(cfg, regions[data_dir])
    except ConfigError as exc:
        section = (exc.key or "").split("[")[0]
        if where and section in overrides:
            raise ConfigError(exc.detail, file=where, key=exc.key, value=exc.value,
                              expected=exc.expected, has_value=exc.has_value) from None
        raise


def experiment_for_config(config: str | Path | None, *, seed: int = 0, replications: int = 1,
                          overrides: Mapping[str, Any] | Iterable[str] | None = None,
                          name: str | None = None, validate_configs: bool = True) -> Experiment:
    """A one-scenario experiment running a plain config file (``simxh run CONFIG``)."""
    pairs: dict[str, Any] = {}
    if overrides:
        pairs = dict(overrides.items() if isinstance(overrides, Mapping)
                     else (parse_override(o) for o in overrides))
    path = Path(config) if config is not None else None
    stem = path.stem if path is not None else "baseline"
    if path is not None and not path.is_file():
        raise ConfigError(f"file not found{similar_file(path)}", file=path)
    end_year = pairs.get("run.end_year")
    experiment = Experiment(
        name=name or stem, file=None, seed=seed, replications=replications,
        scenarios=(Scenario(name=stem, config=str(path.resolve()) if path else None,
                            overrides=pairs, reference=True),),
        end_year=end_year if isinstance(end_year, int) else None,
        file_sha256=_sha256(path) if path else "")
    if validate_configs:
        validate_experiment_configs(experiment)
    return experiment


def experiment_from_spec(spec: Mapping[str, Any]) -> Experiment:
    """Rebuild an :class:`Experiment` from :meth:`Experiment.spec` (as stored in a manifest)."""
    data = dict(spec)
    data["scenarios"] = tuple(Scenario(**s) for s in data.get("scenarios", []))
    data["uncertainties"] = tuple(
        Uncertainty(**{**u, "values": tuple(u["values"]) if u.get("values") is not None
                       else None}) for u in data.get("uncertainties", []))
    data["design"] = Design(**data.get("design", {}))
    data["adaptive"] = Adaptive(**data["adaptive"]) if data.get("adaptive") else None
    data["outputs"] = tuple(data.get("outputs", ()))
    data["years"] = tuple(data.get("years", ()))
    data["tables"] = tuple(data.get("tables", _TABLES))
    targets = data.get("targets", "all")
    data["targets"] = targets if isinstance(targets, str) else tuple(targets)
    return Experiment(**data)
