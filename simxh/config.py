"""Configs: TOML files validated at the boundary into typed, frozen dataclasses.

A config file is TOML. It may extend another (``extends = "baseline.toml"``, relative to the
file), overriding its keys; ``--set dotted.key=value`` overrides go through the same checks.
The schema is the dataclasses below: each section is a frozen dataclass registered with
:func:`section`, and each field is declared with :func:`param`, which carries its default,
its range, its unit and the provenance of the default (``status``/``source``). The defaults
*are* the baseline: ``load_config()`` with no file gives the baseline configuration.

Every problem raises :class:`simxh.errors.ConfigError` naming the file, the key path, the
value and what was expected; the inside of simxh then trusts its config.

Cross-field checks: a section may define ``validate(self, err)``, calling
``err("key", "message", value=..., expected=...)`` to refuse a combination; the root may
define ``validate_root(self, err)`` the same way with full dotted keys.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import hashlib
import json
import math
import os
import re
import tomllib
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from simxh.errors import ConfigError, similar_file

SET_SOURCE = "--set"

# --------------------------------------------------------------------------------------------
# Schema declaration helpers
# --------------------------------------------------------------------------------------------


def param(
    default: Any,
    *,
    min: float | None = None,  # noqa: A002 - reads naturally in declarations
    max: float | None = None,  # noqa: A002
    min_exclusive: bool = False,
    unit: str = "",
    status: str = "assumed",
    source: str = "",
    doc: str = "",
    choices: Iterable[Any] | None = None,
) -> Any:
    """Declare a config field: its default and the metadata the validator and docs use.

    ``status``/``source`` give the provenance of the *default* value (official, reported,
    derived or assumed), so that documentation and reports can say where it comes from.
    """
    meta = {
        "min": min,
        "max": max,
        "min_exclusive": min_exclusive,
        "unit": unit,
        "status": status,
        "source": source,
        "doc": doc,
        "choices": tuple(choices) if choices is not None else None,
    }
    if dataclasses.is_dataclass(default) or isinstance(default, list | dict | tuple | set):
        value = default
        return field(default_factory=lambda: _copy_default(value), metadata=meta)
    return field(default=default, metadata=meta)


def _copy_default(value: Any) -> Any:
    if dataclasses.is_dataclass(value):
        return dataclasses.replace(value)
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, list):
        return list(value)
    return value


SECTIONS: dict[str, type] = {}


def section(name: str) -> Callable[[type], type]:
    """Register a top-level config section (a frozen dataclass) under ``name``."""

    def register(cls: type) -> type:
        if name in SECTIONS:
            raise RuntimeError(f"config section {name!r} registered twice")
        SECTIONS[name] = cls
        return cls

    return register


def estimated(key: str, prior_mean: float, *, min: float | None = None,  # noqa: A002
              max: float | None = None, source: str = "", doc: str = "",  # noqa: A002
              unit: str = "") -> Any:
    """Declare a parameter estimated by ``simxh calibrate``: its default is the mean of the
    shipped posterior (``simxh/data/posterior.csv``) with status ``estimated``; before any
    estimation it is the prior mean, with status ``assumed``."""
    from simxh.posterior import shipped_summary  # the posterior module reads only a CSV

    post = shipped_summary().get(key)
    if post is None:
        return param(prior_mean, min=min, max=max, unit=unit, status="assumed", doc=doc,
                     source=f"prior mean, not yet estimated; {source}")
    return param(round(post["mean"], 6), min=min, max=max, unit=unit, status="estimated",
                 doc=doc, source=(f"posterior mean (90% interval {post['q05']:.4g}–"
                                  f"{post['q95']:.4g}; {post['method']}); {source}"))


# --------------------------------------------------------------------------------------------
# Validation: plain TOML data -> typed dataclasses
# --------------------------------------------------------------------------------------------


@dataclass
class _Context:
    """Where each key came from, so an error names the right file."""

    default_file: str | None
    key_files: Mapping[str, str]

    def file_for(self, path: str) -> str | None:
        probe = path
        while probe:
            if probe in self.key_files:
                return self.key_files[probe]
            probe = probe.rpartition(".")[0]
        return self.default_file


def did_you_mean(word: str, options: Iterable[str]) -> str:
    """' (did you mean 'x'?)' when a close option exists, else ''."""
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _type_name(tp: Any) -> str:
    origin = get_origin(tp)
    if tp is float:
        return "a number"
    if tp is int:
        return "an integer"
    if tp is bool:
        return "true or false"
    if tp is str:
        return "a string"
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in get_args(tp))
    if origin in (list, tuple):
        return f"a list of {_type_name(get_args(tp)[0])}"
    if origin is dict:
        return f"a table of {_type_name(get_args(tp)[1])}"
    if dataclasses.is_dataclass(tp):
        return "a table"
    return str(tp)


def _describe_range(meta: Mapping[str, Any]) -> str:
    lo, hi = meta.get("min"), meta.get("max")
    op = ">" if meta.get("min_exclusive") else ">="
    unit = f" {meta['unit']}" if meta.get("unit") else ""
    if lo is not None and hi is not None:
        left = "(" if meta.get("min_exclusive") else "["
        return f"a value in {left}{lo}, {hi}]{unit}"
    if lo is not None:
        return f"a value {op} {lo}{unit}"
    return f"a value <= {hi}{unit}"


def _convert(tp: Any, value: Any, path: str, ctx: _Context, meta: Mapping[str, Any]) -> Any:
    origin = get_origin(tp)
    file = ctx.file_for(path)

    def fail(expected: str, message: str = "wrong type") -> typing.NoReturn:
        raise ConfigError(message, file=file, key=path, value=value, expected=expected,
                          has_value=True)

    if origin in (types.UnionType, typing.Union):
        inner = [a for a in get_args(tp) if a is not type(None)]
        if value is None and type(None) in get_args(tp):
            return None  # an optional setting left unset (to_dict() writes it as None)
        if len(inner) == 1:
            return _convert(inner[0], value, path, ctx, meta)
        raise TypeError(f"unsupported union in schema at {path}")
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            fail("a table")
        return build(tp, value, prefix=path, ctx=ctx)
    if tp is bool:
        if not isinstance(value, bool):
            fail("true or false")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            fail("an integer")
        _check_range(value, path, ctx, meta)
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            fail(_describe_range(meta) if meta.get("min") is not None or meta.get("max") is not None
                 else "a number")
        try:
            value = float(value)
        except OverflowError:  # an integer too large for a float
            fail("a finite number", "number too large")
        if not math.isfinite(value):
            fail("a finite number", "not a finite number")
        _check_range(value, path, ctx, meta)
        return value
    if tp is str:
        if not isinstance(value, str):
            fail("a string")
        choices = meta.get("choices")
        if choices and value not in choices:
            fail("one of " + ", ".join(repr(c) for c in choices) + did_you_mean(value, choices),
                 "unknown value")
        return value
    if origin is Literal:
        options = get_args(tp)
        if value not in options:
            fail("one of " + ", ".join(repr(o) for o in options), "unknown value")
        return value
    if origin in (list, tuple):
        if not isinstance(value, list):
            fail(_type_name(tp))
        (item_tp, *_rest) = get_args(tp)
        items = [_convert(item_tp, v, f"{path}[{i}]", ctx, meta) for i, v in enumerate(value)]
        return tuple(items)
    if origin is dict:
        if not isinstance(value, dict):
            fail(_type_name(tp))
        key_tp, val_tp = get_args(tp)
        choices = meta.get("choices")
        out = {}
        for k, v in value.items():
            if choices and k not in choices:
                raise ConfigError("unknown name", file=ctx.file_for(f"{path}.{k}"),
                                  key=f"{path}.{k}", value=k,
                                  expected="one of " + ", ".join(choices) + did_you_mean(k, choices))
            out[k] = _convert(val_tp, v, f"{path}.{k}", ctx, {})
        return types.MappingProxyType(out)
    raise TypeError(f"unsupported type {tp!r} in schema at {path}")


def _check_range(value: float, path: str, ctx: _Context, meta: Mapping[str, Any]) -> None:
    lo, hi = meta.get("min"), meta.get("max")
    too_low = lo is not None and (value <= lo if meta.get("min_exclusive") else value < lo)
    too_high = hi is not None and value > hi
    if too_low or too_high:
        raise ConfigError("out of range", file=ctx.file_for(path), key=path, value=value,
                          expected=_describe_range(meta))


@functools.cache
def _schema(cls: type) -> tuple[dict[str, Any], dict[str, dataclasses.Field]]:
    """The type hints and init fields of dataclass ``cls`` (resolved once per class: a
    class's annotations do not change, and resolving them was a tenth of a run's time)."""
    return (typing.get_type_hints(cls),
            {f.name: f for f in dataclasses.fields(cls) if f.init})


def build(cls: type, data: Mapping[str, Any], *, prefix: str = "",
          ctx: _Context | None = None, file: str | None = None) -> Any:
    """Validate plain data against dataclass ``cls`` and build it (recursively).

    Unknown keys are refused with a did-you-mean; missing keys take their defaults.
    """
    ctx = ctx or _Context(default_file=file, key_files={})
    hints, fields = _schema(cls)
    kwargs = {}
    for key, value in data.items():
        path = f"{prefix}.{key}" if prefix else key
        if key not in fields:
            raise ConfigError("unknown key", file=ctx.file_for(path), key=path,
                              expected="one of " + ", ".join(sorted(fields))
                              + did_you_mean(key, fields))
        kwargs[key] = _convert(hints[key], value, path, ctx, fields[key].metadata)
    obj = cls(**kwargs)
    check = getattr(obj, "validate", None)
    if callable(check):
        check(_raiser(prefix, ctx))
    return obj


def _raiser(prefix: str, ctx: _Context) -> Callable[..., typing.NoReturn]:
    """The ``err(key, message, value=..., expected=...)`` a section's ``validate`` calls."""

    def err(key: str, message: str, *, value: Any = None, expected: str | None = None
            ) -> typing.NoReturn:
        path = f"{prefix}.{key}" if prefix else key
        raise ConfigError(message, file=ctx.file_for(path), key=path, value=value,
                          expected=expected, has_value=value is not None)

    return err


# --------------------------------------------------------------------------------------------
# Reading files: TOML, extends, overrides
# --------------------------------------------------------------------------------------------

_LINE_RE = re.compile(r"line (\d+)")
MAX_TOML_BYTES = 5_000_000
"""The largest config or experiment file read (the shipped ones are a few kB)."""


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file; invalid TOML or a non-UTF-8 file becomes a ConfigError with the line."""
    try:
        with open(path, "rb") as fh:  # bounded: a device or a huge file is refused, not read
            raw = fh.read(MAX_TOML_BYTES + 1)
        if len(raw) > MAX_TOML_BYTES:
            raise ConfigError("file too large for a config or experiment file", file=path,
                              expected=f"at most {MAX_TOML_BYTES // 1_000_000} MB of TOML")
    except FileNotFoundError:
        raise ConfigError(f"file not found{similar_file(path)}", file=path) from None
    except IsADirectoryError:
        raise ConfigError("is a directory, not a TOML file", file=path) from None
    except OSError as exc:
        raise ConfigError(f"cannot read file: {exc.strerror}", file=path) from None
    try:
        text = raw.decode("utf-8-sig")  # a byte-order mark (Windows editors) is not an error
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError("not valid UTF-8 text (save the file as UTF-8)", file=path,
                          line=line) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = _LINE_RE.search(str(exc))
        raise ConfigError(f"invalid TOML: {exc}", file=path,
                          line=int(match.group(1)) if match else None) from None
    except RecursionError:
        raise ConfigError("invalid TOML: arrays or tables nested too deeply", file=path,
                          expected="a config nested a few levels at most") from None
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        raise ConfigError(f"invalid TOML: {exc}".split(";")[0], file=path,
                          expected="numbers of a sensible size") from None


def merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """Deep-merge ``over`` into a copy of ``base`` (tables merge, other values replace)."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def _record_files(data: Mapping[str, Any], file: str, into: dict[str, str], prefix: str = "") -> None:
    for key, value in data.items():
        path = f"{prefix}.{key}" if prefix else key
        into[path] = file
        if isinstance(value, dict):
            _record_files(value, file, into, path)


# --------------------------------------------------------------------------------------------
# Paths written in config files (safety: a config is data, and may only point near itself)
# --------------------------------------------------------------------------------------------

ALLOW_OUTSIDE_PATHS_ENV = "SIMXH_ALLOW_OUTSIDE_PATHS"
"""Set to 1 (the CLI's ``--allow-outside-paths`` does) to let configs name any path."""

_PACKAGE_DATA = Path(__file__).resolve().parent / "data"


def outside_paths_allowed() -> bool:
    """True if the user asked (``--allow-outside-paths``) for config paths anywhere.

    The switch is an environment variable so that worker processes, which reload the configs,
    inherit it."""
    return os.environ.get(ALLOW_OUTSIDE_PATHS_ENV, "").strip() not in ("", "0")


