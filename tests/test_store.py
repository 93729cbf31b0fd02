"""The results store: atomic writes, done/failed bookkeeping, streaming consolidation, refusals."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from simxh.errors import UserError
from simxh.store import RunKey, atomic_write_json
from simxh.store import open_store as _open_store


def open_store(*args, **kwargs):
    """open_store, releasing the writer's lock at once: these tests check the folder logic
    of successive opens (the one-writer lock: tests/test_reliability_concurrency.py)."""
    store, manifest = _open_store(*args, **kwargs)
    store.release()
    return store, manifest


def dead_pid() -> int:
    """The PID of a process that has ended."""
    import subprocess

    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def frame(run: int, rows: int = 3, as_float: bool = False) -> pd.DataFrame:
    values = [float(run * 10 + i) if as_float else run * 10 + i for i in range(rows)]
    return pd.DataFrame({"scenario": "s", "replication": run, "year": range(2023, 2023 + rows),
                         "firms": values})


def test_run_id_round_trip() -> None:
    key = RunKey(2, 13, 7)
    assert key.run_id == "s2-p13-r7" and RunKey.parse(key.run_id) == key


def test_write_run_is_atomic_and_marks_done(tmp_path: Path) -> None:
    store, manifest = open_store(tmp_path / "out", "id1", "exp")
    assert manifest is None
    store.write_failure("s0-p0-r0", {"error": "boom"})
    assert store.failed_ids() == {"s0-p0-r0"}
    store.write_run("s0-p0-r0", frame(0), frame(0))
    assert store.done_ids() == {"s0-p0-r0"}
    assert store.failed_ids() == set()  # a success clears the old failure
    assert not [n for n in os.listdir(store.runs_dir) if n.endswith(".tmp")]
    # towns written without district (a crash between the two) is not done
    store.run_path("s0-p0-r1", "towns").write_bytes(b"partial")
    assert store.done_ids() == {"s0-p0-r0"}


def test_temp_files_of_a_killed_process_are_cleaned(tmp_path: Path) -> None:
    store, _ = open_store(tmp_path / "out", "id1", "exp")
    atomic_write_json(store.manifest_path, {"experiment": {"identity": "id1", "name": "exp"}})
    (store.runs_dir / f".s0-p0-r0.district.parquet.{dead_pid()}.tmp").write_bytes(b"half")
    store2, manifest = open_store(tmp_path / "out", "id1", "exp", resume=True)
    assert manifest is not None
    assert os.listdir(store2.runs_dir) == []


def test_consolidation_streams_in_given_order_and_conforms_types(tmp_path: Path) -> None:
    store, _ = open_store(tmp_path / "out", "id1", "exp")
    for run in (2, 0, 1):
        store.write_run(f"s0-p0-r{run}", frame(run, as_float=(run == 1)), frame(run))
    rows = store.consolidate(["s0-p0-r0", "s0-p0-r1", "s0-p0-r2", "s0-p0-r9"])  # r9 missing
    assert rows == {"district": 9, "towns": 9}
    table = pd.read_parquet(store.root / "district.parquet")
    assert table["replication"].tolist() == [0] * 3 + [1] * 3 + [2] * 3
    assert table["firms"].tolist() == [0, 1, 2, 10, 11, 12, 20, 21, 22]
    assert table["firms"].dtype.kind == "i"  # the float run was cast to the first run's type
    assert list(table.index) == list(range(9))


def test_consolidation_refuses_changed_columns(tmp_path: Path) -> None:
    store, _ = open_store(tmp_path / "out", "id1", "exp")
    store.write_run("s0-p0-r0", frame(0), frame(0))
    store.write_run("s0-p0-r1", frame(1).rename(columns={"firms": "firmz"}), frame(1))
    with pytest.raises(UserError, match="different columns"):
        store.consolidate(["s0-p0-r0", "s0-p0-r1"])


def test_consolidation_uses_bounded_row_groups(tmp_path: Path, monkeypatch) -> None:
    import simxh.store as store_mod

    monkeypatch.setattr(store_mod, "_ROWS_PER_GROUP", 7)
    store, _ = open_store(tmp_path / "out", "id1", "exp")
    ids = []
    for run in range(10):
        store.write_run(f"s0-p0-r{run}", frame(run), frame(run))
        ids.append(f"s0-p0-r{run}")
    store.consolidate(ids)
    meta = pq.ParquetFile(store.root / "towns.parquet").metadata
    assert meta.num_rows == 30 and meta.num_row_groups == 4  # 9 + 9 + 9 + 3 rows


def write_manifest(root: Path, identity: str, name: str = "exp") -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / "manifest.json").write_text(json.dumps({"experiment": {"identity": identity,
                                                                   "name": name}}))


def test_refuses_a_directory_of_another_experiment(tmp_path: Path) -> None:
    root = tmp_path / "out"
    write_manifest(root, "other", "policy")
    (root / "runs").mkdir()
    (root / "runs" / "s0-p0-r0.district.parquet").write_bytes(b"x")
    (root / "notes.txt").write_text("keep me")
    with pytest.raises(UserError, match="another experiment.*'policy'") as info:
        open_store(root, "mine", "exp", resume=True)
    assert "--force" in str(info.value)
    store, manifest = open_store(root, "mine", "exp", force=True)
    assert manifest is None and store.done_ids() == set()
    assert (root / "notes.txt").read_text() == "keep me"  # force deletes only store files


def test_refuses_existing_runs_without_resume(tmp_path: Path) -> None:
    root = tmp_path / "out"
    store, _ = open_store(root, "mine", "exp")
    store.write_run("s0-p0-r0", frame(0), frame(0))
    write_manifest(root, "mine")
    with pytest.raises(UserError, match="already holds 1 finished runs.*--resume"):
        open_store(root, "mine", "exp")
    store, manifest = open_store(root, "mine", "exp", resume=True)
    assert manifest is not None and store.done_ids() == {"s0-p0-r0"}


def test_refuses_unrelated_nonempty_directory(tmp_path: Path) -> None:
    (tmp_path / "data.csv").write_text("a,b\n")
    with pytest.raises(UserError, match="not a simxh results directory"):
        open_store(tmp_path, "mine", "exp")


def test_a_folder_left_by_a_failed_first_write_counts_as_empty(tmp_path: Path) -> None:
    """The very first write failed (disk full, read-only): only the store's own empty
    subfolders and a temp file are left, and the folder is accepted as new (with or without
    --resume); anything else in it is still refused."""
    out = tmp_path / "out"
    store, _ = open_store(out, "id1", "exp")
    (out / ".manifest.json.123.tmp").write_bytes(b"{\"half")
    assert open_store(out, "id1", "exp", resume=True)[1] is None
    assert open_store(out, "id1", "exp")[1] is None
    (store.runs_dir / "notes.txt").write_text("mine")
    with pytest.raises(UserError, match="is not empty and is not a simxh results directory"):
        open_store(out, "id1", "exp", resume=True)


def test_atomic_write_leaves_no_temp_file_when_the_disk_is_full(tmp_path: Path,
                                                                monkeypatch) -> None:
    import errno

    from simxh.store import atomic_write_bytes

    def full(*_args):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError):
        atomic_write_bytes(tmp_path / "manifest.json", b"{}")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize(("text", "words"), [
    ("[1, 2]", "a JSON list, not an object"),
    ('{"experiment": {"name": "x"}}', "key 'experiment.identity'"),
    ('{"experiment": {"name": "x", "identity": "i"}}', "key 'experiment.spec'"),
    ('{"experiment": {"name": "x", "identity": "i", "spec": {"scenarios": []}}, '
     '"scenarios": ["a"], "replications": -1}', "key 'replications'"),
    ('{"experiment": {"name": "x", "identity": "i", "spec": {"scenarios": []}}, '
     '"scenarios": ["a"], "replications": 2, "design": {"points": 0}}', "key 'design.points'"),
])
def test_read_manifest_checks_its_shape(tmp_path: Path, text: str, words: str) -> None:
    from simxh.store import Store

    (tmp_path / "manifest.json").write_text(text)
    with pytest.raises(UserError, match="damaged manifest") as info:
        Store(tmp_path).read_manifest()
    assert words in str(info.value) and "manifest.json" in str(info.value)


def test_read_table_names_a_damaged_file(tmp_path: Path) -> None:
    from simxh.store import read_table

    path = tmp_path / "district.parquet"
    frame(0).to_parquet(path)
    assert read_table(path)["firms"].tolist() == [0, 1, 2]
    path.write_bytes(path.read_bytes()[:30])
    with pytest.raises(UserError, match=r"district\.parquet.*not a readable Parquet table"):
        read_table(path)
    with pytest.raises(UserError, match="file not found"):
        read_table(tmp_path / "nope.parquet")


def test_manifest_paths_resolve_from_the_results_folder() -> None:
    """A config stored relative to the experiment file is found from the results folder even
    when the experiment file lay outside the folder the run was started from (its recorded
    path is then its name only)."""
    from simxh.store import manifest_path_on_disk

    manifest = {"experiment": {"file": "exp.toml", "dir_from_results": "../elsewhere"}}
    assert manifest_path_on_disk("../configs/a.toml", manifest, "/data/r/out") == \
        "/data/r/configs/a.toml"
    assert manifest_path_on_disk("../configs/a.toml", manifest) == "../configs/a.toml"
    assert manifest_path_on_disk("/abs/a.toml", manifest, "/data/r/out") == "/abs/a.toml"
