"""simxh — agent-based simulation of regional development policy in Xinhui District (新会区).

Data flows one way: config → region → model → experiment store → analysis → charts.
The public names are re-exported here; heavy modules load on first use.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "load_config": "simxh.config",
    "Config": "simxh.config",
    "load_region_data": "simxh.datafiles",
    "build_region": "simxh.region",
    "Region": "simxh.region",
    "XinhuiModel": "simxh.model",
    "simulate": "simxh.simulation",
    "SimulationResult": "simxh.simulation",
    "UserError": "simxh.errors",
    "ConfigError": "simxh.errors",
    "DataError": "simxh.errors",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'simxh' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value