def project_root(folder: Path) -> Path | None:
    """The nearest folder at or above ``folder`` holding ``pyproject.toml`` or ``.git``."""
    for candidate in (folder, *folder.parents):
        if (candidate / "pyproject.toml").is_file() or (candidate / ".git").exists():
            return candidate
    return None


def allowed_roots(folder: Path) -> tuple[Path, ...]:
    """Where a path written in a config in ``folder`` may lead: that folder, its project
    (see :func:`project_root`) and simxh's own data folder."""
    folder = folder.resolve()
    roots = [folder]
    project = project_root(folder)
    if project is not None and project not in roots:
        roots.append(project)
    roots.append(_PACKAGE_DATA)
    return tuple(roots)


def resolve_config_path(value: str, *, file: str | Path | None, key: str) -> Path:
    """Resolve a path written in a config (or experiment) file, and check where it leads.

    A relative ``value`` is relative to the folder of ``file``, the file that wrote it (for
    ``--set`` overrides, or with no file, the current directory). Symbolic links are followed.
    Unless :func:`outside_paths_allowed`, the result must lie inside that folder, inside its
    project (nearest ``pyproject.toml``/``.git`` above it) or inside simxh's data folder;
    otherwise a :class:`ConfigError` names the file, key, value and the allowed folders.
    A ``--set`` override is typed by the user, not read from a file, so it is not confined
    (an experiment file resolves and checks the paths in its own ``set`` tables itself).
    Existence is not checked here.
    """
    where = str(file) if file is not None else None
    if not isinstance(value, str) or not value.strip() or "\0" in value:
        raise ConfigError("not a usable path", file=where, key=key, value=value,
                          expected="a non-empty path string", has_value=True)
    folder = Path(where).resolve().parent if where and where != SET_SOURCE else Path.cwd()
    target = (folder / Path(value).expanduser()).resolve()
    if outside_paths_allowed() or where == SET_SOURCE:
        return target
    roots = allowed_roots(folder)
    if not any(target.is_relative_to(root) for root in roots):
        raise ConfigError(
            f"path leads outside the config's folder and project (to {target})", file=where,
            key=key, value=value,
            expected="a path inside " + " or ".join(str(r) for r in roots[:-1])
            + " (or pass --allow-outside-paths to allow it)")
    return target


def read_with_extends(path: Path, _chain: tuple[Path, ...] = ()) -> tuple[dict[str, Any], dict[str, str]]:
    """Read a config file and the chain it extends; returns (merged data, key → file)."""
    path = path.resolve()
    if path in _chain:
        cycle = " -> ".join(p.name for p in (*_chain, path))
        raise ConfigError("'extends' forms a cycle", file=_chain[-1], key="extends",
                          value=cycle, expected="a chain of files that ends")
    data = read_toml(path)
    parent = data.pop("extends", None)
    key_files: dict[str, str] = {}
    merged: dict[str, Any] = {}
    if parent is not None:
        if not isinstance(parent, str) or not parent:
            raise ConfigError("wrong type", file=path, key="extends", value=parent,
                              expected="a file name relative to this file")
        parent_path = resolve_config_path(parent, file=path, key="extends")
        if not parent_path.is_file():
            raise ConfigError(f"extended file not found{similar_file(parent_path)}", file=path,
                              key="extends", value=parent,
                              expected=f"an existing file ({parent_path})")
        merged, key_files = read_with_extends(parent_path, (*_chain, path))
    _record_files(data, str(path), key_files)
    return merge(merged, data), key_files


def parse_override(text: str) -> tuple[str, Any]:
    """``"a.b=1.5"`` → ``("a.b", 1.5)``; the value is read as a TOML value, else as a string."""
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key or not re.fullmatch(r"[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*", key):
        raise ConfigError("malformed override", file=SET_SOURCE, value=text,
                          expected="dotted.key=value, e.g. run.end_year=2030")
    raw = raw.strip()
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw
    return key, value


def overrides_to_tree(overrides: Mapping[str, Any] | Iterable[str] | None) -> dict[str, Any]:
    """Dotted overrides (a mapping or ``key=value`` strings) as a nested dict."""
    if not overrides:
        return {}
    pairs = overrides.items() if isinstance(overrides, Mapping) else map(parse_override, overrides)
    tree: dict[str, Any] = {}
    for key, value in pairs:
        node = tree
        parts = key.split(".")
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise ConfigError("override conflicts with another override", file=SET_SOURCE,
                                  key=key, value=value)
            node = child
        node[parts[-1]] = value
    return tree


# --------------------------------------------------------------------------------------------
# Sections present from the foundation
# --------------------------------------------------------------------------------------------


@section("run")
@dataclass(frozen=True)
class RunSection:
    """Time span of a run (annual steps)."""

    start_year: int = param(2023, min=2015, max=2023, status="official",
                            source="2023 Xinhui statistical bulletin (latest full year); earlier "
                                   "years for the hindcast (configs/hindcast.toml)",
                            doc="base year: the state is calibrated to that year's district "
                                "figures (missing ones scaled from the nearest year, derived)")
    end_year: int = param(2035, min=2016, max=2060, doc="last simulated year (plan horizon 2033+); after start_year")

    def validate(self, err: Callable[..., typing.NoReturn]) -> None:
        if self.end_year <= self.start_year:
            err("end_year", "end year not after the start year", value=self.end_year,
                expected=f"a year after run.start_year ({self.start_year})")


@section("network")
@dataclass(frozen=True)
class NetworkSection:
    """How travel times are derived where only coordinates are known."""

    detour_factor: float = param(1.3, min=1.0, max=3.0, status="assumed",
                                 source="typical road circuity 1.2–1.4 (Ballou et al. 2002)",
                                 doc="network distance / great-circle distance")
    speed_road_kmh: float = param(40.0, min=5.0, max=200.0, min_exclusive=True, unit="km/h")
    speed_national_road_kmh: float = param(55.0, min=5.0, max=200.0, unit="km/h")
    speed_expressway_kmh: float = param(85.0, min=5.0, max=200.0, unit="km/h")
    speed_rail_kmh: float = param(160.0, min=5.0, max=400.0, unit="km/h",
                                  doc="door-to-door average incl. access, not line speed")
    rail_access_min: float = param(15.0, min=0.0, max=120.0, unit="min",
                                   doc="fixed time added to each derived rail trip")

    def speed_kmh(self, mode: str) -> float:
        return getattr(self, f"speed_{mode}_kmh")


@section("access")
@dataclass(frozen=True)
class AccessSection:
    """Gravity market access (市场可达性)."""

    distance_decay: float = param(0.9, min=0.0, max=3.0, status="reported",
                                  source="Disdier & Head 2008, meta-analysis mean distance elasticity ≈ 0.9")
    self_time_min: float = param(10.0, min=1.0, max=60.0, unit="min",
                                 doc="travel time within a node (its own market)")


@section("region")
@dataclass(frozen=True)
class RegionSection:
    """Where the region's data files come from."""

    data_dir: str = param("", doc="folder of region CSV files (towns.csv, links.csv, …); empty = "
                          "the data shipped with simxh. Relative to the config file that sets it.")


# ---- model sections ----

# The model's sections (issue 3). Each default carries its provenance (status/source); the
# levers (attraction effort, integration, pairing, infrastructure, tech_renovation) are off in
# the baseline. docs/ODD.md lists them all.

MODEL_ZONES = ("guifeng", "tanjiang", "yinzhou_west", "yinzhou_east")
MODEL_TOWNS = ("huicheng", "daze", "siqian", "luokeng", "shuangshui", "yamen", "shadui", "gujing",
         "sanjiang", "muzhou", "daao")


