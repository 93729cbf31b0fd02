"""``simxh validate FILE...``: check config and experiment files without running anything."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from simxh.config import SET_SOURCE, load_config, read_toml
from simxh.errors import EXIT_USER_ERROR, ConfigError
from simxh.region import build_region


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "validate",
        help="check config or experiment files",
        description="Validate config files (and experiment files) against the schema: unknown "
        "keys, types, ranges, references, 'extends' chains, and the region data files a config "
        "uses. Prints OK per file; exits 2 on the "
        "first bad file with a message naming the file, key, value and what was expected.",
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="TOML config, experiment or search files")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config value (dotted key), validated the same way")
    p.set_defaults(func=handle)


def is_experiment(data: dict) -> bool:
    return "experiment" in data or "scenarios" in data


def validate_file(path: Path, overrides: list[str]) -> str:
    """Validate one file; returns a one-line description. Raises UserError."""
    data = read_toml(path)
    if "search" in data and "decisions" in data:  # a search file (simxh search)
        from simxh.search import load_search

        search = load_search(path)
        return (f"search '{search.name}' ({len(search.decisions)} decisions, "
                f"{len(search.objectives)} objectives)")
    if is_experiment(data):
        from simxh.experiment import load_experiment, validate_experiment_configs

        exp = load_experiment(path, overrides=overrides or None)
        regions: dict[tuple, object] = {}
        for name, cfg in validate_experiment_configs(exp).items():
            key = (cfg.region, cfg.network, cfg.access, cfg.infrastructure, cfg.integration,
                   cfg.pairing)
            check_posterior(cfg)
            if key in regions:
                continue
            try:  # each scenario's data files, network and the ids it names in them
                regions[key] = build_region(cfg)
            except ConfigError as exc:
                if exc.file not in (None, SET_SOURCE):
                    raise
                raise ConfigError(f"scenario '{name}': {exc.detail}", file=path, key=exc.key,
                                  value=exc.value, expected=exc.expected,
                                  has_value=exc.has_value) from None
        return f"experiment '{exp.name}' ({len(exp.scenarios)} scenarios)"
    cfg = load_config(path, overrides)
    region = build_region(cfg)  # the data files and the network it names are checked too
    check_posterior(cfg)
    return (f"config ({cfg.run.start_year}–{cfg.run.end_year}, {len(region.node_ids)} nodes, "
            f"digest {cfg.digest()})")


def check_posterior(cfg: Any) -> None:
    """The posterior file a config names, read as ``run`` reads it (every cell, the weights,
    duplicate columns, each value inside its parameter's range); the shipped one is checked by
    the tests."""
    from simxh.posterior import load_posterior

    if cfg.estimation.posterior:
        load_posterior(str(cfg.estimation.posterior))


def handle(args: argparse.Namespace) -> int:
    for name in args.files:
        what = validate_file(Path(name), args.overrides)
        print(f"OK  {name}: {what}")
    return 0 if args.files else EXIT_USER_ERROR
