"""Property tests (hypothesis): random mutations of valid configs and experiment files.

Whatever the mutation — a key deleted or renamed, a value replaced by a TOML value of another
type, NaN/inf, a huge or negative number, a random string, a table where a value was or the
reverse, bytes corrupted — the loader returns a valid config or raises a
:class:`~simxh.errors.UserError` whose message names a file and a key (or a line). Any other
exception is a crash and fails the test. A config that loads must be valid: every number
finite and inside its declared range.

The examples are derandomised (the same on every run, so CI is stable); set
``SIMXH_HYPOTHESIS_RANDOM=1`` to explore new ones. Example counts: see docs/reliability.md.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simxh.config import load_config, parameters, read_with_extends
from simxh.errors import UserError

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = sorted((ROOT / "configs").glob("*.toml"))
EXPERIMENTS = sorted((ROOT / "experiments").glob("*.toml"))

SETTINGS = settings(max_examples=300, deadline=None, database=None,
                    derandomize=not os.environ.get("SIMXH_HYPOTHESIS_RANDOM"),
                    suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.function_scoped_fixture])
_counter = itertools.count()


# --------------------------------------------------------------------------------------------
# Writing TOML (the standard library only reads it)
# --------------------------------------------------------------------------------------------
def toml_key(key: str) -> str:
    return json.dumps(key, ensure_ascii=False).replace("\x7f", "\\u007f")


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return toml_key(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items()
                               if v is not None) + "}"  # None: an absent key
    raise TypeError(type(value))


def dumps(doc: dict[str, Any]) -> str:
    """A TOML document: top-level values first, then one [table] per top-level table."""
    lines = [f"{toml_key(k)} = {toml_value(v)}" for k, v in doc.items() if not isinstance(v, dict)]
    for key, table in doc.items():
        if isinstance(table, dict):
            lines.append(f"\n[{toml_key(key)}]")
            # an unset optional setting (None) is written by leaving the key out, as in TOML
            lines += [f"{toml_key(k)} = {toml_value(v)}" for k, v in table.items()
                      if v is not None]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------
# Mutations
# --------------------------------------------------------------------------------------------
NAMES = ["huicheng", "daze", "guifeng", "g240_upgrade_luokeng_daze", "baseline.toml",
         "../configs/baseline.toml", "/etc/passwd", "..", "", " ", "nan", "inf", "1e999",
         "huicheng:luokeng", "daze:daze", "__import__('os').system('true')", "新会", "a" * 300]

scalars = st.one_of(
    st.booleans(),
    st.integers(min_value=-10, max_value=3000),
    st.integers(),
    st.sampled_from([2**63, -(2**63) - 1, 10**30, -(10**30), 10**400]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, -1.0, 1e-300, 1e300, -1e300, 0.5, 2030.0]),
    st.text(max_size=12),
    st.sampled_from(NAMES),
)
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)),
    max_leaves=6)

OPS = ("delete", "rename", "replace", "replace", "wrap_table", "wrap_list", "unwrap", "negate",
       "scale", "to_float", "move_to_top", "add")


def paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path (tuple of dict keys and list indices) into ``node``."""
    out: list[tuple] = []
    items = node.items() if isinstance(node, dict) else enumerate(node) \
        if isinstance(node, list) else ()
    for k, v in items:
        out.append((*prefix, k))
        out += paths(v, (*prefix, k))
    return out


def _parent(doc: Any, path: tuple) -> Any:
    node = doc
    for part in path[:-1]:
        node = node[part]
    return node