@section("firms")
@dataclass(frozen=True)
class FirmsSection:
    """Industrial firm agents (工业企业): scale, size distribution and dynamics."""

    count: int = param(4000, min=50, max=200_000, status="assumed",
                       source="~1,100 规上 firms in Xinhui (2019 town counts scaled) plus the larger "
                              "small firms; the upper tail is 1:1",
                       doc="number of firm agents at the base year (scale with firms.count)")
    size_tail_exponent: float = param(1.0, min=0.5, max=2.5, status="reported",
                                      source="Axtell 2001, Zipf tail ≈ 1.06",
                                      doc="Pareto exponent of base-year firm output")
    min_output_yi: float = param(0.03, min=0.001, max=1.0, unit="亿元", status="assumed",
                                 doc="smallest modelled firm's output (300万元)",
                                 source="modelling choice: smallest firm agent (micro firms are in the residual)")
    capital_share: float = param(0.4, min=0.1, max=0.8, status="reported",
                                 source="Bai, Hsieh & Qian 2006; Chow & Li 2002")
    capital_output_ratio: float = param(2.0, min=0.5, max=6.0, status="assumed",
                                        source="K/VA of Chinese industry 2–3 (Bai et al. 2006)")
    depreciation: float = param(0.08, min=0.0, max=0.3, status="reported",
                                source="Zhang, Wu & Zhang 2004 use 0.096; 0.05–0.10 common")
    reinvestment_share: float = param(1.0, min=0.0, max=3.0, status="assumed",
                                      source="retained-earnings finance dominates for Chinese "
                                             "private firms (Allen, Qian & Qian 2005; Guariglia, "
                                             "Liu & Song 2011)",
                                      doc="financing limit: the most a firm invests in a year, as "
                                          "a share of its gross profit α·VA (retained earnings "
                                          "and the credit they secure)")
    returns_to_scale: float = param(0.85, min=0.5, max=1.0, status="reported",
                                    source="span of control / revenue curvature 0.85 "
                                           "(Restuccia & Rogerson 2008; Atkeson & Kehoe 2005)",
                                    doc="φ in VA = (A·K^α·L^(1−α))^φ: decreasing returns give "
                                        "each firm a finite optimal size")
    expectation_years: int = param(3, min=1, max=10, unit="years", status="assumed",
                                   source="firms extrapolate recent demand growth (adaptive "
                                          "expectations; Gennaioli, Ma & Shleifer 2016)",
                                   doc="years of outside growth averaged into the demand growth "
                                       "firms plan capacity for")
    investment_speed: float = param(0.3, min=0.0, max=1.0, status="reported",
                                    source="partial adjustment of capital toward its desired "
                                           "level: 0.2–0.4 a year in firm investment panels "
                                           "(Caballero & Engel 1999; Bond & Van Reenen 2007)",
                                    doc="share of the gap to desired capital closed in a year")
    tfp_frontier_share: float = estimated(
        "firms.tfp_frontier_share", 0.25, min=0.0, max=1.5,
        source="prior U(0, 1.2): value-added TFP of Chinese manufacturing grew 7.96 %/yr in "
               "1998–2007 at ≈ 10 % GDP growth, ≈ 0.8 of it (Brandt, Van Biesebroeck & Zhang "
               "2012, J. Development Economics 97(2)); TFP is ≈ a third of growth per worker in "
               "aggregate growth accounting (Zhu 2012, J. Econ. Perspectives 26(4))",
        doc="θ: the firms' log TFP grows by θ × the frontier's (Guangdong's real GDP) log growth "
            "each year, plus the catch-up term (economics.growth.frontier_tfp_growth)")
    catch_up_rate: float = estimated(
        "firms.catch_up_rate", 0.07, min=0.0, max=0.5, unit="1/year",
        source="prior U(0.02, 0.12): β-convergence of output of about 2 % a year across regions "
               "(Barro & Sala-i-Martin 1992, J. Political Economy 100(2)) at the low end; "
               "catch-up of industries' TFP on the frontier of several per cent a year "
               "(Griffith, Redding & Van Reenen 2004, Review of Economics and Statistics 86(4); "
               "Cameron, Proudman & Redding 2005, European Economic Review 49(3))",
        doc="λ: extra log TFP growth per unit of log gap between the frontier's output per "
            "worker and the district's (both relative to the base year); negative when the "
            "district runs ahead")
    demand_elasticity: float = estimated("firms.demand_elasticity", 0.5, min=0.0, max=1.5,
                                         source="prior: export and domestic demand elasticities "
                                                "of Chinese manufacturing output to partner GDP, "
                                                "0–1.5 (gravity literature; Head & Mayer 2014)",
                                         doc="elasticity of firms' revenue productivity to the "
                                             "outside markets' real GDP (gravity-weighted)")
    shock_scale: float = param(0.075, min=0.0, max=0.5, status="derived",
                               source="stationary log-TFP dispersion b·√2/√(ρ(2−ρ)) equal to the "
                                      "base-year dispersion implied by the Zipf size law (Axtell "
                                      "2001) at φ = 0.85, ρ = 0.2 (sd 0.176); firm VA growth "
                                      "rates then have a Laplace scale of 0.075 (measured), "
                                      "a little below the 0.1–0.2 Bottazzi & Secchi 2006 "
                                      "report for sales growth",
                               doc="Laplace scale of yearly log-TFP shocks")
    mean_reversion: float = param(0.2, min=0.0, max=1.0, status="reported",
                                  source="TFP AR(1) persistence ≈ 0.8 (Foster, Haltiwanger & Syverson 2008)",
                                  doc="pull of log TFP toward the cross-section mean per year")
    hiring_speed: float = param(0.5, min=0.0, max=1.0, status="assumed",
                                source="employment half-life ≈ 1 yr (Hamermesh 1993)")
    exit_base_rate: float = estimated(
        "firms.exit_base_rate", 0.06, min=0.0, max=0.5,
        source="prior U(0.02, 0.12): exit rates of 5–20% a year (Bartelsman, Scarpetta & "
               "Schivardi 2005); no district firm-dynamics series, identified only through "
               "growth",
        doc="yearly exit chance of a firm of median size and productivity")
    exit_size_elasticity: float = param(0.25, min=0.0, max=2.0, status="assumed",
                                        source="exit falls with size (Dunne et al. 1989)")
    exit_productivity_elasticity: float = param(1.0, min=0.0, max=5.0, status="assumed",
                                                source="selection on productivity (Melitz 2003)")
    young_exit_multiplier: float = param(2.0, min=1.0, max=5.0, status="reported",
                                         source="20–40% of entrants fail within 2 years "
                                                "(Bartelsman et al. 2005)")
    entry_rate: float = estimated(
        "firms.entry_rate", 0.08, min=0.0, max=0.5,
        source="prior U(0.02, 0.15): entry rates of 5–20% a year (Bartelsman et al. 2005); "
               "identified only through growth",
        doc="organic (non-project) entrants per firm per year")
    above_scale_threshold_yi: float = param(0.2, min=0.0, unit="亿元", status="official",
                                            source="NBS 规模以上 threshold: 2000万元 revenue (2011)")
    big_firm_threshold_yi: float = param(10.0, min=0.0, unit="亿元", status="official",
                                         source="plan target: firms with output > 10亿")
    hightech_initial: int = param(550, min=0, status="reported",
                                  source="'over 550' high-tech firms (2023 target statement)")
    hightech_min_output_yi: float = param(0.1, min=0.0, unit="亿元", status="assumed",
                                          doc="smallest firm output that can seek certification",
                                          source="modelling assumption (R&D capacity needs some scale)")
    hightech_max_rate: float = estimated(
        "firms.hightech_max_rate", 0.08, min=0.0, max=1.0,
        source="prior U(0.02, 0.2), assumed (no source for a certification chance); the "
               "district history has no high-tech count series, so the data barely move it",
        doc="peak annual certification chance of a productive firm")
    hightech_loss_rate: float = param(0.04, min=0.0, max=1.0, status="assumed",
                                      source="3-year certificates, most renewed (assumed)")
    little_giants_initial: int = param(6, min=0, status="assumed",
                                       doc="national specialised 'little giant' firms in 2023",
                                       source="modelling assumption (2023 stock not found)")
    little_giant_max_rate: float = param(0.01, min=0.0, max=1.0, status="assumed",
                                         source="modelling assumption")
    renovation_base_rate: float = param(0.025, min=0.0, max=1.0, status="assumed",
                                        doc="unaided technology-renovation chance of an above-scale firm",
                                        source="modelling assumption (about 40 unaided renovations a year vs the plan's 100)")
    renovation_gain: float = param(0.05, min=0.0, max=0.5, status="assumed",
                                   source="technical-upgrading productivity gains 3–8% (assumed)",
                                   doc="log TFP gain from a renovation, embodied in the "
                                       "renovated capital: it depreciates with it at "
                                       "firms.depreciation")
    loan_rate: float = param(
        0.0345, min=0.0, max=0.5, status="official",
        doc="interest on what a firm borrows for its own part of a renovation (the rest of its "
            "investment is financed from retained profits)",
        source="one-year loan prime rate (LPR) 3.45 % from August 2023, People's Bank of China "
               "(taken as real: China's GDP deflator was near zero or negative in 2023–2024)")
    renovation_cost_share: float = param(0.15, min=0.0, max=2.0, status="assumed",
                                         doc="renovation investment as a share of the firm's capital",
                                         source="modelling assumption")
    hightech_productivity_quantile: float = param(
        0.7, min=0.0, max=1.0, status="assumed",
        doc="high-tech certification bar: this quantile of log TFP among the base year's "
            "candidates; the bar then advances with the firms' technology (frontier growth and catch-up) (an absolute standard, so "
            "levers that raise TFP raise the count)",
        source="modelling assumption: certification is within reach of the most productive "
               "third of the firms large enough to seek it")
    little_giant_productivity_quantile: float = param(
        0.95, min=0.0, max=1.0, status="assumed",
        doc="little-giant certification bar: this quantile of log TFP among the base year's "
            "candidates, advancing with the firms' technology",
        source="modelling assumption: the designation goes to the top few per cent")
    favoured_certification_bonus: float = param(
        0.3, min=0.0, max=2.0, unit="log TFP", status="assumed",
        doc="firms of pillar and emerging sectors are certified as if their log TFP were this "
            "much higher (the plan's sector priorities)",
        source="modelling assumption")
    renovation_certification_bonus: float = param(
        0.3, min=0.0, max=2.0, unit="log TFP", status="assumed",
        doc="a firm that renovated within certification_window_years is certified as if its "
            "log TFP were this much higher: part of a renovation is R&D and new equipment, "
            "which counts toward the R&D-intensity criterion (range 0–0.6 in the policy "
            "comparison; no estimate found)",
        source="assumed, the same size as the sector-priority bonus; the criterion is official "
               "(高新技术企业认定管理办法, 国科发火〔2016〕32号, Art. 11: R&D spending of the "
               "last three years ≥ 3–5 % of sales)")
    certification_window_years: int = param(
        3, min=1, max=10, unit="years", status="official",
        doc="years a renovation counts toward certification",
        source="高新技术企业认定管理办法 (国科发火〔2016〕32号), Art. 11: R&D spending over the "
               "last three accounting years")
    little_giant_min_output_yi: float = param(
        1.0, min=0.0, unit="亿元", status="assumed",
        doc="smallest nominal output of a little-giant candidate",
        source="modelling assumption (the designation is for established specialised SMEs)")
    little_giant_max_output_yi: float = param(
        40.0, min=0.0, unit="亿元", status="assumed",
        doc="largest nominal output of a little-giant candidate",
        source="modelling assumption (the designation is for SMEs, not large groups)")
    little_giant_key_output_yi: float = param(
        10.0, min=0.0, unit="亿元", status="assumed",
        doc="reporting proxy: little giants with at least this nominal output count as national "
            "key little giants (重点小巨人; the designation is not by size)",
        source="modelling assumption (no size rule is published)")
    max_hiring_growth: float = param(
        0.5, min=0.0, max=5.0, unit="share a year", status="assumed",
        doc="most a firm's employment can grow in a year where local labour allows expansion "
            "in full (scaled by the town's expansion allowance)",
        source="modelling assumption (hiring takes time; bounds the jump after a shock)")
    entrant_size_quantile: float = param(
        0.2, min=0.0, max=0.9, status="assumed",
        doc="born firms start near this quantile of incumbents' value added (at most 0.9: "
            "entrants as large as the largest incumbents multiply GDP, 5× by 2035 at 1)",
        source="modelling assumption: entrants are small (Dunne, Roberts & Samuelson 1989 find "
               "entrants far below incumbents' average size)")
    entrant_size_spread: float = param(
        0.8, min=0.0, max=3.0, unit="log VA", status="assumed",
        doc="born firms' value added is the quantile times exp(|N(0,1)| × this)",
        source="modelling assumption")
    entrant_productivity_gap: float = param(
        0.1, min=0.0, max=1.0, unit="log TFP", status="assumed",
        doc="born firms' mean log TFP is this far below the spin-up's first-drawn median firm "
            "(calibration.spin_up; moved on by the technology's advance); the base-year "
            "incumbents, selected by exit, sit further above it",
        source="modelling assumption (entrants are less productive on average; Foster, "
               "Haltiwanger & Syverson 2008 find it for revenue productivity)")
    entrant_productivity_sd: float = param(
        0.3, min=0.0, max=2.0, unit="log TFP", status="assumed",
        doc="spread of born firms' log TFP around that mean",
        source="modelling assumption")


@section("production")
@dataclass(frozen=True)
class ProductionSection:
    """Agglomeration, market access and public capital in production."""

    agglomeration_elasticity: float = param(0.04, min=0.0, max=0.3, status="reported",
                                            source="Melo, Graham & Noland 2009")
    localisation_elasticity: float = param(0.02, min=0.0, max=0.3, status="reported",
                                           source="Combes et al. 2012 (0.02–0.05)")
    agglomeration_half_life_min: float = param(30.0, min=1.0, max=240.0, unit="min",
                                               status="assumed", source="Rosenthal & Strange 2003")
    access_elasticity: float = param(0.08, min=0.0, max=0.5, status="assumed",
                                     source="below Redding & Venables 2004 (0.1–0.3)")
    access_competition: float = param(
        1.0, min=0.0, max=1.0, status="reported",
        doc="exponent of the competition a market's suppliers within reach add when the network "
            "changes: a market's mass in firms' market access is divided by (suppliers within "
            "reach / the base network's)^this (0 = access only gains from a link)",
        source="firm market access divides each market by its supplier (consumer) market access, "
               "exponent 1 (Redding & Venables 2004; Donaldson & Hornbeck 2016); a link can cost "
               "the periphery (Faber 2014)")
    public_capital_elasticity: float = param(0.12, min=0.0, max=0.4, status="reported",
                                             source="Bom & Ligthart 2014 (J Econ Surveys 28(5)): 0.08 short run, 0.12 long run "
                                                    "and core infrastructure; the long-run value, since the "
                                                    "multiplier acts on the stock for its whole life")
    public_capital_depreciation: float = param(0.04, min=0.0, max=0.2, status="assumed",
                                               source="IMF 2015 public capital estimates 2.5–4.5%")
    public_capital_gdp_ratio: float = param(0.8, min=0.05, max=5.0, status="assumed",
                                            source="China's public infrastructure capital ≈ 0.6–1.0 × GDP "
                                                   "(IMF Investment and Capital Stock Dataset 2021)",
                                            doc="base-year public capital per 亿 of GDP")
    localisation_floor_share: float = param(
        0.05, min=0.0, max=1.0, status="assumed",
        doc="a node's base-year same-sector mass is at least this share of the mean over nodes "
            "and sectors (so a sector new to a node does not start from zero)",
        source="modelling assumption (numerical floor of the localisation multiplier)")


@section("labour")
@dataclass(frozen=True)
class LabourSection:
    """Labour force, commuting, wages and migration."""

    commute_half_life_min: float = param(25.0, min=1.0, max=120.0, unit="min", status="assumed",
                                         source="typical 20–30 min one-way commute in Chinese county-level cities")
    wage_elasticity: float = param(0.5, min=0.0, max=3.0, status="assumed",
                                   source="modelling assumption (local wage curve; Blanchflower & Oswald 1994 give 0.1 for unemployment)")
    shortage_tolerance: float = param(1.1, min=1.0, max=3.0, status="assumed",
                                      source="modelling assumption")
    natural_growth: float = param(0.002, min=-0.05, max=0.05, status="assumed",
                                  source="Guangdong natural growth ≈ 0.2–0.5% (2021–2023)")
    migration_speed: float = estimated(
        "labour.migration_speed", 0.1, min=0.0, max=1.0,
        source="prior: 0.05–0.2 per unit of log wage premium a year (Harris & Todaro 1970; "
               "Blanchard & Katz 1992)",
        doc="net migration per unit of log wage premium")
    migration_elasticity: float = param(
        1.5, min=0.1, max=20.0, status="reported",
        source="elasticity of a region's population to its real income, κ = 1.5 for China's "
               "provinces (Tombe & Zhu 2019, American Economic Review 109(5): 1843–72; Fréchet "
               "location tastes as in Redding & Rossi-Hansberg 2017)",
        doc="log population the district holds per unit of lasting log real wage premium "
            "(the migration rule's idiosyncratic tastes)")
    housing_share: float = param(
        0.227, min=0.0, max=1.0, status="official",
        source="居住 (housing) 22.7 % of per-capita consumption spending in 2023 (NBS, 2023 "
               "statistical communiqué on national economic and social development)",
        doc="share of housing in the cost of living (the migration rule's congestion cost)")
    house_price_elasticity: float = param(
        0.7, min=0.0, max=3.0, status="reported",
        source="house prices +0.70 % per 1 % more inter-regional migrants across Chinese cities "
               "(Wang, Hui & Sun 2017, Habitat International 66: 49–56); Chow & Niu 2015 (Pacific "
               "Economic Review 20(1)) imply ≈ 0.6 from supply 0.5 and demand −1.1",
        doc="log house prices per unit of log population above its natural-growth path")


