"""How many of the model's inputs are assumed rather than sourced (for the notes line).

Counts come from the region data files (every row carries ``status``) and from the config
parameters' metadata (every default carries ``status``), never from the model's internals.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

DATA_TABLES = ("district", "zones", "towns", "parks", "external", "links", "sectors",
               "town_sectors", "targets", "projects")


@dataclass(frozen=True)
class ProvenanceCounts:
    """Inputs by provenance status: ``assumed`` of ``total`` (data rows + config defaults)."""

    assumed: int
    total: int
    by_status: dict[str, int]
    by_source: dict[str, tuple[int, int]]  # "data"/"config" → (assumed, total)

    @property
    def known(self) -> bool:
        return self.total > 0


def count_provenance(data: Any | None = None, include_config: bool = True) -> ProvenanceCounts:
    """Count inputs by status across the data tables and the config parameters.

    Data: ``RegionData.provenance_counts()`` (each row once, plus each per-field status such
    as a town's ``area_status``); config: each parameter default's ``status``."""
    by_status: dict[str, int] = {}
    by_source: dict[str, tuple[int, int]] = {}
    if data is None:
        data = load_region_data_or_none()
    if data is not None and callable(getattr(data, "provenance_counts", None)):
        counts = {str(k): int(v) for k, v in data.provenance_counts().items()}
        for status, n in counts.items():
            by_status[status] = by_status.get(status, 0) + n
        by_source["data"] = (counts.get("assumed", 0), sum(counts.values()))
    elif data is not None:
        assumed = total = 0
        for name in DATA_TABLES:
            table = getattr(data, name, None)
            if table is None or "status" not in getattr(table, "columns", ()):
                continue
            statuses = table["status"].astype(str).str.strip().str.lower()
            for status, n in statuses.value_counts().items():
                by_status[status] = by_status.get(status, 0) + int(n)
            assumed += int((statuses == "assumed").sum())
            total += len(statuses)
        by_source["data"] = (assumed, total)
    if include_config:
        try:
            from simxh.config import parameters

            params = parameters()
        except Exception:  # config schema unavailable: count the data only
            params = []
        if params:
            statuses = [str(p.get("status", "")).lower() for p in params]
            for status in statuses:
                by_status[status] = by_status.get(status, 0) + 1
            by_source["config"] = (statuses.count("assumed"), len(statuses))
    assumed = sum(a for a, _ in by_source.values())
    total = sum(t for _, t in by_source.values())
    return ProvenanceCounts(assumed, total, by_status, by_source)


def load_region_data_or_none() -> Any | None:
    """The region data files, or None when they cannot be read (the report still renders)."""
    try:
        from simxh.datafiles import load_region_data
    except ImportError:
        return None
    try:
        return load_region_data()
    except Exception:  # a broken data file must not stop a report of finished results
        return None