def mutate(doc: dict[str, Any], data: st.DataObject) -> dict[str, Any]:
    """Apply 1–3 random mutations to a deep copy of ``doc``."""
    doc = json.loads(json.dumps(doc))
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        # an unset optional setting (None) is an absent key in TOML: not a value to mutate
        options = [p for p in paths(doc) if _get(doc, p) is not None]
        op = data.draw(st.sampled_from(OPS), label="op")
        if not options or op == "add":
            tables = [()] + [p for p in options if isinstance(_get(doc, p), dict)]
            where = data.draw(st.sampled_from(tables), label="add to")
            _get(doc, where)[data.draw(st.text(max_size=10), label="new key")] = \
                data.draw(values, label="new value")
            continue
        path = data.draw(st.sampled_from(options), label="path")
        parent, last = _parent(doc, path), path[-1]
        current = parent[last]
        if op == "delete":
            del parent[last]
        elif op == "rename" and isinstance(parent, dict):
            new = data.draw(st.one_of(st.text(max_size=10),
                                      st.just(str(last)[:-1] or "x"),
                                      st.just(str(last) + "s")), label="new name")
            parent[new] = parent.pop(last)
        elif op == "wrap_table":
            parent[last] = {data.draw(st.text(max_size=6), label="inner key"): current}
        elif op == "wrap_list":
            parent[last] = [current]
        elif op == "unwrap" and isinstance(current, dict | list) and current:
            first = next(iter(current.values())) if isinstance(current, dict) else current[0]
            parent[last] = first
        elif op == "negate" and isinstance(current, int | float) and not isinstance(current, bool):
            parent[last] = -current if current else -1
        elif op == "scale" and isinstance(current, int | float) and not isinstance(current, bool):
            factor = data.draw(st.sampled_from([10**6, 10**20, -1, 1e308, 0]), label="factor")
            try:
                parent[last] = current * factor
            except OverflowError:  # a huge integer times 1e308
                parent[last] = math.inf
        elif op == "to_float" and isinstance(current, int) and not isinstance(current, bool):
            parent[last] = current + 0.5 if abs(current) < 2**1000 else math.inf
        elif op == "move_to_top" and len(path) > 1:
            doc[str(last)] = parent.pop(last) if isinstance(parent, dict) else current
        else:  # replace (and every op that does not apply to this value)
            parent[last] = data.draw(values, label="replacement")
    return doc


def _get(doc: Any, path: tuple) -> Any:
    node = doc
    for part in path:
        node = node[part]
    return node


# --------------------------------------------------------------------------------------------
# What a clean outcome is
# --------------------------------------------------------------------------------------------
RANGES = {p["key"]: p for p in parameters()}


def assert_valid_config(cfg: Any) -> None:
    """Every number finite and inside its declared range."""
    def walk(value: Any, key: str) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, f"{key}.{k}" if key else k)
        elif isinstance(value, list):
            for v in value:
                walk(v, key)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            assert math.isfinite(value), (key, value)
            meta = RANGES.get(key, {})
            if meta.get("min") is not None:
                assert value >= meta["min"], (key, value)
            if meta.get("max") is not None:
                assert value <= meta["max"], (key, value)

    walk(cfg.to_dict(), "")


def assert_clean_error(exc: UserError, *files: str) -> None:
    message = str(exc)
    assert message.strip() and "\n" not in message, message
    assert exc.file, message
    assert any(exc.file.endswith(Path(f).name) for f in files) or exc.file == "--set" \
        or "extends" in (exc.key or "") or exc.file.endswith(".toml"), message
    assert exc.key is not None or exc.line is not None or "invalid TOML" in message, message
    assert message.startswith(exc.file), message


def load_outcome(path: Path) -> str:
    """Load ``path``; 'ok' or 'error', and anything else propagates (a crash)."""
    try:
        cfg = load_config(path)
    except UserError as exc:
        assert_clean_error(exc, str(path))
        return "error"
    assert_valid_config(cfg)
    return "ok"


def base_docs() -> list[dict[str, Any]]:
    """The shipped configs (with their extends chains merged) and the full default config."""
    docs = [read_with_extends(p)[0] for p in CONFIGS]
    docs.append(load_config().to_dict())
    return docs


BASE_DOCS = base_docs()
OUTCOMES: dict[str, dict[str, int]] = {}


def _tally(test: str, outcome: str) -> None:
    OUTCOMES.setdefault(test, {}).setdefault(outcome, 0)
    OUTCOMES[test][outcome] += 1


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("mutants")
    shutil.copy(ROOT / "configs" / "baseline.toml", folder / "baseline.toml")
    return folder


# --------------------------------------------------------------------------------------------
# The properties
# --------------------------------------------------------------------------------------------
@SETTINGS
@given(base=st.sampled_from(range(len(BASE_DOCS))), data=st.data())
def test_mutated_config_loads_or_fails_cleanly(workdir, base, data):
    doc = mutate(BASE_DOCS[base], data)
    path = workdir / f"mutant{next(_counter)}.toml"
    path.write_text(dumps(doc), encoding="utf-8")
    _tally("config", load_outcome(path))