@section("economy")
@dataclass(frozen=True)
class EconomySection:
    """Primary and tertiary sectors and the non-firm (residual) secondary sector."""

    citrus_share_of_primary: float = param(0.25, min=0.0, max=1.0, status="assumed",
                                           source="陈皮 industry output 230亿 (2024, reported) is "
                                                  "mostly processing and services")
    agriculture_tfp_growth: float = estimated(
        "economy.agriculture_tfp_growth", 0.02, min=-0.05, max=0.1,
        source="prior: China agricultural TFP growth ≈ 1–3%/yr (USDA ERS International "
               "Agricultural Productivity; Sheng, Tian & Qiao 2020)",
        doc="growth of farm productivity (output per unit of land at given labour)")
    agriculture_land_share: float = param(0.5, min=0.05, max=0.95, status="reported",
                                          source="land and capital ≈ half of farm income in "
                                                 "Chinese farm accounts (Sheng et al. 2020)",
                                          doc="1 − labour share of primary value added")
    agriculture_shock_sd: float = param(0.03, min=0.0, max=0.3, status="assumed",
                                        source="modelling assumption (weather and price shocks)")
    services_income_elasticity: float = estimated(
        "economy.services_income_elasticity", 1.0, min=0.3, max=2.0,
        source="prior: income elasticity of service demand ≈ 1 (0.6–1.6; Herrendorf, "
               "Rogerson & Valentinyi 2014; Comin, Lashkari & Mestieri 2021)",
        doc="services value added per unit of local income, elasticity")
    services_commuting_share: float = param(0.5, min=0.0, max=1.0, status="assumed",
                                            source="modelling assumption")
    residual_secondary_share: float = param(0.18, min=0.0, max=0.8, status="assumed",
                                            doc="share of secondary VA not in firm agents: "
                                                "construction (建筑业), which follows investment",
                                            source="construction ≈ 10–12% of secondary VA in Guangdong counties plus micro firms (assumed)")
    net_investment: bool = param(True, doc="false = the what-if of no net investment: firms "
                                           "and public capital only replace depreciation, no "
                                           "projects arrive and no firms are born")
    housing_investment_share: float = param(0.08, min=0.0, max=0.5, status="reported",
                                            source="residential investment ≈ 7–10% of GDP in "
                                                   "China 2015–2023 (Rogoff & Yang 2021)",
                                            doc="household (housing) investment per unit of "
                                                "local income, real")
    services_mobile_share: float = param(
        0.3, min=0.0, max=1.0, status="assumed",
        doc="share of residents' private services spending that they choose where to spend "
            "(retail, catering, leisure) among the towns by travel time (Huff)",
        source="wholesale/retail and hotels/catering ≈ 25–35 % of tertiary value added in "
               "Guangdong counties (order of magnitude, assumed)")
    services_distance_decay: float = param(
        2.0, min=0.0, max=4.0, status="reported",
        doc="exponent of travel time in the Huff probability of shopping in a town",
        source="Huff 1963/1964 (Land Economics): distance exponents of about 1–3 for "
               "shopping trips, 2 typical")
    deficit_construction_share: float = param(
        0.5, min=0.0, max=1.0, status="assumed",
        doc="share of the induced demand from last year's outside-financed spending (borrowing, "
            "special bonds, transfers) that goes to construction; the rest goes to services",
        source="modelling assumption")


@section("land")
@dataclass(frozen=True)
class LandSection:
    """Industrial land (亩) in parks and towns."""

    town_free_land_mu: float = param(400.0, min=0.0, unit="亩", status="assumed",
                                     doc="free industrial land outside parks, per town",
                                     source="modelling assumption (no data)")
    renewal_rate: float = param(
        0.01, min=0.0, max=0.2, status="assumed",
        doc="工改 renewal's yearly target as a share of the industrial land firms hold; it frees "
            "only under-used land (held beyond capital / intensity_yi_per_mu by firms at least "
            "renewal_min_age_years old) and only as far as the budget pays renewal_cost_yi_per_mu",
        source="工改 targets ≈ 1–2% of industrial land a year")
    renewal_cost_yi_per_mu: float = param(
        0.004, min=0.0, max=0.05, unit="亿元/亩", status="assumed",
        doc="what the district pays per 亩 that 工改 renewal frees (buying back the under-used "
            "part of a plot's use right, demolition, re-servicing); a committed budget item "
            "(spend_land_renewal); unpaid, the land is not freed",
        source="NOT FOUND for Xinhui; assumed equal to the price the district sells industrial "
               "land at (land.price_yi_per_mu, 40万/亩), range 0.002–0.02 (up to twice the "
               "凤山湖 park's 83万/亩 development cost, integration.land_servicing_yi_per_mu)")
    renewal_min_age_years: int = param(
        10, min=0, max=50, unit="years", status="assumed",
        doc="工改 renews only plots held this long (old factories, 旧厂房); younger firms, "
            "projects still installing their capital among them, keep their land",
        source="modelling assumption: 三旧改造 covers old built-up land (粤府〔2009〕78号 set a "
               "cut-off date of construction); range 5–20")
    intensity_yi_per_mu: float = param(
        0.04, min=0.001, max=1.0, unit="亿元/亩", status="assumed",
        doc="fixed investment per 亩 of industrial land: a project needs its realised "
            "investment (contracted × attraction.realisation_share) over this",
        source="PRD industrial land investment standards 200–500万/亩 (the middle, assumed); "
               "the 2021–2022 land sales are fitting targets (district.csv)")
    price_yi_per_mu: float = param(
        0.004, min=0.0, max=0.1, unit="亿元/亩", status="derived",
        source="Xinhui 2022 industrial land sales: 11.42亿 for 192.13 ha = 2,882亩, ≈ 40万/亩 "
               "(press, Feb 2023, http://gd.021cf.cn/index.php/post/4923.html)")
    construction_quota_mu: float = param(
        1500.0, min=0.0, unit="亩/year", status="assumed",
        doc="the district's yearly new construction-land quota (新增建设用地指标), split over the "
            "towns by area; the rural programmes' land comes first, the rest becomes free "
            "industrial land at the town's node; both convert unprotected farmland",
        source="NOT FOUND for Xinhui; assumed, range 500–3000亩 a year")
    farmland_protection_share: float = param(
        0.85, min=0.0, max=1.0, status="assumed",
        doc="share of the base year's farmland under protection (永久基本农田); farmland is "
            "never converted below it", source="NOT FOUND for Xinhui; assumed, range 0.7–0.95")
    idle_homestead_share: float = param(
        0.15, min=0.0, max=1.0, status="assumed",
        doc="share of collective construction land idle in the base year (空心村 homesteads); "
            "renewal makes it usable", source="assumed; range 0.05–0.3")


@section("fiscal")
@dataclass(frozen=True)
class FiscalSection:
    """Taxes, revenue sharing and the budget (财政)."""

    vat_rate: float = param(0.10, min=0.0, max=0.3, status="assumed",
                            source="effective VAT on value added (statutory 13%)")
    services_vat_rate: float = param(0.05, min=0.0, max=0.3, status="assumed",
                                     source="VAT on services 6% (营改增 2016), effective below",
                                     doc="effective VAT on services value added")
    vat_local_share: float = param(0.5, min=0.0, max=1.0, status="official",
                                   source="State Council 2016 No. 26")
    cit_rate: float = param(0.15, min=0.0, max=0.4, status="assumed",
                            source="statutory 25%, 15% high-tech")
    cit_local_share: float = param(0.4, min=0.0, max=1.0, status="official",
                                   source="income-tax sharing reform 2002 (60:40)")
    other_tax_rate: float = param(0.02, min=0.0, max=0.5, status="assumed",
                                  doc="other local taxes (individual income, urban maintenance, "
                                      "stamp …) per 亿 of GDP, before calibration",
                                  source="starting value; scaled by the calibrated collection factor")
    land_tax_rate: float = param(0.08, min=0.0, max=0.5, status="assumed",
                                 doc="land and property taxes (契税, 土地增值税, 城镇土地使用税, "
                                     "耕地占用税) per 亿 of construction value added",
                                 source="land-related taxes ≈ 15–20% of local general revenue "
                                        "in Guangdong counties (assumed); scaled by the "
                                        "collection factor")
    town_share: float = param(0.3, min=0.0, max=1.0, status="assumed",
                              doc="share of revenue collected in a town kept by the town",
                              source="modelling assumption (district–town sharing varies across Guangdong)")
    public_investment_share: float = param(0.25, min=0.0, max=1.0, status="assumed",
                                           doc="share of general spending that builds public capital",
                                           source="modelling assumption")
    village_spending_share: float = param(0.03, min=0.0, max=0.5, status="assumed",
                                          doc="share of district revenue spent on villages",
                                          source="modelling assumption")
    allow_debt: bool = param(False, doc="may the district borrow (special bonds and general "
                                        "debt for infrastructure; general debt for committed "
                                        "items it cannot otherwise pay)",
                             source="policy setting")
    debt_limit_yi: float = param(0.0, min=0.0, unit="亿元", status="assumed",
                                 source="policy setting")
    local_multiplier: float = param(1.8, min=0.0, max=5.0, status="reported",
                                    source="Chodorow-Reich 2019: cross-regional spending multiplier ≈ 1.8",
                                    doc="value added per 亿 of spending financed from outside the "
                                        "district's revenue (borrowing, special bonds, transfers), "
                                        "next year; the construction infrastructure works count "
                                        "directly is deducted")
    interest_rate: float = param(0.03, min=0.0, max=0.2, status="assumed",
                                 source="local government special bond yields ≈ 2.5–3.5%")
    multiplier_slack_gap: float = param(
        0.03, min=0.001, max=0.2, status="assumed",
        doc="shortfall of the district's employment rate (jobs / labour force) below the base "
            "year's at which outside-financed spending gets the full local_multiplier; with no "
            "shortfall (a fully employed labour market) the induced demand is zero, in between "
            "it is pro rata",
        source="state-dependent multipliers: ≈ 0 in expansions, 1.5–2 in recessions (Auerbach & "
               "Gorodnichenko 2012, AEJ: Policy 4(2)); Ramey 2019 (JEP 33(2)) review: multipliers "
               "above 1 only with slack; 3 points ≈ the rise of unemployment in a typical "
               "recession (assumed, range 1–10 points)")
    special_bond_maturity_years: float = param(
        15.0, min=1.0, max=40.0, unit="years", status="assumed",
        doc="special bonds (专项债) are repaid in equal yearly parts over this many years, out of "
            "the district budget (a committed item)",
        source="new special bonds run 7–30 years (Ministry of Finance issuance rules); 15 "
               "assumed as a typical term for infrastructure bonds")
    public_services_share: float = param(
        0.2, min=0.0, max=0.6, status="assumed",
        doc="share of the base year's tertiary value added that is public services paid by the "
            "district and town budgets' current (non-investment) spending; it follows that "
            "spending, so crowding general spending out costs services output",
        source="public administration, education, health and social work ≈ 15–25 % of "
               "tertiary value added in China's national accounts (order of magnitude, assumed)")


