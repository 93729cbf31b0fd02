"""The sweep's shortcuts give what the long way gave (issue 21, "a lean sweep"): overrides
applied to the touched sections only, config files read once per worker, a run's table stamped
in one go, Arrow tables from a cached schema, reference checks skipped for keys they do not
read. Each test compares with the long way, which stays in the code as the reference."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import simxh.config as config_module
from simxh.config import load_config, load_config_cached
from simxh.errors import ConfigError
from simxh.experiment import load_experiment
from simxh.region import REFERENCED_KEYS, check_config_references
from simxh.runner import RunTask, _decorate, _decorate_by_column
from simxh.store import RunKey, frame_to_arrow

ROOT = Path(__file__).resolve().parents[1]
POLICY = ROOT / "experiments" / "policy_comparison.toml"


def _same(a, b) -> None:
    assert a == b
    assert a.to_dict() == b.to_dict()
    assert a.explicit_keys == b.explicit_keys
    assert a.source_file == b.source_file


def _override_sets() -> list[dict]:
    exp = load_experiment(POLICY)
    sets = [{u.key: getattr(u, b) for u in exp.uncertainties} for b in ("low", "high")]
    return [*sets, {"run.end_year": 2030}, {"integration.zones": ["yinzhou_lake"]},
            {"firms": {"count": 300}, "network": {"speeds": {"road": 40.0}}},
            ["firms.count=500", "estimation.parameter_uncertainty=false"]]


@pytest.mark.parametrize("config", [None, "configs/combined.toml", "configs/pairing.toml"])
def test_with_overrides_same_as_rebuilding_every_section(config) -> None:
    base = load_config(ROOT / config if config else None)
    for overrides in _override_sets():
        try:
            slow = base._rebuilt_with(overrides)
        except ConfigError:
            continue  # an id or key the config does not allow: the refusal test covers it
        _same(base.with_overrides(overrides), slow)


def test_with_overrides_builds_only_the_touched_section(monkeypatch) -> None:
    base = load_config(None)
    calls = []
    real = config_module._convert
    monkeypatch.setattr(config_module, "_convert",
                        lambda tp, v, path, *a: calls.append(path) or real(tp, v, path, *a))
    cfg = base.with_overrides({"firms.count": 300})
    assert cfg.firms.count == 300
    assert calls == ["firms.count"]


@pytest.mark.parametrize("overrides", [{"firms.count": -3}, {"firms.cuont": 3},
                                       {"nosuch.key": 1}, {"run": 5},
                                       {"run.end_year": 2000}])
def test_with_overrides_refuses_with_the_same_message(overrides) -> None:
    base = load_config(ROOT / "configs" / "combined.toml")
    with pytest.raises(ConfigError) as slow:
        base._rebuilt_with(overrides)
    with pytest.raises(ConfigError) as fast:
        base.with_overrides(overrides)
    assert str(fast.value) == str(slow.value)


def test_load_config_cached_same_as_load_config_and_rereads_an_edited_file(tmp_path) -> None:
    parent = tmp_path / "parent.toml"
    parent.write_text("[firms]\ncount = 300\n", encoding="utf-8")
    child = tmp_path / "child.toml"
    child.write_text('extends = "parent.toml"\n[run]\nend_year = 2030\n', encoding="utf-8")
    for overrides in (None, {"run.end_year": 2031}, {"firms.count": 400}):
        _same(load_config_cached(child, overrides), load_config(child, overrides))
    # an edit of the file it extends is seen (size and modification time are checked)
    parent.write_text("[firms]\ncount = 1200\n", encoding="utf-8")
    os.utime(parent, ns=(1, 1))
    assert load_config_cached(child).firms.count == 1200
    with pytest.raises(ConfigError) as cached:
        load_config_cached(child, {"firms.count": -1})
    with pytest.raises(ConfigError) as plain:
        load_config(child, {"firms.count": -1})
    assert str(cached.value) == str(plain.value)


def _task(**kw) -> RunTask:
    base = dict(key=RunKey(1, 2, 3), scenario="pairing", config=None, overrides={}, design={},
                seed=12345)
    return RunTask(**{**base, **kw})


def _frame() -> pd.DataFrame:
    return pd.DataFrame({"scenario": "pairing", "replication": 3, "seed": 12345,
                         "year": np.array([2024, 2023, 2024, 2023], dtype=np.int64),
                         "town": ["a", "a", "b", "b"], "gdp_yi": [1.0, np.nan, 3.0, 4.0],
                         "n": np.arange(4, dtype=np.int64)})


@pytest.mark.parametrize("task", [
    _task(),
    _task(drawn={"pairing.enclave_share": 0.25, "firms.count": 300},
          design={"integration.pipeline_gain": 0.1, "flag": True, "label": "x"}),
    _task(blank={"integration.pipeline_gain": "float64", "firms.count": "Int64",
                 "label": "str"}, drawn={"pairing.enclave_share": 0.5}),
])
def test_decorate_same_as_column_by_column(task) -> None:
    for frame in (_frame(), _frame().sort_values("year", kind="stable"),
                  _frame().iloc[[2, 0]].set_index(pd.Index([7, 9]))):
        fast, slow = _decorate(frame, task), _decorate_by_column(frame, task)
        pd.testing.assert_frame_equal(fast, slow, check_exact=True)
        assert list(fast.columns) == list(slow.columns)
        assert list(fast.dtypes) == list(slow.dtypes)


def test_frame_to_arrow_same_as_from_pandas() -> None:
    task = _task(drawn={"pairing.enclave_share": 0.25},
                 blank={"integration.pipeline_gain": "float64", "firms.count": "Int64"})
    frame = _decorate(_frame(), task)
    frame["flag"] = [True, False, True, False]
    for _ in range(2):  # the second call uses the cached schema
        for f in (frame, frame.iloc[:0].reset_index(drop=True), frame.assign(n=[9, 8, 7, 6])):
            assert frame_to_arrow(f).equals(pa.Table.from_pandas(f, preserve_index=False),
                                            check_metadata=True)
    mixed = frame.assign(obj=pd.Series(["a", None, "b", "c"], dtype=object))
    assert frame_to_arrow(mixed).equals(pa.Table.from_pandas(mixed, preserve_index=False),
                                        check_metadata=True)


class _Recorder:
    """A config whose sections record the fields read (as dotted keys)."""

    def __init__(self, cfg, seen: set[str], prefix: str = "") -> None:
        self._cfg, self._seen, self._prefix = cfg, seen, prefix

    def __getattr__(self, name: str):
        value = getattr(self._cfg, name)
        key = f"{self._prefix}{name}"
        if not self._prefix and name in config_module.SECTIONS:
            return _Recorder(value, self._seen, key + ".")
        self._seen.add(key)
        return value


def test_referenced_keys_are_what_the_reference_checks_read() -> None:
    from simxh.datafiles import load_region_data

    seen: set[str] = set()
    cfg = load_config(ROOT / "configs" / "combined.toml")
    check_config_references(_Recorder(cfg, seen), load_region_data(None))
    assert seen - {"source_file"} <= REFERENCED_KEYS
    assert {"integration.zones", "pairing.pairs", "villages.villages_over_threshold"} <= seen