@settings(SETTINGS, max_examples=150)
@given(base=st.sampled_from(CONFIGS), data=st.data())
def test_corrupted_config_bytes_load_or_fail_cleanly(workdir, base, data):
    raw = bytearray(base.read_bytes())
    for _ in range(data.draw(st.integers(1, 4), label="edits")):
        pos = data.draw(st.integers(0, len(raw)), label="position")
        kind = data.draw(st.sampled_from(["insert", "delete", "replace", "truncate"]))
        byte = data.draw(st.sampled_from(list(b"[]=\"'{}.#\n\\ ,0x") + [0x80, 0xFF, 0xE6, 0]))
        if kind == "insert":
            raw[pos:pos] = bytes([byte])
        elif kind == "delete":
            del raw[pos:pos + 1]
        elif kind == "replace" and pos < len(raw):
            raw[pos] = byte
        else:
            del raw[pos:]
    path = workdir / base.name.replace(".toml", f"_bytes{next(_counter)}.toml")
    path.write_bytes(bytes(raw))
    _tally("bytes", load_outcome(path))


KEYS = sorted(RANGES)


@settings(SETTINGS, max_examples=200)
@given(overrides=st.lists(st.tuples(
    st.one_of(st.sampled_from(KEYS), st.text(max_size=12)),
    st.one_of(st.sampled_from(["nan", "inf", "-1", "1e999", "[1, 2]", "{a = 1}", "true", "",
                               "'x'", "\"unterminated", "2030", "0.5", "huicheng:daze"]),
              st.text(max_size=10)))
    .map(lambda kv: f"{kv[0]}={kv[1]}"), max_size=3))
def test_random_set_overrides_load_or_fail_cleanly(overrides):
    try:
        cfg = load_config(None, overrides)
    except UserError as exc:
        message = str(exc)
        assert message.startswith("--set"), message
        assert "\n" not in message
        _tally("set", "error")
        return
    assert_valid_config(cfg)
    _tally("set", "ok")


# --------------------------------------------------------------------------------------------
# Experiment files (simxh.experiment.load_experiment)
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def exp_workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """experiments/ and configs/ side by side in a project (a pyproject.toml), so that
    '../configs/x.toml' resolves and is allowed (paths may not leave their project). Without
    the project file every unmutated experiment was refused, and whether any mutant loaded
    depended on which examples Hypothesis drew, which changes with the local modules it has
    seen (its constants pool): the 'both outcomes' check then failed or passed by chance."""
    folder = tmp_path_factory.mktemp("exp_mutants")
    (folder / "pyproject.toml").write_text("[project]\nname = 'mutants'\n", encoding="utf-8")
    shutil.copytree(ROOT / "configs", folder / "configs")
    (folder / "experiments").mkdir()
    return folder / "experiments"


def _experiment_docs() -> list[dict[str, Any]]:
    from simxh.config import read_toml

    return [read_toml(p) for p in EXPERIMENTS]


EXP_DOCS = _experiment_docs()


@settings(SETTINGS, max_examples=200)
@given(base=st.sampled_from(range(len(EXP_DOCS))), data=st.data())
def test_mutated_experiment_loads_or_fails_cleanly(exp_workdir, base, data):
    from simxh.experiment import load_experiment

    doc = mutate(EXP_DOCS[base], data)
    path = exp_workdir / f"exp{next(_counter)}.toml"
    path.write_text(dumps(doc), encoding="utf-8")
    try:
        exp = load_experiment(path)
    except UserError as exc:
        message = str(exc)
        assert message.strip() and "\n" not in message, message
        assert exc.file, message
        assert exc.key is not None or exc.line is not None or "invalid TOML" in message, \
            message
        _tally("experiment", "error")
        return
    assert exp.scenarios and sum(s.reference for s in exp.scenarios) == 1
    assert len({s.name for s in exp.scenarios}) == len(exp.scenarios)
    assert exp.replications >= 1
    _tally("experiment", "ok")


def test_mutations_exercise_both_outcomes():
    """The properties above are not vacuous: some mutants load, many are refused."""
    if not OUTCOMES:
        pytest.skip("run together with the property tests")
    for name in ("config", "experiment"):
        if name in OUTCOMES:
            assert OUTCOMES[name].get("error", 0) > 0, OUTCOMES
            assert OUTCOMES[name].get("ok", 0) > 0, OUTCOMES