@section("villages")
@dataclass(frozen=True)
class VillagesSection:
    """Villages (行政村/社区): collective income by source, standards and the village budget."""

    collective_income_elasticity: float = param(1.0, min=0.0, max=3.0, status="assumed",
                                                doc="leasing income growth per town GDP growth",
                                                source="modelling assumption")
    income_share_leasing: float = param(
        0.6, min=0.0, max=1.0, status="assumed",
        doc="base-year share of a village's collective income from leasing land and buildings "
            "(the rest: enterprises, agriculture and 陈皮 shares, tourism; shares sum to 1)",
        source="assumed: leasing dominates PRD village collective income (奇榜村: fruit market "
               "and hardware mall; 南方日报 2024-04-09); range 0.4–0.8")
    income_share_enterprise: float = param(0.15, min=0.0, max=1.0, status="assumed",
                                           doc="base-year share from collective enterprises",
                                           source="assumed (13 强村公司, 55 富民工坊 reported in 2023, "
                                                  "no income figure); range 0.05–0.3")
    income_share_agriculture: float = param(
        0.2, min=0.0, max=1.0, status="assumed",
        doc="base-year share from agriculture and 陈皮 shares (scaled by the village's orchards "
            "relative to the mean)",
        source="assumed; range 0.1–0.3")
    income_share_tourism: float = param(0.05, min=0.0, max=1.0, status="assumed",
                                        doc="base-year share from tourism and homestays",
                                        source="assumed; range 0–0.15")
    beautiful_initial_share: float = param(0.6, min=0.0, max=1.0, status="assumed",
                                           source="modelling assumption (share at standard in "
                                                  "2023 not found)")
    initial_standard_below: float = param(
        0.5, min=0.0, max=1.0, status="assumed",
        doc="a village below the standard in the base year starts at this share of it",
        source="assumed")
    beautiful_threshold: float = param(
        1.0, min=0.0, max=10.0, unit="standard", status="assumed",
        doc="a village's standard (a stock built by spending) at which it meets the "
            "beautiful-village standard (美丽乡村)",
        source="scale convention: 1 = the standard")
    demo_threshold: float = param(
        2.0, min=0.0, max=10.0, unit="standard", status="assumed",
        doc="the standard of a demonstration village (示范村): twice the beautiful standard's "
            "spending", source="assumed from the costs (demo_cost_yi ≈ upgrade cost × 6)")
    upgrade_cost_yi: float = param(0.05, min=0.001, unit="亿元", status="assumed",
                                   doc="spending to raise one village's standard by one unit",
                                   source="modelling assumption (≈ 500万 a village)")
    demo_cost_yi: float = param(0.3, min=0.001, unit="亿元", status="assumed",
                                doc="spending to raise a village from the beautiful to the "
                                    "demonstration standard",
                                source="modelling assumption")
    wear_rate: float = param(
        0.08, min=0.0, max=1.0, unit="1/year", status="assumed",
        doc="share of a village's standard lost in a year whose upkeep is not paid",
        source="assumed: public facilities depreciate ≈ 5–10 % a year without maintenance")
    upkeep_share: float = param(
        0.04, min=0.0, max=1.0, unit="1/year", status="assumed",
        doc="yearly upkeep of a village's standard as a share of its build cost "
            "(upgrade_cost_yi × standard)",
        source="assumed: maintenance 2–5 % of capital cost a year")
    own_facility_share: float = param(
        0.1, min=0.0, max=0.5, unit="share of income", status="assumed",
        doc="share of a village's collective income (last year's) it spends on its own "
            "facilities: first the replacement of its enterprise and tourism capital's "
            "depreciation, then upgrades of its standard up to the beautiful standard (never "
            "beyond: demonstration is a programme); the rest is distributed or runs the village",
        source="assumed ≈ a third of the collective's retained income: Nanhai's 176 village "
               "collectives retain 31.5 % of income (2016) and 41.9 % under the 分六留四 rule "
               "(2024), which pays all public affairs (华中农业大学学报(社会科学版) 2024(6):"
               "159–173, doi 10.13300/j.cnki.hnwkxb.2024.06.014); range 0.05–0.3")
    district_upgrade_share: float = param(
        0.0, min=0.0, max=1.0, status="assumed",
        doc="share of the district's village budget left after the standards' upkeep that pays "
            "upgrades (toward the beautiful, then the demonstration standard); the rest runs "
            "the village organisations (1 = the budget's whole remainder builds standards)",
        source="the county budget guarantees village organisations' running costs (cadres' "
               "allowances, offices, services: 中组部·财政部 2016 关于加强村级组织运转经费保障"
               "工作的通知); building the standard is paid by special programmes (Guangdong: "
               "provincial 人居环境 funds ≈ 966亿 plus local matching, 2018–2022); 0 assumed, "
               "range 0–0.5")
    income_shock_sd: float = param(0.05, min=0.0, max=1.0, unit="log income", status="assumed",
                                   doc="yearly shock to a village's log collective income",
                                   source="modelling assumption")
    income_shock_correction: float = param(
        0.00125, min=0.0, max=0.5, unit="log income", status="derived",
        doc="subtracted from the log shock so that mean income is unchanged: σ²/2 for the "
            "default σ = 0.05 (change it with income_shock_sd)",
        source="lognormal mean correction of income_shock_sd")
    beautiful_income_factor: float = param(
        1.01, min=1.0, max=2.0, unit="× a year", status="assumed",
        doc="a village at the beautiful standard: its leasing income grows by this factor "
            "more a year", source="modelling assumption")
    tourism_income_per_standard: float = param(
        0.1, min=0.0, max=2.0, status="assumed",
        doc="tourism income grows by this share per unit of standard above the base year's",
        source="assumed (茶坑村: visits and villagers' income doubled after its renewal, "
               "南方+ 2025); range 0–0.3")
    income_over_threshold_wan: float = param(
        100.0, min=0.0, min_exclusive=True, unit="万元", status="reported",
        doc="the reported threshold of the base-year count (195 of 199 villages over 100万)",
        source="南方日报 2024-04-09 (docs/sources/data/villages.csv)")
    villages_over_threshold: int = param(
        195, min=0, max=10_000, unit="villages", status="reported",
        doc="villages over income_over_threshold_wan in the base year",
        source="南方日报 2024-04-09: 195 villages over 100万, 98 %")
    urban_rural_income_ratio: float = param(
        1.7, min=1.0, max=4.0, status="assumed",
        doc="urban over rural residents' per-capita disposable income in the base year",
        source="NOT FOUND for Xinhui; assumed from Jiangmen's order of magnitude (1.6–1.9, "
               "Guangdong statistical yearbook 2024 city tables); range 1.5–2.0")
    rural_income_wage_weight: float = param(
        0.6, min=0.0, max=1.0, status="assumed",
        doc="share of rural residents' income from wages (the rest: farm and 陈皮 income, "
            "collective dividends; they follow the district wage, farm value added per "
            "villager and collective income per villager)",
        source="assumed: wages ≈ 55–65 % of rural disposable income in Guangdong "
               "(provincial household survey structure)")
    rural_income_farm_weight: float = param(0.3, min=0.0, max=1.0, status="assumed",
                                            doc="share of rural income from farming and 陈皮",
                                            source="assumed; range 0.2–0.4")


@section("chenpi")
@dataclass(frozen=True)
class ChenpiSection:
    """The 新会陈皮 value chain: orchards, yields, prices, the ageing stock, processing, tourism."""

    protected_citrus_mu: float = param(
        150000.0, min=0.0, unit="亩", status="reported",
        doc="orchard area the plan protects (a floor: the orchards do not shrink below the "
            "smaller of it and the base year's area)",
        source="Jiangmen Daily article on the 百千万工程 plan: 新会柑 1万公顷 (15万亩)")
    yield_t_per_mu: float = param(1.05, min=0.0, min_exclusive=True, max=10.0, unit="t/亩",
                                  status="derived",
                                  source="15.03万吨 fresh fruit on 14.3万亩 (2023, docs/sources/"
                                         "data/villages.csv)")
    peel_share: float = param(0.05, min=0.0, min_exclusive=True, max=1.0, status="derived",
                              doc="dried peel per tonne of fresh fruit",
                              source="7500 t peel from 15.03万 t fruit (2023)")
    price_persistence: float = param(0.6, min=0.0, max=0.99, status="assumed",
                                     doc="AR(1) coefficient of the log fruit-and-peel price",
                                     source="assumed; range 0.4–0.8")
    price_shock_sd: float = param(
        0.15, min=0.0, max=1.0, unit="log price", status="assumed",
        doc="yearly shock to the log price",
        source="assumed from the boom and bust: 18元/斤 (2013) → 4.5 (2015), 8–12 (≈2021) "
               "(docs/sources/data/villages.csv); range 0.1–0.3")
    price_flexibility: float = param(
        1.0, min=0.0, max=5.0, status="assumed",
        doc="log price falls by this per unit of log supply over the base year's",
        source="assumed (the 2010–2015 tenfold planting drove the price down ≈ 75 %)")
    demand_income_elasticity: float = param(
        1.0, min=0.0, max=3.0, status="assumed",
        doc="demand for 陈皮 at a constant price grows by this × the log growth of China's real "
            "GDP (the buyers' income): the price falls only when supply outgrows it",
        source="assumed: income elasticity of demand for food specialities and traditional "
               "health products ≈ 1 (range 0.5–1.5); the chain's output grew 190 → 230 → 261亿 "
               "in 2022–2024 (nominal, mostly price and processing; docs/sources/data/"
               "villages.csv)")
    planting_response: float = param(
        0.15, min=0.0, max=2.0, unit="1/year", status="assumed",
        doc="orchard area grows by this times last year's log price a year (new orchards on "
            "unprotected farmland; none below the protected floor)",
        source="assumed; area 3.7万亩 (2014) → 13.9万 (2022) after the 2013 price peak")
    ageing_appreciation: float = param(
        0.2, min=0.0, max=1.0, unit="1/year", status="reported",
        doc="value gained per year of age of stored 陈皮",
        source="commercial Q&A rule of thumb, +20 %/yr (LOW reliability; docs/sources/data/"
               "villages.csv); 30→500元/斤 over 2007–2014 implies more")
    max_age_years: int = param(15, min=1, max=60, unit="years", status="assumed",
                               doc="vintages kept in the ageing stock (older peel is sold)",
                               source="assumed (陈皮 is traded to 15+ years)")
    sell_share: float = param(0.25, min=0.0, max=1.0, unit="1/year", status="assumed",
                              doc="share of each vintage's stock sold a year",
                              source="assumed (mean holding ≈ 4 years); range 0.15–0.4")
    brand_premium: float = param(
        1.0, min=0.0, max=10.0, status="assumed",
        doc="the geographical-indication (新会陈皮) premium over generic peel, as a share of "
            "the generic value: sales and the stock are valued at (1 + premium)",
        source="assumed (core-area peel sells at multiples of non-core peel); range 0.5–2")
    brand_premium_growth: float = param(
        0.0, min=-0.2, max=0.2, unit="1/year", status="assumed",
        doc="yearly growth of the brand premium (brand building, origin protection; negative: "
            "erosion by imitation); real: the peel sold is worth (1 + premium) of generic peel",
        source="assumed: none by default; range −0.05–0.05")
    processing_share_of_chain: float = param(
        0.45, min=0.0, max=1.0, status="assumed",
        doc="share of the chain's reported output (230亿, 2023) that is processing (tea, food, "
            "medicine): secondary sector",
        source="assumed; range 0.3–0.6")
    processing_va_ratio: float = param(0.25, min=0.0, max=1.0, status="assumed",
                                       doc="value added per 亿 of processing output",
                                       source="assumed: food manufacturing 20–30 %")
    services_share_of_chain: float = param(
        0.3, min=0.0, max=1.0, status="assumed",
        doc="share of the chain's output that is trade, tourism and finance: tertiary sector",
        source="assumed; range 0.2–0.4")
    services_va_ratio: float = param(0.4, min=0.0, max=1.0, status="assumed",
                                     doc="value added per 亿 of the chain's services output",
                                     source="assumed: trade and tourism 35–50 %")
    tourism_income_elasticity: float = param(
        1.0, min=0.0, max=3.0, status="reported",
        doc="陈皮 tourism and trade demand grows by this × the log growth of China's real GDP",
        source="income elasticity of domestic tourism demand ≈ 1 (the meta-analysis of Peng, "
               "Song, Crouch & Witt 2015, J. Travel Research 54(5), finds higher values for "
               "international travel); range 0.5–2")


@section("macro")
@dataclass(frozen=True)
class MacroSection:
    """The world outside (外部环境): macro.csv's path and its common shocks."""

    shocks: bool = param(True, doc="common macro shocks after the last observed year "
                                   "(AR(1) estimated on macro.csv; shared across scenarios)")
    shock_multiplier: float = param(1.0, min=0.0, max=5.0, status="derived",
                                    source="1 = the volatility estimated from 2015–2025",
                                    doc="scales the estimated shock volatility")
    external_growth_pct: float | None = param(None, min=-20.0, max=30.0, unit="%",
                                              doc="what-if: the outside world's real growth in "
                                                  "every year after the base year (unset = data)")
    inflation_pct: float | None = param(None, min=-20.0, max=30.0, unit="%",
                                        doc="what-if: GDP deflator and PPI change in every year "
                                            "after the base year (unset = data)")


@section("estimation")
@dataclass(frozen=True)
class EstimationSection:
    """Estimated parameters (posterior of simxh calibrate) and their uncertainty."""

    parameter_uncertainty: bool = param(
        True, doc="replication r draws one parameter set from the posterior (the same draw in "
                  "every scenario); false = the posterior mean")
    posterior: str = param("", doc="posterior file (CSV); empty = the one shipped with simxh. "
                                   "Relative to the config file that sets it.")
    posterior_sampling: str = param(
        "stratified", choices=("stratified", "random"),
        doc="stratified: replication r takes the posterior draw at cumulative weight "
            "radical_inverse(r+1) (van der Corput), so any 2^k−1 replications spread evenly "
            "over the posterior; random: each run draws from the weights with its posterior "
            "stream")


# ---- model levers (all off in the baseline) ----


MAX_POOL_RIVAL_RATIO = 1000.0
"""The rivals' signed investment may be at most this many times Xinhui's (15 in 2022): the
model draws the rivals' projects too, so the cost of a run grows with the ratio (1.5 s at
8,700, 9 s at 87,000 measured)."""


