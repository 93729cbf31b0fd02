"""Damaged store: stores that verify themselves (issue 23, item 6).

Each run file carries its run id (Parquet metadata ``simxh_run_id``) and the manifest a
checksum of each run file. A run file copied over another run's, or damaged inside with a
whole footer, is listed by `simxh status` and run again by `--resume`; a manifest with an
unknown store format, or with fields edited so that they contradict the runs, is refused with
one line. Through the real CLI with the fast stand-in model (inline).
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pandas as pd
import pytest

from simxh.cli import main

sys.path.insert(0, str(Path(__file__).parent))
from test_experiment_helpers import fake_experiment, fake_simulate  # noqa: E402

EXPERIMENT = fake_experiment("integrity")


@pytest.fixture
def fast_model(monkeypatch):
    import simxh.simulation

    def simulate(cfg, seed=0, scenario="", replication=0, region=None, villages=True):
        return fake_simulate(cfg, seed=seed, scenario=scenario, replication=replication)

    monkeypatch.setattr(simxh.simulation, "simulate", simulate)


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> Path:
    """A finished store of the experiment (fake model), never modified."""
    import simxh.simulation

    root = tmp_path_factory.mktemp("integrity")
    (root / "exp.toml").write_text(EXPERIMENT)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(simxh.simulation, "simulate",
                   lambda cfg, seed=0, scenario="", replication=0, region=None,
                   villages=True: fake_simulate(cfg, seed=seed, scenario=scenario,
                                                replication=replication))
        assert main(["run", str(root / "exp.toml"), "--out", str(root / "out"),
                     "--workers", "1", "--progress", "off"]) == 0
    return root


@pytest.fixture
def store(clean: Path, tmp_path: Path, capsys) -> Path:
    shutil.copy(clean / "exp.toml", tmp_path / "exp.toml")
    shutil.copytree(clean / "out", tmp_path / "out")
    capsys.readouterr()
    return tmp_path / "out"


def resume(capsys, store: Path) -> tuple[int, str, str]:
    code = main(["run", str(store.parent / "exp.toml"), "--out", str(store), "--resume",
                 "--workers", "1", "--progress", "off"])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_tables_equal(store: Path, clean: Path) -> None:
    for name in ("district", "towns"):
        pd.testing.assert_frame_equal(pd.read_parquet(store / f"{name}.parquet"),
                                      pd.read_parquet(clean / "out" / f"{name}.parquet"))


def copy_run(store: Path, source: str, target: str) -> None:
    for table in ("district", "towns"):
        shutil.copyfile(store / "runs" / f"{source}.{table}.parquet",
                        store / "runs" / f"{target}.{table}.parquet")


@pytest.mark.parametrize("checksums", ["recorded", "not-yet-recorded"])
def test_a_copied_run_file_is_listed_and_rerun(store: Path, clean: Path, capsys, fast_model,
                                               checksums) -> None:
    if checksums == "not-yet-recorded":  # runs finished after the manifest's last update
        manifest = json.loads((store / "manifest.json").read_text())
        manifest.pop("checksums", None)
        (store / "manifest.json").write_text(json.dumps(manifest))
    copy_run(store, "s1-p0-r0", "s0-p0-r0")  # a whole Parquet file, of another run
    assert main(["status", str(store)]) == 0
    out = capsys.readouterr().out
    assert "damaged:    1 run file(s)" in out and "s0-p0-r0" in out
    assert "5 done, 0 failed, 1 pending" in out
    code, _, err = resume(capsys, store)
    assert code == 0, err
    assert "1 damaged run file(s) were set aside" in err
    assert (store / "runs" / "s0-p0-r0.district.parquet.damaged").exists()
    assert_tables_equal(store, clean)
    assert main(["status", str(store)]) == 0
    assert "damaged" not in capsys.readouterr().out


def test_a_run_file_damaged_inside_with_a_whole_footer_is_rerun(store: Path, clean: Path,
                                                               capsys, fast_model) -> None:
    path = store / "runs" / "s0-p0-r1.district.parquet"
    data = bytearray(path.read_bytes())
    middle = len(data) // 3
    data[middle:middle + 16] = bytes(16)  # inside the data pages; magic and footer intact
    path.write_bytes(bytes(data))
    assert main(["status", str(store)]) == 0
    assert "s0-p0-r1" in capsys.readouterr().out
    code, _, err = resume(capsys, store)
    assert code == 0, err
    assert_tables_equal(store, clean)


def edit_manifest(store: Path, **changes) -> None:
    manifest = json.loads((store / "manifest.json").read_text())
    manifest.update(changes)
    (store / "manifest.json").write_text(json.dumps(manifest))


@pytest.mark.parametrize(("edit", "key", "commands"), [
    ({"simxh_store": 99}, "simxh_store", ("status", "compare", "run")),
    ({"replications": 5}, "replications", ("status", "compare")),
    ({"reference": "faster"}, "reference", ("status", "compare")),
    ({"reference": "nowhere"}, "reference", ("status",)),
    ({"seed": 8}, "seed", ("status", "compare")),
    ({"scenarios": ["faster", "baseline"]}, "scenarios", ("status",)),
])
def test_an_edited_manifest_is_refused_in_one_line(store: Path, capsys, fast_model, edit, key,
                                                   commands) -> None:
    edit_manifest(store, **edit)
    for command in commands:
        if command == "run":
            code, _, err = resume(capsys, store)
        else:
            code = main([command, str(store)])
            err = capsys.readouterr().err
        assert code == 2, (command, err)
        assert err.count("\n") == 1 and "Traceback" not in err, err
        assert f"key '{key}'" in err and "manifest.json" in err, err


def test_run_files_name_their_run_and_the_manifest_holds_their_checksums(store: Path) -> None:
    import pyarrow.parquet as pq

    from simxh.store import RUN_ID_KEY, checksum_of

    manifest = json.loads((store / "manifest.json").read_text())
    sums = manifest["checksums"]
    assert len(sums) == 6
    for run_id, tables in sums.items():
        for table, digest in tables.items():
            path = store / "runs" / f"{run_id}.{table}.parquet"
            assert checksum_of(path) == digest
            assert pq.read_schema(path).metadata[RUN_ID_KEY] == run_id.encode()
    # the consolidated tables name no single run
    assert RUN_ID_KEY not in (pq.read_schema(store / "district.parquet").metadata or {})