@section("attraction")
@dataclass(frozen=True)
class AttractionSection:
    """Investment attraction: project arrivals, sizes, location choice; effort lever."""

    projects_per_year: float = estimated(
        "attraction.projects_per_year", 30.0, min=0.0, max=1_000.0,
        source="prior U(5, 80) projects of 1亿+ a year; fitted also to the contracted "
               "investment of mobile projects in 2022 (≈306亿, derived from the district's 68 "
               "projects and 561亿; district.csv)",
        doc="expected projects a year at base-year attractiveness and outside demand")
    min_project_yi: float = param(1.0, min=0.01, unit="亿元", status="assumed",
                                  source="modelling assumption (projects counted from 1亿)")
    project_tail_exponent: float = param(1.1, min=0.3, max=3.0, status="assumed",
                                         source="heavy-tailed like firm sizes (Axtell 2001)")
    max_project_yi: float = param(200.0, min=1.0, unit="亿元", status="reported",
                                  source="凤山湖 200亿 battery project")
    realisation_share: float = estimated(
        "attraction.realisation_share", 0.2, min=0.0, max=1.0,
        source="prior U(0.1, 0.5), assumed (no source for Jiangmen's 履约 rate); it trades off "
               "against projects_per_year, whose product with it the data identify",
        doc="share of contracted investment that becomes capital")
    ramp_years: int = param(3, min=1, max=10, unit="years", status="assumed",
                            source="time to build: plant capacity is installed over several "
                                   "years (Kydland & Prescott 1982; Koeva 2000: about 2 years "
                                   "on average, longer for large projects)",
                            doc="a started project's capital is installed in this many equal "
                                "yearly tranches")
    approval_delay_years: int = param(2, min=0, max=10, status="assumed",
                                      doc="years from signing to production start (no integration)",
                                      source="modelling assumption (signing to production)")
    attractiveness_elasticity: float = param(1.0, min=0.0, max=3.0, status="reported",
                                             source="Schmidheiny & Brülhart 2011")
    beta_access: float = param(1.0, min=0.0, max=10.0, status="assumed",
                               source="conditional logit of plant location (Head & Ries 1996; Guimarães et al. 2003), assumed")
    beta_agglomeration: float = param(0.5, min=0.0, max=10.0, status="assumed",
                                      source="conditional logit of plant location (Head, Ries & Swenson 1995), assumed")
    beta_land: float = param(0.3, min=0.0, max=10.0, status="assumed",
                             source="modelling assumption")
    beta_service: float = param(1.0, min=0.0, max=10.0, status="assumed",
                                source="modelling assumption (public services and infrastructure attract plants; "
                                       "Head, Ries & Swenson 1999 find infrastructure significant)",
                                doc="logit weight of log service quality (public capital per resident)")
    beta_lead: float = param(1.0, min=0.0, max=10.0, status="assumed",
                             source="modelling assumption")
    competition_subsidy_share: float = param(
        0.03, min=0.0, max=0.5, status="assumed",
        doc="rent a town pays (land discount, tax rebate) for a project when two or more towns "
            "of its zone had the land; integration ends it (range 1–5 % in the policy "
            "comparison). A transfer: the project's firm receives what its town paid, as "
            "internal funds in its first year",
        source="size assumed; local governments sell industrial land below cost to win "
               "investment (Tao, Su, Liu & Cao 2010); tax-rebate competition (Han & Kung 2015)")
    effort: float = param(0.0, min=0.0, max=10.0, doc="LEVER: extra attraction effort (0 = 2023)",
                          source="policy setting (lever)")
    effort_elasticity: float = param(0.3, min=0.0, max=2.0, status="assumed",
                                     source="modelling assumption")
    effort_cost_yi: float = param(1.0, min=0.0, unit="亿元/yr per unit effort", status="assumed",
                                  doc="yearly cost of one unit of effort (staff, promotion)",
                                  source="modelling assumption")
    pipeline_years: int = param(2, min=1, max=10, unit="years", status="assumed",
                                doc="years of signed projects already in the pipeline at the base "
                                    "year (steady state)",
                                source="modelling assumption (equal to approval_delay_years)")
    pending_projects_per_cohort: int = param(
        5, min=1, max=1000, status="assumed",
        doc="incumbents still installing a project's capital per start year before the base "
            "year (a handful of projects start in a year)",
        source="modelling assumption")
    project_capital_intensity: float = param(
        1.5, min=0.1, max=10.0, unit="× incumbents' K/L", status="assumed",
        doc="new projects' capital per worker relative to the incumbents'",
        source="modelling assumption (newer plants are more automated)")
    project_productivity_sd: float = param(
        0.2, min=0.0, max=2.0, unit="log TFP", status="assumed",
        doc="spread of a started project's log TFP around the level at which its planned "
            "capital is its optimal capital",
        source="modelling assumption")
    town_speciality_match: float = param(
        0.5, min=0.0, min_exclusive=True, max=1.0, status="assumed",
        doc="lead-sector match of a town's speciality sectors (a park's lead sectors are 1); "
            "above 0: small firms are born in a town's sectors in proportion to it",
        source="modelling assumption")
    favoured_sector_weight: float = param(
        2.0, min=1.0, max=10.0, status="assumed",
        doc="relative chance that an arriving project is in a pillar or emerging sector "
            "(per incumbent firm of the sector)",
        source="modelling assumption (the plan's sector priorities in 招商)")
    # ---- the contested pool: mobile projects of the Greater Bay Area's west bank -------------
    pool_xinhui_yi: float = param(
        561.32, min=0.0, min_exclusive=True, unit="亿元/yr", status="reported",
        doc="Xinhui's signed investment of projects ≥1亿 in the pool's base year (its share of "
            "the pool at base conditions; the count is attraction.projects_per_year)",
        source="2022: 68 projects ≥1亿, 561.32亿 planned (press, Feb 2023; "
               "docs/sources/data/project_pool.csv)")
    pool_jiangmen_rest_yi: float = param(
        805.68, min=0.0, unit="亿元/yr", status="derived",
        doc="rival: the rest of Jiangmen (蓬江, 江海, 开平, 鹤山, 恩平; node jiangmen_core)",
        source="Jiangmen 2022 'over 1800亿' introduced (羊城晚报 2023-02-28) − Xinhui 561.32 − "
               "Taishan 433 (project_pool.csv)")
    pool_taishan_yi: float = param(
        433.0, min=0.0, unit="亿元/yr", status="reported",
        doc="rival: Taishan (node taishan; the 新台 partner)",
        source="32 major projects signed/started, 'over 433亿' (江门日报 repost, year 2023 "
               "inferred; project_pool.csv)")
    pool_zhongshan_yi: float = param(
        1236.19, min=0.0, unit="亿元/yr", status="derived",
        doc="rival: Zhongshan (node zhongshan)",
        source="1030.16亿 signed Jan–Oct 2023 × 12/10 (广州日报 2023-11-03; project_pool.csv)")
    pool_foshan_yi: float = param(
        3465.98, min=0.0, unit="亿元/yr", status="reported",
        doc="rival: Foshan (node foshan)",
        source="2022 signed investment of projects ≥1亿 (佛山日报 2023-02-24; project_pool.csv)")
    pool_zhuhai_yi: float = param(
        2728.09, min=0.0, unit="亿元/yr", status="reported",
        doc="rival: Zhuhai (node zhuhai)",
        source="2022 signed projects ≥1亿, 2728.09亿 (secondary summary of 珠海特区报, low "
               "reliability; project_pool.csv)")
    nest_dissimilarity: float = param(
        0.5, min=0.01, max=1.0, status="assumed",
        doc="nested logit: weight of the within-district log-sum (inclusive value) in Xinhui's "
            "utility in the pool (1 = a plain multinomial logit)",
        source="assumed; must lie in (0, 1] for consistency with utility maximisation "
               "(McFadden 1978; Train 2009, ch. 4)")
    shenzhen_origin_share: float = param(
        0.302, min=0.0, max=1.0, status="derived",
        doc="share of the pool's projects from the Pearl River east bank (Shenzhen side)",
        source="13 of 43 projects at Xinhui's 2024 signing event came from the east bank "
               "(江门日报; project_pool.csv)")
    shenjiang_utility: float = param(
        0.5, min=0.0, max=3.0, status="assumed",
        doc="深江 tie: logit utility of the tie towns' locations (大泽, 司前, 三江) for "
            "east-bank projects (the 深江 park's referrals and promotion); 0 = no mechanism",
        source="assumed (no estimate found): odds ×1.65 for the tie towns")
    xintai_referral_share: float = param(
        0.02, min=0.0, max=1.0, status="assumed",
        doc="新台 tie: share of the projects Taishan wins that are placed in a shared park of "
            "the tie towns (会城, 崖门)",
        source="assumed (新台合作 园区共建 is reported, its size is not)")

    def validate(self, err: Callable[..., typing.NoReturn]) -> None:
        rivals = (self.pool_jiangmen_rest_yi + self.pool_taishan_yi + self.pool_zhongshan_yi
                  + self.pool_foshan_yi + self.pool_zhuhai_yi)
        if rivals > MAX_POOL_RIVAL_RATIO * self.pool_xinhui_yi:
            # the rivals' draws grow with their weight against Xinhui: at 0.01亿 one run took
            # over 4 GB and 60 s, at 1e-9 it tried to allocate 13.9 PiB
            err("pool_xinhui_yi", f"Xinhui's part of the pool is below 1/"
                f"{MAX_POOL_RIVAL_RATIO:g} of its rivals' ({rivals:g}亿)",
                value=self.pool_xinhui_yi,
                expected=f"at least {rivals / MAX_POOL_RIVAL_RATIO:.4g}亿 (the rivals' sum / "
                         f"{MAX_POOL_RIVAL_RATIO:g}; 561.32 in 2022)")


@section("integration")
@dataclass(frozen=True)
class IntegrationSection:
    """LEVER town–park integration: zone-level pipelines, pooled land, revenue sharing, fast approval."""

    enabled: bool = param(False,
                          source="policy setting (lever)")
    zones: tuple[str, ...] = param((), choices=MODEL_ZONES, doc="zones that integrate (empty = all)",
                                   source="policy setting (lever)")
    start_year: int = param(2024, min=2023, max=2060,
                            source="policy setting (lever)")
    pipeline_gain: float = param(0.15, min=0.0, max=2.0, status="assumed",
                                 doc="the zone platform's promotion (全员产业链招商): an integrated "
                                     "zone's locations gain the logit utility log(1 + gain × "
                                     "share of its cost paid), within the district and, through "
                                     "the log-sum, in the pool (bounded by the pool and by land)",
                                 source="policy setting (lever); range: Wang 2013, Alder et al. "
                                        "2016 (experiments/policy_comparison.toml)")
    land_pooling: bool = param(True, doc="pool free land across the zone's parks and towns",
                               source="policy setting (lever)")
    renewal_bonus: float = param(0.5, min=0.0, max=5.0, status="assumed",
                                 doc="relative rise in 工改 renewal rate under pooled renewal",
                                 source="policy setting (lever)")
    sharing_rule: str = param("host", choices=("host", "equal", "population"),
                              doc="how park revenue is shared among the zone's towns",
                              source="policy setting (lever)")
    approval_delay_years: int = param(
        1, min=0, max=10, status="assumed",
        doc="years from signing to production start in an integrated zone (attraction's is 2); "
            "range 1–2 years (assumed, wide): the saving is in approvals only",
        source="assumed; the national approval-reform target is at most 120 working days "
               "(about half a year) for a whole project's approvals (国办发〔2019〕11号), so a "
               "1-year saving is the generous end of the range and 0 years (delay 2) the other")
    running_cost_yi: float = param(0.05, min=0.0, unit="亿元/yr per zone", status="assumed",
                                   doc="cost of the zone platform company",
                                   source="policy setting (lever)")
    land_servicing_yi_per_mu: float = param(
        0.0083, min=0.0, max=0.1, unit="亿元/亩", status="derived",
        doc="compensation and servicing (征地, 平整, 三通一平) the zone platform pays per 亩 of "
            "pooled land: what a project needs beyond its chosen location's own free land, "
            "assembled from the zone's other towns and parks",
        source="Xinhui spent 'over 25亿' developing the 3,000-亩 凤山湖 park (江门日报 repost; "
               "project_pool.csv): 25/3000 ≈ 0.0083亿 (83万元) per 亩")

    def validate(self, err: Callable[..., typing.NoReturn]) -> None:
        if len(set(self.zones)) != len(self.zones):
            err("zones", "zone listed twice", value=list(self.zones), expected="each zone once")


@section("pairing")
@dataclass(frozen=True)
class PairingSection:
    """LEVER pairing assistance: pairs of towns, transfers of money/capacity and project referral."""

    enabled: bool = param(False,
                          source="policy setting (lever)")
    pairs: tuple[str, ...] = param((), doc="'donor:recipient' town pairs (empty = rule)",
                                   source="policy setting (lever)")
    rule_pairs: int = param(3, min=0, max=5, doc="pairs formed strong→weak by fiscal capacity",
                            source="policy setting (lever)")
    start_year: int = param(2024, min=2023, max=2060,
                            source="policy setting (lever)")
    transfer_yi: float = param(0.5, min=0.0, unit="亿元/yr per pair", status="assumed",
                               source="policy setting (lever)")
    payer: str = param("donor", choices=("donor", "district"),
                       source="policy setting (lever)")
    kinds: tuple[str, ...] = param(("money", "capacity", "referral"),
                                   choices=("money", "capacity", "referral"),
                                   source="policy setting (lever)")
    capacity_utility: float = param(0.3, min=0.0, max=5.0, status="assumed",
                                    doc="logit utility gain of a recipient's locations (capacity)",
                                    source="policy setting (lever)")
    referral_tax_share_donor: float = param(0.5, min=0.0, max=1.0, status="assumed",
                                            doc="share of a referred or enclave project's tax, "
                                                "and of its output in the towns' GDP statistics, "
                                                "kept by the donor (one 飞地 agreement)",
                                            source="policy setting (lever)")
    enclave_share: float = param(
        0.2, min=0.0, max=1.0, status="assumed",
        doc="share of the projects a donor town wins that it places in its partner's locations "
            "(飞地 enclave; tax shared by referral_tax_share_donor), times the share of the "
            "pair's transfer paid the year before",
        source="policy setting (lever); assumed")

    def validate(self, err: Callable[..., typing.NoReturn]) -> None:
        for i, pair in enumerate(self.pairs):
            parts = pair.split(":")
            if len(parts) != 2 or any(p not in MODEL_TOWNS for p in parts) or parts[0] == parts[1]:
                err(f"pairs[{i}]", "malformed pair", value=pair,
                    expected="'donor:recipient' with two different town ids ("
                    + ", ".join(MODEL_TOWNS) + ")")


@section("infrastructure")
@dataclass(frozen=True)
class InfrastructureSection:
    """LEVER infrastructure portfolio (projects.csv): network edges, cost, timing, budget."""

    enabled: bool = param(False,
                          source="policy setting (lever)")
    project_ids: tuple[str, ...] = param((), doc="projects to build (empty = all in projects.csv)",
                                         source="policy setting (lever)")
    budget_yi_per_year: float = param(30.0, min=0.0, unit="亿元", status="assumed",
                                      source="policy setting (lever)")
    delay_years: int = param(0, min=0, max=20, doc="shift all start years",
                             source="policy setting (lever)")
    public_capital_share: float = param(1.0, min=0.0, max=1.0,
                                        doc="share of spending added to endpoint towns' public capital",
                                        source="policy setting (lever)")
    default_time_factor: float = param(
        0.8, min=0.05, max=1.0, status="assumed",
        doc="travel-time factor of an upgrade whose project row gives neither a time after nor "
            "a factor",
        source="modelling assumption (a typical road upgrade saves about a fifth of the time)")
    special_bond_share: float = param(
        0.37, min=0.0, max=1.0, status="derived",
        doc="share of a project's yearly cost financed by special bonds (专项债: debt of the "
            "district, within fiscal.debt_limit_yi and only if fiscal.allow_debt)",
        source="古井 park-infrastructure special-bond project: 5.70亿 of bonds in 15.43亿 "
               "(docs/sources/data/finance.csv, gujing_park_infra_special_bond_request_yi)")
    transfer_share: float = param(
        0.0, min=0.0, max=1.0, status="assumed",
        doc="share of a project's yearly cost paid by upper-level transfers (provincial/central "
            "grants, receipts of the district)",
        source="no figure for Xinhui's infrastructure transfers found; projects.csv's rail "
               "costs are already the district's share, so 0 (Jiangmen's spending is 1.68× its "
               "revenue, but that gap is not project-specific)")
    maintenance_share: float = param(
        0.02, min=0.0, max=0.1, unit="/ year", status="assumed",
        doc="yearly maintenance of a finished project, as a share of its cost (a committed "
            "budget item from the year after completion)",
        source="road maintenance needs ≈ 1–3 % of asset value a year (PIARC 2014, The "
               "importance of road maintenance; World Bank road-asset guidance); midpoint")
    network_output_effects: bool = param(
        False,
        doc="false: the output effect of the lever's links is the public-capital channel alone "
            "(production.public_capital_elasticity, a total effect of public capital including "
            "transport); the production-side network fields (market access, agglomeration, "
            "commuting pools, Xinhui's share of the project pool, location choice) stay on the "
            "base-year network and only shopping (Huff) and the travel-time reporters see the "
            "new links. true: the links also act through those fields (counts the transport "
            "effect twice; for sensitivity analysis only)",
        source="Bom & Ligthart 2014 (J. Econ. Surveys 28(5)): the output elasticity of public "
               "capital is a total effect, core (transport) infrastructure included; modelling "
               "assumption")
    unmaintained_decay: float = param(
        0.1, min=0.0, max=1.0, unit="/ year", status="assumed",
        doc="a finished link loses this share of its travel-time gain per year of fully unpaid "
            "maintenance (pro rata to the unpaid share); paid maintenance keeps its condition",
        source="an unmaintained paved road deteriorates to poor condition in roughly a decade "
               "(PIARC 2014; assumed)")

    def validate(self, err: Callable[..., typing.NoReturn]) -> None:
        if self.special_bond_share + self.transfer_share > 1.0:
            err("special_bond_share", "special bonds and transfers pay more than the cost",
                value=self.special_bond_share + self.transfer_share,
                expected="special_bond_share + transfer_share <= 1")


@section("tech_renovation")
@dataclass(frozen=True)
class TechRenovationSection:
    """LEVER technology-renovation support: firms a year and the subsidy."""

    enabled: bool = param(False,
                          source="policy setting (lever)")
    firms_per_year: int = param(100, min=0, max=100_000, status="official",
                                source="plan: 100 firms a year")
    subsidy_share: float = param(0.2, min=0.0, max=1.0, status="assumed",
                                 doc="share of renovation investment the district pays",
                                 source="policy setting (lever)")
    budget_ceiling_share: float = param(
        0.5, min=0.0, max=1.0, status="assumed",
        doc="the programme's subsidies are rationed to this share of last year's general "
            "spending",
        source="modelling assumption (keeps the budget constraint whatever firms_per_year is)")
    min_years_between: int = param(
        2, min=0, max=20, unit="years", status="assumed",
        doc="a firm renovated in the last this-many years is not selected again",
        source="modelling assumption")
    hurdle_rate: float = param(
        0.12, min=0.0, max=1.0, status="reported",
        doc="the rate at which a firm discounts a renovation's extra profit",
        source="real hurdle rates average about 12 % (Poterba & Summers 1995, survey of firms)")
    horizon_years: float = param(
        10.0, min=0.0, max=50.0, unit="years", status="official",
        doc="years of extra profit a firm counts on from a renovation",
        source="minimum depreciation life of production machinery, 10 years (企业所得税法实施"
               "条例, Art. 60)")
    credit_multiple: float = param(
        3.0, min=0.0, max=50.0, status="assumed",
        doc="a firm can finance its own part of a renovation up to this many years of profit",
        source="assumed; credit constraints bind for Chinese private firms (Song, Storesletten "
               "& Zilibotti 2011)")
    decision_dispersion: float = param(
        0.5, min=0.01, max=10.0, status="assumed",
        doc="logistic scale of the renovation decision in the net return ratio (value / own "
            "cost − 1): unobserved costs and benefits",
        source="assumed; discrete-choice form of lumpy investment (Cooper & Haltiwanger 2006)")



# --------------------------------------------------------------------------------------------
# The root Config
# --------------------------------------------------------------------------------------------


@section("rural")
@dataclass(frozen=True)
class RuralSection:
    """LEVERS the rural programmes (乡村振兴): each a yearly district budget item (亿元, 0 = off).

    The money paid (the budget rations what it cannot carry) buys the programme's effect in
    the same year; the standards it builds are stocks that wear without upkeep (villages)."""

    beautiful_budget_yi: float = param(
        0.0, min=0.0, max=50.0, unit="亿元/year", status="assumed",
        doc="beautiful-village upgrades (美丽乡村) beyond the village budget: raises the lowest "
            "villages' standard at villages.upgrade_cost_yi per unit",
        source="policy setting (lever)")
    demo_budget_yi: float = param(
        0.0, min=0.0, max=50.0, unit="亿元/year", status="assumed",
        doc="demonstration villages (示范村, 特色示范村): raises the selected villages toward "
            "villages.demo_threshold", source="policy setting (lever)")
    demo_candidates: int = param(
        22, min=0, max=236, unit="villages", status="reported",
        doc="villages selected for the demonstration programme (the highest collective income "
            "among those at the beautiful standard)",
        source="plan: 22 characteristic demonstration villages in 2023–2027 (seed article)")
    hollow_budget_yi: float = param(
        0.0, min=0.0, max=50.0, unit="亿元/year", status="assumed",
        doc="空心村 renewal: idle homesteads made usable collective construction land",
        source="policy setting (lever)")
    hollow_cost_yi_per_mu: float = param(
        0.003, min=0.0001, max=0.1, unit="亿元/亩", status="assumed",
        doc="cost of renewing one 亩 of idle homestead land (demolition, compensation, "
            "servicing)", source="assumed ≈ 30万/亩; range 15–60万")
    hollow_standard_gain_per_mu: float = param(
        0.002, min=0.0, max=1.0, unit="standard/亩", status="assumed",
        doc="a renewed 亩 raises its village's standard by this",
        source="assumed (a tidy village: 50 亩 renewed ≈ +0.1)")
    enterprise_budget_yi: float = param(
        0.0, min=0.0, max=50.0, unit="亿元/year", status="assumed",
        doc="support for village collective enterprises (强村公司, 富民工坊): capital put into "
            "the villages with usable collective land", source="policy setting (lever)")
    enterprise_return: float = param(
        0.08, min=0.0, max=1.0, unit="1/year", status="assumed",
        doc="collective operating income per 亿 of enterprise capital a year",
        source="assumed: rental-type returns on collective property 6–10 %")
    enterprise_land_mu_per_yi: float = param(
        25.0, min=0.0, max=1000.0, unit="亩/亿元", status="assumed",
        doc="collective construction land one 亿 of enterprise capital needs",
        source="assumed: about half the industrial intensity (land.intensity_yi_per_mu)")
    enterprise_va_per_income: float = param(
        3.0, min=0.0, max=20.0, status="assumed",
        doc="value added (secondary) per unit of the enterprises' collective income",
        source="assumed: the collective's share is a rent on the tenants' output")
    tourism_budget_yi: float = param(
        0.0, min=0.0, max=50.0, unit="亿元/year", status="assumed",
        doc="rural tourism and homestays (民宿): capital in the villages at the beautiful "
            "standard with usable land", source="policy setting (lever)")
    tourism_return: float = param(
        0.06, min=0.0, max=1.0, unit="1/year", status="assumed",
        doc="collective tourism income per 亿 of tourism capital a year",
        source="assumed; range 0.03–0.1")
    tourism_land_mu_per_yi: float = param(
        15.0, min=0.0, max=1000.0, unit="亩/亿元", status="assumed",
        doc="collective construction land one 亿 of homestays and facilities needs",
        source="assumed")
    tourism_va_per_income: float = param(
        4.0, min=0.0, max=20.0, status="assumed",
        doc="value added (tertiary) per unit of collective tourism income",
        source="assumed: visitor spending on lodging, food and retail over the collective's "
               "share")
    service_circle_budget_yi: float = param(
        0.0, min=0.0, max=50.0, unit="亿元/year", status="assumed",
        doc="the 10-minute service circle (10分钟公共服务圈): public services within reach of "
            "every village, spread over the villages furthest from it",
        source="policy setting (lever)")
    service_circle_cost_yi: float = param(
        0.02, min=0.001, max=1.0, unit="亿元", status="assumed",
        doc="cost of bringing one village into the service circle",
        source="assumed ≈ 200万 a village (clinic, school bus, service station)")
    service_circle_standard_gain: float = param(
        0.3, min=0.0, max=5.0, unit="standard", status="assumed",
        doc="a village brought into the service circle gains this standard",
        source="assumed")


def local_tax_terms(cfg: Any) -> list[tuple[float, tuple[str, ...]]]:
    """The effective local tax rate on each base the model taxes (simxh.economics.public:
    firms' value added and profit, services, construction, GDP), with the keys whose product
    it is. If all are 0, the modelled base-year revenue is 0 and the collection factor that
    scales it to the reported revenue (simxh.calibration) is undefined."""
    f, e = cfg.fiscal, cfg.economy
    return [
        (f.vat_rate * f.vat_local_share, ("fiscal.vat_rate", "fiscal.vat_local_share")),
        (f.cit_rate * f.cit_local_share, ("fiscal.cit_rate", "fiscal.cit_local_share")),
        (f.services_vat_rate * f.vat_local_share,
         ("fiscal.services_vat_rate", "fiscal.vat_local_share")),
        (f.land_tax_rate * e.residual_secondary_share,  # construction: the residual secondary
         ("fiscal.land_tax_rate", "economy.residual_secondary_share")),
        (f.other_tax_rate, ("fiscal.other_tax_rate",)),
    ]


def _value_at_key(cfg: Any, key: str) -> Any:
    """The value of dotted ``key`` in a built config."""
    value = cfg
    for part in key.split("."):
        value = getattr(value, part)
    return value


class ConfigBase:
    """Methods of the root config (the dataclass itself is assembled from SECTIONS)."""

    source_file: str | None

    def validate_root(self, err: Callable[..., typing.NoReturn]) -> None:
        """Cross-section checks: a config under which revenue collection is undefined."""
        taxed = local_tax_terms(self)
        if any(rate > 0 for rate, _ in taxed):
            return
        # every base untaxed: the base-year collection factor (reported revenue over the
        # modelled local taxes, simxh.calibration) divides by zero and revenue becomes NaN
        zero = list(dict.fromkeys(k for _, ks in taxed for k in ks
                                  if _value_at_key(self, k) == 0))
        shown = [k for k in zero if k in self.explicit_keys] or zero
        err(shown[0], "no local tax is collected on any base, so base-year revenue is 0 "
            "and the revenue collection factor is undefined",
            value={k: _value_at_key(self, k) for k in shown},
            expected="at least one of " + ", ".join(" × ".join(ks) for _, ks in taxed)
            + " above 0")

    def to_dict(self) -> dict[str, Any]:
        """The resolved config as plain data (JSON/TOML-friendly)."""
        return _plain({f.name: getattr(self, f.name) for f in dataclasses.fields(self)
                       if f.name in SECTIONS})

    def digest(self) -> str:
        """A stable hash of the resolved config."""
        text = json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def with_overrides(self, overrides: Mapping[str, Any] | Iterable[str] | None) -> Config:
        """A new validated Config with dotted-key overrides applied.

        Only the sections the overrides touch are validated and built again (the others are
        already valid and are kept as they are), then the root's cross-section checks run:
        the same Config as rebuilding every section (:meth:`_rebuilt_with`), in a fraction of a
        millisecond. A refused override is refused by the full rebuild, so its error is the
        same, word for word."""
        try:
            return self._with_sections(overrides)
        except ConfigError:
            return self._rebuilt_with(overrides)  # raises, naming the key as it always has

    def _with_sections(self, overrides: Mapping[str, Any] | Iterable[str] | None) -> Config:
        tree = overrides_to_tree(overrides)
        key_files: dict[str, str] = {k: SET_SOURCE for k in _RESOLVED_PATHS}
        _record_files(tree, SET_SOURCE, key_files)
        ctx = _Context(default_file=self.source_file, key_files=key_files)
        changed = {}
        for name, value in tree.items():
            if name in _RESERVED:
                continue
            if name not in SECTIONS or not isinstance(value, dict):
                raise ConfigError("unknown section or not a table", key=name)
            built = _replace_fields(getattr(self, name), value, name, ctx)
            if name == "region":
                built = _resolve_data_dir(built, ctx)
            elif name == "estimation":
                built = _resolve_posterior(built, ctx)
            changed[name] = built
        flat = {k for k in key_files if "." in k}
        explicit = (flat - _RESOLVED_PATHS) | {
            k for k in _RESOLVED_PATHS if k in self.explicit_keys or k in _flat_keys(overrides)}
        cfg = dataclasses.replace(self, **changed, explicit_keys=self.explicit_keys | explicit)
        check = getattr(cfg, "validate_root", None)
        if callable(check):
            check(_raiser("", ctx))
        return cfg

    def _rebuilt_with(self, overrides: Mapping[str, Any] | Iterable[str] | None) -> Config:
        """:meth:`with_overrides` by validating and building every section again."""
        data = merge(self.to_dict(), overrides_to_tree(overrides))
        # paths already resolved and checked are not re-checked against source_file
        key_files: dict[str, str] = {k: SET_SOURCE for k in _RESOLVED_PATHS}
        _record_files(overrides_to_tree(overrides), SET_SOURCE, key_files)
        cfg = _build_root(data, self.source_file, key_files)
        explicit = (cfg.explicit_keys - _RESOLVED_PATHS) | {
            k for k in _RESOLVED_PATHS if k in self.explicit_keys or k in _flat_keys(overrides)}
        return dataclasses.replace(cfg, explicit_keys=self.explicit_keys | explicit)


_RESOLVED_PATHS = frozenset({"region.data_dir", "estimation.posterior"})


def _replace_fields(obj: Any, data: Mapping[str, Any], prefix: str, ctx: _Context) -> Any:
    """Built section ``obj`` with the fields in ``data`` validated and replaced (a table for a
    nested section merges into it), then its ``validate``: what :func:`build` gives for the
    section's data with ``data`` merged in, without converting the unchanged fields again."""
    cls = type(obj)
    hints, fields = _schema(cls)
    kwargs = {}
    for key, value in data.items():
        path = f"{prefix}.{key}"
        if key not in fields:
            raise ConfigError("unknown key", file=ctx.file_for(path), key=path)
        if isinstance(value, dict) and dataclasses.is_dataclass(current := getattr(obj, key)):
            kwargs[key] = _replace_fields(current, value, path, ctx)
        else:
            kwargs[key] = _convert(hints[key], value, path, ctx, fields[key].metadata)
    new = dataclasses.replace(obj, **kwargs)
    check = getattr(new, "validate", None)
    if callable(check):
        check(_raiser(prefix, ctx))
    return new


def _flat_keys(overrides: Mapping[str, Any] | Iterable[str] | None) -> set[str]:
    if not overrides:
        return set()
    if isinstance(overrides, Mapping):
        return set(overrides)
    return {parse_override(o)[0] for o in overrides}


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def _make_root() -> type:
    fields = [(name, cls, field(default_factory=cls)) for name, cls in SECTIONS.items()]
    fields.append(("source_file", str | None, field(default=None, compare=False)))
    # the dotted keys a file or an override set (a posterior draw never replaces them)
    fields.append(("explicit_keys", frozenset, field(default=frozenset(), compare=False)))
    return dataclasses.make_dataclass("Config", fields, bases=(ConfigBase,), frozen=True,
                                      module=__name__)


Config: type = _make_root()
Config.__doc__ = "A validated simxh configuration (sections: " + ", ".join(SECTIONS) + ")."

_RESERVED = {"extends", "name", "description"}


def _build_root(data: Mapping[str, Any], source_file: str | None,
                key_files: Mapping[str, str]) -> Any:
    ctx = _Context(default_file=source_file, key_files=key_files)
    body = {k: v for k, v in data.items() if k not in _RESERVED}
    for key, value in body.items():
        if key not in SECTIONS:
            raise ConfigError("unknown section", file=ctx.file_for(key), key=key,
                              expected="one of " + ", ".join(SECTIONS) + did_you_mean(key, SECTIONS))
        if not isinstance(value, dict):
            raise ConfigError("wrong type", file=ctx.file_for(key), key=key, value=value,
                              expected="a table [" + key + "]")
    sections = {name: build(SECTIONS[name], body.get(name, {}), prefix=name, ctx=ctx)
                for name in SECTIONS}
    sections["region"] = _resolve_data_dir(sections["region"], ctx)
    sections["estimation"] = _resolve_posterior(sections["estimation"], ctx)
    explicit = frozenset(k for k in key_files if "." in k)
    cfg = Config(**sections, source_file=source_file, explicit_keys=explicit)
    check = getattr(cfg, "validate_root", None)
    if callable(check):
        check(_raiser("", ctx))
    return cfg


def _resolve_path(section: Any, ctx: _Context, key: str, is_folder: bool) -> Any:
    """Make the path ``section.<field>`` (dotted ``key``) absolute, relative to the file that
    set it, and check that it exists (a folder or a file)."""
    name = key.rpartition(".")[2]
    value = getattr(section, name)
    if not value:
        return section
    file = ctx.file_for(key)
    path = resolve_config_path(value, file=file, key=key)
    if not (path.is_dir() if is_folder else path.is_file()):
        what = "data folder" if is_folder else "file"
        raise ConfigError(f"{what} not found", file=file, key=key, value=value,
                          expected=f"an existing {'folder' if is_folder else 'file'} ({path})")
    return dataclasses.replace(section, **{name: str(path)})


def _resolve_data_dir(region: Any, ctx: _Context) -> Any:
    """``region.data_dir``: an existing folder, relative to the file that set it."""
    return _resolve_path(region, ctx, "region.data_dir", is_folder=True)


def _resolve_posterior(est: Any, ctx: _Context) -> Any:
    """``estimation.posterior``: an existing posterior file, relative to the file that set it."""
    return _resolve_path(est, ctx, "estimation.posterior", is_folder=False)


def load_config(path: str | Path | None = None,
                overrides: Mapping[str, Any] | Iterable[str] | None = None) -> Any:
    """Load and validate a config file (None → the built-in baseline), with overrides."""
    data: dict[str, Any] = {}
    key_files: dict[str, str] = {}
    source = None
    if path is not None:
        p = Path(path)
        source = str(p)
        data, key_files = read_with_extends(p)
        # report errors with the path as the user typed it for the top file
        key_files = {k: (source if v == str(p.resolve()) else v) for k, v in key_files.items()}
    tree = overrides_to_tree(overrides)
    _record_files(tree, SET_SOURCE, key_files)
    return _build_root(merge(data, tree), source, key_files)


_LOADED: dict[tuple[str, str], tuple[tuple[tuple[str, int, int], ...], Any]] = {}
_LOADED_MAX = 64


def _file_stamps(path: Path) -> tuple[tuple[str, int, int], ...]:
    """(file, mtime, size) of a config file and of each file it extends, in chain order."""
    out: list[tuple[str, int, int]] = []
    while path is not None and len(out) < 64:
        st = path.stat()
        out.append((str(path), st.st_mtime_ns, st.st_size))
        parent = read_toml(path).get("extends")
        path = resolve_config_path(parent, file=path, key="extends") if parent else None
    return tuple(out)


def _stamps_current(stamps: tuple[tuple[str, int, int], ...]) -> bool:
    try:
        return all((st := os.stat(f)).st_mtime_ns == m and st.st_size == s
                   for f, m, s in stamps)
    except OSError:
        return False


def load_config_cached(path: str | Path | None,
                       overrides: Mapping[str, Any] | Iterable[str] | None = None) -> Any:
    """:func:`load_config` for a sweep's runs: the file (and the chain it extends) is read and
    validated once per process while it is unchanged (its files' modification times and sizes
    are checked each call), then the overrides are applied with :meth:`Config.with_overrides`,
    which gives the same Config. A refused override raises :func:`load_config`'s own error."""
    if path is None:
        base = _LOADED.get(("", ""))
        if base is None:
            base = _LOADED[("", "")] = ((), load_config(None))
        cfg = base[1]
    else:
        key = (os.getcwd(), str(path))  # a relative path is relative to the working folder
        hit = _LOADED.get(key)
        if hit is None or not _stamps_current(hit[0]):
            try:
                stamps = _file_stamps(Path(path).resolve())
            except (OSError, ConfigError):
                return load_config(path, overrides)  # a missing or bad file: its own error
            if len(_LOADED) >= _LOADED_MAX:
                _LOADED.clear()
            hit = _LOADED[key] = (stamps, load_config(path))
            if not _stamps_current(stamps):  # changed while it was read: read it next time
                _LOADED.pop(key, None)
        cfg = hit[1]
    if not overrides:
        return cfg
    try:
        return cfg._with_sections(overrides)
    except ConfigError:
        return load_config(path, overrides)  # raises, as without the cache


def coerce_config(config: Any = None, overrides: Mapping[str, Any] | Iterable[str] | None = None
                  ) -> Any:
    """Accept None, a path or a Config; return a validated Config with overrides applied."""
    if isinstance(config, ConfigBase):
        return config.with_overrides(overrides) if overrides else config
    return load_config(config, overrides)


def parameters(cls: type | None = None, prefix: str = "") -> list[dict[str, Any]]:
    """Every parameter with its default, range, unit and provenance (for docs and `info`)."""
    out: list[dict[str, Any]] = []
    items = [(name, c) for name, c in SECTIONS.items()] if cls is None else [(prefix, cls)]
    for name, c in items:
        hints = typing.get_type_hints(c)
        default = c()
        for f in dataclasses.fields(c):
            path = f"{name}.{f.name}" if name else f.name
            if dataclasses.is_dataclass(hints[f.name]):
                out.extend(parameters(hints[f.name], path))
                continue
            meta = f.metadata
            out.append({"key": path, "default": _plain(getattr(default, f.name)),
                        "unit": meta.get("unit", ""), "min": meta.get("min"),
                        "max": meta.get("max"), "status": meta.get("status", ""),
                        "source": meta.get("source", ""), "doc": meta.get("doc", ""),
                        "choices": meta.get("choices"),
                        "min_exclusive": meta.get("min_exclusive", False)})
    return out
